//! `/metrics` through the Prometheus exporter of the `metrics` facade, with
//! HELP and TYPE lines: the engine's counters and gauges (read from the
//! engine at scrape time), executions and tasks by state, the engine's
//! timing histograms, HTTP requests by route, method and status with their
//! latency, and `bora_build_info`.
//!
//! Each server owns its own recorder ([`Metrics`]), never the process-wide
//! one: tests run many servers in one process, and each must count only its
//! own work. Handles are registered once and are atomics afterwards (the
//! engine's histograms are lock-free pushes); histogram samples are folded
//! into their buckets by [`Metrics::upkeep`], which `app` runs every few
//! seconds, and by every scrape.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use super::ApiState;
use crate::domain::State;
use crate::engine::{Stats, Timings};

/// Histogram buckets, in seconds: sub-millisecond commits up to actions of
/// minutes.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 300.0,
];

const META: Metadata<'static> = Metadata::new("bora", Level::INFO, Some(module_path!()));

/// Counters (`_total`, absolute values read from the engine at scrape
/// time) and their HELP text.
const COUNTERS: &[(&str, &str)] = &[
    (
        "bora_node_lease_renewals_total",
        "Lease renewals of this node (several engine nodes on one PostgreSQL).",
    ),
    (
        "bora_node_lease_losses_total",
        "Leases this node lost (taken over, or not renewed in time); it then stops.",
    ),
    (
        "bora_node_stale_epoch_writes_rejected_total",
        "Commits of this node refused because its epoch was stale or its lease ran out.",
    ),
    (
        "bora_node_takeovers_total",
        "Nodes whose lease ran out and whose executions this node took over.",
    ),
    (
        "bora_node_executions_taken_over_total",
        "Executions (and standalone action executions) this node took over.",
    ),
    (
        "bora_broker_reconnects_total",
        "Broker connections made again after a lost one.",
    ),
    (
        "bora_broker_published_total",
        "Messages published to the broker and confirmed by it.",
    ),
    (
        "bora_broker_publish_retries_total",
        "Broker publishes tried again (refused, or lost with a connection).",
    ),
    (
        "bora_broker_confirm_round_trips_total",
        "ConfirmExecution requests answered over the broker.",
    ),
    (
        "bora_broker_confirm_round_trip_microseconds_total",
        "Time the engine took to answer them, summed (divide by the round trips).",
    ),
    (
        "bora_broker_heartbeats_total",
        "Heartbeats received from remote workers.",
    ),
    (
        "bora_broker_workers_lost_total",
        "Remote workers taken for lost (heartbeats stopped for longer than the lease).",
    ),
    (
        "bora_broker_actions_lost_total",
        "Running actions of lost workers handed back as interrupted.",
    ),
    (
        "bora_broker_dispatches_untaken_total",
        "Tasks no remote worker asked to confirm within broker_dispatch_timeout_ms, sent again.",
    ),
    (
        "bora_broker_results_total",
        "Results received from remote workers.",
    ),
    (
        "bora_notifications_delivered_total",
        "Notification events delivered (a 200 or 201 answer).",
    ),
    (
        "bora_notifications_retries_total",
        "Notification deliveries tried again after a failure.",
    ),
    (
        "bora_notifications_failed_total",
        "Notification events given up.",
    ),
    (
        "bora_confirm_refused_total",
        "Action confirmations the engine refused, by reason.",
    ),
    (
        "bora_confirm_busy_total",
        "Confirmations answered busy (the worker asks again).",
    ),
    (
        "bora_late_results_dropped_total",
        "Action results dropped as late, duplicate or stale.",
    ),
    (
        "bora_tasks_recovered_total",
        "Interrupted actions found at start, by what was done with them.",
    ),
    (
        "bora_state_moves_refused_total",
        "State changes the transition table refused (a bug if ever not 0).",
    ),
    ("bora_commits_total", "Group commits of the engine."),
    ("bora_tasks_completed_total", "Task executions completed."),
    (
        "bora_integrity_repairs_total",
        "Executions the integrity checker had to move.",
    ),
    (
        "bora_executions_expired_total",
        "Finished top-level executions deleted by the retention policy.",
    ),
    (
        "bora_expression_evaluations_offloaded_total",
        "Expression evaluations moved off the engine thread.",
    ),
    (
        "bora_worker_restarts_total",
        "Workers replaced after they died.",
    ),
    (
        "bora_executions_finished_total",
        "Workflow executions finished since start, by end state.",
    ),
    (
        "bora_tasks_finished_total",
        "Task executions completed since start, by state.",
    ),
    (
        "bora_http_requests_total",
        "HTTP requests answered, by route pattern, method and status.",
    ),
];

