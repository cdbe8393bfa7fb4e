//! `on-success` / `on-error` / `on-complete` / `on-skip` clauses in all
//! their forms (`mistral/lang/v2/on_clause.py`, `publish.py`). Called by the
//! task and task-defaults builders.
//!
//! Invariant: a clause is read only once Mistral's schema accepts it
//! (`onschema`); every task target is returned as a [`Ref`] with its path
//! and position, so the workflow check can report a dangling one precisely.

use serde_json::Value;

use super::check::{Cx, idx, key};
use super::cmd::parse_cmd_and_input;
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
        super::onschema::report(cx, path, best);
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

/// The transition part: a string, a one-key guarded dict, or a list of
/// both (already checked against the schema).
fn parse_next(cx: &mut Cx, path: &str, node: &Node, out: &mut Parsed) {
    match &node.kind {
        Kind::Str(s) => entry(cx, path, node, s, None, out),
        Kind::Map(_) => guarded(cx, path, node, out),
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                parse_next(cx, &idx(path, i), item, out);
            }
        }
        _ => {}
    }
}

/// `{task: <% guard %>}` (one key, an expression: the schema saw to it).
fn guarded(cx: &mut Cx, path: &str, node: &Node, out: &mut Parsed) {
    let Some((name, e)) = node.as_map().and_then(|m| m.first()) else {
        return;
    };
    let p = key(path, name);
    let guard = e.value.as_str().map(|g| {
        cx.check_str(&p, &e.value, g);
        Value::String(g.to_string())
    });
    let at = Node {
        kind: Kind::Null,
        line: e.line,
        col: e.col,
    };
    entry(cx, &p, &at, name, guard, out);
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

/// `publish: {branch: {...}, global: {...}, atomic: {...}}`, its shape
/// already checked against the schema (which also lets `name`, `version`,
/// `description` and `tags` through; Mistral ignores them).
fn parse_publish(cx: &mut Cx, path: &str, node: &Node, clause: &mut OnClause) {
    let Some(m) = node.as_map() else { return };
    clause.publish_section = !m.is_empty();
    if m.is_empty() {
        cx.err(
            path,
            node,
            "Either 'branch', 'global' or 'atomic' must be specified",
        );
    }
    for (k, e) in m {
        let target = match k.as_str() {
            "branch" => &mut clause.publish,
            "global" => &mut clause.publish_global,
            // Accepted by Mistral's schema but not implemented there either.
            _ => continue,
        };
        if let Some(d) = cx.dict(&key(path, k), &e.value) {
            *target = d;
        }
    }
}
