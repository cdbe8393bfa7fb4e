//! The text passes Jinja sources go through before they are parsed (see
//! [`super::jinja_ast::prepare`]): `{% raw %}` blocks trimmed as Jinja2
//! trims them, `with context` clauses of imports dropped, `{{ a, b }}`
//! parenthesized, unary `+` marked (minijinja does not parse it), number
//! literals Jinja2 refuses refused, and a whole-string `a, b` refused. Also
//! the pairing of brackets over a token stream, for the rewrites.

use std::borrow::Cow;

use minijinja::machinery::{Span, Token, tokenize};

use super::jinja_ast::{opens_operand, syntax_error};
use crate::expr::{Error, ErrorKind};

/// Unary `+` (which minijinja does not parse) written as `-`, and where.
/// Also refuses the number literals Jinja2's lexer refuses (`1.`) or
/// compiles into a name Python does not know (`1e400` is `inf`).
pub(crate) fn mark_unary_plus<'a>(
    src: &'a str,
    syntax: &minijinja::syntax::SyntaxConfig,
) -> Result<(Cow<'a, str>, Vec<u32>), Error> {
    let mut prev: Option<Token<'_>> = None;
    let mut at = Vec::new();
    for item in tokenize(src, false, syntax.clone()) {
        let (tok, span) = match item {
            Ok(t) => t,
            // an unterminated string or a stray character
            Err(e) => {
                return Err(syntax_error(
                    src,
                    e.detail().unwrap_or("unexpected char").to_string(),
                ));
            }
        };
        if matches!(tok, Token::Plus) && opens_operand(prev.as_ref()) {
            at.push(span.start_offset);
        }
        if let Token::Float(f) = tok {
            let text = &src[span.start_offset as usize..span.end_offset as usize];
            if text.ends_with('.') {
                return Err(syntax_error(src, "expected name or number".into()));
            }
            if f.is_infinite() {
                return Err(Error {
                    kind: ErrorKind::Other,
                    lang: "Jinja",
                    expression: src.to_string(),
                    message: "name 'inf' is not defined".into(),
                });
            }
        }
        prev = Some(tok);
    }
    if at.is_empty() {
        return Ok((Cow::Borrowed(src), at));
    }
    let mut out = src.to_string();
    for &o in &at {
        out.replace_range(o as usize..o as usize + 1, "-");
    }
    Ok((Cow::Owned(out), at))
}

/// `{% raw %}` blocks as Jinja2 trims them with trim_blocks and
/// lstrip_blocks: the newline after `{% raw %}` stays (trim_blocks does not
/// apply to it), and only whitespace at the start of a line is stripped
/// before `{% endraw %}`. minijinja trims both differently, so the content
/// is trimmed here and written between `{% raw +%}` and `{%+ endraw`,
/// which minijinja leaves alone. `{% raw +%}` itself is not Jinja2 syntax.
pub(crate) fn normalize_raw(src: &str) -> Result<Cow<'_, str>, Error> {
    static OPEN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    static CLOSE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let (Some(open), Some(close)) = (
        OPEN.get_or_init(|| regex::Regex::new(r"\{%([-+]?)\s*raw\s*([-+]?)%\}").ok())
            .as_ref(),
        CLOSE
            .get_or_init(|| regex::Regex::new(r"\{%([-+]?)\s*endraw\s*([-+]?)%\}").ok())
            .as_ref(),
    ) else {
        return Ok(Cow::Borrowed(src));
    };
    if !src.contains("raw") || !open.is_match(src) {
        return Ok(Cow::Borrowed(src));
    }
    let mut out = String::with_capacity(src.len());
    let mut pos = 0;
    while let Some(o) = open.captures_at(src, pos) {
        let (Some(whole), Some(pre), Some(post)) = (o.get(0), o.get(1), o.get(2)) else {
            break;
        };
        if post.as_str() == "+" {
            return Err(syntax_error(src, "Encountered unknown tag 'raw'.".into()));
        }
        let Some(c) = close.captures_at(src, whole.end()) else {
            break;
        };
        let (Some(cwhole), Some(cpre), Some(cpost)) = (c.get(0), c.get(1), c.get(2)) else {
            break;
        };
        let mut content = &src[whole.end()..cwhole.start()];
        if post.as_str() == "-" {
            content = content.trim_start();
        }
        match cpre.as_str() {
            "-" => content = content.trim_end(),
            "" => {
                let kept = content.trim_end_matches([' ', '\t']);
                if kept.ends_with('\n') {
                    content = kept;
                }
            }
            _ => {}
        }
        out.push_str(&src[pos..whole.start()]);
        out.push_str(&format!(
            "{{%{} raw +%}}{content}{{%+ endraw {}%}}",
            pre.as_str(),
            cpost.as_str()
        ));
        pos = cwhole.end();
    }
    out.push_str(&src[pos..]);
    Ok(Cow::Owned(out))
}

