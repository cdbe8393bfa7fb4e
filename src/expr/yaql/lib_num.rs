//! Numeric conversions and operations of the YAQL library: Python's
//! `int()`/`float()` parsing rules, `round()` (half to even) and `pow()` on
//! integers of any size (bounded by the size cap).

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::interp::{R, err};
use super::value::V;
use crate::expr::ErrorKind;

/// Python's refusal to make an integer of a NaN or an infinite float.
pub(crate) fn finite_for_int(f: f64) -> R<()> {
    if f.is_nan() {
        return err(ErrorKind::Value, "cannot convert float NaN to integer");
    }
    if f.is_infinite() {
        return err(
            ErrorKind::Overflow,
            "cannot convert float infinity to integer",
        );
    }
    Ok(())
}

/// Python `int(x)`.
pub fn py_int(v: &V) -> R<V> {
    match v {
        V::Null => Ok(V::Int(0)),
        V::Bool(b) => Ok(V::Int(*b as i64)),
        V::Int(_) | V::Big(_) => Ok(v.clone()),
        V::Float(f) => {
            finite_for_int(*f)?;
            let t = f.trunc();
            if t.abs() < 9.0e18 {
                Ok(V::Int(t as i64))
            } else {
                Ok(V::big(
                    format!("{t:.0}").parse::<BigInt>().unwrap_or_default(),
                ))
            }
        }
        V::Str(s) => {
            let t = s.trim();
            let cleaned = python_digits(t);
            let ok = cleaned.as_ref().is_some_and(|c| {
                let body = c.strip_prefix(['-', '+']).unwrap_or(c);
                !body.is_empty()
                    && !body.starts_with('_')
                    && !body.ends_with('_')
                    && !body.contains("__")
                    && body.chars().all(|ch| ch.is_ascii_digit() || ch == '_')
            });
            match (ok, cleaned) {
                (true, Some(c)) => Ok(V::big(
                    c.replace('_', "").parse::<BigInt>().unwrap_or_default(),
                )),
                _ => err(
                    ErrorKind::Value,
                    format!(
                        "invalid literal for int() with base 10: {}",
                        super::value::str_repr(s)
                    ),
                ),
            }
        }
        other => err(
            ErrorKind::Type,
            format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                super::lib::class_of(other, false)
            ),
        ),
    }
}

/// Maps Unicode decimal digits to ASCII.
fn python_digits(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(d) = unicode_digit(c) {
            out.push(char::from(b'0' + d));
        } else {
            return None;
        }
    }
    Some(out)
}

fn unicode_digit(c: char) -> Option<u8> {
    // common decimal digit blocks (Nd): each block is 10 consecutive code points
    const ZEROS: &[u32] = &[
        0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
        0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0xFF10,
    ];
    let u = c as u32;
    ZEROS
        .iter()
        .find(|z| u >= **z && u < **z + 10)
        .map(|z| (u - z) as u8)
}

