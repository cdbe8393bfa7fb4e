//! Execution lifecycle as Mistral 23.0.0 runs it, over real HTTP: cancel
//! leaves running work alone, async actions pause their workflow, skip and
//! rerun bookkeeping, and what sub-workflows see of the env.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, get};
use crate::harness::{TestApp, eventually};

async fn send(app: &TestApp, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .request(method, app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn start(app: &TestApp, yaml: &str, wf: &str, params: Value) -> String {
    let (s, v) = call(app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let body = json!({"workflow_name": wf, "params": params});
    let (s, v) = send(app, Method::POST, "/v2/executions", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
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

/// The RUNNING action execution of the execution's task `name`.
async fn running_action(app: &TestApp, exec: &str, name: &str) -> (String, String) {
    eventually(Duration::from_secs(10), "a RUNNING action", || async {
        let task = tasks_of(app, exec)
            .await
            .into_iter()
            .find(|t| t["name"] == name)?;
        let tid = task["id"].as_str()?.to_string();
        let (_, v) = get(app, &format!("/v2/tasks/{tid}/action_executions")).await;
        let ae = v["action_executions"]
            .as_array()?
            .iter()
            .find(|a| a["state"] == "RUNNING")?
            .clone();
        Some((tid, ae["id"].as_str()?.to_string()))
    })
    .await
}

const WAITS: &str = "
version: '2.0'
lc_waits:
  tasks:
    t1:
      action: std.async_noop
      publish:
        got: <% task().result %>
      on-success: [t2]
    t2:
      action: std.noop
";

#[actix_rt::test]
async fn cancel_leaves_the_running_action_and_a_late_result_starts_nothing() {
    let app = TestApp::start();
    let id = start(&app, WAITS, "lc_waits", json!({})).await;
    let (tid, aid) = running_action(&app, &id, "t1").await;
    let path = format!("/v2/executions/{id}");
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "CANCELLED"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state_info"], Value::Null);
    assert_eq!(v["output"], "{\"result\": null}");
    let (_, t) = get(&app, &format!("/v2/tasks/{tid}")).await;
    assert_eq!(t["state"], "RUNNING", "cancel does not touch the task");
    let ae_path = format!("/v2/action_executions/{aid}");
    let (s, v) = send(
        &app,
        Method::PUT,
        &ae_path,
        json!({"state": "SUCCESS", "output": {"x": 1}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = eventually(Duration::from_secs(10), "t1 SUCCESS", || async {
        let (_, t) = get(&app, &format!("/v2/tasks/{tid}")).await;
        (t["state"] == "SUCCESS").then_some(t)
    })
    .await;
    assert_eq!(t["published"], "{\"got\": {\"x\": 1}}");
    tokio_sleep().await;
    let names: Vec<Value> = tasks_of(&app, &id)
        .await
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("t1")], "no successor starts");
    state_of(&app, &id, "CANCELLED").await;
    let (s, _) = send(&app, Method::PUT, &ae_path, json!({"state": "SUCCESS"})).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a completed action is not completed again"
    );
}

/// Mistral's with-items task starts its next item whenever one completes,
/// whatever its workflow's state (flow/fl201, fl211–fl213): after a cancel
/// the items keep coming, each owed its confirmation, and the task ends
/// SUCCESS in the CANCELLED execution.
#[actix_rt::test]
async fn with_items_keeps_starting_items_after_its_workflow_is_cancelled() {
    let app = TestApp::start();
    let yaml = "
version: '2.0'
lc_items:
  tasks:
    items:
      with-items: i in [1, 2]
      concurrency: 1
      action: std.async_noop
";
    let id = start(&app, yaml, "lc_items", json!({})).await;
    let (tid, first) = running_action(&app, &id, "items").await;
    let path = format!("/v2/executions/{id}");
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "CANCELLED"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let complete = |aid: String, n: i32| {
        let app = &app;
        async move {
            let ae_path = format!("/v2/action_executions/{aid}");
            let body = json!({"state": "SUCCESS", "output": {"n": n}});
            let (s, v) = send(app, Method::PUT, &ae_path, body).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    };
    complete(first, 1).await;
    let (_, second) = running_action(&app, &id, "items").await;
    complete(second, 2).await;
    let t = eventually(Duration::from_secs(10), "items SUCCESS", || async {
        let (_, t) = get(&app, &format!("/v2/tasks/{tid}")).await;
        (t["state"] == "SUCCESS").then_some(t)
    })
    .await;
    assert_eq!(t["result"], "[{\"n\": 1}, {\"n\": 2}]");
    state_of(&app, &id, "CANCELLED").await;
}

async fn tokio_sleep() {
    actix_rt::time::sleep(Duration::from_millis(200)).await;
}

#[actix_rt::test]
async fn pausing_an_async_action_pauses_its_task_and_workflow() {
    let app = TestApp::start();
    let id = start(
        &app,
        WAITS.replace("lc_waits", "lc_pauses").as_str(),
        "lc_pauses",
        json!({}),
    )
    .await;
    let (tid, aid) = running_action(&app, &id, "t1").await;
    let ae_path = format!("/v2/action_executions/{aid}");
    let (s, v) = send(&app, Method::PUT, &ae_path, json!({"state": "PAUSED"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "PAUSED");
    assert_eq!(v["output"], Value::Null);
    state_of(&app, &id, "PAUSED").await;
    let (_, t) = get(&app, &format!("/v2/tasks/{tid}")).await;
    assert_eq!(t["state"], "PAUSED");
    let (s, _) = send(&app, Method::PUT, &ae_path, json!({"state": "RUNNING"})).await;
    assert_eq!(s, StatusCode::OK);
    state_of(&app, &id, "RUNNING").await;
    send(&app, Method::PUT, &ae_path, json!({"state": "SUCCESS"})).await;
    let ex = state_of(&app, &id, "SUCCESS").await;
    assert_eq!(ex["output"], "{\"got\": {}}", "no output means {{}}");
}

#[actix_rt::test]
async fn skip_publishes_on_skip_and_rerun_unaccepts_old_actions() {
    let app = TestApp::start();
    let yaml = "
version: '2.0'
lc_skip:
  tasks:
    a:
      action: std.fail
      input:
        error_data: {e: 1}
      publish-on-error:
        p: err
      publish-on-skip:
        p: skipped
        r: <% task().result %>
";
    let id = start(&app, yaml, "lc_skip", json!({})).await;
    state_of(&app, &id, "ERROR").await;
    let a = tasks_of(&app, &id).await.remove(0);
    let path = format!("/v2/tasks/{}", a["id"].as_str().unwrap());
    let (s, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "RUNNING", "reset": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    state_of(&app, &id, "ERROR").await;
    let (_, v) = get(&app, &format!("{path}/action_executions")).await;
    let accepted: Vec<Value> = v["action_executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accepted"].clone())
        .collect();
    assert_eq!(accepted, vec![json!(false), json!(true)], "{v}");
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "SKIPPED"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // With publish-on-skip evaluated off the engine thread the reply can
    // come before the skip completes: read the task once it has.
    let v = eventually(Duration::from_secs(10), "the task SKIPPED", || async {
        let (_, t) = get(&app, &path).await;
        (t["state"] == "SKIPPED").then_some(t)
    })
    .await;
    assert_eq!(v["state_info"], "Task was skipped.");
    let published: Value = serde_json::from_str(v["published"].as_str().unwrap()).unwrap();
    assert_eq!(published, json!({"p": "skipped", "r": {"e": 1}}));
    let ex = state_of(&app, &id, "SUCCESS").await;
    let path = format!("/v2/executions/{id}");
    let (s, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"state": "SUCCESS", "state_info": "again"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state_info"], "again");
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "RUNNING"})).await;
    assert_eq!(
        (s, v["state"].clone()),
        (StatusCode::OK, ex["state"].clone())
    );
    let (s, _) = send(
        &app,
        Method::PUT,
        &format!("/v2/tasks/{}", a["id"].as_str().unwrap()),
        json!({"state": "SKIPPED"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "only a task in ERROR");
}

#[actix_rt::test]
async fn children_read_the_root_env_live_and_go_with_their_root() {
    let app = TestApp::start();
    let yaml = "
version: '2.0'
lc_child:
  tasks:
    w:
      action: std.async_noop
      on-success: [r]
    r:
      action: std.noop
      publish:
        stage: <% env().stage %>
  output:
    stage: <% $.stage %>
lc_parent:
  tasks:
    call:
      workflow: lc_child
";
    let id = start(
        &app,
        yaml,
        "lc_parent",
        json!({"env": {"stage": "initial"}}),
    )
    .await;
    let child = eventually(Duration::from_secs(10), "the child", || async {
        let (_, v) = get(&app, "/v2/executions?workflow_name=lc_child").await;
        v["executions"].as_array()?.first().cloned()
    })
    .await;
    let cid = child["id"].as_str().unwrap().to_string();
    let params: Value = serde_json::from_str(child["params"].as_str().unwrap()).unwrap();
    assert_eq!(params["env"], json!({}));
    assert_eq!(params["index"], 0);
    let (_, aid) = running_action(&app, &cid, "w").await;
    let path = format!("/v2/executions/{id}");
    send(&app, Method::PUT, &path, json!({"state": "PAUSED"})).await;
    let (s, v) = send(
        &app,
        Method::PUT,
        &path,
        json!({"params": {"env": {"stage": "updated"}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    send(&app, Method::PUT, &path, json!({"state": "RUNNING"})).await;
    send(
        &app,
        Method::PUT,
        &format!("/v2/action_executions/{aid}"),
        json!({"state": "SUCCESS"}),
    )
    .await;
    state_of(&app, &id, "SUCCESS").await;
    let ex = state_of(&app, &cid, "SUCCESS").await;
    let output: Value = serde_json::from_str(ex["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"stage": "updated"}),
        "the child sees the update"
    );
    let (s, _) = send(&app, Method::DELETE, &path, json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = get(&app, &format!("/v2/executions/{cid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the child goes with its root");
}

const FORCED: &str = "
version: '2.0'
lc_forced:
  output:
    a: <% $.a %>
  tasks:
    t1:
      action: std.echo output=1
      publish:
        a: <% task().result %>
      on-success: [t2]
    t2:
      action: std.async_noop
";

#[actix_rt::test]
async fn put_success_with_an_output_that_fails_is_refused_and_changes_nothing() {
    let app = TestApp::start();
    let id = start(&app, FORCED, "lc_forced", json!({})).await;
    let (_, aid) = running_action(&app, &id, "t2").await;
    let path = format!("/v2/executions/{id}");
    // t1 has a next task, so the final context lacks its publish.
    let (s, v) = send(&app, Method::PUT, &path, json!({"state": "SUCCESS"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        v["faultstring"],
        "Can not evaluate YAQL expression [expression=$.a, error='a']"
    );
    let (_, v) = get(&app, &path).await;
    assert_eq!(v["state"], "RUNNING");
    assert_eq!(v["state_info"], Value::Null);
    let ae_path = format!("/v2/action_executions/{aid}");
    let (s, v) = send(
        &app,
        Method::PUT,
        &ae_path,
        json!({"state": "SUCCESS", "output": {}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v = state_of(&app, &id, "SUCCESS").await;
    assert_eq!(v["output"], "{\"a\": 1}");
}
