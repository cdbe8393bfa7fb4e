//! Task attributes, task-defaults, workflow attributes.

use serde_json::{Value, json};

use super::{errs, indent, ok, t1, wf_with_tasks};
use crate::lang::{InputParam, Join, RetryPolicy, TaskRun, WithItems, WorkflowKind};

fn input(attrs: &str) -> Value {
    t1(attrs).input
}

#[test]
fn action_and_inline_params() {
    let t = t1("action: std.echo output=\"x\" delay=1");
    assert_eq!(t.run, TaskRun::Action("std.echo".into()));
    assert_eq!(t.input, json!({"output": "x", "delay": 1}));
    assert_eq!(t1("workflow: wf2 a=1").run, TaskRun::Workflow("wf2".into()));
    assert_eq!(
        t1("description: nothing").run,
        TaskRun::Action("std.noop".into())
    );
    assert_eq!(
        t1("action: <% $.a %>").run,
        TaskRun::Action("<% $.a %>".into())
    );
}

#[test]
fn inline_params_win_over_input() {
    assert_eq!(
        input("action: std.echo output=\"x\" delay=1\ninput:\n  output: y"),
        json!({"output": "x", "delay": 1})
    );
    assert_eq!(
        input("action: \"a x='{\\\"k\\\": 1}'\"\ninput:\n  z: 2"),
        json!({"x": "{\"k\": 1}", "z": 2})
    );
    assert_eq!(
        input("action: a\ninput:\n  k: <% $.v %>"),
        json!({"k": "<% $.v %>"})
    );
    assert_eq!(input("action: a\ninput: <% $.all %>"), json!("<% $.all %>"));
    assert_eq!(input("action: a"), json!({}));
}

#[test]
fn with_items_forms() {
    assert_eq!(
        t1("with-items: x in <% $.xs %>").with_items,
        vec![WithItems {
            var: "x".into(),
            source: json!("<% $.xs %>")
        }]
    );
    assert_eq!(
        t1("with-items:\n  - x in [1, 2]\n  - y in {{ _.ys }}").with_items,
        vec![
            WithItems {
                var: "x".into(),
                source: json!([1, 2])
            },
            WithItems {
                var: "y".into(),
                source: json!("{{ _.ys }}")
            },
        ]
    );
}

#[test]
fn publish_and_flags() {
    let mut t = t1(
        "publish:\n  a: <% task().result %>\npublish-on-error:\n  e: 1\npublish-on-skip:\n  s: 2\nkeep-result: false\nsafe-rerun: <% true %>\ntarget: worker-1",
    );
    assert_eq!(
        Value::Object(t.publish.take()),
        json!({"a": "<% task().result %>"})
    );
    assert_eq!(Value::Object(t.publish_on_error.take()), json!({"e": 1}));
    assert_eq!(Value::Object(t.publish_on_skip.take()), json!({"s": 2}));
    assert_eq!(t.keep_result, json!(false));
    assert_eq!(t.safe_rerun, json!("<% true %>"));
    assert_eq!(t.target, Some(json!("worker-1")));
    let t = t1("action: a");
    assert_eq!((t.keep_result, t.safe_rerun), (json!(true), json!(false)));
    let t = t1("description: d\ntags: [a, b]");
    assert_eq!(
        (t.description.as_deref(), t.tags),
        (Some("d"), vec!["a".to_string(), "b".to_string()])
    );
}

#[test]
fn policies() {
    let p = t1("wait-before: 1\nwait-after: <% 2 %>\ntimeout: 30\npause-before: true\nconcurrency: 3\nfail-on: <% $.x %>").policies;
    assert_eq!(p.wait_before, Some(json!(1)));
    assert_eq!(p.wait_after, Some(json!("<% 2 %>")));
    assert_eq!(p.timeout, Some(json!(30)));
    assert_eq!(p.pause_before, Some(json!(true)));
    assert_eq!(p.concurrency, Some(json!(3)));
    assert_eq!(p.fail_on, Some(json!("<% $.x %>")));
    assert_eq!(p.retry, None);
}

