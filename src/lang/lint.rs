//! Checks beyond the language's rules, for `bora validate`: a document that
//! parses may still hold tasks that can never run, joins that can never be
//! satisfied, actions nothing defines, or variables nothing sets. They are
//! warnings (the server takes the document), each with its path and
//! position. Also tells a workbook from a workflow list.
//!
//! The variable check is conservative: it reports only a name read as
//! `$.name` (YAQL, outside the arguments of a method such as `select`,
//! where `$` is the item) or `_.name` (Jinja) that no `input`, `vars`,
//! `publish` (any kind), or `with-items` variable of the workflow sets;
//! `$.__execution` and other `__` names are the engine's.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::check::key;
use super::yaml::{self, Kind, Node};
use super::{
    Diagnostic, Diagnostics, Join, OnClause, Target, TaskRun, WorkbookSpec, WorkflowKind,
    WorkflowSpec,
};

/// A parsed definition file.
#[derive(Debug)]
pub enum Document {
    /// A workflow list: `version` and one key per workflow.
    Workflows(Vec<WorkflowSpec>),
    /// A workbook: `version`, `name`, `workflows`, `actions`.
    Workbook(WorkbookSpec),
}

/// Whether `text` is a workbook rather than a workflow list: its root has a
/// `name` string, or a `workflows` / `actions` mapping that is not itself
/// a workflow (has no `tasks`).
pub fn is_workbook(text: &str) -> bool {
    let Ok(Some(root)) = yaml::load(text) else {
        return false;
    };
    let Some(m) = root.as_map() else {
        return false;
    };
    if m.get("name").is_some_and(|e| e.value.as_str().is_some()) {
        return true;
    }
    ["workflows", "actions"].iter().any(|k| {
        m.get(*k)
            .and_then(|e| e.value.as_map())
            .is_some_and(|inner| !inner.contains_key("tasks"))
    })
}

/// Parses a workflow list or a workbook, whichever `text` is.
pub fn parse_document(text: &str) -> Result<Document, Diagnostics> {
    if is_workbook(text) {
        super::parse_workbook(text).map(Document::Workbook)
    } else {
        super::parse_workflows(text).map(Document::Workflows)
    }
}

/// The warnings of a parsed document. `known_action` says whether an
/// action name exists without this file (the standard actions).
pub fn lint(text: &str, doc: &Document, known_action: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
    let Ok(Some(root)) = yaml::load(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match doc {
        Document::Workflows(specs) => {
            for spec in specs {
                let node = child(&root, &spec.name);
                Workflow::new(spec, spec.name.clone(), node).check(&mut out, &|a| known_action(a));
            }
        }
        Document::Workbook(wb) => {
            let mut own: HashSet<String> = HashSet::new();
            for a in &wb.actions {
                own.insert(a.name.clone());
                own.insert(format!("{}.{}", wb.name, a.name));
            }
            let known = |a: &str| known_action(a) || own.contains(a);
            let wfs = child(&root, "workflows");
            for spec in &wb.workflows {
                let node = wfs.and_then(|n| child(n, &spec.name));
                let path = key("workflows", &spec.name);
                Workflow::new(spec, path, node).check(&mut out, &known);
            }
        }
    }
    out.sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
    out
}

fn child<'n>(node: &'n Node, k: &str) -> Option<&'n Node> {
    node.as_map()?.get(k).map(|e| &e.value)
}

/// One workflow being checked, with its YAML node for positions.
struct Workflow<'a> {
    spec: &'a WorkflowSpec,
    path: String,
    node: Option<&'a Node>,
}

fn clauses(t: &super::TaskSpec) -> impl Iterator<Item = (&'static str, &OnClause)> {
    [
        ("on-success", &t.on_success),
        ("on-error", &t.on_error),
        ("on-complete", &t.on_complete),
        ("on-skip", &t.on_skip),
    ]
    .into_iter()
    .filter_map(|(k, c)| c.as_deref().map(|c| (k, c)))
}

impl<'a> Workflow<'a> {
    fn new(spec: &'a WorkflowSpec, path: String, node: Option<&'a Node>) -> Self {
        Self { spec, path, node }
    }

    /// A warning at `rel` (keys under the workflow), placed at the deepest
    /// of them that the YAML has.
    fn warn(&self, out: &mut Vec<Diagnostic>, rel: &[&str], message: String) {
        let mut path = self.path.clone();
        let mut at = self.node.map(|n| (n.line, n.col));
        let mut node = self.node;
        for k in rel {
            path = key(&path, k);
            if let Some(e) = node.and_then(|n| n.as_map()).and_then(|m| m.get(*k)) {
                at = Some((e.line, e.col));
                node = Some(&e.value);
            } else {
                node = None;
            }
        }
        out.push(Diagnostic {
            path,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            message,
        });
    }

