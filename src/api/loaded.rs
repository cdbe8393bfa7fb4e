//! Mistral's `fields` projection, as its API builds it: the asked names are
//! zipped, in order, with the values of those of them that are database
//! columns (`from_tuples(zip(fields, row))`). A name that is no column (a
//! task's `result`, an execution's `published_global`, a workflow's
//! `interface`, an unknown name on a single GET) takes no value of its own,
//! so the names after it take the value of the column before them, and the
//! last names go without. Each value is then checked against the type of
//! the field it landed on, as wsme checks it. Called by list pages and by
//! the single GETs that read rows this way (workflows, cron triggers).
//!
//! Invariant: with every asked name a column, the answer is the plain
//! projection of the rendered resource.

use serde_json::{Map, Value};

use super::error::Error;
use crate::domain::pytext;
use crate::store::Listing;

/// How one resource's rows are read with `fields`.
pub struct Shape {
    /// The resource's fields, in the order Mistral writes them.
    pub fields: &'static [&'static str],
    /// The model's columns (`hasattr(model, f)`), resource fields or not.
    pub columns: &'static [&'static str],
    /// Fields rendered as JSON text (`types.jsontype`).
    pub json: &'static [&'static str],
    /// The workflow's `spec` column (the rendered resource carries it
    /// under `spec` when fields are asked): the spec read in its own place
    /// sets `input` and `interface`; landed on another field, it is that
    /// field's value.
    pub spec_sets_input: bool,
}

const WORKFLOW: Shape = Shape {
    fields: super::workflows::FIELDS,
    columns: &[
        "id",
        "name",
        "namespace",
        "definition",
        "spec",
        "tags",
        "is_system",
        "checksum",
        "workbook_name",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ],
    json: &["interface"],
    spec_sets_input: true,
};

const EXECUTION: Shape = Shape {
    fields: super::executions::FIELDS,
    columns: &[
        "id",
        "workflow_id",
        "workflow_name",
        "workflow_namespace",
        "description",
        "tags",
        "params",
        "task_execution_id",
        "root_execution_id",
        "state",
        "state_info",
        "input",
        "output",
        "created_at",
        "updated_at",
        "project_id",
        "spec",
        "accepted",
        "context",
        "name",
        "runtime_context",
        "scope",
    ],
    json: &["params", "input", "output", "published_global"],
    spec_sets_input: false,
};

const TASK: Shape = Shape {
    fields: super::tasks::FIELDS,
    columns: &[
        "id",
        "name",
        "type",
        "workflow_name",
        "workflow_namespace",
        "workflow_id",
        "workflow_execution_id",
        "tags",
        "state",
        "state_info",
        "project_id",
        "runtime_context",
        "published",
        "processed",
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
    ],
    json: &["runtime_context", "published", "published_global", "env"],
    spec_sets_input: false,
};

const ACTION_EXECUTION: Shape = Shape {
    fields: super::action_executions::FIELDS,
    columns: &[
        "id",
        "workflow_name",
        "workflow_namespace",
        "task_execution_id",
        "state",
        "state_info",
        "tags",
        "name",
        "description",
        "project_id",
        "accepted",
        "input",
        "output",
        "created_at",
        "updated_at",
    ],
    json: &["input", "output", "params"],
    spec_sets_input: false,
};

const CRON_TRIGGER: Shape = Shape {
    fields: &[
        "id",
        "name",
        "workflow_name",
        "workflow_id",
        "workflow_input",
        "workflow_params",
        "project_id",
        "scope",
        "pattern",
        "remaining_executions",
        "first_execution_time",
        "next_execution_time",
        "created_at",
        "updated_at",
    ],
    columns: &[
        "id",
        "name",
        "pattern",
        "first_execution_time",
        "next_execution_time",
        "workflow_name",
        "remaining_executions",
        "workflow_id",
        "workflow_params",
        "workflow_input",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ],
    json: &["workflow_input", "workflow_params"],
    spec_sets_input: false,
};

/// The shape of a list's rows, when its resource has fields that are no
/// columns (the others project plainly).
pub fn shape_of(listing: Listing) -> Option<&'static Shape> {
    match listing {
        Listing::Workflows => Some(&WORKFLOW),
        Listing::Executions => Some(&EXECUTION),
        Listing::Tasks => Some(&TASK),
        Listing::ActionExecutions => Some(&ACTION_EXECUTION),
        _ => None,
    }
}

/// The shape of a workflow row.
pub fn workflow() -> &'static Shape {
    &WORKFLOW
}

/// The shape of a cron trigger row.
pub fn cron_trigger() -> &'static Shape {
    &CRON_TRIGGER
}

