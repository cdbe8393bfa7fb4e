//! Actor-level tests of the engine↔worker protocol: the real `EngineActor`
//! and `WorkerActor`s driven with real messages on a real store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use bora::actions::Registry;
use bora::app::Engine;
use bora::config::Config;
use bora::domain::{Attempt, State};
use bora::engine::{CreateWorkflows, EngineActor, GetStats, StartExecution, UpdateExecution};
use bora::expr::Evaluator;
use bora::protocol::{ConveyResult, EngineLink, HandleTask, Outcome};
use bora::store::Store;
use bora::worker::{PoolStats, WorkerActor};

use crate::harness::{counting_action, eventually, finished, sqlite_url, task_state};

const ONE_TASK: &str = "
version: '2.0'
wf:
  tasks:
    t1:
      action: test.count
";

/// Holds every `HandleTask` the engine sends, so a test can deliver it later.
#[derive(Default)]
struct Capture {
    seen: Arc<Mutex<Vec<HandleTask>>>,
}

impl Actor for Capture {
    type Context = Context<Self>;
}

impl Handler<HandleTask> for Capture {
    type Result = ();
    fn handle(&mut self, msg: HandleTask, _: &mut Self::Context) {
        self.seen.lock().unwrap().push(msg);
    }
}

/// An engine whose dispatches are captured, and one real worker.
struct Rig {
    engine: Addr<EngineActor>,
    worker: Addr<WorkerActor>,
    store: Store,
    seen: Arc<Mutex<Vec<HandleTask>>>,
    runs: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn new() -> Self {
        Self::with_window(bora::engine::Limits::default().dispatch_window).await
    }

    /// A rig whose engine has at most `window` dispatches out at once.
    async fn with_window(window: usize) -> Self {
        let (dir, url) = sqlite_url();
        let (store, writer) = bora::store::open(&url).unwrap();
        let capture = Capture::default();
        let seen = capture.seen.clone();
        let capture = capture.start();
        let limits = bora::engine::Limits {
            dispatch_window: window,
            ..Default::default()
        };
        let engine = EngineActor::new(writer, capture.recipient(), Arc::new(Evaluator::default()))
            .with_limits(limits)
            .start();
        let runs = Arc::new(AtomicUsize::new(0));
        let registry = counting_action(runs.clone()).shared();
        let link = EngineLink {
            confirm: engine.clone().recipient(),
            convey: engine.clone().recipient(),
        };
        let worker = WorkerActor::new(registry, link, Arc::new(PoolStats::default())).start();
        let rig = Self {
            engine,
            worker,
            store,
            seen,
            runs,
            _dir: dir,
        };
        rig.upload(ONE_TASK).await;
        rig
    }

    /// Uploads the workflows of `definition`.
    async fn upload(&self, definition: &str) {
        let defs = CreateWorkflows {
            project: bora::domain::DEFAULT_PROJECT.into(),
            definition: definition.into(),
            namespace: String::new(),
            scope: bora::domain::Scope::Private,
        };
        self.engine.send(defs).await.unwrap().unwrap();
    }

    async fn start(&self) -> bora::domain::ExecutionId {
        let msg = StartExecution {
            workflow_name: Some("wf".into()),
            ..Default::default()
        };
        self.engine.send(msg).await.unwrap().unwrap().id
    }

    async fn dispatched(&self, n: usize) -> HandleTask {
        let seen = self.seen.clone();
        eventually(Duration::from_secs(5), "a dispatch", move || {
            let m = seen.lock().unwrap().get(n - 1).cloned();
            async move { m }
        })
        .await
    }

    async fn set_state(&self, id: bora::domain::ExecutionId, state: State) {
        let msg = UpdateExecution {
            id,
            state: Some(state),
            ..Default::default()
        };
        self.engine.send(msg).await.unwrap().unwrap();
    }

