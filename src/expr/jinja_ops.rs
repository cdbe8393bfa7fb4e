//! Python's operator semantics for Jinja templates, called from the
//! operators [`super::jinja_ast`] rewrites: ordering comparisons that refuse
//! mixed types (`1 < 'a'` is a TypeError), `in` as Python's `__contains__`,
//! `%` as numeric modulo (sign of the divisor) or printf-style formatting,
//! and unary `-`/`+` (bools count as integers).

use std::cmp::Ordering;

use minijinja::value::{Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

use super::jinja_pyfmt::percent_format;

/// Python's type name of a template value (as in its error messages).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Undefined => "StrictUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq if is_tuple(v) => "tuple",
        ValueKind::Seq => "list",
        ValueKind::Map => "dict",
        ValueKind::Iterable => "generator",
        _ => match v.downcast_object_ref::<super::jinja_py::DictMethod>() {
            Some(m) => m.type_name(),
            None => "object",
        },
    }
}

pub(crate) fn is_tuple(v: &Value) -> bool {
    v.downcast_object_ref::<minijinja::value::Tuple>().is_some()
        || v.downcast_object_ref::<super::jinja_seq::GroupTuple>()
            .is_some()
}

fn type_error(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

/// An error standing for a Python exception of another class than
/// TypeError: the class travels in the message (`(KeyError) 'x'`) and
/// decides the error kind (see `jinja::kind_of`), which strips it.
pub(crate) fn py_err(class: &str, msg: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("({class}) {}", msg.into()),
    )
}

/// The Python class a [`py_err`] message carries, and the message itself.
pub(crate) fn py_class(detail: &str) -> Option<(&str, &str)> {
    let rest = detail.strip_prefix('(')?;
    let (class, msg) = rest.split_once(") ")?;
    (class.ends_with("Error") && !class.contains(' ')).then_some((class, msg))
}

pub(crate) fn undefined_error() -> Error {
    Error::new(ErrorKind::UndefinedError, "value is undefined")
}

/// A number as Python sees it: bools are the integers 0 and 1.
#[derive(Clone, Copy)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

pub(crate) fn as_num(v: &Value) -> Option<Num> {
    match v.kind() {
        ValueKind::Bool => Some(Num::Int(i128::from(v.is_true()))),
        ValueKind::Number => {
            if v.is_integer()
                && let Ok(i) = i128::try_from(v.clone())
            {
                return Some(Num::Int(i));
            }
            f64::try_from(v.clone()).ok().map(Num::Float)
        }
        _ => None,
    }
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Float(y)) => (x as f64).partial_cmp(&y),
        (Num::Float(x), Num::Int(y)) => x.partial_cmp(&(y as f64)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
    }
}

fn items(v: &Value) -> Vec<Value> {
    v.try_iter().map(|i| i.collect()).unwrap_or_default()
}

/// Python `==`.
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        if let Some(o) = super::jinja_int::wide_cmp(a, b) {
            return o == Ordering::Equal;
        }
        return num_cmp(x, y) == Some(Ordering::Equal);
    }
    match (a.kind(), b.kind()) {
        (ValueKind::String, ValueKind::String) => a.as_str() == b.as_str(),
        (ValueKind::None, ValueKind::None) => true,
        (ValueKind::Undefined, ValueKind::Undefined) => true,
        (ValueKind::Seq, ValueKind::Seq) => {
            // a list, a tuple and a range are never equal to each other
            if is_tuple(a) != is_tuple(b)
                || super::jinja_values::is_range(a) != super::jinja_values::is_range(b)
            {
                return false;
            }
            let (x, y) = (items(a), items(b));
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| py_eq(p, q))
        }
        (ValueKind::Map, ValueKind::Map) => {
            let (ka, kb) = (items(a), items(b));
            ka.len() == kb.len()
                && ka.iter().all(|k| {
                    kb.iter().any(|k2| py_eq(k, k2))
                        && py_eq(
                            &a.get_item(k).unwrap_or_default(),
                            &b.get_item(k).unwrap_or_default(),
                        )
                })
        }
        _ => a == b,
    }
}

