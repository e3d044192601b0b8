//! The secrets the configuration reads, by the name the vault keeps them under (the setting's
//! own dotted name), and where each one comes from: the config file, a `NIFTY_GHL_*` variable,
//! or the vault (`nifty-ghl secrets set NAME`).
//!
//! The file and the environment win: the vault fills only a setting they leave empty, and a
//! vault value that loses is reported (by name, never by value) so that nobody wonders which
//! one is in force.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::Config;

/// A setting that holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretSetting {
    /// `niftyimages.account_key`
    NiftyAccountKey,
    /// `niftyimages.stores.<name>.key`
    StoreKey(String),
    /// `niftyimages.timers.<name>.key`
    TimerKey(String),
    /// `hooks.secrets`: one or more `whsec_…`, newest first.
    HookSecrets,
    /// `notifications.webhook_secret`
    AlertWebhookSecret,
    /// `notifications.slack_webhook_url`: the URL's path is its credential.
    SlackWebhookUrl,
    /// `notifications.webhook_url`: an alert URL may carry a token (a catch-hook path, a
    /// `?token=`), so it may be kept in the vault too.
    AlertWebhookUrl,
}

/// The names `nifty-ghl secrets set` accepts, and what each is.
pub const ACCEPTED_SECRET_NAMES: [(&str, &str); 7] = [
    ("niftyimages.account_key", "the NiftyImages account key"),
    (
        "niftyimages.stores.<name>.key",
        "the key of the Data Store [niftyimages.stores.<name>]",
    ),
    (
        "niftyimages.timers.<name>.key",
        "the key of the timer [niftyimages.timers.<name>]",
    ),
    (
        "hooks.secrets",
        "the whsec_ secret(s) that sign POST /hooks/niftyimages, newest first, one per line or comma-separated",
    ),
    (
        "notifications.webhook_secret",
        "the whsec_ secret that signs alerts to notifications.webhook_url",
    ),
    (
        "notifications.slack_webhook_url",
        "the Slack incoming-webhook URL alerts go to",
    ),
    (
        "notifications.webhook_url",
        "the URL signed JSON alerts go to, when it carries a token",
    ),
];

/// Where a secret setting's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretOrigin {
    File,
    Env,
    Vault,
}

impl SecretOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Env => "env",
            Self::Vault => "vault",
        }
    }
}

/// Where each secret setting that has a value got it, by setting name. Kept beside the
/// configuration (never serialised, never holding a value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretOrigins(BTreeMap<String, SecretOrigin>);

impl SecretOrigins {
    pub(super) fn record(&mut self, setting: &SecretSetting, origin: SecretOrigin) {
        self.0.insert(setting.to_string(), origin);
    }

    fn get(&self, setting: &SecretSetting) -> Option<SecretOrigin> {
        self.0.get(&setting.to_string()).copied()
    }
}

/// A name that is not one of [`ACCEPTED_SECRET_NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is not a secret nifty-ghl reads. Accepted names:\n{}",
    shown_name(.name),
    accepted_list()
)]
pub struct UnknownSecretName {
    pub name: String,
}

/// The name as a message may show it: quoted when it looks like a setting's name, else not at
/// all (a value pasted where the name goes, `secrets set whsec_…`, must not be echoed).
fn shown_name(name: &str) -> String {
    let setting_like = name.contains('.')
        && name.len() <= 80
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if setting_like {
        format!("{name:?}")
    } else {
        "the name given (not shown: it does not look like a setting name, and may be a secret)"
            .to_owned()
    }
}

