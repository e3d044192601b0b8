//! The storage layer on both engines.

mod queue;
mod support;
mod vault;
