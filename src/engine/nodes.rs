//! The engine as one of several nodes on one PostgreSQL: the periodic
//! takeover of the executions of a node whose lease ran out (loaded and
//! recovered exactly as a restart recovers its own), and the stop when
//! this node's own lease is lost. A single node never runs any of this.

use actix::prelude::*;

use super::{EngineActor, Error};
use crate::store;

/// Nodes taken over in one scan at most (the next scan takes the rest).
const TAKEOVERS_PER_SCAN: usize = 4;

/// This node's lease is lost (the lease keeper could not renew it, or
/// another node took its executions over): stop acting on anything.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct LeaseLost;

/// How often a node looks for ad-hoc action definitions another node
/// changed (one small aggregate query).
const DEFINITIONS_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl EngineActor {
    /// Starts the periodic takeover scan, every third of the lease, and
    /// the check for ad-hoc definitions changed by another node, in
    /// multi-node mode.
    pub(crate) fn start_node_scan(&mut self, ctx: &mut Context<Self>) {
        let Some(node) = self.writer.node() else {
            return;
        };
        let every = node.lease / 3;
        log::info!(
            "node {} (epoch {}): lease {:?}, looking for expired leases every {every:?}",
            node.id,
            node.epoch,
            node.lease
        );
        ctx.run_interval(every, |act, ctx| {
            act.scan_nodes(ctx);
        });
        self.refresh_definitions();
        self.notice_ended_processes();
        ctx.run_interval(DEFINITIONS_CHECK, |act, _| act.refresh_definitions());
    }

    /// Tells the broker side of every node process that may have ended
    /// with dispatches still queued for it (see
    /// `store::Writer::ended_processes`), so that their confirmations and
    /// results are answered here (refused as stale) even when the node that
    /// took that process over died too. At start, and at each takeover.
    pub(crate) fn notice_ended_processes(&mut self) {
        let Some(to) = &self.takeovers else {
            return;
        };
        match self.writer.ended_processes() {
            Ok(ended) => {
                for (id, epoch) in ended {
                    to.do_send(crate::protocol::NodeTakenOver {
                        process: crate::protocol::node_process(&id, epoch),
                    });
                }
            }
            Err(e) => log::warn!("looking for ended node processes: {e}"),
        }
    }

    /// Forgets the cached workflow definitions, and loads the ad-hoc
    /// action definitions again, when the store's mark of either moved
    /// since the last look (another node created, changed or deleted one;
    /// this node's own changes move it too, which costs one reload). The
    /// first look, at start, reloads both.
    fn refresh_definitions(&mut self) {
        let mark = match self.writer.definitions_mark() {
            Ok(mark) => mark,
            Err(e) => {
                log::warn!("checking the definitions for changes: {e}");
                return;
            }
        };
        let known = self.definitions_mark.replace(mark);
        if known.is_none_or(|k| k.workflows != mark.workflows) {
            self.defs.forget_definitions();
        }
        if known.is_none_or(|k| k.actions != mark.actions) {
            log::debug!("ad-hoc action definitions changed in the store; loading them again");
            if let Err(e) = self.load_adhoc() {
                log::warn!("loading the ad-hoc action definitions again: {e}");
                self.definitions_mark = known;
            }
        }
    }

    fn scan_nodes(&mut self, ctx: &mut Context<Self>) {
        if self.writer.node().is_none_or(|n| n.lost()) {
            return;
        }
        match self.take_over() {
            Ok(()) => self.schedule_flush(ctx),
            Err(Error::Store(store::Error::Fenced(e))) => {
                log::error!("{e}; stopping: this node's executions are another's now");
                self.stop_fenced(ctx);
            }
            Err(e) => log::warn!("node scan: {e}"),
        }
    }

    /// Takes over nodes whose lease ran out: their unfinished executions
    /// (and standalone action executions) become this node's in the same
    /// transaction that bumps their epoch, then are loaded and recovered
    /// as a restart recovers: IDLE actions dispatched again under a new
    /// attempt, RUNNING ones run again only when their task is
    /// `safe-rerun`, else failed `INTERRUPTED_NOT_SAFE`.
    pub(crate) fn take_over(&mut self) -> Result<(), Error> {
        for _ in 0..TAKEOVERS_PER_SCAN {
            let Some((moved, mut active)) = self.writer.take_over()? else {
                return Ok(());
            };
            // What the node that dies next had answered for (the processes
            // it took over) is answered here too from now on.
            self.notice_ended_processes();
            log::warn!(
                "node {}: its lease ran out; took over {} executions and {} standalone action executions",
                moved.from,
                moved.executions.len(),
                moved.standalone.len()
            );
            let standalone = std::mem::take(&mut active.standalone);
            self.recover_set(active);
            self.recover_standalone(standalone);
            if let Some(to) = &self.takeovers {
                to.do_send(crate::protocol::NodeTakenOver {
                    process: crate::protocol::node_process(&moved.from, moved.epoch),
                });
            }
        }
        Ok(())
    }

    /// Stops the engine after its lease was lost: nothing more is
    /// committed (the writer refuses), and the process exits so that a
    /// supervisor starts it again as a new epoch.
    pub(crate) fn stop_fenced(&mut self, ctx: &mut Context<Self>) {
        // What waits for a commit is refused now (and counted), not left
        // hanging; the writer no longer reaches the database.
        self.flush(ctx);
        ctx.stop();
        System::current().stop_with_code(1);
    }
}

impl Handler<LeaseLost> for EngineActor {
    type Result = ();

    fn handle(&mut self, _: LeaseLost, ctx: &mut Self::Context) {
        if let Some(node) = self.writer.node() {
            node.lose();
            log::error!(
                "node {} epoch {}: lease lost; stopping without writing again",
                node.id,
                node.epoch
            );
        }
        self.stop_fenced(ctx);
    }
}
