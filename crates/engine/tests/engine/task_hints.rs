//! GHL's TaskCreate webhooks come without their contact. With `locations/tasks.readonly` the task
//! is read back before recipes run (see `crates/server/tests/hooks/ghl_to_niftyimages.rs`); a
//! connection made before nifty-ghl asked for that scope keeps working as it did: recipes get
//! the webhook as GHL sent it, and no search is attempted.

use std::time::Duration;

use engine::pipeline::Pipeline;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use crate::support::*;

const RECIPE: &str = r#"
name = "task-seen"
description = "TaskCreate: a contact named after the task, to show the recipe ran"

[trigger]
events = ["TaskCreate"]

[[steps]]
action = "ghl.contacts.upsert"

[steps.input]
email = "task-{{ event.data.id | lower }}@example.com"
firstName = "{{ event.data.title | default('untitled') }}"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_tasks_scope_recipes_get_the_webhook_as_it_came() {
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
                vec!["contacts.readonly".into(), "contacts.write".into()],
                false,
            )
            .await
            .unwrap();
        let recipes = tempfile::tempdir().unwrap();
        std::fs::write(recipes.path().join("task-seen.toml"), RECIPE).unwrap();
        let mut config = pipeline_config(&location);
        config.recipes.dir = recipes.path().to_owned();
        let pipeline = Pipeline::start(&config, process.connections.clone())
            .await
            .unwrap();
        let hint = engine::ghl_events::from_webhook(&json!({
            "type": "TaskCreate", "timestamp": "2026-11-27T10:00:00Z", "webhookId": "w-1",
            "locationId": location, "id": "Task0000000000000001", "title": "Call back",
        }))
        .unwrap();
        let receipt = pipeline.ingestor.submit(vec![hint], "ghl").await.unwrap();
        assert_eq!(receipt.accepted(), 1);
        let stats = drained(&pipeline.store, Duration::from_secs(20)).await;
        assert_eq!(stats.dead, 0, "{place:?}");
        let state = location_state(&sandbox, &location).await;
        let contact = state["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == "task-task0000000000000001@example.com")
            .unwrap_or_else(|| panic!("{place:?}: the recipe did not run: {state}"));
        assert_eq!(contact["firstName"], "Call back");
        let searches = control(&sandbox, Method::GET, "/requests", None).await["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["route"] == "/locations/{locationId}/tasks/search")
            .count();
        assert_eq!(
            searches, 0,
            "{place:?}: nothing sent for a scope not granted"
        );
        pipeline.shutdown().await;
    }
}
