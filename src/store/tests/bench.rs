//! Store throughput.
