//! Python-compatible JSON and YAML text for Mistral's `json_dump`,
//! `json_parse`, `yaml_dump`, `yaml_parse`: `json.dumps(indent=4)` layout,
//! ASCII escaping and Python float `repr`; key order is kept.

use serde_json::Value;

/// `json.dumps(v, indent=indent)` with Python's defaults (`ensure_ascii`).
pub fn dumps(v: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write(v, indent, 0, &mut out);
    out
}

fn write(v: &Value, indent: Option<usize>, level: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => quote(s, out),
        Value::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    if indent.is_none() {
                        out.push(' ');
                    }
                }
                newline(indent, level + 1, out);
                write(x, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push(']');
        }
        Value::Object(o) => {
            if o.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    if indent.is_none() {
                        out.push(' ');
                    }
                }
                newline(indent, level + 1, out);
                quote(k, out);
                out.push_str(": ");
                write(x, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push('}');
        }
    }
}

fn newline(indent: Option<usize>, level: usize, out: &mut String) {
    if let Some(n) = indent {
        out.push('\n');
        for _ in 0..n * level {
            out.push(' ');
        }
    }
}

/// A JSON number as Python prints it (floats through `repr`).
pub fn number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let text = n.to_string();
    if !text.contains(['.', 'e', 'E']) {
        return text;
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => crate::expr::yaql::value::float_repr(f),
        _ => text,
    }
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.loads(s)`.
pub fn loads(s: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(s.trim_matches(|c: char| c.is_ascii_whitespace()))
        .map_err(|e| format!("{e}"))
}

/// `yaml.safe_dump(v, default_flow_style=False)`-like text.
pub fn yaml_dump(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => yaml_serde::to_string(v).unwrap_or_default(),
        _ => {
            let s = yaml_serde::to_string(v).unwrap_or_default();
            let s = s.trim_end();
            format!("{s}\n...\n")
        }
    }
}

/// `yaml.safe_load(s)`; an empty document is `null`.
pub fn yaml_load(s: &str) -> Result<Value, String> {
    if s.trim().is_empty() {
        return Ok(Value::Null);
    }
    yaml_serde::from_str::<Value>(s).map_err(|e| format!("{e}"))
}
