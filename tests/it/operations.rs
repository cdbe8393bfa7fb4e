//! Operator actions over real HTTP: rerun and skip of a failed task, and
//! completing an asynchronous action through the API.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, get};
use crate::harness::{TestApp, eventually};

async fn put(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .put(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn start(app: &TestApp, yaml: &str, wf: &str, input: Value) -> String {
    let (s, v) = call(app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    run(app, wf, input, json!({})).await
}

/// Starts an execution of a stored workflow; returns its id.
async fn run(app: &TestApp, wf: &str, input: Value, params: Value) -> String {
    let resp = reqwest::Client::new()
        .post(app.url("/v2/executions"))
        .json(&json!({"workflow_name": wf, "input": input, "params": params}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn state_of(app: &TestApp, id: &str, want: &'static str) -> Value {
    let path = format!("/v2/executions/{id}");
    eventually(Duration::from_secs(10), want, || async {
        let (_, v) = get(app, &path).await;
        (v["state"] == want).then_some(v)
    })
    .await
}

async fn tasks_of(app: &TestApp, id: &str) -> Vec<Value> {
    let (_, v) = get(app, &format!("/v2/executions/{id}/tasks")).await;
    v["tasks"].as_array().cloned().unwrap_or_default()
}

const FLAKY: &str = "
version: '2.0'
flaky:
  tasks:
    t1:
      action: std.echo output=<% env().get(ok, false) %>
      publish:
        ok: <% task().result %>
      on-success:
        - t2: <% $.ok %>
        - fail: <% not $.ok %>
    t2:
      action: std.noop
";

#[actix_rt::test]
async fn a_succeeded_task_cannot_be_rerun() {
    let app = TestApp::start();
    let id = start(&app, FLAKY, "flaky", json!({})).await;
    state_of(&app, &id, "ERROR").await;
    let t1 = tasks_of(&app, &id)
        .await
        .into_iter()
        .find(|t| t["name"] == "t1")
        .unwrap();
    assert_eq!(
        t1["state"], "SUCCESS",
        "t1 itself succeeded; `fail` ended the workflow"
    );
    let (s, v) = put(
        &app,
        &format!("/v2/tasks/{}", t1["id"].as_str().unwrap()),
        json!({"state": "RUNNING", "reset": true}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a succeeded task cannot be rerun: {v}"
    );
}

const FAILS: &str = "
version: '2.0'
fails:
  tasks:
    t1:
      action: std.echo output=<% env().get(out, 'x') %>
      fail-on: <% not env().get(ok, false) %>
      on-success: [t2]
    t2:
      action: std.noop
";

#[actix_rt::test]
async fn rerun_and_skip_of_a_failed_task() {
    let app = TestApp::start();
    let id = start(&app, FAILS, "fails", json!({})).await;
    state_of(&app, &id, "ERROR").await;
    let t1 = tasks_of(&app, &id)
        .await
        .into_iter()
        .find(|t| t["name"] == "t1")
        .unwrap();
    assert_eq!(t1["state"], "ERROR");
    let path = format!("/v2/tasks/{}", t1["id"].as_str().unwrap());
    let (s, v) = put(&app, &path, json!({"state": "RUNNING"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "reset is mandatory: {v}");
    let (s, v) = put(
        &app,
        &path,
        json!({"state": "RUNNING", "reset": true, "env": {"ok": true, "out": "again"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ex = state_of(&app, &id, "SUCCESS").await;
    assert!(ex["params"].as_str().unwrap().contains("again"));
    let names: Vec<String> = tasks_of(&app, &id)
        .await
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"t2".to_string()), "{names:?}");

    let id = start(&app, "version: '2.0'\nskips:\n  tasks:\n    t1:\n      action: std.fail\n      on-success: [t2]\n    t2:\n      action: std.noop\n", "skips", json!({})).await;
    state_of(&app, &id, "ERROR").await;
    let t1 = tasks_of(&app, &id)
        .await
        .into_iter()
        .find(|t| t["name"] == "t1")
        .unwrap();
    let (s, v) = put(
        &app,
        &format!("/v2/tasks/{}", t1["id"].as_str().unwrap()),
        json!({"state": "SKIPPED"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    state_of(&app, &id, "SUCCESS").await;
    let states: Vec<(String, String)> = tasks_of(&app, &id)
        .await
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        states.contains(&("t1".into(), "SKIPPED".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("t2".into(), "SUCCESS".into())),
        "skipping falls back to on-success: {states:?}"
    );
}

#[actix_rt::test]
async fn an_async_action_completes_through_the_api() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\nwaits:\n  tasks:\n    t1:\n      action: std.async_noop\n      publish:\n        got: <% task().result %>\n";
    let id = start(&app, yaml, "waits", json!({})).await;
    let aes = eventually(
        Duration::from_secs(10),
        "a RUNNING async action",
        || async {
            let (_, v) = get(&app, "/v2/action_executions").await;
            let list = v["action_executions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            list.into_iter().find(|a| a["state"] == "RUNNING")
        },
    )
    .await;
    let (s, v) = put(
        &app,
        &format!("/v2/action_executions/{}", aes["id"].as_str().unwrap()),
        json!({"state": "SUCCESS", "output": {"answer": 42}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ex = state_of(&app, &id, "SUCCESS").await;
    let output: Value = serde_json::from_str(ex["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"got": {"answer": 42}}));
}

#[actix_rt::test]
async fn a_stored_environment_is_used_by_name() {
    let app = TestApp::start();
    let client = reqwest::Client::new();
    let env = json!({"name": "prod", "description": "d", "variables": {"greeting": "hello"}});
    let resp = client
        .post(app.url("/v2/environments"))
        .json(&env)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["variables"], "{\"greeting\": \"hello\"}");
    let resp = client
        .post(app.url("/v2/environments"))
        .json(&env)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let yaml = "version: '2.0'\nuses_env:\n  tasks:\n    t1:\n      action: std.echo output=<% env().greeting %>\n      publish:\n        said: <% task().result %>\n";
    let (s, _) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED);
    let resp = client
        .post(app.url("/v2/executions"))
        .json(&json!({"workflow_name": "uses_env", "params": {"env": "prod"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ex = state_of(&app, &id, "SUCCESS").await;
    assert_eq!(
        serde_json::from_str::<Value>(ex["output"].as_str().unwrap()).unwrap(),
        json!({"said": "hello"})
    );
    let resp = client
        .post(app.url("/v2/executions"))
        .json(&json!({"workflow_name": "uses_env", "params": {"env": "nope"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (s, list) = get(&app, "/v2/environments").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["environments"].as_array().unwrap().len(), 1);
    let resp = client
        .delete(app.url("/v2/environments/prod"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (s, _) = get(&app, "/v2/environments/prod").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_rt::test]
async fn diagnosis_names_what_an_execution_waits_on() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\nparked:\n  tasks:\n    t1:\n      action: std.async_noop\n";
    let id = start(&app, yaml, "parked", json!({})).await;
    let report = eventually(
        Duration::from_secs(10),
        "a running async action in the diagnosis",
        || async {
            let (s, v) = get(&app, &format!("/v2/executions/{id}/diagnosis")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            (v["waiting_on"][0]["state"] == "RUNNING").then_some(v)
        },
    )
    .await;
    assert_eq!(report["waiting_on"][0]["kind"], "action");
    assert_eq!(report["waiting_on"][0]["task"], "t1");
    let (s, _) = get(
        &app,
        "/v2/executions/123e4567-e89b-12d3-a456-426655440000/diagnosis",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = put(
        &app,
        &format!("/v2/executions/{id}"),
        json!({"state": "CANCELLED"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // As in Mistral, cancelling leaves the running action alone: it is
    // completed by hand, which is recorded but starts nothing.
    let aid = report["waiting_on"][0]["action_execution_id"]
        .as_str()
        .map(str::to_string);
    let (_, v) = get(&app, "/v2/action_executions").await;
    let aid = aid.unwrap_or_else(|| {
        v["action_executions"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    let (s, v) = put(
        &app,
        &format!("/v2/action_executions/{aid}"),
        json!({"state": "SUCCESS"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    state_of(&app, &id, "CANCELLED").await;
}

#[actix_rt::test]
async fn an_execution_can_be_started_from_a_previous_one() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\necho_in:\n  input:\n    - word\n  tasks:\n    t1:\n      action: std.echo output=<% $.word %>\n      publish:\n        said: <% task().result %>\n";
    let first = start(&app, yaml, "echo_in", json!({"word": "again"})).await;
    state_of(&app, &first, "SUCCESS").await;
    let resp = reqwest::Client::new()
        .post(app.url("/v2/executions"))
        // As on Mistral, the source's input is not carried over.
        .json(&json!({"source_execution_id": first, "input": {"word": "anew"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let second: Value = resp.json().await.unwrap();
    assert_eq!(second["workflow_name"], "echo_in");
    assert_eq!(
        second["description"],
        format!("Based on the execution '{first}'")
    );
    let id = second["id"].as_str().unwrap().to_string();
    let ex = state_of(&app, &id, "SUCCESS").await;
    assert_eq!(
        serde_json::from_str::<Value>(ex["output"].as_str().unwrap()).unwrap(),
        json!({"said": "anew"})
    );
}

#[actix_rt::test]
async fn env_expressions_are_evaluated_unless_evaluate_env_is_false() {
    let app = TestApp::start();
    let yaml = "version: '2.0'\nenv_eval:\n  output:\n    url: <% env().url %>\n  tasks:\n    t1:\n      action: std.noop\n";
    let env = json!({"host": "h", "url": "<% env().host + ':8080' %>"});
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = run(&app, "env_eval", json!({}), json!({"env": env})).await;
    let ex = state_of(&app, &id, "SUCCESS").await;
    assert_eq!(
        serde_json::from_str::<Value>(ex["output"].as_str().unwrap()).unwrap(),
        json!({"url": "h:8080"})
    );
    let params = json!({"env": env, "evaluate_env": false});
    let id = run(&app, "env_eval", json!({}), params).await;
    let ex = state_of(&app, &id, "SUCCESS").await;
    assert_eq!(
        serde_json::from_str::<Value>(ex["output"].as_str().unwrap()).unwrap(),
        json!({"url": "<% env().host + ':8080' %>"})
    );
}

/// The action executions of task `name` of execution `id`, oldest first,
/// once `n` of them are RUNNING.
async fn running_actions(app: &TestApp, id: &str, name: &str, n: usize) -> Vec<Value> {
    eventually(Duration::from_secs(10), "running item actions", || async {
        let task = tasks_of(app, id)
            .await
            .into_iter()
            .find(|t| t["name"] == name)?;
        let path = format!("/v2/tasks/{}/action_executions", task["id"].as_str()?);
        let (_, v) = get(app, &path).await;
        let mut list = v["action_executions"].as_array().cloned()?;
        list.sort_by_key(|a| a["created_at"].as_str().map(str::to_string));
        (list.iter().filter(|a| a["state"] == "RUNNING").count() == n).then_some(list)
    })
    .await
}

async fn finish_action(app: &TestApp, ae: &Value, state: &str, output: Value) {
    let path = format!("/v2/action_executions/{}", ae["id"].as_str().unwrap());
    let (s, v) = put(app, &path, json!({"state": state, "output": output})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Four items of five succeed (their records then leave the engine's
/// memory), one fails while another task keeps the execution running.
const ITEMS_AND_HOLD: &str = "
version: '2.0'
items_hold:
  tasks:
    items:
      with-items: x in <% range(5) %>
      action: std.async_noop
    hold:
      action: std.async_noop
";

#[actix_rt::test]
async fn a_rerun_with_reset_sees_the_items_that_left_memory() {
    let app = TestApp::start();
    let id = start(&app, ITEMS_AND_HOLD, "items_hold", json!({})).await;
    let aes = running_actions(&app, &id, "items", 5).await;
    for (i, ae) in aes.iter().enumerate() {
        let state = if i == 4 { "ERROR" } else { "SUCCESS" };
        finish_action(&app, ae, state, json!({"i": i})).await;
    }
    let items = eventually(Duration::from_secs(10), "items in ERROR", || async {
        tasks_of(&app, &id)
            .await
            .into_iter()
            .find(|t| t["name"] == "items" && t["state"] == "ERROR")
    })
    .await;
    let path = format!("/v2/tasks/{}", items["id"].as_str().unwrap());
    let (s, v) = put(&app, &path, json!({"state": "RUNNING", "reset": true})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all = running_actions(&app, &id, "items", 5).await;
    assert_eq!(all.len(), 10, "five items run again: {all:?}");
    let first: Vec<&Value> = all.iter().filter(|a| a["state"] != "RUNNING").collect();
    assert_eq!(first.len(), 5);
    assert!(
        first.iter().all(|a| a["accepted"] == false),
        "a rerun with reset unaccepts every earlier run, also of items no longer in memory: {first:?}"
    );
    for (i, ae) in all.iter().filter(|a| a["state"] == "RUNNING").enumerate() {
        finish_action(&app, ae, "SUCCESS", json!({"again": i})).await;
    }
    let hold = running_actions(&app, &id, "hold", 1).await;
    finish_action(&app, &hold[0], "SUCCESS", json!({})).await;
    state_of(&app, &id, "SUCCESS").await;
}

#[actix_rt::test]
async fn a_failure_text_counts_the_items_that_left_memory() {
    let app = TestApp::start();
    let id = start(&app, ITEMS_AND_HOLD, "items_hold", json!({})).await;
    let aes = running_actions(&app, &id, "items", 5).await;
    for (i, ae) in aes.iter().enumerate() {
        let state = if i == 4 { "ERROR" } else { "SUCCESS" };
        finish_action(&app, ae, state, json!({"i": i})).await;
    }
    let hold = running_actions(&app, &id, "hold", 1).await;
    finish_action(&app, &hold[0], "SUCCESS", json!({})).await;
    let ex = state_of(&app, &id, "ERROR").await;
    let info = ex["state_info"].as_str().unwrap();
    let failed = aes[4]["id"].as_str().unwrap();
    assert!(
        info.contains(&format!("[action_ex_id={failed}, idx=4]")),
        "the failed item is the task's fifth action execution: {info}"
    );
}
