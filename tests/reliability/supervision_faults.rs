//! S3, S4 and S5 at T0 size. S3: a failpoint panics inside the engine actor
//! while clients write; the process must exit non-zero within 2 s, no write
//! may be acknowledged and then missing, `/health` must say 503 while the
//! engine does not answer, and after a restart every execution finishes.
//! S4: workers and actions never reach the store or the engine (a source
//! scan: bora is one crate, so `cargo tree` cannot separate them). S5: a
//! burst of creations against a small engine queue and running cap gets
//! only 201 or 429/503 with Retry-After, and every 201 is in the database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Api, Board, Server, record_task};

/// Keeps creating executions of `wf` until `stop`; the ids answered 2xx and
/// every other answer.
fn writer(base: String, wf: &'static str, stop: Arc<AtomicBool>) -> (Vec<String>, Vec<String>) {
    let api = Api::new(&base);
    let (mut acked, mut other) = (Vec::new(), Vec::new());
    while !stop.load(Ordering::SeqCst) {
        match api.create(wf) {
            Ok(id) => acked.push(id),
            Err(e) => {
                other.push(e);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    (acked, other)
}

#[test]
fn s3_engine_panic() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("S3");
    let mut server = Server::new(2);
    // The 31st result panics the engine actor.
    server.set_env(
        "FAILPOINTS",
        "engine.result.before_commit=30*off->panic(s3)",
    );
    server.start();
    let api = server.api();
    api.upload(&format!(
        "version: '2.0'\ns3:\n  tasks:\n{}",
        record_task("a", 20, true, &[], false)
    ));
    let healthy_before = api.get("/health").map(|(s, _)| s);
    board.check(
        "health_200_when_engine_answers",
        healthy_before == Ok(200),
        format!("{healthy_before:?}"),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let last_ok = Arc::new(Mutex::new(Instant::now()));
    let health = {
        let (stop, last_ok, base) = (stop.clone(), last_ok.clone(), server.base.clone());
        std::thread::spawn(move || {
            let api = Api::new(&base);
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let r = api.get("/health").map(|(s, _)| s);
                if r == Ok(200) {
                    *last_ok.lock().unwrap() = Instant::now();
                }
                seen.push(r);
                std::thread::sleep(Duration::from_millis(20));
            }
            seen
        })
    };
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (base, stop) = (server.base.clone(), stop.clone());
            std::thread::spawn(move || writer(base, "s3", stop))
        })
        .collect();
    let exit = server.wait_exit(Duration::from_secs(20));
    let exit_after_healthy = last_ok.lock().unwrap().elapsed();
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    let mut acked = Vec::new();
    let mut refused = Vec::new();
    for w in writers {
        let (a, o) = w.join().expect("writer");
        acked.extend(a);
        refused.extend(o);
    }
    let health_seen = health.join().expect("health poller");
    board.check(
        "process_exits_non_zero",
        exit.as_ref().is_some_and(|(s, _)| !s.success()),
        format!("{:?}", exit.as_ref().map(|(s, _)| s)),
    );
    board.check(
        "exit_within_2s",
        exit.is_some() && exit_after_healthy < Duration::from_secs(2),
        format!(
            "{} ms after the last healthy /health",
            exit_after_healthy.as_millis()
        ),
    );
    let non_200 = health_seen.iter().filter(|r| **r != Ok(200)).count();
    board.record(
        "health_answers",
        format!(
            "{} polls, {non_200} not 200 (refused connections after the exit)",
            health_seen.len()
        ),
    );
    board.record(
        "writes",
        format!(
            "{} acknowledged, {} refused or failed",
            acked.len(),
            refused.len()
        ),
    );

    server.clear_env("FAILPOINTS");
    server.start();
    let api = server.api();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| api.execution(id).is_none())
        .collect();
    board.check(
        "acked_then_lost",
        lost.is_empty(),
        format!("{} {lost:?}", lost.len()),
    );
    let open = api.wait_terminal(&acked, Duration::from_secs(30));
    board.check(
        "all_executions_finish",
        open.is_empty(),
        format!("{} of {} open", open.len(), acked.len()),
    );
    let not_ok = acked
        .iter()
        .filter(|id| api.execution(id).is_none_or(|e| e["state"] != "SUCCESS"))
        .count();
    board.check(
        "all_succeed",
        not_ok == 0,
        format!("{not_ok} not SUCCESS (safe tasks re-run after the crash)"),
    );
    let after = api.get("/health").map(|(s, _)| s);
    board.check(
        "health_200_after_restart",
        after == Ok(200),
        format!("{after:?}"),
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}

/// S3's `/health` half: an engine that does not answer (its thread held 3 s
/// by a `sleep` failpoint) makes `/health` answer 503 with Retry-After
/// within its 1 s budget, and 200 again once the engine is back.
#[test]
fn s3_health_reports_a_stuck_engine() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("S3health");
    let mut server = Server::new(1);
    server.set_env("FAILPOINTS", "engine.result.before_commit=sleep(3000)");
    server.start();
    let api = server.api();
    api.upload("version: '2.0'\ns3h:\n  tasks:\n    a:\n      action: std.noop\n");
    let id = api.create("s3h").expect("create");
    std::thread::sleep(Duration::from_millis(500));
    let began = Instant::now();
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/health", server.base))
        .send();
    let took = began.elapsed();
    let (status, retry_after) = match &r {
        Ok(r) => (r.status().as_u16(), r.headers().contains_key("retry-after")),
        Err(_) => (0, false),
    };
    board.check(
        "health_503_while_engine_stuck",
        status == 503 && retry_after,
        format!("{status} retry-after={retry_after}"),
    );
    board.check(
        "health_answers_within_1_5s",
        took < Duration::from_millis(1500),
        format!("{} ms", took.as_millis()),
    );
    let open = api.wait_terminal(std::slice::from_ref(&id), Duration::from_secs(10));
    board.check("execution_finishes", open.is_empty(), format!("{open:?}"));
    let after = api.get("/health").map(|(s, _)| s);
    board.check("health_200_after", after == Ok(200), format!("{after:?}"));
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}

