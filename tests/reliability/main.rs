//! The reliability suite (RELIABILITY.md §3, T0 sizes): the real `bora`
//! binary, built with the `test-actions` feature, driven over HTTP while it
//! is killed, stopped and starved. Each test prints one line per invariant
//! and a closing `N passed, N failed` line; run with `--nocapture` to see
//! them. See README.md in this directory.

// Tests assert by unwrapping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod burst;
mod expressions;
mod fuzz_regressions;
mod g6;
mod gate;
mod gate_faults;
mod harness;
mod hostile;
mod limits;
mod nodes;
mod proxy;
mod r1;
mod r2;
mod r4;
mod r5;
mod r6;
mod remote;
mod secrets;
mod supervision;
mod supervision_faults;
