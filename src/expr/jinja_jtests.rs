//! Jinja2's tests (`x is odd`, `x is sequence`, `x is gt(1)`, ...) as
//! jinja2/tests.py defines them, with Python semantics: `odd`, `even` and
//! `divisibleby` compute `value % n` (a string formats, a list raises),
//! comparison tests refuse mixed types, `sequence` is "has len() and
//! __getitem__" (strings and dicts are), `iterable` asks iter() (an
//! undefined value raises), `number` counts bools.

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error};

use super::jinja_ast::{FILTERS, TESTS};
use super::jinja_ops::{
    py_contains, py_eq, py_err, py_mod_values, py_order, type_name, undefined_error,
};

fn defined(v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        return Err(undefined_error());
    }
    Ok(())
}

/// `value % n == r`, Python's way.
fn mod_is(value: &Value, n: &Value, r: i64) -> Result<bool, Error> {
    defined(value)?;
    defined(n)?;
    Ok(py_eq(&py_mod_values(value, n)?, &Value::from(r)))
}

/// `name in env.filters` (or tests): a dict lookup, so the value must hash.
fn registered(value: &Value, names: &[&str]) -> Result<bool, Error> {
    defined(value)?;
    if matches!(value.kind(), ValueKind::Seq | ValueKind::Map) && !super::jinja_ops::is_tuple(value)
    {
        return Err(py_err(
            "TypeError",
            format!("unhashable type: '{}'", type_name(value)),
        ));
    }
    Ok(value.as_str().is_some_and(|s| names.contains(&s)))
}

/// Python's `str.islower()` / `str.isupper()` on `str(value)`.
fn case_test(value: &Value, lower: bool) -> Result<bool, Error> {
    defined(value)?;
    let s = super::jinja::py_str(value);
    let (mut cased, mut wrong) = (false, false);
    for c in s.chars() {
        if c.is_lowercase() {
            cased = true;
            wrong |= !lower;
        } else if c.is_uppercase() {
            cased = true;
            wrong |= lower;
        }
    }
    Ok(cased && !wrong)
}

fn ordering(op: &'static str) -> impl Fn(Value, Value) -> Result<bool, Error> {
    move |a: Value, b: Value| {
        if super::jinja_ops::unordered(&a, &b) {
            return Ok(false);
        }
        let o = py_order(&a, &b, op)?;
        Ok(match op {
            "<" => o.is_lt(),
            "<=" => o.is_le(),
            ">" => o.is_gt(),
            _ => o.is_ge(),
        })
    }
}

fn equal(negate: bool) -> impl Fn(Value, Value) -> Result<bool, Error> {
    move |a: Value, b: Value| {
        defined(&a)?;
        defined(&b)?;
        Ok(py_eq(&a, &b) != negate)
    }
}

/// Registers Jinja2's tests (replacing minijinja's of the same names).
pub(crate) fn register(env: &mut Environment<'static>) {
    let undef = |v: &Value| v.is_undefined() || super::jinja_values::is_plain_undefined(v);
    let taken = move |v: &Value| {
        let u = undef(v);
        if u {
            super::jinja_undef::forget();
        }
        u
    };
    env.add_test("defined", move |v: Value| !taken(&v));
    env.add_test("undefined", move |v: Value| taken(&v));
    env.add_test("odd", |v: Value| mod_is(&v, &Value::from(2), 1));
    env.add_test("even", |v: Value| mod_is(&v, &Value::from(2), 0));
    env.add_test("divisibleby", |v: Value, n: Value| mod_is(&v, &n, 0));
    env.add_test("filter", |v: Value| registered(&v, FILTERS));
    env.add_test("test", |v: Value| registered(&v, TESTS));
    env.add_test("none", |v: Value| v.kind() == ValueKind::None);
    env.add_test("boolean", |v: Value| v.kind() == ValueKind::Bool);
    env.add_test("true", |v: Value| {
        v.kind() == ValueKind::Bool && v.is_true()
    });
    env.add_test("false", |v: Value| {
        v.kind() == ValueKind::Bool && !v.is_true()
    });
    env.add_test("integer", |v: Value| {
        v.kind() == ValueKind::Number && v.is_integer()
    });
    env.add_test("float", |v: Value| {
        v.kind() == ValueKind::Number && !v.is_integer()
    });
    env.add_test("number", |v: Value| {
        matches!(v.kind(), ValueKind::Number | ValueKind::Bool)
    });
    env.add_test("string", |v: Value| v.kind() == ValueKind::String);
    env.add_test("mapping", |v: Value| v.kind() == ValueKind::Map);
    env.add_test("sequence", |v: Value| {
        matches!(
            v.kind(),
            ValueKind::String | ValueKind::Seq | ValueKind::Map | ValueKind::Bytes
        )
    });
    env.add_test("iterable", |v: Value| -> Result<bool, Error> {
        defined(&v)?;
        Ok(matches!(
            v.kind(),
            ValueKind::String
                | ValueKind::Seq
                | ValueKind::Map
                | ValueKind::Iterable
                | ValueKind::Bytes
        ))
    });
    env.add_test("lower", |v: Value| case_test(&v, true));
    env.add_test("upper", |v: Value| case_test(&v, false));
    env.add_test("escaped", |v: Value| v.is_safe());
    env.add_test("sameas", |v: Value, other: Value| py_identical(&v, &other));
    env.add_test("in", |v: Value, seq: Value| py_contains(&seq, &v));
    for name in ["==", "eq", "equalto"] {
        env.add_test(name, equal(false));
    }
    for name in ["!=", "ne"] {
        env.add_test(name, equal(true));
    }
    for (names, op) in [
        (&[">", "gt", "greaterthan"][..], ">"),
        (&[">=", "ge"][..], ">="),
        (&["<", "lt", "lessthan"][..], "<"),
        (&["<=", "le"][..], "<="),
    ] {
        for name in names {
            env.add_test(*name, ordering(op));
        }
    }
    env.add_test("callable", |v: Value| {
        v.is_undefined()
            || v.downcast_object_ref::<super::jinja_py::DictMethod>()
                .is_some()
            || v.kind() == ValueKind::Plain
            // a macro
            || (v.as_object().is_some() && v.to_string().starts_with("<macro "))
    });
}

/// Python's `a is b` for two values a template cannot tell apart by
/// origin: CPython shares only the small ints (-5 to 256), the empty string
/// and the one-character Latin-1 strings; any other number or string is a
/// new object each time Jinja2's lexer or the JSON decoder makes one, so
/// `_.n is sameas 1000` and `'ab' is sameas 'ab'` are false.
fn py_identical(a: &Value, b: &Value) -> bool {
    // every failed lookup makes a new Undefined object
    if a.is_undefined() || !minijinja::tests::is_sameas(a, b) {
        return false;
    }
    match a.kind() {
        ValueKind::Number if a.is_integer() => {
            i64::try_from(a.clone()).is_ok_and(|i| (-5..=256).contains(&i))
        }
        ValueKind::Number => false,
        ValueKind::String => {
            let mut chars = a.as_str().unwrap_or_default().chars();
            match (chars.next(), chars.next()) {
                (None, _) => true,
                (Some(c), None) => u32::from(c) < 256,
                _ => false,
            }
        }
        _ => true,
    }
}
