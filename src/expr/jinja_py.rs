//! Jinja2 behaviours minijinja lacks, registered on Mistral's environment:
//! strict attribute filters (a missing attribute is an undefined error),
//! lazy "generator" results of select/map filters, Python string methods,
//! and filters Jinja2 has (`truncate`, `xmlattr`, `wordcount`, `format`, ...).

use std::borrow::Cow;
use std::sync::Arc;

use minijinja::value::{
    Enumerator, Kwargs, Object, ObjectRepr, Rest, Value, ValueKind, ValueOrKwargs,
};
use minijinja::{Environment, Error, ErrorKind, State};

/// A Jinja2 generator (the result of `select`, `map`, ...): iterable once
/// converted, not a list (`tojson` and `length` refuse it).
#[derive(Debug)]
pub struct Gen(pub Vec<Value>);

impl Object for Gen {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
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
        let next = match part.parse::<i64>() {
            Ok(i) => cur.get_item(&Value::from(i)).unwrap_or(Value::UNDEFINED),
            Err(_) => cur.get_attr(part).unwrap_or(Value::UNDEFINED),
        };
        if next.is_undefined() {
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

fn strict_test(test: Option<&str>) -> bool {
    !matches!(test, Some("none" | "defined" | "undefined"))
}

fn select(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
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
    Ok(generator(minijinja::filters::reject(
        state, value, test, args,
    )?))
}

fn selectattr(
    state: &mut State,
    value: Value,
    attr: Cow<'_, str>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if strict_test(test.as_deref()) {
        check_attrs(&value, &attr, false)?;
    }
    Ok(generator(minijinja::filters::selectattr(
        state, value, attr, test, args,
    )?))
}

fn rejectattr(
    state: &mut State,
    value: Value,
    attr: Cow<'_, str>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    undefined_input(&value)?;
    if strict_test(test.as_deref()) {
        check_attrs(&value, &attr, false)?;
    }
    Ok(generator(minijinja::filters::rejectattr(
        state, value, attr, test, args,
    )?))
}

fn map(state: &mut State, value: Value, args: Rest<ValueOrKwargs>) -> Result<Value, Error> {
    undefined_input(&value)?;
    for a in args.iter() {
        let kv = a.clone().into_value();
        if kv.is_kwargs() {
            let attr = kv.get_attr("attribute").unwrap_or(Value::UNDEFINED);
            let has_default = kv.get_attr("default").is_ok_and(|d| !d.is_undefined());
            if let (Some(attr), false) = (attr.as_str(), has_default) {
                check_attrs(&value, attr, false)?;
            }
        }
    }
    Ok(generator(minijinja::filters::map(state, value, args)?))
}

fn attr_kw(kwargs: &Kwargs) -> Option<String> {
    kwargs.peek::<Option<String>>("attribute").ok().flatten()
}

/// Python refuses to order numbers against strings.
fn mixed_types(value: &Value, op: &str) -> Result<(), Error> {
    let (mut num, mut text) = (false, false);
    if let Ok(iter) = value.try_iter() {
        for x in iter {
            match x.kind() {
                ValueKind::Number | ValueKind::Bool => num = true,
                ValueKind::String => text = true,
                _ => {}
            }
        }
    }
    if num && text {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("'{op}' not supported between instances of 'str' and 'int'"),
        ));
    }
    Ok(())
}

fn sort(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    match attr_kw(&kwargs) {
        Some(a) => check_attrs(&value, &a, true)?,
        None => mixed_types(&value, "<")?,
    }
    minijinja::filters::sort(state, value, kwargs)
}

fn unique(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    if let Some(a) = attr_kw(&kwargs) {
        check_attrs(&value, &a, false)?;
    }
    Ok(generator(
        minijinja::filters::unique(state, value, kwargs)?
            .try_iter()?
            .collect(),
    ))
}

