//! YAML loading for the workflow language: text in, a tree of positioned
//! nodes out. Called by `parse_workflows` only.
//!
//! Two parsers. `saphyr-parser` events build the [`Node`] tree, which keeps
//! each node's line and column and knows a plain scalar from a quoted one;
//! the builder enforces the depth limit and a node budget that stops alias
//! bombs. Then `yaml_serde` (libyaml's lineage, like PyYAML) must accept the
//! text too; it is run only on a document already known to be shallow.
//! Syntax errors from either carry line and column. Plain scalars
//! are resolved the way PyYAML's SafeLoader (YAML 1.1, what Mistral uses)
//! resolves them: `yes/no/on/off/true/false` in their three spellings are
//! booleans, `y`/`n` are not; `~`, `null` and the empty scalar are null;
//! `0x1f`, `017` (octal), `1_000` are integers; a float needs a dot. Quoted
//! and block scalars are always strings.
//!
//! Invariant: a tree that exists is within the size, depth and alias budgets.

use indexmap::IndexMap;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

use super::Diagnostic;

/// Largest accepted document, in bytes.
pub(crate) const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Deepest accepted nesting of collections.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most nodes a document may expand to, aliases included.
const MAX_NODES: usize = 1_000_000;

/// One YAML node with its 1-based position.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub line: u32,
    pub col: u32,
}

/// A node's content, scalars already resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    Seq(Vec<Node>),
    Map(IndexMap<String, Entry>),
}

/// A mapping entry: the key's position and the value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub line: u32,
    pub col: u32,
    pub value: Node,
}

impl Node {
    /// The node as JSON data.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Num(n) => Value::Number(n.clone()),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => {
                let mut m = Map::with_capacity(entries.len());
                for (k, e) in entries {
                    m.insert(k.clone(), e.value.to_json());
                }
                Value::Object(m)
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&IndexMap<String, Entry>> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A short name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Num(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

fn diag(line: Option<u32>, column: Option<u32>, message: String) -> Diagnostic {
    Diagnostic {
        path: String::new(),
        line,
        column,
        message,
    }
}

fn at(span: &Span, message: String) -> Diagnostic {
    let (l, c) = pos(span);
    diag(Some(l), Some(c), message)
}

fn pos(span: &Span) -> (u32, u32) {
    let l = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let c = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    (l, c)
}

/// Parses one YAML document. An empty document gives `None`.
pub(crate) fn load(text: &str) -> Result<Option<Node>, Diagnostic> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(diag(
            None,
            None,
            format!(
                "document is too large: {} bytes, the limit is {MAX_TEXT_BYTES}",
                text.len()
            ),
        ));
    }
    let root = Builder::default().run(text)?;
    // A second opinion from libyaml's lineage (closest to PyYAML): the
    // document must be acceptable to both parsers. Safe to run now that the
    // nesting is known to be shallow (libyaml is quadratic on deep nesting).
    if let Err(e) = yaml_serde::from_str::<serde::de::IgnoredAny>(text) {
        let (line, column) = match e.location() {
            Some(l) => (u32::try_from(l.line()).ok(), u32::try_from(l.column()).ok()),
            None => (None, None),
        };
        return Err(diag(
            line,
            column,
            format!("Definition could not be parsed: {e}"),
        ));
    }
    Ok(root)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        line: u32,
        col: u32,
        anchor: usize,
    },
    Map {
        entries: IndexMap<String, Entry>,
        key: Option<(String, u32, u32)>,
        line: u32,
        col: u32,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
}

impl Builder {
    fn run(mut self, text: &str) -> Result<Option<Node>, Diagnostic> {
        let mut parser = Parser::new_from_str(text);
        while let Some(ev) = parser.next_event() {
            let (ev, span) = ev.map_err(|e| {
                let m = e.marker();
                diag(
                    u32::try_from(m.line()).ok(),
                    u32::try_from(m.col() + 1).ok(),
                    format!("Definition could not be parsed: {}", e.info()),
                )
            })?;
            self.event(ev, &span)?;
        }
        Ok(self.root)
    }

