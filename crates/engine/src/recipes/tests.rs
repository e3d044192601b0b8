use serde_json::json;

use super::*;
use crate::jobs::{
    CONTACT_UPSERT, ContactUpsert, NOTE_UPSERT, NoteUpsert, TASK_UPSERT, TaskUpsert,
};

fn event(kind: &str, data: Value) -> Event {
    Event {
        id: "evt_1".into(),
        kind: kind.into(),
        occurred_at: Some("2026-11-27T10:00:00Z".into()),
        location_id: None,
        data,
    }
}

/// A folder with `files` as recipe files.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn problems(files: &[(&str, &str)]) -> Vec<String> {
    let dir = folder(files);
    Recipes::load(Some(dir.path())).unwrap_err().0
}

#[test]
fn contact_events_make_one_coalescing_upsert_with_the_nifty_id() {
    let jobs = Recipes::builtin()
        .plan(
            &event(
                "contact.updated",
                json!({"contactId": "n1", "email": "A@x.io", "name": "Ann Lee", "tags": ["vip"],
                       "customFields": {"favourite": "blue"}}),
            ),
            "L",
            5,
        )
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, CONTACT_UPSERT);
    assert_eq!(
        jobs[0].coalesce_key.as_deref(),
        Some("ghl.contact.upsert:L:n1")
    );
    assert_eq!(jobs[0].entity_key, "contact:L:n1");
    assert_eq!(jobs[0].idempotency_key, "evt_1#contact-sync/1");
    let input: ContactUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
    assert_eq!(input.source_id.as_deref(), Some("n1"));
    assert_eq!(input.fields["name"], "Ann Lee");
    assert_eq!(
        input.fields["customFields"],
        json!([{"key": "contact.favourite", "fieldValue": "blue"}])
    );
    assert!(input.add_tags["vip"]);
    assert!(
        !input.fields.contains_key("phone"),
        "absent fields stay out"
    );
}

#[test]
fn a_signup_is_tagged_for_the_welcome_workflow() {
    let jobs = Recipes::builtin()
        .plan(
            &event("signup", json!({"email": "b@x.io", "tags": ["bf"]})),
            "L",
            5,
        )
        .unwrap();
    let input: ContactUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
    assert_eq!(input.source_id, None);
    assert_eq!(jobs[0].entity_key, "contact:L:email:b@x.io");
    let tags: Vec<&str> = input.add_tags.keys().map(String::as_str).collect();
    assert_eq!(tags, ["bf", "niftyimages-signup"]);
}

#[test]
fn campaign_events_make_one_task_per_contact_and_campaign_due_next_business_day() {
    // 2026-11-27 is a Friday: the next business day is Monday the 30th.
    let jobs = Recipes::builtin()
        .plan(
            &event(
                "campaign.event",
                json!({"email": "b@x.io", "kind": "click", "campaignId": "spring", "imageId": "i9"}),
            ),
            "L",
            5,
        )
        .unwrap();
    assert_eq!(jobs[0].kind, TASK_UPSERT);
    let task: TaskUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
    assert_eq!(task.source_id, "email:b@x.io|spring");
    assert_eq!(jobs[0].entity_key, "task:L:email:b@x.io");
    assert_eq!(jobs[0].after_key.as_deref(), Some("contact:L:email:b@x.io"));
    assert_eq!(task.due_date, "2026-11-30T09:00:00.000Z");
    assert_eq!(task.title, "Follow up: clicked on spring");
    assert_eq!(
        task.body.as_deref(),
        Some("Clicked the NiftyImages campaign spring (image i9) on 2026-11-27 10:00 UTC.")
    );
    assert_eq!(task.completed, None);
    assert_eq!(jobs[0].coalesce_key, None);
}

#[test]
fn notes_are_keyed_by_their_note_id() {
    let jobs = Recipes::builtin()
        .plan(
            &event(
                "note.added",
                json!({"noteId": "n-7", "contactId": "c1", "content": "Hi"}),
            ),
            "L",
            5,
        )
        .unwrap();
    assert_eq!(jobs[0].kind, NOTE_UPSERT);
    let note: NoteUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
    assert_eq!((note.source_id.as_str(), note.body.as_str()), ("n-7", "Hi"));
}

