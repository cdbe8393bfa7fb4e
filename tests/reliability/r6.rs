//! R6: cron triggers across SIGKILLs. 20 triggers fire every second
//! (croniter's six-field form, seconds last), 8 times each; the server is
//! killed 4 times while they fire and restarted 0.3 s later. A firing
//! starts its execution and advances its trigger in one commit, so each
//! trigger must leave exactly 8 executions behind — 7 would be a lost
//! firing, 9 a doubled one — and be deleted after its last.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Board, Rng, Server};

const TRIGGERS: usize = 20;
const COUNT: usize = 8;
const KILLS: usize = 4;

#[test]
fn r6_cron_firings_survive_kill9() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("R6");
    let mut rng = Rng::from_env("R6");
    let mut server = Server::new(2);
    server.set_env("BORA_CRON_SCAN_INTERVAL_MS", "100");
    server.start();
    let api = server.api();
    api.upload("version: '2.0'\nr6_wf:\n  tasks:\n    t:\n      action: std.noop\n");
    let mut ids = Vec::new();
    for i in 0..TRIGGERS {
        let body = json!({
            "name": format!("r6_{i}"),
            "workflow_name": "r6_wf",
            "pattern": "* * * * * *",
            "remaining_executions": COUNT,
        });
        match api.post_json("/v2/cron_triggers", &body) {
            Ok((201, v)) => ids.push(v["id"].as_str().unwrap_or_default().to_string()),
            other => panic!("create trigger: {other:?}"),
        }
    }
    let mut kills = 0;
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(rng.range(300, 1500)));
        server.kill();
        kills += 1;
        std::thread::sleep(Duration::from_millis(300));
        server.start();
    }
    board.check("kills survived", kills == KILLS, kills);
    let api = server.api();
    let deadline = Instant::now() + Duration::from_secs(60);
    let left = loop {
        let left = match api.get("/v2/cron_triggers") {
            Ok((200, v)) => v["cron_triggers"].as_array().map_or(0, Vec::len),
            other => panic!("list triggers: {other:?}"),
        };
        if left == 0 || Instant::now() > deadline {
            break left;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    board.check("every trigger spent and deleted", left == 0, left);
    let mut per: HashMap<String, usize> = HashMap::new();
    match api.get("/v2/executions?limit=1000&fields=description") {
        Ok((200, v)) => {
            for e in v["executions"].as_array().cloned().unwrap_or_default() {
                let d = e["description"].as_str().unwrap_or_default();
                let by = serde_json::from_str::<serde_json::Value>(d)
                    .ok()
                    .and_then(|j| j["triggered_by"]["id"].as_str().map(str::to_string))
                    .unwrap_or_default();
                *per.entry(by).or_default() += 1;
            }
        }
        other => panic!("list executions: {other:?}"),
    }
    let wrong: Vec<String> = ids
        .iter()
        .filter(|id| per.get(*id).copied().unwrap_or(0) != COUNT)
        .map(|id| format!("{id}: {}", per.get(id).copied().unwrap_or(0)))
        .collect();
    board.check(
        "each trigger fired exactly its count (none lost, none doubled)",
        wrong.is_empty(),
        format!("{} of {TRIGGERS} wrong {wrong:?}", wrong.len()),
    );
    let total: usize = per.values().sum();
    board.check("no other executions", total == TRIGGERS * COUNT, total);
    let log = server.log_text();
    board.check(
        "no lost claims or panics in the log",
        !log.contains("fired by someone else") && !log.contains("panicked"),
        "log checked",
    );
    server.term(Duration::from_secs(10));
    let (check, fk) = server.integrity();
    board.check(
        "integrity_check",
        check == "ok" && fk == 0,
        format!("{check}, fk {fk}"),
    );
    board.finish();
}
