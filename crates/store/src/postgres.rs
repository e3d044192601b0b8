//! The engine for several instances: PostgreSQL, sharing the statements SQLite uses.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::queue::{
    AttemptRow, DeadFilter, IngestItem, Ingested, JobOutcome, JobRow, QueueStats, QueueStore,
};
use crate::{
    AppRow, ConnectionRow, Engine, Millis, OAuthStateRow, RefreshedTokens, SealedValue, StoreError,
    VaultStore,
};

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
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
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Self { pool })
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
