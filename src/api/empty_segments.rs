//! Empty path segments around an id, read as Mistral's router (pecan) reads
//! them. A single resource's path drops them (`/v2/executions//{id}`,
//! `/v2/workflows/{name}//` are the resource); in a nested list
//! (`/v2/executions/{id}/tasks`) the segments before the list's name are the
//! list's positional arguments in order, so an empty one is the empty
//! parent id or, for the lists that page, an empty `marker`; the segments
//! after a list's name are its next arguments (or a 405 where it takes
//! none). `app` installs
//! [`drop_empty_segments`] in front of the router; a path without an empty
//! segment (but for one trailing slash) is never touched.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;

/// The collections whose single resources sit at `/v2/<collection>/<id>`.
const COLLECTIONS: &[&str] = &[
    "executions",
    "tasks",
    "action_executions",
    "workflows",
    "actions",
    "workbooks",
    "environments",
    "cron_triggers",
    "event_triggers",
];

/// Nested lists whose second positional argument is `marker` (the others,
/// `report` and `executions`, take `errors_only` there, where an empty text
/// is off).
const PAGED: &[&str] = &["tasks", "action_executions", "workflow_executions"];

/// What a path with empty segments is.
#[derive(Debug, PartialEq, Eq)]
enum Reading {
    /// Served as this other path.
    Path(String),
    /// Served as this other path with these query arguments added.
    WithArgs(String, String),
    /// Refused: the empty marker of a paged nested list.
    EmptyMarker,
    /// Refused: a list with no single item (405).
    NoItem,
}

/// How Mistral's router reads `path`; `None` when it reads it as bora's
/// routes already do.
fn read(path: &str) -> Option<Reading> {
    let rest = path.strip_prefix("/v2/")?;
    let (coll, after) = rest.split_once('/')?;
    if !COLLECTIONS.contains(&coll) {
        return None;
    }
    let segs: Vec<&str> = after.split('/').collect();
    if let Some(r) = after_list(coll, &segs) {
        return Some(r);
    }
    // No empty segment but for one trailing slash: the routes' own.
    if !segs[..segs.len() - 1].contains(&"") {
        return None;
    }
    // Pecan looks for a nested list's name first: the segments before it
    // are the list's positional arguments.
    if let Some(i) = segs.iter().position(|s| nested(coll).contains(s)) {
        let (sub, after_sub) = (segs[i], &segs[i + 1..]);
        if after_sub.iter().any(|s| !s.is_empty()) {
            return None;
        }
        return match &segs[..i] {
            // `/v2/executions//{id}/tasks`: the parent id is the empty one.
            ["", id] if !id.is_empty() => Some(Reading::Path(format!("/v2/{coll}//{sub}"))),
            [id, ""] if !id.is_empty() && PAGED.contains(&sub) => Some(Reading::EmptyMarker),
            [id, ""] if !id.is_empty() => Some(Reading::Path(format!("/v2/{coll}/{id}/{sub}"))),
            _ => None,
        };
    }
    match segs
        .iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [id] => Some(Reading::Path(format!("/v2/{coll}/{id}"))),
        _ => None,
    }
}

/// Segments after a nested list's name (`/v2/executions/{id}/tasks/x`):
/// pecan drops the empty ones and passes the rest to the list as its
/// arguments after the parent id. The task list takes none (405); the
/// sub-execution tree and the report take `errors_only`, `max_depth` and
/// `include_output` or `statistics_only`, in that order.
fn after_list(coll: &str, segs: &[&str]) -> Option<Reading> {
    let [id, sub, rest @ ..] = segs else {
        return None;
    };
    if id.is_empty() || !nested(coll).contains(sub) || rest.is_empty() || rest == [""] {
        return None;
    }
    let names: &[&str] = match (coll, *sub) {
        ("executions", "tasks") => return Some(Reading::NoItem),
        ("executions", "executions") => &["errors_only", "max_depth", "include_output"],
        ("executions", "report") => &["errors_only", "max_depth", "statistics_only"],
        _ => return None,
    };
    let args: Vec<&str> = rest.iter().copied().filter(|s| !s.is_empty()).collect();
    if args.len() > names.len() {
        return None;
    }
    let query: Vec<String> = names
        .iter()
        .zip(&args)
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    Some(Reading::WithArgs(
        format!("/v2/{coll}/{id}/{sub}"),
        query.join("&"),
    ))
}

