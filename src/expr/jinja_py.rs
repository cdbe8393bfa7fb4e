//! Jinja2 behaviours minijinja lacks, registered on Mistral's environment:
//! strict attribute filters (a missing attribute is an undefined error),
//! lazy "generator" results of select/map filters, Python string methods,
//! and filters Jinja2 has (`truncate`, `xmlattr`, `wordcount`, `format`, ...).

use std::borrow::Cow;
use std::sync::Arc;

use minijinja::value::{
    Enumerator, Kwargs, Object, ObjectRepr, Rest, Value, ValueKind, ValueOrKwargs,
};
use minijinja::{Environment, Error, ErrorKind, State};

/// A Jinja2 generator (the result of `select`, `map`, ...): iterable once
/// converted, not a list (`tojson` and `length` refuse it).
#[derive(Debug)]
pub struct Gen(pub Vec<Value>);

impl Object for Gen {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.clone())
    }
}

fn generator(v: Vec<Value>) -> Value {
    Value::from_object(Gen(v))
}

pub fn is_gen(v: &Value) -> bool {
    v.downcast_object_ref::<Gen>().is_some()
}

fn type_label(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Map => "dict object",
        ValueKind::Seq => "list object",
        ValueKind::String => "str object",
        ValueKind::Number => {
            if v.is_integer() {
                "int object"
            } else {
                "float object"
            }
        }
        ValueKind::Bool => "bool object",
        ValueKind::None => "None",
        _ => "object",
    }
}

fn undefined_attr(v: &Value, attr: &str) -> Error {
    let what = if v.kind() == ValueKind::None {
        "'None'".to_string()
    } else {
        format!("'{}'", type_label(v))
    };
    Error::new(
        ErrorKind::UndefinedError,
        format!("{what} has no attribute '{attr}'"),
    )
}

/// Jinja2's attribute getter: dotted parts, integers index; strict.
fn get_attr_path(v: &Value, path: &str) -> Result<Value, Error> {
    let mut cur = v.clone();
    for part in path.split('.') {
        let next = match part.parse::<i64>() {
            Ok(i) => cur.get_item(&Value::from(i)).unwrap_or(Value::UNDEFINED),
            Err(_) => cur.get_attr(part).unwrap_or(Value::UNDEFINED),
        };
        if next.is_undefined() {
            return Err(undefined_attr(&cur, part));
        }
        cur = next;
    }
    Ok(cur)
}

fn check_attrs(value: &Value, attrs: &str, multi: bool) -> Result<(), Error> {
    if let Ok(iter) = value.try_iter() {
        for item in iter {
            if multi {
                for a in attrs.split(',') {
                    get_attr_path(&item, a.trim())?;
                }
            } else {
                get_attr_path(&item, attrs)?;
            }
        }
    }
    Ok(())
}

fn undefined_input(v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "value is undefined"));
    }
    Ok(())
}

fn strict_test(test: Option<&str>) -> bool {
    !matches!(test, Some("none" | "defined" | "undefined"))
}

fn select(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    Ok(generator(minijinja::filters::select(
        state, value, test, args,
    )?))
}

fn reject(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    Ok(generator(minijinja::filters::reject(
        state, value, test, args,
    )?))
}

fn selectattr(
    state: &mut State,
    value: Value,
    attr: Cow<'_, str>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if strict_test(test.as_deref()) {
        check_attrs(&value, &attr, false)?;
    }
    Ok(generator(minijinja::filters::selectattr(
        state, value, attr, test, args,
    )?))
}

fn rejectattr(
    state: &mut State,
    value: Value,
    attr: Cow<'_, str>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if strict_test(test.as_deref()) {
        check_attrs(&value, &attr, false)?;
    }
    Ok(generator(minijinja::filters::rejectattr(
        state, value, attr, test, args,
    )?))
}

