//! Execution lifecycle: success, failure and cancellation with Mistral's
//! output rules, pause and resume (with the command backlog and the
//! re-dispatch of actions refused while paused).

use serde_json::{Map, Value, json};

use super::EngineActor;
use super::state::Exec;
use crate::domain::{ActionExecutionId, Attempt, ExecutionId, State, TaskExecutionId, now, pytext};
use crate::expr;
use crate::protocol::HandleTask;
use crate::store::{ActionExecutionRecord, TaskRecord, Write};

/// What ends an execution, for the text of an `output` that fails.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Nothing left to run (Mistral's `check_and_complete`).
    Checked,
    /// An engine command fired by this task.
    Command(TaskExecutionId),
    /// Anything else (the API).
    Plain,
}

impl EngineActor {
    /// Ends an execution in `state` (SUCCESS, ERROR or CANCELLED).
    pub(crate) fn stop(&mut self, exec_id: ExecutionId, state: State, msg: Option<String>) {
        self.stop_as(exec_id, state, msg, Ending::Plain);
    }

    /// `PUT /v2/executions/{id}` with state SUCCESS: an `output` that
    /// cannot be evaluated over the final context refuses the request with
    /// the evaluation's text and leaves the execution as it was (Mistral's
    /// `_succeed_workflow` evaluates the output before it sets the state,
    /// and the `EvaluationException` reaches the API as a 400).
    pub(crate) fn succeed_by_request(
        &mut self,
        exec_id: ExecutionId,
        msg: Option<String>,
    ) -> Result<(), String> {
        if let Some(exec) = self.execs.get(&exec_id)
            && !exec.rec.state.is_terminal()
        {
            self.output(exec, exec.spec.output.as_ref(), &final_context(exec))?;
        }
        self.stop(exec_id, State::Success, msg);
        Ok(())
    }

    /// Ends an execution by the engine command `succeed` (or `fail`) that
    /// `task` fired: an `output` that cannot be evaluated fails that task
    /// and the workflow with `Failed to handle action completion [error=…,
    /// wf=…, task=…, action=…]`, as Mistral's action completion does.
    pub(crate) fn stop_by_command(
        &mut self,
        exec_id: ExecutionId,
        task: Option<TaskExecutionId>,
        state: State,
        msg: Option<String>,
    ) {
        // A sibling's action dispatched before the command and confirmed
        // after it still runs (its transitions do not).
        self.owe_dispatched(exec_id);
        let ending = task.map_or(Ending::Plain, Ending::Command);
        self.stop_as(exec_id, state, msg, ending);
    }

    /// What was already dispatched runs to its end, as Mistral's executor
    /// runs what was scheduled before the workflow stopped: the IDLE
    /// actions of a running execution are owed their confirmation after
    /// a command or a task's failure ends it.
    pub(crate) fn owe_dispatched(&mut self, exec_id: ExecutionId) {
        let owner = &self.owner;
        if let Some(exec) = self.execs.get_mut(&exec_id)
            && exec.rec.state == State::Running
        {
            let waiting: Vec<_> = exec
                .actions
                .values()
                .filter(|a| a.state == State::Idle && owner.get(&a.id) == Some(&exec_id))
                .map(|a| a.id)
                .collect();
            exec.owed.extend(waiting);
        }
    }

    /// Ends an execution that has nothing left to run (Mistral's
    /// `check_and_complete`): an `output` that cannot be evaluated fails it
    /// with `Failed to check and complete [wf_ex_id=…, wf_name=…]: …`
    /// (Mistral appends a Python traceback, bora does not), and then its
    /// `output-on-error` is evaluated as for any failure.
    pub(crate) fn complete_execution(
        &mut self,
        exec_id: ExecutionId,
        state: State,
        msg: Option<String>,
    ) {
        // A with-items task that failed while building a later item's
        // action had sent the earlier ones: they still run (Mistral's
        // executor runs what was scheduled) and their results join the task's.
        if state == State::Error {
            self.owe_dispatched(exec_id);
        }
        self.stop_as(exec_id, state, msg, Ending::Checked);
    }

