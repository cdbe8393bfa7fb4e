//! `definition`, `input_string` and `interface`.

use serde_json::json;

use super::ok;
use crate::lang::{input_string, interface};

const TWO: &str = "---\n# two workflows\nversion: '2.0'\n\nwf1:\n  # first\n  tasks:\n    t: {action: std.noop}\n\n# about wf2\nwf2:\n  input: [a]\n  tasks:\n    t: {action: std.noop}\n";

#[test]
fn single_workflow_keeps_the_whole_text() {
    let text = "version: '2.0'\n# note\nwf:\n  tasks:\n    t: {action: std.noop}\n";
    assert_eq!(ok(text)[0].definition, text);
}

#[test]
fn cut_from_a_multi_workflow_upload() {
    let wfs = ok(TWO);
    // Mistral stores each as `yaml.dump` writes its version and data:
    // block style, comments gone.
    assert_eq!(
        wfs[0].definition,
        "version: '2.0'\nwf1:\n  tasks:\n    t:\n      action: std.noop\n"
    );
    assert_eq!(
        wfs[1].definition,
        "version: '2.0'\nwf2:\n  input:\n  - a\n  tasks:\n    t:\n      action: std.noop\n"
    );
    // Each cut is itself a valid document naming one workflow.
    for wf in &wfs {
        let again = ok(&wf.definition);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].tasks, wf.tasks);
    }
}

#[test]
fn cut_keeps_a_numeric_version() {
    let wfs = ok(
        "version: 2.0\na:\n  tasks:\n    t: {action: std.noop}\nb:\n  tasks:\n    t: {action: std.noop}",
    );
    assert_eq!(
        wfs[1].definition,
        "version: 2.0\nb:\n  tasks:\n    t:\n      action: std.noop\n"
    );
}

#[test]
fn flow_style_upload_is_dumped() {
    let wfs = ok(
        "{version: '2.0', a: {tasks: {t: {action: std.noop}}}, b: {tasks: {t: {action: std.noop}}}}",
    );
    let again = ok(&wfs[1].definition);
    assert_eq!(again[0].name, "b");
    assert_eq!(again[0].tasks, wfs[1].tasks);
}

fn check_input(input: &str, expected: &str, iface: serde_json::Value) {
    let wf = &ok(&format!(
        "version: '2.0'\nwf:\n  input: {input}\n  output:\n    x: 1\n    y: 2\n  tasks:\n    t: {{action: std.noop}}\n"
    ))[0];
    assert_eq!(input_string(wf), expected, "{input}");
    assert_eq!(
        interface(wf),
        json!({"input": iface, "output": ["x", "y"]}),
        "{input}"
    );
}

#[test]
fn input_string_and_interface() {
    check_input("[a, b]", "a, b", json!(["a", "b"]));
    check_input("[a, {b: x}]", "a, b=\"x\"", json!(["a", {"b": "x"}]));
    check_input(
        "[{n: 1}, {f: 1.5}, {z: null}, {t: true}]",
        "n=\"1\", f=\"1.5\", z=\"None\", t=\"True\"",
        json!([{"n": 1}, {"f": 1.5}, {"z": null}, {"t": true}]),
    );
    check_input(
        "[{l: [1, 'a']}, {d: {k: \"it's\"}}]",
        "l=\"[1, 'a']\", d=\"{'k': \"it's\"}\"",
        json!([{"l": [1, "a"]}, {"d": {"k": "it's"}}]),
    );
}

#[test]
fn interface_without_input_or_output() {
    let wf = &ok("version: '2.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")[0];
    assert_eq!(input_string(wf), "");
    assert_eq!(interface(wf), json!({"input": [], "output": []}));
}
