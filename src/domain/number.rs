//! JSON numbers as Python holds them. Workflow data is Python's: an integer
//! has no size limit (`2**70` stays `1180591620717411303424` from input to
//! output) and a float is a double. serde_json keeps a number's digits
//! (`arbitrary_precision`), so an integer of any size passes through bora
//! exactly; this module reads and makes such numbers, turns the float texts
//! of a request into Python's (`1.50` is read as `1.5`, `1e5` as
//! `100000.0`), and hands numbers to serializers other than serde_json's as
//! plain integers and floats ([`Plain`]).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

/// What a JSON number is to Python.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num<'a> {
    /// An integer that fits `i128` (every integer of 64 bits and more).
    Int(i128),
    /// An integer beyond `i128`: its decimal digits, with a leading `-`
    /// when negative.
    Big(&'a str),
    /// A float.
    Float(f64),
}

/// Reads a number as Python would hold it.
pub fn classify(n: &Number) -> Num<'_> {
    if let Some(i) = n.as_i64() {
        return Num::Int(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Num::Int(i128::from(u));
    }
    let text = n.as_str();
    if is_integer_text(text) {
        return match text.parse::<i128>() {
            Ok(i) => Num::Int(i),
            Err(_) => Num::Big(text),
        };
    }
    Num::Float(n.as_f64().unwrap_or(f64::NAN))
}

/// Whether a number is an integer (of any size) rather than a float.
pub fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || is_integer_text(n.as_str())
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The number holding exactly the integer written in `digits` (decimal, an
/// optional leading `-`); `None` for any other text.
pub fn integer(digits: &str) -> Option<Number> {
    if !is_integer_text(digits) {
        return None;
    }
    let trimmed = trim_zeros(digits);
    serde_json::from_str::<Number>(&trimmed).ok()
}

/// `-007` → `-7`, `-0` → `0`: the digits JSON allows.
fn trim_zeros(digits: &str) -> String {
    let (neg, body) = match digits.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, digits),
    };
    let body = body.trim_start_matches('0');
    match (neg, body.is_empty()) {
        (_, true) => "0".into(),
        (true, false) => format!("-{body}"),
        (false, false) => body.into(),
    }
}

/// The integer `i` as a number.
pub fn from_i128(i: i128) -> Number {
    match (i64::try_from(i), u64::try_from(i)) {
        (Ok(v), _) => Number::from(v),
        (_, Ok(v)) => Number::from(v),
        _ => Number::from_i128(i).unwrap_or_else(|| Number::from(0)),
    }
}

/// Rewrites every float of `v` to the text Python gives it after
/// `json.loads` (the shortest text that reads back as the same double:
/// `1.50` → `1.5`, `1e5` → `100000.0`), so that equal floats are equal
/// values. Integers are left as written; a float beyond the doubles
/// (`1e400`) keeps its text.
pub fn normalize_floats(v: &mut Value) {
    match v {
        Value::Number(n) if !is_integer(n) => {
            if let Some(f) = n.as_f64().filter(|f| f.is_finite())
                && let Some(shortest) = Number::from_f64(f)
                && shortest.as_str() != n.as_str()
            {
                *n = shortest;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_floats),
        Value::Object(map) => map.values_mut().for_each(normalize_floats),
        _ => {}
    }
}

/// A JSON value for serializers other than serde_json's own: its numbers
/// are plain integers (`i64`, `u64`, `i128`) and floats. An integer beyond
/// 128 bits becomes the nearest float there, the one loss left.
pub struct Plain<'a>(pub &'a Value);

impl Serialize for Plain<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), classify(n)) {
                (Some(i), _, _) => s.serialize_i64(i),
                (_, Some(u), _) => s.serialize_u64(u),
                (_, _, Num::Int(i)) => s.serialize_i128(i),
                (_, _, Num::Big(_)) | (_, _, Num::Float(_)) => {
                    s.serialize_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            },
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Plain(item))?;
                }
                seq.end()
            }
            Value::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, item) in entries {
                    map.serialize_entry(k, &Plain(item))?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_of_any_size_read_back_exactly() {
        let v: Value = serde_json::from_str(
            r#"{"a": 1180591620717411303424, "b": -99999999999999999999999999999999999999999}"#,
        )
        .unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"a":1180591620717411303424,"b":-99999999999999999999999999999999999999999}"#
        );
        let a = v["a"].as_number().unwrap();
        assert_eq!(classify(a), Num::Int(1180591620717411303424));
        let b = v["b"].as_number().unwrap();
        assert_eq!(
            classify(b),
            Num::Big("-99999999999999999999999999999999999999999")
        );
        assert!(is_integer(b));
        assert_eq!(classify(&Number::from(7)), Num::Int(7));
        assert_eq!(classify(&Number::from_f64(2.5).unwrap()), Num::Float(2.5));
    }

    #[test]
    fn integer_text_makes_an_exact_number() {
        assert_eq!(integer("-007").unwrap().as_str(), "-7");
        assert_eq!(integer("-0").unwrap().as_str(), "0");
        assert_eq!(
            integer("123456789012345678901234567890").unwrap().as_str(),
            "123456789012345678901234567890"
        );
        assert!(integer("1.5").is_none());
        assert!(integer("").is_none());
        assert!(integer("-").is_none());
        assert_eq!(from_i128(i128::MAX).as_str(), i128::MAX.to_string());
        assert_eq!(from_i128(-5).as_i64(), Some(-5));
    }

    #[test]
    fn floats_read_as_python_reads_them() {
        let mut v: Value = serde_json::from_str(
            r#"[1.50, 1e5, 2.0, -0.0, 1E-7, 0.00001, 10, 18446744073709551616]"#,
        )
        .unwrap();
        normalize_floats(&mut v);
        assert_eq!(
            v.to_string(),
            "[1.5,100000.0,2.0,-0.0,1e-7,0.00001,10,18446744073709551616]"
        );
    }

    #[test]
    fn plain_numbers_for_other_serializers() {
        let v: Value = serde_json::from_str(
            r#"{"i": -3, "u": 18446744073709551615, "w": 18446744073709551616, "f": 0.5, "s": [true, null, "x"]}"#,
        )
        .unwrap();
        let text = yaml_serde::to_string(&Plain(&v)).unwrap();
        assert_eq!(
            text,
            "i: -3\nu: 18446744073709551615\nw: 18446744073709551616\nf: 0.5\ns:\n- true\n- null\n- x\n"
        );
        assert_eq!(
            serde_json::to_value(Plain(&json!(2.5))).unwrap(),
            json!(2.5)
        );
    }
}
