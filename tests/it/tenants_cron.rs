//! Cron triggers under authentication: a trigger belongs to its creator's
//! project (other tenants neither see nor delete it, and may use its name),
//! starts only workflows that project sees, and the executions it starts
//! belong to that project.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::eventually;
use crate::tenants::{Body, TOKEN_A, TOKEN_B, call, get, start};

const WF: &str = "version: '2.0'\ntc_wf:\n  tasks:\n    t:\n      action: std.noop\n";

#[actix_rt::test]
async fn cron_triggers_belong_to_their_project() {
    let app = start();
    for token in [TOKEN_A, TOKEN_B] {
        let (s, _) = call(
            &app,
            Some(token),
            Method::POST,
            "/v2/workflows",
            Body::Text(WF),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let body = |wf: &str| {
        json!({"name": "tick", "workflow_name": wf, "pattern": "* * * * * *",
               "remaining_executions": 1})
    };
    let (s, alpha) = call(
        &app,
        Some(TOKEN_A),
        Method::POST,
        "/v2/cron_triggers",
        Body::Json(body("tc_wf")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{alpha}");
    assert_eq!(alpha["project_id"], "alpha");
    let id = alpha["id"].as_str().unwrap().to_string();
    // Beta sees nothing of it and cannot delete it.
    for path in [
        "/v2/cron_triggers/tick".to_string(),
        format!("/v2/cron_triggers/{id}"),
    ] {
        let (s, _) = get(&app, TOKEN_B, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        let (s, _) = call(&app, Some(TOKEN_B), Method::DELETE, &path, Body::None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, list) = get(&app, TOKEN_B, "/v2/cron_triggers").await;
    assert_eq!(list["cron_triggers"], json!([]));
    // Making a trigger public is for admins.
    let mut public = body("tc_wf");
    public["name"] = json!("pub");
    public["scope"] = json!("public");
    let (s, _) = call(
        &app,
        Some(TOKEN_B),
        Method::POST,
        "/v2/cron_triggers",
        Body::Json(public),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Beta may use the name, on its own workflow only (alpha's is private).
    let mut by_id = body("");
    by_id["workflow_id"] = alpha["workflow_id"].clone();
    by_id.as_object_mut().unwrap().remove("workflow_name");
    let (s, _) = call(
        &app,
        Some(TOKEN_B),
        Method::POST,
        "/v2/cron_triggers",
        Body::Json(by_id),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, beta) = call(
        &app,
        Some(TOKEN_B),
        Method::POST,
        "/v2/cron_triggers",
        Body::Json(body("tc_wf")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{beta}");
    // Each fires once (every second, one execution), as its own project.
    for (token, project) in [(TOKEN_A, "alpha"), (TOKEN_B, "beta")] {
        let exs: Vec<Value> = eventually(Duration::from_secs(10), "the firing", || async {
            let (_, v) = get(&app, token, "/v2/executions?workflow_name=tc_wf").await;
            let exs = v["executions"].as_array().cloned().unwrap_or_default();
            (!exs.is_empty()).then_some(exs)
        })
        .await;
        assert_eq!(exs.len(), 1, "{exs:?}");
        assert_eq!(exs[0]["project_id"], project);
        let (_, left) = get(&app, token, "/v2/cron_triggers").await;
        assert_eq!(left["cron_triggers"], json!([]), "spent and deleted");
    }
}
