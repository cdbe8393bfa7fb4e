//! Starting a task's work: evaluating the action and its input, recording
//! IDLE action executions and sending `HandleTask`; and gathering action
//! results back into the task's result (`with-items` tasks: `items.rs`).

use serde_json::{Map, Value, json};

use super::EngineActor;
use super::flow::{seconds, text};
use super::lifecycle::{dispatch_of, placement};
use super::offload::{Deferral, Ready, Resume};
use super::state::Exec;
use super::window::Waiting;
use crate::domain::{ActionExecutionId, Attempt, ExecutionId, State, TaskExecutionId, now, pytext};
use crate::expr;
use crate::lang::TaskRun;
use crate::protocol::HandleTask;
use crate::store::{ActionExecutionRecord, TaskRecord, Write};

/// An evaluated action call (or, with `workflow`, a sub-workflow start).
pub(crate) struct Call {
    pub(super) action: String,
    pub(super) input: Map<String, Value>,
    timeout: Option<f64>,
    /// True when `action` names a workflow to start as a sub-workflow.
    pub(super) workflow: bool,
    /// The task's `safe-rerun`, evaluated against its inbound context.
    safe_rerun: bool,
    /// The task's `target`, evaluated: a worker group's name.
    target: Option<String>,
    /// For an ad-hoc action: the system action and input to dispatch.
    run: Option<(String, Map<String, Value>)>,
}

/// Why a task's action could not be started.
#[derive(Debug)]
pub(crate) enum StartError {
    /// An error of the workflow's own making (an expression that cannot be
    /// evaluated, an unknown action, input the action does not take): the
    /// task and its workflow fail at once (Mistral's `force_fail_task`).
    Structural(String),
    /// The action or sub-workflow could not be made (an ad-hoc action's
    /// expansion, a workflow that is not found): the task fails as if its
    /// action had, and its `on-error` runs.
    Action(String),
    /// The action cannot be built: its target or its name (action or
    /// sub-workflow) cannot be evaluated, or no action has that name. A
    /// task of one action fails as for `Structural`; a with-items task
    /// completes with ERROR and the reason (Mistral builds each item's
    /// action inside a handler that completes the task).
    Build(String),
}

/// How an action whose constructor raised is reported
/// ([`crate::actions::unbuildable`]).
pub(crate) const UNBUILDABLE: &str = "Failed to instantiate an action [";

impl From<String> for StartError {
    fn from(e: String) -> Self {
        StartError::Structural(e)
    }
}

impl From<&str> for StartError {
    fn from(e: &str) -> Self {
        StartError::Structural(e.to_string())
    }
}

impl EngineActor {
    /// Starts a RUNNING task's action(s), or fails the task with the reason.
    pub(crate) fn start_task(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let started = match self.has_items(exec_id, task_id) {
            Some(true) => self.start_items(exec_id, task_id),
            Some(false) => self.start_single(exec_id, task_id),
            None => return,
        };
        match started {
            Ok(()) => {}
            Err(StartError::Structural(e) | StartError::Build(e)) => {
                let msg = self.start_failure(exec_id, task_id, &e);
                if self.earlier_start_pending(exec_id, task_id) {
                    if let Some(exec) = self.execs.get_mut(&exec_id) {
                        exec.held_starts.push((task_id, msg));
                    }
                } else {
                    self.force_fail_task(exec_id, task_id, msg);
                }
            }
            Err(StartError::Action(e)) => {
                self.complete_task(exec_id, task_id, State::Error, json!([]), Some(e));
            }
        }
    }

    /// True while a task created before `task_id` waits for the evaluation
    /// of its start: an evaluation off the engine thread must not change
    /// which failure at start comes first.
    fn earlier_start_pending(&self, exec_id: ExecutionId, task_id: TaskExecutionId) -> bool {
        let Some(exec) = self.execs.get(&exec_id) else {
            return false;
        };
        let Some(pos) = exec.tasks.get_index_of(&task_id) else {
            return false;
        };
        exec.tasks
            .keys()
            .take(pos)
            .any(|id| self.offload.starting((exec_id, *id)))
    }

