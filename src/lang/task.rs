//! One task and the `task-defaults` block into their typed forms
//! (`mistral/lang/v2/tasks.py`, `task_defaults.py`, `policies.py`,
//! `retry_policy.py`). Called by the workflow builder.
//!
//! Invariant: an unknown or misplaced key is always reported, never ignored.

use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

use super::check::{Cx, extras_msg, idx, key, py};
use super::clause::{self, Parsed, Ref};
use super::cmd::{parse_cmd_and_input, parse_params, parse_with_items};
use super::onschema;
use super::spec::{
    Join, Policies, RetryPolicy, Sparse, TaskRun, TaskSpec, WithItems, WorkflowKind,
};
use super::yaml::{Kind, Node};

const MAX_TASK_NAME: usize = 255;
const MAX_JOIN_TASK_NAME: usize = MAX_TASK_NAME - 47;

/// The four transition clauses, with the task names they target.
#[derive(Default)]
pub(crate) struct Clauses {
    pub on_success: Option<Parsed>,
    pub on_error: Option<Parsed>,
    pub on_complete: Option<Parsed>,
    pub on_skip: Option<Parsed>,
}

impl Clauses {
    fn slot(&mut self, k: &str) -> Option<&mut Option<Parsed>> {
        match k {
            "on-success" => Some(&mut self.on_success),
            "on-error" => Some(&mut self.on_error),
            "on-complete" => Some(&mut self.on_complete),
            "on-skip" => Some(&mut self.on_skip),
            _ => None,
        }
    }
}

/// A parsed task before task-defaults are applied, with what the workflow
/// checks need.
pub(crate) struct RawTask {
    pub spec: TaskSpec,
    pub clauses: Clauses,
    pub requires: Vec<Ref>,
    pub safe_rerun_set: bool,
}

/// `task-defaults`.
#[derive(Default)]
pub(crate) struct Defaults {
    pub policies: Policies,
    pub clauses: Clauses,
    pub safe_rerun: Option<Value>,
    pub requires: Vec<Ref>,
}

/// Parses a policy key into `p`; `false` when `k` is not a policy.
fn policy(cx: &mut Cx, p: &mut Policies, k: &str, path: &str, v: &Node) -> bool {
    match k {
        "retry" => p.retry = retry(cx, path, v),
        "wait-before" => p.wait_before = cx.expr_or_uint(path, v),
        "wait-after" => p.wait_after = cx.expr_or_uint(path, v),
        "timeout" => p.timeout = cx.expr_or_uint(path, v),
        "concurrency" => p.concurrency = cx.expr_or_uint(path, v),
        "pause-before" => p.pause_before = cx.expr_or_bool(path, v),
        "fail-on" => p.fail_on = cx.expr_or_bool(path, v),
        _ => return false,
    }
    true
}

/// `retry: {count, delay, break-on, continue-on}` or its one-line form.
fn retry(cx: &mut Cx, path: &str, node: &Node) -> Option<RetryPolicy> {
    let fields: Vec<(String, Node)> = match &node.kind {
        Kind::Map(m) => m
            .iter()
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect(),
        Kind::Str(s) if !s.is_empty() => parse_params(s)
            .into_iter()
            .map(|(k, v)| (k, value_node(&v, node)))
            .collect(),
        _ => {
            cx.err(
                path,
                node,
                "expected a mapping {count, delay, break-on, continue-on, backoff, max-delay} or 'count=N delay=N'",
            );
            return None;
        }
    };
    let mut count = None;
    let mut delay = None;
    let mut break_on = None;
    let mut continue_on = None;
    let mut backoff = None;
    let mut max_delay = None;
    let mut ok = true;
    let mut extras: Vec<&str> = Vec::new();
    for (k, v) in &fields {
        let p = key(path, k);
        match k.as_str() {
            "count" => count = cx.expr_or_uint(&p, v),
            "delay" => delay = cx.expr_or_uint(&p, v),
            "break-on" => break_on = cx.expression(&p, v),
            "continue-on" => continue_on = cx.expression(&p, v),
            "backoff" => backoff = backoff_factor(cx, &p, v),
            "max-delay" => max_delay = cx.expr_or_uint(&p, v),
            _ => {
                extras.push(k.as_str());
                ok = false;
            }
        }
    }
    if !extras.is_empty() {
        cx.err(path, node, extras_msg(&extras));
    }
    for (name, present) in [("count", count.is_some()), ("delay", delay.is_some())] {
        if !fields.iter().any(|(k, _)| k == name) {
            cx.err(path, node, format!("'{name}' is a required property"));
        }
        ok &= present;
    }
    match (ok, count, delay) {
        (true, Some(count), Some(delay)) => Some(RetryPolicy {
            count,
            delay,
            break_on,
            continue_on,
            backoff,
            max_delay,
        }),
        _ => None,
    }
}

