//! The JSON shapes of the `/v2` API as OpenAPI schemas: Mistral's resources
//! (`mistral/api/controllers/v2/resources.py`) as `render.rs` and the
//! resource modules build them, the list envelopes with their `next` link,
//! the request bodies and the error body. These types only describe: the
//! handlers build and read `serde_json::Value`s, never these structs.
//!
//! Conventions of the wire, kept here as Mistral keeps them: timestamps are
//! `YYYY-MM-DD HH:MM:SS` text (UTC); "JSON text" fields (`input`, `output`,
//! `params`, `published`, `variables`, ...) are a JSON document *inside a
//! string*, in Python's spelling.

#![expect(
    dead_code,
    reason = "schema-only types: derived for the OpenAPI document, never built"
)]

use serde_json::Value;
use utoipa::ToSchema;

/// The error body of every 4xx and 5xx answer.
#[derive(ToSchema)]
pub struct Error {
    /// `Client` for a 4xx, `Server` for a 5xx.
    #[schema(example = "Client")]
    faultcode: String,
    /// What went wrong, in Mistral's words where Mistral has them.
    #[schema(example = "Workflow not found [workflow_identifier=nosuch, namespace=]")]
    faultstring: String,
    /// Always `null`.
    debuginfo: Option<String>,
}

/// A workflow definition.
#[derive(ToSchema)]
pub struct Workflow {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    /// `""` is the default namespace.
    namespace: String,
    /// The input parameters as text, e.g. `a, b="x"`.
    input: String,
    /// `{"input": [...], "output": [...]}`: JSON text on `GET`, an object
    /// in the answer to `POST`/`PUT`.
    interface: Value,
    /// The YAML text as uploaded.
    definition: String,
    /// MD5 of the definition; `null` for a workbook's workflows.
    checksum: Option<String>,
    tags: Vec<String>,
    /// `private` or `public`.
    scope: String,
    project_id: String,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
}

/// A page of workflows.
#[derive(ToSchema)]
pub struct Workflows {
    workflows: Vec<Workflow>,
    /// The URL of the next page; only when this page is full.
    next: Option<String>,
}

/// The state of an execution, a task or an action execution.
#[derive(ToSchema)]
#[schema(example = "RUNNING")]
pub enum State {
    #[schema(rename = "IDLE")]
    Idle,
    #[schema(rename = "WAITING")]
    Waiting,
    #[schema(rename = "RUNNING")]
    Running,
    #[schema(rename = "DELAYED")]
    Delayed,
    #[schema(rename = "PAUSED")]
    Paused,
    #[schema(rename = "SUCCESS")]
    Success,
    #[schema(rename = "ERROR")]
    Error,
    #[schema(rename = "CANCELLED")]
    Cancelled,
    #[schema(rename = "SKIPPED")]
    Skipped,
}

/// A workflow execution.
#[derive(ToSchema)]
pub struct Execution {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = Uuid)]
    workflow_id: String,
    workflow_name: String,
    workflow_namespace: String,
    description: String,
    tags: Vec<String>,
    /// JSON text: the start parameters (`env`, `namespace`, `task_name`, ...).
    params: Option<String>,
    /// The task that started this execution as a sub-workflow.
    task_execution_id: Option<String>,
    /// The top execution of a tree of sub-workflows.
    root_execution_id: Option<String>,
    state: State,
    state_info: Option<String>,
    /// JSON text.
    input: Option<String>,
    /// JSON text; left out of list items unless `include_output=true`.
    output: Option<String>,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
    project_id: String,
    /// JSON text; only in `GET /v2/executions/{id}`.
    published_global: Option<String>,
}

/// A page of executions.
#[derive(ToSchema)]
pub struct Executions {
    executions: Vec<Execution>,
    next: Option<String>,
}

/// `POST /v2/executions`: start a workflow (by id or by name), or rerun
/// one like an earlier execution (`source_execution_id`).
#[derive(ToSchema)]
pub struct ExecutionCreate {
    workflow_id: Option<String>,
    workflow_name: Option<String>,
    workflow_namespace: Option<String>,
    /// An object, or its JSON text.
    input: Option<Value>,
    /// An object (`env`, `task_name`, `notify`, ...), or its JSON text.
    params: Option<Value>,
    description: Option<String>,
    /// A client-chosen id: starting twice with it returns the first.
    id: Option<String>,
    source_execution_id: Option<String>,
}

