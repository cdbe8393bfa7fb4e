//! The composition root: opens the store, starts the engine (on its own
//! arbiter) with its worker pool, and the HTTP server; on shutdown stops
//! taking work, lets running actions finish within the grace period,
//! commits, and returns.

mod lease;

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::{App, HttpServer, web};

use crate::actions::Registry;
use crate::api::{self, ApiState};
use crate::config::Config;
use crate::engine::{Drain, EngineActor, ListUnfinished, Timings, Unfinished};
use crate::expr::Evaluator;
use crate::protocol::EngineLink;
use crate::store::{self, Store};
use crate::worker::{PoolStats, WorkerPool};

/// Replaces the default panic hook: a panic is logged with its thread and
/// location, and a backtrace when `RUST_BACKTRACE` asks for one, but never
/// with its message. An action's panic message may carry its input, secrets
/// included; the worker conveys it as the task's failure, where the engine
/// masks the execution's secrets before it is stored.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        let at = info
            .location()
            .map_or_else(|| "an unknown location".to_string(), ToString::to_string);
        let len = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.len())
            .or_else(|| info.payload().downcast_ref::<String>().map(String::len))
            .unwrap_or(0);
        let bt = std::backtrace::Backtrace::capture();
        if bt.status() == std::backtrace::BacktraceStatus::Captured {
            log::error!("thread '{name}' panicked at {at} (message of {len} bytes withheld)\n{bt}");
        } else {
            log::error!("thread '{name}' panicked at {at} (message of {len} bytes withheld)");
        }
    }));
}

/// A running engine with its pool, as tests and `run` use it.
pub struct Engine {
    pub addr: Addr<EngineActor>,
    pub store: Store,
    /// The worker pool's live counters.
    pub pool: Arc<PoolStats>,
    /// Committed state changes.
    pub events: tokio::sync::broadcast::Sender<crate::engine::Change>,
    /// Woken by the engine after a commit that wrote notification events.
    pub outbox: Arc<tokio::sync::Notify>,
    /// The broker transport's counters, when tasks go through a broker.
    pub broker: Option<Arc<crate::broker::Stats>>,
    /// This node, when it is one of several on one PostgreSQL.
    pub node: Option<Arc<store::Node>>,
    arbiter: Arbiter,
    /// The broker transport's thread, when there is one.
    broker_arbiter: Option<Arbiter>,
}

impl Engine {
    /// Opens the store at `config.database`, recovers, and starts the
    /// engine and `config.worker_count()` workers with `registry`.
    pub fn start(config: &Config, registry: Registry) -> anyhow::Result<Self> {
        Self::start_clocked(config, registry, crate::engine::wall_clock())
    }

    /// [`Engine::start`] with the cron scheduler reading `clock`.
    pub fn start_clocked(
        config: &Config,
        registry: Registry,
        clock: crate::engine::Clock,
    ) -> anyhow::Result<Self> {
        Self::start_timed(config, registry, clock, Timings::default())
    }