    fn check(&self, out: &mut Vec<Diagnostic>, known_action: &dyn Fn(&str) -> bool) {
        if self.spec.kind == WorkflowKind::Direct {
            self.graph(out);
        }
        self.actions(out, known_action);
        self.variables(out);
    }

    /// Unreachable tasks and joins that wait for more tasks than lead to
    /// them (direct workflows).
    fn graph(&self, out: &mut Vec<Diagnostic>) {
        let tasks = &self.spec.tasks;
        let mut inbound: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, t) in tasks {
            for (_, c) in clauses(t) {
                for tr in &c.next {
                    if let Target::Task(to) = &tr.target {
                        inbound.entry(to).or_default().insert(name);
                        edges.entry(name).or_default().push(to);
                    }
                }
            }
        }
        // Mistral's start tasks: those no transition leads to.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&str> = tasks
            .keys()
            .map(String::as_str)
            .filter(|n| !inbound.contains_key(n))
            .collect();
        while let Some(n) = todo.pop() {
            if seen.insert(n) {
                todo.extend(edges.get(n).into_iter().flatten().copied());
            }
        }
        for name in tasks.keys() {
            if !seen.contains(name.as_str()) {
                self.warn(
                    out,
                    &["tasks", name],
                    format!("task '{name}' is unreachable: no start task leads to it"),
                );
            }
        }
        // A join counts the tasks that lead to it; one that can never run
        // never arrives. (A join waiting for more tasks than lead to it at
        // all is already an error of the language.)
        for (name, t) in tasks {
            let Some(join) = t.join else { continue };
            let from = inbound.get(name.as_str());
            let all = from.map_or(0, BTreeSet::len);
            let live = from.map_or(0, |f| f.iter().filter(|s| seen.contains(*s)).count());
            let need = match join {
                Join::All => all,
                Join::Count(n) => n as usize,
            };
            if live < need {
                self.warn(
                    out,
                    &["tasks", name, "join"],
                    format!(
                        "task '{name}' joins {need} inbound tasks but only {live} that can run \
                         lead to it: the join can never be satisfied"
                    ),
                );
            }
        }
    }

    /// Actions that are neither standard nor defined in this file.
    fn actions(&self, out: &mut Vec<Diagnostic>, known_action: &dyn Fn(&str) -> bool) {
        for (name, t) in &self.spec.tasks {
            let TaskRun::Action(a) = &t.run else {
                continue;
            };
            if a.contains("<%") || a.contains("{{") || known_action(a) {
                continue;
            }
            self.warn(
                out,
                &["tasks", name, "action"],
                format!(
                    "action '{a}' is neither a standard action nor defined in this file; \
                     it must exist on the server"
                ),
            );
        }
    }

    /// Names read as `$.x` / `_.x` that nothing in the workflow sets.
    fn variables(&self, out: &mut Vec<Diagnostic>) {
        let Some(node) = self.node else { return };
        let spec = self.spec;
        let mut set: HashSet<&str> = spec.input.iter().map(|p| p.name.as_str()).collect();
        set.extend(spec.vars.keys().map(String::as_str));
        for t in spec.tasks.values() {
            for m in [&t.publish, &t.publish_on_error, &t.publish_on_skip] {
                set.extend(m.keys().map(String::as_str));
            }
            for (_, c) in clauses(t) {
                set.extend(c.publish.keys().map(String::as_str));
                set.extend(c.publish_global.keys().map(String::as_str));
            }
            set.extend(t.with_items.iter().map(|w| w.var.as_str()));
        }
        let mut reads = Vec::new();
        strings(node, &self.path, &mut reads);
        // A retry of count 0 stops before its break-on / continue-on is
        // evaluated: what they read is never read.
        let mut dead: Vec<String> = spec
            .tasks
            .iter()
            .filter(|(_, t)| {
                t.policies
                    .retry
                    .as_ref()
                    .is_some_and(|r| r.count == serde_json::json!(0))
            })
            .map(|(name, _)| key(&key(&self.path, "tasks"), name) + ".retry.")
            .collect();
        // Mistral takes keep-result and safe-rerun as written (an
        // expression is a true text): what they read is never read.
        let tasks = key(&self.path, "tasks");
        for name in spec.tasks.keys() {
            for field in [".keep-result", ".safe-rerun"] {
                dead.push(key(&tasks, name) + field);
            }
        }
        for field in [".keep-result", ".safe-rerun"] {
            dead.push(key(&self.path, "task-defaults") + field);
        }
        let mut told: HashSet<String> = HashSet::new();
        for (path, line, col, s) in reads {
            if dead.iter().any(|d| path.starts_with(d.as_str())) {
                continue;
            }
            for name in read_names(s) {
                if name.starts_with("__") || set.contains(name.as_str()) || told.contains(&name) {
                    continue;
                }
                out.push(Diagnostic {
                    path: path.clone(),
                    line: Some(line),
                    column: Some(col),
                    message: format!(
                        "variable '{name}' is read but no input, vars, publish or with-items \
                         of the workflow sets it"
                    ),
                });
                told.insert(name);
            }
        }
    }
}

