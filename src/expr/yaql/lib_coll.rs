//! YAQL collection functions (yaql `collections.py`): lists, dicts and
//! sets; dictionaries are not iterable, results of list operations come back
//! as [`V::Iter`] like yaql's generators.

use std::rc::Rc;

use indexmap::IndexMap;

use super::interp::{Args, Interp, PArg, R, err};
use super::lib::{arity, int_arg};
use super::value::{DictKind, Key, V, py_eq};
use crate::expr::ErrorKind;

fn items_of(v: &V) -> Option<Vec<V>> {
    v.items().map(|s| s.to_vec())
}

fn build(it: &mut Interp<'_>, v: Vec<V>) -> R<V> {
    it.check_size(v.len())?;
    Ok(V::iter(v))
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
        // collections.py
        "list" => {
            // lazy sequences among the arguments are unrolled, lists are not
            let vals = it.all_args(a)?;
            let mut out = Vec::new();
            for v in vals {
                match v {
                    V::Iter(items) => out.extend(items.iter().cloned()),
                    other => out.push(other),
                }
            }
            V::list(out)
        }
        "flatten" if arity(a, 1, 1) => {
            let xs = coll!(0);
            let mut out = Vec::new();
            flatten_into(it, &xs, &mut out, 0)?;
            it.tagged(V::iter(out), "<generator object flatten at 0x...>")
        }
        "dict" => {
            let mut m = IndexMap::new();
            if n == 1 && a.named.is_empty() {
                let src = coll!(0);
                // yaql's dict(items): the first two things each item
                // iterates to are the key and the value
                for pair in src {
                    let firsts: Vec<V> = match &pair {
                        V::Str(s) => s
                            .chars()
                            .take(2)
                            .map(|c| V::string(c.to_string()))
                            .collect(),
                        V::Dict(d, _) => d.keys().take(2).map(|k| k.0.clone()).collect(),
                        other => match other.items() {
                            Some(xs) => xs.iter().take(2).cloned().collect(),
                            None => {
                                return err(
                                    ErrorKind::Type,
                                    format!("'{}' object is not iterable", other.type_name()),
                                );
                            }
                        },
                    };
                    let [k, v] = <[V; 2]>::try_from(firsts).map_err(|_| super::interp::YErr {
                        kind: ErrorKind::Empty,
                        msg: String::new(),
                    })?;
                    super::interp::hashable(&k)?;
                    m.insert(Key(k), v);
                }
            } else if n == 0 {
                // mapping rules in order; a key that is not a bare name or
                // a string is computed (`dict($ => 3)`)
                for arg in a.raw {
                    let super::parser::Arg::Named(k, e) = arg else {
                        continue;
                    };
                    let key = match k {
                        super::parser::Expr::Keyword(s) | super::parser::Expr::Str(s) => V::str(s),
                        other => {
                            let key = it.eval(other, a.sc)?;
                            super::interp::hashable(&key)?;
                            key
                        }
                    };
                    let v = it.eval(e, a.sc)?;
                    m.insert(Key(key), v);
                }
            } else {
                return Ok(None);
            }
            V::Dict(Rc::new(m), DictKind::Frozen)
        }
        "toDict" if arity(a, 2, 3) => {
            let xs = coll!(0);
            let mut m = IndexMap::new();
            for x in xs {
                let k = lam!(1, std::slice::from_ref(&x));
                super::interp::hashable(&k)?;
                let v = if n == 3 {
                    lam!(2, std::slice::from_ref(&x))
                } else {
                    x
                };
                m.insert(Key(k), v);
            }
            V::Dict(Rc::new(m), DictKind::Plain)
        }
        "get" if arity(a, 2, 3) => {
            let V::Dict(d, _) = it.arg(a, 0)? else {
                return Ok(None);
            };
            let k = it.arg(a, 1)?;
            // the default is evaluated before the lookup, found or not
            let default = if n == 3 { it.arg(a, 2)? } else { V::Null };
            match d.get(&Key(k)) {
                Some(v) => v.clone(),
                None => default,
            }
        }
        "set" if !a.method => {
            // lazy sequences among the arguments are unpacked (recursively)
            fn unpack(v: V, out: &mut Vec<V>) {
                match v {
                    V::Iter(xs) => xs.iter().for_each(|x| unpack(x.clone(), out)),
                    other => out.push(other),
                }
            }
            let mut vals = Vec::new();
            for v in it.all_args(a)? {
                unpack(v, &mut vals);
            }
            for v in &vals {
                super::interp::hashable(v)?;
            }
            V::set_from(vals)
        }
        "set" if a.method => {
            let V::Dict(d, _) = it.arg(a, 0)? else {
                return Ok(None);
            };
            let mut m = (*d).clone();
            match n {
                3 => {
                    let k = it.arg(a, 1)?;
                    super::interp::hashable(&k)?;
                    m.insert(Key(k), it.arg(a, 2)?);
                }
                2 => {
                    let V::Dict(r, _) = it.arg(a, 1)? else {
                        return Ok(None);
                    };
                    for (k, v) in r.iter() {
                        m.insert(k.clone(), v.clone());
                    }
                }
                1 => {
                    for (k, e) in &a.named {
                        let v = it.eval(e, a.sc)?;
                        m.insert(Key(V::str(k)), v);
                    }
                }
                _ => return Ok(None),
            }
            V::Dict(Rc::new(m), DictKind::Frozen)
        }
        "keys" | "values" | "items" if arity(a, 1, 1) => {
            let dict = it.arg(a, 0)?;
            let V::Dict(d, dk) = &dict else {
                return Ok(None);
            };
            // a plain dict's views are Python's dict_keys/dict_values/dict_items
            let plain = *dk == DictKind::Plain;
            let (items, kind): (Vec<V>, _) = match name {
                "keys" => (
                    d.keys().map(|k| k.0.clone()).collect(),
                    if plain { "dict_keys" } else { "KeysView" },
                ),
                "values" => (
                    d.values().cloned().collect(),
                    if plain { "dict_values" } else { "ValuesView" },
                ),
                _ => (
                    d.iter()
                        .map(|(k, v)| V::list(vec![k.0.clone(), v.clone()]))
                        .collect(),
                    if plain { "dict_items" } else { "ItemsView" },
                ),
            };
            let items = Rc::new(items);
            it.views.push(super::interp::View {
                items: items.clone(),
                kind,
                dict: dict.clone(),
            });
            if name == "values" {
                V::Iter(items)
            } else {
                V::Set(items, None)
            }
        }
        "contains" if arity(a, 2, 2) => {
            let xs = coll!(0);
            let v = it.arg(a, 1)?;
            V::Bool(xs.iter().any(|x| py_eq(x, &v)))
        }
        "containsKey" | "containsValue" if arity(a, 2, 2) => {
            let V::Dict(d, _) = it.arg(a, 0)? else {
                return Ok(None);
            };
            let v = it.arg(a, 1)?;
            if name == "containsKey" {
                V::Bool(d.contains_key(&Key(v)))
            } else {
                V::Bool(d.values().any(|x| py_eq(x, &v)))
            }
        }
        "isDict" if arity(a, 1, 1) => V::Bool(matches!(it.arg(a, 0)?, V::Dict(..))),
        "isList" if arity(a, 1, 1) => V::Bool(matches!(it.arg(a, 0)?, V::List(_))),
        "isSet" if arity(a, 1, 1) => V::Bool(matches!(it.arg(a, 0)?, V::Set(..))),
        "delete" if n >= 1 => match it.arg(a, 0)? {
            V::Dict(d, _) => {
                let mut m = (*d).clone();
                for i in 1..n {
                    let k = it.arg(a, i)?;
                    m.shift_remove(&Key(k));
                }
                V::Dict(Rc::new(m), DictKind::Plain)
            }
            v => {
                let Some(xs) = v.items().map(|s| s.to_vec()) else {
                    return Ok(None);
                };
                if !(2..=3).contains(&n) {
                    return Ok(None);
                }
                let Some(pos) = int_arg(&it.arg(a, 1)?) else {
                    return Ok(None);
                };
                let count = if n == 3 {
                    match int_arg(&it.arg(a, 2)?) {
                        Some(c) => c,
                        None => return Ok(None),
                    }
                } else {
                    1
                };
                let mut out = Vec::new();
                for (i, x) in xs.into_iter().enumerate() {
                    let i = i as i64;
                    if i < pos || (count >= 0 && i >= pos.saturating_add(count)) {
                        out.push(x);
                    }
                }
                V::iter(out)
            }
        },
        "deleteAll" if arity(a, 2, 2) => {
            let V::Dict(d, _) = it.arg(a, 0)? else {
                return Ok(None);
            };
            let ks = coll!(1);
            let mut m = (*d).clone();
            for k in ks {
                m.shift_remove(&Key(k));
            }
            V::Dict(Rc::new(m), DictKind::Plain)
        }
        "insert" | "insertMany" if arity(a, 3, 3) => {
            let xs = coll!(0);
            let Some(pos) = int_arg(&it.arg(a, 1)?) else {
                return Ok(None);
            };
            let v = it.arg(a, 2)?;
            let ins = if name == "insertMany" {
                match v.items() {
                    Some(s) => s.to_vec(),
                    None => return Ok(None),
                }
            } else {
                vec![v]
            };
            // insert is list.insert (a negative position counts from the
            // end); insertMany puts the values first for any negative one
            let p = if pos < 0 && name == "insertMany" {
                0
            } else if pos < 0 {
                (xs.len() as i64 + pos).max(0) as usize
            } else {
                (pos as usize).min(xs.len())
            };
            let mut out = xs[..p].to_vec();
            out.extend(ins);
            out.extend_from_slice(&xs[p..]);
            build(it, out)?
        }
        "replace" | "replaceMany" if (3..=4).contains(&n) && it.arg(a, 0)?.items().is_some() => {
            let xs = coll!(0);
            let Some(pos) = int_arg(&it.arg(a, 1)?) else {
                return Ok(None);
            };
            let v = it.arg(a, 2)?;
            let count = if n == 4 {
                match int_arg(&it.arg(a, 3)?) {
                    Some(c) => c,
                    None => return Ok(None),
                }
            } else {
                1
            };
            let ins = if name == "replaceMany" {
                match v.items() {
                    Some(s) => s.to_vec(),
                    None => return Ok(None),
                }
            } else {
                vec![v]
            };
            // the values replace the items in [pos, pos + count) (from pos
            // on for a negative count), once, where the first one was
            let mut out = Vec::new();
            let mut yielded = false;
            for (i, x) in xs.into_iter().enumerate() {
                let i = i as i64;
                let hit = if count >= 0 {
                    pos <= i && i < pos.saturating_add(count)
                } else {
                    i >= pos
                };
                if !hit {
                    out.push(x);
                } else if !yielded {
                    out.extend(ins.iter().cloned());
                    yielded = true;
                }
            }
            V::iter(out)
        }
        // `frozenset(s)` of a frozenset is `s` itself
        "toSet" if arity(a, 1, 1) => match it.arg(a, 0)? {
            s @ V::Set(_, Some(_)) => s,
            v => match items_of(&v) {
                Some(xs) => V::set_from(xs),
                None => return Ok(None),
            },
        },
        "union" | "intersect" | "difference" | "symmetricDifference" if arity(a, 2, 2) => {
            let (l, r) = (it.arg(a, 0)?, it.arg(a, 1)?);
            if !matches!((&l, &r), (V::Set(..), V::Set(..))) {
                return Ok(None);
            }
            match name {
                "union" => super::pyset::set_union(&l, &r),
                "intersect" => super::pyset::set_intersection(&l, &r),
                "difference" => super::pyset::set_difference(&l, &r),
                _ => super::pyset::set_symmetric_difference(&l, &r),
            }
        }
        // `s.union(frozenset(values))`, `s.difference(frozenset(values))`
        "add" | "remove" if n >= 1 => {
            let s = it.arg(a, 0)?;
            if !matches!(s, V::Set(..)) {
                return Ok(None);
            }
            let mut vals = Vec::new();
            for i in 1..n {
                vals.push(it.arg(a, i)?);
            }
            let vals = V::set_from(vals);
            if name == "add" {
                super::pyset::set_union(&s, &vals)
            } else {
                super::pyset::set_difference(&s, &vals)
            }
        }
        "mergeWith" if arity(a, 2, 5) => {
            let (V::Dict(l, _), V::Dict(r, _)) = (it.arg(a, 0)?, it.arg(a, 1)?) else {
                return Ok(None);
            };
            // listMerger, itemMerger, maxLevels: by position or keyword
            let mut opt: [Option<PArg<'a>>; 3] = [None, None, None];
            for (i, o) in opt.iter_mut().enumerate() {
                *o = a.pos.get(i + 2).cloned();
            }
            for (k, e) in &a.named {
                let i = match k.as_str() {
                    "listMerger" => 0,
                    "itemMerger" => 1,
                    "maxLevels" => 2,
                    _ => return Ok(None),
                };
                if opt[i].is_some() {
                    return Ok(None);
                }
                opt[i] = Some(PArg::Expr(e));
            }
            let [list_merger, item_merger, levels] = opt;
            let levels = match levels {
                None | Some(PArg::Missing) => Some(0),
                Some(PArg::Val(v)) => int_arg(&v),
                Some(PArg::Expr(e)) => int_arg(&it.eval(e, a.sc)?),
            };
            let Some(levels) = levels else {
                return Ok(None);
            };
            let m = Mergers {
                list: list_merger,
                item: item_merger,
                sc: a.sc,
            };
            V::Dict(Rc::new(merge(it, &m, &l, &r, levels)?), DictKind::Plain)
        }
        _ => return Ok(None),
    }))
}