    /// [`Engine::start_clocked`] recording its histograms in `timings`.
    pub fn start_timed(
        config: &Config,
        registry: Registry,
        clock: crate::engine::Clock,
        timings: Timings,
    ) -> anyhow::Result<Self> {
        let (store, writer, keeper) = match node_settings(config) {
            None => {
                let (store, writer) = store::open(&config.database)?;
                (store, writer, None)
            }
            Some(settings) => {
                let (store, writer, keeper) = store::open_node(&config.database, &settings)?;
                (store, writer, Some(keeper))
            }
        };
        let node = keeper.as_ref().map(|k| k.node().clone());
        let eval = Arc::new(Evaluator::new(config.expr_limits()));
        crate::actions::http::install_tls_provider();
        let registry = registry.shared();
        let catalog: Arc<dyn crate::protocol::ActionCatalog> = Arc::new(Catalog(registry.clone()));
        let workers = config.worker_count();
        let limits = config.engine_limits();
        let offload = config.offload();
        let capacity = config.worker_capacity;
        let cron = config.cron();
        let retention = config.retention();
        let arbiter = Arbiter::new();
        let pool_stats = Arc::new(PoolStats::default());
        let stats = pool_stats.clone();
        let (events, _) = tokio::sync::broadcast::channel(4096);
        let announce = events.clone();
        let outbox = Arc::new(tokio::sync::Notify::new());
        let wake = outbox.clone();
        let broker_arbiter = config.broker().map(|_| Arbiter::new());
        let remote = config
            .broker()
            .zip(broker_arbiter.as_ref())
            .map(|(mut settings, arbiter)| Remote {
                settings: {
                    settings.node = node
                        .as_ref()
                        .map(|n| crate::protocol::node_process(&n.id, n.epoch));
                    settings
                },
                local_workers: config.local_workers,
                stats: Arc::default(),
                arbiter: arbiter.handle(),
            });
        let broker_stats = remote.as_ref().map(|r| r.stats.clone());
        let reader = store.clone();
        let addr = EngineActor::start_in_arbiter(&arbiter.handle(), move |ctx| {
            let link = EngineLink {
                confirm: ctx.address().recipient(),
                convey: ctx.address().recipient(),
            };
            let (pool, takeovers) = match remote {
                // The in-process path: the engine's mailbox to the pool's.
                None => (
                    WorkerPool::new(workers, registry, link, stats)
                        .with_capacity(capacity)
                        .start()
                        .recipient(),
                    None,
                ),
                Some(remote) => {
                    let local = remote.local_workers.then(|| LocalPool {
                        workers,
                        capacity,
                        registry,
                        stats,
                    });
                    let (pool, takeovers) = remote.start(link, ctx.address().recipient(), local);
                    (pool, Some(takeovers))
                }
            };
            EngineActor::new(writer, pool, eval)
                .with_takeover_notices(takeovers)
                .with_catalog(catalog)
                .with_reader(reader)
                .with_events(announce)
                .with_limits(limits)
                .with_offload(offload)
                .with_cron(cron, clock)
                .with_retention(retention)
                .with_outbox(wake)
                .with_timings(timings)
        });
        if let Some(keeper) = keeper {
            lease::keep_lease(keeper, addr.clone())?;
        }
        Ok(Self {
            addr,
            store,
            node,
            pool: pool_stats,
            events,
            outbox,
            broker: broker_stats,
            arbiter,
            broker_arbiter,
        })
    }

    /// Stops taking new work (nothing starts any more), waits for the
    /// actions running in this process, up to `grace`, commits their
    /// results, logs every action left unfinished with what a restart will
    /// do to it, and stops the engine. Returns as soon as nothing runs.
    pub async fn shutdown(self, grace: Duration) {
        use std::sync::atomic::Ordering::SeqCst;
        let deadline = Instant::now() + grace;
        let _ = self.addr.send(Drain).await;
        // `busy` counts every HandleTask a worker is handling, from its
        // confirmation (refused from now on) to its conveyed result; remote
        // workers' confirmed actions are counted by the broker transport.
        let running = || {
            self.pool.busy.load(SeqCst) as u64
                + self
                    .broker
                    .as_ref()
                    .map_or(0, |b| b.remote_running.load(SeqCst))
        };
        while running() > 0 && Instant::now() < deadline {
            actix_rt::time::sleep(SHUTDOWN_POLL).await;
        }
        let running = running();
        let _ = self.addr.send(Drain).await;
        let unfinished = self.addr.send(ListUnfinished).await.unwrap_or_default();
        if running > 0 {
            log::warn!(
                "shutdown: the grace period ({}s) ended with {running} actions still running",
                grace.as_secs()
            );
        }
        for u in &unfinished {
            log::warn!("{}", abandoned_line(u));
        }
        self.arbiter.stop();
        if let Some(broker) = self.broker_arbiter {
            broker.stop();
        }
    }
}

/// The store's settings of this node, when `node_id` makes it one of
/// several engine nodes on one PostgreSQL.
fn node_settings(config: &Config) -> Option<store::NodeSettings> {
    if config.node_id.is_empty() {
        return None;
    }
    Some(store::NodeSettings {
        id: config.node_id.clone(),
        api_url: config.node_api_url(),
        lease: Duration::from_millis(config.node_lease_ms),
    })
}

