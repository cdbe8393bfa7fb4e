//! S1 and S2 at T0 size: panicking and blocking actions. S1: 50 tasks that
//! panic with a nonce, 10 normal executions beside them; only the panicking
//! tasks fail, each with its nonce, and the pool stays whole. S2: blocking
//! actions (`test.block`) under `timeout: 2`, and what a blocked worker
//! does to the other work queued on it.

use std::time::{Duration, Instant};

use crate::harness::{Board, Server};

const PANICS: usize = 50;
const NORMAL: usize = 10;

#[test]
fn s1_panics_fail_only_their_task() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("S1");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    api.upload(
        "version: '2.0'
s1_panic:
  input: [nonce]
  tasks:
    boom:
      action: test.panic
      input:
        msg: <% 'boom-' + $.nonce %>
s1_normal:
  tasks:
    a:
      action: test.sleep ms=20
      on-success: [b]
    b:
      action: std.noop
",
    );
    let mut panics = Vec::new();
    let mut normal = Vec::new();
    for i in 0..PANICS {
        let r = api.post_json(
            "/v2/executions",
            &serde_json::json!({"workflow_name": "s1_panic", "input": {"nonce": format!("n{i}")}}),
        );
        let id = match r {
            Ok((201, v)) => v["id"].as_str().unwrap_or_default().to_string(),
            other => panic!("create: {other:?}"),
        };
        panics.push((format!("boom-n{i}"), id));
        if i % (PANICS / NORMAL) == 0 {
            normal.push(api.create("s1_normal").expect("create"));
        }
    }
    let mut all: Vec<String> = panics.iter().map(|(_, id)| id.clone()).collect();
    all.extend(normal.iter().cloned());
    let open = api.wait_terminal(&all, Duration::from_secs(30));
    board.check("executions_terminal", open.is_empty(), format!("{open:?}"));
    let with_nonce = panics
        .iter()
        .filter(|(nonce, id)| {
            api.tasks(id).iter().any(|t| {
                t["state"] == "ERROR" && t["state_info"].as_str().is_some_and(|s| s.contains(nonce))
            })
        })
        .count();
    board.check(
        "panicking_tasks_error_with_nonce",
        with_nonce == PANICS,
        format!("{with_nonce}/{PANICS}"),
    );
    let ok = normal
        .iter()
        .filter(|id| api.execution(id).is_some_and(|e| e["state"] == "SUCCESS"))
        .count();
    board.check(
        "normal_executions_succeed",
        ok == NORMAL,
        format!("{ok}/{NORMAL}"),
    );
    // After the panics the pool still runs work on both workers.
    let after: Vec<String> = (0..4)
        .map(|_| api.create("s1_normal").expect("create"))
        .collect();
    let open = api.wait_terminal(&after, Duration::from_secs(10));
    board.check("pool_still_serves", open.is_empty(), format!("{open:?}"));
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    let log = server.log_text();
    board.record(
        "panic_messages_in_log",
        format!(
            "{} (the default panic hook prints each panic to stderr; S1 wants none)",
            log.matches("panicked at").count()
        ),
    );
    board.check(
        "no_stack_traces_in_log",
        !log.contains("stack backtrace"),
        "stack backtrace lines in the server log",
    );
    board.finish();
}

/// S2's timeout half: a blocking action under `timeout: 2` must be ERROR by
/// 2.5 s. The engine's own timer ends the task; the worker's thread stays
/// blocked until the action returns, and its late result is dropped.
#[test]
fn s2_blocking_action_times_out() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("S2");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    api.upload(
        "version: '2.0'
s2_block:
  tasks:
    hold:
      action: test.block ms=6000
      timeout: 2
",
    );
    let ids: Vec<String> = (0..2)
        .map(|_| api.create("s2_block").expect("create"))
        .collect();
    let began = Instant::now();
    let open = api.wait_terminal(&ids, Duration::from_secs(15));
    let took = began.elapsed();
    board.check("executions_terminal", open.is_empty(), format!("{open:?}"));
    let timed_out = ids
        .iter()
        .flat_map(|id| api.tasks(id))
        .filter(|t| {
            t["state"] == "ERROR"
                && t["state_info"]
                    .as_str()
                    .is_some_and(|s| s.contains("timed out"))
        })
        .count();
    board.check("tasks_timed_out", timed_out == ids.len(), timed_out);
    board.check(
        "within_2_5_s",
        took <= Duration::from_millis(2500),
        format!("{} ms", took.as_millis()),
    );
    board.finish();
}

/// S2's capacity half, as an observation: one of two workers is held by
/// `test.block(3000)`; quick executions started meanwhile are spread over
/// both workers, so about half of them wait for the block to end.
#[test]
fn s2_blocked_worker_stalls_its_share() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("S2b");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    api.upload(
        "version: '2.0'
s2_hold:
  tasks:
    hold:
      action: test.block ms=3000
s2_quick:
  tasks:
    q:
      action: std.noop
",
    );
    let hold = api.create("s2_hold").expect("create");
    std::thread::sleep(Duration::from_millis(300));
    let began = Instant::now();
    let quick: Vec<String> = (0..10)
        .map(|_| api.create("s2_quick").expect("create"))
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    let done_early = quick
        .iter()
        .filter(|id| api.execution(id).is_some_and(|e| e["state"] == "SUCCESS"))
        .count();
    let open = api.wait_terminal(&quick, Duration::from_secs(10));
    board.record(
        "quick_done_within_1s_while_one_worker_blocked",
        format!(
            "{done_early}/10 (all done after {} ms)",
            began.elapsed().as_millis()
        ),
    );
    board.check("quick_all_finish", open.is_empty(), format!("{open:?}"));
    let open = api.wait_terminal(std::slice::from_ref(&hold), Duration::from_secs(10));
    board.check("blocker_finishes", open.is_empty(), format!("{open:?}"));
    board.finish();
}
