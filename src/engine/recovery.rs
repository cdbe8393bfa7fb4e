//! Recovery at start: every unfinished execution is loaded back into
//! memory. Action executions that were dispatched but never confirmed are
//! dispatched again; confirmed ones without a result are run again only if
//! their task is `safe-rerun`, otherwise the task fails with the reason.

use std::collections::HashMap;

use serde_json::Value;

use super::state::Exec;
use super::{EngineActor, Error};
use crate::domain::{ActionExecutionId, Attempt, ExecutionId, State, TaskExecutionId, now};
use crate::lang::WorkflowSpec;
use crate::protocol::WorkerLost;
use crate::store::{ActiveSet, Write};

/// The reason given to a task whose action was interrupted and may not re-run.
pub const INTERRUPTED_NOT_SAFE: &str = "The action was interrupted by a restart or by the loss of \
     its engine node, and its task is not safe-rerun, so it was not run again \
     [INTERRUPTED_NOT_SAFE]";

impl EngineActor {
    /// Loads unfinished executions and resumes their work.
    pub(crate) fn recover(&mut self) -> Result<(), Error> {
        self.load_adhoc()?;
        let mut active = self.writer.load_active()?;
        let standalone = std::mem::take(&mut active.standalone);
        let n = self.recover_set(active);
        if n > 0 {
            log::info!("recovered {n} unfinished executions");
        }
        if !standalone.is_empty() {
            log::info!(
                "recovering {} standalone action executions",
                standalone.len()
            );
        }
        self.recover_standalone(standalone);
        self.check_integrity();
        Ok(())
    }

    /// Installs loaded executions (a start's, or a takeover's) and
    /// recovers each: timers armed again, with-items progress rebuilt,
    /// interrupted actions run again or failed. Returns how many.
    pub(crate) fn recover_set(&mut self, active: ActiveSet) -> usize {
        let ids = self.install(active);
        let n = ids.len();
        self.relink_children();
        for id in ids {
            self.rearm_timers(id);
            self.restore_items(id);
            self.recover_execution(id);
        }
        n
    }

    /// Puts loaded executions, tasks and action executions into memory;
    /// returns the ids of the executions installed.
    pub(crate) fn install(&mut self, active: ActiveSet) -> Vec<ExecutionId> {
        let mut ids = Vec::new();
        let texts: HashMap<String, String> = active
            .versions
            .into_iter()
            .map(|v| (v.id, v.spec))
            .collect();
        for rec in active.executions {
            // One parsed spec per version, shared by its executions.
            let spec = self.defs.version(&rec.spec_id, || {
                let text = texts.get(&rec.spec_id).ok_or("version not stored")?;
                serde_json::from_str::<WorkflowSpec>(text).map_err(|e| e.to_string())
            });
            let spec = match spec {
                Ok(s) => s,
                Err(e) => {
                    log::error!(
                        "ex={} spec {} unreadable, execution skipped: {e}",
                        rec.id,
                        rec.spec_id
                    );
                    continue;
                }
            };
            self.defs.stored(&rec.spec_id);
            ids.push(rec.id);
            let mut exec = Exec::new(rec, spec);
            // What was reported before the restart is not reported again.
            if let Some(w) = exec.watch.as_mut() {
                w.exec = Some(exec.rec.state);
            }
            self.execs.insert(exec.rec.id, exec);
        }
        for t in active.tasks {
            if let Some(e) = self.execs.get_mut(&t.execution_id) {
                if !t.state.is_completed() {
                    e.incomplete += 1;
                }
                e.latest.insert(t.name.clone(), t.id);
                if let Some(w) = e.watch.as_mut() {
                    w.tasks.insert(t.id, t.state);
                }
                e.tasks.insert(t.id, t);
            }
        }
        for a in active.action_executions {
            let Some(eid) = a.execution_id else { continue };
            if let Some(e) = self.execs.get_mut(&eid) {
                if !a.state.is_completed() {
                    e.in_flight += 1;
                    self.owner.insert(a.id, eid);
                }
                e.actions.insert(a.id, a.into());
            }
        }
        ids
    }

    /// Whether a RUNNING action of `exec_id` is asynchronous: its worker
    /// ran it, and its result comes through `PUT /v2/action_executions`.
    pub(crate) fn awaits_callback(&self, exec_id: ExecutionId, aid: ActionExecutionId) -> bool {
        match self.expansion_of(exec_id, aid) {
            Some(Ok(e)) => self.runs_async(&e.base, &Value::Object(e.base_input)),
            Some(Err(_)) => false,
            None => self
                .execs
                .get(&exec_id)
                .and_then(|e| e.actions.get(&aid))
                .is_some_and(|ae| self.runs_async(&ae.name, &ae.input)),
        }
    }

