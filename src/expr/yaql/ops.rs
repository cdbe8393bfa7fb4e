//! YAQL operators on values, as yaql's `#operator_*` overloads define them:
//! integer `/` floors, `mod` takes the divisor's sign, integers never
//! overflow (they grow into big integers), strings and lists repeat and
//! concatenate, comparisons only between like types (null below all).

use std::cmp::Ordering;
use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive};

use super::interp::{Interp, R, err, no_func};
use super::parser::BinOp;
use super::value::{DictKind, Key, Num, V, num_cmp, py_eq};
use crate::expr::ErrorKind;

/// Numbers without bools, for arithmetic.
fn arith_num(v: &V) -> Option<Num> {
    match v {
        V::Bool(_) => None,
        other => super::value::num_of(other),
    }
}

fn to_float(n: &Num) -> R<f64> {
    match n {
        Num::F(f) => Ok(*f),
        Num::I(i) => match i.to_f64() {
            Some(f) if f.is_finite() => Ok(f),
            _ => err(ErrorKind::Overflow, "int too large to convert to float"),
        },
    }
}

/// Microseconds in Python's largest `timedelta` (999999999 days, less one
/// microsecond).
const MAX_SPAN_US: i128 = 999_999_999 * 86_400_000_000 + 86_399_999_999;

/// A timespan of `us` microseconds, or Python's OverflowError past
/// `timedelta`'s range (and past bora's, 2^63 microseconds).
pub(crate) fn span(us: i128) -> R<V> {
    match i64::try_from(us) {
        Ok(t) if us.abs() <= MAX_SPAN_US => Ok(V::TimeSpan(t)),
        _ => {
            let days = us.div_euclid(86_400_000_000);
            err(
                ErrorKind::Overflow,
                format!("days={days}; must have magnitude <= 999999999"),
            )
        }
    }
}

/// A timespan of `us` microseconds computed as a float (rounded).
pub(crate) fn span_f(us: f64) -> R<V> {
    super::lib_num::finite_for_int(us)?;
    span(if us.abs() < 1e38 {
        us.round() as i128
    } else {
        i128::MAX
    })
}

/// `d + us` microseconds, or Python's OverflowError outside years 1–9999.
fn shifted(d: &super::datetime::Dt, us: i128) -> R<V> {
    use chrono::Datelike;
    i64::try_from(us)
        .ok()
        .and_then(|us| d.checked_add_signed(chrono::Duration::microseconds(us)))
        .filter(|x| (1..=9999).contains(&x.year()))
        .map(V::DateTime)
        .map_or_else(|| err(ErrorKind::Overflow, "date value out of range"), Ok)
}

fn float_result(f: f64) -> R<V> {
    Ok(V::Float(f))
}

pub fn neg(v: &V) -> R<V> {
    match v {
        V::Int(i) => Ok(match i.checked_neg() {
            Some(n) => V::Int(n),
            None => V::big(-BigInt::from(*i)),
        }),
        V::Big(b) => Ok(V::big(-(**b).clone())),
        V::Float(f) => Ok(V::Float(-f)),
        V::TimeSpan(t) => span(-i128::from(*t)),
        _ => no_func("#unary_operator_-"),
    }
}

fn int_op(
    l: &V,
    r: &V,
    small: fn(i64, i64) -> Option<i64>,
    big: fn(&BigInt, &BigInt) -> BigInt,
) -> Option<V> {
    match (l, r) {
        (V::Int(a), V::Int(b)) => Some(match small(*a, *b) {
            Some(x) => V::Int(x),
            None => V::big(big(&BigInt::from(*a), &BigInt::from(*b))),
        }),
        _ => {
            let a = match l {
                V::Int(i) => BigInt::from(*i),
                V::Big(b) => (**b).clone(),
                _ => return None,
            };
            let b = match r {
                V::Int(i) => BigInt::from(*i),
                V::Big(b) => (**b).clone(),
                _ => return None,
            };
            Some(V::big(big(&a, &b)))
        }
    }
}

