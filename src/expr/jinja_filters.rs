//! Jinja2's text and number filters with their Python signatures
//! (jinja2/filters.py): arguments bind by position or by keyword as Python
//! binds them (`int(base=16)`, `truncate(10, killwords=true)`,
//! `d('x', boolean=true)`), an argument of the wrong type is Python's
//! TypeError, and each filter computes what its Python body computes
//! (`int` falls back to `int(float(value))`, `round` keeps integers,
//! `truncate` asserts its length; `round` and `filesizeformat` are in
//! [`super::jinja_numfmt`]).
//! Collection filters live in [`super::jinja_seq`].

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};

use super::jinja::py_str;
use super::jinja_ops::{Num, as_num, py_err, type_name, undefined_error};
use super::jinja_text::markup_of;

/// Jinja2 3.1's filters declared `pass_environment`, `pass_context` or
/// `pass_eval_context` (their Python signature has one more parameter).
const PASSES_CONTEXT: &[&str] = &[
    "do_replace",
    "do_xmlattr",
    "do_sort",
    "do_unique",
    "do_min",
    "do_max",
    "do_join",
    "do_first",
    "do_last",
    "do_random",
    "do_urlize",
    "do_truncate",
    "do_wordwrap",
    "do_groupby",
    "do_sum",
    "do_attr",
    "do_map",
    "do_select",
    "do_reject",
    "do_selectattr",
    "do_rejectattr",
    "do_tojson",
];

/// Python's binding of a call's arguments to `params`: `Ok(values)` with
/// `None` for each parameter left to its default.
pub(crate) fn bind(
    filter: &str,
    params: &[&str],
    required: usize,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Option<Value>>, Error> {
    if args.len() > params.len() {
        // Python 3.11's words, the filtered value counted, and the
        // environment or context a `pass_*` filter takes first
        let passed = usize::from(PASSES_CONTEXT.contains(&filter.trim_start_matches("sync_")));
        let (min, max) = (required + 1 + passed, params.len() + 1 + passed);
        let takes = if min == max {
            format!(
                "{max} positional argument{}",
                if max == 1 { "" } else { "s" }
            )
        } else {
            format!("from {min} to {max} positional arguments")
        };
        return Err(py_err(
            "TypeError",
            format!(
                "{filter}() takes {takes} but {} were given",
                args.len() + 1 + passed
            ),
        ));
    }
    let mut out: Vec<Option<Value>> = vec![None; params.len()];
    for (slot, a) in out.iter_mut().zip(args) {
        *slot = Some(a.clone());
    }
    for key in kwargs.args() {
        let Some(i) = params.iter().position(|p| *p == key) else {
            return Err(py_err(
                "TypeError",
                format!("{filter}() got an unexpected keyword argument '{key}'"),
            ));
        };
        if out[i].is_some() {
            return Err(py_err(
                "TypeError",
                format!("{filter}() got multiple values for argument '{key}'"),
            ));
        }
        out[i] = Some(kwargs.get::<Value>(key)?);
    }
    if let Some(missing) = out.iter().take(required).position(Option::is_none) {
        return Err(py_err(
            "TypeError",
            format!(
                "{filter}() missing 1 required positional argument: '{}'",
                params[missing]
            ),
        ));
    }
    Ok(out)
}

pub(crate) fn defined(v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        return Err(undefined_error());
    }
    Ok(())
}

/// `str(value)` (Jinja2's soft_str): an undefined value raises.
pub(crate) fn soft_str(v: &Value) -> Result<String, Error> {
    defined(v)?;
    Ok(py_str(v))
}

/// An argument Python uses as an index (`int`, `bool`).
pub(crate) fn int_arg(v: &Value) -> Result<i128, Error> {
    defined(v)?;
    match as_num(v) {
        Some(Num::Int(i)) => Ok(i),
        _ => Err(py_err(
            "TypeError",
            format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(v)
            ),
        )),
    }
}