/// Either kind of undefined value (strict, or the plain one of `x if c`).
pub(crate) fn undefined_like(v: &Value) -> bool {
    v.is_undefined() || super::jinja_values::is_plain_undefined(v)
}

/// Two numbers of which one is NaN: every ordering between them is false.
pub(crate) fn unordered(a: &Value, b: &Value) -> bool {
    matches!((as_num(a), as_num(b)), (Some(x), Some(y)) if num_cmp(x, y).is_none())
}

/// Python's ordering of two values, or the TypeError it raises.
pub(crate) fn py_order(a: &Value, b: &Value, op: &str) -> Result<Ordering, Error> {
    if undefined_like(a) || undefined_like(b) {
        return Err(undefined_error());
    }
    let refuse = || {
        type_error(format!(
            "'{op}' not supported between instances of '{}' and '{}'",
            type_name(a),
            type_name(b)
        ))
    };
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        if let Some(o) = super::jinja_int::wide_cmp(a, b) {
            return Ok(o);
        }
        // NaN: no ordering holds; callers asking `<` or `>` see neither
        // (`unordered` answers `<=` and `>=`)
        return Ok(num_cmp(x, y).unwrap_or(Ordering::Equal));
    }
    match (a.kind(), b.kind()) {
        (ValueKind::String, ValueKind::String) => Ok(a.as_str().cmp(&b.as_str())),
        (ValueKind::Seq, ValueKind::Seq) if is_tuple(a) == is_tuple(b) => {
            let (x, y) = (items(a), items(b));
            for (p, q) in x.iter().zip(y.iter()) {
                // StrictUndefined refuses `==` too (a missing sort attribute)
                if undefined_like(p) || undefined_like(q) {
                    return Err(undefined_error());
                }
                if !py_eq(p, q) {
                    return py_order(p, q, op);
                }
            }
            Ok(x.len().cmp(&y.len()))
        }
        _ => Err(refuse()),
    }
}

/// Python `item in container`.
pub(crate) fn py_contains(container: &Value, item: &Value) -> Result<bool, Error> {
    match container.kind() {
        ValueKind::Undefined => Err(undefined_error()),
        ValueKind::String => match item.as_str() {
            Some(s) => Ok(container.as_str().unwrap_or_default().contains(s)),
            None => Err(type_error(format!(
                "'in <string>' requires string as left operand, not {}",
                type_name(item)
            ))),
        },
        ValueKind::Map => {
            if item.is_undefined() {
                // hash(StrictUndefined) raises
                return Err(undefined_error());
            }
            if matches!(item.kind(), ValueKind::Seq | ValueKind::Map) && !is_tuple(item) {
                return Err(type_error(format!(
                    "unhashable type: '{}'",
                    type_name(item)
                )));
            }
            Ok(items(container).iter().any(|k| py_eq(k, item)))
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let all = items(container);
            if item.is_undefined() && !all.is_empty() {
                return Err(undefined_error());
            }
            Ok(all.iter().any(|x| py_eq(x, item)))
        }
        _ => Err(type_error(format!(
            "argument of type '{}' is not iterable",
            type_name(container)
        ))),
    }
}

/// `__py_cmp(a, "<", b, "==", c, ...)`: a Python comparison chain.
fn py_cmp(args: Rest<Value>) -> Result<bool, Error> {
    let args = &args.0;
    let mut i = 0;
    while i + 2 < args.len() {
        let (a, op, b) = (&args[i], args[i + 1].as_str().unwrap_or(""), &args[i + 2]);
        let ok = match op {
            "==" | "!=" => {
                if a.is_undefined() || b.is_undefined() {
                    return Err(undefined_error());
                }
                py_eq(a, b) == (op == "==")
            }
            "in" => py_contains(b, a)?,
            "not in" => !py_contains(b, a)?,
            _ if unordered(a, b) => false,
            _ => {
                let o = py_order(a, b, op)?;
                match op {
                    "<" => o == Ordering::Less,
                    "<=" => o != Ordering::Greater,
                    ">" => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }
            }
        };
        if !ok {
            return Ok(false);
        }
        i += 2;
    }
    Ok(true)
}

