//! The group commit: one `Batch` applied in one transaction (`BEGIN
//! IMMEDIATE` on SQLite), in the order the `Batch` documents. Called by
//! `Writer::commit` only. Inserts, updates and deletes go as multi-row
//! statements of power-of-two sizes up to `CHUNK` rows, so the connection's
//! cache of prepared statements stays small (a dozen per table and kind)
//! while every statement is reused.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

use std::collections::HashMap;

use super::Error;
use diesel::query_builder::{QueryFragment, ValuesClause};

use super::bulk::{ColumnNames, UpdateMany};
use super::conn::{AnyConnection, MultiBackend};
use super::cron;
use super::model::{ActionExecutionRecord, Batch, WorkflowVersion, Write};
use super::nodes::Node;
use super::read::db;
use super::rows::Stored;
use super::schema::{
    action_definitions, action_executions, cron_triggers, environments, task_executions, workbooks,
    workflow_definitions, workflow_executions, workflow_versions,
};

/// Most rows in one multi-row statement. Every size up to it stays
/// prepared on the writer's connection, and a prepared statement's memory
/// grows with its rows: with 512 the engine benchmark's peak RSS was 6 MiB
/// higher than with 128, at the same speed. The bound parameters (about
/// 20 a row) stay far under SQLite's 32766 and PostgreSQL's 65535.
const CHUNK: usize = 128;
// The fixed statement sizes (`stored!` in rows.rs, `sized!` in `flush`)
// list the powers of two up to `CHUNK`: change them together.
const _: () = assert!(CHUNK == 128);

/// Splits `0..len` into consecutive pieces of `CHUNK` rows, then of the
/// powers of two that make up the rest (largest first).
fn pieces(len: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while len - start >= CHUNK {
        out.push(start..start + CHUNK);
        start += CHUNK;
    }
    let mut size = CHUNK / 2;
    while size > 0 {
        if len - start >= size {
            out.push(start..start + size);
            start += size;
        }
        size /= 2;
    }
    out
}

/// Applies `batch` inside the transaction [`begin`] opened, and commits; on
/// any error rolls back, so nothing is applied.
pub(super) fn finish(
    conn: &mut AnyConnection,
    batch: &Batch,
    node: Option<&Node>,
) -> Result<(), Error> {
    type Tm = <AnyConnection as Connection>::TransactionManager;
    let applied = match node {
        None => apply(conn, batch),
        Some(node) => apply_as(conn, batch, node),
    };
    match applied {
        Ok(()) => Tm::commit_transaction(conn).map_err(|e| {
            if let Err(r) = Tm::rollback_transaction(conn) {
                log::warn!("store: rollback after a failed commit failed: {r}");
            }
            db(e)
        }),
        Err(e) => {
            if let Err(r) = Tm::rollback_transaction(conn) {
                log::warn!("store: rollback failed: {r}");
            }
            Err(e)
        }
    }
}

/// Begins the write transaction: `BEGIN IMMEDIATE` on SQLite, so the write
/// lock is taken up front rather than on the first write.
pub(super) fn begin(conn: &mut AnyConnection) -> Result<(), Error> {
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => {
            <diesel::PgConnection as Connection>::TransactionManager::begin_transaction(c)
        }
    }
    .map_err(db)
}

/// Applies the writes of one table. Inserts go first, then updates, each
/// in multi-row statements; that is the order given unless an update of an
/// id precedes its insert, in which case what came before is flushed first.
/// Of several updates of one id only the last is kept (each replaces every
/// column of the record's `Stored::Change`). An update that matches no row
/// is logged, not an error.
fn apply_writes<R, C, B>(conn: &mut AnyConnection, items: &[(Write, B)]) -> Result<(), Error>
where
    B: std::borrow::Borrow<R>,
    R: Stored,
    R::Change: Insertable<R::Table, Values = ValuesClause<C, R::Table>>,
    C: ColumnNames + QueryFragment<MultiBackend> + 'static,
    R::Table: 'static,
{
    let mut inserts: Vec<R> = Vec::new();
    let mut updates: Vec<R> = Vec::new();
    let mut updated: HashMap<String, usize> = HashMap::new();
    for (write, record) in items {
        let record: &R = record.borrow();
        let key = record.key();
        match write {
            Write::Insert => {
                if updated.contains_key(&key) {
                    flush(conn, &mut inserts, &mut updates, &mut updated)?;
                }
                inserts.push(record.clone());
                if inserts.len() == CHUNK {
                    R::insert(conn, std::mem::take(&mut inserts))?;
                }
            }
            Write::Update => match updated.get(&key) {
                Some(&i) => updates[i] = record.clone(),
                None => {
                    updated.insert(key, updates.len());
                    updates.push(record.clone());
                }
            },
        }
    }
    flush(conn, &mut inserts, &mut updates, &mut updated)
}

