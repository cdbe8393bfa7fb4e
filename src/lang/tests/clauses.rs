//! `on-*` clauses in every form, and task-defaults clauses.

use serde_json::{Value, json};

use super::{ok, wf_with_tasks};
use crate::lang::{EngineCommand, OnClause, Target, TaskSpec, Transition};

/// The tasks of a workflow whose `tasks:` block is `body`.
fn tasks(body: &str) -> Vec<TaskSpec> {
    ok(&wf_with_tasks(body))[0]
        .tasks
        .values()
        .map(|t| (**t).clone())
        .collect()
}

/// The `on-success` of `a` for a clause text, with tasks `b` and `c` present.
fn on_success(clause: &str) -> OnClause {
    let body =
        format!("a:\n  on-success: {clause}\nb: {{action: std.noop}}\nc: {{action: std.noop}}\n");
    *tasks(&body)[0].on_success.clone().unwrap()
}

fn task(n: &str) -> Transition {
    Transition {
        target: Target::Task(n.into()),
        guard: None,
    }
}

fn guarded(n: &str, g: &str) -> Transition {
    Transition {
        target: Target::Task(n.into()),
        guard: Some(json!(g)),
    }
}

fn cmd(c: EngineCommand) -> Transition {
    Transition {
        target: Target::Command(c),
        guard: None,
    }
}

fn next(clause: &str) -> Vec<Transition> {
    on_success(clause).next
}

#[test]
fn string_and_list_forms() {
    assert_eq!(next("b"), [task("b")]);
    assert_eq!(next("[b, c]"), [task("b"), task("c")]);
    assert_eq!(
        next("\n    - b\n    - c: <% $.ok %>"),
        [task("b"), guarded("c", "<% $.ok %>")]
    );
    // A single mapping is Mistral's advanced form: without `next` it makes
    // no transition at all (`OnClauseSpec.__init__`).
    assert_eq!(next("{b: '{{ _.ok }}'}"), []);
    // A `next` mapping: its keys are transitions, the guards are dropped.
    assert_eq!(next("{next: {b: '{{ _.ok }}'}}"), [task("b")]);
}

#[test]
fn engine_commands() {
    assert_eq!(next("fail"), [cmd(EngineCommand::Fail { msg: None })]);
    assert_eq!(next("succeed"), [cmd(EngineCommand::Succeed { msg: None })]);
    assert_eq!(next("pause"), [cmd(EngineCommand::Pause { msg: None })]);
    assert_eq!(next("noop"), [cmd(EngineCommand::Noop)]);
    assert_eq!(
        next("fail msg=\"bad\""),
        [cmd(EngineCommand::Fail {
            msg: Some(json!("bad"))
        })]
    );
    assert_eq!(
        next("'fail(msg=\"a bad\")'"),
        [cmd(EngineCommand::Fail {
            msg: Some(json!("a bad"))
        })]
    );
    assert_eq!(
        next("fail(msg=<% $.m %>)"),
        [cmd(EngineCommand::Fail {
            msg: Some(json!("<% $.m %>"))
        })]
    );
    assert_eq!(
        next("\n    - fail: <% not $.vm_id %>\n    - b"),
        [
            Transition {
                target: Target::Command(EngineCommand::Fail { msg: None }),
                guard: Some(json!("<% not $.vm_id %>"))
            },
            task("b"),
        ]
    );
    assert_eq!(
        next("\n    - 'succeed msg=\"done\"': <% $.x %>"),
        [Transition {
            target: Target::Command(EngineCommand::Succeed {
                msg: Some(json!("done"))
            }),
            guard: Some(json!("<% $.x %>"))
        }]
    );
}

