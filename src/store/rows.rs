//! Row structs of the four tables and their conversions to and from the
//! domain records of `model`. Private to `store`: JSON values and tag lists
//! become text here and nowhere else, so every writer serializes them alike.

use std::str::FromStr;

use diesel::prelude::*;
use serde_json::Value;

use super::Error;
use super::model::{
    ActionDef, ActionExecutionRecord, EnvironmentRecord, ExecutionRecord, TaskRecord,
    WorkbookRecord, WorkflowDef,
};
use super::schema::{
    action_definitions, action_executions, environments, task_executions, workbooks,
    workflow_definitions, workflow_executions,
};
use crate::domain::{State, Timestamp};

/// Serializes a JSON value for a text column.
pub(super) fn json_text(v: &Value) -> String {
    // Serializing a `Value` cannot fail (its keys are strings).
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

/// Serializes a tag list for a text column.
pub(super) fn tags_text(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_string())
}

pub(super) fn json_value(table: &str, id: &str, column: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::Database(format!("{table} {id}: bad JSON in {column}: {e}")))
}

fn tags_value(table: &str, id: &str, text: &str) -> Result<Vec<String>, Error> {
    serde_json::from_str(text).map_err(|e| Error::Database(format!("{table} {id}: bad tags: {e}")))
}

fn parse_id<T: FromStr>(table: &str, id: &str, column: &str, text: &str) -> Result<T, Error> {
    text.parse()
        .map_err(|_| Error::Database(format!("{table} {id}: bad uuid in {column}: '{text}'")))
}

fn parse_opt_id<T: FromStr>(
    table: &str,
    id: &str,
    column: &str,
    text: &Option<String>,
) -> Result<Option<T>, Error> {
    text.as_deref()
        .map(|t| parse_id(table, id, column, t))
        .transpose()
}

