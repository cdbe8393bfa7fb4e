//! The one door for state changes: only the setters here write the state of
//! a workflow execution, a task execution or an action execution. Each
//! names the kind of move it makes ([`Move`]), checks it against Mistral's
//! transition table (`State::can_transition`) widened by what that kind of
//! move is for, and refuses anything else: the state stays, the refusal is
//! logged with the place that asked for it and counted
//! (`bora_state_moves_refused_total`). A record that has ended therefore
//! never moves again unless a rerun, a join's reopening or an
//! after-completion policy moves it, each by its own name.

use std::panic::Location;

use super::Stats;
use serde_json::Value;

use crate::domain::{State, TaskExecutionId, Timestamp};
use crate::store::{ActionExecutionRecord, ExecutionRecord, TaskRecord};

/// The kind of a state change, which decides the moves it may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Move {
    /// A move of Mistral's transition table.
    Forward,
    /// An unfinished record ends (completes, fails, is cancelled, is
    /// skipped, or a join that can never run fails): any state that has not
    /// ended to any end state.
    End,
    /// A finished execution or task is run again (rerun, skip): an ended
    /// state back to RUNNING.
    Rerun,
    /// A finished join gets a new arrival and waits again (Mistral's
    /// `defer` of a join task): SUCCESS or ERROR back to WAITING.
    Reopen,
    /// A policy takes hold of a task: `pause-before` holds it IDLE;
    /// `wait-after` and `retry` hold an ended task DELAYED (and `wait-after`
    /// gives it back its end state when the delay is over); `fail-on` turns
    /// its SUCCESS into ERROR.
    Policy,
    /// A task whose completion cannot be handled (a publish or transition
    /// guard that cannot be evaluated) fails with its workflow, whatever
    /// state it had reached (Mistral's `force_fail_task`): any state to
    /// ERROR.
    ForceFail,
    /// An action found RUNNING after a restart whose task is safe to run
    /// again is dispatched again: RUNNING back to IDLE.
    Redispatch,
}

impl Move {
    /// True when this kind of move may take a record from `from` to `to`.
    pub(crate) fn allows(self, from: State, to: State) -> bool {
        use State::*;
        if from.can_transition(to) {
            return true;
        }
        match self {
            Move::Forward => false,
            Move::End => !from.is_completed() && to.is_completed(),
            Move::Rerun => from.is_completed() && to == Running,
            Move::Reopen => matches!(from, Success | Error) && to == Waiting,
            Move::Policy => matches!(
                (from, to),
                (Running, Idle)
                    | (Success | Error, RunningDelayed)
                    | (RunningDelayed, Success)
                    | (Success, Error)
            ),
            Move::ForceFail => to == Error,
            Move::Redispatch => from == Running && to == Idle,
        }
    }
}

/// A record with a state: the three kinds of execution.
pub(crate) trait Stateful {
    /// What it is, for the log.
    const KIND: &'static str;
    fn state(&self) -> State;
    fn state_mut(&mut self) -> &mut State;
    /// Its id, for the log.
    fn id_text(&self) -> String;
}

/// `Stateful` for records whose state and id are fields named so.
macro_rules! stateful {
    ($($rec:ty => $kind:literal),* $(,)?) => {$(
        impl Stateful for $rec {
            const KIND: &'static str = $kind;
            fn state(&self) -> State {
                self.state
            }
            fn state_mut(&mut self) -> &mut State {
                &mut self.state
            }
            fn id_text(&self) -> String {
                self.id.to_string()
            }
        }
    )*};
}

stateful! {
    ExecutionRecord => "execution",
    TaskRecord => "task",
    ActionExecutionRecord => "action execution",
}

/// A task as an operation would leave it, shown to the operation's own
/// expressions before anything is applied (`task()` in `publish` sees the
/// task completed, with its result): the plan reads through it, the apply
/// makes it true.
#[derive(Clone, Debug)]
pub(crate) struct Overlay {
    pub task: TaskExecutionId,
    pub state: State,
    pub state_info: Option<String>,
    pub result: Value,
    /// `finished_at` and `updated_at`.
    pub at: Timestamp,
}

