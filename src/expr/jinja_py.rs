//! Jinja2 behaviours minijinja lacks, registered on Mistral's environment:
//! strict attribute filters (a missing attribute is an undefined error),
//! lazy "generator" results of select/map filters, Python string methods,
//! and filters Jinja2 has (`wordcount`, `urlize`, `random`, ...).

use std::borrow::Cow;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Rest, Value, ValueKind, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind, State};

use super::jinja_ast::{FILTERS, TESTS};

/// `for item in value`: a value that is not iterable raises first.
fn iterable(value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable | ValueKind::String => Ok(()),
        _ => Err(super::jinja_ops::py_err(
            "TypeError",
            format!(
                "'{}' object is not iterable",
                super::jinja_ops::type_name(value)
            ),
        )),
    }
}

/// A Jinja2 generator (the result of `select`, `map`, ...): iterable once
/// converted, not a list (`tojson` and `length` refuse it).
#[derive(Debug)]
pub struct Gen(pub Vec<Value>);

impl Object for Gen {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }
    /// A Python generator is true even when it yields nothing.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.clone())
    }
}

fn generator(v: Vec<Value>) -> Value {
    Value::from_object(Gen(v))
}

pub fn is_gen(v: &Value) -> bool {
    v.downcast_object_ref::<Gen>().is_some()
}

fn type_label(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Map => "dict object",
        ValueKind::Seq => "list object",
        ValueKind::String => "str object",
        ValueKind::Number => {
            if v.is_integer() {
                "int object"
            } else {
                "float object"
            }
        }
        ValueKind::Bool => "bool object",
        ValueKind::None => "None",
        _ => "object",
    }
}

fn undefined_attr(v: &Value, attr: &str) -> Error {
    let what = if v.kind() == ValueKind::None {
        "'None'".to_string()
    } else {
        format!("'{}'", type_label(v))
    };
    Error::new(
        ErrorKind::UndefinedError,
        format!("{what} has no attribute '{attr}'"),
    )
}

/// Jinja2's attribute getter: dotted parts, integers index; strict.
fn get_attr_path(v: &Value, path: &str) -> Result<Value, Error> {
    let mut cur = v.clone();
    for part in path.split('.') {
        // Jinja2 indexes by a part of digits (`str.isdigit`)
        let index = part
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse::<i64>().ok())
            .flatten();
        let next = match index {
            Some(i) => cur.get_item(&Value::from(i)).unwrap_or(Value::UNDEFINED),
            None => cur.get_attr(part).unwrap_or(Value::UNDEFINED),
        };
        if next.is_undefined() {
            if let Some(i) = index {
                let of = if cur.kind() == ValueKind::None {
                    "None".to_string()
                } else {
                    type_label(&cur).to_string()
                };
                return Err(Error::new(
                    ErrorKind::UndefinedError,
                    format!("{of} has no element {i}"),
                ));
            }
            return Err(undefined_attr(&cur, part));
        }
        cur = next;
    }
    Ok(cur)
}

fn check_attrs(value: &Value, attrs: &str, multi: bool) -> Result<(), Error> {
    if let Ok(iter) = value.try_iter() {
        for item in iter {
            if multi {
                for a in attrs.split(',') {
                    get_attr_path(&item, a.trim())?;
                }
            } else {
                get_attr_path(&item, attrs)?;
            }
        }
    }
    Ok(())
}

pub fn undefined_input(v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "value is undefined"));
    }
    Ok(())
}

/// Whether a test touches an undefined value (StrictUndefined raises);
/// the type tests only ask `isinstance`.
fn strict_test(test: Option<&str>) -> bool {
    !matches!(
        test,
        Some(
            "none"
                | "defined"
                | "undefined"
                | "string"
                | "number"
                | "integer"
                | "float"
                | "mapping"
                | "boolean"
                | "true"
                | "false"
                | "callable"
                | "escaped"
        )
    )
}

/// select/reject without a test call `bool()` on every item (as the
/// strict tests do): an undefined item, say one `map(attribute=)` did not
/// find, raises.
fn undefined_items(value: &Value, test: Option<&str>) -> Result<(), Error> {
    if strict_test(test)
        && let Ok(mut iter) = value.try_iter()
        && iter.any(|x| x.is_undefined())
    {
        return Err(super::jinja_ops::undefined_error());
    }
    Ok(())
}

fn select(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if !value.is_true() {
        // `if value:` guards the loop: a falsy value gives nothing
        return Ok(generator(Vec::new()));
    }
    iterable(&value)?;
    if no_items(&value) {
        return Ok(generator(Vec::new()));
    }
    known(&value, test.as_deref(), TESTS, "test")?;
    undefined_items(&value, test.as_deref())?;
    Ok(generator(minijinja::filters::select(
        state, value, test, args,
    )?))
}

fn reject(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if !value.is_true() {
        // `if value:` guards the loop: a falsy value gives nothing
        return Ok(generator(Vec::new()));
    }
    iterable(&value)?;
    if no_items(&value) {
        return Ok(generator(Vec::new()));
    }
    known(&value, test.as_deref(), TESTS, "test")?;
    undefined_items(&value, test.as_deref())?;
    Ok(generator(minijinja::filters::reject(
        state, value, test, args,
    )?))
}

