//! PyYAML's emitter for plain data, the one port both of Mistral's dumps
//! go through: `yaml.safe_dump(data, default_flow_style=False)` for
//! `yaml_dump` in both expression languages (keys sorted), and
//! `yaml.dump(data, sort_keys=False)` for the definition Mistral stores per
//! workflow of a multi-workflow upload ([`super::dump`]). Ported from
//! `yaml/representer.py` (tags, key sorting), `yaml/resolver.py` (a string
//! that would read back as a bool, number, null or date is quoted) and
//! `yaml/emitter.py` (scalar analysis, style choice, escapes, line folding at
//! 80 columns, ASCII only). The port covers what such values need: block
//! collections, flow `[]`/`{}` for empty ones, complex `?` keys, no anchors,
//! no block scalars (PyYAML never picks them unasked).
//!
//! Invariant: pure; the text reads back (PyYAML's loader) as the same data.

use std::sync::LazyLock;

/// A represented value: a scalar with its tag, or a collection.
#[derive(Clone, Debug)]
pub enum Node {
    Null,
    Bool(bool),
    /// Decimal digits, any size.
    Int(String),
    Float(f64),
    Str(String),
    /// `datetime.isoformat(' ')`.
    Timestamp(String),
    Seq(Vec<Node>),
    /// Keys in the mapping's order; [`dump`] sorts them as PyYAML does.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A JSON value as PyYAML sees the equivalent Python value.
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value;
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => {
                // integers by their digits (any size, also with serde_json's
                // arbitrary precision), floats by value
                let text = n.to_string();
                if n.is_i64() || n.is_u64() || !text.contains(['.', 'e', 'E']) {
                    Node::Int(text)
                } else {
                    Node::Float(n.as_f64().unwrap_or_default())
                }
            }
            Value::String(s) => Node::Str(s.clone()),
            Value::Array(a) => Node::Seq(a.iter().map(Node::from_json).collect()),
            Value::Object(o) => Node::Map(
                o.iter()
                    .map(|(k, x)| (Node::Str(k.clone()), Node::from_json(x)))
                    .collect(),
            ),
        }
    }

    /// The scalar's text and the short form of its tag (`!!str`).
    fn scalar(&self) -> Option<(String, &'static str)> {
        Some(match self {
            Node::Null => ("null".into(), "!!null"),
            Node::Bool(b) => (if *b { "true" } else { "false" }.into(), "!!bool"),
            Node::Int(i) => (i.clone(), "!!int"),
            Node::Float(f) => (represent_float(*f), "!!float"),
            Node::Str(s) => (s.clone(), "!!str"),
            Node::Timestamp(t) => (t.clone(), "!!timestamp"),
            Node::Seq(_) | Node::Map(_) => return None,
        })
    }
}

/// `SafeRepresenter.represent_float`.
fn represent_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let r = crate::domain::pytext::float_repr(f).to_lowercase();
    if !r.contains('.') && r.contains('e') {
        r.replacen('e', ".0e", 1)
    } else {
        r
    }
}

/// Whether the representer sorts mapping keys (`sort_keys`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// `safe_dump`'s default: `sorted(mapping.items())`.
    Sorted,
    /// `sort_keys=False`: the mapping's own order.
    AsGiven,
}

/// `yaml.safe_dump(node, default_flow_style=False)`, keys sorted or not.
pub fn dump(node: &Node, keys: Keys) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        open_ended: false,
        indent: None,
        indents: Vec::new(),
        flow_level: 0,
        root: false,
        mapping: false,
        simple_key: false,
    };
    match keys {
        Keys::Sorted => e.node(&sort_keys(node), true, false, false),
        Keys::AsGiven => e.node(node, true, false, false),
    }
    // document end, then stream end
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