pub fn add(it: &mut Interp<'_>, l: &V, r: &V) -> R<V> {
    if let Some(v) = int_op(l, r, i64::checked_add, |a, b| a + b) {
        return Ok(v);
    }
    match (l, r) {
        (V::Str(a), V::Str(b)) => {
            it.check_size(a.len() + b.len())?;
            let mut s = String::with_capacity(a.len() + b.len());
            s.push_str(a);
            s.push_str(b);
            Ok(V::string(s))
        }
        (V::Set(a, _), V::Set(b, _)) => {
            it.check_size(a.len() + b.len())?;
            Ok(super::pyset::set_union(l, r))
        }
        (V::List(a) | V::Iter(a), V::List(b) | V::Iter(b)) => {
            it.check_size(a.len() + b.len())?;
            let mut out = Vec::with_capacity(a.len() + b.len());
            out.extend(a.iter().cloned());
            out.extend(b.iter().cloned());
            Ok(V::list(out))
        }
        // a set with another iterable: `queries.concat`, a lazy sequence
        (V::List(a) | V::Iter(a) | V::Set(a, _), V::List(b) | V::Iter(b) | V::Set(b, _)) => {
            it.check_size(a.len() + b.len())?;
            let mut out = Vec::with_capacity(a.len() + b.len());
            out.extend(a.iter().cloned());
            out.extend(b.iter().cloned());
            Ok(V::iter(out))
        }
        (V::Dict(a, _), V::Dict(b, _)) => {
            let mut m = (**a).clone();
            for (k, v) in b.iter() {
                m.insert(k.clone(), v.clone());
            }
            Ok(V::Dict(Rc::new(m), DictKind::Frozen))
        }
        (V::DateTime(d), V::TimeSpan(t)) | (V::TimeSpan(t), V::DateTime(d)) => {
            shifted(d, i128::from(*t))
        }
        (V::TimeSpan(a), V::TimeSpan(b)) => span(i128::from(*a) + i128::from(*b)),
        _ => match (arith_num(l), arith_num(r)) {
            (Some(a), Some(b)) => float_result(to_float(&a)? + to_float(&b)?),
            _ => no_func("#operator_+"),
        },
    }
}

pub fn sub(l: &V, r: &V) -> R<V> {
    if let Some(v) = int_op(l, r, i64::checked_sub, |a, b| a - b) {
        return Ok(v);
    }
    match (l, r) {
        // set difference
        (V::Set(..), V::Set(..)) => Ok(super::pyset::set_difference(l, r)),
        (V::DateTime(a), V::DateTime(b)) => match (*a - *b).num_microseconds() {
            Some(us) => span(i128::from(us)),
            None => span(i128::MAX),
        },
        (V::DateTime(d), V::TimeSpan(t)) => shifted(d, -i128::from(*t)),
        (V::TimeSpan(a), V::TimeSpan(b)) => span(i128::from(*a) - i128::from(*b)),
        _ => match (arith_num(l), arith_num(r)) {
            (Some(a), Some(b)) => float_result(to_float(&a)? - to_float(&b)?),
            _ => no_func("#operator_-"),
        },
    }
}

fn repeat_count(v: &V) -> Option<i64> {
    match v {
        V::Int(i) => Some(*i),
        // a Python bool is an int
        V::Bool(b) => Some(i64::from(*b)),
        V::Big(_) => Some(i64::MIN),
        _ => None,
    }
}

/// Largest integer built by arithmetic (1 Mbit, about 315,000 digits).
const MAX_INT_BITS: u64 = 1024 * 1024;

fn bits(v: &V) -> u64 {
    match v {
        V::Big(b) => b.bits(),
        _ => 64,
    }
}

fn index_overflow<T>() -> R<T> {
    err(
        ErrorKind::Overflow,
        "cannot fit 'int' into an index-sized integer",
    )
}

