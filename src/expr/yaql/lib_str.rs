//! YAQL string and regex functions (yaql `strings.py`, `regex.py`), with
//! Python's `str` method semantics (`split`, `strip`, `find`, ...).

use std::rc::Rc;

use super::interp::{Args, Interp, R, err};
use super::lib::{arity, yaql_str};
use super::regex::*;
use super::value::{RegexV, V};
use crate::expr::ErrorKind;
use crate::expr::jinja_pystr::py_space;

fn s_arg<'a>(it: &mut Interp<'a>, a: &Args<'a>, i: usize) -> R<Option<Rc<str>>> {
    Ok(match it.arg(a, i)? {
        V::Str(s) => Some(s),
        _ => None,
    })
}

fn chars_len(s: &str) -> i64 {
    s.chars().count() as i64
}

/// Python `str.split(sep, maxsplit)`.
pub fn py_split(s: &str, sep: Option<&str>, max: i64) -> R<Vec<String>> {
    match sep {
        None => {
            let mut out = Vec::new();
            let mut rest = s.trim_start_matches(py_space);
            let mut splits = 0;
            while !rest.is_empty() {
                if max >= 0 && splits >= max {
                    out.push(rest.to_string());
                    return Ok(out);
                }
                match rest.find(py_space) {
                    Some(i) => {
                        out.push(rest[..i].to_string());
                        rest = rest[i..].trim_start_matches(py_space);
                        splits += 1;
                    }
                    None => {
                        out.push(rest.to_string());
                        rest = "";
                    }
                }
            }
            Ok(out)
        }
        Some("") => err(ErrorKind::Value, "empty separator"),
        Some(sep) => {
            if max < 0 {
                Ok(s.split(sep).map(String::from).collect())
            } else {
                Ok(s.splitn(max as usize + 1, sep).map(String::from).collect())
            }
        }
    }
}

/// Python `str.rsplit(sep, maxsplit)`.
pub fn py_rsplit(s: &str, sep: Option<&str>, max: i64) -> R<Vec<String>> {
    if max < 0 {
        return py_split(s, sep, max);
    }
    match sep {
        None => {
            let mut out = Vec::new();
            let mut rest = s.trim_end_matches(py_space);
            let mut splits = 0;
            while !rest.is_empty() {
                if splits >= max {
                    out.push(rest.to_string());
                    break;
                }
                match rest.rfind(py_space) {
                    Some(i) => {
                        let w = rest[i..].chars().next().map_or(1, char::len_utf8);
                        out.push(rest[i + w..].to_string());
                        rest = rest[..i].trim_end_matches(py_space);
                        splits += 1;
                    }
                    None => {
                        out.push(rest.to_string());
                        rest = "";
                    }
                }
            }
            out.reverse();
            Ok(out)
        }
        Some("") => err(ErrorKind::Value, "empty separator"),
        Some(sep) => {
            let mut v: Vec<String> = s.rsplitn(max as usize + 1, sep).map(String::from).collect();
            v.reverse();
            Ok(v)
        }
    }
}

/// Python `str.strip(chars)` family; `which`: 0 both, 1 left, 2 right.
pub fn py_strip(s: &str, chars: Option<&str>, which: u8) -> String {
    let pred = |c: char| match chars {
        None => py_space(c),
        Some(cs) => cs.contains(c),
    };
    match which {
        1 => s.trim_start_matches(pred).to_string(),
        2 => s.trim_end_matches(pred).to_string(),
        _ => s.trim_matches(pred).to_string(),
    }
}

/// Python `str.find(sub, start, end)` in characters.
fn py_find(s: &str, sub: &str, start: i64, end: Option<i64>, rev: bool) -> i64 {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let norm = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) };
    // a start past the end finds nothing, not even the empty string
    let st = if start < 0 { (start + n).max(0) } else { start };
    let en = end.map_or(n, norm);
    if st > en {
        return -1;
    }
    let hay: String = chars[st as usize..en as usize].iter().collect();
    let found = if rev { hay.rfind(sub) } else { hay.find(sub) };
    match found {
        Some(b) => st + hay[..b].chars().count() as i64,
        None => -1,
    }
}

fn upper(s: &str) -> String {
    s.to_uppercase()
}

