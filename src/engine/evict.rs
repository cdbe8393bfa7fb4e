//! Finished item actions leave memory once committed: a `with-items` task
//! of 100,000 items would otherwise keep 100,000 action execution records
//! until its execution ends, although its progress (results and states in
//! item order) is all it needs while it runs. An action execution leaves
//! when it is a successful, accepted item of its task and its last change
//! is durable; the store then holds exactly what memory held. The few
//! operations that look at a task's earlier action executions (a rerun, a
//! retry, `keep-result: false`, failure texts) read them back first.

use super::EngineActor;
use crate::domain::{ExecutionId, State, TaskExecutionId};
use crate::store::Batch;

impl EngineActor {
    /// Drops from memory the successful item actions `batch` has just
    /// made durable.
    pub(super) fn evict_committed(&mut self, batch: &Batch) {
        for (_, a) in &batch.action_executions {
            if a.state != State::Success
                || !a.accepted
                || a.item_index.is_none()
                || a.state_info.is_some()
            {
                continue;
            }
            let (Some(exec_id), Some(task_id)) = (a.execution_id, a.task_execution_id) else {
                continue;
            };
            let Some(exec) = self.execs.get_mut(&exec_id) else {
                continue;
            };
            // A record changed since the batch was built is a copy of the
            // batch's (copy on write): it leaves after its next commit.
            if exec.actions.get(&a.id).is_some_and(|m| m.same(a)) {
                exec.actions.remove(&a.id);
                exec.owed.remove(&a.id);
                let newest = exec
                    .evicted
                    .entry(task_id)
                    .or_insert_with(|| (a.created_at, a.name.clone()));
                if newest.0 < a.created_at {
                    *newest = (a.created_at, a.name.clone());
                }
            }
        }
    }

    /// Reads back the action executions of `task_id` that left memory,
    /// before an operation that looks at all of them. A store that cannot
    /// be read leaves memory as it is (the operation then sees only the
    /// actions still in memory), and says so in the log.
    pub(crate) fn restore_actions(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(newest) = exec.evicted.remove(&task_id) else {
            return;
        };
        match self.writer.task_action_executions(task_id) {
            Ok(stored) => {
                for a in stored {
                    exec.actions.entry(a.id).or_insert(a.into());
                }
            }
            Err(e) => {
                exec.evicted.insert(task_id, newest);
                log::error!("ex={exec_id} task={task_id} cannot read its action executions: {e}");
            }
        }
    }

    /// [`Self::restore_actions`] for every task of `exec_id` in ERROR (the
    /// execution's failure text lists their failed actions by position).
    pub(crate) fn restore_failed_actions(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let failed: Vec<TaskExecutionId> = exec
            .evicted
            .keys()
            .filter(|&t| exec.tasks.get(t).is_some_and(|t| t.state == State::Error))
            .copied()
            .collect();
        for task_id in failed {
            self.restore_actions(exec_id, task_id);
        }
    }
}
