//! The running of workflows inside the engine: starting tasks and their
//! actions, completing tasks (publish, transitions through the controller),
//! and completing, pausing, resuming and stopping executions. Every change
//! is made in memory and marked dirty for the next group commit.

use serde_json::{Map, Value, json};

use super::EngineActor;
use super::controller::{self, Command};
use super::offload::{Deferral, Ready, Resume};
use super::state::{Exec, ExecHost};
use super::transition::Overlay;
use crate::domain::{ExecutionId, State, TaskExecutionId, now, pytext};
use crate::expr::{self, Context};
use crate::lang::{Join, TaskRun};
use crate::store::{TaskRecord, Write};

/// What `apply_each` made of a task command before starting any.
#[derive(Clone, Copy)]
enum Created {
    /// A task created IDLE, to start.
    Plain(TaskExecutionId),
    /// A join's WAITING task execution, to evaluate.
    Join(TaskExecutionId, Join),
    /// A join arrival that needs nothing more.
    Nothing,
}

/// Python's `str()` of a value, as Mistral writes results into messages.
pub(crate) use crate::domain::pytext::str as text;

impl EngineActor {
    /// Evaluates `v` (a value with expressions) for a task of `exec`, under
    /// the full budget.
    pub(crate) fn evaluate(
        &self,
        exec: &Exec,
        task: Option<&TaskRecord>,
        branch: &Map<String, Value>,
        v: &Value,
    ) -> Result<Value, String> {
        self.evaluate_in(None, exec, task, None, branch, v)
    }

    /// Evaluates `v` for `task` inside a deferrable operation's plan.
    pub(crate) fn evaluate_for(
        &self,
        d: &mut Deferral,
        exec: &Exec,
        task: &TaskRecord,
        branch: &Map<String, Value>,
        v: &Value,
    ) -> Result<Value, String> {
        self.evaluate_in(Some(d), exec, Some(task), None, branch, v)
    }

    /// Evaluates `v` for a task of `exec`, through `d` when a plan asks,
    /// with `task()` seeing the task as `overlay` would leave it.
    pub(crate) fn evaluate_in(
        &self,
        d: Option<&mut Deferral>,
        exec: &Exec,
        task: Option<&TaskRecord>,
        overlay: Option<&Overlay>,
        branch: &Map<String, Value>,
        v: &Value,
    ) -> Result<Value, String> {
        if !needs_eval(v) {
            return Ok(v.clone());
        }
        let data = self.data_of(exec, task, branch);
        let host = ExecHost {
            exec,
            current: task.map(|t| t.id),
            overlay,
            family: super::family::FamilySource::engine(self),
        };
        if task.is_some() {
            return self.evaluate_scoped(d, v, branch, data, Some(host));
        }
        let ctx = Context {
            data: &data,
            host: Some(&host),
        };
        self.eval.evaluate_data(v, &ctx).map_err(|e| e.to_string())
    }

    /// Starts the start tasks of a new execution.
    pub(crate) fn start_workflow(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        if exec.spec.kind == crate::lang::WorkflowKind::Reverse {
            return self.start_reverse(exec_id);
        }
        let starts = controller::start_tasks(&exec.spec)
            .into_iter()
            .map(|name| Command::RunTask { name, event: None })
            .collect();
        self.run_commands(exec_id, None, starts);
    }

