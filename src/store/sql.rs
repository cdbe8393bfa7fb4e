//! Typed SQL mappings, the same on both backends and through the
//! MultiConnection: ids, states and task kinds are text columns read and
//! written as their domain types; JSON values and tag lists are text
//! columns through [`JsonText`], which the records name in their
//! `serialize_as`/`deserialize_as`. A JSON column holds what
//! `serde_json::to_string` writes, byte for byte.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
#[cfg(feature = "postgres")]
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use serde_json::Value;

use super::conn::MultiBackend;
use crate::domain::{
    ActionExecutionId, ExecutionId, Scope, State, TaskExecutionId, TaskKind, WorkflowId,
};

/// Maps domain types that print and parse themselves (`Display`,
/// `FromStr`) to a text column.
macro_rules! text_column {
    ($($proxy:ident => $t:ty),* $(,)?) => {$(
        #[derive(AsExpression, FromSqlRow)]
        #[diesel(foreign_derive, sql_type = Text)]
        #[allow(dead_code)]
        struct $proxy($t);

        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                text.parse()
                    .map_err(|e| format!("bad {} '{text}': {e}", stringify!($t)).into())
            }
        }

        impl ToSql<Text, Sqlite> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }

        #[cfg(feature = "postgres")]
        impl ToSql<Text, Pg> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                use std::io::Write as _;
                write!(out, "{self}")?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
    )*};
}

text_column!(
    WorkflowIdSql => WorkflowId,
    ExecutionIdSql => ExecutionId,
    TaskExecutionIdSql => TaskExecutionId,
    ActionExecutionIdSql => ActionExecutionId,
    StateSql => State,
    TaskKindSql => TaskKind,
    ScopeSql => Scope,
);

/// The text of a JSON column: a value or a tag list serialized once, when
/// a record becomes the values of a statement. `pub` for the records' derived
/// impls; the module is private, so nothing outside `store` names it.
#[derive(Debug, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct JsonText(String);

impl JsonText {
    /// Serializes `v` as every JSON column holds it (compact).
    pub(super) fn of<T: serde::Serialize + ?Sized>(v: &T, empty: &str) -> Self {
        // Serializing a `Value` or a list of strings cannot fail.
        Self(serde_json::to_string(v).unwrap_or_else(|_| empty.to_string()))
    }
}

impl From<Value> for JsonText {
    fn from(v: Value) -> Self {
        Self::of(&v, "null")
    }
}

impl From<Vec<String>> for JsonText {
    fn from(tags: Vec<String>) -> Self {
        Self::of(&tags, "[]")
    }
}

impl TryFrom<JsonText> for Value {
    type Error = serde_json::Error;
    fn try_from(t: JsonText) -> Result<Self, Self::Error> {
        serde_json::from_str(&t.0)
    }
}

impl TryFrom<JsonText> for Vec<String> {
    type Error = serde_json::Error;
    fn try_from(t: JsonText) -> Result<Self, Self::Error> {
        serde_json::from_str(&t.0)
    }
}

impl<DB: Backend> ToSql<Text, DB> for JsonText
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.as_str().to_sql(out)
    }
}

impl<DB: Backend> FromSql<Text, DB> for JsonText
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        String::from_sql(bytes).map(Self)
    }
}

/// The text a filter value that is JSON is compared as: the store's own.
pub(super) fn json_text(v: &Value) -> String {
    JsonText::of(v, "null").0
}
