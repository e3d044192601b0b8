//! NiftyImages API keys. They never print: `Debug` shows `ApiKey(***)`.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Which of NiftyImages' three kinds of key this is.
///
/// The kind decides which endpoints the key opens: the account key (web app → Settings → My
/// API Keys) for images, widgets, plugins, maps and chatbots; a Data Store key (Data Sources →
/// the store → Use Our API) for `/Store*`; a timer key (timer image → Target Date Automation →
/// Show API Key) for `/Timer/Update`. The client sends every kind the same way; the kind is
/// kept so callers and logs can say which key was used without showing it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Account,
    Store,
    Timer,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Account => "account",
            Self::Store => "store",
            Self::Timer => "timer",
        })
    }
}

/// A NiftyImages API key and its kind.
#[derive(Clone)]
pub struct ApiKey {
    secret: SecretString,
    kind: KeyKind,
}

impl ApiKey {
    pub fn new(kind: KeyKind, key: impl Into<String>) -> Self {
        Self {
            secret: SecretString::from(key.into()),
            kind,
        }
    }

    pub fn account(key: impl Into<String>) -> Self {
        Self::new(KeyKind::Account, key)
    }

    pub fn store(key: impl Into<String>) -> Self {
        Self::new(KeyKind::Store, key)
    }

    pub fn timer(key: impl Into<String>) -> Self {
        Self::new(KeyKind::Timer, key)
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The key itself, for the `ApiKey` header (and an encrypted vault) only.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let key = ApiKey::store("sk-very-secret-123");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(key.kind(), KeyKind::Store);
        assert_eq!(key.expose(), "sk-very-secret-123");
    }
}
