//! The `EngineActor`: owns the store's writer and the hot state, batches the
//! changes of many messages into one transaction (group commit), and sends a
//! reply that depends on a change only after the batch holding it committed.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use serde_json::Value;
use tokio::sync::oneshot;

use super::Stats;
use super::defs::DefCache;
use super::state::{Exec, IdIndexMap, IdMap};
use crate::domain::{ActionExecutionId, ExecutionId, Secrets, State, TaskExecutionId};
use crate::expr::Evaluator;
use crate::protocol::{ActionCatalog, ConveyResult, HandleTask, Outcome};
use crate::store::{Batch, Write, Writer};

pub(crate) type Reply = Box<dyn FnOnce(bool)>;

/// Messages the engine's mailbox holds before `send` waits (`do_send` and
/// `do_send` from the pool never waits).
const MAILBOX_CAPACITY: usize = 65_536;

/// How long a change that no reply waits for may wait for others to share
/// its commit.
const COMMIT_DELAY: std::time::Duration = std::time::Duration::from_micros(500);

/// What changed since the last commit: the store's own [`Batch`] for what
/// is written as it was handed in (definitions, deletions, cron claims,
/// notifications), which the engine reaches through `Deref`, and the live
/// records marked changed, copied into the batch at commit time (they may
/// change again until then).
#[derive(Default)]
pub(crate) struct Dirty {
    pub batch: Batch,
    pub execs: IdIndexMap<ExecutionId, Write>,
    pub tasks: IdIndexMap<(ExecutionId, TaskExecutionId), Write>,
    pub actions: IdIndexMap<(ExecutionId, ActionExecutionId), Write>,
    /// Standalone action executions (no workflow execution).
    pub standalone: IdIndexMap<ActionExecutionId, Write>,
    /// Action executions changed only by their confirmation.
    pub confirmed: Vec<ActionExecutionId>,
}

impl std::ops::Deref for Dirty {
    type Target = Batch;
    fn deref(&self) -> &Batch {
        &self.batch
    }
}

impl std::ops::DerefMut for Dirty {
    fn deref_mut(&mut self) -> &mut Batch {
        &mut self.batch
    }
}

fn mark<K: std::hash::Hash + Eq>(map: &mut IdIndexMap<K, Write>, key: K, w: Write) {
    map.entry(key).or_insert(w);
}

/// The engine. Start it with [`EngineActor::new`] on its own arbiter.
pub struct EngineActor {
    pub(crate) writer: Writer,
    pub(crate) pool: Recipient<HandleTask>,
    pub(crate) eval: Arc<Evaluator>,
    pub(crate) execs: IdMap<ExecutionId, Exec>,
    pub(crate) owner: IdMap<ActionExecutionId, ExecutionId>,
    /// Unfinished standalone action executions (`POST /v2/action_executions`).
    pub(crate) standalone: IdMap<ActionExecutionId, super::standalone::Standalone>,
    /// What the workers can run, for standalone actions.
    pub(crate) catalog: Option<Arc<dyn ActionCatalog>>,
    /// Read connections, for what `tasks()` reads of finished
    /// sub-workflows (they have left memory).
    pub(crate) reader: Option<crate::store::Store>,
    pub(crate) dirty: Dirty,
    pub(crate) defs: DefCache,
    /// Every ad-hoc action definition.
    pub(crate) adhoc: super::adhoc::AdhocCache,
    /// With several engine nodes: the store's mark of the definitions at
    /// the last look (another node's change moves it).
    pub(crate) definitions_mark: Option<crate::store::DefinitionsMark>,
    pub(crate) stats: Stats,
    replies: Vec<Reply>,
    flush_scheduled: bool,
    /// A commit is scheduled [`COMMIT_DELAY`] from the first unreplied change.
    delayed_flush: bool,
    /// Set on shutdown: new actions are recorded but not dispatched.
    pub(crate) draining: bool,
    /// Timers recorded since the last commit, armed once it is durable.
    pub(crate) timers: Vec<super::policies::Timer>,
    pub(crate) limits: super::Limits,
    /// Where committed state changes are announced, if anyone listens.
    events: Option<tokio::sync::broadcast::Sender<super::Change>>,
    /// Evaluations that outgrew the inline budget, in the evaluation pool.
    pub(crate) offload: super::offload::Offload,
    /// While a command list is applied: the action executions recorded by
    /// it so far (see `Exec::owed`).
    pub(crate) batch_actions: Option<Vec<ActionExecutionId>>,
    /// The cron scheduler's clock and settings.
    pub(crate) clock: super::Clock,
    pub(crate) cron: super::CronConfig,
    /// The retention policy, and whether a pass is under way.
    pub(crate) retention: super::RetentionConfig,
    pub(crate) retention_busy: bool,
    /// Woken after a commit that wrote notification events.
    outbox: Option<Arc<tokio::sync::Notify>>,
    /// Histograms for `/metrics`.
    pub(crate) timings: super::Timings,
    /// Told of each node process this node takes over (a broker transport
    /// then answers on that process's queues too).
    pub(crate) takeovers: Option<Recipient<crate::protocol::NodeTakenOver>>,
    /// The dispatches out with the workers, and those waiting for a place.
    pub(crate) window: super::window::Window,
}

