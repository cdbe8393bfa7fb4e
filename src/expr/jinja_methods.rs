//! Python `str` methods for Jinja templates that minijinja's pycompat lacks
//! or gets wrong: `str.format` / `format_map` with Python's format
//! mini-language (`{0!r:>8}`, `{x.key}`, `{:,.2f}`), `join` (items must be
//! strings), `index` (ValueError), `title` (word starts after any uncased
//! character), `expandtabs`, `removeprefix`, `removesuffix`.

use minijinja::Error;
use minijinja::value::{Value, ValueKind};

use super::jinja::{py_repr, py_str};
use super::jinja_ops::{Num, as_num, py_err, type_name, undefined_error};

/// `format`/`format_map` of markup: each field is escaped unless it is
/// markup itself (markupsafe's EscapeFormatter), the result is markup.
pub(crate) fn markup_method(s: &str, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    if method != "format" && method != "format_map" {
        return None;
    }
    let r = ESCAPE.with(|e| {
        e.set(true);
        let r = str_method(s, method, args);
        e.set(false);
        r
    })?;
    Some(r.map(|v| Value::from_safe_string(py_str(&v))))
}

thread_local! {
    static ESCAPE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The method's result, or `None` when this module does not handle it.
pub(crate) fn str_method(s: &str, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    let (pos, kw): (Vec<Value>, Option<Value>) = match args.last() {
        Some(k) if k.is_kwargs() => (args[..args.len() - 1].to_vec(), Some(k.clone())),
        _ => (args.to_vec(), None),
    };
    if let Some(e) = super::jinja_pystr::width_error(method, &pos) {
        return Some(Err(e));
    }
    Some(match method {
        "format" => format(s, &pos, kw.as_ref()).map(Value::from),
        "format_map" => match pos.first() {
            Some(m) if pos.len() == 1 && kw.is_none() => format(s, &[], Some(m)).map(Value::from),
            _ => Err(py_err(
                "TypeError",
                format!(
                    "format_map() takes exactly one argument ({} given)",
                    pos.len()
                ),
            )),
        },
        "join" => join(s, pos.first()),
        "find" | "rfind" | "index" | "rindex" | "count" if kw.is_none() && pos.len() <= 3 => {
            let sub = pos.first().and_then(|v| v.as_str().map(String::from))?;
            // start and end: integers or None, as slice bounds
            let bound = |i: usize| match pos.get(i) {
                None => Ok(None),
                Some(v) if v.is_none() => Ok(None),
                Some(v) if v.is_integer() => Ok(i64::try_from(v.clone()).ok()),
                Some(v) if v.kind() == minijinja::value::ValueKind::Bool => {
                    Ok(Some(i64::from(v.is_true())))
                }
                Some(_) => Err(()),
            };
            let (start, end) = match (bound(1), bound(2)) {
                (Ok(a), Ok(b)) => (a, b),
                _ => {
                    return Some(Err(py_err(
                        "TypeError",
                        "slice indices must be integers or None or have an __index__ method",
                    )));
                }
            };
            let found = py_find(s, &sub, start, end, method);
            match (method, found) {
                ("count", n) => Ok(Value::from(n.unwrap_or(0))),
                (_, Some(i)) => Ok(Value::from(i)),
                ("find" | "rfind", None) => Ok(Value::from(-1)),
                _ => Err(py_err("ValueError", "substring not found")),
            }
        }
        "title" => Ok(Value::from(title(s))),
        "center" | "ljust" | "rjust" => {
            let width = match pos.first().and_then(as_num) {
                Some(Num::Int(w)) => w,
                _ => return None,
            };
            let fill = match pos.get(1) {
                Some(f) => match f.as_str() {
                    Some(t) if t.chars().count() == 1 => t.chars().next().unwrap_or(' '),
                    _ => {
                        return Some(Err(py_err(
                            "TypeError",
                            "The fill character must be exactly one character long",
                        )));
                    }
                },
                None => ' ',
            };
            let n = s.chars().count() as i128;
            if width <= n {
                return Some(Ok(Value::from(s)));
            }
            if width > 100_000_000 {
                return Some(Err(py_err("MemoryError", "width too large")));
            }
            let marg = (width - n) as usize;
            let left = match method {
                "ljust" => 0,
                "rjust" => marg,
                _ => marg / 2 + (marg & (width as usize) & 1),
            };
            let f = |k: usize| fill.to_string().repeat(k);
            Ok(Value::from(format!("{}{s}{}", f(left), f(marg - left))))
        }
        "expandtabs" => {
            let size = match pos.first() {
                Some(v) => match as_num(v) {
                    Some(Num::Int(i)) => i,
                    _ => return None,
                },
                None => 8,
            };
            Ok(Value::from(expandtabs(s, size)))
        }
        "removeprefix" | "removesuffix" => {
            let arg = pos.first()?;
            let Some(a) = arg.as_str() else {
                return Some(Err(py_err(
                    "TypeError",
                    format!("{method}() argument must be str, not {}", type_name(arg)),
                )));
            };
            let out = if method == "removeprefix" {
                s.strip_prefix(a).unwrap_or(s)
            } else {
                s.strip_suffix(a).unwrap_or(s)
            };
            Ok(Value::from(out))
        }
        _ => return super::jinja_pystr::method(s, method, &pos, kw.as_ref()),
    })
}

fn join(sep: &str, items: Option<&Value>) -> Result<Value, Error> {
    let Some(items) = items else {
        return Err(py_err(
            "TypeError",
            "str.join() takes exactly one argument (0 given)",
        ));
    };
    let all = super::jinja_seq::py_iter(items).map_err(|e| {
        // str.join's own words for what does not iterate
        if e.to_string().contains("is not iterable") {
            py_err("TypeError", "can only join an iterable")
        } else {
            e
        }
    })?;
    let mut out = Vec::with_capacity(all.len());
    for (i, x) in all.iter().enumerate() {
        match x.as_str() {
            Some(t) => out.push(t.to_string()),
            None => {
                return Err(py_err(
                    "TypeError",
                    format!(
                        "sequence item {i}: expected str instance, {} found",
                        type_name(x)
                    ),
                ));
            }
        }
    }
    Ok(Value::from(out.join(sep)))
}

/// Python's title case of one character (`ß` -> `Ss`, `ﬁ` -> `Fi`, `ǆ`
/// -> `ǅ`), which differs from its upper case for ligatures and digraphs.
pub(crate) fn push_titlecase(out: &mut String, c: char) {
    let special = match c {
        'ß' => "Ss",
        'ﬀ' => "Ff",
        'ﬁ' => "Fi",
        'ﬂ' => "Fl",
        'ﬃ' => "Ffi",
        'ﬄ' => "Ffl",
        'ﬅ' | 'ﬆ' => "St",
        'և' => "Եւ",
        'ﬓ' => "Մն",
        'ﬔ' => "Մե",
        'ﬕ' => "Մի",
        'ﬖ' => "Վն",
        'ﬗ' => "Մխ",
        'Ǆ' | 'ǅ' | 'ǆ' => "ǅ",
        'Ǉ' | 'ǈ' | 'ǉ' => "ǈ",
        'Ǌ' | 'ǋ' | 'ǌ' => "ǋ",
        'Ǳ' | 'ǲ' | 'ǳ' => "ǲ",
        _ => {
            out.extend(c.to_uppercase());
            return;
        }
    };
    out.push_str(special);
}

/// `str.title()`: a cased character after an uncased one starts a word.
pub(crate) fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        let cased = c.is_lowercase() || c.is_uppercase();
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            push_titlecase(&mut out, c);
        }
        prev_cased = cased;
    }
    out
}