const GAUGES: &[(&str, &str)] = &[
    (
        "bora_node_owned_executions",
        "Unfinished executions this node owns and runs (several engine nodes).",
    ),
    (
        "bora_node_epoch",
        "The epoch (fencing token) this node joined with.",
    ),
    (
        "bora_broker_connected",
        "1 while this node is connected to its broker.",
    ),
    (
        "bora_broker_remote_running",
        "Actions remote workers run now (confirmed, no result yet).",
    ),
    (
        "bora_notifications_pending",
        "Notification events in the outbox, not yet delivered.",
    ),
    (
        "bora_executions_in_memory",
        "Unfinished executions the engine holds.",
    ),
    (
        "bora_actions_in_flight",
        "Action executions dispatched or running, and sub-workflows running.",
    ),
    (
        "bora_expression_evaluations_waiting",
        "Evaluations in the evaluation pool now.",
    ),
    (
        "bora_dispatches_out",
        "Actions sent to the workers and not yet confirmed.",
    ),
    (
        "bora_dispatches_waiting",
        "Actions waiting in the engine for a place in the dispatch window.",
    ),
    ("bora_workers_alive", "Workers alive now."),
    ("bora_workers_busy", "Actions being handled by workers now."),
    (
        "bora_engine_requests_waiting",
        "API requests waiting for the engine now.",
    ),
    (
        "bora_executions",
        "Unfinished workflow executions now, by state.",
    ),
    ("bora_tasks", "Unfinished task executions now, by state."),
    (
        "bora_build_info",
        "Always 1; the labels name the running version.",
    ),
];

const HISTOGRAMS: &[(&str, &str)] = &[
    (
        "bora_action_queue_seconds",
        "Time from an action's dispatch to its confirmation by a worker.",
    ),
    (
        "bora_action_run_seconds",
        "Time from an action's confirmation to its result.",
    ),
    (
        "bora_commit_seconds",
        "Time of one group commit (building and committing the batch).",
    ),
    (
        "bora_http_request_seconds",
        "Time to answer an HTTP request, by route pattern.",
    ),
];

/// Unfinished states a gauge is reported for (0 included).
const EXECUTION_STATES: &[State] = &[State::Idle, State::Running, State::Paused];
const TASK_STATES: &[State] = &[
    State::Idle,
    State::Waiting,
    State::Running,
    State::RunningDelayed,
    State::Paused,
];

/// One server's metrics: its own Prometheus recorder and the handle that
/// renders it.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
    let labels: Vec<Label> = labels
        .iter()
        .map(|(k, v)| Label::new(*k, v.to_string()))
        .collect();
    Key::from_parts(name, labels)
}

impl Metrics {
    /// A recorder of its own, every series described, `bora_build_info` set.
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new();
        let builder = match builder.set_buckets(BUCKETS) {
            Ok(b) => b,
            Err(e) => {
                log::warn!("metrics: histogram buckets refused ({e}); summaries instead");
                PrometheusBuilder::new()
            }
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        for (name, help) in COUNTERS {
            recorder.describe_counter(KeyName::from(*name), None, (*help).into());
        }
        for (name, help) in GAUGES {
            recorder.describe_gauge(KeyName::from(*name), None, (*help).into());
        }
        for (name, help) in HISTOGRAMS {
            recorder.describe_histogram(KeyName::from(*name), Some(Unit::Seconds), (*help).into());
        }
        let m = Self { recorder, handle };
        m.gauge("bora_build_info", &[("version", env!("CARGO_PKG_VERSION"))])
            .set(1.0);
        m
    }

    fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Counter {
        self.recorder.register_counter(&key(name, labels), &META)
    }