impl EngineActor {
    /// An engine over `writer` that dispatches to `pool`.
    pub fn new(writer: Writer, pool: Recipient<HandleTask>, eval: Arc<Evaluator>) -> Self {
        Self {
            writer,
            pool,
            eval,
            execs: IdMap::default(),
            owner: IdMap::default(),
            standalone: IdMap::default(),
            catalog: None,
            reader: None,
            dirty: Dirty::default(),
            batch_actions: None,
            defs: DefCache::default(),
            adhoc: Default::default(),
            definitions_mark: None,
            stats: Stats::default(),
            replies: Vec::new(),
            flush_scheduled: false,
            delayed_flush: false,
            draining: false,
            timers: Vec::new(),
            events: None,
            limits: super::Limits::default(),
            offload: Default::default(),
            clock: super::wall_clock(),
            cron: super::CronConfig::default(),
            retention: super::RetentionConfig::default(),
            retention_busy: false,
            outbox: None,
            timings: super::Timings::default(),
            takeovers: None,
            window: Default::default(),
        }
    }

    /// Tells `to` of each node process this node takes over.
    pub fn with_takeover_notices(
        mut self,
        to: Option<Recipient<crate::protocol::NodeTakenOver>>,
    ) -> Self {
        self.takeovers = to;
        self
    }

