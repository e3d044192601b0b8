//! Standard Webhooks signatures (standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with `whsec_` secrets.
//! Events coming in are checked with these; alerts going out are signed with them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};

/// A signing key made from a `whsec_…` secret.
pub type Key = hmac::Key;

/// How far a signed timestamp may be from now, either way.
pub const TOLERANCE_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is more than 5 minutes from now: resend with a fresh signature")]
    Stale,
    #[error("no signature matches: check the signing secret")]
    NoMatch,
    #[error("signing secrets must look like whsec_<base64>")]
    BadSecret,
}

/// A `whsec_…` secret's key bytes.
pub fn secret_key(secret: &SecretString) -> Result<hmac::Key, SignatureError> {
    let encoded = secret
        .expose_secret()
        .strip_prefix("whsec_")
        .ok_or(SignatureError::BadSecret)?;
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| SignatureError::BadSecret)?;
    if bytes.len() < 16 {
        return Err(SignatureError::BadSecret);
    }
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

fn signed_content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    content.extend_from_slice(id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    content
}

/// The `webhook-signature` value for a message.
pub fn sign(key: &hmac::Key, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = hmac::sign(key, &signed_content(id, &timestamp.to_string(), body));
    format!("v1,{}", STANDARD.encode(tag.as_ref()))
}

/// Checks a message against every key (several during a secret rotation).
pub fn verify(
    keys: &[hmac::Key],
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    let id = id
        .filter(|v| !v.is_empty())
        .ok_or(SignatureError::MissingHeader("webhook-id"))?;
    let timestamp = timestamp.ok_or(SignatureError::MissingHeader("webhook-timestamp"))?;
    let signature = signature.ok_or(SignatureError::MissingHeader("webhook-signature"))?;
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if (now_secs - seconds).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let content = signed_content(id, timestamp.trim(), body);
    let candidates: Vec<Vec<u8>> = signature
        .split_whitespace()
        .filter_map(|part| part.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .collect();
    let matches = keys.iter().any(|key| {
        candidates
            .iter()
            .any(|tag| hmac::verify(key, &content, tag).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

/// A fresh `whsec_…` secret.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_within_the_tolerance_with_any_current_secret() {
        let old = SecretString::from(generate_secret());
        let new = SecretString::from(generate_secret());
        let body = br#"{"type":"signup"}"#;
        let signature = sign(&secret_key(&old).unwrap(), "msg_1", 1_000, body);
        let keys = vec![secret_key(&new).unwrap(), secret_key(&old).unwrap()];
        assert_eq!(
            verify(
                &keys,
                Some("msg_1"),
                Some("1000"),
                Some(&signature),
                body,
                1_100
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                &keys,
                Some("msg_2"),
                Some("1000"),
                Some(&signature),
                body,
                1_100
            ),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(
                &keys,
                Some("msg_1"),
                Some("1000"),
                Some(&signature),
                b"{}",
                1_100
            ),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(
                &keys,
                Some("msg_1"),
                Some("1000"),
                Some(&signature),
                body,
                1_400
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(
                &keys[..1],
                Some("msg_1"),
                Some("1000"),
                Some(&signature),
                body,
                1_100
            ),
            Err(SignatureError::NoMatch)
        );
        let several = format!("v1,AAAA {signature}");
        assert_eq!(
            verify(
                &keys,
                Some("msg_1"),
                Some("1000"),
                Some(&several),
                body,
                1_000
            ),
            Ok(())
        );
        assert_eq!(
            verify(&keys, None, Some("1000"), Some(&signature), body, 1_000),
            Err(SignatureError::MissingHeader("webhook-id"))
        );
        assert!(secret_key(&SecretString::from("nope".to_owned())).is_err());
    }
}
