//! X2, the tenant isolation matrix (BOLA) over real HTTP: alpha against
//! every kind of beta's objects, each answer compared with the answer for
//! an unknown id. Setup and helpers are in `tenants.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::tenants::{
    A_WFS, Body, TOKEN_A, TOKEN_B, UNKNOWN, beta_setup, call, finished, get, ids, report, start,
    wait_for,
};

/// A probe of alpha's on beta's object and the same on an unknown one:
/// the two answers must be the same but for the id.
struct Probe {
    method: Method,
    /// With `{}` where the id goes.
    path: String,
    body: Option<Value>,
    text: Option<&'static str>,
}

fn probe(method: Method, path: impl Into<String>) -> Probe {
    Probe {
        method,
        path: path.into(),
        body: None,
        text: None,
    }
}

fn with(mut p: Probe, body: Value) -> Probe {
    p.body = Some(body);
    p
}

/// The BOLA matrix: alpha against beta's objects. Every answer equals the
/// answer for an unknown id (status and faultstring, id replaced); lists
/// hold exactly alpha's own; beta's objects are unchanged afterwards.
#[actix_rt::test]
async fn x2_tenant_isolation() {
    let app = start();
    let b = beta_setup(&app).await;
    // Alpha's own world: a workflow of the same name as one of beta's.
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/workflows",
        Body::Text(A_WFS),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "same names in two projects: {v}");
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/executions",
        Body::Json(json!({"workflow_name": "aplain", "params": {"env": {"k": 1}}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let a_exec = v["id"].as_str().unwrap().to_string();
    wait_for(&app, TOKEN_A, &format!("/v2/executions/{a_exec}"), finished).await;

    let yaml_bonly = "version: '2.0'\nbonly:\n  tasks:\n    t:\n      action: std.echo output=1\n";
    let mut probes: Vec<(&str, String, Probe)> = Vec::new();
    let id_probes = [
        (
            "workflow get",
            b.wf_id.clone(),
            probe(Method::GET, "/v2/workflows/{}"),
        ),
        (
            "workflow update",
            b.wf_id.clone(),
            Probe {
                text: Some(yaml_bonly),
                ..probe(Method::PUT, "/v2/workflows/{}")
            },
        ),
        (
            "workflow delete",
            b.wf_id.clone(),
            probe(Method::DELETE, "/v2/workflows/{}"),
        ),
        (
            "execution get",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions/{}"),
        ),
        (
            "execution update",
            b.exec.clone(),
            with(
                probe(Method::PUT, "/v2/executions/{}"),
                json!({"description": "alpha was here"}),
            ),
        ),
        (
            "execution cancel",
            b.exec.clone(),
            with(
                probe(Method::PUT, "/v2/executions/{}"),
                json!({"state": "CANCELLED"}),
            ),
        ),
        (
            "execution pause",
            b.child_exec.clone(),
            with(
                probe(Method::PUT, "/v2/executions/{}"),
                json!({"state": "PAUSED"}),
            ),
        ),
        (
            "execution delete",
            b.exec.clone(),
            probe(Method::DELETE, "/v2/executions/{}?force=true"),
        ),
        (
            "execution tasks",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions/{}/tasks"),
        ),
        (
            "sub-executions",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions/{}/executions"),
        ),
        (
            "report",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions/{}/report"),
        ),
        (
            "diagnosis",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions/{}/diagnosis"),
        ),
        (
            "output (sub-execution get)",
            b.child_exec.clone(),
            probe(Method::GET, "/v2/executions/{}?fields=output"),
        ),
        (
            "task get",
            b.task.clone(),
            probe(Method::GET, "/v2/tasks/{}"),
        ),
        (
            "task skip",
            b.child_task.clone(),
            with(
                probe(Method::PUT, "/v2/tasks/{}"),
                json!({"state": "SKIPPED"}),
            ),
        ),
        (
            "task rerun",
            b.child_task.clone(),
            with(
                probe(Method::PUT, "/v2/tasks/{}"),
                json!({"state": "RUNNING", "reset": true}),
            ),
        ),
        (
            "task sub-executions",
            b.task.clone(),
            probe(Method::GET, "/v2/tasks/{}/executions"),
        ),
        (
            "task workflow_executions",
            b.task.clone(),
            probe(Method::GET, "/v2/tasks/{}/workflow_executions"),
        ),
        (
            "task action_executions",
            b.child_task.clone(),
            probe(Method::GET, "/v2/tasks/{}/action_executions"),
        ),
        (
            "action execution get",
            b.action.clone(),
            probe(Method::GET, "/v2/action_executions/{}"),
        ),
        (
            "action execution complete",
            b.action.clone(),
            with(
                probe(Method::PUT, "/v2/action_executions/{}"),
                json!({"state": "SUCCESS", "output": {"v": "alpha"}}),
            ),
        ),
        (
            "action execution of task",
            b.action.clone(),
            probe(
                Method::GET,
                format!("/v2/tasks/{}/action_executions/{{}}", b.child_task),
            ),
        ),
        (
            "ui graph",
            b.exec.clone(),
            probe(Method::GET, "/ui/api/executions/{}/graph"),
        ),
        (
            "ui tasks",
            b.exec.clone(),
            probe(Method::GET, "/ui/api/executions/{}/tasks"),
        ),
        // Filtered lists on beta's ids: empty, as for unknown ids.
        (
            "executions by workflow_id",
            b.wf_id.clone(),
            probe(Method::GET, "/v2/executions?workflow_id={}"),
        ),
        (
            "executions by root",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions?root_execution_id={}"),
        ),
        (
            "executions by task",
            b.task.clone(),
            probe(Method::GET, "/v2/executions?task_execution_id={}"),
        ),
        (
            "tasks by execution",
            b.exec.clone(),
            probe(Method::GET, "/v2/tasks?workflow_execution_id={}"),
        ),
        (
            "action executions by task",
            b.child_task.clone(),
            probe(Method::GET, "/v2/action_executions?task_execution_id={}"),
        ),
        (
            "executions after marker",
            b.exec.clone(),
            probe(Method::GET, "/v2/executions?marker={}"),
        ),
        (
            "tasks after marker",
            b.task.clone(),
            probe(Method::GET, "/v2/tasks?marker={}"),
        ),
        (
            "workflows after marker",
            b.wf_id.clone(),
            probe(Method::GET, "/v2/workflows?marker={}"),
        ),
        // The engine: beta's workflow, environment and execution by id.
        (
            "start beta's workflow by id",
            b.wf_id.clone(),
            with(
                probe(Method::POST, "/v2/executions"),
                json!({"workflow_id": "{}"}),
            ),
        ),
        (
            "start from beta's execution",
            b.exec.clone(),
            with(
                probe(Method::POST, "/v2/executions"),
                json!({"source_execution_id": "{}"}),
            ),
        ),
    ];
    for (name, id, p) in id_probes {
        probes.push((name, id, p));
    }
    let name_probes = [
        (
            "workflow get by name",
            "bparent",
            probe(Method::GET, "/v2/workflows/{}"),
        ),
        (
            "workflow delete by name",
            "bchild",
            probe(Method::DELETE, "/v2/workflows/{}"),
        ),
        (
            "environment get",
            "benv",
            probe(Method::GET, "/v2/environments/{}"),
        ),
        (
            "environment delete",
            "benv",
            probe(Method::DELETE, "/v2/environments/{}"),
        ),
        (
            "environment update",
            "benv",
            with(
                probe(Method::PUT, "/v2/environments"),
                json!({"name": "{}", "variables": {"secret": "alpha's"}}),
            ),
        ),
        (
            "workflows by name",
            "bparent",
            probe(Method::GET, "/v2/workflows?name={}"),
        ),
        (
            "environments by name",
            "benv",
            probe(Method::GET, "/v2/environments?name={}"),
        ),
        (
            "start beta's workflow by name",
            "bparent",
            with(
                probe(Method::POST, "/v2/executions"),
                json!({"workflow_name": "{}"}),
            ),
        ),
        (
            "use beta's environment",
            "benv",
            with(
                probe(Method::POST, "/v2/executions"),
                json!({"workflow_name": "aplain", "params": {"env": "{}"}}),
            ),
        ),
    ];
    for (name, id, p) in name_probes {
        probes.push((name, id.to_string(), p));
    }
    let (mut leaks, mut controls) = (0, 0);
    for (name, id, p) in &probes {
        let unknown = if id.contains('-') && id.len() == 36 {
            UNKNOWN.to_string()
        } else {
            format!("nosuch{}", id.len())
        };
        let mut answers = Vec::new();
        for target in [id.as_str(), unknown.as_str()] {
            let path = p.path.replace("{}", target);
            let body = match (&p.body, p.text) {
                (Some(v), _) => {
                    Body::Json(serde_json::from_str(&v.to_string().replace("{}", target)).unwrap())
                }
                (None, Some(t)) => Body::Text(t),
                (None, None) => Body::None,
            };
            let (s, v) = call(&app, Some(TOKEN_A), p.method.clone(), &path, body).await;
            let text = v.to_string().replace(target, "<ID>");
            answers.push((s, text));
        }
        // The control: the owner, asking the same, gets something else.
        if p.method == Method::GET {
            let path = p.path.replace("{}", id);
            let (s, v) = get(&app, TOKEN_B, &path).await;
            let text = v.to_string().replace(id.as_str(), "<ID>");
            assert_ne!((s, text), answers[0], "{name}: the owner sees it");
            controls += 1;
        }
        let leaked =
            answers[0] != answers[1] || answers[0].0.is_success() && !answers[0].1.contains("[]");
        if leaked {
            leaks += 1;
            eprintln!(
                "LEAK {name}: beta's {:?} vs unknown {:?}",
                answers[0], answers[1]
            );
        }
    }
    report("x2 probes (beta's object vs an unknown one)", probes.len());
    report("x2 cross-tenant leaks", leaks);
    report("x2 owner controls (beta sees what alpha cannot)", controls);

    // Sub-workflow references resolve in the caller's project only.
    let yaml = "version: '2.0'\nuses_b:\n  tasks:\n    call:\n      workflow: bparent\nuses_none:\n  tasks:\n    call:\n      workflow: nosuch\n";
    let (s, v) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/workflows",
        Body::Text(yaml),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut outcomes = Vec::new();
    for wf in ["uses_b", "uses_none"] {
        let (s, v) = call(
            &app,
            Some(TOKEN_A),
            Method::POST,
            "/v2/executions",
            Body::Json(json!({"workflow_name": wf})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let done = wait_for(&app, TOKEN_A, &format!("/v2/executions/{id}"), finished).await;
        let (_, tasks) = get(&app, TOKEN_A, &format!("/v2/executions/{id}/tasks")).await;
        let t = &tasks["tasks"][0];
        outcomes.push((
            done["state"].clone(),
            t["state"].clone(),
            t["state_info"]
                .as_str()
                .unwrap_or("")
                .replace("bparent", "<NAME>")
                .replace("nosuch", "<NAME>"),
        ));
    }
    assert_eq!(outcomes[0].0, "ERROR", "{outcomes:?}");
    assert_eq!(outcomes[0].1, "ERROR", "{outcomes:?}");
    assert_eq!(outcomes[0], outcomes[1], "beta's workflow as unknown");
    report("x2 sub-workflow references to beta's workflow refused", 1);

    // Lists: exactly alpha's own.
    let mut counts = Vec::new();
    for (path, key, want) in [
        ("/v2/workflows", "workflows", 4),
        ("/v2/executions", "executions", 3),
        ("/v2/tasks", "tasks", 3),
        ("/v2/action_executions", "action_executions", 1),
        ("/v2/environments", "environments", 0),
    ] {
        let (s, v) = get(&app, TOKEN_A, path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        let got = ids(&v, key);
        let foreign = v[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["project_id"].as_str().is_some_and(|p| p != "alpha"))
            .count();
        assert_eq!(foreign, 0, "{path}: {v}");
        assert_eq!(got.len(), want, "{path}: {v}");
        for bid in [&b.wf_id, &b.exec, &b.task, &b.action, &b.child_exec] {
            assert!(!got.contains(bid), "{path} lists beta's {bid}");
        }
        counts.push(got.len());
    }
    report(
        "x2 alpha's list counts exact (5 lists)",
        counts.iter().sum(),
    );

    // Beta's objects are untouched.
    let (s, e) = get(&app, TOKEN_B, &format!("/v2/executions/{}", b.exec)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (e["state"].as_str(), e["description"].as_str()),
        (Some("RUNNING"), Some("beta's run"))
    );
    let (s, env) = get(&app, TOKEN_B, "/v2/environments/benv").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        env["variables"].as_str().unwrap().contains("beta's"),
        "{env}"
    );
    for w in ["bparent", "bchild", "bonly"] {
        let (s, v) = get(&app, TOKEN_B, &format!("/v2/workflows/{w}")).await;
        assert_eq!(s, StatusCode::OK, "{w}");
        assert_eq!(v["project_id"], "beta");
    }
    // Beta's own lists: exactly its own.
    let (_, v) = get(&app, TOKEN_B, "/v2/executions").await;
    assert_eq!(ids(&v, "executions").len(), 2, "{v}");
    let (_, v) = get(&app, TOKEN_B, "/v2/workflows").await;
    assert_eq!(ids(&v, "workflows").len(), 3, "{v}");

    // Beta finishes its run: the action completes, both executions succeed.
    let (s, v) = call(
        &app,
        Some(TOKEN_B),
        Method::PUT,
        &format!("/v2/action_executions/{}", b.action),
        Body::Json(json!({"state": "SUCCESS", "output": {"v": "done"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let done = wait_for(
        &app,
        TOKEN_B,
        &format!("/v2/executions/{}", b.exec),
        finished,
    )
    .await;
    assert_eq!(done["state"], "SUCCESS", "{done}");
    assert_eq!(leaks, 0);
}
