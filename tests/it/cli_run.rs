//! `bora run` through the built binary on every workflow in `examples/`:
//! the embedded server (and `--url` against a running one for the human
//! approval), the output on stdout, the progress lines on stderr (plain:
//! the tests' stderr is not a terminal), the exit code of the state. HTTP
//! examples call a tiny server the test starts on 127.0.0.1, never the
//! internet.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::TestApp;

/// The path of an example file.
pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// `bora` with `args`, in a directory of its own with no `bora.toml` and
/// no client file, loopback HTTP allowed (for the tiny servers).
pub fn bora(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bora"));
    c.args(args)
        .current_dir(std::env::temp_dir())
        .env("BORA_HTTP_ALLOWED_HOSTS", "127.0.0.1")
        .env("BORA_CLIENT_CONFIG", "/nonexistent/bora-client.toml")
        .env_remove("BORA_URL")
        .env_remove("BORA_TOKEN");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `bora run FILE args...`: (exit code, stdout as JSON, stderr).
fn run(file: &str, args: &[&str]) -> (i32, Value, String) {
    let path = example(file);
    let mut all = vec!["run", path.to_str().unwrap()];
    all.extend_from_slice(args);
    let out: Output = bora(&all).output().expect("run bora");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bora run {file} printed no JSON ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json, text(&out.stderr))
}

/// One request as the tiny server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    body: String,
}

type Handler = dyn Fn(usize, &Seen) -> (u16, String) + Send + Sync;

/// A tiny HTTP/1.1 server on 127.0.0.1 answering with `handler(n, req)`,
/// `n` counting requests from 0; keeps what it was sent.
struct Tiny {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Tiny {
    fn start(handler: impl Fn(usize, &Seen) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (log, handler) = (log.clone(), handler.clone());
                std::thread::spawn(move || serve_one(conn, &log, &*handler));
            }
        });
        Self { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve_one(mut conn: std::net::TcpStream, log: &Mutex<Vec<Seen>>, handler: &Handler) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = first.split_whitespace();
    let seen = Seen {
        method: parts.next().unwrap_or_default().to_string(),
        path: parts.next().unwrap_or_default().to_string(),
        body: text(&body),
    };
    let n = {
        let mut l = log.lock().unwrap();
        l.push(seen.clone());
        l.len() - 1
    };
    let (status, body) = handler(n, &seen);
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(reply.as_bytes());
}

