//! `/v2/executions`: start, list, get, update (pause, resume, stop,
//! description, env) and delete workflow executions, with the request rules
//! of Mistral's `ExecutionsController` checked here and the changes made by
//! the engine.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::body::{self, Body};
use super::error::Error;
use super::query::{self, Kind, ListSpec};
use super::render::{self, ExecutionView};
use super::{ApiState, Caller, page, read, send};
use crate::domain::pytext::truthy;
use crate::domain::{ExecutionId, State, TaskExecutionId};
use crate::engine::{DeleteExecution, StartExecution, UpdateExecution};
use crate::store::{ExecutionRecord, ExecutionSummary, ListQuery, Store};

pub(super) const FIELDS: &[&str] = &[
    "id",
    "workflow_id",
    "workflow_name",
    "workflow_namespace",
    "description",
    "tags",
    "params",
    "task_execution_id",
    "root_execution_id",
    "source_execution_id",
    "state",
    "state_info",
    "input",
    "output",
    "created_at",
    "updated_at",
    "project_id",
    "published_global",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::Executions,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("workflow_name", Kind::Text),
        ("workflow_id", Kind::Uuid),
        ("tags", Kind::Text),
        ("params", Kind::Json),
        ("task_execution_id", Kind::Uuid),
        ("state", Kind::State),
        ("state_info", Kind::Text),
        ("input", Kind::Json),
        ("output", Kind::Json),
        ("updated_at", Kind::Text),
        ("description", Kind::Text),
        ("project_id", Kind::Uuid),
        ("root_execution_id", Kind::Uuid),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

/// The path id of an execution; a malformed one is simply not found.
pub fn parse_id(id: &str) -> Result<ExecutionId, Error> {
    id.parse().map_err(|_| not_found(id))
}

pub(crate) fn not_found(id: impl std::fmt::Display) -> Error {
    Error::not_found(format!("WorkflowExecution not found [id={id}]"))
}

/// The execution as `caller` sees it, or 404 (another project's execution
/// is not found, exactly like an unknown one).
pub async fn fetch(
    state: &ApiState,
    caller: &Caller,
    id: ExecutionId,
) -> Result<ExecutionRecord, Error> {
    let access = caller.access();
    read(state, move |s| s.get_execution(&access, id))
        .await?
        .ok_or_else(|| not_found(id))
}

/// The execution as `caller` sees it with what its answer needs of its
/// version's spec (`{"vars": …}`; the rest is not read), or 404.
pub async fn fetch_with_vars(
    state: &ApiState,
    caller: &Caller,
    id: ExecutionId,
) -> Result<(ExecutionRecord, Value), Error> {
    fetch_with(state, caller, id, |s, spec_id| {
        let vars = s.version_vars(spec_id)?.unwrap_or(Value::Null);
        Ok(serde_json::json!({ "vars": vars }))
    })
    .await
}

/// The execution as `caller` sees it with the spec of its version (JSON
/// null if the version is not stored), or 404.
pub async fn fetch_with_spec(
    state: &ApiState,
    caller: &Caller,
    id: ExecutionId,
) -> Result<(ExecutionRecord, Value), Error> {
    fetch_with(state, caller, id, |s, spec_id| {
        Ok(s.version_spec(spec_id)?.unwrap_or(Value::Null))
    })
    .await
}

/// The execution as `caller` sees it with task `task`'s spec in its
/// version (JSON null if the version or the task is not stored; the rest
/// of the spec is not read), or 404.
pub async fn fetch_with_task_spec(
    state: &ApiState,
    caller: &Caller,
    id: ExecutionId,
    task: &str,
) -> Result<(ExecutionRecord, Value), Error> {
    let task = task.to_string();
    fetch_with(state, caller, id, move |s, spec_id| {
        Ok(s.version_task(spec_id, &task)?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null))
    })
    .await
}

/// The execution as `caller` sees it with `spec(store, its spec_id)`, or
/// 404.
async fn fetch_with(
    state: &ApiState,
    caller: &Caller,
    id: ExecutionId,
    spec: impl FnOnce(&Store, &str) -> Result<Value, crate::store::Error> + Send + 'static,
) -> Result<(ExecutionRecord, Value), Error> {
    let access = caller.access();
    read(state, move |s| {
        let Some(e) = s.get_execution(&access, id)? else {
            return Ok(None);
        };
        let part = spec(s, &e.spec_id)?;
        Ok(Some((e, part)))
    })
    .await?
    .ok_or_else(|| not_found(id))
}

