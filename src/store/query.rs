//! List queries: Mistral's filters (`eq|neq|gt|gte|lt|lte|in|nin|has`),
//! sorting and marker paging, turned into diesel boxed queries over the
//! MultiConnection backend. Called by `Store::list_*`. Invariant: only field
//! names from the per-resource tables below reach the SQL text; every value is
//! a bound parameter.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamp};

use super::Error;
use super::conn::{AnyConnection, MultiBackend};
use super::model::{Access, Filter, FilterOp, ListQuery, SortDir};
use crate::domain::State;

/// How a field's values are parsed and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Plain text (also ids and JSON text).
    Text,
    /// A state; a state name is normalized, other text matches nothing.
    State,
    /// A JSON list of tags; `eq`/`has` mean "has this tag".
    Tags,
    /// A timestamp.
    Time,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// JSON text: a filter value that is JSON is compared as the store
    /// writes it (compact), so `{"a": 1}` finds `{"a":1}`.
    Json,
}

/// A field a list may filter and sort on.
#[derive(Clone, Copy, Debug)]
pub(super) struct Field {
    /// The API name.
    pub api: &'static str,
    /// The column.
    pub column: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

const fn f(api: &'static str, column: &'static str, kind: Kind, nullable: bool) -> Field {
    Field {
        api,
        column,
        kind,
        nullable,
    }
}

use Kind::{Bool as B, Int as I, Json as J, State as S, Tags as G, Text as X, Time as T};

pub(super) const WORKFLOW_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("input", "input", X, false),
    f("definition", "definition", X, false),
    f("interface", "interface", J, false),
    f("checksum", "checksum", X, false),
    f("tags", "tags", G, false),
    f("scope", "scope", X, false),
    f("namespace", "namespace", X, false),
    f("project_id", "project_id", X, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
];

pub(super) const ACTION_DEFINITION_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("namespace", "namespace", X, false),
    f("definition", "definition", X, false),
    f("input", "input", X, false),
    f("description", "description", X, true),
    f("tags", "tags", G, false),
    f("scope", "scope", X, false),
    f("project_id", "project_id", X, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
];

pub(super) const WORKBOOK_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("namespace", "namespace", X, false),
    f("definition", "definition", X, false),
    f("tags", "tags", G, false),
    f("scope", "scope", X, false),
    f("project_id", "project_id", X, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
];

pub(super) const ENVIRONMENT_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("description", "description", X, false),
    f("variables", "variables", J, false),
    f("scope", "scope", X, false),
    f("project_id", "project_id", X, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
];

pub(super) const CRON_TRIGGER_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("pattern", "pattern", X, false),
    f("first_execution_time", "first_execution_time", T, true),
    f("next_execution_time", "next_execution_time", T, false),
    f("remaining_executions", "remaining_executions", I, true),
    f("workflow_name", "workflow_name", X, false),
    f("workflow_id", "workflow_id", X, false),
    f("workflow_input", "workflow_input", J, false),
    f("workflow_params", "workflow_params", J, false),
    f("scope", "scope", X, false),
    f("project_id", "project_id", X, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
];

pub(super) const EXECUTION_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("workflow_name", "workflow_name", X, false),
    f("workflow_id", "workflow_id", X, false),
    f("workflow_namespace", "workflow_namespace", X, false),
    f("description", "description", X, false),
    f("tags", "tags", G, false),
    f("params", "params", J, false),
    f("task_execution_id", "task_execution_id", X, true),
    f("root_execution_id", "root_execution_id", X, true),
    f("source_execution_id", "source_execution_id", X, true),
    f("state", "state", S, false),
    f("state_info", "state_info", X, true),
    f("input", "input", J, false),
    f("output", "output", J, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
    f("project_id", "project_id", X, false),
];

pub(super) const TASK_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("workflow_name", "workflow_name", X, false),
    f("workflow_id", "workflow_id", X, false),
    f("workflow_namespace", "workflow_namespace", X, false),
    f("workflow_execution_id", "execution_id", X, false),
    f("type", "kind", X, false),
    f("tags", "tags", G, false),
    f("state", "state", S, false),
    f("state_info", "state_info", X, true),
    f("runtime_context", "runtime_context", J, false),
    f("result", "result", J, false),
    f("published", "published", J, false),
    f("processed", "processed", B, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
    f("started_at", "started_at", T, true),
    f("finished_at", "finished_at", T, true),
    f("project_id", "project_id", X, false),
];

pub(super) const ACTION_EXECUTION_FIELDS: &[Field] = &[
    f("id", "id", X, false),
    f("name", "name", X, false),
    f("tags", "tags", G, false),
    f("workflow_name", "workflow_name", X, true),
    f("workflow_namespace", "workflow_namespace", X, true),
    f("task_name", "task_name", X, true),
    f("task_execution_id", "task_execution_id", X, true),
    f("workflow_execution_id", "execution_id", X, true),
    f("state", "state", S, false),
    f("state_info", "state_info", X, true),
    f("accepted", "accepted", B, false),
    f("input", "input", J, false),
    f("output", "output", J, false),
    f("params", "params", J, false),
    f("description", "description", X, false),
    f("created_at", "created_at", T, false),
    f("updated_at", "updated_at", T, true),
    f("project_id", "project_id", X, false),
];

/// The fields of one list.
pub(super) fn fields_of(listing: super::Listing) -> &'static [Field] {
    use super::Listing as L;
    match listing {
        L::Workflows => WORKFLOW_FIELDS,
        L::ActionDefinitions => ACTION_DEFINITION_FIELDS,
        L::Workbooks => WORKBOOK_FIELDS,
        L::Environments => ENVIRONMENT_FIELDS,
        L::CronTriggers => CRON_TRIGGER_FIELDS,
        L::Executions => EXECUTION_FIELDS,
        L::Tasks => TASK_FIELDS,
        L::ActionExecutions => ACTION_EXECUTION_FIELDS,
    }
}

