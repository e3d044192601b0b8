//! Custom field values a recipe writes by key reach GHL by id: a field the location lacks is
//! created once, later writes reuse its id without asking GHL, and a field deleted in GHL
//! meanwhile is made again instead of its value being dropped.

use std::time::Duration;

use engine::events::parse_body;
use engine::pipeline::Pipeline;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::*;

/// The sandbox's requests of `method` on `route`.
async fn calls(sandbox: &sandbox::RunningSandbox, method: &str, route: &str) -> usize {
    control(sandbox, Method::GET, "/requests", None).await["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == method && r["route"] == route)
        .count()
}

fn fields_named<'a>(state: &'a Value, key: &str) -> Vec<&'a Value> {
    state["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fieldKey"] == key)
        .collect()
}

fn value_of(state: &Value, email: &str, field_id: &Value) -> Value {
    let contact = state["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not in GHL"));
    contact["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| &f["id"] == field_id)
        .map(|f| f["value"].clone())
        .unwrap_or(Value::Null)
}

/// Waits for the queue to drain and fails with the dead letters' errors if there are any.
async fn applied(store: &std::sync::Arc<dyn store::Store>) {
    let stats = drained(store, Duration::from_secs(20)).await;
    if stats.dead > 0 {
        let dead = store
            .dead_jobs(&store::queue::DeadFilter::default(), 10)
            .await
            .unwrap();
        let errors: Vec<_> = dead.iter().map(|j| j.last_error.clone()).collect();
        panic!("dead letters: {errors:?}");
    }
}

const FIELDS_ROUTE: &str = "/locations/{locationId}/customFields";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_custom_field_is_created_once_and_made_again_when_deleted_in_ghl() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        let location = sandbox.location_id(0).to_owned();
        process
            .connections
            .connect_pit(
                &location,
                SecretString::from(sandbox.pit(0).to_owned()),
                vec![
                    "contacts.write".into(),
                    "locations/customFields.readonly".into(),
                    "locations/customFields.write".into(),
                ],
                false,
            )
            .await
            .unwrap();
        let pipeline = Pipeline::start(&pipeline_config(&location), process.connections.clone())
            .await
            .unwrap();
        let send = |body: Value| {
            let ingestor = pipeline.ingestor.clone();
            async move {
                let receipt = ingestor
                    .submit(parse_body(&body, None).unwrap(), "test")
                    .await
                    .unwrap();
                assert_eq!(receipt.accepted(), 1);
            }
        };
        assert!(
            fields_named(
                &location_state(&sandbox, &location).await,
                "contact.favourite_store"
            )
            .is_empty(),
            "the seeded location must not have the field already"
        );

        // The built-in contact-sync recipe passes customFields on by key.
        send(json!({"id": "c1", "type": "contact.created", "data": {"contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "customFields": {"favourite_store": "Leeds", "niftyimages_contact_id": "n1"}}})).await;
        applied(&pipeline.store).await;
        let state = location_state(&sandbox, &location).await;
        let created = fields_named(&state, "contact.favourite_store");
        assert_eq!(created.len(), 1, "{place:?}: {:?}", state["customFields"]);
        assert_eq!(
            (&created[0]["name"], &created[0]["dataType"]),
            (&json!("Favourite store"), &json!("TEXT"))
        );
        let first_id = created[0]["id"].clone();
        assert_eq!(value_of(&state, "ann@example.com", &first_id), "Leeds");
        // The seeded field is found, not made a second time.
        let seeded = fields_named(&state, "contact.niftyimages_contact_id");
        assert_eq!(seeded.len(), 1);
        assert_eq!(value_of(&state, "ann@example.com", &seeded[0]["id"]), "n1");
        assert_eq!(calls(&sandbox, "GET", FIELDS_ROUTE).await, 1);
        assert_eq!(calls(&sandbox, "POST", FIELDS_ROUTE).await, 1);

        // Another contact: the ids are known, GHL is not asked about fields again.
        send(json!({"id": "c2", "type": "contact.created", "data": {"contactId": "n2", "email": "bob@example.com", "name": "Bob Stone", "customFields": {"favourite_store": "York"}}})).await;
        applied(&pipeline.store).await;
        let state = location_state(&sandbox, &location).await;
        assert_eq!(value_of(&state, "bob@example.com", &first_id), "York");
        assert_eq!(calls(&sandbox, "GET", FIELDS_ROUTE).await, 1);
        assert_eq!(calls(&sandbox, "POST", FIELDS_ROUTE).await, 1);

        // Someone deletes the field in GHL; the next value must not vanish with it.
        let deleted = reqwest::Client::new()
            .delete(format!(
                "{}/locations/{location}/customFields/{}",
                sandbox.url(),
                first_id.as_str().unwrap()
            ))
            .bearer_auth(sandbox.pit(0))
            .header("Version", "2021-07-28")
            .send()
            .await
            .unwrap();
        assert!(deleted.status().is_success(), "{}", deleted.status());
        send(json!({"id": "c3", "type": "contact.updated", "data": {"contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "customFields": {"favourite_store": "Bath"}}})).await;
        applied(&pipeline.store).await;
        let state = location_state(&sandbox, &location).await;
        let remade = fields_named(&state, "contact.favourite_store");
        assert_eq!(remade.len(), 1, "{place:?}: {:?}", state["customFields"]);
        assert_ne!(remade[0]["id"], first_id);
        assert_eq!(
            value_of(&state, "ann@example.com", &remade[0]["id"]),
            "Bath"
        );
        assert_eq!(
            pipeline
                .store
                .identity(&location, "custom_field", "contact.favourite_store")
                .await
                .unwrap()
                .as_deref(),
            remade[0]["id"].as_str(),
            "the new id is remembered"
        );
        pipeline.shutdown().await;
    }
}
