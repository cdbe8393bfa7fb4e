//! `with-items` tasks: evaluating and zipping the lists, starting items
//! within `concurrency` (Mistral's `with_items` capacity kept in the runtime
//! context) a window at a time — every input of the window evaluated before
//! any item starts, as Mistral does —, gathering their results in item
//! order (also of items that end after the task failed); `restore`
//! rebuilds their progress after a restart.

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use super::EngineActor;
use super::dispatch::{Call, StartError};
use super::flow::seconds;
use super::offload::{Deferral, Ready, Resume};
use crate::domain::{ExecutionId, State, TaskExecutionId, pytext};
use crate::store::Write;

use super::items_rerun::RerunItems;

mod restore;

/// The progress of a `with-items` task.
#[derive(Debug, Default)]
pub(crate) struct Items {
    /// Items not yet started, by index; each one's context is made from
    /// `lists` and `branch` as its window starts.
    pending: VecDeque<usize>,
    /// The evaluated lists, zipped by index.
    lists: Vec<(String, Vec<Value>)>,
    /// The task's inbound context, which overlays each item's loop
    /// variables (as Mistral merges them).
    branch: Map<String, Value>,
    results: Vec<Value>,
    states: Vec<State>,
    done: usize,
    running: usize,
    /// Items allowed in flight at once (0: all).
    concurrency: usize,
    /// The item whose completion opened the window being started (none
    /// for the task's start): Mistral words a failure to start that window
    /// as one of handling that item's action's completion.
    opened_by: Option<Opener>,
    /// The task failed while items ran: the results still arriving are
    /// added to its result (Mistral's result is its accepted actions'),
    /// nothing more starts.
    closed: bool,
}

impl Items {
    /// The results of the items done, in item order.
    fn done_results(&self) -> Vec<Value> {
        self.results
            .iter()
            .zip(&self.states)
            .filter(|(_, s)| s.is_completed())
            .map(|(r, _)| r.clone())
            .collect()
    }
}

/// What ended to open a window of items.
#[derive(Debug)]
enum Opener {
    /// Item `i`'s action: its name is looked up only if the window fails
    /// (finding it is a walk over the execution's actions).
    Action(usize),
    /// A child execution running this workflow: named as it ends, for the
    /// child may have left memory by the time a deferred window fails.
    Workflow(String),
}

