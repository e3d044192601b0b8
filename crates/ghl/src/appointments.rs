//! A contact's appointments (read-only here).

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::validate_record_id;
use crate::{GhlClient, GhlError, GhlResponse};

/// An appointment. Its times are GHL's `"2021-07-16 11:00:00"` form, not ISO-8601.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: String,
    pub calendar_id: Option<String>,
    pub status: Option<String>,
    pub title: Option<String>,
    pub assigned_user_id: Option<String>,
    pub notes: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub address: Option<String>,
    pub location_id: Option<String>,
    pub contact_id: Option<String>,
    pub group_id: Option<String>,
    pub appointment_status: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<String>,
    pub date_added: Option<String>,
    pub date_updated: Option<String>,
}

#[derive(Deserialize)]
struct EventsEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    events: Vec<Appointment>,
}

impl GhlClient {
    /// `GET /contacts/{contactId}/appointments`
    pub async fn contact_appointments(
        &self,
        contact_id: &str,
    ) -> Result<GhlResponse<Vec<Appointment>>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        let response = self
            .call(Method::GET, &["contacts", contact_id, "appointments"])
            .send::<EventsEnvelope>()
            .await?;
        Ok(response.map(|e| e.events))
    }
}
