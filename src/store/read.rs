//! Point reads shared by the engine's `Writer` and the API's `Store`: by id,
//! by name, and the recovery load of everything not yet finished.

use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{
    Access, ActionExecutionRecord, ActiveSet, EnvironmentRecord, ExecutionRecord, Owned,
    TaskRecord, WorkflowDef, WorkflowVersion,
};
use super::schema::{
    action_executions, environments, task_executions, workflow_definitions, workflow_executions,
    workflow_versions,
};
use crate::domain::{ActionExecutionId, ExecutionId, State, TaskExecutionId, WorkflowId};

/// Classifies a diesel error: lock timeouts are [`Error::Busy`], a full
/// disk is [`Error::Full`], the rest [`Error::Database`].
pub(super) fn db(e: diesel::result::Error) -> Error {
    let msg = e.to_string();
    let lower = msg.to_ascii_lowercase();
    let busy = [
        "database is locked",
        "database table is locked",
        "lock timeout",
    ];
    let full = [
        "database or disk is full",
        "could not extend file",
        "no space left on device",
    ];
    if busy.iter().any(|m| lower.contains(m)) {
        Error::Busy(msg)
    } else if full.iter().any(|m| lower.contains(m)) {
        Error::Full(msg)
    } else {
        Error::Database(msg)
    }
}

/// Converts loaded rows (records, or list views of them) to records.
pub(super) fn records<R, T>(rows: Vec<R>) -> Result<Vec<T>, Error>
where
    T: From<R>,
{
    Ok(rows.into_iter().map(T::from).collect())
}

/// The one tenant check of point reads: `rec` if `access` sees it. A
/// record the caller may not see is as absent as an unknown id.
pub(super) fn visible<T: Owned>(rec: Option<T>, access: &Access) -> Option<T> {
    rec.filter(|r| access.sees(r.project_id(), r.public()))
}

/// Of several records with one name (one per project at most), the
/// caller's own, else a public one it sees.
pub(super) fn own_first<T: Owned>(recs: Vec<T>, access: &Access) -> Option<T> {
    let own = |r: &T| match access {
        Access::Project(p) => r.project_id() == p,
        _ => true,
    };
    let mut seen: Vec<T> = recs
        .into_iter()
        .filter(|r| access.sees(r.project_id(), r.public()))
        .collect();
    match seen.iter().position(own) {
        Some(i) => Some(seen.swap_remove(i)),
        None => seen.into_iter().next(),
    }
}

/// A workflow by id if `name_or_id` is a uuid, else by name in `namespace`
/// (the caller's own before another project's public one).
pub(super) fn find_workflow(
    conn: &mut AnyConnection,
    name_or_id: &str,
    namespace: &str,
    access: &Access,
) -> Result<Option<WorkflowDef>, Error> {
    use workflow_definitions::dsl as w;
    let rows = if let Ok(id) = name_or_id.parse::<WorkflowId>() {
        w::workflow_definitions
            .find(id.to_string())
            .select(WorkflowDef::as_select())
            .load(conn)
    } else {
        w::workflow_definitions
            .filter(w::name.eq(name_or_id))
            .filter(w::namespace.eq(namespace))
            .select(WorkflowDef::as_select())
            .order(w::created_at)
            .load(conn)
    };
    Ok(own_first(records(rows.map_err(db)?)?, access))
}

/// The workflows of `project` with any of `names` in `namespace`.
pub(super) fn workflows_named(
    conn: &mut AnyConnection,
    names: &[String],
    namespace: &str,
    project: &str,
) -> Result<Vec<WorkflowDef>, Error> {
    use workflow_definitions::dsl as w;
    let mut out = Vec::new();
    for chunk in names.chunks(500) {
        let rows = w::workflow_definitions
            .filter(w::name.eq_any(chunk))
            .filter(w::namespace.eq(namespace))
            .filter(w::project_id.eq(project))
            .select(WorkflowDef::as_select())
            .order(w::name)
            .load(conn)
            .map_err(db)?;
        out.extend(records::<_, WorkflowDef>(rows)?);
    }
    Ok(out)
}

