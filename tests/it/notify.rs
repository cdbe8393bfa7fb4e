//! Execution notifications (`params.notify` webhooks) over real HTTP, to a
//! receiver the tests run on 127.0.0.1 (allowed by the egress policy only
//! where a test's configuration says so): Mistral's events, order and
//! payload keys (as observed on Mistral 23.0.0), `event_types`, refusals at
//! start, a receiver that is down and then up, an outbox that outlives a
//! restart, and the egress policy.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, fault, get};
use crate::harness::{TestApp, eventually, sqlite_url};
use crate::standalone::send;

/// One request the receiver got: path, headers (lower-case names), body.
#[derive(Clone, Debug)]
pub(crate) struct Got {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// A webhook receiver: answers 200 to every POST and keeps it.
pub(crate) struct Receiver {
    pub port: u16,
    got: Arc<Mutex<Vec<Got>>>,
}

impl Receiver {
    pub fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").expect("bind"))
    }

    /// A receiver on `port` (one that was free before).
    pub fn start_on(port: u16) -> Self {
        Self::on(TcpListener::bind(("127.0.0.1", port)).expect("bind again"))
    }

    /// A port nobody listens on (yet).
    pub fn free_port() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().unwrap().port()
    }

    fn on(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                if let Some(req) = read_request(&mut conn) {
                    g.lock().unwrap().push(req);
                }
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Self { port, got }
    }

    pub fn url(&self, path: &str) -> String {
        url(self.port, path)
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The bodies received on `path`, in arrival order.
    pub fn bodies(&self, path: &str) -> Vec<Value> {
        self.got()
            .into_iter()
            .filter(|g| g.path == path)
            .map(|g| g.body)
            .collect()
    }

    /// Waits until `n` bodies arrived on `path` and returns them.
    pub async fn wait(&self, path: &str, n: usize) -> Vec<Value> {
        eventually(
            Duration::from_secs(20),
            &format!("{n} notifications on {path}"),
            || async { Some(self.bodies(path)).filter(|b| b.len() >= n) },
        )
        .await
    }
}

fn url(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

fn read_request(conn: &mut std::net::TcpStream) -> Option<Got> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split_whitespace().nth(1)?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = serde_json::from_slice(&buf[end..end + len]).unwrap_or(Value::Null);
    Some(Got {
        path,
        headers,
        body,
    })
}

pub(crate) const WFS: &str = "
version: '2.0'
nt_ok:
  tasks:
    a:
      action: std.noop
      on-success: b
    b:
      action: std.echo output=1
nt_fail:
  tasks:
    a:
      action: std.fail
nt_parent:
  tasks:
    p:
      workflow: nt_ok
nt_items:
  tasks:
    it:
      with-items: x in <% [1, 2, 3] %>
      action: std.echo output=<% $.x %>
nt_join:
  tasks:
    a:
      action: std.noop
      on-success: j
    b:
      action: std.echo output=2
      on-success: j
    j:
      join: all
      action: std.noop
nt_retry:
  tasks:
    a:
      action: std.fail
      retry:
        count: 1
        delay: 0
nt_skip:
  tasks:
    a:
      action: std.fail
      on-skip: s
    s:
      action: std.noop
nt_hold:
  tasks:
    a:
      action: std.async_noop
      on-success: b
    b:
      action: std.noop
";

/// Mistral's payload keys, in its order (observed on Mistral 23.0.0).
const WORKFLOW_KEYS: &[&str] = &[
    "id",
    "name",
    "workflow_name",
    "workflow_namespace",
    "workflow_id",
    "state",
    "state_info",
    "project_id",
    "task_execution_id",
    "root_execution_id",
    "created_at",
    "updated_at",
    "event",
];
const TASK_KEYS: &[&str] = &[
    "id",
    "name",
    "workflow_execution_id",
    "workflow_name",
    "workflow_namespace",
    "workflow_id",
    "state",
    "state_info",
    "type",
    "project_id",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "event",
];

fn allow_loopback(c: &mut bora::config::Config) {
    c.http_allowed_hosts = "127.0.0.1".into();
    c.notify_retry_initial_ms = 20;
    c.notify_retry_max_ms = 200;
}

