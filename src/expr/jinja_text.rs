//! Python text behaviours for Jinja: the `str` methods minijinja lacks (the
//! unknown-method callback, with [`super::jinja_methods`]), markupsafe's
//! escaping, and text filters (`escape`, `wordcount`, `wordwrap`, `title`,
//! `capitalize`, `striptags`).

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

/// MarkupSafe's escaping.
pub fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

pub fn escape(v: Value) -> String {
    if v.is_safe() {
        return v.to_string();
    }
    escape_text(&super::jinja::py_str(&v))
}

/// The `escape` / `e` filter: markupsafe's escape of `str(value)`.
pub fn escape_filter(v: Value) -> Result<Value, Error> {
    if v.is_undefined() {
        return Err(super::jinja_ops::undefined_error());
    }
    Ok(Value::from_safe_string(escape(v)))
}

pub fn wordcount(s: String) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in s.chars() {
        let w = c.is_alphanumeric() || c == '_';
        if w && !in_word {
            n += 1;
        }
        in_word = w;
    }
    n
}

/// The methods of Python 3.11's `str`.
#[rustfmt::skip]
pub(crate) const STR_METHODS: &[&str] = &[
    "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find",
    "format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
    "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper",
    "join", "ljust", "lower", "lstrip", "maketrans", "partition", "removeprefix",
    "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
    "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper",
    "zfill",
];

/// Python string methods pycompat lacks, then pycompat's.
pub fn unknown_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    let escaped: Vec<Value>;
    let mut args = args;
    if value.is_safe()
        && value.as_str().is_some()
        && matches!(
            method,
            "replace"
                | "ljust"
                | "rjust"
                | "lstrip"
                | "rstrip"
                | "center"
                | "strip"
                | "partition"
                | "rpartition"
                | "join"
        )
    {
        escaped = args
            .iter()
            .map(|a| match a.as_str() {
                Some(t) if !a.is_safe() => Value::from(escape_text(t)),
                _ => a.clone(),
            })
            .collect();
        args = &escaped;
    }
    let r = str_or_other_method(state, value, method, args)?;
    if value.is_safe() && value.as_str().is_some() {
        // markupsafe: the text a Markup's method returns is Markup too
        return Ok(keep_markup(r));
    }
    Ok(r)
}

/// A filter's result, Markup when its input was (markupsafe's methods on
/// Markup return Markup: `upper`, `center`, `trim`, `truncate`, ...).
pub(crate) fn markup_of(input_safe: bool, out: Result<Value, Error>) -> Result<Value, Error> {
    match out {
        Ok(v) if input_safe && v.as_str().is_some() => Ok(keep_markup(v)),
        other => other,
    }
}

/// `v` with its strings (also inside a list or tuple) marked as Markup.
fn keep_markup(v: Value) -> Value {
    let safe = |x: Value| match x.as_str() {
        Some(t) if !x.is_safe() => Value::from_safe_string(t.to_string()),
        _ => x,
    };
    if v.as_str().is_some() {
        return safe(v);
    }
    if v.kind() == ValueKind::Seq
        && let Ok(items) = v.try_iter()
    {
        let items: Vec<Value> = items.map(safe).collect();
        return if super::jinja_ops::is_tuple(&v) {
            Value::from_object(minijinja::value::Tuple::from(items))
        } else {
            Value::from(items)
        };
    }
    v
}

