//! Authentication and tenant isolation over real HTTP (RELIABILITY.md X1–X4),
//! with authentication on, two tenants (`alpha`, `beta`) and one admin
//! (`ops`). Each check prints one line with its count. The isolation
//! matrix (X2) is in `tenants_isolation.rs`.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, eventually};

pub(crate) const TOKEN_A: &str = "alpha-secret-token";
pub(crate) const TOKEN_B: &str = "beta-secret-token";
pub(crate) const TOKEN_ADMIN: &str = "ops-secret-token";
/// An admin of beta's project: makes things public that beta owns.
pub(crate) const TOKEN_B_ADMIN: &str = "beta-admin-secret-token";
pub(crate) const UNKNOWN: &str = "123e4567-e89b-12d3-a456-426655440000";

pub(crate) fn start() -> TestApp {
    start_and(|_| {})
}

/// [`start`] with `more` applied to the configuration too.
pub(crate) fn start_and(more: impl FnOnce(&mut bora::config::Config)) -> TestApp {
    TestApp::start_with(|c| {
        more(c);
        c.auth = true;
        for (token, project, admin) in [
            (TOKEN_A, "alpha", false),
            (TOKEN_B, "beta", false),
            (TOKEN_ADMIN, "ops", true),
            (TOKEN_B_ADMIN, "beta", true),
        ] {
            c.tokens.push(bora::config::TokenConfig {
                sha256: bora::config::token_hash(token),
                project_id: project.into(),
                admin,
            });
        }
    })
}

/// A request body: YAML text or JSON.
pub(crate) enum Body<'a> {
    None,
    Text(&'a str),
    Json(Value),
}

/// One call as `token` (Bearer); `None`: no credentials.
pub(crate) async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Body<'_>,
) -> (StatusCode, Value) {
    let mut req = Client::new().request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req = match body {
        Body::None => req,
        Body::Text(t) => req.header("content-type", "text/plain").body(t.to_string()),
        Body::Json(v) => req.json(&v),
    };
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    call(app, Some(token), Method::GET, path, Body::None).await
}

pub(crate) fn report(check: &str, n: usize) {
    println!("{check}: {n}");
}

pub(crate) const B_WFS: &str = "
version: '2.0'
bparent:
  tasks:
    call:
      workflow: bchild
bchild:
  tasks:
    wait:
      action: std.async_noop
bonly:
  tasks:
    t:
      action: std.noop
";

pub(crate) const A_WFS: &str = "
version: '2.0'
bonly:
  description: alpha's own workflow of the same name as beta's
  tasks:
    t:
      action: std.noop
aplain:
  tasks:
    t:
      action: std.echo output=<% env() %>
";

/// Waits until `GET path` (as `token`) satisfies `done`, returning it.
pub(crate) async fn wait_for(
    app: &TestApp,
    token: &str,
    path: &str,
    done: fn(&Value) -> bool,
) -> Value {
    eventually(Duration::from_secs(20), path, || async {
        let (_, v) = get(app, token, path).await;
        done(&v).then_some(v)
    })
    .await
}

pub(crate) fn finished(v: &Value) -> bool {
    matches!(v["state"].as_str(), Some("SUCCESS" | "ERROR" | "CANCELLED"))
}

