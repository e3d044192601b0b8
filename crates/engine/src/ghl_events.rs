//! GHL's webhooks as events: the event types GHL documents, what each one's body holds (what
//! recipes may read), and the step from a verified webhook body to an [`Event`].
//!
//! An event keeps GHL's own type name (`ContactCreate`), so a recipe names the webhook as GHL's
//! documentation does; NiftyImages-side types are dotted and lower case (`contact.created`),
//! so the two never clash. Its id is `ghl:<webhookId>`: a redelivered webhook is the same
//! event and is stored once.

use serde_json::{Map, Value};

use crate::events::{DataField, Event, EventProblem, FieldKind, field};

/// GHL's INSTALL and UNINSTALL events (the `type` of AppInstall and AppUninstall).
pub const INSTALL: &str = "INSTALL";
pub const UNINSTALL: &str = "UNINSTALL";

/// The GHL event types recipes can start from: every webhook GHL documents that is about a
/// contact or names one (so a recipe can act for that contact), and the app's install and
/// uninstall.
///
/// Left out on purpose: the location's own objects (LocationCreate/Update, UserCreate…,
/// Product*, Price*, ObjectSchema*, PlanChange), Association*/Relation*/Record* (custom
/// objects; a relation may or may not involve a contact), LCEmailStats (names a recipient
/// address, no contact), ProviderOutboundMessage (only for conversation-provider apps, and
/// its `type` is the channel, not the event), and Invoice* (their documented body carries no
/// `type` or `locationId`, only `altId`/`altType`, and the contact only inside
/// `contactDetails`: the door would have to guess the envelope).
pub const GHL_EVENT_TYPES: &[&str] = &[
    "ContactCreate",
    "ContactUpdate",
    "ContactDelete",
    "ContactTagUpdate",
    "ContactDndUpdate",
    "NoteCreate",
    "NoteUpdate",
    "NoteDelete",
    "TaskCreate",
    "TaskComplete",
    "TaskDelete",
    "AppointmentCreate",
    "AppointmentUpdate",
    "AppointmentDelete",
    "OpportunityCreate",
    "OpportunityUpdate",
    "OpportunityDelete",
    "OpportunityStageUpdate",
    "OpportunityStatusUpdate",
    "OpportunityMonetaryValueUpdate",
    "OpportunityAssignedToUpdate",
    "InboundMessage",
    "OutboundMessage",
    "ConversationUnreadUpdate",
    "CampaignStatusUpdate",
    "OrderCreate",
    "OrderStatusUpdate",
    INSTALL,
    UNINSTALL,
];

/// Whether `kind` is a GHL event type (as opposed to a NiftyImages-side one).
pub fn is_ghl_type(kind: &str) -> bool {
    GHL_EVENT_TYPES.contains(&kind)
}

