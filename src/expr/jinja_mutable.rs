//! Python's mutable lists and dicts for Jinja templates: the context data,
//! list and dict literals and `{% set %}` values are shared, mutable
//! containers, so that `l.append(x)`, `l.pop()`, `d.update(...)`,
//! `d.setdefault(...)` change what the template sees afterwards, as they
//! do in Jinja2's (non-immutable) sandbox.

use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error, State};
use serde_json::Value as Json;

use crate::domain::number::Plain;

use super::jinja_ops::{Num, as_num, py_eq, py_err, type_name, undefined_error};

/// A Python list.
#[derive(Debug, Default)]
pub(crate) struct PyList(Mutex<Vec<Value>>);

/// A Python dict (insertion ordered).
#[derive(Debug, Default)]
pub(crate) struct PyDict(Mutex<IndexMap<Value, Value>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn list(items: Vec<Value>) -> Value {
    Value::from_object(PyList(Mutex::new(items)))
}

pub(crate) fn dict(items: IndexMap<Value, Value>) -> Value {
    Value::from_object(PyDict(Mutex::new(items)))
}

/// The context data as mutable containers.
pub(crate) fn from_json(j: &Json) -> Value {
    match j {
        Json::Array(a) => list(a.iter().map(from_json).collect()),
        Json::Object(o) => dict(
            o.iter()
                .map(|(k, v)| (Value::from(k.as_str()), from_json(v)))
                .collect(),
        ),
        // an integer beyond 64 bits stays an integer (Python's int), up to
        // the 128 bits a template value holds
        Json::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            let text = n.to_string();
            if let Ok(i) = text.parse::<i128>() {
                Value::from(i)
            } else if let Ok(u) = text.parse::<u128>() {
                Value::from(u)
            } else {
                Value::from(minijinja::value::Serde(Plain(j)))
            }
        }
        other => Value::from(minijinja::value::Serde(Plain(other))),
    }
}

fn index(i: &Value, len: usize) -> Result<Option<usize>, Error> {
    let Some(Num::Int(i)) = as_num(i) else {
        return Err(py_err(
            "TypeError",
            format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(i)
            ),
        ));
    };
    let n = len as i128;
    let i = if i < 0 { i + n } else { i };
    Ok((0..n).contains(&i).then_some(i as usize))
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), Error> {
    if args.len() < min || args.len() > max {
        return Err(py_err(
            "TypeError",
            format!("{name}() takes {max} argument(s) ({} given)", args.len()),
        ));
    }
    Ok(())
}

