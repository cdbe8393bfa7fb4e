//! JSON text exactly as Python's `json.dumps` writes it (`", "` and `": "`
//! separators, `ensure_ascii`). Mistral returns its JSON-typed fields as such
//! strings; `render` uses this so that clients comparing text see Mistral's.

use std::fmt::Write;

use serde_json::Value;

/// `json.dumps(value)` with Python's defaults.
pub fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// A string literal: everything outside printable ASCII is `\uXXXX`
/// (surrogate pairs above the BMP), as Python's `ensure_ascii` does.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: Value, expected: &str) {
        assert_eq!(dumps(&value), expected);
        assert_eq!(serde_json::from_str::<Value>(expected).unwrap(), value);
    }

    #[test]
    fn python_spelling() {
        check(json!(null), "null");
        check(json!(true), "true");
        check(json!(1), "1");
        check(json!(-2.5), "-2.5");
        check(json!("x"), r#""x""#);
        check(json!({}), "{}");
        check(json!([]), "[]");
        check(json!({"x": 1}), r#"{"x": 1}"#);
        check(
            json!({"a": [1, 2, {"b": null}], "c": "d"}),
            r#"{"a": [1, 2, {"b": null}], "c": "d"}"#,
        );
        check(json!({"result": "hello"}), r#"{"result": "hello"}"#);
    }

    #[test]
    fn keeps_key_order() {
        check(json!({"z": 1, "a": 2}), r#"{"z": 1, "a": 2}"#);
    }

    #[test]
    fn escapes_like_ensure_ascii() {
        check(json!("a\"b\\c"), r#""a\"b\\c""#);
        check(json!("l1\nl2\tx\r"), r#""l1\nl2\tx\r""#);
        check(json!("\u{1}\u{7f}"), r#""\u0001\u007f""#);
        check(json!("é"), r#""\u00e9""#);
        check(json!("日本"), r#""\u65e5\u672c""#);
        check(json!("😀"), r#""\ud83d\ude00""#);
        check(json!("\u{8}\u{c}"), r#""\b\f""#);
    }
}
