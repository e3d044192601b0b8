//! The demo's sample traffic: what a NiftyImages account sends in a morning. Signups from a
//! campaign form, contacts created and updated, image opens and clicks, notes; then the
//! deliveries a real producer gets wrong (the same delivery twice, an event missing a field,
//! a bad signature). Fixed data, so every run shows the same story.

use serde_json::{Value, json};

/// One HTTP request the demo makes to `/hooks/niftyimages`.
pub struct Delivery {
    /// What the request is, for the report.
    pub label: String,
    /// The `webhook-id`; a repeat of an earlier one is the duplicate delivery.
    pub webhook_id: String,
    pub events: Value,
    /// Signed with a secret the service does not know.
    pub forged: bool,
}

struct Person {
    first: &'static str,
    last: &'static str,
    phone: &'static str,
}

const PEOPLE: [Person; 14] = [
    Person {
        first: "Ava",
        last: "Martin",
        phone: "+14155550101",
    },
    Person {
        first: "Noah",
        last: "Kim",
        phone: "+14155550102",
    },
    Person {
        first: "Mia",
        last: "Lopez",
        phone: "+14155550103",
    },
    Person {
        first: "Liam",
        last: "Chen",
        phone: "+14155550104",
    },
    Person {
        first: "Zoe",
        last: "Okafor",
        phone: "+14155550105",
    },
    Person {
        first: "Ethan",
        last: "Novak",
        phone: "+14155550106",
    },
    Person {
        first: "Isla",
        last: "Reyes",
        phone: "+14155550107",
    },
    Person {
        first: "Omar",
        last: "Haddad",
        phone: "+14155550108",
    },
    Person {
        first: "Lena",
        last: "Fischer",
        phone: "+14155550109",
    },
    Person {
        first: "Kai",
        last: "Tanaka",
        phone: "+14155550110",
    },
    Person {
        first: "Sara",
        last: "Lindqvist",
        phone: "+14155550111",
    },
    Person {
        first: "Diego",
        last: "Alvarez",
        phone: "+14155550112",
    },
    Person {
        first: "Nora",
        last: "Walsh",
        phone: "+14155550113",
    },
    Person {
        first: "Yuki",
        last: "Sato",
        phone: "+14155550114",
    },
];

fn email(person: &Person) -> String {
    format!(
        "{}.{}@example.com",
        person.first.to_lowercase(),
        person.last.to_lowercase()
    )
}

fn contact_id(index: usize) -> String {
    format!("ni-{}", 1001 + index)
}

fn contact_event(id: &str, kind: &str, index: usize, extra: Value) -> Value {
    let person = &PEOPLE[index];
    let mut data = json!({
        "contactId": contact_id(index),
        "email": email(person),
        "name": format!("{} {}", person.first, person.last),
        "phone": person.phone,
        "source": "NiftyImages",
    });
    merge(&mut data, extra);
    json!({"id": id, "type": kind, "data": data})
}

fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}

fn engagement(id: &str, index: usize, kind: &str, campaign: (&str, &str), at: &str) -> Value {
    json!({"id": id, "type": "campaign.event", "occurred_at": at, "data": {
        "contactId": contact_id(index),
        "kind": kind,
        "campaignId": campaign.0,
        "campaignName": campaign.1,
        "imageId": format!("img-{}", campaign.0),
    }})
}

const BLACK_FRIDAY: (&str, &str) = ("bf-2026", "Black Friday countdown");
const WELCOME: (&str, &str) = ("welcome", "Welcome series");

