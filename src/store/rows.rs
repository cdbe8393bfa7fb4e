//! What the declared records (`model`) need beyond their derives: the list
//! views that leave out the columns no list renders, and each record's
//! table for the group commit ([`Stored`]). Private to `store`.

use diesel::prelude::*;
use serde_json::Value;

use super::Error;
use super::conn::AnyConnection;
use super::model::{
    ActionDef, ActionExecutionRecord, CronTriggerRecord, EnvironmentRecord, ExecutionRecord,
    ExecutionSummary, TaskRecord, WorkbookRecord, WorkflowDef,
};
use super::read::db;
use super::schema::{
    action_definitions, action_executions, cron_triggers, environments, task_executions, workbooks,
    workflow_definitions, workflow_executions,
};
use super::sql::{JsonText, MaybeTimeText};
use crate::domain::{
    ActionExecutionId, ExecutionId, State, TaskExecutionId, TaskKind, Timestamp, WorkflowId,
};

/// Declares a list view of a record: the record's fields but the `null`
/// ones, which the view leaves unread and the record gets as JSON null.
/// `as W` reads a field through the wire type `W`.
macro_rules! list_view {
    ($view:ident => $record:ident in $table:ident, null [$($null:ident),*],
     { $($field:ident : $ty:ty $(as $wire:ty)?),* $(,)? }) => {
        #[derive(Queryable, Selectable, Debug)]
        #[diesel(table_name = $table)]
        pub(super) struct $view {
            $($(#[diesel(deserialize_as = $wire)])? $field: $ty,)*
        }

        impl From<$view> for $record {
            fn from(r: $view) -> Self {
                Self { $($field: r.$field,)* $($null: Value::Null,)* }
            }
        }
    };
}

/// An execution as a list page reads it: every column but `context` (it
/// grows with the execution's data) and `output`, the JSON columns
/// `params` and `input` as the text stored (a page shows them as text).
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = workflow_executions)]
pub(super) struct ExecutionListRow {
    id: ExecutionId,
    workflow_id: WorkflowId,
    workflow_name: String,
    workflow_namespace: String,
    description: Option<String>,
    #[diesel(deserialize_as = JsonText)]
    tags: Vec<String>,
    spec_id: String,
    params: String,
    task_execution_id: Option<TaskExecutionId>,
    root_execution_id: Option<ExecutionId>,
    source_execution_id: Option<ExecutionId>,
    state: State,
    state_info: Option<String>,
    input: String,
    project_id: String,
    created_at: Timestamp,
    updated_at: Option<Timestamp>,
}

/// [`ExecutionListRow`] with `output`, as the text stored.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = workflow_executions)]
pub(super) struct ExecutionListRowWithOutput {
    #[diesel(embed)]
    row: ExecutionListRow,
    output: String,
}

