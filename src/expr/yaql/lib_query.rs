//! YAQL query functions (yaql `queries.py`): lambdas get the item as
//! `$`/`$1`, dictionaries are not iterable, lazy results come back as
//! [`V::Iter`] (not indexable, as in yaql).

use std::cmp::Ordering;
use std::rc::Rc;

use indexmap::IndexMap;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::interp::{Args, Interp, PArg, R, SortSpec, err, no_func};
use super::lib::arity;
use super::value::{Key, V, py_eq};
use crate::expr::ErrorKind;

pub(super) fn items_of(v: &V) -> Option<Vec<V>> {
    v.items().map(|s| s.to_vec())
}

fn empty_err<T>() -> R<T> {
    err(ErrorKind::Empty, "")
}

fn reduce_err<T>() -> R<T> {
    err(
        ErrorKind::Type,
        "reduce() of empty iterable with no initial value",
    )
}

fn build(it: &mut Interp<'_>, v: Vec<V>) -> R<V> {
    it.check_size(v.len())?;
    Ok(V::iter(v))
}

/// Sorts `xs` by `specs` as yaql's `OrderingIterable` does: Python's
/// `sorted` with a comparator that computes the keys of the two items it
/// compares, the next key only on a tie. A key is therefore never computed
/// for a collection of fewer than two items, and a `thenBy` key only for
/// items whose earlier keys tie; an error computing a key, or an
/// incomparable pair, fails the sort.
fn sort_lazily<'a>(it: &mut Interp<'a>, xs: &[V], specs: &[SortSpec<'a>]) -> R<Vec<V>> {
    if xs.len() < 2 {
        return Ok(xs.to_vec());
    }
    let mut memo: Vec<Vec<Option<V>>> = vec![vec![None; xs.len()]; specs.len()];
    let mut failure: Option<super::interp::YErr> = None;
    let mut key = |it: &mut Interp<'a>, s: usize, i: usize| -> Result<V, super::interp::YErr> {
        if let Some(v) = &memo[s][i] {
            return Ok(v.clone());
        }
        let (p, sc, _) = &specs[s];
        let v = it.lam(p, *sc, std::slice::from_ref(&xs[i]))?;
        memo[s][i] = Some(v.clone());
        Ok(v)
    };
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| {
        if failure.is_some() {
            return Ordering::Equal;
        }
        for (s, (_, _, desc)) in specs.iter().enumerate() {
            let (ka, kb) = match (key(it, s, a), key(it, s, b)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(e), _) | (_, Err(e)) => {
                    failure = Some(e);
                    return Ordering::Equal;
                }
            };
            match super::ops::order(&ka, &kb) {
                Some(Ordering::Equal) => continue,
                Some(o) => return if *desc { o.reverse() } else { o },
                // the comparator asks `<` first, whichever the direction
                None => {
                    let op = "#operator_<";
                    failure = Some(match no_func::<()>(op) {
                        Err(e) => e,
                        Ok(()) => return Ordering::Equal,
                    });
                    return Ordering::Equal;
                }
            }
        }
        Ordering::Equal
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(order.into_iter().map(|i| xs[i].clone()).collect()),
    }
}

