//! Mistral's expression functions for Jinja (`json_dump`, `json_parse`,
//! `yaml_dump`, `yaml_parse`, `uuid`, `env`, `execution`, `task`, `tasks`,
//! `global`), as globals and as filters, and the `tojson` filter.
//! Database-backed functions read the snapshot the engine's host provides
//! (see `jinja::context`).

use std::collections::BTreeMap;

use minijinja::value::{Kwargs, Rest, Value as MValue};
use minijinja::{Environment, ErrorKind as MKind, State};
use serde_json::Value as Json;

use super::jinja::HOST_VAR;

/// Registers the functions as globals and as filters.
pub(crate) fn register(env: &mut Environment<'static>) {
    for name in ["json_dump", "json_encode"] {
        env.add_function(name, json_dump);
        env.add_filter(name, json_dump);
    }
    for name in ["json_parse", "json_decode"] {
        env.add_function(name, json_parse);
        env.add_filter(name, json_parse);
    }
    env.add_function("yaml_dump", yaml_dump);
    env.add_filter("yaml_dump", yaml_dump);
    env.add_function("yaml_parse", yaml_parse);
    env.add_filter("yaml_parse", yaml_parse);
    env.add_function("uuid", uuid_fn);
    env.add_filter("uuid", uuid_fn);
    env.add_function("env", env_fn);
    env.add_filter("env", env_fn);
    env.add_function("execution", execution_fn);
    env.add_filter("execution", execution_fn);
    env.add_function("task", task_fn);
    env.add_filter("task", task_fn);
    env.add_function("tasks", tasks_fn);
    env.add_filter("tasks", tasks_fn);
    env.add_function("global", global_fn);
    env.add_filter("global", global_fn);
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
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "the JSON object must be str, bytes or bytearray",
        ));
    };
    crate::expr::pyjson::loads(s)
        .map(|j| MValue::from(minijinja::value::Serde(&j)))
        .map_err(|e| minijinja::Error::new(MKind::InvalidOperation, format!("invalid JSON: {e}")))
}

pub(crate) fn yaml_dump(v: MValue) -> Result<String, minijinja::Error> {
    Ok(crate::expr::pyjson::yaml_dump(&to_json(&v)?))
}

fn yaml_parse(s: String) -> Result<MValue, minijinja::Error> {
    crate::expr::pyjson::yaml_load(&s)
        .map(|j| MValue::from(minijinja::value::Serde(&j)))
        .map_err(|e| minijinja::Error::new(MKind::InvalidOperation, format!("invalid YAML: {e}")))
}

fn uuid_fn(_args: Rest<MValue>) -> String {
    uuid::Uuid::new_v4().to_string()
}

fn env_fn(state: &State, _args: Rest<MValue>) -> MValue {
    state
        .lookup("_")
        .and_then(|c| c.get_attr("__env").ok())
        .filter(|v| !v.is_undefined())
        .unwrap_or(MValue::from(()))
}

fn host_part(state: &State, key: &str) -> MValue {
    state
        .lookup(HOST_VAR)
        .and_then(|h| h.get_attr(key).ok())
        .filter(|v| !v.is_undefined())
        .unwrap_or(MValue::from(()))
}

fn execution_fn(state: &State, _args: Rest<MValue>) -> MValue {
    host_part(state, "execution")
}

fn task_fn(state: &State, name: Option<String>, _kw: Kwargs) -> MValue {
    match name {
        None => host_part(state, "task"),
        Some(n) => {
            let named = host_part(state, "named_tasks");
            if let Ok(v) = named.get_attr(&n)
                && !v.is_undefined()
            {
                return v;
            }
            let all = host_part(state, "tasks");
            let mut found = MValue::from(());
            if let Ok(iter) = all.try_iter() {
                for t in iter {
                    if t.get_attr("name")
                        .ok()
                        .and_then(|x| x.as_str().map(String::from))
                        .as_deref()
                        == Some(n.as_str())
                    {
                        found = t;
                    }
                }
            }
            found
        }
    }
}

fn tasks_fn(state: &State, _args: Rest<MValue>, kw: Kwargs) -> MValue {
    let all = host_part(state, "tasks");
    let want: Option<String> = kw.get::<Option<String>>("state").ok().flatten();
    let _ = kw.assert_all_used();
    match want {
        None => all,
        Some(s) => {
            let mut out = Vec::new();
            if let Ok(iter) = all.try_iter() {
                for t in iter {
                    if t.get_attr("state")
                        .ok()
                        .and_then(|x| x.as_str().map(String::from))
                        .as_deref()
                        == Some(s.as_str())
                    {
                        out.push(t);
                    }
                }
            }
            MValue::from(out)
        }
    }
}

fn global_fn(state: &State, name: String) -> MValue {
    host_part(state, "globals")
        .get_attr(&name)
        .ok()
        .filter(|v| !v.is_undefined())
        .unwrap_or(MValue::from(()))
}

pub(crate) fn tojson(v: MValue, kw: Kwargs) -> Result<String, minijinja::Error> {
    if v.is_undefined() {
        return Err(minijinja::Error::new(
            MKind::InvalidOperation,
            "Object of type StrictUndefined is not JSON serializable",
        ));
    }
    if v.downcast_object_ref::<crate::expr::jinja_py::DictMethod>()
        .is_some()
    {
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
    let indent: Option<usize> = kw.get("indent")?;
    kw.assert_all_used()?;
    let j = sort_keys(&to_json(&v)?);
    let text = crate::expr::pyjson::dumps(&j, indent);
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027"))
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
