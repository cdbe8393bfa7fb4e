//! The workflow-list document and each workflow in it
//! (`mistral/lang/v2/workflows.py`): attributes, task-defaults applied into
//! every task, and the graph checks (dangling targets, start tasks, joins,
//! `requires`). Called by `parse_workflows`.
//!
//! Invariant: a workflow is returned only when the whole document produced
//! no diagnostic; the caller discards specs otherwise.

use indexmap::IndexMap;
use serde_json::Value;
use std::collections::HashSet;

use super::check::{Cx, idx, key, py};
use super::clause::{Parsed, Ref};
use super::render;
use super::spec::{InputParam, OnClause, RawSpec, Target, TaskSpec, WorkflowKind, WorkflowSpec};
use super::task::{self, Clauses, Defaults, RawTask};
use super::yaml::{Kind, Node};

/// Parses a whole workflow-list document.
pub(crate) fn document(cx: &mut Cx, root: Option<&Node>, text: &str) -> Vec<WorkflowSpec> {
    let Some(root) = root else {
        cx.err_at("", 0, 0, "'version' is a required property");
        cx.err_at("", 0, 0, "the document holds no workflow");
        return Vec::new();
    };
    let Some(m) = root.as_map() else {
        cx.schema_err("", root, format!("{} is not of type 'object'", py(root)));
        return Vec::new();
    };
    // `version` is required, but Mistral checks a workflow list's value
    // only against its schema (a non-empty string or a non-negative
    // number; `parser.get_workflow_list_spec`): '1.0', '3.0', `x` are taken.
    match m.get("version") {
        None => cx.err("version", root, "'version' is a required property"),
        Some(e) if !version_schema_ok(&e.value) => cx.schema_err(
            "version",
            &e.value,
            format!(
                "{} is not valid under any of the given schemas",
                py(&e.value)
            ),
        ),
        Some(_) => {}
    }
    let names: Vec<&String> = m.keys().filter(|k| *k != "version").collect();
    if names.is_empty() {
        // Mistral's list spec refuses it after the schema passed, naming
        // the document as Python prints it.
        cx.err(
            "",
            root,
            format!("{} [data={}].", crate::yaml::EMPTY_LIST_PREFIX, py(root)),
        );
    }
    let mut out = Vec::new();
    for name in names {
        let Some(e) = m.get(name) else { continue };
        if let Some(mut wf) = workflow(cx, name, name, (e.line, e.col), &e.value) {
            wf.definition = render::definition(text, root, name);
            out.push(wf);
        }
    }
    out
}

/// The `version` schema of a document: `anyOf` a non-empty string, an
/// integer ≥ 0, a number ≥ 0.
pub(crate) fn version_schema_ok(v: &Node) -> bool {
    match &v.kind {
        Kind::Num(n) => n.as_f64().is_some_and(|f| f >= 0.0),
        Kind::Str(s) => !s.is_empty(),
        _ => false,
    }
}

/// Mistral's `_get_spec_version`: `str(float(v)) == '2.0'`.
pub(crate) fn version_ok(v: &Node) -> bool {
    match &v.kind {
        Kind::Num(n) => n.as_f64() == Some(2.0),
        Kind::Str(s) => s.trim().parse::<f64>().ok() == Some(2.0),
        _ => false,
    }
}

