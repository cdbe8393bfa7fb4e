//! Query arguments a route does not take, refused before its handler runs.
//!
//! Mistral's controllers are wsme functions: wsme reads the query string
//! into the function's named arguments and refuses any other name with a
//! 400 `Unknown argument: "name"`, before the function looks anything up
//! (so before a 404). The lists and most single GETs check their own
//! arguments where they read them; [`refuse_unknown_arguments`] does it for
//! the routes whose handler reads no query string, or reads it after a
//! lookup: the deletes, the updates and creates whose body is JSON, the
//! report, `GET /v2`, and the single environment and workbook.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

use super::query;

/// The query arguments `method` on `path` takes, when it is one of the
/// routes this module checks.
fn taken(method: &Method, path: &str) -> Option<&'static [&'static str]> {
    let rest = path.strip_prefix("/v2")?;
    let segs: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let m = method.as_str();
    Some(match (m, segs.as_slice()) {
        ("GET", [""]) => &[],
        ("GET", ["environments", id]) if !id.is_empty() => &["fields"],
        ("GET", ["workbooks", id]) if !id.is_empty() => &["namespace", "fields"],
        ("GET", ["executions", id, "report"]) if !id.is_empty() => {
            &["errors_only", "max_depth", "statistics_only"]
        }
        ("DELETE", ["workbooks" | "workflows" | "actions", id]) if !id.is_empty() => &["namespace"],
        ("DELETE", ["executions", id]) if !id.is_empty() => &["force"],
        ("DELETE", ["environments" | "cron_triggers" | "action_executions", id])
            if !id.is_empty() =>
        {
            &[]
        }
        ("PUT", ["executions" | "tasks" | "action_executions", id]) if !id.is_empty() => &[],
        ("POST", ["executions" | "environments" | "cron_triggers" | "action_executions"]) => &[],
        ("PUT", ["environments"]) => &[],
        _ => return None,
    })
}

/// Answers 400 `Unknown argument: "name"` for a query argument the route
/// does not take (the first such, where Mistral names them all in no
/// fixed order).
pub async fn refuse_unknown_arguments(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    // A query string that does not parse is the handler's to refuse.
    if let (Some(allowed), Ok(pairs)) =
        (taken(req.method(), req.path()), query::pairs(req.request()))
    {
        query::only(&pairs, allowed)?;
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_their_arguments() {
        let get = Method::GET;
        assert_eq!(taken(&get, "/v2"), Some(&[][..]));
        assert_eq!(taken(&get, "/v2/"), Some(&[][..]));
        assert_eq!(taken(&get, "/v2/environments/e"), Some(&["fields"][..]));
        assert_eq!(taken(&get, "/v2/environments"), None);
        assert_eq!(taken(&get, "/v2/executions/x"), None);
        assert_eq!(
            taken(&Method::DELETE, "/v2/executions/x"),
            Some(&["force"][..])
        );
        assert_eq!(
            taken(&Method::DELETE, "/v2/workflows/w"),
            Some(&["namespace"][..])
        );
        assert_eq!(taken(&Method::POST, "/v2/executions"), Some(&[][..]));
        assert_eq!(taken(&Method::POST, "/v2/workflows"), None);
        assert_eq!(taken(&Method::PUT, "/v2/tasks/t"), Some(&[][..]));
    }
}
