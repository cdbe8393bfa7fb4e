//! Persistence: diesel schema, migrations and queries, on SQLite (default,
//! embedded) or PostgreSQL (by URL scheme). The engine's [`Writer`] is the
//! only writer; everyone else reads through [`Store`]. Takes and returns
//! domain types; diesel never leaks out of this module.

mod backup;
mod bulk;
mod conn;
mod cron;
mod definitions;
mod model;
mod nodes;
mod outbox;
mod query;
mod read;
mod rows;
mod schema;
mod sql;
#[cfg(test)]
mod tests;
mod write;

pub use backup::{BackupReport, backup};
pub use definitions::DefinitionsMark;
pub use model::*;
pub use nodes::{Node, NodeStats, Owner, OwnerOf, Takeover};

use std::collections::HashMap;
use std::sync::Arc;

use diesel::r2d2::{Pool, PooledConnection};

use crate::domain::{ActionExecutionId, ExecutionId, State, TaskExecutionId, WorkflowId};
use conn::{AnyConnection, ProcessLock, ReadManager, Role};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL is not one we can open.
    #[error("bad database URL '{0}': expected sqlite://PATH, a file path, or postgres://...")]
    BadUrl(String),
    /// A list query names a field or value the store cannot use.
    #[error("{0}")]
    BadQuery(String),
    /// A list's `marker` names no row the caller sees (`table`, `marker`).
    #[error("marker '{1}' not found")]
    MarkerNotFound(&'static str, String),
    #[error("database error: {0}")]
    Database(String),
    /// Another process (another bora) holds this database.
    #[error("database {0} is in use by another bora process")]
    Locked(String),
    /// The database stayed locked by someone else past the busy timeout
    /// (5 s); the request may be retried (HTTP 503 with `Retry-After`).
    #[error("database busy: {0}")]
    Busy(String),
    /// The disk (or the database's size limit) is full (HTTP 507).
    #[error("database full: {0}")]
    Full(String),
    /// An operation this kind of database does not offer here.
    #[error("{0}")]
    Unsupported(String),
    /// A node's write refused: its lease is lost (another node took its
    /// executions over, or it could not renew in time).
    #[error("stale epoch: {0}")]
    Fenced(String),
    /// A node's commit names workflow versions another node deleted since
    /// this one saw them stored (ids); nothing was written, and the
    /// commit succeeds once the batch stores them.
    #[error("workflow versions missing from the store: {0:?}")]
    VersionsMissing(Vec<String>),
}

/// Read access for the API: a pool of read connections.
#[derive(Clone)]
pub struct Store {
    pool: Pool<ReadManager>,
    /// The `vars` of versions read lately. A version's id is the hash of
    /// its text, so what is read under an id never changes.
    vars: Arc<std::sync::Mutex<HashMap<String, serde_json::Value>>>,
}

/// Most versions whose `vars` a [`Store`] keeps (it forgets them all when
/// full).
const VARS_KEPT: usize = 256;

/// The engine's write connection. Holding it holds the database's
/// single-process lock. A PostgreSQL connection the server dropped is
/// opened again (and the lock taken again) on the next call.
pub struct Writer {
    conn: AnyConnection,
    target: conn::Target,
    lock: ProcessLock,
    /// In multi-node mode: the node whose epoch every commit checks.
    node: Option<Arc<Node>>,
}

/// How a node of several on one PostgreSQL joins (`store::open_node`).
#[derive(Clone, Debug)]
pub struct NodeSettings {
    /// The node's id, unique among the database's nodes.
    pub id: String,
    /// The URL of its API as the other nodes reach it.
    pub api_url: String,
    /// Its lease, renewed every third of it.
    pub lease: std::time::Duration,
}

/// A connection of its own that renews a node's lease (see
/// [`open_node`]); kept apart from the writer so a long commit never
/// delays a renewal.
pub struct LeaseKeeper {
    conn: Option<AnyConnection>,
    target: conn::Target,
    node: Arc<Node>,
}

