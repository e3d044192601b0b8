//! The location calls: the location and its time zones, the tag list, custom fields, custom
//! values and recurring tasks, each round-tripped through the client, with the sandbox's state
//! checked, scopes refused, GHL's validation answers, and every body checked against the spec.

use std::collections::BTreeSet;

use ghl::contacts::{ContactFields, CreateContact, CustomFieldInput, UpdateContact};
use ghl::custom_fields::{
    CreateCustomField, CustomFieldModel, CustomFieldObject, CustomFieldSettings, UpdateCustomField,
};
use ghl::custom_values::CustomValueInput;
use ghl::recurring_tasks::{
    CreateRecurringTask, IntervalType, RecurrenceRule, UpdateRecurringTask, Weekday,
};
use ghl::{GhlClient, GhlError, UnauthorizedReason};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Harness, email};

/// The 20 calls of `apps/locations.json` these tests cover, as the spec spells them.
pub const LOCATION_CALLS: [(&str, &str); 20] = [
    ("GET", "/locations/{locationId}"),
    ("GET", "/locations/{locationId}/timezones"),
    ("GET", "/locations/{locationId}/tags"),
    ("POST", "/locations/{locationId}/tags"),
    ("GET", "/locations/{locationId}/tags/{tagId}"),
    ("PUT", "/locations/{locationId}/tags/{tagId}"),
    ("DELETE", "/locations/{locationId}/tags/{tagId}"),
    ("POST", "/locations/{locationId}/customFields"),
    ("GET", "/locations/{locationId}/customFields/{id}"),
    ("PUT", "/locations/{locationId}/customFields/{id}"),
    ("DELETE", "/locations/{locationId}/customFields/{id}"),
    ("GET", "/locations/{locationId}/customValues"),
    ("POST", "/locations/{locationId}/customValues"),
    ("GET", "/locations/{locationId}/customValues/{id}"),
    ("PUT", "/locations/{locationId}/customValues/{id}"),
    ("DELETE", "/locations/{locationId}/customValues/{id}"),
    ("POST", "/locations/{locationId}/recurring-tasks"),
    ("GET", "/locations/{locationId}/recurring-tasks/{id}"),
    ("PUT", "/locations/{locationId}/recurring-tasks/{id}"),
    ("DELETE", "/locations/{locationId}/recurring-tasks/{id}"),
];

fn is_not_found<T: std::fmt::Debug>(result: Result<T, GhlError>) -> bool {
    matches!(result, Err(GhlError::NotFound { .. }))
}

fn missing_scope<T: std::fmt::Debug>(result: Result<T, GhlError>) -> bool {
    matches!(
        result,
        Err(GhlError::Unauthorized {
            reason: UnauthorizedReason::MissingScope,
            ..
        })
    )
}

