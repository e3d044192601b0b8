//! The pipeline's SQL, shared by both engines like `sql_store.rs`: [`sql_queue_impl!`] expands
//! [`crate::QueueStore`] for one engine. `$sql` turns a `?`-placeholder statement into the
//! engine's form; `$skip_locked` is PostgreSQL's `FOR UPDATE SKIP LOCKED` (SQLite has one
//! writer at a time and needs none); `$begin` opens a write transaction (`BEGIN IMMEDIATE` on
//! SQLite, so that two writers never deadlock on a lock upgrade).

/// The columns of a job row, in `JobRow`'s order.
macro_rules! job_columns {
    () => {
        "id, kind, location_id, payload, status, attempts, attempt_base, run_at, locked_by, \
         lease_expires_at, idempotency_key, entity_key, coalesce_key, event_ids, intent_at, \
         last_error, dead_request, dead_response, created_at, updated_at"
    };
}

/// `?, ?, …` for a list of `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// `(?, ?, …), (?, ?, …), …`: `rows` rows of `columns` values each.
pub(crate) fn rows(rows: usize, columns: usize) -> String {
    let row = format!("({})", placeholders(columns));
    vec![row; rows].join(", ")
}

/// The values of `n` new jobs: eleven bound columns, the status and attempts fixed.
pub(crate) fn job_insert_rows(n: usize) -> String {
    vec!["(?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?, ?, ?)"; n].join(", ")
}

/// The `WHERE` conditions of a dead-letter filter (after `status = 'dead'`).
pub(crate) fn dead_filter_sql(filter: &crate::queue::DeadFilter) -> String {
    let mut sql = String::from("status = 'dead'");
    if filter.id.is_some() {
        sql.push_str(" AND id = ?");
    }
    if filter.location_id.is_some() {
        sql.push_str(" AND location_id = ?");
    }
    if filter.kind.is_some() {
        sql.push_str(" AND kind = ?");
    }
    sql
}

macro_rules! bind_dead_filter {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        if let Some(id) = $filter.id {
            query = query.bind(id);
        }
        if let Some(location) = &$filter.location_id {
            query = query.bind(location.clone());
        }
        if let Some(kind) = &$filter.kind {
            query = query.bind(kind.clone());
        }
        query
    }};
}

/// Takes back what the dead instance `$id` held, inside `$tx`: its running jobs go back to
/// pending (their attempt stays counted), its location leases and its row go. Evaluates to the
/// number of jobs taken back. Shared by both engines' `bury_dead_instances`.
macro_rules! bury_instance {
    ($tx:expr, $id:expr, $now:expr, $sql:path) => {{
        let jobs = sqlx::query($sql(
            "UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL, \
             last_error = ?, updated_at = ? WHERE status = 'running' AND locked_by = ?",
        ))
        .bind($crate::instances::BURIED_JOB_ERROR)
        .bind($now)
        .bind($id)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        sqlx::query($sql("DELETE FROM location_leases WHERE owner = ?"))
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query($sql("DELETE FROM instances WHERE id = ?"))
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        jobs
    }};
}
pub(crate) use bury_instance;