/// A boolean condition on table `Tab`.
pub(super) type Cond<Tab> = Box<dyn BoxableExpression<Tab, MultiBackend, SqlType = Bool>>;

/// A parsed value, bound with its SQL type.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Text(String),
    Time(chrono::NaiveDateTime),
    Bool(bool),
    Int(i32),
}

/// `before ? after`, with `v` bound for `?`.
fn bound<Tab: 'static>(before: &str, v: Val, after: &str) -> Cond<Tab> {
    match v {
        Val::Text(s) => Box::new(sql::<Bool>(before).bind::<Text, _>(s).sql(after)),
        Val::Time(t) => Box::new(sql::<Bool>(before).bind::<Timestamp, _>(t).sql(after)),
        Val::Bool(b) => Box::new(sql::<Bool>(before).bind::<Bool, _>(b).sql(after)),
        Val::Int(i) => Box::new(
            sql::<Bool>(before)
                .bind::<diesel::sql_types::Integer, _>(i)
                .sql(after),
        ),
    }
}

/// `parts[0] ? parts[1] ? parts[2]...` with `marker` bound for every `?` (1 or 2).
fn with_marker<Tab: 'static>(parts: &[&str], marker: &str) -> Cond<Tab> {
    let m = || marker.to_string();
    match parts {
        [a, b] => Box::new(sql::<Bool>(a).bind::<Text, _>(m()).sql(b)),
        [a, b, c] => Box::new(
            sql::<Bool>(a)
                .bind::<Text, _>(m())
                .sql(b)
                .bind::<Text, _>(m())
                .sql(c),
        ),
        _ => Box::new(sql::<Bool>("1 = 0")),
    }
}

fn always<Tab: 'static>(yes: bool) -> Cond<Tab> {
    Box::new(sql::<Bool>(if yes { "1 = 1" } else { "1 = 0" }))
}

fn any_of<Tab: 'static>(conds: Vec<Cond<Tab>>) -> Cond<Tab> {
    conds
        .into_iter()
        .reduce(|a, b| Box::new(a.or(b)))
        .unwrap_or_else(|| always(false))
}

fn all_of<Tab: 'static>(conds: Vec<Cond<Tab>>) -> Cond<Tab> {
    conds
        .into_iter()
        .reduce(|a, b| Box::new(a.and(b)))
        .unwrap_or_else(|| always(true))
}

