//! Adding a contact to a workflow, or taking it out.

use http::Method;
use serde::Serialize;

use crate::ids::{validate_opaque_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkflowBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    event_start_time: Option<&'a str>,
}

fn check_start_time(event_start_time: Option<&str>) -> Result<(), GhlError> {
    match event_start_time {
        Some(t) if chrono::DateTime::parse_from_rfc3339(t).is_err() => {
            Err(GhlError::InvalidInput(format!(
                "event start time {t:?} is not an ISO-8601 date-time with offset, like 2021-06-23T03:30:00+01:00"
            )))
        }
        _ => Ok(()),
    }
}

impl GhlClient {
    /// `POST /contacts/{contactId}/workflow/{workflowId}`; `event_start_time` (ISO-8601 with
    /// offset) sets when the workflow's event starts.
    pub async fn add_to_workflow(
        &self,
        contact_id: &str,
        workflow_id: &str,
        event_start_time: Option<&str>,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_opaque_id("workflow id", workflow_id)?;
        check_start_time(event_start_time)?;
        self.call(
            Method::POST,
            &["contacts", contact_id, "workflow", workflow_id],
        )
        .json(&WorkflowBody { event_start_time })?
        .send()
        .await
    }

    /// `DELETE /contacts/{contactId}/workflow/{workflowId}`
    pub async fn remove_from_workflow(
        &self,
        contact_id: &str,
        workflow_id: &str,
        event_start_time: Option<&str>,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_opaque_id("workflow id", workflow_id)?;
        check_start_time(event_start_time)?;
        self.call(
            Method::DELETE,
            &["contacts", contact_id, "workflow", workflow_id],
        )
        .json(&WorkflowBody { event_start_time })?
        .send()
        .await
    }
}
