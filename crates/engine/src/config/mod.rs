//! One typed configuration: built-in defaults, then `nifty-ghl.toml` (if present), then
//! `NIFTY_GHL_*` environment variables, validated once. Nothing else reads the environment.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub const DEFAULT_CONFIG_FILE: &str = "nifty-ghl.toml";
/// What the built-in features use: contacts (sync, reconciliation), custom fields (values a
/// recipe writes by key are sent by id, and a missing field is created), and the location's
/// task search (GHL's TaskCreate webhooks come without their contact, which is read back).
pub const DEFAULT_SCOPES: [&str; 5] = [
    "contacts.readonly",
    "contacts.write",
    "locations/customFields.readonly",
    "locations/customFields.write",
    "locations/tasks.readonly",
];

/// The route of `nifty-ghl serve` (and `connect`'s listener) that takes GHL's redirect.
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// The GHL client's request timeout, in seconds.
const HTTP_TIMEOUT_SECS: u64 = 30;

/// Twice the request timeout: a refresh lease outlives the token call it covers.
const MIN_LEASE_SECS: u64 = 2 * HTTP_TIMEOUT_SECS;

mod ghl_webhooks;
mod niftyimages;
pub mod secrets;

pub use ghl_webhooks::GhlWebhookSettings;
pub use niftyimages::{
    DataSourceSettings, ImageSettings, NiftyImagesSettings, StoreSettings, TimerSettings,
};
pub use secrets::{SecretOrigin, SecretOrigins, SecretSetting};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("{name} is not valid: {reason}")]
    Invalid { name: String, reason: String },
}

/// Its `Debug` hides the database password and every secret (see the settings' own `Debug`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` (the default, `./nifty-ghl.db`) or `postgres://…`.
    pub database_url: String,
    /// Where the master key lives, unless `NIFTY_GHL_MASTER_KEY` holds it.
    pub master_key_file: PathBuf,
    pub ghl: GhlSettings,
    pub server: ServerSettings,
    pub refresh: RefreshSettings,
    pub pipeline: PipelineSettings,
    pub notifications: NotificationSettings,
    pub hooks: HookSettings,
    pub recipes: RecipeSettings,
    pub ghl_webhooks: GhlWebhookSettings,
    pub niftyimages: NiftyImagesSettings,
    /// Where each secret setting's value came from (file, environment, vault); names only.
    #[serde(skip)]
    pub secret_origins: SecretOrigins,
}

/// Where the user's recipes are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecipeSettings {
    /// A folder of `*.toml` recipes; they replace built-in ones of the same name and add
    /// others. A folder that does not exist holds none. (Or `NIFTY_GHL_RECIPES_DIR`.)
    pub dir: PathBuf,
}

impl Default for RecipeSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("recipes"),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured, so that a new field cannot be added without deciding how it shows.
        let Config {
            database_url,
            master_key_file,
            ghl,
            server,
            refresh,
            pipeline,
            notifications,
            hooks,
            recipes,
            ghl_webhooks,
            niftyimages,
            secret_origins,
        } = self;
        f.debug_struct("Config")
            .field("database_url", &store::redact_url(database_url))
            .field("master_key_file", master_key_file)
            .field("ghl", ghl)
            .field("server", server)
            .field("refresh", refresh)
            .field("pipeline", pipeline)
            .field("notifications", notifications)
            .field("hooks", hooks)
            .field("recipes", recipes)
            .field("ghl_webhooks", ghl_webhooks)
            .field("niftyimages", niftyimages)
            .field("secret_origins", secret_origins)
            .finish()
    }
}

/// The door NiftyImages-side events come in by: `POST /hooks/niftyimages`.
/// Its `Debug` shows how many secrets there are, not what they are.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HookSettings {
    /// `whsec_…` signing secrets, newest first; several at once during a rotation.
    /// (Or `NIFTY_GHL_HOOK_SECRETS`, comma-separated, or the vault: `nifty-ghl secrets set
    /// hooks.secrets`.)
    pub secrets: Vec<String>,
    /// Accept unsigned events. For development only.
    pub allow_unsigned: bool,
}

