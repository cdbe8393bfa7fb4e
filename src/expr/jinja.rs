//! Jinja through minijinja, set up as Mistral sets up Jinja2: `_` is the
//! context, strict undefined, trim_blocks/lstrip_blocks, Mistral functions as
//! globals and filters, Python-style rendering of values. Database-backed
//! functions read a snapshot the engine's [`Host`] provides for the call.

use std::collections::BTreeMap;

use minijinja::value::{Value as MValue, ValueKind};
use std::sync::{Arc, RwLock};

use minijinja::{Environment, ErrorKind as MKind, UndefinedBehavior};
use serde_json::Value as Json;

use crate::domain::number::Plain;
use crate::expr::jinja_mistral::to_json;
use crate::expr::{Error, ErrorKind, Host, Limits};

pub(crate) const HOST_VAR: &str = "__bora_host";

/// Builds the shared environment (once per [`crate::expr::Evaluator`]).
fn environment(limits: &Limits) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_fuel(Some(limits.fuel));
    env.set_recursion_limit(limits.max_depth.min(500));
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    minijinja_contrib::add_to_environment(&mut env);
    crate::expr::jinja_py::register(&mut env);
    crate::expr::jinja_ops::register(&mut env);
    crate::expr::jinja_jtests::register(&mut env);
    crate::expr::jinja_filters::register(&mut env);
    crate::expr::jinja_seq::register(&mut env);
    crate::expr::jinja_urlize::register(&mut env);
    crate::expr::jinja_seq::register_more(&mut env);
    crate::expr::jinja_pprint::register(&mut env);
    crate::expr::jinja_mutable::register(&mut env);
    crate::expr::jinja_globals::register(&mut env);
    crate::expr::jinja_values::register(&mut env, limits.max_size);
    let max = limits.max_size;
    env.set_formatter(move |out, state, value| {
        // a strict undefined never gets here; the silent one of `x if c`
        // without `else` prints nothing, as Jinja2's Undefined does
        if value.is_undefined() {
            return Ok(());
        }
        crate::expr::jinja_size::bounded(value, max)?;
        let text = py_str(value);
        // inside {% autoescape true %} output is escaped unless it is markup
        let text = if *state.auto_escape() != minijinja::AutoEscape::None && !value.is_safe() {
            crate::expr::jinja_text::escape_text(&text)
        } else {
            text
        };
        out.write_str(&text)
            .map_err(|_| minijinja::Error::new(MKind::WriteFailure, "write failed"))
    });
    crate::expr::jinja_mistral::register(&mut env);
    env.add_filter("string", |v: MValue| -> Result<String, minijinja::Error> {
        crate::expr::jinja_py::undefined_input(&v)?;
        Ok(py_str(&v))
    });
    env.add_filter("tojson", crate::expr::jinja_mistral::tojson);
    crate::expr::jinja_size::register(&mut env, limits.max_size);
    env
}

/// Python `str()` of a template value.
pub fn py_str(v: &MValue) -> String {
    if crate::expr::jinja_values::is_plain_undefined(v) {
        return String::new();
    }
    match v.kind() {
        ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        _ => py_repr(v),
    }
}

pub use crate::expr::jinja_pprint::py_repr;

