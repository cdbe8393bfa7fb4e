//! Expression evaluation: YAQL (`<% %>`) and Jinja (`{{ }}`) inside workflow
//! data, with Mistral's functions. Pure: never does I/O; database-backed
//! functions read what the engine hands in through [`Host`].
//!
//! The interface here is what `engine` and `lang` use; keep it stable.

pub mod batch;
pub(crate) mod cache;
pub mod family;
pub(crate) mod jinja;
pub(crate) mod jinja_arith;
pub(crate) mod jinja_ast;
pub(crate) mod jinja_filters;
pub(crate) mod jinja_fold;
pub(crate) mod jinja_globals;
pub(crate) mod jinja_guard;
mod jinja_hint;
pub(crate) mod jinja_int;
pub(crate) mod jinja_jtests;
pub(crate) mod jinja_lex;
mod jinja_macro_args;
pub(crate) mod jinja_methods;
pub(crate) mod jinja_mistral;
pub(crate) mod jinja_mutable;
mod jinja_numfmt;
pub(crate) mod jinja_ops;
pub(crate) mod jinja_pprint;
pub(crate) mod jinja_py;
pub(crate) mod jinja_pyfmt;
pub(crate) mod jinja_pystr;
pub(crate) mod jinja_seq;
pub(crate) mod jinja_size;
pub(crate) mod jinja_sort;
pub(crate) mod jinja_syntax;
mod jinja_syntax_lex;
pub(crate) mod jinja_text;
pub(crate) mod jinja_undef;
pub(crate) mod jinja_urlize;
pub(crate) mod jinja_values;
pub(crate) mod jinja_words;
pub mod pyjson;
pub(crate) mod yaql;

use std::sync::Arc;

use serde_json::Value;

pub use batch::batch;
pub use family::TasksQuery;
pub use yaql::value::str_repr as py_str_repr;

#[cfg(test)]
mod jinja_tests;
#[cfg(test)]
mod tests;

/// Budgets for one evaluation. Every evaluation ends quickly when one runs out.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Evaluation steps.
    pub fuel: u64,
    /// Elements of a built collection, or bytes of a built string.
    pub max_size: usize,
    /// Nesting depth of calls and data.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: 1_000_000,
            max_size: 1_000_000,
            max_depth: 200,
        }
    }
}

/// What Mistral's database-backed functions read: the engine implements it
/// from its in-memory execution state.
pub trait Host {
    /// `execution()`: `{id, name, spec, input, params, created_at, updated_at, root_execution_id}`.
    fn execution(&self) -> Value;
    /// `task(name)`: the latest execution of the named task, or of the current
    /// task when `name` is `None`; `Value::Null` when there is none.
    fn task(&self, name: Option<&str>) -> Value;
    /// `tasks(workflow_execution_id, recursive, state, flat)`.
    fn tasks(&self, q: &TasksQuery) -> Value;
    /// The execution family `tasks()` reads beyond the current execution
    /// (see [`family`]); null when there is none to read.
    fn family(&self) -> Value {
        Value::Null
    }
    /// `global(name)`: a variable of the workflow (global) context, or null.
    fn global(&self, name: &str) -> Value;
}

/// The data an expression sees: `$` in YAQL, `_` in Jinja.
pub struct Context<'a> {
    /// The merged data context (its `__env` key is what `env()` returns).
    pub data: &'a Value,
    /// Mistral's database-backed functions; absent outside an execution.
    pub host: Option<&'a dyn Host>,
}

impl<'a> Context<'a> {
    /// A context with data only.
    pub fn new(data: &'a Value) -> Self {
        Self { data, host: None }
    }
}

/// The class of an evaluation failure, as `../shared/expr/README.md` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    UnknownFunction,
    NoMatchingFunction,
    Key,
    Index,
    Type,
    Value,
    ZeroDivision,
    Empty,
    Undefined,
    Security,
    Attribute,
    Overflow,
    Assertion,
    Regex,
    Runtime,
    Limit,
    Other,
}

/// A failed evaluation: the expression, and what went wrong.
#[derive(Clone, Debug, thiserror::Error)]
#[error("Can not evaluate {lang} expression [expression={expression}, error={message}]")]
pub struct Error {
    pub kind: ErrorKind,
    /// "YAQL" or "Jinja".
    pub lang: &'static str,
    pub expression: String,
    pub message: String,
}

