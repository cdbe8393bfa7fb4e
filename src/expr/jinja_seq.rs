//! Jinja2's collection filters with Python semantics (jinja2/filters.py):
//! `sort`, `dictsort`, `min`, `max`, `unique` and `groupby` compare with
//! Python's `<` (mixed types raise TypeError), fold case unless
//! `case_sensitive`, and take their arguments by position or keyword;
//! `sum` adds with Python's `+`; `join`, `list`, `first`, `last`, `batch`
//! and `slice` iterate as Python iterates (a string by character, a dict by
//! key, none raises); `dictsort`, `items` and `xmlattr` want a mapping.

use std::cmp::Ordering;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};

use super::jinja_filters::{bind, defined, int_arg, soft_str, truthy};
use super::jinja_ops::{Num, as_num, is_tuple, py_eq, py_err, py_order, type_name};
pub(crate) use super::jinja_sort::py_sort;

fn tuple(items: Vec<Value>) -> Value {
    Value::from_object(minijinja::value::Tuple::from(items))
}

/// Python's `iter(value)` collected.
pub(crate) fn py_iter(v: &Value) -> Result<Vec<Value>, Error> {
    defined(v)?;
    match v.kind() {
        ValueKind::String => Ok(v
            .as_str()
            .unwrap_or_default()
            .chars()
            .map(|c| Value::from(c.to_string()))
            .collect()),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => Ok(v.try_iter()?.collect()),
        _ => Err(py_err(
            "TypeError",
            format!("'{}' object is not iterable", type_name(v)),
        )),
    }
}

/// `attribute` of Jinja2's make_attrgetter: dotted parts, digits index.
fn parts(attribute: &Value) -> Vec<Value> {
    match attribute.as_str() {
        Some(s) => s
            .split('.')
            .map(|p| match p.parse::<i64>() {
                Ok(i) if p.chars().all(|c| c.is_ascii_digit()) => Value::from(i),
                _ => Value::from(p),
            })
            .collect(),
        None if attribute.is_none() => Vec::new(),
        None => vec![attribute.clone()],
    }
}

/// Jinja2's `make_attrgetter(attribute, default=default)` applied to `item`:
/// undefined when the last part is missing, UndefinedError when an earlier
/// one is (the next part is looked up on an undefined value).
pub(crate) fn attr_getter(
    item: &Value,
    attribute: &Value,
    default: Option<&Value>,
) -> Result<Value, Error> {
    get_path(item, &parts(attribute), default)
}

/// Jinja2's `environment.getitem` along `parts` (undefined when missing).
fn get_path(item: &Value, parts: &[Value], default: Option<&Value>) -> Result<Value, Error> {
    let mut cur = item.clone();
    for p in parts {
        if cur.is_undefined() {
            return Err(super::jinja_ops::undefined_error());
        }
        let mut next = cur.get_item(p).unwrap_or(Value::UNDEFINED);
        if next.is_undefined()
            && let Some(name) = p.as_str()
        {
            next = cur.get_attr(name).unwrap_or(Value::UNDEFINED);
            if next.is_undefined() {
                next = py_attribute(&cur, name).unwrap_or(Value::UNDEFINED);
            }
        }
        if next.is_undefined() && !cur.is_undefined() {
            next = super::jinja_undef::missing(&cur, p);
        }
        cur = next;
        if cur.is_undefined()
            && let Some(d) = default
            && !d.is_none()
        {
            super::jinja_undef::forget();
            cur = d.clone();
        }
    }
    Ok(cur)
}

/// `get_path` for filters that fail on the undefined key anyway (sort,
/// min/max, unique, sum, join, groupby): the reason is noted either way.
fn path_value(item: &Value, parts: &[Value], default: Option<&Value>) -> Value {
    get_path(item, parts, default).unwrap_or(Value::UNDEFINED)
}

fn ignore_case(v: Value, case_sensitive: bool) -> Value {
    match (case_sensitive, v.as_str()) {
        (false, Some(s)) => Value::from(s.to_lowercase()),
        _ => v,
    }
}

fn flag(v: &Option<Value>) -> Result<bool, Error> {
    match v {
        Some(b) => truthy(b),
        None => Ok(false),
    }
}

