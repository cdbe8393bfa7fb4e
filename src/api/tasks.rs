//! `/v2/tasks` and `/v2/executions/{id}/tasks`: task executions, read-only
//! from the store. A list item has no `result`; a single task has it as JSON text.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::error::Error;
use super::executions;
use super::query::{self, Kind, ListSpec};
use super::render::{self, TaskView};
use super::{ApiState, Caller, page, read};
use crate::domain::{ExecutionId, TaskExecutionId};
use crate::store::{ListQuery, Store, TaskRecord};

pub(super) const FIELDS: &[&str] = &[
    "id",
    "name",
    "type",
    "workflow_name",
    "workflow_namespace",
    "workflow_id",
    "workflow_execution_id",
    "tags",
    "state",
    "state_info",
    "project_id",
    "runtime_context",
    "result",
    "published",
    "published_global",
    "processed",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "reset",
    "env",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::Tasks,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("workflow_name", Kind::Text),
        ("workflow_id", Kind::Uuid),
        ("tags", Kind::Text),
        ("state", Kind::State),
        ("state_info", Kind::Text),
        ("updated_at", Kind::Text),
        ("name", Kind::Text),
        ("workflow_execution_id", Kind::Uuid),
        ("result", Kind::Text),
        ("published", Kind::Json),
        ("processed", Kind::Bool),
        ("reset", Kind::Bool),
        ("env", Kind::Json),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

pub(crate) fn not_found(id: &str) -> Error {
    Error::not_found(format!("Task execution not found [id={id}]"))
}

/// `GET /v2/tasks`
#[utoipa::path(
    get,
    path = "/v2/tasks",
    tag = "tasks",
    operation_id = "list_tasks",
    summary = "List tasks",
    params(ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Tasks))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    list_with(req, state, caller, None).await
}

/// `GET /v2/executions/{id}/tasks`: 404 when the execution does not exist.
#[utoipa::path(
    get,
    path = "/v2/executions/{id}/tasks",
    tag = "tasks",
    operation_id = "list_execution_tasks",
    summary = "List an execution's tasks",
    params(("id" = String, Path, description = "The execution id"), ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Tasks))
)]
pub async fn list_of_execution(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: ExecutionId = query::uuid_named("workflow_execution_id", &path)?
        .ok_or_else(|| executions::not_found(&*path))?;
    // wsme refuses an unknown or unconvertible argument before the lookup.
    query::arguments(&query::pairs(&req)?, &SPEC)?;
    executions::fetch(&state, &caller, id).await?;
    let pin = ("workflow_execution_id", id.to_string());
    list_with(req, state, caller, Some(pin)).await
}

async fn list_with(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
    pin: Option<(&str, String)>,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    let mut p = query::list_params(&pairs, &SPEC, state.max_page_size, &caller)?;
    if let Some((field, value)) = pin {
        p.pin_unless_given(field, value);
    }
    // Fields of the resource (or of its PUT), no columns of Mistral's table.
    query::refuse_non_columns(&p, "TaskExecution", &["result", "reset", "env"])?;
    let view = if p.fields.iter().any(|f| f == "result") {
        TaskView::Get
    } else {
        TaskView::List
    };
    let fetch = |s: &Store, q: &ListQuery| s.list_tasks(q);
    let render = |t: &TaskRecord| render::task(t, view);
    page(&req, &state, p, &SPEC, "tasks", fetch, render).await
}

/// `GET /v2/tasks/{id}?fields=`
#[utoipa::path(
    get,
    path = "/v2/tasks/{id}",
    tag = "tasks",
    operation_id = "get_task",
    summary = "Get a task",
    params(
        ("id" = String, Path, description = "The task execution id"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Task))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    query::only(&pairs, &["fields"])?;
    let fields = query::fields(&pairs, FIELDS)?;
    let id: TaskExecutionId = path.parse().map_err(|_| not_found(&path))?;
    let access = caller.access();
    let (t, done) = read(&state, move |s| {
        let Some(t) = s.get_task(&access, id)? else {
            return Ok(None);
        };
        let done = items_so_far(s, &access, &t)?;
        Ok(Some((t, done)))
    })
    .await?
    .ok_or_else(|| not_found(&path))?;
    let mut v = render::task(&t, TaskView::Get);
    if let Some(done) = done {
        v.insert(
            "result".into(),
            crate::domain::pytext::dumps(&done, None).into(),
        );
    }
    if let Some(global) = published_global(&state, &caller, &t).await? {
        v.insert(
            "published_global".into(),
            crate::domain::pytext::dumps(&global, None).into(),
        );
    }
    Ok(HttpResponse::Ok().json(query::project(v, &fields)))
}

/// What a SUCCESS or ERROR task publishes globally, evaluated now (as
/// Mistral's `get_published_global` does at each GET) over the task's
/// inbound context, the workflow's env, global context and input; only a
/// non-empty result is shown.
async fn published_global(
    state: &ApiState,
    caller: &Caller,
    t: &TaskRecord,
) -> Result<Option<Value>, Error> {
    use crate::domain::State;
    if !matches!(t.state, State::Success | State::Error) {
        return Ok(None);
    }
    let (exec, spec) =
        executions::fetch_with_task_spec(state, caller, t.execution_id, &t.name).await?;
    let Ok(task_spec) = serde_json::from_value::<crate::lang::TaskSpec>(spec) else {
        return Ok(None);
    };
    crate::engine::published_global(&exec, t, &task_spec).map_err(Error::bad)
}

