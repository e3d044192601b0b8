//! Sealing: AES-256-GCM with a random 96-bit nonce per value, the additional data binding the
//! value to its table, row and column, and the key id written with it:
//! `v1.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::rand::{SecureRandom, SystemRandom};

use crate::keyring::KeyRing;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherError {
    #[error(
        "the value was sealed with key {0}, which the key ring does not hold (a wrong or missing master key?)"
    )]
    UnknownKey(String),
    #[error(
        "the value cannot be opened: it was changed, moved from another row, or the master key is wrong"
    )]
    Tampered,
    #[error("the value is not in nifty-ghl's sealed form")]
    Malformed,
    #[error("no random numbers from the operating system")]
    Random,
}

/// The additional data of a value: where it lives.
pub fn aad(table: &str, row_id: &str, column: &str) -> String {
    format!("nifty-ghl/{table}/{row_id}/{column}")
}

pub fn seal(keys: &KeyRing, aad: &str, plaintext: &[u8]) -> Result<String, CipherError> {
    let key = keys.active();
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CipherError::Random)?;
    let mut buffer = plaintext.to_vec();
    key.aead()
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut buffer,
        )
        .map_err(|_| CipherError::Malformed)?;
    let mut packed = nonce.to_vec();
    packed.extend_from_slice(&buffer);
    Ok(format!("v1.{}.{}", key.id(), STANDARD.encode(packed)))
}

/// The key id a sealed value names.
pub fn key_id(sealed: &str) -> Option<&str> {
    let mut parts = sealed.splitn(3, '.');
    match (parts.next(), parts.next()) {
        (Some("v1"), Some(id)) => Some(id),
        _ => None,
    }
}

pub fn open(keys: &KeyRing, aad: &str, sealed: &str) -> Result<Vec<u8>, CipherError> {
    let mut parts = sealed.splitn(3, '.');
    let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CipherError::Malformed);
    };
    let key = keys
        .get(id)
        .ok_or_else(|| CipherError::UnknownKey(id.to_owned()))?;
    let packed = STANDARD.decode(body).map_err(|_| CipherError::Malformed)?;
    if packed.len() < NONCE_LEN {
        return Err(CipherError::Malformed);
    }
    let (nonce, ciphertext) = packed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CipherError::Malformed)?;
    let mut buffer = ciphertext.to_vec();
    let plaintext = key
        .aead()
        .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buffer)
        .map_err(|_| CipherError::Tampered)?;
    Ok(plaintext.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::{KeySource, generate_key};

    #[test]
    fn sealed_values_open_only_in_their_place_and_with_their_key() {
        let keys = KeyRing::load(&KeySource::env(generate_key().unwrap())).unwrap();
        let place = aad("connections", "loc_1", "access_token");
        let sealed = seal(&keys, &place, b"secret-token").unwrap();
        assert!(!sealed.contains("secret-token"));
        assert_ne!(
            sealed,
            seal(&keys, &place, b"secret-token").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(open(&keys, &place, &sealed).unwrap(), b"secret-token");
        let elsewhere = aad("connections", "loc_2", "access_token");
        assert_eq!(open(&keys, &elsewhere, &sealed), Err(CipherError::Tampered));
        let other_keys = KeyRing::load(&KeySource::env(generate_key().unwrap())).unwrap();
        assert!(matches!(
            open(&other_keys, &place, &sealed),
            Err(CipherError::UnknownKey(_))
        ));
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert!(open(&keys, &place, &String::from_utf8(flipped).unwrap()).is_err());
        assert_eq!(key_id(&sealed), Some(keys.active().id()));
    }
}
