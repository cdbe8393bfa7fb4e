//! The OpenAPI 3 document of the `/v2` API, served at `GET /v2/openapi.json`,
//! and Swagger UI (vendored into the binary, nothing fetched at run time)
//! at `/ui/swagger/`. The document is generated from the code: each handler
//! carries its `#[utoipa::path]`, the JSON shapes are the types of
//! `schemas`, a list's query parameters come from its `ListSpec` (through
//! [`list_query!`]), and which operations need a token comes from
//! `auth::public_path`. A test compares the document with the route table.
//!
//! - `schemas`: Mistral's resources, request bodies and the error body.

pub(super) mod schemas;

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};

use super::auth::{Auth, public_path};
use super::query::{Kind, ListSpec};
use super::{
    action_executions, actions, adhoc_actions, cron_triggers, environments, events, executions,
    report, root, sub_executions, tasks, unoffered, workbooks, workflows,
};

/// The document's static part: every `/v2` operation.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bora",
        description = "The Mistral v2 REST API as bora serves it. JSON-typed fields \
            (`input`, `output`, `params`, `published`, ...) are JSON text inside a string, \
            as Mistral sends them; timestamps are `YYYY-MM-DD HH:MM:SS` (UTC). Every path \
            also answers with a trailing slash."
    ),
    paths(
        root::v2,
        document,
        events::stream,
        workflows::list,
        workflows::create,
        workflows::update,
        workflows::validate,
        workflows::get,
        workflows::update_one,
        workflows::delete,
        executions::list,
        executions::create,
        executions::get,
        executions::update,
        executions::delete,
        tasks::list_of_execution,
        sub_executions::of_execution,
        report::get,
        executions::diagnosis,
        sub_executions::of_task,
        tasks::list,
        tasks::get,
        tasks::update,
        action_executions::list_of_task,
        action_executions::get_of_task,
        executions::list_of_task,
        action_executions::list,
        action_executions::create,
        action_executions::get,
        action_executions::update,
        action_executions::delete,
        environments::list,
        environments::create,
        environments::update,
        environments::get,
        environments::delete,
        actions::list,
        adhoc_actions::create,
        adhoc_actions::update,
        adhoc_actions::validate,
        actions::get,
        adhoc_actions::update_one,
        adhoc_actions::delete,
        actions::get_in_namespace,
        workbooks::list,
        workbooks::create,
        workbooks::update,
        workbooks::validate,
        workbooks::get,
        workbooks::delete,
        cron_triggers::list,
        cron_triggers::create,
        cron_triggers::get,
        cron_triggers::delete,
        cron_triggers::event_triggers,
        cron_triggers::event_trigger,
        unoffered::code_sources,
        unoffered::code_source,
        unoffered::dynamic_actions,
        unoffered::dynamic_action,
        unoffered::members,
        unoffered::member,
    ),
    components(schemas(schemas::Error)),
    tags(
        (name = "api", description = "The version document and this document"),
        (name = "workflows", description = "Workflow definitions"),
        (name = "executions", description = "Workflow executions"),
        (name = "tasks", description = "Task executions"),
        (name = "action_executions", description = "Action executions"),
        (name = "actions", description = "System and ad-hoc actions"),
        (name = "workbooks", description = "Workbooks"),
        (name = "environments", description = "Environments"),
        (name = "cron_triggers", description = "Cron triggers"),
        (name = "event_triggers", description = "Event triggers (not offered: 501)"),
        (name = "unoffered", description = "Code sources, dynamic actions and workflow members (not offered: 501)"),
    )
)]
struct ApiDoc;

/// The name of the bearer-token security scheme.
const BEARER: &str = "bearer";
/// The name of the `X-Auth-Token` header scheme (what Mistral clients send).
const AUTH_TOKEN: &str = "x_auth_token";

