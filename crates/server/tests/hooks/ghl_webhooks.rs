//! `POST /hooks/ghl`: what GHL's webhooks get. Signed by the sandbox (Ed25519, or the legacy
//! RSA header) they are stored once; forged, tampered, unsigned, stale and replayed ones
//! change nothing; a store that cannot take the event answers 429, the only status GHL
//! retries on; UNINSTALL removes the location's connection. Webhooks for another marketplace
//! app are acknowledged and change nothing; a webhook type beyond contacts
//! (OpportunityStatusUpdate) starts a user's recipe.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::{Service, test_ghl_key};

fn webhook(kind: &str, webhook_id: &str, location: &str, age_secs: i64) -> Value {
    let at = chrono::Utc::now() - chrono::Duration::seconds(age_secs);
    json!({
        "type": kind,
        "webhookId": webhook_id,
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "locationId": location,
        "id": "contact00000000000001",
        "email": "ann@example.com",
        "firstName": "Ann",
    })
}

fn sign(body: &[u8]) -> String {
    STANDARD.encode(test_ghl_key().sign(body).as_ref())
}

impl Service {
    async fn ghl_hook(&self, body: &[u8], signature: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/hooks/ghl", self.url))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-ghl-signature", signature);
        }
        self.send(request).await
    }

    async fn accepted_events(&self) -> i64 {
        self.stored().await.0
    }

    /// Waits until the sandbox has delivered `count` webhooks, and returns them.
    async fn deliveries(&self, count: usize) -> Vec<Value> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let state: Value = self
                .http
                .get(format!("{}/_sandbox/webhooks", self.sandbox.url()))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let done: Vec<Value> = state["deliveries"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|d| d["state"] != "pending")
                .collect();
            if done.len() >= count {
                return done;
            }
            assert!(Instant::now() < until, "webhooks not delivered: {state}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[tokio::test]
async fn sandbox_webhooks_are_verified_and_stored() {
    let service = Service::start(1).await;
    service.subscribe_to_sandbox().await;
    service.create_ghl_contact("bo@example.com", "Bo").await;
    let deliveries = service.deliveries(1).await;
    assert_eq!(deliveries[0]["event_type"], "ContactCreate");
    assert_eq!(deliveries[0]["state"], "delivered", "{}", deliveries[0]);
    assert_eq!(deliveries[0]["attempts"][0]["status"], 200);
    assert_eq!(service.accepted_events().await, 1);
    service.stop().await;
}

#[tokio::test]
async fn legacy_rsa_signed_webhooks_are_accepted() {
    let service = Service::start(1).await;
    let response = service
        .http
        .patch(format!("{}/_sandbox/settings", service.sandbox.url()))
        .json(&json!({"webhooks": {"legacy_signature": true}}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
    service.subscribe_to_sandbox().await;
    service.create_ghl_contact("cy@example.com", "Bo").await;
    let deliveries = service.deliveries(1).await;
    assert_eq!(deliveries[0]["state"], "delivered", "{}", deliveries[0]);
    assert_eq!(service.accepted_events().await, 1);
    service.stop().await;
}

#[tokio::test]
async fn a_redelivered_webhook_is_stored_once() {
    let service = Service::start(1).await;
    let body = serde_json::to_vec(&webhook("ContactUpdate", "w-1", &service.location, 0)).unwrap();
    let signature = sign(&body);
    let (status, answer) = service.ghl_hook(&body, Some(&signature)).await;
    assert_eq!(
        (status, answer["accepted"].clone()),
        (200, json!(1)),
        "{answer}"
    );
    let (status, answer) = service.ghl_hook(&body, Some(&signature)).await;
    assert_eq!(
        (status, answer["duplicates"].clone()),
        (200, json!(1)),
        "{answer}"
    );
    assert_eq!(service.accepted_events().await, 1);
    service.stop().await;
}

#[tokio::test]
async fn forged_tampered_unsigned_and_stale_webhooks_change_nothing() {
    let service = Service::start(1).await;
    let location = service.location.clone();
    let body = serde_json::to_vec(&webhook("ContactUpdate", "w-2", &location, 0)).unwrap();

    let forger = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[9; 32]).unwrap();
    let forged = STANDARD.encode(forger.sign(&body).as_ref());
    let (status, answer) = service.ghl_hook(&body, Some(&forged)).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("x-ghl-signature does not match")
    );

    let mut tampered = webhook("ContactUpdate", "w-2", &location, 0);
    tampered["email"] = json!("mallory@example.com");
    let (status, _) = service
        .ghl_hook(&serde_json::to_vec(&tampered).unwrap(), Some(&sign(&body)))
        .await;
    assert_eq!(status, 401);

    let (status, answer) = service.ghl_hook(&body, None).await;
    assert_eq!(status, 401);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("no x-ghl-signature")
    );

    let (status, answer) = service.ghl_hook(&body, Some("%%%")).await;
    assert_eq!(status, 401, "{answer}");

    // Ten minutes old, properly signed: a replay.
    let stale = serde_json::to_vec(&webhook("ContactUpdate", "w-3", &location, 600)).unwrap();
    let (status, answer) = service.ghl_hook(&stale, Some(&sign(&stale))).await;
    assert_eq!(status, 401);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("more than 300 s from now"),
        "{answer}"
    );

    // Signed but without its webhookId: refused with the field named.
    let mut anonymous = webhook("ContactUpdate", "w-4", &location, 0);
    anonymous.as_object_mut().unwrap().remove("webhookId");
    let anonymous = serde_json::to_vec(&anonymous).unwrap();
    let (status, answer) = service.ghl_hook(&anonymous, Some(&sign(&anonymous))).await;
    assert_eq!(
        (status, answer["pointer"].clone()),
        (422, json!("/webhookId"))
    );

    assert_eq!(service.accepted_events().await, 0);
    let (events, jobs) = service.stored().await;
    assert_eq!((events, jobs), (0, 0));
    service.stop().await;
}

