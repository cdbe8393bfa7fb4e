//! Python's frozensets of numbers for YAQL: CPython 3.11's number hashes
//! and set table (Objects/setobject.c), so that sets iterate, print and
//! combine in the order Python gives them.

use std::rc::Rc;

use num_traits::ToPrimitive;

use super::value::{V, py_eq};

/// Python's `hash()` of a number (ints, bools, floats), whose value does
/// not depend on the process; `None` for anything else (a NaN's hash is
/// its address).
fn py_num_hash(v: &V) -> Option<i64> {
    const P: i64 = (1 << 61) - 1;
    let h = match v {
        V::Bool(b) => i64::from(*b),
        V::Int(i) => {
            let m = (i.unsigned_abs() % P as u64) as i64;
            if *i < 0 { -m } else { m }
        }
        V::Big(b) => {
            let m = (b.magnitude() % num_bigint::BigUint::from(P as u64))
                .to_i64()
                .unwrap_or(0);
            if b.sign() == num_bigint::Sign::Minus {
                -m
            } else {
                m
            }
        }
        V::Float(f) => return py_float_hash(*f),
        _ => return None,
    };
    Some(if h == -1 { -2 } else { h })
}

/// `frexp`: `v = m * 2**e` with `0.5 <= |m| < 1` (`v` finite, not zero).
fn frexp(v: f64) -> (f64, i32) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        let (m, e) = frexp(v * 2f64.powi(54));
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, exp - 1022)
}

/// CPython's `_Py_HashDouble`: the hash of the rational the float is,
/// modulo the Mersenne prime 2**61 - 1 (so `hash(2.0) == hash(2)`).
fn py_float_hash(v: f64) -> Option<i64> {
    const BITS: u32 = 61;
    const MODULUS: u64 = (1 << 61) - 1;
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        return Some(if v > 0.0 { 314_159 } else { -314_159 });
    }
    if v == 0.0 {
        return Some(0);
    }
    let (mut m, mut e) = frexp(v);
    let negative = m < 0.0;
    if negative {
        m = -m;
    }
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | x >> (BITS - 28);
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e as u32 % BITS
    } else {
        BITS - 1 - ((-1 - e) as u32 % BITS)
    };
    x = ((x << e) & MODULUS) | x >> (BITS - e);
    let h = if negative {
        (x as i64).wrapping_neg()
    } else {
        x as i64
    };
    Some(if h == -1 { -2 } else { h })
}

/// One slot of a set table.
#[derive(Clone, Debug)]
enum Slot {
    Unused,
    /// A removed key's place: searches go on past it.
    Dummy,
    Active(V, i64),
}

/// A CPython 3.11 set table (Objects/setobject.c), for sets whose every
/// hash is known ([`py_num_hash`]): open addressing, runs of 9 linear
/// probes then perturbation, growth when 3/5 full, dummies left by
/// removals (an insertion takes the last dummy on its probe path). Python
/// iterates a set in slot order, so this gives yaql's set orders.
#[derive(Clone, Debug)]
pub struct PyTable {
    slots: Vec<Slot>,
    fill: usize,
    used: usize,
}

impl PyTable {
    const LINEAR_PROBES: usize = 9;

    fn new() -> Self {
        PyTable {
            slots: vec![Slot::Unused; 8],
            fill: 0,
            used: 0,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The probe sequence of `hash`, calling `visit` with each slot index
    /// until it returns true.
    fn probe(mask: usize, hash: i64, mut visit: impl FnMut(usize) -> bool) {
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let probes = if i + Self::LINEAR_PROBES <= mask {
                Self::LINEAR_PROBES
            } else {
                0
            };
            for j in 0..=probes {
                if visit(i + j) {
                    return;
                }
            }
            perturb >>= 5;
            i = i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize)
                & mask;
        }
    }

