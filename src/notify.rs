//! Delivery of execution notifications: a loop on the server's runtime that
//! reads the outbox (rows the engine committed with the state changes they
//! report), POSTs each row to its webhook under the egress policy of
//! `std.http`, and tells the engine which rows are done so that its next
//! group commit deletes them. Started by `app::run`.
//!
//! Rows of one lane (an execution tree and a URL) go one at a time, in id
//! order: a failed POST is retried, with exponential backoff up to a cap,
//! before the next row of its lane; other lanes go on meanwhile. Only a
//! 200 or 201 answer counts as delivered (as Mistral's webhook publisher).
//! A row is given up when its URL is refused by the egress policy, or when
//! it is older than `give_up_after`. Delivery is at least once: a row
//! delivered but not yet deleted when bora stops is sent again on start.
//! The engine never waits for this loop.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix::Recipient;
use serde_json::{Map, Value};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::actions::egress::Egress;
use crate::engine::NotificationsDone;
use crate::store::{Notification, Store};

/// Rows read from the outbox at once.
const PAGE: i64 = 500;

/// Most rows held in memory; past it, reading waits until half are done
/// (the rest stay in the outbox, in order).
const HELD: usize = 50_000;

/// How the loop delivers (see `Config::notify`).
#[derive(Clone, Debug)]
pub struct Settings {
    pub egress: Egress,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// `None`: never give up.
    pub give_up_after: Option<Duration>,
    pub timeout: Duration,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    /// Rows read and not yet done.
    pub pending: AtomicU64,
    pub delivered: AtomicU64,
    /// Rows given up.
    pub failed: AtomicU64,
    /// Failed attempts that will be retried.
    pub retries: AtomicU64,
    /// POSTs sent whose outcome the engine has not been told yet: a
    /// graceful shutdown waits for them, so what was delivered is not sent
    /// again after the restart.
    pub in_flight: AtomicU64,
}

/// One lane: rows of one execution tree for one URL, in id order.
#[derive(Default)]
struct Lane {
    queue: VecDeque<Notification>,
    /// A POST of the head is under way.
    busy: bool,
    /// Failed attempts of the head.
    attempts: u32,
    /// When the head may be tried again.
    next_at: Option<Instant>,
}

/// What one POST came to.
#[derive(Debug, PartialEq)]
enum Outcome {
    Delivered,
    /// Worth trying again.
    Failed(String),
    /// Can never succeed.
    Refused(String),
}

type Key = (String, String);

/// The wait before retry number `attempts` (1-based): `initial` doubled
/// each time, at most `max`.
pub fn backoff(initial: Duration, max: Duration, attempts: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX);
    initial.saturating_mul(factor).min(max)
}

/// Starts the loop on the current runtime.
pub fn spawn(
    store: Store,
    done: Recipient<NotificationsDone>,
    wake: Arc<tokio::sync::Notify>,
    settings: Settings,
    stats: Arc<Stats>,
) {
    actix_rt::spawn(run(store, done, wake, settings, stats));
}

async fn run(
    store: Store,
    done: Recipient<NotificationsDone>,
    wake: Arc<tokio::sync::Notify>,
    settings: Settings,
    stats: Arc<Stats>,
) {
    let client =
        match crate::actions::http::guarded_client(settings.egress.clone(), settings.timeout) {
            Ok(c) => c,
            Err(e) => {
                log::error!("notifications: {e}; none will be delivered");
                return;
            }
        };
    let settings = Arc::new(settings);
    let mut seen = 0i64;
    let mut lanes: HashMap<Key, Lane> = HashMap::new();
    let mut flights: JoinSet<(Key, i64, Outcome)> = JoinSet::new();
    let mut load = true;
    // Rows were left in the outbox because `HELD` were in memory.
    let mut behind = false;
    loop {
        let held: usize = lanes.values().map(|l| l.queue.len()).sum();
        if behind && held <= HELD / 2 {
            (behind, load) = (false, true);
        }
        if load && held >= HELD {
            (behind, load) = (true, false);
        }
        if load {
            let s = store.clone();
            match tokio::task::spawn_blocking(move || s.notifications_after(seen, PAGE)).await {
                Ok(Ok(rows)) => {
                    load = rows.len() as i64 == PAGE;
                    for r in rows {
                        seen = seen.max(r.id);
                        let key = (r.execution_id.clone(), r.url.clone());
                        lanes.entry(key).or_default().queue.push_back(r);
                    }
                }
                Ok(Err(e)) => {
                    log::warn!("notifications: cannot read the outbox: {e}");
                    tokio::time::sleep(settings.retry_initial).await;
                    continue;
                }
                Err(e) => {
                    log::error!("notifications: outbox read failed: {e}");
                    return;
                }
            }
        }
        let now = Instant::now();
        for (key, lane) in &mut lanes {
            if lane.busy || lane.next_at.is_some_and(|t| t > now) {
                continue;
            }
            if let Some(head) = lane.queue.front() {
                lane.busy = true;
                stats.in_flight.fetch_add(1, Ordering::SeqCst);
                let (client, settings, n, key) =
                    (client.clone(), settings.clone(), head.clone(), key.clone());
                flights.spawn(async move {
                    let id = n.id;
                    (key, id, post(&client, &settings.egress, &n).await)
                });
            }
        }
        lanes.retain(|_, l| l.busy || !l.queue.is_empty());
        let pending: usize = lanes.values().map(|l| l.queue.len()).sum();
        stats.pending.store(pending as u64, Ordering::Relaxed);
        if load {
            continue;
        }
        let next = lanes
            .values()
            .filter(|l| !l.busy)
            .filter_map(|l| l.next_at)
            .min();
        tokio::select! {
            () = wake.notified() => load = !behind,
            Some(res) = flights.join_next(), if !flights.is_empty() => {
                // Every POST that has ended, told to the engine at once.
                let mut ended = vec![res];
                while let Some(r) = flights.try_join_next() {
                    ended.push(r);
                }
                let count = ended.len() as u64;
                let mut ids = Vec::new();
                for (key, id, outcome) in ended.into_iter().flatten() {
                    if let Some(lane) = lanes.get_mut(&key)
                        && finish(lane, id, outcome, &settings, &stats)
                    {
                        ids.push(id);
                    }
                }
                if !ids.is_empty() {
                    done.do_send(NotificationsDone(ids));
                }
                stats.in_flight.fetch_sub(count, Ordering::SeqCst);
            }
            () = sleep_until(next), if next.is_some() => {}
        }
    }
}

