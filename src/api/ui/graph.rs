//! A workflow spec as the UI draws it: one node per task (plus one per engine
//! command that a transition reaches), one edge per transition (direct
//! workflows) or per `requires` (reverse workflows). Pure; `data` calls it.
//!
//! It reads the spec's JSON form (`lang::WorkflowSpec` as serde writes it,
//! which is how executions keep it): walking that is much cheaper than
//! deserializing a 10,000-task spec, and the tests pin the shape by building
//! typed specs and serializing them.

use serde::Serialize;
use serde_json::{Map, Value};

/// A node of the graph.
#[derive(Debug, PartialEq, Serialize)]
pub struct Node {
    pub name: String,
    /// `task` or `command`.
    pub kind: &'static str,
    /// The action or sub-workflow name (`std.echo`, `wb.sub`), or the command.
    pub runs: String,
    /// True when the task starts a sub-workflow.
    pub workflow: bool,
    /// `all`, a count, or null.
    pub join: Option<Value>,
    pub with_items: bool,
    /// True when no transition leads here (a start task).
    pub start: bool,
}

/// An edge: `on` is `success`, `error`, `complete`, `skip` or `requires`.
#[derive(Debug, PartialEq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub on: &'static str,
    /// The guard expression, as text, when there is one.
    pub guard: Option<String>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Graph {
    /// `direct` or `reverse`.
    pub kind: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Where a transition goes: a task name, or `<command>`; `None` for `noop`.
fn target(t: &Value, commands: &mut Vec<String>) -> Option<String> {
    if let Some(name) = t.get("task").and_then(Value::as_str) {
        return Some(name.to_string());
    }
    let c = t.pointer("/command/command").and_then(Value::as_str)?;
    if c == "noop" {
        return None;
    }
    if !commands.iter().any(|x| x == c) {
        commands.push(c.to_string());
    }
    Some(format!("<{c}>"))
}

/// `all`, a count, or nothing.
fn join(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::Null => None,
        Value::Object(m) => m.get("count").cloned(),
        other => Some(other.clone()),
    }
}

