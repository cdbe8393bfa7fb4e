//! Reads with many finished executions stored (`cargo bench --bench
//! stored_reads`): one small workflow (two tasks) runs through the engine;
//! its rows are then written to a fresh SQLite file, with fresh ids and
//! spread creation times, until it holds 100,000 finished executions
//! (`BORA_BENCH_SCALE` scales that). A real `bora serve` on that file then
//! answers `CLIENTS` concurrent clients (default 100), each sending one
//! request after the other for `READ_SECS` seconds (default 10) per
//! endpoint: `GET /v2/executions?limit=100`, `GET /v2/workflows` and
//! `GET /v2/executions/{id}` of ids drawn across the whole store. Prints
//! requests per second and the p50 and p99 latency seen by the clients,
//! which run on the same machine as the server.

// A benchmark stops at the first surprise: unwrap and expect are its asserts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Rows, read_back, scale};

use std::time::{Duration, Instant};

use bora::actions::Registry;
use bora::app::Engine;
use bora::config::Config;
use bora::domain::{ActionExecutionId, ExecutionId, State, TaskExecutionId};
use bora::engine::{CreateWorkflows, StartExecution};
use bora::store::{Access, Batch, WorkflowDef, Write};

const WORKFLOW: &str = "version: '2.0'
small:
  input: [n]
  tasks:
    first:
      action: std.echo output=<% $.n %>
      publish:
        got: <% task().result %>
      on-success: second
    second:
      action: std.noop
  output:
    got: <% $.got %>
