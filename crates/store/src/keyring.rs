//! Master keys: where they come from (a key file with mode 0600, or `NIFTY_GHL_MASTER_KEY`),
//! their ids, and writing key files safely. A key ring holds one or more 256-bit keys; the
//! first seals new values, the others still open values sealed before a rotation.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// The environment variable that holds the master key(s), comma-separated, active first.
pub const MASTER_KEY_ENV: &str = "NIFTY_GHL_MASTER_KEY";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the master key file {0} does not exist: run `nifty-ghl init`, or set {MASTER_KEY_ENV}"
    )]
    Missing(PathBuf),
    #[error("cannot read the master key file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "the master key file {path} can be read by other users (mode {mode:o}); run `chmod 600 {path}`"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{origin} holds no master key")]
    Empty { origin: String },
    #[error("{origin}, key {index}: {reason}")]
    Invalid {
        origin: String,
        index: usize,
        reason: String,
    },
    #[error("cannot write the master key file {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("no random numbers from the operating system")]
    Random,
}

/// Where the key ring comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    /// The value of `NIFTY_GHL_MASTER_KEY` (never printed).
    Env(EnvKeys),
}

/// The keys given in the environment. Its `Debug` shows no key.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvKeys(String);

impl fmt::Debug for EnvKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvKeys([redacted])")
    }
}

impl KeySource {
    /// `NIFTY_GHL_MASTER_KEY` when it is set, else the key file at `path`.
    pub fn from_env_or_file(path: impl Into<PathBuf>) -> Self {
        match std::env::var(MASTER_KEY_ENV) {
            Ok(value) if !value.trim().is_empty() => Self::Env(EnvKeys(value)),
            _ => Self::File(path.into()),
        }
    }

    pub fn env(value: impl Into<String>) -> Self {
        Self::Env(EnvKeys(value.into()))
    }

    pub fn describe(&self) -> String {
        match self {
            Self::File(path) => format!("the master key file {}", path.display()),
            Self::Env(_) => MASTER_KEY_ENV.to_owned(),
        }
    }
}

/// One 256-bit key and its id (the first 8 bytes of its SHA-256, in hex). Never printed.
pub struct MasterKey {
    id: String,
    key: LessSafeKey,
}

impl MasterKey {
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
        let id = digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(Self {
            id,
            key: LessSafeKey::new(unbound),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn aead(&self) -> &LessSafeKey {
        &self.key
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

#[derive(Debug)]
pub struct KeyRing {
    keys: Vec<MasterKey>,
}

impl KeyRing {
    pub fn load(source: &KeySource) -> Result<Self, KeyError> {
        match source {
            KeySource::Env(EnvKeys(value)) => Self::parse(value, MASTER_KEY_ENV, ','),
            KeySource::File(path) => {
                check_permissions(path)?;
                let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => KeyError::Missing(path.clone()),
                    _ => KeyError::Unreadable {
                        path: path.clone(),
                        reason: e.to_string(),
                    },
                })?;
                Self::parse(&text, &path.display().to_string(), '\n')
            }
        }
    }

    fn parse(text: &str, origin: &str, separator: char) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        let entries = text
            .split(separator)
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        for (index, entry) in entries.enumerate() {
            let invalid = |reason: &str| KeyError::Invalid {
                origin: origin.to_owned(),
                index: index + 1,
                reason: reason.to_owned(),
            };
            let bytes = STANDARD.decode(entry).map_err(|_| {
                invalid("not base64; a key is 32 random bytes in base64 (44 characters)")
            })?;
            if bytes.len() != 32 {
                return Err(invalid(&format!(
                    "{} bytes; a key is 32 bytes",
                    bytes.len()
                )));
            }
            keys.push(
                MasterKey::from_bytes(&bytes)
                    .ok_or_else(|| invalid("not usable as an AES-256 key"))?,
            );
        }
        if keys.is_empty() {
            return Err(KeyError::Empty {
                origin: origin.to_owned(),
            });
        }
        Ok(Self { keys })
    }

    /// The key new values are sealed with.
    pub fn active(&self) -> &MasterKey {
        &self.keys[0]
    }

    pub fn get(&self, id: &str) -> Option<&MasterKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }
}

/// 32 random bytes from the operating system, as base64.
pub fn generate_key() -> Result<String, KeyError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| KeyError::Random)?;
    Ok(STANDARD.encode(bytes))
}

/// Creates a key file with one new key, mode 0600. An existing file is never overwritten:
/// `Ok(false)` says it was already there.
pub fn create_key_file(path: &Path) -> Result<bool, KeyError> {
    let key = generate_key()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let text = format!("# nifty-ghl master key: keep it secret, keep a backup.\n{key}\n");
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| KeyError::Write {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(KeyError::Write {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// An exclusive lock on `<key file>.lock`, held until dropped: one rotation at a time.
pub fn lock_key_file(path: &Path) -> Result<std::fs::File, KeyError> {
    let lock_path = path.with_extension("key.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| KeyError::Write {
            path: lock_path.clone(),
            reason: e.to_string(),
        })?;
    file.lock().map_err(|e| KeyError::Write {
        path: lock_path,
        reason: e.to_string(),
    })?;
    Ok(file)
}

/// Replaces the key file with `keys` (base64, active first), atomically and with mode 0600.
pub fn write_key_file(path: &Path, keys: &[String]) -> Result<(), KeyError> {
    let fail = |e: std::io::Error| KeyError::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut unique = [0u8; 8];
    SystemRandom::new()
        .fill(&mut unique)
        .map_err(|_| KeyError::Random)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix: String = unique.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = path.with_file_name(format!(".{name}.{suffix}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).map_err(fail)?;
    let mut text =
        String::from("# nifty-ghl master keys, active first: keep them secret, keep a backup.\n");
    for key in keys {
        text.push_str(key);
        text.push('\n');
    }
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(fail)?;
    Ok(())
}

/// The base64 keys of a key file, active first.
pub fn read_key_file(path: &Path) -> Result<Vec<String>, KeyError> {
    KeyRing::load(&KeySource::File(path.to_owned()))?;
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

fn check_permissions(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::TooOpen {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
    }
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_reports_bad_ones_by_position() {
        let one = generate_key().unwrap();
        let two = generate_key().unwrap();
        let ring = KeyRing::load(&KeySource::env(format!("{one}, {two}"))).unwrap();
        assert_eq!(ring.ids().len(), 2);
        assert_eq!(ring.active().id().len(), 16);
        let bad = KeyRing::load(&KeySource::env(format!("{one},AAAA"))).unwrap_err();
        assert!(bad.to_string().contains("key 2: 3 bytes"), "{bad}");
        assert!(KeyRing::load(&KeySource::env(" , ")).is_err());
        assert!(!format!("{:?}", KeySource::env(one.clone())).contains(&one));
    }

    #[test]
    fn key_files_are_private_and_never_overwritten() {
        let dir = std::env::temp_dir().join(format!(
            "nifty-ghl-keys-{}",
            generate_key().unwrap().replace(['/', '+', '='], "")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("master.key");
        assert!(create_key_file(&path).unwrap());
        let before = std::fs::read_to_string(&path).unwrap();
        assert!(!create_key_file(&path).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        assert!(KeyRing::load(&KeySource::File(path.clone())).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                KeyRing::load(&KeySource::File(path.clone())),
                Err(KeyError::TooOpen { .. })
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