/// `PUT /v2/executions/{id}`: `state` (with `state_info`), or
/// `description`, or `params.env` (with `state: RUNNING` only).
#[derive(ToSchema)]
pub struct ExecutionUpdate {
    /// `RUNNING` (resume), `PAUSED`, `SUCCESS`, `ERROR`, `CANCELLED`.
    state: Option<State>,
    state_info: Option<String>,
    description: Option<String>,
    /// `{"env": {...}}`.
    params: Option<Value>,
}

/// A task execution.
#[derive(ToSchema)]
pub struct Task {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    /// `ACTION` or `WORKFLOW`.
    #[serde(rename = "type")]
    kind: String,
    workflow_name: String,
    workflow_namespace: String,
    workflow_id: String,
    workflow_execution_id: String,
    tags: Vec<String>,
    state: State,
    state_info: Option<String>,
    project_id: String,
    /// JSON text (with-items progress, retries, triggers).
    runtime_context: Option<String>,
    /// JSON text; only in `GET /v2/tasks/{id}` or when asked in `fields`.
    result: Option<String>,
    /// JSON text.
    published: Option<String>,
    processed: bool,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
    started_at: Option<String>,
    finished_at: Option<String>,
}

/// A page of tasks.
#[derive(ToSchema)]
pub struct Tasks {
    tasks: Vec<Task>,
    next: Option<String>,
}

/// `PUT /v2/tasks/{id}`: `{"state": "RUNNING", "reset": bool, "env"?}`
/// reruns a failed task; `{"state": "SKIPPED"}` skips it.
#[derive(ToSchema)]
pub struct TaskUpdate {
    state: State,
    /// For a with-items task: rerun every item (`true`) or only the failed.
    reset: Option<bool>,
    env: Option<Value>,
}

/// An action execution.
#[derive(ToSchema)]
pub struct ActionExecution {
    #[schema(format = Uuid)]
    id: String,
    workflow_name: Option<String>,
    workflow_namespace: Option<String>,
    task_execution_id: Option<String>,
    state: State,
    state_info: Option<String>,
    tags: Option<Vec<String>>,
    name: String,
    description: String,
    project_id: String,
    accepted: bool,
    /// JSON text.
    input: Option<String>,
    /// JSON text `{"result": ...}`; only when asked (`include_output`,
    /// `fields`, or a single `GET`), `null` until the action is done.
    output: Option<String>,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
}

/// A page of action executions.
#[derive(ToSchema)]
pub struct ActionExecutions {
    action_executions: Vec<ActionExecution>,
    next: Option<String>,
}

/// `POST /v2/action_executions`: run an action outside any workflow.
#[derive(ToSchema)]
pub struct ActionExecutionCreate {
    #[schema(example = "std.echo")]
    name: String,
    /// An object, or its JSON text.
    input: Option<Value>,
    description: Option<String>,
    workflow_namespace: Option<String>,
    /// `{"run_sync", "save_result", "target", "timeout"}`.
    params: Option<Value>,
}

/// `PUT /v2/action_executions/{id}`: completes an asynchronous action.
#[derive(ToSchema)]
pub struct ActionExecutionUpdate {
    /// `SUCCESS`, `ERROR` or `CANCELLED`.
    state: State,
    /// The result (any JSON, or its JSON text).
    output: Option<Value>,
}

/// An action: a system action (`std.*`) or an ad-hoc one.
#[derive(ToSchema)]
pub struct Action {
    /// The name of a system action; the UUID of an ad-hoc one.
    id: String,
    name: String,
    is_system: bool,
    /// The input parameters as text, e.g. `output, delay=0`.
    input: String,
    description: Option<String>,
    tags: Option<Vec<String>>,
    /// The YAML text of an ad-hoc action; `""` for a system one.
    definition: String,
    scope: Option<String>,
    project_id: Option<String>,
    created_at: String,
    updated_at: Option<String>,
    namespace: String,
}

/// A page of actions.
#[derive(ToSchema)]
pub struct Actions {
    actions: Vec<Action>,
    next: Option<String>,
}

/// A workbook.
#[derive(ToSchema)]
pub struct Workbook {
    id: String,
    name: String,
    namespace: String,
    /// The YAML text as uploaded.
    definition: String,
    tags: Vec<String>,
    scope: String,
    project_id: String,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
}

/// A page of workbooks.
#[derive(ToSchema)]
pub struct Workbooks {
    workbooks: Vec<Workbook>,
    next: Option<String>,
}

/// An environment: variables a workflow reads as `env()`.
#[derive(ToSchema)]
pub struct Environment {
    id: String,
    name: String,
    description: Option<String>,
    /// JSON text.
    variables: Option<String>,
    scope: String,
    project_id: String,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
}

/// A page of environments.
#[derive(ToSchema)]
pub struct Environments {
    environments: Vec<Environment>,
    next: Option<String>,
}

