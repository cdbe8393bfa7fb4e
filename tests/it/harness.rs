//! Test harness: fresh databases (SQLite files, or PostgreSQL when
//! `BORA_TEST_POSTGRES_URL` is set), test actions, polling with deadlines,
//! and `TestApp`, the whole server on a port-0 listener.

#![allow(dead_code)]

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bora::actions::{Action, ActionDef, Param, Registry};
use bora::config::Config;
use bora::domain::{ExecutionId, State};
use bora::store::{ListQuery, Store};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

/// A fresh SQLite database URL in a temporary directory (kept alive by the guard).
pub fn sqlite_url() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bora.db").display());
    (dir, url)
}

/// Polls `f` until it returns `Some`, or panics after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the execution is in a terminal state and returns it.
pub async fn finished(store: &Store, id: ExecutionId) -> bora::store::ExecutionRecord {
    eventually(Duration::from_secs(20), "a terminal execution", || {
        let store = store.clone();
        async move {
            store
                .get_execution(&bora::store::Access::All, id)
                .ok()
                .flatten()
                .filter(|e| e.state.is_terminal())
        }
    })
    .await
}

/// The task executions of an execution, by name.
pub fn tasks(store: &Store, id: ExecutionId) -> Vec<bora::store::TaskRecord> {
    let mut q = ListQuery {
        access: bora::store::Access::All,
        ..Default::default()
    };
    q.filters.push(bora::store::Filter {
        field: "workflow_execution_id".into(),
        op: bora::store::FilterOp::Eq,
        values: vec![id.to_string()],
    });
    store.list_tasks(&q).expect("list tasks")
}

/// The state of the one task named `name`.
pub fn task_state(store: &Store, id: ExecutionId, name: &str) -> (State, Option<String>) {
    let t = tasks(store, id)
        .into_iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no task {name}"));
    (t.state, t.state_info)
}

/// The standard actions plus `test.count` (counts its runs in `counter`,
/// returns the count) and `test.panic` (panics with its `msg`).
pub fn counting_action(counter: Arc<AtomicUsize>) -> Registry {
    struct Count(Arc<AtomicUsize>);
    impl Action for Count {
        fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            futures::future::ready(Ok(Value::from(n))).boxed()
        }
    }
    struct Panic(String);
    impl Action for Panic {
        fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
            let msg = self.0;
            async move { panic!("{msg}") }.boxed()
        }
    }
    let mut r = Registry::standard();
    r.register(ActionDef::new(
        "test.count",
        "Counts its runs.",
        &[],
        move |_| Ok(Box::new(Count(counter.clone()))),
    ));
    const MSG: &[Param] = &[Param {
        name: "msg",
        default: Some("\"boom\""),
    }];
    r.register(ActionDef::new(
        "test.panic",
        "Panics with msg.",
        MSG,
        |input| {
            Ok(Box::new(Panic(
                input
                    .get("msg")
                    .and_then(Value::as_str)
                    .unwrap_or("boom")
                    .to_string(),
            )))
        },
    ));
    r
}

/// The whole server on a port-0 listener, in its own thread and actix system.
pub struct TestApp {
    pub base: String,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// Starts bora on a fresh SQLite database.
    pub fn start() -> Self {
        let (dir, url) = sqlite_url();
        let mut app = Self::start_on(&url);
        app._dir = Some(dir);
        app
    }

    /// Starts bora on a fresh SQLite database with `change` applied to its
    /// configuration.
    pub fn start_with(change: impl FnOnce(&mut Config)) -> Self {
        let (dir, url) = sqlite_url();
        let mut app = Self::start_configured(&url, change);
        app._dir = Some(dir);
        app
    }

    /// Starts bora on the database at `url`.
    pub fn start_on(url: &str) -> Self {
        Self::start_configured(url, |_| {})
    }

