//! R5 at T0 size: durable timers across a SIGKILL. 20 executions wait 3 s
//! before their one `test.record` task (`wait-before: 3`), 10 run a task
//! that fails once and is retried after 2 s (`retry: {count: 1, delay: 2}`).
//! The server is killed 1 s after the first start and restarted 5 s after
//! it, so every timer falls due while it is down. Each timer must fire
//! exactly once (ledger), never early, and at most downtime + 1 s late.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Board, Server, unix_ms};

const WAITING: usize = 20;
const RETRYING: usize = 10;
const WAIT_MS: u64 = 3000;
const DELAY_MS: u64 = 2000;

const WORKFLOWS: &str = "version: '2.0'
r5_wait:
  tasks:
    a:
      action: test.record
      wait-before: 3
      input:
        exec: <% execution().id %>
        task: <% task().id %>
r5_retry:
  tasks:
    a:
      action: test.record
      retry:
        count: 1
        delay: 2
      input:
        exec: <% execution().id %>
        task: <% task().id %>
        fail: true
";

/// `at_ms` of every ledger line of `phase`, per execution id, in order.
fn times(lines: &[Value], phase: &str) -> HashMap<String, Vec<u64>> {
    let mut m: HashMap<String, Vec<u64>> = HashMap::new();
    for l in lines.iter().filter(|l| l["phase"] == phase) {
        if let (Some(e), Some(t)) = (l["exec_id"].as_str(), l["at_ms"].as_u64()) {
            m.entry(e.to_string()).or_default().push(t);
        }
    }
    for v in m.values_mut() {
        v.sort_unstable();
    }
    m
}

#[test]
fn r5_durable_timers() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("R5");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    api.upload(WORKFLOWS);
    let began = Instant::now();
    // (id, wall clock before and after the create)
    let mut waits = Vec::new();
    for _ in 0..WAITING {
        let before = unix_ms();
        let id = api.create("r5_wait").expect("create");
        waits.push((id, before, unix_ms()));
    }
    let retries: Vec<String> = (0..RETRYING)
        .map(|_| api.create("r5_retry").expect("create"))
        .collect();
    let created = began.elapsed();
    std::thread::sleep(Duration::from_secs(1).saturating_sub(created));
    let killed_at = unix_ms();
    server.kill();
    std::thread::sleep(Duration::from_secs(5).saturating_sub(began.elapsed()));
    server.start();
    let restarted_at = unix_ms();
    let downtime = restarted_at - killed_at;
    board.record(
        "schedule",
        format!(
            "created in {} ms, killed at +{} ms, down {downtime} ms",
            created.as_millis(),
            killed_at.saturating_sub(waits[0].1)
        ),
    );
    let api = server.api();
    let ids: Vec<String> = waits
        .iter()
        .map(|(id, _, _)| id.clone())
        .chain(retries.iter().cloned())
        .collect();
    let open = api.wait_terminal(&ids, Duration::from_secs(30));
    board.check("executions_terminal", open.is_empty(), format!("{open:?}"));

    let ledger = server.ledger();
    let starts = times(&ledger.lines, "start");
    let ends = times(&ledger.lines, "end");
    let (mut once, mut early, mut late_max) = (0, Vec::new(), 0u64);
    let bound = downtime + 1000;
    for (id, before, after) in &waits {
        let s = starts.get(id).cloned().unwrap_or_default();
        if s.len() == 1 {
            once += 1;
        }
        if let Some(&t) = s.first() {
            if t < before + WAIT_MS {
                early.push(format!("{id}: {} ms early", before + WAIT_MS - t));
            }
            late_max = late_max.max(t.saturating_sub(after + WAIT_MS));
        }
    }
    let mut retry_late_max = 0u64;
    let mut retried_once = 0;
    for id in &retries {
        let s = starts.get(id).cloned().unwrap_or_default();
        let e = ends.get(id).cloned().unwrap_or_default();
        // The first run, then exactly one run fired by the retry timer.
        if s.len() == 2 {
            retried_once += 1;
            let first_end = e.first().copied().unwrap_or(0);
            if s[1] < first_end + DELAY_MS {
                early.push(format!(
                    "{id}: retry {} ms early",
                    first_end + DELAY_MS - s[1]
                ));
            }
            retry_late_max = retry_late_max.max(s[1].saturating_sub(first_end + DELAY_MS));
        }
    }
    board.check(
        "wait_before_fired_once",
        once == WAITING,
        format!("{once}/{WAITING}"),
    );
    board.check(
        "retry_fired_once",
        retried_once == RETRYING,
        format!("{retried_once}/{RETRYING} tasks with exactly 2 starts"),
    );
    board.check("fired_early", early.is_empty(), format!("{early:?}"));
    board.check(
        "lateness_within_downtime_plus_1s",
        late_max <= bound && retry_late_max <= bound,
        format!("wait-before {late_max} ms, retry {retry_late_max} ms, bound {bound} ms"),
    );
    let retry_states: Vec<String> = retries
        .iter()
        .filter_map(|id| api.execution(id))
        .map(|e| e["state"].as_str().unwrap_or("").to_string())
        .collect();
    board.check(
        "retry_exhausted_error",
        retry_states.iter().all(|s| s == "ERROR"),
        format!("{retry_states:?}"),
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_final_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    let (integrity, fks) = server.integrity();
    board.check(
        "integrity_check",
        integrity == "ok" && fks == 0,
        format!("{integrity}, {fks} foreign-key violations"),
    );
    board.finish();
}