pub fn call<'a>(it: &mut Interp<'a>, name: &str, a: &Args<'a>) -> R<Option<V>> {
    let n = a.pos.len();
    macro_rules! st {
        ($i:expr) => {
            match s_arg(it, a, $i)? {
                Some(s) => s,
                None => return Ok(None),
            }
        };
    }
    macro_rules! opt_st {
        ($i:expr) => {
            if n > $i {
                match it.arg(a, $i)? {
                    V::Str(s) => Some(s),
                    V::Null => None,
                    _ => return Ok(None),
                }
            } else {
                None
            }
        };
    }
    macro_rules! int {
        ($i:expr, $d:expr) => {
            if n > $i {
                match it.arg(a, $i)? {
                    V::Int(i) => i,
                    V::Big(b) => crate::expr::yaql::lib::big_clamp(&b),
                    _ => return Ok(None),
                }
            } else {
                $d
            }
        };
    }
    // a count Python hands to C as a ssize_t: beyond it, OverflowError
    macro_rules! count {
        ($i:expr, $d:expr) => {
            match if n > $i { Some(it.arg(a, $i)?) } else { None } {
                None => $d,
                Some(V::Int(i)) => i,
                Some(V::Bool(b)) => i64::from(b),
                Some(V::Big(_)) => {
                    return err(
                        ErrorKind::Overflow,
                        "Python int too large to convert to C ssize_t",
                    );
                }
                Some(_) => return Ok(None),
            }
        };
    }
    // regex receivers first
    if a.method
        && n >= 1
        && let Some(re) = regex_of(&it.arg(a, 0)?)?
    {
        return regex_method(it, name, a, re);
    }
    Ok(Some(match name {
        "toUpper" if arity(a, 1, 1) => V::string(upper(&st!(0))),
        "toLower" if arity(a, 1, 1) => V::string(st!(0).to_lowercase()),
        "split" | "rightSplit" if arity(a, 1, 3) => {
            let s = st!(0);
            if n >= 2
                && let V::Regex(re) = it.arg(a, 1)?
            {
                let max = count!(2, 0);
                return Ok(Some(it.py_list(regex_split(&re, &s, max))));
            }
            let sep = opt_st!(1);
            let max = match it.named(a, "maxSplits")? {
                Some(_) if n > 2 => return Ok(None),
                Some(V::Int(m)) => m,
                Some(V::Big(_)) => {
                    return err(
                        ErrorKind::Overflow,
                        "Python int too large to convert to C ssize_t",
                    );
                }
                Some(_) => return Ok(None),
                None => count!(2, -1),
            };
            let parts = if name == "split" {
                py_split(&s, sep.as_deref(), max)?
            } else {
                py_rsplit(&s, sep.as_deref(), max)?
            };
            it.py_list(V::list(parts.into_iter().map(V::string).collect()))
        }
        "join" if arity(a, 2, 2) => {
            let (seq, sep) = match (it.arg(a, 0)?, it.arg(a, 1)?) {
                (V::Str(sep), seq) if seq.items().is_some() => (seq, sep),
                (seq, V::Str(sep)) if seq.items().is_some() => (seq, sep),
                _ => return Ok(None),
            };
            let parts: Vec<String> = seq.items().unwrap_or(&[]).iter().map(yaql_str).collect();
            let out = parts.join(&sep);
            it.check_size(out.len())?;
            V::string(out)
        }
        // the string `concat` is a function; as a method only the
        // collection overload exists
        "concat" if !a.method => {
            let vals = it.all_args(a)?;
            let mut out = String::new();
            for v in vals {
                match v {
                    V::Str(s) => out.push_str(&s),
                    _ => return Ok(None),
                }
            }
            it.check_size(out.len())?;
            V::string(out)
        }
        "trim" | "trimLeft" | "trimRight" if arity(a, 1, 2) => {
            let s = st!(0);
            let chars = opt_st!(1);
            let which = match name {
                "trimLeft" => 1,
                "trimRight" => 2,
                _ => 0,
            };
            V::string(py_strip(&s, chars.as_deref(), which))
        }
        "norm" if arity(a, 1, 2) => {
            let s = match it.arg(a, 0)? {
                V::Str(s) => s,
                V::Null => return Ok(Some(V::Null)),
                _ => return Ok(None),
            };
            let chars = opt_st!(1);
            let v = py_strip(&s, chars.as_deref(), 0);
            if v.is_empty() { V::Null } else { V::string(v) }
        }
        "isEmpty" if arity(a, 1, 3) => {
            // keywords are `trim` (the alias of trim_spaces) and `chars`;
            // `trim` must be a boolean, `chars` a string or null
            if a.named.iter().any(|(k, _)| k != "trim" && k != "chars") {
                return Ok(None);
            }
            let s = match it.arg(a, 0)? {
                V::Str(s) => Some(s),
                V::Null => None,
                _ => return Ok(None),
            };
            let trim = match (n > 1, it.named(a, "trim")?) {
                (true, Some(_)) => return Ok(None),
                (true, None) => it.arg(a, 1)?,
                (false, Some(v)) => v,
                (false, None) => V::Bool(true),
            };
            let V::Bool(trim) = trim else {
                return Ok(None);
            };
            let chars = match (n > 2, it.named(a, "chars")?) {
                (true, Some(_)) => return Ok(None),
                (true, None) => it.arg(a, 2)?,
                (false, Some(v)) => v,
                (false, None) => V::Null,
            };
            let chars = match chars {
                V::Str(c) => Some(c),
                V::Null => None,
                _ => return Ok(None),
            };
            let Some(s) = s else {
                return Ok(Some(V::Bool(true)));
            };
            let v = if trim {
                py_strip(&s, chars.as_deref(), 0)
            } else {
                s.to_string()
            };
            V::Bool(v.is_empty())
        }
        "replace" if (2..=4).contains(&n) && matches!(it.arg(a, 0)?, V::Str(_)) => {
            let s = st!(0);
            match it.arg(a, 1)? {
                V::Str(old) => {
                    if n < 3 {
                        return Ok(None);
                    }
                    let new = st!(2);
                    let count = count!(3, -1);
                    let out = py_replace(&s, &old, &new, count);
                    it.check_size(out.len())?;
                    V::string(out)
                }
                V::Dict(d, _) if n <= 3 => {
                    let count = count!(2, -1);
                    let mut cur = s.to_string();
                    for (k, v) in d.iter() {
                        cur = py_replace(&cur, &yaql_str(&k.0), &yaql_str(v), count);
                    }
                    V::string(cur)
                }
                V::Regex(re) => {
                    if n < 3 {
                        return Ok(None);
                    }
                    let repl = st!(2);
                    let count = count!(3, 0);
                    V::string(regex_replace(&re, &s, &repl, count))
                }
                _ => return Ok(None),
            }
        }
        "substring" if arity(a, 2, 3) => {
            let s = st!(0);
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i64;
            let mut start = int!(1, 0);
            let mut length = int!(2, -1);
            if length < 0 {
                length = len;
            }
            if start < 0 {
                start += len;
            }
            // string[start:start + length] with Python's slice rules: a
            // bound still negative counts from the end once more
            let bound = |i: i64| if i < 0 { (i + len).max(0) } else { i.min(len) };
            let (st, en) = (bound(start), bound(start.saturating_add(length)));
            let out: String = if st < en {
                chars[st as usize..en as usize].iter().collect()
            } else {
                String::new()
            };
            V::string(out)
        }
        "indexOf" | "lastIndexOf" if arity(a, 2, 4) && matches!(it.arg(a, 0)?, V::Str(_)) => {
            let s = st!(0);
            let sub = st!(1);
            let start = int!(2, 0);
            let rev = name == "lastIndexOf";
            if n == 4 {
                let len = chars_len(&s);
                let start = if start < 0 { start + len } else { start };
                let length = int!(3, 0);
                let length = if length < 0 { len - start } else { length };
                V::Int(py_find(&s, &sub, start, Some(start + length), rev))
            } else {
                V::Int(py_find(&s, &sub, start, None, rev))
            }
        }
        "toCharArray" if arity(a, 1, 1) => {
            V::list(st!(0).chars().map(|c| V::string(c.to_string())).collect())
        }
        "characters" => super::lib_coll::characters(it, a)?,
        "isString" if arity(a, 1, 1) => V::Bool(matches!(it.arg(a, 0)?, V::Str(_))),
        "startsWith" | "endsWith" if n >= 2 => {
            let s = st!(0);
            let mut res = false;
            for i in 1..n {
                let p = st!(i);
                if (name == "startsWith" && s.starts_with(&*p))
                    || (name == "endsWith" && s.ends_with(&*p))
                {
                    res = true;
                }
            }
            V::Bool(res)
        }
        "hex" if arity(a, 1, 1) => match it.arg(a, 0)?.to_bigint() {
            Some(b) if !matches!(it.arg(a, 0)?, V::Bool(_)) => {
                if b < num_bigint::BigInt::from(0) {
                    V::string(format!("-0x{:x}", -b))
                } else {
                    V::string(format!("0x{b:x}"))
                }
            }
            // a float or null passes yaql's number check; Python's hex() refuses it
            _ if matches!(it.arg(a, 0)?, V::Float(_) | V::Null) => {
                let t = if matches!(it.arg(a, 0)?, V::Null) {
                    "NoneType"
                } else {
                    "float"
                };
                return err(
                    ErrorKind::Type,
                    format!("'{t}' object cannot be interpreted as an integer"),
                );
            }
            _ => return Ok(None),
        },
        "regex" if n == 1 => {
            // yaql names the flags in camelCase; `ignore_case =>` matches no overload
            if a.named
                .iter()
                .any(|(k, _)| !["ignoreCase", "multiLine", "dotAll"].contains(&k.as_str()))
            {
                return Ok(None);
            }
            let p = st!(0);
            let mut flags = String::new();
            if it.named(a, "ignoreCase")?.is_some_and(|v| v.truthy()) {
                flags.push('i');
            }
            if it.named(a, "multiLine")?.is_some_and(|v| v.truthy()) {
                flags.push('m');
            }
            if it.named(a, "dotAll")?.is_some_and(|v| v.truthy()) {
                flags.push('s');
            }
            V::Regex(compile(&p, &flags)?)
        }
        "matches" if arity(a, 2, 2) => {
            let s = st!(0);
            let re = match it.arg(a, 1)? {
                V::Regex(r) => r,
                V::Str(p) => compile(&p, "")?,
                _ => return Ok(None),
            };
            V::Bool(re.re.is_match(&s))
        }
        "escapeRegex" if arity(a, 1, 1) => V::string(py_escape(&st!(0))),
        "isRegex" if arity(a, 1, 1) => V::Bool(matches!(it.arg(a, 0)?, V::Regex(_))),
        "replaceBy" if (3..=4).contains(&n) => {
            let s = st!(0);
            let re = match it.arg(a, 1)? {
                V::Regex(r) => r,
                V::Str(p) => compile(&p, "")?,
                _ => return Ok(None),
            };
            let count = count!(3, 0);
            replace_by(it, a, &re, &s, 2, count)?
        }
        _ => return Ok(None),
    }))
}

