//! The messages the API (and tests) send to the engine: every change to the
//! store goes through one of these.

use actix::prelude::*;
use serde_json::{Map, Value};

use super::Error;
use crate::domain::{ActionExecutionId, ExecutionId, State, TaskExecutionId};
use crate::store::{
    ActionExecutionRecord, EnvironmentRecord, ExecutionRecord, TaskRecord, WorkflowDef,
};

/// Upload one YAML document of workflows (`POST /v2/workflows`).
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<WorkflowDef>, Error>")]
pub struct CreateWorkflows {
    pub definition: String,
    pub namespace: String,
    pub scope: crate::domain::Scope,
    /// The caller's project: the owner of the new definitions.
    pub project: String,
}

/// Replace workflows by the names in the document (`PUT /v2/workflows`);
/// with `id`, the document must hold exactly that one workflow.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<WorkflowDef>, Error>")]
pub struct UpdateWorkflows {
    pub definition: String,
    pub namespace: String,
    pub scope: crate::domain::Scope,
    /// The workflow's name or id as the path gave it (`PUT
    /// /v2/workflows/{identifier}`); `None` updates each workflow by name.
    pub identifier: Option<String>,
    /// The caller's project: only its own definitions can be replaced.
    pub project: String,
}

/// Delete a workflow by name or id.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteWorkflow {
    pub name_or_id: String,
    pub namespace: String,
    /// The caller's project: only its own definitions can be deleted.
    pub project: String,
}

/// Start an execution (`POST /v2/executions`). Answered once it is committed.
#[derive(Debug, Default, Message)]
#[rtype(result = "Result<ExecutionRecord, Error>")]
pub struct StartExecution {
    /// The caller's project: owns the execution; the workflow, a source
    /// execution and a named env are looked up as it sees them. Empty means
    /// [`crate::domain::DEFAULT_PROJECT`].
    pub project: String,
    /// `workflow_id` or `workflow_name` (one is required).
    pub workflow_id: Option<String>,
    pub workflow_name: Option<String>,
    pub namespace: String,
    pub input: Map<String, Value>,
    pub params: Map<String, Value>,
    /// `None` for `description: null`, kept as null.
    pub description: Option<String>,
    /// A client-supplied id makes the call idempotent.
    pub id: Option<ExecutionId>,
    pub source_execution_id: Option<ExecutionId>,
}

/// Change an execution (`PUT /v2/executions/{id}`).
#[derive(Debug, Default, Message)]
#[rtype(result = "Result<ExecutionRecord, Error>")]
pub struct UpdateExecution {
    pub id: ExecutionId,
    /// PAUSED, RUNNING (resume), SUCCESS, ERROR or CANCELLED.
    pub state: Option<State>,
    pub state_info: Option<String>,
    pub description: Option<String>,
    /// `params.env` to merge in.
    pub env: Option<Value>,
}

/// Delete an execution (`DELETE /v2/executions/{id}`): finished ones only,
/// unless `force`.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteExecution {
    pub id: ExecutionId,
    pub force: bool,
}

/// Counters of the engine, for metrics and tests.
#[derive(Debug, Message)]
#[rtype(result = "super::Stats")]
pub struct GetStats;

/// Stop dispatching new actions and refuse to confirm dispatched ones (they
/// stay IDLE in the store and are dispatched after the next start), and
/// commit what is pending. Actions already running finish and are taken.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Drain;

/// A committed change of an execution or task state, broadcast to live
/// views (the UI's event stream) after the commit that holds it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Change {
    /// `execution` or `task`.
    pub kind: &'static str,
    pub id: String,
    pub execution_id: String,
    /// Workflow name (executions) or task name (tasks).
    pub name: String,
    pub state: State,
    pub state_info: Option<String>,
    /// The owner of the execution, so live views show each project its own.
    #[serde(skip)]
    pub project_id: String,
}

/// Rerun (`RUNNING`, with `reset`) or skip (`SKIPPED`) a failed task
/// (`PUT /v2/tasks/{id}`).
#[derive(Debug, Message)]
#[rtype(result = "Result<TaskRecord, Error>")]
pub struct UpdateTask {
    pub id: TaskExecutionId,
    pub state: State,
    /// Required for a rerun: re-run every with-items item (true) or only
    /// the failed ones (false, with-items tasks only).
    pub reset: Option<bool>,
    /// Merged into the execution's env before the rerun.
    pub env: Option<Value>,
}

/// Complete an asynchronous action (`PUT /v2/action_executions/{id}`).
#[derive(Debug, Message)]
#[rtype(result = "Result<ActionExecutionRecord, Error>")]
pub struct CompleteAction {
    pub id: ActionExecutionId,
    /// SUCCESS, ERROR or CANCELLED (PAUSED and RUNNING change nothing).
    pub state: State,
    pub output: Option<Value>,
}

/// Create (`POST /v2/environments`) or replace by name
/// (`PUT /v2/environments`) a stored environment.
#[derive(Debug, Message)]
#[rtype(result = "Result<EnvironmentRecord, Error>")]
pub struct PutEnvironment {
    pub name: String,
    /// `None` when the body does not name it (an update keeps the old
    /// one), `Some(None)` when it is null.
    pub description: Option<Option<String>>,
    pub variables: Option<Value>,
    pub scope: Option<crate::domain::Scope>,
    /// True for create (409 if it exists), false for update (404 if not).
    pub create: bool,
    /// The caller's project: owns it; only its own can be replaced.
    pub project: String,
}

/// Delete a stored environment by name.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteEnvironment {
    pub name: String,
    /// The caller's project: only its own can be deleted.
    pub project: String,
}
