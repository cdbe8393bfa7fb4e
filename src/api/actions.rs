//! `/v2/actions` reads: the action registry's standard actions merged with
//! the stored ad-hoc actions (all shown `is_system: false`), filtered, sorted
//! and paged in memory after the store applied what it can to the ad-hoc
//! ones (as Mistral's action provider listing does). Writes are in
//! `adhoc_actions`.

use std::cmp::Ordering;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::error::Error;
use super::query::{self, Kind, ListSpec};
use super::{ApiState, read, render};
use crate::actions::Registry;
use crate::store::{Filter, FilterOp, ListQuery, SortDir};

/// A system action as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StdAction {
    pub name: &'static str,
    /// Mistral's parameter string: `output, delay=0`.
    pub input: String,
    pub description: &'static str,
}

/// The standard actions of this build, by name, from the action registry.
pub fn std_actions() -> Vec<StdAction> {
    Registry::standard()
        .all()
        .map(|d| StdAction {
            name: d.name,
            input: d.input_string(),
            description: super::std_descriptions::mistral_description(d.name)
                .unwrap_or(d.description),
        })
        .collect()
}

pub(super) const SPEC: ListSpec = ListSpec {
    listing: crate::store::Listing::ActionDefinitions,
    fields: &[
        "id",
        "name",
        "is_system",
        "input",
        "description",
        "tags",
        "definition",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
        "namespace",
    ],
    // In the order Mistral's `get_all` names them (the `next` link's order).
    filters: &[
        ("created_at", Kind::Text),
        ("name", Kind::Text),
        ("scope", Kind::Text),
        ("tags", Kind::Text),
        ("updated_at", Kind::Text),
        ("description", Kind::Text),
        ("definition", Kind::Text),
        ("is_system", Kind::Bool),
        ("input", Kind::Text),
        ("namespace", Kind::Text),
    ],
    default_sort: "name",
    marker: Kind::Text,
};

super::openapi::list_query!(ListArgs, SPEC);

/// `GET /v2/actions`
#[utoipa::path(
    get,
    path = "/v2/actions",
    tag = "actions",
    operation_id = "list_actions",
    summary = "List actions",
    params(ListArgs),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Actions))
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: super::Caller,
) -> Result<HttpResponse, Error> {
    // Mistral's action list takes `fields` and applies nothing of it: no
    // check, no projection, no `fields` in the `next` link.
    let pairs: query::Pairs = query::pairs(&req)?
        .into_iter()
        .filter(|(k, _)| k != "fields")
        .collect();
    // The system actions are everyone's; the ad-hoc ones are the caller's
    // and the public ones (admins: all_projects / project_id).
    let mut p = query::list_params(&pairs, &SPEC, state.max_page_size, &caller)?;
    // `namespace` defaults to '' (not "any"), so it always filters.
    if !p.query.filters.iter().any(|f| f.field == "namespace") {
        p.pin_in_order("namespace", String::new(), &SPEC);
    }
    let mut items: Vec<Map<String, Value>> = std_actions()
        .iter()
        .map(render::action)
        .filter(|a| {
            p.query
                .filters
                .iter()
                .all(|f| matches(&filtered_view(a), f))
        })
        .collect();
    let (stored, is_system): (Vec<Filter>, Vec<Filter>) = p
        .query
        .filters
        .iter()
        .cloned()
        .partition(|f| f.field != "is_system");
    let q = ListQuery {
        marker: None,
        limit: 0,
        sort: vec![("name".into(), SortDir::Asc)],
        filters: stored,
        access: p.query.access.clone(),
    };
    let adhoc = read(&state, move |s| s.list_action_definitions(&q)).await?;
    items.extend(
        adhoc
            .iter()
            .map(render::adhoc_action)
            .filter(|a| is_system.iter().all(|f| matches(a, f))),
    );
    items.sort_by(|a, b| compare(a, b, &p.query.sort));
    // Mistral starts the page AT the action whose name is the marker (so
    // the marker itself is listed again); any other marker, such as the id
    // the `next` link of an ad-hoc action carries, starts from the top.
    if let Some(i) = p.query.marker.as_ref().and_then(|m| {
        items
            .iter()
            .position(|a| a.get("name").and_then(Value::as_str) == Some(m.as_str()))
    }) {
        items.drain(..i);
    }
    items.truncate(p.query.limit);
    Ok(HttpResponse::Ok().json(query::envelope(&req, "actions", items, &p, &SPEC)))
}

/// `GET /v2/actions/{name_or_id}[/{namespace}]` (python-mistralclient puts
/// the namespace in the path) or `?namespace=`: an ad-hoc action the
/// caller sees by name in the namespace (its own before another project's
/// public one), else a system action of that name.
#[utoipa::path(
    get,
    path = "/v2/actions/{name}",
    tag = "actions",
    operation_id = "get_action",
    summary = "Get an action",
    params(
        ("name" = String, Path, description = "The action's name (an ad-hoc action's id is also taken where noted)"),
        ("namespace" = Option<String>, Query, description = "The namespace (default `\"\"`)"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Action))
)]
pub async fn get(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: super::Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    // wsme takes only the identifier and the namespace here.
    query::only(&pairs, &["namespace"])?;
    let name = req.match_info().get("name").unwrap_or_default().to_string();
    let namespace = match req.match_info().get("namespace") {
        Some(ns) => ns.to_string(),
        None => query::namespace(&pairs),
    };
    let (n, ns) = (name.clone(), namespace.clone());
    let access = caller.access();
    let found = read(&state, move |s| s.find_action_definition(&access, &n, &ns)).await?;
    // Mistral looks an action up by name only: an id is an unknown name.
    // An ad-hoc action of the system action's name comes first.
    let found = found.filter(|a| a.name == name);
    if found.is_none()
        && let Some(action) = std_actions().iter().find(|a| a.name == name)
    {
        return Ok(HttpResponse::Ok().json(render::action(action)));
    }
    let a = found.ok_or_else(|| {
        Error::not_found(format!(
            "Action not found [name={name}, namespace={namespace}]"
        ))
    })?;
    Ok(HttpResponse::Ok().json(render::adhoc_action(&a)))
}

