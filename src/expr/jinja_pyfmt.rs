//! Python's printf-style string formatting (`'%-5s|%03d' % args`), as the
//! `%` operator and Jinja2's `format` filter do it: a tuple gives the
//! positional arguments, a mapping serves `%(name)s`, anything else is the
//! single argument; flags, width, precision (`*` included) and every
//! conversion (`s r a d i u o x X e E f F g G c %`).

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Error, ErrorKind};

use super::jinja::{py_repr, py_str};
use super::jinja_ops::{Num, as_num, is_tuple, py_err, type_name};

fn type_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

fn value_error(msg: impl Into<String>) -> Error {
    py_err("ValueError", msg)
}

struct Spec {
    flags: String,
    width: Option<usize>,
    prec: Option<usize>,
    conv: char,
}

/// `fmt % args` for a format string.
pub(crate) fn percent_format(fmt: &str, args: &Value) -> Result<String, Error> {
    let positional: Vec<Value> = if is_tuple(args) {
        args.try_iter()?.collect()
    } else {
        vec![args.clone()]
    };
    let mapping = (args.kind() == ValueKind::Map).then_some(args);
    // CPython: a non-tuple argument with __getitem__ (a list, a dict, an
    // undefined value) may go unused without "not all arguments converted"
    let exempt = !is_tuple(args)
        && matches!(
            args.kind(),
            ValueKind::Seq | ValueKind::Map | ValueKind::Undefined
        );
    format_with(fmt, &positional, mapping, exempt)
}

/// Jinja2's `format` filter: `str(value) % args` (a tuple) or
/// `str(value) % kwargs`, not both.
pub(crate) fn format_filter(
    value: Value,
    args: Rest<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(super::jinja_ops::undefined_error());
    }
    let fmt = py_str(&value);
    let keys: Vec<String> = kwargs.args().map(String::from).collect();
    if keys.is_empty() {
        return format_with(&fmt, &args.0, None, false);
    }
    if !args.is_empty() {
        return Err(py_err(
            "FilterArgumentError",
            "can't handle positional and keyword arguments at the same time",
        ));
    }
    let mut map = std::collections::BTreeMap::new();
    for k in keys {
        let v: Value = kwargs.get(&k)?;
        map.insert(k, v);
    }
    let m = Value::from(map);
    format_with(&fmt, std::slice::from_ref(&m), Some(&m), false)
}

