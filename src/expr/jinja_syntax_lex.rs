//! Jinja2 3.1's lexer (`jinja2/lexer.py`) with Mistral's settings
//! (`trim_blocks`, `lstrip_blocks`, the default delimiters), as far as its
//! syntax errors go: it yields the token types Jinja2's parser looks at,
//! lazily and one at a time, so a lexer error surfaces exactly when
//! Jinja2's parser would have asked for that token; and Jinja2's
//! `TokenStream` (one token of lookahead, `look`, `expect`) over it.

use std::collections::VecDeque;
use std::sync::LazyLock;

use regex::Regex;

/// A token: Jinja2's type name (`name`, `integer`, `add`, `block_end` …)
/// and, for names, the text.
#[derive(Clone, Debug)]
pub(super) struct Tok {
    pub kind: &'static str,
    pub value: String,
}

impl Tok {
    fn new(kind: &'static str) -> Self {
        Tok {
            kind,
            value: String::new(),
        }
    }

    /// Jinja2's `Token.test`: a type, or `type:value`.
    pub fn test(&self, expr: &str) -> bool {
        match expr.split_once(':') {
            Some((kind, value)) => self.kind == kind && self.value == value,
            None => self.kind == expr,
        }
    }

    pub fn test_any(&self, exprs: &[&str]) -> bool {
        exprs.iter().any(|e| self.test(e))
    }
}

/// Every rule compiles (a rule that did not would never match).
#[cfg(test)]
#[test]
fn every_rule_compiles() {
    for rule in [
        &ROOT,
        &COMMENT_END,
        &RAW_END,
        &VARIABLE_END,
        &BLOCK_END,
        &WHITESPACE,
        &FLOAT,
        &INTEGER,
        &NAME,
        &STRING,
    ] {
        assert!(rule.is_some());
    }
}

/// The lexer's states (its rule sets).
#[derive(Clone, Copy, PartialEq)]
enum State {
    Root,
    Variable,
    Block,
    Comment,
    Raw,
}

static ROOT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?s)\A(.*?)(?:(?P<raw_begin>\{%(?:\-|\+|)\s*raw\s*(?:\-%\}\s*|%\}))|(?P<variable_begin>\{\{(?:\-|\+|))|(?P<comment_begin>\{\#(?:\-|\+|))|(?P<block_begin>\{%(?:\-|\+|)))",
    ).ok()
});
static COMMENT_END: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?s)\A(.*?)(?:\+\#\}|\-\#\}\s*|\#\}\n?)").ok());
static RAW_END: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?s)\A(.*?)(?:\{%(?:\-|\+|)\s*endraw\s*(?:\+%\}|\-%\}\s*|%\}\n?))").ok()
});
static VARIABLE_END: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\A(?:\-\}\}\s*|\}\})").ok());
static BLOCK_END: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\A(?:\+%\}|\-%\}\s*|%\}\n?)").ok());
static WHITESPACE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A\s+").ok());
static FLOAT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\A(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+\-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)").ok()
});
static INTEGER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\A(?:0b(?:_?[0-1])+|0o(?:_?[0-7])+|0x(?:_?[0-9a-f])+|[1-9](?:_?\d)*|0(?:_?0)*)",
    )
    .ok()
});
static NAME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A[\w\p{Mn}\p{Mc}·]+").ok());
static STRING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?s)\A(?:'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)")"#).ok()
});

/// Operators, the longest first, with their token types.
const OPERATORS: [(&str, &str); 27] = [
    ("//", "floordiv"),
    ("**", "pow"),
    ("==", "eq"),
    ("!=", "ne"),
    (">=", "gteq"),
    ("<=", "lteq"),
    ("+", "add"),
    ("-", "sub"),
    ("/", "div"),
    ("*", "mul"),
    ("%", "mod"),
    ("~", "tilde"),
    ("[", "lbracket"),
    ("]", "rbracket"),
    ("(", "lparen"),
    (")", "rparen"),
    ("{", "lbrace"),
    ("}", "rbrace"),
    (">", "gt"),
    ("<", "lt"),
    ("=", "assign"),
    (".", "dot"),
    (":", "colon"),
    ("|", "pipe"),
    (",", "comma"),
    (";", "semicolon"),
    ("", ""),
];

