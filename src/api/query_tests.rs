//! Unit tests of query-string parsing: one `check` per feature, many cases.

use super::*;

const SPEC: ListSpec = ListSpec {
    listing: store::Listing::Tasks,
    fields: &["id", "name", "state", "created_at", "workflow_id"],
    filters: &[
        ("name", Kind::Text),
        ("state", Kind::State),
        ("workflow_id", Kind::Uuid),
        ("processed", Kind::Bool),
    ],
    default_sort: "created_at",
    marker: Kind::Uuid,
};

const U: &str = "123e4567-e89b-12d3-a456-426655440000";

fn parse(qs: &str) -> Result<ListParams, Error> {
    let admin = crate::api::Caller {
        project_id: "p".into(),
        admin: true,
    };
    list_params(&parse_pairs(qs).unwrap(), &SPEC, 100, &admin)
}

fn err(qs: &str) -> String {
    parse(qs).unwrap_err().to_string()
}

fn check_limit(qs: &str, expected: usize) {
    assert_eq!(parse(qs).unwrap().query.limit, expected, "{qs}");
}

#[test]
fn limit() {
    check_limit("", 100);
    check_limit("limit=", 100);
    check_limit("limit=5", 5);
    check_limit("limit=100", 100);
    check_limit("limit=101", 100);
    check_limit("limit=99999999999999", 100);
    assert_eq!(err("limit=0"), "Limit must be positive.");
    assert_eq!(err("limit=-3"), "Limit must be positive.");
    assert!(err("limit=abc").contains("limit"));
}

fn check_sort(qs: &str, expected: &[(&str, SortDir)]) {
    let got = parse(qs).unwrap().query.sort;
    let expected: Vec<(String, SortDir)> =
        expected.iter().map(|(k, d)| (k.to_string(), *d)).collect();
    assert_eq!(got, expected, "{qs}");
}

#[test]
fn sorting() {
    use SortDir::{Asc, Desc};
    check_sort("", &[("created_at", Asc)]);
    check_sort("sort_keys=name", &[("name", Asc)]);
    check_sort("sort_keys=name&sort_dirs=desc", &[("name", Desc)]);
    check_sort(
        "sort_keys=NAME,state&sort_dirs=desc",
        &[("name", Desc), ("state", Asc)],
    );
    check_sort(
        "sort_keys=name,%20state&sort_dirs=asc,desc",
        &[("name", Asc), ("state", Desc)],
    );
    check_sort("sort_dirs=desc", &[("created_at", Desc)]);
    assert_eq!(
        err("sort_keys=name&sort_dirs=asc,desc"),
        "Length of sort_keys must be equal or greater than sort_dirs."
    );
    assert_eq!(
        err("sort_keys=name&sort_dirs=up"),
        "Unknown sort direction, must be 'desc' or 'asc'."
    );
    assert_eq!(
        err("sort_keys=bogus"),
        "Sort key supplied is invalid: bogus"
    );
}

fn check_filters(qs: &str, expected: &[(&str, FilterOp, &[&str])]) {
    let got = parse(qs).unwrap().query.filters;
    let expected: Vec<Filter> = expected
        .iter()
        .map(|(f, op, vs)| Filter {
            field: f.to_string(),
            op: *op,
            values: vs.iter().map(|v| v.to_string()).collect(),
        })
        .collect();
    assert_eq!(got, expected, "{qs}");
}

#[test]
fn filter_ops() {
    use FilterOp::*;
    check_filters("", &[]);
    check_filters("name=wf", &[("name", Eq, &["wf"])]);
    check_filters("name=eq:wf", &[("name", Eq, &["wf"])]);
    check_filters("name=neq:wf", &[("name", Neq, &["wf"])]);
    check_filters("name=gt:a", &[("name", Gt, &["a"])]);
    check_filters("name=gte:a", &[("name", Gte, &["a"])]);
    check_filters("name=lt:a", &[("name", Lt, &["a"])]);
    check_filters("name=lte:a", &[("name", Lte, &["a"])]);
    check_filters("name=has:w", &[("name", Has, &["w"])]);
    check_filters("name=in:a,b,c", &[("name", In, &["a", "b", "c"])]);
    check_filters("name=nin:a,b", &[("name", Nin, &["a", "b"])]);
    check_filters("name=foo:bar", &[("name", Eq, &["foo:bar"])]);
    check_filters("name=eq:a:b", &[("name", Eq, &["a:b"])]);
    check_filters("name=a,b", &[("name", Eq, &["a,b"])]);
    check_filters("name=x&name=y", &[("name", Eq, &["y"])]);
    assert_eq!(err("unknown=1"), "Unknown argument: \"unknown\"");
    // A task list takes none of the arguments only some lists have.
    for arg in [
        "include_output",
        "namespace",
        "scope",
        "all_projects",
        "project_id",
        "nulls",
    ] {
        assert_eq!(
            err(&format!("{arg}=x")),
            format!("Unknown argument: \"{arg}\"")
        );
    }
    let pairs = parse_pairs("fields=id&bogus=2").unwrap();
    assert!(only(&pairs, &["fields", "bogus"]).is_ok());
    assert_eq!(
        only(&pairs, &["fields"]).unwrap_err().to_string(),
        "Unknown argument: \"bogus\""
    );
    assert_eq!(
        err("name=a&fields=name&bogus="),
        "Unknown argument: \"bogus\""
    );
}