/// A node's broker transport, before it starts.
struct Remote {
    settings: crate::broker::Settings,
    local_workers: bool,
    stats: Arc<crate::broker::Stats>,
    arbiter: ArbiterHandle,
}

/// The workers a node with a broker runs itself (fed from the broker too).
struct LocalPool {
    workers: usize,
    capacity: usize,
    registry: Arc<Registry>,
    stats: Arc<PoolStats>,
}

impl Remote {
    /// Starts the engine side of the broker (and the node's own workers,
    /// if any) on the broker's thread; returns the engine's pool recipient
    /// and the one told of takeovers. Called from the engine's thread while
    /// it starts, so it waits only for the other thread to build them.
    ///
    /// The engine tells it of the node processes that ended (this node's
    /// own earlier ones too) once it has started, and at each takeover.
    fn start(
        self,
        link: EngineLink,
        lost: Recipient<crate::protocol::WorkerLost>,
        local: Option<LocalPool>,
    ) -> (
        Recipient<crate::protocol::HandleTask>,
        Recipient<crate::protocol::NodeTakenOver>,
    ) {
        let (tx, rx) = std::sync::mpsc::channel();
        let (settings, stats) = (self.settings, self.stats);
        self.arbiter.spawn_fn(move || {
            let (pool, takeovers) =
                crate::broker::EngineSide::start(settings.clone(), link, lost, stats.clone());
            if let Some(local) = local {
                start_remote_pool(settings, stats, local);
            }
            let _ = tx.send((pool, takeovers));
        });
        match rx.recv() {
            Ok(both) => both,
            Err(_) => {
                log::error!("the broker transport did not start; tasks will not be dispatched");
                let none = Dispatchless.start();
                (none.clone().recipient(), none.recipient())
            }
        }
    }
}

/// A worker pool fed from the broker (`bora worker`, or a node's own
/// workers when it has a broker).
fn start_remote_pool(
    settings: crate::broker::Settings,
    stats: Arc<crate::broker::Stats>,
    local: LocalPool,
) {
    crate::broker::WorkerSide::start(settings, stats, move |link, done| {
        WorkerPool::new(local.workers, local.registry, link, local.stats)
            .with_capacity(local.capacity)
            .with_done(done)
            .start()
            .recipient()
    });
}

/// Stands for a pool that could not start: every task stays IDLE and is
/// dispatched again by the next start's recovery.
struct Dispatchless;

impl Actor for Dispatchless {
    type Context = Context<Self>;
}

impl Handler<crate::protocol::NodeTakenOver> for Dispatchless {
    type Result = ();

    fn handle(&mut self, _: crate::protocol::NodeTakenOver, _: &mut Self::Context) {}
}

impl Handler<crate::protocol::HandleTask> for Dispatchless {
    type Result = ();

    fn handle(&mut self, msg: crate::protocol::HandleTask, _: &mut Self::Context) {
        log::error!(
            "action={} not dispatched: no broker transport",
            msg.action_execution_id
        );
    }
}

/// Runs a worker process (`bora worker`): a pool of `config.worker_count()`
/// workers fed from the broker, until `shutdown` resolves; then running
/// actions get the grace period. Tasks it did not finish are delivered
/// again to another worker.
pub async fn run_worker(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering::SeqCst;
    let settings = config
        .broker()
        .ok_or_else(|| anyhow::anyhow!("bora worker needs --broker (or broker_url)"))?;
    crate::actions::http::install_tls_provider();
    let registry = Registry::standard_with(config.http_settings()).shared();
    let pool = Arc::new(PoolStats::default());
    let stats = Arc::new(crate::broker::Stats::default());
    log::info!(
        "bora {} worker: {} workers, broker {}, queues under '{}'",
        env!("CARGO_PKG_VERSION"),
        config.worker_count(),
        crate::broker::redact(&settings.url),
        settings.prefix
    );
    start_remote_pool(
        settings,
        stats,
        LocalPool {
            workers: config.worker_count(),
            capacity: config.worker_capacity,
            registry,
            stats: pool.clone(),
        },
    );
    shutdown.await;
    let deadline = Instant::now() + Duration::from_secs(config.shutdown_grace_secs);
    log::info!(
        "worker stopping: running actions get {}s",
        config.shutdown_grace_secs
    );
    while pool.busy.load(SeqCst) > 0 && Instant::now() < deadline {
        actix_rt::time::sleep(SHUTDOWN_POLL).await;
    }
    log::info!("worker stopped");
    Ok(())
}

