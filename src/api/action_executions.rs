//! `/v2/action_executions` and `/v2/tasks/{id}/action_executions`: action
//! executions, read from the store. `output` is in a list item only with
//! a non-empty `include_output` (any text, as Mistral reads it); a single
//! action execution always has it. `POST` runs a standalone action, `PUT`
//! completes an asynchronous one, `DELETE` removes a finished standalone
//! one (when the configuration allows it).
//! Each is the caller's project's: a standalone one belongs to the project
//! that started it, another project's answers 404.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::error::Error;
use super::query::{self, Kind, ListSpec};
use super::{ApiState, Caller, page, read, render};
use crate::domain::{ActionExecutionId, TaskExecutionId, pytext};
use crate::store::{ActionExecutionRecord, ListQuery, Store};

pub(super) const FIELDS: &[&str] = &[
    "id",
    "workflow_name",
    "workflow_namespace",
    "task_name",
    "task_execution_id",
    "state",
    "state_info",
    "tags",
    "name",
    "description",
    "project_id",
    "accepted",
    "input",
    "output",
    "created_at",
    "updated_at",
    "params",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::ActionExecutions,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("name", Kind::Text),
        ("tags", Kind::Text),
        ("updated_at", Kind::Text),
        ("workflow_name", Kind::Text),
        ("task_name", Kind::Text),
        ("task_execution_id", Kind::Uuid),
        ("state", Kind::State),
        ("state_info", Kind::Text),
        ("accepted", Kind::Bool),
        ("input", Kind::Json),
        ("output", Kind::Json),
        ("params", Kind::Json),
        ("description", Kind::Text),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

fn not_found(id: &str) -> Error {
    Error::not_found(format!("ActionExecution not found [id={id}]"))
}

/// `GET /v2/action_executions`
#[utoipa::path(
    get,
    path = "/v2/action_executions",
    tag = "action_executions",
    operation_id = "list_action_executions",
    summary = "List action executions",
    params(
        ListArgs,
        ("include_output" = Option<bool>, Query, description = "Include `output` in each item"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::ActionExecutions))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    list_with(req, state, caller, None).await
}

/// `GET /v2/tasks/{id}/action_executions`
#[utoipa::path(
    get,
    path = "/v2/tasks/{id}/action_executions",
    tag = "action_executions",
    operation_id = "list_task_action_executions",
    summary = "List a task's action executions",
    params(
        ("id" = String, Path, description = "The task execution id"),
        ListArgs,
        ("include_output" = Option<bool>, Query, description = "Include `output` in each item"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::ActionExecutions))
)]
pub async fn list_of_task(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    query::uuid_named::<TaskExecutionId>("task_execution_id", &path)?;
    // Filtered by the text as given: another spelling matches nothing.
    let pin = ("task_execution_id", path.into_inner());
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
    // A field of the resource, no column of Mistral's table.
    query::refuse_non_columns(&p, "ActionExecution", &["task_name"])?;
    // Mistral's `_get_action_executions` takes `task_execution_id` out of
    // the filters and puts it back last: the `next` link names it last.
    if let Some(at) = p
        .query
        .filters
        .iter()
        .position(|f| f.field == "task_execution_id")
    {
        let f = p.query.filters.remove(at);
        p.query.filters.push(f);
    }
    let include_output =
        query::text_flag(&pairs, "include_output") || p.fields.iter().any(|f| f == "output");
    let fetch = |s: &Store, q: &ListQuery| s.list_action_executions(q);
    let render = |a: &ActionExecutionRecord| render::action_execution(a, include_output);
    page(&req, &state, p, &SPEC, "action_executions", fetch, render).await
}

/// `GET /v2/action_executions/{id}?fields=`
#[utoipa::path(
    get,
    path = "/v2/action_executions/{id}",
    tag = "action_executions",
    operation_id = "get_action_execution",
    summary = "Get an action execution",
    params(
        ("id" = String, Path, description = "The action execution id"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::ActionExecution))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    get_one(&req, &state, &caller, &path).await
}

/// `GET /v2/tasks/{id}/action_executions/{ae_id}`: Mistral's default
/// `fields` there is an empty tuple, so without `fields` the answer is
/// only the `id`.
#[utoipa::path(
    get,
    path = "/v2/tasks/{id}/action_executions/{ae_id}",
    tag = "action_executions",
    operation_id = "get_task_action_execution",
    summary = "Get one of a task's action executions (only `id` unless `fields`)",
    params(
        ("id" = String, Path, description = "The task execution id"),
        ("ae_id" = String, Path, description = "The action execution id"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::ActionExecution))
)]
pub async fn get_of_task(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    query::only(&pairs, &["fields"])?;
    let mut fields = query::fields(&pairs, FIELDS)?;
    if fields.is_empty() {
        fields.push("id".into());
    }
    let a = fetch(&state, &caller, &path.1).await?;
    Ok(HttpResponse::Ok().json(query::project(render::action_execution(&a, true), &fields)))
}

