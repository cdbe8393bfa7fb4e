//! The real `mistral` CLI (python-mistralclient) against a running bora:
//! create a workflow, start it, see it succeed with the right output.
//! Runs when the CLI is installed; `BORA_TEST_REQUIRE_MISTRAL_CLI=1` (set by
//! CI) makes its absence a failure.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::TestApp;

const WF: &str = "
version: '2.0'
greet:
  input:
    - name
  tasks:
    hello:
      action: std.echo output='Hello'
      publish:
        greeting: <% task().result %>
      on-success: [shout]
    shout:
      action: std.echo
      input:
        output: <% $.greeting + ', ' + $.name + '!' %>
      publish:
        message: <% task().result %>
      on-success: [done]
    done:
      action: std.noop
  output:
    message: <% $.message %>
";

fn mistral(app: &TestApp, args: &[&str]) -> Value {
    let out = Command::new("mistral")
        .env("OS_AUTH_TYPE", "none")
        .arg("--os-mistral-url")
        .arg(app.url("/v2"))
        .args(args)
        .args(["-f", "json"])
        .output()
        .expect("run mistral");
    assert!(
        out.status.success(),
        "mistral {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mistral {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn cli_available() -> bool {
    let found = Command::new("mistral")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("BORA_TEST_REQUIRE_MISTRAL_CLI").is_err(),
            "the mistral CLI is required (pip install python-mistralclient)"
        );
        eprintln!("mistral CLI not installed; skipping");
    }
    found
}