/// The Jinja error kind for a minijinja error.
fn kind_of(e: &minijinja::Error) -> ErrorKind {
    let detail = e.detail().unwrap_or_default();
    if let Some((class, _)) = crate::expr::jinja_ops::py_class(detail) {
        return match class {
            "KeyError" => ErrorKind::Key,
            "ValueError" => ErrorKind::Value,
            "IndexError" => ErrorKind::Index,
            "OverflowError" => ErrorKind::Overflow,
            "ZeroDivisionError" => ErrorKind::ZeroDivision,
            "AttributeError" => ErrorKind::Attribute,
            "UndefinedError" => ErrorKind::Undefined,
            "SecurityError" => ErrorKind::Security,
            "TemplateRuntimeError" | "RuntimeError" => ErrorKind::Runtime,
            "TypeError" => ErrorKind::Type,
            "AssertionError" => ErrorKind::Assertion,
            "MemoryError" => ErrorKind::Limit,
            _ => ErrorKind::Other,
        };
    }
    if e.kind() == MKind::InvalidOperation
        && (detail.contains("unsupported types undefined") || detail.contains("and undefined"))
    {
        // Jinja2's (strict) Undefined refuses every operator
        return ErrorKind::Undefined;
    }
    if e.kind() != MKind::SyntaxError && detail.contains("is undefined") {
        return ErrorKind::Undefined;
    }
    if detail.starts_with("unable to calculate")
        && [
            " / 0",
            " // 0",
            " % 0",
            " / 0.0",
            " // 0.0",
            " % 0.0",
            " / False",
            " // False",
            " % False",
        ]
        .iter()
        .any(|z| detail.ends_with(z) || detail.ends_with(&z.replace(" 0", " -0")))
    {
        return ErrorKind::ZeroDivision;
    }
    if detail.contains("cannot slice by step size of 0") {
        // Python: "slice step cannot be zero"
        return ErrorKind::Value;
    }
    if detail.contains("recursion limit exceeded") || detail.contains("too many elements") {
        return ErrorKind::Limit;
    }
    if detail.starts_with("Range too big") {
        return ErrorKind::Overflow;
    }
    if detail.starts_with("expected length >=") {
        return ErrorKind::Assertion;
    }
    if detail.starts_with("You can only sort by") {
        return ErrorKind::Runtime;
    }
    if detail == "count cannot be 0" {
        return ErrorKind::ZeroDivision;
    }
    if detail.starts_with("invalid JSON") || detail.starts_with("invalid YAML") {
        return ErrorKind::Value;
    }
    match e.kind() {
        // filters and tests unknown outside `if` branches are refused when
        // the template is prepared (jinja_ast); inside them Jinja2 raises
        // TemplateRuntimeError when the branch runs
        MKind::UnknownFilter | MKind::UnknownTest => return ErrorKind::Runtime,
        MKind::UnknownFunction | MKind::UnknownMethod => return ErrorKind::Undefined,
        _ => {}
    }
    match e.kind() {
        MKind::SyntaxError | MKind::BadEscape => ErrorKind::Syntax,
        MKind::UndefinedError => ErrorKind::Undefined,
        MKind::UnknownFilter | MKind::UnknownFunction | MKind::UnknownMethod => {
            ErrorKind::UnknownFunction
        }
        MKind::UnknownTest => ErrorKind::Runtime,
        MKind::OutOfFuel => ErrorKind::Limit,
        MKind::InvalidOperation => {
            let d = e.detail().unwrap_or_default();
            if d.contains("division by zero") || d.contains("by zero") {
                ErrorKind::ZeroDivision
            } else if d.contains("unsafe") {
                ErrorKind::Security
            } else if d.contains("(EXPR_SIZE)") {
                ErrorKind::Limit
            } else {
                ErrorKind::Type
            }
        }
        MKind::MissingArgument | MKind::TooManyArguments | MKind::CannotUnpack => ErrorKind::Type,
        MKind::BadSerialization => ErrorKind::Type,
        MKind::TemplateNotFound => ErrorKind::Type,
        _ => ErrorKind::Other,
    }
}

/// An undefined-value error with Jinja2's message, where it can be told.
fn undefined_in_words(mut e: Error, src: &str, data: &Json, in_workflow: bool) -> Error {
    let generic = e.message == "value is undefined" || e.message.starts_with("undefined value");
    if e.kind == ErrorKind::Undefined
        && generic
        && let Some(why) = crate::expr::jinja_undef::take()
    {
        e.message = why;
        return e;
    }
    if e.kind == ErrorKind::Undefined
        && e.message.starts_with("undefined value")
        && let Some(m) = crate::expr::jinja_hint::loop_item_reason(src)
    {
        // minijinja's own undefined `loop.previtem` / `loop.nextitem`
        e.message = m.into();
        return e;
    }
    if e.kind == ErrorKind::Undefined
        && let Some(m) = crate::expr::jinja_hint::undefined_message(src, data, in_workflow)
    {
        e.message = m;
    }
    e
}

