//! Several engine nodes on one PostgreSQL: each node's lease row (`nodes`)
//! with its epoch, the fencing token, and a lease kept by the database's
//! clock; the check every commit of a node makes in its own transaction;
//! the stamp that gives new executions to the node that created them; and
//! the takeover of the executions of a node whose lease ran out. Only in
//! multi-node mode, which needs PostgreSQL: a single node (SQLite, or
//! PostgreSQL without a node id) runs none of this.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Text};

use super::Error;
use super::conn::AnyConnection;
use super::read::db;

/// One node's identity as the writer fences with it.
#[derive(Debug)]
pub struct Node {
    /// The configured node id (unique among the nodes of a database).
    pub id: String,
    /// The epoch this process joined with; a takeover or a later start
    /// with the same id bumps the row's, and this process is then stale.
    pub epoch: i64,
    /// The lease: renewed every third of it.
    pub lease: Duration,
    /// Counters, and whether the lease is lost.
    pub stats: NodeStats,
}

/// A node's counters for `/metrics`.
#[derive(Debug, Default)]
pub struct NodeStats {
    /// Set once the lease is lost (not renewed in time, or taken over):
    /// the writer refuses every commit from then on.
    pub lost: AtomicBool,
    /// Lease renewals that succeeded.
    pub renewals: AtomicU64,
    /// Leases lost (0 or 1 in a process's life).
    pub losses: AtomicU64,
    /// Commits refused because the epoch was stale or the lease ran out.
    pub stale_rejected: AtomicU64,
    /// Nodes whose lease ran out and whose executions this node took.
    pub takeovers: AtomicU64,
    /// Executions (and standalone action executions) taken over.
    pub taken_over: AtomicU64,
}

impl Node {
    /// Whether the lease is lost.
    pub fn lost(&self) -> bool {
        self.stats.lost.load(Ordering::SeqCst)
    }

