//! Several engine nodes on one PostgreSQL: the node that owns an execution
//! is the only one that writes it, so a change (`PUT`, `PATCH`, `DELETE`,
//! `POST`) to an execution, a task or an action execution another node
//! owns is answered 503 with `Retry-After`, naming the owner and its API
//! URL (the client sends it there), or saying that the owner's lease ran
//! out and another node takes its executions over shortly. Reads are
//! served by every node from the store. A single node skips all of this.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use super::{ApiState, Error};
use crate::store::OwnerOf;

/// Middleware: refuses a change to what another node owns.
pub async fn owner_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return next.call(req).await;
    }
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        return next.call(req).await;
    };
    let Some(me) = state.node.clone() else {
        return next.call(req).await;
    };
    let mut parts = req.path().trim_matches('/').split('/');
    let what = match (parts.next(), parts.next(), parts.next()) {
        (Some("v2"), Some("executions"), Some(id)) => Some((OwnerOf::Execution, id.to_string())),
        (Some("v2"), Some("tasks"), Some(id)) => Some((OwnerOf::Task, id.to_string())),
        (Some("v2"), Some("action_executions"), Some(id)) => {
            Some((OwnerOf::ActionExecution, id.to_string()))
        }
        _ => None,
    };
    let Some((what, id)) = what else {
        return next.call(req).await;
    };
    let store = state.store.clone();
    let lookup = web::block(move || store.owner(what, &id)).await;
    match lookup {
        Ok(Ok(Some(owner))) if owner.node != me => {
            let msg = if owner.alive {
                format!(
                    "owned by engine node {} ({}): send the change there",
                    owner.node, owner.api_url
                )
            } else {
                format!(
                    "owned by engine node {} ({}), whose lease ran out: another node takes \
                     its executions over within a third of the lease; try again",
                    owner.node, owner.api_url
                )
            };
            Err(Error::Unavailable(msg).into())
        }
        _ => next.call(req).await,
    }
}
