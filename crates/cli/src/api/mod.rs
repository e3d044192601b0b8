//! The API commands: each turns flags into one typed GHL call and prints the answer.

pub mod appointments;
pub mod business;
pub mod contacts;
pub mod notes;
pub mod tags;
pub mod tasks;

use ghl::GhlClient;
use secrecy::ExposeSecret;

use crate::cli::ApiArgs;
use crate::output::input_error;

/// The client and location the API commands use, from flags or `GHL_*` variables.
pub struct Target {
    pub client: GhlClient,
    location: Option<String>,
}

impl Target {
    pub fn from_args(args: &ApiArgs) -> anyhow::Result<Self> {
        let token = args
            .token
            .as_ref()
            .map(|t| t.expose_secret().trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                input_error(
                    "no GHL token: set GHL_TOKEN (a Private Integration Token or access token) or pass --token",
                )
            })?;
        let client = GhlClient::with_static_token(&args.base_url, token)?;
        Ok(Self {
            client,
            location: args.location.clone(),
        })
    }

    /// The location id, checked, for commands that need one.
    pub fn location(&self) -> anyhow::Result<&str> {
        let location = self
            .location
            .as_deref()
            .ok_or_else(|| input_error("no location: set GHL_LOCATION_ID or pass --location"))?;
        ghl::validate_location_id(location)?;
        Ok(location)
    }
}
