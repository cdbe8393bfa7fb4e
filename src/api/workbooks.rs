//! `/v2/workbooks`: upload (raw YAML text), update, list, get, delete and
//! validate workbooks. A workbook's workflows and actions appear under
//! `/v2/workflows` and `/v2/actions` as `<workbook>.<name>`. Changes go to
//! the engine; reads go to the store; `validate` only parses. A workbook
//! (with its members) belongs to the caller's project; only its own can be
//! changed; `scope=public` is admin-only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::body::{self, Body};
use super::error::{Error, TextError};
use super::query::{self, Kind, ListSpec};
use super::workflows::scope_of;
use super::{ApiState, Caller, list_page, read, render, send};
use crate::engine::{DeleteWorkbook, PutWorkbook};
use crate::lang;
use crate::store::{ListQuery, Store};

const FIELDS: &[&str] = &[
    "id",
    "name",
    "namespace",
    "definition",
    "tags",
    "scope",
    "project_id",
    "created_at",
    "updated_at",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::Workbooks,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("definition", Kind::Text),
        ("name", Kind::Text),
        ("scope", Kind::Text),
        ("tags", Kind::Text),
        ("updated_at", Kind::Text),
        ("namespace", Kind::Text),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

/// `GET /v2/workbooks`
#[utoipa::path(
    get,
    path = "/v2/workbooks",
    tag = "workbooks",
    operation_id = "list_workbooks",
    summary = "List workbooks",
    params(ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workbooks))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let fetch = |s: &Store, q: &ListQuery| s.list_workbooks(q);
    list_page(
        &req,
        &state,
        &caller,
        &SPEC,
        "workbooks",
        fetch,
        render::workbook,
    )
    .await
}

/// `GET /v2/workbooks/{name}?namespace=&fields=`
#[utoipa::path(
    get,
    path = "/v2/workbooks/{name}",
    tag = "workbooks",
    operation_id = "get_workbook",
    summary = "Get a workbook",
    params(
        ("name" = String, Path, description = "The workbook's name"),
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workbook))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    let fields = query::fields(&pairs, FIELDS)?;
    let name = path.into_inner();
    let namespace = query::namespace(&pairs);
    let (n, ns) = (name.clone(), namespace.clone());
    let access = caller.access();
    let w = read(&state, move |s| s.find_workbook(&access, &n, &ns))
        .await?
        .ok_or_else(|| {
            Error::not_found(format!(
                "Workbook not found [name={name}, namespace={namespace}]"
            ))
        })?;
    let shown = query::project(render::workbook(&w), &fields);
    // Mistral reads these columns by name as raw SQL text: `tags` comes back
    // as its stored JSON text, which the list-typed field refuses.
    if let Some(tags) = shown
        .get("tags")
        .filter(|t| !fields.is_empty() && !t.is_null())
    {
        return Err(Error::bad(format!(
            "Invalid input for field/attribute tags. Value: '{}'. Wrong type. Expected '[<class 'str'>]', got '<class 'str'>'",
            crate::domain::pytext::dumps(tags, None)
        )));
    }
    Ok(HttpResponse::Ok().json(shown))
}

async fn put(
    req: &HttpRequest,
    state: &ApiState,
    body: Body,
    create: bool,
    caller: Caller,
) -> Result<Map<String, Value>, Error> {
    let pairs = query::pairs(req)?;
    let msg = PutWorkbook {
        scope: scope_of(&pairs, &caller, "a workbook")?,
        namespace: query::namespace(&pairs),
        definition: body::text(body)?,
        create,
        project: caller.project_id,
    };
    let mut m = render::workbook(&send::put_workbook(state, msg).await?);
    // A new row (POST) has no `updated_at` yet.
    if create {
        m.remove("updated_at");
    }
    Ok(m)
}

/// `POST /v2/workbooks?namespace=&scope=`: 201 with the workbook.
#[utoipa::path(
    post,
    path = "/v2/workbooks",
    tag = "workbooks",
    operation_id = "create_workbook",
    summary = "Upload a workbook",
    params(
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 201, description = "Created", body = super::openapi::schemas::Workbook))
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    Ok(HttpResponse::Created().json(put(&req, &state, body, true, caller).await?))
}

/// `PUT /v2/workbooks?namespace=&scope=`: by the name inside the document.
#[utoipa::path(
    put,
    path = "/v2/workbooks",
    tag = "workbooks",
    operation_id = "update_workbook",
    summary = "Update a workbook by the name in the document",
    params(
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workbook))
)]
pub async fn update(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    Ok(HttpResponse::Ok().json(put(&req, &state, body, false, caller).await?))
}

/// `DELETE /v2/workbooks/{name}?namespace=`: 204.
#[utoipa::path(
    delete,
    path = "/v2/workbooks/{name}",
    tag = "workbooks",
    operation_id = "delete_workbook",
    summary = "Delete a workbook",
    params(
        ("name" = String, Path, description = "The workbook's name"),
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
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
    let msg = DeleteWorkbook {
        name: path.into_inner(),
        namespace: query::namespace(&pairs),
        project: caller.project_id,
    };
    // DELETE names its key `workbook_name` (GET says `name`).
    let missing = format!(
        "Workbook not found [workbook_name={}, namespace={}]",
        msg.name, msg.namespace
    );
    match send::delete_workbook(&state, msg).await {
        Err(Error::NotFound(_)) => return Err(Error::not_found(missing)),
        other => other?,
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v2/workbooks/validate`: always 200.
#[utoipa::path(
    post,
    path = "/v2/workbooks/validate",
    tag = "workbooks",
    operation_id = "validate_workbook",
    summary = "Validate a workbook definition",
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Validation))
)]
pub async fn validate(body: Body) -> Result<HttpResponse, Error> {
    let text = body::text(body)?;
    Ok(HttpResponse::Ok().json(body::validation(lang::parse_workbook(&text))))
}
