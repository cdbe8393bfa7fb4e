//! `bora run FILE`: uploads a workflow list or a workbook, starts one of
//! its workflows, shows its progress, prints its output as JSON and exits
//! 0 on SUCCESS, 1 on ERROR or CANCELLED (with the failing tasks'
//! `state_info`). Without `--url` it serves bora itself, embedded: the real
//! engine, workers and HTTP API on an ephemeral loopback port with a
//! temporary SQLite file and a one-time token, driven through the same
//! client as a remote server. `watch` is shared with `bora execution
//! watch`.

use std::collections::HashSet;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{Client, json_field, segment};
use crate::config::{Config, TokenConfig};

/// What `bora run` was asked.
pub struct RunArgs {
    /// The definition file, `-` for stdin.
    pub file: PathBuf,
    /// The workflow input, a JSON object.
    pub input: Option<String>,
    /// The execution's params, a JSON object (`task_name` for a reverse
    /// workflow, `env`, ...).
    pub params: Option<String>,
    /// The workflow to start (default: the document's first).
    pub workflow: Option<String>,
    /// A server to run on, instead of the embedded one.
    pub url: Option<String>,
    pub token: Option<String>,
    /// No progress, only the output.
    pub quiet: bool,
}

/// Reads `file`, or stdin for `-`.
pub fn read_source(file: &std::path::Path) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("cannot read stdin")?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

/// The workflow to start and how to upload the document: (API path of the
/// upload, full workflow name).
fn plan(text: &str, wanted: Option<&str>, file: &str) -> anyhow::Result<(&'static str, String)> {
    let doc = crate::lang::parse_document(text).map_err(|diags| {
        let lines: Vec<String> = diags.0.iter().map(|d| format!("{file}: {d}")).collect();
        anyhow::anyhow!("the definition is invalid:\n{}", lines.join("\n"))
    })?;
    let (path, prefix, names): (_, String, Vec<String>) = match &doc {
        crate::lang::Document::Workflows(specs) => (
            "/workflows",
            String::new(),
            specs.iter().map(|s| s.name.clone()).collect(),
        ),
        crate::lang::Document::Workbook(wb) => (
            "/workbooks",
            format!("{}.", wb.name),
            wb.workflows.iter().map(|s| s.name.clone()).collect(),
        ),
    };
    let name = match wanted {
        Some(w) => {
            let short = w.strip_prefix(&prefix).unwrap_or(w);
            if !names.iter().any(|n| n == short) {
                bail!(
                    "{file} has no workflow '{w}' (it has: {})",
                    names.join(", ")
                );
            }
            short.to_string()
        }
        None => names
            .first()
            .cloned()
            .with_context(|| format!("{file} defines no workflow"))?,
    };
    Ok((path, format!("{prefix}{name}")))
}

/// A flag's JSON object (`{}` when absent).
pub fn object_arg(arg: Option<&str>, flag: &str) -> anyhow::Result<Value> {
    let v: Value = match arg {
        None => json!({}),
        Some(s) => serde_json::from_str(s).with_context(|| format!("{flag} is not JSON"))?,
    };
    anyhow::ensure!(v.is_object(), "{flag} must be a JSON object");
    Ok(v)
}

/// Runs `bora run`. `config` configures the embedded server.
pub fn run(args: RunArgs, config: Config) -> anyhow::Result<ExitCode> {
    let text = read_source(&args.file)?;
    let file = args.file.display().to_string();
    let (upload, name) = plan(&text, args.workflow.as_deref(), &file)?;
    let input = object_arg(args.input.as_deref(), "--input")?;
    let params = object_arg(args.params.as_deref(), "--params")?;
    let show = Progress::new(args.quiet);
    match args.url {
        Some(url) => {
            let (url, token) = super::client::resolve(Some(url), args.token)?;
            let client = Client::new(&url, token)?;
            execute(&client, &show, (upload, &text), &name, (&input, &params))
        }
        None => {
            show.status("starting bora");
            let dir = tempfile::Builder::new().prefix("bora-run").tempdir()?;
            let (server, client, token) = embedded(config, &dir)?;
            // For the commands that act on this run while it waits (an
            // approval, a pause): `bora execution resume ID --url ...`.
            show.line(&format!(
                "bora for this run: --url {} --token {token}",
                server.url
            ));
            let code = execute(&client, &show, (upload, &text), &name, (&input, &params));
            drop(client);
            let interrupted = code.is_err() && server.ended();
            server.stop()?;
            if interrupted {
                bail!("interrupted: the run's server stopped");
            }
            code
        }
    }
}

