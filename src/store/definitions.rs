//! Point reads of ad-hoc action definitions and workbooks, shared by the
//! engine's `Writer` and the API's `Store`.

use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{ActionDef, WorkbookRecord};
use super::read::{db, records};
use super::rows::{ActionDefRow, WorkbookRow};
use super::schema::{action_definitions, workbooks};

/// An ad-hoc action by id (any namespace), else by name in `namespace`.
pub(super) fn find_action_definition(
    conn: &mut AnyConnection,
    name_or_id: &str,
    namespace: &str,
) -> Result<Option<ActionDef>, Error> {
    use action_definitions::dsl as a;
    let by_id = a::action_definitions
        .filter(a::id.eq(name_or_id))
        .select(ActionDefRow::as_select())
        .first(conn)
        .optional()
        .map_err(db)?;
    let row = match by_id {
        Some(r) => Some(r),
        None => a::action_definitions
            .filter(a::name.eq(name_or_id).and(a::namespace.eq(namespace)))
            .select(ActionDefRow::as_select())
            .first(conn)
            .optional()
            .map_err(db)?,
    };
    row.map(ActionDef::try_from).transpose()
}

/// Every ad-hoc action definition (the engine keeps them all in memory).
pub(super) fn all_action_definitions(conn: &mut AnyConnection) -> Result<Vec<ActionDef>, Error> {
    let rows = action_definitions::table
        .select(ActionDefRow::as_select())
        .order(action_definitions::id)
        .load(conn)
        .map_err(db)?;
    records(rows)
}

/// A workbook by id (any namespace), else by name in `namespace`.
pub(super) fn find_workbook(
    conn: &mut AnyConnection,
    name_or_id: &str,
    namespace: &str,
) -> Result<Option<WorkbookRecord>, Error> {
    use workbooks::dsl as w;
    let row = w::workbooks
        .filter(
            w::id
                .eq(name_or_id)
                .or(w::name.eq(name_or_id).and(w::namespace.eq(namespace))),
        )
        .select(WorkbookRow::as_select())
        .first(conn)
        .optional()
        .map_err(db)?;
    row.map(WorkbookRecord::try_from).transpose()
}
