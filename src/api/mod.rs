//! The HTTP facade: Mistral-compatible `/v2` JSON over actix-web. Reads go to
//! the store's read connections; every change is a message to the engine.

use actix::Addr;
use actix_web::web;

use crate::engine::EngineActor;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub engine: Addr<EngineActor>,
    /// Largest page a list returns.
    pub max_page_size: usize,
}

/// Registers every route. `app` calls it with `web::Data<ApiState>` set.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let _ = cfg;
}