pub(super) fn get_execution(
    conn: &mut AnyConnection,
    id: ExecutionId,
) -> Result<Option<ExecutionRecord>, Error> {
    workflow_executions::table
        .find(id.to_string())
        .select(ExecutionRecord::as_select())
        .first(conn)
        .optional()
        .map_err(db)
}

/// The ids of the executions started by the tasks of `id`.
pub(super) fn sub_executions(
    conn: &mut AnyConnection,
    id: ExecutionId,
) -> Result<Vec<ExecutionId>, Error> {
    let task_ids = task_executions::table
        .filter(task_executions::execution_id.eq(id.to_string()))
        .select(task_executions::id.nullable());
    let ids: Vec<String> = workflow_executions::table
        .filter(workflow_executions::task_execution_id.eq_any(task_ids))
        .select(workflow_executions::id)
        .load(conn)
        .map_err(db)?;
    Ok(ids.iter().filter_map(|s| s.parse().ok()).collect())
}

pub(super) fn get_task(
    conn: &mut AnyConnection,
    id: TaskExecutionId,
) -> Result<Option<TaskRecord>, Error> {
    task_executions::table
        .find(id.to_string())
        .select(TaskRecord::as_select())
        .first(conn)
        .optional()
        .map_err(db)
}

pub(super) fn get_action_execution(
    conn: &mut AnyConnection,
    id: ActionExecutionId,
) -> Result<Option<ActionExecutionRecord>, Error> {
    action_executions::table
        .find(id.to_string())
        .select(ActionExecutionRecord::as_select())
        .first(conn)
        .optional()
        .map_err(db)
}

/// The action executions of one task execution, in creation order.
pub(super) fn task_action_executions(
    conn: &mut AnyConnection,
    task: TaskExecutionId,
) -> Result<Vec<ActionExecutionRecord>, Error> {
    let rows = action_executions::table
        .filter(action_executions::task_execution_id.eq(task.to_string()))
        .select(ActionExecutionRecord::as_select())
        .order((action_executions::created_at, action_executions::id))
        .load(conn)
        .map_err(db)?;
    records(rows)
}

/// The states of an execution that is not finished.
const ACTIVE: [State; 3] = [State::Idle, State::Running, State::Paused];

/// Executions in IDLE, RUNNING or PAUSED, all their tasks, and all the action
/// executions of those tasks, each in creation order.
pub(super) fn load_active(conn: &mut AnyConnection) -> Result<ActiveSet, Error> {
    let active: Vec<&str> = ACTIVE.iter().map(|s| s.as_str()).collect();
    let active_ids = workflow_executions::table
        .filter(workflow_executions::state.eq_any(active.clone()))
        .select(workflow_executions::id);
    let executions = workflow_executions::table
        .filter(workflow_executions::state.eq_any(active.clone()))
        .select(ExecutionRecord::as_select())
        .order((workflow_executions::created_at, workflow_executions::id))
        .load(conn)
        .map_err(db)?;
    let tasks = task_executions::table
        .filter(task_executions::execution_id.eq_any(active_ids))
        .select(TaskRecord::as_select())
        .order((task_executions::created_at, task_executions::id))
        .load(conn)
        .map_err(db)?;
    let task_ids = task_executions::table
        .filter(
            task_executions::execution_id.eq_any(
                workflow_executions::table
                    .filter(workflow_executions::state.eq_any(active))
                    .select(workflow_executions::id),
            ),
        )
        .select(task_executions::id.nullable());
    let action_executions = action_executions::table
        .filter(action_executions::task_execution_id.eq_any(task_ids))
        .select(ActionExecutionRecord::as_select())
        .order((action_executions::created_at, action_executions::id))
        .load(conn)
        .map_err(db)?;
    let standalone = action_executions::table
        .filter(action_executions::task_execution_id.is_null())
        .filter(action_executions::state.eq_any([
            crate::domain::State::Idle.as_str(),
            crate::domain::State::Running.as_str(),
        ]))
        .select(ActionExecutionRecord::as_select())
        .order((action_executions::created_at, action_executions::id))
        .load(conn)
        .map_err(db)?;
    let executions: Vec<ExecutionRecord> = records(executions)?;
    let versions = versions_of(conn, &executions)?;
    Ok(ActiveSet {
        executions,
        tasks: records(tasks)?,
        action_executions: records(action_executions)?,
        standalone: records(standalone)?,
        versions,
    })
}

