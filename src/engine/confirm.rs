//! The engine's side of `ConfirmExecution`: a worker asks before it runs
//! an action, and the engine refuses (the execution no longer runs, the
//! action is no longer IDLE, the attempt is stale, the engine drains) or
//! records RUNNING and answers once that is committed.

use actix::prelude::*;

use super::EngineActor;
use crate::protocol::{ConfirmExecution, Refusal};
use crate::store::Write;

impl EngineActor {
    /// Answers a confirmation: refused, or accepted with RUNNING recorded.
    fn try_confirm(&mut self, msg: &ConfirmExecution) -> Result<(), Refusal> {
        // Shutting down: nothing starts any more. The action stays IDLE and
        // is dispatched again on the next start.
        if self.draining {
            return Err(Refusal::Unavailable);
        }
        if let Some(standalone) = self.confirm_standalone(msg) {
            return standalone;
        }
        let Some(&exec_id) = self.owner.get(&msg.action_execution_id) else {
            // Not in flight: finished already (a late duplicate), or its
            // execution is gone from memory (finished) or unknown.
            let known = self
                .execs
                .values()
                .any(|e| e.actions.contains_key(&msg.action_execution_id));
            return Err(if known {
                Refusal::NotIdle
            } else {
                Refusal::NotRunning
            });
        };
        let exec = self.execs.get_mut(&exec_id).ok_or(Refusal::NotRunning)?;
        let running = exec.rec.state == crate::domain::State::Running;
        let ae = exec
            .actions
            .get_mut(&msg.action_execution_id)
            .ok_or(Refusal::NotIdle)?;
        if ae.attempt != msg.attempt.0 {
            return Err(Refusal::StaleAttempt);
        }
        // An action started in the same command list as the `fail`,
        // `succeed` or `pause` that stopped its workflow, or started by a
        // with-items task after its workflow stopped, still runs to its
        // end, as in Mistral; anything else waits for a running workflow.
        let owed = exec.owed.contains(&msg.action_execution_id)
            && matches!(
                exec.rec.state,
                crate::domain::State::Error
                    | crate::domain::State::Success
                    | crate::domain::State::Paused
                    | crate::domain::State::Cancelled
            );
        if !running && !owed {
            return Err(Refusal::NotRunning);
        }
        if ae.state != crate::domain::State::Idle {
            return Err(Refusal::NotIdle);
        }
        let now = crate::domain::now();
        let queued = ae.updated_at.unwrap_or(ae.created_at);
        self.timings
            .queue_delay
            .record(super::telemetry::seconds(queued, now));
        super::transition::advance(&mut **ae, crate::domain::State::Running, &mut self.stats);
        ae.updated_at = Some(now);
        // A confirmation alone is written narrowly (state and time); an
        // action already dirty for another reason is written whole.
        if self
            .dirty
            .actions
            .contains_key(&(exec_id, msg.action_execution_id))
        {
            self.touch_action(exec_id, msg.action_execution_id, Write::Update);
        } else {
            self.dirty.confirmed.push(msg.action_execution_id);
        }
        Ok(())
    }

    fn count_refusal(&mut self, r: Refusal) {
        match r {
            Refusal::NotRunning => self.stats.confirms_refused_not_running += 1,
            Refusal::NotIdle => self.stats.confirms_refused_not_idle += 1,
            Refusal::StaleAttempt => self.stats.confirms_refused_stale += 1,
            Refusal::Unavailable => {}
            Refusal::Busy => self.stats.confirms_busy += 1,
        }
    }
}

impl Handler<ConfirmExecution> for EngineActor {
    type Result = ResponseFuture<Result<(), Refusal>>;

    fn handle(&mut self, msg: ConfirmExecution, ctx: &mut Self::Context) -> Self::Result {
        crate::failpoint!("engine.confirm.before_commit");
        if crate::failpoints::busy("confirm.busy", &msg.action_execution_id) {
            self.count_refusal(Refusal::Busy);
            return Box::pin(futures::future::ready(Err(Refusal::Busy)));
        }
        let answer = self.try_confirm(&msg);
        // Answered for good (a "busy" worker asks again): the dispatch's
        // place goes to the next in line.
        self.dispatch_taken(&msg.action_execution_id);
        match answer {
            Ok(()) => {
                let reply = self.after_commit(ctx, Ok(()), || Err(Refusal::Unavailable));
                Box::pin(async move {
                    let r = reply.await;
                    if r.is_ok() {
                        crate::failpoint!("engine.confirm.after_commit_before_reply");
                    }
                    r
                })
            }
            Err(r) => {
                log::debug!(
                    "action={} attempt={} confirm refused: {r}",
                    msg.action_execution_id,
                    msg.attempt
                );
                self.count_refusal(r);
                Box::pin(futures::future::ready(Err(r)))
            }
        }
    }
}
