//! The one place where failures become HTTP responses. Every handler returns
//! [`Error`]; its `ResponseError` impl picks the status and writes Mistral's
//! one error body, `{"faultcode": …, "faultstring": …, "debuginfo": null}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error, web};
use serde_json::json;

use crate::engine;
use crate::store;

/// Seconds a client is told to wait after a 503.
const RETRY_AFTER_SECS: u32 = 1;

/// An API failure, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the request is malformed or not allowed by Mistral's rules.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials (authentication on).
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the operation is not allowed in the object's current state, or
    /// not to this caller.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the named object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but does not serve this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: a name or id is already taken.
    #[error("{0}")]
    Conflict(String),
    /// 408: the request body did not arrive within its deadline.
    #[error("{0}")]
    Timeout(String),
    /// 413: the body is larger than the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// 429: too many requests wait for the engine; the client may retry.
    #[error("{0}")]
    TooMany(String),
    /// 415: the body's media type is one the API does not read (XML).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 503: the engine cannot take work now; the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// 501: a Mistral resource bora does not offer.
    #[error("{0}")]
    NotImplemented(String),
    /// 500: anything else (store failure, worker pool gone).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// A 400 with this message.
    pub fn bad(msg: impl Into<String>) -> Self {
        Error::BadRequest(msg.into())
    }

    /// A 404 with this message.
    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    /// The 401 of a request without a caller.
    pub fn unauthorized() -> Self {
        Error::Unauthorized("Unauthorized: authentication is required".into())
    }
}

impl From<engine::Error> for Error {
    fn from(e: engine::Error) -> Self {
        let msg = e.to_string();
        match e {
            engine::Error::NotFound(_) => Error::NotFound(msg),
            engine::Error::Conflict(_) => Error::Conflict(msg),
            engine::Error::Invalid(_) | engine::Error::Definition(_) => Error::BadRequest(msg),
            engine::Error::NotAllowed(_) => Error::Forbidden(msg),
            engine::Error::Unavailable(_) => Error::Unavailable(msg),
            engine::Error::Store(s) => Error::from(s),
        }
    }
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::BadQuery(m) => Error::BadRequest(m),
            // Mistral loads the marker row with the resource's own getter,
            // so an unknown marker is that getter's 404.
            store::Error::MarkerNotFound(table, m) => Error::NotFound(match table {
                "workflow_executions" => format!("WorkflowExecution not found [id={m}]"),
                "workflow_definitions" => format!("Workflow not found [workflow_id={m}]"),
                "task_executions" => format!("Task execution not found [id={m}]"),
                "action_executions" => format!("ActionExecution not found [id={m}]"),
                "environments" => format!("Environment not found [name={m}]"),
                "workbooks" => format!("Workbook not found [id={m}]"),
                "action_definitions" => format!("Action not found [id={m}]"),
                _ => format!("marker '{m}' not found"),
            }),
            // No read connection freed in time (every one busy): the
            // client may retry.
            store::Error::Busy(m) => Error::Unavailable(format!("database busy: {m}")),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<actix::MailboxError> for Error {
    fn from(e: actix::MailboxError) -> Self {
        Error::Unavailable(format!("The engine is not available: {e}"))
    }
}

impl From<error::BlockingError> for Error {
    fn from(e: error::BlockingError) -> Self {
        Error::Internal(format!("The service is temporarily unavailable: {e}"))
    }
}

impl From<error::JsonPayloadError> for Error {
    fn from(e: error::JsonPayloadError) -> Self {
        match e {
            error::JsonPayloadError::OverflowKnownLength { .. }
            | error::JsonPayloadError::Overflow { .. } => {
                Error::TooLarge(format!("Request body is too large: {e}"))
            }
            error::JsonPayloadError::Payload(p) => Error::from_payload(&p),
            _ => Error::BadRequest("Request is not in valid JSON format".into()),
        }
    }
}

impl Error {
    /// A body that could not be read: too large (413) or broken (400).
    pub fn from_payload(e: &error::PayloadError) -> Self {
        match e {
            error::PayloadError::Overflow => {
                Error::TooLarge(format!("Request body is too large: {e}"))
            }
            error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                Error::Timeout(format!("Request body timed out: {io}"))
            }
            other => Error::BadRequest(format!("Cannot read the request body: {other}")),
        }
    }