#[test]
fn a_user_file_replaces_a_builtin_adds_recipes_and_filters_with_when() {
    let dir = folder(&[
        (
            "notes.toml",
            "name = \"timeline-notes\"\nenabled = false\n[trigger]\nevents = [\"note.added\"]\n\
             [[steps]]\naction = \"ghl.notes.create\"\n[steps.input]\nkey = \"{{ event.data.noteId }}\"\n\
             contactId = \"{{ event.data.contactId }}\"\nemail = \"{{ event.data.email }}\"\nbody = \"{{ event.data.content }}\"\n",
        ),
        (
            "clicks.toml",
            r#"name = "hot-leads"
[trigger]
events = ["campaign.event"]
when = "event.data.kind == 'click'"
[[steps]]
action = "ghl.contacts.upsert"
[steps.input]
email = "{{ event.data.email }}"
phone = "{{ '(415) 555-0100' | e164 }}"
tags = ["hot-lead"]
"#,
        ),
    ]);
    let recipes = Recipes::load(Some(dir.path())).unwrap();
    let note = event(
        "note.added",
        json!({"noteId": "n", "contactId": "c", "content": "x"}),
    );
    assert!(
        recipes.plan(&note, "L", 5).unwrap().is_empty(),
        "turned off"
    );
    let open = event(
        "campaign.event",
        json!({"contactId": "c", "kind": "open", "campaignId": "s"}),
    );
    assert_eq!(
        recipes.plan(&open, "L", 5).unwrap().len(),
        1,
        "the task alone"
    );
    let click = event(
        "campaign.event",
        json!({"contactId": "c", "kind": "click", "campaignId": "s"}),
    );
    let jobs = recipes.plan(&click, "L", 5).unwrap();
    assert_eq!(jobs.len(), 2, "the task and the hot lead");
    let lead: ContactUpsert = serde_json::from_str(&jobs[1].payload).unwrap();
    assert_eq!(lead.fields["phone"], "+14155550100");
    assert!(lead.add_tags["hot-lead"]);
}

#[test]
fn mistakes_are_reported_with_file_line_and_column() {
    let all = problems(&[(
        "bad.toml",
        r#"name = "bad"
[trigger]
events = ["contact.created", "contact.deleted"]
[[steps]]
action = "ghl.tasks.create"
[steps.input]
key = "{{ event.data.contactId }}"
contactId = "{{ event.data.contactId }}"
title = "Call {{ event.data.phone }}"
dueDate = "{{ event.occurred_at | due_in('1 business day') }}"
colour = "red"
[[steps]]
action = "ghl.contacts.delete"
"#,
    )]);
    let text = all.join("\n");
    assert!(
        text.contains("bad.toml:3:30: unknown event type \"contact.deleted\""),
        "{text}"
    );
    assert!(text.contains("bad.toml:9:9: step 1, input title, for a contact.created event with only its required fields: reads a field the event does not have"), "{text}");
    assert!(
        text.contains("bad.toml:11:10: step 1: ghl.tasks.create takes no input \"colour\""),
        "{text}"
    );
    assert!(text.contains("bad.toml:13:10: step 2: unknown action \"ghl.contacts.delete\" (it is in the operations catalog"), "{text}");
}

#[test]
fn unknown_fields_syntax_errors_and_missing_inputs_are_found_before_any_event() {
    let text = problems(&[(
        "r.toml",
        r#"name = "r"
[trigger]
events = ["note.added"]
when = "event.data.nope == 1"
[[steps]]
action = "ghl.notes.create"
[steps.input]
key = "{{ event.data.noteId "
contactId = "{{ event.data.contactId }}"
"#,
    )])
    .join("\n");
    assert!(
        text.contains("r.toml:4:8: trigger.when: event.data.nope: note.added events have no field \"nope\" (they have: noteId, contactId, email, content)"),
        "{text}"
    );
    assert!(text.contains("r.toml:8:7: step 1, input key"), "{text}");
    assert!(
        text.contains("step 1: ghl.notes.create needs input body"),
        "{text}"
    );

    let toml_error =
        problems(&[("t.toml", "name = \"t\"\n[trigger]\nevents = [\"signup\"\n")]).join("\n");
    assert!(
        toml_error.contains("t.toml:3:19: unclosed array"),
        "{toml_error}"
    );

    let clash = problems(&[
        ("a.toml", "name = \"same\"\n[trigger]\nevents = [\"signup\"]\n[[steps]]\naction = \"ghl.contacts.upsert\"\n[steps.input]\nemail = \"{{ event.data.email }}\"\n"),
        ("b.toml", "name = \"same\"\n[trigger]\nevents = [\"signup\"]\n[[steps]]\naction = \"ghl.contacts.upsert\"\n[steps.input]\nemail = \"{{ event.data.email }}\"\n"),
    ])
    .join("\n");
    assert!(
        clash.contains("b.toml: the name \"same\" is already used by"),
        "{clash}"
    );
}