fn num_value(n: Num) -> Value {
    match n {
        Num::Int(i) => Value::from(i),
        Num::Float(f) => Value::from(f),
    }
}

fn py_mod(a: Value, b: Value) -> Result<Value, Error> {
    py_mod_values(&a, &b)
}

/// `a % b`: printf-style formatting on strings, Python's modulo on numbers.
pub(crate) fn py_mod_values(a: &Value, b: &Value) -> Result<Value, Error> {
    if let (Some(fmt), false) = (a.as_str(), a.is_undefined()) {
        return percent_format(fmt, b).map(Value::from);
    }
    if undefined_like(a) || undefined_like(b) {
        return Err(undefined_error());
    }
    let (Some(x), Some(y)) = (as_num(a), as_num(b)) else {
        return Err(type_error(format!(
            "unsupported operand type(s) for %: '{}' and '{}'",
            type_name(a),
            type_name(b)
        )));
    };
    if let Some(r) = super::jinja_int::int_op(a, "%", b) {
        return r;
    }
    let (p, q) = (to_f64(x), to_f64(y));
    if q == 0.0 {
        // Python 3.11's words (no "by zero" for floats).
        return Err(py_err("ZeroDivisionError", "float modulo"));
    }
    let mut r = p % q;
    if r != 0.0 && ((r < 0.0) != (q < 0.0)) {
        r += q;
    } else if r == 0.0 {
        r = 0.0f64.copysign(q);
    }
    Ok(Value::from(r))
}

/// `a - b`, `a / b`, `a // b` as Python computes them on numbers (bools
/// count as ints); any other operand is Python's `TypeError`. An int result
/// beyond 128 bits is an overflow the caller redoes with Python ints.
fn py_arith(a: Value, op: &str, b: Value) -> Result<Value, Error> {
    if undefined_like(&a) || undefined_like(&b) {
        return Err(undefined_error());
    }
    let (Some(x), Some(y)) = (as_num(&a), as_num(&b)) else {
        return Err(type_error(format!(
            "unsupported operand type(s) for {op}: '{}' and '{}'",
            type_name(&a),
            type_name(&b)
        )));
    };
    if let Some(r) = super::jinja_int::int_op(&a, op, &b) {
        return r;
    }
    let zero = |m: &str| py_err("ZeroDivisionError", m);
    Ok(num_value(match (op, x, y) {
        ("-", p, q) => Num::Float(to_f64(p) - to_f64(q)),
        ("/", _, q) if to_f64(q) == 0.0 => return Err(zero("float division by zero")),
        ("/", p, q) => Num::Float(to_f64(p) / to_f64(q)),
        (_, _, q) if to_f64(q) == 0.0 => return Err(zero("float floor division by zero")),
        (_, p, q) => Num::Float(float_floor_div(to_f64(p), to_f64(q))),
    }))
}

