//! NiftyImages-side events: the envelope nifty-ghl accepts from any producer (signed webhooks,
//! imports, the image-open redirect), and the checks each type must pass before it is stored.
//!
//! ```json
//! {"id": "evt_123", "type": "contact.updated", "occurred_at": "2026-11-27T10:00:00Z",
//!  "location_id": "optional GHL location", "data": { … }}
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The NiftyImages-side event types nifty-ghl knows: those producers send, and
/// `image.opens_increased`, which the stats poller makes from NiftyImages' open counters.
pub const EVENT_TYPES: [&str; 6] = [
    "contact.created",
    "contact.updated",
    "campaign.event",
    "note.added",
    "signup",
    "image.opens_increased",
];

/// Every event type a recipe can start from: the NiftyImages-side ones, then GHL's webhooks.
pub fn all_event_types() -> Vec<&'static str> {
    EVENT_TYPES
        .iter()
        .chain(crate::ghl_events::GHL_EVENT_TYPES)
        .copied()
        .collect()
}

/// What a field of an event's `data` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    DateTime,
    Bool,
    /// An array of non-empty strings.
    Tags,
    /// An object of field key → value.
    Map,
    /// A JSON array (GHL's `customFields: [{id, value}]`, attachments).
    List,
    /// A number.
    Number,
}

/// A field of an event type's `data`, as [`parse_event`] checks it. `required`: the event is
/// refused without it (for `campaign.event` and `note.added`, one of `contactId` or `email`
/// is needed; each alone is optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataField {
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

pub(crate) const fn field(name: &'static str, kind: FieldKind, required: bool) -> DataField {
    DataField {
        name,
        kind,
        required,
    }
}

/// The fields of each event type's `data`: what recipes may read.
pub fn data_fields(kind: &str) -> &'static [DataField] {
    use FieldKind::*;
    const CONTACT: &[DataField] = &[
        field("contactId", Text, true),
        field("email", Email, true),
        field("name", Text, true),
        field("phone", Text, false),
        field("firstName", Text, false),
        field("lastName", Text, false),
        field("source", Text, false),
        field("tags", Tags, false),
        field("customFields", Map, false),
    ];
    const SIGNUP: &[DataField] = &[
        field("email", Email, true),
        field("contactId", Text, false),
        field("name", Text, false),
        field("firstName", Text, false),
        field("lastName", Text, false),
        field("phone", Text, false),
        field("campaignId", Text, false),
        field("formId", Text, false),
        field("source", Text, false),
        field("tags", Tags, false),
        field("customFields", Map, false),
    ];
    const CAMPAIGN: &[DataField] = &[
        field("contactId", Text, false),
        field("email", Email, false),
        field("kind", Text, true),
        field("campaignId", Text, true),
        field("campaignName", Text, false),
        field("imageId", Text, false),
        field("title", Text, false),
        field("body", Text, false),
        field("dueDate", DateTime, false),
        field("completed", Bool, false),
        field("prefetch", Bool, false),
        field("userAgent", Text, false),
    ];
    const NOTE: &[DataField] = &[
        field("noteId", Text, true),
        field("contactId", Text, false),
        field("email", Email, false),
        field("content", Text, true),
    ];
    const OPENS: &[DataField] = &[
        field("imageUrl", Text, true),
        field("name", Text, false),
        field("imageType", Text, false),
        field("opens", Number, true),
        field("previousOpens", Number, true),
        field("increase", Number, true),
    ];
    match kind {
        "contact.created" | "contact.updated" => CONTACT,
        "signup" => SIGNUP,
        "campaign.event" => CAMPAIGN,
        "note.added" => NOTE,
        "image.opens_increased" => OPENS,
        other => crate::ghl_events::data_fields(other),
    }
}

/// An event that passed its checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    pub data: Value,
}

/// Why an event was refused: the JSON pointer of the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct EventProblem {
    pub pointer: String,
    pub message: String,
}

fn problem(pointer: impl Into<String>, message: impl Into<String>) -> EventProblem {
    EventProblem {
        pointer: pointer.into(),
        message: message.into(),
    }
}

