//! YAQL runtime values: the Python objects yaql works on (ints of any size,
//! floats, strings, tuples, lazy sequences, frozensets, dicts, regexes,
//! contexts), with Python's equality, hashing, ordering and `repr`.
//! Values live only during one evaluation (`Rc`, never shared across threads).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use indexmap::IndexMap;
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};
use serde_json::Value as Json;

use super::pyset::PyTable;

/// A compiled regular expression value (`regex(...)`).
#[derive(Debug)]
pub struct RegexV {
    pub pattern: String,
    pub re: regex::Regex,
    /// The inline flags it was compiled with (`i`, `m`, `s`, `x`).
    pub flags: String,
}

/// One YAQL value.
#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer outside `i64` (always normalised: never fits `i64`).
    Big(Rc<BigInt>),
    Float(f64),
    Str(Rc<str>),
    /// A tuple or list: indexable.
    List(Rc<Vec<V>>),
    /// A lazy sequence (Python generator / map object), already computed:
    /// iterable but not indexable, always truthy.
    Iter(Rc<Vec<V>>),
    /// A frozenset: unique elements in iteration order, with the CPython
    /// table they sit in when every hash is known ([`PyTable`]), else in
    /// the order of first appearance.
    Set(Rc<Vec<V>>, Option<Rc<PyTable>>),
    Dict(Rc<IndexMap<Key, V>>, DictKind),
    Regex(Rc<RegexV>),
    /// A context object (from `let`, `def`, `with`): index into the
    /// interpreter's scope arena.
    Ctx(usize),
    /// A date-time as seconds since the epoch (UTC) plus microseconds.
    DateTime(super::datetime::Dt),
    /// A time span in microseconds.
    TimeSpan(i64),
}

/// Which Python type a yaql dictionary is: yaql's own `FrozenDict` (dict
/// literals, `dict()`, the input data) or a plain `dict` (what `toDict`,
/// `delete`, `deleteAll`, `mergeWith`, the parsers and Mistral's functions
/// return). Only `json_dump` tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DictKind {
    Frozen,
    Plain,
}

/// A dictionary key with Python's hash/equality (`1`, `1.0` and `true` are one key).
#[derive(Clone, Debug)]
pub struct Key(pub V);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        py_eq(&self.0, &other.0)
    }
}
impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state)
    }
}

fn hash_value<H: Hasher>(v: &V, state: &mut H) {
    match v {
        V::Null => 0u8.hash(state),
        V::Bool(b) => (*b as i64).hash(state),
        V::Int(i) => i.hash(state),
        V::Big(b) => b.hash(state),
        V::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                (*f as i64).hash(state)
            } else {
                f.to_bits().hash(state)
            }
        }
        V::Str(s) => s.hash(state),
        V::List(l) | V::Iter(l) => {
            1u8.hash(state);
            for x in l.iter() {
                hash_value(x, state)
            }
        }
        V::Set(s, _) => {
            2u8.hash(state);
            s.len().hash(state)
        }
        V::Dict(d, _) => {
            3u8.hash(state);
            d.len().hash(state)
        }
        V::Regex(r) => r.pattern.hash(state),
        V::Ctx(c) => c.hash(state),
        V::DateTime(d) => d.hash(state),
        V::TimeSpan(t) => t.hash(state),
    }
}

impl V {
    pub fn str(s: &str) -> V {
        V::Str(Rc::from(s))
    }
    pub fn string(s: String) -> V {
        V::Str(Rc::from(s))
    }
    pub fn list(v: Vec<V>) -> V {
        V::List(Rc::new(v))
    }
    pub fn iter(v: Vec<V>) -> V {
        V::Iter(Rc::new(v))
    }
    pub fn big(b: BigInt) -> V {
        match b.to_i64() {
            Some(i) => V::Int(i),
            None => V::Big(Rc::new(b)),
        }
    }
    /// A set from values added one by one (`frozenset(iterable)`): in
    /// Python's iteration order when every hash is known ([`PyTable`]),
    /// else in the order of first appearance.
    pub fn set_from(items: impl IntoIterator<Item = V>) -> V {
        let items: Vec<V> = items.into_iter().collect();
        if let Some(t) = PyTable::from_adds(items.clone()) {
            return t.into_value();
        }
        let mut seen: indexmap::IndexSet<Key> = indexmap::IndexSet::new();
        for i in items {
            seen.insert(Key(i));
        }
        V::Set(Rc::new(seen.into_iter().map(|k| k.0).collect()), None)
    }

