//! A guard run before minijinja parses a template: it bounds how many
//! operators one tag (`{{ … }}` or `{% … %}`) may chain. minijinja builds a
//! left-nested tree for `1 + 1 + … + 1` (and for chains of filters,
//! attributes, subscripts and calls) and compiles and drops it recursively,
//! so a few thousand chained operators overflow a thread's stack and abort
//! the process. Its own recursion limit covers nested brackets only.
//!
//! It also refuses `{% import … as <not a name> %}`: minijinja 3.1 parses
//! the alias as any expression and its compiler then hits `unreachable!()`
//! (Jinja2 answers a syntax error).

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
    let mut statement: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if !in_tag {
            if c == b'{' && matches!(b.get(i + 1), Some(b'{') | Some(b'%')) {
                in_tag = true;
                ops = 0;
                statement = (b[i + 1] == b'%').then_some(i + 2);
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
                if let Some(start) = statement.take() {
                    check_import(src, &src[start..i])?;
                }
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

/// `Err` (a syntax error) for an `import` statement whose alias is not a
/// plain name.
fn check_import(src: &str, tag: &str) -> Result<(), Error> {
    let body = tag.trim_start_matches(['-', '+']).trim_start();
    let Some(rest) = body.strip_prefix("import") else {
        return Ok(());
    };
    if !rest.starts_with(char::is_whitespace) {
        return Ok(());
    }
    // The last ` as ` outside string literals starts the alias.
    let b = rest.as_bytes();
    let mut quote: Option<u8> = None;
    let mut alias = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if b[i..].starts_with(b" as ")
                || b[i..].starts_with(b"\tas ")
                || b[i..].starts_with(b"\nas ") =>
            {
                alias = Some(i + 4);
            }
            None => {}
        }
        i += 1;
    }
    let Some(at) = alias else {
        return Ok(());
    };
    let name = rest[at..].trim().trim_end_matches(['-', '+']).trim_end();
    // `as m with context` / `as m without context`
    let name = name
        .strip_suffix(" with context")
        .or_else(|| name.strip_suffix(" without context"))
        .map_or(name, str::trim_end);
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        return Ok(());
    }
    Err(Error {
        kind: ErrorKind::Syntax,
        lang: "Jinja",
        expression: src.chars().take(200).collect(),
        message: format!("expected a name after 'as' in an import, got '{name}'"),
    })
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
    fn an_import_alias_must_be_a_name() {
        for bad in [
            "{% import 'x' as y + 1 %}{{ 1 }}",
            "{% import 'x' as y % y %}{{ 1 }}",
            "{%- import \"a as b\" as y(1) -%}",
            "{% import 'x\0\0as y ' as y % y %} }}",
        ] {
            let e = check(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Syntax, "{bad}");
            assert!(e.message.contains("after 'as'"), "{}", e.message);
        }
        for ok in [
            "{% import 'x' as y %}",
            "{%- import 'a as b' as y -%}",
            "{% from 'x' import a as b %}",
            "{% set important = 1 %}{{ important }}",
            "{{ 'import x as 1' }}",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        // Through the evaluator: an error, and the evaluator goes on.
        let ev = crate::expr::Evaluator::default();
        let data = serde_json::json!({});
        let ctx = crate::expr::Context::new(&data);
        let e = ev
            .evaluate_str("{% import 'x' as y + 1 %}{{ 1 }}", &ctx)
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(crate::expr::validate("{% import 'x' as y + 1 %}{{ 1 }}").is_err());
        let v = ev.evaluate_str("{{ 1 + 1 }}", &ctx).unwrap();
        assert_eq!(v, serde_json::json!(2));
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
