//! `/v2/actions`: the action registry's standard actions as Mistral Action
//! resources, listed, filtered, sorted and paged in memory (as Mistral's
//! action provider listing does). Read-only; ad-hoc actions are not served.

use std::cmp::Ordering;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::error::Error;
use super::query::{self, Kind, ListSpec};
use super::{ApiState, render};
use crate::actions::Registry;
use crate::store::{Filter, FilterOp, SortDir};

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
            description: d.description,
        })
        .collect()
}

const SPEC: ListSpec = ListSpec {
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
    filters: &[
        ("name", Kind::Text),
        ("scope", Kind::Text),
        ("tags", Kind::Text),
        ("description", Kind::Text),
        ("definition", Kind::Text),
        ("is_system", Kind::Bool),
        ("input", Kind::Text),
        ("namespace", Kind::Text),
        ("created_at", Kind::Text),
        ("updated_at", Kind::Text),
    ],
    default_sort: "name",
    marker: Kind::Text,
};

/// `GET /v2/actions`
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: super::Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    // The system actions are everyone's: the caller matters only for the
    // admin-only all_projects / project_id parameters.
    let mut p = query::list_params(&pairs, &SPEC, state.max_page_size, &caller)?;
    if !p.fields.is_empty() && !p.fields.iter().any(|f| f == "name") {
        p.fields.push("name".into());
    }
    let mut items: Vec<Map<String, Value>> = std_actions()
        .iter()
        .map(render::action)
        .filter(|a| p.query.filters.iter().all(|f| matches(a, f)))
        .collect();
    items.sort_by(|a, b| compare(a, b, &p.query.sort));
    if let Some(i) = p.query.marker.as_ref().and_then(|m| {
        items
            .iter()
            .position(|a| a.get("name").and_then(Value::as_str) == Some(m.as_str()))
    }) {
        items.drain(..=i);
    }
    items.truncate(p.query.limit);
    let items = items
        .into_iter()
        .map(|a| query::project(a, &p.fields))
        .collect();
    Ok(HttpResponse::Ok().json(query::envelope(&req, "actions", items, p.query.limit)))
}

/// `GET /v2/actions/{name}[/{namespace}]` (python-mistralclient puts the
/// namespace in the path) or `?namespace=`.
pub async fn get(req: HttpRequest) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    let name = req.match_info().get("name").unwrap_or_default();
    let namespace = match req.match_info().get("namespace") {
        Some(ns) => ns.to_string(),
        None => query::namespace(&pairs),
    };
    let actions = std_actions();
    let action = actions.iter().find(|a| a.name == name).ok_or_else(|| {
        Error::not_found(format!(
            "Action not found [name={name}, namespace={namespace}]"
        ))
    })?;
    Ok(HttpResponse::Ok().json(render::action(action)))
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
            .filter(|a| matches(&render::action(a), &f))
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
            &["std.async_noop", "std.fail", "std.noop", "std.sleep"],
        );
        check(
            ("name", In, &["std.noop", "std.sleep"]),
            &["std.noop", "std.sleep"],
        );
        check(
            ("name", Nin, &["std.noop", "std.sleep"]),
            &["std.async_noop", "std.echo", "std.fail"],
        );
        check(("name", Has, &["ee"]), &["std.sleep"]);
        check(("name", Gt, &["std.n"]), &["std.noop", "std.sleep"]);
        check(
            ("is_system", Eq, &["true"]),
            &[
                "std.async_noop",
                "std.echo",
                "std.fail",
                "std.noop",
                "std.sleep",
            ],
        );
        check(("is_system", Eq, &["false"]), &[]);
        check(
            ("scope", Eq, &["public"]),
            &[
                "std.async_noop",
                "std.echo",
                "std.fail",
                "std.noop",
                "std.sleep",
            ],
        );
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
                "std.sleep",
                "std.noop",
                "std.fail",
                "std.echo",
                "std.async_noop"
            ]
        );
    }
}
