//! Query strings → [`store::ListQuery`]: Mistral's `marker`, `limit`,
//! `sort_keys`, `sort_dirs`, `fields` and `field=op:value` filters
//! (`mistral/utils/rest_utils.py`, `filter_utils.py`), a 400 for any bad
//! value, the `fields` projection (with `id` always kept), and the list
//! envelope with its `next` link. Pure but for reading the request.

use actix_web::HttpRequest;
use serde_json::{Map, Value};

use super::auth::Caller;
use super::error::Error;
use crate::domain::State;
use crate::store::{self, Access, Filter, FilterOp, ListQuery, SortDir};

/// The query parameters of a request, in order, percent-decoded.
pub type Pairs = Vec<(String, String)>;

/// How a filter (or marker) value is checked before it reaches the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any text; passed through.
    Text,
    /// A UUID (`Expected a uuid but received …`).
    Uuid,
    /// A state name.
    State,
    /// A boolean; normalized to `true`/`false`.
    Bool,
    /// A JSON text (`types.jsontype`): the whole value, `op:` prefix and
    /// all, must be JSON that Python reads, or it is a 400.
    Json,
}

/// What a list endpoint accepts.
#[derive(Debug)]
pub struct ListSpec {
    /// The store's list behind it: filters and sort keys name its fields.
    pub listing: store::Listing,
    /// The resource's fields, for `fields` and `sort_keys`.
    pub fields: &'static [&'static str],
    /// The filterable query parameters and their kinds.
    pub filters: &'static [(&'static str, Kind)],
    /// The default sort key (`created_at`; `name` for actions).
    pub default_sort: &'static str,
    /// What a marker is: an id (`Uuid`) or a name (`Text`).
    pub marker: Kind,
}

/// A parsed list request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListParams {
    pub query: ListQuery,
    /// The `fields` projection; empty means every field. Starts with `id`.
    pub fields: Vec<String>,
    /// The `fields` the `next` link names (usually `fields`).
    pub link_fields: Vec<String>,
}

/// A filter value as Python prints it in the `next` link: `in`/`nin`
/// values are a list (`['a', 'b']`), a boolean is `True`/`False`.
fn filter_text(f: &Filter, kind: Kind) -> String {
    let one = |v: &str| match (kind, v) {
        (Kind::Bool, "true") => "True".to_string(),
        (Kind::Bool, "false") => "False".to_string(),
        _ => v.to_string(),
    };
    match f.op {
        FilterOp::In | FilterOp::Nin => crate::domain::pytext::names_repr(&f.values),
        _ => f.values.first().map(|v| one(v)).unwrap_or_default(),
    }
}

/// Refuses a filter or sort key on `fields`, fields of the resource that
/// are no column of Mistral's `model` table: a filter fails there on the
/// model's missing attribute, a sort as an invalid sort key (500s there,
/// 400s here, in the same words).
pub fn refuse_non_columns(p: &ListParams, model: &str, fields: &[&str]) -> Result<(), Error> {
    if let Some(f) = p
        .query
        .filters
        .iter()
        .find(|f| fields.contains(&f.field.as_str()))
    {
        return Err(Error::bad(format!(
            "type object '{model}' has no attribute '{}'",
            f.field
        )));
    }
    if let Some((k, _)) = p
        .query
        .sort
        .iter()
        .find(|(k, _)| fields.contains(&k.as_str()))
    {
        return Err(Error::bad(format!("Sort key supplied is invalid: {k}")));
    }
    Ok(())
}

impl ListParams {
    /// Restricts the list to `field = value` (the parent in the path),
    /// in place of any filter the query string put on that field. The
    /// pinned filter comes first in the `next` link, as Mistral's nested
    /// controllers name it first.
    pub fn pin(&mut self, field: &str, value: String) {
        self.query.filters.retain(|g| g.field != field);
        self.query.filters.insert(
            0,
            Filter {
                field: field.into(),
                op: FilterOp::Eq,
                values: vec![value],
            },
        );
    }

