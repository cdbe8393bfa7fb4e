//! Mistral's schemas of one `on-*` clause (`OnClauseSpec.get_schema()`,
//! kept verbatim in `on_clause_schema.json`) and of each task and
//! task-defaults property (`task_schema.json`), checked as jsonschema
//! 4.26's Draft 4 validator checks them, and the one error its `best_match`
//! picks. Called by `clause::parse` and the task builders before they read
//! a value.
//!
//! Invariant: a value the schema accepts gives `None`; otherwise the
//! message, the path under the value and the node are those of the error
//! jsonschema reports (`relevance` prefers deeper, then earlier paths; the
//! descent into an error's context stops where its two best causes tie).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::check::py;
use super::yaml::{Kind, Node};
use crate::domain::pytext;

struct Schema {
    root: Value,
    /// The task property schemas of `DirectWorkflowTaskSpec`,
    /// `ReverseWorkflowTaskSpec` and `TaskDefaultsSpec`, under `direct`,
    /// `reverse` and `defaults`.
    tasks: Value,
    /// Each `pattern` / `patternProperties` key, as Python's `re.search`
    /// reads it (`$` also matches before a final newline).
    patterns: HashMap<String, Regex>,
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let root: Value =
        serde_json::from_str(include_str!("on_clause_schema.json")).unwrap_or(Value::Null);
    let tasks: Value =
        serde_json::from_str(include_str!("task_schema.json")).unwrap_or(Value::Null);
    let mut patterns = HashMap::new();
    collect_patterns(&root, &mut patterns);
    collect_patterns(&tasks, &mut patterns);
    Schema {
        root,
        tasks,
        patterns,
    }
});

fn collect_patterns(v: &Value, out: &mut HashMap<String, Regex>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "pattern"
                    && let Some(p) = x.as_str()
                {
                    add_pattern(p, out);
                }
                if k == "patternProperties"
                    && let Some(pp) = x.as_object()
                {
                    for p in pp.keys() {
                        add_pattern(p, out);
                    }
                }
                collect_patterns(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_patterns(x, out)),
        _ => {}
    }
}

fn add_pattern(p: &str, out: &mut HashMap<String, Regex>) {
    // The schemas repeat a handful of patterns hundreds of times: each is
    // compiled once.
    if out.contains_key(p) {
        return;
    }
    let body = p
        .strip_suffix('$')
        .map_or(p.to_string(), |b| format!("{b}\\n?$"));
    let rust = body.replace('{', "\\{").replace('}', "\\}");
    if let Ok(re) = Regex::new(&rust) {
        out.insert(p.to_string(), re);
    }
}

/// One step of an instance path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Seg {
    Key(String),
    Idx(usize),
}

/// A validation error as jsonschema builds it.
struct Failure<'a> {
    message: String,
    /// Relative to the instance of the error whose context holds it.
    path: Vec<Seg>,
    keyword: &'static str,
    /// The schema holding the failed keyword.
    schema: &'a Value,
    node: &'a Node,
    context: Vec<Failure<'a>>,
}

/// The error Mistral reports for a clause: its message, the path of the
/// failing value under the clause, and that value's node.
pub(crate) struct Best<'a> {
    pub message: String,
    pub path: Vec<Seg>,
    /// Where jsonschema's text says the error is (`On instance[...]`): a
    /// cause found in another error's context names its path relative to
    /// that error's instance; `None` for the clause's own error.
    pub own: Option<Vec<Seg>>,
    pub node: &'a Node,
}

/// `['a'][0]`, as jsonschema formats an instance path.
pub(crate) fn instance(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => format!("[{}]", pytext::str_repr(k)),
            Seg::Idx(i) => format!("[{i}]"),
        })
        .collect()
}

/// Checks `node` against the on-clause schema.
pub(crate) fn check(node: &Node) -> Option<Best<'_>> {
    best_of(validate(node, &SCHEMA.root))
}

/// Which spec a task property belongs to.
#[derive(Clone, Copy)]
pub(crate) enum TaskKind {
    Direct,
    Reverse,
    Defaults,
}

/// Checks the value of task property `name` against its schema; `None`
/// when it passes or the schema does not name the property.
pub(crate) fn check_property<'a>(kind: TaskKind, name: &str, node: &'a Node) -> Option<Best<'a>> {
    let spec = match kind {
        TaskKind::Direct => "direct",
        TaskKind::Reverse => "reverse",
        TaskKind::Defaults => "defaults",
    };
    // bora's retry extension (`backoff`, `max-delay`; docs/compatibility.md)
    // is outside Mistral's schema: such a retry is checked by `task::retry`.
    if name == "retry"
        && node
            .as_map()
            .is_some_and(|m| m.contains_key("backoff") || m.contains_key("max-delay"))
    {
        return None;
    }
    let schema = SCHEMA.tasks.get(spec)?.get(name)?;
    best_of(validate(node, schema))
}

