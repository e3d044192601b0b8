//! `GET /i/{image}` end to end: the redirect a mail client gets, the open it records, and the
//! follow-up task the built-in recipe makes of it in the GHL sandbox.

use std::time::Duration;

use engine::config::{ImageSettings, NiftyImagesSettings};
use serde_json::Value;

use crate::Service;

const IMAGE_URL: &str = "https://img.niftyimages.com/ab12/spring.png?w=600";
const GMAIL_PROXY: &str =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
const MAIL_CLIENT: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";

/// Marks the contacts whose opens came from a prefetcher, so the test can see the flag
/// arrive in a recipe's hands.
const PREFETCH_MARKER: &str = r#"name = "prefetch-marker"
[trigger]
events = ["campaign.event"]
when = "event.data.prefetch is defined and event.data.prefetch"
[[steps]]
action = "ghl.contacts.upsert"
[steps.input]
email = "{{ event.data.email }}"
tags = ["prefetched"]
"#;

pub fn settings() -> NiftyImagesSettings {
    let mut settings = NiftyImagesSettings::default();
    settings.images.insert(
        "spring".into(),
        ImageSettings {
            url: IMAGE_URL.into(),
            campaign_id: Some("spring-2026".into()),
        },
    );
    settings
}

/// Status, `Location` and body of `GET {path}`, redirects not followed.
async fn fetch(service: &Service, path: &str, agent: &str) -> (u16, Option<String>, Value) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .get(format!("{}{path}", service.url))
        .header("user-agent", agent)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        location,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Waits until `count` opens have been taken in (stored, or found to be repeats): the redirect
/// may answer before its open is committed.
async fn taken_in(service: &Service, count: u64) {
    let metrics = &service.pipeline.as_ref().unwrap().metrics;
    let until = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let seen = metrics
            .events_accepted
            .load(std::sync::atomic::Ordering::Relaxed)
            + metrics
                .events_duplicate
                .load(std::sync::atomic::Ordering::Relaxed);
        if seen >= count {
            return;
        }
        assert!(
            std::time::Instant::now() < until,
            "only {seen} of {count} opens were taken in"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Opens are one event per minute: keep a test's fetches inside one minute.
async fn away_from_a_minute_boundary() {
    let second = chrono::Utc::now().timestamp() % 60;
    if second >= 55 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_redirects_with_its_parameters_and_becomes_one_follow_up_task() {
    let service = Service::start_with_niftyimages(settings(), &[]).await;
    away_from_a_minute_boundary().await;
    let path = "/i/spring?email=Ann%40Example.com&first=Ann%20Lee&w=800";
    let (status, location, _) = fetch(&service, path, MAIL_CLIENT).await;
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some(
            "https://img.niftyimages.com/ab12/spring.png?email=Ann%40Example.com&first=Ann+Lee&w=800"
        ),
        "the request's w replaces the configured one; every parameter is passed on"
    );
    // The same reader's client fetching again within the minute: the same open.
    let (status, _, _) = fetch(&service, path, MAIL_CLIENT).await;
    assert_eq!(status, 302);
    taken_in(&service, 2).await;
    let (events, jobs) = service.stored().await;
    assert_eq!((events, jobs), (1, 1), "one event, one task job");

    let ghl = service.ghl_after_delivery().await;
    let contacts = ghl["contacts"].as_array().unwrap();
    let ann = contacts
        .iter()
        .find(|c| c["email"] == "ann@example.com")
        .expect("the task's contact");
    let tasks = ghl["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["contactId"], ann["id"]);
    assert_eq!(tasks[0]["title"], "Follow up: opened on spring-2026");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gmail_proxy_fetch_is_marked_prefetch_and_makes_no_task() {
    let service =
        Service::start_with_niftyimages(settings(), &[("marker.toml", PREFETCH_MARKER)]).await;
    let (status, location, _) =
        fetch(&service, "/i/spring?email=bob%40example.com", GMAIL_PROXY).await;
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("https://img.niftyimages.com/ab12/spring.png?w=600&email=bob%40example.com")
    );
    taken_in(&service, 1).await;
    assert_eq!(service.stored().await, (1, 1), "the marker's job alone");
    let ghl = service.ghl_after_delivery().await;
    assert!(
        ghl["tasks"].as_array().is_none_or(Vec::is_empty),
        "no follow-up for a prefetch: {}",
        ghl["tasks"]
    );
    let bob = ghl["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "bob@example.com")
        .expect("the marker recipe saw prefetch: true");
    assert_eq!(bob["tags"], serde_json::json!(["prefetched"]));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_contact_the_image_shows_and_nothing_is_stored_and_unknown_images_are_404() {
    let service = Service::start_with_niftyimages(settings(), &[]).await;
    let (status, location, _) = fetch(&service, "/i/spring?name=Ann", MAIL_CLIENT).await;
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("https://img.niftyimages.com/ab12/spring.png?w=600&name=Ann")
    );
    let (status, location, _) = fetch(&service, "/i/spring", MAIL_CLIENT).await;
    assert_eq!((status, location.as_deref()), (302, Some(IMAGE_URL)));
    assert_eq!(service.stored().await, (0, 0));

    let (status, location, body) = fetch(&service, "/i/autumn?email=a%40b.co", MAIL_CLIENT).await;
    assert_eq!((status, location), (404, None));
    assert!(
        body["error"].as_str().unwrap().contains("spring"),
        "names the configured images: {body}"
    );
    assert_eq!(service.stored().await, (0, 0));
    service.stop().await;
}
