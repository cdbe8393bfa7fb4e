//! Heavy expressions off the engine thread (I11): the engine evaluates every
//! expression first under a small fuel budget (`expr_inline_fuel`). One that
//! runs out of it where the engine can wait for it — a task's action name
//! and input, its `with-items` lists, `publish`, `keep-result`, transition
//! guards, an ad-hoc action's `base-input` — is handed to a small pool of
//! evaluation threads with a copy of what it reads, under the full budget
//! (`expr_fuel`), and the operation that needed it is left undone: nothing
//! was changed yet. When the value comes back ([`Evaluated`]) the engine
//! runs the operation again if the task is still where it was, and the
//! evaluation answers from the memo. Expressions never write: the engine
//! alone applies what they computed. One hostile expression therefore costs
//! the engine thread its inline budget, not its whole fuel.
//!
//! The operation's other evaluations are run again against the state of
//! that moment; a deferred one saw the state at the moment it was deferred,
//! as if it had been evaluated then.
//!
//! A deferrable operation is split in two: a plan that only reads the
//! engine (through [`EngineActor::deferrable`], which hands it a
//! [`Deferral`] to evaluate with) and gives what to do or "deferred", and
//! an apply that does it. Nothing has to be put back when an evaluation is
//! deferred, because nothing was changed.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use actix::prelude::*;
use serde_json::{Map, Value};

use super::EngineActor;
use super::family::FamilySource;
use super::state::{Exec, ExecHost};
use super::transition::Overlay;
use crate::domain::{ExecutionId, State, TaskExecutionId};
use crate::expr::{self, Context, ErrorKind, Evaluator};

/// A task whose operation waits on an evaluation.
pub(crate) type Scope = (ExecutionId, TaskExecutionId);

/// How evaluations leave the engine thread (`expr_threads`, `expr_inline_fuel`).
#[derive(Clone, Debug)]
pub struct OffloadConfig {
    /// Evaluation threads; 0 evaluates everything on the engine thread.
    pub threads: usize,
    /// Fuel an evaluation may spend on the engine thread before it moves.
    pub inline_fuel: u64,
    /// Evaluations that may wait in the pool at once; past it they run
    /// inline (the engine slows down instead of holding ever more copies).
    pub max_waiting: usize,
}

impl Default for OffloadConfig {
    fn default() -> Self {
        Self {
            threads: 1,
            inline_fuel: 20_000,
            max_waiting: 10_000,
        }
    }
}

/// The operation to run again when a deferred evaluation comes back.
#[derive(Debug)]
pub(crate) enum Resume {
    /// `start_task`: action, input, with-items lists.
    Start,
    /// `rerun_items`: the items of a with-items task to run again.
    Rerun {
        previous: Value,
        rerun: super::items_rerun::RerunItems,
    },
    /// `start_more_items`: the next item's action and input.
    MoreItems,
    /// `complete_task`: publish and keep-result, with the task in `from`.
    Complete { from: State, to: Overlay },
    /// `process_task`: the transition guards.
    Process,
}

impl Resume {
    fn name(&self) -> &'static str {
        match self {
            Resume::Start => "start the task",
            Resume::Rerun { .. } => "rerun the task's failed items",
            Resume::MoreItems => "start the next item",
            Resume::Complete { .. } => "complete the task (publish)",
            Resume::Process => "run the task's transitions",
        }
    }
}

/// An evaluation that outgrew the inline budget, as it was asked.
pub(crate) struct Request {
    scope: Scope,
    value: Value,
    branch: Map<String, Value>,
    data: Value,
    /// What `task()`, `tasks()`, `execution()` and `global()` read.
    host: Option<Host>,
}

/// A copy of what an evaluation's functions read: the execution, the
/// current task, and the task as the operation would leave it.
type Host = (
    Box<Exec>,
    Option<TaskExecutionId>,
    Option<Overlay>,
    Option<Value>,
);

/// How a deferrable operation evaluates: under the inline budget (reading
/// the memo) when it is open, and the first evaluation that outgrew that
/// budget, which defers the operation. The plan owns it; nothing is shared.
pub(crate) struct Deferral {
    scope: Scope,
    open: bool,
    request: Option<Request>,
}

impl Deferral {
    /// Evaluations of `scope` under the full budget, never deferred.
    pub(crate) fn closed(scope: Scope) -> Self {
        Self {
            scope,
            open: false,
            request: None,
        }
    }
}

/// An evaluation in the pool, and the operation waiting for it.
struct Waiting {
    value: Value,
    branch: Map<String, Value>,
    resume: Resume,
}

type Memo = Vec<(Value, Map<String, Value>, Result<Value, String>)>;

