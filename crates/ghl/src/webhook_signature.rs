//! Checks that a webhook came from GHL: Ed25519 over the raw body in `x-ghl-signature` (the
//! current scheme), or RSA-SHA256 over the raw body in `x-wh-signature` (the legacy one, which
//! GHL stopped sending on 2026-07-01 but older apps may still receive). Both signatures are
//! base64; both keys are GHL's published, public ones by default and can be replaced when GHL
//! rotates them.
//!
//! The check is over the bytes as received: re-serialised JSON would not match.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{ED25519, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use spki::SubjectPublicKeyInfoRef;
use spki::der::Decode;

/// GHL's published Ed25519 key for `x-ghl-signature` (the body of its PEM).
pub const GHL_ED25519_PUBLIC_KEY: &str =
    "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=";

/// GHL's published 4096-bit RSA key for the legacy `x-wh-signature` (the body of its PEM, from
/// the official Webhook Authentication guide).
pub const GHL_RSA_PUBLIC_KEY: &str = concat!(
    "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC",
    "Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6",
    "dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB",
    "csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv",
    "uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF",
    "3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU",
    "J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp",
    "IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN",
    "h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC",
    "HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ",
    "PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk",
    "T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ=="
);

/// OID of Ed25519 keys (RFC 8410) and of RSA keys (PKCS #1).
const ED25519_OID: &str = "1.3.101.112";
const RSA_OID: &str = "1.2.840.113549.1.1.1";

/// A key given in configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{which}: {reason}")]
pub struct KeyError {
    pub which: &'static str,
    pub reason: String,
}

/// Why a webhook's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request carries no x-ghl-signature (nor a legacy x-wh-signature)")]
    Missing,
    #[error("{header} is not base64")]
    NotBase64 { header: &'static str },
    #[error("{header} does not match the body for GHL's public key")]
    Mismatch { header: &'static str },
    #[error("the request carries only a legacy x-wh-signature and no RSA key is configured")]
    LegacyNotConfigured,
}

/// Which signature vouched for a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    Ed25519,
    LegacyRsa,
}

/// The keys a webhook may be signed with.
#[derive(Clone)]
pub struct WebhookVerifier {
    /// Raw 32-byte Ed25519 public keys (several during a rotation).
    ed25519: Vec<Vec<u8>>,
    /// PKCS #1 `RSAPublicKey` DER, as ring takes it.
    rsa: Option<Vec<u8>>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("ed25519_keys", &self.ed25519.len())
            .field("rsa", &self.rsa.is_some())
            .finish()
    }
}

impl Default for WebhookVerifier {
    /// GHL's published keys.
    fn default() -> Self {
        Self::new(&[GHL_ED25519_PUBLIC_KEY], Some(GHL_RSA_PUBLIC_KEY))
            .expect("GHL's published keys parse")
    }
}

impl WebhookVerifier {
    /// Keys as PEM, or the base64 of their DER (`MCowBQYDK2VwAyEA…`). An Ed25519 key may also be
    /// its 32 raw bytes in base64 or hex, the forms GHL's SDKs accept.
    pub fn new(ed25519: &[&str], rsa: Option<&str>) -> Result<Self, KeyError> {
        let ed25519 = ed25519
            .iter()
            .map(|key| ed25519_key(key))
            .collect::<Result<Vec<_>, _>>()?;
        let rsa = rsa.map(rsa_key).transpose()?;
        Ok(Self { ed25519, rsa })
    }

    /// Checks `body` against the signature headers: `x-ghl-signature` when present (a
    /// mismatch there is final, whatever the legacy header says), else `x-wh-signature`.
    pub fn verify(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
    ) -> Result<SignatureScheme, SignatureError> {
        if let Some(signature) = ghl_signature {
            let header = "x-ghl-signature";
            let signature = decode(signature, header)?;
            let matches = self.ed25519.iter().any(|key| {
                UnparsedPublicKey::new(&ED25519, key)
                    .verify(body, &signature)
                    .is_ok()
            });
            return if matches {
                Ok(SignatureScheme::Ed25519)
            } else {
                Err(SignatureError::Mismatch { header })
            };
        }
        if let Some(signature) = wh_signature {
            let header = "x-wh-signature";
            let key = self
                .rsa
                .as_ref()
                .ok_or(SignatureError::LegacyNotConfigured)?;
            let signature = decode(signature, header)?;
            return UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key)
                .verify(body, &signature)
                .map(|()| SignatureScheme::LegacyRsa)
                .map_err(|_| SignatureError::Mismatch { header });
        }
        Err(SignatureError::Missing)
    }
}

