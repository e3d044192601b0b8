//! The embedded engine: one SQLite file in WAL mode, fully synchronous commits.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use async_trait::async_trait;

use crate::instances::{InstanceClaim, InstanceStore};
use crate::queue::{
    AttemptRow, DeadFilter, IngestItem, Ingested, JobOutcome, JobRow, QueueStats, QueueStore,
};
use crate::{
    AppRow, ConnectionRow, Engine, Millis, OAuthStateRow, RefreshedTokens, SealedValue, SecretRow,
    StoreError, VaultStore,
};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Readers, in parallel (WAL lets them run beside the writer).
    pool: SqlitePool,
    /// The one connection that writes. SQLite takes one writer at a time anyway; queueing
    /// writers here, in order, spares them SQLite's busy-wait sleeps, which under load cost
    /// more than the writes.
    writer: SqlitePool,
    /// The database file; `None` in memory.
    file: Option<PathBuf>,
}

/// `sqlite://PATH`, `sqlite:PATH` or a plain path, as an `sqlite:` URL.
fn sqlite_url(url: &str) -> Result<String, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(url.to_owned())
    } else if url.contains("://") {
        Err(StoreError::bad_url(url))
    } else {
        Ok(format!("sqlite://{url}"))
    }
}

/// The file an SQLite URL names; `None` for an in-memory database.
pub(crate) fn database_file(url: &str) -> Result<Option<PathBuf>, StoreError> {
    let url = sqlite_url(url)?;
    let options = SqliteConnectOptions::from_str(&url).map_err(|_| StoreError::bad_url(&url))?;
    let file = options.get_filename();
    Ok(Some(file.to_path_buf())
        .filter(|f| !f.as_os_str().is_empty() && f.as_os_str() != ":memory:"))
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let url = sqlite_url(url)?;
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
        let file = Some(options.get_filename().to_path_buf())
            .filter(|f| !f.as_os_str().is_empty() && f.as_os_str() != ":memory:");
        // The writer touches the job indexes all the time: a larger page cache than SQLite's
        // 2 MB keeps them in memory instead of reading them back from the file.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().pragma("cache_size", "-16384"))
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        let migrated = sqlx::migrate!("migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()));
        if let Err(error) = migrated {
            writer.close().await;
            return Err(error);
        }
        // An in-memory database lives in its one connection: readers share it.
        let pool = if file.is_some() {
            SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Open(e.to_string()))?
        } else {
            writer.clone()
        };
        Ok(Self { pool, writer, file })
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
        // A migration that drops what the winner's run of it has already dropped.
        "no such index",
        "duplicate column",
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

#[async_trait]
impl InstanceStore for SqliteStore {
    async fn claim_instance(&self, id: &str, now: Millis) -> Result<InstanceClaim, StoreError> {
        let claim = match &self.file {
            Some(file) => crate::instances::lock_sqlite(file, id)?,
            None => InstanceClaim::private(id),
        };
        sqlx::query(
            "INSERT INTO instances (id, heartbeat_at) VALUES (?, ?) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(id)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(claim)
    }

    /// Whoever holds the claim is the only service on this database: every other instance on
    /// record has stopped.
    async fn bury_dead_instances(
        &self,
        claim: &InstanceClaim,
        _stale_before: Millis,
        now: Millis,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let others: Vec<(String,)> = sqlx::query_as("SELECT id FROM instances WHERE id <> ?")
            .bind(claim.id())
            .fetch_all(&mut *tx)
            .await?;
        let mut buried = Vec::new();
        for (id,) in others {
            let jobs = crate::sql_queue::bury_instance!(tx, &id, now, sqlite_sql);
            buried.push((id, jobs));
        }
        tx.commit().await?;
        Ok(buried)
    }
}
