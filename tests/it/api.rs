//! The REST API over real HTTP against the whole server: Mistral's paths,
//! shapes, status codes and error bodies.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, eventually};

const UNKNOWN: &str = "123e4567-e89b-12d3-a456-426655440000";

pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Client::new().request(method, app.url(path));
    if let Some(b) = body {
        // Definitions are YAML text; every other route reads JSON.
        let ct = match ["/v2/workflows", "/v2/workbooks", "/v2/actions"]
            .iter()
            .any(|p| path.starts_with(p) && !path.starts_with("/v2/action_executions"))
        {
            true => "text/plain",
            false => "application/json",
        };
        req = req.header("content-type", ct).body(b.to_string());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}"))
    };
    (status, json)
}

pub(crate) async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    call(app, Method::GET, path, None).await
}

pub(crate) fn fault(v: &Value) -> &str {
    v["faultstring"]
        .as_str()
        .unwrap_or_else(|| panic!("no faultstring in {v}"))
}

#[actix_rt::test]
async fn root_documents() {
    let app = TestApp::start();
    let (s, v) = get(&app, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"versions": [{"id": "v2.0", "status": "CURRENT",
            "links": [{"href": app.url("/v2"), "target": "v2", "rel": "self"}]}]})
    );
    let (s, v) = get(&app, "/v2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"uri": app.url("/v2")}));
}

#[actix_rt::test]
async fn std_actions_list_page_and_get() {
    let app = TestApp::start();
    let (s, v) = get(&app, "/v2/actions").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .filter(|n| n.starts_with("std."))
        .collect();
    assert_eq!(
        names,
        [
            "std.async_noop",
            "std.echo",
            "std.email",
            "std.fail",
            "std.http",
            "std.javascript",
            "std.js",
            "std.mistral_http",
            "std.noop",
            "std.sleep",
            "std.test_dict"
        ]
    );
    let total = v["actions"].as_array().unwrap().len();
    let (_, page) = get(&app, "/v2/actions?limit=4&fields=input").await;
    // Mistral's action list ignores `fields`: each item is whole.
    assert_eq!(page["actions"][1]["name"], "std.echo");
    assert_eq!(page["actions"][1]["input"], "output, delay=0");
    assert_eq!(page["actions"][1]["is_system"], json!(false));
    // Mistral's actions link has the sort keys and the default namespace
    // filter, no fields; its page starts AT the marker (so the marker's
    // action is listed again).
    let next = page["next"].as_str().expect("a full page has next");
    assert_eq!(
        next,
        app.url(
            "/v2/actions?sort_keys=name,id&sort_dirs=asc,asc&namespace=eq:&limit=4&marker=std.fail"
        )
    );
    let (_, rest) = get(&app, "/v2/actions?limit=4&marker=std.fail").await;
    assert_eq!(rest["actions"][0]["name"], "std.fail");
    assert_eq!(rest["actions"][1]["name"], "std.http");
    assert!(total > 4);
    let (s, echo) = get(&app, "/v2/actions/std.echo").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        echo["is_system"],
        json!(false),
        "Mistral shows every action so"
    );
    let (s, v) = get(&app, "/v2/actions/std.nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(fault(&v), "Action not found [name=std.nope, namespace=]");
}