/// `sort(value, reverse=False, case_sensitive=False, attribute=None)`.
fn sort(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "do_sort",
        &["reverse", "case_sensitive", "attribute"],
        0,
        &args,
        &kw,
    )?;
    let (reverse, cs) = (flag(&a[0])?, flag(&a[1])?);
    let attrs: Vec<Vec<Value>> = match &a[2] {
        Some(at) if at.as_str().is_some() => at
            .as_str()
            .unwrap_or_default()
            .split(',')
            .map(|p| parts(&Value::from(p)))
            .collect(),
        Some(at) => vec![parts(at)],
        None => vec![Vec::new()],
    };
    let keyed = py_iter(&value)?
        .into_iter()
        .map(|item| {
            let key: Vec<Value> = attrs
                .iter()
                .map(|p| ignore_case(path_value(&item, p, None), cs))
                .collect();
            (Value::from(key), item)
        })
        .collect();
    Ok(Value::from(py_sort(keyed, reverse)?))
}

/// `dictsort(value, case_sensitive=False, by='key', reverse=False)`.
fn dictsort(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "do_dictsort",
        &["case_sensitive", "by", "reverse"],
        0,
        &args,
        &kw,
    )?;
    let by = a[1].clone().unwrap_or_else(|| Value::from("key"));
    let pos = match by.as_str() {
        Some("key") => 0,
        Some("value") => 1,
        _ => {
            return Err(py_err(
                "FilterArgumentError",
                "You can only sort by either \"key\" or \"value\"",
            ));
        }
    };
    let pairs = mapping_items(&value)?;
    let cs = flag(&a[0])?;
    let keyed = pairs
        .into_iter()
        .map(|(k, v)| {
            let key = ignore_case(if pos == 0 { k.clone() } else { v.clone() }, cs);
            (key, tuple(vec![k, v]))
        })
        .collect();
    Ok(Value::from(py_sort(keyed, flag(&a[2])?)?))
}

/// `value.items()` of a mapping (AttributeError otherwise).
fn mapping_items(value: &Value) -> Result<Vec<(Value, Value)>, Error> {
    defined(value)?;
    if value.kind() != ValueKind::Map {
        return Err(py_err(
            "AttributeError",
            format!("'{}' object has no attribute 'items'", type_name(value)),
        ));
    }
    let mut out = Vec::new();
    for k in value.try_iter()? {
        let v = value.get_item(&k)?;
        out.push((k, v));
    }
    Ok(out)
}

/// `min`/`max(value, case_sensitive=False, attribute=None)`.
fn min_max(value: &Value, args: &[Value], kw: &Kwargs, max: bool) -> Result<Value, Error> {
    let name = if max { "do_max" } else { "do_min" };
    let a = bind(name, &["case_sensitive", "attribute"], 0, args, kw)?;
    let cs = flag(&a[0])?;
    let p = a[1].as_ref().map(parts).unwrap_or_default();
    let items = py_iter(value)?;
    let Some(first) = items.first() else {
        return Ok(super::jinja_undef::because(
            "No aggregated item, sequence was empty.",
        ));
    };
    let key = |x: &Value| ignore_case(path_value(x, &p, None), cs);
    let (mut best, mut best_key) = (first.clone(), key(first));
    let op = if max { ">" } else { "<" };
    for item in &items[1..] {
        let k = key(item);
        let o = py_order(&k, &best_key, op)?;
        if (max && o == Ordering::Greater) || (!max && o == Ordering::Less) {
            best = item.clone();
            best_key = k;
        }
    }
    Ok(best)
}

fn hashable(v: &Value) -> Result<(), Error> {
    defined(v)?;
    if matches!(v.kind(), ValueKind::Seq | ValueKind::Map) && !is_tuple(v) {
        return Err(py_err(
            "TypeError",
            format!("unhashable type: '{}'", type_name(v)),
        ));
    }
    Ok(())
}

/// `unique(value, case_sensitive=False, attribute=None)` (a generator).
fn unique(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "sync_do_unique",
        &["case_sensitive", "attribute"],
        0,
        &args,
        &kw,
    )?;
    let cs = flag(&a[0])?;
    let p = a[1].as_ref().map(parts).unwrap_or_default();
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    for item in py_iter(&value)? {
        let k = ignore_case(path_value(&item, &p, None), cs);
        hashable(&k)?;
        if !seen.iter().any(|s| py_eq(s, &k)) {
            seen.push(k);
            out.push(item);
        }
    }
    Ok(Value::from_object(super::jinja_py::Gen(out)))
}

