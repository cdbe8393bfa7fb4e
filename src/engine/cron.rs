//! Cron triggers, as Mistral's `services/triggers.py` and
//! `services/periodic.py` have them: create (validation, first next
//! time), delete, and the scheduler's scan, which fires due triggers. A
//! firing starts the execution and advances the trigger (or deletes it
//! after its last execution) in one group commit, the advance being a
//! claim on the time it read, so that neither a crash nor a second node
//! can lose or double a firing.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use serde_json::{Map, Value, json};

use super::requests::{ready, unavailable, validate_input};
use super::schedule::{self, CatchUp, Schedule};
use super::{EngineActor, Error, StartExecution};
use crate::domain::{Timestamp, now};
use crate::store::{Access, CronAdvance, CronTriggerRecord, Write};

/// Where the cron scheduler reads the time (tests compress it).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The wall clock.
pub fn wall_clock() -> Clock {
    Arc::new(now)
}

/// The cron scheduler's settings (see `Config`).
#[derive(Clone, Debug)]
pub struct CronConfig {
    /// How often due triggers are looked for (Mistral's
    /// `[cron_trigger] execution_interval`, 1 s).
    pub scan_interval: Duration,
    /// With `catch_up: all`: most missed times one trigger fires for.
    pub catch_up_max: u32,
    /// With `catch_up: skip`: how late a firing may be and still run.
    pub catch_up_grace: Duration,
}

impl Default for CronConfig {
    fn default() -> Self {
        Self {
            scan_interval: Duration::from_secs(1),
            catch_up_max: 100,
            catch_up_grace: Duration::from_secs(60),
        }
    }
}

/// Triggers read per scan; more wait for the next one.
const SCAN_LIMIT: i64 = 5_000;

/// Mistral fires triggers due within the next two seconds.
const LOOKAHEAD_SECS: i64 = 2;

/// Create a cron trigger (`POST /v2/cron_triggers`), checked as Mistral
/// checks it.
#[derive(Debug, Default, Message)]
#[rtype(result = "Result<CronTriggerRecord, Error>")]
pub struct CreateCronTrigger {
    pub name: String,
    pub workflow_name: Option<String>,
    pub workflow_id: Option<String>,
    /// The namespace `workflow_name` is looked up in (`""` in Mistral).
    pub workflow_namespace: String,
    pub workflow_input: Map<String, Value>,
    pub workflow_params: Map<String, Value>,
    pub pattern: Option<String>,
    /// `%Y-%m-%d %H:%M`, UTC.
    pub first_execution_time: Option<String>,
    /// At least 1 (the API checks it).
    pub remaining_executions: Option<i32>,
    /// Extension: an IANA zone for `pattern`.
    pub timezone: Option<String>,
    /// Extension: `once`, `skip` or `all`.
    pub catch_up: Option<String>,
    pub scope: crate::domain::Scope,
    pub project: String,
}

/// Delete a cron trigger by name or id (`DELETE /v2/cron_triggers/{id}`).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteCronTrigger {
    pub name_or_id: String,
    pub project: String,
}

/// Fire the triggers due now (the scheduler sends it to itself every
/// scan interval; tests send it with a compressed clock). Answers how
/// many executions it started, once they are committed.
#[derive(Debug, Message)]
#[rtype(result = "Result<usize, Error>")]
pub struct ScanCron;