/// The window of items about to start, evaluated: each item's call (boxed:
/// the vector outlives the calls taken out of it), up to the first failure.
type Window = Vec<(usize, Result<Box<Call>, StartError>)>;

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
    /// Evaluates the `with-items` lists, zips them, and starts the first
    /// items within the concurrency limit.
    pub(super) fn start_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(), StartError> {
        Ok(self.start_some_items(exec_id, task_id, None)?)
    }

    /// Re-runs the `rerun` items of a with-items task, keeping the
    /// `previous` results of the others (a rerun with `reset: false`).
    pub(crate) fn rerun_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        previous: Value,
        rerun: RerunItems,
    ) {
        let previous = match previous {
            Value::Array(v) => v,
            _ => Vec::new(),
        };
        if let Err(e) = self.start_some_items(exec_id, task_id, Some((rerun, previous))) {
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
        only: Option<(RerunItems, Vec<Value>)>,
    ) -> Result<(), String> {
        let (lists, concurrency) = match self.deferrable((exec_id, task_id), |s, d| {
            s.items_lists(d, exec_id, task_id)
        }) {
            Ready::Done(r) => r?,
            Ready::Deferred(req) => {
                let resume = match only {
                    Some((rerun, previous)) => Resume::Rerun {
                        previous: Value::Array(previous),
                        rerun,
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
            Some((rerun, previous)) => (rerun.chosen(count), previous),
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
        let pending: VecDeque<usize> = chosen.into_iter().collect();
        let items = Items {
            done: count - pending.len(),
            pending,
            lists,
            branch,
            results,
            states,
            concurrency,
            ..Items::default()
        };
        self.with_items_context(exec_id, task_id, count, concurrency);
        let exec = self.execs.get_mut(&exec_id).ok_or("execution gone")?;
        exec.items.insert(task_id, items);
        self.touch_task(exec_id, task_id, Write::Update);
        self.start_more_items(exec_id, task_id)
    }

    /// Mistral's `with_items.capacity` of a task with a concurrency: how
    /// many more items may start now (the concurrency less those running).
    fn sync_capacity(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(items) = exec.items.get(&task_id).filter(|i| i.concurrency > 0) else {
            return;
        };
        let capacity = items.concurrency.saturating_sub(items.running);
        if let Some(t) = exec.tasks.get_mut(&task_id) {
            super::runtime::set_items_capacity(&mut t.runtime_context, capacity);
        }
        self.touch_task(exec_id, task_id, Write::Update);
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
        if let Some(t) = super::state::task_mut(&mut self.execs, exec_id, task_id) {
            super::runtime::set_items_shape(&mut t.runtime_context, count, concurrency);
        }
    }

    /// Evaluates a with-items task's lists (checked: lists, equal lengths,
    /// within `max_with_items`) and its `concurrency`.
    #[allow(clippy::type_complexity)]
    fn items_lists(
        &self,
        d: &mut Deferral,
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
            let v = self.evaluate_for(d, exec, task, &branch, &wi.source)?;
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
        // Mistral's with-items reads the concurrency its policy recorded at
        // the start: a join that waited records none, and runs every item
        // at once.
        let recorded = super::runtime::has_concurrency(&task.runtime_context);
        let concurrency = match &spec.policies.concurrency {
            Some(c) if recorded => seconds(
                &self.evaluate_for(d, exec, task, &branch, c)?,
                "concurrency",
            )? as usize,
            _ => 0,
        };
        Ok((lists, concurrency))
    }

    /// Starts the pending items the capacity allows (the window), as
    /// Mistral's `WithItemsTask._schedule_actions` does: every item's input
    /// of the window is evaluated before any item starts, so one that
    /// cannot be evaluated fails the task and its workflow with nothing of
    /// the window started; then each item's action is built and started in
    /// order, and the first that cannot be stops the window.
    pub(crate) fn start_more_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Result<(), String> {
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let Some(items) = exec.items.get(&task_id) else {
            return Ok(());
        };
        let room = match items.concurrency {
            0 => items.pending.len(),
            c => c.saturating_sub(items.running).min(items.pending.len()),
        };
        if room == 0 || self.offload.busy((exec_id, task_id)) {
            // An item's evaluation is in the pool: its return goes on.
            return Ok(());
        }
        let window = match self.deferrable((exec_id, task_id), |s, d| {
            s.items_window(d, exec_id, task_id, room)
        }) {
            Ready::Done(window) => window,
            Ready::Deferred(req) => {
                self.defer(req, Resume::MoreItems);
                return Ok(());
            }
        };
        let window = match window {
            Ok(window) => window,
            Err(e) => {
                self.fail_window(exec_id, task_id, &e);
                return Ok(());
            }
        };
        for (i, call) in window {
            let exec = self.execs.get_mut(&exec_id).ok_or("execution gone")?;
            let Some(items) = exec.items.get_mut(&task_id) else {
                return Ok(());
            };
            if items.pending.front() != Some(&i) {
                return Ok(());
            }
            items.pending.pop_front();
            if items.pending.is_empty() {
                // Every item has its context: the lists are not needed.
                items.lists = Vec::new();
                items.branch = Map::new();
            }
            items.running += 1;
            self.sync_capacity(exec_id, task_id);
            match call {
                Ok(call) if call.workflow => {
                    let call = *call;
                    let item = Some(i as i32);
                    if let Err(e) =
                        self.start_subworkflow(exec_id, task_id, &call.action, call.input, item)
                    {
                        // The child cannot be made (not found, input it
                        // does not take, a reverse child without its
                        // target): as for an action that cannot be built,
                        // the whole task fails with the reason; the items
                        // already started run on, no later one starts.
                        if let Some(items) = self
                            .execs
                            .get_mut(&exec_id)
                            .and_then(|x| x.items.get_mut(&task_id))
                        {
                            items.running = items.running.saturating_sub(1);
                        }
                        self.fail_items(exec_id, task_id, e);
                        return Ok(());
                    }
                }
                Ok(call) => {
                    if let Some(msg) = self.record_action(exec_id, task_id, *call, Some(i)) {
                        self.send(msg);
                    }
                }
                Err(StartError::Structural(e)) => {
                    // The action does not take its input: a check Mistral
                    // makes while it schedules, which fails the task and
                    // its workflow (the items before it were started).
                    self.fail_window(exec_id, task_id, &e);
                    return Ok(());
                }
                Err(StartError::Action(e) | StartError::Build(e)) => {
                    // The action cannot be made (its target or name cannot
                    // be evaluated, no action has that name, an ad-hoc
                    // action's expansion fails): the whole task fails with
                    // the reason, as Mistral's with-items task does when
                    // scheduling fails.
                    self.fail_items(exec_id, task_id, e);
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Evaluates the next `room` pending items of a with-items task: first
    /// every item's input (the error of the first that cannot be evaluated
    /// is the window's), then each item's call, up to the first that cannot
    /// be made.
    fn items_window(
        &self,
        d: &mut Deferral,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        room: usize,
    ) -> Result<Window, String> {
        let exec = self.execs.get(&exec_id).ok_or("execution gone")?;
        let task = exec.tasks.get(&task_id).ok_or("task gone")?;
        let items = exec.items.get(&task_id).ok_or("items gone")?;
        let contexts: Vec<(usize, Map<String, Value>)> = items
            .pending
            .iter()
            .take(room)
            .filter_map(|&i| Some((i, item_context(&items.lists, i, &items.branch)?)))
            .collect();
        let mut inputs = Vec::with_capacity(room);
        for (i, ctx) in &contexts {
            inputs.push((*i, ctx, self.action_input(d, exec, task, ctx)?));
        }
        let mut window = Vec::with_capacity(inputs.len());
        for (i, ctx, input) in inputs {
            let call = self
                .action_call_with(d, exec, task, ctx, input)
                .map(Box::new);
            let failed = call.is_err();
            window.push((i, call));
            if failed {
                break;
            }
        }
        Ok(window)
    }

    /// Fails a with-items task and its workflow because a window of items
    /// could not start, in Mistral's words: a failure to run the task when
    /// the window is the task's first, else one of handling the completion
    /// that opened it.
    fn fail_window(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, e: &str) {
        self.restore_actions(exec_id, task_id);
        let opened_by = self
            .execs
            .get(&exec_id)
            .and_then(|x| x.items.get(&task_id))
            .and_then(|i| i.opened_by.as_ref())
            .and_then(|o| match o {
                Opener::Action(i) => self.item_action_name(exec_id, task_id, *i),
                Opener::Workflow(name) => Some(name.clone()),
            });
        let msg = match opened_by {
            None => self.start_failure(exec_id, task_id, e),
            Some(action) => {
                let (wf, task) = self.names(exec_id, task_id);
                format!(
                    "Failed to handle action completion [error={e}, wf={wf}, task={task}, action={action}]"
                )
            }
        };
        if let Some(results) = self.close_items(exec_id, task_id)
            && let Some(t) = super::state::task_mut(&mut self.execs, exec_id, task_id)
        {
            t.result = Value::Array(results);
        }
        self.force_fail_task(exec_id, task_id, msg);
    }

    /// An item of a with-items task that failed while it ran has ended:
    /// its result joins the task's.
    fn late_item(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return;
        };
        let Some(items) = exec.items.get(&task_id) else {
            return;
        };
        let results = Value::Array(items.done_results());
        if items.running == 0 {
            exec.items.remove(&task_id);
        }
        if let Some(t) = exec.tasks.get_mut(&task_id) {
            t.result = results;
        }
        self.touch_task(exec_id, task_id, Write::Update);
    }

    /// Ends a with-items task with ERROR and `reason`, with the results of
    /// the items done so far; items still running end on their own and
    /// their results join the task's.
    fn fail_items(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, reason: String) {
        let Some(results) = self.close_items(exec_id, task_id) else {
            return;
        };
        self.complete_task(
            exec_id,
            task_id,
            State::Error,
            Value::Array(results),
            Some(reason),
        );
    }

    /// Starts no more items of a with-items task that fails; its progress
    /// is kept while items still run. The results of the items done.
    fn close_items(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
    ) -> Option<Vec<Value>> {
        let exec = self.execs.get_mut(&exec_id)?;
        let items = exec.items.get_mut(&task_id)?;
        items.closed = true;
        items.pending.clear();
        let results = items.done_results();
        if items.running == 0 {
            exec.items.remove(&task_id);
        }
        Some(results)
    }

    /// One item of a `with-items` task finished (`child`: the workflow its
    /// child execution ran); the task completes with all of them, in item
    /// order.
    pub(crate) fn item_done(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        i: usize,
        state: State,
        value: Value,
        child: Option<String>,
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
        if items.closed {
            self.late_item(exec_id, task_id);
            return;
        }
        if state == State::Cancelled {
            // Mistral's `is_with_items_completed`: one accepted cancelled
            // item completes the task at once, CANCELLED; the items still
            // running end on their own and their results join the task's.
            if let Some(results) = self.close_items(exec_id, task_id) {
                self.complete_task(
                    exec_id,
                    task_id,
                    State::Cancelled,
                    Value::Array(results),
                    Some("One or more actions was cancelled.".to_string()),
                );
            }
            return;
        }
        let more = items.done < items.results.len();
        self.sync_capacity(exec_id, task_id);
        if more {
            if let Some(items) = self
                .execs
                .get_mut(&exec_id)
                .and_then(|e| e.items.get_mut(&task_id))
            {
                items.opened_by = Some(child.map_or(Opener::Action(i), Opener::Workflow));
            }
            self.start_next_items(exec_id, task_id);
            return;
        }
        self.finish_items(exec_id, task_id);
    }

    /// Whether the window of items being started is the one the task's
    /// start opened (no item's completion opened it).
    pub(crate) fn first_window(&self, exec_id: ExecutionId, task_id: TaskExecutionId) -> bool {
        self.execs
            .get(&exec_id)
            .and_then(|e| e.items.get(&task_id))
            .is_some_and(|i| i.opened_by.is_none())
    }

    /// Starts the items a finished item made room for. Mistral's with-items
    /// task schedules its next items whenever one completes, whatever its
    /// workflow's state: they start while the workflow is paused, and after
    /// a command, a sibling's failure or a cancel ended it, and run to
    /// their end (owed their confirmation).
    pub(crate) fn start_next_items(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        if !self.execs.contains_key(&exec_id) {
            return;
        }
        let mut started = Ok(());
        self.owing(exec_id, |s| started = s.start_more_items(exec_id, task_id));
        if let Err(e) = started {
            log::warn!(
                "ex={exec_id} task={task_id} cannot start more items: {}",
                self.mask(exec_id, e)
            );
        }
    }

    /// The name of item `i`'s latest action execution.
    fn item_action_name(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        i: usize,
    ) -> Option<String> {
        self.execs
            .get(&exec_id)?
            .actions
            .values()
            .filter(|a| a.task_execution_id == Some(task_id) && a.item_index == Some(i as i32))
            .max_by_key(|a| (a.created_at, a.attempt))
            .map(|a| a.name.clone())
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

    /// Item `i` of a with-items task of sub-workflows runs again (its child
    /// was rerun): it counts as running once more. A task that had finished
    /// gets its progress back first ([`Self::finished_items`]).
    pub(crate) fn reopen_item(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId, i: usize) {
        let known = self
            .execs
            .get(&exec_id)
            .is_some_and(|e| e.items.contains_key(&task_id));
        if !known {
            let Some(items) = self.finished_items(exec_id, task_id) else {
                return;
            };
            if let Some(e) = self.execs.get_mut(&exec_id) {
                e.items.insert(task_id, items);
            }
        }
        let Some(items) = self
            .execs
            .get_mut(&exec_id)
            .and_then(|e| e.items.get_mut(&task_id))
        else {
            return;
        };
        if items.states.get(i).is_some_and(|s| s.is_completed()) {
            items.states[i] = State::Running;
            items.done -= 1;
            items.running += 1;
        }
        items.closed = false;
    }

    /// The progress of a finished with-items task of sub-workflows: its
    /// stored result holds every item's output, each item done in the state
    /// of its latest child execution.
    fn finished_items(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) -> Option<Items> {
        let task = self.execs.get(&exec_id)?.tasks.get(&task_id)?;
        let results = task.result.as_array()?.clone();
        let (_, concurrency) = super::runtime::items_shape(&task.runtime_context).unwrap_or((0, 0));
        let mut latest: Vec<Option<(crate::domain::Timestamp, State)>> = vec![None; results.len()];
        for id in self.writer.sub_executions(exec_id).ok()? {
            let rec = match self.execs.get(&id) {
                Some(e) => e.rec.clone(),
                None => self.writer.get_execution(id).ok()??,
            };
            let index = rec.params.get("index").and_then(Value::as_u64);
            if rec.task_execution_id != Some(task_id) {
                continue;
            }
            if let Some(slot) = index.and_then(|i| latest.get_mut(i as usize))
                && slot.is_none_or(|(at, _)| rec.created_at >= at)
            {
                *slot = Some((rec.created_at, rec.state));
            }
        }
        let states: Vec<State> = latest
            .into_iter()
            .map(|s| s.map_or(State::Success, |(_, st)| st))
            .collect();
        Some(Items {
            done: states.len(),
            results,
            states,
            concurrency,
            ..Items::default()
        })
    }
}
