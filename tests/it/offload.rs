//! Expressions moved off the engine thread (the evaluation pool): with an
//! inline budget of one step every deferrable evaluation — action input,
//! with-items lists and items, publish, guards, ad-hoc
//! `base-input` — goes through the pool, and the outcome is the same as
//! with everything evaluated inline.

use bora::domain::State;
use bora::engine::{CreateActions, GetStats};
use serde_json::{Value, json};

use crate::harness::{run_workflow, test_engine_with};

const WF: &str = "
version: '2.0'
wf:
  input: [n, names]
  tasks:
    first:
      action: std.echo
      input:
        output: <% $.n * 2 %>
      publish:
        doubled: <% task().result %>
        shout: '{{ _.names | join(\"-\") | upper }}'
      on-success:
        - many: <% $.doubled > 10 %>
        - never: <% $.doubled <= 10 %>
    many:
      with-items: name in <% $.names %>
      concurrency: <% 2 %>
      action: greet who=<% $.name %>
      publish:
        greetings: <% task().result %>
      keep-result: <% true %>
      on-complete: [last]
    never:
      action: std.fail
    last:
      action: std.echo output=<% len($.greetings) + $.doubled %>
      publish:
        total: <% task().result %>
";

const ACTIONS: &str = "
version: '2.0'
greet:
  base: std.echo
  base-input:
    output: <% 'hello ' + $.who %>
  input: [who]
";

async fn run(inline_fuel: u64) -> (State, Value, Value, u64) {
    let (_d, engine, _runs) = test_engine_with(|c| c.expr_inline_fuel = inline_fuel);
    engine
        .addr
        .send(CreateActions {
            definition: ACTIONS.into(),
            namespace: String::new(),
            scope: bora::domain::Scope::Private,
            project: bora::domain::DEFAULT_PROJECT.into(),
        })
        .await
        .unwrap()
        .unwrap();
    let input = json!({"n": 21, "names": ["ann", "bob", "cy"]});
    let (ex, tasks) = run_workflow(&engine, WF, "wf", input).await;
    let mut shape: Vec<(String, String)> = tasks
        .iter()
        .map(|t| (t.name.clone(), t.state.as_str().to_string()))
        .collect();
    shape.sort();
    let stats = engine.addr.send(GetStats).await.unwrap();
    (
        ex.state,
        ex.output.clone(),
        json!(shape),
        stats.evaluations_offloaded,
    )
}

#[actix_rt::test]
async fn every_evaluation_through_the_pool_gives_the_same_outcome() {
    let (state, output, tasks, offloaded) = run(1_000_000).await;
    assert_eq!(state, State::Success, "{output}");
    assert_eq!(offloaded, 0, "nothing outgrows a full inline budget here");
    assert_eq!(output["total"], 45);
    assert_eq!(output["shout"], "ANN-BOB-CY");
    assert_eq!(
        output["greetings"],
        json!(["hello ann", "hello bob", "hello cy"])
    );
    let (state2, output2, tasks2, offloaded2) = run(1).await;
    assert_eq!(state2, State::Success, "{output2}");
    assert_eq!(output2, output);
    assert_eq!(tasks2, tasks);
    // Input, publish (2 values), guard, lists, concurrency, 3 items with
    // their base-input, ...: each at least once.
    assert!(offloaded2 >= 12, "{offloaded2} evaluations offloaded");
}

/// A heavy expression that fails in the pool fails its task, and with it
/// the workflow (an input that cannot be evaluated: Mistral's "Failed to
/// run task"), as inline.
#[actix_rt::test]
async fn an_error_in_the_pool_fails_the_task_as_inline() {
    let wf = "
version: '2.0'
wf:
  tasks:
    t:
      action: std.echo output=<% range(100000).select(range(1000)).len() %>
      on-error: [handled]
    handled:
      action: std.noop
";
    let (_d, engine, _runs) = test_engine_with(|c| c.expr_inline_fuel = 1_000);
    let (ex, tasks) = run_workflow(&engine, wf, "wf", json!({})).await;
    assert_eq!(ex.state, State::Error, "{:?}", ex.state_info);
    let t = tasks.iter().find(|t| t.name == "t").unwrap();
    assert_eq!(t.state, State::Error);
    let info = t.state_info.clone().unwrap_or_default();
    assert!(info.starts_with("Failed to run task [error="), "{info}");
    assert!(info.contains("limit"), "{info}");
    assert_eq!(ex.state_info.as_deref(), Some(info.as_str()));
    assert!(!tasks.iter().any(|t| t.name == "handled"));
    let stats = engine.addr.send(GetStats).await.unwrap();
    assert_eq!(stats.evaluations_offloaded, 1);
    assert_eq!(stats.evaluations_waiting, 0);
}