/// Evaluates Mistral strings and nested data. Holds the compiled-expression
/// cache; cheap to share (`Send + Sync`).
pub struct Evaluator {
    limits: Limits,
    cache: cache::Bounded<Arc<Compiled>>,
    jinja: jinja::Jinja,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("limits", &self.limits)
            .finish()
    }
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Evaluator {
    /// An evaluator with these budgets.
    pub fn new(limits: Limits) -> Self {
        let jinja = jinja::Jinja::new(&limits);
        Self {
            limits,
            cache: cache::Bounded::default(),
            jinja,
        }
    }

    /// The budgets in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn compiled(&self, s: &str) -> Arc<Compiled> {
        if let Some(hit) = self.cache.get(s) {
            return hit;
        }
        let c = Arc::new(compile(s));
        self.cache.insert(s, c.clone());
        c
    }

    /// Entries and bytes of expression text held by the compile caches
    /// (YAQL and Jinja together).
    pub fn cache_usage(&self) -> (usize, usize) {
        let (n, b) = self.cache.usage();
        let (jn, jb) = self.jinja.cache_usage();
        (n.max(jn), b + jb)
    }

    /// Evaluates one Mistral string: a whole-string expression keeps its
    /// native type, inline expressions are interpolated, plain text is
    /// returned unchanged.
    pub fn evaluate_str(&self, s: &str, ctx: &Context<'_>) -> Result<Value, Error> {
        if !has_expression(s) {
            return Ok(Value::String(s.to_string()));
        }
        let c = self.compiled(s);
        match &*c {
            Compiled::Plain => Ok(Value::String(s.to_string())),
            Compiled::NoJinjaExpression => Err(Error {
                kind: ErrorKind::Index,
                lang: "Jinja",
                expression: s.to_string(),
                message: "list index out of range".into(),
            }),
            Compiled::JinjaExpr(inner) => self
                .jinja
                .eval_expression(s, inner, ctx.data, ctx.host)
                .map_err(|e| in_jinja2_words(e, || jinja_syntax::expression_error(inner))),
            Compiled::JinjaTemplate => self
                .jinja
                .render(s, ctx.data, ctx.host)
                .map(Value::String)
                .map_err(|e| in_jinja2_words(e, || jinja_syntax::first_error(s))),
            Compiled::Yaql { whole, pieces } => {
                if *whole {
                    let (text, e) = &pieces[0];
                    return self.run_yaql(text, e, ctx).map(|v| v.to_json());
                }
                let mut out = s.to_string();
                for (text, e) in pieces {
                    let v = self.run_yaql(text, e, ctx)?;
                    let rendered = yaql::value::py_str(&v, yaql::value::Style::Output);
                    let piece = format!("<%{}%>", text.1);
                    out = out.replace(&piece, &rendered);
                }
                Ok(Value::String(out))
            }
        }
    }

    /// Like [`Evaluator::evaluate_str`], but returns the result as JSON text
    /// with integers of any size written exactly (for the batch interface).
    pub fn evaluate_str_text(&self, s: &str, ctx: &Context<'_>) -> Result<String, Error> {
        let c = self.compiled(s);
        match &*c {
            Compiled::Yaql {
                whole: true,
                pieces,
            } => {
                let (text, e) = &pieces[0];
                let v = self.run_yaql(text, e, ctx)?;
                let mut out = String::new();
                yaql::value::write_json(&v, &mut out);
                Ok(out)
            }
            Compiled::JinjaExpr(inner) => self
                .jinja
                .eval_expression_text(s, inner, ctx.data, ctx.host)
                .map_err(|e| in_jinja2_words(e, || jinja_syntax::expression_error(inner))),
            _ => self.evaluate_str(s, ctx).map(|v| v.to_string()),
        }
    }

    fn run_yaql(
        &self,
        text: &(String, String),
        e: &Result<yaql::Expr, yaql::SyntaxError>,
        ctx: &Context<'_>,
    ) -> Result<yaql::value::V, Error> {
        let expr = e.as_ref().map_err(|se| Error {
            kind: ErrorKind::Syntax,
            lang: "YAQL",
            expression: text.0.clone(),
            message: se.message.clone(),
        })?;
        yaql::eval(expr, ctx.data, ctx.host, &self.limits).map_err(|ye| Error {
            kind: ye.kind,
            lang: "YAQL",
            expression: text.0.clone(),
            message: ye.msg,
        })
    }

    /// Evaluates every string inside `v` (dict values and list items, as
    /// Mistral's `evaluate_recursively` does; keys stay as written),
    /// returning a new value.
    pub fn evaluate_data(&self, v: &Value, ctx: &Context<'_>) -> Result<Value, Error> {
        match v {
            Value::String(s) => self.evaluate_str(s, ctx),
            Value::Array(items) => items
                .iter()
                .map(|i| self.evaluate_data(i, ctx))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(k.clone(), self.evaluate_data(v, ctx)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Syntax check of one string with this evaluator's Jinja setup.
    pub fn validate(&self, s: &str) -> Result<(), Error> {
        for line in s.lines() {
            let yaql = !find_delimited(line, "<%", "%>").is_empty();
            let jinja = !find_delimited(line, "{{", "}}").is_empty()
                || !find_delimited(line, "{%", "%}").is_empty();
            if yaql && jinja {
                return Err(Error {
                    kind: ErrorKind::Syntax,
                    lang: "Jinja",
                    expression: s.to_string(),
                    message: "Mixing expression types in a single line is not allowed".into(),
                });
            }
        }
        match &*self.compiled(s) {
            Compiled::Yaql { pieces, .. } => {
                for (text, e) in pieces {
                    if let Err(se) = e {
                        let message = if se.message.contains("position") {
                            se.message.clone()
                        } else {
                            format!("{} (at position {})", se.message, se.position)
                        };
                        return Err(Error {
                            kind: ErrorKind::Syntax,
                            lang: "YAQL",
                            expression: text.0.clone(),
                            message,
                        });
                    }
                }
                Ok(())
            }
            // Mistral's check is Jinja2's parse (`env.parse`): what it
            // refuses is refused in its words, what it takes is taken
            // (bora's own parser has its say when the string is evaluated).
            Compiled::JinjaExpr(_) | Compiled::JinjaTemplate | Compiled::NoJinjaExpression => {
                jinja_guard::check(s)?;
                match jinja_syntax::first_error(s) {
                    Some(message) => Err(Error {
                        kind: ErrorKind::Syntax,
                        lang: "Jinja",
                        expression: s.to_string(),
                        message,
                    }),
                    None => Ok(()),
                }
            }
            Compiled::Plain => Ok(()),
        }
    }
}

/// A Jinja syntax error in Jinja2's words (`words`), when Jinja2 refuses
/// the text too.
fn in_jinja2_words(mut e: Error, words: impl FnOnce() -> Option<String>) -> Error {
    if e.kind == ErrorKind::Syntax
        && e.lang == "Jinja"
        && let Some(w) = words()
    {
        e.message = w;
    }
    e
}

/// A Mistral string, analysed once.
enum Compiled {
    /// No expression: the string itself.
    Plain,
    /// A whole-string `{{ expr }}`: the expression text.
    JinjaExpr(String),
    /// A template rendered to a string.
    JinjaTemplate,
    /// A `{% %}` block with no `{{ }}`: Mistral fails on it.
    NoJinjaExpression,
    /// YAQL pieces: ((stripped expression, raw inside of `<% %>`), parsed).
    Yaql {
        whole: bool,
        pieces: Vec<((String, String), Result<yaql::Expr, yaql::SyntaxError>)>,
    },
}

/// Finds `open(.*?)close` matches (no newlines inside), as Python's
/// non-greedy, non-DOTALL regexes do: (start, end, inner).
fn find_delimited<'s>(s: &'s str, open: &str, close: &str) -> Vec<(usize, usize, &'s str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find(open) {
        let start = from + i;
        let body = start + open.len();
        let line_end = s[body..].find('\n').map_or(s.len(), |k| body + k);
        match s[body..line_end].find(close) {
            Some(k) => {
                let end = body + k + close.len();
                out.push((start, end, &s[body..body + k]));
                from = end;
            }
            None => {
                // the next opening may still close on this line
                from = start + open[..1].len().max(1);
                if from >= s.len() {
                    break;
                }
                while !s.is_char_boundary(from) {
                    from += 1;
                }
            }
        }
    }
    out
}