#[actix_rt::test]
async fn unknown_ids_are_404_with_a_faultstring() {
    let app = TestApp::start();
    for path in [
        "/v2/executions/not-a-uuid".to_string(),
        format!("/v2/executions/{UNKNOWN}"),
        format!("/v2/executions/{UNKNOWN}/tasks"),
        format!("/v2/executions/{UNKNOWN}/executions"),
        format!("/v2/tasks/{UNKNOWN}/executions"),
        format!("/v2/executions/{UNKNOWN}/report"),
        format!("/v2/tasks/{UNKNOWN}"),
        "/v2/tasks/x".to_string(),
        format!("/v2/action_executions/{UNKNOWN}"),
        "/v2/workflows/nope".to_string(),
        "/v2/nothing/here".to_string(),
    ] {
        let (s, v) = get(&app, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
        assert!(fault(&v).contains(" found"), "{path}: {v}");
    }
    let (s, v) = call(
        &app,
        Method::PUT,
        &format!("/v2/executions/{UNKNOWN}"),
        Some(r#"{"state": "PAUSED"}"#),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = call(
        &app,
        Method::DELETE,
        &format!("/v2/executions/{UNKNOWN}?force=true"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = call(&app, Method::DELETE, "/v2/workflows/nope", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

#[actix_rt::test]
async fn bad_requests_are_400_with_a_faultstring() {
    let app = TestApp::start();
    let cases: [(Method, &str, Option<&str>, &str); 9] = [
        (
            Method::GET,
            "/v2/executions/x/tasks",
            None,
            "Invalid input for field/attribute workflow_execution_id. Value: 'x'. unable to convert to uuid.",
        ),
        (
            Method::GET,
            "/v2/executions/x/report",
            None,
            "Invalid input for field/attribute workflow_execution_id. Value: 'x'. unable to convert to uuid.",
        ),
        (
            Method::GET,
            "/v2/executions?limit=0",
            None,
            "Limit must be positive.",
        ),
        (
            Method::GET,
            "/v2/tasks?sort_dirs=up",
            None,
            "Unknown sort direction, must be 'desc' or 'asc'.",
        ),
        (
            Method::GET,
            "/v2/executions?workflow_id=12",
            None,
            "Invalid input for field/attribute workflow_id. Value: '12'. unable to convert to uuid. Error: Expected a uuid but received 12.",
        ),
        (
            Method::POST,
            "/v2/executions",
            Some("{nope"),
            "Request is not in valid JSON format",
        ),
        (
            Method::POST,
            "/v2/executions",
            Some("{}"),
            "Workflow ID or workflow name must be provided. Workflow ID is recommended.",
        ),
        (
            Method::POST,
            "/v2/workflows?scope=unique",
            Some("x"),
            "Scope must be one of the following",
        ),
        (
            Method::GET,
            "/v2/workflows?fields=bogus",
            None,
            "Some fields do not exist  [bogus]",
        ),
    ];
    for (method, path, body, msg) in cases {
        let (s, v) = call(&app, method, path, body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert!(fault(&v).starts_with(msg), "{path}: {v}");
    }
}

#[actix_rt::test]
async fn trailing_slashes_and_unserved_methods() {
    let app = TestApp::start();
    let (s, v) = get(&app, "/v2/executions/").await;
    assert_eq!((s, &v), (StatusCode::OK, &json!({"executions": []})));
    let (s, v) = get(&app, "/v2/actions/std.noop/").await;
    assert_eq!((s, v["name"].as_str()), (StatusCode::OK, Some("std.noop")));
    let (s, v) = call(&app, Method::PATCH, "/v2/executions", Some("{}")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{v}");
    assert_eq!(
        fault(&v),
        "The method is not allowed for the requested URL."
    );
}

#[actix_rt::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::start();
    let big = "x".repeat(bora::config::Config::default().max_body_bytes + 1);
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(&big)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(fault(&v).starts_with("Request body is too large"), "{v}");
}

#[actix_rt::test]
async fn empty_lists_and_validation() {
    let app = TestApp::start();
    for (path, key) in [
        ("/v2/workflows", "workflows"),
        ("/v2/executions?include_output=true", "executions"),
        ("/v2/tasks", "tasks"),
        ("/v2/action_executions", "action_executions"),
    ] {
        let (s, v) = get(&app, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert_eq!(v, json!({ key: [] }), "{path}");
    }
    let (s, v) = call(
        &app,
        Method::POST,
        "/v2/workflows/validate",
        Some("- [ not a workflow"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["valid"], json!(false));
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("Definition could not be parsed: ")),
        "{v}"
    );
}

/// No expressions: runs whether or not the expression languages are in.
const WF: &str = "---
version: '2.0'
greet:
  input:
    - name
    - greeting: Hello
  tasks:
    hello:
      action: std.echo output=\"Hello, bora!\"
";

async fn wait_success(app: &TestApp, id: &str) -> Value {
    eventually(Duration::from_secs(20), "a finished execution", || async {
        let (_, v) = get(app, &format!("/v2/executions/{id}")).await;
        (v["state"] != "RUNNING" && v["state"] != "IDLE").then_some(v)
    })
    .await
}

#[actix_rt::test]
async fn workflow_and_execution_round_trip() {
    let app = TestApp::start();
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(WF)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let wf = &v["workflows"][0];
    assert_eq!(
        (wf["name"].as_str(), wf["input"].as_str()),
        (Some("greet"), Some("name, greeting=\"Hello\""))
    );
    assert!(
        wf["interface"].is_object(),
        "POST answers interface as an object: {wf}"
    );
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(WF)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, got) = get(&app, "/v2/workflows/greet").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        got["interface"].is_string(),
        "GET answers interface as JSON text: {got}"
    );
    // The same definition again writes nothing: updated_at stays null, as
    // Mistral's database writes no unchanged row; a changed one sets it.
    let (s, v) = call(&app, Method::PUT, "/v2/workflows", Some(WF)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["workflows"][0]["updated_at"].is_null(), "{v}");
    let changed = WF.replace("Hello, bora!", "Hello again!");
    let (s, v) = call(&app, Method::PUT, "/v2/workflows", Some(&changed)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["workflows"][0]["updated_at"].is_string(), "{v}");
    assert_eq!(v["workflows"][0]["id"], got["id"]);
    let (s, v) = call(&app, Method::PUT, "/v2/workflows/greet", Some(WF)).await;
    assert_eq!((s, &v["name"]), (StatusCode::OK, &json!("greet")), "{v}");
    let bad = "version: '2.0'\nbad:\n  tasks:\n    t1:\n      on-success: [nowhere]\n";
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(bad)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        fault(&v).starts_with("Invalid DSL: ") && fault(&v).contains("nowhere"),
        "{v}"
    );

    let body =
        json!({"workflow_name": "greet", "input": "{\"name\": \"bora\"}", "description": "d"})
            .to_string();
    let resp = Client::new()
        .post(app.url("/v2/executions"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let ex: Value = resp.json().await.unwrap();
    let id = ex["id"].as_str().unwrap().to_string();
    let input: Value =
        serde_json::from_str(ex["input"].as_str().expect("input is JSON text")).unwrap();
    assert_eq!(input["name"], "bora", "{ex}");
    let done = wait_success(&app, &id).await;
    assert_eq!(done["state"], "SUCCESS", "{done}");
    let output: Value = serde_json::from_str(done["output"].as_str().unwrap()).unwrap();
    assert!(output.is_object(), "{done}");
    assert!(done.get("published_global").is_some());

    let (_, list) = get(&app, "/v2/executions").await;
    assert!(list["executions"][0].get("output").is_none(), "{list}");
    let (_, list) = get(
        &app,
        "/v2/executions?include_output=true&workflow_name=greet",
    )
    .await;
    assert!(list["executions"][0]["output"].is_string(), "{list}");

    let (_, tasks) = get(&app, &format!("/v2/executions/{id}/tasks")).await;
    let task = &tasks["tasks"][0];
    assert_eq!(
        (task["name"].as_str(), task["state"].as_str()),
        (Some("hello"), Some("SUCCESS"))
    );
    let tid = task["id"].as_str().unwrap();
    let (_, one) = get(&app, &format!("/v2/tasks/{tid}")).await;
    assert_eq!(one["result"], json!("\"Hello, bora!\""));
    let (_, aes) = get(
        &app,
        &format!("/v2/tasks/{tid}/action_executions?include_output=true"),
    )
    .await;
    let ae = &aes["action_executions"][0];
    assert_eq!(
        (ae["name"].as_str(), ae["output"].as_str()),
        (Some("std.echo"), Some("{\"result\": \"Hello, bora!\"}"))
    );

    let (s, tree) = get(
        &app,
        &format!("/v2/executions/{id}/executions?include_output=true"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{tree}");
    assert_eq!(
        tree["executions"].as_array().map(Vec::len),
        Some(1),
        "{tree}"
    );
    assert_eq!(tree["executions"][0]["id"], json!(id));
    let (s, report) = get(&app, &format!("/v2/executions/{id}/report")).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(
        report["statistics"]["success_tasks_count"],
        json!(1),
        "{report}"
    );
    let root = &report["root_workflow_execution"];
    assert_eq!(
        root["task_executions"][0]["action_executions"][0]["name"],
        json!("std.echo"),
        "{report}"
    );
    let (_, stats) = get(
        &app,
        &format!("/v2/executions/{id}/report?statistics_only=true"),
    )
    .await;
    assert_eq!(
        (
            stats["statistics"]["total_tasks_count"].as_u64(),
            stats.get("root_workflow_execution")
        ),
        (Some(1), None)
    );
    let (s, tree) = get(&app, &format!("/v2/tasks/{tid}/executions")).await;
    assert_eq!((s, &tree), (StatusCode::OK, &json!({"executions": []})));

    let (s, v) = call(
        &app,
        Method::PUT,
        &format!("/v2/executions/{id}"),
        Some(r#"{"description": "new"}"#),
    )
    .await;
    assert_eq!(
        (s, v["description"].as_str()),
        (StatusCode::OK, Some("new")),
        "{v}"
    );
    let (s, _) = call(&app, Method::DELETE, &format!("/v2/executions/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(&app, Method::DELETE, "/v2/workflows/greet", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = get(&app, "/v2/workflows/greet").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_rt::test]
async fn executions_page_with_next_links() {
    let app = TestApp::start();
    let (s, _) = call(&app, Method::POST, "/v2/workflows", Some(WF)).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut ids = Vec::new();
    for n in 0..3 {
        let body = json!({"workflow_name": "greet", "input": {"name": n.to_string()}}).to_string();
        let (s, v) = call(&app, Method::POST, "/v2/executions", Some(&body)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        wait_success(&app, id).await;
    }
    let mut seen = Vec::new();
    let mut path = "/v2/executions?limit=2&sort_keys=created_at,id&fields=state".to_string();
    loop {
        let (s, page) = get(&app, &path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for e in page["executions"].as_array().unwrap() {
            assert_eq!(
                e.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["id", "state"]
            );
            seen.push(e["id"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(next) => path = next.trim_start_matches(&app.base).to_string(),
            None => break,
        }
    }
    let mut want = ids.clone();
    want.sort();
    seen.sort();
    assert_eq!(seen, want);
}

const SLOW: &str = "---
version: '2.0'
slow:
  tasks:
    nap:
      action: std.sleep seconds=1
      on-success: [done]
    done:
      action: std.noop
";

#[actix_rt::test]
async fn pause_resume_idempotent_start_and_delete_rules() {
    let app = TestApp::start();
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(SLOW)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let body = json!({"workflow_name": "slow", "id": UNKNOWN}).to_string();
    let (s, first) = call(&app, Method::POST, "/v2/executions", Some(&body)).await;
    assert_eq!(
        (s, &first["id"]),
        (StatusCode::CREATED, &json!(UNKNOWN)),
        "{first}"
    );
    let (s, again) = call(&app, Method::POST, "/v2/executions", Some(&body)).await;
    assert_eq!(
        (s, &again["id"]),
        (StatusCode::CREATED, &json!(UNKNOWN)),
        "{again}"
    );
    let (_, list) = get(&app, "/v2/executions").await;
    assert_eq!(
        list["executions"].as_array().map(Vec::len),
        Some(1),
        "{list}"
    );

    let path = format!("/v2/executions/{UNKNOWN}");
    let (s, v) = call(&app, Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = call(&app, Method::PUT, &path, Some(r#"{"state": "PAUSED"}"#)).await;
    assert_eq!((s, &v["state"]), (StatusCode::OK, &json!("PAUSED")), "{v}");
    let (s, v) = call(&app, Method::PUT, &path, Some(r#"{"state": "IDLE"}"#)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = call(&app, Method::PUT, &path, Some(r#"{"state": "RUNNING"}"#)).await;
    assert_eq!((s, &v["state"]), (StatusCode::OK, &json!("RUNNING")), "{v}");
    let done = wait_success(&app, UNKNOWN).await;
    assert_eq!(done["state"], "SUCCESS", "{done}");
    let (s, _) = call(&app, Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
