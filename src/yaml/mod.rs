//! YAML as Mistral's loader (PyYAML) reads it: text in, a tree of
//! positioned nodes out, for the workflow language (`lang`), and as plain
//! JSON values for `yaml_parse()` in expressions (`expr`). On the ground
//! floor so that both use the one reader. Never does I/O.
//!
//! Two parsers. `saphyr-parser` events build the [`Node`] tree, which keeps
//! each node's line and column and knows a plain scalar from a quoted one;
//! the builder enforces the depth limit and a node budget that stops alias
//! bombs. Then `yaml_serde` (libyaml's lineage, like PyYAML) must accept the
//! text too; it is run only on a document already known to be shallow.
//! Syntax errors from either carry line and column. Mappings follow
//! PyYAML: duplicate keys are last-wins, plain `<<` merge keys are applied.
//! As in Mistral's loader, `&`, `*` and `@` start plain text, so there are
//! no anchors or aliases (the node budget stays, for a text that holds the
//! stand-ins these characters are swapped for). Plain scalars
//! are resolved the way PyYAML's SafeLoader (YAML 1.1, what Mistral uses)
//! resolves them: `yes/no/on/off/true/false` in their three spellings are
//! booleans, `y`/`n` are not; `~`, `null` and the empty scalar are null;
//! `0x1f`, `017` (octal), `1_000` are integers; a float needs a dot. Quoted
//! and block scalars are always strings.
//!
//! Invariant: a tree that exists is within the size, depth and alias budgets.

use indexmap::IndexMap;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

use scalar::resolve_scalar;

pub(crate) mod dump;
pub(crate) mod emit;
pub(crate) mod scalar;

/// Largest accepted document, in bytes.
pub(crate) const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Deepest accepted nesting of collections.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most nodes a document may expand to, aliases included (the tree costs
/// about 120 bytes a node: 250,000 is some 30 MB). The 10,000-task workflow
/// of the reliability corpus has about 60,000.
const MAX_NODES: usize = 250_000;

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
    /// A plain YAML 1.1 timestamp (`2020-01-02`): PyYAML makes it a Python
    /// date, which Mistral's schema refuses where it checks a value's type.
    /// `text` is the scalar as written, `repr` Python's repr of the value.
    Date {
        text: String,
        repr: String,
    },
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
            Kind::Str(s) | Kind::Date { text: s, .. } => Value::String(s.clone()),
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
            Kind::Date { .. } => "a date",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// One problem found in a document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Where, as a dotted path: `tasks.t1.on-success[0]`.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    /// Mistral's text first (what a client of Mistral matches on), then
    /// where: `'tasks' is a required property (at wf, line 2, column 1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if self.is_syntax() {
            // The position is in the message, as PyYAML's mark.
            return Ok(());
        }
        let at = if self.path.is_empty() {
            String::new()
        } else {
            format!("at {}", self.path)
        };
        let pos = match (self.line, self.column) {
            (Some(l), Some(c)) => format!("line {l}, column {c}"),
            (Some(l), None) => format!("line {l}"),
            _ => String::new(),
        };
        match (at.is_empty(), pos.is_empty()) {
            (true, true) => Ok(()),
            (false, true) => write!(f, " ({at})"),
            (true, false) => write!(f, " ({pos})"),
            (false, false) => write!(f, " ({at}, {pos})"),
        }
    }
}

impl Diagnostic {
    /// A YAML syntax error, or another problem Mistral reports outside its
    /// schema check (an empty workflow list): its message is Mistral's
    /// whole text.
    pub fn is_syntax(&self) -> bool {
        self.message.starts_with(PARSE_PREFIX) || self.message.starts_with(EMPTY_LIST_PREFIX)
    }
}

