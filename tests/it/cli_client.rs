//! The client commands (`bora workflow|execution|task ...`) through the
//! built binary against a real running bora, with a token from the flag,
//! the environment or the client file; `bora validate` on files, workbooks
//! and stdin, as text and JSON; `bora completion`.

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli_run::{bora, example};
use crate::harness::TestApp;

const TOKEN: &str = "s3cret-token";

fn secured() -> TestApp {
    TestApp::start_with(|c| {
        c.auth = true;
        c.tokens.push(bora::config::TokenConfig {
            sha256: bora::config::token_hash(TOKEN),
            project_id: "p1".into(),
            admin: false,
        });
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `bora ARGS --url app --token T -o json`, expected to succeed; its JSON.
fn json_of(app: &TestApp, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--url", &app.base, "--token", TOKEN, "-o", "json"]);
    let out = bora(&all).output().unwrap();
    assert!(
        out.status.success(),
        "bora {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bora {args:?} printed no JSON ({e}): {}", text(&out.stdout)))
}

fn until(app: &TestApp, what: &str, args: &[&str], done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = json_of(app, args);
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: last {v}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const WAITS: &str = "
version: '2.0'
waits:
  tasks:
    hold:
      action: std.async_noop
";

const FAILS: &str = "
version: '2.0'
fails:
  tasks:
    boom:
      action: std.fail error_data='bad luck'
";

fn write(dir: &tempfile::TempDir, name: &str, body: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn workflows_are_created_listed_shown_and_deleted() {
    let app = secured();
    let path = example("fan-out.yaml");
    let created = json_of(&app, &["workflow", "create", path.to_str().unwrap()]);
    assert_eq!(created[0]["name"], "fan_out");
    assert_eq!(created[0]["project_id"], "p1");
    let listed = json_of(&app, &["workflow", "list"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["name"] == "fan_out")
    );
    let one = json_of(&app, &["workflow", "get", "fan_out"]);
    assert_eq!(one["input"], "regions=\"['eu', 'us', 'ap']\"");
    // The table: a header and a row.
    let out = bora(&["workflow", "list", "--url", &app.base, "--token", TOKEN])
        .output()
        .unwrap();
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("NAME"),
        "{table}"
    );
    assert!(lines.iter().any(|l| l.contains(" fan_out ")), "{table}");
    let def = bora(&[
        "workflow",
        "get",
        "fan_out",
        "--definition",
        "--url",
        &app.base,
        "--token",
        TOKEN,
    ])
    .output()
    .unwrap();
    assert!(
        text(&def.stdout).contains("join: all"),
        "{}",
        text(&def.stdout)
    );
    let out = bora(&[
        "workflow", "delete", "fan_out", "--url", &app.base, "--token", TOKEN,
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = bora(&[
        "workflow", "get", "fan_out", "--url", &app.base, "--token", TOKEN,
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("404"), "{}", text(&out.stderr));
}

#[test]
fn executions_start_pause_resume_cancel_and_watch() {
    let app = secured();
    let dir = tempfile::tempdir().unwrap();
    json_of(&app, &["workflow", "create", &write(&dir, "w.yaml", WAITS)]);
    let ex = json_of(&app, &["execution", "start", "waits", "--input", "{}"]);
    let id = ex["id"].as_str().unwrap().to_string();
    assert_eq!(ex["workflow_name"], "waits");
    let paused = json_of(&app, &["execution", "pause", &id]);
    assert_eq!(paused["state"], "PAUSED");
    let resumed = json_of(&app, &["execution", "resume", &id]);
    assert_eq!(resumed["state"], "RUNNING");
    let listed = json_of(&app, &["execution", "list", "--workflow", "waits"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let cancelled = json_of(&app, &["execution", "cancel", &id, "--reason", "not today"]);
    assert_eq!(cancelled["state"], "CANCELLED");
    assert_eq!(cancelled["state_info"], "not today");
    let got = json_of(&app, &["execution", "get", &id]);
    assert_eq!(got["state"], "CANCELLED");
    // Watching an ended execution prints its output and exits as its state.
    let out = bora(&[
        "execution",
        "watch",
        &id,
        "--url",
        &app.base,
        "--token",
        TOKEN,
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("ended CANCELLED"),
        "{}",
        text(&out.stderr)
    );
    // As on Mistral, cancelling leaves the async action waiting: its
    // owner still reports it.
    finish_waiting_action(&app);

    let path = example("fan-out.yaml");
    json_of(&app, &["workflow", "create", path.to_str().unwrap()]);
    let out = bora(&[
        "execution",
        "start",
        "fan_out",
        "--watch",
        "--url",
        &app.base,
        "--token",
        TOKEN,
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["checked"], 3);
    let succeeded = json_of(&app, &["execution", "list", "--state", "SUCCESS"]);
    assert_eq!(succeeded.as_array().unwrap().len(), 1);
}

fn finish_waiting_action(app: &TestApp) {
    let http = reqwest::blocking::Client::new();
    let aes: Value = http
        .get(app.url("/v2/action_executions"))
        .bearer_auth(TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    for ae in aes["action_executions"].as_array().unwrap() {
        if ae["state"] == "RUNNING" {
            let resp = http
                .put(app.url(&format!(
                    "/v2/action_executions/{}",
                    ae["id"].as_str().unwrap()
                )))
                .bearer_auth(TOKEN)
                .json(&json!({"state": "CANCELLED"}))
                .send()
                .unwrap();
            assert!(resp.status().is_success(), "{}", resp.text().unwrap());
        }
    }
}

#[test]
fn tasks_are_listed_and_a_failed_one_rerun() {
    let app = secured();
    let dir = tempfile::tempdir().unwrap();
    json_of(&app, &["workflow", "create", &write(&dir, "f.yaml", FAILS)]);
    let ex = json_of(&app, &["execution", "start", "fails"]);
    let id = ex["id"].as_str().unwrap().to_string();
    let tasks = until(
        &app,
        "a failed task",
        &["task", "list", "--execution", &id],
        |v| v[0]["state"] == "ERROR",
    );
    assert_eq!(tasks[0]["name"], "boom");
    let task_id = tasks[0]["id"].as_str().unwrap().to_string();
    until(
        &app,
        "a failed execution",
        &["execution", "get", &id],
        |v| v["state"] == "ERROR",
    );
    let rerun = json_of(&app, &["task", "rerun", &task_id]);
    assert_eq!(rerun["id"], task_id.as_str());
    // Mistral answers a rerun with the task as it was before the rerun
    // starts it.
    assert_eq!(rerun["state"], "ERROR");
    // It fails again: the rerun ran the action a second time.
    until(
        &app,
        "a second attempt",
        &["task", "list", "--execution", &id],
        |v| v[0]["state"] == "ERROR",
    );
    let http = reqwest::blocking::Client::new();
    let aes: Value = http
        .get(app.url(&format!("/v2/tasks/{task_id}/action_executions")))
        .bearer_auth(TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        aes["action_executions"].as_array().unwrap().len(),
        2,
        "{aes}"
    );
}

#[test]
fn the_token_comes_from_the_flag_then_the_environment_then_the_client_file() {
    let app = secured();
    let list = |extra: &[&str], env: &[(&str, &str)]| -> Output {
        let mut all = vec!["workflow", "list"];
        all.extend_from_slice(extra);
        let mut c = bora(&all);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // No token: refused, with the server's reason.
    let out = list(&["--url", &app.base], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
    // The environment.
    let out = list(&[], &[("BORA_URL", &app.base), ("BORA_TOKEN", TOKEN)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The flag wins over the environment.
    let out = list(
        &["--token", "wrong"],
        &[("BORA_URL", &app.base), ("BORA_TOKEN", TOKEN)],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = list(
        &["--token", TOKEN],
        &[("BORA_URL", &app.base), ("BORA_TOKEN", "wrong")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The client file, under the environment.
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "client.toml",
        &format!("url = \"{}\"\ntoken = \"{TOKEN}\"\n", app.base),
    );
    let out = list(&[], &[("BORA_CLIENT_CONFIG", &file)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = list(
        &[],
        &[("BORA_CLIENT_CONFIG", &file), ("BORA_TOKEN", "wrong")],
    );
    assert_eq!(out.status.code(), Some(1));
    // XDG_CONFIG_HOME/bora/client.toml when nothing names a file.
    std::fs::create_dir_all(dir.path().join("bora")).unwrap();
    std::fs::copy(&file, dir.path().join("bora/client.toml")).unwrap();
    let mut c = bora(&["workflow", "list"]);
    c.env_remove("BORA_CLIENT_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path());
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn validate(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    let mut child = bora(&all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), text(&out.stdout))
}

const WARNED: &str = "version: '2.0'
wf:
  tasks:
    a:
      action: std.echo output=<% $.ghost %>
    b:
      on-success: [c]
    c:
      on-success: [b]
";

#[test]
fn validate_reads_workbooks_and_stdin_and_reports_warnings_as_json() {
    for f in [
        "fan-out.yaml",
        "retries.yaml",
        "approval.yaml",
        "nightly.yaml",
        "http-pipeline.yaml",
        "reverse.yaml",
    ] {
        let path = example(f);
        let (code, out) = validate(
            &[path.to_str().unwrap(), "--format", "json", "--strict"],
            None,
        );
        assert_eq!((code, out.trim()), (0, "[]"), "{f}");
    }
    let wb = "version: '2.0'\nname: wb\nworkflows:\n  main:\n    tasks:\n      t:\n        action: std.noop\n";
    let (code, out) = validate(&["-"], Some(wb));
    assert_eq!(
        (code, out.as_str()),
        (0, "workbook wb: ok (1 workflows, 0 actions)\n")
    );

    let (code, out) = validate(&["-", "--format", "json"], Some(WARNED));
    assert_eq!(code, 0, "warnings alone do not fail: {out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!([
            {"severity": "warning", "path": "wf.tasks.a.action", "line": 5, "column": 15,
             "message": "variable 'ghost' is read but no input, vars, publish or with-items of the workflow sets it"},
            {"severity": "warning", "path": "wf.tasks.b", "line": 6, "column": 5,
             "message": "task 'b' is unreachable: no start task leads to it"},
            {"severity": "warning", "path": "wf.tasks.c", "line": 8, "column": 5,
             "message": "task 'c' is unreachable: no start task leads to it"},
        ])
    );
    let (code, _) = validate(&["-", "--strict"], Some(WARNED));
    assert_eq!(code, 1, "--strict fails on warnings");

    let (code, out) = validate(&["-"], Some(WARNED));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("<stdin>: warning: variable 'ghost'"),
        "{out}"
    );
    assert!(out.ends_with("wf: ok (3 tasks)\n"), "{out}");

    let broken = "version: '2.0'\nwf:\n  tasks:\n    a:\n      on-success: [zz]\n";
    let (code, out) = validate(&["-", "--format", "json"], Some(broken));
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!([{"severity": "error", "path": "wf.tasks.a.on-success[0]", "line": 5,
                "column": 20, "message": "Task 'zz' not found."}])
    );
    let (code, out) = validate(
        &["-"],
        Some("version: '2.0'\nname: wb\nworkflows:\n  main:\n    tasks: 3\n"),
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("<stdin>: error: "), "{out}");
}

#[test]
fn completion_scripts_name_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef bora"),
        ("fish", "complete -c bora"),
    ] {
        let out = bora(&["completion", shell]).output().unwrap();
        assert!(out.status.success());
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("execution"), "{shell}");
    }
}

fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// The warnings' false positives, measured on real workflows: no workflow
/// of the Mistral corpus that succeeds on Mistral draws a warning about
/// its graph or its variables (its actions may be defined elsewhere). A
/// case whose sub-workflow is expected to fail vouches only for the
/// workflow it starts.
#[test]
fn no_corpus_workflow_that_succeeds_on_mistral_draws_a_warning() {
    let registry = bora::actions::Registry::standard();
    let mut files = Vec::new();
    yaml_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mistral_cases"),
        &mut files,
    );
    let mut checked = 0;
    let mut wrong = Vec::new();
    for f in files {
        let Ok(case) = yaml_serde::from_str::<Value>(&std::fs::read_to_string(&f).unwrap()) else {
            continue;
        };
        let (Some(def), Some("SUCCESS")) = (
            case["definition"].as_str(),
            case["expect"]["state"].as_str(),
        ) else {
            continue;
        };
        let Ok(doc) = bora::lang::parse_document(def) else {
            continue;
        };
        checked += 1;
        let child_fails = case["expect"]["sub_executions"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
            .any(|sub| sub["state"].as_str().is_some_and(|s| s != "SUCCESS"));
        let started = case["workflow"].as_str();
        for w in bora::lang::lint(def, &doc, &|a| registry.get(a).is_some()) {
            let in_started = started.is_none_or(|name| w.path.split('.').next() == Some(name));
            if !w.message.starts_with("action '") && (in_started || !child_fails) {
                wrong.push(format!("{}: {w}", f.display()));
            }
        }
    }
    assert!(checked > 100, "only {checked} workflows checked");
    assert!(wrong.is_empty(), "false warnings: {wrong:#?}");
}