fn flush<R, C>(
    conn: &mut AnyConnection,
    inserts: &mut Vec<R>,
    updates: &mut Vec<R>,
    updated: &mut HashMap<String, usize>,
) -> Result<(), Error>
where
    R: Stored,
    R::Change: Insertable<R::Table, Values = ValuesClause<C, R::Table>>,
    C: ColumnNames + QueryFragment<MultiBackend> + 'static,
    R::Table: 'static,
{
    for piece in pieces(inserts.len()) {
        R::insert(conn, inserts.drain(..piece.len()).collect())?;
    }
    for piece in pieces(updates.len()) {
        let rows: Vec<_> = updates
            .drain(..piece.len())
            .map(|r| R::Change::from(r).values())
            .collect();
        let n = rows.len();
        let table = R::TABLE;
        macro_rules! sized {
            ($($size:literal)*) => {
                match n {
                    $($size => UpdateMany::<_, _, $size> { table, rows }.execute(conn),)*
                    _ => UpdateMany::<_, _, 0> { table, rows }.execute(conn),
                }
            };
        }
        let matched = sized!(128 64 32 16 8 4 2 1).map_err(db)?;
        if matched < n {
            log::warn!(
                "store: {} of {n} updates of {} matched no row",
                n - matched,
                R::TABLE
            );
        }
    }
    updated.clear();
    Ok(())
}

/// [`apply`] for one node of several: first the fence (its epoch and
/// lease, checked and locked in this transaction) and the versions lock,
/// last the stamp that makes the executions it inserts its own.
fn apply_as(conn: &mut AnyConnection, batch: &Batch, node: &Node) -> Result<(), Error> {
    super::nodes::fence(conn, node)?;
    super::nodes::lock_versions(conn, batch)?;
    apply(conn, batch)?;
    let inserted = |w: &Write| matches!(w, Write::Insert);
    let executions: Vec<String> = batch
        .executions
        .iter()
        .filter(|(w, _)| inserted(w))
        .map(|(_, e)| e.id.to_string())
        .collect();
    let standalone: Vec<String> = batch
        .action_executions
        .iter()
        .filter(|(w, a)| inserted(w) && a.task_execution_id.is_none())
        .map(|(_, a)| a.id.to_string())
        .collect();
    super::nodes::stamp(conn, node, &executions, &standalone)
}