/// What the body of each GHL event type holds, per GHL's webhook documentation. Only the
/// object's id (`id`; an order's `_id`, a message's `conversationId`, an appointment's
/// `appointment`) and `locationId` are required: GHL is known to leave documented fields out
/// (TaskCreate has no contactId), so recipes read the rest with care and jobs re-read what
/// they need from the API.
pub fn data_fields(kind: &str) -> &'static [DataField] {
    use FieldKind::*;
    const CONTACT: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("email", Email, false),
        field("phone", Text, false),
        field("name", Text, false),
        field("firstName", Text, false),
        field("lastName", Text, false),
        field("companyName", Text, false),
        field("address1", Text, false),
        field("city", Text, false),
        field("state", Text, false),
        field("postalCode", Text, false),
        field("country", Text, false),
        field("website", Text, false),
        field("source", Text, false),
        field("dateAdded", DateTime, false),
        field("dateOfBirth", Text, false),
        field("assignedTo", Text, false),
        field("dnd", Bool, false),
        field("tags", Tags, false),
        field("customFields", List, false),
        field("attachments", List, false),
    ];
    const CONTACT_DND: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("email", Email, false),
        field("phone", Text, false),
        field("name", Text, false),
        field("firstName", Text, false),
        field("lastName", Text, false),
        field("dnd", Bool, false),
        field("dndSettings", Map, false),
        field("tags", Tags, false),
        field("customFields", List, false),
    ];
    const NOTE: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("contactId", Text, false),
        field("body", Text, false),
        field("dateAdded", DateTime, false),
    ];
    const TASK: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("contactId", Text, false),
        field("title", Text, false),
        field("body", Text, false),
        field("assignedTo", Text, false),
        field("dueDate", DateTime, false),
        field("completed", Bool, false),
        field("dateAdded", DateTime, false),
    ];
    const APPOINTMENT: &[DataField] = &[
        field("locationId", Text, true),
        field("appointment", Map, true),
    ];
    // The types below were added from GHL's webhook pages (marketplace.gohighlevel.com/docs/
    // webhook/<Type>, read in the copies of highlevel.stoplight.io/docs/integrations and of
    // the marketplace site taken in September and October 2025; GoHighLevel/
    // highlevel-api-docs keeps the same pages under `docs/webhook events/`). Each field is one
    // the page's schema or example shows, with the kind its example has.
    //
    // Opportunity*: all seven pages document the same body.
    const OPPORTUNITY: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("contactId", Text, false),
        field("name", Text, false),
        field("status", Text, false),
        field("monetaryValue", Number, false),
        field("pipelineId", Text, false),
        field("pipelineStageId", Text, false),
        field("assignedTo", Text, false),
        field("source", Text, false),
        field("dateAdded", DateTime, false),
    ];
    // InboundMessage: one body for SMS, calls, voicemail, chat and email, with the email-only
    // fields after `chatWidgetId`. There is no `id`; `messageId` is missing from the SMS and
    // email examples, `conversationId` is in all of them. `to` (and so `cc`, `bcc`) is a string
    // in the schema but an array in the example; the example is taken.
    const INBOUND_MESSAGE: &[DataField] = &[
        field("locationId", Text, true),
        field("conversationId", Text, true),
        field("contactId", Text, false),
        field("messageId", Text, false),
        field("messageType", Text, false),
        field("direction", Text, false),
        field("status", Text, false),
        field("body", Text, false),
        field("contentType", Text, false),
        field("attachments", List, false),
        field("dateAdded", DateTime, false),
        field("userId", Text, false),
        field("conversationProviderId", Text, false),
        field("callDuration", Number, false),
        field("callStatus", Text, false),
        field("chatWidgetId", Text, false),
        field("emailMessageId", Text, false),
        field("threadId", Text, false),
        field("provider", Text, false),
        field("from", Text, false),
        field("to", List, false),
        field("cc", List, false),
        field("bcc", List, false),
        field("subject", Text, false),
    ];
    // OutboundMessage: InboundMessage's body plus `source` ("app", a workflow…).
    const OUTBOUND_MESSAGE: &[DataField] = &[
        field("locationId", Text, true),
        field("conversationId", Text, true),
        field("contactId", Text, false),
        field("messageId", Text, false),
        field("messageType", Text, false),
        field("direction", Text, false),
        field("status", Text, false),
        field("body", Text, false),
        field("contentType", Text, false),
        field("attachments", List, false),
        field("dateAdded", DateTime, false),
        field("userId", Text, false),
        field("source", Text, false),
        field("conversationProviderId", Text, false),
        field("callDuration", Number, false),
        field("callStatus", Text, false),
        field("chatWidgetId", Text, false),
        field("emailMessageId", Text, false),
        field("threadId", Text, false),
        field("provider", Text, false),
        field("from", Text, false),
        field("to", List, false),
        field("cc", List, false),
        field("bcc", List, false),
        field("subject", Text, false),
    ];
    // The page is ConversationUnreadWebhook; the body's `type` is ConversationUnreadUpdate
    // (and so is the event's name in the marketplace app's settings). `id` is the conversation.
    const CONVERSATION_UNREAD: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("contactId", Text, false),
        field("unreadCount", Number, false),
        field("inbox", Bool, false),
        field("starred", Bool, false),
        field("deleted", Bool, false),
    ];
    // CampaignStatusUpdate: a contact's status in a campaign; `id` is the campaign.
    const CAMPAIGN_STATUS: &[DataField] = &[
        field("id", Text, true),
        field("locationId", Text, true),
        field("contactId", Text, false),
        field("status", Text, false),
        field("templateId", Text, false),
        field("replied", Text, false),
        field("dateAdded", DateTime, false),
    ];
    // OrderCreate and OrderStatusUpdate document the same body; the order's id is `_id`, the
    // contact is `contactId` (and `contactSnapshot`, the contact as it was when ordering).
    const ORDER: &[DataField] = &[
        field("_id", Text, true),
        field("locationId", Text, true),
        field("altId", Text, false),
        field("altType", Text, false),
        field("contactId", Text, false),
        field("contactSnapshot", Map, false),
        field("status", Text, false),
        field("fulfillmentStatus", Text, false),
        field("currency", Text, false),
        field("amount", Number, false),
        field("liveMode", Bool, false),
        field("items", List, false),
        field("amountSummary", Map, false),
        field("taxSummary", List, false),
        field("source", Map, false),
        field("createdAt", DateTime, false),
        field("updatedAt", DateTime, false),
    ];
    const INSTALLED: &[DataField] = &[
        field("appId", Text, true),
        field("companyId", Text, false),
        field("locationId", Text, false),
        field("userId", Text, false),
        field("planId", Text, false),
        field("companyName", Text, false),
    ];
    match kind {
        "ContactCreate" | "ContactUpdate" | "ContactDelete" | "ContactTagUpdate" => CONTACT,
        "ContactDndUpdate" => CONTACT_DND,
        "NoteCreate" | "NoteUpdate" | "NoteDelete" => NOTE,
        "TaskCreate" | "TaskComplete" | "TaskDelete" => TASK,
        "AppointmentCreate" | "AppointmentUpdate" | "AppointmentDelete" => APPOINTMENT,
        "OpportunityCreate"
        | "OpportunityUpdate"
        | "OpportunityDelete"
        | "OpportunityStageUpdate"
        | "OpportunityStatusUpdate"
        | "OpportunityMonetaryValueUpdate"
        | "OpportunityAssignedToUpdate" => OPPORTUNITY,
        "InboundMessage" => INBOUND_MESSAGE,
        "OutboundMessage" => OUTBOUND_MESSAGE,
        "ConversationUnreadUpdate" => CONVERSATION_UNREAD,
        "CampaignStatusUpdate" => CAMPAIGN_STATUS,
        "OrderCreate" | "OrderStatusUpdate" => ORDER,
        INSTALL | UNINSTALL => INSTALLED,
        _ => &[],
    }
}