impl Jinja {
    /// The sandbox's refusal with the type of what the attribute was read
    /// from, as Jinja2's sandbox words it (`access to attribute '__class__'
    /// of 'str' object is unsafe.`; `_` in a workflow is Mistral's
    /// `ContextView`).
    fn unsafe_in_words(&self, mut e: Error, data: &Json, host: Option<&dyn Host>) -> Error {
        let Some(attr) = e
            .message
            .strip_prefix("access to attribute '")
            .and_then(|r| r.strip_suffix("' is unsafe."))
            .map(String::from)
        else {
            return e;
        };
        let Some(recv) = crate::expr::jinja_hint::receiver_before(&e.expression, &attr) else {
            return e;
        };
        let of = if recv == "_" && host.is_some() {
            "ContextView".to_string()
        } else {
            match self.value_raw(&format!("{{{{ {recv} }}}}"), &recv, data, host) {
                Ok(v) => crate::expr::jinja_ops::type_name(&v).to_string(),
                // out of the inline budget: the whole evaluation moves
                Err(f) if f.kind == ErrorKind::Limit && f.message.contains("fuel") => return f,
                Err(_) => return e,
            }
        };
        e.message = format!("access to attribute '{attr}' of '{of}' object is unsafe.");
        e
    }

    /// An undefined value Jinja2 would name by the variable nothing defines
    /// (`{{ count + 1 }}` without `_.`): `'count' is undefined`. The names
    /// the template reads but does not set, less `_` and the globals, the
    /// first in the text.
    fn free_name_in_words(&self, mut e: Error, src: &str) -> Error {
        let generic = e.message == "value is undefined"
            || e.message.ends_with(" is unknown")
            || (e.message.starts_with('`') && e.message.ends_with("` is undefined"));
        if e.kind != ErrorKind::Undefined || !generic {
            return e;
        }
        let found = self
            .with_env(|env| {
                let names = env.template_from_str(src).ok()?.undeclared_variables(false);
                let free: Vec<String> = names
                    .into_iter()
                    .filter(|n| n != "_" && env.globals().all(|(g, _)| g != n))
                    .collect();
                crate::expr::jinja_hint::first_read(src, &free)
            })
            .ok()
            .flatten();
        if let Some(name) = found {
            e.message = format!("'{name}' is undefined");
        }
        e
    }
}

fn jerr(expression: &str, e: minijinja::Error) -> Error {
    let mut message = e
        .detail()
        .map(String::from)
        .unwrap_or_else(|| e.to_string());
    if e.kind() == MKind::OutOfFuel {
        message = "evaluation step limit exceeded (fuel)".into();
    }
    // Mistral's environment has no loader: `{% include %}`, `{% import %}`
    // and `{% extends %}` fail on that before any name is looked up.
    if e.kind() == MKind::TemplateNotFound {
        message = "no loader for this environment specified".into();
    }
    if let Some((_, m)) = crate::expr::jinja_ops::py_class(&message) {
        message = m.to_string();
    }
    message = crate::expr::jinja_words::reworded(message);
    if message.contains("cannot slice by step size of 0") {
        message = "slice step cannot be zero".into();
    }
    let kind = kind_of(&e);
    if kind == ErrorKind::ZeroDivision
        && let Some(text) = crate::expr::jinja_words::zero_division_text(&message)
    {
        message = text.to_string();
    }
    Error {
        kind,
        lang: "Jinja",
        expression: expression.to_string(),
        message,
    }
}

