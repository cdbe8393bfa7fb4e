//! What the engine measures for `/metrics` and tells on shutdown: the
//! timing histograms (queue delay, action run time, commit latency; handles
//! of the `metrics` facade, no-ops unless the composition root gives real
//! ones), counts by state, and the list of unfinished actions with what a
//! restart will do to each. Recording is a lock-free push into a handle the
//! engine owns; nothing here takes a lock per task.

use actix::prelude::*;

use super::EngineActor;
use crate::domain::{ActionExecutionId, ExecutionId, State, Timestamp};

/// The engine's histograms, in seconds.
#[derive(Clone)]
pub struct Timings {
    /// From dispatch (or re-dispatch) of an action to its confirmation.
    pub queue_delay: metrics::Histogram,
    /// From an action's confirmation to its result.
    pub action_run: metrics::Histogram,
    /// One group commit: building the batch and committing it.
    pub commit: metrics::Histogram,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            queue_delay: metrics::Histogram::noop(),
            action_run: metrics::Histogram::noop(),
            commit: metrics::Histogram::noop(),
        }
    }
}

/// Seconds from `from` to `to` (0 when the clock went back).
pub(crate) fn seconds(from: Timestamp, to: Timestamp) -> f64 {
    (to - from).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6
}

/// Counts by end state.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ended {
    pub success: u64,
    pub error: u64,
    pub cancelled: u64,
}

impl Ended {
    /// Counts one end in `state` (other states are not ends).
    pub(crate) fn add(&mut self, state: State) {
        match state {
            State::Success => self.success += 1,
            State::Error => self.error += 1,
            State::Cancelled => self.cancelled += 1,
            _ => {}
        }
    }
}

/// Ask for the action executions not finished, with what a restart does to
/// each (on shutdown, for the log).
#[derive(Message)]
#[rtype(result = "Vec<Unfinished>")]
pub struct ListUnfinished;

/// An action execution that has not finished.
#[derive(Clone, Debug)]
pub struct Unfinished {
    pub id: ActionExecutionId,
    pub execution_id: Option<ExecutionId>,
    pub task_name: Option<String>,
    pub action: String,
    pub state: State,
    /// What the next start does with it.
    pub on_restart: &'static str,
}

impl Handler<ListUnfinished> for EngineActor {
    type Result = MessageResult<ListUnfinished>;

    fn handle(&mut self, _: ListUnfinished, _: &mut Self::Context) -> Self::Result {
        let mut out = Vec::new();
        for (exec_id, exec) in &self.execs {
            for ae in exec.actions.values().filter(|a| !a.state.is_completed()) {
                let safe = ae
                    .task_execution_id
                    .and_then(|t| exec.tasks.get(&t))
                    .is_some_and(|t| super::runtime::safe_rerun(&t.runtime_context));
                let on_restart = match ae.state {
                    State::Idle => "it never started: dispatched again on restart",
                    _ if self.awaits_callback(*exec_id, ae.id) => {
                        "asynchronous: it stays RUNNING and its result is still taken through the API"
                    }
                    _ if safe => "its task is safe-rerun: run again on restart",
                    _ => {
                        "its task is not safe-rerun: the task fails on restart (INTERRUPTED_NOT_SAFE)"
                    }
                };
                out.push(Unfinished {
                    id: ae.id,
                    execution_id: Some(*exec_id),
                    task_name: ae.task_name.clone(),
                    action: ae.name.clone(),
                    state: ae.state,
                    on_restart,
                });
            }
        }
        for a in self
            .standalone
            .values()
            .filter(|a| !a.rec.state.is_completed())
        {
            out.push(Unfinished {
                id: a.rec.id,
                execution_id: None,
                task_name: None,
                action: a.rec.name.clone(),
                state: a.rec.state,
                on_restart: match a.rec.state {
                    State::Idle => "it never started: dispatched again on restart",
                    _ if self.is_async(&a.rec) => {
                        "asynchronous: it stays RUNNING and its result is still taken through the API"
                    }
                    _ => "it fails on restart (INTERRUPTED_NOT_SAFE)",
                },
            });
        }
        out.sort_by_key(|u| (u.execution_id.map(|e| e.to_string()), u.id.to_string()));
        MessageResult(out)
    }
}
