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
            return Err(StoreError::bad_url(url));
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|_| StoreError::bad_url(&url))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // Two processes opening a new file at once race to set it up: the loser fails on the
        // winner's lock (switching to WAL, or migrating: "database is locked") or on a table
        // the winner has just made ("already exists"). Once the winner is done the file is in
        // WAL mode and its migrations are recorded, so one more try after a short wait finds
        // nothing left to do.
        match Self::connect_and_migrate(options.clone()).await {
            Err(error) if lost_a_race(&error) => {
                tracing::debug!(%error, "another process was setting up the database; trying again");
                tokio::time::sleep(Duration::from_millis(250)).await;
                Self::connect_and_migrate(options).await
            }
            other => other,
        }
    }

    async fn connect_and_migrate(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        let migrated = sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()));
        if let Err(error) = migrated {
            pool.close().await;
            return Err(error);
        }
        Ok(Self { pool })
    }
}

/// Whether opening failed because another process was setting up the same new file.
fn lost_a_race(error: &StoreError) -> bool {
    let (StoreError::Open(message) | StoreError::Migrate(message)) = error else {
        return false;
    };
    let message = message.to_ascii_lowercase();
    [
        "already exists",
        "database is locked",
        "busy",
        "unique constraint failed: _sqlx_migrations",
    ]
    .iter()
    .any(|sign| message.contains(sign))
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
