//! G6: a property test of the confirm gate and the state machine. Random
//! interleavings of `HandleTask` deliveries (duplicates and stale attempts),
//! `ConfirmExecution`, `ConveyResult` (duplicates, late, failures), cancel,
//! pause, resume, a worker-side timeout (a failure result naming the
//! timeout; the engine's own timers are real time and left out) and
//! crash-restart are sent to the real `EngineActor` in-process, on a SQLite
//! store in a temporary directory (on /dev/shm when present). The engine is
//! not separable from its store, so this drives the actor itself with a
//! capturing pool in place of the workers; crash-restart stops its arbiter
//! (losing everything not committed) and starts a new engine on the same
//! file, which recovers from it.
//!
//! Checked after every step, against the committed rows: I4 (a go only for
//! a RUNNING execution and an IDLE action of that attempt, and the RUNNING
//! action is committed before the go), I2 (at most one go per action: every
//! task is `safe-rerun: false`), I5 (no row leaves a terminal state; a result
//! for a finished action is counted as dropped). When the events stop, a
//! well-behaved worker delivers what was dispatched until the execution is
//! terminal (I1): every IDLE action must have a dispatch of its attempt.
//!
//! `BORA_G6_CASES` sets the number of cases (default below).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use bora::domain::{ActionExecutionId, Attempt, ExecutionId, State};
use bora::engine::{CreateWorkflows, EngineActor, GetStats, StartExecution, UpdateExecution};
use bora::expr::Evaluator;
use bora::protocol::{ConfirmExecution, ConveyResult, HandleTask, Outcome};
use bora::store::{Access, Filter, FilterOp, ListQuery, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::json;

/// 50–100 ms a case on the 2-core machine in a debug build (store reads
/// after every step, the store reopened at each crash-restart): 1,000 cases
/// take 50–100 s, 10,000 about 8–15 minutes, so T0 runs this many and
/// `BORA_G6_CASES=10000` (or more) is the T1 run.
const DEFAULT_CASES: u32 = 1000;

const WORKFLOWS: &str = "version: '2.0'
g6_join:
  tasks:
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.noop
      on-success: [j]
    t3:
      action: std.noop
      on-success: [j]
    j:
      join: all
      action: std.noop
g6_one:
  tasks:
    t1:
      action: std.noop
";

#[derive(Clone, Debug)]
enum Ev {
    /// A worker asks to run dispatch `k` (its attempt, or a stale one).
    Confirm {
        k: usize,
        stale: bool,
    },
    /// A worker conveys a result for dispatch `k`.
    Convey {
        k: usize,
        ok: bool,
        stale: bool,
    },
    /// The worker's own timeout ends dispatch `k` with a failure.
    Timeout {
        k: usize,
    },
    Cancel,
    Pause,
    Resume,
    Crash,
}

fn event() -> impl Strategy<Value = Ev> {
    prop_oneof![
        8 => (any::<usize>(), prop::bool::weighted(0.15))
            .prop_map(|(k, stale)| Ev::Confirm { k, stale }),
        8 => (any::<usize>(), prop::bool::weighted(0.8), prop::bool::weighted(0.15))
            .prop_map(|(k, ok, stale)| Ev::Convey { k, ok, stale }),
        2 => any::<usize>().prop_map(|k| Ev::Timeout { k }),
        1 => Just(Ev::Cancel),
        2 => Just(Ev::Pause),
        3 => Just(Ev::Resume),
        1 => Just(Ev::Crash),
    ]
}

/// Holds every `HandleTask` the engine sends.
struct Capture(Arc<Mutex<Vec<HandleTask>>>);

impl Actor for Capture {
    type Context = Context<Self>;
}

impl Handler<HandleTask> for Capture {
    type Result = ();
    fn handle(&mut self, msg: HandleTask, _: &mut Self::Context) {
        self.0.lock().unwrap().push(msg);
    }
}

/// The engine under test, its store, and what it dispatched.
struct Rig {
    url: String,
    arbiter: Option<Arbiter>,
    engine: Addr<EngineActor>,
    store: Store,
    capture: Recipient<HandleTask>,
    seen: Arc<Mutex<Vec<HandleTask>>>,
    /// Confirmations answered "go", per action.
    goes: HashMap<ActionExecutionId, usize>,
    crashes: usize,
}

fn start_engine(url: &str, capture: Recipient<HandleTask>) -> (Arbiter, Addr<EngineActor>, Store) {
    let (store, writer) = bora::store::open(url).expect("open store");
    let arbiter = Arbiter::new();
    let engine = EngineActor::start_in_arbiter(&arbiter.handle(), move |_| {
        EngineActor::new(writer, capture, Arc::new(Evaluator::default()))
    });
    (arbiter, engine, store)
}

/// The committed state of one execution.
#[derive(Clone, Debug, Default)]
struct Snap {
    exec: Option<State>,
    tasks: HashMap<String, State>,
    actions: HashMap<ActionExecutionId, (State, u32)>,
}

fn by_exec(id: ExecutionId) -> ListQuery {
    ListQuery {
        limit: 0,
        filters: vec![Filter {
            field: "workflow_execution_id".into(),
            op: FilterOp::Eq,
            values: vec![id.to_string()],
        }],
        access: Access::All,
        ..ListQuery::default()
    }
}

impl Rig {
    fn snap(&self, id: ExecutionId) -> Snap {
        let exec = self
            .store
            .get_execution(&Access::All, id)
            .expect("read")
            .map(|e| e.state);
        let tasks = self
            .store
            .list_tasks(&by_exec(id))
            .expect("read tasks")
            .into_iter()
            .map(|t| (t.id.to_string(), t.state))
            .collect();
        let actions = self
            .store
            .list_action_executions(&by_exec(id))
            .expect("read actions")
            .into_iter()
            .map(|a| (a.id, (a.state, a.attempt)))
            .collect();
        Snap {
            exec,
            tasks,
            actions,
        }
    }

    async fn stats(&self) -> bora::engine::Stats {
        self.engine.send(GetStats).await.expect("engine alive")
    }

    /// Lets the capture take in what the engine sent.
    async fn settle(&self) {
        for _ in 0..4 {
            actix_rt::task::yield_now().await;
        }
    }

    /// Waits until the engine committed once more than `commits` (a change
    /// no reply waits for is committed after a short delay).
    async fn committed_after(&self, commits: u64) {
        for _ in 0..2000 {
            if self.stats().await.commits > commits {
                return;
            }
            actix_rt::time::sleep(Duration::from_micros(200)).await;
        }
        panic!("the engine did not commit");
    }

    async fn crash(&mut self) {
        if let Some(a) = self.arbiter.take() {
            a.stop();
            let _ = a.join();
        }
        let (arbiter, engine, store) = start_engine(&self.url, self.capture.clone());
        self.arbiter = Some(arbiter);
        self.engine = engine;
        self.store = store;
        self.crashes += 1;
        // Recovery runs when the new engine starts and commits what it
        // changed (new attempts, interrupted actions) after a short delay.
        // (Nothing to commit when nothing was loaded, or only a paused
        // execution with nothing to redo: then the wait runs out.)
        if self.stats().await.executions_in_memory > 0 {
            for _ in 0..100 {
                if self.stats().await.commits > 0 {
                    break;
                }
                actix_rt::time::sleep(Duration::from_micros(200)).await;
            }
        }
        self.settle().await;
    }

    async fn set_state(&self, id: ExecutionId, state: State) {
        let msg = UpdateExecution {
            id,
            state: Some(state),
            ..Default::default()
        };
        // Refusals (e.g. pausing a finished execution) are part of the game.
        let _ = self.engine.send(msg).await.expect("engine alive");
        self.settle().await;
    }

    /// Sends a confirmation; true for a go. Checks I4 and I2.
    async fn confirm(
        &mut self,
        before: &Snap,
        id: ExecutionId,
        aid: ActionExecutionId,
        attempt: u32,
    ) -> Result<bool, TestCaseError> {
        let msg = ConfirmExecution {
            action_execution_id: aid,
            attempt: Attempt(attempt),
        };
        let go = self.engine.send(msg).await.expect("engine alive").is_ok();
        self.settle().await;
        if go {
            let ae = before.actions.get(&aid);
            prop_assert!(
                before.exec == Some(State::Running) && ae == Some(&(State::Idle, attempt)),
                "I4: go for {aid} attempt {attempt} with execution {:?}, action {ae:?}",
                before.exec
            );
            let n = self.goes.entry(aid).or_insert(0);
            *n += 1;
            prop_assert!(*n <= 1, "I2: {aid} confirmed {n} times");
            let after = self.snap(id);
            prop_assert_eq!(
                after.actions.get(&aid).map(|a| a.0),
                Some(State::Running),
                "I6: the go came before the RUNNING commit"
            );
        }
        Ok(go)
    }

    /// Sends a result; checks that one for a finished action is dropped.
    async fn convey(
        &mut self,
        before: &Snap,
        aid: ActionExecutionId,
        attempt: u32,
        outcome: Outcome,
    ) -> Result<(), TestCaseError> {
        let s0 = self.stats().await;
        let msg = ConveyResult {
            action_execution_id: aid,
            attempt: Attempt(attempt),
            outcome,
        };
        self.engine.send(msg).await.expect("engine alive");
        let s1 = self.stats().await;
        let dropped = s1.results_dropped - s0.results_dropped;
        if dropped == 0 {
            self.committed_after(s0.commits).await;
        }
        self.settle().await;
        if let Some((state, _)) = before.actions.get(&aid)
            && state.is_terminal()
        {
            prop_assert_eq!(dropped, 1, "I5: a result for finished {} not dropped", aid);
        }
        Ok(())
    }
}

/// I5 between two snapshots: a terminal row stays as it was.
fn forward_only(a: &Snap, b: &Snap) -> Result<(), TestCaseError> {
    if let Some(s) = a.exec
        && s.is_terminal()
    {
        prop_assert_eq!(b.exec, Some(s), "I5: execution left {:?}", s);
    }
    for (id, s) in &a.tasks {
        if s.is_terminal() {
            prop_assert_eq!(b.tasks.get(id), Some(s), "I5: task {} left {:?}", id, s);
        }
    }
    for (id, (s, _)) in &a.actions {
        if s.is_terminal() {
            let now = b.actions.get(id).map(|x| x.0);
            prop_assert_eq!(now, Some(*s), "I5: action {} left {:?}", id, s);
        }
    }
    Ok(())
}

async fn run_case(rig: &mut Rig, join: bool, events: &[Ev]) -> Result<(), TestCaseError> {
    let from = rig.seen.lock().unwrap().len();
    let start = StartExecution {
        workflow_name: Some(if join { "g6_join" } else { "g6_one" }.into()),
        ..Default::default()
    };
    let id = rig
        .engine
        .send(start)
        .await
        .expect("engine")
        .expect("start")
        .id;
    rig.settle().await;
    let mut snap = rig.snap(id);
    let mine = |rig: &Rig| -> Vec<HandleTask> {
        rig.seen.lock().unwrap()[from..]
            .iter()
            .filter(|h| h.execution_id == Some(id))
            .cloned()
            .collect()
    };
    let stale = |a: u32| if a > 0 { a - 1 } else { a + 1 };
    for ev in events {
        let ds = mine(rig);
        let pick = |k: usize| (!ds.is_empty()).then(|| ds[k % ds.len()].clone());
        match ev {
            Ev::Confirm { k, stale: st } => {
                if let Some(h) = pick(*k) {
                    let attempt = if *st { stale(h.attempt.0) } else { h.attempt.0 };
                    rig.confirm(&snap, id, h.action_execution_id, attempt)
                        .await?;
                }
            }
            Ev::Convey { k, ok, stale: st } => {
                if let Some(h) = pick(*k) {
                    let attempt = if *st { stale(h.attempt.0) } else { h.attempt.0 };
                    let outcome = if *ok {
                        Outcome::Success(json!("ok"))
                    } else {
                        Outcome::Failure(json!("failed"))
                    };
                    rig.convey(&snap, h.action_execution_id, attempt, outcome)
                        .await?;
                }
            }
            Ev::Timeout { k } => {
                if let Some(h) = pick(*k) {
                    let outcome = Outcome::Failure(json!("Task timed out [timeout(s)=1]."));
                    rig.convey(&snap, h.action_execution_id, h.attempt.0, outcome)
                        .await?;
                }
            }
            Ev::Cancel => rig.set_state(id, State::Cancelled).await,
            Ev::Pause => rig.set_state(id, State::Paused).await,
            Ev::Resume => rig.set_state(id, State::Running).await,
            Ev::Crash => rig.crash().await,
        }
        let next = rig.snap(id);
        forward_only(&snap, &next)?;
        snap = next;
    }
    // I1: a well-behaved worker now delivers what the engine dispatched.
    for _ in 0..40 {
        if snap.exec.is_some_and(|s| s.is_terminal()) {
            return Ok(());
        }
        if snap.exec == Some(State::Paused) {
            rig.set_state(id, State::Running).await;
        }
        let ds = mine(rig);
        let snap_now = rig.snap(id);
        for (aid, (state, attempt)) in &snap_now.actions {
            match state {
                State::Idle => {
                    let held = ds
                        .iter()
                        .any(|h| h.action_execution_id == *aid && h.attempt.0 == *attempt);
                    prop_assert!(
                        held,
                        "I1: IDLE {aid} attempt {attempt} was never dispatched"
                    );
                    let before = rig.snap(id);
                    if rig.confirm(&before, id, *aid, *attempt).await? {
                        let before = rig.snap(id);
                        rig.convey(&before, *aid, *attempt, Outcome::Success(json!("ok")))
                            .await?;
                    }
                }
                State::Running => {
                    let before = rig.snap(id);
                    rig.convey(&before, *aid, *attempt, Outcome::Success(json!("ok")))
                        .await?;
                }
                _ => {}
            }
        }
        let next = rig.snap(id);
        forward_only(&snap, &next)?;
        snap = next;
    }
    prop_assert!(false, "I1: execution {id} not terminal: {snap:?}");
    Ok(())
}

#[test]
fn g6_state_machine() {
    let _serial = crate::harness::serial();
    let cases = std::env::var("BORA_G6_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").expect("tempdir")
    } else {
        tempfile::tempdir().expect("tempdir")
    };
    let url = format!("sqlite://{}", dir.path().join("g6.db").display());
    let system = actix_rt::System::new();
    let began = std::time::Instant::now();
    let rig = system.block_on(async {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let capture = Capture(seen.clone()).start().recipient();
        let (arbiter, engine, store) = start_engine(&url, capture.clone());
        let defs = CreateWorkflows {
            definition: WORKFLOWS.into(),
            namespace: String::new(),
            scope: bora::domain::Scope::Private,
            project: bora::domain::DEFAULT_PROJECT.into(),
        };
        engine.send(defs).await.expect("engine").expect("workflows");
        Rig {
            url: url.clone(),
            arbiter: Some(arbiter),
            engine,
            store,
            capture,
            seen,
            goes: HashMap::new(),
            crashes: 0,
        }
    });
    let rig = std::cell::RefCell::new(rig);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/reliability/g6.proptest-regressions",
        ))),
        ..Config::default()
    });
    let strategy = (any::<bool>(), prop::collection::vec(event(), 1..24));
    let result = runner.run(&strategy, |(join, events)| {
        let mut rig = rig.borrow_mut();
        system.block_on(run_case(&mut rig, join, &events))
    });
    let rig = rig.into_inner();
    let stats = system.block_on(rig.stats());
    println!(
        "G6: INFO {cases} cases in {} s, {} crash-restarts, {} actions confirmed; since the last restart: refused not_running/not_idle/stale {}/{}/{}, results dropped {}",
        began.elapsed().as_secs(),
        rig.crashes,
        rig.goes.len(),
        stats.confirms_refused_not_running,
        stats.confirms_refused_not_idle,
        stats.confirms_refused_stale,
        stats.results_dropped
    );
    match result {
        Ok(()) => {
            println!("G6: PASS invariants I1 I2 I4 I5 over {cases} cases\nG6: 1 passed, 0 failed")
        }
        Err(e) => panic!("G6: FAIL {e}"),
    }
}
