//! Every client operation once against the sandbox, then every logged body against the spec.

use futures::TryStreamExt;
use ghl::GhlError;
use ghl::businesses::{BulkBusiness, BusinessContacts};
use ghl::contacts::{
    ContactFields, CreateContact, CustomFieldInput, ListContacts, UpdateContact, UpsertContact,
};
use ghl::custom_fields::CustomFieldModel;
use ghl::location_tasks::TaskSearch;
use ghl::notes::{CreateNote, UpdateNote};
use ghl::search::{DuplicateQuery, FilterOperator, SearchContacts, SearchFilter};
use ghl::tags::{BulkTagAction, BulkTags};
use ghl::tasks::{CreateTask, UpdateTask};
use ghl_spec::SpecCheck;
use reqwest::Method;
use serde_json::json;

use crate::support::{Harness, email};

#[tokio::test]
async fn every_operation_round_trips_and_every_body_matches_the_spec() {
    let h = Harness::start().await;
    let ghl = h.client(0);
    let loc = h.location(0);

    // Custom field definitions, and records only the control API can make.
    let fields = ghl
        .custom_fields(&loc, Some(CustomFieldModel::Contact))
        .await
        .unwrap();
    assert_eq!(fields.status, 200);
    let nifty_field = fields
        .iter()
        .find(|f| f.field_key.as_deref() == Some("contact.niftyimages_contact_id"))
        .unwrap();
    let interests = fields
        .iter()
        .find(|f| f.data_type.as_deref() == Some("MULTIPLE_OPTIONS"))
        .unwrap();
    let users: Vec<String> = h.state(0).await["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_owned())
        .collect();

    // Create, read, update.
    let created = ghl
        .create_contact(&CreateContact {
            location_id: loc.clone(),
            fields: ContactFields {
                first_name: Some("Ann".into()),
                last_name: Some("Lee".into()),
                email: Some(email("ann.lee")),
                phone: Some("+1 888-555-0101".into()),
                tags: Some(vec!["Newsletter".into()]),
                custom_fields: Some(vec![
                    CustomFieldInput::by_id(nifty_field.id.clone(), "ni-1001"),
                    CustomFieldInput::by_key("contact.engagement_score", 7),
                ]),
                source: Some("nifty-ghl test".into()),
                date_of_birth: Some("1990-07-04".into()),
                ..Default::default()
            },
            company_name: Some("Lee Dental".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let ann = created.data;
    assert_eq!(ann.id.len(), 20);
    assert_eq!(ann.phone.as_deref(), Some("+18885550101"));
    assert_eq!(ann.tags, vec!["newsletter"]);
    assert!(ann.date_added.as_deref().unwrap().ends_with('Z'));

    let fetched = ghl.get_contact(&ann.id).await.unwrap();
    assert_eq!(fetched.email.as_deref(), Some("ann.lee@example.com"));
    assert_eq!(fetched.name.as_deref(), Some("Ann Lee"));
    assert_eq!(
        fetched.date_of_birth.as_deref(),
        Some("1990-07-04T00:00:00.000Z")
    );
    assert!(
        fetched
            .custom_fields
            .iter()
            .any(|f| f.id == nifty_field.id && f.value == json!("ni-1001"))
    );
    assert!(
        fetched
            .custom_fields
            .iter()
            .any(|f| f.value.as_f64() == Some(7.0))
    );
    assert_eq!(fetched.rate_limit.max, Some(100));
    assert!(fetched.rate_limit.remaining.is_some());

    let updated = ghl
        .update_contact(
            &ann.id,
            &UpdateContact {
                city: Some("Austin".into()),
                custom_fields: Some(vec![CustomFieldInput::by_id(
                    interests.id.clone(),
                    json!(["Offers", "News"]),
                )]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.city.as_deref(), Some("Austin"));
    assert!(
        updated
            .custom_fields
            .iter()
            .any(|f| f.value == json!(["Offers", "News"]))
    );

    // Upsert: the same email updates, a new one creates.
    let same = ghl
        .upsert_contact(&UpsertContact {
            location_id: loc.clone(),
            fields: ContactFields {
                email: Some(email("ANN.LEE")),
                last_name: Some("Lee-Park".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!same.created);
    assert_eq!(same.contact.id, ann.id);
    assert_eq!(same.contact.last_name.as_deref(), Some("Lee-Park"));
    assert!(same.trace_id.is_some(), "upsert answers carry a traceId");
    let bob = ghl
        .upsert_contact(&UpsertContact {
            location_id: loc.clone(),
            fields: ContactFields {
                name: Some("Bob Stone".into()),
                email: Some(email("bob")),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(bob.created);
    let bob = bob.contact;
    assert_eq!(
        (bob.first_name.as_deref(), bob.last_name.as_deref()),
        (Some("Bob"), Some("Stone"))
    );

    // List, search, duplicate lookup.
    let page = ghl
        .list_contacts(&ListContacts {
            location_id: loc.clone(),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.contacts.len(), 1);
    assert_eq!(page.meta.as_ref().and_then(|m| m.total), Some(2));
    let all: Vec<_> = ghl
        .list_contacts_stream(ListContacts {
            location_id: loc.clone(),
            limit: Some(1),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        vec![ann.id.as_str(), bob.id.as_str()]
    );

    let found = ghl
        .search_contacts(&SearchContacts {
            location_id: loc.clone(),
            page_limit: 10,
            filters: vec![SearchFilter::condition(
                "email",
                FilterOperator::Eq,
                email("bob"),
            )],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, Some(1));
    assert_eq!(found.contacts[0].id, bob.id);
    let streamed: Vec<_> = ghl
        .search_contacts_stream(SearchContacts {
            location_id: loc.clone(),
            page_limit: 1,
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 2);

    let duplicate = ghl
        .find_duplicate_contact(&DuplicateQuery {
            location_id: loc.clone(),
            email: Some(email("bob")),
            phone: None,
        })
        .await
        .unwrap();
    assert_eq!(
        duplicate.data.as_ref().map(|c| c.id.as_str()),
        Some(bob.id.as_str())
    );
    let none = ghl
        .find_duplicate_contact(&DuplicateQuery {
            location_id: loc.clone(),
            email: None,
            phone: Some("+15559990000".into()),
        })
        .await
        .unwrap();
    assert!(none.data.is_none());

    // Businesses.
    let seeded = h
        .control(
            Method::POST,
            "/seed",
            Some(json!({
                "location_id": loc,
                "businesses": [{"name": "Lee Dental LLC"}],
                "appointments": [{"contactId": ann.id, "title": "Cleaning", "startTime": "2026-12-01 09:00:00", "endTime": "2026-12-01 09:30:00", "status": "booked"}],
            })),
        )
        .await;
    let business_id = seeded["businesses"][0].as_str().unwrap().to_owned();
    let set = ghl
        .bulk_set_business(&BulkBusiness {
            location_id: loc.clone(),
            ids: vec![ann.id.clone(), bob.id.clone()],
            business_id: Some(business_id.clone()),
        })
        .await
        .unwrap();
    assert!(set.success);
    let members = ghl
        .business_contacts(&BusinessContacts {
            business_id: business_id.clone(),
            location_id: loc.clone(),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((members.contacts.len(), members.count), (1, Some(2)));
    let members: Vec<_> = ghl
        .business_contacts_stream(BusinessContacts {
            business_id: business_id.clone(),
            location_id: loc.clone(),
            limit: Some(1),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 2);
    ghl.bulk_set_business(&BulkBusiness {
        location_id: loc.clone(),
        ids: vec![bob.id.clone()],
        business_id: None,
    })
    .await
    .unwrap();
    assert_eq!(ghl.get_contact(&bob.id).await.unwrap().business_id, None);

    // Tasks.
    let task = ghl
        .create_task(
            &ann.id,
            &CreateTask {
                title: "Call about the spring offer".into(),
                body: Some("She opened the image twice".into()),
                due_date: "2026-12-02T15:00:00+01:00".into(),
                completed: false,
                assigned_to: Some(users[0].clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(task.status, 201);
    assert_eq!(task.due_date.as_deref(), Some("2026-12-02T14:00:00.000Z"));
    assert_eq!(ghl.list_tasks(&ann.id).await.unwrap().len(), 1);
    assert_eq!(
        ghl.get_task(&ann.id, &task.id)
            .await
            .unwrap()
            .title
            .as_deref(),
        Some("Call about the spring offer")
    );
    let renamed = ghl
        .update_task(
            &ann.id,
            &task.id,
            &UpdateTask {
                title: Some("Call Ann".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Call Ann"));
    assert!(
        ghl.set_task_completed(&ann.id, &task.id, true)
            .await
            .unwrap()
            .completed
    );
    let done = ghl
        .search_location_tasks(
            &loc,
            &TaskSearch {
                completed: Some(true),
                contact_id: Some(vec![ann.id.clone()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        done.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        vec![task.id.as_str()]
    );
    assert!(ghl.delete_task(&ann.id, &task.id).await.unwrap().succeded);
    assert!(matches!(
        ghl.get_task(&ann.id, &task.id).await,
        Err(GhlError::NotFound { .. })
    ));

    // Notes.
    let note = ghl
        .create_note(
            &ann.id,
            &CreateNote {
                body: "Opened the spring campaign image".into(),
                user_id: Some(users[1].clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(note.status, 201);
    assert_eq!(ghl.list_notes(&ann.id).await.unwrap().len(), 1);
    assert_eq!(
        ghl.get_note(&ann.id, &note.id)
            .await
            .unwrap()
            .body
            .as_deref(),
        Some("Opened the spring campaign image")
    );
    let edited = ghl
        .update_note(
            &ann.id,
            &note.id,
            &UpdateNote {
                body: Some("Opened it three times".into()),
                pinned: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (edited.body.as_deref(), edited.pinned),
        (Some("Opened it three times"), Some(true))
    );
    assert!(ghl.delete_note(&ann.id, &note.id).await.unwrap().succeded);
    assert!(ghl.list_notes(&ann.id).await.unwrap().is_empty());

    // Appointments, tags, followers, campaigns, workflows.
    let appointments = ghl.contact_appointments(&ann.id).await.unwrap();
    assert_eq!(appointments[0].title.as_deref(), Some("Cleaning"));
    let tags = ghl
        .add_tags(&ann.id, &["VIP".into(), "spring-2026".into()])
        .await
        .unwrap();
    assert_eq!(tags.status, 201);
    assert_eq!(tags.data, vec!["newsletter", "vip", "spring-2026"]);
    assert_eq!(
        ghl.remove_tags(&ann.id, &["newsletter".into()])
            .await
            .unwrap()
            .data,
        vec!["vip", "spring-2026"]
    );
    let bulk = ghl
        .bulk_update_tags(
            BulkTagAction::Add,
            &BulkTags {
                location_id: loc.clone(),
                contacts: vec![ann.id.clone(), bob.id.clone(), "not-a-contact".into()],
                tags: vec!["Engaged".into()],
                remove_all_tags: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(bulk.error_count, Some(1));
    assert_eq!(
        bulk.responses[2].message.as_deref(),
        Some("contact id is not a valid firebase id")
    );
    assert_eq!(
        bulk.responses[1].tags_added.as_deref(),
        Some(&["engaged".to_string()][..])
    );
    let cleared = ghl
        .bulk_update_tags(
            BulkTagAction::Remove,
            &BulkTags {
                location_id: loc.clone(),
                contacts: vec![bob.id.clone()],
                tags: vec![],
                remove_all_tags: Some(true),
            },
        )
        .await
        .unwrap();
    assert!(cleared.succeded);
    assert!(ghl.get_contact(&bob.id).await.unwrap().tags.is_empty());

    let added = ghl.add_followers(&ann.id, &users[..2]).await.unwrap();
    assert_eq!(added.status, 201);
    assert_eq!(added.changed(), &users[..2]);
    let removed = ghl.remove_followers(&ann.id, &users[..1]).await.unwrap();
    assert_eq!(removed.followers, vec![users[1].clone()]);

    assert!(
        ghl.add_to_campaign(&ann.id, "cmpSpring2026aaaaaaa")
            .await
            .unwrap()
            .succeded
    );
    assert!(
        ghl.add_to_campaign(&ann.id, "cmpSummer2026aaaaaaa")
            .await
            .unwrap()
            .succeded
    );
    assert!(
        ghl.remove_from_campaign(&ann.id, "cmpSpring2026aaaaaaa")
            .await
            .unwrap()
            .succeded
    );
    let state = h.state(0).await;
    let ann_state = state["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(ann.id))
        .unwrap()
        .clone();
    assert_eq!(ann_state["campaigns"], json!(["cmpSummer2026aaaaaaa"]));
    assert!(
        ghl.remove_from_all_campaigns(&ann.id)
            .await
            .unwrap()
            .succeded
    );
    let workflow = "78559bb3-b920-461e-b010-7b2a2816d2a9";
    assert!(
        ghl.add_to_workflow(&ann.id, workflow, Some("2026-12-01T09:00:00+01:00"))
            .await
            .unwrap()
            .succeded
    );
    let state = h.state(0).await;
    let ann_state = state["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(ann.id))
        .unwrap()
        .clone();
    assert_eq!(ann_state["campaigns"], json!([]));
    assert_eq!(ann_state["workflows"][0]["workflowId"], json!(workflow));
    assert!(
        ghl.remove_from_workflow(&ann.id, workflow, None)
            .await
            .unwrap()
            .succeded
    );

    // OAuth: code exchange, refresh, and an agency token minting a location token.
    let grant = h.oauth_grant("contacts.readonly contacts.write", &[]).await;
    let refreshed = h
        .client_with_token("unused")
        .refresh_access_token(&h.app(), grant.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    assert_ne!(refreshed.access_token, grant.access_token);
    let agency = h
        .oauth_grant(
            "contacts.readonly contacts.write oauth.write",
            &[("user_type", "Company")],
        )
        .await;
    let minted = h
        .client_with_token(agency.access_token.expose())
        .location_access_token(agency.company_id.as_deref().unwrap(), &loc)
        .await
        .unwrap();
    assert_eq!(minted.location_id.as_deref(), Some(loc.as_str()));
    assert_eq!(
        h.client_with_token(minted.access_token.expose())
            .get_contact(&bob.id)
            .await
            .unwrap()
            .id,
        bob.id
    );

    // Deleting: the contact is gone.
    assert!(ghl.delete_contact(&bob.id).await.unwrap().succeded);
    assert!(matches!(
        ghl.get_contact(&bob.id).await,
        Err(GhlError::NotFound { .. })
    ));

    check_log_against_spec(&h).await;
}

/// Every operation of the spec this test covers was seen answering 2xx (the location calls
/// have their own round trip in `locations.rs`).
async fn check_log_against_spec(h: &Harness) {
    let succeeded = h.assert_log_matches_spec().await;
    let client_operations = |(method, path): &(String, String)| {
        path.starts_with("/contacts")
            || (method == "GET" && path == "/locations/{locationId}/customFields")
            || (method == "POST" && path == "/locations/{locationId}/tasks/search")
            || (method == "POST" && (path == "/oauth/token" || path == "/oauth/locationToken"))
    };
    let spec = SpecCheck::load().unwrap();
    let expected: Vec<_> = spec
        .operations()
        .into_iter()
        .filter(client_operations)
        .collect();
    assert_eq!(
        expected.len(),
        36,
        "32 contacts operations, 2 locations, 2 OAuth: {expected:?}"
    );
    let missing: Vec<_> = expected
        .into_iter()
        .filter(|op| !succeeded.contains(op))
        .collect();
    assert!(
        missing.is_empty(),
        "operations never exercised with success: {missing:?}"
    );
}

/// The scope the client checks before a call is the one the spec's security block names; where
/// the block names none, it is the scope of the same collection's list (reads) or create
/// (writes), and for recurring tasks, which declare none anywhere, the task search's scope and
/// its write twin.
#[test]
fn the_client_requires_the_scopes_the_spec_declares() {
    let spec = SpecCheck::load().unwrap();
    let location_calls: Vec<(String, String)> = crate::locations::LOCATION_CALLS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let mut compared = 0;
    for (method_name, path) in spec.operations() {
        let declared = spec.scopes(&method_name, &path);
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let method = http::Method::from_bytes(method_name.as_bytes()).unwrap();
        let client = ghl::required_scope(&method, &segments);
        let in_client_scope = path.starts_with("/contacts")
            || path.ends_with("/customFields") && method == http::Method::GET
            || path.ends_with("/tasks/search")
            || path == "/oauth/locationToken"
            || location_calls.contains(&(method_name.clone(), path.clone()));
        if !in_client_scope {
            continue;
        }
        let read = method == http::Method::GET;
        let inferred = match declared.as_slice() {
            // The two bulk endpoints declare no security block; GHL still needs contacts.write.
            [] if path.starts_with("/contacts/bulk/") => "contacts.write".to_owned(),
            [] if path.contains("/recurring-tasks") => if read {
                "locations/tasks.readonly"
            } else {
                "locations/tasks.write"
            }
            .to_owned(),
            // One record of a collection: the collection's list or create scope.
            [] => {
                let collection = &path[..path.rfind('/').unwrap()];
                let scopes = spec.scopes(if read { "GET" } else { "POST" }, collection);
                assert_eq!(scopes.len(), 1, "{method} {collection}: {scopes:?}");
                scopes[0].clone()
            }
            [scope] => scope.clone(),
            many => panic!("{method} {path} declares several scopes: {many:?}"),
        };
        assert_eq!(client, Some(inferred.as_str()), "{method} {path}");
        compared += 1;
    }
    assert_eq!(
        compared, 55,
        "35 contacts, task search and OAuth calls, 20 location calls"
    );
}
