//! Text Mistral derives from a workflow for its API: the stored definition
//! of a workflow cut from a multi-workflow upload, the human `input` string
//! and the `interface` object (`mistral/services/workflows.py`,
//! `mistral/api/controllers/v2/resources.py`).
//!
//! Invariant: pure functions of the spec or the uploaded text.

use serde_json::{Map, Value, json};

use crate::domain::number::Plain;

use super::spec::WorkflowSpec;
use super::yaml::{self, Node};

/// The workflow's own YAML: the whole text when it is the only workflow,
/// otherwise the version and the workflow's data as PyYAML dumps them
/// (`_cut_wf_definition_from_all`: `yaml.dump({'version': ..., name: ...},
/// sort_keys=False)`), comments and the text's own layout gone.
pub(crate) fn definition(text: &str, root: &Node, name: &str) -> String {
    let Some(m) = root.as_map() else {
        return text.to_string();
    };
    if m.keys().filter(|k| *k != "version").count() <= 1 {
        return text.to_string();
    }
    let mut entries: Vec<(&str, &Node)> = Vec::with_capacity(2);
    if let Some(e) = m.get("version") {
        entries.push(("version", &e.value));
    }
    if let Some(e) = m.get(name) {
        entries.push((name, &e.value));
    }
    yaml::dump::dump_mapping(&entries)
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