/// `POST`/`PUT /v2/environments`.
#[derive(ToSchema)]
pub struct EnvironmentWrite {
    name: String,
    description: Option<String>,
    /// An object, or its JSON text.
    variables: Option<Value>,
    /// `private` (default) or `public` (administrators only).
    scope: Option<String>,
}

/// A cron trigger: starts a workflow on a schedule.
#[derive(ToSchema)]
pub struct CronTrigger {
    id: String,
    name: String,
    workflow_name: String,
    workflow_id: String,
    /// JSON text.
    workflow_input: Option<String>,
    /// JSON text.
    workflow_params: Option<String>,
    project_id: String,
    scope: String,
    /// Five-field cron pattern, e.g. `*/5 * * * *`.
    pattern: Option<String>,
    remaining_executions: Option<i64>,
    first_execution_time: Option<String>,
    next_execution_time: String,
    #[schema(example = "2026-12-05 07:30:00")]
    created_at: String,
    updated_at: Option<String>,
    /// A bora extension: the pattern's time zone, when one was given.
    timezone: Option<String>,
    /// A bora extension: what to do with runs missed while down.
    catch_up: Option<String>,
}

/// A page of cron triggers.
#[derive(ToSchema)]
pub struct CronTriggers {
    cron_triggers: Vec<CronTrigger>,
    next: Option<String>,
}

/// `POST /v2/cron_triggers`.
#[derive(ToSchema)]
pub struct CronTriggerCreate {
    name: String,
    /// The workflow by name (or give `workflow_id`).
    workflow_name: Option<String>,
    workflow_id: Option<String>,
    /// An object, or its JSON text.
    workflow_input: Option<Value>,
    /// An object, or its JSON text.
    workflow_params: Option<Value>,
    pattern: Option<String>,
    /// `YYYY-MM-DD HH:MM` (UTC).
    first_execution_time: Option<String>,
    /// An integer (or a string of one), at least 1.
    remaining_executions: Option<Value>,
    scope: Option<String>,
    timezone: Option<String>,
    catch_up: Option<String>,
}

/// The answer of every `.../validate`: always 200.
#[derive(ToSchema)]
pub struct Validation {
    valid: bool,
    /// What is wrong, when `valid` is false.
    error: Option<String>,
}

/// `GET /v2/executions/{id}/executions`, `GET /v2/tasks/{id}/executions`:
/// the executions of a tree, as a list without paging.
#[derive(ToSchema)]
pub struct SubExecutions {
    executions: Vec<Execution>,
}

/// `GET /v2/executions/{id}/report`: task statistics and (unless
/// `statistics_only`) the execution tree.
#[derive(ToSchema)]
pub struct Report {
    statistics: ReportStatistics,
    root_workflow_execution: Option<ReportExecution>,
}

/// Task counts by state, and the expected run time.
#[derive(ToSchema)]
pub struct ReportStatistics {
    total_tasks_count: u64,
    running_tasks_count: u64,
    success_tasks_count: u64,
    error_tasks_count: u64,
    idle_tasks_count: u64,
    paused_tasks_count: u64,
    /// Seconds, from earlier successful runs of the workflow; `null`
    /// without any.
    estimated_time: Option<f64>,
}

/// A workflow execution in a report.
#[derive(ToSchema)]
pub struct ReportExecution {
    id: String,
    name: String,
    created_at: String,
    updated_at: Option<String>,
    state: State,
    state_info: Option<String>,
    /// Left out below `max_depth`.
    task_executions: Option<Vec<ReportTask>>,
}

/// A task execution in a report.
#[derive(ToSchema)]
pub struct ReportTask {
    id: String,
    name: String,
    created_at: String,
    updated_at: Option<String>,
    state: State,
    state_info: Option<String>,
    action_executions: Vec<ReportAction>,
    #[schema(no_recursion)]
    workflow_executions: Vec<ReportExecution>,
    /// Retries so far, for a task with a retry policy.
    retry_count: Option<u64>,
}

/// An action execution in a report.
#[derive(ToSchema)]
pub struct ReportAction {
    id: String,
    name: String,
    created_at: String,
    updated_at: Option<String>,
    state: State,
    state_info: Option<String>,
    accepted: bool,
    /// Always `null`.
    last_heartbeat: Option<String>,
}

/// `GET /v2`: Mistral's version 2 document.
#[derive(ToSchema)]
pub struct V2Root {
    uri: String,
}

/// Free-form JSON objects (the diagnosis).
#[derive(ToSchema)]
pub struct Object(serde_json::Map<String, Value>);
