//! Python regular expressions for YAQL's regex functions (called from
//! `lib_str`): patterns translated to Rust's engine, and matches, `re.sub`
//! replacements and group references as Python's `re` makes them (an empty
//! match right after a non-empty one counts).

use std::rc::Rc;

use super::interp::{Interp, R, err};
use super::value::{RegexV, V};
use crate::expr::ErrorKind;

/// Compiles a Python regular expression (with flags) for Rust's engine.
pub(crate) fn compile(pattern: &str, flags: &str) -> R<Rc<RegexV>> {
    let mut p = String::new();
    if !flags.is_empty() {
        p.push_str("(?");
        p.push_str(flags);
        p.push(')');
    }
    p.push_str(&translate(pattern));
    match regex::Regex::new(&p) {
        Ok(re) => Ok(Rc::new(RegexV {
            pattern: pattern.to_string(),
            re,
            flags: flags.to_string(),
        })),
        Err(e) => err(
            ErrorKind::Regex,
            python_error(pattern).unwrap_or_else(|| format!("{e}")),
        ),
    }
}

/// Python's `re` words for the commonest mistakes in a pattern (brackets
/// and repeats), found as `sre_parse` finds them.
fn python_error(p: &str) -> Option<String> {
    let c: Vec<char> = p.chars().collect();
    let mut open: Vec<usize> = Vec::new();
    // whether the last item can take a repeat, and whether it is one
    let (mut item, mut repeated) = (false, false);
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' if i + 1 == c.len() => {
                return Some(format!("bad escape (end of pattern) at position {i}"));
            }
            '\\' => {
                i += 2;
                (item, repeated) = (true, false);
                continue;
            }
            '[' => {
                let mut j = i + 1;
                if c.get(j) == Some(&'^') {
                    j += 1;
                }
                if c.get(j) == Some(&']') {
                    j += 1;
                }
                while j < c.len() && c[j] != ']' {
                    j += if c[j] == '\\' { 2 } else { 1 };
                }
                if j >= c.len() {
                    return Some(format!("unterminated character set at position {i}"));
                }
                i = j;
                (item, repeated) = (true, false);
            }
            '(' => {
                (item, repeated) = (false, false);
                if c.get(i + 1) == Some(&'?') {
                    // `(?:`, `(?P<name>`, `(?=`, `(?<!` …; `(?i)` closes at once
                    let j = (i + 2..c.len()).find(|&k| matches!(c[k], ':' | '>' | '=' | '!' | ')'));
                    match j {
                        Some(j) if c[j] == ')' => i = j,
                        Some(j) => {
                            open.push(i);
                            i = j;
                        }
                        None => return None,
                    }
                } else {
                    open.push(i);
                }
            }
            ')' => {
                if open.pop().is_none() {
                    return Some(format!("unbalanced parenthesis at position {i}"));
                }
                (item, repeated) = (true, false);
            }
            '|' => (item, repeated) = (false, false),
            '*' | '+' | '?' | '{' => {
                let end = if c[i] == '{' {
                    match (i + 1..c.len()).find(|&k| c[k] == '}') {
                        Some(k) if c[i + 1..k].iter().all(|d| d.is_ascii_digit() || *d == ',') => k,
                        _ => {
                            (item, repeated) = (true, false);
                            i += 1;
                            continue;
                        }
                    }
                } else {
                    i
                };
                // `?` after a repeat makes it lazy, not a second repeat
                let lazy = c[i] == '?' && repeated && i > 0 && c[i - 1] != '?';
                if !lazy {
                    if repeated {
                        return Some(format!("multiple repeat at position {i}"));
                    }
                    if !item {
                        return Some(format!("nothing to repeat at position {i}"));
                    }
                    repeated = true;
                }
                i = end;
            }
            _ => (item, repeated) = (true, false),
        }
        i += 1;
    }
    open.pop()
        .map(|at| format!("missing ), unterminated subpattern at position {at}"))
}

