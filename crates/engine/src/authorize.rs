//! Connecting: the OAuth authorisation-code flow (a location, or an agency and the locations
//! it picks), and Private Integration Tokens.
//!
//! [`Connections::begin_authorization`] stores a random `state` (only its hash) and builds the
//! chooselocation URL; the callback (served by `nifty-ghl serve`, or by `nifty-ghl connect`'s
//! one-shot listener) hands the `code` and `state` to [`Connections::complete_authorization`],
//! which checks the state once, exchanges the code and stores the connection.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ghl::{GhlError, RateLimit, StaticToken};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use store::vault::{Connection, ConnectionKind, NewConnection, UserType, connection_id};
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

/// What GHL's redirect brought back. Its `Debug` hides the code and the state: together they
/// are worth a connection until the state is used.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "[redacted]");
        f.debug_struct("Callback")
            .field("code", &hidden(&self.code))
            .field("state", &hidden(&self.state))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
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
    #[error(
        "GHL granted a location (sub-account) token without a locationId; nothing was stored: try `nifty-ghl connect` again"
    )]
    NoLocation,
    #[error(
        "GHL granted an agency (Company) token without a companyId; nothing was stored: try `nifty-ghl connect --agency` again"
    )]
    NoCompany,
    #[error("GHL granted a token for {0:?}, which is not a GHL location id; nothing was stored")]
    BadLocationId(String),
    #[error("GHL did not approve location {0} for this agency")]
    NotApproved(String),
    #[error(
        "the marketplace URL {url:?} cannot start an authorisation ({reason}): set ghl.marketplace_url to an http(s) URL such as https://marketplace.gohighlevel.com"
    )]
    BadMarketplaceUrl { url: String, reason: String },
    #[error(
        "the operating system gave no random numbers for the authorisation's state; nothing was stored"
    )]
    Random,
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

impl AuthorizeError {
    /// Whether the fault lies with the callback a browser brought (400), or with GHL, the
    /// configuration or the store (502).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            Self::UnknownState
                | Self::ExpiredState
                | Self::MissingState
                | Self::MissingCode
                | Self::Denied(_)
                | Self::NotApproved(_)
        )
    }
}

/// What is stored for a `state`: its SHA-256 in hex, so that the database never holds a
/// usable state.
pub fn state_hash(state: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, state.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `{marketplace}/v2/oauth/chooselocation`, refused unless it is an absolute http(s) URL.
fn chooselocation_url(marketplace_url: &str) -> Result<url::Url, AuthorizeError> {
    let bad = |reason: String| AuthorizeError::BadMarketplaceUrl {
        url: marketplace_url.to_owned(),
        reason,
    };
    let mut url = url::Url::parse(marketplace_url).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it must be an http or https URL with a host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must have no query or fragment".into()));
    }
    // A white-label host may serve the chooser under a path of its own: keep it.
    let path = format!(
        "{}/v2/oauth/chooselocation",
        url.path().trim_end_matches('/')
    );
    url.set_path(&path);
    Ok(url)
}

/// The location a Location grant is for, checked: a grant without one, or with something that
/// is not a location id, is refused before anything is stored.
fn granted_location(grant: &ghl::oauth::TokenGrant) -> Result<String, AuthorizeError> {
    let location = grant
        .location_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or(AuthorizeError::NoLocation)?;
    ghl::validate_location_id(&location)
        .map_err(|_| AuthorizeError::BadLocationId(location.clone()))?;
    Ok(location)
}

/// The agency a Company grant is for.
fn granted_company(grant: &ghl::oauth::TokenGrant) -> Result<String, AuthorizeError> {
    grant
        .company_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or(AuthorizeError::NoCompany)
}

