//! Workbooks, ad-hoc actions and namespaces over real HTTP: definitions
//! CRUD, workbook-local and namespaced name resolution, ad-hoc expansion
//! (base-input over the workflow context, input defaults, output
//! transforms, chains, cycles), and every run's final state, output and
//! task states.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{call, fault, get};
use crate::harness::{TestApp, engine_on, eventually};

async fn post(app: &TestApp, path: &str, body: &str) -> (StatusCode, Value) {
    call(app, Method::POST, path, Some(body)).await
}

async fn put(app: &TestApp, path: &str, body: &str) -> (StatusCode, Value) {
    call(app, Method::PUT, path, Some(body)).await
}

/// Starts `wf` (in `ns`) and waits for it to finish; returns the execution
/// with `output` parsed, and `(task name, state, state_info)` in order.
async fn run(
    app: &TestApp,
    wf: &str,
    ns: &str,
    input: Value,
) -> (Value, Vec<(String, String, Value)>) {
    let body = json!({"workflow_name": wf, "workflow_namespace": ns, "input": input});
    let (s, v) = post(app, "/v2/executions", &body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let mut ex = eventually(Duration::from_secs(20), "a finished execution", || async {
        let (_, v) = get(app, &format!("/v2/executions/{id}")).await;
        (v["state"] != "RUNNING" && v["state"] != "IDLE").then_some(v)
    })
    .await;
    ex["output"] = serde_json::from_str(ex["output"].as_str().unwrap_or("null")).unwrap();
    let (_, t) = get(
        app,
        &format!("/v2/executions/{id}/tasks?sort_keys=created_at"),
    )
    .await;
    let tasks = t["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["state"].as_str().unwrap().to_string(),
                t["state_info"].clone(),
            )
        })
        .collect();
    (ex, tasks)
}

fn ok_tasks(tasks: &[(String, String, Value)], names: &[&str]) {
    let got: Vec<(&str, &str)> = tasks
        .iter()
        .map(|(n, s, _)| (n.as_str(), s.as_str()))
        .collect();
    let want: Vec<(&str, &str)> = names.iter().map(|n| (*n, "SUCCESS")).collect();
    assert_eq!(got, want, "{tasks:?}");
}

