//! A recipe of the user's own, end to end: its filter picks the events, its steps reach GHL
//! beside the built-in ones, and an event it cannot map is refused whole.

use serde_json::json;

use crate::Service;

const WELCOME: &str = r#"name = "black-friday-welcome"
description = "signups from the Black Friday form enter the welcome workflow"

[trigger]
events = ["signup"]
when = "event.data.formId is defined and event.data.formId == 'bf-form'"

[[steps]]
action = "ghl.workflows.add"

[steps.input]
email = "{{ event.data.email }}"
workflowId = "wf-welcome-0001"

[[steps]]
action = "ghl.contacts.upsert"

[steps.input]
email = "{{ event.data.email }}"
phone = "{{ event.data.phone | e164 }}"
tags = ["black-friday", "{{ event.data.campaignId }}"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_recipe_filters_events_and_its_steps_reach_ghl() {
    let service = Service::start_with_recipes(1, &[("welcome.toml", WELCOME)]).await;
    let (status, answer) = service
        .events(
            "m1",
            json!([
                {"id": "s1", "type": "signup", "data": {"email": "ann@example.com", "formId": "bf-form",
                    "phone": "(415) 555-0100", "campaignId": "bf-2026"}},
                {"id": "s2", "type": "signup", "data": {"email": "bob@example.com", "formId": "other"}},
            ]),
        )
        .await;
    assert_eq!(status, 202, "{answer}");

    // A phone the recipe cannot turn into E.164: refused whole, naming the recipe and step.
    let (status, answer) = service
        .events(
            "m2",
            json!({"id": "s3", "type": "signup", "data": {"email": "cy@example.com", "formId": "bf-form", "phone": "call me"}}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        (answer["recipe"].as_str(), answer["step"].as_u64()),
        (Some("black-friday-welcome"), Some(2))
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("not a phone number"),
        "{answer}"
    );

    let ghl = service.ghl_after_delivery().await;
    let contacts = ghl["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    let ann = contacts
        .iter()
        .find(|c| c["email"] == "ann@example.com")
        .unwrap();
    let bob = contacts
        .iter()
        .find(|c| c["email"] == "bob@example.com")
        .unwrap();
    assert_eq!(ann["phone"], "+14155550100");
    let mut tags: Vec<&str> = ann["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["bf-2026", "black-friday", "niftyimages-signup"]);
    let workflows: Vec<&str> = ann["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workflowId"].as_str().unwrap())
        .collect();
    assert_eq!(workflows, ["wf-welcome-0001"]);
    assert!(
        bob["workflows"].as_array().is_none_or(Vec::is_empty),
        "the filter kept bob out: {bob}"
    );
    assert_eq!(
        bob["tags"],
        json!(["niftyimages-signup"]),
        "only the built-in recipe"
    );
    assert!(
        contacts.iter().all(|c| c["email"] != "cy@example.com"),
        "nothing of the refused event"
    );
    service.stop().await;
}
