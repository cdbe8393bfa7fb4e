//! The reliability harness: the real `bora` binary as a child process on a
//! loopback port and a fresh SQLite file, a blocking HTTP client for the
//! Mistral API, the side-effect ledger, a seeded PRNG and the scoreboard
//! that prints one line per invariant and the closing `N passed, N failed`.
//! Every server it starts is killed when its `Server` is dropped.

#![allow(dead_code)]

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One suite at a time: they time things on a shared 2-core machine.
static SERIAL: Mutex<()> = Mutex::new(());

/// Holds the suite lock for the life of a test.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A splitmix64 generator: small, seeded, replayable.
pub struct Rng(u64);

impl Rng {
    /// From `BORA_TEST_SEED` when set, else from the clock. Prints the seed.
    pub fn from_env(suite: &str) -> Self {
        let seed = std::env::var("BORA_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        println!("{suite}: seed {seed} (replay with BORA_TEST_SEED={seed})");
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }
}

/// The `bora serve` child process with its own directory, database, ledger
/// and log.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub base: String,
    pub db: PathBuf,
    pub ledger: PathBuf,
    pub log: PathBuf,
    pub workers: usize,
    /// A database URL other than the SQLite file in `dir` (PostgreSQL).
    pub database: Option<String>,
    /// Extra environment for the child (e.g. `BORA_SHUTDOWN_GRACE_SECS`).
    pub env: Vec<(String, String)>,
    child: Option<Child>,
    /// How long each start took until the port answered.
    pub start_times: Vec<Duration>,
}

