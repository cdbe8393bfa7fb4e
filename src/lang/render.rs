//! Text Mistral derives from a workflow for its API: the stored definition
//! of a workflow cut from a multi-workflow upload, the human `input` string
//! and the `interface` object (`mistral/services/workflows.py`,
//! `mistral/api/controllers/v2/resources.py`).
//!
//! Invariant: pure functions of the spec or the uploaded text.

use serde_json::{Map, Value, json};

use crate::domain::number::Plain;

use super::spec::WorkflowSpec;
use super::yaml::{Kind, Node};

/// The workflow's own YAML: the whole text when it is the only workflow,
/// otherwise a version line plus the workflow's section of the text.
pub(crate) fn definition(text: &str, root: &Node, name: &str) -> String {
    let Some(m) = root.as_map() else {
        return text.to_string();
    };
    if m.keys().filter(|k| *k != "version").count() <= 1 {
        return text.to_string();
    }
    let version = match m.get("version").map(|e| &e.value.kind) {
        Some(Kind::Num(n)) => format!("version: {n}\n"),
        Some(Kind::Str(s)) => format!("version: '{}'\n", s.replace('\'', "''")),
        _ => "version: '2.0'\n".to_string(),
    };
    let block = root.col == 1 && m.values().all(|e| e.col == 1);
    let mut starts: Vec<u32> = m.values().map(|e| e.line).collect();
    starts.sort_unstable();
    starts.dedup();
    let distinct = starts.len() == m.len();
    if let Some(e) = m.get(name)
        && block
        && distinct
    {
        let end = starts.iter().copied().find(|l| *l > e.line);
        let lines: Vec<&str> = text
            .split_inclusive('\n')
            .skip(e.line.saturating_sub(1) as usize)
            .take(end.map_or(usize::MAX, |l| (l - e.line) as usize))
            .collect();
        let keep = lines
            .iter()
            .rposition(|l| !(l.trim().is_empty() || l.starts_with('#')))
            .map_or(0, |i| i + 1);
        let mut out = version;
        for l in &lines[..keep] {
            out.push_str(l);
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        return out;
    }
    // A flow-style document: dump the workflow's data, as Mistral does.
    let mut doc = Map::new();
    doc.insert(
        "version".into(),
        m.get("version").map_or(json!("2.0"), |e| e.value.to_json()),
    );
    if let Some(e) = m.get(name) {
        doc.insert(name.to_string(), e.value.to_json());
    }
    yaml_serde::to_string(&Plain(&Value::Object(doc))).unwrap_or_else(|_| text.to_string())
}

/// Mistral's human input string: `a, b="x"` (a default is rendered with
/// Python's `str`).
pub fn input_string(spec: &WorkflowSpec) -> String {
    spec.input
        .iter()
        .map(|p| match &p.default {
            None => p.name.clone(),
            Some(v) => format!("{}=\"{}\"", p.name, py_str(v)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `{"input": [name | {name: default}], "output": [output keys]}`.
pub fn interface(spec: &WorkflowSpec) -> Value {
    let input: Vec<Value> = spec
        .input
        .iter()
        .map(|p| match &p.default {
            None => Value::String(p.name.clone()),
            Some(v) => {
                let mut m = Map::new();
                m.insert(p.name.clone(), v.clone());
                Value::Object(m)
            }
        })
        .collect();
    let output: Vec<Value> = match &spec.output {
        Some(Value::Object(o)) => o.keys().map(|k| Value::String(k.clone())).collect(),
        _ => Vec::new(),
    };
    json!({"input": input, "output": output})
}

pub(crate) use crate::domain::pytext::str as py_str;

/// The YAML of one member of a workbook's `workflows` or `actions`, cut
/// from the workbook text as Mistral's `_parse_def_from_wb` does: the
/// member's key line and every following line indented deeper (blank lines
/// and comments kept), dedented. A member written in flow style is dumped
/// instead.
pub(crate) fn member_definition(
    text: &str,
    name: &str,
    line: u32,
    col: u32,
    node: &Node,
) -> String {
    let mut lines = text
        .split_inclusive('\n')
        .skip(line.saturating_sub(1) as usize);
    let ident = col.saturating_sub(1) as usize;
    let head = lines.next().unwrap_or_default();
    let key_line = head.get(ident..).map(str::trim_end);
    let block = key_line
        .and_then(|k| k.strip_prefix(name))
        .is_some_and(|rest| rest.trim_start() == ":" || rest.trim_start().starts_with(": #"))
        && head[..ident].trim().is_empty();
    if !block {
        let mut doc = Map::new();
        doc.insert(name.to_string(), node.to_json());
        return yaml_serde::to_string(&Plain(&Value::Object(doc))).unwrap_or_default();
    }
    let mut out = String::from(&head[ident..]);
    for l in lines {
        let t = l.trim();
        if t.is_empty() {
            out.push_str(l);
        } else {
            let indent = l.len() - l.trim_start().len();
            if t.starts_with('#') {
                out.push_str(if ident > indent { l } else { &l[ident..] });
            } else if indent > ident {
                out.push_str(&l[ident..]);
            } else {
                break;
            }
        }
    }
    format!("{}\n", out.trim_end())
}

/// Mistral's input string of an ad-hoc action: `a, b="x"` with each
/// default in `json.dumps` spelling (`mistral/services/adhoc_actions.py`).
pub fn action_input_string(input: &[super::spec::InputParam]) -> String {
    input
        .iter()
        .map(|p| match &p.default {
            None => p.name.clone(),
            Some(v) => format!("{}={}", p.name, crate::expr::pyjson::dumps(v, None)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
