//! Operator requests on tasks and action executions: rerun or skip a failed
//! task (reloading a finished execution into memory when needed), and
//! complete an asynchronous action from outside.

use actix::prelude::*;
use serde_json::{Value, json};

use super::{CompleteAction, EngineActor, Error, UpdateTask};
use crate::domain::{ExecutionId, State, TaskExecutionId, now};
use crate::protocol::{ConveyResult, Outcome};
use crate::store::{ActionExecutionRecord, TaskRecord, Write};

impl EngineActor {
    /// The execution holding a task, loaded into memory if it is not there.
    fn exec_of_task(&mut self, task_id: TaskExecutionId) -> Result<ExecutionId, Error> {
        if let Some((id, _)) = self
            .execs
            .iter()
            .find(|(_, e)| e.tasks.contains_key(&task_id))
        {
            return Ok(*id);
        }
        let task = self
            .writer
            .get_task(task_id)?
            .ok_or_else(|| Error::NotFound(format!("TaskExecution not found [id={task_id}]")))?;
        self.load_with_ancestors(task.execution_id)?;
        Ok(task.execution_id)
    }

    /// Loads `id` and every execution above it that is not in memory, up
    /// to the root, and links them: a rerun inside a sub-workflow reads the
    /// root's env and reopens each level above it.
    fn load_with_ancestors(&mut self, id: ExecutionId) -> Result<(), Error> {
        let mut next = Some(id);
        while let Some(eid) = next {
            if !self.execs.contains_key(&eid) {
                let loaded = self.writer.load_execution(eid)?;
                self.install(loaded);
            }
            next = match self.execs.get(&eid).and_then(|e| e.rec.task_execution_id) {
                Some(tid) => self.writer.get_task(tid)?.map(|t| t.execution_id),
                None => None,
            };
        }
        self.relink_children();
        Ok(())
    }