    /// As [`ListParams::pin`], unless the query string filters on `field`
    /// itself: then that filter stands (Mistral's nested controllers take
    /// the parent id as a keyword argument the query string overrides, so
    /// `/v2/executions/{a}/tasks?workflow_execution_id=b` lists b's tasks).
    pub fn pin_unless_given(&mut self, field: &str, value: String) {
        if !self.query.filters.iter().any(|g| g.field == field) {
            self.pin(field, value);
        }
    }

    /// As [`ListParams::pin`], but the pinned filter keeps its place in
    /// `spec`'s filter order (as a filter Mistral's controller sets among
    /// the others).
    pub fn pin_in_order(&mut self, field: &str, value: String, spec: &ListSpec) {
        let rank = |name: &str| spec.filters.iter().position(|(n, _)| *n == name);
        self.pin(field, value);
        let pinned = self.query.filters.remove(0);
        let at = self
            .query
            .filters
            .iter()
            .position(|g| rank(&g.field) > rank(field))
            .unwrap_or(self.query.filters.len());
        self.query.filters.insert(at, pinned);
    }

    /// The query string of the next page (`ResourceList.get_next`): the sort
    /// keys with `id` appended (as the paging query appends it), each
    /// filter as `field=op:value`, `limit`, `marker`, then `fields`.
    pub fn next_query(&self, spec: &ListSpec, marker: &str) -> String {
        let mut keys: Vec<&str> = self.query.sort.iter().map(|(k, _)| k.as_str()).collect();
        let mut dirs: Vec<&str> = self
            .query
            .sort
            .iter()
            .map(|(_, d)| match d {
                SortDir::Asc => "asc",
                SortDir::Desc => "desc",
            })
            .collect();
        if !keys.contains(&"id") {
            keys.push("id");
            dirs.push("asc");
        }
        let mut out = format!("sort_keys={}&sort_dirs={}&", keys.join(","), dirs.join(","));
        for f in &self.query.filters {
            let kind = spec
                .filters
                .iter()
                .find(|(n, _)| *n == f.field)
                .map_or(Kind::Text, |(_, k)| *k);
            out.push_str(&format!(
                "{}={}:{}&",
                f.field,
                f.op.name(),
                filter_text(f, kind)
            ));
        }
        out.push_str(&format!("limit={}&marker={marker}", self.query.limit));
        if !self.link_fields.is_empty() {
            out.push_str(&format!("&fields={}", self.link_fields.join(",")));
        }
        out
    }
}

/// The request's query parameters.
pub fn pairs(req: &HttpRequest) -> Result<Pairs, Error> {
    parse_pairs(req.query_string())
}

fn parse_pairs(qs: &str) -> Result<Pairs, Error> {
    actix_web::web::Query::<Pairs>::from_query(qs)
        .map(actix_web::web::Query::into_inner)
        .map_err(|e| Error::bad(format!("Invalid query string: {e}")))
}

/// The last value of a parameter (a repeated parameter: the last one wins).
pub fn get<'a>(pairs: &'a Pairs, key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `include_output`, `errors_only` and `statistics_only` as Mistral reads
/// them: the text as given, any value but the empty one is on (`false`,
/// `0` and `x` are too).
pub fn text_flag(pairs: &Pairs, key: &str) -> bool {
    get(pairs, key).is_some_and(|v| !v.is_empty())
}

fn parse_bool(key: &str, v: &str) -> Result<bool, Error> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" => Ok(true),
        "false" | "0" | "no" | "n" | "off" | "" => Ok(false),
        _ => Err(Error::bad(format!(
            "Invalid input for field/attribute {key}. Value: '{v}'. Wrong type. Expected 'bool'"
        ))),
    }
}

/// `?namespace=` of definition endpoints (default `''`).
pub fn namespace(pairs: &Pairs) -> String {
    get(pairs, "namespace").unwrap_or_default().to_string()
}