    /// Starts a workflow whose `quick` std.noop fires `command` on success
    /// while its sibling `slow` (test.count, followed by `after_slow`) is
    /// dispatched beside it; returns the execution and the two dispatches,
    /// quick's first, both still undelivered.
    async fn quick_and_slow(
        &self,
        command: &str,
    ) -> (bora::domain::ExecutionId, HandleTask, HandleTask) {
        let name = format!("quick_{command}");
        let wf = format!(
            "version: '2.0'\n{name}:\n  tasks:\n    slow:\n      action: test.count\n      \
             on-success: after_slow\n    quick:\n      action: std.noop\n      \
             on-success: {command}\n    after_slow:\n      action: test.count\n"
        );
        self.upload(&wf).await;
        let start = StartExecution {
            workflow_name: Some(name),
            ..Default::default()
        };
        let id = self.engine.send(start).await.unwrap().unwrap().id;
        let (a, b) = (self.dispatched(1).await, self.dispatched(2).await);
        match a.action.as_str() {
            "std.noop" => (id, a, b),
            _ => (id, b, a),
        }
    }

    /// Waits until the task `slow` of [`Rig::quick_and_slow`] is SUCCESS.
    async fn slow_succeeded(&self, id: bora::domain::ExecutionId) {
        let store = self.store.clone();
        eventually(Duration::from_secs(5), "task slow SUCCESS", move || {
            let done = task_state(&store, id, "slow").0 == State::Success;
            async move { done.then_some(()) }
        })
        .await;
    }

    /// Delivers `msg` to the worker and waits until the engine has answered.
    async fn deliver(&self, msg: HandleTask) {
        self.worker.send(msg).await.unwrap();
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refused_not_running_then_never_runs(state: State) {
    let rig = Rig::new().await;
    let id = rig.start().await;
    let handle = rig.dispatched(1).await;
    rig.set_state(id, state).await;
    rig.deliver(handle).await;
    let stats = rig.engine.send(GetStats).await.unwrap();
    assert_eq!(stats.confirms_refused_not_running, 1);
    assert_eq!(
        rig.runs.load(Ordering::SeqCst),
        0,
        "the action must never run"
    );
}

#[actix_rt::test]
async fn a_paused_execution_refuses_confirmation() {
    refused_not_running_then_never_runs(State::Paused).await;
}

#[actix_rt::test]
async fn a_cancelled_execution_refuses_confirmation() {
    refused_not_running_then_never_runs(State::Cancelled).await;
}

#[actix_rt::test]
async fn a_failed_execution_refuses_confirmation() {
    refused_not_running_then_never_runs(State::Error).await;
}

#[actix_rt::test]
async fn resume_dispatches_again_under_a_new_attempt_and_the_old_one_is_stale() {
    let rig = Rig::new().await;
    let id = rig.start().await;
    let first = rig.dispatched(1).await;
    rig.set_state(id, State::Paused).await;
    rig.deliver(first.clone()).await;
    rig.set_state(id, State::Running).await;
    let second = rig.dispatched(2).await;
    assert_eq!(second.attempt, Attempt(2));
    rig.deliver(first).await;
    rig.deliver(second).await;
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success);
    assert_eq!(rig.runs.load(Ordering::SeqCst), 1);
    let stats = rig.engine.send(GetStats).await.unwrap();
    assert_eq!(stats.confirms_refused_stale, 1);
}

/// A `succeed` command ends the workflow while a sibling's action is
/// dispatched and not yet confirmed (its worker was slower): the action
/// still runs, as Mistral's executor runs what was scheduled, and its task
/// completes; its transitions do not run. Before, the late confirmation
/// was refused and the task stayed RUNNING for ever.
#[actix_rt::test]
async fn an_action_dispatched_before_a_succeed_command_still_runs() {
    let rig = Rig::new().await;
    let (id, quick, slow) = rig.quick_and_slow("succeed").await;
    rig.deliver(quick).await;
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success);
    rig.deliver(slow).await;
    rig.slow_succeeded(id).await;
    assert_eq!(rig.runs.load(Ordering::SeqCst), 1, "slow ran once");
    let tasks = crate::harness::tasks(&rig.store, id);
    assert!(
        tasks.iter().all(|t| t.name != "after_slow"),
        "its transition did not run"
    );
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success);
}