    fn update_task(&mut self, msg: UpdateTask) -> Result<TaskRecord, Error> {
        let exec_id = self.exec_of_task(msg.id)?;
        let exec = self
            .execs
            .get(&exec_id)
            .ok_or_else(|| Error::NotFound(format!("execution {exec_id}")))?;
        let task = exec
            .tasks
            .get(&msg.id)
            .ok_or_else(|| Error::NotFound(format!("TaskExecution not found [id={}]", msg.id)))?;
        // The checks of Mistral's `TaskExecutionsController.put`, in order.
        if task.state != State::Error {
            return Err(Error::Invalid(
                "The current task execution must be in ERROR for rerun. Only updating task to rerun is supported."
                    .into(),
            ));
        }
        let with_items = exec
            .spec
            .tasks
            .get(&task.name)
            .is_some_and(|t| !t.with_items.is_empty());
        let reset = match (msg.state, msg.reset) {
            (State::Running, None) => {
                return Err(Error::Invalid(
                    "Reset field is mandatory to rerun task.".into(),
                ));
            }
            (State::Running, Some(false)) if !with_items => {
                return Err(Error::Invalid(
                    "Only with-items task has the option to not reset.".into(),
                ));
            }
            (_, r) => r.unwrap_or(true),
        };
        // The engine's `Workflow.rerun`: nothing on a paused execution; the
        // env update needs an IDLE, PAUSED or ERROR execution; a SUCCESS
        // execution cannot go back to RUNNING.
        if exec.rec.state == State::Paused {
            return Ok(task.clone());
        }
        if msg.env.is_some() {
            super::requests::env_allowed(exec.rec.state)?;
        }
        if exec.rec.state == State::Success {
            return Err(Error::Invalid(format!(
                "Can't change workflow execution state from SUCCESS to RUNNING. [workflow={}, execution_id={exec_id}]",
                exec.rec.workflow_name
            )));
        }
        if msg.state == State::Skipped {
            self.skip_check(exec_id, msg.id).map_err(Error::Invalid)?;
        }
        let was_done = exec.rec.state.is_terminal();
        self.reopen_execution(exec_id, msg.env);
        if was_done {
            self.reopen_ancestors(exec_id);
        }
        if msg.state == State::Skipped {
            self.skip_task(exec_id, msg.id);
        } else {
            self.rerun_task(exec_id, msg.id, reset);
        }
        self.execs
            .get(&exec_id)
            .and_then(|e| e.tasks.get(&msg.id))
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("TaskExecution not found [id={}]", msg.id)))
    }

    /// Sets a finished (ERROR) execution back to RUNNING, merging `env`.
    fn reopen_execution(&mut self, exec_id: ExecutionId, env: Option<Value>) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        if let Some(env) = env {
            super::requests::merge_env(&mut exec.rec.params, env);
        }
        if exec.rec.state.is_terminal() {
            super::transition::rerun(&mut exec.rec, &mut self.stats);
            // Mistral's `_recursive_rerun` sets the state only: the
            // output of the failure stays until the execution ends again.
            exec.rec.state_info = None;
        }
        exec.rec.updated_at = Some(now());
        self.touch_exec(exec_id, Write::Update);
    }

    /// Mistral's `Workflow._recursive_rerun`: every execution above a
    /// reopened sub-workflow goes back to RUNNING too, and the task that
    /// started each level is marked RUNNING again (its state_info cleared),
    /// so the child's new outcome reaches it as the first one did.
    fn reopen_ancestors(&mut self, exec_id: ExecutionId) {
        let mut child = exec_id;
        while let Some(parent) = self.execs.get(&child).and_then(|e| e.parent) {
            self.reopen_parent_task(parent, child);
            let done = self
                .execs
                .get(&parent.exec_id)
                .is_some_and(|e| e.rec.state.is_terminal());
            if !done {
                break;
            }
            self.reopen_execution(parent.exec_id, None);
            child = parent.exec_id;
        }
    }

    /// The task that started `child` waits for it again: RUNNING, its
    /// failure forgotten, one more sub-workflow in flight.
    fn reopen_parent_task(&mut self, parent: super::state::Parent, child: ExecutionId) {
        let Some(p) = self.execs.get_mut(&parent.exec_id) else {
            return;
        };
        p.in_flight += 1;
        if let Some(failed) = p.failed_children.get_mut(&parent.task_id) {
            failed.retain(|(c, _, _)| *c != child);
        }
        let Some(task) = p.tasks.get_mut(&parent.task_id) else {
            return;
        };
        if task.state.is_terminal() {
            super::transition::rerun(task, &mut self.stats);
            task.state_info = None;
            task.processed = false;
            task.error_handled = false;
            task.finished_at = None;
            p.incomplete += 1;
        }
        task.updated_at = Some(now());
        self.touch_task(parent.exec_id, parent.task_id, Write::Update);
        if let Some(i) = parent.item {
            self.reopen_item(parent.exec_id, parent.task_id, i as usize);
        }
    }

    /// Mistral's `skip_task`: the task completes again as SKIPPED with
    /// `Task was skipped.`, its `publish-on-skip` replacing what it
    /// published, and its on-skip transitions are followed.
    fn skip_task(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(task) = exec.tasks.get_mut(&task_id) else {
            return;
        };
        super::transition::rerun(task, &mut self.stats);
        super::runtime::clear_on_skip(&mut task.runtime_context);
        task.processed = false;
        task.error_handled = false;
        let result = task.result.clone();
        exec.incomplete += 1;
        self.complete_task(
            exec_id,
            task_id,
            State::Skipped,
            result,
            Some("Task was skipped.".into()),
        );
    }

    fn rerun_task(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, reset: bool) {
        self.restore_actions(exec_id, task_id);
        let rerun_items = if reset {
            Default::default()
        } else {
            self.rerun_plan(exec_id, task_id)
        };
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        // `RegularTask._reset_actions`: the earlier action executions no
        // longer count (all of them on reset, else the failed ones).
        let mut unaccepted = Vec::new();
        for a in exec
            .actions
            .values_mut()
            .filter(|a| a.task_execution_id == Some(task_id) && a.accepted)
        {
            if reset || matches!(a.state, State::Error | State::Cancelled) {
                a.accepted = false;
                unaccepted.push(a.id);
            }
        }
        let Some(task) = exec.tasks.get_mut(&task_id) else {
            return;
        };
        super::transition::rerun(task, &mut self.stats);
        task.state_info = None;
        task.processed = false;
        task.error_handled = false;
        task.published = json!({});
        task.finished_at = None;
        task.updated_at = Some(now());
        super::runtime::begin_rerun(&mut task.runtime_context);
        let previous = std::mem::take(&mut task.result);
        exec.incomplete += 1;
        self.touch_task(exec_id, task_id, Write::Update);
        for id in unaccepted {
            self.touch_action(exec_id, id, Write::Update);
        }
        if reset {
            self.begin_task(exec_id, task_id);
        } else {
            self.rerun_items(exec_id, task_id, previous, rerun_items);
        }
    }
}

