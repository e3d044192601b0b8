//! Tokens the sandbox issues and checks: OAuth codes, access and refresh tokens (rotating,
//! single-use), agency → location tokens, and Private Integration Tokens.

use std::collections::HashMap;

use serde::Serialize;

use crate::api_error::ApiError;
use crate::ids::IdGenerator;

/// The scopes a sandbox Private Integration Token carries.
pub const PIT_SCOPES: &[&str] = &[
    "contacts.readonly",
    "contacts.write",
    "locations.readonly",
    "locations/customFields.readonly",
    "locations/customFields.write",
    "locations/customValues.readonly",
    "locations/customValues.write",
    "locations/tags.readonly",
    "locations/tags.write",
    "locations/tasks.readonly",
    "locations/tasks.write",
];

pub const CONTACTS_READ: &str = "contacts.readonly";
pub const CONTACTS_WRITE: &str = "contacts.write";

const SCOPE_MESSAGE: &str = "The token is not authorized for this scope.";
pub const AUTH_CLASS_MESSAGE: &str = "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.";
const INVALID_TOKEN_MESSAGE: &str = "Invalid JWT";

/// The sandbox's one marketplace app. GHL client ids are `<appId>-<suffix>`.
#[derive(Clone, Serialize)]
pub struct App {
    pub app_id: String,
    pub version_id: String,
    pub client_id: String,
    #[serde(skip)]
    pub client_secret: String,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("app_id", &self.app_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenKind {
    /// A Private Integration Token of a location.
    Pit,
    /// An OAuth access token of a location (user type `Location`).
    Location,
    /// An OAuth access token of the agency (user type `Company`).
    Company,
}

/// Who is calling, resolved from the bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: TokenKind,
    /// The budget this caller spends: the app's id, or the PIT's own id.
    pub app_key: String,
    pub location_id: Option<String>,
    pub company_id: String,
    pub scopes: Vec<String>,
}

impl Caller {
    /// 401 unless the token has `scope`.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized(SCOPE_MESSAGE.into()))
        }
    }

    /// The location a sub-account token is for; agency tokens cannot call location APIs.
    pub fn location(&self) -> Result<&str, ApiError> {
        match (&self.kind, &self.location_id) {
            (TokenKind::Company, _) | (_, None) => {
                Err(ApiError::Unauthorized(AUTH_CLASS_MESSAGE.into()))
            }
            (_, Some(location)) => Ok(location),
        }
    }

    /// The caller's location, which must be `wanted` (403 otherwise).
    pub fn location_matching(&self, wanted: &str) -> Result<&str, ApiError> {
        let own = self.location()?;
        if own == wanted {
            Ok(own)
        } else {
            Err(ApiError::no_location_access())
        }
    }

    /// The budget key: (app or PIT, location or company).
    pub fn budget_key(&self) -> (String, String) {
        (
            self.app_key.clone(),
            self.location_id
                .clone()
                .unwrap_or_else(|| self.company_id.clone()),
        )
    }
}

#[derive(Debug, Clone)]
struct AccessInfo {
    caller: Caller,
    /// Epoch ms; PITs do not expire.
    expires_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
struct Grant {
    user_type: UserType,
    location_id: Option<String>,
    scopes: Vec<String>,
    user_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UserType {
    Location,
    Company,
}

#[derive(Debug, Clone)]
struct AuthCode {
    grant: Grant,
    redirect_uri: String,
    expires_at_ms: i64,
}

/// A refresh token's history, for tests that prove no refresh token was lost or used twice.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshRecord {
    /// Order of issue, from 1.
    pub serial: u64,
    pub location_id: Option<String>,
    pub issued_at_ms: i64,
    pub used_at_ms: Option<i64>,
    /// Uses after the first (each answered `invalid_grant`).
    pub reuse_attempts: u64,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
struct RefreshInfo {
    grant: Grant,
    record: RefreshRecord,
}

/// What the token endpoint hands back (the JSON body is built from it).
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
    pub scope: String,
    pub user_type: UserType,
    pub location_id: Option<String>,
    pub company_id: String,
    pub approved_locations: Vec<String>,
    pub user_id: String,
}

#[derive(Default)]
pub struct Tokens {
    access: HashMap<String, AccessInfo>,
    refresh: HashMap<String, RefreshInfo>,
    codes: HashMap<String, AuthCode>,
    refresh_serial: u64,
    pub invalid_grants: u64,
}

/// Everything the token endpoint needs to issue tokens besides the grant itself.
#[derive(Debug)]
pub struct Issuer<'a> {
    pub ids: &'a IdGenerator,
    pub app: &'a App,
    pub company_id: &'a str,
    /// Locations an agency install approves.
    pub all_locations: &'a [String],
    pub lifetime_secs: u64,
    pub now_ms: i64,
}

/// Its maps are keyed by tokens, so its `Debug` shows counts only.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_tokens", &self.access.len())
            .field("refresh_tokens", &self.refresh.len())
            .field("codes", &self.codes.len())
            .field("invalid_grants", &self.invalid_grants)
            .finish()
    }
}