impl LeaseKeeper {
    /// Renews the lease once: `Ok(false)` when it is lost, and the node is
    /// then marked so (its writer refuses every commit). A connection
    /// error is returned as is (the caller tries again while the lease
    /// lasts) and the connection is opened again on the next call.
    pub fn renew(&mut self) -> Result<bool, Error> {
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(conn::connect(&self.target, Role::Writer)?),
        };
        match nodes::renew(conn, &self.node) {
            Ok(true) => {
                self.node
                    .stats
                    .renewals
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(true)
            }
            Ok(false) => {
                self.node.lose();
                Ok(false)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }

    /// The node this keeper renews.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }
}

/// Opens the database at `url` (PostgreSQL only) as one node of several:
/// migrates, joins (bumping the node's epoch, which fences any earlier
/// process with the same id, and claiming unfinished executions no node
/// owns), and returns the read pool, the writer (every commit of which
/// checks the node's epoch and lease in its transaction) and the lease
/// keeper. The single-process lock is not taken: nodes share the
/// database; a single node (`open`) on the same schema is refused, and
/// refuses them, through the same advisory lock taken shared here.
pub fn open_node(
    url: &str,
    settings: &NodeSettings,
) -> Result<(Store, Writer, LeaseKeeper), Error> {
    let target = conn::parse_url(url)?;
    if !matches!(target, conn::Target::Postgres(_)) {
        return Err(Error::Unsupported(
            "several engine nodes (node_id) need a PostgreSQL database; \
             SQLite serves one node only"
                .into(),
        ));
    }
    let mut writer = conn::connect(&target, Role::Writer)?;
    let lock = conn::lock_shared(&target, &mut writer)?;
    conn::end_stalled_transactions(&mut writer, settings.lease)?;
    conn::migrate_one_at_a_time(&mut writer)?;
    let epoch = nodes::join(&mut writer, &settings.id, &settings.api_url, settings.lease)?;
    let node = Arc::new(Node {
        id: settings.id.clone(),
        epoch,
        lease: settings.lease,
        stats: NodeStats::default(),
    });
    let pool = conn::read_pool(&target)?;
    let keeper = LeaseKeeper {
        conn: Some(conn::connect(&target, Role::Writer)?),
        target: target.clone(),
        node: node.clone(),
    };
    Ok((
        Store::of(pool),
        Writer {
            conn: writer,
            target,
            lock,
            node: Some(node),
        },
        keeper,
    ))
}

/// Opens (creating if needed) and migrates the database at `url`.
///
/// `url` is `sqlite://PATH`, `sqlite:PATH` or a plain path for SQLite, and
/// `postgres://...` or `postgresql://...` for PostgreSQL; anything else,
/// including `:memory:` (each connection would get its own empty database),
/// is [`Error::BadUrl`]. A second open of the same database (SQLite: the
/// same file, through `<file>.lock`; PostgreSQL: the same schema, through a
/// session advisory lock) while a `Writer` lives, in this or another
/// process, is [`Error::Locked`].
pub fn open(url: &str) -> Result<(Store, Writer), Error> {
    let target = conn::parse_url(url)?;
    let (mut writer, lock) = match &target {
        conn::Target::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(Error::Database(format!(
                    "directory {} does not exist",
                    dir.display()
                )));
            }
            // Lock before the first connection: a refused second process
            // never touches the database file.
            let lock = conn::lock(&target, None)?;
            (conn::connect(&target, Role::Writer)?, lock)
        }
        conn::Target::Postgres(_) => {
            let mut writer = conn::connect(&target, Role::Writer)?;
            let lock = conn::lock(&target, Some(&mut writer))?;
            (writer, lock)
        }
    };
    conn::migrate(&mut writer)?;
    let pool = conn::read_pool(&target)?;
    Ok((
        Store::of(pool),
        Writer {
            conn: writer,
            target,
            lock,
            node: None,
        },
    ))
}

