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
        other => return other.to_string(),
    };
    format!("mistral.actions.std_actions.{class}")
}

/// A number parameter (int or float) as seconds.
fn seconds(input: &Map<String, Value>, key: &str) -> Result<f64, String> {
    match input.get(key) {
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| format!("'{key}' must be a non-negative number")),
        Some(Value::String(s)) => s
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| format!("'{key}' must be a non-negative number, got '{s}'")),
        Some(Value::Null) | None => Ok(0.0),
        Some(other) => Err(format!("'{key}' must be a number, got {other}")),
    }
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
        let bad = json!({"from_addr": "not an address", "to_addrs": ["d@e.f"], "smtp_server": "m"});
        assert!(
            r.instantiate("std.email", &bad)
                .err()
                .unwrap()
                .contains("from_addr")
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
        assert!(run("std.test_dict", json!({"size": -1})).is_err());
    }

    #[test]
    fn http_checks_its_input() {
        let r = Registry::standard();
        let both = r.instantiate(
            "std.http",
            &json!({"url": "http://x/", "body": "a", "json": {}}),
        );
        assert_eq!(
            both.err().as_deref(),
            Some("Only one of the parameters 'json' and 'body' can be passed")
        );
        assert!(
            r.instantiate("std.http", &json!({"url": "http://x/", "auth": "nocolon"}))
                .is_err()
        );
        assert!(r.instantiate("std.http", &json!({"url": 5})).is_err());
        let a = r
            .instantiate("std.mistral_http", &json!({"url": "http://x/"}))
            .ok()
            .unwrap();
        assert!(!a.is_sync());
    }

    #[test]
    fn http_refuses_denied_targets_without_connecting() {
        for url in [
            "http://169.254.169.254/",
            "http://[::ffff:127.0.0.1]:9/",
            "file:///etc/passwd",
        ] {
            let err = run("std.http", json!({"url": url})).unwrap_err();
            let text = err.as_str().unwrap_or_default();
            assert!(text.contains("[egress policy]"), "{url}: {text}");
        }
    }

    #[test]
    fn sleep_rejects_negative_seconds() {
        assert!(run("std.sleep", json!({"seconds": -1})).is_err());
    }
}