/// The action execution as `caller` sees it, or 404 (another project's is
/// not found, exactly like an unknown one).
async fn fetch(
    state: &ApiState,
    caller: &Caller,
    id: &str,
) -> Result<crate::store::ActionExecutionRecord, Error> {
    let parsed: ActionExecutionId = id.parse().map_err(|_| not_found(id))?;
    let access = caller.access();
    read(state, move |s| s.get_action_execution(&access, parsed))
        .await?
        .ok_or_else(|| not_found(id))
}

async fn get_one(
    req: &HttpRequest,
    state: &ApiState,
    caller: &Caller,
    id: &str,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(req)?;
    query::only(&pairs, &["fields"])?;
    let fields = query::fields(&pairs, FIELDS)?;
    let a = fetch(state, caller, id).await?;
    Ok(HttpResponse::Ok().json(query::project(render::action_execution(&a, true), &fields)))
}

/// The states `PUT /v2/action_executions/{id}` accepts
/// (`SUPPORTED_TRANSITION_STATES`).
const TRANSITION_STATES: &[&str] = &["SUCCESS", "ERROR", "CANCELLED", "PAUSED", "RUNNING"];

/// The `output` of a completion, as the resource's `JsonType` reads it: a
/// string is JSON text, a dict is taken as is, anything else is refused;
/// then a falsy value counts as `{}` and anything but a dict (or `null`)
/// is a 400. No output at all is `{}`.
fn output_of(obj: &Map<String, Value>) -> Result<Option<Value>, Error> {
    let invalid = |why: String| {
        Error::bad(format!(
            "Invalid input for field/attribute action_ex. Value: '{}'. {why}",
            pytext::repr(&Value::Object(obj.clone()))
        ))
    };
    let parsed = match obj.get("output") {
        None => return Ok(Some(Value::Object(Map::new()))),
        Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => {
            serde_json::from_str::<Value>(s).map_err(|e| {
                // Python's words for text that is no JSON.
                invalid(crate::domain::pyjson::loads_error(s).unwrap_or_else(|| e.to_string()))
            })?
        }
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "the JSON object must be str, bytes or bytearray, not {}",
                match other {
                    Value::Array(_) => "list",
                    Value::Bool(_) => "bool",
                    _ => "int",
                }
            )));
        }
    };
    let falsy = match &parsed {
        Value::Null => return Ok(None),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    };
    if falsy {
        return Ok(Some(Value::Object(Map::new())));
    }
    if !parsed.is_object() {
        return Err(Error::bad(format!(
            "JsonType field value must be a dictionary [actual={}]",
            pytext::str(&parsed)
        )));
    }
    Ok(Some(parsed))
}

/// `PUT /v2/action_executions/{id}`: completes an asynchronous action with
/// `{"state": "SUCCESS"|"ERROR"|"CANCELLED", "output": ...}`.
#[utoipa::path(
    put,
    path = "/v2/action_executions/{id}",
    tag = "action_executions",
    operation_id = "update_action_execution",
    summary = "Complete an asynchronous action",
    params(("id" = String, Path, description = "The action execution id")),
    request_body(content = super::openapi::schemas::ActionExecutionUpdate, description = "The outcome"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::ActionExecution))
)]
pub async fn update(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    body: super::body::Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: ActionExecutionId = path.parse().map_err(|_| not_found(&path))?;
    let obj = super::body::object(body)?;
    super::wsme::check(&obj, "action_ex", super::wsme::ACTION_EXECUTION)?;
    let output = output_of(&obj)?;
    // wsme refuses a state that is no text before the state is read.
    super::body::string(&obj, "state")?;
    let raw_state = obj.get("state").and_then(Value::as_str);
    let new_state = match raw_state.map(str::parse::<crate::domain::State>) {
        Some(Ok(s)) if TRANSITION_STATES.contains(&s.as_str()) => s,
        _ => {
            return Err(Error::bad(format!(
                "Error. Expected one of {}, actual: {}",
                pytext::names_repr(TRANSITION_STATES),
                raw_state.unwrap_or("Unset")
            )));
        }
    };
    let current = fetch(&state, &caller, &path).await?;
    if current.state.is_completed() {
        // Mistral raises an unmapped ValueError (HTTP 500) for a second
        // completion; a client error says the same thing.
        if new_state.is_completed() {
            return Err(Error::Conflict(format!("Action {id} is already completed")));
        }
        return Err(Error::bad(format!(
            "Invalid state transition from {} to {}.",
            current.state.as_str(),
            new_state.as_str()
        )));
    }
    let msg = crate::engine::CompleteAction {
        id,
        state: new_state,
        output,
    };
    let a = super::send::complete_action(&state, msg).await?;
    Ok(HttpResponse::Ok().json(render::action_execution(&a, true)))
}