impl Server {
    /// A server (not started yet) on a free port with `workers` workers.
    pub fn new(workers: usize) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        Self {
            db: dir.path().join("bora.db"),
            ledger: dir.path().join("ledger.jsonl"),
            log: dir.path().join("server.log"),
            dir,
            port,
            base: format!("http://127.0.0.1:{port}"),
            workers,
            database: None,
            env: Vec::new(),
            child: None,
            start_times: Vec::new(),
        }
    }

    /// Starts the binary and waits (≤ 20 s) until `GET /v2` answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let err = log.try_clone().expect("log file");
        let began = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_bora"))
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--database")
            .arg(
                self.database
                    .clone()
                    .unwrap_or_else(|| format!("sqlite://{}", self.db.display())),
            )
            .arg("--workers")
            .arg(self.workers.to_string())
            .env(
                "RUST_LOG",
                std::env::var("BORA_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            // As deployed: no backtraces unless an operator asks.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env("BORA_TEST_LEDGER", &self.ledger)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .expect("spawn bora");
        self.child = Some(child);
        let deadline = began + Duration::from_secs(20);
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("bora exited at start with {status}:\n{}", self.log_tail());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && Api::new(&self.base).get("/v2").is_ok_and(|(s, _)| s == 200)
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "bora did not start:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.start_times.push(began.elapsed());
    }

    /// Sets (or replaces) an environment variable for the next start.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Drops an environment variable for the next start.
    pub fn clear_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    /// Waits up to `limit` for the child to exit on its own: its status and
    /// the time it took (the child is reaped), or `None`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<(ExitStatus, Duration)> {
        let began = Instant::now();
        while began.elapsed() < limit {
            let done = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = done {
                self.child = None;
                return Some((status, began.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// The child's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends `signal` (`STOP`, `CONT`, ...) to the child.
    pub fn signal(&self, signal: &str) {
        send_signal(self.pid().expect("running"), signal);
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait up to `limit` for the exit: the status and the
    /// time it took, or `None` (and a SIGKILL) if it did not exit in time.
    pub fn term(&mut self, limit: Duration) -> Option<(ExitStatus, Duration)> {
        let mut c = self.child.take()?;
        let began = Instant::now();
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill -TERM failed");
        while began.elapsed() < limit {
            if let Ok(Some(status)) = c.try_wait() {
                return Some((status, began.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
        None
    }

    /// A client for this server.
    pub fn api(&self) -> Api {
        Api::new(&self.base)
    }

    /// The server log so far.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// The last 40 lines of the server log.
    pub fn log_tail(&self) -> String {
        let text = self.log_text();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Every ledger line (unparsable ones, e.g. torn by a kill, are counted).
    pub fn ledger(&self) -> Ledger {
        Ledger::read(&self.ledger)
    }

    /// `PRAGMA integrity_check` and the number of foreign-key violations,
    /// on the database file (call after the server stopped).
    pub fn integrity(&self) -> (String, i64) {
        use diesel::prelude::*;
        use diesel::sql_types::{BigInt, Text};
        let url = self.db.display().to_string();
        let mut conn = diesel::sqlite::SqliteConnection::establish(&url).expect("open db");
        let check: String = diesel::select(diesel::dsl::sql::<Text>(
            "(SELECT group_concat(integrity_check, '; ') FROM pragma_integrity_check())",
        ))
        .get_result(&mut conn)
        .unwrap_or_else(|e| format!("query failed: {e}"));
        let fks: i64 = diesel::select(diesel::dsl::sql::<BigInt>(
            "(SELECT count(*) FROM pragma_foreign_key_check())",
        ))
        .get_result(&mut conn)
        .unwrap_or(-1);
        (check, fks)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("server log tail:\n{}", self.log_tail());
            if let Ok(keep) = std::env::var("BORA_TEST_KEEP_LOGS") {
                let _ = std::fs::write(
                    std::path::Path::new(&keep).join(format!("server-{}.log", self.port)),
                    self.log_text(),
                );
            }
        }
    }
}

/// The side-effect ledger of `test.record`.
#[derive(Debug, Default)]
pub struct Ledger {
    pub lines: Vec<Value>,
    pub torn: usize,
}

impl Ledger {
    pub fn read(path: &std::path::Path) -> Self {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut l = Self::default();
        for line in text.lines().filter(|s| !s.trim().is_empty()) {
            match serde_json::from_str::<Value>(line) {
                Ok(v) => l.lines.push(v),
                Err(_) => l.torn += 1,
            }
        }
        l
    }

    /// Lines of `phase` per task execution id.
    pub fn per_task(&self, phase: &str) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for v in self.lines.iter().filter(|v| v["phase"] == phase) {
            if let Some(t) = v["task_ex_id"].as_str() {
                *m.entry(t.to_string()).or_insert(0) += 1;
            }
        }
        m
    }

    /// Number of lines of `phase`.
    pub fn count(&self, phase: &str) -> usize {
        self.lines.iter().filter(|v| v["phase"] == phase).count()
    }
}

/// A blocking client for the Mistral v2 API.
pub struct Api {
    base: String,
    http: reqwest::blocking::Client,
}

/// A transport error or a status with its body.
pub type Reply = Result<(u16, Value), String>;

impl Api {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("http client"),
        }
    }

    fn reply(r: reqwest::Result<reqwest::blocking::Response>) -> Reply {
        let r = r.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let text = r.text().map_err(|e| e.to_string())?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    pub fn get(&self, path: &str) -> Reply {
        Self::reply(self.http.get(format!("{}{path}", self.base)).send())
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Reply {
        Self::reply(
            self.http
                .post(format!("{}{path}", self.base))
                .json(body)
                .send(),
        )
    }

    pub fn put_json(&self, path: &str, body: &Value) -> Reply {
        Self::reply(
            self.http
                .put(format!("{}{path}", self.base))
                .json(body)
                .send(),
        )
    }

    /// `method path` with a `text/plain` body (a definition).
    pub fn send_text(&self, method: reqwest::Method, path: &str, text: &str) -> Reply {
        Self::reply(
            self.http
                .request(method, format!("{}{path}", self.base))
                .header("content-type", "text/plain")
                .body(text.to_string())
                .send(),
        )
    }

    /// The server's `/metrics` as `name{labels}` → value.
    pub fn metrics(&self) -> HashMap<String, u64> {
        let r = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .and_then(|r| r.text());
        r.unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                Some((k.trim_start_matches("bora_").to_string(), v.parse().ok()?))
            })
            .collect()
    }

    /// One counter of `/metrics` (0 when absent).
    pub fn metric(&self, key: &str) -> u64 {
        self.metrics().get(key).copied().unwrap_or(0)
    }

    /// Uploads a workflow book; panics unless 201.
    pub fn upload(&self, yaml: &str) {
        let r = Self::reply(
            self.http
                .post(format!("{}/v2/workflows", self.base))
                .header("content-type", "text/plain")
                .body(yaml.to_string())
                .send(),
        );
        match r {
            Ok((201, _)) => {}
            other => panic!("workflow upload failed: {other:?}\n{yaml}"),
        }
    }

    /// Starts an execution; its id on a 2xx.
    pub fn create(&self, workflow: &str) -> Result<String, String> {
        match self.post_json("/v2/executions", &json!({ "workflow_name": workflow })) {
            Ok((s, v)) if (200..300).contains(&s) => v["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("no id in {v}")),
            Ok((s, v)) => Err(format!("{s}: {v}")),
            Err(e) => Err(e),
        }
    }

    /// The execution, or `None` on 404 (panics on anything else but a
    /// transport error, which it retries for up to 10 s).
    pub fn execution(&self, id: &str) -> Option<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.get(&format!("/v2/executions/{id}")) {
                Ok((200, v)) => return Some(v),
                Ok((404, _)) => return None,
                other if Instant::now() > deadline => panic!("GET execution {id}: {other:?}"),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Every execution (one page of up to 1000).
    pub fn executions(&self) -> Vec<Value> {
        match self.get("/v2/executions?limit=1000") {
            Ok((200, v)) => v["executions"].as_array().cloned().unwrap_or_default(),
            other => panic!("list executions: {other:?}"),
        }
    }

    /// The tasks of an execution.
    pub fn tasks(&self, exec: &str) -> Vec<Value> {
        match self.get(&format!("/v2/executions/{exec}/tasks")) {
            Ok((200, v)) => v["tasks"].as_array().cloned().unwrap_or_default(),
            other => panic!("list tasks of {exec}: {other:?}"),
        }
    }

    /// The action executions of a task (one per attempt the engine made).
    pub fn action_executions(&self, task: &str) -> Vec<Value> {
        match self.get(&format!("/v2/tasks/{task}/action_executions")) {
            Ok((200, v)) => v["action_executions"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            other => panic!("list action executions of {task}: {other:?}"),
        }
    }

    /// Sets an execution's state (`CANCELLED`, `PAUSED`, `RUNNING`).
    pub fn set_state(&self, exec: &str, state: &str) -> Reply {
        self.put_json(
            &format!("/v2/executions/{exec}"),
            &json!({ "state": state }),
        )
    }

    /// Waits until every one of `ids` is in a terminal state, or `limit`.
    /// Returns the ones still not terminal.
    pub fn wait_terminal(&self, ids: &[String], limit: Duration) -> Vec<String> {
        let deadline = Instant::now() + limit;
        loop {
            let open: Vec<String> = ids
                .iter()
                .filter(|id| {
                    !self
                        .execution(id)
                        .is_some_and(|e| is_terminal(e["state"].as_str().unwrap_or("")))
                })
                .cloned()
                .collect();
            if open.is_empty() || Instant::now() > deadline {
                return open;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Sends `signal` (`STOP`, `CONT`, ...) to process `pid`.
pub fn send_signal(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .is_ok_and(|s| s.success());
    assert!(sent, "kill -{signal} failed");
}

/// Wall-clock milliseconds since the Unix epoch (the ledger's `at_ms`).
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// SUCCESS, ERROR or CANCELLED.
pub fn is_terminal(state: &str) -> bool {
    matches!(state, "SUCCESS" | "ERROR" | "CANCELLED")
}

/// The marker recovery puts in the state_info of an interrupted unsafe task.
pub const INTERRUPTED: &str = "INTERRUPTED_NOT_SAFE";

/// One line per invariant, then `N passed, N failed`.
pub struct Board {
    suite: String,
    passed: usize,
    failed: Vec<String>,
}

impl Board {
    pub fn new(suite: &str) -> Self {
        Self {
            suite: suite.to_string(),
            passed: 0,
            failed: Vec::new(),
        }
    }

    /// Records an invariant.
    pub fn check(&mut self, name: &str, ok: bool, detail: impl std::fmt::Display) {
        let mark = if ok { "PASS" } else { "FAIL" };
        println!("{}: {mark} {name}: {detail}", self.suite);
        if ok {
            self.passed += 1;
        } else {
            self.failed.push(format!("{name}: {detail}"));
        }
    }

    /// A number recorded, not judged.
    pub fn record(&self, name: &str, detail: impl std::fmt::Display) {
        println!("{}: INFO {name}: {detail}", self.suite);
    }

    /// Records the tasks and action executions of up to five of the `open`
    /// executions, as `api` shows them (what a stalled run was waiting on).
    pub fn record_open(&self, api: &Api, open: &[String]) {
        for id in open.iter().take(5) {
            for t in api.tasks(id) {
                let actions: Vec<String> = api
                    .action_executions(t["id"].as_str().unwrap_or_default())
                    .iter()
                    .map(|a| format!("{} {}", a["id"], a["state"]))
                    .collect();
                self.record(
                    &format!("open {id}"),
                    format!("{} {} {actions:?}", t["name"], t["state"]),
                );
            }
        }
    }

    /// Prints the closing line; panics if anything failed.
    pub fn finish(self) {
        println!(
            "{}: {} passed, {} failed",
            self.suite,
            self.passed,
            self.failed.len()
        );
        assert!(
            self.failed.is_empty(),
            "{}: failed invariants:\n{}",
            self.suite,
            self.failed.join("\n")
        );
    }
}

/// A `test.record` task body: ids through expressions, `ms` of sleep.
pub fn record_task(name: &str, ms: u64, safe: bool, next: &[&str], join: bool) -> String {
    let mut s = format!(
        "    {name}:\n      action: test.record\n      safe-rerun: {safe}\n      input:\n        \
         exec: <% execution().id %>\n        task: <% task().id %>\n        ms: {ms}\n"
    );
    if join {
        s.push_str("      join: all\n");
    }
    if !next.is_empty() {
        s.push_str(&format!("      on-success: [{}]\n", next.join(", ")));
    }
    s
}
