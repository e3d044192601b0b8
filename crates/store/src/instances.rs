//! Which service instances are alive, proven rather than guessed from heartbeats.
//!
//! A killed process cannot say goodbye, and waiting for its leases to run out stalls its jobs
//! for the length of a lease (more than an HTTP timeout). So every running service holds a
//! claim the operating system or the database takes back the moment the process dies:
//!
//! - SQLite: an exclusive lock on a file next to the database. One service runs per SQLite
//!   database, so whoever holds the lock knows every other instance on record is gone.
//! - PostgreSQL: a session advisory lock on a key recorded with the instance. If another
//!   instance can take that lock, its owner's session has ended.
//!
//! A dead instance is buried: its running jobs go back to the queue (their next attempt looks
//! for what the interrupted one may have made), its location leases are freed at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::{Millis, StoreError};

/// What the last attempt of a job taken back from a dead instance says.
pub(crate) const BURIED_JOB_ERROR: &str =
    "the instance running it stopped (its process ended); the job was queued again";

/// This process's proof of life. Dropping it (or dying) lets go.
pub struct InstanceClaim {
    id: String,
    hold: Hold,
}

enum Hold {
    /// SQLite: the exclusive lock file.
    LockFile(#[allow(dead_code)] File),
    /// SQLite in memory: no other process can see the database.
    Private,
    /// PostgreSQL: the session holding the advisory lock, re-made if it drops.
    Session {
        connection: tokio::sync::Mutex<Option<PgConnection>>,
        options: PgConnectOptions,
        key: i64,
    },
}

impl std::fmt::Debug for InstanceClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hold = match &self.hold {
            Hold::LockFile(_) => "lock file",
            Hold::Private => "private database",
            Hold::Session { .. } => "advisory lock",
        };
        f.debug_struct("InstanceClaim")
            .field("id", &self.id)
            .field("hold", &hold)
            .finish()
    }
}

impl InstanceClaim {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn private(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            hold: Hold::Private,
        }
    }

    /// Makes sure the claim still holds; on PostgreSQL a dropped session is re-made and the lock
    /// taken again. An error means other instances may now treat this one as dead.
    pub async fn check(&self) -> Result<(), StoreError> {
        let Hold::Session {
            connection,
            options,
            key,
        } = &self.hold
        else {
            return Ok(());
        };
        let mut connection = connection.lock().await;
        if let Some(session) = connection.as_mut() {
            if session.ping().await.is_ok() {
                return Ok(());
            }
            tracing::error!(
                instance = %self.id,
                "the database session holding this instance's claim dropped; other instances may take over its jobs"
            );
        }
        *connection = None;
        *connection = Some(lock_session(options, &self.id, *key).await?);
        Ok(())
    }
}

/// Claims, burials and the like: what each engine does its own way.
#[async_trait]
pub trait InstanceStore: Send + Sync + std::fmt::Debug {
    /// Registers this process as instance `id` and takes its claim. On SQLite, fails while
    /// another service uses the same database.
    async fn claim_instance(&self, id: &str, now: Millis) -> Result<InstanceClaim, StoreError>;

    /// Buries every instance that has certainly stopped: its running jobs are queued again,
    /// its location leases freed and its record removed. Instances recorded without a lock
    /// key count as stopped once their heartbeat is older than `stale_before`. Returns each
    /// buried instance with the number of jobs it gave back.
    async fn bury_dead_instances(
        &self,
        claim: &InstanceClaim,
        stale_before: Millis,
        now: Millis,
    ) -> Result<Vec<(String, u64)>, StoreError>;
}

/// Where the service lock of a SQLite database lives.
pub(crate) fn lock_file_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".serve-lock");
    PathBuf::from(name)
}

/// Takes the exclusive service lock of a SQLite database and writes this process's id in it.
pub(crate) fn lock_sqlite(database: &Path, id: &str) -> Result<InstanceClaim, StoreError> {
    let path = lock_file_path(database);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            StoreError::Open(format!("cannot open the lock file {}: {e}", path.display()))
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(StoreError::InUse {
                database: database.display().to_string(),
                holder: holder.trim().to_owned(),
            });
        }
        Err(TryLockError::Error(e)) => {
            return Err(StoreError::Open(format!(
                "cannot lock {}: {e}",
                path.display()
            )));
        }
    }
    let note = format!("{id} (pid {})\n", std::process::id());
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(note.as_bytes()))
        .map_err(|e| StoreError::Open(format!("cannot write {}: {e}", path.display())))?;
    Ok(InstanceClaim {
        id: id.to_owned(),
        hold: Hold::LockFile(file),
    })
}

/// Opens a session of its own, takes the advisory lock `key` and records the instance with it.
async fn lock_session(
    options: &PgConnectOptions,
    id: &str,
    key: i64,
) -> Result<PgConnection, StoreError> {
    let mut session = PgConnection::connect_with(options)
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
    let (taken,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut session)
        .await?;
    if !taken {
        return Err(StoreError::Open(format!(
            "the advisory lock of instance {id} is held by another session"
        )));
    }
    sqlx::query(
        "INSERT INTO instances (id, heartbeat_at, lock_key) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET lock_key = excluded.lock_key, heartbeat_at = excluded.heartbeat_at",
    )
    .bind(id)
    .bind(crate::now_millis())
    .bind(key)
    .execute(&mut session)
    .await?;
    Ok(session)
}

/// Claims instance `id` on PostgreSQL with a fresh random lock key (a key another live
/// instance holds is skipped).
pub(crate) async fn lock_postgres(
    options: &PgConnectOptions,
    id: &str,
) -> Result<InstanceClaim, StoreError> {
    let mut last = None;
    for _ in 0..4 {
        let key = random_key()?;
        match lock_session(options, id, key).await {
            Ok(session) => {
                return Ok(InstanceClaim {
                    id: id.to_owned(),
                    hold: Hold::Session {
                        connection: tokio::sync::Mutex::new(Some(session)),
                        options: options.clone(),
                        key,
                    },
                });
            }
            Err(error) => last = Some(error),
        }
    }
    Err(last.expect("at least one try"))
}

fn random_key() -> Result<i64, StoreError> {
    let mut bytes = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| StoreError::Open("the system's random source failed".into()))?;
    Ok(i64::from_le_bytes(bytes))
}
