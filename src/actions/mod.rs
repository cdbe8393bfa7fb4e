//! The standard actions (`std.noop`, `std.echo`, `std.fail`, `std.sleep`,
//! `std.async_noop`, `std.http`, `std.mistral_http`, `std.email`,
//! `std.test_dict`, and `std.javascript`/`std.js`, which fail as on
//! Mistral) and
//! the registry that turns an action name plus input into a runnable
//! action. Pure of the store and the engine: an action sees only its input
//! and the ids of its run ([`ActionContext`]).

mod async_noop;
mod echo;
pub mod egress;
mod email;
mod fail;
pub mod http;
mod javascript;
mod noop;
mod sleep;
#[cfg(feature = "test-actions")]
mod test_actions;
mod test_dict;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::domain::pytext;
use futures::future::BoxFuture;
use serde_json::{Map, Value};

/// A ready-to-run action: its input is already checked.
pub trait Action: Send {
    /// Runs the action. `Ok` is the result; `Err` is the error data that the
    /// task's `on-error` guards and `publish-on-error` see.
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>>;

    /// False for an asynchronous action: its result arrives later through
    /// the API (`PUT /v2/action_executions/{id}`), not from `run`.
    fn is_sync(&self) -> bool {
        true
    }

    /// Hands the action the ids of its run before it runs (Mistral's
    /// execution context); most actions ignore them.
    fn set_context(&mut self, _ctx: &ActionContext) {}
}

/// The ids of one run of an action.
#[derive(Clone, Debug, Default)]
pub struct ActionContext {
    pub action_execution_id: String,
    pub task_execution_id: Option<String>,
    pub workflow_execution_id: Option<String>,
    pub workflow_name: Option<String>,
}

/// One declared parameter of an action.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: &'static str,
    /// `None` for a required parameter; otherwise the default as JSON text.
    pub default: Option<&'static str>,
}

/// Builds an action from its checked input.
pub type Build = Arc<dyn Fn(&Map<String, Value>) -> Result<Box<dyn Action>, String> + Send + Sync>;

/// A registered action: name, parameters, builder.
#[derive(Clone)]
pub struct ActionDef {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    pub build: Build,
}

