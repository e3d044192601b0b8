//! The SQL both engines share, written once with `?` placeholders; PostgreSQL numbers them.
//! [`sql_store_impl!`] expands the [`crate::Store`] implementation for one engine's pool.

/// The columns of a connection row, in `ConnectionRow`'s order.
macro_rules! connection_columns {
    () => {
        "id, kind, user_type, location_id, company_id, parent_id, scopes, access_token, \
         refresh_token, access_expires_at, state, state_reason, token_version, refresh_owner, \
         refresh_lease_until, last_refresh_at, refresh_count, user_id, created_at, updated_at"
    };
}

/// `$store` has a `pool` field; `$sql` turns a `?`-placeholder statement into the engine's form.
macro_rules! sql_store_impl {
    ($store:ty, $engine:expr, $sql:path, $begin:expr) => {
        #[async_trait]
        impl VaultStore for $store {
            fn engine(&self) -> Engine {
                $engine
            }

            async fn app_credentials(&self) -> Result<Option<AppRow>, StoreError> {
                Ok(sqlx::query_as($sql("SELECT client_id, client_secret, updated_at FROM app_credentials WHERE id = 1"))
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn put_app_credentials(&self, row: &AppRow) -> Result<(), StoreError> {
                sqlx::query($sql("INSERT INTO app_credentials (id, client_id, client_secret, updated_at) VALUES (1, ?, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id, \
                     client_secret = excluded.client_secret, updated_at = excluded.updated_at"))
                .bind(&row.client_id)
                .bind(&row.client_secret)
                .bind(row.updated_at)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn put_oauth_state(&self, row: &OAuthStateRow) -> Result<(), StoreError> {
                sqlx::query($sql("INSERT INTO oauth_states (state_hash, request, created_at, expires_at) VALUES (?, ?, ?, ?)"))
                    .bind(&row.state_hash)
                    .bind(&row.request)
                    .bind(row.created_at)
                    .bind(row.expires_at)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn take_oauth_state(&self, state_hash: &str) -> Result<Option<OAuthStateRow>, StoreError> {
                Ok(sqlx::query_as($sql("DELETE FROM oauth_states WHERE state_hash = ? RETURNING state_hash, request, created_at, expires_at"))
                .bind(state_hash)
                .fetch_optional(&self.writer)
                .await?)
            }

            async fn purge_oauth_states(&self, now: Millis) -> Result<u64, StoreError> {
                Ok(sqlx::query($sql("DELETE FROM oauth_states WHERE expires_at < ?"))
                    .bind(now)
                    .execute(&self.writer)
                    .await?
                    .rows_affected())
            }

            async fn upsert_connections(&self, rows: &[ConnectionRow]) -> Result<(), StoreError> {
                let mut tx = self.writer.begin_with($begin).await?;
                for row in rows {
                    sqlx::query($sql("INSERT INTO connections (id, kind, user_type, location_id, company_id, parent_id, scopes, \
                         access_token, refresh_token, access_expires_at, state, state_reason, token_version, \
                         last_refresh_at, refresh_count, user_id, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, 1, ?, 0, ?, ?, ?) \
                         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, user_type = excluded.user_type, \
                         location_id = excluded.location_id, company_id = excluded.company_id, \
                         parent_id = excluded.parent_id, scopes = excluded.scopes, \
                         access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
                         access_expires_at = excluded.access_expires_at, state = 'ok', state_reason = NULL, \
                         token_version = connections.token_version + 1, refresh_owner = NULL, \
                         refresh_lease_until = NULL, last_refresh_at = excluded.last_refresh_at, \
                         user_id = excluded.user_id, updated_at = excluded.updated_at"))
                    .bind(&row.id)
                    .bind(&row.kind)
                    .bind(&row.user_type)
                    .bind(&row.location_id)
                    .bind(&row.company_id)
                    .bind(&row.parent_id)
                    .bind(&row.scopes)
                    .bind(&row.access_token)
                    .bind(&row.refresh_token)
                    .bind(row.access_expires_at)
                    .bind(row.last_refresh_at)
                    .bind(&row.user_id)
                    .bind(row.created_at)
                    .bind(row.updated_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn connection(&self, id: &str) -> Result<Option<ConnectionRow>, StoreError> {
                Ok(sqlx::query_as($sql(concat!("SELECT ", $crate::sql_store::connection_columns!(), " FROM connections WHERE id = ?")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn connections(&self) -> Result<Vec<ConnectionRow>, StoreError> {
                let mut rows: Vec<ConnectionRow> = sqlx::query_as($sql(concat!("SELECT ", $crate::sql_store::connection_columns!(), " FROM connections")))
                    .fetch_all(&self.pool)
                    .await?;
                // Sorted here, byte-wise: the engines' collations differ.
                rows.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(rows)
            }

            async fn delete_connection(&self, id: &str) -> Result<bool, StoreError> {
                Ok(sqlx::query($sql("DELETE FROM connections WHERE id = ?"))
                    .bind(id)
                    .execute(&self.writer)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn try_lease_refresh(&self, id: &str, owner: &str, now: Millis, until: Millis) -> Result<bool, StoreError> {
                Ok(sqlx::query($sql("UPDATE connections SET refresh_owner = ?, refresh_lease_until = ? \
                     WHERE id = ? AND (refresh_owner IS NULL OR refresh_owner = ? OR refresh_lease_until < ?)"))
                .bind(owner)
                .bind(until)
                .bind(id)
                .bind(owner)
                .bind(now)
                .execute(&self.writer)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn renew_refresh(&self, id: &str, owner: &str, until: Millis) -> Result<bool, StoreError> {
                Ok(sqlx::query($sql("UPDATE connections SET refresh_lease_until = ? WHERE id = ? AND refresh_owner = ?"))
                .bind(until)
                .bind(id)
                .bind(owner)
                .execute(&self.writer)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn release_refresh(&self, id: &str, owner: &str) -> Result<(), StoreError> {
                sqlx::query($sql("UPDATE connections SET refresh_owner = NULL, refresh_lease_until = NULL WHERE id = ? AND refresh_owner = ?"))
                .bind(id)
                .bind(owner)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn store_refreshed(&self, update: &RefreshedTokens) -> Result<bool, StoreError> {
                Ok(sqlx::query($sql("UPDATE connections SET access_token = ?, refresh_token = COALESCE(?, refresh_token), \
                     access_expires_at = ?, scopes = ?, token_version = token_version + 1, \
                     refresh_owner = NULL, refresh_lease_until = NULL, last_refresh_at = ?, \
                     refresh_count = refresh_count + 1, state = 'ok', state_reason = NULL, updated_at = ? \
                     WHERE id = ? AND token_version = ?"))
                .bind(&update.access_token)
                .bind(&update.refresh_token)
                .bind(update.access_expires_at)
                .bind(&update.scopes)
                .bind(update.now)
                .bind(update.now)
                .bind(&update.id)
                .bind(update.expected_version)
                .execute(&self.writer)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn set_connection_state(
                &self,
                id: &str,
                state: &str,
                reason: Option<&str>,
                now: Millis,
                expected_version: Option<i64>,
            ) -> Result<bool, StoreError> {
                let changed = match expected_version {
                    Some(version) => sqlx::query($sql(
                        "UPDATE connections SET state = ?, state_reason = ?, updated_at = ? WHERE id = ? AND token_version = ?",
                    ))
                    .bind(state)
                    .bind(reason)
                    .bind(now)
                    .bind(id)
                    .bind(version),
                    None => sqlx::query($sql(
                        "UPDATE connections SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?",
                    ))
                    .bind(state)
                    .bind(reason)
                    .bind(now)
                    .bind(id),
                }
                .execute(&self.writer)
                .await?
                .rows_affected();
                Ok(changed == 1)
            }

            async fn put_secret(&self, row: &SecretRow) -> Result<(), StoreError> {
                sqlx::query($sql("INSERT INTO named_secrets (name, value, key_id, updated_at) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, key_id = excluded.key_id, \
                     updated_at = excluded.updated_at"))
                .bind(&row.name)
                .bind(&row.value)
                .bind(&row.key_id)
                .bind(row.updated_at)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn secret(&self, name: &str) -> Result<Option<SecretRow>, StoreError> {
                Ok(sqlx::query_as($sql("SELECT name, value, key_id, updated_at FROM named_secrets WHERE name = ?"))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn secrets(&self) -> Result<Vec<SecretRow>, StoreError> {
                let mut rows: Vec<SecretRow> = sqlx::query_as($sql("SELECT name, value, key_id, updated_at FROM named_secrets"))
                    .fetch_all(&self.pool)
                    .await?;
                // Sorted here, byte-wise: the engines' collations differ.
                rows.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(rows)
            }

            async fn delete_secret(&self, name: &str) -> Result<bool, StoreError> {
                Ok(sqlx::query($sql("DELETE FROM named_secrets WHERE name = ?"))
                    .bind(name)
                    .execute(&self.writer)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn sealed_values(&self) -> Result<Vec<SealedValue>, StoreError> {
                let mut values = Vec::new();
                let app: Option<(String,)> = sqlx::query_as($sql("SELECT client_secret FROM app_credentials WHERE id = 1"))
                    .fetch_optional(&self.pool)
                    .await?;
                if let Some((sealed,)) = app {
                    values.push(SealedValue { table: "app_credentials", row_id: "1".into(), column: "client_secret", sealed });
                }
                let rows: Vec<(String, String, Option<String>)> =
                    sqlx::query_as($sql("SELECT id, access_token, refresh_token FROM connections ORDER BY id"))
                        .fetch_all(&self.pool)
                        .await?;
                for (id, access, refresh) in rows {
                    values.push(SealedValue { table: "connections", row_id: id.clone(), column: "access_token", sealed: access });
                    if let Some(sealed) = refresh {
                        values.push(SealedValue { table: "connections", row_id: id, column: "refresh_token", sealed });
                    }
                }
                for row in self.secrets().await? {
                    values.push(SealedValue { table: "named_secrets", row_id: row.name, column: "value", sealed: row.value });
                }
                Ok(values)
            }

            async fn replace_sealed(&self, value: &SealedValue, new_sealed: &str) -> Result<bool, StoreError> {
                if (value.table, value.column) == ("named_secrets", "value") {
                    // The key id column follows the value it describes.
                    let key_id = $crate::cipher::key_id(new_sealed)
                        .ok_or_else(|| StoreError::Corrupt(format!("named secret {}: not a sealed value", value.row_id)))?;
                    return Ok(sqlx::query($sql("UPDATE named_secrets SET value = ?, key_id = ? WHERE name = ? AND value = ?"))
                        .bind(new_sealed)
                        .bind(key_id)
                        .bind(&value.row_id)
                        .bind(&value.sealed)
                        .execute(&self.writer)
                        .await?
                        .rows_affected()
                        == 1);
                }
                let sql: &'static str = match (value.table, value.column) {
                    ("app_credentials", "client_secret") => {
                        "UPDATE app_credentials SET client_secret = ? WHERE CAST(id AS TEXT) = ? AND client_secret = ?"
                    }
                    ("connections", "access_token") => {
                        "UPDATE connections SET access_token = ? WHERE id = ? AND access_token = ?"
                    }
                    ("connections", "refresh_token") => {
                        "UPDATE connections SET refresh_token = ? WHERE id = ? AND refresh_token = ?"
                    }
                    (table, column) => return Err(StoreError::Corrupt(format!("no sealed column {table}.{column}"))),
                };
                Ok(sqlx::query($sql(sql))
                    .bind(new_sealed)
                    .bind(&value.row_id)
                    .bind(&value.sealed)
                    .execute(&self.writer)
                    .await?
                    .rows_affected()
                    == 1)
            }
        }
    };
}

pub(crate) use {connection_columns, sql_store_impl};
