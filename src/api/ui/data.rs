//! The UI's own JSON endpoints, for what Mistral's REST API does not give in
//! one cheap call. Read-only: they read the store and parse text, and never
//! change anything.
//!
//! - `GET /ui/api/executions/{id}/graph`: the execution and the graph of the
//!   spec it runs.
//! - `GET /ui/api/executions/{id}/tasks`: every task as a compact row
//!   (10,000 tasks in one go). The UI asks for both at once.
//! - `POST /ui/api/parse`: a definition's workflows with their graphs and
//!   inputs, or every problem with its line and column.
//! - `GET /ui/api/dashboard`: executions by state and tasks finished per
//!   interval over the last minutes.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde_json::{Value, json};

use super::super::error::Error;
use super::super::executions;
use super::super::render::{self, ExecutionView};
use super::super::{ApiState, read};
use super::graph;
use crate::domain::{State, Timestamp};
use crate::lang;
use crate::store::{Filter, FilterOp, ListQuery, SortDir, TaskRecord};

/// Tasks read per store page.
const PAGE: usize = 5000;
/// Most executions counted per state on the dashboard.
const COUNT_CAP: usize = 1000;
/// Throughput window: buckets of this many seconds...
const BUCKET_SECS: i64 = 10;
/// ...this many of them.
const BUCKETS: i64 = 60;
/// Longest `state_info` a task row carries.
const INFO_CHARS: usize = 300;

fn millis(t: Option<&Timestamp>) -> Value {
    t.map_or(Value::Null, |t| t.and_utc().timestamp_millis().into())
}

fn short(s: Option<&String>) -> Value {
    match s {
        None => Value::Null,
        Some(s) if s.chars().count() > INFO_CHARS => {
            let mut t: String = s.chars().take(INFO_CHARS).collect();
            t.push('…');
            t.into()
        }
        Some(s) => s.clone().into(),
    }
}

/// How many times the task ran: 1 plus its retries.
fn attempts(t: &TaskRecord) -> u64 {
    1 + t
        .runtime_context
        .pointer("/retry_task_policy/retry_no")
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// A task as a row: `[id, name, state, type, created, started, finished,
/// attempts, state_info]` (times in epoch milliseconds).
fn row(t: &TaskRecord) -> Value {
    json!([
        t.id.to_string(),
        t.name,
        t.state.as_str(),
        t.kind,
        millis(Some(&t.created_at)),
        millis(t.started_at.as_ref()),
        millis(t.finished_at.as_ref()),
        attempts(t),
        short(t.state_info.as_ref()),
    ])
}

fn filter(field: &str, op: FilterOp, value: String) -> Filter {
    Filter {
        field: field.into(),
        op,
        values: vec![value],
    }
}

/// Every task of `query`'s filters, page by page.
fn all_tasks(
    store: &crate::store::Store,
    filters: Vec<Filter>,
) -> Result<Vec<TaskRecord>, crate::store::Error> {
    let mut out = Vec::new();
    let mut q = ListQuery {
        marker: None,
        limit: PAGE,
        sort: vec![("created_at".into(), SortDir::Asc)],
        filters,
    };
    loop {
        let page = store.list_tasks(&q)?;
        let n = page.len();
        q.marker = page.last().map(|t| t.id.to_string());
        out.extend(page);
        if n < PAGE {
            return Ok(out);
        }
    }
}

/// `GET /ui/api/executions/{id}/graph`
pub async fn execution_graph(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = executions::parse_id(&path)?;
    let exec = executions::fetch(&state, id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "execution": render::execution(&exec, ExecutionView::Get),
        "graph": graph::of(&exec.spec),
    })))
}

/// `GET /ui/api/executions/{id}/tasks`
pub async fn execution_tasks(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = executions::parse_id(&path)?;
    let tasks = read(&state, move |s| {
        all_tasks(
            s,
            vec![filter(
                "workflow_execution_id",
                FilterOp::Eq,
                id.to_string(),
            )],
        )
    })
    .await?;
    if tasks.is_empty() {
        executions::fetch(&state, id).await?;
    }
    let rows: Vec<Value> = tasks.iter().map(row).collect();
    Ok(HttpResponse::Ok().json(json!({ "tasks": rows })))
}

