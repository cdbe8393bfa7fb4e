//! R2 at T0 size: a crash (`abort` through a failpoint) at each of the eight
//! named crash points, × `safe-rerun` true/false; the server is restarted
//! without the failpoint and the outcome is compared with RELIABILITY.md
//! §3.1's table. Prints the 16 cells and `N/16 match`.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Board, INTERRUPTED, Server, record_task};

/// What a cell expects after the restart.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Execution SUCCESS, the watched task started `n` times (ledger).
    Success(usize),
    /// The watched task ERROR `INTERRUPTED_NOT_SAFE`, started `n` times.
    Interrupted(usize),
}

struct Cell {
    point: &'static str,
    /// The `FAILPOINTS` term (`abort`, or a count first).
    term: &'static str,
    /// The workflow, given the watched task's safe-rerun.
    yaml: fn(bool) -> String,
    /// The task whose runs are counted.
    watched: &'static str,
    unsafe_: Expect,
    safe: Expect,
}

fn one(safe: bool) -> String {
    format!(
        "version: '2.0'\nr2:\n  tasks:\n{}",
        record_task("a", 50, safe, &[], false)
    )
}

/// `a` then `b`, beside a sleeper `c` that holds the only worker slot
/// (`worker_capacity` 1) while `b` is recorded: `b` is still IDLE when the
/// commit that records it is done. (Without the sleeper the worker's
/// confirmation of `b` usually shares that commit, and the crash becomes
/// `engine.confirm.after_commit_before_reply`.) The sleeper is declared
/// first: start tasks are dispatched in reverse, as on Mistral, so `a`
/// takes the slot first and `c` holds it from when `a` ends.
fn chain(safe: bool) -> String {
    format!(
        "version: '2.0'\nr2:\n  tasks:\n{}{}{}",
        record_task("c", 2000, true, &[], false),
        record_task("a", 50, safe, &["b"], false),
        record_task("b", 50, safe, &[], false)
    )
}

fn waiting(safe: bool) -> String {
    format!("{}      wait-before: 1\n", one(safe))
}

/// Two safe branches into a join task with the cell's safe-rerun: the crash
/// in the join's evaluation loses the branch result that triggered it, which
/// only a safe branch survives (the join task is the one watched).
fn join(safe: bool) -> String {
    format!(
        "version: '2.0'\nr2:\n  tasks:\n{}{}{}",
        record_task("b1", 50, true, &["j"], false),
        record_task("b2", 150, true, &["j"], false),
        record_task("j", 50, safe, &[], true)
    )
}

const CELLS: [Cell; 8] = [
    Cell {
        point: "engine.confirm.before_commit",
        term: "abort",
        yaml: one,
        watched: "a",
        unsafe_: Expect::Success(1),
        safe: Expect::Success(1),
    },
    Cell {
        point: "engine.confirm.after_commit_before_reply",
        term: "abort",
        yaml: one,
        watched: "a",
        unsafe_: Expect::Interrupted(0),
        safe: Expect::Success(1),
    },
    Cell {
        point: "worker.after_action_before_convey",
        term: "abort",
        yaml: one,
        watched: "a",
        unsafe_: Expect::Interrupted(1),
        safe: Expect::Success(2),
    },
    Cell {
        point: "engine.result.before_commit",
        term: "abort",
        yaml: one,
        watched: "a",
        unsafe_: Expect::Interrupted(1),
        safe: Expect::Success(2),
    },
    Cell {
        // The first commit with a new IDLE action records `a` and `c`; the
        // second records `a`'s result with its successor `b`.
        point: "engine.after_commit_before_dispatch_next",
        term: "1*off->abort",
        yaml: chain,
        watched: "b",
        unsafe_: Expect::Success(1),
        safe: Expect::Success(1),
    },
    Cell {
        point: "engine.timer.fire",
        term: "abort",
        yaml: waiting,
        watched: "a",
        unsafe_: Expect::Success(1),
        safe: Expect::Success(1),
    },
    Cell {
        point: "engine.join.evaluate",
        term: "abort",
        yaml: join,
        watched: "j",
        unsafe_: Expect::Success(1),
        safe: Expect::Success(1),
    },
    Cell {
        // The task waits 1 s so the crash comes before any dispatch.
        point: "api.after_commit_before_reply",
        term: "abort",
        yaml: waiting,
        watched: "a",
        unsafe_: Expect::Success(1),
        safe: Expect::Success(1),
    },
];