impl Connections {
    /// Stores a fresh `state` and returns the URL the user opens to approve. A bad marketplace
    /// URL or a failing random source is refused before any state is stored.
    pub async fn begin_authorization(
        &self,
        request: &AuthorizeRequest,
        marketplace_url: &str,
    ) -> Result<url::Url, AuthorizeError> {
        let mut url = chooselocation_url(marketplace_url)?;
        let app = self.app_credentials().await?;
        let mut random = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
            .map_err(|_| AuthorizeError::Random)?;
        let state = URL_SAFE_NO_PAD.encode(random);
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
        let now = now_millis();
        let store = self.vault().store();
        store
            .purge_oauth_states(now)
            .await
            .map_err(ConnectionError::from)?;
        store
            .put_oauth_state(&OAuthStateRow {
                state_hash: state_hash(&state),
                request: serde_json::to_string(request).expect("the request serialises"),
                created_at: now,
                expires_at: now + STATE_LIFETIME_MS,
            })
            .await
            .map_err(ConnectionError::from)?;
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
            .take_oauth_state(&state_hash(state))
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
        if grant.user_type == Some(ghl::oauth::UserType::Company) {
            return self.store_agency(&request, &grant, expires_at).await;
        }
        let location_id = granted_location(&grant)?;
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

    /// The agency connection and a minted token for each chosen location, stored in one
    /// transaction: every location token is minted first, so a failure stores nothing.
    async fn store_agency(
        &self,
        request: &AuthorizeRequest,
        grant: &ghl::oauth::TokenGrant,
        expires_at: Option<i64>,
    ) -> Result<Vec<Connection>, AuthorizeError> {
        let company_id = granted_company(grant)?;
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
        if let Some(bad) = chosen
            .iter()
            .find(|id| ghl::validate_location_id(id).is_err())
        {
            return Err(AuthorizeError::BadLocationId(bad.clone()));
        }
        let agency_client = ghl::GhlClient::new(
            self.api_config().clone(),
            std::sync::Arc::new(StaticToken::new(grant.access_token.expose())),
        )
        .map_err(AuthorizeError::Exchange)?;
        let agency_id = connection_id(UserType::Company, None, Some(&company_id));
        let mut news = vec![NewConnection {
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
        }];
        for location_id in &chosen {
            let token = agency_client
                .location_access_token(&company_id, location_id)
                .await
                .map_err(AuthorizeError::Exchange)?
                .into_inner();
            let scopes = if token.scopes().is_empty() {
                grant.scopes()
            } else {
                token.scopes()
            };
            news.push(NewConnection {
                kind: ConnectionKind::AgencyMinted,
                user_type: UserType::Location,
                location_id: Some(location_id.clone()),
                company_id: Some(company_id.clone()),
                parent_id: Some(agency_id.clone()),
                scopes,
                access_token: secret(token.access_token.expose()),
                refresh_token: None,
                access_expires_at: token.expires_in.map(|s| now_millis() + s as i64 * 1000),
                user_id: token.user_id.clone(),
            });
        }
        Ok(self.save_all(news).await?)
    }

    /// Stores a Private Integration Token for a location, after one cheap read call proves GHL
    /// takes it (unless `verify` is false). PITs carry the scopes the user picked in GHL, which
    /// GHL does not report: `scopes` says what they are. An OAuth connection of the location is
    /// never replaced this way: see [`Connections::connect_pit_with`].
    pub async fn connect_pit(
        &self,
        location_id: &str,
        pit: SecretString,
        scopes: Vec<String>,
        verify: bool,
    ) -> Result<Connection, PitError> {
        self.connect_pit_with(PitRequest {
            location_id: location_id.to_owned(),
            pit,
            scopes,
            verify,
            replace_oauth: false,
        })
        .await
    }

    /// Stores a Private Integration Token as `request` says. A PIT takes the place of whatever
    /// the location had, so an OAuth (or agency-minted) connection, whose refresh token would be
    /// lost, is refused unless `replace_oauth` is set; nothing is called or stored then.
    pub async fn connect_pit_with(&self, request: PitRequest) -> Result<Connection, PitError> {
        let PitRequest {
            location_id,
            pit,
            scopes,
            verify,
            replace_oauth,
        } = request;
        ghl::validate_location_id(&location_id).map_err(PitError::Refused)?;
        if !replace_oauth
            && let Some(existing) = self
                .vault()
                .connection_for_location(&location_id)
                .await
                .map_err(ConnectionError::from)?
            && existing.kind != ConnectionKind::Pit
        {
            return Err(PitError::WouldReplace {
                location_id,
                id: existing.id,
            });
        }
        if verify {
            let client = ghl::GhlClient::new(
                self.api_config().clone(),
                std::sync::Arc::new(StaticToken::new(pit.expose_secret())),
            )
            .map_err(PitError::Refused)?;
            probe(&client, &location_id)
                .await
                .map_err(PitError::Refused)?;
        }
        Ok(self
            .save(NewConnection {
                kind: ConnectionKind::Pit,
                user_type: UserType::Location,
                location_id: Some(location_id),
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

/// A Private Integration Token to store. (`SecretString`'s `Debug` hides the token.)
#[derive(Debug, Clone)]
pub struct PitRequest {
    pub location_id: String,
    pub pit: SecretString,
    /// The scopes the token was given in GHL (GHL does not report them).
    pub scopes: Vec<String>,
    /// Prove that GHL takes the token with one read call before storing it.
    pub verify: bool,
    /// Replace an OAuth or agency-minted connection of the location.
    pub replace_oauth: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PitError {
    #[error("GHL did not accept the token for this location: {0}")]
    Refused(GhlError),
    #[error(
        "location {location_id} is connected with OAuth ({id}); a Private Integration Token would replace that connection and drop its refresh token: give --replace to do so, or run `nifty-ghl connections remove {id}` first"
    )]
    WouldReplace { location_id: String, id: String },
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

/// One cheap read call (a duplicate lookup that matches nothing), to prove a token works.
/// Returns the location's rate-limit figures from GHL's answer.
pub async fn probe(client: &ghl::GhlClient, location_id: &str) -> Result<RateLimit, GhlError> {
    client
        .find_duplicate_contact(&ghl::search::DuplicateQuery {
            location_id: location_id.to_owned(),
            email: Some("nifty-ghl-connection-check@example.invalid".into()),
            phone: None,
        })
        .await
        .map(|answer| answer.rate_limit)
}

fn secret(value: &str) -> SecretString {
    SecretString::from(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(fields: serde_json::Value) -> ghl::oauth::TokenGrant {
        let mut body = serde_json::json!({"access_token": "at-0123456789abcdef"});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_callbacks_debug_shows_neither_code_nor_state() {
        let callback = Callback {
            code: Some("the-one-time-code-1234".into()),
            state: Some("the-state-5678".into()),
            error: Some("access_denied".into()),
            error_description: None,
        };
        let shown = format!("{callback:?} {callback:#?}");
        assert!(!shown.contains("the-one-time-code-1234"), "{shown}");
        assert!(!shown.contains("the-state-5678"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("access_denied"),
            "{shown}"
        );
        let empty = format!("{:?}", Callback::default());
        assert!(empty.contains("code: None"), "{empty}");
    }

    #[test]
    fn a_location_grant_needs_a_location_id_that_looks_like_one() {
        let good = grant(
            serde_json::json!({"userType": "Location", "locationId": "ve9EPM428h8vShlRW1KT"}),
        );
        assert_eq!(granted_location(&good).unwrap(), "ve9EPM428h8vShlRW1KT");
        for missing in [
            serde_json::json!({"userType": "Location"}),
            serde_json::json!({"userType": "Location", "locationId": ""}),
        ] {
            assert!(matches!(
                granted_location(&grant(missing)),
                Err(AuthorizeError::NoLocation)
            ));
        }
        let odd = grant(serde_json::json!({"locationId": "../contacts?x=1"}));
        let error = granted_location(&odd).unwrap_err();
        assert!(matches!(error, AuthorizeError::BadLocationId(_)), "{error}");
        assert!(!error.is_bad_request(), "GHL's fault, not the browser's");
    }

    #[test]
    fn a_company_grant_needs_a_company_id() {
        let good = grant(serde_json::json!({"userType": "Company", "companyId": "agency-1"}));
        assert_eq!(granted_company(&good).unwrap(), "agency-1");
        let error =
            granted_company(&grant(serde_json::json!({"userType": "Company"}))).unwrap_err();
        assert!(matches!(error, AuthorizeError::NoCompany), "{error}");
        assert!(error.to_string().contains("companyId"), "{error}");
    }

    #[test]
    fn a_malformed_marketplace_url_is_refused_with_what_to_set() {
        let url = chooselocation_url("https://marketplace.example.com/").unwrap();
        assert_eq!(
            url.as_str(),
            "https://marketplace.example.com/v2/oauth/chooselocation"
        );
        for wrong in [
            "marketplace.example.com",
            "ftp://marketplace.example.com",
            "https://",
            "not a url at all",
            "https://marketplace.example.com/?a=b",
        ] {
            let error = chooselocation_url(wrong).unwrap_err();
            assert!(
                matches!(error, AuthorizeError::BadMarketplaceUrl { .. })
                    && error.to_string().contains("ghl.marketplace_url"),
                "{wrong}: {error}"
            );
        }
    }
}