/// Python's `a + b` as `sum()` uses it.
pub(crate) fn py_add(a: &Value, b: &Value) -> Result<Value, Error> {
    if super::jinja_ops::undefined_like(a) || super::jinja_ops::undefined_like(b) {
        return Err(super::jinja_ops::undefined_error());
    }
    // Markup + str and str + Markup: the plain text is escaped, the sum is
    // Markup
    if let (Some(x), Some(y)) = (a.as_str(), b.as_str())
        && (a.is_safe() || b.is_safe())
    {
        let part = |v: &Value, t: &str| {
            if v.is_safe() {
                t.to_string()
            } else {
                super::jinja_text::escape_text(t)
            }
        };
        return Ok(Value::from_safe_string(part(a, x) + &part(b, y)));
    }
    if let Some(r) = super::jinja_int::int_op(a, "+", b) {
        return r;
    }
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return Ok(match (x, y) {
            (Num::Int(p), Num::Int(q)) => match p.checked_add(q) {
                Some(r) => Value::from(r),
                // beyond 128 bits: the big-integer path takes it from here
                None => {
                    return Err(Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("unable to calculate {p} + {q}"),
                    ));
                }
            },
            (Num::Int(p), Num::Float(q)) => Value::from(p as f64 + q),
            (Num::Float(p), Num::Int(q)) => Value::from(p + q as f64),
            (Num::Float(p), Num::Float(q)) => Value::from(p + q),
        });
    }
    let same_seq =
        a.kind() == ValueKind::Seq && b.kind() == ValueKind::Seq && is_tuple(a) == is_tuple(b);
    if same_seq {
        let mut items: Vec<Value> = a.try_iter()?.collect();
        items.extend(b.try_iter()?);
        return Ok(if is_tuple(a) {
            tuple(items)
        } else {
            Value::from(items)
        });
    }
    if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
        return Ok(Value::from(format!("{x}{y}")));
    }
    // `str`, `list` and `tuple` refuse any other right operand themselves
    // (`'a' + 1`); other types leave it to Python's generic message.
    if a.kind() == ValueKind::Seq || a.as_str().is_some() {
        return Err(py_err(
            "TypeError",
            format!(
                "can only concatenate {} (not \"{}\") to {}",
                type_name(a),
                type_name(b),
                type_name(a)
            ),
        ));
    }
    Err(py_err(
        "TypeError",
        format!(
            "unsupported operand type(s) for +: '{}' and '{}'",
            type_name(a),
            type_name(b)
        ),
    ))
}

