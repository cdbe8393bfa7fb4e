//! The worker pool: supervised `WorkerActor`s that receive `HandleTask`,
//! build the action, ask the engine `ConfirmExecution` and wait, run the
//! action, and send `ConveyResult`. Workers never touch the store, and know
//! the engine only through the protocol's recipients ([`EngineLink`]).

mod pool;
mod run;

pub use pool::{PoolStats, WorkerPool};
pub use run::WorkerActor;
