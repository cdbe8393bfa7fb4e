//! `{% with a = 1, b = a %}` in Jinja2's order, for the source rewrite of
//! `jinja_ast.rs`: Jinja2 evaluates every value of a `with` in the outer
//! scope before binding any name, while minijinja binds them one by one (so
//! `b = a` would see the new `a`). A value naming an earlier target reads a
//! copy of the outer value, bound by an enclosing `with` just before it.

use minijinja::machinery::Token;
use minijinja::machinery::ast::{self, Expr};

use super::{Edit, Slot, Walk};

impl Walk<'_> {
    pub(super) fn with_outer_values(&mut self, w: &ast::WithBlock<'_>) {
        let mut names = Vec::new();
        for (t, _) in &w.assignments {
            match t {
                Expr::Var(v) => names.push(v.id),
                _ => return,
            }
        }
        let mut outer: Vec<&str> = Vec::new();
        let mut renames = Vec::new();
        for (i, (_, v)) in w.assignments.iter().enumerate().skip(1) {
            let Some((f, l)) = self.extent(v) else {
                return;
            };
            for k in f..=l {
                if let Token::Ident(n) = self.toks[k].0
                    && names[..i].contains(&n)
                    && !matches!(self.toks[k - 1].0, Token::Dot)
                    // a keyword argument name, not a variable
                    && !matches!(self.toks.get(k + 1).map(|t| &t.0), Some(Token::Assign))
                {
                    renames.push((k, n));
                    if !outer.contains(&n) {
                        outer.push(n);
                    }
                }
            }
        }
        let Some((first, _)) = w.assignments.first().and_then(|(t, _)| self.extent(t)) else {
            return;
        };
        // `{%` `with` <first target>
        let Some(open) = first
            .checked_sub(2)
            .filter(|o| matches!(self.toks[*o].0, Token::BlockStart))
        else {
            return;
        };
        let Some(close) = self.endwith_end(first) else {
            return;
        };
        if outer.is_empty() {
            return;
        }
        for (k, n) in renames {
            self.replace(k, k, format!("__with_outer_{n}"));
        }
        let at = self.toks[open].1.start_offset as usize;
        let dash = if self.src[at..].starts_with("{%-") {
            "-"
        } else {
            ""
        };
        let binds: Vec<String> = outer
            .iter()
            .map(|n| format!("__with_outer_{n} = {n}"))
            .collect();
        self.seq += 1;
        self.edits.push(Edit {
            start: at,
            end: at,
            slot: Slot::Open,
            seq: self.seq,
            text: format!("{{%{dash} with {} %}}", binds.join(", ")),
        });
        let end = self.toks[close].1.end_offset as usize;
        let dash = if self.src[..end].ends_with("-%}") {
            "-"
        } else {
            ""
        };
        self.seq += 1;
        self.edits.push(Edit {
            start: end,
            end,
            slot: Slot::Close,
            seq: -self.seq,
            text: format!("{{% endwith {dash}%}}"),
        });
    }

    /// The `%}` token closing the `endwith` of the `with` whose first
    /// target is token `first`.
    fn endwith_end(&self, first: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut k = first;
        while k < self.toks.len() {
            let after_start = k > 0 && matches!(self.toks[k - 1].0, Token::BlockStart);
            match self.toks[k].0 {
                Token::Ident("with") if after_start => depth += 1,
                Token::Ident("endwith") if after_start => {
                    if depth == 0 {
                        return (k + 1..self.toks.len())
                            .find(|j| matches!(self.toks[*j].0, Token::BlockEnd));
                    }
                    depth -= 1;
                }
                _ => {}
            }
            k += 1;
        }
        None
    }
}
