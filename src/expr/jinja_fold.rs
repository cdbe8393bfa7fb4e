//! Jinja2's compile-time folding of literals, as far as it shows: Jinja2's
//! optimizer replaces an expression of literals (`1e308 * 10`) by its
//! value and writes that value into the generated Python code, a float as
//! `str(value)`. Infinity and NaN are written `inf` and `nan`, names no
//! context defines, so the template fails with Python's `name 'inf' is not
//! defined`. Called by `jinja_ast`'s walk for each expression not inside a
//! folded one.

use minijinja::machinery::ast::{self, Expr};
use minijinja::value::ValueKind;

use crate::expr::{Error, ErrorKind};

/// What an expression of literals folds to: a number, or another constant
/// (a comparison, a test, a filter over constants), whose value does not
/// matter here.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Folded {
    Int(i128),
    Float(f64),
    Other,
    /// A list or dict literal holding a non-finite float (written into the
    /// code as `[inf]`).
    Holds(f64),
}

/// The error Jinja2 gives for `e` when `e` is the whole of a folded
/// expression whose value is a non-finite float. `Ok(true)` when `e` folds
/// (its parts are then folded with it and need no look), `Ok(false)` when
/// it does not.
pub(crate) fn check(e: &Expr<'_>, plus: &[u32], src: &str) -> Result<bool, Error> {
    match fold(e, plus) {
        Some(Folded::Float(f) | Folded::Holds(f)) if !f.is_finite() => {
            let name = if f.is_nan() { "nan" } else { "inf" };
            Err(Error {
                kind: ErrorKind::Other,
                lang: "Jinja",
                expression: src.to_string(),
                message: format!("name '{name}' is not defined"),
            })
        }
        Some(_) => Ok(true),
        None => Ok(false),
    }
}

/// Whether Jinja2 folds `e` whole (an output that folds is written as
/// text, so even a folded infinity prints `inf` there).
pub(crate) fn folds(e: &Expr<'_>, plus: &[u32]) -> bool {
    fold(e, plus).is_some()
}

fn fold(e: &Expr<'_>, plus: &[u32]) -> Option<Folded> {
    match e {
        Expr::Const(c) if c.value.kind() == ValueKind::Number => {
            if c.value.is_integer() {
                i128::try_from(c.value.clone()).ok().map(Folded::Int)
            } else {
                f64::try_from(c.value.clone()).ok().map(Folded::Float)
            }
        }
        Expr::Const(_) => Some(Folded::Other),
        Expr::List(l) => container(l.items.iter(), plus),
        Expr::Map(m) => container(m.keys.iter().chain(m.values.iter()), plus),
        Expr::UnaryOp(u) => {
            let v = fold(&u.expr, plus)?;
            match u.op {
                ast::UnaryOpKind::Not => Some(Folded::Other),
                _ if plus.contains(&u.span().start_offset) => Some(v),
                _ => match v {
                    Folded::Int(i) => i.checked_neg().map(Folded::Int),
                    Folded::Float(f) => Some(Folded::Float(-f)),
                    Folded::Other | Folded::Holds(_) => None,
                },
            }
        }
        Expr::BinOp(b) => binop(b.op, fold(&b.left, plus)?, fold(&b.right, plus)?),
        // a filter or test over literals: folded when it does not raise
        Expr::Filter(f) => {
            let value = match &f.expr {
                Some(x) => Some(fold(x, plus)?),
                None => None,
            };
            let other = args(&f.args, plus)?;
            Some(match (f.name, value, f.expr.as_ref()) {
                // `'inf' | float` is a float Python parses from the string
                ("float", Some(Folded::Other), Some(Expr::Const(c))) => c
                    .value
                    .as_str()
                    .and_then(py_float_text)
                    .map_or(Folded::Other, Folded::Float),
                ("float", Some(Folded::Int(i)), _) => Folded::Float(i as f64),
                ("float" | "abs" | "round", Some(Folded::Float(v)), _) if !v.is_finite() => {
                    Folded::Float(if f.name == "abs" { v.abs() } else { v })
                }
                _ => other,
            })
        }
        Expr::Test(t) => {
            fold(&t.expr, plus)?;
            args(&t.args, plus)
        }
        Expr::Compare(c) => {
            fold(&c.expr, plus)?;
            for op in &c.ops {
                fold(&op.expr, plus)?;
            }
            Some(Folded::Other)
        }
        _ => None,
    }
}

/// A list or dict literal folds when every part does.
fn container<'a, 'b: 'a>(
    parts: impl Iterator<Item = &'a Expr<'b>>,
    plus: &[u32],
) -> Option<Folded> {
    let mut out = Folded::Other;
    for p in parts {
        match fold(p, plus)? {
            Folded::Float(f) | Folded::Holds(f) if !f.is_finite() => out = Folded::Holds(f),
            _ => {}
        }
    }
    Some(out)
}

