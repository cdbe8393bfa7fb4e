//! Request bodies: raw YAML text for definitions, JSON objects for the rest,
//! read whatever the content type, their numbers as Python reads them
//! (integers of any size exact, floats as doubles). Mistral's JSON-typed
//! request fields accept a dict or a JSON string (python-mistralclient
//! sends strings); every malformed body or field is a 400 naming the
//! problem.

use actix_web::web::Bytes;
use serde_json::{Map, Value};

use super::error::Error;
use crate::domain::number::normalize_floats;

/// A raw request body, as handlers extract it.
pub type Body = Result<Bytes, actix_web::Error>;

/// The answer of a `validate` endpoint (always 200): `{"valid": true}`, or
/// `{"valid": false, "error": "Invalid DSL: …"}` with every problem.
pub fn validation<T>(parsed: Result<T, crate::lang::Diagnostics>) -> Value {
    match parsed {
        Ok(_) => serde_json::json!({"valid": true}),
        Err(d) => serde_json::json!({"valid": false, "error": d.mistral_text()}),
    }
}

/// The body as UTF-8 text (a YAML definition).
pub fn text(body: Body) -> Result<String, Error> {
    let bytes = body.map_err(|e| Error::from_body(&e))?;
    String::from_utf8(bytes.to_vec())
        .map_err(|e| Error::bad(format!("Request body is not valid UTF-8: {e}")))
}

/// The body as a JSON object; an empty body is an empty object.
pub fn object(body: Body) -> Result<Map<String, Value>, Error> {
    let bytes = body.map_err(|e| Error::from_body(&e))?;
    parse_object(&bytes)
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(mut m)) => {
            m.values_mut().for_each(normalize_floats);
            Ok(m)
        }
        Ok(other) => Err(Error::bad(format!(
            "Invalid JSON body: expected an object, got {other}"
        ))),
        // Mistral's JSON hook answers any unparsable body with this text.
        Err(_) => Err(Error::bad("Request is not in valid JSON format")),
    }
}

/// Refuses keys that are not attributes of the resource.
pub fn check_known(obj: &Map<String, Value>, known: &[&str], arg: &str) -> Result<(), Error> {
    let unknown: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| !known.contains(k))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::bad(format!(
            "Unknown attribute for argument {arg}: {}",
            unknown.join(", ")
        )))
    }
}

/// wsme's text for a value of the wrong type: the value and both types
/// as Python prints them (`Expected '<class 'str'>', got '<class 'int'>'`).
fn wrong_type(name: &str, v: &Value, expected: &str) -> Error {
    Error::bad(format!(
        "Invalid input for field/attribute {name}. Value: '{}'. Wrong type. Expected '<class '{expected}'>', got '<class '{}'>'",
        crate::domain::pytext::str(v),
        crate::domain::pytext::type_name(v)
    ))
}

/// A text field; `null`, absent and `""` are `None` (Mistral tests truthiness).
pub fn string(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Error> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(name, other, "str")),
    }
}

/// A string field kept as given: `""` stays `""` (an environment's
/// `description`); absent or `null` is `None`.
pub fn string_as_given(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Error> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        _ => string(obj, name),
    }
}

/// A boolean field as wsme converts it: a bool, or a number (an int's
/// truth), or one of the texts `true t yes y on 1` / `false f no n off 0`
/// (as written: `True` is refused). Anything else is refused with the
/// resource and the whole body as Python prints them. Absent or `null` is
/// `None`.
pub fn boolean(
    obj: &Map<String, Value>,
    name: &str,
    resource: &str,
) -> Result<Option<bool>, Error> {
    const TRUE: &[&str] = &["true", "t", "yes", "y", "on", "1"];
    const FALSE: &[&str] = &["false", "f", "no", "n", "off", "0"];
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.as_f64() != Some(0.0))),
        Some(Value::String(s)) if TRUE.contains(&s.as_str()) => Ok(Some(true)),
        Some(Value::String(s)) if FALSE.contains(&s.as_str()) => Ok(Some(false)),
        Some(other) => Err(Error::bad(format!(
            "Invalid input for field/attribute {resource}. Value: '{}'. Value not an unambiguous boolean: {}",
            crate::domain::pytext::repr(&Value::Object(obj.clone())),
            crate::domain::pytext::str(other)
        ))),
    }
}

