//! The HTTP facade: Mistral-compatible `/v2` JSON over actix-web. Reads go to
//! the store's read connections (in `web::block`); every change is a message
//! to the engine (`send.rs`). Failures become HTTP in `error.rs` only.
//!
//! - `auth`: who calls (`Caller`: project, admin), the 401s; `root`: `GET /`,
//!   `GET /v2`; `health`: `GET /health`, `GET /metrics`.
//! - `workflows`, `workbooks`, `executions`, `tasks`, `action_executions`,
//!   `actions` (reads) and `adhoc_actions` (writes): the resources;
//!   `sub_executions`: the execution tree below an execution or a task;
//!   `report`: an execution's report with task statistics; `empty_id`:
//!   a single resource's path with an empty id, as Mistral's router reads it;
//!   `empty_segments`: empty segments around an id, read the same way;
//!   `arguments`: query arguments a route does not take (400).
//! - `open`: the requests under way, which a stop waits for.
//! - `query`: paging, sorting, filters, `fields`, the list envelope.
//! - `render`: records → Mistral JSON shapes; `pyjson`: Python's `json.dumps`.
//! - `body`: request bodies (YAML text, JSON objects, dict-or-string fields).
//! - `openapi`: the OpenAPI document of `/v2` (`GET /v2/openapi.json`) from
//!   the handlers' `#[utoipa::path]`s, and Swagger UI on it (`/ui/swagger/`).

mod access_log;
mod action_executions;
mod actions;
mod adhoc_actions;
mod arguments;
pub mod auth;
mod body;
mod cron_triggers;
mod deadline;
mod empty_id;
mod empty_segments;
mod environments;
mod error;
mod events;
mod executions;
mod health;
mod loaded;
pub mod metrics;
mod open;
mod openapi;
mod owner;
mod query;
mod render;
mod report;
mod root;
mod send;
mod std_descriptions;
mod sub_executions;
mod tasks;
mod ui;
mod unoffered;
mod workbooks;
mod workflows;
mod wsme;

use actix::Addr;
use actix_web::http::Method;
use actix_web::web;

pub use self::metrics::Metrics;
pub use access_log::access_log;
pub use arguments::refuse_unknown_arguments;
pub use auth::{Auth, Caller};
pub use deadline::body_deadline;
pub use empty_segments::drop_empty_segments;
pub use error::{Error, json_config, payload_config, refuse_xml};
pub use open::{OpenRequests, count as count_open};
pub use owner::{NodeApi, owner_guard};

use crate::engine::EngineActor;
use crate::store::{self, Store};

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub engine: Addr<EngineActor>,
    /// Largest page a list returns.
    pub max_page_size: usize,
    /// Committed state changes, for live views.
    pub events: tokio::sync::broadcast::Sender<crate::engine::Change>,
    /// Turns true when the server begins to shut down (live streams end).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Requests waiting for the engine now, against their cap.
    pub engine_queue: std::sync::Arc<EngineQueue>,
    /// Gauges of the parts the API does not see (the worker pool), by name,
    /// for `/metrics`.
    pub gauges: Gauges,
    /// This server's metrics recorder (`/metrics`).
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// This node, when it is one of several on one PostgreSQL.
    pub node: Option<NodeApi>,
}

