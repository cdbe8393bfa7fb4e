//! Jinja2's `varargs` and `kwargs` in macros, which minijinja lacks, by a
//! rewrite of the template's source before it is compiled (called from
//! [`crate::expr::jinja_ast::prepare`]). A macro whose body names `varargs`
//! or `kwargs` accepts extra positional and keyword arguments; Jinja2 hands
//! them to the body as a tuple and a dict. The rewrite gives such a macro two
//! more parameters, `__bora_va=()` and `__bora_kw={}`, binds `varargs` and
//! `kwargs` to them at the top of its body, and wraps the extra arguments of
//! each direct call `m(...)` into them:
//!
//! `{% macro m(a) %}{{ varargs }}{% endmacro %}{{ m(1, 2, k=3) }}` becomes
//! `{% macro m(a, __bora_va=(), __bora_kw={}) %}{% set varargs = __bora_va %}
//! {% set kwargs = __bora_kw %}...{{ m(1, __bora_va=(2,), __bora_kw={'k': 3}) }}`.
//!
//! Token-level: a call with splatted arguments, or whose extra keyword
//! arguments are not written next to each other, is left as written.

use std::borrow::Cow;
use std::collections::HashMap;

use minijinja::machinery::{Span, Token, tokenize};

/// Parameter names of each macro that uses `varargs` or `kwargs`.
type Macros<'s> = HashMap<&'s str, Vec<&'s str>>;

struct Toks<'s> {
    toks: Vec<(Token<'s>, Span)>,
    partner: Vec<Option<usize>>,
}

impl<'s> Toks<'s> {
    fn new(src: &'s str, syntax: &minijinja::syntax::SyntaxConfig) -> Self {
        let toks: Vec<(Token<'s>, Span)> = tokenize(src, false, syntax.clone())
            .map_while(Result::ok)
            .collect();
        let partner = super::jinja_lex::partners(&toks);
        Toks { toks, partner }
    }

    fn ident(&self, i: usize) -> Option<&'s str> {
        match self.toks.get(i) {
            Some((Token::Ident(n), _)) => Some(n),
            _ => None,
        }
    }

    fn start(&self, i: usize) -> usize {
        self.toks[i].1.start_offset as usize
    }

    fn end(&self, i: usize) -> usize {
        self.toks[i].1.end_offset as usize
    }

    /// The arguments between the parenthesis at `open` and its partner, as
    /// token ranges split at top-level commas.
    fn args(&self, open: usize) -> Option<(usize, Vec<(usize, usize)>)> {
        let close = self.partner[open]?;
        let mut out = Vec::new();
        let mut from = open + 1;
        let mut i = open + 1;
        while i < close {
            match self.toks[i].0 {
                Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => {
                    i = self.partner[i]?;
                }
                Token::Comma => {
                    out.push((from, i - 1));
                    from = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        if from < close {
            out.push((from, close - 1));
        }
        Some((close, out))
    }

    /// The keyword of an argument written `name=value`.
    fn kwarg(&self, (from, to): (usize, usize)) -> Option<&'s str> {
        (to > from + 1 && matches!(self.toks[from + 1].0, Token::Assign))
            .then(|| self.ident(from))
            .flatten()
    }
}

/// The source with `varargs`/`kwargs` macros and their calls rewritten, or
/// the source itself when no macro uses them.
pub(crate) fn rewrite<'a>(src: &'a str, syntax: &minijinja::syntax::SyntaxConfig) -> Cow<'a, str> {
    if !src.contains("varargs") && !src.contains("kwargs") {
        return Cow::Borrowed(src);
    }
    let t = Toks::new(src, syntax);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let macros = definitions(&t, &mut edits);
    if macros.is_empty() {
        return Cow::Borrowed(src);
    }
    for i in 1..t.toks.len() {
        let Some(name) = t.ident(i) else { continue };
        let Some(params) = macros.get(name) else {
            continue;
        };
        let defining = t.ident(i - 1) == Some("macro");
        let attribute = matches!(t.toks[i - 1].0, Token::Dot);
        if defining || attribute || !matches!(t.toks.get(i + 1), Some((Token::ParenOpen, _))) {
            continue;
        }
        call(&t, i + 1, params, &mut edits);
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(src.len() + 64);
    let mut at = 0;
    for (start, end, text) in edits {
        if start < at {
            return Cow::Borrowed(src);
        }
        out.push_str(&src[at..start]);
        out.push_str(&text);
        at = end;
    }
    out.push_str(&src[at..]);
    Cow::Owned(out)
}

/// Finds `{% macro name(params) %} ... {% endmacro %}` whose body names
/// `varargs` or `kwargs`, and adds the two parameters and the bindings.
fn definitions<'s>(t: &Toks<'s>, edits: &mut Vec<(usize, usize, String)>) -> Macros<'s> {
    let mut macros = Macros::new();
    for i in 0..t.toks.len() {
        if i == 0 || t.ident(i) != Some("macro") || !matches!(t.toks[i - 1].0, Token::BlockStart) {
            continue;
        }
        let Some(name) = t.ident(i + 1) else { continue };
        if !matches!(t.toks.get(i + 2), Some((Token::ParenOpen, _))) {
            continue;
        }
        let Some((close, args)) = t.args(i + 2) else {
            continue;
        };
        let Some(block_end) =
            (close..t.toks.len()).find(|&k| matches!(t.toks[k].0, Token::BlockEnd))
        else {
            continue;
        };
        // the body: up to the matching endmacro
        let mut depth = 0;
        let mut uses = false;
        for k in block_end + 1..t.toks.len() {
            match t.ident(k) {
                Some("macro") => depth += 1,
                Some("endmacro") if depth == 0 => break,
                Some("endmacro") => depth -= 1,
                Some("varargs" | "kwargs") => uses = true,
                _ => {}
            }
        }
        if !uses {
            continue;
        }
        let params: Vec<&str> = args.iter().filter_map(|&(f, _)| t.ident(f)).collect();
        let sep = if args.is_empty() { "" } else { ", " };
        let at = t.start(close);
        edits.push((at, at, format!("{sep}__bora_va=(), __bora_kw={{}}")));
        let at = t.end(block_end);
        edits.push((
            at,
            at,
            "{% set varargs = __bora_va %}{% set kwargs = __bora_kw %}".into(),
        ));
        macros.insert(name, params);
    }
    macros
}