/// Python-only regex syntax mapped to Rust's: `\Z` and `(?P<name>`; in
/// a set `[...]`, Python reads `[` and the pairs `&&`, `--`, `~~`
/// literally (Rust would nest a class, `[[:alpha:]]`, or combine sets).
pub(crate) fn translate(p: &str) -> String {
    let p = p.replace("\\Z", "\\z").replace("(?P<", "(?<");
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len());
    let (mut i, mut in_set) = (0, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            out.push(c);
            if let Some(n) = chars.get(i + 1) {
                out.push(*n);
            }
            i += 2;
            continue;
        }
        if !in_set {
            if c == '[' {
                in_set = true;
                out.push(c);
                // a `^` and a `]` first in the set are part of it
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            } else {
                out.push(c);
            }
        } else if c == ']' {
            in_set = false;
            out.push(c);
        } else if c == '[' || (matches!(c, '&' | '-' | '~') && chars.get(i + 1) == Some(&c)) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

pub(crate) fn regex_of(v: &V) -> R<Option<Rc<RegexV>>> {
    Ok(match v {
        V::Regex(r) => Some(r.clone()),
        _ => None,
    })
}

/// `string =~ pattern` (string or regex); `op` (`=~` or `!~`) names the
/// operator when the operands do not fit it.
pub(crate) fn matches_op(_it: &mut Interp<'_>, l: &V, r: &V, op: &str) -> R<bool> {
    let refuse = || {
        err(
            ErrorKind::NoMatchingFunction,
            format!("No function \"#operator_{op}\" matches supplied arguments"),
        )
    };
    let V::Str(s) = l else {
        return refuse();
    };
    let re = match r {
        V::Regex(re) => re.clone(),
        V::Str(p) => compile(p, "")?,
        _ => return refuse(),
    };
    Ok(re.re.is_match(s))
}

pub(crate) fn group_value(c: &regex::Captures<'_>) -> V {
    c.get(0).map_or(V::Null, |m| V::str(m.as_str()))
}

/// What yaql publishes to a match selector: `$1` is `{value, start, end}`
/// of the whole match, `$2..` of each group (offsets in characters).
///
/// yaql's `_publish_match` then walks the named groups with
/// `for key, value, in match.groupdict().values()`: it unpacks each named
/// group's matched *text* into two names. So a match with a named group
/// fails unless that text is two characters long and its second character
/// names a group too (`match.start(name)`).
pub(crate) fn match_params(re: &regex::Regex, c: &regex::Captures<'_>, s: &str) -> R<Vec<V>> {
    for name in re.capture_names().flatten() {
        let Some(text) = c.name(name).map(|m| m.as_str()) else {
            return err(
                ErrorKind::Type,
                "cannot unpack non-iterable NoneType object",
            );
        };
        let chars: Vec<char> = text.chars().collect();
        match chars.len() {
            2 => {
                let second = chars[1].to_string();
                if !re.capture_names().flatten().any(|n| n == second) {
                    return err(ErrorKind::Index, "no such group");
                }
            }
            n if n > 2 => {
                return err(ErrorKind::Value, "too many values to unpack (expected 2)");
            }
            n => {
                return err(
                    ErrorKind::Value,
                    format!("not enough values to unpack (expected 2, got {n})"),
                );
            }
        }
    }
    let chars_at = |b: usize| s[..b].chars().count() as i64;
    Ok((0..c.len())
        .map(|i| {
            let mut m = indexmap::IndexMap::new();
            match c.get(i) {
                Some(g) => {
                    m.insert(super::value::Key(V::str("value")), V::str(g.as_str()));
                    m.insert(
                        super::value::Key(V::str("start")),
                        V::Int(chars_at(g.start())),
                    );
                    m.insert(super::value::Key(V::str("end")), V::Int(chars_at(g.end())));
                }
                None => {
                    m.insert(super::value::Key(V::str("value")), V::Null);
                    m.insert(super::value::Key(V::str("start")), V::Int(-1));
                    m.insert(super::value::Key(V::str("end")), V::Int(-1));
                }
            }
            V::Dict(Rc::new(m), super::value::DictKind::Plain)
        })
        .collect())
}