fn regex_method<'a>(it: &mut Interp<'a>, name: &str, a: &Args<'a>, re: Rc<RegexV>) -> R<Option<V>> {
    let n = a.pos.len();
    let s = match it.arg(a, 1)? {
        V::Str(s) if n >= 2 => s,
        _ => return Ok(None),
    };
    Ok(Some(match name {
        "matches" if n == 2 => V::Bool(re.re.is_match(&s)),
        "search" if (2..=3).contains(&n) => match re.re.captures(&s) {
            Some(c) => {
                if n == 3 {
                    let m = match_params(&re.re, &c, &s)?;
                    it.lam(&a.pos[2].clone(), a.sc, &m)?
                } else {
                    group_value(&c)
                }
            }
            None => V::Null,
        },
        "searchAll" if (2..=3).contains(&n) => {
            let mut out = Vec::new();
            for c in py_captures(&re.re, &s) {
                let v = if n == 3 {
                    let m = match_params(&re.re, &c, &s)?;
                    it.lam(&a.pos[2].clone(), a.sc, &m)?
                } else {
                    group_value(&c)
                };
                out.push(v);
                it.check_size(out.len())?;
            }
            V::iter(out)
        }
        "split" if (2..=3).contains(&n) => {
            let max = if n == 3 {
                match it.arg(a, 2)? {
                    V::Int(i) => i,
                    V::Big(_) => {
                        return err(
                            ErrorKind::Overflow,
                            "Python int too large to convert to C ssize_t",
                        );
                    }
                    _ => return Ok(None),
                }
            } else {
                0
            };
            it.py_list(regex_split(&re, &s, max))
        }
        "replace" if (3..=4).contains(&n) => {
            let V::Str(repl) = it.arg(a, 2)? else {
                return Ok(None);
            };
            let count = if n == 4 {
                match it.arg(a, 3)? {
                    V::Int(i) => i,
                    V::Big(b) => crate::expr::yaql::lib::big_clamp(&b),
                    _ => return Ok(None),
                }
            } else {
                0
            };
            V::string(regex_replace(&re, &s, &repl, count))
        }
        "replaceBy" if (3..=4).contains(&n) => {
            let count = if n == 4 {
                match it.arg(a, 3)? {
                    V::Int(i) => i,
                    V::Big(b) => crate::expr::yaql::lib::big_clamp(&b),
                    _ => return Ok(None),
                }
            } else {
                0
            };
            replace_by(it, a, &re, &s, 2, count)?
        }
        _ => return Ok(None),
    }))
}

