//! Why a value is undefined, in Jinja2's words. Jinja2's `Undefined`
//! carries the reason it was made (`'dict object' has no attribute 'k'`,
//! `No first item, sequence was empty.`) and raises it when used; a
//! minijinja undefined carries nothing. bora's own filters and indexing
//! note the reason here (one per evaluating thread) when they give an
//! undefined, `default` and the `defined` tests forget it when they take
//! one, and an evaluation that fails on an undefined value reports the
//! reason last noted.

use std::cell::RefCell;

use minijinja::value::{Value, ValueKind};

thread_local! {
    static WHY: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// An undefined value, made for `reason`.
pub(crate) fn because(reason: impl Into<String>) -> Value {
    let reason = reason.into();
    WHY.with(|w| *w.borrow_mut() = Some(reason));
    Value::UNDEFINED
}

/// What `obj[key]` / `obj.key` gives when `obj` has no such item or
/// attribute: Jinja2's `Undefined(obj=obj, name=key)`.
pub(crate) fn missing(obj: &Value, key: &Value) -> Value {
    let of = if obj.kind() == ValueKind::None {
        "None".to_string()
    } else {
        format!("{} object", super::jinja_ops::type_name(obj))
    };
    because(match key.as_str() {
        Some(name) => format!("'{of}' has no attribute '{name}'"),
        None => format!("{of} has no element {}", super::jinja_methods::repr(key)),
    })
}

/// Forgets the reason (a new evaluation, or an undefined value taken by
/// `default` or a `defined` test).
pub(crate) fn forget() {
    WHY.with(|w| w.borrow_mut().take());
}

/// The reason last noted, if any (and forgets it).
pub(crate) fn take() -> Option<String> {
    WHY.with(|w| w.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_jinja2s() {
        forget();
        let _ = missing(
            &Value::from(std::collections::BTreeMap::from([("a", 1)])),
            &Value::from("b"),
        );
        assert_eq!(
            take().as_deref(),
            Some("'dict object' has no attribute 'b'")
        );
        let _ = missing(&Value::from(vec![1, 2]), &Value::from(5));
        assert_eq!(take().as_deref(), Some("list object has no element 5"));
        assert_eq!(take(), None);
    }
}