fn map(state: &mut State, value: Value, args: Rest<ValueOrKwargs>) -> Result<Value, Error> {
    undefined_input(&value)?;
    for a in args.iter() {
        let kv = a.clone().into_value();
        if kv.is_kwargs() {
            let attr = kv.get_attr("attribute").unwrap_or(Value::UNDEFINED);
            let has_default = kv.get_attr("default").is_ok_and(|d| !d.is_undefined());
            if let (Some(attr), false) = (attr.as_str(), has_default) {
                check_attrs(&value, attr, false)?;
            }
        }
    }
    Ok(generator(minijinja::filters::map(state, value, args)?))
}

fn attr_kw(kwargs: &Kwargs) -> Option<String> {
    kwargs.peek::<Option<String>>("attribute").ok().flatten()
}

fn sort(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    if let Some(a) = attr_kw(&kwargs) {
        check_attrs(&value, &a, true)?;
    }
    minijinja::filters::sort(state, value, kwargs)
}

fn unique(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    if let Some(a) = attr_kw(&kwargs) {
        check_attrs(&value, &a, false)?;
    }
    Ok(generator(
        minijinja::filters::unique(state, value, kwargs)?
            .try_iter()?
            .collect(),
    ))
}

fn sum(
    state: &State,
    value: Value,
    attribute: Option<&str>,
    start: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    if let Some(a) = attribute.map(String::from).or_else(|| attr_kw(&kwargs)) {
        check_attrs(&value, &a, false)?;
    }
    minijinja::filters::sum(state, value, attribute, start, kwargs)
}

fn min(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    minijinja::filters::min(state, value, kwargs)
}

fn max(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    minijinja::filters::max(state, value, kwargs)
}

fn length(v: Value) -> Result<Value, Error> {
    undefined_input(&v)?;
    if is_gen(&v) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "object of type 'generator' has no len()",
        ));
    }
    Ok(Value::from(minijinja::filters::length(&v)?))
}

/// Jinja2's `truncate(s, length=255, killwords=False, end='...', leeway=None)`.
fn truncate(
    s: String,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    leeway: Option<usize>,
) -> Result<String, Error> {
    let length = length.unwrap_or(255);
    let end = end.unwrap_or_else(|| "...".into());
    let leeway = leeway.unwrap_or(5);
    let n = s.chars().count();
    if length < end.chars().count() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "expected length >= len(end)",
        ));
    }
    if n <= length + leeway {
        return Ok(s);
    }
    let cut: String = s.chars().take(length - end.chars().count()).collect();
    if killwords.unwrap_or(false) {
        return Ok(cut + &end);
    }
    let head = match cut.rfind(' ') {
        Some(i) => cut[..i].to_string(),
        None => cut,
    };
    Ok(head + &end)
}

/// MarkupSafe's escaping.
pub fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn escape(v: Value) -> String {
    if v.is_safe() {
        return v.to_string();
    }
    escape_text(&super::jinja::py_str(&v))
}

fn xmlattr(v: Value, autospace: Option<bool>) -> Result<String, Error> {
    let mut out = Vec::new();
    for k in v.try_iter()? {
        let x = v.get_item(&k)?;
        if x.is_none() || x.is_undefined() {
            continue;
        }
        let key = super::jinja::py_str(&k);
        if key.chars().any(|c| c.is_whitespace() || "/>=".contains(c)) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("Invalid character in attribute name: {key:?}"),
            ));
        }
        out.push(format!(
            "{}=\"{}\"",
            escape_text(&key),
            escape_text(&super::jinja::py_str(&x))
        ));
    }
    let mut s = out.join(" ");
    if autospace.unwrap_or(true) && !s.is_empty() {
        s.insert(0, ' ');
    }
    Ok(s)
}

fn wordcount(s: String) -> usize {
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

fn urlize(s: String) -> String {
    escape_text(&s)
}

fn random(v: Value) -> Result<Value, Error> {
    let items: Vec<Value> = v.try_iter()?.collect();
    if items.is_empty() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "No random item, sequence was empty.",
        ));
    }
    let r = uuid::Uuid::new_v4().as_u128() as usize % items.len();
    Ok(items[r].clone())
}