/// CPython's `float.__floordiv__` (from `float_divmod`).
fn float_floor_div(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div == 0.0 {
        return 0.0f64.copysign(a / b);
    }
    let floor = div.floor();
    if div - floor > 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

fn to_f64(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

fn unary(v: &Value, op: char) -> Result<Num, Error> {
    if undefined_like(v) {
        return Err(undefined_error());
    }
    as_num(v).ok_or_else(|| {
        type_error(format!(
            "bad operand type for unary {op}: '{}'",
            type_name(v)
        ))
    })
}

fn py_neg(v: Value) -> Result<Value, Error> {
    let n = unary(&v, '-')?;
    if let Some(r) = super::jinja_int::int_neg(&v) {
        return r;
    }
    Ok(num_value(match n {
        Num::Int(i) => Num::Int(i.saturating_neg()),
        Num::Float(f) => Num::Float(-f),
    }))
}

fn py_pos(v: Value) -> Result<Value, Error> {
    let n = unary(&v, '+')?;
    if super::jinja_int::is_wide_int(&v) {
        return Ok(v);
    }
    Ok(num_value(n))
}

/// `a ~ b`: `str(a) + str(b)` (Python's str of numbers and containers).
fn py_concat(a: Value, b: Value) -> Result<Value, Error> {
    if a.is_undefined() || b.is_undefined() {
        return Err(undefined_error());
    }
    // Jinja2 joins `str()`s: the result is plain text even from Markup
    Ok(Value::from(format!(
        "{}{}",
        super::jinja::py_str(&a),
        super::jinja::py_str(&b)
    )))
}

/// `{% for x in v %}`: `v` itself, or the TypeError of Python's `iter(None)`
/// (minijinja would loop over nothing). With `n`, the loop unpacks each
/// item into `n` names (`for a, b in v`): a string gives its characters, a
/// dict its keys, and a wrong count is Python's ValueError.
fn py_iter(v: Value, n: Option<usize>) -> Result<Value, Error> {
    if matches!(
        v.kind(),
        ValueKind::None | ValueKind::Number | ValueKind::Bool
    ) {
        return Err(py_err(
            "TypeError",
            format!("'{}' object is not iterable", type_name(&v)),
        ));
    }
    let Some(n) = n else {
        return Ok(v);
    };
    if !matches!(
        v.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable | ValueKind::String
    ) {
        return Ok(v);
    }
    let mut out = Vec::new();
    for item in v.try_iter()? {
        let parts = py_unpack(item.clone(), n)?;
        out.push(if item.kind() == ValueKind::Seq {
            item
        } else {
            parts
        });
    }
    Ok(Value::from(out))
}

/// `a, b = v` (`{% set %}` and each item of a `for` with two names or
/// more): the `n` parts of `v` as Python unpacks them, a string into its
/// characters, a dict into its keys; a wrong count is a ValueError.
fn py_unpack(v: Value, n: usize) -> Result<Value, Error> {
    let parts: Vec<Value> = match v.kind() {
        ValueKind::String => v
            .as_str()
            .unwrap_or_default()
            .chars()
            .map(Value::from)
            .collect(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => items(&v),
        ValueKind::Undefined => return Err(undefined_error()),
        _ => {
            return Err(py_err(
                "TypeError",
                format!("cannot unpack non-iterable {} object", type_name(&v)),
            ));
        }
    };
    match parts.len() {
        k if k > n => Err(py_err(
            "ValueError",
            format!("too many values to unpack (expected {n})"),
        )),
        k if k < n => Err(py_err(
            "ValueError",
            format!("not enough values to unpack (expected {n}, got {k})"),
        )),
        _ => Ok(Value::from(parts)),
    }
}

/// Registers the functions the rewritten operators call.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("__py_concat", py_concat);
    env.add_function("__py_cmp", py_cmp);
    env.add_function("__py_mod", py_mod);
    env.add_function("__py_arith", |a: Value, op: String, b: Value| {
        py_arith(a, &op, b)
    });
    env.add_function("__py_neg", py_neg);
    env.add_function("__py_pos", py_pos);
    env.add_function("__py_iter", py_iter);
    env.add_function("__py_unpack", py_unpack);
    env.add_function("__py_sliceable", py_sliceable);
    env.add_function("__py_sliced", py_sliced);
}

/// The object of `obj[a:b]`: Python slices only strings and sequences
/// (minijinja would slice None and undefined to `[]`).
fn py_sliceable(v: Value) -> Result<Value, Error> {
    match v.kind() {
        ValueKind::Undefined => Err(undefined_error()),
        ValueKind::String | ValueKind::Seq | ValueKind::Bytes => Ok(v),
        ValueKind::Map => Err(py_err("TypeError", "unhashable type: 'slice'")),
        _ => Err(py_err(
            "TypeError",
            format!("'{}' object is not subscriptable", type_name(&v)),
        )),
    }
}

/// A slice of a list is a list (minijinja slices lazily).
fn py_sliced(v: Value) -> Value {
    match v.kind() {
        ValueKind::Iterable => Value::from(
            v.try_iter()
                .map(|i| i.collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
        _ => v,
    }
}