fn str_or_other_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if value.is_safe()
        && let Some(s) = value.as_str()
        && let Some(r) = super::jinja_methods::markup_method(s, method, args)
    {
        return r;
    }
    if let Some(s) = value.as_str()
        && let Some(r) = super::jinja_methods::str_method(s, method, args)
    {
        return r;
    }
    if value.kind() == ValueKind::Map
        && args.is_empty()
        && let Some(r) = super::jinja_values::dict_view(value, method)
    {
        return r;
    }
    if let Some(s) = value.as_str() {
        let arg_str = |i: usize| args.get(i).and_then(|a| a.as_str().map(String::from));
        let arg_int = |i: usize| args.get(i).and_then(|a| i64::try_from(a.clone()).ok());
        match method {
            "rsplit" => {
                let sep = arg_str(0);
                let max = arg_int(1).unwrap_or(-1);
                let parts = crate::expr::yaql::lib_str::py_rsplit(s, sep.as_deref(), max)
                    .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.msg))?;
                return Ok(Value::from(parts));
            }
            // `s.encode(encoding='utf-8')`: bytes (their length, mostly)
            "encode" if args.len() <= 2 => return encode(s, arg_str(0).as_deref()),
            "zfill" => {
                let w = arg_int(0).unwrap_or(0).max(0) as usize;
                let n = s.chars().count();
                if n >= w {
                    return Ok(Value::from(s));
                }
                let (sign, rest) = if s.starts_with(['-', '+']) {
                    s.split_at(1)
                } else {
                    ("", s)
                };
                return Ok(Value::from(format!("{sign}{}{rest}", "0".repeat(w - n))));
            }
            "rjust" | "ljust" => {
                let w = arg_int(0).unwrap_or(0).max(0) as usize;
                let fill = arg_str(1).and_then(|f| f.chars().next()).unwrap_or(' ');
                let n = s.chars().count();
                if n >= w {
                    return Ok(Value::from(s));
                }
                let pad: String = std::iter::repeat_n(fill, w - n).collect();
                return Ok(Value::from(if method == "rjust" {
                    pad + s
                } else {
                    s.to_string() + &pad
                }));
            }
            "swapcase" => {
                let out: String = s
                    .chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else {
                            c.to_uppercase().collect::<Vec<_>>()
                        }
                    })
                    .collect();
                return Ok(Value::from(out));
            }
            "rfind" | "rindex" => {
                let sub = arg_str(0).unwrap_or_default();
                let found = s.rfind(&sub).map(|b| s[..b].chars().count() as i64);
                return match (found, method) {
                    (Some(i), _) => Ok(Value::from(i)),
                    (None, "rfind") => Ok(Value::from(-1)),
                    _ => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "substring not found",
                    )),
                };
            }
            "isalpha" => {
                return Ok(Value::from(
                    !s.is_empty() && s.chars().all(char::is_alphabetic),
                ));
            }
            "isalnum" => {
                return Ok(Value::from(
                    !s.is_empty() && s.chars().all(char::is_alphanumeric),
                ));
            }
            "isspace" => {
                return Ok(Value::from(
                    !s.is_empty() && s.chars().all(char::is_whitespace),
                ));
            }
            "isdigit" | "isdecimal" | "isnumeric" => {
                return Ok(Value::from(
                    !s.is_empty() && s.chars().all(|c| c.is_numeric()),
                ));
            }
            "casefold" => return Ok(Value::from(s.to_lowercase())),
            "index" => {
                let sub = arg_str(0).unwrap_or_default();
                return match s.find(&sub) {
                    Some(b) => Ok(Value::from(s[..b].chars().count() as i64)),
                    None => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "substring not found",
                    )),
                };
            }
            "center" => {
                let w = arg_int(0).unwrap_or(0);
                let fill = arg_str(1).and_then(|f| f.chars().next()).unwrap_or(' ');
                let padded = center(s.to_string(), Some(w));
                return Ok(Value::from(if fill == ' ' {
                    padded
                } else {
                    let n = s.chars().count();
                    let left = padded
                        .chars()
                        .take_while(|c| *c == ' ')
                        .count()
                        .min(padded.chars().count().saturating_sub(n));
                    let right = padded.chars().count().saturating_sub(n + left);
                    format!(
                        "{}{s}{}",
                        fill.to_string().repeat(left),
                        fill.to_string().repeat(right)
                    )
                }));
            }
            "partition" | "rpartition" => {
                let sep = arg_str(0).unwrap_or_default();
                let hit = if method == "partition" {
                    s.find(&sep)
                } else {
                    s.rfind(&sep)
                };
                let parts = match hit {
                    Some(i) => vec![
                        s[..i].to_string(),
                        sep.clone(),
                        s[i + sep.len()..].to_string(),
                    ],
                    None if method == "partition" => {
                        vec![s.to_string(), String::new(), String::new()]
                    }
                    None => vec![String::new(), String::new(), s.to_string()],
                };
                // a tuple, printed `('a', 'b', 'c')`
                return Ok(Value::from_object(minijinja::value::Tuple::from(
                    parts.into_iter().map(Value::from).collect::<Vec<_>>(),
                )));
            }
            _ => {}
        }
    }
    if value.kind() == ValueKind::Seq && method == "index" {
        let target = args.first().cloned().unwrap_or(Value::UNDEFINED);
        return match value.try_iter()?.position(|x| x == target) {
            Some(i) => Ok(Value::from(i as i64)),
            None => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("{} is not in list", super::jinja::py_repr(&target)),
            )),
        };
    }
    match minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args) {
        // Jinja2 looks the method up as an attribute: the sandbox's
        // getattr gives an Undefined named by the value's type
        Err(e)
            if e.kind() == minijinja::ErrorKind::UnknownMethod
                && !value.is_undefined()
                && matches!(
                    value.kind(),
                    ValueKind::None
                        | ValueKind::Bool
                        | ValueKind::Number
                        | ValueKind::String
                        | ValueKind::Seq
                        | ValueKind::Map
                ) =>
        {
            let of = match value.kind() {
                ValueKind::None => "'None'".to_string(),
                _ if super::jinja_py::is_namespace(value) => {
                    "'jinja2.utils.Namespace object'".to_string()
                }
                _ => format!("'{} object'", super::jinja_ops::type_name(value)),
            };
            Err(Error::new(
                minijinja::ErrorKind::UnknownMethod,
                format!("{of} has no attribute '{method}'"),
            ))
        }
        other => other,
    }
}

