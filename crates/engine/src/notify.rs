//! Alerts about persistent failures (a dead letter, a connection that needs re-auth, a location
//! stuck on its daily limit), sent to a Slack-compatible incoming webhook and to a signed JSON
//! webhook. The same alert goes out at most once per `repeat_after_secs`; the repeats held back
//! are counted in the next one.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;
use store::Store;

use crate::config::NotificationSettings;
use crate::signing;

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Repeats of the same key are held back: `dead_letter:<location>:<kind>`…
    pub key: String,
    /// `dead_letter`, `needs_reauth` or `daily_limit`.
    pub kind: &'static str,
    pub location_id: Option<String>,
    /// What failed.
    pub summary: String,
    /// What to do about it.
    pub action: String,
}

#[derive(Debug, Clone)]
pub struct Notifier {
    store: Arc<dyn Store>,
    settings: NotificationSettings,
    http: reqwest::Client,
}

impl Notifier {
    pub fn new(store: Arc<dyn Store>, settings: NotificationSettings) -> Self {
        ghl::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("nifty-ghl/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with a timeout builds");
        Self {
            store,
            settings,
            http,
        }
    }

    fn enabled(&self) -> bool {
        self.settings.slack_webhook_url.is_some() || self.settings.webhook_url.is_some()
    }

    /// Sends `alert` in the background unless the same one went out recently. Delivery
    /// problems are logged; they never hold up the pipeline.
    pub fn raise(&self, alert: Alert) {
        tracing::warn!(kind = alert.kind, location = ?alert.location_id, summary = %alert.summary, "alert");
        if !self.enabled() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let now = store::now_millis();
            let interval = this.settings.repeat_after_secs as i64 * 1000;
            match this.store.alert_gate(&alert.key, now, interval).await {
                Ok(Some(held_back)) => this.deliver(&alert, held_back).await,
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "cannot check the alert gate; sending anyway"),
            }
        });
    }

    async fn deliver(&self, alert: &Alert, held_back: i64) {
        let repeats = if held_back > 0 {
            format!(" ({held_back} more like it since the last alert)")
        } else {
            String::new()
        };
        if let Some(url) = &self.settings.slack_webhook_url {
            let text = format!(
                "*nifty-ghl: {}*{repeats}\n{}\n_What to do:_ {}",
                alert.kind.replace('_', " "),
                alert.summary,
                alert.action
            );
            if let Err(error) = self
                .http
                .post(url)
                .json(&json!({"text": text}))
                .send()
                .await
                .and_then(|r| r.error_for_status())
            {
                tracing::warn!(error = %delivery_error(error), "the Slack alert was not delivered");
            }
        }
        if let (Some(url), Some(secret)) =
            (&self.settings.webhook_url, &self.settings.webhook_secret)
        {
            let body = json!({
                "type": format!("alert.{}", alert.kind),
                "alert": alert,
                "repeats_held_back": held_back,
                "sent_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })
            .to_string();
            let id = format!("alert_{}", crate::connections::random_hex(12));
            let timestamp = chrono::Utc::now().timestamp();
            let Ok(key) = signing::secret_key(&SecretString::from(secret.clone())) else {
                tracing::warn!(
                    "notifications.webhook_secret is not a whsec_ secret; the alert was not sent"
                );
                return;
            };
            let signature = signing::sign(&key, &id, timestamp, body.as_bytes());
            let sent = self
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send()
                .await
                .and_then(|r| r.error_for_status());
            if let Err(error) = sent {
                tracing::warn!(error = %delivery_error(error), "the alert webhook was not delivered");
            }
        }
    }
}

/// A failed delivery as the log shows it: without the URL, whose path or query may be the
/// credential (a Slack incoming webhook's is).
fn delivery_error(error: reqwest::Error) -> String {
    error.without_url().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_delivery_is_logged_without_its_url() {
        ghl::install_crypto_provider();
        // Nothing listens on port 1: the request fails, and reqwest's own message names the URL.
        let url = "http://127.0.0.1:1/services/T000/B000/SlackUrlSecret";
        let error = reqwest::Client::new()
            .post(url)
            .send()
            .await
            .expect_err("nothing listens there");
        assert!(
            error.to_string().contains("SlackUrlSecret"),
            "reqwest shows it"
        );
        let logged = delivery_error(error);
        assert!(!logged.contains("SlackUrlSecret"), "{logged}");
    }
}
