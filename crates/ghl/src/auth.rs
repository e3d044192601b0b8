//! Bearer tokens and where the client gets them.

use std::fmt;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::GhlError;

/// A GHL access token, OAuth or Private Integration Token.
///
/// It never prints: `Debug` and [`AccessToken::masked`] show at most a kind prefix and the last
/// four characters (`pit-…abcd`), enough to tell two tokens apart in a support conversation.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token itself, for the `Authorization` header and the encrypted vault only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// A form safe to print: the `pit-` prefix if it has one, then `…` and the last 4 characters.
    pub fn masked(&self) -> String {
        mask_secret(self.expose())
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessToken({})", self.masked())
    }
}

impl<'de> serde::Deserialize<'de> for AccessToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// An OAuth refresh token. GHL's refresh tokens rotate: each one works once.
#[derive(Clone)]
pub struct RefreshToken(SecretString);

impl RefreshToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token itself, for the token endpoint and the encrypted vault only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn masked(&self) -> String {
        mask_secret(self.expose())
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RefreshToken({})", self.masked())
    }
}

impl PartialEq for RefreshToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl<'de> serde::Deserialize<'de> for RefreshToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

/// Masks any secret for display: a `pit-` style prefix is kept, then `…` and the last 4 characters.
/// Secrets shorter than 12 characters show no characters at all.
pub fn mask_secret(secret: &str) -> String {
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

/// Where [`crate::GhlClient`] gets the bearer token for each call.
///
/// A static token (a Private Integration Token, or an access token from the environment) is
/// [`StaticToken`]; the connection vault implements this trait to refresh OAuth tokens.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// The token to send now.
    async fn access_token(&self) -> Result<AccessToken, GhlError>;

    /// The scopes the token was granted, when known. A call needing a scope not in the list
    /// fails at once with [`GhlError::ScopeNotGranted`], without being sent.
    fn granted_scopes(&self) -> Option<Vec<String>> {
        None
    }

    /// Called once when GHL rejected `rejected` as invalid or expired. Return a different token to
    /// retry the call once with it, or `None` to give the rejection to the caller.
    async fn renew_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>, GhlError> {
        let _ = rejected;
        Ok(None)
    }
}

/// A token that never changes: a Private Integration Token or a token given on the command line.
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(AccessToken::new(token))
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> Result<AccessToken, GhlError> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_mask_never_show_the_token() {
        let token = AccessToken::new("pit-6f1c2d3e-aaaa-bbbb-cccc-0123456789ab");
        assert_eq!(token.masked(), "pit-…89ab");
        assert_eq!(format!("{token:?}"), "AccessToken(pit-…89ab)");
        let jwt = AccessToken::new("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature-xyz1");
        assert_eq!(jwt.masked(), "…xyz1");
        assert_eq!(AccessToken::new("short").masked(), "…");
    }
}
