//! Durability, proven with the real binary: `nifty-ghl serve` killed (SIGKILL) while events
//! flow, several instances sharing PostgreSQL, files sent twice, and the sandbox counting what
//! reached GHL.

mod crash;
mod deployment;
mod events_send;
mod instances;
mod producer;