impl ActionDef {
    /// An action definition from its parts.
    pub fn new(
        name: &'static str,
        description: &'static str,
        params: &'static [Param],
        build: impl Fn(&Map<String, Value>) -> Result<Box<dyn Action>, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            name,
            description,
            params,
            build: Arc::new(build),
        }
    }

    /// Mistral's human input string: `output, delay=0`.
    pub fn input_string(&self) -> String {
        self.params
            .iter()
            .map(|p| match p.default {
                Some(d) => format!("{}={d}", p.name),
                None => p.name.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks `input` against the parameters: missing and unexpected keys,
    /// in Mistral's words (`Invalid input [name=std.echo,
    /// class=mistral.actions.std_actions.EchoAction, missing=['output']]`).
    pub fn check_input(&self, input: &Value) -> Result<(), String> {
        let empty = Map::new();
        let given = match input {
            Value::Object(m) => m,
            Value::Null => &empty,
            other => {
                return Err(format!(
                    "Invalid input for action {}: a dict is expected, got {other}",
                    self.name
                ));
            }
        };
        let missing: Vec<&str> = self
            .params
            .iter()
            .filter(|p| p.default.is_none() && !given.contains_key(p.name))
            .map(|p| p.name)
            .collect();
        let unexpected: Vec<&str> = given
            .keys()
            .map(String::as_str)
            .filter(|k| !self.params.iter().any(|p| p.name == *k))
            .collect();
        if missing.is_empty() && unexpected.is_empty() {
            return Ok(());
        }
        let mut msg = format!(
            "Invalid input [name={}, class={}",
            self.name,
            mistral_class(self.name)
        );
        if !missing.is_empty() {
            msg += &format!(", missing={}", pytext::names_repr(&missing));
        }
        if !unexpected.is_empty() {
            msg += &format!(", unexpected={}", pytext::names_repr(&unexpected));
        }
        msg.push(']');
        Err(msg)
    }

    /// Checks `input` against the parameters (missing and unexpected keys,
    /// as Mistral reports them), fills defaults and builds the action.
    pub fn instantiate(&self, input: &Value) -> Result<Box<dyn Action>, String> {
        self.check_input(input)?;
        let empty = Map::new();
        let given = input.as_object().unwrap_or(&empty);
        let mut full = given.clone();
        for p in self.params {
            if let (Some(d), false) = (p.default, full.contains_key(p.name)) {
                full.insert(
                    p.name.to_string(),
                    serde_json::from_str(d).unwrap_or(Value::Null),
                );
            }
        }
        (self.build)(&full)
    }
}

/// The actions a worker can run, by name.
#[derive(Clone)]
pub struct Registry {
    defs: BTreeMap<&'static str, ActionDef>,
}

impl Registry {
    /// The standard actions, the HTTP ones with the default settings.
    pub fn standard() -> Self {
        Self::standard_with(http::HttpSettings::default())
    }

    /// The standard actions, the HTTP ones with `settings`.
    pub fn standard_with(settings: http::HttpSettings) -> Self {
        let mut r = Self {
            defs: BTreeMap::new(),
        };
        let settings = Arc::new(settings);
        for def in [
            noop::def(),
            async_noop::def(),
            echo::def(),
            fail::def(),
            sleep::def(),
            http::def(settings.clone()),
            email::def(settings.clone()),
            http::mistral_def(settings),
            test_dict::def(),
        ] {
            r.register(def);
        }
        javascript::defs().into_iter().for_each(|d| r.register(d));
        #[cfg(feature = "test-actions")]
        test_actions::defs().into_iter().for_each(|d| r.register(d));
        r
    }

    /// Adds (or replaces) an action.
    pub fn register(&mut self, def: ActionDef) {
        self.defs.insert(def.name, def);
    }

    /// The action of that name.
    pub fn get(&self, name: &str) -> Option<&ActionDef> {
        self.defs.get(name)
    }

    /// Every action, by name.
    pub fn all(&self) -> impl Iterator<Item = &ActionDef> {
        self.defs.values()
    }

    /// Whether the named action exists and takes `input`, without building it.
    pub fn check(&self, name: &str, input: &Value) -> Result<(), String> {
        match self.get(name) {
            Some(def) => def.check_input(input),
            None => Err(format!("Failed to find action [action_name={name}]")),
        }
    }

    /// Builds the named action from its input, or says why not.
    pub fn instantiate(&self, name: &str, input: &Value) -> Result<Box<dyn Action>, String> {
        match self.get(name) {
            Some(def) => def.instantiate(input),
            None => Err(format!("Failed to find action [action_name={name}]")),
        }
    }

    /// Shared, read-only.
    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }
}

/// The Python class Mistral names for an action in its messages.
fn mistral_class(name: &str) -> String {
    let class = match name {
        "std.async_noop" => "AsyncNoOpAction",
        "std.echo" => "EchoAction",
        "std.email" => "SendEmailAction",
        "std.fail" => "FailAction",
        "std.http" => "HTTPAction",
        "std.mistral_http" => "MistralHTTPAction",
        "std.noop" => "NoOpAction",
        "std.sleep" => "SleepAction",
        "std.test_dict" => "TestDictAction",
        "std.javascript" | "std.js" => "JavaScriptAction",
        other => return other.to_string(),
    };
    format!("mistral.actions.std_actions.{class}")
}

/// What Python makes of a parameter that Mistral's action constructor
/// converts with `float()` or `int()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum PyNumber {
    /// The converted value.
    Value(f64),
    /// A `ValueError` (a string that is no number): the action takes 0.
    Invalid,
    /// A `TypeError` or `OverflowError` (null, a list, a dict, an infinite
    /// `int()`): the constructor raises and the action cannot be built.
    Unbuildable,
}

