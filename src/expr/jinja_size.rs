//! The size limit (`expr_max_size`) for Jinja values that leave minijinja
//! as data or text. minijinja repeats a list lazily (`[0] * 100000000`,
//! which it allows up to 10^8 elements) and its fuel counts instructions,
//! not the elements a result is converted from, so a short expression could
//! make the conversion build gigabytes. Every conversion of a value — the
//! result of an expression, `{{ }}` output in a template, and the
//! `tojson`/`json_dump`/`yaml_dump`/`string` filters — is checked first,
//! walking the value without building it and stopping past the limit.

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

/// `Err` when `v` holds more than `max` elements in all (or a string of
/// more than `max` bytes).
pub(crate) fn bounded(v: &Value, max: usize) -> Result<(), Error> {
    let mut budget = max;
    if within(v, &mut budget, max) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("value too large: more than {max} elements or bytes (EXPR_SIZE)"),
        ))
    }
}

fn within(v: &Value, budget: &mut usize, max: usize) -> bool {
    match v.kind() {
        ValueKind::String => v.as_str().is_none_or(|s| s.len() <= max),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
            let Some(len) = v.len() else {
                // A one-shot iterator: walking it would consume it.
                return true;
            };
            if len > *budget {
                return false;
            }
            let Ok(items) = v.try_iter() else {
                return true;
            };
            let map = v.kind() == ValueKind::Map;
            for item in items {
                if *budget == 0 {
                    return false;
                }
                *budget -= 1;
                if !within(&item, budget, max) {
                    return false;
                }
                if map && !v.get_item(&item).is_ok_and(|x| within(&x, budget, max)) {
                    return false;
                }
            }
            true
        }
        _ => true,
    }
}

/// Replaces the serialising filters and functions of `env` by checked ones.
pub(crate) fn register(env: &mut Environment<'static>, max: usize) {
    use crate::expr::jinja_mistral::{json_dump, tojson, yaml_dump};
    env.add_function("json_dump", move |v: Value| {
        bounded(&v, max)?;
        json_dump(v)
    });
    env.add_function("yaml_dump", move |v: Value| {
        bounded(&v, max)?;
        yaml_dump(v)
    });
    env.add_filter("tojson", move |v: Value, args: Rest<Value>, kw: Kwargs| {
        bounded(&v, max)?;
        // Jinja2's tojson returns Markup
        tojson(v, args, kw).map(Value::from_safe_string)
    });
    env.add_filter("string", move |v: Value| -> Result<Value, Error> {
        crate::expr::jinja_py::undefined_input(&v)?;
        bounded(&v, max)?;
        // soft_str: Markup stays Markup
        if v.is_safe() && v.as_str().is_some() {
            return Ok(v);
        }
        Ok(Value::from(crate::expr::jinja::py_str(&v)))
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::expr::{Context, ErrorKind, Evaluator};

    #[test]
    fn lazily_repeated_lists_are_refused_before_they_are_built() {
        let ev = Evaluator::default();
        let data = json!({});
        let ctx = Context::new(&data);
        for e in [
            "{{ 4567890 * ['b', 'A', 'c'] }}",
            "{{ [0] * 100000000 }}",
            "x {{ 1, [0] * 2000000 }}",
            "{{ [[0] * 1000] * 2000 }}",
            "x {{ [0] * 2000000 }}",
            "{{ ([0] * 2000000) | tojson | length }}",
            "{{ ([0] * 2000000) | string | length }}",
            "{{ json_dump([0] * 2000000) | length }}",
            "{{ yaml_dump([0] * 2000000) | length }}",
        ] {
            let started = std::time::Instant::now();
            let err = ev.evaluate_str(e, &ctx).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Limit, "{e}: {}", err.message);
            assert!(err.message.contains("too large"), "{e}: {}", err.message);
            assert!(
                started.elapsed().as_secs() < 2,
                "{e}: {:?}",
                started.elapsed()
            );
        }
        assert_eq!(
            ev.evaluate_str("{{ [1, 2] * 3 }}", &ctx).unwrap(),
            json!([1, 2, 1, 2, 1, 2])
        );
        assert_eq!(
            ev.evaluate_str("{{ {'a': [0] * 10} | tojson }}", &ctx)
                .unwrap(),
            json!("{\"a\": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}")
        );
    }
}
