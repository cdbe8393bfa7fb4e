//! Execution notifications (`params.notify`): the subscribers an execution
//! was started with, Mistral's event names for each state change
//! (`mistral/notifiers/notification_events.py`) and its payloads
//! (`engine/workflows.py`, `engine/tasks.py: _notify`). Called from
//! `touch_exec`/`touch_task`; the events become outbox rows of the same
//! group commit as the change. An execution without `notify` costs one
//! `Option` check.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use serde_json::{Map, Value, json};

use super::EngineActor;
use crate::domain::{ExecutionId, State, TaskExecutionId, format_time, now};
use crate::store::{ExecutionRecord, NewNotification, TaskRecord};

/// Mistral's workflow events.
pub const WORKFLOW_EVENTS: &[&str] = &[
    "WORKFLOW_LAUNCHED",
    "WORKFLOW_SUCCEEDED",
    "WORKFLOW_FAILED",
    "WORKFLOW_CANCELLED",
    "WORKFLOW_PAUSED",
    "WORKFLOW_RESUMED",
    "WORKFLOW_RERUN",
];

/// Mistral's task events.
pub const TASK_EVENTS: &[&str] = &[
    "TASK_LAUNCHED",
    "TASK_SUCCEEDED",
    "TASK_FAILED",
    "TASK_CANCELLED",
    "TASK_PAUSED",
    "TASK_RESUMED",
    "TASK_RERUN",
    "TASK_SKIPPED",
];

/// One `params.notify` entry: a webhook.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscriber {
    pub url: String,
    /// Request headers, name to value.
    pub headers: Map<String, Value>,
    /// The events sent; empty: all.
    pub event_types: Vec<String>,
}

/// Checks `params.notify` and returns its subscribers (`None` when absent,
/// null or empty). Mistral takes any value and drops what it cannot use at
/// delivery; bora refuses it at start, naming the problem.
pub fn subscribers(params: &Map<String, Value>) -> Result<Option<Arc<[Subscriber]>>, String> {
    let list = match params.get("notify") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(l)) => l,
        Some(other) => {
            return Err(format!(
                "Invalid params.notify: expected a list of notifiers, got {}",
                kind(other)
            ));
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        out.push(subscriber(entry).map_err(|e| format!("Invalid params.notify[{i}]: {e}"))?);
    }
    Ok((!out.is_empty()).then(|| out.into()))
}

fn subscriber(entry: &Value) -> Result<Subscriber, String> {
    let Value::Object(m) = entry else {
        return Err(format!("expected an object, got {}", kind(entry)));
    };
    match m.get("type") {
        Some(Value::String(t)) if t == "webhook" => {}
        Some(Value::String(t)) => {
            return Err(format!(
                "unknown notifier type '{t}' (the only type is 'webhook')"
            ));
        }
        None => return Err("'type' is required ('webhook')".into()),
        Some(other) => return Err(format!("'type' must be a string, got {}", kind(other))),
    }
    let url = match m.get("url") {
        Some(Value::String(u)) => u.clone(),
        None => return Err("'url' is required".into()),
        Some(other) => return Err(format!("'url' must be a string, got {}", kind(other))),
    };
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(format!("'url' must be an http or https URL, got '{url}'"));
    }
    let headers = match m.get("headers") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(h)) => {
            if let Some((k, _)) = h.iter().find(|(_, v)| !v.is_string()) {
                return Err(format!("header '{k}' must have a string value"));
            }
            if let Some((k, _)) = h.iter().find(|(k, v)| !header_ok(k, v)) {
                return Err(format!(
                    "header '{k}' is not a valid HTTP header name and value"
                ));
            }
            h.clone()
        }
        Some(other) => {
            return Err(format!("'headers' must be an object, got {}", kind(other)));
        }
    };
    let event_types = match m.get("event_types") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(l)) => l
            .iter()
            .map(|e| match e.as_str() {
                Some(s) if WORKFLOW_EVENTS.contains(&s) || TASK_EVENTS.contains(&s) => {
                    Ok(s.to_string())
                }
                _ => Err(format!(
                    "unknown event type {e} in 'event_types' (known: {}, {})",
                    WORKFLOW_EVENTS.join(", "),
                    TASK_EVENTS.join(", ")
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!("'event_types' must be a list, got {}", kind(other)));
        }
    };
    if let Some(k) = m
        .keys()
        .find(|k| !matches!(k.as_str(), "type" | "url" | "headers" | "event_types"))
    {
        return Err(format!(
            "unknown key '{k}' (a webhook takes type, url, headers, event_types)"
        ));
    }
    Ok(Subscriber {
        url,
        headers,
        event_types,
    })
}