/// What an authorisation request asks for.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub user_type: UserType,
    pub location_id: Option<String>,
}

impl Tokens {
    /// A Private Integration Token: its own budget (`pit_id`), no expiry.
    pub fn add_pit(
        &mut self,
        pit: &str,
        location_id: &str,
        company_id: &str,
        pit_id: String,
        scopes: Vec<String>,
    ) {
        let caller = Caller {
            kind: TokenKind::Pit,
            app_key: pit_id,
            location_id: Some(location_id.to_owned()),
            company_id: company_id.to_owned(),
            scopes,
        };
        self.insert_access(pit.to_owned(), caller, None);
    }

    /// Forgets a Private Integration Token, as rotating it in GHL's settings does: calls with it
    /// get 401 from then on. False when `pit` is not a PIT the sandbox knows.
    pub fn revoke_pit(&mut self, pit: &str) -> bool {
        let is_pit = self
            .access
            .get(pit)
            .is_some_and(|info| info.caller.kind == TokenKind::Pit);
        if is_pit {
            self.access.remove(pit);
        }
        is_pit
    }

    fn insert_access(&mut self, token: String, caller: Caller, expires_at_ms: Option<i64>) {
        self.access.insert(
            token,
            AccessInfo {
                caller,
                expires_at_ms,
            },
        );
    }

    /// Resolves a bearer token, or GHL's 401.
    pub fn caller(&self, token: &str, now_ms: i64) -> Result<Caller, ApiError> {
        match self.access.get(token) {
            Some(info) if info.expires_at_ms.is_none_or(|at| now_ms < at) => {
                Ok(info.caller.clone())
            }
            _ => Err(ApiError::Unauthorized(INVALID_TOKEN_MESSAGE.into())),
        }
    }

    /// Ends every OAuth access token now (of one location, or all). PITs are not touched.
    pub fn expire_access_tokens(&mut self, location_id: Option<&str>, now_ms: i64) -> usize {
        let mut expired = 0;
        for info in self.access.values_mut() {
            let matches = location_id.is_none_or(|l| info.caller.location_id.as_deref() == Some(l));
            if info.caller.kind != TokenKind::Pit && matches {
                info.expires_at_ms = Some(now_ms);
                expired += 1;
            }
        }
        expired
    }

    /// Makes refresh tokens unusable (as when an app is uninstalled): the next refresh of the
    /// connection gets `invalid_grant`.
    pub fn revoke_refresh_tokens(&mut self, location_id: Option<&str>) -> usize {
        let mut revoked = 0;
        for info in self.refresh.values_mut() {
            if location_id.is_none_or(|l| info.grant.location_id.as_deref() == Some(l))
                && !info.record.revoked
            {
                info.record.revoked = true;
                revoked += 1;
            }
        }
        revoked
    }

    pub fn refresh_history(&self) -> Vec<RefreshRecord> {
        let mut records: Vec<RefreshRecord> =
            self.refresh.values().map(|r| r.record.clone()).collect();
        records.sort_by_key(|r| r.serial);
        records
    }

    pub fn issue_code(
        &mut self,
        ids: &IdGenerator,
        request: AuthorizeRequest,
        now_ms: i64,
    ) -> String {
        let code = ids.secret("", 40);
        self.codes.insert(
            code.clone(),
            AuthCode {
                grant: Grant {
                    user_type: request.user_type,
                    location_id: request.location_id,
                    scopes: request.scopes,
                    user_id: ids.record_id(),
                },
                redirect_uri: request.redirect_uri,
                expires_at_ms: now_ms + 10 * 60 * 1000,
            },
        );
        code
    }

