//! A contact's campaign memberships.

use http::Method;

use crate::ids::{validate_opaque_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

impl GhlClient {
    /// `POST /contacts/{contactId}/campaigns/{campaignId}`
    pub async fn add_to_campaign(
        &self,
        contact_id: &str,
        campaign_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_opaque_id("campaign id", campaign_id)?;
        self.call(
            Method::POST,
            &["contacts", contact_id, "campaigns", campaign_id],
        )
        .json(&serde_json::json!({}))?
        .send()
        .await
    }

    /// `DELETE /contacts/{contactId}/campaigns/{campaignId}`
    pub async fn remove_from_campaign(
        &self,
        contact_id: &str,
        campaign_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_opaque_id("campaign id", campaign_id)?;
        self.call(
            Method::DELETE,
            &["contacts", contact_id, "campaigns", campaign_id],
        )
        .send()
        .await
    }

    /// `DELETE /contacts/{contactId}/campaigns/removeAll`
    pub async fn remove_from_all_campaigns(
        &self,
        contact_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        self.call(
            Method::DELETE,
            &["contacts", contact_id, "campaigns", "removeAll"],
        )
        .send()
        .await
    }
}
