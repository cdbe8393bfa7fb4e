//! A task's `runtime_context`, through typed accessors. The stored JSON keeps
//! Mistral's shape (`with_items`, `retry_task_policy`, `triggered_by`, the
//! `*_policy` skip marks) plus the engine's own bookkeeping (timers with
//! their due time, `next_tasks`, `safe_rerun`, `timeout`, the wait-after
//! state, `interrupted`, `rerun_no`). Every key is named here and nowhere
//! else in the engine; each accessor writes exactly the key and value the
//! code wrote before, so a stored context stays byte-identical.
//!
//! Invariant: a timer's due time is written and parsed with one format
//! ([`DUE_FORMAT`]); a due time that does not parse is reported as such,
//! never taken for "now" silently.

use serde_json::{Map, Value, json};

use super::policies::TimerKind;
use crate::domain::{State, Timestamp};

const TIMER: &str = "timer";
const TIMEOUT_TIMER: &str = "timeout_timer";
const TIMEOUT: &str = "timeout";
const SAFE_RERUN: &str = "safe_rerun";
const TARGET: &str = "target";
const INTERRUPTED: &str = "interrupted";
const NEXT_TASKS: &str = "next_tasks";
const TRIGGERED_BY: &str = "triggered_by";
/// The `triggered_by` a join shows in place of its arrivals (stored under
/// the name it had when only a failed join had one).
const SHOWN_TRIGGERS: &str = "join_failed_by";
const WITH_ITEMS: &str = "with_items";
const CONCURRENCY: &str = "concurrency";
const RETRY: &str = "retry_task_policy";
const RERUN_NO: &str = "rerun_no";
const WAIT_BEFORE: &str = "wait_before_policy";
const WAIT_AFTER: &str = "wait_after_policy";
const WAIT_AFTER_DONE: &str = "wait_after_done";
const WAIT_AFTER_INFO: &str = "wait_after_info";

/// How a timer's due time is written and read back.
pub(crate) const DUE_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

