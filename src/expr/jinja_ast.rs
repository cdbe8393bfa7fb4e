//! Jinja2's compile-time rules and Python operator semantics, applied to a
//! template's source before minijinja compiles it: the source is parsed with
//! minijinja's own parser, checked for what Jinja2 refuses at compile time
//! (unknown filters and tests outside `if` branches, tags Jinja2 lacks,
//! chained tests), and operators whose Python meaning minijinja does not
//! share are rewritten into calls of Python-semantics functions
//! (`a % b` -> `__py_mod(a, b)`, `a < b` -> `__py_cmp(a, "<", b)`,
//! `a ~ b` -> `__py_concat(a, b)`, `a ** b`, `a * b`, `a + b` likewise,
//! `a - b` -> `__py_arith(a, "-", b)` (and `/`, `//`),
//! `-a` -> `__py_neg(a)`, unary `+a` -> `__py_pos(a)`).
//!
//! The rewrite splices text at token boundaries (parser spans locate the
//! tokens, the token stream locates grouping parentheses); a rewrite that
//! does not parse again is dropped and the source compiles as written.

use std::borrow::Cow;
use std::collections::HashMap;

use minijinja::machinery::ast::{self, CallArg, Expr, Stmt};
use minijinja::machinery::{Span, Token, parse, tokenize};

use crate::expr::{Error, ErrorKind};

/// Jinja2 3.1's filters (Mistral adds none: its functions are globals only).
#[rustfmt::skip]
pub(crate) const FILTERS: &[&str] = &[
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e",
    "escape", "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent",
    "int", "join", "last", "length", "list", "lower", "items", "map", "min", "max", "pprint",
    "random", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
    "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "trim", "truncate",
    "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr", "tojson",
];

/// The methods of a dict an attribute may name (`_.items` is the method).
const DICT_ATTRS: &[&str] = &[
    "keys",
    "items",
    "values",
    "get",
    "pop",
    "update",
    "copy",
    "clear",
    "setdefault",
    "popitem",
];

/// The data attributes of a Python number (`_.count.real`).
const NUM_ATTRS: &[&str] = &["real", "imag", "numerator", "denominator"];

/// Jinja2 3.1's tests.
#[rustfmt::skip]
pub(crate) const TESTS: &[&str] = &[
    "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean",
    "false", "true", "integer", "float", "lower", "upper", "string", "mapping", "number",
    "sequence", "iterable", "callable", "sameas", "escaped", "in", "==", "eq", "equalto", "!=",
    "ne", ">", "gt", "greaterthan", "ge", ">=", "<", "lt", "lessthan", "<=", "le",
];

pub(crate) fn syntax_error(src: &str, message: String) -> Error {
    Error {
        kind: ErrorKind::Syntax,
        lang: "Jinja",
        expression: src.to_string(),
        message,
    }
}

/// Where an edit goes relative to others at the same offset: closers of
/// inner nodes first, then openers of outer nodes first, then replacements.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Close,
    Open,
    Replace,
}

struct Edit {
    start: usize,
    end: usize,
    slot: Slot,
    /// Nesting order: openers sort ascending, closers descending.
    seq: i64,
    text: String,
}

struct Walk<'s> {
    src: &'s str,
    toks: Vec<(Token<'s>, Span)>,
    by_start: HashMap<u32, usize>,
    by_end: HashMap<u32, usize>,
    /// Index of the matching bracket of each bracket token.
    partner: Vec<Option<usize>>,
    /// Offsets of unary `+` operators (written `-` for the parser).
    plus: Vec<u32>,
    edits: Vec<Edit>,
    seq: i64,
    error: Option<Error>,
    /// Inside an expression Jinja2 folds at compile time.
    folded: bool,
}

#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "elif", "for", "recursive", "set", "with",
    "import", "from", "as", "include", "extends", "autoescape", "filter", "call", "macro",
    "block", "print", "do", "return",
];

