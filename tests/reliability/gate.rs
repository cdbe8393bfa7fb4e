//! G1 and G2 at T0 size: the confirm gate seen over HTTP. A pool of one
//! worker is blocked by `test.block(3 s)` (a blocking sleep holds the
//! worker's thread, so `HandleTask`s queue behind it); 20 executions are
//! started and cancelled (G1) or paused (G2) while they wait. When the pool
//! is free again no cancelled task may run, and paused ones run exactly once
//! after resume. G3 needs the `dispatch.duplicate` failpoint, which the
//! engine does not have yet.

use std::time::{Duration, Instant};

use crate::harness::{Api, Board, Server, record_task};

const N: usize = 20;
const BLOCK_MS: u64 = 3000;

const BLOCKER: &str = "version: '2.0'
g_block:
  tasks:
    hold:
      action: test.block
      input:
        ms: 3000
";

/// A server with one worker, the two workflows, and a blocker running.
fn blocked_pool() -> (Server, String, Instant) {
    let mut server = Server::new(1);
    server.start();
    let api = server.api();
    api.upload(BLOCKER);
    api.upload(&format!(
        "version: '2.0'\ng_rec:\n  tasks:\n{}",
        record_task("rec", 10, false, &[], false)
    ));
    let blocker = api.create("g_block").expect("create blocker");
    let began = Instant::now();
    // The blocker holds the worker once its action execution is RUNNING.
    let deadline = began + Duration::from_secs(2);
    loop {
        let running = api
            .get("/v2/action_executions?workflow_name=g_block")
            .ok()
            .and_then(|(_, v)| v["action_executions"].as_array().cloned())
            .is_some_and(|a| a.iter().any(|ae| ae["state"] == "RUNNING"));
        if running || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, blocker, began)
}

fn start_many(api: &Api) -> Vec<String> {
    (0..N)
        .map(|_| api.create("g_rec").expect("create"))
        .collect()
}

/// The states of the executions, counted.
fn states(api: &Api, ids: &[String]) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for id in ids {
        let s = api
            .execution(id)
            .and_then(|e| e["state"].as_str().map(str::to_string))
            .unwrap_or_else(|| "MISSING".into());
        *m.entry(s).or_insert(0) += 1;
    }
    m
}

#[test]
fn g1_cancel_while_queued() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("G1");
    let (mut server, blocker, began) = blocked_pool();
    let api = server.api();
    let ids = start_many(&api);
    let refused: Vec<String> = ids
        .iter()
        .filter(|id| !api.set_state(id, "CANCELLED").is_ok_and(|(s, _)| s == 200))
        .cloned()
        .collect();
    let setup = began.elapsed();
    board.check(
        "setup_within_block",
        setup < Duration::from_millis(BLOCK_MS),
        format!("{} ms of {BLOCK_MS}", setup.as_millis()),
    );
    board.check(
        "cancel_accepted",
        refused.is_empty(),
        format!("{refused:?}"),
    );
    let open = api.wait_terminal(std::slice::from_ref(&blocker), Duration::from_secs(10));
    board.check("blocker_finished", open.is_empty(), format!("{open:?}"));
    // Give the queued HandleTasks time to reach the engine's gate.
    std::thread::sleep(Duration::from_millis(1000));
    let st = states(&api, &ids);
    board.check(
        "executions_cancelled",
        st.get("CANCELLED") == Some(&N),
        format!("{st:?}"),
    );
    let starts = server.ledger().count("start");
    board.check("ledger_starts", starts == 0, starts);
    let ran: usize = ids
        .iter()
        .flat_map(|id| api.tasks(id))
        .filter(|t| t["state"] == "SUCCESS")
        .count();
    board.check("tasks_succeeded_after_cancel", ran == 0, ran);
    board.record(
        "confirm_refused_not_running",
        "not observable over HTTP (no metrics endpoint yet)",
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}

#[test]
fn g2_pause_while_queued_then_resume() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("G2");
    let (mut server, blocker, began) = blocked_pool();
    let api = server.api();
    let ids = start_many(&api);
    let refused: Vec<String> = ids
        .iter()
        .filter(|id| !api.set_state(id, "PAUSED").is_ok_and(|(s, _)| s == 200))
        .cloned()
        .collect();
    let setup = began.elapsed();
    board.check(
        "setup_within_block",
        setup < Duration::from_millis(BLOCK_MS),
        format!("{} ms of {BLOCK_MS}", setup.as_millis()),
    );
    board.check("pause_accepted", refused.is_empty(), format!("{refused:?}"));
    let open = api.wait_terminal(std::slice::from_ref(&blocker), Duration::from_secs(10));
    board.check("blocker_finished", open.is_empty(), format!("{open:?}"));
    std::thread::sleep(Duration::from_millis(1000));
    let st = states(&api, &ids);
    board.check(
        "executions_paused",
        st.get("PAUSED") == Some(&N),
        format!("{st:?}"),
    );
    let starts = server.ledger().count("start");
    board.check("runs_while_paused", starts == 0, starts);

    let refused: Vec<String> = ids
        .iter()
        .filter(|id| !api.set_state(id, "RUNNING").is_ok_and(|(s, _)| s == 200))
        .cloned()
        .collect();
    board.check(
        "resume_accepted",
        refused.is_empty(),
        format!("{refused:?}"),
    );
    let open = api.wait_terminal(&ids, Duration::from_secs(20));
    let st = states(&api, &ids);
    board.check(
        "executions_succeeded",
        open.is_empty() && st.get("SUCCESS") == Some(&N),
        format!("{st:?}"),
    );
    let ledger = server.ledger();
    let per_task = ledger.per_task("start");
    let twice = per_task.values().filter(|n| **n > 1).count();
    board.check(
        "each_task_ran_once",
        ledger.count("start") == N && twice == 0,
        format!("{} starts, {twice} tasks twice", ledger.count("start")),
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    board.finish();
}
