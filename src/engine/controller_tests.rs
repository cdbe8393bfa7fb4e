//! Unit tests of the pure controller: small specs built by hand.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::*;
use crate::lang::{TaskRun, Transition, WorkflowKind};

fn task(name: &str) -> TaskSpec {
    TaskSpec {
        name: name.into(),
        description: None,
        tags: vec![],
        run: TaskRun::Action("std.noop".into()),
        input: Value::Object(Map::new()),
        with_items: vec![],
        publish: Default::default(),
        publish_on_error: Default::default(),
        publish_on_skip: Default::default(),
        on_skip: None,
        on_success: None,
        on_error: None,
        on_complete: None,
        join: None,
        requires: vec![],
        policies: Default::default(),
        keep_result: Value::Bool(true),
        safe_rerun: Value::Bool(false),
        target: None,
    }
}

fn to(targets: &[&str]) -> Option<Box<OnClause>> {
    Some(Box::new(OnClause {
        next: targets
            .iter()
            .map(|t| {
                let (name, guard) = match t.split_once(':') {
                    Some((n, g)) => (n, Some(Value::String(g.into()))),
                    None => (*t, None),
                };
                let target = match name {
                    "fail" => Target::Command(EngineCommand::Fail { msg: None }),
                    "succeed" => Target::Command(EngineCommand::Succeed { msg: None }),
                    "pause" => Target::Command(EngineCommand::Pause { msg: None }),
                    "noop" => Target::Command(EngineCommand::Noop),
                    n => Target::Task(n.into()),
                };
                Transition { target, guard }
            })
            .collect(),
        ..OnClause::default()
    }))
}

fn wf(tasks: Vec<TaskSpec>) -> WorkflowSpec {
    WorkflowSpec {
        name: "wf".into(),
        kind: WorkflowKind::Direct,
        description: None,
        tags: vec![],
        input: vec![],
        secrets: vec![],
        output: None,
        output_on_error: None,
        vars: Map::new(),
        tasks: tasks
            .into_iter()
            .map(|t| (t.name.clone(), Box::new(t)))
            .collect::<IndexMap<_, _>>(),
        definition: String::new(),
        raw: Default::default(),
    }
}

