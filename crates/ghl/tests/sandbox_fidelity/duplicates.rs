//! GHL's duplicate-contact rules, as the client sees them.

use ghl::GhlError;
use ghl::contacts::{ContactFields, CreateContact, UpsertContact};
use reqwest::Method;
use serde_json::json;

use crate::support::{Harness, email};

fn fields(email_address: Option<&str>, phone: Option<&str>) -> ContactFields {
    ContactFields {
        email: email_address.map(str::to_owned),
        phone: phone.map(str::to_owned),
        first_name: Some("Dana".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_of_an_existing_contact_gives_the_duplicate_error_with_its_id() {
    let h = Harness::start().await;
    let ghl = h.client(0);
    let loc = h.location(0);
    let first = ghl
        .create_contact(&CreateContact {
            location_id: loc.clone(),
            fields: fields(Some(&email("dana")), None),
            ..Default::default()
        })
        .await
        .unwrap();
    ghl.create_contact(&CreateContact {
        location_id: loc.clone(),
        fields: fields(None, Some("+1 555 000 1111")),
        ..Default::default()
    })
    .await
    .unwrap();
    let error = ghl
        .create_contact(&CreateContact {
            location_id: loc.clone(),
            fields: fields(Some(&email("DANA")), None),
            ..Default::default()
        })
        .await
        .unwrap_err();
    match error {
        GhlError::Duplicate {
            existing_contact_id,
            matching_field,
            contact_name,
            details,
        } => {
            assert_eq!(existing_contact_id, first.id);
            assert_eq!(matching_field.as_deref(), Some("email"));
            assert_eq!(contact_name.as_deref(), Some("Dana"));
            assert_eq!(details.status, 400);
            assert_eq!(
                details.messages,
                vec!["This location does not allow duplicated contacts."]
            );
        }
        other => panic!("expected the duplicate error, got {other:?}"),
    }
    let phone_clash = ghl
        .create_contact(&CreateContact {
            location_id: loc.clone(),
            fields: fields(Some(&email("other")), Some("+15550001111")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(phone_clash, GhlError::Duplicate { ref matching_field, .. } if matching_field.as_deref() == Some("phone"))
    );
    assert_eq!(
        h.state(0).await["contacts"].as_array().unwrap().len(),
        2,
        "nothing half-made"
    );

    h.control(
        Method::PATCH,
        &format!("/locations/{loc}/settings"),
        Some(json!({"allow_duplicates": true})),
    )
    .await;
    let twin = ghl
        .create_contact(&CreateContact {
            location_id: loc.clone(),
            fields: fields(Some(&email("dana")), None),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_ne!(twin.id, first.id);
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn upsert_follows_the_location_order_and_drops_the_identifier_of_another_contact() {
    let h = Harness::start().await;
    let ghl = h.client(0);
    let loc = h.location(0);
    let upsert = |email_address: Option<String>, phone: Option<&str>| {
        let ghl = ghl.clone();
        let loc = loc.clone();
        let phone = phone.map(str::to_owned);
        async move {
            ghl.upsert_contact(&UpsertContact {
                location_id: loc,
                fields: fields(email_address.as_deref(), phone.as_deref()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
        }
    };
    let by_email = upsert(Some(email("eve")), None).await;
    let by_phone = upsert(None, Some("+15550002222")).await;
    assert!(
        by_email.created && by_phone.created,
        "a phone-only upsert creates a contact"
    );
    let again = upsert(None, Some("(555) 000-2222")).await;
    assert_eq!(
        (again.created, again.contact.id.as_str()),
        (false, by_phone.contact.id.as_str()),
        "a phone-only upsert matches on phone"
    );

    let clash = upsert(Some(email("eve")), Some("+15550002222")).await;
    assert_eq!(
        clash.contact.id, by_email.contact.id,
        "email comes first by default"
    );
    assert_eq!(
        clash.contact.phone, None,
        "GHL silently drops the phone that belongs to another contact"
    );

    h.control(
        Method::PATCH,
        &format!("/locations/{loc}/settings"),
        Some(json!({"dedupe_order": ["phone", "email"]})),
    )
    .await;
    let phone_first = upsert(Some(email("eve")), Some("+15550002222")).await;
    assert_eq!(phone_first.contact.id, by_phone.contact.id);
    assert_eq!(phone_first.contact.email, None);
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn create_new_if_duplicate_allowed_only_works_where_duplicates_are_allowed() {
    let h = Harness::start().await;
    let ghl = h.client(0);
    let loc = h.location(0);
    let request = UpsertContact {
        location_id: loc.clone(),
        fields: fields(Some(&email("fay")), None),
        create_new_if_duplicate_allowed: Some(true),
        ..Default::default()
    };
    let first = ghl.upsert_contact(&request).await.unwrap().into_inner();
    let second = ghl.upsert_contact(&request).await.unwrap().into_inner();
    assert!(!second.created, "ignored while duplicates are not allowed");
    assert_eq!(second.contact.id, first.contact.id);
    h.control(
        Method::PATCH,
        &format!("/locations/{loc}/settings"),
        Some(json!({"allow_duplicates": true})),
    )
    .await;
    let third = ghl.upsert_contact(&request).await.unwrap().into_inner();
    assert!(third.created);
    assert_ne!(third.contact.id, first.contact.id);
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn validation_errors_keep_every_message() {
    let h = Harness::start().await;
    let ghl = h.client(0);
    let error = ghl
        .create_contact(&CreateContact {
            location_id: h.location(0),
            fields: ContactFields {
                email: Some("not-an-email".into()),
                phone: Some("12".into()),
                date_of_birth: Some("sometime".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap_err();
    let GhlError::Validation { details } = error else {
        panic!("{error:?}")
    };
    assert_eq!(details.status, 422);
    assert_eq!(details.messages.len(), 3, "{:?}", details.messages);
    assert!(
        details
            .messages
            .contains(&"email must be an email".to_string())
    );

    // A body with a property GHL does not know is refused whole.
    let response = h
        .http
        .post(format!("{}/contacts/", h.sandbox.url()))
        .bearer_auth(h.sandbox.pit(0))
        .header("Version", "2021-07-28")
        .json(&json!({"locationId": h.location(0), "email": email("x"), "additionalEmails": ["y@example.com"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        json!(["property additionalEmails should not exist"])
    );
    assert!(h.state(0).await["contacts"].as_array().unwrap().is_empty());

    // Refused before any call: a malformed id never reaches GHL.
    assert!(matches!(
        ghl.get_contact("../locations").await,
        Err(GhlError::InvalidInput(_))
    ));
    let counts = h.requests().await["counts"].clone();
    assert!(
        counts
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("GET /contacts")),
        "{counts}"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn a_seed_with_a_duplicate_keeps_nothing() {
    let h = Harness::start().await;
    let response = h
        .http
        .post(format!("{}/_sandbox/seed", h.sandbox.url()))
        .json(&json!({"location_id": h.location(0), "contacts": [
            {"email": email("s1")}, {"email": email("s2")}, {"email": email("s1")}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(h.state(0).await["contacts"].as_array().unwrap().is_empty());
    let empty_order = h
        .http
        .patch(format!(
            "{}/_sandbox/locations/{}/settings",
            h.sandbox.url(),
            h.location(0)
        ))
        .json(&json!({"dedupe_order": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty_order.status(), 400);
}