impl Object for PyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = lock(&self.0);
        let Some(Num::Int(i)) = as_num(key) else {
            return None;
        };
        let n = items.len() as i128;
        let i = if i < 0 { i + n } else { i };
        (0..n).contains(&i).then(|| items[i as usize].clone())
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).clone())
    }
    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let none = Value::from(());
        match method {
            "append" => {
                arity(method, args, 1, 1)?;
                lock(&self.0).push(args[0].clone());
                Ok(none)
            }
            "extend" => {
                arity(method, args, 1, 1)?;
                let more = super::jinja_seq::py_iter(&args[0])?;
                lock(&self.0).extend(more);
                Ok(none)
            }
            "insert" => {
                arity(method, args, 2, 2)?;
                let mut items = lock(&self.0);
                let Some(Num::Int(i)) = as_num(&args[0]) else {
                    return Err(py_err("TypeError", "list.insert() wants an integer index"));
                };
                let n = items.len() as i128;
                let at = if i < 0 { (i + n).max(0) } else { i.min(n) };
                items.insert(at as usize, args[1].clone());
                Ok(none)
            }
            "pop" => {
                arity(method, args, 0, 1)?;
                let mut items = lock(&self.0);
                if items.is_empty() {
                    return Err(py_err("IndexError", "pop from empty list"));
                }
                let at = match args.first() {
                    Some(i) => index(i, items.len())?
                        .ok_or_else(|| py_err("IndexError", "pop index out of range"))?,
                    None => items.len() - 1,
                };
                Ok(items.remove(at))
            }
            "remove" => {
                arity(method, args, 1, 1)?;
                let mut items = lock(&self.0);
                match items.iter().position(|x| py_eq(x, &args[0])) {
                    Some(i) => {
                        items.remove(i);
                        Ok(none)
                    }
                    None => Err(py_err("ValueError", "list.remove(x): x not in list")),
                }
            }
            "clear" => {
                arity(method, args, 0, 0)?;
                lock(&self.0).clear();
                Ok(none)
            }
            "reverse" => {
                arity(method, args, 0, 0)?;
                lock(&self.0).reverse();
                Ok(none)
            }
            "sort" => {
                let (pos, kw) = split_kwargs(args);
                arity(method, &pos, 0, 0)?;
                let reverse = kw
                    .and_then(|k| k.get_attr("reverse").ok())
                    .is_some_and(|r| r.is_true());
                let items: Vec<Value> = lock(&self.0).clone();
                *lock(&self.0) = sort_values(items, reverse)?;
                Ok(none)
            }
            "copy" => {
                arity(method, args, 0, 0)?;
                Ok(list(lock(&self.0).clone()))
            }
            "count" => {
                arity(method, args, 1, 1)?;
                Ok(Value::from(
                    lock(&self.0).iter().filter(|x| py_eq(x, &args[0])).count(),
                ))
            }
            "index" => {
                arity(method, args, 1, 3)?;
                match lock(&self.0).iter().position(|x| py_eq(x, &args[0])) {
                    Some(i) => Ok(Value::from(i)),
                    None => Err(py_err(
                        "ValueError",
                        format!("{} is not in list", super::jinja::py_repr(&args[0])),
                    )),
                }
            }
            _ => Err(Error::from(minijinja::ErrorKind::UnknownMethod)),
        }
    }
}

fn split_kwargs(args: &[Value]) -> (Vec<Value>, Option<Value>) {
    match args.last() {
        Some(k) if k.is_kwargs() => (args[..args.len() - 1].to_vec(), Some(k.clone())),
        _ => (args.to_vec(), None),
    }
}

/// Python's `list.sort()`: stable, by `<` (mixed types raise); reversed,
/// equal items keep their order.
fn sort_values(items: Vec<Value>, reverse: bool) -> Result<Vec<Value>, Error> {
    let keyed: Vec<(Value, Value)> = items.into_iter().map(|v| (v.clone(), v)).collect();
    super::jinja_seq::py_sort(keyed, reverse)
}