/// Whether GHL left out of this webhook a field it documents and recipes need: live
/// TaskCreate (and TaskComplete) bodies come without `contactId` and `body`
/// (highlevel-api-docs#332). Such a webhook is a hint: the task is read back from the API
/// (`jobs::complete_event`) and recipes run on the whole event.
pub fn is_incomplete(event: &Event) -> bool {
    // A completed event is never a hint again, whatever the API gave: no second round.
    !event.id.ends_with(COMPLETED_SUFFIX)
        && matches!(event.kind.as_str(), "TaskCreate" | "TaskComplete")
        && event.data["contactId"]
            .as_str()
            .is_none_or(|id| id.trim().is_empty())
}

/// Whether the event goes through `jobs::complete_event` before recipes see it: every task
/// webhook, so that one a recipe can use at once (a TaskDelete, a TaskComplete that has its
/// contact) never overtakes an earlier one of the same task still being read back.
pub fn waits_for_completion(event: &Event) -> bool {
    !event.id.ends_with(COMPLETED_SUFFIX)
        && matches!(
            event.kind.as_str(),
            "TaskCreate" | "TaskComplete" | "TaskDelete"
        )
}

/// The id of the event a hint becomes once completed from the API: a second completion of the
/// same webhook is the same event, stored once.
pub fn completed_id(hint_id: &str) -> String {
    format!("{hint_id}{COMPLETED_SUFFIX}")
}

