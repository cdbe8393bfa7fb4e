//! Starting a task's work: evaluating the action and its input (once, or per
//! item for `with-items`, within `concurrency`), recording IDLE action
//! executions and sending `HandleTask`; and gathering action results back
//! into the task's result.

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use super::EngineActor;
use super::flow::{seconds, text};
use super::offload::{Ready, Resume};
use super::state::Exec;
use crate::domain::{ActionExecutionId, Attempt, ExecutionId, State, TaskExecutionId, now, pytext};
use crate::expr;
use crate::lang::TaskRun;
use crate::protocol::HandleTask;
use crate::store::{ActionExecutionRecord, TaskRecord, Write};

/// An evaluated action call (or, with `workflow`, a sub-workflow start).
pub(crate) struct Call {
    action: String,
    input: Map<String, Value>,
    timeout: Option<f64>,
    /// True when `action` names a workflow to start as a sub-workflow.
    workflow: bool,
    /// The task's `safe-rerun`, evaluated against its inbound context.
    safe_rerun: bool,
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
    /// Input the action does not take: the task fails with the reason and
    /// its workflow at once with Mistral's "Failed to run task" text.
    Input(String),
}

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

/// The progress of a `with-items` task.
#[derive(Debug, Default)]
pub(crate) struct Items {
    /// Items not yet started: index and branch context (loop variables
    /// overlaid by the inbound context, as Mistral merges them).
    pending: VecDeque<(usize, Map<String, Value>)>,
    results: Vec<Value>,
    states: Vec<State>,
    done: usize,
    running: usize,
    /// Items allowed in flight at once (0: all).
    concurrency: usize,
}

