//! Workflow versions over real HTTP and a real SQLite file: executions of
//! one definition share one stored spec; an execution keeps the version it
//! started with when the definition changes; a version goes with the last
//! execution that runs it.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, get};
use crate::harness::{TestApp, eventually, sqlite_url};

const V1: &str = "
version: '2.0'
ver_wf:
  vars:
    seen: one
  tasks:
    w:
      action: std.async_noop
      on-success: [a]
    a:
      action: std.echo output=<% $.seen %>
      publish:
        said: <% task().result %>
";

const V2: &str = "
version: '2.0'
ver_wf:
  vars:
    seen: two
  tasks:
    w:
      action: std.async_noop
      on-success: [a]
    a:
      action: std.echo output=<% $.seen %>
      publish:
        said: <% task().result %>
      on-success: [b]
    b:
      action: std.noop
";

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

async fn start(app: &TestApp) -> String {
    let body = json!({"workflow_name": "ver_wf"});
    let (s, v) = send(app, Method::POST, "/v2/executions", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().expect("id").to_string()
}

/// Completes the RUNNING action of task `w` of execution `id`.
async fn release(app: &TestApp, id: &str) {
    let aid = eventually(Duration::from_secs(10), "w's action RUNNING", || async {
        let (_, v) = get(app, &format!("/v2/executions/{id}/tasks")).await;
        let w = v["tasks"]
            .as_array()?
            .iter()
            .find(|t| t["name"] == "w")?
            .clone();
        let tid = w["id"].as_str()?.to_string();
        let (_, v) = get(app, &format!("/v2/tasks/{tid}/action_executions")).await;
        let ae = v["action_executions"]
            .as_array()?
            .iter()
            .find(|a| a["state"] == "RUNNING")?
            .clone();
        Some(ae["id"].as_str()?.to_string())
    })
    .await;
    let path = format!("/v2/action_executions/{aid}");
    let (s, v) = send(app, Method::PUT, &path, json!({"state": "SUCCESS"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn success(app: &TestApp, id: &str) -> Value {
    eventually(Duration::from_secs(10), "SUCCESS", || async {
        let (_, v) = get(app, &format!("/v2/executions/{id}")).await;
        (v["state"] == "SUCCESS").then_some(v)
    })
    .await
}

async fn task_names(app: &TestApp, id: &str) -> Vec<String> {
    let (_, v) = get(app, &format!("/v2/executions/{id}/tasks")).await;
    let mut names: Vec<String> = v["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    spec_id: String,
}

/// The version of each execution, and how many versions are stored.
fn stored(url: &str) -> (Vec<String>, usize) {
    let path = url.strip_prefix("sqlite://").expect("a sqlite URL");
    let mut c = SqliteConnection::establish(path).expect("open");
    let ids: Vec<Row> =
        diesel::sql_query("SELECT spec_id FROM workflow_executions ORDER BY created_at, id")
            .load(&mut c)
            .expect("executions");
    let versions: Vec<Row> = diesel::sql_query("SELECT id AS spec_id FROM workflow_versions")
        .load(&mut c)
        .expect("versions");
    (ids.into_iter().map(|r| r.spec_id).collect(), versions.len())
}

#[actix_rt::test]
async fn an_execution_keeps_its_version_when_the_definition_changes() {
    let (_dir, url) = sqlite_url();
    let app = TestApp::start_on(&url);
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(V1)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (e1, e2) = (start(&app).await, start(&app).await);
    let (ids, versions) = stored(&url);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "one definition, one version");
    assert_eq!(versions, 1, "stored once for both executions");

    let (s, v) = call(&app, Method::PUT, "/v2/workflows", Some(V2)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let e3 = start(&app).await;
    let (ids, versions) = stored(&url);
    assert_ne!(ids[2], ids[0], "the new definition is a new version");
    assert_eq!(versions, 2);

    // e1 finishes on the version it started with.
    release(&app, &e1).await;
    let v = success(&app, &e1).await;
    assert_eq!(v["published_global"], "{}", "vars are not published");
    assert_eq!(task_names(&app, &e1).await, ["a", "w"]);
    let (_, t) = get(&app, &format!("/v2/executions/{e1}/tasks")).await;
    let a = t["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["name"] == "a")
        .cloned()
        .expect("task a");
    assert_eq!(a["published"], "{\"said\": \"one\"}");

    // e2 too; e3 runs the new one.
    release(&app, &e2).await;
    release(&app, &e3).await;
    success(&app, &e2).await;
    success(&app, &e3).await;
    assert_eq!(task_names(&app, &e2).await, ["a", "w"]);
    assert_eq!(task_names(&app, &e3).await, ["a", "b", "w"]);

    // A version goes with the last execution that names it.
    for (id, left) in [(&e1, 2), (&e2, 1), (&e3, 0)] {
        let (s, v) = send(
            &app,
            Method::DELETE,
            &format!("/v2/executions/{id}"),
            json!({}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        eventually(Duration::from_secs(10), "the version deleted", || async {
            (stored(&url).1 == left).then_some(())
        })
        .await;
    }
}