/// `sum(iterable, attribute=None, start=0)`.
fn sum(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("sync_do_sum", &["attribute", "start"], 0, &args, &kw)?;
    let mut acc = a[1].clone().unwrap_or_else(|| Value::from(0));
    if acc.kind() == ValueKind::String {
        return Err(py_err(
            "TypeError",
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    let p = a[0].as_ref().map(parts).unwrap_or_default();
    for item in py_iter(&value)? {
        acc = py_add(&acc, &path_value(&item, &p, None))?;
    }
    Ok(acc)
}

/// `join(value, d='', attribute=None)`.
fn join(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("sync_do_join", &["d", "attribute"], 0, &args, &kw)?;
    let d = match &a[0] {
        Some(d) => soft_str(d)?,
        None => String::new(),
    };
    let p = a[1].as_ref().map(parts).unwrap_or_default();
    let mut out = Vec::new();
    for item in py_iter(&value)? {
        out.push(soft_str(&path_value(&item, &p, None))?);
    }
    Ok(Value::from(out.join(&d)))
}

/// `batch(value, linecount, fill_with=None)`.
fn batch(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("do_batch", &["linecount", "fill_with"], 1, &args, &kw)?;
    // `len(tmp) == linecount`: any value compares (a list never matches)
    let linecount = a[0].clone().unwrap_or(Value::UNDEFINED);
    let fill = a[1].clone().filter(|f| !f.is_none());
    let mut out = Vec::new();
    let mut tmp: Vec<Value> = Vec::new();
    for item in py_iter(&value)? {
        if py_eq(&Value::from(tmp.len()), &linecount) {
            out.push(Value::from(std::mem::take(&mut tmp)));
        }
        tmp.push(item);
    }
    if !tmp.is_empty() {
        if let Some(f) = fill
            && py_order(&Value::from(tmp.len()), &linecount, "<")?.is_lt()
        {
            let n = int_arg(&linecount)?;
            let missing = (n - tmp.len() as i128).min(1 << 20) as usize;
            tmp.extend(std::iter::repeat_n(f, missing));
        }
        out.push(Value::from(tmp));
    }
    Ok(Value::from_object(super::jinja_py::Gen(out)))
}

/// `slice(value, slices, fill_with=None)`.
fn slice(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind("sync_do_slice", &["slices", "fill_with"], 1, &args, &kw)?;
    let slices = int_arg(a[0].as_ref().unwrap_or(&Value::UNDEFINED))?;
    let seq = py_iter(&value)?;
    if slices == 0 {
        return Err(py_err(
            "ZeroDivisionError",
            "integer division or modulo by zero",
        ));
    }
    let length = seq.len() as i128;
    let per = length.div_euclid(slices);
    let extra = length.rem_euclid(slices);
    let fill = a[1].clone().filter(|f| !f.is_none());
    let mut out = Vec::new();
    let mut offset = 0i128;
    for n in 0..slices.clamp(0, 1 << 20) {
        let start = offset + n * per;
        if n < extra {
            offset += 1;
        }
        let end = offset + (n + 1) * per;
        let (s, e) = (
            start.clamp(0, length) as usize,
            end.clamp(0, length) as usize,
        );
        let mut tmp: Vec<Value> = if s < e {
            seq[s..e].to_vec()
        } else {
            Vec::new()
        };
        if let Some(f) = &fill
            && n >= extra
        {
            tmp.push(f.clone());
        }
        out.push(Value::from(tmp));
    }
    Ok(Value::from_object(super::jinja_py::Gen(out)))
}

/// `items(value)`: an undefined value gives nothing, a non-mapping raises.
fn items(value: Value) -> Result<Value, Error> {
    if value.is_undefined() {
        return Ok(Value::from_object(super::jinja_py::Gen(Vec::new())));
    }
    if value.kind() != ValueKind::Map {
        return Err(py_err(
            "TypeError",
            "Can only get item pairs from a mapping.",
        ));
    }
    let pairs = mapping_items(&value)?
        .into_iter()
        .map(|(k, v)| tuple(vec![k, v]))
        .collect();
    Ok(Value::from_object(super::jinja_py::Gen(pairs)))
}

/// `xmlattr(d, autospace=True)`.
fn xmlattr(
    state: &minijinja::State,
    value: Value,
    args: Rest<Value>,
    kw: Kwargs,
) -> Result<Value, Error> {
    let a = bind("do_xmlattr", &["autospace"], 0, &args, &kw)?;
    let autospace = match &a[0] {
        Some(x) => truthy(x)?,
        None => true,
    };
    let mut out = Vec::new();
    for (k, v) in mapping_items(&value)? {
        if v.is_none() || v.is_undefined() {
            continue;
        }
        let key = soft_str(&k)?;
        if key
            .chars()
            .any(|c| c.is_ascii_whitespace() || "/>=".contains(c) || c == '\u{b}')
        {
            return Err(py_err(
                "ValueError",
                format!(
                    "Invalid character in attribute name: {}",
                    super::jinja::py_repr(&k)
                ),
            ));
        }
        let esc = super::jinja_text::escape;
        out.push(format!("{}=\"{}\"", esc(k), esc(v)));
    }
    let rv = out.join(" ");
    let rv = if autospace && !rv.is_empty() {
        format!(" {rv}")
    } else {
        rv
    };
    // markup when autoescaping is on
    Ok(if *state.auto_escape() != minijinja::AutoEscape::None {
        Value::from_safe_string(rv)
    } else {
        Value::from(rv)
    })
}

/// `first(seq)` / `last(seq)`: an empty sequence gives undefined.
fn first(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    bind("sync_do_first", &[], 0, &args, &kw)?;
    Ok(py_iter(&value)?
        .into_iter()
        .next()
        .unwrap_or_else(|| super::jinja_undef::because("No first item, sequence was empty.")))
}

fn last(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    bind("do_last", &[], 0, &args, &kw)?;
    defined(&value)?;
    // `next(iter(reversed(value)))`: what `reversed` does not take
    if matches!(
        value.kind(),
        ValueKind::Iterable | ValueKind::Number | ValueKind::Bool | ValueKind::None
    ) {
        return Err(py_err(
            "TypeError",
            format!("'{}' object is not reversible", type_name(&value)),
        ));
    }
    Ok(py_iter(&value)?
        .pop()
        .unwrap_or_else(|| super::jinja_undef::because("No last item, sequence was empty.")))
}

/// `list(value)`.
fn list(value: Value) -> Result<Value, Error> {
    Ok(Value::from(py_iter(&value)?))
}

/// Registers the filters (replacing minijinja's and earlier ones).
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("sort", sort);
    env.add_filter("dictsort", dictsort);
    env.add_filter("min", |v: Value, args: Rest<Value>, kw: Kwargs| {
        min_max(&v, &args, &kw, false)
    });
    env.add_filter("max", |v: Value, args: Rest<Value>, kw: Kwargs| {
        min_max(&v, &args, &kw, true)
    });
    env.add_filter("unique", unique);
    env.add_filter("sum", sum);
    env.add_filter("join", join);
    env.add_filter("batch", batch);
    env.add_filter("slice", slice);
    env.add_filter("items", items);
    env.add_filter("xmlattr", xmlattr);
    env.add_filter("first", first);
    env.add_filter("last", last);
    env.add_filter("list", list);
}

/// Jinja2's `_GroupTuple(grouper, list)`: a 2-tuple with named fields.
#[derive(Debug)]
pub(crate) struct GroupTuple(pub Value, pub Value);

impl minijinja::value::Object for GroupTuple {
    fn repr(self: &std::sync::Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Seq
    }
    fn get_value(self: &std::sync::Arc<Self>, key: &Value) -> Option<Value> {
        match (key.as_str(), as_num(key)) {
            (Some("grouper"), _) | (None, Some(Num::Int(0 | -2))) => Some(self.0.clone()),
            (Some("list"), _) | (None, Some(Num::Int(1 | -1))) => Some(self.1.clone()),
            _ => None,
        }
    }
    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Seq(2)
    }
}

/// `groupby(value, attribute, default=None, case_sensitive=False)`.
fn groupby(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "sync_do_groupby",
        &["attribute", "default", "case_sensitive"],
        1,
        &args,
        &kw,
    )?;
    let p = parts(a[0].as_ref().unwrap_or(&Value::UNDEFINED));
    let default = a[1].clone();
    let cs = flag(&a[2])?;
    let keyed: Vec<(Value, Value)> = py_iter(&value)?
        .into_iter()
        .map(|item| {
            (
                ignore_case(path_value(&item, &p, default.as_ref()), cs),
                item,
            )
        })
        .collect();
    let sorted = py_sort(keyed.clone(), false)?;
    let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
    for item in sorted {
        let key = ignore_case(path_value(&item, &p, default.as_ref()), cs);
        match groups.last_mut() {
            Some((k, members)) if py_eq(k, &key) => members.push(item),
            _ => groups.push((key, vec![item])),
        }
    }
    let out: Vec<Value> = groups
        .into_iter()
        .map(|(key, members)| {
            let grouper = if cs {
                key
            } else {
                path_value(&members[0], &p, default.as_ref())
            };
            Value::from_object(GroupTuple(grouper, Value::from(members)))
        })
        .collect();
    Ok(Value::from(out))
}