/// Every request of the demo, in the order it sends them.
pub fn deliveries() -> Vec<Delivery> {
    let mut out: Vec<Delivery> = Vec::new();
    let push = |out: &mut Vec<Delivery>, label: &str, webhook_id: &str, events: Value| {
        out.push(Delivery {
            label: label.to_owned(),
            webhook_id: webhook_id.to_owned(),
            events,
            forged: false,
        });
    };

    // Ten contacts the NiftyImages account already knows, five per request.
    for (request, people) in [(1, 0..5), (2, 5..10)] {
        let events: Vec<Value> = people
            .map(|i| {
                contact_event(
                    &format!("evt-created-{i}"),
                    "contact.created",
                    i,
                    json!({"tags": ["newsletter"]}),
                )
            })
            .collect();
        push(
            &mut out,
            "contact.created ×5",
            &format!("msg-contacts-{request}"),
            Value::Array(events),
        );
    }
    // Four sign up through the Black Friday form, one request each, as a form handler sends.
    for (i, person) in PEOPLE.iter().enumerate().skip(10) {
        push(
            &mut out,
            "signup",
            &format!("msg-signup-{i}"),
            json!({"id": format!("evt-signup-{i}"), "type": "signup", "data": {
                "email": email(person),
                "firstName": person.first,
                "lastName": person.last,
                "phone": person.phone,
                "campaignId": BLACK_FRIDAY.0,
                "formId": "bf-form",
                "tags": ["black-friday"],
            }}),
        );
    }
    // Updates: a new phone, a new tag, a custom field.
    push(
        &mut out,
        "contact.updated ×4",
        "msg-updates-1",
        json!([
            contact_event(
                "evt-updated-0",
                "contact.updated",
                0,
                json!({"phone": "+14155550199"})
            ),
            contact_event(
                "evt-updated-1",
                "contact.updated",
                1,
                json!({"tags": ["vip"]})
            ),
            contact_event(
                "evt-updated-2",
                "contact.updated",
                2,
                json!({"customFields": {"favourite_store": "Union Square"}})
            ),
            contact_event(
                "evt-updated-3",
                "contact.updated",
                3,
                json!({"firstName": "Liam", "lastName": "Chen-Wong", "name": "Liam Chen-Wong"})
            ),
        ]),
    );
    // Engagement with the campaign images: each contact's first open makes a follow-up task; a
    // later click on the same campaign updates that task instead of adding another.
    let mut engaged = Vec::new();
    for i in 0..8 {
        engaged.push(engagement(
            &format!("evt-open-{i}"),
            i,
            "open",
            BLACK_FRIDAY,
            &format!("2026-11-27T09:0{i}:00Z"),
        ));
    }
    for i in 0..4 {
        engaged.push(engagement(
            &format!("evt-click-{i}"),
            i,
            "click",
            BLACK_FRIDAY,
            &format!("2026-11-27T09:3{i}:00Z"),
        ));
    }
    for i in 4..8 {
        engaged.push(engagement(
            &format!("evt-welcome-{i}"),
            i,
            "open",
            WELCOME,
            &format!("2026-11-27T10:0{i}:00Z"),
        ));
    }
    for chunk in engaged.chunks(4) {
        push(
            &mut out,
            "campaign.event ×4",
            &format!("msg-{}", first_id(chunk)),
            Value::Array(chunk.to_vec()),
        );
    }
    // One form submitted from the image: the follow-up is done.
    let mut submitted = engagement(
        "evt-submit-0",
        0,
        "submit",
        BLACK_FRIDAY,
        "2026-11-27T11:00:00Z",
    );
    submitted["data"]["completed"] = json!(true);
    push(
        &mut out,
        "campaign.event (submit, completes the task)",
        "msg-submit-0",
        submitted,
    );
    // Notes on the timeline; the last one edits the first.
    let notes = [
        (
            0,
            "note-1",
            "Asked about the Black Friday bundle; prefers email.",
        ),
        (1, "note-2", "VIP: call before the sale ends."),
        (4, "note-3", "Opened the welcome email on mobile."),
        (6, "note-4", "Requested a size guide."),
        (8, "note-5", "Unsubscribed from SMS, keep email."),
        (
            0,
            "note-1",
            "Asked about the Black Friday bundle; prefers email. Sent the link.",
        ),
    ];
    let notes: Vec<Value> = notes
        .iter()
        .enumerate()
        .map(|(n, (i, note, content))| {
            json!({"id": format!("evt-note-{n}"), "type": "note.added", "data": {
                "noteId": note, "contactId": contact_id(*i), "content": content,
            }})
        })
        .collect();
    push(
        &mut out,
        "note.added ×6",
        "msg-notes-1",
        Value::Array(notes),
    );

    // What real producers get wrong.
    let repeat = out[0].events.clone();
    push(
        &mut out,
        "the first request again (a producer's retry)",
        "msg-contacts-1",
        repeat,
    );
    push(
        &mut out,
        "contact.created without an email",
        "msg-bad-1",
        json!({"id": "evt-bad-1", "type": "contact.created", "data": {"contactId": "ni-2001", "name": "No Email"}}),
    );
    out.push(Delivery {
        label: "a request signed with the wrong secret".into(),
        webhook_id: "msg-forged-1".into(),
        events: contact_event("evt-forged-1", "contact.created", 9, json!({})),
        forged: true,
    });
    out
}

/// A stable webhook id for a request: its first event's id.
fn first_id(chunk: &[Value]) -> String {
    chunk[0]["id"].as_str().unwrap_or_default().to_owned()
}

/// How many events the demo's valid deliveries carry (duplicates and refusals excluded).
pub fn expected_events() -> usize {
    10 + 4 + 4 + 16 + 1 + 6
}

/// What GHL must hold afterwards, each exactly once: 14 people; a follow-up task per person
/// and campaign (8 Black Friday, 4 welcome); a note per note id (5; one was edited).
pub const EXPECTED_CONTACTS: usize = 14;
pub const EXPECTED_TASKS: usize = 12;
pub const EXPECTED_NOTES: usize = 5;