/// `represent_mapping`'s `sorted(mapping.items())`, which leaves the order
/// alone when keys of different types cannot be compared.
fn sort_keys(node: &Node) -> Node {
    match node {
        Node::Seq(xs) => Node::Seq(xs.iter().map(sort_keys).collect()),
        Node::Map(kv) => {
            let mut kv: Vec<(Node, Node)> =
                kv.iter().map(|(k, v)| (k.clone(), sort_keys(v))).collect();
            let all_str = kv.iter().all(|(k, _)| matches!(k, Node::Str(_)));
            let all_num = kv
                .iter()
                .all(|(k, _)| matches!(k, Node::Bool(_) | Node::Int(_) | Node::Float(_)));
            if all_str {
                kv.sort_by(|a, b| match (&a.0, &b.0) {
                    (Node::Str(x), Node::Str(y)) => x.cmp(y),
                    _ => std::cmp::Ordering::Equal,
                });
            } else if all_num {
                kv.sort_by(|a, b| num_key(&a.0).total_cmp(&num_key(&b.0)));
            } else if kv.len() > 1 {
                // sorted() raises TypeError and PyYAML keeps the order
            }
            Node::Map(kv)
        }
        other => other.clone(),
    }
}

fn num_key(n: &Node) -> f64 {
    match n {
        Node::Bool(b) => f64::from(u8::from(*b)),
        Node::Int(i) => i.parse::<f64>().unwrap_or_default(),
        Node::Float(f) => *f,
        _ => 0.0,
    }
}

/// The implicit resolvers of `yaml.resolver.Resolver` (YAML 1.1).
static IMPLICIT: LazyLock<Vec<regex::Regex>> = LazyLock::new(|| {
    [
        r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        r"^(?:<<)$",
        r"^(?:~|null|Null|NULL|)$",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        r"^(?:=)$",
        r"^(?:!|&|\*)$",
    ]
    .iter()
    .filter_map(|p| regex::Regex::new(p).ok())
    .collect()
});

/// Whether a string reads back as a string when written plain: no implicit
/// resolver matches it (Python's `$` also matches before a final newline).
fn resolves_to_str(s: &str) -> bool {
    let matches = |t: &str| IMPLICIT.iter().any(|r| r.is_match(t));
    !(matches(s) || s.strip_suffix('\n').is_some_and(matches))
}

/// `Emitter.analyze_scalar`, the flags `choose_scalar_style` reads.
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

const BREAKS: &[char] = &['\n', '\u{85}', '\u{2028}', '\u{2029}'];

