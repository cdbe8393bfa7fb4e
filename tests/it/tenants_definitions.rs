//! X2 for what tenants own beyond workflows and executions: workbooks,
//! ad-hoc action definitions and standalone action executions, alpha
//! against beta's, each answer compared with the answer for an unknown
//! name or id; ad-hoc actions and workbook workflows resolve per project
//! at run time (another project's private one is as unknown, a public one
//! works). Helpers are in `tenants.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::tenants::{
    Body, TOKEN_A, TOKEN_B, TOKEN_B_ADMIN, UNKNOWN, call, finished, get, ids, report, start_and,
    wait_for,
};

const B_ACTIONS: &str = "
version: '2.0'
bsecret:
  base: std.echo
  base-input:
    output: beta's secret
";

const B_PUBLIC_ACTIONS: &str = "
version: '2.0'
bshared:
  base: std.echo
  base-input:
    output: shared by beta
";

const B_WORKBOOK: &str = "
version: '2.0'
name: bwb
actions:
  act:
    base: std.echo
    base-input:
      output: beta's workbook action
workflows:
  flow:
    tasks:
      t:
        action: act
";

const B_PUBLIC_WORKBOOK: &str = "
version: '2.0'
name: pubwb
workflows:
  pflow:
    tasks:
      t:
        action: std.echo output='public workbook'
    output:
      got: <% task(t).result %>
";

/// A request of alpha's with `{}` where beta's name or id (or the unknown
/// one) goes, in the path, the JSON body or the YAML text.
struct Probe {
    name: &'static str,
    target: String,
    method: Method,
    path: &'static str,
    json: Option<Value>,
    text: Option<&'static str>,
}

fn probe(name: &'static str, target: &str, method: Method, path: &'static str) -> Probe {
    Probe {
        name,
        target: target.to_string(),
        method,
        path,
        json: None,
        text: None,
    }
}

async fn post(app: &TestApp, token: &str, path: &str, body: Body<'_>) -> Value {
    let (s, v) = call(app, Some(token), Method::POST, path, body).await;
    assert_eq!(s, StatusCode::CREATED, "POST {path}: {v}");
    v
}

