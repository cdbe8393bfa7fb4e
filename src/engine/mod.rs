//! The engine: the `EngineActor` owns the store's writer and all task state,
//! answers the workers' `ConfirmExecution` and takes their `ConveyResult`,
//! and consults the pure workflow controller for what runs next.

mod actor;
mod adhoc;
mod backlog;
mod complete;
mod confirm;
pub mod controller;
mod cron;
mod definitions;
mod defs;
mod diagnosis;
mod dispatch;
mod env_update;
mod environments;
mod evict;
mod failtext;
mod family;
mod flow;
mod items;
mod items_rerun;
mod lifecycle;
mod messages;
mod nodes;
mod notify;
mod offload;
mod operations;
mod policies;
mod policy_types;
mod published;
mod recovery;
mod requests;
mod retention;
mod reverse;
mod runtime;
mod schedule;
mod standalone;
mod state;
mod subflow;
mod telemetry;
mod transition;
mod versions;
mod window;

pub use actor::EngineActor;
pub use adhoc::Expanded;
pub use cron::{Clock, CreateCronTrigger, CronConfig, DeleteCronTrigger, ScanCron, wall_clock};
pub use definitions::{CreateActions, DeleteAction, DeleteWorkbook, PutWorkbook, UpdateActions};
pub use diagnosis::Diagnose;
pub use messages::*;
pub use nodes::LeaseLost;
pub use notify::{NotificationsDone, Subscriber, TASK_EVENTS, WORKFLOW_EVENTS, subscribers};
pub use offload::OffloadConfig;
pub use published::published_global;
pub use recovery::INTERRUPTED_NOT_SAFE;
pub use retention::RetentionConfig;
pub use standalone::{DeleteActionExecution, StartAction};
pub use state::result_pending;
pub use telemetry::{Ended, ListUnfinished, Timings, Unfinished};

use actix::prelude::*;

use crate::lang::Diagnostics;

/// An engine failure, as the API maps it to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 404: a named object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 409: a name or id is already taken.
    #[error("{0}")]
    Conflict(String),
    /// 400: the request is wrong (bad input, bad state change, ...).
    #[error("{0}")]
    Invalid(String),
    /// 400: a definition failed validation; every problem listed.
    #[error("{}", .0.mistral_text())]
    Definition(#[from] Diagnostics),
    /// 403: the operation is not allowed in the object's current state.
    #[error("{0}")]
    NotAllowed(String),
    /// 503: the engine cannot take work now.
    #[error("{0}")]
    Unavailable(String),
    /// 500: the store failed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Limits the engine enforces (see `Config`).
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_running_executions: usize,
    pub max_result_bytes: usize,
    pub max_with_items: usize,
    /// `DELETE /v2/action_executions/{id}` is allowed (finished standalone ones).
    pub allow_action_execution_deletion: bool,
    pub max_tasks_per_workflow: usize,
    pub max_subworkflow_depth: usize,
    /// Dispatches out with the workers at once, not yet confirmed (the
    /// rest wait in the engine as ids).
    pub dispatch_window: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_running_executions: 100_000,
            max_result_bytes: 1024 * 1024,
            max_with_items: 100_000,
            allow_action_execution_deletion: false,
            max_tasks_per_workflow: 20_000,
            max_subworkflow_depth: 32,
            dispatch_window: window::DEFAULT_LIMIT,
        }
    }
}

/// Engine counters.
#[derive(Clone, Debug, Default, MessageResponse)]
pub struct Stats {
    pub confirms_refused_not_running: u64,
    pub confirms_refused_not_idle: u64,
    pub confirms_refused_stale: u64,
    /// Confirmations answered "busy" (the worker asks again).
    pub confirms_busy: u64,
    /// Conveyed results dropped as late, duplicate or stale.
    pub results_dropped: u64,
    /// State changes refused by the transition table (see `transition`).
    pub state_moves_refused: u64,
    pub commits: u64,
    /// Time spent building and committing batches, in microseconds.
    pub commit_micros: u64,
    /// Rows (records) written by all commits.
    pub rows_written: u64,
    pub tasks_completed: u64,
    pub tasks_recovered_redispatch: u64,
    pub tasks_recovered_failed_unsafe: u64,
    pub executions_in_memory: u64,
    /// Executions the integrity checker had to move.
    pub integrity_repairs: u64,
    /// Action executions dispatched or running now.
    pub in_flight: u64,
    /// Dispatches out with the workers, not yet confirmed.
    pub dispatches_out: u64,
    /// Dispatches waiting in the engine for a place in the window.
    pub dispatches_waiting: u64,
    /// Evaluations moved off the engine thread (over the inline budget).
    pub evaluations_offloaded: u64,
    /// Evaluations in the evaluation pool now.
    pub evaluations_waiting: u64,
    /// Finished executions deleted by the retention policy.
    pub executions_expired: u64,
    /// Executions finished since start, by end state.
    pub executions_finished: Ended,
    /// Task executions completed since start, by state.
    pub tasks_finished: Ended,
    /// Unfinished executions in memory now, by state.
    pub executions_by_state: Vec<(crate::domain::State, u64)>,
    /// Unfinished task executions in memory now, by state.
    pub tasks_by_state: Vec<(crate::domain::State, u64)>,
}
