//! Mistral v2 resources bora does not offer, answered 501 with a message
//! that says why and what to use instead, on every method Mistral serves
//! there: code sources and dynamic actions (Python code run by Mistral's
//! executor) and workflow members (resource sharing between projects).
//! Event triggers answer the same way from `cron_triggers`.

use actix_web::HttpResponse;

use super::error::Error;
use super::{Routes, res};

const CODE_SOURCES: &str = "Code sources are not offered by bora: they hold Python modules \
     whose classes Mistral runs as actions, and bora runs no Python. Define the action as \
     an ad-hoc action (POST /v2/actions) over a std action, or serve the code over HTTP \
     and call it with std.http.";

const DYNAMIC_ACTIONS: &str = "Dynamic actions are not offered by bora: they are Python \
     classes of a code source, and bora runs no Python. Define the action as an ad-hoc \
     action (POST /v2/actions) over a std action instead.";

const MEMBERS: &str = "Resource sharing (workflow members) is not offered by bora: a token \
     sees its own project's workflows and the public ones. Make the workflow public \
     (scope=public, with an admin token) to share it with every project.";

#[utoipa::path(
    method(get, post, put, delete),
    path = "/v2/code_sources",
    tag = "unoffered",
    operation_id = "code_sources",
    summary = "Code sources: not offered",
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub(super) async fn code_sources() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(CODE_SOURCES.into()))
}

#[utoipa::path(
    method(get, put, delete),
    path = "/v2/code_sources/{identifier}",
    tag = "unoffered",
    operation_id = "code_source",
    summary = "A code source: not offered",
    params(("identifier" = String, Path, description = "The code source's id or name")),
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub(super) async fn code_source() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(CODE_SOURCES.into()))
}

#[utoipa::path(
    method(get, post, put, delete),
    path = "/v2/dynamic_actions",
    tag = "unoffered",
    operation_id = "dynamic_actions",
    summary = "Dynamic actions: not offered",
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub(super) async fn dynamic_actions() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(DYNAMIC_ACTIONS.into()))
}

#[utoipa::path(
    method(get, delete),
    path = "/v2/dynamic_actions/{identifier}",
    tag = "unoffered",
    operation_id = "dynamic_action",
    summary = "A dynamic action: not offered",
    params(("identifier" = String, Path, description = "The dynamic action's id or name")),
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub(super) async fn dynamic_action() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(DYNAMIC_ACTIONS.into()))
}

#[utoipa::path(
    method(get, post),
    path = "/v2/workflows/{identifier}/members",
    tag = "unoffered",
    operation_id = "workflow_members",
    summary = "Workflow members: not offered",
    params(("identifier" = String, Path, description = "The workflow's id")),
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub(super) async fn members() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(MEMBERS.into()))
}

#[utoipa::path(
    method(get, put, delete),
    path = "/v2/workflows/{identifier}/members/{member_id}",
    tag = "unoffered",
    operation_id = "workflow_member",
    summary = "A workflow member: not offered",
    params(
        ("identifier" = String, Path, description = "The workflow's id"),
        ("member_id" = String, Path, description = "The member project's id")
    ),
    responses((status = 501, description = "Not offered", body = super::openapi::schemas::Error))
)]
pub(super) async fn member() -> Result<HttpResponse, Error> {
    Err(Error::NotImplemented(MEMBERS.into()))
}

/// Registers the 501 routes, with Mistral's methods on each path.
pub(super) fn routes(r: &mut Routes) {
    r.add(
        res("/v2/code_sources")
            .get(code_sources)
            .post(code_sources)
            .put(code_sources)
            .delete(code_sources),
    )
    .add(
        res("/v2/code_sources/{identifier}")
            .get(code_source)
            .put(code_source)
            .delete(code_source),
    )
    .add(
        res("/v2/dynamic_actions")
            .get(dynamic_actions)
            .post(dynamic_actions)
            .put(dynamic_actions)
            .delete(dynamic_actions),
    )
    .add(
        res("/v2/dynamic_actions/{identifier}")
            .get(dynamic_action)
            .delete(dynamic_action),
    )
    .add(
        res("/v2/workflows/{identifier}/members")
            .get(members)
            .post(members),
    )
    .add(
        res("/v2/workflows/{identifier}/members/{member_id}")
            .get(member)
            .put(member)
            .delete(member),
    );
}