/// Python `%` formatting (`'%s-%03d' % args`).
fn format(fmt: String, args: Rest<Value>) -> Result<String, Error> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut next = 0usize;
    let bad = |m: &str| Error::new(ErrorKind::InvalidOperation, m.to_string());
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut flags = String::new();
        while i < chars.len() && "-+ 0#".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                p.push(chars[i]);
                i += 1;
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(&conv) = chars.get(i) else {
            return Err(bad("incomplete format"));
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            return Err(bad("not enough arguments for format string"));
        };
        next += 1;
        let body = match conv {
            's' => super::jinja::py_str(arg),
            'r' => super::jinja::py_repr(arg),
            'd' | 'i' | 'u' => {
                let f = f64::try_from(arg.clone())
                    .map_err(|_| bad("%d format: a real number is required"))?;
                let n = f.trunc() as i128;
                let mut s = n.abs().to_string();
                if let Some(p) = prec {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                if n < 0 {
                    s.insert(0, '-');
                } else if flags.contains('+') {
                    s.insert(0, '+');
                } else if flags.contains(' ') {
                    s.insert(0, ' ');
                }
                s
            }
            'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                let f = f64::try_from(arg.clone()).map_err(|_| bad("must be real number"))?;
                let p = prec.unwrap_or(6);
                let s = match conv {
                    'f' | 'F' => format!("{f:.p$}"),
                    'e' | 'E' => {
                        let s = format!("{f:.p$e}");
                        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                        let e: i32 = e.parse().unwrap_or(0);
                        let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
                        if conv == 'E' { s.to_uppercase() } else { s }
                    }
                    _ => crate::expr::yaql::value::float_repr(f),
                };
                if flags.contains('+') && f >= 0.0 {
                    format!("+{s}")
                } else {
                    s
                }
            }
            'x' | 'X' | 'o' => {
                let n = i128::try_from(arg.clone()).map_err(|_| bad("an integer is required"))?;
                let s = match conv {
                    'x' => format!("{:x}", n.abs()),
                    'X' => format!("{:X}", n.abs()),
                    _ => format!("{:o}", n.abs()),
                };
                if n < 0 { format!("-{s}") } else { s }
            }
            other => return Err(bad(&format!("unsupported format character '{other}'"))),
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                out.push_str(&body);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && "dif".contains(conv) {
                let (sign, digits) = if body.starts_with(['-', '+']) {
                    body.split_at(1)
                } else {
                    ("", body.as_str())
                };
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
    }
    if next < args.len() {
        return Err(bad("not all arguments converted during string formatting"));
    }
    Ok(out)
}

/// Python string methods pycompat lacks, then pycompat's.
pub fn unknown_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
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
                return Ok(Value::from(parts));
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
                "value is not in list",
            )),
        };
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// Jinja2's `int(value, default=0, base=10)`.
fn int_filter(v: Value, default: Option<Value>, base: Option<u32>) -> Result<Value, Error> {
    undefined_input(&v)?;
    let default = default.unwrap_or(Value::from(0));
    let base = base.unwrap_or(10);
    if let Some(s) = v.as_str() {
        let t = s.trim().replace('_', "");
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b.to_string()),
            None => (false, t.trim_start_matches('+').to_string()),
        };
        let lower = body.to_lowercase();
        let (radix, digits) = match (base, lower.get(..2)) {
            (0 | 16, Some("0x")) => (16, &lower[2..]),
            (0 | 8, Some("0o")) => (8, &lower[2..]),
            (0 | 2, Some("0b")) => (2, &lower[2..]),
            (0, _) => (10, lower.as_str()),
            (b, _) => (b, lower.as_str()),
        };
        if let Ok(i) = i128::from_str_radix(digits, radix) {
            return Ok(Value::from(if neg { -i } else { i }));
        }
        if base == 10
            && let Ok(f) = t.parse::<f64>()
            && f.is_finite()
        {
            return Ok(Value::from(f.trunc() as i128));
        }
        return Ok(default);
    }
    match v.kind() {
        ValueKind::Number => {
            if v.is_integer() {
                Ok(v)
            } else {
                let f = f64::try_from(v)?;
                if f.is_finite() {
                    Ok(Value::from(f.trunc() as i128))
                } else {
                    Ok(default)
                }
            }
        }
        ValueKind::Bool => Ok(Value::from(i64::from(v.is_true()))),
        _ => Ok(default),
    }
}

