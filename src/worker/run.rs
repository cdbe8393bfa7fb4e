//! One worker: runs many async actions at once on its own arbiter thread.
//! Every action runs only after the engine said yes to `ConfirmExecution`;
//! a panic or a timeout in the action becomes a failure result, never a
//! dead worker.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use actix::prelude::*;
use futures::FutureExt;
use serde_json::Value;

use super::pool::PoolStats;
use crate::actions::{ActionContext, Registry};
use crate::protocol::{
    ConfirmExecution, ConveyResult, EngineLink, HandleTask, Outcome, Refusal, TaskDone,
};

/// A worker actor. Stateless between tasks; restarted by the pool if it dies.
pub struct WorkerActor {
    registry: Arc<Registry>,
    engine: EngineLink,
    stats: Arc<PoolStats>,
    /// Actions this worker runs at once; more wait in `queue`.
    capacity: usize,
    running: usize,
    queue: VecDeque<HandleTask>,
    done: Option<Recipient<TaskDone>>,
}

impl WorkerActor {
    /// A worker that runs actions of `registry` and talks to `engine`.
    pub fn new(registry: Arc<Registry>, engine: EngineLink, stats: Arc<PoolStats>) -> Self {
        Self {
            registry,
            engine,
            stats,
            capacity: usize::MAX,
            running: 0,
            queue: VecDeque::new(),
            done: None,
        }
    }

    /// Tells `done` when each `HandleTask` is finished with.
    pub fn with_done(mut self, done: Option<Recipient<TaskDone>>) -> Self {
        self.done = done;
        self
    }

    /// Runs at most `capacity` actions at once (at least one).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Starts one `HandleTask`; when it is done, the next queued one starts.
    fn start(&mut self, msg: HandleTask, ctx: &mut Context<Self>) {
        let registry = self.registry.clone();
        let engine = self.engine.clone();
        let stats = self.stats.clone();
        let done = self.done.clone();
        stats.busy.fetch_add(1, Ordering::SeqCst);
        self.running += 1;
        ctx.spawn(
            async move {
                let finished = TaskDone {
                    action_execution_id: msg.action_execution_id,
                    attempt: msg.attempt,
                };
                handle_task(&registry, &engine, msg).await;
                stats.busy.fetch_sub(1, Ordering::SeqCst);
                if let Some(done) = done {
                    done.do_send(finished);
                }
            }
            .into_actor(self)
            .map(|_, act, ctx| {
                act.running -= 1;
                if let Some(next) = act.queue.pop_front() {
                    act.start(next, ctx);
                }
            }),
        );
    }
}

impl Actor for WorkerActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        self.stats.alive.fetch_add(1, Ordering::SeqCst);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.stats.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Handler<HandleTask> for WorkerActor {
    type Result = ();

    fn handle(&mut self, msg: HandleTask, ctx: &mut Self::Context) {
        if self.running < self.capacity {
            self.start(msg, ctx);
        } else {
            self.queue.push_back(msg);
        }
    }
}

/// The protocol for one `HandleTask`: build, confirm, run, convey.
async fn handle_task(registry: &Registry, engine: &EngineLink, msg: HandleTask) {
    let convey = |outcome| ConveyResult {
        action_execution_id: msg.action_execution_id,
        attempt: msg.attempt,
        outcome,
    };
    let mut action = match registry.instantiate(&msg.action, &msg.input) {
        Ok(action) => action,
        Err(e) => {
            engine
                .convey
                .do_send(convey(Outcome::Failure(Value::String(e))));
            return;
        }
    };
    let action_ex_id = if msg.inline {
        "None".to_string()
    } else {
        msg.action_execution_id.to_string()
    };
    action.set_context(&ActionContext {
        action_execution_id: action_ex_id.clone(),
        task_execution_id: msg.task_execution_id.map(|t| t.to_string()),
        workflow_execution_id: msg.execution_id.map(|e| e.to_string()),
        workflow_name: msg.workflow_name.clone(),
    });
    let confirm = ConfirmExecution {
        action_execution_id: msg.action_execution_id,
        attempt: msg.attempt,
    };
    if !confirmed(engine, confirm).await {
        return;
    }
    let sync = action.is_sync();
    let run = AssertUnwindSafe(action.run()).catch_unwind();
    let outcome = match msg.timeout {
        Some(limit) => match tokio::time::timeout(limit, run).await {
            Ok(done) => into_outcome(done),
            Err(_) => Outcome::Failure(Value::String(timed_out(&msg, &action_ex_id, limit))),
        },
        None => into_outcome(run.await),
    };
    crate::failpoint!("worker.after_action_before_convey");
    // An asynchronous action's result comes through the API; only its
    // failure to run is conveyed.
    if sync || matches!(outcome, Outcome::Failure(_)) {
        engine.convey.do_send(convey(outcome));
    }
}

/// The error of an action its timeout ended: a task's, in the words of
/// the task's timeout policy (bora ends the action with its task); a
/// standalone run's, as Mistral's executor words the exception it raises
/// (`Timeout after N seconds`).
fn timed_out(msg: &HandleTask, action_ex_id: &str, limit: Duration) -> String {
    if msg.task_execution_id.is_some() {
        return format!("Task timed out [timeout(s)={}].", limit.as_secs());
    }
    let secs = limit.as_secs_f64();
    let secs = if secs.fract() == 0.0 {
        limit.as_secs().to_string()
    } else {
        crate::domain::pytext::float_repr(secs)
    };
    crate::actions::raised(
        &msg.action,
        action_ex_id,
        &format!("Timeout after {secs} seconds"),
    )
}

/// First wait before asking again after a "busy" answer; it doubles up to
/// [`BUSY_BACKOFF_MAX`].
const BUSY_BACKOFF: Duration = Duration::from_millis(10);
const BUSY_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Asks the engine to confirm; true for a go. A "busy" answer is asked
/// again after a doubling backoff, as long as it takes: the task is this
/// worker's until the engine rules on it. Any other refusal ends it.
async fn confirmed(engine: &EngineLink, confirm: ConfirmExecution) -> bool {
    let mut wait = BUSY_BACKOFF;
    loop {
        match engine.confirm.send(confirm.clone()).await {
            Ok(Ok(())) => return true,
            Ok(Err(Refusal::Busy)) => {
                log::debug!(
                    "action={} attempt={} engine busy; asking again in {wait:?}",
                    confirm.action_execution_id,
                    confirm.attempt
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(BUSY_BACKOFF_MAX);
            }
            Ok(Err(refusal)) => {
                log::debug!(
                    "action={} attempt={} refused: {refusal}",
                    confirm.action_execution_id,
                    confirm.attempt
                );
                return false;
            }
            Err(e) => {
                log::warn!(
                    "action={} engine unreachable: {e}",
                    confirm.action_execution_id
                );
                return false;
            }
        }
    }
}

fn into_outcome(done: std::thread::Result<Result<Value, Value>>) -> Outcome {
    match done {
        Ok(Ok(v)) => Outcome::Success(v),
        Ok(Err(e)) => Outcome::Failure(e),
        Err(panic) => Outcome::Failure(Value::String(format!(
            "Action panicked: {}",
            panic_message(panic.as_ref())
        ))),
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}
