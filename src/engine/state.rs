//! The engine's hot state: every unfinished execution with its tasks and
//! action executions, kept in memory and written through to the store at
//! each group commit. Also builds the data context expressions see.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::controller::Command;
use super::transition::Overlay;
use crate::domain::{ActionExecutionId, Secrets, TaskExecutionId};
use crate::expr;
use crate::lang::WorkflowSpec;
use crate::store::{ActionExecutionRecord, ExecutionRecord, Shared, TaskRecord};

/// A map keyed by the engine's own ids (UUIDs the server makes, never a
/// user's text), hashed with foldhash: several times cheaper than SipHash
/// on a 16-byte key, and the engine hashes ids on every step of a task.
pub(crate) type IdMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A set of the engine's own ids (see [`IdMap`]).
pub(crate) type IdSet<K> = HashSet<K, foldhash::fast::RandomState>;
/// An insertion-ordered map keyed by the engine's own ids (see [`IdMap`]).
pub(crate) type IdIndexMap<K, V> = IndexMap<K, V, foldhash::fast::RandomState>;

/// The parent of a sub-workflow execution: its task and the root execution.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parent {
    pub exec_id: crate::domain::ExecutionId,
    pub task_id: TaskExecutionId,
    pub root: crate::domain::ExecutionId,
    /// The with-items index, when the parent task iterates.
    pub item: Option<i32>,
}

/// A command held back by a `pause` (Mistral's command backlog), with the
/// task and outbound context of the transition it came from.
pub(crate) struct Held {
    pub cmd: Command,
    pub from: Option<(TaskExecutionId, Map<String, Value>)>,
}

/// The task `task_id` of the execution `exec_id` held in memory.
pub(crate) fn task_in(
    execs: &IdMap<crate::domain::ExecutionId, Exec>,
    exec_id: crate::domain::ExecutionId,
    task_id: TaskExecutionId,
) -> Option<&TaskRecord> {
    execs.get(&exec_id)?.tasks.get(&task_id)
}

/// The task `task_id` of the execution `exec_id` held in memory. Borrows
/// only the executions, so the actor's other fields stay usable beside it.
pub(crate) fn task_mut(
    execs: &mut IdMap<crate::domain::ExecutionId, Exec>,
    exec_id: crate::domain::ExecutionId,
    task_id: TaskExecutionId,
) -> Option<&mut TaskRecord> {
    execs.get_mut(&exec_id)?.tasks.get_mut(&task_id)
}

/// One unfinished execution, in memory.
pub(crate) struct Exec {
    pub rec: ExecutionRecord,
    pub spec: Arc<WorkflowSpec>,
    pub tasks: IdIndexMap<TaskExecutionId, TaskRecord>,
    pub actions: IdMap<ActionExecutionId, Shared<ActionExecutionRecord>>,
    /// The latest task execution of each task name.
    pub latest: HashMap<String, TaskExecutionId>,
    /// Tasks not yet completed.
    pub incomplete: usize,
    /// Action executions dispatched or running, not yet finished.
    pub in_flight: usize,
    /// Tasks that completed while the workflow was paused, processed on
    /// resume: their `pause` commands are dropped (Mistral's
    /// `_continue_workflow`).
    pub resumed_unprocessed: HashSet<TaskExecutionId>,
    /// Commands held back by a `pause`, run on resume.
    pub backlog: Vec<Held>,
    /// Joins fed by a task that completed while the workflow was paused
    /// (the task, the join's name): processing the task on resume does not
    /// feed them again.
    pub fed_while_paused: Vec<(TaskExecutionId, String)>,
    /// The parent task, for a sub-workflow.
    pub parent: Option<Parent>,
    /// Tasks some of whose finished item actions left `actions` once
    /// committed (see `engine::evict`), with the creation time and name of
    /// the newest that left.
    pub evicted: IdMap<TaskExecutionId, (crate::domain::Timestamp, String)>,
    /// Progress of running `with-items` tasks.
    pub items: IdMap<TaskExecutionId, super::items::Items>,
    /// Evaluations of this execution in the evaluation pool.
    pub deferred: usize,
    /// Command lists being applied: a task of the list that ends at once
    /// must not end the execution before its siblings exist.
    pub applying: usize,
    /// Sub-workflow executions of a task that ended in ERROR: id, index
    /// among the task's children, and `str()` of their `output.result`
    /// (the failure message lists them).
    pub failed_children: IdMap<TaskExecutionId, Vec<(crate::domain::ExecutionId, usize, String)>>,
    /// A command list being applied ends in `fail`, `succeed` or `pause`:
    /// Mistral changes the workflow's state before any task of the list
    /// starts, so a task of it failing at start leaves the workflow alone.
    pub stop_pending: bool,
    /// Tasks that failed at start while a task created before them still
    /// waited for the evaluation of its start, with their failure: they fail
    /// in creation order, as Mistral starts them one after the other.
    pub held_starts: Vec<(TaskExecutionId, String)>,
    /// Tasks a command list created (IDLE) whose start waits behind a start
    /// that waits for an evaluation off the engine thread: they start in
    /// order once it is done, so each reads its siblings as it would with
    /// every evaluation inline (Mistral starts them one after the other).
    pub queued_starts: Vec<TaskExecutionId>,
    /// Action executions started by the command list whose `fail`,
    /// `succeed` or `pause` (or whose task failing at start) stopped this
    /// execution: they may still run.
    pub owed: IdSet<ActionExecutionId>,
    /// Tasks a policy completes (a timeout), not an action's outcome:
    /// Mistral's `task_handler.complete_task` words a failure of their
    /// publish or transitions `Failed to complete task [...]`.
    pub policy_completed: IdSet<TaskExecutionId>,
    /// The notification subscribers (`params.notify`) and what was last
    /// reported to them; `None` for an execution without `notify`.
    pub watch: Option<Box<super::notify::Watch>>,
}

