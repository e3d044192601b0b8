//! `niftyimages::OPERATIONS` is exactly what the client calls: every client method is called
//! once against the sandbox, and the method+path pairs it sent must be the list, no more, no
//! fewer. A method added without a list entry, or an entry nothing calls, fails here.

use niftyimages::chatbots::{ChatbotImage, Variable};
use niftyimages::images::ImagePage;
use niftyimages::maps::{LocationQuery, LocationRef, LocationUpdate, NewLocation};
use niftyimages::personalized::PersonalizedUpdate;
use niftyimages::psd::PsdUpdate;
use niftyimages::timer::TimerUpdate;
use niftyimages::{DateRange, KeyKind, OPERATIONS, path_matches};
use serde_json::json;

use crate::support::Harness;

#[tokio::test]
async fn the_operations_list_is_what_the_client_calls() {
    let h = Harness::start().await;
    let info = h.sandbox.info().clone();
    let account = h.account();
    let image = h.image_url("Welcome Banner");
    let store = info.stores.iter().find(|s| s.custom).unwrap();
    let stores = h.store(&store.name);
    let (timer, timer_url) = h.timer(0);
    let widget = &info.widgets[0];
    let bee = &info.bee_plugins[0];
    let map = info.maps[0].url.clone();
    let range = DateRange::default();

    // Answers do not matter here (some calls are refused for their inputs); that each one
    // reached the sandbox does.
    let _ = account.list_images(ImagePage::default()).await;
    let _ = account.image_stats(range).await;
    let _ = account.get_image(&image).await;
    let _ = account.get_personalized(&image).await;
    let update = PersonalizedUpdate {
        image_text: Some("Hi".into()),
        ..PersonalizedUpdate::default()
    };
    let _ = account.update_personalized(&image, &update).await;
    let _ = account.get_psd(&image).await;
    let _ = account.update_psd(&image, &PsdUpdate::default()).await;
    let _ = timer
        .update_timer(&TimerUpdate::at_utc(&timer_url, chrono::Utc::now()))
        .await;
    let _ = stores.store_fields().await;
    let _ = stores
        .upsert_record(&json!({"email": "ops@example.com"}))
        .await;
    let _ = stores.delete_record_by_id("1").await;
    let _ = stores
        .delete_record(&json!({"email": "ops@example.com"}))
        .await;
    let _ = account.list_widgets().await;
    let _ = account.widget_stats(range).await;
    let _ = account.widget_images(&widget.key, range).await;
    let _ = account
        .widget_user_images(&widget.key, &widget.users[0], range)
        .await;
    let _ = account.widget_users(&widget.key, range).await;
    let _ = account
        .widget_user(&widget.key, &widget.users[0], range)
        .await;
    let _ = account
        .set_widget_user_suspended(&widget.key, &widget.users[0], false)
        .await;
    let _ = account.bee_users(&bee.key, range).await;
    let _ = account
        .bee_user_images(&bee.key, &bee.users[0], range)
        .await;
    let _ = account
        .set_bee_user_suspended(&bee.key, &bee.users[0], false)
        .await;
    let _ = account.list_maps().await;
    let _ = account.map_details(&map).await;
    let _ = account
        .map_locations(&map, &LocationQuery::Address("x".into()))
        .await;
    let new = NewLocation {
        address: "1 Main St".into(),
        ..NewLocation::default()
    };
    let _ = account.add_map_location(&map, &new).await;
    let change = LocationUpdate {
        location_id: Some("x".into()),
        address: Some("2 Main St".into()),
        ..LocationUpdate::default()
    };
    let _ = account.update_map_location(&map, &change).await;
    let _ = account
        .delete_map_location(&map, &LocationRef::LocationId("x".into()))
        .await;
    let chat = ChatbotImage {
        url: image.clone(),
        variables: vec![Variable {
            name: "name".into(),
            value: "Ann".into(),
        }],
    };
    let _ = account.manychat(&chat).await;
    let _ = account.chatfuel(&chat).await;
    // Last, so the image is still there for the calls above.
    let _ = account.delete_image(&image).await;

    let sent = h.sandbox.requests();
    for request in &sent {
        let path = request.path.trim_start_matches("/v1");
        assert!(
            OPERATIONS
                .iter()
                .any(|op| op.method == request.method && path_matches(op.path, path)),
            "the client called {} {path}, which OPERATIONS does not list",
            request.method
        );
    }
    for op in OPERATIONS {
        let called = sent.iter().any(|r| {
            r.method == op.method && path_matches(op.path, r.path.trim_start_matches("/v1"))
        });
        assert!(
            called,
            "OPERATIONS lists {} {}, which no client method called",
            op.method, op.path
        );
        // The key kinds: only /Store* takes a store key and only /Timer/Update a timer key.
        let expected = if op.path.starts_with("/Store") {
            KeyKind::Store
        } else if op.path.starts_with("/Timer") {
            KeyKind::Timer
        } else {
            KeyKind::Account
        };
        assert_eq!(op.key, expected, "{} {}", op.method, op.path);
    }
}
