//! GHL's INSTALL and UNINSTALL webhooks applied to the connections: a location installed
//! under an agency nifty-ghl is connected to gets a token of its own at once; an uninstalled
//! location (or agency, with the locations minted from it) is disconnected.
//!
//! A location-level install brings its tokens through the OAuth callback, not the webhook:
//! then there is nothing to do here.

use std::sync::Arc;

use ghl::StaticToken;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use store::now_millis;
use store::vault::{ConnectionKind, NewConnection, UserType, connection_id};

use crate::connections::{ConnectionError, Connections, Want};

/// What an INSTALL or UNINSTALL changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallOutcome {
    /// A location token was minted from the agency connection and stored.
    Connected(String),
    /// The location was connected already.
    AlreadyConnected(String),
    /// No agency connection can mint a token: the location connects through OAuth.
    WaitsForAuthorisation,
    /// These connections were removed.
    Disconnected(Vec<String>),
}

fn text<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

impl Connections {
    /// INSTALL: mints and stores a token for the installed location when its agency is
    /// connected. Safe to repeat.
    pub async fn install(
        self: &Arc<Self>,
        body: &Value,
    ) -> Result<InstallOutcome, ConnectionError> {
        let (Some(location), Some(company)) = (text(body, "locationId"), text(body, "companyId"))
        else {
            return Ok(InstallOutcome::WaitsForAuthorisation);
        };
        let id = connection_id(UserType::Location, Some(location), None);
        if self.vault().connection(&id).await?.is_some() {
            return Ok(InstallOutcome::AlreadyConnected(id));
        }
        let agency_id = connection_id(UserType::Company, None, Some(company));
        if self.vault().connection(&agency_id).await?.is_none() {
            return Ok(InstallOutcome::WaitsForAuthorisation);
        }
        let agency = self.fresh(&agency_id, Want::Current).await?;
        let client = ghl::GhlClient::new(
            self.api_config().clone(),
            Arc::new(StaticToken::new(agency.access_token.expose_secret())),
        )
        .map_err(|source| ConnectionError::Refresh {
            id: agency_id.clone(),
            source,
        })?;
        let minted = client
            .location_access_token(company, location)
            .await
            .map_err(|source| ConnectionError::Refresh {
                id: id.clone(),
                source,
            })?
            .into_inner();
        let scopes = if minted.scopes().is_empty() {
            agency.scopes.clone()
        } else {
            minted.scopes()
        };
        let saved = self
            .save(NewConnection {
                kind: ConnectionKind::AgencyMinted,
                user_type: UserType::Location,
                location_id: Some(location.to_owned()),
                company_id: Some(company.to_owned()),
                parent_id: Some(agency_id),
                scopes,
                access_token: SecretString::from(minted.access_token.expose().to_owned()),
                refresh_token: None,
                access_expires_at: minted.expires_in.map(|s| now_millis() + s as i64 * 1000),
                user_id: minted.user_id.clone(),
            })
            .await?;
        tracing::info!(connection = %saved.id, "GHL INSTALL: location connected through its agency");
        Ok(InstallOutcome::Connected(saved.id))
    }

    /// UNINSTALL: removes the location's connection, or the agency's and every location
    /// minted from it. Safe to repeat.
    pub async fn uninstall(
        self: &Arc<Self>,
        body: &Value,
    ) -> Result<InstallOutcome, ConnectionError> {
        let store = self.vault().store();
        let mut removed = Vec::new();
        if let Some(location) = text(body, "locationId") {
            let id = connection_id(UserType::Location, Some(location), None);
            if store.delete_connection(&id).await? {
                removed.push(id);
            }
        } else if let Some(company) = text(body, "companyId") {
            let agency_id = connection_id(UserType::Company, None, Some(company));
            for connection in self.vault().connections().await? {
                if connection.parent_id.as_deref() == Some(agency_id.as_str())
                    && store.delete_connection(&connection.id).await?
                {
                    removed.push(connection.id);
                }
            }
            if store.delete_connection(&agency_id).await? {
                removed.push(agency_id);
            }
        }
        for id in &removed {
            self.forget(id);
        }
        tracing::info!(?removed, "GHL UNINSTALL: connections removed");
        Ok(InstallOutcome::Disconnected(removed))
    }
}
