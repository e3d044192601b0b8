//! The token vault: GHL connections, the app's client secret and the named secrets the
//! configuration reads (NiftyImages keys, webhook secrets), sealed before they are stored and
//! opened after they are read. Nothing leaves the vault in plain text except through
//! [`secrecy::ExposeSecret`].

use std::fmt;
use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};

use crate::cipher::{self, CipherError};
use crate::keyring::{self, KeyError, KeyRing, KeySource};
use crate::prelude::*;
use crate::{AppRow, ConnectionRow, Millis, RefreshedTokens, SealedValue, SecretRow, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{place}: {error}")]
    Cipher { place: String, error: CipherError },
    #[error(
        "the master key from {origin} does not open the vault (it holds values sealed with key {sealed_with}; this key ring has {available}): use the key the vault was created with"
    )]
    WrongKey {
        origin: String,
        sealed_with: String,
        available: String,
    },
    #[error("stored connection {id} is not valid: {reason}")]
    BadRow { id: String, reason: String },
    #[error("secret name {name:?} is not valid: {reason}")]
    BadSecretName { name: String, reason: &'static str },
    #[error("the secret {name} is empty: an empty value is never stored")]
    EmptySecret { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    /// OAuth authorisation-code grant, refreshed with its rotating refresh token.
    OAuth,
    /// A Private Integration Token: no refresh; the user rotates it.
    Pit,
    /// A location token minted from the agency connection `parent_id`, renewed by minting again.
    AgencyMinted,
}

impl ConnectionKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::OAuth => "oauth",
            Self::Pit => "pit",
            Self::AgencyMinted => "agency_minted",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "oauth" => Some(Self::OAuth),
            "pit" => Some(Self::Pit),
            "agency_minted" => Some(Self::AgencyMinted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    Location,
    Company,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Location => "Location",
            Self::Company => "Company",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Ok,
    /// The grant is gone (`invalid_grant`): work for this location waits for a reconnect.
    NeedsReauth,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NeedsReauth => "needs_reauth",
        }
    }
}

/// A GHL connection with its tokens opened. `Debug` masks the tokens.
#[derive(Clone)]
pub struct Connection {
    pub id: String,
    pub kind: ConnectionKind,
    pub user_type: UserType,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    pub parent_id: Option<String>,
    pub scopes: Vec<String>,
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub access_expires_at: Option<Millis>,
    pub state: ConnectionState,
    pub state_reason: Option<String>,
    pub token_version: i64,
    pub refresh_owner: Option<String>,
    pub refresh_lease_until: Option<Millis>,
    pub last_refresh_at: Option<Millis>,
    pub refresh_count: i64,
    pub user_id: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("location_id", &self.location_id)
            .field("scopes", &self.scopes)
            .field("access_token", &mask(self.access_token.expose_secret()))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("access_expires_at", &self.access_expires_at)
            .field("state", &self.state)
            .field("token_version", &self.token_version)
            .finish_non_exhaustive()
    }
}

/// At most a kind prefix and the last four characters: `pit-…abcd`.
pub fn mask(secret: &str) -> String {
    let prefix = match secret.split_once('-') {
        Some((head, _)) if head.len() <= 4 && head.chars().all(|c| c.is_ascii_alphabetic()) => {
            format!("{head}-")
        }
        _ => String::new(),
    };
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return format!("{prefix}…");
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

impl Connection {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A connection to store (new, or replacing the one with the same location or company).
#[derive(Clone)]
pub struct NewConnection {
    pub kind: ConnectionKind,
    pub user_type: UserType,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    pub parent_id: Option<String>,
    pub scopes: Vec<String>,
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub access_expires_at: Option<Millis>,
    pub user_id: Option<String>,
}

impl fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewConnection")
            .field("kind", &self.kind)
            .field("location_id", &self.location_id)
            .field("company_id", &self.company_id)
            .finish_non_exhaustive()
    }
}

