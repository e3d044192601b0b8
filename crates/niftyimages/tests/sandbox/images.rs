use chrono::Duration;
use niftyimages::DateRange;
use niftyimages::images::{ImageKind, ImagePage};
use niftyimages::personalized::PersonalizedUpdate;
use niftyimages::psd::{PsdLayerUpdate, PsdUpdate, PsdVariable};

use crate::support::Harness;

#[tokio::test]
async fn paging_walks_every_page() {
    let h = Harness::start().await;
    let client = h.account();
    let first = client.list_images(ImagePage::default()).await.unwrap();
    assert_eq!(first.len(), 10, "the default page size is 10");
    let third = client
        .list_images(ImagePage {
            page_size: 5,
            page_number: 3,
        })
        .await
        .unwrap();
    assert_eq!(third.len(), 2);
    let all = client.list_all_images(5).await.unwrap();
    assert_eq!(all.len(), h.sandbox.info().images.len());
    let mut urls: Vec<_> = all.iter().map(|i| i.url.clone()).collect();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), all.len(), "no image twice");
    let requests = h.sandbox.requests();
    let pages: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/v1/Images")
        .filter_map(|r| r.query.clone())
        .collect();
    assert!(
        pages.contains(&"pageSize=5&pageNumber=3".to_owned()),
        "{pages:?}"
    );
    assert!(!pages.iter().any(|q| q.contains("pageNumber=4")));
}

#[tokio::test]
async fn image_get_stats_delete_and_opens_as_string() {
    let h = Harness::start().await;
    let client = h.account();
    let url = h.image_url("Welcome Banner");
    let image = client.get_image(&url).await.unwrap();
    assert_eq!(image.name, "Welcome Banner");
    assert_eq!(image.kind(), ImageKind::Personalized);
    assert!(image.create_date.is_some() && image.last_updated.is_some());
    let total = h.sandbox.bump_opens(&url, 5).unwrap();
    assert_eq!(client.get_image(&url).await.unwrap().opens, total);

    h.sandbox
        .update_settings(|s| s.opens_as_string = true)
        .unwrap();
    let listed = client.list_all_images(50).await.unwrap();
    let welcome = listed.iter().find(|i| i.url == url).unwrap();
    assert_eq!(welcome.opens, total, "Opens sent as a string parses");
    assert_eq!(welcome.active, Some(true));

    // Opens bumped now fall in a window ending now, not in one that ended yesterday.
    let now = h.sandbox.now();
    let recent = client
        .image_stats(DateRange::between(
            now - Duration::minutes(1),
            now + Duration::minutes(1),
        ))
        .await
        .unwrap();
    assert_eq!(recent.iter().find(|i| i.url == url).unwrap().opens, 5);
    let default_window = client.image_stats(DateRange::default()).await.unwrap();
    assert_eq!(
        default_window.iter().find(|i| i.url == url).unwrap().opens,
        total
    );

    client.delete_image(&url).await.unwrap();
    let listed = client.list_all_images(50).await.unwrap();
    assert_eq!(
        listed.iter().find(|i| i.url == url).unwrap().active,
        Some(false)
    );
}

#[tokio::test]
async fn personalized_and_psd_round_trip() {
    let h = Harness::start().await;
    let client = h.account();
    let url = h.image_url("Welcome Banner");
    let before = client.get_personalized(&url).await.unwrap();
    assert_eq!(before.image_text.as_deref(), Some("Hi {{first_name}}!"));
    client
        .update_personalized(
            &url,
            &PersonalizedUpdate {
                image_text: Some("Hello {{first_name}}".into()),
                default_text: Some("friend".into()),
                font_color: None,
            },
        )
        .await
        .unwrap();
    let after = client.get_personalized(&url).await.unwrap();
    assert_eq!(after.image_text.as_deref(), Some("Hello {{first_name}}"));
    assert_eq!(after.default_text.as_deref(), Some("friend"));

    let psd_url = h.image_url("Product Hero");
    let psd = client.get_psd(&psd_url).await.unwrap();
    assert_eq!(psd.layers.len(), 2);
    let updated = client
        .update_psd(
            &psd_url,
            &PsdUpdate {
                name: Some("Hero v2".into()),
                variables: vec![PsdVariable {
                    name: "first_name".into(),
                    default_value: "pal".into(),
                }],
                layers: vec![PsdLayerUpdate {
                    layer_name: "Badge".into(),
                    show: Some(false),
                    ..PsdLayerUpdate::default()
                }],
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("Hero v2"));
    assert!(
        updated
            .layers
            .iter()
            .find(|l| l.layer_name == "Badge")
            .unwrap()
            .hide
    );
    let err = client
        .update_psd(
            &psd_url,
            &PsdUpdate {
                layers: vec![PsdLayerUpdate {
                    layer_name: "Nope".into(),
                    ..PsdLayerUpdate::default()
                }],
                ..PsdUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.message().contains("Nope"), "{err}");
}

#[tokio::test]
async fn render_urls_record_merge_tags() {
    let h = Harness::start().await;
    let url = h.image_url("Welcome Banner");
    let body = reqwest::get(format!("{url}?first_name=Ann&email=ann%40example.com"))
        .await
        .unwrap();
    assert_eq!(body.headers()["content-type"], "image/gif");
    let renders = h.sandbox.renders();
    assert_eq!(renders.len(), 1);
    assert_eq!(renders[0].image_url, url);
    assert!(
        renders[0]
            .params
            .contains(&("email".into(), "ann@example.com".into()))
    );
}