    /// Wakes `outbox` (the notification delivery loop) after each commit
    /// that wrote notification events.
    pub fn with_outbox(mut self, outbox: Arc<tokio::sync::Notify>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// Records queue delay, action run time and commit latency in `timings`.
    pub fn with_timings(mut self, timings: super::Timings) -> Self {
        self.timings = timings;
        self
    }

    /// Fires cron triggers by `clock` with `cron`'s settings.
    pub fn with_cron(mut self, cron: super::CronConfig, clock: super::Clock) -> Self {
        self.cron = cron;
        self.clock = clock;
        self
    }

    /// Deletes old finished executions by `retention`.
    pub fn with_retention(mut self, retention: super::RetentionConfig) -> Self {
        self.retention = retention;
        self
    }

    /// Enforces `limits`.
    pub fn with_limits(mut self, limits: super::Limits) -> Self {
        self.window = super::window::Window::new(limits.dispatch_window);
        self.limits = limits;
        self
    }

    /// Checks standalone actions (`POST /v2/action_executions`) against `catalog`.
    pub fn with_catalog(mut self, catalog: Arc<dyn ActionCatalog>) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// Reads finished executions through `store` (see `EngineActor::reader`).
    pub fn with_reader(mut self, store: crate::store::Store) -> Self {
        self.reader = Some(store);
        self
    }

    /// Announces every committed execution and task state change on `events`.
    pub fn with_events(mut self, events: tokio::sync::broadcast::Sender<super::Change>) -> Self {
        self.events = Some(events);
        self
    }

    fn announce(&self, batch: &Batch) {
        let Some(tx) = &self.events else { return };
        if tx.receiver_count() == 0 {
            return;
        }
        for (_, e) in &batch.executions {
            let _ = tx.send(super::Change {
                kind: "execution",
                id: e.id.to_string(),
                execution_id: e.id.to_string(),
                name: e.workflow_name.clone(),
                state: e.state,
                state_info: e.state_info.clone(),
                project_id: e.project_id.clone(),
            });
        }
        for (_, t) in &batch.tasks {
            let _ = tx.send(super::Change {
                kind: "task",
                id: t.id.to_string(),
                execution_id: t.execution_id.to_string(),
                name: t.name.clone(),
                state: t.state,
                state_info: t.state_info.clone(),
                project_id: t.project_id.clone(),
            });
        }
    }

    pub(crate) fn touch_exec(&mut self, id: ExecutionId, w: Write) {
        mark(&mut self.dirty.execs, id, w);
        self.notice_exec(id);
    }

    pub(crate) fn touch_task(&mut self, exec: ExecutionId, id: TaskExecutionId, w: Write) {
        mark(&mut self.dirty.tasks, (exec, id), w);
        self.notice_task(exec, id);
    }

    /// Marks a task dirty without reporting a state change: a task created
    /// IDLE to be started in the same step reports its start as its launch.
    pub(crate) fn touch_task_quietly(&mut self, exec: ExecutionId, id: TaskExecutionId, w: Write) {
        mark(&mut self.dirty.tasks, (exec, id), w);
    }

    pub(crate) fn touch_action(&mut self, exec: ExecutionId, id: ActionExecutionId, w: Write) {
        mark(&mut self.dirty.actions, (exec, id), w);
    }

    /// Makes sure a commit runs once the messages queued now are handled.
    ///
    /// A change that a waiting reply depends on is committed as soon as the
    /// queued messages are handled. Changes no reply waits for (a conveyed
    /// result, a timer) wait up to [`COMMIT_DELAY`] for company, so that the
    /// confirmation that usually follows within microseconds shares their
    /// commit (and its fsync) instead of paying for a second one.
    pub(crate) fn schedule_flush(&mut self, ctx: &mut Context<Self>) {
        if self.flush_scheduled {
            return;
        }
        if self.replies.is_empty() {
            if !self.delayed_flush {
                self.delayed_flush = true;
                ctx.run_later(COMMIT_DELAY, |act, ctx| {
                    act.delayed_flush = false;
                    act.flush(ctx);
                });
            }
        } else {
            self.flush_scheduled = true;
            ctx.notify(Flush);
        }
    }

    /// Runs `reply` once the current batch is committed (true) or failed.
    pub(crate) fn on_commit(&mut self, reply: Reply) {
        self.replies.push(reply);
    }

    /// A reply that is sent once the current batch is committed: `ok` then,
    /// or `failed()` if the commit failed.
    pub(crate) fn after_commit<T: 'static>(
        &mut self,
        ctx: &mut Context<Self>,
        ok: T,
        failed: impl FnOnce() -> T + 'static,
    ) -> ResponseFuture<T> {
        let (tx, rx) = oneshot::channel();
        self.replies.push(Box::new(move |committed| {
            let _ = tx.send(committed.then_some(ok));
        }));
        self.schedule_flush(ctx);
        Box::pin(async move {
            match rx.await {
                Ok(Some(v)) => v,
                _ => failed(),
            }
        })
    }

    fn build_batch(&mut self) -> Batch {
        // A state set after the record's last touch is reported now.
        let tasks: Vec<_> = self.dirty.tasks.keys().copied().collect();
        for (eid, tid) in tasks {
            self.notice_task(eid, tid);
        }
        let execs: Vec<_> = self.dirty.execs.keys().copied().collect();
        for id in execs {
            self.notice_exec(id);
        }
        let dirty = std::mem::take(&mut self.dirty);
        let mut batch = dirty.batch;
        batch.tasks.reserve(dirty.tasks.len());
        batch
            .action_executions
            .reserve(dirty.actions.len() + dirty.standalone.len());
        batch.confirmed_at = (!dirty.confirmed.is_empty()).then(crate::domain::now);
        // Secret values never reach the store or the change events as
        // state_info or error text (I10): masked here, where every change
        // leaves memory.
        let mut secrets: HashMap<ExecutionId, Secrets> = HashMap::new();
        for (id, w) in dirty.execs {
            if let Some(e) = self.execs.get(&id) {
                let mut rec = e.rec.clone();
                if rec.state_info.is_some() || rec.state == State::Error {
                    let s = self.secrets_cached(&mut secrets, id);
                    s.mask_opt(&mut rec.state_info);
                    if rec.state == State::Error
                        && let Some(r) = rec.output.get_mut("result")
                    {
                        s.mask_value(r);
                    }
                }
                batch.executions.push((w, rec));
            }
        }
        for ((eid, tid), w) in dirty.tasks {
            if let Some(t) = self.execs.get(&eid).and_then(|e| e.tasks.get(&tid)) {
                let mut t = t.clone();
                if t.state_info.is_some() {
                    self.secrets_cached(&mut secrets, eid)
                        .mask_opt(&mut t.state_info);
                }
                if t.state == State::Error {
                    self.secrets_cached(&mut secrets, eid)
                        .mask_value(&mut t.result);
                }
                batch.tasks.push((w, t));
            }
        }
        let whole: std::collections::HashSet<ActionExecutionId> =
            dirty.actions.keys().map(|(_, aid)| *aid).collect();
        batch.confirmed = dirty
            .confirmed
            .into_iter()
            .filter(|aid| !whole.contains(aid))
            .collect();
        for ((eid, aid), w) in dirty.actions {
            if let Some(a) = self.execs.get(&eid).and_then(|e| e.actions.get(&aid)) {
                let mut a = a.clone();
                if a.state_info.is_some() {
                    self.secrets_cached(&mut secrets, eid)
                        .mask_opt(&mut a.state_info);
                }
                if a.state == State::Error {
                    self.secrets_cached(&mut secrets, eid)
                        .mask_value(&mut a.output);
                }
                batch.action_executions.push((w, a));
            }
        }
        for (aid, w) in dirty.standalone {
            if let Some(s) = self
                .standalone
                .get(&aid)
                .filter(|s| s.keep != super::standalone::Keep::Not)
            {
                batch.action_executions.push((w, s.rec.clone().into()));
            }
        }
        batch
    }

