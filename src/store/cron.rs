//! Cron triggers in the store: the row, point reads for the engine and the
//! API, and the firings' claims (compare-and-set on `next_execution_time`),
//! applied by the group commit.

use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{Access, CronAdvance, CronTriggerRecord};
use super::read::{db, own_first, records};
use super::rows::{json_text, json_value};
use super::schema::cron_triggers;
use crate::domain::Timestamp;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = cron_triggers)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct CronTriggerRow {
    pub id: String,
    pub name: String,
    pub pattern: String,
    pub first_execution_time: Option<Timestamp>,
    pub next_execution_time: Timestamp,
    pub remaining_executions: Option<i32>,
    pub workflow_name: String,
    pub workflow_id: String,
    pub workflow_namespace: String,
    pub workflow_input: String,
    pub workflow_params: String,
    pub timezone: Option<String>,
    pub catch_up: Option<String>,
    pub scope: String,
    pub project_id: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
}

impl From<&CronTriggerRecord> for CronTriggerRow {
    fn from(t: &CronTriggerRecord) -> Self {
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            pattern: t.pattern.clone(),
            first_execution_time: t.first_execution_time,
            next_execution_time: t.next_execution_time,
            remaining_executions: t.remaining_executions,
            workflow_name: t.workflow_name.clone(),
            workflow_id: t.workflow_id.clone(),
            workflow_namespace: t.workflow_namespace.clone(),
            workflow_input: json_text(&t.workflow_input),
            workflow_params: json_text(&t.workflow_params),
            timezone: t.timezone.clone(),
            catch_up: t.catch_up.clone(),
            scope: t.scope.clone(),
            project_id: t.project_id.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

impl TryFrom<CronTriggerRow> for CronTriggerRecord {
    type Error = Error;
    fn try_from(r: CronTriggerRow) -> Result<Self, Error> {
        Ok(Self {
            workflow_input: json_value("cron trigger", &r.id, "workflow_input", &r.workflow_input)?,
            workflow_params: json_value(
                "cron trigger",
                &r.id,
                "workflow_params",
                &r.workflow_params,
            )?,
            id: r.id,
            name: r.name,
            pattern: r.pattern,
            first_execution_time: r.first_execution_time,
            next_execution_time: r.next_execution_time,
            remaining_executions: r.remaining_executions,
            workflow_name: r.workflow_name,
            workflow_id: r.workflow_id,
            workflow_namespace: r.workflow_namespace,
            timezone: r.timezone,
            catch_up: r.catch_up,
            scope: r.scope,
            project_id: r.project_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// A trigger by name or id: the caller's own before another project's
/// public one.
pub(super) fn get(
    conn: &mut AnyConnection,
    name_or_id: &str,
    access: &Access,
) -> Result<Option<CronTriggerRecord>, Error> {
    use cron_triggers::dsl as c;
    let rows = c::cron_triggers
        .filter(c::name.eq(name_or_id).or(c::id.eq(name_or_id)))
        .select(CronTriggerRow::as_select())
        .order((c::created_at, c::id))
        .load(conn)
        .map_err(db)?;
    Ok(own_first(records(rows)?, access))
}

/// Every trigger of `project` on the workflow named `workflow_name`.
pub(super) fn of_workflow_name(
    conn: &mut AnyConnection,
    project: &str,
    workflow_name: &str,
) -> Result<Vec<CronTriggerRecord>, Error> {
    use cron_triggers::dsl as c;
    let rows = c::cron_triggers
        .filter(
            c::project_id
                .eq(project)
                .and(c::workflow_name.eq(workflow_name)),
        )
        .select(CronTriggerRow::as_select())
        .load(conn)
        .map_err(db)?;
    records(rows)
}

/// The ids of the triggers (of any project) that start workflow `id`.
pub(super) fn of_workflow(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>, Error> {
    use cron_triggers::dsl as c;
    c::cron_triggers
        .filter(c::workflow_id.eq(id))
        .select(c::id)
        .order(c::id)
        .load(conn)
        .map_err(db)
}

/// Up to `limit` triggers due before `before`, the most overdue first.
pub(super) fn due(
    conn: &mut AnyConnection,
    before: Timestamp,
    limit: i64,
) -> Result<Vec<CronTriggerRecord>, Error> {
    use cron_triggers::dsl as c;
    let rows = c::cron_triggers
        .filter(c::next_execution_time.lt(before))
        .select(CronTriggerRow::as_select())
        .order((c::next_execution_time, c::id))
        .limit(limit)
        .load(conn)
        .map_err(db)?;
    records(rows)
}

/// Applies the firings' claims: each must find its trigger still at the
/// time it read, else someone else fired it and the batch (with the
/// execution it would have started) is rolled back.
pub(super) fn apply_advances(
    conn: &mut AnyConnection,
    advances: &[CronAdvance],
) -> Result<(), Error> {
    use cron_triggers::dsl as c;
    for a in advances {
        let row =
            c::cron_triggers.filter(c::id.eq(&a.id).and(c::next_execution_time.eq(a.claimed)));
        let n = match a.next {
            Some(next) => diesel::update(row)
                .set((
                    c::next_execution_time.eq(next),
                    c::remaining_executions.eq(a.remaining),
                    c::updated_at.eq(Some(a.at)),
                ))
                .execute(conn),
            None => diesel::delete(row).execute(conn),
        }
        .map_err(db)?;
        if n != 1 {
            return Err(Error::Database(format!(
                "cron trigger {} was fired by someone else (claim at {} lost)",
                a.id, a.claimed
            )));
        }
    }
    Ok(())
}
