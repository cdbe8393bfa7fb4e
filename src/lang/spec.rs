//! The validated, typed form of a workflow definition. A spec that exists is
//! valid: every transition names a task or an engine command, every
//! expression parsed. `task-defaults` are already applied to each task.
//!
//! Specs serialize to JSON so that an execution can keep the snapshot it
//! started with.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::raw::RawSpec;
pub use super::sparse::Sparse;

/// `direct` (the default) or `reverse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowKind {
    #[default]
    Direct,
    Reverse,
}

/// One workflow, validated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowSpec {
    pub name: String,
    pub kind: WorkflowKind,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Declared inputs in order; `default: None` means required.
    pub input: Vec<InputParam>,
    /// bora extension: inputs whose values are secret (masked in logs,
    /// `state_info` and error text). Not Mistral syntax.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// `output`, unevaluated.
    pub output: Option<Value>,
    /// `output-on-error`, unevaluated.
    pub output_on_error: Option<Value>,
    /// `vars`, unevaluated.
    pub vars: Map<String, Value>,
    /// Tasks in document order, with task-defaults applied; each boxed, so
    /// that a workflow of thousands of tasks makes no allocation of
    /// megabytes, which an allocator may keep once it is freed.
    pub tasks: IndexMap<String, Box<TaskSpec>>,
    /// This workflow's own YAML text (`version` line plus its section), as
    /// Mistral stores a workflow cut from a multi-workflow upload.
    pub definition: String,
    /// Mistral's spec dict of this workflow (what `execution().spec`
    /// shows): the workflow as written plus `name` and `version: '2.0'`,
    /// each task mapping with its `type`, `name` and `version`.
    #[serde(default)]
    pub raw: RawSpec,
}

/// A declared workflow (or ad-hoc action) input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputParam {
    pub name: String,
    /// `None` for a required input.
    pub default: Option<Value>,
}

/// Mistral's `validate_input` message when `given` does not fit `declared`:
/// `Invalid input [name=…, class=…, missing=['a'], unexpected=['b']]`.
pub fn input_mismatch(
    name: &str,
    class: &str,
    declared: &[InputParam],
    given: &Map<String, Value>,
) -> Option<String> {
    let missing: Vec<&str> = declared
        .iter()
        .filter(|p| p.default.is_none() && !given.contains_key(&p.name))
        .map(|p| p.name.as_str())
        .collect();
    let unexpected: Vec<&str> = given
        .keys()
        .map(String::as_str)
        .filter(|k| !declared.iter().any(|p| p.name == *k))
        .collect();
    mismatch_text(name, class, &missing, &unexpected)
}

/// Mistral's `check_parameters` of an action known by its parameter
/// string (an ad-hoc action's `input` as stored: `a, c=[1, 2]`): the
/// string is cut at every comma and each piece at `=`, so a default that
/// holds a comma yields a bogus required name (`2]`), as in Mistral. A
/// string holding `**` accepts anything.
pub fn params_mismatch(
    name: &str,
    class: &str,
    params: &str,
    given: &Map<String, Value>,
) -> Option<String> {
    if params.contains("**") {
        return None;
    }
    let mut expected: IndexMap<&str, bool> = IndexMap::new();
    if !params.is_empty() {
        for piece in params.split(',') {
            let piece = piece.trim();
            let mut kv = piece.split('=');
            let key = kv.next().unwrap_or_default();
            expected.insert(key, kv.next().is_some());
        }
    }
    let missing: Vec<&str> = expected
        .iter()
        .filter(|(k, defined)| !**defined && !given.contains_key(**k))
        .map(|(k, _)| *k)
        .collect();
    let unexpected: Vec<&str> = given
        .keys()
        .map(String::as_str)
        .filter(|k| !expected.contains_key(k))
        .collect();
    mismatch_text(name, class, &missing, &unexpected)
}

fn mismatch_text(name: &str, class: &str, missing: &[&str], unexpected: &[&str]) -> Option<String> {
    use crate::domain::pytext::names_repr;
    if missing.is_empty() && unexpected.is_empty() {
        return None;
    }
    let mut msg = format!("Invalid input [name={name}, class={class}");
    if !missing.is_empty() {
        msg += &format!(", missing={}", names_repr(missing));
    }
    if !unexpected.is_empty() {
        msg += &format!(", unexpected={}", names_repr(unexpected));
    }
    msg.push(']');
    Some(msg)
}

/// How many inbound transitions a join waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Join {
    /// `join: all`.
    All,
    /// `join: one` (= 1) or `join: N`.
    Count(u32),
}

/// A task, validated, with task-defaults applied. Its JSON leaves out
/// what is absent or at its default, so that a big workflow's stored spec
/// holds what its tasks say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// What the task runs.
    pub run: TaskRun,
    /// The input: `input` with the inline parameters merged in (the inline
    /// value wins a conflict), as an object; or one expression string that
    /// must evaluate to an object.
    pub input: Value,
    /// `with-items` clauses (zipped when several).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_items: Vec<WithItems>,
    /// `publish` (branch), evaluated on SUCCESS.
    #[serde(default, skip_serializing_if = "Sparse::is_absent")]
    pub publish: Sparse<Map<String, Value>>,
    /// `publish-on-error`.
    #[serde(default, skip_serializing_if = "Sparse::is_absent")]
    pub publish_on_error: Sparse<Map<String, Value>>,
    /// `publish-on-skip`, evaluated on SKIPPED.
    #[serde(default, skip_serializing_if = "Sparse::is_absent")]
    pub publish_on_skip: Sparse<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<Box<OnClause>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<Box<OnClause>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_complete: Option<Box<OnClause>>,
    /// `on-skip`: evaluated when the task is SKIPPED; when no target fires
    /// the engine falls through to `on_success`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_skip: Option<Box<OnClause>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<Join>,
    /// Reverse workflows: the tasks this one requires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Sparse::is_absent")]
    pub policies: Sparse<Policies>,
    /// `keep-result`: a bool or an expression; default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub keep_result: Value,
    /// `safe-rerun`: a bool or an expression; default false.
    #[serde(default = "no", skip_serializing_if = "is_false")]
    pub safe_rerun: Value,
    /// `target`, unevaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Value>,
}