fn flatten_into(it: &mut Interp<'_>, xs: &[V], out: &mut Vec<V>, depth: usize) -> R<()> {
    if depth > it.limits.max_depth {
        return err(
            ErrorKind::Limit,
            format!("depth limit exceeded (max_depth {})", it.limits.max_depth),
        );
    }
    for x in xs {
        match x.items() {
            Some(inner) => flatten_into(it, inner, out, depth + 1)?,
            None => out.push(x.clone()),
        }
        it.check_size(out.len())?;
    }
    Ok(())
}

/// The optional lambdas of `mergeWith`.
struct Mergers<'a> {
    list: Option<PArg<'a>>,
    item: Option<PArg<'a>>,
    sc: usize,
}

/// yaql `_merge_dicts`: a mapping in `r` merges into a mapping (else a
/// TypeError), a list into a list through the list merger (default: the
/// distinct items of both), anything else through the item merger (default:
/// the right value); `levels` 1 stops the recursion (0: no limit).
fn merge<'a>(
    it: &mut Interp<'a>,
    m: &Mergers<'a>,
    l: &IndexMap<Key, V>,
    r: &IndexMap<Key, V>,
    levels: i64,
) -> R<IndexMap<Key, V>> {
    let conflict = |a: &V, b: &V| {
        err(
            ErrorKind::Type,
            format!(
                "Cannot merge <class '{}'> with <class '{}'>",
                super::lib::class_of(a, true),
                super::lib::class_of(b, true)
            ),
        )
    };
    let mut out = l.clone();
    for (k, lv) in l {
        let Some(rv) = r.get(k) else { continue };
        let merged = match (lv, rv) {
            (V::Dict(a, _), V::Dict(b, _)) if levels != 1 => V::Dict(
                Rc::new(merge(it, m, a, b, (levels - 1).max(0))?),
                DictKind::Plain,
            ),
            (_, V::Dict(..)) if levels != 1 => return conflict(lv, rv),
            (V::List(_), V::List(_)) if levels != 1 => {
                let pair = [lv.clone(), rv.clone()];
                match &m.list {
                    Some(f) => it.lam(f, m.sc, &pair)?,
                    None => {
                        let mut xs: Vec<V> = Vec::new();
                        for x in lv
                            .items()
                            .unwrap_or(&[])
                            .iter()
                            .chain(rv.items().unwrap_or(&[]))
                        {
                            if !xs.iter().any(|y| py_eq(x, y)) {
                                xs.push(x.clone());
                            }
                        }
                        V::list(xs)
                    }
                }
            }
            (_, V::List(_)) if levels != 1 => return conflict(lv, rv),
            _ => match &m.item {
                Some(f) => it.lam(f, m.sc, &[lv.clone(), rv.clone()])?,
                None => rv.clone(),
            },
        };
        out.insert(k.clone(), merged);
    }
    for (k, rv) in r {
        if !out.contains_key(k) {
            out.insert(k.clone(), rv.clone());
        }
    }
    Ok(out)
}