fn map(rc: &mut Value) -> Option<&mut Map<String, Value>> {
    match rc {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The slot of a timer kind: timeouts run beside the other (mutually
/// exclusive) delays.
fn slot(kind: TimerKind) -> &'static str {
    if kind == TimerKind::Timeout {
        TIMEOUT_TIMER
    } else {
        TIMER
    }
}

/// A timer as recorded on a task.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredTimer {
    pub kind: TimerKind,
    /// The due time as stored: a firing carries it, and one that no longer
    /// matches the record is stale.
    pub due_text: String,
    /// The due time, or the reason it does not parse.
    pub due: Result<Timestamp, String>,
}

/// Records a timer of `kind` due at `due`; returns the stored due text.
pub(crate) fn set_timer(rc: &mut Value, kind: TimerKind, due: Timestamp) -> String {
    let text = due.format(DUE_FORMAT).to_string();
    if let Some(m) = map(rc) {
        m.insert(
            slot(kind).into(),
            json!({ "kind": kind.key(), "due": text }),
        );
    }
    text
}

/// Forgets the timer of `kind`'s slot (it fired).
pub(crate) fn clear_timer(rc: &mut Value, kind: TimerKind) {
    if let Some(m) = map(rc) {
        m.remove(slot(kind));
    }
}

/// The due text recorded for `kind`'s slot.
pub(crate) fn recorded_due(rc: &Value, kind: TimerKind) -> Option<&str> {
    rc.get(slot(kind))?.get("due")?.as_str()
}

/// The timers recorded on a task, delays first, then the timeout. A slot
/// whose kind is unknown or whose due time is missing is skipped.
pub(crate) fn timers(rc: &Value) -> Vec<StoredTimer> {
    [TIMER, TIMEOUT_TIMER]
        .into_iter()
        .filter_map(|key| {
            let t = rc.get(key)?;
            let kind = t
                .get("kind")
                .and_then(Value::as_str)
                .and_then(TimerKind::parse)?;
            let due_text = t.get("due").and_then(Value::as_str)?.to_string();
            let due = chrono::NaiveDateTime::parse_from_str(&due_text, DUE_FORMAT)
                .map_err(|e| format!("due time '{due_text}' does not parse: {e}"));
            Some(StoredTimer {
                kind,
                due_text,
                due,
            })
        })
        .collect()
}

/// The raw timer records, for the diagnosis.
pub(crate) fn timer_records(rc: &Value) -> impl Iterator<Item = &Value> {
    [TIMER, TIMEOUT_TIMER].into_iter().filter_map(|k| rc.get(k))
}

/// Whether a delay timer (not a timeout) is recorded.
pub(crate) fn has_delay_timer(rc: &Value) -> bool {
    rc.get(TIMER).is_some()
}

/// Whether any timer is recorded.
/// Whether a delay (wait-before, wait-after, retry) is pending on the task.
pub(crate) fn has_delay(rc: &Value) -> bool {
    rc.get(TIMER).is_some()
}

pub(crate) fn has_timer(rc: &Value) -> bool {
    rc.get(TIMER).is_some() || rc.get(TIMEOUT_TIMER).is_some()
}

/// The task's timeout in seconds, once its policy was evaluated.
pub(crate) fn timeout(rc: &Value) -> Option<f64> {
    rc.get(TIMEOUT).and_then(Value::as_f64)
}

/// Records the evaluated timeout.
pub(crate) fn set_timeout(rc: &mut Value, secs: f64) {
    if let Some(m) = map(rc) {
        m.insert(TIMEOUT.into(), json!(secs));
    }
}

/// Records what a dispatched action call says about a restart: whether it
/// may run again, and its timeout.
pub(crate) fn set_call(rc: &mut Value, safe_rerun: bool, timeout: Option<f64>) {
    if let Some(m) = map(rc) {
        m.insert(SAFE_RERUN.into(), Value::Bool(safe_rerun));
        if let Some(t) = timeout {
            m.insert(TIMEOUT.into(), json!(t));
        }
    }
}

/// Records the evaluated `target` of a dispatched action call.
pub(crate) fn set_target(rc: &mut Value, target: Option<&str>) {
    if let (Some(m), Some(t)) = (map(rc), target) {
        m.insert(TARGET.into(), Value::String(t.to_string()));
    }
}

/// The evaluated `target` of the task's action, if any.
pub(crate) fn target(rc: &Value) -> Option<String> {
    rc.get(TARGET).and_then(Value::as_str).map(str::to_string)
}

/// Whether the task's action may run again after a crash.
pub(crate) fn safe_rerun(rc: &Value) -> bool {
    rc.get(SAFE_RERUN) == Some(&Value::Bool(true))
}

/// Marks a task whose action was interrupted by a crash and not re-run.
pub(crate) fn mark_interrupted(rc: &mut Value) {
    if let Some(m) = map(rc) {
        m.insert(INTERRUPTED.into(), Value::Bool(true));
    }
}

/// Whether the task was interrupted by a crash.
pub(crate) fn interrupted(rc: &Value) -> bool {
    rc.get(INTERRUPTED).is_some()
}

/// Records the transitions the task's completion made.
pub(crate) fn set_next_tasks(rc: &mut Value, next: Vec<Value>) {
    if let Some(m) = map(rc) {
        m.insert(NEXT_TASKS.into(), Value::Array(next));
    }
}

/// Whether the task's completion made any transition.
pub(crate) fn has_next_tasks(rc: &Value) -> bool {
    rc.get(NEXT_TASKS)
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty())
}

/// One entry of `triggered_by`: the task that completed and the event
/// (`on-success`, …) whose transition named this one.
pub(crate) fn trigger(
    by: Option<(crate::domain::TaskExecutionId, super::controller::Event)>,
) -> Option<Value> {
    by.map(|(id, ev)| json!({"task_id": id.to_string(), "event": ev.as_str()}))
}

/// A new task's context: what triggered it (a join collects more).
pub(crate) fn new_triggered(trigger: Option<Value>) -> Value {
    json!({ TRIGGERED_BY: trigger.into_iter().collect::<Vec<_>>() })
}

