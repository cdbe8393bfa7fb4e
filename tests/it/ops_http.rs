//! Operations over HTTP on a real server: `HEAD /health`, `Allow` on every
//! 405, 501 for the Mistral resources bora does not offer, and `/metrics`
//! through the Prometheus exporter (HELP/TYPE, the series of every part,
//! one recorder per server).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::harness::TestApp;

const WF: &str = "
version: '2.0'
ok:
  tasks:
    t1:
      action: std.echo output=1
bad:
  tasks:
    f1:
      action: std.fail
";

#[test]
fn head_on_health() {
    let app = TestApp::start();
    let r = Client::new().head(app.url("/health")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "");
}

#[test]
fn every_405_names_the_methods_in_allow() {
    let app = TestApp::start();
    let mut paths: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (m, p) in bora::api::routes() {
        paths.entry(p).or_default().push(m.to_string());
    }
    let client = Client::new();
    let mut checked = 0;
    for (pattern, mut methods) in paths {
        methods.sort();
        methods.dedup();
        let path = pattern
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let r = client
            .request(reqwest::Method::PATCH, app.url(&path))
            .send()
            .unwrap();
        assert_eq!(r.status(), 405, "PATCH {path}");
        let allow = r
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("no Allow on PATCH {path}"))
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(allow, methods.join(", "), "PATCH {path}");
        let body: Value = r.json().unwrap();
        assert_eq!(body["faultcode"], "Client", "PATCH {path}");
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn resources_bora_does_not_offer_answer_501() {
    let app = TestApp::start();
    let client = Client::new();
    for (method, path, words) in [
        ("GET", "/v2/code_sources", "Code sources are not offered"),
        ("POST", "/v2/code_sources", "Code sources are not offered"),
        (
            "DELETE",
            "/v2/code_sources/x",
            "Code sources are not offered",
        ),
        (
            "GET",
            "/v2/dynamic_actions",
            "Dynamic actions are not offered",
        ),
        (
            "PUT",
            "/v2/dynamic_actions",
            "Dynamic actions are not offered",
        ),
        ("GET", "/v2/workflows/x/members", "workflow members"),
        ("PUT", "/v2/workflows/x/members/p2", "workflow members"),
        (
            "GET",
            "/v2/event_triggers",
            "Event triggers are not offered",
        ),
    ] {
        let r = client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .unwrap();
        assert_eq!(r.status(), 501, "{method} {path}");
        let body: Value = r.json().unwrap();
        let msg = body["faultstring"].as_str().unwrap();
        assert!(msg.contains(words), "{method} {path}: {msg}");
    }
}

/// The value of the sample `line` (name with labels) in Prometheus text.
fn sample(text: &str, line: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' ')?.parse().ok())
}

fn scrape(client: &Client, app: &TestApp) -> String {
    let r = client.get(app.url("/metrics")).send().unwrap();
    assert_eq!(r.status(), 200);
    r.text().unwrap()
}

#[test]
fn metrics_through_the_exporter() {
    let app = TestApp::start();
    let client = Client::new();
    let r = client
        .post(app.url("/v2/workflows"))
        .header("content-type", "text/plain")
        .body(WF)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    for wf in ["ok", "bad", "ok"] {
        let r = client
            .post(app.url("/v2/executions"))
            .json(&json!({ "workflow_name": wf }))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let _ = client.get(app.url("/v2/nothing/here")).send().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = scrape(&client, &app);
        let done = sample(&text, r#"bora_executions_finished_total{state="SUCCESS"}"#) == Some(2.0)
            && sample(&text, r#"bora_executions_finished_total{state="ERROR"}"#) == Some(1.0);
        if done {
            break text;
        }
        assert!(Instant::now() < deadline, "executions not counted:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Every series has HELP and TYPE lines.
    for (name, kind) in [
        ("bora_commits_total", "counter"),
        ("bora_confirm_refused_total", "counter"),
        ("bora_state_moves_refused_total", "counter"),
        ("bora_executions", "gauge"),
        ("bora_tasks", "gauge"),
        ("bora_http_requests_total", "counter"),
        ("bora_http_request_seconds", "histogram"),
        ("bora_action_queue_seconds", "histogram"),
        ("bora_action_run_seconds", "histogram"),
        ("bora_commit_seconds", "histogram"),
        ("bora_build_info", "gauge"),
    ] {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "no HELP for {name}:\n{text}"
        );
        assert!(
            text.contains(&format!("# TYPE {name} {kind}\n")),
            "no TYPE {kind} for {name}:\n{text}"
        );
    }
    // The series bora had before the exporter keep their names.
    for old in [
        r#"bora_confirm_refused_total{reason="not_running"}"#,
        r#"bora_confirm_refused_total{reason="not_idle"}"#,
        r#"bora_confirm_refused_total{reason="stale_attempt"}"#,
        "bora_confirm_busy_total",
        "bora_late_results_dropped_total",
        r#"bora_tasks_recovered_total{how="redispatch"}"#,
        r#"bora_tasks_recovered_total{how="failed_unsafe"}"#,
        "bora_commits_total",
        "bora_tasks_completed_total",
        "bora_integrity_repairs_total",
        "bora_executions_in_memory",
        "bora_actions_in_flight",
        "bora_dispatches_out",
        "bora_dispatches_waiting",
        "bora_expression_evaluations_offloaded_total",
        "bora_expression_evaluations_waiting",
        "bora_workers_alive",
        "bora_workers_busy",
        "bora_worker_restarts_total",
        "bora_engine_requests_waiting",
    ] {
        assert!(sample(&text, old).is_some(), "{old} missing:\n{text}");
    }
    assert_eq!(sample(&text, "bora_workers_alive"), Some(2.0));
    // No state change was refused: the engine moves states only as the
    // transition table and its named moves allow.
    assert_eq!(sample(&text, "bora_state_moves_refused_total"), Some(0.0));
    assert_eq!(
        sample(&text, r#"bora_tasks_finished_total{state="ERROR"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"bora_executions{state="RUNNING"}"#),
        Some(0.0)
    );
    assert_eq!(sample(&text, "bora_action_run_seconds_count"), Some(3.0));
    assert_eq!(sample(&text, "bora_action_queue_seconds_count"), Some(3.0));
    assert!(sample(&text, "bora_commit_seconds_count").unwrap() >= 1.0);
    assert_eq!(
        sample(
            &text,
            r#"bora_http_requests_total{route="/v2/executions",method="POST",status="201"}"#
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"bora_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                r#"bora_build_info{{version="{}"}}"#,
                env!("CARGO_PKG_VERSION")
            )
        ),
        Some(1.0)
    );

    // A second server in the same process counts only its own work.
    let other = TestApp::start();
    let fresh = scrape(&client, &other);
    assert_eq!(
        sample(&fresh, r#"bora_executions_finished_total{state="SUCCESS"}"#),
        Some(0.0),
        "{fresh}"
    );
    assert_eq!(
        sample(
            &fresh,
            r#"bora_http_requests_total{route="/v2/executions",method="POST",status="201"}"#
        ),
        None,
        "{fresh}"
    );
}