/// yaql `characters(...)`: the characters of the `string` module constants
/// whose flags are true, each once (`tuple(set(...))`, so in no particular
/// order). `letters`, `lowercase` and `uppercase` are Python 2 names the
/// module lacks: asking for one is an AttributeError.
pub fn characters<'a>(it: &mut Interp<'a>, a: &Args<'a>) -> R<V> {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    const SPACE: &str = " \t\n\r\u{b}\u{c}";
    let names = [
        "digits",
        "hexdigits",
        "asciiLowercase",
        "asciiUppercase",
        "asciiLetters",
        "letters",
        "octdigits",
        "punctuation",
        "printable",
        "lowercase",
        "uppercase",
        "whitespace",
    ];
    let mut text = String::new();
    for (i, name) in names.iter().enumerate() {
        // each flag is declared `bool` (nullable): other values match no
        // overload
        let flag = match it.named(a, name)? {
            Some(v) => Some(v),
            None if i < a.pos.len() => Some(it.arg(a, i)?),
            None => None,
        };
        let flag = match flag {
            None | Some(V::Null) => false,
            Some(V::Bool(b)) => b,
            Some(_) => return super::interp::no_func("characters"),
        };
        if !flag {
            continue;
        }
        match *name {
            "digits" => text.push_str("0123456789"),
            "hexdigits" => text.push_str("0123456789abcdefABCDEF"),
            "asciiLowercase" => text.push_str(LOWER),
            "asciiUppercase" => text.push_str(UPPER),
            "asciiLetters" => text.extend([LOWER, UPPER]),
            "octdigits" => text.push_str("01234567"),
            "punctuation" => text.push_str(PUNCT),
            "printable" => text.extend(["0123456789", LOWER, UPPER, PUNCT, SPACE]),
            "whitespace" => text.push_str(SPACE),
            other => {
                return err(
                    ErrorKind::Attribute,
                    format!("module 'string' has no attribute '{other}'"),
                );
            }
        }
    }
    Ok(V::list(
        text.chars()
            .collect::<indexmap::IndexSet<char>>()
            .into_iter()
            .map(|c| V::string(c.to_string()))
            .collect(),
    ))
}
