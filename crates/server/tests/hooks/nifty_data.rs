//! `GET /nifty/data/{source}` end to end: NiftyImages asking for a GHL contact's fields, read
//! from the GHL sandbox once and then from the cache.

use engine::config::{DataSourceSettings, NiftyImagesSettings};
use ghl::contacts::{ContactFields, CreateContact};
use serde_json::{Value, json};

use crate::Service;

fn settings() -> NiftyImagesSettings {
    let mut settings = NiftyImagesSettings::default();
    settings.data_sources.insert(
        "greeting".into(),
        DataSourceSettings {
            fields: vec![
                "firstName".into(),
                "lastName".into(),
                "city".into(),
                "tags".into(),
                "phone".into(),
            ],
        },
    );
    settings
}

async fn get(service: &Service, path: &str) -> (u16, Value) {
    service
        .send(service.http.get(format!("{}{path}", service.url)))
        .await
}

/// How many contact reads the data endpoint can make (by id, or the duplicate search) the
/// sandbox has answered.
async fn contact_reads(service: &Service) -> usize {
    let log: Value = service
        .http
        .get(format!("{}/_sandbox/requests", service.sandbox.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "GET")
        .filter(|r| {
            let path = r["path"].as_str().unwrap();
            let rest: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            path == "/contacts/search/duplicate" || (rest.len() == 2 && rest[0] == "contacts")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_contacts_fields_are_read_once_then_served_from_the_cache() {
    let service = Service::start_with_niftyimages(settings(), &[]).await;
    ghl::install_crypto_provider();
    let client =
        ghl::GhlClient::with_static_token(service.sandbox.url(), service.sandbox.pit(0)).unwrap();
    client
        .create_contact(&CreateContact {
            location_id: service.location.clone(),
            fields: ContactFields {
                first_name: Some("Ann".into()),
                last_name: Some("Lee".into()),
                email: Some("ann@example.com".into()),
                city: Some("Lyon".into()),
                tags: Some(vec!["vip".into()]),
                ..ContactFields::default()
            },
            ..CreateContact::default()
        })
        .await
        .unwrap();
    assert_eq!(contact_reads(&service).await, 0);

    let expected = json!({"firstName": "Ann", "lastName": "Lee", "city": "Lyon", "tags": ["vip"]});
    let (status, body) = get(&service, "/nifty/data/greeting?email=Ann%40Example.com").await;
    assert_eq!((status, &body), (200, &expected), "no phone: left out");
    assert_eq!(contact_reads(&service).await, 1);
    let (status, body) = get(&service, "/nifty/data/greeting?email=ann%40example.com").await;
    assert_eq!((status, &body), (200, &expected));
    assert_eq!(
        contact_reads(&service).await,
        1,
        "the second answer came from the cache"
    );

    // Someone GHL does not know: `{}`, for NiftyImages' fallbacks.
    let (status, body) = get(&service, "/nifty/data/greeting?email=nobody%40example.com").await;
    assert_eq!((status, body), (404, json!({})));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_sources_are_404_and_a_missing_email_is_400() {
    let service = Service::start_with_niftyimages(settings(), &[]).await;
    let (status, body) = get(&service, "/nifty/data/weather?email=a%40b.co").await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("greeting"),
        "{body}"
    );
    for query in ["", "?email=", "?email=*|EMAIL|*"] {
        let (status, body) = get(&service, &format!("/nifty/data/greeting{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["error"].as_str().unwrap().contains("email="), "{body}");
    }
    assert_eq!(contact_reads(&service).await, 0);
    assert_eq!(service.stored().await, (0, 0));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ghl_429_is_a_503_with_retry_after_and_the_location_is_left_alone() {
    let service = Service::start_with_niftyimages(settings(), &[]).await;
    let patched = service
        .http
        .patch(format!("{}/_sandbox/settings", service.sandbox.url()))
        .json(&json!({"faults": {"force_429": 1}}))
        .send()
        .await
        .unwrap();
    assert!(patched.status().is_success());
    let ask = |email: &str| {
        service
            .http
            .get(format!("{}/nifty/data/greeting?email={email}", service.url))
            .send()
    };
    let limited = ask("ann%40example.com").await.unwrap();
    assert_eq!(limited.status().as_u16(), 503);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_eq!(contact_reads(&service).await, 1, "the read GHL refused");
    // Another contact, so no cache: GHL is not asked again before its Retry-After.
    let waiting = ask("bob%40example.com").await.unwrap();
    assert_eq!(waiting.status().as_u16(), 503);
    assert!(waiting.headers().contains_key("retry-after"));
    assert_eq!(
        contact_reads(&service).await,
        1,
        "no call while GHL said wait"
    );
    service.stop().await;
}

/// The data endpoint's GHL reads take from the same budget as the jobs: with the location's
/// budget spent by the pipeline, a read is answered 503 at once and GHL is not asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_is_a_503_without_a_ghl_call() {
    let service = Service::start_with_niftyimages(settings(), &[]).await;
    let governor = service.pipeline.as_ref().unwrap().governor();
    let mut taken = 0;
    while governor.try_take(&service.location).is_ok() {
        taken += 1;
        assert!(taken <= 1_000, "the budget never ran out");
    }
    let (status, _) = get(&service, "/nifty/data/greeting?email=ann%40example.com").await;
    assert_eq!(status, 503);
    assert_eq!(contact_reads(&service).await, 0, "GHL was not asked");
    service.stop().await;
}
