//! Multi-row UPDATE for the group commit: one statement replaces every
//! column of up to a chunk of rows by id, as
//! `UPDATE t SET c = v.columnN, ... FROM (VALUES (...), ...) AS v WHERE t.id = v.column1`
//! (SQLite ≥ 3.33 and PostgreSQL both name VALUES columns `column1..`).
//! Called by `write` only. Invariant: a chunk never holds the same id twice
//! (the caller keeps the last write of an id), so no row is updated twice.

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use super::conn::{AnyConnection, MultiBackend};
use super::rows::{
    ActionDefRow, ActionExecutionRow, EnvironmentRow, ExecutionRow, TaskRow, WorkbookRow,
    WorkflowRow,
};

/// A row that can be written by [`UpdateMany`].
pub(super) trait BulkRow {
    /// The table name.
    const TABLE: &'static str;
    /// The columns, `id` first, in the order `push_values` binds them.
    const COLUMNS: &'static [&'static str];
    fn id(&self) -> &str;
    /// Binds every column, comma-separated.
    fn push_values<'b>(&'b self, out: &mut AstPass<'_, 'b, MultiBackend>) -> QueryResult<()>;
}

macro_rules! bulk_row {
    ($row:ty, $table:literal, [$first:ident : $first_ty:ty $(, $col:ident : $ty:ty)* $(,)?]) => {
        impl BulkRow for $row {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[stringify!($first) $(, stringify!($col))*];
            fn id(&self) -> &str {
                &self.id
            }
            fn push_values<'b>(&'b self, out: &mut AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
                out.push_bind_param::<$first_ty, _>(&self.$first)?;
                $(
                    out.push_sql(", ");
                    out.push_bind_param::<$ty, _>(&self.$col)?;
                )*
                Ok(())
            }
        }
    };
}

bulk_row!(EnvironmentRow, "environments", [
    id: Text, name: Text, description: Text, variables: Text, scope: Text, project_id: Text,
    created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

bulk_row!(super::cron::CronTriggerRow, "cron_triggers", [
    id: Text, name: Text, pattern: Text, first_execution_time: Nullable<Timestamp>,
    next_execution_time: Timestamp, remaining_executions: Nullable<Integer>,
    workflow_name: Text, workflow_id: Text, workflow_namespace: Text, workflow_input: Text,
    workflow_params: Text, timezone: Nullable<Text>, catch_up: Nullable<Text>, scope: Text,
    project_id: Text, created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

bulk_row!(ActionDefRow, "action_definitions", [
    id: Text, name: Text, namespace: Text, definition: Text, spec: Text, input: Text,
    description: Nullable<Text>, tags: Text, scope: Text, project_id: Text,
    created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

bulk_row!(WorkbookRow, "workbooks", [
    id: Text, name: Text, namespace: Text, definition: Text, spec: Text, tags: Text,
    scope: Text, project_id: Text, created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

bulk_row!(WorkflowRow, "workflow_definitions", [
    id: Text, name: Text, namespace: Text, definition: Text, spec: Text, input: Text,
    interface: Text, checksum: Text, tags: Text, scope: Text, project_id: Text,
    created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

bulk_row!(ExecutionRow, "workflow_executions", [
    id: Text, workflow_id: Text, workflow_name: Text, workflow_namespace: Text,
    description: Text, tags: Text, spec: Text, params: Text,
    task_execution_id: Nullable<Text>, root_execution_id: Nullable<Text>,
    source_execution_id: Nullable<Text>, state: Text, state_info: Nullable<Text>,
    input: Text, output: Text, context: Text, project_id: Text,
    created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

bulk_row!(TaskRow, "task_executions", [
    id: Text, name: Text, execution_id: Text, workflow_name: Text, workflow_namespace: Text,
    workflow_id: Text, kind: Text, tags: Text, state: Text, state_info: Nullable<Text>,
    runtime_context: Text, in_context: Text, published: Text, result: Text,
    processed: Bool, error_handled: Bool, project_id: Text, created_at: Timestamp,
    updated_at: Nullable<Timestamp>, started_at: Nullable<Timestamp>,
    finished_at: Nullable<Timestamp>,
]);

bulk_row!(ActionExecutionRow, "action_executions", [
    id: Text, name: Text, task_execution_id: Nullable<Text>, execution_id: Nullable<Text>,
    workflow_name: Nullable<Text>, workflow_namespace: Nullable<Text>,
    task_name: Nullable<Text>, description: Text, tags: Text, state: Text,
    state_info: Nullable<Text>, accepted: Bool, input: Text, output: Text, params: Text,
    attempt: BigInt, item_index: Nullable<Integer>, project_id: Text,
    created_at: Timestamp, updated_at: Nullable<Timestamp>,
]);

/// One UPDATE ... FROM (VALUES ...) statement over `rows` (distinct ids).
pub(super) struct UpdateMany<'a, R> {
    pub rows: &'a [R],
}

impl<R: BulkRow> QueryFragment<MultiBackend> for UpdateMany<'_, R> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let table = R::TABLE;
        out.push_sql(&format!("UPDATE \"{table}\" SET "));
        for (i, c) in R::COLUMNS.iter().enumerate().skip(1) {
            if i > 1 {
                out.push_sql(", ");
            }
            out.push_sql(&format!("\"{c}\" = \"v\".\"column{}\"", i + 1));
        }
        out.push_sql(" FROM (VALUES ");
        for (i, row) in self.rows.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            row.push_values(&mut out)?;
            out.push_sql(")");
        }
        out.push_sql(&format!(
            ") AS \"v\" WHERE \"{table}\".\"id\" = \"v\".\"column1\""
        ));
        Ok(())
    }
}

impl<R> QueryId for UpdateMany<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<R> RunQueryDsl<AnyConnection> for UpdateMany<'_, R> {}
