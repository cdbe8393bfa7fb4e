//! The records the store keeps, in domain types, each declared once: its
//! fields are its table's columns (`schema`), read with the derived
//! `Queryable`/`Selectable` and written with the derived `Insertable`,
//! through the typed mappings of `sql`. The diesel schema stays private to
//! `store`; these are what everyone else sees.

use diesel::prelude::*;
use serde_json::Value;

use super::schema::{
    action_definitions, action_executions, cron_triggers, environments, task_executions, workbooks,
    workflow_definitions, workflow_executions, workflow_versions,
};
use super::sql::{JsonText, MaybeTimeText, TimeText};

use crate::domain::{
    ActionExecutionId, ExecutionId, Scope, State, TaskExecutionId, Timestamp, WorkflowId,
};

/// A stored workflow definition.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = workflow_definitions, treat_none_as_default_value = false)]
pub struct WorkflowDef {
    pub id: WorkflowId,
    pub name: String,
    pub namespace: String,
    /// This workflow's YAML text.
    pub definition: String,
    /// The validated spec's JSON text (`lang::WorkflowSpec`), written once
    /// as the upload made it.
    pub spec: String,
    /// Mistral's human input string: `a, b="x"`.
    pub input: String,
    /// `{"input": [...], "output": [...]}`.
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub interface: Value,
    /// md5 of `definition`.
    pub checksum: String,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub tags: Vec<String>,
    pub scope: Scope,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

/// A stored environment: named variables an execution can use as its env.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = environments, treat_none_as_default_value = false)]
pub struct EnvironmentRecord {
    pub id: String,
    pub name: String,
    /// As given: null or any text, `""` included.
    pub description: Option<String>,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub variables: Value,
    pub scope: Scope,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

/// A cron trigger: starts `workflow_id` with `workflow_input` and
/// `workflow_params` at each time `pattern` names, from
/// `next_execution_time` on.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = cron_triggers, treat_none_as_default_value = false)]
pub struct CronTriggerRecord {
    pub id: String,
    pub name: String,
    /// A 5-field cron pattern (Mistral's "never" `0 0 30 2 0` for a
    /// one-shot trigger).
    pub pattern: String,
    pub first_execution_time: Option<Timestamp>,
    /// UTC; the claim a firing advances.
    pub next_execution_time: Timestamp,
    /// None: unlimited.
    pub remaining_executions: Option<i32>,
    pub workflow_name: String,
    pub workflow_id: String,
    pub workflow_namespace: String,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub workflow_input: Value,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub workflow_params: Value,
    /// Extension: the IANA zone `pattern` is read in (None: UTC).
    pub timezone: Option<String>,
    /// Extension: what a firing does about times missed while no engine
    /// ran (None: Mistral's, one firing for all of them).
    pub catch_up: Option<String>,
    pub scope: Scope,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

/// A firing's claim on a trigger: applied only if the row still holds
/// `claimed` as its next execution time, else the whole batch fails.
#[derive(Clone, Debug, PartialEq)]
pub struct CronAdvance {
    pub id: String,
    pub claimed: Timestamp,
    /// The new next execution time, or None to delete the trigger (its
    /// last execution).
    pub next: Option<Timestamp>,
    pub remaining: Option<i32>,
    pub at: Timestamp,
}

/// A stored ad-hoc action definition.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_definitions, treat_none_as_default_value = false)]
pub struct ActionDef {
    pub id: String,
    pub name: String,
    pub namespace: String,
    /// The uploaded YAML text (the whole action list, or the action's part
    /// of its workbook).
    pub definition: String,
    /// The validated spec as JSON (`lang::ActionSpec`).
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub spec: Value,
    /// Mistral's human input string: `a, b="x"`.
    pub input: String,
    pub description: Option<String>,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub tags: Vec<String>,
    pub scope: Scope,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

/// A stored workbook. Its workflows and actions are stored on their own as
/// `<name>.<member>`; its spec (`lang::WorkbookSpec`) lists them.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = workbooks, treat_none_as_default_value = false)]
pub struct WorkbookRecord {
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub definition: String,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub spec: Value,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub tags: Vec<String>,
    pub scope: Scope,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

/// A workflow execution.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = workflow_executions, treat_none_as_default_value = false)]
pub struct ExecutionRecord {
    pub id: ExecutionId,
    pub workflow_id: WorkflowId,
    pub workflow_name: String,
    pub workflow_namespace: String,
    /// As the start gave it: `None` for `description: null`.
    pub description: Option<String>,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub tags: Vec<String>,
    /// The workflow version this execution runs: the id of its spec in
    /// `workflow_versions` (the spec as it was when the execution started).
    pub spec_id: String,
    /// Start params: `env`, `task_name`, `namespace`, ...
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub params: Value,
    /// The parent task, for a sub-workflow.
    pub task_execution_id: Option<TaskExecutionId>,
    pub root_execution_id: Option<ExecutionId>,
    pub source_execution_id: Option<ExecutionId>,
    pub state: State,
    pub state_info: Option<String>,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub input: Value,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub output: Value,
    /// The workflow (global) context: vars, published globals, `__execution`.
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub context: Value,
    pub project_id: String,
    #[diesel(serialize_as = TimeText)]
    pub created_at: Timestamp,
    #[diesel(serialize_as = MaybeTimeText)]
    pub updated_at: Option<Timestamp>,
}

/// An execution as a list page shows it: `record` without `context` and
/// with `params`, `input` and `output` left null; those come as the JSON
/// text stored, since a page shows them as text. `output` is `None` when
/// it was not read.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionSummary {
    pub record: ExecutionRecord,
    pub params: String,
    pub input: String,
    pub output: Option<String>,
}

impl ExecutionSummary {
    /// The record with its JSON columns parsed (`context` stays null).
    pub fn into_record(self) -> Result<ExecutionRecord, super::Error> {
        let parse = |text: &str| {
            serde_json::from_str::<Value>(text).map_err(|e| {
                super::Error::Database(format!("execution {} unreadable: {e}", self.record.id))
            })
        };
        let params = parse(&self.params)?;
        let input = parse(&self.input)?;
        let output = self.output.as_deref().map_or(Ok(Value::Null), parse)?;
        Ok(ExecutionRecord {
            params,
            input,
            output,
            ..self.record
        })
    }
}

/// A workflow version: a spec (`lang::WorkflowSpec` as JSON text) stored
/// once, keyed by [`version_id`] of its text, and named by every execution
/// that runs it.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = workflow_versions, treat_none_as_default_value = false)]
pub struct WorkflowVersion {
    pub id: String,
    /// The spec's JSON text, as hashed.
    pub spec: String,
    pub created_at: Timestamp,
}

impl WorkflowVersion {
    /// The version of the spec whose JSON text is `spec`.
    pub fn of(spec: String) -> Self {
        Self {
            id: version_id(&spec),
            spec,
            created_at: crate::domain::now(),
        }
    }
}

/// The id of a workflow version: the sha256 (lower-case hex) of its spec's
/// JSON text.
pub fn version_id(spec: &str) -> String {
    use sha2::Digest;
    let digest: [u8; 32] = sha2::Sha256::digest(spec.as_bytes()).into();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A task execution.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = task_executions, treat_none_as_default_value = false)]
pub struct TaskRecord {
    pub id: TaskExecutionId,
    pub name: String,
    pub execution_id: ExecutionId,
    pub workflow_name: String,
    pub workflow_namespace: String,
    pub workflow_id: WorkflowId,
    /// `ACTION` or `WORKFLOW`.
    pub kind: crate::domain::TaskKind,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub tags: Vec<String>,
    pub state: State,
    pub state_info: Option<String>,
    /// Mistral's runtime context: `triggered_by`, `retry_task_policy`, `with_items`, ...
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub runtime_context: Value,
    /// The inbound (branch) context the task started with.
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub in_context: Value,
    /// Branch-published variables.
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub published: Value,
    /// The task result (action result, list for with-items, sub-workflow output).
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub result: Value,
    /// True once the engine has processed the task's completion (transitions fired).
    pub processed: bool,
    /// True when an `on-error` transition fired for this task.
    pub error_handled: bool,
    pub project_id: String,
    #[diesel(serialize_as = TimeText)]
    pub created_at: Timestamp,
    #[diesel(serialize_as = MaybeTimeText)]
    pub updated_at: Option<Timestamp>,
    #[diesel(serialize_as = MaybeTimeText)]
    pub started_at: Option<Timestamp>,
    #[diesel(serialize_as = MaybeTimeText)]
    pub finished_at: Option<Timestamp>,
}

/// An action execution: one run of an action for a task (or a standalone run).
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_executions, treat_none_as_default_value = false)]
pub struct ActionExecutionRecord {
    pub id: ActionExecutionId,
    /// The action name (`std.echo`).
    pub name: String,
    pub task_execution_id: Option<TaskExecutionId>,
    pub execution_id: Option<ExecutionId>,
    pub workflow_name: Option<String>,
    pub workflow_namespace: Option<String>,
    pub task_name: Option<String>,
    pub description: String,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub tags: Vec<String>,
    pub state: State,
    pub state_info: Option<String>,
    pub accepted: bool,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub input: Value,
    /// `{"result": ...}` once complete.
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub output: Value,
    #[diesel(serialize_as = JsonText, deserialize_as = JsonText)]
    pub params: Value,
    /// The current dispatch attempt (fencing token).
    #[diesel(serialize_as = i64, deserialize_as = i64)]
    pub attempt: u32,
    /// The index of this run in its task's with-items, when there is one.
    pub item_index: Option<i32>,
    pub project_id: String,
    #[diesel(serialize_as = TimeText)]
    pub created_at: Timestamp,
    #[diesel(serialize_as = MaybeTimeText)]
    pub updated_at: Option<Timestamp>,
}

/// A record shared between the engine's memory and the batch being
/// committed: handing it to a batch copies a pointer, and changing it while
/// a batch still holds it copies the record first (copy on write), so a
/// batch always holds what was handed in.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared<T: Clone>(std::sync::Arc<T>);

impl<T: Clone> From<T> for Shared<T> {
    fn from(t: T) -> Self {
        Self(std::sync::Arc::new(t))
    }
}

impl<T: Clone> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> std::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

impl<T: Clone> std::borrow::Borrow<T> for Shared<T> {
    fn borrow(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> Shared<T> {
    /// Whether both are one allocation: neither was changed since one was
    /// copied from the other.
    pub fn same(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Whether a record in a batch is new or replaces the stored one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    Insert,
    Update,
}

/// All the changes of one group commit, applied in one transaction in this
/// order: workflows, executions, tasks, action executions, then deletions;
/// action definitions and workbooks are deleted before they are written.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub workflows: Vec<(Write, WorkflowDef)>,
    pub deleted_workflows: Vec<WorkflowId>,
    /// Versions new executions name, written before them (a version
    /// already stored is left as it is).
    pub versions: Vec<WorkflowVersion>,
    pub executions: Vec<(Write, ExecutionRecord)>,
    pub tasks: Vec<(Write, TaskRecord)>,
    pub action_executions: Vec<(Write, Shared<ActionExecutionRecord>)>,
    /// Deleted with their tasks and action executions; then every
    /// version no execution names any more is deleted too.
    pub deleted_executions: Vec<ExecutionId>,
    pub environments: Vec<(Write, EnvironmentRecord)>,
    /// Environment ids.
    pub deleted_environments: Vec<String>,
    /// Standalone action executions deleted through the API.
    pub deleted_action_executions: Vec<ActionExecutionId>,
    /// Action executions whose only change is their confirmation: set to
    /// RUNNING at `confirmed_at` with a narrow update, after the rest.
    pub confirmed: Vec<ActionExecutionId>,
    pub confirmed_at: Option<Timestamp>,
    pub action_definitions: Vec<(Write, ActionDef)>,
    /// Action definition ids.
    pub deleted_action_definitions: Vec<String>,
    pub workbooks: Vec<(Write, WorkbookRecord)>,
    /// Workbook ids.
    pub deleted_workbooks: Vec<String>,
    /// New cron triggers.
    pub cron_triggers: Vec<(Write, CronTriggerRecord)>,
    /// Cron trigger ids.
    pub deleted_cron_triggers: Vec<String>,
    /// Firings' claims, checked and applied after the rest.
    pub cron_advances: Vec<CronAdvance>,
    /// Notification events for the outbox, in the order they happened.
    pub notifications: Vec<NewNotification>,
    /// Outbox rows delivered or given up.
    pub notifications_done: Vec<i64>,
}

impl Batch {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.workflows.is_empty()
            && self.deleted_workflows.is_empty()
            && self.versions.is_empty()
            && self.executions.is_empty()
            && self.tasks.is_empty()
            && self.action_executions.is_empty()
            && self.deleted_executions.is_empty()
            && self.environments.is_empty()
            && self.deleted_environments.is_empty()
            && self.deleted_action_executions.is_empty()
            && self.confirmed.is_empty()
            && self.action_definitions.is_empty()
            && self.deleted_action_definitions.is_empty()
            && self.workbooks.is_empty()
            && self.deleted_workbooks.is_empty()
            && self.cron_triggers.is_empty()
            && self.deleted_cron_triggers.is_empty()
            && self.cron_advances.is_empty()
            && self.notifications.is_empty()
            && self.notifications_done.is_empty()
    }
}

/// A notification event for the outbox: the POST of `body` to `url`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewNotification {
    /// The delivery lane's execution (the root of the execution tree):
    /// one lane per execution and URL is delivered in order.
    pub execution_id: String,
    pub url: String,
    /// The request headers, a JSON object of strings.
    pub headers: String,
    /// The JSON body.
    pub body: String,
    pub created_at: Timestamp,
}

/// An outbox row.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// Increasing in insertion order, never reused.
    pub id: i64,
    pub execution_id: String,
    pub url: String,
    pub headers: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// Everything not yet finished, loaded at start for recovery.
#[derive(Clone, Debug, Default)]
pub struct ActiveSet {
    /// Executions in IDLE, RUNNING or PAUSED.
    pub executions: Vec<ExecutionRecord>,
    /// All task executions of those executions.
    pub tasks: Vec<TaskRecord>,
    /// All action executions of those tasks.
    pub action_executions: Vec<ActionExecutionRecord>,
    /// Standalone action executions (no task) in IDLE or RUNNING.
    pub standalone: Vec<ActionExecutionRecord>,
    /// The versions those executions run, each once.
    pub versions: Vec<WorkflowVersion>,
}

/// Sort direction of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

/// A filter operator, Mistral's `op:value` syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Nin,
    Has,
    /// The field is NULL (the executions list's `nulls=`); its text in a
    /// `next` link is Mistral's, `eq:None`.
    IsNull,
}

