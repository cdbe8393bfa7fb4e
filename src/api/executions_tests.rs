//! Unit tests of the execution request rules (MISTRAL.md §2.4).

use serde_json::json;

use super::*;

const EX: &str = "123e4567-e89b-12d3-a456-426655440000";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// What an accepted update asks for: state, description, env.
type Wanted<'a> = (Option<State>, Option<&'a str>, Option<Value>);

fn check_update(body: Value, expected: Result<Wanted<'_>, &str>) {
    let id: ExecutionId = EX.parse().unwrap();
    let got = update_message(id, &obj(body.clone()));
    match expected {
        Ok((state, description, env)) => {
            let m = got.unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(
                (m.state, m.description.as_deref(), m.env),
                (state, description, env),
                "{body}"
            );
        }
        Err(msg) => assert_eq!(got.unwrap_err().to_string(), msg, "{body}"),
    }
}

#[test]
fn update_rules() {
    const NOTHING: &str = "The property state, description, or env is not provided for update.";
    const SEPARATE: &str = "The property description must be updated separately from state.";
    const ENV: &str = "The property env can only be updated when workflow execution is not running or on resume from pause.";
    const ALLOWED: &str = "Allowed states are: 'RUNNING, PAUSED, SUCCESS, ERROR, CANCELLED";
    check_update(
        json!({"state": "PAUSED"}),
        Ok((Some(State::Paused), None, None)),
    );
    check_update(
        json!({"state": "RUNNING"}),
        Ok((Some(State::Running), None, None)),
    );
    check_update(
        json!({"state": "SUCCESS"}),
        Ok((Some(State::Success), None, None)),
    );
    check_update(
        json!({"state": "ERROR", "state_info": "bye"}),
        Ok((Some(State::Error), None, None)),
    );
    check_update(
        json!({"state": "CANCELLED"}),
        Ok((Some(State::Cancelled), None, None)),
    );
    check_update(json!({"description": "d"}), Ok((None, Some("d"), None)));
    check_update(
        json!({"params": {"env": {"a": 1}}}),
        Ok((None, None, Some(json!({"a": 1})))),
    );
    check_update(
        json!({"params": "{\"env\": {\"a\": 1}}"}),
        Ok((None, None, Some(json!({"a": 1})))),
    );
    check_update(
        json!({"params": {"env": "my_env"}}),
        Ok((None, None, Some(json!("my_env")))),
    );
    check_update(
        json!({"state": "RUNNING", "params": {"env": {"a": 1}}}),
        Ok((Some(State::Running), None, Some(json!({"a": 1})))),
    );
    check_update(json!({}), Err(NOTHING));
    check_update(json!({"state": "", "description": ""}), Err(NOTHING));
    check_update(json!({"params": {"env": {}}}), Err(NOTHING));
    check_update(json!({"params": {}}), Err(NOTHING));
    check_update(json!({"state_info": "x"}), Err(NOTHING));
    check_update(
        json!({"state": "PAUSED", "description": "d"}),
        Err(SEPARATE),
    );
    check_update(
        json!({"state": "PAUSED", "params": {"env": {"a": 1}}}),
        Err(ENV),
    );
    check_update(
        json!({"state": "BOGUS", "params": {"env": {"a": 1}}}),
        Err(ENV),
    );
    check_update(
        json!({"state": "IDLE"}),
        Err(&format!("Cannot change state to IDLE. {ALLOWED}")),
    );
    check_update(
        json!({"state": "DELAYED"}),
        Err(&format!("Cannot change state to DELAYED. {ALLOWED}")),
    );
    check_update(
        json!({"state": "bogus"}),
        Err(&format!("Cannot change state to bogus. {ALLOWED}")),
    );
    check_update(
        json!({"state": "PAUSED", "zz": 1}),
        Err("Unknown attribute for argument wf_ex: zz"),
    );
}

#[test]
fn update_carries_state_info() {
    let m = update_message(
        EX.parse().unwrap(),
        &obj(json!({"state": "ERROR", "state_info": "stopped"})),
    )
    .unwrap();
    assert_eq!(m.state_info.as_deref(), Some("stopped"));
}