/// Python's digits of a number in a string: surrounding white space
/// dropped, one `_` allowed between two digits.
fn py_digits(s: &str) -> Option<String> {
    let t = s.trim();
    let b = t.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'_' {
            let digit = |j: Option<&u8>| j.is_some_and(u8::is_ascii_digit);
            if !(i > 0 && digit(b.get(i - 1)) && digit(b.get(i + 1))) {
                return None;
            }
        }
    }
    Some(t.replace('_', ""))
}

/// Python's `float(v)`.
pub(crate) fn py_float(v: &Value) -> PyNumber {
    match v {
        Value::Number(n) => n.as_f64().map_or(PyNumber::Unbuildable, PyNumber::Value),
        Value::Bool(b) => PyNumber::Value(f64::from(u8::from(*b))),
        Value::String(s) => py_digits(s)
            .and_then(|d| d.parse::<f64>().ok())
            .map_or(PyNumber::Invalid, PyNumber::Value),
        _ => PyNumber::Unbuildable,
    }
}

/// Python's `int(v)`: a float is truncated, a string must hold an integer.
pub(crate) fn py_int(v: &Value) -> PyNumber {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.is_nan() => PyNumber::Invalid,
            Some(f) if f.is_infinite() => PyNumber::Unbuildable,
            Some(f) => PyNumber::Value(f.trunc()),
            None => PyNumber::Unbuildable,
        },
        Value::String(s) => py_digits(s)
            .filter(|d| {
                let body = d.strip_prefix(['+', '-']).unwrap_or(d);
                !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit())
            })
            .and_then(|d| d.parse::<f64>().ok())
            .map_or(PyNumber::Invalid, PyNumber::Value),
        other => py_float(other),
    }
}

/// A delay as Mistral's std.echo and std.sleep keep it: a value that is
/// no number is 0, a negative one is 0.
fn delay(n: PyNumber) -> Result<f64, ()> {
    match n {
        PyNumber::Value(f) if f < 0.0 => Ok(0.0),
        PyNumber::Value(f) => Ok(f),
        PyNumber::Invalid => Ok(0.0),
        PyNumber::Unbuildable => Err(()),
    }
}

/// Python's `time.sleep(s)` of a kept delay: its errors in Python's words.
async fn py_sleep(s: f64) -> Result<(), String> {
    if s.is_nan() {
        return Err("Invalid value NaN (not a number)".into());
    }
    // Python keeps a deadline in int64 nanoseconds.
    if s > 9.2e9 {
        return Err("timestamp out of range for platform time_t".into());
    }
    if s > 0.0 {
        tokio::time::sleep(std::time::Duration::from_secs_f64(s)).await;
    }
    Ok(())
}

/// Mistral's message for an action whose constructor raised: the task
/// fails when it schedules the action, before any action execution.
pub fn unbuildable(name: &str) -> String {
    format!(
        "Failed to instantiate an action [action_desc=Python action [name={name}, cls=<class '{}'>]]",
        mistral_class(name)
    )
}

