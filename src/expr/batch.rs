//! Batch evaluation for conformance runs (`bora expr --batch`): reads JSONL
//! `{"expr": …, "context": …}` and writes one `{"result": …}` or
//! `{"error": {"kind": …, "message": …}}` line per input line, in order.

use std::io::{BufRead, Write};

use serde_json::{Value, json};

use super::{Context, ErrorKind, Evaluator};

/// The name of an error kind as the conformance README spells it.
pub fn kind_name(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::Syntax => "syntax",
        ErrorKind::UnknownFunction => "unknown_function",
        ErrorKind::NoMatchingFunction => "no_matching_function",
        ErrorKind::Key => "key",
        ErrorKind::Index => "index",
        ErrorKind::Type => "type",
        ErrorKind::Value => "value",
        ErrorKind::ZeroDivision => "zero_division",
        ErrorKind::Empty => "empty",
        ErrorKind::Undefined => "undefined",
        ErrorKind::Security => "security",
        ErrorKind::Attribute => "attribute",
        ErrorKind::Overflow => "overflow",
        ErrorKind::Assertion => "assertion",
        ErrorKind::Regex => "regex",
        ErrorKind::Runtime => "runtime",
        ErrorKind::Limit => "limit",
        ErrorKind::Other => "other",
    }
}

/// Evaluates one batch line (already parsed) into its output object.
pub fn evaluate_line(ev: &Evaluator, line: &Value) -> Value {
    let expr = line.get("expr").and_then(Value::as_str).unwrap_or_default();
    let empty = Value::Object(Default::default());
    let data = line.get("context").unwrap_or(&empty);
    let mut out = match ev.evaluate_str(expr, &Context::new(data)) {
        Ok(v) => json!({ "result": v }),
        Err(e) => json!({ "error": { "kind": kind_name(e.kind), "message": e.message } }),
    };
    if let (Some(id), Some(o)) = (line.get("id"), out.as_object_mut()) {
        o.insert("id".into(), id.clone());
    }
    out
}

/// Evaluates one batch line into its output line (JSON text; integers of
/// any size are written exactly).
pub fn evaluate_line_text(ev: &Evaluator, line: &Value) -> String {
    let expr = line.get("expr").and_then(Value::as_str).unwrap_or_default();
    let empty = Value::Object(Default::default());
    let data = line.get("context").unwrap_or(&empty);
    let id = line
        .get("id")
        .map(|i| format!(", \"id\": {i}"))
        .unwrap_or_default();
    match ev.evaluate_str_text(expr, &Context::new(data)) {
        Ok(text) => format!("{{\"result\": {text}{id}}}"),
        Err(e) => {
            let err = json!({ "kind": kind_name(e.kind), "message": e.message });
            format!("{{\"error\": {err}{id}}}")
        }
    }
}

/// Reads JSONL requests from `reader`, writes JSONL results to `writer`.
pub fn batch<R: BufRead, W: Write>(reader: R, mut writer: W) -> std::io::Result<()> {
    let ev = Evaluator::default();
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let out = match serde_json::from_str::<Value>(&line) {
            Ok(v) => evaluate_line_text(&ev, &v),
            Err(e) => {
                json!({ "error": { "kind": "other", "message": format!("bad input line: {e}") } })
                    .to_string()
            }
        };
        writeln!(writer, "{out}")?;
    }
    writer.flush()
}