/// Reads named gauges (`bora_<name> <value>` in `/metrics`).
pub type Gauges = std::sync::Arc<dyn Fn() -> Vec<(&'static str, u64)> + Send + Sync>;

/// Bounds the requests that wait for the engine: past `cap`, a write gets
/// 429 with Retry-After at once instead of queueing without bound.
#[derive(Debug)]
pub struct EngineQueue {
    waiting: std::sync::atomic::AtomicUsize,
    cap: usize,
}

impl EngineQueue {
    /// A queue of at most `cap` waiting requests.
    pub fn new(cap: usize) -> Self {
        Self {
            waiting: std::sync::atomic::AtomicUsize::new(0),
            cap: cap.max(1),
        }
    }

    /// Requests waiting now.
    pub fn depth(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Runs a blocking store read off the async workers.
async fn read<T, F>(state: &ApiState, f: F) -> Result<T, Error>
where
    F: FnOnce(&Store) -> Result<T, store::Error> + Send + 'static,
    T: Send + 'static,
{
    let store = state.store.clone();
    Ok(web::block(move || f(&store)).await??)
}

/// The routes: each resource at `path` and `path/` (Mistral's router takes
/// both), its unsupported methods answered 405 with the API's error body.
/// [`routes`] lists what it registers, for the authentication and OpenAPI
/// tests.
pub(crate) struct Routes {
    resources: Vec<actix_web::Resource>,
    served: Vec<(Method, &'static str)>,
}

/// One resource being built.
pub(crate) struct Res {
    path: &'static str,
    inner: actix_web::Resource,
    methods: Vec<Method>,
}

/// A list endpoint's answer: paging and filters as `caller` sees them, the
/// page read by `fetch`, each record rendered and projected under `plural`.
async fn list_page<T, F, R>(
    req: &actix_web::HttpRequest,
    state: &ApiState,
    caller: &Caller,
    spec: &query::ListSpec,
    plural: &str,
    fetch: F,
    render: R,
) -> Result<actix_web::HttpResponse, Error>
where
    F: FnOnce(&Store, &store::ListQuery) -> Result<Vec<T>, store::Error> + Send + 'static,
    R: Fn(&T) -> serde_json::Map<String, serde_json::Value>,
    T: Send + 'static,
{
    let pairs = query::pairs(req)?;
    let p = query::list_params(&pairs, spec, state.max_page_size, caller)?;
    page(req, state, p, spec, plural, fetch, render).await
}

/// One page of a parsed list request: read by `fetch`, each record
/// rendered and projected under `plural`, with the `next` link.
async fn page<T, F, R>(
    req: &actix_web::HttpRequest,
    state: &ApiState,
    p: query::ListParams,
    spec: &query::ListSpec,
    plural: &str,
    fetch: F,
    render: R,
) -> Result<actix_web::HttpResponse, Error>
where
    F: FnOnce(&Store, &store::ListQuery) -> Result<Vec<T>, store::Error> + Send + 'static,
    R: Fn(&T) -> serde_json::Map<String, serde_json::Value>,
    T: Send + 'static,
{
    let q = p.query.clone();
    let rows = read(state, move |s| fetch(s, &q)).await?;
    let items = rows
        .iter()
        .map(|r| match loaded::shape_of(spec.listing) {
            Some(shape) => loaded::project(shape, render(r), &p.fields),
            None => Ok(query::project(render(r), &p.fields)),
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(actix_web::HttpResponse::Ok().json(query::envelope(req, plural, items, &p, spec)))
}

/// The pattern of an `{id}` segment that may be empty.
pub(crate) const ID_OR_EMPTY: &str = "{id:[^/]*}";

/// A resource at `path` (and `path/`). An `{id}` segment with more path
/// after it (the parent of a nested list, `/v2/executions/{id}/tasks`)
/// also matches an empty segment: Mistral takes `''` there and refuses it
/// as no uuid (400 naming the argument), which the handler does.
pub(crate) fn res(path: &'static str) -> Res {
    let pattern = path.replace("{id}/", &format!("{ID_OR_EMPTY}/"));
    Res {
        path,
        inner: web::resource([pattern.clone(), format!("{pattern}/")]),
        methods: Vec::new(),
    }
}

/// A resource at exactly `path`, other methods falling through (the UI).
pub(crate) fn res_exact(path: &'static str) -> Res {
    Res {
        path,
        inner: web::resource(path),
        methods: Vec::new(),
    }
}

impl Res {
    /// Serves `method` with `route` (which may carry guards).
    pub(crate) fn on(mut self, method: Method, route: actix_web::Route) -> Self {
        self.inner = self.inner.route(route);
        if !self.methods.contains(&method) {
            self.methods.push(method);
        }
        self
    }

    /// Replaces the resource (for guards on the resource itself).
    pub(crate) fn map(
        mut self,
        f: impl FnOnce(actix_web::Resource) -> actix_web::Resource,
    ) -> Self {
        self.inner = f(self.inner);
        self
    }
}

macro_rules! verb {
    ($name:ident, $method:ident) => {
        pub(crate) fn $name<F, Args>(self, handler: F) -> Self
        where
            F: actix_web::Handler<Args>,
            Args: actix_web::FromRequest + 'static,
            F::Output: actix_web::Responder + 'static,
        {
            self.on(Method::$method, web::$name().to(handler))
        }
    };
}

impl Res {
    verb!(get, GET);
    verb!(post, POST);
    verb!(put, PUT);
    verb!(delete, DELETE);
    verb!(head, HEAD);
}

impl Routes {
    /// Registers `r`; its other methods get 405 with `Allow`.
    pub(crate) fn add(&mut self, r: Res) -> &mut Self {
        for m in &r.methods {
            self.served.push((m.clone(), r.path));
        }
        self.alias(r)
    }

    /// Registers `r` as another path to operations listed elsewhere (it is
    /// not in [`routes`]); its other methods get 405 with `Allow`.
    pub(crate) fn alias(&mut self, r: Res) -> &mut Self {
        let allow = root::allow(&r.methods);
        self.resources
            .push(r.inner.default_service(web::to(move || {
                let allow = allow.clone();
                async move { root::method_not_allowed(&allow) }
            })));
        self
    }
}

/// Every route, in registration order (order matters: `/v2/workflows/validate`
/// before `/v2/workflows/{identifier}`, the UI's browser-only `/` first).
fn table() -> Routes {
    let mut r = Routes {
        resources: Vec::new(),
        served: Vec::new(),
    };
    ui::routes(&mut r);
    unoffered::routes(&mut r);
    r.add(res("/v2/events").get(events::stream))
        .add(res_exact("/").get(root::versions))
        .add(
            res_exact("/health")
                .get(health::health)
                .head(health::health),
        )
        .add(res_exact("/metrics").get(health::metrics))
        .add(res("/v2").get(root::v2))
        .add(res("/v2/openapi.json").get(openapi::document))
        .add(
            res("/v2/workflows")
                .get(workflows::list)
                .post(workflows::create)
                .put(workflows::update),
        )
        .add(res("/v2/workflows/validate").post(workflows::validate))
        .add(
            res("/v2/workflows/{identifier}")
                .get(workflows::get)
                .put(workflows::update_one)
                .delete(workflows::delete),
        )
        .add(
            res("/v2/executions")
                .get(executions::list)
                .post(executions::create),
        )
        .add(
            res("/v2/executions/{id}")
                .get(executions::get)
                .put(executions::update)
                .delete(executions::delete),
        )
        .add(res("/v2/executions/{id}/tasks").get(tasks::list_of_execution))
        .add(res("/v2/executions/{id}/executions").get(sub_executions::of_execution))
        .add(res("/v2/executions/{id}/report").get(report::get))
        .add(res("/v2/executions/{id}/diagnosis").get(executions::diagnosis))
        .add(res("/v2/tasks/{id}/executions").get(sub_executions::of_task))
        .add(res("/v2/tasks").get(tasks::list))
        .add(res("/v2/tasks/{id}").get(tasks::get).put(tasks::update))
        .add(res("/v2/tasks/{id}/action_executions").get(action_executions::list_of_task))
        .add(res("/v2/tasks/{id}/action_executions/{ae_id}").get(action_executions::get_of_task))
        .add(res("/v2/tasks/{id}/workflow_executions").get(executions::list_of_task))
        .add(
            res("/v2/action_executions")
                .get(action_executions::list)
                .post(action_executions::create),
        )
        .add(
            res("/v2/action_executions/{id}")
                .get(action_executions::get)
                .put(action_executions::update)
                .delete(action_executions::delete),
        )
        .add(
            res("/v2/environments")
                .get(environments::list)
                .post(environments::create)
                .put(environments::update),
        )
        .add(
            res("/v2/environments/{name}")
                .get(environments::get)
                .delete(environments::delete),
        )
        .add(
            res("/v2/actions")
                .get(actions::list)
                .post(adhoc_actions::create)
                .put(adhoc_actions::update),
        )
        .add(res("/v2/actions/validate").post(adhoc_actions::validate))
        .add(
            res("/v2/actions/{name}")
                .get(actions::get)
                .put(adhoc_actions::update_one)
                .delete(adhoc_actions::delete),
        )
        .add(
            res("/v2/workbooks")
                .get(workbooks::list)
                .post(workbooks::create)
                .put(workbooks::update),
        )
        .add(res("/v2/workbooks/validate").post(workbooks::validate))
        .add(
            res("/v2/workbooks/{name}")
                .get(workbooks::get)
                .delete(workbooks::delete),
        )
        .add(res("/v2/actions/{name}/{namespace}").get(actions::get_in_namespace))
        .add(
            res("/v2/cron_triggers")
                .get(cron_triggers::list)
                .post(cron_triggers::create),
        )
        .add(
            res("/v2/cron_triggers/{identifier}")
                .get(cron_triggers::get)
                .delete(cron_triggers::delete),
        )
        .add(
            res("/v2/event_triggers")
                .get(cron_triggers::event_triggers)
                .post(cron_triggers::event_triggers),
        )
        .add(
            res("/v2/event_triggers/{id}")
                .get(cron_triggers::event_trigger)
                .put(cron_triggers::event_trigger)
                .delete(cron_triggers::event_trigger),
        );
    empty_id::routes(&mut r);
    r
}

/// Every `(method, path pattern)` the API serves, as registered.
pub fn routes() -> Vec<(Method, &'static str)> {
    table().served
}

/// Registers every route. `app` calls it with `web::Data<ApiState>` and
/// `web::Data<auth::Auth>` set, wrapped in [`auth::authenticate`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    for resource in table().resources {
        cfg.service(resource);
    }
    cfg.default_service(web::to(root::unknown_path));
}