#[actix_rt::test]
async fn an_action_dispatched_before_a_pause_command_runs_during_the_pause() {
    let rig = Rig::new().await;
    let (id, quick, slow) = rig.quick_and_slow("pause").await;
    rig.deliver(quick).await;
    let store = rig.store.clone();
    eventually(Duration::from_secs(5), "a paused execution", move || {
        let state = store
            .get_execution(&bora::store::Access::All, id)
            .ok()
            .flatten()
            .map(|e| e.state);
        async move { (state == Some(State::Paused)).then_some(()) }
    })
    .await;
    rig.deliver(slow).await;
    rig.slow_succeeded(id).await;
    assert_eq!(
        rig.runs.load(Ordering::SeqCst),
        1,
        "slow ran during the pause"
    );
    let tasks = crate::harness::tasks(&rig.store, id);
    assert!(
        tasks.iter().all(|t| t.name != "after_slow"),
        "its transition waits for the resume"
    );
    rig.set_state(id, State::Running).await;
    let next = rig.dispatched(3).await;
    assert_eq!(next.attempt, Attempt(1), "slow was not sent again");
    rig.deliver(next).await;
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(
        rig.runs.load(Ordering::SeqCst),
        2,
        "slow and after_slow ran once each"
    );
    assert_eq!(rig.seen(), 3);
}

#[actix_rt::test]
async fn the_same_handle_task_twice_runs_once() {
    let rig = Rig::new().await;
    let id = rig.start().await;
    let handle = rig.dispatched(1).await;
    rig.worker.do_send(handle.clone());
    rig.worker.do_send(handle.clone());
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success);
    rig.deliver(handle).await;
    assert_eq!(rig.runs.load(Ordering::SeqCst), 1);
    let stats = rig.engine.send(GetStats).await.unwrap();
    assert_eq!(
        stats.confirms_refused_not_idle, 1,
        "the concurrent duplicate"
    );
    assert_eq!(stats.confirms_refused_not_running, 1, "the late duplicate");
}

#[actix_rt::test]
async fn a_result_with_a_stale_attempt_is_dropped_and_counted() {
    let rig = Rig::new().await;
    let id = rig.start().await;
    let handle = rig.dispatched(1).await;
    let stale = ConveyResult {
        action_execution_id: handle.action_execution_id,
        attempt: Attempt(7),
        outcome: Outcome::Success(serde_json::json!("forged")),
    };
    rig.engine.send(stale).await.unwrap();
    let stats = rig.engine.send(GetStats).await.unwrap();
    assert_eq!(stats.results_dropped, 1);
    rig.deliver(handle).await;
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success);
    let t1 = crate::harness::tasks(&rig.store, id)
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(
        t1.result,
        serde_json::json!(1),
        "the forged result must not be applied"
    );
}

fn pool_config(url: &str, workers: usize) -> Config {
    Config {
        database: url.to_string(),
        workers,
        ..crate::harness::base_config()
    }
}

#[actix_rt::test]
async fn a_conveyed_failure_fails_the_task_and_follows_on_error() {
    let (_dir, url) = sqlite_url();
    let engine = Engine::start(&pool_config(&url, 2), Registry::standard()).unwrap();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      on-error: [t2]
      on-success: [t3]
    t2:
      action: std.echo output=\"handled\"
    t3:
      action: std.noop
";
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let msg = StartExecution {
        workflow_name: Some("wf".into()),
        ..Default::default()
    };
    let id = engine.addr.send(msg).await.unwrap().unwrap().id;
    let ex = finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    let (t1, info) = task_state(&engine.store, id, "t1");
    assert_eq!(t1, State::Error);
    let info = info.unwrap_or_default();
    assert!(
        info.starts_with("The action raised an exception [action=Fail action, action_ex_id=")
            && info.ends_with("msg='Fail action expected exception.']"),
        "{info}"
    );
    assert_eq!(task_state(&engine.store, id, "t2").0, State::Success);
    assert!(
        crate::harness::tasks(&engine.store, id)
            .iter()
            .all(|t| t.name != "t3")
    );
}