fn format_with(
    fmt: &str,
    positional: &[Value],
    mapping: Option<&Value>,
    unused_ok: bool,
) -> Result<String, Error> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut next = 0usize;
    let mut used_mapping = false;
    let take = |next: &mut usize| -> Result<Value, Error> {
        let v = positional
            .get(*next)
            .cloned()
            .ok_or_else(|| type_error("not enough arguments for format string"))?;
        *next += 1;
        Ok(v)
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut keyed: Option<Value> = None;
        if chars.get(i) == Some(&'(') {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(value_error("incomplete format key"));
            }
            let key: String = chars[start..i - 1].iter().collect();
            let Some(m) = mapping else {
                return Err(type_error("format requires a mapping"));
            };
            used_mapping = true;
            let k = Value::from(key.as_str());
            let present = m.try_iter()?.any(|x| x == k);
            if !present {
                return Err(py_err("KeyError", format!("'{key}'")));
            }
            keyed = Some(m.get_item(&k)?);
        }
        let mut flags = String::new();
        while i < chars.len() && "-+ 0#".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        let mut width = None;
        if chars.get(i) == Some(&'*') {
            i += 1;
            let w = take(&mut next)?;
            let n = i64::try_from(w).map_err(|_| type_error("* wants int"))?;
            if n < 0 {
                flags.push('-');
            }
            width = Some(n.unsigned_abs() as usize);
        } else {
            let s: String = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            i += s.len();
            if !s.is_empty() {
                width = s.parse().ok();
            }
        }
        let mut prec = None;
        if chars.get(i) == Some(&'.') {
            i += 1;
            if chars.get(i) == Some(&'*') {
                i += 1;
                let p = take(&mut next)?;
                prec = Some(
                    i64::try_from(p)
                        .map_err(|_| type_error("* wants int"))?
                        .max(0) as usize,
                );
            } else {
                let s: String = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                i += s.len();
                prec = Some(s.parse().unwrap_or(0));
            }
        }
        // length modifiers are accepted and ignored
        while i < chars.len() && "hlL".contains(chars[i]) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            return Err(value_error("incomplete format"));
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = match keyed {
            Some(v) => v,
            None => take(&mut next)?,
        };
        if arg.is_undefined() && conv != 'r' {
            // str() / int() / float() of a StrictUndefined raise
            return Err(super::jinja_ops::undefined_error());
        }
        let spec = Spec {
            flags,
            width,
            prec,
            conv,
        };
        out.push_str(&pad(&spec, convert(&spec, &arg)?));
    }
    if next < positional.len() && mapping.is_none() && !used_mapping && !unused_ok {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

fn int_of(arg: &Value, conv: char, exact: bool) -> Result<i128, Error> {
    match as_num(arg) {
        Some(Num::Int(i)) => Ok(i),
        Some(Num::Float(f)) if !exact => {
            if f.is_finite() {
                Ok(f.trunc() as i128)
            } else {
                Err(py_err(
                    "OverflowError",
                    "cannot convert float infinity to integer",
                ))
            }
        }
        _ => Err(type_error(if exact {
            format!(
                "%{conv} format: an integer is required, not {}",
                type_name(arg)
            )
        } else {
            format!(
                "%{conv} format: a real number is required, not {}",
                type_name(arg)
            )
        })),
    }
}

fn sign(flags: &str, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if flags.contains('+') {
        "+"
    } else if flags.contains(' ') {
        " "
    } else {
        ""
    }
}

fn convert(spec: &Spec, arg: &Value) -> Result<String, Error> {
    let flags = spec.flags.as_str();
    Ok(match spec.conv {
        's' | 'r' | 'a' => {
            let s = match spec.conv {
                's' => py_str(arg),
                'r' => py_repr(arg),
                _ => ascii(&py_repr(arg)),
            };
            match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'd' | 'i' | 'u' => {
            let n = int_of(arg, spec.conv, false)?;
            let mut digits = n.unsigned_abs().to_string();
            if let Some(p) = spec.prec {
                while digits.len() < p {
                    digits.insert(0, '0');
                }
            }
            format!("{}{digits}", sign(flags, n < 0))
        }
        'o' | 'x' | 'X' => {
            let n = int_of(arg, spec.conv, true)?;
            let mut digits = match spec.conv {
                'o' => format!("{:o}", n.unsigned_abs()),
                'x' => format!("{:x}", n.unsigned_abs()),
                _ => format!("{:X}", n.unsigned_abs()),
            };
            if let Some(p) = spec.prec {
                while digits.len() < p {
                    digits.insert(0, '0');
                }
            }
            let prefix = match (flags.contains('#'), spec.conv) {
                (true, 'o') => "0o",
                (true, 'x') => "0x",
                (true, _) => "0X",
                _ => "",
            };
            format!("{}{prefix}{digits}", sign(flags, n < 0))
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let f = match as_num(arg) {
                Some(Num::Int(i)) => i as f64,
                Some(Num::Float(f)) => f,
                None => {
                    return Err(type_error(format!(
                        "must be real number, not {}",
                        type_name(arg)
                    )));
                }
            };
            let body = float_text(
                f.abs(),
                spec.conv,
                spec.prec.unwrap_or(6),
                flags.contains('#'),
            );
            format!("{}{body}", sign(flags, f.is_sign_negative() && !f.is_nan()))
        }
        'c' => match (arg.as_str(), as_num(arg)) {
            (Some(s), _) if s.chars().count() == 1 => s.to_string(),
            (Some(_), _) => {
                return Err(type_error(
                    "%c requires an int or a unicode character, not a string of length 2",
                ));
            }
            (None, Some(Num::Int(i))) => match u32::try_from(i).ok().and_then(char::from_u32) {
                Some(c) => c.to_string(),
                None => return Err(py_err("OverflowError", "%c arg not in range(0x110000)")),
            },
            _ => {
                return Err(type_error(format!(
                    "%c requires an int or a unicode character, not {}",
                    type_name(arg)
                )));
            }
        },
        other => {
            return Err(value_error(format!(
                "unsupported format character '{other}' (0x{:x})",
                other as u32
            )));
        }
    })
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

/// `%e` text of a non-negative float: mantissa and a two-digit exponent.
fn exp_text(f: f64, prec: usize, upper: bool, alt: bool) -> String {
    let s = format!("{f:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let m = if alt && prec == 0 {
        format!("{m}.")
    } else {
        m.to_string()
    };
    let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper { s.to_uppercase() } else { s }
}

/// The text of a non-negative float in a printf conversion (`e f g`...).
pub(crate) fn float_text(f: f64, conv: char, prec: usize, alt: bool) -> String {
    let upper = conv.is_ascii_uppercase();
    if !f.is_finite() {
        let s = if f.is_nan() { "nan" } else { "inf" };
        return if upper { s.to_uppercase() } else { s.into() };
    }
    match conv {
        'f' | 'F' => {
            let s = format!("{f:.prec$}");
            if alt && prec == 0 { format!("{s}.") } else { s }
        }
        'e' | 'E' => exp_text(f, prec, upper, alt),
        _ => {
            // %g: %e or %f by the exponent, trailing zeros removed
            let p = prec.max(1);
            let e_form = format!("{f:.prec$e}", prec = p - 1);
            let exp: i32 = e_form
                .split_once('e')
                .and_then(|(_, e)| e.parse().ok())
                .unwrap_or(0);
            let s = if exp >= -4 && exp < p as i32 {
                let decimals = (p as i32 - 1 - exp).max(0) as usize;
                format!("{f:.decimals$}")
            } else {
                exp_text(f, p - 1, upper, false)
            };
            if alt {
                return s;
            }
            let (mant, tail) = match s.find(['e', 'E']) {
                Some(k) => (s[..k].to_string(), s[k..].to_string()),
                None => (s.clone(), String::new()),
            };
            let mant = if mant.contains('.') {
                mant.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                mant
            };
            format!("{mant}{tail}")
        }
    }
}

fn pad(spec: &Spec, body: String) -> String {
    let Some(w) = spec.width else { return body };
    let len = body.chars().count();
    if len >= w {
        return body;
    }
    let fill = w - len;
    if spec.flags.contains('-') {
        return format!("{body}{}", " ".repeat(fill));
    }
    let numeric = "diuoxXeEfFgG".contains(spec.conv);
    if spec.flags.contains('0') && numeric {
        let sign_len = usize::from(body.starts_with(['-', '+', ' ']));
        let prefix_len = if body[sign_len..].starts_with("0x")
            || body[sign_len..].starts_with("0X")
            || body[sign_len..].starts_with("0o")
        {
            sign_len + 2
        } else {
            sign_len
        };
        return format!(
            "{}{}{}",
            &body[..prefix_len],
            "0".repeat(fill),
            &body[prefix_len..]
        );
    }
    format!("{}{body}", " ".repeat(fill))
}
