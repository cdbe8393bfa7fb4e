//! Bad input over real HTTP: every rejection is a 4xx naming the problem,
//! and a rejected request leaves nothing half-written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, fault, get};
use crate::harness::TestApp;

async fn post_json(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.expect("JSON body"))
}

#[actix_rt::test]
async fn malformed_yaml_is_400_naming_line_and_column() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: [unclosed\n";
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let msg = fault(&v);
    assert!(msg.contains("line") && msg.contains("column"), "{msg}");
}

#[actix_rt::test]
async fn every_dangling_reference_is_listed_at_once() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n      on-success: [t9]\n      on-error: [t8]\n";
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let msg = fault(&v);
    assert!(
        msg.contains("on-success[0]") && msg.contains("'t9'"),
        "{msg}"
    );
    assert!(msg.contains("on-error[0]") && msg.contains("'t8'"), "{msg}");
    assert!(msg.contains("line 6"), "{msg}");
}

#[actix_rt::test]
async fn a_rejected_upload_writes_no_workflow() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\ngood:\n  tasks:\n    t1:\n      action: std.noop\nbad:\n  tasks:\n    t1:\n      action: std.noop\n      on-success: [nowhere]\n";
    let (s, _) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, list) = get(&app, "/v2/workflows").await;
    assert_eq!(list["workflows"], json!([]), "nothing half-written");
    let (s, v) = call(
        &app,
        Method::POST,
        "/v2/workflows",
        Some("version: '2.0'\ngood:\n  tasks:\n    t1:\n      action: std.noop\n"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = call(
        &app,
        Method::POST,
        "/v2/workflows",
        Some("version: '2.0'\ngood:\n  tasks:\n    t1:\n      action: std.noop\n"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(fault(&v).contains("Duplicate"), "{v}");
}

#[actix_rt::test]
async fn unknown_workflow_is_404_and_bad_input_is_400_with_nothing_written() {
    let app = TestApp::start();
    let yaml =
        "version: '2.0'\nwf:\n  input:\n    - x\n  tasks:\n    t1:\n      action: std.noop\n";
    let (s, _) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = post_json(&app, "/v2/executions", json!({"workflow_name": "nope"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(fault(&v).contains("nope"), "{v}");
    let (s, v) = post_json(
        &app,
        "/v2/executions",
        json!({"workflow_name": "wf", "input": "{not json"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = post_json(
        &app,
        "/v2/executions",
        json!({"workflow_name": "wf", "input": {"y": 1}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let msg = fault(&v);
    assert!(
        msg.contains("missing=['x']") && msg.contains("unexpected=['y']"),
        "{msg}"
    );
    let (_, list) = get(&app, "/v2/executions").await;
    assert_eq!(list["executions"], json!([]), "no execution half-written");
}