/// The snapshot of database-backed values the template may read.
fn host_snapshot(src: &str, host: Option<&dyn Host>) -> Json {
    let Some(h) = host else { return Json::Null };
    let mut m = serde_json::Map::new();
    if src.contains("execution") {
        m.insert("execution".into(), h.execution());
    }
    if src.contains("task") {
        m.insert("task".into(), h.task(None));
        m.insert("tasks".into(), h.tasks(&crate::expr::TasksQuery::default()));
        if crate::expr::family::may_read_family(src) {
            m.insert("family".into(), h.family());
        }
        let mut named = serde_json::Map::new();
        if let Ok(re) = regex::Regex::new(r#"task\(\s*['"]([^'"]+)['"]"#) {
            for c in re.captures_iter(src) {
                if let Some(n) = c.get(1) {
                    named.insert(n.as_str().to_string(), h.task(Some(n.as_str())));
                }
            }
        }
        m.insert("named_tasks".into(), Json::Object(named));
    }
    if src.contains("global") {
        let mut g = serde_json::Map::new();
        if let Ok(re) = regex::Regex::new(r#"global\(\s*['"]([^'"]+)['"]"#) {
            for c in re.captures_iter(src) {
                if let Some(n) = c.get(1) {
                    g.insert(n.as_str().to_string(), h.global(n.as_str()));
                }
            }
        }
        m.insert("globals".into(), Json::Object(g));
    }
    Json::Object(m)
}

fn context(src: &str, data: &Json, host: Option<&dyn Host>) -> MValue {
    let mut m: BTreeMap<&str, MValue> = BTreeMap::new();
    // lists and dicts of the data are Python's mutable containers
    let root = crate::expr::jinja_mutable::from_json(data);
    // Mistral's Jinja context: `_` and, from a dict context, these three
    for key in ["__env", "__execution", "__task_execution"] {
        if data.is_object() {
            let v = root.get_attr(key).unwrap_or(MValue::UNDEFINED);
            m.insert(
                key,
                if v.is_undefined() {
                    MValue::from(())
                } else {
                    v
                },
            );
        }
    }
    m.insert("_", root);
    m.insert(
        HOST_VAR,
        MValue::from(minijinja::value::Serde(Plain(&host_snapshot(src, host)))),
    );
    MValue::from(
        m.into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<String, MValue>>(),
    )
}

/// Jinja2's sandbox refuses Python's special attributes (`x.__class__`).
fn sandbox_check(whole: &str) -> Result<(), Error> {
    crate::expr::jinja_guard::check(whole)?;
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"\.(__(class|init|dict|doc|base|bases|mro|subclasses|globals|builtins|getattribute|reduce|reduce_ex|module|code|func|self|len|repr|str|hash|dir|new|call|setattr|delattr|format|sizeof|eq|ne|lt|gt|le|ge|getitem|setitem|delitem|contains|iter|reversed|add|mul|init_subclass|subclasshook|getstate|class_getitem)__)\b",
        )
        .ok()
    });
    static LOOP: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let lc = LOOP.get_or_init(|| regex::Regex::new(r"\{%[-+]?\s*(break|continue)\b").ok());
    if let Some(m) = lc.as_ref().and_then(|r| r.captures(whole)) {
        let tag = m.get(1).map_or("", |g| g.as_str());
        return Err(Error {
            kind: ErrorKind::Syntax,
            lang: "Jinja",
            expression: whole.to_string(),
            message: format!("Encountered unknown tag '{tag}'."),
        });
    }
    if let Some(m) = re.as_ref().and_then(|r| r.captures(whole)) {
        let attr = m.get(1).map_or("", |g| g.as_str());
        return Err(Error {
            kind: ErrorKind::Security,
            lang: "Jinja",
            expression: whole.to_string(),
            message: format!("access to attribute '{attr}' is unsafe."),
        });
    }
    Ok(())
}

/// Most templates kept compiled; the cache is cleared beyond this.
const TEMPLATES_MAX: usize = crate::expr::cache::MAX_ENTRIES;
/// Most bytes of template source kept compiled; cleared beyond this.
const TEMPLATE_BYTES_MAX: usize = crate::expr::cache::MAX_BYTES;

/// The shared Jinja environment with its cache of compiled templates
/// (each distinct string is parsed once).
pub struct Jinja {
    env: RwLock<Environment<'static>>,
    /// Bytes of template source registered in `env`.
    template_bytes: std::sync::atomic::AtomicUsize,
    /// Templates registered in `env` (counting them there walks them all).
    template_count: std::sync::atomic::AtomicUsize,
    prepared: crate::expr::cache::Bounded<Arc<str>>,
    /// `expr_max_size`: elements (or bytes) a result may be converted from.
    max_size: usize,
}

