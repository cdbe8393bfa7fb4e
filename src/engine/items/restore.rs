//! Rebuilding the progress of with-items tasks after a restart: from the
//! stored action executions of each item (the latest of each), finished
//! items keep their results and items never dispatched are pending again.

use serde_json::Value;

use super::Items;
use crate::domain::{ExecutionId, State, TaskExecutionId};
use crate::engine::EngineActor;
use crate::engine::offload::Deferral;
use crate::lang::TaskRun;
use crate::store::ActionExecutionRecord;

impl EngineActor {
    /// Rebuilds the progress of the RUNNING with-items tasks of a recovered
    /// execution from their stored action executions (the latest of each
    /// item): finished items keep their results, unfinished ones count as
    /// running (recovery deals with their actions), items never dispatched
    /// are pending again, with the lists evaluated anew; then starts what
    /// the concurrency allows, or completes a task whose items all finished.
    /// A task that iterates a sub-workflow is left to the integrity checker
    /// (its finished children are not in memory).
    pub(crate) fn restore_items(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let tasks: Vec<TaskExecutionId> = exec
            .tasks
            .values()
            .filter(|t| t.state == State::Running && !exec.items.contains_key(&t.id))
            .filter(|t| {
                exec.spec.tasks.get(&t.name).is_some_and(|s| {
                    !s.with_items.is_empty() && matches!(s.run, TaskRun::Action(_))
                })
            })
            .map(|t| t.id)
            .collect();
        for task_id in tasks {
            let Some(items) = self.stored_items(exec_id, task_id) else {
                continue;
            };
            let (done, count) = (items.done, items.results.len());
            if let Some(exec) = self.execs.get_mut(&exec_id) {
                exec.items.insert(task_id, items);
            }
            log::info!(
                "ex={exec_id} task={task_id} with-items restored: {done} of {count} items done"
            );
            if done == count {
                self.finish_items(exec_id, task_id);
            }
        }
    }

    /// Starts the pending items of restored with-items tasks (after their
    /// in-flight actions were recovered).
    pub(crate) fn continue_items(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let ids: Vec<TaskExecutionId> = exec.items.keys().copied().collect();
        for task_id in ids {
            if let Err(e) = self.start_more_items(exec_id, task_id) {
                log::warn!(
                    "ex={exec_id} task={task_id} cannot start more items: {}",
                    self.mask(exec_id, e)
                );
            }
        }
    }

    fn stored_items(&self, exec_id: ExecutionId, task_id: TaskExecutionId) -> Option<Items> {
        let exec = self.execs.get(&exec_id)?;
        let task = exec.tasks.get(&task_id)?;
        let (count, concurrency) = crate::engine::runtime::items_shape(&task.runtime_context)?;
        let mut latest: Vec<Option<&ActionExecutionRecord>> = vec![None; count];
        for a in exec.actions.values() {
            if a.task_execution_id != Some(task_id) {
                continue;
            }
            let Some(slot) = a.item_index.and_then(|i| latest.get_mut(i as usize)) else {
                continue;
            };
            if slot.is_none_or(|b| (a.created_at, a.attempt) > (b.created_at, b.attempt)) {
                *slot = Some(a);
            }
        }
        let mut items = Items {
            results: vec![Value::Null; count],
            states: vec![State::Idle; count],
            concurrency,
            ..Items::default()
        };
        let mut never = Vec::new();
        for (i, a) in latest.iter().enumerate() {
            match a {
                Some(a) if a.state.is_completed() => {
                    items.results[i] = a.output.get("result").cloned().unwrap_or(Value::Null);
                    items.states[i] = a.state;
                    items.done += 1;
                }
                Some(_) => items.running += 1,
                None => never.push(i),
            }
        }
        if !never.is_empty() {
            let (lists, _) = self
                .items_lists(&mut Deferral::closed((exec_id, task_id)), exec_id, task_id)
                .ok()?;
            if never
                .iter()
                .any(|&i| lists.iter().any(|(_, l)| i >= l.len()))
            {
                return None;
            }
            items.branch = task.in_context.as_object().cloned().unwrap_or_default();
            items.lists = lists;
            items.pending.extend(never);
        }
        Some(items)
    }
}