fn compile(s: &str) -> Compiled {
    let jinja_expr = find_delimited(s, "{{", "}}");
    let jinja_block = find_delimited(s, "{%", "%}");
    if !jinja_expr.is_empty() || !jinja_block.is_empty() {
        return match jinja_expr.first() {
            Some((0, end, inner)) if *end == s.len() => Compiled::JinjaExpr(inner.to_string()),
            Some(_) => Compiled::JinjaTemplate,
            None => Compiled::NoJinjaExpression,
        };
    }
    let found = find_delimited(s, "<%", "%>");
    if found.is_empty() {
        return Compiled::Plain;
    }
    let whole = found.len() == 1 && found[0].0 == 0 && found[0].1 == s.len();
    let pieces = found
        .iter()
        .map(|(_, _, inner)| {
            let full = format!("<%{inner}%>");
            let stripped = full
                .trim_matches(|c| c == '<' || c == '%' || c == '>')
                .trim()
                .to_string();
            let parsed = yaql::parse(&stripped);
            ((stripped, inner.to_string()), parsed)
        })
        .collect();
    Compiled::Yaql { whole, pieces }
}

/// True when the string holds a YAQL or Jinja expression that Mistral would evaluate.
pub fn has_expression(s: &str) -> bool {
    (s.contains("<%") && !find_delimited(s, "<%", "%>").is_empty())
        || (s.contains("{{") && !find_delimited(s, "{{", "}}").is_empty())
        || (s.contains("{%") && !find_delimited(s, "{%", "%}").is_empty())
}

/// Checks the syntax of every expression in a string, as Mistral does at
/// upload time. `Ok` for plain text.
pub fn validate(s: &str) -> Result<(), Error> {
    static SHARED: std::sync::OnceLock<Evaluator> = std::sync::OnceLock::new();
    SHARED.get_or_init(Evaluator::default).validate(s)
}

/// Python truthiness of a JSON value, as Mistral applies it to guards.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