impl Jinja {
    pub fn new(limits: &Limits) -> Self {
        Jinja {
            env: RwLock::new(environment(limits)),
            template_bytes: std::sync::atomic::AtomicUsize::new(0),
            template_count: std::sync::atomic::AtomicUsize::new(0),
            prepared: crate::expr::cache::Bounded::default(),
            max_size: limits.max_size,
        }
    }

    /// Templates and bytes of template source held compiled.
    pub fn cache_usage(&self) -> (usize, usize) {
        let n = self
            .template_count
            .load(std::sync::atomic::Ordering::Relaxed);
        let (pn, pb) = self.prepared.usage();
        (
            n.max(pn),
            self.template_bytes
                .load(std::sync::atomic::Ordering::Relaxed)
                + pb,
        )
    }

    /// The expression as evaluated (sandbox-checked, dict methods rewritten),
    /// computed once per distinct expression.
    fn prepare(&self, whole: &str, inner: &str) -> Result<Arc<str>, Error> {
        if let Some(hit) = self.prepared.get(inner) {
            return Ok(hit);
        }
        sandbox_check(whole)?;
        crate::expr::jinja_lex::check_bare_tuple(inner).map_err(|e| Error {
            expression: whole.to_string(),
            ..e
        })?;
        let rewritten: Arc<str> = Arc::from(inner);
        self.prepared.insert(inner, rewritten.clone());
        Ok(rewritten)
    }

    /// Registers `source` under `name` unless present; `Err` on a syntax error.
    fn ensure(&self, name: &str, source: impl FnOnce() -> String) -> Result<(), minijinja::Error> {
        if let Ok(env) = self.env.read()
            && env.get_template(name).is_ok()
        {
            return Ok(());
        }
        let mut env = self.env.write().map_err(|_| {
            minijinja::Error::new(MKind::InvalidOperation, "template cache poisoned")
        })?;
        use std::sync::atomic::Ordering;
        let source = source();
        let bytes = self.template_bytes.load(Ordering::Relaxed);
        if self.template_count.load(Ordering::Relaxed) >= TEMPLATES_MAX
            || bytes + source.len() > TEMPLATE_BYTES_MAX
        {
            env.clear_templates();
            self.template_bytes.store(0, Ordering::Relaxed);
            self.template_count.store(0, Ordering::Relaxed);
        }
        self.template_bytes
            .fetch_add(source.len(), Ordering::Relaxed);
        self.template_count.fetch_add(1, Ordering::Relaxed);
        contained(|| env.add_template_owned(name.to_string(), source))?
    }