/// `backoff`: a number ≥ 1 or an expression.
fn backoff_factor(cx: &mut Cx, path: &str, node: &Node) -> Option<Value> {
    match &node.kind {
        Kind::Num(n) if n.as_f64().is_some_and(|f| f >= 1.0) => Some(Value::Number(n.clone())),
        Kind::Str(_) => cx.expression(path, node),
        _ => {
            cx.err(path, node, "expected a number ≥ 1 or an expression");
            None
        }
    }
}

/// A JSON value re-wrapped as a node at `at`'s position (one-line forms).
fn value_node(v: &Value, at: &Node) -> Node {
    let kind = match v {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Num(n.clone()),
        Value::String(s) => Kind::Str(s.clone()),
        Value::Array(a) => Kind::Seq(a.iter().map(|i| value_node(i, at)).collect()),
        Value::Object(_) => Kind::Str(v.to_string()),
    };
    Node {
        kind,
        line: at.line,
        col: at.col,
    }
}

/// Parses `task-defaults`.
pub(crate) fn defaults(cx: &mut Cx, path: &str, node: &Node) -> Defaults {
    let mut d = Defaults::default();
    let mut extras: Vec<(&str, u32, u32)> = Vec::new();
    let Some(m) = node.as_map() else {
        cx.err(
            path,
            node,
            format!("expected a mapping, got {}", node.type_name()),
        );
        return d;
    };
    for (k, e) in m {
        let p = key(path, k);
        let v = &e.value;
        if let Some(best) = onschema::check_property(onschema::TaskKind::Defaults, k, v) {
            onschema::report(cx, &p, best);
            continue;
        }
        if policy(cx, &mut d.policies, k, &p, v) {
            continue;
        }
        if let Some(slot) = d.clauses.slot(k) {
            *slot = clause::parse(cx, &p, v);
            continue;
        }
        match k.as_str() {
            "safe-rerun" => d.safe_rerun = cx.expr_or_bool(&p, v),
            "requires" => d.requires = requires(cx, &p, v),
            _ => extras.push((k.as_str(), e.line, e.col)),
        }
    }
    if let Some(&(_, line, col)) = extras.first() {
        let names: Vec<&str> = extras.iter().map(|x| x.0).collect();
        cx.err_at(path, line, col, extras_msg(&names));
    }
    d
}

