//! Settings: defaults < `bora.toml` (or `--config FILE`) < `BORA_*`
//! environment. Loaded once at start, validated, passed explicitly.

mod broker;
mod words;

pub use words::nearest;

use serde::{Deserialize, Serialize};

/// Everything configurable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the HTTP API and UI.
    pub bind: String,
    /// `sqlite://PATH`, a file path, or `postgres://...`.
    pub database: String,
    /// Worker actors in the pool; 0 means one per CPU.
    pub workers: usize,
    /// Concurrent actions one worker runs (async actions share its thread).
    pub worker_capacity: usize,
    /// Dispatches out with the workers at once, not yet started; the rest
    /// wait in the engine, as ids, until a place frees up.
    pub dispatch_window: usize,
    /// Seconds running actions get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest page a list returns.
    pub max_page_size: usize,
    /// Executions running at once; past it, new ones get 503 with Retry-After.
    pub max_running_executions: usize,
    /// API requests waiting for the engine at once; past it, 429 with
    /// Retry-After (backpressure instead of an unbounded queue).
    pub max_engine_requests: usize,
    /// Largest action result kept, in bytes of JSON; larger fails the task.
    pub max_result_bytes: usize,
    /// Most items one with-items task may iterate over.
    pub max_with_items: usize,
    /// Most tasks one workflow definition may have; larger uploads get 400.
    pub max_tasks_per_workflow: usize,
    /// Deepest nesting of sub-workflows (a top-level execution is depth 0);
    /// a task that would start one deeper fails.
    pub max_subworkflow_depth: usize,
    /// Milliseconds a client gets to send a request's head (line and
    /// headers) after connecting; slower connections are closed (408).
    pub client_request_timeout_ms: u64,
    /// Milliseconds a client gets to send a request's body after its head;
    /// a slower body is answered 408.
    pub client_body_timeout_ms: u64,
    /// Seconds an idle keep-alive connection stays open.
    pub keep_alive_secs: u64,
    /// Expression budgets.
    pub expr_fuel: u64,
    pub expr_max_size: usize,
    pub expr_max_depth: usize,
    /// Threads that evaluate expressions too heavy for the engine thread
    /// (0: everything on the engine thread).
    pub expr_threads: usize,
    /// Fuel an expression may spend on the engine thread before it moves
    /// to an evaluation thread (where `expr_fuel` holds).
    pub expr_inline_fuel: u64,
    /// Comma-separated CIDR ranges `std.http` may not connect to (SSRF
    /// egress policy; Mistral's loopback and link-local, plus unspecified).
    pub http_denied_cidrs: String,
    /// Comma-separated host names (or addresses, as written in URLs) exempt
    /// from `http_denied_cidrs`.
    pub http_allowed_hosts: String,
    /// Timeout of a `std.http` request that sets none; 0 means none.
    pub http_default_timeout_secs: u64,
    /// Largest `std.http` response body read (streamed); 0 means no cap.
    pub http_max_response_size_bytes: usize,
    /// bora's base URL as others reach it (`Mistral-Callback-URL` of
    /// `std.mistral_http`); empty means `http://<bind>`.
    pub public_url: String,
    /// Whether `DELETE /v2/action_executions/{id}` may delete finished
    /// standalone action executions (Mistral's
    /// `[api] allow_action_execution_deletion`).
    pub allow_action_execution_deletion: bool,
    /// Require a token on every request but the version documents and the
    /// UI's static files (off: one user, project `<default-project>`).
    pub auth: bool,
    /// The static tokens, when `auth` is on.
    pub tokens: Vec<TokenConfig>,
    /// With `auth` off, serve anyway on an address other hosts can reach.
    /// Off by default: anyone who can connect would own every workflow.
    pub allow_unauthenticated_remote: bool,
    /// How often the engine looks for due cron triggers (Mistral's
    /// `[cron_trigger] execution_interval`).
    pub cron_scan_interval_ms: u64,
    /// With a trigger's `catch_up: all`: most missed times it fires for
    /// after a downtime (the rest are skipped).
    pub cron_catch_up_max: u32,
    /// With a trigger's `catch_up: skip`: how late a firing may be and
    /// still run.
    pub cron_catch_up_grace_secs: u64,
    /// How often the retention policy deletes old finished executions
    /// (Mistral's `[execution_expiration_policy] evaluation_interval`, in
    /// seconds here); 0 turns it off.
    pub expiration_interval_secs: u64,
    /// Delete finished top-level executions last updated longer ago than
    /// this (Mistral's `older_than`, in seconds here); 0: no age rule.
    pub expiration_older_than_secs: u64,
    /// Keep at most this many finished top-level executions, the most
    /// recently updated (Mistral's `max_finished_executions`); 0: no limit.
    pub expiration_max_finished_executions: usize,
    /// Executions deleted per commit (Mistral's `batch_size`).
    pub expiration_batch_size: usize,
    /// Comma-separated terminal states whose executions are kept
    /// (Mistral's `ignored_states`), e.g. `ERROR`.
    pub expiration_ignored_states: String,
    /// Notification webhooks: the wait before the first retry of a failed
    /// delivery; each further retry waits twice as long.
    pub notify_retry_initial_ms: u64,
    /// Notification webhooks: the longest wait between retries.
    pub notify_retry_max_ms: u64,
    /// Notification webhooks: an event not delivered this many seconds
    /// after it happened is given up (logged and counted); 0 means never.
    pub notify_give_up_after_secs: u64,
    /// Notification webhooks: timeout of one POST (Mistral's is 10 s).
    pub notify_timeout_secs: u64,
    /// Log line format on stderr: `text` (env_logger's) or `json` (one
    /// object a line: `ts`, `level`, `target`, `msg`). `RUST_LOG` filters
    /// either.
    pub log_format: String,
    /// RabbitMQ URL (`amqp://user:pw@host:5672/%2f`) for remote workers.
    pub broker_url: String,
    /// Prefix of the broker's queue names (`<prefix>.tasks`, ...).
    pub broker_prefix: String,
    /// Whether a node with a broker also runs workers of its own.
    pub local_workers: bool,
    /// `bora worker`: comma-separated worker groups (task `target`s) it serves.
    pub worker_targets: String,
    /// How often a remote worker lists the actions it runs.
    pub broker_heartbeat_ms: u64,
    /// Heartbeat silence after which a remote worker's actions are interrupted.
    pub broker_lease_ms: u64,
    /// How long a remote worker waits for a confirmation's answer.
    pub broker_confirm_timeout_ms: u64,
    /// Tasks a worker process takes from the broker at once.
    pub broker_prefetch: u16,
    /// How long a task sent to the broker may wait for a worker to ask for
    /// its confirmation before it is sent again under a new attempt (a
    /// message the broker lost); 0: never.
    pub broker_dispatch_timeout_ms: u64,
    /// This node's id when several engine nodes share one PostgreSQL
    /// database (letters, digits, `-`, `_`, `.`); empty: a single node.
    pub node_id: String,
    /// A node's lease on its executions, renewed every third of it; a
    /// node silent for longer has its executions taken over.
    pub node_lease_ms: u64,
    /// The URL of this node's API as the other nodes reach it (they
    /// forward changes to the executions it owns there); empty means
    /// `public_url`, else `http://<bind>`.
    pub node_api_url: String,
    /// The configuration file these settings were read from, if any (set
    /// by [`Config::load`]; not a setting).
    #[serde(skip)]
    pub file: Option<String>,
}