impl Writer {
    /// Applies a batch in one transaction, durably: when this returns `Ok`
    /// the batch survives a crash or power loss. On `Err` nothing of it was
    /// applied, except that a connection lost during the commit itself
    /// (PostgreSQL) leaves the outcome unknown to this side.
    pub fn commit(&mut self, batch: &Batch) -> Result<(), Error> {
        if batch.is_empty() {
            return Ok(());
        }
        if let Err(e) = write::begin(&mut self.conn) {
            // Most often a connection the server dropped while it was idle.
            self.revive(e)?;
            write::begin(&mut self.conn)?;
        }
        let result = write::finish(&mut self.conn, batch, self.node.as_deref());
        if let (Err(Error::Fenced(_)), Some(node)) = (&result, &self.node) {
            nodes::count_rejected(&mut self.conn, node);
        }
        if result.is_err()
            && !self.alive()
            && let Err(e) = self.reconnect()
        {
            log::warn!("store: cannot reconnect the writer yet: {e}");
        }
        result
    }

    /// Loads everything not yet finished (in multi-node mode: what this
    /// node owns).
    pub fn load_active(&mut self) -> Result<ActiveSet, Error> {
        match self.node.clone() {
            None => self.read(read::load_active),
            Some(node) => self.read(|c| {
                let (execs, standalone) = nodes::owned(c, &node.id)?;
                read::load_ids(c, &execs, &standalone)
            }),
        }
    }

    /// The node this writer commits as, in multi-node mode.
    pub fn node(&self) -> Option<&Arc<Node>> {
        self.node.as_ref()
    }

    /// The node processes that may have ended with work still addressed
    /// to them (multi-node mode; empty otherwise): `(node id, epoch)`.
    pub fn ended_processes(&mut self) -> Result<Vec<(String, i64)>, Error> {
        let Some(node) = self.node.clone() else {
            return Ok(Vec::new());
        };
        nodes::ended_processes(&mut self.conn, &node)
    }

    /// Takes over the executions of one node whose lease ran out (multi-node
    /// mode), and loads them: what moved, with everything to install.
    /// `None` when no lease ran out, or in single-node mode.
    pub fn take_over(&mut self) -> Result<Option<(Takeover, ActiveSet)>, Error> {
        let Some(node) = self.node.clone() else {
            return Ok(None);
        };
        let Some(t) = nodes::take_over(&mut self.conn, &node)? else {
            return Ok(None);
        };
        node.stats
            .takeovers
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        node.stats.taken_over.fetch_add(
            (t.executions.len() + t.standalone.len()) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let set = self.read(|c| read::load_ids(c, &t.executions, &t.standalone))?;
        Ok(Some((t, set)))
    }

    /// A workflow `access` sees, by name (in a namespace; its own before a
    /// public one) or by id.
    pub fn find_workflow(
        &mut self,
        name_or_id: &str,
        namespace: &str,
        access: &Access,
    ) -> Result<Option<WorkflowDef>, Error> {
        self.read(|c| read::find_workflow(c, name_or_id, namespace, access))
    }

    /// `project`'s workflows by name in a namespace, for uniqueness checks
    /// on upload.
    pub fn workflows_named(
        &mut self,
        names: &[String],
        namespace: &str,
        project: &str,
    ) -> Result<Vec<WorkflowDef>, Error> {
        self.read(|c| read::workflows_named(c, names, namespace, project))
    }

    /// Every ad-hoc action definition, of every project (the engine keeps
    /// them all in memory).
    pub fn all_action_definitions(&mut self) -> Result<Vec<ActionDef>, Error> {
        self.read(definitions::all_action_definitions)
    }

    /// The mark of the workflow and ad-hoc action definitions (see
    /// [`DefinitionsMark`]).
    pub fn definitions_mark(&mut self) -> Result<DefinitionsMark, Error> {
        self.read(definitions::definitions_mark)
    }

    /// A workbook `access` sees by id, else by name in `namespace`; the
    /// caller's own before a public one.
    pub fn find_workbook(
        &mut self,
        name_or_id: &str,
        namespace: &str,
        access: &Access,
    ) -> Result<Option<WorkbookRecord>, Error> {
        self.read(|c| definitions::find_workbook(c, name_or_id, namespace, access))
    }

    /// An environment `access` sees, by name or id.
    pub fn get_environment(
        &mut self,
        name_or_id: &str,
        access: &Access,
    ) -> Result<Option<EnvironmentRecord>, Error> {
        self.read(|c| read::get_environment(c, name_or_id, access))
    }

    /// A cron trigger `access` sees, by name or id.
    pub fn get_cron_trigger(
        &mut self,
        name_or_id: &str,
        access: &Access,
    ) -> Result<Option<CronTriggerRecord>, Error> {
        self.read(|c| cron::get(c, name_or_id, access))
    }

    /// `project`'s cron triggers on the workflow named `workflow_name`.
    pub fn cron_triggers_named_workflow(
        &mut self,
        project: &str,
        workflow_name: &str,
    ) -> Result<Vec<CronTriggerRecord>, Error> {
        self.read(|c| cron::of_workflow_name(c, project, workflow_name))
    }

    /// The ids of the cron triggers (of any project) that start workflow `id`.
    pub fn cron_triggers_of_workflow(&mut self, id: WorkflowId) -> Result<Vec<String>, Error> {
        let id = id.to_string();
        self.read(|c| cron::of_workflow(c, &id))
    }

    /// Up to `limit` cron triggers due before `before`, the most overdue first.
    pub fn due_cron_triggers(
        &mut self,
        before: crate::domain::Timestamp,
        limit: i64,
    ) -> Result<Vec<CronTriggerRecord>, Error> {
        self.read(|c| cron::due(c, before, limit))
    }

    /// Finished top-level executions in `states` that retention may
    /// delete, at most `limit`: last updated before `before` when given,
    /// else those past the `keep` most recently updated.
    pub fn expired_roots(
        &mut self,
        states: &[State],
        before: Option<crate::domain::Timestamp>,
        keep: usize,
        limit: usize,
    ) -> Result<Vec<ExecutionId>, Error> {
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| read::expired_roots(c, states, before, keep, limit))
    }

