//! GHL's budgets per app and location, and the headers on every answer.

use std::time::Duration;

use ghl::{GhlError, RateLimitScope};
use reqwest::Method;
use serde_json::json;

use crate::support::Harness;

#[tokio::test]
async fn the_burst_budget_gives_429_with_the_wait_and_reopens_after_the_interval() {
    let h = Harness::start().await;
    h.settings(json!({"rate_limit": {"burst_max": 5, "burst_interval_ms": 2_000}}))
        .await;
    let client = h.client(0);
    let loc = h.location(0);
    for expected_remaining in (0..5).rev() {
        let ok = client.custom_fields(&loc, None).await.unwrap();
        assert_eq!(ok.rate_limit.remaining, Some(expected_remaining));
        assert_eq!(ok.rate_limit.max, Some(5));
        assert_eq!(ok.rate_limit.interval, Some(Duration::from_secs(2)));
        assert_eq!(ok.rate_limit.daily_limit, Some(200_000));
    }
    let error = client.custom_fields(&loc, None).await.unwrap_err();
    match &error {
        GhlError::RateLimited {
            scope,
            retry_after,
            details,
        } => {
            assert_eq!(*scope, RateLimitScope::Burst);
            assert_eq!(*retry_after, Duration::from_secs(2));
            assert_eq!(details.status, 429);
            assert_eq!(details.rate_limit.remaining, Some(0));
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    // Another location has its own budget.
    assert!(
        h.client(1)
            .custom_fields(&h.location(1), None)
            .await
            .is_ok()
    );
    h.control(Method::POST, "/clock/advance", Some(json!({"ms": 2_000})))
        .await;
    assert!(client.custom_fields(&loc, None).await.is_ok());
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn the_daily_budget_is_reported_as_daily() {
    let h = Harness::start().await;
    h.settings(json!({"rate_limit": {"daily_max": 3}})).await;
    let client = h.client(0);
    for _ in 0..3 {
        client.custom_fields(&h.location(0), None).await.unwrap();
    }
    let error = client
        .custom_fields(&h.location(0), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GhlError::RateLimited {
                scope: RateLimitScope::Daily,
                ..
            }
        ),
        "{error:?}"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn with_limits_off_nothing_is_refused_but_headers_still_come() {
    let h = Harness::start().await;
    h.settings(json!({"rate_limit": {"enabled": false, "burst_max": 2}}))
        .await;
    let client = h.client(0);
    for _ in 0..5 {
        let ok = client.custom_fields(&h.location(0), None).await.unwrap();
        assert_eq!(ok.rate_limit.max, Some(2));
    }
    h.assert_log_matches_spec().await;
}