/// `yaml_parse(text)`: the document read as Mistral's own loader reads it
/// (PyYAML's YAML 1.1 scalars, `&`/`*`/`@` as plain text); an empty
/// document is null. The error is the parser's problem and position.
pub(crate) fn value(text: &str) -> Result<serde_json::Value, String> {
    match load(text) {
        Ok(node) => Ok(node.map_or(serde_json::Value::Null, |n| n.to_json())),
        Err(d) => match d.message.strip_prefix(PARSE_PREFIX) {
            // PyYAML's error text: the problem and its mark.
            Some(rest) => Err(rest.trim_end_matches('\n').to_string()),
            None => Err(d.to_string()),
        },
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
    // PyYAML reads a byte order mark at the start as no content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let original = text;
    let swapped = hide_indicators(text);
    let text = swapped.as_deref().unwrap_or(text);
    let root = build_repairing(text).map_err(|mut d| {
        d.message = reveal(&d.message);
        mistral_syntax(d, original)
    })?;
    // A second opinion from libyaml's lineage (closest to PyYAML): the
    // document must be acceptable to both parsers. Safe to run now that the
    // nesting is known to be shallow (libyaml is quadratic on deep nesting).
    if let Err(e) = yaml_serde::from_str::<serde::de::IgnoredAny>(text) {
        if let Some(d) = several_documents(original, &e.to_string()) {
            return Err(d);
        }
        let (line, column) = match e.location() {
            Some(l) => (u32::try_from(l.line()).ok(), u32::try_from(l.column()).ok()),
            None => (None, None),
        };
        let problem = e.to_string();
        // The position is the mark's, not part of the problem.
        let problem = problem
            .find(" at line ")
            .map_or(problem.as_str(), |i| &problem[..i]);
        let d = diag(line, column, reveal(&format!("{PARSE_PREFIX}{problem}")));
        return Err(mistral_syntax(d, original));
    }
    Ok(root)
}

/// How a syntax error's message starts, as in Mistral.
pub(crate) const PARSE_PREFIX: &str = "Definition could not be parsed: ";

/// The start of Mistral's text for a list document without items
/// (`At least one item must be in the list [data={'version': '2.0'}].`).
pub(crate) const EMPTY_LIST_PREFIX: &str = "At least one item must be in the list";

/// A syntax error as Mistral reports it: PyYAML's problem, then its mark
/// (`  in "<unicode string>", line L, column C:`, the line and a caret
/// under the column), then a line break.
fn mistral_syntax(d: Diagnostic, text: &str) -> Diagnostic {
    let (Some(problem), Some(line), Some(col)) =
        (d.message.strip_prefix(PARSE_PREFIX), d.line, d.column)
    else {
        return d;
    };
    let (problem, col) = pyyaml_words(problem, text, line, col);
    let message = format!(
        "{PARSE_PREFIX}{problem}\n  in \"<unicode string>\", line {line}, column {col}:\n{}\n",
        snippet(text, line, col)
    );
    Diagnostic { message, ..d }
}

/// PyYAML's words (and column) where the parsers here word a problem
/// differently: a mapping value in a plain scalar, a character that cannot
/// start a token (a tab in the indentation among them).
fn pyyaml_words(problem: &str, text: &str, line: u32, col: u32) -> (String, u32) {
    let cannot_start = |c: char| {
        format!(
            "while scanning for the next token\nfound character {} that cannot start any token",
            crate::domain::pytext::str_repr(&c.to_string())
        )
    };
    if problem == "mapping values are not allowed in this context" {
        return ("mapping values are not allowed here".into(), col);
    }
    if let Some(c) = problem
        .strip_prefix("unexpected character: `")
        .and_then(|r| r.strip_suffix('\''))
        .and_then(|r| r.chars().next())
    {
        return (cannot_start(c), col);
    }
    if problem == "found character that cannot start any token"
        && let Some(c) = text
            .split('\n')
            .nth(line.saturating_sub(1) as usize)
            .and_then(|l| l.chars().nth(col.saturating_sub(1) as usize))
    {
        return (cannot_start(c), col);
    }
    if problem.starts_with("tabs disallowed")
        || problem == "':' must be followed by a valid YAML whitespace"
    {
        // PyYAML points at the tab itself.
        let at = text
            .split('\n')
            .nth(line.saturating_sub(1) as usize)
            .and_then(|l| {
                let head: Vec<char> = l.chars().take(col as usize).collect();
                head.iter().rposition(|c| *c == '\t')
            });
        if let Some(i) = at {
            return (cannot_start('\t'), u32::try_from(i + 1).unwrap_or(col));
        }
    }
    (problem.to_string(), col)
}

/// PyYAML's refusal of a second document (`safe_load` reads one): marks
/// at the first document's start and at the `---` that starts the next.
fn several_documents(text: &str, problem: &str) -> Option<Diagnostic> {
    if !problem.contains("more than one document") {
        return None;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let content = |l: &&str| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#') && !t.starts_with('%')
    };
    let first = lines.iter().position(content)?;
    let col = lines[first].len() - lines[first].trim_start().len() + 1;
    let second = lines
        .iter()
        .enumerate()
        .skip(first + 1)
        .find(|(_, l)| l.starts_with("---"))?
        .0;
    let mark = |line: usize, col: usize| {
        let (line, col) = (
            u32::try_from(line + 1).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        );
        format!(
            "  in \"<unicode string>\", line {line}, column {col}:\n{}",
            snippet(text, line, col)
        )
    };
    Some(diag(
        u32::try_from(second + 1).ok(),
        Some(1),
        format!(
            "{PARSE_PREFIX}expected a single document in the stream\n{}\nbut found another document\n{}\n",
            mark(first, col),
            mark(second, 1)
        ),
    ))
}

/// PyYAML's `Mark.get_snippet()`: the line around the column (at most
/// some 36 characters either side, cut ones shown as ` ... `), indented
/// by 4, and a caret under the column.
fn snippet(text: &str, line: u32, col: u32) -> String {
    let chars: Vec<char> = text
        .split('\n')
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or_default()
        .trim_end_matches('\r')
        .chars()
        .collect();
    let p = (col.saturating_sub(1) as usize).min(chars.len());
    let half = 75.0 / 2.0 - 1.0;
    let (mut start, mut head) = (p, "");
    while start > 0 {
        start -= 1;
        if (p - start) as f64 > half {
            head = " ... ";
            start += 5;
            break;
        }
    }
    let (mut end, mut tail) = (p, "");
    while end < chars.len() {
        end += 1;
        if (end - p) as f64 > half {
            tail = " ... ";
            end -= 5;
            break;
        }
    }
    let body: String = chars[start..end].iter().collect();
    format!(
        "    {head}{body}{tail}\n{}^",
        " ".repeat(4 + p - start + head.len())
    )
}

/// Mistral's loader reads `&` and `*` (anchor and alias indicators) and
/// `@` (reserved) as the start of a plain scalar: `*x` is the text `*x`,
/// `&a b` the text `&a b`, `@ops` the text `@ops`. Each of these
/// characters is swapped for a private-use one that a plain scalar may
/// start with (the same width, so positions hold), and swapped back in
/// every scalar and message. `None` when the text holds one of the
/// stand-ins already (then it is read as written).
fn hide_indicators(text: &str) -> Option<String> {
    if !text.contains(['&', '*', '@']) || text.contains(STAND_INS.map(|(_, s)| s)) {
        return None;
    }
    Some(
        text.chars()
            .map(|c| {
                STAND_INS
                    .iter()
                    .find(|(o, _)| *o == c)
                    .map_or(c, |(_, s)| *s)
            })
            .collect(),
    )
}

/// The characters [`hide_indicators`] swapped, back as written.
fn reveal(text: &str) -> String {
    if !text.contains(STAND_INS.map(|(_, s)| s)) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            STAND_INS
                .iter()
                .find(|(_, s)| *s == c)
                .map_or(c, |(o, _)| *o)
        })
        .collect()
}