/// Parses a timestamp as Mistral prints it, or ISO 8601, or a bare date.
pub(super) fn parse_time(s: &str) -> Option<chrono::NaiveDateTime> {
    let s = s.trim().trim_end_matches('Z');
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|fmt| chrono::NaiveDateTime::parse_from_str(s, fmt).ok())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn parse_val(field: &Field, op: FilterOp, raw: &str) -> Result<Val, Error> {
    let bad = |what: &str| {
        Error::BadQuery(format!(
            "invalid value '{raw}' for filter '{}': {what}",
            field.api
        ))
    };
    match field.kind {
        Kind::Text => Ok(Val::Text(raw.to_string())),
        Kind::Json if op == FilterOp::Has => Ok(Val::Text(raw.to_string())),
        Kind::Json => Ok(Val::Text(
            serde_json::from_str::<serde_json::Value>(raw)
                .map_or_else(|_| raw.to_string(), |v| super::sql::json_text(&v)),
        )),
        Kind::Tags => Ok(Val::Text(serde_json::Value::from(raw).to_string())),
        // Mistral's state filter is a plain string: an unknown state is
        // no error, it just matches nothing.
        Kind::State if op == FilterOp::Has => Ok(Val::Text(raw.to_string())),
        Kind::State => Ok(Val::Text(
            raw.parse::<State>()
                .map_or_else(|_| raw.to_string(), |s| s.as_str().to_string()),
        )),
        Kind::Time => parse_time(raw)
            .map(Val::Time)
            .ok_or_else(|| bad("expected a timestamp like 2026-01-31 12:00:00")),
        Kind::Bool => parse_bool(raw)
            .map(Val::Bool)
            .ok_or_else(|| bad("expected true or false")),
        Kind::Int => raw
            .trim()
            .parse()
            .map(Val::Int)
            .map_err(|_| bad("expected an integer")),
    }
}

/// Finds a field by its API name.
pub(super) fn field<'f>(fields: &'f [Field], name: &str, what: &str) -> Result<&'f Field, Error> {
    fields
        .iter()
        .find(|f| f.api == name)
        .ok_or_else(|| Error::BadQuery(format!("unknown {what} field '{name}'")))
}

/// `col IS NULL`.
fn is_null<Tab: 'static>(col: &str) -> Cond<Tab> {
    Box::new(sql::<Bool>(&format!("{col} IS NULL")))
}

/// The condition of one filter.
pub(super) fn filter_cond<Tab: 'static>(
    fields: &[Field],
    flt: &Filter,
    postgres: bool,
) -> Result<Cond<Tab>, Error> {
    let fd = field(fields, &flt.field, "filter")?;
    let col = format!("\"{}\"", fd.column);
    let unsupported = || {
        Error::BadQuery(format!(
            "filter operator '{}' is not supported for field '{}'",
            flt.op.name(),
            fd.api
        ))
    };
    if flt.op == FilterOp::IsNull {
        return Ok(is_null(&col));
    }
    let values = flt
        .values
        .iter()
        .map(|v| parse_val(fd, flt.op, v))
        .collect::<Result<Vec<_>, _>>()?;
    let one = || -> Result<Val, Error> {
        match values.as_slice() {
            [v] => Ok(v.clone()),
            _ => Err(Error::BadQuery(format!(
                "filter '{}' with operator '{}' takes exactly one value",
                fd.api,
                flt.op.name()
            ))),
        }
    };
    let contains_fn = if postgres { "strpos" } else { "instr" };
    let contains = |v: Val| bound::<Tab>(&format!("{contains_fn}({col}, "), v, ") > 0");
    let lacks = |v: Val| bound::<Tab>(&format!("NOT ({contains_fn}({col}, "), v, ") > 0)");
    let cmp = |op: &str, v: Val| bound::<Tab>(&format!("{col} {op} "), v, "");
    let ordered = matches!(
        fd.kind,
        Kind::Text | Kind::Json | Kind::State | Kind::Time | Kind::Int
    );
    if fd.kind == Kind::Time
        && let Some(cond) = time_cond(&col, flt.op, &values)
    {
        return Ok(cond);
    }
    // Mistral's tag filter splits an equality value at commas: the row
    // must have every tag named.
    if let (FilterOp::Eq, Kind::Tags, [raw]) = (flt.op, fd.kind, flt.values.as_slice())
        && raw.contains(',')
    {
        let each = raw
            .split(',')
            .map(|t| parse_val(fd, flt.op, t).map(contains))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(all_of(each));
    }
    Ok(match (flt.op, fd.kind) {
        (FilterOp::IsNull, _) => is_null(&col),
        (FilterOp::Eq | FilterOp::Has, Kind::Tags) => contains(one()?),
        (FilterOp::Neq, Kind::Tags) => lacks(one()?),
        (FilterOp::In, Kind::Tags) => any_of(values.into_iter().map(contains).collect()),
        (FilterOp::Nin, Kind::Tags) => all_of(values.into_iter().map(lacks).collect()),
        (FilterOp::Has, Kind::Text | Kind::Json | Kind::State) => contains(one()?),
        (FilterOp::Has, _) => return Err(unsupported()),
        (FilterOp::Eq, _) => cmp("=", one()?),
        (FilterOp::Neq, _) => cmp("<>", one()?),
        (FilterOp::In, _) => any_of(values.into_iter().map(|v| cmp("=", v)).collect()),
        (FilterOp::Nin, _) => all_of(values.into_iter().map(|v| cmp("<>", v)).collect()),
        (FilterOp::Gt, _) if ordered => cmp(">", one()?),
        (FilterOp::Gte, _) if ordered => cmp(">=", one()?),
        (FilterOp::Lt, _) if ordered => cmp("<", one()?),
        (FilterOp::Lte, _) if ordered => cmp("<=", one()?),
        (FilterOp::Gt | FilterOp::Gte | FilterOp::Lt | FilterOp::Lte, _) => {
            return Err(unsupported());
        }
    })
}

