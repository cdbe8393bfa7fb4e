//! Retention: Mistral's execution expiration policy. Every evaluation
//! interval the engine deletes finished top-level executions (with their
//! sub-executions, tasks and action executions) that were last updated
//! longer ago than `older_than`, then those beyond the `max_finished` most
//! recent, skipping the states the policy ignores. It deletes in batches,
//! one commit each, and yields to the mailbox between batches, so work in
//! flight waits at most one small batch.

use std::time::Duration;

use actix::prelude::*;

use super::{DeleteExecution, EngineActor};
use crate::domain::{ExecutionId, State};

/// The policy (`[execution_expiration_policy]` in Mistral).
#[derive(Clone, Debug, Default)]
pub struct RetentionConfig {
    /// How often the policy runs; `None` turns it off.
    pub interval: Option<Duration>,
    /// Delete finished executions last updated longer ago than this.
    pub older_than: Option<Duration>,
    /// Keep at most this many finished top-level executions.
    pub max_finished: Option<usize>,
    /// Executions deleted per commit.
    pub batch_size: usize,
    /// Terminal states whose executions are never deleted.
    pub ignored_states: Vec<State>,
}

impl RetentionConfig {
    /// The terminal states whose executions may be deleted.
    fn states(&self) -> Vec<State> {
        [State::Success, State::Error, State::Cancelled]
            .into_iter()
            .filter(|s| !self.ignored_states.contains(s))
            .collect()
    }
}

/// Free pages returned to the file system at the end of a pass that
/// deleted something (SQLite; 16 MB at the default page size).
const RECLAIM_PAGES: u32 = 4096;

/// One batch of the policy; the handler sends itself another while
/// batches come back full.
#[derive(Message)]
#[rtype(result = "()")]
struct RetentionTick;

impl EngineActor {
    /// Arms the policy, if it is configured: a pass now and one every
    /// interval.
    pub(crate) fn start_retention(&mut self, ctx: &mut Context<Self>) {
        let Some(every) = self.retention.interval else {
            return;
        };
        if self.retention.older_than.is_none() && self.retention.max_finished.is_none() {
            return;
        }
        ctx.notify(RetentionTick);
        ctx.run_interval(every.max(Duration::from_millis(10)), |act, ctx| {
            if !act.retention_busy {
                ctx.notify(RetentionTick);
            }
        });
    }

    /// The next executions to delete: expired ones first, then those past
    /// the count to keep. Executions whose tree still has work in memory
    /// (a force-failed root with a running child) wait for a later pass.
    fn retention_batch(&mut self) -> Result<Vec<ExecutionId>, crate::store::Error> {
        let cfg = self.retention.clone();
        let states = cfg.states();
        let limit = cfg.batch_size.max(1);
        let mut ids = Vec::new();
        if let Some(age) = cfg.older_than {
            let before =
                crate::domain::now() - chrono::TimeDelta::from_std(age).unwrap_or_default();
            ids = self.writer.expired_roots(&states, Some(before), 0, limit)?;
        }
        if ids.is_empty()
            && let Some(keep) = cfg.max_finished
        {
            ids = self.writer.expired_roots(&states, None, keep, limit)?;
        }
        ids.retain(|id| {
            !self.execs.values().any(|e| {
                (e.rec.id == *id || e.rec.root_execution_id == Some(*id))
                    && !e.rec.state.is_terminal()
            })
        });
        Ok(ids)
    }

    /// Ends a pass that deleted something: free pages go back to the
    /// file system.
    fn reclaim(&mut self) {
        if let Err(e) = self.writer.reclaim_space(RECLAIM_PAGES) {
            log::warn!("retention: cannot return free pages: {e}");
        }
    }
}

impl Handler<RetentionTick> for EngineActor {
    type Result = ();

    fn handle(&mut self, _: RetentionTick, ctx: &mut Self::Context) {
        if self.draining {
            self.retention_busy = false;
            return;
        }
        let ids = match self.retention_batch() {
            Ok(ids) => ids,
            Err(e) => {
                log::warn!("retention: cannot read expired executions: {e}");
                self.retention_busy = false;
                return;
            }
        };
        if ids.is_empty() {
            // A pass whose last batch was full ends here.
            if self.retention_busy {
                self.reclaim();
            }
            self.retention_busy = false;
            return;
        }
        self.retention_busy = true;
        let full = ids.len() >= self.retention.batch_size.max(1);
        let mut deleted = 0u64;
        for id in ids {
            match self.delete_execution(&DeleteExecution { id, force: false }) {
                Ok(()) => deleted += 1,
                Err(e) => log::warn!("retention: cannot delete execution {id}: {e}"),
            }
        }
        self.stats.executions_expired += deleted;
        log::debug!("retention: deleted {deleted} finished executions");
        // The next batch is read after this one is committed, and after
        // whatever waits in the mailbox meanwhile.
        let committed = self.after_commit(ctx, true, || false);
        ctx.spawn(committed.into_actor(self).map(move |ok, act, ctx| {
            if ok && full {
                ctx.notify(RetentionTick);
            } else {
                if ok {
                    act.reclaim();
                }
                act.retention_busy = false;
            }
        }));
    }
}
