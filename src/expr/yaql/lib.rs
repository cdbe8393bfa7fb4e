//! The YAQL standard library as Mistral configures yaql 3.2, plus Mistral's
//! functions. `dispatch` resolves a name: unknown names and calls in the
//! wrong form (function vs method) are `unknown_function`; known names with
//! arguments no overload accepts are `no_matching_function`.

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::interp::{Args, Interp, PArg, R, YErr, err};
use super::lib_num::{big_pow, py_float, py_int, py_round};
use super::parser::Arg;
use super::value::{Style, V, py_str};
use crate::expr::ErrorKind;

/// How a library name may be called.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `f(x)` only.
    F,
    /// `x.f()` only.
    M,
    /// Both.
    E,
}

use Form::{E, F, M};

/// Every library name and how it may be called.
pub const NAMES: &[(&str, Form)] = &[
    // system
    ("let", F),
    ("def", F),
    ("with", F),
    ("unpack", M),
    ("assert", M),
    ("call", F),
    // boolean
    ("bool", F),
    ("isBoolean", F),
    // math
    ("abs", F),
    ("int", F),
    ("float", F),
    ("random", F),
    ("bitwiseAnd", F),
    ("bitwiseOr", F),
    ("bitwiseXor", F),
    ("bitwiseNot", F),
    ("shiftBitsLeft", F),
    ("shiftBitsRight", F),
    ("max", E),
    ("min", E),
    ("pow", F),
    ("sign", F),
    ("round", F),
    ("isInteger", F),
    ("isNumber", F),
    // strings
    ("toUpper", M),
    ("toLower", M),
    ("len", E),
    ("split", M),
    ("rightSplit", M),
    ("join", M),
    ("str", F),
    ("concat", E),
    ("trim", M),
    ("trimLeft", M),
    ("trimRight", M),
    ("norm", E),
    ("isEmpty", E),
    ("replace", M),
    ("substring", M),
    ("indexOf", M),
    ("lastIndexOf", M),
    ("toCharArray", M),
    ("characters", F),
    ("isString", F),
    ("startsWith", M),
    ("endsWith", M),
    ("hex", F),
    // only date-times have it (yaql has no string format)
    ("format", M),
    // collections
    ("list", F),
    ("toList", M),
    ("flatten", M),
    ("dict", F),
    ("toDict", M),
    ("get", M),
    ("set", E),
    ("keys", M),
    ("values", M),
    ("items", M),
    ("contains", M),
    ("containsKey", M),
    ("containsValue", M),
    ("isDict", F),
    ("isList", F),
    ("isSet", F),
    ("delete", M),
    ("deleteAll", M),
    ("insert", M),
    ("insertMany", M),
    ("replaceMany", M),
    ("toSet", M),
    ("union", M),
    ("intersect", M),
    ("difference", M),
    ("symmetricDifference", M),
    ("add", M),
    ("remove", M),
    // queries
    ("where", M),
    ("filter", M),
    ("select", M),
    ("map", M),
    ("skip", M),
    ("limit", M),
    ("take", M),
    ("append", E),
    ("distinct", E),
    ("enumerate", E),
    ("any", E),
    ("all", E),
    ("count", M),
    ("memorize", M),
    ("sum", M),
    ("first", M),
    ("single", M),
    ("last", M),
    ("selectMany", M),
    ("range", F),
    ("sequence", F),
    ("orderBy", M),
    ("orderByDescending", M),
    ("thenBy", M),
    ("thenByDescending", M),
    ("groupBy", M),
    ("zip", M),
    ("zipLongest", M),
    ("repeat", M),
    ("cycle", M),
    ("takeWhile", M),
    ("skipWhile", M),
    ("indexWhere", M),
    ("lastIndexWhere", M),
    ("slice", M),
    ("splitWhere", M),
    ("sliceWhere", M),
    ("splitAt", M),
    ("aggregate", M),
    ("reduce", M),
    ("accumulate", M),
    ("reverse", M),
    ("mergeWith", M),
    ("isIterable", F),
    ("generate", F),
    ("generateMany", F),
    ("defaultIfEmpty", M),
    // regex
    ("regex", F),
    ("matches", M),
    ("search", M),
    ("searchAll", M),
    ("replaceBy", M),
    ("escapeRegex", F),
    ("isRegex", F),
    // branching
    ("switch", F),
    ("selectCase", F),
    ("switchCase", M),
    ("selectAllCases", F),
    ("examine", F),
    ("coalesce", F),
    // date and time
    ("datetime", F),
    ("timespan", F),
    ("now", F),
    ("localtz", F),
    ("utctz", F),
    ("isDatetime", F),
    ("isTimespan", F),
    ("replace", M),
    // Mistral
    ("env", F),
    ("execution", F),
    ("executions", F),
    ("task", F),
    ("tasks", F),
    ("global", F),
    ("uuid", F),
    ("json_dump", F),
    ("json_parse", F),
    ("yaml_dump", F),
    ("yaml_parse", F),
    ("json_encode", F),
    ("json_decode", F),
];

