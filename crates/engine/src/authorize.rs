//! Connecting: the OAuth authorisation-code flow (a location, or an agency and the locations
//! it picks), and Private Integration Tokens.
//!
//! [`Connections::begin_authorization`] stores a random `state` (only its hash) and builds the
//! chooselocation URL; the callback (served by `nifty-ghl serve`, or by `nifty-ghl connect`'s
//! one-shot listener) hands the `code` and `state` to [`Connections::complete_authorization`],
//! which checks the state once, exchanges the code and stores the connection.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ghl::{GhlError, StaticToken};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use store::vault::{Connection, ConnectionKind, NewConnection, UserType};
use store::{OAuthStateRow, now_millis};

use crate::connections::{ConnectionError, Connections};

/// How long a user has to approve before the `state` expires.
const STATE_LIFETIME_MS: i64 = 15 * 60 * 1000;

/// For an agency connection: which locations to mint tokens for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationChoice {
    /// Every location the agency approved.
    All,
    Only(Vec<String>),
}

/// What to ask GHL for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub scopes: Vec<String>,
    /// An agency (Company) connection instead of a location one.
    pub agency: bool,
    pub locations: LocationChoice,
    pub redirect_uri: String,
}

/// What GHL's redirect brought back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error(
        "this authorisation link is unknown or was already used: start again with `nifty-ghl connect`"
    )]
    UnknownState,
    #[error(
        "this authorisation link expired (they last 15 minutes): start again with `nifty-ghl connect`"
    )]
    ExpiredState,
    #[error("the callback has no state: it did not come from an authorisation nifty-ghl started")]
    MissingState,
    #[error("the callback has no code: GHL did not approve the connection")]
    MissingCode,
    #[error("the connection was not approved in GHL: {0}")]
    Denied(String),
    #[error("GHL's token endpoint refused the code: {0}")]
    Exchange(GhlError),
    #[error("GHL granted a token without a location id; nothing was stored")]
    NoLocation,
    #[error("GHL did not approve location {0} for this agency")]
    NotApproved(String),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

impl AuthorizeError {
    /// Whether the fault lies with the request (400) or with GHL or the store (502).
    pub fn is_bad_request(&self) -> bool {
        !matches!(self, Self::Exchange(_) | Self::Connection(_))
    }
}