#[test]
fn filter_kinds() {
    use FilterOp::*;
    check_filters("state=RUNNING", &[("state", Eq, &["RUNNING"])]);
    check_filters(
        "state=in:RUNNING,ERROR",
        &[("state", In, &["RUNNING", "ERROR"])],
    );
    check_filters("state=RUNNING_DELAYED", &[("state", Eq, &["DELAYED"])]);
    check_filters(&format!("workflow_id={U}"), &[("workflow_id", Eq, &[U])]);
    // Compared as text, as Mistral compares ids: upper case stays.
    let upper = U.to_uppercase();
    // Mistral's uuid type keeps the value after the operator alone: the
    // filter is an equality whatever the operator; a list is no uuid.
    check_filters(
        &format!("workflow_id=neq:{upper}"),
        &[("workflow_id", Eq, &[upper.as_str()])],
    );
    assert_eq!(
        err(&format!("workflow_id=in:{U}")),
        format!(
            "Invalid input for field/attribute workflow_id. Value: 'in:{U}'. unable to convert to uuid. Error: Expected a uuid but received ['{U}']."
        )
    );
    check_filters("processed=True", &[("processed", Eq, &["true"])]);
    // Python's bool() of the text: only the empty text is false.
    check_filters("processed=0", &[("processed", Eq, &["true"])]);
    check_filters("processed=false", &[("processed", Eq, &["true"])]);
    check_filters("processed=", &[("processed", Eq, &["false"])]);
    check_filters(
        "name=a&state=SUCCESS",
        &[("name", Eq, &["a"]), ("state", Eq, &["SUCCESS"])],
    );
    assert_eq!(
        err("workflow_id=123"),
        "Invalid input for field/attribute workflow_id. Value: '123'. unable to convert to uuid. Error: Expected a uuid but received 123."
    );
    // A state filter is plain text in Mistral: an unknown one matches nothing.
    check_filters("state=FOO", &[("state", Eq, &["FOO"])]);
    check_filters("processed=maybe", &[("processed", Eq, &["true"])]);
}

fn check_uuid_like(s: &str, expected: bool) {
    assert_eq!(is_uuid_like(s), expected, "{s}");
}

#[test]
fn uuid_like_as_oslo_reads_it() {
    check_uuid_like(U, true);
    check_uuid_like(&U.to_uppercase(), true);
    check_uuid_like(&U.replace('-', ""), true);
    // Dashes anywhere, even at the ends, are dropped before counting.
    check_uuid_like("123e-4567e89b12d3a456426655440000", true);
    check_uuid_like(&format!("-{U}-"), true);
    check_uuid_like(&format!("{{{U}}}"), true);
    check_uuid_like(&format!("{{{{{U}}}"), true);
    check_uuid_like(&format!("urn:uuid:{U}"), true);
    check_uuid_like(&format!("uuid:{U}"), true);
    check_uuid_like("", false);
    check_uuid_like("abc", false);
    check_uuid_like(&format!("{U}0"), false);
    check_uuid_like(&U.replace('e', "g"), false);
    check_uuid_like(&format!(" {U}"), false);
    check_filters(
        "workflow_id=123e-4567e89b12d3a456426655440000",
        &[(
            "workflow_id",
            FilterOp::Eq,
            &["123e-4567e89b12d3a456426655440000"],
        )],
    );
}

#[test]
fn marker() {
    assert_eq!(
        parse(&format!("marker={U}"))
            .unwrap()
            .query
            .marker
            .as_deref(),
        Some(U)
    );
    assert_eq!(
        err("marker="),
        "Invalid input for field/attribute marker. Value: ''. unable to convert to uuid. Error: Expected a uuid but received ."
    );
    assert_eq!(
        err("marker=abc"),
        "Invalid input for field/attribute marker. Value: 'abc'. unable to convert to uuid. Error: Expected a uuid but received abc."
    );
}

fn check_fields(qs: &str, expected: &[&str]) {
    assert_eq!(parse(qs).unwrap().fields, expected, "{qs}");
}

