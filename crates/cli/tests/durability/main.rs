//! Durability, proven with the real binary: `nifty-ghl serve` killed (SIGKILL) while events
//! flow, several instances sharing PostgreSQL, and the sandbox counting what reached GHL.

mod crash;
mod deployment;
mod instances;
mod producer;
