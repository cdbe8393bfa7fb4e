//! The pure direct-workflow controller: given a workflow spec and a snapshot
//! of a completed task, decide what comes next. It evaluates guards through
//! a callback and never touches the engine's state, the store or a clock, so
//! most engine behaviour is tested here with small cases.

use serde_json::{Map, Value};

use crate::domain::State;
use crate::lang::{EngineCommand, OnClause, Target, TaskSpec, WorkflowKind, WorkflowSpec};

/// Which clause a command came from (Mistral's event names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    OnSuccess,
    OnError,
    OnComplete,
    OnSkip,
}

impl Event {
    /// Mistral's name of the event, as recorded in `triggered_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::OnSuccess => "on-success",
            Event::OnError => "on-error",
            Event::OnComplete => "on-complete",
            Event::OnSkip => "on-skip",
        }
    }
}

/// What the engine should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Start (or, for a join, feed) the named task.
    RunTask { name: String, event: Option<Event> },
    /// End the workflow in ERROR (`msg`: the evaluated message).
    Fail { msg: Option<Value>, event: Event },
    /// End the workflow in SUCCESS (`msg`: the evaluated message).
    Succeed { msg: Option<Value>, event: Event },
    /// Pause the workflow; the commands after this one wait for resume
    /// (`msg`: the evaluated message).
    Pause { msg: Option<Value>, event: Event },
    /// Nothing (the `noop` command still counts as a transition taken).
    Noop { event: Event },
}

impl Command {
    /// The clause this command came from (`None` for start tasks).
    pub fn event(&self) -> Option<Event> {
        match self {
            Command::RunTask { event, .. } => *event,
            Command::Fail { event, .. }
            | Command::Succeed { event, .. }
            | Command::Pause { event, .. }
            | Command::Noop { event } => Some(*event),
        }
    }

    /// True for the commands that change the workflow's state.
    pub fn is_state_change(&self) -> bool {
        matches!(
            self,
            Command::Fail { .. } | Command::Succeed { .. } | Command::Pause { .. }
        )
    }
}

/// A guard evaluation failure: the message becomes the task's `state_info`.
pub type GuardError = String;

/// The tasks a direct workflow starts with: those no transition leads to.
pub fn start_tasks(spec: &WorkflowSpec) -> Vec<String> {
    if spec.kind == WorkflowKind::Reverse {
        return Vec::new();
    }
    // A transition to an engine command counts as inbound for a task of
    // that name too (Mistral compares names): such a task never starts.
    let targets: std::collections::HashSet<&str> = spec
        .tasks
        .values()
        .flat_map(|t| clauses(t).into_iter().flat_map(|(_, c)| c.next.iter()))
        .map(|tr| match &tr.target {
            Target::Task(name) => name.as_str(),
            Target::Command(c) => c.name(),
        })
        .collect();
    spec.tasks
        .keys()
        .filter(|name| !targets.contains(name.as_str()))
        .cloned()
        .collect()
}

fn clauses(t: &TaskSpec) -> Vec<(Event, &OnClause)> {
    let mut out = Vec::new();
    if let Some(c) = t.on_error.as_deref() {
        out.push((Event::OnError, c));
    }
    if let Some(c) = t.on_success.as_deref() {
        out.push((Event::OnSuccess, c));
    }
    if let Some(c) = t.on_complete.as_deref() {
        out.push((Event::OnComplete, c));
    }
    if let Some(c) = t.on_skip.as_deref() {
        out.push((Event::OnSkip, c));
    }
    out
}

/// The next commands after `task` ended in `state`, Mistral's order:
/// on-error (ERROR); on-skip, falling back to on-success when none fired
/// (SKIPPED); on-success (SUCCESS); then on-complete (any completed state
/// but CANCELLED and SKIPPED). Every transition whose guard holds, in order;
/// `eval` evaluates one expression (a guard, an engine command's `msg`)
/// against the task's outbound context.
pub fn next_commands(
    task: &TaskSpec,
    state: State,
    eval: &mut dyn FnMut(&Value) -> Result<Value, GuardError>,
) -> Result<Vec<Command>, GuardError> {
    Ok(rearrange(fired_commands(task, state, eval)?))
}

/// Every command the task's clauses fire, in clause order, before
/// [`rearrange`] drops what a state change makes moot (Mistral's
/// `continue_workflow`: what `next_tasks` and `error_handled` are made of).
pub fn fired_commands(
    task: &TaskSpec,
    state: State,
    guard: &mut dyn FnMut(&Value) -> Result<Value, GuardError>,
) -> Result<Vec<Command>, GuardError> {
    let mut out = Vec::new();
    match state {
        State::Error => fire(&mut out, task.on_error.as_deref(), Event::OnError, guard)?,
        State::Skipped => {
            fire(&mut out, task.on_skip.as_deref(), Event::OnSkip, guard)?;
            if out.is_empty() {
                fire(
                    &mut out,
                    task.on_success.as_deref(),
                    Event::OnSuccess,
                    guard,
                )?;
            }
        }
        State::Success => fire(
            &mut out,
            task.on_success.as_deref(),
            Event::OnSuccess,
            guard,
        )?,
        _ => {}
    }
    if state.is_completed() && !matches!(state, State::Cancelled | State::Skipped) {
        fire(
            &mut out,
            task.on_complete.as_deref(),
            Event::OnComplete,
            guard,
        )?;
    }
    Ok(out)
}