    fn stop_as(&mut self, exec_id: ExecutionId, state: State, msg: Option<String>, ending: Ending) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        if exec.rec.state.is_terminal() {
            return;
        }
        let final_ctx = final_context(exec);
        let (state, msg, output) = match state {
            State::Success => match self.output(exec, exec.spec.output.as_ref(), &final_ctx) {
                Ok(out) => (State::Success, msg, out),
                Err(e) if ending == Ending::Checked => {
                    let msg = format!(
                        "Failed to check and complete [wf_ex_id={exec_id}, wf_name={}]: {e}",
                        exec.rec.workflow_name
                    );
                    let (msg, out) = self.error_output(exec, &final_ctx, Some(msg));
                    (State::Error, msg, out)
                }
                Err(e) => {
                    if let Ending::Command(task_id) = ending {
                        let msg = self.completion_failure(exec_id, task_id, &e);
                        return self.force_fail_task(exec_id, task_id, msg);
                    }
                    let out = json!({ "result": e });
                    (State::Error, Some(e), out)
                }
            },
            State::Error => {
                let (msg, out) = self.error_output(exec, &final_ctx, msg);
                (State::Error, msg, out)
            }
            _ => {
                let out = json!({ "result": msg.clone() });
                (State::Cancelled, msg, out)
            }
        };
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        super::transition::end(&mut exec.rec, state, &mut self.stats);
        exec.rec.state_info = msg;
        exec.rec.output = output;
        exec.rec.updated_at = Some(now());
        exec.backlog.clear();
        self.stats.executions_finished.add(state);
        let name = exec.rec.workflow_name.clone();
        match exec
            .rec
            .state_info
            .clone()
            .filter(|_| state != State::Success)
        {
            Some(info) => log::info!(
                "ex={exec_id} wf={name} finished {state}: {}",
                one_line(&self.mask(exec_id, info))
            ),
            None => log::info!("ex={exec_id} wf={name} finished {state}"),
        }
        self.touch_exec(exec_id, Write::Update);
        if state == State::Cancelled {
            let msg = self
                .execs
                .get(&exec_id)
                .and_then(|e| e.rec.state_info.clone());
            self.cancel_remaining(exec_id);
            // A cancel asked for (`stop_workflow`) reaches the running
            // sub-workflows; a workflow ending CANCELLED by itself
            // (`check_and_complete` over a cancelled task: a with-items
            // task with one cancelled item) leaves them running.
            if ending != Ending::Checked {
                for child in self.children(exec_id) {
                    self.stop(child, State::Cancelled, msg.clone());
                }
            }
        }
        self.subworkflow_done(exec_id);
    }

    /// Cancels what a cancelled execution had not started yet. As in
    /// Mistral (`Workflow._cancel_workflow` only sets the execution's state
    /// and output), a task whose action or sub-workflow is running is left
    /// alone: a late result is still recorded, but starts nothing. So is a
    /// task waiting out a delay: its timer runs it, as Mistral's scheduled
    /// job does.
    fn cancel_remaining(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let busy: std::collections::HashSet<_> = exec
            .actions
            .values()
            .filter(|a| a.state == State::Running)
            .filter_map(|a| a.task_execution_id)
            .collect();
        let children: std::collections::HashSet<_> = self
            .execs
            .values()
            .filter(|e| {
                e.parent.is_some_and(|p| p.exec_id == exec_id) && !e.rec.state.is_terminal()
            })
            .map(|e| e.parent.map(|p| p.task_id))
            .collect();
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let t = now();
        let mut tasks = Vec::new();
        for task in exec.tasks.values_mut().filter(|t| {
            !t.state.is_completed()
                && !busy.contains(&t.id)
                && !children.contains(&Some(t.id))
                && !super::runtime::has_delay(&t.runtime_context)
        }) {
            super::transition::end(task, State::Cancelled, &mut self.stats);
            task.finished_at = Some(t);
            task.updated_at = Some(t);
            tasks.push(task.id);
        }
        exec.incomplete = exec.incomplete.saturating_sub(tasks.len());
        let mut actions = Vec::new();
        for ae in exec.actions.values_mut().filter(|a| {
            !a.state.is_completed() && a.task_execution_id.is_none_or(|t| tasks.contains(&t))
        }) {
            super::transition::end(&mut **ae, State::Cancelled, &mut self.stats);
            ae.updated_at = Some(t);
            actions.push(ae.id);
        }
        exec.in_flight = exec.in_flight.saturating_sub(actions.len());
        for id in tasks {
            self.touch_task(exec_id, id, Write::Update);
        }
        for id in actions {
            self.owner.remove(&id);
            self.touch_action(exec_id, id, Write::Update);
        }
    }

    /// The message and output of a failed execution: `{result: msg}` and
    /// what `output-on-error` gives. When that cannot be evaluated the
    /// message becomes Mistral's `Failed to evaluate expression in
    /// output-on-error! (output-on-error: '…', exception: '…' Cause: '…'`.
    fn error_output(
        &self,
        exec: &Exec,
        final_ctx: &Map<String, Value>,
        msg: Option<String>,
    ) -> (Option<String>, Value) {
        let spec = exec.spec.output_on_error.as_ref();
        let (msg, extra) = match self.output(exec, spec, final_ctx) {
            Ok(v) => (msg, v),
            Err(e) => {
                let shown = spec.map_or_else(|| "None".to_string(), pytext::str);
                let cause = msg.as_deref().unwrap_or("None");
                let msg = format!(
                    "Failed to evaluate expression in output-on-error! (output-on-error: '{shown}', exception: '{e}' Cause: '{cause}'"
                );
                log::warn!("ex={} {}", exec.rec.id, self.mask(exec.rec.id, msg.clone()));
                (Some(msg), Value::Object(Map::new()))
            }
        };
        let mut out = Map::new();
        out.insert(
            "result".into(),
            msg.clone().map_or(Value::Null, Value::String),
        );
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                out.insert(k, v);
            }
        }
        (msg, Value::Object(out))
    }

    /// Evaluates `output` (or `output-on-error`): absent or falsy gives the
    /// whole final context, as Mistral does.
    fn output(
        &self,
        exec: &Exec,
        spec: Option<&Value>,
        final_ctx: &Map<String, Value>,
    ) -> Result<Value, String> {
        let out = match spec {
            Some(v) => self.evaluate(exec, None, final_ctx, v)?,
            None => Value::Null,
        };
        Ok(if expr::truthy(&out) {
            out
        } else {
            Value::Object(super::versions::strip(final_ctx.clone()))
        })
    }

    /// Pauses a running execution; running actions go on, nothing new starts.
    pub(crate) fn pause(&mut self, exec_id: ExecutionId, msg: Option<String>) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        if exec.rec.state != State::Running {
            return;
        }
        super::transition::advance(&mut exec.rec, State::Paused, &mut self.stats);
        exec.rec.state_info = msg;
        exec.rec.updated_at = Some(now());
        self.touch_exec(exec_id, Write::Update);
        for child in self.children(exec_id) {
            self.pause(child, None);
        }
        // `task_handler._on_action_update`: the parent pauses too.
        if let Some(parent) = self.mirror_in_parent_task(exec_id, State::Running, State::Paused) {
            self.pause(parent, None);
        }
    }

    /// Resumes a paused execution: dispatches again what was refused while
    /// paused, processes tasks that completed meanwhile, runs the backlog.
    pub(crate) fn resume(&mut self, exec_id: ExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        if exec.rec.state != State::Paused {
            return;
        }
        super::transition::advance(&mut exec.rec, State::Running, &mut self.stats);
        exec.rec.state_info = None;
        exec.rec.updated_at = Some(now());
        self.touch_exec(exec_id, Write::Update);
        for child in self.children(exec_id) {
            self.resume(child);
        }
        // The parent resumes too once none of its tasks is paused.
        if let Some(parent) = self.mirror_in_parent_task(exec_id, State::Paused, State::Running)
            && !self
                .execs
                .get(&parent)
                .is_some_and(|e| e.tasks.values().any(|t| t.state == State::Paused))
        {
            self.resume(parent);
        }
        self.redispatch_idle(exec_id);
        let with_items: Vec<_> = self
            .execs
            .get(&exec_id)
            .map(|e| e.items.keys().copied().collect())
            .unwrap_or_default();
        for task_id in with_items {
            if let Err(e) = self.start_more_items(exec_id, task_id) {
                log::warn!(
                    "ex={exec_id} task={task_id} cannot start more items: {}",
                    self.mask(exec_id, e)
                );
            }
        }
        self.start_held_tasks(exec_id);
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let backlog = std::mem::take(&mut exec.backlog);
        // The held commands still count as work to do while the tasks that
        // completed meanwhile are processed: the workflow must not end
        // between the two.
        exec.applying += 1;
        let unprocessed: Vec<_> = exec
            .tasks
            .values()
            .filter(|t| t.state.is_completed() && !t.processed)
            .map(|t| t.id)
            .collect();
        exec.resumed_unprocessed.extend(unprocessed.iter().copied());
        for id in unprocessed {
            self.process_task(exec_id, id);
        }
        let backlog: Vec<_> = backlog
            .into_iter()
            .filter(|h| !matches!(h.cmd, super::controller::Command::Pause { .. }))
            .collect();
        self.run_held(exec_id, backlog);
        if let Some(exec) = self.execs.get_mut(&exec_id) {
            exec.applying -= 1;
        }
        self.check_complete(exec_id);
    }

    /// A paused sub-workflow shows its parent task PAUSED (and RUNNING again
    /// on resume), as Mistral does. Gives the parent execution.
    fn mirror_in_parent_task(
        &mut self,
        exec_id: ExecutionId,
        from: State,
        to: State,
    ) -> Option<ExecutionId> {
        let parent = self.execs.get(&exec_id).and_then(|e| e.parent)?;
        let task = self
            .execs
            .get_mut(&parent.exec_id)
            .and_then(|e| e.tasks.get_mut(&parent.task_id))?;
        if task.state == from {
            super::transition::advance(task, to, &mut self.stats);
            task.updated_at = Some(now());
            self.touch_task(parent.exec_id, parent.task_id, Write::Update);
        }
        Some(parent.exec_id)
    }

    /// Sends every IDLE action execution of the execution again under a new
    /// attempt, so a copy refused (or still queued) under the old one is stale.
    pub(crate) fn redispatch_idle(&mut self, exec_id: ExecutionId) {
        self.redispatch(exec_id, None);
    }

    /// Sends the IDLE action executions of the execution again under a new
    /// attempt: all of them, or only `only`.
    pub(crate) fn redispatch(&mut self, exec_id: ExecutionId, only: Option<ActionExecutionId>) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let mut ids = Vec::new();
        for ae in exec
            .actions
            .values_mut()
            .filter(|a| a.state == State::Idle && only.is_none_or(|id| id == a.id))
        {
            ae.attempt += 1;
            ae.updated_at = Some(now());
            ids.push(ae.id);
        }
        // One message at a time: most wait in the dispatch window as ids.
        for id in ids {
            let Some(exec) = self.execs.get(&exec_id) else {
                return;
            };
            let Some(ae) = exec.actions.get(&id) else {
                continue;
            };
            let mut m = dispatch_of(exec, ae);
            // An ad-hoc action is sent as the system action it expands to.
            match self.expansion_of(exec_id, id) {
                Some(Ok(e)) => {
                    m.action = e.base;
                    m.input = Value::Object(e.base_input);
                }
                Some(Err(e)) => log::warn!("ex={exec_id} cannot expand an ad-hoc action: {e}"),
                None => {}
            }
            self.touch_action(exec_id, id, Write::Update);
            if self.draining {
                continue;
            }
            self.send(m);
        }
    }
}

