//! A throwaway nifty-ghl on this machine, for the demo and the benchmarks: an SQLite file, a
//! vault sealed with a random key (never written anywhere), and connections to a sandbox.

use std::path::Path;
use std::sync::Arc;

use engine::connections::Connections;
use sandbox::RunningSandbox;
use secrecy::SecretString;
use store::{KeySource, Vault};

/// Connections backed by a new SQLite database at `database`, calling GHL at `ghl_url`.
pub async fn connections(database: &Path, ghl_url: &str) -> anyhow::Result<Arc<Connections>> {
    let store = store::open(&database.to_string_lossy()).await?;
    let vault = Vault::open(store, KeySource::env(store::keyring::generate_key()?)).await?;
    Ok(Arc::new(Connections::new(
        Arc::new(vault),
        ghl::ClientConfig::with_base_url(ghl_url)?,
        engine::config::RefreshSettings::default(),
    )?))
}

/// Connects the sandbox's first `count` locations with their Private Integration Tokens
/// (read and write); their ids, in order.
pub async fn connect_locations(
    connections: &Connections,
    sandbox: &RunningSandbox,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let mut locations = Vec::with_capacity(count);
    for i in 0..count {
        let location = sandbox.location_id(i).to_owned();
        connections
            .connect_pit(
                &location,
                SecretString::from(sandbox.pit(i).to_owned()),
                engine::config::DEFAULT_SCOPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                false,
            )
            .await?;
        locations.push(location);
    }
    Ok(locations)
}
