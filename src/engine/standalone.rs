//! Standalone action executions (`POST /v2/action_executions`): an action
//! run outside any workflow. It goes through the same protocol as a task's
//! action — recorded IDLE, `HandleTask` to the pool, `ConfirmExecution`,
//! `ConveyResult` — with no execution to be RUNNING. A run-sync request is
//! answered after the commit that holds the result; recovery treats these
//! like task actions; deletion follows Mistral's rules.

use std::time::Duration;

use actix::prelude::*;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

use super::{EngineActor, Error, INTERRUPTED_NOT_SAFE};
use crate::domain::{ActionExecutionId, Attempt, State, now};
use crate::protocol::{ConfirmExecution, ConveyResult, HandleTask, Outcome, Refusal};
use crate::store::{ActionExecutionRecord, Write};

/// Run one action outside any workflow (`POST /v2/action_executions`).
#[derive(Debug, Default, Message)]
#[rtype(result = "Result<ActionExecutionRecord, Error>")]
pub struct StartAction {
    pub name: String,
    pub input: Map<String, Value>,
    pub description: String,
    pub namespace: String,
    /// `run_sync`, `save_result`, `target`, `timeout`.
    pub params: Map<String, Value>,
    /// The caller's project: owns the action execution.
    pub project: String,
}

/// Delete a finished standalone action execution
/// (`DELETE /v2/action_executions/{id}`).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteActionExecution {
    pub id: ActionExecutionId,
    /// The caller's project: another project's is not found.
    pub project: String,
}

/// Where a run-sync request waits for its action execution.
type Waiting = oneshot::Receiver<Result<ActionExecutionRecord, Error>>;

/// A standalone action execution in memory until it is finished and
/// committed.
pub(crate) struct Standalone {
    pub rec: ActionExecutionRecord,
    pub timeout: Option<Duration>,
    /// The run-sync request waiting for the result.
    pub waiter: Option<oneshot::Sender<Result<ActionExecutionRecord, Error>>>,
    /// How the run is kept ([`Keep`]).
    pub keep: Keep,
}

/// How Mistral's `start_action` keeps a standalone run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Run inline and not saved: answered, never stored.
    Not,
    /// Run inline and saved (`run_sync` with `save_result`): stored once,
    /// as run, so it stays `accepted: false` without `updated_at`.
    Inline,
    /// Scheduled like a task's action: stored with an empty description,
    /// then completed (accepted) by its result.
    Scheduled,
}

impl Keep {
    /// A stored run's keeping, read back from its params.
    pub(crate) fn of_stored(params: &Value) -> Self {
        let on = |k: &str| truthy(params.get(k));
        if on("run_sync") && on("save_result") {
            Keep::Inline
        } else {
            Keep::Scheduled
        }
    }
}

/// What an action name resolves to: the action the workers run and its input.
pub(crate) struct Resolved {
    pub action: String,
    pub input: Value,
    /// False for an asynchronous action.
    pub sync: bool,
}

/// `params.get(key)` as Mistral's engine tests it: Python's truth value
/// (`"false"` is a non-empty text, so true; `0`, `""`, `[]`, `{}` false).
fn flag(params: &Map<String, Value>, key: &str) -> bool {
    truthy(params.get(key))
}

fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(crate::domain::pytext::truthy)
}

impl EngineActor {
    /// The one place an action name is resolved for a standalone run. Ad-hoc
    /// actions expand here (to their base action and evaluated base-input).
    pub(crate) fn resolve_action(
        &self,
        project: &str,
        name: &str,
        namespace: &str,
        input: &Map<String, Value>,
    ) -> Result<Resolved, Error> {
        let catalog = self
            .catalog
            .as_ref()
            .ok_or_else(|| Error::Unavailable("no actions are available".into()))?;
        // An ad-hoc action takes exactly its declared inputs, run alone as
        // in a task (Mistral's `check_parameters`).
        if let Some(def) = self.adhoc.find(project, namespace, name)
            && let Some(msg) = crate::lang::params_mismatch(
                name,
                "mistral.actions.adhoc.AdHocAction",
                &def.def.input,
                input,
            )
        {
            return Err(Error::Invalid(msg));
        }
        if let Some(e) = self
            .standalone_expansion(project, name, namespace, input)
            .map_err(Error::Invalid)?
        {
            let base_input = Value::Object(e.base_input);
            let sync = catalog
                .check(&e.base, &base_input)
                .map_err(Error::Invalid)?;
            return Ok(Resolved {
                action: e.name,
                input: Value::Object(e.input),
                sync,
            });
        }
        let input = Value::Object(input.clone());
        let sync = catalog.check(name, &input).map_err(Error::Invalid)?;
        Ok(Resolved {
            action: name.to_string(),
            input,
            sync,
        })
    }