impl EngineActor {
    fn create_cron_trigger(&mut self, msg: CreateCronTrigger) -> Result<CronTriggerRecord, Error> {
        let first = msg
            .first_execution_time
            .as_deref()
            .map(schedule::parse_first_time)
            .transpose()
            .map_err(Error::Invalid)?;
        let pattern = msg.pattern.filter(|p| !p.is_empty());
        if first.is_none() && pattern.is_none() {
            return Err(Error::Invalid(
                "Pattern or first_execution_time must be specified.".into(),
            ));
        }
        let now = (self.clock)();
        if let Some(first) = first {
            if now + chrono::TimeDelta::seconds(60) > first {
                return Err(Error::Invalid(
                    "first_execution_time must be at least 1 minute in the future.".into(),
                ));
            }
            if pattern.is_none() && msg.remaining_executions.is_some_and(|c| c > 1) {
                return Err(Error::Invalid(
                    "Pattern must be provided if count is superior to 1.".into(),
                ));
            }
        }
        if let Some(c) = msg.catch_up.as_deref()
            && CatchUp::parse(c).is_none()
        {
            return Err(Error::Invalid(format!(
                "catch_up must be one of once, skip, all; actual: {c}"
            )));
        }
        let sched = match &pattern {
            Some(p) => Some(Schedule::new(p, msg.timezone.as_deref()).map_err(Error::Invalid)?),
            None => {
                if let Some(z) = msg.timezone.as_deref() {
                    Schedule::new(schedule::NEVER, Some(z)).map_err(Error::Invalid)?;
                }
                None
            }
        };
        let mut count = msg.remaining_executions;
        let next = match (first, &sched) {
            (Some(first), _) => {
                if pattern.is_none() && count.is_none() {
                    count = Some(1);
                }
                first
            }
            (None, Some(s)) => s.next_after(now).ok_or_else(|| {
                Error::Invalid(format!(
                    "The specified pattern is not valid: {}",
                    pattern.clone().unwrap_or_default()
                ))
            })?,
            (None, None) => {
                return Err(Error::Invalid(
                    "Pattern or first_execution_time must be specified.".into(),
                ));
            }
        };
        let key = msg
            .workflow_id
            .clone()
            .or_else(|| msg.workflow_name.clone())
            .unwrap_or_else(|| "None".into());
        let def = self.lookup(&key, &msg.workflow_namespace, &msg.project)?;
        validate_input(&def.spec, msg.workflow_input.clone())?;
        // A trigger whose executions could never start is refused now.
        super::notify::subscribers(&msg.workflow_params).map_err(Error::Invalid)?;
        let pattern = pattern.unwrap_or_else(|| schedule::NEVER.into());
        let input = Value::Object(msg.workflow_input);
        let params = Value::Object(msg.workflow_params);
        let duplicate = || {
            Error::Conflict(format!(
                "Duplicate entry for cron trigger ['name', 'project_id']: {}, None",
                msg.name
            ))
        };
        let access = Access::Project(msg.project.clone());
        let pending = self.dirty.cron_triggers.iter().map(|(_, t)| t);
        // A stored trigger this batch deletes no longer counts.
        let gone = |t: &CronTriggerRecord| {
            self.dirty.deleted_cron_triggers.contains(&t.id)
                || self
                    .dirty
                    .cron_advances
                    .iter()
                    .any(|a| a.id == t.id && a.next.is_none())
        };
        let same_name = |t: &CronTriggerRecord| t.name == msg.name && t.project_id == msg.project;
        if pending.clone().any(same_name)
            || self
                .writer
                .get_cron_trigger(&msg.name, &access)?
                .is_some_and(|t| same_name(&t) && !gone(&t))
        {
            return Err(duplicate());
        }
        // Mistral's second unique key: workflow, pattern, input, params,
        // count and first time (NULLs never collide).
        let same_schedule = |t: &CronTriggerRecord| {
            t.project_id == msg.project
                && t.workflow_name == def.def.name
                && t.pattern == pattern
                && t.workflow_input == input
                && t.workflow_params == params
                && count.is_some()
                && t.remaining_executions == count
                && first.is_some()
                && t.first_execution_time == first
        };
        if pending.clone().any(same_schedule)
            || self
                .writer
                .cron_triggers_named_workflow(&msg.project, &def.def.name)?
                .iter()
                .any(|t| same_schedule(t) && !gone(t))
        {
            return Err(duplicate());
        }
        let rec = CronTriggerRecord {
            id: uuid::Uuid::new_v4().to_string(),
            name: msg.name.clone(),
            pattern,
            first_execution_time: first,
            next_execution_time: next,
            remaining_executions: count,
            workflow_name: def.def.name.clone(),
            workflow_id: def.def.id.to_string(),
            workflow_namespace: def.def.namespace.clone(),
            workflow_input: input,
            workflow_params: params,
            timezone: msg.timezone,
            catch_up: msg.catch_up,
            scope: msg.scope,
            project_id: msg.project,
            created_at: now_real(),
            updated_at: None,
        };
        self.dirty.cron_triggers.push((Write::Insert, rec.clone()));
        Ok(rec)
    }