/// Jinja2's `float(value, default=0.0)`.
fn float_filter(v: Value, default: Option<Value>) -> Result<Value, Error> {
    undefined_input(&v)?;
    let default = default.unwrap_or(Value::from(0.0));
    if let Some(s) = v.as_str() {
        return Ok(s
            .trim()
            .replace('_', "")
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(default));
    }
    match v.kind() {
        ValueKind::Number => Ok(f64::try_from(v).map(Value::from).unwrap_or(default)),
        ValueKind::Bool => Ok(Value::from(if v.is_true() { 1.0 } else { 0.0 })),
        _ => Ok(default),
    }
}

/// Jinja2's `wordwrap(s, width=79, break_long_words=True, wrapstring=None)`.
fn wordwrap(
    s: String,
    width: Option<usize>,
    break_long: Option<bool>,
    wrapstring: Option<String>,
) -> String {
    let width = width.unwrap_or(79).max(1);
    let sep = wrapstring.unwrap_or_else(|| "\n".into());
    let break_long = break_long.unwrap_or(true);
    let mut paragraphs = Vec::new();
    for para in s.split('\n') {
        let mut lines: Vec<String> = Vec::new();
        let mut cur = String::new();
        for word in para.split_whitespace() {
            let mut word = word.to_string();
            loop {
                let need = if cur.is_empty() {
                    word.chars().count()
                } else {
                    cur.chars().count() + 1 + word.chars().count()
                };
                if need <= width {
                    if !cur.is_empty() {
                        cur.push(' ');
                    }
                    cur.push_str(&word);
                    break;
                }
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                    continue;
                }
                if break_long && word.chars().count() > width {
                    let head: String = word.chars().take(width).collect();
                    lines.push(head);
                    word = word.chars().skip(width).collect();
                    continue;
                }
                cur = word.clone();
                break;
            }
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        paragraphs.push(lines.join(&sep));
    }
    paragraphs.join(&sep)
}

