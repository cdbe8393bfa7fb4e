//! A bounded map from expression text to its compiled form, shared by the
//! evaluators. Bounded in entries and in bytes of expression text (the
//! compiled form grows with the text): past either bound the map is cleared
//! and refilled by the expressions in use, and text longer than
//! [`MAX_ITEM_BYTES`] is compiled each time instead of kept.

use std::collections::HashMap;
use std::sync::RwLock;

/// Most distinct expressions kept.
pub(crate) const MAX_ENTRIES: usize = 10_000;
/// Most bytes of expression text kept, all entries together.
pub(crate) const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Longest expression text kept; longer ones are not cached.
pub(crate) const MAX_ITEM_BYTES: usize = 64 * 1024;

struct Inner<V> {
    map: HashMap<String, V>,
    bytes: usize,
}

/// The cache. `V` is cheap to clone (an `Arc`).
pub(crate) struct Bounded<V> {
    inner: RwLock<Inner<V>>,
    max_entries: usize,
    max_bytes: usize,
}

impl<V: Clone> Default for Bounded<V> {
    fn default() -> Self {
        Self::new(MAX_ENTRIES, MAX_BYTES)
    }
}

impl<V: Clone> Bounded<V> {
    /// A cache of at most `max_entries` entries and `max_bytes` bytes of keys.
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            inner: RwLock::new(Inner {
                map: HashMap::new(),
                bytes: 0,
            }),
            max_entries,
            max_bytes,
        }
    }

    /// The cached value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.inner.read().ok()?.map.get(key).cloned()
    }

    /// Keeps `value` under `key`, unless `key` is too long to keep.
    pub(crate) fn insert(&self, key: &str, value: V) {
        if key.len() > MAX_ITEM_BYTES {
            return;
        }
        let Ok(mut w) = self.inner.write() else {
            return;
        };
        if w.map.contains_key(key) {
            return;
        }
        if w.map.len() >= self.max_entries || w.bytes + key.len() > self.max_bytes {
            w.map.clear();
            w.map.shrink_to_fit();
            w.bytes = 0;
        }
        w.bytes += key.len();
        w.map.insert(key.to_string(), value);
    }

    /// Entries and key bytes held now.
    pub(crate) fn usage(&self) -> (usize, usize) {
        self.inner.read().map_or((0, 0), |r| (r.map.len(), r.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_entries_and_bytes() {
        let c: Bounded<u32> = Bounded::new(100, 1000);
        for i in 0..10_000u32 {
            c.insert(&format!("<% {i} %>"), i);
            let (n, b) = c.usage();
            assert!(n <= 100 && b <= 1000, "{n} entries, {b} bytes");
        }
        let long = "x".repeat(MAX_ITEM_BYTES + 1);
        c.insert(&long, 1);
        assert_eq!(c.get(&long), None);
        c.insert("<% 1 %>", 7);
        assert_eq!(c.get("<% 1 %>"), Some(7));
        let big: Bounded<u32> = Bounded::new(usize::MAX, 10 * 1024);
        for i in 0..1000u32 {
            big.insert(&format!("{i}{}", "y".repeat(1000)), i);
            assert!(big.usage().1 <= 10 * 1024);
        }
    }

    #[test]
    fn evaluator_cache_stays_bounded() {
        let ev = crate::expr::Evaluator::default();
        let data = serde_json::json!({});
        let ctx = crate::expr::Context {
            data: &data,
            host: None,
        };
        // More distinct expressions than the cache keeps, in both languages
        // (the byte bound is checked on `Bounded` above).
        for i in 0..MAX_ENTRIES + 500 {
            let _ = ev.evaluate_str(&format!("<% {i} %>"), &ctx);
            let _ = ev.evaluate_str(&format!("{{{{ {i} }}}}"), &ctx);
        }
        let (n, bytes) = ev.cache_usage();
        assert!(n <= MAX_ENTRIES, "{n}");
        assert!(bytes <= 3 * MAX_BYTES, "{bytes}");
    }
}
