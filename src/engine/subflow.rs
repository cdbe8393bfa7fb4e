//! Sub-workflows: a `workflow:` task starts a child execution (looked up as
//! `<wb>.<name>` first inside a workbook, each name in the parent's
//! namespace, then the default one; its input validated; an own env of
//! `{}` while `env()` reads the root's), and completes with the child's outcome: SUCCESS with its
//! output, ERROR with its state_info, CANCELLED. Pause, resume and cancel
//! cascade down to running children.

use serde_json::{Map, Value};

use super::EngineActor;
use super::requests::{NewExecution, validate_input};
use super::state::Parent;
use crate::domain::{ExecutionId, State, TaskExecutionId, pytext};

impl EngineActor {
    /// Starts the named workflow as a child of the task.
    pub(crate) fn start_subworkflow(
        &mut self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        name: &str,
        input: Map<String, Value>,
        item: Option<i32>,
    ) -> Result<(), String> {
        let parent = self.execs.get(&exec_id).ok_or("execution gone")?;
        let depth = self.depth_of(exec_id) + 1;
        let limit = self.limits.max_subworkflow_depth;
        if depth > limit {
            return Err(format!(
                "Sub-workflow nesting too deep [workflow={name}, depth={depth}, limit={limit} (max_subworkflow_depth)]"
            ));
        }
        // The namespace the whole tree was started in (Mistral passes the
        // root's `params.namespace` down), not where the parent was found.
        let namespace = parent
            .rec
            .params
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(&parent.rec.workflow_namespace)
            .to_string();
        let root = parent.rec.root_execution_id.unwrap_or(exec_id);
        let project = parent.rec.project_id.clone();
        let notify = parent.rec.params.get("notify").cloned();
        let local = super::adhoc::workbook_of(parent).map(|wb| format!("{wb}.{name}"));
        let def = self.resolve_workflow(local.as_deref(), name, &namespace, &project)?;
        // As Mistral's WorkflowAction: keys the child does not declare as
        // input are its params (`task_name` of a reverse child, ...).
        let (input, extra): (Map<String, Value>, Map<String, Value>) = input
            .into_iter()
            .partition(|(k, _)| def.spec.input.iter().any(|p| &p.name == k));
        let input = validate_input(&def.spec, input).map_err(|e| e.to_string())?;
        // A reverse child needs its target before it exists: as at the top
        // level, a missing or unknown `task_name` fails the parent task and
        // no child execution is made.
        super::requests::check_reverse_target(&def.spec, &extra)?;
        let child = ExecutionId::new();
        // Mistral's `WorkflowAction.schedule`: the child's own env is `{}`
        // unless the task input gives one (`env()` reads the root's env).
        let mut params = extra;
        params.insert("root_execution_id".into(), Value::String(root.to_string()));
        params.insert(
            "task_execution_id".into(),
            Value::String(task_id.to_string()),
        );
        params.insert("index".into(), Value::from(item.unwrap_or(0)));
        params.insert("namespace".into(), Value::String(namespace.clone()));
        // As Mistral's `WorkflowAction`: the child notifies where its parent does.
        if let Some(notify) = notify {
            params.insert("notify".into(), notify);
        }
        params
            .entry("env")
            .or_insert_with(|| Value::Object(Map::new()));
        let new = NewExecution {
            id: child,
            input,
            params,
            description: Some("sub-workflow execution".into()),
            source_execution_id: None,
            project,
            parent: Some(Parent {
                exec_id,
                task_id,
                root,
                item,
            }),
        };
        self.create_execution(&def, new)
            .map_err(|e| e.to_string())?;
        if let Some(parent) = self.execs.get_mut(&exec_id) {
            parent.in_flight += 1;
        }
        self.start_workflow(child);
        Ok(())
    }

    /// Mistral's `resolve_workflow_definition`: inside a workbook the local
    /// name `<wb>.<name>` first, then `name`; each in the parent's namespace,
    /// then in the default one.
    fn resolve_workflow(
        &mut self,
        local: Option<&str>,
        name: &str,
        namespace: &str,
        project: &str,
    ) -> Result<std::sync::Arc<super::defs::Def>, String> {
        for candidate in local.into_iter().chain([name]) {
            for ns in [namespace, ""] {
                if let Ok(d) = self.lookup(candidate, ns, project) {
                    return Ok(d);
                }
                if namespace.is_empty() {
                    break;
                }
            }
        }
        Err(format!(
            "Failed to find workflow [name={name}] [namespace={namespace}]"
        ))
    }

