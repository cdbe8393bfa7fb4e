//! The rules of an execution's `params.env` update (PUT /v2/executions
//! with `params.env`, alone or with a resume): when it is allowed, what it
//! may hold, and how it merges, as Mistral's
//! `services.workflows.update_workflow_execution_env` and `merge_dicts`.
//! Called by the execution update and resume handlers.

use serde_json::{Map, Value};

use super::Error;
use crate::domain::State;
use crate::lang;

/// `params.env` may change on its own only while the execution is IDLE,
/// PAUSED or ERROR (`services.workflows.update_workflow_execution_env`).
pub(crate) fn env_allowed(state: State) -> Result<(), Error> {
    if matches!(state, State::Idle | State::Paused | State::Error) {
        Ok(())
    } else {
        Err(Error::NotAllowed(
            "Updating env to workflow execution is only permitted if it is in IDLE, PAUSED, or ERROR state.".into(),
        ))
    }
}

/// An env update must be a mapping: Mistral's `merge_dicts` iterates the
/// new env's `items()`, so any other (true) value fails there (an HTTP 500
/// in Mistral, a 400 here with the same Python text).
pub(crate) fn env_mergeable(env: &Value) -> Result<(), Error> {
    let ty = match env {
        Value::Object(_) => return Ok(()),
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Null => "NoneType",
    };
    Err(Error::Invalid(format!(
        "'{ty}' object has no attribute 'items'"
    )))
}

/// Merges `env` into `params.env` as Mistral's `merge_dicts` does.
pub(crate) fn merge_env(params: &mut Value, env: Value) {
    if !params.is_object() {
        *params = Value::Object(Map::new());
    }
    match params.get_mut("env") {
        Some(cur @ Value::Object(_)) => lang::deep_merge(cur, env),
        _ => {
            params["env"] = env;
        }
    }
}
