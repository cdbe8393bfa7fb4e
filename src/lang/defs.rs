//! The two other document kinds: an action list (top-level keys other
//! than `version` are ad-hoc action names, `mistral/lang/v2/actions.py`)
//! and a workbook (`name`, `description`, `tags`, `workflows`, `actions`,
//! `mistral/lang/v2/workbook.py`). Called by `parse_actions` and
//! `parse_workbook`.
//!
//! Invariant: like `workflow`, specs are returned only when the whole
//! document produced no diagnostic; the caller discards them otherwise.

use serde_json::{Map, Value};

use super::check::{Cx, extras_msg, key, py};
use super::cmd::parse_cmd_and_input;
use super::render;
use super::spec::{ActionSpec, WorkbookSpec, WorkflowSpec};
use super::task::deep_merge;
use super::workflow::{input, version_ok, workflow};
use super::yaml::{Kind, Node};

const WORKBOOK_KEYS: [&str; 6] = [
    "version",
    "name",
    "description",
    "tags",
    "workflows",
    "actions",
];

/// The root mapping of a document: `version` is required; its value is
/// checked for a workbook only (`parser.get_workbook_spec`).
fn root_map<'n>(
    cx: &mut Cx,
    root: Option<&'n Node>,
    what: &str,
) -> Option<&'n indexmap::IndexMap<String, super::yaml::Entry>> {
    let Some(root) = root else {
        cx.err_at("", 0, 0, "'version' is a required property");
        cx.err_at("", 0, 0, format!("the document holds no {what}"));
        return None;
    };
    let Some(m) = root.as_map() else {
        cx.schema_err("", root, format!("{} is not of type 'object'", py(root)));
        return None;
    };
    if what == "workbook" {
        // jsonschema reports the workbook's unknown keys before its
        // missing ones.
        let extras: Vec<&str> = m
            .keys()
            .map(String::as_str)
            .filter(|k| !WORKBOOK_KEYS.contains(k))
            .collect();
        if !extras.is_empty() {
            cx.err("", root, extras_msg(&extras));
        }
    }
    match m.get("version") {
        None => cx.err("version", root, "'version' is a required property"),
        // Mistral checks the value of a workbook's version only; an action
        // list, like a workflow list, takes any value its schema takes.
        Some(e) if what == "workbook" && !version_ok(&e.value) => cx.schema_err(
            "version",
            &e.value,
            format!("{} is not one of ['2.0', 2.0]", py(&e.value)),
        ),
        Some(e) if !super::workflow::version_schema_ok(&e.value) => cx.schema_err(
            "version",
            &e.value,
            format!(
                "{} is not valid under any of the given schemas",
                py(&e.value)
            ),
        ),
        Some(_) => {}
    }
    Some(m)
}

/// A whole action-list document.
pub(crate) fn action_document(cx: &mut Cx, root: Option<&Node>, text: &str) -> Vec<ActionSpec> {
    let Some(m) = root_map(cx, root, "action") else {
        return Vec::new();
    };
    let names: Vec<&String> = m.keys().filter(|k| *k != "version").collect();
    if names.is_empty()
        && let Some(r) = root
    {
        cx.err("", r, "the document holds no action");
    }
    let mut out = Vec::new();
    for name in names {
        let Some(e) = m.get(name) else { continue };
        if let Some(mut a) = action(cx, name, name, (e.line, e.col), &e.value) {
            a.definition = text.to_string();
            out.push(a);
        }
    }
    out
}