/// A node's counters as `/metrics` names them.
fn node_gauges(node: &store::Node) -> Vec<(&'static str, u64)> {
    use std::sync::atomic::Ordering::Relaxed;
    let s = &node.stats;
    vec![
        ("node_epoch", u64::try_from(node.epoch).unwrap_or(0)),
        ("node_lease_renewals_total", s.renewals.load(Relaxed)),
        ("node_lease_losses_total", s.losses.load(Relaxed)),
        (
            "node_stale_epoch_writes_rejected_total",
            s.stale_rejected.load(Relaxed),
        ),
        ("node_takeovers_total", s.takeovers.load(Relaxed)),
        (
            "node_executions_taken_over_total",
            s.taken_over.load(Relaxed),
        ),
    ]
}

/// The longest a graceful stop waits for notification POSTs under way.
const NOTIFY_SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// How long a stop lets requests under way finish when the grace period
/// is already over.
const HTTP_FINISH_WAIT: Duration = Duration::from_millis(500);

/// How often shutdown looks whether actions still run.
const SHUTDOWN_POLL: Duration = Duration::from_millis(20);

/// The log line of an action left unfinished by a shutdown.
fn abandoned_line(u: &Unfinished) -> String {
    let owner = match (&u.execution_id, &u.task_name) {
        (Some(ex), Some(task)) => format!("ex={ex} task={task} "),
        (Some(ex), None) => format!("ex={ex} "),
        _ => "standalone ".to_string(),
    };
    format!(
        "shutdown: abandoned {owner}action={} ({}) in state {}; {}",
        u.id, u.action, u.state, u.on_restart
    )
}

/// How often histogram samples are folded into their buckets.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// Keeps the memory of the metrics' histograms bounded between scrapes.
async fn metrics_upkeep(metrics: Arc<api::Metrics>) {
    loop {
        actix_rt::time::sleep(METRICS_UPKEEP).await;
        metrics.upkeep();
    }
}

/// `url` with its password, if any, replaced by `***` (for the log).
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The line that says bora is up: version, address, database and its
/// schema, workers, the configuration file, authentication.
fn startup_line(config: &Config, engine: &Engine, addr: &std::net::SocketAddr) -> String {
    let schema = engine
        .store
        .schema_version()
        .unwrap_or_else(|e| format!("unknown ({e})"));
    format!(
        "bora {} listening on http://{addr}; database {} (schema {schema}); {} workers; \
         config {}; authentication {}",
        env!("CARGO_PKG_VERSION"),
        redact_url(&config.database),
        config.worker_count(),
        config
            .file
            .as_deref()
            .unwrap_or("none (defaults and BORA_* variables)"),
        if config.auth { "on" } else { "off" }
    )
}

/// How often the process checks that its engine is alive.
const ENGINE_WATCH: Duration = Duration::from_millis(100);

/// Exit status when the engine died under a running server.
pub const ENGINE_DIED: i32 = 70;

/// Ends the process when the engine stops (a panic in its actor) while the
/// server is not shutting down: an API in front of a dead engine would take
/// requests nothing can serve. The state comes back from the store on the
/// next start (RELIABILITY.md §4 rule 5).
async fn fail_fast(engine: Addr<EngineActor>, stopping: tokio::sync::watch::Receiver<bool>) {
    loop {
        actix_rt::time::sleep(ENGINE_WATCH).await;
        if *stopping.borrow() {
            return;
        }
        if !engine.connected() {
            log::error!("the engine stopped unexpectedly; exiting so it recovers from the store");
            std::process::exit(ENGINE_DIED);
        }
    }
}

