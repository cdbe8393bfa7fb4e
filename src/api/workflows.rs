//! `/v2/workflows`: upload (raw YAML text, any content type), update, list,
//! get, delete and validate workflow definitions. Uploads and deletes go to
//! the engine; reads go to the store; `validate` only parses.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::body::{self, Body};
use super::error::{Error, TextError};
use super::query::{self, Kind, ListSpec, Pairs};
use super::{ApiState, Caller, read, render, send};
use crate::domain::Scope;
use crate::engine::{CreateWorkflows, DeleteWorkflow, UpdateWorkflows};
use crate::lang;
use crate::store::{ListQuery, Store, WorkflowDef};

pub(super) const FIELDS: &[&str] = &[
    "id",
    "name",
    "namespace",
    "input",
    "interface",
    "definition",
    "checksum",
    "tags",
    "scope",
    "project_id",
    "created_at",
    "updated_at",
];

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::Workflows,
    fields: FIELDS,
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("name", Kind::Text),
        ("scope", Kind::Text),
        ("tags", Kind::Text),
        ("updated_at", Kind::Text),
        ("input", Kind::Text),
        ("definition", Kind::Text),
        ("project_id", Kind::Uuid),
        ("namespace", Kind::Text),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

super::openapi::list_query!(ListArgs, SPEC);

/// `?scope=` of an upload: `private` (default) or `public`.
pub(super) fn scope(pairs: &Pairs) -> Result<Scope, Error> {
    match query::get(pairs, "scope") {
        None => Ok(Scope::Private),
        Some(s) => s.parse().map_err(|_| {
            Error::bad(format!(
                "Scope must be one of the following: {{'private', 'public'}}; actual: {s}"
            ))
        }),
    }
}

/// The scope of an upload of `what` (`a workflow`, ...) by `caller`:
/// making a definition public is admin-only (Mistral's
/// `workflows:publicize`), 403 otherwise.
pub(super) fn scope_of(pairs: &Pairs, caller: &Caller, what: &str) -> Result<Scope, Error> {
    let s = scope(pairs)?;
    if s == Scope::Public {
        caller.require_admin(&format!("Making {what} public (scope=public)"))?;
    }
    Ok(s)
}

fn scope_for(pairs: &Pairs, caller: &Caller) -> Result<Scope, Error> {
    scope_of(pairs, caller, "a workflow")
}

fn not_found(identifier: &str, namespace: &str) -> Error {
    Error::not_found(format!(
        "Workflow not found [workflow_identifier={identifier}, namespace={namespace}]"
    ))
}

/// The answer to an upload; a new row (POST) has no `updated_at` yet.
fn uploaded(defs: &[WorkflowDef], created: bool) -> Value {
    let items: Vec<Value> = defs
        .iter()
        .map(|w| {
            let mut m = render::uploaded_workflow(w);
            if created {
                m.remove("updated_at");
            }
            Value::Object(m)
        })
        .collect();
    json!({ "workflows": items })
}

/// `GET /v2/workflows`
#[utoipa::path(
    get,
    path = "/v2/workflows",
    tag = "workflows",
    operation_id = "list_workflows",
    summary = "List workflows",
    params(ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workflows))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    let mut p = query::list_params(&pairs, &SPEC, state.max_page_size, &caller)?;
    // Mistral reads `input` from the stored spec: it swaps `input` for
    // `spec` at the end of the asked names (which the `next` link then
    // shows), and the spec read sets `input` and `interface`.
    if p.fields.iter().any(|f| f == "input") {
        p.fields.retain(|f| f != "input");
        p.fields.push("spec".into());
        p.link_fields = p.fields.clone();
    }
    let fetch = |s: &Store, q: &ListQuery| s.list_workflows(q);
    let rows = if p.fields.is_empty() {
        render::workflow
    } else {
        row
    };
    super::page(&req, &state, p, &SPEC, "workflows", fetch, rows).await
}

/// A workflow as `fields` reads its row: the resource with the stored
/// spec under `spec`, as Mistral stores it (its spec dict; bora's own
/// model for a spec stored before that dict was kept).
fn row(w: &WorkflowDef) -> Map<String, Value> {
    let mut m = render::workflow(w);
    /// The spec dict of a stored spec, read alone.
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(default)]
        raw: Value,
    }
    let spec = match serde_json::from_str::<Stored>(&w.spec) {
        Ok(Stored { raw }) if raw.is_object() => raw,
        _ => serde_json::from_str(&w.spec).unwrap_or(Value::Null),
    };
    m.insert("spec".into(), spec);
    m
}

/// `GET /v2/workflows/{name_or_id}?namespace=&fields=`
#[utoipa::path(
    get,
    path = "/v2/workflows/{identifier}",
    tag = "workflows",
    operation_id = "get_workflow",
    summary = "Get a workflow",
    params(
        ("identifier" = String, Path, description = "The workflow's name or id"),
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workflow))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    query::only(&pairs, &["fields", "namespace"])?;
    // Mistral checks no name here: each is read if it is a column.
    let fields = query::asked_fields(&pairs);
    let identifier = path.into_inner();
    let namespace = query::namespace(&pairs);
    let w = find(&state, &caller, &identifier, &namespace).await?;
    let rows = if fields.is_empty() {
        render::workflow
    } else {
        row
    };
    let shown = super::loaded::project(super::loaded::workflow(), rows(&w), &fields)?;
    Ok(HttpResponse::Ok().json(shown))
}