/// `obj` (the rendered resource) as Mistral answers it for the asked
/// names (`id` first, unique). Names neither field nor column are kept in
/// the zip and dropped from the answer.
pub fn project(
    shape: &Shape,
    obj: Map<String, Value>,
    asked: &[String],
) -> Result<Map<String, Value>, Error> {
    if asked.is_empty() {
        return Ok(obj);
    }
    let values: Vec<Value> = asked
        .iter()
        .filter(|f| shape.columns.contains(&f.as_str()))
        .map(|f| column_value(shape, &obj, f))
        .collect();
    let mut set = Map::new();
    let mut spec_read = false;
    for (f, v) in asked.iter().zip(values) {
        if shape.spec_sets_input && f == "spec" {
            spec_read = spec_landed(v)?;
            continue;
        }
        if shape.fields.contains(&f.as_str()) {
            set.insert(f.clone(), checked(shape, f, v)?);
        }
    }
    if spec_read {
        for f in ["input", "interface"] {
            set.insert(f.into(), obj.get(f).cloned().unwrap_or(Value::Null));
        }
    }
    Ok(shape
        .fields
        .iter()
        .filter_map(|f| set.get(*f).map(|v| ((*f).to_string(), v.clone())))
        .collect())
}

/// Whether the value that landed on the workflow's `spec` sets `input`
/// and `interface`: a spec does, a false value does nothing (Mistral reads
/// the spec only if there is one). Any other value is refused: Mistral
/// fails with a 500 (`'str' object has no attribute 'get'`).
fn spec_landed(v: Value) -> Result<bool, Error> {
    match v {
        Value::Object(_) => Ok(true),
        v if !pytext::truthy(&v) => Ok(false),
        v => Err(Error::bad(format!(
            "Invalid input for field/attribute spec. Value: '{}'. Wrong type. Expected '<class 'dict'>', got '<class '{}'>'",
            pytext::str(&v),
            pytext::type_name(&v)
        ))),
    }
}

/// A column's value as the row holds it: JSON fields parsed back from their
/// text; the workflow's spec as the resource carries it (Mistral's spec
/// dict); another resource's spec column stands as `false` (it lands on
/// no field of theirs that reads it).
fn column_value(shape: &Shape, obj: &Map<String, Value>, f: &str) -> Value {
    if f == "spec" {
        return match shape.spec_sets_input {
            true => obj.get("spec").cloned().unwrap_or(Value::Null),
            false => Value::Bool(false),
        };
    }
    match obj.get(f) {
        Some(Value::String(s)) if shape.json.contains(&f) => {
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
        }
        Some(v) => v.clone(),
        None if f == "is_system" => Value::Bool(false),
        None => Value::Null,
    }
}

