//! Python 3.11 `str` methods whose rules minijinja's pycompat gets only
//! roughly: `startswith`/`endswith` with a tuple and `start`/`end`
//! (CPython's `tailmatch`), the `is...` predicates by Unicode category
//! (`isdecimal` Nd, `isdigit` Nd and the digit-valued No, `isalpha` L*,
//! `istitle`, `isidentifier`, `isprintable`), `splitlines` on every Python
//! line boundary, `split`/`rsplit` with keyword arguments, the `strip`
//! family on Python's whitespace, and the argument types `replace` takes.

use std::sync::LazyLock;

use minijinja::Error;
use minijinja::value::{Value, ValueKind};
use regex::Regex;

use super::jinja_ops::{py_err, type_name};

/// Python's `str.isspace()` of one character: Unicode White_Space and the
/// four ASCII information separators.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Characters with Numeric_Type=Digit (superscripts, circled digits...):
/// `isdigit()` but not `isdecimal()`.
#[rustfmt::skip]
const DIGIT_ONLY: &[(u32, u32)] = &[
    (0xB2, 0xB3), (0xB9, 0xB9), (0x1369, 0x1371), (0x19DA, 0x19DA), (0x2070, 0x2070),
    (0x2074, 0x2079), (0x2080, 0x2089), (0x2460, 0x2468), (0x2474, 0x247C), (0x2488, 0x2490),
    (0x24EA, 0x24EA), (0x24F5, 0x24FD), (0x24FF, 0x24FF), (0x2776, 0x277E), (0x2780, 0x2788),
    (0x278A, 0x2792), (0x10A40, 0x10A43), (0x10E60, 0x10E68), (0x11052, 0x1105A),
    (0x1F100, 0x1F10A),
];

/// Han ideographs with a numeric value: `isnumeric()` outside category N.
#[rustfmt::skip]
const HAN_NUMERIC: &[u32] = &[
    0x3405, 0x3483, 0x382A, 0x3B4D, 0x4E00, 0x4E03, 0x4E07, 0x4E09, 0x4E5D, 0x4E8C, 0x4E94,
    0x4E96, 0x4EBF, 0x4EC0, 0x4EDF, 0x4EE8, 0x4F0D, 0x4F70, 0x5104, 0x5146, 0x5169, 0x516B,
    0x516D, 0x5341, 0x5343, 0x5344, 0x5345, 0x534C, 0x53C1, 0x53C2, 0x53C3, 0x53C4, 0x56DB,
    0x58F1, 0x58F9, 0x5E7A, 0x5EFE, 0x5EFF, 0x5F0C, 0x5F0D, 0x5F0E, 0x5F10, 0x62FE, 0x634C,
    0x67D2, 0x6F06, 0x7396, 0x767E, 0x8086, 0x842C, 0x8CAE, 0x8CB3, 0x8D30, 0x9621, 0x9646,
    0x964C, 0x9678, 0x96F6, 0xF96B, 0xF973, 0xF978, 0xF9B2, 0xF9D1, 0xF9D3, 0xF9FD, 0x20001,
    0x20064, 0x200E2, 0x20121, 0x2092A, 0x20983, 0x2098C, 0x2099C, 0x20AEA, 0x20AFD, 0x20B19,
    0x22390, 0x22998, 0x23B1B, 0x2626D, 0x2F890,
];

fn class(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static DECIMAL: LazyLock<Option<Regex>> = LazyLock::new(|| class(r"^\p{Nd}$"));
static ALPHA: LazyLock<Option<Regex>> = LazyLock::new(|| class(r"^\p{L}$"));
static TITLE: LazyLock<Option<Regex>> = LazyLock::new(|| class(r"^\p{Lt}$"));
static UNPRINTABLE: LazyLock<Option<Regex>> = LazyLock::new(|| class(r"^[\p{C}\p{Z}]$"));
static IDENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| class(r"^[\p{XID_Start}_]\p{XID_Continue}*$"));