    /// The secrets of an execution and of every ancestor in memory (a
    /// sub-workflow masks what its parents hold secret).
    pub(crate) fn secrets_of(&self, id: ExecutionId) -> Secrets {
        let mut out = Secrets::new();
        let mut cur = Some(id);
        let mut hops = 0;
        while let Some(id) = cur
            && hops < 256
        {
            let Some(e) = self.execs.get(&id) else { break };
            out.extend(&e.own_secrets());
            cur = e.parent.map(|p| p.exec_id);
            hops += 1;
        }
        out
    }

    fn secrets_cached<'a>(
        &self,
        cache: &'a mut HashMap<ExecutionId, Secrets>,
        id: ExecutionId,
    ) -> &'a Secrets {
        cache.entry(id).or_insert_with(|| self.secrets_of(id))
    }

    /// `text` with the secrets of execution `id` masked: for log lines and
    /// error text that leave the engine by another way than a commit.
    pub(crate) fn mask(&self, id: ExecutionId, text: impl std::fmt::Display) -> String {
        self.secrets_of(id).mask(&text.to_string())
    }

    /// Commits everything changed since the last commit, then answers the
    /// replies that waited for it and forgets finished executions.
    pub(crate) fn flush(&mut self, ctx: &mut Context<Self>) {
        self.flush_scheduled = false;
        let started = std::time::Instant::now();
        let mut batch = self.build_batch();
        self.stats.rows_written +=
            (batch.executions.len() + batch.tasks.len() + batch.action_executions.len()) as u64;
        let replies = std::mem::take(&mut self.replies);
        let batch_was_empty = batch.is_empty();
        let committed = if batch_was_empty {
            true
        } else {
            match self.commit_batch(&mut batch) {
                Ok(()) => {
                    self.stats.commits += 1;
                    if batch.action_executions.iter().any(|(w, a)| {
                        matches!(w, Write::Insert) && a.state == crate::domain::State::Idle
                    }) {
                        crate::failpoint!("engine.after_commit_before_dispatch_next");
                    }
                    self.announce(&batch);
                    self.evict_committed(&batch);
                    if !batch.notifications.is_empty()
                        && let Some(outbox) = &self.outbox
                    {
                        outbox.notify_one();
                    }
                    true
                }
                Err(e @ crate::store::Error::Fenced(_)) => {
                    log::error!("commit rejected, stopping the engine: {e}");
                    false
                }
                Err(e) => {
                    log::error!("commit failed, stopping the engine: {e}");
                    false
                }
            }
        };
        let took = started.elapsed();
        self.stats.commit_micros += took.as_micros() as u64;
        if !batch_was_empty {
            self.timings.commit.record(took.as_secs_f64());
        }
        for reply in replies {
            reply(committed);
        }
        if !committed {
            ctx.stop();
            System::current().stop_with_code(1);
            return;
        }
        for timer in std::mem::take(&mut self.timers) {
            if timer.delay.is_zero() {
                ctx.notify(FireTimer(timer));
            } else {
                ctx.run_later(timer.delay, move |act, ctx| {
                    act.fire_timer(timer);
                    act.schedule_flush(ctx);
                });
            }
        }
        self.retire_finished();
    }

    /// Commits `batch`. With several engine nodes, a batch whose new
    /// executions name workflow versions another node deleted meanwhile
    /// (nothing was written) stores them too and is committed again.
    fn commit_batch(&mut self, batch: &mut crate::store::Batch) -> Result<(), crate::store::Error> {
        let missing = match self.writer.commit(batch) {
            Err(crate::store::Error::VersionsMissing(ids)) => ids,
            done => return done,
        };
        log::info!(
            "workflow versions {missing:?} were deleted by another node; storing them again"
        );
        for id in missing {
            match self.defs.restore(&id) {
                Ok(Some(version)) => batch.versions.push(version),
                _ => return Err(crate::store::Error::VersionsMissing(vec![id])),
            }
        }
        self.writer.commit(batch)
    }

    /// Drops executions that are terminal with nothing in flight.
    fn retire_finished(&mut self) {
        self.retire_standalone();
        let done: Vec<ExecutionId> = self
            .execs
            .iter()
            .filter(|(_, e)| e.rec.state.is_terminal() && e.in_flight == 0 && e.deferred == 0)
            // A delay still pending runs its task after the end, as
            // Mistral's scheduled job does.
            .filter(|(_, e)| {
                !e.tasks
                    .values()
                    .any(|t| super::runtime::has_delay(&t.runtime_context))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in done {
            if let Some(e) = self.execs.remove(&id) {
                for aid in e.actions.keys() {
                    self.owner.remove(aid);
                }
            }
        }
    }
}

impl Actor for EngineActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX_CAPACITY);
        self.start_offload(ctx.address());
        if let Err(e) = self.recover() {
            log::error!("recovery failed: {e}");
            System::current().stop_with_code(1);
        }
        self.start_cron(ctx);
        self.start_retention(ctx);
        self.start_node_scan(ctx);
        self.schedule_flush(ctx);
        ctx.run_interval(INTEGRITY_INTERVAL, |act, ctx| {
            act.check_integrity();
            if act.window.forget_lost(std::time::Instant::now()) > 0 {
                act.send_waiting();
            }
            act.schedule_flush(ctx);
        });
    }
}

