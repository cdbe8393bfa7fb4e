//! The engine's end of the broker: publishes `HandleTask` to the task
//! queues, answers `ConfirmExecution` requests with the engine's answer,
//! hands `ConveyResult`s to the engine, and watches the heartbeats of the
//! attempts it confirmed: one whose worker falls silent for longer than the
//! lease goes back to the engine as `WorkerLost`.
//!
//! With several engine nodes, the queues are this node process's own, and
//! it consumes too the confirm and result queues of the processes whose
//! executions it took over (`NodeTakenOver`).
//!
//! A result is acknowledged to the broker once the engine has taken it
//! (its handler ran); the engine commits it with its next group commit. If
//! the engine process dies in between, the action is RUNNING at the
//! restart and recovery handles it as any interrupted action.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, message::Delivery};

use super::outbox::{Outbox, Outgoing, declare, declare_node, declare_queue};
use super::{Heartbeat, Key, Settings, Stats};
use crate::protocol::{
    ConfirmExecution, ConveyResult, EngineLink, HandleTask, NodeTakenOver, Refusal, WorkerLost,
};

/// Deliveries of confirm requests and results handled at once.
const PREFETCH: u16 = 512;

/// The engine side of the broker. Start it with [`EngineSide::start`]; the
/// engine's pool is then its `Recipient<HandleTask>`.
pub struct EngineSide {
    outbox: Outbox,
    answers: Answers,
    adopted: Adoptions,
}

/// What answers remote workers on a node process's queues: the settings,
/// the engine's link, what is known of remote running attempts, and the
/// counters.
#[derive(Clone)]
struct Answers {
    settings: Settings,
    link: EngineLink,
    tracker: Shared,
    stats: Arc<Stats>,
}

impl Answers {
    /// Consumes the confirm and result queues of node process `process` on
    /// `channel`, until the connection ends.
    fn adopt(&self, channel: Channel, process: String) {
        actix_rt::spawn(consume_adopted(channel, process, self.clone()));
    }
}

/// The other node processes whose confirm and result queues this node
/// consumes, and the channel of the live connection to consume new ones on.
#[derive(Default)]
struct Adopted {
    processes: Vec<String>,
    channel: Option<Channel>,
}

type Adoptions = Arc<Mutex<Adopted>>;

/// An attempt a remote worker confirmed and has not finished.
struct Remote {
    worker: String,
    seen: Instant,
}

/// What the engine side knows of remote running attempts.
#[derive(Default)]
struct Tracker {
    running: HashMap<Key, Remote>,
    /// Dispatches sent and not yet asked about by any worker, with when
    /// (only with a dispatch timeout).
    dispatched: HashMap<Key, Instant>,
    /// Since when the current connection is up (`None` while down): no
    /// worker is taken for lost before it has had a lease to be heard.
    connected_since: Option<Instant>,
    lost_workers: HashSet<String>,
}

type Shared = Arc<Mutex<Tracker>>;

impl EngineSide {
    /// Connects (and keeps connecting) to the broker, serves the engine's
    /// `link` to remote workers, and reports lost ones to `lost`. Returns
    /// the recipient the engine dispatches `HandleTask` to, and the one it
    /// tells of takeovers.
    pub fn start(
        settings: Settings,
        link: EngineLink,
        lost: Recipient<WorkerLost>,
        stats: Arc<Stats>,
    ) -> (Recipient<HandleTask>, Recipient<NodeTakenOver>) {
        let outbox = Outbox::default();
        let tracker: Shared = Arc::default();
        let adopted = Adoptions::default();
        actix_rt::spawn(watch_leases(
            (settings.lease, settings.dispatch_timeout),
            tracker.clone(),
            lost,
            stats.clone(),
        ));
        let answers = Answers {
            settings,
            link,
            tracker,
            stats,
        };
        let session = {
            let (answers, outbox, adopted) = (answers.clone(), outbox.clone(), adopted.clone());
            async move {
                let (settings, stats) = (answers.settings.clone(), answers.stats.clone());
                super::keep_connected(settings, "bora engine", &stats, |conn| {
                    session(
                        conn,
                        Ctx {
                            outbox: outbox.clone(),
                            answers: answers.clone(),
                            adopted: adopted.clone(),
                        },
                    )
                })
                .await;
            }
        };
        actix_rt::spawn(session);
        let addr = EngineSide {
            outbox,
            answers,
            adopted,
        }
        .start();
        (addr.clone().recipient(), addr.recipient())
    }
}

impl Actor for EngineSide {
    type Context = Context<Self>;
}

