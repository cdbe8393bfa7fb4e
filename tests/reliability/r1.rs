//! R1 at T0 size: 100 executions of an 11-task workflow (chain of 3, fan-out
//! of 5, `join: all`, chain of 2 whose first task iterates over 4 items
//! two at a time; every action `test.record` with a sleep),
//! half the tasks `safe-rerun`, 10% with `retry: {count: 2, delay: 1}`, while the server is SIGKILLed 5 times at
//! random moments and restarted. Checks I1, I2, I3, I6 and I12.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Api, Board, INTERRUPTED, Rng, Server, is_terminal, record_task};

const EXECUTIONS: usize = 100;
const KILLS: usize = 5;
const VARIANTS: usize = 4;

/// An 11-task workflow; returns its text and which task names are safe.
fn workflow(name: &str, rng: &mut Rng) -> (String, HashMap<String, bool>) {
    let fan = ["f1", "f2", "f3", "f4", "f5"];
    let shape: Vec<(&str, Vec<&str>, bool)> = vec![
        ("a1", vec!["a2"], false),
        ("a2", vec!["a3"], false),
        ("a3", fan.to_vec(), false),
        ("f1", vec!["j"], false),
        ("f2", vec!["j"], false),
        ("f3", vec!["j"], false),
        ("f4", vec!["j"], false),
        ("f5", vec!["j"], false),
        ("j", vec!["z1"], true),
        ("z1", vec!["z2"], false),
        ("z2", vec![], false),
    ];
    let mut text = format!("version: '2.0'\n{name}:\n  tasks:\n");
    let mut safe = HashMap::new();
    for (task, next, join) in shape {
        let s = rng.coin();
        safe.insert(task.to_string(), s);
        text.push_str(&record_task(task, rng.range(10, 200), s, &next, join));
        // 10% retry (count 2): a retry is a new attempt, its own action
        // execution, so the duplicate check counts starts per action execution.
        if rng.range(1, 10) == 1 {
            text.push_str("      retry:\n        count: 2\n        delay: 1\n");
        }
        // z1 iterates: its progress must be rebuilt after each kill.
        if task == "z1" {
            text.push_str("      with-items: i in [1, 2, 3, 4]\n      concurrency: 2\n");
        }
    }
    (text, safe)
}

