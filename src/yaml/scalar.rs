//! YAML 1.1 scalar resolution, as PyYAML's SafeLoader does it (Mistral's
//! loader): booleans `yes/no/on/off/true/false` in three spellings (not
//! `y`/`n`), nulls, integers with `0x`/`0b`/octal/`_`/base 60, floats that
//! need a dot. Called by the YAML tree builder for each scalar.
//!
//! Invariant: only plain, untagged scalars are resolved; a quoted or block
//! scalar is always a string.

use num_bigint::BigUint;
use saphyr_parser::{ScalarStyle, Tag};
use serde_json::Number;

use super::Kind;

/// Resolves one scalar by style and tag.
pub(crate) fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Kind, String> {
    if let Some(tag) = tag {
        let core = tag.handle == "!!" || tag.is_yaml_core_schema();
        if tag.handle == "!" && tag.suffix.is_empty() {
            return Ok(Kind::Str(text.to_string()));
        }
        if !core {
            return Err(super::no_constructor(tag));
        }
        let resolved = resolve_plain(text);
        return match (tag.suffix.as_str(), resolved) {
            ("str", _) => Ok(Kind::Str(text.to_string())),
            ("bool", k @ Kind::Bool(_)) | ("null", k @ Kind::Null) => Ok(k),
            ("int", Kind::Num(n)) if !n.is_f64() => Ok(Kind::Num(n)),
            ("float", Kind::Num(n)) => n
                .as_f64()
                .and_then(Number::from_f64)
                .map(Kind::Num)
                .ok_or_else(|| format!("'{text}' is not a {tag}")),
            ("float", Kind::Str(_)) => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Kind::Num)
                .ok_or_else(|| format!("'{text}' is not a {tag}")),
            _ => Err(format!("'{text}' is not a {tag}")),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Kind::Str(text.to_string()));
    }
    Ok(resolve_plain(text))
}

/// PyYAML SafeLoader's implicit resolvers for a plain scalar.
pub(crate) fn resolve_plain(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Kind::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Kind::Bool(false);
        }
        _ => {}
    }
    if let Some(n) = yaml11_int(s) {
        return Kind::Num(n);
    }
    if let Some(n) = yaml11_float(s) {
        return Kind::Num(n);
    }
    if let Some(repr) = timestamp_repr(s) {
        return Kind::Date {
            text: s.to_string(),
            repr,
        };
    }
    Kind::Str(s.to_string())
}