/// Python `re.finditer` positions: empty matches are allowed right after a
/// non-empty one, never twice at the same place.
pub(crate) fn py_captures<'s>(re: &regex::Regex, s: &'s str) -> Vec<regex::Captures<'s>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut last_empty: Option<usize> = None;
    while pos <= s.len() {
        let Some(c) = re.captures_at(s, pos) else {
            break;
        };
        let Some(m) = c.get(0) else { break };
        if m.start() == m.end() && last_empty == Some(m.start()) {
            pos = next_boundary(s, m.start());
            continue;
        }
        last_empty = if m.start() == m.end() {
            Some(m.end())
        } else {
            None
        };
        pos = m.end();
        out.push(c);
    }
    out
}

pub(crate) fn next_boundary(s: &str, mut i: usize) -> usize {
    i += 1;
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Python `re.sub` with `\1`/`\g<1>` group references, over Python's
/// matches ([`py_captures`]).
pub(crate) fn regex_replace(re: &RegexV, s: &str, repl: &str, count: i64) -> String {
    if count < 0 {
        return s.to_string();
    }
    let rust_repl = py_repl(repl);
    let limit = if count <= 0 {
        usize::MAX
    } else {
        count as usize
    };
    // Python's matches: an empty match right after a non-empty one counts
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for c in py_captures(&re.re, s).into_iter().take(limit) {
        let Some(m) = c.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        c.expand(&rust_repl, &mut out);
        last = m.end();
    }
    out.push_str(&s[last..]);
    out
}

pub(crate) fn py_repl(repl: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = repl.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' {
            out.push_str("$$");
        } else if c == '\\' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_digit() && j < i + 3 {
                j += 1;
            }
            let g: String = chars[i + 1..j].iter().collect();
            out.push_str(&format!("${{{g}}}"));
            i = j;
            continue;
        } else if c == '\\' && i + 1 < chars.len() && chars[i + 1] == 'g' {
            if let Some(close) = chars[i..].iter().position(|&x| x == '>') {
                let g: String = chars[i + 3..i + close].iter().collect();
                out.push_str(&format!("${{{g}}}"));
                i += close + 1;
                continue;
            }
            out.push(c);
        } else if c == '\\' && i + 1 < chars.len() {
            let d = chars[i + 1];
            match d {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '\\' => out.push('\\'),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            i += 2;
            continue;
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Python 3.7+ `re.escape`: only the regex-special characters.
pub(crate) fn py_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::python_error;

    /// Each as Python 3.11's `re.compile` words it.
    #[test]
    fn pythons_words_for_a_bad_pattern() {
        for (p, want) in [
            (
                "(",
                Some("missing ), unterminated subpattern at position 0"),
            ),
            (
                "((a)",
                Some("missing ), unterminated subpattern at position 0"),
            ),
            (
                "(a(b",
                Some("missing ), unterminated subpattern at position 2"),
            ),
            (
                "(?P<n>a",
                Some("missing ), unterminated subpattern at position 0"),
            ),
            ("a)", Some("unbalanced parenthesis at position 1")),
            ("[a", Some("unterminated character set at position 0")),
            ("*a", Some("nothing to repeat at position 0")),
            ("a**", Some("multiple repeat at position 2")),
            ("a{2}{3}", Some("multiple repeat at position 4")),
            ("\\", Some("bad escape (end of pattern) at position 0")),
            ("(?i)a+?b[)(]", None),
            ("a{,2}|(?:b)*", None),
        ] {
            assert_eq!(python_error(p).as_deref(), want, "{p}");
        }
    }
}
