//! A worker process's end of the broker: consumes `HandleTask` from the
//! task queues into a worker pool, and is that pool's `EngineLink`:
//! `ConfirmExecution` goes out as a request and waits for its answer (a
//! timeout counts as "busy": the worker asks again), `ConveyResult` is
//! published with the broker's confirm, retried until confirmed. A task is
//! acknowledged only when the worker is finished with it (refused, or its
//! result confirmed by the broker), so a worker that dies before that
//! leaves it to be delivered again. Every `heartbeat` the process lists the
//! attempts it runs, so the engine side can tell when it dies.
//!
//! A task sent by one of several engine nodes names that node process (its
//! `app_id`): the confirm request, the result and the heartbeats for it go
//! to that process's own queues.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::StreamExt;
use lapin::Acker;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection};

use super::outbox::{Outbox, Outgoing, declare};
use super::{Heartbeat, Key, Settings, Stats};
use crate::protocol::{ConfirmExecution, ConveyResult, EngineLink, HandleTask, Refusal, TaskDone};

/// A task this process holds.
#[derive(Default)]
struct Held {
    /// The delivery to acknowledge (the latest one, after a redelivery).
    acker: Option<Acker>,
    /// The engine node process that sent it (`None`: the single node).
    node: Option<String>,
    /// The engine said yes: listed in heartbeats.
    granted: bool,
    /// A result is on its way to the broker.
    conveying: bool,
    /// A result was conveyed.
    conveyed: bool,
    /// The worker is finished with it.
    done: bool,
}

/// The request channel of the current connection and its reply queue.
struct Rpc {
    channel: Channel,
    reply_queue: String,
}

#[derive(Default)]
struct State {
    held: HashMap<Key, Held>,
    /// Confirmed attempts finished without a result, for the next heartbeat
    /// to their node process.
    released: Vec<(Key, Option<String>)>,
    rpc: Option<Rpc>,
    replies: HashMap<String, tokio::sync::oneshot::Sender<Result<(), Refusal>>>,
}

type Shared = Arc<Mutex<State>>;

/// The worker side: the pool's `EngineLink` and the task consumer.
pub struct WorkerSide {
    settings: Settings,
    id: String,
    state: Shared,
    outbox: Outbox,
    stats: Arc<Stats>,
}

impl WorkerSide {
    /// Starts the worker side; `pool` is built from the `EngineLink` and
    /// the `TaskDone` recipient it gets, and receives the tasks.
    pub fn start<F>(settings: Settings, stats: Arc<Stats>, pool: F)
    where
        F: FnOnce(EngineLink, Recipient<TaskDone>) -> Recipient<HandleTask>,
    {
        let id = uuid::Uuid::new_v4().to_string();
        log::info!(
            "worker process {id}: queues {}",
            queues(&settings).join(", ")
        );
        let state: Shared = Arc::default();
        let outbox = Outbox::default();
        let addr = WorkerSide {
            settings: settings.clone(),
            id: id.clone(),
            state: state.clone(),
            outbox: outbox.clone(),
            stats: stats.clone(),
        }
        .start();
        let link = EngineLink {
            confirm: addr.clone().recipient(),
            convey: addr.clone().recipient(),
        };
        let pool = pool(link, addr.recipient());
        actix_rt::spawn(async move {
            let session_stats = stats.clone();
            super::keep_connected(settings.clone(), "bora worker", &stats, |conn| {
                session(
                    conn,
                    Ctx {
                        settings: settings.clone(),
                        id: id.clone(),
                        state: state.clone(),
                        outbox: outbox.clone(),
                        stats: session_stats.clone(),
                        pool: pool.clone(),
                    },
                )
            })
            .await;
        });
    }
}

/// The task queues a worker process consumes.
fn queues(settings: &Settings) -> Vec<String> {
    std::iter::once(settings.task_queue(None))
        .chain(
            settings
                .targets
                .iter()
                .map(|t| settings.task_queue(Some(t))),
        )
        .collect()
}

impl Actor for WorkerSide {
    type Context = Context<Self>;
}

impl Handler<ConfirmExecution> for WorkerSide {
    type Result = ResponseFuture<Result<(), Refusal>>;

    fn handle(&mut self, msg: ConfirmExecution, _: &mut Self::Context) -> Self::Result {
        let (state, stats, id) = (self.state.clone(), self.stats.clone(), self.id.clone());
        let key = (msg.action_execution_id, msg.attempt);
        let queue = self
            .settings
            .confirm_queue(node_of(&self.state, key).as_deref());
        let timeout = self.settings.confirm_timeout;
        Box::pin(async move {
            let started = Instant::now();
            let verdict = tokio::time::timeout(timeout, ask(&state, &id, &queue, &msg, timeout))
                .await
                .unwrap_or(Err(Refusal::Busy));
            if verdict != Err(Refusal::Busy) {
                stats.confirms.fetch_add(1, Ordering::Relaxed);
                stats
                    .confirm_micros
                    .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            }
            if verdict.is_ok()
                && let Ok(mut s) = state.lock()
            {
                s.held.entry(key).or_default().granted = true;
            }
            verdict
        })
    }
}

