//! The commands that run nifty-ghl itself: set-up, connections, keys, secrets, the
//! configuration check, the service, and the operations catalog.

pub mod config_check;
pub mod connect;
pub mod connections;
pub mod dead_letters;
pub mod demo;
pub mod events_send;
pub mod init;
pub mod keys;
pub mod ops;
pub mod recipes;
pub mod secrets;
pub mod serve;
pub mod sync;
