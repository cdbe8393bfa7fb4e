//! What a finished task publishes globally, evaluated when asked (as
//! Mistral's `get_published_global` does at each GET of a task).

use serde_json::{Map, Value};

use crate::lang::TaskSpec;
use crate::store::{ExecutionRecord, TaskRecord};

/// The global publish of SUCCESS or ERROR task `t` (spec `task_spec`) of
/// `exec`, evaluated now over the task's inbound context, the workflow's
/// env, global context and input; only a non-empty result is given.
pub fn published_global(
    exec: &ExecutionRecord,
    t: &TaskRecord,
    task_spec: &TaskSpec,
) -> Result<Option<Value>, String> {
    let (_, global) = super::controller::publish_spec(task_spec, t.state);
    if global.is_empty() {
        return Ok(None);
    }
    let data = global_publish_data(exec, t);
    let host = ApiHost { exec };
    let ctx = crate::expr::Context {
        data: &data,
        host: Some(&host),
    };
    let eval = crate::expr::Evaluator::new(crate::expr::Limits::default());
    let value = eval
        .evaluate_data(&Value::Object(global), &ctx)
        .map_err(|e| e.to_string())?;
    Ok(crate::domain::pytext::truthy(&value).then_some(value))
}

/// Mistral's `ContextView(task, in_context, env, wf context, wf input)`:
/// the first of them that has a key gives its value.
fn global_publish_data(exec: &ExecutionRecord, t: &TaskRecord) -> Value {
    let mut data = Map::new();
    let layers = [
        exec.input.clone(),
        exec.context.clone(),
        serde_json::json!({"__env": exec.params.get("env").cloned().unwrap_or_else(|| serde_json::json!({}))}),
        t.in_context.clone(),
        serde_json::json!({"__task_execution": {"id": t.id.to_string(), "name": t.name}}),
    ];
    for layer in layers {
        if let Value::Object(m) = layer {
            data.extend(m);
        }
    }
    Value::Object(data)
}

/// The functions an API-side evaluation offers: the workflow's global
/// variables; no task or execution rows (Mistral's API evaluation cannot
/// load them either).
struct ApiHost<'a> {
    exec: &'a ExecutionRecord,
}

impl crate::expr::Host for ApiHost<'_> {
    fn execution(&self) -> Value {
        Value::Null
    }

    fn task(&self, _name: Option<&str>) -> Value {
        Value::Null
    }

    fn tasks(&self, _q: &crate::expr::TasksQuery) -> Value {
        Value::Array(Vec::new())
    }

    fn global(&self, name: &str) -> Value {
        self.exec.context.get(name).cloned().unwrap_or(Value::Null)
    }
}