fn parse_state(table: &str, id: &str, text: &str) -> Result<State, Error> {
    text.parse()
        .map_err(|_| Error::Database(format!("{table} {id}: unknown state '{text}'")))
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = workflow_definitions)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct WorkflowRow {
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub definition: String,
    pub spec: String,
    pub input: String,
    pub interface: String,
    pub checksum: String,
    pub tags: String,
    pub scope: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl From<&WorkflowDef> for WorkflowRow {
    fn from(w: &WorkflowDef) -> Self {
        Self {
            id: w.id.to_string(),
            name: w.name.clone(),
            namespace: w.namespace.clone(),
            definition: w.definition.clone(),
            spec: json_text(&w.spec),
            input: w.input.clone(),
            interface: json_text(&w.interface),
            checksum: w.checksum.clone(),
            tags: tags_text(&w.tags),
            scope: w.scope.clone(),
            project_id: w.project_id.clone(),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

impl TryFrom<WorkflowRow> for WorkflowDef {
    type Error = Error;
    fn try_from(r: WorkflowRow) -> Result<Self, Error> {
        const T: &str = "workflow";
        Ok(Self {
            id: parse_id(T, &r.id, "id", &r.id)?,
            spec: json_value(T, &r.id, "spec", &r.spec)?,
            interface: json_value(T, &r.id, "interface", &r.interface)?,
            tags: tags_value(T, &r.id, &r.tags)?,
            name: r.name,
            namespace: r.namespace,
            definition: r.definition,
            input: r.input,
            checksum: r.checksum,
            scope: r.scope,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = workflow_executions)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct ExecutionRow {
    pub id: String,
    pub workflow_id: String,
    pub workflow_name: String,
    pub workflow_namespace: String,
    pub description: String,
    pub tags: String,
    pub spec: String,
    pub params: String,
    pub task_execution_id: Option<String>,
    pub root_execution_id: Option<String>,
    pub source_execution_id: Option<String>,
    pub state: String,
    pub state_info: Option<String>,
    pub input: String,
    pub output: String,
    pub context: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

/// An execution as lists read it: without the two columns that grow with
/// the workflow (`spec`) and its data (`context`), which no list renders.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = workflow_executions)]
pub(super) struct ExecutionListRow {
    pub id: String,
    pub workflow_id: String,
    pub workflow_name: String,
    pub workflow_namespace: String,
    pub description: String,
    pub tags: String,
    pub params: String,
    pub task_execution_id: Option<String>,
    pub root_execution_id: Option<String>,
    pub source_execution_id: Option<String>,
    pub state: String,
    pub state_info: Option<String>,
    pub input: String,
    pub output: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl TryFrom<ExecutionListRow> for ExecutionRecord {
    type Error = Error;
    fn try_from(r: ExecutionListRow) -> Result<Self, Error> {
        ExecutionRecord::try_from(ExecutionRow {
            id: r.id,
            workflow_id: r.workflow_id,
            workflow_name: r.workflow_name,
            workflow_namespace: r.workflow_namespace,
            description: r.description,
            tags: r.tags,
            spec: "null".into(),
            params: r.params,
            task_execution_id: r.task_execution_id,
            root_execution_id: r.root_execution_id,
            source_execution_id: r.source_execution_id,
            state: r.state,
            state_info: r.state_info,
            input: r.input,
            output: r.output,
            context: "null".into(),
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl From<&ExecutionRecord> for ExecutionRow {
    fn from(e: &ExecutionRecord) -> Self {
        Self {
            id: e.id.to_string(),
            workflow_id: e.workflow_id.to_string(),
            workflow_name: e.workflow_name.clone(),
            workflow_namespace: e.workflow_namespace.clone(),
            description: e.description.clone(),
            tags: tags_text(&e.tags),
            spec: json_text(&e.spec),
            params: json_text(&e.params),
            task_execution_id: e.task_execution_id.map(|i| i.to_string()),
            root_execution_id: e.root_execution_id.map(|i| i.to_string()),
            source_execution_id: e.source_execution_id.map(|i| i.to_string()),
            state: e.state.as_str().to_string(),
            state_info: e.state_info.clone(),
            input: json_text(&e.input),
            output: json_text(&e.output),
            context: json_text(&e.context),
            project_id: e.project_id.clone(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

impl TryFrom<ExecutionRow> for ExecutionRecord {
    type Error = Error;
    fn try_from(r: ExecutionRow) -> Result<Self, Error> {
        const T: &str = "execution";
        let id = &r.id;
        Ok(Self {
            id: parse_id(T, id, "id", id)?,
            workflow_id: parse_id(T, id, "workflow_id", &r.workflow_id)?,
            tags: tags_value(T, id, &r.tags)?,
            spec: json_value(T, id, "spec", &r.spec)?,
            params: json_value(T, id, "params", &r.params)?,
            task_execution_id: parse_opt_id(T, id, "task_execution_id", &r.task_execution_id)?,
            root_execution_id: parse_opt_id(T, id, "root_execution_id", &r.root_execution_id)?,
            source_execution_id: parse_opt_id(
                T,
                id,
                "source_execution_id",
                &r.source_execution_id,
            )?,
            state: parse_state(T, id, &r.state)?,
            input: json_value(T, id, "input", &r.input)?,
            output: json_value(T, id, "output", &r.output)?,
            context: json_value(T, id, "context", &r.context)?,
            workflow_name: r.workflow_name,
            workflow_namespace: r.workflow_namespace,
            description: r.description,
            state_info: r.state_info,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = task_executions)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct TaskRow {
    pub id: String,
    pub name: String,
    pub execution_id: String,
    pub workflow_name: String,
    pub workflow_namespace: String,
    pub workflow_id: String,
    pub kind: String,
    pub tags: String,
    pub state: String,
    pub state_info: Option<String>,
    pub runtime_context: String,
    pub in_context: String,
    pub published: String,
    pub result: String,
    pub processed: bool,
    pub error_handled: bool,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// A task as lists read it: without `in_context` (the data that flowed
/// into the task, as big as the workflow's), which no list renders.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = task_executions)]
pub(super) struct TaskListRow {
    pub id: String,
    pub name: String,
    pub execution_id: String,
    pub workflow_name: String,
    pub workflow_namespace: String,
    pub workflow_id: String,
    pub kind: String,
    pub tags: String,
    pub state: String,
    pub state_info: Option<String>,
    pub runtime_context: String,
    pub published: String,
    pub result: String,
    pub processed: bool,
    pub error_handled: bool,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

impl TryFrom<TaskListRow> for TaskRecord {
    type Error = Error;
    fn try_from(r: TaskListRow) -> Result<Self, Error> {
        TaskRecord::try_from(TaskRow {
            id: r.id,
            name: r.name,
            execution_id: r.execution_id,
            workflow_name: r.workflow_name,
            workflow_namespace: r.workflow_namespace,
            workflow_id: r.workflow_id,
            kind: r.kind,
            tags: r.tags,
            state: r.state,
            state_info: r.state_info,
            runtime_context: r.runtime_context,
            in_context: "null".into(),
            published: r.published,
            result: r.result,
            processed: r.processed,
            error_handled: r.error_handled,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

impl From<&TaskRecord> for TaskRow {
    fn from(t: &TaskRecord) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            execution_id: t.execution_id.to_string(),
            workflow_name: t.workflow_name.clone(),
            workflow_namespace: t.workflow_namespace.clone(),
            workflow_id: t.workflow_id.to_string(),
            kind: t.kind.as_str().to_string(),
            tags: tags_text(&t.tags),
            state: t.state.as_str().to_string(),
            state_info: t.state_info.clone(),
            runtime_context: json_text(&t.runtime_context),
            in_context: json_text(&t.in_context),
            published: json_text(&t.published),
            result: json_text(&t.result),
            processed: t.processed,
            error_handled: t.error_handled,
            project_id: t.project_id.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
        }
    }
}

impl TryFrom<TaskRow> for TaskRecord {
    type Error = Error;
    fn try_from(r: TaskRow) -> Result<Self, Error> {
        const T: &str = "task";
        let id = &r.id;
        Ok(Self {
            id: parse_id(T, id, "id", id)?,
            execution_id: parse_id(T, id, "execution_id", &r.execution_id)?,
            workflow_id: parse_id(T, id, "workflow_id", &r.workflow_id)?,
            tags: tags_value(T, id, &r.tags)?,
            state: parse_state(T, id, &r.state)?,
            runtime_context: json_value(T, id, "runtime_context", &r.runtime_context)?,
            in_context: json_value(T, id, "in_context", &r.in_context)?,
            published: json_value(T, id, "published", &r.published)?,
            result: json_value(T, id, "result", &r.result)?,
            name: r.name,
            workflow_name: r.workflow_name,
            workflow_namespace: r.workflow_namespace,
            kind: r
                .kind
                .parse()
                .map_err(|e| Error::Database(format!("{T} {id}: {e}")))?,
            state_info: r.state_info,
            processed: r.processed,
            error_handled: r.error_handled,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = action_executions)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct ActionExecutionRow {
    pub id: String,
    pub name: String,
    pub task_execution_id: Option<String>,
    pub execution_id: Option<String>,
    pub workflow_name: Option<String>,
    pub workflow_namespace: Option<String>,
    pub task_name: Option<String>,
    pub description: String,
    pub tags: String,
    pub state: String,
    pub state_info: Option<String>,
    pub accepted: bool,
    pub input: String,
    pub output: String,
    pub params: String,
    pub attempt: i64,
    pub item_index: Option<i32>,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl From<&ActionExecutionRecord> for ActionExecutionRow {
    fn from(a: &ActionExecutionRecord) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name.clone(),
            task_execution_id: a.task_execution_id.map(|i| i.to_string()),
            execution_id: a.execution_id.map(|i| i.to_string()),
            workflow_name: a.workflow_name.clone(),
            workflow_namespace: a.workflow_namespace.clone(),
            task_name: a.task_name.clone(),
            description: a.description.clone(),
            tags: tags_text(&a.tags),
            state: a.state.as_str().to_string(),
            state_info: a.state_info.clone(),
            accepted: a.accepted,
            input: json_text(&a.input),
            output: json_text(&a.output),
            params: json_text(&a.params),
            attempt: i64::from(a.attempt),
            item_index: a.item_index,
            project_id: a.project_id.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl TryFrom<ActionExecutionRow> for ActionExecutionRecord {
    type Error = Error;
    fn try_from(r: ActionExecutionRow) -> Result<Self, Error> {
        const T: &str = "action execution";
        let id = &r.id;
        Ok(Self {
            id: parse_id(T, id, "id", id)?,
            task_execution_id: parse_opt_id(T, id, "task_execution_id", &r.task_execution_id)?,
            execution_id: parse_opt_id(T, id, "execution_id", &r.execution_id)?,
            tags: tags_value(T, id, &r.tags)?,
            state: parse_state(T, id, &r.state)?,
            input: json_value(T, id, "input", &r.input)?,
            output: json_value(T, id, "output", &r.output)?,
            params: json_value(T, id, "params", &r.params)?,
            attempt: u32::try_from(r.attempt)
                .map_err(|_| Error::Database(format!("{T} {id}: bad attempt {}", r.attempt)))?,
            name: r.name,
            workflow_name: r.workflow_name,
            workflow_namespace: r.workflow_namespace,
            task_name: r.task_name,
            description: r.description,
            state_info: r.state_info,
            accepted: r.accepted,
            item_index: r.item_index,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = environments)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct EnvironmentRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub variables: String,
    pub scope: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl From<&EnvironmentRecord> for EnvironmentRow {
    fn from(e: &EnvironmentRecord) -> Self {
        Self {
            id: e.id.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
            variables: json_text(&e.variables),
            scope: e.scope.clone(),
            project_id: e.project_id.clone(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

impl TryFrom<EnvironmentRow> for EnvironmentRecord {
    type Error = Error;
    fn try_from(r: EnvironmentRow) -> Result<Self, Error> {
        Ok(Self {
            variables: json_value("environment", &r.id, "variables", &r.variables)?,
            id: r.id,
            name: r.name,
            description: r.description,
            scope: r.scope,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = action_definitions)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct ActionDefRow {
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub definition: String,
    pub spec: String,
    pub input: String,
    pub description: Option<String>,
    pub tags: String,
    pub scope: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl From<&ActionDef> for ActionDefRow {
    fn from(a: &ActionDef) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            namespace: a.namespace.clone(),
            definition: a.definition.clone(),
            spec: json_text(&a.spec),
            input: a.input.clone(),
            description: a.description.clone(),
            tags: tags_text(&a.tags),
            scope: a.scope.clone(),
            project_id: a.project_id.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl TryFrom<ActionDefRow> for ActionDef {
    type Error = Error;
    fn try_from(r: ActionDefRow) -> Result<Self, Error> {
        const T: &str = "action definition";
        Ok(Self {
            spec: json_value(T, &r.id, "spec", &r.spec)?,
            tags: tags_value(T, &r.id, &r.tags)?,
            id: r.id,
            name: r.name,
            namespace: r.namespace,
            definition: r.definition,
            input: r.input,
            description: r.description,
            scope: r.scope,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Identifiable, Debug, Clone)]
#[diesel(table_name = workbooks)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct WorkbookRow {
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub definition: String,
    pub spec: String,
    pub tags: String,
    pub scope: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl From<&WorkbookRecord> for WorkbookRow {
    fn from(w: &WorkbookRecord) -> Self {
        Self {
            id: w.id.clone(),
            name: w.name.clone(),
            namespace: w.namespace.clone(),
            definition: w.definition.clone(),
            spec: json_text(&w.spec),
            tags: tags_text(&w.tags),
            scope: w.scope.clone(),
            project_id: w.project_id.clone(),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

impl TryFrom<WorkbookRow> for WorkbookRecord {
    type Error = Error;
    fn try_from(r: WorkbookRow) -> Result<Self, Error> {
        const T: &str = "workbook";
        Ok(Self {
            spec: json_value(T, &r.id, "spec", &r.spec)?,
            tags: tags_value(T, &r.id, &r.tags)?,
            id: r.id,
            name: r.name,
            namespace: r.namespace,
            definition: r.definition,
            scope: r.scope,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