fn selectattr(
    state: &mut State,
    value: Value,
    attr: Option<Cow<'_, str>>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if !value.is_true() {
        // `if value:` guards the loop: a falsy value gives nothing
        return Ok(generator(Vec::new()));
    }
    let Some(attr) = attr else {
        return Err(super::jinja_ops::py_err(
            "FilterArgumentError",
            "Missing parameter for attribute name",
        ));
    };
    iterable(&value)?;
    if strict_test(test.as_deref()) {
        check_attrs(&value, &attr, false)?;
    } else if let Some((head, _)) = attr.rsplit_once('.') {
        // the last part may be missing; a part before it may not
        check_attrs(&value, head, false)?;
    }
    if no_items(&value) {
        return Ok(generator(Vec::new()));
    }
    known(&value, test.as_deref(), TESTS, "test")?;
    Ok(generator(minijinja::filters::selectattr(
        state, value, attr, test, args,
    )?))
}

fn rejectattr(
    state: &mut State,
    value: Value,
    attr: Option<Cow<'_, str>>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if !value.is_true() {
        // `if value:` guards the loop: a falsy value gives nothing
        return Ok(generator(Vec::new()));
    }
    let Some(attr) = attr else {
        return Err(super::jinja_ops::py_err(
            "FilterArgumentError",
            "Missing parameter for attribute name",
        ));
    };
    iterable(&value)?;
    if strict_test(test.as_deref()) {
        check_attrs(&value, &attr, false)?;
    } else if let Some((head, _)) = attr.rsplit_once('.') {
        // the last part may be missing; a part before it may not
        check_attrs(&value, head, false)?;
    }
    if no_items(&value) {
        return Ok(generator(Vec::new()));
    }
    known(&value, test.as_deref(), TESTS, "test")?;
    Ok(generator(minijinja::filters::rejectattr(
        state, value, attr, test, args,
    )?))
}

/// Whether iterating `value` gives nothing (a test or filter named for the
/// items is then never looked up).
fn no_items(value: &Value) -> bool {
    value.try_iter().is_ok_and(|mut i| i.next().is_none())
}

/// `env.call_test` / `call_filter` on a name Jinja2 does not have, raised
/// at the first item of `value` (an empty generator is truthy, and
/// gives no item to fail on).
fn known(value: &Value, name: Option<&str>, names: &[&str], kind: &str) -> Result<(), Error> {
    match name {
        Some(n)
            if !names.contains(&n) && value.try_iter().is_ok_and(|mut i| i.next().is_some()) =>
        {
            Err(Error::new(
                if kind == "test" {
                    ErrorKind::UnknownTest
                } else {
                    ErrorKind::UnknownFilter
                },
                format!("No {kind} named '{n}'."),
            ))
        }
        _ => Ok(()),
    }
}

fn map(state: &mut State, value: Value, args: Rest<ValueOrKwargs>) -> Result<Value, Error> {
    undefined_input(&value)?;
    if !value.is_true() {
        // `if value:` guards the loop: a falsy value gives nothing
        return Ok(generator(Vec::new()));
    }
    iterable(&value)?;
    map_args(&args)?;
    if no_items(&value) {
        // the filter is looked up at the first item
        return Ok(generator(Vec::new()));
    }
    let vals: Vec<Value> = args.iter().map(|a| Value::clone(a)).collect();
    if let Some(first) = vals.first().filter(|v| !v.is_kwargs()) {
        known(&value, first.as_str(), FILTERS, "filter")?;
    }
    if vals.len() > 1 && !vals[0].is_kwargs() && vals.last().is_some_and(Value::is_kwargs) {
        // Jinja2's prepare_map hands keyword arguments on to the named
        // filter (`map('round', precision=1)`, `map('map', attribute='n')`)
        let Some(name) = vals[0].as_str() else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "filter name must be a string",
            ));
        };
        let mut out = Vec::new();
        for item in value.try_iter()? {
            let mut call = vec![item];
            call.extend(vals[1..].iter().cloned());
            out.push(state.apply_filter(name, &call)?);
        }
        return Ok(generator(out));
    }
    // map(attribute=...) reads each item as Jinja2's attrgetter does and
    // yields undefined values for missing attributes; they only fail when
    // used
    if let [kw] = vals.as_slice()
        && kw.is_kwargs()
    {
        let attribute = kw
            .get_item(&Value::from("attribute"))
            .unwrap_or(Value::UNDEFINED);
        let default = kw
            .get_item(&Value::from("default"))
            .ok()
            .filter(|d| !d.is_undefined());
        let out = value
            .try_iter()?
            .map(|item| super::jinja_seq::attr_getter(&item, &attribute, default.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(generator(out));
    }
    Ok(generator(minijinja::filters::map(state, value, args)?))
}

/// Jinja2's `prepare_map`: a filter name, or `attribute=` (with at most
/// `default=`).
fn map_args(args: &Rest<ValueOrKwargs>) -> Result<(), Error> {
    let fail = |m: String| Err(super::jinja_ops::py_err("FilterArgumentError", m));
    let Some(first) = args.first() else {
        return fail("map requires a filter argument".into());
    };
    if !first.is_kwargs() {
        return Ok(());
    }
    let keys: Vec<String> = first
        .try_iter()
        .map(|it| it.filter_map(|k| k.as_str().map(String::from)).collect())
        .unwrap_or_default();
    if !keys.iter().any(|k| k == "attribute") {
        return fail("map requires a filter argument".into());
    }
    match keys.iter().find(|k| *k != "attribute" && *k != "default") {
        Some(k) => fail(format!("Unexpected keyword argument '{k}'")),
        None => Ok(()),
    }
}

fn length(v: Value) -> Result<Value, Error> {
    undefined_input(&v)?;
    if is_gen(&v)
        || v.downcast_object_ref::<DictMethod>().is_some()
        || matches!(
            v.kind(),
            ValueKind::Number | ValueKind::Bool | ValueKind::None
        )
    {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "object of type '{}' has no len()",
                super::jinja_ops::type_name(&v)
            ),
        ));
    }
    Ok(Value::from(minijinja::filters::length(&v)?))
}

