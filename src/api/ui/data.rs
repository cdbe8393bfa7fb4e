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
use serde::Serialize;
use serde_json::{Value, json};

use super::super::error::Error;
use super::super::executions;
use super::super::render;
use super::super::{ApiState, Caller, read};
use super::graph;
use crate::domain::{State, Timestamp};
use crate::lang;
use crate::store::{Access, Filter, FilterOp, ListQuery, SortDir, TaskRecord};

/// Tasks read per store page.
const PAGE: usize = 5000;
/// Most executions counted per state on the dashboard.
const COUNT_CAP: usize = 1000;
/// Most finished tasks read for the throughput chart (the newest ones).
const THROUGHPUT_CAP: usize = 50_000;
/// Throughput window: buckets of this many seconds...
const BUCKET_SECS: i64 = 10;
/// ...this many of them.
const BUCKETS: i64 = 60;
/// Longest `state_info` a task row carries.
const INFO_CHARS: usize = 300;

fn millis(t: Option<&Timestamp>) -> Option<i64> {
    t.map(|t| t.and_utc().timestamp_millis())
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
/// attempts, state_info]` (times in epoch milliseconds). Serialized
/// straight from the record: 10,000 of them go out in one answer.
struct Row<'a>(&'a TaskRecord);

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let t = self.0;
        let mut r = s.serialize_tuple(9)?;
        r.serialize_element(&t.id.to_string())?;
        r.serialize_element(&t.name)?;
        r.serialize_element(t.state.as_str())?;
        r.serialize_element(t.kind.as_str())?;
        r.serialize_element(&millis(Some(&t.created_at)))?;
        r.serialize_element(&millis(t.started_at.as_ref()))?;
        r.serialize_element(&millis(t.finished_at.as_ref()))?;
        r.serialize_element(&attempts(t))?;
        r.serialize_element(&short(t.state_info.as_ref()))?;
        r.end()
    }
}

#[derive(Serialize)]
struct TaskRows<'a> {
    tasks: Vec<Row<'a>>,
}

#[derive(Serialize)]
struct ExecutionGraph {
    execution: serde_json::Map<String, Value>,
    graph: graph::Graph,
}

fn filter(field: &str, op: FilterOp, value: String) -> Filter {
    Filter {
        field: field.into(),
        op,
        values: vec![value],
    }
}

/// The tasks `access` sees matching `filters` in `sort` order, page by
/// page, at most `max`.
fn tasks_where(
    store: &crate::store::Store,
    access: &Access,
    filters: Vec<Filter>,
    sort: (&str, SortDir),
    max: usize,
) -> Result<Vec<TaskRecord>, crate::store::Error> {
    let mut out = Vec::new();
    let mut q = ListQuery {
        marker: None,
        limit: PAGE.min(max),
        sort: vec![(sort.0.into(), sort.1)],
        filters,
        access: access.clone(),
    };
    loop {
        let page = store.list_tasks(&q)?;
        let n = page.len();
        q.marker = page.last().map(|t| t.id.to_string());
        out.extend(page);
        if n < q.limit || out.len() >= max {
            out.truncate(max);
            return Ok(out);
        }
        q.limit = PAGE.min(max - out.len());
    }
}

/// `GET /ui/api/executions/{id}/graph`
pub async fn execution_graph(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id = executions::parse_id(&path)?;
    let (exec, spec) = executions::fetch_with_spec(&state, &caller, id).await?;
    Ok(HttpResponse::Ok().json(ExecutionGraph {
        execution: render::execution_get(&exec, &spec),
        graph: graph::of(&spec),
    }))
}

/// `GET /ui/api/executions/{id}/tasks`
pub async fn execution_tasks(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id = executions::parse_id(&path)?;
    let access = caller.access();
    let tasks = read(&state, move |s| {
        tasks_where(
            s,
            &access,
            vec![filter(
                "workflow_execution_id",
                FilterOp::Eq,
                id.to_string(),
            )],
            ("created_at", SortDir::Asc),
            usize::MAX,
        )
    })
    .await?;
    if tasks.is_empty() {
        executions::fetch(&state, &caller, id).await?;
    }
    Ok(HttpResponse::Ok().json(TaskRows {
        tasks: tasks.iter().map(Row).collect(),
    }))
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
pub async fn dashboard(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, Error> {
    let now = Utc::now().naive_utc();
    let since = now - chrono::Duration::seconds(BUCKET_SECS * BUCKETS);
    let access = caller.access();
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
                access: access.clone(),
                ..ListQuery::default()
            };
            counts.insert(st.as_str().into(), s.list_executions(&q)?.len().into());
        }
        let done = vec!["SUCCESS".into(), "ERROR".into(), "CANCELLED".into()];
        let tasks = tasks_where(
            s,
            &access,
            vec![
                filter("updated_at", FilterOp::Gte, render::timestamp(&since)),
                Filter {
                    field: "state".into(),
                    op: FilterOp::In,
                    values: done,
                },
            ],
            ("updated_at", SortDir::Desc),
            THROUGHPUT_CAP,
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
    fn rows_are_compact() {
        use crate::domain::{ExecutionId, TaskExecutionId, WorkflowId};
        let at = chrono::DateTime::from_timestamp_millis(1_000)
            .map(|d| d.naive_utc())
            .unwrap();
        let t = TaskRecord {
            id: TaskExecutionId::new(),
            name: "t1".into(),
            execution_id: ExecutionId::new(),
            workflow_name: "wf".into(),
            workflow_namespace: String::new(),
            workflow_id: WorkflowId::new(),
            kind: crate::domain::TaskKind::Action,
            tags: vec![],
            state: State::Error,
            state_info: Some("boom".into()),
            runtime_context: json!({"retry_task_policy": {"retry_no": 2}}),
            in_context: json!({}),
            published: json!({}),
            result: Value::Null,
            processed: true,
            error_handled: false,
            project_id: String::new(),
            created_at: at,
            updated_at: None,
            started_at: Some(at),
            finished_at: None,
        };
        let v = serde_json::to_value(Row(&t)).unwrap();
        assert_eq!(
            v,
            json!([
                t.id.to_string(),
                "t1",
                "ERROR",
                "ACTION",
                1000,
                1000,
                null,
                3,
                "boom"
            ])
        );
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