/// Each indicator and its stand-in.
const STAND_INS: [(char, char); 3] = [('&', '\u{E026}'), ('*', '\u{E02A}'), ('@', '\u{E040}')];

/// Most indentation repairs tried on one document.
const MAX_REPAIRS: usize = 256;

/// Builds the tree. PyYAML (libyaml) accepts flow collections whose
/// continuation lines are indented no deeper than their block parent
/// (`body: {` ... `}` at the key's column); saphyr refuses them. Leading
/// white space inside a flow collection carries no meaning, so such a line
/// is indented one more space and the parse retried; the positions of the
/// repaired lines are shifted back afterwards. Any other error, or too many
/// repairs, reports the first error of the original text.
fn build_repairing(text: &str) -> Result<Option<Node>, Diagnostic> {
    let first = match Builder::default().run(text) {
        Ok(root) => return Ok(root),
        Err(e) => e,
    };
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let mut shifts: HashMap<u32, u32> = HashMap::new();
    let mut bad = first.1;
    for _ in 0..MAX_REPAIRS {
        let Some(line) = bad else { break };
        let Some(l) = lines.get_mut((line as usize).saturating_sub(1)) else {
            break;
        };
        l.insert(0, ' ');
        *shifts.entry(line).or_default() += 1;
        let fixed: String = lines.concat();
        match Builder::default().run(&fixed) {
            Ok(mut root) => {
                if let Some(r) = root.as_mut() {
                    unshift(r, &shifts);
                }
                return Ok(root);
            }
            Err((_, next)) => bad = next,
        }
    }
    Err(first.0)
}

