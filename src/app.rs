//! The composition root: opens the store, starts the engine, the workers and
//! the HTTP server, and shuts them down.