#[tokio::test]
async fn a_webhook_that_cannot_be_stored_gets_429_for_ghl_to_retry() {
    let service = Service::start(1).await;
    // A door whose committer is gone: nothing it takes can be made durable.
    let (ingestor, committer) = engine::ingest::Ingestor::start(
        std::sync::Arc::clone(service.store()),
        std::sync::Arc::new(engine::recipes::Recipes::builtin()),
        None,
        16,
        std::sync::Arc::new(tokio::sync::Notify::new()),
        std::sync::Arc::default(),
    );
    committer.abort();
    let _ = committer.await;
    let door = server::EventDoor {
        ingestor,
        metrics: std::sync::Arc::default(),
        store: std::sync::Arc::clone(service.store()),
        keys: Vec::new(),
        allow_unsigned: false,
        ghl: server::GhlHooks {
            verifier: ghl::webhook_signature::WebhookVerifier::new(
                &[&crate::test_ghl_key_base64()],
                None,
            )
            .unwrap(),
            ..server::GhlHooks::default()
        },
        nifty: std::sync::Arc::new(server::NiftyRoutes::new(
            &engine::config::NiftyImagesSettings::default(),
            None,
        )),
    };
    let connections = service.pipeline_connections();
    let router = server::router(server::AppState {
        connections,
        connected: None,
        events: Some(std::sync::Arc::new(door)),
    });
    let listener = server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = format!("http://{}/hooks/ghl", listener.local_addr().unwrap());
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(server::serve(listener, router, stop.clone()));
    let body = serde_json::to_vec(&webhook("ContactUpdate", "w-5", &service.location, 0)).unwrap();
    let (status, answer) = service
        .send(
            service
                .http
                .post(url)
                .header("x-ghl-signature", sign(&body))
                .body(body),
        )
        .await;
    assert_eq!(status, 429, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("nothing was accepted")
    );
    stop.cancel();
    service.stop().await;
}