    /// The executions started by the tasks of `id` (its direct children).
    pub fn sub_executions(&mut self, id: ExecutionId) -> Result<Vec<ExecutionId>, Error> {
        self.read(|c| read::sub_executions(c, id))
    }

    /// One task execution.
    pub fn get_task(&mut self, id: TaskExecutionId) -> Result<Option<TaskRecord>, Error> {
        self.read(|c| read::get_task(c, id))
    }

    /// One action execution.
    pub fn get_action_execution(
        &mut self,
        id: ActionExecutionId,
    ) -> Result<Option<ActionExecutionRecord>, Error> {
        self.read(|c| read::get_action_execution(c, id))
    }

    /// The action executions of one task execution, in creation order.
    pub fn task_action_executions(
        &mut self,
        task: TaskExecutionId,
    ) -> Result<Vec<ActionExecutionRecord>, Error> {
        self.read(|c| read::task_action_executions(c, task))
    }

    /// One execution with all its tasks and action executions (empty when
    /// there is no such execution).
    pub fn load_execution(&mut self, id: ExecutionId) -> Result<ActiveSet, Error> {
        self.read(|c| read::load_execution(c, id))
    }

    /// One execution, for idempotent create and for finished executions.
    pub fn get_execution(&mut self, id: ExecutionId) -> Result<Option<ExecutionRecord>, Error> {
        self.read(|c| read::get_execution(c, id))
    }

    /// Returns up to `pages` free pages of a SQLite file to the file system
    /// (the database is created with `auto_vacuum = INCREMENTAL`; a file
    /// made before that keeps its free pages for reuse instead).
    /// PostgreSQL's autovacuum does this by itself.
    pub fn reclaim_space(&mut self, pages: u32) -> Result<(), Error> {
        match &mut self.conn {
            AnyConnection::Sqlite(c) => {
                use diesel::connection::SimpleConnection;
                c.batch_execute(&format!("PRAGMA incremental_vacuum({pages})"))
                    .map_err(read::db)
            }
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(_) => Ok(()),
        }
    }