    fn recover_execution(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        // Asynchronous actions wait for their completion through the API,
        // across restarts: they stay RUNNING.
        let awaiting: Vec<ActionExecutionId> = exec
            .actions
            .values()
            .filter(|a| a.state == State::Running)
            .map(|a| a.id)
            .filter(|&aid| self.awaits_callback(exec_id, aid))
            .collect();
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        exec.tasks
            .sort_by(|_, a, _, b| a.created_at.cmp(&b.created_at));
        let mut interrupted = Vec::new();
        for ae in exec
            .actions
            .values_mut()
            .filter(|a| a.state == State::Running && !awaiting.contains(&a.id))
        {
            if may_rerun(&exec.tasks, ae) {
                rerun_later(ae, &mut self.stats);
            } else {
                interrupted.push((ae.id, ae.task_execution_id));
            }
        }
        if exec.rec.state == State::Running {
            self.redispatch_idle(exec_id);
        }
        for (aid, task) in interrupted {
            self.fail_interrupted(exec_id, aid, task);
        }
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        if exec.rec.state == State::Running {
            self.redrive_interrupted(exec_id);
            self.continue_items(exec_id);
        }
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        if exec.rec.state == State::Running {
            let unprocessed: Vec<_> = exec
                .tasks
                .values()
                .filter(|t| t.state.is_completed() && !t.processed)
                .map(|t| t.id)
                .collect();
            for id in unprocessed {
                self.process_task(exec_id, id);
            }
            self.check_complete(exec_id);
        }
    }

    /// An action whose run was interrupted (its worker is gone) and whose
    /// task is not `safe-rerun`: the action and its task fail with the
    /// reason, and the task is not retried.
    fn fail_interrupted(
        &mut self,
        exec_id: ExecutionId,
        aid: ActionExecutionId,
        task: Option<TaskExecutionId>,
    ) {
        self.stats.tasks_recovered_failed_unsafe += 1;
        if let Some(exec) = self.execs.get_mut(&exec_id)
            && let Some(ae) = exec.actions.get_mut(&aid)
        {
            super::standalone::interrupted(ae, &mut self.stats);
            exec.in_flight = exec.in_flight.saturating_sub(1);
        }
        self.owner.remove(&aid);
        self.touch_action(exec_id, aid, Write::Update);
        if let Some(task) = task {
            // Not retried either: the engine cannot tell whether the
            // action ran, and it never runs it again silently (I2).
            if let Some(t) = self
                .execs
                .get_mut(&exec_id)
                .and_then(|e| e.tasks.get_mut(&task))
            {
                super::runtime::mark_interrupted(&mut t.runtime_context);
            }
            let msg = Value::String(INTERRUPTED_NOT_SAFE.into());
            self.complete_task(
                exec_id,
                task,
                State::Error,
                msg,
                Some(INTERRUPTED_NOT_SAFE.into()),
            );
        }
    }

