//! Mistral's expression functions for Jinja (`json_dump`, `json_parse`,
//! `yaml_dump`, `yaml_parse`, `uuid`, `env`, `execution`, `task`, `tasks`,
//! `global`) as globals, and the `tojson` filter.
//! Database-backed functions read the snapshot the engine's host provides
//! (see `jinja::context`).

use std::collections::BTreeMap;

use minijinja::value::{Kwargs, Rest, Value as MValue, ValueKind};
use minijinja::{Environment, ErrorKind as MKind, State};
use serde_json::Value as Json;

use crate::domain::number::Plain;

use super::jinja::HOST_VAR;

/// Registers the functions as globals (Mistral registers no filters:
/// `x|json_dump` is an unknown filter there).
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("json_dump", json_dump);
    env.add_function("json_parse", json_parse);
    env.add_function("yaml_dump", yaml_dump);
    env.add_function("yaml_parse", yaml_parse);
    env.add_function("uuid", uuid_fn);
    env.add_function("env", env_fn);
    env.add_function("execution", execution_fn);
    env.add_function("task", task_fn);
    env.add_function("tasks", tasks_fn);
    env.add_function("global", global_fn);
}

pub(crate) fn to_json(v: &MValue) -> Result<Json, minijinja::Error> {
    serde_json::to_value(v)
        .map_err(|e| minijinja::Error::new(MKind::InvalidOperation, e.to_string()))
}

pub(crate) fn json_dump(v: MValue) -> Result<String, minijinja::Error> {
    crate::expr::jinja_py::undefined_input(&v)?;
    if crate::expr::jinja_py::is_gen(&v) {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "Object of type generator is not JSON serializable",
        ));
    }
    Ok(crate::expr::pyjson::dumps(&to_json(&v)?, Some(4)))
}

fn json_parse(v: MValue) -> Result<MValue, minijinja::Error> {
    crate::expr::jinja_py::undefined_input(&v)?;
    let Some(s) = v.as_str() else {
        return Err(crate::expr::jinja_ops::py_err(
            "TypeError",
            // oslo's `jsonutils.loads` decodes text first
            format!(
                "<class '{}'> can't be decoded",
                crate::expr::jinja_ops::type_name(&v)
            ),
        ));
    };
    // json.JSONDecodeError is a ValueError
    crate::expr::pyjson::loads(s)
        .map(|j| MValue::from(minijinja::value::Serde(Plain(&j))))
        .map_err(|e| crate::expr::jinja_ops::py_err("ValueError", e))
}

pub(crate) fn yaml_dump(v: MValue) -> Result<String, minijinja::Error> {
    Ok(crate::yaml::emit::dump(
        &yaml_node(&v, 0)?,
        crate::yaml::emit::Keys::Sorted,
    ))
}

