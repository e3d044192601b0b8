//! Widgets, the BEE plugin, maps and chatbots.

use niftyimages::DateRange;
use niftyimages::chatbots::{ChatbotImage, Variable, chatbot_image_url};
use niftyimages::maps::{LocationQuery, LocationRef, LocationUpdate, NewLocation, Property};

use crate::support::Harness;

#[tokio::test]
async fn widgets_round_trip() {
    let h = Harness::start().await;
    let client = h.account();
    let widget = &h.sandbox.info().widgets[0];
    let listed = client.list_widgets().await.unwrap();
    assert_eq!(listed[0].widget_key, widget.key);
    let before = client.widget_stats(DateRange::default()).await.unwrap()[0].impressions;
    h.sandbox
        .bump_widget_impressions(&widget.key, widget.image_ids[0], 9)
        .unwrap();
    let stats = client.widget_stats(DateRange::default()).await.unwrap();
    assert_eq!(stats[0].impressions, before + 9);
    assert_eq!(stats[0].users, widget.users.len() as u64);

    let images = client
        .widget_images(&widget.key, DateRange::default())
        .await
        .unwrap();
    assert_eq!(images.len(), widget.image_ids.len());
    let user = &widget.users[0];
    let mine = client
        .widget_user_images(&widget.key, user, DateRange::default())
        .await
        .unwrap();
    assert!(mine.iter().all(|i| &i.user == user) && !mine.is_empty());
    let users = client
        .widget_users(&widget.key, DateRange::default())
        .await
        .unwrap();
    assert_eq!(users.len(), widget.users.len());
    let suspended = client
        .set_widget_user_suspended(&widget.key, user, true)
        .await
        .unwrap();
    assert!(suspended.suspended);
    let again = client
        .widget_user(&widget.key, user, DateRange::default())
        .await
        .unwrap();
    assert!(again.suspended);
    let missing = client
        .widget_user(&widget.key, "nobody", DateRange::default())
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));
}

#[tokio::test]
async fn bee_plugin_round_trip() {
    let h = Harness::start().await;
    let client = h.account();
    let plugin = &h.sandbox.info().bee_plugins[0];
    let users = client
        .bee_users(&plugin.key, DateRange::default())
        .await
        .unwrap();
    assert_eq!(users.len(), plugin.users.len());
    assert_eq!(users[0].status, "Active");
    let user = &plugin.users[0];
    let images = client
        .bee_user_images(&plugin.key, user, DateRange::default())
        .await
        .unwrap();
    assert!(!images.is_empty() && images.iter().all(|i| &i.user_name == user));
    let after = client
        .set_bee_user_suspended(&plugin.key, user, true)
        .await
        .unwrap();
    assert!(after.iter().all(|i| i.status == "Suspended"));
}

#[tokio::test]
async fn maps_round_trip() {
    let h = Harness::start().await;
    let client = h.account();
    let maps = client.list_maps().await.unwrap();
    let url = maps[0].url.clone();
    h.sandbox.bump_map_clicks(&url, 3).unwrap();
    let details = client.map_details(&url).await.unwrap();
    assert_eq!(details.clicks, maps[0].clicks.unwrap() + 3);
    assert_eq!(details.locations_good, 3);

    let near = client
        .map_locations(
            &url,
            &LocationQuery::Near {
                lat: 40.75,
                lng: -73.99,
            },
        )
        .await
        .unwrap();
    assert_eq!(near.len(), 1);
    assert_eq!(near[0].location_id.as_deref(), Some("store-nyc"));
    let by_address = client
        .map_locations(&url, &LocationQuery::Address(near[0].address.clone()))
        .await
        .unwrap();
    assert_eq!(by_address[0].nifty_id, near[0].nifty_id);

    client
        .add_map_location(
            &url,
            &NewLocation {
                address: "1 Main St, Hartford, CT".into(),
                location_id: Some("store-hfd".into()),
                properties: vec![Property {
                    name: "hours".into(),
                    value: "10-6".into(),
                }],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        client
            .map_details(&url)
            .await
            .unwrap()
            .locations_not_processed,
        1
    );
    client
        .update_map_location(
            &url,
            &LocationUpdate {
                location_id: Some("store-hfd".into()),
                latitude: Some(41.7658),
                longitude: Some(-72.6734),
                ..LocationUpdate::default()
            },
        )
        .await
        .unwrap();
    let added = client
        .map_locations(&url, &LocationQuery::LocationId("store-hfd".into()))
        .await
        .unwrap();
    assert_eq!(added[0].latitude, Some(41.7658));
    let by_nifty = client
        .map_locations(&url, &LocationQuery::NiftyId(added[0].nifty_id.clone()))
        .await
        .unwrap();
    assert_eq!(by_nifty.len(), 1);
    client
        .delete_map_location(&url, &LocationRef::NiftyId(added[0].nifty_id.clone()))
        .await
        .unwrap();
    let gone = client
        .delete_map_location(&url, &LocationRef::LocationId("store-hfd".into()))
        .await
        .unwrap_err();
    assert_eq!(gone.status(), Some(404));
}

#[tokio::test]
async fn chatbots_wrap_the_rendered_url() {
    let h = Harness::start().await;
    let client = h.account();
    let image = ChatbotImage {
        url: h.image_url("Welcome Banner"),
        variables: vec![Variable {
            name: "first_name".into(),
            value: "Ann".into(),
        }],
    };
    let manychat = client.manychat(&image).await.unwrap();
    let chatfuel = client.chatfuel(&image).await.unwrap();
    let expected = format!("{}?first_name=Ann", image.url);
    assert_eq!(chatbot_image_url(&manychat), Some(expected.as_str()));
    assert_eq!(chatbot_image_url(&chatfuel), Some(expected.as_str()));
}