/// `POST /ui/api/parse` with a workflow definition as the body.
pub async fn parse(body: web::Bytes) -> HttpResponse {
    let text = String::from_utf8_lossy(&body);
    match lang::parse_workflows(&text) {
        Ok(specs) => {
            let workflows: Vec<Value> = specs
                .iter()
                .map(|s| {
                    json!({
                        "name": s.name,
                        "description": s.description,
                        "input": s.input.iter().map(|p| json!({
                            "name": p.name,
                            "required": p.default.is_none(),
                            "default": p.default,
                        })).collect::<Vec<_>>(),
                        "graph": serde_json::to_value(s).map(|v| graph::of(&v)).ok(),
                    })
                })
                .collect();
            HttpResponse::Ok().json(json!({ "workflows": workflows }))
        }
        Err(d) => HttpResponse::Ok().json(json!({ "diagnostics": d.0 })),
    }
}

/// The time-bucket index of `t` in a window ending at `now`, if inside it.
fn bucket(now_ms: i64, t_ms: i64) -> Option<usize> {
    let age = now_ms - t_ms;
    if age < 0 {
        return Some((BUCKETS - 1) as usize);
    }
    let back = age / (BUCKET_SECS * 1000);
    (back < BUCKETS).then(|| (BUCKETS - 1 - back) as usize)
}

/// `GET /ui/api/dashboard`
pub async fn dashboard(state: web::Data<ApiState>) -> Result<HttpResponse, Error> {
    let now = Utc::now().naive_utc();
    let since = now - chrono::Duration::seconds(BUCKET_SECS * BUCKETS);
    let (counts, finished) = read(&state, move |s| {
        let mut counts = serde_json::Map::new();
        for st in [
            State::Running,
            State::Paused,
            State::Idle,
            State::Error,
            State::Success,
            State::Cancelled,
        ] {
            let q = ListQuery {
                limit: COUNT_CAP + 1,
                filters: vec![filter("state", FilterOp::Eq, st.as_str().into())],
                ..ListQuery::default()
            };
            counts.insert(st.as_str().into(), s.list_executions(&q)?.len().into());
        }
        let tasks = all_tasks(
            s,
            vec![filter(
                "updated_at",
                FilterOp::Gte,
                render::timestamp(&since),
            )],
        )?;
        let finished: Vec<(i64, bool)> = tasks
            .iter()
            .filter(|t| t.state.is_terminal())
            .filter_map(|t| {
                t.finished_at
                    .or(t.updated_at)
                    .map(|f| (f.and_utc().timestamp_millis(), t.state == State::Error))
            })
            .collect();
        Ok((counts, finished))
    })
    .await?;
    let now_ms = now.and_utc().timestamp_millis();
    let mut done = vec![0u64; BUCKETS as usize];
    let mut failed = vec![0u64; BUCKETS as usize];
    for (t, err) in finished {
        if let Some(i) = bucket(now_ms, t) {
            done[i] += 1;
            if err {
                failed[i] += 1;
            }
        }
    }
    Ok(HttpResponse::Ok().json(json!({
        "now": now_ms,
        "counts": counts,
        "count_cap": COUNT_CAP,
        "bucket_secs": BUCKET_SECS,
        "tasks_finished": done,
        "tasks_failed": failed,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(age_ms: i64, expected: Option<usize>) {
        assert_eq!(bucket(1_000_000, 1_000_000 - age_ms), expected, "{age_ms}");
    }

    #[test]
    fn buckets() {
        check(0, Some(59));
        check(9_999, Some(59));
        check(10_000, Some(58));
        check(599_999, Some(0));
        check(600_000, None);
        check(-5, Some(59));
    }

    #[test]
    fn long_state_info_is_cut() {
        assert_eq!(short(None), Value::Null);
        assert_eq!(short(Some(&"x".to_string())), json!("x"));
        let long = "é".repeat(INFO_CHARS + 5);
        let cut = short(Some(&long));
        assert_eq!(
            cut.as_str().map(|s| s.chars().count()),
            Some(INFO_CHARS + 1)
        );
    }
}