/// A token after which `+` or `(` starts an operand (not a binary operator
/// or a call).
pub(crate) fn opens_operand(tok: Option<&Token<'_>>) -> bool {
    match tok {
        None => true,
        Some(t) => match t {
            Token::Ident(name) => KEYWORDS.contains(name),
            Token::Str(_)
            | Token::String(_)
            | Token::Int(_)
            | Token::Int128(_)
            | Token::Float(_)
            | Token::ParenClose
            | Token::BracketClose
            | Token::BraceClose
            | Token::VariableEnd
            | Token::BlockEnd
            | Token::TemplateData(_) => false,
            _ => true,
        },
    }
}

impl<'s> Walk<'s> {
    fn new(src: &'s str, syntax: &minijinja::syntax::SyntaxConfig, plus: Vec<u32>) -> Self {
        let toks: Vec<(Token<'s>, Span)> = tokenize(src, false, syntax.clone())
            .map_while(Result::ok)
            .collect();
        let mut by_start = HashMap::new();
        let mut by_end = HashMap::new();
        for (i, (_, s)) in toks.iter().enumerate() {
            by_start.insert(s.start_offset, i);
            by_end.insert(s.end_offset, i);
        }
        let partner = super::jinja_lex::partners(&toks);
        Walk {
            src,
            toks,
            by_start,
            by_end,
            partner,
            plus,
            edits: Vec::new(),
            seq: 0,
            error: None,
            folded: false,
        }
    }

    fn tok_at(&self, offset: u32) -> Option<usize> {
        self.by_start.get(&offset).copied()
    }

    /// The first token of an expression (its own span start is reliable
    /// only for some nodes; otherwise the leftmost child's, widened over the
    /// parentheses around that child).
    fn first(&self, e: &Expr<'_>) -> Option<usize> {
        let own = |span: Span, ok: &dyn Fn(&Token<'_>) -> bool| {
            self.tok_at(span.start_offset)
                .filter(|&i| ok(&self.toks[i].0))
        };
        let child = |x: &Expr<'_>| self.extent(x).map(|(f, _)| f);
        match e {
            Expr::Var(v) => self.tok_at(v.span().start_offset),
            Expr::Const(c) => self.tok_at(c.span().start_offset),
            Expr::List(l) => own(l.span(), &|t| matches!(t, Token::BracketOpen))
                .or_else(|| l.items.first().and_then(child)),
            Expr::Map(m) => own(m.span(), &|t| matches!(t, Token::BraceOpen))
                .or_else(|| m.keys.first().and_then(child)),
            Expr::Tuple(t) => own(t.span(), &|t| matches!(t, Token::ParenOpen))
                .or_else(|| t.items.first().and_then(child)),
            Expr::UnaryOp(u) => {
                let inner = child(&u.expr);
                let op = own(u.span(), &|t| {
                    matches!(t, Token::Minus) || matches!(t, Token::Ident("not"))
                });
                match (op, inner) {
                    (Some(o), Some(i)) if o < i => Some(o),
                    (_, i) => i,
                }
            }
            Expr::BinOp(b) => child(&b.left),
            Expr::Compare(c) => child(&c.expr),
            Expr::IfExpr(i) => child(&i.true_expr),
            Expr::Filter(f) => f.expr.as_ref().and_then(child),
            Expr::Test(t) => child(&t.expr),
            Expr::GetAttr(g) => child(&g.expr),
            Expr::GetItem(g) => child(&g.expr),
            Expr::Call(c) => child(&c.expr),
            Expr::Slice(s) => child(&s.expr),
        }
    }

    fn span_of(e: &Expr<'_>) -> Span {
        match e {
            Expr::Var(x) => x.span(),
            Expr::Const(x) => x.span(),
            Expr::Slice(x) => x.span(),
            Expr::UnaryOp(x) => x.span(),
            Expr::BinOp(x) => x.span(),
            Expr::Compare(x) => x.span(),
            Expr::IfExpr(x) => x.span(),
            Expr::Filter(x) => x.span(),
            Expr::Test(x) => x.span(),
            Expr::GetAttr(x) => x.span(),
            Expr::GetItem(x) => x.span(),
            Expr::Call(x) => x.span(),
            Expr::List(x) => x.span(),
            Expr::Tuple(x) => x.span(),
            Expr::Map(x) => x.span(),
        }
    }

    /// First and last token of an expression, widened over the grouping
    /// parentheses that enclose exactly it.
    fn extent(&self, e: &Expr<'_>) -> Option<(usize, usize)> {
        let mut first = self.first(e)?;
        let mut last = *self.by_end.get(&Self::span_of(e).end_offset)?;
        if last < first {
            return None;
        }
        while first > 0
            && last + 1 < self.toks.len()
            && matches!(self.toks[first - 1].0, Token::ParenOpen)
            && matches!(self.toks[last + 1].0, Token::ParenClose)
            && self.partner[first - 1] == Some(last + 1)
            && !self.call_paren(first - 1)
        {
            first -= 1;
            last += 1;
        }
        Some((first, last))
    }

    /// Whether the `(` at `paren` opens the arguments of a call or of a
    /// test (`f(x)`, `x is in(y)`), not a group.
    fn call_paren(&self, paren: usize) -> bool {
        if paren == 0 {
            return false;
        }
        let prev = &self.toks[paren - 1].0;
        if !opens_operand(Some(prev)) {
            return true;
        }
        // a test named like a keyword: `is in(...)`, `is not in(...)`
        let before = |k: usize| paren.checked_sub(k).map(|i| &self.toks[i].0);
        matches!(prev, Token::Ident(_))
            && (matches!(before(2), Some(Token::Ident("is")))
                || (matches!(before(2), Some(Token::Ident("not")))
                    && matches!(before(3), Some(Token::Ident("is")))))
    }

    /// Whether the expression is written inside its own parentheses.
    fn parenthesized(&self, e: &Expr<'_>) -> bool {
        let (Some(first), Some(&last)) =
            (self.first(e), self.by_end.get(&Self::span_of(e).end_offset))
        else {
            return true;
        };
        first > 0 && last + 1 < self.toks.len() && self.partner[first - 1] == Some(last + 1)
    }

    fn open(&mut self, tok: usize, text: String) {
        self.seq += 1;
        let at = self.toks[tok].1.start_offset as usize;
        self.edits.push(Edit {
            start: at,
            end: at,
            slot: Slot::Open,
            seq: self.seq,
            text,
        });
    }

    fn close(&mut self, tok: usize, text: &str) {
        self.seq += 1;
        let at = self.toks[tok].1.end_offset as usize;
        self.edits.push(Edit {
            start: at,
            end: at,
            slot: Slot::Close,
            seq: -self.seq,
            text: text.to_string(),
        });
    }

    fn replace(&mut self, from: usize, to: usize, text: String) {
        self.edits.push(Edit {
            start: self.toks[from].1.start_offset as usize,
            end: self.toks[to].1.end_offset as usize,
            slot: Slot::Replace,
            seq: 0,
            text,
        });
    }

    /// `obj.keys` (not called) -> `(obj|__dict_method('keys', root))`:
    /// Jinja2 reads an attribute before a key, so on a dict the value is
    /// the bound method, not the item; `root` when `obj` is `_` itself.
    fn dict_attr(&mut self, whole: &Expr<'_>, obj: &Expr<'_>, name: &str) {
        let (Some((of, ol)), Some(&end)) = (
            self.extent(obj),
            self.by_end.get(&Self::span_of(whole).end_offset),
        ) else {
            return;
        };
        if end != ol + 2 || !matches!(self.toks[ol + 1].0, Token::Dot) {
            return;
        }
        let root = matches!(obj, Expr::Var(v) if v.id == "_");
        self.open(of, "(".into());
        self.replace(ol + 1, end, format!("|__dict_method('{name}', {root}))"));
    }

    /// `obj[key]` -> `__py_getitem(obj, key)` (Python's indexing rules).
    fn getitem(&mut self, whole: &Expr<'_>, obj: &Expr<'_>) {
        let (Some((of, ol)), Some(&end)) = (
            self.extent(obj),
            self.by_end.get(&Self::span_of(whole).end_offset),
        ) else {
            return;
        };
        let open = ol + 1;
        if open >= end
            || !matches!(self.toks[open].0, Token::BracketOpen)
            || !matches!(self.toks[end].0, Token::BracketClose)
            || self.partner[open] != Some(end)
        {
            return;
        }
        self.open(of, " __py_getitem(".into());
        self.replace(open, open, ", ".into());
        self.replace(end, end, ")".into());
    }

    /// `e` -> `func(e)`.
    fn wrap(&mut self, func: &str, e: &Expr<'_>) {
        if let Some((first, last)) = self.extent(e) {
            self.open(first, format!(" {func}("));
            self.close(last, ")");
        }
    }

    /// `l OP r` -> `func(l, "OP", r)` (or `func(l, r)` without a name).
    fn binary(&mut self, func: &str, l: &Expr<'_>, r: &Expr<'_>, name: Option<&str>) {
        let (Some((lf, ll)), Some((rf, rl))) = (self.extent(l), self.extent(r)) else {
            return;
        };
        if rf <= ll + 1 {
            return;
        }
        // `a not in b` is Not(In(a, b)): the `not` goes into the name
        let negated = matches!(self.toks[ll + 1].0, Token::Ident("not"));
        self.open(lf, format!(" {func}("));
        let sep = match name {
            Some("in") if negated => ", \"not in\", ".to_string(),
            Some(n) => format!(", \"{n}\", "),
            None => ", ".into(),
        };
        self.replace(ll + 1, rf - 1, sep);
        self.close(rl, ")");
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn check_name(&mut self, name: &str, filter: bool, soft: bool) {
        let known = if filter { FILTERS } else { TESTS };
        // `__` names are bora's own (the dict-method rewrite's filter)
        if !soft && !known.contains(&name) && !name.starts_with("__") {
            let what = if filter { "filter" } else { "test" };
            let src = self.src;
            self.fail(Error {
                kind: ErrorKind::UnknownFunction,
                lang: "Jinja",
                expression: src.to_string(),
                message: format!("No {what} named '{name}'."),
            });
        }
    }

    fn args(&mut self, args: &[CallArg<'_>], soft: bool) {
        for a in args {
            match a {
                CallArg::Pos(x)
                | CallArg::Kwarg(_, x)
                | CallArg::PosSplat(x)
                | CallArg::KwargSplat(x) => self.expr(x, soft),
            }
        }
    }

    fn expr(&mut self, e: &Expr<'_>, soft: bool) {
        // a folded branch fails only when it runs: not checked in one
        let outer = !self.folded && !soft;
        if outer {
            match super::jinja_fold::check(e, &self.plus, self.src) {
                Ok(folds) => self.folded = folds,
                Err(err) => self.fail(err),
            }
        }
        self.expr_parts(e, soft);
        if outer {
            self.folded = false;
        }
    }

    fn expr_parts(&mut self, e: &Expr<'_>, soft: bool) {
        match e {
            Expr::Var(_) | Expr::Const(_) => {}
            Expr::Slice(s) => {
                // Python's slice: a list of a list, TypeError on None
                self.wrap("__py_sliced", e);
                self.wrap("__py_sliceable", &s.expr);
                self.expr(&s.expr, soft);
                for x in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                    self.expr(x, soft);
                }
            }
            Expr::UnaryOp(u) => {
                if matches!(u.op, ast::UnaryOpKind::Neg) {
                    self.unary(u.span(), &u.expr);
                }
                self.expr(&u.expr, soft);
            }
            Expr::BinOp(b) => {
                use ast::BinOpKind as K;
                let (func, op) = match b.op {
                    K::Lt => ("__py_cmp", Some("<")),
                    K::Lte => ("__py_cmp", Some("<=")),
                    K::Gt => ("__py_cmp", Some(">")),
                    K::Gte => ("__py_cmp", Some(">=")),
                    K::In => ("__py_cmp", Some("in")),
                    K::Sub => ("__py_arith", Some("-")),
                    K::Div => ("__py_arith", Some("/")),
                    K::FloorDiv => ("__py_arith", Some("//")),
                    K::Rem => ("__py_mod", None),
                    K::Concat => ("__py_concat", None),
                    K::Pow => ("__py_pow", None),
                    K::Mul => ("__py_mul", None),
                    K::Add => ("__py_add", None),
                    _ => ("", None),
                };
                if !func.is_empty() {
                    self.binary(func, &b.left, &b.right, op);
                }
                self.expr(&b.left, soft);
                self.expr(&b.right, soft);
            }
            Expr::Compare(c) => {
                self.compare(c);
                self.expr(&c.expr, soft);
                for op in &c.ops {
                    self.expr(&op.expr, soft);
                }
            }
            Expr::IfExpr(i) => {
                if i.false_expr.is_none()
                    && let Some((_, last)) = self.extent(&i.test_expr)
                {
                    // Jinja2's else branch: a plain (not strict) Undefined
                    self.close(last, " else __py_undef()");
                }
                self.expr(&i.test_expr, true);
                self.expr(&i.true_expr, true);
                if let Some(f) = &i.false_expr {
                    self.expr(f, true);
                }
            }
            Expr::Filter(f) => {
                self.check_name(f.name, true, soft);
                if let Some(x) = &f.expr {
                    self.expr(x, soft);
                }
                self.args(&f.args, soft);
            }
            Expr::Test(t) => {
                self.check_name(t.name, false, soft);
                // Jinja2 refuses `is` right after a bare test name only:
                // `x is eq(1) is even` and `x is eq 1 is even` chain
                if let Expr::Test(inner) = &t.expr
                    && inner.args.is_empty()
                    && !self.parenthesized(&t.expr)
                    && !self
                        .by_end
                        .get(&Self::span_of(&t.expr).end_offset)
                        .is_some_and(|&i| matches!(self.toks[i].0, Token::ParenClose))
                {
                    let src = self.src;
                    self.fail(syntax_error(
                        src,
                        "You cannot chain multiple tests with is".into(),
                    ));
                }
                self.expr(&t.expr, soft);
                self.args(&t.args, soft);
            }
            Expr::GetAttr(g) => {
                if DICT_ATTRS.contains(&g.name) || NUM_ATTRS.contains(&g.name) {
                    self.dict_attr(e, &g.expr, g.name);
                }
                self.expr(&g.expr, soft)
            }
            Expr::GetItem(g) => {
                // a string key may fall back to the attribute: rewritten too
                let plain_key = matches!(&g.subscript_expr, Expr::Const(c)
                    if c.value.is_integer() && c.value.kind() == minijinja::value::ValueKind::Number);
                if !plain_key {
                    self.getitem(e, &g.expr);
                }
                self.expr(&g.expr, soft);
                self.expr(&g.subscript_expr, soft);
            }
            Expr::Call(c) => {
                match &c.expr {
                    // a method call: the attribute is the method, as meant
                    Expr::GetAttr(g) => self.expr(&g.expr, soft),
                    callee => self.expr(callee, soft),
                }
                self.args(&c.args, soft);
            }
            Expr::List(l) => {
                self.wrap("__py_list", e);
                l.items.iter().for_each(|x| self.expr(x, soft));
            }
            Expr::Tuple(t) => t.items.iter().for_each(|x| self.expr(x, soft)),
            Expr::Map(m) => {
                self.wrap("__py_dict", e);
                for (k, v) in m.keys.iter().zip(m.values.iter()) {
                    self.expr(k, soft);
                    self.expr(v, soft);
                }
            }
        }
    }

    /// `-x` -> `__py_neg(x)`, `+x` -> `__py_pos(x)` (number literals stay).
    fn unary(&mut self, span: Span, operand: &Expr<'_>) {
        let Some(op) = self.tok_at(span.start_offset) else {
            return;
        };
        if !matches!(self.toks[op].0, Token::Minus) {
            return;
        }
        let pos = self.plus.contains(&span.start_offset);
        if !pos
            && let Expr::Const(c) = operand
            && c.value.kind() == minijinja::value::ValueKind::Number
        {
            return;
        }
        let Some((_, last)) = self.extent(operand) else {
            return;
        };
        let func = if pos { " __py_pos(" } else { " __py_neg(" };
        self.replace(op, op, func.to_string());
        self.close(last, ")");
    }

    /// A comparison chain -> `__py_cmp(a, "<", b, "==", c)`.
    fn compare(&mut self, c: &ast::Compare<'_>) {
        use ast::CompareOpKind as K;
        let Some((first, mut prev_last)) = self.extent(&c.expr) else {
            return;
        };
        let mut reps = Vec::new();
        for op in &c.ops {
            let Some((f, l)) = self.extent(&op.expr) else {
                return;
            };
            if f <= prev_last + 1 {
                return;
            }
            let name = match op.op {
                K::Eq => "==",
                K::Ne => "!=",
                K::Lt => "<",
                K::Lte => "<=",
                K::Gt => ">",
                K::Gte => ">=",
                K::In => "in",
                K::NotIn => "not in",
            };
            reps.push((prev_last + 1, f - 1, format!(", \"{name}\", ")));
            prev_last = l;
        }
        self.open(first, " __py_cmp(".into());
        for (a, b, t) in reps {
            self.replace(a, b, t);
        }
        self.close(prev_last, ")");
    }

    fn body(&mut self, stmts: &[Stmt<'_>], soft: bool) {
        for s in stmts {
            self.stmt(s, soft);
        }
    }

    fn stmt(&mut self, s: &Stmt<'_>, soft: bool) {
        match s {
            Stmt::Template(t) => self.body(&t.children, soft),
            Stmt::EmitExpr(e) => {
                let was = self.folded;
                self.folded |= super::jinja_fold::folds(&e.expr, &self.plus);
                self.expr(&e.expr, soft);
                self.folded = was;
            }
            Stmt::EmitRaw(_) => {}
            Stmt::ForLoop(f) => {
                // Python's iter(): None is not iterable; unpacking
                // targets take each item apart as Python does
                match (&f.target, self.extent(&f.iter)) {
                    // minijinja parses the target `a, b` as a list
                    (Expr::List(t), Some((first, last))) => {
                        self.open(first, " __py_iter(".into());
                        self.close(last, &format!(", {})", t.items.len()));
                    }
                    _ => self.wrap("__py_iter", &f.iter),
                }
                self.expr(&f.iter, soft);
                if let Some(x) = &f.filter_expr {
                    self.expr(x, false);
                }
                self.body(&f.body, false);
                self.body(&f.else_body, false);
            }
            Stmt::IfCond(i) => {
                self.expr(&i.expr, true);
                self.body(&i.true_body, true);
                self.body(&i.false_body, true);
            }
            Stmt::WithBlock(w) => {
                self.with_outer_values(w);
                for (_, v) in &w.assignments {
                    self.expr(v, soft);
                }
                self.body(&w.body, false);
            }
            Stmt::Set(x) => {
                if let (Expr::List(t), Some((first, last))) = (&x.target, self.extent(&x.expr)) {
                    // `set a, b = v`: Python's unpacking of v (a bare
                    // tuple `1, 2` in parentheses of its own)
                    let bare = matches!(x.expr, Expr::Tuple(_));
                    let (open, close) = if bare { ("((", ")") } else { ("(", "") };
                    self.open(first, format!(" __py_unpack{open}"));
                    self.close(last, &format!("{close}, {})", t.items.len()));
                } else if !matches!(x.expr, Expr::Tuple(_)) {
                    // a list or dict a filter built becomes mutable when named
                    self.wrap("__py_own", &x.expr);
                }
                self.expr(&x.expr, soft)
            }
            Stmt::SetBlock(x) => {
                if let Some(f) = &x.filter {
                    self.expr(f, false);
                }
                self.body(&x.body, false);
            }
            Stmt::AutoEscape(a) => {
                self.expr(&a.enabled, soft);
                self.body(&a.body, soft);
            }
            Stmt::FilterBlock(f) => {
                self.expr(&f.filter, false);
                self.body(&f.body, false);
            }
            Stmt::Block(b) => self.body(&b.body, false),
            Stmt::Import(i) => self.expr(&i.expr, soft),
            Stmt::FromImport(i) => self.expr(&i.expr, soft),
            Stmt::Extends(x) => self.expr(&x.name, soft),
            Stmt::Include(x) => self.expr(&x.name, soft),
            Stmt::Macro(m) => {
                self.caller_needs_default(m);
                let later = self.later_defaults(m);
                for (k, d) in m.defaults.iter().enumerate() {
                    if !later.contains(&k) {
                        self.expr(d, soft);
                    }
                }
                self.body(&m.body, false);
            }
            Stmt::CallBlock(c) => {
                self.expr(&c.call.expr, soft);
                self.args(&c.call.args, soft);
                let later = self.later_defaults(&c.macro_decl);
                for (k, d) in c.macro_decl.defaults.iter().enumerate() {
                    if !later.contains(&k) {
                        self.expr(d, soft);
                    }
                }
                self.body(&c.macro_decl.body, false);
            }
            Stmt::Continue(_) => self.unknown_tag("continue"),
            Stmt::Break(_) => self.unknown_tag("break"),
            Stmt::Do(_) => self.unknown_tag("do"),
        }
    }

    fn unknown_tag(&mut self, tag: &str) {
        let src = self.src;
        self.fail(syntax_error(
            src,
            format!("Encountered unknown tag '{tag}'."),
        ));
    }

    fn apply(mut self) -> String {
        self.edits.sort_by_key(|e| (e.start, e.slot, e.seq));
        let mut out = String::with_capacity(self.src.len() + 32 * self.edits.len());
        let mut pos = 0;
        for e in &self.edits {
            if e.start < pos {
                continue;
            }
            out.push_str(&self.src[pos..e.start]);
            out.push_str(&e.text);
            pos = e.end;
        }
        out.push_str(&self.src[pos..]);
        out
    }
}

/// The template source as it must be compiled: Jinja2's compile-time
/// errors raised, Python operators rewritten. A source that does not parse
/// comes back unchanged (minijinja reports the syntax error).
pub(crate) fn prepare(src: &str) -> Result<Cow<'_, str>, Error> {
    let syntax = minijinja::syntax::SyntaxConfig::default();
    use super::jinja_lex::{
        drop_import_context, mark_unary_plus, normalize_raw, parenthesize_output_tuples,
    };
    let raw = normalize_raw(src)?;
    let raw = match drop_import_context(&raw) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(s) => Cow::Owned(s),
    };
    let raw = match parenthesize_output_tuples(&raw, &syntax) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(s) => Cow::Owned(s),
    };
    let raw = match super::jinja_macro_args::rewrite(&raw, &syntax) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(s) => Cow::Owned(s),
    };
    let (marked, plus) = mark_unary_plus(&raw, &syntax)?;
    let Ok(tree) = parse(&marked, "<template>", syntax.clone()) else {
        return Ok(Cow::Owned(marked.into_owned()));
    };
    let mut w = Walk::new(&marked, &syntax, plus);
    w.stmt(&tree, false);
    if let Some(e) = w.error.take() {
        return Err(Error {
            expression: src.to_string(),
            ..e
        });
    }
    if w.edits.is_empty() {
        return Ok(match (&raw, marked) {
            (Cow::Borrowed(_), Cow::Borrowed(_)) => Cow::Borrowed(src),
            (_, m) => Cow::Owned(m.into_owned()),
        });
    }
    let out = w.apply();
    if parse(&out, "<template>", syntax).is_err() {
        return Ok(Cow::Owned(marked.into_owned()));
    }
    Ok(Cow::Owned(out))
}

#[path = "jinja_ast_macro.rs"]
mod macro_defaults;
#[path = "jinja_ast_with.rs"]
mod with_scope;

#[cfg(test)]
#[path = "jinja_ast_tests.rs"]
mod tests;