/// An integer argument Python needs as a C `ssize_t` (a count, a width).
pub(crate) fn index_arg(v: &Value, msg: &str) -> Result<i64, Error> {
    let i = int_arg(v)?;
    i64::try_from(i).map_err(|_| py_err("OverflowError", msg))
}

/// Python's truthiness.
pub(crate) fn truthy(v: &Value) -> Result<bool, Error> {
    defined(v)?;
    Ok(v.is_true())
}

/// `default(value, default_value='', boolean=False)`.
fn default(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_default", &["default_value", "boolean"], 0, &args, &kw)?;
    let boolean = match &a[1] {
        Some(b) => truthy(b)?,
        None => false,
    };
    let undefined = value.is_undefined() || super::jinja_values::is_plain_undefined(&value);
    if undefined {
        super::jinja_undef::forget();
    }
    if undefined || (boolean && !value.is_true()) {
        return Ok(a[0].clone().unwrap_or_else(|| Value::from("")));
    }
    Ok(value)
}

/// The first code point of each run of ten Unicode decimal digits (Nd),
/// as Python's `unicodedata.decimal` knows them.
#[rustfmt::skip]
const DIGIT_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Python reads Unicode decimal digits and spaces as ASCII ones in numbers.
fn ascii_digits(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            let cp = c as u32;
            match DIGIT_ZEROS.iter().rev().find(|z| **z <= cp) {
                Some(z) if cp - z < 10 && c.is_numeric() => {
                    char::from_digit(cp - z, 10).unwrap_or(c)
                }
                _ if c.is_whitespace() => ' ',
                _ => c,
            }
        })
        .collect::<String>()
        .into()
}

/// Python's `int(text, base)`, `None` where Python raises ValueError.
pub(crate) fn parse_int(text: &str, base: u32) -> Option<i128> {
    let text = ascii_digits(text);
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = body.to_ascii_lowercase();
    let prefixed = |p: &str| lower.starts_with(p) && lower.len() > 2;
    let (radix, digits) = if (base == 0 || base == 16) && prefixed("0x") {
        (16, &lower[2..])
    } else if (base == 0 || base == 8) && prefixed("0o") {
        (8, &lower[2..])
    } else if (base == 0 || base == 2) && prefixed("0b") {
        (2, &lower[2..])
    } else if base == 0 {
        // base 0: decimal without leading zeros
        if lower.len() > 1
            && lower.starts_with('0')
            && !lower.trim_start_matches(['0', '_']).is_empty()
        {
            return None;
        }
        (10, lower.as_str())
    } else {
        (base, lower.as_str())
    };
    let digits = digits.strip_prefix('_').unwrap_or(digits);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || digits.starts_with(['+', '-'])
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    i128::from_str_radix(&clean, radix)
        .ok()
        .map(|i| if neg { -i } else { i })
}