/// A JSON-typed field (`types.jsontype`) of the body of a `resource`
/// (`wf_ex`, `action_ex`, ...): a dict, or a string holding one. Absent,
/// `null` or the text `null` is `None` (wsme does not validate a `None`);
/// any other false value (`[]`, `0`, `""`, `false`) is an empty dict, and
/// a true one that is no dict is refused with its Python text. Text that
/// is not JSON is refused as Mistral refuses it: the resource, the whole
/// body as Python prints it, and Python's json error.
pub fn dict(
    obj: &Map<String, Value>,
    name: &str,
    resource: &str,
) -> Result<Option<Map<String, Value>>, Error> {
    let invalid = |why: String| {
        let body = crate::domain::pytext::repr(&Value::Object(obj.clone()));
        Error::bad(format!(
            "Invalid input for field/attribute {resource}. Value: '{body}'. {why}"
        ))
    };
    let value = match obj.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => {
            let mut v = serde_json::from_str::<Value>(s).map_err(|e| {
                invalid(crate::domain::pyjson::loads_error(s).unwrap_or_else(|| e.to_string()))
            })?;
            normalize_floats(&mut v);
            v
        }
        Some(v @ Value::Object(_)) => v.clone(),
        // `json.loads` of what is neither text nor a mapping.
        Some(other) => {
            return Err(invalid(format!(
                "the JSON object must be str, bytes or bytearray, not {}",
                crate::domain::pytext::type_name(other)
            )));
        }
    };
    match value {
        Value::Object(m) => Ok(Some(m)),
        Value::Null => Ok(None),
        v if !crate::domain::pytext::truthy(&v) => Ok(Some(Map::new())),
        other => Err(Error::bad(format!(
            "JsonType field value must be a dictionary [actual={}]",
            crate::domain::pytext::str(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn check_dict(v: Value, expected: Result<Option<Value>, &str>) {
        let got = dict(&obj(json!({ "input": v })), "input", "wf_ex")
            .map(|o| o.map(Value::Object))
            .map_err(|e| e.to_string());
        match expected {
            Ok(want) => assert_eq!(got, Ok(want), "{v}"),
            Err(prefix) => assert!(
                got.as_ref().is_err_and(|e| e.starts_with(prefix)),
                "{v}: {got:?}"
            ),
        }
    }

    #[test]
    fn dict_or_json_string() {
        check_dict(json!({"a": 1}), Ok(Some(json!({"a": 1}))));
        check_dict(json!("{\"a\": 1}"), Ok(Some(json!({"a": 1}))));
        check_dict(
            json!(""),
            Err(
                "Invalid input for field/attribute wf_ex. Value: '{'input': ''}'. Expecting value: line 1 column 1 (char 0)",
            ),
        );
        check_dict(
            json!("  "),
            Err(
                "Invalid input for field/attribute wf_ex. Value: '{'input': '  '}'. Expecting value: line 1 column 3 (char 2)",
            ),
        );
        check_dict(
            json!(false),
            Err(
                "Invalid input for field/attribute wf_ex. Value: '{'input': False}'. the JSON object must be str, bytes or bytearray, not bool",
            ),
        );
        check_dict(json!("null"), Ok(None));
        for falsy in ["[]", "0", "0.0", "\"\"", "false", "{}"] {
            check_dict(json!(falsy), Ok(Some(json!({}))));
        }
        check_dict(
            json!("true"),
            Err("JsonType field value must be a dictionary [actual=True]"),
        );
        check_dict(
            json!("\"x\""),
            Err("JsonType field value must be a dictionary [actual=x]"),
        );
        check_dict(
            json!("[\"a\", 1.5, true, null]"),
            Err("JsonType field value must be a dictionary [actual=['a', 1.5, True, None]]"),
        );
        check_dict(json!({}), Ok(Some(json!({}))));
        check_dict(json!(null), Ok(None));
        check_dict(
            json!([1]),
            Err(
                "Invalid input for field/attribute wf_ex. Value: '{'input': [1]}'. the JSON object must be str, bytes or bytearray, not list",
            ),
        );
        check_dict(
            json!("[1, 2]"),
            Err("JsonType field value must be a dictionary [actual=[1, 2]]"),
        );
        check_dict(
            json!(5),
            Err(
                "Invalid input for field/attribute wf_ex. Value: '{'input': 5}'. the JSON object must be str, bytes or bytearray, not int",
            ),
        );
        check_dict(
            json!("{nope"),
            Err(
                "Invalid input for field/attribute wf_ex. Value: '{'input': '{nope'}'. \
                 Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
        );
        assert_eq!(dict(&Map::new(), "input", "wf_ex").unwrap(), None);
    }

    #[test]
    fn strings() {
        let o = obj(json!({"a": "x", "b": "", "c": null, "d": 1}));
        assert_eq!(string(&o, "a").unwrap().as_deref(), Some("x"));
        assert_eq!(string(&o, "b").unwrap(), None);
        assert_eq!(string(&o, "c").unwrap(), None);
        assert_eq!(string(&o, "zz").unwrap(), None);
        assert!(
            string(&o, "d")
                .unwrap_err()
                .to_string()
                .contains("Value: '1'. Wrong type. Expected '<class 'str'>', got '<class 'int'>'")
        );
    }

    #[test]
    fn objects() {
        assert_eq!(parse_object(b"").unwrap(), Map::new());
        assert_eq!(parse_object(b" \n").unwrap(), Map::new());
        assert_eq!(parse_object(br#"{"a": 1}"#).unwrap(), obj(json!({"a": 1})));
        assert!(
            parse_object(b"[1]")
                .unwrap_err()
                .to_string()
                .starts_with("Invalid JSON body: expected an object")
        );
        assert!(
            parse_object(b"{").unwrap_err().to_string() == "Request is not in valid JSON format"
        );
        let unknown = check_known(&obj(json!({"a": 1, "zz": 2})), &["a"], "wf_ex").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "Unknown attribute for argument wf_ex: zz"
        );
        assert!(check_known(&obj(json!({"a": 1})), &["a"], "wf_ex").is_ok());
    }
}