/// Every `.rs` file under `dir`.
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn s4_workers_have_no_db() {
    let mut board = Board::new("S4");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src/worker", "src/actions"] {
        sources(&root.join(dir), &mut files);
    }
    const FORBIDDEN: [&str; 8] = [
        "crate::store",
        "crate::engine",
        "crate::api",
        "diesel",
        "rusqlite",
        "sqlx",
        "tokio_postgres",
        "libsqlite3",
    ];
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    hits.push(format!("{}:{}: {word}", f.display(), n + 1));
                }
            }
        }
    }
    board.record("files_scanned", files.len());
    board.check(
        "forbidden_uses",
        hits.is_empty(),
        format!("{} {hits:?}", hits.len()),
    );
    board.finish();
}

#[test]
fn s5_backpressure() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("S5");
    const BURST: usize = 5000;
    const THREADS: usize = 8;
    let mut server = Server::new(2);
    server.set_env("BORA_MAX_ENGINE_REQUESTS", "4");
    server.set_env("BORA_MAX_RUNNING_EXECUTIONS", "200");
    server.start();
    let api = server.api();
    api.upload(
        "version: '2.0'\ns5:\n  tasks:\n    a:\n      action: test.sleep\n      input:\n        ms: 300\n",
    );
    let began = Instant::now();
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (base, sampling) = (server.base.clone(), sampling.clone());
        std::thread::spawn(move || {
            let api = Api::new(&base);
            let (mut max, mut samples) = (0, 0);
            while sampling.load(Ordering::SeqCst) {
                max = max.max(api.metric("engine_requests_waiting"));
                samples += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            (max, samples)
        })
    };
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let base = server.base.clone();
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client");
                let mut out = Vec::new();
                for _ in (t..BURST).step_by(THREADS) {
                    let r = http
                        .post(format!("{base}/v2/executions"))
                        .json(&serde_json::json!({"workflow_name": "s5"}))
                        .send();
                    out.push(match r {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let retry = r.headers().contains_key("retry-after");
                            let v: serde_json::Value = r.json().unwrap_or_default();
                            (status, retry, v["id"].as_str().map(str::to_string))
                        }
                        Err(_) => (0, false, None),
                    });
                }
                out
            })
        })
        .collect();
    let replies: Vec<(u16, bool, Option<String>)> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("client thread"))
        .collect();
    let took = began.elapsed();
    sampling.store(false, Ordering::SeqCst);
    let (depth_max, samples) = sampler.join().expect("sampler");
    board.check(
        "engine_queue_within_cap",
        depth_max <= 4,
        format!("max {depth_max} waiting over {samples} samples of /metrics (cap 4)"),
    );
    let mut by_status = std::collections::BTreeMap::new();
    for (s, _, _) in &replies {
        *by_status.entry(*s).or_insert(0usize) += 1;
    }
    board.record(
        "burst",
        format!("{BURST} in {} ms: {by_status:?}", took.as_millis()),
    );
    let bad: Vec<&(u16, bool, Option<String>)> = replies
        .iter()
        .filter(|(s, retry, id)| match s {
            201 => id.is_none(),
            429 | 503 => !retry,
            _ => true,
        })
        .collect();
    board.check(
        "only_201_or_429_503_with_retry_after",
        bad.is_empty(),
        format!("{} bad, first {:?}", bad.len(), bad.first()),
    );
    board.check(
        "no_500",
        !by_status.keys().any(|s| *s >= 500 && *s != 503),
        format!("{by_status:?}"),
    );
    board.check(
        "backpressure_seen",
        by_status.contains_key(&429),
        "some requests got 429 (the engine queue cap of 4 was reached)",
    );
    let rss_kb = server
        .pid()
        .and_then(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .unwrap_or(0);
    board.check(
        "peak_rss_below_512mib",
        rss_kb > 0 && rss_kb < 512 * 1024,
        format!("{} MiB", rss_kb / 1024),
    );
    let acked: Vec<String> = replies.iter().filter_map(|(_, _, id)| id.clone()).collect();
    let open = api.wait_terminal(&acked, Duration::from_secs(60));
    board.check(
        "accepted_finish",
        open.is_empty(),
        format!("{} of {} open", open.len(), acked.len()),
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    // Every 201 is in the database.
    let in_db: std::collections::HashSet<String> = {
        use diesel::prelude::*;
        use diesel::sql_types::Text;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            id: String,
        }
        let mut conn =
            diesel::sqlite::SqliteConnection::establish(&server.db.display().to_string())
                .expect("open db");
        diesel::sql_query("SELECT id FROM workflow_executions")
            .load::<Row>(&mut conn)
            .expect("read ids")
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let lost = acked.iter().filter(|id| !in_db.contains(*id)).count();
    board.check(
        "accepted_then_lost",
        lost == 0,
        format!("{lost} of {} created", acked.len()),
    );
    let terminal_in_api = acked.len() - open.len();
    board.record("terminal", terminal_in_api);
    board.finish();
}
