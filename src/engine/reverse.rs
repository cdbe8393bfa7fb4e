//! Reverse workflows: the target task named by `params.task_name` and the
//! closure of what it `requires` run in dependency order; nothing outside
//! the closure runs. A task starts once every task it requires succeeded,
//! with the merged outbound contexts of those tasks.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::EngineActor;
use super::state::Exec;
use crate::domain::{ExecutionId, State, TaskExecutionId};
use crate::lang::WorkflowSpec;
use crate::store::Write;

/// The tasks `target` needs, itself included, dependencies first; or why
/// not (an unknown target). A `requires` cycle is no error, as in Mistral
/// (a depth-first walk that visits each task once): the tasks on it never
/// become ready, what they do not need runs, and the workflow ends when
/// nothing more can run, with the target's context or `{}`.
pub(crate) fn closure(spec: &WorkflowSpec, target: &str) -> Result<Vec<String>, String> {
    if !spec.tasks.contains_key(target) {
        return Err(super::requests::invalid_task_name(spec, Some(target)));
    }
    let mut order = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    fn visit<'a>(
        spec: &'a WorkflowSpec,
        name: &'a str,
        seen: &mut HashSet<&'a str>,
        order: &mut Vec<String>,
    ) {
        if !seen.insert(name) {
            return;
        }
        if let Some(t) = spec.tasks.get(name) {
            for r in &t.requires {
                visit(spec, r, seen, order);
            }
        }
        order.push(name.to_string());
    }
    visit(spec, target, &mut seen, &mut order);
    Ok(order)
}

impl EngineActor {
    /// Starts a reverse workflow: the ready tasks of the target's closure.
    pub(crate) fn start_reverse(&mut self, exec_id: ExecutionId) {
        self.run_ready_reverse(exec_id);
        self.check_complete(exec_id);
    }

    /// Marks a completed task of a reverse workflow processed and starts what
    /// became ready.
    pub(crate) fn process_reverse(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) else {
            return;
        };
        task.processed = true;
        super::runtime::set_next_tasks(&mut task.runtime_context, Vec::new());
        self.touch_task(exec_id, task_id, Write::Update);
        self.run_ready_reverse(exec_id);
    }

    fn run_ready_reverse(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let target = exec
            .rec
            .params
            .get("task_name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let order = match closure(&exec.spec, target) {
            Ok(o) => o,
            Err(e) => return self.stop(exec_id, State::Error, Some(e)),
        };
        let started: HashSet<&str> = exec.tasks.values().map(|t| t.name.as_str()).collect();
        let succeeded = |name: &str| {
            exec.latest
                .get(name)
                .and_then(|id| exec.tasks.get(id))
                .is_some_and(|t| t.state == State::Success)
        };
        let mut ready: Vec<(String, Map<String, Value>)> = order
            .iter()
            .filter(|n| !started.contains(n.as_str()))
            .filter_map(|n| exec.spec.tasks.get(n))
            .filter(|t| t.requires.iter().all(|r| succeeded(r)))
            .map(|t| (t.name.clone(), inbound(exec, &t.requires)))
            .collect();
        // Mistral's dispatcher starts them in its order, which for tasks
        // that are no joins is the list reversed (`controller::dispatch_order`).
        ready.reverse();
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.applying += 1;
        }
        // As for a direct workflow, every ready task is created (IDLE)
        // before the first starts.
        let mut created = Vec::with_capacity(ready.len());
        for (name, ctx) in ready {
            let plain = self
                .execs
                .get(&exec_id)
                .and_then(|e| e.spec.tasks.get(&name))
                .is_some_and(|t| t.join.is_none());
            if plain {
                if let Some(id) = self.new_task(exec_id, &name, ctx, None, State::Idle) {
                    created.push(Ok(id));
                }
            } else {
                created.push(Err((name, ctx)));
            }
        }
        for c in created {
            match c {
                Ok(id) => self.start_created(exec_id, id),
                Err((name, ctx)) => self.run_task(exec_id, &name, ctx, None),
            }
        }
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.applying -= 1;
        }
    }
}

/// The outbound contexts of the required tasks, merged by version.
fn inbound(exec: &Exec, requires: &[String]) -> Map<String, Value> {
    let mut ctx: Option<Map<String, Value>> = None;
    for r in requires {
        if let Some(t) = exec.latest.get(r).and_then(|id| exec.tasks.get(id)) {
            let out = Exec::outbound(t);
            match &mut ctx {
                Some(c) => super::versions::merge(c, out),
                None => ctx = Some(out),
            }
        }
    }
    ctx.unwrap_or_default()
}
