//! Point reads of ad-hoc action definitions and workbooks, shared by the
//! engine's `Writer` and the API's `Store`.

use diesel::prelude::*;

use super::Error;
use super::conn::AnyConnection;
use super::model::{Access, ActionDef, WorkbookRecord};
use super::read::{db, own_first, records};
use super::schema::{action_definitions, workbooks, workflow_definitions};

/// An ad-hoc action `access` sees by id (any namespace), else by name in
/// `namespace`, else by name in the default namespace (Mistral's
/// `get_action_definition`): the caller's own before another project's
/// public one.
pub(super) fn find_action_definition(
    conn: &mut AnyConnection,
    name_or_id: &str,
    namespace: &str,
    access: &Access,
) -> Result<Option<ActionDef>, Error> {
    use action_definitions::dsl as a;
    let by_id = a::action_definitions
        .filter(a::id.eq(name_or_id))
        .select(ActionDef::as_select())
        .load(conn)
        .map_err(db)?;
    if let Some(d) = own_first(records::<_, ActionDef>(by_id)?, access) {
        return Ok(Some(d));
    }
    for ns in [namespace, ""] {
        let rows = a::action_definitions
            .filter(a::name.eq(name_or_id).and(a::namespace.eq(ns)))
            .select(ActionDef::as_select())
            .order((a::created_at, a::id))
            .load(conn)
            .map_err(db)?;
        if let Some(d) = own_first(records(rows)?, access) {
            return Ok(Some(d));
        }
        if ns.is_empty() {
            break;
        }
    }
    Ok(None)
}

/// Every ad-hoc action definition of every project (the engine keeps them
/// all in memory and resolves per project).
pub(super) fn all_action_definitions(conn: &mut AnyConnection) -> Result<Vec<ActionDef>, Error> {
    let rows = action_definitions::table
        .select(ActionDef::as_select())
        .order(action_definitions::id)
        .load(conn)
        .map_err(db)?;
    records(rows)
}

/// A workbook `access` sees by id (any namespace), else by name in
/// `namespace`: the caller's own before another project's public one.
pub(super) fn find_workbook(
    conn: &mut AnyConnection,
    name_or_id: &str,
    namespace: &str,
    access: &Access,
) -> Result<Option<WorkbookRecord>, Error> {
    use workbooks::dsl as w;
    let by_id = w::workbooks
        .filter(w::id.eq(name_or_id))
        .select(WorkbookRecord::as_select())
        .load(conn)
        .map_err(db)?;
    if let Some(d) = own_first(records::<_, WorkbookRecord>(by_id)?, access) {
        return Ok(Some(d));
    }
    let rows = w::workbooks
        .filter(w::name.eq(name_or_id).and(w::namespace.eq(namespace)))
        .select(WorkbookRecord::as_select())
        .order((w::created_at, w::id))
        .load(conn)
        .map_err(db)?;
    Ok(own_first(records(rows)?, access))
}

/// What changes whenever a workflow or an ad-hoc action definition is
/// created, updated or deleted: per table, the number of definitions and
/// their latest creation and update times. Several engine nodes compare it
/// to know that another node changed the definitions they cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefinitionsMark {
    pub workflows: TableMark,
    pub actions: TableMark,
}

/// One table's part of a [`DefinitionsMark`].
pub type TableMark = (
    i64,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
);

pub(super) fn definitions_mark(conn: &mut AnyConnection) -> Result<DefinitionsMark, Error> {
    use action_definitions::dsl as a;
    use diesel::dsl::{count_star, max};
    use workflow_definitions::dsl as w;
    let workflows = w::workflow_definitions
        .select((count_star(), max(w::created_at), max(w::updated_at)))
        .first(conn)
        .map_err(db)?;
    let actions = a::action_definitions
        .select((count_star(), max(a::created_at), max(a::updated_at)))
        .first(conn)
        .map_err(db)?;
    Ok(DefinitionsMark { workflows, actions })
}