    /// `set_insert_clean`: `key` is known to be absent, there are no dummies.
    fn insert_clean(slots: &mut [Slot], key: V, hash: i64) {
        let mask = slots.len() - 1;
        let mut at = 0;
        Self::probe(mask, hash, |k| {
            at = k;
            matches!(slots[k], Slot::Unused)
        });
        slots[at] = Slot::Active(key, hash);
    }

    /// `set_table_resize`: the smallest table above `minused`, keys
    /// reinserted in slot order, dummies dropped.
    fn resize(&mut self, minused: usize) {
        let mut size = 8;
        while size <= minused {
            size <<= 1;
        }
        let old = std::mem::replace(&mut self.slots, vec![Slot::Unused; size]);
        for s in old {
            if let Slot::Active(k, h) = s {
                Self::insert_clean(&mut self.slots, k, h);
            }
        }
        self.fill = self.used;
    }

    /// The slot holding a key equal to `key`.
    fn find(&self, key: &V, hash: i64) -> Option<usize> {
        let mut found = None;
        Self::probe(self.mask(), hash, |k| match &self.slots[k] {
            Slot::Unused => true,
            Slot::Active(x, h) if *h == hash && py_eq(x, key) => {
                found = Some(k);
                true
            }
            _ => false,
        });
        found
    }

    /// `set_add_entry`: a key already present is left alone.
    fn add(&mut self, key: V, hash: i64) {
        let mut present = false;
        let mut unused = 0;
        let mut dummy = None;
        Self::probe(self.mask(), hash, |k| match &self.slots[k] {
            Slot::Unused => {
                unused = k;
                true
            }
            Slot::Dummy => {
                dummy = Some(k);
                false
            }
            Slot::Active(x, h) => {
                present = *h == hash && py_eq(x, &key);
                present
            }
        });
        if present {
            return;
        }
        self.used += 1;
        if let Some(k) = dummy {
            self.slots[k] = Slot::Active(key, hash);
            return;
        }
        self.slots[unused] = Slot::Active(key, hash);
        self.fill += 1;
        if self.fill * 5 >= self.mask() * 3 {
            let used = self.used;
            self.resize(if used > 50000 { used * 2 } else { used * 4 });
        }
    }

    /// `set_discard_entry`: the key's slot becomes a dummy.
    fn discard(&mut self, key: &V, hash: i64) -> bool {
        match self.find(key, hash) {
            Some(k) => {
                self.slots[k] = Slot::Dummy;
                self.used -= 1;
                true
            }
            None => false,
        }
    }

    /// `set_merge`: one resize up front, then a slot copy or clean inserts
    /// into an empty table, else ordinary adds.
    fn merge(&mut self, other: &PyTable) {
        if other.used == 0 {
            return;
        }
        if (self.fill + other.used) * 5 >= self.mask() * 3 {
            self.resize((self.used + other.used) * 2);
        }
        if self.fill == 0 && self.mask() == other.mask() && other.fill == other.used {
            *self = other.clone();
        } else if self.fill == 0 {
            for (k, h) in other.entries() {
                Self::insert_clean(&mut self.slots, k.clone(), h);
            }
            self.fill = other.used;
            self.used = other.used;
        } else {
            for (k, h) in other.entries() {
                self.add(k.clone(), h);
            }
        }
    }

    /// The keys with their hashes, in iteration (slot) order.
    fn entries(&self) -> impl Iterator<Item = (&V, i64)> {
        self.slots.iter().filter_map(|s| match s {
            Slot::Active(k, h) => Some((k, *h)),
            _ => None,
        })
    }

    /// `make_new_set` of an iterable that is not a set: keys added one by one.
    pub(super) fn from_adds(items: Vec<V>) -> Option<PyTable> {
        let hashes = items
            .iter()
            .map(py_num_hash)
            .collect::<Option<Vec<i64>>>()?;
        let mut t = PyTable::new();
        for (k, h) in items.into_iter().zip(hashes) {
            t.add(k, h);
        }
        Some(t)
    }

