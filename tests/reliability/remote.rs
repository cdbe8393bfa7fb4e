//! Remote workers over RabbitMQ, as processes: `bora serve --broker …
//! --no-local-workers` and `bora worker` processes run executions to the
//! end; a worker SIGKILLed mid-run costs no execution and runs no unsafe
//! action twice; the broker connection cut and restored (through a
//! loopback proxy the test owns) loses no task; a task's `target` reaches
//! only the workers of that group. Run only when `BORA_TEST_AMQP_URL`
//! names a broker (`BORA_TEST_REQUIRE_AMQP=1` makes its absence a failure).

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Board, INTERRUPTED, Ledger, Server, serial};
use crate::proxy::{Proxy, through_proxy};

/// The broker under test, or `None` (the test is skipped).
pub(super) fn amqp_url() -> Option<String> {
    match std::env::var("BORA_TEST_AMQP_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("BORA_TEST_REQUIRE_AMQP").as_deref() != Ok("1"),
                "BORA_TEST_REQUIRE_AMQP=1 but BORA_TEST_AMQP_URL is not set"
            );
            eprintln!("skipped: BORA_TEST_AMQP_URL is not set");
            None
        }
    }
}

/// A queue prefix of this run alone.
pub(super) fn prefix(test: &str) -> String {
    format!(
        "t{}-{test}-{}",
        std::process::id(),
        super::harness::unix_ms()
    )
}

/// Timings short enough for a test: a lost worker is noticed in 3 s.
pub(super) const TIMINGS: &[(&str, &str)] = &[
    ("BORA_BROKER_HEARTBEAT_MS", "300"),
    ("BORA_BROKER_LEASE_MS", "3000"),
    ("BORA_BROKER_CONFIRM_TIMEOUT_MS", "2000"),
];

/// A `bora serve` node that runs no workers, on `port`, through `url`.
fn node(port: u16, url: &str, prefix: &str) -> Server {
    let mut s = Server::new(1);
    s.port = port;
    s.base = format!("http://127.0.0.1:{port}");
    s.set_env("BORA_BROKER_URL", url);
    s.set_env("BORA_BROKER_PREFIX", prefix);
    s.set_env("BORA_LOCAL_WORKERS", "false");
    for (k, v) in TIMINGS {
        s.set_env(k, v);
    }
    s
}

/// A `bora worker` process with its own ledger and log.
pub(super) struct Worker {
    child: Option<Child>,
    ledger: PathBuf,
    log: PathBuf,
}

impl Worker {
    pub(super) fn start(dir: &Path, name: &str, url: &str, prefix: &str, targets: &[&str]) -> Self {
        Self::start_with(dir, name, url, prefix, targets, &[])
    }

    /// [`Worker::start`] with more environment (`envs`).
    pub(super) fn start_with(
        dir: &Path,
        name: &str,
        url: &str,
        prefix: &str,
        targets: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        let ledger = dir.join(format!("ledger-{name}.jsonl"));
        let log = dir.join(format!("worker-{name}.log"));
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bora"));
        cmd.args(["worker", "--workers", "2", "--broker", url])
            .args(targets.iter().flat_map(|t| ["--target", t]))
            .env(
                "RUST_LOG",
                std::env::var("BORA_TEST_WORKER_LOG").unwrap_or_else(|_| "info".into()),
            )
            .env("BORA_BROKER_PREFIX", prefix)
            .env("BORA_TEST_LEDGER", &ledger)
            .envs(TIMINGS.iter().copied())
            .envs(envs.iter().copied())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        let child = cmd.spawn().unwrap();
        Self {
            child: Some(child),
            ledger,
            log,
        }
    }

    pub(super) fn ledger(&self) -> Ledger {
        Ledger::read(&self.ledger)
    }

    pub(super) fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends `signal` (`STOP`, `CONT`, ...) to the worker process.
    pub(super) fn signal(&self, signal: &str) {
        crate::harness::send_signal(self.child.as_ref().expect("running").id(), signal);
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let text = self.log_text();
            let lines: Vec<&str> = text.lines().filter(|l| !l.contains("lapin")).collect();
            let tail = &lines[lines.len().saturating_sub(30)..];
            eprintln!(
                "worker log tail ({}):\n{}",
                self.log.display(),
                tail.join("\n")
            );
            if let Ok(keep) = std::env::var("BORA_TEST_KEEP_LOGS") {
                let name = self.log.file_name().unwrap_or_default();
                let _ = std::fs::copy(&self.log, Path::new(&keep).join(name));
            }
        }
    }
}

