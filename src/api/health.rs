//! `GET /health`: 200 when the engine answers within a second, 503 (with
//! Retry-After) when it does not or the server is shutting down; one small
//! message to the engine, no store access. `GET /metrics`: the engine's
//! counters and the API's engine queue as Prometheus text. `/health` needs
//! no token (it holds no data); `/metrics` does (any project's token).

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{ApiState, Caller};
use crate::engine::{GetStats, Stats};

/// How long `/health` waits for the engine.
const ENGINE_ANSWER: Duration = Duration::from_secs(1);

async fn engine_stats(state: &ApiState) -> Option<Stats> {
    match tokio::time::timeout(ENGINE_ANSWER, state.engine.send(GetStats)).await {
        Ok(Ok(stats)) => Some(stats),
        _ => None,
    }
}

/// `GET /health`
pub async fn health(state: web::Data<ApiState>) -> HttpResponse {
    let stopping = *state.shutdown.borrow();
    let engine = if stopping {
        None
    } else {
        engine_stats(&state).await
    };
    match engine {
        Some(_) => HttpResponse::Ok().json(json!({"status": "ok"})),
        None => HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, 1))
            .json(json!({
                "status": if stopping { "shutting down" } else { "engine not answering" }
            })),
    }
}

/// `GET /metrics`: instance-wide counters, for any authenticated caller.
pub async fn metrics(state: web::Data<ApiState>, _caller: Caller) -> HttpResponse {
    let Some(s) = engine_stats(&state).await else {
        return HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, 1))
            .body("engine not answering\n");
    };
    let mut out = String::new();
    let mut line = |name: &str, labels: &str, v: u64| {
        out.push_str(&format!("bora_{name}{labels} {v}\n"));
    };
    line(
        "confirm_refused_total",
        "{reason=\"not_running\"}",
        s.confirms_refused_not_running,
    );
    line(
        "confirm_refused_total",
        "{reason=\"not_idle\"}",
        s.confirms_refused_not_idle,
    );
    line(
        "confirm_refused_total",
        "{reason=\"stale_attempt\"}",
        s.confirms_refused_stale,
    );
    line("confirm_busy_total", "", s.confirms_busy);
    line("late_results_dropped_total", "", s.results_dropped);
    line(
        "tasks_recovered_total",
        "{how=\"redispatch\"}",
        s.tasks_recovered_redispatch,
    );
    line(
        "tasks_recovered_total",
        "{how=\"failed_unsafe\"}",
        s.tasks_recovered_failed_unsafe,
    );
    line("commits_total", "", s.commits);
    line("tasks_completed_total", "", s.tasks_completed);
    line("integrity_repairs_total", "", s.integrity_repairs);
    line("executions_expired_total", "", s.executions_expired);
    line("executions_in_memory", "", s.executions_in_memory);
    line("actions_in_flight", "", s.in_flight);
    line(
        "expression_evaluations_offloaded_total",
        "",
        s.evaluations_offloaded,
    );
    line("expression_evaluations_waiting", "", s.evaluations_waiting);
    for (name, v) in (state.gauges)() {
        line(name, "", v);
    }
    line(
        "engine_requests_waiting",
        "",
        state.engine_queue.depth() as u64,
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
