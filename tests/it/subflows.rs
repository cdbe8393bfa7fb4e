//! Sub-workflows end to end: output up, failure up, with-items over
//! sub-workflows, the root env down.

use bora::domain::State;
use serde_json::json;

use crate::harness::{run_workflow, test_engine};

const WFS: &str = "
version: '2.0'
parent:
  input:
    - who
  tasks:
    call:
      workflow: child
      input:
        name: <% $.who %>
      publish:
        greeting: <% task().result.greeting %>
  output:
    greeting: <% $.greeting %>
child:
  input:
    - name
  tasks:
    hi:
      action: std.echo output=<% 'hi ' + $.name + ' ' + env().suffix %>
      publish:
        greeting: <% task().result %>
  output:
    greeting: <% $.greeting %>
failing:
  tasks:
    call:
      workflow: broken
broken:
  tasks:
    boom:
      action: std.fail
many:
  tasks:
    call:
      with-items: n in <% ['a', 'b', 'c'] %>
      workflow: child
      input:
        name: <% $.n %>
      publish:
        all: <% task().result.select($.greeting) %>
";

#[actix_rt::test]
async fn a_sub_workflow_returns_its_output_and_sees_the_root_env() {
    let (_d, engine, _) = test_engine();
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: WFS.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let params = json!({"env": {"suffix": "!"}})
        .as_object()
        .cloned()
        .unwrap();
    let input = json!({"who": "bob"}).as_object().cloned().unwrap();
    let start = StartExecution {
        workflow_name: Some("parent".into()),
        input,
        params,
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(ex.output, json!({"greeting": "hi bob !"}));
    let tasks = crate::harness::tasks(&engine.store, id);
    assert_eq!(tasks[0].kind, bora::domain::TaskKind::Workflow);
}

#[actix_rt::test]
async fn a_failed_sub_workflow_fails_its_task() {
    let (_d, engine, _) = test_engine();
    let (ex, tasks) = run_workflow(&engine, WFS, "failing", json!({})).await;
    assert_eq!(ex.state, State::Error);
    assert_eq!(tasks[0].state, State::Error);
    let info = tasks[0].state_info.clone().unwrap_or_default();
    assert!(
        info.contains("Failure caused by error in tasks: boom"),
        "{info}"
    );
}

#[actix_rt::test]
async fn with_items_over_a_sub_workflow_collects_outputs_in_order() {
    let (_d, engine, _) = test_engine();
    use bora::engine::{CreateWorkflows, StartExecution};
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: WFS.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let params = json!({"env": {"suffix": "."}})
        .as_object()
        .cloned()
        .unwrap();
    let start = StartExecution {
        workflow_name: Some("many".into()),
        params,
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    let tasks = crate::harness::tasks(&engine.store, id);
    assert_eq!(
        tasks[0].published,
        json!({"all": ["hi a .", "hi b .", "hi c ."]})
    );
}

#[actix_rt::test]
async fn a_paused_sub_workflow_pauses_its_parent_task_until_resumed() {
    use bora::engine::{CreateWorkflows, StartExecution, UpdateExecution};
    use std::time::Duration;
    let (_d, engine, _) = test_engine();
    let wf = "version: '2.0'\nouter:\n  tasks:\n    call:\n      workflow: inner\ninner:\n  tasks:\n    wait:\n      action: std.sleep\n      input:\n        seconds: 1\n";
    let defs = CreateWorkflows {
        project: bora::domain::DEFAULT_PROJECT.into(),
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
    };
    engine.addr.send(defs).await.unwrap().unwrap();
    let start = StartExecution {
        workflow_name: Some("outer".into()),
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let store = engine.store.clone();
    let child = crate::harness::eventually(Duration::from_secs(5), "the child execution", || {
        let store = store.clone();
        async move {
            let mut q = bora::store::ListQuery {
                access: bora::store::Access::All,
                ..Default::default()
            };
            q.filters.push(bora::store::Filter {
                field: "workflow_name".into(),
                op: bora::store::FilterOp::Eq,
                values: vec!["inner".into()],
            });
            store.list_executions(&q).ok()?.into_iter().next()
        }
    })
    .await;
    let pause = UpdateExecution {
        id: child.id,
        state: Some(State::Paused),
        ..Default::default()
    };
    engine.addr.send(pause).await.unwrap().unwrap();
    assert_eq!(
        crate::harness::task_state(&engine.store, id, "call").0,
        State::Paused
    );
    let resume = UpdateExecution {
        id: child.id,
        state: Some(State::Running),
        ..Default::default()
    };
    engine.addr.send(resume).await.unwrap().unwrap();
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
}

#[actix_rt::test]
async fn undeclared_sub_workflow_inputs_become_its_params() {
    // Mistral's WorkflowAction: `task_name` is not an input of the reverse
    // child, so it becomes the child's `params.task_name`.
    let (_d, engine, _) = test_engine();
    let wfs = "
version: '2.0'
wf1:
  type: reverse
  input:
    - param1
    - param2
  output:
    final_result: <% $.final_result %>
  tasks:
    task1:
      action: std.echo output=<% $.param1 %>
      publish:
        result1: <% task(task1).result %>
    task2:
      action: std.echo output=\"'<% $.param1 %> & <% $.param2 %>'\"
      publish:
        final_result: <% task(task2).result %>
      requires: [task1]
wf2:
  output:
    slogan: <% $.slogan %>
  tasks:
    task1:
      workflow: wf1 param1='Bonnie' param2='Clyde' task_name='task2'
      publish:
        slogan: \"<% task(task1).result.final_result %> is a cool movie!\"
";
    let (ex, tasks) = run_workflow(&engine, wfs, "wf2", json!({})).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(
        ex.output,
        json!({"slogan": "'Bonnie & Clyde' is a cool movie!"})
    );
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].state, State::Success);
}

/// Mistral's `Workflow._recursive_rerun`: a rerun inside a failed child of
/// a with-items task reopens the parent task and the root, so the child's
/// new output lands in its item and the root ends SUCCESS; the child reads
/// the root's env (updated while the root was ERROR).
#[actix_rt::test]
async fn a_rerun_inside_an_item_child_reopens_the_parent() {
    use bora::engine::{UpdateExecution, UpdateTask};
    use std::time::Duration;
    let wf = "
version: '2.0'
fan:
  tasks:
    each:
      with-items: n in <% [1, 2, 3] %>
      workflow: item
      input: {n: <% $.n %>}
      publish:
        outs: <% task().result.select($.v) %>
item:
  input: [n]
  output:
    v: <% $.n * 10 %>
  tasks:
    t:
      action: std.echo output=<% $.n %>
      fail-on: <% $.n = 2 and not env().get(fixed, false) %>
";
    let (_d, engine, _) = test_engine();
    let (ex, _) = run_workflow(&engine, wf, "fan", json!({})).await;
    assert_eq!(ex.state, State::Error);
    let mut q = bora::store::ListQuery {
        access: bora::store::Access::All,
        ..Default::default()
    };
    q.filters.push(bora::store::Filter {
        field: "state".into(),
        op: bora::store::FilterOp::Eq,
        values: vec!["ERROR".into()],
    });
    q.filters.push(bora::store::Filter {
        field: "workflow_name".into(),
        op: bora::store::FilterOp::Eq,
        values: vec!["item".into()],
    });
    let failed = engine.store.list_executions(&q).unwrap();
    assert_eq!(failed.len(), 1);
    let task = crate::harness::tasks(&engine.store, failed[0].id).remove(0);
    let env = UpdateExecution {
        id: ex.id,
        env: Some(json!({"fixed": true})),
        ..Default::default()
    };
    engine.addr.send(env).await.unwrap().unwrap();
    let rerun = UpdateTask {
        id: task.id,
        state: State::Running,
        reset: Some(true),
        env: None,
    };
    engine.addr.send(rerun).await.unwrap().unwrap();
    let store = engine.store.clone();
    let id = ex.id;
    let done = crate::harness::eventually(Duration::from_secs(10), "the root SUCCESS", || {
        let store = store.clone();
        async move {
            let ex = store.get_execution(&bora::store::Access::All, id).ok()??;
            (ex.state == State::Success).then_some(ex)
        }
    })
    .await;
    assert_eq!(done.state, State::Success);
    let tasks = crate::harness::tasks(&engine.store, id);
    assert_eq!(tasks[0].state, State::Success);
    assert_eq!(tasks[0].published, json!({"outs": [10, 20, 30]}));
}