/// Jinja2's `_describe_token_type`.
pub(super) fn describe_type(kind: &str) -> &str {
    if let Some((op, _)) = OPERATORS.iter().find(|(_, k)| *k == kind && !k.is_empty()) {
        return op;
    }
    match kind {
        "comment_begin" => "begin of comment",
        "comment_end" => "end of comment",
        "comment" => "comment",
        "block_begin" => "begin of statement block",
        "block_end" => "end of statement block",
        "variable_begin" => "begin of print statement",
        "variable_end" => "end of print statement",
        "data" => "template data / text",
        "eof" => "end of template",
        other => other,
    }
}

/// Jinja2's `describe_token`: a name is its text.
pub(super) fn describe(tok: &Tok) -> &str {
    if tok.kind == "name" {
        &tok.value
    } else {
        describe_type(tok.kind)
    }
}

/// Jinja2's `describe_token_expr`.
pub(super) fn describe_expr(expr: &str) -> &str {
    match expr.split_once(':') {
        Some(("name", value)) => value,
        Some((kind, _)) => describe_type(kind),
        None => describe_type(expr),
    }
}

/// Python's `repr` of a string.
pub(super) fn py_repr(s: &str) -> String {
    crate::domain::pytext::str_repr(s)
}

/// The lexer: yields tokens on demand, the ignored ones (whitespace,
/// comments, raw markers) left out as Jinja2's `wrap` leaves them out.
struct Lexer {
    src: String,
    pos: usize,
    stack: Vec<State>,
    balancing: Vec<char>,
    pending: VecDeque<Tok>,
    ended: bool,
}

impl Lexer {
    fn new(source: &str, expression: bool) -> Self {
        // Jinja2 reads `\r\n`, `\r` and `\n` as one line break and drops a
        // trailing one.
        let mut src = source.replace("\r\n", "\n").replace('\r', "\n");
        if src.ends_with('\n') {
            src.pop();
        }
        Lexer {
            src,
            pos: 0,
            // An expression alone is read as if inside `{{ }}`.
            stack: if expression {
                vec![State::Root, State::Variable]
            } else {
                vec![State::Root]
            },
            balancing: Vec::new(),
            pending: VecDeque::new(),
            ended: false,
        }
    }

    /// The next token, `None` at the end of the source.
    fn next(&mut self) -> Result<Option<Tok>, String> {
        loop {
            if let Some(t) = self.pending.pop_front() {
                return Ok(Some(t));
            }
            if self.ended {
                return Ok(None);
            }
            self.step()?;
        }
    }

    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    /// `unexpected char 'c' at N` (N counted in characters).
    fn unexpected_char(&self) -> String {
        let c = self.rest().chars().next().unwrap_or(' ');
        let at = self.src[..self.pos].chars().count();
        format!("unexpected char {} at {at}", py_repr(&c.to_string()))
    }

    /// Matches one rule of the current state and queues what it yields.
    fn step(&mut self) -> Result<(), String> {
        let state = *self.stack.last().unwrap_or(&State::Root);
        match state {
            State::Root => self.root(),
            State::Comment => self.closing(&COMMENT_END, "Missing end of comment tag", false),
            State::Raw => self.closing(&RAW_END, "Missing end of raw directive", true),
            State::Variable | State::Block => self.tag(state),
        }
    }

    fn root(&mut self) -> Result<(), String> {
        if self.pos >= self.src.len() {
            self.ended = true;
            return Ok(());
        }
        let Some(caps) = ROOT
            .as_ref()
            .and_then(|r| r.captures(&self.src[self.pos..]))
        else {
            // `.+`: the rest is template data.
            self.pending.push_back(data(&self.src[self.pos..]));
            self.pos = self.src.len();
            return Ok(());
        };
        let end = caps.get(0).map_or(0, |m| m.end());
        if let Some(text) = caps.get(1).filter(|m| !m.as_str().is_empty()) {
            self.pending.push_back(data(text.as_str()));
        }
        let (kind, state) = if caps.name("raw_begin").is_some() {
            ("raw_begin", State::Raw)
        } else if caps.name("variable_begin").is_some() {
            ("variable_begin", State::Variable)
        } else if caps.name("comment_begin").is_some() {
            ("comment_begin", State::Comment)
        } else {
            ("block_begin", State::Block)
        };
        if matches!(kind, "variable_begin" | "block_begin") {
            self.pending.push_back(Tok::new(kind));
        }
        self.stack.push(state);
        self.pos += end;
        Ok(())
    }