/// Appends the commands of one clause whose guards hold. As Mistral's
/// `_find_next_tasks_for_clause` does, an engine command's `msg` is
/// evaluated right after its guard held, with the guards: an expression
/// that fails there fails like a guard (the task's completion).
fn fire(
    out: &mut Vec<Command>,
    clause: Option<&OnClause>,
    event: Event,
    eval: &mut dyn FnMut(&Value) -> Result<Value, GuardError>,
) -> Result<(), GuardError> {
    let Some(clause) = clause else { return Ok(()) };
    for tr in &clause.next {
        if let Some(g) = &tr.guard
            && !crate::expr::truthy(&eval(g)?)
        {
            continue;
        }
        let mut msg_of = |msg: &Option<Value>| msg.as_ref().map(&mut *eval).transpose();
        out.push(match &tr.target {
            Target::Task(name) => Command::RunTask {
                name: name.clone(),
                event: Some(event),
            },
            Target::Command(EngineCommand::Fail { msg }) => Command::Fail {
                msg: msg_of(msg)?,
                event,
            },
            Target::Command(EngineCommand::Succeed { msg }) => Command::Succeed {
                msg: msg_of(msg)?,
                event,
            },
            Target::Command(EngineCommand::Pause { msg }) => Command::Pause {
                msg: msg_of(msg)?,
                event,
            },
            Target::Command(EngineCommand::Noop) => Command::Noop { event },
        });
    }
    Ok(())
}

/// Mistral's `_rearrange_commands`: a state-changing command first in the
/// list stands alone (unless it is `pause`); otherwise the task commands
/// before it run, then it, and after a `pause` the rest is kept for resume.
pub fn rearrange(cmds: Vec<Command>) -> Vec<Command> {
    rearrange_by(cmds, |c| c)
}

fn rearrange_by<T>(cmds: Vec<T>, cmd: impl Fn(&T) -> &Command) -> Vec<T> {
    let Some(idx) = cmds.iter().position(|c| cmd(c).is_state_change()) else {
        return cmds;
    };
    let is_pause = matches!(cmd(&cmds[idx]), Command::Pause { .. });
    if idx == 0 && !is_pause {
        return cmds.into_iter().take(1).collect();
    }
    if is_pause {
        cmds
    } else {
        cmds.into_iter().take(idx + 1).collect()
    }
}

/// The commands of one list as Mistral's dispatcher runs them: `noop`s
/// dropped, [`rearrange`]d, and the task commands before a state change in
/// [`dispatch_order`]. `is_join` tells a join task (Mistral's "waiting"
/// command) by name.
pub fn dispatch(cmds: Vec<Command>, is_join: impl Fn(&str) -> bool) -> Vec<Command> {
    dispatch_by(cmds, |c| c, is_join)
}

/// [`dispatch`] of items that each carry a command (`cmd` gives it).
pub fn dispatch_by<T>(
    items: Vec<T>,
    cmd: impl Fn(&T) -> &Command,
    is_join: impl Fn(&str) -> bool,
) -> Vec<T> {
    let items = items
        .into_iter()
        .filter(|c| !matches!(cmd(c), Command::Noop { .. }))
        .collect();
    let mut items = rearrange_by(items, &cmd);
    let end = items
        .iter()
        .position(|c| cmd(c).is_state_change())
        .unwrap_or(items.len());
    order_by(&mut items[..end], &cmd, &is_join);
    items
}

/// The order Mistral's dispatcher starts the task commands of one list in:
/// Python's `list.sort` with `_compare_task_commands`, which calls a
/// non-join command smaller than anything and orders joins by name. That
/// comparator is not consistent, so the order is what CPython's sort makes
/// of it: the longest run at the start (reversed when it descends), then
/// binary insertion of the rest. A list of ordinary tasks comes out
/// reversed: the last one listed starts first. (CPython merges runs only in
/// lists of 64 or more; there the same steps give a list of ordinary tasks
/// exactly, and a mix with joins nearly.)
pub fn dispatch_order(cmds: &mut [Command], is_join: &impl Fn(&str) -> bool) {
    order_by(cmds, &|c: &Command| c, is_join)
}