    fn event(&mut self, ev: Event<'_>, span: &Span) -> Result<(), Diagnostic> {
        let (line, col) = pos(span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let kind = resolve_scalar(&text, style, tag.as_deref()).map_err(|m| at(span, m))?;
                let node = Node { kind, line, col };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.count(1, span)?;
                self.push(node, span)
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Err(at(span, "unknown alias".into()));
                };
                self.count(count_nodes(&node), span)?;
                self.push(node, span)
            }
            Event::SequenceStart(anchor, _) => {
                self.deeper(span)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    line,
                    col,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.deeper(span)?;
                self.stack.push(Frame::Map {
                    entries: IndexMap::new(),
                    key: None,
                    line,
                    col,
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        line,
                        col,
                        anchor,
                    }) => (
                        Node {
                            kind: Kind::Seq(items),
                            line,
                            col,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        entries,
                        line,
                        col,
                        anchor,
                        ..
                    }) => (
                        Node {
                            kind: Kind::Map(entries),
                            line,
                            col,
                        },
                        anchor,
                    ),
                    None => return Err(at(span, "unbalanced collection end".into())),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.count(1, span)?;
                self.push(node, span)
            }
            _ => Ok(()),
        }
    }

    fn deeper(&self, span: &Span) -> Result<(), Diagnostic> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(at(
                span,
                format!("document is nested too deeply: the limit is {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(at(
                span,
                format!("document expands to more than {MAX_NODES} nodes (through aliases?)"),
            ));
        }
        Ok(())
    }

    fn push(&mut self, node: Node, span: &Span) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { entries, key, .. }) => {
                match key.take() {
                    None => {
                        let text = key_text(&node)
                            .ok_or_else(|| at(span, "a mapping key must be a scalar".into()))?;
                        *key = Some((text, node.line, node.col));
                    }
                    Some((k, line, col)) => {
                        // Last value wins, first position kept: PyYAML's dict.
                        entries.insert(
                            k,
                            Entry {
                                line,
                                col,
                                value: node,
                            },
                        );
                    }
                }
                Ok(())
            }
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        Kind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Kind::Map(m) => 1 + m.values().map(|e| count_nodes(&e.value)).sum::<usize>(),
        _ => 1,
    }
}

/// A scalar key as the JSON text Mistral ends up storing (`json.dumps` of
/// the Python key): `on: 1` gives the key `true`, `1: x` the key `1`.
fn key_text(node: &Node) -> Option<String> {
    Some(match &node.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Num(n) => n.to_string(),
        Kind::Str(s) => s.clone(),
        Kind::Seq(_) | Kind::Map(_) => return None,
    })
}

fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Kind, String> {
    if let Some(tag) = tag {
        let core = tag.handle == "!!" || tag.is_yaml_core_schema();
        if tag.handle == "!" && tag.suffix.is_empty() {
            return Ok(Kind::Str(text.to_string()));
        }
        if !core {
            return Err(format!("unsupported YAML tag '{tag}'"));
        }
        let resolved = resolve_plain(text);
        return match (tag.suffix.as_str(), resolved) {
            ("str", _) => Ok(Kind::Str(text.to_string())),
            ("bool", k @ Kind::Bool(_)) | ("null", k @ Kind::Null) => Ok(k),
            ("int", Kind::Num(n)) if !n.is_f64() => Ok(Kind::Num(n)),
            ("float", Kind::Num(n)) => n
                .as_f64()
                .and_then(Number::from_f64)
                .map(Kind::Num)
                .ok_or_else(|| format!("'{text}' is not a {tag}")),
            ("float", Kind::Str(_)) => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Kind::Num)
                .ok_or_else(|| format!("'{text}' is not a {tag}")),
            _ => Err(format!("'{text}' is not a {tag}")),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Kind::Str(text.to_string()));
    }
    Ok(resolve_plain(text))
}