/// Moves the columns of nodes on repaired lines back to the original text.
fn unshift(node: &mut Node, shifts: &HashMap<u32, u32>) {
    let back = |line: u32, col: &mut u32| {
        if let Some(s) = shifts.get(&line) {
            *col = col.saturating_sub(*s).max(1);
        }
    };
    back(node.line, &mut node.col);
    match &mut node.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|i| unshift(i, shifts)),
        Kind::Map(m) => {
            for e in m.values_mut() {
                back(e.line, &mut e.col);
                unshift(&mut e.value, shifts);
            }
        }
        _ => {}
    }
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
        /// The pending key is a plain `<<` (a YAML merge key).
        merge_key: bool,
        /// Values of merge keys, in order.
        merges: Vec<Node>,
        line: u32,
        col: u32,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// Anchored nodes with their node counts (an alias is budgeted before
    /// it is copied).
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
}

impl Builder {
    /// Builds the tree; a syntax error also returns the line it is on
    /// when it is an indentation error that a repair may fix.
    fn run(mut self, text: &str) -> Result<Option<Node>, (Diagnostic, Option<u32>)> {
        let mut parser = Parser::new_from_str(text);
        while let Some(ev) = parser.next_event() {
            let (ev, span) = ev.map_err(|e| {
                let m = e.marker();
                let line = u32::try_from(m.line()).ok();
                let d = diag(
                    line,
                    u32::try_from(m.col() + 1).ok(),
                    format!("Definition could not be parsed: {}", e.info()),
                );
                (d, line.filter(|_| e.info().contains("invalid indentation")))
            })?;
            self.event(ev, &span).map_err(|d| (d, None))?;
        }
        Ok(self.root)
    }

