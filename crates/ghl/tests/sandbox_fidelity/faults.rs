//! Fault injection, and how the client reports each fault.

use ghl::contacts::{ContactFields, CreateContact};
use ghl::{GhlError, NetworkErrorKind, RateLimitScope};
use serde_json::json;

use crate::support::{Harness, email};

fn contact(location_id: &str, tag: &str) -> CreateContact {
    CreateContact {
        location_id: location_id.to_owned(),
        fields: ContactFields {
            email: Some(email(tag)),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn server_errors_are_transient_and_change_nothing() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"error_rate": 1.0}})).await;
    let error = h
        .client(0)
        .create_contact(&contact(&h.location(0), "a"))
        .await
        .unwrap_err();
    assert!(matches!(error, GhlError::Server { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!([500, 502, 503].contains(&error.status().unwrap().as_u16()));
    assert!(h.state(0).await["contacts"].as_array().unwrap().is_empty());
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn forced_500s_fail_exactly_that_many_requests() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"force_500": 2}})).await;
    for name in ["a", "b"] {
        let error = h
            .client(0)
            .create_contact(&contact(&h.location(0), name))
            .await
            .unwrap_err();
        assert_eq!(error.status().unwrap().as_u16(), 500, "{error:?}");
    }
    h.client(0)
        .create_contact(&contact(&h.location(0), "c"))
        .await
        .unwrap();
    let contacts = h.state(0).await["contacts"].clone();
    assert_eq!(
        contacts.as_array().unwrap().len(),
        1,
        "only the third was made"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn an_error_after_apply_leaves_the_change_made() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"error_after_apply_rate": 1.0}}))
        .await;
    let error = h
        .client(0)
        .create_contact(&contact(&h.location(0), "b"))
        .await
        .unwrap_err();
    assert!(error.may_have_applied(), "{error:?}");
    let contacts = h.state(0).await["contacts"].clone();
    assert_eq!(
        contacts.as_array().unwrap().len(),
        1,
        "GHL made the contact although it said 5xx"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn dropped_connections_are_network_errors() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"drop_rate": 1.0}})).await;
    let error = h
        .client(0)
        .create_contact(&contact(&h.location(0), "c"))
        .await
        .unwrap_err();
    match &error {
        GhlError::Network { kind, .. } => assert_eq!(*kind, NetworkErrorKind::Interrupted),
        other => panic!("expected a network error, got {other:?}"),
    }
    assert!(error.is_transient());
    h.settings(json!({"faults": {"drop_rate": 0.0, "drop_after_apply_rate": 1.0}}))
        .await;
    assert!(
        h.client(0)
            .create_contact(&contact(&h.location(0), "d"))
            .await
            .is_err()
    );
    assert_eq!(h.state(0).await["contacts"].as_array().unwrap().len(), 1);
    let log = h.requests().await;
    let faults: Vec<_> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["fault"].as_str())
        .collect();
    assert_eq!(faults, vec!["dropped", "dropped_after_apply"]);
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn forced_429_bursts_end_after_their_count() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"force_429": 2}})).await;
    let client = h.client(0);
    for _ in 0..2 {
        let error = client
            .custom_fields(&h.location(0), None)
            .await
            .unwrap_err();
        match error {
            GhlError::RateLimited {
                scope, retry_after, ..
            } => {
                assert_eq!(scope, RateLimitScope::Burst);
                assert_eq!(retry_after.as_millis(), 10_000);
            }
            other => panic!("expected a 429, got {other:?}"),
        }
    }
    assert!(client.custom_fields(&h.location(0), None).await.is_ok());
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn latency_is_added_and_timeouts_are_reported_as_such() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"latency_ms": 400}})).await;
    let mut config = ghl::ClientConfig::with_base_url(h.sandbox.url()).unwrap();
    config.request_timeout = std::time::Duration::from_millis(100);
    let impatient = ghl::GhlClient::new(
        config,
        std::sync::Arc::new(ghl::StaticToken::new(h.sandbox.pit(0))),
    )
    .unwrap();
    let error = impatient
        .custom_fields(&h.location(0), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GhlError::Network {
                kind: NetworkErrorKind::Timeout,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.may_have_applied());
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn bad_settings_are_refused_and_change_nothing() {
    let h = Harness::start().await;
    let response = h
        .http
        .patch(format!("{}/_sandbox/settings", h.sandbox.url()))
        .json(&json!({"faults": {"error_rate": 2.0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let unknown = h
        .http
        .patch(format!("{}/_sandbox/settings", h.sandbox.url()))
        .json(&json!({"faults": {"error_rte": 0.5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    assert_eq!(h.sandbox.settings_snapshot().faults.error_rate, 0.0);
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn a_422_after_apply_hides_a_change_that_was_made() {
    let h = Harness::start().await;
    h.settings(json!({"faults": {"unprocessable_after_apply_rate": 1.0}}))
        .await;
    let error = h
        .client(0)
        .create_contact(&contact(&h.location(0), "e"))
        .await
        .unwrap_err();
    assert!(matches!(error, GhlError::Validation { .. }), "{error:?}");
    assert_eq!(
        h.state(0).await["contacts"].as_array().unwrap().len(),
        1,
        "made despite the 422"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn hostile_numbers_get_clear_errors_and_the_sandbox_keeps_serving() {
    let h = Harness::start().await;
    let url = h.sandbox.url().to_owned();
    let raw = |method: reqwest::Method, path: &str| {
        h.http
            .request(method, format!("{url}{path}"))
            .bearer_auth(h.sandbox.pit(0))
            .header("Version", "2021-07-28")
    };
    let search = raw(reqwest::Method::POST, "/contacts/search")
        .json(&json!({"locationId": h.location(0), "pageLimit": 500, "page": 1e19}))
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 422);
    let zero = raw(
        reqwest::Method::GET,
        &format!(
            "/contacts/business/641c094001436dbc2081e642?locationId={}&limit=0",
            h.location(0)
        ),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(zero.status(), 422);
    let clock = h
        .http
        .post(format!("{url}/_sandbox/clock/advance"))
        .json(&json!({"ms": 9e18}))
        .send()
        .await
        .unwrap();
    assert_eq!(clock.status(), 400);
    let latency = h
        .http
        .patch(format!("{url}/_sandbox/settings"))
        .json(&json!({"faults": {"latency_jitter_ms": u64::MAX}}))
        .send()
        .await
        .unwrap();
    assert_eq!(latency.status(), 400);
    let huge = raw(reqwest::Method::POST, "/contacts/")
        .body(vec![b' '; 5 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    let business = ghl::businesses::BusinessContacts {
        business_id: "641c094001436dbc2081e642".into(),
        location_id: h.location(0),
        limit: Some(0),
        ..Default::default()
    };
    assert!(matches!(
        h.client(0).business_contacts(&business).await,
        Err(GhlError::InvalidInput(_))
    ));
    assert!(
        h.client(0)
            .custom_fields(&h.location(0), None)
            .await
            .is_ok(),
        "still serving"
    );
    h.assert_log_matches_spec().await;
}
