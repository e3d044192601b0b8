//! The published event schemas agree with the door: an event the door takes passes its
//! schema, one the door refuses for a missing field does not.

use serde_json::{Value, json};

use crate::Service;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_type_has_a_schema_that_agrees_with_the_door() {
    let service = Service::start(1).await;
    let get = |path: &str| {
        let request = service.http.get(format!("{}{path}", service.url));
        service.send(request)
    };
    let (status, index) = get("/schemas").await;
    assert_eq!(status, 200);
    assert_eq!(
        index["schemas"].as_array().unwrap().len(),
        engine::events::EVENT_TYPES.len()
    );

    let (status, schema) = get("/schemas/campaign.event.json").await;
    assert_eq!(status, 200);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = json!({"id": "e1", "type": "campaign.event", "data": {
        "contactId": "n1", "kind": "click", "campaignId": "spring"}});
    assert!(validator.is_valid(&good));
    let mut missing: Value = good.clone();
    missing["data"]
        .as_object_mut()
        .unwrap()
        .remove("campaignId");
    assert!(!validator.is_valid(&missing), "campaignId is required");
    let (door, answer) = service.events("m1", missing).await;
    assert_eq!(
        (door, answer["pointer"].as_str()),
        (422, Some("/data/campaignId"))
    );
    assert_eq!(service.events("m2", good).await.0, 202);

    let (status, answer) = get("/schemas/contact.deleted.json").await;
    assert_eq!(status, 404);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("contact.created")
    );
    service.stop().await;
}
