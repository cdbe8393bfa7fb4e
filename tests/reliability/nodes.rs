//! Several engine nodes on one PostgreSQL (RELIABILITY.md §3.6, M1–M3), as
//! processes: `bora serve --node-id …` processes on one fresh schema run
//! executions to the end; a node SIGKILLed mid-run has its executions
//! taken over (safe-rerun actions run again, unsafe ones fail
//! `INTERRUPTED_NOT_SAFE`, none runs twice); a node SIGSTOPped past its
//! lease is fenced: its late writes are refused and counted, and it exits
//! on its own. With remote workers over RabbitMQ too: three nodes and
//! two worker processes, one node and one worker SIGKILLed mid-run. Run
//! only when `BORA_TEST_POSTGRES_URL` names a server (and, for the remote
//! one, `BORA_TEST_AMQP_URL` a broker).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Api, Board, INTERRUPTED, Ledger, Server, record_task, serial};
use crate::proxy::{Proxy, through_proxy};

/// A fresh schema on the test server, dropped at the end.
struct Schema {
    base: String,
    name: String,
    url: String,
}

impl Schema {
    fn new() -> Option<Self> {
        use diesel::{Connection, connection::SimpleConnection};
        let base = match std::env::var("BORA_TEST_POSTGRES_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                eprintln!("skipped: BORA_TEST_POSTGRES_URL is not set");
                return None;
            }
        };
        let name = format!("bora_nodes_{}", uuid::Uuid::new_v4().simple());
        let mut c = diesel::PgConnection::establish(&base).expect("postgres");
        c.batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        Some(Self { base, name, url })
    }

    /// One number from the schema.
    fn number(&self, sql: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = diesel::PgConnection::establish(&self.url).expect("postgres");
        diesel::sql_query(sql)
            .get_result::<N>(&mut c)
            .map(|r| r.n)
            .unwrap_or(-1)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        use diesel::{Connection, connection::SimpleConnection};
        if let Ok(mut c) = diesel::PgConnection::establish(&self.base) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// The lease of the tests' nodes: a dead node's executions move within
/// it plus a scan (a third of it).
const LEASE_MS: u64 = 3000;

/// Node `id` on `schema`, with `workers` local workers, on a free port.
fn node(schema: &Schema, id: &str, workers: usize) -> Server {
    node_at(&schema.url, id, workers)
}

/// Node `id` on the database at `url` (a schema's, maybe through a proxy).
fn node_at(url: &str, id: &str, workers: usize) -> Server {
    let mut s = Server::new(workers);
    s.database = Some(url.to_string());
    s.set_env("BORA_NODE_ID", id);
    s.set_env("BORA_NODE_LEASE_MS", &LEASE_MS.to_string());
    s.set_env("BORA_NODE_API_URL", &s.base.clone());
    s
}

/// Nodes `ids` on `schema` with no workers of their own, dispatching to
/// remote workers through the broker at `url` under `prefix` (with the
/// remote tests' short heartbeat and lease when `timings`), started.
fn broker_nodes(
    schema: &Schema,
    ids: &[&str],
    url: &str,
    prefix: &str,
    timings: bool,
) -> Vec<Server> {
    let mut nodes: Vec<Server> = ids
        .iter()
        .map(|id| {
            let mut s = node(schema, id, 1);
            s.set_env("BORA_BROKER_URL", url);
            s.set_env("BORA_BROKER_PREFIX", prefix);
            s.set_env("BORA_LOCAL_WORKERS", "false");
            if timings {
                for (k, v) in crate::remote::TIMINGS {
                    s.set_env(k, v);
                }
            }
            s
        })
        .collect();
    for n in &mut nodes {
        n.start();
    }
    nodes
}

/// Start lines per task execution over all the ledgers.
fn starts(ledgers: &[Ledger]) -> HashMap<String, usize> {
    let mut all = HashMap::new();
    for l in ledgers {
        for (task, n) in l.per_task("start") {
            *all.entry(task).or_insert(0) += n;
        }
    }
    all
}

/// A chain of two `test.record` tasks of `ms` each, safe to run again or
/// not.
fn chain(name: &str, ms: u64, safe: bool) -> String {
    format!(
        "version: '2.0'\n{name}:\n  tasks:\n{}{}",
        record_task("t1", ms, safe, &["t2"], false),
        record_task("t2", ms, safe, &[], false),
    )
}

/// What the tasks of `ids` show against the ledgers: (unsafe actions
/// started twice, outcomes that contradict a crash's rules, unsafe tasks
/// failed as interrupted, interrupted tasks whose stale result was
/// accepted after all).
fn audit(
    api: &Api,
    ids: &[String],
    unsafe_ids: &[String],
    starts: &HashMap<String, usize>,
) -> (usize, Vec<String>, usize, usize) {
    let mut unsafe_twice = 0;
    let mut wrong = Vec::new();
    let mut interrupted = 0;
    let mut stale_accepted = 0;
    for id in ids {
        let safe = !unsafe_ids.contains(id);
        let state = api
            .execution(id)
            .map(|e| e["state"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        for t in api.tasks(id) {
            let task = t["id"].as_str().unwrap_or("").to_string();
            let n = starts.get(&task).copied().unwrap_or(0);
            let task_state = t["state"].as_str().unwrap_or("");
            let info = t["state_info"].as_str().unwrap_or("");
            if !safe && n > 1 {
                unsafe_twice += 1;
            }
            if info.contains(INTERRUPTED) {
                interrupted += 1;
                // A late result of the fenced node would have made the
                // task, or its action, succeed after all.
                let actions = api.action_executions(&task);
                if task_state != "ERROR" || actions.iter().any(|a| a["state"] == "SUCCESS") {
                    stale_accepted += 1;
                }
            }
            // A safe-rerun execution succeeds (its actions ran at least
            // once); an unsafe one succeeds, or fails because an action
            // was interrupted, and each of its actions ran at most once.
            let ok = match (safe, task_state) {
                (_, "SUCCESS") => n >= 1 && (safe || n == 1),
                (false, "ERROR") => info.contains(INTERRUPTED) && n <= 1,
                _ => false,
            } && (state == "SUCCESS" || (!safe && state == "ERROR"));
            if !ok {
                wrong.push(format!(
                    "{id} safe={safe} {state} task {task_state} starts={n} {info}"
                ));
            }
        }
    }
    (unsafe_twice, wrong, interrupted, stale_accepted)
}

/// What must hold once the executions `ids` (`unsafe_ids` of them not
/// safe-rerun) are left to end on `api` within `limit`: all terminal, no
/// unsafe action started twice, the outcomes a crash gives, no stale
/// write accepted (`audit`, against the start counts `starts` reads once
/// all have ended).
fn check_outcomes(
    board: &mut Board,
    api: &Api,
    limit: Duration,
    ids: &[String],
    unsafe_ids: &[String],
    starts: impl FnOnce() -> HashMap<String, usize>,
) {
    let open = api.wait_terminal(ids, limit);
    board.check(
        "all terminal",
        open.is_empty(),
        format!("{} open", open.len()),
    );
    board.record_open(api, &open);
    let starts = starts();
    let (unsafe_twice, wrong, interrupted, stale) = audit(api, ids, unsafe_ids, &starts);
    board.check(
        "no unsafe action ran twice",
        unsafe_twice == 0,
        unsafe_twice,
    );
    board.check(
        "outcomes as a crash gives them",
        wrong.is_empty(),
        format!("{:?}", &wrong[..wrong.len().min(5)]),
    );
    board.check("no stale write accepted", stale == 0, stale);
    board.record("unsafe tasks failed as interrupted", interrupted);
}

/// Waits up to `limit` until `f` holds; how long it took.
fn until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let began = Instant::now();
    while began.elapsed() < limit {
        if f() {
            return Some(began.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// `n` executions created round-robin on the nodes of `apis`, every other
/// one of the unsafe chain: (all ids, the unsafe ones).
fn create_mixed(apis: &[Api], n: usize) -> (Vec<String>, Vec<String>) {
    let mut ids = Vec::new();
    let mut unsafe_ids = Vec::new();
    for i in 0..n {
        let (workflow, api) = (
            if i % 2 == 0 { "safe" } else { "unsafe" },
            &apis[i % apis.len()],
        );
        let id = api.create(workflow).expect("execution created");
        if workflow == "unsafe" {
            unsafe_ids.push(id.clone());
        }
        ids.push(id);
    }
    (ids, unsafe_ids)
}

/// What must hold once the second of three nodes was killed at `killed`:
/// a survivor takes its executions over within lease + scan + 2 s, every
/// execution ends, the outcomes are a crash's (`audit` against the
/// ledgers `ledgers` reads once all have ended), and every safe-rerun
/// execution succeeds.
fn check_after_kill(
    board: &mut Board,
    apis: &[Api],
    killed: Instant,
    ids: &[String],
    unsafe_ids: &[String],
    ledgers: impl Fn() -> Vec<Ledger>,
) {
    let took = until(Duration::from_secs(30), || {
        apis[0].metric("node_takeovers_total") + apis[2].metric("node_takeovers_total") >= 1
    });
    board.check(
        "a node took the dead one's executions over within lease + scan + 2 s",
        took.is_some_and(|_| {
            killed.elapsed() <= Duration::from_millis(LEASE_MS + LEASE_MS / 3 + 2000)
        }),
        format!("{:?}", took.map(|_| killed.elapsed())),
    );
    check_outcomes(
        board,
        &apis[0],
        Duration::from_secs(180),
        ids,
        unsafe_ids,
        || starts(&ledgers()),
    );
    let success = ids
        .iter()
        .filter(|id| {
            apis[2]
                .execution(id)
                .is_some_and(|e| e["state"] == "SUCCESS")
        })
        .count();
    board.record("executions SUCCESS", success);
    let safe_ok = ids.iter().filter(|id| !unsafe_ids.contains(id)).all(|id| {
        apis[0]
            .execution(id)
            .is_some_and(|e| e["state"] == "SUCCESS")
    });
    board.check("every safe-rerun execution SUCCESS", safe_ok, "");
    let taken = apis[0].metric("node_executions_taken_over_total")
        + apis[2].metric("node_executions_taken_over_total");
    board.record("executions taken over", taken);
    board.check("executions were taken over", taken > 0, taken);
}

/// M1 + M2: three nodes run 300 executions (half of them safe-rerun); one
/// node is SIGKILLed mid-run. Every execution ends, the others take the
/// dead node's over within the lease and a scan, and no unsafe action
/// runs twice.
#[test]
fn three_nodes_one_killed() {
    let Some(schema) = Schema::new() else { return };
    let _guard = serial();
    let mut board = Board::new("nodes_kill9");
    let mut nodes: Vec<Server> = ["n1", "n2", "n3"]
        .iter()
        .map(|id| node(&schema, id, 2))
        .collect();
    for n in &mut nodes {
        n.start();
    }
    let apis: Vec<Api> = nodes.iter().map(Server::api).collect();
    apis[0].upload(&chain("safe", 2000, true));
    apis[0].upload(&chain("unsafe", 2000, false));
    let (ids, unsafe_ids) = create_mixed(&apis, 300);
    std::thread::sleep(Duration::from_millis(1500));
    let victim_started = nodes[1].ledger().count("start");
    nodes[1].kill();
    let killed = Instant::now();
    // Its lease holds still: a change to one of its executions (ids[1]
    // was created on n2) cannot be forwarded and is 503 naming it.
    let unreachable = apis[0].set_state(&ids[1], "PAUSED");
    board.check(
        "a change for a dead owner whose lease holds is 503 naming it",
        unreachable
            .as_ref()
            .is_ok_and(|(s, v)| *s == 503 && v.to_string().contains("n2")),
        format!("{unreachable:?}"),
    );
    board.record("actions the killed node had started", victim_started);
    board.check(
        "the killed node was running actions",
        victim_started > 0,
        victim_started,
    );
    check_after_kill(&mut board, &apis, killed, &ids, &unsafe_ids, || {
        nodes.iter().map(Server::ledger).collect()
    });
    let owned_by_dead = schema.number(
        "SELECT count(*)::bigint AS n FROM workflow_executions \
         WHERE node_id = 'n2' AND state IN ('IDLE', 'RUNNING', 'PAUSED')",
    );
    board.check(
        "the dead node owns nothing unfinished",
        owned_by_dead == 0,
        owned_by_dead,
    );
    // A change sent to a node that does not own the execution is
    // forwarded to the owner, which answers it.
    let fresh = apis[0].create("safe").expect("execution created");
    let paused = apis[2].set_state(&fresh, "PAUSED");
    board.check(
        "a change sent to another node is forwarded to the owner",
        paused
            .as_ref()
            .is_ok_and(|(s, v)| *s == 200 && v["state"] == "PAUSED"),
        format!("{paused:?}"),
    );
    let seen = apis[0].execution(&fresh).map(|e| e["state"].clone());
    board.check(
        "the owner paused it",
        seen.as_ref().is_some_and(|s| s == "PAUSED"),
        format!("{seen:?}"),
    );
    let resumed = apis[2].set_state(&fresh, "RUNNING");
    board.check(
        "and resumes it when asked elsewhere",
        resumed.as_ref().is_ok_and(|(s, _)| *s == 200),
        format!("{resumed:?}"),
    );
    let open = apis[0].wait_terminal(std::slice::from_ref(&fresh), Duration::from_secs(30));
    let state = apis[0].execution(&fresh).map(|e| e["state"].clone());
    board.check(
        "it then ends SUCCESS",
        open.is_empty() && state.as_ref().is_some_and(|s| s == "SUCCESS"),
        format!("{state:?}"),
    );
    board.finish();
}

/// M3: a node SIGSTOPped for twice its lease is fenced: another node takes
/// its executions over and finishes them; when it runs again its late
/// writes are refused (counted on its row) and it exits on its own; no
/// unsafe action runs twice and no stale result is accepted.
#[test]
fn paused_node_is_fenced() {
    let Some(schema) = Schema::new() else { return };
    let _guard = serial();
    let mut board = Board::new("nodes_sigstop");
    let mut a = node(&schema, "a", 4);
    let mut b = node(&schema, "b", 2);
    a.start();
    b.start();
    let (api_a, api_b) = (a.api(), b.api());
    api_a.upload(&chain("safe", 1500, true));
    api_a.upload(&chain("unsafe", 1500, false));
    let mut ids = Vec::new();
    let mut unsafe_ids = Vec::new();
    for i in 0..20 {
        let workflow = if i % 2 == 0 { "safe" } else { "unsafe" };
        let id = api_a.create(workflow).expect("execution created");
        if workflow == "unsafe" {
            unsafe_ids.push(id.clone());
        }
        ids.push(id);
    }
    std::thread::sleep(Duration::from_millis(700));
    let running = a.ledger().count("start");
    board.check("the node was running actions", running > 0, running);
    a.signal("STOP");
    let stopped = Instant::now();
    let took = until(Duration::from_secs(20), || {
        api_b.metric("node_takeovers_total") >= 1
    });
    board.check(
        "the other node took over within lease + scan + 2 s",
        took.is_some_and(|t| t <= Duration::from_millis(LEASE_MS + LEASE_MS / 3 + 2000)),
        format!("{took:?}"),
    );
    // Paused for twice the lease in all.
    let pause = Duration::from_millis(2 * LEASE_MS);
    if let Some(left) = pause.checked_sub(stopped.elapsed()) {
        std::thread::sleep(left);
    }
    a.signal("CONT");
    let exited = a.wait_exit(Duration::from_secs(15));
    board.check(
        "the fenced node exits on its own",
        exited.is_some(),
        format!("{exited:?}"),
    );
    let log = a.log_text();
    board.check(
        "it says its lease is lost",
        log.contains("lease is lost") || log.contains("lease lost"),
        "log",
    );
    // Woken, it either sees by its own clock that its lease ran out and
    // stops before writing, or the database refuses its late writes (its
    // epoch moved on) and counts them: which one comes first is a race of
    // its threads. The database's refusal alone is checked in the store's
    // tests.
    let rejected = schema.number("SELECT stale_writes_rejected AS n FROM nodes WHERE id = 'a'");
    board.record("late writes of the fenced node rejected", rejected);
    board.check(
        "its late writes were refused and counted, or it stopped before writing",
        rejected >= 1 || log.contains("lease ran out"),
        rejected,
    );
    check_outcomes(
        &mut board,
        &api_b,
        Duration::from_secs(60),
        &ids,
        &unsafe_ids,
        || starts(&[a.ledger(), b.ledger()]),
    );
    let diag: Value = api_b
        .get(&format!("/v2/executions/{}/diagnosis", ids[0]))
        .map(|(_, v)| v)
        .unwrap_or_default();
    board.check(
        "the diagnosis names the owner",
        diag["owner"]["node"] == "b",
        &diag["owner"],
    );
    board.finish();
}

/// A node partitioned from PostgreSQL (its packets to the database go
/// nowhere and nothing answers, the connections stay open) while its
/// actions run: its renewals hang, it sees its lease run out and exits
/// even though its engine hangs in a commit; the other node takes its
/// executions over and finishes them; when the partition heals, nothing
/// the cut-off node had sent is written.
#[test]
fn partitioned_node_stops_within_its_lease() {
    let Some(schema) = Schema::new() else { return };
    let _guard = serial();
    let mut board = Board::new("nodes_partition");
    let (proxied, target) = through_proxy(&schema.url, 19141, 5432);
    let proxy = Proxy::start(19141, target);
    let mut a = node_at(&proxied, "a", 4);
    let mut b = node(&schema, "b", 2);
    a.start();
    b.start();
    let (api_a, api_b) = (a.api(), b.api());
    api_a.upload(&chain("safe", 1500, true));
    api_a.upload(&chain("unsafe", 1500, false));
    let (ids, unsafe_ids) = create_mixed(std::slice::from_ref(&api_a), 20);
    std::thread::sleep(Duration::from_millis(700));
    let running = a.ledger().count("start");
    board.check("the node was running actions", running > 0, running);
    proxy.freeze();
    let frozen = Instant::now();
    // When the cut-off node exited, and when the other took over.
    let (mut exited, mut took) = (None, None);
    while frozen.elapsed() < Duration::from_secs(20) && (exited.is_none() || took.is_none()) {
        if exited.is_none() && a.wait_exit(Duration::from_millis(50)).is_some() {
            exited = Some(frozen.elapsed());
        }
        if took.is_none() && api_b.metric("node_takeovers_total") >= 1 {
            took = Some(frozen.elapsed());
        }
    }
    board.check(
        "the partitioned node exits within its lease + 2 s",
        exited.is_some_and(|t| t <= Duration::from_millis(LEASE_MS + 2000)),
        format!("{exited:?}"),
    );
    let log = a.log_text();
    board.check(
        "it says its lease ran out",
        log.contains("lease ran out"),
        "log",
    );
    board.check(
        "the other node took over within lease + scan + 2 s",
        took.is_some_and(|t| t <= Duration::from_millis(LEASE_MS + LEASE_MS / 3 + 2000)),
        format!("{took:?}"),
    );
    // The partition heals: what was held in it arrives late.
    if let Some(left) = Duration::from_millis(2 * LEASE_MS).checked_sub(frozen.elapsed()) {
        std::thread::sleep(left);
    }
    proxy.restore();
    check_outcomes(
        &mut board,
        &api_b,
        Duration::from_secs(60),
        &ids,
        &unsafe_ids,
        || starts(&[a.ledger(), b.ledger()]),
    );
    let owned = schema.number(
        "SELECT count(*)::bigint AS n FROM workflow_executions \
         WHERE node_id = 'a' AND state IN ('IDLE', 'RUNNING', 'PAUSED')",
    );
    board.check(
        "the cut-off node owns nothing unfinished",
        owned == 0,
        owned,
    );
    let alive = schema.number("SELECT count(*)::bigint AS n FROM nodes WHERE id = 'a' AND alive");
    board.check("its row is marked not alive", alive == 0, alive);
    board.finish();
}

/// M1 + M2 with remote workers: three nodes without workers of their own and two `bora worker`
/// processes over RabbitMQ run 300 executions (half safe-rerun); one node
/// and one worker are SIGKILLed mid-run. Every execution ends, the dead
/// node's dispatches still queued are refused by the node that took over
/// (it answers on the dead process's queues), no unsafe action runs twice
/// and no stale write is accepted.
#[test]
fn three_nodes_two_remote_workers_one_of_each_killed() {
    let Some(schema) = Schema::new() else { return };
    let Some(url) = crate::remote::amqp_url() else {
        return;
    };
    let _guard = serial();
    let mut board = Board::new("nodes_remote_kill9");
    let prefix = crate::remote::prefix("nodes");
    let mut nodes = broker_nodes(&schema, &["r1", "r2", "r3"], &url, &prefix, true);
    let dir = nodes[0].dir.path().to_path_buf();
    // A small prefetch keeps most dispatches queued in the broker, so
    // that the dead node's are still there when its executions move.
    let few = [("BORA_BROKER_PREFETCH", "16")];
    let mut workers = [
        crate::remote::Worker::start_with(&dir, "a", &url, &prefix, &[], &few),
        crate::remote::Worker::start_with(&dir, "b", &url, &prefix, &[], &few),
    ];
    let apis: Vec<Api> = nodes.iter().map(Server::api).collect();
    apis[0].upload(&chain("safe", 1500, true));
    apis[0].upload(&chain("unsafe", 1500, false));
    let (ids, unsafe_ids) = create_mixed(&apis, 300);
    std::thread::sleep(Duration::from_millis(1000));
    let started = workers[0].ledger().count("start") + workers[1].ledger().count("start");
    board.check("actions were running", started > 0, started);
    nodes[1].kill();
    workers[1].kill();
    let killed = Instant::now();
    check_after_kill(&mut board, &apis, killed, &ids, &unsafe_ids, || {
        workers.iter().map(|w| w.ledger()).collect()
    });
    let lost =
        apis[0].metric("broker_workers_lost_total") + apis[2].metric("broker_workers_lost_total");
    board.record("workers taken for lost by the surviving nodes", lost);
    let stale_refused: u64 = [&apis[0], &apis[2]]
        .iter()
        .map(|a| a.metric("confirm_refused_total{reason=\"stale_attempt\"}"))
        .sum();
    board.record(
        "queued dispatches of the dead node refused as stale by the survivors",
        stale_refused,
    );
    board.finish();
}

/// M1 + M4: claims are exclusive, and concurrent joins. Three nodes and
/// two remote workers run 900 executions of ten parallel `test.record`
/// branches joined by one `join: all` task, created round-robin on the
/// nodes (the branches' results come back through different workers, in
/// any order): every branch started exactly once (the workers' ledgers),
/// every execution SUCCESS with exactly one join task and eleven tasks,
/// and no node logs an error (the duplicate-join unique violation that
/// leaves an execution RUNNING is Mistral bug #2163749).
#[test]
fn concurrent_joins_on_three_nodes() {
    // 9,900 tasks: M1's 10,000 and M4's joins in one run.
    const EXECUTIONS: usize = 900;
    let Some(schema) = Schema::new() else { return };
    let Some(url) = crate::remote::amqp_url() else {
        return;
    };
    let _guard = serial();
    let mut board = Board::new("nodes_joins");
    let prefix = crate::remote::prefix("joins");
    let nodes = broker_nodes(&schema, &["j1", "j2", "j3"], &url, &prefix, false);
    let dir = nodes[0].dir.path().to_path_buf();
    let workers = [
        crate::remote::Worker::start_with(&dir, "a", &url, &prefix, &[], &[]),
        crate::remote::Worker::start_with(&dir, "b", &url, &prefix, &[], &[]),
    ];
    let apis: Vec<Api> = nodes.iter().map(Server::api).collect();
    let mut yaml = String::from("version: '2.0'\njoins:\n  tasks:\n");
    for b in 0..10 {
        yaml.push_str(&format!(
            "    b{b}:\n      action: test.record\n      input:\n        exec: <% execution().id %>\n        \
             task: <% task().id %>\n        ms: 0\n      publish:\n        \
             v{b}: {b}\n      on-success: [joined]\n"
        ));
    }
    yaml.push_str(
        "    joined:\n      join: all\n      action: std.echo\n      input:\n        \
         output: <% [$.v0, $.v1, $.v2, $.v3, $.v4, $.v5, $.v6, $.v7, $.v8, $.v9].sum() %>\n      \
         publish:\n        total: <% task().result %>\n",
    );
    apis[0].upload(&yaml);
    let began = Instant::now();
    let ids: Vec<String> = (0..EXECUTIONS)
        .map(|i| apis[i % 3].create("joins").expect("execution created"))
        .collect();
    let open = apis[0].wait_terminal(&ids, Duration::from_secs(300));
    let took = began.elapsed();
    board.record(
        "tasks per second (debug build, 3 nodes, 2 workers)",
        format!("{:.0}", (EXECUTIONS * 11) as f64 / took.as_secs_f64()),
    );
    board.check(
        "all terminal",
        open.is_empty(),
        format!("{} open", open.len()),
    );
    board.record_open(&apis[0], &open);
    let mut not_success = Vec::new();
    let mut bad_joins = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let api = &apis[(i + 1) % 3];
        let e = api.execution(id).unwrap_or_default();
        let total = serde_json::from_str::<Value>(e["output"].as_str().unwrap_or("null"))
            .ok()
            .and_then(|o| o["total"].as_i64());
        if e["state"] != "SUCCESS" || total != Some(45) {
            not_success.push(format!("{id} {} total {total:?}", e["state"]));
        }
        let tasks = api.tasks(id);
        let joins = tasks.iter().filter(|t| t["name"] == "joined").count();
        if joins != 1 || tasks.len() != 11 {
            bad_joins.push(format!("{id}: {joins} joins, {} tasks", tasks.len()));
        }
    }
    let starts = starts(&workers.iter().map(|w| w.ledger()).collect::<Vec<_>>());
    let twice = starts.values().filter(|n| **n > 1).count();
    board.check(
        "every branch started once (M1: claims are exclusive)",
        starts.len() == EXECUTIONS * 10 && twice == 0,
        format!("{} started, {twice} twice", starts.len()),
    );
    board.check(
        "all SUCCESS with the joined sum",
        not_success.is_empty(),
        format!("{:?}", &not_success[..not_success.len().min(5)]),
    );
    board.check(
        "exactly one join task and eleven tasks each",
        bad_joins.is_empty(),
        format!("{:?}", &bad_joins[..bad_joins.len().min(5)]),
    );
    let errors: Vec<String> = nodes
        .iter()
        .flat_map(|n| {
            n.log_text()
                .lines()
                .filter(|l| l.contains("ERROR"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    board.check(
        "no node logged an error",
        errors.is_empty(),
        format!("{:?}", &errors[..errors.len().min(3)]),
    );
    let owned: Vec<i64> = ["j1", "j2", "j3"]
        .iter()
        .map(|n| {
            schema.number(&format!(
                "SELECT count(*)::bigint AS n FROM workflow_executions WHERE node_id = '{n}'"
            ))
        })
        .collect();
    board.record("executions per node", format!("{owned:?}"));
    board.check(
        "each node owned a third",
        owned.iter().all(|&n| n as usize >= EXECUTIONS / 3 - 1),
        format!("{owned:?}"),
    );
    board.finish();
}

/// A definition changed through one node is what another node runs
/// within a couple of seconds: an ad-hoc action created on `a` is usable
/// in a workflow uploaded and run on `b`; a workflow updated on `a` runs
/// in its new form on `b`; an ad-hoc action updated on `a` likewise; a
/// workflow deleted on `a` is not found on `b`.
#[test]
fn definitions_changed_on_one_node_are_seen_by_another() {
    use reqwest::Method;
    let Some(schema) = Schema::new() else { return };
    let _guard = serial();
    let mut board = Board::new("nodes_definitions");
    let mut a = node(&schema, "a", 1);
    let mut b = node(&schema, "b", 1);
    a.start();
    b.start();
    let (api_a, api_b) = (a.api(), b.api());
    let action = |greeting: &str| {
        format!(
            "version: '2.0'\ngreet:\n  base: std.echo\n  base-input:\n    \
             output: \"{greeting} <% $.name %>\"\n  input: [name]\n"
        )
    };
    let flow = |suffix: &str| {
        format!(
            "version: '2.0'\nhello:\n  tasks:\n    t:\n      action: greet\n      \
             input:\n        name: bora\n      publish:\n        said: <% task().result %>{suffix}\n  output:\n    said: <% $.said %>\n"
        )
    };
    // Runs `hello` on b until its output is `want` (or 5 s pass): how
    // long it took.
    let said_on_b = |want: &str| {
        let began = Instant::now();
        let mut last = String::new();
        while began.elapsed() < Duration::from_secs(5) {
            if let Ok(id) = api_b.create("hello") {
                api_b.wait_terminal(std::slice::from_ref(&id), Duration::from_secs(10));
                let e = api_b.execution(&id).unwrap_or_default();
                last = format!("{} {}", e["state"], e["output"]);
                if e["output"].as_str().is_some_and(|o| o.contains(want)) {
                    return Ok(began.elapsed());
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(last)
    };
    let made = api_a.send_text(Method::POST, "/v2/actions", &action("hello"));
    board.check(
        "ad-hoc action created on a",
        made.as_ref().is_ok_and(|(s, _)| *s == 201),
        format!("{made:?}"),
    );
    let began = Instant::now();
    let uploaded = until(Duration::from_secs(5), || {
        api_b
            .send_text(Method::POST, "/v2/workflows", &flow(""))
            .is_ok_and(|(s, _)| s == 201)
    });
    board.check(
        "a workflow calling it is accepted by b within 2.5 s",
        uploaded.is_some_and(|t| t <= Duration::from_millis(2500)),
        format!("{:?}", uploaded.map(|_| began.elapsed())),
    );
    let first = said_on_b("hello bora");
    board.check("b runs it", first.is_ok(), format!("{first:?}"));
    let updated = api_a.send_text(Method::PUT, "/v2/workflows", &flow(" and more"));
    board.check(
        "workflow updated on a",
        updated.as_ref().is_ok_and(|(s, _)| *s == 200),
        format!("{updated:?}"),
    );
    let second = said_on_b("hello bora and more");
    board.check(
        "b runs the updated workflow within 2.5 s",
        second
            .as_ref()
            .is_ok_and(|t| *t <= Duration::from_millis(2500)),
        format!("{second:?}"),
    );
    let changed = api_a.send_text(Method::PUT, "/v2/actions", &action("hi"));
    board.check(
        "ad-hoc action updated on a",
        changed.as_ref().is_ok_and(|(s, _)| *s == 200),
        format!("{changed:?}"),
    );
    let third = said_on_b("hi bora and more");
    board.check(
        "b runs the updated action within 2.5 s",
        third
            .as_ref()
            .is_ok_and(|t| *t <= Duration::from_millis(2500)),
        format!("{third:?}"),
    );
    let deleted = api_a.send_text(Method::DELETE, "/v2/workflows/hello", "");
    board.check(
        "workflow deleted on a",
        deleted.as_ref().is_ok_and(|(s, _)| *s == 204),
        format!("{deleted:?}"),
    );
    let gone = until(Duration::from_secs(5), || {
        api_b
            .post_json(
                "/v2/executions",
                &serde_json::json!({"workflow_name": "hello"}),
            )
            .is_ok_and(|(s, _)| s == 404)
    });
    board.check(
        "b no longer starts it within 2.5 s",
        gone.is_some_and(|t| t <= Duration::from_millis(2500)),
        format!("{gone:?}"),
    );
    board.finish();
}

/// Takeover of a takeover: node `c2` dies with its dispatches still
/// queued (both workers SIGSTOPped, so none is taken), the node that took
/// it over dies too before the workers run again, and the last node must
/// answer the confirmations the workers then send to `c2`'s queues (it
/// refuses them as stale) as well as to the second dead node's; else the
/// workers wait on answers no one gives and the executions never end.
#[test]
fn takeover_of_a_takeover_answers_both_dead_processes() {
    let Some(schema) = Schema::new() else { return };
    let Some(url) = crate::remote::amqp_url() else {
        return;
    };
    let _guard = serial();
    let mut board = Board::new("nodes_chained_takeover");
    let prefix = crate::remote::prefix("chain");
    let mut nodes = broker_nodes(&schema, &["c1", "c2", "c3"], &url, &prefix, true);
    let dir = nodes[0].dir.path().to_path_buf();
    let few = [("BORA_BROKER_PREFETCH", "8")];
    let mut workers = [
        crate::remote::Worker::start_with(&dir, "a", &url, &prefix, &[], &few),
        crate::remote::Worker::start_with(&dir, "b", &url, &prefix, &[], &few),
    ];
    let apis: Vec<Api> = nodes.iter().map(Server::api).collect();
    apis[0].upload(&chain("safe", 100, true));
    apis[0].upload(&chain("unsafe", 100, false));
    std::thread::sleep(Duration::from_millis(500));
    for w in &workers {
        w.signal("STOP");
    }
    // Every dispatch of c2 waits in the broker (or in a stopped worker).
    let (ids, unsafe_ids) = create_mixed(std::slice::from_ref(&apis[1]), 40);
    nodes[1].kill();
    let first = until(Duration::from_secs(20), || {
        apis[0].metric("node_takeovers_total") + apis[2].metric("node_takeovers_total") >= 1
    });
    board.check("c2 was taken over", first.is_some(), format!("{first:?}"));
    let (taker, last) = match apis[0].metric("node_takeovers_total") >= 1 {
        true => (0, 2),
        false => (2, 0),
    };
    nodes[taker].kill();
    let second = until(Duration::from_secs(20), || {
        apis[last].metric("node_takeovers_total") >= 1
    });
    board.check(
        "the node that took c2 over was taken over in turn",
        second.is_some(),
        format!("{second:?}"),
    );
    for w in &workers {
        w.signal("CONT");
    }
    check_outcomes(
        &mut board,
        &apis[last],
        Duration::from_secs(60),
        &ids,
        &unsafe_ids,
        || starts(&workers.iter().map(|w| w.ledger()).collect::<Vec<_>>()),
    );
    let refused = apis[last].metric("confirm_refused_total{reason=\"stale_attempt\"}");
    board.record("dispatches of the dead processes refused as stale", refused);
    board.check("stale dispatches were refused", refused > 0, refused);
    for w in &mut workers {
        w.kill();
    }
    board.finish();
}