#[test]
fn data_a_recipe_cannot_use_is_a_clear_run_error() {
    let dir = folder(&[(
        "phones.toml",
        r#"name = "phones"
[trigger]
events = ["signup"]
[[steps]]
action = "ghl.contacts.upsert"
[steps.input]
email = "{{ event.data.email }}"
phone = "{{ event.data.phone | e164 }}"
"#,
    )]);
    let recipes = Recipes::load(Some(dir.path())).unwrap();
    let error = recipes
        .plan(
            &event("signup", json!({"email": "a@x.io", "phone": "call me"})),
            "L",
            5,
        )
        .unwrap_err();
    assert_eq!((error.recipe.as_str(), error.step), ("phones", 1));
    assert!(
        error.message.contains("\"call me\" is not a phone number"),
        "{error}"
    );
}

#[test]
fn every_recipe_action_is_in_the_operations_catalog() {
    for action in actions::ACTIONS {
        let operation = crate::catalog::find(action.name)
            .unwrap_or_else(|| panic!("{} is not in the catalog", action.name));
        assert_eq!(operation.name, action.name);
    }
}

#[test]
fn steps_are_checked_only_against_events_the_filter_lets_through() {
    let recipe = |when: &str| {
        format!(
            "name = \"leads\"\n[trigger]\nevents = [\"campaign.event\"]\nwhen = \"{when}\"\n[[steps]]\naction = \"ghl.contacts.upsert\"\n[steps.input]\nemail = \"{{{{ event.data.email }}}}\"\n"
        )
    };
    // Without the email test, an event naming its contact by id alone could not be upserted.
    let text = problems(&[("a.toml", &recipe("event.data.kind == 'click'"))]).join("\n");
    assert!(
        text.contains("(click) with only contactId: give at least one of email, phone"),
        "{text}"
    );
    let dir = folder(&[(
        "a.toml",
        &recipe("event.data.kind == 'click' and event.data.email is defined"),
    )]);
    assert!(Recipes::load(Some(dir.path())).is_ok());
    // A filter on a value no sample has: the steps cannot be tried, and are not refused.
    let dir = folder(&[("a.toml", &recipe("event.data.campaignId == 'bf-2026'"))]);
    assert!(Recipes::load(Some(dir.path())).is_ok());
}

/// A recipe may start from GHL's opportunity webhooks and read what GHL documents for them
/// (`status`, `contactId`…); a field the webhook does not document is refused at load, with
/// the fields it does have.
#[test]
fn opportunity_webhooks_offer_their_documented_fields_and_no_others() {
    let recipe = |field: &str| {
        format!(
            "name = \"deals\"\n[trigger]\nevents = [\"OpportunityStatusUpdate\", \"OpportunityCreate\"]\n\
             [[steps]]\naction = \"niftyimages.stores.upsert\"\n[steps.input]\nstore = \"deals\"\n\
             [steps.input.record]\nopportunity_id = \"{{{{ event.data.id }}}}\"\n\
             status = \"{{{{ event.data.{field} | default('') }}}}\"\n"
        )
    };
    let text = problems(&[("deals.toml", &recipe("stage"))]).join("\n");
    assert!(
        text.contains(
            "step 1, input record: event.data.stage: OpportunityStatusUpdate and \
             OpportunityCreate events have no field \"stage\" (they have: id, locationId, contactId, \
             name, status, monetaryValue, pipelineId, pipelineStageId, assignedTo, source, dateAdded)"
        ),
        "{text}"
    );

    let dir = folder(&[("deals.toml", &recipe("status"))]);
    let recipes = Recipes::load(Some(dir.path())).unwrap();
    let won = event(
        "OpportunityStatusUpdate",
        json!({"id": "opp-1", "locationId": "L", "contactId": "c-1", "status": "won"}),
    );
    let jobs = recipes.plan(&won, "L", 5).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, crate::jobs::nifty::STORE_UPSERT);
    let upsert: crate::jobs::nifty::StoreUpsert = serde_json::from_str(&jobs[0].payload).unwrap();
    assert_eq!(upsert.store, "deals");
    assert_eq!(
        Value::Object(upsert.record),
        json!({"opportunity_id": "opp-1", "status": "won"})
    );
}