#[test]
fn retry_forms() {
    let r = |a: &str| t1(a).policies.take().retry.unwrap();
    assert_eq!(
        r("retry:\n  count: 3\n  delay: 1"),
        RetryPolicy {
            count: json!(3),
            delay: json!(1),
            break_on: None,
            continue_on: None,
            backoff: None,
            max_delay: None,
        }
    );
    assert_eq!(
        r(
            "retry:\n  count: <% $.n %>\n  delay: 0\n  break-on: <% $.stop %>\n  continue-on: <% $.go %>"
        ),
        RetryPolicy {
            count: json!("<% $.n %>"),
            delay: json!(0),
            break_on: Some(json!("<% $.stop %>")),
            continue_on: Some(json!("<% $.go %>")),
            backoff: None,
            max_delay: None,
        }
    );
    assert_eq!(
        r("retry: count=10 delay=5 break-on=<% $.x > 1 %>"),
        RetryPolicy {
            count: json!(10),
            delay: json!(5),
            break_on: Some(json!("<% $.x > 1 %>")),
            continue_on: None,
            backoff: None,
            max_delay: None,
        }
    );
}

#[test]
fn retry_backoff_extension() {
    let r = t1("retry:\n  count: 5\n  delay: 1\n  backoff: 2\n  max-delay: 30")
        .policies
        .take()
        .retry
        .unwrap();
    assert_eq!(r.backoff, Some(json!(2)));
    assert_eq!(r.max_delay, Some(json!(30)));
    let e = errs(&wf_with_tasks(&format!(
        "t1:\n{}",
        indent("retry:\n  count: 5\n  delay: 1\n  backoff: 0.5", 2)
    )));
    assert!(e.iter().any(|m| m.contains("backoff")), "{e:?}");
}

#[test]
fn join_values() {
    let wf = |j: &str| {
        ok(&wf_with_tasks(&format!(
            "a:\n  on-success: j\nb:\n  on-success: j\nj:\n  join: {j}\n"
        )))[0]
            .tasks["j"]
            .join
    };
    assert_eq!(wf("all"), Some(Join::All));
    assert_eq!(wf("one"), Some(Join::Count(1)));
    assert_eq!(wf("2"), Some(Join::Count(2)));
    assert_eq!(wf("0"), None);
}

#[test]
fn workflow_attributes() {
    let wf = &ok(
        "version: 2.0\nwf:\n  type: direct\n  description: hello\n  tags: [x]\n  input:\n    - a\n    - b: 1\n    - c: null\n  output:\n    r: <% $.r %>\n  output-on-error:\n    e: 1\n  vars:\n    v: 2\n  tasks:\n    t1: {action: std.noop}\n",
    )[0];
    assert_eq!(wf.name, "wf");
    assert_eq!(wf.kind, WorkflowKind::Direct);
    assert_eq!(wf.description.as_deref(), Some("hello"));
    assert_eq!(wf.tags, ["x"]);
    assert_eq!(
        wf.input,
        vec![
            InputParam {
                name: "a".into(),
                default: None
            },
            InputParam {
                name: "b".into(),
                default: Some(json!(1))
            },
            InputParam {
                name: "c".into(),
                default: Some(Value::Null)
            },
        ]
    );
    assert_eq!(wf.output, Some(json!({"r": "<% $.r %>"})));
    assert_eq!(wf.output_on_error, Some(json!({"e": 1})));
    assert_eq!(Value::Object(wf.vars.clone()), json!({"v": 2}));
    assert_eq!(wf.tasks.len(), 1);
}

#[test]
fn several_workflows_in_order() {
    let wfs = ok(
        "version: '2.0'\nb:\n  tasks:\n    t: {action: std.noop}\na:\n  type: reverse\n  tasks:\n    t: {action: std.noop}\n",
    );
    let names: Vec<_> = wfs.iter().map(|w| (w.name.as_str(), w.kind)).collect();
    assert_eq!(
        names,
        [("b", WorkflowKind::Direct), ("a", WorkflowKind::Reverse)]
    );
}

#[test]
fn version_forms() {
    for v in ["'2.0'", "2.0", "2", "'2'"] {
        ok(&format!(
            "version: {v}\nwf:\n  tasks:\n    t: {{action: std.noop}}\n"
        ));
    }
}

#[test]
fn reverse_requires_with_defaults() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  type: reverse\n  task-defaults:\n    requires: [a]\n  tasks:\n    a: {action: std.noop}\n    b:\n      requires: c\n    c:\n      requires: [a, b]\n",
    )[0];
    assert_eq!(wf.tasks["a"].requires, Vec::<String>::new());
    assert_eq!(wf.tasks["b"].requires, ["c", "a"]);
    assert_eq!(wf.tasks["c"].requires, ["a", "b"]);
}