/// The action executions of the only task named `task` of execution `ex`.
async fn action_executions(app: &TestApp, ex: &Value, task: &str) -> Vec<Value> {
    let id = ex["id"].as_str().unwrap();
    let (_, t) = get(app, &format!("/v2/executions/{id}/tasks")).await;
    let tid = t["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == task)
        .map(|t| t["id"].as_str().unwrap().to_string())
        .unwrap();
    let (_, a) = get(
        app,
        &format!("/v2/tasks/{tid}/action_executions?include_output=true"),
    )
    .await;
    a["action_executions"].as_array().unwrap().clone()
}

const WB: &str = "
version: '2.0'
name: wb
description: a workbook
tags: [demo]
workflows:
  main:
    input:
      - who
    tasks:
      call:
        workflow: sub
        input:
          name: <% $.who %>
        publish:
          from_sub: <% task().result.said %>
        on-success: [local]
      local:
        action: greet who=<% $.who %>
        publish:
          from_action: <% task().result %>
    output:
      sub: <% $.from_sub %>
      action: <% $.from_action %>
  sub:
    input:
      - name
    tasks:
      say:
        action: std.echo output=<% 'sub says ' + $.name %>
        publish:
          said: <% task().result %>
    output:
      said: <% $.said %>
actions:
  greet:
    input:
      - who
    base: std.echo
    base-input:
      output: <% 'hello ' + $.who %>
";

#[actix_rt::test]
async fn workbook_create_get_list_update_delete() {
    let app = TestApp::start();
    let (s, v) = post(&app, "/v2/workbooks", WB).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "namespace",
            "definition",
            "tags",
            "scope",
            "project_id",
            "created_at"
        ]
    );
    assert_eq!(
        (v["name"].as_str(), v["namespace"].as_str()),
        (Some("wb"), Some(""))
    );
    assert_eq!(
        (v["tags"].clone(), v["definition"].as_str()),
        (json!(["demo"]), Some(WB))
    );
    assert_eq!(v["updated_at"], Value::Null);
    let (s, dup) = post(&app, "/v2/workbooks", WB).await;
    assert_eq!(s, StatusCode::CONFLICT, "{dup}");

    let (s, got) = get(&app, "/v2/workbooks/wb").await;
    assert_eq!((s, &got["id"]), (StatusCode::OK, &v["id"]));
    let (_, list) = get(&app, "/v2/workbooks?fields=name").await;
    assert_eq!(list["workbooks"], json!([{"id": v["id"], "name": "wb"}]));
    let (s, _) = get(&app, "/v2/workbooks/wb?namespace=other").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Its workflows and actions are there as wb.<name>.
    let (_, wfs) = get(&app, "/v2/workflows?name=has:wb.").await;
    let names: Vec<&str> = wfs["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["wb.main", "wb.sub"]);
    let (s, a) = get(&app, "/v2/actions/wb.greet").await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        (a["is_system"].as_bool(), a["input"].as_str()),
        (Some(false), Some("who"))
    );

    // An update that no longer names `sub` and the action leaves them
    // stored, as Mistral does.
    let smaller = "version: '2.0'\nname: wb\nworkflows:\n  main:\n    tasks:\n      only:\n        action: std.echo output=1\n";
    let (s, up) = put(&app, "/v2/workbooks", smaller).await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(up["id"], v["id"]);
    assert!(up["updated_at"].is_string(), "{up}");
    let (s, _) = get(&app, "/v2/workflows/wb.sub").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = get(&app, "/v2/actions/wb.greet").await;
    assert_eq!(s, StatusCode::OK);
    let (s, main) = get(&app, "/v2/workflows/wb.main").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        main["definition"].as_str().unwrap().contains("only:"),
        "{main}"
    );
    let (ex, tasks) = run(&app, "wb.main", "", json!({})).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(ex["output"], json!({}));
    ok_tasks(&tasks, &["only"]);

    let (s, _) = put(
        &app,
        "/v2/workbooks",
        &smaller.replace("name: wb", "name: nope"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&app, Method::DELETE, "/v2/workbooks/wb", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Deleting a workbook leaves its workflows, as Mistral does.
    let (s, _) = get(&app, "/v2/workflows/wb.main").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = get(&app, "/v2/workbooks/wb").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&app, Method::DELETE, "/v2/workbooks/wb", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_rt::test]
async fn a_workbook_workflow_calls_its_own_sub_workflow_and_action_by_short_name() {
    let app = TestApp::start();
    let (s, v) = post(&app, "/v2/workbooks", WB).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (ex, tasks) = run(&app, "wb.main", "", json!({"who": "ann"})).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(
        ex["output"],
        json!({"sub": "sub says ann", "action": "hello ann"})
    );
    ok_tasks(&tasks, &["call", "local"]);
    let aes = action_executions(&app, &ex, "local").await;
    assert_eq!(aes.len(), 1);
    assert_eq!(aes[0]["name"], "wb.greet");
    assert_eq!(aes[0]["state"], "SUCCESS");
    let input: Value = serde_json::from_str(aes[0]["input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({"who": "ann"}));
    let output: Value = serde_json::from_str(aes[0]["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"result": "hello ann"}));
}

const ACTIONS: &str = "
version: '2.0'
greet:
  description: greets someone
  tags: [t1]
  base: std.echo
  base-input:
    output: <% $.greeting + ', ' + $.who + $.suffix %>
  input:
    - who
    - greeting: Hello
  output:
    text: <% $ %>
    len: <% len($) %>
shout:
  base: greet
  base-input:
    who: <% $.name + '?' %>
  input:
    - name
  output: <% $.text + '!!' %>
";

const USES: &str = "
version: '2.0'
uses:
  vars:
    suffix: '!'
  tasks:
    plain:
      action: greet who=\"bob\"
      publish:
        plain: <% task().result %>
      on-success: [chained]
    chained:
      action: shout
      input:
        name: eve
      publish:
        chained: <% task().result %>
  output:
    plain: <% $.plain %>
    chained: <% $.chained %>
";

#[actix_rt::test]
async fn ad_hoc_actions_use_the_context_defaults_outputs_and_chains() {
    let app = TestApp::start();
    let (s, v) = post(&app, "/v2/actions", ACTIONS).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = post(&app, "/v2/workflows", USES).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (ex, tasks) = run(&app, "uses", "", json!({})).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(
        ex["output"],
        json!({
            "plain": {"text": "Hello, bob!", "len": 11},
            "chained": "Hello, eve?!!!",
        })
    );
    ok_tasks(&tasks, &["plain", "chained"]);
    let aes = action_executions(&app, &ex, "plain").await;
    assert_eq!(aes[0]["name"], "greet");
    let input: Value = serde_json::from_str(aes[0]["input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({"who": "bob", "greeting": "Hello"}));
    let output: Value = serde_json::from_str(aes[0]["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"result": {"text": "Hello, bob!", "len": 11}})
    );
    let aes = action_executions(&app, &ex, "chained").await;
    assert_eq!(aes[0]["name"], "shout");

    // With-items: one expansion per item, each with its own input.
    let many = "version: '2.0'\nmany:\n  vars:\n    suffix: '.'\n  tasks:\n    each:\n      with-items: x in <% ['a', 'b'] %>\n      action: greet who=<% $.x %> greeting=Hi\n      publish:\n        all: <% task().result.select($.text) %>\n  output:\n    all: <% $.all %>\n";
    let many = many.replace("greeting=Hi", "greeting='Hi'");
    let (s, v) = post(&app, "/v2/workflows", &many).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (ex, tasks) = run(&app, "many", "", json!({})).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(ex["output"], json!({"all": ["Hi, a.", "Hi, b."]}));
    ok_tasks(&tasks, &["each"]);
    assert_eq!(action_executions(&app, &ex, "each").await.len(), 2);
}

#[actix_rt::test]
async fn ad_hoc_action_errors_fail_the_task() {
    let app = TestApp::start();
    let actions = "
version: '2.0'
loop-a:
  base: loop-b
loop-b:
  base: loop-a
nowhere:
  base: std.nope
broken:
  base: std.echo
  base-input:
    output: <% int('x') %>
";
    let (s, v) = post(&app, "/v2/actions", actions).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    for (action, expected) in [
        // a cycle, a base that does not exist, a base-input that cannot be
        // evaluated: Mistral names the called action and its definition
        (
            "loop-a",
            "Failed to instantiate an action [action_desc=AdHoc action [name=loop-a, definition=\nversion: '2.0'\nloop-a:\n",
        ),
        (
            "nowhere",
            "Failed to instantiate an action [action_desc=AdHoc action [name=nowhere, definition=",
        ),
        (
            "broken",
            "Failed to instantiate an action [action_desc=AdHoc action [name=broken, definition=",
        ),
    ] {
        let wf =
            format!("version: '2.0'\nrun-{action}:\n  tasks:\n    t:\n      action: {action}\n");
        let (s, v) = post(&app, "/v2/workflows", &wf).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (ex, tasks) = run(&app, &format!("run-{action}"), "", json!({})).await;
        assert_eq!(ex["state"], "ERROR", "{ex}");
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].1, "ERROR");
        let info = tasks[0].2.as_str().unwrap_or_default();
        assert!(info.contains(expected), "{action}: {info}");
        assert!(
            ex["state_info"]
                .as_str()
                .unwrap_or_default()
                .contains("Failure caused by error in tasks: t"),
            "{ex}"
        );
    }
}

#[actix_rt::test]
async fn namespaces_keep_names_apart_and_sub_workflows_fall_back_to_the_default() {
    let app = TestApp::start();
    let sub = |said: &str| {
        format!(
            "version: '2.0'\nsub:\n  tasks:\n    t:\n      action: std.echo output='{said}'\n      publish:\n        said: <% task().result %>\n  output:\n    said: <% $.said %>\n"
        )
    };
    let parent = "version: '2.0'\nparent:\n  tasks:\n    call:\n      workflow: sub\n      publish:\n        got: <% task().result.said %>\n  output:\n    got: <% $.got %>\n";
    for (ns, body) in [
        ("", sub("default")),
        ("a", sub("in-a")),
        ("a", parent.into()),
        ("b", parent.into()),
    ] {
        let (s, v) = post(&app, &format!("/v2/workflows?namespace={ns}"), &body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    // The same name in two namespaces.
    let (_, list) = get(
        &app,
        "/v2/workflows?name=sub&fields=namespace&sort_keys=namespace",
    )
    .await;
    let nss: Vec<&str> = list["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(nss, ["", "a"]);
    let (ex, tasks) = run(&app, "sub", "a", json!({})).await;
    assert_eq!(
        (ex["state"].as_str(), ex["workflow_namespace"].as_str()),
        (Some("SUCCESS"), Some("a"))
    );
    assert_eq!(ex["output"], json!({"said": "in-a"}));
    ok_tasks(&tasks, &["t"]);
    // In `a` the parent's namespace has its own `sub`; in `b` it falls back
    // to the default namespace.
    let (ex, tasks) = run(&app, "parent", "a", json!({})).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(ex["output"], json!({"got": "in-a"}));
    ok_tasks(&tasks, &["call"]);
    let (ex, tasks) = run(&app, "parent", "b", json!({})).await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    assert_eq!(ex["output"], json!({"got": "default"}));
    ok_tasks(&tasks, &["call"]);
    // Not in `b` itself, and not found anywhere.
    let body = json!({"workflow_name": "parent", "workflow_namespace": ""});
    let (s, v) = post(&app, "/v2/executions", &body.to_string()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

#[actix_rt::test]
async fn actions_crud_validate_and_system_actions_are_protected() {
    let app = TestApp::start();
    // Without authentication nobody is an admin: public is refused.
    let (s, v) = post(&app, "/v2/actions?namespace=ns&scope=public", ACTIONS).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = post(&app, "/v2/actions?namespace=ns&scope=private", ACTIONS).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let created = v["actions"].as_array().unwrap();
    assert_eq!(created.len(), 2);
    let greet = &created[0];
    let keys: Vec<&String> = greet.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
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
            "namespace"
        ]
    );
    assert_eq!(
        (
            greet["name"].as_str(),
            greet["is_system"].as_bool(),
            greet["input"].as_str()
        ),
        (Some("greet"), Some(false), Some("who, greeting=\"Hello\""))
    );
    assert_eq!(
        (
            greet["scope"].as_str(),
            greet["namespace"].as_str(),
            greet["description"].as_str()
        ),
        (Some("private"), Some("ns"), Some("greets someone"))
    );
    let (s, _) = post(&app, "/v2/actions?namespace=ns", ACTIONS).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Lists merge system and ad-hoc actions, with the same filters; the
    // namespace defaults to '' (where the system actions are), and every
    // action shows `is_system: false`, as Mistral's list does.
    let (_, all) = get(&app, "/v2/actions?fields=is_system").await;
    let all = all["actions"].as_array().unwrap();
    assert!(
        all.iter()
            .any(|a| a["name"] == "std.echo" && a["is_system"] == false)
    );
    assert!(!all.iter().any(|a| a["name"] == "greet"), "greet is in ns");
    let (_, ns) = get(&app, "/v2/actions?namespace=ns&fields=is_system").await;
    let ns = ns["actions"].as_array().unwrap();
    assert!(
        ns.iter()
            .any(|a| a["name"] == "greet" && a["is_system"] == false)
    );
    assert!(!ns.iter().any(|a| a["name"] == "std.echo"), "{ns:?}");
    let (_, adhoc) = get(
        &app,
        "/v2/actions?namespace=ns&is_system=false&sort_dirs=desc",
    )
    .await;
    let names: Vec<&str> = adhoc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shout", "greet"]);
    // Mistral's actions paging starts AT the action named by the marker;
    // the `next` link carries an ad-hoc action's id, which names nothing,
    // so it gives the first page again.
    let (_, page) = get(&app, "/v2/actions?namespace=ns&limit=1").await;
    assert_eq!(page["actions"][0]["name"], "greet");
    let next = page["next"].as_str().unwrap();
    let (_, again) = get(&app, next.trim_start_matches(&app.base)).await;
    assert_eq!(again["actions"][0]["name"], "greet", "{again}");
    let (_, page) = get(&app, "/v2/actions?namespace=ns&limit=1&marker=shout").await;
    assert_eq!(page["actions"][0]["name"], "shout", "{page}");
    let (_, tagged) = get(&app, "/v2/actions?namespace=ns&tags=t1").await;
    assert_eq!(tagged["actions"].as_array().unwrap().len(), 1, "{tagged}");

    let (s, one) = get(&app, "/v2/actions/greet?namespace=ns").await;
    assert_eq!((s, &one["id"]), (StatusCode::OK, &greet["id"]));
    // Mistral finds an action by name only.
    let id = greet["id"].as_str().unwrap();
    let (s, _) = get(&app, &format!("/v2/actions/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&app, "/v2/actions/greet").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let changed = "version: '2.0'\ngreet:\n  description: changed\n  base: std.noop\n";
    let (s, up) = put(&app, "/v2/actions?namespace=ns", changed).await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(up["actions"][0]["id"], greet["id"]);
    assert_eq!(up["actions"][0]["description"], "changed");
    assert!(up["actions"][0]["updated_at"].is_string());
    let (s, up) = put(
        &app,
        &format!("/v2/actions/{id}?namespace=ns"),
        &changed.replace("changed", "again"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(up["actions"][0]["description"], "again");
    let (s, _) = put(&app, "/v2/actions", changed).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // An ad-hoc action may take a system action's name (Mistral 23 keeps
    // no system action in its definition table); a change aimed at a
    // system action finds nothing.
    let (s, e) = post(
        &app,
        "/v2/actions?namespace=sys",
        "version: '2.0'\nstd.echo:\n  base: std.noop\n",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, _) = call(
        &app,
        Method::DELETE,
        "/v2/actions/std.echo?namespace=sys",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = put(
        &app,
        "/v2/actions/std.echo",
        "version: '2.0'\nx:\n  base: std.noop\n",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    // Mistral deletes from its definition table, where no system action is.
    let (s, e) = call(&app, Method::DELETE, "/v2/actions/std.echo", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        fault(&e),
        "Action definition not found [action_name=std.echo, namespace=]"
    );

    let (s, _) = call(&app, Method::DELETE, "/v2/actions/greet?namespace=ns", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = get(&app, "/v2/actions/greet?namespace=ns").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&app, Method::DELETE, "/v2/actions/greet?namespace=ns", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, v) = post(&app, "/v2/actions/validate", ACTIONS).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"valid": true})));
    let (s, v) = post(
        &app,
        "/v2/actions/validate",
        "version: '2.0'\na:\n  input: 3\n",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["valid"], false);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("'base' is a required property"),
        "{v}"
    );
    let (s, v) = post(&app, "/v2/workbooks/validate", WB).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"valid": true})));
    let (s, v) = post(
        &app,
        "/v2/workbooks/validate",
        "version: '2.0'\nworkflows: 1\n",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["valid"], false, "{v}");
}

#[actix_rt::test]
async fn bad_yaml_is_400_with_line_and_column() {
    let app = TestApp::start();
    for path in ["/v2/workbooks", "/v2/actions"] {
        let (s, e) = post(
            &app,
            path,
            "version: '2.0'\nname: wb\nworkflows: [unclosed\n",
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {e}");
        // PyYAML's mark, as Mistral reports it.
        let msg = fault(&e);
        assert!(
            msg.starts_with("Definition could not be parsed: "),
            "{path}: {msg}"
        );
        assert!(
            msg.contains("\n  in \"<unicode string>\", line "),
            "{path}: {msg}"
        );
        assert!(msg.contains(", column "), "{path}: {msg}");
    }
    let (s, e) = post(
        &app,
        "/v2/workbooks",
        "version: '2.0'\nname: wb\nworkflows:\n  w:\n    tasks:\n      t:\n        action: std.noop\n        on-success: [t9]\n",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        fault(&e).contains("(at workflows.w.tasks.t.on-success[0], line 8, column"),
        "{e}"
    );
    let (s, _) = get(&app, "/v2/workbooks/wb").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_rt::test]
async fn an_async_ad_hoc_action_is_transformed_when_completed_through_the_api() {
    let app = TestApp::start();
    let actions =
        "version: '2.0'\nlater:\n  base: std.async_noop\n  output:\n    wrapped: <% $ %>\n";
    let (s, v) = post(&app, "/v2/actions", actions).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let wf = "version: '2.0'\nwaits:\n  tasks:\n    t1:\n      action: later\n      publish:\n        got: <% task().result %>\n  output:\n    got: <% $.got %>\n";
    let (s, v) = post(&app, "/v2/workflows", wf).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let body = json!({"workflow_name": "waits"});
    let (s, ex) = post(&app, "/v2/executions", &body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{ex}");
    let ae = eventually(
        Duration::from_secs(10),
        "a RUNNING async action",
        || async {
            let (_, v) = get(&app, "/v2/action_executions").await;
            v["action_executions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .find(|a| a["state"] == "RUNNING")
        },
    )
    .await;
    assert_eq!(ae["name"], "later");
    let done = json!({"state": "SUCCESS", "output": {"answer": 42}});
    let path = format!("/v2/action_executions/{}", ae["id"].as_str().unwrap());
    let (s, v) = call(&app, Method::PUT, &path, Some(&done.to_string())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let id = ex["id"].as_str().unwrap().to_string();
    let ex = eventually(Duration::from_secs(10), "a finished execution", || async {
        let (_, v) = get(&app, &format!("/v2/executions/{id}")).await;
        (v["state"] != "RUNNING").then_some(v)
    })
    .await;
    assert_eq!(ex["state"], "SUCCESS", "{ex}");
    let output: Value = serde_json::from_str(ex["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"got": {"wrapped": {"answer": 42}}}));
    let (_, t) = get(&app, &format!("/v2/executions/{id}/tasks")).await;
    assert_eq!(t["tasks"][0]["state"], "SUCCESS");
}

#[actix_rt::test]
async fn after_a_restart_an_async_ad_hoc_action_still_waits_and_its_output_is_transformed() {
    use bora::domain::State;
    use bora::engine::{CompleteAction, CreateActions, CreateWorkflows, StartExecution};
    let (_dir, url) = crate::harness::sqlite_url();
    let engine = engine_on(&url).await;
    let actions =
        "version: '2.0'\nlater:\n  base: std.async_noop\n  output:\n    wrapped: <% $ %>\n";
    let wf = "version: '2.0'\nwaits:\n  tasks:\n    t1:\n      action: later\n      safe-rerun: true\n      publish:\n        got: <% task().result %>\n  output:\n    got: <% $.got %>\n";
    let msg = CreateActions {
        definition: actions.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
        project: bora::domain::DEFAULT_PROJECT.into(),
    };
    engine.addr.send(msg).await.unwrap().unwrap();
    let msg = CreateWorkflows {
        definition: wf.into(),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
        project: bora::domain::DEFAULT_PROJECT.into(),
    };
    engine.addr.send(msg).await.unwrap().unwrap();
    let start = StartExecution {
        workflow_name: Some("waits".into()),
        ..Default::default()
    };
    let id = engine.addr.send(start).await.unwrap().unwrap().id;
    let running = |store: bora::store::Store, attempt: u32| async move {
        eventually(Duration::from_secs(10), "a RUNNING action", || async {
            let q = bora::store::ListQuery {
                access: bora::store::Access::All,
                ..Default::default()
            };
            store
                .list_action_executions(&q)
                .unwrap()
                .into_iter()
                .find(|a| a.state == State::Running && a.attempt >= attempt)
        })
        .await
    };
    let first = running(engine.store.clone(), 1).await;
    assert_eq!((first.name.as_str(), first.attempt), ("later", 1));
    engine.shutdown(Duration::from_millis(50)).await;

    let engine = engine_on(&url).await;
    // Its base is asynchronous: the worker ran it and its result comes
    // through the API, so recovery leaves it RUNNING under the same attempt
    // (not sent again) until it is completed.
    let again = running(engine.store.clone(), 1).await;
    assert_eq!(
        (again.id, again.name.as_str(), again.attempt),
        (first.id, "later", 1)
    );
    let done = CompleteAction {
        id: again.id,
        state: State::Success,
        output: Some(json!("late")),
    };
    let ae = engine.addr.send(done).await.unwrap().unwrap();
    assert_eq!(ae.output, json!({"result": {"wrapped": "late"}}));
    let ex = crate::harness::finished(&engine.store, id).await;
    assert_eq!(ex.state, State::Success, "{:?}", ex.state_info);
    assert_eq!(ex.output, json!({"got": {"wrapped": "late"}}));
    let tasks = crate::harness::tasks(&engine.store, id);
    assert_eq!(
        crate::harness::states(&tasks),
        [("t1".to_string(), State::Success)]
    );
    engine.shutdown(Duration::from_millis(50)).await;
}