fn apply(conn: &mut AnyConnection, batch: &Batch) -> Result<(), Error> {
    apply_definitions(conn, batch)?;
    apply_writes(conn, &batch.workflows)?;
    let wf_ids: Vec<String> = batch
        .deleted_workflows
        .iter()
        .map(|i| i.to_string())
        .collect();
    for piece in pieces(wf_ids.len()) {
        let chunk = &wf_ids[piece];
        diesel::delete(workflow_definitions::table.filter(workflow_definitions::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    insert_versions(conn, &batch.versions)?;
    apply_writes(conn, &batch.executions)?;
    apply_writes(conn, &batch.tasks)?;
    // Narrow confirmations first: a full row of the same batch overrides.
    if let Some(at) = batch.confirmed_at {
        let ids: Vec<String> = batch.confirmed.iter().map(|i| i.to_string()).collect();
        for piece in pieces(ids.len()) {
            diesel::update(
                action_executions::table.filter(action_executions::id.eq_any(&ids[piece])),
            )
            .set((
                action_executions::state.eq(crate::domain::State::Running.as_str()),
                action_executions::updated_at.eq(Some(at)),
            ))
            .execute(conn)
            .map_err(db)?;
        }
    }
    apply_writes::<ActionExecutionRecord, _, _>(conn, &batch.action_executions)?;
    let ex_ids: Vec<String> = batch
        .deleted_executions
        .iter()
        .map(|i| i.to_string())
        .collect();
    for piece in pieces(ex_ids.len()) {
        delete_executions(conn, &ex_ids[piece])?;
    }
    if !ex_ids.is_empty() {
        prune_versions(conn)?;
    }
    let ae_ids: Vec<String> = batch
        .deleted_action_executions
        .iter()
        .map(|i| i.to_string())
        .collect();
    for piece in pieces(ae_ids.len()) {
        diesel::delete(
            action_executions::table
                .filter(action_executions::id.eq_any(&ae_ids[piece]))
                .filter(action_executions::task_execution_id.is_null()),
        )
        .execute(conn)
        .map_err(db)?;
    }
    apply_writes(conn, &batch.environments)?;
    for piece in pieces(batch.deleted_environments.len()) {
        let chunk = &batch.deleted_environments[piece];
        diesel::delete(environments::table.filter(environments::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    apply_writes(conn, &batch.cron_triggers)?;
    cron::apply_advances(conn, &batch.cron_advances)?;
    super::outbox::apply(conn, &batch.notifications, &batch.notifications_done)?;
    for piece in pieces(batch.deleted_cron_triggers.len()) {
        let chunk = &batch.deleted_cron_triggers[piece];
        diesel::delete(cron_triggers::table.filter(cron_triggers::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    Ok(())
}

/// Action definitions and workbooks: deletions first, so a name freed and
/// taken again in one batch does not collide.
fn apply_definitions(conn: &mut AnyConnection, batch: &Batch) -> Result<(), Error> {
    for piece in pieces(batch.deleted_action_definitions.len()) {
        let chunk = &batch.deleted_action_definitions[piece];
        diesel::delete(action_definitions::table.filter(action_definitions::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    for piece in pieces(batch.deleted_workbooks.len()) {
        let chunk = &batch.deleted_workbooks[piece];
        diesel::delete(workbooks::table.filter(workbooks::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    apply_writes(conn, &batch.action_definitions)?;
    apply_writes(conn, &batch.workbooks)
}

/// Stores each version unless it is stored already (same id, same text).
fn insert_versions(conn: &mut AnyConnection, versions: &[WorkflowVersion]) -> Result<(), Error> {
    for v in versions {
        let insert = diesel::insert_into(workflow_versions::table).values(v);
        match conn {
            AnyConnection::Sqlite(c) => insert.on_conflict_do_nothing().execute(c),
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(c) => insert.on_conflict_do_nothing().execute(c),
        }
        .map_err(db)?;
    }
    Ok(())
}

/// Deletes the versions no execution names any more.
fn prune_versions(conn: &mut AnyConnection) -> Result<(), Error> {
    use diesel::dsl::{exists, not};
    let named = workflow_executions::table
        .filter(workflow_executions::spec_id.eq(workflow_versions::id))
        .select(workflow_executions::id);
    diesel::delete(workflow_versions::table.filter(not(exists(named))))
        .execute(conn)
        .map_err(db)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(len: usize, expected: &[usize]) {
        let got: Vec<usize> = pieces(len).iter().map(|r| r.len()).collect();
        assert_eq!(got, expected, "{len}");
        let covered: Vec<usize> = pieces(len).into_iter().flatten().collect();
        assert_eq!(covered, (0..len).collect::<Vec<_>>(), "{len}");
    }

    #[test]
    fn piece_sizes() {
        check(0, &[]);
        check(1, &[1]);
        check(3, &[2, 1]);
        check(8, &[8]);
        check(127, &[64, 32, 16, 8, 4, 2, 1]);
        check(128, &[128]);
        check(262, &[128, 128, 4, 2]);
    }
}
