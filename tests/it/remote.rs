//! A node with a broker and its own workers (`bora serve --broker`, local
//! workers on): workflows, with-items and standalone actions run through
//! RabbitMQ as they run in process. Needs `BORA_TEST_AMQP_URL` (skipped
//! without it, unless `BORA_TEST_REQUIRE_AMQP=1`). The process-level faults
//! (a worker killed, the connection cut) are in the reliability suite.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, get};
use crate::harness::{TestApp, eventually};

fn amqp_url() -> Option<String> {
    match std::env::var("BORA_TEST_AMQP_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("BORA_TEST_REQUIRE_AMQP").as_deref() != Ok("1"),
                "BORA_TEST_REQUIRE_AMQP=1 but BORA_TEST_AMQP_URL is not set"
            );
            None
        }
    }
}

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .request(Method::POST, app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

const FAN: &str = "version: '2.0'
fan:
  input: [n]
  tasks:
    each:
      with-items: i in <% range(0, $.n) %>
      action: std.echo output=<% $.i * 2 %>
      publish:
        total: <% task().result.sum() %>
      on-success: last
    last:
      action: std.noop
      target: nobody-serves-this-by-default
";

#[actix_rt::test]
async fn workflows_and_standalone_actions_run_through_the_broker() {
    let Some(url) = amqp_url() else { return };
    let prefix = format!("it{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let app = TestApp::start_with(|c| {
        c.broker_url = url;
        c.broker_prefix = prefix;
        // The node's own workers serve the target too.
        c.worker_targets = "nobody-serves-this-by-default".into();
    });
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(FAN)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut ids = Vec::new();
    for _ in 0..10 {
        let body = json!({"workflow_name": "fan", "input": {"n": 30}});
        let (s, v) = post(&app, "/v2/executions", body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        let path = format!("/v2/executions/{id}");
        let ex = eventually(Duration::from_secs(30), "SUCCESS", || async {
            let (_, v) = get(&app, &path).await;
            (v["state"] == "SUCCESS").then_some(v)
        })
        .await;
        let output: Value = serde_json::from_str(ex["output"].as_str().unwrap()).unwrap();
        assert_eq!(output["total"], json!(870), "{output}");
    }
    // A standalone action, run synchronously through the broker.
    let body = json!({"name": "std.echo", "input": "{\"output\": \"over the wire\"}"});
    let (s, v) = post(&app, "/v2/action_executions", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "SUCCESS", "{v}");
    assert!(
        v["output"].as_str().unwrap().contains("over the wire"),
        "{v}"
    );
    let text = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    let line = text
        .lines()
        .find(|l| l.starts_with("bora_broker_confirm_round_trips_total"))
        .unwrap_or_default()
        .to_string();
    let n: u64 = line
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // 10 executions of 30 items and one last task, and the standalone one.
    assert!(n >= 311, "{line}");
}