/// Reports `best`, found under `path`, as Mistral words it: the clause's
/// or property's own error names its path from the spec; a cause found in
/// another error's context names its path relative to that error.
pub(crate) fn report(cx: &mut super::check::Cx, path: &str, best: Best<'_>) {
    let mut at = path.to_string();
    for seg in &best.path {
        at = match seg {
            Seg::Key(k) => super::check::key(&at, k),
            Seg::Idx(i) => super::check::idx(&at, *i),
        };
    }
    match &best.own {
        None => cx.schema_err(&at, best.node, best.message),
        Some(own) => {
            let inst = instance(own);
            cx.err(
                &at,
                best.node,
                format!("{}\n\nOn instance{inst}", best.message),
            );
        }
    }
}

fn best_of(errors: Vec<Failure<'_>>) -> Option<Best<'_>> {
    // `max` keeps the first of equals.
    let mut best = errors
        .into_iter()
        .reduce(|a, b| if key(&b) > key(&a) { b } else { a })?;
    let mut path = best.path.clone();
    let mut own = None;
    while !best.context.is_empty() {
        let mut ctx = std::mem::take(&mut best.context);
        ctx.sort_by(|a, b| key(a).cmp(&key(b)));
        if ctx.len() >= 2 && key(&ctx[0]) == key(&ctx[1]) {
            break;
        }
        best = ctx.swap_remove(0);
        path.extend(best.path.iter().cloned());
        own = Some(best.path.clone());
    }
    Some(Best {
        message: best.message,
        path,
        own,
        node: best.node,
    })
}

type Key<'k> = (i64, &'k [Seg], bool, bool, bool);

/// jsonschema's `relevance`: deeper, earlier, not `oneOf`/`anyOf`, (no
/// strong keywords), and not matching the schema's own type.
fn key<'k>(f: &'k Failure<'_>) -> Key<'k> {
    let weak = matches!(f.keyword, "oneOf" | "anyOf");
    let matches_type = f
        .schema
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| is_type(f.node, t));
    (-(f.path.len() as i64), &f.path, !weak, false, !matches_type)
}

fn is_type(node: &Node, t: &str) -> bool {
    match (&node.kind, t) {
        (Kind::Map(_), "object") | (Kind::Seq(_), "array") | (Kind::Str(_), "string") => true,
        (Kind::Null, "null") | (Kind::Bool(_), "boolean") | (Kind::Num(_), "number") => true,
        (Kind::Num(n), "integer") => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

fn fail<'a>(node: &'a Node, schema: &'a Value, keyword: &'static str, msg: String) -> Failure<'a> {
    Failure {
        message: msg,
        path: Vec::new(),
        keyword,
        schema,
        node,
        context: Vec::new(),
    }
}

fn descend<'a>(node: &'a Node, schema: &'a Value, seg: Seg, out: &mut Vec<Failure<'a>>) {
    for mut f in validate(node, schema) {
        f.path.insert(0, seg.clone());
        out.push(f);
    }
}

fn search(pattern: &str, s: &str) -> bool {
    SCHEMA
        .patterns
        .get(pattern)
        .is_some_and(|re| re.is_match(s))
}

fn count(v: &Value) -> usize {
    v.as_u64().map_or(usize::MAX, |n| n as usize)
}

