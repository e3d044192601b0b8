use chrono::Duration;
use niftyimages::NiftyError;
use niftyimages::store::FieldKind;
use sandbox::nifty::{NiftySandboxConfig, NiftySettings};
use serde_json::json;

use crate::support::Harness;

#[tokio::test]
async fn fields_are_lower_case_metadata() {
    let h = Harness::start().await;
    let fields = h.store("contacts").store_fields().await.unwrap();
    let email = fields.iter().find(|f| f.name == "email").unwrap();
    assert!(email.unique);
    let kinds: Vec<_> = fields.iter().map(|f| (f.name.as_str(), f.kind())).collect();
    assert!(kinds.contains(&("score", FieldKind::Number)));
    assert!(kinds.contains(&("vip", FieldKind::Boolean)));
    assert!(kinds.contains(&("appointment", FieldKind::Date)));
    let appointment = fields.iter().find(|f| f.name == "appointment").unwrap();
    assert_eq!(
        appointment.date_input_format.as_deref(),
        Some(sandbox::nifty::APPOINTMENT_FORMAT)
    );
}

#[tokio::test]
async fn upsert_replaces_instead_of_duplicating() {
    let h = Harness::start().await;
    let store = h.store("contacts");
    let first = store
        .upsert_record(
            &json!({"email": "ann@example.com", "first_name": "Ann", "score": 3, "vip": false}),
        )
        .await
        .unwrap();
    let second = store
        .upsert_record(&json!({"email": "ann@example.com", "first_name": "Annie", "score": "7", "vip": "true", "appointment": "03/20/2026 09:30"}))
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    store
        .upsert_record(&json!({"email": "bob@example.com", "first_name": "Bob"}))
        .await
        .unwrap();
    let rows = h.sandbox.store_rows("contacts").unwrap();
    assert_eq!(rows.len(), 2);
    let ann = rows
        .iter()
        .find(|r| r.values["email"] == "ann@example.com")
        .unwrap();
    assert_eq!(ann.values["first_name"], "Annie");
    assert_eq!(ann.values["score"], json!(7));
    assert_eq!(ann.values["vip"], json!(true));
    assert_eq!(ann.values["appointment"], "03/20/2026 09:30");
    assert_eq!(Some(ann.id.to_string()), first.id);

    let bob = rows
        .iter()
        .find(|r| r.values["email"] == "bob@example.com")
        .unwrap();
    store
        .delete_record_by_id(&bob.id.to_string())
        .await
        .unwrap();
    store
        .delete_record(&json!({"email": "ann@example.com"}))
        .await
        .unwrap();
    assert!(h.sandbox.store_rows("contacts").unwrap().is_empty());
    let gone = store
        .delete_record(&json!({"email": "ann@example.com"}))
        .await
        .unwrap_err();
    assert!(matches!(gone, NiftyError::NotFound { .. }), "{gone:?}");
    let gone = store.delete_record_by_id("999").await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
}

async fn bad(h: &Harness, store: &str, record: serde_json::Value) -> String {
    match h.store(store).upsert_record(&record).await {
        Err(NiftyError::BadRequest { message }) => message,
        other => panic!("expected a 400 for {record}, got {other:?}"),
    }
}

#[tokio::test]
async fn validation_failures_are_bad_requests_with_the_reason() {
    let h = Harness::start().await;
    let number = bad(&h, "contacts", json!({"email": "a@x.io", "score": "lots"})).await;
    assert!(
        number.contains("score") && number.contains("NUMBER"),
        "{number}"
    );
    let boolean = bad(&h, "contacts", json!({"email": "a@x.io", "vip": "maybe"})).await;
    assert!(boolean.contains("vip"), "{boolean}");
    let date = bad(
        &h,
        "contacts",
        json!({"email": "a@x.io", "appointment": "2026-03-20"}),
    )
    .await;
    assert!(
        date.contains("appointment") && date.contains(sandbox::nifty::APPOINTMENT_FORMAT),
        "{date}"
    );
    let unique = bad(&h, "contacts", json!({"first_name": "No Email"})).await;
    assert!(
        unique.contains("email") && unique.contains("unique"),
        "{unique}"
    );
    let unknown = bad(&h, "contacts", json!({"email": "a@x.io", "shoe_size": 9})).await;
    assert!(unknown.contains("shoe_size"), "{unknown}");
    let not_custom = bad(&h, "newsletter_import", json!({"email": "a@x.io"})).await;
    assert!(not_custom.contains("Custom Store"), "{not_custom}");
    assert!(h.sandbox.store_rows("contacts").unwrap().is_empty());
}

#[tokio::test]
async fn non_json_bodies_are_refused() {
    let h = Harness::start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/Store/AddRecord", h.sandbox.api_url()))
        .header("ApiKey", h.sandbox.store_key("contacts").unwrap())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("email=a%40x.io")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["Message"].as_str().unwrap().contains("JSON"));
}

#[tokio::test]
async fn records_expire_after_their_ttl() {
    let h = Harness::start_with(NiftySandboxConfig {
        settings: NiftySettings {
            record_ttl_secs: Some(3600),
            ..NiftySettings::default()
        },
        ..NiftySandboxConfig::default()
    })
    .await;
    h.store("contacts")
        .upsert_record(&json!({"email": "ttl@example.com"}))
        .await
        .unwrap();
    assert_eq!(h.sandbox.store_rows("contacts").unwrap().len(), 1);
    h.sandbox.advance_clock(Duration::hours(2)).unwrap();
    assert!(h.sandbox.store_rows("contacts").unwrap().is_empty());
}
