//! The HTTP core every GHL call goes through: headers, auth, timeouts, error mapping.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::{AccessToken, StaticToken, TokenSource};
use crate::error::{GhlError, NetworkErrorKind, UnauthorizedReason, classify};
use crate::rate_limit::RateLimit;

/// The `Version` header every contacts call carries; the spec's only allowed value.
pub const API_VERSION: &str = "2021-07-28";
pub const PRODUCTION_BASE_URL: &str = "https://services.leadconnectorhq.com";
pub const STAGING_BASE_URL: &str = "https://staging.services.leadconnectorhq.com";

/// How to reach GHL.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Production, staging, or a sandbox's URL.
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
    pub fn with_base_url(base_url: &str) -> Result<Self, GhlError> {
        let base_url = Url::parse(base_url).map_err(|e| {
            GhlError::InvalidInput(format!(
                "GHL base URL {base_url:?} is not a URL ({e}); expected something like {PRODUCTION_BASE_URL}"
            ))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(GhlError::InvalidInput(format!(
                "GHL base URL {base_url} must be an http or https URL"
            )));
        }
        Ok(Self {
            base_url,
            ..Self::default()
        })
    }
}

/// A successful answer: the parsed body plus what GHL said about its budget and the call.
#[derive(Debug, Clone)]
pub struct GhlResponse<T> {
    pub data: T,
    pub status: StatusCode,
    pub rate_limit: RateLimit,
    pub trace_id: Option<String>,
}

impl<T> GhlResponse<T> {
    pub fn into_inner(self) -> T {
        self.data
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> GhlResponse<U> {
        GhlResponse {
            data: f(self.data),
            status: self.status,
            rate_limit: self.rate_limit,
            trace_id: self.trace_id,
        }
    }
}

impl<T> Deref for GhlResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

/// A GHL API client. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct GhlClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    tokens: Arc<dyn TokenSource>,
}

impl fmt::Debug for GhlClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GhlClient")
            .field("base_url", &self.config.base_url.as_str())
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl GhlClient {
    pub fn new(config: ClientConfig, tokens: Arc<dyn TokenSource>) -> Result<Self, GhlError> {
        crate::tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| GhlError::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            config: Arc::new(config),
            tokens,
        })
    }

    /// Whether the connection may make calls that need `scope`: false only when its granted
    /// scopes are known and lack it (such a call fails with [`GhlError::ScopeNotGranted`]
    /// without being sent).
    pub fn may_use(&self, scope: &str) -> bool {
        self.tokens
            .granted_scopes()
            .is_none_or(|granted| granted.iter().any(|g| g == scope))
    }

    /// A client that sends one fixed token (a Private Integration Token, or a token from the
    /// environment) to `base_url`.
    pub fn with_static_token(base_url: &str, token: impl Into<String>) -> Result<Self, GhlError> {
        Self::new(
            ClientConfig::with_base_url(base_url)?,
            Arc::new(StaticToken::new(token)),
        )
    }

    pub fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    /// A call to the path made of `segments`, each percent-encoded; an empty last segment gives
    /// the trailing slash some GHL paths have (`/contacts/`).
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
            scope: required_scope(&method, segments),
            method,
            url,
            body: None,
            authenticated: true,
        }
    }
}

/// The OAuth scope GHL requires for a call, as the spec's `security` blocks declare it.
/// `segments` may be a real path or the spec's template (`{contactId}`).
///
/// Where the spec leaves an operation's scope empty (`bearer: []`: get, update and delete of
/// one location tag, custom field or custom value), the scope is that of the same resource's
/// list (reads) or create (writes), since a token that may list or create a resource is the one
/// GHL lets read or change it. Recurring tasks declare no scope at all; the spec's only task
/// scope is `locations/tasks.readonly` (task search), so reads ask for it and writes for its
/// write twin `locations/tasks.write`.
pub fn required_scope(method: &Method, segments: &[&str]) -> Option<&'static str> {
    let read = method == Method::GET;
    match segments {
        ["contacts", "search", ..] => Some("contacts.readonly"),
        ["contacts", ..] if read => Some("contacts.readonly"),
        ["contacts", ..] => Some("contacts.write"),
        ["locations", _] | ["locations", _, "timezones"] if read => Some("locations.readonly"),
        ["locations", _, "customFields", ..] if read => Some("locations/customFields.readonly"),
        ["locations", _, "customFields", ..] => Some("locations/customFields.write"),
        ["locations", _, "customValues", ..] if read => Some("locations/customValues.readonly"),
        ["locations", _, "customValues", ..] => Some("locations/customValues.write"),
        ["locations", _, "tags", ..] if read => Some("locations/tags.readonly"),
        ["locations", _, "tags", ..] => Some("locations/tags.write"),
        ["locations", _, "tasks", "search"] => Some("locations/tasks.readonly"),
        ["locations", _, "recurring-tasks", ..] if read => Some("locations/tasks.readonly"),
        ["locations", _, "recurring-tasks", ..] => Some("locations/tasks.write"),
        ["oauth", "locationToken"] => Some("oauth.write"),
        _ => None,
    }
}