    /// A comment or raw block: up to its end, or Jinja2's failure when any
    /// character is left but no end follows.
    fn closing(&mut self, rule: &Option<Regex>, missing: &str, raw: bool) -> Result<(), String> {
        if let Some(caps) = rule
            .as_ref()
            .and_then(|r| r.captures(&self.src[self.pos..]))
        {
            if raw && let Some(text) = caps.get(1).filter(|m| !m.as_str().is_empty()) {
                self.pending.push_back(data(text.as_str()));
            }
            self.pos += caps.get(0).map_or(0, |m| m.end());
            self.stack.pop();
            return Ok(());
        }
        if self.pos < self.src.len() {
            return Err(missing.to_string());
        }
        self.ended = true;
        Ok(())
    }

    /// Inside `{{ }}` or `{% %}`.
    fn tag(&mut self, state: State) -> Result<(), String> {
        let rest = &self.src[self.pos..];
        let end_rule: &Option<Regex> = if state == State::Variable {
            &VARIABLE_END
        } else {
            &BLOCK_END
        };
        if self.balancing.is_empty()
            && let Some(m) = end_rule.as_ref().and_then(|r| r.find(rest))
        {
            self.pending
                .push_back(Tok::new(if state == State::Variable {
                    "variable_end"
                } else {
                    "block_end"
                }));
            self.pos += m.end();
            self.stack.pop();
            return Ok(());
        }
        if let Some(m) = WHITESPACE.as_ref().and_then(|r| r.find(rest)) {
            self.pos += m.end();
            return Ok(());
        }
        let after_dot = self.src[..self.pos].ends_with('.');
        if !after_dot && let Some(m) = FLOAT.as_ref().and_then(|r| r.find(rest)) {
            self.pending.push_back(Tok::new("float"));
            self.pos += m.end();
            return Ok(());
        }
        if let Some(m) = INTEGER.as_ref().and_then(|r| r.find(rest)) {
            self.pending.push_back(Tok::new("integer"));
            self.pos += m.end();
            return Ok(());
        }
        if let Some(m) = NAME.as_ref().and_then(|r| r.find(rest)) {
            let value = m.as_str().to_string();
            if !is_identifier(&value) {
                return Err("Invalid character in identifier".into());
            }
            self.pending.push_back(Tok {
                kind: "name",
                value,
            });
            self.pos += m.end();
            return Ok(());
        }
        if let Some(caps) = STRING.as_ref().and_then(|r| r.captures(rest)) {
            let body = caps.get(1).or(caps.get(2)).map_or("", |m| m.as_str());
            unescape_check(body)?;
            self.pending.push_back(Tok::new("string"));
            self.pos += caps.get(0).map_or(0, |m| m.end());
            return Ok(());
        }
        if let Some((op, kind)) = OPERATORS
            .iter()
            .find(|(op, _)| !op.is_empty() && rest.starts_with(op))
        {
            match *op {
                "{" => self.balancing.push('}'),
                "(" => self.balancing.push(')'),
                "[" => self.balancing.push(']'),
                "}" | ")" | "]" => {
                    let Some(expected) = self.balancing.pop() else {
                        return Err(format!("unexpected '{op}'"));
                    };
                    if !op.starts_with(expected) {
                        return Err(format!("unexpected '{op}', expected '{expected}'"));
                    }
                }
                _ => {}
            }
            self.pending.push_back(Tok::new(kind));
            self.pos += op.len();
            return Ok(());
        }
        if self.pos >= self.src.len() {
            self.ended = true;
            return Ok(());
        }
        Err(self.unexpected_char())
    }
}

