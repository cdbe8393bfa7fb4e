//! `GET /v2/executions/{id}/report`: Mistral's ExecutionReport, the tree of
//! an execution's tasks, their action executions and sub-workflows, with
//! task statistics and a run-time estimate (`execution_report.py`). Read-only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::error::Error;
use super::query::{self, Pairs};
use super::render::timestamp;
use super::sub_executions::all;
use super::{ApiState, Caller, read};
use crate::domain::{ExecutionId, State, Timestamp};
use crate::store::{self, Access, ExecutionRecord, Filter, FilterOp, ListQuery, Store, TaskRecord};

/// Successful runs of the same workflow the estimate averages over.
const ESTIMATE_SAMPLE: usize = 20;

/// Task counts by state (`ExecutionReportStatistics`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    total: u64,
    running: u64,
    success: u64,
    error: u64,
    idle: u64,
    paused: u64,
    estimated_time: i64,
}

impl Stats {
    /// Counts a task; states other than these five are not counted at all.
    fn count(&mut self, state: State) {
        let slot = match state {
            State::Running => &mut self.running,
            State::Success => &mut self.success,
            State::Error => &mut self.error,
            State::Idle => &mut self.idle,
            State::Paused => &mut self.paused,
            _ => return,
        };
        *slot += 1;
        self.total += 1;
    }

    fn to_json(&self) -> Value {
        serde_json::json!({
            "total_tasks_count": self.total,
            "running_tasks_count": self.running,
            "success_tasks_count": self.success,
            "error_tasks_count": self.error,
            "idle_tasks_count": self.idle,
            "paused_tasks_count": self.paused,
            "estimated_time": self.estimated_time,
        })
    }
}

/// `id, name, created_at, updated_at, state, state_info` of any entry.
fn entry(
    id: String,
    name: &str,
    created: &Timestamp,
    updated: Option<&Timestamp>,
    state: State,
    info: Option<&String>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), id.into());
    m.insert("name".into(), name.into());
    m.insert("created_at".into(), timestamp(created).into());
    m.insert(
        "updated_at".into(),
        updated.map_or(Value::Null, |t| timestamp(t).into()),
    );
    m.insert("state".into(), state.as_str().into());
    m.insert(
        "state_info".into(),
        info.map_or(Value::Null, |s| s.clone().into()),
    );
    m
}

/// The walk's parameters and the statistics it gathers.
struct Report<'a> {
    store: &'a Store,
    access: Access,
    errors_only: bool,
    /// Negative: no limit.
    max_depth: i64,
    /// Gather statistics only; no entries.
    statistics_only: bool,
    stats: Stats,
}

impl Report<'_> {
    fn tasks_of(&self, id: ExecutionId) -> Result<Vec<TaskRecord>, store::Error> {
        all(
            |q| self.store.list_tasks(q),
            &self.access,
            "workflow_execution_id",
            id.to_string(),
            |t| t.id.to_string(),
        )
    }

    fn workflow(
        &mut self,
        ex: &ExecutionRecord,
        depth: i64,
    ) -> Result<Map<String, Value>, store::Error> {
        let mut m = entry(
            ex.id.to_string(),
            &ex.workflow_name,
            &ex.created_at,
            ex.updated_at.as_ref(),
            ex.state,
            ex.state_info.as_ref(),
        );
        if 0 <= self.max_depth && self.max_depth < depth {
            return Ok(m);
        }
        let mut tasks = Vec::new();
        for t in self.tasks_of(ex.id)? {
            if let Some(e) = self.task(&t, depth + 1)? {
                tasks.push(Value::Object(e));
            }
        }
        m.insert("task_executions".into(), Value::Array(tasks));
        Ok(m)
    }

    fn task(
        &mut self,
        t: &TaskRecord,
        depth: i64,
    ) -> Result<Option<Map<String, Value>>, store::Error> {
        if self.errors_only && t.state != State::Error {
            return Ok(None);
        }
        self.stats.count(t.state);
        let children = all(
            |q| self.store.list_executions(q),
            &self.access,
            "task_execution_id",
            t.id.to_string(),
            |e| e.id.to_string(),
        )?;
        if self.statistics_only {
            for c in &children {
                if !(0 <= self.max_depth && self.max_depth < depth) {
                    for ct in self.tasks_of(c.id)? {
                        self.task(&ct, depth + 1)?;
                    }
                }
            }
            return Ok(None);
        }
        let mut m = entry(
            t.id.to_string(),
            &t.name,
            &t.created_at,
            t.updated_at.as_ref(),
            t.state,
            t.state_info.as_ref(),
        );
        let actions = all(
            |q| self.store.list_action_executions(q),
            &self.access,
            "task_execution_id",
            t.id.to_string(),
            |a| a.id.to_string(),
        )?;
        let actions: Vec<Value> = actions
            .iter()
            .map(|a| {
                let mut e = entry(
                    a.id.to_string(),
                    &a.name,
                    &a.created_at,
                    a.updated_at.as_ref(),
                    a.state,
                    a.state_info.as_ref(),
                );
                e.insert("accepted".into(), a.accepted.into());
                // Mistral's executor reports a heartbeat the moment it
                // starts an action, and every 20 s while a sync one runs;
                // bora's actions send none, so the first one stands.
                let started = e.get("created_at").cloned().unwrap_or(Value::Null);
                e.insert("last_heartbeat".into(), started);
                Value::Object(e)
            })
            .collect();
        m.insert("action_executions".into(), Value::Array(actions));
        let mut subs = Vec::new();
        for c in &children {
            subs.push(Value::Object(self.workflow(c, depth)?));
        }
        m.insert("workflow_executions".into(), Value::Array(subs));
        if let Some(n) = t.runtime_context.pointer("/retry_task_policy/retry_no") {
            m.insert("retry_count".into(), n.clone());
        }
        Ok(Some(m))
    }

    /// Seconds a RUNNING execution has left, from the last successful runs
    /// of its workflow: -1 with no history, at least 1; 0 when not running.
    fn estimate(&self, ex: &ExecutionRecord) -> Result<i64, store::Error> {
        if ex.state != State::Running {
            return Ok(0);
        }
        let q = ListQuery {
            limit: ESTIMATE_SAMPLE,
            filters: vec![
                Filter {
                    field: "workflow_id".into(),
                    op: FilterOp::Eq,
                    values: vec![ex.workflow_id.to_string()],
                },
                Filter {
                    field: "state".into(),
                    op: FilterOp::Eq,
                    values: vec!["SUCCESS".into()],
                },
            ],
            access: self.access.clone(),
            ..ListQuery::default()
        };
        let prev = self.store.list_executions(&q)?;
        Ok(estimate_from(crate::domain::now(), &ex.created_at, &prev))
    }
}

