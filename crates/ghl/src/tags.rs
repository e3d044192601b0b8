//! Tags on one contact, and the bulk add or remove across many contacts.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::{lenient_u64, null_as_default};
use crate::ids::{validate_location_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse};

#[derive(Serialize)]
struct TagsBody<'a> {
    tags: &'a [String],
}

#[derive(Deserialize)]
struct TagsEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    tags: Vec<String>,
}

/// Whether a bulk tag call adds or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkTagAction {
    Add,
    Remove,
}

impl BulkTagAction {
    fn path_segment(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
        }
    }
}

/// Body of `POST /contacts/bulk/tags/update/{type}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTags {
    pub location_id: String,
    pub contacts: Vec<String>,
    pub tags: Vec<String>,
    /// Remove every tag of these contacts; only with [`BulkTagAction::Remove`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_all_tags: Option<bool>,
}

/// GHL answers a bulk tag call per contact: some may succeed while others fail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagsResult {
    #[serde(default)]
    pub succeded: bool,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub error_count: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub responses: Vec<BulkTagItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagItem {
    pub contact_id: Option<String>,
    pub message: Option<String>,
    /// `success` or `error`.
    #[serde(rename = "type")]
    pub outcome: Option<String>,
    pub old_tags: Option<Vec<String>>,
    pub tags_added: Option<Vec<String>>,
    pub tags_removed: Option<Vec<String>>,
}

fn check_tags(tags: &[String]) -> Result<(), GhlError> {
    if tags.is_empty() {
        return Err(GhlError::InvalidInput("give at least one tag".into()));
    }
    if let Some(blank) = tags.iter().position(|t| t.trim().is_empty()) {
        return Err(GhlError::InvalidInput(format!(
            "tag number {} is empty",
            blank + 1
        )));
    }
    Ok(())
}

impl GhlClient {
    /// `POST /contacts/{contactId}/tags`: adds tags and returns all of the contact's tags.
    pub async fn add_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<GhlResponse<Vec<String>>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        check_tags(tags)?;
        let response = self
            .call(Method::POST, &["contacts", contact_id, "tags"])
            .json(&TagsBody { tags })?
            .send::<TagsEnvelope>()
            .await?;
        Ok(response.map(|e| e.tags))
    }

    /// `DELETE /contacts/{contactId}/tags` (a DELETE with a JSON body): removes tags and returns
    /// the contact's remaining tags.
    pub async fn remove_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<GhlResponse<Vec<String>>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        check_tags(tags)?;
        let response = self
            .call(Method::DELETE, &["contacts", contact_id, "tags"])
            .json(&TagsBody { tags })?
            .send::<TagsEnvelope>()
            .await?;
        Ok(response.map(|e| e.tags))
    }

    /// `POST /contacts/bulk/tags/update/{add|remove}`
    pub async fn bulk_update_tags(
        &self,
        action: BulkTagAction,
        request: &BulkTags,
    ) -> Result<GhlResponse<BulkTagsResult>, GhlError> {
        validate_location_id(&request.location_id)?;
        if request.contacts.is_empty() {
            return Err(GhlError::InvalidInput(
                "give at least one contact id".into(),
            ));
        }
        if request.remove_all_tags == Some(true) && action == BulkTagAction::Add {
            return Err(GhlError::InvalidInput(
                "removeAllTags only goes with the remove action".into(),
            ));
        }
        if request.remove_all_tags != Some(true) {
            check_tags(&request.tags)?;
        }
        self.call(
            Method::POST,
            &["contacts", "bulk", "tags", "update", action.path_segment()],
        )
        .json(request)?
        .send()
        .await
    }
}
