//! List tests.
