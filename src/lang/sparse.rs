//! [`Sparse`]: a part of a spec that most tasks leave empty, kept out of
//! line so that it costs one pointer where it is empty. A workflow of
//! 10,000 tasks holds 10,000 task specs in memory; their policies and
//! publish maps are mostly empty.
//!
//! It reads as the part itself (empty when absent) and serializes as the
//! part, so the stored JSON of a spec is the same as without it.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::spec::Policies;

/// A value with a shared empty form, which [`Sparse`] shows when it holds
/// nothing.
pub trait Empty: Default + 'static {
    /// The empty value, shared.
    fn empty() -> &'static Self;
    fn is_empty(&self) -> bool;
}

/// `T`, boxed when not empty.
#[derive(Clone, Default)]
pub struct Sparse<T>(Option<Box<T>>);

impl<T: Empty> Sparse<T> {
    /// `value`, kept out of line unless it is empty.
    pub fn new(value: T) -> Self {
        match value.is_empty() {
            true => Self(None),
            false => Self(Some(Box::new(value))),
        }
    }
}

impl<T: Empty> Sparse<T> {
    /// Nothing is kept: the part reads as empty.
    pub fn is_absent(&self) -> bool {
        self.0.is_none()
    }

    /// The part, leaving this empty.
    pub fn take(&mut self) -> T {
        self.0.take().map(|b| *b).unwrap_or_default()
    }
}

impl<T: Empty> From<T> for Sparse<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Empty> Deref for Sparse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.0 {
            Some(b) => b,
            None => T::empty(),
        }
    }
}

impl<T: Empty> DerefMut for Sparse<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

/// Equal as parts: an empty part kept is equal to none kept.
impl<T: Empty + PartialEq> PartialEq for Sparse<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Empty + fmt::Debug> fmt::Debug for Sparse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Empty + Serialize> Serialize for Sparse<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de, T: Empty + Deserialize<'de>> Deserialize<'de> for Sparse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Self::new)
    }
}

impl Empty for Map<String, Value> {
    fn empty() -> &'static Self {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        EMPTY.get_or_init(Map::new)
    }
    fn is_empty(&self) -> bool {
        Map::is_empty(self)
    }
}

impl Empty for Policies {
    fn empty() -> &'static Self {
        static EMPTY: Policies = Policies {
            retry: None,
            wait_before: None,
            wait_after: None,
            timeout: None,
            pause_before: None,
            concurrency: None,
            fail_on: None,
        };
        &EMPTY
    }
    fn is_empty(&self) -> bool {
        self == Self::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Empty parts take no box and read as empty; a part written through
    /// the wrapper is kept; either way the JSON is the part's own.
    #[test]
    fn reads_and_serializes_as_the_part() {
        let mut m: Sparse<Map<String, Value>> = Sparse::default();
        assert!(m.0.is_none() && m.is_empty());
        assert_eq!(serde_json::to_value(&m).ok(), Some(json!({})));
        m.insert("a".into(), json!(1));
        assert_eq!(serde_json::to_value(&m).ok(), Some(json!({"a": 1})));
        let back: Sparse<Map<String, Value>> =
            serde_json::from_value(json!({})).unwrap_or_else(|_| Sparse::new(Map::new()));
        assert!(back.0.is_none());
        let p: Sparse<Policies> =
            serde_json::from_value(json!({"timeout": 5, "retry": null})).unwrap_or_default();
        assert_eq!(p.timeout, Some(json!(5)));
        assert_eq!(std::mem::size_of::<Sparse<Policies>>(), 8);
    }
}
