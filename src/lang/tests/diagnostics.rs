//! Every diagnostic, with paths and positions, and several at once.

use super::{check_errs, errs, wf_with_tasks};

fn task_errs(body: &str) -> Vec<String> {
    errs(&wf_with_tasks(body))
}

fn check_task(body: &str, expected: &[&str]) {
    assert_eq!(task_errs(body), expected, "\n---\n{body}");
}

#[test]
fn version() {
    check_errs(
        "wf:\n  tasks:\n    t: {action: std.noop}\n",
        &["version (line 1, column 1): 'version' is a required property"],
    );
    // Mistral takes any value for a workflow list's version.
    for v in ["'3.0'", "1", "x", "'1.0'"] {
        super::ok(&format!(
            "version: {v}\nwf:\n  tasks:\n    t: {{action: std.noop}}\n"
        ));
    }
}

#[test]
fn document_shape() {
    check_errs(
        "version: '2.0'\n",
        &[" (line 1, column 1): At least one item must be in the list [data={'version': '2.0'}]."],
    );
    check_errs(
        "",
        &[
            "'version' is a required property",
            "the document holds no workflow",
        ]
        .map(|m| format!(": {m}"))
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    check_errs(
        "[1]",
        &[" (line 1, column 1): [1] is not of type 'object'\n\nOn instance"],
    );
    check_errs(
        "version: '2.0'\nwf: 3\n",
        &["wf (line 2, column 5): 3 is not of type 'object'\n\nOn instance['wf']"],
    );
    check_errs(
        "version: '2.0'\n123e4567-e89b-12d3-a456-426655440000:\n  tasks:\n    t: {action: std.noop}\n",
        &[
            "123e4567-e89b-12d3-a456-426655440000 (line 2, column 1): Workflow name cannot be in the format of UUID.",
        ],
    );
}

#[test]
fn workflow_keys() {
    check_errs(
        "version: '2.0'\nwf:\n  type: sideways\n  tasks:\n    t: {action: std.noop}\n",
        &[
            "wf.type (line 3, column 9): Failed to find a specification class to instantiate [spec_cls=<class 'mistral.lang.v2.workflows.WorkflowSpec'>, data={'type': 'sideways', 'tasks': {'t': {'action': 'std.noop'}}, 'name': 'wf', 'version': '2.0'}]",
        ],
    );
    // Mistral's workflow schema lets unknown keys through; they are ignored.
    let wfs = super::ok(
        "version: '2.0'\nwf:\n  colour: red\n  inputs: [a]\n  tasks:\n    t: {action: std.noop}\n",
    );
    assert!(wfs[0].input.is_empty());
    check_errs(
        "version: '2.0'\nwf:\n  description: x\n",
        &["wf (line 2, column 1): 'tasks' is a required property"],
    );
    check_errs(
        "version: '2.0'\nwf:\n  tasks: {}\n",
        &["wf.tasks (line 3, column 10): {} should be non-empty\n\nOn instance['tasks']"],
    );
    check_errs(
        "version: '2.0'\nwf:\n  input: [a, {b: 1, c: 2}, a, 3]\n  tasks:\n    t: {action: std.noop}\n",
        &[
            "wf.input (line 3, column 10): ['a', {'b': 1, 'c': 2}, 'a', 3] has non-unique elements\n\nOn instance['input']",
            "wf.input[1] (line 3, column 14): {'b': 1, 'c': 2} is not valid under any of the given schemas\n\nOn instance['input'][1]",
            "wf.input[3] (line 3, column 31): 3 is not valid under any of the given schemas\n\nOn instance['input'][3]",
        ],
    );
    check_errs(
        "version: '2.0'\nwf:\n  output: 3\n  vars: {}\n  tasks:\n    t: {action: std.noop}\n",
        &[
            "wf.output (line 3, column 11): 3 is not of type 'object'\n\nOn instance['output']",
            "wf.vars (line 4, column 9): {} should be non-empty\n\nOn instance['vars']",
        ],
    );
}

#[test]
fn dangling_targets() {
    check_task(
        "t1:\n  on-success:\n    - t2\n    - t9\n  on-error: t8\nt2: {action: std.noop}\n",
        &[
            "wf.tasks.t1.on-success[1] (line 7, column 11): Task 't9' not found.",
            "wf.tasks.t1.on-error (line 8, column 17): Task 't8' not found.",
        ],
    );
    check_task(
        "t1:\n  on-complete:\n    - t7: <% $.x %>\n",
        &["wf.tasks.t1.on-complete[0].t7 (line 6, column 11): Task 't7' not found."],
    );
    check_task(
        "t1:\n  on-success:\n    next: [zz]\n",
        &["wf.tasks.t1.on-success.next[0] (line 6, column 16): Task 'zz' not found."],
    );
}

#[test]
fn default_dangling_targets_reported_once() {
    check_errs(
        "version: '2.0'\nwf:\n  task-defaults:\n    on-error: [nope]\n  tasks:\n    a: {action: std.noop}\n    b: {action: std.noop}\n",
        &["wf.task-defaults.on-error[0] (line 4, column 16): Task 'nope' not found."],
    );
}

#[test]
fn start_tasks_and_joins() {
    check_task(
        "a:\n  on-success: b\nb:\n  on-success: a\n",
        &[
            "wf.tasks (line 4, column 5): Failed to find start tasks in direct workflow. There must be at least one task without inbound transition.[workflow_name=wf]",
        ],
    );
    check_task(
        "a:\n  on-success: j\nj:\n  join: 2\n",
        &[
            "wf.tasks.j.join (line 7, column 13): Not enough inbound tasks for task with 'join' [task_name=j, join=2, inbound_tasks=1]",
        ],
    );
    check_task(
        "a: {action: std.noop}\nj:\n  join: all\n",
        &[
            "wf.tasks.j.join (line 6, column 13): No inbound tasks for task with 'join: all' [task_name=j]",
        ],
    );
    check_task(
        "a: {action: std.noop}\nj:\n  join: some\n",
        &[
            "wf.tasks.j.join (line 6, column 13): 'some' is not valid under any of the given schemas\n\nOn instance['join']",
        ],
    );
}

#[test]
fn task_keys() {
    check_task(
        "t1:\n  action: a\n  workflow: w\n",
        &[
            "wf.tasks.t1 (line 5, column 7): {'action': 'a', 'workflow': 'w', 'type': 'direct', 'name': 't1', 'version': '2.0'} is valid under each of {'type': 'object', 'required': ['workflow']}, {'type': 'object', 'required': ['action']}",
        ],
    );
    check_task(
        "t1:\n  colour: red\n",
        &[
            "wf.tasks.t1 (line 5, column 7): Additional properties are not allowed ('colour' was unexpected)",
        ],
    );
    check_task(
        "t1:\n  requires: [x]\n",
        &[
            "wf.tasks.t1 (line 5, column 7): Additional properties are not allowed ('requires' was unexpected)",
        ],
    );
    check_task(
        "t1: 3\n",
        &["wf.tasks.t1 (line 4, column 9): 3 is not of type 'object'\n\nOn instance"],
    );
    check_task(
        "t1:\n  input: 3\n",
        &[
            "wf.tasks.t1.input (line 5, column 14): 3 is not valid under any of the given schemas\n\nOn instance['input']",
        ],
    );
    check_task(
        "t1:\n  input: {}\n",
        &["wf.tasks.t1.input (line 5, column 14): {} should be non-empty\n\nOn instance"],
    );
    check_task(
        "t1:\n  action: std.echo x=1\n  input: <% $.i %>\n",
        &[
            "wf.tasks.t1.input (line 6, column 14): an expression 'input' cannot be combined with inline parameters",
        ],
    );
    check_task(
        "t1:\n  action: ''\n",
        &[
            "wf.tasks.t1.action (line 5, column 15): '' should be non-empty\n\nOn instance['action']",
        ],
    );
    check_task(
        "t1:\n  action: '=x y'\n",
        &["wf.tasks.t1.action (line 5, column 15): Invalid action/workflow task property: =x y"],
    );
}

#[test]
fn reverse_workflow_keys() {
    check_errs(
        "version: '2.0'\nwf:\n  type: reverse\n  tasks:\n    a:\n      requires: [b, zz]\n      on-success: b\n    b: {action: std.noop}\n",
        &[
            "wf.tasks.a.requires[1] (line 6, column 21): Task 'zz' not found.",
            "wf.tasks.a (line 7, column 7): Additional properties are not allowed ('on-success' was unexpected)",
        ],
    );
}

#[test]
fn policy_values() {
    check_task(
        "t1:\n  timeout: -1\n  wait-before: x\n  pause-before: 1\n  concurrency: 1.5\n",
        &[
            "wf.tasks.t1.timeout (line 5, column 16): -1 is not valid under any of the given schemas\n\nOn instance",
            "wf.tasks.t1.wait-before (line 6, column 20): 'x' is not valid under any of the given schemas\n\nOn instance",
            "wf.tasks.t1.pause-before (line 7, column 21): 1 is not valid under any of the given schemas\n\nOn instance",
            "wf.tasks.t1.concurrency (line 8, column 20): 1.5 is not valid under any of the given schemas\n\nOn instance",
        ],
    );
    check_task(
        "t1:\n  retry:\n    count: 1\n    sleep: 2\n",
        &[
            "wf.tasks.t1.retry (line 6, column 9): {'count': 1, 'sleep': 2} is not valid under any of the given schemas\n\nOn instance['retry']",
        ],
    );
    check_task(
        "t1:\n  retry: count=3\n",
        &["wf.tasks.t1.retry (line 5, column 14): 'delay' is a required property"],
    );
    check_task(
        "t1:\n  retry:\n    count: 1\n    delay: 1\n    break-on: true\n",
        &[
            "wf.tasks.t1.retry.break-on (line 8, column 19): True is not valid under any of the given schemas\n\nOn instance['break-on']",
        ],
    );
    check_task(
        "t1:\n  keep-result: maybe\n",
        &[
            "wf.tasks.t1.keep-result (line 5, column 20): 'maybe' is not valid under any of the given schemas\n\nOn instance",
        ],
    );
}

#[test]
fn clause_shapes() {
    check_task(
        "t1:\n  on-success: 3\n",
        &[
            "wf.tasks.t1.on-success (line 5, column 19): 3 is not valid under any of the given schemas\n\nOn instance",
        ],
    );
    check_task(
        "t1:\n  on-success: []\n",
        &[
            "wf.tasks.t1.on-success (line 5, column 19): [] is not valid under any of the given schemas\n\nOn instance",
        ],
    );
    check_task(
        "t1:\n  on-success: [t2, t2]\nt2: {action: std.noop}\n",
        &[
            "wf.tasks.t1.on-success (line 5, column 19): ['t2', 't2'] is not valid under any of the given schemas\n\nOn instance",
        ],
    );
    check_task(
        "t1:\n  on-success:\n    - t2: yes\nt2: {action: std.noop}\n",
        &[
            "wf.tasks.t1.on-success[0].t2 (line 6, column 15): True is not valid under any of the given schemas\n\nOn instance['t2']",
        ],
    );
    check_task(
        "t1:\n  on-success: 't2 t3'\n",
        &[
            "wf.tasks.t1.on-success (line 5, column 19): 't2 t3' is not valid under any of the given schemas\n\nOn instance",
        ],
    );
    check_task(
        "t1:\n  on-success:\n    - {t2: <% 1 %>, t3: <% 2 %>}\n",
        &[
            "wf.tasks.t1.on-success[0] (line 6, column 11): {'t2': '<% 1 %>', 't3': '<% 2 %>'} is not valid under any of the given schemas\n\nOn instance",
        ],
    );
    check_task(
        "t1:\n  on-success:\n    publish:\n      x: 1\n",
        &[
            "wf.tasks.t1.on-success.publish (line 7, column 11): {'x': 1} is not valid under any of the given schemas\n\nOn instance['publish']",
        ],
    );
    // jsonschema's best match over the four clause forms: causes at
    // `next` tie, so the mapping itself is named; an extra key is read as
    // a guard by the one-key form and is the earliest deepest cause.
    check_task(
        "t1:\n  on-success:\n    next: [t2, t2]\n    publish: {branch: {a: 1}}\nt2: {action: std.noop}\n",
        &[
            "wf.tasks.t1.on-success (line 6, column 9): {'next': ['t2', 't2'], 'publish': {'branch': {'a': 1}}} is not valid under any of the given schemas\n\nOn instance['on-success']",
        ],
    );
    check_task(
        "t1:\n  on-success:\n    next: t2\n    delay: 5\nt2: {action: std.noop}\n",
        &[
            "wf.tasks.t1.on-success.delay (line 7, column 16): 5 is not valid under any of the given schemas\n\nOn instance['delay']",
        ],
    );
    super::ok(&wf_with_tasks(
        "t1:\n  on-success:\n    next: t2\n    publish: {description: d, branch: {a: 1}}\nt2: {action: std.noop}\n",
    ));
    check_task(
        "t1:\n  on-success:\n    publish: {}\n",
        &[
            "wf.tasks.t1.on-success.publish (line 6, column 18): Either 'branch', 'global' or 'atomic' must be specified",
        ],
    );
}

#[test]
fn with_items_errors() {
    check_task(
        "t1:\n  with-items: x of y\n",
        &[
            "wf.tasks.t1.with-items (line 5, column 19): Wrong format of 'with-items' property. Please use format 'var in {[some, list] | <% $.array %> }: {'with-items': 'x of y', 'type': 'direct', 'name': 't1', 'version': '2.0'}",
        ],
    );
    check_task(
        "t1:\n  with-items:\n    - x in [1,\n",
        &[
            "wf.tasks.t1.with-items[0] (line 6, column 11): Wrong format of 'with-items' property. Please use format 'var in {[some, list] | <% $.array %> }: {'with-items': ['x in [1,'], 'type': 'direct', 'name': 't1', 'version': '2.0'}",
        ],
    );
    check_task(
        "t1:\n  with-items: x in [1, }]\n",
        &[
            "wf.tasks.t1.with-items (line 5, column 19): Invalid array in 'with-items' clause: [1, }], error: Expecting value: line 1 column 5 (char 4)",
        ],
    );
}

#[test]
fn mixed_expressions() {
    check_task(
        "t1:\n  publish:\n    x: <% $.a %> {{ _.b }}\n",
        &[
            "wf.tasks.t1.publish.x (line 6, column 12): The line already contains an expression of type 'jinja'. Mixing expression types in a single line is not allowed.",
        ],
    );
}

#[test]
fn many_problems_at_once() {
    check_errs(
        "version: '2.0'\nwf:\n  bogus: 1\n  tasks:\n    a:\n      on-success: [nope]\n      timeout: x\n    b:\n      frobnicate: 1\n      on-error: [fail, a, a]\nw2: 5\n",
        &[
            "wf.tasks.a.on-success[0] (line 6, column 20): Task 'nope' not found.",
            "wf.tasks.a.timeout (line 7, column 16): 'x' is not valid under any of the given schemas\n\nOn instance",
            "wf.tasks.b (line 9, column 7): Additional properties are not allowed ('frobnicate' was unexpected)",
            "wf.tasks.b.on-error (line 10, column 17): ['fail', 'a', 'a'] is not valid under any of the given schemas\n\nOn instance",
            "w2 (line 11, column 5): 5 is not of type 'object'\n\nOn instance['w2']",
        ],
    );
}

#[test]
fn meta_attributes() {
    check_errs(
        "version: '2.0'\nwf:\n  description: ''\n  tags: [a, a, 3]\n  tasks:\n    t:\n      tags: []\n      description: null\n",
        &[
            "wf.tags (line 4, column 9): ['a', 'a', 3] has non-unique elements\n\nOn instance['tags']",
            "wf.tags[2] (line 4, column 16): 3 is not of type 'string'\n\nOn instance['tags'][2]",
            "wf.tasks.t.tags (line 7, column 13): [] should be non-empty\n\nOn instance['tags']",
            "wf.tasks.t.description (line 8, column 20): None is not of type 'string'\n\nOn instance['description']",
        ],
    );
}

#[test]
fn mixed_expressions_everywhere() {
    let mixed = "'<% 1 %>{{ 2 }}'";
    for (attr, path, col) in [
        (
            "action: \"std.echo x='<% 1 %>{{ 2 }}'\"".to_string(),
            "action",
            15,
        ),
        (format!("input: {mixed}"), "input", 14),
        (
            "on-success: [{t2: '<% 1 %>{{ 2 }}%>'}]".to_string(),
            "on-success[0].t2",
            25,
        ),
    ] {
        let body = format!("t1:\n  {attr}\nt2: {{action: std.noop}}\n");
        let e = task_errs(&body);
        assert_eq!(e.len(), 1, "{attr}: {e:?}");
        assert!(
            e[0].starts_with(&format!("wf.tasks.t1.{path} (line 5, column {col})")),
            "{attr}: {e:?}"
        );
        assert!(e[0].contains("Mixing expression types"), "{attr}: {e:?}");
    }
    check_errs(
        "version: '2.0'\nwf:\n  input:\n    - a: <% 1 %>{{ 2 }}\n  vars:\n    v: <% 1 %>{{ 2 }}\n  output:\n    o: ['<% 1 %>{{ 2 }}']\n  tasks:\n    t: {action: std.noop}\n",
        // Only `vars.v` is checked: input defaults are values, and
        // expressions are checked one level deep (`output.o[0]` is two).
        &[
            "wf.vars.v (line 6, column 8): The line already contains an expression of type 'jinja'. Mixing expression types in a single line is not allowed.",
        ],
    );
}

#[test]
fn uuid_like_names() {
    for name in [
        "123e4567-e89b-12d3-a456-426655440000",
        "123E4567E89B12D3A456426655440000",
        "'{123e4567-e89b-12d3-a456-426655440000}'",
        "urn:uuid:123e4567-e89b-12d3-a456-426655440000",
    ] {
        let e = errs(&format!(
            "version: '2.0'\n{name}:\n  tasks:\n    t: {{action: std.noop}}\n"
        ));
        assert_eq!(e.len(), 1, "{name}: {e:?}");
        assert!(
            e[0].ends_with("Workflow name cannot be in the format of UUID."),
            "{e:?}"
        );
    }
    super::ok(
        "version: '2.0'\n123e4567-e89b-12d3-a456-42665544000:\n  tasks:\n    t: {action: std.noop}\n",
    );
}

#[test]
fn secrets_name_declared_inputs() {
    let wfs = super::ok(
        "version: '2.0'\nwf:\n  input: [user, pin]\n  secrets: [pin]\n  tasks:\n    t: {action: std.noop}\n",
    );
    assert_eq!(wfs[0].secrets, vec!["pin".to_string()]);
    check_errs(
        "version: '2.0'\nwf:\n  input: [user]\n  secrets: [pin]\n  tasks:\n    t: {action: std.noop}\n",
        &["wf.secrets (line 4, column 12): 'pin' in 'secrets' is not a declared input"],
    );
}

#[test]
fn collection_tags_and_problem_count_are_bounded() {
    check_errs(
        "version: '2.0'\nwf: !custom\n  tasks:\n    t: {action: std.noop}\n",
        &[
            " (line 2, column 5): Definition could not be parsed: could not determine a constructor for the tag '!custom'\n  in \"<unicode string>\", line 2, column 5:\n    wf: !custom\n        ^\n",
        ],
    );
    assert!(
        super::ok("version: '2.0'\nwf: !!map\n  tasks: !!map\n    t: {action: std.noop}\n").len()
            == 1
    );
    let mut doc = String::from("version: '2.0'\n");
    for i in 0..500 {
        doc.push_str(&format!("k{i}: 1\n"));
    }
    let e = errs(&doc);
    assert_eq!(e.len(), 101);
    assert!(e[100].ends_with("... and 400 more problems"), "{}", e[100]);
}

#[test]
fn yaml_dates_refused_where_the_schema_checks_types() {
    check_errs(
        "version: '2.0'\nwf:\n  vars:\n    when: 2020-01-02\n  tasks:\n    t: {action: std.noop}\n",
        &[
            "wf.vars.when (line 4, column 11): datetime.date(2020, 1, 2) is not valid under any of the given schemas\n\nOn instance['vars']['when']",
        ],
    );
    check_task(
        "t1:\n  action: std.echo\n  input:\n    output: 2020-01-02 10:00:00\n",
        &[
            "wf.tasks.t1.input.output (line 7, column 17): datetime.datetime(2020, 1, 2, 10, 0) is not valid under any of the given schemas\n\nOn instance['output']",
        ],
    );
    // Deeper down Mistral does not look; the value stays text here.
    let wfs = super::ok(
        "version: '2.0'\nwf:\n  vars:\n    x:\n      y: 2020-01-02\n  tasks:\n    t: {action: std.noop}\n",
    );
    assert_eq!(wfs[0].vars["x"]["y"], "2020-01-02");
    // Quoted, it is a string.
    super::ok(
        "version: '2.0'\nwf:\n  vars:\n    when: '2020-01-02'\n  tasks:\n    t: {action: std.noop}\n",
    );
}

#[test]
fn version_schema() {
    for (v, repr) in [("null", "None"), ("''", "''"), ("-1", "-1"), ("[1]", "[1]")] {
        let e = errs(&format!(
            "version: {v}\nwf:\n  tasks:\n    t: {{action: std.noop}}\n"
        ));
        assert_eq!(
            e,
            [format!(
                "version (line 1, column 10): {repr} is not valid under any of the given schemas\n\nOn instance['version']"
            )]
        );
    }
}

#[test]
fn raw_spec_is_mistrals_spec_dict() {
    let wfs = super::ok(
        "version: '2.0'\nwf:\n  type: reverse\n  input: [a]\n  tasks:\n    t:\n      action: std.noop\n",
    );
    assert_eq!(
        wfs[0].raw.value(),
        serde_json::json!({
            "type": "reverse", "input": ["a"],
            "tasks": {"t": {"action": "std.noop", "type": "reverse", "name": "t", "version": "2.0"}},
            "name": "wf", "version": "2.0"
        })
    );
    assert_eq!(
        crate::domain::pytext::repr(&wfs[0].raw.value()),
        "{'type': 'reverse', 'input': ['a'], 'tasks': {'t': {'action': 'std.noop', 'type': 'reverse', 'name': 't', 'version': '2.0'}}, 'name': 'wf', 'version': '2.0'}"
    );
}

#[test]
fn upload_expression_errors_as_mistral_words_them() {
    // YAQL positions count from just after `<%`, blanks included.
    check_task(
        "t1:\n  publish:\n    x: <% $.__execution.id %>\n",
        &[
            "wf.tasks.t1.publish.x (line 6, column 12): Lexical error: illegal character '_' at position 3",
        ],
    );
    let e = task_errs("t1:\n  publish:\n    x: '{{ _.a + }}'\n");
    assert!(e[0].contains("): Syntax error '"), "{e:?}");
}

#[test]
fn repeated_inputs_merge_as_mistral_does() {
    let input = |list: &str| {
        let wfs = super::ok(&format!(
            "version: '2.0'\nwf:\n  input: {list}\n  tasks:\n    t: {{action: std.noop}}\n"
        ));
        wfs[0]
            .input
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        input("[a, b, {a: 1}]"),
        [("a".into(), Some(serde_json::json!(1))), ("b".into(), None)]
    );
    assert_eq!(input("[{a: 1}, a]"), [("a".into(), None)]);
    assert_eq!(
        input("[{a: 1}, {a: 2}]"),
        [("a".into(), Some(serde_json::json!(2)))]
    );
    // The workflow's description is not typed.
    let wfs =
        super::ok("version: '2.0'\nwf:\n  description: 5\n  tasks:\n    t: {action: std.noop}\n");
    assert_eq!(wfs[0].description.as_deref(), Some("5"));
}
