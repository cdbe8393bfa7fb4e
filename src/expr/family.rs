//! Mistral's `tasks(workflow_execution_id, recursive, state, flat)` over an
//! execution family: the root execution and every sub-workflow execution
//! under it, as the engine hands them in ([`crate::expr::Host::family`]).
//!
//! The family is JSON: `{"current": ID, "executions": [{"id", "state",
//! "task_execution_id", "tasks": [task dicts]}]}`, executions and tasks in
//! creation order. The selection follows Mistral's `_get_tasks_from_db`:
//! the execution's own tasks (filtered by `state` and `flat`), then, when
//! `recursive`, for each of its WORKFLOW tasks the same selection over each
//! sub-workflow execution it started, depth first. `flat` drops a WORKFLOW
//! task whose state equals the state of one of its sub-workflow executions.

use serde_json::Value;

/// The arguments of one `tasks()` call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TasksQuery {
    /// `workflow_execution_id`; `None` is the current execution (Mistral
    /// lists every task of its database then).
    pub execution_id: Option<String>,
    pub recursive: bool,
    pub state: Option<String>,
    pub flat: bool,
}

impl TasksQuery {
    /// True when the answer needs only the tasks of execution `current`
    /// (no sub-workflow and no sub-workflow state is read).
    pub fn is_local_to(&self, current: &str) -> bool {
        !self.recursive && !self.flat && self.execution_id.as_deref().is_none_or(|id| id == current)
    }
}