/// `POST /v2/action_executions`: `{name, input?, description?,
/// workflow_namespace?, params?{run_sync, save_result, target, timeout}}`.
/// 201 with the finished action execution when it ran inline (`run_sync`, or
/// a synchronous action without `save_result`), else at once RUNNING.
#[utoipa::path(
    post,
    path = "/v2/action_executions",
    tag = "action_executions",
    operation_id = "create_action_execution",
    summary = "Run an action",
    request_body(content = super::openapi::schemas::ActionExecutionCreate, description = "The action and its input"),
    responses(
        (status = 201, description = "Started, or finished when run inline", body = super::openapi::schemas::ActionExecution),
    )
)]
pub async fn create(
    state: web::Data<ApiState>,
    body: super::body::Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let obj = super::body::object(body)?;
    super::body::check_known(&obj, FIELDS, "action_ex")?;
    super::wsme::check(&obj, "action_ex", super::wsme::ACTION_EXECUTION)?;
    let params = super::body::dict(&obj, "params", "action_ex")?.unwrap_or_default();
    // Python's truth value, as Mistral's engine tests them.
    let on = |k: &str| params.get(k).is_some_and(pytext::truthy);
    let (run_sync, save) = (on("run_sync"), on("save_result"));
    let msg = crate::engine::StartAction {
        name: super::body::string(&obj, "name")?.unwrap_or_default(),
        input: super::body::dict(&obj, "input", "action_ex")?.unwrap_or_default(),
        description: super::body::string(&obj, "description")?.unwrap_or_default(),
        namespace: super::body::string(&obj, "workflow_namespace")?.unwrap_or_default(),
        params,
        project: caller.project_id,
    };
    let a = super::send::start_action(&state, msg).await?;
    Ok(HttpResponse::Created().json(started(&a, run_sync, save)))
}

/// The answer to `POST /v2/action_executions`, as Mistral builds it from
/// what the engine returned before anything else touched the record: an
/// inline run that is not saved has no id, timestamps, project or
/// `accepted`; a saved one is not accepted yet and has no `updated_at`
/// (and, run inline, its `created_at` is Python's `isoformat()` with
/// microseconds and an empty description is `null`).
fn started(a: &ActionExecutionRecord, run_sync: bool, save: bool) -> Map<String, Value> {
    let mut m = render::action_execution(a, true);
    let empty_description = a.description.is_empty();
    if !save && a.state.is_completed() {
        for k in ["id", "accepted", "created_at", "updated_at", "project_id"] {
            m.insert(k.into(), Value::Null);
        }
        if empty_description {
            m.insert("description".into(), Value::Null);
        }
        return m;
    }
    m.insert("accepted".into(), false.into());
    m.insert("updated_at".into(), Value::Null);
    if save && run_sync {
        m.insert(
            "created_at".into(),
            a.created_at
                .format("%Y-%m-%dT%H:%M:%S.000000")
                .to_string()
                .into(),
        );
        if empty_description {
            m.insert("description".into(), Value::Null);
        }
    }
    m
}

/// `DELETE /v2/action_executions/{id}`: 204; 403 unless
/// `allow_action_execution_deletion`, for a task's action, or unfinished.
#[utoipa::path(
    delete,
    path = "/v2/action_executions/{id}",
    tag = "action_executions",
    operation_id = "delete_action_execution",
    summary = "Delete an action execution",
    params(("id" = String, Path, description = "The action execution id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    // Mistral refuses deletion (when not allowed) before it looks the id
    // up, so even a malformed id gets that 403; the engine checks in that
    // order, and a malformed id is then as unknown as a missing one.
    let id: ActionExecutionId = path
        .parse()
        .or_else(|_| uuid::Uuid::nil().hyphenated().to_string().parse())
        .map_err(|_| not_found(&path))?;
    let msg = crate::engine::DeleteActionExecution {
        id,
        project: caller.project_id,
    };
    match super::send::delete_action_execution(&state, msg).await {
        Err(Error::NotFound(_)) => return Err(not_found(&path)),
        other => other?,
    }
    Ok(HttpResponse::NoContent().finish())
}