    /// An extractor failure of the request body (`web::Bytes`).
    pub fn from_body(e: &actix_web::Error) -> Self {
        match e.as_error::<error::PayloadError>() {
            Some(p) => Error::from_payload(p),
            None if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
                Error::TooLarge(format!("Request body is too large: {e}"))
            }
            None => Error::BadRequest(format!("Cannot read the request body: {e}")),
        }
    }

    /// The JSON error body, as wsme writes it.
    pub fn body(&self) -> serde_json::Value {
        let code = if self.status_code().is_server_error() {
            "Server"
        } else {
            "Client"
        };
        json!({"faultcode": code, "faultstring": self.to_string(), "debuginfo": null})
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.response_with(self.body())
    }
}

impl Error {
    fn response_with(&self, body: serde_json::Value) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status_code());
        if matches!(self, Error::Unavailable(_) | Error::TooMany(_)) {
            resp.insert_header((header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS)));
        }
        if matches!(self, Error::Unauthorized(_)) {
            resp.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        resp.json(body)
    }
}

/// The error of Mistral's text/plain definition endpoints (POST and PUT
/// of workflows, workbooks and ad-hoc actions): their refusals carry
/// `{"faultstring": …}` alone (`wrap_pecan_controller_exception`); a
/// server failure keeps the usual body.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct TextError(#[from] pub Error);

impl ResponseError for TextError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        match self.0.status_code().is_server_error() {
            true => self.0.error_response(),
            false => self
                .0
                .response_with(json!({"faultstring": self.0.to_string()})),
        }
    }
}

/// The JSON extractor settings `app` installs: body limit, and every
/// extractor failure answered with the API's error body.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(false)
        .error_handler(|err, _req: &HttpRequest| Error::from(err).into())
}

/// Middleware: a request whose body is declared XML (`application/xml`,
/// `text/xml`, `…+xml`) is answered 415 before any handler reads it; so is
/// a non-empty body of another declared media type sent to a route that
/// reads JSON (wsme's `Unknown mimetype: text/plain`: only
/// `application/json` and `text/javascript` are JSON there, compared as
/// written). The definition routes (workflows, workbooks, actions) read
/// YAML text whatever the content type, as Mistral does; a body without a
/// content type or sent as a form is read as JSON.
pub async fn refuse_xml(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        let essence = ct.split(';').next().unwrap_or_default().trim();
        let lower = essence.to_ascii_lowercase();
        if lower == "application/xml" || lower == "text/xml" || lower.ends_with("+xml") {
            return Err(Error::UnsupportedMediaType(format!(
                "Unsupported media type '{lower}': send JSON, or YAML text for definitions"
            ))
            .into());
        }
        if reads_json(req.method(), req.path())
            && has_body(req.headers())
            && !matches!(
                essence,
                "application/json" | "text/javascript" | "application/x-www-form-urlencoded" | ""
            )
        {
            return Err(Error::UnsupportedMediaType(format!("Unknown mimetype: {essence}")).into());
        }
    }
    next.call(req).await
}

/// Whether a write to this path reads a JSON body: every `/v2` route but
/// those of definitions, which read YAML text.
fn reads_json(method: &actix_web::http::Method, path: &str) -> bool {
    use actix_web::http::Method;
    if !matches!(*method, Method::POST | Method::PUT) {
        return false;
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return false;
    };
    let first = rest.split('/').find(|s| !s.is_empty()).unwrap_or_default();
    !matches!(first, "workflows" | "workbooks" | "actions" | "")
}

/// Whether the request declares a body: a non-zero length, or chunks.
fn has_body(headers: &actix_web::http::header::HeaderMap) -> bool {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0)
}