/// Python's `float(text)`, `None` where Python raises ValueError.
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    let text = ascii_digits(text);
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    match body.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    let b = body.as_bytes();
    // underscores only between digits
    let underscores_ok = b.iter().enumerate().all(|(i, c)| {
        *c != b'_'
            || (i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
    });
    if !underscores_ok
        || !b.first().is_some_and(|c| c.is_ascii_digit() || *c == b'.')
        || !b
            .iter()
            .all(|c| c.is_ascii_digit() || b"._eE+-".contains(c))
    {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok().map(|f| sign * f)
}

/// Python's `str.splitlines()`.
pub(crate) fn splitlines(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            '\n' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `int(value, default=0, base=10)`: `int(value[, base])`, then
/// `int(float(value))`, then the default.
fn int_filter(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_int", &["default", "base"], 0, &args, &kw)?;
    let default = a[0].clone().unwrap_or_else(|| Value::from(0));
    defined(&value)?;
    let first: Option<i128> = match (value.as_str(), &a[1]) {
        (Some(s), base) => {
            let base = match base {
                None => Some(10),
                Some(b) => match as_num(b) {
                    Some(Num::Int(i)) if i == 0 || (2..=36).contains(&i) => Some(i as u32),
                    // a base Python refuses is a ValueError or TypeError:
                    // both fall back to int(float(value))
                    _ => None,
                },
            };
            base.and_then(|b| parse_int(s, b))
        }
        (None, _) => match as_num(&value) {
            Some(Num::Int(i)) => Some(i),
            Some(Num::Float(f)) if f.is_finite() => Some(f.trunc() as i128),
            Some(Num::Float(f)) if f.is_nan() => None,
            Some(Num::Float(_)) => {
                return Err(py_err(
                    "OverflowError",
                    "cannot convert float infinity to integer",
                ));
            }
            None => None,
        },
    };
    if let Some(i) = first {
        return Ok(Value::from(i));
    }
    // int(float(value))
    let f = match (value.as_str(), as_num(&value)) {
        (Some(s), _) => parse_float(s),
        (None, Some(Num::Float(f))) => Some(f),
        (None, Some(Num::Int(i))) => Some(i as f64),
        _ => None,
    };
    match f {
        Some(f) if f.is_finite() => Ok(Value::from(f.trunc() as i128)),
        _ => Ok(default),
    }
}

/// `float(value, default=0.0)`.
fn float_filter(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_float", &["default"], 0, &args, &kw)?;
    let default = a[0].clone().unwrap_or_else(|| Value::from(0.0));
    defined(&value)?;
    let f = match (value.as_str(), as_num(&value)) {
        (Some(s), _) => parse_float(s),
        (None, Some(Num::Int(i))) => Some(i as f64),
        (None, Some(Num::Float(f))) => Some(f),
        _ => None,
    };
    Ok(f.map(Value::from).unwrap_or(default))
}

/// `center(value, width=80)`: `str.center`.
fn center(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_center", &["width"], 0, &args, &kw)?;
    let s = soft_str(&value)?;
    let width = match &a[0] {
        Some(w) => index_arg(w, "Python int too large to convert to C ssize_t")? as i128,
        None => 80,
    };
    let len = s.chars().count() as i128;
    if width <= len {
        return Ok(Value::from(s));
    }
    if width > 100_000_000 {
        return Err(py_err("MemoryError", "center width too large"));
    }
    let marg = (width - len) as usize;
    let left = marg / 2 + (marg & (width as usize) & 1);
    Ok(Value::from(format!(
        "{}{s}{}",
        " ".repeat(left),
        " ".repeat(marg - left)
    )))
}

fn py_len(v: &Value) -> Result<usize, Error> {
    defined(v)?;
    match v.kind() {
        ValueKind::String => Ok(v.as_str().unwrap_or_default().chars().count()),
        ValueKind::Seq | ValueKind::Map => Ok(v.len().unwrap_or(0)),
        _ => Err(py_err(
            "TypeError",
            format!("object of type '{}' has no len()", type_name(v)),
        )),
    }
}

/// `truncate(s, length=255, killwords=False, end='...', leeway=None)`.
fn truncate(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "do_truncate",
        &["length", "killwords", "end", "leeway"],
        0,
        &args,
        &kw,
    )?;
    let length = match &a[0] {
        Some(l) => l.clone(),
        None => Value::from(255),
    };
    let end = match &a[2] {
        Some(e) => e.clone(),
        None => Value::from("..."),
    };
    let leeway = match &a[3] {
        Some(l) if !l.is_none() => l.clone(),
        _ => Value::from(5),
    };
    let end_len = py_len(&end)? as i128;
    let ge = |x: &Value, n: i128| -> Result<bool, Error> {
        Ok(super::jinja_ops::py_order(x, &Value::from(n), ">=")?.is_ge())
    };
    if !ge(&length, end_len)? {
        return Err(py_err(
            "AssertionError",
            format!("expected length >= {end_len}, got {}", py_str(&length)),
        ));
    }
    if !ge(&leeway, 0)? {
        return Err(py_err(
            "AssertionError",
            format!("expected leeway >= 0, got {}", py_str(&leeway)),
        ));
    }
    let n = py_len(&value)? as i128;
    let (Some(Num::Int(length)), Some(Num::Int(leeway))) = (as_num(&length), as_num(&leeway))
    else {
        return Err(py_err("TypeError", "slice indices must be integers"));
    };
    if n <= length + leeway {
        return Ok(value);
    }
    let Some(s) = value.as_str() else {
        return Err(py_err(
            "AttributeError",
            format!("'{}' object has no attribute 'rsplit'", type_name(&value)),
        ));
    };
    let end = end.as_str().map(String::from).ok_or_else(|| {
        py_err(
            "TypeError",
            "can only concatenate str (not \"list\") to str",
        )
    })?;
    let keep = (length - end_len).max(0) as usize;
    let cut: String = s.chars().take(keep).collect();
    let killwords = match &a[1] {
        Some(k) => truthy(k)?,
        None => false,
    };
    if killwords {
        return Ok(Value::from(cut + &end));
    }
    let head = match cut.rfind(' ') {
        Some(i) => cut[..i].to_string(),
        None => cut,
    };
    Ok(Value::from(head + &end))
}

/// `trim(value, chars=None)`: `str.strip(chars)`.
fn trim(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_trim", &["chars"], 0, &args, &kw)?;
    let s = soft_str(&value)?;
    match &a[0] {
        None => Ok(Value::from(s.trim_matches(char::is_whitespace))),
        Some(c) if c.is_none() => Ok(Value::from(s.trim_matches(char::is_whitespace))),
        Some(c) => match c.as_str() {
            Some(chars) => Ok(Value::from(s.trim_matches(|x| chars.contains(x)))),
            None => Err(py_err(
                "TypeError",
                "strip arg must be None or str".to_string(),
            )),
        },
    }
}

/// `replace(s, old, new, count=None)`: `str.replace`.
fn replace(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_replace", &["old", "new", "count"], 2, &args, &kw)?;
    let s = soft_str(&value)?;
    let old = soft_str(a[0].as_ref().unwrap_or(&Value::UNDEFINED))?;
    let new = soft_str(a[1].as_ref().unwrap_or(&Value::UNDEFINED))?;
    let count = match &a[2] {
        Some(c) if !c.is_none() => index_arg(c, "Python int too large to convert to C ssize_t")?,
        _ => -1,
    };
    if count < 0 {
        return Ok(Value::from(s.replace(&old, &new)));
    }
    Ok(Value::from(s.replacen(&old, &new, count as usize)))
}

/// `forceescape(value)`: `escape(str(value))`, escaping markup again.
fn forceescape(value: Value) -> Result<Value, Error> {
    let s = soft_str(&value)?;
    Ok(Value::from_safe_string(super::jinja_text::escape_text(&s)))
}

/// `indent(s, width=4, first=False, blank=False)`.
fn indent(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_indent", &["width", "first", "blank"], 0, &args, &kw)?;
    defined(&value)?;
    // `s += newline`: only a string takes it (a list does, then has no
    // splitlines)
    let Some(s) = value.as_str().map(String::from) else {
        if value.kind() == ValueKind::Seq && !super::jinja_ops::is_tuple(&value) {
            return Err(py_err(
                "AttributeError",
                "'list' object has no attribute 'splitlines'",
            ));
        }
        return Err(py_err(
            "TypeError",
            format!(
                "unsupported operand type(s) for +=: '{}' and 'str'",
                type_name(&value)
            ),
        ));
    };
    let indention = match &a[0] {
        None => "    ".to_string(),
        Some(w) => match w.as_str() {
            Some(t) => t.to_string(),
            None => {
                let n = index_arg(w, "cannot fit 'int' into an index-sized integer")?;
                if n > 100_000_000 {
                    return Err(py_err("MemoryError", "indent width too large"));
                }
                " ".repeat(n.max(0) as usize)
            }
        },
    };
    let first = match &a[1] {
        Some(f) => truthy(f)?,
        None => false,
    };
    let blank = match &a[2] {
        Some(b) => truthy(b)?,
        None => false,
    };
    let text = s + "\n";
    let lines = splitlines(&text);
    let mut rv = if blank {
        lines.join(&format!("\n{indention}"))
    } else {
        let mut it = lines.iter();
        let mut rv = it.next().cloned().unwrap_or_default();
        let rest: Vec<String> = it
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{indention}{l}")
                }
            })
            .collect();
        if !rest.is_empty() {
            rv.push('\n');
            rv.push_str(&rest.join("\n"));
        }
        rv
    };
    if first {
        rv = indention + &rv;
    }
    Ok(Value::from(rv))
}

