//! A node's lease, kept on threads of its own (several engine nodes on one
//! PostgreSQL): renewed every third of it, judged by the node's own clock
//! so that a renewal hanging on a partitioned network cannot hide its end.

use std::time::{Duration, Instant};

use actix::prelude::*;

use super::ENGINE_DIED;
use crate::engine::EngineActor;
use crate::store;

/// Renews the node's lease every third of it, on a thread (and a
/// connection) of its own, so that neither a busy engine nor a long commit
/// delays a renewal. When the lease is lost — refused by the database
/// (another node took over), or not renewed for a whole lease (the
/// database is unreachable, or a renewal hangs on a partitioned network) —
/// the node marks itself lost (its writer refuses every commit from then
/// on) and tells the engine, which stops; the process then exits and a
/// supervisor starts it again as a new epoch. An engine that cannot stop
/// (its thread hangs in a commit the network swallowed) is ended with the
/// process a third of a lease later: its commit can never land, since
/// the database ends a transaction left idle for a lease and refuses a
/// late one by its epoch.
pub(super) fn keep_lease(
    keeper: store::LeaseKeeper,
    engine: Addr<EngineActor>,
) -> anyhow::Result<()> {
    let node = keeper.node().clone();
    let every = node.lease / 3;
    let mut renewals = renewer(keeper)?;
    std::thread::Builder::new()
        .name("bora-lease".into())
        .spawn(move || {
            // The lease runs from before each renewal was sent: the
            // database's own expiry is never earlier than this one.
            let mut valid_until = Instant::now() + node.lease;
            loop {
                std::thread::sleep(every);
                let wait = valid_until.saturating_duration_since(Instant::now());
                let (sent, answer) = match renewals.ask(wait) {
                    Some(answered) => answered,
                    None => (
                        Instant::now(),
                        Err(store::Error::Database(format!(
                            "no answer from the database within {wait:?}"
                        ))),
                    ),
                };
                match answer {
                    Ok(true) => valid_until = sent + node.lease,
                    Ok(false) => {
                        log::error!(
                            "node {} epoch {}: the lease could not be renewed: another node took \
                             this node's executions over, or it ran out",
                            node.id,
                            node.epoch
                        );
                        break;
                    }
                    Err(e) if Instant::now() >= valid_until => {
                        log::error!(
                            "node {} epoch {}: the lease ran out without a renewal ({e}); \
                             this node stops writing",
                            node.id,
                            node.epoch
                        );
                        node.lose();
                        break;
                    }
                    Err(e) => {
                        log::warn!("node {}: lease renewal failed: {e}; trying again", node.id)
                    }
                }
            }
            engine.do_send(crate::engine::LeaseLost);
            std::thread::sleep(every.max(Duration::from_secs(1)));
            log::error!(
                "node {} epoch {}: the engine did not stop after its lease was lost \
                 (a commit hangs); exiting",
                node.id,
                node.epoch
            );
            std::process::exit(ENGINE_DIED);
        })?;
    Ok(())
}

/// The lease keeper on a thread of its own, asked for one renewal at a
/// time: a renewal that hangs (a partitioned network) leaves the lease
/// thread free to see the lease run out.
struct Renewer {
    ask: std::sync::mpsc::SyncSender<()>,
    answers: std::sync::mpsc::Receiver<Result<bool, store::Error>>,
    /// When the renewal still out was sent (it hung past its wait).
    pending: Option<Instant>,
}

impl Renewer {
    /// Renews once, waiting at most `wait` for the answer: when the
    /// renewal was sent, and its answer; `None` when none came (the
    /// renewal is left to finish or hang on its own, and no other is sent
    /// until it has answered).
    fn ask(&mut self, wait: Duration) -> Option<(Instant, Result<bool, store::Error>)> {
        let sent = match self.pending {
            Some(sent) => sent,
            None => {
                self.ask.send(()).ok()?;
                *self.pending.insert(Instant::now())
            }
        };
        let answer = self.answers.recv_timeout(wait).ok()?;
        self.pending = None;
        Some((sent, answer))
    }
}

fn renewer(mut keeper: store::LeaseKeeper) -> anyhow::Result<Renewer> {
    let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
    let (answer, answers) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("bora-renew".into())
        .spawn(move || {
            for () in asked {
                if answer.send(keeper.renew()).is_err() {
                    break;
                }
            }
        })?;
    Ok(Renewer {
        ask,
        answers,
        pending: None,
    })
}
