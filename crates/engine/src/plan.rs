//! The built-in mapping from NiftyImages events to GHL jobs. (Recipes, the user-editable
//! mapping, build on these same jobs.)
//!
//! - `contact.created` / `contact.updated` → upsert the contact (pending upserts of the same
//!   contact merge into one call);
//! - `signup` → upsert the contact and tag it `niftyimages-signup`;
//! - `campaign.event` → one follow-up task per contact and campaign (a later event updates it);
//! - `note.added` → one note per note id.

use chrono::{DateTime, Datelike, Duration as Days, NaiveTime, Utc, Weekday};
use serde_json::{Map, Value, json};
use store::queue::NewJob;

use crate::events::Event;
use crate::jobs::{
    CONTACT_UPSERT, ContactRef, ContactUpsert, NOTE_UPSERT, NoteUpsert, TASK_UPSERT, TaskUpsert,
};

/// The tag a signup gets, for a GHL workflow to start on.
pub const SIGNUP_TAG: &str = "niftyimages-signup";

/// The jobs an event makes for `location_id`, due at `now`.
pub fn plan(event: &Event, location_id: &str, now: i64) -> Vec<NewJob> {
    let data = &event.data;
    let text = |name: &str| data.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut jobs = Vec::new();
    // Every job about one contact has that contact's entity key, so they run in the order their
    // events came: a note never runs before the upsert that makes its contact.
    let mut push = |kind: &str, who: &str, coalesce: bool, payload: Value| {
        let n = jobs.len();
        jobs.push(NewJob {
            kind: kind.to_owned(),
            location_id: location_id.to_owned(),
            payload: payload.to_string(),
            idempotency_key: format!("{}#{n}", event.id),
            coalesce_key: coalesce.then(|| format!("{kind}:{location_id}:{who}")),
            entity_key: format!("contact:{location_id}:{who}"),
            event_id: event.id.clone(),
            run_at: now,
        });
    };
    let who = |source: Option<String>, email: Option<String>| {
        source
            .or_else(|| email.map(|e| format!("email:{}", e.to_lowercase())))
            .unwrap_or_default()
    };
    match event.kind.as_str() {
        "contact.created" | "contact.updated" | "signup" => {
            let source_id = text("contactId");
            let key = who(source_id.clone(), text("email"));
            let mut upsert = ContactUpsert {
                source_id,
                fields: contact_fields(data),
                ..ContactUpsert::default()
            };
            for tag in data
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                upsert.add_tags.insert(tag.to_owned(), true);
            }
            if event.kind == "signup" {
                upsert.add_tags.insert(SIGNUP_TAG.to_owned(), true);
            }
            push(
                CONTACT_UPSERT,
                &key,
                true,
                serde_json::to_value(upsert).expect("serialises"),
            );
        }
        "campaign.event" => {
            let contact = ContactRef {
                source_id: text("contactId"),
                email: text("email"),
            };
            let key = who(contact.source_id.clone(), contact.email.clone());
            let campaign = text("campaignId").unwrap_or_default();
            let name = text("campaignName").unwrap_or_else(|| campaign.clone());
            let kind = text("kind").unwrap_or_default();
            let occurred = event
                .occurred_at
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
            let task = TaskUpsert {
                source_id: format!("{key}|{campaign}"),
                contact,
                title: text("title")
                    .unwrap_or_else(|| format!("Follow up: {} on {name}", engagement(&kind))),
                body: text("body").or_else(|| {
                    Some(format!(
                        "{} the NiftyImages campaign {name}{} on {}.",
                        capitalised(engagement(&kind)),
                        text("imageId")
                            .map(|i| format!(" (image {i})"))
                            .unwrap_or_default(),
                        occurred.format("%Y-%m-%d %H:%M UTC"),
                    ))
                }),
                due_date: text("dueDate").unwrap_or_else(|| next_business_day(occurred)),
                completed: data.get("completed").and_then(Value::as_bool),
            };
            push(
                TASK_UPSERT,
                &key,
                false,
                serde_json::to_value(task).expect("serialises"),
            );
        }
        "note.added" => {
            let note = NoteUpsert {
                source_id: text("noteId").unwrap_or_default(),
                contact: ContactRef {
                    source_id: text("contactId"),
                    email: text("email"),
                },
                body: text("content").unwrap_or_default(),
            };
            let key = who(note.contact.source_id.clone(), note.contact.email.clone());
            push(
                NOTE_UPSERT,
                &key,
                false,
                serde_json::to_value(note).expect("serialises"),
            );
        }
        _ => {}
    }
    jobs
}