    /// The node that owns execution `id` (multi-node mode).
    pub fn execution_owner(&mut self, id: ExecutionId) -> Result<Option<Owner>, Error> {
        let id = id.to_string();
        self.read(|c| nodes::owner_of(c, OwnerOf::Execution, &id))
    }

    /// Runs a read; if it failed because the connection is gone, reconnects
    /// and runs it once more.
    fn read<T>(&mut self, f: impl Fn(&mut AnyConnection) -> Result<T, Error>) -> Result<T, Error> {
        match f(&mut self.conn) {
            Err(e) => {
                self.revive(e)?;
                f(&mut self.conn)
            }
            ok => ok,
        }
    }

    /// After `e`: reconnects if the connection is gone, else returns `e`.
    fn revive(&mut self, e: Error) -> Result<(), Error> {
        if self.alive() {
            return Err(e);
        }
        log::warn!("store: writer connection lost ({e}); reconnecting");
        self.reconnect()
    }

    fn alive(&mut self) -> bool {
        use diesel::connection::SimpleConnection;
        self.conn.batch_execute("SELECT 1").is_ok()
    }

    /// Opens the write connection again; on PostgreSQL takes the lock again
    /// (the server released it with the old session).
    fn reconnect(&mut self) -> Result<(), Error> {
        let mut conn = conn::connect(&self.target, Role::Writer)?;
        if let Some(node) = &self.node {
            self.lock = conn::lock_shared(&self.target, &mut conn)?;
            conn::end_stalled_transactions(&mut conn, node.lease)?;
        } else if matches!(self.target, conn::Target::Postgres(_)) {
            self.lock = conn::lock(&self.target, Some(&mut conn))?;
        }
        self.conn = conn;
        Ok(())
    }
}

/// The list functions take Mistral's paging, sorting and filters on the
/// fields Mistral allows for each resource (plus `id` and a few more named
/// below); sorting is allowed on the same fields. An unknown field, an
/// operator a field does not support or a value that does not parse is
/// [`Error::BadQuery`], naming it. `get_*` and `find_*` answer `None` for an
/// unknown id or name.
///
/// Filter semantics, the same on both backends: `has` is a case-sensitive
/// substring test (JSON fields are matched in their compact serialization,
/// `{"a":1}`); on `tags`, `eq`/`has` mean "has this tag", `neq` "lacks it",
/// `in` "has any", `nin` "has none"; `gt`..`lte` work on text, states and
/// timestamps (`2026-01-31 12:00:00[.ffffff]`, ISO `T` form, or a bare
/// date); booleans take `true`/`false`/`1`/`0`; states take Mistral names
/// (`DELAYED`, or `RUNNING_DELAYED`); `neq`/`nin` do not match NULL.
///
/// Tenancy: every list is scoped by `ListQuery::access` and every point
/// read takes an [`Access`]; a record the caller may not see answers `None`,
/// exactly like an unknown id.
impl Store {
    fn of(pool: Pool<ReadManager>) -> Self {
        Store {
            pool,
            vars: Arc::default(),
        }
    }

    fn conn(&self) -> Result<PooledConnection<ReadManager>, Error> {
        // All read connections taken for the pool's timeout: the API is
        // overloaded, which is what Busy (503) says.
        self.pool.get().map_err(|e| Error::Busy(e.to_string()))
    }

    /// Filters: name, input, definition, interface, checksum, tags, scope,
    /// namespace, project_id, created_at, updated_at.
    pub fn list_workflows(&self, q: &ListQuery) -> Result<Vec<WorkflowDef>, Error> {
        read::records(query::lists::workflows(&mut *self.conn()?, q)?)
    }

    /// By id if `name_or_id` is a uuid (in any namespace), else by name in
    /// `namespace`; the caller's own before a public one.
    pub fn find_workflow(
        &self,
        access: &Access,
        name_or_id: &str,
        namespace: &str,
    ) -> Result<Option<WorkflowDef>, Error> {
        read::find_workflow(&mut *self.conn()?, name_or_id, namespace, access)
    }