    /// The ad-hoc expansion of a standalone call (no workflow context);
    /// `None` when the action is not ad-hoc.
    fn standalone_expansion(
        &self,
        project: &str,
        name: &str,
        namespace: &str,
        input: &Map<String, Value>,
    ) -> Result<Option<super::adhoc::Expanded>, String> {
        if self.adhoc.find(project, namespace, name).is_none() {
            return Ok(None);
        }
        self.expand_action(project, namespace, name, input.clone(), &json!({}))
            .map(Some)
    }

    /// The expansion of a recorded standalone action execution.
    fn expansion_of_standalone(
        &self,
        rec: &ActionExecutionRecord,
    ) -> Result<Option<super::adhoc::Expanded>, String> {
        let empty = Map::new();
        let input = rec.input.as_object().unwrap_or(&empty);
        let namespace = rec.workflow_namespace.as_deref().unwrap_or_default();
        self.standalone_expansion(&rec.project_id, &rec.name, namespace, input)
    }

    /// Records the action execution and dispatches it; with a waiter when
    /// the request runs it inline (run-sync, or a sync action not saved).
    fn start_action(
        &mut self,
        msg: StartAction,
    ) -> Result<(ActionExecutionRecord, Option<Waiting>), Error> {
        if msg.name.is_empty() {
            return Err(Error::Invalid(
                "Please provide at least action name to run action.".into(),
            ));
        }
        let run_sync = flag(&msg.params, "run_sync");
        let save = flag(&msg.params, "save_result");
        let timeout = match msg.params.get("timeout") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|t| t.is_finite() && *t > 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "Invalid value of params.timeout: a positive number is expected, got {v}"
                        ))
                    })?,
            ),
        };
        let project = if msg.project.is_empty() {
            crate::domain::DEFAULT_PROJECT.to_string()
        } else {
            msg.project.clone()
        };
        let resolved = self.resolve_action(&project, &msg.name, &msg.namespace, &msg.input)?;
        if run_sync && !resolved.sync {
            return Err(Error::Invalid(
                "Action does not support synchronous execution.".into(),
            ));
        }
        let inline = run_sync || (!save && resolved.sync);
        let keep = match (inline, save) {
            (true, false) => Keep::Not,
            (true, true) => Keep::Inline,
            (false, _) => Keep::Scheduled,
        };
        let rec = ActionExecutionRecord {
            id: ActionExecutionId::new(),
            name: resolved.action,
            task_execution_id: None,
            execution_id: None,
            workflow_name: None,
            workflow_namespace: Some(msg.namespace),
            task_name: None,
            // Mistral schedules an action with its own empty description;
            // only an inline run keeps the given one.
            description: if inline {
                msg.description
            } else {
                String::new()
            },
            tags: Vec::new(),
            state: State::Idle,
            state_info: None,
            accepted: false,
            input: resolved.input,
            output: json!({}),
            params: Value::Object(msg.params),
            attempt: 1,
            item_index: None,
            project_id: project,
            created_at: now(),
            updated_at: None,
        };
        let (waiter, rx) = if inline {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let id = rec.id;
        self.standalone.insert(
            id,
            Standalone {
                rec: rec.clone(),
                timeout,
                waiter,
                keep,
            },
        );
        self.touch_standalone(id, Write::Insert);
        self.dispatch_standalone(id);
        Ok((rec, rx))
    }

    pub(crate) fn touch_standalone(&mut self, id: ActionExecutionId, w: Write) {
        self.dirty.standalone.entry(id).or_insert(w);
    }

    /// Sends `HandleTask` for an IDLE standalone action (not while draining:
    /// it stays IDLE and is dispatched after the next start).
    pub(crate) fn dispatch_standalone(&mut self, id: ActionExecutionId) {
        if self.draining {
            return;
        }
        let Some(sa) = self.standalone.get(&id) else {
            return;
        };
        let (action, input) = match self.expansion_of_standalone(&sa.rec) {
            Ok(Some(e)) => (e.base, Value::Object(e.base_input)),
            Ok(None) => (sa.rec.name.clone(), sa.rec.input.clone()),
            Err(e) => {
                // The definition changed since it was recorded: the failure
                // comes back through the protocol like any other.
                let attempt = Attempt(sa.rec.attempt);
                self.accept_standalone(&ConveyResult {
                    action_execution_id: id,
                    attempt,
                    outcome: Outcome::Failure(Value::String(e)),
                });
                return;
            }
        };
        self.pool.do_send(HandleTask {
            action_execution_id: id,
            task_execution_id: None,
            execution_id: None,
            attempt: Attempt(sa.rec.attempt),
            action,
            input,
            timeout: sa.timeout,
            workflow_name: None,
            target: sa
                .rec
                .params
                .get("target")
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_string()),
            inline: sa.waiter.is_some(),
        });
    }

    /// A confirmation of a standalone action: `None` when the id is not one.
    pub(crate) fn confirm_standalone(
        &mut self,
        msg: &ConfirmExecution,
    ) -> Option<Result<(), Refusal>> {
        let sa = self.standalone.get_mut(&msg.action_execution_id)?;
        if sa.rec.attempt != msg.attempt.0 {
            return Some(Err(Refusal::StaleAttempt));
        }
        if sa.rec.state != State::Idle {
            return Some(Err(Refusal::NotIdle));
        }
        super::transition::advance(&mut sa.rec, State::Running, &mut self.stats);
        sa.rec.updated_at = Some(now());
        self.touch_standalone(msg.action_execution_id, Write::Update);
        Some(Ok(()))
    }

    /// A conveyed result of a standalone action: `None` when the id is not
    /// one, else whether it was taken.
    pub(crate) fn accept_standalone(&mut self, msg: &ConveyResult) -> Option<bool> {
        let max = self.limits.max_result_bytes;
        let sa = self.standalone.get(&msg.action_execution_id)?;
        let waiting = sa.rec.state == State::Running
            || (sa.rec.state == State::Idle && matches!(msg.outcome, Outcome::Failure(_)));
        if sa.rec.attempt != msg.attempt.0 || !waiting {
            return Some(false);
        }
        // Only a result that is taken is expanded again (for its outputs).
        let expansion = match &msg.outcome {
            Outcome::Success(_) => Some(self.expansion_of_standalone(&sa.rec)),
            Outcome::Failure(_) => None,
        };
        let sa = self.standalone.get_mut(&msg.action_execution_id)?;
        let (state, value) = match (&msg.outcome, expansion) {
            (Outcome::Success(v), Some(Ok(Some(e)))) => {
                match super::adhoc::finish(&self.eval, &e, v.clone(), None) {
                    Ok(v) => (State::Success, v),
                    Err(err) => (State::Error, Value::String(err)),
                }
            }
            (Outcome::Success(_), Some(Err(e))) => (State::Error, Value::String(e)),
            (Outcome::Success(v), _) => (State::Success, v.clone()),
            (Outcome::Failure(v), _) => (State::Error, v.clone()),
        };
        let size = serde_json::to_string(&value).map_or(0, |t| t.len());
        let (state, value) = if size > max {
            let text = format!(
                "The action result is too large [size={size} bytes, limit={max} bytes (max_result_bytes)]"
            );
            (State::Error, Value::String(text))
        } else {
            (state, value)
        };
        super::transition::end(&mut sa.rec, state, &mut self.stats);
        sa.rec.output = json!({ "result": value });
        if sa.keep == Keep::Inline {
            sa.rec.updated_at = None;
        } else {
            sa.rec.accepted = true;
            sa.rec.updated_at = Some(now());
        }
        if let Some(tx) = sa.waiter.take() {
            let rec = sa.rec.clone();
            self.answer_after_commit(tx, rec);
        }
        self.touch_standalone(msg.action_execution_id, Write::Update);
        Some(true)
    }

    /// `PUT /v2/action_executions/{id}` on a standalone action: `None` when
    /// the id is not one in memory.
    pub(crate) fn complete_standalone(
        &mut self,
        id: ActionExecutionId,
        state: State,
        output: Option<Value>,
    ) -> Option<Result<ActionExecutionRecord, Error>> {
        let sa = self.standalone.get_mut(&id)?;
        let output = output.unwrap_or(Value::Null);
        let outcome = match state {
            State::Success => Outcome::Success(output),
            // Mistral's `if not output: output = 'Unknown error'`.
            State::Error if !crate::expr::truthy(&output) => {
                Outcome::Failure(json!("Unknown error"))
            }
            State::Error => Outcome::Failure(output),
            State::Cancelled => {
                if !sa.rec.state.is_completed() {
                    super::transition::end(&mut sa.rec, State::Cancelled, &mut self.stats);
                    // `Result(cancel=True).to_dict()`: the output given is dropped.
                    sa.rec.output = json!({ "result": null });
                    sa.rec.accepted = true;
                    sa.rec.updated_at = Some(now());
                    self.touch_standalone(id, Write::Update);
                }
                return self.standalone.get(&id).map(|s| Ok(s.rec.clone()));
            }
            State::Paused | State::Running => return Some(Ok(sa.rec.clone())),
            other => {
                return Some(Err(Error::Invalid(format!(
                    "Cannot set an action execution to {other}. Allowed states are: SUCCESS, ERROR, CANCELLED, PAUSED, RUNNING"
                ))));
            }
        };
        // Dispatched and not yet confirmed by its worker: the client, which
        // was answered RUNNING, completes it; the late confirmation finds
        // it no longer IDLE and the action does not run.
        if sa.rec.state == State::Idle {
            super::transition::advance(&mut sa.rec, State::Running, &mut self.stats);
        }
        let conveyed = ConveyResult {
            action_execution_id: id,
            attempt: Attempt(sa.rec.attempt),
            outcome,
        };
        self.accept_standalone(&conveyed);
        self.standalone.get(&id).map(|s| Ok(s.rec.clone()))
    }

    /// Recovery: IDLE ones are dispatched again under a new attempt; ones
    /// confirmed without a result end ERROR (the engine cannot tell whether
    /// they ran, and never runs an action again silently).
    pub(crate) fn recover_standalone(&mut self, records: Vec<ActionExecutionRecord>) {
        for mut rec in records {
            let id = rec.id;
            match rec.state {
                State::Idle => {
                    rec.attempt += 1;
                    rec.updated_at = Some(now());
                    self.stats.tasks_recovered_redispatch += 1;
                }
                // An asynchronous action waits for its completion through
                // the API, across restarts.
                State::Running if self.is_async(&rec) => {}
                State::Running => {
                    interrupted(&mut rec, &mut self.stats);
                    self.stats.tasks_recovered_failed_unsafe += 1;
                }
                _ => continue,
            }
            let idle = rec.state == State::Idle;
            let timeout = rec
                .params
                .get("timeout")
                .and_then(Value::as_f64)
                .filter(|t| t.is_finite() && *t > 0.0)
                .map(Duration::from_secs_f64);
            self.standalone.insert(
                id,
                Standalone {
                    keep: Keep::of_stored(&rec.params),
                    rec,
                    timeout,
                    waiter: None,
                },
            );
            self.touch_standalone(id, Write::Update);
            if idle {
                self.dispatch_standalone(id);
            }
        }
    }

    /// A RUNNING standalone action whose worker is gone while the engine
    /// runs on: it fails as recovery fails it, and a caller waiting for it
    /// gets that answer.
    pub(crate) fn fail_standalone_interrupted(&mut self, id: ActionExecutionId) {
        let Some(sa) = self.standalone.get_mut(&id) else {
            return;
        };
        interrupted(&mut sa.rec, &mut self.stats);
        self.stats.tasks_recovered_failed_unsafe += 1;
        if let Some(tx) = sa.waiter.take() {
            let rec = sa.rec.clone();
            self.answer_after_commit(tx, rec);
        }
        self.touch_standalone(id, Write::Update);
    }

    /// Answers a caller waiting for a standalone run with `rec` once the
    /// batch holding it is committed (unavailable if the commit fails).
    fn answer_after_commit(
        &mut self,
        tx: oneshot::Sender<Result<ActionExecutionRecord, Error>>,
        rec: ActionExecutionRecord,
    ) {
        self.on_commit(Box::new(move |ok| {
            let _ = tx.send(if ok {
                Ok(rec)
            } else {
                Err(Error::Unavailable("the engine could not commit".into()))
            });
        }));
    }

    /// Whether a recorded standalone action is asynchronous (completed
    /// through the API, not by its worker).
    pub(crate) fn is_async(&self, rec: &ActionExecutionRecord) -> bool {
        match self.expansion_of_standalone(rec) {
            Ok(Some(e)) => self.runs_async(&e.base, &Value::Object(e.base_input)),
            Ok(None) => self.runs_async(&rec.name, &rec.input),
            Err(_) => false,
        }
    }

    /// Whether the workers' registry says this system action is
    /// asynchronous (false when there is no registry, or it refuses the call).
    pub(crate) fn runs_async(&self, action: &str, input: &Value) -> bool {
        self.catalog
            .as_ref()
            .is_some_and(|c| c.check(action, input) == Ok(false))
    }

    /// Forgets finished standalone actions once committed.
    pub(crate) fn retire_standalone(&mut self) {
        self.standalone
            .retain(|_, s| !s.rec.state.is_completed() || s.waiter.is_some());
    }

    fn delete_action_execution(
        &mut self,
        id: ActionExecutionId,
        project: &str,
    ) -> Result<(), Error> {
        if !self.limits.allow_action_execution_deletion {
            return Err(Error::NotAllowed(
                "Action execution deletion is not allowed.".into(),
            ));
        }
        let rec = match self.standalone.get(&id) {
            Some(s) => s.rec.clone(),
            None => self
                .writer
                .get_action_execution(id)?
                .ok_or_else(|| Error::NotFound(format!("ActionExecution not found [id={id}]")))?,
        };
        if rec.project_id != project {
            return Err(Error::NotFound(format!(
                "ActionExecution not found [id={id}]"
            )));
        }
        if rec.task_execution_id.is_some() {
            return Err(Error::NotAllowed(
                "Only ad-hoc action execution can be deleted.".into(),
            ));
        }
        if !rec.state.is_completed() {
            return Err(Error::NotAllowed(
                "Only completed action execution can be deleted.".into(),
            ));
        }
        self.standalone.remove(&id);
        self.dirty.standalone.shift_remove(&id);
        self.dirty.deleted_action_executions.push(id);
        Ok(())
    }
}