fn replace_by<'a>(
    it: &mut Interp<'a>,
    a: &Args<'a>,
    re: &RegexV,
    s: &str,
    lam: usize,
    count: i64,
) -> R<V> {
    // re.sub: a negative count replaces nothing; the function must
    // return strings
    if count < 0 {
        return Ok(V::str(s));
    }
    let mut out = String::new();
    let mut last = 0;
    let mut items = 0usize;
    for (done, c) in py_captures(&re.re, s).into_iter().enumerate() {
        if count > 0 && done as i64 >= count {
            break;
        }
        let Some(m) = c.get(0) else { continue };
        // re.sub joins a list of the non-empty text between matches and
        // each replacement (None is left out); the join names the index of
        // the first item that is not a string
        if m.start() > last {
            items += 1;
        }
        out.push_str(&s[last..m.start()]);
        match it.lam(&a.pos[lam].clone(), a.sc, &match_params(&re.re, &c, s)?)? {
            V::Str(r) => {
                items += 1;
                out.push_str(&r);
            }
            V::Null => {}
            other => {
                return err(
                    ErrorKind::Type,
                    format!(
                        "sequence item {items}: expected str instance, {} found",
                        other.type_name()
                    ),
                );
            }
        }
        last = m.end();
    }
    out.push_str(&s[last..]);
    Ok(V::string(out))
}

