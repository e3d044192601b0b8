//! The embedded engine: one SQLite file in WAL mode, fully synchronous commits.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use async_trait::async_trait;

use crate::queue::{
    AttemptRow, DeadFilter, IngestItem, Ingested, JobOutcome, JobRow, QueueStats, QueueStore,
};
use crate::{
    AppRow, ConnectionRow, Engine, Millis, OAuthStateRow, RefreshedTokens, SealedValue, StoreError,
    VaultStore,
};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else if url.contains("://") {
            return Err(StoreError::BadUrl(url.to_owned()));
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|_| StoreError::BadUrl(url.clone()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Self { pool })
    }
}

/// SQLite takes the shared statements as written.
fn sqlite_sql(sql: &'static str) -> &'static str {
    sql
}

/// The same, for statements built at run time (lists of values).
fn sqlite_dynamic(sql: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql.to_owned())
}

crate::sql_store::sql_store_impl!(SqliteStore, Engine::Sqlite, sqlite_sql, "BEGIN IMMEDIATE");
crate::sql_queue::sql_queue_impl!(SqliteStore, sqlite_dynamic, "", "BEGIN IMMEDIATE");
