//! GHL connections at run time: the token each call sends, refreshed early, once per connection
//! across tasks and processes, and committed before it is used.
//!
//! A refresh goes like this. The caller that finds the token due takes the connection's lock in
//! this process, then its refresh lease in the database (so other processes wait), reads the
//! row again (someone may have refreshed already: then it uses their token), calls GHL with the
//! refresh token, and commits the new pair over the version it read before returning the new
//! access token. GHL's refresh tokens work once, so a token pair that is not committed is lost:
//! nothing in between may fail silently.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ghl::oauth::ClientCredentials;
use ghl::{AccessToken, ClientConfig, GhlClient, GhlError, RefreshToken, StaticToken, TokenSource};
use secrecy::{ExposeSecret, SecretString};
use store::vault::{
    Connection, ConnectionKind, ConnectionState, NewConnection, NewTokens, UserType, VaultError,
};
use store::{Millis, StoreError, Vault, now_millis};

use crate::config::RefreshSettings;

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("no GHL connection {0}: run `nifty-ghl connect`")]
    NotConnected(String),
    #[error(
        "the GHL connection {id} must be authorised again ({reason}): run `nifty-ghl connect`; its work waits until then"
    )]
    NeedsReauth { id: String, reason: String },
    #[error(
        "GHL refused the Private Integration Token of {id}: rotate it in GHL, then run `nifty-ghl connect --pit`"
    )]
    PitRejected { id: String },
    #[error(
        "the app's client id and secret are not set: run `nifty-ghl init --client-id … --client-secret-file …`"
    )]
    NoAppCredentials,
    #[error("refreshing the token of {id} failed: {source}")]
    Refresh {
        id: String,
        #[source]
        source: GhlError,
    },
    #[error(
        "{id} is a Private Integration Token, which GHL does not refresh: rotate it in GHL when needed"
    )]
    NotRefreshable { id: String },
    #[error("another nifty-ghl process has been refreshing {id} for too long; try again")]
    LeaseTimeout { id: String },
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ConnectionError {
    /// True when the connection's work should wait for a user to reconnect, not fail.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Self::NeedsReauth { .. } | Self::PitRejected { .. } | Self::NotConnected(_)
        )
    }
}

/// What a caller needs of a connection's token.
#[derive(Clone, Copy)]
enum Want<'a> {
    /// A token good for now (refreshed if it expires within the early window).
    Current,
    /// A different token than this one, which GHL refused.
    Replace(&'a str),
    /// A refresh if the connection has been idle for the keep-alive period.
    KeepAlive,
}

/// Every connection of this process, sharing one vault, with one in-process lock each.
pub struct Connections {
    vault: Arc<Vault>,
    api: ClientConfig,
    /// For the token endpoint, which takes the app's credentials instead of a bearer token.
    oauth: GhlClient,
    settings: RefreshSettings,
    /// This process's name in refresh leases.
    owner: String,
    locks: StdMutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connections")
            .field("api", &self.api.base_url.as_str())
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Connections {
    pub fn new(
        vault: Arc<Vault>,
        api: ClientConfig,
        settings: RefreshSettings,
    ) -> Result<Self, GhlError> {
        let oauth = GhlClient::new(
            api.clone(),
            Arc::new(StaticToken::new(
                "unused: the token endpoint takes no bearer",
            )),
        )?;
        let owner = format!("{}-{}", std::process::id(), random_hex(6));
        Ok(Self {
            vault,
            api,
            oauth,
            settings,
            owner,
            locks: StdMutex::new(HashMap::new()),
        })
    }

    pub fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }

    pub fn api_config(&self) -> &ClientConfig {
        &self.api
    }

    pub(crate) fn oauth_client(&self) -> &GhlClient {
        &self.oauth
    }

    /// A client whose every call carries a fresh token of connection `id`, refused locally if
    /// the connection was not granted the call's scope.
    pub async fn client(self: &Arc<Self>, id: &str) -> Result<GhlClient, ConnectionError> {
        let connection = self.load(id).await?;
        let tokens = ConnectionTokens {
            connections: Arc::clone(self),
            id: id.to_owned(),
            scopes: StdMutex::new(connection.scopes.clone()),
        };
        GhlClient::new(self.api.clone(), Arc::new(tokens)).map_err(|source| {
            ConnectionError::Refresh {
                id: id.to_owned(),
                source,
            }
        })
    }

