//! What the commands share: the configuration (file, then environment, then the vault for the
//! secrets both leave empty), the vault and the connections, opened once with errors that say
//! what to fix.
//!
//! [`load_settings`] is the one place the configuration is completed from the vault; every
//! command that reads a secret (the service, `sync`, `nifty`, `events send`, …) gets its
//! configuration through it.

use std::path::Path;
use std::sync::Arc;

use engine::{Config, Connections};
use store::{KeySource, Vault};

use crate::output::input_error;

pub struct App {
    pub config: Config,
    pub connections: Arc<Connections>,
}

/// Whether a command needs the database and its vault, or reads the vault only when there is
/// one (commands that worked from the config file alone before the vault held secrets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultUse {
    Required,
    IfPresent,
}

/// What became of the vault while loading the configuration.
#[derive(Debug)]
pub enum VaultState {
    Open(Vault),
    /// No database or no master key yet: nothing can be in a vault.
    Absent(String),
    /// There, but it could not be opened (with [`VaultUse::IfPresent`]; a warning was shown).
    Failed(String),
}

/// The configuration, completed from the vault, and the vault.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub vault: VaultState,
    /// Warnings already shown on stderr (a vault value ignored, …): names only, no values.
    pub warnings: Vec<String>,
    /// Vault secrets that did not open (names and reasons): an error for the commands that
    /// run with the configuration, a warning for those that set it up.
    pub unreadable: Vec<String>,
}

impl App {
    /// The configuration, completed from the vault, with every configured store and timer
    /// holding its key; the vault; the connections.
    pub async fn open(config_path: &Path) -> anyhow::Result<Self> {
        let settings = load_settings(config_path, VaultUse::Required).await?;
        require_secrets(&settings)?;
        Self::from_settings(settings)
    }

    /// As [`App::open`], for the commands that set things up (`init`, `secrets`): a store or
    /// timer without its key is no error yet, since that is what they are there to fix.
    pub async fn open_for_setup(config_path: &Path) -> anyhow::Result<Self> {
        let settings = load_settings(config_path, VaultUse::Required).await?;
        for problem in &settings.unreadable {
            eprintln!("warning: {problem}");
        }
        Self::from_settings(settings)
    }

    fn from_settings(settings: Settings) -> anyhow::Result<Self> {
        let VaultState::Open(vault) = settings.vault else {
            unreachable!("VaultUse::Required opens the vault or fails");
        };
        let config = settings.config;
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

/// The configuration file and the environment only: for commands that read no secret
/// (`recipes`).
pub fn load_config_file(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| input_error(e.to_string()))
}

/// The configuration completed from the vault when there is one, for commands that do not
/// otherwise use the database (`nifty`, `events send`); every configured store and timer must
/// have its key.
pub async fn load_config(path: &Path) -> anyhow::Result<Config> {
    let settings = load_settings(path, VaultUse::IfPresent).await?;
    require_secrets(&settings)?;
    Ok(settings.config)
}

/// File, then environment, then the vault: each secret setting the first two leave empty is
/// filled from the vault's value of the same name; where both have one, the file or the
/// environment wins and a warning (the setting's name, never a value) says the vault's copy is
/// ignored.
pub async fn load_settings(path: &Path, vault_use: VaultUse) -> anyhow::Result<Settings> {
    let mut config = load_config_file(path)?;
    let vault = match vault_use {
        VaultUse::Required => VaultState::Open(open_vault(&config).await?),
        VaultUse::IfPresent => match open_existing_vault(&config).await {
            Ok(state) => state,
            Err(error) => {
                eprintln!(
                    "warning: the vault was not read ({error}); secrets kept there are not used"
                );
                VaultState::Failed(error)
            }
        },
    };
    let mut warnings = Vec::new();
    let mut unreadable = Vec::new();
    if let VaultState::Open(vault) = &vault {
        let completion = engine::config::secrets::complete_from_vault(&mut config, vault)
            .await
            .map_err(|e| input_error(format!("the vault's secrets: {e}")))?;
        for warning in completion.warnings {
            eprintln!("warning: {warning}");
            warnings.push(warning);
        }
        unreadable = completion.unreadable;
    }
    Ok(Settings {
        config,
        vault,
        warnings,
        unreadable,
    })
}

/// Refuses a vault secret that does not open, and a configured store or timer that has no key
/// from anywhere.
fn require_secrets(settings: &Settings) -> anyhow::Result<()> {
    let mut problems = settings.unreadable.clone();
    problems.extend(settings.config.missing_secrets());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(input_error(problems.join("\n")))
    }
}

async fn open_vault(config: &Config) -> anyhow::Result<Vault> {
    let store = store::open(&config.database_url).await.map_err(|e| {
        input_error(format!(
            "database {}: {e}",
            store::redact_url(&config.database_url)
        ))
    })?;
    let keys = KeySource::from_env_or_file(&config.master_key_file);
    Vault::open(store, keys)
        .await
        .map_err(|e| input_error(e.to_string()))
}

/// The vault when the database and a master key are both there; creates nothing.
async fn open_existing_vault(config: &Config) -> Result<VaultState, String> {
    let keys = KeySource::from_env_or_file(&config.master_key_file);
    if let KeySource::File(path) = &keys
        && !path.exists()
    {
        return Ok(VaultState::Absent(format!(
            "no master key ({} does not exist and {} is not set)",
            path.display(),
            store::keyring::MASTER_KEY_ENV
        )));
    }
    let shown = store::redact_url(&config.database_url);
    let store = match store::open_existing(&config.database_url).await {
        Ok(Some(store)) => store,
        Ok(None) => {
            return Ok(VaultState::Absent(format!(
                "no database yet at {shown}: `nifty-ghl init` makes one"
            )));
        }
        Err(error) => return Err(format!("database {shown}: {error}")),
    };
    Vault::open(store, keys)
        .await
        .map(VaultState::Open)
        .map_err(|e| e.to_string())
}