/// The event pipeline: where events go, how jobs run, how long history is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineSettings {
    /// The GHL location events go to when they name none.
    pub default_location_id: Option<String>,
    /// Jobs running at once in this process. A job mostly waits on GHL, so what one process
    /// sends per second is about this divided by GHL's answer time: 64 at 100 ms is 640
    /// requests/s, the budget of 64 locations.
    pub workers: usize,
    /// How long a job may run before another instance may take it over.
    pub job_lease_secs: u64,
    /// Delay in seconds before each attempt: the first runs at once; after the last attempt
    /// fails, the job is dead.
    pub retry_schedule_secs: Vec<f64>,
    /// ± this share of random spread on each delay.
    pub retry_jitter: f64,
    /// GHL's budget per location (GHL's defaults); corrected by its headers on every answer.
    pub burst_max: u64,
    pub burst_interval_ms: u64,
    pub daily_max: u64,
    /// Kept between bursts so that clock drift never gives a 429.
    pub burst_margin_ms: u64,
    /// How often work waiting for a user (re-auth, a new PIT) looks again.
    pub reauth_wait_secs: f64,
    /// How long an instance holds a location before renewing.
    pub location_lease_secs: u64,
    /// Event ids are remembered (duplicates dropped) for at least this long.
    pub dedupe_days: u64,
    /// Finished jobs and the run log are kept this long.
    pub history_days: u64,
    /// Events waiting for one commit at most.
    pub ingest_batch_max: usize,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        Self {
            default_location_id: None,
            workers: 64,
            job_lease_secs: 60,
            retry_schedule_secs: vec![
                0.0, 5.0, 30.0, 120.0, 600.0, 1_800.0, 3_600.0, 10_800.0, 21_600.0, 43_200.0,
            ],
            retry_jitter: 0.2,
            burst_max: 100,
            burst_interval_ms: 10_000,
            daily_max: 200_000,
            burst_margin_ms: 100,
            reauth_wait_secs: 60.0,
            location_lease_secs: 15,
            dedupe_days: 7,
            history_days: 14,
            ingest_batch_max: 2_000,
        }
    }
}

impl fmt::Debug for HookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let HookSettings {
            secrets,
            allow_unsigned,
        } = self;
        f.debug_struct("HookSettings")
            .field("secrets", &format_args!("[{} redacted]", secrets.len()))
            .field("allow_unsigned", allow_unsigned)
            .finish()
    }
}

/// Where persistent failures are announced. Its `Debug` hides the webhook secret and both
/// URLs (a Slack URL's path is its credential; an alert URL may carry a token too).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationSettings {
    /// A Slack-compatible incoming-webhook URL (or `NIFTY_GHL_SLACK_WEBHOOK_URL`, or the
    /// vault: `nifty-ghl secrets set notifications.slack_webhook_url`).
    pub slack_webhook_url: Option<String>,
    /// A URL that receives each alert as JSON, signed the Standard Webhooks way (or
    /// `NIFTY_GHL_ALERT_WEBHOOK_URL`, or the vault when it carries a token).
    pub webhook_url: Option<String>,
    /// The `whsec_…` secret that signs `webhook_url`'s alerts (or
    /// `NIFTY_GHL_ALERT_WEBHOOK_SECRET`, or the vault).
    pub webhook_secret: Option<String>,
    /// The same alert is sent at most once per this many seconds (repeats are counted).
    pub repeat_after_secs: u64,
}

impl fmt::Debug for NotificationSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NotificationSettings {
            slack_webhook_url,
            webhook_url,
            webhook_secret,
            repeat_after_secs,
        } = self;
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "[redacted]");
        f.debug_struct("NotificationSettings")
            .field("slack_webhook_url", &hidden(slack_webhook_url))
            .field("webhook_url", &hidden(webhook_url))
            .field("webhook_secret", &hidden(webhook_secret))
            .field("repeat_after_secs", repeat_after_secs)
            .finish()
    }
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            slack_webhook_url: None,
            webhook_url: None,
            webhook_secret: None,
            repeat_after_secs: 3_600,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GhlSettings {
    /// The API: production, staging, or a sandbox.
    pub base_url: String,
    /// Where users approve the app (the white-label host is `https://marketplace.leadconnectorhq.com`).
    pub marketplace_url: String,
    /// The marketplace app's client id (its secret is kept in the vault).
    pub client_id: Option<String>,
    /// Where GHL sends the user back after approval: `nifty-ghl serve`'s `/oauth/callback`.
    pub redirect_uri: String,
    /// Scopes asked for by default.
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address `nifty-ghl serve` listens on.
    pub listen: String,
}

