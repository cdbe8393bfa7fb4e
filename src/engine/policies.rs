//! Task policies: `pause-before`, `wait-before` and `timeout` when a task
//! starts; `wait-after`, `fail-on` and `retry` (count, delay, break-on,
//! continue-on) when it completes, where every policy is also evaluated and
//! type-checked again as Mistral does. Every delay is a timer kept in the
//! task's `runtime_context` (so it is written with the task and re-armed on
//! recovery) and fires at most once: firing clears it in the same change.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use serde_json::{Map, Value, json};

use super::EngineActor;
use super::flow::seconds;
use crate::domain::{ExecutionId, State, TaskExecutionId, Timestamp, now};
use crate::expr;
use crate::lang::{TaskSpec, WorkflowSpec};
use crate::store::{TaskRecord, Write};

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimerKind {
    WaitBefore,
    WaitAfter,
    Retry,
    Timeout,
}

impl TimerKind {
    /// The kind's name in a stored timer.
    pub(crate) fn key(self) -> &'static str {
        match self {
            TimerKind::WaitBefore => "wait-before",
            TimerKind::WaitAfter => "wait-after",
            TimerKind::Retry => "retry",
            TimerKind::Timeout => "timeout",
        }
    }

    /// A stored timer's kind.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        [
            TimerKind::WaitBefore,
            TimerKind::WaitAfter,
            TimerKind::Retry,
            TimerKind::Timeout,
        ]
        .into_iter()
        .find(|k| k.key() == s)
    }
}

/// A timer to arm once the change that recorded it is committed.
#[derive(Clone, Debug)]
pub(crate) struct Timer {
    pub exec_id: ExecutionId,
    pub task_id: TaskExecutionId,
    pub kind: TimerKind,
    /// The recorded due time: a firing whose due time no longer matches the
    /// task's record is stale and ignored.
    pub due: String,
    pub delay: Duration,
}