fn requires(cx: &mut Cx, path: &str, node: &Node) -> Vec<Ref> {
    // Reports shape problems; the references are read from the nodes.
    let _ = cx.string_or_list(path, node);
    let at = |name: &str, path: String, n: &Node| Ref {
        name: name.to_string(),
        path,
        line: n.line,
        col: n.col,
    };
    match &node.kind {
        Kind::Str(s) if !s.is_empty() => vec![at(s, path.to_string(), node)],
        Kind::Seq(items) => {
            let mut seen = HashSet::new();
            items
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    let s = n.as_str().filter(|s| !s.is_empty() && seen.insert(*s))?;
                    Some(at(s, idx(path, i), n))
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Parses one task of a workflow of kind `kind`; Mistral validates a task
/// as a spec of its own, so its schema paths start at the task.
pub(crate) fn task(
    cx: &mut Cx,
    kind: WorkflowKind,
    name: &str,
    path: &str,
    node: &Node,
) -> RawTask {
    let outer = std::mem::replace(&mut cx.base, path.to_string());
    let t = task_in(cx, kind, name, path, node);
    cx.base = outer;
    t
}

fn task_in(cx: &mut Cx, kind: WorkflowKind, name: &str, path: &str, node: &Node) -> RawTask {
    let mut t = RawTask {
        spec: TaskSpec {
            name: name.to_string(),
            description: None,
            tags: Vec::new(),
            run: TaskRun::Action("std.noop".into()),
            input: Value::Object(Map::new()),
            with_items: Vec::new(),
            publish: Sparse::default(),
            publish_on_error: Sparse::default(),
            publish_on_skip: Sparse::default(),
            on_success: None,
            on_error: None,
            on_complete: None,
            on_skip: None,
            join: None,
            requires: Vec::new(),
            policies: Sparse::default(),
            keep_result: Value::Bool(true),
            safe_rerun: Value::Bool(false),
            target: None,
        },
        clauses: Clauses::default(),
        requires: Vec::new(),
        safe_rerun_set: false,
    };
    if name.chars().count() > MAX_TASK_NAME {
        cx.err(
            path,
            node,
            format!("The length of a '{name}' task name must not exceed {MAX_TASK_NAME} symbols"),
        );
    }
    let Some(m) = node.as_map() else {
        cx.schema_err(path, node, format!("{} is not of type 'object'", py(node)));
        return t;
    };
    if m.is_empty() {
        cx.schema_err(path, node, "{} should be non-empty");
    }
    if m.contains_key("action") && m.contains_key("workflow") {
        cx.err(
            path,
            node,
            format!(
                "{} is valid under each of {{'type': 'object', 'required': ['workflow']}}, \
                 {{'type': 'object', 'required': ['action']}}",
                task_repr(kind, name, node)
            ),
        );
    }
    // Keys the task schema does not allow, reported together as
    // jsonschema's `additionalProperties` does.
    let mut extras: Vec<(&str, u32, u32)> = Vec::new();
    let mut inline = Map::new();
    let mut input: Option<(Value, &Node)> = None;
    let direct = kind == WorkflowKind::Direct;
    let schema = if direct {
        onschema::TaskKind::Direct
    } else {
        onschema::TaskKind::Reverse
    };
    for (k, e) in m {
        let p = key(path, k);
        let v = &e.value;
        if let Some(best) = onschema::check_property(schema, k, v) {
            onschema::report(cx, &p, best);
            continue;
        }
        cx.no_date(&p, v);
        if policy(cx, &mut t.spec.policies, k, &p, v) {
            continue;
        }
        if direct && let Some(slot) = t.clauses.slot(k) {
            *slot = clause::parse(cx, &p, v);
            continue;
        }
        match k.as_str() {
            // Meta keys Mistral injects itself; accepted and ignored.
            "name" | "version" => {}
            "type" => {
                if !matches!(v.as_str(), Some("direct" | "reverse")) {
                    cx.err(&p, v, "expected 'direct' or 'reverse'");
                }
            }
            "description" => t.spec.description = cx.string(&p, v),
            "tags" => t.spec.tags = cx.string_list(&p, v).unwrap_or_default(),
            "action" | "workflow" => {
                // With both (reported above), `action` is kept.
                if let Some((run, params)) = run_target(cx, k, &p, v)
                    && (k == "action" || !m.contains_key("action"))
                {
                    t.spec.run = run;
                    inline = params;
                }
            }
            "input" => {
                input = match &v.kind {
                    Kind::Map(_) => cx.dict(&p, v).map(|d| (Value::Object(d), v)),
                    Kind::Str(_) => cx.string(&p, v).map(|s| {
                        cx.check_str(&p, v, &s);
                        (Value::String(s), v)
                    }),
                    _ => {
                        cx.err(&p, v, "expected a mapping or an expression");
                        None
                    }
                }
            }
            "with-items" => {
                t.spec.with_items = with_items(cx, &p, v, || task_repr(kind, name, node))
            }
            "publish" => t.spec.publish = cx.dict(&p, v).unwrap_or_default().into(),
            "publish-on-error" => {
                t.spec.publish_on_error = cx.dict(&p, v).unwrap_or_default().into()
            }
            "publish-on-skip" => t.spec.publish_on_skip = cx.dict(&p, v).unwrap_or_default().into(),
            "keep-result" => {
                if let Some(x) = cx.expr_or_bool(&p, v) {
                    t.spec.keep_result = x;
                }
            }
            "safe-rerun" => {
                t.safe_rerun_set = true;
                if let Some(x) = cx.expr_or_bool(&p, v) {
                    t.spec.safe_rerun = x;
                }
            }
            // Mistral does not check an expression in `target` at upload.
            "target" => t.spec.target = cx.string(&p, v).map(Value::String),
            "join" if direct => t.spec.join = join(cx, name, &p, v),
            "requires" if !direct => t.requires = requires(cx, &p, v),
            // `join` and `on-*` in a reverse workflow, `requires` in a
            // direct one, and unknown keys.
            _ => extras.push((k.as_str(), e.line, e.col)),
        }
    }
    if let Some(&(_, line, col)) = extras.first() {
        let names: Vec<&str> = extras.iter().map(|x| x.0).collect();
        cx.err_at(path, line, col, extras_msg(&names));
    }
    t.spec.input = merge_input(cx, path, inline, input);
    t
}

/// `action:` / `workflow:` with inline parameters.
fn run_target(cx: &mut Cx, k: &str, path: &str, v: &Node) -> Option<(TaskRun, Map<String, Value>)> {
    let s = cx.string(path, v)?;
    let Some((name, params)) = parse_cmd_and_input(&s) else {
        cx.err(
            path,
            v,
            format!("Invalid action/workflow task property: {s}"),
        );
        return None;
    };
    cx.check_str(path, v, &name);
    cx.check_value(path, v, &Value::Object(params.clone()));
    let run = if k == "action" {
        TaskRun::Action(name)
    } else {
        TaskRun::Workflow(name)
    };
    Some((run, params))
}

/// Inline parameters merged into `input`; on a conflict the inline value
/// wins (Mistral's `TaskSpec`: `merge_dicts(input, inline_params)`).
fn merge_input(
    cx: &mut Cx,
    path: &str,
    inline: Map<String, Value>,
    input: Option<(Value, &Node)>,
) -> Value {
    match input {
        None => Value::Object(inline),
        Some((Value::Object(given), _)) => {
            let mut merged = Value::Object(given);
            deep_merge(&mut merged, Value::Object(inline));
            merged
        }
        Some((other, at)) => {
            if !inline.is_empty() {
                cx.err(
                    &key(path, "input"),
                    at,
                    "an expression 'input' cannot be combined with inline parameters",
                );
            }
            other
        }
    }
}

/// Merges `right` into `left`, recursively for mappings; `right` wins.
pub(crate) fn deep_merge(left: &mut Value, right: Value) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            for (k, v) in r {
                match l.get_mut(&k) {
                    Some(lv) if lv.is_object() && v.is_object() => deep_merge(lv, v),
                    _ => {
                        l.insert(k, v);
                    }
                }
            }
        }
        (l, r) => *l = r,
    }
}