/// `random(seq)`: Python's `random.choice`, which needs `len()` (a
/// generator has none).
fn random(v: Value) -> Result<Value, Error> {
    if is_gen(&v) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "object of type 'generator' has no len()",
        ));
    }
    let items: Vec<Value> = v.try_iter()?.collect();
    if items.is_empty() {
        // Jinja2 returns an undefined value ("No random item, sequence was
        // empty."): it fails only when used, not when tested
        return Ok(super::jinja_undef::because(
            "No random item, sequence was empty.",
        ));
    }
    let r = uuid::Uuid::new_v4().as_u128() as usize % items.len();
    Ok(items[r].clone())
}

/// A bound method of a dict (`_.keys` without a call): Jinja2 prefers the
/// attribute over the key, so the value is the method, not the data.
#[derive(Debug)]
pub struct DictMethod {
    pub name: String,
    /// A method Mistral's `ContextView` (the `_` of a workflow) defines in
    /// Python (`get`, `keys`, `items`, `values`): its type is `method`, not
    /// `builtin_function_or_method`.
    pub view: bool,
}

impl DictMethod {
    /// Python's type name of the method object.
    pub fn type_name(&self) -> &'static str {
        if self.view {
            "method"
        } else {
            "builtin_function_or_method"
        }
    }
}

impl Object for DictMethod {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<built-in method {} of dict object>", self.name)
    }
}

/// `x.keys` (no call) as `jinja_ast` rewrites it (and `x.real` of a
/// number); `root` is
/// true when `x` is `_` itself.
fn dict_method(state: &State, v: Value, name: String, root: bool) -> Result<Value, Error> {
    // StrictUndefined raises on any attribute, a method name included
    if v.is_undefined() {
        return Err(super::jinja_ops::undefined_error());
    }
    let number_attr = matches!(name.as_str(), "real" | "imag" | "numerator" | "denominator");
    if v.kind() == ValueKind::Map && !v.is_kwargs() && !is_namespace(&v) && !number_attr {
        let view = root
            && matches!(name.as_str(), "get" | "keys" | "items" | "values")
            && state
                .lookup(super::jinja::HOST_VAR)
                .is_some_and(|h| !h.is_none() && !h.is_undefined());
        return Ok(Value::from_object(DictMethod { name, view }));
    }
    if matches!(v.kind(), ValueKind::Number | ValueKind::Bool) {
        // `x.real`: a number's own attributes
        return Ok(super::jinja_seq::py_attribute(&v, &name).unwrap_or(Value::UNDEFINED));
    }
    Ok(v.get_attr(&name).unwrap_or(Value::UNDEFINED))
}

/// A `namespace()` object: its attributes are its own (`ns.items` is the
/// value stored under `items`, not a dict method).
pub(crate) fn is_namespace(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| format!("{o:?}").starts_with("Namespace"))
}

/// Registers the Jinja2-compatible filters on the environment.
pub fn register(env: &mut Environment<'static>) {
    use super::jinja_text::{unknown_method, wordcount};
    env.add_filter("select", select);
    env.add_filter("reject", reject);
    env.add_filter("selectattr", selectattr);
    env.add_filter("rejectattr", rejectattr);
    env.add_filter("map", map);
    env.add_filter("length", length);
    env.add_filter("count", length);
    env.add_filter("escape", super::jinja_text::escape_filter);
    env.add_filter("e", super::jinja_text::escape_filter);
    env.add_filter("wordcount", wordcount);
    env.add_filter("random", random);
    env.add_filter(
        "format",
        |v: Value, a: Rest<Value>, k: minijinja::value::Kwargs| {
            let safe = v.is_safe();
            super::jinja_text::markup_of(
                safe,
                super::jinja_pyfmt::format_filter(v, a, k).map(Value::from),
            )
        },
    );
    env.add_filter("__dict_method", dict_method);
    env.set_unknown_method_callback(unknown_method);
}
