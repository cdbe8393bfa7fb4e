//! X7 (hostile YAML) and X8 (hostile expressions) at T0 size, against the
//! real binary. X7 sends RELIABILITY.md's corpus to every YAML entry point
//! (`POST`/`PUT /v2/workflows`, `/v2/workflows/validate`) and to the
//! `yaml_parse` expression function in YAQL and Jinja. X8 runs the
//! expression catalogue in both languages as workflow tasks, the SSTI and
//! double-evaluation probes, and a normal workflow beside ten bombs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Api, Board, Server};
use crate::limits::{Raw, cpu_time, rss_kib};

/// The X7 corpus: name, text, and whether it is a bomb (anything else may
/// also be accepted when it is a valid workflow).
pub fn corpus() -> Vec<(&'static str, String, bool)> {
    let mut laughs = String::from(
        "version: '2.0'\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut merge = String::from(
        "version: '2.0'\na: &a {x1: 1, x2: 2, x3: 3, x4: 4, x5: 5, x6: 6, x7: 7, x8: 8, x9: 9}\n",
    );
    let names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(", ");
        laughs.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        merge.push_str(&format!("{}: &{} {{<<: [{refs}]}}\n", w[1], w[1]));
    }
    let wf = "wf:\n  tasks:\n    t:\n      action: std.noop\n";
    let mut keys = String::from("version: '2.0'\n");
    for i in 0..100_000 {
        keys.push_str(&format!("k{i}: 1\n"));
    }
    let mut big = String::from("version: '2.0'\nbig:\n  tasks:\n");
    for i in 0..10_000 {
        big.push_str(&format!(
            "    t{i:05}:\n      description: padding.\n      action: std.noop\n      on-success: [t{:05}]\n",
            (i + 1).min(9_999)
        ));
    }
    vec![
        ("billion_laughs_9x9", laughs, true),
        ("self_referencing_alias", "version: '2.0'\na: &a [*a]\n".into(), true),
        ("nested_seq_100000", "[".repeat(100_000), true),
        ("nested_map_100000", format!("{}{}", "{a: ".repeat(100_000), "}".repeat(100_000)), true),
        (
            "key_1mb",
            format!("version: '2.0'\n{}:\n  tasks:\n    t:\n      action: std.noop\n", "k".repeat(1_000_000)),
            true,
        ),
        ("keys_100000", keys, true),
        // Not a bomb: PyYAML (and so Mistral) keeps the last of duplicate
        // keys, and so does bora's loader.
        (
            "duplicate_keys",
            format!("version: '2.0'\n{wf}{}", wf.replace("wf:", "dup:").replace("dup:", "wf:")),
            false,
        ),
        ("merge_key_bomb", merge, true),
        (
            "tag_binary",
            "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo\n      input:\n        output: !!binary aGVsbG8=\n".into(),
            true,
        ),
        (
            "tag_custom",
            "version: '2.0'\nwf: !custom\n  tasks:\n    t:\n      action: std.noop\n".into(),
            true,
        ),
        ("nul_byte", format!("version: '2.0'\n{}\0\n", wf.trim_end()), true),
        (
            "bom_crlf",
            format!("\u{feff}version: '2.0'\r\n{}", wf.replace('\n', "\r\n")),
            false,
        ),
        ("stream_10000_documents", format!("{}version: '2.0'\n{wf}", "---\n".repeat(10_000)), true),
        ("workflow_10000_tasks", big, false),
    ]
}

fn put(raw: &Raw, text: &str) -> (u16, String, Duration) {
    let began = Instant::now();
    let c = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    match c
        .put(format!("{}/v2/workflows", raw_base(raw)))
        .header("content-type", "text/plain")
        .body(text.to_string())
        .send()
    {
        Ok(r) => {
            let s = r.status().as_u16();
            (s, r.text().unwrap_or_default(), began.elapsed())
        }
        Err(e) => (0, e.to_string(), began.elapsed()),
    }
}

fn raw_base(raw: &Raw) -> String {
    raw.base().to_string()
}

/// A wall-time budget stated for a release build: ten times as long for the
/// debug binary `cargo test` builds by default (its YAML parsers and
/// evaluator run 10-20x slower).
pub fn time_budget(release: Duration) -> Duration {
    if cfg!(debug_assertions) {
        release * 10
    } else {
        release
    }
}

/// Starts `wf` with `input`; the id.
pub fn start(raw: &Raw, wf: &str, input: Value) -> String {
    let body = json!({"workflow_name": wf, "input": input}).to_string();
    match raw.post("/v2/executions", "application/json", body) {
        (201, v, _) => serde_json::from_str::<Value>(&v)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
            .unwrap_or_default(),
        (s, v, _) => panic!("{wf}: {s} {}", &v[..v.len().min(300)]),
    }
}