impl Handler<HandleTask> for EngineSide {
    type Result = ();

    fn handle(&mut self, msg: HandleTask, _: &mut Self::Context) {
        if self.answers.settings.dispatch_timeout.is_some()
            && let Ok(mut t) = self.answers.tracker.lock()
        {
            t.dispatched
                .insert((msg.action_execution_id, msg.attempt), Instant::now());
        }
        match serde_json::to_vec(&msg) {
            Ok(body) => self.outbox.push(Outgoing {
                queue: self.answers.settings.task_queue(msg.target.as_deref()),
                body,
                key: None,
                app_id: self.answers.settings.node.clone(),
                node_queue: false,
            }),
            Err(e) => log::error!("action={} cannot be encoded: {e}", msg.action_execution_id),
        }
    }
}

impl Handler<NodeTakenOver> for EngineSide {
    type Result = ();

    fn handle(&mut self, msg: NodeTakenOver, _: &mut Self::Context) {
        if self.answers.settings.node.as_deref() == Some(msg.process.as_str()) {
            return;
        }
        let channel = {
            let Ok(mut a) = self.adopted.lock() else {
                return;
            };
            if a.processes.contains(&msg.process) {
                return;
            }
            a.processes.push(msg.process.clone());
            a.channel.clone()
        };
        log::info!(
            "broker: answering on the queues of node process {} too",
            msg.process
        );
        if let Some(channel) = channel {
            self.answers.adopt(channel, msg.process);
        }
    }
}

/// Consumes the confirm and result queues of node process `process` on
/// `channel`, until the connection ends.
async fn consume_adopted(channel: Channel, process: String, answers: Answers) {
    let Answers {
        settings,
        link,
        tracker,
        stats,
    } = answers;
    let consumers = async {
        let confirm = settings.confirm_queue(Some(&process));
        let results = settings.result_queue(Some(&process));
        declare_node(&channel, &confirm).await?;
        declare_node(&channel, &results).await?;
        let confirms = consume(&channel, &confirm, false).await?;
        let results = consume(&channel, &results, false).await?;
        Ok::<_, lapin::Error>((confirms, results))
    };
    match consumers.await {
        Ok((confirms, results)) => {
            let served = serve_confirms(
                (channel.clone(), confirms),
                link.clone(),
                tracker.clone(),
                stats.clone(),
            );
            let taken = take_results((channel, results), link, tracker, stats);
            let _ = futures::join!(served, taken);
        }
        Err(e) => log::warn!("broker: the queues of node process {process}: {e}"),
    }
}

/// What a session needs.
struct Ctx {
    outbox: Outbox,
    answers: Answers,
    adopted: Adoptions,
}

/// One connection's life: the queues, the task publisher, and the three
/// consumers. Ends when the connection fails.
async fn session(conn: Connection, cx: Ctx) -> lapin::Result<()> {
    let Ctx {
        outbox,
        answers,
        adopted,
    } = cx;
    let settings = &answers.settings;
    let publish = conn.create_channel().await?;
    publish
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    declare(&publish, &settings.task_queue(None)).await?;
    let node = settings.node.as_deref();
    let own = [
        settings.confirm_queue(node),
        settings.result_queue(node),
        settings.heartbeat_queue(node),
    ];
    for queue in &own {
        declare_queue(&publish, queue, node.is_some()).await?;
    }
    let confirms = consumer(&conn, &own[0], false).await?;
    let results = consumer(&conn, &own[1], false).await?;
    let heartbeats = consumer(&conn, &own[2], true).await?;
    let adopt = conn.create_channel().await?;
    adopt
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await?;
    let processes = match adopted.lock() {
        Ok(mut a) => {
            a.channel = Some(adopt.clone());
            a.processes.clone()
        }
        Err(_) => Vec::new(),
    };
    for process in processes {
        answers.adopt(adopt.clone(), process);
    }
    let Answers {
        settings: _,
        link,
        tracker,
        stats,
    } = answers;
    if let Ok(mut t) = tracker.lock() {
        t.connected_since = Some(Instant::now());
    }
    let ended = tokio::select! {
        r = outbox.pump(&publish, &stats, &|_| {}) => r,
        r = serve_confirms(confirms, link.clone(), tracker.clone(), stats.clone()) => r,
        r = take_results(results, link, tracker.clone(), stats.clone()) => r,
        r = take_heartbeats(heartbeats, tracker.clone(), stats.clone()) => r,
    };
    if let Ok(mut t) = tracker.lock() {
        t.connected_since = None;
    }
    if let Ok(mut a) = adopted.lock() {
        a.channel = None;
    }
    ended
}