/// Start lines per task execution over all the ledgers.
fn starts(ledgers: &[Ledger]) -> HashMap<String, usize> {
    let mut all = HashMap::new();
    for l in ledgers {
        for (task, n) in l.per_task("start") {
            *all.entry(task).or_insert(0) += n;
        }
    }
    all
}

/// A workflow of one `test.record` task of `ms`, safe to run again or not.
fn one_task(name: &str, ms: u64, safe: bool, target: Option<&str>) -> String {
    let target = target.map_or(String::new(), |t| format!("      target: {t}\n"));
    format!(
        "version: '2.0'\n{name}:\n  tasks:\n    t:\n      action: test.record\n      \
         safe-rerun: {safe}\n{target}      input:\n        exec: <% execution().id %>\n        \
         task: <% task().id %>\n        ms: {ms}\n"
    )
}

/// What must hold once executions `ids` are left to end on `api` within
/// `limit`: all terminal, all SUCCESS, `tasks` task executions started
/// in the workers' ledgers, none twice. Returns when the wait ended.
fn check_each_ran_once(
    board: &mut Board,
    api: &crate::harness::Api,
    limit: Duration,
    ids: &[String],
    workers: &[Worker],
    tasks: usize,
) -> Instant {
    let open = api.wait_terminal(ids, limit);
    let ended = Instant::now();
    board.check(
        "all terminal",
        open.is_empty(),
        format!("{} open", open.len()),
    );
    board.record_open(api, &open);
    let success = ids
        .iter()
        .filter(|id| api.execution(id).is_some_and(|e| e["state"] == "SUCCESS"))
        .count();
    board.check(
        "all SUCCESS",
        success == ids.len(),
        format!("{success}/{}", ids.len()),
    );
    let ledgers: Vec<Ledger> = workers.iter().map(Worker::ledger).collect();
    let starts = starts(&ledgers);
    let twice = starts.values().filter(|n| **n > 1).count();
    board.check(
        &format!("{tasks} tasks started"),
        starts.len() == tasks,
        starts.len(),
    );
    board.check("no task started twice", twice == 0, twice);
    ended
}

fn create_many(server: &Server, workflow: &str, n: usize) -> Vec<String> {
    let api = server.api();
    (0..n)
        .map(|_| api.create(workflow).expect("execution created"))
        .collect()
}

/// Every execution SUCCESS, and every task started exactly once.
#[test]
fn remote_workers_run_many_executions() {
    let Some(url) = amqp_url() else { return };
    let _guard = serial();
    let mut board = Board::new("remote_many");
    let prefix = prefix("many");
    let mut server = node(19130, &url, &prefix);
    server.start();
    let dir = server.dir.path().to_path_buf();
    let workers = [
        Worker::start(&dir, "a", &url, &prefix, &[]),
        Worker::start(&dir, "b", &url, &prefix, &[]),
    ];
    let api = server.api();
    let chain = format!(
        "version: '2.0'\nchain:\n  tasks:\n{}{}{}",
        crate::harness::record_task("t1", 5, false, &["t2", "t3"], false),
        crate::harness::record_task("t2", 5, false, &[], false),
        crate::harness::record_task("t3", 5, false, &[], false),
    );
    api.upload(&chain);
    let began = Instant::now();
    let ids = create_many(&server, "chain", 200);
    let open = api.wait_terminal(&ids, Duration::from_secs(120));
    board.record(
        "seconds for 200 executions (600 tasks)",
        began.elapsed().as_secs_f64(),
    );
    board.check(
        "all terminal",
        open.is_empty(),
        format!("{} open", open.len()),
    );
    let success = ids
        .iter()
        .filter(|id| api.execution(id).is_some_and(|e| e["state"] == "SUCCESS"))
        .count();
    board.check(
        "all SUCCESS",
        success == ids.len(),
        format!("{success}/{}", ids.len()),
    );
    let ledgers: Vec<Ledger> = workers.iter().map(Worker::ledger).collect();
    let starts = starts(&ledgers);
    let twice = starts.values().filter(|n| **n > 1).count();
    board.check("600 tasks started", starts.len() == 600, starts.len());
    board.check("no task started twice", twice == 0, twice);
    let both = ledgers.iter().filter(|l| l.count("start") > 0).count();
    board.check("both workers ran tasks", both == 2, both);
    let m = api.metrics();
    let round_trips = m
        .get("broker_confirm_round_trips_total")
        .copied()
        .unwrap_or(0);
    board.check(
        "confirms went over the broker",
        round_trips >= 600,
        round_trips,
    );
    board.check(
        "the node is connected",
        m.get("broker_connected") == Some(&1),
        format!("{:?}", m.get("broker_connected")),
    );
    board.finish();
}

