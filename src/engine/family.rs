//! The execution family `tasks()` reads beyond the current execution: the
//! root execution and every sub-workflow execution under it, each with its
//! state, its parent task and its task dicts (the JSON form
//! `expr::family` selects from). Unfinished executions come from memory;
//! finished ones have left it and are read from the store.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};

use super::EngineActor;
use super::state::Exec;
use super::transition::Overlay;
use crate::domain::ExecutionId;
use crate::lang::WorkflowSpec;
use crate::store::{Access, ExecutionRecord, Filter, FilterOp, ListQuery, SortDir, TaskRecord};

/// Where an evaluation's `tasks()` finds the family.
pub(crate) enum FamilySource<'a> {
    /// Nowhere: only the current execution's tasks are seen.
    None,
    /// Gathered from the engine the first time a call needs it.
    Engine(&'a EngineActor, OnceCell<Value>),
    /// Gathered before the evaluation left the engine thread.
    Copied(&'a Value),
}

impl<'a> FamilySource<'a> {
    /// The engine's family, gathered when first asked.
    pub fn engine(engine: &'a EngineActor) -> Self {
        Self::Engine(engine, OnceCell::new())
    }

    /// The family of `exec` (`overlay` applied to its tasks), if there is
    /// a source.
    pub fn get(&self, exec: &Exec, overlay: Option<&Overlay>) -> Option<&Value> {
        match self {
            Self::None => None,
            Self::Engine(engine, cell) => {
                Some(cell.get_or_init(|| engine.family_of(exec, overlay)))
            }
            Self::Copied(v) => Some(v),
        }
    }
}

/// One member of a family, before it becomes JSON.
struct Member {
    rec: ExecutionRecord,
    tasks: Vec<Value>,
}

impl EngineActor {
    /// The family of `exec` as `expr::family` reads it, `exec`'s own tasks
    /// as `overlay` would leave them.
    pub(crate) fn family_of(&self, exec: &Exec, overlay: Option<&Overlay>) -> Value {
        let root = exec.rec.root_execution_id.unwrap_or(exec.rec.id);
        let mut members: Vec<Member> = Vec::new();
        let mut seen: HashSet<ExecutionId> = HashSet::new();
        let in_memory = self
            .execs
            .values()
            .filter(|e| e.rec.id != exec.rec.id)
            .chain(std::iter::once(exec))
            .filter(|e| e.rec.id == root || e.rec.root_execution_id == Some(root));
        for e in in_memory {
            seen.insert(e.rec.id);
            let ov = overlay.filter(|_| e.rec.id == exec.rec.id);
            let tasks = e.tasks.values().map(|t| e.task_dict(t, ov)).collect();
            let mut rec = e.rec.clone();
            rec.context = Value::Null;
            members.push(Member { rec, tasks });
        }
        if let Err(e) = self.stored_members(root, &mut seen, &mut members) {
            log::warn!(
                "ex={} tasks() could not read finished sub-workflows: {e}",
                exec.rec.id
            );
        }
        members.sort_by_key(|a| (a.rec.created_at, a.rec.id));
        let executions: Vec<Value> = members
            .into_iter()
            .map(|m| {
                json!({
                    "id": m.rec.id.to_string(),
                    "state": m.rec.state.as_str(),
                    "task_execution_id": m.rec.task_execution_id.map(|t| t.to_string()),
                    "tasks": m.tasks,
                })
            })
            .collect();
        json!({"current": exec.rec.id.to_string(), "executions": executions})
    }

    /// The members of `root`'s family the store holds and memory does not.
    fn stored_members(
        &self,
        root: ExecutionId,
        seen: &mut HashSet<ExecutionId>,
        members: &mut Vec<Member>,
    ) -> Result<(), crate::store::Error> {
        let Some(reader) = &self.reader else {
            return Ok(());
        };
        let list = |field: &str, value: String| ListQuery {
            limit: 0,
            sort: vec![("created_at".into(), SortDir::Asc)],
            filters: vec![Filter {
                field: field.into(),
                op: FilterOp::Eq,
                values: vec![value],
            }],
            access: Access::All,
            ..ListQuery::default()
        };
        let mut recs = reader.list_executions(&list("root_execution_id", root.to_string()))?;
        if !seen.contains(&root)
            && let Some(r) = reader.get_execution(&Access::All, root)?
        {
            recs.push(r);
        }
        let mut specs: HashMap<String, Option<Arc<WorkflowSpec>>> = HashMap::new();
        for rec in recs {
            if !seen.insert(rec.id) {
                continue;
            }
            let spec = specs
                .entry(rec.spec_id.clone())
                .or_insert_with(|| self.version_for_family(&rec.spec_id))
                .clone();
            let tasks: Vec<TaskRecord> =
                reader.list_tasks(&list("workflow_execution_id", rec.id.to_string()))?;
            let tasks = tasks
                .iter()
                .map(|t| super::state::task_dict(spec.as_deref(), rec.id, t, None))
                .collect();
            members.push(Member { rec, tasks });
        }
        Ok(())
    }

    /// The parsed spec of version `id`: the one in memory, else the store's.
    fn version_for_family(&self, id: &str) -> Option<Arc<WorkflowSpec>> {
        if let Some(s) = self.defs.cached_version(id) {
            return Some(s);
        }
        let value = self.reader.as_ref()?.version_spec(id).ok().flatten()?;
        serde_json::from_value::<WorkflowSpec>(value)
            .ok()
            .map(Arc::new)
    }
}