#[test]
fn task_defaults_policies_and_safe_rerun() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  task-defaults:\n    retry:\n      count: 2\n      delay: 1\n    timeout: 10\n    safe-rerun: true\n  tasks:\n    a:\n      timeout: 5\n      safe-rerun: false\n    b: {action: std.noop}\n",
    )[0];
    let a = &wf.tasks["a"];
    let b = &wf.tasks["b"];
    assert_eq!(a.policies.timeout, Some(json!(5)));
    assert_eq!(b.policies.timeout, Some(json!(10)));
    assert_eq!(
        a.policies.retry.as_ref().map(|r| r.count.clone()),
        Some(json!(2))
    );
    assert_eq!(a.safe_rerun, json!(false));
    assert_eq!(b.safe_rerun, json!(true));
}

#[test]
fn large_documents_stay_linear() {
    // About 1 MiB: many tasks, and one very long transition list.
    let mut body = String::new();
    let n = 10_000;
    for i in 0..n {
        body.push_str(&format!(
            "t{i}:\n  action: std.echo output=\"{i}\"\n  on-success: [t{}]\n",
            i + 1
        ));
    }
    body.push_str(&format!("t{n}:\n  on-success:\n"));
    for i in 0..n / 2 {
        body.push_str(&format!("    - t{}: <% $.x = {i} %>\n", i + 1));
    }
    let text = wf_with_tasks(&body);
    assert!(text.len() < crate::yaml::MAX_TEXT_BYTES, "{}", text.len());
    let start = std::time::Instant::now();
    let wfs = ok(&text);
    assert_eq!(wfs[0].tasks.len(), n + 1);
    eprintln!("parsed {} bytes in {:?}", text.len(), start.elapsed());
}

#[test]
fn injected_meta_keys_are_accepted() {
    let t = t1("type: direct\nname: ignored\nversion: '2.0'\naction: std.noop");
    assert_eq!(t.name, "t1");
    let wf = &ok(
        "version: '2.0'\nwf:\n  name: other\n  version: '2.0'\n  tasks:\n    t: {action: std.noop}\n",
    )[0];
    assert_eq!(wf.name, "wf");
}

#[test]
fn spec_round_trips_through_json() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  input: [a, {b: 1}]\n  tasks:\n    t:\n      action: std.echo output=<% $.a %>\n      retry: count=1 delay=2\n      on-success:\n        - fail msg='no': <% $.bad %>\n        - u\n    u:\n      join: one\n      with-items: i in [1, 2]\n",
    )[0];
    let v = serde_json::to_value(wf).unwrap();
    let back: crate::lang::WorkflowSpec = serde_json::from_value(v).unwrap();
    assert_eq!(&back, wf);
}

/// Every part of a task survives its JSON text (which leaves out what is
/// absent or at its default): what an upload stores and the engine reads.
#[test]
fn every_task_part_round_trips_through_json_text() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  description: d\n  tags: [x]\n  vars: {v: 1}\n  output: {o: <% $.v %>}\n  task-defaults:\n    timeout: 9\n  tasks:\n    t:\n      description: td\n      tags: [y]\n      action: std.echo\n      input: {output: 1}\n      publish: {a: 1}\n      publish-on-error: {e: 2}\n      publish-on-skip: {s: 3}\n      keep-result: false\n      safe-rerun: true\n      target: w1\n      wait-before: 1\n      concurrency: 2\n      retry: {count: 2, delay: 1, break-on: <% $.x %>}\n      on-success:\n        publish: {branch: {b: 1}, global: {g: 2}}\n        next: [u]\n      on-error: [noop]\n      on-complete:\n        - succeed\n      on-skip: [u]\n    u:\n      join: all\n      action: std.noop\n",
    )[0];
    let text = serde_json::to_string(wf).unwrap();
    let back: crate::lang::WorkflowSpec = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, wf);
    assert_eq!(back.raw.task("t"), wf.raw.task("t"));
}

#[test]
fn falsy_task_policies_leave_defaults_in_force() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  task-defaults:\n    timeout: 10\n    pause-before: true\n    wait-after: <% 3 %>\n  tasks:\n    a:\n      timeout: 0\n      pause-before: false\n      wait-after: 1\n    b:\n      concurrency: 0\n",
    )[0];
    let a = &wf.tasks["a"].policies;
    assert_eq!(
        (
            a.timeout.clone(),
            a.pause_before.clone(),
            a.wait_after.clone()
        ),
        (Some(json!(10)), Some(json!(true)), Some(json!(1)))
    );
    let b = &wf.tasks["b"].policies;
    assert_eq!(
        (
            b.timeout.clone(),
            b.concurrency.clone(),
            b.wait_after.clone()
        ),
        (Some(json!(10)), Some(json!(0)), Some(json!("<% 3 %>")))
    );
}