    /// Marks the lease lost (once; counted).
    pub fn lose(&self) {
        if !self.stats.lost.swap(true, Ordering::SeqCst) {
            self.stats.losses.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The database's clock, in the stored timestamps' form (UTC, no zone).
const NOW: &str = "timezone('UTC', now())";

/// States of an execution a node still works on (as `read::load_active`).
const ACTIVE: &str = "('IDLE', 'RUNNING', 'PAUSED')";

fn pg(conn: &mut AnyConnection) -> Result<&mut diesel::PgConnection, Error> {
    match conn {
        AnyConnection::Postgresql(c) => Ok(c),
        AnyConnection::Sqlite(_) => Err(Error::Unsupported(
            "several engine nodes need PostgreSQL".into(),
        )),
    }
}

#[derive(QueryableByName)]
struct Epoch {
    #[diesel(sql_type = BigInt)]
    epoch: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Joins (or joins again) as node `id`: the row's epoch is bumped, which
/// fences any earlier process with the same id; the lease starts now. In
/// the same transaction the node claims every unfinished execution no node
/// owns (left by a single-node run). Returns the new epoch.
pub(super) fn join(
    conn: &mut AnyConnection,
    id: &str,
    api_url: &str,
    lease: Duration,
) -> Result<i64, Error> {
    let c = pg(conn)?;
    let ms = lease.as_millis() as i64;
    c.transaction(|c| {
        let row: Epoch = diesel::sql_query(format!(
            "INSERT INTO nodes (id, epoch, api_url, lease_until, started_at, alive) \
             VALUES ($1, 1, $2, {NOW} + $3 * interval '1 millisecond', {NOW}, TRUE) \
             ON CONFLICT (id) DO UPDATE SET epoch = nodes.epoch + 1, \
             api_url = EXCLUDED.api_url, lease_until = EXCLUDED.lease_until, \
             started_at = EXCLUDED.started_at, alive = TRUE RETURNING epoch"
        ))
        .bind::<Text, _>(id)
        .bind::<Text, _>(api_url)
        .bind::<BigInt, _>(ms)
        .get_result(c)?;
        // One claimer at a time, so a tree is never split between nodes.
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtext('bora:claim:' || current_schema()))",
        )
        .execute(c)?;
        diesel::sql_query(format!(
            "UPDATE workflow_executions SET node_id = $1 \
             WHERE node_id IS NULL AND state IN {ACTIVE}"
        ))
        .bind::<Text, _>(id)
        .execute(c)?;
        diesel::sql_query(
            "UPDATE action_executions SET node_id = $1 WHERE node_id IS NULL \
             AND task_execution_id IS NULL AND state IN ('IDLE', 'RUNNING')",
        )
        .bind::<Text, _>(id)
        .execute(c)?;
        Ok(row.epoch)
    })
    .map_err(db)
}

/// Renews the lease; `false` when it is lost (the epoch moved on, or the
/// lease had run out before this renewal).
pub(super) fn renew(conn: &mut AnyConnection, node: &Node) -> Result<bool, Error> {
    let c = pg(conn)?;
    let n = diesel::sql_query(format!(
        "UPDATE nodes SET lease_until = {NOW} + $3 * interval '1 millisecond' \
         WHERE id = $1 AND epoch = $2 AND alive AND lease_until > {NOW}"
    ))
    .bind::<Text, _>(&node.id)
    .bind::<BigInt, _>(node.epoch)
    .bind::<BigInt, _>(node.lease.as_millis() as i64)
    .execute(c)
    .map_err(db)?;
    Ok(n == 1)
}

/// The check at the start of every commit of a node, in its transaction:
/// its row still has its epoch and an unexpired lease. The row is locked
/// `FOR KEY SHARE` until the commit: a takeover (`FOR UPDATE`) waits for
/// it, or this waits for the takeover and then sees the new epoch.
pub(super) fn fence(conn: &mut AnyConnection, node: &Node) -> Result<(), Error> {
    if node.lost() {
        return Err(stale(node));
    }
    let c = pg(conn)?;
    let rows: Vec<Epoch> = diesel::sql_query(format!(
        "SELECT epoch FROM nodes WHERE id = $1 AND epoch = $2 AND alive \
         AND lease_until > {NOW} FOR KEY SHARE"
    ))
    .bind::<Text, _>(&node.id)
    .bind::<BigInt, _>(node.epoch)
    .load(c)
    .map_err(db)?;
    if rows.is_empty() {
        node.lose();
        return Err(stale(node));
    }
    Ok(())
}

/// Keeps a workflow version one node's commit names from being deleted by
/// another node's commit at the same time. A commit that deletes
/// executions (and then the versions no execution names) takes the
/// schema's versions lock exclusively; one that inserts executions takes
/// it shared, then checks that the versions they name and the batch does
/// not store are there: another node may have deleted one since this node
/// saw it stored. Those missing are [`Error::VersionsMissing`] (nothing of
/// the batch is written; the engine adds them and commits again). Both
/// locks last until the transaction ends, so a deletion's statements see
/// every execution committed before it.
pub(super) fn lock_versions(conn: &mut AnyConnection, batch: &super::Batch) -> Result<(), Error> {
    let key = "hashtext('bora:versions:' || current_schema())";
    let c = pg(conn)?;
    if !batch.deleted_executions.is_empty() {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({key})"))
            .execute(c)
            .map_err(db)?;
        return Ok(());
    }
    let mut named: Vec<String> = batch
        .executions
        .iter()
        .filter(|(w, e)| {
            matches!(w, super::Write::Insert) && !batch.versions.iter().any(|v| v.id == e.spec_id)
        })
        .map(|(_, e)| e.spec_id.clone())
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    named.sort();
    named.dedup();
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock_shared({key})"))
        .execute(c)
        .map_err(db)?;
    let there: Vec<Id> = diesel::sql_query("SELECT id FROM workflow_versions WHERE id = ANY($1)")
        .bind::<Array<Text>, _>(&named)
        .load(c)
        .map_err(db)?;
    named.retain(|id| !there.iter().any(|t| &t.id == id));
    match named.is_empty() {
        true => Ok(()),
        false => Err(Error::VersionsMissing(named)),
    }
}

fn stale(node: &Node) -> Error {
    Error::Fenced(format!(
        "node {} epoch {}: the lease is lost (taken over or expired); the write was rejected",
        node.id, node.epoch
    ))
}

/// Counts a rejected write on the node's row (outside the rolled-back
/// transaction; best effort: the row is the node's own bookkeeping).
pub(super) fn count_rejected(conn: &mut AnyConnection, node: &Node) {
    node.stats.stale_rejected.fetch_add(1, Ordering::Relaxed);
    let Ok(c) = pg(conn) else { return };
    let done = diesel::sql_query(
        "UPDATE nodes SET stale_writes_rejected = stale_writes_rejected + 1 WHERE id = $1",
    )
    .bind::<Text, _>(&node.id)
    .execute(c);
    if let Err(e) = done {
        log::warn!(
            "node {}: the rejected write was not counted in the database: {e}",
            node.id
        );
    }
}

/// Gives the executions and standalone action executions a commit inserts
/// to the node that commits it.
pub(super) fn stamp(
    conn: &mut AnyConnection,
    node: &Node,
    executions: &[String],
    standalone: &[String],
) -> Result<(), Error> {
    let c = pg(conn)?;
    if !executions.is_empty() {
        diesel::sql_query("UPDATE workflow_executions SET node_id = $1 WHERE id = ANY($2)")
            .bind::<Text, _>(&node.id)
            .bind::<Array<Text>, _>(executions)
            .execute(c)
            .map_err(db)?;
    }
    if !standalone.is_empty() {
        diesel::sql_query("UPDATE action_executions SET node_id = $1 WHERE id = ANY($2)")
            .bind::<Text, _>(&node.id)
            .bind::<Array<Text>, _>(standalone)
            .execute(c)
            .map_err(db)?;
    }
    Ok(())
}

/// The unfinished executions and standalone action executions `node` owns.
pub(super) fn owned(
    conn: &mut AnyConnection,
    node: &str,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let c = pg(conn)?;
    let execs: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM workflow_executions WHERE node_id = $1 AND state IN {ACTIVE}"
    ))
    .bind::<Text, _>(node)
    .load(c)
    .map_err(db)?;
    let standalone: Vec<Id> = diesel::sql_query(
        "SELECT id FROM action_executions WHERE node_id = $1 \
         AND task_execution_id IS NULL AND state IN ('IDLE', 'RUNNING')",
    )
    .bind::<Text, _>(node)
    .load(c)
    .map_err(db)?;
    Ok((
        execs.into_iter().map(|r| r.id).collect(),
        standalone.into_iter().map(|r| r.id).collect(),
    ))
}

