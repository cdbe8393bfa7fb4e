//! Mistral's REST shapes and refusals that the case corpus found: list
//! `next` links and query errors, action execution resources, completing
//! an async action, task rerun checks and `DELETE ?force`.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, fault, get};
use crate::harness::{TestApp, eventually};

const ZERO: &str = "00000000-0000-0000-0000-000000000000";

async fn send(app: &TestApp, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = Client::new()
        .request(method, app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Starts `wait_wf` (one std.async_noop task `w`) and returns the
/// execution id, the task id and its running action execution id.
async fn waiting(app: &TestApp) -> (String, String, String) {
    let yaml = "version: '2.0'\nwait_wf:\n  tasks:\n    w:\n      action: std.async_noop\n";
    let (s, v) = call(app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, ex) = send(
        app,
        Method::POST,
        "/v2/executions",
        json!({"workflow_name": "wait_wf"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ex}");
    let ex_id = ex["id"].as_str().unwrap().to_string();
    let path = format!("/v2/executions/{ex_id}/tasks");
    let task = eventually(Duration::from_secs(10), "task w", || async {
        let (_, v) = get(app, &path).await;
        v["tasks"][0]["id"].as_str().map(str::to_string)
    })
    .await;
    let path = format!("/v2/tasks/{task}/action_executions");
    let action = eventually(Duration::from_secs(10), "w's action", || async {
        let (_, v) = get(app, &path).await;
        let a = &v["action_executions"][0];
        (a["state"] == "RUNNING").then(|| a["id"].as_str().unwrap().to_string())
    })
    .await;
    (ex_id, task, action)
}

#[actix_rt::test]
async fn lists_page_and_fail_as_mistral() {
    let app = TestApp::start();
    let (ex_id, task, action) = waiting(&app).await;
    let (_, v) = get(&app, &format!("/v2/executions/{ex_id}/tasks?limit=1")).await;
    let next = v["next"].as_str().expect("a full page has next");
    assert!(
        next.ends_with(&format!(
            "/v2/tasks?sort_keys=created_at,id&sort_dirs=asc,asc&workflow_execution_id=eq:{ex_id}&limit=1&marker={task}"
        )),
        "{next}"
    );
    let (_, v) = get(&app, "/v2/workflows?name=in:wait_wf,x&limit=1&fields=name").await;
    let next = v["next"].as_str().unwrap();
    assert!(
        next.contains(
            "?sort_keys=created_at,id&sort_dirs=asc,asc&name=in:['wait_wf', 'x']&limit=1&marker="
        ),
        "{next}"
    );
    assert!(next.ends_with("&fields=id,name"), "{next}");
    let (s, v) = get(&app, &format!("/v2/executions?marker={ZERO}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        fault(&v),
        format!("WorkflowExecution not found [id={ZERO}]")
    );
    let (s, v) = get(&app, "/v2/executions?state=NOT_A_STATE").await;
    assert_eq!((s, v["executions"].clone()), (StatusCode::OK, json!([])));
    let (s, v) = get(
        &app,
        "/v2/executions?sort_keys=created_at,created_at&sort_dirs=asc,asc",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        fault(&v),
        "Length of sort_keys must be equal or greater than sort_dirs."
    );
    let (s, v) = get(&app, &format!("/v2/executions/{ex_id}?fields=foo")).await;
    assert_eq!(
        (s, fault(&v)),
        (StatusCode::BAD_REQUEST, "Field 'foo' does not exist.")
    );
    let path = format!("/v2/action_executions/{action}");
    let (s, _) = send(&app, Method::PUT, &path, json!({"state": "SUCCESS"})).await;
    assert_eq!(s, StatusCode::OK);
}

#[actix_rt::test]
async fn completing_an_async_action_validates_its_output() {
    let app = TestApp::start();
    let (ex_id, task, action) = waiting(&app).await;
    let (_, v) = get(
        &app,
        &format!("/v2/tasks/{task}/action_executions/{action}"),
    )
    .await;
    assert_eq!(v, json!({"id": action}), "only the id without fields");
    let (_, v) = get(&app, &format!("/v2/action_executions/{action}")).await;
    assert_eq!(v["output"], Value::Null, "a running action has no output");
    assert!(
        v.get("task_name").is_none() && v.get("params").is_none(),
        "{v}"
    );
    let path = format!("/v2/action_executions/{action}");
    for (output, msg) in [
        (
            json!("[1, 2]"),
            "JsonType field value must be a dictionary [actual=[1, 2]]",
        ),
        (
            json!("5"),
            "JsonType field value must be a dictionary [actual=5]",
        ),
        (
            json!("not json"),
            "Invalid input for field/attribute action_ex.",
        ),
        (json!([1]), "Invalid input for field/attribute action_ex."),
    ] {
        let (s, v) = send(
            &app,
            Method::PUT,
            &path,
            json!({"state": "SUCCESS", "output": output}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(fault(&v).starts_with(msg), "{v}");
    }
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "BOGUS"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        fault(&v),
        "Error. Expected one of ['SUCCESS', 'ERROR', 'CANCELLED', 'PAUSED', 'RUNNING'], actual: BOGUS"
    );
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "SUCCESS"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["output"], "{\"result\": {}}", "no output is {{}}");
    let (s, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "SUCCESS", "output": {"a": 1}}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "RUNNING"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        fault(&v),
        "Invalid state transition from SUCCESS to RUNNING."
    );
    eventually(Duration::from_secs(10), "success", || async {
        let (_, v) = get(&app, &format!("/v2/executions/{ex_id}")).await;
        (v["state"] == "SUCCESS").then_some(())
    })
    .await;
    // A succeeded task is refused in Mistral's words, target state first.
    let path = format!("/v2/tasks/{task}");
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "ERROR"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        fault(&v),
        "Invalid task state. Only updating task to RUNNING or SKIPPED is supported."
    );
    let (_, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "RUNNING", "reset": true}),
    )
    .await;
    assert_eq!(
        fault(&v),
        "The current task execution must be in ERROR for rerun. Only updating task to rerun is supported."
    );
    let (_, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "RUNNING", "name": "zz"}),
    )
    .await;
    assert_eq!(fault(&v), "Task name does not match.");
}

#[actix_rt::test]
async fn delete_force_is_any_non_empty_value() {
    let app = TestApp::start();
    let (ex_id, _, _) = waiting(&app).await;
    let path = format!("/v2/executions/{ex_id}");
    let (s, v) = call(&app, Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        fault(&v),
        format!(
            "Only completed executions can be deleted. Use --force to override this. Execution {ex_id} is in RUNNING state"
        )
    );
    let (s, _) = call(&app, Method::DELETE, &format!("{path}?force=false"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
