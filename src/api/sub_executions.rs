//! `GET /v2/executions/{id}/executions` and `GET /v2/tasks/{id}/executions`:
//! the tree of workflow executions below an execution or a task, flattened
//! depth-first as Mistral's `SubExecutionsController` walks it, with its
//! `errors_only`, `max_depth` and `include_output` parameters. Read-only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::error::Error;
use super::query::{self, Pairs};
use super::render::{self, ExecutionView};
use super::{ApiState, Caller, read};
use crate::domain::{ExecutionId, State, TaskExecutionId};
use crate::store::{
    self, Access, ExecutionRecord, Filter, FilterOp, ListQuery, SortDir, Store, TaskRecord,
};

/// Rows fetched per store query while walking.
const PAGE: usize = 1000;

/// Every row `access` sees matching `field = value`, oldest first, paged
/// by marker.
pub(super) fn all<T>(
    list: impl Fn(&ListQuery) -> Result<Vec<T>, store::Error>,
    access: &Access,
    field: &str,
    value: String,
    id_of: impl Fn(&T) -> String,
) -> Result<Vec<T>, store::Error> {
    let mut q = ListQuery {
        marker: None,
        limit: PAGE,
        sort: vec![("created_at".into(), SortDir::Asc)],
        filters: vec![Filter {
            field: field.into(),
            op: FilterOp::Eq,
            values: vec![value],
        }],
        access: access.clone(),
    };
    let mut out = Vec::new();
    loop {
        let batch = list(&q)?;
        let full = batch.len() == PAGE;
        q.marker = batch.last().map(&id_of);
        out.extend(batch);
        if !full {
            return Ok(out);
        }
    }
}

/// The walk's parameters and its result.
struct Walk<'a> {
    store: &'a Store,
    access: Access,
    errors_only: bool,
    /// Negative: no limit.
    max_depth: i64,
    out: Vec<ExecutionRecord>,
}

impl Walk<'_> {
    fn execution(&mut self, ex: ExecutionRecord, depth: i64) -> Result<(), store::Error> {
        if 0 <= self.max_depth && self.max_depth < depth {
            return Ok(());
        }
        let id = ex.id;
        self.out.push(ex);
        let tasks = all(
            |q| self.store.list_tasks(q),
            &self.access,
            "workflow_execution_id",
            id.to_string(),
            |t| t.id.to_string(),
        )?;
        for t in &tasks {
            self.task(t, depth + 1)?;
        }
        Ok(())
    }

    fn task(&mut self, t: &TaskRecord, depth: i64) -> Result<(), store::Error> {
        if self.errors_only && t.state != State::Error {
            return Ok(());
        }
        let children = all(
            |q| self.store.list_executions(q),
            &self.access,
            "task_execution_id",
            t.id.to_string(),
            |e| e.id.to_string(),
        )?;
        for c in children {
            self.execution(c, depth)?;
        }
        Ok(())
    }
}

/// Where a walk starts.
#[derive(Clone, Copy)]
enum Origin {
    Execution(ExecutionId),
    Task(TaskExecutionId),
}

/// `?errors_only=&max_depth=&include_output=`
/// Any other query parameter is refused, as wsme refuses what the
/// controller's `get` does not name.
fn params(pairs: &Pairs) -> Result<(bool, i64, bool), Error> {
    query::only(pairs, &["errors_only", "max_depth", "include_output"])?;
    let max_depth = match query::get(pairs, "max_depth") {
        None | Some("") => -1,
        Some(v) => query::int_argument("max_depth", v)?,
    };
    Ok((
        query::text_flag(pairs, "errors_only"),
        max_depth,
        query::text_flag(pairs, "include_output"),
    ))
}

