//! A workflow spec as the UI draws it: one node per task (plus one per engine
//! command that a transition reaches), one edge per transition (direct
//! workflows) or per `requires` (reverse workflows). Pure; `data` calls it.

use serde::Serialize;
use serde_json::Value;

use crate::lang::{EngineCommand, Join, OnClause, Target, TaskRun, WorkflowKind, WorkflowSpec};

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

/// An edge: `on` is `success`, `error`, `complete` or `requires`.
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
    pub kind: &'static str,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn command_name(c: &EngineCommand) -> Option<&'static str> {
    match c {
        EngineCommand::Fail { .. } => Some("fail"),
        EngineCommand::Succeed { .. } => Some("succeed"),
        EngineCommand::Pause { .. } => Some("pause"),
        EngineCommand::Noop => None,
    }
}

fn guard_text(g: &Value) -> String {
    match g {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The graph of `spec`.
pub fn of(spec: &WorkflowSpec) -> Graph {
    let mut edges = Vec::new();
    let mut commands: Vec<&'static str> = Vec::new();
    for (name, t) in &spec.tasks {
        let clauses: [(&'static str, &Option<OnClause>); 3] = [
            ("success", &t.on_success),
            ("error", &t.on_error),
            ("complete", &t.on_complete),
        ];
        for (on, clause) in clauses {
            for tr in clause.iter().flat_map(|c| &c.next) {
                let to = match &tr.target {
                    Target::Task(n) => n.clone(),
                    Target::Command(c) => match command_name(c) {
                        Some(c) => {
                            if !commands.contains(&c) {
                                commands.push(c);
                            }
                            format!("<{c}>")
                        }
                        None => continue,
                    },
                };
                edges.push(Edge {
                    from: name.clone(),
                    to,
                    on,
                    guard: tr.guard.as_ref().map(guard_text),
                });
            }
        }
        for r in &t.requires {
            edges.push(Edge {
                from: r.clone(),
                to: name.clone(),
                on: "requires",
                guard: None,
            });
        }
    }
    let mut nodes: Vec<Node> = spec
        .tasks
        .iter()
        .map(|(name, t)| {
            let (runs, workflow) = match &t.run {
                TaskRun::Action(a) => (a.clone(), false),
                TaskRun::Workflow(w) => (w.clone(), true),
            };
            Node {
                name: name.clone(),
                kind: "task",
                runs,
                workflow,
                join: t.join.map(|j| match j {
                    Join::All => Value::from("all"),
                    Join::Count(n) => Value::from(n),
                }),
                with_items: !t.with_items.is_empty(),
                start: !edges.iter().any(|e| &e.to == name),
            }
        })
        .collect();
    nodes.extend(commands.into_iter().map(|c| Node {
        name: format!("<{c}>"),
        kind: "command",
        runs: c.to_string(),
        workflow: false,
        join: None,
        with_items: false,
        start: false,
    }));
    Graph {
        kind: match spec.kind {
            WorkflowKind::Direct => "direct",
            WorkflowKind::Reverse => "reverse",
        },
        nodes,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Policies, TaskSpec, Transition};
    use indexmap::IndexMap;
    use serde_json::json;

    fn task(name: &str, next: &[(&str, Option<&str>)], join: Option<Join>) -> TaskSpec {
        let clause = (!next.is_empty()).then(|| OnClause {
            next: next
                .iter()
                .map(|(to, guard)| Transition {
                    target: match *to {
                        "fail" => Target::Command(EngineCommand::Fail { msg: None }),
                        "noop" => Target::Command(EngineCommand::Noop),
                        n => Target::Task(n.into()),
                    },
                    guard: guard.map(Value::from),
                })
                .collect(),
            ..OnClause::default()
        });
        TaskSpec {
            name: name.into(),
            description: None,
            tags: vec![],
            run: TaskRun::Action("std.noop".into()),
            input: json!({}),
            with_items: vec![],
            publish: Default::default(),
            publish_on_error: Default::default(),
            on_success: clause,
            on_error: None,
            on_complete: None,
            join,
            requires: vec![],
            policies: Policies::default(),
            keep_result: json!(true),
            safe_rerun: json!(false),
            target: None,
        }
    }

    fn spec(tasks: Vec<TaskSpec>) -> WorkflowSpec {
        WorkflowSpec {
            name: "wf".into(),
            kind: WorkflowKind::Direct,
            description: None,
            tags: vec![],
            input: vec![],
            output: None,
            output_on_error: None,
            vars: Default::default(),
            tasks: tasks
                .into_iter()
                .map(|t| (t.name.clone(), t))
                .collect::<IndexMap<_, _>>(),
            definition: String::new(),
        }
    }

    /// Nodes as `name:start`, edges as `from>to[guard]`.
    fn check(s: WorkflowSpec, nodes: &str, edges: &str) {
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
        check(spec(vec![task("a", &[], None)]), "a:1", "");
        check(
            spec(vec![task("a", &[("b", None)], None), task("b", &[], None)]),
            "a:1 b:0",
            "a>b",
        );
        check(
            spec(vec![
                task("a", &[("b", Some("<% $.x %>")), ("c", None)], None),
                task("b", &[("d", None)], None),
                task("c", &[("d", None)], None),
                task("d", &[], Some(Join::All)),
            ]),
            "a:1 b:0 c:0 d:0",
            "a>b[<% $.x %>] a>c b>d c>d",
        );
        check(
            spec(vec![task("a", &[("fail", None), ("noop", None)], None)]),
            "a:1 <fail>:0",
            "a><fail>",
        );
    }

    #[test]
    fn joins_are_marked() {
        let g = of(&spec(vec![
            task("a", &[("c", None)], None),
            task("c", &[], Some(Join::Count(2))),
        ]));
        assert_eq!(g.nodes[1].join, Some(json!(2)));
        assert_eq!(g.nodes[0].join, None);
    }
}