impl Object for PyDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let map = lock(&self.0);
        if let Some(v) = map.get(key) {
            return Some(v.clone());
        }
        // 1 and 1.0 and true are the same key in Python
        map.iter()
            .find(|(k, _)| py_eq(k, key))
            .map(|(_, v)| v.clone())
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).keys().cloned().collect())
    }
    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let none = Value::from(());
        let (pos, kw) = split_kwargs(args);
        let key_of = |v: &Value| -> Result<Value, Error> {
            if v.is_undefined() {
                return Err(undefined_error());
            }
            if matches!(v.kind(), ValueKind::Seq | ValueKind::Map) && !super::jinja_ops::is_tuple(v)
            {
                return Err(py_err(
                    "TypeError",
                    format!("unhashable type: '{}'", type_name(v)),
                ));
            }
            Ok(v.clone())
        };
        match method {
            "get" => {
                arity(method, &pos, 1, 2)?;
                let k = key_of(&pos[0])?;
                Ok(self
                    .get_value(&k)
                    .unwrap_or_else(|| pos.get(1).cloned().unwrap_or(none)))
            }
            "pop" => {
                arity(method, &pos, 1, 2)?;
                let k = key_of(&pos[0])?;
                let mut map = lock(&self.0);
                let found = map.keys().position(|x| py_eq(x, &k));
                match (found, pos.get(1)) {
                    (Some(i), _) => Ok(map.shift_remove_index(i).map(|(_, v)| v).unwrap_or(none)),
                    (None, Some(d)) => Ok(d.clone()),
                    (None, None) => Err(py_err("KeyError", super::jinja::py_repr(&k))),
                }
            }
            "popitem" => {
                arity(method, &pos, 0, 0)?;
                match lock(&self.0).pop() {
                    Some((k, v)) => Ok(Value::from_object(minijinja::value::Tuple::from(vec![
                        k, v,
                    ]))),
                    None => Err(py_err("KeyError", "'popitem(): dictionary is empty'")),
                }
            }
            "setdefault" => {
                arity(method, &pos, 1, 2)?;
                let k = key_of(&pos[0])?;
                if let Some(v) = self.get_value(&k) {
                    return Ok(v);
                }
                let d = pos.get(1).cloned().unwrap_or(none);
                lock(&self.0).insert(k, d.clone());
                Ok(d)
            }
            "update" => {
                arity(method, &pos, 0, 1)?;
                let mut pairs: Vec<(Value, Value)> = Vec::new();
                if let Some(other) = pos.first() {
                    if other.kind() == ValueKind::Map {
                        for k in other.try_iter()? {
                            let v = other.get_item(&k)?;
                            pairs.push((k, v));
                        }
                    } else {
                        for item in super::jinja_seq::py_iter(other)? {
                            let kv = super::jinja_seq::py_iter(&item)?;
                            if kv.len() != 2 {
                                return Err(py_err(
                                    "ValueError",
                                    "dictionary update sequence element has the wrong length",
                                ));
                            }
                            pairs.push((kv[0].clone(), kv[1].clone()));
                        }
                    }
                }
                if let Some(k) = &kw {
                    for name in k.try_iter()? {
                        let v = k.get_item(&name)?;
                        pairs.push((name, v));
                    }
                }
                for (k, v) in pairs {
                    let k = key_of(&k)?;
                    let mut map = lock(&self.0);
                    match map.keys().position(|x| py_eq(x, &k)) {
                        Some(i) => {
                            if let Some((_, slot)) = map.get_index_mut(i) {
                                *slot = v;
                            }
                        }
                        None => {
                            map.insert(k, v);
                        }
                    }
                }
                Ok(none)
            }
            "clear" => {
                arity(method, &pos, 0, 0)?;
                lock(&self.0).clear();
                Ok(none)
            }
            "copy" => {
                arity(method, &pos, 0, 0)?;
                Ok(dict(lock(&self.0).clone()))
            }
            "keys" | "values" | "items" => {
                arity(method, &pos, 0, 0)?;
                super::jinja_values::dict_view(&Value::from_dyn_object(self.clone()), method)
                    .unwrap_or_else(|| Ok(none))
            }
            _ => Err(Error::from(minijinja::ErrorKind::UnknownMethod)),
        }
    }
}

/// `__py_own(v)`: a list or dict built by minijinja becomes mutable.
fn own(v: Value) -> Value {
    if let Some(items) = v.downcast_object_ref::<Vec<Value>>() {
        return list(items.clone());
    }
    if let Some(map) = v.downcast_object_ref::<IndexMap<Value, Value>>() {
        return dict(map.clone());
    }
    v
}

/// `__py_dict({...})`: a dict literal (list and dict keys are unhashable).
fn dict_literal(v: Value) -> Result<Value, Error> {
    if let Ok(keys) = v.try_iter() {
        for k in keys {
            if matches!(k.kind(), ValueKind::Seq | ValueKind::Map)
                && !super::jinja_ops::is_tuple(&k)
            {
                return Err(py_err(
                    "TypeError",
                    format!("unhashable type: '{}'", type_name(&k)),
                ));
            }
        }
    }
    Ok(own(v))
}

/// Registers the literal and `set` constructors the rewrite calls.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("__py_list", own);
    env.add_function("__py_dict", dict_literal);
    env.add_function("__py_own", own);
}
