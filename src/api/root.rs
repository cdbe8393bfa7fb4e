//! `GET /` (the API version document) and `GET /v2`, shaped exactly as
//! Mistral's root controllers answer, with links built from the request's host;
//! and the 404 of a path no route matches.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::error::Error;

/// `scheme://host` of the request, as the client addressed us.
fn base(req: &HttpRequest) -> String {
    let conn = req.connection_info();
    format!("{}://{}", conn.scheme(), conn.host())
}

fn versions_doc(base: &str) -> Value {
    json!({"versions": [{
        "id": "v2.0",
        "status": "CURRENT",
        "links": [{"href": format!("{base}/v2"), "target": "v2", "rel": "self"}]
    }]})
}

/// `GET /`
pub async fn versions(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(versions_doc(&base(&req)))
}

/// `GET /v2`
#[utoipa::path(
    get,
    path = "/v2",
    tag = "api",
    operation_id = "get_v2",
    summary = "The v2 version document",
    responses((status = 200, description = "OK", body = super::openapi::schemas::V2Root))
)]
pub async fn v2(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(json!({"uri": format!("{}/v2", base(&req))}))
}

/// Any path no route matches: a 404 with the API's error body.
pub async fn unknown_path() -> Result<HttpResponse, Error> {
    Err(Error::not_found("The resource could not be found."))
}

/// The `Allow` header's value for `methods`: sorted, comma-separated, as
/// Mistral's router lists them (`DELETE, GET, POST, PUT`).
pub(super) fn allow(methods: &[actix_web::http::Method]) -> String {
    let mut names: Vec<&str> = methods
        .iter()
        .map(actix_web::http::Method::as_str)
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

/// A known path with a method it does not serve: 405 with the API's error
/// body and the methods it serves in `Allow`.
pub(super) fn method_not_allowed(allow: &str) -> HttpResponse {
    use actix_web::ResponseError as _;
    let mut resp =
        Error::MethodNotAllowed("The method is not allowed for the requested URL.".into())
            .error_response();
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(allow) {
        resp.headers_mut().insert(actix_web::http::header::ALLOW, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_methods_sorted() {
        use actix_web::http::Method;
        let m = [
            Method::PUT,
            Method::GET,
            Method::DELETE,
            Method::POST,
            Method::GET,
        ];
        assert_eq!(allow(&m), "DELETE, GET, POST, PUT");
        assert_eq!(allow(&[]), "");
    }

    #[test]
    fn version_document() {
        let doc = serde_json::to_string(&versions_doc("http://localhost:8989")).unwrap();
        assert_eq!(
            doc,
            r#"{"versions":[{"id":"v2.0","status":"CURRENT","links":[{"href":"http://localhost:8989/v2","target":"v2","rel":"self"}]}]}"#
        );
    }
}
