//! Passive types shared by every module: ids, states, secrets, Python's
//! numbers and Python's text of a value. Depends on nothing of ours.

mod ids;
mod kind;
pub mod number;
pub mod pyjson;
pub mod pytext;
mod scope;
pub mod secrets;
mod state;

pub use ids::{ActionExecutionId, Attempt, ExecutionId, NotAnId, TaskExecutionId, WorkflowId};
pub use kind::{ParseTaskKindError, TaskKind};
pub use scope::{ParseScopeError, Scope};
pub use secrets::Secrets;
pub use state::{ParseStateError, State};

/// The project of every record when authentication is off (Mistral's
/// `<default-project>`), and of requests that name none.
pub const DEFAULT_PROJECT: &str = "<default-project>";

/// A project as Mistral's duplicate-entry texts name it: `None` when
/// authentication is off (the record's project is not yet set when the
/// text is made), the project's id otherwise.
pub fn project_text(project: &str) -> &str {
    if project.is_empty() || project == DEFAULT_PROJECT {
        "None"
    } else {
        project
    }
}

/// Timestamps are UTC without zone, stored and rendered as `YYYY-MM-DD HH:MM:SS`.
pub type Timestamp = chrono::NaiveDateTime;

/// Now, in UTC, truncated to microseconds (what both databases keep).
pub fn now() -> Timestamp {
    let t = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(t, chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}

/// Mistral's timestamp text: `YYYY-MM-DD HH:MM:SS`.
pub fn format_time(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}