pub fn mul(it: &mut Interp<'_>, l: &V, r: &V) -> R<V> {
    if matches!(l, V::Big(_)) || matches!(r, V::Big(_)) {
        // A step of fuel per 64 limb products: a loop squaring ever larger
        // integers ends on fuel instead of running for minutes.
        it.spend((bits(l) / 64 + 1) * (bits(r) / 64 + 1) / 64)?;
    }
    if let Some(v) = int_op(l, r, i64::checked_mul, |a, b| {
        // operands beyond the size cap are refused below; keep this cheap
        if a.bits() + b.bits() > MAX_INT_BITS {
            BigInt::from(0)
        } else {
            a * b
        }
    }) {
        if let (V::Big(_) | V::Int(_), V::Big(_) | V::Int(_)) = (l, r)
            && bits(l) + bits(r) > MAX_INT_BITS
        {
            return err(ErrorKind::Limit, "size limit exceeded: integer too large");
        }
        return Ok(v);
    }
    match (l, r) {
        (V::Str(s), n) | (n, V::Str(s)) if repeat_count(n).is_some() => {
            let n = repeat_count(n).unwrap_or(0);
            if n == i64::MIN {
                return index_overflow();
            }
            let n = n.max(0) as u128;
            let total = n * s.len() as u128;
            it.check_size(total.min(usize::MAX as u128) as usize)?;
            it.spend((total / 64) as u64)?;
            Ok(V::string(s.repeat(n as usize)))
        }
        // a sequence repeats; a lazy one (select, where, ...) has no `*`
        (V::List(s), n) | (n, V::List(s)) if repeat_count(n).is_some() => {
            let n = repeat_count(n).unwrap_or(0);
            if n == i64::MIN {
                return index_overflow();
            }
            let n = n.max(0) as u128;
            let total = n * s.len() as u128;
            it.check_size(total.min(usize::MAX as u128) as usize)?;
            it.spend(total as u64)?;
            let mut out = Vec::with_capacity(total as usize);
            for _ in 0..n {
                out.extend(s.iter().cloned());
            }
            Ok(V::list(out))
        }
        (V::TimeSpan(t), n) | (n, V::TimeSpan(t)) if n.is_number() => {
            span_f(*t as f64 * n.as_f64().unwrap_or(0.0))
        }
        _ => match (arith_num(l), arith_num(r)) {
            (Some(a), Some(b)) => float_result(to_float(&a)? * to_float(&b)?),
            _ => no_func("#operator_*"),
        },
    }
}

pub fn div(l: &V, r: &V) -> R<V> {
    if l.is_int() && r.is_int() {
        if super::value::is_zero(r) {
            return err(
                ErrorKind::ZeroDivision,
                "integer division or modulo by zero",
            );
        }
        if let Some(v) = int_op(
            l,
            r,
            |a, b| a.checked_div_euclid(b).map(|_| Integer::div_floor(&a, &b)),
            |a, b| a.div_floor(b),
        ) {
            return Ok(v);
        }
    }
    match (l, r) {
        (V::TimeSpan(t), n) if n.is_number() => {
            let d = n.as_f64().unwrap_or(0.0);
            if d == 0.0 {
                return err(ErrorKind::ZeroDivision, "division by zero");
            }
            span_f(*t as f64 / d)
        }
        (V::TimeSpan(a), V::TimeSpan(b)) => {
            if *b == 0 {
                return err(ErrorKind::ZeroDivision, "division by zero");
            }
            Ok(V::Float(*a as f64 / *b as f64))
        }
        _ => match (arith_num(l), arith_num(r)) {
            (Some(a), Some(b)) => {
                let d = to_float(&b)?;
                if d == 0.0 {
                    return err(ErrorKind::ZeroDivision, "float division by zero");
                }
                float_result(to_float(&a)? / d)
            }
            _ => no_func("#operator_/"),
        },
    }
}

/// Python's float `%`: the result takes the divisor's sign.
pub fn py_fmod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0f64.copysign(b)
    } else {
        m
    }
}

pub fn modulo(l: &V, r: &V) -> R<V> {
    if l.is_int() && r.is_int() {
        if super::value::is_zero(r) {
            return err(ErrorKind::ZeroDivision, "integer modulo by zero");
        }
        if let Some(v) = int_op(
            l,
            r,
            |a, b| a.checked_rem_euclid(b).map(|_| Integer::mod_floor(&a, &b)),
            |a, b| a.mod_floor(b),
        ) {
            return Ok(v);
        }
    }
    match (arith_num(l), arith_num(r)) {
        (Some(a), Some(b)) => {
            let d = to_float(&b)?;
            if d == 0.0 {
                return err(ErrorKind::ZeroDivision, "float modulo");
            }
            float_result(py_fmod(to_float(&a)?, d))
        }
        _ => no_func("#operator_mod"),
    }
}