const DICT_METHODS: &[&str] = &[
    "clear",
    "copy",
    "fromkeys",
    "get",
    "items",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
];
const LIST_METHODS: &[&str] = &[
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse",
    "sort",
];

/// A method looked up with `attr` (`x|attr('items')()`).
#[derive(Debug)]
pub(crate) struct BoundMethod(pub Value, pub String);

impl minijinja::value::Object for BoundMethod {
    fn repr(self: &std::sync::Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }
    fn call(
        self: &std::sync::Arc<Self>,
        state: &mut minijinja::State<'_, '_>,
        args: &[Value],
    ) -> Result<Value, Error> {
        self.0.call_method(state, &self.1, args)
    }
    fn render(self: &std::sync::Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<built-in method {} of {} object>",
            self.1,
            type_name(&self.0)
        )
    }
}

/// `attr(obj, name)`: a Python attribute, never a dict key; missing is
/// undefined, a private name is refused by the sandbox.
fn attr(value: Value, name: Value) -> Result<Value, Error> {
    defined(&value)?;
    let Some(name) = name.as_str().map(String::from) else {
        return Err(py_err(
            "TypeError",
            format!("attribute name must be string, not '{}'", type_name(&name)),
        ));
    };
    if name.starts_with('_') {
        return Err(py_err(
            "SecurityError",
            format!(
                "access to attribute '{name}' of '{}' object is unsafe.",
                type_name(&value)
            ),
        ));
    }
    Ok(py_attribute(&value, &name)
        .unwrap_or_else(|| super::jinja_undef::missing(&value, &Value::from(name))))
}

