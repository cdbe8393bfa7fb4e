//! The broker transport: the engine↔worker protocol over RabbitMQ (AMQP
//! 0-9-1) for workers on other hosts. The composition root wires it; the
//! engine still sees only a `Recipient<HandleTask>` and the workers only an
//! `EngineLink`. Messages are the `protocol` module's, as JSON.
//!
//! Queues (durable, messages persistent), under a prefix (`bora`):
//! `<prefix>.tasks` (and `<prefix>.tasks.<target>`) carry `HandleTask`;
//! `<prefix>.confirm` carries `ConfirmExecution` requests, answered on the
//! asker's reply queue; `<prefix>.results` carries `ConveyResult`;
//! `<prefix>.heartbeats` carries each worker's list of running attempts.
//! Every publish that loses something if dropped waits for the broker's
//! confirm and is retried, across reconnections, until confirmed.
//!
//! When several engine nodes share one database, each node process has its
//! own confirm, result and heartbeat queues, named by its node id and epoch
//! (`<prefix>.confirm@<node>.<epoch>` …); it names them on each `HandleTask`
//! (the message's `app_id`), and a worker answers there. Every node
//! consumes the confirm and result queues of the node processes that ended
//! too (the engine names them in `NodeTakenOver`, at its start and at each
//! takeover): the dispatches and results still in them are then answered
//! and refused as stale attempts. Such queues are deleted by the broker a
//! day after their last consumer.

mod engine_side;
mod outbox;
mod worker_side;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde::{Deserialize, Serialize};

use crate::domain::{ActionExecutionId, Attempt};

pub use engine_side::EngineSide;
pub use worker_side::WorkerSide;

/// How to reach the broker and how to speak over it.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `amqp://user:password@host:port/vhost`.
    pub url: String,
    /// Prefix of every queue name, so that deployments (or test runs)
    /// sharing a broker do not share queues.
    pub prefix: String,
    /// Worker groups whose queues (`<prefix>.tasks.<target>`) a worker
    /// process consumes, beside the default one.
    pub targets: Vec<String>,
    /// How often a worker lists its running attempts.
    pub heartbeat: Duration,
    /// How long the engine side waits without a heartbeat naming a
    /// running attempt before it takes its worker for lost.
    pub lease: Duration,
    /// How long a worker waits for the answer to `ConfirmExecution` before
    /// it asks again.
    pub confirm_timeout: Duration,
    /// `HandleTask` deliveries a worker process holds at once.
    pub prefetch: u16,
    /// How long a dispatch may go without a worker asking to confirm it
    /// before the engine is told (as `WorkerLost` of an attempt it still
    /// holds IDLE) and sends it again under a new attempt; `None`: never.
    pub dispatch_timeout: Option<Duration>,
    /// The engine node process these settings serve (`<node id>.<epoch>`),
    /// when several nodes share the database: its own queues are named by
    /// it. `None` for a single node and for worker processes.
    pub node: Option<String>,
}

/// How long a node process's own queues outlive their last consumer.
const NODE_QUEUE_EXPIRES_MS: i64 = 24 * 60 * 60 * 1000;

impl Settings {
    /// The queue of `HandleTask`s for `target` (the default one for `None`).
    pub fn task_queue(&self, target: Option<&str>) -> String {
        match target {
            Some(t) => format!("{}.tasks.{t}", self.prefix),
            None => format!("{}.tasks", self.prefix),
        }
    }

    /// The queue of `kind` (`confirm`, `results`, `heartbeats`) of engine
    /// node process `node`, or the shared one for `None`.
    fn node_queue(&self, kind: &str, node: Option<&str>) -> String {
        match node {
            Some(n) => format!("{}.{kind}@{n}", self.prefix),
            None => format!("{}.{kind}", self.prefix),
        }
    }

    fn confirm_queue(&self, node: Option<&str>) -> String {
        self.node_queue("confirm", node)
    }

    fn result_queue(&self, node: Option<&str>) -> String {
        self.node_queue("results", node)
    }

    fn heartbeat_queue(&self, node: Option<&str>) -> String {
        self.node_queue("heartbeats", node)
    }
}

/// Counters of the transport, read by `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    /// 1 while connected to the broker.
    pub connected: AtomicU64,
    /// Connections made after a lost one.
    pub reconnects: AtomicU64,
    /// Messages published and confirmed by the broker.
    pub published: AtomicU64,
    /// Publishes tried again (refused, or lost with a connection).
    pub publish_retries: AtomicU64,
    /// `ConfirmExecution` round trips over the broker.
    pub confirms: AtomicU64,
    /// Their summed latency, in microseconds.
    pub confirm_micros: AtomicU64,
    /// Heartbeats received (engine side) or sent (worker side).
    pub heartbeats: AtomicU64,
    /// Workers taken for lost (their heartbeats stopped).
    pub workers_lost: AtomicU64,
    /// Running actions handed back to the engine as interrupted.
    pub actions_lost: AtomicU64,
    /// Dispatches no worker asked to confirm within the dispatch timeout,
    /// handed back to the engine to send again.
    pub dispatches_untaken: AtomicU64,
    /// Results received from remote workers.
    pub results: AtomicU64,
    /// Actions remote workers run now (confirmed, no result yet).
    pub remote_running: AtomicU64,
}

