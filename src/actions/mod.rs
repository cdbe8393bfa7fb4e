//! The standard actions. Pure of the store and the engine.
