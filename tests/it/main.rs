//! Integration tests, one binary: actor-level engine↔worker protocol tests
//! and the REST API over real HTTP, each on a fresh database; the Mistral
//! case corpus; the expression corpus and vectors; the house rules (tidy).
//! The reliability suite (it needs the test actions compiled in) and the
//! browser test of the UI (it needs Chromium) are binaries of their own.

// Tests assert by unwrapping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod api_errors;
mod api_shapes;
mod cli;
mod cli_client;
mod cli_run;
mod cron;
mod definitions;
mod expr_common;
mod expr_corpus;
mod expr_vectors;
mod harness;
mod lifecycle;
mod limits;
mod mistral_cases;
mod notify;
mod offload;
mod openapi;
mod operations;
mod ops_http;
mod ops_process;
mod policies;
mod protocol;
mod recovery;
mod remote;
mod retention;
mod standalone;
mod std_http;
mod subflows;
mod tenants;
mod tenants_cron;
mod tenants_definitions;
mod tenants_isolation;
mod tidy;
mod versions;