/// The engine's side of the evaluation pool.
pub(crate) struct Offload {
    jobs: Option<Sender<Job>>,
    config: OffloadConfig,
    /// The inline evaluator (same budgets but the fuel).
    inline: Option<Arc<Evaluator>>,
    /// Values computed off the engine thread, kept until the operation that
    /// asked for them completes.
    memo: HashMap<Scope, Memo>,
    /// At most one evaluation per task is in the pool.
    waiting: HashMap<Scope, Waiting>,
    /// Evaluations handed to the pool.
    pub sent: u64,
}

impl Default for Offload {
    fn default() -> Self {
        Self {
            jobs: None,
            config: OffloadConfig {
                threads: 0,
                ..OffloadConfig::default()
            },
            inline: None,
            memo: HashMap::new(),
            waiting: HashMap::new(),
            sent: 0,
        }
    }
}

impl Offload {
    /// Evaluations in the pool now.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// The tasks of execution `id` whose operation waits on the pool, and
    /// the operation.
    pub(crate) fn deferred_of(&self, id: ExecutionId) -> Vec<(TaskExecutionId, &'static str)> {
        self.waiting
            .iter()
            .filter(|(scope, _)| scope.0 == id)
            .map(|(scope, w)| (scope.1, w.resume.name()))
            .collect()
    }

    pub(crate) fn busy(&self, scope: Scope) -> bool {
        self.waiting.contains_key(&scope)
    }

    /// True while the start of the scope's task waits for an evaluation.
    /// The tasks of execution `exec_id` whose operation waits for an
    /// evaluation, with the operation.
    pub(crate) fn waiting_in(
        &self,
        exec_id: ExecutionId,
    ) -> impl Iterator<Item = (TaskExecutionId, &Resume)> {
        self.waiting
            .iter()
            .filter(move |(scope, _)| scope.0 == exec_id)
            .map(|(scope, w)| (scope.1, &w.resume))
    }

    pub(crate) fn starting(&self, scope: Scope) -> bool {
        self.waiting
            .get(&scope)
            .is_some_and(|w| matches!(w.resume, Resume::Start))
    }
}

/// An evaluation for the pool.
struct Job {
    scope: Scope,
    value: Value,
    data: Value,
    host: Option<Host>,
}

/// A deferred evaluation's value, back from the pool.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Evaluated {
    scope: Scope,
    result: Result<Value, String>,
}

/// Stack of an evaluation thread: as deep as the engine's own.
const STACK: usize = 8 * 1024 * 1024;

fn spawn_pool(n: usize, eval: Arc<Evaluator>, engine: Addr<EngineActor>) -> Sender<Job> {
    let (tx, rx) = channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..n {
        let rx: Arc<Mutex<Receiver<Job>>> = rx.clone();
        let eval = eval.clone();
        let engine = engine.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("bora-eval-{i}"))
            .stack_size(STACK)
            .spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let result = catch_unwind(AssertUnwindSafe(|| run(&eval, &job)))
                        .unwrap_or_else(|_| Err("expression evaluation failed".into()));
                    engine.do_send(Evaluated {
                        scope: job.scope,
                        result,
                    });
                }
            });
        if let Err(e) = spawned {
            log::error!("cannot start evaluation thread {i}: {e}");
        }
    }
    tx
}

fn run(eval: &Evaluator, job: &Job) -> Result<Value, String> {
    let host = job
        .host
        .as_ref()
        .map(|(exec, current, overlay, family)| ExecHost {
            exec,
            current: *current,
            overlay: overlay.as_ref(),
            family: match family {
                Some(f) => FamilySource::Copied(f),
                None => FamilySource::None,
            },
        });
    let ctx = Context {
        data: &job.data,
        host: host.as_ref().map(|h| h as &dyn expr::Host),
    };
    eval.evaluate_data(&job.value, &ctx)
        .map_err(|e| e.to_string())
}

/// True when `v` may call `task()`, `tasks()`, `execution()` or `global()`.
fn reads_host(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("task") || s.contains("execution") || s.contains("global"),
        Value::Array(a) => a.iter().any(reads_host),
        Value::Object(m) => m.values().any(reads_host),
        _ => false,
    }
}

/// True when `v` may call `tasks()` about more than the current
/// execution's own tasks (see `expr::family::may_read_family`).
fn reads_family(v: &Value) -> bool {
    match v {
        Value::String(s) => expr::family::may_read_family(s),
        Value::Array(a) => a.iter().any(reads_family),
        Value::Object(m) => m.values().any(reads_family),
        _ => false,
    }
}