/// Every string scalar under `node`, with its path and position.
fn strings<'n>(node: &'n Node, path: &str, out: &mut Vec<(String, u32, u32, &'n str)>) {
    match &node.kind {
        Kind::Str(s) => out.push((path.to_string(), node.line, node.col, s)),
        Kind::Seq(items) => {
            for (i, n) in items.iter().enumerate() {
                strings(n, &super::check::idx(path, i), out);
            }
        }
        Kind::Map(entries) => {
            for (k, e) in entries {
                strings(&e.value, &key(path, k), out);
            }
        }
        _ => {}
    }
}

/// The context names a string's expressions read: `$.x` inside `<% %>`
/// (outside method arguments) and `_.x` inside `{{ }}` / `{% %}`.
pub(crate) fn read_names(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close, yaql) in [("<%", "%>", true), ("{{", "}}", false), ("{%", "%}", false)] {
        let mut rest = s;
        while let Some(i) = rest.find(open) {
            let body = &rest[i + open.len()..];
            let end = body.find(close).unwrap_or(body.len());
            let expr = &body[..end];
            if yaql {
                yaql_reads(expr, &mut out);
            } else {
                jinja_reads(expr, &mut out);
            }
            rest = &body[end..];
        }
    }
    out
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn ident_at(b: &[u8], i: usize) -> Option<String> {
    let end = (i..b.len()).find(|&j| !ident_char(b[j])).unwrap_or(b.len());
    (end > i && !b[i].is_ascii_digit()).then(|| String::from_utf8_lossy(&b[i..end]).into_owned())
}

