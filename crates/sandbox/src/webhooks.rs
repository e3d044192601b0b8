//! GHL's outgoing webhooks: signed with Ed25519 over the raw body in `x-ghl-signature`, sent to
//! every registered URL, and retried only when the receiver answers 429, as GHL does.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parking_lot::Mutex;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::clock::iso_millis;
use crate::ids::IdGenerator;
use crate::settings::WebhookSettings;
use crate::world::Event;

/// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Keeps at most this many deliveries for inspection.
const MAX_DELIVERIES: usize = 10_000;

/// The sandbox's own RSA key for the legacy `x-wh-signature` (PKCS #1 DER, base64). A throwaway
/// made for the sandbox, never GHL's: tests configure its public half.
const LEGACY_RSA_KEY: &str = include_str!("legacy_rsa_key.der.b64");

/// The public half of [`LEGACY_RSA_KEY`] (base64 DER SubjectPublicKeyInfo).
pub const LEGACY_RSA_PUBLIC_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsJFQfaOjzZUQEQjQGZscSNBuP9Ee2D8jEKUmiU7zt+RPILWLqbMJPj9S88YzFxGqPVJFPOWQYXM195L5FRynsX2ltdY96GB7/w3e8hgHzUL9XpnqhbtzXqMO6N4nyFR04RfqBf6U89sJtz96e5iLELhjHdTm8d04MNzfIw5eiIsV2Ndw4e+oUymzEuIrrbA1skFPWvtpUiGL5qk9kEVkbEZ64n4PI2JD989wYnOqxtLCXoRIr4HpeQpkH0477HrAIZdE+X7+j9MlsmEpI13y2OsZlOgH8wJ31RZMrBnhWBa2Yyo8cQCuu6K8jDsHdUDAE55EeUMGjG1q59MsPKPUTQIDAQAB";

/// The sandbox's webhook signing keys.
pub struct Signer {
    key_pair: Ed25519KeyPair,
    legacy: ring::signature::RsaKeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &self.public_key_base64())
            .finish()
    }
}

impl Signer {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let key_pair =
            Ed25519KeyPair::from_seed_unchecked(&seed).expect("any 32 bytes make an Ed25519 seed");
        let der = STANDARD
            .decode(LEGACY_RSA_KEY.trim())
            .expect("the sandbox's RSA key is base64");
        let legacy =
            ring::signature::RsaKeyPair::from_der(&der).expect("the sandbox's RSA key parses");
        Self { key_pair, legacy }
    }

    /// Base64 of the DER SubjectPublicKeyInfo: the body of the PEM GHL publishes, in the same
    /// form (`MCowBQYDK2VwAyEA…`).
    pub fn public_key_base64(&self) -> String {
        let mut der = ED25519_SPKI_PREFIX.to_vec();
        der.extend_from_slice(self.key_pair.public_key().as_ref());
        STANDARD.encode(der)
    }

    /// Base64 of the 64-byte signature over `body`, for `x-ghl-signature`.
    pub fn sign(&self, body: &[u8]) -> String {
        STANDARD.encode(self.key_pair.sign(body).as_ref())
    }

    /// Base64 of the RSA-SHA256 (PKCS #1 v1.5) signature over `body`, for `x-wh-signature`.
    pub fn sign_legacy(&self, body: &[u8]) -> String {
        let mut signature = vec![0; self.legacy.public().modulus_len()];
        self.legacy
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                body,
                &mut signature,
            )
            .expect("signing with the sandbox's RSA key");
        STANDARD.encode(signature)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    #[serde(default)]
    pub id: String,
    pub url: String,
    /// Only events of this location, when set.
    #[serde(default)]
    pub location_id: Option<String>,
    /// Only these event types (`ContactCreate`…), when set.
    #[serde(default)]
    pub events: Option<Vec<String>>,
}

impl Subscription {
    fn wants(&self, event: &Event) -> bool {
        self.location_id
            .as_deref()
            .is_none_or(|l| l == event.location_id)
            && self
                .events
                .as_ref()
                .is_none_or(|kinds| kinds.iter().any(|k| k == event.kind))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub webhook_id: String,
    pub subscription_id: String,
    pub url: String,
    pub event_type: String,
    pub location_id: String,
    /// `pending`, `retrying`, `delivered` or `failed`.
    pub state: &'static str,
    pub attempts: Vec<Attempt>,
    pub body: Value,
}

/// Registered receivers and what was sent to them.
#[derive(Debug)]
pub struct Webhooks {
    signer: Signer,
    http: reqwest::Client,
    subscriptions: Mutex<Vec<Subscription>>,
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
    stop: CancellationToken,
}

/// What the envelope of every event carries besides the event's own fields.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub app_id: String,
    pub version_id: String,
}

