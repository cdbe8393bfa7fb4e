//! Store records → Mistral's JSON resources (`mistral/api/controllers/v2/resources.py`),
//! with Mistral's key order, `YYYY-MM-DD HH:MM:SS` timestamps, and JSON-typed
//! fields as JSON *strings* in Python's spelling. Pure: handlers call it.

use serde_json::{Map, Value};

use super::actions::StdAction;
use crate::domain::Timestamp;
use crate::domain::pytext;
use crate::store::{
    ActionDef, ActionExecutionRecord, ExecutionRecord, ExecutionSummary, TaskRecord,
    WorkbookRecord, WorkflowDef,
};

/// Which shape of an execution a response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutionView {
    /// A list item: no `output` (unless asked), no `published_global`.
    List { include_output: bool },
    /// `GET /v2/executions/{id}`: everything; [`execution_get`] adds
    /// `published_global`.
    Get,
    /// The answer to POST/PUT: everything but `published_global`.
    Write,
}

/// Which shape of a task a response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskView {
    /// A list item: no `result`.
    List,
    /// `GET /v2/tasks/{id}`: with `result` as JSON text.
    Get,
}

/// `YYYY-MM-DD HH:MM:SS`, as Mistral stores (seconds precision) and prints them.
pub fn timestamp(t: &Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    // As `%Y-%m-%d %H:%M:%S`, without parsing that format for every field
    // of every row of a list page.
    if !(0..=9999).contains(&t.year()) || t.nanosecond() >= 1_000_000_000 {
        return t.format("%Y-%m-%d %H:%M:%S").to_string();
    }
    let mut out = String::with_capacity(19);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    out
}

fn opt_timestamp(t: Option<&Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(timestamp(t)))
}

/// A JSON-typed field: `null` stays `null`, anything else becomes its JSON text.
pub fn json_text(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        other => Value::String(pytext::dumps(other, None)),
    }
}