/// An HTTP token as name (RFC 9110), a value without control characters.
fn header_ok(name: &str, value: &Value) -> bool {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    !name.is_empty()
        && name.chars().all(token)
        && value
            .as_str()
            .is_some_and(|v| !v.chars().any(|c| c.is_control() && c != '\t'))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Mistral's `identify_workflow_event(from, to)`.
pub fn workflow_event(from: Option<State>, to: State) -> Option<&'static str> {
    Some(match to {
        State::Running => match from {
            Some(State::Paused) => "WORKFLOW_RESUMED",
            Some(State::Error) => "WORKFLOW_RERUN",
            _ => "WORKFLOW_LAUNCHED",
        },
        State::Success => "WORKFLOW_SUCCEEDED",
        State::Error => "WORKFLOW_FAILED",
        State::Cancelled => "WORKFLOW_CANCELLED",
        State::Paused => "WORKFLOW_PAUSED",
        _ => return None,
    })
}

/// Mistral's `identify_task_event(from, to)`.
pub fn task_event(from: Option<State>, to: State) -> Option<&'static str> {
    Some(match to {
        State::Running => match from {
            Some(State::Idle | State::Paused | State::Waiting) => "TASK_RESUMED",
            Some(State::Error) => "TASK_RERUN",
            _ => "TASK_LAUNCHED",
        },
        State::Success => "TASK_SUCCEEDED",
        State::Error => "TASK_FAILED",
        State::Cancelled => "TASK_CANCELLED",
        State::Paused => "TASK_PAUSED",
        State::Skipped => "TASK_SKIPPED",
        _ => return None,
    })
}

fn time(t: Option<&crate::domain::Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(format_time(t)))
}

/// Mistral's workflow payload, keys in its order.
pub fn workflow_payload(r: &ExecutionRecord, state_info: Option<String>, event: &str) -> Value {
    json!({
        "id": r.id.to_string(),
        "name": r.workflow_name,
        "workflow_name": r.workflow_name,
        "workflow_namespace": r.workflow_namespace,
        "workflow_id": r.workflow_id.to_string(),
        "state": r.state.as_str(),
        "state_info": state_info,
        "project_id": r.project_id,
        "task_execution_id": r.task_execution_id.map(|i| i.to_string()),
        "root_execution_id": r.root_execution_id.map(|i| i.to_string()),
        "created_at": format_time(&r.created_at),
        // Mistral's rows always have one: the create counts as an update.
        "updated_at": format_time(r.updated_at.as_ref().unwrap_or(&r.created_at)),
        "event": event,
    })
}

/// Mistral's task payload, keys in its order.
pub fn task_payload(t: &TaskRecord, state_info: Option<String>, event: &str) -> Value {
    json!({
        "id": t.id.to_string(),
        "name": t.name,
        "workflow_execution_id": t.execution_id.to_string(),
        "workflow_name": t.workflow_name,
        "workflow_namespace": t.workflow_namespace,
        "workflow_id": t.workflow_id.to_string(),
        "state": t.state.as_str(),
        "state_info": state_info,
        "type": t.kind.as_str(),
        "project_id": t.project_id,
        "created_at": format_time(&t.created_at),
        "updated_at": format_time(t.updated_at.as_ref().unwrap_or(&t.created_at)),
        "started_at": time(t.started_at.as_ref()),
        "finished_at": time(t.finished_at.as_ref()),
        "event": event,
    })
}