impl Handler<UpdateTask> for EngineActor {
    type Result = ResponseFuture<Result<TaskRecord, Error>>;

    fn handle(&mut self, msg: UpdateTask, ctx: &mut Self::Context) -> Self::Result {
        match self.update_task(msg) {
            Ok(t) => self.after_commit(ctx, Ok(t), || {
                Err(Error::Unavailable("the engine could not commit".into()))
            }),
            Err(e) => Box::pin(futures::future::ready(Err(e))),
        }
    }
}

impl EngineActor {
    fn complete_action(&mut self, msg: CompleteAction) -> Result<ActionExecutionRecord, Error> {
        if let Some(done) = self.complete_standalone(msg.id, msg.state, msg.output.clone()) {
            return done;
        }
        let exec_id = match self.owner.get(&msg.id) {
            Some(e) => *e,
            None => {
                let ae = self.writer.get_action_execution(msg.id)?.ok_or_else(|| {
                    Error::NotFound(format!("ActionExecution not found [id={}]", msg.id))
                })?;
                already_completed(&ae, msg.state)?;
                // A finished (e.g. cancelled) execution's action still
                // running after a restart: its execution is loaded again so
                // the late result is recorded.
                match ae.execution_id.filter(|e| !self.execs.contains_key(e)) {
                    Some(eid) => {
                        let loaded = self.writer.load_execution(eid)?;
                        // Finished: no parent link is needed.
                        self.install(loaded);
                        match self.owner.get(&msg.id) {
                            Some(e) => *e,
                            None => return Ok(ae),
                        }
                    }
                    None => return Ok(ae),
                }
            }
        };
        let ae = self
            .execs
            .get(&exec_id)
            .and_then(|e| e.actions.get(&msg.id))
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("ActionExecution not found [id={}]", msg.id)))?;
        already_completed(&ae, msg.state)?;
        // A missing output arrives as `{}` (the request's default); an
        // explicit JSON null is a null result; an ERROR without a (truthy)
        // output is an `Unknown error`.
        let output = msg.output.unwrap_or(Value::Null);
        let outcome = match msg.state {
            State::Success => Outcome::Success(output),
            State::Error => Outcome::Failure(if crate::expr::truthy(&output) {
                output
            } else {
                json!("Unknown error")
            }),
            State::Cancelled => {
                self.cancel_action(exec_id, &ae);
                return self.current_action(exec_id, msg.id);
            }
            State::Paused | State::Running => {
                return self.update_action(exec_id, &ae, msg.state);
            }
            other => {
                return Err(Error::Invalid(format!(
                    "Cannot set an action execution to {other}. Allowed states are: SUCCESS, ERROR, CANCELLED, PAUSED, RUNNING"
                )));
            }
        };
        if ae.state == State::Idle {
            return Err(Error::Invalid(format!(
                "Action execution {} has not started yet.",
                msg.id
            )));
        }
        let conveyed = ConveyResult {
            action_execution_id: msg.id,
            attempt: crate::domain::Attempt(ae.attempt),
            outcome,
        };
        self.accept_result(conveyed);
        self.current_action(exec_id, msg.id)
    }

    fn current_action(
        &self,
        exec_id: ExecutionId,
        id: crate::domain::ActionExecutionId,
    ) -> Result<ActionExecutionRecord, Error> {
        self.execs
            .get(&exec_id)
            .and_then(|e| e.actions.get(&id))
            .map(|a| (**a).clone())
            .ok_or_else(|| Error::NotFound(format!("ActionExecution not found [id={id}]")))
    }

    /// Mistral's `on_action_update`: an asynchronous action set PAUSED
    /// pauses its task and the workflow; set RUNNING again, it resumes them
    /// (the workflow once no task of it is paused).
    fn update_action(
        &mut self,
        exec_id: ExecutionId,
        ae: &ActionExecutionRecord,
        to: State,
    ) -> Result<ActionExecutionRecord, Error> {
        if ae.state.is_completed() {
            return Err(Error::Invalid(format!(
                "Invalid state transition from {} to {to}.",
                ae.state
            )));
        }
        if ae.state == to || ae.state == State::Idle {
            return Ok(ae.clone());
        }
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return Ok(ae.clone());
        };
        if let Some(a) = exec.actions.get_mut(&ae.id) {
            super::transition::advance(&mut **a, to, &mut self.stats);
            a.updated_at = Some(now());
        }
        let task = ae
            .task_execution_id
            .and_then(|t| exec.tasks.get_mut(&t))
            .filter(|t| !t.state.is_completed());
        let task_id = task.map(|t| {
            super::transition::advance(t, to, &mut self.stats);
            t.updated_at = Some(now());
            t.id
        });
        self.touch_action(exec_id, ae.id, Write::Update);
        if let Some(t) = task_id {
            self.touch_task(exec_id, t, Write::Update);
        }
        if to == State::Paused {
            self.pause(exec_id, None);
        } else if !self
            .execs
            .get(&exec_id)
            .is_some_and(|e| e.tasks.values().any(|t| t.state == State::Paused))
        {
            self.resume(exec_id);
        }
        self.current_action(exec_id, ae.id)
    }

    /// An action was cancelled from outside: it and its task end CANCELLED.
    fn cancel_action(&mut self, exec_id: ExecutionId, ae: &ActionExecutionRecord) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        if let Some(a) = exec.actions.get_mut(&ae.id) {
            if a.state.is_completed() {
                return;
            }
            super::transition::end(&mut **a, State::Cancelled, &mut self.stats);
            // `Result(cancel=True).to_dict()`: the output given is dropped.
            a.output = json!({ "result": null });
            a.accepted = true;
            a.updated_at = Some(now());
        }
        exec.in_flight = exec.in_flight.saturating_sub(1);
        self.owner.remove(&ae.id);
        self.touch_action(exec_id, ae.id, Write::Update);
        if let Some(task) = ae.task_execution_id {
            self.on_action_complete(exec_id, task, ae.item_index, State::Cancelled, Value::Null);
        }
    }
}

/// A finished action execution cannot be completed again (Mistral raises a
/// `ValueError`, a 500; bora answers 409) nor set PAUSED or RUNNING.
fn already_completed(ae: &ActionExecutionRecord, to: State) -> Result<(), Error> {
    if !ae.state.is_completed() {
        return Ok(());
    }
    match to {
        State::Paused | State::Running => Err(Error::Invalid(format!(
            "Invalid state transition from {} to {to}.",
            ae.state
        ))),
        _ => Err(Error::Conflict(format!(
            "Action {} is already completed [state={}]",
            ae.id, ae.state
        ))),
    }
}

impl Handler<CompleteAction> for EngineActor {
    type Result = ResponseFuture<Result<ActionExecutionRecord, Error>>;

    fn handle(&mut self, msg: CompleteAction, ctx: &mut Self::Context) -> Self::Result {
        match self.complete_action(msg) {
            Ok(a) => self.after_commit(ctx, Ok(a), || {
                Err(Error::Unavailable("the engine could not commit".into()))
            }),
            Err(e) => Box::pin(futures::future::ready(Err(e))),
        }
    }
}