/// Runs `wf` (alpha's) to its end: the execution and its one task.
async fn run(app: &TestApp, wf: &str) -> (Value, Value) {
    let v = post(
        app,
        TOKEN_A,
        "/v2/executions",
        Body::Json(json!({"workflow_name": wf})),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let done = wait_for(app, TOKEN_A, &format!("/v2/executions/{id}"), finished).await;
    let (_, tasks) = get(app, TOKEN_A, &format!("/v2/executions/{id}/tasks")).await;
    (done, tasks["tasks"][0].clone())
}

#[actix_rt::test]
async fn x2_definitions_and_standalone_actions() {
    let app = start_and(|c| c.allow_action_execution_deletion = true);
    // Beta's world: a private and a public ad-hoc action, a private and a
    // public workbook, a waiting and a finished standalone action.
    let v = post(&app, TOKEN_B, "/v2/actions", Body::Text(B_ACTIONS)).await;
    let bact = v["actions"][0]["id"].as_str().unwrap().to_string();
    let path = "/v2/actions?scope=public";
    post(&app, TOKEN_B_ADMIN, path, Body::Text(B_PUBLIC_ACTIONS)).await;
    let v = post(&app, TOKEN_B, "/v2/workbooks", Body::Text(B_WORKBOOK)).await;
    let bwb = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["project_id"], "beta", "{v}");
    let path = "/v2/workbooks?scope=public";
    post(&app, TOKEN_B_ADMIN, path, Body::Text(B_PUBLIC_WORKBOOK)).await;
    let (_, flow) = get(&app, TOKEN_B, "/v2/workflows/bwb.flow").await;
    let bflow = flow["id"].as_str().unwrap().to_string();
    let body = json!({"name": "std.async_noop", "description": "beta-waits"});
    let v = post(&app, TOKEN_B, "/v2/action_executions", Body::Json(body)).await;
    let bwait = v["id"].as_str().unwrap().to_string();
    assert_eq!(
        (v["state"].as_str(), v["project_id"].as_str()),
        (Some("RUNNING"), Some("beta"))
    );
    let body = json!({"name": "std.echo", "input": {"output": "b"}, "description": "beta-done",
        "params": {"run_sync": true, "save_result": true}});
    let v = post(&app, TOKEN_B, "/v2/action_executions", Body::Json(body)).await;
    let bdone = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["state"], "SUCCESS", "{v}");

    use Method as M;
    let mut probes = vec![
        probe("action get by name", "bsecret", M::GET, "/v2/actions/{}"),
        probe("workbook action get", "bwb.act", M::GET, "/v2/actions/{}"),
        Probe {
            text: Some("version: '2.0'\n{}:\n  base: std.noop\n"),
            ..probe("action update by name", "bsecret", M::PUT, "/v2/actions/{}")
        },
        Probe {
            text: Some("version: '2.0'\nbsecret:\n  base: std.noop\n"),
            ..probe("action update by id", &bact, M::PUT, "/v2/actions/{}")
        },
        Probe {
            text: Some("version: '2.0'\n{}:\n  base: std.noop\n"),
            ..probe("action update (document)", "bsecret", M::PUT, "/v2/actions")
        },
        probe(
            "action delete by name",
            "bsecret",
            M::DELETE,
            "/v2/actions/{}",
        ),
        probe("action delete by id", &bact, M::DELETE, "/v2/actions/{}"),
        probe("actions by name", "bsecret", M::GET, "/v2/actions?name={}"),
        probe(
            "actions by name (workbook)",
            "bwb.act",
            M::GET,
            "/v2/actions?name={}",
        ),
        probe("workbook get", "bwb", M::GET, "/v2/workbooks/{}"),
        probe("workbook get by id", &bwb, M::GET, "/v2/workbooks/{}"),
        Probe {
            text: Some(
                "version: '2.0'\nname: {}\nworkflows:\n  w:\n    tasks:\n      t:\n        action: std.noop\n",
            ),
            ..probe("workbook update", "bwb", M::PUT, "/v2/workbooks")
        },
        probe("workbook delete", "bwb", M::DELETE, "/v2/workbooks/{}"),
        probe("workbooks by name", "bwb", M::GET, "/v2/workbooks?name={}"),
        probe(
            "workbooks after marker",
            &bwb,
            M::GET,
            "/v2/workbooks?marker={}",
        ),
        probe(
            "workbook workflow get",
            "bwb.flow",
            M::GET,
            "/v2/workflows/{}",
        ),
        probe(
            "workbook workflow get by id",
            &bflow,
            M::GET,
            "/v2/workflows/{}",
        ),
        probe(
            "workbook workflow delete",
            "bwb.flow",
            M::DELETE,
            "/v2/workflows/{}",
        ),
        Probe {
            json: Some(json!({"workflow_name": "{}"})),
            ..probe(
                "start a workbook workflow",
                "bwb.flow",
                M::POST,
                "/v2/executions",
            )
        },
        probe("standalone get", &bwait, M::GET, "/v2/action_executions/{}"),
        probe(
            "standalone get (done)",
            &bdone,
            M::GET,
            "/v2/action_executions/{}",
        ),
        Probe {
            json: Some(json!({"state": "SUCCESS", "output": {"v": "alpha"}})),
            ..probe(
                "standalone complete",
                &bwait,
                M::PUT,
                "/v2/action_executions/{}",
            )
        },
        probe(
            "standalone delete",
            &bdone,
            M::DELETE,
            "/v2/action_executions/{}",
        ),
        probe(
            "standalones by description",
            // A scheduled run is stored with an empty description, as in
            // Mistral; a saved run_sync one keeps it.
            "beta-done",
            M::GET,
            "/v2/action_executions?description={}",
        ),
        probe(
            "standalones after marker",
            &bwait,
            M::GET,
            "/v2/action_executions?marker={}",
        ),
    ];
    // Running beta's private action standalone is as running an unknown one.
    probes.push(Probe {
        json: Some(json!({"name": "{}"})),
        ..probe(
            "standalone of beta's action",
            "bsecret",
            M::POST,
            "/v2/action_executions",
        )
    });
    let (mut leaks, mut controls) = (0, 0);
    for p in &probes {
        let unknown = if p.target.len() == 36 && p.target.contains('-') {
            UNKNOWN.to_string()
        } else {
            format!("nosuch{}", p.target.len())
        };
        let mut answers = Vec::new();
        for target in [p.target.as_str(), unknown.as_str()] {
            let path = p.path.replace("{}", target);
            let text = p.text.map(|t| t.replace("{}", target));
            let body = match (&p.json, &text) {
                (Some(v), _) => {
                    Body::Json(serde_json::from_str(&v.to_string().replace("{}", target)).unwrap())
                }
                (None, Some(t)) => Body::Text(t),
                (None, None) => Body::None,
            };
            let (s, v) = call(&app, Some(TOKEN_A), p.method.clone(), &path, body).await;
            answers.push((s, v.to_string().replace(target, "<ID>")));
        }
        if p.method == Method::GET {
            let path = p.path.replace("{}", &p.target);
            let (s, v) = get(&app, TOKEN_B, &path).await;
            let text = v.to_string().replace(p.target.as_str(), "<ID>");
            assert_ne!((s, text), answers[0], "{}: the owner sees it", p.name);
            controls += 1;
        }
        let listed = answers[0].0.is_success() && !answers[0].1.contains("[]");
        if answers[0] != answers[1] || listed {
            leaks += 1;
            eprintln!(
                "LEAK {}: beta's {:?} vs unknown {:?}",
                p.name, answers[0], answers[1]
            );
        }
    }
    report("x2 definition/standalone probes", probes.len());
    report("x2 definition/standalone leaks", leaks);
    report("x2 definition/standalone owner controls", controls);
    assert_eq!(leaks, 0);

    // At run time: beta's private action is as unknown, its public one and
    // its public workbook's workflow work.
    let yaml = "
