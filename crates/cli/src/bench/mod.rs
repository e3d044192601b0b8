//! `nifty-ghl bench …`: the figures in BENCHMARKS.md, measured on this machine. Timings live
//! here and in BENCHMARKS.md, never in tests.
//!
//! - `sandbox`: the GHL sandbox under load (it must never be the bottleneck);
//! - `ingest`: durable ingest through `/hooks/niftyimages` on SQLite, at full speed and at a
//!   fixed rate;
//! - `delivery`: the pipeline against a sandbox of many locations with GHL's limits: the share
//!   of the rate budget used, 429s and duplicates;
//! - `redirect`: the image-open redirect `/i/{image}`: opens recorded per second, and the
//!   latency a mail client sees at a fixed rate;
//! - `datastore`: GHL contact changes into a NiftyImages Data Store: rows per second, and
//!   echoes of the same contents dismissed without a write;
//! - `memory`: the resident memory of `nifty-ghl serve`, idle and with a large backlog.

mod datastore;
mod delivery;
mod door;
mod http;
mod ingest;
mod load;
mod memory;
mod redirect;
mod sandbox;

use crate::cli::{BenchArgs, BenchTarget};

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.target {
        BenchTarget::Sandbox => sandbox::run(args).await,
        BenchTarget::Ingest => ingest::run(args).await,
        BenchTarget::Delivery => delivery::run(args).await,
        BenchTarget::Memory => memory::run(args).await,
        BenchTarget::Redirect => redirect::run(args).await,
        BenchTarget::Datastore => datastore::run(args).await,
    }
}

/// A scratch directory for a benchmark's database, removed at the end.
fn scratch_dir() -> anyhow::Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new()
        .prefix("nifty-ghl-bench-")
        .tempdir()?)
}