/// The parts of `exec` an evaluation reads, copied.
fn snapshot(exec: &Exec, full: bool) -> Box<Exec> {
    let mut s = Exec::new(exec.rec.clone(), exec.spec.clone());
    s.watch = None;
    if full {
        s.tasks = exec.tasks.clone();
        s.latest = exec.latest.clone();
    }
    Box::new(s)
}

/// The outcome of a deferrable operation's evaluations.
pub(crate) enum Ready<T> {
    Done(T),
    Deferred(Box<Request>),
}

impl EngineActor {
    /// Moves heavy evaluations off the engine thread as `config` says.
    pub fn with_offload(mut self, config: OffloadConfig) -> Self {
        if config.threads > 0 {
            let mut limits = self.eval.limits().clone();
            limits.fuel = config.inline_fuel.min(limits.fuel);
            self.offload.inline = Some(Arc::new(Evaluator::new(limits)));
        }
        self.offload.config = config;
        self
    }

    /// Starts the evaluation threads (from `started`).
    pub(crate) fn start_offload(&mut self, engine: Addr<EngineActor>) {
        if self.offload.config.threads > 0 && self.offload.jobs.is_none() {
            self.offload.jobs = Some(spawn_pool(
                self.offload.config.threads,
                self.eval.clone(),
                engine,
            ));
        }
    }

    /// Runs the plan `f` (which reads, evaluates through the [`Deferral`]
    /// it is given, and changes nothing) for the task `scope` so that an
    /// evaluation outgrowing the inline budget defers it. At most one
    /// evaluation per task is in the pool; while one is, the task's other
    /// operations evaluate inline under the full budget.
    pub(crate) fn deferrable<T>(
        &self,
        scope: Scope,
        f: impl FnOnce(&Self, &mut Deferral) -> T,
    ) -> Ready<T> {
        let o = &self.offload;
        let open = o.jobs.is_some() && o.waiting.len() < o.config.max_waiting && !o.busy(scope);
        let mut d = Deferral {
            scope,
            open,
            request: None,
        };
        let out = f(self, &mut d);
        match d.request {
            Some(req) => Ready::Deferred(Box::new(req)),
            None => Ready::Done(out),
        }
    }

    /// Evaluates `v` over `data` for the task of `d` (`branch` is the part
    /// of `data` that tells two evaluations of `v` apart): from the memo, or
    /// under the inline budget inside an open deferrable operation, or else
    /// under the full budget.
    pub(crate) fn evaluate_scoped(
        &self,
        d: Option<&mut Deferral>,
        v: &Value,
        branch: &Map<String, Value>,
        data: Value,
        host: Option<ExecHost<'_>>,
    ) -> Result<Value, String> {
        let o = &self.offload;
        let d = d.filter(|d| d.open);
        if let Some(d) = &d {
            if d.request.is_some() {
                return Err("evaluation deferred".into());
            }
            if let Some(hit) = o
                .memo
                .get(&d.scope)
                .and_then(|m| m.iter().find(|(mv, mb, _)| mv == v && mb == branch))
            {
                return hit.2.clone();
            }
        }
        let ctx = Context {
            data: &data,
            host: host.as_ref().map(|h| h as &dyn expr::Host),
        };
        if let Some(d) = d
            && let Some(inline) = &o.inline
        {
            match inline.evaluate_data(v, &ctx) {
                Err(e) if e.kind == ErrorKind::Limit && e.message.contains("fuel") => {
                    let host = host.map(|h| {
                        let family = reads_family(v).then(|| expr::Host::family(&h));
                        (
                            snapshot(h.exec, reads_host(v)),
                            h.current,
                            h.overlay.cloned(),
                            family,
                        )
                    });
                    d.request = Some(Request {
                        scope: d.scope,
                        value: v.clone(),
                        branch: branch.clone(),
                        data,
                        host,
                    });
                    return Err("evaluation deferred".into());
                }
                other => return other.map_err(|e| e.to_string()),
            }
        }
        self.eval.evaluate_data(v, &ctx).map_err(|e| e.to_string())
    }

    /// Hands a deferred evaluation to the pool; `resume` runs when it is back.
    pub(crate) fn defer(&mut self, req: Box<Request>, resume: Resume) {
        let req = *req;
        let job = Job {
            scope: req.scope,
            value: req.value.clone(),
            data: req.data,
            host: req.host,
        };
        let sent = self
            .offload
            .jobs
            .as_ref()
            .is_some_and(|tx| tx.send(job).is_ok());
        if !sent {
            log::error!("the evaluation pool is gone; the engine stops");
            System::current().stop_with_code(70);
            return;
        }
        self.offload.sent += 1;
        log::debug!(
            "ex={} task={} evaluation moved off the engine thread ({resume:?})",
            req.scope.0,
            req.scope.1
        );
        if let Some(exec) = self.execs.get_mut(&req.scope.0) {
            exec.deferred += 1;
        }
        self.offload.waiting.insert(
            req.scope,
            Waiting {
                value: req.value,
                branch: req.branch,
                resume,
            },
        );
    }

