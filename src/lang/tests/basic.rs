//! Smoke tests.

use crate::lang::parse_workflows;

#[test]
fn minimal() {
    let wfs = parse_workflows("version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n").unwrap();
    assert_eq!(wfs.len(), 1);
}
