//! The reliability suite (RELIABILITY.md §3, T0 sizes): the real `bora`
//! binary, built with the `test-actions` feature, driven over HTTP while it
//! is killed, stopped and starved. Each test prints one line per invariant
//! and a closing `N passed, N failed` line; run with `--nocapture` to see
//! them. See README.md in this directory.

mod burst;
mod expressions;
mod fuzz_regressions;
mod gate;
mod harness;
mod hostile;
mod limits;
mod r1;
mod r4;
mod secrets;
mod supervision;