/// The accepted names and patterns, one per line, for messages.
pub fn accepted_list() -> String {
    ACCEPTED_SECRET_NAMES
        .iter()
        .map(|(name, what)| format!("  {name}  ({what})"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A store or timer name as a TOML bare key: letters, digits, `_` and `-`.
fn valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl SecretSetting {
    /// The fixed settings, in the order listings show them (stores and timers follow).
    pub const FIXED: [SecretSetting; 5] = [
        SecretSetting::NiftyAccountKey,
        SecretSetting::HookSecrets,
        SecretSetting::AlertWebhookSecret,
        SecretSetting::SlackWebhookUrl,
        SecretSetting::AlertWebhookUrl,
    ];

    pub fn parse(name: &str) -> Result<Self, UnknownSecretName> {
        let fixed = match name {
            "niftyimages.account_key" => Some(Self::NiftyAccountKey),
            "hooks.secrets" => Some(Self::HookSecrets),
            "notifications.webhook_secret" => Some(Self::AlertWebhookSecret),
            "notifications.slack_webhook_url" => Some(Self::SlackWebhookUrl),
            "notifications.webhook_url" => Some(Self::AlertWebhookUrl),
            _ => None,
        };
        if let Some(setting) = fixed {
            return Ok(setting);
        }
        let target = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(".key"))
                .filter(|target| valid_target_name(target))
                .map(str::to_owned)
        };
        if let Some(store) = target("niftyimages.stores.") {
            return Ok(Self::StoreKey(store));
        }
        if let Some(timer) = target("niftyimages.timers.") {
            return Ok(Self::TimerKey(timer));
        }
        Err(UnknownSecretName {
            name: name.to_owned(),
        })
    }

    /// The `NIFTY_GHL_*` variable that sets it, if any.
    pub fn env_variable(&self) -> Option<&'static str> {
        match self {
            Self::NiftyAccountKey => Some("NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY"),
            Self::HookSecrets => Some("NIFTY_GHL_HOOK_SECRETS"),
            Self::AlertWebhookSecret => Some("NIFTY_GHL_ALERT_WEBHOOK_SECRET"),
            Self::SlackWebhookUrl => Some("NIFTY_GHL_SLACK_WEBHOOK_URL"),
            Self::AlertWebhookUrl => Some("NIFTY_GHL_ALERT_WEBHOOK_URL"),
            Self::StoreKey(_) | Self::TimerKey(_) => None,
        }
    }

    /// What reads it, for listings.
    pub fn used_for(&self) -> String {
        match self {
            Self::NiftyAccountKey => {
                "NiftyImages account calls: the image-opens poller, `nifty images`".into()
            }
            Self::StoreKey(name) => format!(
                "Data Store {name:?}: recipe actions niftyimages.stores.*, `nifty stores|records --store {name}`"
            ),
            Self::TimerKey(name) => format!(
                "timer {name:?}: recipe action niftyimages.timers.update, `nifty timers update --timer {name}`"
            ),
            Self::HookSecrets => {
                "verifies POST /hooks/niftyimages (serve); signs `events send`".into()
            }
            Self::AlertWebhookSecret => "signs the alerts sent to notifications.webhook_url".into(),
            Self::SlackWebhookUrl => "where Slack alerts go".into(),
            Self::AlertWebhookUrl => "where signed JSON alerts go".into(),
        }
    }

    /// Whether a value can serve this setting; the reason when not. Never quotes the value.
    pub fn check(&self, value: &str) -> Result<(), String> {
        match self {
            Self::NiftyAccountKey | Self::StoreKey(_) | Self::TimerKey(_) => {
                if value.chars().any(char::is_whitespace) {
                    return Err("a NiftyImages key holds no spaces or line breaks".into());
                }
                Ok(())
            }
            Self::HookSecrets => {
                let secrets = split_hook_secrets(value);
                if secrets.is_empty() {
                    return Err("give at least one whsec_ secret".into());
                }
                for (index, secret) in secrets.iter().enumerate() {
                    crate::signing::secret_key(&SecretString::from(secret.clone()))
                        .map_err(|e| format!("secret {}: {e}", index + 1))?;
                }
                Ok(())
            }
            Self::AlertWebhookSecret => {
                crate::signing::secret_key(&SecretString::from(value.to_owned()))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Self::SlackWebhookUrl | Self::AlertWebhookUrl => match url::Url::parse(value) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
                _ => Err("give an http or https URL".into()),
            },
        }
    }

    /// The value as it is stored: trimmed; several hook secrets one per line.
    pub fn normalise(&self, value: &str) -> String {
        match self {
            Self::HookSecrets => split_hook_secrets(value).join("\n"),
            _ => value.trim().to_owned(),
        }
    }
}