/// Mistral's text of an exception an action raised while it ran. Mistral
/// prints the action object's default `repr`, whose address bora makes up
/// from the action execution's id.
pub fn raised(action: &str, action_ex_id: &str, msg: &str) -> String {
    let hex: String = action_ex_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(10)
        .collect();
    format!(
        "The action raised an exception [action=<{} object at 0x7f{hex:0>10}>, action_ex_id={action_ex_id}, msg='{msg}']",
        mistral_class(action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &str, input: Value) -> Result<Value, Value> {
        let action = Registry::standard()
            .instantiate(name, &input)
            .map_err(Value::String)?;
        futures::executor::block_on(action.run())
    }

    #[test]
    fn noop_returns_null() {
        assert_eq!(run("std.noop", json!({})), Ok(Value::Null));
    }

    #[test]
    fn echo_returns_output() {
        assert_eq!(
            run("std.echo", json!({"output": {"a": [1]}})),
            Ok(json!({"a": [1]}))
        );
    }

    #[test]
    fn fail_without_data_raises() {
        let err = run("std.fail", json!({})).unwrap_err();
        let text = err.as_str().unwrap_or_default();
        assert!(
            text.starts_with("The action raised an exception [action=Fail action, action_ex_id=")
                && text.ends_with(", msg='Fail action expected exception.']"),
            "{text}"
        );
    }

    #[test]
    fn fail_with_data_returns_it_as_error() {
        assert_eq!(
            run("std.fail", json!({"error_data": {"code": 7}})),
            Err(json!({"code": 7}))
        );
    }

    #[test]
    fn missing_and_unexpected_params_are_named() {
        let err = run("std.echo", json!({"bogus": 1})).unwrap_err();
        assert_eq!(
            err,
            json!(
                "Invalid input [name=std.echo, class=mistral.actions.std_actions.EchoAction, missing=['output'], unexpected=['bogus']]"
            )
        );
    }

    #[test]
    fn unknown_action_is_named() {
        assert_eq!(
            run("std.nope", json!({})).unwrap_err(),
            json!("Failed to find action [action_name=std.nope]")
        );
    }

    #[test]
    fn input_strings_match_mistral() {
        let r = Registry::standard();
        assert_eq!(r.get("std.echo").unwrap().input_string(), "output, delay=0");
        assert_eq!(r.get("std.sleep").unwrap().input_string(), "seconds=1");
        assert_eq!(r.get("std.fail").unwrap().input_string(), "error_data=null");
        assert_eq!(r.get("std.noop").unwrap().input_string(), "");
        let http = "url, method=\"GET\", params=null, body=null, json=null, headers=null, \
                    cookies=null, auth=null, timeout=null, allow_redirects=null, proxies=null, \
                    verify=null";
        assert_eq!(r.get("std.http").unwrap().input_string(), http);
        assert_eq!(r.get("std.mistral_http").unwrap().input_string(), http);
        assert_eq!(
            r.get("std.test_dict").unwrap().input_string(),
            "size=0, key_prefix=\"\", val=\"\""
        );
    }

    #[test]
    fn email_checks_its_input() {
        let r = Registry::standard();
        assert_eq!(
            r.get("std.email").unwrap().input_string(),
            "from_addr, to_addrs, smtp_server, reply_to=null, cc_addrs=null, bcc_addrs=null, \
             smtp_password=null, subject=null, body=null, html_body=null"
        );
        let ok = json!({"from_addr": "a@b.c", "to_addrs": ["d@e.f"], "smtp_server": "mail:2525"});
        assert!(r.instantiate("std.email", &ok).is_ok());
        // Mistral's constructor checks nothing: a bad address fails the run.
        let bad = json!({"from_addr": "not an address", "to_addrs": ["d@e.f"], "smtp_server": "m"});
        let err = run("std.email", bad).unwrap_err();
        let text = err.as_str().unwrap_or_default();
        assert!(
            text.starts_with("The action raised an exception [action=<mistral.actions.std_actions.SendEmailAction object at 0x")
                && text.contains("from_addr"),
            "{text}"
        );
        let one = json!({"from_addr": "a@b.c", "to_addrs": "d@e.f", "smtp_server": "m"});
        let err = run("std.email", one).unwrap_err();
        assert!(
            err.as_str()
                .unwrap_or_default()
                .ends_with("msg='can only concatenate list (not \"str\") to list']"),
            "{err}"
        );
    }

    #[test]
    fn test_dict_builds_the_dict() {
        assert_eq!(
            run(
                "std.test_dict",
                json!({"size": 2, "key_prefix": "k", "val": "v"})
            ),
            Ok(json!({"k0": "v", "k1": "v"}))
        );
        assert_eq!(run("std.test_dict", json!({"size": -1})), Ok(json!({})));
        assert_eq!(
            run("std.test_dict", json!({"size": true, "key_prefix": null})),
            Ok(json!({"None0": ""}))
        );
        let err = run("std.test_dict", json!({"size": "2"})).unwrap_err();
        assert!(
            err.as_str()
                .unwrap_or_default()
                .ends_with("msg=''str' object cannot be interpreted as an integer']"),
            "{err}"
        );
    }

    #[test]
    fn http_is_unbuildable_where_mistral_constructor_raises() {
        let r = Registry::standard();
        let unbuildable = Some(
            "Failed to instantiate an action [action_desc=Python action [name=std.http, \
             cls=<class 'mistral.actions.std_actions.HTTPAction'>]]",
        );
        let both = r.instantiate(
            "std.http",
            &json!({"url": "http://x/", "body": "a", "json": [1]}),
        );
        assert_eq!(both.err().as_deref(), unbuildable);
        let auth = r.instantiate("std.http", &json!({"url": "http://x/", "auth": 5}));
        assert_eq!(auth.err().as_deref(), unbuildable);
        // Falsy values do not count; the rest is read when it runs.
        for input in [
            json!({"url": "http://x/", "body": "", "json": [1]}),
            json!({"url": "http://x/", "auth": "nocolon"}),
            json!({"url": 5}),
        ] {
            assert!(r.instantiate("std.http", &input).is_ok(), "{input}");
        }
        let a = r
            .instantiate("std.mistral_http", &json!({"url": "http://x/"}))
            .ok()
            .unwrap();
        assert!(!a.is_sync());
    }

    #[test]
    fn http_auth_fails_as_on_mistral() {
        for (auth, t) in [("u:p", "list"), ("token", "str")] {
            let err = run(
                "std.http",
                json!({"url": "http://192.0.2.1:9/", "auth": auth}),
            );
            let text = err.unwrap_err();
            assert!(
                text.as_str().unwrap_or_default().ends_with(&format!(
                    "msg='Failed to send HTTP request: '{t}' object is not callable']"
                )),
                "{text}"
            );
        }
    }

    #[test]
    fn http_refuses_denied_targets_without_connecting() {
        for (url, why) in [
            (
                "http://169.254.169.254/",
                "URL host '169.254.169.254' resolves to a blocked address (169.254.169.254).",
            ),
            (
                "http://[::ffff:127.0.0.1]:9/",
                "URL host '::ffff:127.0.0.1' resolves to a blocked address (::ffff:127.0.0.1).",
            ),
            (
                "file:///etc/passwd",
                "URL scheme 'file' is not allowed (only http and https are).",
            ),
        ] {
            let err = run("std.http", json!({"url": url})).unwrap_err();
            let text = err.as_str().unwrap_or_default();
            assert!(
                text.starts_with(
                    "The action raised an exception [action=<mistral.actions.std_actions.HTTPAction object at 0x7f"
                ) && text.ends_with(&format!("msg='{why}']")),
                "{url}: {text}"
            );
        }
    }

    #[test]
    fn delays_convert_as_python_does() {
        let unbuildable = |name: &str, input: Value| {
            assert_eq!(
                Registry::standard().instantiate(name, &input).err(),
                Some(unbuildable(name)),
                "{input}"
            );
        };
        for bad in [json!(null), json!([1]), json!({"a": 1})] {
            unbuildable("std.echo", json!({"output": 1, "delay": bad.clone()}));
            unbuildable("std.sleep", json!({"seconds": bad}));
        }
        for (input, expected) in [
            (json!(-1), PyNumber::Value(-1.0)),
            (json!(true), PyNumber::Value(1.0)),
            (json!(" 1_0.5 "), PyNumber::Value(10.5)),
            (json!("x"), PyNumber::Invalid),
            (json!("1__0"), PyNumber::Invalid),
        ] {
            assert_eq!(py_float(&input), expected, "{input}");
        }
        for (input, expected) in [
            (json!(1.9), PyNumber::Value(1.0)),
            (json!(" +7 "), PyNumber::Value(7.0)),
            (json!("0.5"), PyNumber::Invalid),
            (json!(false), PyNumber::Value(0.0)),
        ] {
            assert_eq!(py_int(&input), expected, "{input}");
        }
        assert_eq!(run("std.sleep", json!({"seconds": -1})), Ok(Value::Null));
        assert_eq!(
            run("std.echo", json!({"output": 2, "delay": "x"})),
            Ok(json!(2))
        );
        let nan = run("std.echo", json!({"output": 2, "delay": "nan"})).unwrap_err();
        assert!(
            nan.as_str()
                .unwrap_or_default()
                .ends_with("msg='Invalid value NaN (not a number)']"),
            "{nan}"
        );
    }
}
