//! `/v2/workbooks`: upload (raw YAML text), update, list, get, delete and
//! validate workbooks. A workbook's workflows and actions appear under
//! `/v2/workflows` and `/v2/actions` as `<workbook>.<name>`. Changes go to
//! the engine; reads go to the store; `validate` only parses. A workbook
//! (with its members) belongs to the caller's project; only its own can be
//! changed; `scope=public` is admin-only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::body::{self, Body};
use super::error::Error;
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

const SPEC: ListSpec = ListSpec {
    fields: FIELDS,
    filters: &[
        ("name", Kind::Text),
        ("definition", Kind::Text),
        ("tags", Kind::Text),
        ("scope", Kind::Text),
        ("namespace", Kind::Text),
        ("project_id", Kind::Text),
        ("created_at", Kind::Text),
        ("updated_at", Kind::Text),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

/// `GET /v2/workbooks`
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
    Ok(HttpResponse::Ok().json(query::project(render::workbook(&w), &fields)))
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
    Ok(render::workbook(&send::put_workbook(state, msg).await?))
}

/// `POST /v2/workbooks?namespace=&scope=`: 201 with the workbook.
pub async fn create(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Created().json(put(&req, &state, body, true, caller).await?))
}

/// `PUT /v2/workbooks?namespace=&scope=`: by the name inside the document.
pub async fn update(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok().json(put(&req, &state, body, false, caller).await?))
}

/// `DELETE /v2/workbooks/{name}?namespace=`: 204.
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
    send::delete_workbook(&state, msg).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v2/workbooks/validate`: always 200.
pub async fn validate(body: Body) -> Result<HttpResponse, Error> {
    let text = body::text(body)?;
    Ok(HttpResponse::Ok().json(body::validation(lang::parse_workbook(&text))))
}
