//! wsme's conversion of a request body against its resource's attribute
//! types, as Mistral's API runs it before any controller code: every
//! attribute the body gives is converted, also those the operation then
//! ignores. Called by the POST and PUT handlers after their unknown-attribute
//! check; the first refusal is the answer.

use serde_json::{Map, Value};

use super::body;
use super::error::Error;
use crate::domain::pytext;

/// The type of one resource attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `wtypes.text`.
    Text,
    /// `types.jsontype`: a mapping or the text of one.
    Json,
    /// `bool` (wsme's unambiguous texts and ints too).
    Bool,
    /// `[wtypes.text]`.
    TextList,
    /// `wsattr(..., readonly=True)`: refused whatever its value.
    ReadOnly,
}

/// Converts each attribute of `attrs` the body holds, in the resource's
/// order; `arg` names the body (`wf_ex`, `action_ex`, ...) in the texts
/// that quote it whole.
pub fn check(obj: &Map<String, Value>, arg: &str, attrs: &[(&str, Kind)]) -> Result<(), Error> {
    for &(name, kind) in attrs {
        let Some(v) = obj.get(name) else { continue };
        match kind {
            Kind::Text => {
                body::string(obj, name)?;
            }
            Kind::Json => {
                body::dict(obj, name, arg)?;
            }
            Kind::Bool => {
                body::boolean(obj, name, arg)?;
            }
            Kind::TextList => text_list(obj, name, arg, v)?,
            Kind::ReadOnly => {
                return Err(Error::bad(format!(
                    "Invalid input for field/attribute {name}. Value: '{}'. Cannot set read only field.",
                    pytext::str(v)
                )));
            }
        }
    }
    Ok(())
}

fn text_list(obj: &Map<String, Value>, name: &str, arg: &str, v: &Value) -> Result<(), Error> {
    match v {
        Value::Null => Ok(()),
        Value::Array(items) => match items.iter().find(|i| !i.is_string()) {
            None => Ok(()),
            Some(bad) => Err(Error::bad(format!(
                "Invalid input for field/attribute {name}. Value: '{}'. Wrong type. Expected '<class 'str'>', got '<class '{}'>'",
                pytext::str(v),
                pytext::type_name(bad)
            ))),
        },
        other => Err(Error::bad(format!(
            "Invalid input for field/attribute {arg}. Value: '{}'. Value not a valid list: {}",
            pytext::repr(&Value::Object(obj.clone())),
            pytext::str(other)
        ))),
    }
}

/// The execution resource (`wf_ex`).
pub const EXECUTION: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("workflow_id", Kind::Text),
    ("workflow_name", Kind::Text),
    ("workflow_namespace", Kind::Text),
    ("description", Kind::Text),
    ("tags", Kind::TextList),
    ("params", Kind::Json),
    ("task_execution_id", Kind::Text),
    ("root_execution_id", Kind::Text),
    ("source_execution_id", Kind::Text),
    ("state", Kind::Text),
    ("state_info", Kind::Text),
    ("input", Kind::Json),
    ("output", Kind::Json),
    ("published_global", Kind::Json),
    ("created_at", Kind::Text),
    ("updated_at", Kind::Text),
    ("project_id", Kind::ReadOnly),
];

/// The action execution resource (`action_ex`).
pub const ACTION_EXECUTION: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("workflow_name", Kind::Text),
    ("workflow_namespace", Kind::Text),
    ("task_name", Kind::Text),
    ("task_execution_id", Kind::Text),
    ("state", Kind::Text),
    ("state_info", Kind::Text),
    ("tags", Kind::TextList),
    ("name", Kind::Text),
    ("description", Kind::Text),
    ("project_id", Kind::ReadOnly),
    ("accepted", Kind::Bool),
    ("input", Kind::Json),
    ("output", Kind::Json),
    ("created_at", Kind::Text),
    ("updated_at", Kind::Text),
    ("params", Kind::Json),
];

/// The environment resource (`env`); its `scope` is an enum checked by
/// the handler.
pub const ENVIRONMENT: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("name", Kind::Text),
    ("description", Kind::Text),
    ("variables", Kind::Json),
    ("project_id", Kind::ReadOnly),
    ("created_at", Kind::Text),
    ("updated_at", Kind::Text),
];

/// The cron trigger resource (`cron_trigger`).
pub const CRON_TRIGGER: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("name", Kind::Text),
    ("workflow_name", Kind::Text),
    ("workflow_id", Kind::Text),
    ("workflow_input", Kind::Json),
    ("workflow_params", Kind::Json),
    ("project_id", Kind::ReadOnly),
    ("pattern", Kind::Text),
    ("first_execution_time", Kind::Text),
    ("next_execution_time", Kind::Text),
    ("created_at", Kind::Text),
    ("updated_at", Kind::Text),
];

/// The task resource (`task`) as a PUT gives it; `reset` and `env` are
/// converted by the handler in their place.
pub const TASK: &[(&str, Kind)] = &[("project_id", Kind::ReadOnly)];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_one(v: Value, kind: Kind) -> Result<(), String> {
        let obj = json!({ "f": v }).as_object().cloned().unwrap_or_default();
        check(&obj, "wf_ex", &[("f", kind)]).map_err(|e| e.to_string())
    }

    #[test]
    fn kinds() {
        assert!(check_one(json!("x"), Kind::Text).is_ok());
        assert!(check_one(json!(null), Kind::Text).is_ok());
        assert!(check_one(json!(5), Kind::Text).is_err());
        assert!(check_one(json!(["a"]), Kind::TextList).is_ok());
        assert!(
            check_one(json!("ab"), Kind::TextList)
                .is_err_and(|e| e.ends_with("Value not a valid list: ab"))
        );
        assert!(
            check_one(json!(null), Kind::ReadOnly)
                .is_err_and(|e| e.contains("Value: 'None'. Cannot set read only field."))
        );
        assert!(check_one(json!("yes"), Kind::Bool).is_ok());
        assert!(check_one(json!("True"), Kind::Bool).is_err());
        assert!(check_one(json!({"a": 1}), Kind::Json).is_ok());
    }
}