/// The dispatch of an IDLE action execution of `exec`, made from its
/// record and its task's runtime context (the action's timeout and
/// target as its start evaluated them). An ad-hoc action is sent as
/// the action it names; the caller expands it.
pub(crate) fn dispatch_of(exec: &Exec, ae: &ActionExecutionRecord) -> HandleTask {
    let (timeout, target) = placement(exec, ae);
    HandleTask {
        action_execution_id: ae.id,
        task_execution_id: ae.task_execution_id,
        execution_id: ae.execution_id,
        attempt: Attempt(ae.attempt),
        action: ae.name.clone(),
        input: ae.input.clone(),
        timeout,
        workflow_name: ae.workflow_name.clone(),
        target,
        inline: false,
    }
}

/// The timeout and target of an action execution's dispatch, as its
/// task's start evaluated them (kept in the task's runtime context).
pub(crate) fn placement(
    exec: &Exec,
    ae: &ActionExecutionRecord,
) -> (Option<std::time::Duration>, Option<String>) {
    let context = ae
        .task_execution_id
        .and_then(|t| exec.tasks.get(&t))
        .map(|t| &t.runtime_context);
    let timeout = context
        .and_then(super::runtime::timeout)
        .map(std::time::Duration::from_secs_f64);
    (timeout, context.and_then(super::runtime::target))
}

