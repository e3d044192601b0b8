//! The stats poller against the NiftyImages sandbox: the first reading is a baseline, a rising
//! open counter becomes one `image.opens_increased` event, and a recipe on it acts in GHL.

use sandbox::nifty::{NiftySandbox, NiftySandboxConfig};
use serde_json::Value;

use crate::Service;

const RECIPE: &str = r#"
name = "image-takes-off"
description = "a rising image marks the marketing contact"

[trigger]
events = ["image.opens_increased"]

[[steps]]
action = "ghl.contacts.upsert"

[steps.input]
email = "marketing@example.com"
tags = ["image-opened"]
"#;

#[tokio::test]
async fn rising_open_counts_become_one_event_each() {
    let nifty = NiftySandbox::start(NiftySandboxConfig::default())
        .await
        .unwrap();
    let settings = engine::config::NiftyImagesSettings {
        base_url: nifty.api_url().to_owned(),
        account_key: Some(nifty.account_key().to_owned()),
        ..Default::default()
    };
    let service = Service::start_with_niftyimages(settings, &[("opens.toml", RECIPE)]).await;
    let account = niftyimages::NiftyClient::connect(
        nifty.api_url(),
        niftyimages::ApiKey::account(nifty.account_key()),
    )
    .unwrap();
    let ingestor = &service.pipeline.as_ref().unwrap().ingestor;
    let poll =
        || engine::opens_poller::poll_once(&account, service.store(), ingestor, &service.location);

    assert_eq!(
        poll().await.unwrap(),
        0,
        "the first reading is the baseline"
    );
    let image = nifty.info().images[0].url.clone();
    nifty.bump_opens(&image, 3).unwrap();
    assert_eq!(poll().await.unwrap(), 1);
    assert_eq!(poll().await.unwrap(), 0, "no change, no event");

    let ghl = service.ghl_after_delivery().await;
    let contact = ghl["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "marketing@example.com")
        .cloned()
        .unwrap_or(Value::Null);
    assert!(
        contact["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&"image-opened".into())),
        "{contact}"
    );
    service.stop().await;
}
