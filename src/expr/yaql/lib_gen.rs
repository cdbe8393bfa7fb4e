//! YAQL generators: `generateMany` and the endless sequences
//! (`sequence`, `cycle`, `repeat`) read through `take`/`limit`.

use super::interp::{Args, Interp, PArg, R, err};
use super::lib_query::items_of;
use super::value::{V, py_eq};

/// Python's `repr()` of a yaql value.
fn repr(v: &V) -> String {
    super::value::repr(v, super::value::Style::Yaql)
}
use crate::expr::ErrorKind;

/// yaql `generateMany(initial, producer, selector, decycle, depthFirst)`:
/// walks from `initial` through the items each `producer` call returns,
/// breadth first (or depth first), skipping items already seen when
/// `decycle` is true, and yields each item through `selector`.
pub fn generate_many<'a>(it: &mut Interp<'a>, a: &Args<'a>) -> R<Option<V>> {
    let mut opt: [Option<PArg<'a>>; 3] = [None, None, None];
    for (i, o) in opt.iter_mut().enumerate() {
        *o = a.pos.get(i + 2).cloned();
    }
    for (k, e) in &a.named {
        let i = match k.as_str() {
            "selector" => 0,
            "decycle" => 1,
            "depthFirst" => 2,
            _ => return Ok(None),
        };
        if opt[i].is_some() {
            return Ok(None);
        }
        opt[i] = Some(PArg::Expr(e));
    }
    let [selector, decycle, depth_first] = opt;
    let mut flag = |p: Option<PArg<'a>>| -> R<Option<bool>> {
        Ok(match p {
            None => Some(false),
            Some(PArg::Val(V::Bool(b))) => Some(b),
            Some(PArg::Expr(e)) => match it.eval(e, a.sc)? {
                V::Bool(b) => Some(b),
                _ => None,
            },
            Some(_) => None,
        })
    };
    let (Some(decycle), Some(depth_first)) = (flag(decycle)?, flag(depth_first)?) else {
        return Ok(None);
    };
    let mut queue = std::collections::VecDeque::from([it.arg(a, 0)?]);
    let mut seen: Vec<V> = Vec::new();
    let mut out = Vec::new();
    while let Some(item) = queue.pop_front() {
        it.spend(1)?;
        if decycle {
            super::interp::hashable(&item)?;
            if seen.iter().any(|x| py_eq(x, &item)) {
                continue;
            }
            seen.push(item.clone());
        }
        out.push(match &selector {
            Some(p) => it.lam(p, a.sc, std::slice::from_ref(&item))?,
            None => item.clone(),
        });
        it.check_size(out.len() + queue.len())?;
        let produced = it.lam(&a.pos[1].clone(), a.sc, std::slice::from_ref(&item))?;
        let Some(produced) = items_of(&produced) else {
            return err(
                ErrorKind::Type,
                "the producer of generateMany must return a collection",
            );
        };
        if depth_first {
            for x in produced.into_iter().rev() {
                queue.push_front(x);
            }
        } else {
            queue.extend(produced);
        }
    }
    Ok(Some(V::iter(out)))
}

/// `sequence(…).take(n)`, `x.cycle().take(n)`, `x.repeat().take(n)` (or
/// `limit`): the first `n` items of an endless sequence, which is never
/// built whole. `None` when `l.r` is not one of these forms.
pub fn take_from_endless<'a>(
    it: &mut Interp<'a>,
    l: &'a super::parser::Expr,
    r: &'a super::parser::Expr,
    sc: usize,
) -> R<Option<V>> {
    use super::parser::{Arg, BinOp, Expr};
    let Expr::Call(m, margs) = r else {
        return Ok(None);
    };
    let [Arg::Pos(count)] = margs.as_slice() else {
        return Ok(None);
    };
    if m != "take" && m != "limit" {
        return Ok(None);
    }
    enum Src {
        Seq(V, V),
        Cycle(Vec<V>),
        Repeat(V),
    }
    let src = match l {
        Expr::Call(f, a) if f == "sequence" && a.len() <= 2 => {
            let mut vals = Vec::new();
            for x in a {
                let Arg::Pos(e) = x else { return Ok(None) };
                vals.push(match it.eval(e, sc)? {
                    V::Bool(b) => V::Int(i64::from(b)),
                    v @ (V::Int(_) | V::Big(_)) => v,
                    _ => return Ok(None),
                });
            }
            let mut vals = vals.into_iter();
            Src::Seq(
                vals.next().unwrap_or(V::Int(0)),
                vals.next().unwrap_or(V::Int(1)),
            )
        }
        Expr::Binary(BinOp::Dot, inner, call) => match &**call {
            Expr::Call(f, a) if f == "cycle" && a.is_empty() => {
                match items_of(&it.eval(inner, sc)?) {
                    Some(xs) => Src::Cycle(xs),
                    None => return Ok(None),
                }
            }
            Expr::Call(f, a) if f == "repeat" && a.is_empty() => Src::Repeat(it.eval(inner, sc)?),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let n = match it.eval(count, sc)? {
        V::Int(i) if i >= 0 => i as usize,
        V::Bool(b) => usize::from(b),
        // islice refuses a negative count before the generator runs: -1 is
        // CPython's "Stop argument", a lower one fails its "Indices" check
        V::Int(i) => {
            let what = if i < -1 { "Indices" } else { "Stop argument" };
            return err(
                ErrorKind::Value,
                format!("{what} for islice() must be None or an integer: 0 <= x <= sys.maxsize."),
            );
        }
        // islice refuses a count beyond sys.maxsize
        V::Big(_) => {
            return err(
                ErrorKind::Value,
                "Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.",
            );
        }
        // no `take` takes such a count: yaql names the endless receiver
        _ => {
            let recv = match &src {
                Src::Seq(start, V::Int(1)) => format!("count({})", repr(start)),
                Src::Seq(start, step) => format!("count({}, {})", repr(start), repr(step)),
                Src::Cycle(_) => "<itertools.cycle object at 0x...>".into(),
                Src::Repeat(v) => format!("repeat({})", repr(v)),
            };
            return err(
                ErrorKind::NoMatchingFunction,
                format!("No method \"{m}\" for receiver {recv} matches supplied arguments"),
            );
        }
    };
    let n = match &src {
        Src::Cycle(xs) if xs.is_empty() => 0,
        _ => n,
    };
    it.check_size(n)?;
    it.spend(n as u64)?;
    let mut out = Vec::with_capacity(n);
    match src {
        Src::Seq(mut x, step) => {
            for _ in 0..n {
                let next = super::ops::add(it, &x, &step)?;
                out.push(std::mem::replace(&mut x, next));
            }
        }
        Src::Cycle(xs) => out.extend(xs.iter().cycle().take(n).cloned()),
        Src::Repeat(v) => out.resize(n, v),
    }
    Ok(Some(V::iter(out)))
}
