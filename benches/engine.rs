//! The engine benchmark (`cargo bench --bench engine`): starts bora's engine
//! and workers on a fresh SQLite file (synchronous=FULL) and reports tasks/s,
//! ms per chained step and peak RSS for a 10,000-task fan-out, a 1,000-step
//! chain, 1,000 concurrent executions of a 5-task workflow, a with-items of
//! 10,000 items, a 3-level sub-workflow tree of 1,000 leaves, and 1,000
//! quick retries.
//!
//! Sizes can be scaled down with `BORA_BENCH_SCALE` (e.g. 0.1) for a quick run.

// A benchmark stops at the first surprise: unwrap and expect are its asserts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::scale;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bora::actions::Registry;
use bora::app::Engine;
use bora::config::Config;
use bora::domain::{ExecutionId, State};
use std::collections::HashSet;

use bora::engine::{Change, CreateWorkflows, StartExecution};

fn fan_out(n: usize) -> String {
    let mut y = String::from("version: '2.0'\nfan_out:\n  tasks:\n");
    for i in 0..n {
        let _ = write!(y, "    t{i}:\n      action: std.noop\n");
    }
    y
}

fn chain(name: &str, n: usize) -> String {
    let mut y = format!("version: '2.0'\n{name}:\n  tasks:\n");
    for i in 0..n {
        let _ = write!(y, "    t{i}:\n      action: std.noop\n");
        if i + 1 < n {
            let _ = writeln!(y, "      on-success: [t{}]", i + 1);
        }
    }
    y
}

/// One task iterating std.noop over `n` items.
fn with_items(n: usize) -> String {
    format!(
        "version: '2.0'\nitems:\n  tasks:\n    t:\n      with-items: i in <% range(0, {n}) %>\n      action: std.noop\n"
    )
}

/// Three levels of sub-workflows ending in about `leaves` std.noop leaves
/// (a fan of 10 under a fan of 10 under the root, each leaf workflow with
/// `leaves / 100` tasks).
fn tree(leaves: usize) -> String {
    let per = (leaves / 100).max(1);
    let mut y = String::from(
        "version: '2.0'\ntree:\n  tasks:\n    mid:\n      with-items: i in <% range(0, 10) %>\n      workflow: mid\nmid:\n  tasks:\n    leaf:\n      with-items: i in <% range(0, 10) %>\n      workflow: leaf\nleaf:\n  tasks:\n",
    );
    for i in 0..per {
        let _ = write!(y, "    l{i}:\n      action: std.noop\n");
    }
    y
}

/// One task that succeeds and is retried `n` times by `continue-on`.
fn retries(n: usize) -> String {
    format!(
        "version: '2.0'\nretries:\n  tasks:\n    t:\n      action: std.noop\n      retry:\n        count: {n}\n        delay: 0\n        continue-on: <% true %>\n"
    )
}

/// Peak resident set size of this process, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Waits for every execution in `ids` to end (from the engine's committed
/// change events, not by polling the store) and checks it succeeded.
async fn wait_all(
    engine: &Engine,
    events: &mut tokio::sync::broadcast::Receiver<Change>,
    ids: &[ExecutionId],
) {
    let mut pending: HashSet<String> = ids.iter().map(ToString::to_string).collect();
    let deadline = Instant::now() + Duration::from_secs(600);
    while !pending.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        let change = match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(c)) => c,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {
                // Events were skipped: read the states of what is left instead.
                pending.retain(|id| {
                    let e = id.parse().ok().and_then(|id| {
                        engine
                            .store
                            .get_execution(&bora::store::Access::All, id)
                            .ok()
                            .flatten()
                    });
                    match e {
                        Some(e) if e.state.is_terminal() => {
                            assert_eq!(e.state, State::Success, "{:?}", e.state_info);
                            false
                        }
                        _ => true,
                    }
                });
                continue;
            }
            Ok(Err(e)) => panic!("event stream closed: {e}"),
            Err(_) => panic!(
                "benchmark timed out with {} executions unfinished",
                pending.len()
            ),
        };
        if change.kind == "execution" && change.state.is_terminal() && pending.remove(&change.id) {
            assert_eq!(change.state, State::Success, "{:?}", change.state_info);
        }
    }
}