/// `$.name` reads at the top of a YAQL expression: not in quotes, not in
/// the arguments of a method call (`.select($.x)` reads the item).
fn yaql_reads(expr: &str, out: &mut Vec<String>) {
    let b = expr.as_bytes();
    // For each open parenthesis or bracket: whether it is a method's.
    let mut stack: Vec<bool> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' | b'`' => quote = Some(c),
            b'(' => {
                let mut j = i;
                while j > 0 && ident_char(b[j - 1]) {
                    j -= 1;
                }
                stack.push(j < i && j > 0 && b[j - 1] == b'.');
            }
            b'[' | b'{' => stack.push(false),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            b'$' if !stack.contains(&true)
                && b.get(i + 1) == Some(&b'.')
                && (i == 0 || !ident_char(b[i - 1]) && b[i - 1] != b'$') =>
            {
                // `$.get('x')`, `$.keys()`: a method of the context, not a
                // read of a name.
                if let Some(name) = ident_at(b, i + 2)
                    && !followed_by_call(b, i + 2 + name.len())
                {
                    out.push(name);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Whether `b[at..]` opens a call, spaces aside.
fn followed_by_call(b: &[u8], at: usize) -> bool {
    b[at.min(b.len())..]
        .iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| *c == b'(')
}

/// `_.name` reads in a Jinja expression or statement, outside quotes.
fn jinja_reads(expr: &str, out: &mut Vec<String>) {
    let b = expr.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else if c == b'\'' || c == b'"' {
            quote = Some(c);
        } else if c == b'_'
            && b.get(i + 1) == Some(&b'.')
            && (i == 0 || !ident_char(b[i - 1]) && b[i - 1] != b'.')
            && let Some(name) = ident_at(b, i + 2)
            && !followed_by_call(b, i + 2 + name.len())
            && !tolerated(&expr[i + 2 + name.len()..])
        {
            out.push(name);
        }
        i += 1;
    }
}

/// Whether what follows a Jinja read makes a missing name harmless:
/// `| default(…)` (or its alias `d`) and the `defined` tests.
fn tolerated(rest: &str) -> bool {
    let word = |s: &str| {
        let s = s.trim_start();
        let end = s.bytes().position(|c| !ident_char(c)).unwrap_or(s.len());
        (s[..end].to_string(), s[end..].to_string())
    };
    let rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix('|') {
        let (filter, _) = word(after);
        return filter == "default" || filter == "d";
    }
    let (kw, after) = word(rest);
    if kw != "is" {
        return false;
    }
    let (mut test, after) = word(&after);
    if test == "not" {
        test = word(&after).0;
    }
    test == "defined" || test == "undefined"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str, expected: &[&str]) {
        assert_eq!(read_names(s), expected, "{s}");
    }

    #[test]
    fn reads() {
        check("<% $.x %>", &["x"]);
        check("<% $.x + $.y.z %>", &["x", "y"]);
        check("<% $.items.select($.name) %>", &["items"]);
        check("<% len($.items) %>", &["items"]);
        check("<% $.a.where($.b > 1).select($.c) %>", &["a"]);
        check("<% '$.quoted' %>", &[]);
        check("<% $x.y %>", &[]);
        check("<% $.__execution.id %>", &["__execution"]);
        check("<% task().result %>", &[]);
        check("<% env().x %>", &[]);
        check("plain $.x text", &[]);
        check("{{ _.x }} and {{ _.y.z }}", &["x", "y"]);
        check("{% for i in _.items %}{{ i._.no }}{% endfor %}", &["items"]);
        check("{{ my_.x }}", &[]);
        check("<% $.list[$.i] %>", &["list", "i"]);
        check(
            "<% $.get('a', 1) + $.keys().len() + $.containsKey ('b') %>",
            &[],
        );
        check("{{ _.get('a') }}", &[]);
        check("{{ _.x | default('none') }} {{ _.y|d(0) }}", &[]);
        check(
            "{% if _.x is defined and _.y is not defined %}{% endif %}",
            &[],
        );
        check("{{ _.x | length }} {{ _.dflt }}", &["x", "dflt"]);
    }

    fn warnings(text: &str) -> Vec<String> {
        let doc = parse_document(text).unwrap();
        lint(text, &doc, &|a| a.starts_with("std."))
            .into_iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn clean_workflows_have_no_warnings() {
        let wf = "
version: '2.0'
wf:
  input: [a]
  vars: {v: 1}
  tasks:
    t1:
      with-items: x in <% $.a %>
      action: std.echo output=<% $.x %>
      publish:
        p: <% task().result %>
      on-success:
        - t2: <% $.v > 0 %>
      on-error:
        - t3
    t2:
      action: std.echo output=<% $.p + execution().id %>
      publish:
        q: '{{ _.p }}'
      on-complete:
        publish:
          global:
            g: 1
        next: [t3]
    t3:
      join: 2
      action: std.echo output=<% env().x + $.g %>
  output:
    r: <% $.q.select($.missing) %>
";
        assert_eq!(warnings(wf), Vec::<String>::new());
    }

    #[test]
    fn warnings_name_the_place() {
        let wf = "
version: '2.0'
wf:
  tasks:
    t1:
      action: my.action
      on-success: [t2, t3]
    t2:
      action: std.echo output=<% $.nobody %>
      on-success: [t3]
    t3:
      join: all
    t4:
      on-success: [t5, t6]
    t5:
      on-success: [t4, t6, t3]
    t6:
      join: 2
";
        assert_eq!(
            warnings(wf),
            vec![
                "action 'my.action' is neither a standard action nor defined in this file; \
                 it must exist on the server (at wf.tasks.t1.action, line 6, column 7)",
                "variable 'nobody' is read but no input, vars, publish or with-items of the \
                 workflow sets it (at wf.tasks.t2.action, line 9, column 15)",
                "task 't3' joins 3 inbound tasks but only 2 that can run lead to it: the join \
                 can never be satisfied (at wf.tasks.t3.join, line 12, column 7)",
                "task 't4' is unreachable: no start task leads to it (at wf.tasks.t4, line 13, column 5)",
                "task 't5' is unreachable: no start task leads to it (at wf.tasks.t5, line 15, column 5)",
                "task 't6' is unreachable: no start task leads to it (at wf.tasks.t6, line 17, column 5)",
                "task 't6' joins 2 inbound tasks but only 0 that can run lead to it: the join \
                 can never be satisfied (at wf.tasks.t6.join, line 18, column 7)",
            ]
        );
    }

    #[test]
    fn a_retry_of_count_zero_reads_nothing() {
        let wf = "
version: '2.0'
wf:
  tasks:
    a:
      action: std.noop
      retry:
        count: 0
        delay: 0
        continue-on: <% $.never %>
    b:
      action: std.noop
      retry:
        count: 1
        delay: 0
        break-on: <% $.sometimes %>
";
        assert_eq!(
            warnings(wf),
            vec![
                "variable 'sometimes' is read but no input, vars, publish or with-items of the \
                 workflow sets it (at wf.tasks.b.retry.break-on, line 16, column 19)",
            ]
        );
    }

    #[test]
    fn workbooks_are_told_apart_and_their_actions_known() {
        let wb = "
version: '2.0'
name: wb
actions:
  greet:
    base: std.echo
    input: [who]
    base-input:
      output: <% $.who %>
workflows:
  main:
    tasks:
      t1:
        action: greet who=x
      t2:
        action: wb.greet who=y
";
        assert!(is_workbook(wb));
        assert_eq!(warnings(wb), Vec::<String>::new());
        assert!(!is_workbook(
            "version: '2.0'\nworkflows:\n  tasks:\n    t: {}\n"
        ));
    }
}