    fn with_env<T>(
        &self,
        f: impl FnOnce(&Environment<'static>) -> T,
    ) -> Result<T, minijinja::Error> {
        let env = self.env.read().map_err(|_| {
            minijinja::Error::new(MKind::InvalidOperation, "template cache poisoned")
        })?;
        contained(|| f(&env))
    }

    /// The native value of one expression (the inside of a whole-string
    /// `{{ }}`); an undefined value is named in Jinja2's words.
    fn value(
        &self,
        whole: &str,
        inner: &str,
        data: &Json,
        host: Option<&dyn Host>,
    ) -> Result<MValue, Error> {
        self.value_raw(whole, inner, data, host)
            .map_err(|e| self.in_words(e, whole, data, host))
    }

    /// An evaluation's error in Jinja2's words: the sandbox's refusal with
    /// the receiver's type, an undefined value by its reason, path, name or
    /// the call below which it was met.
    fn in_words(&self, e: Error, src: &str, data: &Json, host: Option<&dyn Host>) -> Error {
        let e = self.unsafe_in_words(e, data, host);
        let e = undefined_in_words(e, src, data, host.is_some());
        let e = self.free_name_in_words(e, src);
        self.undefined_below_call(e, src, data, host)
    }

    /// An undefined value met below `execution()`, `task()` or `env()`,
    /// in Jinja2's words (the call is evaluated again to see its value).
    fn undefined_below_call(
        &self,
        mut e: Error,
        src: &str,
        data: &Json,
        host: Option<&dyn Host>,
    ) -> Error {
        // Already in Jinja2's words (a path into `_`): leave it.
        if e.kind != ErrorKind::Undefined || e.message.starts_with('\'') {
            return e;
        }
        let mut call = |text: &str| {
            let whole = format!("{{{{ {text} }}}}");
            self.value_raw(&whole, text, data, host)
                .ok()
                .and_then(|v| to_json(&v).ok())
        };
        if let Some(m) = crate::expr::jinja_hint::call_rooted_message(src, &mut call) {
            e.message = m;
        } else if let Some(m) = crate::expr::jinja_hint::namespace_attr_message(src, &e.message) {
            e.message = m;
        } else if e.message.starts_with("undefined value")
            && let Some(m) = crate::expr::jinja_hint::macro_param_message(src)
        {
            e.message = m;
        } else if (e.message == "value is undefined"
            || e.message.starts_with("undefined has no method named ")
            || (e.message.starts_with('`') && e.message.ends_with("` is undefined")))
            && let Some(m) = crate::expr::jinja_hint::step_message(src, &mut call)
        {
            e.message = m;
        }
        e
    }

    fn value_raw(
        &self,
        whole: &str,
        inner: &str,
        data: &Json,
        host: Option<&dyn Host>,
    ) -> Result<MValue, Error> {
        let rewritten = self.prepare(whole, inner)?;
        crate::expr::jinja_undef::forget();
        let name = format!("\u{1}e{rewritten}");
        let ctx = context(inner, data, host);
        let wrappable = !rewritten.trim().is_empty();
        let wrapped = |r: &str| format!("{{% set {RESULT_VAR} = ({r}) %}}");
        let known = self
            .with_env(|env| env.get_template(&name).is_ok())
            .unwrap_or(false);
        let prepared = if wrappable && !known {
            let src = wrapped(&rewritten);
            Some(
                crate::expr::jinja_ast::prepare(&src)
                    .map_err(|e| Error {
                        expression: whole.to_string(),
                        ..e
                    })?
                    .into_owned(),
            )
        } else {
            None
        };
        let v = if wrappable
            && (known
                || self
                    .ensure(&name, || prepared.unwrap_or_else(|| wrapped(&rewritten)))
                    .is_ok())
        {
            self.with_env(|env| {
                let t = env.get_template(&name)?;
                let captured = t.render_captured(ctx)?;
                Ok::<_, minijinja::Error>(
                    captured
                        .state()
                        .lookup(RESULT_VAR)
                        .unwrap_or(MValue::UNDEFINED),
                )
            })
            .and_then(|r| r)
            .map_err(|e| lazy_generator_error(whole, &rewritten, jerr(whole, e)))?
        } else {
            // not expressible as a template (or a syntax error): compile directly
            self.with_env(|env| {
                let expr = env.compile_expression(&rewritten)?;
                expr.eval(ctx)
            })
            .and_then(|r| r)
            .map_err(|e| jerr(whole, e))?
        };
        crate::expr::jinja_size::bounded(&v, self.max_size).map_err(|e| jerr(whole, e))?;
        if v.is_undefined() {
            return Err(Error {
                kind: ErrorKind::Undefined,
                lang: "Jinja",
                expression: whole.to_string(),
                message: "value is undefined".into(),
            });
        }
        Ok(v)
    }

    /// Evaluates one Jinja expression to JSON.
    pub fn eval_expression(
        &self,
        whole: &str,
        inner: &str,
        data: &Json,
        host: Option<&dyn Host>,
    ) -> Result<Json, Error> {
        if let Some(v) = crate::expr::jinja_arith::eval_huge(inner, data) {
            return Ok(v.to_json());
        }
        match self
            .value(whole, inner, data, host)
            .and_then(|v| to_json(&v).map_err(|e| jerr(whole, e)))
        {
            Err(e) if overflowed(&e) => match crate::expr::jinja_arith::eval(inner, data) {
                Some(v) => Ok(v.to_json()),
                None => Err(e),
            },
            other => other,
        }
    }

    /// Like [`Jinja::eval_expression`], as JSON text exact for big integers.
    pub fn eval_expression_text(
        &self,
        whole: &str,
        inner: &str,
        data: &Json,
        host: Option<&dyn Host>,
    ) -> Result<String, Error> {
        if let Some(out) = crate::expr::jinja_arith::eval_huge_text(inner, data) {
            return Ok(out);
        }
        let result = self.value(whole, inner, data, host).and_then(|v| {
            let mut out = String::new();
            json_text(&v, &mut out).map_err(|e| jerr(whole, e))?;
            Ok(out)
        });
        match result {
            Err(e) if overflowed(&e) => match crate::expr::jinja_arith::eval(inner, data) {
                Some(v) => {
                    let mut out = String::new();
                    crate::expr::yaql::value::write_json(&v, &mut out);
                    Ok(out)
                }
                None => Err(e),
            },
            other => other,
        }
    }

    /// Renders a template to a string.
    pub fn render(&self, src: &str, data: &Json, host: Option<&dyn Host>) -> Result<String, Error> {
        crate::expr::jinja_arith::or_huge(
            src,
            data,
            || self.render_raw(src, data, host),
            overflowed,
        )
        .map_err(|e| self.in_words(e, src, data, host))
    }

    fn render_raw(&self, src: &str, data: &Json, host: Option<&dyn Host>) -> Result<String, Error> {
        crate::expr::jinja_undef::forget();
        let name = format!("\u{1}t{src}");
        let known = self
            .with_env(|env| env.get_template(&name).is_ok())
            .unwrap_or(false);
        if !known {
            sandbox_check(src)?;
            let prepared = crate::expr::jinja_ast::prepare(src)
                .map_err(|e| Error {
                    expression: src.to_string(),
                    ..e
                })?
                .into_owned();
            self.ensure(&name, || prepared).map_err(|e| jerr(src, e))?;
        }
        self.with_env(|env| env.get_template(&name)?.render(context(src, data, host)))
            .and_then(|r| r)
            .map_err(|e| jerr(src, e))
    }
}

/// Runs `f`, a call into minijinja, turning a panic of the template engine
/// (an internal `unreachable!()` on a template its parser let through) into
/// an error. Called inside the cache's lock guard, so a panic neither
/// poisons the lock nor ends the thread.
fn contained<T>(f: impl FnOnce() -> T) -> Result<T, minijinja::Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        minijinja::Error::new(
            MKind::InvalidOperation,
            "the template engine failed on this template",
        )
    })
}