/// The raw-body extractor settings (`web::Bytes`, `String`) `app` installs.
/// Handlers of this module take the body as `Result<Bytes, _>` and map a
/// failure through [`Error::from_body`].
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Diagnostic, Diagnostics};

    fn check(e: Error, status: u16, body: serde_json::Value) {
        let resp = e.error_response();
        assert_eq!(resp.status().as_u16(), status, "{e:?}");
        assert_eq!(e.body(), body);
    }

    fn fault(code: &str, msg: &str) -> serde_json::Value {
        json!({"faultcode": code, "faultstring": msg, "debuginfo": null})
    }

    #[test]
    fn engine_errors_map_to_mistral_codes() {
        use engine::Error as E;
        check(
            E::NotFound("WorkflowExecution not found [id=x]".into()).into(),
            404,
            fault("Client", "WorkflowExecution not found [id=x]"),
        );
        check(
            E::Conflict("Duplicate entry for WorkflowDefinition".into()).into(),
            409,
            fault("Client", "Duplicate entry for WorkflowDefinition"),
        );
        check(
            E::Invalid("Invalid input".into()).into(),
            400,
            fault("Client", "Invalid input"),
        );
        check(
            E::NotAllowed("Only completed executions can be deleted.".into()).into(),
            403,
            fault("Client", "Only completed executions can be deleted."),
        );
        check(
            E::Unavailable("busy".into()).into(),
            503,
            fault("Server", "busy"),
        );
        check(
            E::Store(store::Error::Database("disk".into())).into(),
            500,
            fault("Server", "database error: disk"),
        );
        check(
            E::Store(store::Error::Busy(
                "timed out waiting for connection".into(),
            ))
            .into(),
            503,
            fault("Server", "database busy: timed out waiting for connection"),
        );
        check(
            E::Store(store::Error::BadQuery("bad sort key".into())).into(),
            400,
            fault("Client", "bad sort key"),
        );
    }

    #[test]
    fn definition_errors_list_every_problem() {
        let d = Diagnostics(vec![
            Diagnostic {
                path: "wf.tasks.t1.on-success[0]".into(),
                line: Some(7),
                column: Some(11),
                message: "no task 't9'".into(),
            },
            Diagnostic {
                path: "wf.tasks.t2".into(),
                line: Some(9),
                column: None,
                message: "unknown key 'acton'".into(),
            },
        ]);
        let e: Error = engine::Error::Definition(d).into();
        check(
            e,
            400,
            fault(
                "Client",
                "Invalid DSL: no task 't9' (at wf.tasks.t1.on-success[0], line 7, column 11); unknown key 'acton' (at wf.tasks.t2, line 9)",
            ),
        );
    }

    #[test]
    fn unavailable_sets_retry_after() {
        let resp = Error::Unavailable("busy".into()).error_response();
        assert_eq!(resp.headers().get(header::RETRY_AFTER).unwrap(), "1");
        let resp = Error::TooMany("queue full".into()).error_response();
        assert_eq!(resp.status().as_u16(), 429);
        assert_eq!(resp.headers().get(header::RETRY_AFTER).unwrap(), "1");
        let resp = Error::bad("x").error_response();
        assert!(resp.headers().get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn body_failures() {
        check(
            Error::from_payload(&error::PayloadError::Overflow),
            413,
            fault(
                "Client",
                "Request body is too large: payload reached size limit",
            ),
        );
        let slow = error::PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the request body did not arrive in time",
        ));
        assert_eq!(
            Error::from_payload(&slow).status_code(),
            StatusCode::REQUEST_TIMEOUT
        );
        let e = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let e = Error::from(error::JsonPayloadError::Deserialize(e));
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(e.to_string(), "Request is not in valid JSON format");
    }

    /// The definition endpoints answer a refusal with `faultstring` alone,
    /// a server failure with the usual body.
    #[test]
    fn definition_endpoints_answer_faultstring_only() {
        let body = |e: Error| {
            let resp = TextError(e).error_response();
            let status = resp.status().as_u16();
            let bytes = actix_web::rt::System::new()
                .block_on(actix_web::body::to_bytes(resp.into_body()))
                .expect("body");
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).expect("json"),
            )
        };
        assert_eq!(
            body(Error::Conflict("taken".into())),
            (409, json!({"faultstring": "taken"}))
        );
        assert_eq!(
            body(Error::Internal("db".into())),
            (
                500,
                json!({"faultcode": "Server", "faultstring": "db", "debuginfo": null})
            )
        );
    }
}