    /// The connection, or why it cannot be used.
    async fn load(&self, id: &str) -> Result<Connection, ConnectionError> {
        let connection = self
            .vault
            .connection(id)
            .await?
            .ok_or_else(|| ConnectionError::NotConnected(id.to_owned()))?;
        if connection.state == ConnectionState::NeedsReauth {
            return Err(ConnectionError::NeedsReauth {
                id: id.to_owned(),
                reason: connection
                    .state_reason
                    .clone()
                    .unwrap_or_else(|| "the grant was revoked".into()),
            });
        }
        Ok(connection)
    }

    fn due(&self, connection: &Connection, want: Want<'_>, now: Millis) -> bool {
        let early = self.settings.early().as_millis() as i64;
        let expiring = connection
            .access_expires_at
            .is_some_and(|at| at - now <= early);
        match want {
            Want::Current => expiring,
            Want::Replace(rejected) => connection.access_token.expose_secret() == rejected,
            Want::KeepAlive => {
                let idle = connection
                    .last_refresh_at
                    .is_none_or(|at| now - at >= self.settings.keepalive().as_millis() as i64);
                connection.kind != ConnectionKind::Pit && (expiring || idle)
            }
        }
    }

    fn local_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().expect("lock table");
        Arc::clone(locks.entry(id.to_owned()).or_default())
    }

    /// The connection with a token that satisfies `want`, refreshing it if needed.
    async fn fresh(&self, id: &str, want: Want<'_>) -> Result<Connection, ConnectionError> {
        let give_up = Instant::now() + self.settings.lease() * 2;
        loop {
            let connection = self.load(id).await?;
            if !self.due(&connection, want, now_millis()) {
                return Ok(connection);
            }
            if connection.kind == ConnectionKind::Pit {
                return Err(ConnectionError::PitRejected { id: id.to_owned() });
            }
            let lock = self.local_lock(id);
            let guard = lock.lock().await;
            let now = now_millis();
            let lease_until = now + self.settings.lease().as_millis() as i64;
            if !self
                .vault
                .store()
                .try_lease_refresh(id, &self.owner, now, lease_until)
                .await?
            {
                // Another process is refreshing: wait for its commit, then read its token.
                drop(guard);
                if Instant::now() > give_up {
                    return Err(ConnectionError::LeaseTimeout { id: id.to_owned() });
                }
                tokio::time::sleep(Duration::from_millis(40 + u64::from(random_byte()) / 2)).await;
                continue;
            }
            let outcome = self.refresh_under_lease(id, want).await;
            // Committing clears the lease; after a failure it is released here.
            self.vault.store().release_refresh(id, &self.owner).await?;
            drop(guard);
            match outcome {
                Ok(Some(connection)) => return Ok(connection),
                Ok(None) => continue,
                Err(error) => return self.after_failed_refresh(id, want, error).await,
            }
        }
    }

    /// Holding the lease: read again, refresh if still due, commit. `None` means another
    /// commit won and the caller should read again.
    async fn refresh_under_lease(
        &self,
        id: &str,
        want: Want<'_>,
    ) -> Result<Option<Connection>, ConnectionError> {
        let connection = self.load(id).await?;
        if !self.due(&connection, want, now_millis()) {
            return Ok(Some(connection));
        }
        let tokens = match connection.kind {
            ConnectionKind::OAuth => self.refresh_oauth(&connection).await?,
            ConnectionKind::AgencyMinted => self.mint_again(&connection).await?,
            ConnectionKind::Pit => return Err(ConnectionError::PitRejected { id: id.to_owned() }),
        };
        let now = now_millis();
        if self
            .vault
            .commit_refresh(id, connection.token_version, &tokens, now)
            .await?
        {
            tracing::info!(connection = id, "GHL token refreshed and stored");
            Ok(Some(self.load(id).await?))
        } else {
            Ok(None)
        }
    }

    /// The marketplace app's client id and secret, from the vault.
    pub(crate) async fn app_credentials(&self) -> Result<ClientCredentials, ConnectionError> {
        let (client_id, secret) = self
            .vault
            .app_credentials()
            .await?
            .ok_or(ConnectionError::NoAppCredentials)?;
        Ok(ClientCredentials::new(client_id, secret.expose_secret()))
    }

    async fn refresh_oauth(&self, connection: &Connection) -> Result<NewTokens, ConnectionError> {
        let app = self.app_credentials().await?;
        let refresh_token =
            connection
                .refresh_token
                .as_ref()
                .ok_or_else(|| ConnectionError::NeedsReauth {
                    id: connection.id.clone(),
                    reason: "no refresh token is stored".into(),
                })?;
        let user_type = match connection.user_type {
            UserType::Location => ghl::oauth::UserType::Location,
            UserType::Company => ghl::oauth::UserType::Company,
        };
        let grant = match self
            .oauth
            .refresh_access_token(
                &app,
                &RefreshToken::new(refresh_token.expose_secret()),
                Some(user_type),
            )
            .await
        {
            Ok(grant) => grant.into_inner(),
            Err(GhlError::OAuth {
                error, description, ..
            }) if error == "invalid_grant" => {
                let reason = format!(
                    "GHL answered invalid_grant{}",
                    description.map(|d| format!(": {d}")).unwrap_or_default()
                );
                return Err(self.mark_needs_reauth(&connection.id, reason).await?);
            }
            Err(source) => {
                return Err(ConnectionError::Refresh {
                    id: connection.id.clone(),
                    source,
                });
            }
        };
        let scopes = if grant.scopes().is_empty() {
            connection.scopes.clone()
        } else {
            grant.scopes()
        };
        Ok(NewTokens {
            access_token: SecretString::from(grant.access_token.expose().to_owned()),
            refresh_token: grant
                .refresh_token
                .map(|t| SecretString::from(t.expose().to_owned())),
            access_expires_at: grant.expires_in.map(|s| now_millis() + s as i64 * 1000),
            scopes,
        })
    }

    /// A location token minted from an agency connection is renewed by minting another.
    async fn mint_again(&self, connection: &Connection) -> Result<NewTokens, ConnectionError> {
        let (Some(parent), Some(company), Some(location)) = (
            &connection.parent_id,
            &connection.company_id,
            &connection.location_id,
        ) else {
            return Err(self
                .mark_needs_reauth(&connection.id, "its agency connection is gone".into())
                .await?);
        };
        // The agency token may itself be refused (expired early, revoked): then it is refreshed
        // once and the mint tried again.
        let mut want = Want::Current;
        let mut refused_agency_token = String::new();
        let minted = loop {
            let agency = match Box::pin(self.fresh(parent, want)).await {
                Ok(agency) => agency,
                Err(error) if error.needs_user() => {
                    let reason = format!("its agency connection: {error}");
                    return Err(self.mark_needs_reauth(&connection.id, reason).await?);
                }
                Err(error) => return Err(error),
            };
            let token = agency.access_token.expose_secret().to_owned();
            let client =
                GhlClient::new(self.api.clone(), Arc::new(StaticToken::new(token.clone())))
                    .map_err(|source| ConnectionError::Refresh {
                        id: connection.id.clone(),
                        source,
                    })?;
            match client.location_access_token(company, location).await {
                Ok(minted) => break minted.into_inner(),
                Err(GhlError::Unauthorized {
                    reason: ghl::UnauthorizedReason::InvalidToken,
                    ..
                }) if refused_agency_token.is_empty() => {
                    refused_agency_token = token;
                    want = Want::Replace(&refused_agency_token);
                }
                Err(source) => {
                    return Err(ConnectionError::Refresh {
                        id: connection.id.clone(),
                        source,
                    });
                }
            }
        };
        let scopes = if minted.scopes().is_empty() {
            connection.scopes.clone()
        } else {
            minted.scopes()
        };
        Ok(NewTokens {
            access_token: SecretString::from(minted.access_token.expose().to_owned()),
            refresh_token: None,
            access_expires_at: minted.expires_in.map(|s| now_millis() + s as i64 * 1000),
            scopes,
        })
    }

    async fn mark_needs_reauth(
        &self,
        id: &str,
        reason: String,
    ) -> Result<ConnectionError, ConnectionError> {
        self.vault
            .store()
            .set_connection_state(
                id,
                ConnectionState::NeedsReauth.as_str(),
                Some(&reason),
                now_millis(),
            )
            .await?;
        tracing::warn!(connection = id, %reason, "GHL connection needs to be authorised again");
        Ok(ConnectionError::NeedsReauth {
            id: id.to_owned(),
            reason,
        })
    }

    /// An early refresh that failed for a passing reason leaves the current token in use while
    /// it is still valid; anything else is the caller's to handle.
    async fn after_failed_refresh(
        &self,
        id: &str,
        want: Want<'_>,
        error: ConnectionError,
    ) -> Result<Connection, ConnectionError> {
        if let (Want::Current | Want::KeepAlive, ConnectionError::Refresh { source, .. }) =
            (want, &error)
            && source.is_transient()
        {
            let connection = self.load(id).await?;
            if connection
                .access_expires_at
                .is_some_and(|at| at > now_millis() + 5_000)
            {
                tracing::warn!(connection = id, error = %error, "early refresh failed; the current token is still valid");
                return Ok(connection);
            }
        }
        Err(error)
    }

    /// Refreshes every connection that is expiring or has been idle for the keep-alive period.
    /// Returns how many were refreshed and the problems met.
    pub async fn keep_alive(&self) -> Result<(usize, Vec<ConnectionError>), ConnectionError> {
        let mut refreshed = 0;
        let mut problems = Vec::new();
        for connection in self.vault.connections().await? {
            if connection.state != ConnectionState::Ok
                || !self.due(&connection, Want::KeepAlive, now_millis())
            {
                continue;
            }
            match self.fresh(&connection.id, Want::KeepAlive).await {
                Ok(after) if after.token_version != connection.token_version => refreshed += 1,
                Ok(_) => {}
                Err(error) => problems.push(error),
            }
        }
        Ok((refreshed, problems))
    }

    /// Refreshes a connection now, whatever its expiry.
    pub async fn refresh_now(&self, id: &str) -> Result<Connection, ConnectionError> {
        let connection = self.load(id).await?;
        if connection.kind == ConnectionKind::Pit {
            return Err(ConnectionError::NotRefreshable { id: id.to_owned() });
        }
        let current = connection.access_token.expose_secret().to_owned();
        self.fresh(id, Want::Replace(&current)).await
    }

    /// Stores a connection (after an authorisation, or a PIT).
    pub async fn save(&self, new: NewConnection) -> Result<Connection, ConnectionError> {
        Ok(self.vault.save_connection(new, now_millis()).await?)
    }
}