version: '2.0'
uses_private:
  tasks:
    t:
      action: bsecret
uses_unknown:
  tasks:
    t:
      action: nosuch7
uses_public:
  tasks:
    t:
      action: bshared
  output:
    got: <% task(t).result %>
";
    post(&app, TOKEN_A, "/v2/workflows", Body::Text(yaml)).await;
    let (e1, t1) = run(&app, "uses_private").await;
    let (e2, t2) = run(&app, "uses_unknown").await;
    assert_eq!(
        (e1["state"].as_str(), t1["state"].as_str()),
        (Some("ERROR"), Some("ERROR"))
    );
    let info = |t: &Value| {
        t["state_info"]
            .as_str()
            .unwrap_or("")
            .replace("bsecret", "<NAME>")
            .replace("nosuch7", "<NAME>")
            .replace("uses_private", "<WF>")
            .replace("uses_unknown", "<WF>")
    };
    assert_eq!(
        (e1["state"].clone(), info(&t1)),
        (e2["state"].clone(), info(&t2))
    );
    assert!(!t1.to_string().contains("beta's secret"), "{t1}");
    let (e3, t3) = run(&app, "uses_public").await;
    assert_eq!(
        (e3["state"].as_str(), t3["state"].as_str()),
        (Some("SUCCESS"), Some("SUCCESS"))
    );
    assert!(
        e3["output"].as_str().unwrap().contains("shared by beta"),
        "{e3}"
    );
    let (e4, _) = run(&app, "pubwb.pflow").await;
    assert_eq!(e4["state"], "SUCCESS", "{e4}");
    assert!(
        e4["output"].as_str().unwrap().contains("public workbook"),
        "{e4}"
    );
    report(
        "x2 run-time resolutions (private as unknown, public works)",
        4,
    );

    // Names are per project: alpha may have its own `bsecret` and `bwb`,
    // and its `bwb.flow` runs alpha's `act`, not beta's.
    let mine =
        "version: '2.0'\nbsecret:\n  base: std.echo\n  base-input:\n    output: alpha's own\n";
    post(&app, TOKEN_A, "/v2/actions", Body::Text(mine)).await;
    let wb = B_WORKBOOK.replace("beta's workbook action", "alpha's workbook action");
    let v = post(&app, TOKEN_A, "/v2/workbooks", Body::Text(&wb)).await;
    assert_eq!(v["project_id"], "alpha", "{v}");
    let (e5, _) = run(&app, "uses_private").await;
    assert_eq!(e5["state"], "SUCCESS", "{e5}");
    let (e6, t6) = run(&app, "bwb.flow").await;
    assert_eq!(e6["state"], "SUCCESS", "{e6}");
    let (_, aes) = get(
        &app,
        TOKEN_A,
        &format!("/v2/tasks/{}/action_executions", t6["id"].as_str().unwrap()),
    )
    .await;
    let ae = &aes["action_executions"][0];
    let (_, ae) = get(
        &app,
        TOKEN_A,
        &format!("/v2/action_executions/{}", ae["id"].as_str().unwrap()),
    )
    .await;
    assert!(
        ae["output"]
            .as_str()
            .unwrap()
            .contains("alpha's workbook action"),
        "{ae}"
    );

    // Public definitions are read-only for other projects; scope=public is
    // admin-only for actions and workbooks too.
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        M::DELETE,
        "/v2/actions/bshared",
        Body::None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let text = B_PUBLIC_WORKBOOK.replace("public workbook", "alpha was here");
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        M::PUT,
        "/v2/workbooks",
        Body::Text(&text),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        &app,
        Some(TOKEN_A),
        M::DELETE,
        "/v2/workbooks/pubwb",
        Body::None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (path, text) in [
        (
            "/v2/actions?scope=public",
            "version: '2.0'\npub2:\n  base: std.noop\n",
        ),
        ("/v2/workbooks?scope=public", "version: '2.0'\nname: pub2\n"),
    ] {
        let (s, v) = call(&app, Some(TOKEN_A), M::POST, path, Body::Text(text)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
    }
    // A standalone action belongs to its caller: a body naming a project
    // is refused as read-only, as Mistral's wsme refuses it.
    let body = json!({"name": "std.noop", "project_id": "beta",
        "params": {"run_sync": true, "save_result": true}});
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        M::POST,
        "/v2/action_executions",
        Body::Json(body),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["faultstring"]
            .as_str()
            .unwrap_or_default()
            .contains("Cannot set read only field"),
        "{v}"
    );
    let body = json!({"name": "std.noop", "params": {"run_sync": true, "save_result": true}});
    let v = post(&app, TOKEN_A, "/v2/action_executions", Body::Json(body)).await;
    assert_eq!(v["project_id"], "alpha", "{v}");
    report(
        "x2 read-only public definitions and admin-only publicizing",
        6,
    );

    // Lists: alpha's own and the public ones, never beta's private ones.
    let (_, v) = get(&app, TOKEN_A, "/v2/actions?is_system=false").await;
    let names: Vec<&str> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["bsecret", "bshared", "bwb.act"], "{v}");
    assert!(!v.to_string().contains("beta's"), "{v}");
    let (_, v) = get(&app, TOKEN_A, "/v2/workbooks").await;
    let wbs: Vec<(&str, &str)> = v["workbooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap(),
                w["project_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(wbs, [("pubwb", "beta"), ("bwb", "alpha")], "{v}");
    let (_, v) = get(&app, TOKEN_A, "/v2/action_executions").await;
    let foreign = v["action_executions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["project_id"] != "alpha")
        .count();
    assert_eq!(foreign, 0, "{v}");
    for id in [&bwait, &bdone] {
        assert!(!ids(&v, "action_executions").contains(id));
    }

    // Beta's objects are untouched; beta finishes its waiting action.
    let (s, v) = get(&app, TOKEN_B, "/v2/actions/bsecret").await;
    assert_eq!((s, v["id"].as_str()), (StatusCode::OK, Some(bact.as_str())));
    assert!(
        v["definition"].as_str().unwrap().contains("beta's secret"),
        "{v}"
    );
    let (s, v) = get(&app, TOKEN_B, "/v2/workbooks/bwb").await;
    assert_eq!((s, v["id"].as_str()), (StatusCode::OK, Some(bwb.as_str())));
    let (s, _) = get(&app, TOKEN_B, "/v2/workflows/bwb.flow").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = get(&app, TOKEN_B, &format!("/v2/action_executions/{bdone}")).await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("SUCCESS")));
    let path = format!("/v2/action_executions/{bwait}");
    let (_, v) = get(&app, TOKEN_B, &path).await;
    assert_eq!(v["state"], "RUNNING", "{v}");
    let body = Body::Json(json!({"state": "SUCCESS", "output": {"v": "done"}}));
    let (s, v) = call(&app, Some(TOKEN_B), M::PUT, &path, body).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("SUCCESS")),
        "{v}"
    );
    let (s, _) = call(
        &app,
        Some(TOKEN_B),
        M::DELETE,
        &format!("/v2/action_executions/{bdone}"),
        Body::None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

/// `/health` answers without a token; `/metrics` wants one.
#[actix_rt::test]
async fn health_is_open_and_metrics_is_not() {
    let app = start_and(|_| {});
    let (s, v) = call(&app, None, Method::GET, "/health", Body::None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, _) = call(&app, None, Method::GET, "/metrics", Body::None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let resp = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN_A)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.contains("bora_commits_total"));
    assert!(text.contains("bora_workers_alive 2"), "{text}");
    assert!(text.contains("bora_worker_restarts_total 0"), "{text}");
    assert!(
        text.contains("bora_expression_evaluations_waiting 0"),
        "{text}"
    );
}