";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Everything one run of the small workflow stored, read back whole.
/// Runs the small workflow once through the engine on a store of its own
/// (`url`) and reads back what it stored, with the workflow.
fn run_once(url: &str) -> (WorkflowDef, Rows) {
    let config = Config {
        database: url.to_string(),
        ..Config::default()
    };
    let system = actix_rt::System::new();
    system.block_on(async move {
        let engine = Engine::start(&config, Registry::standard()).expect("engine");
        let msg = CreateWorkflows {
            project: bora::domain::DEFAULT_PROJECT.into(),
            definition: WORKFLOW.into(),
            namespace: String::new(),
            scope: bora::domain::Scope::Private,
        };
        engine.addr.send(msg).await.unwrap().unwrap();
        let start = StartExecution {
            workflow_name: Some("small".into()),
            input: serde_json::json!({"n": 1}).as_object().cloned().unwrap(),
            ..Default::default()
        };
        let id = engine.addr.send(start).await.unwrap().unwrap().id;
        let deadline = Instant::now() + Duration::from_secs(60);
        let store = &engine.store;
        loop {
            let e = store.get_execution(&Access::All, id).unwrap();
            if let Some(e) = e.filter(|e| e.state.is_terminal()) {
                assert_eq!(e.state, State::Success, "{:?}", e.state_info);
                break;
            }
            assert!(Instant::now() < deadline, "the workflow did not end");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let workflow = store
            .find_workflow(&Access::All, "small", "")
            .unwrap()
            .unwrap();
        (workflow, read_back(store, id))
    })
}

/// Writes `n` copies of `rows` (fresh ids, creation times 100 ms apart)
/// to a fresh store at `url`; returns every execution id.
fn fill(url: &str, workflow: &WorkflowDef, rows: &Rows, n: usize) -> Vec<ExecutionId> {
    let (_, mut writer) = bora::store::open(url).unwrap();
    let mut batch = Batch {
        workflows: vec![(Write::Insert, workflow.clone())],
        versions: vec![rows.version.clone()],
        ..Batch::default()
    };
    let ex = &rows.execution;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let shift = chrono::Duration::milliseconds(-(i as i64) * 100);
        let mut e = ex.clone();
        e.id = ExecutionId::new();
        e.root_execution_id = ex.root_execution_id.map(|_| e.id);
        e.created_at += shift;
        e.updated_at = e.updated_at.map(|t| t + shift);
        for t in &rows.tasks {
            let mut t = t.clone();
            let old = t.id;
            t.id = TaskExecutionId::new();
            t.execution_id = e.id;
            t.created_at += shift;
            t.updated_at = t.updated_at.map(|x| x + shift);
            t.started_at = t.started_at.map(|x| x + shift);
            t.finished_at = t.finished_at.map(|x| x + shift);
            for a in rows
                .actions
                .iter()
                .filter(|a| a.task_execution_id == Some(old))
            {
                let mut a = a.clone();
                a.id = ActionExecutionId::new();
                a.task_execution_id = Some(t.id);
                a.execution_id = Some(e.id);
                a.created_at += shift;
                a.updated_at = a.updated_at.map(|x| x + shift);
                batch.action_executions.push((Write::Insert, a.into()));
            }
            batch.tasks.push((Write::Insert, t));
        }
        ids.push(e.id);
        batch.executions.push((Write::Insert, e));
        if batch.executions.len() == 1_000 {
            writer.commit(&std::mem::take(&mut batch)).unwrap();
        }
    }
    writer.commit(&batch).unwrap();
    ids
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str, port: u16) -> Server {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_bora"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database",
            url,
        ])
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("bora serve");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::blocking::get(format!("http://127.0.0.1:{port}/v2")).is_err() {
        assert!(Instant::now() < deadline, "bora serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// `clients` clients send requests (paths from `path`) one after the
/// other for `secs`; every latency, sorted.
async fn load(
    base: &str,
    clients: usize,
    secs: u64,
    path: impl Fn(usize) -> String + Clone + 'static,
) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(secs);
    let mut handles = Vec::new();
    for c in 0..clients {
        let (client, base, path) = (client.clone(), base.to_string(), path.clone());
        handles.push(actix_rt::spawn(async move {
            let mut seen = Vec::new();
            let mut k = c;
            while Instant::now() < end {
                let t = Instant::now();
                let url = format!("{base}{}", path(k));
                let resp = client.get(&url).send().await.unwrap();
                let status = resp.status();
                let body = resp.bytes().await.unwrap();
                assert!(
                    status.is_success(),
                    "GET {url}: {status} {}",
                    String::from_utf8_lossy(&body)
                );
                seen.push(t.elapsed());
                k += clients;
            }
            seen
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    all
}

fn report(what: &str, secs: u64, lat: &[Duration], target: &str) {
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{what:<34} {:>7} requests {:>8.0}/s   p50 {:>7.2} ms   p99 {:>7.2} ms   (target: {target})",
        lat.len(),
        lat.len() as f64 / secs as f64,
        pct(0.50),
        pct(0.99)
    );
}

fn main() {
    let n = scale(100_000);
    let clients = env_or("CLIENTS", 100) as usize;
    let secs = env_or("READ_SECS", 10);
    let port = env_or("PORT", 18260) as u16;
    let dir = tempfile::tempdir().expect("tempdir");
    // `KEEP=1` keeps the store (its path is printed) for a closer look.
    let dir_path = if std::env::var("KEEP").is_ok_and(|v| v == "1") {
        let kept = dir.keep();
        println!("store kept in {}", kept.display());
        kept
    } else {
        dir.path().to_path_buf()
    };
    let url = format!("sqlite://{}", dir_path.join("reads.db").display());
    let (workflow, rows) = run_once(&format!("sqlite://{}", dir_path.join("seed.db").display()));
    let t = Instant::now();
    let ids = fill(&url, &workflow, &rows, n);
    println!(
        "stored: {n} finished executions of a two-task workflow ({:.1} s to write), {} MB",
        t.elapsed().as_secs_f64(),
        std::fs::metadata(dir_path.join("reads.db")).map_or(0, |m| m.len()) / 1_000_000
    );
    let _server = serve(&url, port);
    let base = format!("http://127.0.0.1:{port}/v2");
    println!("{clients} concurrent clients, {secs} s per endpoint, clients on the same machine");
    let system = actix_rt::System::new();
    system.block_on(async move {
        let lat = load(&base, clients, secs, |_| "/executions?limit=100".into()).await;
        report("GET /v2/executions?limit=100", secs, &lat, "p99 <= 20 ms");
        let lat = load(&base, clients, secs, |_| "/workflows".into()).await;
        report("GET /v2/workflows", secs, &lat, "p50 <= 1 ms");
        let ids = std::sync::Arc::new(ids);
        let lat = load(&base, clients, secs, move |k| {
            format!("/executions/{}", ids[(k * 7919) % ids.len()])
        })
        .await;
        report("GET /v2/executions/{id}", secs, &lat, "p99 <= 5 ms");
    });
}