/// The task dicts `q` selects in `family`.
pub fn select(family: &Value, q: &TasksQuery) -> Value {
    let execs = family
        .get("executions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let id = q
        .execution_id
        .as_deref()
        .or_else(|| family.get("current").and_then(Value::as_str));
    let mut out = Vec::new();
    if let Some(id) = id {
        collect(execs, id, q, 0, &mut out);
    }
    Value::Array(out)
}

/// Sub-workflow nesting deeper than this is not followed (a cycle in a
/// malformed family cannot loop).
const MAX_DEPTH: usize = 64;

fn collect(execs: &[Value], id: &str, q: &TasksQuery, depth: usize, out: &mut Vec<Value>) {
    let Some(exec) = execs.iter().find(|e| str_of(e, "id") == Some(id)) else {
        return;
    };
    let tasks = exec
        .get("tasks")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let children = |t: &Value| -> Vec<&Value> {
        let tid = str_of(t, "id");
        execs
            .iter()
            .filter(|e| tid.is_some() && str_of(e, "task_execution_id") == tid)
            .collect()
    };
    for t in tasks {
        let state_ok = q
            .state
            .as_deref()
            .is_none_or(|s| str_of(t, "state") == Some(s));
        let flat_ok = !q.flat
            || str_of(t, "type") == Some("ACTION")
            || children(t)
                .iter()
                .all(|c| str_of(c, "state") != str_of(t, "state"));
        if state_ok && flat_ok {
            out.push(t.clone());
        }
    }
    if q.recursive && depth < MAX_DEPTH {
        for t in tasks
            .iter()
            .filter(|t| str_of(t, "type") == Some("WORKFLOW"))
        {
            for c in children(t) {
                if let Some(cid) = str_of(c, "id") {
                    collect(execs, cid, q, depth + 1, out);
                }
            }
        }
    }
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// True unless every `tasks(` call in `src` is plainly about the current
/// execution's own tasks: no argument, or `execution().id` (or null) first,
/// `recursive` and `flat` absent or a false literal, any `state`. A caller
/// that must gather the family before evaluating (a copy for another
/// thread, a Jinja snapshot) asks this; it errs towards gathering.
pub fn may_read_family(src: &str) -> bool {
    let mut rest = src;
    while let Some(at) = rest.find("tasks(") {
        let after = &rest[at + "tasks(".len()..];
        let Some(args) = call_args(after) else {
            return true;
        };
        if !local_args(args) {
            return true;
        }
        rest = after;
    }
    false
}

/// The text of a call's arguments, up to the parenthesis that closes it.
fn call_args(s: &str) -> Option<&str> {
    find_top(s, ')').map(|i| &s[..i])
}

/// The index of the first `target` in `s` outside quotes and brackets.
fn find_top(s: &str, target: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c == target && depth == 0 => return Some(i),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn local_args(args: &str) -> bool {
    if args.trim().is_empty() {
        return true;
    }
    let falsy = |v: &str| matches!(v, "false" | "False" | "null" | "None");
    split_top(args).iter().enumerate().all(|(i, part)| {
        let part = part.trim();
        if let Some((k, v)) = keyword(part) {
            return match k {
                "state" => true,
                "recursive" | "flat" => falsy(v),
                "workflow_execution_id" => v == "execution().id" || falsy(v),
                _ => false,
            };
        }
        match i {
            0 => part == "execution().id" || falsy(part),
            1 | 3 => falsy(part),
            2 => true,
            _ => false,
        }
    })
}

/// `name => value` (YAQL) or `name=value` (Jinja), else `None`.
fn keyword(part: &str) -> Option<(&str, &str)> {
    let (k, v) = part
        .split_once("=>")
        .or_else(|| part.split_once('=').filter(|(_, v)| !v.starts_with('=')))?;
    let k = k.trim();
    let ident = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ident.then_some((k, v.trim()))
}

/// `s` split at its top-level commas.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(i) = find_top(rest, ',') {
        parts.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    parts.push(rest);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_split_outside_quotes_and_brackets() {
        assert_eq!(
            call_args("execution().id, f(a, b), 'x,)' , [1, 2]) + 1"),
            Some("execution().id, f(a, b), 'x,)' , [1, 2]")
        );
        assert_eq!(call_args("a, (b"), None);
        assert_eq!(
            split_top("execution().id, f(a, b), 'x,)', {k: [1, 2]}"),
            vec!["execution().id", " f(a, b)", " 'x,)'", " {k: [1, 2]}"]
        );
        assert_eq!(split_top(""), vec![""]);
    }

    fn family() -> Value {
        json!({
            "current": "p",
            "executions": [
                {"id": "p", "state": "RUNNING", "task_execution_id": null, "tasks": [
                    {"id": "t1", "name": "call", "type": "WORKFLOW", "state": "SUCCESS"},
                    {"id": "t2", "name": "fan", "type": "WORKFLOW", "state": "ERROR"},
                    {"id": "t3", "name": "collect", "type": "ACTION", "state": "RUNNING"},
                ]},
                {"id": "c1", "state": "SUCCESS", "task_execution_id": "t1", "tasks": [
                    {"id": "t4", "name": "a", "type": "ACTION", "state": "SUCCESS"},
                    {"id": "t5", "name": "sub", "type": "WORKFLOW", "state": "SUCCESS"},
                ]},
                {"id": "g1", "state": "SUCCESS", "task_execution_id": "t5", "tasks": [
                    {"id": "t6", "name": "x", "type": "ACTION", "state": "ERROR"},
                ]},
                {"id": "c2", "state": "SUCCESS", "task_execution_id": "t2", "tasks": [
                    {"id": "t7", "name": "y", "type": "ACTION", "state": "SUCCESS"},
                ]},
            ]
        })
    }

    fn names(v: Value) -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn q(id: Option<&str>, recursive: bool, state: Option<&str>, flat: bool) -> TasksQuery {
        TasksQuery {
            execution_id: id.map(String::from),
            recursive,
            state: state.map(String::from),
            flat,
        }
    }

    #[test]
    fn recursive_lists_own_tasks_then_each_sub_workflow_depth_first() {
        let f = family();
        assert_eq!(
            names(select(&f, &q(None, false, None, false))),
            ["call", "fan", "collect"]
        );
        assert_eq!(
            names(select(&f, &q(Some("p"), true, None, false))),
            ["call", "fan", "collect", "a", "sub", "x", "y"]
        );
        assert_eq!(
            names(select(&f, &q(Some("c1"), false, None, false))),
            ["a", "sub"]
        );
        assert!(names(select(&f, &q(Some("nope"), true, None, false))).is_empty());
    }

    #[test]
    fn state_and_flat_filter_every_level() {
        let f = family();
        assert_eq!(
            names(select(&f, &q(Some("p"), true, Some("SUCCESS"), false))),
            ["call", "a", "sub", "y"]
        );
        // `fan` is ERROR while its sub-workflow succeeded: flat keeps it.
        assert_eq!(
            names(select(&f, &q(Some("p"), true, None, true))),
            ["fan", "collect", "a", "x", "y"]
        );
        assert_eq!(
            names(select(&f, &q(Some("p"), false, None, true))),
            ["fan", "collect"]
        );
    }

    #[test]
    fn family_is_needed_unless_every_call_is_local() {
        assert!(!may_read_family("<% $.x %>"));
        assert!(!may_read_family("<% tasks() %>"));
        assert!(!may_read_family("<% tasks(execution().id).len() %>"));
        assert!(!may_read_family(
            "<% tasks(execution().id, false, SUCCESS) %>"
        ));
        assert!(!may_read_family(
            "{{ tasks(execution().id, False, 'ERROR', False) }}"
        ));
        assert!(!may_read_family("<% tasks(state => ERROR) %>"));
        assert!(!may_read_family("{{ tasks(state='ERROR') }}"));
        assert!(may_read_family("<% tasks(execution().id, true) %>"));
        assert!(may_read_family("{{ tasks(execution().id, True) }}"));
        assert!(may_read_family("<% tasks($.id) %>"));
        assert!(may_read_family("<% tasks(execution().id, $.deep) %>"));
        assert!(may_read_family("<% tasks(recursive => true) %>"));
        assert!(may_read_family(
            "<% tasks(execution().id, false, null, true) %>"
        ));
        assert!(may_read_family(
            "<% tasks(execution().id).len() + tasks(x).len() %>"
        ));
        assert!(may_read_family("<% tasks(execution().id, true"));
    }
}
