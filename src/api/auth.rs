//! Authentication: who is calling, as a [`Caller`] (project and admin flag)
//! in the request's extensions. `app` wraps every route in [`authenticate`];
//! handlers take a `Caller` argument. With authentication off every request
//! is the single user of [`DEFAULT_PROJECT`], not an admin: Mistral still
//! applies its admin-only policies then (making a definition public,
//! listing other projects: 403). With it on, a request needs a
//! configured static token, as `Authorization: Bearer <t>` or, as Mistral
//! clients send it, `X-Auth-Token: <t>` (and, on `/v2/events` only, where a
//! browser's `EventSource` cannot set headers, `?token=<t>`); anything else
//! is a 401 with `WWW-Authenticate: Bearer`, except on [`public_path`].
//!
//! Invariant: a request reaches a handler that reads or changes data only
//! with a `Caller` the middleware put there; a handler whose request has
//! none answers 401 (fail closed).

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::Error;
use crate::domain::DEFAULT_PROJECT;
use crate::store::Access;

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub project_id: String,
    /// May list all projects, filter on `project_id`, make things public.
    pub admin: bool,
}

impl Caller {
    /// What the caller reads as: its own project (and public definitions).
    pub fn access(&self) -> Access {
        Access::Project(self.project_id.clone())
    }

    /// A 403 unless the caller is an admin, in the words of Mistral's
    /// policy check (`what` names the operation, for the log).
    pub fn require_admin(&self, what: &str) -> Result<(), Error> {
        if self.admin {
            Ok(())
        } else {
            log::debug!("refused to a non-administrator: {what}");
            Err(Error::Forbidden(
                "Operation forbidden (insufficient permissions)".into(),
            ))
        }
    }
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Caller>()
                .cloned()
                .ok_or_else(Error::unauthorized),
        )
    }
}

/// One configured token.
#[derive(Clone)]
struct Token {
    sha256: [u8; 32],
    caller: Caller,
}

/// The authentication settings in force.
#[derive(Clone, Default)]
pub struct Auth {
    enabled: bool,
    tokens: Vec<Token>,
}

impl Auth {
    /// Authentication on (`enabled`) with these tokens: each a SHA-256 of
    /// the token and the caller it stands for.
    pub fn new(enabled: bool, tokens: Vec<([u8; 32], Caller)>) -> Self {
        let tokens = tokens
            .into_iter()
            .map(|(sha256, caller)| Token { sha256, caller })
            .collect();
        Self { enabled, tokens }
    }

    /// Whether requests need a token.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The caller a token stands for. Every configured hash is compared,
    /// each in constant time, so the answer's timing says nothing about
    /// which hash (or how much of one) matched.
    fn caller(&self, token: &str) -> Option<Caller> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for t in &self.tokens {
            if bool::from(t.sha256.ct_eq(&digest)) && found.is_none() {
                found = Some(t.caller.clone());
            }
        }
        found
    }
}

/// Paths served without credentials, for GET and HEAD: the version
/// documents (`/`, `/v2`), the OpenAPI document (`/v2/openapi.json`), the
/// liveness probe (`/health`) and the UI's static files and Swagger UI
/// (`/ui/swagger/...`), which hold no data (`/metrics` does need a token).
/// `path` is the path as the router matches it (percent-decoded the same
/// way). The UI's data endpoints (`/ui/api/...`) are not public.
pub fn public_path(method: &Method, path: &str) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    match path {
        "/" | "/v2" | "/v2/" | "/v2/openapi.json" | "/v2/openapi.json/" | "/health" | "/ui"
        | "/ui/" => true,
        p if p.starts_with("/ui/swagger/") => true,
        p => p
            .strip_prefix("/ui/")
            .is_some_and(|file| !file.is_empty() && !file.contains('/') && file != "api"),
    }
}

