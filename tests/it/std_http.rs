//! `std.http`, `std.mistral_http` and `std.email` over real connections, to
//! tiny servers the tests start on 127.0.0.1 (allowed only where a test's
//! configuration says so): results, error dicts, the egress policy on
//! targets and redirects, the size cap, the default timeout, callbacks.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, get};
use crate::harness::{TestApp, eventually};
use crate::standalone::{action_state, output, run, send};

/// A tiny HTTP/1.1 server: answers each request by path, counts hits and
/// keeps the request heads.
struct Tiny {
    port: u16,
    hits: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Tiny {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (h, r) = (hits.clone(), heads.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                h.fetch_add(1, Ordering::SeqCst);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                r.lock().unwrap().push(head.clone());
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let _ = conn.write_all(&answer(&path, port));
            }
        });
        Self { port, hits, heads }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn reply(status: &str, ctype: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nSet-Cookie: sid=abc; Path=/\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn answer(path: &str, port: u16) -> Vec<u8> {
    match path.split('?').next().unwrap_or("/") {
        "/json" => reply("200 OK", "application/json", "{\"hello\": \"world\"}"),
        "/text" => reply("200 OK", "text/plain; charset=utf-8", "plain words"),
        "/missing" => reply("404 Not Found", "application/json", "{\"error\": \"nope\"}"),
        "/to-denied" => format!(
            "HTTP/1.1 302 Found\r\nLocation: http://localhost:{port}/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes(),
        "/to-allowed" => format!(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes(),
        "/hang" => {
            std::thread::sleep(Duration::from_secs(3));
            reply("200 OK", "application/json", "{}")
        }
        "/big" => {
            // No Content-Length: only reading counts the size.
            let mut r = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n".to_vec();
            r.extend(std::iter::repeat_n(b'x', 300 * 1024));
            r
        }
        _ => reply("200 OK", "application/json", "{}"),
    }
}

fn allow_loopback(c: &mut bora::config::Config) {
    c.http_allowed_hosts = "127.0.0.1".into();
    c.http_max_response_size_bytes = 100 * 1024;
}
const FETCH: &str = "
version: '2.0'
fetch:
  input:
    - url
    - follow: false
  tasks:
    get:
      action: std.http url=<% $.url %> allow_redirects=<% $.follow %>
      publish:
        status: <% task().result.status %>
        content: <% task().result.content %>
        reason: <% task().result.reason %>
      publish-on-error:
        err_status: <% task().result.status %>
        err_content: <% task().result.content %>
      on-error:
        - handled
    handled:
      action: std.noop
plain:
  input:
    - url
    - follow: false
  tasks:
    get:
      action: std.http url=<% $.url %> allow_redirects=<% $.follow %>
      publish:
        status: <% task().result.status %>
        content: <% task().result.content %>
      on-error:
        - handled
    handled:
      action: std.noop
";

/// Starts `fetch` on `url` and returns the final execution and its `get` task.
async fn fetch(app: &TestApp, wf: &str, url: &str, follow: bool) -> (Value, Value) {
    let (s, v) = call(app, Method::POST, "/v2/workflows", Some(FETCH)).await;
    assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{v}");
    let (s, ex) = send(
        app,
        Method::POST,
        "/v2/executions",
        json!({"workflow_name": wf, "input": {"url": url, "follow": follow}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ex}");
    let id = ex["id"].as_str().unwrap().to_string();
    let ex = eventually(Duration::from_secs(20), "a finished fetch", || async {
        let (_, v) = get(app, &format!("/v2/executions/{id}")).await;
        (v["state"] == "SUCCESS" || v["state"] == "ERROR").then_some(v)
    })
    .await;
    let (_, tasks) = get(app, &format!("/v2/executions/{id}/tasks")).await;
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "get")
        .cloned()
        .unwrap();
    (ex, task)
}

fn published(task: &Value) -> Value {
    serde_json::from_str(task["published"].as_str().unwrap_or("{}")).unwrap()
}

#[actix_rt::test]
async fn a_workflow_calls_an_allowed_server() {
    let server = Tiny::start();
    let app = TestApp::start_with(allow_loopback);
    let (ex, task) = fetch(&app, "fetch", &server.url("/json?q=1"), false).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(task["state"], "SUCCESS", "{task}");
    assert_eq!(
        published(&task),
        json!({"status": 200, "content": {"hello": "world"}, "reason": "OK"})
    );
    let heads = server.heads.lock().unwrap().clone();
    assert!(
        heads.iter().any(|h| h.starts_with("GET /json?q=1 ")),
        "{heads:?}"
    );
}

#[actix_rt::test]
async fn a_404_fails_the_task_with_the_result_dict() {
    let server = Tiny::start();
    let app = TestApp::start_with(allow_loopback);
    let (ex, task) = fetch(&app, "fetch", &server.url("/missing"), false).await;
    assert_eq!(ex["state"], "SUCCESS", "on-error handled it: {ex}");
    assert_eq!(task["state"], "ERROR", "{task}");
    assert_eq!(
        published(&task),
        json!({"err_status": 404, "err_content": {"error": "nope"}})
    );
}

#[actix_rt::test]
async fn a_denied_target_is_never_contacted() {
    let server = Tiny::start();
    let app = TestApp::start();
    let (_, task) = fetch(&app, "plain", &server.url("/json"), false).await;
    assert_eq!(task["state"], "ERROR", "{task}");
    let info = task["state_info"].as_str().unwrap_or_default();
    // Mistral's words, in the text of an exception the action raised.
    assert!(info.starts_with("The action raised an exception [action=<mistral.actions.std_actions.HTTPAction object at 0x"), "{task}");
    assert!(
        info.ends_with("msg='URL host '127.0.0.1' resolves to a blocked address (127.0.0.1).']"),
        "{task}"
    );
    assert_eq!(server.hits(), 0, "the server was contacted");
}

#[actix_rt::test]
async fn redirects_are_checked_and_followed_only_when_asked() {
    let server = Tiny::start();
    let app = TestApp::start_with(allow_loopback);
    let (_, task) = fetch(&app, "plain", &server.url("/to-denied"), true).await;
    assert_eq!(task["state"], "ERROR", "{task}");
    let info = task["state_info"].as_str().unwrap_or_default();
    assert!(info.contains("http_denied_cidrs"), "{task}");
    assert_eq!(server.hits(), 1, "only the first hop was contacted");
    let (_, task) = fetch(&app, "plain", &server.url("/to-allowed"), true).await;
    assert_eq!(task["state"], "SUCCESS", "{task}");
    assert_eq!(published(&task)["content"], json!({"hello": "world"}));
    // Not followed unless allow_redirects is true (Mistral passes None).
    let (_, task) = fetch(&app, "plain", &server.url("/to-allowed"), false).await;
    assert_eq!(task["state"], "SUCCESS", "{task}");
    assert_eq!(published(&task)["status"], 302);
}

#[actix_rt::test]
async fn a_response_over_the_cap_fails_the_task() {
    let server = Tiny::start();
    let app = TestApp::start_with(allow_loopback);
    let (_, task) = fetch(&app, "plain", &server.url("/big"), false).await;
    assert_eq!(task["state"], "ERROR", "{task}");
    let info = task["state_info"].as_str().unwrap_or_default();
    assert!(info.contains("http_max_response_size_bytes"), "{task}");
}

#[actix_rt::test]
async fn std_http_runs_standalone_and_mistral_http_calls_back() {
    let server = Tiny::start();
    let app = TestApp::start_with(allow_loopback);
    let (s, v) = run(
        &app,
        json!({"name": "std.http", "input": {"url": server.url("/text"), "method": "post",
               "body": {"a": 1}, "headers": {"X-N": 5}}, "params": {"run_sync": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let out = output(&v)["result"].clone();
    assert_eq!(out["content"], "plain words");
    assert_eq!(out["encoding"], "utf-8");
    assert_eq!(out["headers"]["Content-Type"], "text/plain; charset=utf-8");
    assert_eq!(out["cookies"], json!({"sid": "abc"}));
    assert_eq!(out["status"], 200);
    let head = server.heads.lock().unwrap().last().cloned().unwrap();
    assert!(head.starts_with("POST /text "), "{head}");
    assert!(head.to_ascii_lowercase().contains("x-n: 5"), "{head}");

    let (s, v) = run(
        &app,
        json!({"name": "std.mistral_http", "input": {"url": server.url("/json")}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let head = eventually(Duration::from_secs(10), "the callback request", || async {
        server
            .heads
            .lock()
            .unwrap()
            .iter()
            .find(|h| h.contains(&id))
            .cloned()
    })
    .await;
    let callback = head
        .lines()
        .find_map(|l| l.strip_prefix("mistral-callback-url: "))
        .unwrap_or_else(|| panic!("no callback header in {head}"))
        .to_string();
    assert_eq!(callback, app.url(&format!("/v2/action_executions/{id}")));
    action_state(&app, &id, "RUNNING").await;
    let resp = reqwest::Client::new()
        .put(callback)
        .json(&json!({"state": "SUCCESS", "output": {"msg": "called back"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let done = action_state(&app, &id, "SUCCESS").await;
    assert_eq!(output(&done), json!({"result": {"msg": "called back"}}));
}
#[actix_rt::test]
async fn the_default_timeout_applies() {
    let server = Tiny::start();
    let app = TestApp::start_with(|c| {
        allow_loopback(c);
        c.http_default_timeout_secs = 1;
    });
    let started = std::time::Instant::now();
    let (s, v) = run(
        &app,
        json!({"name": "std.http", "input": {"url": server.url("/hang")}, "params": {"run_sync": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "ERROR", "{v}");
    let err = output(&v)["result"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(err.contains("Failed to send HTTP request"), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "{:?}",
        started.elapsed()
    );
}
/// A tiny SMTP server for one message: returns its port and what it got.
fn smtp_sink() -> (u16, Arc<Mutex<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(String::new()));
    let log = got.clone();
    std::thread::spawn(move || {
        let Ok((conn, _)) = listener.accept() else {
            return;
        };
        let mut reader = std::io::BufReader::new(conn.try_clone().unwrap());
        let mut out = conn;
        let _ = out.write_all(b"220 sink ESMTP\r\n");
        let mut data = false;
        let mut line = String::new();
        while std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) > 0 {
            log.lock().unwrap().push_str(&line);
            let reply: &[u8] = if data {
                if line == ".\r\n" {
                    data = false;
                    b"250 queued\r\n"
                } else {
                    b""
                }
            } else {
                match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                    "EHLO" | "HELO" => b"250 sink\r\n",
                    "DATA" => {
                        data = true;
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        let _ = out.write_all(b"221 bye\r\n");
                        break;
                    }
                    _ => b"250 ok\r\n",
                }
            };
            let _ = out.write_all(reply);
            line.clear();
        }
    });
    (port, got)
}

#[actix_rt::test]
async fn std_email_sends_through_smtp() {
    let (port, got) = smtp_sink();
    let app = TestApp::start_with(allow_loopback);
    let (s, v) = run(
        &app,
        json!({"name": "std.email", "params": {"run_sync": true}, "input": {
            "from_addr": "bora@example.org", "to_addrs": ["ops@example.org"],
            "cc_addrs": ["cc@example.org"], "smtp_server": format!("127.0.0.1:{port}"),
            "subject": "Done", "body": "It finished."}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "SUCCESS", "{v}");
    assert_eq!(output(&v), json!({"result": null}));
    let text = got.lock().unwrap().clone();
    assert!(text.contains("MAIL FROM:<bora@example.org>"), "{text}");
    assert!(text.contains("RCPT TO:<ops@example.org>"), "{text}");
    assert!(text.contains("RCPT TO:<cc@example.org>"), "{text}");
    assert!(text.contains("Subject: Done"), "{text}");
    assert!(text.contains("It finished."), "{text}");
    // The SMTP server is under the egress policy too.
    let app = TestApp::start();
    let (s, v) = run(
        &app,
        json!({"name": "std.email", "input": {"from_addr": "a@example.org",
            "to_addrs": ["b@example.org"], "smtp_server": "127.0.0.1:9"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "ERROR", "{v}");
    assert!(
        v["output"].as_str().unwrap().contains("http_denied_cidrs"),
        "{v}"
    );
}
#[actix_rt::test]
async fn a_mistral_http_task_waits_for_its_callback() {
    let server = Tiny::start();
    let app = TestApp::start_with(allow_loopback);
    let yaml = "
version: '2.0'
notify:
  input:
    - url
  tasks:
    ask:
      action: std.mistral_http url=<% $.url %>
      publish:
        answer: <% task().result %>
  output:
    answer: <% $.answer %>
";
    let (s, v) = call(&app, Method::POST, "/v2/workflows", Some(yaml)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, ex) = send(
        &app,
        Method::POST,
        "/v2/executions",
        json!({"workflow_name": "notify", "input": {"url": server.url("/json")}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ex}");
    let ex_id = ex["id"].as_str().unwrap().to_string();
    let head = eventually(Duration::from_secs(10), "the request", || async {
        server.heads.lock().unwrap().first().cloned()
    })
    .await;
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {head}"))
            .to_string()
    };
    assert_eq!(header("mistral-workflow-name"), "notify");
    assert_eq!(header("mistral-workflow-execution-id"), ex_id);
    let (_, tasks) = get(&app, &format!("/v2/executions/{ex_id}/tasks")).await;
    assert_eq!(
        header("mistral-task-id"),
        tasks["tasks"][0]["id"].as_str().unwrap()
    );
    let callback = header("mistral-callback-url");
    // The request succeeded, yet the task waits for the callback.
    let (_, v) = get(&app, &format!("/v2/executions/{ex_id}")).await;
    assert_eq!(v["state"], "RUNNING");
    let resp = reqwest::Client::new()
        .put(callback)
        .json(&json!({"state": "SUCCESS", "output": {"approved": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let done = eventually(Duration::from_secs(10), "the end", || async {
        let (_, v) = get(&app, &format!("/v2/executions/{ex_id}")).await;
        (v["state"] == "SUCCESS").then_some(v)
    })
    .await;
    assert_eq!(output(&done), json!({"answer": {"approved": true}}));
}