#[test]
fn the_mistral_cli_creates_and_runs_a_three_task_workflow() {
    if !cli_available() {
        return;
    }
    let app = TestApp::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.yaml");
    std::fs::write(&path, WF).unwrap();
    let created = mistral(&app, &["workflow-create", path.to_str().unwrap()]);
    assert_eq!(created[0]["Name"], "greet", "{created}");
    assert_eq!(created[0]["Input"], "name");
    let ex = mistral(&app, &["execution-create", "greet", r#"{"name": "bora"}"#]);
    let id = ex["ID"].as_str().expect("execution id").to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let state = loop {
        let got = mistral(&app, &["execution-get", &id]);
        let state = got["State"].as_str().unwrap_or_default().to_string();
        if state != "RUNNING" || Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(state, "SUCCESS");
    let out = Command::new("mistral")
        .env("OS_AUTH_TYPE", "none")
        .args([
            "--os-mistral-url",
            &app.url("/v2"),
            "execution-get-output",
            &id,
        ])
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&out.stdout).expect("output JSON");
    assert_eq!(output, serde_json::json!({"message": "Hello, bora!"}));
    let tasks = mistral(&app, &["task-list", &id]);
    let states: Vec<(&str, &str)> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["Name"].as_str().unwrap(), t["State"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("hello", "SUCCESS"),
            ("shout", "SUCCESS"),
            ("done", "SUCCESS")
        ]
    );
}

const WB: &str = "
version: '2.0'
name: clibook
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.text.toUpper() %>
    input:
      - text
workflows:
  main:
    input:
      - text: hi
    tasks:
      t1:
        action: shout text=<% $.text %>
        publish:
          out: <% task().result %>
        on-success: t2
      t2:
        workflow: sub
    output:
      out: <% $.out %>
  sub:
    tasks:
      s1:
        action: std.noop
";

/// Runs `mistral` and returns what it printed (commands without `-f`).
fn mistral_text(app: &TestApp, args: &[&str]) -> String {
    let out = Command::new("mistral")
        .env("OS_AUTH_TYPE", "none")
        .arg("--os-mistral-url")
        .arg(app.url("/v2"))
        .args(args)
        .output()
        .expect("run mistral");
    assert!(
        out.status.success(),
        "mistral {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_mistral_cli_manages_workbooks_ad_hoc_actions_and_direct_runs() {
    if !cli_available() {
        return;
    }
    let app = TestApp::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wb.yaml");
    std::fs::write(&path, WB).unwrap();
    let path = path.to_str().unwrap();
    let valid = mistral(&app, &["workbook-validate", path]);
    assert_eq!(valid["Valid"], true, "{valid}");
    let created = mistral(&app, &["workbook-create", path]);
    assert_eq!(created["Name"], "clibook", "{created}");
    let books = mistral(&app, &["workbook-list"]);
    assert_eq!(books[0]["Name"], "clibook", "{books}");
    let actions = mistral(&app, &["action-list"]);
    let shout = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "clibook.shout")
        .unwrap_or_else(|| panic!("no clibook.shout in {actions}"));
    assert_eq!(shout["Is system"], false);
    let ex = mistral(&app, &["execution-create", "clibook.main"]);
    let id = ex["ID"].as_str().expect("execution id").to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let state = loop {
        let got = mistral(&app, &["execution-get", &id]);
        let state = got["State"].as_str().unwrap_or_default().to_string();
        if state != "RUNNING" || Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(state, "SUCCESS");
    let output: Value =
        serde_json::from_str(&mistral_text(&app, &["execution-get-output", &id])).unwrap();
    assert_eq!(output, serde_json::json!({"out": "HI"}));
    let direct: Value = serde_json::from_str(&mistral_text(
        &app,
        &["run-action", "clibook.shout", r#"{"text": "abc"}"#],
    ))
    .unwrap();
    assert_eq!(direct, serde_json::json!({"result": "ABC"}));
    mistral_text(&app, &["workbook-delete", "clibook"]);
    let books = mistral(&app, &["workbook-list"]);
    assert!(
        books
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["Name"] != "clibook"),
        "{books}"
    );
    // As on Mistral, the workbook's workflows stay stored.
    let wfs = mistral(&app, &["workflow-list"]);
    assert!(
        wfs.as_array()
            .unwrap()
            .iter()
            .any(|w| w["Name"] == "clibook.main"),
        "{wfs}"
    );
}

#[test]
fn the_mistral_cli_manages_cron_triggers() {
    if !cli_available() {
        return;
    }
    let app = TestApp::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.yaml");
    std::fs::write(&path, WF).unwrap();
    mistral(&app, &["workflow-create", path.to_str().unwrap()]);
    let created = mistral(
        &app,
        &[
            "cron-trigger-create",
            "nightly",
            "greet",
            r#"{"name": "cron"}"#,
            "--pattern",
            "0 3 * * *",
            "--count",
            "5",
        ],
    );
    assert_eq!(created["Name"], "nightly", "{created}");
    assert_eq!(created["Workflow"], "greet");
    assert_eq!(created["Pattern"], "0 3 * * *");
    assert_eq!(created["Remaining executions"], 5);
    let next = created["Next execution time"].as_str().unwrap_or_default();
    assert!(next.ends_with(" 03:00:00"), "{created}");
    let once = mistral(
        &app,
        &[
            "cron-trigger-create",
            "once",
            "greet",
            r#"{"name": "cron"}"#,
            "--first-time",
            "2999-01-02 03:04",
            "--utc",
        ],
    );
    assert_eq!(once["Next execution time"], "2999-01-02 03:04:00", "{once}");
    assert_eq!(once["Remaining executions"], 1);
    let listed = mistral(&app, &["cron-trigger-list"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nightly", "once"], "{listed}");
    let got = mistral(&app, &["cron-trigger-get", "nightly"]);
    assert_eq!(got["Workflow"], "greet", "{got}");
    let deleted = mistral_text(&app, &["cron-trigger-delete", "nightly", "once"]);
    assert!(deleted.contains("nightly"), "{deleted}");
    // An empty list is one blank row in python-mistralclient's output.
    let listed = mistral(&app, &["cron-trigger-list"]);
    assert!(
        listed.as_array().unwrap().iter().all(|t| t["Name"] == ""),
        "{listed}"
    );
    // Event triggers are not offered: the CLI shows the 501's message.
    let out = Command::new("mistral")
        .env("OS_AUTH_TYPE", "none")
        .args(["--os-mistral-url", &app.url("/v2"), "event-trigger-list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("Event triggers are not offered by bora"),
        "{text}"
    );
}

#[test]
fn the_mistral_cli_starts_an_execution_with_notify() {
    use crate::notify::{OK_EVENTS, Receiver, WFS};
    if !cli_available() {
        return;
    }
    let app = TestApp::start_with(|c| {
        c.http_allowed_hosts = "127.0.0.1".into();
        c.notify_retry_initial_ms = 20;
        c.notify_retry_max_ms = 200;
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.yaml");
    std::fs::write(&path, WFS).unwrap();
    mistral(&app, &["workflow-create", path.to_str().unwrap()]);
    // The receiver is down while the execution runs, and comes up after.
    let port = Receiver::free_port();
    let params = serde_json::json!({"notify": [{
        "type": "webhook",
        "url": format!("http://127.0.0.1:{port}/cli"),
        "headers": {"X-Tok": "cli"},
    }]})
    .to_string();
    let ex = mistral(&app, &["execution-create", "nt_ok", "{}", &params]);
    let id = ex["ID"].as_str().expect("execution id").to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = mistral(&app, &["execution-get", &id]);
        if got["State"] == "SUCCESS" {
            break;
        }
        assert!(Instant::now() < deadline, "{got}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rx = Receiver::start_on(port);
    let deadline = Instant::now() + Duration::from_secs(20);
    let bodies = loop {
        let b = rx.bodies("/cli");
        if b.len() >= OK_EVENTS.len() || Instant::now() > deadline {
            break b;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seen: Vec<(&str, &str)> = bodies
        .iter()
        .map(|b| (b["event"].as_str().unwrap(), b["name"].as_str().unwrap()))
        .collect();
    assert_eq!(seen, OK_EVENTS);
    assert!(
        bodies
            .iter()
            .all(|b| b["id"] == id.as_str() || b["workflow_execution_id"] == id.as_str())
    );
    assert!(
        rx.got()
            .iter()
            .all(|g| g.headers.contains(&("x-tok".into(), "cli".into())))
    );
}
