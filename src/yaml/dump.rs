//! YAML text as PyYAML's `yaml.dump(data, sort_keys=False)` writes it
//! (block style, indent 2, width 80, ASCII only): what Mistral stores as
//! the definition of each workflow of a multi-workflow upload
//! (`mistral/services/workflows.py:_cut_wf_definition_from_all`). A port
//! of the parts of PyYAML's emitter such a dump reaches: block mappings and
//! sequences, `{}`/`[]` for empty ones, and plain, single-quoted and
//! double-quoted scalars with their line folding. Called by `lang::render`.
//!
//! Invariant: pure; the text reads back (PyYAML's loader) as the same tree.

use super::{Kind, Node, scalar};

/// PyYAML's `best_width`.
const WIDTH: usize = 80;
/// PyYAML's `best_indent`.
const INDENT: usize = 2;

/// The dump of a mapping whose entries are `entries`, in that order.
pub(crate) fn dump_mapping(entries: &[(&str, &Node)]) -> String {
    let mut e = Emitter::default();
    if entries.is_empty() {
        e.out.push_str("{}\n");
        return e.out;
    }
    e.block_mapping(entries.iter().map(|(k, v)| (*k, *v)));
    e.write_indent();
    e.out
}

/// A scalar as the representer hands it over: its text and whether a plain
/// scalar of that text reads back as the same value (`implicit[0]`).
struct Scalar {
    text: String,
    implicit: bool,
}

fn scalar_of(kind: &Kind) -> Option<Scalar> {
    let (text, implicit) = match kind {
        Kind::Null => ("null".to_string(), true),
        Kind::Bool(b) => (if *b { "true" } else { "false" }.to_string(), true),
        Kind::Num(n) => (number_text(n), true),
        Kind::Str(s) => (s.clone(), str_is_implicit(s)),
        Kind::Date { text, .. } => (date_text(text), true),
        Kind::Seq(_) | Kind::Map(_) => return None,
    };
    Some(Scalar { text, implicit })
}

/// Whether a plain scalar `s` reads back as a string (no other resolver of
/// PyYAML's claims it: bool, int, float, null, timestamp, `<<`, `=`).
fn str_is_implicit(s: &str) -> bool {
    // PyYAML's float resolver also claims infinities and NaN, which the
    // loader here keeps as text (JSON has no such numbers).
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let special_float =
        matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN");
    !special_float && s != "<<" && s != "=" && matches!(scalar::resolve_plain(s), Kind::Str(_))
}

/// `str(int)`, or PyYAML's `represent_float`.
fn number_text(n: &serde_json::Number) -> String {
    if !n.is_f64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
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

/// `date.isoformat()` / `datetime.isoformat(' ')` of a plain timestamp:
/// the date alone as written; a date and time keep their text with a
/// blank between them.
fn date_text(text: &str) -> String {
    match text.find(['T', 't']) {
        Some(10) => format!("{} {}", &text[..10], &text[11..]),
        _ => text.to_string(),
    }
}

/// PyYAML's `ScalarAnalysis`, the fields the choice of style reads.
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_break(c: char) -> bool {
    matches!(c, '\0' | ' ' | '\t' | '\r') || is_break(c)
}

/// PyYAML's `Emitter.analyze_scalar` with `allow_unicode=False`.
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_by_ws = true;
    let mut followed_by_ws = chars.len() == 1 || is_blank_or_break(chars[1]);
    let (mut previous_space, mut previous_break) = (false, false);
    let last = chars.len() - 1;
    for (i, &ch) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if (ch == '?' || ch == ':' || ch == '-') && followed_by_ws {
                block_indicators = true;
            }
        } else if (ch == ':' && followed_by_ws) || (ch == '#' && preceded_by_ws) {
            block_indicators = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            // Without allow_unicode every other character is special.
            special = true;
        }
        if ch == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blank_or_break(ch);
        followed_by_ws = i + 2 >= chars.len() || is_blank_or_break(chars[i + 2]);
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// The emitter's state, named as in PyYAML.
struct Emitter {
    out: String,
    column: usize,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            indent: None,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
        }
    }
}