/// `wordwrap(s, width=79, break_long_words=True, wrapstring=None,
/// break_on_hyphens=True)`.
fn wordwrap(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "do_wordwrap",
        &[
            "width",
            "break_long_words",
            "wrapstring",
            "break_on_hyphens",
        ],
        0,
        &args,
        &kw,
    )?;
    let s = value.as_str().map(String::from).ok_or_else(|| {
        if value.is_undefined() {
            undefined_error()
        } else {
            py_err(
                "AttributeError",
                format!(
                    "'{}' object has no attribute 'splitlines'",
                    type_name(&value)
                ),
            )
        }
    })?;
    let width = match &a[0] {
        Some(w) => int_arg(w)?,
        None => 79,
    };
    if width <= 0 {
        return Err(py_err(
            "ValueError",
            format!("invalid width {width} (must be > 0)"),
        ));
    }
    let break_long = match &a[1] {
        Some(b) => truthy(b)?,
        None => true,
    };
    let wrap = match &a[2] {
        Some(w) if !w.is_none() => Some(soft_str(w)?),
        _ => None,
    };
    Ok(Value::from(super::jinja_text::wordwrap(
        s,
        Some(width.min(1 << 30) as usize),
        Some(break_long),
        wrap,
        match &a[3] {
            Some(b) => truthy(b)?,
            None => true,
        },
    )))
}