fn decode(signature: &str, header: &'static str) -> Result<Vec<u8>, SignatureError> {
    STANDARD
        .decode(signature.trim())
        .map_err(|_| SignatureError::NotBase64 { header })
}

/// The DER inside a PEM, or the base64 text itself decoded.
fn der_of(key: &str, which: &'static str) -> Result<Vec<u8>, KeyError> {
    let body: String = key
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body.as_bytes()).map_err(|_| KeyError {
        which,
        reason: "is neither PEM nor base64".into(),
    })
}

/// The subject public key of a SubjectPublicKeyInfo, checking its algorithm.
fn spki_key(der: &[u8], oid: &str, which: &'static str) -> Result<Vec<u8>, KeyError> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|error| KeyError {
        which,
        reason: format!("is not a DER SubjectPublicKeyInfo: {error}"),
    })?;
    if info.algorithm.oid.to_string() != oid {
        return Err(KeyError {
            which,
            reason: format!(
                "is a key of algorithm {} where {oid} was expected",
                info.algorithm.oid
            ),
        });
    }
    info.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| KeyError {
            which,
            reason: "its key bits are not whole bytes".into(),
        })
}

fn ed25519_key(key: &str) -> Result<Vec<u8>, KeyError> {
    const WHICH: &str = "Ed25519 webhook key";
    let key = key.trim();
    if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok((0..32)
            .map(|i| u8::from_str_radix(&key[2 * i..2 * i + 2], 16).expect("hex"))
            .collect());
    }
    let der = der_of(key, WHICH)?;
    if der.len() == 32 {
        return Ok(der);
    }
    spki_key(&der, ED25519_OID, WHICH)
}

fn rsa_key(key: &str) -> Result<Vec<u8>, KeyError> {
    const WHICH: &str = "RSA webhook key";
    let der = der_of(key, WHICH)?;
    spki_key(&der, RSA_OID, WHICH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn key_pair() -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(&[7; 32]).expect("seed")
    }

    fn spki_base64(pair: &Ed25519KeyPair) -> String {
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(pair.public_key().as_ref());
        STANDARD.encode(der)
    }

    #[test]
    fn ghl_published_keys_parse() {
        let verifier = WebhookVerifier::default();
        assert_eq!(verifier.ed25519[0].len(), 32);
        assert!(verifier.rsa.as_ref().is_some_and(|k| k.len() > 500));
    }

    #[test]
    fn an_ed25519_signature_over_the_exact_body_passes_and_nothing_else_does() {
        let pair = key_pair();
        let body = br#"{"type":"ContactCreate","id":"c1"}"#;
        let signature = STANDARD.encode(pair.sign(body).as_ref());
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            spki_base64(&pair)
        );
        let hex: String = pair
            .public_key()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        for key in [spki_base64(&pair), pem, hex] {
            let verifier = WebhookVerifier::new(&[GHL_ED25519_PUBLIC_KEY, &key], None).unwrap();
            assert_eq!(
                verifier.verify(Some(&signature), None, body),
                Ok(SignatureScheme::Ed25519)
            );
            let changed = br#"{"type":"ContactCreate","id":"c2"}"#;
            assert_eq!(
                verifier.verify(Some(&signature), None, changed),
                Err(SignatureError::Mismatch {
                    header: "x-ghl-signature"
                })
            );
        }
        // GHL's own key did not sign it.
        assert!(
            WebhookVerifier::default()
                .verify(Some(&signature), None, body)
                .is_err()
        );
    }

    #[test]
    fn missing_and_malformed_signatures_say_what_is_wrong() {
        let verifier = WebhookVerifier::default();
        assert_eq!(
            verifier.verify(None, None, b"{}"),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verifier.verify(Some("not base64!"), None, b"{}"),
            Err(SignatureError::NotBase64 {
                header: "x-ghl-signature"
            })
        );
        let no_rsa = WebhookVerifier::new(&[GHL_ED25519_PUBLIC_KEY], None).unwrap();
        assert_eq!(
            no_rsa.verify(None, Some("AAAA"), b"{}"),
            Err(SignatureError::LegacyNotConfigured)
        );
    }

    #[test]
    fn keys_of_the_wrong_kind_are_refused_when_configured() {
        let error = WebhookVerifier::new(&[GHL_RSA_PUBLIC_KEY], None).unwrap_err();
        assert!(error.reason.contains("1.2.840.113549.1.1.1"), "{error}");
        let error = WebhookVerifier::new(&[], Some(GHL_ED25519_PUBLIC_KEY)).unwrap_err();
        assert!(error.to_string().starts_with("RSA webhook key"), "{error}");
        assert!(WebhookVerifier::new(&["%%%"], None).is_err());
    }
}
