//! Settings: defaults < `bora.toml` (or `--config FILE`) < `BORA_*`
//! environment. Loaded once at start, validated, passed explicitly.

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
    /// Seconds running actions get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest page a list returns.
    pub max_page_size: usize,
    /// Expression budgets.
    pub expr_fuel: u64,
    pub expr_max_size: usize,
    pub expr_max_depth: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8989".into(),
            database: "sqlite://bora.db".into(),
            workers: 0,
            worker_capacity: 1024,
            shutdown_grace_secs: 10,
            max_body_bytes: 4 * 1024 * 1024,
            max_page_size: 1000,
            expr_fuel: 1_000_000,
            expr_max_size: 1_000_000,
            expr_max_depth: 200,
        }
    }
}