    /// Fails, in creation order, the held start failures ([`Exec::held_starts`])
    /// that no earlier start waits before any more.
    pub(crate) fn release_held_starts(&mut self, exec_id: ExecutionId) {
        loop {
            let Some(exec) = self.execs.get(&exec_id) else {
                return;
            };
            let first = exec
                .held_starts
                .iter()
                .enumerate()
                .min_by_key(|(_, (id, _))| exec.tasks.get_index_of(id))
                .map(|(i, (id, _))| (i, *id));
            let Some((i, task_id)) = first else {
                return;
            };
            if self.earlier_start_pending(exec_id, task_id) {
                return;
            }
            let Some(exec) = self.execs.get_mut(&exec_id) else {
                return;
            };
            let (_, msg) = exec.held_starts.remove(i);
            self.force_fail_task(exec_id, task_id, msg);
        }
    }

    fn has_items(&self, exec_id: ExecutionId, task_id: TaskExecutionId) -> Option<bool> {
        let exec = self.execs.get(&exec_id)?;
        let task = exec.tasks.get(&task_id)?;
        Some(!exec.spec.tasks.get(&task.name)?.with_items.is_empty())
    }

    fn start_single(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(), StartError> {
        let call = match self.deferrable((exec_id, task_id), |s, d| {
            let exec = s.execs.get(&exec_id).ok_or("execution gone")?;
            let task = exec.tasks.get(&task_id).ok_or("task gone")?;
            let branch = task.in_context.as_object().cloned().unwrap_or_default();
            s.action_call(d, exec, task, &branch)
        }) {
            Ready::Done(call) => call?,
            Ready::Deferred(req) => {
                self.defer(req, Resume::Start);
                return Ok(());
            }
        };
        if call.workflow {
            return self
                .start_subworkflow(exec_id, task_id, &call.action, call.input, None)
                .map_err(StartError::Action);
        }
        let msg = self
            .record_action(exec_id, task_id, call, None)
            .ok_or("task gone")?;
        self.send(msg);
        Ok(())
    }

    /// Evaluates a task's action call against `branch`, in Mistral's order
    /// (`RegularTask._schedule_actions`): the input, the target, the name
    /// (and the action it names), then the checks of the action and its
    /// input.
    pub(super) fn action_call(
        &self,
        d: &mut Deferral,
        exec: &Exec,
        task: &TaskRecord,
        branch: &Map<String, Value>,
    ) -> Result<Call, StartError> {
        let input = self.action_input(d, exec, task, branch)?;
        self.action_call_with(d, exec, task, branch, input)
    }

    /// Evaluates a task's action input against `branch` (Mistral's
    /// `_get_action_input`): the first part of a call evaluated, and for a
    /// with-items task evaluated for every item of a window before any of
    /// them is built.
    pub(super) fn action_input(
        &self,
        d: &mut Deferral,
        exec: &Exec,
        task: &TaskRecord,
        branch: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String> {
        let spec = exec.spec.tasks.get(&task.name).ok_or("task spec gone")?;
        match self.evaluate_for(d, exec, task, branch, &spec.input)? {
            Value::Object(m) => Ok(m),
            Value::Null => Ok(Map::new()),
            other => Err(format!(
                "Wrong dynamic input for task: {}. Dict type is expected. Actual type: <class '{}'>. Actual value: {}",
                task.name,
                pytext::type_name(&other),
                pytext::str(&other)
            )),
        }
    }

    /// The rest of a task's action call, its `input` evaluated: target,
    /// name, the env's action defaults, the ad-hoc expansion, the checks,
    /// the timeout.
    pub(super) fn action_call_with(
        &self,
        d: &mut Deferral,
        exec: &Exec,
        task: &TaskRecord,
        branch: &Map<String, Value>,
        mut input: Map<String, Value>,
    ) -> Result<Call, StartError> {
        let spec = exec.spec.tasks.get(&task.name).ok_or("task spec gone")?;
        let (action_expr, workflow) = match &spec.run {
            TaskRun::Action(a) => (a.clone(), false),
            TaskRun::Workflow(w) => (w.clone(), true),
        };
        // The target and the name are evaluated over the task's own
        // context: a with-items task's loop variables are not part of it
        // (as in Mistral).
        let empty = Map::new();
        let own = task.in_context.as_object().unwrap_or(&empty);
        let target = match &spec.target {
            None => None,
            Some(t) => match self
                .evaluate(exec, Some(task), own, t)
                .map_err(StartError::Build)?
            {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Value::Null => None,
                Value::String(_) => None,
                other => return Err(format!("Task target must be a string, got {other}").into()),
            },
        };
        let action = match self
            .evaluate_for(d, exec, task, own, &Value::String(action_expr))
            .map_err(StartError::Build)?
        {
            Value::String(s) => s,
            other => return Err(format!("Action name must be a string, got {other}").into()),
        };
        if let Some(Value::Object(defaults)) = exec
            .env()
            .get("__actions")
            .and_then(|a| a.get(&action))
            .filter(|_| !workflow)
        {
            for (k, v) in defaults {
                input.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let (action, input, run) = if workflow {
            (action, input, None)
        } else {
            self.adhoc_call(d, exec, task, action, input)?
        };
        if !workflow
            && run.is_none()
            && let Some(catalog) = &self.catalog
        {
            // Mistral checks the action and its input when it schedules
            // the action: nothing runs if either is wrong. An action that
            // is not found is one that cannot be built.
            catalog
                .validate(&action, &Value::Object(input.clone()))
                .map_err(|e| match e.strip_suffix(']') {
                    Some(head) if head.starts_with("Failed to find action [") => StartError::Build(
                        format!("{head}, namespace={}]", exec.rec.workflow_namespace),
                    ),
                    _ => StartError::Structural(e),
                })?;
            // Mistral builds the action there too: a constructor that
            // raises fails the task before any action execution.
            if let Err(e) = catalog.check(&action, &Value::Object(input.clone()))
                && e.starts_with(UNBUILDABLE)
            {
                return Err(StartError::Action(e));
            }
        }
        let timeout = match &spec.policies.timeout {
            Some(t) => Some(seconds(
                &self.evaluate_for(d, exec, task, branch, t)?,
                "timeout",
            )?),
            None => None,
        };
        let safe_rerun = self
            .evaluate_for(d, exec, task, own, &spec.safe_rerun)
            .is_ok_and(|v| expr::truthy(&v));
        Ok(Call {
            action,
            input,
            timeout,
            workflow,
            safe_rerun,
            target,
            run,
        })
    }

    /// Records an IDLE action execution (attempt 1) and returns its dispatch.
    pub(super) fn record_action(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        call: Call,
        item: Option<usize>,
    ) -> Option<HandleTask> {
        let exec = self.execs.get_mut(&exec_id)?;
        let task = exec.tasks.get_mut(&task_id)?;
        super::runtime::set_call(&mut task.runtime_context, call.safe_rerun, call.timeout);
        super::runtime::set_target(&mut task.runtime_context, call.target.as_deref());
        // Scheduling its action updates the task, as Mistral's does.
        let at = now();
        task.updated_at = Some(at);
        let ae = ActionExecutionRecord {
            id: ActionExecutionId::new(),
            name: call.action.clone(),
            task_execution_id: Some(task_id),
            execution_id: Some(exec_id),
            workflow_name: Some(exec.rec.workflow_name.clone()),
            workflow_namespace: Some(exec.rec.workflow_namespace.clone()),
            task_name: Some(task.name.clone()),
            description: String::new(),
            tags: Vec::new(),
            state: State::Idle,
            state_info: None,
            accepted: false,
            // Collected rather than cloned: a cloned map reserves room for
            // as many entries as its hash table could hold (three for one),
            // and the record keeps this copy while its item waits its turn.
            input: Value::Object(
                call.input
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            output: json!({}),
            params: json!({}),
            attempt: 1,
            item_index: item.map(|i| i as i32),
            project_id: exec.rec.project_id.clone(),
            created_at: at,
            updated_at: None,
        };
        let (action, input) = call.run.unwrap_or((call.action, call.input));
        let msg = HandleTask {
            action_execution_id: ae.id,
            task_execution_id: Some(task_id),
            execution_id: Some(exec_id),
            attempt: Attempt(1),
            action,
            input: Value::Object(input),
            timeout: call.timeout.map(std::time::Duration::from_secs_f64),
            workflow_name: ae.workflow_name.clone(),
            target: call.target,
            inline: false,
        };
        exec.in_flight += 1;
        self.owner.insert(ae.id, exec_id);
        if let Some(batch) = &mut self.batch_actions {
            batch.push(ae.id);
        }
        let aid = ae.id;
        exec.actions.insert(aid, ae.into());
        self.touch_action(exec_id, aid, Write::Insert);
        Some(msg)
    }

    /// Sends a dispatch to the pool, or, while the dispatch window is full,
    /// puts it in line (not while draining: it stays IDLE and is dispatched
    /// after the next start). A dispatch its record can make again waits
    /// as the record's id only.
    pub(crate) fn send(&mut self, msg: HandleTask) {
        if self.draining {
            return;
        }
        if self.window.open() {
            self.send_now(msg);
            return;
        }
        let waiting = match self.remakes(&msg) {
            Some(exec_id) => Waiting::Record(exec_id, msg.action_execution_id, msg.attempt.0),
            None => Waiting::Message(Box::new(msg)),
        };
        self.window.wait(waiting);
    }

    fn send_now(&mut self, msg: HandleTask) {
        self.window.sent(msg.action_execution_id);
        if crate::failpoints::eval("dispatch.duplicate")
            == Some(crate::failpoints::Action::Duplicate)
        {
            self.pool.do_send(msg.clone());
        }
        self.pool.do_send(msg);
    }

    /// The execution whose records make `msg` again ([`dispatch_of`]), if
    /// they do: the same action under the same attempt, timeout and target
    /// (an ad-hoc action is sent as another action, with another input).
    fn remakes(&self, msg: &HandleTask) -> Option<ExecutionId> {
        let exec_id = msg.execution_id?;
        let exec = self.execs.get(&exec_id)?;
        let ae = exec.actions.get(&msg.action_execution_id)?;
        let (timeout, target) = placement(exec, ae);
        let (project, namespace) = (&exec.rec.project_id, &exec.rec.workflow_namespace);
        (!msg.inline
            && ae.name == msg.action
            && ae.attempt == msg.attempt.0
            && timeout == msg.timeout
            && target == msg.target
            && self.adhoc.find(project, namespace, &ae.name).is_none())
        .then_some(exec_id)
    }

    /// The dispatch of `id` was taken (confirmed, refused or answered):
    /// its place in the window goes to the next in line.
    pub(crate) fn dispatch_taken(&mut self, id: &ActionExecutionId) {
        if self.window.taken(id) {
            self.send_waiting();
        }
    }

    /// Sends dispatches in line while the window has places. One is
    /// dropped whose action is no longer IDLE under the same attempt (it
    /// finished, or was sent again under a new attempt), or whose execution
    /// no longer runs and does not owe it the run.
    pub(crate) fn send_waiting(&mut self) {
        while !self.draining {
            let Some(waiting) = self.window.next() else {
                return;
            };
            let (exec_id, id, attempt) = match &waiting {
                Waiting::Record(e, id, attempt) => (Some(*e), *id, *attempt),
                Waiting::Message(m) => (m.execution_id, m.action_execution_id, m.attempt.0),
            };
            let Some(exec) = exec_id.and_then(|e| self.execs.get(&e)) else {
                continue;
            };
            // An execution that stopped runs only what it owes; a paused
            // one sends its IDLE actions again when it resumes.
            if exec.rec.state != State::Running && !exec.owed.contains(&id) {
                continue;
            }
            let Some(ae) = exec
                .actions
                .get(&id)
                .filter(|ae| ae.state == State::Idle && ae.attempt == attempt)
            else {
                continue;
            };
            let msg = match waiting {
                Waiting::Record(..) => dispatch_of(exec, ae),
                Waiting::Message(m) => *m,
            };
            self.send_now(msg);
        }
    }

    /// An action of a task finished with `state` and `value`.
    pub(crate) fn on_action_complete(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        item: Option<i32>,
        state: State,
        value: Value,
    ) {
        match item {
            Some(i) => self.item_done(exec_id, task_id, i as usize, state, value, None),
            None => {
                let info = (state == State::Error).then(|| text(&value));
                let value = self.join_result(exec_id, task_id, value);
                self.complete_task(exec_id, task_id, state, value, info);
            }
        }
    }

    /// A join that ran again keeps its earlier action executions accepted,
    /// so its result is the list of all their results, oldest first
    /// (Mistral's `get_task_execution_result`).
    fn join_result(&self, exec_id: ExecutionId, task_id: TaskExecutionId, value: Value) -> Value {
        let Some(exec) = self.execs.get(&exec_id) else {
            return value;
        };
        let is_join = exec
            .tasks
            .get(&task_id)
            .and_then(|t| exec.spec.tasks.get(&t.name))
            .is_some_and(|s| s.join.is_some());
        if !is_join {
            return value;
        }
        let mut runs: Vec<_> = exec
            .actions
            .values()
            .filter(|a| a.task_execution_id == Some(task_id))
            .filter(|a| a.accepted && a.state.is_completed())
            .collect();
        if runs.len() < 2 {
            return value;
        }
        runs.sort_by_key(|a| a.created_at);
        Value::Array(
            runs.iter()
                .map(|a| a.output.get("result").cloned().unwrap_or(Value::Null))
                .collect(),
        )
    }
}