fn is(re: &Option<Regex>, c: char) -> bool {
    let mut b = [0u8; 4];
    re.as_ref()
        .is_some_and(|re| re.is_match(c.encode_utf8(&mut b)))
}

fn decimal(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && is(&DECIMAL, c))
}

fn digit(c: char) -> bool {
    decimal(c)
        || DIGIT_ONLY
            .iter()
            .any(|(a, b)| (*a..=*b).contains(&(c as u32)))
}

fn numeric(c: char) -> bool {
    c.is_numeric() || HAN_NUMERIC.contains(&(c as u32))
}

fn alpha(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && is(&ALPHA, c))
}

fn titlecase(c: char) -> bool {
    !c.is_ascii() && is(&TITLE, c)
}

/// Python's `str.islower()` / `isupper()`: some cased character, and no
/// character of the other case nor a titlecase one.
fn cased_only(s: &str, lower: bool) -> bool {
    let mut cased = false;
    for c in s.chars() {
        let (same, other) = if lower {
            (c.is_lowercase(), c.is_uppercase())
        } else {
            (c.is_uppercase(), c.is_lowercase())
        };
        if other || titlecase(c) {
            return false;
        }
        cased |= same;
    }
    cased
}

/// Python's `str.istitle()`.
fn istitle(s: &str) -> bool {
    let (mut cased, mut prev) = (false, false);
    for c in s.chars() {
        if c.is_uppercase() || titlecase(c) {
            if prev {
                return false;
            }
            (prev, cased) = (true, true);
        } else if c.is_lowercase() {
            if !prev {
                return false;
            }
            (prev, cased) = (true, true);
        } else {
            prev = false;
        }
    }
    cased
}

fn all(s: &str, f: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(f)
}

/// Python's `str.casefold()` (full case folding of the common letters).
fn casefold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ς' => out.push('σ'),
            'ﬀ' => out.push_str("ff"),
            'ﬁ' => out.push_str("fi"),
            'ﬂ' => out.push_str("fl"),
            'ﬃ' => out.push_str("ffi"),
            'ﬄ' => out.push_str("ffl"),
            'ﬅ' | 'ﬆ' => out.push_str("st"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Python's `str.splitlines(keepends)`.
pub(crate) fn splitlines(s: &str, keep: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !brk {
            cur.push(c);
            continue;
        }
        if keep {
            cur.push(c);
        }
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            if keep {
                cur.push('\n');
            }
        }
        out.push(std::mem::take(&mut cur));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// An integer argument (a bool is one), or Python's TypeError.
fn int_arg(v: &Value) -> Result<i64, Error> {
    match v.kind() {
        ValueKind::Bool => Ok(i64::from(v.is_true())),
        ValueKind::Number if v.is_integer() => i64::try_from(v.clone()).map_err(|_| {
            py_err(
                "OverflowError",
                "Python int too large to convert to C ssize_t",
            )
        }),
        _ => Err(py_err(
            "TypeError",
            format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(v)
            ),
        )),
    }
}

/// A slice bound: an integer or None.
fn bound(v: Option<&Value>) -> Result<Option<i64>, Error> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) if v.kind() == ValueKind::Bool || v.is_integer() => int_arg(v).map(Some),
        Some(_) => Err(py_err(
            "TypeError",
            "slice indices must be integers or None or have an __index__ method",
        )),
    }
}

/// CPython's `tailmatch`: does `sub` start (or end) `s[start:end]`?
fn tailmatch(s: &[char], sub: &str, start: Option<i64>, end: Option<i64>, tail: bool) -> bool {
    let n = s.len() as i64;
    let adjust = |x: i64| if x < 0 { (x + n).max(0) } else { x };
    let start = adjust(start.unwrap_or(0));
    let end = adjust(end.unwrap_or(n)).min(n);
    let sub: Vec<char> = sub.chars().collect();
    let last = end - sub.len() as i64;
    if last < start {
        return false;
    }
    let at = if tail { last } else { start } as usize;
    s[at..at + sub.len()] == sub[..]
}

