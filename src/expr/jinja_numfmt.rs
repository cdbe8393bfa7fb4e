//! Jinja2's number-formatting filters, `round` and `filesizeformat`, with
//! their Python signatures and arithmetic (jinja2/filters.py); registered by
//! [`super::jinja_filters`].

use minijinja::Error;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};

use super::jinja_filters::{bind, defined, int_arg, parse_float, truthy};
use super::jinja_ops::{Num, as_num, py_err, type_name};

/// Python's `round(x, n)` on a float: correctly rounded through the decimal
/// text (as CPython does).
/// Python's `round(int, ndigits)`: an int, halves to even.
fn round_int(i: &num_bigint::BigInt, precision: i128) -> Result<Value, Error> {
    use num_integer::Integer;
    if precision >= 0 {
        return super::jinja_int::big_value(i, || i.to_string());
    }
    let m = num_bigint::BigInt::from(10).pow((-precision).min(400) as u32);
    let (q, r) = i.div_mod_floor(&m);
    let twice = &r * 2;
    let up = twice > m || (twice == m && q.is_odd());
    let q = if up { q + 1 } else { q };
    super::jinja_int::big_value(&(q * &m), || format!("round({i}, {precision})"))
}

fn round_float(x: f64, n: i128) -> f64 {
    if !x.is_finite() || n > 308 {
        return x;
    }
    if n >= 0 {
        let s = format!("{x:.prec$}", prec = n as usize);
        return s.parse().unwrap_or(x);
    }
    let m = 10f64.powi((-n).min(400) as i32);
    let y = x / m;
    let r = y.round();
    let r = if (y - y.trunc()).abs() == 0.5 {
        2.0 * (y / 2.0).round()
    } else {
        r
    };
    r * m
}

/// `round(value, precision=0, method='common')`.
pub(super) fn round(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_round", &["precision", "method"], 0, &args, &kw)?;
    let method = match &a[1] {
        Some(m) => m.as_str().map(String::from).unwrap_or_default(),
        None => "common".into(),
    };
    if !["common", "ceil", "floor"].contains(&method.as_str()) {
        return Err(py_err(
            "FilterArgumentError",
            "method must be common, ceil or floor",
        ));
    }
    if value.is_undefined() {
        // ceil and floor multiply first, and an undefined value refuses `*`
        if method != "common" {
            return Err(super::jinja_ops::undefined_error());
        }
        return Err(py_err(
            "TypeError",
            "type StrictUndefined doesn't define __round__ method",
        ));
    }
    let precision = match &a[0] {
        Some(p) => int_arg(p)?,
        None => 0,
    };
    let num = as_num(&value).ok_or_else(|| {
        // ceil and floor compute `math.floor(value * 10 ** precision)`
        let message = match (method.as_str(), value.kind()) {
            ("common", _) => format!("type {} doesn't define __round__ method", type_name(&value)),
            (_, ValueKind::String | ValueKind::Seq) => {
                format!("must be real number, not {}", type_name(&value))
            }
            _ => format!(
                "unsupported operand type(s) for *: '{}' and '{}'",
                type_name(&value),
                if precision < 0 { "float" } else { "int" }
            ),
        };
        py_err("TypeError", message)
    })?;
    if method == "common" {
        if let Some(i) = super::jinja_int::as_big(&value) {
            return round_int(&i, precision);
        }
        return Ok(match num {
            Num::Int(i) => Value::from(i),
            Num::Float(f) => Value::from(round_float(f, precision)),
        });
    }
    let x = match num {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    };
    let m = 10f64.powi(precision.clamp(-400, 400) as i32);
    let y = x * m;
    if !y.is_finite() {
        return Err(py_err(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let r = if method == "ceil" {
        y.ceil()
    } else {
        y.floor()
    };
    Ok(Value::from(r / m))
}

/// `filesizeformat(value, binary=False)`.
pub(super) fn filesizeformat(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_filesizeformat", &["binary"], 0, &args, &kw)?;
    let binary = match &a[0] {
        Some(b) => truthy(b)?,
        None => false,
    };
    defined(&value)?;
    let bytes = match (value.as_str(), as_num(&value)) {
        (Some(s), _) => parse_float(s).ok_or_else(|| {
            py_err(
                "ValueError",
                format!("could not convert string to float: '{s}'"),
            )
        })?,
        (None, Some(Num::Int(i))) => i as f64,
        (None, Some(Num::Float(f))) => f,
        _ => {
            return Err(py_err(
                "TypeError",
                format!(
                    "float() argument must be a string or a real number, not '{}'",
                    type_name(&value)
                ),
            ));
        }
    };
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    let prefixes = if binary {
        ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    } else {
        ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
    };
    if bytes == 1.0 {
        return Ok(Value::from("1 Byte"));
    }
    if bytes < base {
        if bytes.is_nan() {
            return Err(py_err("ValueError", "cannot convert float NaN to integer"));
        }
        return Ok(Value::from(format!("{} Bytes", bytes.trunc() as i128)));
    }
    let mut unit = base;
    for (i, prefix) in prefixes.iter().enumerate() {
        unit = base.powi(i as i32 + 2);
        if bytes < unit || i + 1 == prefixes.len() {
            return Ok(Value::from(format!("{:.1} {prefix}", base * bytes / unit)));
        }
    }
    Ok(Value::from(format!("{:.1} YB", base * bytes / unit)))
}