#[derive(QueryableByName)]
struct Process {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
    #[diesel(sql_type = Bool)]
    alive: bool,
}

/// How many of a node's latest earlier epochs count as processes that may
/// have left queues behind.
const EPOCHS_BACK: i64 = 4;

/// The node processes that may have ended with work still addressed to
/// them (`(node id, epoch)`): the latest earlier epochs of every node, and
/// the latest epoch itself of a node not alive; never `me`'s own
/// process. (An epoch is bumped by each start and each takeover, so some
/// of these never ran; asking for them is harmless.)
pub(super) fn ended_processes(
    conn: &mut AnyConnection,
    me: &Node,
) -> Result<Vec<(String, i64)>, Error> {
    let rows: Vec<Process> = diesel::sql_query("SELECT id, epoch, alive FROM nodes")
        .load(pg(conn)?)
        .map_err(db)?;
    let mut ended = Vec::new();
    for r in rows {
        let last = if r.alive { r.epoch - 1 } else { r.epoch };
        for epoch in (r.epoch - EPOCHS_BACK).max(1)..=last {
            if !(r.id == me.id && epoch == me.epoch) {
                ended.push((r.id.clone(), epoch));
            }
        }
    }
    Ok(ended)
}

/// What a takeover moved: the dead node, and the ids now `node`'s.
#[derive(Debug, Default)]
pub struct Takeover {
    pub from: String,
    /// The epoch of the process that held `from`'s lease last.
    pub epoch: i64,
    pub executions: Vec<String>,
    pub standalone: Vec<String>,
}

#[derive(QueryableByName)]
struct Expired {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
}

