//! Requests the server is answering, each counted from its arrival until its
//! response body has been sent (or dropped with its connection). A stop
//! waits for these, then closes the connections at once: an idle keep-alive
//! connection carries no request, so nothing is cut, and the stop does not
//! wait for clients to hang up.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

/// The count of requests under way; clones share it.
#[derive(Clone, Debug, Default)]
pub struct OpenRequests(Arc<AtomicUsize>);

impl OpenRequests {
    /// Requests received whose response has not been sent to the end.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn enter(&self) -> Open {
        self.0.fetch_add(1, Ordering::SeqCst);
        Open(self.0.clone())
    }
}

/// One request under way; leaving the count when dropped.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that holds its request in the count until it is dropped
/// (sent to the end, or given up with its connection).
struct Counted {
    body: BoxBody,
    _open: Open,
}

impl MessageBody for Counted {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// Middleware: counts `req` in `open` until its response has been sent.
pub async fn count(
    open: OpenRequests,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let guard = open.enter();
    let res = next.call(req).await?;
    Ok(res.map_body(|_, body| Counted {
        body: body.boxed(),
        _open: guard,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, HttpResponse, test, web};

    #[actix_web::test]
    async fn a_request_counts_until_its_body_is_sent() {
        let open = OpenRequests::default();
        let seen = open.clone();
        let app = test::init_service(
            App::new()
                .route(
                    "/",
                    web::get().to(move || {
                        let during = seen.count();
                        async move { HttpResponse::Ok().body(during.to_string()) }
                    }),
                )
                .wrap(actix_web::middleware::from_fn({
                    let open = open.clone();
                    move |req, next| count(open.clone(), req, next)
                })),
        )
        .await;
        let res = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
        assert_eq!(open.count(), 1, "the body is not sent yet");
        let body = test::read_body(res).await;
        assert_eq!(body, "1");
        assert_eq!(open.count(), 0);
    }
}