fn opt_string<T: ToString>(v: Option<T>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn tags(t: &[String]) -> Value {
    Value::Array(t.iter().cloned().map(Value::String).collect())
}

/// A workflow as `GET` returns it: `interface` is a JSON string.
pub fn workflow(w: &WorkflowDef) -> Map<String, Value> {
    workflow_with_interface(w, json_text(&w.interface))
}

/// A workflow as `POST`/`PUT /v2/workflows` return it. Mistral builds that
/// answer with `to_json()`, which skips the JSON-string conversion, so there
/// `interface` is an object.
pub fn uploaded_workflow(w: &WorkflowDef) -> Map<String, Value> {
    workflow_with_interface(w, w.interface.clone())
}

fn workflow_with_interface(w: &WorkflowDef, interface: Value) -> Map<String, Value> {
    let mut m = Map::with_capacity(16);
    m.insert("id".into(), w.id.to_string().into());
    m.insert("name".into(), w.name.clone().into());
    m.insert("namespace".into(), w.namespace.clone().into());
    m.insert("input".into(), w.input.clone().into());
    m.insert("interface".into(), interface);
    m.insert("definition".into(), w.definition.clone().into());
    // A workbook's workflows have none (stored empty).
    let checksum = Some(&w.checksum).filter(|c| !c.is_empty()).cloned();
    m.insert("checksum".into(), checksum.into());
    m.insert("tags".into(), tags(&w.tags));
    m.insert("scope".into(), w.scope.as_str().into());
    m.insert("project_id".into(), w.project_id.clone().into());
    m.insert("created_at".into(), timestamp(&w.created_at).into());
    m.insert("updated_at".into(), opt_timestamp(w.updated_at.as_ref()));
    m
}

/// A workflow execution.
pub fn execution(e: &ExecutionRecord, view: ExecutionView) -> Map<String, Value> {
    let mut m = Map::with_capacity(18);
    m.insert("id".into(), e.id.to_string().into());
    m.insert("workflow_id".into(), e.workflow_id.to_string().into());
    m.insert("workflow_name".into(), e.workflow_name.clone().into());
    m.insert(
        "workflow_namespace".into(),
        e.workflow_namespace.clone().into(),
    );
    m.insert("description".into(), e.description.clone().into());
    m.insert("tags".into(), tags(&e.tags));
    m.insert("params".into(), json_text(&e.params));
    m.insert("task_execution_id".into(), opt_string(e.task_execution_id));
    m.insert("root_execution_id".into(), opt_string(e.root_execution_id));
    m.insert("state".into(), e.state.as_str().into());
    m.insert("state_info".into(), opt_string(e.state_info.as_ref()));
    m.insert("input".into(), json_text(&e.input));
    if !matches!(
        view,
        ExecutionView::List {
            include_output: false
        }
    ) {
        m.insert("output".into(), json_text(&e.output));
    }
    m.insert("created_at".into(), timestamp(&e.created_at).into());
    m.insert("updated_at".into(), opt_timestamp(e.updated_at.as_ref()));
    m.insert("project_id".into(), e.project_id.clone().into());
    m
}

/// A listed execution: [`execution`] of its record, its JSON fields
/// written from the text stored, without parsing it.
pub fn execution_summary(s: &ExecutionSummary, view: ExecutionView) -> Map<String, Value> {
    let mut m = execution(&s.record, view);
    m.insert("params".into(), stored_json_text(&s.params));
    m.insert("input".into(), stored_json_text(&s.input));
    if let Some(output) = s.output.as_deref().filter(|_| m.contains_key("output")) {
        m.insert("output".into(), stored_json_text(output));
    }
    m
}

/// [`json_text`] of the value a JSON column's text holds.
fn stored_json_text(text: &str) -> Value {
    if text == "null" {
        return Value::Null;
    }
    pytext::dumps_json_text(text)
        .or_else(|| {
            serde_json::from_str(text)
                .ok()
                .map(|v| pytext::dumps(&v, None))
        })
        .map_or(Value::Null, Value::String)
}

/// `GET /v2/executions/{id}`: the execution with `published_global`, for
/// which it needs `spec`, the spec of the execution's version.
pub fn execution_get(e: &ExecutionRecord, spec: &Value) -> Map<String, Value> {
    let mut m = execution(e, ExecutionView::Get);
    m.insert(
        "published_global".into(),
        json_text(&published_global(e, spec)),
    );
    m
}

/// Variables published globally: the workflow context minus Mistral's
/// internal keys and the workflow's `vars` (in `spec`, the execution's)
/// (`data_flow.get_workflow_execution_published_global`).
pub fn published_global(e: &ExecutionRecord, spec: &Value) -> Value {
    let vars = spec.get("vars").and_then(Value::as_object);
    let out: Map<String, Value> = e
        .context
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            k.as_str() != "__execution"
                && k.as_str() != "openstack"
                && !vars.is_some_and(|v| v.contains_key(k.as_str()))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(out)
}

/// A task execution.
pub fn task(t: &TaskRecord, view: TaskView) -> Map<String, Value> {
    let mut m = Map::with_capacity(24);
    m.insert("id".into(), t.id.to_string().into());
    m.insert("name".into(), t.name.clone().into());
    m.insert("type".into(), t.kind.as_str().into());
    m.insert("workflow_name".into(), t.workflow_name.clone().into());
    m.insert(
        "workflow_namespace".into(),
        t.workflow_namespace.clone().into(),
    );
    m.insert("workflow_id".into(), t.workflow_id.to_string().into());
    m.insert(
        "workflow_execution_id".into(),
        t.execution_id.to_string().into(),
    );
    m.insert("tags".into(), tags(&t.tags));
    m.insert("state".into(), t.state.as_str().into());
    m.insert("state_info".into(), opt_string(t.state_info.as_ref()));
    m.insert("project_id".into(), t.project_id.clone().into());
    m.insert(
        "runtime_context".into(),
        json_text(&runtime_context(&t.runtime_context)),
    );
    if view == TaskView::Get {
        // Mistral computes a task's result from its accepted executions: a
        // task still in progress (running, waiting, delayed for a retry,
        // held by `pause-before`) has none yet and shows `[]`; one held by
        // `wait-after` has its result.
        let none = Value::Array(Vec::new());
        let result = if crate::engine::result_pending(t) {
            &none
        } else {
            &t.result
        };
        m.insert("result".into(), pytext::dumps(result, None).into());
    }
    m.insert("published".into(), json_text(&t.published));
    m.insert("processed".into(), t.processed.into());
    m.insert("created_at".into(), timestamp(&t.created_at).into());
    m.insert("updated_at".into(), opt_timestamp(t.updated_at.as_ref()));
    m.insert("started_at".into(), opt_timestamp(t.started_at.as_ref()));
    m.insert("finished_at".into(), opt_timestamp(t.finished_at.as_ref()));
    m
}

/// The engine's own bookkeeping in a task's `runtime_context`: stored,
/// never shown.
const INTERNAL_CONTEXT_KEYS: &[&str] = &[
    "safe_rerun",
    "next_tasks",
    "timer",
    "timeout_timer",
    "timeout",
    "wait_after_done",
    "wait_after_info",
    "interrupted",
    "rerun_no",
    "join_failed_by",
];

/// A task's `runtime_context` as Mistral shows it: the engine's
/// bookkeeping is left out (an empty `triggered_by` too: Mistral sets it
/// only on triggered tasks), a scheduled wait-before / wait-after shows as
/// Mistral's `wait_before_policy` / `wait_after_policy` `{"skip": true}`, a
/// join that waits or ended in ERROR shows the `triggered_by` Mistral's
/// logical state gives it (`[]` while it waits),
/// and with-items shows Mistral's `{"capacity", "count"}` (with the
/// `concurrency` limit beside it, not inside).
pub fn runtime_context(rc: &Value) -> Value {
    let Some(rc) = rc.as_object() else {
        return rc.clone();
    };
    let skip = || serde_json::json!({"skip": true});
    let mut out = Map::new();
    for (k, v) in rc {
        match k.as_str() {
            "triggered_by" if v.as_array().is_some_and(Vec::is_empty) => {}
            "timer" => match v.get("kind").and_then(Value::as_str) {
                Some("wait-before") => {
                    out.insert("wait_before_policy".into(), skip());
                }
                Some("wait-after") => {
                    out.insert("wait_after_policy".into(), skip());
                }
                _ => {}
            },
            "wait_after_done" => {
                out.insert("wait_after_policy".into(), skip());
            }
            "with_items" if v.get("capacity").is_none() => {
                let limit = match v.get("concurrency") {
                    Some(Value::Number(n)) if n.as_u64() != Some(0) => Value::Number(n.clone()),
                    _ => Value::Null,
                };
                let count = v.get("count").cloned().unwrap_or(Value::Null);
                if !limit.is_null() {
                    out.insert("concurrency".into(), limit.clone());
                }
                out.insert(
                    k.clone(),
                    serde_json::json!({"capacity": limit, "count": count}),
                );
            }
            "with_items" => {
                // The concurrency kept beside Mistral's two keys is the
                // engine's, for restarts.
                let mut wi = v.clone();
                if let Some(m) = wi.as_object_mut() {
                    m.remove("concurrency");
                }
                out.insert(k.clone(), wi);
            }
            key if INTERNAL_CONTEXT_KEYS.contains(&key) => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    // A waiting join, or one ended in ERROR, shows what Mistral's logical
    // state gave it.
    if let Some(by) = rc.get("join_failed_by") {
        out.insert("triggered_by".into(), by.clone());
    }
    Value::Object(out)
}

/// An action execution (`resources.ActionExecution`: no task name, no
/// params); `output` (`{"result": …}` as JSON text) only when asked, and
/// `null` until the action is done.
pub fn action_execution(a: &ActionExecutionRecord, include_output: bool) -> Map<String, Value> {
    let mut m = Map::with_capacity(20);
    m.insert("id".into(), a.id.to_string().into());
    m.insert("workflow_name".into(), opt_string(a.workflow_name.as_ref()));
    m.insert(
        "workflow_namespace".into(),
        opt_string(a.workflow_namespace.as_ref()),
    );
    m.insert("task_execution_id".into(), opt_string(a.task_execution_id));
    m.insert("state".into(), shown_state(a).as_str().into());
    m.insert("state_info".into(), opt_string(a.state_info.as_ref()));
    m.insert(
        "tags".into(),
        if a.tags.is_empty() {
            Value::Null
        } else {
            tags(&a.tags)
        },
    );
    m.insert("name".into(), a.name.clone().into());
    m.insert("description".into(), action_description(a));
    m.insert("project_id".into(), a.project_id.clone().into());
    m.insert("accepted".into(), a.accepted.into());
    m.insert("input".into(), json_text(&a.input));
    if include_output {
        // Mistral stores no output before the action completes.
        let output = match a.state.is_completed() {
            true => json_text(&a.output),
            false => Value::Null,
        };
        m.insert("output".into(), output);
    }
    m.insert("created_at".into(), timestamp(&a.created_at).into());
    m.insert("updated_at".into(), opt_timestamp(a.updated_at.as_ref()));
    m
}

/// The state a client sees. Mistral creates a standalone action execution
/// RUNNING; bora records it IDLE until a worker confirms it has it (what a
/// restart does with it hangs on that), and shows it RUNNING from the start,
/// as the answer to its `POST` does: a client never sees it go back.
fn shown_state(a: &ActionExecutionRecord) -> crate::domain::State {
    use crate::domain::State;
    match a.state {
        State::Idle if a.task_execution_id.is_none() && a.execution_id.is_none() => State::Running,
        s => s,
    }
}

/// An action execution's description. A standalone run made inline and
/// saved (`run_sync` with `save_result`) is stored with the description the
/// request gave, `null` when it gave none (bora keeps text, so an empty one
/// reads as `null` there).
fn action_description(a: &ActionExecutionRecord) -> Value {
    let on = |k: &str| a.params.get(k).is_some_and(crate::domain::pytext::truthy);
    let standalone = a.task_execution_id.is_none() && a.execution_id.is_none();
    if standalone && a.description.is_empty() && on("run_sync") && on("save_result") {
        Value::Null
    } else {
        a.description.clone().into()
    }
}

/// A system action (`_action_descriptor_to_resource`): its id is its name,
/// it has no definition text, no timestamps, no tags and no scope, and
/// (as Mistral builds every listed action) `is_system` is `false`.
pub fn action(a: &StdAction) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), a.name.into());
    m.insert("name".into(), a.name.into());
    m.insert("is_system".into(), false.into());
    m.insert("input".into(), a.input.clone().into());
    m.insert("description".into(), a.description.into());
    m.insert("tags".into(), Value::Null);
    m.insert("definition".into(), "".into());
    m.insert("scope".into(), Value::Null);
    m.insert("project_id".into(), Value::Null);
    m.insert("created_at".into(), "".into());
    m.insert("updated_at".into(), "".into());
    m.insert("namespace".into(), "".into());
    m
}

