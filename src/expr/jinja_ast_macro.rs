//! Macro defaults in Jinja2's order, for the source rewrite of
//! `jinja_ast.rs`: a default that names an earlier parameter (`b=a`) is
//! computed at the top of the macro's body, since minijinja evaluates a
//! macro's defaults last first, before the parameters they name are bound.

use minijinja::machinery::Token;
use minijinja::machinery::ast::{self, Expr};

use super::Walk;

impl Walk<'_> {
    /// Jinja2 refuses a macro parameter named `caller` without a default
    /// when the macro's body reads `caller`, as it compiles the template.
    pub(super) fn caller_needs_default(&mut self, m: &ast::Macro<'_>) {
        let first_default = m.args.len() - m.defaults.len();
        let Some(Some((_, last))) = m.args.iter().enumerate().find_map(|(i, a)| {
            matches!(a, Expr::Var(v) if v.id == "caller" && i < first_default)
                .then(|| self.extent(m.defaults.last().unwrap_or(m.args.last()?)))
        }) else {
            return;
        };
        // the body: up to the first `endmacro`
        let mut reads = false;
        for k in last + 1..self.toks.len() {
            match self.toks[k].0 {
                Token::Ident("endmacro") if matches!(self.toks[k - 1].0, Token::BlockStart) => {
                    break;
                }
                Token::Ident("caller") if !matches!(self.toks[k - 1].0, Token::Dot) => {
                    reads = true;
                    break;
                }
                _ => {}
            }
        }
        if reads {
            let src = self.src;
            self.fail(super::syntax_error(
                src,
                "When defining macros or call blocks the special \"caller\" argument must be omitted or be given a default.".into(),
            ));
        }
    }

    /// Jinja2 evaluates a macro's defaults in order, each seeing the
    /// parameters before it (`b=a`); minijinja evaluates them last first.
    /// A default naming an earlier parameter becomes `__py_later()`, and
    /// the body starts by computing it when the caller left it out.
    pub(super) fn later_defaults(&mut self, m: &ast::Macro<'_>) -> Vec<usize> {
        let names: Vec<&str> = m
            .args
            .iter()
            .map(|a| match a {
                Expr::Var(v) => v.id,
                _ => "",
            })
            .collect();
        let first_default = m.args.len() - m.defaults.len();
        let (mut later, mut head) = (Vec::new(), String::new());
        let mut end = None;
        for (k, d) in m.defaults.iter().enumerate() {
            let Some((f, l)) = self.extent(d) else {
                return Vec::new();
            };
            end = Some(l);
            let earlier = &names[..first_default + k];
            let uses = (f..=l).any(|i| {
                matches!(self.toks[i].0, Token::Ident(n) if earlier.contains(&n))
                    && !matches!(self.toks[i - 1].0, Token::Dot)
            });
            if uses {
                let (a, b) = (self.toks[f].1.start_offset, self.toks[l].1.end_offset);
                let name = names[first_default + k];
                let text = &self.src[a as usize..b as usize];
                head.push_str(&format!(
                    "{{% if __py_is_later({name}) %}}{{% set {name} = {text} %}}{{% endif %}}"
                ));
                self.replace(f, l, "__py_later()".into());
                later.push(k);
            }
        }
        let header_end = end.and_then(|l| {
            (l..self.toks.len()).find(|&i| matches!(self.toks[i].0, Token::BlockEnd))
        });
        match header_end {
            Some(i) if !later.is_empty() => {
                // `-%}` of the header strips what follows: the body
                let at = self.toks[i].1.end_offset as usize;
                if self.src[..at].ends_with("-%}") {
                    head.truncate(head.len() - 2);
                    head.push_str("-%}");
                }
                self.close(i, &head)
            }
            _ => return Vec::new(),
        }
        later
    }
}
