//! Who may see a definition, an environment or a cron trigger, in Mistral's
//! wire spelling (`scope`: `private` or `public`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The scope of a workflow, workbook or ad-hoc action definition, an
/// environment or a cron trigger: its project's alone, or every project's
/// to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    Private,
    Public,
}

impl Scope {
    /// Mistral's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Private => "private",
            Scope::Public => "public",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no scope.
#[derive(Debug, thiserror::Error)]
#[error("unknown scope '{0}'")]
pub struct ParseScopeError(pub String);

impl FromStr for Scope {
    type Err = ParseScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "private" => Ok(Scope::Private),
            "public" => Ok(Scope::Public),
            _ => Err(ParseScopeError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn wire_spelling_round_trips() {
        for s in [Scope::Private, Scope::Public] {
            assert_eq!(s.as_str().parse::<Scope>().ok(), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(s.as_str().into()));
        }
        assert!("PUBLIC".parse::<Scope>().is_err());
        assert_eq!(Scope::default(), Scope::Private);
    }
}