/// What an execution with `notify` remembers: its subscribers and the
/// last state reported for it and for each of its tasks.
#[derive(Debug)]
pub(crate) struct Watch {
    pub subscribers: Arc<[Subscriber]>,
    pub exec: Option<State>,
    pub tasks: HashMap<TaskExecutionId, State>,
}

impl Watch {
    /// The watch of an execution record, if it has subscribers.
    pub fn of(rec: &ExecutionRecord) -> Option<Box<Self>> {
        let params = rec.params.as_object()?;
        match subscribers(params) {
            Ok(Some(subscribers)) => Some(Box::new(Self {
                subscribers,
                exec: None,
                tasks: HashMap::new(),
            })),
            Ok(None) => None,
            Err(e) => {
                log::warn!("ex={} notify ignored: {e}", rec.id);
                None
            }
        }
    }
}

/// Outbox rows for `event` with `body`, one per subscriber that takes it.
fn rows(
    subs: &[Subscriber],
    lane: ExecutionId,
    event: &str,
    body: &Value,
    out: &mut Vec<NewNotification>,
) {
    let mut text: Option<String> = None;
    for s in subs
        .iter()
        .filter(|s| s.event_types.is_empty() || s.event_types.iter().any(|e| e == event))
    {
        let body = text
            .get_or_insert_with(|| crate::domain::pytext::dumps(body, None))
            .clone();
        out.push(NewNotification {
            execution_id: lane.to_string(),
            url: s.url.clone(),
            headers: serde_json::to_string(&s.headers).unwrap_or_else(|_| "{}".into()),
            body,
            created_at: now(),
        });
    }
}

impl EngineActor {
    /// Records the event of the execution's state change since the last
    /// one reported, if it has subscribers.
    pub(crate) fn notice_exec(&mut self, id: ExecutionId) {
        let Some(exec) = self.execs.get(&id) else {
            return;
        };
        let Some(watch) = exec.watch.as_ref() else {
            return;
        };
        let to = exec.rec.state;
        if watch.exec == Some(to) {
            return;
        }
        let from = watch.exec;
        let lane = exec.rec.root_execution_id.unwrap_or(id);
        let subs = watch.subscribers.clone();
        if let Some(event) = workflow_event(from, to) {
            let info = exec
                .rec
                .state_info
                .as_ref()
                .map(|s| self.mask(id, s.as_str()));
            let body = workflow_payload(&exec.rec, info, event);
            rows(&subs, lane, event, &body, &mut self.dirty.notifications);
        }
        if let Some(w) = self.execs.get_mut(&id).and_then(|e| e.watch.as_mut()) {
            w.exec = Some(to);
        }
    }

    /// Records the event of the task's state change since the last one
    /// reported, if its execution has subscribers.
    pub(crate) fn notice_task(&mut self, exec_id: ExecutionId, id: TaskExecutionId) {
        let Some(exec) = self.execs.get(&exec_id) else {
            return;
        };
        let Some(watch) = exec.watch.as_ref() else {
            return;
        };
        let Some(task) = exec.tasks.get(&id) else {
            return;
        };
        let to = task.state;
        let from = watch.tasks.get(&id).copied();
        if from == Some(to) {
            return;
        }
        let lane = exec.rec.root_execution_id.unwrap_or(exec_id);
        let subs = watch.subscribers.clone();
        if let Some(event) = task_event(from, to) {
            let info = task
                .state_info
                .as_ref()
                .map(|s| self.mask(exec_id, s.as_str()));
            let body = task_payload(task, info, event);
            rows(&subs, lane, event, &body, &mut self.dirty.notifications);
        }
        if let Some(w) = self.execs.get_mut(&exec_id).and_then(|e| e.watch.as_mut()) {
            w.tasks.insert(id, to);
        }
    }
}