impl FilterOp {
    /// Mistral's name of the operator (`filter_utils`): `eq`, `in`, ...
    pub fn name(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Neq => "neq",
            FilterOp::Gt => "gt",
            FilterOp::Gte => "gte",
            FilterOp::Lt => "lt",
            FilterOp::Lte => "lte",
            FilterOp::In => "in",
            FilterOp::Nin => "nin",
            FilterOp::Has => "has",
            FilterOp::IsNull => "eq",
        }
    }
}

/// One filter on a named field (the API field name, e.g. `workflow_name`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub field: String,
    pub op: FilterOp,
    /// One value, or several for `in`/`nin`.
    pub values: Vec<String>,
}

/// A list the store answers. Its fields (API names) are declared once, in
/// the store, with their columns and kinds; [`Listing::fields`] lets the
/// API check its own list of filters and sort keys against them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Workflows,
    ActionDefinitions,
    Workbooks,
    Environments,
    CronTriggers,
    Executions,
    Tasks,
    ActionExecutions,
}

impl Listing {
    /// The API names of the fields this list filters and sorts on.
    pub fn fields(self) -> impl Iterator<Item = &'static str> {
        super::query::fields_of(self).iter().map(|f| f.api)
    }
}

/// Paging, sorting and filtering of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// The id of the last record of the previous page: the list starts
    /// after it in the sort order. An unknown id is `Error::BadQuery`.
    pub marker: Option<String>,
    /// At most this many records; 0 means no limit.
    pub limit: usize,
    /// `(field, direction)`; the id is always the final tie-breaker. NULLs
    /// sort as if larger than any value (last ascending, first descending).
    pub sort: Vec<(String, SortDir)>,
    pub filters: Vec<Filter>,
    /// Whose records the list sees; the default sees nothing.
    pub access: Access,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            marker: None,
            limit: 1000,
            sort: vec![("created_at".into(), SortDir::Asc)],
            filters: Vec::new(),
            access: Access::Nobody,
        }
    }
}