impl Exec {
    /// A new in-memory execution around its record.
    pub fn new(rec: ExecutionRecord, spec: Arc<WorkflowSpec>) -> Self {
        let watch = super::notify::Watch::of(&rec);
        Self {
            watch,
            rec,
            spec,
            tasks: IdIndexMap::default(),
            actions: IdMap::default(),
            latest: HashMap::new(),
            incomplete: 0,
            in_flight: 0,
            resumed_unprocessed: HashSet::new(),
            backlog: Vec::new(),
            fed_while_paused: Vec::new(),
            items: IdMap::default(),
            evicted: IdMap::default(),
            parent: None,
            deferred: 0,
            stop_pending: false,
            held_starts: Vec::new(),
            queued_starts: Vec::new(),
            applying: 0,
            failed_children: IdMap::default(),
            owed: IdSet::default(),
            policy_completed: IdSet::default(),
        }
    }

    /// The environment (`env()`, `__env`).
    pub fn env(&self) -> Value {
        self.rec
            .params
            .get("env")
            .cloned()
            .unwrap_or_else(|| json!({}))
    }

    /// The secret values of this execution alone: its input (secret-looking
    /// keys and the inputs the workflow declared in `secrets:`) and its
    /// environment (secret-looking keys).
    pub fn own_secrets(&self) -> Secrets {
        let mut s = Secrets::new();
        s.collect(&self.rec.input, &self.spec.secrets);
        if let Some(env) = self.rec.params.get("env") {
            s.collect(env, &[]);
        }
        s
    }

    /// The expression data for a task: Mistral's ContextView layers, first
    /// wins: current task, branch context, `__env`, workflow context, input.
    pub fn data_for(&self, task: Option<&TaskRecord>, branch: &Map<String, Value>) -> Value {
        let mut data = Map::new();
        if let Value::Object(input) = &self.rec.input {
            merge_into(&mut data, input);
        }
        if let Value::Object(ctx) = &self.rec.context {
            merge_into(&mut data, ctx);
        }
        data.insert("__env".into(), self.env());
        merge_into(&mut data, branch);
        if let Some(t) = task {
            data.insert(
                "__task_execution".into(),
                json!({"id": t.id.to_string(), "name": t.name}),
            );
        }
        Value::Object(data)
    }

    /// The outbound context of a completed task: its inbound context updated
    /// by what it published, with the versions of what it published raised.
    pub fn outbound(task: &TaskRecord) -> Map<String, Value> {
        match &task.in_context {
            Value::Object(ctx) => super::versions::outbound(ctx, &task.published),
            _ => super::versions::outbound(&Map::new(), &task.published),
        }
    }

    /// `task()` of Mistral's functions, as `overlay` would leave the task
    /// when it is the overlaid one.
    pub fn task_dict(&self, t: &TaskRecord, overlay: Option<&Overlay>) -> Value {
        task_dict(Some(&self.spec), self.rec.id, t, overlay)
    }
}