impl Emitter {
    fn write(&mut self, data: &str) {
        self.column += data.chars().count();
        self.out.push_str(data);
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_whitespace {
            self.write(" ");
        }
        self.write(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn write_line_break(&mut self) {
        self.out.push('\n');
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
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

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(INDENT),
            None => Some(0),
            Some(i) if !indentless => Some(i + INDENT),
            keep => keep,
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    /// `expect_node` for a value in a mapping (`mapping`) or an item of a
    /// sequence.
    fn node(&mut self, node: &Node, mapping: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = false;
        match &node.kind {
            Kind::Seq(items) if items.is_empty() => self.empty_flow("[", "]"),
            Kind::Map(entries) if entries.is_empty() => self.empty_flow("{", "}"),
            Kind::Seq(items) => self.block_sequence(items),
            Kind::Map(entries) => {
                self.block_mapping(entries.iter().map(|(k, e)| (k.as_str(), &e.value)));
            }
            kind => {
                if let Some(s) = scalar_of(kind) {
                    self.scalar(&s);
                }
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &[Node]) {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, false);
        }
        self.pop_indent();
    }

    fn block_mapping<'a>(&mut self, entries: impl Iterator<Item = (&'a str, &'a Node)>) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            self.mapping_context = true;
            self.simple_key_context = true;
            let key = Scalar {
                text: key.to_string(),
                implicit: str_is_implicit(key),
            };
            self.scalar(&key);
            self.write_indicator(":", false, false, false);
            self.node(value, true);
        }
        self.pop_indent();
    }

    /// `expect_scalar`: `process_scalar` one indentation step in.
    fn scalar(&mut self, s: &Scalar) {
        self.increase_indent(true, false);
        let a = analyze(&s.text);
        let style = self.choose_style(s, &a);
        let split = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(&s.text, split),
            Style::Single => self.write_single_quoted(&s.text, split),
            Style::Double => self.write_double_quoted(&s.text, split),
        }
        self.pop_indent();
    }

    fn choose_style(&self, s: &Scalar, a: &Analysis) -> Style {
        if s.implicit
            && !(self.simple_key_context && (a.empty || a.multiline))
            && a.allow_block_plain
        {
            return Style::Plain;
        }
        if a.allow_single_quoted && !(self.simple_key_context && a.multiline) {
            return Style::Single;
        }
        Style::Double
    }

