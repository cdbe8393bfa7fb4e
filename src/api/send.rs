//! The API's only way to change anything: one function per engine message,
//! each a `send` to the `EngineActor` with mailbox and engine failures
//! mapped through `error.rs`.

use actix::{Handler, Message};

use super::ApiState;
use super::error::Error;
use crate::engine::{
    self, CreateWorkflows, DeleteExecution, DeleteWorkflow, EngineActor, StartExecution,
    UpdateExecution, UpdateWorkflows,
};
use crate::store::{
    ActionExecutionRecord, EnvironmentRecord, ExecutionRecord, TaskRecord, WorkflowDef,
};

/// Sends `msg` and waits for the engine's answer.
async fn call<M, T>(state: &ApiState, msg: M) -> Result<T, Error>
where
    M: Message<Result = Result<T, engine::Error>> + Send + 'static,
    T: Send + 'static,
    EngineActor: Handler<M>,
{
    Ok(state.engine.send(msg).await??)
}

pub async fn create_workflows(
    state: &ApiState,
    msg: CreateWorkflows,
) -> Result<Vec<WorkflowDef>, Error> {
    call(state, msg).await
}

pub async fn update_workflows(
    state: &ApiState,
    msg: UpdateWorkflows,
) -> Result<Vec<WorkflowDef>, Error> {
    call(state, msg).await
}

pub async fn delete_workflow(state: &ApiState, msg: DeleteWorkflow) -> Result<(), Error> {
    call(state, msg).await
}

pub async fn start_execution(
    state: &ApiState,
    msg: StartExecution,
) -> Result<ExecutionRecord, Error> {
    call(state, msg).await
}

pub async fn update_execution(
    state: &ApiState,
    msg: UpdateExecution,
) -> Result<ExecutionRecord, Error> {
    call(state, msg).await
}

pub async fn delete_execution(state: &ApiState, msg: DeleteExecution) -> Result<(), Error> {
    call(state, msg).await
}

pub async fn update_task(state: &ApiState, msg: engine::UpdateTask) -> Result<TaskRecord, Error> {
    call(state, msg).await
}

pub async fn complete_action(
    state: &ApiState,
    msg: engine::CompleteAction,
) -> Result<ActionExecutionRecord, Error> {
    call(state, msg).await
}

pub async fn start_action(
    state: &ApiState,
    msg: engine::StartAction,
) -> Result<ActionExecutionRecord, Error> {
    call(state, msg).await
}

pub async fn delete_action_execution(
    state: &ApiState,
    msg: engine::DeleteActionExecution,
) -> Result<(), Error> {
    call(state, msg).await
}

pub async fn put_environment(
    state: &ApiState,
    msg: engine::PutEnvironment,
) -> Result<EnvironmentRecord, Error> {
    call(state, msg).await
}

pub async fn delete_environment(
    state: &ApiState,
    msg: engine::DeleteEnvironment,
) -> Result<(), Error> {
    call(state, msg).await
}

pub async fn diagnose(state: &ApiState, msg: engine::Diagnose) -> Result<serde_json::Value, Error> {
    call(state, msg).await
}
