//! Python-compatible JSON and YAML text for Mistral's `json_dump`,
//! `json_parse`, `yaml_dump`, `yaml_parse`: `json.dumps(indent=4)` layout,
//! ASCII escaping and Python float `repr`; key order is kept.

use serde_json::Value;

pub use crate::domain::pytext::{dumps, number};

/// `json.loads(s)`.
pub fn loads(s: &str) -> Result<Value, String> {
    let mut v = serde_json::from_str::<Value>(s.trim_matches(|c: char| c.is_ascii_whitespace()))
        .map_err(|e| crate::domain::pyjson::loads_error(s).unwrap_or_else(|| e.to_string()))?;
    crate::domain::number::normalize_floats(&mut v);
    Ok(v)
}

/// `yaml.safe_dump(v, default_flow_style=False)` ([`crate::expr::pyyaml`]).
pub fn yaml_dump(v: &Value) -> String {
    crate::yaml::emit::dump(
        &crate::yaml::emit::Node::from_json(v),
        crate::yaml::emit::Keys::Sorted,
    )
}

/// Longest text `yaml_parse` reads.
const YAML_MAX_BYTES: usize = 1024 * 1024;
/// Deepest nesting of flow collections (`[`, `{`) `yaml_parse` reads. The
/// YAML scanner's cost grows with the square of the open flow levels, so a
/// string of 100,000 `[` would hold the evaluator for seconds before the
/// parser's own recursion limit fires.
const YAML_MAX_FLOW_DEPTH: usize = 64;

/// The deepest nesting of unquoted `[`/`{` in `s` (quotes approximated:
/// `'…'` and `"…"` are skipped).
fn flow_depth(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in s.chars() {
        match quote {
            Some(q) if c == q && prev != '\\' => quote = None,
            Some(_) => {}
            None => match c {
                '[' | '{' => {
                    depth += 1;
                    max = max.max(depth);
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                '"' | '\'' if depth > 0 => quote = Some(c),
                _ => {}
            },
        }
        prev = c;
    }
    max
}

/// Mistral's `yaml_parse(s)`: its own loader (YAML 1.1 scalars, `&`, `*`
/// and `@` as plain text); an empty document is `null`. Refuses text over
/// 1 MiB and collections nested over 64 deep.
pub fn yaml_load(s: &str) -> Result<Value, String> {
    if s.trim().is_empty() {
        return Ok(Value::Null);
    }
    if s.len() > YAML_MAX_BYTES {
        return Err(format!(
            "document is too large: {} bytes, the limit is {YAML_MAX_BYTES}",
            s.len()
        ));
    }
    if flow_depth(s) > YAML_MAX_FLOW_DEPTH {
        return Err(format!(
            "document is nested too deeply: the limit is {YAML_MAX_FLOW_DEPTH} levels"
        ));
    }
    crate::yaml::value(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_dump_ends_only_plain_root_scalars_with_a_marker() {
        assert_eq!(yaml_dump(&serde_json::json!("abc")), "abc\n...\n");
        assert_eq!(yaml_dump(&serde_json::json!(1)), "1\n...\n");
        assert_eq!(yaml_dump(&serde_json::json!("")), "''\n");
        assert_eq!(yaml_dump(&serde_json::json!("3.5")), "'3.5'\n");
    }

    #[test]
    fn yaml_dump_sorts_keys() {
        let v: Value = serde_json::from_str(r#"{"b": 1, "a": {"d": 2, "c": 3}}"#).unwrap();
        assert_eq!(yaml_dump(&v), "a:\n  c: 3\n  d: 2\nb: 1\n");
    }

    #[test]
    fn yaml_load_refuses_deep_and_large_text() {
        let t = std::time::Instant::now();
        let e = yaml_load(&"[".repeat(100_000)).unwrap_err();
        assert!(e.contains("nested too deeply"), "{e}");
        let e = yaml_load(&"{a: ".repeat(100_000)).unwrap_err();
        assert!(e.contains("nested too deeply"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        let e = yaml_load(&"a".repeat(YAML_MAX_BYTES + 1)).unwrap_err();
        assert!(e.contains("too large"), "{e}");
        let ok = format!("{}1{}", "[".repeat(64), "]".repeat(64));
        assert!(yaml_load(&ok).is_ok());
        assert_eq!(
            yaml_load("a: '[[[['\nb: \"{{{\"").unwrap(),
            serde_json::json!({"a": "[[[[", "b": "{{{"})
        );
        let laughs = "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n\
                      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n\
                      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
                      g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
        // As in Mistral's loader, anchors and aliases are plain text.
        assert_eq!(yaml_load(laughs).unwrap()["a"], "&a [1,1,1,1,1,1,1,1,1]");
    }
}