    fn write_plain(&mut self, text: &str, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        let (mut start, mut end) = (0, 0);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        let data: String = chars[start..end].iter().collect();
                        self.write(&data);
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                let data: String = chars[start..end].iter().collect();
                self.write(&data);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
            }
            end += 1;
        }
    }

    fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0, 0);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > WIDTH
                        && split
                        && start != 0
                        && end != chars.len()
                    {
                        self.write_indent();
                    } else {
                        let data: String = chars[start..end].iter().collect();
                        self.write(&data);
                    }
                    start = end;
                }
            } else if breaks {
                if ch.is_none_or(|c| !is_break(c)) {
                    if chars[start] == '\n' {
                        self.write_line_break();
                    }
                    for &br in &chars[start..end] {
                        if br == '\n' {
                            self.write_line_break();
                        } else {
                            self.out.push(br);
                            self.whitespace = true;
                            self.indention = true;
                            self.column = 0;
                        }
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c) || c == '\'') && start < end {
                let data: String = chars[start..end].iter().collect();
                self.write(&data);
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
            end += 1;
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut start, mut end) = (0, 0);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            let escape = match ch {
                None => true,
                Some(c) => {
                    matches!(
                        c,
                        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
                    ) || !(' '..='~').contains(&c)
                }
            };
            if escape {
                if start < end {
                    let data: String = chars[start..end].iter().collect();
                    self.write(&data);
                    start = end;
                }
                if let Some(c) = ch {
                    let data = escaped(c);
                    self.write(&data);
                    start = end + 1;
                }
            }
            // Python's `column + (end - start)`: one less than the column
            // right after an escape (start = end + 1).
            let reach = (self.column + end).saturating_sub(start);
            if end > 0
                && end + 1 < chars.len()
                && (ch == Some(' ') || start >= end)
                && reach > WIDTH
                && split
            {
                let mut data: String = chars[start.min(end)..end].iter().collect();
                data.push('\\');
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if chars.get(start) == Some(&' ') {
                    self.write("\\");
                }
            }
            end += 1;
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// PyYAML's escape of one character in a double-quoted scalar.
fn escaped(c: char) -> String {
    let short = match c {
        '\0' => Some('0'),
        '\u{07}' => Some('a'),
        '\u{08}' => Some('b'),
        '\t' => Some('t'),
        '\n' => Some('n'),
        '\u{0B}' => Some('v'),
        '\u{0C}' => Some('f'),
        '\r' => Some('r'),
        '\u{1B}' => Some('e'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '\u{85}' => Some('N'),
        '\u{A0}' => Some('_'),
        '\u{2028}' => Some('L'),
        '\u{2029}' => Some('P'),
        _ => None,
    };
    match short {
        Some(s) => format!("\\{s}"),
        None if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
        None if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
        None => format!("\\U{:08X}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::super::load;
    use super::dump_mapping;

    /// `text`'s workflow `name` dumped as Mistral dumps it; `want` is
    /// PyYAML's own output for the same text.
    fn check(text: &str, name: &str, want: &str) {
        let root = load(text).expect("loads").expect("a document");
        let m = root.as_map().expect("a mapping");
        let entries = [("version", &m["version"].value), (name, &m[name].value)];
        assert_eq!(dump_mapping(&entries), want);
    }

    #[test]
    fn texts_other_resolvers_claim_are_quoted() {
        let text = "version: '2.0'\nw:\n  vars:\n    a: '.inf'\n    b: '-.Inf'\n    c: '.nan'\n    d: '12:30'\n    e: '<<'\n    f: 'NO'\n    g: 'y'\n";
        let want = "version: '2.0'\nw:\n  vars:\n    a: '.inf'\n    b: '-.Inf'\n    c: '.nan'\n    d: '12:30'\n    e: '<<'\n    f: 'NO'\n    g: y\n";
        check(text, "w", want);
    }

    #[test]
    fn scalar_styles_and_block_collections() {
        check(
            r##"version: '2.0'
wf:
  description: first
  tags: [x, y]
  input:
    - p
    - q: 2
    - r: null
  tasks:
    t:
      action: std.echo output="hello <% $.p %>"
      publish:
        a: <% task().result %>
        b: "{{ task().result }}"
        c: 'yes'
        d: ''
        e: 1.5
        f: '1.5'
        g: true
        h: ~
        i: [1, [], {}]
        j: "it's"
        k: '#hash'
        l: 'a: b'
        m: "- x"
        n: 2020-01-02
        o: '2020-01-02'
        p: "tab\there"
        q: "caf\u00e9"
        r: "="
        s: "<<"
        t: "x # y"
        u: 'x#y'
      on-success:
        - next: <% $.a > 1 %>
        - fail
"##,
            "wf",
            r##"version: '2.0'
wf:
  description: first
  tags:
  - x
  - y
  input:
  - p
  - q: 2
  - r: null
  tasks:
    t:
      action: std.echo output="hello <% $.p %>"
      publish:
        a: <% task().result %>
        b: '{{ task().result }}'
        c: 'yes'
        d: ''
        e: 1.5
        f: '1.5'
        g: true
        h: null
        i:
        - 1
        - []
        - {}
        j: it's
        k: '#hash'
        l: 'a: b'
        m: '- x'
        n: 2020-01-02
        o: '2020-01-02'
        p: "tab\there"
        q: "caf\xE9"
        r: '='
        s: '<<'
        t: 'x # y'
        u: x#y
      on-success:
      - next: <% $.a > 1 %>
      - fail
"##,
        );
    }

    #[test]
    fn long_lines_fold_and_multiline_strings_quote() {
        check(
            r##"version: 2.0
wf:
  tasks:
    t:
      action: std.echo output="a very long line that goes on and on and on and on and on past eighty columns for sure"
      input:
        long_single: 'a very long line with a colon: inside it that goes on and on and on past eighty columns'
        long_double: "a very long line with a tab\t inside it that goes on and on and on past eighty columns ok"
        multi: |
          line one
          line two
        indented: |
          if x:
            y
        trailing: "ends with space "
        lead: " starts with space"
        script: |
          #!/bin/sh
          echo "hi"   
          exit 0
"##,
            "wf",
            r##"version: 2.0
wf:
  tasks:
    t:
      action: std.echo output="a very long line that goes on and on and on and on
        and on past eighty columns for sure"
      input:
        long_single: 'a very long line with a colon: inside it that goes on and on
          and on past eighty columns'
        long_double: "a very long line with a tab\t inside it that goes on and on\
          \ and on past eighty columns ok"
        multi: 'line one

          line two

          '
        indented: "if x:\n  y\n"
        trailing: 'ends with space '
        lead: ' starts with space'
        script: "#!/bin/sh\necho \"hi\"   \nexit 0\n"
"##,
        );
    }

    #[test]
    fn nested_sequences_and_quotes_in_quotes() {
        check(
            r##"version: '2.0'
w1:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      requires: [a]
      action: std.echo output=<% [1, 2] %>
      with-items:
        - x in <% $.xs %>
        - y in [1, 2]
      retry: count=3 delay=1
      on-error:
        - fail(msg='it''s broken')
      wait-before: 0
      keep-result: false
      vars_nested:
        - - a
          - b
        - {k: v, z: [1]}
        - []
"##,
            "w1",
            r##"version: '2.0'
w1:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      requires:
      - a
      action: std.echo output=<% [1, 2] %>
      with-items:
      - x in <% $.xs %>
      - y in [1, 2]
      retry: count=3 delay=1
      on-error:
      - fail(msg='it''s broken')
      wait-before: 0
      keep-result: false
      vars_nested:
      - - a
        - b
      - k: v
        z:
        - 1
      - []
"##,
        );
    }
}
