//! Multi-row UPDATE for the group commit: one statement replaces every
//! column of up to a chunk of rows by id, as
//! `UPDATE t SET c = v.columnN, ... FROM (VALUES (...), ...) AS v WHERE t.id = v.column1`
//! (SQLite ≥ 3.33 and PostgreSQL both name VALUES columns `column1..`).
//! The columns and the values are those of the derived `Insertable` of
//! what an update of the record writes (`rows::Stored::Change`), so they
//! follow one declaration. Called by `write` only. Invariant: a chunk never holds the same id twice (the
//! caller keeps the last write of an id), so no row is updated twice.

use diesel::insertable::ColumnInsertValue;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId, ValuesClause};

use super::conn::{AnyConnection, MultiBackend};

/// The column names of a record's values, in the order they bind.
pub(super) trait ColumnNames {
    fn push_names(names: &mut Vec<&'static str>);
}

impl<Col: Column, Expr> ColumnNames for ColumnInsertValue<Col, Expr> {
    fn push_names(names: &mut Vec<&'static str>) {
        names.push(Col::NAME);
    }
}

/// Implements [`ColumnNames`] for the tuples of every length up to the
/// number of idents given.
macro_rules! tuple_names {
    () => {};
    ($head:ident $($rest:ident)*) => {
        impl<$head: ColumnNames, $($rest: ColumnNames),*> ColumnNames for ($head, $($rest,)*) {
            fn push_names(names: &mut Vec<&'static str>) {
                $head::push_names(names);
                $($rest::push_names(names);)*
            }
        }
        tuple_names!($($rest)*);
    };
}

tuple_names!(A B C D E F G H I J K L M N O P Q R S T U V W X);

/// One UPDATE ... FROM (VALUES ...) statement over `rows` (distinct ids)
/// of `table`. `N` is the number of rows when the statement is one of the
/// group commit's fixed sizes: diesel then knows it by its type and
/// prepares it once per connection without writing its SQL again; with
/// `N = 0` any number of rows goes, the statement known by its SQL text.
pub(super) struct UpdateMany<V, Tab, const N: usize> {
    pub table: &'static str,
    pub rows: Vec<ValuesClause<V, Tab>>,
}

/// The type that names an [`UpdateMany`] of `N` rows of one record.
pub(super) struct UpdateManyId<V, Tab, const N: usize>(std::marker::PhantomData<(V, Tab)>);

impl<V, Tab, const N: usize> QueryFragment<MultiBackend> for UpdateMany<V, Tab, N>
where
    V: ColumnNames + QueryFragment<MultiBackend>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let table = self.table;
        if N != 0 && self.rows.len() != N {
            let e = format!("{table}: {} rows in an update of {N}", self.rows.len());
            return Err(diesel::result::Error::QueryBuilderError(e.into()));
        }
        let mut columns = Vec::new();
        V::push_names(&mut columns);
        if columns.first() != Some(&"id") {
            let e = format!("{table}: the id is not the first column");
            return Err(diesel::result::Error::QueryBuilderError(e.into()));
        }
        out.push_sql(&format!("UPDATE \"{table}\" SET "));
        for (i, c) in columns.iter().enumerate().skip(1) {
            if i > 1 {
                out.push_sql(", ");
            }
            out.push_sql(&format!("\"{c}\" = \"v\".\"column{}\"", i + 1));
        }
        out.push_sql(" FROM (VALUES ");
        for (i, row) in self.rows.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            row.values.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        out.push_sql(&format!(
            ") AS \"v\" WHERE \"{table}\".\"id\" = \"v\".\"column1\""
        ));
        Ok(())
    }
}

impl<V: 'static, Tab: 'static, const N: usize> QueryId for UpdateMany<V, Tab, N> {
    type QueryId = UpdateManyId<V, Tab, N>;
    const HAS_STATIC_QUERY_ID: bool = N != 0;
}

impl<V, Tab, const N: usize> RunQueryDsl<AnyConnection> for UpdateMany<V, Tab, N> {}