/// How often the integrity checker looks for executions nothing can move.
const INTEGRITY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// A timer that is due now (sent by the engine to itself after the commit
/// that recorded it).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct FireTimer(super::policies::Timer);

impl Handler<FireTimer> for EngineActor {
    type Result = ();

    fn handle(&mut self, msg: FireTimer, ctx: &mut Self::Context) {
        self.fire_timer(msg.0);
        self.schedule_flush(ctx);
    }
}

/// Commit what is pending (sent by the engine to itself).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Flush;

impl Handler<Flush> for EngineActor {
    type Result = ();

    fn handle(&mut self, _: Flush, ctx: &mut Self::Context) {
        self.flush(ctx);
    }
}

impl Handler<ConveyResult> for EngineActor {
    type Result = ();

    fn handle(&mut self, msg: ConveyResult, ctx: &mut Self::Context) {
        crate::failpoint!("engine.result.before_commit");
        self.dispatch_taken(&msg.action_execution_id);
        if !self.accept_result(msg) {
            self.stats.results_dropped += 1;
        }
        self.schedule_flush(ctx);
    }
}

impl Handler<super::GetStats> for EngineActor {
    type Result = Stats;

    fn handle(&mut self, _: super::GetStats, _: &mut Self::Context) -> Stats {
        let mut s = self.stats.clone();
        s.executions_in_memory = self.execs.len() as u64;
        s.evaluations_offloaded = self.offload.sent;
        s.evaluations_waiting = self.offload.waiting() as u64;
        s.dispatches_out = self.window.out() as u64;
        s.dispatches_waiting = self.window.waiting() as u64;
        s.executions_by_state = count_states(self.execs.values().map(|e| e.rec.state));
        s.tasks_by_state = count_states(
            self.execs
                .values()
                .flat_map(|e| e.tasks.values())
                .map(|t| t.state)
                .filter(|s| !s.is_completed()),
        );
        s.in_flight = self.execs.values().map(|e| e.in_flight as u64).sum::<u64>()
            + self
                .standalone
                .values()
                .filter(|a| !a.rec.state.is_completed())
                .count() as u64;
        s
    }
}

