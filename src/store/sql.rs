//! Typed SQL mappings, the same on both backends and through the
//! MultiConnection: ids, states and task kinds are text columns read and
//! written as their domain types; JSON values and tag lists are text
//! columns through [`JsonText`], which the records name in their
//! `serialize_as`/`deserialize_as`. A JSON column holds what
//! `serde_json::to_string` writes, byte for byte. The time columns of the
//! records the engine writes most go through [`TimeText`] and
//! [`MaybeTimeText`]: the text diesel's own mapping writes on SQLite,
//! without its strftime pattern.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
#[cfg(feature = "postgres")]
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Text, Timestamp as TimestampSql};
use diesel::sqlite::Sqlite;
use serde_json::Value;

use super::conn::MultiBackend;
use crate::domain::{
    ActionExecutionId, ExecutionId, Scope, State, TaskExecutionId, TaskKind, Timestamp, WorkflowId,
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

/// A time written to a `Timestamp` column. On SQLite the text is the one
/// diesel's mapping writes (`%F %T%.f`: the fraction, if any, in 3, 6 or
/// 9 digits), put together by hand; on PostgreSQL diesel's mapping itself.
#[derive(Debug, AsExpression)]
#[diesel(sql_type = TimestampSql)]
pub struct TimeText(Timestamp);

/// [`TimeText`] for a nullable column.
#[derive(Debug, AsExpression)]
#[diesel(sql_type = Nullable<TimestampSql>)]
pub struct MaybeTimeText(Option<TimeText>);

impl From<Timestamp> for TimeText {
    fn from(t: Timestamp) -> Self {
        Self(t)
    }
}

impl From<Option<Timestamp>> for MaybeTimeText {
    fn from(t: Option<Timestamp>) -> Self {
        Self(t.map(TimeText))
    }
}

/// `t` as SQLite's `Timestamp` columns hold it: `t.format("%F %T%.f")`.
pub(super) fn sqlite_time_text(t: &Timestamp) -> String {
    use chrono::{Datelike as _, Timelike as _};
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        return t.format("%F %T%.f").to_string();
    }
    fn push(s: &mut String, v: u32, width: u32) {
        for i in (0..width).rev() {
            s.push(char::from(b'0' + (v / 10u32.pow(i) % 10) as u8));
        }
    }
    let mut s = String::with_capacity(29);
    push(&mut s, t.year() as u32, 4);
    s.push('-');
    push(&mut s, t.month(), 2);
    s.push('-');
    push(&mut s, t.day(), 2);
    s.push(' ');
    push(&mut s, t.hour(), 2);
    s.push(':');
    push(&mut s, t.minute(), 2);
    s.push(':');
    push(&mut s, t.second(), 2);
    if nanos != 0 {
        s.push('.');
        if nanos.is_multiple_of(1_000_000) {
            push(&mut s, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            push(&mut s, nanos / 1_000, 6);
        } else {
            push(&mut s, nanos, 9);
        }
    }
    s
}

impl ToSql<TimestampSql, Sqlite> for TimeText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_time_text(&self.0));
        Ok(IsNull::No)
    }
}

#[cfg(feature = "postgres")]
impl ToSql<TimestampSql, Pg> for TimeText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Timestamp as ToSql<TimestampSql, Pg>>::to_sql(&self.0, out)
    }
}

impl ToSql<TimestampSql, MultiBackend> for TimeText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((TimestampSql, self));
        Ok(IsNull::No)
    }
}

impl<DB: Backend> ToSql<Nullable<TimestampSql>, DB> for MaybeTimeText
where
    TimeText: ToSql<TimestampSql, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        match &self.0 {
            Some(t) => t.to_sql(out),
            None => Ok(IsNull::Yes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_time_text;
    use chrono::NaiveDate;

    #[test]
    fn time_text_is_the_text_of_diesels_mapping() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 9).unwrap();
        let days = [day, NaiveDate::from_ymd_opt(7, 12, 31).unwrap()];
        let nanos = [
            0,
            1,
            999,
            1_000,
            120_000,
            5_000_000,
            123_456_789,
            999_999_999,
        ];
        for d in days {
            for n in nanos {
                let t = d.and_hms_nano_opt(3, 4, 5, n).unwrap();
                assert_eq!(sqlite_time_text(&t), t.format("%F %T%.f").to_string());
            }
        }
        let leap = day.and_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap();
        assert_eq!(sqlite_time_text(&leap), leap.format("%F %T%.f").to_string());
        let far = NaiveDate::from_ymd_opt(12345, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(sqlite_time_text(&far), far.format("%F %T%.f").to_string());
    }
}