fn args(args: &[ast::CallArg<'_>], plus: &[u32]) -> Option<Folded> {
    for a in args {
        match a {
            ast::CallArg::Pos(x) | ast::CallArg::Kwarg(_, x) => {
                fold(x, plus)?;
            }
            _ => return None,
        }
    }
    Some(Folded::Other)
}

/// Python's arithmetic on two folded numbers; None where Python raises
/// (the optimizer then leaves the expression to run) or the operator is no
/// arithmetic.
fn binop(op: ast::BinOpKind, l: Folded, r: Folded) -> Option<Folded> {
    use Folded::{Float, Int};
    use ast::BinOpKind as K;
    let float = |v: Folded| match v {
        Int(i) => Some(i as f64),
        Float(f) => Some(f),
        Folded::Other | Folded::Holds(_) => None,
    };
    if matches!(
        op,
        K::Eq | K::Ne | K::Lt | K::Lte | K::Gt | K::Gte | K::ScAnd | K::ScOr | K::Concat
    ) {
        return Some(Folded::Other);
    }
    if let (Int(a), Int(b)) = (l, r) {
        let int = match op {
            K::Add => Some(a.checked_add(b)),
            K::Sub => Some(a.checked_sub(b)),
            K::Mul => Some(a.checked_mul(b)),
            K::FloorDiv | K::Rem if b == 0 => return None,
            K::FloorDiv => Some(Some(py_floor_div(a, b))),
            K::Rem => Some(Some(a - b * py_floor_div(a, b))),
            K::Pow if b >= 0 => Some(u32::try_from(b).ok().and_then(|e| a.checked_pow(e))),
            _ => None,
        };
        // an int beyond i128 is still an int in Python: folded, finite
        if let Some(i) = int {
            return Some(i.map_or(Folded::Other, Int));
        }
    }
    let (a, b) = (float(l)?, float(r)?);
    // Python's float `%` and `//` with an infinity or NaN follow their own
    // rules (`5 % inf` is 5.0); such a fold is left unnamed
    if matches!(op, K::Rem | K::FloorDiv) && !(a.is_finite() && b.is_finite()) {
        return Some(Folded::Other);
    }
    let v = match op {
        K::Add => a + b,
        K::Sub => a - b,
        K::Mul => a * b,
        K::Div if b != 0.0 => a / b,
        K::FloorDiv if b != 0.0 => (a / b).floor(),
        K::Rem if b != 0.0 => a - b * (a / b).floor(),
        // a negative base to a fractional power is a complex number
        K::Pow if a < 0.0 && b.fract() != 0.0 => return Some(Folded::Other),
        // a float power out of range raises OverflowError in Python
        K::Pow if a == 0.0 && b < 0.0 => return None,
        K::Pow => Some(a.powf(b)).filter(|p| p.is_finite() || !a.is_finite() || !b.is_finite())?,
        _ => return None,
    };
    Some(Float(v))
}

/// Python's `float(text)` (`1.5`, `inf`, `-Infinity`, `nan`, `1e400`);
/// None where Python raises.
fn py_float_text(text: &str) -> Option<f64> {
    let t = text.trim().replace('_', "");
    let v = match t.to_ascii_lowercase().trim_start_matches(['+', '-']) {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => t.parse::<f64>().ok()?,
    };
    Some(if t.starts_with('-') { -v.abs() } else { v })
}

/// Python's `a // b` of two ints (rounding toward negative infinity).
fn py_floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::machinery::{ast::Expr, parse_expr};

    fn message(src: &str) -> Option<String> {
        let e: Expr<'_> = parse_expr(src).ok()?;
        check(&e, &[], src).err().map(|e| e.message)
    }

    #[test]
    fn a_literal_expression_folding_to_infinity_or_nan_names_it() {
        assert_eq!(
            message("1e308 * 10").as_deref(),
            Some("name 'inf' is not defined")
        );
        assert_eq!(
            message("-1e308 * 10").as_deref(),
            Some("name 'inf' is not defined")
        );
        assert_eq!(
            message("1e308 * 10 - 1e308 * 10").as_deref(),
            Some("name 'nan' is not defined")
        );
        assert_eq!(message("1 / (1e308 * 10)"), None);
        assert_eq!(message("1e308 * 10 > 1"), None);
        assert_eq!(message("1e308 * 10 > 1 and 1e308 * 10 ~ 'x'"), None);
        assert_eq!(message("1e308 ** 2"), None);
        assert_eq!(message("2 ** 100 * 3"), None);
        assert_eq!(message("1 / 0"), None);
        assert_eq!(message("(1e308 * 10) | string"), None);
        assert_eq!(
            message("'-Infinity' | float").as_deref(),
            Some("name 'inf' is not defined")
        );
        assert_eq!(
            message("' nan ' | float").as_deref(),
            Some("name 'nan' is not defined")
        );
        assert_eq!(message("'1.5' | float"), None);
        assert_eq!(message("('inf' | float) | string"), None);
        assert_eq!(
            message("[1, 'inf' | float]").as_deref(),
            Some("name 'inf' is not defined")
        );
        assert_eq!(message("[1, 'nan' | float, 0] | max"), None);
        assert_eq!(message("5 % ('inf' | float)"), None);
    }
}