/// The result of a with-items task still in progress, as Mistral builds
/// it from the task's accepted action executions: the results of the items
/// finished so far, in item order. `None` for any other task.
fn items_so_far(
    s: &Store,
    access: &crate::store::Access,
    t: &TaskRecord,
) -> Result<Option<Value>, crate::store::Error> {
    let counted = t.runtime_context["with_items"]["count"]
        .as_u64()
        .is_some_and(|c| c > 0);
    if t.state.is_completed() || !counted {
        return Ok(None);
    }
    let q = ListQuery {
        limit: 0,
        filters: vec![crate::store::Filter {
            field: "task_execution_id".into(),
            op: crate::store::FilterOp::Eq,
            values: vec![t.id.to_string()],
        }],
        access: access.clone(),
        ..ListQuery::default()
    };
    let mut done: Vec<_> = s
        .list_action_executions(&q)?
        .into_iter()
        .filter(|a| a.accepted && a.state.is_completed())
        .collect();
    done.sort_by_key(|a| (a.item_index, a.created_at));
    Ok(Some(Value::Array(
        done.into_iter()
            .map(|a| a.output.get("result").cloned().unwrap_or_default())
            .collect(),
    )))
}

/// `PUT /v2/tasks/{id}`: `{"state": "RUNNING", "reset": bool[, "env": {...}]}`
/// reruns a failed task; `{"state": "SKIPPED"}` skips it.
#[utoipa::path(
    put,
    path = "/v2/tasks/{id}",
    tag = "tasks",
    operation_id = "update_task",
    summary = "Rerun or skip a task",
    params(("id" = String, Path, description = "The task execution id")),
    request_body(content = super::openapi::schemas::TaskUpdate, description = "The change"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Task))
)]
pub async fn update(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    body: super::body::Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: TaskExecutionId = path.parse().map_err(|_| not_found(&path))?;
    let obj = super::body::object(body)?;
    super::body::check_known(&obj, UPDATE_FIELDS, "task")?;
    super::wsme::check(&obj, "task", super::wsme::TASK)?;
    // wsme converts the body before the controller runs, in the order of
    // the resource's attributes: texts of another type, a `reset` that is
    // no unambiguous boolean, then an `env` that is no JSON mapping.
    for field in ["name", "workflow_name", "workflow_execution_id", "state"] {
        super::body::string(&obj, field)?;
    }
    let reset = match obj.get("reset") {
        Some(Value::Null) => Some(false),
        _ => super::body::boolean(&obj, "reset", "task")?,
    };
    let env = super::body::dict(&obj, "env", "task")?.map(Value::Object);
    // Mistral's checks, in its order (`TasksController.put`).
    let bad = |m: &str| Error::bad(m.to_string());
    let access = caller.access();
    let current = read(&state, move |s| s.get_task(&access, id))
        .await?
        .ok_or_else(|| not_found(&path))?;
    let given = |field: &str| -> Result<Option<String>, Error> {
        Ok(super::body::string(&obj, field)?.filter(|v| !v.is_empty()))
    };
    if given("name")?.is_some_and(|n| n != current.name) {
        return Err(bad("Task name does not match."));
    }
    let (exec, spec) =
        executions::fetch_with_task_spec(&state, &caller, current.execution_id, &current.name)
            .await?;
    if given("workflow_name")?.is_some_and(|n| n != exec.workflow_name) {
        return Err(bad("Workflow name does not match."));
    }
    let new_state = match super::body::string(&obj, "state")?.as_deref() {
        Some("RUNNING") => crate::domain::State::Running,
        Some("SKIPPED") => crate::domain::State::Skipped,
        _ => {
            return Err(bad(
                "Invalid task state. Only updating task to RUNNING or SKIPPED is supported.",
            ));
        }
    };
    if current.state != crate::domain::State::Error {
        return Err(bad(
            "The current task execution must be in ERROR for rerun. Only updating task to rerun is supported.",
        ));
    }
    if new_state == crate::domain::State::Running {
        if reset.is_none() {
            return Err(bad("Reset field is mandatory to rerun task."));
        }
        let with_items = spec["with_items"].as_array().is_some_and(|w| !w.is_empty());
        if !with_items && reset != Some(true) {
            return Err(bad("Only with-items task has the option to not reset."));
        }
    }
    let msg = crate::engine::UpdateTask {
        id,
        state: new_state,
        reset,
        env,
    };
    let paused = exec.state == crate::domain::State::Paused;
    let t = super::send::update_task(&state, msg).await?;
    if new_state == crate::domain::State::Skipped {
        return Ok(HttpResponse::Ok().json(render::task(&t, TaskView::Get)));
    }
    Ok(HttpResponse::Ok().json(rerun_answer(&current, &t, paused)))
}

/// The answer to a rerun: Mistral starts the task after its API has read
/// it back, so it answers the task as it was (still ERROR, its old result)
/// with only the context cleared (`cleanup_runtime_context`), which
/// touches `updated_at` when there was something to clear. On a paused
/// execution the rerun does nothing at all.
fn rerun_answer(before: &TaskRecord, after: &TaskRecord, paused: bool) -> Map<String, Value> {
    let mut m = render::task(before, TaskView::Get);
    if paused {
        return m;
    }
    let shown = render::runtime_context(&before.runtime_context);
    if shown.as_object().is_some_and(|o| !o.is_empty()) {
        m.insert("runtime_context".into(), "{}".into());
        if let Some(u) = m.get_mut("updated_at") {
            *u = render::task(after, TaskView::List)["updated_at"].clone();
        }
    }
    m
}

const UPDATE_FIELDS: &[&str] = &[
    "id",
    "project_id",
    "state",
    "reset",
    "env",
    "name",
    "workflow_name",
    "workflow_execution_id",
];