/// Adds one more trigger of a join.
pub(crate) fn push_trigger(rc: &mut Value, trigger: Value) {
    if let Some(Value::Array(list)) = rc.get_mut(TRIGGERED_BY) {
        list.push(trigger);
    }
}

/// Records the `triggered_by` Mistral's logical state gives a join that
/// waits (`[]`) or that it ends in ERROR, shown in place of the arrivals,
/// which stay in `triggered_by` for the run and a later rerun; `None`
/// forgets it (the join runs).
pub(crate) fn set_shown_triggers(rc: &mut Value, triggered: Option<Value>) {
    if let Some(m) = map(rc) {
        match triggered {
            Some(t) => m.insert(SHOWN_TRIGGERS.into(), t),
            None => m.remove(SHOWN_TRIGGERS),
        };
    }
}

/// The ids of the tasks that triggered this one so far.
pub(crate) fn trigger_ids(rc: &Value) -> Vec<String> {
    rc.get(TRIGGERED_BY)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|t| t.get("task_id").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Mistral's `with_items: {capacity, count}` (capacity null without
/// concurrency) and, for restarts, the concurrency.
pub(crate) fn set_items_shape(rc: &mut Value, count: usize, concurrency: usize) {
    if let Some(m) = map(rc) {
        let capacity = if concurrency > 0 {
            json!(concurrency)
        } else {
            Value::Null
        };
        m.insert(
            WITH_ITEMS.into(),
            json!({ "capacity": capacity, "count": count, "concurrency": concurrency }),
        );
    }
}

/// The items left to start under the concurrency.
pub(crate) fn set_items_capacity(rc: &mut Value, capacity: usize) {
    if let Some(Value::Object(wi)) = rc.get_mut(WITH_ITEMS) {
        wi.insert("capacity".into(), json!(capacity));
    }
}

/// Whether the task's concurrency was recorded at its start.
pub(crate) fn has_concurrency(rc: &Value) -> bool {
    rc.get(CONCURRENCY).is_some()
}

/// A with-items task's item count and concurrency, as recorded.
pub(crate) fn items_shape(rc: &Value) -> Option<(usize, usize)> {
    let shape = rc.get(WITH_ITEMS)?;
    let count = usize::try_from(shape.get("count")?.as_u64()?).ok()?;
    let concurrency = shape
        .get(CONCURRENCY)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    Some((count, concurrency))
}

/// The evaluated `concurrency` policy (Mistral's key).
pub(crate) fn set_concurrency(rc: &mut Value, n: u64) {
    if let Some(m) = map(rc) {
        m.insert(CONCURRENCY.into(), json!(n));
    }
}

/// Mistral's `wait_before_policy: {skip: true}`: the delay was taken.
pub(crate) fn mark_waited_before(rc: &mut Value) {
    if let Some(m) = map(rc) {
        m.insert(WAIT_BEFORE.into(), json!({"skip": true}));
    }
}

/// A wait-after delay began: the state and state_info the task ends with
/// once it is over, and Mistral's skip mark.
pub(crate) fn begin_wait_after(rc: &mut Value, state: State, info: Option<String>) {
    if let Some(m) = map(rc) {
        m.insert(WAIT_AFTER_DONE.into(), json!(state.as_str()));
        m.insert(WAIT_AFTER_INFO.into(), json!(info));
        m.insert(WAIT_AFTER.into(), json!({"skip": true}));
    }
}

/// Whether the wait-after delay was already taken.
pub(crate) fn waited_after(rc: &Value) -> bool {
    rc.get(WAIT_AFTER_DONE).is_some()
}

/// The state and state_info the task ends with after its wait-after delay.
pub(crate) fn after_wait(rc: &Value) -> (State, Option<String>) {
    let state = rc
        .get(WAIT_AFTER_DONE)
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<State>().ok())
        .unwrap_or(State::Success);
    let info = rc
        .get(WAIT_AFTER_INFO)
        .and_then(Value::as_str)
        .map(str::to_string);
    (state, info)
}

