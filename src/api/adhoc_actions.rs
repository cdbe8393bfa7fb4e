//! `/v2/actions` writes: upload (raw YAML action list), update, delete and
//! validate ad-hoc actions. Changes go to the engine. An ad-hoc action may
//! take a system action's name (`std.echo`), as in Mistral 23, whose system
//! actions are no rows of its definition table: within its namespace it is
//! found before the system action. Actions belong
//! to the caller's project; only its own can be changed; `scope=public` is
//! admin-only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::body::{self, Body};
use super::error::{Error, TextError};
use super::query;
use super::workflows::scope_of;
use super::{ApiState, Caller, read, render, send};
use crate::engine::{CreateActions, DeleteAction, UpdateActions};
use crate::lang;
use crate::store::ActionDef;

/// The answer to an upload: Mistral renders the stored rows, whose empty
/// `input` is `null`, and a new row (POST) has no `updated_at` yet.
fn listed(defs: &[ActionDef], created: bool) -> Value {
    let items: Vec<Value> = defs
        .iter()
        .map(|a| {
            let mut m = render::adhoc_action(a);
            if a.input.is_empty() {
                m.insert("input".into(), Value::Null);
            }
            if created {
                m.remove("updated_at");
            }
            Value::Object(m)
        })
        .collect();
    json!({ "actions": items })
}

/// `POST /v2/actions?namespace=&scope=`: 201 `{"actions": [...]}`.
#[utoipa::path(
    post,
    path = "/v2/actions",
    tag = "actions",
    operation_id = "create_actions",
    summary = "Upload ad-hoc actions",
    params(
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 201, description = "Created", body = super::openapi::schemas::Actions))
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    let pairs = query::pairs(&req)?;
    let definition = body::text(body)?;
    let msg = CreateActions {
        scope: scope_of(&pairs, &caller, "an action")?,
        namespace: query::namespace(&pairs),
        definition,
        project: caller.project_id,
    };
    let defs = send::create_actions(&state, msg).await?;
    Ok(HttpResponse::Created().json(listed(&defs, true)))
}

/// `PUT /v2/actions?namespace=&scope=`: every action of the document, by
/// name; 200 `{"actions": [...]}`.
#[utoipa::path(
    put,
    path = "/v2/actions",
    tag = "actions",
    operation_id = "update_actions",
    summary = "Update ad-hoc actions by the names in the document",
    params(
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Actions))
)]
pub async fn update(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Body,
    caller: Caller,
) -> Result<HttpResponse, TextError> {
    let pairs = query::pairs(&req)?;
    let definition = body::text(body)?;
    let msg = UpdateActions {
        scope: scope_of(&pairs, &caller, "an action")?,
        namespace: query::namespace(&pairs),
        definition,
        id: None,
        project: caller.project_id,
    };
    let defs = send::update_actions(&state, msg).await?;
    Ok(HttpResponse::Ok().json(listed(&defs, false)))
}

/// `PUT /v2/actions/{name_or_id}`: the document holds that one action;
/// 200 `{"actions": [...]}` as Mistral answers.
#[utoipa::path(
    put,
    path = "/v2/actions/{name}",
    tag = "actions",
    operation_id = "update_action",
    summary = "Update one ad-hoc action",
    params(
        ("name" = String, Path, description = "The action's name or id"),
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
        ("scope" = Option<String>, Query, description = "`private` (default) or `public` (administrators only)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Actions))
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
    let scope = scope_of(&pairs, &caller, "an action")?;
    let definition = body::text(body)?;
    // Mistral counts the document's actions before it looks the identifier
    // up, and names the identifier as the path gave it.
    if lang::parse_actions(&definition).is_ok_and(|specs| specs.len() > 1) {
        return Err(Error::bad(format!(
            "More than one actions are not supported for update with identifier. [identifier: {identifier}]"
        ))
        .into());
    }
    let (i, ns) = (identifier.clone(), namespace.clone());
    let access = caller.access();
    let id = read(&state, move |s| s.find_action_definition(&access, &i, &ns))
        .await?
        .map(|a| a.id)
        .ok_or_else(|| {
            Error::not_found(format!(
                "Action definition not found [action_name={identifier}, namespace={namespace}]"
            ))
        })?;
    let msg = UpdateActions {
        scope,
        namespace,
        definition,
        id: Some(id),
        project: caller.project_id,
    };
    let defs = send::update_actions(&state, msg).await?;
    Ok(HttpResponse::Ok().json(listed(&defs, false)))
}

/// `DELETE /v2/actions/{name_or_id}?namespace=`: 204.
#[utoipa::path(
    delete,
    path = "/v2/actions/{name}",
    tag = "actions",
    operation_id = "delete_action",
    summary = "Delete an ad-hoc action",
    params(
        ("name" = String, Path, description = "The action's name or id"),
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
    let identifier = path.into_inner();
    let namespace = query::namespace(&pairs);
    // Mistral deletes from the definition table only: a system action is
    // as unknown there as a made-up name.
    let not_found = || {
        Error::not_found(format!(
            "Action definition not found [action_name={identifier}, namespace={namespace}]"
        ))
    };
    let msg = DeleteAction {
        name_or_id: identifier.clone(),
        namespace: namespace.clone(),
        project: caller.project_id,
    };
    match send::delete_action(&state, msg).await {
        Err(Error::NotFound(_)) => return Err(not_found()),
        other => other?,
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v2/actions/validate`: always 200.
#[utoipa::path(
    post,
    path = "/v2/actions/validate",
    tag = "actions",
    operation_id = "validate_actions",
    summary = "Validate an ad-hoc action definition",
    request_body(content = String, content_type = "text/plain", description = "The YAML definition (any content type is read as text)"),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Validation))
)]
pub async fn validate(body: Body) -> Result<HttpResponse, Error> {
    let text = body::text(body)?;
    Ok(HttpResponse::Ok().json(validation(&text)))
}

fn validation(text: &str) -> Value {
    body::validation(lang::parse_actions(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reports_every_problem() {
        let ok = "version: '2.0'\na:\n  base: std.noop\n";
        assert_eq!(validation(ok), json!({"valid": true}));
        let v = validation("version: '2.0'\na:\n  bogus: 1\n");
        assert_eq!(v["valid"], json!(false));
        let err = v["error"].as_str().unwrap_or_default();
        assert!(
            err.contains("'base' is a required property") && err.contains("bogus"),
            "{v}"
        );
    }
}
