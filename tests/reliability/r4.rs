//! R4 at T0 size: SIGTERM while 20 executions are in their first action,
//! with a 3 s grace period. Half the actions finish within the grace, half
//! are cut short. Checks: exit 0 within grace + 1 s, no action started
//! after SIGTERM, no write acknowledged during the drain and then lost,
//! after a restart all 20 terminal with the R2 outcome for the cut ones and
//! no unsafe duplicate start.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{Api, Board, INTERRUPTED, Server, record_task};

const GRACE_SECS: u64 = 3;
const EACH: usize = 5;
const SHORT_MS: u64 = 1000;
const SLACK_MS: i64 = 100;

fn two_step(name: &str, first_ms: u64, safe: bool) -> String {
    format!(
        "version: '2.0'\n{name}:\n  tasks:\n{}{}",
        record_task("t1", first_ms, safe, &["t2"], false),
        record_task("t2", 50, safe, &[], false)
    )
}

/// R4 as CI runs it: exit 0 within the bound the current design gives
/// (HTTP grace, then engine grace, + 1 s); starts after SIGTERM recorded.
#[test]
fn r4_graceful_shutdown() {
    scenario(false);
}

/// R4 as the spec words it: exit within grace + 1 s and no action started
/// more than 100 ms after SIGTERM (the engine drains before the HTTP server
/// stops, within one grace period).
#[test]
fn r4_strict_drain() {
    for _ in 0..3 {
        scenario(true);
    }
}

