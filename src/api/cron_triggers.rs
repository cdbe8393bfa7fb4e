//! `/v2/cron_triggers`: Mistral's cron triggers (create, list, get,
//! delete; no update, as in Mistral), and `/v2/event_triggers`, which bora
//! does not offer (501).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::body::{self, Body};
use super::error::Error;
use super::query::{self, Kind, ListSpec};
use super::render::{json_text, timestamp};
use super::{ApiState, Caller, list_page, read};
use crate::domain::{format_time, pytext};
use crate::engine::{CreateCronTrigger, DeleteCronTrigger};
use crate::store::{CronTriggerRecord, ListQuery, Store};

const FIELDS: &[&str] = &[
    "id",
    "name",
    "workflow_name",
    "workflow_id",
    "workflow_input",
    "workflow_params",
    "project_id",
    "scope",
    "pattern",
    "remaining_executions",
    "first_execution_time",
    "next_execution_time",
    "created_at",
    "updated_at",
    "timezone",
    "catch_up",
];

/// What a create body may hold: Mistral's resource, bora's extensions
/// (`workflow_namespace`, `timezone`, `catch_up`).
const BODY_FIELDS: &[&str] = &[
    "id",
    "name",
    "workflow_name",
    "workflow_id",
    "workflow_namespace",
    "workflow_input",
    "workflow_params",
    "project_id",
    "scope",
    "pattern",
    "remaining_executions",
    "first_execution_time",
    "next_execution_time",
    "created_at",
    "updated_at",
    "timezone",
    "catch_up",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::CronTriggers,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("name", Kind::Text),
        ("updated_at", Kind::Text),
        ("workflow_name", Kind::Text),
        ("workflow_id", Kind::Uuid),
        ("workflow_input", Kind::Json),
        ("workflow_params", Kind::Json),
        ("scope", Kind::Text),
        ("pattern", Kind::Text),
        ("remaining_executions", Kind::Text),
        ("first_execution_time", Kind::Text),
        ("next_execution_time", Kind::Text),
        ("project_id", Kind::Uuid),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

/// A cron trigger as Mistral renders it (input and params as JSON text).
fn render(t: &CronTriggerRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), t.id.clone().into());
    m.insert("name".into(), t.name.clone().into());
    m.insert("workflow_name".into(), t.workflow_name.clone().into());
    m.insert("workflow_id".into(), t.workflow_id.clone().into());
    m.insert("workflow_input".into(), json_text(&t.workflow_input));
    m.insert("workflow_params".into(), json_text(&t.workflow_params));
    m.insert("project_id".into(), t.project_id.clone().into());
    m.insert("scope".into(), t.scope.as_str().into());
    m.insert("pattern".into(), t.pattern.clone().into());
    m.insert("remaining_executions".into(), t.remaining_executions.into());
    m.insert(
        "first_execution_time".into(),
        t.first_execution_time.as_ref().map(format_time).into(),
    );
    m.insert(
        "next_execution_time".into(),
        format_time(&t.next_execution_time).into(),
    );
    m.insert("created_at".into(), timestamp(&t.created_at).into());
    m.insert(
        "updated_at".into(),
        t.updated_at.as_ref().map(timestamp).into(),
    );
    if let Some(z) = &t.timezone {
        m.insert("timezone".into(), z.clone().into());
    }
    if let Some(c) = &t.catch_up {
        m.insert("catch_up".into(), c.clone().into());
    }
    m
}

/// `GET /v2/cron_triggers`
#[utoipa::path(
    get,
    path = "/v2/cron_triggers",
    tag = "cron_triggers",
    operation_id = "list_cron_triggers",
    summary = "List cron triggers",
    params(ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::CronTriggers))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let fetch = |s: &Store, q: &ListQuery| s.list_cron_triggers(q);
    list_page(&req, &state, &caller, &SPEC, "cron_triggers", fetch, render).await
}

/// `GET /v2/cron_triggers/{name_or_id}?fields=`
#[utoipa::path(
    get,
    path = "/v2/cron_triggers/{identifier}",
    tag = "cron_triggers",
    operation_id = "get_cron_trigger",
    summary = "Get a cron trigger",
    params(
        ("identifier" = String, Path, description = "The trigger's name or id"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::CronTrigger))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    query::only(&pairs, &["fields"])?;
    // Mistral checks no name here: each is read if it is a column.
    let fields = query::asked_fields(&pairs);
    let identifier = path.into_inner();
    let key = identifier.clone();
    let access = caller.access();
    let t = read(&state, move |s| s.get_cron_trigger(&access, &key))
        .await?
        .ok_or_else(|| {
            Error::not_found(format!("Cron trigger not found [identifier={identifier}]"))
        })?;
    let shown = super::loaded::project(super::loaded::cron_trigger(), render(&t), &fields)?;
    Ok(HttpResponse::Ok().json(shown))
}