/// The project a caller reads as. Every read of the API names one, so a
/// read nobody scoped fails closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Access {
    /// No record at all.
    #[default]
    Nobody,
    /// The records of this project, and the `scope: public` records of the
    /// tables that share them (workflow definitions, environments).
    Project(String),
    /// Every project: an admin's `all_projects=true`, and the engine.
    All,
}

impl Access {
    /// Whether a record owned by `project` (public when `public`) is visible.
    pub fn sees(&self, project: &str, public: bool) -> bool {
        match self {
            Access::Nobody => false,
            Access::Project(p) => p == project || public,
            Access::All => true,
        }
    }
}

/// A record that belongs to a project.
pub trait Owned {
    /// The owner's project id.
    fn project_id(&self) -> &str;
    /// Whether other projects may read it (`scope: public`).
    fn public(&self) -> bool {
        false
    }
}

/// Implements [`Owned`] for a record: `owned!(T)` for a private one,
/// `owned!(T, scope)` for one whose `scope` field may be `public`.
macro_rules! owned {
    ($t:ty) => {
        impl Owned for $t {
            fn project_id(&self) -> &str {
                &self.project_id
            }
        }
    };
    ($t:ty, scope) => {
        impl Owned for $t {
            fn project_id(&self) -> &str {
                &self.project_id
            }
            fn public(&self) -> bool {
                self.scope == Scope::Public
            }
        }
    };
}

owned!(WorkflowDef, scope);
owned!(EnvironmentRecord, scope);
owned!(ExecutionRecord);
owned!(TaskRecord);
owned!(ActionExecutionRecord);
owned!(ActionDef, scope);
owned!(WorkbookRecord, scope);
owned!(CronTriggerRecord, scope);