/// How many of each state, in first-seen order.
fn count_states(
    states: impl Iterator<Item = crate::domain::State>,
) -> Vec<(crate::domain::State, u64)> {
    let mut out: Vec<(crate::domain::State, u64)> = Vec::new();
    for s in states {
        match out.iter_mut().find(|(k, _)| *k == s) {
            Some((_, n)) => *n += 1,
            None => out.push((s, 1)),
        }
    }
    out
}

impl EngineActor {
    /// Applies a conveyed result if its attempt is current and the action is
    /// waiting for one; false when it was dropped.
    pub(crate) fn accept_result(&mut self, msg: ConveyResult) -> bool {
        if let Some(taken) = self.accept_standalone(&msg) {
            return taken;
        }
        let Some(&exec_id) = self.owner.get(&msg.action_execution_id) else {
            return false;
        };
        let adhoc = self.expansion_of(exec_id, msg.action_execution_id);
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return false;
        };
        let Some(ae) = exec.actions.get_mut(&msg.action_execution_id) else {
            return false;
        };
        let waiting = ae.state == State::Running
            || (ae.state == State::Idle && matches!(msg.outcome, Outcome::Failure(_)));
        if ae.attempt != msg.attempt.0 || !waiting {
            log::debug!(
                "action={} attempt={} late or stale result dropped",
                msg.action_execution_id,
                msg.attempt
            );
            return false;
        }
        // The worker's end of an action its task's timeout outran: the
        // timeout policy completes the task, as when the engine's own
        // timer fires first (whichever comes first, one outcome).
        if let (Outcome::Failure(Value::String(text)), Some(task_id)) =
            (&msg.outcome, ae.task_execution_id)
            && text.starts_with("Task timed out [timeout(s)=")
            && exec
                .tasks
                .get(&task_id)
                .is_some_and(|t| super::runtime::timeout(&t.runtime_context).is_some())
        {
            self.time_out(exec_id, task_id);
            return true;
        }
        let (state, value) = match msg.outcome {
            Outcome::Success(v) => (State::Success, v),
            Outcome::Failure(v) => (State::Error, v),
        };
        // An ad-hoc action's `output` that cannot be evaluated fails the
        // action unaccepted and force-fails its task (Mistral's
        // `on_action_complete`): no transition runs, the workflow fails with
        // the same text.
        let mut output_failed = None;
        let (state, value) = match (state, adhoc) {
            (State::Success, Some(expanded)) => {
                let task = Some(ae.task_name.as_deref().unwrap_or_default());
                let finished =
                    expanded.and_then(|e| super::adhoc::finish(&self.eval, &e, value, task));
                match finished {
                    Ok(v) => (state, v),
                    Err(e) => {
                        output_failed = Some(e.clone());
                        (State::Error, Value::String(e))
                    }
                }
            }
            other => (other.0, value),
        };
        let size = serde_json::to_string(&value).map_or(0, |t| t.len());
        let (state, value) = if size > self.limits.max_result_bytes {
            let msg = format!(
                "The action result is too large [size={size} bytes, limit={} bytes (max_result_bytes)]",
                self.limits.max_result_bytes
            );
            (State::Error, Value::String(msg))
        } else {
            (state, value)
        };
        let now = crate::domain::now();
        if ae.state == State::Running
            && let Some(started) = ae.updated_at
        {
            self.timings
                .action_run
                .record(super::telemetry::seconds(started, now));
        }
        super::transition::end(&mut **ae, state, &mut self.stats);
        ae.accepted = output_failed.is_none();
        ae.output = serde_json::json!({ "result": value });
        ae.updated_at = Some(now);
        let task_id = ae.task_execution_id;
        let item = ae.item_index;
        exec.in_flight = exec.in_flight.saturating_sub(1);
        self.owner.remove(&msg.action_execution_id);
        self.touch_action(exec_id, msg.action_execution_id, Write::Update);
        match (task_id, output_failed) {
            (Some(task_id), Some(msg)) => self.force_fail_task(exec_id, task_id, msg),
            (Some(task_id), None) => self.on_action_complete(exec_id, task_id, item, state, value),
            (None, _) => {}
        }
        true
    }
}

impl Handler<super::Drain> for EngineActor {
    type Result = ();

    fn handle(&mut self, _: super::Drain, ctx: &mut Self::Context) {
        self.draining = true;
        self.flush(ctx);
    }
}
