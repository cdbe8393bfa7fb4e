//! What several benches share: the size scale and what one execution
//! stored, read back whole. Each bench uses only part of it.
#![allow(dead_code)]

use bora::domain::ExecutionId;
use bora::store::{
    Access, ActionExecutionRecord, ExecutionRecord, Filter, FilterOp, ListQuery, Store, TaskRecord,
    WorkflowVersion,
};

/// `n` scaled by `BORA_BENCH_SCALE` (default 1), at least 1.
pub fn scale(n: usize) -> usize {
    let f: f64 = std::env::var("BORA_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64) * f).max(1.0) as usize
}

/// Every row of execution `id` (tasks or action executions), any project.
pub fn of_execution(id: ExecutionId) -> ListQuery {
    ListQuery {
        limit: 0,
        access: Access::All,
        filters: vec![Filter {
            field: "workflow_execution_id".into(),
            op: FilterOp::Eq,
            values: vec![id.to_string()],
        }],
        ..ListQuery::default()
    }
}

/// Everything the engine stored for one execution, whole.
pub struct Rows {
    pub execution: ExecutionRecord,
    pub version: WorkflowVersion,
    pub tasks: Vec<TaskRecord>,
    pub actions: Vec<ActionExecutionRecord>,
}

/// Reads back execution `id`, its version, its tasks and its action
/// executions.
pub fn read_back(store: &Store, id: ExecutionId) -> Rows {
    let execution = store.get_execution(&Access::All, id).unwrap().unwrap();
    let spec = store.version_spec(&execution.spec_id).unwrap().unwrap();
    let version = WorkflowVersion::of(serde_json::to_string(&spec).unwrap());
    assert_eq!(version.id, execution.spec_id);
    // Lists leave `in_context` out: each task is read whole.
    let tasks: Vec<TaskRecord> = store
        .list_tasks(&of_execution(id))
        .unwrap()
        .into_iter()
        .map(|t| store.get_task(&Access::All, t.id).unwrap().unwrap())
        .collect();
    let actions = store.list_action_executions(&of_execution(id)).unwrap();
    Rows {
        execution,
        version,
        tasks,
        actions,
    }
}
