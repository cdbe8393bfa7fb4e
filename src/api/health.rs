//! `GET /health`: 200 when the engine answers within a second, 503 (with
//! Retry-After) when it does not or the server is shutting down; one small
//! message to the engine, no store access; `HEAD /health` the same without
//! a body. `GET /metrics`: the Prometheus text of `metrics.rs`. `/health`
//! needs no token (it holds no data); `/metrics` does (any project's token).

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
    let out = state
        .metrics
        .render(&s, &(state.gauges)(), state.engine_queue.depth() as u64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