const COMPLETED_SUFFIX: &str = ":completed";

fn problem(pointer: &str, message: impl Into<String>) -> EventProblem {
    EventProblem {
        pointer: pointer.to_owned(),
        message: message.into(),
    }
}

/// A webhook body (already verified) as an event. `type`, `timestamp` and `webhookId` are
/// GHL's envelope; the whole body stays the event's `data`, so recipes see what GHL sent.
/// A type GHL has but no recipe can start from (LocationUpdate…) is still an event: it is
/// stored, and nothing runs for it.
pub fn from_webhook(body: &Value) -> Result<Event, EventProblem> {
    let object = body
        .as_object()
        .ok_or_else(|| problem("", "a GHL webhook body is a JSON object"))?;
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let kind = text("type").ok_or_else(|| problem("/type", "is required"))?;
    if !kind.chars().all(|c| c.is_ascii_alphanumeric()) || kind.len() > 64 {
        return Err(problem("/type", "is not a GHL event type"));
    }
    let webhook_id = text("webhookId").ok_or_else(|| {
        problem(
            "/webhookId",
            "is required: GHL gives every webhook one, and it is what makes a redelivery the same event",
        )
    })?;
    let timestamp = text("timestamp").ok_or_else(|| problem("/timestamp", "is required"))?;
    let occurred = chrono::DateTime::parse_from_rfc3339(timestamp)
        .map_err(|_| problem("/timestamp", "is not an ISO-8601 date-time"))?;
    let location_id = match text("locationId") {
        Some(id) if ghl::validate_location_id(id).is_ok() => Some(id.to_owned()),
        Some(_) => return Err(problem("/locationId", "is not a GHL location id")),
        None => None,
    };
    for required in data_fields(kind).iter().filter(|f| f.required) {
        if object.get(required.name).is_none_or(Value::is_null) {
            return Err(problem(
                &format!("/{}", required.name),
                format!("is required in a {kind} webhook"),
            ));
        }
    }
    let mut data: Map<String, Value> = object.clone();
    for envelope in ["type", "timestamp", "webhookId"] {
        data.remove(envelope);
    }
    Ok(Event {
        id: format!("ghl:{webhook_id}"),
        kind: kind.to_owned(),
        occurred_at: Some(
            occurred
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
        location_id,
        data: Value::Object(data),
    })
}

/// The marketplace app id in a client id: GHL's client ids are `<appId>-<suffix>`, and the
/// official SDKs compare a webhook's `appId` with the part before the first `-`.
pub fn app_id_of_client_id(client_id: &str) -> Option<&str> {
    let app_id = client_id
        .trim()
        .split('-')
        .next()
        .unwrap_or_default()
        .trim();
    (!app_id.is_empty()).then_some(app_id)
}

/// The `appId` of a webhook body when it names an app other than `app_id`; `None` when it
/// names this app, or none (a body without a string `appId` is taken as it comes).
pub fn other_app<'a>(body: &'a Value, app_id: &str) -> Option<&'a str> {
    let named = body.get("appId")?.as_str()?.trim();
    (!named.is_empty() && named != app_id.trim()).then_some(named)
}

