//! A task's completion as a plan and an apply: the plan evaluates what the
//! task publishes and whether it keeps its result over the task as it would
//! be (an [`Overlay`]: `task()` sees it completed), changing nothing, so
//! that it can be deferred to the evaluation pool; the apply ends the task,
//! then runs its after-completion policies and its transitions.

use serde_json::{Map, Value};

use super::EngineActor;
use super::controller;
use super::offload::{Deferral, Ready, Resume};
use super::transition::Overlay;
use crate::domain::{ActionExecutionId, ExecutionId, State, TaskExecutionId, now};
use crate::expr;
use crate::store::Write;

/// What a completing task publishes to its branch and to the workflow, and
/// whether it keeps its result; or why that cannot be evaluated.
type Publish = Result<(Value, Map<String, Value>, bool), String>;

impl EngineActor {
    /// Mistral skips a task inside the API's request: a `publish-on-skip`
    /// or an on-skip guard (or the on-success one it falls back to) that
    /// cannot be evaluated fails the request (HTTP 400 with the error) and
    /// changes nothing. Evaluated here over the task as the skip would
    /// leave it, before anything moves.
    pub(crate) fn skip_check(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(), String> {
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let task = exec.tasks.get(&task_id).ok_or("task gone")?;
        let spec = exec.spec.tasks.get(&task.name).ok_or("task spec gone")?;
        let to = Overlay {
            task: task_id,
            state: State::Skipped,
            state_info: Some("Task was skipped.".into()),
            result: task.result.clone(),
            at: now(),
        };
        let mut d = Deferral::closed((exec_id, task_id));
        let (published, _, _) = self.plan_publish(&mut d, exec_id, task_id, &to)?;
        let branch = task.in_context.as_object().cloned().unwrap_or_default();
        let outbound = super::versions::outbound(&branch, &published);
        let mut guard =
            |g: &Value| self.evaluate_in(Some(&mut d), exec, Some(task), Some(&to), &outbound, g);
        controller::fired_commands(spec, State::Skipped, &mut guard).map(|_| ())
    }

    /// Completes a task: result, publish, keep-result; then, if the workflow
    /// is running, its transitions. Planned first over the task as it would
    /// be (`task()` in publish reads its state and result), then applied;
    /// a plan deferred to the evaluation pool changed nothing and runs again
    /// when its value is back.
    pub(crate) fn complete_task(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        state: State,
        result: Value,
        state_info: Option<String>,
    ) {
        let Some(from) = self
            .execs
            .get(&exec_id)
            .and_then(|x| x.tasks.get(&task_id))
            .map(|t| t.state)
        else {
            return;
        };
        if from.is_completed() {
            return;
        }
        let to = Overlay {
            task: task_id,
            state,
            state_info,
            result,
            at: now(),
        };
        match self.deferrable((exec_id, task_id), |s, d| {
            s.plan_publish(d, exec_id, task_id, &to)
        }) {
            Ready::Done(publish) => self.apply_complete(exec_id, task_id, to, publish),
            Ready::Deferred(req) => self.defer(req, Resume::Complete { from, to }),
        }
    }

    /// The plan of a completion: what the task publishes (branch and
    /// global), evaluated over the task as `to` would leave it, and its
    /// `keep-result`. Reads only.
    fn plan_publish(
        &self,
        d: &mut Deferral,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        to: &Overlay,
    ) -> Publish {
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let task = exec.tasks.get(&task_id).ok_or("task gone")?;
        let spec = exec.spec.tasks.get(&task.name).ok_or("task spec gone")?;
        let branch = task.in_context.as_object().cloned().unwrap_or_default();
        let (pub_branch, pub_global) = controller::publish_spec(spec, to.state);
        let eval = |d: &mut Deferral, v: &Value| {
            self.evaluate_in(Some(d), exec, Some(task), Some(to), &branch, v)
        };
        // A publish without a branch publishes null, as Mistral's does.
        let published = match pub_branch {
            Some(b) => eval(d, &Value::Object(b))?,
            None => Value::Null,
        };
        let global = match eval(d, &Value::Object(pub_global))? {
            Value::Object(g) => g,
            _ => Map::new(),
        };
        // Mistral reads `keep-result` as written, never evaluating it: an
        // expression is a non-empty string, so it keeps the result.
        let keep = expr::truthy(&spec.keep_result);
        Ok((published, global, keep))
    }

    /// The apply of a completion: the task ends as `to` says with what it
    /// publishes, its after-completion policies run, then its transitions.
    fn apply_complete(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        to: Overlay,
        publish: Publish,
    ) {
        let by_policy = self
            .execs
            .get(&exec_id)
            .is_some_and(|x| x.policy_completed.contains(&task_id));
        let (published, global, keep) = match publish {
            Ok(p) => p,
            Err(e) => {
                // The task fails with the result it was given.
                if let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) {
                    task.result = to.result;
                }
                self.stats.tasks_completed += 1;
                self.stats.tasks_finished.add(State::Error);
                let msg = match by_policy {
                    true => self.policy_completion_failure(exec_id, task_id, &e),
                    false => self.completion_failure(exec_id, task_id, &e),
                };
                if let Some(x) = self.execs.get_mut(&exec_id) {
                    x.policy_completed.remove(&task_id);
                }
                return self.force_fail_task(exec_id, task_id, msg);
            }
        };
        // `keep-result` erases action outputs only: a workflow task's result
        // is its sub-workflows' outputs, kept whatever it says.
        let keep = keep
            || self
                .execs
                .get(&exec_id)
                .and_then(|e| e.tasks.get(&task_id))
                .is_some_and(|t| t.kind == crate::domain::TaskKind::Workflow);
        if !keep {
            self.restore_actions(exec_id, task_id);
        }
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let with_items = exec
            .tasks
            .get(&task_id)
            .and_then(|t| exec.spec.tasks.get(&t.name))
            .is_some_and(|s| !s.with_items.is_empty());
        let Some(task) = exec.tasks.get_mut(&task_id) else {
            return;
        };
        if !super::transition::end(task, to.state, &mut self.stats) {
            return;
        }
        task.state_info = to.state_info;
        task.result = to.result;
        task.finished_at = Some(to.at);
        task.updated_at = Some(to.at);
        task.published = published;
        if !keep {
            // Mistral erases each action's output: a with-items task keeps
            // one null per item.
            task.result = match &task.result {
                Value::Array(items) if with_items => Value::Array(vec![Value::Null; items.len()]),
                _ => Value::Null,
            };
        }
        let erased: Vec<ActionExecutionId> = if keep {
            Vec::new()
        } else {
            // ... and the outputs of its action executions are `{}`.
            exec.actions
                .values_mut()
                .filter(|a| a.task_execution_id == Some(task_id))
                .map(|a| {
                    a.output = Value::Object(Map::new());
                    a.id
                })
                .collect()
        };
        exec.incomplete = exec.incomplete.saturating_sub(1);
        if let Value::Object(ctx) = &mut exec.rec.context
            && controller::merge_global(ctx, &global)
        {
            self.touch_exec(exec_id, Write::Update);
        }
        self.stats.tasks_completed += 1;
        self.stats.tasks_finished.add(to.state);
        self.touch_task(exec_id, task_id, Write::Update);
        for id in erased {
            self.touch_action(exec_id, id, Write::Update);
        }
        if self.after_complete(exec_id, task_id) {
            return;
        }
        match self.execs.get(&exec_id).map(|e| e.rec.state) {
            Some(State::Running) => {
                self.process_task(exec_id, task_id);
                self.check_complete(exec_id);
            }
            Some(s) if s.is_terminal() => self.process_after_end(exec_id, task_id),
            Some(State::Paused) => self.feed_joins_while_paused(exec_id, task_id),
            _ => {}
        }
    }

    /// A task that completes after its workflow ended (a forced stop)
    /// fires nothing, but is processed all the same: Mistral's controller
    /// has no commands for a finished workflow, and only a paused one
    /// leaves the task unprocessed.
    pub(crate) fn process_after_end(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(task) = super::state::task_mut(&mut self.execs, exec_id, task_id) else {
            return;
        };
        task.processed = true;
        task.error_handled = false;
        super::runtime::set_next_tasks(&mut task.runtime_context, Vec::new());
        self.touch_task(exec_id, task_id, Write::Update);
    }
}
