//! The world a NiftyImages sandbox starts with: the same for the same seed.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::datastore::{DataStore, FieldDef};
use super::model::{
    Counter, ImageKind, ImageRec, Integration, IntegrationImage, MapLocationRec, MapRec,
    NiftyWorld, PersonalizedState, PsdLayerRec, PsdState, TimerRec,
};
use super::state::Scope;
use crate::ids::IdGenerator;

pub struct Seeded {
    pub world: NiftyWorld,
    pub keys: HashMap<String, Scope>,
    pub account_key: String,
}

/// The `date_input_format` of the seeded `appointment` field (a chrono pattern).
pub const APPOINTMENT_FORMAT: &str = "%m/%d/%Y %H:%M";

pub fn seed(ids: &IdGenerator, url: &str, now: DateTime<Utc>) -> Seeded {
    let mut keys = HashMap::new();
    let account_key = ids.secret("acct_", 28);
    keys.insert(account_key.clone(), Scope::Account);
    let mut world = NiftyWorld::default();

    let image = |world: &mut NiftyWorld, name: &str, kind: ImageKind, age_days: i64| {
        let slug = ids.secret("", 10).to_lowercase();
        let mut opens = Counter::default();
        for _ in 0..3 {
            let days_ago = ids.below(25) as i64;
            opens.add(now - Duration::days(days_ago), 1 + ids.below(40));
        }
        world.images.push(ImageRec {
            url: format!("{url}/render/{slug}"),
            slug,
            name: name.to_owned(),
            kind,
            opens,
            created: now - Duration::days(age_days),
            updated: now - Duration::days(age_days / 2),
            active: true,
            personalized: None,
            psd: None,
        });
        world.images.len() - 1
    };

    let welcome = image(&mut world, "Welcome Banner", ImageKind::Personalized, 90);
    world.images[welcome].personalized = Some(PersonalizedState {
        image_text: "Hi {{first_name}}!".into(),
        default_text: "there".into(),
        font_color: "#1A1A1A".into(),
    });
    let hero = image(&mut world, "Product Hero", ImageKind::Psd, 80);
    world.images[hero].psd = Some(PsdState {
        layers: vec![
            PsdLayerRec {
                name: "Headline".into(),
                layer_type: "Text".into(),
                text_value: Some("Spring is here, {{first_name}}".into()),
                text_color: Some("#FFFFFF".into()),
                image_url: None,
                hide: false,
            },
            PsdLayerRec {
                name: "Badge".into(),
                layer_type: "Image".into(),
                text_value: None,
                text_color: None,
                image_url: Some(format!("{url}/static/badge.png")),
                hide: false,
            },
        ],
        variables: vec![("first_name".into(), "friend".into())],
    });
    let timers: [(&str, Tz, i64); 2] = [
        ("Spring Sale Countdown", chrono_tz::America::New_York, 14),
        ("Webinar Countdown", chrono_tz::Europe::London, 30),
    ];
    for (name, timezone, days) in timers {
        let index = image(&mut world, name, ImageKind::CountdownTimer, 70);
        let key = ids.secret("tmr_", 24);
        keys.insert(key.clone(), Scope::Timer(world.timers.len()));
        world.timers.push(TimerRec {
            image: index,
            key,
            timezone,
            target: now + Duration::days(days),
        });
    }
    for n in 1..=8 {
        let index = image(
            &mut world,
            &format!("Promo Banner {n}"),
            ImageKind::Personalized,
            60 - n,
        );
        world.images[index].personalized = Some(PersonalizedState {
            image_text: format!("Offer {n} for {{{{first_name}}}}"),
            default_text: "you".into(),
            font_color: "#333333".into(),
        });
    }

    let contacts_key = ids.secret("store_", 24);
    keys.insert(contacts_key.clone(), Scope::Store(0));
    world.stores.push(DataStore::new(
        "contacts",
        contacts_key,
        true,
        vec![
            FieldDef::new("email", "TEXT").unique(),
            FieldDef::new("first_name", "TEXT"),
            FieldDef::new("last_name", "TEXT"),
            FieldDef::new("phone", "TEXT"),
            FieldDef::new("tags", "TEXT"),
            FieldDef::new("score", "NUMBER"),
            FieldDef::new("vip", "BOOLEAN"),
            FieldDef::new("appointment", "DATE").date_format(APPOINTMENT_FORMAT),
        ],
    ));
    let import_key = ids.secret("store_", 24);
    keys.insert(import_key.clone(), Scope::Store(1));
    world.stores.push(DataStore::new(
        "newsletter_import",
        import_key,
        false,
        vec![
            FieldDef::new("email", "TEXT").unique(),
            FieldDef::new("name", "TEXT"),
        ],
    ));

    let integration_images = |kind: &str, users: &[&str], label: &str| -> Vec<IntegrationImage> {
        let mut images = Vec::new();
        for (u, user) in users.iter().enumerate() {
            for i in 0..2u64 {
                let id = 1000 + (u as u64) * 10 + i;
                let mut count = Counter::default();
                count.add(
                    now - Duration::days(ids.below(20) as i64),
                    5 + ids.below(100),
                );
                images.push(IntegrationImage {
                    id,
                    name: format!("{label} image {}", i + 1),
                    image_type: kind.to_owned(),
                    user: (*user).to_owned(),
                    uri: format!(
                        "{url}/render/{kind_slug}-{id}",
                        kind_slug = label.to_lowercase()
                    ),
                    count,
                });
            }
        }
        images
    };
    world.widgets.push(Integration {
        key: ids.secret("wdg_", 16),
        name: "Newsletter Editor".into(),
        active: true,
        images: integration_images(
            "Personalized Image",
            &["alice@agency.example", "bob@agency.example"],
            "Widget",
        ),
        suspended: Vec::new(),
    });
    world.bee_plugins.push(Integration {
        key: ids.secret("bee_", 16),
        name: "BEE Plugin".into(),
        active: true,
        images: integration_images("Countdown Timer", &["carol", "dave"], "Bee"),
        suspended: Vec::new(),
    });

    let map_slug = ids.secret("", 10).to_lowercase();
    let location = |nifty_id, id: &str, address: &str, lat, lng| MapLocationRec {
        nifty_id,
        location_id: Some(id.to_owned()),
        address: address.to_owned(),
        latitude: Some(lat),
        longitude: Some(lng),
        properties: vec![("hours".into(), "9-5".into())],
    };
    world.maps.push(MapRec {
        url: format!("{url}/render/{map_slug}"),
        slug: map_slug,
        name: "Store Locator".into(),
        created: now - Duration::days(50),
        updated: now - Duration::days(5),
        opens: 120,
        clicks: 14,
        locations: vec![
            location(
                1,
                "store-nyc",
                "350 5th Ave, New York, NY 10118",
                40.7484,
                -73.9857,
            ),
            location(
                2,
                "store-bos",
                "1 Faneuil Hall Sq, Boston, MA 02109",
                42.3601,
                -71.0549,
            ),
            location(
                3,
                "store-phl",
                "1400 JFK Blvd, Philadelphia, PA 19107",
                39.9526,
                -75.1652,
            ),
        ],
        next_nifty_id: 4,
    });

    // A second Custom Store, keyed by something other than an email (a user makes such
    // stores in the web app with any fields): GHL opportunities, one row per opportunity.
    // Seeded last, so the keys and URLs above stay what they were for a given seed.
    let deals_key = ids.secret("store_", 24);
    keys.insert(deals_key.clone(), Scope::Store(world.stores.len()));
    world.stores.push(DataStore::new(
        "deals",
        deals_key,
        true,
        vec![
            FieldDef::new("opportunity_id", "TEXT").unique(),
            FieldDef::new("contact_id", "TEXT"),
            FieldDef::new("name", "TEXT"),
            FieldDef::new("status", "TEXT"),
            FieldDef::new("value", "NUMBER"),
        ],
    ));

    Seeded {
        world,
        keys,
        account_key,
    }
}
