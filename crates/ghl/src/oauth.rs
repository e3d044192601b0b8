//! GHL's OAuth token calls: code exchange, refresh, and agency → location tokens.
//!
//! `POST /oauth/token` is form-encoded and takes the app's credentials in the body;
//! `POST /oauth/locationToken` is form-encoded and authorised by an agency (Company) token.

use std::fmt;

use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::auth::{AccessToken, RefreshToken};
use crate::de::null_as_default;
use crate::ids::validate_location_id;
use crate::{GhlClient, GhlError, GhlResponse};

/// A marketplace app's client id and secret. The secret never prints.
#[derive(Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
}

impl ClientCredentials {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// The kind of token asked for or granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserType {
    /// A sub-account (location) token: the kind the contacts API takes.
    Location,
    /// An agency token: can mint location tokens with [`GhlClient::location_access_token`].
    Company,
}

/// What `POST /oauth/token` grants.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenGrant {
    #[serde(rename = "access_token")]
    pub access_token: AccessToken,
    #[serde(rename = "token_type", default)]
    pub token_type: Option<String>,
    /// Seconds until the access token expires (about a day).
    #[serde(rename = "expires_in", default)]
    pub expires_in: Option<u64>,
    /// The next refresh token. The one just used no longer works: store this one first.
    #[serde(rename = "refresh_token", default)]
    pub refresh_token: Option<RefreshToken>,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: Option<String>,
    pub user_type: Option<UserType>,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub approved_locations: Vec<String>,
    pub user_id: Option<String>,
    pub plan_id: Option<String>,
    pub is_bulk_installation: Option<bool>,
}

impl TokenGrant {
    pub fn scopes(&self) -> Vec<String> {
        split_scopes(self.scope.as_deref())
    }
}

/// What `POST /oauth/locationToken` grants: a location token minted from an agency token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationToken {
    #[serde(rename = "access_token")]
    pub access_token: AccessToken,
    #[serde(rename = "token_type", default)]
    pub token_type: Option<String>,
    #[serde(rename = "expires_in", default)]
    pub expires_in: Option<u64>,
    /// Present in newer GHL versions; older ones mint a fresh location token each time instead.
    #[serde(rename = "refresh_token", default)]
    pub refresh_token: Option<RefreshToken>,
    #[serde(default)]
    pub scope: Option<String>,
    pub location_id: Option<String>,
    pub plan_id: Option<String>,
    pub user_id: Option<String>,
    pub app_id: Option<String>,
    pub version_id: Option<String>,
}

impl LocationToken {
    pub fn scopes(&self) -> Vec<String> {
        split_scopes(self.scope.as_deref())
    }
}

fn split_scopes(scope: Option<&str>) -> Vec<String> {
    scope
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[derive(Serialize)]
struct TokenForm<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    grant_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_type: Option<UserType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationTokenForm<'a> {
    company_id: &'a str,
    location_id: &'a str,
}

impl GhlClient {
    /// Exchanges the one-time `code` from the authorisation redirect for tokens.
    pub async fn exchange_authorization_code(
        &self,
        app: &ClientCredentials,
        code: &str,
        redirect_uri: Option<&str>,
        user_type: Option<UserType>,
    ) -> Result<GhlResponse<TokenGrant>, GhlError> {
        if code.trim().is_empty() {
            return Err(GhlError::InvalidInput(
                "the authorization code is empty".into(),
            ));
        }
        let form = TokenForm {
            client_id: &app.client_id,
            client_secret: app.client_secret.expose_secret(),
            grant_type: "authorization_code",
            code: Some(code),
            refresh_token: None,
            user_type,
            redirect_uri,
        };
        self.call(Method::POST, &["oauth", "token"])
            .without_auth()
            .form(&form)?
            .send()
            .await
    }

    /// Uses `refresh_token` once to get a new access token and a new refresh token.
    ///
    /// GHL's refresh tokens rotate: after this call `refresh_token` is spent, and a second use
    /// fails with [`GhlError::OAuth`] `invalid_grant`. Persist the granted refresh token before
    /// using the new access token.
    pub async fn refresh_access_token(
        &self,
        app: &ClientCredentials,
        refresh_token: &RefreshToken,
        user_type: Option<UserType>,
    ) -> Result<GhlResponse<TokenGrant>, GhlError> {
        let form = TokenForm {
            client_id: &app.client_id,
            client_secret: app.client_secret.expose_secret(),
            grant_type: "refresh_token",
            code: None,
            refresh_token: Some(refresh_token.expose()),
            user_type,
            redirect_uri: None,
        };
        self.call(Method::POST, &["oauth", "token"])
            .without_auth()
            .form(&form)?
            .send()
            .await
    }

    /// Mints a location token from this client's agency (Company) token.
    pub async fn location_access_token(
        &self,
        company_id: &str,
        location_id: &str,
    ) -> Result<GhlResponse<LocationToken>, GhlError> {
        validate_location_id(location_id)?;
        if company_id.trim().is_empty() {
            return Err(GhlError::InvalidInput("the company id is empty".into()));
        }
        self.call(Method::POST, &["oauth", "locationToken"])
            .form(&LocationTokenForm {
                company_id,
                location_id,
            })?
            .send()
            .await
    }
}