/// One ad-hoc action named `name`, diagnosed under `path`.
fn action(
    cx: &mut Cx,
    path: &str,
    name: &str,
    (line, col): (u32, u32),
    node: &Node,
) -> Option<ActionSpec> {
    if name.is_empty() {
        cx.err_at(path, line, col, "an action name must not be empty");
    }
    let Some(m) = node.as_map() else {
        cx.schema_err(path, node, format!("{} is not of type 'object'", py(node)));
        return None;
    };
    let outer = std::mem::replace(&mut cx.base, path.to_string());
    let mut extras: Vec<(&str, u32, u32)> = Vec::new();
    let mut a = ActionSpec {
        name: name.to_string(),
        description: None,
        tags: Vec::new(),
        base: String::new(),
        base_input: Map::new(),
        input: Vec::new(),
        output: None,
        definition: String::new(),
    };
    let mut inline = Map::new();
    for (k, e) in m {
        let p = key(path, k);
        let v = &e.value;
        match k.as_str() {
            "name" | "version" => {}
            "description" => a.description = cx.string(&p, v),
            "tags" => a.tags = cx.string_list(&p, v).unwrap_or_default(),
            "base" => {
                let Some(s) = cx.string(&p, v) else { continue };
                match parse_cmd_and_input(&s) {
                    Some((base, params)) => {
                        cx.check_value(&p, v, &Value::Object(params.clone()));
                        a.base = base;
                        inline = params;
                    }
                    None => cx.err(&p, v, format!("Invalid action base: {s}")),
                }
            }
            "base-input" => a.base_input = cx.dict(&p, v).unwrap_or_default(),
            "input" => a.input = input(cx, &p, v),
            "output" => {
                cx.check_node(&p, v);
                a.output = match v.kind {
                    Kind::Null => None,
                    _ => Some(v.to_json()),
                };
            }
            _ => extras.push((k.as_str(), e.line, e.col)),
        }
    }
    if let Some(&(_, l, c)) = extras.first() {
        let names: Vec<&str> = extras.iter().map(|x| x.0).collect();
        cx.err_at(path, l, c, extras_msg(&names));
    }
    if !m.contains_key("base") {
        cx.err_at(path, line, col, "'base' is a required property");
    }
    cx.base = outer;
    let mut merged = Value::Object(std::mem::take(&mut a.base_input));
    deep_merge(&mut merged, Value::Object(inline));
    if let Value::Object(o) = merged {
        a.base_input = o;
    }
    Some(a)
}

/// Mistral's `NON_VERSION_WORD_REGEX`: `^(?!version$)[\w-]+$`.
fn member_name_ok(s: &str) -> bool {
    s != "version"
        && !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A whole workbook document.
pub(crate) fn workbook_document(
    cx: &mut Cx,
    root: Option<&Node>,
    text: &str,
) -> Option<WorkbookSpec> {
    let m = root_map(cx, root, "workbook")?;
    let root = root?;
    let mut wb = WorkbookSpec {
        name: String::new(),
        description: None,
        tags: Vec::new(),
        workflows: Vec::new(),
        actions: Vec::new(),
    };
    for (k, e) in m {
        let v = &e.value;
        match k.as_str() {
            "version" => {}
            "name" => wb.name = cx.string(k, v).unwrap_or_default(),
            "description" => wb.description = cx.string(k, v),
            "tags" => wb.tags = cx.string_list(k, v).unwrap_or_default(),
            "workflows" => {
                wb.workflows = members(cx, k, v, |cx, p, n, at, node| {
                    workflow(cx, p, n, at, node).map(|mut w: WorkflowSpec| {
                        w.definition = render::member_definition(text, n, at.0, at.1, node);
                        w
                    })
                });
            }
            "actions" => {
                wb.actions = members(cx, k, v, |cx, p, n, at, node| {
                    action(cx, p, n, at, node).map(|mut a| {
                        a.definition = render::member_definition(text, n, at.0, at.1, node);
                        a
                    })
                });
            }
            // Reported together by `root_map`.
            _ => {}
        }
    }
    if !m.contains_key("name") {
        cx.err("", root, "'name' is a required property");
    }
    Some(wb)
}

/// The members of `workflows` or `actions`: a non-empty mapping whose keys
/// match `^(?!version$)[\w-]+$` (a `version` key may repeat the version).
fn members<T>(
    cx: &mut Cx,
    path: &str,
    node: &Node,
    mut build: impl FnMut(&mut Cx, &str, &str, (u32, u32), &Node) -> Option<T>,
) -> Vec<T> {
    let Some(m) = node.as_map() else {
        cx.schema_err(path, node, format!("{} is not of type 'object'", py(node)));
        return Vec::new();
    };
    if m.is_empty() {
        cx.schema_err(path, node, "{} should be non-empty");
    }
    let mut out = Vec::new();
    for (name, e) in m {
        let p = key(path, name);
        if name == "version" {
            if !version_ok(&e.value) {
                cx.schema_err(
                    &p,
                    &e.value,
                    format!("{} is not one of ['2.0', 2.0]", py(&e.value)),
                );
            }
            continue;
        }
        if !member_name_ok(name) {
            cx.err_at(
                &p,
                e.line,
                e.col,
                format!("'{name}' does not match '^(?!version$)[\\w-]+$'"),
            );
            continue;
        }
        if let Some(t) = build(cx, &p, name, (e.line, e.col), &e.value) {
            out.push(t);
        }
    }
    out
}