/// A channel consuming `queue` (acknowledged by hand unless `no_ack`).
async fn consumer(
    conn: &Connection,
    queue: &str,
    no_ack: bool,
) -> lapin::Result<(Channel, lapin::Consumer)> {
    let channel = conn.create_channel().await?;
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await?;
    let consumer = consume(&channel, queue, no_ack).await?;
    Ok((channel, consumer))
}

/// A consumer of `queue` on `channel`.
async fn consume(channel: &Channel, queue: &str, no_ack: bool) -> lapin::Result<lapin::Consumer> {
    channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions {
                no_ack,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
}

/// Answers each `ConfirmExecution` request with the engine's answer, on
/// the asker's reply queue.
async fn serve_confirms(
    (channel, mut deliveries): (Channel, lapin::Consumer),
    link: EngineLink,
    tracker: Shared,
    stats: Arc<Stats>,
) -> lapin::Result<()> {
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let (channel, link, tracker, stats) = (
            channel.clone(),
            link.clone(),
            tracker.clone(),
            stats.clone(),
        );
        actix_rt::spawn(async move {
            answer(delivery, &channel, &link, &tracker, &stats).await;
        });
    }
    Err(super::closed())
}

async fn answer(
    delivery: Delivery,
    channel: &Channel,
    link: &EngineLink,
    tracker: &Shared,
    stats: &Stats,
) {
    let started = Instant::now();
    let Ok(request) = serde_json::from_slice::<ConfirmExecution>(&delivery.data) else {
        log::warn!("broker: an unreadable confirm request was dropped");
        let _ = delivery.acker.ack(BasicAckOptions::default()).await;
        return;
    };
    let worker = delivery
        .properties
        .app_id()
        .as_ref()
        .map(|w| w.as_str().to_string())
        .unwrap_or_default();
    let key = (request.action_execution_id, request.attempt);
    if let Ok(mut t) = tracker.lock() {
        t.dispatched.remove(&key);
    }
    let verdict = link
        .confirm
        .send(request)
        .await
        .unwrap_or(Err(Refusal::Unavailable));
    let verdict = match verdict {
        // The same worker asking again (its first answer was lost) gets
        // the same yes: it runs the attempt once, as a worker never hands
        // one attempt to two of its actors.
        Err(Refusal::NotIdle) if granted_to(tracker, key, &worker) => Ok(()),
        other => other,
    };
    if verdict.is_ok()
        && let Ok(mut t) = tracker.lock()
    {
        t.running.insert(
            key,
            Remote {
                worker,
                seen: Instant::now(),
            },
        );
        stats
            .remote_running
            .store(t.running.len() as u64, Ordering::Relaxed);
    }
    let reply_to = delivery.properties.reply_to().clone();
    let correlation = delivery.properties.correlation_id().clone();
    if let (Some(reply_to), Some(correlation), Ok(body)) =
        (reply_to, correlation, serde_json::to_vec(&verdict))
    {
        let sent = channel
            .basic_publish(
                "".into(),
                reply_to,
                BasicPublishOptions::default(),
                &body,
                BasicProperties::default().with_correlation_id(correlation),
            )
            .await;
        if let Err(e) = sent {
            // The worker asks again after its timeout.
            log::debug!("broker: a confirm answer was not sent: {e}");
        }
    }
    let _ = delivery.acker.ack(BasicAckOptions::default()).await;
    stats.confirms.fetch_add(1, Ordering::Relaxed);
    stats
        .confirm_micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
}

fn granted_to(tracker: &Shared, key: Key, worker: &str) -> bool {
    !worker.is_empty()
        && tracker
            .lock()
            .is_ok_and(|t| t.running.get(&key).is_some_and(|r| r.worker == worker))
}

/// Hands each result to the engine, and acknowledges it once the engine
/// took it.
async fn take_results(
    (_channel, mut deliveries): (Channel, lapin::Consumer),
    link: EngineLink,
    tracker: Shared,
    stats: Arc<Stats>,
) -> lapin::Result<()> {
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let (link, tracker, stats) = (link.clone(), tracker.clone(), stats.clone());
        actix_rt::spawn(async move {
            let Ok(result) = serde_json::from_slice::<ConveyResult>(&delivery.data) else {
                log::warn!("broker: an unreadable result was dropped");
                let _ = delivery.acker.ack(BasicAckOptions::default()).await;
                return;
            };
            if let Ok(mut t) = tracker.lock() {
                t.running
                    .remove(&(result.action_execution_id, result.attempt));
                stats
                    .remote_running
                    .store(t.running.len() as u64, Ordering::Relaxed);
            }
            stats.results.fetch_add(1, Ordering::Relaxed);
            if link.convey.send(result).await.is_ok() {
                let _ = delivery.acker.ack(BasicAckOptions::default()).await;
            } else {
                // The engine is stopping: the result waits in the queue.
                let _ = delivery
                    .acker
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    })
                    .await;
            }
        });
    }
    Err(super::closed())
}

