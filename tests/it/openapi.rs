//! The OpenAPI document at `GET /v2/openapi.json`, fetched from a running
//! server, against the route table the router is built from
//! (`bora::api::routes()`): every `/v2` route is an operation of the
//! document and every operation is a route. The document is checked to be
//! OpenAPI 3 in its structure (version, info, responses, unique operation
//! ids, declared path parameters, declared tags, every `$ref` resolves).
//! With authentication on it names the token schemes and stays readable
//! without a token. Swagger UI is served from the binary and loads nothing
//! from elsewhere.

use std::collections::BTreeSet;

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::harness::TestApp;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(method, path)` of every operation of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for m in METHODS {
            if item.get(*m).is_some() {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

/// `(method, path)` of every `/v2` route the router serves.
fn served() -> BTreeSet<(String, String)> {
    bora::api::routes()
        .into_iter()
        .filter(|(_, p)| *p == "/v2" || p.starts_with("/v2/"))
        .map(|(m, p)| (m.as_str().to_lowercase(), p.to_string()))
        .collect()
}

async fn fetch(app: &TestApp, path: &str) -> Value {
    let resp = Client::new().get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.json().await.unwrap()
}

/// Every `"$ref"` string anywhere in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The names between braces in a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// The structural rules of OpenAPI 3 that a generator can get wrong;
/// returns every problem found.
fn problems(doc: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let version = doc["openapi"].as_str().unwrap_or("");
    if !version.starts_with("3.") {
        bad.push(format!("openapi version {version:?}"));
    }
    for key in ["title", "version"] {
        if !doc["info"][key].is_string() {
            bad.push(format!("info.{key} missing"));
        }
    }
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        if !path.starts_with('/') {
            bad.push(format!("path {path} does not start with /"));
        }
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let here = format!("{m} {path}");
            match op["operationId"].as_str() {
                Some(id) if !ids.insert(id.to_string()) => {
                    bad.push(format!("{here}: operationId {id} is not unique"))
                }
                Some(_) => {}
                None => bad.push(format!("{here}: no operationId")),
            }
            if op["responses"].as_object().is_none_or(|r| r.is_empty()) {
                bad.push(format!("{here}: no responses"));
            }
            for t in op["tags"].as_array().into_iter().flatten() {
                if !t.as_str().is_some_and(|t| tags.contains(t)) {
                    bad.push(format!("{here}: tag {t} is not declared"));
                }
            }
            let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
            let mut seen = BTreeSet::new();
            for p in &params {
                let key = (p["name"].as_str(), p["in"].as_str());
                if key.0.is_none() || key.1.is_none() || !seen.insert(key) {
                    bad.push(format!("{here}: parameter {p} unnamed or repeated"));
                }
            }
            let in_path: BTreeSet<String> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    if p["required"] != true {
                        bad.push(format!("{here}: path parameter {} not required", p["name"]));
                    }
                    p["name"].as_str().unwrap_or("").to_string()
                })
                .collect();
            if in_path != template_params(path) {
                bad.push(format!("{here}: path parameters {in_path:?}"));
            }
        }
    }
    let mut all = Vec::new();
    refs(doc, &mut all);
    for r in all {
        let target = r.strip_prefix('#').and_then(|p| doc.pointer(p));
        if target.is_none() {
            bad.push(format!("$ref {r} does not resolve"));
        }
    }
    bad
}

/// The document lists exactly the routes the router serves under `/v2`, and
/// is structurally OpenAPI 3.
#[actix_rt::test]
async fn oa1_document_matches_route_table() {
    let app = TestApp::start();
    let doc = fetch(&app, "/v2/openapi.json").await;
    let (documented, served) = (documented(&doc), served());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes not in the document: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "operations no route serves: {unserved:?}"
    );
    assert!(served.len() > 50, "{} routes", served.len());
    let bad = problems(&doc);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // Without authentication the document asks for no token.
    assert!(doc["components"]["securitySchemes"].is_null());
    assert!(doc["security"].is_null());
    // A list's parameters come from what it accepts.
    let list = &doc["paths"]["/v2/executions"]["get"]["parameters"];
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for n in [
        "limit",
        "marker",
        "sort_keys",
        "fields",
        "state",
        "workflow_name",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let page = &doc["components"]["schemas"]["Executions"]["properties"];
    assert!(page["next"].is_object(), "{page}");
}

/// The checkers themselves refuse what they should: a dangling `$ref`, a
/// repeated operation id, an undeclared path parameter; a missing, unknown
/// or mistyped property, a value out of its enum.
#[test]
fn oa2_checker_finds_faults() {
    let doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a/{id}": {"get": {"operationId": "x", "responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}
            }}}},
            "/b": {"get": {"operationId": "x", "responses": {"200": {"description": "ok"}}}}
        }
    });
    let bad = problems(&doc);
    assert_eq!(bad.len(), 3, "{bad:?}");
    let doc = serde_json::json!({"components": {"schemas": {
        "S": {"type": "string", "enum": ["A", "B"]},
        "T": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"},
            "n": {"type": ["integer", "null"]},
            "s": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/S"}]},
            "l": {"type": "array", "items": {"type": "string"}}
        }}
    }}});
    let t = serde_json::json!({"$ref": "#/components/schemas/T"});
    let check = |v: Value| {
        let mut bad = Vec::new();
        conform(&doc, &t, &v, "v", &mut bad);
        bad.len()
    };
    assert_eq!(
        check(serde_json::json!({"id": "x", "n": null, "s": "A", "l": ["a"]})),
        0
    );
    assert_eq!(check(serde_json::json!({"n": 1})), 1, "required");
    assert_eq!(
        check(serde_json::json!({"id": "x", "extra": 1})),
        1,
        "unknown key"
    );
    assert_eq!(check(serde_json::json!({"id": 1})), 1, "type");
    assert_eq!(check(serde_json::json!({"id": "x", "s": "C"})), 1, "enum");
    assert_eq!(check(serde_json::json!({"id": "x", "l": [1]})), 1, "items");
}

/// With tokens configured the document names the bearer and `X-Auth-Token`
/// schemes, requires them but on the public operations, and is itself
/// served without a token.
#[actix_rt::test]
async fn oa3_security_schemes_with_auth() {
    let app = crate::tenants::start();
    let doc = fetch(&app, "/v2/openapi.json").await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http", "{schemes}");
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
    assert_eq!(schemes["x_auth_token"]["in"], "header", "{schemes}");
    assert_eq!(schemes["x_auth_token"]["name"], "X-Auth-Token", "{schemes}");
    let security = |m: &str, p: &str| doc["paths"][p][m]["security"].clone();
    assert_eq!(
        security("get", "/v2/workflows"),
        serde_json::json!([{"bearer": []}, {"x_auth_token": []}])
    );
    assert_eq!(security("get", "/v2"), serde_json::json!([{}]));
    assert_eq!(security("get", "/v2/openapi.json"), serde_json::json!([{}]));
    let bad = problems(&doc);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Swagger UI comes from the binary: its page, every file the page names
/// (none from another host), its configuration pointing at our document,
/// and the UI's link to it.
#[actix_rt::test]
async fn oa4_swagger_ui_is_served_offline() {
    let app = TestApp::start();
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(app.url("/ui/swagger")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(resp.headers()["location"], "/ui/swagger/");
    let resp = client.get(app.url("/ui/swagger/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = resp.text().await.unwrap();
    let mut files = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in page.split(attr).skip(1) {
            let target = part.split('"').next().unwrap();
            assert!(
                !target.contains("//"),
                "the page loads {target} from elsewhere"
            );
            files.push(target.trim_start_matches("./").to_string());
        }
    }
    assert!(files.iter().any(|f| f.ends_with(".js")), "{files:?}");
    for f in &files {
        let resp = client
            .get(app.url(&format!("/ui/swagger/{f}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{f}");
        assert!(!resp.bytes().await.unwrap().is_empty(), "{f}");
    }
    let init = client
        .get(app.url("/ui/swagger/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/v2/openapi.json"), "{init}");
    assert!(!init.contains("petstore"), "{init}");
    let resp = client
        .get(app.url("/ui/swagger/nosuch.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let index = client
        .get(app.url("/ui/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        index.contains("href=\"/ui/swagger/\""),
        "the UI links the API page"
    );
}

/// What `v` breaks of `schema` (resolving `$ref`s in `doc`): types, enums,
/// required properties, and properties the schema does not name.
fn conform(doc: &Value, schema: &Value, v: &Value, at: &str, bad: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = r.strip_prefix('#').and_then(|p| doc.pointer(p));
        return match target {
            Some(s) => conform(doc, s, v, at, bad),
            None => bad.push(format!("{at}: $ref {r} does not resolve")),
        };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            let fits = branches.iter().any(|b| {
                let mut none = Vec::new();
                conform(doc, b, v, at, &mut none);
                none.is_empty()
            });
            if !fits {
                bad.push(format!("{at}: {v} fits no branch of {key}"));
            }
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(v)
    {
        bad.push(format!("{at}: {v} is not one of {allowed:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    let fits = types.iter().any(|t| match *t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => false,
    });
    if !fits {
        bad.push(format!("{at}: {v} is not {types:?}"));
        return;
    }
    if let (Some(items), Some(vs)) = (schema.get("items"), v.as_array()) {
        for (i, x) in vs.iter().enumerate() {
            conform(doc, items, x, &format!("{at}[{i}]"), bad);
        }
    }
    let (Some(props), Some(obj)) = (schema["properties"].as_object(), v.as_object()) else {
        return;
    };
    for req in schema["required"].as_array().into_iter().flatten() {
        if !req.as_str().is_some_and(|r| obj.contains_key(r)) {
            bad.push(format!("{at}: required {req} missing"));
        }
    }
    for (k, x) in obj {
        match props.get(k) {
            Some(s) => conform(doc, s, x, &format!("{at}.{k}"), bad),
            None => bad.push(format!("{at}: {k} is not in the schema")),
        }
    }
}

/// Calls `method path` (JSON or YAML text body) and checks the answer
/// against the document's response for `template` and the status.
async fn answer_conforms(
    app: &TestApp,
    doc: &Value,
    (method, template, path): (&str, &str, &str),
    body: Option<Value>,
    bad: &mut Vec<String>,
) -> Value {
    let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = Client::new().request(m, app.url(path));
    req = match body {
        Some(Value::String(text)) => req.header("content-type", "text/plain").body(text),
        Some(json) => req.json(&json),
        None => req,
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16().to_string();
    let v: Value = resp.json().await.unwrap();
    let responses = &doc["paths"][template][method]["responses"];
    let class = format!("{}XX", &status[..1]);
    let mut answer = responses.get(&status).or(responses.get(&class)).cloned();
    if let Some(r) = answer.as_ref().and_then(|a| a["$ref"].as_str()) {
        answer = doc.pointer(&r[1..]).cloned();
    }
    match answer {
        Some(a) => {
            let schema = &a["content"]["application/json"]["schema"];
            if schema.is_null() {
                bad.push(format!("{method} {path} {status}: no schema for {v}"));
            }
            conform(doc, schema, &v, &format!("{method} {path} {status}"), bad);
        }
        None => bad.push(format!("{method} {path}: status {status} not documented")),
    }
    v
}

const WORKFLOW: &str = "version: '2.0'
oa_wf:
  input:
    - who: world
  tasks:
    hello:
      action: std.echo output=<% $.who %>
      publish:
        said: <% task().result %>
oa_parent:
  tasks:
    first:
      action: std.noop
      on-success: [sub]
    sub:
      workflow: oa_wf
";

const WORKBOOK: &str = "version: '2.0'
name: oa_wb
workflows:
  inner:
    tasks:
      t:
        action: std.noop
";

/// Real answers of the main resources (lists, single reads, creations, an
/// error) have the shapes the document gives them.
#[actix_rt::test]
async fn oa5_answers_match_their_schemas() {
    let app = TestApp::start();
    let doc = fetch(&app, "/v2/openapi.json").await;
    let mut bad = Vec::new();
    let b = &mut bad;
    let wf = String::from(WORKFLOW);
    answer_conforms(
        &app,
        &doc,
        ("post", "/v2/workflows", "/v2/workflows"),
        Some(Value::String(wf)),
        b,
    )
    .await;
    let start = serde_json::json!({"workflow_name": "oa_parent", "params": {"env": {"e": 1}}});
    let ex = answer_conforms(
        &app,
        &doc,
        ("post", "/v2/executions", "/v2/executions"),
        Some(start),
        b,
    )
    .await;
    let ex_id = ex["id"].as_str().unwrap().to_string();
    let ex_path = format!("/v2/executions/{ex_id}");
    crate::harness::eventually(std::time::Duration::from_secs(20), "SUCCESS", || async {
        let v = fetch(&app, &ex_path).await;
        (v["state"] == "SUCCESS").then_some(())
    })
    .await;
    let tasks_path = format!("{ex_path}/tasks");
    let tasks = answer_conforms(
        &app,
        &doc,
        ("get", "/v2/executions/{id}/tasks", &tasks_path),
        None,
        b,
    )
    .await;
    let mut all_tasks = tasks["tasks"].as_array().unwrap().iter();
    let first = all_tasks.find(|t| t["name"] == "first").unwrap();
    let task_id = first["id"].as_str().unwrap().to_string();
    let env = serde_json::json!({"name": "oa_env", "variables": {"a": 1}, "description": "d"});
    answer_conforms(
        &app,
        &doc,
        ("post", "/v2/environments", "/v2/environments"),
        Some(env),
        b,
    )
    .await;
    let wb = Value::String(WORKBOOK.into());
    answer_conforms(
        &app,
        &doc,
        ("post", "/v2/workbooks", "/v2/workbooks"),
        Some(wb),
        b,
    )
    .await;
    let cron = serde_json::json!({"name": "oa_cron", "workflow_name": "oa_wf",
        "pattern": "0 0 1 1 *", "remaining_executions": 2});
    answer_conforms(
        &app,
        &doc,
        ("post", "/v2/cron_triggers", "/v2/cron_triggers"),
        Some(cron),
        b,
    )
    .await;
    let aes = format!("/v2/tasks/{task_id}/action_executions");
    let ae = answer_conforms(
        &app,
        &doc,
        ("get", "/v2/tasks/{id}/action_executions", &aes),
        None,
        b,
    )
    .await;
    let ae_id = ae["action_executions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reads = [
        ("/v2", "/v2".to_string()),
        ("/v2/workflows", "/v2/workflows".into()),
        ("/v2/workflows/{identifier}", "/v2/workflows/oa_wf".into()),
        (
            "/v2/executions",
            "/v2/executions?include_output=true".into(),
        ),
        ("/v2/executions/{id}", ex_path.clone()),
        (
            "/v2/executions/{id}/executions",
            format!("{ex_path}/executions"),
        ),
        ("/v2/executions/{id}/report", format!("{ex_path}/report")),
        (
            "/v2/executions/{id}/report",
            format!("{ex_path}/report?statistics_only=true"),
        ),
        ("/v2/tasks", "/v2/tasks".into()),
        ("/v2/tasks/{id}", format!("/v2/tasks/{task_id}")),
        ("/v2/action_executions", "/v2/action_executions".into()),
        (
            "/v2/action_executions/{id}",
            format!("/v2/action_executions/{ae_id}"),
        ),
        ("/v2/actions", "/v2/actions".into()),
        ("/v2/actions/{name}", "/v2/actions/std.echo".into()),
        ("/v2/environments", "/v2/environments".into()),
        ("/v2/environments/{name}", "/v2/environments/oa_env".into()),
        ("/v2/workbooks", "/v2/workbooks".into()),
        ("/v2/workbooks/{name}", "/v2/workbooks/oa_wb".into()),
        ("/v2/cron_triggers", "/v2/cron_triggers".into()),
        (
            "/v2/cron_triggers/{identifier}",
            "/v2/cron_triggers/oa_cron".into(),
        ),
        ("/v2/workflows/{identifier}", "/v2/workflows/nosuch".into()),
        ("/v2/event_triggers", "/v2/event_triggers".into()),
    ];
    for (template, path) in &reads {
        answer_conforms(&app, &doc, ("get", template, path), None, b).await;
    }
    let yaml = Value::String(
        "version: '2.0'\nbroken: {tasks: {t: {action: std.noop, on-success: [nowhere]}}}".into(),
    );
    let v = answer_conforms(
        &app,
        &doc,
        ("post", "/v2/workflows/validate", "/v2/workflows/validate"),
        Some(yaml),
        b,
    )
    .await;
    assert_eq!(v["valid"], false, "{v}");
    let page = answer_conforms(
        &app,
        &doc,
        ("get", "/v2/actions", "/v2/actions?limit=2"),
        None,
        b,
    )
    .await;
    assert!(page["next"].is_string(), "{page}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