/// Sends one confirm request and waits for its answer; "busy" when there
/// is no connection or it is lost meanwhile.
async fn ask(
    state: &Shared,
    worker: &str,
    queue: &str,
    msg: &ConfirmExecution,
    timeout: Duration,
) -> Result<(), Refusal> {
    let correlation = uuid::Uuid::new_v4().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (channel, reply_queue) = {
        let Ok(mut s) = state.lock() else {
            return Err(Refusal::Busy);
        };
        let Some(rpc) = &s.rpc else {
            return Err(Refusal::Busy);
        };
        let out = (rpc.channel.clone(), rpc.reply_queue.clone());
        s.replies.insert(correlation.clone(), tx);
        out
    };
    let body = serde_json::to_vec(msg).map_err(|_| Refusal::Unavailable)?;
    let props = BasicProperties::default()
        .with_reply_to(reply_queue.into())
        .with_correlation_id(correlation.clone().into())
        .with_app_id(worker.into())
        // Unanswered by then, the worker asks again: the old request may go.
        .with_expiration(timeout.as_millis().to_string().into());
    let sent = channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            &body,
            props,
        )
        .await;
    if sent.is_err() {
        if let Ok(mut s) = state.lock() {
            s.replies.remove(&correlation);
        }
        return Err(Refusal::Busy);
    }
    rx.await.unwrap_or(Err(Refusal::Busy))
}

impl Handler<ConveyResult> for WorkerSide {
    type Result = ();

    fn handle(&mut self, msg: ConveyResult, _: &mut Self::Context) {
        let key = (msg.action_execution_id, msg.attempt);
        let Ok(body) = serde_json::to_vec(&msg) else {
            log::error!("action={} its result cannot be encoded", key.0);
            return;
        };
        let node = self.state.lock().ok().and_then(|mut s| {
            let held = s.held.entry(key).or_default();
            held.conveying = true;
            held.conveyed = true;
            held.node.clone()
        });
        self.outbox.push(Outgoing {
            queue: self.settings.result_queue(node.as_deref()),
            body,
            key: Some(key),
            app_id: None,
            node_queue: node.is_some(),
        });
    }
}

impl Handler<TaskDone> for WorkerSide {
    type Result = ();

    fn handle(&mut self, msg: TaskDone, _: &mut Self::Context) {
        let key = (msg.action_execution_id, msg.attempt);
        let acker = self.state.lock().ok().and_then(|mut s| {
            let held = s.held.get_mut(&key)?;
            held.done = true;
            if held.conveying {
                return None;
            }
            let held = s.held.remove(&key)?;
            if held.granted && !held.conveyed {
                s.released.push((key, held.node));
            }
            held.acker
        });
        ack(acker);
    }
}

/// The engine node process that sent the task `key` (`None`: the single
/// node, or a task no longer held).
fn node_of(state: &Shared, key: Key) -> Option<String> {
    state
        .lock()
        .ok()
        .and_then(|s| s.held.get(&key).and_then(|h| h.node.clone()))
}

/// Acknowledges a delivery (if its channel is gone, the broker delivers
/// it again, and the engine refuses it as no longer idle).
fn ack(acker: Option<Acker>) {
    if let Some(acker) = acker {
        actix_rt::spawn(async move {
            let _ = acker.ack(BasicAckOptions::default()).await;
        });
    }
}

/// What a session needs.
struct Ctx {
    settings: Settings,
    id: String,
    state: Shared,
    outbox: Outbox,
    stats: Arc<Stats>,
    pool: Recipient<HandleTask>,
}