    fn gauge(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Gauge {
        self.recorder.register_gauge(&key(name, labels), &META)
    }

    fn histogram(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Histogram {
        self.recorder.register_histogram(&key(name, labels), &META)
    }

    /// The engine's histogram handles.
    pub fn engine_timings(&self) -> Timings {
        Timings {
            queue_delay: self.histogram("bora_action_queue_seconds", &[]),
            action_run: self.histogram("bora_action_run_seconds", &[]),
            commit: self.histogram("bora_commit_seconds", &[]),
        }
    }

    /// Folds recorded histogram samples into their buckets (bounded memory
    /// between scrapes).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// Counts one HTTP request.
    fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        self.counter(
            "bora_http_requests_total",
            &[("route", route), ("method", method), ("status", &status)],
        )
        .increment(1);
        self.histogram("bora_http_request_seconds", &[("route", route)])
            .record(seconds);
    }

    /// The Prometheus text, with the engine's `stats` and the named
    /// `gauges` of the parts the API does not see.
    pub fn render(&self, s: &Stats, gauges: &[(&'static str, u64)], waiting: u64) -> String {
        let c = |name, labels: &[(&'static str, &str)], v: u64| {
            self.counter(name, labels).absolute(v);
        };
        c(
            "bora_confirm_refused_total",
            &[("reason", "not_running")],
            s.confirms_refused_not_running,
        );
        c(
            "bora_confirm_refused_total",
            &[("reason", "not_idle")],
            s.confirms_refused_not_idle,
        );
        c(
            "bora_confirm_refused_total",
            &[("reason", "stale_attempt")],
            s.confirms_refused_stale,
        );
        c("bora_confirm_busy_total", &[], s.confirms_busy);
        c("bora_late_results_dropped_total", &[], s.results_dropped);
        c(
            "bora_tasks_recovered_total",
            &[("how", "redispatch")],
            s.tasks_recovered_redispatch,
        );
        c(
            "bora_tasks_recovered_total",
            &[("how", "failed_unsafe")],
            s.tasks_recovered_failed_unsafe,
        );
        c("bora_state_moves_refused_total", &[], s.state_moves_refused);
        c("bora_commits_total", &[], s.commits);
        c("bora_tasks_completed_total", &[], s.tasks_completed);
        c("bora_integrity_repairs_total", &[], s.integrity_repairs);
        c("bora_executions_expired_total", &[], s.executions_expired);
        c(
            "bora_expression_evaluations_offloaded_total",
            &[],
            s.evaluations_offloaded,
        );
        for (name, ended) in [
            ("bora_executions_finished_total", s.executions_finished),
            ("bora_tasks_finished_total", s.tasks_finished),
        ] {
            c(name, &[("state", "SUCCESS")], ended.success);
            c(name, &[("state", "ERROR")], ended.error);
            c(name, &[("state", "CANCELLED")], ended.cancelled);
        }
        let g = |name, labels: &[(&'static str, &str)], v: u64| {
            self.gauge(name, labels).set(v as f64);
        };
        g("bora_executions_in_memory", &[], s.executions_in_memory);
        g("bora_actions_in_flight", &[], s.in_flight);
        g("bora_dispatches_out", &[], s.dispatches_out);
        g("bora_dispatches_waiting", &[], s.dispatches_waiting);
        g(
            "bora_expression_evaluations_waiting",
            &[],
            s.evaluations_waiting,
        );
        for (name, states, counts) in [
            ("bora_executions", EXECUTION_STATES, &s.executions_by_state),
            ("bora_tasks", TASK_STATES, &s.tasks_by_state),
        ] {
            for state in states {
                let n = counts
                    .iter()
                    .find(|(k, _)| k == state)
                    .map_or(0, |(_, n)| *n);
                g(name, &[("state", &state.to_string())], n);
            }
        }
        for (name, v) in gauges {
            match *name {
                "worker_restarts_total" => c("bora_worker_restarts_total", &[], *v),
                "workers_alive" => g("bora_workers_alive", &[], *v),
                "workers_busy" => g("bora_workers_busy", &[], *v),
                "notifications_pending" => g("bora_notifications_pending", &[], *v),
                "notifications_delivered_total" => {
                    c("bora_notifications_delivered_total", &[], *v);
                }
                "notifications_retries_total" => c("bora_notifications_retries_total", &[], *v),
                "notifications_failed_total" => c("bora_notifications_failed_total", &[], *v),
                // The broker transport's and the node's counters, under
                // their own names.
                other if other.starts_with("broker_") || other.starts_with("node_") => {
                    if let Some((full, _)) = COUNTERS
                        .iter()
                        .chain(GAUGES)
                        .find(|(n, _)| n.strip_prefix("bora_") == Some(other))
                    {
                        if other.ends_with("_total") {
                            c(full, &[], *v);
                        } else {
                            g(full, &[], *v);
                        }
                    }
                }
                other => log::debug!("metrics: unknown gauge {other}"),
            }
        }
        g("bora_engine_requests_waiting", &[], waiting);
        self.handle.render()
    }
}

/// The method as a label: the standard ones by name, anything else `other`
/// (a client cannot grow the series without bound).
fn method_label(m: &actix_web::http::Method) -> &'static str {
    const KNOWN: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    KNOWN
        .iter()
        .find(|k| **k == m.as_str())
        .copied()
        .unwrap_or("other")
}

/// A route pattern as the route table names it (`{id}`, not the
/// pattern that also takes an empty id).
fn plain(pattern: &str) -> String {
    pattern.replace(super::ID_OR_EMPTY, "{id}")
}

/// Middleware: counts every request by route pattern (`/v2/executions/{id}`,
/// `unmatched` for a path no route has), method and status, with its time.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let state = req.app_data::<web::Data<ApiState>>().cloned();
    let res = next.call(req).await;
    if let Some(state) = state {
        let seconds = started.elapsed().as_secs_f64();
        let (route, status) = match &res {
            Ok(r) => (r.request().match_pattern(), r.response().status().as_u16()),
            Err(e) => (None, e.as_response_error().status_code().as_u16()),
        };
        let route = match route {
            // Each resource answers at `path` and `path/`: one series.
            Some(p) if p.len() > 1 && p.ends_with('/') => plain(p.trim_end_matches('/')),
            Some(p) => plain(&p),
            None => "unmatched".into(),
        };
        state.metrics.request(&route, method, status, seconds);
    }
    res
}