/// The node PyYAML's safe representer makes of a Jinja value: lists and
/// tuples, dicts (integer keys stay integers), scalars. Anything else
/// (Undefined, a generator, `range`, a dict view, a macro) has no
/// representer.
fn yaml_node(v: &MValue, depth: usize) -> Result<crate::yaml::emit::Node, minijinja::Error> {
    use crate::yaml::emit::Node;
    let cannot = || {
        crate::expr::jinja_ops::py_err(
            "RepresenterError",
            format!(
                "('cannot represent an object', {})",
                crate::expr::jinja::py_repr(v)
            ),
        )
    };
    if v.is_undefined()
        || crate::expr::jinja_py::is_gen(v)
        || crate::expr::jinja_values::is_range(v)
        || crate::expr::jinja_values::is_view(v)
    {
        return Err(cannot());
    }
    if depth > 256 {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "maximum recursion depth exceeded",
        ));
    }
    Ok(match v.kind() {
        ValueKind::None => Node::Null,
        ValueKind::Bool => Node::Bool(v.is_true()),
        ValueKind::Number if v.is_integer() => Node::Int(v.to_string()),
        ValueKind::Number => Node::Float(f64::try_from(v.clone()).unwrap_or_default()),
        ValueKind::String => Node::Str(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Seq => Node::Seq(
            v.try_iter()?
                .map(|x| yaml_node(&x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        ValueKind::Map if !v.is_kwargs() && !is_special_object(v) => {
            let mut kv = Vec::new();
            for k in v.try_iter()? {
                let x = v.get_item(&k)?;
                kv.push((yaml_node(&k, depth + 1)?, yaml_node(&x, depth + 1)?));
            }
            Node::Map(kv)
        }
        _ => return Err(cannot()),
    })
}

/// A minijinja object shown as a map that is no dict in Jinja2 (a macro,
/// a namespace, a loop).
fn is_special_object(v: &MValue) -> bool {
    v.as_object().is_some_and(|o| {
        let dbg = format!("{o:?}");
        dbg.starts_with("<macro ") || dbg.starts_with("Namespace") || dbg.starts_with("Loop {")
    })
}

fn yaml_parse(v: MValue) -> Result<MValue, minijinja::Error> {
    crate::expr::jinja_py::undefined_input(&v)?;
    // safe_load reads a str (or a stream): anything else has no .read()
    let Some(s) = v.as_str() else {
        return Err(crate::expr::jinja_ops::py_err(
            "AttributeError",
            format!(
                "'{}' object has no attribute 'read'",
                crate::expr::jinja_ops::type_name(&v)
            ),
        ));
    };
    crate::expr::pyjson::yaml_load(s)
        .map(|j| MValue::from(minijinja::value::Serde(Plain(&j))))
        .map_err(|e| minijinja::Error::new(MKind::InvalidOperation, format!("invalid YAML: {e}")))
}

/// `uuid_(context=None)` bound to the context: no argument.
fn uuid_fn() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `env_(context)`: `context['__env']`, a KeyError without one.
fn env_fn(state: &State) -> Result<MValue, minijinja::Error> {
    let v = state
        .lookup("_")
        .and_then(|c| c.get_item(&MValue::from("__env")).ok())
        .unwrap_or(MValue::UNDEFINED);
    if v.is_undefined() {
        return Err(crate::expr::jinja_ops::py_err("KeyError", "'__env'"));
    }
    Ok(v)
}

fn host_part(state: &State, key: &str) -> MValue {
    state
        .lookup(HOST_VAR)
        .and_then(|h| h.get_attr(key).ok())
        .filter(|v| !v.is_undefined())
        .unwrap_or(MValue::from(()))
}

/// Mistral's functions read `context['__execution']` /
/// `context['__task_execution']` of the data and fail with a KeyError when
/// it has no such key. `execution()` is spared when an engine stands
/// behind the evaluation (its data carries `__execution` then); `task()`
/// is not: outside a task (workflow `output`, `output-on-error`, `vars`)
/// the data has no `__task_execution`, so `{{ task('t') }}` fails there
/// (YAQL's context answers `None` for the key instead).
fn no_host_key(state: &State, key: &str, spare_hosted: bool) -> Result<(), minijinja::Error> {
    let hosted = spare_hosted
        && state
            .lookup(HOST_VAR)
            .is_some_and(|h| h.kind() == minijinja::value::ValueKind::Map);
    let present = state
        .lookup("_")
        .and_then(|c| c.get_item(&MValue::from(key)).ok())
        .is_some_and(|v| !v.is_undefined());
    if hosted || present {
        return Ok(());
    }
    Err(crate::expr::jinja_ops::py_err(
        "KeyError",
        format!("'{key}'"),
    ))
}

fn execution_fn(state: &State, _args: Rest<MValue>) -> Result<MValue, minijinja::Error> {
    no_host_key(state, "__execution", true)?;
    Ok(host_part(state, "execution"))
}

fn task_fn(state: &State, name: Option<String>, _kw: Kwargs) -> Result<MValue, minijinja::Error> {
    no_host_key(state, "__task_execution", false)?;
    Ok(task_lookup(state, name))
}

fn task_lookup(state: &State, name: Option<String>) -> MValue {
    match name {
        None => host_part(state, "task"),
        Some(n) => {
            let named = host_part(state, "named_tasks");
            if let Ok(v) = named.get_attr(&n)
                && !v.is_undefined()
            {
                return v;
            }
            // The latest of that name.
            where_attr(&host_part(state, "tasks"), "name", &n)
                .pop()
                .unwrap_or_else(|| MValue::from(()))
        }
    }
}

/// The items of `all` whose `attr` is the text `want`, in order.
fn where_attr(all: &MValue, attr: &str, want: &str) -> Vec<MValue> {
    let Ok(iter) = all.try_iter() else {
        return Vec::new();
    };
    iter.filter(|t| t.get_attr(attr).is_ok_and(|x| x.as_str() == Some(want)))
        .collect()
}

/// `tasks(workflow_execution_id=None, recursive=False, state=None,
/// flat=False)`: the current execution's tasks from the snapshot, or the
/// selection over the execution family when the call reaches beyond them.
fn tasks_fn(state: &State, args: Rest<MValue>, kw: Kwargs) -> Result<MValue, minijinja::Error> {
    let arg = |i: usize, name: &str| -> Option<MValue> {
        args.get(i)
            .cloned()
            .or_else(|| kw.get::<Option<MValue>>(name).ok().flatten())
            .filter(|v| !v.is_none() && !v.is_undefined())
    };
    let text = |v: MValue| {
        v.as_str()
            .map(String::from)
            .unwrap_or_else(|| v.to_string())
    };
    let q = crate::expr::TasksQuery {
        execution_id: arg(0, "workflow_execution_id").map(text),
        recursive: arg(1, "recursive").is_some_and(|v| v.is_true()),
        state: arg(2, "state").filter(|v| v.is_true()).map(text),
        flat: arg(3, "flat").is_some_and(|v| v.is_true()),
    };
    let _ = kw.assert_all_used();
    let family = host_part(state, "family");
    if let Some(current) = family
        .get_attr("current")
        .ok()
        .and_then(|c| c.as_str().map(String::from))
        && !q.is_local_to(&current)
    {
        let f = to_json(&family)?;
        return Ok(MValue::from(minijinja::value::Serde(Plain(
            &crate::expr::family::select(&f, &q),
        ))));
    }
    let all = host_part(state, "tasks");
    let Some(want) = q.state else {
        return Ok(all);
    };
    Ok(MValue::from(where_attr(&all, "state", &want)))
}

fn global_fn(state: &State, name: String) -> Result<MValue, minijinja::Error> {
    no_host_key(state, "__execution", true)?;
    Ok(host_part(state, "globals")
        .get_attr(&name)
        .ok()
        .filter(|v| !v.is_undefined())
        .unwrap_or(MValue::from(())))
}

/// `tojson(value, indent=None)`.
pub(crate) fn tojson(
    v: MValue,
    args: Rest<MValue>,
    kw: Kwargs,
) -> Result<String, minijinja::Error> {
    let a = super::jinja_filters::bind("do_tojson", &["indent"], 0, &args, &kw)?;
    if v.is_undefined() {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "Object of type StrictUndefined is not JSON serializable",
        ));
    }
    if holds_method(&v) {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "Object of type builtin_function_or_method is not JSON serializable",
        ));
    }
    if crate::expr::jinja_py::is_gen(&v) {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "Object of type generator is not JSON serializable",
        ));
    }
    if crate::expr::jinja_values::is_range(&v) || crate::expr::jinja_values::is_view(&v) {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "Object of type range is not JSON serializable",
        ));
    }
    let indent = match &a[0] {
        Some(i) if !i.is_none() => Some(super::jinja_filters::int_arg(i)?.clamp(0, 1000) as usize),
        _ => None,
    };
    let j = sort_keys(&to_json(&v)?);
    let text = crate::expr::pyjson::dumps(&j, indent);
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027"))
}

/// A bound method (`_.keys`, `'ab'.upper`) in `v` or any list or dict in
/// it: json.dumps refuses it.
fn holds_method(v: &MValue) -> bool {
    if v.downcast_object_ref::<crate::expr::jinja_py::DictMethod>()
        .is_some()
        || v.downcast_object_ref::<crate::expr::jinja_seq::BoundMethod>()
            .is_some()
    {
        return true;
    }
    match v.kind() {
        minijinja::value::ValueKind::Seq if !crate::expr::jinja_values::is_range(v) => v
            .try_iter()
            .is_ok_and(|mut it| it.any(|x| holds_method(&x))),
        minijinja::value::ValueKind::Map => v
            .try_iter()
            .is_ok_and(|mut it| it.any(|k| holds_method(&v.get_item(&k).unwrap_or_default()))),
        _ => false,
    }
}

fn sort_keys(j: &Json) -> Json {
    match j {
        Json::Object(o) => {
            let sorted: BTreeMap<&String, Json> =
                o.iter().map(|(k, v)| (k, sort_keys(v))).collect();
            Json::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Json::Array(a) => Json::Array(a.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}