async fn start(engine: &Engine, wf: &str) -> ExecutionId {
    let msg = StartExecution {
        workflow_name: Some(wf.into()),
        ..Default::default()
    };
    engine
        .addr
        .send(msg)
        .await
        .expect("engine")
        .expect("start")
        .id
}

async fn define(engine: &Engine, yaml: String) {
    let msg = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: yaml,
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine
        .addr
        .send(msg)
        .await
        .expect("engine")
        .expect("define");
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let config = Config {
        database: url,
        ..Config::default()
    };
    let system = actix_rt::System::new();
    system.block_on(async move {
        // As served, the engine records its histograms; BENCH_METRICS=off
        // measures it without, for a side-by-side of their cost.
        let metrics = bora::api::Metrics::new();
        let timings = if std::env::var("BENCH_METRICS").as_deref() == Ok("off") {
            bora::engine::Timings::default()
        } else {
            metrics.engine_timings()
        };
        let engine = Engine::start_timed(
            &config,
            Registry::standard(),
            bora::engine::wall_clock(),
            timings,
        )
        .expect("engine");
        let mut events = engine.events.subscribe();
        println!("bora engine benchmark: {} workers, SQLite synchronous=FULL", config.worker_count());

        let n = scale(10_000);
        define(&engine, fan_out(n)).await;
        let t = Instant::now();
        let id = start(&engine, "fan_out").await;
        wait_all(&engine, &mut events, &[id]).await;
        let s = t.elapsed().as_secs_f64();
        println!("fan-out   {n:>6} parallel std.noop tasks: {s:>7.3} s  {:>9.0} tasks/s", n as f64 / s);

        let n = scale(1_000);
        define(&engine, chain("chain", n)).await;
        let t = Instant::now();
        let id = start(&engine, "chain").await;
        wait_all(&engine, &mut events, &[id]).await;
        let s = t.elapsed().as_secs_f64();
        println!("chain     {n:>6} sequential tasks:        {s:>7.3} s  {:>9.3} ms/step", s * 1000.0 / n as f64);

        let n = scale(1_000);
        define(&engine, chain("five", 5)).await;
        let t = Instant::now();
        let ids: Vec<ExecutionId> =
            futures::future::join_all((0..n).map(|_| start(&engine, "five"))).await;
        wait_all(&engine, &mut events, &ids).await;
        let s = t.elapsed().as_secs_f64();
        println!(
            "many      {n:>6} executions x 5 tasks:    {s:>7.3} s  {:>9.0} tasks/s  {:>7.0} executions/s",
            (n * 5) as f64 / s,
            n as f64 / s
        );
        let n = scale(10_000);
        define(&engine, with_items(n)).await;
        let t = Instant::now();
        let id = start(&engine, "items").await;
        wait_all(&engine, &mut events, &[id]).await;
        let s = t.elapsed().as_secs_f64();
        println!("items     {n:>6} with-items std.noop:     {s:>7.3} s  {:>9.0} items/s", n as f64 / s);

        let n = scale(1_000);
        define(&engine, tree(n)).await;
        let t = Instant::now();
        let id = start(&engine, "tree").await;
        wait_all(&engine, &mut events, &[id]).await;
        let s = t.elapsed().as_secs_f64();
        println!("tree      {n:>6} leaves, 3 levels of sub-workflows: {s:>7.3} s  {:>9.0} leaves/s", n as f64 / s);

        let n = scale(1_000);
        define(&engine, retries(n)).await;
        let t = Instant::now();
        let id = start(&engine, "retries").await;
        wait_all(&engine, &mut events, &[id]).await;
        let s = t.elapsed().as_secs_f64();
        println!("retry     {n:>6} quick retries:           {s:>7.3} s  {:>9.3} ms/retry", s * 1000.0 / n as f64);

        println!("peak RSS  {:.1} MiB", peak_rss_mib());
        if let Ok(stats) = engine.addr.send(bora::engine::GetStats).await {
            println!(
                "engine    {} commits, {} rows, {:.3} s in commits ({:.3} ms/commit)",
                stats.commits,
                stats.rows_written,
                stats.commit_micros as f64 / 1e6,
                stats.commit_micros as f64 / 1e3 / stats.commits.max(1) as f64
            );
        }
        engine.shutdown(Duration::from_secs(5)).await;
    });
}