/// Waits for `id` to be terminal; its state and how long it took to get there.
pub fn finish(api: &Api, id: &str, limit: Duration) -> (String, Duration) {
    let began = Instant::now();
    loop {
        let s = api
            .execution(id)
            .and_then(|e| e["state"].as_str().map(str::to_string))
            .unwrap_or_default();
        if crate::harness::is_terminal(&s) || began.elapsed() > limit {
            return (s, began.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn x7_hostile_yaml() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("X7");
    let mut server = Server::new(2);
    server.start();
    let api = server.api();
    let raw = Raw::new(&server.base);
    let pid = server.pid().expect("pid");
    api.upload(
        "version: '2.0'
x7_yaql:
  input: [doc]
  tasks:
    p:
      action: std.echo
      input:
        output: <% yaml_parse($.doc) %>
x7_jinja:
  input: [doc]
  tasks:
    p:
      action: std.echo
      input:
        output: '{{ yaml_parse(_.doc) }}'
",
    );
    let mut accepted_bombs = Vec::new();
    let mut not_4xx = Vec::new();
    let mut slow = Vec::new();
    let mut worst = Duration::ZERO;
    let mut worst_rss = (0u64, String::new());
    let budget = time_budget(Duration::from_millis(500));
    for (name, text, bomb) in corpus() {
        for entry in ["POST", "PUT", "validate"] {
            let before = rss_kib(pid);
            let cpu = cpu_time(pid);
            let (s, body, wall) = match entry {
                "POST" => raw.post("/v2/workflows", "text/plain", text.clone()),
                "PUT" => put(&raw, &text),
                _ => raw.post("/v2/workflows/validate", "text/plain", text.clone()),
            };
            let t = cpu_time(pid).saturating_sub(cpu);
            let grew = rss_kib(pid).saturating_sub(before);
            if bomb && grew > worst_rss.0 {
                worst_rss = (grew, format!("{entry} {name}"));
            }
            let rejected = if entry == "validate" {
                s == 200 && body.contains("\"valid\":false") || (400..500).contains(&s)
            } else {
                (400..500).contains(&s)
            };
            let clean_accept = !bomb && (s == 201 || s == 200);
            if bomb && !rejected {
                accepted_bombs.push(format!("{entry} {name}: {s}"));
            }
            if !rejected && !clean_accept {
                not_4xx.push(format!(
                    "{entry} {name}: {s} {}",
                    &body[..body.len().min(120)]
                ));
            }
            if name == "workflow_10000_tasks" {
                board.record(
                    &format!("{entry} workflow_10000_tasks"),
                    format!(
                        "{s} in {wall:?} (server CPU {t:?}, RSS +{grew} KiB): {}",
                        &body[..body.len().min(160)]
                    ),
                );
            } else {
                worst = worst.max(t);
                if t > budget {
                    slow.push(format!("{entry} {name}: CPU {t:?}, wall {wall:?}"));
                }
            }
        }
    }
    board.check(
        "accepted_bombs",
        accepted_bombs.is_empty(),
        format!("{} {accepted_bombs:?}", accepted_bombs.len()),
    );
    board.check(
        "rejected_with_4xx_or_cleanly_accepted",
        not_4xx.is_empty(),
        format!("{not_4xx:?}"),
    );
    board.check(
        &format!("each_within_{budget:?}_server_cpu"),
        slow.is_empty(),
        format!("slowest {worst:?} {slow:?}"),
    );
    board.check(
        "rss_delta_per_bomb_under_50mb",
        worst_rss.0 < 50 * 1024,
        format!("{} KiB ({})", worst_rss.0, worst_rss.1),
    );
    // Under another name: the corpus loop above may have stored `big`.
    let again = corpus()
        .pop()
        .map(|c| c.1.replacen("\nbig:\n", "\nbig_again:\n", 1))
        .unwrap_or_default();
    let (s, body, _) = raw.post("/v2/workflows", "text/plain", again);
    board.check(
        "10000_tasks_rejected_naming_the_limit",
        (s == 400 && body.contains("max_tasks_per_workflow")) || s == 201,
        format!("{s} {}", &body[..body.len().min(200)]),
    );

    // The same corpus through `yaml_parse`, in both languages.
    let mut bad = Vec::new();
    let mut worst = Duration::ZERO;
    let budget = time_budget(Duration::from_secs(1));
    // Twice: the first pass also warms the evaluation thread's allocator
    // arena (glibc keeps what a thread freed for that thread's next use),
    // so growth is judged on the second.
    let mut first_pass_rss = (0, String::new());
    for (pass, (name, text, bomb)) in corpus()
        .into_iter()
        .map(|c| (0, c))
        .chain(corpus().into_iter().map(|c| (1, c)))
    {
        if name == "workflow_10000_tasks" {
            continue;
        }
        for wf in ["x7_yaql", "x7_jinja"] {
            let before = rss_kib(pid);
            let cpu = cpu_time(pid);
            let id = start(&raw, wf, json!({ "doc": text }));
            let (state, wall) = finish(&api, &id, Duration::from_secs(30));
            let t = cpu_time(pid).saturating_sub(cpu);
            let grew = rss_kib(pid).saturating_sub(before);
            let worst_rss = if pass == 0 {
                &mut first_pass_rss
            } else {
                &mut worst_rss
            };
            if grew > worst_rss.0 {
                worst_rss.0 = grew;
                worst_rss.1 = format!("{wf} {name}");
            }
            worst = worst.max(t);
            // As in Mistral's loader, `&` and `*` are plain text: an alias
            // bomb is a harmless document of strings (its RSS and CPU are
            // still bounded below); a nesting or merge bomb still fails.
            let ok = crate::harness::is_terminal(&state)
                && (!bomb
                    || state == "ERROR"
                    || !name.contains("nested") && !name.contains("merge"));
            if !ok || t > budget {
                bad.push(format!("{wf} {name}: {state}, CPU {t:?}, wall {wall:?}"));
            }
        }
    }
    board.record(
        "yaml_parse_first_pass_rss_delta",
        format!("{} KiB ({})", first_pass_rss.0, first_pass_rss.1),
    );
    board.check(
        &format!("yaml_parse_bombs_end_harmlessly_within_{budget:?}_server_cpu"),
        bad.is_empty(),
        format!("slowest {worst:?} {bad:?}"),
    );
    board.check(
        "rss_delta_under_50mb",
        worst_rss.0 < 50 * 1024,
        format!("{} KiB ({})", worst_rss.0, worst_rss.1),
    );
    board.check(
        "process_alive",
        api.get("/v2").is_ok_and(|(s, _)| s == 200),
        "GET /v2 answers",
    );
    board.finish();
}