/// The retries made so far.
pub(crate) fn retry_no(rc: &Value) -> u64 {
    rc.pointer("/retry_task_policy/retry_no")
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Mistral's `retry_task_policy: {}` before the first retry decision.
pub(crate) fn init_retry(rc: &mut Value) {
    if let Some(m) = map(rc) {
        m.entry(RETRY).or_insert_with(|| json!({}));
    }
}

/// One more retry: its number, and the wait-after taken again after it.
pub(crate) fn begin_retry(rc: &mut Value, retry_no: u64) {
    if let Some(m) = map(rc) {
        m.insert(RETRY.into(), json!({ "retry_no": retry_no }));
        m.remove(WAIT_AFTER_DONE);
    }
}

/// Skipping a task clears its context as Mistral's `cleanup_runtime_context`
/// does: nothing of it is shown afterwards. The engine's own bookkeeping
/// that outlives the task (its transitions, its rerun count, how it was
/// called) stays.
pub(crate) fn clear_on_skip(rc: &mut Value) {
    if let Some(m) = map(rc) {
        m.retain(|k, _| {
            [NEXT_TASKS, RERUN_NO, SAFE_RERUN, TIMEOUT, INTERRUPTED].contains(&k.as_str())
        });
    }
}

/// A rerun starts the task afresh: retries, wait-after and transitions
/// are forgotten, and the rerun is counted.
pub(crate) fn begin_rerun(rc: &mut Value) {
    if let Some(m) = map(rc) {
        m.remove(RETRY);
        m.remove(WAIT_AFTER_DONE);
        m.remove(NEXT_TASKS);
        let n = m.get(RERUN_NO).and_then(Value::as_u64).unwrap_or(0);
        m.insert(RERUN_NO.into(), json!(n + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context written by the code before these accessors existed reads
    /// back the same, and writing through them gives the same bytes.
    #[test]
    fn stored_contexts_stay_byte_identical() {
        let before = r#"{"triggered_by":[{"task_id":"t1","event":"on-success"}],"with_items":{"capacity":2,"count":3,"concurrency":2},"retry_task_policy":{"retry_no":1},"timer":{"kind":"retry","due":"2026-12-05 10:00:00.250000"},"safe_rerun":false,"timeout":1.5}"#;
        let rc: Value = serde_json::from_str(before).expect("json");
        assert_eq!(trigger_ids(&rc), ["t1"]);
        assert_eq!(items_shape(&rc), Some((3, 2)));
        assert_eq!(retry_no(&rc), 1);
        assert_eq!(timeout(&rc), Some(1.5));
        assert!(!safe_rerun(&rc));
        let timers = timers(&rc);
        assert_eq!(timers.len(), 1);
        assert_eq!(timers[0].kind, TimerKind::Retry);
        assert!(timers[0].due.is_ok());

        let mut built = new_triggered(Some(json!({"task_id": "t1", "event": "on-success"})));
        set_items_shape(&mut built, 3, 2);
        set_items_capacity(&mut built, 2);
        begin_retry(&mut built, 1);
        let due =
            chrono::NaiveDateTime::parse_from_str("2026-12-05 10:00:00.25", "%Y-%m-%d %H:%M:%S%.f")
                .expect("time");
        set_timer(&mut built, TimerKind::Retry, due);
        set_call(&mut built, false, Some(1.5));
        assert_eq!(serde_json::to_string(&built).expect("json"), before);
    }

    #[test]
    fn a_malformed_due_time_is_reported() {
        let rc = json!({"timer": {"kind": "retry", "due": "tomorrow"}});
        let t = timers(&rc);
        assert_eq!(t.len(), 1);
        assert!(t[0].due.as_ref().is_err_and(|e| e.contains("tomorrow")));
    }

    /// A skipped task shows an empty context (Mistral 23.0.0 clears it);
    /// the engine keeps its transitions and rerun count.
    #[test]
    fn skip_clears_what_is_shown() {
        let mut rc = json!({"triggered_by": [], "with_items": {"capacity": null, "count": 2},
            "retry_task_policy": {"retry_no": 1}, "target": "x", "next_tasks": [], "rerun_no": 1});
        clear_on_skip(&mut rc);
        assert_eq!(rc, json!({"next_tasks": [], "rerun_no": 1}));
    }
}
