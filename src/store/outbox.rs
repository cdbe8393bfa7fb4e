//! The notification outbox: rows the engine's group commit inserts with the
//! state change they report, read in id order by the delivery loop
//! (`notify`), deleted by the group commit once delivered or given up.

use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{NewNotification, Notification};
use super::read::db;
use super::schema::notifications;
use crate::domain::Timestamp;

#[derive(Insertable)]
#[diesel(table_name = notifications)]
struct NewRow<'a> {
    execution_id: &'a str,
    url: &'a str,
    headers: &'a str,
    body: &'a str,
    created_at: Timestamp,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = notifications)]
struct Row {
    id: i64,
    execution_id: String,
    url: String,
    headers: String,
    body: String,
    created_at: Timestamp,
}

/// Most rows in one statement (6 parameters a row).
const CHUNK: usize = 256;

/// Inserts `rows` (in order, so their ids follow it) and deletes `done`.
pub(super) fn apply(
    conn: &mut AnyConnection,
    rows: &[NewNotification],
    done: &[i64],
) -> Result<(), Error> {
    for chunk in rows.chunks(CHUNK) {
        let new: Vec<NewRow<'_>> = chunk
            .iter()
            .map(|n| NewRow {
                execution_id: &n.execution_id,
                url: &n.url,
                headers: &n.headers,
                body: &n.body,
                created_at: n.created_at,
            })
            .collect();
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(notifications::table)
                .values(&new)
                .execute(c),
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(c) => diesel::insert_into(notifications::table)
                .values(&new)
                .execute(c),
        }
        .map_err(db)?;
    }
    for chunk in done.chunks(CHUNK * 4) {
        diesel::delete(notifications::table.filter(notifications::id.eq_any(chunk)))
            .execute(conn)
            .map_err(db)?;
    }
    Ok(())
}

/// Up to `limit` rows with an id above `after`, in id order.
pub(super) fn after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<Notification>, Error> {
    use notifications::dsl as n;
    let rows = n::notifications
        .filter(n::id.gt(after))
        .order(n::id)
        .limit(limit)
        .select(Row::as_select())
        .load(conn)
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            execution_id: r.execution_id,
            url: r.url,
            headers: r.headers,
            body: r.body,
            created_at: r.created_at,
        })
        .collect())
}

/// How many rows wait.
pub(super) fn count(conn: &mut AnyConnection) -> Result<i64, Error> {
    notifications::table.count().get_result(conn).map_err(db)
}