/// The document as a server with authentication `auth_enabled` serves it:
/// with it on, the token schemes, required by every operation but the
/// public ones. Every operation also answers 4XX/5XX with the error body.
pub fn build(auth_enabled: bool) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    let error = ResponseBuilder::new()
        .description("The error body")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert("Error".into(), error.into());
    if auth_enabled {
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            AUTH_TOKEN,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Auth-Token"))),
        );
    }
    let needed = vec![
        SecurityRequirement::new(BEARER, Vec::<String>::new()),
        SecurityRequirement::new(AUTH_TOKEN, Vec::<String>::new()),
    ];
    unique_operation_ids(&mut doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            for code in ["4XX", "5XX"] {
                op.responses
                    .responses
                    .insert(code.into(), Ref::new("#/components/responses/Error").into());
            }
            if auth_enabled {
                op.security = Some(match public_path(&method, path) {
                    true => vec![SecurityRequirement::default()],
                    false => needed.clone(),
                });
            }
        }
    }
    doc
}

/// A handler serving several methods gives each the same operation id:
/// those get their method as a suffix (`event_trigger_put`).
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut count = std::collections::HashMap::<String, usize>::new();
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            *count
                .entry(op.operation_id.clone().unwrap_or_default())
                .or_default() += 1;
        }
    }
    for item in doc.paths.paths.values_mut() {
        for (method, op) in operations(item) {
            let shared = |id: &&mut String| count.get(id.as_str()).is_some_and(|n| *n > 1);
            if let Some(id) = op.operation_id.as_mut().filter(shared) {
                *id = format!("{id}_{}", method.as_str().to_lowercase());
            }
        }
    }
}

/// The operations of a path item, with their methods.
fn operations(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
        (Method::OPTIONS, item.options.as_mut()),
        (Method::HEAD, item.head.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::TRACE, item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// `GET /v2/openapi.json` (a bora extension; public, it holds no data).
#[utoipa::path(
    get,
    path = "/v2/openapi.json",
    tag = "api",
    operation_id = "get_openapi",
    summary = "This document",
    responses((status = 200, description = "The OpenAPI document", body = schemas::Object))
)]
pub async fn document(req: HttpRequest) -> HttpResponse {
    // No settings installed: describe the safer server.
    let auth_enabled = req
        .app_data::<web::Data<Auth>>()
        .is_none_or(|a| a.enabled());
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(build(auth_enabled))
}

/// `GET /ui/swagger/{file}`: Swagger UI's files, its `index.html` at the
/// root; its configuration points it at `/v2/openapi.json`.
pub async fn swagger_ui(path: web::Path<String>) -> HttpResponse {
    let config = utoipa_swagger_ui::Config::new(["/v2/openapi.json"])
        // The default sends the document to an online validator.
        .validator_url("none")
        .persist_authorization(false);
    match utoipa_swagger_ui::serve(&path, Arc::new(config)) {
        Ok(Some(file)) => {
            let mut resp = HttpResponse::Ok();
            resp.content_type(file.content_type)
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .insert_header(("X-Content-Type-Options", "nosniff"));
            if file.gzpipped {
                resp.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            resp.body(file.bytes.into_owned())
        }
        Ok(None) => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
        Err(e) => {
            log::error!("swagger ui: {e}");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("the API page could not be built")
        }
    }
}

/// `GET /ui/swagger` → `/ui/swagger/`, so relative asset paths resolve.
pub async fn swagger_to_slash() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/ui/swagger/"))
        .finish()
}

/// A query parameter of `schema_type` (and `format`).
fn query_param(
    name: &str,
    schema_type: Type,
    format: Option<KnownFormat>,
    description: String,
) -> Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(schema_type)
        .format(format.map(SchemaFormat::KnownFormat))
        .build();
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn kind_schema(kind: Kind) -> (Type, Option<KnownFormat>) {
    match kind {
        Kind::Text | Kind::State | Kind::Json => (Type::String, None),
        Kind::Uuid => (Type::String, Some(KnownFormat::Uuid)),
        Kind::Bool => (Type::Boolean, None),
    }
}

