//! Python's text of a JSON value, the one place bora writes it: `json.dumps`
//! (Python's separators, `ensure_ascii`, optional indent), `repr()`, `str()`
//! and a float's `repr`. Mistral puts such text into API fields (JSON-typed
//! fields are `json.dumps` strings) and into messages (`state_info` holds
//! `str()` of results: `{'why': 'x'}`, `['a', 'b']`, `None`).

use std::fmt::Write;

use serde_json::{Number, Value};

/// `json.dumps(v)` (`indent` = None) or `json.dumps(v, indent=n)`, with
/// Python's defaults: `", "`/`": "` separators (`","` before a newline),
/// `ensure_ascii`, floats through `repr`, key order kept.
pub fn dumps(v: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write_json(v, indent, 0, &mut out);
    out
}

/// [`dumps`] (no indent) of the value whose JSON text is `text`, written
/// from the text itself: no tree of values is built. `text` is JSON as
/// `serde_json` writes it (what every JSON column holds: no duplicate
/// keys); whitespace between tokens is skipped. `None` when a string or
/// number in it is malformed.
pub fn dumps_json_text(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i)?;
                let lit = &text[i..end];
                if lit
                    .bytes()
                    .all(|b| (b' '..=b'~').contains(&b) && b != b'\\')
                {
                    out.push_str(lit);
                } else {
                    json_quote(&serde_json::from_str::<String>(lit).ok()?, &mut out);
                }
                i = end;
            }
            b',' => {
                out.push_str(", ");
                i += 1;
            }
            b':' => {
                out.push_str(": ");
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let len = bytes[i..]
                    .iter()
                    .take_while(|b| {
                        b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                    })
                    .count();
                let token = &text[i..i + len];
                let integer = !token.contains(['.', 'e', 'E'])
                    && (token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok());
                if !integer {
                    // As `serde_json` reads it: a float (also an integer
                    // beyond 64 bits), printed by Python's `repr`.
                    let f: f64 = token.parse().ok()?;
                    out.push_str(&if f.is_finite() {
                        float_repr(f)
                    } else {
                        token.to_string()
                    });
                } else {
                    out.push_str(token);
                }
                i += len;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b => {
                // A bracket, or a letter of `true`, `false`, `null`.
                let len = if b.is_ascii_alphabetic() {
                    bytes[i..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphabetic())
                        .count()
                } else {
                    1
                };
                out.push_str(text.get(i..i + len)?);
                i += len;
            }
        }
    }
    Some(out)
}

/// The index just past the string literal that starts at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn write_json(v: &Value, indent: Option<usize>, level: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => json_quote(s, out),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Object(o) if o.is_empty() => out.push_str("{}"),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                separator(i, indent, level + 1, out);
                write_json(x, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                separator(i, indent, level + 1, out);
                json_quote(k, out);
                out.push_str(": ");
                write_json(x, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push('}');
        }
    }
}

fn separator(i: usize, indent: Option<usize>, level: usize, out: &mut String) {
    if i > 0 {
        out.push(',');
        if indent.is_none() {
            out.push(' ');
        }
    }
    newline(indent, level, out);
}

fn newline(indent: Option<usize>, level: usize, out: &mut String) {
    if let Some(n) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', n * level));
    }
}

/// A JSON string literal as `ensure_ascii` writes it: everything outside
/// printable ASCII as `\uXXXX` (surrogate pairs above the BMP).
fn json_quote(s: &str, out: &mut String) {
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

/// A JSON number as Python prints it: integers as they are, floats
/// through [`float_repr`] (`1e-05`, `1e+16`, `2.0`).
pub fn number(n: &Number) -> String {
    let text = n.to_string();
    if n.is_i64() || n.is_u64() || !text.contains(['.', 'e', 'E']) {
        return text;
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => float_repr(f),
        _ => text,
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed
/// notation when the decimal exponent is in [-4, 16), else `d.ddde±XX`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let sci = format!("{f:e}"); // shortest round-trip, e.g. "-1.2345e3"
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let decpt = exp + 1;
    let mut s = String::new();
    if mant.starts_with('-') {
        s.push('-');
    }
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
            s.push_str(&digits);
        } else if decpt as usize >= digits.len() {
            s.push_str(&digits);
            s.extend(std::iter::repeat_n('0', decpt as usize - digits.len()));
            s.push_str(".0");
        } else {
            s.push_str(&digits[..decpt as usize]);
            s.push('.');
            s.push_str(&digits[decpt as usize..]);
        }
    } else {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(s, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    s
}

/// Python's `repr()` of a string: single quotes unless the text has a
/// single quote and no double one; control characters escaped.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a JSON-loaded value: `None`, `True`, `'text'`,
/// `[1, 'a']`, `{'k': None}`.
pub fn repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(v, &mut out);
    out
}

fn write_repr(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(&str_repr(s)),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&str_repr(k));
                out.push_str(": ");
                write_repr(x, out);
            }
            out.push('}');
        }
    }
}