/// Registers the filters (replacing minijinja's and earlier ones); those
/// that return Markup for Markup as markupsafe does go through [`markup_of`].
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("int", int_filter);
    env.add_filter("float", float_filter);
    env.add_filter("center", |v: Value, a: Rest<Value>, k: Kwargs| {
        markup_of(v.is_safe(), center(v, a, k))
    });
    env.add_filter("truncate", |v: Value, a: Rest<Value>, k: Kwargs| {
        markup_of(v.is_safe(), truncate(v, a, k))
    });
    env.add_filter("round", super::jinja_numfmt::round);
    env.add_filter("filesizeformat", super::jinja_numfmt::filesizeformat);
    env.add_filter("trim", |v: Value, a: Rest<Value>, k: Kwargs| {
        markup_of(v.is_safe(), trim(v, a, k))
    });
    env.add_filter("replace", replace);
    env.add_filter("forceescape", forceescape);
    env.add_filter("indent", |v: Value, a: Rest<Value>, k: Kwargs| {
        markup_of(v.is_safe(), indent(v, a, k))
    });
    env.add_filter("wordwrap", wordwrap);
    env.add_filter("title", super::jinja_text::title_filter);
    env.add_filter("capitalize", |v: Value| {
        markup_of(v.is_safe(), super::jinja_text::capitalize(v))
    });
    env.add_filter("striptags", super::jinja_text::striptags);
    env.add_filter("upper", |v: Value| {
        markup_of(
            v.is_safe(),
            soft_str(&v).map(|s| Value::from(s.to_uppercase())),
        )
    });
    env.add_filter("lower", |v: Value| {
        markup_of(
            v.is_safe(),
            soft_str(&v).map(|s| Value::from(s.to_lowercase())),
        )
    });
    env.add_filter("safe", |v: Value| soft_str(&v).map(Value::from_safe_string));
}