/// `GET /v2/actions/{name}/{namespace}`: [`get`] with the namespace in
/// the path, as python-mistralclient asks.
#[utoipa::path(
    get,
    path = "/v2/actions/{name}/{namespace}",
    tag = "actions",
    operation_id = "get_action_in_namespace",
    summary = "Get an action of a namespace",
    params(
        ("name" = String, Path, description = "The action's name"),
        ("namespace" = String, Path, description = "The namespace"),
    ),
    responses((status = 200, description = "OK", body = super::openapi::schemas::Action))
)]
pub async fn get_in_namespace(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: super::Caller,
) -> Result<HttpResponse, Error> {
    get(req, state, caller).await
}

/// A system action as `is_system` filters see it. Mistral fails (HTTP
/// 500) on that filter; here it tells system actions from ad-hoc ones,
/// though every listed action shows `is_system: false` as Mistral's do.
fn filtered_view(a: &Map<String, Value>) -> Map<String, Value> {
    let mut a = a.clone();
    a.insert("is_system".into(), true.into());
    a
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn matches(a: &Map<String, Value>, f: &Filter) -> bool {
    let field = a.get(&f.field);
    if let (Some(Value::Array(items)), FilterOp::Has) = (field, f.op) {
        return f
            .values
            .iter()
            .all(|v| items.iter().any(|i| i.as_str() == Some(v)));
    }
    let have = text(field);
    let want = f.values.first().map(String::as_str).unwrap_or_default();
    match f.op {
        FilterOp::Eq => have == want,
        FilterOp::Neq => have != want,
        FilterOp::Gt => have.as_str() > want,
        FilterOp::Gte => have.as_str() >= want,
        FilterOp::Lt => have.as_str() < want,
        FilterOp::Lte => have.as_str() <= want,
        FilterOp::In => f.values.contains(&have),
        FilterOp::Nin => !f.values.contains(&have),
        FilterOp::Has => have.contains(want),
        FilterOp::IsNull => field.is_none_or(Value::is_null),
    }
}

fn compare(a: &Map<String, Value>, b: &Map<String, Value>, sort: &[(String, SortDir)]) -> Ordering {
    for (key, dir) in sort {
        let ord = text(a.get(key)).cmp(&text(b.get(key)));
        let ord = if *dir == SortDir::Desc {
            ord.reverse()
        } else {
            ord
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    text(a.get("name")).cmp(&text(b.get("name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(filter: (&str, FilterOp, &[&str]), expected: &[&str]) {
        let f = Filter {
            field: filter.0.into(),
            op: filter.1,
            values: filter.2.iter().map(|s| s.to_string()).collect(),
        };
        let got: Vec<&str> = std_actions()
            .iter()
            .filter(|a| a.name.starts_with("std."))
            .filter(|a| matches(&filtered_view(&render::action(a)), &f))
            .map(|a| a.name)
            .collect();
        assert_eq!(got, expected, "{f:?}");
    }

    #[test]
    fn filters() {
        use FilterOp::*;
        check(("name", Eq, &["std.echo"]), &["std.echo"]);
        check(
            ("name", Neq, &["std.echo"]),
            &[
                "std.async_noop",
                "std.email",
                "std.fail",
                "std.http",
                "std.javascript",
                "std.js",
                "std.mistral_http",
                "std.noop",
                "std.sleep",
                "std.test_dict",
            ],
        );
        check(
            ("name", In, &["std.noop", "std.sleep"]),
            &["std.noop", "std.sleep"],
        );
        check(
            ("name", Nin, &["std.noop", "std.sleep"]),
            &[
                "std.async_noop",
                "std.echo",
                "std.email",
                "std.fail",
                "std.http",
                "std.javascript",
                "std.js",
                "std.mistral_http",
                "std.test_dict",
            ],
        );
        check(("name", Has, &["ee"]), &["std.sleep"]);
        check(
            ("name", Gt, &["std.n"]),
            &["std.noop", "std.sleep", "std.test_dict"],
        );
        check(
            ("is_system", Eq, &["true"]),
            &[
                "std.async_noop",
                "std.echo",
                "std.email",
                "std.fail",
                "std.http",
                "std.javascript",
                "std.js",
                "std.mistral_http",
                "std.noop",
                "std.sleep",
                "std.test_dict",
            ],
        );
        check(("is_system", Eq, &["false"]), &[]);
        check(("scope", Eq, &["public"]), &[]);
        check(("input", Eq, &[""]), &["std.async_noop", "std.noop"]);
    }

    #[test]
    fn sorting() {
        let mut items: Vec<Map<String, Value>> = std_actions()
            .iter()
            .filter(|a| a.name.starts_with("std."))
            .map(render::action)
            .collect();
        items.sort_by(|a, b| compare(a, b, &[("name".into(), SortDir::Desc)]));
        let names: Vec<String> = items.iter().map(|a| text(a.get("name"))).collect();
        assert_eq!(
            names,
            [
                "std.test_dict",
                "std.sleep",
                "std.noop",
                "std.mistral_http",
                "std.js",
                "std.javascript",
                "std.http",
                "std.fail",
                "std.email",
                "std.echo",
                "std.async_noop"
            ]
        );
    }
}
