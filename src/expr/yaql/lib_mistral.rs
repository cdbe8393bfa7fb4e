//! Mistral's `tasks(workflow_execution_id, recursive, state, flat)` in
//! YAQL: its arguments typed as yaql types them, the selection left to the
//! host.

use super::interp::{Args, Interp, R};
use super::lib::yaql_str;
use super::value::V;

/// `tasks(...)` with `n` positional arguments; `None` when no overload
/// accepts them.
pub fn tasks<'a>(it: &mut Interp<'a>, a: &Args<'a>, n: usize) -> R<Option<V>> {
    // `recursive=False` and `flat=False` make yaql type both as a
    // nullable bool (a parameter's type is its default's type), so
    // `tasks(id, 'x')` matches no function.
    let mut flags = [false; 2];
    for (slot, (i, name)) in [(1, "recursive"), (3, "flat")].into_iter().enumerate() {
        let v = if n > i {
            Some(it.arg(a, i)?)
        } else {
            it.named(a, name)?
        };
        match v {
            None | Some(V::Null) => {}
            Some(V::Bool(b)) => flags[slot] = b,
            Some(_) => return Ok(None),
        }
    }
    let mut state = match it.named(a, "state")? {
        Some(V::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    if n >= 3
        && let V::Str(s) = it.arg(a, 2)?
    {
        state = Some(s.to_string());
    }
    let id = if n >= 1 {
        Some(it.arg(a, 0)?)
    } else {
        it.named(a, "workflow_execution_id")?
    };
    let q = crate::expr::TasksQuery {
        execution_id: match id {
            None | Some(V::Null) => None,
            Some(V::Str(s)) => Some(s.to_string()),
            Some(v) => Some(yaql_str(&v)),
        },
        recursive: flags[0],
        state,
        flat: flags[1],
    };
    Ok(Some(match it.host {
        Some(h) => V::from_json(&h.tasks(&q)),
        None => V::list(vec![]),
    }))
}