/// `join: all | one | N` (0 means no join, as in Mistral).
fn join(cx: &mut Cx, name: &str, path: &str, v: &Node) -> Option<Join> {
    let j = match &v.kind {
        Kind::Str(s) if s == "all" => Some(Join::All),
        Kind::Str(s) if s == "one" => Some(Join::Count(1)),
        Kind::Num(n) if n.as_u64() == Some(0) => return None,
        Kind::Num(n) if n.is_u64() => match n.as_u64().and_then(|x| u32::try_from(x).ok()) {
            Some(x) => Some(Join::Count(x)),
            None => {
                cx.err(path, v, "join count is too large");
                return None;
            }
        },
        _ => {
            cx.err(path, v, "expected 'all', 'one' or a non-negative integer");
            return None;
        }
    };
    if name.chars().count() > MAX_JOIN_TASK_NAME {
        cx.err(
            path,
            v,
            format!("The length of a '{name}' join task name must not exceed {MAX_JOIN_TASK_NAME} symbols"),
        );
    }
    j
}

/// The task dict as Mistral validates and prints it: with its type, name
/// and version.
fn task_repr(kind: WorkflowKind, name: &str, node: &Node) -> String {
    let mut data = node.to_json();
    if let Value::Object(d) = &mut data {
        let ty = match kind {
            WorkflowKind::Direct => "direct",
            WorkflowKind::Reverse => "reverse",
        };
        d.insert("type".into(), Value::String(ty.into()));
        d.insert("name".into(), Value::String(name.into()));
        d.insert("version".into(), Value::String("2.0".into()));
    }
    crate::domain::pytext::repr(&data)
}

/// `with-items`: a clause string or a unique list of them.
fn with_items(cx: &mut Cx, path: &str, node: &Node, task: impl Fn() -> String) -> Vec<WithItems> {
    let items: Vec<(String, &Node)> = match &node.kind {
        Kind::Seq(_) => {
            let Some(list) = cx.string_list(path, node) else {
                return Vec::new();
            };
            let Kind::Seq(nodes) = &node.kind else {
                return Vec::new();
            };
            list.into_iter()
                .enumerate()
                .map(|(i, s)| (s, nodes.get(i).unwrap_or(node)))
                .collect()
        }
        _ => match cx.string(path, node) {
            Some(s) => vec![(s, node)],
            None => return Vec::new(),
        },
    };
    let many = matches!(node.kind, Kind::Seq(_));
    let mut out: Vec<WithItems> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for (i, (s, at)) in items.iter().enumerate() {
        let p = if many { idx(path, i) } else { path.to_string() };
        let Some(c) = parse_with_items(s) else {
            cx.err(
                &p,
                at,
                format!(
                    "Wrong format of 'with-items' property. Please use format \
                     'var in {{[some, list] | <% $.array %> }}: {}",
                    task()
                ),
            );
            continue;
        };
        cx.check_str(&p, at, c.source);
        let source = if c.source.starts_with('[') {
            match serde_json::from_str::<Value>(c.source) {
                Ok(v) => v,
                Err(e) => {
                    cx.err(
                        &p,
                        at,
                        format!(
                            "Invalid array in 'with-items' clause: {}, error: {}",
                            c.source,
                            crate::domain::pyjson::loads_error(c.source)
                                .unwrap_or_else(|| e.to_string())
                        ),
                    );
                    continue;
                }
            }
        } else {
            Value::String(c.source.to_string())
        };
        let w = WithItems {
            var: c.var.to_string(),
            source,
        };
        // Several clauses on one variable: the last wins, as in Mistral's dict.
        match position.get(&w.var) {
            Some(&i) => out[i] = w,
            None => {
                position.insert(w.var.clone(), out.len());
                out.push(w);
            }
        }
    }
    out
}
