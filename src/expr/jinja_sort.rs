//! Python's `sorted()` for Jinja's filters: stable, comparing keys with
//! Python's `<` (TypeError on mixed types) in the order CPython compares
//! them, so that a failing comparison names its operands as Python does.

use std::cmp::Ordering;

use minijinja::Error;
use minijinja::value::Value;

use super::jinja_ops::py_order;

/// A stable merge sort by Python's `<` on keys (TypeError on mixed types).
pub(crate) fn py_sort<T: Clone>(items: Vec<(Value, T)>, reverse: bool) -> Result<Vec<T>, Error> {
    fn merge<T: Clone>(v: &[(Value, T)], reverse: bool) -> Result<Vec<(Value, T)>, Error> {
        if v.len() <= 1 {
            return Ok(v.to_vec());
        }
        let (a, b) = v.split_at(v.len() / 2);
        let (a, b) = (merge(a, reverse)?, merge(b, reverse)?);
        let mut out = Vec::with_capacity(v.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            // take from the right only when strictly before the left
            let right_first = if reverse {
                py_order(&a[i].0, &b[j].0, "<")? == Ordering::Less
            } else {
                py_order(&b[j].0, &a[i].0, "<")? == Ordering::Less
            };
            if right_first {
                out.push(b[j].clone());
                j += 1;
            } else {
                out.push(a[i].clone());
                i += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Ok(out)
    }
    if items.len() < 64 {
        return small_sort(items, reverse);
    }
    Ok(merge(&items, reverse)?
        .into_iter()
        .map(|(_, t)| t)
        .collect())
}

/// CPython's sort of fewer than 64 items (Objects/listobject.c): the
/// leading run (a strictly descending one reversed), then binary insertion
/// of the rest, comparing in the order Python compares, so that a failing
/// comparison names its operands as Python does. `reverse` reverses the
/// items before and after, as `list.sort` does.
fn small_sort<T: Clone>(mut v: Vec<(Value, T)>, reverse: bool) -> Result<Vec<T>, Error> {
    let lt = |a: &Value, b: &Value| -> Result<bool, Error> {
        Ok(py_order(a, b, "<")? == Ordering::Less)
    };
    if reverse {
        v.reverse();
    }
    let n = v.len();
    if n >= 2 {
        let mut run = 2;
        if lt(&v[1].0, &v[0].0)? {
            while run < n && lt(&v[run].0, &v[run - 1].0)? {
                run += 1;
            }
            v[..run].reverse();
        } else {
            while run < n && !lt(&v[run].0, &v[run - 1].0)? {
                run += 1;
            }
        }
        for start in run..n {
            let (mut l, mut r) = (0, start);
            while l < r {
                let p = l + (r - l) / 2;
                if lt(&v[start].0, &v[p].0)? {
                    r = p;
                } else {
                    l = p + 1;
                }
            }
            v[l..=start].rotate_right(1);
        }
    }
    if reverse {
        v.reverse();
    }
    Ok(v.into_iter().map(|(_, t)| t).collect())
}