    /// Starts bora on the database at `url` with `change` applied to its
    /// configuration.
    pub fn start_configured(url: &str, change: impl FnOnce(&mut Config)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = Config {
            database: url.to_string(),
            workers: 2,
            bind: listener.local_addr().expect("addr").to_string(),
            ..base_config()
        };
        change(&mut config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let system = actix_rt::System::new();
            let stopped = async move {
                let _ = rx.await;
            };
            if let Err(e) = system.block_on(bora::app::run(config, listener, stopped)) {
                panic!("server failed: {e:#}");
            }
        });
        let app = Self {
            base,
            url: url.to_string(),
            stop: Some(tx),
            thread: Some(thread),
            _dir: None,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(app.base.trim_start_matches("http://")).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        app
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The database URL this server runs on.
    pub fn database_url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if std::thread::panicking() {
            return;
        }
        let mut q = ListQuery {
            access: bora::store::Access::All,
            ..Default::default()
        };
        q.filters.push(bora::store::Filter {
            field: "state".into(),
            op: bora::store::FilterOp::Eq,
            values: vec!["RUNNING".into()],
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let (store, _writer) = loop {
            match bora::store::open(&self.url) {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    log::debug!("store still held: {e}");
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("cannot reopen the store: {e}"),
            }
        };
        let running = store
            .list_action_executions(&q)
            .expect("list action executions");
        assert!(
            running.is_empty(),
            "action executions left RUNNING at teardown: {running:?}"
        );
    }
}

/// Defines the workflows of `yaml` on `engine`, runs `wf` with `input`, and
/// waits for it to finish.
pub async fn run_workflow(
    engine: &bora::app::Engine,
    yaml: &str,
    wf: &str,
    input: Value,
) -> (bora::store::ExecutionRecord, Vec<bora::store::TaskRecord>) {
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: yaml.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    if let Err(e) = engine.addr.send(defs).await.expect("engine") {
        assert!(
            matches!(e, bora::engine::Error::Conflict(_)),
            "definition rejected: {e}"
        );
    }
    let msg = StartExecution {
        workflow_name: Some(wf.into()),
        input: input.as_object().cloned().unwrap_or_default(),
        ..Default::default()
    };
    let id = engine
        .addr
        .send(msg)
        .await
        .expect("engine")
        .expect("start")
        .id;
    let ex = finished(&engine.store, id).await;
    let mut ts = tasks(&engine.store, id);
    ts.sort_by_key(|t| t.created_at);
    (ex, ts)
}

/// An engine with 2 workers and the test actions on a fresh SQLite file.
pub fn test_engine() -> (tempfile::TempDir, bora::app::Engine, Arc<AtomicUsize>) {
    test_engine_with(|_| {})
}

/// The defaults the suite runs on. `BORA_TEST_INLINE_FUEL=N` lowers the
/// engine's inline expression budget: at 1 every deferrable evaluation goes
/// through the evaluation pool, and the whole suite must pass that way too.
pub fn base_config() -> Config {
    let mut config = Config::default();
    if let Some(fuel) = std::env::var("BORA_TEST_INLINE_FUEL")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.expr_inline_fuel = fuel;
    }
    config
}

/// As [`test_engine`], with the configuration adjusted by `adjust`.
pub fn test_engine_with(
    adjust: impl FnOnce(&mut Config),
) -> (tempfile::TempDir, bora::app::Engine, Arc<AtomicUsize>) {
    let (dir, url) = sqlite_url();
    let runs = Arc::new(AtomicUsize::new(0));
    let mut config = Config {
        database: url,
        workers: 2,
        ..base_config()
    };
    adjust(&mut config);
    let engine = bora::app::Engine::start(&config, counting_action(runs.clone())).expect("engine");
    (dir, engine, runs)
}

/// `(name, state)` of each task, in creation order.
pub fn states(tasks: &[bora::store::TaskRecord]) -> Vec<(String, State)> {
    tasks.iter().map(|t| (t.name.clone(), t.state)).collect()
}

/// Starts an engine on `url`, retrying while the previous one still holds
/// the database.
pub async fn engine_on(url: &str) -> bora::app::Engine {
    let config = bora::config::Config {
        database: url.to_string(),
        workers: 1,
        ..crate::harness::base_config()
    };
    eventually(Duration::from_secs(10), "the database released", || async {
        bora::app::Engine::start(&config, bora::actions::Registry::standard()).ok()
    })
    .await
}
