//! Operations as a new user meets them, on the real `bora` binary: the
//! startup line, the request log and the failure reason in JSON log lines;
//! graceful shutdown that returns as soon as nothing runs and logs what it
//! abandons; `bora backup` while a server runs; settings errors and
//! `--help`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::TestApp;

fn bora() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bora"));
    c.env_remove("RUST_LOG");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `bora serve` as a child process, its stderr in `log`.
struct Server {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `bora serve` in `dir` on database `db` with `env`, and waits
    /// until it answers.
    fn start(dir: &Path, db: &Path, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = dir.join(format!("server-{port}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = bora()
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--workers",
                "2",
            ])
            .arg("--database")
            .arg(format!("sqlite://{}", db.display()))
            .envs(env.iter().copied())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut s = Self {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::blocking::get(format!("{}/health", s.base)).is_err() {
            if let Some(status) = s.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("bora exited at start with {status}:\n{}", s.log_text());
            }
            assert!(Instant::now() < deadline, "bora did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn post(&self, path: &str, body: &str, json: bool) -> Value {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                if json {
                    "application/json"
                } else {
                    "text/plain"
                },
            )
            .body(body.to_string())
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap()
    }

    fn get(&self, path: &str) -> Value {
        reqwest::blocking::get(format!("{}{path}", self.base))
            .unwrap()
            .json()
            .unwrap()
    }

    /// Starts workflow `wf`; its execution id.
    fn start_execution(&self, wf: &str) -> String {
        let ex = self.post(
            "/v2/executions",
            &json!({ "workflow_name": wf }).to_string(),
            true,
        );
        ex["id"].as_str().unwrap().to_string()
    }

