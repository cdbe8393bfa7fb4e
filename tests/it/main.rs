//! Integration tests, one binary: actor-level engine↔worker protocol tests
//! and the REST API over real HTTP, each on a fresh database.

mod api;
mod api_errors;
mod api_shapes;
mod cli;
mod cron;
mod definitions;
mod harness;
mod lifecycle;
mod limits;
mod mistral_cases;
mod offload;
mod operations;
mod policies;
mod protocol;
mod recovery;
mod standalone;
mod std_http;
mod subflows;
mod tenants;
mod tenants_cron;
mod tenants_definitions;
mod tenants_isolation;
