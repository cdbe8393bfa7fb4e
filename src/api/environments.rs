//! `/v2/environments`: stored environments, `{name, description,
//! variables, scope}`, referenced by name from an execution's `params.env`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::body::{self, Body};
use super::error::Error;
use super::query::{Kind, ListSpec};
use super::render::{json_text, timestamp};
use super::{ApiState, Caller, list_page, read};
use crate::engine::{DeleteEnvironment, PutEnvironment};
use crate::store::{EnvironmentRecord, ListQuery, Store};

const FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "variables",
    "scope",
    "project_id",
    "created_at",
    "updated_at",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::Environments,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("name", Kind::Text),
        ("updated_at", Kind::Text),
        ("description", Kind::Text),
        ("variables", Kind::Json),
        ("scope", Kind::Text),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

/// An environment as Mistral renders it (`variables` as JSON text).
fn render(e: &EnvironmentRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), e.id.clone().into());
    m.insert("name".into(), e.name.clone().into());
    m.insert("description".into(), e.description.clone().into());
    m.insert("variables".into(), json_text(&e.variables));
    m.insert("scope".into(), e.scope.as_str().into());
    m.insert("project_id".into(), e.project_id.clone().into());
    m.insert("created_at".into(), timestamp(&e.created_at).into());
    m.insert(
        "updated_at".into(),
        e.updated_at.as_ref().map(timestamp).into(),
    );
    m
}

/// `GET /v2/environments`
#[utoipa::path(
    get,
    path = "/v2/environments",
    tag = "environments",
    operation_id = "list_environments",
    summary = "List environments",
    params(ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Environments))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    // Mistral loads the marker row with `get_environment`, which reads it
    // as a name: a marker (a uuid, as the argument's type requires) names
    // the environment called so, and an id matches none (404).
    let fetch = |s: &Store, q: &ListQuery| {
        let mut q = q.clone();
        if let Some(m) = q.marker.take() {
            let e = s
                .get_environment(&q.access, &m)?
                .filter(|e| e.name == m)
                .ok_or(crate::store::Error::MarkerNotFound("environments", m))?;
            q.marker = Some(e.id.to_string());
        }
        s.list_environments(&q)
    };
    list_page(&req, &state, &caller, &SPEC, "environments", fetch, render).await
}

/// `GET /v2/environments/{name}`
#[utoipa::path(
    get,
    path = "/v2/environments/{name}",
    tag = "environments",
    operation_id = "get_environment",
    summary = "Get an environment",
    params(("name" = String, Path, description = "The environment's name")),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Environment))
)]
pub async fn get(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let name = path.into_inner();
    let key = name.clone();
    let access = caller.access();
    // Mistral looks an environment up by name only: its id names nothing.
    let e = read(&state, move |s| s.get_environment(&access, &key))
        .await?
        .filter(|e| e.name == name)
        .ok_or_else(|| Error::not_found(format!("Environment not found [name={name}]")))?;
    Ok(HttpResponse::Ok().json(render(&e)))
}

/// The message of a `POST` or `PUT` body by `caller`, and the optional
/// fields the body names (null or not). `id`, `project_id`, `created_at`
/// and `updated_at` in the body are ignored (read-only); `scope: public`
/// is admin-only (403).
fn message(
    b: Body,
    create: bool,
    caller: Caller,
) -> Result<(PutEnvironment, Vec<&'static str>), Error> {
    let obj = body::object(b)?;
    let given = ["description", "variables"]
        .into_iter()
        .filter(|f| obj.contains_key(*f))
        .collect();
    body::check_known(&obj, FIELDS, "env")?;
    super::wsme::check(&obj, "env", super::wsme::ENVIRONMENT)?;
    // Mistral's update refuses a body without a name in its own words;
    // its create stores an environment named null, which bora refuses.
    let name = body::string(&obj, "name")?.ok_or_else(|| match create {
        true => Error::bad("The property 'name' is required."),
        false => Error::bad("Name of the environment is not provided."),
    })?;
    // `variables` is a `types.jsontype` of the `env` body, read as any
    // other JSON field is; given as `null` (or the text `null`) it is
    // stored null, as Mistral stores it, and absent it is left alone.
    let variables = match obj.contains_key("variables") {
        true => Some(body::dict(&obj, "variables", "env")?.map_or(Value::Null, Value::Object)),
        false => None,
    };
    // wsme's `Enum(str, 'private', 'public')` of the body: anything else
    // (also `""` or a number) is refused naming the values, a list or a
    // mapping as unhashable.
    let scope = match obj.get("scope") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "private" || s == "public" => s.parse().ok(),
        Some(v @ (Value::Array(_) | Value::Object(_))) => {
            return Err(Error::bad(format!(
                "Invalid input for field/attribute scope. Value: '{}'. unhashable type: '{}'",
                crate::domain::pytext::str(v),
                crate::domain::pytext::type_name(v)
            )));
        }
        Some(v) => {
            return Err(Error::bad(format!(
                "Invalid input for field/attribute scope. Value: '{}'. Value should be one of: private, public",
                crate::domain::pytext::str(v)
            )));
        }
    };
    if scope == Some(crate::domain::Scope::Public) {
        caller.require_admin("Making an environment public (scope=public)")?;
    }
    let msg = PutEnvironment {
        name,
        description: match obj.contains_key("description") {
            true => Some(body::string_as_given(&obj, "description")?),
            false => None,
        },
        variables,
        scope,
        create,
        project: caller.project_id,
    };
    Ok((msg, given))
}

/// `POST /v2/environments`
#[utoipa::path(
    post,
    path = "/v2/environments",
    tag = "environments",
    operation_id = "create_environment",
    summary = "Create an environment",
    request_body(content = super::openapi::schemas::EnvironmentWrite, description = "The environment"),
    responses((status = 201, description = "Created", body = super::openapi::schemas::Environment))
)]
pub async fn create(
    state: web::Data<ApiState>,
    b: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let (msg, given) = message(b, true, caller)?;
    let e = super::send::put_environment(&state, msg).await?;
    // Mistral's answer to a create leaves out what the body did not name.
    let mut m = render(&e);
    m.shift_remove("updated_at");
    for f in ["description", "variables"] {
        if !given.contains(&f) {
            m.shift_remove(f);
        }
    }
    Ok(HttpResponse::Created().json(m))
}

/// `PUT /v2/environments` (the name is in the body)
#[utoipa::path(
    put,
    path = "/v2/environments",
    tag = "environments",
    operation_id = "update_environment",
    summary = "Update an environment (named in the body)",
    request_body(content = super::openapi::schemas::EnvironmentWrite, description = "The environment"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Environment))
)]
pub async fn update(
    state: web::Data<ApiState>,
    b: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let (msg, _) = message(b, false, caller)?;
    let e = super::send::put_environment(&state, msg).await?;
    Ok(HttpResponse::Ok().json(render(&e)))
}

/// `DELETE /v2/environments/{name}`
#[utoipa::path(
    delete,
    path = "/v2/environments/{name}",
    tag = "environments",
    operation_id = "delete_environment",
    summary = "Delete an environment",
    params(("name" = String, Path, description = "The environment's name")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let name = path.into_inner();
    // By name only, as Mistral deletes it: an environment's id is an
    // unknown name.
    let (key, access) = (name.clone(), caller.access());
    let named = read(&state, move |s| s.get_environment(&access, &key))
        .await?
        .is_some_and(|e| e.name == name);
    if !named {
        return Err(Error::not_found(format!(
            "Environment not found [name={name}]"
        )));
    }
    super::send::delete_environment(
        &state,
        DeleteEnvironment {
            name,
            project: caller.project_id,
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