/// `GET /v2/executions`
#[utoipa::path(
    get,
    path = "/v2/executions",
    tag = "executions",
    operation_id = "list_executions",
    summary = "List executions",
    params(
        ListArgs,
        ("include_output" = Option<bool>, Query, description = "Include `output` in each item"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Executions))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    list_with(req, state, caller, None).await
}

/// `GET /v2/tasks/{id}/workflow_executions`: the sub-workflows of a task.
#[utoipa::path(
    get,
    path = "/v2/tasks/{id}/workflow_executions",
    tag = "executions",
    operation_id = "list_task_workflow_executions",
    summary = "List the sub-workflow executions a task started",
    params(
        ("id" = String, Path, description = "The task execution id"),
        ListArgs,
        ("include_output" = Option<bool>, Query, description = "Include `output` in each item"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Executions))
)]
pub async fn list_of_task(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let task_id = path.into_inner();
    query::uuid_named::<TaskExecutionId>("task_execution_id", &task_id)?;
    let pairs = query::pairs(&req)?;
    // Arguments of the executions list this one does not take.
    if let Some((k, _)) = pairs.iter().find(|(k, _)| {
        matches!(
            k.as_str(),
            "include_output" | "project_id" | "all_projects" | "nulls"
        )
    }) {
        return Err(Error::bad(format!("Unknown argument: \"{k}\"")));
    }
    // Filtered by the text as given: another spelling matches nothing.
    let pin = ("task_execution_id", task_id);
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
    let pinned = pin.is_some();
    if let Some((field, value)) = pin {
        p.pin_unless_given(field, value);
    }
    let include_output =
        query::text_flag(&pairs, "include_output") || p.fields.iter().any(|f| f == "output");
    let view = ExecutionView::List { include_output };
    // A task's sub-workflow list loads none of the deferred fields (no
    // `input`, `params`) unless `fields` names them.
    let deferred_unloaded = pinned && p.fields.is_empty();
    let fetch = move |s: &Store, q: &ListQuery| s.list_execution_summaries(q, include_output);
    let render = |e: &ExecutionSummary| {
        let mut m = render::execution_summary(e, view);
        if deferred_unloaded {
            m.shift_remove("input");
            m.shift_remove("params");
        }
        m
    };
    page(&req, &state, p, &SPEC, "executions", fetch, render).await
}

/// `GET /v2/executions/{id}?fields=`
#[utoipa::path(
    get,
    path = "/v2/executions/{id}",
    tag = "executions",
    operation_id = "get_execution",
    summary = "Get an execution",
    params(
        ("id" = String, Path, description = "The execution id"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Execution))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    query::only(&pairs, &["fields"])?;
    // A single execution checks each field against the model, one by one
    // (`fields_list_to_cls_fields_tuple`), with its own wording.
    let asked = query::get(&pairs, "fields").unwrap_or_default();
    if let Some(f) = asked
        .split(',')
        .map(|f| f.trim().to_lowercase())
        .find(|f| !f.is_empty() && !is_model_column(f))
    {
        return Err(Error::bad(format!("Field '{f}' does not exist.")));
    }
    let fields = query::fields(&pairs, FIELDS)?;
    let (e, spec) = fetch_with_vars(&state, &caller, parse_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(query::project(render::execution_get(&e, &spec), &fields)))
}

/// Whether `f` is a column of Mistral's execution model, which a single
/// execution's `fields` is checked against: the resource's attributes but
/// `published_global` (computed at each GET) and `source_execution_id`
/// (read from the request only).
fn is_model_column(f: &str) -> bool {
    FIELDS.contains(&f) && !matches!(f, "published_global" | "source_execution_id")
}

/// Every attribute of Mistral's Execution resource: what a body may carry.
const BODY_FIELDS: &[&str] = FIELDS;

