//! Unit tests of rendering: records against literal Mistral-shaped JSON,
//! key order included.

use chrono::NaiveDate;
use serde_json::json;

use super::*;
use crate::domain::{ActionExecutionId, ExecutionId, State, TaskExecutionId, WorkflowId};

const WF: &str = "123e4567-e89b-12d3-a456-426655441111";
const EX: &str = "123e4567-e89b-12d3-a456-426655440000";
const TK: &str = "123e4567-e89b-12d3-a456-426655440090";
const AE: &str = "123e4567-e89b-12d3-a456-426655440076";

fn t(h: u32, m: u32, s: u32) -> Timestamp {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .unwrap()
        .and_hms_micro_opt(h, m, s, 123_456)
        .unwrap()
}

/// Compares text, so that key order counts.
fn check(got: Map<String, Value>, expected: &str) {
    let expected: Value = serde_json::from_str(expected).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&Value::Object(got)).unwrap(),
        serde_json::to_string_pretty(&expected).unwrap()
    );
}

fn wf() -> WorkflowDef {
    WorkflowDef {
        id: WF.parse::<WorkflowId>().unwrap(),
        name: "flow".into(),
        namespace: "".into(),
        definition: "version: '2.0'\nflow:\n  input: [param1, {param2: 2}]\n".into(),
        spec: "{}".into(),
        input: "param1, param2=\"2\"".into(),
        interface: json!({"input": ["param1", {"param2": 2}], "output": []}),
        checksum: "abc".into(),
        tags: vec!["large".into()],
        scope: crate::domain::Scope::Private,
        project_id: "<default-project>".into(),
        created_at: t(0, 0, 0),
        updated_at: None,
    }
}

#[test]
fn workflow_get_has_interface_as_json_text() {
    check(
        workflow(&wf()),
        r#"{
            "id": "123e4567-e89b-12d3-a456-426655441111",
            "name": "flow",
            "namespace": "",
            "input": "param1, param2=\"2\"",
            "interface": "{\"input\": [\"param1\", {\"param2\": 2}], \"output\": []}",
            "definition": "version: '2.0'\nflow:\n  input: [param1, {param2: 2}]\n",
            "checksum": "abc",
            "tags": ["large"],
            "scope": "private",
            "project_id": "<default-project>",
            "created_at": "1970-01-01 00:00:00",
            "updated_at": null
        }"#,
    );
}

#[test]
fn workflow_upload_has_interface_as_object() {
    let mut w = wf();
    w.updated_at = Some(t(1, 2, 3));
    let got = uploaded_workflow(&w);
    assert_eq!(
        got["interface"],
        json!({"input": ["param1", {"param2": 2}], "output": []})
    );
    assert_eq!(got["updated_at"], json!("1970-01-01 01:02:03"));
}

fn ex() -> ExecutionRecord {
    ExecutionRecord {
        id: EX.parse::<ExecutionId>().unwrap(),
        workflow_id: WF.parse().unwrap(),
        workflow_name: "flow".into(),
        workflow_namespace: "".into(),
        description: Some("first".into()),
        tags: vec![],
        spec_id: "v1".into(),
        params: json!({"env": {"k1": "abc"}, "namespace": ""}),
        task_execution_id: None,
        root_execution_id: None,
        source_execution_id: None,
        state: State::Success,
        state_info: None,
        input: json!({"name": "Jo"}),
        output: json!({"greeting": "Hello, Jo!"}),
        context: json!({"__execution": {"id": EX}, "v": 1, "g": [1, 2], "openstack": {}}),
        project_id: "<default-project>".into(),
        created_at: t(0, 0, 0),
        updated_at: Some(t(0, 0, 5)),
    }
}

const EX_HEAD: &str = r#"
    "id": "123e4567-e89b-12d3-a456-426655440000",
    "workflow_id": "123e4567-e89b-12d3-a456-426655441111",
    "workflow_name": "flow",
    "workflow_namespace": "",
    "description": "first",
    "tags": [],
    "params": "{\"env\": {\"k1\": \"abc\"}, \"namespace\": \"\"}",
    "task_execution_id": null,
    "root_execution_id": null,
    "state": "SUCCESS",
    "state_info": null,
    "input": "{\"name\": \"Jo\"}","#;