/// oslo's `is_uuid_like`: 32 hex digits once `urn:`, `uuid:`, braces and
/// dashes are removed (any case).
fn uuid_like(s: &str) -> bool {
    let hex: String = s
        .replace("urn:", "")
        .replace("uuid:", "")
        .trim_matches(|c| c == '{' || c == '}')
        .replace('-', "");
    hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One workflow named `name`, diagnosed under `path` (its name at the top
/// of a workflow list, `workflows.<name>` in a workbook).
pub(crate) fn workflow(
    cx: &mut Cx,
    path: &str,
    name: &str,
    (line, col): (u32, u32),
    node: &Node,
) -> Option<WorkflowSpec> {
    if name.is_empty() {
        cx.err_at(path, line, col, "a workflow name must not be empty");
    }
    if uuid_like(name) {
        cx.err_at(
            path,
            line,
            col,
            "Workflow name cannot be in the format of UUID.",
        );
    }
    let Some(m) = node.as_map() else {
        cx.base = String::new();
        cx.schema_err(path, node, format!("{} is not of type 'object'", py(node)));
        return None;
    };
    cx.base = path.to_string();
    let raw = RawSpec::new(&raw_spec(name, node));
    let kind = match m.get("type").map(|e| &e.value) {
        None => WorkflowKind::Direct,
        Some(v) => match v.as_str() {
            Some("direct") => WorkflowKind::Direct,
            Some("reverse") => WorkflowKind::Reverse,
            _ => {
                cx.err(
                    &key(path, "type"),
                    v,
                    format!(
                        "Failed to find a specification class to instantiate \
                         [spec_cls=<class 'mistral.lang.v2.workflows.WorkflowSpec'>, data={}]",
                        crate::domain::pytext::repr(&plain_spec(name, node))
                    ),
                );
                WorkflowKind::Direct
            }
        },
    };
    let mut wf = WorkflowSpec {
        name: name.to_string(),
        kind,
        description: None,
        tags: Vec::new(),
        input: Vec::new(),
        secrets: Vec::new(),
        output: None,
        output_on_error: None,
        vars: serde_json::Map::new(),
        tasks: IndexMap::new(),
        definition: String::new(),
        raw,
    };
    let mut defaults = Defaults::default();
    let mut raw: Vec<Box<RawTask>> = Vec::new();
    let mut tasks_node = None;
    for (k, e) in m {
        let p = key(path, k);
        let v = &e.value;
        cx.no_date(&p, v);
        match k.as_str() {
            "type" | "name" | "version" => {}
            // The workflow schema does not type `description`: any value
            // is taken (`description: 5` too).
            "description" => {
                wf.description = match v.to_json() {
                    Value::Null => None,
                    other => Some(crate::domain::pytext::str(&other)),
                }
            }
            "tags" => wf.tags = cx.string_list(&p, v).unwrap_or_default(),
            "input" => wf.input = input(cx, &p, v),
            "secrets" => wf.secrets = cx.string_list(&p, v).unwrap_or_default(),
            "output" => wf.output = cx.dict(&p, v).map(Value::Object),
            "output-on-error" => wf.output_on_error = cx.dict_unchecked(&p, v).map(Value::Object),
            "vars" => wf.vars = cx.dict(&p, v).unwrap_or_default(),
            "task-defaults" => defaults = task::defaults(cx, &p, v),
            "tasks" => {
                tasks_node = Some(v);
                raw = tasks(cx, kind, &p, v);
            }
            // Mistral's workflow schema lets any other key through and
            // ignores it (an `inputs:` typo declares no input).
            _ => {}
        }
    }
    if tasks_node.is_none() {
        cx.err_at(path, line, col, "'tasks' is a required property");
    }
    if let Some(e) = m.get("secrets") {
        for s in wf
            .secrets
            .iter()
            .filter(|s| !wf.input.iter().any(|i| &i.name == *s))
        {
            cx.err(
                &key(path, "secrets"),
                &e.value,
                format!("'{s}' in 'secrets' is not a declared input"),
            );
        }
    }
    let names: HashSet<String> = raw.iter().map(|t| t.spec.name.clone()).collect();
    // Defaults are checked only where they apply.
    match kind {
        WorkflowKind::Direct => check_refs(cx, &names, &defaults.clauses),
        WorkflowKind::Reverse => check_refs_list(cx, &names, &defaults.requires),
    }
    for t in &raw {
        check_refs(cx, &names, &t.clauses);
        check_refs_list(cx, &names, &t.requires);
    }
    wf.tasks.reserve_exact(raw.len());
    for t in raw {
        let spec = apply_defaults(*t, &defaults, kind);
        wf.tasks.insert(spec.name.clone(), Box::new(spec));
    }
    if kind == WorkflowKind::Direct
        && let Some(tn) = tasks_node
    {
        check_graph(cx, &key(path, "tasks"), tn, &wf);
    }
    Some(wf)
}

/// `input: [name | {name: default}]`.
pub(crate) fn input(cx: &mut Cx, path: &str, node: &Node) -> Vec<InputParam> {
    let Kind::Seq(items) = &node.kind else {
        cx.schema_err(path, node, format!("{} is not of type 'array'", py(node)));
        return Vec::new();
    };
    if items.is_empty() {
        cx.schema_err(path, node, "[] should be non-empty");
    }
    let mut out: Vec<InputParam> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let p = idx(path, i);
        let param = match &item.kind {
            Kind::Str(s) if !s.is_empty() => InputParam {
                name: s.clone(),
                default: None,
            },
            Kind::Map(m) if m.len() == 1 => {
                // A default is a value, never evaluated: Mistral does not
                // check expressions in it.
                let Some((k, e)) = m.first() else { continue };
                InputParam {
                    name: k.clone(),
                    default: Some(e.value.to_json()),
                }
            }
            _ => {
                cx.schema_err(
                    &p,
                    item,
                    format!("{} is not valid under any of the given schemas", py(item)),
                );
                continue;
            }
        };
        // Mistral's `get_dict_from_entries`: a later entry for a name
        // replaces the earlier one's default, in the earlier one's place.
        if !seen.insert(param.name.clone()) {
            if let Some(prev) = out.iter_mut().find(|q| q.name == param.name) {
                prev.default = param.default;
            }
            continue;
        }
        out.push(param);
    }
    // `uniqueItems`: only identical entries are refused.
    let values: Vec<Value> = items.iter().map(Node::to_json).collect();
    if values
        .iter()
        .enumerate()
        .any(|(i, v)| values[..i].contains(v))
    {
        cx.schema_err(path, node, format!("{} has non-unique elements", py(node)));
    }
    out
}

/// The tasks of a workflow, each boxed: a workflow of thousands of tasks
/// makes no allocation of megabytes (unboxed, 10,000 tasks are one of
/// 15 MB, whose pages the allocator keeps a while after the parse; a
/// 10,000-task upload then added 24-27 MiB of RSS instead of 14).
#[allow(clippy::vec_box)]
fn tasks(cx: &mut Cx, kind: WorkflowKind, path: &str, node: &Node) -> Vec<Box<RawTask>> {
    let Some(m) = node.as_map() else {
        cx.schema_err(path, node, format!("{} is not of type 'object'", py(node)));
        return Vec::new();
    };
    if m.is_empty() {
        cx.schema_err(path, node, "{} should be non-empty");
    }
    m.iter()
        .map(|(name, e)| Box::new(task::task(cx, kind, name, &key(path, name), &e.value)))
        .collect()
}

fn check_refs(cx: &mut Cx, names: &HashSet<String>, c: &Clauses) {
    for p in [&c.on_success, &c.on_error, &c.on_complete, &c.on_skip]
        .into_iter()
        .flatten()
    {
        check_refs_list(cx, names, &p.refs);
    }
}

fn check_refs_list(cx: &mut Cx, names: &HashSet<String>, refs: &[Ref]) {
    for r in refs {
        if !names.contains(&r.name) {
            cx.err_at(
                &r.path,
                r.line,
                r.col,
                format!("Task '{}' not found.", r.name),
            );
        }
    }
}

/// A default clause applies when the task's own clause has no transition;
/// the task never transitions to itself through a default
/// (`DirectWorkflowSpec.get_on_*_clause`).
fn merge_clause(own: Option<Parsed>, default: Option<&Parsed>, me: &str) -> Option<OnClause> {
    let own = own.map(|p| p.clause);
    let needs_default = own.as_ref().is_none_or(|c| c.next.is_empty());
    let Some(d) = default.filter(|_| needs_default) else {
        return own;
    };
    let next: Vec<_> = d
        .clause
        .next
        .iter()
        .filter(|t| t.target != Target::Task(me.to_string()))
        .cloned()
        .collect();
    match own {
        Some(mut c) => {
            c.next = next;
            Some(c)
        }
        None if next.is_empty() => None,
        None => Some(OnClause {
            next,
            ..OnClause::default()
        }),
    }
}

/// Applies task-defaults: policies one by one, `safe-rerun`, and by kind
/// the `on-*` clauses (direct) or the `requires` union (reverse).
fn apply_defaults(t: RawTask, d: &Defaults, kind: WorkflowKind) -> TaskSpec {
    let mut spec = t.spec;
    let me = spec.name.clone();
    let c = t.clauses;
    if kind == WorkflowKind::Direct {
        spec.on_success =
            merge_clause(c.on_success, d.clauses.on_success.as_ref(), &me).map(Box::new);
        spec.on_error = merge_clause(c.on_error, d.clauses.on_error.as_ref(), &me).map(Box::new);
        spec.on_complete =
            merge_clause(c.on_complete, d.clauses.on_complete.as_ref(), &me).map(Box::new);
        spec.on_skip = merge_clause(c.on_skip, d.clauses.on_skip.as_ref(), &me).map(Box::new);
    }
    // A task policy that is absent or falsy (0, false) leaves the default
    // in force (`mistral/engine/policies.py:construct_policies_list`).
    let mut policies = spec.policies.take();
    let p = &mut policies;
    let dp = &d.policies;
    if p.retry.is_none() {
        p.retry.clone_from(&dp.retry);
    }
    for (own, default) in [
        (&mut p.wait_before, &dp.wait_before),
        (&mut p.wait_after, &dp.wait_after),
        (&mut p.timeout, &dp.timeout),
        (&mut p.pause_before, &dp.pause_before),
        (&mut p.concurrency, &dp.concurrency),
        (&mut p.fail_on, &dp.fail_on),
    ] {
        if default.is_some() && own.as_ref().is_none_or(falsy_literal) {
            own.clone_from(default);
        }
    }
    spec.policies = policies.into();
    if !t.safe_rerun_set
        && let Some(s) = &d.safe_rerun
    {
        spec.safe_rerun = s.clone();
    }
    if kind == WorkflowKind::Reverse {
        let mut seen: HashSet<String> = HashSet::new();
        let requires: Vec<String> = t
            .requires
            .into_iter()
            .map(|r| r.name)
            .chain(d.requires.iter().map(|r| r.name.clone()))
            .filter(|r| *r != me && seen.insert(r.clone()))
            .collect();
        spec.requires = requires;
    }
    spec
}

/// `0` or `false`: a policy value Mistral treats as unset.
fn falsy_literal(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// Task names a task transitions to (any clause).
pub(crate) fn outbound(t: &TaskSpec) -> impl Iterator<Item = &str> {
    [&t.on_success, &t.on_error, &t.on_complete, &t.on_skip]
        .into_iter()
        .flatten()
        .flat_map(|c| c.next.iter())
        .filter_map(|tr| match &tr.target {
            Target::Task(n) => Some(n.as_str()),
            Target::Command(_) => None,
        })
}

/// Start tasks and join counts of a direct workflow.
fn check_graph(cx: &mut Cx, path: &str, node: &Node, wf: &WorkflowSpec) {
    if wf.tasks.is_empty() {
        return;
    }
    let mut inbound: IndexMap<&str, HashSet<&str>> = IndexMap::new();
    for (name, t) in &wf.tasks {
        for target in outbound(t) {
            inbound.entry(target).or_default().insert(name.as_str());
        }
    }
    // A transition to an engine command names a task of that name too.
    let commands: HashSet<&str> = wf
        .tasks
        .values()
        .flat_map(|t| [&t.on_success, &t.on_error, &t.on_complete, &t.on_skip])
        .flatten()
        .flat_map(|c| c.next.iter())
        .filter_map(|tr| match &tr.target {
            Target::Command(c) => Some(c.name()),
            Target::Task(_) => None,
        })
        .collect();
    if wf
        .tasks
        .keys()
        .all(|n| inbound.contains_key(n.as_str()) || commands.contains(n.as_str()))
    {
        cx.err(
            path,
            node,
            format!(
                "Failed to find start tasks in direct workflow. There must be at least one task \
                 without inbound transition.[workflow_name={}]",
                wf.name
            ),
        );
    }
    let tasks_map = node.as_map();
    for (name, t) in &wf.tasks {
        let Some(join) = t.join else { continue };
        let n = inbound.get(name.as_str()).map_or(0, HashSet::len);
        let needed = match join {
            super::spec::Join::All => 1,
            super::spec::Join::Count(c) => c as usize,
        };
        if n < needed {
            let (line, col) = tasks_map
                .and_then(|m| m.get(name))
                .and_then(|e| e.value.as_map())
                .and_then(|m| m.get("join"))
                .map_or((0, 0), |e| (e.value.line, e.value.col));
            let msg = match join {
                super::spec::Join::All => {
                    format!("No inbound tasks for task with 'join: all' [task_name={name}]")
                }
                super::spec::Join::Count(c) => format!(
                    "Not enough inbound tasks for task with 'join' [task_name={name}, join={c}, inbound_tasks={n}]"
                ),
            };
            cx.err_at(&key(&key(path, name), "join"), line, col, msg);
        }
    }
}

/// The spec dict Mistral stores for a workflow (`execution().spec`): the
/// workflow as written plus `name` and `version: '2.0'`, and in each task
/// mapping `name`, `version` and `type` (the workflow's type).
pub(crate) fn raw_spec(name: &str, node: &Node) -> Value {
    let mut v = plain_spec(name, node);
    let Value::Object(m) = &mut v else { return v };
    let kind = m
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("direct")
        .to_string();
    if let Some(Value::Object(tasks)) = m.get_mut("tasks") {
        for (tname, t) in tasks.iter_mut() {
            if let Value::Object(t) = t {
                t.insert("type".into(), Value::String(kind.clone()));
                t.insert("name".into(), Value::String(tname.clone()));
                t.insert("version".into(), Value::String("2.0".into()));
            }
        }
    }
    v
}

/// The workflow as written plus `name` and `version: '2.0'`.
fn plain_spec(name: &str, node: &Node) -> Value {
    let mut v = node.to_json();
    if let Value::Object(m) = &mut v {
        m.insert("name".into(), Value::String(name.to_string()));
        m.insert("version".into(), Value::String("2.0".into()));
    }
    v
}