/// `POST /v2/executions`: 201 with the started (or, for a known client id,
/// the existing) execution, owned by the caller's project. Attributes a
/// start does not use (`state`, `created_at`, ...) are ignored once they
/// have their types; `project_id` and unknown ones are a 400.
#[utoipa::path(
    post,
    path = "/v2/executions",
    tag = "executions",
    operation_id = "create_execution",
    summary = "Start a workflow",
    request_body(content = super::openapi::schemas::ExecutionCreate, description = "What to start"),
    responses((status = 201, description = "Started", body = super::openapi::schemas::Execution))
)]
pub async fn create(
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let mut msg = start_message(&body::object(body)?)?;
    msg.project = caller.project_id;
    let e = send::start_execution(&state, msg).await?;
    crate::failpoint!("api.after_commit_before_reply");
    Ok(HttpResponse::Created().json(render::execution(&e, ExecutionView::Write)))
}

fn uuid_field<T: std::str::FromStr>(
    obj: &Map<String, Value>,
    name: &str,
) -> Result<Option<T>, Error> {
    body::string(obj, name)?
        .map(|s| {
            s.parse::<T>()
                .map_err(|_| Error::bad(format!("Expected a uuid but received {s}.")))
        })
        .transpose()
}

fn start_message(obj: &Map<String, Value>) -> Result<StartExecution, Error> {
    body::check_known(obj, BODY_FIELDS, "wf_ex")?;
    super::wsme::check(obj, "wf_ex", super::wsme::EXECUTION)?;
    // Mistral reads `params` before `input` (the resource's field order).
    let params = body::dict(obj, "params", "wf_ex")?.unwrap_or_default();
    let msg = StartExecution {
        workflow_id: body::string(obj, "workflow_id")?,
        workflow_name: body::string(obj, "workflow_name")?,
        namespace: body::string(obj, "workflow_namespace")?.unwrap_or_default(),
        input: body::dict(obj, "input", "wf_ex")?.unwrap_or_default(),
        params,
        // Absent is "", null stays null, as Mistral keeps them.
        description: match obj.get("description") {
            Some(Value::Null) => None,
            _ => Some(body::string(obj, "description")?.unwrap_or_default()),
        },
        id: uuid_field(obj, "id")?,
        source_execution_id: uuid_field(obj, "source_execution_id")?,
        project: String::new(),
    };
    if msg.workflow_id.is_none() && msg.workflow_name.is_none() && msg.source_execution_id.is_none()
    {
        return Err(Error::bad(
            "Workflow ID or workflow name must be provided. Workflow ID is recommended.",
        ));
    }
    Ok(msg)
}

/// `PUT /v2/executions/{id}`: `{state[, state_info]}`, `{description}` or
/// `{params: {env}}` (with `state: RUNNING` only), by Mistral's rules.
#[utoipa::path(
    put,
    path = "/v2/executions/{id}",
    tag = "executions",
    operation_id = "update_execution",
    summary = "Pause, resume, stop or describe an execution",
    params(("id" = String, Path, description = "The execution id")),
    request_body(content = super::openapi::schemas::ExecutionUpdate, description = "The change"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Execution))
)]
pub async fn update(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id = parse_id(&path)?;
    let obj = body::object(body)?;
    let current = fetch(&state, &caller, id).await?;
    // SKIPPED counts as a completed state, so Mistral hands it to
    // `stop_workflow`, which has no branch for it: after the same checks
    // as any stop, nothing happens.
    if obj.get("state").and_then(Value::as_str) == Some("SKIPPED") {
        let mut as_stop = obj.clone();
        as_stop.insert("state".into(), "CANCELLED".into());
        update_message(id, &as_stop)?;
        return Ok(HttpResponse::Ok().json(render::execution(&current, ExecutionView::Write)));
    }
    let msg = update_message(id, &obj)?;
    let shape = UpdateShape::of(&msg);
    let e = send::update_execution(&state, msg).await?;
    Ok(HttpResponse::Ok().json(shape.apply(render::execution(&e, ExecutionView::Write))))
}

/// What the answer to a PUT carries. A state change answers the engine's
/// whole execution; without one Mistral answers the row as its API read it,
/// whose deferred `input`, `output` and `params` stay unloaded, except
/// `params` once an env update has touched it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UpdateShape {
    Whole,
    WithoutDeferred { params: bool },
}

