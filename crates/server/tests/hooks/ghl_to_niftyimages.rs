//! GHL → NiftyImages end to end, with both sandboxes: a contact created, changed and deleted
//! in GHL reaches the contacts Data Store (and leaves it) through signed webhooks and the
//! built-in recipes; a change nifty-ghl itself made in GHL that comes back as a webhook costs
//! no second Data Store write, and nothing loops.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sandbox::nifty::NiftySandbox;
use serde_json::{Value, json};

use crate::Service;

async fn both() -> (Service, NiftySandbox) {
    both_with(&[]).await
}

/// Both sandboxes, GHL's webhooks subscribed, with `recipes` beside the built-in ones.
async fn both_with(recipes: &[(&str, &str)]) -> (Service, NiftySandbox) {
    let (service, nifty) = started(recipes).await;
    service.subscribe_to_sandbox().await;
    (service, nifty)
}

/// Both sandboxes, with GHL's webhooks going nowhere (as if GHL dropped every one).
async fn both_unsubscribed() -> (Service, NiftySandbox) {
    started(&[]).await
}

async fn started(recipes: &[(&str, &str)]) -> (Service, NiftySandbox) {
    let (nifty, mut settings) = crate::nifty_sandbox().await;
    settings.stores = BTreeMap::from([(
        "contacts".to_owned(),
        crate::store_settings(&nifty, "contacts", "email"),
    )]);
    let service = Service::start_with_niftyimages(settings, recipes).await;
    (service, nifty)
}

