//! Python text behaviours for Jinja (used by [`super::jinja_py`]): `str`
//! methods minijinja lacks and Jinja2's text filters
//! (`truncate`, `escape`, `xmlattr`, `wordwrap`, `urlencode`, `int`, ...).

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

use super::jinja_py::undefined_input;

/// Jinja2's `truncate(s, length=255, killwords=False, end='...', leeway=None)`.
pub fn truncate(
    s: String,
    length: Option<Value>,
    killwords: Option<bool>,
    end: Option<String>,
    leeway: Option<usize>,
) -> Result<String, Error> {
    let end = end.unwrap_or_else(|| "...".into());
    let length_v = length.unwrap_or(Value::from(255));
    let length = match i64::try_from(length_v.clone()) {
        Ok(l) if length_v.is_integer() && l >= end.chars().count() as i64 => l as usize,
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "expected length >= {}, got {}",
                    end.chars().count(),
                    super::jinja::py_str(&length_v)
                ),
            ));
        }
    };
    let leeway = leeway.unwrap_or(5);
    let n = s.chars().count();
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

pub fn escape(v: Value) -> String {
    if v.is_safe() {
        return v.to_string();
    }
    escape_text(&super::jinja::py_str(&v))
}

pub fn xmlattr(v: Value, autospace: Option<bool>) -> Result<String, Error> {
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

pub fn urlize(s: String) -> String {
    escape_text(&s)
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
pub fn int_filter(v: Value, default: Option<Value>, base: Option<u32>) -> Result<Value, Error> {
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
        // Python refuses a base outside 2..=36 (ValueError): the default.
        if (2..=36).contains(&radix)
            && let Ok(i) = i128::from_str_radix(digits, radix)
        {
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
pub fn float_filter(v: Value, default: Option<Value>) -> Result<Value, Error> {
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
pub fn wordwrap(
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

/// Jinja2's `urlencode`.
pub fn urlencode(v: Value) -> Result<String, Error> {
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

/// Python `str.center(width)`.
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