/// `task()` of Mistral's functions for task `t` of execution `exec_id`
/// (whose spec is `spec`), as `overlay` would leave the task when it is
/// the overlaid one.
pub(crate) fn task_dict(
    spec: Option<&WorkflowSpec>,
    exec_id: crate::domain::ExecutionId,
    t: &TaskRecord,
    overlay: Option<&Overlay>,
) -> Value {
    if let Some(o) = overlay.filter(|o| o.task == t.id) {
        let mut d = task_dict(spec, exec_id, t, None);
        if let Value::Object(m) = &mut d {
            let at = Value::String(crate::domain::format_time(&o.at));
            m.insert("state".into(), Value::String(o.state.as_str().into()));
            m.insert("state_info".into(), json!(o.state_info));
            m.insert("result".into(), o.result.clone());
            m.insert("updated_at".into(), at);
        }
        return d;
    }
    let pending = t.result.is_null() && result_pending(t);
    json!({
        "id": t.id.to_string(),
        "name": t.name,
        // Mistral's task spec dict; a spec stored before it was kept
        // falls back to bora's own model.
        "spec": spec.and_then(|spec| {
            spec.raw
                .task(&t.name)
                .or_else(|| spec.tasks.get(&t.name).and_then(|s| serde_json::to_value(s).ok()))
        }),
        "state": t.state.as_str(),
        "state_info": t.state_info,
        "result": if pending { json!([]) } else { t.result.clone() },
        "published": t.published,
        "type": t.kind.as_str(),
        "workflow_execution_id": exec_id.to_string(),
        "created_at": crate::domain::format_time(&t.created_at),
        "updated_at": t.updated_at.as_ref().map(crate::domain::format_time),
    })
}

/// Mistral computes a task's result from its accepted executions: a task
/// in progress that has none yet (starting, waiting, held by
/// `pause-before`, delayed for a retry) reads `[]` in `task()` and in
/// the API. A task held by `wait-after` has its result already.
pub fn result_pending(t: &TaskRecord) -> bool {
    !t.state.is_completed() && !super::runtime::waited_after(&t.runtime_context)
}

fn merge_into(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

/// Mistral's database-backed functions over an in-memory execution.
pub(crate) struct ExecHost<'a> {
    pub exec: &'a Exec,
    pub current: Option<TaskExecutionId>,
    /// The task as the operation under way would leave it.
    pub overlay: Option<&'a Overlay>,
    /// Where `tasks()` reads sub-workflows and other executions.
    pub family: super::family::FamilySource<'a>,
}

impl expr::Host for ExecHost<'_> {
    fn execution(&self) -> Value {
        let r = &self.exec.rec;
        let spec = &self.exec.spec;
        json!({
            "id": r.id.to_string(),
            "name": r.workflow_name,
            // Mistral's spec dict (the definition as parsed, with name and
            // version); bora's own model for a spec stored before it was kept.
            "spec": match spec.raw.is_null() {
                true => serde_json::to_value(&**spec).unwrap_or(Value::Null),
                false => spec.raw.value(),
            },
            "input": r.input,
            "params": r.params,
            "created_at": crate::domain::format_time(&r.created_at),
            "updated_at": r.updated_at.as_ref().map(crate::domain::format_time),
            "root_execution_id": r.root_execution_id.map(|i| i.to_string()),
        })
    }

    fn task(&self, name: Option<&str>) -> Value {
        let id = match name {
            Some(n) => self.exec.latest.get(n).copied(),
            None => self.current,
        };
        id.and_then(|id| self.exec.tasks.get(&id))
            .map_or(Value::Null, |t| self.exec.task_dict(t, self.overlay))
    }

    fn tasks(&self, q: &expr::TasksQuery) -> Value {
        if !q.is_local_to(&self.exec.rec.id.to_string())
            && let Some(family) = self.family.get(self.exec, self.overlay)
        {
            return expr::family::select(family, q);
        }
        Value::Array(
            self.exec
                .tasks
                .values()
                .filter(|t| {
                    let now = match self.overlay {
                        Some(o) if o.task == t.id => o.state,
                        _ => t.state,
                    };
                    q.state.as_deref().is_none_or(|s| now.as_str() == s)
                })
                .map(|t| self.exec.task_dict(t, self.overlay))
                .collect(),
        )
    }

    fn family(&self) -> Value {
        self.family
            .get(self.exec, self.overlay)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn global(&self, name: &str) -> Value {
        self.exec
            .rec
            .context
            .get(name)
            .cloned()
            .unwrap_or(Value::Null)
    }
}
