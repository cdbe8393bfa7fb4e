//! Shared helpers of the spec builders: the diagnostic collector, path
//! building and the schema checks that several attributes share
//! (`EXPRESSION_OR_POSITIVE_INTEGER`, `NONEMPTY_DICT`, ...).
//!
//! Invariant: a helper that finds a problem records it and returns `None`;
//! it never stops the walk, so one upload reports every problem.

use serde_json::{Map, Value};
use std::collections::HashSet;

use super::Diagnostic;
use super::cmd::{has_jinja, has_yaql, is_full_expression};
use super::yaml::{Kind, Node};

/// Collects diagnostics during one parse.
#[derive(Default)]
pub(crate) struct Cx {
    pub diags: Vec<Diagnostic>,
    /// Path of the spec being validated (a workflow, a task): Mistral
    /// validates each spec on its own, so its `On instance[...]` paths
    /// start there.
    pub base: String,
}

/// Python's repr of a node's value (`datetime.date(2020, 1, 2)` for a
/// timestamp).
pub(crate) fn py(node: &Node) -> String {
    match &node.kind {
        Kind::Date { repr, .. } => repr.clone(),
        _ => crate::domain::pytext::repr(&node.to_json()),
    }
}

/// jsonschema's `Additional properties are not allowed ('a', 'b' were
/// unexpected)`, names sorted as Python sorts them.
pub(crate) fn extras_msg(extras: &[&str]) -> String {
    let mut names: Vec<&str> = extras.to_vec();
    names.sort_unstable();
    let verb = if names.len() == 1 { "was" } else { "were" };
    let joined: Vec<String> = names
        .iter()
        .map(|n| crate::domain::pytext::str_repr(n))
        .collect();
    format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        joined.join(", ")
    )
}

impl Cx {
    /// Records a jsonschema-style problem as Mistral words it:
    /// `<message>\n\nOn instance['vars']['when']`.
    pub fn schema_err(&mut self, path: &str, node: &Node, message: impl Into<String>) {
        let inst = self.instance(path);
        self.err(
            path,
            node,
            format!("{}\n\nOn instance{inst}", message.into()),
        );
    }

    /// `a.b[0]` under the current spec as jsonschema writes it: `['a']['b'][0]`.
    pub fn instance(&self, path: &str) -> String {
        let rel = if self.base.is_empty() {
            path
        } else {
            path.strip_prefix(self.base.as_str())
                .map_or(path, |r| r.trim_start_matches('.'))
        };
        let mut out = String::new();
        for part in rel.split('.').filter(|p| !p.is_empty()) {
            let (name, idxs) = part.split_once('[').unwrap_or((part, ""));
            if !name.is_empty() {
                out.push_str(&format!("[{}]", crate::domain::pytext::str_repr(name)));
            }
            if !idxs.is_empty() {
                out.push('[');
                out.push_str(idxs);
            }
        }
        out
    }

    /// A timestamp where Mistral's schema checks the value's type.
    pub fn no_date(&mut self, path: &str, node: &Node) {
        if matches!(node.kind, Kind::Date { .. }) {
            self.schema_err(
                path,
                node,
                format!("{} is not valid under any of the given schemas", py(node)),
            );
        }
    }

    /// Records a problem at a node.
    pub fn err(&mut self, path: &str, node: &Node, message: impl Into<String>) {
        self.err_at(path, node.line, node.col, message);
    }