/// The query parameters of a list endpoint, from what it accepts: paging,
/// sorting, `fields`, the admin's project selection, and each filter.
pub fn list_parameters(spec: &ListSpec) -> Vec<Parameter> {
    let fields = spec.fields.join(", ");
    let (marker_type, marker_format) = kind_schema(spec.marker);
    let mut out = vec![
        query_param(
            "limit",
            Type::Integer,
            None,
            "The page size (at most the server's `max_page_size`, its default).".into(),
        ),
        query_param(
            "marker",
            marker_type,
            marker_format,
            "The last item of the previous page (the `next` link carries it).".into(),
        ),
        query_param(
            "sort_keys",
            Type::String,
            None,
            format!(
                "Comma-separated fields to sort by (default `{}`); one of: {fields}.",
                spec.default_sort
            ),
        ),
        query_param(
            "sort_dirs",
            Type::String,
            None,
            "Comma-separated `asc`/`desc`, one per sort key.".into(),
        ),
        query_param(
            "fields",
            Type::String,
            None,
            format!("Comma-separated fields to return (`id` always comes); of: {fields}."),
        ),
        query_param(
            "all_projects",
            Type::Boolean,
            None,
            "Every project's records (administrators only).".into(),
        ),
    ];
    let project_filter = spec.filters.iter().any(|(f, _)| *f == "project_id");
    if !project_filter {
        out.push(query_param(
            "project_id",
            Type::String,
            None,
            "One project's records (administrators only).".into(),
        ));
    }
    for (name, kind) in spec.filters {
        let (t, f) = kind_schema(*kind);
        let what = match kind {
            Kind::State => " (a state name)",
            _ => "",
        };
        out.push(query_param(
            name,
            t,
            f,
            format!(
                "Filter on `{name}`{what}: `value` or `op:value` with op one of eq, neq, gt, \
                 gte, lt, lte, in, nin (comma list), has."
            ),
        ));
    }
    out
}

/// `list_query!(Name, SPEC)`: a type whose `IntoParams` are `SPEC`'s list
/// parameters, for `params(Name)` in a list handler's `#[utoipa::path]`.
macro_rules! list_query {
    ($name:ident, $spec:expr) => {
        /// The query parameters of this list (for the OpenAPI document).
        pub(super) struct $name;

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                super::openapi::list_parameters(&$spec)
            }
        }
    };
}
pub(super) use list_query;

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &ListSpec) -> Vec<String> {
        list_parameters(spec).into_iter().map(|p| p.name).collect()
    }

    #[test]
    fn list_parameters_follow_the_spec() {
        let spec = ListSpec {
            listing: crate::store::Listing::Workflows,
            fields: &["id", "name"],
            filters: &[("name", Kind::Text), ("state", Kind::State)],
            default_sort: "created_at",
            marker: Kind::Uuid,
        };
        let base = [
            "limit",
            "marker",
            "sort_keys",
            "sort_dirs",
            "fields",
            "all_projects",
        ];
        let mut expected: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        expected.extend(["project_id", "name", "state"].map(String::from));
        assert_eq!(names(&spec), expected);
        // A spec that filters on `project_id` names it once.
        let spec = ListSpec {
            filters: &[("project_id", Kind::Text)],
            ..spec
        };
        let mut expected: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        expected.push("project_id".into());
        assert_eq!(names(&spec), expected);
    }

    #[test]
    fn operation_ids_are_unique_and_security_follows_auth() {
        let doc = build(true);
        let mut ids = std::collections::BTreeSet::new();
        let mut public = Vec::new();
        for (path, item) in doc.paths.paths.clone().iter_mut() {
            for (method, op) in operations(item) {
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(ids.insert(id.clone()), "{id} twice");
                if op.security.as_ref().is_some_and(|s| s.len() == 1) {
                    public.push(format!("{method} {path}"));
                }
            }
        }
        assert_eq!(public, ["GET /v2", "GET /v2/openapi.json"]);
        assert!(build(false).paths.paths.values().all(|item| {
            let mut item = item.clone();
            operations(&mut item)
                .iter()
                .all(|(_, op)| op.security.is_none())
        }));
    }
}
