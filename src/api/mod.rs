//! The HTTP facade: Mistral-compatible `/v2` JSON over actix-web. Reads go to
//! the store's read connections (in `web::block`); every change is a message
//! to the engine (`send.rs`). Failures become HTTP in `error.rs` only.
//!
//! - `root`: `GET /`, `GET /v2`; `health`: `GET /health`, `GET /metrics`.
//! - `workflows`, `workbooks`, `executions`, `tasks`, `action_executions`,
//!   `actions` (reads) and `adhoc_actions` (writes): the resources;
//!   `sub_executions`: the execution tree below an execution or a task;
//!   `report`: an execution's report with task statistics.
//! - `query`: paging, sorting, filters, `fields`, the list envelope.
//! - `render`: records → Mistral JSON shapes; `pyjson`: Python's `json.dumps`.
//! - `body`: request bodies (YAML text, JSON objects, dict-or-string fields).

mod action_executions;
mod actions;
mod adhoc_actions;
mod body;
mod deadline;
mod environments;
mod error;
mod events;
mod executions;
mod health;
mod pyjson;
mod query;
mod render;
mod report;
mod root;
mod send;
mod sub_executions;
mod tasks;
mod ui;
mod workbooks;
mod workflows;

use actix::Addr;
use actix_web::web;

pub use deadline::body_deadline;
pub use error::{Error, json_config, payload_config, refuse_xml};

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
}

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

/// A resource at `path` and `path/` (Mistral's router takes both) whose
/// unsupported methods get a 405 with the API's error body.
fn resource(path: &str) -> actix_web::Resource {
    web::resource([path.to_string(), format!("{path}/")])
        .default_service(web::to(root::method_not_allowed))
}

/// Registers every route. `app` calls it with `web::Data<ApiState>` set.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, post, put};
    ui::configure(cfg);
    cfg.service(resource("/v2/events").route(get().to(events::stream)));
    cfg.default_service(web::to(root::unknown_path))
        .service(web::resource("/").route(get().to(root::versions)))
        .service(web::resource("/health").route(get().to(health::health)))
        .service(web::resource("/metrics").route(get().to(health::metrics)))
        .service(resource("/v2").route(get().to(root::v2)))
        .service(
            resource("/v2/workflows")
                .route(get().to(workflows::list))
                .route(post().to(workflows::create))
                .route(put().to(workflows::update)),
        )
        .service(resource("/v2/workflows/validate").route(post().to(workflows::validate)))
        .service(
            resource("/v2/workflows/{identifier}")
                .route(get().to(workflows::get))
                .route(put().to(workflows::update_one))
                .route(delete().to(workflows::delete)),
        )
        .service(
            resource("/v2/executions")
                .route(get().to(executions::list))
                .route(post().to(executions::create)),
        )
        .service(
            resource("/v2/executions/{id}")
                .route(get().to(executions::get))
                .route(put().to(executions::update))
                .route(delete().to(executions::delete)),
        )
        .service(resource("/v2/executions/{id}/tasks").route(get().to(tasks::list_of_execution)))
        .service(
            resource("/v2/executions/{id}/executions")
                .route(get().to(sub_executions::of_execution)),
        )
        .service(resource("/v2/executions/{id}/report").route(get().to(report::get)))
        .service(resource("/v2/executions/{id}/diagnosis").route(get().to(executions::diagnosis)))
        .service(resource("/v2/tasks/{id}/executions").route(get().to(sub_executions::of_task)))
        .service(resource("/v2/tasks").route(get().to(tasks::list)))
        .service(
            resource("/v2/tasks/{id}")
                .route(get().to(tasks::get))
                .route(put().to(tasks::update)),
        )
        .service(
            resource("/v2/tasks/{id}/action_executions")
                .route(get().to(action_executions::list_of_task)),
        )
        .service(
            resource("/v2/tasks/{id}/action_executions/{ae_id}")
                .route(get().to(action_executions::get_of_task)),
        )
        .service(
            resource("/v2/tasks/{id}/workflow_executions")
                .route(get().to(executions::list_of_task)),
        )
        .service(
            resource("/v2/action_executions")
                .route(get().to(action_executions::list))
                .route(post().to(action_executions::create)),
        )
        .service(
            resource("/v2/action_executions/{id}")
                .route(get().to(action_executions::get))
                .route(put().to(action_executions::update))
                .route(delete().to(action_executions::delete)),
        )
        .service(
            resource("/v2/environments")
                .route(get().to(environments::list))
                .route(post().to(environments::create))
                .route(put().to(environments::update)),
        )
        .service(
            resource("/v2/environments/{name}")
                .route(get().to(environments::get))
                .route(delete().to(environments::delete)),
        )
        .service(
            resource("/v2/actions")
                .route(get().to(actions::list))
                .route(post().to(adhoc_actions::create))
                .route(put().to(adhoc_actions::update)),
        )
        .service(resource("/v2/actions/validate").route(post().to(adhoc_actions::validate)))
        .service(
            resource("/v2/actions/{name}")
                .route(get().to(actions::get))
                .route(put().to(adhoc_actions::update_one))
                .route(delete().to(adhoc_actions::delete)),
        )
        .service(
            resource("/v2/workbooks")
                .route(get().to(workbooks::list))
                .route(post().to(workbooks::create))
                .route(put().to(workbooks::update)),
        )
        .service(resource("/v2/workbooks/validate").route(post().to(workbooks::validate)))
        .service(
            resource("/v2/workbooks/{name}")
                .route(get().to(workbooks::get))
                .route(delete().to(workbooks::delete)),
        )
        .service(resource("/v2/actions/{name}/{namespace}").route(get().to(actions::get)));
}
