//! G3, G4 and G5 at T0 size: the confirm gate under injected faults. G3
//! turns on `dispatch.duplicate` (every `HandleTask` sent twice), G5
//! `confirm.busy(3)` (each confirmation answered "busy" three times before
//! the engine rules on it); G4 lets a blocking action outlive its
//! `timeout: 1`, so its result arrives after the task already failed.
//! Counters come from the server's `/metrics`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::harness::{Api, Board, Server, record_task};

/// A workflow of `width` parallel `test.record` tasks of `ms` each.
fn wide(name: &str, width: usize, ms: u64) -> String {
    let mut y = format!("version: '2.0'\n{name}:\n  tasks:\n");
    for i in 0..width {
        y.push_str(&record_task(&format!("t{i}"), ms, false, &[], false));
    }
    y
}

fn states(api: &Api, ids: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for id in ids {
        let s = api
            .execution(id)
            .and_then(|e| e["state"].as_str().map(str::to_string))
            .unwrap_or_else(|| "MISSING".into());
        *m.entry(s).or_insert(0) += 1;
    }
    m
}

/// Runs `execs` executions of `width` record tasks under `failpoints`; the
/// board gets the common checks, the server is returned for more.
fn run_wide(
    board: &mut Board,
    failpoints: &str,
    execs: usize,
    width: usize,
    ms: u64,
) -> (Server, Duration) {
    let mut server = Server::new(2);
    server.set_env("FAILPOINTS", failpoints);
    server.start();
    let api = server.api();
    api.upload(&wide("g_wide", width, ms));
    let began = Instant::now();
    let ids: Vec<String> = (0..execs)
        .map(|_| api.create("g_wide").expect("create"))
        .collect();
    let open = api.wait_terminal(&ids, Duration::from_secs(90));
    let took = began.elapsed();
    let st = states(&api, &ids);
    board.check(
        "executions_success",
        open.is_empty() && st.get("SUCCESS") == Some(&execs),
        format!("{st:?}"),
    );
    let tasks = execs * width;
    let ledger = server.ledger();
    let per_task = ledger.per_task("start");
    let twice = per_task.values().filter(|n| **n > 1).count();
    board.check(
        "ledger_starts",
        ledger.count("start") == tasks && per_task.len() == tasks && twice == 0,
        format!(
            "{} starts for {} of {tasks} tasks, {twice} tasks started twice",
            ledger.count("start"),
            per_task.len()
        ),
    );
    (server, took)
}

#[test]
fn g3_duplicate_delivery() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("G3");
    const EXECS: usize = 100;
    const WIDTH: usize = 10;
    let (mut server, took) = run_wide(
        &mut board,
        "dispatch.duplicate=duplicate",
        EXECS,
        WIDTH,
        100,
    );
    let api = server.api();
    let not_idle = api.metric("confirm_refused_total{reason=\"not_idle\"}");
    let not_running = api.metric("confirm_refused_total{reason=\"not_running\"}");
    // A duplicate that arrives after its execution finished and left the
    // engine's memory is refused as not_running: each is refused once.
    board.check(
        "duplicates_refused",
        not_idle + not_running == (EXECS * WIDTH) as u64,
        format!(
            "{} of {}: not_idle {not_idle}, not_running {not_running}",
            not_idle + not_running,
            EXECS * WIDTH
        ),
    );
    board.record("confirm_refused_not_idle", not_idle);
    board.record("elapsed", format!("{} ms", took.as_millis()));
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}

#[test]
fn g5_transient_confirm_failure() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("G5");
    const EXECS: usize = 20;
    const WIDTH: usize = 10;
    let (mut server, took) = run_wide(&mut board, "confirm.busy=busy(3)", EXECS, WIDTH, 10);
    let api = server.api();
    let busy = api.metric("confirm_busy_total");
    board.check(
        "busy_answers",
        busy == 3 * (EXECS * WIDTH) as u64,
        format!("{busy} (3 per task)"),
    );
    // Backoff 10 + 20 + 40 ms: everything ends well within 10 s.
    board.check(
        "finished_within_10s",
        took < Duration::from_secs(10),
        format!("{} ms", took.as_millis()),
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}

/// G4: `test.block(2000)` under `timeout: 1`; the engine fails the task at
/// 1 s, the worker's result comes at 2 s and must be dropped; the
/// `on-error` successor runs once. (The cancel variant needs a cooperative
/// `test.wait_cancel` action, which does not exist yet.)
#[test]
fn g4_late_result_after_timeout() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("G4");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    api.upload(&format!(
        "version: '2.0'
g4:
  tasks:
    slow:
      action: test.block
      input:
        ms: 2000
      timeout: 1
      on-error: [after]
{}",
        record_task("after", 10, false, &[], false)
    ));
    let dropped_before = api.metric("late_results_dropped_total");
    let began = Instant::now();
    let id = api.create("g4").expect("create");
    // Poll the slow task until it is ERROR.
    let mut errored_at = None;
    while began.elapsed() < Duration::from_secs(5) {
        let slow = api.tasks(&id).into_iter().find(|t| t["name"] == "slow");
        if slow.is_some_and(|t| t["state"] == "ERROR") {
            errored_at = Some(began.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    board.check(
        "timeout_at_1s",
        errored_at
            .is_some_and(|t| t >= Duration::from_millis(900) && t <= Duration::from_millis(1200)),
        format!("{errored_at:?} (1 s ± 10%, plus polling and request time)"),
    );
    // Let the blocked action return and its late result reach the engine.
    std::thread::sleep(Duration::from_millis(1800));
    let open = api.wait_terminal(std::slice::from_ref(&id), Duration::from_secs(10));
    board.check("execution_terminal", open.is_empty(), format!("{open:?}"));
    let tasks = api.tasks(&id);
    let slow = tasks.iter().find(|t| t["name"] == "slow");
    board.check(
        "task_error_timeout",
        slow.is_some_and(|t| {
            t["state"] == "ERROR"
                && t["state_info"]
                    .as_str()
                    .is_some_and(|s| s.contains("timed out"))
        }),
        format!("{:?}", slow.map(|t| (&t["state"], &t["state_info"]))),
    );
    let dropped = api.metric("late_results_dropped_total") - dropped_before;
    board.check("late_results_dropped", dropped >= 1, dropped);
    let after = tasks.iter().filter(|t| t["name"] == "after").count();
    let starts = server.ledger().count("start");
    board.check(
        "successor_once",
        after == 1 && starts == 1,
        format!("{after} task executions, {starts} ledger starts"),
    );
    board.record(
        "audit_rows_from_terminal",
        "no state-transition audit table yet; the slow task is checked to stay ERROR after its late result",
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}