    /// Runs (or, for a join, feeds) the named task with its inbound context.
    pub(crate) fn run_task(
        &mut self,
        exec_id: ExecutionId,
        name: &str,
        in_context: Map<String, Value>,
        triggered_by: Option<(TaskExecutionId, controller::Event)>,
    ) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(spec) = exec.spec.tasks.get(name).cloned() else {
            let msg = format!("Task '{name}' not found.");
            self.stop(exec_id, State::Error, Some(msg));
            return;
        };
        if let Some(join) = spec.join {
            if let Some(task_id) = self.join_arrival(exec_id, name, in_context, triggered_by) {
                self.evaluate_join(exec_id, task_id, join);
            }
            return;
        }
        let trigger = super::runtime::trigger(triggered_by);
        if let Some(task_id) = self.new_task(exec_id, name, in_context, trigger, State::Running) {
            self.begin_task(exec_id, task_id);
        }
    }

    /// An arrival at a join: creates its WAITING task execution, or puts a
    /// finished one back to WAITING; the task execution to evaluate, if any.
    fn join_arrival(
        &mut self,
        exec_id: ExecutionId,
        name: &str,
        in_context: Map<String, Value>,
        triggered_by: Option<(TaskExecutionId, controller::Event)>,
    ) -> Option<TaskExecutionId> {
        let trigger = super::runtime::trigger(triggered_by);
        let exec = self.execs.get_mut(&exec_id)?;
        // A join has one task execution per workflow execution
        // (Mistral's unique key `join-task-<execution>-<name>`). An
        // arrival while it runs changes nothing; an arrival after it
        // finished puts that same task execution back to WAITING, and it
        // runs again once the join is satisfied (Mistral's `defer`).
        if let Some((from, _)) = triggered_by
            && let Some(i) = exec
                .fed_while_paused
                .iter()
                .position(|(t, n)| *t == from && n == name)
        {
            // This arrival was counted when its task completed during a
            // pause (Mistral reopens the finished join here and never
            // runs it again; bora does not copy that hang).
            exec.fed_while_paused.swap_remove(i);
            return None;
        }
        let existing = exec.latest.get(name).and_then(|id| exec.tasks.get(id));
        let reopen = existing.is_some_and(|t| matches!(t.state, State::Success | State::Error));
        if existing.is_some_and(|t| t.state != State::Waiting) && !reopen {
            return None;
        }
        let task_id = match existing.map(|t| t.id) {
            Some(id) => {
                let t = exec.tasks.get_mut(&id)?;
                if reopen {
                    super::transition::set(
                        t,
                        State::Waiting,
                        super::transition::Move::Reopen,
                        &mut self.stats,
                    );
                    t.state_info = Some("Task is waiting.".into());
                    t.processed = false;
                    t.error_handled = false;
                    t.finished_at = None;
                    t.updated_at = Some(now());
                    exec.incomplete += 1;
                }
                if let Value::Object(ctx) = &mut t.in_context {
                    super::versions::merge(ctx, in_context);
                }
                if let Some(tr) = trigger {
                    super::runtime::push_trigger(&mut t.runtime_context, tr);
                }
                id
            }
            None => self.new_task(exec_id, name, in_context, trigger, State::Waiting)?,
        };
        // Mistral's logical state of a waiting join gives it no triggers:
        // its `triggered_by` reads `[]` until it runs (the arrivals stay,
        // for the run and for a rerun).
        if let Some(t) = super::state::task_mut(&mut self.execs, exec_id, task_id)
            && t.state == State::Waiting
        {
            super::runtime::set_shown_triggers(&mut t.runtime_context, Some(json!([])));
        }
        self.touch_task(exec_id, task_id, Write::Update);
        Some(task_id)
    }

    pub(crate) fn new_task(
        &mut self,
        exec_id: ExecutionId,
        name: &str,
        in_context: Map<String, Value>,
        trigger: Option<Value>,
        state: State,
    ) -> Option<TaskExecutionId> {
        let exec = self.execs.get_mut(&exec_id)?;
        let spec = exec.spec.tasks.get(name)?;
        let kind = match spec.run {
            TaskRun::Action(_) => crate::domain::TaskKind::Action,
            TaskRun::Workflow(_) => crate::domain::TaskKind::Workflow,
        };
        let t = now();
        let rec = TaskRecord {
            id: TaskExecutionId::new(),
            name: name.to_string(),
            execution_id: exec_id,
            workflow_name: exec.rec.workflow_name.clone(),
            workflow_namespace: exec.rec.workflow_namespace.clone(),
            workflow_id: exec.rec.workflow_id,
            kind,
            tags: spec.tags.clone(),
            state,
            state_info: None,
            runtime_context: super::runtime::new_triggered(trigger),
            in_context: Value::Object(in_context),
            published: json!({}),
            result: Value::Null,
            processed: false,
            error_handled: false,
            project_id: exec.rec.project_id.clone(),
            created_at: t,
            updated_at: None,
            started_at: (state == State::Running).then_some(t),
            finished_at: None,
        };
        let id = rec.id;
        exec.latest.insert(name.to_string(), id);
        exec.tasks.insert(id, rec);
        exec.incomplete += 1;
        if state == State::Idle {
            self.touch_task_quietly(exec_id, id, Write::Insert);
        } else {
            self.touch_task(exec_id, id, Write::Insert);
        }
        Some(id)
    }

    /// Starts a task `apply_each` created IDLE: it launches as a new one,
    /// or waits behind a start that waits for an evaluation.
    pub(crate) fn start_created(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        if !self.queue_start(exec_id, task_id) {
            self.launch_created(exec_id, task_id);
        }
    }

    pub(crate) fn launch_created(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) else {
            return;
        };
        if task.state != State::Idle
            || !super::transition::advance(task, State::Running, &mut self.stats)
        {
            return;
        }
        task.started_at = Some(now());
        self.touch_task(exec_id, task_id, Write::Update);
        self.begin_task(exec_id, task_id);
    }

    /// Decides a WAITING join: run it once enough inbound tasks triggered it.
    fn evaluate_join(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, join: Join) {
        crate::failpoint!("engine.join.evaluate");
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get(&task_id) else {
            return;
        };
        let (inbound, distinct) = join_progress(exec, task);
        let needed = match join {
            Join::All => inbound.len(),
            Join::Count(n) => n as usize,
        };
        let Some(task) = exec.tasks.get_mut(&task_id) else {
            return;
        };
        if distinct.len() >= needed {
            super::transition::advance(task, State::Running, &mut self.stats);
            task.state_info = None;
            task.started_at = Some(now());
            self.touch_task(exec_id, task_id, Write::Update);
            self.begin_join(exec_id, task_id);
        } else {
            task.state_info = Some("Task is waiting.".into());
        }
    }

    /// Fires the transitions of a completed, unprocessed task.
    pub(crate) fn process_task(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get(&task_id) else {
            return;
        };
        if task.processed || !task.state.is_completed() {
            return;
        }
        let Some(spec) = exec.spec.tasks.get(&task.name) else {
            return;
        };
        if exec.spec.kind == crate::lang::WorkflowKind::Reverse {
            return self.process_reverse(exec_id, task_id);
        }
        let outbound = Exec::outbound(task);
        let state = task.state;
        let cmds = match self.deferrable((exec_id, task_id), |s, d| {
            let mut guard = |g: &Value| s.evaluate_for(d, exec, task, &outbound, g);
            controller::fired_commands(spec, state, &mut guard)
        }) {
            Ready::Done(cmds) => cmds,
            Ready::Deferred(req) => return self.defer(req, Resume::Process),
        };
        let by_policy = self
            .execs
            .get_mut(&exec_id)
            .is_some_and(|x| x.policy_completed.remove(&task_id));
        let cmds = match cmds {
            Ok(c) => c,
            Err(e) => {
                let msg = match by_policy {
                    true => self.policy_completion_failure(exec_id, task_id, &e),
                    false => self.completion_failure(exec_id, task_id, &e),
                };
                return self.force_fail_task(exec_id, task_id, msg);
            }
        };
        let handled = controller::handles_error(&cmds);
        // As Mistral records `next_tasks`: engine commands are left out, so
        // a task whose clause fired only commands is an end task (its
        // publish reaches the workflow's final context).
        let next: Vec<Value> = cmds
            .iter()
            .filter_map(|c| match c {
                Command::RunTask { name, .. } => Some(json!([name, c.event().map(|e| e.as_str())])),
                _ => None,
            })
            .collect();
        let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) else {
            return;
        };
        task.processed = true;
        task.error_handled = task.state == State::Error && handled;
        super::runtime::set_next_tasks(&mut task.runtime_context, next);
        self.touch_task(exec_id, task_id, Write::Update);
        // A task that completed during a pause is processed on resume
        // without its `pause` commands.
        let resumed = self
            .execs
            .get_mut(&exec_id)
            .is_some_and(|x| x.resumed_unprocessed.remove(&task_id));
        let cmds = match resumed {
            true => cmds
                .into_iter()
                .filter(|c| !matches!(c, Command::Pause { .. }))
                .collect(),
            false => cmds,
        };
        self.run_commands(exec_id, Some((task_id, outbound)), cmds);
    }

    /// Applies controller commands in the order Mistral's dispatcher runs
    /// them ([`controller::dispatch`]); after a `pause` the rest waits in the
    /// backlog; after the workflow ends the rest is dropped.
    pub(crate) fn run_commands(
        &mut self,
        exec_id: ExecutionId,
        from: Option<(TaskExecutionId, Map<String, Value>)>,
        cmds: Vec<Command>,
    ) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let spec = &exec.spec;
        let cmds = controller::dispatch(cmds, |name| {
            spec.tasks.get(name).is_some_and(|t| t.join.is_some())
        });
        // Tasks started by a list whose command, or whose sibling task,
        // stops or pauses the workflow run to their end (Mistral starts them
        // after the transaction that changed the workflow's state):
        // remember what they dispatch.
        let outer = self.batch_actions.replace(Vec::new());
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.applying += 1;
        }
        let pending = self.execs.get(&exec_id).is_some_and(|e| e.stop_pending);
        self.apply_each(exec_id, from, cmds);
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.stop_pending = pending;
        }
        let started = self.batch_actions.take().unwrap_or_default();
        self.batch_actions = outer;
        let owner = &self.owner;
        if let Some(exec) = self.execs.get_mut(&exec_id)
            && exec.rec.state != State::Running
        {
            exec.owed.extend(
                started
                    .into_iter()
                    .filter(|a| owner.get(a) == Some(&exec_id)),
            );
        } else if let Some(outer) = &mut self.batch_actions {
            outer.extend(started);
        }
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.applying -= 1;
            if exec.applying == 0 {
                self.check_complete(exec_id);
            }
        }
    }

    fn apply_each(
        &mut self,
        exec_id: ExecutionId,
        from: Option<(TaskExecutionId, Map<String, Value>)>,
        cmds: Vec<Command>,
    ) {
        // Mistral creates every task of a list before any starts: a task
        // that fails its workflow at start does not keep its siblings from
        // being created and started; only an engine command of the list
        // ends it at once.
        let stopped_before = !self
            .execs
            .get(&exec_id)
            .is_some_and(|e| e.rec.state == State::Running);
        let mut by_command = stopped_before;
        let stops = cmds.iter().any(Command::is_state_change);
        let outer_pending = self.execs.get(&exec_id).is_some_and(|e| e.stop_pending);
        // Mistral's dispatcher creates the task executions of the commands
        // before the first engine command (IDLE), and starts them only
        // after its transaction: a task starting first already sees its
        // siblings through task() and tasks(). Joins keep their own way.
        let mut created: Vec<Option<Created>> = Vec::with_capacity(cmds.len());
        if !stopped_before {
            let ctx = from.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
            let task_id = from.as_ref().map(|(id, _)| *id);
            for cmd in &cmds {
                let made = match cmd {
                    Command::RunTask { name, event } => {
                        let join = self
                            .execs
                            .get(&exec_id)
                            .and_then(|e| e.spec.tasks.get(name))
                            .map(|s| s.join);
                        match join {
                            Some(Some(join)) => Some(
                                self.join_arrival(exec_id, name, ctx.clone(), task_id.zip(*event))
                                    .map_or(Created::Nothing, |id| Created::Join(id, join)),
                            ),
                            Some(None) => {
                                let trigger = super::runtime::trigger(task_id.zip(*event));
                                self.new_task(exec_id, name, ctx.clone(), trigger, State::Idle)
                                    .map(Created::Plain)
                            }
                            None => None,
                        }
                    }
                    Command::Noop { .. } => None,
                    _ => break,
                };
                created.push(made);
            }
        }
        let mut created = created.into_iter();
        let mut rest = cmds.into_iter();
        while let Some(cmd) = rest.next() {
            let pre = created.next().flatten();
            let Some(exec) = self.execs.get_mut(&exec_id) else {
                return;
            };
            exec.stop_pending = outer_pending || (stops && !cmd.is_state_change());
            match exec.rec.state {
                State::Running => {}
                // A task of the list paused the workflow as it started
                // (`pause-before`): Mistral has created and started its
                // siblings by then.
                State::Paused
                    if !stopped_before && !by_command && matches!(cmd, Command::RunTask { .. }) => {
                }
                State::Paused => {
                    let held: Vec<Command> = std::iter::once(cmd).chain(rest).collect();
                    return self.hold(exec_id, from, held);
                }
                State::Error | State::Success
                    if !by_command && matches!(cmd, Command::RunTask { .. }) => {}
                _ => return,
            }
            by_command |= !matches!(cmd, Command::RunTask { .. } | Command::Noop { .. });
            let ctx = from.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
            let task_id = from.as_ref().map(|(id, _)| *id);
            match cmd {
                Command::RunTask { .. } if pre.is_some() => match pre {
                    Some(Created::Plain(id)) => self.start_created(exec_id, id),
                    // A join listed twice runs once: the first evaluation
                    // may have started it.
                    Some(Created::Join(id, join))
                        if super::state::task_in(&self.execs, exec_id, id)
                            .is_some_and(|t| t.state == State::Waiting) =>
                    {
                        self.evaluate_join(exec_id, id, join);
                    }
                    _ => {}
                },
                Command::RunTask { name, event } => {
                    let trigger = task_id.zip(event);
                    self.run_task(exec_id, &name, ctx, trigger);
                }
                Command::Noop { .. } => {}
                Command::Fail { msg, .. } => {
                    let msg = Self::command_msg(msg);
                    self.stop_by_command(exec_id, task_id, State::Error, msg);
                }
                Command::Succeed { msg, .. } => {
                    let msg = Self::command_msg(msg);
                    self.stop_by_command(exec_id, task_id, State::Success, msg);
                }
                Command::Pause { msg, .. } => {
                    let msg = Self::command_msg(msg);
                    // As for `fail` and `succeed`: a sibling's action
                    // dispatched before the command runs even when its
                    // confirmation arrives during the pause.
                    self.owe_dispatched(exec_id);
                    self.pause(exec_id, msg);
                }
            }
        }
    }

    /// The text of an engine command's message (evaluated with the guards,
    /// [`controller::fired_commands`]).
    fn command_msg(msg: Option<Value>) -> Option<String> {
        msg.map(|v| text(&v))
    }

    /// Ends the workflow when nothing is left to run.
    pub(crate) fn check_complete(&mut self, exec_id: ExecutionId) {
        loop {
            let Some(exec) = self.execs.get(&exec_id) else {
                return;
            };
            if exec.rec.state != State::Running
                || !exec.backlog.is_empty()
                || exec.deferred > 0
                || !exec.held_starts.is_empty()
                || !exec.queued_starts.is_empty()
                || exec.applying > 0
            {
                return;
            }
            if exec.incomplete > 0 {
                if exec.in_flight > 0 || !self.fail_unsatisfiable_joins(exec_id) {
                    return;
                }
                continue;
            }
            let cancelled: Vec<&str> = sorted_names(exec, State::Cancelled);
            if !cancelled.is_empty() {
                let msg = format!("Cancelled tasks: {}", cancelled.join(", "));
                self.complete_execution(exec_id, State::Cancelled, Some(msg));
            } else if exec
                .tasks
                .values()
                .all(|t| t.state != State::Error || t.error_handled)
            {
                self.complete_execution(exec_id, State::Success, None);
            } else {
                self.restore_failed_actions(exec_id);
                let Some(exec) = self.execs.get(&exec_id) else {
                    return;
                };
                let msg = super::lifecycle::fail_info(exec);
                self.complete_execution(exec_id, State::Error, Some(msg));
            }
            return;
        }
    }

    /// Fails a task and at once its workflow with `msg`, as Mistral's
    /// `force_fail_task` does for an error of the workflow's own making (an
    /// expression that cannot be evaluated, an action that does not exist
    /// or does not take its input): no transition of the task runs; the
    /// workflow's state_info is the task's. A task without an accepted
    /// action execution keeps the result `[]`. A workflow that is paused, finished, or about to be
    /// stopped by a command of the list that started the task is left as it
    /// is (Mistral's `_fail_workflow` changes only a running one).
    pub(crate) fn force_fail_task(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        msg: String,
    ) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        // An action that left memory (`engine::evict`) was accepted.
        let ran = exec.evicted.contains_key(&task_id)
            || exec
                .actions
                .values()
                .any(|a| a.task_execution_id == Some(task_id) && a.accepted);
        let Some(task) = exec.tasks.get_mut(&task_id) else {
            return;
        };
        let t = now();
        if !task.state.is_completed() {
            exec.incomplete = exec.incomplete.saturating_sub(1);
        }
        super::transition::set(
            task,
            State::Error,
            super::transition::Move::ForceFail,
            &mut self.stats,
        );
        task.state_info = Some(msg.clone());
        task.processed = true;
        if !ran && task.result.is_null() {
            task.result = json!([]);
        }
        task.finished_at.get_or_insert(t);
        task.updated_at = Some(t);
        self.touch_task(exec_id, task_id, Write::Update);
        log::info!(
            "ex={exec_id} task={task_id} failed the workflow: {}",
            self.mask(exec_id, msg.clone())
        );
        // A sibling's action whose confirmation arrives after this failure
        // (the failing start may have been evaluated off the engine thread)
        // still runs.
        self.owe_dispatched(exec_id);
        if self
            .execs
            .get(&exec_id)
            .is_some_and(|e| e.rec.state == State::Running && !e.stop_pending)
        {
            self.stop(exec_id, State::Error, Some(msg));
        }
    }

    /// With nothing in flight, a WAITING join can never run: fail it as
    /// Mistral does. True when one was failed.
    fn fail_unsatisfiable_joins(&mut self, exec_id: ExecutionId) -> bool {
        let Some(exec) = self.execs.get(&exec_id) else {
            return false;
        };
        // A task waiting for a timer (a retry, wait-before, wait-after) or
        // otherwise unfinished may still trigger a join.
        if exec
            .tasks
            .values()
            .any(|t| !t.state.is_completed() && t.state != State::Waiting)
        {
            return false;
        }
        let waiting: Vec<(TaskExecutionId, String, Value)> = exec
            .tasks
            .values()
            .filter(|t| t.state == State::Waiting)
            .map(|t| {
                // Nothing is in flight: every inbound task that has not
                // triggered the join never will.
                let (inbound, triggered) = join_progress(exec, t);
                let failed: Vec<&String> =
                    inbound.iter().filter(|n| !triggered.contains(n)).collect();
                (
                    t.id,
                    format!("Failed by tasks: {}", pytext::names_repr(&failed)),
                    failed_join_triggers(exec, t, &failed),
                )
            })
            .collect();
        for (id, msg, by) in waiting.iter().cloned() {
            if let Some(task) = super::state::task_mut(&mut self.execs, exec_id, id) {
                super::runtime::set_shown_triggers(&mut task.runtime_context, Some(by));
            }
            self.complete_task(exec_id, id, State::Error, json!([]), Some(msg));
        }
        !waiting.is_empty()
    }
}