impl fmt::Display for SecretSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NiftyAccountKey => f.write_str("niftyimages.account_key"),
            Self::StoreKey(name) => write!(f, "niftyimages.stores.{name}.key"),
            Self::TimerKey(name) => write!(f, "niftyimages.timers.{name}.key"),
            Self::HookSecrets => f.write_str("hooks.secrets"),
            Self::AlertWebhookSecret => f.write_str("notifications.webhook_secret"),
            Self::SlackWebhookUrl => f.write_str("notifications.slack_webhook_url"),
            Self::AlertWebhookUrl => f.write_str("notifications.webhook_url"),
        }
    }
}

/// `whsec_…` values separated by newlines or commas, trimmed, empty ones dropped.
pub fn split_hook_secrets(value: &str) -> Vec<String> {
    value
        .split(['\n', ','])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One secret setting as `config check` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretSource {
    pub setting: String,
    /// `None`: missing.
    pub origin: Option<SecretOrigin>,
    /// The variable, for [`SecretOrigin::Env`].
    pub variable: Option<&'static str>,
    /// A store or timer cannot work without its key.
    pub required: bool,
}

/// What completing a configuration from the vault did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    /// The settings filled from the vault.
    pub filled: Vec<String>,
    /// Warnings to show: a vault value ignored, or one nothing reads. Names only.
    pub warnings: Vec<String>,
    /// Stored secrets that could not be opened (changed or moved in the database): the name
    /// and why, never a value. Their settings stay as the file and environment left them.
    pub unreadable: Vec<String>,
}