pub fn call<'a>(it: &mut Interp<'a>, name: &str, a: &Args<'a>) -> R<Option<V>> {
    let n = a.pos.len();
    macro_rules! coll {
        ($i:expr) => {
            match items_of(&it.arg(a, $i)?) {
                Some(v) => v,
                None => return Ok(None),
            }
        };
    }
    macro_rules! lam {
        ($i:expr, $params:expr) => {
            it.lam(&a.pos[$i].clone(), a.sc, $params)?
        };
    }
    Ok(Some(match name {
        "where" | "filter" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let mut out = Vec::new();
            for x in xs {
                if lam!(1, std::slice::from_ref(&x)).truthy() {
                    out.push(x);
                }
            }
            it.tagged(V::iter(out), "<filter object at 0x...>")
        }
        "select" | "map" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let mut out = Vec::with_capacity(xs.len());
            for x in xs {
                out.push(lam!(1, std::slice::from_ref(&x)));
            }
            it.tagged(V::iter(out), "<map object at 0x...>")
        }
        "selectMany" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let mut out = Vec::new();
            for x in xs {
                let r = lam!(1, std::slice::from_ref(&x));
                match r.items() {
                    Some(inner) => out.extend(inner.iter().cloned()),
                    None => out.push(r),
                }
                it.check_size(out.len())?;
            }
            it.tagged(V::iter(out), "<generator object select_many at 0x...>")
        }
        "skip" | "limit" | "take" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let c = match it.arg(a, 1)? {
                V::Int(i) => i,
                V::Bool(b) => i64::from(b),
                V::Big(_) => -1,
                _ => return Ok(None),
            };
            if c < 0 {
                return err(
                    ErrorKind::Value,
                    // CPython's islice: a stop of -1 (or one that overflows)
                    // is the "Stop argument"; any other negative index
                    // fails the later "Indices" check
                    if name == "skip" || c < -1 {
                        "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize."
                    } else {
                        "Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize."
                    },
                );
            }
            let c = c as usize;
            let out = if name == "skip" {
                V::iter(xs.into_iter().skip(c).collect())
            } else {
                V::iter(xs.into_iter().take(c).collect())
            };
            it.tagged(out, "<itertools.islice object at 0x...>")
        }
        "append" if n >= 1 => {
            let mut xs = coll!(0);
            for i in 1..n {
                xs.push(it.arg(a, i)?);
            }
            build(it, xs)?
        }
        "distinct" if arity(a, 1, 2) => {
            let xs = coll!(0);
            let mut seen: Vec<V> = Vec::new();
            let mut out = Vec::new();
            for x in xs {
                let k = if n == 2 {
                    lam!(1, std::slice::from_ref(&x))
                } else {
                    x.clone()
                };
                if !seen.iter().any(|s| py_eq(s, &k)) {
                    seen.push(k);
                    out.push(x);
                }
            }
            it.tagged(V::iter(out), "<generator object distinct at 0x...>")
        }
        "enumerate" if arity(a, 1, 2) => {
            let xs = coll!(0);
            // Python's int: a start of any size counts exactly.
            let start = if n == 2 {
                match it.arg(a, 1)? {
                    V::Int(i) => BigInt::from(i),
                    V::Big(b) => (*b).clone(),
                    _ => return Ok(None),
                }
            } else {
                BigInt::from(0)
            };
            V::iter(
                xs.into_iter()
                    .enumerate()
                    .map(|(i, x)| V::list(vec![V::big(&start + BigInt::from(i)), x]))
                    .collect(),
            )
        }
        "any" | "all" if arity(a, 1, 2) => {
            let xs = coll!(0);
            let want_all = name == "all";
            let mut res = want_all;
            for x in xs {
                let t = if n == 2 {
                    lam!(1, std::slice::from_ref(&x)).truthy()
                } else if want_all {
                    x.truthy()
                } else {
                    true
                };
                if want_all && !t {
                    res = false;
                    break;
                }
                if !want_all && t {
                    res = true;
                    break;
                }
            }
            V::Bool(res)
        }
        "concat" => {
            let vals = it.all_args(a)?;
            if !vals.is_empty() && vals.iter().all(|v| v.items().is_some()) {
                let mut out = Vec::new();
                for v in &vals {
                    out.extend(v.items().unwrap_or(&[]).iter().cloned());
                    it.check_size(out.len())?;
                }
                V::iter(out)
            } else {
                return Ok(None);
            }
        }
        "len" if arity(a, 1, 1) => match it.arg(a, 0)? {
            V::Dict(d, _) => V::Int(d.len() as i64),
            // an ordering (orderBy's result) and a dict's values() are
            // iterable but neither a sequence nor an iterator: no len()
            V::Iter(ptr) if it.not_iterator(&ptr) => return Ok(None),
            V::Str(s) => V::Int(s.chars().count() as i64),
            v => match v.items() {
                Some(x) => V::Int(x.len() as i64),
                None => return Ok(None),
            },
        },
        "count" if arity(a, 1, 1) => V::Int(coll!(0).len() as i64),
        "memorize" | "toList" if arity(a, 1, 1) => V::list(coll!(0)),
        "sum" if arity(a, 1, 2) => {
            let xs = coll!(0);
            let mut acc = if n == 2 { Some(it.arg(a, 1)?) } else { None };
            for x in xs {
                acc = Some(match acc {
                    None => x,
                    Some(p) => super::ops::add(it, &p, &x)?,
                });
            }
            match acc {
                Some(v) => v,
                None => return reduce_err(),
            }
        }
        "max" | "min" if a.method && arity(a, 1, 2) => {
            let xs = coll!(0);
            let mut acc = if n == 2 { Some(it.arg(a, 1)?) } else { None };
            // yaql's min and max both ask `#operator_>` (min keeps the
            // later item when the earlier is greater)
            let opname = "#operator_>";
            for x in xs {
                acc = Some(match acc {
                    None => x,
                    Some(p) => {
                        let o = match super::ops::order(&x, &p) {
                            Some(o) => o,
                            None => return no_func(opname),
                        };
                        let better = if name == "max" {
                            o == Ordering::Greater
                        } else {
                            o == Ordering::Less
                        };
                        if better { x } else { p }
                    }
                });
            }
            match acc {
                Some(v) => v,
                None => return reduce_err(),
            }
        }
        "first" | "last" if arity(a, 1, 2) => {
            let xs = coll!(0);
            // the default is an ordinary argument: evaluated before the
            // call, whether or not the collection is empty
            let default = if n == 2 { Some(it.arg(a, 1)?) } else { None };
            let pick = if name == "first" {
                xs.first()
            } else {
                xs.last()
            };
            match (pick, default) {
                (Some(v), _) => v.clone(),
                (None, Some(d)) => d,
                (None, None) => return empty_err(),
            }
        }
        "single" if arity(a, 1, 1) => {
            let xs = coll!(0);
            match xs.len() {
                0 => return empty_err(),
                1 => xs[0].clone(),
                _ => return err(ErrorKind::Empty, "Collection contains more than one item"),
            }
        }
        "range" if arity(a, 1, 3) => {
            let vals = it.all_args(a)?;
            // Python ints of any size; booleans count
            let ints: Option<Vec<BigInt>> = vals
                .iter()
                .map(|v| match v {
                    V::Bool(b) => Some(BigInt::from(u8::from(*b))),
                    _ if v.is_int() => v.to_bigint(),
                    _ => None,
                })
                .collect();
            let Some(ints) = ints else { return Ok(None) };
            let one = BigInt::from(1);
            let (start, stop, step) = match ints.as_slice() {
                [s] => (BigInt::ZERO, s.clone(), one),
                [a0, b] => (a0.clone(), b.clone(), one),
                [a0, b, c] => (a0.clone(), b.clone(), c.clone()),
                _ => return Ok(None),
            };
            if step.is_zero() {
                return err(ErrorKind::Value, "range() arg 3 must not be zero");
            }
            // the number of items, as Python's range computes it
            let span = if step.is_positive() {
                &stop - &start
            } else {
                &start - &stop
            };
            let count = if span.is_positive() {
                ((span - 1u8) / step.abs() + 1u8)
                    .to_u64()
                    .unwrap_or(u64::MAX)
            } else {
                0
            };
            it.check_size(usize::try_from(count).unwrap_or(usize::MAX))?;
            it.spend(count)?;
            let mut out = Vec::with_capacity(count as usize);
            let mut x = start;
            for _ in 0..count {
                out.push(V::big(x.clone()));
                x += &step;
            }
            it.tagged(V::iter(out), "<range_iterator object at 0x...>")
        }
        // sequence(start=0, step=1) counts in ints; cycle() wants a
        // collection: yaql finds no overload for anything else
        "sequence"
            if !a.method
                && n <= 2
                && a.named.is_empty()
                && it
                    .all_args(a)?
                    .iter()
                    .all(|v| matches!(v, V::Int(_) | V::Big(_) | V::Bool(_))) =>
        {
            return err(
                ErrorKind::Limit,
                "size limit exceeded: sequence() is infinite",
            );
        }
        "cycle"
            if a.method
                && n == 1
                && matches!(it.arg(a, 0)?, V::List(_) | V::Iter(_) | V::Set(..)) =>
        {
            return err(ErrorKind::Limit, "size limit exceeded: cycle() is infinite");
        }
        "sequence" | "cycle" => return Ok(None),
        "repeat" if arity(a, 1, 2) => {
            let v = it.arg(a, 0)?;
            let times = if n == 2 {
                match it.arg(a, 1)? {
                    V::Int(i) => i,
                    V::Big(_) => {
                        return err(
                            ErrorKind::Overflow,
                            "Python int too large to convert to C ssize_t",
                        );
                    }
                    _ => return Ok(None),
                }
            } else {
                -1
            };
            if times < 0 {
                return err(
                    ErrorKind::Limit,
                    "size limit exceeded: repeat() without a count is infinite",
                );
            }
            it.check_size(times as usize)?;
            it.spend(times as u64)?;
            V::iter(vec![v; times as usize])
        }
        "orderBy" | "orderByDescending" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let specs = vec![(a.pos[1].clone(), a.sc, name == "orderByDescending")];
            let out = Rc::new(sort_lazily(it, &xs, &specs)?);
            it.orderings.push((out.clone(), Rc::new(xs), specs));
            V::Iter(out)
        }
        "thenBy" | "thenByDescending" if arity(a, 2, 2) => {
            let recv = it.arg(a, 0)?;
            let V::Iter(ptr) = &recv else { return Ok(None) };
            let Some(pos) = it.orderings.iter().position(|o| Rc::ptr_eq(&o.0, ptr)) else {
                return Ok(None);
            };
            let (_, source, mut specs) = it.orderings[pos].clone();
            specs.push((a.pos[1].clone(), a.sc, name == "thenByDescending"));
            let out = Rc::new(sort_lazily(it, &source, &specs)?);
            it.orderings.push((out.clone(), source, specs));
            V::Iter(out)
        }
        // collection1.join(collection2, predicate, selector): every pair
        // the predicate accepts, through the selector
        "join" if a.method && arity(a, 4, 4) => {
            let (left, right) = (coll!(0), coll!(1));
            let mut out = Vec::new();
            for x in &left {
                for y in &right {
                    let pair = [x.clone(), y.clone()];
                    if lam!(2, &pair).truthy() {
                        out.push(lam!(3, &pair));
                        it.check_size(out.len())?;
                    }
                }
            }
            V::iter(out)
        }
        "groupBy" if arity(a, 1, 4) => {
            // the lambdas come positionally or by keyword (keySelector,
            // valueSelector, aggregator), each at most once
            let mut sel: [Option<PArg<'a>>; 3] = [None, None, None];
            for (i, s) in sel.iter_mut().enumerate() {
                *s = a.pos.get(i + 1).cloned();
            }
            for (k, e) in &a.named {
                let i = match k.as_str() {
                    "keySelector" => 0,
                    "valueSelector" => 1,
                    "aggregator" => 2,
                    _ => return Ok(None),
                };
                if sel[i].is_some() {
                    return Ok(None);
                }
                sel[i] = Some(PArg::Expr(e));
            }
            let [Some(key_sel), value_sel, agg] = sel else {
                return Ok(None);
            };
            let xs = coll!(0);
            let mut groups: IndexMap<Key, Vec<V>> = IndexMap::new();
            for x in &xs {
                // yaql computes the value before the key
                let v = match &value_sel {
                    Some(p) => it.lam(p, a.sc, std::slice::from_ref(x))?,
                    None => x.clone(),
                };
                let k = it.lam(&key_sel, a.sc, std::slice::from_ref(x))?;
                super::interp::hashable(&k)?;
                groups.entry(Key(k)).or_default().push(v);
            }
            let mut out = Vec::with_capacity(groups.len());
            // yaql's GroupAggregator: the aggregator gets the values; on a
            // no-match or index error it may fall back to the (key, values)
            // pair (yaql 1.1.1 style)
            let mut failure: Option<super::interp::YErr> = None;
            let mut allow_fallback = true;
            for (k, vs) in groups {
                let vs_len = vs.len();
                let first = vs.first().cloned();
                let vs = V::list(vs);
                let Some(agg) = &agg else {
                    out.push(V::list(vec![k.0, vs]));
                    continue;
                };
                if failure.is_none() {
                    match it.lam(agg, a.sc, std::slice::from_ref(&vs)) {
                        Ok(r) => {
                            let pair_like = vs_len == 2
                                && matches!(&r, V::List(x) if x.len() == 2 && first.as_ref().is_some_and(|f| py_eq(&x[0], f)));
                            if !pair_like {
                                allow_fallback = false;
                            }
                            out.push(V::list(vec![k.0, r]));
                            continue;
                        }
                        Err(e)
                            if matches!(
                                e.kind,
                                ErrorKind::NoMatchingFunction | ErrorKind::Index
                            ) =>
                        {
                            failure = Some(e);
                        }
                        Err(e) => return Err(e),
                    }
                }
                if allow_fallback {
                    let pair = V::list(vec![k.0.clone(), vs.clone()]);
                    if let Ok(r) = it.lam(agg, a.sc, std::slice::from_ref(&pair))
                        && (r.items().is_some_and(|x| x.len() == 2)
                            || matches!(&r, V::Str(s) if s.chars().count() == 2))
                    {
                        out.push(r);
                        continue;
                    }
                }
                if let Some(e) = failure.clone() {
                    return Err(e);
                }
            }
            V::iter(out)
        }
        "zip" | "zipLongest" if n >= 1 => {
            let mut cols = Vec::with_capacity(n);
            for i in 0..n {
                cols.push(coll!(i));
            }
            let default = if name == "zipLongest" {
                it.named(a, "default")?.unwrap_or(V::Null)
            } else {
                V::Null
            };
            let len = if name == "zip" {
                cols.iter().map(Vec::len).min().unwrap_or(0)
            } else {
                cols.iter().map(Vec::len).max().unwrap_or(0)
            };
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                out.push(V::list(
                    cols.iter()
                        .map(|c| c.get(i).cloned().unwrap_or_else(|| default.clone()))
                        .collect(),
                ));
            }
            V::iter(out)
        }
        "takeWhile" | "skipWhile" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let mut cut = xs.len();
            for (i, x) in xs.iter().enumerate() {
                if !lam!(1, std::slice::from_ref(x)).truthy() {
                    cut = i;
                    break;
                }
            }
            if name == "takeWhile" {
                V::iter(xs[..cut].to_vec())
            } else {
                V::iter(xs[cut..].to_vec())
            }
        }
        "indexOf" | "lastIndexOf" if arity(a, 2, 2) && it.arg(a, 0)?.items().is_some() => {
            let xs = coll!(0);
            let item = it.arg(a, 1)?;
            let found = if name == "indexOf" {
                xs.iter().position(|x| py_eq(x, &item))
            } else {
                xs.iter().rposition(|x| py_eq(x, &item))
            };
            V::Int(found.map_or(-1, |i| i as i64))
        }
        "indexWhere" | "lastIndexWhere" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let mut found = -1i64;
            for (i, x) in xs.iter().enumerate() {
                if lam!(1, std::slice::from_ref(x)).truthy() {
                    found = i as i64;
                    if name == "indexWhere" {
                        break;
                    }
                }
            }
            V::Int(found)
        }
        "slice" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let len = match it.arg(a, 1)? {
                V::Int(i) if i > 0 => i as usize,
                // islice(it, 0) is empty: the first part is, and ends it
                V::Int(0) => return Ok(Some(V::iter(Vec::new()))),
                V::Int(i) => {
                    let what = if i < -1 { "Indices" } else { "Stop argument" };
                    return err(
                        ErrorKind::Value,
                        format!(
                            "{what} for islice() must be None or an integer: 0 <= x <= sys.maxsize."
                        ),
                    );
                }
                _ => return Ok(None),
            };
            V::iter(xs.chunks(len).map(|c| V::list(c.to_vec())).collect())
        }
        "splitWhere" | "sliceWhere" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let mut out = Vec::new();
            let mut cur = Vec::new();
            let mut last: Option<V> = None;
            for x in xs {
                let t = lam!(1, std::slice::from_ref(&x));
                if name == "splitWhere" {
                    if t.truthy() {
                        out.push(V::list(std::mem::take(&mut cur)));
                    } else {
                        cur.push(x);
                    }
                } else {
                    if let Some(l) = &last
                        && !py_eq(l, &t)
                        && !cur.is_empty()
                    {
                        out.push(V::list(std::mem::take(&mut cur)));
                    }
                    last = Some(t);
                    cur.push(x);
                }
            }
            if !cur.is_empty() {
                out.push(V::list(cur));
            }
            V::iter(out)
        }
        "splitAt" if arity(a, 2, 2) => {
            let xs = coll!(0);
            // a Python slice bound: negative counts from the end
            let len = xs.len() as i64;
            let k = match it.arg(a, 1)? {
                V::Int(i) if i < 0 => (len + i).max(0) as usize,
                V::Int(i) => i.min(len) as usize,
                V::Bool(b) => usize::from(b).min(xs.len()),
                V::Big(b) if b.sign() == num_bigint::Sign::Minus => 0,
                V::Big(_) => xs.len(),
                _ => return Ok(None),
            };
            V::iter(vec![V::list(xs[..k].to_vec()), V::list(xs[k..].to_vec())])
        }
        "aggregate" | "reduce" | "accumulate" if arity(a, 2, 3) => {
            let xs = coll!(0);
            let mut iter = xs.into_iter();
            let mut acc = if n == 3 {
                it.arg(a, 2)?
            } else {
                match iter.next() {
                    Some(v) => v,
                    None if name == "accumulate" => {
                        return err(
                            ErrorKind::Type,
                            "accumulate() of empty sequence with no initial value",
                        );
                    }
                    None => return reduce_err(),
                }
            };
            let mut trail = vec![acc.clone()];
            for x in iter {
                acc = lam!(1, &[acc, x]);
                if name == "accumulate" {
                    trail.push(acc.clone());
                }
            }
            if name == "accumulate" {
                V::iter(trail)
            } else {
                acc
            }
        }
        "reverse" if arity(a, 1, 1) => {
            let mut xs = coll!(0);
            xs.reverse();
            V::iter(xs)
        }
        "isIterable" if arity(a, 1, 1) => V::Bool(it.arg(a, 0)?.items().is_some()),
        "generate" if (3..=5).contains(&n) => {
            let mut x = it.arg(a, 0)?;
            let mut out = Vec::new();
            loop {
                if !lam!(1, std::slice::from_ref(&x)).truthy() {
                    break;
                }
                let y = if n >= 4 {
                    lam!(3, std::slice::from_ref(&x))
                } else {
                    x.clone()
                };
                out.push(y);
                it.check_size(out.len())?;
                x = lam!(2, std::slice::from_ref(&x));
            }
            V::iter(out)
        }
        "generateMany" if (2..=5).contains(&n) => return super::lib_gen::generate_many(it, a),
        // the default must be iterable too
        "defaultIfEmpty" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let default = coll!(1);
            V::iter(if xs.is_empty() { default } else { xs })
        }
        _ => return Ok(None),
    }))
}
