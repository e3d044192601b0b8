//! The tags a location knows (`/locations/{locationId}/tags`): the list contacts' tags are
//! picked from. Tags on one contact are in `tags.rs`.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::{validate_location_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationTag {
    #[serde(alias = "_id")]
    pub id: String,
    pub name: Option<String>,
    pub location_id: Option<String>,
}

#[derive(Serialize)]
struct TagBody<'a> {
    name: &'a str,
}

#[derive(Deserialize)]
struct TagEnvelope {
    tag: LocationTag,
}

#[derive(Deserialize)]
struct TagsEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    tags: Vec<LocationTag>,
}

fn check_name(name: &str) -> Result<(), GhlError> {
    if name.trim().is_empty() {
        return Err(GhlError::InvalidInput("the tag's name is empty".into()));
    }
    Ok(())
}

impl GhlClient {
    /// `GET /locations/{locationId}/tags` (scope `locations/tags.readonly`).
    pub async fn list_location_tags(
        &self,
        location_id: &str,
    ) -> Result<GhlResponse<Vec<LocationTag>>, GhlError> {
        validate_location_id(location_id)?;
        let response = self
            .call(Method::GET, &["locations", location_id, "tags"])
            .send::<TagsEnvelope>()
            .await?;
        Ok(response.map(|e| e.tags))
    }

    /// `GET /locations/{locationId}/tags/{tagId}` (scope `locations/tags.readonly`).
    pub async fn get_location_tag(
        &self,
        location_id: &str,
        tag_id: &str,
    ) -> Result<GhlResponse<LocationTag>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("tag id", tag_id)?;
        let response = self
            .call(Method::GET, &["locations", location_id, "tags", tag_id])
            .send::<TagEnvelope>()
            .await?;
        Ok(response.map(|e| e.tag))
    }

    /// `POST /locations/{locationId}/tags` (scope `locations/tags.write`). GHL answers 200, not
    /// 201, and refuses a name the location already has.
    pub async fn create_location_tag(
        &self,
        location_id: &str,
        name: &str,
    ) -> Result<GhlResponse<LocationTag>, GhlError> {
        validate_location_id(location_id)?;
        check_name(name)?;
        let response = self
            .call(Method::POST, &["locations", location_id, "tags"])
            .json(&TagBody { name })?
            .send::<TagEnvelope>()
            .await?;
        Ok(response.map(|e| e.tag))
    }

    /// `PUT /locations/{locationId}/tags/{tagId}` (scope `locations/tags.write`): renames it.
    pub async fn update_location_tag(
        &self,
        location_id: &str,
        tag_id: &str,
        name: &str,
    ) -> Result<GhlResponse<LocationTag>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("tag id", tag_id)?;
        check_name(name)?;
        let response = self
            .call(Method::PUT, &["locations", location_id, "tags", tag_id])
            .json(&TagBody { name })?
            .send::<TagEnvelope>()
            .await?;
        Ok(response.map(|e| e.tag))
    }

    /// `DELETE /locations/{locationId}/tags/{tagId}` (scope `locations/tags.write`).
    pub async fn delete_location_tag(
        &self,
        location_id: &str,
        tag_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("tag id", tag_id)?;
        self.call(Method::DELETE, &["locations", location_id, "tags", tag_id])
            .send()
            .await
    }
}