/// Waits until the contacts store's row for `email` satisfies `test` (`None`: no row).
async fn row_until(nifty: &NiftySandbox, email: &str, test: impl Fn(Option<&Value>) -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = nifty.store_rows("contacts").unwrap();
        let row = rows
            .iter()
            .find(|r| r.values.get("email").and_then(Value::as_str) == Some(email))
            .map(|r| Value::Object(r.values.clone()));
        if test(row.as_ref()) {
            return;
        }
        assert!(Instant::now() < until, "the store never got there: {row:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn add_record_calls(nifty: &NiftySandbox) -> usize {
    nifty
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/Store/AddRecord"))
        .count()
}

#[tokio::test]
async fn a_ghl_contact_reaches_the_data_store_and_leaves_it_when_deleted() {
    let (service, nifty) = both().await;
    let created = service.ghl(
        reqwest::Method::POST,
        "/contacts/",
        json!({"locationId": service.location, "email": "Dee@Example.com", "firstName": "Dee", "tags": ["vip"]}),
    )
    .await;
    let id = created["contact"]["id"].as_str().unwrap().to_owned();
    row_until(&nifty, "dee@example.com", |row| {
        row.is_some_and(|r| r["first_name"] == "Dee" && r["tags"] == "vip")
    })
    .await;

    service
        .ghl(
            reqwest::Method::PUT,
            &format!("/contacts/{id}"),
            json!({"firstName": "Deirdre"}),
        )
        .await;
    row_until(&nifty, "dee@example.com", |row| {
        row.is_some_and(|r| r["first_name"] == "Deirdre")
    })
    .await;
    assert_eq!(
        nifty.store_rows("contacts").unwrap().len(),
        1,
        "an upsert, not a second row"
    );

    service
        .ghl(
            reqwest::Method::DELETE,
            &format!("/contacts/{id}"),
            json!({}),
        )
        .await;
    row_until(&nifty, "dee@example.com", |row| row.is_none()).await;
    service.stop().await;
}

#[tokio::test]
async fn a_change_nifty_ghl_made_comes_back_without_a_loop() {
    let (service, nifty) = both().await;
    // A NiftyImages-side event: the contact-sync recipe upserts it into GHL; GHL's webhook
    // of that change comes back, and the Data Store gets the row once.
    let (status, _) = service
        .events(
            "e-1",
            json!({"id": "e-1", "type": "contact.created", "data": {"contactId": "n-1", "email": "eve@example.com", "name": "Eve Example"}}),
        )
        .await;
    assert_eq!(status, 202);
    row_until(&nifty, "eve@example.com", |row| {
        row.is_some_and(|r| r["first_name"] == "Eve")
    })
    .await;
    let writes = add_record_calls(&nifty);
    assert_eq!(writes, 1);

    // The same content again, from both sides: GHL's upsert changes nothing it reports, and
    // a redelivered-looking ContactUpdate with the same fields makes no second write.
    let (status, _) = service
        .events(
            "e-2",
            json!({"id": "e-2", "type": "contact.updated", "data": {"contactId": "n-1", "email": "eve@example.com", "name": "Eve Example"}}),
        )
        .await;
    assert_eq!(status, 202);
    service.ghl_after_delivery().await;
    // Let any webhook of that upsert arrive and its jobs run.
    tokio::time::sleep(Duration::from_millis(500)).await;
    service.ghl_after_delivery().await;
    assert_eq!(
        add_record_calls(&nifty),
        writes,
        "an unchanged record is not written again"
    );
    let upserts = service
        .sandbox_requests()
        .await
        .iter()
        .filter(|r| r["route"] == "/contacts/upsert")
        .count();
    assert_eq!(
        upserts, 2,
        "one GHL upsert per NiftyImages event, none caused by webhooks"
    );
    service.stop().await;
}

#[tokio::test]
async fn reconciliation_repairs_a_dropped_webhook_and_resumes_from_its_checkpoint() {
    let (service, nifty) = both_unsubscribed().await;
    service
        .ghl(
            reqwest::Method::POST,
            "/contacts/",
            json!({"locationId": service.location, "email": "fay@example.com", "firstName": "Fay"}),
        )
        .await;
    let client = service
        .connections
        .client(&format!("loc_{}", service.location))
        .await
        .unwrap();
    let ingestor = &service.pipeline.as_ref().unwrap().ingestor;
    let governor = engine::governor::Governor::new(engine::governor::Limits::from_settings(
        &engine::config::PipelineSettings::default(),
    ));
    let pass = engine::reconcile::run_pass(
        &client,
        service.store(),
        ingestor,
        &governor,
        &service.location,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!((pass.read, pass.accepted), (1, 1));
    // A governor the reads went around would know of no request at all (it learns GHL's
    // own daily count from the answers' headers, so it may say more than one).
    assert!(
        governor.spent_today(&service.location) >= 1,
        "the contact read went through the location's budget"
    );
    assert!(pass.checkpoint.is_some());
    row_until(&nifty, "fay@example.com", |row| {
        row.is_some_and(|r| r["first_name"] == "Fay")
    })
    .await;

    // Nothing changed since: the next pass reads from the checkpoint and stores nothing new.
    let again = engine::reconcile::run_pass(
        &client,
        service.store(),
        ingestor,
        &governor,
        &service.location,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(again.accepted, 0, "{again:?}");
    service.ghl_after_delivery().await;
    assert_eq!(add_record_calls(&nifty), 1);
    service.stop().await;
}

/// GHL's live TaskCreate webhooks leave out `contactId` and `body` (the sandbox does the same):
/// the task is read back from the API, and the recipe runs on the whole event.
#[tokio::test]
async fn a_task_webhook_without_its_contact_is_completed_from_the_api() {
    const RECIPE: &str = r#"
name = "task-owner"
description = "TaskCreate: note the task's contact and body in the Data Store"

[trigger]
events = ["TaskCreate"]

[[steps]]
action = "niftyimages.stores.upsert"

[steps.input]
store = "contacts"
record = { email = "{{ event.data.contactId | default('nobody') }}@tasks.example", first_name = "{{ event.data.body | default('') }}" }
"#;
    let (service, nifty) = both_with(&[("task-owner.toml", RECIPE)]).await;
    let contact = service.create_ghl_contact("gus@example.com", "Gus").await;
    service.ghl(
        reqwest::Method::POST,
        &format!("/contacts/{contact}/tasks"),
        json!({"title": "Call back", "body": "About the spring offer", "dueDate": "2026-12-01T09:00:00Z", "completed": false}),
    )
    .await;
    let owner = format!("{contact}@tasks.example");
    row_until(&nifty, &owner, |row| {
        row.is_some_and(|r| r["first_name"] == "About the spring offer")
    })
    .await;
    assert!(
        nifty
            .store_rows("contacts")
            .unwrap()
            .iter()
            .all(|r| r.values.get("email") != Some(&json!("nobody@tasks.example"))),
        "the recipe never ran on the incomplete webhook"
    );
    let searches = service
        .sandbox_requests()
        .await
        .iter()
        .filter(|r| r["route"] == "/locations/{locationId}/tasks/search")
        .count();
    assert_eq!(searches, 1, "one read of the task");
    service.stop().await;
}

/// The built-in appointment-timer recipe: an appointment booked in GHL (its AppointmentCreate
/// webhook, times in GHL's `2021-07-16 11:00:00` form) sets the NiftyImages timer named
/// `appointment` to count down to its start.
#[tokio::test]
async fn a_booked_appointment_sets_the_countdown_timer() {
    let (nifty, mut settings) = crate::nifty_sandbox().await;
    let timer = nifty.info().timers[0].clone();
    settings.timers = BTreeMap::from([(
        "appointment".to_owned(),
        serde_json::from_value(json!({"url": timer.image_url, "key": timer.key})).unwrap(),
    )]);
    let service = Service::start_with_niftyimages(settings, &[]).await;
    service.subscribe_to_sandbox().await;
    let contact = service.create_ghl_contact("hal@example.com", "Hal").await;
    let seeded = service
        .http
        .post(format!("{}/_sandbox/seed", service.sandbox.url()))
        .json(&json!({
            "location_id": service.location,
            "emit_webhooks": true,
            "appointments": [{
                "contactId": contact, "title": "Fitting", "startTime": "2026-12-18 15:30:00",
                "endTime": "2026-12-18 16:00:00", "appointmentStatus": "confirmed",
            }],
        }))
        .send()
        .await
        .unwrap();
    assert!(seeded.status().is_success(), "{}", seeded.status());
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let target = nifty.timer_target(&timer.image_url).unwrap();
        if target.target_utc.to_rfc3339() == "2026-12-18T15:30:00+00:00" {
            break;
        }
        assert!(
            Instant::now() < until,
            "the timer never moved to the appointment: {target:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    service.stop().await;
}

/// A recipe that answers a GHL webhook by writing to GHL: GHL sends a webhook for that write
/// too, and the same recipe meets it; the write it would make is the one it made, so it is not
/// made again, and nothing loops.
#[tokio::test]
async fn a_recipe_writing_back_to_ghl_does_not_loop_on_its_own_webhook() {
    const RECIPE: &str = r#"
name = "tag-updated"
description = "ContactUpdate: tag the contact as seen"

[trigger]
events = ["ContactUpdate"]
when = "event.data.email is defined and event.data.email"

[[steps]]
action = "ghl.contacts.upsert"

[steps.input]
email = "{{ event.data.email }}"
tags = ["seen-by-nifty-ghl"]
"#;
    let (service, _nifty) = both_with(&[("tag-updated.toml", RECIPE)]).await;
    let id = service.create_ghl_contact("ivy@example.com", "Ivy").await;
    service
        .ghl(
            reqwest::Method::PUT,
            &format!("/contacts/{id}"),
            json!({"firstName": "Ivy-Mae"}),
        )
        .await;
    let upserts = |requests: &[Value]| {
        requests
            .iter()
            .filter(|r| r["route"] == "/contacts/upsert")
            .count()
    };
    // Until the tag is there, then a while longer: each webhook would make another upsert.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let state = service.ghl_after_delivery().await;
        let tagged = state["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str() && c["tags"] == json!(["seen-by-nifty-ghl"]));
        if tagged {
            break;
        }
        assert!(
            Instant::now() < until,
            "the recipe never tagged the contact"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        service.ghl_after_delivery().await;
    }
    let requests = service.sandbox_requests().await;
    assert_eq!(
        upserts(&requests),
        1,
        "one write for the user's change, none for the webhook of that write"
    );
    service.stop().await;
}