/// Each GHL webhook type a recipe can start from reads only its own fields: an order's id is
/// `_id`, a message has no `id` at all.
#[test]
fn ghl_webhook_fields_differ_by_type() {
    let recipe = |events: &str, field: &str| {
        format!(
            "name = \"r\"\n[trigger]\nevents = [{events}]\n[[steps]]\naction = \"niftyimages.stores.delete\"\n\
             [steps.input]\nstore = \"s\"\nkey = \"{{{{ event.data.{field} }}}}\"\n"
        )
    };
    for (events, field) in [
        ("\"OrderCreate\", \"OrderStatusUpdate\"", "_id"),
        ("\"InboundMessage\", \"OutboundMessage\"", "conversationId"),
        (
            "\"ConversationUnreadUpdate\", \"CampaignStatusUpdate\"",
            "id",
        ),
    ] {
        let dir = folder(&[("r.toml", &recipe(events, field))]);
        if let Err(problems) = Recipes::load(Some(dir.path())) {
            panic!("{events} with {field}: {problems:?}");
        }
    }
    let text = problems(&[("r.toml", &recipe("\"InboundMessage\"", "id"))]).join("\n");
    assert!(
        text.contains("InboundMessage events have no field \"id\""),
        "{text}"
    );
    let text = problems(&[("r.toml", &recipe("\"OrderCreate\"", "id"))]).join("\n");
    assert!(
        text.contains("OrderCreate events have no field \"id\""),
        "{text}"
    );
}

/// A Data Store record's jobs run in the order their events came, whatever the store's unique
/// field: the upserts and the delete of one opportunity share an entity key (the delete's key
/// matched without regard to case, as a delete names it), another opportunity's do not.
#[test]
fn a_store_records_jobs_are_ordered_by_the_stores_unique_field() {
    let dir = folder(&[
        (
            "deals.toml",
            "name = \"deals\"\n[trigger]\nevents = [\"OpportunityStatusUpdate\"]\n\
             [[steps]]\naction = \"niftyimages.stores.upsert\"\n[steps.input]\nstore = \"deals\"\n\
             [steps.input.record]\nopportunity_id = \"{{ event.data.id }}\"\n\
             status = \"{{ event.data.status | default('') }}\"\n",
        ),
        (
            "deals-gone.toml",
            "name = \"deals-gone\"\n[trigger]\nevents = [\"OpportunityDelete\"]\n\
             [[steps]]\naction = \"niftyimages.stores.delete\"\n[steps.input]\nstore = \"deals\"\n\
             key = \"{{ event.data.id }}\"\n",
        ),
    ]);
    let mut recipes = Recipes::load(Some(dir.path())).unwrap();
    let mut settings = crate::config::NiftyImagesSettings {
        base_url: "http://127.0.0.1:9".into(),
        ..Default::default()
    };
    settings.stores.insert(
        "deals".into(),
        serde_json::from_value(json!({"key": "store_k", "unique": "opportunity_id"})).unwrap(),
    );
    recipes.fit_to_niftyimages(&settings);
    let entity = |kind: &str, data: Value| {
        let jobs = recipes.plan(&event(kind, data), "L", 5).unwrap();
        assert_eq!(jobs.len(), 1, "{kind}");
        jobs[0].entity_key.clone()
    };
    let open = entity(
        "OpportunityStatusUpdate",
        json!({"id": "Opp-1", "locationId": "L", "status": "open"}),
    );
    let won = entity(
        "OpportunityStatusUpdate",
        json!({"id": "Opp-1", "locationId": "L", "status": "won"}),
    );
    let deleted = entity(
        "OpportunityDelete",
        json!({"id": "OPP-1", "locationId": "L"}),
    );
    let other = entity(
        "OpportunityStatusUpdate",
        json!({"id": "Opp-2", "locationId": "L", "status": "won"}),
    );
    assert_eq!(open, "niftyimages.store:L:deals:opp-1");
    assert_eq!((&won, &deleted), (&open, &open));
    assert_ne!(other, open);
}