fn estimate_from(now: Timestamp, created: &Timestamp, prev: &[ExecutionRecord]) -> i64 {
    if prev.is_empty() {
        return -1;
    }
    let runtime = (now - *created).num_seconds();
    let total: i64 = prev
        .iter()
        .map(|e| e.updated_at.map_or(0, |u| (u - e.created_at).num_seconds()))
        .sum();
    let left = total / prev.len() as i64 - runtime;
    if left < 0 { 1 } else { left }
}

/// `?errors_only=&max_depth=&statistics_only=`
fn params(pairs: &Pairs) -> Result<(bool, i64, bool), Error> {
    let max_depth = match query::get(pairs, "max_depth") {
        None | Some("") => -1,
        Some(v) => query::int_argument("max_depth", v)?,
    };
    Ok((
        query::text_flag(pairs, "errors_only"),
        max_depth,
        query::text_flag(pairs, "statistics_only"),
    ))
}

/// `GET /v2/executions/{id}/report`
#[utoipa::path(
    get,
    path = "/v2/executions/{id}/report",
    tag = "executions",
    operation_id = "get_execution_report",
    summary = "An execution's report with task statistics",
    params(
        ("id" = String, Path, description = "The execution id"),
        ("errors_only" = Option<bool>, Query, description = "Only the failed branches"),
        ("max_depth" = Option<i64>, Query, description = "How deep to descend into sub-workflows (negative: no limit)"),
        ("statistics_only" = Option<bool>, Query, description = "Only the task statistics"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Report))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: ExecutionId = query::uuid_named("workflow_execution_id", &path)?
        .ok_or_else(|| super::executions::not_found(&*path))?;
    let (errors_only, max_depth, statistics_only) = params(&query::pairs(&req)?)?;
    let access = caller.access();
    let report = read(&state, move |s| {
        let Some(ex) = s.get_execution(&access, id)? else {
            return Ok(None);
        };
        let mut r = Report {
            store: s,
            access,
            errors_only,
            max_depth,
            statistics_only,
            stats: Stats::default(),
        };
        r.stats.estimated_time = r.estimate(&ex)?;
        let mut out = Map::new();
        if statistics_only {
            for t in r.tasks_of(ex.id)? {
                r.task(&t, 1)?;
            }
        } else {
            let root = r.workflow(&ex, 0)?;
            out.insert("root_workflow_execution".into(), Value::Object(root));
        }
        let mut doc = Map::new();
        doc.insert("statistics".into(), r.stats.to_json());
        doc.extend(out);
        Ok(Some(Value::Object(doc)))
    })
    .await?
    .ok_or_else(|| Error::not_found(format!("WorkflowExecution not found [id={id}]")))?;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(s: u32) -> Timestamp {
        NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, s)
            .unwrap()
    }

    #[test]
    fn statistics_count_five_states() {
        let mut s = Stats::default();
        for st in [
            State::Running,
            State::Success,
            State::Success,
            State::Error,
            State::Idle,
            State::Paused,
        ] {
            s.count(st);
        }
        s.count(State::Waiting);
        s.count(State::Skipped);
        s.count(State::RunningDelayed);
        assert_eq!(
            s,
            Stats {
                total: 6,
                running: 1,
                success: 2,
                error: 1,
                idle: 1,
                paused: 1,
                estimated_time: 0
            }
        );
    }

    #[test]
    fn estimates() {
        assert_eq!(estimate_from(at(10), &at(0), &[]), -1);
    }

    #[test]
    fn report_parameters() {
        let p = |qs: &[(&str, &str)]| {
            let pairs: Pairs = qs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            params(&pairs).map_err(|e| e.to_string())
        };
        assert_eq!(p(&[]), Ok((false, -1, false)));
        assert_eq!(
            p(&[("statistics_only", "true"), ("max_depth", "0")]),
            Ok((false, 0, true))
        );
        assert!(p(&[("max_depth", "x")]).is_err());
    }
}
