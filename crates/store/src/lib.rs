//! nifty-ghl's storage: one interface ([`Store`]) with two engines, SQLite (the embedded
//! default) and PostgreSQL (for several instances sharing the work), each with its own
//! migrations; and the [`vault`], which seals every token and secret before it is stored.
//!
//! This crate never makes HTTP calls. Times are milliseconds since the Unix epoch.

mod cipher;
mod ingest_plan;
pub mod instances;
pub mod keyring;
mod postgres;
pub mod queue;
mod sql_queue;
mod sql_store;
mod sqlite;
pub mod vault;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

pub use instances::{InstanceClaim, InstanceStore};
pub use keyring::{KeyRing, KeySource};
pub use queue::QueueStore;
pub use vault::Vault;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Holds the URL with its password hidden ([`redact_url`]).
    #[error(
        "database URL {0:?} is not understood: use sqlite://PATH (or a file path) or postgres://…"
    )]
    BadUrl(String),
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is not what nifty-ghl wrote: {0}")]
    Corrupt(String),
    #[error(
        "another `nifty-ghl serve` ({holder}) is using the SQLite database {database}; SQLite takes one \
         service at a time: stop the other one, or use PostgreSQL (database_url = \"postgres://…\") \
         to run several instances"
    )]
    InUse { database: String, holder: String },
}

/// The marketplace app's credentials; `client_secret` is sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppRow {
    pub client_id: String,
    pub client_secret: String,
    pub updated_at: Millis,
}

/// An OAuth authorisation waiting for its callback. The state itself is not stored, only its
/// SHA-256; `request` is what the authorisation asked for, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OAuthStateRow {
    pub state_hash: String,
    pub request: String,
    pub created_at: Millis,
    pub expires_at: Millis,
}

/// A connection row as stored: `access_token` and `refresh_token` are sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: String,
    /// `oauth`, `pit` or `agency_minted`.
    pub kind: String,
    /// `Location` or `Company`.
    pub user_type: String,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    /// For a location token minted from an agency token: the agency connection.
    pub parent_id: Option<String>,
    /// Space-separated.
    pub scopes: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub access_expires_at: Option<Millis>,
    /// `ok` or `needs_reauth`.
    pub state: String,
    pub state_reason: Option<String>,
    /// Goes up with every new token pair; a refresh commits only over the version it read.
    pub token_version: i64,
    pub refresh_owner: Option<String>,
    pub refresh_lease_until: Option<Millis>,
    pub last_refresh_at: Option<Millis>,
    pub refresh_count: i64,
    pub user_id: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A refreshed token pair to commit over `expected_version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshedTokens {
    pub id: String,
    pub expected_version: i64,
    pub access_token: String,
    /// `None` keeps the stored refresh token (agency-minted tokens have none).
    pub refresh_token: Option<String>,
    pub access_expires_at: Option<Millis>,
    pub scopes: String,
    pub now: Millis,
}

/// A named secret as stored: `value` is sealed, bound to `name`; `key_id` names the master key
/// it was sealed with.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecretRow {
    pub name: String,
    pub value: String,
    pub key_id: String,
    pub updated_at: Millis,
}

/// Where a sealed value lives, for key rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub table: &'static str,
    pub row_id: String,
    pub column: &'static str,
    pub sealed: String,
}

/// The storage interface: the vault's part ([`VaultStore`]), the pipeline's ([`QueueStore`])
/// and the instances' ([`InstanceStore`]). Both engines pass the same test suite.
pub trait Store: VaultStore + QueueStore + InstanceStore {}

impl<T: VaultStore + QueueStore + InstanceStore + ?Sized> Store for T {}

/// Brings every storage method into scope: `use store::prelude::*`.
pub mod prelude {
    pub use crate::{InstanceStore, QueueStore, Store, VaultStore};
}

/// Connections, OAuth states, the app's credentials, named secrets, and key rotation.
#[async_trait]
pub trait VaultStore: Send + Sync + fmt::Debug {
    fn engine(&self) -> Engine;

    async fn app_credentials(&self) -> Result<Option<AppRow>, StoreError>;
    async fn put_app_credentials(&self, row: &AppRow) -> Result<(), StoreError>;

    async fn put_oauth_state(&self, row: &OAuthStateRow) -> Result<(), StoreError>;
    /// Removes and returns the state, so that it can be used once only.
    async fn take_oauth_state(&self, state_hash: &str)
    -> Result<Option<OAuthStateRow>, StoreError>;
    async fn purge_oauth_states(&self, now: Millis) -> Result<u64, StoreError>;

    /// Inserts each connection, or replaces the tokens and grant of the one with its id (a
    /// reconnect), setting it back to `ok` and moving its token version on. All or none.
    async fn upsert_connections(&self, rows: &[ConnectionRow]) -> Result<(), StoreError>;
    async fn connection(&self, id: &str) -> Result<Option<ConnectionRow>, StoreError>;
    async fn connections(&self) -> Result<Vec<ConnectionRow>, StoreError>;
    async fn delete_connection(&self, id: &str) -> Result<bool, StoreError>;

    /// Takes the refresh lease of a connection until `until`, unless another owner holds an
    /// unexpired one. True when taken.
    async fn try_lease_refresh(
        &self,
        id: &str,
        owner: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool, StoreError>;
    /// Moves the end of a lease `owner` still holds to `until`. False when the lease is no
    /// longer theirs (released, committed, or expired and taken by another owner): a released
    /// lease is never taken again this way.
    async fn renew_refresh(&self, id: &str, owner: &str, until: Millis)
    -> Result<bool, StoreError>;
    async fn release_refresh(&self, id: &str, owner: &str) -> Result<(), StoreError>;
    /// Commits a new token pair if the token version is still `expected_version`, clearing the
    /// lease. False when another refresh committed first.
    async fn store_refreshed(&self, update: &RefreshedTokens) -> Result<bool, StoreError>;
    /// Sets a connection's state; with `expected_version`, only if its tokens are still that
    /// version (a refresh or reconnect since then wins). True when changed.
    async fn set_connection_state(
        &self,
        id: &str,
        state: &str,
        reason: Option<&str>,
        now: Millis,
        expected_version: Option<i64>,
    ) -> Result<bool, StoreError>;

    /// Inserts the named secret, or replaces the one of the same name.
    async fn put_secret(&self, row: &SecretRow) -> Result<(), StoreError>;
    async fn secret(&self, name: &str) -> Result<Option<SecretRow>, StoreError>;
    /// Every named secret, sorted by name.
    async fn secrets(&self) -> Result<Vec<SecretRow>, StoreError>;
    async fn delete_secret(&self, name: &str) -> Result<bool, StoreError>;

    /// Every sealed value, for key rotation.
    async fn sealed_values(&self) -> Result<Vec<SealedValue>, StoreError>;
    /// Replaces one sealed value if it is still `value.sealed`.
    async fn replace_sealed(
        &self,
        value: &SealedValue,
        new_sealed: &str,
    ) -> Result<bool, StoreError>;
}

impl StoreError {
    /// A `BadUrl` error for `url`, which it keeps only with the password hidden.
    pub fn bad_url(url: &str) -> Self {
        Self::BadUrl(redact_url(url))
    }
}

/// `url` with any password replaced by `***`, for messages: `postgres://user:***@host/db`.
/// A `password=` query parameter is hidden too. Text that is not a URL is hidden from its
/// first `:` after the scheme up to the last `@`, so a malformed URL leaks nothing either.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // Userinfo ends at the last `@` (a password may hold `/` or `@` itself); hiding too much
    // when a query holds an `@` is fine.
    if let Some(at) = rest.rfind('@')
        && let Some((user, _password)) = rest[..at].split_once(':')
    {
        return format!("{scheme}://{user}:***@{}", redact_query(&rest[at + 1..]));
    }
    format!("{scheme}://{}", redact_query(rest))
}