macro_rules! sql_queue_impl {
    ($store:ty, $sql:path, $skip_locked:expr, $begin:expr) => {
        #[async_trait]
        impl QueueStore for $store {
            async fn ingest(&self, batch: &[IngestItem], now: Millis) -> Result<Vec<Ingested>, StoreError> {
                use std::collections::{HashMap, HashSet};
                use $crate::ingest_plan::{PendingJob, plan_job_writes};
                // Rows per multi-row statement: far below either engine's limit on parameters.
                const ROWS: usize = 250;
                let mut tx = self.writer.begin_with($begin).await?;

                // 1. The events, once each: an id seen before (or earlier in this batch) is a
                // duplicate.
                let mut seen = HashSet::new();
                let first: Vec<&IngestItem> = batch.iter().filter(|i| seen.insert(i.event.id.as_str())).collect();
                let mut stored: HashSet<String> = HashSet::new();
                for chunk in first.chunks(ROWS) {
                    let sql = format!(
                        "INSERT INTO inbox (id, source, kind, location_id, payload, received_at) VALUES {} \
                         ON CONFLICT (id) DO NOTHING RETURNING id",
                        $crate::sql_queue::rows(chunk.len(), 6),
                    );
                    let mut query = sqlx::query_as::<_, (String,)>($sql(&sql));
                    for item in chunk {
                        let event = &item.event;
                        query = query
                            .bind(&event.id)
                            .bind(&event.source)
                            .bind(&event.kind)
                            .bind(&event.location_id)
                            .bind(&event.payload)
                            .bind(event.received_at);
                    }
                    stored.extend(query.fetch_all(&mut *tx).await?.into_iter().map(|r| r.0));
                }
                let mut outcomes = Vec::with_capacity(batch.len());
                let mut accepted_jobs = Vec::new();
                for item in batch {
                    // `remove`: a second copy of an id in this batch is a duplicate.
                    if stored.remove(&item.event.id) {
                        outcomes.push(Ingested::Accepted);
                        accepted_jobs.extend(&item.jobs);
                    } else {
                        outcomes.push(Ingested::Duplicate);
                    }
                }

                // 2. The newest pending job of each coalesce key, to merge into.
                let keys: Vec<&str> = accepted_jobs
                    .iter()
                    .filter_map(|job| job.coalesce_key.as_deref())
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                let mut pending: HashMap<String, PendingJob> = HashMap::new();
                for chunk in keys.chunks(ROWS) {
                    let sql = format!(
                        "SELECT id, coalesce_key, payload, event_ids FROM jobs \
                         WHERE status = 'pending' AND coalesce_key IN ({})",
                        $crate::sql_queue::placeholders(chunk.len()),
                    );
                    let mut query = sqlx::query_as::<_, (i64, String, String, String)>($sql(&sql));
                    for key in chunk {
                        query = query.bind(*key);
                    }
                    for (id, key, payload, event_ids) in query.fetch_all(&mut *tx).await? {
                        if pending.get(&key).is_none_or(|newest| newest.id < id) {
                            pending.insert(key, PendingJob { id, payload, event_ids });
                        }
                    }
                }
                let mut plan = plan_job_writes(accepted_jobs, &pending)?;

                // 3. Merges, where the job is still pending; else its fallback row goes in.
                for chunk in plan.merges.chunks(ROWS) {
                    let sql = format!(
                        "UPDATE jobs SET payload = v.column2, event_ids = v.column3, updated_at = ? \
                         FROM (VALUES {}) AS v WHERE jobs.id = v.column1 AND jobs.status = 'pending' \
                         RETURNING jobs.id",
                        $crate::sql_queue::rows(chunk.len(), 3),
                    );
                    let mut query = sqlx::query_as::<_, (i64,)>($sql(&sql)).bind(now);
                    for merge in chunk {
                        query = query
                            .bind(merge.id)
                            .bind(merge.payload.to_string())
                            .bind(serde_json::to_string(&merge.event_ids).expect("ids serialise"));
                    }
                    let merged: HashSet<i64> =
                        query.fetch_all(&mut *tx).await?.into_iter().map(|r| r.0).collect();
                    for merge in chunk {
                        if merged.contains(&merge.id) {
                            continue;
                        }
                        plan.inserts[merge.fallback].only_if_merge_fails = false;
                    }
                }

                // 4. New jobs, in the order their events came.
                let inserts: Vec<_> = plan.inserts.iter().filter(|row| !row.only_if_merge_fails).collect();
                for chunk in inserts.chunks(ROWS) {
                    let sql = format!(
                        "INSERT INTO jobs (kind, location_id, payload, status, attempts, run_at, \
                         idempotency_key, entity_key, after_key, coalesce_key, event_ids, created_at, updated_at) \
                         VALUES {} ON CONFLICT (idempotency_key) DO NOTHING",
                        $crate::sql_queue::job_insert_rows(chunk.len()),
                    );
                    let mut query = sqlx::query($sql(&sql));
                    for row in chunk {
                        query = query
                            .bind(&row.kind)
                            .bind(&row.location_id)
                            .bind(row.payload.to_string())
                            .bind(row.run_at)
                            .bind(&row.idempotency_key)
                            .bind(&row.entity_key)
                            .bind(&row.after_key)
                            .bind(&row.coalesce_key)
                            .bind(serde_json::to_string(&row.event_ids).expect("ids serialise"))
                            .bind(now)
                            .bind(now);
                    }
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(outcomes)
            }

            async fn claim_jobs_capped(
                &self,
                owner: &str,
                caps: &[(String, i64)],
                now: Millis,
                lease_until: Millis,
                limit: i64,
            ) -> Result<Vec<JobRow>, StoreError> {
                if caps.is_empty() || limit <= 0 {
                    return Ok(Vec::new());
                }
                let ready_unblocked = "j.status = 'pending' AND j.run_at <= ? \
                     AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.entity_key = j.entity_key \
                     AND e.id < j.id AND e.status IN ('pending', 'running')) \
                     AND (j.after_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs a \
                     WHERE a.entity_key = j.after_key AND a.id < j.id AND a.status IN ('pending', 'running')))";
                // GHL jobs only of locations with budget left, so that a spent location's
                // backlog does not crowd out the candidates; other jobs of every location.
                let open: Vec<&str> = caps
                    .iter()
                    .filter(|(_, cap)| *cap > 0)
                    .map(|(location, _)| location.as_str())
                    .collect();
                let ghl_allowed = if open.is_empty() {
                    String::new()
                } else {
                    format!(" OR j.location_id IN ({})", $crate::sql_queue::placeholders(open.len()))
                };
                let sql = format!(
                    "SELECT j.id, j.location_id, j.kind FROM jobs j WHERE {ready_unblocked} AND j.location_id IN ({}) \
                     AND (j.kind NOT LIKE ?{ghl_allowed}) ORDER BY j.run_at, j.id LIMIT ?",
                    $crate::sql_queue::placeholders(caps.len()),
                );
                let mut query = sqlx::query_as::<_, (i64, String, String)>($sql(&sql)).bind(now);
                for (location, _) in caps {
                    query = query.bind(location);
                }
                query = query.bind(format!("{}%", $crate::queue::GHL_JOB_PREFIX));
                for location in &open {
                    query = query.bind(*location);
                }
                // Enough candidates to fill every cap even when the oldest crowd into a few
                // locations.
                let candidates = query.bind(limit * 4).fetch_all(&self.pool).await?;
                let mut left: std::collections::HashMap<&str, i64> =
                    caps.iter().map(|(location, cap)| (location.as_str(), *cap)).collect();
                let mut picked = Vec::new();
                for (id, location, kind) in &candidates {
                    if picked.len() as i64 >= limit {
                        break;
                    }
                    if !kind.starts_with($crate::queue::GHL_JOB_PREFIX) {
                        picked.push(*id);
                    } else if let Some(cap) = left.get_mut(location.as_str()).filter(|cap| **cap > 0) {
                        *cap -= 1;
                        picked.push(*id);
                    }
                }
                if picked.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "UPDATE jobs SET status = 'running', locked_by = ?, lease_expires_at = ?, \
                     attempts = attempts + 1, updated_at = ? \
                     WHERE id IN (SELECT j.id FROM jobs j WHERE j.id IN ({}) AND {ready_unblocked} {}) \
                     RETURNING {}",
                    $crate::sql_queue::placeholders(picked.len()),
                    $skip_locked,
                    $crate::sql_queue::job_columns!(),
                );
                let mut query = sqlx::query_as::<_, JobRow>($sql(&sql))
                    .bind(owner)
                    .bind(lease_until)
                    .bind(now);
                for id in &picked {
                    query = query.bind(id);
                }
                let mut jobs = query.bind(now).fetch_all(&self.writer).await?;
                jobs.sort_by_key(|j| (j.run_at, j.id));
                Ok(jobs)
            }

            async fn heartbeat_jobs(&self, owner: &str, ids: &[i64], lease_until: Millis) -> Result<(), StoreError> {
                if ids.is_empty() {
                    return Ok(());
                }
                let sql = format!(
                    "UPDATE jobs SET lease_expires_at = ? WHERE locked_by = ? AND status = 'running' AND id IN ({})",
                    $crate::sql_queue::placeholders(ids.len())
                );
                let mut query = sqlx::query($sql(&sql)).bind(lease_until).bind(owner);
                for id in ids {
                    query = query.bind(id);
                }
                query.execute(&self.writer).await?;
                Ok(())
            }

            async fn mark_intent(&self, id: i64, owner: &str, attempt: i64, now: Millis) -> Result<bool, StoreError> {
                let intent = $crate::queue::Intent { id, owner: owner.to_owned(), attempt };
                Ok(self.mark_intents(std::slice::from_ref(&intent), now).await?[0])
            }

            async fn mark_intents(&self, batch: &[$crate::queue::Intent], now: Millis) -> Result<Vec<bool>, StoreError> {
                let mut held = Vec::with_capacity(batch.len());
                let mut tx = self.writer.begin_with($begin).await?;
                for intent in batch {
                    held.push(
                        sqlx::query($sql(
                            "UPDATE jobs SET intent_at = COALESCE(intent_at, ?), updated_at = ? \
                             WHERE id = ? AND locked_by = ? AND attempts = ? AND status = 'running'",
                        ))
                        .bind(now)
                        .bind(now)
                        .bind(intent.id)
                        .bind(&intent.owner)
                        .bind(intent.attempt)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                            == 1,
                    );
                }
                tx.commit().await?;
                Ok(held)
            }

            async fn finish_job(
                &self,
                id: i64,
                owner: &str,
                attempt: i64,
                outcome: &JobOutcome,
                now: Millis,
            ) -> Result<bool, StoreError> {
                let finish = $crate::queue::Finish {
                    id,
                    owner: owner.to_owned(),
                    attempt,
                    outcome: Some(outcome.clone()),
                    record: None,
                    identities: Vec::new(),
                };
                Ok(self.finish_jobs(std::slice::from_ref(&finish), now).await?[0])
            }

            async fn finish_jobs(&self, batch: &[$crate::queue::Finish], now: Millis) -> Result<Vec<bool>, StoreError> {
                let mut held = Vec::with_capacity(batch.len());
                let mut tx = self.writer.begin_with($begin).await?;
                for finish in batch {
                    let query = match &finish.outcome {
                        None => None,
                        Some(JobOutcome::Succeeded) => Some(sqlx::query($sql(
                            "UPDATE jobs SET status = 'succeeded', locked_by = NULL, lease_expires_at = NULL, \
                             last_error = NULL, updated_at = ? \
                             WHERE id = ? AND locked_by = ? AND attempts = ? AND status = 'running'",
                        ))
                        .bind(now)),
                        Some(JobOutcome::Retry { run_at, error, spend_attempt }) => Some(sqlx::query($sql(
                            "UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL, \
                             run_at = ?, last_error = ?, attempts = attempts - ?, updated_at = ? \
                             WHERE id = ? AND locked_by = ? AND attempts = ? AND status = 'running'",
                        ))
                        .bind(*run_at)
                        .bind(error.clone())
                        .bind(i64::from(!*spend_attempt))
                        .bind(now)),
                        Some(JobOutcome::Dead { error, request, response }) => Some(sqlx::query($sql(
                            "UPDATE jobs SET status = 'dead', locked_by = NULL, lease_expires_at = NULL, \
                             last_error = ?, dead_request = ?, dead_response = ?, updated_at = ? \
                             WHERE id = ? AND locked_by = ? AND attempts = ? AND status = 'running'",
                        ))
                        .bind(error.clone())
                        .bind(request.clone())
                        .bind(response.clone())
                        .bind(now)),
                    };
                    let still_held = match query {
                        Some(query) => {
                            query
                                .bind(finish.id)
                                .bind(&finish.owner)
                                .bind(finish.attempt)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected()
                                == 1
                        }
                        None => false,
                    };
                    held.push(still_held);
                    for identity in finish.identities.iter().filter(|_| still_held) {
                        sqlx::query($sql(
                            "INSERT INTO identities (location_id, kind, source_id, ghl_id, updated_at) VALUES (?, ?, ?, ?, ?) \
                             ON CONFLICT (location_id, kind, source_id) DO UPDATE SET ghl_id = excluded.ghl_id, \
                             updated_at = excluded.updated_at",
                        ))
                        .bind(&identity.location_id)
                        .bind(&identity.kind)
                        .bind(&identity.source_id)
                        .bind(&identity.ghl_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if let Some(record) = &finish.record {
                        sqlx::query($sql(
                            "INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, calls, error) \
                             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        ))
                        .bind(record.job_id)
                        .bind(record.attempt)
                        .bind(&record.worker)
                        .bind(record.started_at)
                        .bind(record.finished_at)
                        .bind(&record.outcome)
                        .bind(&record.calls)
                        .bind(&record.error)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(held)
            }

            async fn requeue_expired(&self, now: Millis) -> Result<u64, StoreError> {
                Ok(sqlx::query($sql(
                    "UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL, \
                     last_error = 'the worker stopped answering (lease expired)', updated_at = ? \
                     WHERE status = 'running' AND lease_expires_at < ?",
                ))
                .bind(now)
                .bind(now)
                .execute(&self.writer)
                .await?
                .rows_affected())
            }

            async fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
                Ok(sqlx::query_as($sql(concat!("SELECT ", $crate::sql_queue::job_columns!(), " FROM jobs WHERE id = ?")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn queue_stats(&self) -> Result<QueueStats, StoreError> {
                let rows: Vec<(String, i64)> = sqlx::query_as($sql("SELECT status, COUNT(*) FROM jobs GROUP BY status"))
                    .fetch_all(&self.pool)
                    .await?;
                let mut stats = QueueStats::default();
                for (status, count) in rows {
                    match status.as_str() {
                        "pending" => stats.pending = count,
                        "running" => stats.running = count,
                        "succeeded" => stats.succeeded = count,
                        "dead" => stats.dead = count,
                        _ => {}
                    }
                }
                let oldest: (Option<i64>,) = sqlx::query_as($sql("SELECT MIN(run_at) FROM jobs WHERE status = 'pending'"))
                    .fetch_one(&self.pool)
                    .await?;
                stats.oldest_pending_run_at = oldest.0;
                Ok(stats)
            }

            async fn next_run_at(&self, locations: &[String]) -> Result<Option<Millis>, StoreError> {
                if locations.is_empty() {
                    return Ok(None);
                }
                let sql = format!(
                    // In run_at order, stopping at the first: MIN() would read the whole backlog.
                    "SELECT run_at FROM jobs WHERE status = 'pending' AND location_id IN ({}) \
                     ORDER BY run_at LIMIT 1",
                    $crate::sql_queue::placeholders(locations.len())
                );
                let mut query = sqlx::query_as::<_, (i64,)>($sql(&sql));
                for location in locations {
                    query = query.bind(location);
                }
                Ok(query.fetch_optional(&self.pool).await?.map(|row| row.0))
            }

            async fn record_attempt(&self, attempt: &AttemptRow) -> Result<(), StoreError> {
                sqlx::query($sql(
                    "INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, calls, error) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(attempt.job_id)
                .bind(attempt.attempt)
                .bind(&attempt.worker)
                .bind(attempt.started_at)
                .bind(attempt.finished_at)
                .bind(&attempt.outcome)
                .bind(&attempt.calls)
                .bind(&attempt.error)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn attempts(&self, job_id: Option<i64>, limit: i64) -> Result<Vec<AttemptRow>, StoreError> {
                let columns = "job_id, attempt, worker, started_at, finished_at, outcome, calls, error";
                Ok(match job_id {
                    Some(id) => {
                        sqlx::query_as($sql(&format!(
                            "SELECT {columns} FROM job_attempts WHERE job_id = ? ORDER BY attempt LIMIT ?"
                        )))
                        .bind(id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?
                    }
                    None => {
                        let mut rows: Vec<AttemptRow> = sqlx::query_as($sql(&format!(
                            "SELECT {columns} FROM job_attempts ORDER BY id DESC LIMIT ?"
                        )))
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                        rows.reverse();
                        rows
                    }
                })
            }

            async fn dead_jobs(&self, filter: &DeadFilter, limit: i64) -> Result<Vec<JobRow>, StoreError> {
                let sql = format!(
                    "SELECT {} FROM jobs WHERE {} ORDER BY id LIMIT ?",
                    $crate::sql_queue::job_columns!(),
                    $crate::sql_queue::dead_filter_sql(filter)
                );
                let query = $crate::sql_queue::bind_dead_filter!(sqlx::query_as::<_, JobRow>($sql(&sql)), filter);
                Ok(query.bind(limit).fetch_all(&self.pool).await?)
            }

            async fn replay_dead(&self, filter: &DeadFilter, now: Millis) -> Result<u64, StoreError> {
                let sql = format!(
                    "UPDATE jobs SET status = 'pending', attempt_base = attempts, run_at = ?, \
                     intent_at = NULL, dead_request = NULL, dead_response = NULL, updated_at = ? WHERE {}",
                    $crate::sql_queue::dead_filter_sql(filter)
                );
                let query = $crate::sql_queue::bind_dead_filter!(sqlx::query($sql(&sql)).bind(now).bind(now), filter);
                Ok(query.execute(&self.writer).await?.rows_affected())
            }

            async fn discard_dead(&self, filter: &DeadFilter, now: Millis) -> Result<u64, StoreError> {
                let sql = format!(
                    "UPDATE jobs SET status = 'discarded', updated_at = ? WHERE {}",
                    $crate::sql_queue::dead_filter_sql(filter)
                );
                let query = $crate::sql_queue::bind_dead_filter!(sqlx::query($sql(&sql)).bind(now), filter);
                Ok(query.execute(&self.writer).await?.rows_affected())
            }

            async fn identity(&self, location_id: &str, kind: &str, source_id: &str) -> Result<Option<String>, StoreError> {
                let row: Option<(String,)> = sqlx::query_as($sql(
                    "SELECT ghl_id FROM identities WHERE location_id = ? AND kind = ? AND source_id = ?",
                ))
                .bind(location_id)
                .bind(kind)
                .bind(source_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.0))
            }

            async fn identity_by_ghl_id(&self, location_id: &str, kind: &str, ghl_id: &str) -> Result<Option<String>, StoreError> {
                let row: Option<(String,)> = sqlx::query_as($sql(
                    "SELECT source_id FROM identities WHERE location_id = ? AND kind = ? AND ghl_id = ? LIMIT 1",
                ))
                .bind(location_id)
                .bind(kind)
                .bind(ghl_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.0))
            }

            async fn put_identity(
                &self,
                location_id: &str,
                kind: &str,
                source_id: &str,
                ghl_id: &str,
                now: Millis,
            ) -> Result<(), StoreError> {
                sqlx::query($sql(
                    "INSERT INTO identities (location_id, kind, source_id, ghl_id, updated_at) VALUES (?, ?, ?, ?, ?) \
                     ON CONFLICT (location_id, kind, source_id) DO UPDATE SET ghl_id = excluded.ghl_id, \
                     updated_at = excluded.updated_at",
                ))
                .bind(location_id)
                .bind(kind)
                .bind(source_id)
                .bind(ghl_id)
                .bind(now)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn heartbeat_instance(&self, id: &str, now: Millis) -> Result<(), StoreError> {
                sqlx::query($sql(
                    "INSERT INTO instances (id, heartbeat_at) VALUES (?, ?) \
                     ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                ))
                .bind(id)
                .bind(now)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn alive_instances(&self, since: Millis) -> Result<i64, StoreError> {
                let row: (i64,) = sqlx::query_as($sql("SELECT COUNT(*) FROM instances WHERE heartbeat_at >= ?"))
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.0)
            }

            async fn locations_with_work(&self) -> Result<Vec<String>, StoreError> {
                // A skip scan: one index probe per location, where DISTINCT would read every
                // job of the backlog.
                let rows: Vec<(Option<String>,)> = sqlx::query_as($sql(
                    "WITH RECURSIVE l(location_id) AS ( \
                       SELECT MIN(location_id) FROM jobs WHERE status IN ('pending', 'running') \
                       UNION ALL \
                       SELECT (SELECT MIN(j.location_id) FROM jobs j \
                               WHERE j.status IN ('pending', 'running') AND j.location_id > l.location_id) \
                       FROM l WHERE l.location_id IS NOT NULL) \
                     SELECT location_id FROM l WHERE location_id IS NOT NULL",
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(|r| r.0).collect())
            }

            async fn lease_location(&self, location_id: &str, owner: &str, now: Millis, until: Millis) -> Result<bool, StoreError> {
                Ok(sqlx::query($sql(
                    "INSERT INTO location_leases (location_id, owner, expires_at) VALUES (?, ?, ?) \
                     ON CONFLICT (location_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
                     WHERE location_leases.owner = excluded.owner OR location_leases.expires_at < ?",
                ))
                .bind(location_id)
                .bind(owner)
                .bind(until)
                .bind(now)
                .execute(&self.writer)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn owned_locations(&self, owner: &str, now: Millis) -> Result<Vec<String>, StoreError> {
                let rows: Vec<(String,)> = sqlx::query_as($sql(
                    "SELECT location_id FROM location_leases WHERE owner = ? AND expires_at >= ? ORDER BY location_id",
                ))
                .bind(owner)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            async fn release_locations(&self, owner: &str, locations: &[String]) -> Result<(), StoreError> {
                if locations.is_empty() {
                    return Ok(());
                }
                let sql = format!(
                    "DELETE FROM location_leases WHERE owner = ? AND location_id IN ({})",
                    $crate::sql_queue::placeholders(locations.len())
                );
                let mut query = sqlx::query($sql(&sql)).bind(owner);
                for location in locations {
                    query = query.bind(location);
                }
                query.execute(&self.writer).await?;
                Ok(())
            }

            async fn alert_gate(&self, key: &str, now: Millis, min_interval: Millis) -> Result<Option<i64>, StoreError> {
                let mut tx = self.writer.begin_with($begin).await?;
                // The row exists (-1: never sent) and is locked before it is read, so that two
                // instances raising the same alert at once cannot both send it.
                sqlx::query($sql(
                    "INSERT INTO alerts (key, last_sent_at, suppressed) VALUES (?, -1, 0) ON CONFLICT (key) DO NOTHING",
                ))
                .bind(key)
                .execute(&mut *tx)
                .await?;
                sqlx::query($sql("UPDATE alerts SET suppressed = suppressed WHERE key = ?"))
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                let row: Option<(i64, i64)> = sqlx::query_as($sql(
                    "SELECT last_sent_at, suppressed FROM alerts WHERE key = ?",
                ))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
                let verdict = match row {
                    Some((last, suppressed)) if last >= 0 && now - last < min_interval => {
                        sqlx::query($sql("UPDATE alerts SET suppressed = suppressed + 1 WHERE key = ?"))
                            .bind(key)
                            .execute(&mut *tx)
                            .await?;
                        let _ = suppressed;
                        None
                    }
                    previous => {
                        sqlx::query($sql(
                            "INSERT INTO alerts (key, last_sent_at, suppressed) VALUES (?, ?, 0) \
                             ON CONFLICT (key) DO UPDATE SET last_sent_at = excluded.last_sent_at, suppressed = 0",
                        ))
                        .bind(key)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        Some(previous.map_or(0, |(_, suppressed)| suppressed))
                    }
                };
                tx.commit().await?;
                Ok(verdict)
            }

            async fn purge(&self, events_before: Millis, history_before: Millis) -> Result<u64, StoreError> {
                let mut removed = 0;
                removed += sqlx::query($sql("DELETE FROM inbox WHERE received_at < ?"))
                    .bind(events_before)
                    .execute(&self.writer)
                    .await?
                    .rows_affected();
                removed += sqlx::query($sql(
                    "DELETE FROM jobs WHERE status IN ('succeeded', 'discarded') AND updated_at < ?",
                ))
                .bind(history_before)
                .execute(&self.writer)
                .await?
                .rows_affected();
                removed += sqlx::query($sql("DELETE FROM job_attempts WHERE finished_at < ?"))
                    .bind(history_before)
                    .execute(&self.writer)
                    .await?
                    .rows_affected();
                Ok(removed)
            }
        }
    };
}

pub(crate) use {bind_dead_filter, job_columns, sql_queue_impl};