/// A token pair from a refresh (or a new mint), to commit.
#[derive(Clone)]
pub struct NewTokens {
    pub access_token: SecretString,
    /// `None` keeps the stored refresh token.
    pub refresh_token: Option<SecretString>,
    pub access_expires_at: Option<Millis>,
    pub scopes: Vec<String>,
}

impl fmt::Debug for NewTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTokens")
            .field("access_expires_at", &self.access_expires_at)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The id a connection is stored under: one per location, one per agency.
pub fn connection_id(
    user_type: UserType,
    location_id: Option<&str>,
    company_id: Option<&str>,
) -> String {
    match (user_type, location_id, company_id) {
        (UserType::Location, Some(location), _) => format!("loc_{location}"),
        (_, _, Some(company)) => format!("company_{company}"),
        (_, Some(location), None) => format!("loc_{location}"),
        (_, None, None) => "unknown".into(),
    }
}

/// What a key rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationReport {
    pub resealed: usize,
    /// Values changed by someone else (a refresh) while rotating; they were sealed afresh then.
    pub skipped_changed: usize,
    pub active_key: String,
}

/// A named secret as a listing shows it: never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    pub name: String,
    /// The master key the value is sealed with.
    pub key_id: String,
    pub updated_at: Millis,
}

/// The longest name a named secret may have.
pub const MAX_SECRET_NAME: usize = 200;

fn check_secret_name(name: &str) -> Result<(), VaultError> {
    let bad = |reason| VaultError::BadSecretName {
        name: name.chars().take(MAX_SECRET_NAME).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.len() > MAX_SECRET_NAME {
        return Err(bad("it is longer than 200 bytes"));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it holds a space or a control character"));
    }
    Ok(())
}

pub struct Vault {
    store: Arc<dyn Store>,
    source: KeySource,
    keys: RwLock<Arc<KeyRing>>,
    /// The key file's modification time and size when it was read: a change means another
    /// process rotated the key, and the ring is read again before anything is sealed.
    key_file_stamp: std::sync::Mutex<Option<(std::time::SystemTime, u64)>>,
}

fn file_stamp(source: &KeySource) -> Option<(std::time::SystemTime, u64)> {
    match source {
        KeySource::File(path) => std::fs::metadata(path)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len()))),
        KeySource::Env(_) => None,
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("store", &self.store.engine())
            .field("keys", &self.keys().ids())
            .finish()
    }
}

const CONNECTIONS: &str = "connections";
/// The table of named secrets; each value is bound to its name (the row id) and this column.
const SECRETS: &str = "named_secrets";
const SECRET_COLUMN: &str = "value";

