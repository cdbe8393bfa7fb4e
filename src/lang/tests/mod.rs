//! Unit tests of the workflow language, one file per feature, each with
//! small `check`-style helpers and many one-line cases.

mod clauses;
mod cmd;
mod defs;
mod diagnostics;
mod render;
mod tasks;
mod yaml;

use super::{TaskSpec, WorkflowSpec, parse_workflows};

/// Parses a document that must be valid.
pub(super) fn ok(text: &str) -> Vec<WorkflowSpec> {
    match parse_workflows(text) {
        Ok(w) => w,
        Err(d) => panic!("unexpected diagnostics: {d}\n---\n{text}"),
    }
}

/// The diagnostics of a document that must be rejected, each as
/// `path (line l, column c): message`.
pub(super) fn errs(text: &str) -> Vec<String> {
    match parse_workflows(text) {
        Ok(_) => panic!("expected diagnostics\n---\n{text}"),
        Err(d) => d.0.iter().map(located).collect(),
    }
}

/// `path (line l, column c): message`, the layout these tests read.
pub(super) fn located(d: &crate::lang::Diagnostic) -> String {
    match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{} (line {l}, column {c}): {}", d.path, d.message),
        (Some(l), None) => format!("{} (line {l}): {}", d.path, d.message),
        _ => format!("{}: {}", d.path, d.message),
    }
}

/// Indents `body` under `tasks:` of a direct workflow `wf`.
pub(super) fn wf_with_tasks(body: &str) -> String {
    let mut s = String::from("version: '2.0'\nwf:\n  tasks:\n");
    for l in body.lines() {
        s.push_str("    ");
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Indents every line of `s` by `n` spaces.
pub(super) fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// The task `t1` of a workflow whose only task has these attributes.
pub(super) fn t1(attrs: &str) -> TaskSpec {
    let wfs = ok(&wf_with_tasks(&format!("t1:\n{}", indent(attrs, 2))));
    (*wfs[0].tasks["t1"]).clone()
}

/// Asserts that a document is rejected with exactly these diagnostics.
pub(super) fn check_errs(text: &str, expected: &[&str]) {
    assert_eq!(errs(text), expected, "\n---\n{text}");
}