fn affix(s: &str, method: &str, pos: &[Value]) -> Result<Value, Error> {
    if pos.is_empty() || pos.len() > 3 {
        return Err(py_err(
            "TypeError",
            format!("{method} expected at least 1 argument, got {}", pos.len()),
        ));
    }
    let (start, end) = (bound(pos.get(1))?, bound(pos.get(2))?);
    let chars: Vec<char> = s.chars().collect();
    let tail = method == "endswith";
    let what = &pos[0];
    if let Some(sub) = what.as_str() {
        return Ok(Value::from(tailmatch(&chars, sub, start, end, tail)));
    }
    if !super::jinja_ops::is_tuple(what) {
        return Err(py_err(
            "TypeError",
            format!(
                "{method} first arg must be str or a tuple of str, not {}",
                type_name(what)
            ),
        ));
    }
    for item in what.try_iter()? {
        let Some(sub) = item.as_str() else {
            return Err(py_err(
                "TypeError",
                format!(
                    "tuple for {method} must only contain str, not {}",
                    type_name(&item)
                ),
            ));
        };
        if tailmatch(&chars, sub, start, end, tail) {
            return Ok(Value::from(true));
        }
    }
    Ok(Value::from(false))
}

/// Positional and keyword arguments bound to `names` (Python's rules for
/// a builtin taking them both ways).
fn bind(
    method: &str,
    names: &[&str],
    pos: &[Value],
    kw: Option<&Value>,
) -> Result<Vec<Option<Value>>, Error> {
    if pos.len() > names.len() {
        return Err(py_err(
            "TypeError",
            format!(
                "{method}() takes at most {} arguments ({} given)",
                names.len(),
                pos.len()
            ),
        ));
    }
    let mut out: Vec<Option<Value>> = pos.iter().cloned().map(Some).collect();
    out.resize(names.len(), None);
    if let Some(kw) = kw {
        for key in kw.try_iter()? {
            let name = key.as_str().unwrap_or_default();
            let Some(i) = names.iter().position(|n| *n == name) else {
                return Err(py_err(
                    "TypeError",
                    format!("{method}() got an unexpected keyword argument '{name}'"),
                ));
            };
            if out[i].is_some() {
                return Err(py_err(
                    "TypeError",
                    format!("argument for {method}() given by name ('{name}') and position"),
                ));
            }
            out[i] = Some(kw.get_item(&key)?);
        }
    }
    Ok(out)
}

fn split(s: &str, method: &str, pos: &[Value], kw: Option<&Value>) -> Result<Value, Error> {
    let a = bind(method, &["sep", "maxsplit"], pos, kw)?;
    let sep = match &a[0] {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => match v.as_str() {
            Some(t) => Some(t.to_string()),
            None => {
                return Err(py_err(
                    "TypeError",
                    format!("must be str or None, not {}", type_name(v)),
                ));
            }
        },
    };
    let max = match &a[1] {
        None => -1,
        Some(v) => int_arg(v)?,
    };
    let parts = if method == "split" {
        crate::expr::yaql::lib_str::py_split(s, sep.as_deref(), max)
    } else {
        crate::expr::yaql::lib_str::py_rsplit(s, sep.as_deref(), max)
    }
    .map_err(|e| py_err("ValueError", e.msg))?;
    Ok(Value::from(parts))
}

fn no_args(method: &str, pos: &[Value], kw: Option<&Value>) -> Result<(), Error> {
    if !pos.is_empty() || kw.is_some() {
        let n = pos.len() + usize::from(kw.is_some());
        return Err(py_err(
            "TypeError",
            format!("str.{method}() takes no arguments ({n} given)"),
        ));
    }
    Ok(())
}