/// One static bearer token (`[[tokens]]` in `bora.toml`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// SHA-256 of the token, 64 hex digits: `bora token-hash <token>`.
    pub sha256: String,
    /// The project the token acts as: it owns what the token creates and
    /// sees only that (and public definitions).
    pub project_id: String,
    /// May list every project (`all_projects`, `project_id` filters) and
    /// make definitions public.
    #[serde(default)]
    pub admin: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8989".into(),
            database: "sqlite://bora.db".into(),
            workers: 0,
            worker_capacity: 1024,
            dispatch_window: crate::engine::Limits::default().dispatch_window,
            shutdown_grace_secs: 10,
            max_body_bytes: 4 * 1024 * 1024,
            max_page_size: 1000,
            max_running_executions: 100_000,
            max_engine_requests: 1024,
            max_result_bytes: 1024 * 1024,
            max_with_items: 100_000,
            max_tasks_per_workflow: 20_000,
            max_subworkflow_depth: 32,
            client_request_timeout_ms: 5_000,
            client_body_timeout_ms: 30_000,
            keep_alive_secs: 5,
            expr_fuel: 1_000_000,
            expr_max_size: 1_000_000,
            expr_max_depth: 200,
            expr_threads: 1,
            expr_inline_fuel: 20_000,
            auth: false,
            tokens: Vec::new(),
            allow_unauthenticated_remote: false,
            http_denied_cidrs: crate::actions::egress::DEFAULT_DENIED_CIDRS.into(),
            http_allowed_hosts: String::new(),
            http_default_timeout_secs: 60,
            http_max_response_size_bytes: 5 * 1024 * 1024,
            public_url: String::new(),
            allow_action_execution_deletion: false,
            cron_scan_interval_ms: 1_000,
            expiration_interval_secs: 0,
            expiration_older_than_secs: 0,
            expiration_max_finished_executions: 0,
            expiration_batch_size: 100,
            expiration_ignored_states: String::new(),
            notify_retry_initial_ms: 1_000,
            notify_retry_max_ms: 60_000,
            notify_give_up_after_secs: 86_400,
            notify_timeout_secs: 10,
            cron_catch_up_max: 100,
            cron_catch_up_grace_secs: 60,
            log_format: "text".into(),
            broker_url: String::new(),
            broker_prefix: "bora".into(),
            local_workers: true,
            worker_targets: String::new(),
            broker_heartbeat_ms: 1_000,
            broker_lease_ms: 10_000,
            broker_confirm_timeout_ms: 5_000,
            broker_prefetch: 256,
            broker_dispatch_timeout_ms: 3_600_000,
            node_id: String::new(),
            node_lease_ms: 10_000,
            node_api_url: String::new(),
            file: None,
        }
    }
}

