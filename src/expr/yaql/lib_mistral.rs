//! Mistral's `tasks(workflow_execution_id, recursive, state, flat)` in
//! YAQL: its arguments typed as yaql types them, the selection left to the
//! host.

use std::rc::Rc;

use super::interp::{Args, Interp, R, err};
use super::lib::yaql_str;
use super::value::{DictKind, V};

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
        Some(h) => V::from_json_plain(&h.tasks(&q)),
        None => V::list(vec![]),
    }))
}

/// `execution()`, `task()` or `global()` evaluated with no execution
/// behind it. Mistral's functions read `context['__execution']['id']`
/// (`task()` first `context['__task_execution']`), and yaql's context
/// answers `None` for a key it lacks: over data without `__execution`
/// (the `env` of a start, evaluated over `{'__env': …}` alone) the call
/// fails with `'NoneType' object is not subscriptable`. With the key
/// present there is nothing to read it from here: `null`.
pub fn without_execution(it: &Interp<'_>) -> R<V> {
    let has = match it.scopes.first().and_then(|s| s.vars.first()) {
        Some((_, V::Dict(d, _))) => d
            .get(&super::value::Key(V::string("__execution".to_string())))
            .is_some_and(|v| !matches!(v, V::Null)),
        _ => false,
    };
    if has {
        return Ok(V::Null);
    }
    err(
        crate::expr::ErrorKind::Type,
        "'NoneType' object is not subscriptable",
    )
}

/// What `json_dump` writes of a yaql value: Mistral calls
/// `jsonutils.dumps(data, indent=4)`, whose `default` is oslo's
/// `to_primitive`. `json` writes plain dicts, lists and tuples itself and
/// hands the rest (yaql's frozen dictionaries, sets) to `to_primitive` at
/// level 0, where a frozen dictionary at level `L` becomes a plain one at
/// `L + 1` and anything deeper than level 3 is `None`: the fourth frozen
/// dictionary nested below the first one `json` meets is written `null`.
/// Plain dictionaries (from `toDict`, `delete`, `mergeWith`, the parsers)
/// and lists do not count.
pub fn json_dump_value(v: &V) -> V {
    match v {
        V::List(xs) => V::list(xs.iter().map(json_dump_value).collect()),
        V::Iter(xs) => V::iter(xs.iter().map(json_dump_value).collect()),
        V::Dict(d, DictKind::Plain) => V::Dict(
            Rc::new(
                d.iter()
                    .map(|(k, x)| (k.clone(), json_dump_value(x)))
                    .collect(),
            ),
            DictKind::Plain,
        ),
        V::Dict(..) | V::Set(..) => to_primitive(v, 0),
        other => primitive_scalar(other),
    }
}

/// `to_primitive` of a value that is not a collection: a date-time is
/// written with oslo's `PERFECT_TIME_FORMAT`.
fn primitive_scalar(v: &V) -> V {
    match v {
        V::DateTime(t) => V::string(t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()),
        other => other.clone(),
    }
}

/// oslo's `to_primitive(value, level=level, max_depth=3)` of a yaql value:
/// only a frozen dictionary (not a `dict`) goes one level deeper.
fn to_primitive(v: &V, level: usize) -> V {
    const MAX_DEPTH: usize = 3;
    match v {
        V::Dict(..) | V::List(_) | V::Iter(_) | V::Set(..) if level > MAX_DEPTH => V::Null,
        V::Dict(d, DictKind::Plain) => V::Dict(
            Rc::new(
                d.iter()
                    .map(|(k, x)| (k.clone(), to_primitive(x, level)))
                    .collect(),
            ),
            DictKind::Plain,
        ),
        V::Dict(d, DictKind::Frozen) => {
            to_primitive(&V::Dict(d.clone(), DictKind::Plain), level + 1)
        }
        V::List(xs) | V::Iter(xs) | V::Set(xs, _) => {
            V::list(xs.iter().map(|x| to_primitive(x, level)).collect())
        }
        other => primitive_scalar(other),
    }
}

/// `yaml_dump(v)`: PyYAML's safe dump with sorted keys; what it cannot
/// represent is named as Python shows it (a lazy result by its class).
pub fn yaml_dump(it: &super::interp::Interp<'_>, v: &V) -> R<V> {
    let node = yaml_node(v).map_err(|e| match it.lazy_repr(v) {
        Some(r) if e.msg.starts_with("('cannot represent an object'") => super::interp::YErr {
            kind: e.kind,
            msg: format!("('cannot represent an object', {r})"),
        },
        _ => e,
    })?;
    Ok(V::string(crate::yaml::emit::dump(
        &node,
        crate::yaml::emit::Keys::Sorted,
    )))
}

/// The node PyYAML's safe representer makes of a yaql value for
/// `yaml_dump`: integer keys stay integers, a date-time is a timestamp;
/// sets, lazy sequences, time spans and regexes cannot be represented.
pub fn yaml_node(v: &V) -> R<crate::yaml::emit::Node> {
    use crate::yaml::emit::Node;
    Ok(match v {
        V::Null => Node::Null,
        V::Bool(b) => Node::Bool(*b),
        V::Int(i) => Node::Int(i.to_string()),
        V::Big(b) => Node::Int(b.to_string()),
        V::Float(f) => Node::Float(*f),
        V::Str(s) => Node::Str(s.to_string()),
        V::List(xs) => Node::Seq(xs.iter().map(yaml_node).collect::<R<_>>()?),
        V::Dict(d, _) => Node::Map(
            d.iter()
                .map(|(k, x)| Ok((yaml_node(&k.0)?, yaml_node(x)?)))
                .collect::<R<_>>()?,
        ),
        V::DateTime(t) => {
            let micro = t.timestamp_subsec_micros();
            let frac = if micro == 0 {
                String::new()
            } else {
                format!(".{micro:06}")
            };
            Node::Timestamp(format!(
                "{}{frac}{}",
                t.format("%Y-%m-%d %H:%M:%S"),
                t.format("%:z")
            ))
        }
        other => {
            return super::interp::err(
                crate::expr::ErrorKind::Other,
                format!(
                    "('cannot represent an object', {})",
                    super::lib::yaql_str(other)
                ),
            );
        }
    })
}
