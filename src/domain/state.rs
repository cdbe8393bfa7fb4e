//! The one state machine of Mistral, shared by workflow, task and action
//! executions, with its transition table. Wire names are Mistral's spellings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A state of a workflow, task or action execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    #[serde(rename = "IDLE")]
    Idle,
    #[serde(rename = "WAITING")]
    Waiting,
    #[serde(rename = "RUNNING")]
    Running,
    /// Held by a retry or wait policy; Mistral spells it `DELAYED` on the wire.
    #[serde(rename = "DELAYED")]
    RunningDelayed,
    #[serde(rename = "PAUSED")]
    Paused,
    #[serde(rename = "SUCCESS")]
    Success,
    #[serde(rename = "ERROR")]
    Error,
    #[serde(rename = "CANCELLED")]
    Cancelled,
    #[serde(rename = "SKIPPED")]
    Skipped,
}

impl State {
    /// Every state, in a fixed order.
    pub const ALL: [State; 9] = [
        State::Idle,
        State::Waiting,
        State::Running,
        State::RunningDelayed,
        State::Paused,
        State::Success,
        State::Error,
        State::Cancelled,
        State::Skipped,
    ];

    /// The Mistral wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "IDLE",
            State::Waiting => "WAITING",
            State::Running => "RUNNING",
            State::RunningDelayed => "DELAYED",
            State::Paused => "PAUSED",
            State::Success => "SUCCESS",
            State::Error => "ERROR",
            State::Cancelled => "CANCELLED",
            State::Skipped => "SKIPPED",
        }
    }

    /// SUCCESS, ERROR or CANCELLED: nothing moves on from here but a rerun.
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Success | State::Error | State::Cancelled)
    }

    /// Terminal, or SKIPPED (which counts as completed for tasks).
    pub fn is_completed(self) -> bool {
        self.is_terminal() || self == State::Skipped
    }

    /// Mistral's transition table (`mistral/workflow/states.py`). The same
    /// state to itself is always allowed.
    pub fn can_transition(self, to: State) -> bool {
        use State::*;
        if self == to {
            return true;
        }
        match self {
            Idle => matches!(to, Running | Error | Cancelled),
            Waiting => matches!(to, Running),
            Running => matches!(to, Paused | RunningDelayed | Success | Error | Cancelled),
            RunningDelayed => matches!(to, Running | Error | Cancelled),
            Paused => matches!(to, Running | Error | Cancelled),
            Success => false,
            Cancelled => matches!(to, Running),
            Error => matches!(to, Running | Skipped),
            Skipped => false,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no state.
#[derive(Debug, thiserror::Error)]
#[error("unknown state '{0}'")]
pub struct ParseStateError(pub String);

impl FromStr for State {
    type Err = ParseStateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s || (s == "RUNNING_DELAYED" && *st == State::RunningDelayed))
            .ok_or_else(|| ParseStateError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::State::{self, *};

    fn check(from: State, to: State, allowed: bool) {
        assert_eq!(from.can_transition(to), allowed, "{from} -> {to}");
    }

    #[test]
    fn transition_table() {
        check(Idle, Running, true);
        check(Idle, Paused, false);
        check(Waiting, Running, true);
        check(Waiting, Error, false);
        check(Running, RunningDelayed, true);
        check(Running, Idle, false);
        check(Success, Running, false);
        check(Success, Success, true);
        check(Error, Running, true);
        check(Error, Skipped, true);
        check(Cancelled, Running, true);
        check(Skipped, Running, false);
    }

    #[test]
    fn wire_names_round_trip() {
        for s in State::ALL {
            assert_eq!(s.as_str().parse::<State>().unwrap(), s);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!("RUNNING_DELAYED".parse::<State>().unwrap(), RunningDelayed);
    }
}
