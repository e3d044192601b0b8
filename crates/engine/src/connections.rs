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
    /// Another process or a reconnect produced newer tokens: read them (internal).
    #[error("the connection's tokens changed meanwhile")]
    Superseded,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Want {
    /// A token good for now (refreshed if it expires within the early window).
    Current,
    /// A different token than this one, which GHL refused.
    Replace(String),
    /// A refresh if the connection has been idle for the keep-alive period.
    KeepAlive,
}

/// A token this close to expiry is not handed out while another process refreshes it.
const STILL_GOOD_MS: Millis = 60_000;

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
    /// Connections read in the last [`RECENT_FOR`]: every GHL call needs its token, and
    /// reading and opening it from the database each time costs more than the call. A token
    /// another process replaced stays valid until it expires; a rejected one is read afresh.
    recent: StdMutex<HashMap<String, (Connection, Instant)>>,
}

/// How long a connection read from the database serves calls before it is read again (and so
/// how long another process's re-auth state can go unnoticed here).
const RECENT_FOR: Duration = Duration::from_secs(1);

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connections")
            .field("api", &self.api.base_url.as_str())
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// An expiry `expires_in` seconds from now.
pub(crate) fn expiry(expires_in: Option<u64>) -> Option<Millis> {
    expires_in.map(|secs| now_millis() + secs as Millis * 1000)
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
            recent: StdMutex::new(HashMap::new()),
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

    /// The connection, or why it cannot be used. A location minted from an agency that needs
    /// re-auth comes back as due, once its agency is fine again, so that it is minted anew.
    async fn load(&self, id: &str) -> Result<Connection, ConnectionError> {
        let mut connection = self
            .vault
            .connection(id)
            .await?
            .ok_or_else(|| ConnectionError::NotConnected(id.to_owned()))?;
        if connection.state == ConnectionState::NeedsReauth {
            let parent_fine = match (&connection.kind, &connection.parent_id) {
                (ConnectionKind::AgencyMinted, Some(parent)) => self
                    .vault
                    .connection(parent)
                    .await?
                    .is_some_and(|p| p.state == ConnectionState::Ok),
                _ => false,
            };
            if !parent_fine && connection.kind == ConnectionKind::Pit {
                // Nothing but a new token from GHL helps: say so, without calling GHL again.
                return Err(ConnectionError::PitRejected { id: id.to_owned() });
            }
            if !parent_fine {
                return Err(ConnectionError::NeedsReauth {
                    id: id.to_owned(),
                    reason: connection
                        .state_reason
                        .clone()
                        .unwrap_or_else(|| "the grant was revoked".into()),
                });
            }
            connection.access_expires_at = Some(0);
        }
        self.recent
            .lock()
            .expect("recent connections")
            .insert(id.to_owned(), (connection.clone(), Instant::now()));
        Ok(connection)
    }

    /// The connection as read within [`RECENT_FOR`], if it was.
    fn recently_read(&self, id: &str) -> Option<Connection> {
        let recent = self.recent.lock().expect("recent connections");
        recent
            .get(id)
            .filter(|(_, read)| read.elapsed() < RECENT_FOR)
            .map(|(connection, _)| connection.clone())
    }

    /// Drops what is known of `id` here, so that the next call reads it again.
    pub(crate) fn forget(&self, id: &str) {
        self.recent.lock().expect("recent connections").remove(id);
    }

    /// The early window, never more than half the token's lifetime (else every new token
    /// would be due at once).
    fn early_ms(&self, connection: &Connection) -> Millis {
        let early = self.settings.early().as_millis() as Millis;
        match (connection.access_expires_at, connection.last_refresh_at) {
            (Some(expires), Some(issued)) if expires > issued => early.min((expires - issued) / 2),
            _ => early,
        }
    }

    fn due(&self, connection: &Connection, want: &Want, now: Millis) -> bool {
        let expiring = connection
            .access_expires_at
            .is_some_and(|at| at - now <= self.early_ms(connection));
        match want {
            Want::Current => expiring,
            Want::Replace(rejected) => connection.access_token.expose_secret() == rejected,
            Want::KeepAlive => {
                let idle = connection
                    .last_refresh_at
                    .is_none_or(|at| now - at >= self.settings.keepalive().as_millis() as Millis);
                connection.kind != ConnectionKind::Pit && (expiring || idle)
            }
        }
    }

    fn local_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().expect("lock table");
        Arc::clone(locks.entry(id.to_owned()).or_default())
    }

    /// The connection with a token that satisfies `want`, refreshing it if needed.
    pub(crate) async fn fresh(
        self: &Arc<Self>,
        id: &str,
        want: Want,
    ) -> Result<Connection, ConnectionError> {
        let give_up = Instant::now() + self.longest_wait();
        if want == Want::Current
            && let Some(connection) = self.recently_read(id)
            && !self.due(&connection, &want, now_millis())
        {
            return Ok(connection);
        }
        loop {
            let connection = self.load(id).await?;
            if !self.due(&connection, &want, now_millis()) {
                return Ok(connection);
            }
            if connection.kind == ConnectionKind::Pit {
                return Err(self.pit_rejected(&connection).await?);
            }
            let lock = self.local_lock(id);
            let guard = lock.lock_owned().await;
            // Another task of this process may have refreshed while this one waited.
            let connection = self.load(id).await?;
            let now = now_millis();
            if !self.due(&connection, &want, now) {
                return Ok(connection);
            }
            let lease_until = now + self.settings.lease().as_millis() as Millis;
            if !self
                .vault
                .store()
                .try_lease_refresh(id, &self.owner, now, lease_until)
                .await?
            {
                // Another process is refreshing. A token still good for a while serves now;
                // otherwise wait for that process's commit and read its token.
                drop(guard);
                let still_good = connection
                    .access_expires_at
                    .is_some_and(|at| at - now > STILL_GOOD_MS);
                if want != Want::KeepAlive && !matches!(want, Want::Replace(_)) && still_good {
                    return Ok(connection);
                }
                if want == Want::KeepAlive {
                    return Ok(connection);
                }
                if Instant::now() > give_up {
                    return Err(ConnectionError::LeaseTimeout { id: id.to_owned() });
                }
                tokio::time::sleep(Duration::from_millis(40 + u64::from(random_byte()) / 2)).await;
                continue;
            }
            // The refresh runs in a task of its own: once GHL has rotated the token, the new
            // pair is committed even if the caller stops waiting.
            let refresh = {
                let this = Arc::clone(self);
                let (id, want) = (id.to_owned(), want.clone());
                // The task keeps this process's lock of the connection until it is done: another
                // task of this process shares the lease's owner name, so it must not start a
                // refresh of its own if this caller stops waiting.
                tokio::spawn(async move {
                    let outcome = this.refresh_under_lease(&id, &want).await;
                    drop(guard);
                    outcome
                })
            };
            let outcome = refresh.await.unwrap_or_else(|error| {
                Err(ConnectionError::Refresh {
                    id: id.to_owned(),
                    source: GhlError::Token(format!("the refresh task failed: {error}")),
                })
            });
            match outcome {
                Ok(Some(connection)) => return Ok(connection),
                Ok(None) => continue,
                Err(error) => return self.after_failed_refresh(id, &want, error).await,
            }
        }
    }

    /// How long a caller waits for another process's refresh before giving up. A live
    /// refresher keeps renewing its lease and is done within one HTTP timeout (plus the
    /// commit's retries), so this is only reached when something is stuck.
    fn longest_wait(&self) -> Duration {
        self.settings.lease().max(self.api.request_timeout) * 2
    }

    /// Holding the lease: refresh and commit, then let the lease go.
    /// `None`: someone else's tokens are newer; read again.
    ///
    /// The lease is renewed every third of its length while the refresh runs: a token call
    /// slower than the lease must not let another process take over and send the same refresh
    /// token, which GHL honours only once.
    async fn refresh_under_lease(
        self: &Arc<Self>,
        id: &str,
        want: &Want,
    ) -> Result<Option<Connection>, ConnectionError> {
        let lease = self.settings.lease();
        let every = (lease / 3).max(Duration::from_millis(50));
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let work = self.refresh_holding_lease(id, want);
        tokio::pin!(work);
        let outcome = loop {
            tokio::select! {
                outcome = &mut work => break outcome,
                _ = renew.tick() => self.renew_lease(id, lease).await,
            }
        };
        // A commit has already let the lease go; every other outcome (a failure, or nothing
        // left to do because another process refreshed first) lets it go here, so that no one
        // waits for a lease nobody uses.
        if let Err(error) = self.vault.store().release_refresh(id, &self.owner).await {
            tracing::warn!(connection = id, %error, "could not release the refresh lease; it expires on its own");
        }
        outcome
    }

    /// Extends this process's lease; one that was lost is only logged, as the refresh's commit
    /// is fenced by the token version anyway.
    async fn renew_lease(&self, id: &str, lease: Duration) {
        let until = now_millis() + lease.as_millis() as Millis;
        match self
            .vault
            .store()
            .renew_refresh(id, &self.owner, until)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                connection = id,
                "the refresh lease was lost while refreshing; the token version decides whose tokens are kept"
            ),
            Err(error) => {
                tracing::warn!(connection = id, %error, "could not renew the refresh lease")
            }
        }
    }

    async fn refresh_holding_lease(
        self: &Arc<Self>,
        id: &str,
        want: &Want,
    ) -> Result<Option<Connection>, ConnectionError> {
        let connection = self.load(id).await?;
        if !self.due(&connection, want, now_millis()) {
            return Ok(Some(connection));
        }
        if connection.refresh_owner.as_deref() != Some(self.owner.as_str()) {
            // The lease expired before this task got here and another process holds it now:
            // sending the refresh token as well could spend it twice.
            return Ok(None);
        }
        let tokens = match connection.kind {
            ConnectionKind::OAuth => self.refresh_oauth(&connection).await,
            ConnectionKind::AgencyMinted => self.mint_again(&connection).await,
            ConnectionKind::Pit => return Err(self.pit_rejected(&connection).await?),
        };
        let tokens = match tokens {
            Ok(tokens) => tokens,
            Err(ConnectionError::Superseded) => return Ok(None),
            Err(error) => return Err(error),
        };
        if self.commit(id, connection.token_version, &tokens).await? {
            tracing::info!(connection = id, "GHL token refreshed and stored");
            Ok(Some(self.load(id).await?))
        } else {
            Ok(None)
        }
    }

    /// Commits a refreshed pair. GHL has already rotated the refresh token, so a passing
    /// database failure is retried for a while: losing this pair means a re-auth.
    async fn commit(
        &self,
        id: &str,
        expected_version: i64,
        tokens: &NewTokens,
    ) -> Result<bool, ConnectionError> {
        let mut delay = Duration::from_millis(100);
        let mut tries = 0;
        loop {
            match self
                .vault
                .commit_refresh(id, expected_version, tokens, now_millis())
                .await
            {
                Ok(committed) => return Ok(committed),
                Err(error) if tries < 6 => {
                    tracing::warn!(connection = id, %error, "storing the refreshed token failed; trying again");
                    tries += 1;
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(error) => {
                    tracing::error!(
                        connection = id, %error,
                        "the refreshed GHL token could not be stored and is probably lost: reconnect if calls fail"
                    );
                    return Err(error.into());
                }
            }
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
                let detail = description.map(|d| format!(": {d}")).unwrap_or_default();
                return Err(self
                    .needs_reauth(connection, format!("GHL answered invalid_grant{detail}"))
                    .await?);
            }
            Err(source) => {
                return Err(ConnectionError::Refresh {
                    id: connection.id.clone(),
                    source,
                });
            }
        };
        if grant.refresh_token.is_none() {
            tracing::warn!(
                connection = %connection.id,
                "GHL's refresh answer carried no new refresh token; the spent one is kept, and the next refresh may need a reconnect"
            );
        }
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
            access_expires_at: expiry(grant.expires_in),
            scopes,
        })
    }

    /// `fresh` for the agency parent, behind a `Send` box: the mint path calls back into
    /// `fresh`, and a recursive async fn needs a named boxed future to be spawnable.
    fn fresh_boxed(
        self: &Arc<Self>,
        id: String,
        want: Want,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Connection, ConnectionError>> + Send + 'static>,
    > {
        let this = Arc::clone(self);
        Box::pin(async move { this.fresh(&id, want).await })
    }

    /// A location token minted from an agency connection is renewed by minting another.
    async fn mint_again(
        self: &Arc<Self>,
        connection: &Connection,
    ) -> Result<NewTokens, ConnectionError> {
        let (Some(parent), Some(company), Some(location)) = (
            &connection.parent_id,
            &connection.company_id,
            &connection.location_id,
        ) else {
            return Err(self
                .needs_reauth(connection, "its agency connection is gone".into())
                .await?);
        };
        // The agency token may itself be refused (expired early, revoked): then it is refreshed
        // once and the mint tried again.
        let mut want = Want::Current;
        let minted = loop {
            let agency = match self.fresh_boxed(parent.clone(), want.clone()).await {
                Ok(agency) => agency,
                Err(error) if error.needs_user() => {
                    let reason = format!("its agency connection: {error}");
                    return Err(self.needs_reauth(connection, reason).await?);
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
                }) if want == Want::Current => want = Want::Replace(token),
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
            access_expires_at: expiry(minted.expires_in),
            scopes,
        })
    }

    /// Marks the connection as needing re-auth, unless its tokens moved on since they were read
    /// (a refresh by another process, or a reconnect): then the caller reads again.
    async fn needs_reauth(
        &self,
        connection: &Connection,
        reason: String,
    ) -> Result<ConnectionError, ConnectionError> {
        let marked = self
            .vault
            .store()
            .set_connection_state(
                &connection.id,
                ConnectionState::NeedsReauth.as_str(),
                Some(&reason),
                now_millis(),
                Some(connection.token_version),
            )
            .await?;
        self.forget(&connection.id);
        if !marked {
            return Ok(ConnectionError::Superseded);
        }
        tracing::warn!(connection = %connection.id, %reason, "GHL connection needs to be authorised again");
        Ok(ConnectionError::NeedsReauth {
            id: connection.id.clone(),
            reason,
        })
    }

    /// A Private Integration Token GHL refused: marked, so that lists show it.
    async fn pit_rejected(
        &self,
        connection: &Connection,
    ) -> Result<ConnectionError, ConnectionError> {
        match self
            .needs_reauth(
                connection,
                "GHL refused the Private Integration Token".into(),
            )
            .await?
        {
            ConnectionError::Superseded => Ok(ConnectionError::Superseded),
            _ => Ok(ConnectionError::PitRejected {
                id: connection.id.clone(),
            }),
        }
    }

    /// An early refresh that failed for a passing reason leaves the current token in use while
    /// it is still valid; anything else is the caller's to handle.
    async fn after_failed_refresh(
        &self,
        id: &str,
        want: &Want,
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
    pub async fn keep_alive(
        self: &Arc<Self>,
    ) -> Result<(usize, Vec<ConnectionError>), ConnectionError> {
        let mut refreshed = 0;
        let mut problems = Vec::new();
        for connection in self.vault.connections().await? {
            if connection.state != ConnectionState::Ok
                || !self.due(&connection, &Want::KeepAlive, now_millis())
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
    pub async fn refresh_now(self: &Arc<Self>, id: &str) -> Result<Connection, ConnectionError> {
        let connection = self.load(id).await?;
        if connection.kind == ConnectionKind::Pit {
            return Err(ConnectionError::NotRefreshable { id: id.to_owned() });
        }
        let current = connection.access_token.expose_secret().to_owned();
        self.fresh(id, Want::Replace(current)).await
    }

    /// Stores a connection (after an authorisation, or a PIT).
    pub async fn save(&self, new: NewConnection) -> Result<Connection, ConnectionError> {
        let saved = self.vault.save_connection(new, now_millis()).await?;
        self.forget(&saved.id);
        Ok(saved)
    }

    /// Stores several connections in one transaction (an agency and its locations): all or none.
    pub async fn save_all(
        &self,
        news: Vec<NewConnection>,
    ) -> Result<Vec<Connection>, ConnectionError> {
        let saved = self.vault.save_connections(news, now_millis()).await?;
        for connection in &saved {
            self.forget(&connection.id);
        }
        Ok(saved)
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
            .fresh(&self.id, Want::Replace(rejected.expose().to_owned()))
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

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}
