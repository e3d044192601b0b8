//! What a job would send to GHL, for `recipes dry-run`: the same request bodies the jobs build,
//! with the ids only a run can know (the GHL contact, an earlier task) shown as placeholders.

use serde::Serialize;
use serde_json::{Value, json};

use super::{
    CONTACT_UPSERT, ContactRef, ContactUpsert, NOTE_UPSERT, NoteUpsert, TASK_UPSERT, TaskUpsert,
    WORKFLOW_ADD, WorkflowAdd,
};

/// One HTTP request a job would make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRequest {
    pub method: &'static str,
    pub path: String,
    pub body: Value,
    /// When it is sent, or what a placeholder stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn request(
    method: &'static str,
    path: String,
    body: impl Serialize,
    note: Option<String>,
) -> PlannedRequest {
    PlannedRequest {
        method,
        path,
        body: serde_json::to_value(body).unwrap_or(Value::Null),
        note,
    }
}

/// The requests a job of `kind` with `payload` sends for `location`.
pub fn planned_requests(
    kind: &str,
    payload: &str,
    location: &str,
) -> Result<Vec<PlannedRequest>, String> {
    let bad = |e: serde_json::Error| format!("{kind} payload: {e}");
    match kind {
        CONTACT_UPSERT => {
            let input: ContactUpsert = serde_json::from_str(payload).map_err(bad)?;
            let upsert = super::contact::upsert_request(&input, location)?;
            let by_key: Vec<String> = upsert
                .fields
                .custom_fields
                .iter()
                .flatten()
                .filter(|w| w.id.is_none())
                .filter_map(|w| w.key.as_deref().map(super::custom_fields::full_key))
                .collect();
            let mut requests = Vec::new();
            if !by_key.is_empty() {
                requests.push(request(
                    "GET",
                    format!("/locations/{location}/customFields?model=contact"),
                    Value::Null,
                    Some(format!(
                        "once per field, then remembered: the ids of {}; a field the location lacks is created (TEXT) with POST /locations/{location}/customFields, and the upsert sends values by id",
                        by_key.join(", ")
                    )),
                ));
            }
            requests.push(request("POST", "/contacts/upsert".into(), &upsert, None));
            let tags = super::contact::tags_to_add(&input);
            if !tags.is_empty() {
                requests.push(request(
                    "POST",
                    "/contacts/{contactId}/tags".into(),
                    json!({"tags": tags}),
                    Some("{contactId}: the id the upsert answers; tags the contact has already are left out".into()),
                ));
            }
            Ok(requests)
        }
        TASK_UPSERT => {
            let input: TaskUpsert = serde_json::from_str(payload).map_err(bad)?;
            let mut requests = contact_lookup(&input.contact, location);
            requests.push(request(
                "POST",
                "/contacts/{contactId}/tasks".into(),
                super::task::create_request(&input),
                Some(format!(
                    "the first time; after that, PUT /contacts/{{contactId}}/tasks/{{taskId}} updates the task key {:?} made",
                    input.source_id
                )),
            ));
            Ok(requests)
        }
        NOTE_UPSERT => {
            let input: NoteUpsert = serde_json::from_str(payload).map_err(bad)?;
            let mut requests = contact_lookup(&input.contact, location);
            requests.push(request(
                "POST",
                "/contacts/{contactId}/notes".into(),
                super::note::create_request(&input),
                Some(format!(
                    "the first time; after that, PUT /contacts/{{contactId}}/notes/{{noteId}} updates the note key {:?} made",
                    input.source_id
                )),
            ));
            Ok(requests)
        }
        WORKFLOW_ADD => {
            let input: WorkflowAdd = serde_json::from_str(payload).map_err(bad)?;
            let mut requests = contact_lookup(&input.contact, location);
            requests.push(request(
                "POST",
                format!("/contacts/{{contactId}}/workflow/{}", input.workflow_id),
                super::workflow::request_body(&input),
                Some(format!("once: key {:?} is not sent again", input.source_id)),
            ));
            Ok(requests)
        }
        other => Err(format!("no preview for jobs of kind {other}")),
    }
}

/// How `{contactId}` is found: the identity map, else (with an email) an upsert by email.
fn contact_lookup(contact: &ContactRef, location: &str) -> Vec<PlannedRequest> {
    let who = contact
        .source_id
        .as_ref()
        .map(|id| format!("NiftyImages contact {id}"))
        .or_else(|| {
            contact
                .email
                .as_ref()
                .map(|e| format!("the contact with email {e}"))
        })
        .unwrap_or_else(|| "the contact".into());
    match &contact.email {
        Some(email) => vec![request(
            "POST",
            "/contacts/upsert".into(),
            json!({"locationId": location, "email": email}),
            Some(format!(
                "only when GHL's id for {who} is not known yet; {{contactId}} below is that id"
            )),
        )],
        None => Vec::new(),
    }
}