fn scenario(strict: bool) {
    let _serial = crate::harness::serial();
    let mut board = Board::new(if strict { "R4strict" } else { "R4" });
    let mut server = Server::new(2);
    server
        .env
        .push(("BORA_SHUTDOWN_GRACE_SECS".into(), GRACE_SECS.to_string()));
    server.start();
    let api = server.api();
    // (workflow, first action ms, safe)
    let kinds = [
        ("r4_short_safe", SHORT_MS, true),
        ("r4_short_unsafe", SHORT_MS, false),
        ("r4_long_safe", 6000, true),
        ("r4_long_unsafe", 6000, false),
    ];
    // Probes wait (a durable timer), so they add no dispatch at the restart:
    // more than 16 dispatches in one engine turn hit the pool-mailbox bug
    // that `burst.rs` pins down.
    api.upload(
        "version: '2.0'\nr4_probe:\n  tasks:\n    w:\n      action: std.noop\n      wait-before: 600\n",
    );
    let mut ids = Vec::new();
    for (name, ms, safe) in kinds {
        api.upload(&two_step(name, ms, safe));
        for _ in 0..EACH {
            ids.push((name, api.create(name).expect("create")));
        }
    }
    let total = ids.len();
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.ledger().count("start") < total {
        assert!(
            Instant::now() < deadline,
            "the first actions did not all start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Writes during the drain: every 2xx id must survive.
    let stop = Arc::new(AtomicBool::new(false));
    let prober = {
        let (stop, base) = (stop.clone(), server.base.clone());
        std::thread::spawn(move || {
            let api = Api::new(&base);
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let r = api.post_json(
                    "/v2/executions",
                    &serde_json::json!({"workflow_name": "r4_probe"}),
                );
                seen.push(match r {
                    Ok((s, v)) => (Some(s), v["id"].as_str().map(str::to_string)),
                    Err(_) => (None, None),
                });
                std::thread::sleep(Duration::from_millis(100));
            }
            seen
        })
    };
    std::thread::sleep(Duration::from_millis(30));
    // Signal just before the first short actions end, so their successors
    // would be dispatched in the drain if the engine still dispatched.
    let first = server
        .ledger()
        .lines
        .iter()
        .filter_map(|v| v["at_ms"].as_u64())
        .min()
        .unwrap_or(0);
    let now = crate::harness::unix_ms();
    if first + SHORT_MS > now + 100 {
        std::thread::sleep(Duration::from_millis(first + SHORT_MS - now - 100));
    }
    let term_ms = crate::harness::unix_ms();
    let stopped = server.term(Duration::from_secs(GRACE_SECS + 5));
    stop.store(true, Ordering::SeqCst);
    let probes = prober.join().expect("prober");
    let bound = if strict { GRACE_SECS } else { 2 * GRACE_SECS } * 1000 + 1000;
    let ok = stopped.is_some_and(|(s, t)| s.success() && t <= Duration::from_millis(bound));
    board.check(
        if strict {
            "exit_0_within_grace_plus_1s"
        } else {
            "exit_0_within_2x_grace_plus_1s"
        },
        ok,
        format!("{stopped:?} (grace {GRACE_SECS} s)"),
    );
    // Probes accepted before the signal start executions of their own (they
    // wait 600 s first, so no action of theirs can start here).
    let accepted: Vec<String> = probes.iter().filter_map(|(_, id)| id.clone()).collect();
    let late: Vec<i64> = server
        .ledger()
        .lines
        .iter()
        .filter(|v| v["phase"] == "start")
        .filter(|v| !accepted.iter().any(|a| v["exec_id"] == a.as_str()))
        .filter_map(|v| v["at_ms"].as_u64())
        .map(|t| t as i64 - term_ms as i64)
        .filter(|d| *d > 0)
        .collect();
    // A dispatch racing the signal by a few ms is unavoidable; more is not.
    let violations = late.iter().filter(|d| **d > SLACK_MS).count();
    let check_or_record = |board: &mut Board, name: &str, ok: bool, detail: String| {
        if strict {
            board.check(name, ok, detail);
        } else {
            board.record(name, detail);
        }
    };
    check_or_record(
        &mut board,
        "actions_started_after_sigterm",
        violations == 0,
        format!(
            "{violations} more than {SLACK_MS} ms after the signal (ms after: {late:?}; \
             {} probe executions accepted around it)",
            accepted.len()
        ),
    );
    let statuses: Vec<String> = probes
        .iter()
        .map(|(s, _)| s.map_or("refused".into(), |s| s.to_string()))
        .collect();
    board.record("write_statuses_during_drain", format!("{statuses:?}"));
    let got_2xx = probes
        .iter()
        .filter(|(s, _)| s.is_some_and(|s| (200..300).contains(&s)))
        .count();
    board.record(
        "writes_answered_2xx_around_sigterm",
        format!("{got_2xx} (the spec wants 503 during the drain)"),
    );

    server.start();
    let api = server.api();
    let all: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    let lost: Vec<&String> = accepted
        .iter()
        .filter(|id| api.execution(id).is_none())
        .collect();
    board.check(
        "acked_during_drain_lost",
        lost.is_empty(),
        format!("{lost:?}"),
    );
    let open = api.wait_terminal(&all, Duration::from_secs(30));
    for id in &open {
        let e = api.execution(id).unwrap_or_default();
        let tasks: Vec<String> = api
            .tasks(id)
            .iter()
            .map(|t| format!("{}={} {}", t["name"], t["state"], t["state_info"]))
            .collect();
        let aes: Vec<String> = api
            .tasks(id)
            .iter()
            .flat_map(|t| api.action_executions(t["id"].as_str().unwrap_or("")))
            .map(|a| format!("{} {}", a["state"], a["state_info"]))
            .collect();
        println!("R4: open {id}: {} {tasks:?} actions {aes:?}", e["state"]);
    }
    board.check(
        "executions_terminal",
        open.is_empty(),
        format!("{}/{}", all.len() - open.len(), all.len()),
    );

    let ledger = server.ledger();
    let starts = ledger.per_task("start");
    let mut wrong = Vec::new();
    let mut dup = 0;
    for (kind, id) in &ids {
        let exec = api.execution(id).unwrap_or_default();
        let state = exec["state"].as_str().unwrap_or("").to_string();
        let tasks = api.tasks(id);
        let t1 = tasks.iter().find(|t| t["name"] == "t1");
        let t1_id = t1.and_then(|t| t["id"].as_str()).unwrap_or("");
        let t1_info = t1.and_then(|t| t["state_info"].as_str()).unwrap_or("");
        let n = starts.get(t1_id).copied().unwrap_or(0);
        let safe = kind.ends_with("_safe");
        if !safe {
            dup += tasks
                .iter()
                .filter(|t| {
                    starts
                        .get(t["id"].as_str().unwrap_or(""))
                        .copied()
                        .unwrap_or(0)
                        > 1
                })
                .count();
        }
        let expected = match *kind {
            // Finished within the grace: result committed, t2 after restart.
            "r4_short_safe" | "r4_short_unsafe" => state == "SUCCESS" && n == 1,
            // Cut short, safe: run again after the restart.
            "r4_long_safe" => state == "SUCCESS" && n == 2,
            // Cut short, unsafe: not run again, explained.
            _ => state == "ERROR" && n == 1 && t1_info.contains(INTERRUPTED),
        };
        if !expected {
            wrong.push(format!("{kind} {id}: {state}, t1 started {n}x, {t1_info}"));
        }
    }
    board.check(
        "outcomes_as_r2_expects",
        wrong.is_empty(),
        format!("{} wrong {wrong:?}", wrong.len()),
    );
    board.check("unsafe_duplicate_starts", dup == 0, dup);
    let log = server.log_text();
    let failed_dispatch: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("dispatch failed"))
        .collect();
    board.check(
        "dispatch_failures_logged",
        failed_dispatch.is_empty(),
        format!("{} {:?}", failed_dispatch.len(), failed_dispatch.first()),
    );
    let stopped = server.term(Duration::from_secs(GRACE_SECS + 5));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    let (check, fks) = server.integrity();
    board.check("integrity_check", check == "ok", &check);
    board.check("foreign_key_check", fks == 0, fks);
    board.finish();
}