fn form_of(name: &str) -> Option<Form> {
    let mut found: Option<Form> = None;
    for (n, f) in NAMES {
        if *n == name {
            found = Some(match (found, *f) {
                (None, f) => f,
                (Some(a), b) if a == b => a,
                _ => E,
            });
        }
    }
    found
}

/// The Python class of a yaql value, with its module (`full`) as `<class
/// …>` prints it or without: yaql's own dicts are `FrozenDict`s.
pub(crate) fn class_of(v: &V, full: bool) -> &'static str {
    match v {
        V::Dict(_, super::value::DictKind::Frozen) if full => "yaql.language.utils.FrozenDict",
        V::Dict(_, super::value::DictKind::Frozen) => "FrozenDict",
        other => other.type_name(),
    }
}

/// The receiver as yaql's messages show it (`str()` of the Python
/// object: a lazy result names its class), cut at 4096 characters.
pub fn recv_repr(it: &Interp<'_>, v: &V) -> String {
    let s = it.lazy_repr(v).unwrap_or_else(|| {
        let s = py_str(v, Style::Yaql);
        // a Python list (what split() returns) shows in brackets
        match s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            Some(inner) if it.is_py_list(v) => {
                format!("[{}]", inner.strip_suffix(',').unwrap_or(inner))
            }
            _ => s,
        }
    });
    if s.chars().count() > 4096 {
        s.chars().take(4096).collect()
    } else {
        s
    }
}

/// The "no overload matches" error for this call.
pub fn nm(it: &Interp<'_>, name: &str, a: &Args<'_>, recv: Option<&V>) -> YErr {
    let msg = match (a.method, recv) {
        (true, Some(r)) => {
            format!(
                "No method \"{name}\" for receiver {} matches supplied arguments",
                recv_repr(it, r)
            )
        }
        _ => format!("No function \"{name}\" matches supplied arguments"),
    };
    YErr {
        kind: ErrorKind::NoMatchingFunction,
        msg,
    }
}

pub fn dispatch<'a>(it: &mut Interp<'a>, name: &str, a: Args<'a>) -> R<V> {
    let recv = if a.method { Some(it.arg(&a, 0)?) } else { None };
    match form_of(name) {
        None => {
            return match &recv {
                Some(r) => err(
                    ErrorKind::UnknownFunction,
                    format!(
                        "Unknown method \"{name}\" for receiver {}",
                        recv_repr(it, r)
                    ),
                ),
                None => err(
                    ErrorKind::UnknownFunction,
                    format!("Unknown function \"{name}\""),
                ),
            };
        }
        Some(F) if a.method => {
            return err(
                ErrorKind::UnknownFunction,
                format!(
                    "Unknown method \"{name}\" for receiver {}",
                    recv.as_ref().map(|r| recv_repr(it, r)).unwrap_or_default()
                ),
            );
        }
        Some(M) if !a.method => {
            return err(
                ErrorKind::UnknownFunction,
                format!("Unknown function \"{name}\""),
            );
        }
        _ => {}
    }
    let mut a = a;
    if let Some(r) = &recv {
        a.pos[0] = super::interp::PArg::Val(r.clone());
    }
    let r = match basic(it, name, &a)? {
        Some(v) => Some(v),
        None => match super::lib_query::call(it, name, &a)?
            .map_or_else(|| super::lib_coll::call(it, name, &a), |v| Ok(Some(v)))?
        {
            Some(v) => Some(v),
            None => match super::lib_str::call(it, name, &a)? {
                Some(v) => Some(v),
                None => super::datetime::call(it, name, &a)?,
            },
        },
    };
    match r {
        Some(v) => Ok(v),
        None => Err(nm(it, name, &a, recv.as_ref())),
    }
}

