//! Task search across a location (`POST /locations/{id}/tasks/search`), the only way to list
//! tasks without knowing their contact.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::validate_location_id;
use crate::tasks::Task;
use crate::{GhlClient, GhlError, GhlResponse};

/// Body of the location task search; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSearch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Page size (GHL's default is 25).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
}

#[derive(Deserialize)]
struct LocationTasksEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    tasks: Vec<Task>,
}

impl GhlClient {
    /// `POST /locations/{locationId}/tasks/search` (scope `locations/tasks.readonly`).
    pub async fn search_location_tasks(
        &self,
        location_id: &str,
        search: &TaskSearch,
    ) -> Result<GhlResponse<Vec<Task>>, GhlError> {
        validate_location_id(location_id)?;
        let response = self
            .call(Method::POST, &["locations", location_id, "tasks", "search"])
            .json(search)?
            .send::<LocationTasksEnvelope>()
            .await?;
        Ok(response.map(|e| e.tasks))
    }
}