fn order_by<T>(cmds: &mut [T], cmd: &impl Fn(&T) -> &Command, is_join: &impl Fn(&str) -> bool) {
    let waiting = |c: &T| match cmd(c) {
        Command::RunTask { name, .. } if is_join(name) => Some(name.clone()),
        _ => None,
    };
    // `a < b` as Python sees it: `_compare_task_commands(a, b) < 0`.
    let less = |a: &T, b: &T| match (waiting(a), waiting(b)) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(x), Some(y)) => x < y,
    };
    let n = cmds.len();
    if n < 2 {
        return;
    }
    // `count_run`: a strictly descending run is reversed in place.
    let mut run = 2;
    if less(&cmds[1], &cmds[0]) {
        while run < n && less(&cmds[run], &cmds[run - 1]) {
            run += 1;
        }
        cmds[..run].reverse();
    } else {
        while run < n && !less(&cmds[run], &cmds[run - 1]) {
            run += 1;
        }
    }
    // `binarysort` of the rest into the run.
    for start in run..n {
        let (mut l, mut r) = (0, start);
        while l < r {
            let p = l + ((r - l) >> 1);
            if less(&cmds[start], &cmds[p]) {
                r = p;
            } else {
                l = p + 1;
            }
        }
        cmds[l..=start].rotate_right(1);
    }
}

/// True when the commands handle an error: a command fired from on-error.
pub fn handles_error(cmds: &[Command]) -> bool {
    cmds.iter().any(|c| c.event() == Some(Event::OnError))
}

/// The publish clauses that apply to a task ended in `state`, merged as
/// Mistral's `DirectWorkflowTaskSpec.get_publish` merges them. Returns
/// `(branch, global)`; a branch of `None` publishes null (a publish applies
/// but has no branch), an empty one `{}` (no publish applies).
///
/// The task's own publish for the state is a spec with a branch only;
/// on-complete's publish merges into it (on-complete wins), or stands alone
/// when there is none; that result merges into the state's clause's publish
/// (the result wins), which is then the one used. A merge fills only the
/// sections (`branch`, `global`) the receiving spec already has: the others
/// are dropped, as Mistral's `merge_dicts(None, x)` drops them.
pub fn publish_spec(
    task: &TaskSpec,
    state: State,
) -> (Option<Map<String, Value>>, Map<String, Value>) {
    let (clause, own) = match state {
        State::Success => (task.on_success.as_deref(), &task.publish),
        State::Error => (task.on_error.as_deref(), &task.publish_on_error),
        State::Skipped => (task.on_skip.as_deref(), &task.publish_on_skip),
        _ => return (Some(Map::new()), Map::new()),
    };
    let mut spec = (!own.is_empty()).then(|| Sections::of((**own).clone(), Map::new()));
    if let Some(c) = task.on_complete.as_deref().and_then(Sections::of_clause) {
        spec = Some(match spec {
            Some(mut s) => {
                s.merge(&c);
                s
            }
            None => c,
        });
    }
    if let Some(mut c) = clause.and_then(Sections::of_clause) {
        if let Some(s) = &spec {
            c.merge(s);
        }
        spec = Some(c);
    }
    match spec {
        Some(s) => (s.branch, s.global.unwrap_or_default()),
        None => (Some(Map::new()), Map::new()),
    }
}

/// A publish spec's sections; an empty section is absent (Mistral's
/// sections are non-empty mappings).
struct Sections {
    branch: Option<Map<String, Value>>,
    global: Option<Map<String, Value>>,
}

impl Sections {
    fn of(branch: Map<String, Value>, global: Map<String, Value>) -> Self {
        let some = |m: Map<String, Value>| (!m.is_empty()).then_some(m);
        Sections {
            branch: some(branch),
            global: some(global),
        }
    }

    /// An on-clause's publish, if it has one (one giving only `atomic`
    /// counts: Mistral's spec exists, with no sections).
    fn of_clause(c: &OnClause) -> Option<Self> {
        let s = Sections::of(c.publish.clone(), c.publish_global.clone());
        (s.branch.is_some() || s.global.is_some() || c.publish_section).then_some(s)
    }

    /// Mistral's `PublishSpec.merge`: `from`'s sections merged into the
    /// sections this spec has (`from` wins).
    fn merge(&mut self, from: &Sections) {
        for (into, from) in [
            (&mut self.branch, &from.branch),
            (&mut self.global, &from.global),
        ] {
            if let (Some(into), Some(from)) = (into.as_mut(), from) {
                extend(into, from);
            }
        }
    }
}

/// Mistral's `merge_dicts`: `from` wins, mappings merge recursively.
fn extend(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match into.get_mut(k) {
            Some(cur) if cur.is_object() && v.is_object() => {
                crate::lang::deep_merge(cur, v.clone());
            }
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A task's global publish merged into the workflow context as Mistral's
/// persists it: `merge_dicts` merges mappings recursively, but the context
/// is stored only when one of its top-level keys is assigned (a new key, or
/// a value that is not a mapping merged into a mapping). A publish that
/// would only merge into existing mappings changes nothing that lasts.
/// Returns whether the context changed.
pub fn merge_global(ctx: &mut Map<String, Value>, global: &Map<String, Value>) -> bool {
    let assigns = global
        .iter()
        .any(|(k, v)| !(v.is_object() && ctx.get(k).is_some_and(Value::is_object)));
    if assigns {
        extend(ctx, global);
    }
    assigns
}

#[cfg(test)]
#[path = "controller_tests.rs"]
mod tests;