/// Jinja2's `wordwrap(s, width=79, break_long_words=True, wrapstring=None,
/// break_on_hyphens=True)`: each line (`str.splitlines`) through Python's
/// `textwrap.wrap` with tabs and whitespace kept as written.
pub fn wordwrap(
    s: String,
    width: Option<usize>,
    break_long: Option<bool>,
    wrapstring: Option<String>,
    break_on_hyphens: bool,
) -> String {
    let width = width.unwrap_or(79).max(1);
    let sep = wrapstring.unwrap_or_else(|| "\n".into());
    let break_long = break_long.unwrap_or(true);
    super::jinja_filters::splitlines(&s)
        .iter()
        .map(|line| textwrap(line, width, break_long, break_on_hyphens).join(&sep))
        .collect::<Vec<_>>()
        .join(&sep)
}

fn is_ws(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// `[^\d\W]`: a word character that is not a digit.
fn letter(c: Option<&char>) -> bool {
    c.is_some_and(|c| (c.is_alphanumeric() || *c == '_') && !c.is_numeric())
}

/// An em-dash (`--` or longer) at `k` between a word character or
/// punctuation and a word character: the end of its run.
fn em_dash(chars: &[char], k: usize, start: usize, end: usize) -> Option<usize> {
    let punct = |c: char| c.is_alphanumeric() || "_!\"'&.,?".contains(c);
    if k <= start || !punct(chars[k - 1]) {
        return None;
    }
    let run = chars[k..end].iter().take_while(|c| **c == '-').count();
    let after = chars.get(k + run).filter(|_| k + run < end);
    (run >= 2 && after.is_some_and(|c| c.is_alphanumeric() || *c == '_')).then_some(k + run)
}

/// `TextWrapper._split`: runs of ASCII whitespace, and words, split after
/// a hyphen between letters when hyphens may break.
fn wrap_chunks_of(text: &str, hyphens: bool) -> Vec<Vec<char>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Vec<char>> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let ws = is_ws(chars[i]);
        let mut j = i;
        while j < chars.len() && is_ws(chars[j]) == ws {
            j += 1;
        }
        if ws || !hyphens {
            out.push(chars[i..j].to_vec());
        } else {
            let mut start = i;
            let mut k = i;
            while k < j {
                if let Some(end) = em_dash(&chars, k, start, j) {
                    out.push(chars[start..k].to_vec());
                    out.push(chars[k..end].to_vec());
                    start = end;
                    k = end;
                    continue;
                }
                let c = |d: isize| {
                    chars
                        .get((k as isize + d) as usize)
                        .filter(|_| k as isize + d >= i as isize)
                };
                let before = (k >= i + 2 && letter(c(-1)) && letter(c(-2)))
                    || (k >= i + 3 && letter(c(-1)) && c(-2) == Some(&'-') && letter(c(-3)));
                let after = letter(c(1)) && (letter(c(2)) || (c(2) == Some(&'-') && letter(c(3))));
                if chars[k] == '-' && k + 1 < j && before && after {
                    out.push(chars[start..=k].to_vec());
                    start = k + 1;
                }
                k += 1;
            }
            out.push(chars[start..j].to_vec());
        }
        i = j;
    }
    out
}

/// Python's `textwrap.wrap(line, width, expand_tabs=False,
/// replace_whitespace=False)` (`TextWrapper._wrap_chunks`).
fn textwrap(line: &str, width: usize, break_long: bool, hyphens: bool) -> Vec<String> {
    let blank = |c: &[char]| c.iter().all(|x| x.is_whitespace());
    let mut chunks = wrap_chunks_of(line, hyphens);
    chunks.reverse();
    let mut lines: Vec<String> = Vec::new();
    while !chunks.is_empty() {
        let mut cur: Vec<Vec<char>> = Vec::new();
        let mut cur_len = 0;
        if chunks.last().is_some_and(|c| blank(c)) && !lines.is_empty() {
            chunks.pop();
        }
        while let Some(c) = chunks.last() {
            if cur_len + c.len() > width {
                break;
            }
            cur_len += c.len();
            cur.extend(chunks.pop());
        }
        if let Some(chunk) = chunks.last_mut()
            && chunk.len() > width
        {
            let space_left = width.saturating_sub(cur_len);
            if break_long {
                let mut end = space_left;
                if hyphens && chunk.len() > space_left {
                    let head = &chunk[..space_left];
                    if let Some(h) = head.iter().rposition(|c| *c == '-')
                        && h > 0
                        && head[..h].iter().any(|c| *c != '-')
                    {
                        end = h + 1;
                    }
                }
                cur.push(chunk[..end].to_vec());
                *chunk = chunk[end..].to_vec();
            } else if cur.is_empty() {
                cur.extend(chunks.pop());
            }
        }
        if cur.last().is_some_and(|c| blank(c)) {
            cur.pop();
        }
        if !cur.is_empty() {
            lines.push(cur.concat().into_iter().collect());
        }
    }
    lines
}