/// `text` on one log line: line breaks as `\n`, cut after 1000 characters.
fn one_line(text: &str) -> String {
    let mut out: String = text.chars().take(1000).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out.replace('\r', "\\r").replace('\n', "\\n")
}

/// Mistral's final context: the outbound contexts of the end tasks (those
/// completed without a next task), merged by version.
pub(crate) fn final_context(exec: &Exec) -> Map<String, Value> {
    let mut ctx = Map::new();
    if exec.spec.kind == crate::lang::WorkflowKind::Reverse {
        let target = exec
            .rec
            .params
            .get("task_name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(t) = exec.latest.get(target).and_then(|id| exec.tasks.get(id)) {
            ctx = Exec::outbound(t);
        }
        return ctx;
    }
    for t in exec.tasks.values() {
        if !t.state.is_completed() {
            continue;
        }
        let has_next = super::runtime::has_next_tasks(&t.runtime_context);
        if !has_next {
            let out = Exec::outbound(t);
            if ctx.is_empty() {
                ctx = out;
            } else {
                super::versions::merge(&mut ctx, out);
            }
        }
    }
    ctx
}

/// Mistral's `_build_fail_info_message`.
pub(crate) fn fail_info(exec: &Exec) -> String {
    // Mistral leaves out every task whose `on-error` clause names a next
    // step, whether or not it fired (`is_error_handled_for`); a clause
    // with only a publish handles nothing.
    let mut failed: Vec<&TaskRecord> = exec
        .tasks
        .values()
        .filter(|t| {
            t.state == State::Error
                && exec
                    .spec
                    .tasks
                    .get(&t.name)
                    .is_none_or(|s| s.on_error.as_ref().is_none_or(|c| c.next.is_empty()))
        })
        .collect();
    failed.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = failed.iter().map(|t| t.name.as_str()).collect();
    let mut msg = format!("Failure caused by error in tasks: {}\n", names.join(", "));
    for t in failed {
        msg += &format!(
            "\n  {} [task_ex_id={}] -> {}\n",
            t.name,
            t.id,
            t.state_info.as_deref().unwrap_or("None")
        );
        let mut actions: Vec<&ActionExecutionRecord> = exec
            .actions
            .values()
            .filter(|a| a.task_execution_id == Some(t.id))
            .map(|a| &**a)
            .collect();
        actions.sort_by_key(|a| a.created_at);
        for (i, a) in actions.iter().enumerate() {
            if a.state == State::Error {
                let out = a
                    .output
                    .get("result")
                    .map_or("Unknown".to_string(), super::flow::text);
                msg += &format!("    [action_ex_id={}, idx={i}]: {out}\n", a.id);
            }
        }
        // Mistral enumerates the task's child executions in the order its
        // database gives them (no ORDER BY), so its `idx` values always
        // ascend; bora's ascend too.
        let mut children: Vec<_> = exec
            .failed_children
            .get(&t.id)
            .into_iter()
            .flatten()
            .collect();
        children.sort_by_key(|(_, i, _)| *i);
        for (child, i, out) in children {
            msg += &format!("    [wf_ex_id={child}, idx={i}]: {out}\n");
        }
    }
    msg
}