/// Starts the embedded server on a database in `dir`, with a one-time
/// token, and a client of it once it answers; the token.
fn embedded(
    mut config: Config,
    dir: &tempfile::TempDir,
) -> anyhow::Result<(crate::app::Embedded, Client, String)> {
    let db = dir.path().join("run.db");
    config.database = format!("sqlite://{}", db.display());
    let token = uuid::Uuid::new_v4().simple().to_string();
    config.auth = true;
    config.tokens = vec![TokenConfig {
        sha256: crate::config::token_hash(&token),
        project_id: crate::domain::DEFAULT_PROJECT.to_string(),
        admin: true,
    }];
    let server = crate::app::Embedded::start(config)?;
    let client = Client::new(&server.url, Some(token.clone()))?;
    while !client.ready() {
        if server.ended() {
            server.stop()?;
            bail!("the embedded server stopped before it answered");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((server, client, token))
}

/// Uploads, starts and watches; prints the output.
fn execute(
    client: &Client,
    show: &Progress,
    (upload, text): (&str, &str),
    name: &str,
    (input, params): (&Value, &Value),
) -> anyhow::Result<ExitCode> {
    client.upsert_text(upload, text)?;
    let body = json!({
        "workflow_name": name,
        "input": input.to_string(),
        "params": params.to_string(),
    });
    let ex = client.send_json(Method::POST, "/executions", &body)?;
    let id = ex
        .get("id")
        .and_then(Value::as_str)
        .context("the server answered no execution id")?
        .to_string();
    show.line(&format!("execution {id} of {name} started"));
    finish(client, show, &id)
}

/// Watches execution `id` to its end; prints its output on stdout and
/// the failure on stderr; the exit code of its state.
pub fn finish(client: &Client, show: &Progress, id: &str) -> anyhow::Result<ExitCode> {
    let (ex, tasks) = watch(client, show, id)?;
    let state = ex.get("state").and_then(Value::as_str).unwrap_or_default();
    println!(
        "{}",
        serde_json::to_string_pretty(&json_field(&ex, "output"))?
    );
    if state == "SUCCESS" {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("execution {id} ended {state}");
    let mut told = Vec::new();
    for t in tasks.iter().filter(|t| t["state"] == "ERROR") {
        let info = t["state_info"].as_str().unwrap_or_default();
        eprintln!(
            "task '{}' failed: {info}",
            t["name"].as_str().unwrap_or_default(),
        );
        told.push(info);
    }
    if let Some(info) = ex.get("state_info").and_then(Value::as_str)
        && !told.contains(&info)
    {
        eprintln!("{info}");
    }
    Ok(ExitCode::FAILURE)
}

fn terminal(state: &str) -> bool {
    matches!(state, "SUCCESS" | "ERROR" | "CANCELLED")
}

/// Polls execution `id` and its tasks until the execution ends, showing
/// progress; returns the execution and its tasks as last read.
pub fn watch(client: &Client, show: &Progress, id: &str) -> anyhow::Result<(Value, Vec<Value>)> {
    let path = format!("/executions/{}", segment(id));
    let mut pause = Duration::from_millis(10);
    let mut last: Option<String> = None;
    loop {
        // The execution first: once it has ended, the tasks read after it
        // are final.
        let ex = client.get(&path)?;
        let tasks = client.get(&format!("{path}/tasks"))?;
        let tasks = tasks
            .get("tasks")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        show.tasks(&tasks);
        let state = ex.get("state").and_then(Value::as_str).unwrap_or_default();
        if last.as_deref() != Some(state) {
            // PAUSED and back: the watcher waits on, and says so.
            if !terminal(state) && (last.is_some() || state != "RUNNING") {
                show.line(&format!("execution {state}"));
            }
            last = Some(state.to_string());
        }
        if terminal(state) {
            show.done(state);
            return Ok((ex, tasks));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// Progress on stderr: a live bar on a terminal (tasks done, running and
/// failed, the elapsed time) with a line per finished task; the same lines
/// plain when stderr is not a terminal; nothing with `--quiet`.
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    start: Instant,
    seen: std::cell::RefCell<HashSet<String>>,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self {
            bar,
            quiet,
            start: Instant::now(),
            seen: std::cell::RefCell::new(HashSet::new()),
        }
    }

    /// A line above the bar (or on its own).
    pub fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        let at = self.start.elapsed().as_secs_f64();
        let text = format!("[{at:6.2}s] {text}");
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// What the bar says while no task is known.
    fn status(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_string());
        }
    }

    /// Takes the tasks as read: a line for each newly finished one, and
    /// the counts on the bar.
    fn tasks(&self, tasks: &[Value]) {
        let (mut done, mut running, mut failed) = (0, 0, 0);
        for t in tasks {
            let state = t["state"].as_str().unwrap_or_default();
            match state {
                "SUCCESS" | "SKIPPED" => done += 1,
                "ERROR" | "CANCELLED" => failed += 1,
                _ => running += 1,
            }
            let key = format!("{}:{state}", t["id"].as_str().unwrap_or_default());
            if (terminal(state) || state == "SKIPPED") && self.seen.borrow_mut().insert(key) {
                let name = t["name"].as_str().unwrap_or_default();
                let info = match (state, t["state_info"].as_str()) {
                    ("ERROR", Some(i)) => format!(": {}", first_line(i)),
                    _ => String::new(),
                };
                self.line(&format!("task {name} {state}{info}"));
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "tasks: {done} done, {running} running, {failed} failed"
            ));
        }
    }

    fn done(&self, state: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let secs = self.start.elapsed().as_secs_f64();
        self.line(&format!("execution {state} in {secs:.2}s"));
    }
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or_default();
    match line.char_indices().nth(200) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}