pub fn quote(s: &str, safe: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "_.-~".contains(c) || safe.contains(c) {
            out.push(c);
        } else if plus && c == ' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Python's `str.center(width)` with spaces.
pub fn center(s: String, width: Option<i64>) -> String {
    let width = width.unwrap_or(80).max(0) as usize;
    let n = s.chars().count();
    if n >= width {
        return s;
    }
    let marg = width - n;
    let left = marg / 2 + (marg & width & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(marg - left))
}

/// Jinja2's `title` filter: each word (after `-`, whitespace, `(`, `{`,
/// `[`, `<`) capitalized.
pub(crate) fn title_filter(value: Value) -> Result<Value, Error> {
    let s = super::jinja_filters::soft_str(&value)?;
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        let sep = c.is_whitespace() || "-({[<".contains(c);
        if sep {
            out.push(c);
            start = true;
        } else if start {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    Ok(Value::from(out))
}

/// `capitalize`: the first character title case, the rest lower case.
pub(crate) fn capitalize(value: Value) -> Result<Value, Error> {
    let s = super::jinja_filters::soft_str(&value)?;
    let mut it = s.chars();
    let out: String = match it.next() {
        Some(first) => {
            let mut out = String::new();
            super::jinja_methods::push_titlecase(&mut out, first);
            out.extend(it.flat_map(char::to_lowercase));
            out
        }
        None => String::new(),
    };
    Ok(Value::from(out))
}

/// Markup's `striptags`: comments and tags removed, whitespace collapsed,
/// entities unescaped.
pub(crate) fn striptags(value: Value) -> Result<Value, Error> {
    let s = super::jinja_filters::soft_str(&value)?;
    let mut text = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<!--")
            && let Some(end) = r.find("-->")
        {
            rest = &r[end + 3..];
            continue;
        }
        if let Some(r) = rest.strip_prefix('<')
            && let Some(end) = r.find('>')
        {
            rest = &r[end + 1..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Value::from(unescape(&joined)))
}

/// `html.unescape` for the entities Markup produces and numeric ones.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|e| *e <= 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let n = if let Some(h) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                        u32::from_str_radix(h, 16).ok()
                    } else {
                        name.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
                    };
                    n.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Python's `str.encode(encoding)` for the UTF-8, ASCII and Latin-1
/// codecs (strict errors).
fn encode(s: &str, encoding: Option<&str>) -> Result<Value, Error> {
    let name = encoding
        .unwrap_or("utf-8")
        .to_ascii_lowercase()
        .replace(['-', ' '], "_");
    let limit = match name.as_str() {
        "utf_8" | "utf8" | "u8" => return Ok(Value::from_bytes(s.as_bytes().to_vec())),
        "ascii" | "us_ascii" => 128,
        "latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" | "l1" => 256,
        _ => {
            return Err(super::jinja_ops::py_err(
                "LookupError",
                format!("unknown encoding: {}", encoding.unwrap_or_default()),
            ));
        }
    };
    let chars: Vec<char> = s.chars().collect();
    let Some(i) = chars.iter().position(|c| u32::from(*c) >= limit) else {
        return Ok(Value::from_bytes(chars.iter().map(|c| *c as u8).collect()));
    };
    // Python names the whole run of characters the codec cannot encode
    let run = chars[i..]
        .iter()
        .take_while(|c| u32::from(**c) >= limit)
        .count();
    let codec = if limit == 128 { "ascii" } else { "latin-1" };
    let what = if run > 1 {
        format!("characters in position {i}-{}", i + run - 1)
    } else {
        let code = u32::from(chars[i]);
        let shown = match code {
            0..=0xff => format!("\\x{code:02x}"),
            0x100..=0xffff => format!("\\u{code:04x}"),
            _ => format!("\\U{code:08x}"),
        };
        format!("character '{shown}' in position {i}")
    };
    Err(super::jinja_ops::py_err(
        "UnicodeEncodeError",
        format!("'{codec}' codec can't encode {what}: ordinal not in range({limit})"),
    ))
}
