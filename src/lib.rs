//! bora: a workflow service in one binary that speaks the Mistral v2 workflow
//! language and REST API.
//!
//! # Layout
//!
//! - [`domain`]: passive shared types: ids, states and their transition table.
//! - [`lang`]: workflow language v2, YAML text to validated typed specs.
//! - [`expr`]: YAQL and Jinja evaluation inside data, with Mistral's functions.
//! - [`protocol`]: the engine↔worker messages (`HandleTask`, `ConfirmExecution`,
//!   `ConveyResult`).
//! - [`engine`]: the `EngineActor` that owns the store and all task state, and
//!   the pure workflow controller it consults.
//! - [`worker`]: the supervised pool of `WorkerActor`s that run actions; they
//!   never touch the store.
//! - [`actions`]: the standard actions (`std.noop`, `std.echo`, ...).
//! - [`store`]: diesel schema and queries, SQLite or PostgreSQL.
//! - [`api`]: the actix-web facade, Mistral-compatible `/v2` JSON; authentication
//!   (static tokens) gives each request its caller's project.
//! - [`notify`]: delivery of execution notifications (webhooks) from the
//!   outbox the engine writes.
//! - [`config`]: settings, defaults < file < `BORA_*` environment.
//! - [`logging`]: the process's log lines, env_logger's text or JSON.
//! - [`failpoints`]: named fault-injection points, compiled in for tests only.
//! - [`broker`]: the engine↔worker protocol over RabbitMQ, for remote workers.
//! - [`app`]: the composition root that wires everything and runs it.
//! - [`cli`]: the command line's `run`, `validate` and client commands,
//!   over the HTTP API.
//!
//! `ARCHITECTURE.md` at the repository root tells the trip of one request.

pub mod actions;
pub mod api;
pub mod app;
pub mod broker;
pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod expr;
pub mod failpoints;
pub mod lang;
pub mod logging;
pub mod notify;
pub mod protocol;
pub mod store;
pub mod worker;
pub mod yaml;