fn no_kwargs(method: &str, kw: Option<&Value>) -> Result<(), Error> {
    match kw {
        Some(_) => Err(py_err(
            "TypeError",
            format!("{method}() takes no keyword arguments"),
        )),
        None => Ok(()),
    }
}

/// The TypeError of a width or tab size that is not an integer
/// (`'abc'.zfill(5.0)`), before any handler reads it as one.
pub(crate) fn width_error(method: &str, pos: &[Value]) -> Option<Error> {
    match (method, pos.first()) {
        ("zfill" | "center" | "ljust" | "rjust" | "expandtabs", Some(w)) => int_arg(w).err(),
        _ => None,
    }
}

/// The method's result, or `None` to leave it to the other handlers.
pub(crate) fn method(
    s: &str,
    method: &str,
    pos: &[Value],
    kw: Option<&Value>,
) -> Option<Result<Value, Error>> {
    let pred =
        |f: &dyn Fn(&str) -> bool| Some(no_args(method, pos, kw).map(|()| Value::from(f(s))));
    match method {
        "startswith" | "endswith" => {
            Some(no_kwargs(method, kw).and_then(|()| affix(s, method, pos)))
        }
        "isdecimal" => pred(&|s| all(s, decimal)),
        "isdigit" => pred(&|s| all(s, digit)),
        "isnumeric" => pred(&|s| all(s, |c| digit(c) || numeric(c))),
        "isalpha" => pred(&|s| all(s, alpha)),
        "isalnum" => pred(&|s| all(s, |c| alpha(c) || digit(c) || numeric(c))),
        "isspace" => pred(&|s| all(s, py_space)),
        "islower" => pred(&|s| cased_only(s, true)),
        "isupper" => pred(&|s| cased_only(s, false)),
        "istitle" => pred(&istitle),
        "isidentifier" => pred(&|s| IDENT.as_ref().is_some_and(|re| re.is_match(s))),
        "isprintable" => pred(&|s| s.chars().all(|c| c == ' ' || !is(&UNPRINTABLE, c))),
        "casefold" => Some(no_args(method, pos, kw).map(|()| Value::from(casefold(s)))),
        "splitlines" => Some(bind(method, &["keepends"], pos, kw).map(|a| {
            let keep = a[0].as_ref().is_some_and(Value::is_true);
            Value::from(splitlines(s, keep))
        })),
        "split" | "rsplit" => Some(split(s, method, pos, kw)),
        "strip" | "lstrip" | "rstrip" => {
            if let Err(e) = no_kwargs(method, kw) {
                return Some(Err(e));
            }
            let chars = match pos {
                [] => None,
                [c] if c.is_none() => None,
                [c] => match c.as_str() {
                    Some(t) => Some(t),
                    None => {
                        return Some(Err(py_err(
                            "TypeError",
                            format!("{method} arg must be None or str"),
                        )));
                    }
                },
                _ => {
                    return Some(Err(py_err(
                        "TypeError",
                        format!("{method} expected at most 1 argument, got {}", pos.len()),
                    )));
                }
            };
            let which = match method {
                "lstrip" => 1,
                "rstrip" => 2,
                _ => 0,
            };
            Some(Ok(Value::from(crate::expr::yaql::lib_str::py_strip(
                s, chars, which,
            ))))
        }
        "replace" => {
            // checked here; the replacing itself is pycompat's (it pays
            // for the memory first)
            let check = || -> Result<(), Error> {
                no_kwargs(method, kw)?;
                for (i, a) in pos.iter().take(2).enumerate() {
                    if a.as_str().is_none() {
                        return Err(py_err(
                            "TypeError",
                            format!(
                                "replace() argument {} must be str, not {}",
                                i + 1,
                                type_name(a)
                            ),
                        ));
                    }
                }
                if let Some(c) = pos.get(2) {
                    int_arg(c)?;
                }
                Ok(())
            };
            check().err().map(Err)
        }
        _ => None,
    }
}
