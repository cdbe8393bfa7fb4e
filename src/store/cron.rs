//! Cron triggers in the store: the row, point reads for the engine and the
//! API, and the firings' claims (compare-and-set on `next_execution_time`),
//! applied by the group commit.

use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{Access, CronAdvance, CronTriggerRecord};
use super::read::{db, own_first, records};
use super::schema::cron_triggers;
use crate::domain::Timestamp;

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
        .select(CronTriggerRecord::as_select())
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
        .select(CronTriggerRecord::as_select())
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
        .select(CronTriggerRecord::as_select())
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
