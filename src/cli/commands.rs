//! The client commands: `bora workflow create|list|get|delete`, `bora
//! execution start|list|get|watch|pause|resume|cancel`, `bora task
//! list|rerun`, each one or two requests to the server's `/v2` API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{Client, segment};
use super::output::{Format, print_list, print_one};

const WORKFLOW_COLUMNS: &[&str] = &[
    "id",
    "name",
    "namespace",
    "scope",
    "tags",
    "input",
    "created_at",
];
const EXECUTION_COLUMNS: &[&str] = &[
    "id",
    "workflow_name",
    "state",
    "state_info",
    "created_at",
    "updated_at",
];
const EXECUTION_DETAIL: &[&str] = &[
    "id",
    "workflow_name",
    "workflow_namespace",
    "state",
    "state_info",
    "input",
    "output",
    "created_at",
    "updated_at",
];
const TASK_COLUMNS: &[&str] = &[
    "id",
    "name",
    "workflow_execution_id",
    "state",
    "state_info",
    "created_at",
];

/// `bora workflow ...`.
#[derive(Subcommand)]
pub enum WorkflowCmd {
    /// Upload a workflow list (YAML); prints the workflows created.
    Create {
        /// The YAML file, `-` for stdin.
        file: PathBuf,
        /// `private` (default) or `public`.
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        namespace: Option<String>,
    },
    /// List workflows.
    List {
        /// Most rows to return.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Show a workflow (by name or id), or with `--definition` its YAML.
    Get {
        identifier: String,
        #[arg(long)]
        definition: bool,
    },
    /// Delete a workflow (by name or id).
    Delete { identifier: String },
}

/// `bora execution ...`.
#[derive(Subcommand)]
pub enum ExecutionCmd {
    /// Start a workflow; prints the execution (or with `--watch` its
    /// progress and output, exiting as `bora run` does).
    Start {
        workflow: String,
        /// The input, a JSON object.
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
        /// The params, a JSON object (`task_name`, `env`, ...).
        #[arg(long, value_name = "JSON")]
        params: Option<String>,
        #[arg(long)]
        namespace: Option<String>,
        #[arg(long)]
        watch: bool,
    },
    /// List executions.
    List {
        /// Only executions in this state.
        #[arg(long)]
        state: Option<String>,
        /// Only executions of this workflow (name).
        #[arg(long)]
        workflow: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Show an execution.
    Get { id: String },
    /// Show an execution's progress until it ends; print its output; exit
    /// 0 on SUCCESS, 1 on ERROR or CANCELLED.
    Watch { id: String },
    /// Pause a running execution.
    Pause { id: String },
    /// Resume a paused execution.
    Resume { id: String },
    /// Cancel an execution.
    Cancel {
        id: String,
        /// Why (stored as its state_info).
        #[arg(long)]
        reason: Option<String>,
    },
}

/// `bora task ...`.
#[derive(Subcommand)]
pub enum TaskCmd {
    /// List task executions.
    List {
        /// Only the tasks of this execution.
        #[arg(long)]
        execution: Option<String>,
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Run a failed task again (its execution resumes).
    Rerun {
        id: String,
        /// Keep the with-items iterations that succeeded.
        #[arg(long)]
        no_reset: bool,
    },
}

fn list(v: &Value, key: &str) -> Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn query(pairs: &[(&'static str, Option<String>)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (*k, v)))
        .collect()
}

/// Runs a `bora workflow` command.
pub fn workflow(client: &Client, format: Format, cmd: WorkflowCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        WorkflowCmd::Create {
            file,
            scope,
            namespace,
        } => {
            let text = super::run::read_source(&file)?;
            let qs: Vec<String> = query(&[("scope", scope), ("namespace", namespace)])
                .iter()
                .map(|(k, v)| format!("{k}={}", segment(v)))
                .collect();
            let path = if qs.is_empty() {
                "/workflows".to_string()
            } else {
                format!("/workflows?{}", qs.join("&"))
            };
            let v = client.send_text(Method::POST, &path, &text)?;
            print_list(format, WORKFLOW_COLUMNS, &list(&v, "workflows"))?;
        }
        WorkflowCmd::List { limit } => {
            let v = client.get_query(
                "/workflows",
                &query(&[("limit", limit.map(|l| l.to_string()))]),
            )?;
            print_list(format, WORKFLOW_COLUMNS, &list(&v, "workflows"))?;
        }
        WorkflowCmd::Get {
            identifier,
            definition,
        } => {
            let v = client.get(&format!("/workflows/{}", segment(&identifier)))?;
            if definition {
                print!("{}", v["definition"].as_str().unwrap_or_default());
            } else {
                let mut cols = WORKFLOW_COLUMNS.to_vec();
                cols.push("updated_at");
                print_one(format, &cols, &v)?;
            }
        }
        WorkflowCmd::Delete { identifier } => {
            client.delete(&format!("/workflows/{}", segment(&identifier)))?;
            eprintln!("workflow {identifier} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets an execution's state (pause, resume, cancel) and prints it.
fn set_state(
    client: &Client,
    format: Format,
    id: &str,
    state: &str,
    info: Option<String>,
) -> anyhow::Result<()> {
    let mut body = json!({ "state": state });
    if let Some(i) = info {
        body["state_info"] = Value::String(i);
    }
    let v = client.send_json(Method::PUT, &format!("/executions/{}", segment(id)), &body)?;
    print_one(format, EXECUTION_DETAIL, &v)
}

/// Runs a `bora execution` command.
pub fn execution(client: &Client, format: Format, cmd: ExecutionCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ExecutionCmd::Start {
            workflow,
            input,
            params,
            namespace,
            watch,
        } => {
            let input = super::run::object_arg(input.as_deref(), "--input")?;
            let params = super::run::object_arg(params.as_deref(), "--params")?;
            let mut body = json!({
                "workflow_name": workflow,
                "input": input.to_string(),
                "params": params.to_string(),
            });
            if let Some(ns) = namespace {
                body["workflow_namespace"] = Value::String(ns);
            }
            let v = client.send_json(Method::POST, "/executions", &body)?;
            if watch {
                let id = v["id"].as_str().unwrap_or_default().to_string();
                return super::run::finish(client, &super::run::Progress::new(false), &id);
            }
            print_one(format, EXECUTION_DETAIL, &v)?;
        }
        ExecutionCmd::List {
            state,
            workflow,
            limit,
        } => {
            let q = query(&[
                ("state", state),
                ("workflow_name", workflow),
                ("limit", limit.map(|l| l.to_string())),
            ]);
            let v = client.get_query("/executions", &q)?;
            print_list(format, EXECUTION_COLUMNS, &list(&v, "executions"))?;
        }
        ExecutionCmd::Get { id } => {
            let v = client.get(&format!("/executions/{}", segment(&id)))?;
            print_one(format, EXECUTION_DETAIL, &v)?;
        }
        ExecutionCmd::Watch { id } => {
            return super::run::finish(client, &super::run::Progress::new(false), &id);
        }
        ExecutionCmd::Pause { id } => set_state(client, format, &id, "PAUSED", None)?,
        ExecutionCmd::Resume { id } => set_state(client, format, &id, "RUNNING", None)?,
        ExecutionCmd::Cancel { id, reason } => set_state(client, format, &id, "CANCELLED", reason)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `bora task` command.
pub fn task(client: &Client, format: Format, cmd: TaskCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        TaskCmd::List {
            execution,
            state,
            limit,
        } => {
            let q = query(&[
                ("workflow_execution_id", execution),
                ("state", state),
                ("limit", limit.map(|l| l.to_string())),
            ]);
            let v = client.get_query("/tasks", &q)?;
            print_list(format, TASK_COLUMNS, &list(&v, "tasks"))?;
        }
        TaskCmd::Rerun { id, no_reset } => {
            let body = json!({"state": "RUNNING", "reset": !no_reset});
            let v = client.send_json(Method::PUT, &format!("/tasks/{}", segment(&id)), &body)?;
            print_one(format, TASK_COLUMNS, &v)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