/// Runs one cell; the observed outcome and whether it matches.
fn run_cell(cell: &Cell, safe: bool) -> (String, bool) {
    let mut server = Server::new(1);
    server.set_env("FAILPOINTS", &format!("{}={}", cell.point, cell.term));
    server.set_env("BORA_WORKER_CAPACITY", "1");
    server.start();
    let api = server.api();
    api.upload(&(cell.yaml)(safe));
    // A client-chosen id: the retry after a lost reply must find it again.
    let id = uuid_v4();
    let body = json!({"workflow_name": "r2", "id": id});
    let first = api.post_json("/v2/executions", &body);
    let Some((status, _)) = server.wait_exit(Duration::from_secs(15)) else {
        return ("the failpoint never fired".into(), false);
    };
    let crashed = !status.success();
    server.clear_env("FAILPOINTS");
    server.start();
    let api = server.api();
    let retry = api.post_json("/v2/executions", &body);
    let same_id = matches!(&retry, Ok((s, v)) if (200..300).contains(s) && v["id"] == id.as_str());
    let first_ok = matches!(&first, Ok((s, _)) if (200..300).contains(s));
    let open = api.wait_terminal(std::slice::from_ref(&id), Duration::from_secs(20));
    let execs = api
        .executions()
        .iter()
        .filter(|e| e["workflow_name"] == "r2")
        .count();
    let exec_state = api
        .execution(&id)
        .map(|e| e["state"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| "MISSING".into());
    let tasks = api.tasks(&id);
    let watched: Vec<&Value> = tasks.iter().filter(|t| t["name"] == cell.watched).collect();
    let ids: Vec<&str> = watched.iter().filter_map(|t| t["id"].as_str()).collect();
    let per_task: HashMap<String, usize> = server.ledger().per_task("start");
    let runs: usize = ids
        .iter()
        .map(|t| per_task.get(*t).copied().unwrap_or(0))
        .sum();
    let task_state = watched
        .first()
        .map(|t| {
            format!(
                "{}{}",
                t["state"].as_str().unwrap_or(""),
                if t["state_info"]
                    .as_str()
                    .is_some_and(|s| s.contains(INTERRUPTED))
                {
                    " INTERRUPTED_NOT_SAFE"
                } else {
                    ""
                }
            )
        })
        .unwrap_or_else(|| "none".into());
    let expect = if safe { cell.safe } else { cell.unsafe_ };
    let outcome_ok = match expect {
        Expect::Success(n) => exec_state == "SUCCESS" && runs == n,
        Expect::Interrupted(n) => task_state == "ERROR INTERRUPTED_NOT_SAFE" && runs == n,
    };
    let ok =
        crashed && open.is_empty() && same_id && execs == 1 && watched.len() == 1 && outcome_ok;
    let (integrity, fks) = {
        let _ = server.term(Duration::from_secs(10));
        server.integrity()
    };
    let ok = ok && integrity == "ok" && fks == 0;
    (
        format!(
            "crash={crashed} ({status}) first_reply_2xx={first_ok} retry_same_id={same_id} executions={execs} \
             execution={exec_state} {}={task_state} x{} runs={runs} integrity={integrity} \
             (expected {expect:?})",
            cell.watched,
            watched.len()
        ),
        ok,
    )
}

fn uuid_v4() -> String {
    // The suite has no uuid dependency: the server makes one for us.
    let mut rng = crate::harness::Rng::from_env("R2 id");
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

#[test]
fn r2_crash_points() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("R2");
    let mut matched = 0;
    for cell in &CELLS {
        for safe in [false, true] {
            let (detail, ok) = run_cell(cell, safe);
            matched += usize::from(ok);
            board.check(&format!("{} safe-rerun={safe}", cell.point), ok, detail);
        }
    }
    println!("R2: {matched}/16 match");
    board.finish();
}
