//! Python values Jinja templates can hold besides lists and dicts: `range`
//! objects (`range(0, 3)` when printed, not JSON-serialisable), dict views
//! (`dict_keys([...])`, `dict_values`, `dict_items`), and Python's `**`
//! and `*` (0 to a negative power is a ZeroDivisionError, float overflow an
//! OverflowError, sequences repeat only by an index-sized integer).

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error};

use super::jinja_ops::{Num, as_num, py_err, type_name, undefined_error};

/// A Python `range` (the sandbox's, at most 100000 items).
#[derive(Debug)]
pub(crate) struct PyRange {
    start: i128,
    stop: i128,
    step: i128,
}

impl PyRange {
    fn len(&self) -> i128 {
        // Python's range length, saturated at i128::MAX
        let (a, b, s) = (self.start, self.stop, self.step);
        let span = |hi: i128, lo: i128, step: i128| {
            hi.checked_sub(lo)
                .map(|d| (d - 1) / step + 1)
                .unwrap_or(i128::MAX)
        };
        if s > 0 && b > a {
            span(b, a, s)
        } else if s < 0 && a > b {
            span(a, b, s.checked_neg().unwrap_or(i128::MAX))
        } else {
            0
        }
    }
}

impl Object for PyRange {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let Some(Num::Int(i)) = as_num(key) else {
            return None;
        };
        let n = self.len();
        let i = if i < 0 { i + n } else { i };
        (0..n)
            .contains(&i)
            .then(|| Value::from(self.start + i * self.step))
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len() as usize)
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.step == 1 {
            write!(f, "range({}, {})", self.start, self.stop)
        } else {
            write!(f, "range({}, {}, {})", self.start, self.stop, self.step)
        }
    }
}

fn range_arg(v: &Value) -> Result<i128, Error> {
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

/// `range(stop)` / `range(start, stop[, step])`.
fn range(a: Value, b: Option<Value>, c: Option<Value>) -> Result<Value, Error> {
    let (start, stop) = match &b {
        Some(b) => (range_arg(&a)?, range_arg(b)?),
        None => (0, range_arg(&a)?),
    };
    let step = match &c {
        Some(c) => range_arg(c)?,
        None => 1,
    };
    if step == 0 {
        return Err(py_err("ValueError", "range() arg 3 must not be zero"));
    }
    let r = PyRange { start, stop, step };
    if r.len() > i128::from(i64::MAX) {
        return Err(py_err(
            "OverflowError",
            "Python int too large to convert to C ssize_t",
        ));
    }
    if r.len() > 100_000 {
        return Err(py_err(
            "OverflowError",
            "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        ));
    }
    Ok(Value::from_object(r))
}

pub(crate) fn is_range(v: &Value) -> bool {
    v.downcast_object_ref::<PyRange>().is_some()
}

/// Jinja2's plain `Undefined`, the value of `x if c` without `else` when
/// `c` is false: prints nothing, is empty and falsy, is not `defined`, and
/// fails in arithmetic (unlike the strict undefined of missing data, it
/// may be printed, iterated and compared).
#[derive(Debug)]
pub(crate) struct PlainUndefined;

impl Object for PlainUndefined {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }
    fn render(self: &Arc<Self>, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

/// The default of a macro parameter computed at the top of the body (see
/// `jinja_ast`'s `later_defaults`): the caller did not pass it.
#[derive(Debug)]
struct Later;

impl Object for Later {}

pub(crate) fn is_plain_undefined(v: &Value) -> bool {
    v.downcast_object_ref::<PlainUndefined>().is_some()
}

/// A view of a dict (`keys()`, `values()`, `items()`).
#[derive(Debug)]
pub(crate) struct DictView {
    kind: &'static str,
    items: Vec<Value>,
}

impl Object for DictView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.items.clone())
    }
    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items.len())
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = super::jinja::py_repr(&Value::from(self.items.clone()));
        write!(f, "dict_{}({inner})", self.kind)
    }
}

/// `d.keys()`, `d.values()`, `d.items()` of a mapping.
pub(crate) fn dict_view(map: &Value, method: &str) -> Option<Result<Value, Error>> {
    let kind = match method {
        "keys" => "keys",
        "values" => "values",
        "items" => "items",
        _ => return None,
    };
    let keys: Vec<Value> = match map.try_iter() {
        Ok(it) => it.collect(),
        Err(e) => return Some(Err(e)),
    };
    let items = keys
        .into_iter()
        .map(|k| {
            let v = map.get_item(&k).unwrap_or_default();
            match kind {
                "keys" => k,
                "values" => v,
                _ => Value::from_object(minijinja::value::Tuple::from(vec![k, v])),
            }
        })
        .collect();
    Some(Ok(Value::from_object(DictView { kind, items })))
}

pub(crate) fn is_view(v: &Value) -> bool {
    v.downcast_object_ref::<DictView>().is_some()
}

