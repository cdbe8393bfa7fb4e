//! A guard run before minijinja parses a template: it bounds how many
//! operators one tag (`{{ … }}` or `{% … %}`) may chain. minijinja builds a
//! left-nested tree for `1 + 1 + … + 1` (and for chains of filters,
//! attributes, subscripts and calls) and compiles and drops it recursively,
//! so a few thousand chained operators overflow a thread's stack and abort
//! the process. Its own recursion limit covers nested brackets only.

use super::{Error, ErrorKind};

/// Most operators one tag may chain.
pub(crate) const MAX_TAG_OPERATORS: usize = 256;

/// `Err` (a limit error) when a tag of `src` holds more than
/// [`MAX_TAG_OPERATORS`] operators. String literals are skipped.
pub(crate) fn check(src: &str) -> Result<(), Error> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut in_tag = false;
    let mut quote: Option<u8> = None;
    let mut ops = 0usize;
    while i < b.len() {
        let c = b[i];
        if !in_tag {
            if c == b'{' && matches!(b.get(i + 1), Some(b'{') | Some(b'%')) {
                in_tag = true;
                ops = 0;
                i += 2;
                continue;
            }
            i += 1;
            continue;
        }
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'}' | b'%' if b.get(i + 1) == Some(&b'}') => {
                in_tag = false;
                i += 2;
                continue;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'|' | b'.' | b'[' | b'(' | b'<' | b'>'
            | b'=' | b'!' => ops += 1,
            b' ' => {
                let rest = &b[i + 1..];
                if [&b"and "[..], b"or ", b"is ", b"if ", b"in ", b"not "]
                    .iter()
                    .any(|w| rest.starts_with(w))
                {
                    ops += 1;
                }
            }
            _ => {}
        }
        if ops > MAX_TAG_OPERATORS {
            return Err(Error {
                kind: ErrorKind::Limit,
                lang: "Jinja",
                expression: src.chars().take(200).collect(),
                message: format!(
                    "expression too complex: more than {MAX_TAG_OPERATORS} operators in one tag (EXPR_DEPTH)"
                ),
            });
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_bounded_per_tag() {
        let long = format!("{{{{ {} 1 }}}}", "1 + ".repeat(300));
        let e = check(&long).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit);
        assert!(e.message.contains("too complex"), "{}", e.message);
        let filters = format!("{{{{ x{} }}}}", " | string".repeat(300));
        assert!(check(&filters).is_err());
        let ok = "{{ a.b + c[1] | int }} ".repeat(300);
        assert!(check(&ok).is_ok());
        let quoted = format!("{{{{ '{}' }}}}", "+".repeat(10_000));
        assert!(check(&quoted).is_ok());
        assert!(check(&"+".repeat(10_000)).is_ok());
    }

    #[test]
    fn long_chain_fails_cleanly_on_a_small_stack() {
        // The engine evaluates on a thread with the default 2 MiB stack.
        let t = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(|| {
                let ev = crate::expr::Evaluator::default();
                let data = serde_json::json!({});
                let ctx = crate::expr::Context {
                    data: &data,
                    host: None,
                };
                let e = format!("{{{{ {}1 }}}}", "1 + ".repeat(50_000));
                let r = ev.evaluate_str(&e, &ctx).map_err(|e| e.kind);
                let v = crate::expr::validate(&e).map_err(|e| e.kind);
                (r, v)
            })
            .unwrap();
        let (r, v) = t.join().unwrap();
        assert_eq!(r, Err(ErrorKind::Limit));
        assert!(v.is_err());
    }
}