/// Argument count check helper: positional count in `lo..=hi`, no named args
/// except those listed.
pub fn arity(a: &Args<'_>, lo: usize, hi: usize) -> bool {
    let n = a.pos.len();
    n >= lo
        && n <= hi
        && !a
            .pos
            .iter()
            .any(|p| matches!(p, super::interp::PArg::Missing))
}

/// A big integer used as a count or index: saturated far beyond any size.
pub fn big_clamp(b: &BigInt) -> i64 {
    if b.is_negative() {
        i64::MIN / 4
    } else {
        i64::MAX / 4
    }
}

pub fn int_arg(v: &V) -> Option<i64> {
    match v {
        V::Int(i) => Some(*i),
        // a Python bool is an int
        V::Bool(b) => Some(i64::from(*b)),
        V::Big(b) => Some(if b.is_negative() { i64::MIN } else { i64::MAX }),
        _ => None,
    }
}

/// yaql `str(x)`.
pub fn yaql_str(v: &V) -> String {
    match v {
        V::Null => "null".into(),
        V::Bool(true) => "true".into(),
        V::Bool(false) => "false".into(),
        other => py_str(other, Style::Yaql),
    }
}

/// yaql `call(name, args, kwargs[, receiver])`: calls the function `name`
/// (a library function or a `def`) with the values of `args` as positional
/// arguments, or the method `name` on `receiver`. Keyword arguments need
/// expressions this evaluator cannot build from values, so a non-empty
/// `kwargs` is refused.
fn call_by_name<'a>(it: &mut Interp<'a>, a: &Args<'a>) -> R<Option<V>> {
    if !arity(a, 3, 4) || !a.named.is_empty() {
        return Ok(None);
    }
    // `call(name, args, kwargs, receiver)` calls the method on `receiver`
    let method = a.pos.len() == 4;
    let name = match it.arg(a, 0)? {
        V::Str(s) => s.to_string(),
        _ => return Ok(None),
    };
    let items = match it.arg(a, 1)? {
        v @ (V::List(_) | V::Iter(_)) => v.items().map(<[V]>::to_vec).unwrap_or_default(),
        _ => return Ok(None),
    };
    match it.arg(a, 2)? {
        V::Dict(d, _) if d.is_empty() => {}
        V::Dict(..) if method => return Ok(None),
        V::Dict(..) => {
            return err(
                ErrorKind::Other,
                "call() with keyword arguments is not supported",
            );
        }
        _ => return Ok(None),
    }
    let mut pos = Vec::with_capacity(items.len() + 1);
    if method {
        pos.push(PArg::Val(it.arg(a, 3)?));
    }
    pos.extend(items.into_iter().map(PArg::Val));
    let inner = Args {
        pos,
        named: Vec::new(),
        sc: a.sc,
        method,
        raw: &[],
    };
    it.call(&name, inner).map(Some)
}

