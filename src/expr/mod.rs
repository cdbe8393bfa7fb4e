//! Expression evaluation: YAQL (`<% %>`) and Jinja (`{{ }}`) inside workflow
//! data, with Mistral's functions. Pure: never does I/O; database-backed
//! functions read what the engine hands in through [`Host`].
//!
//! The interface here is what `engine` and `lang` use; keep it stable.

use serde_json::Value;

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
    fn tasks(&self, state: Option<&str>) -> Value;
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
#[derive(Debug, Default)]
pub struct Evaluator {
    limits: Limits,
}

impl Evaluator {
    /// An evaluator with these budgets.
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }

    /// The budgets in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Evaluates one Mistral string: a whole-string expression keeps its
    /// native type, inline expressions are interpolated, plain text is
    /// returned unchanged.
    pub fn evaluate_str(&self, s: &str, ctx: &Context<'_>) -> Result<Value, Error> {
        let _ = ctx;
        if has_expression(s) {
            return Err(Error {
                kind: ErrorKind::Other,
                lang: "YAQL",
                expression: s.to_string(),
                message: "expressions are not available in this build".into(),
            });
        }
        Ok(Value::String(s.to_string()))
    }

    /// Evaluates every string inside `v` (dict values, list items, dict keys
    /// where Mistral does), returning a new value.
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
}

/// True when the string holds a YAQL or Jinja expression that Mistral would evaluate.
pub fn has_expression(s: &str) -> bool {
    s.contains("<%") || s.contains("{{") || s.contains("{%")
}

/// Checks the syntax of every expression in a string, as Mistral does at
/// upload time. `Ok` for plain text.
pub fn validate(s: &str) -> Result<(), Error> {
    let _ = s;
    Ok(())
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
