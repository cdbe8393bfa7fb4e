//! The store floor (`cargo bench --bench store_floor`): what the engine's
//! fan-out of 10,000 `std.noop` tasks costs against the least its rows can
//! cost. The engine runs the fan-out in this process on a fresh SQLite file
//! (synchronous=FULL, as served); then the rows it left (the execution, its
//! version, every task and action execution, read back whole) are written
//! to a second fresh file in their final state, with the store's own
//! multi-row INSERTs, `BATCH` tasks (default 1,000) with their action
//! executions per commit. Prints both rates and their ratio; the engine is
//! meant to stay within 2.5x of the floor.
//!
//! `BORA_BENCH_SCALE` scales the fan-out (e.g. 0.1), `BATCH` the commits.

// A benchmark stops at the first surprise: unwrap and expect are its asserts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Rows, read_back, scale};

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bora::actions::Registry;
use bora::app::Engine;
use bora::config::Config;
use bora::domain::State;
use bora::engine::{CreateWorkflows, StartExecution};
use bora::store::{Access, ActionExecutionRecord, Batch, Write};

fn fan_out(n: usize) -> String {
    let mut y = String::from("version: '2.0'\nfan_out:\n  tasks:\n");
    for i in 0..n {
        let _ = write!(y, "    t{i}:\n      action: std.noop\n");
    }
    y
}

/// Writes `rows` to a fresh store at `url`, `batch` tasks (with their
/// action executions) per commit; returns the time the commits took.
fn floor(url: &str, rows: &Rows, batch: usize) -> Duration {
    let (_, mut writer) = bora::store::open(url).unwrap();
    let mut actions_of: std::collections::HashMap<_, Vec<&ActionExecutionRecord>> =
        std::collections::HashMap::new();
    for a in &rows.actions {
        actions_of.entry(a.task_execution_id).or_default().push(a);
    }
    let t = Instant::now();
    let mut first = true;
    for chunk in rows.tasks.chunks(batch.max(1)) {
        let mut b = Batch::default();
        if first {
            b.versions.push(rows.version.clone());
            b.executions.push((Write::Insert, rows.execution.clone()));
            first = false;
        }
        b.tasks = chunk.iter().map(|t| (Write::Insert, t.clone())).collect();
        b.action_executions = chunk
            .iter()
            .flat_map(|t| actions_of.get(&Some(t.id)).into_iter().flatten())
            .map(|a| (Write::Insert, (*a).clone().into()))
            .collect();
        writer.commit(&b).unwrap();
    }
    t.elapsed()
}

fn main() {
    let n = scale(10_000);
    let batch: usize = std::env::var("BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("engine.db").display());
    let floor_url = format!("sqlite://{}", dir.path().join("floor.db").display());
    let config = Config {
        database: url,
        ..Config::default()
    };
    let system = actix_rt::System::new();
    let (engine_s, rows) = system.block_on(async move {
        let engine = Engine::start(&config, Registry::standard()).expect("engine");
        let mut events = engine.events.subscribe();
        let msg = CreateWorkflows {
            project: bora::domain::DEFAULT_PROJECT.into(),
            definition: fan_out(n),
            namespace: String::new(),
            scope: bora::domain::Scope::Private,
        };
        engine.addr.send(msg).await.unwrap().unwrap();
        let t = Instant::now();
        let start = StartExecution {
            workflow_name: Some("fan_out".into()),
            ..Default::default()
        };
        let id = engine.addr.send(start).await.unwrap().unwrap().id;
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, events.recv()).await {
                Ok(Ok(c)) if c.kind == "execution" && c.id == id.to_string() => {
                    if c.state.is_terminal() {
                        assert_eq!(c.state, State::Success, "{:?}", c.state_info);
                        break;
                    }
                }
                Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {
                    let e = engine.store.get_execution(&Access::All, id).unwrap();
                    if e.is_some_and(|e| e.state.is_terminal()) {
                        break;
                    }
                }
                Ok(Err(e)) => panic!("event stream closed: {e}"),
                Err(_) => panic!("the fan-out did not end in 600 s"),
            }
        }
        let s = t.elapsed().as_secs_f64();
        (s, read_back(&engine.store, id))
    });
    assert_eq!(rows.tasks.len(), n);
    assert_eq!(rows.actions.len(), n);
    let floor_s = floor(&floor_url, &rows, batch).as_secs_f64();
    let rate = |s: f64| n as f64 / s;
    println!("store floor: fan-out of {n} std.noop, SQLite synchronous=FULL");
    println!(
        "engine  {:>7.3} s  {:>9.0} tasks/s",
        engine_s,
        rate(engine_s)
    );
    println!(
        "floor   {:>7.3} s  {:>9.0} tasks/s  ({n} tasks + {} action executions + 1 execution + its version, {batch} tasks per commit)",
        floor_s,
        rate(floor_s),
        rows.actions.len()
    );
    println!(
        "ratio   engine takes {:.2}x the floor's time (target: at most 2.5x)",
        engine_s / floor_s
    );
}