fn check_start(body: Value, expected: Result<Value, &str>) {
    let got = start_message(&obj(body.clone()));
    match expected {
        Ok(want) => {
            let m = got.unwrap_or_else(|e| panic!("{body}: {e}"));
            let have = json!({
                "workflow_id": m.workflow_id,
                "workflow_name": m.workflow_name,
                "namespace": m.namespace,
                "input": m.input,
                "params": m.params,
                "description": m.description,
                "id": m.id.map(|i| i.to_string()),
                "source_execution_id": m.source_execution_id.map(|i| i.to_string()),
            });
            assert_eq!(have, want, "{body}");
        }
        Err(msg) => assert_eq!(got.unwrap_err().to_string(), msg, "{body}"),
    }
}

fn start(fill: Value) -> Value {
    let mut base = obj(json!({
        "workflow_id": null, "workflow_name": null, "namespace": "", "input": {}, "params": {},
        "description": "", "id": null, "source_execution_id": null
    }));
    base.extend(obj(fill));
    Value::Object(base)
}

#[test]
fn start_bodies() {
    check_start(
        json!({"workflow_name": "wf"}),
        Ok(start(json!({"workflow_name": "wf"}))),
    );
    check_start(
        json!({"workflow_id": EX, "workflow_namespace": "ns", "description": "d"}),
        Ok(start(
            json!({"workflow_id": EX, "namespace": "ns", "description": "d"}),
        )),
    );
    check_start(
        json!({"workflow_name": "wf", "input": "{\"a\": 1}", "params": "{\"env\": {\"e\": 2}}"}),
        Ok(start(
            json!({"workflow_name": "wf", "input": {"a": 1}, "params": {"env": {"e": 2}}}),
        )),
    );
    check_start(
        json!({"workflow_name": "wf", "input": {"a": [1]}, "params": {"task_name": "t"}, "id": EX}),
        Ok(start(
            json!({"workflow_name": "wf", "input": {"a": [1]}, "params": {"task_name": "t"}, "id": EX}),
        )),
    );
    check_start(
        json!({"source_execution_id": EX}),
        Ok(start(json!({"source_execution_id": EX}))),
    );
    check_start(
        json!({}),
        Err("Workflow ID or workflow name must be provided. Workflow ID is recommended."),
    );
    check_start(
        json!({"workflow_name": ""}),
        Err("Workflow ID or workflow name must be provided. Workflow ID is recommended."),
    );
    check_start(
        json!({"workflow_name": "wf", "input": [1]}),
        Err(
            "Invalid input for field/attribute wf_ex. Value: '{'workflow_name': 'wf', 'input': [1]}'. the JSON object must be str, bytes or bytearray, not list",
        ),
    );
    check_start(
        json!({"workflow_name": "wf", "id": "abc"}),
        Err("Expected a uuid but received abc."),
    );
    check_start(
        json!({"workflow_name": "wf", "bogus": 1}),
        Err("Unknown attribute for argument wf_ex: bogus"),
    );
    check_start(
        json!({"workflow_name": 5}),
        Err(
            "Invalid input for field/attribute workflow_name. Value: '5'. Wrong type. Expected '<class 'str'>', got '<class 'int'>'",
        ),
    );
}

#[test]
fn path_ids() {
    assert!(parse_id(EX).is_ok());
    let e = parse_id("nope").unwrap_err();
    assert_eq!(e.to_string(), "WorkflowExecution not found [id=nope]");
    assert!(matches!(e, Error::NotFound(_)));
}

/// A PUT without a state answers no `input`/`output`, and `params` only
/// after an env update (observed on Mistral 23.0.0).
#[test]
fn update_answer_without_state_change_leaves_out_deferred_fields() {
    let id: ExecutionId = EX.parse().unwrap();
    let full =
        obj(json!({"id": EX, "input": "{}", "output": "{}", "params": "{}", "state": "PAUSED"}));
    let keys = |body: Value| -> Vec<String> {
        let m = update_message(id, &obj(body)).unwrap();
        UpdateShape::of(&m)
            .apply(full.clone())
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(json!({"description": "d"})), ["id", "state"]);
    assert_eq!(
        keys(json!({"params": {"env": {"a": 1}}})),
        ["id", "params", "state"]
    );
    assert_eq!(
        keys(json!({"state": "RUNNING", "params": {"env": {"a": 1}}})),
        ["id", "input", "output", "params", "state"]
    );
}
