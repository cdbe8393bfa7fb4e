//! Python integer arithmetic on template values: `+ - * / // % **` and
//! unary minus between two integers give Python's exact result whatever the
//! operands (no `i128::MIN % -1` panic, no float rounding of a 128-bit
//! unsigned value). minijinja holds integers up to 128 bits, signed or
//! unsigned; a result beyond is the overflow error
//! ("unable to calculate …") the whole-expression evaluator redoes with
//! unbounded integers (`super::jinja_arith`).

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::jinja_ops::py_err;

/// Largest integer computed here (bits): Python would take seconds or run
/// out of memory long before.
const MAX_BITS: u64 = 1 << 20;

/// An integer as Python sees it (bools are 0 and 1), at any width a
/// template value holds; `None` for anything else.
pub(crate) fn as_big(v: &Value) -> Option<BigInt> {
    match v.kind() {
        ValueKind::Bool => Some(BigInt::from(u8::from(v.is_true()))),
        ValueKind::Number if v.is_integer() => match i128::try_from(v.clone()) {
            Ok(i) => Some(BigInt::from(i)),
            Err(_) => u128::try_from(v.clone()).ok().map(BigInt::from),
        },
        _ => None,
    }
}

/// Whether `v` is an integer beyond `i128` (an unsigned 128-bit value).
pub(crate) fn is_wide_int(v: &Value) -> bool {
    v.kind() == ValueKind::Number && v.is_integer() && i128::try_from(v.clone()).is_err()
}

/// The order of two integers when one is beyond `i128` (compared exactly,
/// not as floats).
pub(crate) fn wide_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if !is_wide_int(a) && !is_wide_int(b) {
        return None;
    }
    Some(as_big(a)?.cmp(&as_big(b)?))
}

/// A Python int as a template value, or the overflow error that hands the
/// expression to the unbounded evaluator.
pub(crate) fn big_value(b: &BigInt, what: impl FnOnce() -> String) -> Result<Value, Error> {
    if let Some(i) = b.to_i128() {
        return Ok(Value::from(i));
    }
    if let Some(u) = b.to_u128() {
        return Ok(Value::from(u));
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!("unable to calculate {}", what()),
    ))
}

fn zero(msg: &str) -> Error {
    py_err("ZeroDivisionError", msg)
}

/// Python's int true division, correctly rounded for operands beyond 53
/// bits too (as `int.__truediv__`).
fn true_div(a: &BigInt, b: &BigInt) -> Result<f64, Error> {
    if let (Some(x), Some(y)) = (a.to_i64(), b.to_i64())
        && x.unsigned_abs() < (1 << 53)
        && y.unsigned_abs() < (1 << 53)
    {
        return Ok(x as f64 / y as f64);
    }
    let neg = a.is_negative() != b.is_negative();
    let (a, b) = (a.abs(), b.abs());
    // scale so that the quotient has 55 bits or more, round half to even
    // on the sticky remainder, then shift back
    let shift = 55 + b.bits() as i64 - a.bits() as i64;
    let (n, d) = if shift > 0 {
        (&a << shift as u64, b.clone())
    } else {
        (a.clone(), &b << (-shift) as u64)
    };
    let (q, r) = n.div_rem(&d);
    let q = q.to_u64().unwrap_or(u64::MAX);
    let exact = r.is_zero();
    // q has 55 or 56 bits: rounding to 53 bits happens in the float
    // conversion; keep the sticky bit so halves round correctly
    let q = q | u64::from(!exact);
    if shift < -1100 {
        return Err(py_err(
            "OverflowError",
            "integer division result too large for a float",
        ));
    }
    let f = ldexp(q as f64, -shift);
    if f.is_infinite() {
        return Err(py_err(
            "OverflowError",
            "integer division result too large for a float",
        ));
    }
    Ok(if neg { -f } else { f })
}

/// `x * 2^e`, in steps that neither overflow nor underflow early.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 500 {
        x *= 2f64.powi(500);
        e -= 500;
    }
    while e < -500 {
        x *= 2f64.powi(-500);
        e += 500;
    }
    x * 2f64.powi(e as i32)
}

/// `a op b` for two integers (bools count), as Python computes it; `None`
/// when an operand is not an integer.
pub(crate) fn int_op(a: &Value, op: &str, b: &Value) -> Option<Result<Value, Error>> {
    let (x, y) = (as_big(a)?, as_big(b)?);
    Some(big_op(&x, op, &y))
}