async fn find(
    state: &ApiState,
    caller: &Caller,
    identifier: &str,
    namespace: &str,
) -> Result<WorkflowDef, Error> {
    let (id, ns) = (identifier.to_string(), namespace.to_string());
    let access = caller.access();
    read(state, move |s| s.find_workflow(&access, &id, &ns))
        .await?
        .ok_or_else(|| not_found(identifier, namespace))
}

/// `POST /v2/workflows?namespace=&scope=`: 201 `{"workflows": [...]}`.
#[utoipa::path(
    post,
    path = "/v2/workflows",
    tag = "workflows",
    operation_id = "create_workflows",
    summary = "Upload workflows",
    params(
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 201, description = "Created", body = super::openapi::schemas::Workflows))
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    let pairs = query::pairs(&req)?;
    let msg = CreateWorkflows {
        scope: scope_for(&pairs, &caller)?,
        namespace: query::namespace(&pairs),
        definition: body::text(body)?,
        project: caller.project_id,
    };
    let defs = send::create_workflows(&state, msg).await?;
    Ok(HttpResponse::Created().json(uploaded(&defs, true)))
}

/// `PUT /v2/workflows?namespace=&scope=`: every workflow of the document,
/// by name; 200 `{"workflows": [...]}`.
#[utoipa::path(
    put,
    path = "/v2/workflows",
    tag = "workflows",
    operation_id = "update_workflows",
    summary = "Update workflows by the names in the document",
    params(
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workflows))
)]
pub async fn update(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    let pairs = query::pairs(&req)?;
    let msg = UpdateWorkflows {
        scope: scope_for(&pairs, &caller)?,
        namespace: query::namespace(&pairs),
        definition: body::text(body)?,
        identifier: None,
        project: caller.project_id,
    };
    let defs = send::update_workflows(&state, msg).await?;
    Ok(HttpResponse::Ok().json(uploaded(&defs, false)))
}

/// `PUT /v2/workflows/{name_or_id}`: the document holds exactly that
/// workflow; 200 with the one object.
#[utoipa::path(
    put,
    path = "/v2/workflows/{identifier}",
    tag = "workflows",
    operation_id = "update_workflow",
    summary = "Update one workflow",
    params(
        ("identifier" = String, Path, description = "The workflow's name or id"),
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Workflows))
)]
pub async fn update_one(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    let pairs = query::pairs(&req)?;
    let identifier = path.into_inner();
    let namespace = query::namespace(&pairs);
    let scope = scope_for(&pairs, &caller)?;
    let definition = body::text(body)?;
    let msg = UpdateWorkflows {
        definition,
        namespace: namespace.clone(),
        scope,
        identifier: Some(identifier.clone()),
        project: caller.project_id,
    };
    let defs = send::update_workflows(&state, msg).await?;
    let w = defs
        .first()
        .ok_or_else(|| not_found(&identifier, &namespace))?;
    Ok(HttpResponse::Ok().json(render::uploaded_workflow(w)))
}

/// `DELETE /v2/workflows/{name_or_id}?namespace=`: 204.
#[utoipa::path(
    delete,
    path = "/v2/workflows/{identifier}",
    tag = "workflows",
    operation_id = "delete_workflow",
    summary = "Delete a workflow",
    params(
        ("identifier" = String, Path, description = "The workflow's name or id"),
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
    let msg = DeleteWorkflow {
        name_or_id: path.into_inner(),
        namespace: query::namespace(&pairs),
        project: caller.project_id,
    };
    send::delete_workflow(&state, msg).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v2/workflows/validate`: always 200.
#[utoipa::path(
    post,
    path = "/v2/workflows/validate",
    tag = "workflows",
    operation_id = "validate_workflows",
    summary = "Validate a workflow definition",
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Validation))
)]
pub async fn validate(body: Body) -> Result<HttpResponse, Error> {
    let text = body::text(body)?;
    Ok(HttpResponse::Ok().json(validation(&text)))
}

fn validation(text: &str) -> Value {
    body::validation(lang::parse_workflows(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_scope(qs: &[(&str, &str)], expected: Result<&str, &str>) {
        let pairs: Pairs = qs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            scope(&pairs)
                .map(|s| s.to_string())
                .map_err(|e| e.to_string()),
            expected.map(str::to_string).map_err(str::to_string)
        );
    }

    #[test]
    fn scopes() {
        check_scope(&[], Ok("private"));
        check_scope(&[("scope", "private")], Ok("private"));
        check_scope(&[("scope", "public")], Ok("public"));
        check_scope(
            &[("scope", "unique")],
            Err("Scope must be one of the following: {'private', 'public'}; actual: unique"),
        );
    }

    #[test]
    fn validation_reports_every_problem() {
        let ok = "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n";
        assert_eq!(validation(ok), json!({"valid": true}));
        let bad = "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n      on-success: [t9]\n      bogus: 1\n";
        let v = validation(bad);
        assert_eq!(v["valid"], json!(false));
        let err = v["error"].as_str().unwrap_or_default();
        assert!(err.starts_with("Invalid DSL: "), "{v}");
        assert!(err.contains("t9") && err.contains("bogus"), "{v}");
    }

    #[test]
    fn not_found_message() {
        assert_eq!(
            not_found("wf", "").to_string(),
            "Workflow not found [workflow_identifier=wf, namespace=]"
        );
    }
}