/// A comparison of a timestamp column as Mistral makes it: Mistral stores
/// its timestamps to the second (`utc_now_sec`), bora to the microsecond,
/// so a stored value is compared as if cut to its second: `gt:12:00:00`
/// leaves out a row of 12:00:00.4, `eq:12:00:00` finds it, `eq:` of a value
/// with a fraction finds nothing. None for an operator or a value count it
/// does not take (the general rule then answers).
fn time_cond<Tab: 'static>(col: &str, op: FilterOp, values: &[Val]) -> Option<Cond<Tab>> {
    let second = chrono::TimeDelta::seconds(1);
    let floor = |v: &Val| match v {
        Val::Time(t) => {
            let f = chrono::DurationRound::duration_trunc(*t, second).unwrap_or(*t);
            Some((f, f != *t))
        }
        _ => None,
    };
    let at_least = |t: chrono::NaiveDateTime| bound::<Tab>(&format!("{col} >= "), Val::Time(t), "");
    let below = |t: chrono::NaiveDateTime| bound::<Tab>(&format!("{col} < "), Val::Time(t), "");
    // The rows whose second is exactly `v`: none when `v` has a fraction.
    let within = |v: &Val| -> Option<Cond<Tab>> {
        let (f, fraction) = floor(v)?;
        Some(if fraction {
            always(false)
        } else {
            all_of(vec![at_least(f), below(f + second)])
        })
    };
    let ceil = |(f, fraction): (chrono::NaiveDateTime, bool)| if fraction { f + second } else { f };
    Some(match (op, values) {
        (FilterOp::Gt, [v]) => at_least(floor(v)?.0 + second),
        (FilterOp::Gte, [v]) => at_least(ceil(floor(v)?)),
        (FilterOp::Lt, [v]) => below(ceil(floor(v)?)),
        (FilterOp::Lte, [v]) => below(floor(v)?.0 + second),
        (FilterOp::Eq, [v]) => within(v)?,
        (FilterOp::Neq, [v]) => Box::new(diesel::dsl::not(within(v)?)),
        (FilterOp::In, vs) => any_of(vs.iter().map(within).collect::<Option<Vec<_>>>()?),
        (FilterOp::Nin, vs) => all_of(
            vs.iter()
                .map(|v| within(v).map(|c| Box::new(diesel::dsl::not(c)) as Cond<Tab>))
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
}

/// The sort keys of a query, resolved, with `id` as the final tie-breaker.
pub(super) fn sort_keys(fields: &[Field], q: &ListQuery) -> Result<Vec<(Field, SortDir)>, Error> {
    let mut keys = Vec::new();
    for (name, dir) in &q.sort {
        let fd = *field(fields, name, "sort")?;
        if keys
            .iter()
            .any(|(k, _): &(Field, SortDir)| k.column == fd.column)
        {
            continue;
        }
        keys.push((fd, *dir));
        if fd.column == "id" {
            return Ok(keys);
        }
    }
    keys.push((*field(fields, "id", "sort")?, SortDir::Asc));
    Ok(keys)
}

/// The ORDER BY text of sort keys. NULLs sort as if larger than any value
/// (last ascending, first descending) on both backends.
pub(super) fn order_sql(keys: &[(Field, SortDir)]) -> String {
    keys.iter()
        .map(|(fd, dir)| {
            let c = fd.column;
            match (dir, fd.nullable) {
                (SortDir::Asc, false) => format!("\"{c}\" ASC"),
                (SortDir::Desc, false) => format!("\"{c}\" DESC"),
                (SortDir::Asc, true) => format!("\"{c}\" ASC NULLS LAST"),
                (SortDir::Desc, true) => format!("\"{c}\" DESC NULLS FIRST"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows after the marker row in the sort order: a keyset condition whose
/// marker values come from sub-selects of the marker row.
pub(super) fn after_marker<Tab: 'static>(
    table: &str,
    keys: &[(Field, SortDir)],
    marker: &str,
) -> Cond<Tab> {
    let mut alternatives = Vec::new();
    for (i, (fd, dir)) in keys.iter().enumerate() {
        let mut conj: Vec<Cond<Tab>> = keys[..i]
            .iter()
            .map(|(k, _)| equal(table, k, marker))
            .collect();
        conj.push(after(table, fd, *dir, marker));
        alternatives.push(all_of(conj));
    }
    any_of(alternatives)
}

fn subselect(table: &str, column: &str) -> (String, String) {
    (
        format!("(SELECT \"{column}\" FROM \"{table}\" WHERE \"id\" = "),
        ")".to_string(),
    )
}

fn equal<Tab: 'static>(table: &str, fd: &Field, marker: &str) -> Cond<Tab> {
    let c = fd.column;
    let (open, close) = subselect(table, c);
    if fd.nullable {
        let a = format!("(\"{c}\" = {open}");
        let b = format!("{close} OR (\"{c}\" IS NULL AND {open}");
        let e = format!("{close} IS NULL))");
        with_marker(&[&a, &b, &e], marker)
    } else {
        with_marker(&[&format!("\"{c}\" = {open}"), &close], marker)
    }
}

fn after<Tab: 'static>(table: &str, fd: &Field, dir: SortDir, marker: &str) -> Cond<Tab> {
    let c = fd.column;
    let (open, close) = subselect(table, c);
    let op = if dir == SortDir::Asc { ">" } else { "<" };
    if !fd.nullable {
        return with_marker(&[&format!("\"{c}\" {op} {open}"), &close], marker);
    }
    // Ascending puts NULLs last: a NULL comes after any value. Descending
    // puts them first: any value comes after a NULL.
    let (mine, theirs) = if dir == SortDir::Asc {
        ("IS NULL", "IS NOT NULL")
    } else {
        ("IS NOT NULL", "IS NULL")
    };
    let a = format!("((\"{c}\" {op} {open}");
    let b = format!("{close}) OR (\"{c}\" {mine} AND {open}");
    let e = format!("{close} {theirs}))");
    with_marker(&[&a, &b, &e], marker)
}

/// True when the connection is to PostgreSQL.
pub(super) fn is_postgres(conn: &AnyConnection) -> bool {
    match conn {
        AnyConnection::Sqlite(_) => false,
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(_) => true,
    }
}

/// The tenant condition of a list: the caller's project (and, on tables
/// that share, `scope = 'public'`), everything, or nothing.
pub(super) fn access_cond<Tab: 'static>(access: &Access, shared: bool) -> Cond<Tab> {
    match access {
        Access::Nobody => always(false),
        Access::All => always(true),
        Access::Project(p) if shared => bound(
            "(\"project_id\" = ",
            Val::Text(p.clone()),
            " OR \"scope\" = 'public')",
        ),
        Access::Project(p) => bound("\"project_id\" = ", Val::Text(p.clone()), ""),
    }
}

/// Defines a `list_*` function over one table: scopes it to the query's
/// access (`shared`: the table has a `scope` whose `public` rows every
/// project sees), checks the marker, applies the filters, the order and the
/// keyset, and loads at most `limit` rows.
macro_rules! list_fn {
    ($name:ident, $table:ident, $row:ty, $fields:expr, $shared:expr) => {
        pub(in crate::store) fn $name(
            conn: &mut AnyConnection,
            q: &ListQuery,
        ) -> Result<Vec<$row>, Error> {
            use diesel::prelude::*;
            use $crate::store::conn::MultiBackend;
            use $crate::store::query::*;
            use $crate::store::schema::$table;
            type Tab = $table::table;
            let postgres = is_postgres(conn);
            let keys = sort_keys($fields, q)?;
            let mut conds: Vec<Cond<Tab>> = vec![access_cond::<Tab>(&q.access, $shared)];
            for flt in &q.filters {
                conds.push(filter_cond::<Tab>($fields, flt, postgres)?);
            }
            if let Some(marker) = &q.marker {
                // The marker row counts only if the caller sees it: a
                // foreign marker is as unknown as a made-up one.
                let found: i64 = $table::table
                    .filter($table::id.eq(marker))
                    .filter(access_cond::<Tab>(&q.access, $shared))
                    .count()
                    .get_result(conn)
                    .map_err(|e| Error::Database(e.to_string()))?;
                if found == 0 {
                    return Err(Error::MarkerNotFound(stringify!($table), marker.clone()));
                }
                conds.push(after_marker::<Tab>(stringify!($table), &keys, marker));
            }
            let mut query = $table::table
                .select(<$row>::as_select())
                .into_boxed::<MultiBackend>();
            for c in conds {
                query = query.filter(c);
            }
            query = query.order(diesel::dsl::sql::<diesel::sql_types::Text>(&order_sql(
                &keys,
            )));
            if q.limit > 0 {
                query = query.limit(i64::try_from(q.limit).unwrap_or(i64::MAX));
            }
            query
                .load::<$row>(conn)
                .map_err(|e| Error::Database(e.to_string()))
        }
    };
}

pub(super) mod lists {
    use super::super::Error;
    use super::super::conn::AnyConnection;
    use super::super::model::ListQuery;
    use super::super::model::{
        ActionDef, ActionExecutionRecord, CronTriggerRecord, EnvironmentRecord, WorkbookRecord,
        WorkflowDef,
    };
    use super::super::rows::{ExecutionListRow, ExecutionListRowWithOutput, TaskListRow};

    list_fn!(
        action_definitions,
        action_definitions,
        ActionDef,
        ACTION_DEFINITION_FIELDS,
        true
    );
    list_fn!(workbooks, workbooks, WorkbookRecord, WORKBOOK_FIELDS, true);

    list_fn!(
        environments,
        environments,
        EnvironmentRecord,
        ENVIRONMENT_FIELDS,
        true
    );
    list_fn!(
        cron_triggers,
        cron_triggers,
        CronTriggerRecord,
        CRON_TRIGGER_FIELDS,
        true
    );

    list_fn!(
        workflows,
        workflow_definitions,
        WorkflowDef,
        WORKFLOW_FIELDS,
        true
    );
    list_fn!(
        executions,
        workflow_executions,
        ExecutionListRow,
        EXECUTION_FIELDS,
        false
    );
    list_fn!(
        executions_with_output,
        workflow_executions,
        ExecutionListRowWithOutput,
        EXECUTION_FIELDS,
        false
    );
    list_fn!(tasks, task_executions, TaskListRow, TASK_FIELDS, false);
    list_fn!(
        action_executions,
        action_executions,
        ActionExecutionRecord,
        ACTION_EXECUTION_FIELDS,
        false
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_time(s: &str, expected: Option<&str>) {
        assert_eq!(
            parse_time(s).map(|t| t.to_string()),
            expected.map(str::to_string),
            "{s}"
        );
    }

    #[test]
    fn times() {
        check_time("2026-01-31 12:00:00", Some("2026-01-31 12:00:00"));
        check_time("2026-01-31T12:00:00", Some("2026-01-31 12:00:00"));
        check_time("2026-01-31T12:00:00Z", Some("2026-01-31 12:00:00"));
        check_time(
            "2026-01-31 12:00:00.250000",
            Some("2026-01-31 12:00:00.250"),
        );
        check_time("2026-01-31 12:00", Some("2026-01-31 12:00:00"));
        check_time("2026-01-31", Some("2026-01-31 00:00:00"));
        check_time("yesterday", None);
        check_time("2026-13-01", None);
    }

    fn check_order(sort: &[(&str, SortDir)], expected: &str) {
        let q = ListQuery {
            sort: sort.iter().map(|(k, d)| (k.to_string(), *d)).collect(),
            ..ListQuery::default()
        };
        let keys = sort_keys(EXECUTION_FIELDS, &q).unwrap();
        assert_eq!(order_sql(&keys), expected);
    }

    #[test]
    fn orders() {
        check_order(&[], "\"id\" ASC");
        check_order(
            &[("created_at", SortDir::Asc)],
            "\"created_at\" ASC, \"id\" ASC",
        );
        check_order(
            &[("id", SortDir::Desc), ("state", SortDir::Asc)],
            "\"id\" DESC",
        );
        check_order(
            &[("updated_at", SortDir::Asc), ("state_info", SortDir::Desc)],
            "\"updated_at\" ASC NULLS LAST, \"state_info\" DESC NULLS FIRST, \"id\" ASC",
        );
        check_order(
            &[("state", SortDir::Desc), ("state", SortDir::Asc)],
            "\"state\" DESC, \"id\" ASC",
        );
    }
}