/// The [`TokenSource`] of one connection.
struct ConnectionTokens {
    connections: Arc<Connections>,
    id: String,
    scopes: StdMutex<Vec<String>>,
}

impl fmt::Debug for ConnectionTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionTokens")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl ConnectionTokens {
    fn token_of(&self, connection: &Connection) -> AccessToken {
        *self.scopes.lock().expect("scopes") = connection.scopes.clone();
        AccessToken::new(connection.access_token.expose_secret())
    }
}

fn token_error(error: ConnectionError) -> GhlError {
    GhlError::Token(error.to_string())
}

#[async_trait]
impl TokenSource for ConnectionTokens {
    async fn access_token(&self) -> Result<AccessToken, GhlError> {
        let connection = self
            .connections
            .fresh(&self.id, Want::Current)
            .await
            .map_err(token_error)?;
        Ok(self.token_of(&connection))
    }

    async fn renew_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>, GhlError> {
        let connection = self
            .connections
            .fresh(&self.id, Want::Replace(rejected.expose()))
            .await
            .map_err(token_error)?;
        Ok(Some(self.token_of(&connection)))
    }

    fn granted_scopes(&self) -> Option<Vec<String>> {
        Some(self.scopes.lock().expect("scopes").clone())
    }
}

fn random_byte() -> u8 {
    let mut byte = [0u8; 1];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut byte);
    byte[0]
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}