/// The context of item `i`: its loop variables, overlaid by the task's
/// inbound context (as Mistral merges them); `None` past a list's end.
fn item_context(
    lists: &[(String, Vec<Value>)],
    i: usize,
    branch: &Map<String, Value>,
) -> Option<Map<String, Value>> {
    let mut ctx = Map::new();
    for (var, list) in lists {
        ctx.insert(var.clone(), list.get(i)?.clone());
    }
    for (k, v) in branch {
        ctx.insert(k.clone(), v.clone());
    }
    Some(ctx)
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
            Err(StartError::Structural(e)) => {
                let msg = self.start_failure(exec_id, task_id, &e);
                self.force_fail_task(exec_id, task_id, msg);
            }
            Err(StartError::Action(e)) => {
                self.complete_task(exec_id, task_id, State::Error, json!([]), Some(e));
            }
            Err(StartError::Input(e)) => self.fail_on_input(exec_id, task_id, e),
        }
    }

    /// Input refused before the action was made: the task keeps the reason,
    /// the workflow fails with it.
    fn fail_on_input(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, e: String) {
        let msg = self.start_failure(exec_id, task_id, &e);
        self.force_fail_task(exec_id, task_id, msg);
        if let Some(task) = self
            .execs
            .get_mut(&exec_id)
            .and_then(|x| x.tasks.get_mut(&task_id))
        {
            task.state_info = Some(e);
            self.touch_task(exec_id, task_id, Write::Update);
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
        let call = match self.deferrable((exec_id, task_id), |s| {
            let exec = s.execs.get(&exec_id).ok_or("execution gone")?;
            let task = exec.tasks.get(&task_id).ok_or("task gone")?;
            let branch = task.in_context.as_object().cloned().unwrap_or_default();
            s.action_call(exec, task, &branch)
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

    /// Evaluates the `with-items` lists, zips them, and starts the first
    /// items within the concurrency limit.
    fn start_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(), StartError> {
        Ok(self.start_some_items(exec_id, task_id, None)?)
    }

    /// Re-runs only the `failed` items of a with-items task, keeping the
    /// `previous` results of the others (a rerun with `reset: false`).
    pub(crate) fn rerun_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        previous: Value,
        failed: Vec<usize>,
    ) {
        let previous = match previous {
            Value::Array(v) => v,
            _ => Vec::new(),
        };
        if let Err(e) = self.start_some_items(exec_id, task_id, Some((failed, previous))) {
            let msg = self.start_failure(exec_id, task_id, &e);
            self.force_fail_task(exec_id, task_id, msg);
        }
    }

    /// Evaluates the lists, zips them, and starts the chosen items (all, or
    /// only some with the others' results kept) within the concurrency limit.
    fn start_some_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        only: Option<(Vec<usize>, Vec<Value>)>,
    ) -> Result<(), String> {
        let (lists, concurrency) =
            match self.deferrable((exec_id, task_id), |s| s.items_lists(exec_id, task_id)) {
                Ready::Done(r) => r?,
                Ready::Deferred(req) => {
                    let resume = match only {
                        Some((failed, previous)) => Resume::Rerun {
                            previous: Value::Array(previous),
                            failed,
                        },
                        None => Resume::Start,
                    };
                    self.defer(req, resume);
                    return Ok(());
                }
            };
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let task = exec.tasks.get(&task_id).ok_or("task gone")?;
        let branch = task.in_context.as_object().cloned().unwrap_or_default();
        let count = lists.first().map_or(0, |(_, l)| l.len());
        if count == 0 {
            let name = task.name.clone();
            log::debug!("ex={exec_id} task={name} with-items over nothing");
            self.with_items_context(exec_id, task_id, 0, concurrency);
            self.complete_task(exec_id, task_id, State::Success, json!([]), None);
            return Ok(());
        }
        let (chosen, previous): (Vec<usize>, Vec<Value>) = match only {
            Some((failed, previous)) => (
                failed.into_iter().filter(|i| *i < count).collect(),
                previous,
            ),
            None => ((0..count).collect(), Vec::new()),
        };
        let mut results = vec![Value::Null; count];
        let mut states = vec![State::Success; count];
        for (i, v) in previous.into_iter().enumerate().take(count) {
            results[i] = v;
        }
        for i in &chosen {
            states[*i] = State::Idle;
        }
        if chosen.is_empty() {
            self.complete_task(
                exec_id,
                task_id,
                State::Success,
                Value::Array(results),
                None,
            );
            return Ok(());
        }
        let pending = chosen
            .iter()
            .filter_map(|&i| Some((i, item_context(&lists, i, &branch)?)))
            .collect();
        let items = Items {
            pending,
            results,
            states,
            done: count - chosen.len(),
            concurrency,
            ..Items::default()
        };
        self.with_items_context(exec_id, task_id, count, concurrency);
        let exec = self.execs.get_mut(&exec_id).ok_or("execution gone")?;
        exec.items.insert(task_id, items);
        self.touch_task(exec_id, task_id, Write::Update);
        self.start_more_items(exec_id, task_id)
    }

    /// Records a with-items task's shape in its runtime context: Mistral's
    /// `with_items: {capacity, count}` (capacity null without concurrency)
    /// and, for restarts, the concurrency.
    fn with_items_context(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        count: usize,
        concurrency: usize,
    ) {
        if let Some(Value::Object(rc)) = self
            .execs
            .get_mut(&exec_id)
            .and_then(|e| e.tasks.get_mut(&task_id))
            .map(|t| &mut t.runtime_context)
        {
            let capacity = if concurrency > 0 {
                json!(concurrency)
            } else {
                Value::Null
            };
            rc.insert(
                "with_items".into(),
                json!({ "capacity": capacity, "count": count, "concurrency": concurrency }),
            );
        }
    }

    /// Evaluates a with-items task's lists (checked: lists, equal lengths,
    /// within `max_with_items`) and its `concurrency`.
    #[allow(clippy::type_complexity)]
    fn items_lists(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(Vec<(String, Vec<Value>)>, usize), String> {
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let task = exec.tasks.get(&task_id).ok_or("task gone")?;
        let spec = exec.spec.tasks.get(&task.name).ok_or("task spec gone")?;
        let branch = task.in_context.as_object().cloned().unwrap_or_default();
        // Mistral's `_get_with_items_values`: every value evaluated first;
        // any iterable is taken (a string by its characters, a mapping by
        // its keys); the lists must have one length.
        let mut values = Map::new();
        for wi in &spec.with_items {
            let v = self.evaluate(exec, Some(task), &branch, &wi.source)?;
            values.insert(wi.var.clone(), v);
        }
        let mut lists: Vec<(String, Vec<Value>)> = Vec::new();
        for (var, v) in &values {
            let items = match v {
                Value::Array(items) => items.clone(),
                Value::String(text) => text.chars().map(|c| Value::String(c.into())).collect(),
                Value::Object(m) => m.keys().map(|k| Value::String(k.clone())).collect(),
                _ => {
                    let so_far: Map<String, Value> = lists
                        .iter()
                        .map(|(k, l)| (k.clone(), Value::Array(l.clone())))
                        .collect();
                    return Err(format!(
                        "Wrong input format for: {}. Iterable type is expected for each value.",
                        pytext::repr(&Value::Object(so_far))
                    ));
                }
            };
            let count = lists.first().map_or(items.len(), |(_, l)| l.len());
            if items.len() != count {
                return Err(format!(
                    "Wrong input format for: {}. All arrays must have the same length.",
                    pytext::repr(&Value::Object(values.clone()))
                ));
            }
            lists.push((var.clone(), items));
        }
        let count = lists.first().map_or(0, |(_, l)| l.len());
        if count > self.limits.max_with_items {
            return Err(format!(
                "with-items of task '{}' has {count} items, more than the limit of {} (max_with_items)",
                task.name, self.limits.max_with_items
            ));
        }
        let concurrency = match &spec.policies.concurrency {
            Some(c) => {
                seconds(&self.evaluate(exec, Some(task), &branch, c)?, "concurrency")? as usize
            }
            None => 0,
        };
        Ok((lists, concurrency))
    }

    /// Starts pending items while capacity allows.
    pub(crate) fn start_more_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(), String> {
        loop {
            let exec = self.execs.get_mut(&exec_id).ok_or("execution gone")?;
            let Some(items) = exec.items.get_mut(&task_id) else {
                return Ok(());
            };
            if items.concurrency > 0 && items.running >= items.concurrency {
                return Ok(());
            }
            if items.pending.is_empty() || self.offload.busy((exec_id, task_id)) {
                // An item's evaluation is in the pool: its return goes on.
                return Ok(());
            }
            let call = self.deferrable((exec_id, task_id), |s| {
                let exec = s.execs.get(&exec_id).ok_or("execution gone")?;
                let task = exec.tasks.get(&task_id).ok_or("task gone")?;
                let items = exec.items.get(&task_id).ok_or("items gone")?;
                let (_, ctx) = items.pending.front().ok_or("no item")?;
                s.action_call(exec, task, ctx)
            });
            let call = match call {
                Ready::Done(call) => call,
                Ready::Deferred(req) => {
                    self.defer(req, Resume::MoreItems);
                    return Ok(());
                }
            };
            let exec = self.execs.get_mut(&exec_id).ok_or("execution gone")?;
            let Some(items) = exec.items.get_mut(&task_id) else {
                return Ok(());
            };
            let Some((i, _)) = items.pending.pop_front() else {
                return Ok(());
            };
            items.running += 1;
            match call {
                Ok(call) if call.workflow => {
                    let item = Some(i as i32);
                    if let Err(e) =
                        self.start_subworkflow(exec_id, task_id, &call.action, call.input, item)
                    {
                        self.item_done(exec_id, task_id, i, State::Error, Value::String(e));
                        return Ok(());
                    }
                }
                Ok(call) => {
                    if let Some(msg) = self.record_action(exec_id, task_id, call, Some(i)) {
                        self.send(msg);
                    }
                }
                Err(StartError::Structural(e)) => {
                    // An item whose action or input cannot be evaluated
                    // fails the task and its workflow (Mistral evaluates
                    // every item's input before it starts any).
                    let msg = self.start_failure(exec_id, task_id, &e);
                    self.force_fail_task(exec_id, task_id, msg);
                    return Ok(());
                }
                Err(StartError::Action(e)) => {
                    // The action cannot be made (an ad-hoc action's
                    // expansion): the whole task fails with the reason, as
                    // Mistral's with-items task does when scheduling fails.
                    if let Some(exec) = self.execs.get_mut(&exec_id) {
                        exec.items.remove(&task_id);
                    }
                    self.complete_task(exec_id, task_id, State::Error, json!([]), Some(e));
                    return Ok(());
                }
                Err(StartError::Input(e)) => {
                    self.fail_on_input(exec_id, task_id, e);
                    return Ok(());
                }
            }
        }
    }

    /// Evaluates the action name and input of a task against `branch`.
    fn action_call(
        &self,
        exec: &Exec,
        task: &TaskRecord,
        branch: &Map<String, Value>,
    ) -> Result<Call, StartError> {
        let spec = exec.spec.tasks.get(&task.name).ok_or("task spec gone")?;
        let (action_expr, workflow) = match &spec.run {
            TaskRun::Action(a) => (a.clone(), false),
            TaskRun::Workflow(w) => (w.clone(), true),
        };
        let action = match self.evaluate(exec, Some(task), branch, &Value::String(action_expr))? {
            Value::String(s) => s,
            other => return Err(format!("Action name must be a string, got {other}").into()),
        };
        let mut input = match self.evaluate(exec, Some(task), branch, &spec.input)? {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(format!(
                    "Wrong dynamic input for task '{}': Dict type is expected, got {other}",
                    task.name
                )
                .into());
            }
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
            self.adhoc_call(exec, task, action, input)?
        };
        if !workflow
            && run.is_none()
            && let Some(catalog) = &self.catalog
        {
            // Mistral checks the action and its input when it schedules
            // the action: nothing runs if either is wrong.
            catalog
                .validate(&action, &Value::Object(input.clone()))
                .map_err(|e| match e.strip_suffix(']') {
                    Some(head) if head.starts_with("Failed to find action [") => {
                        format!("{head}, namespace={}]", exec.rec.workflow_namespace)
                    }
                    _ => e,
                })?;
        }
        let timeout = match &spec.policies.timeout {
            Some(t) => Some(seconds(
                &self.evaluate(exec, Some(task), branch, t)?,
                "timeout",
            )?),
            None => None,
        };
        let empty = Map::new();
        let own = task.in_context.as_object().unwrap_or(&empty);
        let safe_rerun = self
            .evaluate(exec, Some(task), own, &spec.safe_rerun)
            .is_ok_and(|v| expr::truthy(&v));
        Ok(Call {
            action,
            input,
            timeout,
            workflow,
            safe_rerun,
            run,
        })
    }

    /// Records an IDLE action execution (attempt 1) and returns its dispatch.
    fn record_action(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        call: Call,
        item: Option<usize>,
    ) -> Option<HandleTask> {
        let exec = self.execs.get_mut(&exec_id)?;
        let task = exec.tasks.get_mut(&task_id)?;
        if let Value::Object(rc) = &mut task.runtime_context {
            rc.insert("safe_rerun".into(), Value::Bool(call.safe_rerun));
            if let Some(t) = call.timeout {
                rc.insert("timeout".into(), json!(t));
            }
        }
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
            input: Value::Object(call.input.clone()),
            output: json!({}),
            params: json!({}),
            attempt: 1,
            item_index: item.map(|i| i as i32),
            project_id: exec.rec.project_id.clone(),
            created_at: now(),
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
        };
        exec.in_flight += 1;
        self.owner.insert(ae.id, exec_id);
        if let Some(batch) = &mut self.batch_actions {
            batch.push(ae.id);
        }
        let aid = ae.id;
        exec.actions.insert(aid, ae);
        self.touch_action(exec_id, aid, Write::Insert);
        Some(msg)
    }

    /// Sends a dispatch to the pool (not while draining: it stays IDLE and is
    /// dispatched after the next start).
    pub(crate) fn send(&mut self, msg: HandleTask) {
        if self.draining {
            return;
        }
        if crate::failpoints::eval("dispatch.duplicate")
            == Some(crate::failpoints::Action::Duplicate)
        {
            self.pool.do_send(msg.clone());
        }
        self.pool.do_send(msg);
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
            Some(i) => self.item_done(exec_id, task_id, i as usize, state, value),
            None => {
                let info = (state == State::Error).then(|| text(&value));
                self.complete_task(exec_id, task_id, state, value, info);
            }
        }
    }

    /// One item of a `with-items` task finished; the task completes with
    /// all of them, in item order.
    pub(crate) fn item_done(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        i: usize,
        state: State,
        value: Value,
    ) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(items) = exec.items.get_mut(&task_id) else {
            return;
        };
        if i >= items.results.len() || items.states[i].is_completed() {
            return;
        }
        items.results[i] = value;
        items.states[i] = state;
        items.done += 1;
        items.running = items.running.saturating_sub(1);
        if items.done < items.results.len() {
            if exec.rec.state == State::Running
                && let Err(e) = self.start_more_items(exec_id, task_id)
            {
                log::warn!(
                    "ex={exec_id} task={task_id} cannot start more items: {}",
                    self.mask(exec_id, e)
                );
            }
            return;
        }
        self.finish_items(exec_id, task_id);
    }

    /// Completes a with-items task whose items are all done, in item order.
    fn finish_items(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(items) = self
            .execs
            .get_mut(&exec_id)
            .and_then(|e| e.items.remove(&task_id))
        else {
            return;
        };
        let (state, info) = if items.states.contains(&State::Cancelled) {
            (
                State::Cancelled,
                Some("One or more actions was cancelled.".to_string()),
            )
        } else if items.states.contains(&State::Error) {
            (
                State::Error,
                Some("One or more actions had failed.".to_string()),
            )
        } else {
            (State::Success, None)
        };
        self.complete_task(exec_id, task_id, state, Value::Array(items.results), info);
    }

    /// Rebuilds the progress of the RUNNING with-items tasks of a recovered
    /// execution from their stored action executions (the latest of each
    /// item): finished items keep their results, unfinished ones count as
    /// running (recovery deals with their actions), items never dispatched
    /// are pending again, with the lists evaluated anew; then starts what
    /// the concurrency allows, or completes a task whose items all finished.
    /// A task that iterates a sub-workflow is left to the integrity checker
    /// (its finished children are not in memory).
    pub(crate) fn restore_items(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let tasks: Vec<TaskExecutionId> = exec
            .tasks
            .values()
            .filter(|t| t.state == State::Running && !exec.items.contains_key(&t.id))
            .filter(|t| {
                exec.spec.tasks.get(&t.name).is_some_and(|s| {
                    !s.with_items.is_empty() && matches!(s.run, TaskRun::Action(_))
                })
            })
            .map(|t| t.id)
            .collect();
        for task_id in tasks {
            let Some(items) = self.stored_items(exec_id, task_id) else {
                continue;
            };
            let (done, count) = (items.done, items.results.len());
            if let Some(exec) = self.execs.get_mut(&exec_id) {
                exec.items.insert(task_id, items);
            }
            log::info!(
                "ex={exec_id} task={task_id} with-items restored: {done} of {count} items done"
            );
            if done == count {
                self.finish_items(exec_id, task_id);
            }
        }
    }

    /// Starts the pending items of restored with-items tasks (after their
    /// in-flight actions were recovered).
    pub(crate) fn continue_items(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let ids: Vec<TaskExecutionId> = exec.items.keys().copied().collect();
        for task_id in ids {
            if let Err(e) = self.start_more_items(exec_id, task_id) {
                log::warn!(
                    "ex={exec_id} task={task_id} cannot start more items: {}",
                    self.mask(exec_id, e)
                );
            }
        }
    }

    fn stored_items(&self, exec_id: ExecutionId, task_id: TaskExecutionId) -> Option<Items> {
        let exec = self.execs.get(&exec_id)?;
        let task = exec.tasks.get(&task_id)?;
        let shape = task.runtime_context.get("with_items")?;
        let count = shape.get("count")?.as_u64()? as usize;
        let concurrency = shape
            .get("concurrency")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let mut latest: Vec<Option<&ActionExecutionRecord>> = vec![None; count];
        for a in exec.actions.values() {
            if a.task_execution_id != Some(task_id) {
                continue;
            }
            let Some(slot) = a.item_index.and_then(|i| latest.get_mut(i as usize)) else {
                continue;
            };
            if slot.is_none_or(|b| (a.created_at, a.attempt) > (b.created_at, b.attempt)) {
                *slot = Some(a);
            }
        }
        let mut items = Items {
            results: vec![Value::Null; count],
            states: vec![State::Idle; count],
            concurrency,
            ..Items::default()
        };
        let mut never = Vec::new();
        for (i, a) in latest.iter().enumerate() {
            match a {
                Some(a) if a.state.is_completed() => {
                    items.results[i] = a.output.get("result").cloned().unwrap_or(Value::Null);
                    items.states[i] = a.state;
                    items.done += 1;
                }
                Some(_) => items.running += 1,
                None => never.push(i),
            }
        }
        if !never.is_empty() {
            let branch = task.in_context.as_object().cloned().unwrap_or_default();
            let (lists, _) = self.items_lists(exec_id, task_id).ok()?;
            for i in never {
                items
                    .pending
                    .push_back((i, item_context(&lists, i, &branch)?));
            }
        }
        Some(items)
    }
}