    fn event(&mut self, ev: Event<'_>, span: &Span) -> Result<(), Diagnostic> {
        let (line, col) = pos(span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let plain_merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                let text = reveal(&text);
                let kind = resolve_scalar(&text, style, tag.as_deref()).map_err(|m| at(span, m))?;
                let node = Node { kind, line, col };
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.count(1, span)?;
                self.push(node, plain_merge, span)
            }
            Event::Alias(id) => {
                let Some(&(_, n)) = self.anchors.get(&id) else {
                    return Err(at(span, "unknown alias".into()));
                };
                self.count(n, span)?;
                let node = self.anchors[&id].0.clone();
                self.push(node, false, span)
            }
            Event::SequenceStart(anchor, tag) => {
                collection_tag(tag.as_deref(), "seq").map_err(|m| at(span, m))?;
                self.deeper(span)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    line,
                    col,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                collection_tag(tag.as_deref(), "map").map_err(|m| at(span, m))?;
                self.deeper(span)?;
                self.stack.push(Frame::Map {
                    entries: IndexMap::new(),
                    key: None,
                    merge_key: false,
                    merges: Vec::new(),
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
                        merges,
                        line,
                        col,
                        anchor,
                        ..
                    }) => (
                        Node {
                            kind: Kind::Map(merge(merges, entries)?),
                            line,
                            col,
                        },
                        anchor,
                    ),
                    None => return Err(at(span, "unbalanced collection end".into())),
                };
                if anchor > 0 {
                    let n = count_nodes(&node);
                    self.anchors.insert(anchor, (node.clone(), n));
                }
                self.count(1, span)?;
                self.push(node, false, span)
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

    /// Attaches a finished node to its parent; `plain_merge` when it is a
    /// plain untagged scalar (so `<<` is a merge key, not text).
    fn push(&mut self, node: Node, plain_merge: bool, span: &Span) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                key,
                merge_key,
                merges,
                ..
            }) => {
                match key.take() {
                    None => {
                        let text = key_text(&node)
                            .ok_or_else(|| at(span, "a mapping key must be a scalar".into()))?;
                        *merge_key = plain_merge && text == "<<";
                        *key = Some((text, node.line, node.col));
                    }
                    Some(_) if *merge_key => {
                        *merge_key = false;
                        merges.push(node);
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

/// PyYAML's merge (`flatten_mapping`): merged keys first, the first of a
/// list of mappings winning over later ones, and explicit keys over all.
/// A collection may be tagged only with its own core tag (`!!seq`,
/// `!!map`): PyYAML's SafeLoader, which Mistral uses, refuses any other.
fn collection_tag(tag: Option<&saphyr_parser::Tag>, kind: &str) -> Result<(), String> {
    match tag {
        None => Ok(()),
        Some(t) if (t.handle == "!!" || t.is_yaml_core_schema()) && t.suffix == kind => Ok(()),
        Some(t) => Err(no_constructor(t)),
    }
}

/// PyYAML's refusal of a tag its SafeLoader has no constructor for, as a
/// syntax error (Mistral reports it as one).
pub(crate) fn no_constructor(t: &saphyr_parser::Tag) -> String {
    let full = if t.handle == "!!" {
        format!("tag:yaml.org,2002:{}", t.suffix)
    } else {
        t.to_string()
    };
    format!(
        "{PARSE_PREFIX}could not determine a constructor for the tag {}",
        crate::domain::pytext::str_repr(&full)
    )
}

fn merge(
    merges: Vec<Node>,
    explicit: IndexMap<String, Entry>,
) -> Result<IndexMap<String, Entry>, Diagnostic> {
    if merges.is_empty() {
        return Ok(explicit);
    }
    let bad = |n: &Node| {
        diag(
            Some(n.line),
            Some(n.col),
            "expected a mapping or list of mappings for merging".into(),
        )
    };
    let mut pairs: Vec<(String, Entry)> = Vec::new();
    for m in merges {
        match m.kind {
            Kind::Map(entries) => pairs.extend(entries),
            Kind::Seq(items) => {
                for item in items.into_iter().rev() {
                    let err = bad(&item);
                    match item.kind {
                        Kind::Map(entries) => pairs.extend(entries),
                        _ => return Err(err),
                    }
                }
            }
            _ => return Err(bad(&m)),
        }
    }
    pairs.extend(explicit);
    let mut out = IndexMap::with_capacity(pairs.len());
    for (k, e) in pairs {
        out.insert(k, e);
    }
    Ok(out)
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
        Kind::Str(s) | Kind::Date { text: s, .. } => s.clone(),
        Kind::Seq(_) | Kind::Map(_) => return None,
    })
}