    /// Records a problem at a position.
    pub fn err_at(&mut self, path: &str, line: u32, col: u32, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            path: path.to_string(),
            line: (line > 0).then_some(line),
            column: (col > 0).then_some(col),
            message: message.into(),
        });
    }

    /// Checks the expressions of one string: YAQL and Jinja may not be mixed,
    /// and each must pass `expr::validate`.
    pub fn check_str(&mut self, path: &str, node: &Node, s: &str) {
        let yaql = has_yaql(s);
        let jinja = has_jinja(s);
        if yaql && jinja {
            self.err(
                path,
                node,
                "The line already contains an expression of type 'jinja'. \
                 Mixing expression types in a single line is not allowed.",
            );
        } else if (yaql || jinja)
            && let Err(e) = crate::expr::validate(s)
        {
            self.err(path, node, grammar_message(s, &e));
        }
    }

    /// Checks the strings of a JSON value that came from `node` as Mistral's
    /// `validate_expr` does: the value itself, the items of a list or the
    /// values of a dict, one level deep. Deeper strings are checked only
    /// when they are evaluated, so a syntax error there fails the run, not
    /// the upload, as on Mistral.
    pub fn check_value(&mut self, path: &str, node: &Node, v: &Value) {
        match v {
            Value::String(s) => self.check_str(path, node, s),
            Value::Array(items) => items.iter().for_each(|i| {
                if let Value::String(s) = i {
                    self.check_str(path, node, s);
                }
            }),
            Value::Object(m) => m.values().for_each(|i| {
                if let Value::String(s) = i {
                    self.check_str(path, node, s);
                }
            }),
            _ => {}
        }
    }

    /// [`Cx::check_value`] on a node, with precise paths.
    pub fn check_node(&mut self, path: &str, node: &Node) {
        match &node.kind {
            Kind::Str(s) => self.check_str(path, node, s),
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Kind::Str(s) = &item.kind {
                        self.check_str(&idx(path, i), item, s);
                    }
                }
            }
            Kind::Map(m) => {
                for (k, e) in m {
                    if let Kind::Str(s) = &e.value.kind {
                        self.check_str(&key(path, k), &e.value, s);
                    }
                }
            }
            _ => {}
        }
    }

    /// `NONEMPTY_STRING`.
    pub fn string(&mut self, path: &str, node: &Node) -> Option<String> {
        match &node.kind {
            Kind::Str(s) if !s.is_empty() => Some(s.clone()),
            Kind::Str(_) => {
                self.schema_err(path, node, "'' should be non-empty");
                None
            }
            _ => {
                self.schema_err(path, node, format!("{} is not of type 'string'", py(node)));
                None
            }
        }
    }

    /// `UNIQUE_STRING_LIST`.
    pub fn string_list(&mut self, path: &str, node: &Node) -> Option<Vec<String>> {
        let Kind::Seq(items) = &node.kind else {
            self.schema_err(path, node, format!("{} is not of type 'array'", py(node)));
            return None;
        };
        if items.is_empty() {
            self.schema_err(path, node, "[] should be non-empty");
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let p = idx(path, i);
            if let Some(s) = self.string(&p, item) {
                if seen.insert(s.clone()) {
                    out.push(s);
                } else {
                    self.schema_err(path, node, format!("{} has non-unique elements", py(node)));
                }
            }
        }
        Some(out)
    }

    /// A string or a unique list of strings.
    pub fn string_or_list(&mut self, path: &str, node: &Node) -> Option<Vec<String>> {
        match &node.kind {
            Kind::Str(_) => self.string(path, node).map(|s| vec![s]),
            _ => self.string_list(path, node),
        }
    }

    /// `NONEMPTY_DICT`, expressions checked one level deep.
    pub fn dict(&mut self, path: &str, node: &Node) -> Option<Map<String, Value>> {
        self.dict_checked(path, node, true)
    }

    /// `NONEMPTY_DICT` whose expressions Mistral does not check at upload
    /// (`output-on-error`): they fail when evaluated.
    pub fn dict_unchecked(&mut self, path: &str, node: &Node) -> Option<Map<String, Value>> {
        self.dict_checked(path, node, false)
    }

    fn dict_checked(&mut self, path: &str, node: &Node, check: bool) -> Option<Map<String, Value>> {
        match &node.kind {
            Kind::Map(m) if !m.is_empty() => {
                for (k, e) in m {
                    self.no_date(&key(path, k), &e.value);
                }
                if check {
                    self.check_node(path, node);
                }
                match node.to_json() {
                    Value::Object(o) => Some(o),
                    _ => None,
                }
            }
            Kind::Map(_) => {
                self.schema_err(path, node, "{} should be non-empty");
                None
            }
            _ => {
                self.schema_err(path, node, format!("{} is not of type 'object'", py(node)));
                None
            }
        }
    }

    /// `EXPRESSION_OR_POSITIVE_INTEGER`.
    pub fn expr_or_uint(&mut self, path: &str, node: &Node) -> Option<Value> {
        match &node.kind {
            Kind::Num(n) if n.is_u64() => Some(Value::Number(n.clone())),
            Kind::Str(s) if is_full_expression(s) => {
                self.check_str(path, node, s);
                Some(Value::String(s.clone()))
            }
            _ => {
                self.schema_err(
                    path,
                    node,
                    format!("{} is not valid under any of the given schemas", py(node)),
                );
                None
            }
        }
    }

    /// `EXPRESSION_OR_BOOLEAN`.
    pub fn expr_or_bool(&mut self, path: &str, node: &Node) -> Option<Value> {
        match &node.kind {
            Kind::Bool(b) => Some(Value::Bool(*b)),
            Kind::Str(s) if is_full_expression(s) => {
                self.check_str(path, node, s);
                Some(Value::String(s.clone()))
            }
            _ => {
                self.schema_err(
                    path,
                    node,
                    format!("{} is not valid under any of the given schemas", py(node)),
                );
                None
            }
        }
    }

    /// `EXPRESSION`.
    pub fn expression(&mut self, path: &str, node: &Node) -> Option<Value> {
        match &node.kind {
            Kind::Str(s) if is_full_expression(s) => {
                self.check_str(path, node, s);
                Some(Value::String(s.clone()))
            }
            _ => {
                self.schema_err(
                    path,
                    node,
                    format!("{} is not valid under any of the given schemas", py(node)),
                );
                None
            }
        }
    }
}

/// The text Mistral's upload check gives for an expression that does not
/// parse (`expressions/*.validate`): YAQL's own message, its position
/// counted in the text between `<%` and `%>` as written (leading blanks
/// included); Jinja's as `Syntax error '<message>'.`.
fn grammar_message(s: &str, e: &crate::expr::Error) -> String {
    if e.lang == "Jinja" {
        return format!("Syntax error '{}'.", e.message);
    }
    // Mistral checks `<% e %>.strip("<%>")`: the spaces inside the
    // delimiters stay, in the position and in the quoted expression.
    let inner = s
        .split("<%")
        .skip(1)
        .filter_map(|rest| rest.split_once("%>").map(|(inner, _)| inner))
        .map(|inner| inner.trim_matches(|c| c == '<' || c == '%' || c == '>'))
        .find(|inner| inner.trim() == e.expression.trim());
    let offset = inner.map_or(0, |inner| inner.len() - inner.trim_start().len());
    let message = match inner {
        Some(inner) => e.message.replace(
            &format!("of expression '{}'", e.expression),
            &format!("of expression '{inner}'"),
        ),
        None => e.message.clone(),
    };
    let Some(at) = message.rfind("at position ") else {
        return message;
    };
    let (head, tail) = message.split_at(at + "at position ".len());
    let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<usize>() {
        Ok(n) => format!("{head}{}{}", n + offset, &tail[digits.len()..]),
        Err(_) => message.clone(),
    }
}

/// `path.key` (or `key` at the root).
pub(crate) fn key(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

/// `path[i]`.
pub(crate) fn idx(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