fn has(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

impl Config {
    /// Every secret setting this configuration has a place for: the fixed ones, then each
    /// configured store's and timer's key.
    pub fn secret_settings(&self) -> Vec<SecretSetting> {
        let mut all = SecretSetting::FIXED.to_vec();
        all.extend(
            self.niftyimages
                .stores
                .keys()
                .map(|name| SecretSetting::StoreKey(name.clone())),
        );
        all.extend(
            self.niftyimages
                .timers
                .keys()
                .map(|name| SecretSetting::TimerKey(name.clone())),
        );
        all
    }

    /// Whether the setting has a value (an empty one counts as none).
    pub fn secret_is_set(&self, setting: &SecretSetting) -> bool {
        match setting {
            SecretSetting::NiftyAccountKey => has(&self.niftyimages.account_key),
            SecretSetting::StoreKey(name) => self
                .niftyimages
                .stores
                .get(name)
                .is_some_and(|s| !s.key.trim().is_empty()),
            SecretSetting::TimerKey(name) => self
                .niftyimages
                .timers
                .get(name)
                .is_some_and(|t| !t.key.trim().is_empty()),
            SecretSetting::HookSecrets => self.hooks.secrets.iter().any(|s| !s.trim().is_empty()),
            SecretSetting::AlertWebhookSecret => has(&self.notifications.webhook_secret),
            SecretSetting::SlackWebhookUrl => has(&self.notifications.slack_webhook_url),
            SecretSetting::AlertWebhookUrl => has(&self.notifications.webhook_url),
        }
    }

    /// Whether the configuration has a place for the setting (a store or timer needs its
    /// section in the file).
    pub fn has_place_for(&self, setting: &SecretSetting) -> bool {
        match setting {
            SecretSetting::StoreKey(name) => self.niftyimages.stores.contains_key(name),
            SecretSetting::TimerKey(name) => self.niftyimages.timers.contains_key(name),
            _ => true,
        }
    }

    /// Where the setting's value comes from; `None` when it has none. A value set by code
    /// (not through [`Config::load`]) counts as the file's.
    pub fn secret_origin(&self, setting: &SecretSetting) -> Option<SecretOrigin> {
        if !self.secret_is_set(setting) {
            return None;
        }
        Some(
            self.secret_origins
                .get(setting)
                .unwrap_or(SecretOrigin::File),
        )
    }

    /// Each secret setting and where it comes from, for `config check`.
    pub fn secret_sources(&self) -> Vec<SecretSource> {
        self.secret_settings()
            .into_iter()
            .map(|setting| {
                let origin = self.secret_origin(&setting);
                SecretSource {
                    variable: (origin == Some(SecretOrigin::Env))
                        .then(|| setting.env_variable())
                        .flatten(),
                    required: matches!(
                        setting,
                        SecretSetting::StoreKey(_) | SecretSetting::TimerKey(_)
                    ),
                    setting: setting.to_string(),
                    origin,
                }
            })
            .collect()
    }

    /// The secrets a configured store or timer lacks, with what to do; empty when none.
    pub fn missing_secrets(&self) -> Vec<String> {
        self.secret_settings()
            .into_iter()
            .filter(|s| matches!(s, SecretSetting::StoreKey(_) | SecretSetting::TimerKey(_)))
            .filter(|s| !self.secret_is_set(s))
            .map(|s| {
                format!(
                    "{s} is not set: put it in the config file, or run `nifty-ghl secrets set {s}`"
                )
            })
            .collect()
    }

    /// Records where the secret settings set so far came from (the file, as loaded).
    pub(super) fn record_file_origins(&mut self) {
        for setting in self.secret_settings() {
            if self.secret_is_set(&setting) {
                self.secret_origins.record(&setting, SecretOrigin::File);
            }
        }
    }

    /// Sets a secret setting to `value` (normalised as [`SecretSetting::normalise`]).
    /// False when the configuration has no place for it.
    pub(super) fn set_secret(&mut self, setting: &SecretSetting, value: &str) -> bool {
        let value = setting.normalise(value);
        match setting {
            SecretSetting::NiftyAccountKey => self.niftyimages.account_key = Some(value),
            SecretSetting::StoreKey(name) => match self.niftyimages.stores.get_mut(name) {
                Some(store) => store.key = value,
                None => return false,
            },
            SecretSetting::TimerKey(name) => match self.niftyimages.timers.get_mut(name) {
                Some(timer) => timer.key = value,
                None => return false,
            },
            SecretSetting::HookSecrets => self.hooks.secrets = split_hook_secrets(&value),
            SecretSetting::AlertWebhookSecret => self.notifications.webhook_secret = Some(value),
            SecretSetting::SlackWebhookUrl => self.notifications.slack_webhook_url = Some(value),
            SecretSetting::AlertWebhookUrl => self.notifications.webhook_url = Some(value),
        }
        true
    }

    /// Fills each secret setting the file and the environment left empty with the vault's
    /// value of the same name. Where both have one, the file or the environment wins and a
    /// warning names the setting. Vault values nothing reads are reported too.
    pub fn complete_secrets(
        &mut self,
        from_vault: impl IntoIterator<Item = (String, SecretString)>,
    ) -> Completion {
        let mut completion = Completion::default();
        for (name, value) in from_vault {
            let setting = match SecretSetting::parse(&name) {
                Ok(setting) => setting,
                Err(_) => {
                    completion.warnings.push(format!(
                        "the vault holds a secret named {name:?}, which nifty-ghl does not read: `nifty-ghl secrets remove {name}` if it is not needed"
                    ));
                    continue;
                }
            };
            if !self.has_place_for(&setting) {
                let section = match &setting {
                    SecretSetting::StoreKey(store) => format!("[niftyimages.stores.{store}]"),
                    SecretSetting::TimerKey(timer) => format!("[niftyimages.timers.{timer}]"),
                    _ => unreachable!("only stores and timers need a section"),
                };
                completion.warnings.push(format!(
                    "the vault holds {setting}, but the config has no {section}: add the section for the key to be used"
                ));
                continue;
            }
            if let Some(origin) = self.secret_origin(&setting) {
                let by = match (origin, setting.env_variable()) {
                    (SecretOrigin::Env, Some(variable)) => format!("by {variable}"),
                    _ => "in the config file".to_owned(),
                };
                completion.warnings.push(format!(
                    "{setting} is set {by} and in the vault: the vault's copy is ignored (remove one of them: `nifty-ghl secrets remove {setting}`, or the {} setting)",
                    if origin == SecretOrigin::Env { "environment's" } else { "file's" }
                ));
                continue;
            }
            if self.set_secret(&setting, value.expose_secret()) {
                self.secret_origins.record(&setting, SecretOrigin::Vault);
                completion.filled.push(setting.to_string());
            }
        }
        completion
    }
}

/// Completes `config` from the vault: every named secret is opened and fills its setting
/// where the file and the environment left it empty ([`Config::complete_secrets`]). One that
/// does not open is reported in [`Completion::unreadable`]; the database failing is an error.
pub async fn complete_from_vault(
    config: &mut Config,
    vault: &store::Vault,
) -> Result<Completion, store::vault::VaultError> {
    let mut values = Vec::new();
    let mut unreadable = Vec::new();
    for info in vault.secret_names().await? {
        match vault.secret(&info.name).await {
            Ok(Some(value)) => values.push((info.name, value)),
            Ok(None) => {}
            Err(error @ store::vault::VaultError::Store(_)) => return Err(error),
            Err(error) => unreadable.push(format!(
                "the vault's {} cannot be opened ({error}): `nifty-ghl secrets set {}` stores it again",
                info.name, info.name
            )),
        }
    }
    let mut completion = config.complete_secrets(values);
    completion.unreadable = unreadable;
    Ok(completion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{StoreSettings, TimerSettings};

    fn secret(value: &str) -> SecretString {
        SecretString::from(value.to_owned())
    }

    #[test]
    fn names_parse_and_print_back() {
        for name in [
            "niftyimages.account_key",
            "niftyimages.stores.contacts.key",
            "niftyimages.timers.launch-2026.key",
            "hooks.secrets",
            "notifications.webhook_secret",
            "notifications.slack_webhook_url",
            "notifications.webhook_url",
        ] {
            assert_eq!(SecretSetting::parse(name).unwrap().to_string(), name);
        }
        for wrong in [
            "niftyimages.stores..key",
            "niftyimages.stores.a.b.key",
            "niftyimages.stores.contacts",
            "ghl.client_secret",
            "hooks.secret",
            "",
        ] {
            let error = SecretSetting::parse(wrong).unwrap_err().to_string();
            assert!(
                error.contains("niftyimages.stores.<name>.key") && error.contains("hooks.secrets"),
                "{error}"
            );
        }
        // A value pasted where the name goes is not echoed back.
        let pasted = "whsec_bmV3ZXN0LWhvb2stc2VjcmV0";
        let error = SecretSetting::parse(pasted).unwrap_err().to_string();
        assert!(!error.contains(pasted), "{error}");
        let typo = SecretSetting::parse("hooks.secret")
            .unwrap_err()
            .to_string();
        assert!(typo.starts_with("\"hooks.secret\" is not"), "{typo}");
    }

    #[test]
    fn values_are_checked_without_being_quoted() {
        let hooks = SecretSetting::HookSecrets;
        hooks
            .check("whsec_bmV3ZXN0LWhvb2stc2VjcmV0, whsec_b2xkZXItaG9vay1zZWNyZXQt\n")
            .unwrap();
        assert_eq!(
            hooks.normalise("whsec_bmV3ZXN0LWhvb2stc2VjcmV0, whsec_b2xkZXItaG9vay1zZWNyZXQt\n"),
            "whsec_bmV3ZXN0LWhvb2stc2VjcmV0\nwhsec_b2xkZXItaG9vay1zZWNyZXQt"
        );
        let error = hooks
            .check("whsec_bmV3ZXN0LWhvb2stc2VjcmV0\nnot-a-secret")
            .unwrap_err();
        assert!(error.starts_with("secret 2"), "{error}");
        assert!(!error.contains("not-a-secret"));
        SecretSetting::SlackWebhookUrl
            .check("https://hooks.slack.com/services/T0/B0/x")
            .unwrap();
        assert!(
            SecretSetting::SlackWebhookUrl
                .check("hooks.slack.com")
                .is_err()
        );
        assert!(SecretSetting::NiftyAccountKey.check("two words").is_err());
    }

    #[test]
    fn the_vault_fills_only_what_the_file_and_environment_leave_empty() {
        let mut config = Config::default();
        config.niftyimages.account_key = Some("FILE-ACCOUNT-KEY".into());
        config.niftyimages.stores.insert(
            "contacts".into(),
            StoreSettings {
                key: String::new(),
                unique: "email".into(),
            },
        );
        config.niftyimages.timers.insert(
            "launch".into(),
            TimerSettings {
                url: "https://img.example.com/t".into(),
                key: String::new(),
            },
        );
        config.hooks.secrets = vec!["whsec_ZW52LWhvb2stc2VjcmV0LTE2".into()];
        config.record_file_origins();
        config
            .secret_origins
            .record(&SecretSetting::HookSecrets, SecretOrigin::Env);

        let completion = config.complete_secrets([
            (
                "niftyimages.account_key".into(),
                secret("VAULT-ACCOUNT-KEY"),
            ),
            (
                "niftyimages.stores.contacts.key".into(),
                secret("VAULT-STORE-KEY"),
            ),
            (
                "niftyimages.stores.orders.key".into(),
                secret("VAULT-ORDERS"),
            ),
            (
                "hooks.secrets".into(),
                secret("whsec_dmF1bHQtaG9vay1zZWNyZXQt"),
            ),
            (
                "notifications.webhook_secret".into(),
                secret("whsec_YWxlcnQtaG9vay1zZWNyZXQt"),
            ),
            ("something.else".into(), secret("VAULT-OTHER")),
        ]);
        assert_eq!(
            config.niftyimages.account_key.as_deref(),
            Some("FILE-ACCOUNT-KEY"),
            "the file wins"
        );
        assert_eq!(config.niftyimages.stores["contacts"].key, "VAULT-STORE-KEY");
        assert_eq!(config.hooks.secrets, vec!["whsec_ZW52LWhvb2stc2VjcmV0LTE2"]);
        assert_eq!(
            config.notifications.webhook_secret.as_deref(),
            Some("whsec_YWxlcnQtaG9vay1zZWNyZXQt")
        );
        assert_eq!(
            completion.filled,
            vec![
                "niftyimages.stores.contacts.key",
                "notifications.webhook_secret"
            ]
        );
        let warnings = completion.warnings.join("\n");
        assert!(
            warnings.contains(
                "niftyimages.account_key is set in the config file and in the vault: the vault's copy is ignored"
            ),
            "{warnings}"
        );
        assert!(
            warnings.contains("hooks.secrets is set by NIFTY_GHL_HOOK_SECRETS and in the vault"),
            "{warnings}"
        );
        assert!(
            warnings.contains("no [niftyimages.stores.orders]"),
            "{warnings}"
        );
        assert!(warnings.contains("\"something.else\""), "{warnings}");
        assert!(!warnings.contains("VAULT-"), "no value in a warning");

        let sources = config.secret_sources();
        let origin = |name: &str| sources.iter().find(|s| s.setting == name).unwrap().origin;
        assert_eq!(origin("niftyimages.account_key"), Some(SecretOrigin::File));
        assert_eq!(origin("hooks.secrets"), Some(SecretOrigin::Env));
        assert_eq!(
            origin("niftyimages.stores.contacts.key"),
            Some(SecretOrigin::Vault)
        );
        assert_eq!(origin("niftyimages.timers.launch.key"), None);
        assert_eq!(origin("notifications.slack_webhook_url"), None);
        assert_eq!(
            config.missing_secrets(),
            vec![
                "niftyimages.timers.launch.key is not set: put it in the config file, or run `nifty-ghl secrets set niftyimages.timers.launch.key`"
            ]
        );
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("VAULT-") && !shown.contains("whsec_"),
            "{shown}"
        );
    }

    #[test]
    fn hook_secrets_from_the_vault_keep_their_order() {
        let mut config = Config::default();
        config.complete_secrets([(
            "hooks.secrets".into(),
            secret("whsec_bmV3ZXN0LWhvb2stc2VjcmV0\nwhsec_b2xkZXItaG9vay1zZWNyZXQt"),
        )]);
        assert_eq!(
            config.hooks.secrets,
            vec![
                "whsec_bmV3ZXN0LWhvb2stc2VjcmV0",
                "whsec_b2xkZXItaG9vay1zZWNyZXQt"
            ]
        );
        assert_eq!(
            config.secret_origin(&SecretSetting::HookSecrets),
            Some(SecretOrigin::Vault)
        );
    }
}