fn big_op(x: &BigInt, op: &str, y: &BigInt) -> Result<Value, Error> {
    let what = || format!("{x} {op} {y}");
    match op {
        "+" => big_value(&(x + y), what),
        "-" => big_value(&(x - y), what),
        "*" => {
            if x.bits() + y.bits() > MAX_BITS {
                return Err(py_err(
                    "MemoryError",
                    "size limit exceeded: integer product too large",
                ));
            }
            big_value(&(x * y), what)
        }
        "//" if y.is_zero() => Err(zero("integer division or modulo by zero")),
        "//" => big_value(&x.div_floor(y), what),
        "%" if y.is_zero() => Err(zero("integer modulo by zero")),
        "%" => big_value(&x.mod_floor(y), what),
        "**" => pow(x, y),
        "/" if y.is_zero() => Err(zero("division by zero")),
        "/" => true_div(x, y).map(Value::from),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("unsupported integer operation {op}"),
        )),
    }
}

fn pow(x: &BigInt, y: &BigInt) -> Result<Value, Error> {
    if y.is_negative() {
        if x.is_zero() {
            return Err(zero("0.0 cannot be raised to a negative power"));
        }
        let (Some(b), Some(e)) = (x.to_f64().filter(|f| f.is_finite()), y.to_f64()) else {
            return Err(py_err("OverflowError", "int too large to convert to float"));
        };
        return Ok(Value::from(b.powf(e)));
    }
    let one = BigInt::from(1);
    if x.is_zero() || *x == one || *x == -&one {
        // 0 ** 0 and (-1) ** even are 1; otherwise the base itself
        let r = if y.is_zero() || (x.is_negative() && !y.is_odd()) {
            one
        } else {
            x.clone()
        };
        return big_value(&r, String::new);
    }
    match y.to_u64() {
        Some(e) if x.bits().saturating_mul(e) <= MAX_BITS => {
            big_value(&x.pow(e as u32), || format!("{x} ** {y}"))
        }
        _ => Err(py_err(
            "MemoryError",
            "size limit exceeded: integer power too large",
        )),
    }
}

/// `abs(v)` for an integer `v` (bools count; `abs(i128::MIN)` is exact).
pub(crate) fn int_abs(v: &Value) -> Result<Value, Error> {
    if is_wide_int(v) {
        return Ok(v.clone());
    }
    let x = as_big(v).unwrap_or_default();
    big_value(&x.abs(), || format!("abs({x})"))
}

/// `-v` for an integer `v` (bools count).
pub(crate) fn int_neg(v: &Value) -> Option<Result<Value, Error>> {
    let x = as_big(v)?;
    Some(big_value(&-&x, || format!("-{x}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: Value, op: &str, b: Value) -> String {
        match int_op(&a, op, &b).expect("ints") {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {}", e.detail().unwrap_or_default()),
        }
    }

    #[test]
    fn extremes_never_panic_and_are_exact() {
        let min = Value::from(i128::MIN);
        assert_eq!(run(min.clone(), "%", Value::from(-1)), "0");
        assert_eq!(
            run(min.clone(), "//", Value::from(-1)),
            "170141183460469231731687303715884105728"
        );
        assert_eq!(
            run(Value::from(u128::MAX), "-", Value::from(1)),
            (u128::MAX - 1).to_string()
        );
        assert!(run(Value::from(u128::MAX), "+", Value::from(1)).starts_with("error: unable"));
        assert_eq!(run(Value::from(7), "%", Value::from(-2)), "-1");
        assert_eq!(run(Value::from(-7), "//", Value::from(2)), "-4");
        assert!(run(Value::from(1), "%", Value::from(0)).ends_with("integer modulo by zero"));
        assert_eq!(
            int_neg(&min).expect("int").expect("fits").to_string(),
            "170141183460469231731687303715884105728"
        );
    }

    #[test]
    fn true_division_is_correctly_rounded() {
        let big = BigInt::from(u128::MAX);
        assert_eq!(
            true_div(&big, &BigInt::from(3)).expect("finite"),
            u128::MAX as f64 / 3.0
        );
        assert_eq!(
            true_div(&BigInt::from(7), &BigInt::from(-2)).ok(),
            Some(-3.5)
        );
        let huge = BigInt::from(1) << 2000u32;
        assert!(true_div(&huge, &BigInt::from(1)).is_err());
        assert_eq!(true_div(&BigInt::from(1), &huge).ok(), Some(0.0));
    }
}