/// Hides the value of every `password=` parameter after the first `?`.
fn redact_query(text: &str) -> String {
    let Some((before, query)) = text.split_once('?') else {
        return text.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{before}?{}", pairs.join("&"))
}

/// Opens the database at `url` (`sqlite://PATH`, a plain file path, or `postgres://…`) and
/// applies its engine's migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::open(url, None).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    }
}

/// As [`open`], but only a database that is already there: `None` for an SQLite file that
/// does not exist (or an in-memory one), which is then not created. PostgreSQL is opened as
/// by [`open`].
pub async fn open_existing(url: &str) -> Result<Option<Arc<dyn Store>>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return open(url).await.map(Some);
    }
    match sqlite::database_file(url)? {
        Some(file) if file.exists() => open(url).await.map(Some),
        _ => Ok(None),
    }
}

/// Opens PostgreSQL with every table in `schema` (created if missing): for tests, so that each
/// has a database of its own on one server.
pub async fn open_postgres_schema(url: &str, schema: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(
        postgres::PostgresStore::open(url, Some(schema)).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_a_database_url() {
        let cases = [
            (
                "postgres://nifty:s3cret@db.example.com:5432/ghl",
                "postgres://nifty:***@db.example.com:5432/ghl",
            ),
            (
                "postgresql://nifty:p@ss/w:rd@db/ghl?sslmode=require",
                "postgresql://nifty:***@db/ghl?sslmode=require",
            ),
            (
                "postgres://db/ghl?user=nifty&password=s3cret",
                "postgres://db/ghl?user=nifty&password=***",
            ),
            ("postgres://nifty@db/ghl", "postgres://nifty@db/ghl"),
            (
                "postgres://db/ghl?password=s3cret&application_name=a@b",
                "postgres://db/ghl?password=***&application_name=a@b",
            ),
            ("sqlite://nifty-ghl.db", "sqlite://nifty-ghl.db"),
            ("./nifty-ghl.db", "./nifty-ghl.db"),
            (
                "postgres://nifty:s3cret@db:notaport/ghl",
                "postgres://nifty:***@db:notaport/ghl",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown);
        }
        let error = StoreError::bad_url("mysql://root:s3cret@db/x").to_string();
        assert!(
            !error.contains("s3cret") && error.contains("root:***@"),
            "{error}"
        );
        let debug = format!("{:?}", StoreError::bad_url("mysql://root:s3cret@db/x"));
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}