const RESULT_VAR: &str = "__bora_result";

/// An integer overflow of minijinja (Python integers have no limit).
fn overflowed(e: &Error) -> bool {
    e.message.starts_with("unable to calculate") || e.message.contains("out of range")
}

/// Jinja2's select/map filters are lazy: a chain ending in `<filter> |
/// tojson` fails on the generator before any deferred error shows.
fn lazy_generator_error(whole: &str, inner: &str, e: Error) -> Error {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"\|\s*(select|reject|selectattr|rejectattr|map|unique)\s*(\([^|]*\))?\s*\|\s*tojson\s*(\([^|]*\))?\s*$",
        )
        .ok()
    });
    let lazy_kind = matches!(e.kind, ErrorKind::Undefined | ErrorKind::Runtime);
    if lazy_kind && re.as_ref().is_some_and(|r| r.is_match(inner)) {
        return Error {
            kind: ErrorKind::Type,
            lang: "Jinja",
            expression: whole.to_string(),
            message: "Object of type generator is not JSON serializable".into(),
        };
    }
    e
}

fn json_text(v: &MValue, out: &mut String) -> Result<(), minijinja::Error> {
    match v.kind() {
        ValueKind::Number => {
            let text = py_repr(v);
            if text.contains("inf") || text.contains("nan") {
                out.push_str(&to_json(v)?.to_string());
            } else {
                out.push_str(&text);
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (i, x) in v.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_text(&x, out)?;
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            for (i, k) in v.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let key = match k.as_str() {
                    Some(s) => s.to_string(),
                    None => py_str(&k),
                };
                out.push_str(&Json::String(key).to_string());
                out.push_str(": ");
                json_text(&v.get_item(&k)?, out)?;
            }
            out.push('}');
        }
        _ => out.push_str(&to_json(v)?.to_string()),
    }
    Ok(())
}