async fn walk(
    req: &HttpRequest,
    state: &ApiState,
    caller: &Caller,
    origin: Origin,
) -> Result<HttpResponse, Error> {
    let (errors_only, max_depth, include_output) = params(&query::pairs(req)?)?;
    let access = caller.access();
    let found = read(state, move |s| {
        let mut w = Walk {
            store: s,
            access: access.clone(),
            errors_only,
            max_depth,
            out: Vec::new(),
        };
        match origin {
            Origin::Execution(id) => match s.get_execution(&access, id)? {
                Some(ex) => w.execution(ex, 0)?,
                None => return Ok(None),
            },
            Origin::Task(id) => match s.get_task(&access, id)? {
                Some(t) => w.task(&t, 0)?,
                None => return Ok(None),
            },
        }
        Ok(Some(w.out))
    })
    .await?;
    let records = found.ok_or_else(|| match origin {
        Origin::Execution(id) => Error::not_found(format!("WorkflowExecution not found [id={id}]")),
        Origin::Task(id) => Error::not_found(format!("Task execution not found [id={id}]")),
    })?;
    let view = ExecutionView::List { include_output };
    let items: Vec<Value> = records
        .iter()
        .map(|e| Value::Object(render::execution(e, view)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "executions": items })))
}

/// `GET /v2/executions/{id}/executions`
#[utoipa::path(
    get,
    path = "/v2/executions/{id}/executions",
    tag = "executions",
    operation_id = "list_execution_tree",
    summary = "An execution and the executions below it",
    params(
        ("id" = String, Path, description = "The execution id"),
        ("errors_only" = Option<bool>, Query, description = "Only executions in ERROR"),
        ("max_depth" = Option<i64>, Query, description = "How deep to descend (negative: no limit)"),
        ("include_output" = Option<bool>, Query, description = "Include `output` in each item"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::SubExecutions))
)]
pub async fn of_execution(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: ExecutionId =
        query::uuid_named("id", &path)?.ok_or_else(|| super::executions::not_found(&*path))?;
    walk(&req, &state, &caller, Origin::Execution(id)).await
}

/// `GET /v2/tasks/{id}/executions`
#[utoipa::path(
    get,
    path = "/v2/tasks/{id}/executions",
    tag = "tasks",
    operation_id = "list_task_execution_tree",
    summary = "The executions below a task",
    params(
        ("id" = String, Path, description = "The task execution id"),
        ("errors_only" = Option<bool>, Query, description = "Only executions in ERROR"),
        ("max_depth" = Option<i64>, Query, description = "How deep to descend (negative: no limit)"),
        ("include_output" = Option<bool>, Query, description = "Include `output` in each item"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::SubExecutions))
)]
pub async fn of_task(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: TaskExecutionId =
        query::uuid_named("id", &path)?.ok_or_else(|| super::tasks::not_found(&path))?;
    walk(&req, &state, &caller, Origin::Task(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(qs: &[(&str, &str)], expected: Result<(bool, i64, bool), &str>) {
        let pairs: Pairs = qs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let got = params(&pairs).map_err(|e| e.to_string());
        match expected {
            Ok(want) => assert_eq!(got, Ok(want), "{qs:?}"),
            Err(prefix) => assert!(
                got.as_ref().is_err_and(|e| e.starts_with(prefix)),
                "{qs:?}: {got:?}"
            ),
        }
    }

    #[test]
    fn walk_parameters() {
        check(&[], Ok((false, -1, false)));
        check(&[("errors_only", "true")], Ok((true, -1, false)));
        check(
            &[("max_depth", "2"), ("include_output", "1")],
            Ok((false, 2, true)),
        );
        check(&[("max_depth", "-1")], Ok((false, -1, false)));
        check(&[("include_output", "false")], Ok((false, -1, true)));
        check(
            &[("max_depth", "deep")],
            Err("Invalid input for field/attribute max_depth."),
        );
        // Read as text, as Mistral reads it: any non-empty value is on.
        check(&[("errors_only", "false")], Ok((true, -1, false)));
        check(&[("errors_only", "")], Ok((false, -1, false)));
        check(&[("fields", "state")], Err("Unknown argument: \"fields\""));
    }
}