fn is_space_or_break(c: char) -> bool {
    matches!(
        c,
        '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn analyze(text: &[char]) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let (mut block_ind, mut line_breaks, mut special) = (false, false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let starts = |p: &str| text.iter().take(3).collect::<String>() == p;
    if starts("---") || starts("...") {
        block_ind = true;
    }
    let mut preceded_ws = true;
    let mut followed_ws = text.len() == 1 || is_space_or_break(text[1]);
    let (mut prev_space, mut prev_break) = (false, false);
    let n = text.len();
    for (index, &ch) in text.iter().enumerate() {
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_ind = true;
            }
            if (ch == '?' || ch == ':' || ch == '-') && followed_ws {
                block_ind = true;
            }
        } else if (ch == ':' && followed_ws) || (ch == '#' && preceded_ws) {
            block_ind = true;
        }
        if BREAKS.contains(&ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            // not printable ASCII: with allow_unicode off every such
            // character is special, unicode or not
            special = true;
        }
        if ch == ' ' {
            leading_space |= index == 0;
            trailing_space |= index == n - 1;
            break_space |= prev_break;
            (prev_space, prev_break) = (true, false);
        } else if BREAKS.contains(&ch) {
            leading_break |= index == 0;
            trailing_break |= index == n - 1;
            space_break |= prev_space;
            (prev_space, prev_break) = (false, true);
        } else {
            (prev_space, prev_break) = (false, false);
        }
        preceded_ws = is_space_or_break(ch);
        followed_ws = index + 2 >= n || is_space_or_break(text[index + 2]);
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space || space_break || special {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_ind {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    flow_level: usize,
    root: bool,
    mapping: bool,
    simple_key: bool,
}

impl Emitter {
    fn write(&mut self, data: &str) {
        self.column += data.chars().count();
        self.out.push_str(data);
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, whitespace: bool, indention: bool) {
        if !self.whitespace && need_ws {
            self.write(" ");
        }
        self.write(ind);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.open_ended = false;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn write_line_break(&mut self) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push('\n');
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(BEST_INDENT),
            None => Some(0),
            Some(i) if !indentless => Some(i + BEST_INDENT),
            Some(i) => Some(i),
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    /// `expect_node`.
    fn node(&mut self, node: &Node, root: bool, mapping: bool, simple_key: bool) {
        self.root = root;
        self.mapping = mapping;
        self.simple_key = simple_key;
        match node {
            Node::Seq(xs) if xs.is_empty() => self.empty_flow("[", "]"),
            Node::Map(kv) if kv.is_empty() => self.empty_flow("{", "}"),
            Node::Seq(xs) => {
                let indentless = self.mapping && !self.indention;
                self.increase_indent(false, indentless);
                for x in xs {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(x, false, false, false);
                }
                self.pop_indent();
            }
            Node::Map(kv) => {
                self.increase_indent(false, false);
                for (k, v) in kv {
                    self.write_indent();
                    if simple(k) {
                        self.node(k, false, true, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(k, false, true, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, false, true, false);
                }
                self.pop_indent();
            }
            scalar => {
                self.increase_indent(true, false);
                self.scalar(scalar);
                self.pop_indent();
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.flow_level += 1;
        self.increase_indent(true, false);
        self.pop_indent();
        self.flow_level -= 1;
        self.write_indicator(close, false, false, false);
    }

    /// `process_scalar` with the style `choose_scalar_style` picks.
    fn scalar(&mut self, node: &Node) {
        let Some((text, _)) = node.scalar() else {
            return;
        };
        let chars: Vec<char> = text.chars().collect();
        let a = analyze(&chars);
        let implicit = !matches!(node, Node::Str(_)) || resolves_to_str(&text);
        let split = !self.simple_key;
        if implicit
            && !(self.simple_key && (a.empty || a.multiline))
            && self.flow_level == 0
            && a.allow_block_plain
        {
            self.write_plain(&chars, split);
        } else if a.allow_single_quoted && !(self.simple_key && a.multiline) {
            self.write_single_quoted(&chars, split);
        } else {
            self.write_double_quoted(&chars, split);
        }
    }

    fn write_breaks(&mut self, text: &[char]) {
        if text.first() == Some(&'\n') {
            self.write_line_break();
        }
        for _ in text {
            self.write_line_break();
        }
        self.write_indent();
    }

    fn write_plain(&mut self, text: &[char], split: bool) {
        if self.root {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0, 0);
        while end <= text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > BEST_WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write(&text[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(|c| BREAKS.contains(&c)) {
                    self.write_breaks(&text[start..end]);
                    self.whitespace = false;
                    self.indention = false;
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || BREAKS.contains(&c)) {
                self.write(&text[start..end].iter().collect::<String>());
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = BREAKS.contains(&c);
            }
            end += 1;
        }
    }

    fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0, 0);
        while end <= text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > BEST_WIDTH
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.write(&text[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(|c| BREAKS.contains(&c)) {
                    self.write_breaks(&text[start..end]);
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || BREAKS.contains(&c)) && start < end
            {
                self.write(&text[start..end].iter().collect::<String>());
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = BREAKS.contains(&c);
            }
            end += 1;
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let slice = |s: usize, e: usize| -> String {
            if s < e {
                text[s..e].iter().collect()
            } else {
                String::new()
            }
        };
        let (mut start, mut end) = (0, 0);
        while end <= text.len() {
            let ch = text.get(end).copied();
            let plain = ch.is_some_and(|c| (' '..='~').contains(&c) && c != '"' && c != '\\');
            if !plain {
                if start < end {
                    self.write(&slice(start, end));
                    start = end;
                }
                if let Some(c) = ch {
                    self.write(&escape(c));
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                && self.column as isize + end as isize - start as isize > BEST_WIDTH as isize
                && split
            {
                let data = slice(start, end) + "\\";
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text.get(start) == Some(&' ') {
                    self.write("\\");
                }
            }
            end += 1;
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// `check_simple_key` for a key node: a scalar under 128 characters with
/// its tag, not empty, on one line (or an empty collection).
fn simple(k: &Node) -> bool {
    match k {
        Node::Seq(xs) => xs.is_empty(),
        Node::Map(kv) => kv.is_empty(),
        scalar => scalar.scalar().is_some_and(|(text, tag)| {
            text.chars().count() + tag.len() < 128
                && !text.is_empty()
                && !text.chars().any(|c| BREAKS.contains(&c))
        }),
    }
}

/// `Emitter.ESCAPE_REPLACEMENTS`, else `\xXX`, `\uXXXX`, `\UXXXXXXXX`.
fn escape(c: char) -> String {
    let short = match c {
        '\0' => "0",
        '\u{7}' => "a",
        '\u{8}' => "b",
        '\t' => "t",
        '\n' => "n",
        '\u{b}' => "v",
        '\u{c}' => "f",
        '\r' => "r",
        '\u{1b}' => "e",
        '"' => "\"",
        '\\' => "\\",
        '\u{85}' => "N",
        '\u{a0}' => "_",
        '\u{2028}' => "L",
        '\u{2029}' => "P",
        _ => "",
    };
    if !short.is_empty() {
        return format!("\\{short}");
    }
    let n = u32::from(c);
    if n <= 0xFF {
        format!("\\x{n:02X}")
    } else if n <= 0xFFFF {
        format!("\\u{n:04X}")
    } else {
        format!("\\U{n:08X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: serde_json::Value, want: &str) {
        assert_eq!(dump(&Node::from_json(&v), Keys::Sorted), want, "{v}");
    }

    #[test]
    fn scalars_take_pyyaml_styles() {
        check(serde_json::json!("text"), "text\n...\n");
        check(serde_json::json!(""), "''\n");
        check(serde_json::json!("yes"), "'yes'\n");
        check(serde_json::json!("1e3"), "1e3\n...\n");
        check(serde_json::json!("1_000"), "'1_000'\n");
        check(serde_json::json!("a: b"), "'a: b'\n");
        check(serde_json::json!("it's ok: yes"), "'it''s ok: yes'\n");
        check(serde_json::json!("multi\nline"), "'multi\n\n  line'\n");
        check(serde_json::json!("tab\there"), "\"tab\\there\"\n");
        check(serde_json::json!("ünï"), "\"\\xFCn\\xEF\"\n");
        check(serde_json::json!("emoji 😀"), "\"emoji \\U0001F600\"\n");
        check(serde_json::json!("-x"), "-x\n...\n");
        check(serde_json::json!("- "), "'- '\n");
        check(serde_json::json!(1e16), "1.0e+16\n...\n");
    }

    #[test]
    fn collections_are_block_and_empty_ones_flow() {
        check(serde_json::json!({"b": [], "a": {}}), "a: {}\nb: []\n");
        check(
            serde_json::json!([[1, [2]], {"a": [{"b": 1}]}]),
            "- - 1\n  - - 2\n- a:\n  - b: 1\n",
        );
        check(serde_json::json!({"": 1}), "? ''\n: 1\n");
    }

    #[test]
    fn long_text_folds_at_80_columns() {
        let words = ["word"; 30].join(" ");
        check(
            serde_json::json!(words),
            "word word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word\n...\n",
        );
        check(
            serde_json::json!({"key": words}),
            "key: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n",
        );
    }
}
