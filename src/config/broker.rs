//! The broker settings of a node or a worker process (remote workers over
//! RabbitMQ), and a node's settings when several engine nodes share one
//! PostgreSQL: built from the flat `broker_*` and `node_*` keys, checked
//! at start.

use super::{Config, Error};

impl Config {
    /// The broker settings, when `broker_url` names one.
    pub fn broker(&self) -> Option<crate::broker::Settings> {
        if self.broker_url.is_empty() {
            return None;
        }
        let ms = std::time::Duration::from_millis;
        Some(crate::broker::Settings {
            url: self.broker_url.clone(),
            prefix: self.broker_prefix.clone(),
            targets: self
                .worker_targets
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            heartbeat: ms(self.broker_heartbeat_ms),
            lease: ms(self.broker_lease_ms),
            confirm_timeout: ms(self.broker_confirm_timeout_ms),
            prefetch: self.broker_prefetch,
            dispatch_timeout: (self.broker_dispatch_timeout_ms > 0)
                .then(|| ms(self.broker_dispatch_timeout_ms)),
            // A node process's own queues are named once its epoch is known.
            node: None,
        })
    }

    /// The URL of this node's API as the other nodes reach it:
    /// `node_api_url`, else `public_url`, else `http://<bind>`.
    pub fn node_api_url(&self) -> String {
        let url = if !self.node_api_url.is_empty() {
            self.node_api_url.clone()
        } else if !self.public_url.is_empty() {
            self.public_url.clone()
        } else {
            format!("http://{}", self.bind)
        };
        url.trim_end_matches('/').to_string()
    }

    /// Checks the node settings against the database (call once the
    /// command line's `--database` is applied: `bora serve` does).
    pub fn check_node(&self) -> Result<(), Error> {
        if self.node_id.is_empty() {
            return Ok(());
        }
        if !(self.database.starts_with("postgres://") || self.database.starts_with("postgresql://"))
        {
            return Err(Error::Invalid(format!(
                "node_id '{}' makes this one of several engine nodes, which share a PostgreSQL \
                 database; database '{}' is not postgres:// (SQLite serves a single node: \
                 leave node_id empty)",
                self.node_id, self.database
            )));
        }
        let name_ok = self.node_id.len() <= 64
            && self
                .node_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok {
            return Err(Error::Invalid(format!(
                "node_id '{}' must be at most 64 letters, digits, '-', '_' or '.'",
                self.node_id
            )));
        }
        if self.node_lease_ms < 300 {
            return Err(Error::Invalid(format!(
                "node_lease_ms ({}) must be at least 300",
                self.node_lease_ms
            )));
        }
        let http = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if !(self.node_api_url.is_empty() || http(&self.node_api_url)) {
            return Err(Error::Invalid(format!(
                "node_api_url '{}' is not an http:// or https:// URL",
                self.node_api_url
            )));
        }
        Ok(())
    }

    pub(super) fn check_broker(&self) -> Result<(), Error> {
        if !self.local_workers && self.broker_url.is_empty() {
            return Err(Error::Invalid(
                "local_workers = false (--no-local-workers) needs broker_url (--broker): \
                 nothing would run the actions"
                    .into(),
            ));
        }
        if self.broker_url.is_empty() {
            return Ok(());
        }
        if !self.broker_url.starts_with("amqp://") {
            return Err(Error::Invalid(format!(
                "broker_url '{}' is not an amqp:// URL (amqps:// is not supported)",
                crate::broker::redact(&self.broker_url)
            )));
        }
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !name_ok(&self.broker_prefix) {
            return Err(Error::Invalid(format!(
                "broker_prefix '{}' must be letters, digits, '-', '_' or '.'",
                self.broker_prefix
            )));
        }
        if let Some(bad) = self
            .worker_targets
            .split(',')
            .map(str::trim)
            .find(|t| !t.is_empty() && !name_ok(t))
        {
            return Err(Error::Invalid(format!(
                "worker target '{bad}' must be letters, digits, '-', '_' or '.'"
            )));
        }
        if self.broker_heartbeat_ms == 0
            || self.broker_confirm_timeout_ms == 0
            || self.broker_prefetch == 0
        {
            return Err(Error::Invalid(
                "broker_heartbeat_ms, broker_confirm_timeout_ms and broker_prefetch must be at least 1"
                    .into(),
            ));
        }
        if self.broker_lease_ms < 3 * self.broker_heartbeat_ms {
            return Err(Error::Invalid(format!(
                "broker_lease_ms ({}) must be at least three heartbeats (3 × broker_heartbeat_ms = {})",
                self.broker_lease_ms,
                3 * self.broker_heartbeat_ms
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(change: impl FnOnce(&mut Config), expected: Result<(), &str>) {
        let mut c = Config::default();
        change(&mut c);
        let got = c.check_broker().map_err(|e| e.to_string());
        match expected {
            Ok(()) => assert!(got.is_ok(), "{got:?}"),
            Err(part) => assert!(
                got.as_ref().is_err_and(|e| e.contains(part)),
                "{got:?} should name {part}"
            ),
        }
    }

    const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

    #[test]
    fn node_settings_are_checked() {
        let node = |change: fn(&mut Config)| {
            let mut c = Config {
                database: "postgres://u@h/db".into(),
                node_id: "n1".into(),
                ..Config::default()
            };
            change(&mut c);
            c.check_node().map_err(|e| e.to_string())
        };
        assert!(node(|_| {}).is_ok());
        assert!(node(|c| c.node_id = String::new()).is_ok());
        let sqlite = node(|c| c.database = "sqlite://bora.db".into());
        assert!(sqlite.is_err_and(|e| e.contains("PostgreSQL") && e.contains("SQLite")));
        assert!(node(|c| c.node_id = "a b".into()).is_err_and(|e| e.contains("node_id")));
        assert!(node(|c| c.node_lease_ms = 10).is_err_and(|e| e.contains("node_lease_ms")));
        assert!(node(|c| c.node_api_url = "n1:8989".into()).is_err_and(|e| e.contains("http")));
        // Several nodes with remote workers: each node answers on its own queues.
        assert!(node(|c| c.broker_url = URL.into()).is_ok());
    }

    #[test]
    fn broker_settings_are_checked() {
        check(|_| {}, Ok(()));
        check(|c| c.broker_url = URL.into(), Ok(()));
        check(|c| c.local_workers = false, Err("needs broker_url"));
        check(
            |c| c.broker_url = "amqps://h/".into(),
            Err("not an amqp:// URL"),
        );
        check(
            |c| {
                c.broker_url = URL.into();
                c.broker_prefix = "a b".into();
            },
            Err("broker_prefix"),
        );
        check(
            |c| {
                c.broker_url = URL.into();
                c.worker_targets = "gpu, x/y".into();
            },
            Err("worker target 'x/y'"),
        );
        check(
            |c| {
                c.broker_url = URL.into();
                c.broker_lease_ms = 2_000;
            },
            Err("three heartbeats"),
        );
    }

    #[test]
    fn settings_split_the_targets() {
        let mut c = Config {
            broker_url: URL.into(),
            worker_targets: " gpu, ,tpu".into(),
            ..Config::default()
        };
        c.broker_prefix = "p".into();
        let s = c.broker().unwrap();
        assert_eq!(s.targets, vec!["gpu".to_string(), "tpu".to_string()]);
        assert_eq!(s.task_queue(Some("gpu")), "p.tasks.gpu");
        assert!(Config::default().broker().is_none());
    }
}