/// The `triggered_by` Mistral gives a join it ends in ERROR (its logical
/// state's): for `join: all`, each inbound task that ran and ended without a
/// transition to it, as `not triggered` (one that never ran is left out);
/// for a `join: N` (or `one`), nothing.
fn failed_join_triggers(exec: &Exec, join: &TaskRecord, failed: &[&String]) -> Value {
    let all = exec
        .spec
        .tasks
        .get(&join.name)
        .is_some_and(|s| s.join == Some(Join::All));
    if !all {
        return json!([]);
    }
    failed
        .iter()
        .filter_map(|n| exec.latest.get(n.as_str()))
        .map(|id| json!({"task_id": id.to_string(), "event": "not triggered"}))
        .collect()
}

/// A join's inbound task names (document order) and the distinct names of
/// those that have triggered it so far.
fn join_progress(exec: &Exec, join: &TaskRecord) -> (Vec<String>, Vec<String>) {
    let inbound = inbound_tasks(&exec.spec, &join.name);
    let mut triggered: Vec<String> = super::runtime::trigger_ids(&join.runtime_context)
        .iter()
        .filter_map(|id| id.parse::<TaskExecutionId>().ok())
        .filter_map(|id| exec.tasks.get(&id).map(|t| t.name.clone()))
        .collect();
    triggered.sort();
    triggered.dedup();
    (inbound, triggered)
}

