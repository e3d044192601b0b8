//! Streams over every page, with `locationId` on each.

use futures::TryStreamExt;
use ghl::contacts::ListContacts;
use ghl::search::{FilterOperator, SearchContacts, SearchFilter, SearchSort, SortDirection};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Harness, email};

async fn seed(h: &Harness, count: usize) {
    let contacts: Vec<Value> = (0..count)
        .map(|i| json!({"email": email(&format!("p{i:03}")), "firstName": format!("P{i:03}"), "tags": if i % 3 == 0 { json!(["vip"]) } else { json!([]) }}))
        .collect();
    h.control(
        Method::POST,
        "/seed",
        Some(json!({"location_id": h.location(0), "contacts": contacts})),
    )
    .await;
}

#[tokio::test]
async fn list_stream_returns_every_contact_once_and_carries_location_on_every_page() {
    let h = Harness::start().await;
    seed(&h, 45).await;
    let contacts: Vec<_> = h
        .client(0)
        .list_contacts_stream(ListContacts {
            location_id: h.location(0),
            limit: Some(10),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<_> = contacts.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 45);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 45, "no contact twice");
    let log = h.requests().await;
    let pages: Vec<_> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == "/contacts/" && r["method"] == "GET")
        .collect();
    assert_eq!(pages.len(), 5);
    assert!(pages.iter().all(|p| {
        p["query"]
            .as_str()
            .unwrap()
            .contains(&format!("locationId={}", h.location(0)))
    }));
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn search_stream_follows_search_after_with_filters_and_sort() {
    let h = Harness::start().await;
    seed(&h, 30).await;
    let vip: Vec<_> = h
        .client(0)
        .search_contacts_stream(SearchContacts {
            location_id: h.location(0),
            page_limit: 4,
            filters: vec![SearchFilter::condition("tags", FilterOperator::Eq, "vip")],
            sort: vec![SearchSort {
                field: "email".into(),
                direction: SortDirection::Desc,
            }],
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    let emails: Vec<_> = vip.iter().map(|c| c.email.clone().unwrap()).collect();
    let mut expected: Vec<_> = (0..30)
        .filter(|i| i % 3 == 0)
        .map(|i| email(&format!("p{i:03}")))
        .collect();
    expected.reverse();
    assert_eq!(emails, expected);
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn search_refuses_page_paging_past_ten_thousand_and_bodies_without_page_limit() {
    let h = Harness::start().await;
    let client = h.client(0);
    let error = client
        .search_contacts(&SearchContacts {
            location_id: h.location(0),
            page_limit: 100,
            page: Some(101),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, ghl::GhlError::Validation { .. }),
        "{error:?}"
    );
    let response = h
        .http
        .post(format!("{}/contacts/search", h.sandbox.url()))
        .bearer_auth(h.sandbox.pit(0))
        .header("Version", "2021-07-28")
        .json(&json!({"locationId": h.location(0)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    h.assert_log_matches_spec().await;
}

/// Contacts made at the same moment by concurrent calls: the cursor still visits each once.
#[tokio::test]
async fn concurrent_creates_are_each_listed_once() {
    let h = Harness::start().await;
    let mut creates = tokio::task::JoinSet::new();
    for i in 0..60 {
        let client = h.client(0);
        let location = h.location(0);
        creates.spawn(async move {
            let request = ghl::contacts::CreateContact {
                location_id: location,
                fields: ghl::contacts::ContactFields {
                    email: Some(email(&format!("c{i}"))),
                    ..Default::default()
                },
                ..Default::default()
            };
            client.create_contact(&request).await.unwrap().id.clone()
        });
    }
    let mut created = Vec::new();
    while let Some(id) = creates.join_next().await {
        created.push(id.unwrap());
    }
    let listed: Vec<_> = h
        .client(0)
        .list_contacts_stream(ListContacts {
            location_id: h.location(0),
            limit: Some(7),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    let mut listed: Vec<_> = listed.into_iter().map(|c| c.id).collect();
    listed.sort();
    created.sort();
    assert_eq!(listed, created);
    h.assert_log_matches_spec().await;
}