/// Python `float(x)`.
pub fn py_float(v: &V) -> R<V> {
    match v {
        V::Null => Ok(V::Float(0.0)),
        V::Bool(b) => Ok(V::Float(*b as i64 as f64)),
        V::Int(i) => Ok(V::Float(*i as f64)),
        V::Big(b) => match b.to_f64() {
            Some(f) if f.is_finite() => Ok(V::Float(f)),
            _ => err(ErrorKind::Overflow, "int too large to convert to float"),
        },
        V::Float(_) => Ok(v.clone()),
        V::Str(s) => {
            let t = s.trim();
            let c = python_digits(t).unwrap_or_default();
            let lower = c.to_lowercase();
            let body = lower.trim_start_matches(['+', '-']);
            let special = matches!(body, "inf" | "infinity" | "nan");
            let valid = special
                || (!c.is_empty()
                    && !c.contains("__")
                    && c.chars()
                        .all(|ch| ch.is_ascii_digit() || "+-.eE_".contains(ch))
                    && c.chars().any(|ch| ch.is_ascii_digit()));
            match (valid, c.replace('_', "").parse::<f64>()) {
                (true, Ok(f)) => Ok(V::Float(f)),
                _ => err(
                    ErrorKind::Value,
                    format!(
                        "could not convert string to float: {}",
                        super::value::str_repr(s)
                    ),
                ),
            }
        }
        other => err(
            ErrorKind::Type,
            format!(
                "float() argument must be a string or a real number, not '{}'",
                super::lib::class_of(other, false)
            ),
        ),
    }
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// Python `round(number, ndigits)`.
pub fn py_round(v: &V, nd: i64) -> R<V> {
    match v {
        V::Int(_) | V::Big(_) => {
            if nd >= 0 {
                return Ok(v.clone());
            }
            let x = v.to_bigint().unwrap_or_default();
            let p = BigInt::from(10).pow((-nd).min(400) as u32);
            let half = &p / 2;
            let q = num_integer::Integer::div_floor(&x, &p);
            let r = &x - &q * &p;
            let q = if r > half || (r == half && num_integer::Integer::is_odd(&q)) {
                q + 1
            } else {
                q
            };
            Ok(V::big(q * p))
        }
        V::Float(f) => {
            if !f.is_finite() {
                return Ok(v.clone());
            }
            if nd > 300 {
                return Ok(v.clone());
            }
            // format with correct rounding, then parse (matches CPython's approach)
            if nd >= 0 {
                let s = format!("{:.*}", nd as usize, f);
                let parsed: f64 = s.parse().unwrap_or(*f);
                // Rust's formatting rounds half to even on the exact binary value, as Python does
                Ok(V::Float(if parsed == 0.0 && f.is_sign_negative() {
                    -0.0
                } else {
                    parsed
                }))
            } else {
                let p = 10f64.powi((-nd) as i32);
                let y = round_half_even(f / p) * p;
                Ok(V::Float(y))
            }
        }
        _ => err(
            ErrorKind::NoMatchingFunction,
            "No function \"round\" matches supplied arguments",
        ),
    }
}

pub fn big_pow(base: &V, exp: &V) -> R<Option<V>> {
    match (base, exp) {
        (b, e) if b.is_int() && e.is_int() => {
            let e = e.to_bigint().unwrap_or_default();
            if e.is_negative() {
                let bf = b.as_f64().unwrap_or(0.0);
                if bf == 0.0 {
                    return err(
                        ErrorKind::ZeroDivision,
                        "0.0 cannot be raised to a negative power",
                    );
                }
                return Ok(Some(V::Float(bf.powf(e.to_f64().unwrap_or(0.0)))));
            }
            let bb = b.to_bigint().unwrap_or_default();
            if bb == BigInt::from(-1) {
                return Ok(Some(V::Int(if num_integer::Integer::is_even(&e) {
                    1
                } else {
                    -1
                })));
            }
            let e = e.to_u32().unwrap_or(u32::MAX);
            let bits = bb.bits().max(1) as u128 * e as u128;
            if bits > 64 * 1024 * 8 && !(bb.is_zero() || bb == BigInt::from(1)) {
                return err(
                    ErrorKind::Limit,
                    "size limit exceeded: integer power too large",
                );
            }
            Ok(Some(V::big(bb.pow(e))))
        }
        (b, e) => match (b.as_f64(), e.as_f64()) {
            (Some(x), Some(y)) if !matches!(b, V::Bool(_)) && !matches!(e, V::Bool(_)) => {
                if x == 0.0 && y < 0.0 {
                    return err(
                        ErrorKind::ZeroDivision,
                        "0.0 cannot be raised to a negative power",
                    );
                }
                if x < 0.0 && y.fract() != 0.0 {
                    return err(ErrorKind::Value, "complex result");
                }
                let r = x.powf(y);
                if r.is_infinite() {
                    return err(ErrorKind::Overflow, "(34, 'Numerical result out of range')");
                }
                Ok(Some(V::Float(r)))
            }
            _ => Ok(None),
        },
    }
}

/// An end of a `randrange()` range as an integer: integral numbers pass,
/// a string or a fractional float is a `ValueError`, anything else a
/// `TypeError` (Python 3.11's `int()` fallback in `randrange`).
fn range_end(v: &V, which: &str) -> R<BigInt> {
    match v {
        V::Bool(b) => Ok(BigInt::from(i64::from(*b))),
        V::Int(i) => Ok(BigInt::from(*i)),
        V::Big(b) => Ok((**b).clone()),
        V::Float(f) if f.is_finite() && f.fract() == 0.0 => {
            Ok(format!("{f:.0}").parse::<BigInt>().unwrap_or_default())
        }
        V::Float(_) | V::Str(_) => err(
            ErrorKind::Value,
            format!("non-integer {which} for randrange()"),
        ),
        _ => err(
            ErrorKind::Type,
            "int() argument must be a string, a bytes-like object or a real number",
        ),
    }
}

/// yaql `random(from, to)`: Python's `random.randint(a, b)`, that is
/// `randrange(a, b + 1)` — `b + 1` must be arithmetic, both ends integral
/// and the range not empty. `r` is a uniform draw from `[0, 1)`.
pub fn random_int(a: &V, b: &V, r: f64) -> R<V> {
    let stop = match b {
        V::Bool(x) => V::Int(i64::from(*x) + 1),
        V::Int(i) => V::big(BigInt::from(*i) + 1),
        V::Big(x) => V::big(&**x + 1),
        V::Float(f) => V::Float(f + 1.0),
        _ => {
            return err(
                ErrorKind::Type,
                "unsupported operand type(s) for +: the end of random() is not a number",
            );
        }
    };
    let lo = range_end(a, "arg 1")?;
    let hi = range_end(&stop, "stop")?;
    if hi <= lo {
        let width = &hi - &lo;
        return err(
            ErrorKind::Value,
            format!("empty range for randrange() ({lo}, {hi}, {width})"),
        );
    }
    let width = &hi - &lo;
    let off = (width.to_f64().unwrap_or(f64::MAX) * r).floor();
    let off = format!("{off:.0}").parse::<BigInt>().unwrap_or_default();
    let off = off.min(&width - 1u32);
    Ok(V::big(lo + off))
}