/// Checks one event found at `at` (a JSON pointer prefix, `""` for a single event).
/// `fallback_id` names an event that carries no `id` (the webhook's id, for instance).
pub fn parse_event(
    value: &Value,
    at: &str,
    fallback_id: Option<String>,
) -> Result<Event, EventProblem> {
    let object = value
        .as_object()
        .ok_or_else(|| problem(at, "an event must be a JSON object"))?;
    for key in object.keys() {
        if !["id", "type", "occurred_at", "location_id", "data"].contains(&key.as_str()) {
            return Err(problem(
                format!("{at}/{key}"),
                "unknown field; an event has id, type, occurred_at, location_id and data",
            ));
        }
    }
    let text = |key: &str| -> Result<Option<String>, EventProblem> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(problem(format!("{at}/{key}"), "must be a non-empty string")),
        }
    };
    let id = text("id")?.or(fallback_id).ok_or_else(|| {
        problem(
            format!("{at}/id"),
            "is required (or send the event with a webhook-id)",
        )
    })?;
    if id.len() > 200 {
        return Err(problem(format!("{at}/id"), "is longer than 200 characters"));
    }
    let kind = text("type")?.ok_or_else(|| problem(format!("{at}/type"), "is required"))?;
    if !EVENT_TYPES.contains(&kind.as_str()) {
        return Err(problem(
            format!("{at}/type"),
            format!(
                "unknown event type {kind:?}; known: {}",
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    let occurred_at = text("occurred_at")?;
    if let Some(when) = &occurred_at
        && !is_timestamp(when)
    {
        return Err(problem(
            format!("{at}/occurred_at"),
            "must be an ISO-8601 date-time like 2026-11-27T10:00:00Z",
        ));
    }
    let location_id = text("location_id")?;
    if let Some(location) = &location_id
        && ghl::validate_location_id(location).is_err()
    {
        return Err(problem(
            format!("{at}/location_id"),
            "is not a GHL location id (20 letters and digits)",
        ));
    }
    let data = object.get("data").cloned().unwrap_or(Value::Null);
    if !data.is_object() {
        return Err(problem(format!("{at}/data"), "must be a JSON object"));
    }
    check_data(&kind, &data, &format!("{at}/data"))?;
    Ok(Event {
        id,
        kind,
        occurred_at,
        location_id,
        data,
    })
}

fn is_timestamp(value: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(value).is_ok()
}

fn check_data(kind: &str, data: &Value, at: &str) -> Result<(), EventProblem> {
    let field = |name: &str| data.get(name).filter(|v| !v.is_null());
    let string = |name: &str, required: bool| -> Result<Option<&str>, EventProblem> {
        match field(name) {
            None if required => Err(problem(format!("{at}/{name}"), "is required")),
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
            Some(_) => Err(problem(
                format!("{at}/{name}"),
                "must be a non-empty string",
            )),
        }
    };
    let email = |required: bool| -> Result<Option<&str>, EventProblem> {
        let value = string("email", required)?;
        if let Some(email) = value
            && !looks_like_email(email)
        {
            return Err(problem(format!("{at}/email"), "is not an email address"));
        }
        Ok(value)
    };
    let tags = || -> Result<(), EventProblem> {
        match field("tags") {
            None => Ok(()),
            Some(Value::Array(items))
                if items
                    .iter()
                    .all(|t| t.as_str().is_some_and(|s| !s.trim().is_empty())) =>
            {
                Ok(())
            }
            Some(_) => Err(problem(
                format!("{at}/tags"),
                "must be an array of non-empty strings",
            )),
        }
    };
    let custom_fields = || -> Result<(), EventProblem> {
        match field("customFields") {
            None | Some(Value::Object(_)) => Ok(()),
            Some(_) => Err(problem(
                format!("{at}/customFields"),
                "must be an object of field key → value",
            )),
        }
    };
    match kind {
        "contact.created" | "contact.updated" => {
            string("contactId", true)?;
            email(true)?;
            string("name", true)?;
            for optional in ["phone", "firstName", "lastName", "source"] {
                string(optional, false)?;
            }
            tags()?;
            custom_fields()?;
        }
        "signup" => {
            email(true)?;
            for optional in [
                "contactId",
                "name",
                "firstName",
                "lastName",
                "phone",
                "campaignId",
                "formId",
                "source",
            ] {
                string(optional, false)?;
            }
            tags()?;
            custom_fields()?;
        }
        "campaign.event" => {
            let contact = string("contactId", false)?;
            let address = email(false)?;
            if contact.is_none() && address.is_none() {
                return Err(problem(
                    format!("{at}/contactId"),
                    "give contactId or email: the contact who engaged",
                ));
            }
            match string("kind", true)? {
                Some("open" | "click" | "submit" | "preview") => {}
                _ => {
                    return Err(problem(
                        format!("{at}/kind"),
                        "must be one of open, click, submit, preview",
                    ));
                }
            }
            string("campaignId", true)?;
            for optional in ["imageId", "campaignName", "title", "body", "userAgent"] {
                string(optional, false)?;
            }
            if let Some(due) = string("dueDate", false)?
                && !is_timestamp(due)
            {
                return Err(problem(
                    format!("{at}/dueDate"),
                    "must be an ISO-8601 date-time like 2026-11-30T09:00:00Z",
                ));
            }
            if let Some(done) = field("completed")
                && !done.is_boolean()
            {
                return Err(problem(format!("{at}/completed"), "must be true or false"));
            }
            if let Some(prefetch) = field("prefetch")
                && !prefetch.is_boolean()
            {
                return Err(problem(format!("{at}/prefetch"), "must be true or false"));
            }
        }
        "note.added" => {
            string("noteId", true)?;
            let contact = string("contactId", false)?;
            let address = email(false)?;
            if contact.is_none() && address.is_none() {
                return Err(problem(
                    format!("{at}/contactId"),
                    "give contactId or email: the contact the note is about",
                ));
            }
            string("content", true)?;
        }
        "image.opens_increased" => {
            string("imageUrl", true)?;
            for optional in ["name", "imageType"] {
                string(optional, false)?;
            }
            for count in ["opens", "previousOpens", "increase"] {
                if field(count).is_none_or(|v| v.as_u64().is_none()) {
                    return Err(problem(
                        format!("{at}/{count}"),
                        "is required: a whole number of opens",
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The door's test of an email address: something before the `@`, a dot after it, no
/// white space.
pub fn looks_like_email(value: &str) -> bool {
    matches!(value.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !value.contains(char::is_whitespace))
}

/// The events of a body: one event object, an array of them, or `{"events": [...]}`.
/// `webhook_id` names events that carry no id of their own (`<webhook-id>` for a single event,
/// `<webhook-id>/<index>` in a batch).
pub fn parse_body(body: &Value, webhook_id: Option<&str>) -> Result<Vec<Event>, EventProblem> {
    let (items, prefix): (Vec<&Value>, &str) = match body {
        Value::Array(items) => (items.iter().collect(), ""),
        Value::Object(object) if object.contains_key("events") => match &object["events"] {
            Value::Array(items) => (items.iter().collect(), "/events"),
            _ => return Err(problem("/events", "must be an array of events")),
        },
        Value::Object(_) => {
            return parse_event(body, "", webhook_id.map(str::to_owned)).map(|e| vec![e]);
        }
        _ => {
            return Err(problem(
                "",
                "the body must be an event object or an array of events",
            ));
        }
    };
    if items.is_empty() {
        return Err(problem(prefix, "holds no events"));
    }
    if items.len() > 1_000 {
        return Err(problem(
            prefix,
            "holds more than 1000 events; send smaller batches",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let fallback = webhook_id.map(|id| format!("{id}/{index}"));
            parse_event(item, &format!("{prefix}/{index}"), fallback)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn problems_name_the_field_by_json_pointer() {
        let batch = json!([
            {"id": "e1", "type": "contact.created", "data": {"contactId": "n1", "email": "a@b.co", "name": "Ann"}},
            {"id": "e2", "type": "note.added", "data": {"noteId": "x", "contactId": "n1"}}
        ]);
        let error = parse_body(&batch, None).unwrap_err();
        assert_eq!(error.pointer, "/1/data/content");
        let bad_email = json!({"type": "signup", "data": {"email": "nope"}});
        assert_eq!(
            parse_body(&bad_email, Some("msg_1")).unwrap_err().pointer,
            "/data/email"
        );
        let unknown = json!({"type": "contact.deleted", "data": {}});
        assert!(
            parse_body(&unknown, Some("m"))
                .unwrap_err()
                .message
                .contains("unknown event type")
        );
    }

    #[test]
    fn ids_come_from_the_event_or_the_webhook() {
        let single = json!({"type": "signup", "data": {"email": "a@b.co"}});
        assert_eq!(parse_body(&single, Some("msg_1")).unwrap()[0].id, "msg_1");
        let batch = json!({"events": [single.clone(), single]});
        let events = parse_body(&batch, Some("msg_2")).unwrap();
        assert_eq!(
            (events[0].id.as_str(), events[1].id.as_str()),
            ("msg_2/0", "msg_2/1")
        );
        assert!(
            parse_body(
                &json!({"type": "signup", "data": {"email": "a@b.co"}}),
                None
            )
            .is_err()
        );
    }
}