fn sum(
    state: &State,
    value: Value,
    attribute: Option<&str>,
    start: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    if let Some(a) = attribute.map(String::from).or_else(|| attr_kw(&kwargs)) {
        check_attrs(&value, &a, false)?;
    }
    minijinja::filters::sum(state, value, attribute, start, kwargs)
}

fn min(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    if attr_kw(&kwargs).is_none() {
        mixed_types(&value, "<")?;
    }
    minijinja::filters::min(state, value, kwargs)
}

fn max(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    undefined_input(&value)?;
    if attr_kw(&kwargs).is_none() {
        mixed_types(&value, ">")?;
    }
    minijinja::filters::max(state, value, kwargs)
}

fn length(v: Value) -> Result<Value, Error> {
    undefined_input(&v)?;
    if is_gen(&v) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "object of type 'generator' has no len()",
        ));
    }
    Ok(Value::from(minijinja::filters::length(&v)?))
}

fn random(v: Value) -> Result<Value, Error> {
    let items: Vec<Value> = v.try_iter()?.collect();
    if items.is_empty() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "No random item, sequence was empty.",
        ));
    }
    let r = uuid::Uuid::new_v4().as_u128() as usize % items.len();
    Ok(items[r].clone())
}

/// Jinja2's `dictsort(case_sensitive=False, by='key', reverse=False)`.
fn dictsort(
    v: Value,
    case_sensitive: Option<bool>,
    by: Option<String>,
    reverse: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    undefined_input(&v)?;
    let case_sensitive = kwargs
        .get::<Option<bool>>("case_sensitive")?
        .or(case_sensitive)
        .unwrap_or(false);
    let by = kwargs
        .get::<Option<String>>("by")?
        .or(by)
        .unwrap_or_else(|| "key".into());
    let reverse = kwargs
        .get::<Option<bool>>("reverse")?
        .or(reverse)
        .unwrap_or(false);
    kwargs.assert_all_used()?;
    let pos = match by.as_str() {
        "key" => 0,
        "value" => 1,
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "You can only sort by either \"key\" or \"value\"",
            ));
        }
    };
    let mut items: Vec<(Value, Value)> = Vec::new();
    for k in v.try_iter()? {
        let x = v.get_item(&k)?;
        items.push((k, x));
    }
    let key_of = |p: &(Value, Value)| -> Value {
        let x = if pos == 0 { p.0.clone() } else { p.1.clone() };
        match (case_sensitive, x.as_str()) {
            (false, Some(s)) => Value::from(s.to_lowercase()),
            _ => x,
        }
    };
    items.sort_by(|a, b| {
        key_of(a)
            .partial_cmp(&key_of(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if reverse {
        items.reverse();
    }
    Ok(Value::from(
        items
            .into_iter()
            .map(|(k, x)| Value::from(vec![k, x]))
            .collect::<Vec<_>>(),
    ))
}

/// Jinja2's `round(value, precision=0, method='common')`: always a float.
fn round(v: Value, precision: Option<i32>, method: Option<String>) -> Result<Value, Error> {
    undefined_input(&v)?;
    let p = precision.unwrap_or(0);
    if v.is_integer() && method.as_deref().unwrap_or("common") == "common" && p >= 0 {
        return Ok(v);
    }
    let x = f64::try_from(v)?;
    round_float(x, p, method).map(Value::from)
}

fn round_float(x: f64, p: i32, method: Option<String>) -> Result<f64, Error> {
    let m = 10f64.powi(p);
    Ok(match method.as_deref().unwrap_or("common") {
        "ceil" => (x * m).ceil() / m,
        "floor" => (x * m).floor() / m,
        "common" => {
            let y = x * m;
            let r = y.round();
            let r = if (y - y.trunc()).abs() == 0.5 {
                2.0 * (y / 2.0).round()
            } else {
                r
            };
            if p > 0 {
                let s = format!("{x:.prec$}", prec = p as usize);
                s.parse().unwrap_or(r / m)
            } else {
                r / m
            }
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "method must be 'common', 'ceil' or 'floor'",
            ));
        }
    })
}

/// A bound method of a dict (`_.keys` without a call): Jinja2 prefers the
/// attribute over the key, so the value is the method, not the data.
#[derive(Debug)]
pub struct DictMethod(pub String);

impl Object for DictMethod {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<built-in method {} of dict object>", self.0)
    }
}