/// Mistral's comma list: trimmed, lowercased, empty items dropped.
fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Mistral's `types.uniquelist`: a comma list without repeats.
fn unique_list(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in list(v) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The `fields` parameter of a single GET that Mistral does not check:
/// unique names, `id` first when any is given.
pub fn asked_fields(pairs: &Pairs) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in get(pairs, "fields").map(list).unwrap_or_default() {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if !out.is_empty() && !out.iter().any(|f| f == "id") {
        out.insert(0, "id".into());
    }
    out
}

/// The `fields` parameter of a list or a single GET: unique, known fields,
/// with `id` first when any is given.
pub fn fields(pairs: &Pairs, known: &[&str]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for f in get(pairs, "fields").map(list).unwrap_or_default() {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    let unknown: Vec<&str> = out
        .iter()
        .map(String::as_str)
        .filter(|f| !known.contains(f))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::bad(format!(
            "Some fields do not exist  [{}], please choose from [{}]",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    if !out.is_empty() && !out.iter().any(|f| f == "id") {
        out.insert(0, "id".into());
    }
    Ok(out)
}

fn unknown_argument(k: &str) -> Error {
    Error::bad(format!("Unknown argument: \"{k}\""))
}

/// Refuses any query parameter not in `allowed` (a single-object GET).
pub fn only(pairs: &Pairs, allowed: &[&str]) -> Result<(), Error> {
    match pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        Some((k, _)) => Err(unknown_argument(k)),
        None => Ok(()),
    }
}

/// Query parameters every list takes besides its filters (Mistral's
/// `get_all` arguments); any other is a 400, as wsme answers.
const LIST_ARGS: &[&str] = &["limit", "marker", "sort_keys", "sort_dirs", "fields"];

/// Whether the list of `listing` takes `arg`, a `get_all` argument only
/// some lists have and their filters may not name: `namespace` the
/// definitions that live in one, `include_output` the executions, `scope`
/// what can be shared. Elsewhere Mistral answers `Unknown argument`.
fn takes(listing: store::Listing, arg: &str) -> bool {
    use store::Listing as L;
    match arg {
        "namespace" => matches!(listing, L::Workflows | L::ActionDefinitions | L::Workbooks),
        "include_output" => matches!(listing, L::Executions | L::ActionExecutions),
        "all_projects" => matches!(listing, L::Workflows | L::Executions | L::CronTriggers),
        "nulls" => listing == L::Executions,
        "scope" => matches!(
            listing,
            L::Workflows | L::ActionDefinitions | L::Workbooks | L::Environments | L::CronTriggers
        ),
        _ => LIST_ARGS.contains(&arg),
    }
}

/// Whose records a list shows: the caller's project, or for an admin
/// every project (`all_projects`, read as text as Mistral reads it: any
/// non-empty value, `false` too), admin-only (403 otherwise) as Mistral's
/// `*:list:all_projects` policy has it. `project_id` is a uuid filter
/// within that (the lists of workflows, cron triggers and executions take
/// it); on the executions list Mistral asks for the same policy.
pub fn list_access(
    pairs: &Pairs,
    caller: &Caller,
    listing: store::Listing,
) -> Result<Access, Error> {
    let all = text_flag(pairs, "all_projects");
    let project = get(pairs, "project_id").is_some_and(|p| !p.is_empty());
    if all || (project && listing == store::Listing::Executions) {
        caller.require_admin("Listing other projects (all_projects, project_id)")?;
    }
    Ok(if all { Access::All } else { caller.access() })
}

/// What wsme checks of a list's query before the controller runs (so
/// before a nested list looks its parent up): every argument is one the
/// list takes, and each filter converts. Returns the filters.
pub fn arguments(pairs: &Pairs, spec: &ListSpec) -> Result<Vec<Filter>, Error> {
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !takes(spec.listing, k) && !spec.filters.iter().any(|(f, _)| f == k))
    {
        return Err(unknown_argument(k));
    }
    filters(pairs, spec)
}

/// An integer query argument as wsme converts it (Python's `int()`), or
/// 400 in wsme's words with Python's error text.
pub fn int_argument(name: &str, v: &str) -> Result<i64, Error> {
    python_int(v).ok_or_else(|| {
        Error::bad(format!(
            "Invalid input for field/attribute {name}. Value: '{v}'. unable to convert to int. Error: invalid literal for int() with base 10: {}",
            crate::domain::pytext::str_repr(v)
        ))
    })
}

/// Parses a list request against `spec`, as `caller` sees it; `limit` is
/// clamped to `max_page_size`.
pub fn list_params(
    pairs: &Pairs,
    spec: &ListSpec,
    max_page_size: usize,
    caller: &Caller,
) -> Result<ListParams, Error> {
    // wsme converts every argument before the policy is asked.
    let filters = arguments(pairs, spec)?;
    let access = list_access(pairs, caller, spec.listing)?;
    let limit = match get(pairs, "limit") {
        None | Some("") => max_page_size,
        Some(v) => {
            let n = int_argument("limit", v)?;
            if n <= 0 {
                return Err(Error::bad("Limit must be positive."));
            }
            usize::try_from(n).unwrap_or(usize::MAX).min(max_page_size)
        }
    };
    let marker = match get(pairs, "marker") {
        None => None,
        // An empty uuid marker is no uuid (wsme's 400); a name may be empty.
        Some("") if spec.marker != Kind::Uuid => None,
        Some(m) => {
            check_value("marker", spec.marker, m)?;
            Some(m.to_string())
        }
    };
    let sort = sort(pairs, spec)?;
    let fields = fields(pairs, spec.fields)?;
    Ok(ListParams {
        query: ListQuery {
            marker,
            limit,
            sort,
            filters,
            access,
        },
        link_fields: fields.clone(),
        fields,
    })
}

fn sort(pairs: &Pairs, spec: &ListSpec) -> Result<Vec<(String, SortDir)>, Error> {
    let given = get(pairs, "sort_keys").map(unique_list);
    // An empty sort_keys is no keys against sort_dirs' default `asc`.
    if given.as_ref().is_some_and(Vec::is_empty) && get(pairs, "sort_dirs").is_none() {
        return Err(Error::bad(
            "Length of sort_keys must be equal or greater than sort_dirs.",
        ));
    }
    let keys = given.unwrap_or_default();
    let keys = if keys.is_empty() {
        vec![spec.default_sort.to_string()]
    } else {
        keys
    };
    let dirs = get(pairs, "sort_dirs").map(list).unwrap_or_default();
    if keys.len() < dirs.len() {
        return Err(Error::bad(
            "Length of sort_keys must be equal or greater than sort_dirs.",
        ));
    }
    let mut out = Vec::with_capacity(keys.len());
    for (i, key) in keys.into_iter().enumerate() {
        let dir = match dirs.get(i).map(String::as_str) {
            None | Some("asc") => SortDir::Asc,
            Some("desc") => SortDir::Desc,
            Some(_) => {
                return Err(Error::bad(
                    "Unknown sort direction, must be 'desc' or 'asc'.",
                ));
            }
        };
        if !spec.fields.contains(&key.as_str()) || !spec.listing.fields().any(|f| f == key) {
            return Err(Error::bad(format!("Sort key supplied is invalid: {key}")));
        }
        out.push((key, dir));
    }
    Ok(out)
}

fn filters(pairs: &Pairs, spec: &ListSpec) -> Result<Vec<Filter>, Error> {
    let nulls = nulls(pairs)?;
    let mut out: Vec<Filter> = Vec::new();
    for &(field, kind) in spec.filters {
        let Some(raw) = get(pairs, field) else {
            // `nulls=`: a filter the request does not give selects NULL.
            if nulls.iter().any(|n| n == field) {
                out.push(Filter {
                    field: field.to_string(),
                    op: FilterOp::IsNull,
                    values: vec!["None".into()],
                });
            }
            continue;
        };
        let filter = parse_filter(field, kind, raw)?;
        out.retain(|f| f.field != field);
        out.push(filter);
    }
    Ok(out)
}

/// The columns of Mistral's execution table, which `nulls=` may name.
const EXECUTION_COLUMNS: &[&str] = &[
    "spec",
    "accepted",
    "input",
    "output",
    "params",
    "context",
    "id",
    "name",
    "description",
    "workflow_name",
    "workflow_namespace",
    "workflow_id",
    "state",
    "state_info",
    "tags",
    "runtime_context",
    "scope",
    "project_id",
    "created_at",
    "updated_at",
    "task_execution_id",
    "root_execution_id",
];

/// The executions list's `nulls=` (a list, as wsme's `types.list` reads
/// it: split at commas, trimmed, lower-cased): each a nullable column of
/// the execution table (Mistral's `check_allowed_none_values`, whose
/// refusal is a 500 there, a 400 here). A named column that is no filter
/// of the list is accepted and does nothing.
fn nulls(pairs: &Pairs) -> Result<Vec<String>, Error> {
    let Some(raw) = get(pairs, "nulls") else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = raw
        .split(',')
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    for n in &names {
        if !EXECUTION_COLUMNS.contains(&n.as_str()) {
            return Err(Error::bad(format!("'{n}' is not a valid field name.")));
        }
        if n == "id" {
            return Err(Error::bad("The field 'id' can't hold None value."));
        }
    }
    Ok(names)
}

/// Python's `int(text)` in base 10: surrounding whitespace, a sign and
/// `_` between digits are allowed; a value beyond `i64` saturates.
fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !well_formed {
        return None;
    }
    let plain: String = digits.chars().filter(|c| *c != '_').collect();
    let n = plain.parse::<i64>().unwrap_or(i64::MAX);
    Some(if neg { -n } else { n })
}

/// `op:value` (`in`/`nin` take a comma list); no known op means `eq`.
fn parse_filter(field: &str, kind: Kind, raw: &str) -> Result<Filter, Error> {
    if kind == Kind::Json
        && let Some(e) = crate::domain::pyjson::loads_error(raw)
    {
        return Err(Error::bad(format!(
            "Invalid input for field/attribute {field}. Value: '{raw}'. unable to convert to json. Error: {e}"
        )));
    }
    // wsme converts a bool argument with Python's `bool()` of the text:
    // any non-empty text (`false`, `0`, `neq:x`) is true, only `` false.
    // (`is_system` is no argument of Mistral's: it keeps its own reading.)
    if kind == Kind::Bool && field != "is_system" {
        return Ok(Filter {
            field: field.to_string(),
            op: FilterOp::Eq,
            values: vec![(!raw.is_empty()).to_string()],
        });
    }
    const OPS: [(&str, FilterOp); 9] = [
        ("eq", FilterOp::Eq),
        ("neq", FilterOp::Neq),
        ("gt", FilterOp::Gt),
        ("gte", FilterOp::Gte),
        ("lt", FilterOp::Lt),
        ("lte", FilterOp::Lte),
        ("in", FilterOp::In),
        ("nin", FilterOp::Nin),
        ("has", FilterOp::Has),
    ];
    let (op, value) = OPS
        .iter()
        .find_map(|(name, op)| {
            raw.strip_prefix(name)
                .and_then(|r| r.strip_prefix(':'))
                .map(|v| (*op, v))
        })
        .unwrap_or((FilterOp::Eq, raw));
    let values: Vec<String> = match op {
        FilterOp::In | FilterOp::Nin => value.split(',').map(str::to_string).collect(),
        _ => vec![value.to_string()],
    };
    if kind == Kind::Uuid {
        return uuid_filter(field, raw, op, values);
    }
    let values = values
        .iter()
        .map(|v| check_value(field, kind, v))
        .collect::<Result<_, _>>()?;
    Ok(Filter {
        field: field.to_string(),
        op,
        values,
    })
}

fn check_value(field: &str, kind: Kind, v: &str) -> Result<String, Error> {
    match kind {
        Kind::Text | Kind::Json => Ok(v.to_string()),
        // Compared as the text it is, as Mistral compares ids: another
        // spelling of a stored id matches nothing.
        Kind::Uuid if is_uuid_like(v) => Ok(v.to_string()),
        Kind::Uuid => Err(bad_uuid(field, v)),
        // A plain string in Mistral: an unknown state matches nothing.
        Kind::State => Ok(v
            .parse::<State>()
            .map_or_else(|_| v.to_string(), |s| s.as_str().to_string())),
        Kind::Bool => parse_bool(field, v).map(|b| b.to_string()),
    }
}

/// A filter on a `types.uuid` argument, as Mistral's `UuidType.validate`
/// reads it: the value after any `op:` prefix must be one uuid, and that
/// value alone is the argument, so the filter is an equality whatever the
/// operator (`neq:X` finds X); an `in:`/`nin:` list is no uuid (400 naming
/// the list as Python prints it).
fn uuid_filter(field: &str, raw: &str, op: FilterOp, values: Vec<String>) -> Result<Filter, Error> {
    let refuse = |received: String| {
        Error::bad(format!(
            "Invalid input for field/attribute {field}. Value: '{raw}'. unable to convert to uuid. Error: Expected a uuid but received {received}."
        ))
    };
    if matches!(op, FilterOp::In | FilterOp::Nin) {
        let items: Vec<String> = values
            .iter()
            .map(|v| crate::domain::pytext::str_repr(v))
            .collect();
        return Err(refuse(format!("[{}]", items.join(", "))));
    }
    let value = values.into_iter().next().unwrap_or_default();
    if !is_uuid_like(&value) {
        return Err(refuse(value));
    }
    Ok(Filter {
        field: field.to_string(),
        op: FilterOp::Eq,
        values: vec![value],
    })
}

/// WSME's answer to a value `types.uuid` refuses.
pub fn bad_uuid(field: &str, v: &str) -> Error {
    Error::bad(format!(
        "Invalid input for field/attribute {field}. Value: '{v}'. unable to convert to uuid. Error: Expected a uuid but received {v}."
    ))
}

/// Whether `s` is text Mistral's `types.uuid` takes, as oslo's
/// `uuidutils.is_uuid_like` decides: with every `urn:` and `uuid:` removed,
/// the braces at both ends stripped and every dash dropped, 32 hex digits
/// in any case remain. Dashes may stand anywhere (`6ac4-0137-3183…`).
pub fn is_uuid_like(s: &str) -> bool {
    let bare = s.replace("urn:", "").replace("uuid:", "");
    let hex: String = bare
        .trim_matches(|c| c == '{' || c == '}')
        .chars()
        .filter(|&c| c != '-')
        .collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// A UUID path value named `field` as `types.uuid` takes it: text that
/// [`is_uuid_like`], anything else a 400. Mistral then compares the text
/// as given with the stored ids, so only the canonical spelling names a
/// record: the id is `None` for any other.
pub fn uuid_named<T: std::str::FromStr>(field: &str, s: &str) -> Result<Option<T>, Error> {
    if !is_uuid_like(s) {
        return Err(bad_uuid(field, s));
    }
    Ok(s.parse().ok())
}

/// Keeps only `fields` of an object (all of them when `fields` is empty),
/// in the object's own key order.
pub fn project(obj: Map<String, Value>, fields: &[String]) -> Map<String, Value> {
    if fields.is_empty() {
        return obj;
    }
    obj.into_iter()
        .filter(|(k, _)| fields.iter().any(|f| f == k))
        .collect()
}

/// The list envelope `{"<plural>": [...], "next": "<url>"}`; `next` is there
/// only when the page is full (`ResourceList.has_next`), and points at the
/// top-level collection `/v2/<plural>` with `p`'s query
/// ([`ListParams::next_query`]).
pub fn envelope(
    req: &HttpRequest,
    plural: &str,
    items: Vec<Map<String, Value>>,
    p: &ListParams,
    spec: &ListSpec,
) -> Value {
    let last_id = items
        .last()
        .and_then(|i| i.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let full = !items.is_empty() && items.len() == p.query.limit;
    let mut out = Map::new();
    out.insert(
        plural.into(),
        Value::Array(items.into_iter().map(Value::Object).collect()),
    );
    if let (true, Some(id)) = (full, last_id) {
        let conn = req.connection_info();
        out.insert(
            "next".into(),
            format!(
                "{}://{}/v2/{plural}?{}",
                conn.scheme(),
                conn.host(),
                p.next_query(spec, &id)
            )
            .into(),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
