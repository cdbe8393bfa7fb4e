//! Task policies end to end on the engine: retry (count, break-on,
//! continue-on), wait-before, wait-after, timeout, pause-before, fail-on, and
//! with-items with concurrency.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bora::domain::State;
use bora::engine::UpdateExecution;
use serde_json::json;

use crate::harness::{eventually, run_workflow, states, test_engine};

#[actix_rt::test]
async fn retry_runs_count_more_times_then_fails() {
    let (_d, engine, runs) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      retry:
        count: 2
        delay: 0
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Error);
    assert_eq!(tasks.len(), 1, "a retry re-runs the same task execution");
    assert_eq!(tasks[0].runtime_context["retry_task_policy"]["retry_no"], 2);
    let _ = runs;
}

#[actix_rt::test]
async fn retry_backoff_grows_the_delay_up_to_max_delay() {
    let (_d, engine, _runs) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      retry:
        count: 2
        delay: 1
        backoff: 3
        max-delay: <% 2 %>
";
    let started = Instant::now();
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    let took = started.elapsed();
    assert_eq!(ex.state, State::Error);
    assert_eq!(tasks[0].runtime_context["retry_task_policy"]["retry_no"], 2);
    // 1 + min(3, 2) (the delay is a whole number of seconds, as Mistral
    // checks it): a constant delay would take 2 s, an unbounded one 4 s.
    assert!(took >= Duration::from_millis(2900), "{took:?}");
    assert!(took < Duration::from_millis(3900), "{took:?}");
}

#[actix_rt::test]
async fn continue_on_loops_on_success_until_false() {
    let (_d, engine, runs) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: test.count
      publish:
        n: <% task().result %>
      retry:
        count: 10
        delay: 0
        continue-on: <% task().result < 3 %>
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert_eq!(tasks[0].published, json!({"n": 3}));
}

#[actix_rt::test]
async fn break_on_stops_retrying() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      retry: count=5 delay=0 break-on=<% true %>
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Error);
    // Mistral takes the policy's context before it decides not to retry.
    assert_eq!(
        tasks[0].runtime_context.get("retry_task_policy"),
        Some(&json!({}))
    );
}

#[actix_rt::test]
async fn fail_on_turns_success_into_error_before_retry() {
    let (_d, engine, runs) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: test.count
      fail-on: <% task().result < 2 %>
      retry:
        count: 3
        delay: 0
";
    let (ex, _) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[actix_rt::test]
async fn wait_before_and_wait_after_delay_the_task() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      wait-before: 1
      wait-after: 1
      on-success: [t2]
    t2:
      action: std.noop
";
    let t = Instant::now();
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success);
    assert!(
        t.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        states(&tasks),
        vec![("t1".into(), State::Success), ("t2".into(), State::Success)]
    );
}

#[actix_rt::test]
async fn timeout_fails_the_task_and_on_error_runs() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.sleep seconds=5
      timeout: 1
      on-error: [t2]
    t2:
      action: std.noop
";
    let t = Instant::now();
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(tasks[0].state, State::Error);
    assert_eq!(
        tasks[0].state_info.as_deref(),
        Some("Task timed out [timeout(s)=1].")
    );
}

#[actix_rt::test]
async fn pause_before_pauses_the_workflow_until_resumed() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.noop
      pause-before: true
";
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let start = StartExecution {
        workflow_name: Some("wf".into()),
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let store = engine.store.clone();
    eventually(Duration::from_secs(5), "PAUSED", || {
        let store = store.clone();
        async move {
            store
                .get_execution(&bora::store::Access::All, id)
                .ok()
                .flatten()
                .filter(|e| e.state == State::Paused)
        }
    })
    .await;
    let resume = UpdateExecution {
        id,
        state: Some(State::Running),
        ..Default::default()
    };
    engine.addr.send(resume).await.unwrap().unwrap();
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success);
}