    /// `grant_type=authorization_code`: the code works once, within 10 minutes.
    pub fn redeem_code(
        &mut self,
        issuer: &Issuer<'_>,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<Issued, ApiError> {
        let now_ms = issuer.now_ms;
        let Some(stored) = self.codes.remove(code) else {
            self.invalid_grants += 1;
            return Err(invalid_grant(
                "Invalid authorization code: it is unknown or was already used",
            ));
        };
        if stored.expires_at_ms <= now_ms {
            self.invalid_grants += 1;
            return Err(invalid_grant("Invalid authorization code: it has expired"));
        }
        if redirect_uri.is_some_and(|uri| uri != stored.redirect_uri) {
            self.invalid_grants += 1;
            return Err(invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        Ok(self.issue(issuer, stored.grant))
    }

    /// `grant_type=refresh_token`: each refresh token works once; the answer carries the next.
    pub fn redeem_refresh(
        &mut self,
        issuer: &Issuer<'_>,
        refresh_token: &str,
    ) -> Result<Issued, ApiError> {
        let now_ms = issuer.now_ms;
        let Some(info) = self.refresh.get_mut(refresh_token) else {
            self.invalid_grants += 1;
            return Err(invalid_grant("Invalid refresh token: it is unknown"));
        };
        if info.record.revoked {
            self.invalid_grants += 1;
            return Err(invalid_grant("Invalid refresh token: it has been revoked"));
        }
        if info.record.used_at_ms.is_some() {
            info.record.reuse_attempts += 1;
            self.invalid_grants += 1;
            return Err(invalid_grant("Invalid refresh token: it was already used"));
        }
        info.record.used_at_ms = Some(now_ms);
        let grant = info.grant.clone();
        Ok(self.issue(issuer, grant))
    }

    fn issue(&mut self, issuer: &Issuer<'_>, grant: Grant) -> Issued {
        let Issuer {
            ids,
            app,
            company_id,
            all_locations,
            lifetime_secs,
            now_ms,
        } = *issuer;
        let access_token = ids.secret("sbx-at-", 48);
        let refresh_token = ids.secret("sbx-rt-", 48);
        let kind = match grant.user_type {
            UserType::Location => TokenKind::Location,
            UserType::Company => TokenKind::Company,
        };
        let caller = Caller {
            kind,
            app_key: app.app_id.clone(),
            location_id: grant.location_id.clone(),
            company_id: company_id.to_owned(),
            scopes: grant.scopes.clone(),
        };
        self.insert_access(
            access_token.clone(),
            caller,
            Some(now_ms + lifetime_secs as i64 * 1000),
        );
        self.refresh_serial += 1;
        self.refresh.insert(
            refresh_token.clone(),
            RefreshInfo {
                grant: grant.clone(),
                record: RefreshRecord {
                    serial: self.refresh_serial,
                    location_id: grant.location_id.clone(),
                    issued_at_ms: now_ms,
                    used_at_ms: None,
                    reuse_attempts: 0,
                    revoked: false,
                },
            },
        );
        Issued {
            access_token,
            refresh_token: Some(refresh_token),
            expires_in: lifetime_secs,
            scope: grant.scopes.join(" "),
            user_type: grant.user_type,
            approved_locations: match grant.user_type {
                UserType::Company => all_locations.to_vec(),
                UserType::Location => Vec::new(),
            },
            location_id: grant.location_id,
            company_id: company_id.to_owned(),
            user_id: grant.user_id,
        }
    }

    /// `POST /oauth/locationToken`: a location token minted from an agency token. GHL v2 gives
    /// no refresh token with it; the agency token mints a new one when it expires.
    pub fn mint_location_token(
        &mut self,
        ids: &IdGenerator,
        company: &Caller,
        location_id: &str,
        lifetime_secs: u64,
        now_ms: i64,
    ) -> Issued {
        let access_token = ids.secret("sbx-at-", 48);
        let scopes: Vec<String> = company
            .scopes
            .iter()
            .filter(|s| !s.starts_with("oauth."))
            .cloned()
            .collect();
        let caller = Caller {
            kind: TokenKind::Location,
            app_key: company.app_key.clone(),
            location_id: Some(location_id.to_owned()),
            company_id: company.company_id.clone(),
            scopes: scopes.clone(),
        };
        self.insert_access(
            access_token.clone(),
            caller,
            Some(now_ms + lifetime_secs as i64 * 1000),
        );
        Issued {
            access_token,
            refresh_token: None,
            expires_in: lifetime_secs,
            scope: scopes.join(" "),
            user_type: UserType::Location,
            location_id: Some(location_id.to_owned()),
            company_id: company.company_id.clone(),
            approved_locations: Vec::new(),
            user_id: ids.record_id(),
        }
    }
}

fn invalid_grant(message: &str) -> ApiError {
    ApiError::OAuth {
        code: "invalid_grant",
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        App {
            app_id: "app1".into(),
            version_id: "v1".into(),
            client_id: "app1-x".into(),
            client_secret: "s".into(),
        }
    }

    #[test]
    fn refresh_tokens_rotate_and_work_once() {
        let ids = IdGenerator::new(Some(3));
        let mut tokens = Tokens::default();
        let code = tokens.issue_code(
            &ids,
            AuthorizeRequest {
                redirect_uri: "http://cb".into(),
                scopes: vec!["contacts.readonly".into()],
                user_type: UserType::Location,
                location_id: Some("L".into()),
            },
            0,
        );
        let app = app();
        let at = |now_ms| Issuer {
            ids: &ids,
            app: &app,
            company_id: "C",
            all_locations: &[],
            lifetime_secs: 60,
            now_ms,
        };
        let first = tokens
            .redeem_code(&at(0), &code, Some("http://cb"))
            .unwrap();
        assert!(tokens.redeem_code(&at(0), &code, None).is_err());
        let rt = first.refresh_token.unwrap();
        let second = tokens.redeem_refresh(&at(1), &rt).unwrap();
        assert_ne!(second.access_token, first.access_token);
        let reuse = tokens.redeem_refresh(&at(2), &rt).unwrap_err();
        assert!(matches!(
            reuse,
            ApiError::OAuth {
                code: "invalid_grant",
                ..
            }
        ));
        let history = tokens.refresh_history();
        assert_eq!(history[0].reuse_attempts, 1);
        assert_eq!(tokens.invalid_grants, 2);
        assert!(tokens.caller(&first.access_token, 59_999).is_ok());
        assert!(tokens.caller(&first.access_token, 60_000).is_err());
    }
}
