//! The storage layer on both engines.

mod instances;
mod queue;
mod support;
mod vault;