/// Ordering for `<`-style operators and sorting; `None` when yaql has no
/// overload for the pair.
pub fn order(l: &V, r: &V) -> Option<Ordering> {
    match (l, r) {
        (V::Null, V::Null) => Some(Ordering::Equal),
        (V::Null, _) => Some(Ordering::Less),
        (_, V::Null) => Some(Ordering::Greater),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::DateTime(a), V::DateTime(b)) => Some(a.cmp(b)),
        (V::TimeSpan(a), V::TimeSpan(b)) => Some(a.cmp(b)),
        // NaN against a number: no ordering holds, neither `<` nor `>`
        // (`compare` answers false for all four operators)
        _ => match (arith_num(l), arith_num(r)) {
            (Some(a), Some(b)) => Some(num_cmp(&a, &b).unwrap_or(Ordering::Equal)),
            _ => None,
        },
    }
}

pub fn compare(op: BinOp, l: &V, r: &V) -> R<V> {
    if let (V::Set(a, _), V::Set(b, _)) = (l, r) {
        let sub = |x: &Rc<Vec<V>>, y: &Rc<Vec<V>>| x.iter().all(|p| y.iter().any(|q| py_eq(p, q)));
        return Ok(V::Bool(match op {
            BinOp::Lt => sub(a, b) && a.len() < b.len(),
            BinOp::Le => sub(a, b),
            BinOp::Gt => sub(b, a) && a.len() > b.len(),
            _ => sub(b, a),
        }));
    }
    // null against null: only <= and >= hold
    let o = match order(l, r) {
        Some(o) => o,
        None => return no_func(&format!("#operator_{}", op.symbol())),
    };
    let nan = matches!((l, r), (V::Float(a), _) if a.is_nan())
        || matches!((l, r), (_, V::Float(b)) if b.is_nan());
    if nan {
        return Ok(V::Bool(false));
    }
    Ok(V::Bool(match op {
        BinOp::Lt => o == Ordering::Less,
        BinOp::Gt => o == Ordering::Greater,
        BinOp::Le => o != Ordering::Greater,
        _ => o != Ordering::Less,
    }))
}

pub fn contains_op(l: &V, r: &V) -> R<V> {
    match r {
        V::Str(s) => match l {
            V::Str(sub) => Ok(V::Bool(s.contains(&**sub))),
            _ => no_func("#operator_in"),
        },
        V::List(items) | V::Iter(items) | V::Set(items, _) => {
            Ok(V::Bool(items.iter().any(|x| py_eq(x, l))))
        }
        _ => no_func("#operator_in"),
    }
}

/// `obj[i]` (lists), `obj[key]` and `obj[key, default]` (dicts).
pub fn index(o: &V, args: &[V]) -> R<V> {
    match (o, args) {
        (V::List(l), [i]) => {
            let idx = match i {
                V::Int(i) => *i,
                V::Bool(b) => i64::from(*b),
                V::Big(_) => {
                    return err(
                        ErrorKind::Index,
                        "cannot fit 'int' into an index-sized integer",
                    );
                }
                _ => return no_func("#indexer"),
            };
            let n = l.len() as i64;
            let k = if idx < 0 { idx + n } else { idx };
            if k < 0 || k >= n {
                return err(ErrorKind::Index, "tuple index out of range");
            }
            Ok(l[k as usize].clone())
        }
        (V::Dict(d, _), [k]) => match d.get(&Key(k.clone())) {
            Some(v) => Ok(v.clone()),
            None => err(
                ErrorKind::Key,
                super::value::repr(k, super::value::Style::Yaql),
            ),
        },
        (V::Dict(d, _), [k, default]) => Ok(d
            .get(&Key(k.clone()))
            .cloned()
            .unwrap_or_else(|| default.clone())),
        _ => no_func("#indexer"),
    }
}

/// `abs`, used by the math library.
pub fn abs(v: &V) -> R<V> {
    match v {
        V::Int(i) => Ok(match i.checked_abs() {
            Some(a) => V::Int(a),
            None => V::big(BigInt::from(*i).abs()),
        }),
        V::Big(b) => Ok(V::big(b.abs())),
        V::Float(f) => Ok(V::Float(f.abs())),
        _ => no_func("abs"),
    }
}
