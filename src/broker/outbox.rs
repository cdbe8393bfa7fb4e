//! Messages waiting to be published with the broker's confirm: kept in
//! memory across reconnections and published again until confirmed, so a
//! broker that is away loses none of them (only the process's death does,
//! and then the engine's recovery or the worker's redelivered task covers
//! them). A message leaves the outbox only once confirmed: a session that
//! ends while publishing (its future dropped) leaves it for the next.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Confirmation};

use super::{Key, Stats};

/// One message to publish on the default exchange to `queue`.
pub(crate) struct Outgoing {
    pub queue: String,
    pub body: Vec<u8>,
    /// Reported to the confirm hook once the broker has it.
    pub key: Option<Key>,
    /// The message's `app_id`: on a `HandleTask`, the engine node process
    /// whose queues the worker answers on.
    pub app_id: Option<String>,
    /// `queue` is an engine node process's own (declared to expire).
    pub node_queue: bool,
}

/// The queue of messages to publish, shared by whoever adds to it and the
/// session that publishes it.
#[derive(Clone, Default)]
pub(crate) struct Outbox {
    items: Arc<Mutex<VecDeque<Arc<Outgoing>>>>,
    wake: Arc<tokio::sync::Notify>,
}

/// Messages published at once before their confirms are awaited.
const BATCH: usize = 256;

impl Outbox {
    /// Adds a message; the publishing session sends it.
    pub fn push(&self, item: Outgoing) {
        if let Ok(mut items) = self.items.lock() {
            items.push_back(Arc::new(item));
        }
        self.wake.notify_one();
    }

    /// The first messages, left in the outbox (only the pump removes them).
    fn peek(&self) -> Vec<Arc<Outgoing>> {
        let Ok(items) = self.items.lock() else {
            return Vec::new();
        };
        items.iter().take(BATCH).cloned().collect()
    }

    /// Removes the `n` first messages, then puts the `failed` ones of them
    /// back in front, in their order.
    fn settle(&self, n: usize, failed: Vec<Arc<Outgoing>>) {
        if let Ok(mut items) = self.items.lock() {
            let n = n.min(items.len());
            items.drain(..n);
            for item in failed.into_iter().rev() {
                items.push_front(item);
            }
        }
    }

    /// Publishes on `channel` (in confirm mode) until the channel fails:
    /// a message is dropped from the outbox only once the broker confirmed
    /// it; `confirmed` is told the key of each. Queues are declared
    /// (durable) the first time a message goes to them in this session.
    pub async fn pump(
        &self,
        channel: &Channel,
        stats: &Stats,
        confirmed: &dyn Fn(Key),
    ) -> lapin::Result<()> {
        let mut declared = HashSet::new();
        loop {
            let batch = self.peek();
            if batch.is_empty() {
                self.wake.notified().await;
                continue;
            }
            let mut pending = Vec::with_capacity(batch.len());
            let mut error = None;
            for item in batch.iter() {
                if !declared.contains(&item.queue) {
                    if let Err(e) = declare_queue(channel, &item.queue, item.node_queue).await {
                        error = Some(e);
                        break;
                    }
                    declared.insert(item.queue.clone());
                }
                match channel
                    .basic_publish(
                        "".into(),
                        item.queue.as_str().into(),
                        BasicPublishOptions::default(),
                        &item.body,
                        match &item.app_id {
                            Some(id) => super::persistent().with_app_id(id.as_str().into()),
                            None => super::persistent(),
                        },
                    )
                    .await
                {
                    Ok(confirm) => pending.push(confirm),
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            let mut failed = Vec::new();
            let mut confirms = pending.into_iter();
            let n = batch.len();
            for item in batch {
                let ok = match confirms.next() {
                    Some(confirm) => matches!(confirm.await, Ok(Confirmation::Ack(_))),
                    None => false,
                };
                if ok {
                    stats.published.fetch_add(1, Ordering::Relaxed);
                    if let Some(key) = item.key {
                        confirmed(key);
                    }
                } else {
                    stats.publish_retries.fetch_add(1, Ordering::Relaxed);
                    failed.push(item);
                }
            }
            let refused = !failed.is_empty();
            self.settle(n, failed);
            if let Some(e) = error {
                return Err(e);
            }
            if refused {
                // Refused by the broker (nack): tried again shortly.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Declares a durable queue.
pub(crate) async fn declare(channel: &Channel, queue: &str) -> lapin::Result<()> {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await
        .map(|_| ())
}

/// Declares a durable queue of one engine node process: the broker deletes
/// it a day after its last consumer went (a process's queues are consumed
/// by it, then by the node that took its executions over).
pub(crate) async fn declare_node(channel: &Channel, queue: &str) -> lapin::Result<()> {
    let mut args = FieldTable::default();
    args.insert(
        "x-expires".into(),
        lapin::types::AMQPValue::LongLongInt(super::NODE_QUEUE_EXPIRES_MS),
    );
    channel
        .queue_declare(queue.into(), QueueDeclareOptions::durable(), args)
        .await
        .map(|_| ())
}

/// Declares `queue`: one of an engine node process's own (`node_queue`:
/// it expires) or a shared one.
pub(crate) async fn declare_queue(
    channel: &Channel,
    queue: &str,
    node_queue: bool,
) -> lapin::Result<()> {
    if node_queue {
        declare_node(channel, queue).await
    } else {
        declare(channel, queue).await
    }
}
