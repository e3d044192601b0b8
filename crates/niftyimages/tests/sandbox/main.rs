//! The real client against the real NiftyImages sandbox on 127.0.0.1:0. No mocks.

mod editors;
mod errors;
mod images;
mod operations;
mod store;
mod support;
mod timer;
