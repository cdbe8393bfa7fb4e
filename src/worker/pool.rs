//! The pool supervisor: starts N workers, each on its own arbiter (thread),
//! spreads `HandleTask` over them, and replaces any worker that dies so the
//! pool is always back to N.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix::prelude::*;

use super::run::WorkerActor;
use crate::actions::Registry;
use crate::protocol::{EngineLink, HandleTask, TaskDone};

/// Live counters of the pool, readable from anywhere.
#[derive(Debug, Default)]
pub struct PoolStats {
    /// Workers alive now.
    pub alive: AtomicUsize,
    /// Actions being handled now.
    pub busy: AtomicUsize,
    /// Workers replaced after they died.
    pub restarts: AtomicUsize,
}

struct Slot {
    arbiter: Arbiter,
    addr: Addr<WorkerActor>,
}

/// The supervisor of the workers. Receives `HandleTask` from the engine.
pub struct WorkerPool {
    size: usize,
    registry: Arc<Registry>,
    engine: EngineLink,
    stats: Arc<PoolStats>,
    slots: Vec<Slot>,
    next: usize,
    /// Actions one worker runs at once.
    capacity: usize,
    /// Told when a worker is finished with a `HandleTask`, if anyone asks.
    done: Option<Recipient<TaskDone>>,
}

impl WorkerPool {
    /// A pool of `size` workers (at least one) reporting into `stats`.
    pub fn new(
        size: usize,
        registry: Arc<Registry>,
        engine: EngineLink,
        stats: Arc<PoolStats>,
    ) -> Self {
        Self {
            size: size.max(1),
            capacity: usize::MAX,
            registry,
            engine,
            stats,
            slots: Vec::new(),
            next: 0,
            done: None,
        }
    }

    /// Tells `done` when a worker is finished with each `HandleTask` (a
    /// host fed by a broker acknowledges the delivery then).
    pub fn with_done(mut self, done: Recipient<TaskDone>) -> Self {
        self.done = Some(done);
        self
    }

    /// Each worker runs at most `capacity` actions at once.
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The pool's counters.
    pub fn stats(&self) -> Arc<PoolStats> {
        self.stats.clone()
    }

    fn spawn_worker(&self) -> Slot {
        let arbiter = Arbiter::new();
        let (registry, engine, stats) = (
            self.registry.clone(),
            self.engine.clone(),
            self.stats.clone(),
        );
        let capacity = self.capacity;
        let done = self.done.clone();
        let addr = WorkerActor::start_in_arbiter(&arbiter.handle(), move |_| {
            WorkerActor::new(registry, engine, stats)
                .with_capacity(capacity)
                .with_done(done)
        });
        Slot { arbiter, addr }
    }

    /// Replaces every worker whose mailbox is closed.
    fn supervise(&mut self) {
        for i in 0..self.slots.len() {
            if !self.slots[i].addr.connected() {
                log::warn!("worker {i} died; starting a replacement");
                let fresh = self.spawn_worker();
                let old = std::mem::replace(&mut self.slots[i], fresh);
                old.arbiter.stop();
                self.stats.restarts.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

impl Actor for WorkerPool {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.slots = (0..self.size).map(|_| self.spawn_worker()).collect();
        ctx.run_interval(Duration::from_millis(100), |pool, _| pool.supervise());
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for slot in self.slots.drain(..) {
            slot.arbiter.stop();
        }
    }
}

impl Handler<HandleTask> for WorkerPool {
    type Result = ();

    fn handle(&mut self, msg: HandleTask, _: &mut Self::Context) {
        for _ in 0..self.slots.len() {
            let i = self.next % self.slots.len();
            self.next = self.next.wrapping_add(1);
            if self.slots[i].addr.connected() {
                self.slots[i].addr.do_send(msg);
                return;
            }
        }
        self.supervise();
        if let Some(slot) = self.slots.first() {
            slot.addr.do_send(msg);
        }
    }
}

/// Stops the pool and its workers.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for WorkerPool {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
