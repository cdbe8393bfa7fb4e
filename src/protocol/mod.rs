//! The engine↔worker protocol: `HandleTask` (engine → worker),
//! `ConfirmExecution` (worker → engine, answered), `ConveyResult` (worker →
//! engine). Every message names the dispatch `attempt`; the engine refuses a
//! stale one. Payloads are serde types so that a remote worker can speak them
//! over a broker unchanged.

use std::time::Duration;

use actix::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{ActionExecutionId, Attempt, ExecutionId, TaskExecutionId};

/// Engine → worker: run this action (after confirming).
#[derive(Clone, Debug, Serialize, Deserialize, Message)]
#[rtype(result = "()")]
pub struct HandleTask {
    pub action_execution_id: ActionExecutionId,
    pub task_execution_id: Option<TaskExecutionId>,
    pub execution_id: Option<ExecutionId>,
    pub attempt: Attempt,
    /// The action name (`std.echo`).
    pub action: String,
    /// The evaluated action input.
    pub input: Value,
    /// The run timeout (the task's `timeout` policy), if any.
    pub timeout: Option<Duration>,
    /// The workflow's name, for actions that pass it on (`std.mistral_http`);
    /// `None` for a standalone action.
    #[serde(default)]
    pub workflow_name: Option<String>,
    /// The task's evaluated `target`: the name of the worker group that
    /// should run it (a broker routes it to that group's queue); `None`
    /// for any worker.
    #[serde(default)]
    pub target: Option<String>,
    /// A standalone action run inline (`run_sync`, or a sync action not
    /// saved): as in Mistral's executor, the action runs without an id of
    /// its own (`action_ex_id=None` in its error texts).
    #[serde(default)]
    pub inline: bool,
}

/// Worker → engine: may I run this attempt? The engine answers only after the
/// RUNNING state is committed.
#[derive(Clone, Debug, Serialize, Deserialize, Message)]
#[rtype(result = "Result<(), Refusal>")]
pub struct ConfirmExecution {
    pub action_execution_id: ActionExecutionId,
    pub attempt: Attempt,
}

/// Why a confirmation was refused: the action must not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// The execution is no longer RUNNING (paused, cancelled, failed, gone).
    #[error("the execution is not running")]
    NotRunning,
    /// The action execution is no longer IDLE (already confirmed or finished).
    #[error("the action execution is not idle")]
    NotIdle,
    /// The attempt is not the current one.
    #[error("stale attempt")]
    StaleAttempt,
    /// The engine could not commit; the dispatch stays IDLE and will be retried.
    #[error("the engine is unavailable")]
    Unavailable,
    /// The engine cannot answer now; nothing changed. The worker asks again
    /// after a backoff: the task stays its to run.
    #[error("the engine is busy")]
    Busy,
}

impl Refusal {
    /// The metric label of this refusal.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::NotRunning => "not_running",
            Refusal::NotIdle => "not_idle",
            Refusal::StaleAttempt => "stale_attempt",
            Refusal::Unavailable => "unavailable",
            Refusal::Busy => "busy",
        }
    }
}

/// How an action run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// The action's result.
    Success(Value),
    /// The error data (a message string, or `std.fail`'s `error_data`).
    Failure(Value),
}

/// Worker → engine: the result of a confirmed run (or the failure to build it).
#[derive(Clone, Debug, Serialize, Deserialize, Message)]
#[rtype(result = "()")]
pub struct ConveyResult {
    pub action_execution_id: ActionExecutionId,
    pub attempt: Attempt,
    pub outcome: Outcome,
}

/// Transport → engine: the worker that confirmed this attempt is gone (its
/// heartbeats stopped for longer than the lease). The engine handles the
/// action as a crash handles it: run again under a new attempt if its task
/// is `safe-rerun`, otherwise fail it. An attempt still IDLE was sent and
/// never taken (no worker asked to confirm it in time): it never ran, and
/// is sent again under a new attempt. A stale or finished one is ignored.
#[derive(Clone, Debug, Serialize, Deserialize, Message)]
#[rtype(result = "()")]
pub struct WorkerLost {
    pub action_execution_id: ActionExecutionId,
    pub attempt: Attempt,
}

/// Engine → transport: this node took over the executions of another
/// engine node process (`<node id>.<epoch>`), or is that node started
/// again: the dispatches and results sent to that process and not yet read
/// are this node's to answer (as stale attempts, since the takeover
/// dispatched its idle actions again under new ones).
#[derive(Clone, Debug, Message)]
#[rtype(result = "()")]
pub struct NodeTakenOver {
    pub process: String,
}

/// The name of engine node `id`'s process of `epoch` (`<id>.<epoch>`),
/// which names that process's broker queues.
pub fn node_process(id: &str, epoch: i64) -> String {
    format!("{id}.{epoch}")
}

/// Worker → its host: this `HandleTask` is finished with (refused, its
/// result conveyed, or an asynchronous action started). A host fed by a
/// broker acknowledges the delivery then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Message)]
#[rtype(result = "()")]
pub struct TaskDone {
    pub action_execution_id: ActionExecutionId,
    pub attempt: Attempt,
}

/// The engine's side of the protocol, as the workers see it: they hold these
/// recipients, never the engine's address.
#[derive(Clone)]
pub struct EngineLink {
    pub confirm: Recipient<ConfirmExecution>,
    pub convey: Recipient<ConveyResult>,
}

/// What the engine asks about an action before it records a standalone run
/// (`POST /v2/action_executions`): the composition root answers from the
/// workers' registry, so the engine never depends on the actions themselves.
pub trait ActionCatalog: Send + Sync {
    /// Whether the action exists and accepts `input`: `Ok(sync)` (false for
    /// an asynchronous action), or the reason in Mistral's words.
    fn check(&self, name: &str, input: &Value) -> Result<bool, String>;

    /// Whether the action exists and takes `input`, without building it.
    fn validate(&self, name: &str, input: &Value) -> Result<(), String> {
        self.check(name, input).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_task_round_trips_and_reads_older_payloads() {
        let msg = HandleTask {
            action_execution_id: ActionExecutionId::new(),
            task_execution_id: None,
            execution_id: None,
            attempt: Attempt(2),
            action: "std.mistral_http".into(),
            input: serde_json::json!({"url": "http://example.org/"}),
            timeout: Some(Duration::from_secs(3)),
            workflow_name: Some("wf".into()),
            target: Some("gpu".into()),
            inline: false,
        };
        let text = serde_json::to_string(&msg).unwrap();
        let back: HandleTask = serde_json::from_str(&text).unwrap();
        assert_eq!(back.workflow_name.as_deref(), Some("wf"));
        assert_eq!(back.attempt, Attempt(2));
        let mut old: Value = serde_json::from_str(&text).unwrap();
        old.as_object_mut().unwrap().remove("workflow_name");
        old.as_object_mut().unwrap().remove("target");
        let back: HandleTask = serde_json::from_value(old).unwrap();
        assert_eq!(back.workflow_name, None);
        assert_eq!(back.target, None);
    }
}