    /// `set_copy`: a new set merged from this one.
    fn copy(&self) -> PyTable {
        let mut t = PyTable::new();
        t.merge(self);
        t
    }

    /// The set value this table is.
    pub(super) fn into_value(self) -> V {
        let keys = self.entries().map(|(k, _)| k.clone()).collect();
        V::Set(Rc::new(keys), Some(Rc::new(self)))
    }
}

/// The tables of two sets, when both have one.
fn tables<'a>(a: &'a V, b: &'a V) -> Option<(&'a PyTable, &'a PyTable)> {
    match (a, b) {
        (V::Set(_, Some(x)), V::Set(_, Some(y))) => Some((x, y)),
        _ => None,
    }
}

fn set_items(v: &V) -> &[V] {
    match v {
        V::Set(items, _) => items,
        _ => &[],
    }
}

/// `a.union(b)` (also `a + b`, `a.add(...)`) of two sets: a copy of `a`
/// with `b` merged in. Sets without a table (unknown hashes) keep the
/// order of first appearance.
pub fn set_union(a: &V, b: &V) -> V {
    if let Some((x, y)) = tables(a, b) {
        let mut t = x.copy();
        t.merge(y);
        return t.into_value();
    }
    V::set_from(set_items(a).iter().chain(set_items(b)).cloned())
}

/// `a.symmetric_difference(b)`: a copy of `b`, then each key of `a`
/// removed when there, else added.
pub fn set_symmetric_difference(a: &V, b: &V) -> V {
    if let Some((x, y)) = tables(a, b) {
        let mut t = y.copy();
        for (k, h) in x.entries() {
            if !t.discard(k, h) {
                t.add(k.clone(), h);
            }
        }
        return t.into_value();
    }
    let (l, r) = (set_items(a), set_items(b));
    let has = |s: &[V], x: &V| s.iter().any(|y| py_eq(x, y));
    V::set_from(
        l.iter()
            .filter(|x| !has(r, x))
            .chain(r.iter().filter(|x| !has(l, x)))
            .cloned(),
    )
}

/// `a.intersection(b)`: the keys of the smaller set (`b` on a tie) that
/// the other holds, added to a new set.
pub fn set_intersection(a: &V, b: &V) -> V {
    if let Some((x, y)) = tables(a, b) {
        return table_intersection(x, y).into_value();
    }
    let (l, r) = (set_items(a), set_items(b));
    let has = |s: &[V], x: &V| s.iter().any(|y| py_eq(x, y));
    let (big, small) = if r.len() > l.len() { (r, l) } else { (l, r) };
    V::set_from(small.iter().filter(|x| has(big, x)).cloned())
}

fn table_intersection(x: &PyTable, y: &PyTable) -> PyTable {
    let (big, small) = if y.used > x.used { (y, x) } else { (x, y) };
    let mut t = PyTable::new();
    for (k, h) in small.entries() {
        if big.find(k, h).is_some() {
            t.add(k.clone(), h);
        }
    }
    t
}

/// `a.difference(b)`: when `a` is more than four times larger, a copy of
/// `a` with `b`'s keys removed; else `a`'s keys not in `b` added to a new
/// set.
pub fn set_difference(a: &V, b: &V) -> V {
    if let Some((x, y)) = tables(a, b) {
        if (x.used >> 2) > y.used {
            let mut t = x.copy();
            let inter;
            let other = if (y.used >> 3) > t.used {
                inter = table_intersection(&t, y);
                &inter
            } else {
                y
            };
            for (k, h) in other.entries() {
                t.discard(k, h);
            }
            return t.into_value();
        }
        let mut t = PyTable::new();
        for (k, h) in x.entries() {
            if y.find(k, h).is_none() {
                t.add(k.clone(), h);
            }
        }
        return t.into_value();
    }
    let r = set_items(b);
    V::set_from(
        set_items(a)
            .iter()
            .filter(|x| !r.iter().any(|y| py_eq(x, y)))
            .cloned(),
    )
}