#[test]
fn r1_kill9_chaos() {
    let _serial = crate::harness::serial();
    let mut rng = Rng::from_env("R1");
    let mut board = Board::new("R1");
    let mut server = Server::new(2);
    server.start();

    let mut safe_of: HashMap<String, HashMap<String, bool>> = HashMap::new();
    let mut names = Vec::new();
    for v in 0..VARIANTS {
        let name = format!("r1_wf_{v}");
        let (text, safe) = workflow(&name, &mut rng);
        server.api().upload(&text);
        safe_of.insert(name.clone(), safe);
        names.push(name);
    }

    // Executions are created while the kills happen; only 2xx ids count.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let gaps: Vec<u64> = (0..EXECUTIONS).map(|_| rng.range(10, 60)).collect();
    let creator = {
        let (acked, base, names) = (acked.clone(), server.base.clone(), names.clone());
        std::thread::spawn(move || {
            let api = Api::new(&base);
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut failures = 0usize;
            for (i, gap) in gaps.into_iter().enumerate() {
                loop {
                    match api.create(&names[i % names.len()]) {
                        Ok(id) => {
                            acked.lock().unwrap_or_else(|p| p.into_inner()).push(id);
                            break;
                        }
                        Err(_) if Instant::now() < deadline => {
                            failures += 1;
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        Err(e) => panic!("could not create an execution in 60 s: {e}"),
                    }
                }
                std::thread::sleep(Duration::from_millis(gap));
            }
            failures
        })
    };

    let mut survived = 0;
    for k in 0..KILLS {
        let wait = rng.range(200, 2000);
        std::thread::sleep(Duration::from_millis(wait));
        server.kill();
        std::thread::sleep(Duration::from_millis(300));
        server.start();
        survived += 1;
        println!("R1: kill {} after {wait} ms; restarted", k + 1);
    }
    let failed_creates = creator.join().expect("creator thread");
    let acked = acked.lock().unwrap_or_else(|p| p.into_inner()).clone();
    board.check(
        "faults_survived",
        survived == KILLS,
        format!("{survived}/{KILLS}"),
    );
    board.record("create_attempts_failed_during_kills", failed_creates);
    board.record(
        "restart_to_api_ms",
        format!(
            "{:?}",
            server
                .start_times
                .iter()
                .map(Duration::as_millis)
                .collect::<Vec<_>>()
        ),
    );

    let api = server.api();
    let began = Instant::now();
    let all_ids: Vec<String> = api
        .executions()
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect();
    let open = api.wait_terminal(&all_ids, Duration::from_secs(60));
    board.record("settle_after_last_restart_ms", began.elapsed().as_millis());

    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| api.execution(id).is_none())
        .collect();
    board.check(
        "acked_executions_lost",
        lost.is_empty() && acked.len() == EXECUTIONS,
        format!("{} of {} acked ({:?})", lost.len(), acked.len(), lost),
    );
    board.check(
        "executions_terminal",
        open.is_empty(),
        format!(
            "{}/{} (open: {open:?})",
            all_ids.len() - open.len(),
            all_ids.len()
        ),
    );

    // Everything the checks need, from the API and the ledger.
    let ledger = server.ledger();
    let starts = ledger.per_task("start");
    let ends = ledger.per_task("end");
    let mut known_tasks = HashSet::new();
    let (mut dup, mut success_no_end, mut stuck, mut safe_unfinished) = (0, 0, 0, 0);
    let (mut unexplained, mut interrupted, mut states) = (Vec::new(), 0, HashMap::new());
    let mut cascaded = 0;
    let mut retried = 0;
    for id in &all_ids {
        let exec = api.execution(id).unwrap_or_default();
        let wf = exec["workflow_name"].as_str().unwrap_or("").to_string();
        *states
            .entry(exec["state"].as_str().unwrap_or("?").to_string())
            .or_insert(0) += 1;
        let tasks = api.tasks(id);
        let mut explained_by_task = false;
        for t in &tasks {
            let tid = t["id"].as_str().unwrap_or("").to_string();
            let name = t["name"].as_str().unwrap_or("");
            let state = t["state"].as_str().unwrap_or("");
            let info = t["state_info"].as_str().unwrap_or("");
            let safe = safe_of
                .get(&wf)
                .and_then(|m| m.get(name))
                .copied()
                .unwrap_or(false);
            known_tasks.insert(tid.clone());
            let n_start = starts.get(&tid).copied().unwrap_or(0);
            if !safe && n_start > 1 {
                let attempts = api.action_executions(&tid).len();
                if n_start > attempts {
                    dup += 1;
                    println!(
                        "R1: unsafe task {wf}.{name} {tid} started {n_start} times \
                         in {attempts} action executions"
                    );
                } else if name != "z1" {
                    // z1 iterates: one start per item is its normal run.
                    retried += 1;
                }
            }
            if state == "SUCCESS" && ends.get(&tid).copied().unwrap_or(0) == 0 {
                success_no_end += 1;
                println!("R1: task {wf}.{name} {tid} SUCCESS without a ledger end");
            }
            if !is_terminal(state) {
                stuck += 1;
                println!("R1: task {wf}.{name} {tid} still {state}");
            }
            // A join fails when an inbound task failed; that is not the
            // safe task's own run being lost.
            if safe && state != "SUCCESS" && !info.starts_with("Failed by tasks:") {
                safe_unfinished += 1;
                println!("R1: safe task {wf}.{name} {tid} is {state}: {info}");
            }
            if state == "ERROR" {
                if info.contains(INTERRUPTED) {
                    interrupted += 1;
                    explained_by_task = true;
                } else if info.starts_with("Failed by tasks:") {
                    // A join whose inbound task failed: explained upstream.
                    cascaded += 1;
                } else {
                    unexplained.push(format!("task {wf}.{name} {tid}: {info}"));
                }
            }
        }
        if exec["state"] == "ERROR" && !explained_by_task {
            unexplained.push(format!("execution {id}: {}", exec["state_info"]));
        }
    }
    let unknown: Vec<&String> = starts
        .keys()
        .filter(|t| !known_tasks.contains(*t))
        .collect();

    board.record("execution_states", format!("{states:?}"));
    board.record(
        "ledger",
        format!(
            "{} starts, {} ends, {} torn lines",
            ledger.count("start"),
            ledger.count("end"),
            ledger.torn
        ),
    );
    board.record("interrupted_not_safe", interrupted);
    board.record("join_errors_caused_by_inbound_errors", cascaded);
    board.check("unsafe_tasks_run_again_by_retry", retried == 0, retried);
    board.check("unsafe_duplicate_starts", dup == 0, dup);
    board.check(
        "success_without_ledger_end",
        success_no_end == 0,
        success_no_end,
    );
    board.check("tasks_stuck", stuck == 0, stuck);
    board.check(
        "safe_tasks_unfinished",
        safe_unfinished == 0,
        safe_unfinished,
    );
    board.check(
        "unexplained_errors",
        unexplained.is_empty(),
        format!("{} {unexplained:?}", unexplained.len()),
    );
    board.check(
        "ledger_tasks_unknown_to_db",
        unknown.is_empty(),
        format!("{} {unknown:?}", unknown.len()),
    );

    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    let log = server.log_text();
    let panics = log.matches("panicked at").count();
    board.check("server_panics", panics == 0, panics);
    let failed_dispatch: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("dispatch failed"))
        .collect();
    board.check(
        "dispatch_failures_logged",
        failed_dispatch.is_empty(),
        format!("{} {:?}", failed_dispatch.len(), failed_dispatch.first()),
    );
    let (check, fks) = server.integrity();
    board.check("integrity_check", check == "ok", &check);
    board.check("foreign_key_check", fks == 0, fks);
    board.finish();
}