#[test]
fn fan_out_runs_embedded_with_progress_and_output() {
    let (code, out, err) = run("fan-out.yaml", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        json!({"checked": 3, "statuses": ["eu ok", "us ok", "ap ok"]})
    );
    for task in ["plan", "check_eu", "check_us", "check_ap", "report"] {
        assert!(err.contains(&format!("task {task} SUCCESS")), "{err}");
    }
    assert!(err.contains("execution SUCCESS in"), "{err}");
    // Plain lines, no terminal control sequences.
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn retries_call_a_flaky_service_again_until_it_answers() {
    let flaky = Tiny::start(|n, _| match n {
        0 | 1 => (503, "{\"error\": \"busy\"}".into()),
        _ => (200, "{\"status\": \"up\"}".into()),
    });
    let input = json!({"url": format!("{}/health", flaky.url()), "delay": 0}).to_string();
    let (code, out, err) = run("retries.yaml", &["--input", &input]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, json!({"answer": {"status": "up"}}));
    assert_eq!(flaky.seen().len(), 3);
}

#[test]
fn retries_give_up_after_the_last_attempt_with_the_failure() {
    let down = Tiny::start(|_, _| (503, "{\"error\": \"down\"}".into()));
    let input =
        json!({"url": format!("{}/health", down.url()), "delay": 0, "attempts": 2}).to_string();
    let (code, out, err) = run("retries.yaml", &["--input", &input]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(down.seen().len(), 3, "one call and two retries");
    assert_eq!(out["failure"]["status"], 503, "{out}");
    assert!(
        err.contains("execution") && err.contains("ended ERROR"),
        "{err}"
    );
    assert!(err.contains("task 'call_service' failed: "), "{err}");
}

#[test]
fn approval_waits_for_a_person_through_the_api() {
    let app = TestApp::start();
    let path = example("approval.yaml");
    let input = json!({"change": "resize db", "approvers": ["ana", "bo"]}).to_string();
    let child = bora(&[
        "run",
        path.to_str().unwrap(),
        "--url",
        &app.base,
        "--input",
        &input,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let http = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let waiting = loop {
        let v: Value = http
            .get(app.url("/v2/action_executions"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let found = v["action_executions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "std.async_noop" && a["state"] == "RUNNING")
            .cloned();
        if let Some(a) = found {
            break a;
        }
        assert!(Instant::now() < deadline, "no action waits for approval");
        std::thread::sleep(Duration::from_millis(20));
    };
    let decision = json!({"state": "SUCCESS", "output": {"approved": true, "by": "ana"}});
    let resp = http
        .put(app.url(&format!(
            "/v2/action_executions/{}",
            waiting["id"].as_str().unwrap()
        )))
        .json(&decision)
        .send()
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().unwrap());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        out,
        json!({
            "request": "Change 'resize db' awaits approval by ana, bo",
            "approved": true,
            "outcome": "applied 'resize db', approved by ana",
        })
    );
    assert!(err.contains("task apply SUCCESS"), "{err}");
    assert!(!err.contains("task reject"), "{err}");
}

#[test]
fn nightly_runs_by_hand_and_its_cron_trigger_is_taken() {
    let (code, out, err) = run("nightly.yaml", &["--input", "{\"keep_days\": 7}"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        json!({
            "pruned": ["events", "sessions", "audit"],
            "summary": "pruned 3 tables, keeping 7 days",
        })
    );
    // The README's trigger, on a server that has the workflow.
    let app = TestApp::start();
    let path = example("nightly.yaml");
    let created = bora(&[
        "workflow",
        "create",
        path.to_str().unwrap(),
        "--url",
        &app.base,
    ])
    .output()
    .unwrap();
    assert!(created.status.success(), "{}", text(&created.stderr));
    let trigger = json!({"name": "nightly", "workflow_name": "nightly",
        "pattern": "30 2 * * *", "workflow_input": {"keep_days": 30}});
    let resp = reqwest::blocking::Client::new()
        .post(app.url("/v2/cron_triggers"))
        .json(&trigger)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let v: Value = resp.json().unwrap();
    assert_eq!(v["pattern"], "30 2 * * *");
    assert!(
        v["next_execution_time"]
            .as_str()
            .is_some_and(|t| t.contains(" 02:30:00")),
        "{v}"
    );
}

/// The order service of the HTTP pipeline; `/orders` fails when `broken`.
fn shop(broken: bool) -> Tiny {
    Tiny::start(move |_, req| {
        let path = req.path.as_str();
        match (req.method.as_str(), path) {
            ("GET", "/orders") if broken => (500, "{\"error\": \"database down\"}".into()),
            ("GET", "/orders") => (200, "[{\"sku\": \"a1\"}, {\"sku\": \"b2\"}]".into()),
            ("GET", p) if p.starts_with("/price/") => {
                let sku = &p["/price/".len()..];
                let price = if sku == "a1" { 10 } else { 32 };
                (200, format!("{{\"sku\": \"{sku}\", \"price\": {price}}}"))
            }
            ("POST", "/invoices") => (201, "{\"invoice\": \"INV-1\"}".into()),
            _ => (404, "{}".into()),
        }
    })
}

#[test]
fn http_pipeline_prices_orders_and_posts_the_invoice() {
    let server = shop(false);
    let input = json!({"base_url": server.url()}).to_string();
    let (code, out, err) = run("http-pipeline.yaml", &["--input", &input]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        json!({
            "invoice": {"invoice": "INV-1"},
            "lines": [{"sku": "a1", "price": 10}, {"sku": "b2", "price": 32}],
        })
    );
    let posted = server
        .seen()
        .into_iter()
        .find(|s| s.method == "POST")
        .unwrap();
    let body: Value = serde_json::from_str(&posted.body).unwrap();
    assert_eq!(body["total"], 42, "{body}");
}

#[test]
fn http_pipeline_reports_a_failed_call_and_ends_in_error() {
    let server = shop(true);
    let input = json!({"base_url": server.url()}).to_string();
    let (code, _, err) = run("http-pipeline.yaml", &["--input", &input]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("task fetch_orders ERROR"), "{err}");
    assert!(err.contains("task report_failure SUCCESS"), "{err}");
    assert!(err.contains("task 'fetch_orders' failed: "), "{err}");
    assert!(!server.seen().iter().any(|s| s.method == "POST"));
}

#[test]
fn reverse_runs_only_what_the_goal_requires() {
    let (code, out, err) = run(
        "reverse.yaml",
        &[
            "--params",
            "{\"task_name\": \"package\"}",
            "--input",
            "{\"version\": \"2.1\"}",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out["package"], "app-2.1.tar.gz", "{out}");
    assert_eq!(out["tests"], "tests passed", "{out}");
    assert!(out.get("published").is_none(), "{out}");
    assert!(!err.contains("task publish"), "{err}");
}

#[test]
fn run_takes_a_workbook_from_stdin_and_a_chosen_workflow() {
    let wb = "
version: '2.0'
name: tools
actions:
  shout:
    base: std.echo
    input: [word]
    base-input:
      output: <% $.word + '!' %>
workflows:
  first:
    tasks:
      t:
        action: std.noop
  second:
    input: [word]
    tasks:
      t:
        action: shout word=<% $.word %>
        publish:
          said: <% task().result %>
    output:
      said: <% $.said %>
";
    let mut child = bora(&[
        "run",
        "-",
        "--workflow",
        "second",
        "--input",
        "{\"word\": \"hey\"}",
        "-q",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(wb.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "--quiet prints no progress");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, json!({"said": "hey!"}));
}

#[test]
fn run_refuses_bad_files_and_input_with_the_reason() {
    let cases: &[(&[&str], &str)] = &[
        (&["--input", "[1]"], "--input must be a JSON object"),
        (&["--input", "{nope"], "--input is not JSON"),
        (
            &["--workflow", "other"],
            "has no workflow 'other' (it has: fan_out)",
        ),
    ];
    let path = example("fan-out.yaml");
    for (args, expected) in cases {
        let mut all = vec!["run", path.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = bora(&all).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "version: '2.0'\nwf:\n  tasks:\n    a:\n      on-success: [b]\n",
    )
    .unwrap();
    let out = bora(&["run", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("the definition is invalid"), "{err}");
    assert!(
        err.contains("Task 'b' not found. (at wf.tasks.a.on-success[0], line 5"),
        "{err}"
    );
}

#[test]
fn an_embedded_run_that_pauses_is_resumed_through_the_server_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("pz.yaml");
    std::fs::write(
        &wf,
        "version: '2.0'\npz:\n  tasks:\n    a:\n      on-success: [pause, b]\n    b:\n      action: std.echo output='done'\n      publish: {r: <% task().result %>}\n  output: {r: <% $.r %>}\n",
    )
    .unwrap();
    let mut child = bora(&["run", wf.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut server, mut id) = (Vec::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("bora for this run: ").nth(1) {
            server = rest.split_whitespace().map(str::to_string).collect();
        }
        if let Some(rest) = line.split("execution ").nth(1)
            && rest.ends_with(" of pz started")
        {
            id = rest.split_whitespace().next().unwrap().to_string();
        }
        if line.ends_with("execution PAUSED") {
            break;
        }
    }
    assert_eq!(server.len(), 4, "{server:?}");
    let mut args = vec!["execution", "resume", id.as_str()];
    args.extend(server.iter().map(String::as_str));
    let resumed = bora(&args).output().unwrap();
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.ends_with("task b SUCCESS")),
        "{rest:?}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, json!({"r": "done"}));
}