fn validate<'a>(node: &'a Node, schema: &'a Value) -> Vec<Failure<'a>> {
    let mut out = Vec::new();
    let Some(kws) = schema.as_object() else {
        return out;
    };
    for (kw, val) in kws {
        match kw.as_str() {
            "type" => {
                if let Some(t) = val.as_str()
                    && !is_type(node, t)
                {
                    let msg = format!("{} is not of type {}", py(node), pytext::str_repr(t));
                    out.push(fail(node, schema, "type", msg));
                }
            }
            "pattern" => {
                if let (Kind::Str(s), Some(p)) = (&node.kind, val.as_str())
                    && !search(p, s)
                {
                    let msg = format!("{} does not match {}", py(node), pytext::str_repr(p));
                    out.push(fail(node, schema, "pattern", msg));
                }
            }
            "minLength" => {
                if let Kind::Str(s) = &node.kind
                    && s.chars().count() < count(val)
                {
                    let word = if count(val) == 1 {
                        "should be non-empty"
                    } else {
                        "is too short"
                    };
                    out.push(fail(
                        node,
                        schema,
                        "minLength",
                        format!("{} {word}", py(node)),
                    ));
                }
            }
            "minimum" => {
                if let (Kind::Num(n), Some(min)) = (&node.kind, val.as_f64())
                    && n.as_f64().is_some_and(|x| x < min)
                {
                    let msg = format!(
                        "{} is less than the minimum of {}",
                        py(node),
                        pytext::repr(val)
                    );
                    out.push(fail(node, schema, "minimum", msg));
                }
            }
            "minProperties" | "maxProperties" => {
                if let Kind::Map(m) = &node.kind {
                    let n = count(val);
                    let msg = match kw.as_str() {
                        "minProperties" if m.len() < n => Some(if n == 1 {
                            "should be non-empty"
                        } else {
                            "does not have enough properties"
                        }),
                        "maxProperties" if m.len() > n => Some(if n == 0 {
                            "is expected to be empty"
                        } else {
                            "has too many properties"
                        }),
                        _ => None,
                    };
                    if let Some(word) = msg {
                        let keyword = if kw == "minProperties" {
                            "minProperties"
                        } else {
                            "maxProperties"
                        };
                        out.push(fail(node, schema, keyword, format!("{} {word}", py(node))));
                    }
                }
            }
            "minItems" => {
                if let Kind::Seq(items) = &node.kind
                    && items.len() < count(val)
                {
                    let word = if count(val) == 1 {
                        "should be non-empty"
                    } else {
                        "is too short"
                    };
                    out.push(fail(
                        node,
                        schema,
                        "minItems",
                        format!("{} {word}", py(node)),
                    ));
                }
            }
            "uniqueItems" => {
                if let Kind::Seq(items) = &node.kind
                    && val.as_bool() == Some(true)
                {
                    let all: Vec<Value> = items.iter().map(Node::to_json).collect();
                    let dup = all.iter().enumerate().any(|(i, a)| all[..i].contains(a));
                    if dup {
                        let msg = format!("{} has non-unique elements", py(node));
                        out.push(fail(node, schema, "uniqueItems", msg));
                    }
                }
            }
            "items" => {
                if let Kind::Seq(items) = &node.kind {
                    for (i, item) in items.iter().enumerate() {
                        descend(item, val, Seg::Idx(i), &mut out);
                    }
                }
            }
            "properties" => {
                if let (Kind::Map(m), Some(props)) = (&node.kind, val.as_object()) {
                    for (p, sub) in props {
                        if let Some(e) = m.get(p) {
                            descend(&e.value, sub, Seg::Key(p.clone()), &mut out);
                        }
                    }
                }
            }
            "patternProperties" => {
                if let (Kind::Map(m), Some(pats)) = (&node.kind, val.as_object()) {
                    for (p, sub) in pats {
                        for (k, e) in m {
                            if search(p, k) {
                                descend(&e.value, sub, Seg::Key(k.clone()), &mut out);
                            }
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Kind::Map(m) = &node.kind
                    && val.as_bool() == Some(false)
                {
                    let extras = additional(m.keys(), schema);
                    if !extras.is_empty() {
                        let names: Vec<&str> = extras.iter().map(String::as_str).collect();
                        let msg = super::check::extras_msg(&names);
                        out.push(fail(node, schema, "additionalProperties", msg));
                    }
                }
            }
            "required" => {
                if let (Kind::Map(m), Some(names)) = (&node.kind, val.as_array()) {
                    for n in names.iter().filter_map(Value::as_str) {
                        if !m.contains_key(n) {
                            let msg = format!("{} is a required property", pytext::str_repr(n));
                            out.push(fail(node, schema, "required", msg));
                        }
                    }
                }
            }
            "enum" => {
                if let Some(options) = val.as_array()
                    && !options.contains(&node.to_json())
                {
                    let msg = format!("{} is not one of {}", py(node), pytext::repr(val));
                    out.push(fail(node, schema, "enum", msg));
                }
            }
            "not" if validate(node, val).is_empty() => {
                let msg = format!(
                    "{} should not be valid under {}",
                    py(node),
                    pytext::repr(val)
                );
                out.push(fail(node, schema, "not", msg));
            }
            "oneOf" | "anyOf" => {
                if let Some(subs) = val.as_array() {
                    one_or_any(node, schema, kw == "oneOf", subs, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

/// The keys that neither `properties` nor `patternProperties` cover.
fn additional<'k>(keys: impl Iterator<Item = &'k String>, schema: &Value) -> Vec<String> {
    let props = schema.get("properties").and_then(Value::as_object);
    let pats = schema.get("patternProperties").and_then(Value::as_object);
    keys.filter(|k| !props.is_some_and(|p| p.contains_key(k.as_str())))
        .filter(|k| !pats.is_some_and(|p| p.keys().any(|pat| search(pat, k))))
        .cloned()
        .collect()
}

fn one_or_any<'a>(
    node: &'a Node,
    schema: &'a Value,
    one: bool,
    subs: &'a [Value],
    out: &mut Vec<Failure<'a>>,
) {
    let mut all = Vec::new();
    let mut first_valid = None;
    for (i, sub) in subs.iter().enumerate() {
        let errs = validate(node, sub);
        if errs.is_empty() {
            first_valid = Some(i);
            break;
        }
        all.extend(errs);
    }
    let keyword = if one { "oneOf" } else { "anyOf" };
    let Some(first) = first_valid else {
        let msg = format!("{} is not valid under any of the given schemas", py(node));
        let mut f = fail(node, schema, keyword, msg);
        f.context = all;
        out.push(f);
        return;
    };
    if !one {
        return;
    }
    let mut more: Vec<&Value> = subs[first + 1..]
        .iter()
        .filter(|s| validate(node, s).is_empty())
        .collect();
    if !more.is_empty() {
        more.push(&subs[first]);
        let reprs: Vec<String> = more.iter().map(|s| pytext::repr(s)).collect();
        let msg = format!("{} is valid under each of {}", py(node), reprs.join(", "));
        out.push(fail(node, schema, keyword, msg));
    }
}
