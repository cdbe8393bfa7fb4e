//! Dispatch bursts: one engine turn that dispatches more actions than the
//! worker pool's mailbox holds (a wide fan-out, a with-items list, recovery
//! of many IDLE actions). Every action must still run once and every
//! execution finish: a dispatch that does not fit may wait, never vanish.

use std::time::{Duration, Instant};

use crate::harness::{Board, Server, record_task};

const WIDTH: usize = 40;

#[test]
fn wide_fan_out_and_with_items_finish() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("B1");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    let names: Vec<String> = (0..WIDTH).map(|i| format!("f{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut text = format!(
        "version: '2.0'\nb1_fan:\n  tasks:\n{}",
        record_task("a", 10, false, &refs, false)
    );
    for n in &refs {
        text.push_str(&record_task(n, 10, false, &["j"], false));
    }
    text.push_str(&record_task("j", 10, false, &[], true));
    text.push_str(&format!(
        "b1_items:\n  tasks:\n    each:\n      with-items: i in <% range({WIDTH}) %>\n      \
         action: test.record\n      input:\n        nonce: <% $.i %>\n        ms: 10\n"
    ));
    api.upload(&text);
    let ids = vec![
        api.create("b1_fan").expect("create"),
        api.create("b1_items").expect("create"),
    ];
    let open = api.wait_terminal(&ids, Duration::from_secs(30));
    let states: Vec<String> = ids
        .iter()
        .map(|id| {
            api.execution(id)
                .map(|e| e["state"].as_str().unwrap_or("").to_string())
                .unwrap_or_default()
        })
        .collect();
    board.check(
        "executions_succeed",
        open.is_empty() && states.iter().all(|s| s == "SUCCESS"),
        format!("{states:?}"),
    );
    let starts = server.ledger().count("start");
    board.check(
        "every_action_ran_once",
        starts == 2 * WIDTH + 2,
        format!("{starts} of {}", 2 * WIDTH + 2),
    );
    let log = server.log_text();
    let failed: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("dispatch failed"))
        .collect();
    board.check(
        "dispatch_failures_logged",
        failed.is_empty(),
        format!("{} {:?}", failed.len(), failed.first()),
    );
    board.finish();
}

/// 30 executions whose first action ends inside the shutdown grace: their
/// second actions are recorded IDLE and dispatched together at restart.
#[test]
fn recovery_of_many_idle_actions_finishes() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("B2");
    let mut server = Server::new(2);
    server
        .env
        .push(("BORA_SHUTDOWN_GRACE_SECS".into(), "3".into()));
    server.start();
    let api = server.api();
    api.upload(&format!(
        "version: '2.0'\nb2:\n  tasks:\n{}{}",
        record_task("t1", 1000, false, &["t2"], false),
        record_task("t2", 10, false, &[], false)
    ));
    let ids: Vec<String> = (0..30).map(|_| api.create("b2").expect("create")).collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.ledger().count("start") < ids.len() {
        assert!(
            Instant::now() < deadline,
            "the first actions did not all start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let stopped = server.term(Duration::from_secs(8));
    board.check(
        "clean_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    server.start();
    let api = server.api();
    let open = api.wait_terminal(&ids, Duration::from_secs(20));
    board.check(
        "executions_terminal",
        open.is_empty(),
        format!("{}/{}", ids.len() - open.len(), ids.len()),
    );
    let log = server.log_text();
    let failed = log
        .lines()
        .filter(|l| l.contains("dispatch failed"))
        .count();
    board.check("dispatch_failures_logged", failed == 0, failed);
    board.finish();
}