/// Moves `rec` to `to` if a move of kind `how` may; else leaves it, logs
/// and counts the refusal. True when the record is in `to` now.
#[track_caller]
pub(crate) fn set<R: Stateful>(rec: &mut R, to: State, how: Move, stats: &mut Stats) -> bool {
    let from = rec.state();
    if how.allows(from, to) {
        *rec.state_mut() = to;
        return true;
    }
    stats.state_moves_refused += 1;
    log::warn!(
        "{} {}: state move {from} -> {to} ({how:?}) refused (asked at {})",
        R::KIND,
        rec.id_text(),
        Location::caller()
    );
    false
}

/// A move of the transition table.
#[track_caller]
pub(crate) fn advance<R: Stateful>(rec: &mut R, to: State, stats: &mut Stats) -> bool {
    set(rec, to, Move::Forward, stats)
}

/// An unfinished record ends in `to`.
#[track_caller]
pub(crate) fn end<R: Stateful>(rec: &mut R, to: State, stats: &mut Stats) -> bool {
    set(rec, to, Move::End, stats)
}

/// A finished record runs again.
#[track_caller]
pub(crate) fn rerun<R: Stateful>(rec: &mut R, stats: &mut Stats) -> bool {
    set(rec, State::Running, Move::Rerun, stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::State::*;

    fn task(state: State) -> TaskRecord {
        TaskRecord {
            id: crate::domain::TaskExecutionId::new(),
            name: "t".into(),
            execution_id: crate::domain::ExecutionId::new(),
            workflow_name: "wf".into(),
            workflow_namespace: String::new(),
            workflow_id: crate::domain::WorkflowId::new(),
            kind: crate::domain::TaskKind::Action,
            tags: Vec::new(),
            state,
            state_info: None,
            runtime_context: serde_json::json!({}),
            in_context: serde_json::json!({}),
            published: serde_json::json!({}),
            result: serde_json::Value::Null,
            processed: false,
            error_handled: false,
            project_id: String::new(),
            created_at: crate::domain::now(),
            updated_at: None,
            started_at: None,
            finished_at: None,
        }
    }

    #[test]
    fn success_to_running_is_refused_and_counted() {
        let mut stats = Stats::default();
        let mut t = task(Success);
        assert!(!advance(&mut t, Running, &mut stats));
        assert!(!end(&mut t, Error, &mut stats));
        assert_eq!(t.state, Success);
        assert_eq!(stats.state_moves_refused, 2);
    }

    #[test]
    fn forward_moves_pass_and_are_not_counted() {
        let mut stats = Stats::default();
        let mut t = task(Waiting);
        assert!(advance(&mut t, Running, &mut stats));
        assert!(advance(&mut t, Success, &mut stats));
        assert_eq!(t.state, Success);
        assert_eq!(stats.state_moves_refused, 0);
    }

    #[test]
    fn named_moves_allow_only_their_own() {
        let mut stats = Stats::default();
        let mut t = task(Error);
        assert!(rerun(&mut t, &mut stats));
        assert_eq!(t.state, Running);
        let mut t = task(Success);
        assert!(set(&mut t, Waiting, Move::Reopen, &mut stats));
        // A rerun starts a task; it does not end or hold it.
        let mut t = task(Running);
        assert!(!set(&mut t, Idle, Move::Rerun, &mut stats));
        assert!(!set(&mut t, Waiting, Move::Reopen, &mut stats));
        assert!(set(&mut t, Idle, Move::Policy, &mut stats));
        // An end is final for everything but a rerun, a reopening or a policy.
        let mut t = task(Cancelled);
        assert!(!end(&mut t, Success, &mut stats));
        assert!(!set(&mut t, RunningDelayed, Move::Policy, &mut stats));
        assert!(!set(&mut t, Idle, Move::Redispatch, &mut stats));
        assert_eq!(stats.state_moves_refused, 5);
    }
}