/// PyYAML's timestamp resolver (`YYYY-MM-DD`, or a date and a time with
/// optional fraction and zone), answering Python's repr of the value it
/// constructs: `datetime.date(2020, 1, 2)`,
/// `datetime.datetime(2020, 1, 2, 10, 0)`.
pub(crate) fn timestamp_repr(s: &str) -> Option<String> {
    let digits = |t: &str, min: usize, max: usize| {
        (min..=max).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    let num = |t: &str| t.parse::<u32>().unwrap_or(0);
    let b = s.as_bytes();
    if b.len() == 10 && digits(&s[..4], 4, 4) && b[4] == b'-' && b[7] == b'-' {
        let (y, m, d) = (&s[..4], &s[5..7], &s[8..]);
        if digits(m, 2, 2) && digits(d, 2, 2) {
            return Some(format!("datetime.date({}, {}, {})", num(y), num(m), num(d)));
        }
    }
    // YYYY-M(M)-D(D)(T|t|blanks)H(H):MM:SS(.frac)?(blanks?(Z|±H(H)(:MM)?))?
    let (date, rest) = s.split_at(s.find(['T', 't', ' ', '\t'])?);
    let mut dp = date.split('-');
    let (y, m, d) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() || !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    let rest = if rest.starts_with(['T', 't']) {
        &rest[1..]
    } else {
        rest.trim_start_matches([' ', '\t'])
    };
    let time_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (time, zone) = rest.split_at(time_end);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut tp = hms.split(':');
    let (hh, mm, ss) = (tp.next()?, tp.next()?, tp.next()?);
    if tp.next().is_some()
        || !digits(hh, 1, 2)
        || !digits(mm, 2, 2)
        || !digits(ss, 2, 2)
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let zone = zone.trim_start_matches([' ', '\t']);
    let tz = match zone {
        "" => String::new(),
        "Z" => ", tzinfo=datetime.timezone.utc".to_string(),
        z => {
            let (neg, body) = match z.as_bytes().first() {
                Some(b'-') => (true, &z[1..]),
                Some(b'+') => (false, &z[1..]),
                _ => return None,
            };
            let (zh, zm) = body.split_once(':').unwrap_or((body, "0"));
            if !digits(zh, 1, 2) || !digits(zm, 1, 2) {
                return None;
            }
            let secs = i64::from(num(zh) * 3600 + num(zm) * 60);
            let delta = if neg && secs > 0 {
                format!("days=-1, seconds={}", 86_400 - secs)
            } else {
                format!("seconds={secs}")
            };
            format!(", tzinfo=datetime.timezone(datetime.timedelta({delta}))")
        }
    };
    let micro: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
    let (sec, us) = (num(ss), num(&micro));
    let tail = match (sec, us) {
        (0, 0) => String::new(),
        (s, 0) => format!(", {s}"),
        (s, u) => format!(", {s}, {u}"),
    };
    Some(format!(
        "datetime.datetime({}, {}, {}, {}, {}{tail}{tz})",
        num(y),
        num(m),
        num(d),
        num(hh),
        num(mm)
    ))
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn int_number(neg: bool, magnitude: BigUint) -> Option<Number> {
    // Python's int has no size limit: the digits are kept exactly.
    let sign = if neg { "-" } else { "" };
    crate::domain::number::integer(&format!("{sign}{magnitude}"))
}

/// `[-+]?(0b[01_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+ | [1-9][0-9_]*(:[0-5]?[0-9])+)`
fn yaml11_int(s: &str) -> Option<Number> {
    let (neg, body) = split_sign(s);
    let digits = |t: &str, radix: u32| -> Option<BigUint> {
        let clean: String = t.chars().filter(|c| *c != '_').collect();
        if clean.is_empty() {
            return None;
        }
        BigUint::parse_bytes(clean.as_bytes(), radix)
    };
    let valid = |t: &str, f: fn(char) -> bool| !t.is_empty() && t.chars().all(|c| c == '_' || f(c));
    let mag = if let Some(b) = body.strip_prefix("0b") {
        valid(b, |c| c == '0' || c == '1').then(|| digits(b, 2))??
    } else if let Some(h) = body.strip_prefix("0x") {
        valid(h, |c| c.is_ascii_hexdigit()).then(|| digits(h, 16))??
    } else if body == "0" {
        BigUint::from(0u8)
    } else if let Some(o) = body.strip_prefix('0') {
        valid(o, |c| ('0'..='7').contains(&c)).then(|| digits(o, 8))??
    } else if body.contains(':') {
        digits(&sexagesimal(body, |c| c.is_ascii_digit() || c == '_')?, 10)?
    } else {
        let first = body.chars().next()?;
        if !('1'..='9').contains(&first) || !valid(body, |c| c.is_ascii_digit()) {
            return None;
        }
        digits(body, 10)?
    };
    int_number(neg, mag)
}

/// Base-60 `1:30:15` → the decimal value, as text; `None` when malformed.
fn sexagesimal(body: &str, head_ok: fn(char) -> bool) -> Option<String> {
    let mut parts = body.split(':');
    let head = parts.next()?;
    let first = head.chars().next()?;
    if !('1'..='9').contains(&first) || !head.chars().all(head_ok) {
        return None;
    }
    let mut value: u128 = head.replace('_', "").parse().ok()?;
    for p in parts {
        if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if p.len() == 2 && p.as_bytes()[0] > b'5' {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(p.parse().ok()?)?;
    }
    Some(value.to_string())
}

/// PyYAML's float: a dot is required; `.inf`/`.nan` are not JSON and stay text.
fn yaml11_float(s: &str) -> Option<Number> {
    let (neg, body) = split_sign(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if let Some(e) = exp {
        // PyYAML wants a sign in the exponent.
        let digits = e.strip_prefix(['+', '-'])?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let dot = mantissa.find('.')?;
    let (int_part, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
    if !frac.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    let int_clean = if int_part.contains(':') {
        if exp.is_some() {
            return None;
        }
        sexagesimal(int_part, |c| c.is_ascii_digit() || c == '_')?
    } else if int_part.is_empty() {
        // `.5` needs a digit right after the dot.
        if !frac.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        "0".into()
    } else {
        if !int_part.starts_with(|c: char| c.is_ascii_digit())
            || !int_part.chars().all(|c| c.is_ascii_digit() || c == '_')
        {
            return None;
        }
        int_part.replace('_', "")
    };
    let text = format!(
        "{}{}.{}0{}",
        if neg { "-" } else { "" },
        int_clean,
        frac.replace('_', ""),
        exp.map(|e| format!("e{e}")).unwrap_or_default()
    );
    text.parse::<f64>().ok().and_then(Number::from_f64)
}