/// Wraps the extra arguments of the call whose `(` is at `open`.
fn call(t: &Toks<'_>, open: usize, params: &[&str], edits: &mut Vec<(usize, usize, String)>) {
    let Some((_, args)) = t.args(open) else {
        return;
    };
    if args
        .iter()
        .any(|&(f, _)| matches!(t.toks[f].0, Token::Mul | Token::Pow))
    {
        return;
    }
    let positional: Vec<(usize, usize)> = args
        .iter()
        .copied()
        .filter(|&a| t.kwarg(a).is_none())
        .collect();
    let extra_kw: Vec<usize> = (0..args.len())
        .filter(|&k| {
            t.kwarg(args[k])
                .is_some_and(|n| !params.contains(&n) && n != "caller")
        })
        .collect();
    if extra_kw.windows(2).any(|w| w[1] != w[0] + 1) {
        return;
    }
    if positional.len() > params.len() {
        let first = positional[params.len()].0;
        let last = positional[positional.len() - 1].1;
        edits.push((t.start(first), t.start(first), "__bora_va=(".into()));
        edits.push((t.end(last), t.end(last), ",)".into()));
    }
    if let (Some(&a), Some(&b)) = (extra_kw.first(), extra_kw.last()) {
        for &k in &extra_kw {
            let (f, _) = args[k];
            let name = t.ident(f).unwrap_or_default();
            edits.push((t.start(f), t.end(f + 1), format!("'{name}': ")));
        }
        let (first, _) = args[a];
        let (_, last) = args[b];
        // the opening brace goes before the key's replacement at the same
        // offset: sorting is stable, so push it first
        let at = t.start(first);
        let pos = edits
            .iter()
            .position(|e| e.0 == at && e.1 > at)
            .unwrap_or(edits.len());
        edits.insert(pos, (at, at, "__bora_kw={".into()));
        edits.push((t.end(last), t.end(last), "}".into()));
    }
}

#[cfg(test)]
mod tests {
    fn check(src: &str, want: &str) {
        let syntax = minijinja::syntax::SyntaxConfig::default();
        assert_eq!(super::rewrite(src, &syntax), want);
    }

    #[test]
    fn macros_using_varargs_take_extra_arguments() {
        check(
            "{% macro m(a) %}{{ varargs }}{% endmacro %}{{ m(1, 2, k=3) }}",
            "{% macro m(a, __bora_va=(), __bora_kw={}) %}{% set varargs = __bora_va %}\
             {% set kwargs = __bora_kw %}{{ varargs }}{% endmacro %}\
             {{ m(1, __bora_va=(2,), __bora_kw={'k': 3}) }}",
        );
        check(
            "{% macro m() %}{{ kwargs }}{% endmacro %}{{ m(x=1) }}",
            "{% macro m(__bora_va=(), __bora_kw={}) %}{% set varargs = __bora_va %}\
             {% set kwargs = __bora_kw %}{{ kwargs }}{% endmacro %}{{ m(__bora_kw={'x': 1}) }}",
        );
        check(
            "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1) }}",
            "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1) }}",
        );
    }
}