    /// A deferred evaluation is back: its operation runs again if its task
    /// is still where it was.
    fn evaluated(&mut self, msg: Evaluated) {
        let scope = msg.scope;
        let Some(w) = self.offload.waiting.remove(&scope) else {
            return;
        };
        let (exec_id, task_id) = scope;
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            self.offload.memo.remove(&scope);
            return;
        };
        exec.deferred = exec.deferred.saturating_sub(1);
        self.offload
            .memo
            .entry(scope)
            .or_default()
            .push((w.value, w.branch, msg.result));
        let exec = &self.execs[&exec_id];
        let task = exec.tasks.get(&task_id);
        let state = task.map(|t| t.state);
        match w.resume {
            Resume::Start | Resume::Rerun { .. }
                if state == Some(State::Running)
                    && !exec.items.contains_key(&task_id)
                    && !exec.actions.values().any(|a| {
                        a.task_execution_id == Some(task_id) && !a.state.is_completed()
                    }) =>
            {
                match w.resume {
                    Resume::Rerun { previous, rerun } => {
                        self.rerun_items(exec_id, task_id, previous, rerun)
                    }
                    _ => self.start_deferred(exec_id, task_id),
                }
            }
            Resume::MoreItems
                if state == Some(State::Running) && exec.items.contains_key(&task_id) =>
            {
                self.start_next_items(exec_id, task_id)
            }
            Resume::Complete { from, to } if state == Some(from) => {
                self.complete_task(exec_id, task_id, to.state, to.result, to.state_info)
            }
            Resume::Process
                if task.is_some_and(|t| t.state.is_completed() && !t.processed)
                    && exec.rec.state == State::Running =>
            {
                self.process_task(exec_id, task_id)
            }
            other => log::debug!(
                "ex={exec_id} task={task_id} deferred evaluation dropped: the task moved on ({other:?})"
            ),
        }
        if !self.offload.busy(scope) {
            self.offload.memo.remove(&scope);
        }
        self.release_held_starts(exec_id);
        self.release_queued_starts(exec_id);
        if self
            .execs
            .get(&exec_id)
            .is_some_and(|e| e.rec.state == State::Running)
        {
            self.check_complete(exec_id);
        }
    }
}

impl EngineActor {
    /// Queues a task a command list created behind a start that waits for
    /// an evaluation ([`Exec::queued_starts`]); false when nothing waits.
    pub(crate) fn queue_start(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) -> bool {
        let waits = self.start_waits(exec_id);
        match self.execs.get_mut(&exec_id) {
            Some(exec) if waits || !exec.queued_starts.is_empty() => {
                exec.queued_starts.push(task_id);
                true
            }
            _ => false,
        }
    }

    /// Starts, in order, the tasks queued behind a start that waited for
    /// an evaluation, until one of them waits in turn.
    fn release_queued_starts(&mut self, exec_id: ExecutionId) {
        while !self.start_waits(exec_id) {
            let Some(exec) = self.execs.get_mut(&exec_id) else {
                return;
            };
            if exec.queued_starts.is_empty() {
                return;
            }
            let task_id = exec.queued_starts.remove(0);
            self.launch_created(exec_id, task_id);
        }
    }

    /// Whether a task of the execution waits for an evaluation to start:
    /// its action and input, its with-items lists, or an item of the window
    /// its start opens.
    fn start_waits(&self, exec_id: ExecutionId) -> bool {
        self.offload
            .waiting_in(exec_id)
            .any(|(task_id, resume)| match resume {
                Resume::Start => true,
                Resume::MoreItems => self.first_window(exec_id, task_id),
                _ => false,
            })
    }

    /// Starts a task whose start waited on an evaluation. Its workflow may
    /// have been paused meanwhile: Mistral starts a task it created before
    /// the pause all the same (the start is already on its way), so its
    /// actions are owed their confirmation.
    fn start_deferred(&mut self, exec_id: ExecutionId, task_id: TaskExecutionId) {
        self.owing(exec_id, |s| s.start_task(exec_id, task_id));
    }
}

impl Handler<Evaluated> for EngineActor {
    type Result = ();

    fn handle(&mut self, msg: Evaluated, ctx: &mut Self::Context) {
        self.evaluated(msg);
        self.schedule_flush(ctx);
    }
}