/// When tokens are refreshed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshSettings {
    /// Refresh an access token this long before it expires.
    pub early_secs: u64,
    /// Refresh idle connections at least this often, so no refresh token ages out.
    pub keepalive_secs: u64,
    /// How long one process may hold a connection's refresh before another may take over.
    pub lease_secs: u64,
    /// How often `serve` looks for connections to refresh.
    pub check_every_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://nifty-ghl.db".into(),
            master_key_file: PathBuf::from("nifty-ghl.key"),
            ghl: GhlSettings::default(),
            server: ServerSettings::default(),
            refresh: RefreshSettings::default(),
            pipeline: PipelineSettings::default(),
            notifications: NotificationSettings::default(),
            hooks: HookSettings::default(),
            recipes: RecipeSettings::default(),
            ghl_webhooks: GhlWebhookSettings::default(),
            niftyimages: NiftyImagesSettings::default(),
            secret_origins: SecretOrigins::default(),
        }
    }
}

impl Default for GhlSettings {
    fn default() -> Self {
        Self {
            base_url: ghl::PRODUCTION_BASE_URL.into(),
            marketplace_url: "https://marketplace.gohighlevel.com".into(),
            client_id: None,
            redirect_uri: "http://127.0.0.1:8788/oauth/callback".into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8788".into(),
        }
    }
}

impl Default for RefreshSettings {
    fn default() -> Self {
        Self {
            early_secs: 15 * 60,
            keepalive_secs: 24 * 60 * 60,
            lease_secs: 60,
            check_every_secs: 60,
        }
    }
}

impl RefreshSettings {
    pub fn early(&self) -> Duration {
        Duration::from_secs(self.early_secs)
    }

    pub fn keepalive(&self) -> Duration {
        Duration::from_secs(self.keepalive_secs)
    }

    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }
}

/// The `NIFTY_GHL_*` variables and the setting each overrides.
pub const ENVIRONMENT: [(&str, &str); 14] = [
    (
        "NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY",
        "niftyimages.account_key",
    ),
    ("NIFTY_GHL_DATABASE_URL", "database_url"),
    ("NIFTY_GHL_MASTER_KEY_FILE", "master_key_file"),
    ("NIFTY_GHL_GHL_BASE_URL", "ghl.base_url"),
    ("NIFTY_GHL_MARKETPLACE_URL", "ghl.marketplace_url"),
    ("NIFTY_GHL_CLIENT_ID", "ghl.client_id"),
    ("NIFTY_GHL_REDIRECT_URI", "ghl.redirect_uri"),
    ("NIFTY_GHL_LISTEN", "server.listen"),
    (
        "NIFTY_GHL_DEFAULT_LOCATION_ID",
        "pipeline.default_location_id",
    ),
    (
        "NIFTY_GHL_SLACK_WEBHOOK_URL",
        "notifications.slack_webhook_url",
    ),
    ("NIFTY_GHL_ALERT_WEBHOOK_URL", "notifications.webhook_url"),
    (
        "NIFTY_GHL_ALERT_WEBHOOK_SECRET",
        "notifications.webhook_secret",
    ),
    ("NIFTY_GHL_HOOK_SECRETS", "hooks.secrets"),
    ("NIFTY_GHL_RECIPES_DIR", "recipes.dir"),
];