    /// Python type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "NoneType",
            V::Bool(_) => "bool",
            V::Int(_) | V::Big(_) => "int",
            V::Float(_) => "float",
            V::Str(_) => "str",
            V::List(_) => "tuple",
            V::Iter(_) => "generator",
            V::Set(..) => "frozenset",
            V::Dict(..) => "dict",
            V::Regex(_) => "re.Pattern",
            V::Ctx(_) => "Context",
            V::DateTime(_) => "datetime",
            V::TimeSpan(_) => "timedelta",
        }
    }

    pub fn is_number(&self) -> bool {
        matches!(self, V::Int(_) | V::Big(_) | V::Float(_))
    }
    pub fn is_int(&self) -> bool {
        matches!(self, V::Int(_) | V::Big(_))
    }

    /// Items of an iterable (lists, lazy sequences, sets); `None` for
    /// strings, dicts and scalars (yaql's `Iterable()` with dicts not iterable).
    pub fn items(&self) -> Option<&[V]> {
        match self {
            V::List(l) | V::Iter(l) | V::Set(l, _) => Some(l),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Big(b) => b.to_f64(),
            V::Float(f) => Some(*f),
            V::Bool(b) => Some(*b as i64 as f64),
            _ => None,
        }
    }

    pub fn to_bigint(&self) -> Option<BigInt> {
        match self {
            V::Int(i) => Some(BigInt::from(*i)),
            V::Big(b) => Some((**b).clone()),
            V::Bool(b) => Some(BigInt::from(*b as i64)),
            _ => None,
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Big(_) => true,
            V::Float(f) => *f != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) | V::Set(l, _) => !l.is_empty(),
            V::Iter(_) => true,
            V::Dict(d, _) => !d.is_empty(),
            V::TimeSpan(t) => *t != 0,
            V::Regex(_) | V::Ctx(_) | V::DateTime(_) => true,
        }
    }

    /// Converts workflow data (JSON) into a YAQL value, dictionaries
    /// frozen (yaql's conversion of the input data).
    pub fn from_json(j: &Json) -> V {
        V::from_json_as(j, DictKind::Frozen)
    }

    /// Converts JSON a Python function made (a parser, a Mistral function)
    /// into a YAQL value, dictionaries plain.
    pub fn from_json_plain(j: &Json) -> V {
        V::from_json_as(j, DictKind::Plain)
    }

    fn from_json_as(j: &Json, kind: DictKind) -> V {
        match j {
            Json::Null => V::Null,
            Json::Bool(b) => V::Bool(*b),
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    V::Int(i)
                } else if let Some(u) = n.as_u64() {
                    V::big(BigInt::from(u))
                } else {
                    let s = n.to_string();
                    if !s.contains(['.', 'e', 'E'])
                        && let Ok(b) = s.parse::<BigInt>()
                    {
                        return V::big(b);
                    }
                    V::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Json::String(s) => V::str(s),
            Json::Array(a) => V::list(a.iter().map(|x| V::from_json_as(x, kind)).collect()),
            Json::Object(o) => {
                let mut m = IndexMap::with_capacity(o.len());
                for (k, v) in o {
                    m.insert(Key(V::str(k)), V::from_json_as(v, kind));
                }
                V::Dict(Rc::new(m), kind)
            }
        }
    }

    /// Converts a result to JSON as Mistral's output conversion does
    /// (tuples and lazy sequences become arrays, sets become arrays).
    pub fn to_json(&self) -> Json {
        match self {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Int(i) => Json::from(*i),
            V::Big(b) => big_to_json(b),
            V::Float(f) => serde_json::Number::from_f64(*f)
                .map(Json::Number)
                .unwrap_or(Json::Null),
            V::Str(s) => Json::String(s.to_string()),
            V::List(l) | V::Iter(l) | V::Set(l, _) => {
                Json::Array(l.iter().map(V::to_json).collect())
            }
            V::Dict(d, _) => {
                let mut m = serde_json::Map::with_capacity(d.len());
                for (k, v) in d.iter() {
                    let key = match &k.0 {
                        V::Str(s) => s.to_string(),
                        other => json_key(other),
                    };
                    m.insert(key, v.to_json());
                }
                Json::Object(m)
            }
            V::Regex(r) => Json::String(r.pattern.clone()),
            V::Ctx(_) => Json::Null,
            V::DateTime(d) => Json::String(super::datetime::dt_json(d)),
            V::TimeSpan(t) => Json::from(*t as f64 / 1e6),
        }
    }
}

