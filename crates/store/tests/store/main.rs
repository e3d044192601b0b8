//! The storage layer on both engines.

mod instances;
mod open;
mod queue;
mod support;
mod vault;
