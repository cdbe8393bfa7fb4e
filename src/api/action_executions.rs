//! `/v2/action_executions` and `/v2/tasks/{id}/action_executions`: action
//! executions, read from the store. `output` is in a list item only with
//! `include_output=true`; a single action execution always has it. `POST`
//! runs a standalone action, `PUT` completes an asynchronous one, `DELETE`
//! removes a finished standalone one (when the configuration allows it).
//! Each is the caller's project's: a standalone one belongs to the project
//! that started it, another project's answers 404.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::error::Error;
use super::query::{self, Kind, ListSpec};
use super::{ApiState, Caller, page, read, render};
use crate::domain::ActionExecutionId;
use crate::store::{ActionExecutionRecord, ListQuery, Store};

const FIELDS: &[&str] = &[
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

const SPEC: ListSpec = ListSpec {
    fields: FIELDS,
    filters: &[
        ("name", Kind::Text),
        ("tags", Kind::Text),
        ("workflow_name", Kind::Text),
        ("task_name", Kind::Text),
        ("task_execution_id", Kind::Uuid),
        ("state", Kind::State),
        ("state_info", Kind::Text),
        ("accepted", Kind::Bool),
        ("input", Kind::Text),
        ("output", Kind::Text),
        ("params", Kind::Text),
        ("description", Kind::Text),
        ("created_at", Kind::Text),
        ("updated_at", Kind::Text),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

fn not_found(id: &str) -> Error {
    Error::not_found(format!("ActionExecution not found [id={id}]"))
}

/// `GET /v2/action_executions`
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    list_with(req, state, caller, None).await
}

/// `GET /v2/tasks/{id}/action_executions`
pub async fn list_of_task(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let task_id: uuid::Uuid = query::uuid(&path)?;
    let pin = ("task_execution_id", task_id.hyphenated().to_string());
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
        p.pin(field, value);
    }
    let include_output =
        query::flag(&pairs, "include_output")? || p.fields.iter().any(|f| f == "output");
    let fetch = |s: &Store, q: &ListQuery| s.list_action_executions(q);
    let render = |a: &ActionExecutionRecord| render::action_execution(a, include_output);
    page(&req, &state, p, "action_executions", fetch, render).await
}

/// `GET /v2/action_executions/{id}?fields=`
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    get_one(&req, &state, &caller, &path).await
}

/// `GET /v2/tasks/{id}/action_executions/{ae_id}`
pub async fn get_of_task(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    get_one(&req, &state, &caller, &path.1).await
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

/// `PUT /v2/action_executions/{id}`: completes an asynchronous action with
/// `{"state": "SUCCESS"|"ERROR"|"CANCELLED", "output": ...}`.
pub async fn update(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    body: super::body::Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: ActionExecutionId = path.parse().map_err(|_| not_found(&path))?;
    let obj = super::body::object(body)?;
    fetch(&state, &caller, &path).await?;
    let new_state = super::body::string(&obj, "state")?.unwrap_or_default();
    let new_state = match new_state.as_str() {
        "SUCCESS" | "ERROR" | "CANCELLED" | "PAUSED" | "RUNNING" => new_state
            .parse::<crate::domain::State>()
            .map_err(|_| Error::bad(format!("Invalid action execution state: {new_state}")))?,
        other => {
            return Err(Error::bad(format!(
                "Error. Expected one of ['SUCCESS', 'ERROR', 'CANCELLED', 'PAUSED', 'RUNNING'], actual: {other}"
            )));
        }
    };
    let output = completion_output(&obj)?;
    let msg = crate::engine::CompleteAction {
        id,
        state: new_state,
        output,
    };
    let a = super::send::complete_action(&state, msg).await?;
    Ok(HttpResponse::Ok().json(render::action_execution(&a, true)))
}

/// The `output` of a completion as Mistral's `JsonType` takes it: a JSON
/// text of an object (or `null`), or an object.
fn completion_output(obj: &serde_json::Map<String, Value>) -> Result<Option<Value>, Error> {
    use crate::domain::pytext;
    let invalid = |why: String| {
        Error::bad(format!(
            "Invalid input for field/attribute action_ex. Value: '{}'. {why}",
            pytext::str(&Value::Object(obj.clone()))
        ))
    };
    match obj.get("output") {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v @ (Value::Object(_) | Value::Null)) => Ok(Some(v)),
            Ok(other) => Err(Error::bad(format!(
                "JsonType field value must be a dictionary [actual={}]",
                pytext::str(&other)
            ))),
            Err(e) => Err(invalid(format!("Expecting value: {e}"))),
        },
        Some(other) => {
            let kind = match other {
                Value::Array(_) => "list",
                Value::Bool(_) => "bool",
                Value::Number(n) if n.is_f64() => "float",
                _ => "int",
            };
            Err(invalid(format!(
                "the JSON object must be str, bytes or bytearray, not {kind}"
            )))
        }
    }
}

/// `POST /v2/action_executions`: `{name, input?, description?,
/// workflow_namespace?, params?{run_sync, save_result, target, timeout}}`.
/// 201 with the finished action execution when it ran inline (`run_sync`, or
/// a synchronous action without `save_result`), else at once RUNNING.
pub async fn create(
    state: web::Data<ApiState>,
    body: super::body::Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let obj = super::body::object(body)?;
    super::body::check_known(&obj, FIELDS, "action_ex")?;
    let msg = crate::engine::StartAction {
        name: super::body::string(&obj, "name")?.unwrap_or_default(),
        input: super::body::dict(&obj, "input")?.unwrap_or_default(),
        description: super::body::string(&obj, "description")?.unwrap_or_default(),
        namespace: super::body::string(&obj, "workflow_namespace")?.unwrap_or_default(),
        params: super::body::dict(&obj, "params")?.unwrap_or_default(),
        project: caller.project_id,
    };
    let a = super::send::start_action(&state, msg).await?;
    Ok(HttpResponse::Created().json(render::action_execution(&a, true)))
}

/// `DELETE /v2/action_executions/{id}`: 204; 403 unless
/// `allow_action_execution_deletion`, for a task's action, or unfinished.
pub async fn delete(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id: ActionExecutionId = path.parse().map_err(|_| not_found(&path))?;
    fetch(&state, &caller, &path).await?;
    let msg = crate::engine::DeleteActionExecution {
        id,
        project: caller.project_id,
    };
    super::send::delete_action_execution(&state, msg).await?;
    Ok(HttpResponse::NoContent().finish())
}