/// The graph of a spec in its JSON form.
pub fn of(spec: &Value) -> Graph {
    let empty = Map::new();
    let tasks = spec
        .get("tasks")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut edges = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    for (name, t) in tasks {
        for (on, key) in [
            ("success", "on_success"),
            ("error", "on_error"),
            ("complete", "on_complete"),
            ("skip", "on_skip"),
        ] {
            let next = t.pointer(&format!("/{key}/next")).and_then(Value::as_array);
            for tr in next.into_iter().flatten() {
                let Some(to) = tr.get("target").and_then(|x| target(x, &mut commands)) else {
                    continue;
                };
                edges.push(Edge {
                    from: name.clone(),
                    to,
                    on,
                    guard: tr.get("guard").filter(|g| !g.is_null()).map(text),
                });
            }
        }
        for r in t
            .get("requires")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            edges.push(Edge {
                from: text(r),
                to: name.clone(),
                on: "requires",
                guard: None,
            });
        }
    }
    let targets: std::collections::HashSet<&str> = edges.iter().map(|e| e.to.as_str()).collect();
    let mut nodes: Vec<Node> = tasks
        .iter()
        .map(|(name, t)| {
            let run = t.get("run");
            let (runs, workflow) = match run.and_then(|r| r.get("workflow")) {
                Some(w) => (text(w), true),
                None => (
                    run.and_then(|r| r.get("action"))
                        .map_or_else(|| "std.noop".into(), text),
                    false,
                ),
            };
            Node {
                name: name.clone(),
                kind: "task",
                runs,
                workflow,
                join: join(t.get("join")),
                with_items: t
                    .get("with_items")
                    .and_then(Value::as_array)
                    .is_some_and(|w| !w.is_empty()),
                start: !targets.contains(name.as_str()),
            }
        })
        .collect();
    nodes.extend(commands.into_iter().map(|c| Node {
        name: format!("<{c}>"),
        kind: "command",
        runs: c,
        workflow: false,
        join: None,
        with_items: false,
        start: false,
    }));
    Graph {
        kind: spec
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("direct")
            .to_string(),
        nodes,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A task in the JSON form of `lang::TaskSpec`: `next` as
    /// `(target, guard)`; targets `fail`/`noop` are engine commands.
    fn task(next: &[(&str, Option<&str>)], join: Value) -> Value {
        let next: Vec<Value> = next
            .iter()
            .map(|(to, guard)| {
                let target = match *to {
                    "fail" => json!({"command": {"command": "fail", "msg": null}}),
                    "noop" => json!({"command": {"command": "noop"}}),
                    n => json!({ "task": n }),
                };
                json!({"target": target, "guard": guard})
            })
            .collect();
        let clause = if next.is_empty() {
            Value::Null
        } else {
            json!({"publish": {}, "publish_global": {}, "next": next})
        };
        json!({"run": {"action": "std.noop"}, "with_items": [], "on_success": clause,
               "on_error": null, "on_complete": null, "join": join, "requires": []})
    }

    fn spec(tasks: Vec<(&str, Value)>) -> Value {
        let tasks: Map<String, Value> = tasks.into_iter().map(|(n, t)| (n.into(), t)).collect();
        json!({"name": "wf", "kind": "direct", "tasks": tasks})
    }

    /// Nodes as `name:start`, edges as `from>to[guard]`.
    fn check(s: Value, nodes: &str, edges: &str) {
        let g = of(&s);
        let n: Vec<String> = g
            .nodes
            .iter()
            .map(|n| format!("{}:{}", n.name, u8::from(n.start)))
            .collect();
        let e: Vec<String> = g
            .edges
            .iter()
            .map(|e| match &e.guard {
                Some(g) => format!("{}>{}[{g}]", e.from, e.to),
                None => format!("{}>{}", e.from, e.to),
            })
            .collect();
        assert_eq!(n.join(" "), nodes);
        assert_eq!(e.join(" "), edges);
    }

    #[test]
    fn graphs() {
        let none = Value::Null;
        check(spec(vec![("a", task(&[], none.clone()))]), "a:1", "");
        check(
            spec(vec![
                ("a", task(&[("b", None)], none.clone())),
                ("b", task(&[], none.clone())),
            ]),
            "a:1 b:0",
            "a>b",
        );
        check(
            spec(vec![
                (
                    "a",
                    task(&[("b", Some("<% $.x %>")), ("c", None)], none.clone()),
                ),
                ("b", task(&[("d", None)], none.clone())),
                ("c", task(&[("d", None)], none.clone())),
                ("d", task(&[], json!("all"))),
            ]),
            "a:1 b:0 c:0 d:0",
            "a>b[<% $.x %>] a>c b>d c>d",
        );
        check(
            spec(vec![(
                "a",
                task(&[("fail", None), ("noop", None)], none.clone()),
            )]),
            "a:1 <fail>:0",
            "a><fail>",
        );
        check(json!({}), "", "");
    }

    #[test]
    fn joins_kinds_and_sub_workflows() {
        let g = of(&spec(vec![
            ("a", task(&[("c", None)], Value::Null)),
            ("c", task(&[], json!({"count": 2}))),
            ("d", task(&[], json!("all"))),
        ]));
        assert_eq!(g.nodes[1].join, Some(json!(2)));
        assert_eq!(g.nodes[0].join, None);
        assert_eq!(g.nodes[2].join, Some(json!("all")));
        assert_eq!(g.nodes[0].runs, "std.noop");
        assert_eq!(g.kind, "direct");
        let g = of(&json!({"kind": "reverse", "tasks": {
            "a": {"run": {"workflow": "sub"}, "requires": []},
            "b": {"run": {"action": "std.echo"}, "requires": ["a"]},
        }}));
        assert_eq!(g.kind, "reverse");
        assert!(g.nodes[0].workflow);
        assert_eq!(g.nodes[0].runs, "sub");
        assert_eq!(g.edges[0].on, "requires");
        assert_eq!(
            (g.edges[0].from.as_str(), g.edges[0].to.as_str()),
            ("a", "b")
        );
    }
}
