//! Retention (Mistral's execution expiration policy) on a real server:
//! the count rule keeps the most recent trees and deletes the rest with
//! their sub-executions, tasks and action executions; the age rule spares
//! ignored states and unfinished executions; under continuous load the
//! store stays at its configured size and the SQLite file stops growing.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, get};
use crate::harness::{TestApp, eventually, sqlite_url};

const TREE: &str = "
version: '2.0'
ret_parent:
  input: [{ok: true}]
  tasks:
    call:
      workflow: ret_child
      input: {ok: <% $.ok %>}
ret_child:
  input: [ok]
  tasks:
    t:
      action: std.echo output=<% $.ok %>
      on-success:
        - fail: <% not task().result %>
ret_wait:
  tasks:
    w:
      action: std.async_noop
";

async fn define(app: &TestApp) {
    let (s, v) = call(app, Method::POST, "/v2/workflows", Some(TREE)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn start(app: &TestApp, wf: &str, input: Value) -> String {
    let resp = reqwest::Client::new()
        .post(app.url("/v2/executions"))
        .json(&json!({"workflow_name": wf, "input": input}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let v: Value = resp.json().await.expect("json");
    v["id"].as_str().expect("id").to_string()
}

async fn state(app: &TestApp, id: &str) -> Option<String> {
    let (s, v) = get(app, &format!("/v2/executions/{id}")).await;
    (s == StatusCode::OK).then(|| v["state"].as_str().unwrap_or_default().to_string())
}

async fn wait_state(app: &TestApp, id: &str, want: &str) {
    eventually(Duration::from_secs(20), want, || async {
        (state(app, id).await.as_deref() == Some(want)).then_some(())
    })
    .await;
}

/// Every execution stored (top-level and sub-executions) and every task.
async fn counts(app: &TestApp) -> (usize, usize) {
    let (_, e) = get(app, "/v2/executions?limit=1000").await;
    let (_, t) = get(app, "/v2/tasks?limit=1000").await;
    let len = |v: &Value, k: &str| v[k].as_array().map_or(0, Vec::len);
    (len(&e, "executions"), len(&t, "tasks"))
}

#[actix_rt::test]
async fn the_count_rule_keeps_the_most_recent_trees() {
    let app = TestApp::start_with(|c| {
        c.expiration_interval_secs = 1;
        c.expiration_max_finished_executions = 3;
        c.expiration_batch_size = 2;
    });
    define(&app).await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        let id = start(&app, "ret_parent", json!({})).await;
        wait_state(&app, &id, "SUCCESS").await;
        ids.push(id);
    }
    // Three trees of two executions and two tasks each stay.
    eventually(Duration::from_secs(20), "three trees left", || async {
        (counts(&app).await == (6, 6)).then_some(())
    })
    .await;
    for (i, id) in ids.iter().enumerate() {
        let kept = state(&app, id).await.is_some();
        assert_eq!(kept, i >= 5, "execution {i} kept: {kept}");
    }
    let text = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    // Counted by tree: five top-level executions went.
    assert!(text.contains("bora_executions_expired_total 5"), "{text}");
}

#[actix_rt::test]
async fn the_age_rule_spares_ignored_states_and_unfinished_work() {
    let app = TestApp::start_with(|c| {
        c.expiration_interval_secs = 1;
        c.expiration_older_than_secs = 1;
        c.expiration_ignored_states = "ERROR".into();
    });
    define(&app).await;
    let ok = start(&app, "ret_parent", json!({})).await;
    let failed = start(&app, "ret_parent", json!({"ok": false})).await;
    let waiting = start(&app, "ret_wait", json!({})).await;
    wait_state(&app, &failed, "ERROR").await;
    eventually(
        Duration::from_secs(20),
        "the succeeded tree deleted",
        || async { state(&app, &ok).await.is_none().then_some(()) },
    )
    .await;
    // Another pass has run since: the others are still there.
    actix_rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(state(&app, &failed).await.as_deref(), Some("ERROR"));
    assert_eq!(state(&app, &waiting).await.as_deref(), Some("RUNNING"));
    // The failed tree keeps its sub-execution; the succeeded one's is gone.
    let (_, subs) = get(&app, "/v2/executions?limit=1000").await;
    let names: Vec<&str> = subs["executions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["workflow_name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        names.iter().filter(|n| **n == "ret_child").count(),
        1,
        "{names:?}"
    );
    // Let the waiting action finish before the server stops.
    let (_, tasks) = get(&app, &format!("/v2/executions/{waiting}/tasks")).await;
    let task = tasks["tasks"][0]["id"].as_str().expect("task").to_string();
    let (_, actions) = get(&app, &format!("/v2/tasks/{task}/action_executions")).await;
    let action = actions["action_executions"][0]["id"]
        .as_str()
        .expect("action");
    let resp = reqwest::Client::new()
        .put(app.url(&format!("/v2/action_executions/{action}")))
        .json(&json!({"state": "SUCCESS", "output": "{}"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    wait_state(&app, &waiting, "SUCCESS").await;
}

#[actix_rt::test]
async fn under_continuous_load_the_store_keeps_its_size() {
    let (dir, url) = sqlite_url();
    let app = TestApp::start_configured(&url, |c| {
        c.expiration_interval_secs = 1;
        c.expiration_max_finished_executions = 20;
        c.expiration_batch_size = 50;
    });
    define(&app).await;
    let file = dir.path().join("bora.db");
    let size = || {
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", file.display())).ok())
            .map(|m| m.len())
            .sum::<u64>()
    };
    let mut sizes = Vec::new();
    for _wave in 0..3 {
        let mut last = String::new();
        for _ in 0..150 {
            last = start(&app, "ret_parent", json!({})).await;
        }
        wait_state(&app, &last, "SUCCESS").await;
        eventually(
            Duration::from_secs(30),
            "the store back at 20 trees",
            || async { (counts(&app).await.0 == 40).then_some(()) },
        )
        .await;
        sizes.push(size());
    }
    // The first wave sized the file; the next ones reuse its pages.
    assert!(
        sizes[2] <= sizes[0] + sizes[0] / 4,
        "the file kept growing: {sizes:?}"
    );
}

#[test]
fn ignored_states_must_be_terminal() {
    let config = bora::config::Config {
        expiration_ignored_states: "ERROR, RUNNING".into(),
        ..Default::default()
    };
    let err = config.validate().expect_err("RUNNING is not terminal");
    assert_eq!(
        err.to_string(),
        "invalid configuration: expiration_ignored_states: RUNNING is not a terminal state. \
         The valid states are [SUCCESS, ERROR, CANCELLED]"
    );
}
