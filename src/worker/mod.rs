//! The worker pool: supervised `WorkerActor`s that confirm, run actions and
//! convey results. Never touches the store or the engine's address.