/// Guards are the literal strings "yes" (true), "no" (false) or "boom" (error).
fn check(t: &TaskSpec, state: State, expected: &[&str]) {
    let mut guard = |g: &Value| match g.as_str() {
        Some("yes") => Ok(json!(true)),
        Some("no") => Ok(json!(false)),
        _ => Err("bad guard".to_string()),
    };
    let got: Vec<String> = next_commands(t, state, &mut guard)
        .unwrap()
        .iter()
        .map(|c| match c {
            Command::RunTask { name, event } => {
                format!("{name}@{}", event.map_or("start", Event::as_str))
            }
            Command::Fail { .. } => "FAIL".into(),
            Command::Succeed { .. } => "SUCCEED".into(),
            Command::Pause { .. } => "PAUSE".into(),
            Command::Noop { .. } => "NOOP".into(),
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn start_tasks_have_no_inbound_transition() {
    let mut a = task("a");
    a.on_success = to(&["b"]);
    let mut c = task("c");
    c.on_error = to(&["d"]);
    let spec = wf(vec![a, task("b"), c, task("d")]);
    assert_eq!(start_tasks(&spec), vec!["a", "c"]);
}

#[test]
fn engine_commands_are_not_inbound() {
    let mut a = task("a");
    a.on_success = to(&["fail"]);
    assert_eq!(start_tasks(&wf(vec![a])), vec!["a"]);
}

#[test]
fn success_follows_on_success_then_on_complete() {
    let mut t = task("t");
    t.on_success = to(&["a", "b"]);
    t.on_complete = to(&["c"]);
    t.on_error = to(&["e"]);
    check(
        &t,
        State::Success,
        &["a@on-success", "b@on-success", "c@on-complete"],
    );
}

#[test]
fn error_follows_on_error_then_on_complete() {
    let mut t = task("t");
    t.on_success = to(&["a"]);
    t.on_error = to(&["e"]);
    t.on_complete = to(&["c"]);
    check(&t, State::Error, &["e@on-error", "c@on-complete"]);
}

#[test]
fn cancelled_follows_nothing() {
    let mut t = task("t");
    t.on_complete = to(&["c"]);
    check(&t, State::Cancelled, &[]);
}

#[test]
fn false_guard_skips_transition() {
    let mut t = task("t");
    t.on_success = to(&["a:no", "b:yes", "c"]);
    check(&t, State::Success, &["b@on-success", "c@on-success"]);
}

#[test]
fn guard_error_is_reported() {
    let mut t = task("t");
    t.on_success = to(&["a:boom"]);
    let mut guard = |_: &Value| Err::<Value, _>("bad guard".to_string());
    assert_eq!(
        next_commands(&t, State::Success, &mut guard),
        Err("bad guard".into())
    );
}

/// A `msg` is evaluated after its guard held, with the guards: its value
/// rides on the command, its error is the completion's error, and a
/// command whose guard is false never evaluates it.
#[test]
fn command_msg_is_evaluated_with_the_guards() {
    let fail_with = |msg: &str, guard: &str| {
        Some(Box::new(OnClause {
            next: vec![Transition {
                target: Target::Command(EngineCommand::Fail {
                    msg: Some(json!(msg)),
                }),
                guard: Some(json!(guard)),
            }],
            ..OnClause::default()
        }))
    };
    let mut eval = |g: &Value| match g.as_str() {
        Some("yes") => Ok(json!(true)),
        Some("no") => Ok(json!(false)),
        Some("boom") => Err("bad msg".to_string()),
        Some(m) => Ok(json!(m.to_uppercase())),
        None => Ok(Value::Null),
    };
    let mut t = task("t");
    t.on_success = fail_with("why", "yes");
    assert_eq!(
        next_commands(&t, State::Success, &mut eval),
        Ok(vec![Command::Fail {
            msg: Some(json!("WHY")),
            event: Event::OnSuccess
        }])
    );
    t.on_success = fail_with("boom", "yes");
    assert_eq!(
        next_commands(&t, State::Success, &mut eval),
        Err("bad msg".into())
    );
    t.on_success = fail_with("boom", "no");
    assert_eq!(next_commands(&t, State::Success, &mut eval), Ok(vec![]));
}

#[test]
fn fail_first_stands_alone() {
    let mut t = task("t");
    t.on_error = to(&["fail", "a"]);
    check(&t, State::Error, &["FAIL"]);
}

#[test]
fn tasks_before_fail_run_and_after_are_dropped() {
    let mut t = task("t");
    t.on_success = to(&["a", "succeed", "b"]);
    check(&t, State::Success, &["a@on-success", "SUCCEED"]);
}

#[test]
fn pause_keeps_the_rest_for_resume() {
    let mut t = task("t");
    t.on_success = to(&["pause", "a"]);
    check(&t, State::Success, &["PAUSE", "a@on-success"]);
}

#[test]
fn false_guarded_fail_does_not_fire() {
    let mut t = task("t");
    t.on_success = to(&["fail:no", "a"]);
    check(&t, State::Success, &["a@on-success"]);
}

#[test]
fn on_error_handles_only_when_a_command_fired() {
    let mut t = task("t");
    t.on_error = to(&["e:no"]);
    t.on_complete = to(&["c"]);
    let mut guard = |g: &Value| Ok(json!(g.as_str() == Some("yes")));
    let cmds = next_commands(&t, State::Error, &mut guard).unwrap();
    assert!(!handles_error(&cmds));
    t.on_error = to(&["e:yes"]);
    let cmds = next_commands(&t, State::Error, &mut guard).unwrap();
    assert!(handles_error(&cmds));
}

#[test]
fn on_complete_never_handles_error() {
    let mut t = task("t");
    t.on_complete = to(&["c"]);
    let mut guard = |_: &Value| Ok(json!(true));
    let cmds = next_commands(&t, State::Error, &mut guard).unwrap();
    assert_eq!(cmds.len(), 1);
    assert!(!handles_error(&cmds));
}

#[test]
fn noop_on_error_handles_error() {
    let mut t = task("t");
    t.on_error = to(&["noop"]);
    let mut guard = |_: &Value| Ok(json!(true));
    assert!(handles_error(
        &next_commands(&t, State::Error, &mut guard).unwrap()
    ));
}

#[test]
fn publish_merge_order() {
    let mut t = task("t");
    t.publish = json!({"a": 1, "b": 1}).as_object().unwrap().clone().into();
    let mut s = to(&[]).unwrap();
    s.publish = json!({"b": 2}).as_object().unwrap().clone();
    s.publish_global = json!({"g": 1}).as_object().unwrap().clone();
    t.on_success = Some(s);
    let mut c = to(&[]).unwrap();
    c.publish = json!({"a": 0, "c": 3}).as_object().unwrap().clone();
    t.on_complete = Some(c);
    // Mistral's order: on-complete wins over the task's publish, which
    // wins over the on-success clause's.
    let (branch, global) = publish_spec(&t, State::Success);
    assert_eq!(
        branch.map(Value::Object),
        Some(json!({"b": 1, "a": 0, "c": 3}))
    );
    assert_eq!(Value::Object(global), json!({"g": 1}));
}

#[test]
fn publish_merge_drops_sections_the_receiver_lacks() {
    let obj = |v: Value| v.as_object().unwrap().clone();
    // The task's branch merges into an on-success clause with only a
    // global section: the branch is dropped and null is published.
    let mut t = task("t");
    t.publish = obj(json!({"x": 1})).into();
    let mut s = to(&[]).unwrap();
    s.publish_global = obj(json!({"g": 1}));
    t.on_success = Some(s);
    let (branch, global) = publish_spec(&t, State::Success);
    assert_eq!(branch, None);
    assert_eq!(Value::Object(global), json!({"g": 1}));
    // On-complete's global merges into the task's branch-only spec: lost.
    let mut t = task("t");
    t.publish = obj(json!({"x": 1})).into();
    let mut c = to(&[]).unwrap();
    c.publish_global = obj(json!({"g": 1}));
    t.on_complete = Some(c);
    let (branch, global) = publish_spec(&t, State::Success);
    assert_eq!(branch.map(Value::Object), Some(json!({"x": 1})));
    assert!(global.is_empty());
    // No publish at all: an empty branch (`{}`), not null.
    assert_eq!(publish_spec(&task("t"), State::Success).0, Some(Map::new()));
}

#[test]
fn publish_on_error_used_for_error() {
    let mut t = task("t");
    t.publish = json!({"a": 1}).as_object().unwrap().clone().into();
    t.publish_on_error = json!({"e": 1}).as_object().unwrap().clone().into();
    assert_eq!(
        publish_spec(&t, State::Error).0.map(Value::Object).unwrap(),
        json!({"e": 1})
    );
}

#[test]
fn rearrange_without_state_change_keeps_order() {
    let cmds = vec![
        Command::RunTask {
            name: "a".into(),
            event: None,
        },
        Command::RunTask {
            name: "b".into(),
            event: None,
        },
    ];
    assert_eq!(rearrange(cmds.clone()), cmds);
}

#[test]
fn skipped_follows_on_skip() {
    let mut t = task("t");
    t.on_skip = to(&["s"]);
    t.on_success = to(&["a"]);
    t.on_complete = to(&["c"]);
    check(&t, State::Skipped, &["s@on-skip"]);
}

#[test]
fn skipped_without_on_skip_falls_back_to_on_success() {
    let mut t = task("t");
    t.on_skip = to(&["s:no"]);
    t.on_success = to(&["a"]);
    check(&t, State::Skipped, &["a@on-success"]);
}

fn run(name: &str) -> Command {
    Command::RunTask {
        name: name.into(),
        event: Some(Event::OnSuccess),
    }
}

fn names(cmds: &[Command]) -> Vec<String> {
    cmds.iter()
        .map(|c| match c {
            Command::RunTask { name, .. } => name.clone(),
            Command::Fail { .. } => "FAIL".into(),
            Command::Pause { .. } => "PAUSE".into(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn dispatch_reverses_ordinary_tasks() {
    let cmds = vec![run("x"), run("y"), run("z")];
    assert_eq!(names(&dispatch(cmds, |_| false)), ["z", "y", "x"]);
}

#[test]
fn dispatch_puts_joins_by_name_after_the_reversed_tasks() {
    // What CPython's sort makes of Mistral's comparator for [x, jb, y, ja]:
    // the run [x, jb] stays, then y and ja are inserted by binary search.
    let cmds = vec![run("x"), run("jb"), run("y"), run("ja")];
    let is_join = |n: &str| n.starts_with('j');
    assert_eq!(names(&dispatch(cmds, is_join)), ["y", "x", "ja", "jb"]);
    let joins = vec![run("jc"), run("ja"), run("jb")];
    assert_eq!(names(&dispatch(joins, is_join)), ["ja", "jb", "jc"]);
}

#[test]
fn dispatch_sorts_only_before_the_state_change() {
    let noop = Command::Noop {
        event: Event::OnSuccess,
    };
    let pause = Command::Pause {
        msg: None,
        event: Event::OnSuccess,
    };
    let cmds = vec![run("a"), noop, run("b"), pause, run("c"), run("d")];
    assert_eq!(
        names(&dispatch(cmds, |_| false)),
        ["b", "a", "PAUSE", "c", "d"]
    );
    let fail = Command::Fail {
        msg: None,
        event: Event::OnSuccess,
    };
    let cmds = vec![run("a"), run("b"), fail, run("c")];
    assert_eq!(names(&dispatch(cmds, |_| false)), ["b", "a", "FAIL"]);
}

#[test]
fn global_merge_lasts_only_when_a_top_level_key_is_assigned() {
    let obj = |v: Value| v.as_object().unwrap().clone();
    let mut ctx = obj(json!({"g": {"a": 1}}));
    // Only a merge into an existing mapping: nothing lasts.
    assert!(!merge_global(&mut ctx, &obj(json!({"g": {"b": 2}}))));
    assert_eq!(Value::Object(ctx.clone()), json!({"g": {"a": 1}}));
    // With a new top-level key, the nested merge lasts too.
    assert!(merge_global(&mut ctx, &obj(json!({"g": {"b": 2}, "k": 1}))));
    assert_eq!(Value::Object(ctx), json!({"g": {"a": 1, "b": 2}, "k": 1}));
}