/// An ad-hoc action (`resources.Action`), in the same key order as a
/// system action.
pub fn adhoc_action(a: &ActionDef) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), a.id.clone().into());
    m.insert("name".into(), a.name.clone().into());
    m.insert("is_system".into(), false.into());
    m.insert("input".into(), a.input.clone().into());
    m.insert("description".into(), opt_string(a.description.as_ref()));
    m.insert("tags".into(), tags(&a.tags));
    m.insert("definition".into(), a.definition.clone().into());
    m.insert("scope".into(), a.scope.as_str().into());
    m.insert("project_id".into(), a.project_id.clone().into());
    m.insert("created_at".into(), timestamp(&a.created_at).into());
    m.insert("updated_at".into(), opt_timestamp(a.updated_at.as_ref()));
    m.insert("namespace".into(), a.namespace.clone().into());
    m
}

/// A workbook (`resources.Workbook`).
pub fn workbook(w: &WorkbookRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), w.id.clone().into());
    m.insert("name".into(), w.name.clone().into());
    m.insert("namespace".into(), w.namespace.clone().into());
    m.insert("definition".into(), w.definition.clone().into());
    m.insert("tags".into(), tags(&w.tags));
    m.insert("scope".into(), w.scope.as_str().into());
    m.insert("project_id".into(), w.project_id.clone().into());
    m.insert("created_at".into(), timestamp(&w.created_at).into());
    m.insert("updated_at".into(), opt_timestamp(w.updated_at.as_ref()));
    m
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
