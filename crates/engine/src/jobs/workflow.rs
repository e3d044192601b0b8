//! `ghl.workflow.add`: the contact into a GHL workflow, once per contact, workflow and key.
//! GHL offers no way to ask whether a contact is in a workflow, so a success is recorded in
//! the identity map and a later run of the same key skips the call. (An attempt cut off after
//! GHL took the call is retried once more; GHL's workflow re-entry setting decides whether that
//! enrols twice.)

use serde_json::json;

use super::contact::resolve;
use super::{Failure, JobContext, WorkflowAdd, store_failure};

const KIND: &str = "workflow";

pub(super) async fn run(ctx: &mut JobContext<'_>, input: WorkflowAdd) -> Result<(), Failure> {
    let location = ctx.location().to_owned();
    let done = ctx
        .store
        .identity(&location, KIND, &input.source_id)
        .await
        .map_err(store_failure)?;
    if done.is_some() {
        return Ok(());
    }
    let contact_id = resolve(ctx, &input.contact).await?;
    let client = ctx.client;
    ctx.call(
        "POST /contacts/{id}/workflow/{workflowId}",
        client.add_to_workflow(
            &contact_id,
            &input.workflow_id,
            input.event_start_time.as_deref(),
        ),
    )
    .await?;
    ctx.learned(KIND, &input.source_id, &contact_id);
    Ok(())
}

/// The call's body (also what a dry run shows).
pub(super) fn request_body(input: &WorkflowAdd) -> serde_json::Value {
    match &input.event_start_time {
        Some(start) => json!({"eventStartTime": start}),
        None => json!({}),
    }
}