/// A value set on field `f`, as wsme takes it: a JSON field wants a
/// mapping (a false value is `{}`), `tags` a list, a text field text.
fn checked(shape: &Shape, f: &str, v: Value) -> Result<Value, Error> {
    if shape.json.contains(&f) {
        return match v {
            Value::Object(_) => Ok(pytext::dumps(&v, None).into()),
            v if !pytext::truthy(&v) => Ok("{}".into()),
            v => Err(Error::bad(format!(
                "JsonType field value must be a dictionary [actual={}]",
                pytext::str(&v)
            ))),
        };
    }
    let wrong = |expected: &str, v: &Value| {
        Error::bad(format!(
            "Invalid input for field/attribute {f}. Value: '{}'. Wrong type. Expected '{expected}', got '<class '{}'>'",
            pytext::str(v),
            pytext::type_name(v)
        ))
    };
    match f {
        "tags" => match v {
            Value::Array(_) | Value::Null => Ok(v),
            v => Err(wrong("[<class 'str'>]", &v)),
        },
        // wsme's `Enum(str, 'private', 'public')`.
        "scope" => match v {
            Value::Null => Ok(v),
            Value::String(ref s) if s == "private" || s == "public" => Ok(v),
            Value::Array(_) | Value::Object(_) => Err(Error::bad(format!(
                "Invalid input for field/attribute {f}. Value: '{}'. unhashable type: '{}'",
                pytext::str(&v),
                pytext::type_name(&v)
            ))),
            v => Err(Error::bad(format!(
                "Invalid input for field/attribute {f}. Value: '{}'. Value should be one of: private, public",
                pytext::str(&v)
            ))),
        },
        "processed" | "accepted" | "reset" | "is_system" | "remaining_executions" => Ok(v),
        _ => match v {
            Value::String(_) | Value::Null => Ok(v),
            v => Err(wrong("<class 'str'>", &v)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asked(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// [`super::project`] of a copy of `obj`.
    fn project(
        shape: &Shape,
        obj: &Map<String, Value>,
        asked: &[String],
    ) -> Result<Map<String, Value>, Error> {
        super::project(shape, obj.clone(), asked)
    }

    fn task() -> Map<String, Value> {
        json!({"id": "i", "name": "t1", "state": "SUCCESS", "published": "{\"x\": 1}", "tags": []})
            .as_object()
            .cloned()
            .unwrap()
    }

    /// Observed on Mistral 23.0.0: `fields=result,name,state` on a task
    /// list gives `result: "t1"`, `name: "SUCCESS"` and no state.
    #[test]
    fn a_name_that_is_no_column_shifts_the_values() {
        let got = project(&TASK, &task(), &asked(&["id", "result", "name", "state"])).unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"id": "i", "name": "SUCCESS", "result": "t1"})
        );
        let got = project(&TASK, &task(), &asked(&["id", "published", "name"])).unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"id": "i", "name": "t1", "published": "{\"x\": 1}"})
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused() {
        let e = project(&TASK, &task(), &asked(&["id", "published_global", "state"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "JsonType field value must be a dictionary [actual=SUCCESS]"
        );
        let wf = json!({"id": "i", "name": "w", "tags": [], "input": "a", "interface": "{}"});
        let e = project(
            &WORKFLOW,
            wf.as_object().unwrap(),
            &asked(&["id", "input", "tags"]),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid input for field/attribute input. Value: '[]'. Wrong type. Expected '<class 'str'>', got '<class 'list'>'"
        );
    }

    #[test]
    fn a_workflow_spec_read_in_place_sets_input_and_interface() {
        let spec = json!({"input": ["a"], "tasks": {}, "name": "w", "version": "2.0"});
        let wf = json!({"id": "i", "name": "w", "input": "a", "interface": "{\"input\": [\"a\"]}", "spec": spec});
        let got = project(
            &WORKFLOW,
            wf.as_object().unwrap(),
            &asked(&["id", "name", "spec"]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"id": "i", "name": "w", "input": "a", "interface": "{\"input\": [\"a\"]}"})
        );
        let wf = json!({"id": "i", "name": "w", "namespace": "", "input": "a", "interface": "{}", "spec": spec});
        let names = asked(&["id", "input", "interface", "name", "namespace"]);
        let got = project(&WORKFLOW, wf.as_object().unwrap(), &names).unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"id": "i", "input": "w", "interface": "{}"})
        );
    }

    /// Observed on Mistral 23.0.0: `GET /v2/workflows?fields=input,interface`
    /// reads `id, interface, spec`, and the spec lands on `interface`.
    #[test]
    fn a_workflow_spec_landed_elsewhere_is_that_fields_value() {
        let spec = json!({"tasks": {}, "name": "w", "version": "2.0"});
        let wf = json!({"id": "i", "name": "w", "scope": "private", "tags": [], "spec": spec});
        let wf = wf.as_object().unwrap();
        let got = project(&WORKFLOW, wf, &asked(&["id", "interface", "spec"])).unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"id": "i", "interface": "{\"tasks\": {}, \"name\": \"w\", \"version\": \"2.0\"}"})
        );
        let e = project(&WORKFLOW, wf, &asked(&["id", "bogus", "name", "spec"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid input for field/attribute name. Value: '{'tasks': {}, 'name': 'w', 'version': '2.0'}'. Wrong type. Expected '<class 'str'>', got '<class 'dict'>'"
        );
        let e = project(&WORKFLOW, wf, &asked(&["id", "bogus", "spec", "name"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid input for field/attribute spec. Value: 'w'. Wrong type. Expected '<class 'dict'>', got '<class 'str'>'"
        );
        let got = project(&WORKFLOW, wf, &asked(&["id", "bogus", "spec", "tags"])).unwrap();
        assert_eq!(Value::Object(got), json!({"id": "i"}));
    }

    #[test]
    fn scope_takes_private_public_or_null() {
        let wf = json!({"id": "i", "name": "w", "tags": [], "updated_at": null});
        let wf = wf.as_object().unwrap();
        let e = project(&WORKFLOW, wf, &asked(&["id", "bogus", "scope", "name"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid input for field/attribute scope. Value: 'w'. Value should be one of: private, public"
        );
        let e = project(&WORKFLOW, wf, &asked(&["id", "bogus", "scope", "tags"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid input for field/attribute scope. Value: '[]'. unhashable type: 'list'"
        );
        let got = project(
            &WORKFLOW,
            wf,
            &asked(&["id", "bogus", "scope", "updated_at"]),
        )
        .unwrap();
        assert_eq!(Value::Object(got), json!({"id": "i", "scope": null}));
    }
}