/// One request being put together.
pub(crate) struct Call<'a> {
    client: &'a GhlClient,
    scope: Option<&'static str>,
    method: Method,
    url: Url,
    body: Option<(Bytes, &'static str)>,
    authenticated: bool,
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

    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, GhlError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| GhlError::InvalidInput(format!("cannot encode the request body: {e}")))?;
        self.body = Some((Bytes::from(bytes), "application/json"));
        Ok(self)
    }

    pub(crate) fn form(mut self, body: &impl Serialize) -> Result<Self, GhlError> {
        let text = serde_urlencoded::to_string(body)
            .map_err(|e| GhlError::InvalidInput(format!("cannot encode the form body: {e}")))?;
        self.body = Some((Bytes::from(text), "application/x-www-form-urlencoded"));
        Ok(self)
    }

    /// For the OAuth token endpoint, which takes client credentials in the body instead.
    pub(crate) fn without_auth(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// Sends the call and parses a 2xx body as `T`. A 401 for an invalid or expired token is
    /// given to the token source once; if it offers a new token, the call is made again with it.
    pub(crate) async fn send<T: DeserializeOwned>(self) -> Result<GhlResponse<T>, GhlError> {
        let (status, headers, body) = self.send_raw().await?;
        parse_success(status, &headers, &body)
    }

    async fn send_raw(&self) -> Result<(StatusCode, http::HeaderMap, Bytes), GhlError> {
        if !self.authenticated {
            return self.attempt(None).await;
        }
        let tokens = &self.client.tokens;
        // The token first: fetching it brings the grant's scopes up to date.
        let token = tokens.access_token().await?;
        if let Some(scope) = self.scope
            && !self.client.may_use(scope)
        {
            return Err(GhlError::ScopeNotGranted {
                scope: scope.to_owned(),
            });
        }
        match self.attempt(Some(&token)).await {
            Err(GhlError::Unauthorized {
                reason: UnauthorizedReason::InvalidToken,
                details,
            }) => match tokens.renew_after_rejection(&token).await? {
                Some(renewed) if renewed != token => self.attempt(Some(&renewed)).await,
                _ => Err(GhlError::Unauthorized {
                    reason: UnauthorizedReason::InvalidToken,
                    details,
                }),
            },
            other => other,
        }
    }

    #[tracing::instrument(name = "ghl.call", skip_all, fields(method = %self.method, path = %self.url.path()))]
    async fn attempt(
        &self,
        token: Option<&AccessToken>,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes), GhlError> {
        let mut request = self
            .client
            .http
            .request(self.method.clone(), self.url.clone())
            .header(http::header::ACCEPT, "application/json");
        if let Some(token) = token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    GhlError::Token("the access token has characters a header cannot carry".into())
                })?;
            value.set_sensitive(true);
            request = request
                .header(http::header::AUTHORIZATION, value)
                .header("Version", API_VERSION);
        }
        if let Some((body, content_type)) = &self.body {
            request = request
                .header(http::header::CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        let started = Instant::now();
        let response = request.send().await.map_err(network_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(network_error)?;
        tracing::debug!(
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "GHL answered"
        );
        if status.is_success() {
            Ok((status, headers, body))
        } else {
            Err(classify(
                status,
                &body,
                header_trace_id(&headers),
                RateLimit::from_headers(&headers),
            ))
        }
    }
}

fn parse_success<T: DeserializeOwned>(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<GhlResponse<T>, GhlError> {
    let header_trace = header_trace_id(headers);
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| GhlError::Decode {
        status,
        message: format!("not JSON: {e}"),
        trace_id: header_trace.clone(),
    })?;
    let trace_id = value
        .get("traceId")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or(header_trace);
    let data = serde_json::from_value(value).map_err(|e| GhlError::Decode {
        status,
        message: e.to_string(),
        trace_id: trace_id.clone(),
    })?;
    Ok(GhlResponse {
        data,
        status,
        rate_limit: RateLimit::from_headers(headers),
        trace_id,
    })
}

fn header_trace_id(headers: &http::HeaderMap) -> Option<String> {
    ["x-trace-id", "traceid"]
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn network_error(error: reqwest::Error) -> GhlError {
    let kind = if error.is_timeout() {
        NetworkErrorKind::Timeout
    } else if error.is_connect() {
        NetworkErrorKind::Connect
    } else {
        NetworkErrorKind::Interrupted
    };
    // reqwest's message names the URL, which holds ids but never a token.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    GhlError::Network { kind, message }
}