impl ExecutionListRow {
    fn summary(self, output: Option<String>) -> ExecutionSummary {
        let record = ExecutionRecord {
            id: self.id,
            workflow_id: self.workflow_id,
            workflow_name: self.workflow_name,
            workflow_namespace: self.workflow_namespace,
            description: self.description,
            tags: self.tags,
            spec_id: self.spec_id,
            params: Value::Null,
            task_execution_id: self.task_execution_id,
            root_execution_id: self.root_execution_id,
            source_execution_id: self.source_execution_id,
            state: self.state,
            state_info: self.state_info,
            input: Value::Null,
            output: Value::Null,
            context: Value::Null,
            project_id: self.project_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        ExecutionSummary {
            record,
            params: self.params,
            input: self.input,
            output,
        }
    }
}

impl From<ExecutionListRow> for ExecutionSummary {
    fn from(r: ExecutionListRow) -> Self {
        r.summary(None)
    }
}

impl From<ExecutionListRowWithOutput> for ExecutionSummary {
    fn from(r: ExecutionListRowWithOutput) -> Self {
        r.row.summary(Some(r.output))
    }
}

// A task as lists read it: without `in_context` (the data that flowed into
// the task, as big as the workflow's).
list_view!(TaskListRow => TaskRecord in task_executions, null [in_context], {
    id: TaskExecutionId, name: String, execution_id: ExecutionId, workflow_name: String,
    workflow_namespace: String, workflow_id: WorkflowId, kind: TaskKind,
    tags: Vec<String> as JsonText, state: State, state_info: Option<String>,
    runtime_context: Value as JsonText, published: Value as JsonText,
    result: Value as JsonText, processed: bool, error_handled: bool, project_id: String,
    created_at: Timestamp, updated_at: Option<Timestamp>, started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
});

/// Declares what an update of a record writes: its id and the columns that
/// may change after the insert. The rest (what it is, whose it is, when it
/// was made) stay as inserted, so an update binds fewer values and leaves
/// the indexes on those columns alone.
macro_rules! change {
    ($change:ident => $record:ident in $table:ident,
     { $($field:ident : $ty:ty $(as $wire:ty)?),* $(,)? }) => {
        #[derive(Insertable)]
        #[diesel(table_name = $table, treat_none_as_default_value = false)]
        pub(super) struct $change {
            $($(#[diesel(serialize_as = $wire)])? $field: $ty,)*
        }

        impl From<$record> for $change {
            fn from(r: $record) -> Self {
                Self { $($field: r.$field,)* }
            }
        }
    };
}

// Not rewritten: workflow_id, workflow_name, project_id, created_at.
change!(ExecutionChange => ExecutionRecord in workflow_executions, {
    id: ExecutionId, workflow_namespace: String, description: Option<String>,
    tags: Vec<String> as JsonText, spec_id: String, params: Value as JsonText,
    task_execution_id: Option<TaskExecutionId>, root_execution_id: Option<ExecutionId>,
    source_execution_id: Option<ExecutionId>, state: State, state_info: Option<String>,
    input: Value as JsonText, output: Value as JsonText, context: Value as JsonText,
    updated_at: Option<Timestamp> as MaybeTimeText,
});

// Not rewritten: name, execution_id, workflow_name, workflow_namespace,
// workflow_id, kind, project_id, created_at.
change!(TaskChange => TaskRecord in task_executions, {
    id: TaskExecutionId, tags: Vec<String> as JsonText, state: State,
    state_info: Option<String>, runtime_context: Value as JsonText,
    in_context: Value as JsonText, published: Value as JsonText, result: Value as JsonText,
    processed: bool, error_handled: bool, updated_at: Option<Timestamp> as MaybeTimeText,
    started_at: Option<Timestamp> as MaybeTimeText,
    finished_at: Option<Timestamp> as MaybeTimeText,
});

// Not rewritten: name, task_execution_id, execution_id, workflow_name,
// workflow_namespace, task_name, project_id, created_at.
change!(ActionChange => ActionExecutionRecord in action_executions, {
    id: ActionExecutionId, description: String, tags: Vec<String> as JsonText,
    state: State, state_info: Option<String>, accepted: bool, input: Value as JsonText,
    output: Value as JsonText, params: Value as JsonText, attempt: u32 as i64,
    item_index: Option<i32>, updated_at: Option<Timestamp> as MaybeTimeText,
});

/// A record the group commit writes: its table, its key, its multi-row
/// INSERT through the derived `Insertable`, and what an update of it writes.
pub(super) trait Stored: Clone {
    type Table: Table;
    /// What an update writes (the record itself, or its [`change!`] view).
    type Change: From<Self>;
    /// The table name.
    const TABLE: &'static str;
    /// The id, as stored.
    fn key(&self) -> String;
    /// Inserts `rows` in one statement, on the inner connection: the
    /// MultiConnection backend has no multi-row INSERT.
    fn insert(conn: &mut AnyConnection, rows: Vec<Self>) -> Result<(), Error>;
}

/// Inserts `rows` into `$table` on a concrete connection. A piece of a
/// power-of-two size (the group commit cuts its inserts so) goes as a
/// fixed-size array, whose statement diesel prepares once per connection
/// and size; a `Vec` of rows is prepared again for every statement.
macro_rules! sized_insert {
    ($c:expr, $table:ident, $rows:expr, $($n:literal)*) => {{
        let rows = $rows;
        match rows.len() {
            $($n => match <Box<[_; $n]>>::try_from(rows.into_boxed_slice()) {
                Ok(fixed) => diesel::insert_into($table::table).values(fixed).execute($c),
                Err(rows) => diesel::insert_into($table::table)
                    .values(rows.into_vec())
                    .execute($c),
            },)*
            _ => diesel::insert_into($table::table).values(rows).execute($c),
        }
    }};
}

macro_rules! stored {
    ($($record:ty => $table:ident as $change:ty $(, sized $($n:literal)*)?);* $(;)?) => {$(
        impl Stored for $record {
            type Table = $table::table;
            type Change = $change;
            const TABLE: &'static str = stringify!($table);
            fn key(&self) -> String {
                self.id.to_string()
            }
            fn insert(conn: &mut AnyConnection, rows: Vec<Self>) -> Result<(), Error> {
                match conn {
                    AnyConnection::Sqlite(c) => {
                        sized_insert!(c, $table, rows, $($($n)*)?)
                    }
                    #[cfg(feature = "postgres")]
                    AnyConnection::Postgresql(c) => {
                        sized_insert!(c, $table, rows, $($($n)*)?)
                    }
                }
                .map(|_| ())
                .map_err(db)
            }
        }
    )*};
}

stored!(
    WorkflowDef => workflow_definitions as WorkflowDef;
    EnvironmentRecord => environments as EnvironmentRecord;
    CronTriggerRecord => cron_triggers as CronTriggerRecord;
    ActionDef => action_definitions as ActionDef;
    WorkbookRecord => workbooks as WorkbookRecord;
    ExecutionRecord => workflow_executions as ExecutionChange,
        sized 512 256 128 64 32 16 8 4 2 1;
    TaskRecord => task_executions as TaskChange,
        sized 512 256 128 64 32 16 8 4 2 1;
    ActionExecutionRecord => action_executions as ActionChange,
        sized 512 256 128 64 32 16 8 4 2 1;
);
