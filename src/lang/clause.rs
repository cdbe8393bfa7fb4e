//! `on-success` / `on-error` / `on-complete` / `on-skip` clauses in all
//! their forms (`mistral/lang/v2/on_clause.py`, `publish.py`). Called by the
//! task and task-defaults builders.
//!
//! Invariant: every task target is returned as a [`Ref`] with its path and
//! position, so the workflow check can report a dangling one precisely.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::LazyLock;

use super::check::{Cx, idx, key, py};
use super::cmd::{is_full_expression, parse_cmd_and_input};
use super::spec::{EngineCommand, OnClause, Target, Transition};
use super::yaml::{Kind, Node};

/// A task named by a transition (or by `requires`), where it was named.
#[derive(Clone, Debug)]
pub(crate) struct Ref {
    pub name: String,
    pub path: String,
    pub line: u32,
    pub col: u32,
}

/// A parsed clause and the task names it targets.
pub(crate) struct Parsed {
    pub clause: OnClause,
    pub refs: Vec<Ref>,
}

/// Parses one `on-*` clause.
pub(crate) fn parse(cx: &mut Cx, path: &str, node: &Node) -> Option<Parsed> {
    // Mistral validates the clause against its schema first and reports
    // the one error jsonschema's best_match picks.
    if let Some(best) = super::onschema::check(node) {
        let mut at = path.to_string();
        for seg in &best.path {
            at = match seg {
                super::onschema::Seg::Key(k) => key(&at, k),
                super::onschema::Seg::Idx(i) => idx(&at, *i),
            };
        }
        match &best.own {
            None => cx.schema_err(&at, best.node, best.message),
            Some(own) => {
                let inst = super::onschema::instance(own);
                cx.err(
                    &at,
                    best.node,
                    format!("{}\n\nOn instance{inst}", best.message),
                );
            }
        }
        return None;
    }
    let mut out = Parsed {
        clause: OnClause::default(),
        refs: Vec::new(),
    };
    if let Kind::Map(m) = &node.kind
        && !m.is_empty()
        && m.keys().all(|k| k == "publish" || k == "next")
    {
        if let Some(e) = m.get("publish") {
            parse_publish(cx, &key(path, "publish"), &e.value, &mut out.clause);
        }
        if let Some(e) = m.get("next") {
            let p = key(path, "next");
            if let Kind::Map(next) = &e.value.kind {
                // Mistral iterates a `next` mapping for its keys: each is
                // an unguarded transition and the guard is dropped
                // (`on_clause.prepare_next_clause`); the guard is still
                // checked as the schema does.
                let mut scratch = Parsed {
                    clause: OnClause::default(),
                    refs: Vec::new(),
                };
                guarded(cx, &p, &e.value, &mut scratch);
                for (name, ne) in next {
                    let at = Node {
                        kind: Kind::Null,
                        line: ne.line,
                        col: ne.col,
                    };
                    entry(cx, &key(&p, name), &at, name, None, &mut out);
                }
            } else {
                parse_next(cx, &p, &e.value, &mut out);
            }
        }
        return Some(out);
    }
    if let Kind::Map(m) = &node.kind
        && !m.is_empty()
    {
        // Mistral reads any mapping as the advanced `{publish, next}` form
        // (`OnClauseSpec.__init__`): `{t2: <% guard %>}` passes the schema
        // but has no `next`, so it makes no transition at all (and t2, with
        // no inbound link, is a start task). The entry is still checked.
        let mut scratch = Parsed {
            clause: OnClause::default(),
            refs: Vec::new(),
        };
        guarded(cx, path, node, &mut scratch);
        return Some(out);
    }
    parse_next(cx, path, node, &mut out);
    Some(out)
}

/// The transition part: a string, a one-key guarded dict, or a list of both.
fn parse_next(cx: &mut Cx, path: &str, node: &Node, out: &mut Parsed) {
    match &node.kind {
        Kind::Str(s) => next_task(cx, path, node, s, out),
        Kind::Map(_) => guarded(cx, path, node, out),
        Kind::Seq(items) => {
            if items.is_empty() {
                cx.schema_err(path, node, "[] should be non-empty");
            }
            let mut seen: HashSet<String> = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let p = idx(path, i);
                if !seen.insert(item.to_json().to_string()) {
                    cx.schema_err(path, node, format!("{} has non-unique elements", py(node)));
                    continue;
                }
                match &item.kind {
                    Kind::Str(s) => next_task(cx, &p, item, s, out),
                    Kind::Map(_) => guarded(cx, &p, item, out),
                    _ => cx.schema_err(
                        &p,
                        item,
                        format!("{} is not valid under any of the given schemas", py(item)),
                    ),
                }
            }
        }
        _ => cx.schema_err(
            path,
            node,
            format!("{} is not valid under any of the given schemas", py(node)),
        ),
    }
}

/// `{task: <% guard %>}`.
fn guarded(cx: &mut Cx, path: &str, node: &Node, out: &mut Parsed) {
    let Some(m) = node.as_map() else { return };
    if m.len() != 1 {
        cx.schema_err(
            path,
            node,
            format!("{} is not valid under any of the given schemas", py(node)),
        );
        return;
    }
    if let Some((name, e)) = m.first() {
        let p = key(path, name);
        let guard = match &e.value.kind {
            Kind::Str(g) if is_full_expression(g) => {
                cx.check_str(&p, &e.value, g);
                Some(Value::String(g.clone()))
            }
            _ => {
                cx.schema_err(
                    &p,
                    &e.value,
                    format!(
                        "{} is not valid under any of the given schemas",
                        py(&e.value)
                    ),
                );
                None
            }
        };
        let at = Node {
            kind: Kind::Null,
            line: e.line,
            col: e.col,
        };
        entry(cx, &p, &at, name, guard, out);
    }
}