    /// How many sub-workflow levels sit above `exec_id` (0 for a top-level
    /// execution). Ancestors of a running execution are in memory.
    fn depth_of(&self, exec_id: ExecutionId) -> usize {
        let mut depth = 0;
        let mut cur = self.execs.get(&exec_id).and_then(|e| e.parent);
        while let Some(p) = cur {
            depth += 1;
            cur = self.execs.get(&p.exec_id).and_then(|e| e.parent);
        }
        depth
    }

    /// A child execution ended: its parent task takes the outcome.
    pub(crate) fn subworkflow_done(&mut self, child: ExecutionId) {
        let Some(exec) = self.execs.get(&child) else {
            return;
        };
        let Some(parent) = exec.parent else { return };
        let (state, mut output) = (exec.rec.state, exec.rec.output.clone());
        let workflow = exec.rec.workflow_name.clone();
        if matches!(state, State::Error | State::Cancelled) {
            // The child's own secrets, masked before its error text becomes
            // the parent's (the parent's are masked when it is committed).
            let secrets = exec.own_secrets();
            if let Some(r) = output.get_mut("result") {
                secrets.mask_value(r);
            }
        }
        let Some(p) = self.execs.get_mut(&parent.exec_id) else {
            return;
        };
        p.in_flight = p.in_flight.saturating_sub(1);
        if state == State::Error {
            let result = output
                .get("result")
                .map_or_else(|| "Unknown".to_string(), pytext::str);
            let failed = p.failed_children.entry(parent.task_id).or_default();
            // Mistral enumerates the task's child executions: an item's
            // index, or for a retried task the attempt (each earlier
            // attempt's child failed too).
            let idx = parent.item.map_or(failed.len(), |i| i as usize);
            failed.push((child, idx, result));
        }
        // Mistral's `RegularTask.on_action_complete`: the task's state_info
        // is `str()` of the child's `output.result` when it is truthy (an
        // `output-on-error` may set it), else none.
        let info = match state {
            State::Error | State::Cancelled => output
                .get("result")
                .filter(|r| crate::expr::truthy(r))
                .map(pytext::str),
            _ => None,
        };
        match parent.item {
            Some(i) => self.item_done(
                parent.exec_id,
                parent.task_id,
                i as usize,
                state,
                output,
                Some(workflow),
            ),
            None => self.complete_task(parent.exec_id, parent.task_id, state, output, info),
        }
    }

    /// The expression data of a task of `exec` ([`Exec::data_for`]), with
    /// `__env` (what `env()` gives) read live from the root execution, as
    /// Mistral's `get_workflow_environment_dict` does.
    pub(crate) fn data_of(
        &self,
        exec: &super::state::Exec,
        task: Option<&crate::store::TaskRecord>,
        branch: &Map<String, Value>,
    ) -> Value {
        let mut data = exec.data_for(task, branch);
        if let Some(root) = exec
            .parent
            .map(|p| p.root)
            .or(exec.rec.root_execution_id)
            .and_then(|r| self.execs.get(&r))
            && let Value::Object(d) = &mut data
        {
            d.insert("__env".into(), root.env());
        }
        data
    }

    /// The running children of an execution.
    pub(crate) fn children(&self, exec_id: ExecutionId) -> Vec<ExecutionId> {
        self.execs
            .iter()
            .filter(|(_, e)| {
                e.parent.is_some_and(|p| p.exec_id == exec_id) && !e.rec.state.is_terminal()
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Rebuilds the parent links of recovered sub-workflow executions.
    pub(crate) fn relink_children(&mut self) {
        type Owner = (ExecutionId, ExecutionId, bool);
        let owners: std::collections::HashMap<TaskExecutionId, Owner> = self
            .execs
            .iter()
            .flat_map(|(eid, e)| {
                let root = e.rec.root_execution_id.unwrap_or(*eid);
                e.tasks.values().map(move |t| {
                    let items = e
                        .spec
                        .tasks
                        .get(&t.name)
                        .is_some_and(|s| !s.with_items.is_empty());
                    (t.id, (*eid, root, items))
                })
            })
            .collect();
        let mut links = Vec::new();
        for (id, e) in &self.execs {
            if let Some(tid) = e.rec.task_execution_id
                && let Some((pid, root, items)) = owners.get(&tid)
            {
                let item = e
                    .rec
                    .params
                    .get("index")
                    .and_then(Value::as_i64)
                    .filter(|_| *items)
                    .map(|i| i as i32);
                links.push((
                    *id,
                    Parent {
                        exec_id: *pid,
                        task_id: tid,
                        root: *root,
                        item,
                    },
                    e.rec.state,
                ));
            }
        }
        for (id, parent, state) in links {
            if let Some(e) = self.execs.get_mut(&id) {
                e.parent = Some(parent);
            }
            if !state.is_terminal()
                && let Some(p) = self.execs.get_mut(&parent.exec_id)
            {
                p.in_flight += 1;
            }
        }
    }
}
