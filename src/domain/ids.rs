//! Newtype ids: an execution id can never be passed where a task id is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Text that names no record: an id is only ever its canonical text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an id in its canonical form (lower-case hex, hyphenated)")]
pub struct NotAnId;

/// The UUID whose canonical text (`8-4-4-4-12` lower-case hex) `s` is.
/// Mistral compares ids as text, so another spelling of the same UUID
/// (upper case, no dashes, braces, `urn:uuid:`) names nothing.
fn canonical(s: &str) -> Result<Uuid, NotAnId> {
    match Uuid::try_parse(s) {
        Ok(u) if u.hyphenated().to_string() == s => Ok(u),
        _ => Err(NotAnId),
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = NotAnId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                canonical(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A workflow definition.
    WorkflowId
);
id_type!(
    /// A workflow execution.
    ExecutionId
);
id_type!(
    /// One execution of a task inside a workflow execution.
    TaskExecutionId
);
id_type!(
    /// One run of an action for a task execution.
    ActionExecutionId
);

/// The fencing token of a dispatch: every `HandleTask`, `ConfirmExecution` and
/// `ConveyResult` names it, and the engine refuses any that is not current.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attempt(pub u32);

impl Attempt {
    /// The attempt after this one.
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_text_is_an_id() {
        let id = "63c3b8b5-5197-435b-b47c-f9a657aea19e";
        assert_eq!(id.parse::<ExecutionId>().unwrap().to_string(), id);
        for other in [
            "63C3B8B5-5197-435B-B47C-F9A657AEA19E",
            "63c3b8b55197435bb47cf9a657aea19e",
            "{63c3b8b5-5197-435b-b47c-f9a657aea19e}",
            "urn:uuid:63c3b8b5-5197-435b-b47c-f9a657aea19e",
            "",
            "x",
        ] {
            assert_eq!(other.parse::<ExecutionId>(), Err(NotAnId), "{other}");
        }
    }
}