    /// Filters: workflow_name, workflow_id, workflow_namespace, description,
    /// tags, params, task_execution_id, root_execution_id,
    /// source_execution_id, state, state_info, input, output, created_at,
    /// updated_at, project_id.
    /// A page of executions, without `context` (left null): lists do not
    /// render it, and it grows with the execution's data.
    pub fn list_executions(&self, q: &ListQuery) -> Result<Vec<ExecutionRecord>, Error> {
        self.list_execution_summaries(q, true)?
            .into_iter()
            .map(ExecutionSummary::into_record)
            .collect()
    }

    /// A page of executions as a list shows them: their JSON columns as the
    /// text stored, `output` only if `with_output`.
    pub fn list_execution_summaries(
        &self,
        q: &ListQuery,
        with_output: bool,
    ) -> Result<Vec<ExecutionSummary>, Error> {
        let conn = &mut *self.conn()?;
        match with_output {
            true => read::records(query::lists::executions_with_output(conn, q)?),
            false => read::records(query::lists::executions(conn, q)?),
        }
    }

    pub fn get_execution(
        &self,
        access: &Access,
        id: ExecutionId,
    ) -> Result<Option<ExecutionRecord>, Error> {
        Ok(read::visible(
            read::get_execution(&mut *self.conn()?, id)?,
            access,
        ))
    }

