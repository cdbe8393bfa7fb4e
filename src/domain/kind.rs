//! What a task runs, in Mistral's wire spelling (`type` of a task
//! execution: `ACTION` or `WORKFLOW`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a task runs: an action or a sub-workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TaskKind {
    Action,
    Workflow,
}

impl TaskKind {
    /// Mistral's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Action => "ACTION",
            TaskKind::Workflow => "WORKFLOW",
        }
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no task kind.
#[derive(Debug, thiserror::Error)]
#[error("unknown task type '{0}'")]
pub struct ParseTaskKindError(pub String);

impl FromStr for TaskKind {
    type Err = ParseTaskKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ACTION" => Ok(TaskKind::Action),
            "WORKFLOW" => Ok(TaskKind::Workflow),
            _ => Err(ParseTaskKindError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskKind;

    #[test]
    fn wire_spelling_round_trips() {
        for k in [TaskKind::Action, TaskKind::Workflow] {
            assert_eq!(k.as_str().parse::<TaskKind>().ok(), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(k.as_str().into()));
        }
        assert!("action".parse::<TaskKind>().is_err());
    }
}