impl Config {
    /// Defaults, then the file at `path` if it exists, then the environment; validated. Secret
    /// settings both leave empty may still come from the vault: see
    /// [`secrets::complete_from_vault`], which the command line runs once the database is open.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with(path, |name| std::env::var(name).ok())
    }

    /// As [`Config::load`], reading variables through `env` (tests pass their own).
    pub fn load_with(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str::<Config>(&text).map_err(|e| ConfigError::Parse {
                path: path.to_owned(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
            }
        };
        config.record_file_origins();
        for (variable, _) in ENVIRONMENT {
            let Some(value) = env(variable).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            if let Some(setting) = SecretSetting::FIXED
                .iter()
                .find(|s| s.env_variable() == Some(variable))
            {
                config.set_secret(setting, &value);
                config.secret_origins.record(setting, SecretOrigin::Env);
                continue;
            }
            match variable {
                "NIFTY_GHL_DATABASE_URL" => config.database_url = value,
                "NIFTY_GHL_MASTER_KEY_FILE" => config.master_key_file = PathBuf::from(value),
                "NIFTY_GHL_GHL_BASE_URL" => config.ghl.base_url = value,
                "NIFTY_GHL_MARKETPLACE_URL" => config.ghl.marketplace_url = value,
                "NIFTY_GHL_CLIENT_ID" => config.ghl.client_id = Some(value),
                "NIFTY_GHL_REDIRECT_URI" => config.ghl.redirect_uri = value,
                "NIFTY_GHL_LISTEN" => config.server.listen = value,
                "NIFTY_GHL_DEFAULT_LOCATION_ID" => {
                    config.pipeline.default_location_id = Some(value)
                }
                "NIFTY_GHL_RECIPES_DIR" => config.recipes.dir = PathBuf::from(value),
                _ => {}
            }
        }
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |name: &str, reason: String| ConfigError::Invalid {
            name: name.to_owned(),
            reason,
        };
        for (name, value) in [
            ("ghl.base_url", &self.ghl.base_url),
            ("ghl.marketplace_url", &self.ghl.marketplace_url),
            ("ghl.redirect_uri", &self.ghl.redirect_uri),
        ] {
            let url = url::Url::parse(value)
                .map_err(|e| invalid(name, format!("{value:?} is not a URL ({e})")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(invalid(
                    name,
                    format!("{value:?} must be an http or https URL"),
                ));
            }
        }
        let redirect = url::Url::parse(&self.ghl.redirect_uri).expect("checked above");
        if !redirect.path().ends_with(CALLBACK_PATH) {
            return Err(invalid(
                "ghl.redirect_uri",
                format!(
                    "{:?} must end with {CALLBACK_PATH}, the route that takes GHL's callback (for example http://127.0.0.1:8788{CALLBACK_PATH}); set the same URL in the marketplace app",
                    self.ghl.redirect_uri
                ),
            ));
        }
        if self.ghl.scopes.is_empty() {
            return Err(invalid("ghl.scopes", "ask for at least one scope".into()));
        }
        self.server
            .listen
            .parse::<std::net::SocketAddr>()
            .map_err(|_| {
                invalid(
                    "server.listen",
                    format!(
                        "{:?} is not an address like 127.0.0.1:8788",
                        self.server.listen
                    ),
                )
            })?;
        let refresh = &self.refresh;
        if refresh.early_secs == 0 || refresh.lease_secs == 0 || refresh.check_every_secs == 0 {
            return Err(invalid(
                "refresh",
                "early_secs, lease_secs and check_every_secs must be above 0".into(),
            ));
        }
        if refresh.lease_secs < MIN_LEASE_SECS {
            return Err(invalid(
                "refresh.lease_secs",
                format!(
                    "{} is too short: set at least {MIN_LEASE_SECS}. A refresh holds the lease through a call to GHL that may take up to {} s; a shorter lease could run out mid-call, and another process would then send the same single-use refresh token and lose the connection",
                    refresh.lease_secs, HTTP_TIMEOUT_SECS
                ),
            ));
        }
        if refresh.keepalive_secs < refresh.early_secs {
            return Err(invalid(
                "refresh.keepalive_secs",
                "must be at least refresh.early_secs".into(),
            ));
        }
        self.ghl_webhooks
            .verifier()
            .map_err(|reason| invalid("ghl_webhooks", reason))?;
        if self.ghl_webhooks.max_age_secs == 0 {
            return Err(invalid(
                "ghl_webhooks.max_age_secs",
                "must be above 0 (GHL suggests 300)".into(),
            ));
        }
        self.niftyimages
            .validate()
            .map_err(|(name, reason)| invalid(&name, reason))?;
        Ok(())
    }

    /// The file `nifty-ghl init` writes: the settings a user is likely to change, commented.
    pub fn starter_file(&self) -> String {
        let client_id = match &self.ghl.client_id {
            Some(id) => format!("client_id = {}", toml_string(id)),
            None => "# client_id = \"<your marketplace app's client id>\"".into(),
        };
        format!(
            "# nifty-ghl configuration. Every setting can also come from a NIFTY_GHL_* variable.\n\
             database_url = {}\n\
             master_key_file = {}\n\n\
             [ghl]\n\
             base_url = {}\n\
             marketplace_url = {}\n\
             {client_id}\n\
             redirect_uri = {}\n\
             scopes = [{}]\n\n\
             [server]\n\
             listen = {}\n\n\
             [refresh]\n\
             early_secs = {}\n\
             keepalive_secs = {}\n\n\
             # The event pipeline (defaults shown).\n\
             # [pipeline]\n\
             # default_location_id = \"<the GHL location events go to when they name none>\"\n\
             # workers = {}\n\
             # retry_schedule_secs = [0, 5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200]\n\n\
             # Secrets (NiftyImages keys, hook and alert secrets, alert URLs) are best kept\n\
             # sealed in the vault, not here: `nifty-ghl secrets set NAME` reads the value from\n\
             # standard input or a hidden prompt, `nifty-ghl secrets list` shows the names.\n\
             # A value set here or in a NIFTY_GHL_* variable wins over the vault's.\n\n\
             # The signing secrets of POST /hooks/niftyimages:\n\
             # `nifty-ghl secrets set hooks.secrets` (or NIFTY_GHL_HOOK_SECRETS).\n\
             # [hooks]\n\
             # secrets = [\"whsec_...\"]\n\n\
             # Your recipes: *.toml files that replace or add to the built-in ones.\n\
             # [recipes]\n\
             # dir = {}\n\n\
             # Where persistent failures are announced. The Slack URL is a credential:\n\
             # `nifty-ghl secrets set notifications.slack_webhook_url` (likewise webhook_url\n\
             # when it carries a token, and notifications.webhook_secret).\n\
             # [notifications]\n\
             # slack_webhook_url = \"https://hooks.slack.com/services/...\"\n\
             # webhook_url = \"https://example.com/nifty-ghl-alerts\"\n\n\
             # NiftyImages: the account nifty-ghl writes to, the images whose opens it tracks\n\
             # (GET /i/<image>?email=...) and the data sources it answers (GET /nifty/data/<source>).\n\
             # Keys: `nifty-ghl secrets set niftyimages.account_key`, and\n\
             # niftyimages.stores.<name>.key / niftyimages.timers.<name>.key for each store and\n\
             # timer below (a section without `key` takes it from the vault).\n\
             # [niftyimages]\n\
             # account_key = \"<Settings → My API Keys>\"  # or NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY\n\
             # poll_every_secs = 300  # image open counters; 0 turns the poller off\n\
             # [niftyimages.images.spring]\n\
             # url = \"https://img.niftyimages.com/<your image>\"\n\
             # campaign_id = \"spring-2026\"  # default: the image's name\n\
             # [niftyimages.data_sources.greeting]\n\
             # fields = [\"firstName\", \"city\", \"tags\", \"<a custom field id>\"]\n\
             # [niftyimages.stores.contacts]\n\
             # unique = \"email\"  # key: `nifty-ghl secrets set niftyimages.stores.contacts.key`\n\
             # [niftyimages.timers.offer]\n\
             # url = \"https://img.niftyimages.com/<your timer>\"  # key: `nifty-ghl secrets set niftyimages.timers.offer.key`\n",
            toml_string(&self.database_url),
            toml_string(&self.master_key_file.display().to_string()),
            toml_string(&self.ghl.base_url),
            toml_string(&self.ghl.marketplace_url),
            toml_string(&self.ghl.redirect_uri),
            self.ghl
                .scopes
                .iter()
                .map(|s| toml_string(s))
                .collect::<Vec<_>>()
                .join(", "),
            toml_string(&self.server.listen),
            self.refresh.early_secs,
            self.refresh.keepalive_secs,
            self.pipeline.workers,
            toml_string(&self.recipes.dir.display().to_string()),
        )
    }
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nifty-ghl.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://x.db\"\n[ghl]\nclient_id = \"abc-123\"\n",
        )
        .unwrap();
        let env = |name: &str| (name == "NIFTY_GHL_LISTEN").then(|| "127.0.0.1:9999".to_owned());
        let config = Config::load_with(&path, env).unwrap();
        assert_eq!(config.database_url, "sqlite://x.db");
        assert_eq!(config.ghl.client_id.as_deref(), Some("abc-123"));
        assert_eq!(config.server.listen, "127.0.0.1:9999");
        assert_eq!(config.refresh.early_secs, 900);
    }

    #[test]
    fn bad_files_and_values_say_what_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nifty-ghl.toml");
        std::fs::write(&path, "databse_url = \"x\"\n").unwrap();
        let error = Config::load_with(&path, |_| None).unwrap_err().to_string();
        assert!(error.contains("databse_url"), "{error}");
        std::fs::write(&path, "[server]\nlisten = \"everywhere\"\n").unwrap();
        let error = Config::load_with(&path, |_| None).unwrap_err().to_string();
        assert!(error.contains("server.listen"), "{error}");
    }

    #[test]
    fn debug_shows_no_password_or_secret() {
        let mut config = Config {
            database_url: "postgres://nifty:DbPassw0rd@db/ghl".into(),
            ..Config::default()
        };
        config.hooks.secrets = vec!["whsec_HookSecret".into()];
        config.notifications.webhook_secret = Some("whsec_AlertSecret".into());
        config.notifications.slack_webhook_url =
            Some("https://hooks.slack.com/services/T0/B0/SlackSecret".into());
        config.notifications.webhook_url =
            Some("https://hooks.example.com/catch/1/UrlTokenSecret".into());
        let shown = format!("{config:?} {config:#?}");
        for secret in [
            "DbPassw0rd",
            "HookSecret",
            "AlertSecret",
            "SlackSecret",
            "UrlTokenSecret",
        ] {
            assert!(!shown.contains(secret), "{secret} shows: {shown}");
        }
        assert!(shown.contains("nifty:***@db"), "{shown}");
    }

    #[test]
    fn the_http_timeout_named_here_is_the_clients() {
        assert_eq!(
            ghl::ClientConfig::default().request_timeout,
            Duration::from_secs(HTTP_TIMEOUT_SECS)
        );
    }

    #[test]
    fn a_redirect_uri_must_lead_to_the_callback_route() {
        let mut config = Config::default();
        config.ghl.redirect_uri = "https://example.com/oauth/callback".into();
        config.validate().unwrap();
        config.ghl.redirect_uri = "https://example.com/hooks/oauth/callback".into();
        config.validate().unwrap();
        for wrong in [
            "https://example.com/",
            "https://example.com/oauth",
            "https://example.com/oauth/callback/",
            "https://example.com/oauth/callbacks",
        ] {
            config.ghl.redirect_uri = wrong.into();
            let error = config.validate().unwrap_err().to_string();
            assert!(
                error.contains("ghl.redirect_uri")
                    && error.contains("must end with /oauth/callback"),
                "{wrong}: {error}"
            );
        }
    }

    #[test]
    fn a_refresh_lease_shorter_than_two_http_timeouts_is_refused() {
        let mut config = Config::default();
        config.refresh.lease_secs = 60;
        config.validate().unwrap();
        config.refresh.lease_secs = 59;
        let error = config.validate().unwrap_err().to_string();
        assert!(
            error.contains("refresh.lease_secs")
                && error.contains("at least 60")
                && error.contains("30 s"),
            "{error}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nifty-ghl.toml");
        std::fs::write(&path, "[refresh]\nlease_secs = 10\n").unwrap();
        let error = Config::load_with(&path, |_| None).unwrap_err().to_string();
        assert!(error.contains("refresh.lease_secs"), "{error}");
    }

    #[test]
    fn the_starter_file_reads_back_as_the_same_config() {
        let config = Config::default();
        let parsed: Config = toml::from_str(&config.starter_file()).unwrap();
        assert_eq!(parsed, config);
        assert!(
            config
                .starter_file()
                .contains("nifty-ghl secrets set niftyimages.stores.contacts.key"),
            "the starter file points to the vault"
        );
    }

    #[test]
    fn secret_origins_say_file_or_environment_and_a_keyless_store_waits_for_the_vault() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nifty-ghl.toml");
        std::fs::write(
            &path,
            "[niftyimages]\naccount_key = \"file-account-key\"\n\
             [niftyimages.stores.contacts]\nunique = \"email\"\n\
             [notifications]\nwebhook_secret = \"\"\n",
        )
        .unwrap();
        let env = |name: &str| {
            (name == "NIFTY_GHL_HOOK_SECRETS").then(|| "whsec_ZW52LWhvb2stc2VjcmV0LTE2".to_owned())
        };
        let config = Config::load_with(&path, env).unwrap();
        let origin = |name: &str| config.secret_origin(&SecretSetting::parse(name).unwrap());
        assert_eq!(origin("niftyimages.account_key"), Some(SecretOrigin::File));
        assert_eq!(origin("hooks.secrets"), Some(SecretOrigin::Env));
        assert_eq!(
            origin("notifications.webhook_secret"),
            None,
            "an empty value counts as none"
        );
        assert_eq!(origin("niftyimages.stores.contacts.key"), None);
        assert_eq!(config.niftyimages.stores["contacts"].unique, "email");
        let missing = config.missing_secrets();
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0].contains("nifty-ghl secrets set niftyimages.stores.contacts.key"),
            "{missing:?}"
        );
    }
}