fn quote(s: &str, safe: &str, plus: bool) -> String {
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

/// Jinja2's `urlencode`.
fn urlencode(v: Value) -> Result<String, Error> {
    undefined_input(&v)?;
    match v.kind() {
        ValueKind::Map => {
            let mut parts = Vec::new();
            for k in v.try_iter()? {
                let x = v.get_item(&k)?;
                parts.push(format!(
                    "{}={}",
                    quote(&super::jinja::py_str(&k), "", true),
                    quote(&super::jinja::py_str(&x), "", true)
                ));
            }
            Ok(parts.join("&"))
        }
        ValueKind::String => Ok(quote(v.as_str().unwrap_or_default(), "/", false)),
        _ => Ok(quote(&super::jinja::py_str(&v), "/", false)),
    }
}

/// Jinja2's `dictsort(case_sensitive=False, by='key', reverse=False)`.
fn dictsort(
    v: Value,
    case_sensitive: Option<bool>,
    by: Option<String>,
    reverse: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    undefined_input(&v)?;
    let case_sensitive = kwargs
        .get::<Option<bool>>("case_sensitive")?
        .or(case_sensitive)
        .unwrap_or(false);
    let by = kwargs
        .get::<Option<String>>("by")?
        .or(by)
        .unwrap_or_else(|| "key".into());
    let reverse = kwargs
        .get::<Option<bool>>("reverse")?
        .or(reverse)
        .unwrap_or(false);
    kwargs.assert_all_used()?;
    let pos = match by.as_str() {
        "key" => 0,
        "value" => 1,
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "You can only sort by either \"key\" or \"value\"",
            ));
        }
    };
    let mut items: Vec<(Value, Value)> = Vec::new();
    for k in v.try_iter()? {
        let x = v.get_item(&k)?;
        items.push((k, x));
    }
    let key_of = |p: &(Value, Value)| -> Value {
        let x = if pos == 0 { p.0.clone() } else { p.1.clone() };
        match (case_sensitive, x.as_str()) {
            (false, Some(s)) => Value::from(s.to_lowercase()),
            _ => x,
        }
    };
    items.sort_by(|a, b| {
        key_of(a)
            .partial_cmp(&key_of(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if reverse {
        items.reverse();
    }
    Ok(Value::from(
        items
            .into_iter()
            .map(|(k, x)| Value::from(vec![k, x]))
            .collect::<Vec<_>>(),
    ))
}

/// Python `str.center(width)`.
fn center(s: String, width: Option<i64>) -> String {
    let width = width.unwrap_or(80).max(0) as usize;
    let n = s.chars().count();
    if n >= width {
        return s;
    }
    let marg = width - n;
    let left = marg / 2 + (marg & width & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(marg - left))
}

/// Jinja2's `round(value, precision=0, method='common')`: always a float.
fn round(v: Value, precision: Option<i32>, method: Option<String>) -> Result<Value, Error> {
    undefined_input(&v)?;
    let p = precision.unwrap_or(0);
    if v.is_integer() && method.as_deref().unwrap_or("common") == "common" && p >= 0 {
        return Ok(v);
    }
    let x = f64::try_from(v)?;
    round_float(x, p, method).map(Value::from)
}

fn round_float(x: f64, p: i32, method: Option<String>) -> Result<f64, Error> {
    let m = 10f64.powi(p);
    Ok(match method.as_deref().unwrap_or("common") {
        "ceil" => (x * m).ceil() / m,
        "floor" => (x * m).floor() / m,
        "common" => {
            let y = x * m;
            let r = y.round();
            let r = if (y - y.trunc()).abs() == 0.5 {
                2.0 * (y / 2.0).round()
            } else {
                r
            };
            if p > 0 {
                let s = format!("{x:.prec$}", prec = p as usize);
                s.parse().unwrap_or(r / m)
            } else {
                r / m
            }
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "method must be 'common', 'ceil' or 'floor'",
            ));
        }
    })
}

fn cmp_test(v: &Value, other: &Value) -> Result<std::cmp::Ordering, Error> {
    undefined_input(v)?;
    undefined_input(other)?;
    v.partial_cmp(other).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            "'<' not supported between these types",
        )
    })
}

/// A bound method of a dict (`_.keys` without a call): Jinja2 prefers the
/// attribute over the key, so the value is the method, not the data.
#[derive(Debug)]
pub struct DictMethod(pub String);

impl Object for DictMethod {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<built-in method {} of dict object>", self.0)
    }
}

/// `x.keys` (no call) as rewritten by [`rewrite_dict_methods`].
fn dict_method(v: Value, name: String) -> Result<Value, Error> {
    if v.kind() == ValueKind::Map && !v.is_kwargs() {
        return Ok(Value::from_object(DictMethod(name)));
    }
    Ok(v.get_attr(&name).unwrap_or(Value::UNDEFINED))
}

/// Rewrites `path.keys` (an attribute read of a dict method name, not a
/// call) into a filter call that yields the method object.
pub fn rewrite_dict_methods(src: &str) -> Cow<'_, str> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"((?:\b_|\b[A-Za-z]\w*)(?:\.\w+|\[[^\]\[]*\])*)\.(keys|items|values|get|pop|update|copy|clear|setdefault|popitem)\b(\s*\()?",
        )
        .ok()
    });
    let Some(re) = re.as_ref() else {
        return Cow::Borrowed(src);
    };
    if !re.is_match(src) {
        return Cow::Borrowed(src);
    }
    re.replace_all(src, |c: &regex::Captures<'_>| {
        if c.get(3).is_some() {
            c[0].to_string()
        } else {
            format!("({}|__dict_method('{}'))", &c[1], &c[2])
        }
    })
}