#[actix_rt::test]
async fn a_panicking_action_fails_its_task_and_the_pool_recovers() {
    let (_dir, url) = sqlite_url();
    let runs = Arc::new(AtomicUsize::new(0));
    let engine = Engine::start(&pool_config(&url, 2), counting_action(runs.clone())).unwrap();
    let wf = "
version: '2.0'
boom:
  tasks:
    t1:
      action: test.panic msg=\"kaboom-42\"
ok:
  tasks:
    t1:
      action: test.count
";
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let start = |name: &str| StartExecution {
        workflow_name: Some(name.into()),
        ..Default::default()
    };
    let bad = engine.addr.send(start("boom")).await.unwrap().unwrap().id;
    let ex = finished(&engine.store, bad).await;
    assert_eq!(ex.state, State::Error);
    let (t1, info) = task_state(&engine.store, bad, "t1");
    assert_eq!(t1, State::Error);
    assert!(info.unwrap_or_default().contains("kaboom-42"));
    let alive = || engine.pool.alive.load(Ordering::SeqCst);
    eventually(
        Duration::from_secs(2),
        "the pool back to 2",
        || async move { (alive() == 2).then_some(()) },
    )
    .await;
    let good = engine.addr.send(start("ok")).await.unwrap().unwrap().id;
    assert_eq!(finished(&engine.store, good).await.state, State::Success);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// Writes a RUNNING execution of the one workflow in `yaml` whose task
/// `t1` is RUNNING, with `action` (state and result) as its finished action
/// execution when given: the state a restart finds.
fn stored_running(
    url: &str,
    yaml: &str,
    action: Option<(State, serde_json::Value)>,
) -> bora::domain::ExecutionId {
    use bora::domain::{ActionExecutionId, ExecutionId, TaskExecutionId, WorkflowId, now};
    use bora::store::{ActionExecutionRecord, Batch, ExecutionRecord, TaskRecord, Write};
    let spec = bora::lang::parse_workflows(yaml).unwrap().remove(0);
    let id = ExecutionId::new();
    let t = now();
    let (_, mut writer) = bora::store::open(url).unwrap();
    let version = bora::store::WorkflowVersion::of(serde_json::to_string(&spec).unwrap());
    let exec = ExecutionRecord {
        id,
        workflow_id: WorkflowId::new(),
        workflow_name: "wf".into(),
        workflow_namespace: String::new(),
        description: Some(String::new()),
        tags: vec![],
        spec_id: version.id.clone(),
        params: serde_json::json!({"env": {}}),
        task_execution_id: None,
        root_execution_id: None,
        source_execution_id: None,
        state: State::Running,
        state_info: None,
        input: serde_json::json!({}),
        output: serde_json::json!({}),
        context: serde_json::json!({}),
        project_id: String::new(),
        created_at: t,
        updated_at: None,
    };
    let task = TaskRecord {
        id: TaskExecutionId::new(),
        name: "t1".into(),
        execution_id: id,
        workflow_name: "wf".into(),
        workflow_namespace: String::new(),
        workflow_id: exec.workflow_id,
        kind: bora::domain::TaskKind::Action,
        tags: vec![],
        state: State::Running,
        state_info: None,
        runtime_context: serde_json::json!({}),
        in_context: serde_json::json!({}),
        published: serde_json::json!({}),
        result: serde_json::Value::Null,
        processed: false,
        error_handled: false,
        project_id: String::new(),
        created_at: t,
        updated_at: None,
        started_at: Some(t),
        finished_at: None,
    };
    let actions = action
        .map(|(state, result)| ActionExecutionRecord {
            id: ActionExecutionId::new(),
            name: "std.echo".into(),
            task_execution_id: Some(task.id),
            execution_id: Some(id),
            workflow_name: Some("wf".into()),
            workflow_namespace: Some(String::new()),
            task_name: Some("t1".into()),
            description: String::new(),
            tags: vec![],
            state,
            state_info: None,
            accepted: true,
            input: serde_json::json!({}),
            output: serde_json::json!({ "result": result }),
            params: serde_json::json!({}),
            attempt: 1,
            item_index: None,
            project_id: String::new(),
            created_at: t,
            updated_at: Some(t),
        })
        .map(|a| (Write::Insert, a.into()))
        .into_iter()
        .collect();
    let batch = Batch {
        versions: vec![version],
        executions: vec![(Write::Insert, exec)],
        tasks: vec![(Write::Insert, task)],
        action_executions: actions,
        ..Batch::default()
    };
    writer.commit(&batch).unwrap();
    id
}

#[actix_rt::test]
async fn the_integrity_checker_repairs_an_execution_nothing_can_move() {
    let (_dir, url) = sqlite_url();
    // A with-items task with none of its items recorded: nothing can say
    // which items ran, so nothing can move it.
    let id = stored_running(
        &url,
        "version: '2.0'\nwf:\n  tasks:\n    t1:\n      with-items: x in [1, 2]\n      action: std.noop\n",
        None,
    );
    let engine = Engine::start(&pool_config(&url, 1), Registry::standard()).unwrap();
    let ex = finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Error);
    let (t1, info) = task_state(&engine.store, id, "t1");
    assert_eq!(t1, State::Error);
    assert!(info.unwrap_or_default().contains("[LOST]"));
    let stats = engine.addr.send(GetStats).await.unwrap();
    assert_eq!(stats.integrity_repairs, 1);
}