/// `{% import 'x' as m with context %}` (and `from ... import ... with
/// context`): minijinja has no context clause; without a loader the import
/// fails at run time either way, as in Mistral.
pub(crate) fn drop_import_context(src: &str) -> Cow<'_, str> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| {
            regex::Regex::new(
                r"(\{%[-+]?\s*(?:import|from)\s[^%]*?)\s+(?:with|without)\s+context(\s*[-+]?%\})",
            )
            .ok()
        })
        .as_ref()
    else {
        return Cow::Borrowed(src);
    };
    if !src.contains("context") {
        return Cow::Borrowed(src);
    }
    re.replace_all(src, "$1$2")
}

/// `{{ a, b }}` prints the tuple `(a, b)` in Jinja2; minijinja wants the
/// parentheses.
pub(crate) fn parenthesize_output_tuples<'a>(
    src: &'a str,
    syntax: &minijinja::syntax::SyntaxConfig,
) -> Cow<'a, str> {
    let mut inserts: Vec<(usize, &str)> = Vec::new();
    let (mut start, mut depth, mut comma) = (None, 0i32, false);
    for item in tokenize(src, false, syntax.clone()) {
        let Ok((tok, span)) = item else { break };
        match tok {
            Token::VariableStart => {
                start = Some(span.end_offset as usize);
                depth = 0;
                comma = false;
            }
            Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => depth += 1,
            Token::ParenClose | Token::BracketClose | Token::BraceClose => depth -= 1,
            Token::Comma if depth == 0 && start.is_some() => comma = true,
            Token::VariableEnd => {
                if let (Some(s), true) = (start, comma) {
                    inserts.push((s, " ("));
                    inserts.push((span.start_offset as usize, ") "));
                }
                start = None;
            }
            _ => {}
        }
    }
    if inserts.is_empty() {
        return Cow::Borrowed(src);
    }
    let mut out = String::with_capacity(src.len() + 4 * inserts.len());
    let mut pos = 0;
    for (at, text) in inserts {
        out.push_str(&src[pos..at]);
        out.push_str(text);
        pos = at;
    }
    out.push_str(&src[pos..]);
    Cow::Owned(out)
}

/// A whole-string expression with a top-level comma: Jinja2's
/// `compile_expression` parses one expression, not a tuple.
pub(crate) fn check_bare_tuple(inner: &str) -> Result<(), Error> {
    let mut depth = 0i32;
    for item in tokenize(inner, true, minijinja::syntax::SyntaxConfig::default()) {
        let Ok((tok, _)) = item else { return Ok(()) };
        match tok {
            Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => depth += 1,
            Token::ParenClose | Token::BracketClose | Token::BraceClose => depth -= 1,
            Token::Comma if depth == 0 => {
                return Err(syntax_error(inner, "chunk after expression".into()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// For each token, the index of the bracket it pairs with (`(`/`)`,
/// `[`/`]`, `{`/`}`), if it is one.
pub(crate) fn partners(toks: &[(Token<'_>, Span)]) -> Vec<Option<usize>> {
    let mut partner = vec![None; toks.len()];
    let mut stack = Vec::new();
    for (i, (t, _)) in toks.iter().enumerate() {
        match t {
            Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => stack.push(i),
            Token::ParenClose | Token::BracketClose | Token::BraceClose => {
                if let Some(o) = stack.pop() {
                    partner[o] = Some(i);
                    partner[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    partner
}