/// `(event, name)` of each body.
fn seq(bodies: &[Value]) -> Vec<(String, String)> {
    bodies
        .iter()
        .map(|b| {
            (
                b["event"].as_str().unwrap_or_default().to_string(),
                b["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(e, n)| (e.to_string(), n.to_string()))
        .collect()
}

pub(crate) const OK_EVENTS: &[(&str, &str)] = &[
    ("WORKFLOW_LAUNCHED", "nt_ok"),
    ("TASK_LAUNCHED", "a"),
    ("TASK_SUCCEEDED", "a"),
    ("TASK_LAUNCHED", "b"),
    ("TASK_SUCCEEDED", "b"),
    ("WORKFLOW_SUCCEEDED", "nt_ok"),
];

const FAIL_EVENTS: &[(&str, &str)] = &[
    ("WORKFLOW_LAUNCHED", "nt_fail"),
    ("TASK_LAUNCHED", "a"),
    ("TASK_FAILED", "a"),
    ("WORKFLOW_FAILED", "nt_fail"),
];

async fn define(app: &TestApp) {
    let (s, v) = call(app, Method::POST, "/v2/workflows", Some(WFS)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn start(app: &TestApp, wf: &str, notify: Value) -> String {
    let (s, ex) = send(
        app,
        Method::POST,
        "/v2/executions",
        json!({"workflow_name": wf, "params": {"notify": notify}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ex}");
    ex["id"].as_str().unwrap().to_string()
}

async fn wait_state(app: &TestApp, id: &str, state: &str) -> Value {
    eventually(Duration::from_secs(20), state, || async {
        let (_, v) = get(app, &format!("/v2/executions/{id}")).await;
        (v["state"] == state).then_some(v)
    })
    .await
}

fn is_time(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 19 && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok()
    })
}

#[actix_rt::test]
async fn events_and_payloads_are_mistrals() {
    let rx = Receiver::start();
    let app = TestApp::start_with(allow_loopback);
    define(&app).await;
    let hook =
        |p: &str| json!([{"type": "webhook", "url": rx.url(p), "headers": {"X-Tok": "abc"}}]);
    let ok = start(&app, "nt_ok", hook("/ok")).await;
    start(&app, "nt_fail", hook("/fail")).await;
    let parent = start(&app, "nt_parent", hook("/parent")).await;
    start(&app, "nt_items", hook("/items")).await;
    start(
        &app,
        "nt_ok",
        json!([{"type": "webhook", "url": rx.url("/filter"),
            "event_types": ["WORKFLOW_SUCCEEDED", "TASK_LAUNCHED"]}]),
    )
    .await;

    let bodies = rx.wait("/ok", 6).await;
    assert_eq!(seq(&bodies), expect(OK_EVENTS));
    for b in &bodies {
        let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
        let want = if b["event"].as_str().unwrap().starts_with("WORKFLOW") {
            WORKFLOW_KEYS
        } else {
            TASK_KEYS
        };
        assert_eq!(keys, want, "{b}");
        assert!(
            is_time(&b["created_at"]) && is_time(&b["updated_at"]),
            "{b}"
        );
        assert_eq!(b["project_id"], "<default-project>");
        assert_eq!(b["workflow_namespace"], "");
    }
    assert_eq!(bodies[0]["id"], ok.as_str());
    assert_eq!(bodies[0]["state"], "RUNNING");
    assert_eq!(bodies[0]["task_execution_id"], Value::Null);
    assert_eq!(bodies[1]["workflow_execution_id"], ok.as_str());
    assert_eq!(bodies[1]["type"], "ACTION");
    assert_eq!(bodies[1]["finished_at"], Value::Null);
    assert!(is_time(&bodies[2]["started_at"]) && is_time(&bodies[2]["finished_at"]));
    assert_eq!(bodies[5]["state"], "SUCCESS");
    let got = rx.got();
    let first = got.iter().find(|g| g.path == "/ok").unwrap();
    let header = |n: &str| {
        first
            .headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-tok").as_deref(), Some("abc"));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));

    let fail = rx.wait("/fail", 4).await;
    assert_eq!(seq(&fail), expect(FAIL_EVENTS));
    assert!(
        fail[2]["state_info"]
            .as_str()
            .unwrap()
            .contains("Fail action expected exception."),
        "{}",
        fail[2]
    );
    assert!(
        fail[3]["state_info"]
            .as_str()
            .unwrap()
            .starts_with("Failure caused by error in tasks: a"),
        "{}",
        fail[3]
    );

    // The sub-workflow notifies where its parent does, in one ordered lane.
    let sub = rx.wait("/parent", 10).await;
    assert_eq!(
        seq(&sub),
        expect(&[
            ("WORKFLOW_LAUNCHED", "nt_parent"),
            ("TASK_LAUNCHED", "p"),
            ("WORKFLOW_LAUNCHED", "nt_ok"),
            ("TASK_LAUNCHED", "a"),
            ("TASK_SUCCEEDED", "a"),
            ("TASK_LAUNCHED", "b"),
            ("TASK_SUCCEEDED", "b"),
            ("WORKFLOW_SUCCEEDED", "nt_ok"),
            ("TASK_SUCCEEDED", "p"),
            ("WORKFLOW_SUCCEEDED", "nt_parent"),
        ])
    );
    assert_eq!(sub[2]["root_execution_id"], parent.as_str());
    assert_eq!(sub[2]["task_execution_id"], sub[1]["id"]);
    let child = sub[2]["id"].as_str().unwrap();
    let (_, c) = get(&app, &format!("/v2/executions/{child}")).await;
    let params: Value = serde_json::from_str(c["params"].as_str().unwrap()).unwrap();
    assert_eq!(params["notify"], hook("/parent"), "{params}");

    let items = rx.wait("/items", 4).await;
    assert_eq!(
        seq(&items),
        expect(&[
            ("WORKFLOW_LAUNCHED", "nt_items"),
            ("TASK_LAUNCHED", "it"),
            ("TASK_SUCCEEDED", "it"),
            ("WORKFLOW_SUCCEEDED", "nt_items"),
        ])
    );

    let filtered = rx.wait("/filter", 3).await;
    assert_eq!(
        seq(&filtered),
        expect(&[
            ("TASK_LAUNCHED", "a"),
            ("TASK_LAUNCHED", "b"),
            ("WORKFLOW_SUCCEEDED", "nt_ok"),
        ])
    );

    // The setting shows in the execution's params as given.
    let (_, e) = get(&app, &format!("/v2/executions/{ok}")).await;
    let params: Value = serde_json::from_str(e["params"].as_str().unwrap()).unwrap();
    assert_eq!(params["notify"], hook("/ok"));
    // Nothing more arrives than the events (no duplicates).
    assert_eq!(rx.bodies("/ok").len(), 6);
}

#[actix_rt::test]
async fn pause_resume_cancel_and_rerun_are_reported() {
    let rx = Receiver::start();
    let app = TestApp::start_with(allow_loopback);
    define(&app).await;
    let id = start(
        &app,
        "nt_hold",
        json!([{"type": "webhook", "url": rx.url("/hold")}]),
    )
    .await;
    let launched = rx.wait("/hold", 2).await;
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/executions/{id}"),
        json!({"state": "PAUSED"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    rx.wait("/hold", 3).await;
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/executions/{id}"),
        json!({"state": "RUNNING"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    rx.wait("/hold", 4).await;
    let task = launched[1]["id"].as_str().unwrap();
    let (_, aes) = get(&app, &format!("/v2/tasks/{task}/action_executions")).await;
    let ae = aes["action_executions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/action_executions/{ae}"),
        json!({"state": "SUCCESS", "output": "{}"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    wait_state(&app, &id, "SUCCESS").await;
    let hold = rx.wait("/hold", 8).await;
    assert_eq!(
        seq(&hold),
        expect(&[
            ("WORKFLOW_LAUNCHED", "nt_hold"),
            ("TASK_LAUNCHED", "a"),
            ("WORKFLOW_PAUSED", "nt_hold"),
            ("WORKFLOW_RESUMED", "nt_hold"),
            ("TASK_SUCCEEDED", "a"),
            ("TASK_LAUNCHED", "b"),
            ("TASK_SUCCEEDED", "b"),
            ("WORKFLOW_SUCCEEDED", "nt_hold"),
        ])
    );

    let id = start(
        &app,
        "nt_hold",
        json!([{"type": "webhook", "url": rx.url("/cancel")}]),
    )
    .await;
    let launched = rx.wait("/cancel", 2).await;
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/executions/{id}"),
        json!({"state": "CANCELLED"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    wait_state(&app, &id, "CANCELLED").await;
    rx.wait("/cancel", 3).await;
    // As in Mistral, the running task is left alone and its late result
    // is still reported.
    let task = launched[1]["id"].as_str().unwrap();
    let (_, aes) = get(&app, &format!("/v2/tasks/{task}/action_executions")).await;
    let ae = aes["action_executions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/action_executions/{ae}"),
        json!({"state": "SUCCESS", "output": "{}"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cancel = rx.wait("/cancel", 4).await;
    assert_eq!(
        seq(&cancel),
        expect(&[
            ("WORKFLOW_LAUNCHED", "nt_hold"),
            ("TASK_LAUNCHED", "a"),
            ("WORKFLOW_CANCELLED", "nt_hold"),
            ("TASK_SUCCEEDED", "a"),
        ])
    );

    let id = start(
        &app,
        "nt_fail",
        json!([{"type": "webhook", "url": rx.url("/rerun")}]),
    )
    .await;
    let first = rx.wait("/rerun", 4).await;
    let task = first[1]["id"].as_str().unwrap();
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/tasks/{task}"),
        json!({"state": "RUNNING", "reset": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all = rx.wait("/rerun", 8).await;
    assert_eq!(
        seq(&all[4..]),
        expect(&[
            ("WORKFLOW_RERUN", "nt_fail"),
            ("TASK_RERUN", "a"),
            ("TASK_FAILED", "a"),
            ("WORKFLOW_FAILED", "nt_fail"),
        ])
    );
    wait_state(&app, &id, "ERROR").await;
}

#[actix_rt::test]
async fn bad_notify_values_are_refused_at_start() {
    let app = TestApp::start();
    define(&app).await;
    for (notify, msg) in [
        (
            json!("x"),
            "Invalid params.notify: expected a list of notifiers, got a string",
        ),
        (
            json!([{"type": "bogus", "url": "http://h/"}]),
            "Invalid params.notify[0]: unknown notifier type 'bogus'",
        ),
        (
            json!([{"type": "webhook"}]),
            "Invalid params.notify[0]: 'url' is required",
        ),
        (
            json!([{"url": "http://h/"}]),
            "Invalid params.notify[0]: 'type' is required",
        ),
        (
            json!([{"type": "webhook", "url": "ftp://h/"}]),
            "http or https",
        ),
        (
            json!([{"type": "webhook", "url": "http://h/", "events": ["TASK_FAILED"]}]),
            "unknown key 'events'",
        ),
        (
            json!([{"type": "webhook", "url": "http://h/", "event_types": ["NOPE"]}]),
            "unknown event type \"NOPE\"",
        ),
    ] {
        let (s, v) = send(
            &app,
            Method::POST,
            "/v2/executions",
            json!({"workflow_name": "nt_ok", "params": {"notify": notify}}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{notify}: {v}");
        assert!(fault(&v).contains(msg), "{notify}: {v}");
    }
    let (_, list) = get(&app, "/v2/executions").await;
    assert_eq!(list["executions"].as_array().unwrap().len(), 0, "{list}");
    // A cron trigger whose executions could not start is refused too.
    let (s, v) = send(
        &app,
        Method::POST,
        "/v2/cron_triggers",
        json!({"name": "t", "workflow_name": "nt_ok", "pattern": "0 3 * * *",
            "workflow_params": {"notify": [{"type": "webhook"}]}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(fault(&v).contains("'url' is required"), "{v}");
}

/// A metric's value from `/metrics`.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("bora_{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[actix_rt::test]
async fn a_receiver_down_then_up_gets_every_event_in_order() {
    let port = Receiver::free_port();
    let app = TestApp::start_with(allow_loopback);
    define(&app).await;
    let hook = |p: &str| json!([{"type": "webhook", "url": url(port, p)}]);
    // The dead endpoint does not hold the executions back.
    let ok = start(&app, "nt_ok", hook("/ok")).await;
    let fail = start(&app, "nt_fail", hook("/fail")).await;
    let parent = start(&app, "nt_parent", hook("/parent")).await;
    wait_state(&app, &ok, "SUCCESS").await;
    wait_state(&app, &fail, "ERROR").await;
    wait_state(&app, &parent, "SUCCESS").await;
    eventually(Duration::from_secs(20), "retries", || async {
        (metric(&app, "notifications_retries_total").await >= 3).then_some(())
    })
    .await;
    assert_eq!(metric(&app, "notifications_pending").await, 20);
    assert_eq!(metric(&app, "notifications_delivered_total").await, 0);

    let rx = Receiver::start_on(port);
    assert_eq!(seq(&rx.wait("/ok", 6).await), expect(OK_EVENTS));
    assert_eq!(seq(&rx.wait("/fail", 4).await), expect(FAIL_EVENTS));
    assert_eq!(rx.wait("/parent", 10).await.len(), 10);
    eventually(Duration::from_secs(20), "all delivered", || async {
        (metric(&app, "notifications_pending").await == 0).then_some(())
    })
    .await;
    assert_eq!(metric(&app, "notifications_delivered_total").await, 20);
    assert_eq!(metric(&app, "notifications_failed_total").await, 0);
    assert_eq!(rx.got().len(), 20, "no duplicates");
}

#[actix_rt::test]
async fn the_outbox_outlives_a_restart() {
    let (_dir, db) = sqlite_url();
    let port = Receiver::free_port();
    {
        let app = TestApp::start_configured(&db, allow_loopback);
        define(&app).await;
        let id = start(
            &app,
            "nt_ok",
            json!([{"type": "webhook", "url": url(port, "/ok")}]),
        )
        .await;
        wait_state(&app, &id, "SUCCESS").await;
    }
    let (store, _writer) = bora::store::open(&db).unwrap();
    assert_eq!(store.notifications_waiting().unwrap(), 6);
    drop((store, _writer));

    let rx = Receiver::start_on(port);
    let app = TestApp::start_configured(&db, allow_loopback);
    assert_eq!(seq(&rx.wait("/ok", 6).await), expect(OK_EVENTS));
    eventually(Duration::from_secs(20), "an empty outbox", || async {
        (metric(&app, "notifications_delivered_total").await == 6).then_some(())
    })
    .await;
    drop(app);
    let (store, _writer) = bora::store::open(&db).unwrap();
    assert_eq!(store.notifications_waiting().unwrap(), 0);
}

#[actix_rt::test]
async fn a_webhook_the_egress_policy_denies_is_given_up() {
    let rx = Receiver::start();
    // Loopback is denied by default.
    let app = TestApp::start();
    define(&app).await;
    let id = start(
        &app,
        "nt_ok",
        json!([{"type": "webhook", "url": rx.url("/ok")}]),
    )
    .await;
    wait_state(&app, &id, "SUCCESS").await;
    eventually(Duration::from_secs(20), "all given up", || async {
        (metric(&app, "notifications_failed_total").await == 6).then_some(())
    })
    .await;
    assert!(rx.got().is_empty(), "{:?}", rx.got());
}

#[actix_rt::test]
async fn an_execution_without_notify_writes_no_outbox_row() {
    let (_dir, engine, _) = crate::harness::test_engine();
    let (ex, _) = crate::harness::run_workflow(&engine, WFS, "nt_parent", json!({})).await;
    assert_eq!(ex.state, bora::domain::State::Success);
    let (ex, _) = crate::harness::run_workflow(&engine, WFS, "nt_fail", json!({})).await;
    assert_eq!(ex.state, bora::domain::State::Error);
    assert_eq!(engine.store.notifications_waiting().unwrap(), 0);
}

#[actix_rt::test]
async fn joins_retries_and_skips_are_reported() {
    let rx = Receiver::start();
    let app = TestApp::start_with(allow_loopback);
    define(&app).await;
    for wf in ["nt_join", "nt_retry", "nt_skip"] {
        start(
            &app,
            wf,
            json!([{"type": "webhook", "url": rx.url(&format!("/{wf}"))}]),
        )
        .await;
    }
    // As on Mistral: the join task leaves WAITING with TASK_RESUMED.
    let join = rx.wait("/nt_join", 8).await;
    let mut branches = seq(&join[1..5]);
    branches.sort();
    assert_eq!(
        branches,
        expect(&[
            ("TASK_LAUNCHED", "a"),
            ("TASK_LAUNCHED", "b"),
            ("TASK_SUCCEEDED", "a"),
            ("TASK_SUCCEEDED", "b"),
        ])
    );
    assert_eq!(
        seq(&join[5..]),
        expect(&[
            ("TASK_RESUMED", "j"),
            ("TASK_SUCCEEDED", "j"),
            ("WORKFLOW_SUCCEEDED", "nt_join"),
        ])
    );
    // Each retry is launched again after its failure (Mistral's DELAYED
    // state in between sends `"event": null`, which bora does not send).
    let retry = rx.wait("/nt_retry", 6).await;
    assert_eq!(
        seq(&retry),
        expect(&[
            ("WORKFLOW_LAUNCHED", "nt_retry"),
            ("TASK_LAUNCHED", "a"),
            ("TASK_FAILED", "a"),
            ("TASK_LAUNCHED", "a"),
            ("TASK_FAILED", "a"),
            ("WORKFLOW_FAILED", "nt_retry"),
        ])
    );
    let skip = rx.wait("/nt_skip", 4).await;
    let task = skip[2]["id"].as_str().unwrap();
    let (s, v) = send(
        &app,
        Method::PUT,
        &format!("/v2/tasks/{task}"),
        json!({"state": "SKIPPED"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let skip = rx.wait("/nt_skip", 9).await;
    assert_eq!(
        seq(&skip[4..]),
        expect(&[
            ("WORKFLOW_RERUN", "nt_skip"),
            ("TASK_SKIPPED", "a"),
            ("TASK_LAUNCHED", "s"),
            ("TASK_SUCCEEDED", "s"),
            ("WORKFLOW_SUCCEEDED", "nt_skip"),
        ])
    );
    assert_eq!(skip[5]["state_info"], "Task was skipped.");
}

#[actix_rt::test]
async fn a_restart_reports_nothing_twice() {
    let (_dir, db) = sqlite_url();
    let rx = Receiver::start();
    let put = |app: &TestApp, path: String, body: Value| {
        let app_url = app.url(&path);
        async move {
            let resp = reqwest::Client::new()
                .put(app_url)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
        }
    };
    let id = {
        let app = TestApp::start_configured(&db, allow_loopback);
        define(&app).await;
        let id = start(
            &app,
            "nt_hold",
            json!([{"type": "webhook", "url": rx.url("/hold")}]),
        )
        .await;
        let launched = rx.wait("/hold", 2).await;
        put(
            &app,
            format!("/v2/executions/{id}"),
            json!({"state": "PAUSED"}),
        )
        .await;
        let task = launched[1]["id"].as_str().unwrap();
        let (_, aes) = get(&app, &format!("/v2/tasks/{task}/action_executions")).await;
        let ae = aes["action_executions"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        put(
            &app,
            format!("/v2/action_executions/{ae}"),
            json!({"state": "SUCCESS", "output": "{}"}),
        )
        .await;
        rx.wait("/hold", 4).await;
        id
    };
    // The engine takes the paused execution back; what it reported before
    // is not reported again, and the resume is a resume.
    let app = TestApp::start_configured(&db, allow_loopback);
    put(
        &app,
        format!("/v2/executions/{id}"),
        json!({"state": "RUNNING"}),
    )
    .await;
    wait_state(&app, &id, "SUCCESS").await;
    let all = rx.wait("/hold", 8).await;
    assert_eq!(
        seq(&all),
        expect(&[
            ("WORKFLOW_LAUNCHED", "nt_hold"),
            ("TASK_LAUNCHED", "a"),
            ("WORKFLOW_PAUSED", "nt_hold"),
            ("TASK_SUCCEEDED", "a"),
            ("WORKFLOW_RESUMED", "nt_hold"),
            ("TASK_LAUNCHED", "b"),
            ("TASK_SUCCEEDED", "b"),
            ("WORKFLOW_SUCCEEDED", "nt_hold"),
        ])
    );
    eventually(Duration::from_secs(20), "an empty outbox", || async {
        (metric(&app, "notifications_pending").await == 0).then_some(())
    })
    .await;
    assert_eq!(rx.bodies("/hold").len(), 8);
}
