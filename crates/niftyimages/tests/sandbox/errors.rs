//! Keys and scopes, faults, and what errors and Debug output show.

use niftyimages::images::ImagePage;
use niftyimages::{ApiKey, NiftyClient, NiftyError};
use serde_json::json;

use crate::support::Harness;

#[tokio::test]
async fn wrong_kind_of_key_is_unauthorized() {
    let h = Harness::start().await;
    let store_key = h.sandbox.store_key("contacts").unwrap().to_owned();
    let account_key = h.sandbox.account_key().to_owned();
    let (timer_client, _) = h.timer(0);
    let timer_key = h.sandbox.info().timers[0].key.clone();

    let cases: Vec<(NiftyError, &str)> = vec![
        (
            h.store("contacts").list_widgets().await.unwrap_err(),
            &store_key,
        ),
        (h.account().store_fields().await.unwrap_err(), &account_key),
        (timer_client.store_fields().await.unwrap_err(), &timer_key),
        (
            h.account()
                .with_key(ApiKey::account("not-a-real-key-0000"))
                .list_images(ImagePage::default())
                .await
                .unwrap_err(),
            "not-a-real-key-0000",
        ),
    ];
    for (err, key) in cases {
        assert!(matches!(err, NiftyError::Unauthorized { .. }), "{err:?}");
        assert!(!err.is_retryable());
        assert!(!err.to_string().contains(key), "{err}");
        assert!(!format!("{err:?}").contains(key));
    }
}

#[tokio::test]
async fn forced_faults_are_retryable_errors() {
    let h = Harness::start().await;
    let client = h.account();
    h.sandbox
        .update_settings(|s| {
            s.faults.force_500 = 1;
            s.faults.force_429 = 1;
            s.faults.retry_after_secs = Some(3);
        })
        .unwrap();
    let server = client.list_widgets().await.unwrap_err();
    assert!(
        matches!(server, NiftyError::Server { status: 500, .. }),
        "{server:?}"
    );
    assert!(server.is_retryable());
    let limited = client.list_widgets().await.unwrap_err();
    assert!(limited.is_retryable());
    assert_eq!(limited.status(), Some(429));
    assert_eq!(
        limited.retry_after(),
        Some(std::time::Duration::from_secs(3))
    );
    client.list_widgets().await.expect("faults are spent");
}

#[tokio::test]
async fn transport_errors_are_retryable() {
    let h = Harness::start().await;
    let url = h.sandbox.api_url().to_owned();
    h.sandbox.shutdown().await;
    let client = NiftyClient::connect(&url, ApiKey::account("acct-key-never-shown")).unwrap();
    let err = client.list_widgets().await.unwrap_err();
    assert!(matches!(err, NiftyError::Transport { .. }), "{err:?}");
    assert!(err.is_retryable() && err.status().is_none());
    assert!(!err.to_string().contains("acct-key-never-shown"));
}

#[tokio::test]
async fn keys_never_print() {
    let h = Harness::start().await;
    let secret = h.sandbox.account_key().to_owned();
    let client = h.account();
    assert!(!format!("{client:?}").contains(&secret));
    assert_eq!(
        format!("{:?}", ApiKey::timer(secret.clone())),
        "ApiKey(***)"
    );
    assert!(!format!("{:?}", h.sandbox.info()).contains(&secret));
    // A bad request's message carries the reason, not the key.
    let err = h
        .store("contacts")
        .upsert_record(&json!({"email": 5, "score": "x"}))
        .await
        .unwrap_err();
    let store_key = h.sandbox.store_key("contacts").unwrap();
    assert!(!err.to_string().contains(store_key));
    // The request log keeps the calls, never the header.
    let log = serde_json::to_string(&h.sandbox.requests()).unwrap();
    assert!(!log.contains(&secret) && !log.contains(store_key));
}

#[tokio::test]
async fn alternative_carriers_are_off_by_default() {
    let h = Harness::start().await;
    let http = reqwest::Client::new();
    let url = format!(
        "{}/Widgets?ApiKey={}",
        h.sandbox.api_url(),
        h.sandbox.account_key()
    );
    assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
    let bearer = http
        .get(format!("{}/Widgets", h.sandbox.api_url()))
        .bearer_auth(h.sandbox.account_key())
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    h.sandbox
        .update_settings(|s| {
            s.auth.query_string = true;
            s.auth.bearer = true;
        })
        .unwrap();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    let log = serde_json::to_string(&h.sandbox.requests()).unwrap();
    assert!(
        !log.contains(h.sandbox.account_key()),
        "query keys are redacted in the log"
    );
}