/// The names of tasks in `state`, sorted.
fn sorted_names(exec: &Exec, state: State) -> Vec<&str> {
    let mut names: Vec<&str> = exec
        .tasks
        .values()
        .filter(|t| t.state == state)
        .map(|t| t.name.as_str())
        .collect();
    names.sort_unstable();
    names
}

/// The tasks with a transition into `name`, in document order.
fn inbound_tasks(spec: &crate::lang::WorkflowSpec, name: &str) -> Vec<String> {
    spec.tasks
        .values()
        .filter(|t| {
            [&t.on_success, &t.on_error, &t.on_complete, &t.on_skip]
                .iter()
                .any(|c| {
                    c.as_ref().is_some_and(|c| {
                        c.next.iter().any(
                            |tr| matches!(&tr.target, crate::lang::Target::Task(n) if n == name),
                        )
                    })
                })
        })
        .map(|t| t.name.clone())
        .collect()
}

/// True when `v` holds a string with an expression somewhere.
fn needs_eval(v: &Value) -> bool {
    match v {
        Value::String(s) => expr::has_expression(s),
        Value::Array(items) => items.iter().any(needs_eval),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| expr::has_expression(k) || needs_eval(v)),
        _ => false,
    }
}

/// A policy value as seconds.
pub(crate) fn seconds(v: &Value, what: &str) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().filter(|s| *s >= 0.0 && s.is_finite()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| *s >= 0.0 && s.is_finite()),
        _ => None,
    }
    .ok_or_else(|| {
        format!("Invalid data type in {what} policy: a non-negative number is expected, got {v}")
    })
}