fn hash_state(state: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, state.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl Connections {
    /// Stores a fresh `state` and returns the URL the user opens to approve.
    pub async fn begin_authorization(
        &self,
        request: &AuthorizeRequest,
        marketplace_url: &str,
    ) -> Result<url::Url, ConnectionError> {
        let app = self.app_credentials().await?;
        let mut random = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).map_err(
            |_| {
                ConnectionError::Vault(store::vault::VaultError::Key(
                    store::keyring::KeyError::Random,
                ))
            },
        )?;
        let state = URL_SAFE_NO_PAD.encode(random);
        let now = now_millis();
        let store = self.vault().store();
        store.purge_oauth_states(now).await?;
        store
            .put_oauth_state(&OAuthStateRow {
                state_hash: hash_state(&state),
                request: serde_json::to_string(request).expect("the request serialises"),
                created_at: now,
                expires_at: now + STATE_LIFETIME_MS,
            })
            .await?;
        let base = marketplace_url.trim_end_matches('/');
        let mut url = url::Url::parse(&format!("{base}/v2/oauth/chooselocation"))
            .map_err(|e| ConnectionError::NotConnected(format!("marketplace URL {base:?}: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &request.redirect_uri)
            .append_pair("client_id", &app.client_id)
            .append_pair("scope", &request.scopes.join(" "))
            .append_pair("state", &state);
        if request.agency {
            // Asks for an agency-level approval (the sandbox's chooser honours it).
            url.query_pairs_mut().append_pair("user_type", "Company");
        }
        Ok(url)
    }

    /// Checks the callback's state (once), exchanges the code, and stores the connection(s).
    /// Nothing is stored when anything is wrong.
    pub async fn complete_authorization(
        &self,
        callback: &Callback,
    ) -> Result<Vec<Connection>, AuthorizeError> {
        let state = callback
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or(AuthorizeError::MissingState)?;
        let stored = self
            .vault()
            .store()
            .take_oauth_state(&hash_state(state))
            .await
            .map_err(ConnectionError::from)?
            .ok_or(AuthorizeError::UnknownState)?;
        if stored.expires_at < now_millis() {
            return Err(AuthorizeError::ExpiredState);
        }
        if let Some(error) = &callback.error {
            let detail = callback
                .error_description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            return Err(AuthorizeError::Denied(format!("{error}{detail}")));
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or(AuthorizeError::MissingCode)?;
        let request: AuthorizeRequest = serde_json::from_str(&stored.request).map_err(|e| {
            ConnectionError::Store(store::StoreError::Corrupt(format!(
                "stored authorisation request: {e}"
            )))
        })?;
        let app = self.app_credentials().await?;
        let user_type = if request.agency {
            ghl::oauth::UserType::Company
        } else {
            ghl::oauth::UserType::Location
        };
        let grant = self
            .oauth_client()
            .exchange_authorization_code(&app, code, Some(&request.redirect_uri), Some(user_type))
            .await
            .map_err(AuthorizeError::Exchange)?
            .into_inner();
        let expires_at = grant.expires_in.map(|s| now_millis() + s as i64 * 1000);
        let secret = |value: &str| SecretString::from(value.to_owned());
        if grant.user_type == Some(ghl::oauth::UserType::Company) {
            self.store_agency(&request, &grant, expires_at).await
        } else {
            let location_id = grant
                .location_id
                .clone()
                .ok_or(AuthorizeError::NoLocation)?;
            let connection = self
                .save(NewConnection {
                    kind: ConnectionKind::OAuth,
                    user_type: UserType::Location,
                    location_id: Some(location_id),
                    company_id: grant.company_id.clone(),
                    parent_id: None,
                    scopes: grant.scopes(),
                    access_token: secret(grant.access_token.expose()),
                    refresh_token: grant.refresh_token.as_ref().map(|t| secret(t.expose())),
                    access_expires_at: expires_at,
                    user_id: grant.user_id.clone(),
                })
                .await?;
            Ok(vec![connection])
        }
    }

    /// The agency connection, then a minted token for each chosen location.
    async fn store_agency(
        &self,
        request: &AuthorizeRequest,
        grant: &ghl::oauth::TokenGrant,
        expires_at: Option<i64>,
    ) -> Result<Vec<Connection>, AuthorizeError> {
        let company_id = grant.company_id.clone().ok_or(AuthorizeError::NoLocation)?;
        let chosen: Vec<String> = match &request.locations {
            LocationChoice::All => grant.approved_locations.clone(),
            LocationChoice::Only(ids) => {
                if let Some(missing) = ids.iter().find(|id| !grant.approved_locations.contains(id))
                {
                    return Err(AuthorizeError::NotApproved(missing.clone()));
                }
                ids.clone()
            }
        };
        // Mint every location token before storing anything, so a failure stores nothing.
        let agency_client = ghl::GhlClient::new(
            self.api_config().clone(),
            std::sync::Arc::new(StaticToken::new(grant.access_token.expose())),
        )
        .map_err(AuthorizeError::Exchange)?;
        let mut minted = Vec::with_capacity(chosen.len());
        for location_id in &chosen {
            let token = agency_client
                .location_access_token(&company_id, location_id)
                .await
                .map_err(AuthorizeError::Exchange)?
                .into_inner();
            minted.push((location_id.clone(), token));
        }
        let secret = |value: &str| SecretString::from(value.to_owned());
        let agency = self
            .save(NewConnection {
                kind: ConnectionKind::OAuth,
                user_type: UserType::Company,
                location_id: None,
                company_id: Some(company_id.clone()),
                parent_id: None,
                scopes: grant.scopes(),
                access_token: secret(grant.access_token.expose()),
                refresh_token: grant.refresh_token.as_ref().map(|t| secret(t.expose())),
                access_expires_at: expires_at,
                user_id: grant.user_id.clone(),
            })
            .await?;
        let mut saved = vec![agency.clone()];
        for (location_id, token) in minted {
            let scopes = if token.scopes().is_empty() {
                grant.scopes()
            } else {
                token.scopes()
            };
            saved.push(
                self.save(NewConnection {
                    kind: ConnectionKind::AgencyMinted,
                    user_type: UserType::Location,
                    location_id: Some(location_id),
                    company_id: Some(company_id.clone()),
                    parent_id: Some(agency.id.clone()),
                    scopes,
                    access_token: secret(token.access_token.expose()),
                    refresh_token: None,
                    access_expires_at: token.expires_in.map(|s| now_millis() + s as i64 * 1000),
                    user_id: token.user_id.clone(),
                })
                .await?,
            );
        }
        Ok(saved)
    }

    /// Stores a Private Integration Token for a location, after one cheap read call proves GHL
    /// takes it (unless `verify` is false). PITs carry the scopes the user picked in GHL, which
    /// GHL does not report: `scopes` says what they are.
    pub async fn connect_pit(
        &self,
        location_id: &str,
        pit: SecretString,
        scopes: Vec<String>,
        verify: bool,
    ) -> Result<Connection, PitError> {
        ghl::validate_location_id(location_id).map_err(PitError::Refused)?;
        if verify {
            let client = ghl::GhlClient::new(
                self.api_config().clone(),
                std::sync::Arc::new(StaticToken::new(pit.expose_secret())),
            )
            .map_err(PitError::Refused)?;
            probe(&client, location_id)
                .await
                .map_err(PitError::Refused)?;
        }
        Ok(self
            .save(NewConnection {
                kind: ConnectionKind::Pit,
                user_type: UserType::Location,
                location_id: Some(location_id.to_owned()),
                company_id: None,
                parent_id: None,
                scopes,
                access_token: pit,
                refresh_token: None,
                access_expires_at: None,
                user_id: None,
            })
            .await?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PitError {
    #[error("GHL did not accept the token for this location: {0}")]
    Refused(GhlError),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

/// One cheap read call (a duplicate lookup that matches nothing), to prove a token works.
pub async fn probe(client: &ghl::GhlClient, location_id: &str) -> Result<(), GhlError> {
    client
        .find_duplicate_contact(&ghl::search::DuplicateQuery {
            location_id: location_id.to_owned(),
            email: Some("nifty-ghl-connection-check@example.invalid".into()),
            phone: None,
        })
        .await
        .map(|_| ())
}