    fn delete_cron_trigger(&mut self, msg: &DeleteCronTrigger) -> Result<(), Error> {
        let not_found = || {
            Error::NotFound(format!(
                "Cron trigger not found [identifier={}]",
                msg.name_or_id
            ))
        };
        let own = |t: &CronTriggerRecord| {
            t.project_id == msg.project && (t.name == msg.name_or_id || t.id == msg.name_or_id)
        };
        if let Some(i) = self.dirty.cron_triggers.iter().position(|(_, t)| own(t)) {
            self.dirty.cron_triggers.remove(i);
            return Ok(());
        }
        let access = Access::Project(msg.project.clone());
        let t = self
            .writer
            .get_cron_trigger(&msg.name_or_id, &access)?
            .filter(own)
            .ok_or_else(not_found)?;
        if self.cron_pending(&t.id) {
            // Fired and then deleted in this batch: the firing's claim
            // already removes it, or advances it and the delete follows.
            if self.dirty.deleted_cron_triggers.contains(&t.id)
                || self
                    .dirty
                    .cron_advances
                    .iter()
                    .any(|a| a.id == t.id && a.next.is_none())
            {
                return Err(not_found());
            }
        }
        self.dirty.deleted_cron_triggers.push(t.id);
        Ok(())
    }

    /// The ids of the cron triggers that start workflow `id`, pending
    /// creations included, sorted (Mistral's message lists them so).
    pub(crate) fn cron_triggers_of(
        &mut self,
        id: crate::domain::WorkflowId,
    ) -> Result<Vec<String>, Error> {
        let mut ids = self.writer.cron_triggers_of_workflow(id)?;
        let wid = id.to_string();
        ids.extend(
            self.dirty
                .cron_triggers
                .iter()
                .filter(|(_, t)| t.workflow_id == wid)
                .map(|(_, t)| t.id.clone()),
        );
        ids.retain(|i| !self.dirty.deleted_cron_triggers.contains(i));
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Whether this batch already changes trigger `id` (fired or deleted):
    /// the store still holds its old row, which must not fire again.
    fn cron_pending(&self, id: &str) -> bool {
        self.dirty.deleted_cron_triggers.iter().any(|d| d == id)
            || self.dirty.cron_advances.iter().any(|a| a.id == id)
    }

    /// Fires every trigger due now; answers how many executions started.
    pub(crate) fn scan_cron(&mut self) -> Result<usize, Error> {
        if self.draining {
            return Ok(0);
        }
        let now = (self.clock)();
        let due = self
            .writer
            .due_cron_triggers(now + chrono::TimeDelta::seconds(LOOKAHEAD_SECS), SCAN_LIMIT)?;
        let mut started = 0;
        for t in due {
            if self.cron_pending(&t.id) {
                continue;
            }
            match self.fire(&t, now) {
                Ok(n) => started += n,
                Err(e) => {
                    // Too many running executions, or the store failed:
                    // the trigger stays due and fires on a later scan.
                    log::warn!("cron trigger {} ({}) not fired now: {e}", t.name, t.id);
                    break;
                }
            }
        }
        Ok(started)
    }

    /// Fires `t` (due at `now`) as its catch-up policy says: starts its
    /// executions and records the advance. `Err` only when nothing could
    /// start now (the engine is full): then nothing is recorded.
    fn fire(&mut self, t: &CronTriggerRecord, now: Timestamp) -> Result<usize, Error> {
        let policy = t
            .catch_up
            .as_deref()
            .and_then(CatchUp::parse)
            .unwrap_or(CatchUp::Once);
        let sched = Schedule::new(&t.pattern, t.timezone.as_deref()).ok();
        let next_of = |after: Timestamp| sched.as_ref().and_then(|s| s.next_after(after));
        let lookahead = now + chrono::TimeDelta::seconds(LOOKAHEAD_SECS);
        let grace = chrono::TimeDelta::from_std(self.cron.catch_up_grace).unwrap_or_default();
        let bound = self.cron.catch_up_max.max(1) as usize;
        let mut remaining = t.remaining_executions;
        let mut due = t.next_execution_time;
        let mut fired = 0usize;
        let mut runs = 0usize;
        // `due` is due: run it (unless skipped), then move on.
        let next: Option<Timestamp> = loop {
            if policy != CatchUp::Skip || now - due <= grace {
                match self.start_from_trigger(t) {
                    Ok(()) => fired += 1,
                    // The engine is full or the store failed: the firing
                    // waits for a later scan rather than being lost.
                    Err(e @ (Error::Unavailable(_) | Error::Store(_))) if runs == 0 => {
                        return Err(e);
                    }
                    Err(Error::Unavailable(_) | Error::Store(_)) => break Some(due),
                    Err(e) => log::warn!(
                        "cron trigger {} ({}) could not start {}: {e}",
                        t.name,
                        t.id,
                        t.workflow_name
                    ),
                }
                runs += 1;
                if let Some(r) = remaining.as_mut() {
                    *r -= 1;
                }
            }
            if remaining == Some(0) {
                break None;
            }
            if policy == CatchUp::All && runs < bound {
                match next_of(due) {
                    Some(n) if n < lookahead => {
                        due = n;
                        continue;
                    }
                    other => break other,
                }
            }
            // Mistral's: on from the later of now and the time due, so
            // the times missed meanwhile fire once, in this firing.
            break next_of(due.max(now));
        };
        if next.is_none() && remaining != Some(0) {
            log::warn!(
                "cron trigger {} ({}) names no later time; deleted",
                t.name,
                t.id
            );
        }
        self.dirty.cron_advances.push(CronAdvance {
            id: t.id.clone(),
            claimed: t.next_execution_time,
            next,
            remaining,
            at: now_real(),
        });
        Ok(fired)
    }

    /// Starts one execution of `t`'s workflow, as Mistral's periodic task
    /// does (its description names the trigger).
    fn start_from_trigger(&mut self, t: &CronTriggerRecord) -> Result<(), Error> {
        let description = crate::domain::pytext::dumps(
            &json!({
                "description": format!("Workflow execution created by cron trigger '({})'.", t.id),
                "triggered_by": {"type": "cron_trigger", "id": t.id},
            }),
            None,
        );
        let object = |v: &Value| v.as_object().cloned().unwrap_or_default();
        self.start_execution(StartExecution {
            project: t.project_id.clone(),
            workflow_id: Some(t.workflow_id.clone()),
            workflow_name: None,
            namespace: t.workflow_namespace.clone(),
            input: object(&t.workflow_input),
            params: object(&t.workflow_params),
            description: Some(description),
            ..Default::default()
        })
        .map(|_| ())
    }

    /// Arms the scheduler: a scan now (missed firings of a downtime run
    /// at once) and one every scan interval.
    pub(crate) fn start_cron(&mut self, ctx: &mut Context<Self>) {
        ctx.notify(ScanCronTick);
        let every = self.cron.scan_interval.max(Duration::from_millis(10));
        ctx.run_interval(every, |_, ctx| ctx.notify(ScanCronTick));
    }
}

/// Real time for `created_at` and `updated_at` (the scheduler's clock
/// is only for firing).
fn now_real() -> Timestamp {
    now()
}

/// The scheduler's own scan.
#[derive(Message)]
#[rtype(result = "()")]
struct ScanCronTick;

impl Handler<ScanCronTick> for EngineActor {
    type Result = ();

    fn handle(&mut self, _: ScanCronTick, ctx: &mut Self::Context) {
        if let Err(e) = self.scan_cron() {
            log::error!("cron scan failed: {e}");
        }
        self.schedule_flush(ctx);
    }
}

impl Handler<ScanCron> for EngineActor {
    type Result = ResponseFuture<Result<usize, Error>>;

    fn handle(&mut self, _: ScanCron, ctx: &mut Self::Context) -> Self::Result {
        match self.scan_cron() {
            Ok(n) => self.after_commit(ctx, Ok(n), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<CreateCronTrigger> for EngineActor {
    type Result = ResponseFuture<Result<CronTriggerRecord, Error>>;

    fn handle(&mut self, msg: CreateCronTrigger, ctx: &mut Self::Context) -> Self::Result {
        match self.create_cron_trigger(msg) {
            Ok(t) => self.after_commit(ctx, Ok(t), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<DeleteCronTrigger> for EngineActor {
    type Result = ResponseFuture<Result<(), Error>>;

    fn handle(&mut self, msg: DeleteCronTrigger, ctx: &mut Self::Context) -> Self::Result {
        match self.delete_cron_trigger(&msg) {
            Ok(()) => self.after_commit(ctx, Ok(()), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}