impl UpdateShape {
    pub(crate) fn of(msg: &UpdateExecution) -> Self {
        if msg.state.is_some() {
            UpdateShape::Whole
        } else {
            UpdateShape::WithoutDeferred {
                params: msg.env.is_some(),
            }
        }
    }

    pub(crate) fn apply(self, mut obj: Map<String, Value>) -> Map<String, Value> {
        if let UpdateShape::WithoutDeferred { params } = self {
            obj.shift_remove("input");
            obj.shift_remove("output");
            if !params {
                obj.shift_remove("params");
            }
        }
        obj
    }
}

fn update_message(id: ExecutionId, obj: &Map<String, Value>) -> Result<UpdateExecution, Error> {
    body::check_known(obj, BODY_FIELDS, "wf_ex")?;
    super::wsme::check(obj, "wf_ex", super::wsme::EXECUTION)?;
    let new_state = body::string(obj, "state")?;
    let description = body::string(obj, "description")?;
    let state_info = body::string(obj, "state_info")?;
    let env = body::dict(obj, "params", "wf_ex")?
        .and_then(|mut p| p.remove("env"))
        .filter(truthy);
    if new_state.is_none() && description.is_none() && env.is_none() {
        return Err(Error::bad(
            "The property state, description, or env is not provided for update.",
        ));
    }
    if description.is_some() && new_state.is_some() {
        return Err(Error::bad(
            "The property description must be updated separately from state.",
        ));
    }
    if env.is_some() && new_state.as_deref().is_some_and(|s| s != "RUNNING") {
        return Err(Error::bad(
            "The property env can only be updated when workflow execution is not running or on resume from pause.",
        ));
    }
    let parsed = new_state.as_deref().map(target_state).transpose()?;
    Ok(UpdateExecution {
        id,
        state: parsed,
        state_info,
        description,
        env,
    })
}

/// The states a client may ask for (SKIPPED counts as a completed state
/// and is then ignored by the engine); anything else is Mistral's 400.
fn target_state(s: &str) -> Result<State, Error> {
    match s.parse::<State>() {
        Ok(
            st @ (State::Paused
            | State::Running
            | State::Success
            | State::Error
            | State::Cancelled
            | State::Skipped),
        ) => Ok(st),
        _ => Err(Error::bad(format!(
            "Cannot change state to {s}. Allowed states are: 'RUNNING, PAUSED, SUCCESS, ERROR, CANCELLED"
        ))),
    }
}

/// `DELETE /v2/executions/{id}?force=`: 204.
#[utoipa::path(
    delete,
    path = "/v2/executions/{id}",
    tag = "executions",
    operation_id = "delete_execution",
    summary = "Delete an execution",
    params(
        ("id" = String, Path, description = "The execution id"),
        ("force" = Option<String>, Query, description = "Any non-empty value deletes an unfinished execution too"),
    ),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    // `force` is typed `bool` but arrives as text: any non-empty value
    // (even `false` or `0`) is true, as WSME converts it.
    let msg = DeleteExecution {
        id: parse_id(&path)?,
        // Mistral's WSME bool conversion: any non-empty value is true.
        force: query::get(&pairs, "force").is_some_and(|v| !v.is_empty()),
    };
    let e = fetch(&state, &caller, msg.id).await?;
    if !msg.force && !e.state.is_completed() {
        return Err(Error::Forbidden(format!(
            "Only completed executions can be deleted. Use --force to override this. Execution {} is in {} state",
            e.id,
            e.state.as_str()
        )));
    }
    send::delete_execution(&state, msg).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
#[path = "executions_tests.rs"]
mod tests;

/// `GET /v2/executions/{id}/diagnosis` (a bora extension): what the
/// execution waits on — actions, timers, joins, sub-workflows, a pause.
#[utoipa::path(
    get,
    path = "/v2/executions/{id}/diagnosis",
    tag = "executions",
    operation_id = "diagnose_execution",
    summary = "What an execution waits on (a bora extension)",
    params(("id" = String, Path, description = "The execution id")),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Object))
)]
pub async fn diagnosis(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id = parse_id(&path)?;
    fetch(&state, &caller, id).await?;
    let report = send::diagnose(&state, crate::engine::Diagnose { id }).await?;
    Ok(HttpResponse::Ok().json(report))
}