pub(crate) fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Every route of the router, with each of five bad credentials, answers
/// 401 with `WWW-Authenticate: Bearer` and a faultstring, except the
/// allow-list; with a good token none answers 401.
#[actix_rt::test]
async fn x1_auth_on_every_route() {
    let app = start();
    let routes = bora::api::routes();
    let allow: Vec<(Method, &str)> = vec![
        (Method::GET, "/"),
        (Method::GET, "/v2"),
        (Method::GET, "/health"),
        (Method::HEAD, "/health"),
        (Method::GET, "/ui"),
        (Method::GET, "/ui/"),
        (Method::GET, "/ui/{file}"),
        (Method::GET, "/v2/openapi.json"),
        (Method::GET, "/ui/swagger"),
        (Method::GET, "/ui/swagger/{tail:.*}"),
    ];
    let concrete = |p: &str| {
        p.replace("{id}", UNKNOWN)
            .replace("{ae_id}", UNKNOWN)
            .replace("{identifier}", UNKNOWN)
            .replace("{name}", "nosuch")
            .replace("{namespace}", "ns")
            .replace("{file}", "app.js")
            .replace("{tail:.*}", "index.html")
    };
    type Cred = (&'static str, Option<(&'static str, String)>);
    let unknown_hash_token = "a-token-whose-hash-is-not-configured";
    let creds: Vec<Cred> = vec![
        ("none", None),
        ("malformed", Some(("authorization", "Bearer".into()))),
        (
            "wrong scheme",
            Some(("authorization", format!("Basic {TOKEN_A}"))),
        ),
        ("wrong token", Some(("authorization", "Bearer nope".into()))),
        (
            "unknown hash",
            Some(("x-auth-token", unknown_hash_token.into())),
        ),
    ];
    let client = Client::new();
    let (mut covered, mut bypasses, mut allowed) = (0, 0, 0);
    for (method, pattern) in &routes {
        let m = Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let path = concrete(pattern);
        let public = allow.iter().any(|(am, ap)| *am == m && ap == pattern);
        for (name, cred) in &creds {
            let mut req = client.request(m.clone(), app.url(&path));
            if let Some((h, v)) = cred {
                req = req.header(*h, v);
            }
            let resp = req.send().await.expect("request");
            let status = resp.status();
            if public {
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{m} {path} ({name})");
                allowed += 1;
                continue;
            }
            let www = resp
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap_or("").to_string());
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if status != StatusCode::UNAUTHORIZED
                || www.as_deref() != Some("Bearer")
                || !body["faultstring"].is_string()
            {
                bypasses += 1;
                eprintln!("BYPASS {m} {path} ({name}): {status} {www:?} {body}");
            }
        }
        // A good token is let through (whatever the route then answers;
        // the event stream's body never ends, so no body is read).
        let resp = client
            .request(m.clone(), app.url(&path))
            .bearer_auth(TOKEN_A)
            .send()
            .await
            .expect("request");
        assert_ne!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{m} {path} with a good token"
        );
        drop(resp);
        covered += 1;
    }
    // The token as a query parameter counts only on the event stream.
    let (s, _) = call(
        &app,
        None,
        Method::GET,
        &format!("/v2/workflows?token={TOKEN_A}"),
        Body::None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // X-Auth-Token (the mistral CLI's header) is accepted.
    let resp = client
        .get(app.url("/v2/workflows"))
        .header("x-auth-token", TOKEN_B)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // An unknown path is no way around it either.
    let (s, _) = call(&app, None, Method::GET, "/v2/nothing-here", Body::None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The routes of workbooks, ad-hoc actions, standalone action
    // executions, /health and /metrics are in the router's list.
    for (m, p) in [
        ("GET", "/metrics"),
        ("GET", "/health"),
        ("POST", "/v2/action_executions"),
        ("DELETE", "/v2/action_executions/{id}"),
        ("POST", "/v2/actions"),
        ("PUT", "/v2/actions"),
        ("POST", "/v2/actions/validate"),
        ("PUT", "/v2/actions/{name}"),
        ("DELETE", "/v2/actions/{name}"),
        ("GET", "/v2/workbooks"),
        ("POST", "/v2/workbooks"),
        ("PUT", "/v2/workbooks"),
        ("POST", "/v2/workbooks/validate"),
        ("GET", "/v2/workbooks/{name}"),
        ("DELETE", "/v2/workbooks/{name}"),
    ] {
        assert!(
            routes.iter().any(|(rm, rp)| rm.as_str() == m && *rp == p),
            "{m} {p} is in api::routes()"
        );
    }
    report("x1 routes covered", covered);
    report("x1 routes total", routes.len());
    report("x1 bad-credential calls", covered * creds.len());
    report("x1 allow-listed calls", allowed);
    report("x1 bypasses", bypasses);
    assert_eq!(covered, routes.len());
    assert_eq!(bypasses, 0);
    for (am, ap) in &allow {
        assert!(
            routes
                .iter()
                .any(|(m, p)| m.as_str() == am.as_str() && p == ap),
            "allow-listed {am} {ap} is a route"
        );
    }
}

/// What beta owns, for alpha to probe.
pub(crate) struct Beta {
    pub wf_id: String,
    pub exec: String,
    pub task: String,
    pub child_exec: String,
    pub child_task: String,
    pub action: String,
}

pub(crate) async fn beta_setup(app: &TestApp) -> Beta {
    let (s, v) = call(
        app,
        Some(TOKEN_B),
        Method::POST,
        "/v2/workflows",
        Body::Text(B_WFS),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let wf_id = v["workflows"][0]["id"].as_str().unwrap().to_string();
    let (s, v) = call(
        app,
        Some(TOKEN_B),
        Method::POST,
        "/v2/environments",
        Body::Json(json!({"name": "benv", "variables": {"secret": "beta's"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = call(
        app,
        Some(TOKEN_B),
        Method::POST,
        "/v2/executions",
        Body::Json(json!({"workflow_name": "bparent", "description": "beta's run"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let exec = v["id"].as_str().unwrap().to_string();
    let ae = eventually(Duration::from_secs(20), "beta's waiting action", || async {
        let (_, v) = get(app, TOKEN_B, "/v2/action_executions?state=RUNNING").await;
        v["action_executions"]
            .as_array()
            .and_then(|a| a.first().cloned())
    })
    .await;
    let (_, tasks) = get(app, TOKEN_B, &format!("/v2/executions/{exec}/tasks")).await;
    let task = tasks["tasks"][0]["id"].as_str().unwrap().to_string();
    let (_, subs) = get(app, TOKEN_B, &format!("/v2/executions/{exec}/executions")).await;
    let child_exec = subs["executions"][1]["id"].as_str().unwrap().to_string();
    Beta {
        wf_id,
        exec,
        task,
        child_exec,
        child_task: ae["task_execution_id"].as_str().unwrap().to_string(),
        action: ae["id"].as_str().unwrap().to_string(),
    }
}

/// Read-only attributes in bodies are ignored (documented), unknown ones
/// refused with 400, and `scope: public` by a non-admin is a 403.
/// A 400 naming `project_id` as a field a client may not set.
fn assert_read_only(s: StatusCode, v: &Value) {
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let text = v["faultstring"].as_str().unwrap_or_default();
    assert!(
        text.contains("project_id") && text.contains("Cannot set read only field"),
        "{v}"
    );
}

#[actix_rt::test]
async fn x3_mass_assignment() {
    let app = start();
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/workflows",
        Body::Text(A_WFS),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut changed = 0;
    let mut checks = 0;
    // A project_id in a body is refused as read-only (as Mistral's wsme
    // refuses it), and nothing is made.
    let (_, before) = get(&app, TOKEN_A, "/v2/executions").await;
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/executions",
        Body::Json(json!({"workflow_name": "aplain", "project_id": "beta"})),
    )
    .await;
    assert_read_only(s, &v);
    checks += 1;
    let (_, after) = get(&app, TOKEN_A, "/v2/executions").await;
    assert_eq!(ids(&before, "executions"), ids(&after, "executions"));
    // Execution create: state, created_at, updated_at ignored.
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/executions",
        Body::Json(json!({
            "workflow_name": "aplain",
            "state": "SUCCESS",
            "created_at": "2000-01-01 00:00:00",
            "updated_at": "2000-01-01 00:00:00",
            "root_execution_id": UNKNOWN,
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let done = wait_for(&app, TOKEN_A, &format!("/v2/executions/{id}"), finished).await;
    for (field, forged) in [
        ("created_at", "2000-01-01 00:00:00"),
        ("updated_at", "2000-01-01 00:00:00"),
        ("root_execution_id", UNKNOWN),
    ] {
        checks += 1;
        if done[field] == forged {
            changed += 1;
            eprintln!("CHANGED execution {field}");
        }
    }
    let (s, _) = get(&app, TOKEN_B, &format!("/v2/executions/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another project sees nothing");
    // Execution update: project_id refused, then a description change
    // carries no forged field.
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::PUT,
        &format!("/v2/executions/{id}"),
        Body::Json(json!({"description": "d", "project_id": "beta"})),
    )
    .await;
    assert_read_only(s, &v);
    checks += 1;
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::PUT,
        &format!("/v2/executions/{id}"),
        Body::Json(json!({"description": "d", "created_at": "2000-01-01 00:00:00"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    checks += 2;
    changed += usize::from(v["project_id"] != "alpha");
    changed += usize::from(v["created_at"] == "2000-01-01 00:00:00");
    // Unknown attributes (attempt, runtime_context on an execution) are 400.
    for forged in [json!({"attempt": 7}), json!({"runtime_context": {"x": 1}})] {
        let mut body = json!({"workflow_name": "aplain"});
        body.as_object_mut()
            .unwrap()
            .extend(forged.as_object().unwrap().clone());
        let (s, v) = call(
            &app,
            Some(TOKEN_A),
            Method::POST,
            "/v2/executions",
            Body::Json(body),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        checks += 1;
    }
    // Task update: runtime_context is refused.
    let (_, tasks) = get(&app, TOKEN_A, &format!("/v2/executions/{id}/tasks")).await;
    let tid = tasks["tasks"][0]["id"].as_str().unwrap().to_string();
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::PUT,
        &format!("/v2/tasks/{tid}"),
        Body::Json(json!({"state": "RUNNING", "reset": true, "runtime_context": {"x": 1}})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    checks += 1;
    // Environment create: project_id refused; id and created_at ignored.
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/environments",
        Body::Json(json!({"name": "aenv", "variables": {}, "project_id": "beta"})),
    )
    .await;
    assert_read_only(s, &v);
    checks += 1;
    let (s, _) = get(&app, TOKEN_A, "/v2/environments/aenv").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a refused create makes nothing");
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/environments",
        Body::Json(json!({
            "name": "aenv",
            "variables": {},
            "id": "forged-id",
            "created_at": "2000-01-01 00:00:00",
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    checks += 3;
    changed += usize::from(v["id"] == "forged-id");
    changed += usize::from(v["project_id"] != "alpha");
    changed += usize::from(v["created_at"] == "2000-01-01 00:00:00");
    // scope: public as a non-admin: 403, and nothing is created or changed.
    let yaml = "version: '2.0'\npub_try:\n  tasks:\n    t:\n      action: std.noop\n";
    for (method, path, body) in [
        (Method::POST, "/v2/workflows?scope=public", Body::Text(yaml)),
        (Method::PUT, "/v2/workflows?scope=public", Body::Text(A_WFS)),
        (
            Method::PUT,
            "/v2/workflows/aplain?scope=public",
            Body::Text("version: '2.0'\naplain:\n  tasks:\n    t:\n      action: std.noop\n"),
        ),
        (
            Method::POST,
            "/v2/environments",
            Body::Json(json!({"name": "pubenv", "scope": "public"})),
        ),
        (
            Method::PUT,
            "/v2/environments",
            Body::Json(json!({"name": "aenv", "scope": "public"})),
        ),
    ] {
        let (s, v) = call(&app, Some(TOKEN_A), method, path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
        checks += 1;
    }
    let (_, v) = get(&app, TOKEN_A, "/v2/workflows?scope=public").await;
    assert_eq!(ids(&v, "workflows").len(), 0, "{v}");
    let (_, v) = get(&app, TOKEN_A, "/v2/environments/aenv").await;
    assert_eq!(v["scope"], "private");
    report("x3 forged-field checks", checks);
    report("x3 fields changed", changed);
    assert_eq!(changed, 0);
}

/// all_projects and publicizing are admin-only; project_id is a uuid
/// filter (admin-only on executions), known to the workflows, executions
/// and cron trigger lists only, as in Mistral.
#[actix_rt::test]
async fn x4_admin_only() {
    let app = start();
    let b = beta_setup(&app).await;
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/workflows",
        Body::Text(A_WFS),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let lists = [
        "/v2/workflows",
        "/v2/executions",
        "/v2/tasks",
        "/v2/action_executions",
        "/v2/environments",
        "/v2/actions",
    ];
    let mut refused = 0;
    let mut total = 0;
    for list in lists {
        for q in [
            "all_projects=true",
            "all_projects=1",
            "project_id=beta",
            "project_id=alpha",
        ] {
            let (s, v) = get(&app, TOKEN_A, &format!("{list}?{q}")).await;
            total += 1;
            // 403 for all_projects where it is known; 400 elsewhere
            // (Unknown argument) and for a project_id that is no uuid.
            let known = matches!(list, "/v2/workflows" | "/v2/executions");
            let want = if known && q.starts_with("all_projects") {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            if s == want && v["faultstring"].is_string() {
                refused += 1;
            } else {
                eprintln!("NOT REFUSED {list}?{q}: {s} {v}");
            }
        }
    }
    let publicize = "version: '2.0'\nx:\n  tasks:\n    t:\n      action: std.noop\n";
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/workflows?scope=public",
        Body::Text(publicize),
    )
    .await;
    total += 1;
    refused += usize::from(s == StatusCode::FORBIDDEN);
    report("x4 admin-only calls by a non-admin", total);
    report("x4 refused", refused);
    assert_eq!(refused, total);
    // The admin sees every project with all_projects and only its own
    // without; project_id must be a uuid, as Mistral's argument type has it.
    let (s, v) = get(&app, TOKEN_ADMIN, "/v2/executions?all_projects=true").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&v, "executions").len(), 2, "{v}");
    let (s, v) = get(&app, TOKEN_ADMIN, "/v2/workflows?project_id=beta").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, v) = get(&app, TOKEN_ADMIN, "/v2/workflows?all_projects=true").await;
    assert_eq!(ids(&v, "workflows").len(), 5, "{v}");
    let (_, v) = get(&app, TOKEN_ADMIN, "/v2/executions").await;
    assert_eq!(ids(&v, "executions").len(), 0, "{v}");
    // ... but is no one else inside another project: by id, not found.
    let (s, _) = get(&app, TOKEN_ADMIN, &format!("/v2/executions/{}", b.exec)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    report("x4 admin list checks", 4);
    let (s, _) = call(
        &app,
        Some(TOKEN_B),
        Method::PUT,
        &format!("/v2/action_executions/{}", b.action),
        Body::Json(json!({"state": "SUCCESS"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    wait_for(
        &app,
        TOKEN_B,
        &format!("/v2/executions/{}", b.exec),
        finished,
    )
    .await;
}

/// A public workflow (made public by the admin) is visible to and runnable
/// by every project, directly and as a sub-workflow, but only its owner
/// may change or delete it.
#[actix_rt::test]
async fn public_workflows_are_shared_read_only() {
    let app = start();
    let shared = "version: '2.0'\nshared:\n  input:\n    - x: 1\n  tasks:\n    t:\n      action: std.echo output=<% $.x %>\n      publish:\n        y: <% task().result %>\n  output:\n    y: <% $.y %>\n";
    let (s, v) = call(
        &app,
        Some(TOKEN_ADMIN),
        Method::POST,
        "/v2/workflows?scope=public",
        Body::Text(shared),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let wf_id = v["workflows"][0]["id"].as_str().unwrap().to_string();
    let mut checks = 0;
    for token in [TOKEN_A, TOKEN_B] {
        let (s, v) = get(&app, token, "/v2/workflows/shared").await;
        assert_eq!((s, v["scope"].as_str()), (StatusCode::OK, Some("public")));
        let (_, v) = get(&app, token, "/v2/workflows").await;
        assert!(ids(&v, "workflows").contains(&wf_id), "{v}");
        let (s, v) = call(
            &app,
            Some(token),
            Method::POST,
            "/v2/executions",
            Body::Json(json!({"workflow_id": wf_id, "input": {"x": 5}})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let done = wait_for(&app, token, &format!("/v2/executions/{id}"), finished).await;
        assert_eq!(done["state"], "SUCCESS", "{done}");
        assert_ne!(done["project_id"], "ops", "the run is the caller's");
        checks += 3;
        for (method, path, body) in [
            (Method::PUT, "/v2/workflows/shared", Some(shared)),
            (Method::PUT, "/v2/workflows", Some(shared)),
            (Method::DELETE, "/v2/workflows/shared", None),
        ] {
            let body = body.map_or(Body::None, Body::Text);
            let (s, v) = call(&app, Some(token), method, path, body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
            checks += 1;
        }
    }
    // As a sub-workflow.
    let yaml = "version: '2.0'\nouter:\n  tasks:\n    call:\n      workflow: shared\n      input:\n        x: 9\n";
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/workflows",
        Body::Text(yaml),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/executions",
        Body::Json(json!({"workflow_name": "outer"})),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let done = wait_for(&app, TOKEN_A, &format!("/v2/executions/{id}"), finished).await;
    assert_eq!(done["state"], "SUCCESS", "{done}");
    checks += 1;
    // The owner still may change it.
    let (s, v) = call(
        &app,
        Some(TOKEN_ADMIN),
        Method::PUT,
        "/v2/workflows/shared?scope=public",
        Body::Text(shared),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    report("public workflow checks", checks);
}

/// With authentication off, bora serves only on loopback unless told so.
#[test]
fn unauthenticated_remote_bind_is_refused() {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
    let (_dir, url) = crate::harness::sqlite_url();
    let config = bora::config::Config {
        database: url,
        ..crate::harness::base_config()
    };
    let system = actix_rt::System::new();
    let err = system
        .block_on(bora::app::run(config, listener, async {}))
        .expect_err("refused");
    assert!(
        err.to_string().contains("allow_unauthenticated_remote"),
        "{err}"
    );
    report("refused unauthenticated non-loopback binds", 1);
}

/// python-mistralclient sends its `auth_token` as `X-Auth-Token`: with
/// the right token it lists the project's workflows, with another it gets
/// the 401. Runs when the client library is installed.
#[test]
fn the_mistral_python_client_sends_its_token() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import mistralclient"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("python-mistralclient not installed; skipped");
        return;
    }
    let app = start();
    let script = "import sys\n\
from mistralclient.api import client\n\
c = client.client(mistral_url=sys.argv[1], auth_token=sys.argv[2])\n\
print(len(c.workflows.list()))\n";
    let run = |token: &str| {
        std::process::Command::new("python3")
            .args(["-c", script, &app.url("/v2"), token])
            .output()
            .expect("python3")
    };
    let ok = run(TOKEN_A);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "0");
    let refused = run("not-a-token");
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("401") || err.contains("Unauthorized"), "{err}");
    report("python-mistralclient token checks", 2);
}

/// The event stream shows each project its own changes only, and takes the
/// token as `?token=` (what the UI's `EventSource` sends).
#[actix_rt::test]
async fn event_streams_are_per_project() {
    let app = start();
    for token in [TOKEN_A, TOKEN_B] {
        let (s, _) = call(
            &app,
            Some(token),
            Method::POST,
            "/v2/workflows",
            Body::Text(A_WFS),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let mut stream = Client::new()
        .get(app.url(&format!("/v2/events?token={TOKEN_A}")))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    let start_run = |token: &'static str| {
        let app = &app;
        async move {
            let (s, v) = call(
                app,
                Some(token),
                Method::POST,
                "/v2/executions",
                Body::Json(json!({"workflow_name": "aplain"})),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["id"].as_str().unwrap().to_string()
        }
    };
    let b_run = start_run(TOKEN_B).await;
    let a_run = start_run(TOKEN_A).await;
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !seen.contains(&format!(
        "\"execution_id\":\"{a_run}\",\"name\":\"aplain\",\"state\":\"SUCCESS\""
    )) {
        assert!(
            std::time::Instant::now() < deadline,
            "no SUCCESS of alpha's run: {seen}"
        );
        match tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await {
            Ok(Ok(Some(c))) => seen.push_str(&String::from_utf8_lossy(&c)),
            other => panic!("stream ended: {other:?}; {seen}"),
        }
    }
    assert!(
        !seen.contains(&b_run),
        "beta's run in alpha's stream: {seen}"
    );
    assert!(!seen.contains("project_id"), "{seen}");
    report(
        "event stream: alpha's changes seen, beta's",
        seen.matches(&b_run).count(),
    );
}
