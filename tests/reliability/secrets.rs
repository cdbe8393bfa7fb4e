//! X5 at T0 size: a canary secret (`CANARY-<uuid>`) under `password` in the
//! input, under a name the workflow declares in `secrets:`, and under
//! `api_key` in the environment, carried into a failing action, a failing
//! expression (in a task and in `vars`), a panicking action, a failing
//! sub-workflow that got it under an innocent name, and `output-on-error`.
//! With the server logging at `trace`, the canary must appear in no log line
//! and in no `state_info` or error text, while the actions still get it and
//! the owner still reads the input as given. The live event stream is
//! checked too. (With masking switched off the same run finds the canary
//! 22 times in state_info and error text, 21 times in the event stream and
//! once in the log.)

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Board, Server};

const BOOK: &str = "version: '2.0'
x5_ok:
  input: [user, password]
  tasks:
    use:
      action: std.echo output=<% $.password %>
      publish:
        got: <% task().result %>
  output:
    got: <% $.got %>
x5_fail:
  input: [password]
  tasks:
    boom:
      action: test.fail
      input:
        msg: <% 'login refused for ' + $.password %>
x5_expr:
  input: [password]
  output-on-error:
    again: <% int($.password) %>
  tasks:
    bad:
      action: std.echo
      input:
        output: <% int($.password) %>
x5_jinja:
  input: [password]
  tasks:
    bad:
      action: std.echo
      input:
        output: '{{ _.password | int(strict=true) }} {{ _.password.nope.x }}'
x5_env:
  tasks:
    boom:
      action: test.fail
      input:
        msg: <% 'key ' + env().api_key %>
x5_panic:
  input: [password]
  tasks:
    p:
      action: test.panic
      input:
        msg: <% 'panic with ' + $.password %>
x5_declared:
  input: [pin]
  secrets: [pin]
  tasks:
    boom:
      action: test.fail
      input:
        msg: <% 'pin was ' + $.pin %>
x5_parent:
  input: [password]
  tasks:
    sub:
      workflow: x5_child
      input:
        data: <% $.password %>
x5_child:
  input: [data]
  tasks:
    boom:
      action: test.fail
      input:
        msg: <% 'child saw ' + $.data %>
x5_vars:
  input: [password]
  vars:
    n: <% int($.password) %>
  tasks:
    t:
      action: std.noop
";

/// Every string inside `v` that contains `needle`, with where it was.
fn hits(v: &Value, needle: &str, at: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains(needle) => out.push(format!("{at}: {s}")),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| hits(x, needle, &format!("{at}[{i}]"), out)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| hits(x, needle, &format!("{at}.{k}"), out)),
        _ => {}
    }
}

