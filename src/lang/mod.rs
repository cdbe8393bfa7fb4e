//! Workflow language v2: YAML text in, validated typed specs out, with every
//! problem of a document reported at once (path, line, column). Never does I/O.

//!
//! Layout: `crate::yaml` loads text into positioned nodes (plain scalars
//! resolved the YAML 1.1 way, as Mistral's PyYAML does: `yes/no/on/off`
//! are booleans, quoted text never is); `workflow` and `task` build the specs,
//! with `clause` for `on-*` clauses and `cmd` for the inline string
//! grammars (`std.echo x=1`, `fail(msg=...)`, `x in <% $.xs %>`); `check`
//! collects diagnostics; `render` derives the API's `definition`, `input`
//! and `interface` fields; `defs` builds action lists and workbooks;
//! `lint` finds what parses but cannot work (warnings).
//!
//! Mistral's rules kept here: inline parameters win over `input` on a
//! conflict (`TaskSpec`: `merge_dicts(input, inline)`); a structured
//! `publish` takes only `branch`, `global` and `atomic`; a default `on-*`
//! clause also fills a task clause that has a `publish` but no `next`; a
//! single mapping as an `on-*` clause is the `{publish, next}` form, so
//! `{t2: <% guard %>}` makes no transition; unknown workflow keys are
//! ignored; a YAML date is refused where the schema checks a value's type.
//!
//! Problem texts are Mistral's (jsonschema's `'x' is a required property`,
//! `Additional properties are not allowed (...)`, `... is not valid under
//! any of the given schemas` with `On instance[...]`; `Task 'x' not
//! found.`); bora adds the path and position after each, and reports
//! every problem where Mistral stops at the first.

mod check;
mod clause;
mod cmd;
mod defs;
mod lint;
mod onschema;
mod raw;
mod render;
mod sparse;
mod spec;
mod task;
mod workflow;

#[cfg(test)]
mod tests;

pub use crate::yaml::Diagnostic;
pub use lint::{Document, is_workbook, lint, parse_document};
pub use render::{action_input_string, input_string, interface};
pub use spec::*;
pub(crate) use task::deep_merge;

use crate::yaml;

use std::fmt;

impl Diagnostics {
    /// The text of Mistral's error: `Invalid DSL: ` and the problems, or
    /// a syntax error's text alone (Mistral reports it without a prefix).
    pub fn mistral_text(&self) -> String {
        match &self.0[..] {
            [d] if d.is_syntax() => d.to_string(),
            _ => format!("Invalid DSL: {self}"),
        }
    }
}

/// Every problem of a rejected document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("; "))
    }
}

/// Most problems one document reports; the rest are counted.
const MAX_DIAGNOSTICS: usize = 100;

/// Parses a workflow-list document (`version: '2.0'` plus one key per
/// workflow) into validated specs, in document order. Every problem of the
/// document is reported at once (up to [`MAX_DIAGNOSTICS`]; the rest are
/// counted), each with its path and position.
pub fn parse_workflows(text: &str) -> Result<Vec<WorkflowSpec>, Diagnostics> {
    let root = yaml::load(text).map_err(|d| Diagnostics(vec![d]))?;
    let mut cx = check::Cx::default();
    let specs = workflow::document(&mut cx, root.as_ref(), text);
    if cx.diags.is_empty() {
        Ok(specs)
    } else {
        // Document order; the sort is stable, so problems found at one
        // place keep the order they were found in.
        cx.diags
            .sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
        if cx.diags.len() > MAX_DIAGNOSTICS {
            let more = cx.diags.len() - MAX_DIAGNOSTICS;
            cx.diags.truncate(MAX_DIAGNOSTICS);
            cx.diags.push(Diagnostic {
                path: String::new(),
                line: None,
                column: None,
                message: format!("... and {more} more problems"),
            });
        }
        Err(Diagnostics(cx.diags))
    }
}

/// Sorts and wraps the diagnostics of a parse, or returns `value`.
fn finish<T>(mut cx: check::Cx, value: T) -> Result<T, Diagnostics> {
    if cx.diags.is_empty() {
        Ok(value)
    } else {
        cx.diags
            .sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
        Err(Diagnostics(cx.diags))
    }
}

/// Parses an action-list document (`version: '2.0'` plus one key per
/// ad-hoc action) into validated specs, in document order, reporting every
/// problem at once as `parse_workflows` does.
pub fn parse_actions(text: &str) -> Result<Vec<ActionSpec>, Diagnostics> {
    let root = yaml::load(text).map_err(|d| Diagnostics(vec![d]))?;
    let mut cx = check::Cx::default();
    let specs = defs::action_document(&mut cx, root.as_ref(), text);
    finish(cx, specs)
}

/// Parses a workbook document (`name`, `description`, `tags`, `workflows`,
/// `actions`), reporting every problem at once.
pub fn parse_workbook(text: &str) -> Result<WorkbookSpec, Diagnostics> {
    let root = yaml::load(text).map_err(|d| Diagnostics(vec![d]))?;
    let mut cx = check::Cx::default();
    let spec = defs::workbook_document(&mut cx, root.as_ref(), text);
    match spec {
        Some(s) => finish(cx, s),
        None => Err(finish(cx, ())
            .err()
            .unwrap_or_else(|| Diagnostics(Vec::new()))),
    }
}
