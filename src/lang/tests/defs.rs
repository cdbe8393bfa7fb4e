//! Action lists and workbooks: what they parse into and how they are refused.

use serde_json::json;

use crate::lang::{parse_actions, parse_workbook};

fn action_errs(text: &str) -> Vec<String> {
    match parse_actions(text) {
        Ok(_) => panic!("expected diagnostics\n---\n{text}"),
        Err(d) => d.0.iter().map(super::located).collect(),
    }
}

fn workbook_errs(text: &str) -> Vec<String> {
    match parse_workbook(text) {
        Ok(_) => panic!("expected diagnostics\n---\n{text}"),
        Err(d) => d.0.iter().map(super::located).collect(),
    }
}

#[test]
fn action_list() {
    let text = "version: '2.0'\ngreet:\n  description: says hi\n  tags: [a]\n  base: std.echo output=\"x\"\n  base-input:\n    output: <% $.name %>\n    delay: 0\n  input:\n    - name\n    - loud: no\n  output: <% $.upper() %>\nplain:\n  base: greet\n";
    let specs = parse_actions(text).unwrap();
    assert_eq!(specs.len(), 2);
    let a = &specs[0];
    assert_eq!(a.name, "greet");
    assert_eq!(a.base, "std.echo");
    // The inline parameter wins over base-input.
    assert_eq!(json!(a.base_input), json!({"output": "x", "delay": 0}));
    assert_eq!(a.input[1].default, Some(json!(false)));
    assert_eq!(a.output, Some(json!("<% $.upper() %>")));
    assert_eq!(a.description.as_deref(), Some("says hi"));
    assert_eq!(a.definition, text);
    assert_eq!(
        crate::lang::action_input_string(&a.input),
        "name, loud=false"
    );
    assert_eq!(specs[1].base, "greet");
}

#[test]
fn action_list_problems_all_at_once() {
    let errs =
        action_errs("version: '2.0'\na1:\n  base-input:\n    x: <% $.( %>\n  bogus: 1\na2: 3\n");
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(
        errs[0].starts_with("a1 (line 2, column 1): 'base' is a required property"),
        "{errs:?}"
    );
    assert!(
        errs[1].starts_with("a1.base-input.x (line 4, column 8)"),
        "{errs:?}"
    );
    assert!(
        errs[2].contains("Additional properties are not allowed ('bogus' was unexpected)"),
        "{errs:?}"
    );
    assert!(errs[3].contains("3 is not of type 'object'"), "{errs:?}");
    assert_eq!(
        action_errs("a1:\n  base: std.noop\n"),
        ["version (line 1, column 1): 'version' is a required property"]
    );
    // Like a workflow list, an action list takes any version value.
    assert!(parse_actions("version: '3.0'\na:\n  base: std.noop\n").is_ok());
    assert!(action_errs("version: '2.0'\n")[0].contains("no action"));
}

#[test]
fn workbook() {
    let text = "version: '2.0'\nname: wb\ntags: [t]\nworkflows:\n  version: '2.0'\n  main:\n    tasks:\n      t1:\n        action: local\n  sub-1:\n    tasks:\n      t1:\n        action: std.noop\nactions:\n  local:\n    base: std.echo output=1\n";
    let wb = parse_workbook(text).unwrap();
    assert_eq!(wb.name, "wb");
    assert_eq!(wb.tags, ["t"]);
    let names: Vec<&str> = wb.workflows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["main", "sub-1"]);
    assert_eq!(wb.actions[0].name, "local");
    assert!(
        wb.workflows[0].definition.contains("main:"),
        "{}",
        wb.workflows[0].definition
    );
    assert!(!wb.workflows[0].definition.contains("sub-1"));
    assert!(wb.actions[0].definition.contains("local:"));
}

#[test]
fn workbook_problems_all_at_once() {
    let errs = workbook_errs(
        "version: '2.0'\nextra: 1\nworkflows:\n  bad.name:\n    tasks: {}\n  w:\n    tasks:\n      t1:\n        action: std.noop\n        on-success: [t9]\nactions: {}\n",
    );
    let all = errs.join("\n");
    assert!(all.contains("'name' is a required property"), "{all}");
    assert!(
        all.contains("Additional properties are not allowed ('extra' was unexpected)"),
        "{all}"
    );
    assert!(
        all.contains("workflows.bad.name (line 4, column 3): 'bad.name' does not match"),
        "{all}"
    );
    assert!(all.contains("workflows.w.tasks.t1.on-success"), "{all}");
    assert!(all.contains("actions (line 11"), "{all}");
}