#[test]
fn x5_secret_canary() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("X5");
    let mut server = Server::new(2);
    server.env.push(("RUST_LOG".into(), "trace".into()));
    server.start();
    let api = server.api();
    api.upload(BOOK);
    // The live change stream, read until the server stops.
    let events_url = format!("{}/v2/events", server.base);
    let events = std::thread::spawn(move || {
        let mut text = String::new();
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        if let Ok(mut r) = client.get(&events_url).send() {
            let _ = std::io::Read::read_to_string(&mut r, &mut text);
        }
        text
    });
    std::thread::sleep(Duration::from_millis(200));
    let canary = format!("CANARY-{}", uuid::Uuid::new_v4());
    let start = |wf: &str, input: Value, params: Value| -> Result<String, String> {
        match api.post_json(
            "/v2/executions",
            &json!({"workflow_name": wf, "input": input, "params": params}),
        ) {
            Ok((201, v)) => Ok(v["id"].as_str().unwrap_or_default().to_string()),
            Ok((s, v)) => Err(format!("{s}: {v}")),
            Err(e) => Err(e),
        }
    };
    let pw = json!({ "password": canary });
    let runs: Vec<(&str, &str, Value, Value)> = vec![
        (
            "x5_ok",
            "SUCCESS",
            json!({"user": "alice", "password": canary}),
            json!({}),
        ),
        ("x5_fail", "ERROR", pw.clone(), json!({})),
        ("x5_expr", "ERROR", pw.clone(), json!({})),
        ("x5_jinja", "ERROR", pw.clone(), json!({})),
        (
            "x5_env",
            "ERROR",
            json!({}),
            json!({"env": {"api_key": canary}}),
        ),
        ("x5_panic", "ERROR", pw.clone(), json!({})),
        ("x5_declared", "ERROR", json!({"pin": canary}), json!({})),
        ("x5_parent", "ERROR", pw.clone(), json!({})),
    ];
    let mut ids = Vec::new();
    for (wf, want, input, params) in &runs {
        let id = start(wf, input.clone(), params.clone()).unwrap_or_else(|e| panic!("{wf}: {e}"));
        ids.push((wf.to_string(), want.to_string(), id));
    }
    // `vars` fail at the start: the 400 must not quote the secret.
    let vars = api.post_json(
        "/v2/executions",
        &json!({"workflow_name": "x5_vars", "input": pw}),
    );
    let all: Vec<String> = ids.iter().map(|(_, _, id)| id.clone()).collect();
    let open = api.wait_terminal(&all, Duration::from_secs(30));
    board.check("executions_terminal", open.is_empty(), format!("{open:?}"));
    let wrong: Vec<String> = ids
        .iter()
        .filter_map(|(wf, want, id)| {
            let got = api
                .execution(id)
                .map(|e| e["state"].clone())
                .unwrap_or_default();
            (got != *want).then(|| format!("{wf}: {got} (want {want})"))
        })
        .collect();
    board.check(
        "expected_final_states",
        wrong.is_empty(),
        format!("{wrong:?}"),
    );

    // The value still flows: the action got it, the owner reads the input.
    let ok = &ids[0].2;
    let out = api
        .execution(ok)
        .map(|e| e["output"].clone())
        .unwrap_or_default();
    let out: Value = out
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(out);
    board.check(
        "action_received_secret",
        out["got"] == json!(canary),
        format!("output {out}"),
    );
    let input = api
        .execution(ok)
        .map(|e| e["input"].clone())
        .unwrap_or_default();
    board.check(
        "owner_reads_input_as_given",
        input.to_string().contains(&canary),
        "GET /v2/executions/{id} input holds the value (Mistral's behaviour)",
    );

    // state_info and error text of every execution, task and action
    // execution (sub-executions included: the list holds them all).
    let mut leaks = Vec::new();
    let mut execs = api.executions();
    execs.retain(|e| {
        e["workflow_name"]
            .as_str()
            .is_some_and(|n| n.starts_with("x5_"))
    });
    for e in &execs {
        let eid = e["id"].as_str().unwrap_or_default().to_string();
        let full = api.execution(&eid).unwrap_or_default();
        hits(
            &full["state_info"],
            &canary,
            &format!("execution {eid} state_info"),
            &mut leaks,
        );
        if full["state"] == "ERROR" {
            hits(
                &full["output"],
                &canary,
                &format!("execution {eid} output"),
                &mut leaks,
            );
        }
        for t in api.tasks(&eid) {
            let tid = t["id"].as_str().unwrap_or_default().to_string();
            hits(
                &t["state_info"],
                &canary,
                &format!("task {tid} state_info"),
                &mut leaks,
            );
            if t["state"] == "ERROR" {
                hits(
                    &t["result"],
                    &canary,
                    &format!("task {tid} result"),
                    &mut leaks,
                );
            }
            for a in api.action_executions(&tid) {
                hits(
                    &a["state_info"],
                    &canary,
                    &format!("action {} state_info", a["id"]),
                    &mut leaks,
                );
                if a["state"] == "ERROR" {
                    hits(
                        &a["output"],
                        &canary,
                        &format!("action {} output", a["id"]),
                        &mut leaks,
                    );
                }
            }
        }
    }
    if let Ok((_, v)) = &vars {
        hits(v, &canary, "vars 400 body", &mut leaks);
    }
    board.check(
        "vars_error_is_4xx",
        matches!(vars, Ok((400, _))),
        format!("{:?}", vars.as_ref().map(|(s, _)| *s)),
    );
    board.check(
        "canary_in_state_info_and_errors",
        leaks.is_empty(),
        format!("{} {leaks:?}", leaks.len()),
    );
    let masked = execs
        .iter()
        .filter(|e| e["workflow_name"] != "x5_ok")
        .filter(|e| {
            let id = e["id"].as_str().unwrap_or_default();
            api.tasks(id)
                .iter()
                .any(|t| t["state_info"].as_str().is_some_and(|s| s.contains("***")))
        })
        .count();
    board.record(
        "failed_executions_with_masked_text",
        format!("{masked}/{}", execs.len() - 1),
    );
    board.check(
        "errors_still_say_what_failed",
        masked >= runs.len() - 2,
        format!("{masked} executions with '***' in a task's state_info"),
    );
    let stopped = server.term(Duration::from_secs(15));
    board.check(
        "clean_stop",
        stopped.is_some_and(|(s, _)| s.success()),
        format!("{stopped:?}"),
    );
    let events = events.join().unwrap_or_default();
    board.record("event_stream_bytes", events.len());
    board.check(
        "canary_in_event_stream",
        !events.contains(&canary) && events.contains("event: task"),
        format!(
            "{} occurrences in {} bytes",
            events.matches(&canary).count(),
            events.len()
        ),
    );
    let log = server.log_text();
    let in_log: Vec<&str> = log.lines().filter(|l| l.contains(&canary)).collect();
    board.record("log_lines_at_trace", log.lines().count());
    board.check(
        "canary_in_logs",
        in_log.is_empty(),
        format!(
            "{} {:?}",
            in_log.len(),
            in_log.iter().take(5).collect::<Vec<_>>()
        ),
    );
    board.finish();
}