/// Registers the Jinja2-compatible filters on the environment.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("select", select);
    env.add_filter("reject", reject);
    env.add_filter("selectattr", selectattr);
    env.add_filter("rejectattr", rejectattr);
    env.add_filter("map", map);
    env.add_filter("sort", sort);
    env.add_filter("unique", unique);
    env.add_filter("sum", sum);
    env.add_filter("min", min);
    env.add_filter("max", max);
    env.add_filter("length", length);
    env.add_filter("count", length);
    env.add_filter("truncate", truncate);
    env.add_filter("escape", escape);
    env.add_filter("e", escape);
    env.add_filter("xmlattr", xmlattr);
    env.add_filter("wordcount", wordcount);
    env.add_filter("urlize", urlize);
    env.add_filter("random", random);
    env.add_filter("format", format);
    env.add_filter("center", center);
    env.add_filter("round", round);
    env.add_test("lower", |v: Value| -> Result<bool, Error> {
        undefined_input(&v)?;
        Ok(super::jinja::py_str(&v).chars().any(char::is_lowercase)
            && !super::jinja::py_str(&v).chars().any(char::is_uppercase))
    });
    env.add_test("upper", |v: Value| -> Result<bool, Error> {
        undefined_input(&v)?;
        Ok(super::jinja::py_str(&v).chars().any(char::is_uppercase)
            && !super::jinja::py_str(&v).chars().any(char::is_lowercase))
    });
    for name in ["eq", "equalto", "=="] {
        env.add_test(name, |v: Value, o: Value| -> Result<bool, Error> {
            undefined_input(&v)?;
            Ok(v == o)
        });
    }
    for name in ["ne", "!="] {
        env.add_test(name, |v: Value, o: Value| -> Result<bool, Error> {
            undefined_input(&v)?;
            Ok(v != o)
        });
    }
    for name in ["gt", ">", "greaterthan"] {
        env.add_test(name, |v: Value, o: Value| {
            Ok(cmp_test(&v, &o)? == std::cmp::Ordering::Greater)
        });
    }
    for name in ["ge", ">="] {
        env.add_test(name, |v: Value, o: Value| {
            Ok(cmp_test(&v, &o)? != std::cmp::Ordering::Less)
        });
    }
    for name in ["lt", "<", "lessthan"] {
        env.add_test(name, |v: Value, o: Value| {
            Ok(cmp_test(&v, &o)? == std::cmp::Ordering::Less)
        });
    }
    for name in ["le", "<="] {
        env.add_test(name, |v: Value, o: Value| {
            Ok(cmp_test(&v, &o)? != std::cmp::Ordering::Greater)
        });
    }
    env.add_test("in", |v: Value, seq: Value| -> Result<bool, Error> {
        undefined_input(&v)?;
        undefined_input(&seq)?;
        if let (Some(a), Some(b)) = (v.as_str(), seq.as_str()) {
            return Ok(b.contains(a));
        }
        Ok(seq.try_iter()?.any(|x| x == v))
    });
    env.add_filter("__dict_method", dict_method);
    env.add_filter("int", int_filter);
    env.add_filter("float", float_filter);
    env.add_filter("wordwrap", wordwrap);
    env.add_filter("urlencode", urlencode);
    env.add_filter("dictsort", dictsort);
    env.add_test("callable", |v: Value| {
        v.is_undefined()
            || v.downcast_object_ref::<DictMethod>().is_some()
            || v.kind() == ValueKind::Plain
    });
    env.set_unknown_method_callback(unknown_method);
}