fn engagement(kind: &str) -> &'static str {
    match kind {
        "open" => "opened",
        "click" => "clicked",
        "submit" => "submitted",
        "preview" => "previewed",
        _ => "engaged with",
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// 09:00 UTC on the first weekday after `from`.
pub fn next_business_day(from: DateTime<Utc>) -> String {
    let mut day = from.date_naive() + Days::days(1);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Days::days(1);
    }
    let at = day
        .and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time"))
        .and_utc();
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The event's contact fields in GHL's camelCase; custom fields by key.
fn contact_fields(data: &Value) -> Map<String, Value> {
    let mut fields = Map::new();
    for (from, to) in [
        ("email", "email"),
        ("phone", "phone"),
        ("firstName", "firstName"),
        ("lastName", "lastName"),
        ("source", "source"),
    ] {
        if let Some(value) = data.get(from).filter(|v| v.is_string()) {
            fields.insert(to.to_owned(), value.clone());
        }
    }
    if let Some(name) = data.get("name").and_then(Value::as_str)
        && !fields.contains_key("firstName")
        && !fields.contains_key("lastName")
    {
        fields.insert("name".into(), json!(name));
    }
    if let Some(custom) = data.get("customFields").and_then(Value::as_object) {
        let values: Vec<Value> = custom
            .iter()
            .map(|(key, value)| {
                let key = if key.starts_with("contact.") {
                    key.clone()
                } else {
                    format!("contact.{key}")
                };
                json!({"key": key, "fieldValue": value})
            })
            .collect();
        fields.insert("customFields".into(), Value::Array(values));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value) -> Event {
        Event {
            id: "evt_1".into(),
            kind: kind.into(),
            occurred_at: Some("2026-11-27T10:00:00Z".into()),
            location_id: None,
            data,
        }
    }

    #[test]
    fn contact_events_make_one_coalescing_upsert() {
        let jobs = plan(
            &event(
                "contact.updated",
                json!({"contactId": "n1", "email": "A@x.io", "name": "Ann Lee", "tags": ["vip"]}),
            ),
            "L",
            5,
        );
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].kind, CONTACT_UPSERT);
        assert_eq!(
            jobs[0].coalesce_key.as_deref(),
            Some("ghl.contact.upsert:L:n1")
        );
        assert_eq!(jobs[0].entity_key, "contact:L:n1");
        let input: ContactUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
        assert_eq!(input.fields["name"], "Ann Lee");
        assert!(input.add_tags["vip"]);
    }

    #[test]
    fn campaign_events_make_one_task_per_contact_and_campaign_due_next_business_day() {
        // 2026-11-27 is a Friday: the next business day is Monday the 30th.
        let jobs = plan(
            &event(
                "campaign.event",
                json!({"email": "b@x.io", "kind": "click", "campaignId": "spring"}),
            ),
            "L",
            5,
        );
        let task: TaskUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
        assert_eq!(task.source_id, "email:b@x.io|spring");
        assert_eq!(jobs[0].entity_key, "contact:L:email:b@x.io");
        assert_eq!(task.due_date, "2026-11-30T09:00:00.000Z");
        assert_eq!(task.title, "Follow up: clicked on spring");
        assert_eq!(jobs[0].coalesce_key, None);
    }
}