/// The executions `ids` (any state) with their tasks and those tasks'
/// action executions, and the standalone action executions `standalone`,
/// each in creation order: what a node owns, at its start or after a
/// takeover.
pub(super) fn load_ids(
    conn: &mut AnyConnection,
    ids: &[String],
    standalone: &[String],
) -> Result<ActiveSet, Error> {
    let mut set = ActiveSet::default();
    for chunk in ids.chunks(512) {
        let executions = workflow_executions::table
            .filter(workflow_executions::id.eq_any(chunk))
            .select(ExecutionRecord::as_select())
            .order((workflow_executions::created_at, workflow_executions::id))
            .load(conn)
            .map_err(db)?;
        let tasks = task_executions::table
            .filter(task_executions::execution_id.eq_any(chunk))
            .select(TaskRecord::as_select())
            .order((task_executions::created_at, task_executions::id))
            .load(conn)
            .map_err(db)?;
        let task_ids = task_executions::table
            .filter(task_executions::execution_id.eq_any(chunk))
            .select(task_executions::id.nullable());
        let actions = action_executions::table
            .filter(action_executions::task_execution_id.eq_any(task_ids))
            .select(ActionExecutionRecord::as_select())
            .order((action_executions::created_at, action_executions::id))
            .load(conn)
            .map_err(db)?;
        set.executions
            .extend(records::<_, ExecutionRecord>(executions)?);
        set.tasks.extend(records::<_, TaskRecord>(tasks)?);
        set.action_executions
            .extend(records::<_, ActionExecutionRecord>(actions)?);
    }
    for chunk in standalone.chunks(512) {
        let rows = action_executions::table
            .filter(action_executions::id.eq_any(chunk))
            .select(ActionExecutionRecord::as_select())
            .order((action_executions::created_at, action_executions::id))
            .load(conn)
            .map_err(db)?;
        set.standalone
            .extend(records::<_, ActionExecutionRecord>(rows)?);
    }
    // Parents before children, as `load_active` gives them.
    set.executions
        .sort_by_key(|e| (e.created_at, e.id.to_string()));
    set.versions = versions_of(conn, &set.executions)?;
    Ok(set)
}

/// The versions `executions` run, each once.
fn versions_of(
    conn: &mut AnyConnection,
    executions: &[ExecutionRecord],
) -> Result<Vec<WorkflowVersion>, Error> {
    let mut ids: Vec<&str> = executions.iter().map(|e| e.spec_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            workflow_versions::table
                .filter(workflow_versions::id.eq_any(chunk))
                .select(WorkflowVersion::as_select())
                .load(conn)
                .map_err(db)?,
        );
    }
    Ok(out)
}

/// The spec text of a version.
pub(super) fn version_spec(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, Error> {
    workflow_versions::table
        .find(id)
        .select(workflow_versions::spec)
        .first(conn)
        .optional()
        .map_err(db)
}

/// Task `task`'s spec in a version's spec, as JSON text, picked out by the
/// database: a large spec is neither sent nor parsed whole. `None` if no
/// such version or task is stored.
pub(super) fn version_task(
    conn: &mut AnyConnection,
    id: &str,
    task: &str,
) -> Result<Option<String>, Error> {
    #[derive(QueryableByName)]
    struct Part {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        part: Option<String>,
    }
    let rows: Vec<Part> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT t.value AS part FROM workflow_versions v, json_each(v.spec, '$.tasks') t \
             WHERE v.id = ? AND t.key = ?",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .bind::<diesel::sql_types::Text, _>(task)
        .load(c),
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT (spec::json -> 'tasks' -> $2)::text AS part FROM workflow_versions WHERE id = $1",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .bind::<diesel::sql_types::Text, _>(task)
        .load(c),
    }
    .map_err(db)?;
    Ok(rows.into_iter().next().and_then(|r| r.part))
}