#[test]
fn field_projection() {
    check_fields("", &[]);
    check_fields("fields=", &[]);
    check_fields("fields=name", &["id", "name"]);
    check_fields("fields=name,state", &["id", "name", "state"]);
    check_fields("fields=state,id", &["state", "id"]);
    check_fields("fields=Name,name,,state", &["id", "name", "state"]);
    assert_eq!(
        err("fields=name,bogus"),
        "Some fields do not exist  [bogus], please choose from [id, name, state, created_at, workflow_id]"
    );
}

#[test]
fn project_keeps_object_order() {
    let obj: Map<String, Value> =
        serde_json::from_str(r#"{"id": "1", "name": "n", "state": "S", "x": 1}"#).unwrap();
    let keep = |f: &[&str]| {
        let f: Vec<String> = f.iter().map(|s| s.to_string()).collect();
        serde_json::to_string(&project(obj.clone(), &f)).unwrap()
    };
    assert_eq!(keep(&[]), r#"{"id":"1","name":"n","state":"S","x":1}"#);
    assert_eq!(
        keep(&["id", "state", "name"]),
        r#"{"id":"1","name":"n","state":"S"}"#
    );
    assert_eq!(keep(&["id", "nope"]), r#"{"id":"1"}"#);
}

fn check_next(qs: &str, expected: &str) {
    let p = parse(qs).unwrap();
    assert_eq!(p.next_query(&SPEC, U), expected, "{qs}");
}

#[test]
fn next_links() {
    // `id` joins the sort keys; filters carry their operator; `fields`
    // comes last (`ResourceList.get_next`).
    check_next(
        "limit=2",
        &format!("sort_keys=created_at,id&sort_dirs=asc,asc&limit=2&marker={U}"),
    );
    check_next(
        &format!("state=RUNNING&limit=2&marker={U}&fields=state"),
        &format!(
            "sort_keys=created_at,id&sort_dirs=asc,asc&state=eq:RUNNING&limit=2&marker={U}&fields=id,state"
        ),
    );
    check_next(
        "sort_keys=name,id&sort_dirs=desc&limit=2",
        &format!("sort_keys=name,id&sort_dirs=desc,asc&limit=2&marker={U}"),
    );
    check_next(
        "name=in:b,a&processed=true&limit=2",
        &format!(
            "sort_keys=created_at,id&sort_dirs=asc,asc&name=in:['b', 'a']&processed=eq:True&limit=2&marker={U}"
        ),
    );
}

#[test]
fn pinned_filters() {
    let mut p = parse("state=RUNNING&name=a&limit=2").unwrap();
    p.pin("workflow_id", U.into());
    assert_eq!(p.query.filters[0].field, "workflow_id");
    let mut p = parse(
        "workflow_id=neq:{U}&processed=true&name=a&limit=2"
            .replace("{U}", U)
            .as_str(),
    )
    .unwrap();
    p.pin_in_order("state", "RUNNING".into(), &SPEC);
    let order: Vec<&str> = p.query.filters.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(order, ["name", "state", "workflow_id", "processed"]);
}

#[test]
fn duplicate_sort_keys_count_once() {
    assert_eq!(
        err("sort_keys=id,id&sort_dirs=asc,asc"),
        "Length of sort_keys must be equal or greater than sort_dirs."
    );
    assert_eq!(err("sort_keys=foo"), "Sort key supplied is invalid: foo");
}

fn check_access(qs: &str, admin: bool, listing: store::Listing, expected: Result<Access, &str>) {
    let caller = crate::api::Caller {
        project_id: "p".into(),
        admin,
    };
    let got = list_access(&parse_pairs(qs).unwrap(), &caller, listing).map_err(|e| e.to_string());
    match expected {
        Ok(a) => assert_eq!(got, Ok(a), "{qs}"),
        Err(prefix) => assert!(
            got.as_ref().is_err_and(|e| e.starts_with(prefix)),
            "{qs}: {got:?}"
        ),
    }
}

#[test]
fn list_access_all_projects_as_text() {
    use store::Listing::{Executions, Workflows};
    let own = || Ok(Access::Project("p".into()));
    const FORBIDDEN: &str = "Operation forbidden (insufficient permissions)";
    check_access("", false, Workflows, own());
    check_access("all_projects=", false, Workflows, own());
    check_access("all_projects=false", false, Workflows, Err(FORBIDDEN));
    check_access("all_projects=true", false, Executions, Err(FORBIDDEN));
    check_access("all_projects=false", true, Workflows, Ok(Access::All));
    // project_id is a filter within the caller's own access; the
    // executions list asks for the admin policy first.
    check_access("project_id=q", false, Workflows, own());
    check_access("project_id=q", false, Executions, Err(FORBIDDEN));
    check_access("project_id=q", true, Executions, own());
}

#[test]
fn flags() {
    let p = |qs: &str| parse_pairs(qs).unwrap();
    for (qs, want) in [
        ("", false),
        ("include_output=", false),
        ("include_output=true", true),
        ("include_output=false", true),
        ("include_output=0", true),
        ("include_output=x", true),
    ] {
        assert_eq!(text_flag(&p(qs), "include_output"), want, "{qs}");
    }
    assert_eq!(namespace(&p("namespace=ns1")), "ns1");
    assert_eq!(namespace(&p("")), "");
}

#[actix_web::test]
async fn envelope_has_next_only_when_full() {
    let req = actix_web::test::TestRequest::get()
        .uri("/v2/executions/x/tasks?limit=1&name=wf")
        .insert_header(("host", "bora:8989"))
        .to_http_request();
    let item: Map<String, Value> = serde_json::from_str(&format!(r#"{{"id": "{U}"}}"#)).unwrap();
    let one = parse("limit=1&name=wf").unwrap();
    let full = envelope(&req, "tasks", vec![item.clone()], &one, &SPEC);
    assert_eq!(
        full,
        serde_json::json!({
            "tasks": [{"id": U}],
            "next": format!("http://bora:8989/v2/tasks?sort_keys=created_at,id&sort_dirs=asc,asc&name=eq:wf&limit=1&marker={U}")
        })
    );
    let two = parse("limit=2&name=wf").unwrap();
    let partial = envelope(&req, "tasks", vec![item], &two, &SPEC);
    assert_eq!(partial, serde_json::json!({"tasks": [{"id": U}]}));
    assert_eq!(
        envelope(&req, "tasks", vec![], &one, &SPEC),
        serde_json::json!({"tasks": []})
    );
}

#[test]
fn uuid_params() {
    use crate::domain::ExecutionId;
    assert_eq!(
        uuid_named::<ExecutionId>("id", U)
            .unwrap()
            .unwrap()
            .to_string(),
        U
    );
    let upper = U.to_uppercase();
    assert_eq!(uuid_named::<ExecutionId>("id", &upper).unwrap(), None);
    assert_eq!(
        uuid_named::<ExecutionId>("id", "x")
            .unwrap_err()
            .to_string(),
        "Invalid input for field/attribute id. Value: 'x'. unable to convert to uuid. Error: Expected a uuid but received x."
    );
    assert!(matches!(
        uuid_named::<ExecutionId>("id", "x"),
        Err(Error::BadRequest(_))
    ));
}

/// Every list the API serves, with the names it accepts that no store
/// field backs: fields computed when rendered (never a sort key), and the
/// tasks' `reset` and `env` filters, which Mistral's `get_all` declares but
/// cannot apply (a 500 there; a 400 naming the field here).
fn every_list() -> Vec<(&'static str, &'static ListSpec, &'static [&'static str])> {
    use crate::api;
    vec![
        ("workflows", &api::workflows::SPEC, &[]),
        ("actions", &api::actions::SPEC, &["is_system"]),
        ("workbooks", &api::workbooks::SPEC, &[]),
        ("environments", &api::environments::SPEC, &[]),
        (
            "cron_triggers",
            &api::cron_triggers::SPEC,
            &["timezone", "catch_up"],
        ),
        ("executions", &api::executions::SPEC, &["published_global"]),
        (
            "tasks",
            &api::tasks::SPEC,
            &["published_global", "reset", "env"],
        ),
        ("action_executions", &api::action_executions::SPEC, &[]),
    ]
}

#[test]
fn every_filter_and_sort_key_names_a_store_field() {
    let mut wrong = Vec::new();
    for (name, spec, api_only) in every_list() {
        let store: Vec<&str> = spec.listing.fields().collect();
        let mut not_in_store: Vec<&str> = spec
            .fields
            .iter()
            .chain(spec.filters.iter().map(|(f, _)| f))
            .copied()
            .filter(|f| !store.contains(f))
            .collect();
        let mut seen = Vec::new();
        not_in_store.retain(|f| {
            let first = !seen.contains(f);
            seen.push(*f);
            first
        });
        if not_in_store != api_only {
            wrong.push(format!(
                "{name}: names without a store field {not_in_store:?}, expected {api_only:?}"
            ));
        }
        if !store.contains(&spec.default_sort) {
            wrong.push(format!("{name}: default sort '{}'", spec.default_sort));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_rendered_only_field_is_no_sort_key() {
    let admin = crate::api::Caller {
        project_id: "p".into(),
        admin: true,
    };
    let pairs = parse_pairs("sort_keys=published_global").unwrap();
    let e = list_params(&pairs, &crate::api::executions::SPEC, 100, &admin).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Sort key supplied is invalid: published_global"
    );
}