#[tokio::test]
async fn uninstall_removes_the_location_connection() {
    let service = Service::start(1).await;
    let connection_id = format!("loc_{}", service.location);
    let vault = service.store();
    assert!(vault.connection(&connection_id).await.unwrap().is_some());
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let body = serde_json::to_vec(&json!({
        "type": "UNINSTALL", "appId": "app", "webhookId": "w-6", "timestamp": at,
        "locationId": service.location,
    }))
    .unwrap();
    let (status, answer) = service.ghl_hook(&body, Some(&sign(&body))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(vault.connection(&connection_id).await.unwrap().is_none());
    // Again: nothing left to remove, still fine, and stored once.
    let (status, answer) = service.ghl_hook(&body, Some(&sign(&body))).await;
    assert_eq!(
        (status, answer["duplicates"].clone()),
        (200, json!(1)),
        "{answer}"
    );
    // An install with no agency connection to mint from waits for OAuth: acknowledged,
    // and no connection appears from nothing.
    let install = serde_json::to_vec(&json!({
        "type": "INSTALL", "appId": "app", "webhookId": "w-7", "timestamp": at,
        "locationId": service.location, "companyId": "company0000000000001",
    }))
    .unwrap();
    let (status, answer) = service.ghl_hook(&install, Some(&sign(&install))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(vault.connection(&connection_id).await.unwrap().is_none());
    service.stop().await;
}

/// An agency connected through OAuth (with no location of its own yet): an INSTALL of one of
/// its locations mints and stores that location's token at once, a repeat changes nothing, and
/// the agency's UNINSTALL removes the agency and what was minted from it.
#[tokio::test]
async fn install_under_a_connected_agency_connects_the_location_and_uninstall_removes_both() {
    use engine::authorize::{AuthorizeRequest, Callback, LocationChoice};
    use store::vault::ConnectionKind;

    let service = Service::start(1).await;
    let info = service.sandbox.info().clone();
    let vault = service.connections.vault();
    vault
        .set_app_credentials(
            &info.client_id,
            &secrecy::SecretString::from(info.client_secret.clone()),
            store::now_millis(),
        )
        .await
        .unwrap();
    let url = service
        .connections
        .begin_authorization(
            &AuthorizeRequest {
                scopes: vec!["contacts.readonly".into(), "oauth.write".into()],
                agency: true,
                locations: LocationChoice::Only(Vec::new()),
                redirect_uri: "http://127.0.0.1:9/oauth/callback".into(),
            },
            service.sandbox.url(),
        )
        .await
        .unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let approved = no_redirects.get(url).send().await.unwrap();
    assert_eq!(approved.status(), 302);
    let back = reqwest::Url::parse(approved.headers()["location"].to_str().unwrap()).unwrap();
    let pairs: std::collections::HashMap<String, String> =
        back.query_pairs().into_owned().collect();
    let saved = service
        .connections
        .complete_authorization(&Callback {
            code: pairs.get("code").cloned(),
            state: pairs.get("state").cloned(),
            ..Callback::default()
        })
        .await
        .unwrap();
    assert_eq!(saved.len(), 1, "the agency alone");
    let agency = saved[0].id.clone();

    let installed = service.sandbox.location_id(1).to_owned();
    let location_connection = format!("loc_{installed}");
    assert!(
        vault
            .connection(&location_connection)
            .await
            .unwrap()
            .is_none()
    );
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let install = serde_json::to_vec(&json!({
        "type": "INSTALL", "appId": "app", "webhookId": "w-install", "timestamp": at,
        "locationId": installed, "companyId": info.company_id, "userId": "user0000000000000001",
    }))
    .unwrap();
    let (status, answer) = service.ghl_hook(&install, Some(&sign(&install))).await;
    assert_eq!(status, 200, "{answer}");
    let minted = vault
        .connection(&location_connection)
        .await
        .unwrap()
        .expect("the installed location is connected");
    assert_eq!(minted.kind, ConnectionKind::AgencyMinted);
    assert_eq!(minted.parent_id.as_deref(), Some(agency.as_str()));
    // The minted token works: a read in the installed location.
    let client = service
        .connections
        .client(&location_connection)
        .await
        .unwrap();
    assert!(
        engine::authorize::probe(&client, &installed).await.is_ok(),
        "the minted token reads the location"
    );
    let mints = service
        .sandbox_requests()
        .await
        .iter()
        .filter(|r| r["route"] == "/oauth/locationToken")
        .count();
    assert_eq!(mints, 1);

    // GHL sends it again (another webhook id): already connected, nothing minted.
    let again = serde_json::to_vec(&json!({
        "type": "INSTALL", "appId": "app", "webhookId": "w-install-2", "timestamp": at,
        "locationId": installed, "companyId": info.company_id,
    }))
    .unwrap();
    let (status, answer) = service.ghl_hook(&again, Some(&sign(&again))).await;
    assert_eq!(status, 200, "{answer}");
    let mints_after = service
        .sandbox_requests()
        .await
        .iter()
        .filter(|r| r["route"] == "/oauth/locationToken")
        .count();
    assert_eq!(mints_after, 1, "a repeated install mints nothing");

    // The agency uninstalls the app: the agency and the minted location go; the location
    // connected by its own token (the service's) stays.
    let uninstall = serde_json::to_vec(&json!({
        "type": "UNINSTALL", "appId": "app", "webhookId": "w-uninstall", "timestamp": at,
        "companyId": info.company_id,
    }))
    .unwrap();
    let (status, answer) = service.ghl_hook(&uninstall, Some(&sign(&uninstall))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(vault.connection(&agency).await.unwrap().is_none());
    assert!(
        vault
            .connection(&location_connection)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        vault
            .connection(&format!("loc_{}", service.location))
            .await
            .unwrap()
            .is_some(),
        "a location with its own token is not the agency's to remove"
    );
    service.stop().await;
}

/// The app these tests' service belongs to: GHL client ids are `<appId>-<suffix>`.
const OUR_CLIENT_ID: &str = "64b8f0c2a1d3e4f5a6b7c8d9-lm0abc12";
const OUR_APP_ID: &str = "64b8f0c2a1d3e4f5a6b7c8d9";
const OTHER_APP_ID: &str = "5f0e1d2c3b4a596877665544";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Service {
    async fn ghl_hook_signed(&self, body: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(body).unwrap();
        self.ghl_hook(&body, Some(&sign(&body))).await
    }
}

/// Whether an answer says the webhook was another app's and nothing was stored.
fn ignored(answer: &Value) -> bool {
    answer["accepted"] == 0
        && answer["ignored"]
            .as_str()
            .is_some_and(|why| why.contains(OTHER_APP_ID))
}

#[tokio::test]
async fn webhooks_for_another_app_are_acknowledged_and_change_nothing() {
    let service = Service::start_for_app(OUR_CLIENT_ID).await;
    let connection_id = format!("loc_{}", service.location);
    let vault = service.store();

    // Another app uninstalled from this location: our connection stays.
    let (status, answer) = service
        .ghl_hook_signed(&json!({
            "type": "UNINSTALL", "appId": OTHER_APP_ID, "webhookId": "w-a1", "timestamp": now(),
            "locationId": service.location,
        }))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(ignored(&answer), "{answer}");
    assert!(vault.connection(&connection_id).await.unwrap().is_some());

    // Another app installed: nothing is minted or stored.
    let (status, answer) = service
        .ghl_hook_signed(&json!({
            "type": "INSTALL", "appId": OTHER_APP_ID, "webhookId": "w-a2", "timestamp": now(),
            "locationId": service.location, "companyId": "company0000000000001",
        }))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(ignored(&answer), "{answer}");

    // Another app's contact webhook is not stored, and makes no job.
    let mut foreign = webhook("ContactCreate", "w-a3", &service.location, 0);
    foreign["appId"] = json!(OTHER_APP_ID);
    let (status, answer) = service.ghl_hook_signed(&foreign).await;
    assert_eq!(status, 200, "{answer}");
    assert!(ignored(&answer), "{answer}");
    assert_eq!(service.stored().await, (0, 0));

    // Ours is stored, and so is one that names no app.
    let mut ours = webhook("ContactCreate", "w-a4", &service.location, 0);
    ours["appId"] = json!(OUR_APP_ID);
    ours["versionId"] = json!("64b8f0c2a1d3e4f5a6b7c8e0");
    let (status, answer) = service.ghl_hook_signed(&ours).await;
    assert_eq!((status, &answer["accepted"]), (200, &json!(1)), "{answer}");
    assert!(answer.get("ignored").is_none(), "{answer}");
    let unnamed = webhook("ContactUpdate", "w-a5", &service.location, 0);
    let (status, answer) = service.ghl_hook_signed(&unnamed).await;
    assert_eq!((status, &answer["accepted"]), (200, &json!(1)), "{answer}");
    assert_eq!(service.accepted_events().await, 2);

    // Our own UNINSTALL still removes the connection.
    let (status, answer) = service
        .ghl_hook_signed(&json!({
            "type": "UNINSTALL", "appId": OUR_APP_ID, "webhookId": "w-a6", "timestamp": now(),
            "locationId": service.location,
        }))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(vault.connection(&connection_id).await.unwrap().is_none());
    service.stop().await;
}

#[tokio::test]
async fn without_a_client_id_every_app_s_webhook_is_taken() {
    // A Private Integration Token set-up knows no marketplace app.
    let service = Service::start(1).await;
    let mut body = webhook("ContactCreate", "w-b1", &service.location, 0);
    body["appId"] = json!(OTHER_APP_ID);
    let (status, answer) = service.ghl_hook_signed(&body).await;
    assert_eq!((status, &answer["accepted"]), (200, &json!(1)), "{answer}");
    assert_eq!(service.accepted_events().await, 1);
    service.stop().await;
}

/// A user's recipe on a GHL webhook beyond contacts: the opportunity's status, kept in a
/// Data Store keyed by the opportunity (the NiftyImages sandbox's `deals` store).
const DEAL_STATUS_RECIPE: &str = r#"name = "deal-status"
description = "OpportunityStatusUpdate: the opportunity's status in the deals Data Store"

[trigger]
events = ["OpportunityStatusUpdate"]

[[steps]]
action = "niftyimages.stores.upsert"

[steps.input]
store = "deals"

[steps.input.record]
opportunity_id = "{{ event.data.id }}"
contact_id = "{{ event.data.contactId | default('') }}"
name = "{{ event.data.name | default('') }}"
status = "{{ event.data.status | default('') }}"
value = "{{ event.data.monetaryValue | default(0) }}"
"#;

#[tokio::test]
async fn an_opportunity_status_webhook_is_stored_once_and_reaches_a_data_store() {
    let (nifty, mut settings) = crate::nifty_sandbox().await;
    settings.stores = BTreeMap::from([(
        "deals".to_owned(),
        crate::store_settings(&nifty, "deals", "opportunity_id"),
    )]);
    let service =
        Service::start_with_niftyimages(settings, &[("deal-status.toml", DEAL_STATUS_RECIPE)])
            .await;
    let body = serde_json::to_vec(&json!({
        "type": "OpportunityStatusUpdate", "webhookId": "w-o1", "timestamp": now(),
        "locationId": service.location, "id": "opp00000000000000001",
        "contactId": "contact00000000000001", "name": "Spring offer", "monetaryValue": 250,
        "pipelineId": "pipe0000000000000001", "pipelineStageId": "stage-won",
        "assignedTo": "user0000000000000001", "source": "web form", "status": "won",
        "dateAdded": "2026-03-02T10:15:00.000Z",
    }))
    .unwrap();
    let signature = sign(&body);
    let (status, answer) = service.ghl_hook(&body, Some(&signature)).await;
    assert_eq!((status, &answer["accepted"]), (200, &json!(1)), "{answer}");
    // GHL's redelivery of the same webhook: the same event, stored once.
    let (status, answer) = service.ghl_hook(&body, Some(&signature)).await;
    assert_eq!(
        (status, &answer["duplicates"]),
        (200, &json!(1)),
        "{answer}"
    );
    assert_eq!(service.accepted_events().await, 1);

    service.ghl_after_delivery().await;
    let rows = nifty.store_rows("deals").unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        Value::Object(rows[0].values.clone()),
        json!({"opportunity_id": "opp00000000000000001", "contact_id": "contact00000000000001",
            "name": "Spring offer", "status": "won", "value": 250})
    );
    let writes = nifty
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/Store/AddRecord"))
        .count();
    assert_eq!(writes, 1, "one event, one write");
    service.stop().await;
}

/// GHL never sends a webhook again after a 4xx: one a recipe cannot map is stored (without
/// jobs) and counted, not refused and lost; a later one the recipe can map makes its job.
#[tokio::test]
async fn a_webhook_a_recipe_cannot_map_is_kept_without_jobs() {
    const RECIPE: &str = r#"
name = "phones"
description = "ContactUpdate: the contact's phone in E.164"

[trigger]
events = ["ContactUpdate"]

[[steps]]
action = "ghl.contacts.upsert"

[steps.input]
email = "{{ event.data.email | default('nobody@example.com') }}"
phone = "{{ event.data.phone | default('+15550001111') | e164 }}"
"#;
    let service = Service::start_with_recipes(1, &[("phones.toml", RECIPE)]).await;
    let mut bad = webhook("ContactUpdate", "w-unmapped", &service.location, 0);
    bad["phone"] = json!("call me");
    let body = serde_json::to_vec(&bad).unwrap();
    let (status, answer) = service.ghl_hook(&body, Some(&sign(&body))).await;
    assert_eq!((status, &answer["accepted"]), (200, &json!(1)), "{answer}");
    assert_eq!(service.stored().await, (1, 0), "stored, without a job");
    let metrics = &service.pipeline.as_ref().unwrap().metrics;
    assert_eq!(
        metrics
            .events_unmapped
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );

    let mut good = webhook("ContactUpdate", "w-mapped", &service.location, 0);
    good["phone"] = json!("+1 415 555 0100");
    let body = serde_json::to_vec(&good).unwrap();
    let (status, answer) = service.ghl_hook(&body, Some(&sign(&body))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(service.stored().await, (2, 1));
    service.stop().await;
}
