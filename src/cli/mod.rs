//! The command line's commands beyond `serve`: `bora run` (a workflow on an
//! embedded or remote server, with live progress), the client commands
//! (`bora workflow|execution|task ...` over the `/v2` API), and `bora
//! validate` (errors and warnings of a definition file). `main.rs` parses
//! the arguments and calls in here.
//!
//! Invariant: the client commands go through the HTTP API only, like any
//! other client; `bora run` without `--url` too, against a server it
//! starts on loopback.

pub mod client;
pub mod commands;
pub mod output;
pub mod run;
pub mod validate;