/// System, boolean, math, branching and Mistral functions.
fn basic<'a>(it: &mut Interp<'a>, name: &str, a: &Args<'a>) -> R<Option<V>> {
    let n = a.pos.len();
    Ok(Some(match name {
        "let" => {
            let c = it.child(a.sc)?;
            for i in 0..n {
                let v = it.arg(a, i)?;
                it.set_var(c, &(i + 1).to_string(), v);
            }
            for (k, e) in &a.named {
                let v = it.eval(e, a.sc)?;
                it.set_var(c, k, v);
            }
            V::Ctx(c)
        }
        "call" => return call_by_name(it, a),
        "with" => {
            let c = it.child(a.sc)?;
            for i in 0..n {
                let v = it.arg(a, i)?;
                it.set_var(c, &(i + 1).to_string(), v);
            }
            V::Ctx(c)
        }
        "def" => {
            if n != 2 || !a.named.is_empty() {
                return Ok(None);
            }
            let fname = match it.arg(a, 0)? {
                V::Str(s) => s.to_string(),
                _ => return Ok(None),
            };
            match &a.pos[1] {
                super::interp::PArg::Expr(e) => it.define(a.sc, fname, e)?,
                _ => return Ok(None),
            }
        }
        "unpack" => {
            let seq = it.arg(a, 0)?;
            let Some(items) = seq.items().map(|s| s.to_vec()) else {
                return Ok(None);
            };
            let c = it.child(a.sc)?;
            if n > 1 {
                if n - 1 != items.len() {
                    return err(
                        ErrorKind::Value,
                        format!(
                            "Cannot unpack {} elements into {}",
                            items.len().min(n),
                            n - 1
                        ),
                    );
                }
                for i in 1..n {
                    let key = match it.arg(a, i)? {
                        V::Str(s) => s.to_string(),
                        _ => return Ok(None),
                    };
                    it.set_var(c, &key, items[i - 1].clone());
                }
            } else {
                for (i, v) in items.into_iter().enumerate() {
                    it.set_var(c, &(i + 1).to_string(), v);
                }
            }
            V::Ctx(c)
        }
        "assert" => {
            let obj = it.arg(a, 0)?;
            if n < 2 {
                return Ok(None);
            }
            let ok = it.lam(&a.pos[1].clone(), a.sc, std::slice::from_ref(&obj))?;
            if !ok.truthy() {
                let msg = if n > 2 {
                    yaql_str(&it.arg(a, 2)?)
                } else {
                    "Assertion failed".into()
                };
                return err(ErrorKind::Assertion, msg);
            }
            obj
        }
        "bool" if arity(a, 1, 1) => V::Bool(it.arg(a, 0)?.truthy()),
        "isBoolean" if arity(a, 1, 1) => V::Bool(matches!(it.arg(a, 0)?, V::Bool(_))),
        "isInteger" if arity(a, 1, 1) => V::Bool(it.arg(a, 0)?.is_int()),
        "isNumber" if arity(a, 1, 1) => V::Bool(it.arg(a, 0)?.is_number()),
        "abs" if arity(a, 1, 1) => super::ops::abs(&it.arg(a, 0)?)?,
        "int" if arity(a, 1, 1) => py_int(&it.arg(a, 0)?)?,
        "float" if arity(a, 1, 1) => py_float(&it.arg(a, 0)?)?,
        "str" if arity(a, 1, 1) => {
            let v = it.arg(a, 0)?;
            match it.view_of(&v) {
                Some(w) if w.kind.starts_with("dict_") => {
                    V::string(it.lazy_repr(&v).unwrap_or_default())
                }
                Some(w) => V::string(format!("{}({})", w.kind, yaql_str(&w.dict))),
                None => V::string(yaql_str(&v)),
            }
        }
        "sign" if arity(a, 1, 1) => {
            let v = it.arg(a, 0)?;
            match v {
                V::Int(_) | V::Big(_) | V::Float(_) => {
                    let f = v.as_f64().unwrap_or(0.0);
                    V::Int(if f > 0.0 {
                        1
                    } else if f < 0.0 {
                        -1
                    } else {
                        0
                    })
                }
                _ => return Ok(None),
            }
        }
        "round" if arity(a, 1, 2) => {
            let v = it.arg(a, 0)?;
            if !v.is_number() {
                return Ok(None);
            }
            let nd = if n > 1 {
                match it.arg(a, 1)? {
                    V::Int(i) => i,
                    V::Bool(b) => i64::from(b),
                    V::Big(b) => crate::expr::yaql::lib::big_clamp(&b),
                    _ => return Ok(None),
                }
            } else {
                0
            };
            py_round(&v, nd)?
        }
        "pow" if arity(a, 2, 3) => {
            let b = it.arg(a, 0)?;
            let e = it.arg(a, 1)?;
            if n == 3 {
                let m = it.arg(a, 2)?;
                match (b.to_bigint(), e.to_bigint(), m.to_bigint()) {
                    (Some(x), Some(y), Some(z)) if b.is_int() && e.is_int() && m.is_int() => {
                        if z.is_zero() {
                            return err(ErrorKind::Value, "pow() 3rd argument cannot be 0");
                        }
                        if y.is_negative() {
                            return err(
                                ErrorKind::Value,
                                "base is not invertible for the given modulus",
                            );
                        }
                        let r = x.modpow(&y, &z);
                        let r = if !r.is_zero() && (r.is_negative() != z.is_negative()) {
                            r + z
                        } else {
                            r
                        };
                        V::big(r)
                    }
                    // yaql's pow takes numbers; Python's three-argument
                    // pow refuses floats
                    _ if [&b, &e, &m].iter().all(|v| v.is_number()) => {
                        return err(
                            ErrorKind::Type,
                            "pow() 3rd argument not allowed unless all arguments are integers",
                        );
                    }
                    _ => return Ok(None),
                }
            } else {
                match big_pow(&b, &e)? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
        }
        "max" | "min" if !a.method && arity(a, 2, 2) => {
            let x = it.arg(a, 0)?;
            let y = it.arg(a, 1)?;
            // yaql's max/min take any two values and compare them with
            // `#operator_>`: values it cannot compare fail there.
            let Some(o) = super::ops::order(&x, &y) else {
                return err(
                    ErrorKind::NoMatchingFunction,
                    "No function \"#operator_>\" matches supplied arguments",
                );
            };
            let pick_y = if name == "max" {
                o == std::cmp::Ordering::Less
            } else {
                o == std::cmp::Ordering::Greater
            };
            if matches!(x, V::Null) || matches!(y, V::Null) {
                // yaql compares with null through its operators: null is below everything
            }
            if pick_y { y } else { x }
        }
        "random" => {
            let r = rand_f64();
            if n == 2 {
                let (lo, hi) = (it.arg(a, 0)?, it.arg(a, 1)?);
                super::lib_num::random_int(&lo, &hi, r)?
            } else {
                V::Float(r)
            }
        }
        "bitwiseAnd" | "bitwiseOr" | "bitwiseXor" | "shiftBitsLeft" | "shiftBitsRight"
            if arity(a, 2, 2) =>
        {
            let x = it.arg(a, 0)?.to_bigint();
            let y = it.arg(a, 1)?.to_bigint();
            let (Some(x), Some(y)) = (x, y) else {
                return Ok(None);
            };
            if name.starts_with("shift") && y.is_negative() {
                return err(ErrorKind::Value, "negative shift count");
            }
            V::big(match name {
                "bitwiseAnd" => x & y,
                "bitwiseOr" => x | y,
                "bitwiseXor" => x ^ y,
                "shiftBitsLeft" => {
                    let s = y.to_u32().unwrap_or(u32::MAX);
                    if s > 1 << 16 {
                        return err(ErrorKind::Limit, "size limit exceeded: shift too large");
                    }
                    x << s
                }
                _ => x >> y.to_u32().unwrap_or(u32::MAX).min(1 << 20),
            })
        }
        "bitwiseNot" if arity(a, 1, 1) => match it.arg(a, 0)?.to_bigint() {
            Some(x) => V::big(-x - 1),
            None => return Ok(None),
        },
        "switch" => {
            for arg in a.raw {
                let Arg::Named(cond, val) = arg else {
                    return Ok(None);
                };
                if it.eval(cond, a.sc)?.truthy() {
                    return Ok(Some(it.eval(val, a.sc)?));
                }
            }
            V::Null
        }
        "selectAllCases" => {
            let vals = it.all_args(a)?;
            V::iter(
                vals.iter()
                    .enumerate()
                    .filter(|(_, v)| v.truthy())
                    .map(|(i, _)| V::Int(i as i64))
                    .collect(),
            )
        }
        "examine" => {
            let vals = it.all_args(a)?;
            V::iter(vals.iter().map(|v| V::Bool(v.truthy())).collect())
        }
        // the predicates after the first true one stay unevaluated
        "selectCase" => {
            let mut idx = n;
            for i in 0..n {
                if it.arg(a, i)?.truthy() {
                    idx = i;
                    break;
                }
            }
            V::Int(idx as i64)
        }
        "switchCase" => {
            let case = it.arg(a, 0)?;
            let idx = match case {
                V::Int(i) => i,
                V::Bool(b) => i64::from(b),
                V::Big(b) => crate::expr::yaql::lib::big_clamp(&b),
                _ => return Ok(None),
            };
            if n < 2 {
                return Ok(None);
            }
            let k = if idx >= 0 && ((idx + 1) as usize) < n {
                (idx + 1) as usize
            } else {
                n - 1
            };
            it.arg(a, k)?
        }
        "coalesce" => {
            let mut out = V::Null;
            for i in 0..n {
                let v = it.arg(a, i)?;
                if !matches!(v, V::Null) {
                    out = v;
                    break;
                }
            }
            out
        }
        "env" if n == 0 => {
            // Mistral's env() is its own dict: its lists are Python lists
            let env = it.env.clone();
            it.note_py_lists(&env);
            env
        }
        "execution" if n == 0 => match it.host {
            Some(h) => V::from_json_plain(&h.execution()),
            None => super::lib_mistral::without_execution(it)?,
        },
        "task" if n <= 1 => {
            let tname = if n == 1 {
                match it.arg(a, 0)? {
                    V::Str(s) => Some(s.to_string()),
                    V::Null => None,
                    _ => return Ok(None),
                }
            } else {
                match it.named(a, "task_name")? {
                    Some(V::Str(s)) => Some(s.to_string()),
                    _ => None,
                }
            };
            match it.host {
                Some(h) => V::from_json_plain(&h.task(tname.as_deref())),
                None => super::lib_mistral::without_execution(it)?,
            }
        }
        "tasks" if n <= 4 => match super::lib_mistral::tasks(it, a, n)? {
            Some(v) => v,
            None => return Ok(None),
        },
        "executions" => V::list(vec![]),
        "global" if n == 1 => {
            let gname = yaql_str(&it.arg(a, 0)?);
            match it.host {
                Some(h) => V::from_json_plain(&h.global(&gname)),
                None => super::lib_mistral::without_execution(it)?,
            }
        }
        "uuid" if n == 0 => V::string(uuid::Uuid::new_v4().to_string()),
        "json_dump" | "json_encode" if n == 1 => {
            let v = super::lib_mistral::json_dump_value(&it.arg(a, 0)?);
            V::string(crate::expr::pyjson::dumps(&v.to_json(), Some(4)))
        }
        "json_parse" | "json_decode" if n == 1 => {
            let s = it.arg(a, 0)?;
            let V::Str(s) = s else {
                // oslo's `jsonutils.loads` decodes text first
                return err(
                    ErrorKind::Type,
                    format!("<class '{}'> can't be decoded", class_of(&s, true)),
                );
            };
            match crate::expr::pyjson::loads(&s) {
                // what the parsers return holds Python lists
                Ok(j) => {
                    let v = V::from_json_plain(&j);
                    it.note_py_lists(&v);
                    v
                }
                Err(e) => return err(ErrorKind::Value, e),
            }
        }
        "yaml_dump" if n == 1 => {
            let v = it.arg(a, 0)?;
            super::lib_mistral::yaml_dump(it, &v)?
        }
        "yaml_parse" if n == 1 => {
            let s = it.arg(a, 0)?;
            let V::Str(s) = s else {
                // PyYAML reads anything but text as a stream
                return err(
                    ErrorKind::Type,
                    format!("'{}' object has no attribute 'read'", class_of(&s, false)),
                );
            };
            match crate::expr::pyjson::yaml_load(&s) {
                Ok(j) => {
                    let v = V::from_json_plain(&j);
                    it.note_py_lists(&v);
                    v
                }
                Err(e) => return err(ErrorKind::Value, e),
            }
        }
        _ => return Ok(None),
    }))
}

fn rand_f64() -> f64 {
    let u = uuid::Uuid::new_v4();
    let b = u.as_u128() >> 75;
    b as f64 / (1u64 << 53) as f64
}