impl Webhooks {
    pub fn new(signer: Signer, stop: CancellationToken) -> Self {
        let http = reqwest::Client::builder()
            .user_agent("GHL-Webhooks-Sandbox")
            .build()
            .expect("the webhook HTTP client builds with default settings");
        Self {
            signer,
            http,
            subscriptions: Mutex::new(Vec::new()),
            deliveries: Arc::new(Mutex::new(VecDeque::new())),
            stop,
        }
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    pub fn subscribe(&self, mut subscription: Subscription, ids: &IdGenerator) -> Subscription {
        if subscription.id.is_empty() {
            subscription.id = ids.record_id();
        }
        self.subscriptions.lock().push(subscription.clone());
        subscription
    }

    pub fn unsubscribe(&self, id: &str) -> bool {
        let mut subscriptions = self.subscriptions.lock();
        let before = subscriptions.len();
        subscriptions.retain(|s| s.id != id);
        subscriptions.len() != before
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.subscriptions.lock().clone()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().iter().cloned().collect()
    }

    pub fn clear_deliveries(&self) {
        self.deliveries.lock().clear();
    }

    /// Sends `events` to every subscription that wants them, each in its own task.
    pub fn dispatch(
        &self,
        events: Vec<Event>,
        envelope: &Envelope,
        ids: &IdGenerator,
        settings: &WebhookSettings,
    ) {
        if events.is_empty() {
            return;
        }
        let subscriptions = self.subscriptions.lock().clone();
        for event in events {
            for subscription in subscriptions.iter().filter(|s| s.wants(&event)) {
                let mut body = event.body.clone();
                if let Some(fields) = body.as_object_mut() {
                    fields.insert("type".into(), Value::String(event.kind.to_owned()));
                    fields.insert(
                        "locationId".into(),
                        Value::String(event.location_id.clone()),
                    );
                    fields.insert("timestamp".into(), Value::String(iso_millis(event.at)));
                    fields.insert("webhookId".into(), Value::String(ids.uuid()));
                    fields.insert("appId".into(), Value::String(envelope.app_id.clone()));
                    fields.insert(
                        "versionId".into(),
                        Value::String(envelope.version_id.clone()),
                    );
                }
                let raw = serde_json::to_vec(&body).expect("a JSON value serialises");
                // GHL sent one header or the other: Ed25519 now, RSA before 2026-07-01.
                let signature = if settings.legacy_signature {
                    ("x-wh-signature", self.signer.sign_legacy(&raw))
                } else {
                    ("x-ghl-signature", self.signer.sign(&raw))
                };
                let webhook_id = body["webhookId"].as_str().unwrap_or_default().to_owned();
                {
                    let mut deliveries = self.deliveries.lock();
                    if deliveries.len() >= MAX_DELIVERIES {
                        deliveries.pop_front();
                    }
                    deliveries.push_back(Delivery {
                        webhook_id: webhook_id.clone(),
                        subscription_id: subscription.id.clone(),
                        url: subscription.url.clone(),
                        event_type: event.kind.to_owned(),
                        location_id: event.location_id.clone(),
                        state: "pending",
                        attempts: Vec::new(),
                        body,
                    });
                }
                let job = DeliveryJob {
                    http: self.http.clone(),
                    deliveries: Arc::clone(&self.deliveries),
                    url: subscription.url.clone(),
                    webhook_id,
                    raw,
                    signature,
                    settings: settings.clone(),
                };
                let stop = self.stop.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = job.run() => {}
                        () = stop.cancelled() => {}
                    }
                });
            }
        }
    }
}

struct DeliveryJob {
    http: reqwest::Client,
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
    url: String,
    webhook_id: String,
    raw: Vec<u8>,
    /// The signature header and its value.
    signature: (&'static str, String),
    settings: WebhookSettings,
}

impl DeliveryJob {
    async fn run(self) {
        let mut attempt = 0u32;
        loop {
            let mut request = self
                .http
                .post(&self.url)
                .header("content-type", "application/json");
            request = request.header(self.signature.0, &self.signature.1);
            let result = request
                .timeout(Duration::from_millis(self.settings.timeout_ms))
                .body(self.raw.clone())
                .send()
                .await;
            let (status, error) = match &result {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let retry = status == Some(429) && attempt < self.settings.max_retries;
            let state = match status {
                Some(200..=299) => "delivered",
                _ if retry => "retrying",
                _ => "failed",
            };
            self.note(status, error, state);
            if !retry {
                return;
            }
            attempt += 1;
            // About the configured delay apart, with up to ±20 % jitter, as GHL spaces them.
            let base = self.settings.retry_delay_ms as f64;
            let jitter = base * 0.2 * (rand::random::<f64>() * 2.0 - 1.0);
            tokio::time::sleep(Duration::from_millis((base + jitter).max(0.0) as u64)).await;
        }
    }

    fn note(&self, status: Option<u16>, error: Option<String>, state: &'static str) {
        let mut deliveries = self.deliveries.lock();
        if let Some(delivery) = deliveries
            .iter_mut()
            .rev()
            .find(|d| d.webhook_id == self.webhook_id)
        {
            delivery.attempts.push(Attempt {
                at: iso_millis(chrono::Utc::now()),
                status,
                error,
            });
            delivery.state = state;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ED25519, UnparsedPublicKey};

    #[test]
    fn signatures_verify_with_the_printed_public_key() {
        let signer = Signer::from_seed([9; 32]);
        let body = br#"{"type":"ContactCreate"}"#;
        let signature = STANDARD.decode(signer.sign(body)).unwrap();
        assert_eq!(signature.len(), 64);
        let spki = STANDARD.decode(signer.public_key_base64()).unwrap();
        assert!(signer.public_key_base64().starts_with("MCowBQYDK2VwAyEA"));
        let key = UnparsedPublicKey::new(&ED25519, &spki[12..]);
        assert!(key.verify(body, &signature).is_ok());
        assert!(key.verify(b"{}", &signature).is_err());
    }
}
