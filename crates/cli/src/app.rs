//! What the commands that use the database share: the configuration, the vault and the
//! connections, opened once with errors that say what to fix.

use std::path::Path;
use std::sync::Arc;

use engine::{Config, Connections};
use store::{KeySource, Vault};

use crate::output::input_error;

pub struct App {
    pub config: Config,
    pub connections: Arc<Connections>,
}

impl App {
    pub async fn open(config_path: &Path) -> anyhow::Result<Self> {
        let config = load_config(config_path)?;
        let store = store::open(&config.database_url).await.map_err(|e| {
            input_error(format!(
                "database {}: {e}",
                store::redact_url(&config.database_url)
            ))
        })?;
        let keys = KeySource::from_env_or_file(&config.master_key_file);
        let vault = Vault::open(store, keys)
            .await
            .map_err(|e| input_error(e.to_string()))?;
        let api = ghl::ClientConfig::with_base_url(&config.ghl.base_url)?;
        let connections = Connections::new(Arc::new(vault), api, config.refresh.clone())?;
        Ok(Self {
            config,
            connections: Arc::new(connections),
        })
    }

    /// A connection by its id, or by the location (or company) it is for. A company id can
    /// name an agency and every location it minted: then the candidates are listed, and none
    /// is picked (a `remove` must never guess).
    pub async fn find(&self, wanted: &str) -> anyhow::Result<store::vault::Connection> {
        let all = self.connections.vault().connections().await?;
        pick(all, wanted)
    }
}

fn pick(
    all: Vec<store::vault::Connection>,
    wanted: &str,
) -> anyhow::Result<store::vault::Connection> {
    let (exact, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| c.id == wanted);
    if let Some(connection) = exact.into_iter().next() {
        // Ids are unique, and an id is the surest name.
        return Ok(connection);
    }
    let mut matching: Vec<_> = others
        .into_iter()
        .filter(|c| {
            c.location_id.as_deref() == Some(wanted) || c.company_id.as_deref() == Some(wanted)
        })
        .collect();
    match matching.len() {
        0 => Err(input_error(format!(
            "no connection {wanted:?}: `nifty-ghl connections list` shows them"
        ))),
        1 => Ok(matching.remove(0)),
        _ => {
            let ids: Vec<&str> = matching.iter().map(|c| c.id.as_str()).collect();
            Err(input_error(format!(
                "{wanted:?} names {} connections ({}): give one of these connection ids",
                ids.len(),
                ids.join(", ")
            )))
        }
    }
}

pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| input_error(e.to_string()))
}
