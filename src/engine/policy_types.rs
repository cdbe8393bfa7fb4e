//! The type check Mistral makes of a task's policies before the task starts
//! (`TaskPolicy._validate`: `jsonschema.validate` of the evaluated fields):
//! which values are refused and Mistral's text for them. Pure.

use serde_json::Value;

use crate::domain::pytext;

/// The JSON-schema type a policy field must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `{'type': 'integer', 'minimum': 0}`.
    Count,
    /// `{'type': 'boolean'}`.
    Flag,
}

impl Kind {
    fn schema(self) -> &'static str {
        match self {
            Kind::Count => "{'type': 'integer', 'minimum': 0}",
            Kind::Flag => "{'type': 'boolean'}",
        }
    }
}

/// jsonschema's `integer`: a whole number, a float with no fraction
/// included; never a boolean.
fn integer(v: &Value) -> Option<f64> {
    let n = v.as_number()?;
    if n.is_i64() || n.is_u64() {
        return n.as_f64();
    }
    n.as_f64().filter(|f| f.is_finite() && f.fract() == 0.0)
}

/// The failed keyword and its message for one field, if it fails.
fn field_error(v: &Value, kind: Kind) -> Option<(&'static str, String)> {
    let shown = pytext::repr(v);
    match kind {
        Kind::Flag if v.is_boolean() => None,
        Kind::Flag => Some(("type", format!("{shown} is not of type 'boolean'"))),
        Kind::Count => match integer(v) {
            None => Some(("type", format!("{shown} is not of type 'integer'"))),
            Some(n) if n < 0.0 => {
                Some(("minimum", format!("{shown} is less than the minimum of 0")))
            }
            Some(_) => None,
        },
    }
}

/// Checks the evaluated `fields` (`(name, value, kind)`) of policy `class`
/// (`RetryPolicy` …): `Err` with Mistral's `Invalid data type in …` text
/// when one is refused. Of several refused fields jsonschema's `best_match`
/// reports the one whose name sorts last.
pub(crate) fn check(class: &str, fields: &[(&str, &Value, Kind)]) -> Result<(), String> {
    let worst = fields
        .iter()
        .filter_map(|(name, v, kind)| field_error(v, *kind).map(|e| (*name, *v, *kind, e)))
        .max_by(|a, b| a.0.cmp(b.0));
    let Some((name, v, kind, (keyword, msg))) = worst else {
        return Ok(());
    };
    Err(format!(
        "Invalid data type in {class}: {msg}\n\nFailed validating '{keyword}' in schema['properties']['{name}']:\n    {}\n\nOn instance['{name}']:\n    {}. Value(s) can be shown after YAQL evaluating. If you use YAQL here, please correct it.",
        kind.schema(),
        pytext::repr(v),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refuses_as_jsonschema_does() {
        let many = json!("many");
        let zero = json!(0);
        let e = check(
            "RetryPolicy",
            &[("delay", &zero, Kind::Count), ("count", &many, Kind::Count)],
        )
        .unwrap_err();
        assert_eq!(
            e,
            "Invalid data type in RetryPolicy: 'many' is not of type 'integer'\n\n\
             Failed validating 'type' in schema['properties']['count']:\n    \
             {'type': 'integer', 'minimum': 0}\n\nOn instance['count']:\n    'many'. \
             Value(s) can be shown after YAQL evaluating. If you use YAQL here, please correct it."
        );
        // of two refused fields the one whose name sorts last
        let minus = json!(-1);
        let e = check(
            "RetryPolicy",
            &[
                ("delay", &minus, Kind::Count),
                ("count", &many, Kind::Count),
            ],
        )
        .unwrap_err();
        assert!(
            e.starts_with("Invalid data type in RetryPolicy: -1 is less than the minimum of 0")
        );
        // a fractional negative fails its type first
        let e = check("TimeoutPolicy", &[("delay", &json!(-0.5), Kind::Count)]).unwrap_err();
        assert!(e.contains("-0.5 is not of type 'integer'"));
        assert!(check("TimeoutPolicy", &[("delay", &json!(5.0), Kind::Count)]).is_ok());
        let e = check("WaitBeforePolicy", &[("delay", &json!(true), Kind::Count)]).unwrap_err();
        assert!(e.contains("True is not of type 'integer'"));
        let e = check("PauseBeforePolicy", &[("expr", &json!(1), Kind::Flag)]).unwrap_err();
        assert!(e.contains("1 is not of type 'boolean'\n\nFailed validating 'type' in schema['properties']['expr']:\n    {'type': 'boolean'}"));
        assert!(check("PauseBeforePolicy", &[("expr", &json!(false), Kind::Flag)]).is_ok());
    }
}
