//! The storage layer on both engines.

mod open;
mod queue;
mod support;
mod vault;