    /// Polls until task `task` of `ex` is in `state`.
    fn wait_task(&self, ex: &str, task: &str, state: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let tasks = self.get(&format!("/v2/executions/{ex}/tasks"));
            let found = tasks["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == task && t["state"] == state);
            if found {
                return;
            }
            assert!(Instant::now() < deadline, "task {task} never {state}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM; waits (up to a minute) for the exit; its time.
    fn terminate(&mut self) -> Duration {
        let mut child = self.child.take().unwrap();
        let began = Instant::now();
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "exit {status}:\n{}", self.log_text());
                return began.elapsed();
            }
            assert!(
                began.elapsed() < Duration::from_secs(60),
                "bora did not stop:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

const CHAIN: &str = "
version: '2.0'
chain:
  tasks:
    t1:
      action: std.sleep seconds=1
      on-success: [t2]
    t2:
      action: std.noop
failing:
  tasks:
    f1:
      action: std.fail error_data='disk on fire'
long:
  tasks:
    t1:
      action: std.sleep seconds=120
";

#[test]
fn shutdown_returns_when_nothing_runs_and_logs_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bora.db");
    let mut s = Server::start(
        dir.path(),
        &db,
        &[
            ("BORA_SHUTDOWN_GRACE_SECS", "30"),
            ("BORA_LOG_FORMAT", "json"),
        ],
    );
    s.post("/v2/workflows", CHAIN, false);
    let failed = s.start_execution("failing");
    let ex = s.start_execution("chain");
    s.wait_task(&ex, "t1", "RUNNING");
    let took = s.terminate();
    let log = s.log_text();
    // t1 ends about a second after the signal; t2 is not started. Nothing
    // runs then, so shutdown does not wait out the 30 s grace.
    assert!(took < Duration::from_secs(10), "took {took:?}:\n{log}");
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let msgs: Vec<&str> = lines.iter().filter_map(|l| l["msg"].as_str()).collect();
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    let startup = msgs
        .iter()
        .find(|m| m.contains("listening on"))
        .unwrap_or_else(|| panic!("no startup line:\n{log}"));
    for part in [
        concat!("bora ", env!("CARGO_PKG_VERSION")),
        &format!("database sqlite://{}", db.display()),
        "(schema 2",
        "2 workers",
        "config none",
    ] {
        assert!(startup.contains(part), "{part} not in {startup}");
    }
    assert!(
        has(r#""POST /v2/executions HTTP/1.1" 201"#),
        "no request log line:\n{log}"
    );
    assert!(
        has(&format!("ex={failed} wf=failing finished ERROR: ")) && has("disk on fire"),
        "no failure reason:\n{log}"
    );
    assert!(
        has(&format!("abandoned ex={ex} task=t2 "))
            && has("in state IDLE; it never started: dispatched again on restart"),
        "t2 not reported:\n{log}"
    );
    assert!(has("bora stopped"), "{log}");

    // After a restart, t2 runs and the execution ends.
    let s = Server::start(dir.path(), &db, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.get(&format!("/v2/executions/{ex}"))["state"] != "SUCCESS" {
        assert!(Instant::now() < deadline, "not resumed:\n{}", s.log_text());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn shutdown_logs_the_running_actions_it_abandons() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bora.db");
    let mut s = Server::start(dir.path(), &db, &[("BORA_SHUTDOWN_GRACE_SECS", "1")]);
    s.post("/v2/workflows", CHAIN, false);
    let ex = s.start_execution("long");
    s.wait_task(&ex, "t1", "RUNNING");
    s.terminate();
    let log = s.log_text();
    assert!(
        log.contains("ended with 1 actions still running"),
        "no count:\n{log}"
    );
    assert!(
        log.contains(&format!("abandoned ex={ex} task=t1 "))
            && log.contains("(std.sleep) in state RUNNING; its task is not safe-rerun: the task fails on restart"),
        "t1 not reported:\n{log}"
    );
    // What the line said happens: the task fails at the next start.
    let s = Server::start(dir.path(), &db, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.get(&format!("/v2/executions/{ex}"))["state"] != "ERROR" {
        assert!(Instant::now() < deadline, "not failed:\n{}", s.log_text());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn backup_while_a_server_runs() {
    let app = TestApp::start();
    let client = reqwest::blocking::Client::new();
    let r = client
        .post(app.url("/v2/workflows"))
        .header("content-type", "text/plain")
        .body(CHAIN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let ex: Value = client
            .post(app.url("/v2/executions"))
            .json(&json!({"workflow_name": "failing"}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        ids.push(ex["id"].as_str().unwrap().to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let db: Value = client
        .get(app.url("/v2/executions"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(db["executions"].as_array().unwrap().len(), 3);
    let url = app.database_url().to_string();
    let out = run(bora().arg("backup").arg(&copy).args(["--database", &url]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("(3 executions, schema 2"), "{said}");

    // A second backup to the same file is refused, the copy kept.
    let again = run(bora().arg("backup").arg(&copy).args(["--database", &url]));
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );

    // A fresh server on the copy sees the executions.
    let restored = TestApp::start_on(&format!("sqlite://{}", copy.display()));
    let list: Value = client
        .get(restored.url("/v2/executions"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut got: Vec<String> = list["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
}

#[test]
fn backup_of_postgres_points_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(bora()
        .arg("backup")
        .arg(dir.path().join("x.db"))
        .args(["--database", "postgres://bora@127.0.0.1/bora"]));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("pg_dump"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn an_unknown_setting_is_one_error_with_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bora.toml"), "wrokers = 3\n").unwrap();
    let out = run(bora()
        .args(["serve", "--bind", "127.0.0.1:1"])
        .current_dir(dir.path()));
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        "bora: unknown setting `wrokers` in bora.toml; did you mean `workers`?\n"
    );
}

#[test]
fn an_unknown_bora_variable_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let out = run(bora()
        .args(["migrate", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .env("BORA_SHUTDOWN_GRACE_SEC", "5")
        .current_dir(dir.path()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "BORA_SHUTDOWN_GRACE_SEC is not a setting and is ignored; did you mean \
             BORA_SHUTDOWN_GRACE_SECS?"
        ),
        "{err}"
    );
}

#[test]
fn serve_help_names_the_environment_variables() {
    let out = run(bora().args(["serve", "--help"]));
    assert!(out.status.success());
    let help = text(&out.stdout);
    for var in [
        "[env: BORA_BIND=]",
        "[env: BORA_DATABASE=]",
        "[env: BORA_WORKERS=]",
        "[env: BORA_CONFIG=]",
        "BORA_SHUTDOWN_GRACE_SECS",
        "BORA_LOG_FORMAT",
        "BORA_MAX_PAGE_SIZE",
    ] {
        assert!(help.contains(var), "{var} not in:\n{help}");
    }
}
