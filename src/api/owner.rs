//! Several engine nodes on one PostgreSQL: the node that owns an execution
//! is the only one that writes it, so a change (`PUT`, `PATCH`, `DELETE`,
//! `POST`) to an execution, a task or an action execution another node
//! owns is forwarded to the owner's API URL and the owner's answer is
//! given back as it is: a client may send any change to any node. When the
//! owner's lease ran out (another node takes its executions over within a
//! third of the lease) or the owner cannot be reached, the answer is 503
//! with `Retry-After`, naming the owner. A forwarded request is never
//! forwarded again (ownership moved meanwhile: 503, try again). Reads are
//! served by every node from the store. A single node skips all of this.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::{ApiState, Error};
use crate::store::{Owner, OwnerOf};

/// Marks a request one node forwarded to another (its value names the
/// forwarding node).
const FORWARDED_BY: &str = "x-bora-forwarded-by";

/// Headers that belong to one connection, not to the request or answer.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "host",
    "content-length",
    "proxy-connection",
];

/// This node, when it is one of several: its id and the client that
/// forwards changes to the owning node.
#[derive(Clone)]
pub struct NodeApi {
    pub id: String,
    client: reqwest::Client,
}

impl NodeApi {
    /// Node `id`'s API side (after the process's TLS provider is
    /// installed).
    pub fn new(id: String) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()?;
        Ok(Self { id, client })
    }
}

/// Middleware: forwards a change to what another node owns to that node.
pub async fn owner_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(me) = state.node.clone() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
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
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let store = state.store.clone();
    let lookup = web::block(move || store.owner(what, &id)).await;
    match lookup {
        Ok(Ok(Some(owner))) if owner.node != me.id => {
            if !owner.alive {
                return Err(Error::Unavailable(format!(
                    "owned by engine node {} ({}), whose lease ran out: another node takes \
                     its executions over within a third of the lease; try again",
                    owner.node, owner.api_url
                ))
                .into());
            }
            if req.headers().contains_key(FORWARDED_BY) {
                return Err(Error::Unavailable(format!(
                    "owned by engine node {} ({}) since the change was forwarded here; try again",
                    owner.node, owner.api_url
                ))
                .into());
            }
            forward(&me, &owner, req).await
        }
        _ => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// Sends `req` to `owner` and answers with what it answered.
async fn forward(
    me: &NodeApi,
    owner: &Owner,
    mut req: ServiceRequest,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let body = req.extract::<web::Bytes>().await?;
    let path = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |p| p.as_str())
        .to_string();
    let url = format!("{}{path}", owner.api_url.trim_end_matches('/'));
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(|e| Error::BadRequest(format!("method: {e}")))?;
    let mut out = me.client.request(method, &url).header(FORWARDED_BY, &me.id);
    for (name, value) in req.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let unreachable = |e: reqwest::Error| {
        Error::Unavailable(format!(
            "owned by engine node {} ({}), which could not be reached: {e}; try again",
            owner.node, owner.api_url
        ))
    };
    let answer = out.body(body).send().await.map_err(unreachable)?;
    let status = StatusCode::from_u16(answer.status().as_u16())
        .map_err(|e| Error::Internal(format!("the owner's status: {e}")))?;
    let mut reply = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            reply.append_header((name.as_str(), value.as_bytes()));
        }
    }
    let bytes = answer.bytes().await.map_err(unreachable)?;
    let reply = reply.body(bytes.to_vec());
    let (http, _) = req.into_parts();
    Ok(ServiceResponse::new(http, reply))
}