/// The nested lists under a collection's resource.
fn nested(coll: &str) -> &'static [&'static str] {
    match coll {
        "executions" => &["tasks", "executions", "report"],
        "tasks" => &["action_executions", "workflow_executions", "executions"],
        _ => &[],
    }
}

/// Middleware: serves a path with empty segments as Mistral's router does
/// ([`read`]), rewriting it before the routes see it.
pub async fn drop_empty_segments(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    match read(req.path()) {
        None => {}
        Some(Reading::EmptyMarker) => {
            return Err(super::query::bad_uuid("marker", "").into());
        }
        Some(Reading::NoItem) => {
            return Err(super::error::Error::MethodNotAllowed(
                "The method is not allowed for the requested URL.".into(),
            )
            .into());
        }
        Some(r @ (Reading::Path(_) | Reading::WithArgs(..))) => {
            let uri = req.uri().clone();
            let (p, extra) = match r {
                Reading::WithArgs(p, q) => (p, Some(q)),
                Reading::Path(p) => (p, None),
                _ => return Ok(next.call(req).await?.map_into_boxed_body()),
            };
            let query: Vec<&str> = [uri.query(), extra.as_deref()]
                .into_iter()
                .flatten()
                .filter(|q| !q.is_empty())
                .collect();
            let pq = match query.is_empty() {
                true => p,
                false => format!("{p}?{}", query.join("&")),
            };
            let mut parts = uri.into_parts();
            parts.path_and_query = PathAndQuery::try_from(pq).ok();
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, expected: Option<&str>) {
        let got = read(path).map(|r| match r {
            Reading::Path(p) => p,
            Reading::WithArgs(p, q) => format!("{p}?{q}"),
            Reading::EmptyMarker => "marker".into(),
            Reading::NoItem => "405".into(),
        });
        assert_eq!(got.as_deref(), expected, "{path}");
    }

    #[test]
    fn empty_segments() {
        check("/v2/executions/x", None);
        check("/v2/executions/x/", None);
        check("/v2/executions/x/tasks", None);
        check("/v2/executions/x/tasks/", None);
        check("/v2/executions", None);
        check("/v2/executions/", None);
        check("/v2/members//x", None);
        check("/v2/executions//x", Some("/v2/executions/x"));
        check("/v2/executions///x", Some("/v2/executions/x"));
        check("/v2/executions/x//", Some("/v2/executions/x"));
        check("/v2/executions//x/", Some("/v2/executions/x"));
        check("/v2/workflows//wf", Some("/v2/workflows/wf"));
        // An empty id alone stays the empty-id routes' (a 400).
        check("/v2/executions//", None);
        check("/v2/executions//x/tasks", Some("/v2/executions//tasks"));
        check("/v2/executions/x//tasks", Some("marker"));
        check("/v2/tasks/x//action_executions", Some("marker"));
        check("/v2/executions/x//report", Some("/v2/executions/x/report"));
        check("/v2/executions/x/tasks//", Some("405"));
        check("/v2/executions/x/tasks/y", Some("405"));
        check(
            "/v2/executions/x/report//",
            Some("/v2/executions/x/report?"),
        );
        check(
            "/v2/executions/x/report/y/2",
            Some("/v2/executions/x/report?errors_only=y&max_depth=2"),
        );
        check(
            "/v2/executions/x/executions/y",
            Some("/v2/executions/x/executions?errors_only=y"),
        );
        check("/v2/tasks/x/action_executions/y", None);
        check("/v2/executions//tasks", None);
        check("/v2/tasks//executions", None);
        check("/v2/executions//x/report", Some("/v2/executions//report"));
    }
}