/// Python's `str()` of a JSON-loaded value: a string as it is, anything
/// else as its `repr()`.
pub fn str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's truth of a JSON-loaded value: `None`, `False`, zero and empty
/// strings and collections are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The name of a JSON-loaded value's Python type: `type(v).__name__`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `repr()` of a list of names: `['a', 'b']`.
pub fn names_repr<S: AsRef<str>>(names: &[S]) -> String {
    let items: Vec<String> = names.iter().map(|n| str_repr(n.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names_as_python() {
        let check = |v: Value, want: &str| assert_eq!(type_name(&v), want);
        check(json!(null), "NoneType");
        check(json!(true), "bool");
        check(json!(1), "int");
        check(json!(1.5), "float");
        check(json!("a"), "str");
        check(json!([1]), "list");
        check(json!({"a": 1}), "dict");
    }

    #[test]
    fn dumps_as_python() {
        let check = |v: Value, want: &str| {
            assert_eq!(dumps(&v, None), want);
            let mut back = serde_json::from_str::<Value>(want).unwrap();
            crate::domain::number::normalize_floats(&mut back);
            assert_eq!(back, v);
        };
        check(json!(null), "null");
        check(json!(-2.5), "-2.5");
        check(
            json!({"z": 1, "a": [1, {"b": null}]}),
            r#"{"z": 1, "a": [1, {"b": null}]}"#,
        );
        check(json!("é😀\n"), r#""\u00e9\ud83d\ude00\n""#);
        check(json!(1e-5), "1e-05");
        check(json!(1e16), "1e+16");
        check(json!(2.0), "2.0");
        assert_eq!(
            dumps(&json!({"a": [1]}), Some(2)),
            "{\n  \"a\": [\n    1\n  ]\n}"
        );
    }

    #[test]
    fn dumps_json_text_as_dumps() {
        for v in [
            json!(null),
            json!({"z": 1, "a": [1, {"b": null}], "": [[], {}]}),
            json!(["é😀\n\u{7f}\u{1f}", "a\\\"b", "\t/"]),
            json!([1e-5, 1e16, 2.0, -0.0, 0.1, -2.5, 1.5e300]),
            json!([i64::MIN, u64::MAX, 0, -1, true, false]),
        ] {
            for text in [
                serde_json::to_string(&v).unwrap_or_default(),
                serde_json::to_string_pretty(&v).unwrap_or_default(),
            ] {
                assert_eq!(dumps_json_text(&text), Some(dumps(&v, None)), "{text}");
            }
        }
        // An integer beyond 64 bits is read, as serde_json reads it, as a float.
        assert_eq!(
            dumps_json_text("[18446744073709551616]").as_deref(),
            Some("[1.8446744073709552e+19]")
        );
        assert_eq!(dumps_json_text(r#"["open"#), None);
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[ -~]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn dumps_json_text_of_any_value(v in any_json()) {
            let text = serde_json::to_string(&v).unwrap_or_default();
            proptest::prop_assert_eq!(dumps_json_text(&text), Some(dumps(&v, None)));
        }
    }

    #[test]
    fn float_repr_as_python() {
        for (f, want) in [
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e15, "1000000000000000.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
        ] {
            assert_eq!(float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn repr_and_str_as_python() {
        assert_eq!(
            repr(&json!({"why": "x", "n": [1, true, null]})),
            "{'why': 'x', 'n': [1, True, None]}"
        );
        assert_eq!(repr(&json!("it's")), "\"it's\"");
        assert_eq!(str(&json!("plain")), "plain");
        assert_eq!(str(&json!(null)), "None");
        assert_eq!(names_repr(&["a", "b"]), "['a', 'b']");
    }
}