/// Python `re.split`: the text of every group follows each piece (null
/// for a group that did not take part); `max` 0 means all, a negative
/// `max` splits nothing.
fn regex_split(re: &RegexV, s: &str, max: i64) -> V {
    if max < 0 {
        return V::list(vec![V::str(s)]);
    }
    let mut out = Vec::new();
    let mut last = 0;
    let mut count = 0;
    for c in py_captures(&re.re, s) {
        let Some(m) = c.get(0) else { continue };
        if max > 0 && count >= max {
            break;
        }
        out.push(V::str(&s[last..m.start()]));
        for g in c.iter().skip(1) {
            out.push(g.map_or(V::Null, |g| V::str(g.as_str())));
        }
        last = m.end();
        count += 1;
    }
    out.push(V::str(&s[last..]));
    V::list(out)
}

/// Python `str.replace(old, new, count)`.
pub fn py_replace(s: &str, old: &str, new: &str, count: i64) -> String {
    if count < 0 {
        if old.is_empty() {
            let mut out = String::from(new);
            for c in s.chars() {
                out.push(c);
                out.push_str(new);
            }
            return out;
        }
        return s.replace(old, new);
    }
    if old.is_empty() {
        let mut out = String::new();
        let mut k = 0;
        for c in s.chars() {
            if (k as i64) < count {
                out.push_str(new);
                k += 1;
            }
            out.push(c);
        }
        if (k as i64) < count {
            out.push_str(new);
        }
        return out;
    }
    s.replacen(old, new, count as usize)
}