impl Stats {
    /// The counters as `/metrics` names them.
    pub fn gauges(&self) -> Vec<(&'static str, u64)> {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        vec![
            ("broker_connected", get(&self.connected)),
            ("broker_reconnects_total", get(&self.reconnects)),
            ("broker_published_total", get(&self.published)),
            ("broker_publish_retries_total", get(&self.publish_retries)),
            ("broker_confirm_round_trips_total", get(&self.confirms)),
            (
                "broker_confirm_round_trip_microseconds_total",
                get(&self.confirm_micros),
            ),
            ("broker_heartbeats_total", get(&self.heartbeats)),
            ("broker_workers_lost_total", get(&self.workers_lost)),
            ("broker_actions_lost_total", get(&self.actions_lost)),
            (
                "broker_dispatches_untaken_total",
                get(&self.dispatches_untaken),
            ),
            ("broker_results_total", get(&self.results)),
            ("broker_remote_running", get(&self.remote_running)),
        ]
    }
}

/// One dispatch: an action execution under one attempt.
pub(crate) type Key = (ActionExecutionId, Attempt);

/// Worker → engine side, every `heartbeat`: the attempts this worker
/// process has confirmed and not finished.
#[derive(Debug, Serialize, Deserialize)]
struct Heartbeat {
    worker: String,
    running: Vec<Key>,
    /// Confirmed attempts finished without a result to convey (an
    /// asynchronous action started: its result comes through the API).
    #[serde(default)]
    released: Vec<Key>,
}

/// A persistent JSON message.
fn persistent() -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
}

/// The first wait before connecting again; it doubles up to
/// [`RECONNECT_MAX`].
const RECONNECT_MIN: Duration = Duration::from_millis(100);
pub(crate) const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// Connects, trying again with a doubling backoff until it works.
async fn connect(settings: &Settings, name: &str) -> Connection {
    let mut wait = RECONNECT_MIN;
    loop {
        let props = ConnectionProperties::default().with_connection_name(name.into());
        match Connection::connect(&settings.url, props).await {
            Ok(conn) => return conn,
            Err(e) => {
                log::warn!(
                    "broker {}: cannot connect ({e}); trying again in {wait:?}",
                    redact(&settings.url)
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RECONNECT_MAX);
            }
        }
    }
}

/// Runs `session` on a fresh connection, again and again: a session ends
/// when its connection does, and the next one starts after a short wait.
async fn keep_connected<F, Fut>(settings: Settings, name: &'static str, stats: &Stats, session: F)
where
    F: Fn(Connection) -> Fut,
    Fut: std::future::Future<Output = lapin::Result<()>>,
{
    let mut first = true;
    loop {
        let conn = connect(&settings, name).await;
        if !first {
            stats.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        first = false;
        log::info!("broker {}: connected ({name})", redact(&settings.url));
        stats.connected.store(1, Ordering::Relaxed);
        let ended = session(conn).await;
        stats.connected.store(0, Ordering::Relaxed);
        match ended {
            Ok(()) => log::warn!("broker: the connection ended ({name}); reconnecting"),
            Err(e) => log::warn!("broker: connection lost ({name}): {e}; reconnecting"),
        }
        tokio::time::sleep(RECONNECT_MIN).await;
    }
}

/// The end of a consumer's stream: the connection is gone.
fn closed() -> lapin::Error {
    lapin::Error::from(lapin::ErrorKind::InvalidConnectionState(
        lapin::ConnectionState::Closed,
    ))
}

/// `url` with its password replaced by `***` (for the log).
pub fn redact(url: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            prefix: "bora".into(),
            targets: vec![],
            heartbeat: Duration::from_secs(1),
            lease: Duration::from_secs(5),
            confirm_timeout: Duration::from_secs(5),
            dispatch_timeout: None,
            prefetch: 64,
            node: None,
        }
    }

    #[test]
    fn queue_names_carry_the_prefix_and_target() {
        let s = settings();
        assert_eq!(s.task_queue(None), "bora.tasks");
        assert_eq!(s.task_queue(Some("gpu")), "bora.tasks.gpu");
        assert_eq!(s.confirm_queue(None), "bora.confirm");
        assert_eq!(s.result_queue(None), "bora.results");
        assert_eq!(s.heartbeat_queue(None), "bora.heartbeats");
        assert_eq!(s.confirm_queue(Some("n1.3")), "bora.confirm@n1.3");
        assert_eq!(s.result_queue(Some("n1.3")), "bora.results@n1.3");
        assert_eq!(s.heartbeat_queue(Some("n1.3")), "bora.heartbeats@n1.3");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact("amqp://host"), "amqp://host");
    }

    #[test]
    fn heartbeats_round_trip() {
        let hb = Heartbeat {
            worker: "w1".into(),
            running: vec![(ActionExecutionId::new(), Attempt(3))],
            released: vec![],
        };
        let text = serde_json::to_string(&hb).unwrap();
        let back: Heartbeat = serde_json::from_str(&text).unwrap();
        assert_eq!(back.running, hb.running);
    }
}