/// The token of a request: `Authorization: Bearer`, `X-Auth-Token`, or on
/// the event stream the `token` query parameter. `Err` when a header is
/// there but unusable.
fn credentials(req: &ServiceRequest) -> Result<Option<String>, &'static str> {
    if let Some(v) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let v = v.to_str().map_err(|_| "malformed Authorization header")?;
        let (scheme, token) = v
            .trim()
            .split_once(' ')
            .ok_or("malformed Authorization header")?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err("the Authorization header must be 'Bearer <token>'");
        }
        return Ok(Some(token.trim().to_string()));
    }
    if let Some(v) = req.headers().get("x-auth-token") {
        let v = v.to_str().map_err(|_| "malformed X-Auth-Token header")?;
        return Ok(Some(v.trim().to_string()));
    }
    if req.match_info().as_str() == "/v2/events" {
        let q =
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .map_err(|_| "malformed query string")?;
        return Ok(q.get("token").cloned());
    }
    Ok(None)
}

/// The middleware: puts the [`Caller`] into the request, or answers 401.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    // No settings installed: refuse rather than guess.
    let auth = req
        .app_data::<web::Data<Auth>>()
        .cloned()
        .unwrap_or_else(|| web::Data::new(Auth::new(true, Vec::new())));
    if !auth.enabled {
        // Mistral without authentication: the default project, and no
        // administrator (its admin-only policies answer 403).
        req.extensions_mut().insert(Caller {
            project_id: DEFAULT_PROJECT.into(),
            admin: false,
        });
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let public = public_path(req.method(), req.match_info().as_str());
    let caller = match credentials(&req) {
        Ok(Some(t)) => auth.caller(&t).ok_or("the token is not valid"),
        Ok(None) => Err("authentication is required"),
        Err(e) => Err(e),
    };
    match caller {
        Ok(c) => {
            req.extensions_mut().insert(c);
        }
        Err(_) if public => {}
        Err(why) => {
            let resp = actix_web::ResponseError::error_response(&Error::Unauthorized(format!(
                "Unauthorized: {why}"
            )));
            return Ok(req.into_response(resp));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_public(method: Method, path: &str, expected: bool) {
        assert_eq!(public_path(&method, path), expected, "{method} {path}");
    }

    #[test]
    fn public_paths() {
        check_public(Method::GET, "/", true);
        check_public(Method::GET, "/v2", true);
        check_public(Method::GET, "/health", true);
        check_public(Method::GET, "/metrics", false);
        check_public(Method::GET, "/ui/", true);
        check_public(Method::GET, "/ui/app.js", true);
        check_public(Method::HEAD, "/ui/app.css", true);
        check_public(Method::POST, "/", false);
        check_public(Method::GET, "/ui/api", false);
        check_public(Method::GET, "/ui/api/dashboard", false);
        check_public(Method::GET, "/v2/workflows", false);
        check_public(Method::GET, "/v2/events", false);
        check_public(Method::GET, "/uix", false);
        check_public(Method::GET, "/v2/openapi.json", true);
        check_public(Method::POST, "/v2/openapi.json", false);
        check_public(Method::GET, "/ui/swagger", true);
        check_public(Method::GET, "/ui/swagger/", true);
        check_public(Method::GET, "/ui/swagger/swagger-ui.css", true);
        check_public(Method::GET, "/ui/api/x", false);
    }

    #[test]
    fn tokens_map_to_callers() {
        let hash = |t: &str| -> [u8; 32] { Sha256::digest(t.as_bytes()).into() };
        let caller = |p: &str, admin| Caller {
            project_id: p.into(),
            admin,
        };
        let auth = Auth::new(
            true,
            vec![
                (hash("t-a"), caller("a", false)),
                (hash("t-root"), caller("ops", true)),
            ],
        );
        assert_eq!(auth.caller("t-a").map(|c| c.project_id), Some("a".into()));
        assert_eq!(auth.caller("t-root").map(|c| c.admin), Some(true));
        assert_eq!(auth.caller("t-b"), None);
        assert_eq!(auth.caller(""), None);
    }
}
