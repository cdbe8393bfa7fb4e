//! Work a pause holds back or lets through: the commands a `pause` keeps
//! for resume (Mistral's command backlog, with each command's transition
//! context), and the joins a task completing during a pause still
//! satisfies (Mistral records its next tasks at completion and refreshes
//! the joins they name). Actions started for a paused workflow this way
//! run to their end, as Mistral runs a task it has started.

use serde_json::{Map, Value};

use super::EngineActor;
use super::controller::{self, Command};
use super::state::{Exec, Held};
use crate::domain::{ExecutionId, State, TaskExecutionId};

impl EngineActor {
    /// A task that completed while its workflow is paused is processed on
    /// resume, but the joins it leads to learn of it now, as Mistral records
    /// the task's next tasks at completion and refreshes its joins: a
    /// WAITING join it satisfies runs during the pause.
    pub(crate) fn feed_joins_while_paused(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get(&task_id) else {
            return;
        };
        let Some(spec) = exec.spec.tasks.get(&task.name) else {
            return;
        };
        if task.processed || exec.spec.kind == crate::lang::WorkflowKind::Reverse {
            return;
        }
        let outbound = Exec::outbound(task);
        let mut guard = |g: &Value| self.evaluate(exec, Some(task), &outbound, g);
        // A guard that fails is left to the processing on resume.
        let Ok(cmds) = controller::fired_commands(spec, task.state, &mut guard) else {
            return;
        };
        let joins: Vec<(String, Option<controller::Event>)> = cmds
            .into_iter()
            .filter_map(|c| match c {
                Command::RunTask { name, event }
                    if exec.spec.tasks.get(&name).is_some_and(|t| t.join.is_some())
                        && exec
                            .latest
                            .get(&name)
                            .and_then(|id| exec.tasks.get(id))
                            .is_some_and(|t| t.state == State::Waiting) =>
                {
                    Some((name, event))
                }
                _ => None,
            })
            .collect();
        if joins.is_empty() {
            return;
        }
        self.owing(exec_id, |s| {
            for (name, event) in joins {
                let trigger = event.map(|e| (task_id, e));
                s.run_task(exec_id, &name, outbound.clone(), trigger);
                if let Some(exec) = s.execs.get_mut(&exec_id) {
                    exec.fed_while_paused.push((task_id, name));
                }
            }
        });
    }

    /// Runs `f`; the actions it starts while the workflow is paused, or
    /// after it ended, are owed their confirmation (Mistral runs a task it
    /// started whatever the workflow's state).
    pub(crate) fn owing(&mut self, exec_id: ExecutionId, f: impl FnOnce(&mut Self)) {
        let outer = self.batch_actions.replace(Vec::new());
        f(self);
        let started = self.batch_actions.take().unwrap_or_default();
        self.batch_actions = outer;
        let owner = &self.owner;
        if let Some(exec) = self.execs.get_mut(&exec_id)
            && exec.rec.state != State::Running
        {
            exec.owed.extend(
                started
                    .iter()
                    .copied()
                    .filter(|a| owner.get(a) == Some(&exec_id)),
            );
        }
        if let Some(outer) = &mut self.batch_actions {
            outer.extend(started);
        }
    }

    /// Keeps `cmds` for resume (the workflow is paused). A held-back
    /// transition into a join still counts for it, as Mistral's join reads
    /// the transitions its inbound tasks took: a WAITING join it satisfies
    /// runs now, paused or not (Mistral refreshes the join after the
    /// inbound task completes). On resume the held command runs the join's
    /// task again as a plain task (Mistral's backlog keeps no join key).
    pub(crate) fn hold(
        &mut self,
        exec_id: ExecutionId,
        from: Option<(TaskExecutionId, Map<String, Value>)>,
        cmds: Vec<Command>,
    ) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let mut joins = Vec::new();
        for cmd in cmds {
            if let Command::RunTask { name, event } = &cmd
                && exec.spec.tasks.get(name).is_some_and(|t| t.join.is_some())
                && exec
                    .latest
                    .get(name)
                    .and_then(|id| exec.tasks.get(id))
                    .is_some_and(|t| t.state == State::Waiting)
            {
                joins.push((name.clone(), *event));
            }
            exec.backlog.push(Held {
                cmd,
                from: from.clone(),
            });
        }
        for (name, event) in joins {
            let ctx = from.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
            let trigger = from.as_ref().map(|(id, _)| *id).zip(event);
            self.run_task(exec_id, &name, ctx, trigger);
        }
    }

    /// Runs the commands held back by a `pause` (on resume), in the order
    /// Mistral's dispatcher gives its restored backlog, each with the
    /// context of its own transition. A restored command carries no join
    /// key, so a join's task runs as a plain task.
    pub(crate) fn run_held(&mut self, exec_id: ExecutionId, held: Vec<Held>) {
        let held = controller::dispatch_by(held, |h| &h.cmd, |_| false);
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        exec.applying += 1;
        for h in held {
            let Some(exec) = self.execs.get(&exec_id) else {
                return;
            };
            if exec.rec.state != State::Running {
                break;
            }
            match h.cmd {
                Command::RunTask { name, event }
                    if exec.spec.tasks.get(&name).is_some_and(|t| t.join.is_some()) =>
                {
                    let ctx = h.from.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
                    let trigger =
                        super::runtime::trigger(h.from.as_ref().map(|(id, _)| *id).zip(event));
                    if let Some(id) = self.new_task(exec_id, &name, ctx, trigger, State::Running) {
                        self.begin_task(exec_id, id);
                    }
                }
                cmd => self.run_commands(exec_id, h.from, vec![cmd]),
            }
        }
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.applying -= 1;
        }
    }
}
