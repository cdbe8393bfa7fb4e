//! Limits on what one workflow can make the engine hold: result size,
//! with-items length, running executions, and per-worker concurrency.

use std::time::{Duration, Instant};

use bora::domain::State;
use bora::engine::{CreateWorkflows, Error, StartExecution};
use serde_json::json;

use crate::harness::{run_workflow, test_engine_with};

#[actix_rt::test]
async fn an_oversized_result_fails_its_task_naming_the_limit() {
    let (_d, engine, _) = test_engine_with(|c| c.max_result_bytes = 100);
    let wf = "version: '2.0'\nbig:\n  tasks:\n    t1:\n      action: std.echo output=<% range(0, 100).select(str($)).join(',') %>\n";
    let (ex, tasks) = run_workflow(&engine, wf, "big", json!({})).await;
    assert_eq!(ex.state, State::Error);
    let info = tasks[0].state_info.clone().unwrap_or_default();
    assert!(info.contains("max_result_bytes"), "{info}");
}

#[actix_rt::test]
async fn too_many_items_fail_the_task_naming_the_limit() {
    let (_d, engine, _) = test_engine_with(|c| c.max_with_items = 10);
    let wf = "version: '2.0'\nmany:\n  tasks:\n    t1:\n      with-items: i in <% range(0, 11) %>\n      action: std.noop\n";
    let (ex, tasks) = run_workflow(&engine, wf, "many", json!({})).await;
    assert_eq!(ex.state, State::Error);
    assert!(
        tasks[0]
            .state_info
            .clone()
            .unwrap_or_default()
            .contains("max_with_items")
    );
}

#[actix_rt::test]
async fn past_the_running_limit_a_start_is_refused_as_unavailable() {
    let (_d, engine, _) = test_engine_with(|c| c.max_running_executions = 2);
    let wf = "version: '2.0'\nslow:\n  tasks:\n    t1:\n      action: std.sleep seconds=2\n";
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let start = || StartExecution {
        workflow_name: Some("slow".into()),
        ..Default::default()
    };
    engine.addr.send(start()).await.unwrap().unwrap();
    engine.addr.send(start()).await.unwrap().unwrap();
    let third = engine.addr.send(start()).await.unwrap();
    assert!(
        matches!(&third, Err(Error::Unavailable(m)) if m.contains("max_running_executions")),
        "{third:?}"
    );
}

#[actix_rt::test]
async fn worker_capacity_bounds_concurrent_actions() {
    let (_d, engine, _) = test_engine_with(|c| {
        c.workers = 1;
        c.worker_capacity = 2;
    });
    let mut wf =
        String::from("version: '2.0'\nfour:\n  task-defaults:\n    timeout: 10\n  tasks:\n");
    for t in ["a", "b", "c", "d"] {
        // Whole seconds: std.sleep takes int(seconds), as Mistral's does.
        wf += &format!("    {t}:\n      action: std.sleep\n      input:\n        seconds: 1\n");
    }
    let t = Instant::now();
    let (ex, _) = run_workflow(&engine, &wf, "four", json!({})).await;
    assert_eq!(ex.state, State::Success);
    assert!(
        t.elapsed() >= Duration::from_millis(2000),
        "two at a time: {:?}",
        t.elapsed()
    );
}