/// Mistral's `NEXT_TASK` schema (`on_clause.py`): a transition string must
/// match exactly one of these, as jsonschema's `oneOf` checks it. A string
/// without whitespace in the function form (`fail(msg=1)`) matches the first
/// and the third, so Mistral refuses it; `fail(msg="a b")` matches only the
/// third. Each pattern with Python's `$`, which also matches before a final
/// newline. The second member is the subschema's Python text.
static NEXT_TASK: LazyLock<[(Regex, &str); 3]> = LazyLock::new(|| {
    let pattern = |p: &str| Regex::new(p).unwrap_or_else(|_| unreachable!("a fixed pattern"));
    [
        (
            pattern(r"^\S+\n?$"),
            r"{'type': 'string', 'pattern': '^\\S+$', 'description': 'Task name (e.g.: `task1`)'}",
        ),
        (
            pattern(r"^\w+ \w+=(.*)\n?$"),
            r#"{'type': 'string', 'pattern': '^\\w+ \\w+=(.*)$', 'description': 'Task name with dict parameter (e.g.: `fail msg="test"`, `fail msg=<% task() %>`)'}"#,
        ),
        (
            pattern(r"^\w+\(\w+=(.*)\)\n?$"),
            r#"{'type': 'string', 'pattern': '^\\w+\\(\\w+=(.*)\\)$', 'description': 'Task name with func parameter (e.g.: `fail(msg="test")`, `fail(msg=<% task() %>)`)'}"#,
        ),
    ]
});

/// A transition written as a string: checked against [`NEXT_TASK`] first.
/// (A guard's key is not: `patternProperties` leaves keys that match no
/// pattern unchecked.)
fn next_task(cx: &mut Cx, path: &str, node: &Node, s: &str, out: &mut Parsed) {
    let matched: Vec<&str> = NEXT_TASK
        .iter()
        .filter(|(re, _)| re.is_match(s))
        .map(|(_, text)| *text)
        .collect();
    let text = crate::domain::pytext::str_repr(s);
    match matched.as_slice() {
        [_] => entry(cx, path, node, s, None, out),
        [] => cx.schema_err(
            path,
            node,
            format!("{text} is not valid under any of the given schemas"),
        ),
        [first, more @ ..] => {
            // jsonschema lists the later matches, then the first one.
            let mut each: Vec<&str> = more.to_vec();
            each.push(first);
            cx.schema_err(
                path,
                node,
                format!("{text} is valid under each of {}", each.join(", ")),
            );
        }
    }
}

/// One transition from its text: a task, or an engine command with params.
fn entry(cx: &mut Cx, path: &str, node: &Node, s: &str, guard: Option<Value>, out: &mut Parsed) {
    let Some((name, params)) = parse_cmd_and_input(s) else {
        cx.err(
            path,
            node,
            format!("Invalid action/workflow task property: {s}"),
        );
        return;
    };
    cx.check_value(path, node, &Value::Object(params.clone()));
    let msg = || params.get("msg").cloned();
    let target = match name.as_str() {
        "fail" => Target::Command(EngineCommand::Fail { msg: msg() }),
        "succeed" => Target::Command(EngineCommand::Succeed { msg: msg() }),
        "pause" => Target::Command(EngineCommand::Pause { msg: msg() }),
        "noop" => Target::Command(EngineCommand::Noop),
        _ => {
            out.refs.push(Ref {
                name: name.clone(),
                path: path.to_string(),
                line: node.line,
                col: node.col,
            });
            Target::Task(name)
        }
    };
    out.clause.next.push(Transition { target, guard });
}

/// `publish: {branch: {...}, global: {...}, atomic: {...}}`.
fn parse_publish(cx: &mut Cx, path: &str, node: &Node, clause: &mut OnClause) {
    let clause_path = path.strip_suffix(".publish").unwrap_or(path);
    let Some(m) = node.as_map() else {
        cx.err(
            path,
            node,
            format!("expected a mapping, got {}", node.type_name()),
        );
        return;
    };
    if m.is_empty() {
        cx.err(
            path,
            node,
            "Either 'branch', 'global' or 'atomic' must be specified",
        );
    }
    for (k, e) in m {
        let p = key(path, k);
        let target: Option<&mut Map<String, Value>> = match k.as_str() {
            "branch" => Some(&mut clause.publish),
            "global" => Some(&mut clause.publish_global),
            // Accepted by Mistral's schema but not implemented there either.
            "atomic" => None,
            _ => {
                // The clause then matches none of the on-clause forms.
                cx.err_at(
                    &p,
                    e.line,
                    e.col,
                    format!(
                        "{} is not valid under any of the given schemas\n\nOn instance{} \
                         (publish takes 'branch', 'global' or 'atomic', not '{k}')",
                        crate::domain::pytext::repr(
                            &serde_json::json!({"publish": node.to_json()})
                        ),
                        cx.instance(clause_path)
                    ),
                );
                continue;
            }
        };
        if let Some(d) = cx.dict(&p, &e.value)
            && let Some(t) = target
        {
            *t = d;
        }
    }
}
