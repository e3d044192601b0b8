//! The HTTP core every NiftyImages call goes through: base URL, the `ApiKey` header,
//! timeouts, JSON bodies and error mapping.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::de::format_date;
use crate::error::{NiftyError, classify, scrub};
use crate::key::{ApiKey, KeyKind};

/// NiftyImages' API root; every documented path is relative to it.
pub const PRODUCTION_BASE_URL: &str = "https://api.niftyimages.com/v1";

/// How to reach NiftyImages.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API root including `/v1`: production, or a sandbox's `…/v1`.
    pub base_url: Url,
    pub connect_timeout: Duration,
    /// The whole request, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: Url::parse(PRODUCTION_BASE_URL).expect("constant URL"),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            user_agent: format!(
                "nifty-ghl/{} (+https://github.com/nifty-ghl/nifty-ghl)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

impl ClientConfig {
    pub fn with_base_url(base_url: &str) -> Result<Self, NiftyError> {
        let parsed = Url::parse(base_url).map_err(|e| {
            NiftyError::InvalidInput(format!(
                "NiftyImages base URL {base_url:?} is not a URL ({e}); expected something like {PRODUCTION_BASE_URL}"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(NiftyError::InvalidInput(format!(
                "NiftyImages base URL {parsed} must be an http or https URL"
            )));
        }
        Ok(Self {
            base_url: parsed,
            ..Self::default()
        })
    }
}

/// A date window for the statistics endpoints. Either end may be left out; NiftyImages then
/// uses the last 30 days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl DateRange {
    pub fn between(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            start: Some(start),
            end: Some(end),
        }
    }

    /// No window: the server's default (the last 30 days).
    pub fn server_default() -> Self {
        Self::default()
    }
}

/// A NiftyImages API client holding one key. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct NiftyClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    key: ApiKey,
}

impl fmt::Debug for NiftyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NiftyClient")
            .field("base_url", &self.config.base_url.as_str())
            .field("key_kind", &self.key.kind())
            .field("key", &self.key)
            .finish()
    }
}

impl NiftyClient {
    pub fn new(config: ClientConfig, key: ApiKey) -> Result<Self, NiftyError> {
        crate::tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| NiftyError::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            config: Arc::new(config),
            key,
        })
    }

    /// A client for `base_url` (the API root with `/v1`) with default timeouts.
    pub fn connect(base_url: &str, key: ApiKey) -> Result<Self, NiftyError> {
        Self::new(ClientConfig::with_base_url(base_url)?, key)
    }

    /// The same client with another key (a store or timer key), sharing connections.
    pub fn with_key(&self, key: ApiKey) -> Self {
        Self {
            http: self.http.clone(),
            config: Arc::clone(&self.config),
            key,
        }
    }

    pub fn key_kind(&self) -> KeyKind {
        self.key.kind()
    }

    pub fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    /// A call to the path made of `segments` under the base URL, each percent-encoded.
    pub(crate) fn call(&self, method: Method, segments: &[&str]) -> Call<'_> {
        let mut url = self.config.base_url.clone();
        {
            let mut path = url
                .path_segments_mut()
                .expect("base URL was checked to be a base");
            path.pop_if_empty();
            path.extend(segments);
        }
        Call {
            client: self,
            method,
            url,
            body: None,
        }
    }
}

/// One request being put together.
pub(crate) struct Call<'a> {
    client: &'a NiftyClient,
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
}

impl Call<'_> {
    pub(crate) fn query(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.url.query_pairs_mut().append_pair(name, value.as_ref());
        self
    }

    pub(crate) fn query_opt(self, name: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value.to_string()),
            None => self,
        }
    }

    /// `startDate`/`endDate` for the parts of `range` that are set.
    pub(crate) fn range(self, range: DateRange) -> Self {
        self.query_opt("startDate", range.start.map(format_date))
            .query_opt("endDate", range.end.map(format_date))
    }

    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, NiftyError> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            NiftyError::InvalidInput(format!("cannot encode the request body: {e}"))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Sends the call and parses a 2xx body as `T` (an empty body reads as JSON `null`).
    pub(crate) async fn send<T: DeserializeOwned>(self) -> Result<T, NiftyError> {
        let (status, body) = self.send_raw().await?;
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &body
        };
        serde_json::from_slice(body).map_err(|e| NiftyError::Decode {
            status: status.as_u16(),
            message: scrub(&e.to_string(), self.client.key.expose()),
        })
    }

    #[tracing::instrument(name = "niftyimages.call", skip_all, fields(method = %self.method, path = %self.url.path(), key_kind = %self.client.key.kind()))]
    async fn send_raw(&self) -> Result<(StatusCode, Vec<u8>), NiftyError> {
        let secret = self.client.key.expose();
        let mut key = HeaderValue::from_str(secret).map_err(|_| {
            NiftyError::InvalidInput("the API key has characters a header cannot carry".into())
        })?;
        key.set_sensitive(true);
        let mut request = self
            .client
            .http
            .request(self.method.clone(), self.url.clone())
            .header(http::header::ACCEPT, "application/json")
            .header("ApiKey", key);
        if let Some(body) = &self.body {
            request = request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        let transport = |e: reqwest::Error| NiftyError::Transport {
            timeout: e.is_timeout(),
            message: scrub(&e.to_string(), secret),
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?.to_vec();
        tracing::debug!(
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "NiftyImages answered"
        );
        if status.is_success() {
            Ok((status, body))
        } else {
            Err(classify(status, &headers, &body, secret))
        }
    }
}
