//! The small string grammars inside the language: inline parameters
//! (`std.echo output="x"`, `fail(msg=<% $.m %>)`), `with-items` clauses and
//! expression detection. Ports of Mistral's regular expressions in
//! `mistral/lang/base.py` and `mistral/lang/v2/tasks.py`, hand-written.
//!
//! Invariant: pure string functions; never fail on any input.

use serde_json::{Map, Value};

/// Python's `\w` on one character.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Length of the shortest `open .*? close` match at the start of `s` (no
/// newline inside, like Python's `.`), or `None`.
fn lazy_span(s: &str, open: &str, close: &str) -> Option<usize> {
    let rest = s.strip_prefix(open)?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let i = rest[..line_end].find(close)?;
    Some(open.len() + i + close.len())
}

/// `true` when `<%...%>` occurs on one line of `s` (YAQL's `is_expression`).
pub(crate) fn has_yaql(s: &str) -> bool {
    has_pair(s, "<%", "%>")
}

/// `true` when `{{...}}` or `{%...%}` occurs on one line of `s`.
pub(crate) fn has_jinja(s: &str) -> bool {
    has_pair(s, "{{", "}}") || has_pair(s, "{%", "%}")
}

fn has_pair(s: &str, open: &str, close: &str) -> bool {
    s.match_indices(open)
        .any(|(i, _)| lazy_span(&s[i..], open, close).is_some())
}

/// `true` when the whole string is one expression (`types.EXPRESSION`):
/// `<% ... %>` or `{{ ... }}`, optionally followed by white space.
pub(crate) fn is_full_expression(s: &str) -> bool {
    let t = s.trim_end();
    (t.len() >= 4 && t.starts_with("<%") && t.ends_with("%>"))
        || (t.len() >= 4 && t.starts_with("{{") && t.ends_with("}}"))
}

/// Length of an expression (`{{...}}` or `<%...%>`) at the start of `s`.
fn expression_span(s: &str) -> Option<usize> {
    lazy_span(s, "{{", "}}").or_else(|| lazy_span(s, "<%", "%>"))
}

/// Length of one inline parameter value at the start of `s`, following
/// Mistral's `PARAMS_PTRN` alternatives in order.
fn value_span(s: &str) -> Option<usize> {
    let trailing_ws = |end: usize| end + (s[end..].len() - s[end..].trim_start().len());
    for q in ['"', '\''] {
        if let Some(rest) = s.strip_prefix(q) {
            return rest.find(q).map(|i| trailing_ws(i + 2));
        }
    }
    if let Some(n) = expression_span(s) {
        return Some(n);
    }
    if s.starts_with('[') {
        let line = &s[..s.find('\n').unwrap_or(s.len())];
        if let Some(i) = line.rfind(']') {
            return Some(trailing_ws(i + 1));
        }
    }
    for word in ["true", "false", "null"] {
        if s.starts_with(word) {
            return Some(word.len());
        }
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then_some(digits)
}

/// Mistral's `PARAMS_PTRN` `findall`: `key=value` pairs anywhere in `s`.
/// Quoted values lose their quotes and stay strings; others are parsed as
/// JSON when they can be.
pub(crate) fn parse_params(s: &str) -> Map<String, Value> {
    let mut params = Map::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let key_len: usize = rest
            .chars()
            .take_while(|c| is_word(*c) || *c == '-')
            .map(char::len_utf8)
            .sum();
        if key_len > 0 && rest[key_len..].starts_with('=') {
            let vstart = key_len + 1;
            if let Some(vlen) = value_span(&rest[vstart..]) {
                let raw = rest[vstart..vstart + vlen].trim();
                params.insert(rest[..key_len].to_string(), param_value(raw));
                i += vstart + vlen;
                continue;
            }
        }
        // No match here: move to the next character (a regex scan would).
        let step = if key_len > 0 {
            key_len
        } else {
            rest.chars().next().map_or(1, char::len_utf8)
        };
        i += step;
    }
    params
}

fn param_value(raw: &str) -> Value {
    if (raw.starts_with('"') || raw.starts_with('\'')) && raw.len() >= 2 {
        return Value::String(raw[1..raw.len() - 1].to_string());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// `(name, params)` of an `action:`/`workflow:`/transition string, or `None`
/// when the command part is malformed (Mistral's "Invalid action/workflow
/// task property"). As there, a string without a space is all name:
/// `fail(msg=1)` names a task `fail(msg=1)`; with a space, `fail(msg="a b")`
/// is the command `fail` and its params.
pub(crate) fn parse_cmd_and_input(s: &str) -> Option<(String, Map<String, Value>)> {
    if !s.contains(' ') {
        return Some((s.to_string(), Map::new()));
    }
    let cmd_len = if let Some(n) = expression_span(s) {
        n
    } else {
        // `[\w\.]+[^=\(\s\"]*`
        let head: usize = s
            .chars()
            .take_while(|c| is_word(*c) || *c == '.')
            .map(char::len_utf8)
            .sum();
        if head == 0 {
            return None;
        }
        head + s[head..]
            .chars()
            .take_while(|c| !matches!(c, '=' | '(' | '"') && !c.is_whitespace())
            .map(char::len_utf8)
            .sum::<usize>()
    };
    Some((s[..cmd_len].to_string(), parse_params(&s[cmd_len..])))
}

/// One parsed `with-items` clause: the variable and the source text (a
/// JSON list literal or an expression).
#[derive(Debug, PartialEq)]
pub(crate) struct WithItemsClause<'a> {
    pub var: &'a str,
    pub source: &'a str,
}

/// Mistral's `WITH_ITEMS_PTRN`, anchored at the start only:
/// `\s*([\w\d_\-]+)\s*in\s*(\[.+\]|{{.*?}}|<%.*?%>)`.
pub(crate) fn parse_with_items(s: &str) -> Option<WithItemsClause<'_>> {
    let t = s.trim_start();
    let var_len: usize = t
        .chars()
        .take_while(|c| is_word(*c) || *c == '-')
        .map(char::len_utf8)
        .sum();
    if var_len == 0 {
        return None;
    }
    let var = &t[..var_len];
    let rest = t[var_len..].trim_start().strip_prefix("in")?.trim_start();
    let len = if rest.starts_with('[') {
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let end = line.rfind(']')?;
        (end >= 2).then_some(end + 1)?
    } else {
        expression_span(rest)?
    };
    Some(WithItemsClause {
        var,
        source: &rest[..len],
    })
}