impl Vault {
    /// Loads the key ring and checks that it opens what the vault already holds, so that a wrong
    /// master key is refused at once instead of on first use.
    pub async fn open(store: Arc<dyn Store>, source: KeySource) -> Result<Self, VaultError> {
        let keys = KeyRing::load(&source)?;
        let vault = Self {
            store,
            key_file_stamp: std::sync::Mutex::new(file_stamp(&source)),
            source,
            keys: RwLock::new(Arc::new(keys)),
        };
        // One value per key id in use: a ring that lacks any of them is refused now.
        let mut checked = std::collections::HashSet::new();
        for value in vault.store.sealed_values().await? {
            let key_id = cipher::key_id(&value.sealed).unwrap_or_default().to_owned();
            if !checked.insert(key_id) {
                continue;
            }
            let keys = vault.keys();
            let place = cipher::aad(value.table, &value.row_id, value.column);
            if let Err(error) = cipher::open(&keys, &place, &value.sealed) {
                return Err(match error {
                    CipherError::UnknownKey(id) => VaultError::WrongKey {
                        origin: vault.source.describe(),
                        sealed_with: id,
                        available: keys.ids().join(", "),
                    },
                    error => VaultError::Cipher { place, error },
                });
            }
        }
        Ok(vault)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn key_source(&self) -> &KeySource {
        &self.source
    }

    pub fn keys(&self) -> Arc<KeyRing> {
        Arc::clone(&self.keys.read().expect("key ring lock"))
    }

    /// Reads the key ring again (after another process rotated the key).
    pub fn reload_keys(&self) -> Result<(), VaultError> {
        let stamp = file_stamp(&self.source);
        let keys = KeyRing::load(&self.source)?;
        *self.keys.write().expect("key ring lock") = Arc::new(keys);
        *self.key_file_stamp.lock().expect("stamp lock") = stamp;
        Ok(())
    }

    /// The ring to seal with: read again first if the key file changed since it was read, so
    /// that nothing is sealed with a key a rotation is retiring.
    fn sealing_keys(&self) -> Result<Arc<KeyRing>, VaultError> {
        let stamp = file_stamp(&self.source);
        if stamp.is_some() && stamp != *self.key_file_stamp.lock().expect("stamp lock") {
            self.reload_keys()?;
        }
        Ok(self.keys())
    }

    fn seal(
        keys: &KeyRing,
        table: &str,
        row_id: &str,
        column: &str,
        secret: &str,
    ) -> Result<String, VaultError> {
        let place = cipher::aad(table, row_id, column);
        cipher::seal(keys, &place, secret.as_bytes())
            .map_err(|error| VaultError::Cipher { place, error })
    }

    /// After writing values sealed with `used`: if a rotation retired its active key meanwhile,
    /// those values may have landed after the rotation's last pass and would be left sealed with
    /// a key that is leaving the file. This process still holds that key in `used`, so it seals
    /// them again under the new active key (each only if it is still what was written).
    ///
    /// The write itself has succeeded by then, so a failure here is logged, not returned.
    async fn reseal_if_rotated(&self, used: &KeyRing, rows: &[(&str, &str)]) {
        if let Err(error) = self.try_reseal_if_rotated(used, rows).await {
            tracing::warn!(
                %error,
                "values written during a key rotation could not be sealed again; run `nifty-ghl keys rotate` again"
            );
        }
    }

    async fn try_reseal_if_rotated(
        &self,
        used: &KeyRing,
        rows: &[(&str, &str)],
    ) -> Result<(), VaultError> {
        let current = self.sealing_keys()?;
        let retired = used.active().id();
        if current.active().id() == retired {
            return Ok(());
        }
        for value in self.store.sealed_values().await? {
            let ours = rows
                .iter()
                .any(|(table, id)| value.table == *table && value.row_id == *id);
            if !ours || cipher::key_id(&value.sealed) != Some(retired) {
                continue;
            }
            let place = cipher::aad(value.table, &value.row_id, value.column);
            let plain =
                cipher::open(used, &place, &value.sealed).map_err(|error| VaultError::Cipher {
                    place: place.clone(),
                    error,
                })?;
            let resealed = cipher::seal(&current, &place, &plain)
                .map_err(|error| VaultError::Cipher { place, error })?;
            self.store.replace_sealed(&value, &resealed).await?;
        }
        Ok(())
    }

    /// Opens a value; a value sealed with a key this process does not know yet makes it read
    /// the key ring again once (another process may have rotated the key).
    fn open_value(
        &self,
        table: &str,
        row_id: &str,
        column: &str,
        sealed: &str,
    ) -> Result<SecretString, VaultError> {
        let place = cipher::aad(table, row_id, column);
        let attempt = |keys: &KeyRing| cipher::open(keys, &place, sealed);
        let plain = match attempt(&self.keys()) {
            Err(CipherError::UnknownKey(_)) => {
                self.reload_keys()?;
                attempt(&self.keys())
            }
            other => other,
        }
        .map_err(|error| VaultError::Cipher {
            place: place.clone(),
            error,
        })?;
        let text = String::from_utf8(plain).map_err(|_| VaultError::Cipher {
            place,
            error: CipherError::Malformed,
        })?;
        Ok(SecretString::from(text))
    }

    pub async fn set_app_credentials(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        now: Millis,
    ) -> Result<(), VaultError> {
        let keys = self.sealing_keys()?;
        let sealed = Self::seal(
            &keys,
            "app_credentials",
            "1",
            "client_secret",
            client_secret.expose_secret(),
        )?;
        self.store
            .put_app_credentials(&AppRow {
                client_id: client_id.to_owned(),
                client_secret: sealed,
                updated_at: now,
            })
            .await?;
        self.reseal_if_rotated(&keys, &[("app_credentials", "1")])
            .await;
        Ok(())
    }

    /// The marketplace app's client id and secret, when set.
    pub async fn app_credentials(&self) -> Result<Option<(String, SecretString)>, VaultError> {
        let Some(row) = self.store.app_credentials().await? else {
            return Ok(None);
        };
        let secret =
            self.open_value("app_credentials", "1", "client_secret", &row.client_secret)?;
        Ok(Some((row.client_id, secret)))
    }

    /// Stores the named secret `name`, replacing any value it had. The value is sealed bound to
    /// its name: copied to another name in the database, it no longer opens.
    pub async fn put_secret(
        &self,
        name: &str,
        value: &SecretString,
        now: Millis,
    ) -> Result<(), VaultError> {
        check_secret_name(name)?;
        if value.expose_secret().is_empty() {
            return Err(VaultError::EmptySecret {
                name: name.to_owned(),
            });
        }
        let keys = self.sealing_keys()?;
        let sealed = Self::seal(&keys, SECRETS, name, SECRET_COLUMN, value.expose_secret())?;
        self.store
            .put_secret(&SecretRow {
                name: name.to_owned(),
                value: sealed,
                key_id: keys.active().id().to_owned(),
                updated_at: now,
            })
            .await?;
        self.reseal_if_rotated(&keys, &[(SECRETS, name)]).await;
        Ok(())
    }

    /// The named secret `name`, opened; `None` when the vault holds none of that name.
    pub async fn secret(&self, name: &str) -> Result<Option<SecretString>, VaultError> {
        check_secret_name(name)?;
        match self.store.secret(name).await? {
            Some(row) => Ok(Some(self.open_value(
                SECRETS,
                &row.name,
                SECRET_COLUMN,
                &row.value,
            )?)),
            None => Ok(None),
        }
    }

    /// Forgets the named secret `name`; false when there was none.
    pub async fn delete_secret(&self, name: &str) -> Result<bool, VaultError> {
        check_secret_name(name)?;
        Ok(self.store.delete_secret(name).await?)
    }

    /// The names of the stored secrets, sorted, with their key and time; never their values
    /// (nothing is opened).
    pub async fn secret_names(&self) -> Result<Vec<SecretInfo>, VaultError> {
        Ok(self
            .store
            .secrets()
            .await?
            .into_iter()
            .map(|row| SecretInfo {
                name: row.name,
                key_id: row.key_id,
                updated_at: row.updated_at,
            })
            .collect())
    }

    /// Stores a connection, replacing the one for the same location (or agency).
    pub async fn save_connection(
        &self,
        new: NewConnection,
        now: Millis,
    ) -> Result<Connection, VaultError> {
        let mut saved = self.save_connections(vec![new], now).await?;
        Ok(saved.remove(0))
    }

    /// Stores several connections in one transaction: all of them, or none.
    pub async fn save_connections(
        &self,
        news: Vec<NewConnection>,
        now: Millis,
    ) -> Result<Vec<Connection>, VaultError> {
        let keys = self.sealing_keys()?;
        let mut rows = Vec::with_capacity(news.len());
        for new in news {
            let id = connection_id(
                new.user_type,
                new.location_id.as_deref(),
                new.company_id.as_deref(),
            );
            let access_token = Self::seal(
                &keys,
                CONNECTIONS,
                &id,
                "access_token",
                new.access_token.expose_secret(),
            )?;
            let refresh_token = new
                .refresh_token
                .as_ref()
                .map(|t| Self::seal(&keys, CONNECTIONS, &id, "refresh_token", t.expose_secret()))
                .transpose()?;
            rows.push(ConnectionRow {
                id,
                kind: new.kind.as_str().to_owned(),
                user_type: new.user_type.as_str().to_owned(),
                location_id: new.location_id,
                company_id: new.company_id,
                parent_id: new.parent_id,
                scopes: new.scopes.join(" "),
                access_token,
                refresh_token,
                access_expires_at: new.access_expires_at,
                state: ConnectionState::Ok.as_str().to_owned(),
                state_reason: None,
                token_version: 1,
                refresh_owner: None,
                refresh_lease_until: None,
                last_refresh_at: Some(now),
                refresh_count: 0,
                user_id: new.user_id,
                created_at: now,
                updated_at: now,
            });
        }
        self.store.upsert_connections(&rows).await?;
        let written: Vec<(&str, &str)> =
            rows.iter().map(|r| (CONNECTIONS, r.id.as_str())).collect();
        self.reseal_if_rotated(&keys, &written).await;
        let mut saved = Vec::with_capacity(rows.len());
        for row in rows {
            let connection = self
                .connection(&row.id)
                .await?
                .ok_or_else(|| VaultError::BadRow {
                    id: row.id.clone(),
                    reason: "it was not there after saving it".into(),
                })?;
            saved.push(connection);
        }
        Ok(saved)
    }

    pub async fn connection(&self, id: &str) -> Result<Option<Connection>, VaultError> {
        match self.store.connection(id).await? {
            Some(row) => Ok(Some(self.decode(row)?)),
            None => Ok(None),
        }
    }

    pub async fn connection_for_location(
        &self,
        location_id: &str,
    ) -> Result<Option<Connection>, VaultError> {
        self.connection(&connection_id(UserType::Location, Some(location_id), None))
            .await
    }

    pub async fn connections(&self) -> Result<Vec<Connection>, VaultError> {
        self.store
            .connections()
            .await?
            .into_iter()
            .map(|row| self.decode(row))
            .collect()
    }

    /// Commits a refreshed pair over `expected_version`; false if another refresh won.
    pub async fn commit_refresh(
        &self,
        id: &str,
        expected_version: i64,
        tokens: &NewTokens,
        now: Millis,
    ) -> Result<bool, VaultError> {
        let keys = self.sealing_keys()?;
        let access_token = Self::seal(
            &keys,
            CONNECTIONS,
            id,
            "access_token",
            tokens.access_token.expose_secret(),
        )?;
        let refresh_token = tokens
            .refresh_token
            .as_ref()
            .map(|t| Self::seal(&keys, CONNECTIONS, id, "refresh_token", t.expose_secret()))
            .transpose()?;
        let update = RefreshedTokens {
            id: id.to_owned(),
            expected_version,
            access_token,
            refresh_token,
            access_expires_at: tokens.access_expires_at,
            scopes: tokens.scopes.join(" "),
            now,
        };
        let committed = self.store.store_refreshed(&update).await?;
        if committed {
            self.reseal_if_rotated(&keys, &[(CONNECTIONS, id)]).await;
        }
        Ok(committed)
    }

    /// Seals every value again under the active key of the ring in use. Safe while other
    /// processes work: each value is replaced only if it is unchanged since it was read.
    pub async fn reseal_all(&self) -> Result<RotationReport, VaultError> {
        self.reseal_with(&self.keys()).await
    }

    /// Re-seals, with `keys`, every value not sealed with its active key; passes again while
    /// writers raced it, up to a few times.
    async fn reseal_with(&self, keys: &KeyRing) -> Result<RotationReport, VaultError> {
        let active = keys.active().id().to_owned();
        let mut report = RotationReport {
            active_key: active.clone(),
            ..RotationReport::default()
        };
        for _pass in 0..5 {
            let stale: Vec<SealedValue> = self
                .store
                .sealed_values()
                .await?
                .into_iter()
                .filter(|v| cipher::key_id(&v.sealed) != Some(active.as_str()))
                .collect();
            if stale.is_empty() {
                return Ok(report);
            }
            for value in stale {
                let place = cipher::aad(value.table, &value.row_id, value.column);
                let plain = cipher::open(keys, &place, &value.sealed).map_err(|error| {
                    VaultError::Cipher {
                        place: place.clone(),
                        error,
                    }
                })?;
                let resealed = cipher::seal(keys, &place, &plain)
                    .map_err(|error| VaultError::Cipher { place, error })?;
                if self.store.replace_sealed(&value, &resealed).await? {
                    report.resealed += 1;
                } else {
                    report.skipped_changed += 1;
                }
            }
        }
        Err(VaultError::BadRow {
            id: "(many)".into(),
            reason: "values kept changing while being sealed again; run the rotation again".into(),
        })
    }

    /// Rotates the master key of a key file while other processes keep working:
    /// 1. the new key goes in first, the old ones stay, so every process can open everything;
    /// 2. every value is sealed again under the new key;
    /// 3. the old keys leave the file;
    /// 4. anything a process sealed with an old key in the meantime is sealed again (this
    ///    process still holds the old keys), and writers read the file again before sealing.
    ///
    /// A lock file keeps two rotations from running at once.
    pub async fn rotate_key_file(&self) -> Result<RotationReport, VaultError> {
        let KeySource::File(path) = &self.source else {
            return Err(VaultError::Key(KeyError::Invalid {
                origin: self.source.describe(),
                index: 0,
                reason: "a key file rotation needs a key file; with NIFTY_GHL_MASTER_KEY put the new key first and run `nifty-ghl keys rotate`".into(),
            }));
        };
        let _lock = keyring::lock_key_file(path)?;
        let old = keyring::read_key_file(path)?;
        let new = keyring::generate_key()?;
        let mut both = vec![new.clone()];
        both.extend(old);
        keyring::write_key_file(path, &both)?;
        self.reload_keys()?;
        let ring = self.keys();
        let mut report = self.reseal_with(&ring).await?;
        keyring::write_key_file(path, &[new])?;
        let stragglers = self.reseal_with(&ring).await?;
        report.resealed += stragglers.resealed;
        report.skipped_changed += stragglers.skipped_changed;
        self.reload_keys()?;
        Ok(report)
    }

    fn decode(&self, row: ConnectionRow) -> Result<Connection, VaultError> {
        let bad = |reason: &str| VaultError::BadRow {
            id: row.id.clone(),
            reason: reason.to_owned(),
        };
        let kind = ConnectionKind::parse(&row.kind).ok_or_else(|| bad("unknown kind"))?;
        let user_type = match row.user_type.as_str() {
            "Location" => UserType::Location,
            "Company" => UserType::Company,
            _ => return Err(bad("unknown user type")),
        };
        let state = match row.state.as_str() {
            "ok" => ConnectionState::Ok,
            "needs_reauth" => ConnectionState::NeedsReauth,
            _ => return Err(bad("unknown state")),
        };
        let access_token =
            self.open_value(CONNECTIONS, &row.id, "access_token", &row.access_token)?;
        let refresh_token = row
            .refresh_token
            .as_deref()
            .map(|sealed| self.open_value(CONNECTIONS, &row.id, "refresh_token", sealed))
            .transpose()?;
        Ok(Connection {
            kind,
            user_type,
            state,
            access_token,
            refresh_token,
            scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
            id: row.id,
            location_id: row.location_id,
            company_id: row.company_id,
            parent_id: row.parent_id,
            access_expires_at: row.access_expires_at,
            state_reason: row.state_reason,
            token_version: row.token_version,
            refresh_owner: row.refresh_owner,
            refresh_lease_until: row.refresh_lease_until,
            last_refresh_at: row.last_refresh_at,
            refresh_count: row.refresh_count,
            user_id: row.user_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