async fn sleep_until(t: Option<Instant>) {
    if let Some(t) = t {
        tokio::time::sleep_until(t).await;
    }
}

/// Records the outcome of the POST of `lane`'s head; true when the row is
/// done (delivered or given up).
fn finish(lane: &mut Lane, id: i64, outcome: Outcome, settings: &Settings, stats: &Stats) -> bool {
    lane.busy = false;
    let Some(head) = lane.queue.front() else {
        return false;
    };
    if head.id != id {
        return false;
    }
    let give_up = match &outcome {
        Outcome::Delivered => {
            stats.delivered.fetch_add(1, Ordering::Relaxed);
            None
        }
        Outcome::Refused(e) => Some(e.clone()),
        Outcome::Failed(e) => {
            let age = (crate::domain::now() - head.created_at)
                .to_std()
                .unwrap_or_default();
            if settings.give_up_after.is_some_and(|g| age >= g) {
                Some(format!("{e} (still failing after {}s)", age.as_secs()))
            } else {
                lane.attempts += 1;
                stats.retries.fetch_add(1, Ordering::Relaxed);
                let wait = backoff(settings.retry_initial, settings.retry_max, lane.attempts);
                log::info!(
                    "notification {id} to {} failed (attempt {}): {e}; retry in {wait:?}",
                    head.url,
                    lane.attempts
                );
                lane.next_at = Some(Instant::now() + wait);
                return false;
            }
        }
    };
    if let Some(e) = give_up {
        stats.failed.fetch_add(1, Ordering::Relaxed);
        log::warn!("notification {id} to {} given up: {e}", head.url);
    }
    lane.queue.pop_front();
    lane.attempts = 0;
    lane.next_at = None;
    true
}

/// POSTs one row: its body, its headers, `Content-Type: application/json`
/// unless the headers name one.
async fn post(client: &reqwest::Client, egress: &Egress, n: &Notification) -> Outcome {
    let url = match reqwest::Url::parse(&n.url) {
        Ok(u) => u,
        Err(e) => return Outcome::Refused(format!("Invalid URL '{}': {e}", n.url)),
    };
    if let Err(e) = egress.check_url(&url) {
        return Outcome::Refused(e);
    }
    let headers: Map<String, Value> = serde_json::from_str(&n.headers).unwrap_or_default();
    let mut req = client.post(url).body(n.body.clone());
    if !headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"))
    {
        req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
    }
    for (k, v) in &headers {
        if let Some(v) = v.as_str() {
            req = req.header(k.as_str(), v);
        }
    }
    match req.send().await {
        Ok(r) if matches!(r.status().as_u16(), 200 | 201) => Outcome::Delivered,
        Ok(r) => Outcome::Failed(format!("HTTP {}", r.status())),
        Err(e) => {
            let text = chain(&e);
            if text.contains("[egress policy]") || e.is_builder() {
                Outcome::Refused(text)
            } else {
                Outcome::Failed(text)
            }
        }
    }
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let (i, m) = (Duration::from_millis(100), Duration::from_secs(1));
        let got: Vec<u128> = (1..=6).map(|a| backoff(i, m, a).as_millis()).collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(i, m, 200), m);
    }
}