/// Outbox rows the delivery loop is done with (delivered, or given up):
/// deleted by the next group commit.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct NotificationsDone(pub Vec<i64>);

impl Handler<NotificationsDone> for EngineActor {
    type Result = ();

    fn handle(&mut self, msg: NotificationsDone, ctx: &mut Self::Context) {
        self.dirty.notifications_done.extend(msg.0);
        self.schedule_flush(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(notify: Value) -> Result<usize, String> {
        let mut p = Map::new();
        p.insert("notify".into(), notify);
        subscribers(&p).map(|s| s.map_or(0, |s| s.len()))
    }

    #[test]
    fn good_values() {
        assert_eq!(check(Value::Null), Ok(0));
        assert_eq!(check(json!([])), Ok(0));
        assert_eq!(
            check(json!([{"type": "webhook", "url": "http://h/x"}])),
            Ok(1)
        );
        assert_eq!(
            check(
                json!([{"type": "webhook", "url": "https://h/x", "headers": {"A": "b"},
                "event_types": ["TASK_FAILED", "WORKFLOW_SUCCEEDED"]}])
            ),
            Ok(1)
        );
    }

    #[test]
    fn bad_values_name_the_problem() {
        for (v, msg) in [
            (json!("x"), "expected a list"),
            (json!({"type": "webhook"}), "expected a list"),
            (json!(["s"]), "notify[0]: expected an object"),
            (json!([{"url": "http://h"}]), "'type' is required"),
            (
                json!([{"type": "bogus", "url": "http://h"}]),
                "unknown notifier type 'bogus'",
            ),
            (json!([{"type": "webhook"}]), "'url' is required"),
            (
                json!([{"type": "webhook", "url": "ftp://h"}]),
                "http or https",
            ),
            (
                json!([{"type": "webhook", "url": 3}]),
                "'url' must be a string",
            ),
            (
                json!([{"type": "webhook", "url": "http://h", "headers": {"a": 1}}]),
                "header 'a'",
            ),
            (
                json!([{"type": "webhook", "url": "http://h", "headers": {"a b": "c"}}]),
                "header 'a b' is not",
            ),
            (
                json!([{"type": "webhook", "url": "http://h", "headers": {"a": "x\ny"}}]),
                "header 'a' is not",
            ),
            (
                json!([{"type": "webhook", "url": "http://h", "event_types": ["NOPE"]}]),
                "unknown event type \"NOPE\"",
            ),
            (
                json!([{"type": "webhook", "url": "http://h", "events": []}]),
                "unknown key 'events'",
            ),
        ] {
            let err = check(v.clone()).expect_err(&v.to_string());
            assert!(err.contains(msg), "{v}: {err}");
        }
    }

    #[test]
    fn events_as_mistral_names_them() {
        use State::*;
        assert_eq!(workflow_event(None, Running), Some("WORKFLOW_LAUNCHED"));
        assert_eq!(
            workflow_event(Some(Paused), Running),
            Some("WORKFLOW_RESUMED")
        );
        assert_eq!(workflow_event(Some(Error), Running), Some("WORKFLOW_RERUN"));
        assert_eq!(
            workflow_event(Some(Running), Error),
            Some("WORKFLOW_FAILED")
        );
        assert_eq!(workflow_event(Some(Running), Idle), None);
        assert_eq!(task_event(None, Running), Some("TASK_LAUNCHED"));
        assert_eq!(task_event(Some(Waiting), Running), Some("TASK_RESUMED"));
        assert_eq!(task_event(Some(Error), Running), Some("TASK_RERUN"));
        assert_eq!(
            task_event(Some(RunningDelayed), Running),
            Some("TASK_LAUNCHED")
        );
        assert_eq!(task_event(Some(Error), Skipped), Some("TASK_SKIPPED"));
        assert_eq!(task_event(None, Waiting), None);
        assert_eq!(task_event(Some(Running), RunningDelayed), None);
    }
}