impl Handler<StartAction> for EngineActor {
    type Result = ResponseFuture<Result<ActionExecutionRecord, Error>>;

    fn handle(&mut self, msg: StartAction, ctx: &mut Self::Context) -> Self::Result {
        match self.start_action(msg) {
            Ok((_, Some(rx))) => {
                self.schedule_flush(ctx);
                Box::pin(async move {
                    rx.await.unwrap_or_else(|_| {
                        Err(Error::Unavailable(
                            "the engine stopped before the action finished".into(),
                        ))
                    })
                })
            }
            Ok((rec, None)) => {
                // Recorded IDLE; shown RUNNING, as Mistral answers a
                // scheduled action, and as it is read until it finishes.
                self.after_commit(ctx, Ok(rec), || {
                    Err(Error::Unavailable("the engine could not commit".into()))
                })
            }
            Err(e) => Box::pin(futures::future::ready(Err(e))),
        }
    }
}

impl Handler<DeleteActionExecution> for EngineActor {
    type Result = ResponseFuture<Result<(), Error>>;

    fn handle(&mut self, msg: DeleteActionExecution, ctx: &mut Self::Context) -> Self::Result {
        match self.delete_action_execution(msg.id, &msg.project) {
            Ok(()) => self.after_commit(ctx, Ok(()), || {
                Err(Error::Unavailable("the engine could not commit".into()))
            }),
            Err(e) => Box::pin(futures::future::ready(Err(e))),
        }
    }
}

/// Marks an action execution whose run was interrupted: ERROR with the
/// reason (the engine cannot tell whether it ran, so it never runs again).
pub(super) fn interrupted(rec: &mut ActionExecutionRecord, stats: &mut super::Stats) {
    super::transition::end(rec, State::Error, stats);
    rec.accepted = true;
    rec.state_info = Some(INTERRUPTED_NOT_SAFE.into());
    rec.output = json!({ "result": INTERRUPTED_NOT_SAFE });
    rec.updated_at = Some(now());
}