#[test]
fn structured_form() {
    let c = on_success(
        "\n    publish:\n      branch:\n        x: 1\n      global:\n        g: <% $.y %>\n      atomic:\n        z: 3\n    next:\n      - b\n      - c: <% $.x %>",
    );
    assert_eq!(Value::Object(c.publish), json!({"x": 1}));
    assert_eq!(Value::Object(c.publish_global), json!({"g": "<% $.y %>"}));
    assert_eq!(c.next, [task("b"), guarded("c", "<% $.x %>")]);
    assert_eq!(on_success("{next: b}").next, [task("b")]);
    assert!(on_success("{publish: {global: {g: 1}}}").next.is_empty());
}

#[test]
fn all_clauses() {
    let t = &tasks(
        "a:\n  on-success: b\n  on-error: c\n  on-complete: [b]\n  on-skip: c\nb: {action: std.noop}\nc: {action: std.noop}\n",
    )[0];
    assert_eq!(t.on_success.as_ref().unwrap().next, [task("b")]);
    assert_eq!(t.on_error.as_ref().unwrap().next, [task("c")]);
    assert_eq!(t.on_complete.as_ref().unwrap().next, [task("b")]);
    assert_eq!(t.on_skip.as_ref().unwrap().next, [task("c")]);
}

#[test]
fn defaults_apply_only_without_own_clause_and_never_to_self() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  task-defaults:\n    on-error: [h]\n    on-complete: [fail]\n  tasks:\n    a:\n      on-error: [b]\n    b: {action: std.noop}\n    h: {action: std.noop}\n",
    )[0];
    assert_eq!(wf.tasks["a"].on_error.as_ref().unwrap().next, [task("b")]);
    assert_eq!(wf.tasks["b"].on_error.as_ref().unwrap().next, [task("h")]);
    assert_eq!(wf.tasks["h"].on_error, None);
    assert_eq!(
        wf.tasks["h"].on_complete.as_ref().unwrap().next,
        [cmd(EngineCommand::Fail { msg: None })]
    );
}

#[test]
fn default_fills_structured_clause_without_next() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  task-defaults:\n    on-success: [c]\n  tasks:\n    a:\n      on-success:\n        publish:\n          branch:\n            x: 1\n    c: {action: std.noop}\n",
    )[0];
    let c = wf.tasks["a"].on_success.clone().unwrap();
    assert_eq!(Value::Object(c.publish), json!({"x": 1}));
    assert_eq!(c.next, [task("c")]);
}

#[test]
fn defaults_count_for_start_tasks_and_joins() {
    // Every task but `a` is reached through the default.
    ok(
        "version: '2.0'\nwf:\n  task-defaults:\n    on-success: [j]\n  tasks:\n    a:\n      on-success: [b, c]\n    b: {action: std.noop}\n    c: {action: std.noop}\n    j:\n      join: 2\n",
    );
}

#[test]
fn engine_command_wins_over_a_task_of_the_same_name() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  tasks:\n    a:\n      on-error: fail\n    fail: {action: std.noop}\n",
    )[0];
    assert_eq!(
        wf.tasks["a"].on_error.as_ref().unwrap().next,
        [cmd(EngineCommand::Fail { msg: None })]
    );
}

#[test]
fn transitions_keep_their_order_and_guards() {
    let c = on_success("\n    - c: <% $.x %>\n    - noop\n    - pause\n    - b");
    assert_eq!(
        c.next,
        [
            guarded("c", "<% $.x %>"),
            cmd(EngineCommand::Noop),
            cmd(EngineCommand::Pause { msg: None }),
            task("b")
        ]
    );
}

#[test]
fn reverse_workflows_ignore_default_clauses() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  type: reverse\n  task-defaults:\n    on-error: [b]\n  tasks:\n    a: {action: std.noop}\n    b: {requires: a}\n",
    )[0];
    assert_eq!(wf.tasks["a"].on_error, None);
    assert_eq!(wf.tasks["b"].requires, ["a"]);
}

#[test]
fn direct_workflows_ignore_default_requires() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  task-defaults:\n    requires: [a]\n  tasks:\n    a: {action: std.noop}\n    b: {action: std.noop}\n",
    )[0];
    assert!(wf.tasks["b"].requires.is_empty());
}