/// `a ** b`.
fn py_pow(a: Value, b: Value) -> Result<Value, Error> {
    if super::jinja_ops::undefined_like(&a) || super::jinja_ops::undefined_like(&b) {
        return Err(undefined_error());
    }
    let (Some(x), Some(y)) = (as_num(&a), as_num(&b)) else {
        return Err(py_err(
            "TypeError",
            format!(
                "unsupported operand type(s) for ** or pow(): '{}' and '{}'",
                type_name(&a),
                type_name(&b)
            ),
        ));
    };
    if let Some(r) = super::jinja_int::int_op(&a, "**", &b) {
        return r;
    }
    let f = |n: Num| match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    };
    match (x, y) {
        (Num::Int(p), Num::Int(q)) if q >= 0 => {
            if p == 0 || p == 1 {
                return Ok(Value::from(if q == 0 { 1 } else { p }));
            }
            if p == -1 {
                return Ok(Value::from(if q % 2 == 0 { 1 } else { -1 }));
            }
            match u32::try_from(q).ok().and_then(|e| p.checked_pow(e)) {
                Some(r) => Ok(Value::from(r)),
                // beyond 128 bits: the big-integer path takes it from here
                None => Err(Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("unable to calculate {p} ** {q}"),
                )),
            }
        }
        _ => {
            let (p, q) = (f(x), f(y));
            if p == 0.0 && q < 0.0 {
                return Err(py_err(
                    "ZeroDivisionError",
                    "0.0 cannot be raised to a negative power",
                ));
            }
            let r = p.powf(q);
            if r.is_nan() && p < 0.0 {
                // a negative base to a fractional power is complex in Python
                return Err(py_err(
                    "TypeError",
                    "complex results are not supported here",
                ));
            }
            if r.is_infinite() && p.is_finite() && q.is_finite() {
                return Err(py_err(
                    "OverflowError",
                    "(34, 'Numerical result out of range')",
                ));
            }
            Ok(Value::from(r))
        }
    }
}

fn too_large(max: usize) -> Error {
    Error::new(
        minijinja::ErrorKind::InvalidOperation,
        format!("value too large: more than {max} elements or bytes (EXPR_SIZE)"),
    )
}

fn repeat(seq: &Value, n: &Value, max: usize) -> Result<Value, Error> {
    let count = match as_num(n) {
        Some(Num::Int(i)) => i,
        _ => {
            return Err(py_err(
                "TypeError",
                format!(
                    "can't multiply sequence by non-int of type '{}'",
                    type_name(n)
                ),
            ));
        }
    };
    if i64::try_from(count).is_err() {
        return Err(py_err(
            "OverflowError",
            "cannot fit 'int' into an index-sized integer",
        ));
    }
    let count = count.max(0) as usize;
    if let Some(s) = seq.as_str() {
        if s.len().saturating_mul(count) > max {
            return Err(too_large(max));
        }
        return Ok(Value::from(s.repeat(count)));
    }
    let items: Vec<Value> = seq.try_iter()?.collect();
    if items.len().saturating_mul(count) > max {
        return Err(too_large(max));
    }
    let mut out = Vec::with_capacity(items.len() * count);
    for _ in 0..count {
        out.extend(items.iter().cloned());
    }
    Ok(if super::jinja_ops::is_tuple(seq) {
        Value::from_object(minijinja::value::Tuple::from(out))
    } else {
        Value::from(out)
    })
}

/// `a * b` (a repetition past `max` elements or bytes is refused).
fn py_mul(a: Value, b: Value, max: usize) -> Result<Value, Error> {
    if super::jinja_ops::undefined_like(&a) || super::jinja_ops::undefined_like(&b) {
        return Err(undefined_error());
    }
    let seq = |v: &Value| matches!(v.kind(), ValueKind::String | ValueKind::Seq);
    if seq(&a) && !is_range(&a) {
        return repeat(&a, &b, max);
    }
    if seq(&b) && !is_range(&b) {
        return repeat(&b, &a, max);
    }
    let (Some(x), Some(y)) = (as_num(&a), as_num(&b)) else {
        return Err(py_err(
            "TypeError",
            format!(
                "unsupported operand type(s) for *: '{}' and '{}'",
                type_name(&a),
                type_name(&b)
            ),
        ));
    };
    if let Some(r) = super::jinja_int::int_op(&a, "*", &b) {
        return r;
    }
    Ok(match (x, y) {
        (Num::Int(p), Num::Int(q)) => match p.checked_mul(q) {
            Some(r) => Value::from(r),
            None => {
                return Err(Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("unable to calculate {p} * {q}"),
                ));
            }
        },
        (Num::Int(p), Num::Float(q)) => Value::from(p as f64 * q),
        (Num::Float(p), Num::Int(q)) => Value::from(p * q as f64),
        (Num::Float(p), Num::Float(q)) => Value::from(p * q),
    })
}

/// `obj[key]` as Jinja2's sandbox reads it: an index must be an integer
/// (a bool counts, a float does not); a string key that is not an item
/// falls back to the attribute (`'ab'['upper']`, `[1]['count']` are the
/// bound methods, as `getattr` gives them), else the item is undefined.
fn py_getitem(obj: Value, key: Value) -> Result<Value, Error> {
    if obj.is_undefined() || key.is_undefined() {
        return Err(undefined_error());
    }
    let key = match (obj.kind(), as_num(&key)) {
        (ValueKind::Seq | ValueKind::String, Some(Num::Int(i))) => Value::from(i),
        (ValueKind::Seq | ValueKind::String, _) if key.as_str().is_none() => {
            return Ok(super::jinja_undef::missing(&obj, &key));
        }
        _ => key,
    };
    if let Some(v) = obj.get_item(&key).ok().filter(|v| !v.is_undefined()) {
        return Ok(v);
    }
    Ok(key
        .as_str()
        .and_then(|name| super::jinja_seq::py_attribute(&obj, name))
        .unwrap_or_else(|| super::jinja_undef::missing(&obj, &key)))
}

/// Registers `range` and the operator functions.
pub(crate) fn register(env: &mut Environment<'static>, max: usize) {
    env.add_function("range", range);
    env.add_function("__py_pow", py_pow);
    env.add_function("__py_getitem", py_getitem);
    env.add_function("__py_undef", || Value::from_object(PlainUndefined));
    env.add_function("__py_later", || Value::from_object(Later));
    env.add_function("__py_is_later", |v: Value| {
        v.downcast_object_ref::<Later>().is_some()
    });
    env.add_function("__py_mul", move |a: Value, b: Value| py_mul(a, b, max));
}