/// `getattr(value, name)` for what the sandbox lets a template read: the
/// methods of a dict, list, tuple or str (bound) and the `real`, `imag`,
/// `numerator`, `denominator` of a number; `None` when there is none.
pub(crate) fn py_attribute(value: &Value, name: &str) -> Option<Value> {
    if matches!(value.kind(), ValueKind::Number | ValueKind::Bool) {
        let num = as_num(value)?;
        let methods: &[&str] = match num {
            Num::Int(_) => &[
                "as_integer_ratio",
                "bit_count",
                "bit_length",
                "conjugate",
                "to_bytes",
            ],
            Num::Float(_) => &["as_integer_ratio", "conjugate", "hex", "is_integer"],
        };
        if methods.contains(&name) {
            return Some(Value::from_object(BoundMethod(
                value.clone(),
                name.to_string(),
            )));
        }
        return match (num, name) {
            (Num::Int(i), "real" | "numerator") => Some(Value::from(i)),
            (Num::Int(_), "imag") => Some(Value::from(0)),
            (Num::Int(_), "denominator") => Some(Value::from(1)),
            (Num::Float(f), "real") => Some(Value::from(f)),
            (Num::Float(_), "imag") => Some(Value::from(0.0)),
            _ => None,
        };
    }
    bound_method(value, name)
}

/// `getattr(value, name)` for the methods of a dict, list, tuple or str:
/// the bound method, or `None` when the type has no such method.
pub(crate) fn bound_method(value: &Value, name: &str) -> Option<Value> {
    let method = match value.kind() {
        ValueKind::Map => DICT_METHODS.contains(&name),
        // a tuple and a range have only these two
        ValueKind::Seq if is_tuple(value) || super::jinja_values::is_range(value) => {
            ["count", "index"].contains(&name)
        }
        ValueKind::Seq => LIST_METHODS.contains(&name),
        ValueKind::String => super::jinja_text::STR_METHODS.contains(&name),
        _ => false,
    };
    method.then(|| Value::from_object(BoundMethod(value.clone(), name.to_string())))
}

/// `abs(x)`: bools are integers.
fn abs(value: Value) -> Result<Value, Error> {
    if super::jinja_int::as_big(&value).is_some() {
        return super::jinja_int::int_abs(&value);
    }
    match as_num(&value) {
        Some(Num::Int(_)) => super::jinja_int::int_abs(&value),
        Some(Num::Float(f)) => Ok(Value::from(f.abs())),
        None => Err(py_err(
            "TypeError",
            format!("bad operand type for abs(): '{}'", type_name(&value)),
        )),
    }
}

/// `reverse(value)`: a string reversed, a reversible value (list, dict) as
/// a reversed iterator, a generator (not reversible) as a reversed list.
fn reverse(value: Value) -> Result<Value, Error> {
    defined(&value)?;
    if let Some(s) = value.as_str() {
        let rev: String = s.chars().rev().collect();
        // Markup[::-1] is Markup
        return Ok(if value.is_safe() {
            Value::from_safe_string(rev)
        } else {
            Value::from(rev)
        });
    }
    if !matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    ) {
        return Err(py_err("FilterArgumentError", "argument must be iterable"));
    }
    let mut items = py_iter(&value)?;
    items.reverse();
    if super::jinja_py::is_gen(&value) {
        return Ok(Value::from(items));
    }
    Ok(Value::from_object(super::jinja_py::Gen(items)))
}

/// Registers `groupby`, `attr` and `abs` (and `+` for the rewrite).
pub(crate) fn register_more(env: &mut Environment<'static>) {
    env.add_function("__py_add", |a: Value, b: Value| py_add(&a, &b));
    env.add_filter("groupby", groupby);
    env.add_filter("attr", attr);
    env.add_filter("abs", abs);
    env.add_filter("reverse", reverse);
}
