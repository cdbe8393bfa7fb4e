//! The web UI, embedded in the binary: the files of `static/` are compiled in
//! with `include_bytes!`, so one file deploys bora with its UI and nothing is
//! fetched at run time. `GET /` serves the UI only to browsers (an `Accept`
//! that names `text/html`); API clients keep Mistral's version document
//! there. `/ui/` always serves it.
//!
//! - `graph`: a workflow spec → nodes and edges for the UI's graph.
//! - `data`: the small JSON endpoints under `/ui/api/` that the UI needs
//!   beyond Mistral's REST API (execution overview, parse, dashboard).

mod data;
mod graph;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, guard, web};

/// One embedded file.
struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $mime:literal) => {
        Asset {
            name: $name,
            mime: $mime,
            body: include_bytes!(concat!("../../static/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("graph.js", "text/javascript; charset=utf-8"),
    asset!("views.js", "text/javascript; charset=utf-8"),
    asset!("execution.js", "text/javascript; charset=utf-8"),
    asset!("definitions.js", "text/javascript; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
];

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// Whether the client asked for HTML (a browser navigating to the page).
pub fn wants_html(accept: Option<&HeaderValue>) -> bool {
    accept
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|m| m.trim().starts_with("text/html")))
}

/// A strong validator for an embedded file: its md5, computed once.
fn etag(a: &Asset) -> String {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TAGS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| (a.name, format!("\"{:x}\"", md5::compute(a.body))))
            .collect()
    });
    tags.get(a.name).cloned().unwrap_or_default()
}

fn serve(req: &HttpRequest, a: &Asset) -> HttpResponse {
    let tag = etag(a);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut resp = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    if fresh {
        return resp.finish();
    }
    resp.content_type(a.mime).body(a.body)
}

/// `GET /` for browsers, `GET /ui/`.
async fn index(req: HttpRequest) -> HttpResponse {
    match find("index.html") {
        Some(a) => serve(&req, a),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /ui/{file}`
async fn file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    match find(&path) {
        Some(a) => serve(&req, a),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

/// `GET /ui` → `/ui/`, so relative asset paths resolve.
async fn to_slash() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/ui/"))
        .finish()
}

/// GET or HEAD (actix answers HEAD without the body).
fn read_only() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Registers the UI routes. Must come before the `/` of the REST API: the
/// browser-only `/` resource falls through to it when its guard refuses.
pub(super) fn routes(r: &mut super::Routes) {
    use super::res_exact as res;
    use actix_web::http::Method;
    r.add(
        res("/")
            .map(|x| {
                x.guard(guard::fn_guard(|ctx| {
                    wants_html(ctx.head().headers().get(header::ACCEPT))
                }))
            })
            .get(index),
    )
    .add(res("/ui").get(to_slash))
    .add(res("/ui/").on(Method::GET, read_only().to(index)))
    .add(res("/ui/api/dashboard").get(data::dashboard))
    .add(res("/ui/api/parse").post(data::parse))
    .add(res("/ui/api/executions/{id}/graph").get(data::execution_graph))
    .add(res("/ui/api/executions/{id}/tasks").get(data::execution_tasks))
    .add(res("/ui/swagger").get(super::openapi::swagger_to_slash))
    .add(res("/ui/swagger/{tail:.*}").on(Method::GET, read_only().to(super::openapi::swagger_ui)))
    .add(res("/ui/{file}").on(Method::GET, read_only().to(file)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(accept: Option<&'static str>, expected: bool) {
        let v = accept.map(HeaderValue::from_static);
        assert_eq!(wants_html(v.as_ref()), expected, "{accept:?}");
    }

    #[test]
    fn browsers_want_html() {
        check(None, false);
        check(Some("application/json"), false);
        check(Some("*/*"), false);
        check(Some("text/html"), true);
        check(
            Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            true,
        );
        check(Some("application/json, text/html;q=0.1"), true);
        check(Some("text/plain"), false);
    }

    #[test]
    fn every_asset_is_embedded_once() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{} is empty", a.name);
            assert_eq!(ASSETS.iter().filter(|b| b.name == a.name).count(), 1);
        }
        assert!(find("index.html").is_some());
        assert!(find("../Cargo.toml").is_none());
        assert_ne!(etag(&ASSETS[0]), etag(&ASSETS[1]));
    }
}