    /// The `vars` of the spec of version `spec_id` (JSON null when it has
    /// none), without reading the whole spec; `None` if no such version is
    /// stored.
    pub fn version_vars(&self, spec_id: &str) -> Result<Option<serde_json::Value>, Error> {
        if let Some(v) = self.kept_vars().get(spec_id) {
            return Ok(Some(v.clone()));
        }
        let Some(text) = read::version_vars(&mut *self.conn()?, spec_id)? else {
            return Ok(None);
        };
        let vars: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Database(format!("version {spec_id} unreadable: {e}")))?;
        let mut kept = self.kept_vars();
        if kept.len() >= VARS_KEPT {
            kept.clear();
        }
        kept.insert(spec_id.to_string(), vars.clone());
        Ok(Some(vars))
    }

    fn kept_vars(&self) -> std::sync::MutexGuard<'_, HashMap<String, serde_json::Value>> {
        // A panic while holding the lock leaves the map whole.
        self.vars.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Task `task`'s spec (`lang::TaskSpec` as JSON) in the version
    /// `spec_id`, or `None` if no such version or task is stored.
    pub fn version_task(&self, spec_id: &str, task: &str) -> Result<Option<String>, Error> {
        read::version_task(&mut *self.conn()?, spec_id, task)
    }

    /// The spec (`lang::WorkflowSpec` as JSON) of the version `spec_id`
    /// (an execution's), or `None` if no such version is stored.
    pub fn version_spec(&self, spec_id: &str) -> Result<Option<serde_json::Value>, Error> {
        read::version_spec(&mut *self.conn()?, spec_id)?
            .map(|text| {
                serde_json::from_str(&text)
                    .map_err(|e| Error::Database(format!("version {spec_id} unreadable: {e}")))
            })
            .transpose()
    }

    /// Filters: name, workflow_name, workflow_id, workflow_namespace,
    /// workflow_execution_id, type, tags, state, state_info, runtime_context,
    /// result, published, processed, created_at, updated_at, started_at,
    /// finished_at, project_id. `in_context` is not read (left null).
    pub fn list_tasks(&self, q: &ListQuery) -> Result<Vec<TaskRecord>, Error> {
        read::records(query::lists::tasks(&mut *self.conn()?, q)?)
    }

    pub fn get_task(
        &self,
        access: &Access,
        id: TaskExecutionId,
    ) -> Result<Option<TaskRecord>, Error> {
        Ok(read::visible(
            read::get_task(&mut *self.conn()?, id)?,
            access,
        ))
    }

    /// Filters: name, tags, workflow_name, workflow_namespace, task_name,
    /// task_execution_id, workflow_execution_id, state, state_info, accepted,
    /// input, output, params, description, created_at, updated_at,
    /// project_id.
    pub fn list_action_executions(
        &self,
        q: &ListQuery,
    ) -> Result<Vec<ActionExecutionRecord>, Error> {
        read::records(query::lists::action_executions(&mut *self.conn()?, q)?)
    }

    pub fn get_action_execution(
        &self,
        access: &Access,
        id: ActionExecutionId,
    ) -> Result<Option<ActionExecutionRecord>, Error> {
        Ok(read::visible(
            read::get_action_execution(&mut *self.conn()?, id)?,
            access,
        ))
    }

    pub fn list_environments(&self, q: &ListQuery) -> Result<Vec<EnvironmentRecord>, Error> {
        read::records(query::lists::environments(&mut *self.conn()?, q)?)
    }

    /// Filters: name, namespace, definition, input, description, tags,
    /// scope, project_id, created_at, updated_at.
    pub fn list_action_definitions(&self, q: &ListQuery) -> Result<Vec<ActionDef>, Error> {
        read::records(query::lists::action_definitions(&mut *self.conn()?, q)?)
    }

    /// An ad-hoc action `access` sees by id, else by name in `namespace`,
    /// else by name in the default namespace; the caller's own before a
    /// public one.
    pub fn find_action_definition(
        &self,
        access: &Access,
        name_or_id: &str,
        namespace: &str,
    ) -> Result<Option<ActionDef>, Error> {
        definitions::find_action_definition(&mut *self.conn()?, name_or_id, namespace, access)
    }

    /// Filters: name, namespace, definition, tags, scope, project_id,
    /// created_at, updated_at.
    pub fn list_workbooks(&self, q: &ListQuery) -> Result<Vec<WorkbookRecord>, Error> {
        read::records(query::lists::workbooks(&mut *self.conn()?, q)?)
    }

    /// A workbook `access` sees by id, else by name in `namespace`; the
    /// caller's own before a public one.
    pub fn find_workbook(
        &self,
        access: &Access,
        name_or_id: &str,
        namespace: &str,
    ) -> Result<Option<WorkbookRecord>, Error> {
        definitions::find_workbook(&mut *self.conn()?, name_or_id, namespace, access)
    }

    /// Filters: name, pattern, remaining_executions, first_execution_time,
    /// next_execution_time,
    /// workflow_name, workflow_id, workflow_input, workflow_params, scope,
    /// project_id, created_at, updated_at.
    pub fn list_cron_triggers(&self, q: &ListQuery) -> Result<Vec<CronTriggerRecord>, Error> {
        read::records(query::lists::cron_triggers(&mut *self.conn()?, q)?)
    }

    /// Up to `limit` outbox rows with an id above `after`, in id order.
    pub fn notifications_after(&self, after: i64, limit: i64) -> Result<Vec<Notification>, Error> {
        outbox::after(&mut *self.conn()?, after, limit)
    }

    /// How many outbox rows wait for delivery.
    pub fn notifications_waiting(&self) -> Result<i64, Error> {
        outbox::count(&mut *self.conn()?)
    }

    /// A cron trigger by name or id; the caller's own before a public one.
    pub fn get_cron_trigger(
        &self,
        access: &Access,
        name_or_id: &str,
    ) -> Result<Option<CronTriggerRecord>, Error> {
        cron::get(&mut *self.conn()?, name_or_id, access)
    }

    /// The node that owns the execution, task or action execution `id`
    /// (multi-node mode; `None` when no node owns it).
    pub fn owner(&self, what: OwnerOf, id: &str) -> Result<Option<Owner>, Error> {
        nodes::owner_of(&mut *self.conn()?, what, id)
    }

    /// An environment by name or id; the caller's own before a public one.
    pub fn get_environment(
        &self,
        access: &Access,
        name_or_id: &str,
    ) -> Result<Option<EnvironmentRecord>, Error> {
        read::get_environment(&mut *self.conn()?, name_or_id, access)
    }
}