fn yes() -> Value {
    Value::Bool(true)
}

fn no() -> Value {
    Value::Bool(false)
}

fn is_true(v: &Value) -> bool {
    *v == Value::Bool(true)
}

fn is_false(v: &Value) -> bool {
    *v == Value::Bool(false)
}

/// What a task runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskRun {
    /// An action by name (may be an expression). A task with neither
    /// `action` nor `workflow` runs `std.noop`.
    Action(String),
    /// A sub-workflow by name (may be an expression).
    Workflow(String),
}

/// One `var in <source>` clause of `with-items`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WithItems {
    pub var: String,
    /// A JSON list literal, or an expression string.
    pub source: Value,
}

/// Task policies; each value is a literal or an expression, evaluated at run time.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Policies {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_after: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Value>,
}

/// `retry: {count, delay, break-on, continue-on}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    pub count: Value,
    pub delay: Value,
    pub break_on: Option<Value>,
    pub continue_on: Option<Value>,
    /// bora extension: each retry waits `delay * backoff^n` (n = retries
    /// already made) instead of a constant `delay`. Absent: Mistral's
    /// constant delay.
    #[serde(default)]
    pub backoff: Option<Value>,
    /// bora extension: the longest a backed-off delay may grow.
    #[serde(default)]
    pub max_delay: Option<Value>,
}

/// An `on-success` / `on-error` / `on-complete` clause: an optional publish
/// (the structured form) and the transitions, in order.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct OnClause {
    /// `publish.branch` (or plain keys); flows downstream only.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub publish: Map<String, Value>,
    /// `publish.global`; merged into the workflow context.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub publish_global: Map<String, Value>,
    /// The clause has a structured `publish` (perhaps only `atomic`, which
    /// Mistral accepts and does not implement): it replaces the task's
    /// publish even when it has no `branch`, leaving `published` null.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publish_section: bool,
    pub next: Vec<Transition>,
}

/// One entry of an `on-*` clause.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub target: Target,
    /// The guard expression (`- t2: <% $.ok %>`); `None` always fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<Value>,
}

/// Where a transition goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Task(String),
    Command(EngineCommand),
}

/// Engine commands usable as transition targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "command")]
pub enum EngineCommand {
    /// `fail` (optionally `msg=...`): the workflow ends in ERROR.
    Fail { msg: Option<Value> },
    /// `succeed`: the workflow ends in SUCCESS.
    Succeed { msg: Option<Value> },
    /// `pause`: the workflow is PAUSED; the rest of the list runs on resume.
    Pause { msg: Option<Value> },
    /// `noop`: nothing.
    Noop,
}

impl EngineCommand {
    /// The command's name as a transition writes it.
    pub fn name(&self) -> &'static str {
        match self {
            EngineCommand::Fail { .. } => "fail",
            EngineCommand::Succeed { .. } => "succeed",
            EngineCommand::Pause { .. } => "pause",
            EngineCommand::Noop => "noop",
        }
    }
}

/// One ad-hoc action (`mistral/lang/v2/actions.py`), validated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionSpec {
    pub name: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// The action this one runs (a system action or another ad-hoc one),
    /// without its inline parameters.
    pub base: String,
    /// `base-input` with the inline parameters of `base` merged in (the
    /// inline value wins, as Mistral's `merge_dicts` does); unevaluated.
    pub base_input: Map<String, Value>,
    /// Declared inputs; defaults fill in absent keys.
    pub input: Vec<InputParam>,
    /// `output`: a structure or one expression, evaluated against the base
    /// action's result.
    pub output: Option<Value>,
    /// This action's YAML text.
    pub definition: String,
}

/// A workbook (`mistral/lang/v2/workbook.py`), validated. Its workflows
/// and actions keep their local names; they are stored as `<wb>.<name>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkbookSpec {
    pub name: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub workflows: Vec<WorkflowSpec>,
    pub actions: Vec<ActionSpec>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_are_read_as_mistral_cuts_the_input_string() {
        let given = |v: Value| v.as_object().cloned().unwrap_or_default();
        let class = "mistral.actions.adhoc.AdHocAction";
        // a list default holds a comma: its tail is a required name
        assert_eq!(
            params_mismatch("a", class, "a, c=[1, 2]", &given(json!({"a": 1}))).as_deref(),
            Some("Invalid input [name=a, class=mistral.actions.adhoc.AdHocAction, missing=['2]']]")
        );
        assert_eq!(
            params_mismatch("a", class, "a, c=\"x\"", &given(json!({"a": 1, "z": 2}))).as_deref(),
            Some(
                "Invalid input [name=a, class=mistral.actions.adhoc.AdHocAction, unexpected=['z']]"
            )
        );
        assert_eq!(params_mismatch("a", class, "", &given(json!({}))), None);
        assert_eq!(
            params_mismatch("a", class, "a, **kw", &given(json!({"q": 1}))),
            None
        );
    }
}