fn expandtabs(s: &str, size: i128) -> String {
    let mut out = String::new();
    let mut col: i128 = 0;
    for c in s.chars() {
        match c {
            '\t' => {
                if size > 0 {
                    let n = size - col % size;
                    out.push_str(&" ".repeat(n.min(1 << 20) as usize));
                    col += n;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Python's `str.format` (positional args and a mapping of named ones).
pub(crate) fn format(fmt: &str, pos: &[Value], named: Option<&Value>) -> Result<String, Error> {
    format_in(fmt, pos, named, &mut (None, false), 2)
}

/// `str.format` of `fmt` at recursion `level` (a field's format spec may
/// hold fields of its own, one level deep, numbered on with the outer
/// ones: `'{:{}}'.format('a', 4)`); `numbering` is the last automatic
/// index and whether a field was numbered by hand.
fn format_in(
    fmt: &str,
    pos: &[Value],
    named: Option<&Value>,
    numbering: &mut (Option<usize>, bool),
    level: u8,
) -> Result<String, Error> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '}' {
            if chars.get(i + 1) == Some(&'}') {
                out.push('}');
                i += 2;
                continue;
            }
            return Err(py_err(
                "ValueError",
                "Single '}' encountered in format string",
            ));
        }
        if c != '{' {
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            out.push('{');
            i += 2;
            continue;
        }
        // a replacement field up to its matching '}'
        let mut depth = 1;
        let mut j = i + 1;
        while j < chars.len() && depth > 0 {
            match chars[j] {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        if depth > 0 {
            return Err(py_err("ValueError", "expected '}' before end of string"));
        }
        let field: String = chars[i + 1..j - 1].iter().collect();
        i = j;
        let (head, spec) = match field.find(':') {
            Some(k) if !field[..k].contains('[') || field[..k].contains(']') => {
                (field[..k].to_string(), field[k + 1..].to_string())
            }
            _ => (field.clone(), String::new()),
        };
        let (name, conv) = match head.rfind('!') {
            Some(k) => (head[..k].to_string(), Some(head[k + 1..].to_string())),
            None => (head, None),
        };
        // the first part of the name: an index, a keyword, or automatic
        let split = name.find(['.', '[']).unwrap_or(name.len());
        let (first, rest) = name.split_at(split);
        let mut value = if first.is_empty() {
            if numbering.1 {
                return Err(py_err(
                    "ValueError",
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            let n = numbering.0.map_or(0, |a| a + 1);
            numbering.0 = Some(n);
            pos.get(n)
                .cloned()
                .ok_or_else(|| py_err("IndexError", "tuple index out of range"))?
        } else if let Ok(n) = first.parse::<usize>() {
            if numbering.0.is_some() {
                return Err(py_err(
                    "ValueError",
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            numbering.1 = true;
            pos.get(n)
                .cloned()
                .ok_or_else(|| py_err("IndexError", "tuple index out of range"))?
        } else {
            let v = named
                .and_then(|m| m.get_item(&Value::from(first)).ok())
                .unwrap_or(Value::UNDEFINED);
            if v.is_undefined() {
                return Err(py_err("KeyError", format!("'{first}'")));
            }
            v
        };
        value = accessors(value, rest)?;
        let text = match conv.as_deref() {
            None => None,
            Some("r") => Some(repr(&value)),
            Some("s") => {
                if value.is_undefined() {
                    return Err(undefined_error());
                }
                Some(py_str(&value))
            }
            Some("a") => Some(ascii(&repr(&value))),
            Some(other) => {
                return Err(py_err(
                    "ValueError",
                    format!("Unknown conversion specifier {other}"),
                ));
            }
        };
        let safe = value.is_safe();
        let value = match text {
            Some(t) => Value::from(t),
            None => value,
        };
        let spec = if spec.contains(['{', '}']) {
            if level <= 1 {
                return Err(py_err("ValueError", "Max string recursion exceeded"));
            }
            format_in(&spec, pos, named, numbering, level - 1)?
        } else {
            spec
        };
        let field = format_value(&value, &spec)?;
        if ESCAPE.with(std::cell::Cell::get) && !safe {
            out.push_str(&super::jinja_text::escape_text(&field));
        } else {
            out.push_str(&field);
        }
    }
    Ok(out)
}

/// `.attr` and `[key]` parts of a field name, through the sandbox.
fn accessors(mut value: Value, mut rest: &str) -> Result<Value, Error> {
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let attr = &r[..end];
            if attr.starts_with('_') {
                return Err(py_err(
                    "SecurityError",
                    format!(
                        "access to attribute '{attr}' of '{}' object is unsafe.",
                        type_name(&value)
                    ),
                ));
            }
            let next = if matches!(value.kind(), ValueKind::Number | ValueKind::Bool) {
                // `{0.real}`: a number's attributes are Python's
                super::jinja_seq::py_attribute(&value, attr).unwrap_or(Value::UNDEFINED)
            } else {
                value.get_attr(attr).unwrap_or(Value::UNDEFINED)
            };
            let next = if next.is_undefined() {
                value
                    .get_item(&Value::from(attr))
                    .unwrap_or(Value::UNDEFINED)
            } else {
                next
            };
            if next.is_undefined() {
                // the sandbox's getattr gives an Undefined, which fails
                // when the field formats it
                return Err(py_err(
                    "UndefinedError",
                    format!("'{} object' has no attribute '{attr}'", type_name(&value)),
                ));
            }
            value = next;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Err(py_err("ValueError", "Missing ']' in format string"));
            };
            let key = &r[..end];
            let k = match key.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => Value::from(key),
            };
            let next = value.get_item(&k).unwrap_or(Value::UNDEFINED);
            if next.is_undefined() {
                let what = match k.as_str() {
                    Some(name) => format!("attribute '{name}'"),
                    None => format!("element {key}"),
                };
                return Err(py_err(
                    "UndefinedError",
                    format!("'{} object' has no {what}", type_name(&value)),
                ));
            }
            value = next;
            rest = &r[end + 1..];
        } else {
            return Err(py_err(
                "ValueError",
                "Only '.' or '[' may follow ']' in format field specifier",
            ));
        }
    }
    Ok(value)
}

fn ascii(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c as u32 {
            0..=0x7f => out.push(c),
            n @ 0x80..=0xff => out.push_str(&format!("\\x{n:02x}")),
            n @ 0x100..=0xffff => out.push_str(&format!("\\u{n:04x}")),
            n => out.push_str(&format!("\\U{n:08x}")),
        }
    }
    out
}

struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> Result<Spec, Error> {
    let c: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        alt: false,
        zero: false,
        width: 0,
        grouping: None,
        precision: None,
        ty: None,
    };
    let is_align = |ch: char| "<>=^".contains(ch);
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = c[0];
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && "+- ".contains(c[i]) {
        s.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let w: String = c[i..].iter().take_while(|x| x.is_ascii_digit()).collect();
    i += w.len();
    s.width = w.parse().unwrap_or(0);
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        s.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let p: String = c[i..].iter().take_while(|x| x.is_ascii_digit()).collect();
        if p.is_empty() {
            return Err(py_err("ValueError", "Format specifier missing precision"));
        }
        i += p.len();
        s.precision = p.parse().ok();
    }
    if i < c.len() {
        s.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() || s.width > 1 << 20 {
        return Err(py_err("ValueError", "Invalid format specifier"));
    }
    Ok(s)
}

fn group(digits: &str, sep: char, every: usize) -> String {
    let mut out: Vec<char> = Vec::new();
    for (n, ch) in digits.chars().rev().enumerate() {
        if n > 0 && n % every == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out.into_iter().rev().collect()
}

fn pad(body: String, sign: &str, s: &Spec, default_align: char) -> String {
    let len = body.chars().count() + sign.chars().count();
    let (fill, align) = if s.zero && s.align.is_none() {
        ('0', '=')
    } else {
        (s.fill, s.align.unwrap_or(default_align))
    };
    if len >= s.width {
        return format!("{sign}{body}");
    }
    let n = s.width - len;
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ => format!("{}{sign}{body}", f(n)),
    }
}

/// `format(value, spec)`.
fn format_value(v: &Value, spec: &str) -> Result<String, Error> {
    if v.is_undefined() {
        // StrictUndefined has no `__format__`: `object.__format__` takes
        // `str()` (which fails) and refuses any spec
        if !spec.is_empty() {
            return Err(py_err(
                "TypeError",
                "unsupported format string passed to StrictUndefined.__format__",
            ));
        }
        return Err(undefined_error());
    }
    if spec.is_empty() {
        return Ok(py_str(v));
    }
    let s = parse_spec(spec)?;
    // a bool formats as the integer it is (the spec is not empty)
    match (v.kind(), as_num(v)) {
        (ValueKind::String, _) => {
            if s.sign != '-' {
                return Err(py_err(
                    "ValueError",
                    "Sign not allowed in string format specifier",
                ));
            }
            if s.ty.is_some_and(|t| t != 's') {
                return Err(py_err(
                    "ValueError",
                    format!(
                        "Unknown format code '{}' for object of type 'str'",
                        s.ty.unwrap_or('s')
                    ),
                ));
            }
            let text = py_str(v);
            let text: String = match s.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            };
            Ok(pad(text, "", &s, '<'))
        }
        (_, Some(n)) => {
            let sign_of = |neg: bool| match (neg, s.sign) {
                (true, _) => "-",
                (false, '+') => "+",
                (false, ' ') => " ",
                _ => "",
            };
            let ty = s.ty.unwrap_or(match n {
                Num::Int(_) => 'd',
                Num::Float(_) => 'r',
            });
            let body_and_sign = match (n, ty) {
                (Num::Int(i), 'd' | 'n') => {
                    let d = i.unsigned_abs().to_string();
                    let d = match s.grouping {
                        Some(g) => group(&d, g, 3),
                        None => d,
                    };
                    (d, sign_of(i < 0))
                }
                (Num::Int(i), 'b' | 'o' | 'x' | 'X') => {
                    let a = i.unsigned_abs();
                    let (d, pre) = match ty {
                        'b' => (format!("{a:b}"), "0b"),
                        'o' => (format!("{a:o}"), "0o"),
                        'x' => (format!("{a:x}"), "0x"),
                        _ => (format!("{a:X}"), "0X"),
                    };
                    let d = match s.grouping {
                        Some(g) => group(&d, g, 4),
                        None => d,
                    };
                    let d = if s.alt { format!("{pre}{d}") } else { d };
                    (d, sign_of(i < 0))
                }
                (Num::Int(i), 'c') => (
                    u32::try_from(i)
                        .ok()
                        .and_then(char::from_u32)
                        .map(String::from)
                        .ok_or_else(|| py_err("OverflowError", "%c arg not in range(0x110000)"))?,
                    "",
                ),
                (_, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' | 'r') => {
                    let f = match n {
                        Num::Int(i) => i as f64,
                        Num::Float(f) => f,
                    };
                    let neg = f.is_sign_negative() && !f.is_nan();
                    let a = f.abs();
                    let body = match ty {
                        '%' => format!(
                            "{}%",
                            super::jinja_pyfmt::float_text(
                                a * 100.0,
                                'f',
                                s.precision.unwrap_or(6),
                                s.alt
                            )
                        ),
                        'r' => match s.precision {
                            // 'g' that keeps a digit after the point
                            Some(p) => {
                                let t = super::jinja_pyfmt::float_text(a, 'g', p.max(1), false);
                                if a.is_finite() && !t.contains(['.', 'e']) {
                                    format!("{t}.0")
                                } else {
                                    t
                                }
                            }
                            None => super::jinja::py_str(&Value::from(a)),
                        },
                        t => super::jinja_pyfmt::float_text(a, t, s.precision.unwrap_or(6), s.alt),
                    };
                    let body = match (s.grouping, body.find(['.', 'e', '%'])) {
                        (Some(g), Some(k)) => format!("{}{}", group(&body[..k], g, 3), &body[k..]),
                        (Some(g), None) => group(&body, g, 3),
                        _ => body,
                    };
                    (body, sign_of(neg))
                }
                _ => {
                    return Err(py_err(
                        "ValueError",
                        format!(
                            "Unknown format code '{ty}' for object of type '{}'",
                            type_name(v)
                        ),
                    ));
                }
            };
            let (body, sign) = body_and_sign;
            Ok(pad(body, sign, &s, '>'))
        }
        _ => Err(py_err(
            "TypeError",
            format!(
                "unsupported format string passed to {}.__format__",
                type_name(v)
            ),
        )),
    }
}

/// `repr()` for `!r`: an undefined value is `Undefined`.
pub(crate) fn repr(v: &Value) -> String {
    if v.is_undefined() {
        return "Undefined".into();
    }
    py_repr(v)
}

/// Python's `str.find`/`rfind`/`index`/`rindex` (the position, in
/// characters) and `str.count` (the number of non-overlapping matches) of
/// `sub` within `s[start:end]`.
fn py_find(s: &str, sub: &str, start: Option<i64>, end: Option<i64>, method: &str) -> Option<i64> {
    let chars: Vec<char> = s.chars().collect();
    let sub: Vec<char> = sub.chars().collect();
    let n = chars.len() as i64;
    let adjust = |x: i64| if x < 0 { (x + n).max(0) } else { x };
    let st = adjust(start.unwrap_or(0));
    let en = adjust(end.unwrap_or(n)).min(n);
    if st > n || st > en {
        return if method == "count" { Some(0) } else { None };
    }
    let m = sub.len() as i64;
    let at = |p: i64| chars[p as usize..(p + m) as usize] == sub[..];
    if method == "count" {
        if m == 0 {
            return Some(en - st + 1);
        }
        let (mut p, mut k) = (st, 0);
        while p + m <= en {
            if at(p) {
                k += 1;
                p += m;
            } else {
                p += 1;
            }
        }
        return Some(k);
    }
    if en - st < m {
        return None;
    }
    if method.starts_with('r') {
        (st..=en - m).rev().find(|&p| at(p))
    } else {
        (st..=en - m).find(|&p| at(p))
    }
}
