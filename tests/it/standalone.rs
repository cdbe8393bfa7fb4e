//! Standalone action executions (`POST/PUT/DELETE /v2/action_executions`)
//! over real HTTP: run-sync and background runs, async completion, refusals,
//! deletion rules, and recovery after a restart.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, fault, get};
use crate::harness::{TestApp, eventually};

pub(crate) async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .request(method, app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn run(app: &TestApp, body: Value) -> (StatusCode, Value) {
    send(app, Method::POST, "/v2/action_executions", body).await
}

pub(crate) fn output(v: &Value) -> Value {
    serde_json::from_str(v["output"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

pub(crate) async fn action_state(app: &TestApp, id: &str, want: &'static str) -> Value {
    let path = format!("/v2/action_executions/{id}");
    eventually(Duration::from_secs(10), want, || async {
        let (_, v) = get(app, &path).await;
        (v["state"] == want).then_some(v)
    })
    .await
}
#[actix_rt::test]
async fn run_sync_returns_the_output() {
    let app = TestApp::start();
    let (s, v) = run(
        &app,
        json!({"name": "std.echo", "input": {"output": "hi"}, "params": {"run_sync": true},
               "description": "say hi"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "SUCCESS");
    assert_eq!(output(&v), json!({"result": "hi"}));
    assert_eq!(v["task_execution_id"], Value::Null);
    assert_eq!(v["description"], "say hi");
    // A sync action without save_result runs inline too; input as a JSON string.
    let (s, v) = run(
        &app,
        json!({"name": "std.test_dict", "input": "{\"size\": 2, \"key_prefix\": \"k\", \"val\": 1}"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(output(&v), json!({"result": {"k0": 1, "k1": 1}}));
    // A failing action: 201, ERROR, the error as the result.
    let (s, v) = run(
        &app,
        json!({"name": "std.fail", "params": {"run_sync": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "ERROR");
    let text = output(&v)["result"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Run inline, the action has no id of its own (Mistral's executor).
    assert_eq!(
        text,
        "The action raised an exception [action=Fail action, action_ex_id=None, msg='Fail action expected exception.']"
    );
}

#[actix_rt::test]
async fn save_result_runs_in_the_background() {
    let app = TestApp::start();
    let (s, v) = run(
        &app,
        json!({"name": "std.echo", "input": {"output": [1, 2]}, "params": {"save_result": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "RUNNING");
    let id = v["id"].as_str().unwrap().to_string();
    let done = action_state(&app, &id, "SUCCESS").await;
    assert_eq!(output(&done), json!({"result": [1, 2]}));
    assert_eq!(done["accepted"], true);
    let (_, list) = get(&app, "/v2/action_executions?name=std.echo").await;
    assert_eq!(list["action_executions"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn a_saved_run_is_never_read_in_an_earlier_state() {
    use bora::domain::State;
    let app = TestApp::start();
    let client = reqwest::Client::new();
    // Each probe reads the action execution as fast as it can from its
    // answer (RUNNING) to SUCCESS: every state read must follow the one
    // before by the transition table (never IDLE after RUNNING).
    for probe in 0..15 {
        let (s, v) = run(
            &app,
            json!({"name": "std.echo", "input": {"output": probe}, "params": {"save_result": true}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let mut seen: Vec<State> = vec![v["state"].as_str().unwrap().parse().unwrap()];
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while seen.last() != Some(&State::Success) {
            assert!(
                std::time::Instant::now() < deadline,
                "probe {probe}: {seen:?}"
            );
            let url = app.url(&format!("/v2/action_executions/{id}"));
            let r: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            let state: State = r["state"].as_str().unwrap().parse().unwrap();
            let last = *seen.last().unwrap();
            assert!(
                last.can_transition(state),
                "probe {probe}: read {state} after {seen:?} ({r})"
            );
            if state != last {
                seen.push(state);
            }
        }
        assert_eq!(seen, [State::Running, State::Success], "probe {probe}");
    }
}

#[actix_rt::test]
async fn an_async_standalone_action_completes_through_put() {
    let app = TestApp::start();
    let (s, v) = run(&app, json!({"name": "std.async_noop"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "RUNNING");
    let id = v["id"].as_str().unwrap().to_string();
    action_state(&app, &id, "RUNNING").await;
    let path = format!("/v2/action_executions/{id}");
    let (s, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "SUCCESS", "output": {"answer": 42}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "SUCCESS");
    let done = action_state(&app, &id, "SUCCESS").await;
    assert_eq!(output(&done), json!({"result": {"answer": 42}}));
}

#[actix_rt::test]
async fn bad_requests_are_refused_with_the_reason() {
    let app = TestApp::start();
    let (s, v) = run(
        &app,
        json!({"name": "std.async_noop", "params": {"run_sync": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(fault(&v), "Action does not support synchronous execution.");
    let (s, v) = run(&app, json!({"name": "std.nope"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(fault(&v), "Failed to find action [action_name=std.nope]");
    let (s, v) = run(&app, json!({"name": "std.echo", "input": {"bogus": 1}})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(fault(&v).contains("missing=['output']"), "{v}");
    assert!(fault(&v).contains("unexpected=['bogus']"), "{v}");
    let (s, v) = run(&app, json!({"input": {}})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        fault(&v),
        "Please provide at least action name to run action."
    );
    let (s, v) = run(&app, json!({"name": "std.echo", "bogus": 1})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, list) = get(&app, "/v2/action_executions").await;
    assert_eq!(list["action_executions"], json!([]), "nothing was recorded");
}

#[actix_rt::test]
async fn deletion_follows_mistral_rules() {
    let app = TestApp::start();
    // A run is stored (and has an id) only with save_result.
    let saved = json!({"name": "std.noop", "params": {"run_sync": true, "save_result": true}});
    let (_, v) = run(&app, saved.clone()).await;
    let id = v["id"].as_str().unwrap().to_string();
    let path = format!("/v2/action_executions/{id}");
    let (s, v) = call(&app, Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(fault(&v), "Action execution deletion is not allowed.");
    drop(app);

    let app = TestApp::start_with(|c| c.allow_action_execution_deletion = true);
    let (_, v) = run(&app, saved).await;
    let done = v["id"].as_str().unwrap().to_string();
    let (_, v) = run(&app, json!({"name": "std.async_noop"})).await;
    let waiting = v["id"].as_str().unwrap().to_string();
    let (s, v) = call(
        &app,
        Method::DELETE,
        &format!("/v2/action_executions/{waiting}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(fault(&v), "Only completed action execution can be deleted.");
    let path = format!("/v2/action_executions/{done}");
    let (s, _) = call(&app, Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = get(&app, &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A task's action execution is not standalone.
    let yaml = "version: '2.0'\none:\n  tasks:\n    t1:\n      action: std.noop\n";
    let (s, _) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, ex) = send(
        &app,
        Method::POST,
        "/v2/executions",
        json!({"workflow_name": "one"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let ex_id = ex["id"].as_str().unwrap().to_string();
    let task_action = eventually(Duration::from_secs(10), "the task's action", || async {
        let (_, v) = get(&app, "/v2/action_executions?state=SUCCESS").await;
        v["action_executions"].as_array().and_then(|l| {
            l.iter()
                .find(|a| !a["task_execution_id"].is_null())
                .cloned()
        })
    })
    .await;
    let (s, v) = call(
        &app,
        Method::DELETE,
        &format!(
            "/v2/action_executions/{}",
            task_action["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(fault(&v), "Only ad-hoc action execution can be deleted.");
    let (s, _) = send(
        &app,
        Method::PUT,
        &format!("/v2/action_executions/{waiting}"),
        json!({"state": "CANCELLED"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    eventually(Duration::from_secs(10), "the execution's end", || async {
        let (_, v) = get(&app, &format!("/v2/executions/{ex_id}")).await;
        (v["state"] == "SUCCESS").then_some(())
    })
    .await;
}
/// A standalone action execution as a crash left it.
fn left_behind(name: &str, state: bora::domain::State) -> bora::store::ActionExecutionRecord {
    bora::store::ActionExecutionRecord {
        id: bora::domain::ActionExecutionId::new(),
        name: name.into(),
        task_execution_id: None,
        execution_id: None,
        workflow_name: None,
        workflow_namespace: Some(String::new()),
        task_name: None,
        description: String::new(),
        tags: vec![],
        state,
        state_info: None,
        accepted: false,
        input: json!({"output": "again"}),
        output: json!({}),
        params: json!({"save_result": true}),
        attempt: 1,
        item_index: None,
        project_id: bora::domain::DEFAULT_PROJECT.into(),
        created_at: bora::domain::now(),
        updated_at: None,
    }
}

#[actix_rt::test]
async fn recovery_treats_standalone_actions_like_task_actions() {
    use bora::domain::State;
    use bora::store::{Batch, Write};
    let (_dir, url) = crate::harness::sqlite_url();
    let idle = left_behind("std.echo", State::Idle);
    let running = left_behind("std.echo", State::Running);
    let mut waiting = left_behind("std.async_noop", State::Running);
    waiting.input = json!({});
    let (idle_id, running_id) = (idle.id.to_string(), running.id.to_string());
    let waiting_id = waiting.id.to_string();
    {
        let (_, mut writer) = bora::store::open(&url).unwrap();
        let batch = Batch {
            action_executions: vec![
                (Write::Insert, idle.into()),
                (Write::Insert, running.into()),
                (Write::Insert, waiting.into()),
            ],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
    }
    let app = TestApp::start_on(&url);
    let done = action_state(&app, &idle_id, "SUCCESS").await;
    assert_eq!(output(&done), json!({"result": "again"}));
    let failed = action_state(&app, &running_id, "ERROR").await;
    assert!(
        failed["state_info"]
            .as_str()
            .unwrap_or_default()
            .contains("INTERRUPTED_NOT_SAFE"),
        "{failed}"
    );
    // An asynchronous action still waits for its completion through the API.
    let path = format!("/v2/action_executions/{waiting_id}");
    let (_, v) = get(&app, &path).await;
    assert_eq!(v["state"], "RUNNING", "{v}");
    let (s, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "SUCCESS", "output": {"v": "late"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(output(&v), json!({"result": {"v": "late"}}));
}

#[actix_rt::test]
async fn an_ad_hoc_action_runs_standalone_expanded_and_transformed() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\ngreet:\n  base: std.echo\n  base-input:\n    output: <% 'Hello, ' + $.who %>\n  input:\n    - who: world\n  output: <% $ + '!' %>\n";
    let (s, v) = call(&app, Method::POST, "/v2/actions", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = run(
        &app,
        json!({"name": "greet", "input": {"who": "bora"}, "params": {"run_sync": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "SUCCESS", "{v}");
    assert_eq!(v["name"], "greet");
    assert_eq!(output(&v), json!({"result": "Hello, bora!"}));
    // Defaults apply; a background run ends the same way.
    let (s, v) = run(
        &app,
        json!({"name": "greet", "params": {"save_result": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let done = action_state(&app, &id, "SUCCESS").await;
    assert_eq!(output(&done), json!({"result": "Hello, world!"}));
    assert_eq!(
        serde_json::from_str::<Value>(done["input"].as_str().unwrap()).unwrap(),
        json!({"who": "world"})
    );
}