/// One connection's life: the reply queue, the result publisher, the
/// heartbeat, and the task consumer. Ends when the connection fails.
async fn session(conn: Connection, cx: Ctx) -> lapin::Result<()> {
    let publish = conn.create_channel().await?;
    publish
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let rpc = conn.create_channel().await?;
    let reply = rpc
        .queue_declare(
            "".into(),
            QueueDeclareOptions::exclusive().auto_delete(),
            FieldTable::default(),
        )
        .await?;
    let reply_queue = reply.name().as_str().to_string();
    let replies = rpc
        .basic_consume(
            reply_queue.as_str().into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    let tasks = conn.create_channel().await?;
    tasks
        .basic_qos(cx.settings.prefetch, BasicQosOptions::default())
        .await?;
    let mut consumers = Vec::new();
    for queue in queues(&cx.settings) {
        declare(&tasks, &queue).await?;
        consumers.push(
            tasks
                .basic_consume(
                    queue.as_str().into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?,
        );
    }
    declare(&rpc, &cx.settings.confirm_queue(None)).await?;
    declare(&rpc, &cx.settings.heartbeat_queue(None)).await?;
    if let Ok(mut s) = cx.state.lock() {
        s.rpc = Some(Rpc {
            channel: rpc.clone(),
            reply_queue,
        });
    }
    let conveyed = |key: Key| {
        let acker = cx.state.lock().ok().and_then(|mut s| {
            let held = s.held.get_mut(&key)?;
            held.conveying = false;
            if !held.done {
                return None;
            }
            s.held.remove(&key).and_then(|h| h.acker)
        });
        ack(acker);
    };
    let ended = tokio::select! {
        r = cx.outbox.pump(&publish, &cx.stats, &conveyed) => r,
        r = take_replies(replies, &cx.state) => r,
        r = beat(&rpc, &cx) => r,
        r = take_tasks(futures::stream::select_all(consumers), &cx) => r,
    };
    if let Ok(mut s) = cx.state.lock() {
        s.rpc = None;
        // Waiting askers hear "busy" and ask again on the next connection.
        s.replies.clear();
    }
    ended
}

/// Hands each confirm answer to the asker waiting for it.
async fn take_replies(mut replies: lapin::Consumer, state: &Shared) -> lapin::Result<()> {
    while let Some(delivery) = replies.next().await {
        let delivery = delivery?;
        let Some(correlation) = delivery.properties.correlation_id() else {
            continue;
        };
        let verdict = serde_json::from_slice::<Result<(), Refusal>>(&delivery.data)
            .unwrap_or(Err(Refusal::Unavailable));
        let waiter = state
            .lock()
            .ok()
            .and_then(|mut s| s.replies.remove(correlation.as_str()));
        if let Some(tx) = waiter {
            let _ = tx.send(verdict);
        }
    }
    Err(super::closed())
}

/// Lists the running attempts every `heartbeat`, to the node process that
/// sent each (the single node's queue always hears one, even empty).
async fn beat(channel: &Channel, cx: &Ctx) -> lapin::Result<()> {
    loop {
        let mut beats: HashMap<Option<String>, (Vec<Key>, Vec<Key>)> = HashMap::new();
        beats.insert(None, Default::default());
        if let Ok(mut s) = cx.state.lock() {
            for (key, held) in s.held.iter().filter(|(_, h)| h.granted && !h.done) {
                beats.entry(held.node.clone()).or_default().0.push(*key);
            }
            for (key, node) in std::mem::take(&mut s.released) {
                beats.entry(node).or_default().1.push(key);
            }
        }
        for (node, (running, released)) in beats {
            let beat = Heartbeat {
                worker: cx.id.clone(),
                running,
                released,
            };
            let Ok(body) = serde_json::to_vec(&beat) else {
                continue;
            };
            channel
                .basic_publish(
                    "".into(),
                    cx.settings.heartbeat_queue(node.as_deref()).into(),
                    BasicPublishOptions::default(),
                    &body,
                    // A heartbeat nobody read within a lease says nothing.
                    BasicProperties::default()
                        .with_expiration(cx.settings.lease.as_millis().to_string().into()),
                )
                .await?;
            cx.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(cx.settings.heartbeat).await;
    }
}

/// Hands each task to the pool, once per attempt: a redelivery of one the
/// process already holds only replaces the delivery to acknowledge.
async fn take_tasks(
    mut deliveries: impl futures::Stream<Item = lapin::Result<lapin::message::Delivery>> + Unpin,
    cx: &Ctx,
) -> lapin::Result<()> {
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let Ok(task) = serde_json::from_slice::<HandleTask>(&delivery.data) else {
            log::warn!("broker: an unreadable task was dropped");
            ack(Some(delivery.acker));
            continue;
        };
        // Fault tests: a task the broker lost (`return`), or one it held
        // back (`sleep(ms)`, so later ones overtake it).
        let delay = match crate::failpoints::eval("worker.broker.task") {
            Some(crate::failpoints::Action::Return) => {
                log::warn!(
                    "failpoint worker.broker.task: action={} attempt={} dropped",
                    task.action_execution_id,
                    task.attempt
                );
                ack(Some(delivery.acker));
                continue;
            }
            Some(crate::failpoints::Action::Sleep(ms)) => Some(Duration::from_millis(ms)),
            _ => None,
        };
        let key = (task.action_execution_id, task.attempt);
        let node = delivery
            .properties
            .app_id()
            .as_ref()
            .map(|n| n.as_str().to_string());
        let fresh = {
            let Ok(mut s) = cx.state.lock() else {
                continue;
            };
            let held = s.held.entry(key).or_default();
            let fresh = held.acker.is_none() && !held.granted && !held.done;
            held.acker = Some(delivery.acker);
            held.node = node;
            fresh
        };
        if fresh {
            match delay {
                Some(wait) => {
                    let pool = cx.pool.clone();
                    actix_rt::spawn(async move {
                        tokio::time::sleep(wait).await;
                        pool.do_send(task);
                    });
                }
                None => cx.pool.do_send(task),
            }
        }
    }
    Err(super::closed())
}