/// JSON text of a result (as `json.dumps` after Mistral's output
/// conversion), exact for integers of any size.
pub fn write_json(v: &V, out: &mut String) {
    match v {
        V::Int(i) => out.push_str(&i.to_string()),
        V::Big(b) => out.push_str(&b.to_string()),
        V::Float(f) if !f.is_finite() => out.push_str(if f.is_nan() {
            "NaN"
        } else if *f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }),
        V::Float(f) => out.push_str(&float_repr(*f)),
        V::List(l) | V::Iter(l) | V::Set(l, _) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(x, out);
            }
            out.push(']');
        }
        V::Dict(d, _) => {
            out.push('{');
            for (i, (k, x)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let key = match &k.0 {
                    V::Str(s) => s.to_string(),
                    other => json_key(other),
                };
                out.push_str(&Json::String(key).to_string());
                out.push_str(": ");
                write_json(x, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_json().to_string()),
    }
}

/// JSON for an integer too big for `i64`: exact when `serde_json` can hold it.
pub fn big_to_json(b: &BigInt) -> Json {
    if let Some(u) = b.to_u64() {
        return Json::from(u);
    }
    let text = b.to_string();
    if let Ok(Json::Number(n)) = serde_json::from_str::<Json>(&text)
        && n.as_f64().is_some()
        && n.to_string() == text
    {
        return Json::Number(n);
    }
    serde_json::Number::from_f64(b.to_f64().unwrap_or(f64::NAN))
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

fn json_key(v: &V) -> String {
    // json.dumps: True -> "true", None -> "null", numbers as repr
    match v {
        V::Bool(true) => "true".into(),
        V::Bool(false) => "false".into(),
        V::Null => "null".into(),
        other => repr(other, Style::Output),
    }
}

/// Python equality (`==`).
pub fn py_eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::List(x), V::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| py_eq(p, q))
        }
        // an iterator equals only itself (a list never)
        (V::Iter(x), V::Iter(y)) => Rc::ptr_eq(x, y),
        (V::Set(x, _), V::Set(y, _)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| py_eq(p, q)))
        }
        (V::Dict(x, _), V::Dict(y, _)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        (V::Regex(x), V::Regex(y)) => x.pattern == y.pattern,
        (V::Ctx(x), V::Ctx(y)) => x == y,
        (V::DateTime(x), V::DateTime(y)) => x == y,
        (V::TimeSpan(x), V::TimeSpan(y)) => x == y,
        _ => match (num_of(a), num_of(b)) {
            (Some(x), Some(y)) => num_cmp(&x, &y) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// A number (bools included) for comparisons.
pub enum Num {
    I(BigInt),
    F(f64),
}

pub fn num_of(v: &V) -> Option<Num> {
    match v {
        V::Int(i) => Some(Num::I(BigInt::from(*i))),
        V::Big(b) => Some(Num::I((**b).clone())),
        V::Bool(b) => Some(Num::I(BigInt::from(*b as i64))),
        V::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

pub fn num_cmp(a: &Num, b: &Num) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(y),
        (Num::I(x), Num::F(y)) => int_float_cmp(x, *y),
        (Num::F(x), Num::I(y)) => int_float_cmp(y, *x).map(Ordering::reverse),
    }
}

fn int_float_cmp(i: &BigInt, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let fl = f.floor();
    let fi = BigInt::from(fl as i128);
    let fi = if fl.abs() >= 1.7e38 {
        // beyond i128: go through the exact decimal expansion
        format!("{fl:.0}").parse::<BigInt>().unwrap_or(fi)
    } else {
        fi
    };
    match i.cmp(&fi) {
        Ordering::Equal => {
            if f > fl {
                Some(Ordering::Less)
            } else {
                Some(Ordering::Equal)
            }
        }
        o => Some(o),
    }
}

/// How lists and sets print: inside YAQL (`str()`: tuples, frozensets) or
/// after Mistral's output conversion (lists, sets).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Yaql,
    Output,
}

/// Python `str()` of a value.
pub fn py_str(v: &V, style: Style) -> String {
    match v {
        V::Str(s) => s.to_string(),
        other => repr(other, style),
    }
}

/// Python `repr()` of a value.
pub fn repr(v: &V, style: Style) -> String {
    let mut out = String::new();
    repr_into(v, style, &mut out);
    out
}

fn repr_into(v: &V, style: Style, out: &mut String) {
    match v {
        V::Null => out.push_str("None"),
        V::Bool(true) => out.push_str("True"),
        V::Bool(false) => out.push_str("False"),
        V::Int(i) => out.push_str(&i.to_string()),
        V::Big(b) => out.push_str(&b.to_string()),
        V::Float(f) => out.push_str(&float_repr(*f)),
        V::Str(s) => out.push_str(&str_repr(s)),
        V::List(l) | V::Iter(l) => {
            let (open, close) = if style == Style::Yaql {
                ('(', ')')
            } else {
                ('[', ']')
            };
            out.push(open);
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_into(x, style, out);
            }
            if style == Style::Yaql && l.len() == 1 {
                out.push(',');
            }
            out.push(close);
        }
        V::Set(s, _) => {
            if s.is_empty() {
                out.push_str(if style == Style::Yaql {
                    "frozenset()"
                } else {
                    "set()"
                });
                return;
            }
            if style == Style::Yaql {
                out.push_str("frozenset(");
            }
            out.push('{');
            for (i, x) in s.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_into(x, style, out);
            }
            out.push('}');
            if style == Style::Yaql {
                out.push(')');
            }
        }
        V::Dict(d, _) => {
            out.push('{');
            for (i, (k, x)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_into(&k.0, style, out);
                out.push_str(": ");
                repr_into(x, style, out);
            }
            out.push('}');
        }
        V::Regex(r) => {
            out.push_str("re.compile(");
            out.push_str(&str_repr(&r.pattern));
            // Python names the flags in the order of their values
            let names: Vec<&str> = [
                ('i', "re.IGNORECASE"),
                ('m', "re.MULTILINE"),
                ('s', "re.DOTALL"),
                ('x', "re.VERBOSE"),
            ]
            .iter()
            .filter(|(c, _)| r.flags.contains(*c))
            .map(|(_, n)| *n)
            .collect();
            if !names.is_empty() {
                out.push_str(", ");
                out.push_str(&names.join("|"));
            }
            out.push(')');
        }
        V::Ctx(_) => out.push_str("<yaql.language.contexts.Context object at 0x...>"),
        V::DateTime(d) => out.push_str(&super::datetime::dt_str(d)),
        V::TimeSpan(t) => out.push_str(&super::datetime::ts_str(*t)),
    }
}

/// Python `repr()` of a float.
pub fn float_repr(f: f64) -> String {
    crate::domain::pytext::float_repr(f)
}

/// Python `repr()` of a string.
pub fn str_repr(s: &str) -> String {
    crate::domain::pytext::str_repr(s)
}

/// Integer floor division and modulo helpers shared by operators.
pub fn is_zero(v: &V) -> bool {
    match v {
        V::Int(i) => *i == 0,
        V::Big(b) => b.is_zero(),
        V::Float(f) => *f == 0.0,
        V::Bool(b) => !*b,
        _ => false,
    }
}