#[actix_rt::test]
async fn with_items_zips_lists_and_keeps_item_order() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  input:
    - xs: [1, 2, 3]
    - ys: [a, b, c]
  tasks:
    t1:
      with-items:
        - x in <% $.xs %>
        - y in <% $.ys %>
      action: std.echo output=<% str($.x) + $.y %>
      concurrency: 2
      publish:
        all: <% task().result %>
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(tasks[0].published, json!({"all": ["1a", "2b", "3c"]}));
}

#[actix_rt::test]
async fn with_items_over_nothing_succeeds_with_an_empty_list() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      with-items: x in <% [] %>
      action: std.echo output=<% $.x %>
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success);
    assert_eq!(tasks[0].result, json!([]));
}

#[actix_rt::test]
async fn with_items_of_unequal_lengths_fails_the_task() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      with-items:
        - x in [1, 2]
        - y in [1]
      action: std.noop
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Error);
    assert!(
        tasks[0]
            .state_info
            .as_deref()
            .unwrap_or_default()
            .contains("same length")
    );
}

#[actix_rt::test]
async fn a_reverse_workflow_runs_the_closure_of_its_target() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
rev:
  type: reverse
  tasks:
    a:
      action: std.echo output=\"A\"
      publish:
        a: <% task().result %>
    b:
      action: std.echo output=<% $.a + 'B' %>
      requires: [a]
      publish:
        b: <% task().result %>
    c:
      action: std.noop
      requires: b
    other:
      action: std.fail
";
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let params = json!({"task_name": "b"}).as_object().cloned().unwrap();
    let start = StartExecution {
        workflow_name: Some("rev".into()),
        params,
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    let mut names: Vec<String> = crate::harness::tasks(&engine.store, id)
        .into_iter()
        .map(|t| t.name)
        .collect();
    names.sort();
    assert_eq!(names, vec!["a", "b"]);
    assert_eq!(ex.output, json!({"a": "A", "b": "AB"}));
    let missing = StartExecution {
        workflow_name: Some("rev".into()),
        ..Default::default()
    };
    let err = engine.addr.send(missing).await.unwrap().unwrap_err();
    // Mistral names the spec (class and dict) and the target it got.
    let text = err.to_string();
    assert!(
        text.contains("Invalid task name [wf_spec=ReverseWorkflowSpec {'type': 'reverse'"),
        "{text}"
    );
    assert!(text.ends_with(", task_name=None]"), "{text}");
    let unknown = StartExecution {
        workflow_name: Some("rev".into()),
        params: json!({"task_name": "zzz"}).as_object().cloned().unwrap(),
        ..Default::default()
    };
    let err = engine.addr.send(unknown).await.unwrap().unwrap_err();
    assert!(
        err.to_string()
            .ends_with("'name': 'rev', 'version': '2.0'}, task_name=zzz]"),
        "{err}"
    );
}

#[actix_rt::test]
async fn a_wide_fan_out_runs_every_task_and_joins() {
    let (_d, engine, runs) = test_engine();
    let n = 500;
    let mut wf = String::from(
        "version: '2.0'\nwide:\n  tasks:\n    start:\n      action: std.noop\n      on-success:\n",
    );
    for i in 0..n {
        wf += &format!("        - b{i}\n");
    }
    for i in 0..n {
        wf += &format!("    b{i}:\n      action: test.count\n      on-success: [end]\n");
    }
    wf += "    end:\n      join: all\n      action: std.noop\n";
    let (ex, tasks) = run_workflow(&engine, &wf, "wide", json!({})).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(runs.load(Ordering::SeqCst), n);
    assert_eq!(tasks.len(), n + 2, "the join ran exactly once");
}

/// Mistral's scheduled jobs continue a delayed task whatever the workflow's
/// state (flow/fl214–fl216): a wait-before that ends while the workflow is
/// paused runs the task then; its transition waits for resume.
#[actix_rt::test]
async fn a_wait_before_that_ends_while_paused_runs_the_task() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      wait-before: 1
      on-success: [t2]
    t2:
      action: std.noop
