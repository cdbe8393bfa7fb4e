//! Jinja2's global functions (jinja2/defaults.py DEFAULT_NAMESPACE) as
//! Jinja2 defines them: `cycler(*items)` with `next()`, `reset()` and
//! `current`, `namespace(*args, **kwargs)` taking a mapping and keywords,
//! `lipsum(n=5, html=True, min=20, max=100)`; and the filters, tests and
//! globals minijinja has but Jinja2 does not are removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use minijinja::value::{Kwargs, Object, ObjectRepr, Rest, Value, ValueKind, ValueOrKwargs};
use minijinja::{Environment, Error, State};

use super::jinja_filters::{bind, int_arg, truthy};
use super::jinja_ops::py_err;

/// `jinja2.utils.Cycler`.
#[derive(Debug)]
struct Cycler {
    items: Vec<Value>,
    pos: AtomicUsize,
}

impl Object for Cycler {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "current" => Some(self.items[self.pos.load(Ordering::Relaxed)].clone()),
            "items" => Some(Value::from(self.items.clone())),
            _ => None,
        }
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        if !args.is_empty() {
            return Err(py_err(
                "TypeError",
                format!("{method}() takes no arguments ({} given)", args.len()),
            ));
        }
        match method {
            "next" | "__next__" => {
                let i = self.pos.load(Ordering::Relaxed);
                self.pos
                    .store((i + 1) % self.items.len(), Ordering::Relaxed);
                Ok(self.items[i].clone())
            }
            "reset" => {
                self.pos.store(0, Ordering::Relaxed);
                Ok(Value::from(()))
            }
            _ => Err(Error::from(minijinja::ErrorKind::UnknownMethod)),
        }
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<jinja2.utils.Cycler object>")
    }
}

fn cycler(items: Rest<Value>) -> Result<Value, Error> {
    if items.is_empty() {
        return Err(py_err(
            "RuntimeError",
            "at least one item has to be provided",
        ));
    }
    Ok(Value::from_object(Cycler {
        items: items.0,
        pos: AtomicUsize::new(0),
    }))
}

/// Python's `dict(*args, **kwargs)` as an ordered map.
fn dict_items(args: Rest<Value>, kw: Kwargs) -> Result<indexmap::IndexMap<Value, Value>, Error> {
    if args.len() > 1 {
        return Err(py_err(
            "TypeError",
            format!("dict expected at most 1 argument, got {}", args.len()),
        ));
    }
    let mut map = indexmap::IndexMap::new();
    if let Some(init) = args.first() {
        if init.kind() == ValueKind::Map {
            for k in init.try_iter()? {
                let v = init.get_item(&k)?;
                map.insert(k, v);
            }
        } else {
            for item in super::jinja_seq::py_iter(init)? {
                let kv = super::jinja_seq::py_iter(&item)?;
                if kv.len() != 2 {
                    return Err(py_err(
                        "ValueError",
                        "dictionary update sequence element has the wrong length",
                    ));
                }
                map.insert(kv[0].clone(), kv[1].clone());
            }
        }
    }
    for k in kw.args() {
        map.insert(Value::from(k), kw.get::<Value>(k)?);
    }
    Ok(map)
}

/// `dict(*args, **kwargs)`.
fn dict(args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    Ok(super::jinja_mutable::dict(dict_items(args, kw)?))
}

/// `Namespace(*args, **kwargs)`: the attributes of `dict(*args, **kwargs)`.
fn namespace(args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let map: indexmap::IndexMap<Value, Value> = dict_items(args, kw)?
        .into_iter()
        .filter(|(k, _)| k.as_str().is_some())
        .collect();
    minijinja::functions::namespace(Some(ValueOrKwargs::from(Value::from(map))))
}

const LOREM: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
];

/// `lipsum(n=5, html=True, min=20, max=100)`: lorem ipsum paragraphs (Jinja2
/// picks the words at random; these are fixed).
fn lipsum(args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "generate_lorem_ipsum",
        &["n", "html", "min", "max"],
        0,
        &args,
        &kw,
    )?;
    let n = match &a[0] {
        Some(n) => int_arg(n)?.clamp(0, 1000) as usize,
        None => 5,
    };
    let html = match &a[1] {
        Some(h) => truthy(h)?,
        None => true,
    };
    let min = match &a[2] {
        Some(m) => int_arg(m)?,
        None => 20,
    };
    let max = match &a[3] {
        Some(m) => int_arg(m)?,
        None => 100,
    };
    if n > 0 && min >= max {
        // random.randrange(min, max) per paragraph
        return Err(py_err(
            "ValueError",
            format!("empty range for randrange() ({min}, {max}, {})", max - min),
        ));
    }
    let min = min.clamp(1, 10_000) as usize;
    let paragraphs: Vec<String> = (0..n)
        .map(|p| {
            let words: Vec<&str> = (0..min).map(|i| LOREM[(p + i) % LOREM.len()]).collect();
            let mut text = words.join(" ");
            if let Some(first) = text.get(..1) {
                text = first.to_uppercase() + &text[1..];
            }
            text + "."
        })
        .collect();
    Ok(if html {
        Value::from_safe_string(
            paragraphs
                .iter()
                .map(|p| format!("<p>{p}</p>"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    } else {
        Value::from(paragraphs.join("\n\n"))
    })
}

/// Registers the globals and removes what Jinja2 lacks.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("cycler", cycler);
    env.add_function("namespace", namespace);
    env.add_function("dict", dict);
    env.add_function("lipsum", lipsum);
    for name in [
        "split",
        "lines",
        "bool",
        "chain",
        "zip",
        "pluralize",
        "dateformat",
        "datetimeformat",
        "timeformat",
    ] {
        env.remove_filter(name);
    }
    for name in ["startingwith", "endingwith", "safe"] {
        env.remove_test(name);
    }
    for name in ["debug", "now", "randrange"] {
        env.remove_global(name);
    }
}