/// The engine's view of the workers' registry: whether an action exists,
/// takes the input, and is synchronous.
struct Catalog(Arc<Registry>);

impl crate::protocol::ActionCatalog for Catalog {
    fn check(&self, name: &str, input: &serde_json::Value) -> Result<bool, String> {
        self.0.instantiate(name, input).map(|a| a.is_sync())
    }

    fn validate(&self, name: &str, input: &serde_json::Value) -> Result<(), String> {
        self.0.check(name, input)
    }
}

/// Runs bora until `shutdown` resolves: engine, workers and the HTTP API on
/// `listener`.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    config.check_exposure(&listener.local_addr()?)?;
    let tokens = config
        .tokens
        .iter()
        .filter_map(|t| {
            let caller = api::Caller {
                project_id: t.project_id.clone(),
                admin: t.admin,
            };
            Some((t.hash()?, caller))
        })
        .collect();
    let auth = web::Data::new(api::Auth::new(config.auth, tokens));
    let metrics = Arc::new(api::Metrics::new());
    let engine = Engine::start_timed(
        &config,
        Registry::standard_with(config.http_settings()),
        crate::engine::wall_clock(),
        metrics.engine_timings(),
    )?;
    let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
    let outbox = Arc::new(crate::notify::Stats::default());
    let posting = outbox.clone();
    crate::notify::spawn(
        engine.store.clone(),
        engine.addr.clone().recipient(),
        engine.outbox.clone(),
        config.notify(),
        outbox.clone(),
    );
    let state = ApiState {
        store: engine.store.clone(),
        engine: engine.addr.clone(),
        max_page_size: config.max_page_size,
        events: engine.events.clone(),
        shutdown: stopping_rx.clone(),
        engine_queue: Arc::new(api::EngineQueue::new(config.max_engine_requests)),
        gauges: {
            let pool = engine.pool.clone();
            let broker = engine.broker.clone();
            let node = engine.node.clone();
            Arc::new(move || {
                use std::sync::atomic::Ordering::Relaxed;
                vec![
                    ("workers_alive", pool.alive.load(Relaxed) as u64),
                    ("workers_busy", pool.busy.load(Relaxed) as u64),
                    ("worker_restarts_total", pool.restarts.load(Relaxed) as u64),
                    ("notifications_pending", outbox.pending.load(Relaxed)),
                    (
                        "notifications_delivered_total",
                        outbox.delivered.load(Relaxed),
                    ),
                    ("notifications_retries_total", outbox.retries.load(Relaxed)),
                    ("notifications_failed_total", outbox.failed.load(Relaxed)),
                ]
                .into_iter()
                .chain(broker.iter().flat_map(|b| b.gauges()))
                .chain(node.iter().flat_map(|n| node_gauges(n)))
                .collect()
            })
        },
        metrics: metrics.clone(),
        node: match &engine.node {
            Some(n) => Some(api::NodeApi::new(n.id.clone())?),
            None => None,
        },
    };
    let body_limit = config.max_body_bytes;
    let body_timeout = Duration::from_millis(config.client_body_timeout_ms);
    log::info!(
        "{}",
        startup_line(&config, &engine, &listener.local_addr()?)
    );
    let open = api::OpenRequests::default();
    let counted = open.clone();
    let server = HttpServer::new(move || {
        let counted = counted.clone();
        App::new()
            // Innermost: a forwarded body has passed the XML refusal and
            // is read under the body deadline.
            .wrap(actix_web::middleware::from_fn(api::owner_guard))
            .wrap(actix_web::middleware::from_fn(api::refuse_xml))
            .wrap(actix_web::middleware::from_fn(
                api::refuse_unknown_arguments,
            ))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                api::body_deadline(body_timeout, req, next)
            }))
            .app_data(web::Data::new(state.clone()))
            .app_data(auth.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(web::JsonConfig::default().limit(body_limit))
            .configure(api::configure)
            .wrap(actix_web::middleware::from_fn(api::drop_empty_segments))
            .wrap(actix_web::middleware::from_fn(api::auth::authenticate))
            .wrap(actix_web::middleware::from_fn(api::metrics::track))
            .wrap(api::access_log())
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                api::count_open(counted.clone(), req, next)
            }))
    })
    .client_request_timeout(Duration::from_millis(config.client_request_timeout_ms))
    .keep_alive(Duration::from_secs(config.keep_alive_secs))
    .listen(listener)?
    .workers(2)
    .disable_signals()
    .shutdown_timeout(config.shutdown_grace_secs)
    .run();
    let handle = server.handle();
    let server = actix_rt::spawn(server);
    actix_rt::spawn(fail_fast(engine.addr.clone(), stopping_rx));
    actix_rt::spawn(metrics_upkeep(metrics));
    shutdown.await;
    log::info!(
        "shutting down: no new work, running actions get {}s",
        config.shutdown_grace_secs
    );
    // The engine drains first, with the API still up: writes are answered
    // 503 meanwhile, nothing new is dispatched, live streams end. Then the
    // HTTP server stops, within the same grace period.
    let _ = stopping.send(true);
    // Notifications on their way finish first (a short wait within the
    // grace), and the engine is told of them before its last commit: a
    // graceful stop sends nothing twice. A POST slower than that may be
    // sent again after the restart (delivery is at least once).
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let deadline = Instant::now() + grace;
    let posts_until = Instant::now() + grace.min(NOTIFY_SHUTDOWN_WAIT);
    while posting.in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0
        && Instant::now() < posts_until
    {
        actix_rt::time::sleep(SHUTDOWN_POLL).await;
    }
    engine
        .shutdown(deadline.saturating_duration_since(Instant::now()))
        .await;
    // No new connections; requests under way are answered (within the
    // grace, or at least `HTTP_FINISH_WAIT`), then every connection closes:
    // idle keep-alive ones carry nothing to finish.
    handle.pause().await;
    let finish_by = deadline.max(Instant::now() + HTTP_FINISH_WAIT);
    while open.count() > 0 && Instant::now() < finish_by {
        actix_rt::time::sleep(SHUTDOWN_POLL).await;
    }
    if open.count() > 0 {
        log::warn!(
            "shutdown: {} requests still under way are cut",
            open.count()
        );
    }
    handle.stop(false).await;
    let _ = server.await;
    log::info!("bora stopped");
    Ok(())
}