async fn contact_with_tags(ghl: &GhlClient, location_id: &str, who: &str, tags: &[&str]) -> String {
    ghl.create_contact(&CreateContact {
        location_id: location_id.to_owned(),
        fields: ContactFields {
            email: Some(email(who)),
            tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .id
}

/// A call made by hand (to send what the client refuses to), with location 0's PIT.
async fn raw(h: &Harness, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = h
        .http
        .request(method, format!("{}{path}", h.sandbox.url()))
        .bearer_auth(h.sandbox.pit(0))
        .header("Version", ghl::API_VERSION)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// How many GHL API calls (not control calls) the sandbox has logged.
async fn api_calls(h: &Harness) -> usize {
    h.requests().await["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["route"].as_str().unwrap().starts_with("/_sandbox"))
        .count()
}

#[tokio::test]
async fn every_location_call_round_trips_and_matches_the_spec() {
    let h = Harness::start().await;
    let ghl = h.client(0);
    let loc = h.location(0);

    // The location and its time zones.
    let location = ghl.get_location(&loc).await.unwrap();
    assert_eq!(location.id, loc);
    assert_eq!(location.name.as_deref(), Some("Sunrise Dental"));
    assert_eq!(
        location.settings.as_ref().unwrap().allow_duplicate_contact,
        Some(false)
    );
    let zones = ghl.location_timezones(&loc).await.unwrap();
    assert!(zones.iter().any(|z| z == "America/New_York"), "{zones:?}");

    // Tags: the list picks up what contacts carry; renames and deletes reach the contacts.
    let ann = contact_with_tags(&ghl, &loc, "ann", &["Newsletter"]).await;
    let vip = ghl.create_location_tag(&loc, "VIP").await.unwrap();
    assert_eq!(vip.status, 200, "GHL answers a tag create with 200");
    assert_eq!(vip.name.as_deref(), Some("vip"));
    assert_eq!(vip.location_id.as_deref(), Some(loc.as_str()));
    assert_eq!(
        ghl.get_location_tag(&loc, &vip.id).await.unwrap().name,
        vip.name
    );
    let names = |tags: &[ghl::location_tags::LocationTag]| -> Vec<String> {
        tags.iter().map(|t| t.name.clone().unwrap()).collect()
    };
    let tags = ghl.list_location_tags(&loc).await.unwrap();
    assert_eq!(names(&tags), vec!["newsletter", "vip"]);
    let newsletter = tags[0].id.clone();
    let renamed = ghl
        .update_location_tag(&loc, &newsletter, "Monthly Letter")
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("monthly letter"));
    assert_eq!(
        ghl.get_contact(&ann).await.unwrap().tags,
        vec!["monthly letter"]
    );
    assert!(
        ghl.delete_location_tag(&loc, &newsletter)
            .await
            .unwrap()
            .succeded
    );
    assert!(ghl.get_contact(&ann).await.unwrap().tags.is_empty());
    assert!(is_not_found(ghl.get_location_tag(&loc, &newsletter).await));
    assert_eq!(
        names(&ghl.list_location_tags(&loc).await.unwrap()),
        vec!["vip"]
    );

    // Custom fields: a deleted field's values leave the contacts.
    let field = ghl
        .create_custom_field(
            &loc,
            &CreateCustomField {
                name: "Favourite Store".into(),
                data_type: "TEXT".into(),
                settings: CustomFieldSettings {
                    placeholder: Some("Union Square".into()),
                    position: Some(300),
                    model: Some(CustomFieldObject::Contact),
                    ..Default::default()
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(field.status, 201);
    assert_eq!(field.field_key.as_deref(), Some("contact.favourite_store"));
    assert_eq!(
        ghl.get_custom_field(&loc, &field.id).await.unwrap().name,
        Some("Favourite Store".into())
    );
    let moved = ghl
        .update_custom_field(
            &loc,
            &field.id,
            &UpdateCustomField {
                name: "Favourite Shop".into(),
                settings: CustomFieldSettings {
                    position: Some(10),
                    ..Default::default()
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            moved.name.as_deref(),
            moved.position,
            moved.field_key.as_deref()
        ),
        (
            Some("Favourite Shop"),
            Some(10.0),
            Some("contact.favourite_store")
        ),
        "a rename keeps the key"
    );
    let listed = ghl
        .custom_fields(&loc, Some(CustomFieldModel::Contact))
        .await
        .unwrap();
    assert!(listed.iter().any(|f| f.id == field.id));
    ghl.update_contact(
        &ann,
        &UpdateContact {
            custom_fields: Some(vec![CustomFieldInput::by_id(field.id.clone(), "Soho")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let holds_value =
        |contact: &ghl::contacts::Contact| contact.custom_fields.iter().any(|v| v.id == field.id);
    assert!(holds_value(&ghl.get_contact(&ann).await.unwrap()));
    assert!(
        ghl.delete_custom_field(&loc, &field.id)
            .await
            .unwrap()
            .succeded
    );
    assert!(!holds_value(&ghl.get_contact(&ann).await.unwrap()));
    assert!(is_not_found(ghl.get_custom_field(&loc, &field.id).await));

    // Custom values.
    let value = ghl
        .create_custom_value(
            &loc,
            &CustomValueInput {
                name: "Spring Offer".into(),
                value: "20% off".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(value.status, 201);
    assert_eq!(
        value.field_key.as_deref(),
        Some("{{ custom_values.spring_offer }}")
    );
    assert_eq!(
        ghl.get_custom_value(&loc, &value.id).await.unwrap().value,
        Some("20% off".into())
    );
    let changed = ghl
        .update_custom_value(
            &loc,
            &value.id,
            &CustomValueInput {
                name: "Spring Offer".into(),
                value: "25% off".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.value.as_deref(), Some("25% off"));
    let values = ghl.list_custom_values(&loc).await.unwrap();
    assert_eq!(
        values.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        vec![value.id.as_str()]
    );
    assert!(
        ghl.delete_custom_value(&loc, &value.id)
            .await
            .unwrap()
            .succeded
    );
    assert!(is_not_found(ghl.get_custom_value(&loc, &value.id).await));
    assert!(ghl.list_custom_values(&loc).await.unwrap().is_empty());

    // Recurring tasks: the first occurrence is a task on the contact at once.
    let users = h.state(0).await["users"].clone();
    let owner = users[0].as_str().unwrap().to_owned();
    let mut rule = RecurrenceRule::new(IntervalType::Weekly, 1, "2026-12-01T09:00:00.000Z", 3600);
    rule.day_of_week = Some(Weekday::Tu);
    rule.count = Some(10);
    let recurring = ghl
        .create_recurring_task(
            &loc,
            &CreateRecurringTask {
                title: "Weekly check-in".into(),
                description: Some("Ask how the offer went".into()),
                contact_ids: Some(vec![ann.clone()]),
                owners: Some(vec![owner.clone()]),
                rrule_options: rule.clone(),
                ignore_task_creation: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(recurring.status, 201);
    assert_eq!(recurring.rrule_options.as_ref(), Some(&rule));
    assert_eq!(recurring.total_occurrence, Some(1));
    assert_eq!(
        (
            recurring.contact_id.as_deref(),
            recurring.assigned_to.as_deref()
        ),
        (Some(ann.as_str()), Some(owner.as_str()))
    );
    let tasks = ghl.list_tasks(&ann).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].title.as_deref(), Some("Weekly check-in"));
    assert_eq!(
        tasks[0].due_date.as_deref(),
        Some("2026-12-01T10:00:00.000Z")
    );
    assert_eq!(
        ghl.get_recurring_task(&loc, &recurring.id)
            .await
            .unwrap()
            .title
            .as_deref(),
        Some("Weekly check-in")
    );
    let daily = RecurrenceRule::new(IntervalType::Daily, 2, "2026-12-02T08:00:00.000Z", 600);
    let updated = ghl
        .update_recurring_task(
            &loc,
            &recurring.id,
            &UpdateRecurringTask {
                title: Some("Check-in every other day".into()),
                rrule_options: Some(daily.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("Check-in every other day"));
    assert_eq!(updated.rrule_options.as_ref(), Some(&daily));
    assert_eq!(
        h.state(0).await["recurringTasks"][0]["title"],
        json!("Check-in every other day")
    );
    let deleted = ghl
        .delete_recurring_task(&loc, &recurring.id)
        .await
        .unwrap();
    assert!(deleted.success);
    assert_eq!(deleted.id, recurring.id);
    assert!(is_not_found(
        ghl.get_recurring_task(&loc, &recurring.id).await
    ));
    assert_eq!(
        ghl.list_tasks(&ann).await.unwrap().len(),
        1,
        "made tasks stay"
    );

    let quiet = ghl
        .create_recurring_task(
            &loc,
            &CreateRecurringTask {
                title: "No task yet".into(),
                description: None,
                contact_ids: Some(vec![ann.clone()]),
                owners: None,
                rrule_options: daily,
                ignore_task_creation: Some(true),
            },
        )
        .await
        .unwrap();
    assert_eq!(quiet.total_occurrence, Some(0));
    assert_eq!(ghl.list_tasks(&ann).await.unwrap().len(), 1);

    let succeeded = h.assert_log_matches_spec().await;
    let missing: Vec<_> = LOCATION_CALLS
        .iter()
        .filter(|(m, p)| !succeeded.contains(&((*m).to_owned(), (*p).to_owned())))
        .collect();
    assert!(missing.is_empty(), "never answered 2xx: {missing:?}");
}

#[tokio::test]
async fn tokens_without_the_location_scopes_are_refused() {
    let h = Harness::start().await;
    let loc = h.location(0);
    let pit = |scopes: Value| {
        let h = &h;
        async move {
            let created = h
                .control(
                    Method::POST,
                    "/pits",
                    Some(json!({"location_id": h.location(0), "scopes": scopes})),
                )
                .await;
            h.client_with_token(created["pit"].as_str().unwrap())
        }
    };
    let contacts_only = pit(json!(["contacts.readonly", "contacts.write"])).await;
    assert!(missing_scope(contacts_only.get_location(&loc).await));
    assert!(missing_scope(contacts_only.location_timezones(&loc).await));
    assert!(missing_scope(contacts_only.list_location_tags(&loc).await));
    assert!(missing_scope(contacts_only.list_custom_values(&loc).await));
    let rule = RecurrenceRule::new(IntervalType::Daily, 1, "2026-12-01T09:00:00.000Z", 60);
    let recurring = CreateRecurringTask {
        title: "t".into(),
        description: None,
        contact_ids: None,
        owners: None,
        rrule_options: rule,
        ignore_task_creation: Some(true),
    };
    assert!(missing_scope(
        contacts_only.create_recurring_task(&loc, &recurring).await
    ));

    // Read-only scopes read, and writes are refused without changing anything.
    let read_only = pit(json!([
        "locations/tags.readonly",
        "locations/customFields.readonly",
        "locations/customValues.readonly",
        "locations/tasks.readonly",
    ]))
    .await;
    assert!(read_only.list_location_tags(&loc).await.is_ok());
    assert!(missing_scope(
        read_only.create_location_tag(&loc, "vip").await
    ));
    let field = CreateCustomField {
        name: "Shoe Size".into(),
        data_type: "NUMERICAL".into(),
        ..Default::default()
    };
    assert!(missing_scope(
        read_only.create_custom_field(&loc, &field).await
    ));
    let value = CustomValueInput {
        name: "Hours".into(),
        value: "9-5".into(),
    };
    assert!(missing_scope(
        read_only.create_custom_value(&loc, &value).await
    ));
    assert!(missing_scope(
        read_only.create_recurring_task(&loc, &recurring).await
    ));
    let state = h.state(0).await;
    assert_eq!(state["tags"], json!([]));
    assert_eq!(state["customValues"], json!([]));
    assert_eq!(state["recurringTasks"], json!([]));
    assert!(
        !state["customFields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "Shoe Size")
    );

    // An agency token may read any location of its company, but not list its tags.
    let agency = h
        .oauth_grant("locations.readonly", &[("user_type", "Company")])
        .await;
    let agency = h.client_with_token(agency.access_token.expose());
    assert_eq!(agency.get_location(&loc).await.unwrap().id, loc);
    assert_eq!(
        agency.get_location(&h.location(1)).await.unwrap().id,
        h.location(1)
    );
    assert!(matches!(
        agency.location_timezones(&loc).await,
        Err(GhlError::Unauthorized { .. })
    ));

    // Another location's token: 403.
    let other = h.client(1);
    assert!(matches!(
        other.list_location_tags(&loc).await,
        Err(GhlError::Forbidden { .. })
    ));
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn bodies_are_validated_as_ghl_does() {
    let h = Harness::start().await;
    let loc = h.location(0);
    let base = format!("/locations/{loc}");

    let (status, body) = raw(&h, Method::POST, &format!("{base}/tags"), json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["message"],
        json!(["name should not be empty", "name must be a string"])
    );
    let (status, _) = raw(
        &h,
        Method::POST,
        &format!("{base}/tags"),
        json!({"name": "VIP"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = raw(
        &h,
        Method::POST,
        &format!("{base}/tags"),
        json!({"name": " vip "}),
    )
    .await;
    assert_eq!(status, 400, "a name the list has is refused: {body}");

    let (status, body) = raw(
        &h,
        Method::POST,
        &format!("{base}/customFields"),
        json!({"name": "Size", "dataType": "SHOE", "colour": "red"}),
    )
    .await;
    assert_eq!(status, 422);
    let messages = body["message"].as_array().unwrap();
    assert!(
        messages[0]
            .as_str()
            .unwrap()
            .starts_with("dataType must be one of")
    );
    assert_eq!(messages[1], json!("property colour should not exist"));
    let (status, body) = raw(
        &h,
        Method::POST,
        &format!("{base}/customFields"),
        json!({"dataType": "TEXT"}),
    )
    .await;
    assert_eq!(
        (status, body["message"][0].clone()),
        (422, json!("name should not be empty"))
    );

    let (status, body) = raw(
        &h,
        Method::POST,
        &format!("{base}/customValues"),
        json!({"name": "Hours"}),
    )
    .await;
    assert_eq!(
        (status, body["message"].clone()),
        (422, json!(["value must be a string"]))
    );

    let (status, body) = raw(
        &h,
        Method::POST,
        &format!("{base}/recurring-tasks"),
        json!({"title": "t"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["message"],
        json!(["nested property rruleOptions must be either object or array"])
    );
    let (status, body) = raw(
        &h,
        Method::POST,
        &format!("{base}/recurring-tasks"),
        json!({"title": "t", "rruleOptions": {"intervalType": "fortnightly", "interval": 0, "startDate": "soon"}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["message"],
        json!([
            "rruleOptions.intervalType must be one of the following values: yearly, monthly, weekly, daily, hourly",
            "rruleOptions.interval must not be less than 1",
            "rruleOptions.startDate must be a valid ISO 8601 date string",
            "rruleOptions.dueAfterSeconds must be a number conforming to the specified constraints",
        ])
    );
    let (status, _) = raw(
        &h,
        Method::POST,
        &format!("{base}/recurring-tasks"),
        json!({"title": "t", "contactIds": ["aaaaaaaaaaaaaaaaaaaa"], "rruleOptions": {"intervalType": "daily", "interval": 1, "startDate": "2026-12-01T09:00:00.000Z", "dueAfterSeconds": 60}}),
    )
    .await;
    assert_eq!(status, 400, "an unknown contact");

    // Nothing was stored by the refused calls.
    let state = h.state(0).await;
    assert_eq!(state["tags"].as_array().unwrap().len(), 1);
    assert_eq!(state["customValues"], json!([]));
    assert_eq!(state["recurringTasks"], json!([]));

    // The client refuses what it can tell is wrong before sending.
    let ghl = h.client(0);
    let before = api_calls(&h).await;
    assert!(matches!(
        ghl.create_location_tag(&loc, "  ").await,
        Err(GhlError::InvalidInput(_))
    ));
    assert!(matches!(
        ghl.get_custom_value(&loc, "not/an/id").await,
        Err(GhlError::InvalidInput(_))
    ));
    let zero = RecurrenceRule::new(IntervalType::Daily, 0, "2026-12-01T09:00:00.000Z", 60);
    assert!(matches!(
        ghl.update_recurring_task(
            &loc,
            "aaaaaaaaaaaaaaaaaaaa",
            &UpdateRecurringTask {
                rrule_options: Some(zero),
                ..Default::default()
            }
        )
        .await,
        Err(GhlError::InvalidInput(_))
    ));
    assert_eq!(api_calls(&h).await, before, "nothing was sent");
    let seen: BTreeSet<_> = h.assert_log_matches_spec().await;
    assert!(seen.contains(&("POST".to_owned(), "/locations/{locationId}/tags".to_owned())));
}