/// How far the webhook's `timestamp` is from `now`, in whole seconds (for the replay window).
pub fn age_secs(event: &Event, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let at = chrono::DateTime::parse_from_rfc3339(event.occurred_at.as_deref()?).ok()?;
    Some((now - at.with_timezone(&chrono::Utc)).num_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_webhook_becomes_an_event_keyed_by_its_webhook_id() {
        let body = json!({
            "type": "ContactUpdate", "timestamp": "2026-11-27T10:00:00.123Z",
            "webhookId": "w-1", "locationId": "Loc00000000000000001",
            "id": "c1", "email": "ann@example.com", "customFields": [{"id": "f1", "value": "x"}]
        });
        let event = from_webhook(&body).unwrap();
        assert_eq!(event.id, "ghl:w-1");
        assert_eq!(event.kind, "ContactUpdate");
        assert_eq!(event.location_id.as_deref(), Some("Loc00000000000000001"));
        assert_eq!(
            event.occurred_at.as_deref(),
            Some("2026-11-27T10:00:00.123Z")
        );
        assert_eq!(event.data["email"], "ann@example.com");
        assert!(event.data.get("webhookId").is_none() && event.data.get("type").is_none());
    }

    /// A task webhook without its contact is a hint, once: the event completed from the API
    /// is never a hint again, even if the API had no contact either.
    #[test]
    fn a_task_webhook_without_its_contact_is_a_hint_once() {
        let hint = from_webhook(&json!({
            "type": "TaskCreate", "timestamp": "2026-11-27T10:00:00Z", "webhookId": "w-9",
            "locationId": "Loc00000000000000001", "id": "t1", "title": "Call back"
        }))
        .unwrap();
        assert!(is_incomplete(&hint));
        let completed = Event {
            id: completed_id(&hint.id),
            ..hint.clone()
        };
        assert_eq!(completed.id, "ghl:w-9:completed");
        assert!(!is_incomplete(&completed), "no second round");
        let mut whole = hint.clone();
        whole.data["contactId"] = json!("c1");
        assert!(!is_incomplete(&whole));
        let note = Event {
            kind: "NoteCreate".into(),
            ..hint
        };
        assert!(
            !is_incomplete(&note),
            "only task webhooks are known to leave it out"
        );
        assert!(!waits_for_completion(&note));
        // Every task webhook keeps its place behind the task's earlier ones, once.
        for kind in ["TaskCreate", "TaskComplete", "TaskDelete"] {
            let event = Event {
                kind: kind.into(),
                ..whole.clone()
            };
            assert!(waits_for_completion(&event), "{kind}");
            let passed = Event {
                id: completed_id(&event.id),
                ..event
            };
            assert!(!waits_for_completion(&passed), "{kind}");
        }
    }

    #[test]
    fn a_webhook_without_its_envelope_or_required_fields_is_refused() {
        let base = json!({"type": "ContactCreate", "timestamp": "2026-11-27T10:00:00Z",
            "webhookId": "w", "locationId": "Loc00000000000000001", "id": "c1"});
        assert!(from_webhook(&base).is_ok());
        for (remove, pointer) in [
            ("webhookId", "/webhookId"),
            ("timestamp", "/timestamp"),
            ("type", "/type"),
            ("id", "/id"),
        ] {
            let mut body = base.clone();
            body.as_object_mut().unwrap().remove(remove);
            assert_eq!(from_webhook(&body).unwrap_err().pointer, pointer);
        }
        let mut body = base.clone();
        body["timestamp"] = json!("yesterday");
        assert_eq!(from_webhook(&body).unwrap_err().pointer, "/timestamp");
        // An agency-level install names no location.
        let install = json!({"type": "INSTALL", "timestamp": "2026-11-27T10:00:00Z",
            "webhookId": "w2", "appId": "app", "companyId": "co"});
        assert_eq!(from_webhook(&install).unwrap().location_id, None);
    }

    #[test]
    fn a_webhook_for_another_app_is_told_apart_by_its_app_id() {
        assert_eq!(
            app_id_of_client_id("66f1a2b3c4d5e6f7a8b9c0d1-m1x2y3z4"),
            Some("66f1a2b3c4d5e6f7a8b9c0d1")
        );
        assert_eq!(app_id_of_client_id("plainid"), Some("plainid"));
        assert_eq!(app_id_of_client_id(" -x"), None);
        let ours = "66f1a2b3c4d5e6f7a8b9c0d1";
        let body = |app: Value| serde_json::json!({"type": "ContactCreate", "appId": app});
        assert_eq!(
            other_app(&body(json!("someone-else")), ours),
            Some("someone-else")
        );
        assert_eq!(other_app(&body(json!(ours)), ours), None);
        assert_eq!(other_app(&body(json!(" ")), ours), None);
        assert_eq!(other_app(&json!({"type": "ContactCreate"}), ours), None);
    }
}
