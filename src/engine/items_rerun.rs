//! Which items of a with-items task a rerun without reset starts again:
//! Mistral's `_get_next_indexes` as it reads the task's action (or child
//! workflow) executions once `_reset_actions` has set the failed ones
//! aside.

use std::collections::BTreeMap;

use serde_json::Value;

use super::EngineActor;
use crate::domain::{ExecutionId, State, TaskExecutionId};

/// The items a rerun without reset starts (Mistral's `_get_next_indexes`
/// once `_reset_actions` has set the failed ones aside): the failed items
/// and every later one, or, when none failed (the task failed before an
/// item ran, or while a window of them was evaluated), every item from the
/// first that never ran. An item that succeeded keeps its result and does
/// not run again (Mistral runs those after a failed one again too, and then
/// counts more results than items and never ends the task).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RerunItems {
    /// Items whose latest run failed or was cancelled.
    pub failed: Vec<usize>,
    /// Items that succeeded.
    pub done: Vec<usize>,
    /// Items still running.
    pub busy: Vec<usize>,
    /// How many items ran and did not fail (Mistral's next start index).
    pub ran: usize,
}

impl RerunItems {
    /// The items to start among `count`, in index order.
    pub(super) fn chosen(&self, count: usize) -> Vec<usize> {
        let from = self.failed.iter().max().map_or(self.ran, |m| m + 1);
        let mut out: Vec<usize> = self.failed.iter().copied().filter(|i| *i < count).collect();
        out.extend((from..count).filter(|i| !self.done.contains(i) && !self.busy.contains(i)));
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl RerunItems {
    /// Sorts the items of a task by how their runs ended, the best run of
    /// an item counting (a success over a failure).
    fn from_outcomes(outcomes: impl IntoIterator<Item = (usize, State)>) -> Self {
        let mut best: BTreeMap<usize, State> = BTreeMap::new();
        for (i, state) in outcomes {
            let e = best.entry(i).or_insert(state);
            if state == State::Success || !e.is_completed() && state.is_completed() {
                *e = state;
            }
        }
        let mut out = RerunItems::default();
        for (i, state) in best {
            match state {
                State::Success => out.done.push(i),
                State::Error | State::Cancelled => out.failed.push(i),
                _ => out.busy.push(i),
            }
        }
        out.ran = out.done.len() + out.busy.len();
        out
    }
}

impl EngineActor {
    /// The items of `task_id` to run again, read from its action
    /// executions and its child workflow executions (`params.index`).
    pub(crate) fn rerun_plan(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> RerunItems {
        let mut outcomes: Vec<(usize, State)> = Vec::new();
        if let Some(exec) = self.execs.get(&exec_id) {
            for a in exec.actions.values() {
                if a.task_execution_id == Some(task_id)
                    && let Some(i) = a.item_index
                {
                    outcomes.push((i as usize, a.state));
                }
            }
        }
        for id in self.writer.sub_executions(exec_id).unwrap_or_default() {
            let rec = match self.execs.get(&id) {
                Some(e) => Some(e.rec.clone()),
                None => self.writer.get_execution(id).ok().flatten(),
            };
            let Some(rec) = rec.filter(|r| r.task_execution_id == Some(task_id)) else {
                continue;
            };
            if let Some(i) = rec.params.get("index").and_then(Value::as_u64) {
                outcomes.push((i as usize, rec.state));
            }
        }
        RerunItems::from_outcomes(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::{Error, Running, Success};

    fn chosen(outcomes: &[(usize, State)], count: usize) -> Vec<usize> {
        RerunItems::from_outcomes(outcomes.iter().copied()).chosen(count)
    }

    #[test]
    fn items_a_rerun_starts() {
        // The failed middle item; the last one succeeded and keeps its result.
        assert_eq!(chosen(&[(0, Success), (1, Error), (2, Success)], 3), [1]);
        // The failed item and those after it that never ran.
        assert_eq!(chosen(&[(0, Success), (1, Error)], 4), [1, 2, 3]);
        // No item ran: the task failed evaluating the first window.
        assert_eq!(chosen(&[], 3), [0, 1, 2]);
        // Two items ran, the next window failed as it was evaluated.
        assert_eq!(chosen(&[(0, Success), (1, Success)], 4), [2, 3]);
        // A retried item that succeeded at last is done.
        assert_eq!(chosen(&[(0, Error), (0, Success), (1, Error)], 2), [1]);
        // An item still running is neither rerun nor restarted.
        assert_eq!(chosen(&[(0, Error), (1, Running)], 3), [0, 2]);
    }
}