/// A `data` token: template text outside the tags.
fn data(text: &str) -> Tok {
    Tok {
        kind: "data",
        value: text.to_string(),
    }
}

/// Python's `str.isidentifier`, near enough: a letter or `_`, then letters,
/// digits, marks and `_`.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || (c.is_alphabetic() && !c.is_numeric()))
}

/// The errors of Python's `unicode-escape` decoding of a string literal's
/// body, in the words Jinja2 keeps (the text after the last `:`).
fn unescape_check(body: &str) -> Result<(), String> {
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            continue;
        }
        let (width, what) = match chars.next() {
            Some('x') => (2, "truncated \\xXX escape"),
            Some('u') => (4, "truncated \\uXXXX escape"),
            Some('U') => (8, "truncated \\UXXXXXXXX escape"),
            Some('N') => {
                if chars.peek() != Some(&'{') {
                    return Err("malformed \\N character escape".into());
                }
                continue;
            }
            None => return Err("\\ at end of string".into()),
            _ => continue,
        };
        let mut digits = String::new();
        for _ in 0..width {
            match chars.peek() {
                Some(d) if d.is_ascii_hexdigit() => {
                    digits.push(*d);
                    chars.next();
                }
                _ => return Err(what.into()),
            }
        }
        if width == 8 && u32::from_str_radix(&digits, 16).map_or(true, |v| v > 0x10FFFF) {
            return Err("illegal Unicode character".into());
        }
    }
    Ok(())
}

/// Every token of the template `source` in order, as Jinja2's lexer gives
/// them to its parser; `None` when the lexer refuses the text.
pub(super) fn tokens(source: &str) -> Option<Vec<Tok>> {
    let mut lexer = Lexer::new(source, false);
    let mut out = Vec::new();
    while let Some(t) = lexer.next().ok()? {
        out.push(t);
    }
    Some(out)
}

/// Jinja2's `TokenStream`: the current token, one pushed back by `look`.
pub(super) struct Stream {
    lexer: Lexer,
    pushed: VecDeque<Tok>,
    pub current: Tok,
}

impl Stream {
    /// The stream over `source` (a template, or with `expression` the
    /// inside of `{{ }}`), its first token read.
    pub fn new(source: &str, expression: bool) -> Result<Self, String> {
        let mut s = Stream {
            lexer: Lexer::new(source, expression),
            pushed: VecDeque::new(),
            current: Tok::new("initial"),
        };
        s.next()?;
        Ok(s)
    }

    /// Goes one token ahead; returns the token that was current.
    pub fn next(&mut self) -> Result<Tok, String> {
        let next = if let Some(t) = self.pushed.pop_front() {
            t
        } else if self.current.kind != "eof" {
            self.lexer.next()?.unwrap_or_else(|| Tok::new("eof"))
        } else {
            Tok::new("eof")
        };
        Ok(std::mem::replace(&mut self.current, next))
    }

    /// Jinja2's `bool(stream)`: anything left.
    pub fn more(&self) -> bool {
        !self.pushed.is_empty() || self.current.kind != "eof"
    }

    /// The token after the current one.
    pub fn look(&mut self) -> Result<Tok, String> {
        let old = self.next()?;
        let result = std::mem::replace(&mut self.current, old);
        self.pushed.push_back(result.clone());
        Ok(result)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), String> {
        for _ in 0..n {
            self.next()?;
        }
        Ok(())
    }

    pub fn skip_if(&mut self, expr: &str) -> Result<bool, String> {
        if self.current.test(expr) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The current token if it is `expr` (then one ahead), else Jinja2's
    /// error.
    pub fn expect(&mut self, expr: &str) -> Result<Tok, String> {
        if !self.current.test(expr) {
            let want = py_repr(describe_expr(expr));
            if self.current.kind == "eof" {
                return Err(format!("unexpected end of template, expected {want}."));
            }
            return Err(format!(
                "expected token {want}, got {}",
                py_repr(describe(&self.current))
            ));
        }
        self.next()
    }
}
