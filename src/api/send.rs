//! The API's only way to change anything: one function per engine message,
//! each a `send` to the `EngineActor` with mailbox and engine failures
//! mapped through `error.rs`. At most `max_engine_requests` wait for the
//! engine at once; more get 429 with Retry-After.

use actix::{Handler, Message};

use std::sync::atomic::Ordering;

use super::error::Error;
use super::{ApiState, EngineQueue};
use crate::engine::{
    self, CreateWorkflows, DeleteExecution, DeleteWorkflow, EngineActor, StartExecution,
    UpdateExecution, UpdateWorkflows,
};
use crate::store::{
    ActionExecutionRecord, EnvironmentRecord, ExecutionRecord, TaskRecord, WorkflowDef,
};

/// A place among the requests waiting for the engine, given back on drop.
struct Place<'a>(&'a EngineQueue);

impl<'a> Place<'a> {
    /// A place, or 429 when `max_engine_requests` already wait.
    fn take(q: &'a EngineQueue) -> Result<Self, Error> {
        let taken = q
            .waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < q.cap).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Place(q)),
            Err(n) => Err(Error::TooMany(format!(
                "The engine is busy [waiting={n}, limit={} (max_engine_requests)]; retry later",
                q.cap
            ))),
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sends `msg` and waits for the engine's answer (429 when too many wait).
pub(super) async fn call<M, T>(state: &ApiState, msg: M) -> Result<T, Error>
where
    M: Message<Result = Result<T, engine::Error>> + Send + 'static,
    T: Send + 'static,
    EngineActor: Handler<M>,
{
    let _place = Place::take(&state.engine_queue)?;
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

pub async fn create_actions(
    state: &ApiState,
    msg: engine::CreateActions,
) -> Result<Vec<crate::store::ActionDef>, Error> {
    call(state, msg).await
}

pub async fn update_actions(
    state: &ApiState,
    msg: engine::UpdateActions,
) -> Result<Vec<crate::store::ActionDef>, Error> {
    call(state, msg).await
}

pub async fn delete_action(state: &ApiState, msg: engine::DeleteAction) -> Result<(), Error> {
    call(state, msg).await
}

pub async fn put_workbook(
    state: &ApiState,
    msg: engine::PutWorkbook,
) -> Result<crate::store::WorkbookRecord, Error> {
    call(state, msg).await
}

pub async fn delete_workbook(state: &ApiState, msg: engine::DeleteWorkbook) -> Result<(), Error> {
    call(state, msg).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_and_given_back() {
        let q = EngineQueue::new(2);
        let a = Place::take(&q).unwrap();
        let b = Place::take(&q).unwrap();
        assert!(matches!(Place::take(&q), Err(Error::TooMany(_))));
        assert_eq!(q.depth(), 2);
        drop(a);
        let _c = Place::take(&q).unwrap();
        drop(b);
        assert_eq!(q.depth(), 1);
    }
}