";
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let start = StartExecution {
        workflow_name: Some("wf".into()),
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let pause = UpdateExecution {
        id,
        state: Some(State::Paused),
        ..Default::default()
    };
    engine.addr.send(pause).await.unwrap().unwrap();
    let store = engine.store.clone();
    let tasks = eventually(Duration::from_secs(5), "t1 SUCCESS while paused", || {
        let store = store.clone();
        async move {
            let tasks = crate::harness::tasks(&store, id);
            (states(&tasks) == vec![("t1".to_string(), State::Success)]).then_some(tasks)
        }
    })
    .await;
    assert_eq!(tasks.len(), 1, "t2 waits for resume");
    let ex = store
        .get_execution(&bora::store::Access::All, id)
        .unwrap()
        .unwrap();
    assert_eq!(ex.state, State::Paused);
    let resume = UpdateExecution {
        id,
        state: Some(State::Running),
        ..Default::default()
    };
    engine.addr.send(resume).await.unwrap().unwrap();
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success);
    let tasks = crate::harness::tasks(&engine.store, id);
    assert_eq!(states(&tasks).len(), 2);
}

/// ... and after the workflow ended: a retry delay that ends after a cancel
/// still retries the task (flow/fl217–fl219), which ends in the CANCELLED
/// execution.
#[actix_rt::test]
async fn a_retry_delay_that_ends_after_a_cancel_still_retries() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      retry:
        count: 1
        delay: 1
";
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let start = StartExecution {
        workflow_name: Some("wf".into()),
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let store = engine.store.clone();
    eventually(Duration::from_secs(5), "t1 DELAYED", || {
        let store = store.clone();
        async move {
            let tasks = crate::harness::tasks(&store, id);
            (states(&tasks) == vec![("t1".to_string(), State::RunningDelayed)]).then_some(())
        }
    })
    .await;
    let cancel = UpdateExecution {
        id,
        state: Some(State::Cancelled),
        ..Default::default()
    };
    engine.addr.send(cancel).await.unwrap().unwrap();
    let tasks = eventually(Duration::from_secs(5), "t1 retried, ERROR", || {
        let store = store.clone();
        async move {
            let tasks = crate::harness::tasks(&store, id);
            (states(&tasks) == vec![("t1".to_string(), State::Error)]).then_some(tasks)
        }
    })
    .await;
    assert_eq!(tasks[0].runtime_context["retry_task_policy"]["retry_no"], 1);
    let ex = store
        .get_execution(&bora::store::Access::All, id)
        .unwrap()
        .unwrap();
    assert_eq!(ex.state, State::Cancelled);
}

/// Mistral never evaluates `keep-result` (lang/ln240): an expression is a
/// non-empty string, so even one that reads false keeps the result.
#[actix_rt::test]
async fn keep_result_given_by_an_expression_keeps_the_result() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output='kept'
      keep-result: <% false %>
";
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success);
    assert_eq!(tasks[0].result, json!("kept"));
}

/// A join that waited starts without its before-start policies, as
/// Mistral's `_run_existing` does (flow/fl221, fl223, fl224): pause-before
/// does not pause and wait-before does not delay it.
#[actix_rt::test]
async fn a_join_starts_without_pause_before_and_wait_before() {
    let (_d, engine, _) = test_engine();
    let wf = "
version: '2.0'
wf:
  tasks:
    fork:
      action: std.noop
      on-success: [a, b]
    a:
      action: std.noop
      on-success: [merge]
    b:
      action: std.noop
      on-success: [merge]
    merge:
      join: all
      pause-before: true
      wait-before: 60
      action: std.noop
";
    let started = Instant::now();
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Success);
    assert_eq!(tasks.len(), 4);
    assert!(started.elapsed() < Duration::from_secs(30));
}