/// SHA-256 of `token` in lowercase hex: what `tokens[].sha256` holds
/// (`bora token-hash`).
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 64 hex digits → 32 bytes.
pub fn parse_hex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl TokenConfig {
    /// The hash as bytes (`None` when not 64 hex digits; `validate` refuses
    /// such a configuration).
    pub fn hash(&self) -> Option<[u8; 32]> {
        parse_hex(&self.sha256)
    }
}

/// A configuration that cannot be loaded or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read configuration")]
    Load(#[from] config::ConfigError),
    /// A key no setting has, with the nearest one when it is close.
    #[error("unknown setting `{key}` in {file}{}", hint(.suggestion))]
    UnknownKey {
        key: String,
        file: String,
        suggestion: Option<String>,
    },
    #[error("configuration file '{0}' does not exist")]
    Missing(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// `; did you mean `x`?` when there is a suggestion.
fn hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// The environment variable that names the configuration file.
pub const CONFIG_FILE_VAR: &str = "BORA_CONFIG";

/// `BORA_*` variables that are not settings but are known: the
/// configuration file, the command line's server, token and client file,
/// the benchmark's scale, and the test suites' `BORA_TEST_*`, `BORA_CASES_*`
/// and `BORA_CRON_SIM_*`.
fn known_variable(name: &str) -> bool {
    const KNOWN: &[&str] = &[
        CONFIG_FILE_VAR,
        "BORA_URL",
        "BORA_TOKEN",
        "BORA_CLIENT_CONFIG",
        "BORA_BENCH_SCALE",
        "BORA_LOCK_PROBE_URL",
    ];
    KNOWN.contains(&name)
        || ["BORA_TEST_", "BORA_CASES_", "BORA_CRON_SIM_"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// The keys a configuration file may hold, in their declared order.
pub fn keys() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(m)) => m.into_iter().map(|(k, _)| k).collect(),
        _ => Vec::new(),
    }
}

/// The settings with their environment variables and defaults, for
/// `bora serve --help`.
pub fn environment_help() -> String {
    let defaults = match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let mut out = String::from(
        "Settings: a key of the configuration file (bora.toml, or --config FILE / \
         BORA_CONFIG), or its environment variable, which wins over the file. \
         Command-line flags win over both. A BORA_* variable that names no setting \
         is reported and ignored.\n\n",
    );
    for (key, value) in &defaults {
        if key == "tokens" {
            out.push_str(
                "  tokens                           ([[tokens]] tables, in the file only)\n",
            );
            continue;
        }
        out.push_str(&format!(
            "  {key:<32} {:<38} default {value}\n",
            variable(key)
        ));
    }
    out
}

/// The environment variable of setting `key` (`bind` → `BORA_BIND`).
pub fn variable(key: &str) -> String {
    format!("BORA_{}", key.to_ascii_uppercase())
}

impl Config {
    /// Loads defaults < `file` (or `bora.toml` when present) < `BORA_*`
    /// environment variables (`BORA_BIND`, `BORA_DATABASE`, `BORA_WORKERS`, ...).
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, Error> {
        let mut b =
            config::Config::builder().add_source(config::Config::try_from(&Config::default())?);
        match file {
            Some(path) if !path.exists() => return Err(Error::Missing(path.display().to_string())),
            Some(path) => {
                b = b.add_source(config::File::from(path).format(config::FileFormat::Toml))
            }
            None => {
                b = b.add_source(
                    config::File::with_name("bora.toml")
                        .format(config::FileFormat::Toml)
                        .required(false),
                )
            }
        }
        b = b.add_source(
            config::Environment::with_prefix("BORA")
                .prefix_separator("_")
                .try_parsing(true)
                .source(Some(Self::environment()?)),
        );
        let built = b.build()?;
        Self::check_keys(&built, file)?;
        let mut cfg: Config = built.try_deserialize()?;
        cfg.file = match file {
            Some(path) => Some(path.display().to_string()),
            None => std::path::Path::new("bora.toml")
                .is_file()
                .then(|| "bora.toml".to_string()),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Refuses a top-level key no setting has, naming the nearest one (the
    /// defaults and the environment only hold known keys, so an unknown
    /// one comes from the file).
    fn check_keys(built: &config::Config, file: Option<&std::path::Path>) -> Result<(), Error> {
        let known = keys();
        let table = config::Source::collect(built)?;
        let mut found: Vec<&String> = table.keys().filter(|k| !known.contains(k)).collect();
        found.sort();
        let Some(key) = found.first() else {
            return Ok(());
        };
        Err(Error::UnknownKey {
            key: (*key).clone(),
            file: file.map_or_else(|| "bora.toml".into(), |p| p.display().to_string()),
            suggestion: nearest(key, known.iter().map(String::as_str)).map(str::to_string),
        })
    }

    /// Warnings for `BORA_*` environment variables that name no setting
    /// (they are ignored), each with the nearest setting's variable.
    pub fn unknown_environment() -> Vec<String> {
        let vars: Vec<String> = keys().iter().map(|k| variable(k)).collect();
        let mut out: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("BORA_") && !known_variable(k))
            .filter(|k| !vars.iter().any(|v| v.eq_ignore_ascii_case(k)))
            .map(|k| {
                let near = nearest(&k.to_ascii_uppercase(), vars.iter().map(String::as_str));
                match near {
                    Some(v) => format!("{k} is not a setting and is ignored; did you mean {v}?"),
                    None => format!("{k} is not a setting and is ignored"),
                }
            })
            .collect();
        out.sort();
        out
    }

    /// The `BORA_<KEY>` variables that name a setting. Other `BORA_*`
    /// variables (the test suites' `BORA_TEST_*`, say) are not settings.
    fn environment() -> Result<config::Map<String, String>, Error> {
        let keys = keys();
        Ok(std::env::vars()
            .filter(|(k, _)| {
                k.strip_prefix("BORA_")
                    .is_some_and(|rest| keys.iter().any(|key| key.eq_ignore_ascii_case(rest)))
            })
            .collect())
    }

    /// Checks the values make sense together.
    pub fn validate(&self) -> Result<(), Error> {
        if self.bind.parse::<std::net::SocketAddr>().is_err() && !self.bind.contains(':') {
            return Err(Error::Invalid(format!(
                "bind '{}' is not ADDR:PORT",
                self.bind
            )));
        }
        if self.worker_capacity == 0 {
            return Err(Error::Invalid("worker_capacity must be at least 1".into()));
        }
        if self.dispatch_window == 0 {
            return Err(Error::Invalid("dispatch_window must be at least 1".into()));
        }
        self.check_broker()?;
        if self.max_engine_requests == 0 {
            return Err(Error::Invalid(
                "max_engine_requests must be at least 1".into(),
            ));
        }
        if self.max_tasks_per_workflow == 0 {
            return Err(Error::Invalid(
                "max_tasks_per_workflow must be at least 1".into(),
            ));
        }
        if self.client_request_timeout_ms == 0 {
            return Err(Error::Invalid(
                "client_request_timeout_ms must be at least 1".into(),
            ));
        }
        if self.notify_retry_initial_ms == 0 || self.notify_timeout_secs == 0 {
            return Err(Error::Invalid(
                "notify_retry_initial_ms and notify_timeout_secs must be at least 1".into(),
            ));
        }
        if self.cron_scan_interval_ms == 0 {
            return Err(Error::Invalid(
                "cron_scan_interval_ms must be at least 1".into(),
            ));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(Error::Invalid(format!(
                "log_format '{}' is not text or json",
                self.log_format
            )));
        }
        if self.max_page_size == 0 {
            return Err(Error::Invalid("max_page_size must be at least 1".into()));
        }
        if self.expiration_batch_size == 0 {
            return Err(Error::Invalid(
                "expiration_batch_size must be at least 1".into(),
            ));
        }
        self.ignored_states()?;
        crate::actions::egress::Egress::new(&self.http_denied_cidrs, &self.http_allowed_hosts)
            .map_err(Error::Invalid)?;
        for (i, t) in self.tokens.iter().enumerate() {
            if parse_hex(&t.sha256).is_none() {
                return Err(Error::Invalid(format!(
                    "tokens[{i}].sha256 must be 64 hex digits (bora token-hash <token>)"
                )));
            }
            if t.project_id.trim().is_empty() {
                return Err(Error::Invalid(format!(
                    "tokens[{i}].project_id must not be empty"
                )));
            }
        }
        if self.auth && self.tokens.is_empty() {
            return Err(Error::Invalid(
                "auth = true needs at least one [[tokens]] entry".into(),
            ));
        }
        Ok(())
    }

    /// Refuses to serve without authentication on `addr` unless it is a
    /// loopback address or `allow_unauthenticated_remote` says so.
    pub fn check_exposure(&self, addr: &std::net::SocketAddr) -> Result<(), Error> {
        if self.auth || self.allow_unauthenticated_remote || addr.ip().is_loopback() {
            return Ok(());
        }
        Err(Error::Invalid(format!(
            "refusing to serve on {addr} without authentication: set auth = true with \
             [[tokens]], bind to 127.0.0.1, or set allow_unauthenticated_remote = true"
        )))
    }

    /// What `std.http` and `std.mistral_http` take from the settings.
    pub fn http_settings(&self) -> crate::actions::http::HttpSettings {
        let egress =
            crate::actions::egress::Egress::new(&self.http_denied_cidrs, &self.http_allowed_hosts)
                .unwrap_or_default();
        let public_url = if self.public_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.public_url.clone()
        };
        crate::actions::http::HttpSettings {
            egress,
            default_timeout: (self.http_default_timeout_secs > 0)
                .then(|| std::time::Duration::from_secs(self.http_default_timeout_secs)),
            max_response_bytes: self.http_max_response_size_bytes,
            public_url,
        }
    }

    /// The worker count in force: `workers`, or the CPU count when 0.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map_or(2, usize::from)
        }
    }

    /// The engine's limits.
    pub fn engine_limits(&self) -> crate::engine::Limits {
        crate::engine::Limits {
            max_running_executions: self.max_running_executions,
            max_result_bytes: self.max_result_bytes,
            max_with_items: self.max_with_items,
            allow_action_execution_deletion: self.allow_action_execution_deletion,
            max_tasks_per_workflow: self.max_tasks_per_workflow,
            max_subworkflow_depth: self.max_subworkflow_depth,
            dispatch_window: self.dispatch_window,
        }
    }

    /// The notification delivery's settings; webhooks go through the
    /// egress policy of `std.http`.
    pub fn notify(&self) -> crate::notify::Settings {
        use std::time::Duration;
        crate::notify::Settings {
            egress: self.http_settings().egress,
            retry_initial: Duration::from_millis(self.notify_retry_initial_ms),
            retry_max: Duration::from_millis(
                self.notify_retry_max_ms.max(self.notify_retry_initial_ms),
            ),
            give_up_after: (self.notify_give_up_after_secs > 0)
                .then(|| Duration::from_secs(self.notify_give_up_after_secs)),
            timeout: Duration::from_secs(self.notify_timeout_secs),
        }
    }

    /// The cron scheduler's settings.
    pub fn cron(&self) -> crate::engine::CronConfig {
        crate::engine::CronConfig {
            scan_interval: std::time::Duration::from_millis(self.cron_scan_interval_ms),
            catch_up_max: self.cron_catch_up_max,
            catch_up_grace: std::time::Duration::from_secs(self.cron_catch_up_grace_secs),
        }
    }

    /// The retention policy (Mistral's execution expiration policy).
    pub fn retention(&self) -> crate::engine::RetentionConfig {
        let some = |n: u64| (n > 0).then(|| std::time::Duration::from_secs(n));
        crate::engine::RetentionConfig {
            interval: some(self.expiration_interval_secs),
            older_than: some(self.expiration_older_than_secs),
            max_finished: (self.expiration_max_finished_executions > 0)
                .then_some(self.expiration_max_finished_executions),
            batch_size: self.expiration_batch_size.max(1),
            ignored_states: self.ignored_states().unwrap_or_default(),
        }
    }

    /// `expiration_ignored_states`, each a terminal state, or Mistral's
    /// refusal.
    fn ignored_states(&self) -> Result<Vec<crate::domain::State>, Error> {
        use crate::domain::State;
        let terminal = [State::Success, State::Error, State::Cancelled];
        self.expiration_ignored_states
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<State>()
                    .ok()
                    .filter(|st| terminal.contains(st))
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "expiration_ignored_states: {s} is not a terminal state. \
                             The valid states are [SUCCESS, ERROR, CANCELLED]"
                        ))
                    })
            })
            .collect()
    }

    /// How heavy expressions leave the engine thread.
    pub fn offload(&self) -> crate::engine::OffloadConfig {
        crate::engine::OffloadConfig {
            threads: self.expr_threads,
            inline_fuel: self.expr_inline_fuel,
            ..Default::default()
        }
    }

    /// The expression budgets.
    pub fn expr_limits(&self) -> crate::expr::Limits {
        crate::expr::Limits {
            fuel: self.expr_fuel,
            max_size: self.expr_max_size,
            max_depth: self.expr_max_depth,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        std::fs::write(&path, "workers = 3\nbind = \"127.0.0.1:9999\"\n").unwrap();
        let cfg = Config::load(Some(&path)).unwrap();
        assert_eq!(cfg.workers, 3);
        assert_eq!(cfg.bind, "127.0.0.1:9999");
        assert_eq!(cfg.database, "sqlite://bora.db");
    }

    #[test]
    fn environment_names_only_settings() {
        let env = Config::environment().unwrap();
        assert!(env.keys().all(|k| !k.starts_with("BORA_TEST")));
        assert!(Config::load(None).is_ok());
    }

    #[test]
    fn missing_file_is_an_error() {
        let err = Config::load(Some(std::path::Path::new("/nonexistent/bora.toml"))).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn tokens_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        let hash = token_hash("t");
        std::fs::write(
            &path,
            format!(
                "auth = true\n[[tokens]]\nsha256 = \"{hash}\"\nproject_id = \"a\"\n\
                 [[tokens]]\nsha256 = \"{hash}\"\nproject_id = \"ops\"\nadmin = true\n"
            ),
        )
        .unwrap();
        let cfg = Config::load(Some(&path)).unwrap();
        assert!(cfg.auth);
        assert_eq!(cfg.tokens.len(), 2);
        assert!(!cfg.tokens[0].admin && cfg.tokens[1].admin);
        std::fs::write(&path, "auth = true\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("[[tokens]]"), "{err}");
        std::fs::write(&path, "[[tokens]]\nsha256 = \"abc\"\nproject_id = \"a\"\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("64 hex digits"), "{err}");
    }

    #[test]
    fn exposure_without_auth_is_refused() {
        let check = |cfg: &Config, addr: &str| cfg.check_exposure(&addr.parse().unwrap()).is_ok();
        let mut cfg = Config::default();
        assert!(check(&cfg, "127.0.0.1:8989"));
        assert!(check(&cfg, "[::1]:8989"));
        assert!(!check(&cfg, "0.0.0.0:8989"));
        assert!(!check(&cfg, "10.1.2.3:8989"));
        cfg.allow_unauthenticated_remote = true;
        assert!(check(&cfg, "0.0.0.0:8989"));
        cfg.allow_unauthenticated_remote = false;
        cfg.auth = true;
        assert!(check(&cfg, "0.0.0.0:8989"));
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(parse_hex(&token_hash("abc")).map(|h| h[0]), Some(0xba));
        assert_eq!(parse_hex("xyz"), None);
        assert_eq!(parse_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn http_settings_follow_the_keys() {
        let cfg = Config {
            bind: "0.0.0.0:1234".into(),
            http_default_timeout_secs: 0,
            ..Config::default()
        };
        let s = cfg.http_settings();
        assert_eq!(s.public_url, "http://0.0.0.0:1234");
        assert_eq!(s.default_timeout, None);
        let bad = Config {
            http_denied_cidrs: "10.0.0.0/40".into(),
            ..Config::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn unknown_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        std::fs::write(&path, "wrokers = 3\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(err.starts_with("unknown setting `wrokers` in "), "{err}");
        assert!(err.ends_with("; did you mean `workers`?"), "{err}");
        std::fs::write(&path, "zzzzzz = 3\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
    }

    fn check_nearest(word: &str, expected: Option<&str>) {
        let known = keys();
        assert_eq!(
            nearest(word, known.iter().map(String::as_str)),
            expected,
            "{word}"
        );
    }

    #[test]
    fn nearest_setting() {
        check_nearest("wrokers", Some("workers"));
        check_nearest("worker", Some("workers"));
        check_nearest("shutdown_grace", None);
        check_nearest("shutdown_grace_sec", Some("shutdown_grace_secs"));
        check_nearest("databse", Some("database"));
        check_nearest("auht", Some("auth"));
        check_nearest("colour", None);
        assert_eq!(super::words::edit_distance("", "abc"), 3);
        assert_eq!(super::words::edit_distance("ab", "ba"), 1);
    }
}
