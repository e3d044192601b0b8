//! Accepted events reach GHL once each: repeats are acknowledged and dropped, an update that
//! overtakes its create still ends in one contact, and concurrent events for one contact
//! neither race nor duplicate.

use serde_json::{Value, json};

use crate::{Service, contact};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_202_means_stored_and_a_repeat_is_200_and_applied_once() {
    let service = Service::start(1).await;
    let event = contact("e1", "n1", "ann@example.com", "Ann Lee");
    let (status, answer) = service.events("m1", event.clone()).await;
    assert_eq!((status, answer["accepted"].as_u64()), (202, Some(1)));
    assert_eq!(service.stored().await.0, 1, "stored before the answer");

    // The producer did not see the answer and sends again, same webhook id.
    let (status, answer) = service.events("m1", event.clone()).await;
    assert_eq!(
        (status, answer["duplicates"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    // A batch with the old event and a new one: the new one is taken, the old one is not.
    let (status, answer) = service
        .events(
            "m2",
            json!([event, contact("e2", "n2", "bob@example.com", "Bob Stone")]),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        (answer["accepted"].as_u64(), answer["duplicates"].as_u64()),
        (Some(1), Some(1))
    );

    let ghl = service.ghl_after_delivery().await;
    let emails: Vec<&str> = ghl["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2, "{emails:?}");
    assert!(emails.contains(&"ann@example.com") && emails.contains(&"bob@example.com"));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_overtakes_its_create_ends_in_one_contact() {
    let service = Service::start(1).await;
    let update = json!({"id": "u1", "type": "contact.updated", "data": {
        "contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "phone": "+14155550100", "tags": ["vip"]}});
    let (status, _) = service.events("m-update", update).await;
    assert_eq!(status, 202);
    let ghl = service.ghl_after_delivery().await;
    assert_eq!(
        ghl["contacts"].as_array().unwrap().len(),
        1,
        "the update made the contact"
    );

    let create = json!({"id": "c1", "type": "contact.created", "data": {
        "contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "tags": ["newsletter"]}});
    let (status, _) = service.events("m-create", create).await;
    assert_eq!(status, 202);
    let ghl = service.ghl_after_delivery().await;
    let contacts = ghl["contacts"].as_array().unwrap();
    assert_eq!(
        contacts.len(),
        1,
        "the late create found the contact: {contacts:?}"
    );
    let contact = &contacts[0];
    assert_eq!(
        contact["phone"], "+14155550100",
        "the create took nothing away"
    );
    let tags: Vec<&str> = contact["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"vip") && tags.contains(&"newsletter"),
        "{tags:?}"
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_events_for_one_contact_make_one_contact_one_task_and_every_note() {
    let service = std::sync::Arc::new(Service::start(1).await);
    let mut senders = tokio::task::JoinSet::new();
    for n in 0..24 {
        let service = std::sync::Arc::clone(&service);
        senders.spawn(async move {
            let event: Value = match n % 3 {
                0 => json!({"id": format!("u{n}"), "type": "contact.updated", "data": {
                    "contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "tags": [format!("t{n}")]}}),
                1 => json!({"id": format!("c{n}"), "type": "campaign.event", "data": {
                    "contactId": "n1", "kind": "open", "campaignId": "spring", "campaignName": "Spring"}}),
                _ => json!({"id": format!("n{n}"), "type": "note.added", "data": {
                    "noteId": format!("note-{n}"), "contactId": "n1", "content": format!("note {n}")}}),
            };
            service.events(&format!("m{n}"), event).await.0
        });
    }
    while let Some(status) = senders.join_next().await {
        assert_eq!(status.unwrap(), 202);
    }
    let ghl = service.ghl_after_delivery().await;
    let contacts = ghl["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let tags = contacts[0]["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 8, "every update's tag: {tags:?}");
    assert_eq!(
        ghl["tasks"].as_array().unwrap().len(),
        1,
        "one task per contact and campaign"
    );
    assert_eq!(
        ghl["notes"].as_array().unwrap().len(),
        8,
        "one note per note id"
    );
    let service = std::sync::Arc::try_unwrap(service).ok().unwrap();
    service.stop().await;
}