/// A worker SIGKILLed while it runs actions: every execution terminal,
/// safe-rerun ones SUCCESS, unsafe ones it had confirmed ERROR as
/// interrupted, and no unsafe action run twice.
#[test]
fn remote_worker_killed_mid_run() {
    let Some(url) = amqp_url() else { return };
    let _guard = serial();
    let mut board = Board::new("remote_kill9");
    let prefix = prefix("kill");
    let mut server = node(19131, &url, &prefix);
    server.start();
    let dir = server.dir.path().to_path_buf();
    let mut victim = Worker::start(&dir, "victim", &url, &prefix, &[]);
    std::thread::sleep(Duration::from_millis(500));
    let survivor = Worker::start(&dir, "survivor", &url, &prefix, &[]);
    let api = server.api();
    api.upload(&one_task("safe", 1500, true, None));
    api.upload(&one_task("unsafe", 1500, false, None));
    let mut ids = create_many(&server, "safe", 30);
    let unsafe_ids = create_many(&server, "unsafe", 30);
    ids.extend(unsafe_ids.iter().cloned());
    std::thread::sleep(Duration::from_millis(800));
    let victim_started = victim.ledger().count("start");
    victim.kill();
    board.record("actions the victim had started", victim_started);
    board.check(
        "the victim was running actions",
        victim_started > 0,
        victim_started,
    );
    let open = api.wait_terminal(&ids, Duration::from_secs(60));
    board.check(
        "all terminal",
        open.is_empty(),
        format!("{} open", open.len()),
    );
    let ledgers = [victim.ledger(), survivor.ledger()];
    let starts = starts(&ledgers);
    let mut unsafe_twice = 0;
    let mut interrupted = 0;
    let mut wrong = Vec::new();
    for id in &ids {
        let safe = !unsafe_ids.contains(id);
        let state = api
            .execution(id)
            .map(|e| e["state"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        for t in api.tasks(id) {
            let task = t["id"].as_str().unwrap_or("").to_string();
            let n = starts.get(&task).copied().unwrap_or(0);
            if !safe && n > 1 {
                unsafe_twice += 1;
            }
            let info = t["state_info"].as_str().unwrap_or("");
            if info.contains(INTERRUPTED) {
                interrupted += 1;
            }
            let ok = match (safe, state.as_str()) {
                (true, "SUCCESS") => n >= 1,
                (false, "SUCCESS") => n == 1,
                (false, "ERROR") => info.contains(INTERRUPTED) && n <= 1,
                _ => false,
            };
            if !ok {
                wrong.push(format!("{id} safe={safe} {state} starts={n} {info}"));
            }
        }
    }
    board.check(
        "no unsafe action ran twice",
        unsafe_twice == 0,
        unsafe_twice,
    );
    board.check(
        "outcomes as a crash gives them",
        wrong.is_empty(),
        format!("{wrong:?}"),
    );
    board.record("unsafe tasks failed as interrupted", interrupted);
    let lost = api.metric("broker_workers_lost_total");
    board.check("the lost worker was noticed", lost >= 1, lost);
    board.check(
        "the survivor logged no error",
        !survivor.log_text().contains("ERROR"),
        "log",
    );
    board.finish();
}

/// Waits until the node says it is connected to its broker: how long it
/// took, or `None` past `limit`.
fn wait_connected(api: &crate::harness::Api, limit: Duration) -> Option<Duration> {
    let began = Instant::now();
    while began.elapsed() < limit {
        if api.metrics().get("broker_connected") == Some(&1) {
            return Some(began.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// The broker connection of the node and both workers cut for 3 s, twice
/// (the second time once the node is connected again), while 100
/// executions run: every task runs exactly once and every execution ends
/// SUCCESS.
#[test]
fn broker_connection_loss_loses_no_task() {
    let Some(url) = amqp_url() else { return };
    let _guard = serial();
    let mut board = Board::new("remote_broker_drop");
    let prefix = prefix("drop");
    let (proxied, target) = through_proxy(&url, 19140, 5672);
    let proxy = Proxy::start(19140, target);
    let mut server = node(19132, &proxied, &prefix);
    server.start();
    let dir = server.dir.path().to_path_buf();
    let workers = [
        Worker::start(&dir, "a", &proxied, &prefix, &[]),
        Worker::start(&dir, "b", &proxied, &prefix, &[]),
    ];
    let api = server.api();
    let chain = format!(
        "version: '2.0'\nchain:\n  tasks:\n{}{}",
        crate::harness::record_task("t1", 200, false, &["t2"], false),
        crate::harness::record_task("t2", 200, false, &[], false),
    );
    api.upload(&chain);
    let mut ids = create_many(&server, "chain", 50);
    std::thread::sleep(Duration::from_millis(500));
    let connected = wait_connected(&api, Duration::from_secs(20));
    board.check("connected before the first cut", connected.is_some(), "");
    proxy.cut();
    // Created while the broker is unreachable: their tasks wait in the
    // node's outbox.
    ids.extend(create_many(&server, "chain", 25));
    std::thread::sleep(Duration::from_secs(3));
    proxy.restore();
    // The node connects again on its own backoff (up to 5 s between
    // tries): the second cut waits for that, so that it cuts a live
    // connection again rather than one still being retried.
    let back = wait_connected(&api, Duration::from_secs(20));
    board.check(
        "connected again after the first cut",
        back.is_some(),
        format!("{back:?}"),
    );
    if let Some(after) = back {
        board.record(
            "seconds to reconnect after the first cut",
            after.as_secs_f64(),
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    proxy.cut();
    ids.extend(create_many(&server, "chain", 25));
    std::thread::sleep(Duration::from_secs(3));
    proxy.restore();
    check_each_ran_once(
        &mut board,
        &api,
        Duration::from_secs(90),
        &ids,
        &workers,
        200,
    );
    let reconnects = api.metric("broker_reconnects_total");
    board.check("the node reconnected", reconnects >= 2, reconnects);
    board.finish();
}

/// A task whose `target` is `gpu` runs only on a worker started with
/// `--target gpu`; one whose target no worker serves waits for one.
#[test]
fn target_routes_to_named_workers() {
    let Some(url) = amqp_url() else { return };
    let _guard = serial();
    let mut board = Board::new("remote_target");
    let prefix = prefix("target");
    let mut server = node(19133, &url, &prefix);
    server.start();
    let dir = server.dir.path().to_path_buf();
    let plain = Worker::start(&dir, "plain", &url, &prefix, &[]);
    let gpu = Worker::start(&dir, "gpu", &url, &prefix, &["gpu"]);
    let api = server.api();
    api.upload(&one_task("on_gpu", 0, false, Some("gpu")));
    api.upload(&one_task("on_any", 0, false, None));
    api.upload(
        &one_task("on_tpu", 0, false, Some("<% $.where %>"))
            .replace("on_tpu:\n", "on_tpu:\n  input: [where]\n"),
    );
    let gpu_ids = create_many(&server, "on_gpu", 20);
    let any_ids = create_many(&server, "on_any", 20);
    let open = api.wait_terminal(
        &[gpu_ids.clone(), any_ids].concat(),
        Duration::from_secs(60),
    );
    board.check(
        "all terminal",
        open.is_empty(),
        format!("{} open", open.len()),
    );
    let gpu_tasks: Vec<String> = gpu_ids
        .iter()
        .flat_map(|id| api.tasks(id))
        .filter_map(|t| t["id"].as_str().map(str::to_string))
        .collect();
    let on_plain = plain.ledger().per_task("start");
    let on_gpu = gpu.ledger().per_task("start");
    let misrouted = gpu_tasks
        .iter()
        .filter(|t| on_plain.contains_key(*t))
        .count();
    let routed = gpu_tasks.iter().filter(|t| on_gpu.contains_key(*t)).count();
    board.check("gpu tasks ran on the gpu worker", routed == 20, routed);
    board.check("none on the plain worker", misrouted == 0, misrouted);
    // An evaluated target no worker serves yet: the task waits, then runs
    // when such a worker comes.
    let tpu = api
        .post_json(
            "/v2/executions",
            &json!({"workflow_name": "on_tpu", "input": {"where": "tpu"}}),
        )
        .unwrap();
    let tpu_id = tpu.1["id"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_secs(2));
    let state = api.execution(&tpu_id).unwrap()["state"].clone();
    board.check("waits without a tpu worker", state == "RUNNING", &state);
    let tpu_worker = Worker::start(&dir, "tpu", &url, &prefix, &["tpu"]);
    let open = api.wait_terminal(std::slice::from_ref(&tpu_id), Duration::from_secs(30));
    let state = api.execution(&tpu_id).unwrap()["state"].clone();
    board.check(
        "runs once a tpu worker comes",
        open.is_empty() && state == "SUCCESS",
        &state,
    );
    board.check(
        "on the tpu worker",
        tpu_worker.ledger().count("start") == 1,
        tpu_worker.ledger().count("start"),
    );
    board.finish();
}

/// M5, broker faults: the node sends about 5 % of its tasks twice
/// (`dispatch.duplicate`), worker `a` loses about 5 % of the tasks it is
/// given (acknowledged, never run: a message the broker lost) and worker
/// `b` holds about 10 % back for 2 s (later ones overtake them); the
/// dispatch timeout is 2 s. 100 executions of 2 unsafe tasks: every task
/// runs exactly once, every execution ends SUCCESS, and the lost tasks are
/// sent again once the timeout has passed.
#[test]
fn broker_faults_lose_and_double_no_task() {
    let Some(url) = amqp_url() else { return };
    let _guard = serial();
    let mut board = Board::new("remote_m5");
    let prefix = prefix("m5");
    let mut server = node(19137, &url, &prefix);
    server.set_env("FAILPOINTS", "dispatch.duplicate=5%duplicate");
    server.set_env("BORA_BROKER_DISPATCH_TIMEOUT_MS", "2000");
    server.start();
    let dir = server.dir.path().to_path_buf();
    let workers = [
        Worker::start_with(
            &dir,
            "a",
            &url,
            &prefix,
            &[],
            &[("FAILPOINTS", "worker.broker.task=5%return")],
        ),
        Worker::start_with(
            &dir,
            "b",
            &url,
            &prefix,
            &[],
            &[("FAILPOINTS", "worker.broker.task=10%sleep(2000)")],
        ),
    ];
    let api = server.api();
    let chain = format!(
        "version: '2.0'\nfaults:\n  tasks:\n{}{}",
        crate::harness::record_task("t1", 20, false, &["t2"], false),
        crate::harness::record_task("t2", 20, false, &[], false),
    );
    api.upload(&chain);
    let began = Instant::now();
    let ids = create_many(&server, "faults", 100);
    let ended = check_each_ran_once(
        &mut board,
        &api,
        Duration::from_secs(120),
        &ids,
        &workers,
        200,
    );
    board.record(
        "seconds for 100 executions",
        ended.duration_since(began).as_secs_f64(),
    );
    let m = api.metrics();
    let untaken = m
        .get("broker_dispatches_untaken_total")
        .copied()
        .unwrap_or(0);
    board.record("dispatches sent again after the timeout", untaken);
    board.check("lost tasks were sent again", untaken > 0, untaken);
    let refused: u64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("confirm_refused_total"))
        .map(|(_, v)| *v)
        .sum();
    board.record("confirmations refused (duplicates, stale copies)", refused);
    board.check("duplicates were refused", refused > 0, refused);
    board.finish();
}
