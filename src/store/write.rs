//! The group commit: one `Batch` applied in one transaction (`BEGIN
//! IMMEDIATE` on SQLite), in the order the `Batch` documents. Called by
//! `Writer::commit` only. Runs of inserts go as multi-row statements;
//! updates replace every column by id through cached prepared statements.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{Batch, Write};
use super::read::db;
use super::rows::{ActionExecutionRow, ExecutionRow, TaskRow, WorkflowRow};
use super::schema::{
    action_executions, task_executions, workflow_definitions, workflow_executions,
};

/// Most rows in one multi-row INSERT: keeps the bound parameters (about 20 a
/// row) under SQLite's 32766 and PostgreSQL's 65535.
const INSERT_CHUNK: usize = 500;

/// Applies `batch` in one transaction; on any error nothing is applied.
pub(super) fn commit(conn: &mut AnyConnection, batch: &Batch) -> Result<(), Error> {
    if batch.is_empty() {
        return Ok(());
    }
    begin(conn).map_err(db)?;
    match apply(conn, batch) {
        Ok(()) => <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)
            .map_err(|e| {
                let _ =
                    <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn);
                db(e)
            }),
        Err(e) => {
            <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn)
                .map_err(db)?;
            Err(e)
        }
    }
}

/// Begins the write transaction: `BEGIN IMMEDIATE` on SQLite, so the write
/// lock is taken up front rather than on the first write.
fn begin(conn: &mut AnyConnection) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => {
            <diesel::PgConnection as Connection>::TransactionManager::begin_transaction(c)
        }
    }
}

/// Applies the writes of one table in order; consecutive inserts are grouped.
/// Inserts rows in one multi-row statement, on the inner connection (the
/// MultiConnection backend has no multi-row insert).
macro_rules! insert_rows {
    ($conn:expr, $table:ident, $rows:expr) => {
        match &mut *$conn {
            AnyConnection::Sqlite(c) => diesel::insert_into($table::table).values($rows).execute(c),
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(c) => {
                diesel::insert_into($table::table).values($rows).execute(c)
            }
        }
        .map_err(db)?
    };
}

macro_rules! apply_writes {
    ($conn:expr, $items:expr, $table:ident, $row:ty) => {{
        let mut pending: Vec<$row> = Vec::new();
        for (write, record) in $items {
            let row = <$row>::from(record);
            match write {
                Write::Insert => {
                    pending.push(row);
                    if pending.len() == INSERT_CHUNK {
                        insert_rows!($conn, $table, &pending);
                        pending.clear();
                    }
                }
                Write::Update => {
                    if !pending.is_empty() {
                        insert_rows!($conn, $table, &pending);
                        pending.clear();
                    }
                    let n = diesel::update($table::table.find(&row.id))
                        .set(&row)
                        .execute($conn)
                        .map_err(db)?;
                    if n == 0 {
                        log::warn!("store: update of missing {} {}", stringify!($table), row.id);
                    }
                }
            }
        }
        if !pending.is_empty() {
            insert_rows!($conn, $table, &pending);
        }
    }};
}

fn apply(conn: &mut AnyConnection, batch: &Batch) -> Result<(), Error> {
    apply_writes!(conn, &batch.workflows, workflow_definitions, WorkflowRow);
    let wf_ids: Vec<String> = batch
        .deleted_workflows
        .iter()
        .map(|i| i.to_string())
        .collect();
    for chunk in wf_ids.chunks(INSERT_CHUNK) {
        diesel::delete(workflow_definitions::table.filter(workflow_definitions::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    apply_writes!(conn, &batch.executions, workflow_executions, ExecutionRow);
    apply_writes!(conn, &batch.tasks, task_executions, TaskRow);
    apply_writes!(
        conn,
        &batch.action_executions,
        action_executions,
        ActionExecutionRow
    );
    let ex_ids: Vec<String> = batch
        .deleted_executions
        .iter()
        .map(|i| i.to_string())
        .collect();
    for chunk in ex_ids.chunks(INSERT_CHUNK) {
        delete_executions(conn, chunk)?;
    }
    Ok(())
}

/// Deletes executions with their tasks and action executions, children
/// first, without relying on the database's cascade.
fn delete_executions(conn: &mut AnyConnection, ids: &[String]) -> Result<(), Error> {
    let task_ids = task_executions::table
        .filter(task_executions::execution_id.eq_any(ids))
        .select(task_executions::id.nullable());
    diesel::delete(
        action_executions::table.filter(action_executions::task_execution_id.eq_any(task_ids)),
    )
    .execute(conn)
    .map_err(db)?;
    diesel::delete(
        action_executions::table
            .filter(action_executions::execution_id.eq_any(ids.iter().map(Some))),
    )
    .execute(conn)
    .map_err(db)?;
    diesel::delete(task_executions::table.filter(task_executions::execution_id.eq_any(ids)))
        .execute(conn)
        .map_err(db)?;
    diesel::delete(workflow_executions::table.filter(workflow_executions::id.eq_any(ids)))
        .execute(conn)
        .map_err(db)?;
    Ok(())
}