const EX_TAIL: &str = r#"
    "created_at": "1970-01-01 00:00:00",
    "updated_at": "1970-01-01 00:00:05",
    "project_id": "<default-project>""#;

#[test]
fn execution_views() {
    let output = r#" "output": "{\"greeting\": \"Hello, Jo!\"}","#;
    check(
        execution(
            &ex(),
            ExecutionView::List {
                include_output: false,
            },
        ),
        &format!("{{{EX_HEAD}{EX_TAIL}}}"),
    );
    check(
        execution(
            &ex(),
            ExecutionView::List {
                include_output: true,
            },
        ),
        &format!("{{{EX_HEAD}{output}{EX_TAIL}}}"),
    );
    check(
        execution(&ex(), ExecutionView::Write),
        &format!("{{{EX_HEAD}{output}{EX_TAIL}}}"),
    );
    check(
        execution_get(&ex(), &spec()),
        &format!("{{{EX_HEAD}{output}{EX_TAIL}, \"published_global\": \"{{\\\"g\\\": [1, 2]}}\"}}"),
    );
}

/// A listed execution, rendered from its stored text, reads as the
/// record rendered from its values.
#[test]
fn execution_summaries_read_as_their_records() {
    let mut e = ex();
    e.input = json!({"name": "Jö", "n": [1.0, 1e16, null], "s": "a\"b\n"});
    e.output = Value::Null;
    for (output, include_output) in [(Some("null"), true), (None, false)] {
        let view = ExecutionView::List { include_output };
        let summary = ExecutionSummary {
            record: ExecutionRecord {
                params: Value::Null,
                input: Value::Null,
                context: Value::Null,
                ..e.clone()
            },
            params: serde_json::to_string(&e.params).unwrap(),
            input: serde_json::to_string(&e.input).unwrap(),
            output: output.map(str::to_string),
        };
        assert_eq!(
            Value::Object(execution_summary(&summary, view)),
            Value::Object(execution(&e, view))
        );
    }
    let summary = ExecutionSummary {
        record: ex(),
        params: "{}".into(),
        input: "{}".into(),
        output: Some(r#"{"x":2.50}"#.into()),
    };
    let view = ExecutionView::List {
        include_output: true,
    };
    assert_eq!(
        execution_summary(&summary, view)["output"],
        json!(r#"{"x": 2.5}"#)
    );
}

#[test]
fn execution_ids_and_state_info() {
    let mut e = ex();
    e.task_execution_id = Some(TK.parse().unwrap());
    e.root_execution_id = Some(EX.parse().unwrap());
    e.state = State::RunningDelayed;
    e.state_info = Some("Delayed by 'wait-before' policy [delay=1]".into());
    e.output = Value::Null;
    let got = execution(&e, ExecutionView::Write);
    assert_eq!(got["task_execution_id"], json!(TK));
    assert_eq!(got["root_execution_id"], json!(EX));
    assert_eq!(got["state"], json!("DELAYED"));
    assert_eq!(
        got["state_info"],
        json!("Delayed by 'wait-before' policy [delay=1]")
    );
    assert_eq!(got["output"], Value::Null);
}

#[test]
fn published_global_drops_internal_keys_and_vars() {
    let mut e = ex();
    assert_eq!(published_global(&e, &spec()), json!({"g": [1, 2]}));
    assert_eq!(
        published_global(&e, &json!({})),
        json!({"g": [1, 2], "v": 1})
    );
    e.context = Value::Null;
    assert_eq!(published_global(&e, &spec()), json!({}));
}

/// The spec of `ex()`'s version.
fn spec() -> Value {
    json!({"name": "flow", "vars": {"v": 1}})
}

fn task_rec() -> TaskRecord {
    TaskRecord {
        id: TK.parse::<TaskExecutionId>().unwrap(),
        name: "task1".into(),
        execution_id: EX.parse().unwrap(),
        workflow_name: "flow".into(),
        workflow_namespace: "".into(),
        workflow_id: WF.parse().unwrap(),
        kind: crate::domain::TaskKind::Action,
        tags: vec![],
        state: State::Success,
        state_info: None,
        runtime_context: json!({"triggered_by": [{"task_id": "t0", "event": "on-success"}]}),
        in_context: json!({"x": 1}),
        published: json!({"key": "value"}),
        result: json!("Hello"),
        processed: true,
        error_handled: false,
        project_id: "<default-project>".into(),
        created_at: t(0, 0, 0),
        updated_at: Some(t(0, 0, 1)),
        started_at: Some(t(0, 0, 0)),
        finished_at: Some(t(0, 0, 1)),
    }
}

const TASK_JSON: &str = r#"{
    "id": "123e4567-e89b-12d3-a456-426655440090",
    "name": "task1",
    "type": "ACTION",
    "workflow_name": "flow",
    "workflow_namespace": "",
    "workflow_id": "123e4567-e89b-12d3-a456-426655441111",
    "workflow_execution_id": "123e4567-e89b-12d3-a456-426655440000",
    "tags": [],
    "state": "SUCCESS",
    "state_info": null,
    "project_id": "<default-project>",
    "runtime_context": "{\"triggered_by\": [{\"task_id\": \"t0\", \"event\": \"on-success\"}]}",
    RESULT
    "published": "{\"key\": \"value\"}",
    "processed": true,
    "created_at": "1970-01-01 00:00:00",
    "updated_at": "1970-01-01 00:00:01",
    "started_at": "1970-01-01 00:00:00",
    "finished_at": "1970-01-01 00:00:01"
}"#;

#[test]
fn task_views() {
    check(
        task(&task_rec(), TaskView::List),
        &TASK_JSON.replace("RESULT", ""),
    );
    check(
        task(&task_rec(), TaskView::Get),
        &TASK_JSON.replace("RESULT", r#""result": "\"Hello\"","#),
    );
    let mut tr = task_rec();
    tr.result = Value::Null;
    assert_eq!(task(&tr, TaskView::Get)["result"], json!("null"));
    tr.result = json!([1, {"a": "b"}]);
    assert_eq!(
        task(&tr, TaskView::Get)["result"],
        json!("[1, {\"a\": \"b\"}]")
    );
}

fn ae() -> ActionExecutionRecord {
    ActionExecutionRecord {
        id: AE.parse::<ActionExecutionId>().unwrap(),
        name: "std.echo".into(),
        task_execution_id: Some(TK.parse().unwrap()),
        execution_id: Some(EX.parse().unwrap()),
        workflow_name: Some("flow".into()),
        workflow_namespace: Some("".into()),
        task_name: Some("task1".into()),
        description: "".into(),
        tags: vec![],
        state: State::Success,
        state_info: None,
        accepted: true,
        input: json!({"output": "Hello"}),
        output: json!({"result": "Hello"}),
        params: json!({}),
        attempt: 1,
        item_index: None,
        project_id: "<default-project>".into(),
        created_at: t(0, 0, 0),
        updated_at: Some(t(0, 0, 1)),
    }
}

const AE_JSON: &str = r#"{
    "id": "123e4567-e89b-12d3-a456-426655440076",
    "workflow_name": "flow",
    "workflow_namespace": "",
    "task_execution_id": "123e4567-e89b-12d3-a456-426655440090",
    "state": "SUCCESS",
    "state_info": null,
    "tags": null,
    "name": "std.echo",
    "description": "",
    "project_id": "<default-project>",
    "accepted": true,
    "input": "{\"output\": \"Hello\"}",
    OUTPUT
    "created_at": "1970-01-01 00:00:00",
    "updated_at": "1970-01-01 00:00:01"
}"#;

#[test]
fn action_execution_views() {
    check(
        action_execution(&ae(), false),
        &AE_JSON.replace("OUTPUT", ""),
    );
    check(
        action_execution(&ae(), true),
        &AE_JSON.replace("OUTPUT", r#""output": "{\"result\": \"Hello\"}","#),
    );
    let mut adhoc = ae();
    adhoc.task_execution_id = None;
    adhoc.workflow_name = None;
    adhoc.task_name = None;
    let got = action_execution(&adhoc, false);
    assert_eq!(
        (&got["task_execution_id"], &got["workflow_name"]),
        (&Value::Null, &Value::Null)
    );
    assert!(!got.contains_key("task_name") && !got.contains_key("params"));
    // Until it is done an action has no output.
    let mut running = ae();
    running.state = State::Running;
    running.output = json!({});
    assert_eq!(action_execution(&running, true)["output"], Value::Null);
    running.tags = vec!["t".into()];
    assert_eq!(action_execution(&running, true)["tags"], json!(["t"]));
}

#[test]
fn runtime_context_shows_mistral_keys_only() {
    assert_eq!(
        runtime_context(
            &json!({"triggered_by": [], "safe_rerun": false, "next_tasks": [["b", "on-success"]]})
        ),
        json!({})
    );
    assert_eq!(
        runtime_context(&json!({
            "triggered_by": [{"task_id": "x", "event": "on-success"}],
            "with_items": {"count": 2, "concurrency": null},
            "retry_task_policy": {"retry_no": 1},
            "timer": {"kind": "wait-before", "due": "soon"},
            "timeout_timer": {"kind": "timeout", "due": "later"},
            "rerun_no": 1
        })),
        json!({
            "triggered_by": [{"task_id": "x", "event": "on-success"}],
            "with_items": {"capacity": null, "count": 2},
            "retry_task_policy": {"retry_no": 1},
            "wait_before_policy": {"skip": true}
        })
    );
    assert_eq!(
        runtime_context(&json!({
            "with_items": {"count": 4, "concurrency": 2},
            "wait_after_done": "SUCCESS",
            "concurrency": 2
        })),
        json!({
            "concurrency": 2,
            "with_items": {"capacity": 2, "count": 4},
            "wait_after_policy": {"skip": true}
        })
    );
    assert_eq!(
        runtime_context(&json!({
            "with_items": {"capacity": 1, "count": 3, "concurrency": 2},
            "concurrency": 2
        })),
        json!({"concurrency": 2, "with_items": {"capacity": 1, "count": 3}})
    );
}

#[test]
fn system_action() {
    let echo = StdAction {
        name: "std.echo",
        input: "output, delay=0".into(),
        description: "Echo action.",
    };
    check(
        action(&echo),
        r#"{
            "id": "std.echo",
            "name": "std.echo",
            "is_system": false,
            "input": "output, delay=0",
            "description": "Echo action.",
            "tags": null,
            "definition": "",
            "scope": null,
            "project_id": null,
            "created_at": "",
            "updated_at": "",
            "namespace": ""
        }"#,
    );
}

#[test]
fn timestamps_drop_fractions() {
    assert_eq!(timestamp(&t(23, 59, 58)), "1970-01-01 23:59:58");
}

#[test]
fn timestamps_read_as_their_format() {
    use chrono::NaiveDate;
    let stamps = [
        NaiveDate::from_ymd_opt(2026, 12, 7).and_then(|d| d.and_hms_micro_opt(0, 5, 9, 999_999)),
        NaiveDate::from_ymd_opt(9, 1, 2).and_then(|d| d.and_hms_opt(3, 4, 5)),
        NaiveDate::from_ymd_opt(12345, 6, 7).and_then(|d| d.and_hms_opt(8, 9, 10)),
        NaiveDate::from_ymd_opt(-44, 3, 15).and_then(|d| d.and_hms_opt(11, 0, 0)),
        NaiveDate::from_ymd_opt(2016, 12, 31).and_then(|d| d.and_hms_milli_opt(23, 59, 59, 1_500)),
    ];
    for s in stamps.into_iter().flatten() {
        assert_eq!(
            timestamp(&s),
            s.format("%Y-%m-%d %H:%M:%S").to_string(),
            "{s:?}"
        );
    }
}
