//! One trigger per NiftyImages-side event type (`events::EVENT_TYPES`). The input schema of a
//! trigger is the event's `data` as `events::parse_event` checks it: the tests remove each field
//! from a valid event and hold the verdict of the door to the `required` lists below.

use super::schema::{Inputs, choice, date_time, email, flag, non_empty};
use super::{Operation, Service};

fn tags_and_custom_fields(inputs: Inputs) -> Inputs {
    inputs
        .optional(
            "tags",
            serde_json::json!({
                "type": "array",
                "items": {"type": "string", "pattern": "\\S"},
                "description": "tags for the contact",
            }),
        )
        .optional(
            "customFields",
            serde_json::json!({
                "type": "object",
                "description": "custom field key → value",
            }),
        )
}

fn contact_event() -> Inputs {
    tags_and_custom_fields(
        Inputs::event_data()
            .required(
                "contactId",
                non_empty("the contact's id on the NiftyImages side"),
            )
            .required("email", email("the contact's email address"))
            .required("name", non_empty("the contact's full name"))
            .optional("phone", non_empty("phone number"))
            .optional("firstName", non_empty("first name"))
            .optional("lastName", non_empty("last name"))
            .optional("source", non_empty("where the contact came from")),
    )
}

pub(super) fn operations() -> Vec<Operation> {
    let trigger = |name, event_type, description, inputs| {
        Operation::trigger(Service::NiftyImages, name, event_type, description, inputs)
    };
    vec![
        trigger(
            "niftyimages.contact.created",
            "contact.created",
            "A contact was created on the NiftyImages side",
            contact_event(),
        ),
        trigger(
            "niftyimages.contact.updated",
            "contact.updated",
            "A contact changed on the NiftyImages side",
            contact_event(),
        ),
        trigger(
            "niftyimages.campaign.event",
            "campaign.event",
            "A contact engaged with a campaign image: open, click, submit or preview",
            Inputs::event_data()
                .optional("contactId", non_empty("the contact's NiftyImages id"))
                .optional("email", email("the contact's email address"))
                .at_least_one_of(&["contactId", "email"])
                .required(
                    "kind",
                    choice(
                        &["open", "click", "submit", "preview"],
                        "what the contact did",
                    ),
                )
                .required("campaignId", non_empty("the campaign"))
                .optional("imageId", non_empty("the image"))
                .optional("campaignName", non_empty("the campaign's name"))
                .optional("title", non_empty("a title for the follow-up task"))
                .optional("body", non_empty("a text for the follow-up task"))
                .optional(
                    "dueDate",
                    date_time("when the follow-up is due, ISO-8601 (2026-11-30T09:00:00Z)"),
                )
                .optional("completed", flag("whether the follow-up is already done"))
                .optional(
                    "prefetch",
                    flag("fetched by a mail privacy proxy or prefetcher, not seen by a person"),
                )
                .optional(
                    "userAgent",
                    non_empty("the User-Agent of the client that fetched the image"),
                ),
        ),
        trigger(
            "niftyimages.note.added",
            "note.added",
            "A note about a contact was written on the NiftyImages side",
            Inputs::event_data()
                .required(
                    "noteId",
                    non_empty("the note's id; a later event with it updates the note"),
                )
                .optional("contactId", non_empty("the contact's NiftyImages id"))
                .optional("email", email("the contact's email address"))
                .at_least_one_of(&["contactId", "email"])
                .required("content", non_empty("the note's text")),
        ),
        trigger(
            "niftyimages.signup",
            "signup",
            "A NiftyImages campaign captured a signup form",
            tags_and_custom_fields(
                Inputs::event_data()
                    .required("email", email("the address signed up"))
                    .optional("contactId", non_empty("the contact's NiftyImages id"))
                    .optional("name", non_empty("full name"))
                    .optional("firstName", non_empty("first name"))
                    .optional("lastName", non_empty("last name"))
                    .optional("phone", non_empty("phone number"))
                    .optional("campaignId", non_empty("the campaign that captured it"))
                    .optional("formId", non_empty("the form"))
                    .optional("source", non_empty("where the signup came from")),
            ),
        ),
        trigger(
            "niftyimages.image.opens_increased",
            "image.opens_increased",
            "A NiftyImages image's open counter rose since the stats poller last read it",
            Inputs::event_data()
                .required("imageUrl", non_empty("the image's NiftyImages URL"))
                .optional("name", non_empty("the image's name"))
                .optional(
                    "imageType",
                    non_empty("Personalized Image, Countdown Timer…"),
                )
                .required("opens", count("opens now"))
                .required("previousOpens", count("opens at the last poll"))
                .required("increase", count("opens since the last poll")),
        ),
    ]
}

/// A count as the door checks it: a whole number, zero or more.
fn count(description: &str) -> serde_json::Value {
    serde_json::json!({"type": "integer", "minimum": 0, "description": description})
}
