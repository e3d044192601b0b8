//! Followers (GHL user ids) of a contact.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::{validate_opaque_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse};

#[derive(Serialize)]
struct FollowersBody<'a> {
    followers: &'a [String],
}

/// The contact's followers after the change, and which ones the change added or removed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowersChange {
    #[serde(default, deserialize_with = "null_as_default")]
    pub followers: Vec<String>,
    #[serde(
        default,
        alias = "followersRemoved",
        deserialize_with = "null_as_default"
    )]
    pub followers_added: Vec<String>,
}

impl FollowersChange {
    /// The user ids this call changed (added for an add, removed for a remove).
    pub fn changed(&self) -> &[String] {
        &self.followers_added
    }
}

fn check_followers(followers: &[String]) -> Result<(), GhlError> {
    if followers.is_empty() {
        return Err(GhlError::InvalidInput(
            "give at least one follower user id".into(),
        ));
    }
    followers
        .iter()
        .try_for_each(|user| validate_opaque_id("follower user id", user))
}

impl GhlClient {
    /// `POST /contacts/{contactId}/followers`
    pub async fn add_followers(
        &self,
        contact_id: &str,
        followers: &[String],
    ) -> Result<GhlResponse<FollowersChange>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        check_followers(followers)?;
        self.call(Method::POST, &["contacts", contact_id, "followers"])
            .json(&FollowersBody { followers })?
            .send()
            .await
    }

    /// `DELETE /contacts/{contactId}/followers` (a DELETE with a JSON body)
    pub async fn remove_followers(
        &self,
        contact_id: &str,
        followers: &[String],
    ) -> Result<GhlResponse<FollowersChange>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        check_followers(followers)?;
        self.call(Method::DELETE, &["contacts", contact_id, "followers"])
            .json(&FollowersBody { followers })?
            .send()
            .await
    }
}