/// Takes over one node whose lease ran out, if there is one no other node
/// is taking: in one transaction (while `node`'s own lease holds) its
/// epoch is bumped (its late writes are refused from then on), it is
/// marked not alive, and its unfinished executions and standalone action
/// executions become `node`'s. `None` when no lease has run out.
pub(super) fn take_over(conn: &mut AnyConnection, node: &Node) -> Result<Option<Takeover>, Error> {
    if node.lost() {
        return Err(stale(node));
    }
    let c = pg(conn)?;
    let me = node.id.clone();
    let epoch = node.epoch;
    let result = c.transaction::<_, diesel::result::Error, _>(|c| {
        let mine: Vec<Epoch> = diesel::sql_query(format!(
            "SELECT epoch FROM nodes WHERE id = $1 AND epoch = $2 AND alive \
             AND lease_until > {NOW} FOR KEY SHARE"
        ))
        .bind::<Text, _>(&me)
        .bind::<BigInt, _>(epoch)
        .load(c)?;
        if mine.is_empty() {
            return Ok(Err(()));
        }
        let dead: Vec<Expired> = diesel::sql_query(format!(
            "SELECT id, epoch FROM nodes WHERE id <> $1 AND alive AND lease_until < {NOW} \
             ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED"
        ))
        .bind::<Text, _>(&me)
        .load(c)?;
        let Some(dead) = dead.into_iter().next() else {
            return Ok(Ok(None));
        };
        diesel::sql_query("UPDATE nodes SET epoch = epoch + 1, alive = FALSE WHERE id = $1")
            .bind::<Text, _>(&dead.id)
            .execute(c)?;
        let executions: Vec<Id> = diesel::sql_query(format!(
            "UPDATE workflow_executions SET node_id = $1 \
             WHERE node_id = $2 AND state IN {ACTIVE} RETURNING id"
        ))
        .bind::<Text, _>(&me)
        .bind::<Text, _>(&dead.id)
        .load(c)?;
        let standalone: Vec<Id> = diesel::sql_query(
            "UPDATE action_executions SET node_id = $1 WHERE node_id = $2 \
             AND task_execution_id IS NULL AND state IN ('IDLE', 'RUNNING') RETURNING id",
        )
        .bind::<Text, _>(&me)
        .bind::<Text, _>(&dead.id)
        .load(c)?;
        Ok(Ok(Some(Takeover {
            from: dead.id,
            epoch: dead.epoch,
            executions: executions.into_iter().map(|r| r.id).collect(),
            standalone: standalone.into_iter().map(|r| r.id).collect(),
        })))
    });
    match result.map_err(db)? {
        Ok(t) => Ok(t),
        Err(()) => {
            node.lose();
            count_rejected(conn, node);
            Err(stale(node))
        }
    }
}

/// The node that owns execution `id`: its id, advertised API URL, and
/// whether its lease holds. `None` when no node owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub node: String,
    pub api_url: String,
    pub alive: bool,
}

#[derive(QueryableByName)]
struct OwnerRow {
    #[diesel(sql_type = Text)]
    node: String,
    #[diesel(sql_type = Text)]
    api_url: String,
    #[diesel(sql_type = Bool)]
    alive: bool,
}

/// What an owner is looked up for: the node of an execution, of a task's
/// execution, or of an action execution's (its own for a standalone one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerOf {
    Execution,
    Task,
    ActionExecution,
}

pub(super) fn owner_of(
    conn: &mut AnyConnection,
    what: OwnerOf,
    id: &str,
) -> Result<Option<Owner>, Error> {
    let c = pg(conn)?;
    let from = match what {
        OwnerOf::Execution => {
            "workflow_executions x JOIN nodes n ON n.id = x.node_id WHERE x.id = $1"
        }
        OwnerOf::Task => {
            "task_executions t JOIN workflow_executions x ON x.id = t.execution_id \
             JOIN nodes n ON n.id = x.node_id WHERE t.id = $1"
        }
        OwnerOf::ActionExecution => {
            "action_executions a LEFT JOIN task_executions t ON t.id = a.task_execution_id \
             LEFT JOIN workflow_executions x ON x.id = t.execution_id \
             JOIN nodes n ON n.id = COALESCE(a.node_id, x.node_id) WHERE a.id = $1"
        }
    };
    let rows: Vec<OwnerRow> = diesel::sql_query(format!(
        "SELECT n.id AS node, n.api_url, (n.alive AND n.lease_until > {NOW}) AS alive FROM {from}"
    ))
    .bind::<Text, _>(id)
    .load(c)
    .map_err(db)?;
    Ok(rows.into_iter().next().map(|r| Owner {
        node: r.node,
        api_url: r.api_url,
        alive: r.alive,
    }))
}