impl EngineActor {
    /// Records a timer on the task and queues it for arming after commit.
    fn set_timer(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        kind: TimerKind,
        secs: f64,
    ) {
        let due_at: Timestamp = now() + TimeDelta::milliseconds((secs * 1000.0) as i64);
        let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) else {
            return;
        };
        let due = super::runtime::set_timer(&mut task.runtime_context, kind, due_at);
        self.touch_task(exec_id, task_id, Write::Update);
        self.timers.push(Timer {
            exec_id,
            task_id,
            kind,
            due,
            delay: Duration::from_secs_f64(secs.max(0.0)),
        });
    }

    /// Re-arms the timers recorded on a recovered execution's tasks.
    pub(crate) fn rearm_timers(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let t = now();
        let mut found = Vec::new();
        for task in exec.tasks.values() {
            for timer in super::runtime::timers(&task.runtime_context) {
                // A due time that does not parse fires now, said out loud:
                // waiting for ever would leave the task stuck.
                let at = timer.due.unwrap_or_else(|e| {
                    log::error!(
                        "task {} of execution {exec_id}: {e}; its {} timer fires now",
                        task.id,
                        timer.kind.key()
                    );
                    t
                });
                let delay = (at - t).to_std().unwrap_or(Duration::ZERO);
                found.push(Timer {
                    exec_id,
                    task_id: task.id,
                    kind: timer.kind,
                    due: timer.due_text,
                    delay,
                });
            }
        }
        self.timers.extend(found);
    }

    /// Evaluates a policy value of a task against its inbound context.
    fn policy(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        v: &Value,
    ) -> Result<Value, String> {
        self.policy_in(exec_id, task_id, v, |task| {
            task.in_context.as_object().cloned().unwrap_or_default()
        })
    }

    /// Evaluates a policy value of a completed task against its outbound
    /// context (its inbound context and what it published), as Mistral's
    /// retry policy reads `continue-on` and `break-on`.
    fn policy_outbound(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        v: &Value,
    ) -> Result<Value, String> {
        self.policy_in(exec_id, task_id, v, super::state::Exec::outbound)
    }

    /// Evaluates a policy value of a task against the context `branch`
    /// makes of it.
    fn policy_in(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        v: &Value,
        branch: impl FnOnce(&TaskRecord) -> Map<String, Value>,
    ) -> Result<Value, String> {
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let task = exec.tasks.get(&task_id).ok_or("task gone")?;
        self.evaluate(exec, Some(task), &branch(task), v)
    }

    /// Mistral's check of the policies before a task starts: each policy it
    /// builds (in its order: pause-before, wait-before, wait-after, retry,
    /// timeout, concurrency; fail-on is never checked) is evaluated and its
    /// values' types checked (`policy_types`).
    fn check_policy_types(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        spec: &TaskSpec,
    ) -> Result<(), String> {
        use super::policy_types::{Kind, check};
        let p = &spec.policies;
        let eval = |v: &Value| self.policy(exec_id, task_id, v);
        if let Some(v) = truthy(&p.pause_before) {
            check("PauseBeforePolicy", &[("expr", &eval(v)?, Kind::Flag)])?;
        }
        if let Some(v) = built(&p.wait_before) {
            check("WaitBeforePolicy", &[("delay", &eval(v)?, Kind::Count)])?;
        }
        if let Some(v) = built(&p.wait_after) {
            check("WaitAfterPolicy", &[("delay", &eval(v)?, Kind::Count)])?;
        }
        if let Some(r) = &p.retry {
            let (count, delay) = (eval(&r.count)?, eval(&r.delay)?);
            check(
                "RetryPolicy",
                &[
                    ("delay", &delay, Kind::Count),
                    ("count", &count, Kind::Count),
                ],
            )?;
        }
        if let Some(v) = built(&p.timeout) {
            check("TimeoutPolicy", &[("delay", &eval(v)?, Kind::Count)])?;
        }
        if let Some(v) = truthy(&p.concurrency) {
            check(
                "ConcurrencyPolicy",
                &[("concurrency", &eval(v)?, Kind::Count)],
            )?;
        }
        Ok(())
    }

    /// The execution's (shared) spec and the task's name: the hooks read
    /// the task's policies through it without copying them.
    fn task_spec(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Option<(Arc<WorkflowSpec>, String)> {
        let exec = self.execs.get(&exec_id)?;
        let task = exec.tasks.get(&task_id)?;
        Some((exec.spec.clone(), task.name.clone()))
    }

    fn set_task_state(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        state: State,
        info: Option<String>,
    ) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get_mut(&task_id) else {
            return;
        };
        if task.state.is_completed() && !state.is_completed() {
            exec.incomplete += 1;
        }
        super::transition::set(
            task,
            state,
            super::transition::Move::Policy,
            &mut self.stats,
        );
        task.state_info = info;
        task.updated_at = Some(now());
        self.touch_task(exec_id, task_id, Write::Update);
    }

    /// Starts a new RUNNING task through its start policies.
    pub(crate) fn begin_task(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some((wf, name)) = self.task_spec(exec_id, task_id) else {
            return;
        };
        let Some(spec) = wf.tasks.get(&name) else {
            return;
        };
        if self.prepare_start(exec_id, task_id, spec)
            && self.record_concurrency(exec_id, task_id, spec)
        {
            self.start_policies(exec_id, task_id, spec);
        }
    }

    /// Starts a join that waited for its inbound tasks. Mistral continues
    /// such a task (`_run_existing`, not a rerun) without its before-start
    /// policies: pause-before, wait-before and timeout do not apply to it,
    /// no concurrency is recorded (its with-items runs every item at once),
    /// and its policies' types are first checked when it completes.
    pub(crate) fn begin_join(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        if let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) {
            super::runtime::set_shown_triggers(&mut task.runtime_context, None);
        }
        self.start_task(exec_id, task_id);
    }

    /// Checks the task's policy types; false when that failed the task (and
    /// so its workflow).
    fn prepare_start(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        spec: &TaskSpec,
    ) -> bool {
        if let Err(e) = self.check_policy_types(exec_id, task_id, spec) {
            // An error of the workflow's own making: Mistral's "Failed to
            // run task", the workflow fails at once.
            let msg = self.start_failure(exec_id, task_id, &e);
            self.force_fail_task(exec_id, task_id, msg);
            return false;
        }
        true
    }

    /// Records the task's concurrency (what its with-items reads); false
    /// when it cannot be evaluated (the task failed).
    fn record_concurrency(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        spec: &TaskSpec,
    ) -> bool {
        if let Some(c) = &spec.policies.concurrency {
            // Mistral's ConcurrencyPolicy records its value on the task.
            match self
                .policy(exec_id, task_id, c)
                .and_then(|v| seconds(&v, "concurrency"))
            {
                Ok(n) => self.with_rc(exec_id, task_id, |rc| {
                    super::runtime::set_concurrency(rc, n as u64);
                }),
                Err(e) => {
                    self.fail_task(exec_id, task_id, e);
                    return false;
                }
            }
        }
        true
    }

    /// pause-before, wait-before, then the start with its timeout armed.
    fn start_policies(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, spec: &TaskSpec) {
        if let Some(p) = &spec.policies.pause_before {
            match self.policy(exec_id, task_id, p) {
                Ok(v) if expr::truthy(&v) => {
                    self.set_task_state(
                        exec_id,
                        task_id,
                        State::Idle,
                        Some("Set by 'pause-before' policy".into()),
                    );
                    self.pause(exec_id, None);
                    return;
                }
                Ok(_) => {}
                Err(e) => return self.fail_task(exec_id, task_id, e),
            }
        }
        if let Some(w) = &spec.policies.wait_before {
            match self
                .policy(exec_id, task_id, w)
                .and_then(|v| seconds(&v, "wait-before"))
            {
                Ok(secs) if secs > 0.0 => {
                    self.with_rc(exec_id, task_id, super::runtime::mark_waited_before);
                    let info =
                        format!("Delayed by 'wait-before' policy [delay={}]", fmt_secs(secs));
                    self.set_task_state(exec_id, task_id, State::RunningDelayed, Some(info));
                    self.set_timer(exec_id, task_id, TimerKind::WaitBefore, secs);
                    return;
                }
                Ok(_) => {}
                Err(e) => return self.fail_task(exec_id, task_id, e),
            }
        }
        self.run_now(exec_id, task_id);
    }

    /// Starts the task's action(s) now, with its timeout armed.
    fn run_now(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some((wf, name)) = self.task_spec(exec_id, task_id) else {
            return;
        };
        let Some(spec) = wf.tasks.get(&name) else {
            return;
        };
        if let Some(t) = &spec.policies.timeout {
            match self
                .policy(exec_id, task_id, t)
                .and_then(|v| seconds(&v, "timeout"))
            {
                Ok(secs) if secs > 0.0 => {
                    // Its message names the seconds (workflow tasks too).
                    self.with_rc(exec_id, task_id, |rc| super::runtime::set_timeout(rc, secs));
                    self.set_timer(exec_id, task_id, TimerKind::Timeout, secs)
                }
                Ok(_) => {}
                Err(e) => return self.fail_task(exec_id, task_id, e),
            }
        }
        self.start_task(exec_id, task_id);
    }

    fn fail_task(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, msg: String) {
        self.complete_task(
            exec_id,
            task_id,
            State::Error,
            Value::String(msg.clone()),
            Some(msg),
        );
    }

    /// Resumes the tasks a `pause-before` held (IDLE), without re-checking it.
    pub(crate) fn start_held_tasks(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let held: Vec<TaskExecutionId> = exec
            .tasks
            .values()
            .filter(|t| t.state == State::Idle)
            .map(|t| t.id)
            .collect();
        for task_id in held {
            self.set_task_state(exec_id, task_id, State::Running, None);
            self.run_now(exec_id, task_id);
        }
    }

    /// The completion policies, in Mistral's order (`_after_task_complete`:
    /// pause-before, wait-before, wait-after, fail-on, retry, timeout,
    /// concurrency). Every policy Mistral builds for the task evaluates its
    /// values again and checks their types, also the start ones; an error
    /// there is no task error but a failure to handle the completion: the
    /// task and the workflow are force-failed (`Failed to handle action
    /// completion [...]`), so `on-error` does not run. True when the task is
    /// held (DELAYED, or force-failed) instead of completing.
    pub(crate) fn after_complete(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> bool {
        let Some((wf, name)) = self.task_spec(exec_id, task_id) else {
            return false;
        };
        let Some(spec) = wf.tasks.get(&name) else {
            return false;
        };
        let Some(task) = self.execs.get(&exec_id).and_then(|e| e.tasks.get(&task_id)) else {
            return false;
        };
        if matches!(task.state, State::Cancelled | State::Skipped) {
            return false;
        }
        match self.completion_policies(exec_id, task_id, spec) {
            Ok(held) => held,
            Err(e) => {
                let msg = self.completion_failure(exec_id, task_id, &e);
                self.force_fail_task(exec_id, task_id, msg);
                true
            }
        }
    }

    /// `after_complete`'s policies; `Err` with the evaluation or type error
    /// that stops them.
    fn completion_policies(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        spec: &TaskSpec,
    ) -> Result<bool, String> {
        use super::policy_types::{Kind, check};
        let p = &spec.policies;
        let Some(task) = self.execs.get(&exec_id).and_then(|e| e.tasks.get(&task_id)) else {
            return Ok(false);
        };
        let state = task.state;
        let info_before = task.state_info.clone();
        let waited = super::runtime::waited_after(&task.runtime_context);
        let eval = |s: &Self, v: &Value| s.policy(exec_id, task_id, v);
        if let Some(v) = truthy(&p.pause_before) {
            check(
                "PauseBeforePolicy",
                &[("expr", &eval(self, v)?, Kind::Flag)],
            )?;
        }
        if let Some(v) = built(&p.wait_before) {
            check(
                "WaitBeforePolicy",
                &[("delay", &eval(self, v)?, Kind::Count)],
            )?;
        }
        // The wait-after delay is applied once the other policies were
        // evaluated: an error among them fails the task instead.
        let mut hold = None;
        if let Some(v) = built(&p.wait_after) {
            let delay = eval(self, v)?;
            check("WaitAfterPolicy", &[("delay", &delay, Kind::Count)])?;
            let secs = seconds(&delay, "wait-after")?;
            if secs > 0.0 && !waited {
                hold = Some(secs);
            }
        }
        if let Some(f) = truthy(&p.fail_on) {
            // FailOnPolicy's schema names no field it has: the value's type
            // is never checked.
            let v = eval(self, f)?;
            if hold.is_none() && state == State::Success && expr::truthy(&v) {
                self.set_task_state(
                    exec_id,
                    task_id,
                    State::Error,
                    Some("Failed by 'fail-on' policy".into()),
                );
            }
        }
        let retried = match &p.retry {
            Some(r) => self.retry(exec_id, task_id, r, hold.is_none())?,
            None => false,
        };
        if let Some(v) = built(&p.timeout) {
            check("TimeoutPolicy", &[("delay", &eval(self, v)?, Kind::Count)])?;
        }
        if let Some(v) = truthy(&p.concurrency) {
            check(
                "ConcurrencyPolicy",
                &[("concurrency", &eval(self, v)?, Kind::Count)],
            )?;
        }
        if let Some(secs) = hold {
            self.with_rc(exec_id, task_id, |rc| {
                super::runtime::begin_wait_after(rc, state, info_before);
            });
            let info = format!("Delayed by 'wait-after' policy [delay={}]", fmt_secs(secs));
            self.set_task_state(exec_id, task_id, State::RunningDelayed, Some(info));
            self.set_timer(exec_id, task_id, TimerKind::WaitAfter, secs);
            return Ok(true);
        }
        Ok(retried)
    }

    /// Mistral's `RetryPolicy.after_task_complete`: count and delay are
    /// evaluated and type-checked; with a count above 0, continue-on and
    /// break-on are evaluated against the task's outbound context (what it
    /// published included), before the task's state is looked at.
    /// `Ok(true)` when retried; nothing is retried unless `may`.
    fn retry(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        retry: &crate::lang::RetryPolicy,
        may: bool,
    ) -> Result<bool, String> {
        use super::policy_types::{Kind, check};
        let Some(task) = self.execs.get(&exec_id).and_then(|e| e.tasks.get(&task_id)) else {
            return Ok(false);
        };
        let retry_no = super::runtime::retry_no(&task.runtime_context);
        let count = self.policy(exec_id, task_id, &retry.count)?;
        let delay = self.policy(exec_id, task_id, &retry.delay)?;
        check(
            "RetryPolicy",
            &[
                ("delay", &delay, Kind::Count),
                ("count", &count, Kind::Count),
            ],
        )?;
        let count = seconds(&count, "retry count")? as u64;
        let mut delay = seconds(&delay, "retry delay")?;
        if count == 0 {
            return Ok(false);
        }
        let continue_on = match &retry.continue_on {
            Some(c) => Some(expr::truthy(&self.policy_outbound(exec_id, task_id, c)?)),
            None => None,
        };
        let break_on = match &retry.break_on {
            Some(b) => expr::truthy(&self.policy_outbound(exec_id, task_id, b)?),
            None => false,
        };
        if let Some(b) = &retry.backoff {
            let factor = seconds(&self.policy(exec_id, task_id, b)?, "retry backoff")?;
            delay *= factor.max(1.0).powi(retry_no.min(64) as i32);
        }
        if let Some(m) = &retry.max_delay {
            delay = delay.min(seconds(
                &self.policy(exec_id, task_id, m)?,
                "retry max-delay",
            )?);
        }
        let Some(task) = self.execs.get(&exec_id).and_then(|e| e.tasks.get(&task_id)) else {
            return Ok(false);
        };
        let state = task.state;
        if !may
            || !matches!(state, State::Success | State::Error)
            || super::runtime::interrupted(&task.runtime_context)
        {
            return Ok(false);
        }
        // Mistral takes the policy's context before deciding.
        self.with_rc(exec_id, task_id, super::runtime::init_retry);
        let stop = retry_no >= count
            || (state == State::Error && break_on)
            || (state == State::Success && continue_on.is_none())
            || continue_on == Some(false);
        if stop {
            return Ok(false);
        }
        self.with_rc(exec_id, task_id, |rc| {
            super::runtime::begin_retry(rc, retry_no + 1);
        });
        self.invalidate_result(exec_id, task_id);
        let info = format!("Delayed by 'retry' policy [delay={}]", fmt_secs(delay));
        self.set_task_state(exec_id, task_id, State::RunningDelayed, Some(info));
        self.set_timer(exec_id, task_id, TimerKind::Retry, delay);
        Ok(true)
    }

    /// Mistral's `invalidate_result` before a retry: the task's earlier
    /// action executions no longer count (`accepted: false`).
    fn invalidate_result(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        self.restore_actions(exec_id, task_id);
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let mut changed = Vec::new();
        for a in exec
            .actions
            .values_mut()
            .filter(|a| a.task_execution_id == Some(task_id) && a.accepted)
        {
            a.accepted = false;
            changed.push(a.id);
        }
        for id in changed {
            self.touch_action(exec_id, id, Write::Update);
        }
    }

    fn with_rc(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        f: impl FnOnce(&mut Value),
    ) {
        if let Some(t) = super::state::task_mut(&mut self.execs, exec_id, task_id) {
            f(&mut t.runtime_context);
        }
        self.touch_task(exec_id, task_id, Write::Update);
    }

    /// A timer fired: act if it is still the one recorded on the task.
    pub(crate) fn fire_timer(&mut self, timer: Timer) {
        let Some(exec) = self.execs.get(&timer.exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get(&timer.task_id) else {
            return;
        };
        let recorded = super::runtime::recorded_due(&task.runtime_context, timer.kind);
        if recorded != Some(timer.due.as_str()) {
            return;
        }
        crate::failpoint!("engine.timer.fire");
        // Mistral's scheduled jobs continue or complete the task whatever
        // the workflow's state: a delay that ends while the workflow is
        // paused, or after it ended, runs (or completes) the task then; its
        // transitions wait for resume, or fire nothing in an ended one.
        let wf_state = exec.rec.state;
        let (exec_id, task_id) = (timer.exec_id, timer.task_id);
        self.with_rc(exec_id, task_id, |rc| {
            super::runtime::clear_timer(rc, timer.kind)
        });
        match timer.kind {
            TimerKind::Timeout => self.time_out(exec_id, task_id),
            TimerKind::WaitBefore => self.owing(exec_id, |s| {
                s.set_task_state(exec_id, task_id, State::Running, None);
                s.run_now(exec_id, task_id);
            }),
            TimerKind::Retry => {
                if let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) {
                    task.result = Value::Null;
                    task.published = json!({});
                    task.processed = false;
                    task.finished_at = None;
                }
                self.owing(exec_id, |s| {
                    s.set_task_state(exec_id, task_id, State::Running, None);
                    s.run_now(exec_id, task_id);
                });
            }
            TimerKind::WaitAfter => {
                // The state and state_info the task had before the delay
                // come back.
                let (original, info) = self
                    .execs
                    .get(&exec_id)
                    .and_then(|e| e.tasks.get(&task_id))
                    .map(|t| super::runtime::after_wait(&t.runtime_context))
                    .unwrap_or((State::Success, None));
                self.set_task_state(exec_id, task_id, original, info);
                if let Some(exec) = self.execs.get_mut(&exec_id) {
                    exec.incomplete = exec.incomplete.saturating_sub(1);
                }
                if !self.after_complete(exec_id, task_id) {
                    match wf_state {
                        State::Running => self.process_task(exec_id, task_id),
                        // Its transitions wait for resume.
                        State::Paused => self.feed_joins_while_paused(exec_id, task_id),
                        _ => self.process_after_end(exec_id, task_id),
                    }
                }
                self.check_complete(exec_id);
            }
        }
    }

    /// The task's timeout fired: fail it if it still runs; its action
    /// executions end in ERROR, so their late results are dropped.
    pub(crate) fn time_out(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get(&task_id) else {
            return;
        };
        if task.state.is_completed() || task.state == State::RunningDelayed {
            return;
        }
        let secs = super::runtime::timeout(&task.runtime_context).unwrap_or(0.0);
        let msg = format!("Task timed out [timeout(s)={}].", fmt_secs(secs));
        let mut ended = Vec::new();
        for ae in exec.actions.values_mut() {
            if ae.task_execution_id == Some(task_id) && !ae.state.is_completed() {
                super::transition::end(&mut **ae, State::Error, &mut self.stats);
                ae.state_info = Some(msg.clone());
                ae.output = json!({ "result": msg });
                ae.updated_at = Some(now());
                ended.push(ae.id);
            }
        }
        exec.in_flight = exec.in_flight.saturating_sub(ended.len());
        exec.items.remove(&task_id);
        for aid in ended {
            self.owner.remove(&aid);
            self.touch_action(exec_id, aid, Write::Update);
        }
        // No accepted result: Mistral's task result is the empty list.
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.policy_completed.insert(task_id);
        }
        self.complete_task(exec_id, task_id, State::Error, json!([]), Some(msg));
    }
}

/// `build_*_policy`: a delay policy is built when its value is an
/// expression or positive.
fn built(v: &Option<Value>) -> Option<&Value> {
    v.as_ref()
        .filter(|v| v.is_string() || v.as_f64().is_some_and(|n| n > 0.0))
}

/// `build_*_policy`: pause-before, fail-on and concurrency are built when
/// their value is truthy.
fn truthy(v: &Option<Value>) -> Option<&Value> {
    v.as_ref().filter(|v| expr::truthy(v))
}

/// Seconds as Mistral prints them: `5`, or `0.5`.
fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}