/// A restart while a task's input was in the evaluation pool finds the task
/// RUNNING with nothing dispatched: it is started (nothing ran yet).
#[actix_rt::test]
async fn a_restart_starts_a_running_task_that_dispatched_nothing() {
    let (_dir, url) = sqlite_url();
    let id = stored_running(
        &url,
        "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.echo output=<% 2 * 21 %>\n      publish: {v: <% task().result %>}\n",
        None,
    );
    let engine = Engine::start(&pool_config(&url, 1), Registry::standard()).unwrap();
    let ex = finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(ex.output["v"], 42);
    let stats = engine.addr.send(GetStats).await.unwrap();
    assert_eq!(stats.integrity_repairs, 0);
}

/// A restart while a task's publish was in the evaluation pool finds the
/// task RUNNING after its action's result was accepted: the task completes
/// with that result, and the action is not run again.
#[actix_rt::test]
async fn a_restart_completes_a_running_task_whose_action_finished() {
    let (_dir, url) = sqlite_url();
    let id = stored_running(
        &url,
        "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.echo output=1\n      publish: {v: <% task().result %>}\n",
        Some((State::Success, serde_json::json!(7))),
    );
    let engine = Engine::start(&pool_config(&url, 1), Registry::standard()).unwrap();
    let ex = finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(ex.output["v"], 7, "the stored result, not a new run");
}

const TEN_ITEMS: &str = "
version: '2.0'
items:
  tasks:
    t1:
      with-items: i in <% range(10) %>
      action: test.count
";

impl Rig {
    async fn start_items(&self) -> bora::domain::ExecutionId {
        self.upload(TEN_ITEMS).await;
        let msg = StartExecution {
            workflow_name: Some("items".into()),
            ..Default::default()
        };
        self.engine.send(msg).await.unwrap().unwrap().id
    }

    fn seen(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// With a window of 3, a with-items of 10 items has 3 dispatches out; each
/// answered confirmation lets the next one out, and every item runs once.
#[actix_rt::test]
async fn the_dispatch_window_holds_the_rest_until_a_place_frees() {
    let rig = Rig::with_window(3).await;
    let id = rig.start_items().await;
    rig.dispatched(3).await;
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rig.seen(), 3, "only the window's worth is out");
    for n in 1..=10 {
        let m = rig.dispatched(n).await;
        rig.deliver(m).await;
        assert!(rig.seen() <= (n + 3).min(10), "one more out per answer");
    }
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(rig.runs.load(Ordering::SeqCst), 10);
    assert_eq!(rig.seen(), 10, "no item was sent twice");
}

/// A refused confirmation frees its place too, and a paused execution's
/// items in line are not sent while it is paused: the resume sends every
/// IDLE item again under a new attempt, through the window.
#[actix_rt::test]
async fn a_paused_execution_sends_nothing_more_until_resumed() {
    let rig = Rig::with_window(3).await;
    let id = rig.start_items().await;
    let first = rig.dispatched(1).await;
    rig.deliver(first).await;
    rig.dispatched(4).await;
    rig.set_state(id, State::Paused).await;
    for n in 2..=4 {
        let m = rig.dispatched(n).await;
        rig.deliver(m).await;
    }
    let stats = rig.engine.send(GetStats).await.unwrap();
    assert_eq!(stats.confirms_refused_not_running, 3);
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rig.seen(), 4, "nothing more goes out while paused");
    rig.set_state(id, State::Running).await;
    let mut n = 5;
    while rig.runs.load(Ordering::SeqCst) < 10 {
        let m = rig.dispatched(n).await;
        assert_eq!(m.attempt, Attempt(2), "sent again under a new attempt");
        rig.deliver(m).await;
        n += 1;
    }
    let ex = finished(&rig.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(rig.runs.load(Ordering::SeqCst), 10);
    assert_eq!(rig.seen(), 4 + 9, "each of the 9 items left sent once more");
}