/// Notes when each remote running attempt was last heard of.
async fn take_heartbeats(
    (_channel, mut deliveries): (Channel, lapin::Consumer),
    tracker: Shared,
    stats: Arc<Stats>,
) -> lapin::Result<()> {
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let Ok(beat) = serde_json::from_slice::<Heartbeat>(&delivery.data) else {
            continue;
        };
        stats.heartbeats.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        if let Ok(mut t) = tracker.lock() {
            for key in beat.running {
                if let Some(r) = t.running.get_mut(&key)
                    && r.worker == beat.worker
                {
                    r.seen = now;
                }
            }
            for key in beat.released {
                if t.running.get(&key).is_some_and(|r| r.worker == beat.worker) {
                    t.running.remove(&key);
                }
            }
            stats
                .remote_running
                .store(t.running.len() as u64, Ordering::Relaxed);
        }
    }
    Err(super::closed())
}

/// Every quarter lease: attempts not heard of for a lease (while connected
/// for at least that long, and the longest reconnect wait more when the
/// silence began before the node's connection came back) go back to the
/// engine as `WorkerLost`; so do dispatches no worker asked to confirm
/// within the dispatch timeout (counted from when the connection came back
/// at the latest), which the engine sends again if their action is still
/// IDLE under that attempt.
async fn watch_leases(
    (lease, dispatch_timeout): (Duration, Option<Duration>),
    tracker: Shared,
    lost: Recipient<WorkerLost>,
    stats: Arc<Stats>,
) {
    loop {
        tokio::time::sleep(lease / 4).await;
        let now = Instant::now();
        let (expired, untaken): (Vec<(Key, String)>, Vec<Key>) = {
            let Ok(mut t) = tracker.lock() else { return };
            let Some(since) = t.connected_since else {
                continue;
            };
            // A worker silent since before the node's connection came back
            // was cut off too, and is still on its own reconnect backoff:
            // it is given that backoff's longest wait on top of the lease.
            let back = since + super::RECONNECT_MAX;
            let gone: Vec<Key> = t
                .running
                .iter()
                .filter(|(_, r)| {
                    let quiet_from = if r.seen >= since { r.seen } else { back };
                    now.duration_since(quiet_from) > lease
                })
                .map(|(k, _)| *k)
                .collect();
            let mut out = Vec::new();
            for key in gone {
                if let Some(r) = t.running.remove(&key) {
                    if t.lost_workers.insert(r.worker.clone()) {
                        stats.workers_lost.fetch_add(1, Ordering::Relaxed);
                        log::warn!("broker: worker {} fell silent; taken for lost", r.worker);
                    }
                    out.push((key, r.worker));
                }
            }
            stats
                .remote_running
                .store(t.running.len() as u64, Ordering::Relaxed);
            let mut untaken = Vec::new();
            if let Some(timeout) = dispatch_timeout {
                let late: Vec<Key> = t
                    .dispatched
                    .iter()
                    .filter(|(_, sent)| now.duration_since((**sent).max(since)) > timeout)
                    .map(|(k, _)| *k)
                    .collect();
                for key in late {
                    t.dispatched.remove(&key);
                    stats.dispatches_untaken.fetch_add(1, Ordering::Relaxed);
                    log::warn!(
                        "action={} attempt={}: no worker asked for it within {timeout:?}; \
                         sending it again",
                        key.0,
                        key.1
                    );
                    untaken.push(key);
                }
            }
            (out, untaken)
        };
        for ((aid, attempt), worker) in expired {
            stats.actions_lost.fetch_add(1, Ordering::Relaxed);
            log::warn!(
                "action={aid} attempt={attempt}: no heartbeat from worker {worker} for {lease:?}"
            );
            lost.do_send(WorkerLost {
                action_execution_id: aid,
                attempt,
            });
        }
        for (aid, attempt) in untaken {
            lost.do_send(WorkerLost {
                action_execution_id: aid,
                attempt,
            });
        }
    }
}