/// `x.keys` (no call) as rewritten by [`rewrite_dict_methods`].
fn dict_method(v: Value, name: String) -> Result<Value, Error> {
    if v.kind() == ValueKind::Map && !v.is_kwargs() {
        return Ok(Value::from_object(DictMethod(name)));
    }
    Ok(v.get_attr(&name).unwrap_or(Value::UNDEFINED))
}

/// Rewrites `path.keys` (an attribute read of a dict method name, not a
/// call) into a filter call that yields the method object.
pub fn rewrite_dict_methods(src: &str) -> Cow<'_, str> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"((?:\b_|\b[A-Za-z]\w*)(?:\.\w+|\[[^\]\[]*\])*)\.(keys|items|values|get|pop|update|copy|clear|setdefault|popitem)\b(\s*\()?",
        )
        .ok()
    });
    let Some(re) = re.as_ref() else {
        return Cow::Borrowed(src);
    };
    if !re.is_match(src) {
        return Cow::Borrowed(src);
    }
    re.replace_all(src, |c: &regex::Captures<'_>| {
        if c.get(3).is_some() {
            c[0].to_string()
        } else {
            format!("({}|__dict_method('{}'))", &c[1], &c[2])
        }
    })
}

/// The sandbox's `range`: at most 100000 items.
fn py_range(lower: i64, upper: Option<i64>, step: Option<i64>) -> Result<Value, Error> {
    let (start, stop) = match upper {
        Some(u) => (lower, u),
        None => (0, lower),
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "range() arg 3 must not be zero",
        ));
    }
    let len = if step > 0 {
        if stop > start {
            (stop as i128 - start as i128 + step as i128 - 1) / step as i128
        } else {
            0
        }
    } else if start > stop {
        (start as i128 - stop as i128 - step as i128 - 1) / (-(step as i128))
    } else {
        0
    };
    if len > 100_000 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        ));
    }
    let mut out = Vec::with_capacity(len as usize);
    let mut x = start;
    for _ in 0..len {
        out.push(Value::from(x));
        x += step;
    }
    Ok(Value::from(out))
}

/// Registers the Jinja2-compatible filters on the environment.
pub fn register(env: &mut Environment<'static>) {
    use super::jinja_text::{
        center, escape, float_filter, int_filter, truncate, unknown_method, urlencode, urlize,
        wordcount, wordwrap, xmlattr,
    };
    env.add_filter("select", select);
    env.add_filter("reject", reject);
    env.add_filter("selectattr", selectattr);
    env.add_filter("rejectattr", rejectattr);
    env.add_filter("map", map);
    env.add_filter("sort", sort);
    env.add_filter("unique", unique);
    env.add_filter("sum", sum);
    env.add_filter("min", min);
    env.add_filter("max", max);
    env.add_filter("length", length);
    env.add_filter("count", length);
    env.add_filter("truncate", truncate);
    env.add_filter("escape", escape);
    env.add_filter("e", escape);
    env.add_filter("xmlattr", xmlattr);
    env.add_filter("wordcount", wordcount);
    env.add_filter("urlize", urlize);
    env.add_filter("random", random);
    env.add_filter("format", super::jinja_pyfmt::format_filter);
    env.add_filter("center", center);
    env.add_filter("round", round);
    env.add_filter("__dict_method", dict_method);
    env.add_function("range", py_range);
    env.add_filter("int", int_filter);
    env.add_filter("float", float_filter);
    env.add_filter("wordwrap", wordwrap);
    env.add_filter("urlencode", urlencode);
    env.add_filter("dictsort", dictsort);
    env.set_unknown_method_callback(unknown_method);
}