/// PyYAML SafeLoader's implicit resolvers for a plain scalar.
pub(crate) fn resolve_plain(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Kind::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Kind::Bool(false);
        }
        _ => {}
    }
    if let Some(n) = yaml11_int(s) {
        return Kind::Num(n);
    }
    if let Some(n) = yaml11_float(s) {
        return Kind::Num(n);
    }
    Kind::Str(s.to_string())
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn int_number(neg: bool, magnitude: u128) -> Option<Number> {
    if neg {
        let v = i64::try_from(magnitude)
            .ok()
            .map(|v| -v)
            .or_else(|| (magnitude == u128::from(i64::MIN.unsigned_abs())).then_some(i64::MIN))?;
        Some(Number::from(v))
    } else {
        u64::try_from(magnitude).ok().map(Number::from)
    }
}

/// `[-+]?(0b[01_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+ | [1-9][0-9_]*(:[0-5]?[0-9])+)`
fn yaml11_int(s: &str) -> Option<Number> {
    let (neg, body) = split_sign(s);
    let digits = |t: &str, radix: u32| -> Option<u128> {
        let clean: String = t.chars().filter(|c| *c != '_').collect();
        if clean.is_empty() {
            return None;
        }
        u128::from_str_radix(&clean, radix).ok()
    };
    let valid = |t: &str, f: fn(char) -> bool| !t.is_empty() && t.chars().all(|c| c == '_' || f(c));
    let mag = if let Some(b) = body.strip_prefix("0b") {
        valid(b, |c| c == '0' || c == '1').then(|| digits(b, 2))??
    } else if let Some(h) = body.strip_prefix("0x") {
        valid(h, |c| c.is_ascii_hexdigit()).then(|| digits(h, 16))??
    } else if body == "0" {
        0
    } else if let Some(o) = body.strip_prefix('0') {
        valid(o, |c| ('0'..='7').contains(&c)).then(|| digits(o, 8))??
    } else if body.contains(':') {
        sexagesimal(body, |c| c.is_ascii_digit() || c == '_')?
            .parse::<u128>()
            .ok()?
    } else {
        let first = body.chars().next()?;
        if !('1'..='9').contains(&first) || !valid(body, |c| c.is_ascii_digit()) {
            return None;
        }
        digits(body, 10)?
    };
    int_number(neg, mag)
}

/// Base-60 `1:30:15` → the decimal value, as text; `None` when malformed.
fn sexagesimal(body: &str, head_ok: fn(char) -> bool) -> Option<String> {
    let mut parts = body.split(':');
    let head = parts.next()?;
    let first = head.chars().next()?;
    if !('1'..='9').contains(&first) || !head.chars().all(head_ok) {
        return None;
    }
    let mut value: u128 = head.replace('_', "").parse().ok()?;
    for p in parts {
        if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if p.len() == 2 && p.as_bytes()[0] > b'5' {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(p.parse().ok()?)?;
    }
    Some(value.to_string())
}

/// PyYAML's float: a dot is required; `.inf`/`.nan` are not JSON and stay text.
fn yaml11_float(s: &str) -> Option<Number> {
    let (neg, body) = split_sign(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if let Some(e) = exp {
        // PyYAML wants a sign in the exponent.
        let (sign, digits) = e.split_at(e.len().min(1));
        if !(sign == "+" || sign == "-")
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
    }
    let dot = mantissa.find('.')?;
    let (int_part, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
    if !frac.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    let int_clean = if int_part.contains(':') {
        if exp.is_some() {
            return None;
        }
        sexagesimal(int_part, |c| c.is_ascii_digit() || c == '_')?
    } else if int_part.is_empty() {
        // `.5` needs a digit right after the dot.
        if !frac.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        "0".into()
    } else {
        if !int_part.starts_with(|c: char| c.is_ascii_digit())
            || !int_part.chars().all(|c| c.is_ascii_digit() || c == '_')
        {
            return None;
        }
        int_part.replace('_', "")
    };
    let text = format!(
        "{}{}.{}0{}",
        if neg { "-" } else { "" },
        int_clean,
        frac.replace('_', ""),
        exp.map(|e| format!("e{e}")).unwrap_or_default()
    );
    text.parse::<f64>().ok().and_then(Number::from_f64)
}