    /// The worker running `aid` under `attempt` is gone while the engine
    /// runs on (a remote worker whose heartbeats stopped): the action is
    /// handled as recovery handles it after a crash — dispatched again
    /// under a new attempt if its task is `safe-rerun`, otherwise failed.
    /// A stale attempt, a finished action or an asynchronous one (its
    /// result comes through the API) is left alone.
    pub(crate) fn worker_lost(&mut self, aid: ActionExecutionId, attempt: Attempt) {
        if let Some(sa) = self.standalone.get_mut(&aid) {
            if sa.rec.state == State::Idle && sa.rec.attempt == attempt.0 {
                // Sent and never taken: sent again under a new attempt.
                sa.rec.attempt += 1;
                sa.rec.updated_at = Some(now());
                log::warn!("action={aid} attempt={attempt}: no worker took it; sending it again");
                self.touch_standalone(aid, Write::Update);
                self.dispatch_standalone(aid);
                return;
            }
            if sa.rec.state != State::Running || sa.rec.attempt != attempt.0 {
                return;
            }
            let rec = sa.rec.clone();
            if self.is_async(&rec) {
                return;
            }
            log::warn!("action={aid} attempt={attempt}: its worker is lost; failing it");
            self.fail_standalone_interrupted(aid);
            return;
        }
        let Some(&exec_id) = self.owner.get(&aid) else {
            return;
        };
        let current = self.execs.get(&exec_id).and_then(|e| e.actions.get(&aid));
        // Sent and never taken (the broker lost the message): it never
        // ran, so it is sent again under a new attempt, while its
        // execution runs (a paused one sends it on resume).
        if current.is_some_and(|ae| ae.state == State::Idle && ae.attempt == attempt.0) {
            if self
                .execs
                .get(&exec_id)
                .is_some_and(|e| e.rec.state == State::Running)
            {
                log::warn!(
                    "ex={exec_id} action={aid} attempt={attempt}: no worker took it; sending it again"
                );
                self.redispatch(exec_id, Some(aid));
            }
            return;
        }
        if current.is_none_or(|ae| ae.state != State::Running || ae.attempt != attempt.0)
            || self.awaits_callback(exec_id, aid)
        {
            return;
        }
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(ae) = exec.actions.get_mut(&aid) else {
            return;
        };
        if may_rerun(&exec.tasks, ae) {
            log::warn!(
                "ex={exec_id} action={aid} attempt={attempt}: its worker is lost; the task is safe-rerun, running it again"
            );
            rerun_later(ae, &mut self.stats);
            if exec.rec.state == State::Running {
                self.redispatch(exec_id, Some(aid));
            } else {
                self.touch_action(exec_id, aid, Write::Update);
            }
        } else {
            log::warn!(
                "ex={exec_id} action={aid} attempt={attempt}: its worker is lost; the task is not safe-rerun, failing it"
            );
            let task = ae.task_execution_id;
            self.fail_interrupted(exec_id, aid, task);
        }
    }

    /// Tasks a restart caught between two steps that are normally committed
    /// together, apart only while an evaluation was in the evaluation pool:
    /// a RUNNING task with no action, sub-workflow or timer yet is started
    /// again (nothing was dispatched, or only for an earlier run); one whose
    /// last action finished after the task last changed is completed with
    /// that action's result.
    fn redrive_interrupted(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let mut start = Vec::new();
        let mut complete = Vec::new();
        for t in exec.tasks.values().filter(|t| t.state == State::Running) {
            // A sub-workflow task is left to the integrity checker: a
            // finished child is not in memory, so a start cannot be told
            // from a completion.
            let iterates_or_calls = exec.spec.tasks.get(&t.name).is_none_or(|s| {
                !s.with_items.is_empty() || matches!(s.run, crate::lang::TaskRun::Workflow(_))
            });
            let timer = super::runtime::has_delay_timer(&t.runtime_context);
            if iterates_or_calls || timer {
                continue;
            }
            let last = exec
                .actions
                .values()
                .filter(|a| a.task_execution_id == Some(t.id))
                .max_by_key(|a| (a.created_at, a.attempt));
            // An action finished before the task last changed belongs to an
            // earlier run (a rerun was starting).
            match last {
                None => start.push(t.id),
                Some(a) if a.state.is_completed() && a.updated_at < t.updated_at => {
                    start.push(t.id)
                }
                Some(a) if a.state.is_completed() && a.accepted => {
                    let result = a.output.get("result").cloned().unwrap_or(Value::Null);
                    complete.push((t.id, a.state, result));
                }
                Some(_) => {}
            }
        }
        for task in start {
            log::info!("ex={exec_id} task={task} started again after a restart");
            self.start_task(exec_id, task);
        }
        for (task, state, result) in complete {
            log::info!("ex={exec_id} task={task} completed after a restart");
            self.on_action_complete(exec_id, task, None, state, result);
        }
    }
}

impl actix::Handler<WorkerLost> for EngineActor {
    type Result = ();

    fn handle(&mut self, msg: WorkerLost, ctx: &mut Self::Context) {
        self.worker_lost(msg.action_execution_id, msg.attempt);
        self.schedule_flush(ctx);
    }
}

/// Whether an interrupted action may run again: its task is `safe-rerun`.
fn may_rerun(
    tasks: &super::state::IdIndexMap<TaskExecutionId, crate::store::TaskRecord>,
    ae: &crate::store::ActionExecutionRecord,
) -> bool {
    ae.task_execution_id
        .and_then(|t| tasks.get(&t))
        .is_some_and(|t| super::runtime::safe_rerun(&t.runtime_context))
}

/// An interrupted action of a safe-rerun task goes back to IDLE, to be
/// dispatched again under a new attempt.
fn rerun_later(ae: &mut crate::store::ActionExecutionRecord, stats: &mut super::Stats) {
    super::transition::set(ae, State::Idle, super::transition::Move::Redispatch, stats);
    ae.updated_at = Some(now());
    stats.tasks_recovered_redispatch += 1;
}
