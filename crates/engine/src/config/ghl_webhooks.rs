//! `[ghl_webhooks]`: the door GHL's webhooks come in by (`POST /hooks/ghl`), and the
//! reconciliation pass that repairs the webhooks GHL dropped.

use serde::{Deserialize, Serialize};

/// GHL signs with its published keys; these settings exist for GHL's key rotations and for
/// development, not for everyday use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GhlWebhookSettings {
    /// Ed25519 keys for `x-ghl-signature` (PEM or base64 DER), several during a rotation.
    /// Empty: GHL's published key.
    pub public_keys: Vec<String>,
    /// The RSA key of the legacy `x-wh-signature` (PEM or base64 DER). Unset: GHL's published
    /// key; `""`: legacy signatures are refused.
    pub rsa_public_key: Option<String>,
    /// Accept webhooks without a valid signature. For development only.
    pub allow_unsigned: bool,
    /// A webhook whose `timestamp` is further than this from now is refused (a replay).
    pub max_age_secs: u64,
    /// How often each location's contacts changed since the last pass are read back from GHL
    /// (GHL drops webhooks it got no 429 for). 0 turns reconciliation off.
    pub reconcile_every_secs: u64,
}

impl Default for GhlWebhookSettings {
    fn default() -> Self {
        Self {
            public_keys: Vec::new(),
            rsa_public_key: None,
            allow_unsigned: false,
            max_age_secs: 300,
            reconcile_every_secs: 900,
        }
    }
}

impl GhlWebhookSettings {
    /// The verifier these settings describe.
    pub fn verifier(&self) -> Result<ghl::webhook_signature::WebhookVerifier, String> {
        use ghl::webhook_signature::{GHL_ED25519_PUBLIC_KEY, GHL_RSA_PUBLIC_KEY, WebhookVerifier};
        let keys: Vec<&str> = if self.public_keys.is_empty() {
            vec![GHL_ED25519_PUBLIC_KEY]
        } else {
            self.public_keys.iter().map(String::as_str).collect()
        };
        let rsa = match self.rsa_public_key.as_deref() {
            None => Some(GHL_RSA_PUBLIC_KEY),
            Some(key) if key.trim().is_empty() => None,
            Some(key) => Some(key),
        };
        WebhookVerifier::new(&keys, rsa).map_err(|e| e.to_string())
    }
}