/// bora served on a loopback port from a thread of its own, for the
/// command line's `bora run`: the whole service (engine, workers, HTTP
/// API) on a database the caller chose, stopped by [`Embedded::stop`] or
/// by Ctrl-C (then [`Embedded::ended`] turns true, and the caller cleans
/// up and exits).
pub struct Embedded {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Embedded {
    /// Binds `127.0.0.1:0` and runs [`run`] with `config` on a new thread.
    /// `config.bind` is ignored.
    pub fn start(mut config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        config.bind = addr.to_string();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bora-embedded".into())
            .spawn(move || {
                let system = actix_rt::System::new();
                system.block_on(run(config, listener, async move {
                    tokio::select! {
                        _ = rx => {},
                        _ = tokio::signal::ctrl_c() => {},
                    }
                }))
            })?;
        Ok(Self {
            url: format!("http://{addr}"),
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    /// Whether the server's thread has ended (it failed to start, or
    /// stopped).
    pub fn ended(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Shuts the server down (running actions get the grace period) and
    /// returns how its thread ended.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => anyhow::bail!("the embedded server panicked"),
            None => Ok(()),
        }
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("sqlite://bora.db"), "sqlite://bora.db");
        assert_eq!(
            redact_url("postgres://bora:s3cr@t@db:5432/bora"),
            "postgres://bora:***@db:5432/bora"
        );
        assert_eq!(
            redact_url("postgres://bora@db/bora"),
            "postgres://bora@db/bora"
        );
    }
}
