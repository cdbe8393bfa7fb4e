//! What several benches share: the size scale and the query of one
//! execution's tasks or action executions. Each bench uses only part of it.
#![allow(dead_code)]

use bora::domain::ExecutionId;
use bora::store::{Access, Filter, FilterOp, ListQuery};

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