/// The `vars` of a version's spec as JSON text (`null` when it has none),
/// picked out by the database: a large spec is neither sent nor parsed
/// whole. `None` if no such version is stored.
pub(super) fn version_vars(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, Error> {
    #[derive(QueryableByName)]
    struct Vars {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        vars: Option<String>,
    }
    let rows: Vec<Vars> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT json_quote(json_extract(spec, '$.vars')) AS vars \
             FROM workflow_versions WHERE id = ?",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .load(c),
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT (spec::json -> 'vars')::text AS vars FROM workflow_versions WHERE id = $1",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .load(c),
    }
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .next()
        .map(|r| r.vars.unwrap_or_else(|| "null".into())))
}

/// One execution (any state) with all its tasks and their action
/// executions, each in creation order: what the engine reloads to rerun a
/// task of a finished execution.
pub(super) fn load_execution(
    conn: &mut AnyConnection,
    id: ExecutionId,
) -> Result<ActiveSet, Error> {
    let Some(execution) = get_execution(conn, id)? else {
        return Ok(ActiveSet::default());
    };
    let key = id.to_string();
    let tasks = task_executions::table
        .filter(task_executions::execution_id.eq(&key))
        .select(TaskRecord::as_select())
        .order((task_executions::created_at, task_executions::id))
        .load(conn)
        .map_err(db)?;
    let task_ids = task_executions::table
        .filter(task_executions::execution_id.eq(&key))
        .select(task_executions::id.nullable());
    let actions = action_executions::table
        .filter(action_executions::task_execution_id.eq_any(task_ids))
        .select(ActionExecutionRecord::as_select())
        .order((action_executions::created_at, action_executions::id))
        .load(conn)
        .map_err(db)?;
    let executions = vec![execution];
    let versions = versions_of(conn, &executions)?;
    Ok(ActiveSet {
        executions,
        tasks: records(tasks)?,
        action_executions: records(actions)?,
        standalone: Vec::new(),
        versions,
    })
}

/// An environment by name or id (the caller's own before another
/// project's public one).
pub(super) fn get_environment(
    conn: &mut AnyConnection,
    name_or_id: &str,
    access: &Access,
) -> Result<Option<EnvironmentRecord>, Error> {
    let rows = environments::table
        .filter(
            environments::name
                .eq(name_or_id)
                .or(environments::id.eq(name_or_id)),
        )
        .select(EnvironmentRecord::as_select())
        .order(environments::created_at)
        .load(conn)
        .map_err(db)?;
    Ok(own_first(records(rows)?, access))
}

/// Finished top-level executions a retention pass may delete, up to
/// `limit`: with `before`, those last updated before it (oldest first);
/// otherwise those beyond the `keep` most recently updated. Only
/// executions in `states` count (Mistral's
/// `_get_completed_root_executions_query`).
pub(super) fn expired_roots(
    conn: &mut AnyConnection,
    states: &[State],
    before: Option<crate::domain::Timestamp>,
    keep: i64,
    limit: i64,
) -> Result<Vec<ExecutionId>, Error> {
    let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let roots = workflow_executions::table
        .filter(workflow_executions::task_execution_id.is_null())
        .filter(workflow_executions::state.eq_any(states))
        .filter(workflow_executions::updated_at.is_not_null())
        .select(workflow_executions::id)
        .into_boxed();
    let ids: Vec<String> = match before {
        Some(t) => roots
            .filter(workflow_executions::updated_at.lt(t))
            .order(workflow_executions::updated_at.asc())
            .limit(limit)
            .load(conn),
        None => roots
            .order(workflow_executions::updated_at.desc())
            .offset(keep)
            .limit(limit)
            .load(conn),
    }
    .map_err(db)?;
    Ok(ids.iter().filter_map(|s| s.parse().ok()).collect())
}
