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
}

/// The error Jinja2 gives for `e` when `e` is the whole of a folded
/// expression whose value is a non-finite float. `Ok(true)` when `e` folds
/// (its parts are then folded with it and need no look), `Ok(false)` when
/// it does not.
pub(crate) fn check(e: &Expr<'_>, plus: &[u32], src: &str) -> Result<bool, Error> {
    match fold(e, plus) {
        Some(Folded::Float(f)) if !f.is_finite() => {
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
        Expr::UnaryOp(u) => {
            let v = fold(&u.expr, plus)?;
            match u.op {
                ast::UnaryOpKind::Not => Some(Folded::Other),
                _ if plus.contains(&u.span().start_offset) => Some(v),
                _ => match v {
                    Folded::Int(i) => i.checked_neg().map(Folded::Int),
                    Folded::Float(f) => Some(Folded::Float(-f)),
                    Folded::Other => None,
                },
            }
        }
        Expr::BinOp(b) => binop(b.op, fold(&b.left, plus)?, fold(&b.right, plus)?),
        // a filter or test over literals: folded when it does not raise
        Expr::Filter(f) => {
            if let Some(x) = &f.expr {
                fold(x, plus)?;
            }
            args(&f.args, plus)
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
        Folded::Other => None,
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
    }
}