/// `remaining_executions` as wsme's `IntegerType(minimum=1)` takes it: an
/// integer or a string of one, at least 1.
fn count(obj: &Map<String, Value>) -> Result<Option<i32>, Error> {
    let v = match obj.get("remaining_executions") {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let n: Option<i64> = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    let Some(n) = n else {
        let text = match v {
            Value::String(s) => pytext::str_repr(s),
            other => pytext::repr(other),
        };
        return Err(Error::bad(format!(
            "Invalid input for field/attribute cron_trigger. Value: '{}'. \
             invalid literal for int() with base 10: {text}",
            pytext::repr(&Value::Object(obj.clone()))
        )));
    };
    if n < 1 {
        return Err(Error::bad(format!(
            "Invalid input for field/attribute remaining_executions. Value: '{n}'. \
             Value should be greater or equal to 1"
        )));
    }
    Ok(Some(i32::try_from(n).unwrap_or(i32::MAX)))
}

/// `POST /v2/cron_triggers`
#[utoipa::path(
    post,
    path = "/v2/cron_triggers",
    tag = "cron_triggers",
    operation_id = "create_cron_trigger",
    summary = "Create a cron trigger",
    request_body(content = super::openapi::schemas::CronTriggerCreate, description = "The trigger"),
    responses((status = 201, description = "Created", body = super::openapi::schemas::CronTrigger))
)]
pub async fn create(
    state: web::Data<ApiState>,
    b: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let obj = body::object(b)?;
    body::check_known(&obj, BODY_FIELDS, "cron_trigger")?;
    super::wsme::check(&obj, "cron_trigger", super::wsme::CRON_TRIGGER)?;
    let remaining_executions = count(&obj)?;
    let name = body::string(&obj, "name")?
        .ok_or_else(|| Error::bad("The property 'name' is required."))?;
    let scope = match body::string(&obj, "scope")? {
        None => crate::domain::Scope::Private,
        Some(s) => s.parse().map_err(|_| {
            Error::bad(format!(
                "Invalid input for field/attribute scope. Value: '{s}'. \
                 Value should be one of: private, public"
            ))
        })?,
    };
    if scope == crate::domain::Scope::Public {
        caller.require_admin("Making a cron trigger public (scope=public)")?;
    }
    let msg = CreateCronTrigger {
        name,
        workflow_name: body::string(&obj, "workflow_name")?,
        workflow_id: body::string(&obj, "workflow_id")?,
        workflow_namespace: body::string(&obj, "workflow_namespace")?.unwrap_or_default(),
        workflow_input: body::dict(&obj, "workflow_input", "cron_trigger")?.unwrap_or_default(),
        workflow_params: body::dict(&obj, "workflow_params", "cron_trigger")?.unwrap_or_default(),
        pattern: body::string(&obj, "pattern")?,
        first_execution_time: body::string(&obj, "first_execution_time")?,
        remaining_executions,
        timezone: body::string(&obj, "timezone")?,
        catch_up: body::string(&obj, "catch_up")?,
        scope,
        project: caller.project_id,
    };
    let t = super::send::call(&state, msg).await?;
    // Mistral's answer to a create has no `updated_at`.
    let mut m = render(&t);
    m.shift_remove("updated_at");
    Ok(HttpResponse::Created().json(m))
}

/// `DELETE /v2/cron_triggers/{name_or_id}`
#[utoipa::path(
    delete,
    path = "/v2/cron_triggers/{identifier}",
    tag = "cron_triggers",
    operation_id = "delete_cron_trigger",
    summary = "Delete a cron trigger",
    params(("identifier" = String, Path, description = "The trigger's name or id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let msg = DeleteCronTrigger {
        name_or_id: path.into_inner(),
        project: caller.project_id,
    };
    super::send::call(&state, msg).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every `/v2/event_triggers` route: Mistral's event triggers start
/// workflows on OpenStack notifications (oslo.messaging), a bus bora does
/// not listen to.
#[utoipa::path(
    method(get, post),
    path = "/v2/event_triggers",
    tag = "event_triggers",
    operation_id = "event_triggers",
    summary = "Event triggers: not offered",
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub async fn event_triggers() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(
        "Event triggers are not offered by bora: they fire on OpenStack \
         notifications (oslo.messaging), which bora does not receive. Use a \
         cron trigger, or start the execution with POST /v2/executions from \
         the event's consumer."
            .into(),
    ))
}

/// Every `/v2/event_triggers/{id}` route: as [`event_triggers`].
#[utoipa::path(
    method(get, put, delete),
    path = "/v2/event_triggers/{id}",
    tag = "event_triggers",
    operation_id = "event_trigger",
    summary = "An event trigger: not offered",
    params(("id" = String, Path, description = "The trigger's id")),
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub async fn event_trigger() -> Result<HttpResponse, Error> {
    event_triggers().await
}
