//! Restarts in the middle of a `with-items` task: its progress is rebuilt
//! from the stored action executions, the items not yet started start, and
//! the task completes with every result in item order.

use std::time::Duration;

use bora::domain::State;
use bora::engine::{CompleteAction, CreateWorkflows, StartExecution};
use bora::store::{Access, ActionExecutionRecord, ListQuery, Store};
use serde_json::json;

use crate::harness::{engine_on, eventually, finished, sqlite_url};

/// The RUNNING action executions, in item order, once there are `n`.
async fn running(store: &Store, n: usize) -> Vec<ActionExecutionRecord> {
    eventually(Duration::from_secs(10), "running items", || async {
        let q = ListQuery {
            access: Access::All,
            ..Default::default()
        };
        let mut v: Vec<_> = store
            .list_action_executions(&q)
            .unwrap()
            .into_iter()
            .filter(|a| a.state == State::Running)
            .collect();
        v.sort_by_key(|a| a.item_index);
        (v.len() == n).then_some(v)
    })
    .await
}

#[actix_rt::test]
async fn a_with_items_task_goes_on_after_a_restart() {
    let (_dir, url) = sqlite_url();
    let engine = engine_on(&url).await;
    let wf = "
version: '2.0'
wf:
  tasks:
    t:
      with-items: x in [10, 20, 30, 40, 50]
      concurrency: 2
      action: std.async_noop
      publish:
        all: <% task().result %>
";
    let msg = CreateWorkflows {
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
        project: bora::domain::DEFAULT_PROJECT.into(),
    };
    engine.addr.send(msg).await.unwrap().unwrap();
    let start = StartExecution {
        workflow_name: Some("wf".into()),
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let complete = |a: &ActionExecutionRecord, v: serde_json::Value| CompleteAction {
        id: a.id,
        state: State::Success,
        output: Some(v),
    };
    // Item 0 finishes before the restart; items 1 and 2 are running at it;
    // items 3 and 4 were never started.
    let first = running(&engine.store, 2).await;
    assert_eq!(first[0].item_index, Some(0));
    engine
        .addr
        .send(complete(&first[0], json!("a")))
        .await
        .unwrap()
        .unwrap();
    let second = running(&engine.store, 2).await;
    assert_eq!(
        second.iter().map(|a| a.item_index).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    engine.shutdown(Duration::from_millis(50)).await;

    let engine = engine_on(&url).await;
    let mut next = running(&engine.store, 2).await;
    for (i, v) in ["b", "c", "d", "e"].into_iter().enumerate() {
        let a = next.remove(0);
        assert_eq!(a.item_index, Some(i as i32 + 1));
        engine
            .addr
            .send(complete(&a, json!(v)))
            .await
            .unwrap()
            .unwrap();
        if i < 3 {
            next = running(&engine.store, if i < 2 { 2 } else { 1 }).await;
        }
    }
    let ex = finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(ex.output["all"], json!(["a", "b", "c", "d", "e"]));
}
