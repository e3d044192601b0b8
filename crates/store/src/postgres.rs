//! The engine for several instances: PostgreSQL, sharing the statements SQLite uses.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::instances::{InstanceClaim, InstanceStore};
use crate::queue::{
    AttemptRow, DeadFilter, IngestItem, Ingested, JobOutcome, JobRow, QueueStats, QueueStore,
};
use crate::{
    AppRow, ConnectionRow, Engine, Millis, OAuthStateRow, RefreshedTokens, SealedValue, SecretRow,
    StoreError, VaultStore,
};

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The same pool: PostgreSQL takes writers side by side (the name is SQLite's split).
    writer: PgPool,
    /// For the session each instance's claim keeps open.
    options: PgConnectOptions,
}

impl PostgresStore {
    /// Connects and migrates; with `schema`, every table lives in that schema (made if missing).
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url).map_err(|_| StoreError::bad_url(url))?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Open(format!(
                    "schema name {schema:?} must be letters, digits and _"
                )));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .map_err(|e| StoreError::Open(e.to_string()))?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Self {
            writer: pool.clone(),
            pool,
            options,
        })
    }
}

/// `?` placeholders become `$1`, `$2`, … (none of the shared statements has a `?` in a literal).
fn postgres_sql(sql: &str) -> sqlx::AssertSqlSafe<String> {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut number = 0;
    for c in sql.chars() {
        if c == '?' {
            number += 1;
            out.push('$');
            out.push_str(&number.to_string());
        } else {
            out.push(c);
        }
    }
    sqlx::AssertSqlSafe(out)
}

crate::sql_store::sql_store_impl!(PostgresStore, Engine::Postgres, postgres_sql, "BEGIN");
crate::sql_queue::sql_queue_impl!(
    PostgresStore,
    postgres_sql,
    "FOR UPDATE SKIP LOCKED",
    "BEGIN"
);

#[async_trait]
impl InstanceStore for PostgresStore {
    async fn claim_instance(&self, id: &str, _now: Millis) -> Result<InstanceClaim, StoreError> {
        crate::instances::lock_postgres(&self.options, id).await
    }

    /// An instance is gone when its advisory lock can be taken (its session ended). The probe
    /// holds the lock until the burial commits, so the instance cannot come back half-way.
    async fn bury_dead_instances(
        &self,
        claim: &InstanceClaim,
        stale_before: Millis,
        now: Millis,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let others: Vec<(String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, lock_key, heartbeat_at FROM instances WHERE id <> $1 ORDER BY id",
        )
        .bind(claim.id())
        .fetch_all(&mut *tx)
        .await?;
        let mut buried = Vec::new();
        for (id, lock_key, heartbeat_at) in others {
            let dead = match lock_key {
                Some(key) => {
                    let (free,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await?;
                    free
                }
                None => heartbeat_at < stale_before,
            };
            if !dead {
                continue;
            }
            let jobs = crate::sql_queue::bury_instance!(tx, &id, now, postgres_sql);
            buried.push((id, jobs));
        }
        tx.commit().await?;
        Ok(buried)
    }
}
