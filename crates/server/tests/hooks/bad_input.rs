//! What a producer gets wrong is refused with a status and a reason it can act on, and leaves
//! nothing stored.

use serde_json::json;

use crate::{Service, contact};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_are_401_and_a_rotated_secret_still_works() {
    let service = Service::start(2).await;
    let body = serde_json::to_vec(&contact("e1", "n1", "ann@example.com", "Ann Lee")).unwrap();

    let unsigned = service
        .send(
            service
                .http
                .post(format!("{}/hooks/niftyimages", service.url))
                .header("content-type", "application/json")
                .body(body.clone()),
        )
        .await;
    assert_eq!(unsigned.0, 401, "{unsigned:?}");

    let stranger = engine::signing::generate_secret();
    let forged = service.post("m1", &body, &stranger, 0).await;
    assert_eq!(forged.0, 401);
    assert!(
        forged.1["error"]
            .as_str()
            .unwrap()
            .contains("signing secret"),
        "{forged:?}"
    );

    let secret = service.secrets[0].clone();
    let stale = service.post("m1", &body, &secret, 6 * 60).await;
    assert_eq!(stale.0, 401, "older than 5 minutes: {stale:?}");
    let early = service.post("m1", &body, &secret, -6 * 60).await;
    assert_eq!(early.0, 401, "from 6 minutes in the future: {early:?}");

    let mut tampered = body.clone();
    let signed_for = serde_json::to_vec(&contact("e1", "n1", "eve@example.com", "Eve")).unwrap();
    let key = engine::signing::secret_key(&secrecy::SecretString::from(secret.clone())).unwrap();
    let now = chrono::Utc::now().timestamp();
    let signature = engine::signing::sign(&key, "m1", now, &signed_for);
    let swapped = service
        .send(
            service
                .http
                .post(format!("{}/hooks/niftyimages", service.url))
                .header("webhook-id", "m1")
                .header("webhook-timestamp", now.to_string())
                .header("webhook-signature", signature)
                .body(std::mem::take(&mut tampered)),
        )
        .await;
    assert_eq!(swapped.0, 401, "a signature over another body: {swapped:?}");
    assert_eq!(service.stored().await, (0, 0), "nothing refused is stored");

    // The second secret (the one being rotated in) is as good as the first.
    let second = service.secrets[1].clone();
    let rotated = service.post("m1", &body, &second, 0).await;
    assert_eq!(rotated.0, 202, "{rotated:?}");
    let ghl = service.ghl_after_delivery().await;
    assert_eq!(ghl["contacts"].as_array().unwrap().len(), 1);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_are_too_big_not_json_or_off_schema_are_refused_whole() {
    let service = Service::start(1).await;
    let secret = service.secrets[0].clone();

    let big: Vec<_> = (0..2_000)
        .map(|i| {
            contact(
                &format!("big-{i}"),
                &format!("n{i}"),
                &format!("p{i}@example.com"),
                &"x".repeat(100),
            )
        })
        .collect();
    let big = serde_json::to_vec(&big).unwrap();
    assert!(big.len() > 256 * 1024);
    let too_big = service.post("m-big", &big, &secret, 0).await;
    assert_eq!(too_big.0, 413, "{too_big:?}");
    assert!(too_big.1["error"].as_str().unwrap().contains("256 KiB"));

    let not_json = service
        .post("m-text", b"{\"id\": \"e1\",", &secret, 0)
        .await;
    assert_eq!(not_json.0, 400, "{not_json:?}");
    assert!(not_json.1["error"].as_str().unwrap().contains("not JSON"));

    // One bad event in a batch: the whole batch is refused, and the pointer names it.
    let batch = json!([
        contact("ok-1", "n1", "ann@example.com", "Ann Lee"),
        {"id": "bad-1", "type": "campaign.event", "data": {"contactId": "n1", "kind": "stare", "campaignId": "c"}},
    ]);
    let (status, answer) = service.events("m-batch", batch).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["pointer"], "/1/data/kind");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("open, click, submit, preview")
    );

    for (event, pointer) in [
        (
            json!({"id": "x", "type": "contact.created", "data": {"contactId": "n", "name": "N"}}),
            "/data/email",
        ),
        (
            json!({"id": "x", "type": "contact.created", "data": {"contactId": "n", "name": "N", "email": "not-an-email"}}),
            "/data/email",
        ),
        (
            json!({"id": "x", "type": "contact.deleted", "data": {}}),
            "/type",
        ),
        (
            json!({"id": "x", "type": "note.added", "data": {"noteId": "n1", "content": "hi"}}),
            "/data/contactId",
        ),
        (
            json!({"id": "x", "type": "signup", "data": {"email": "a@example.com", "tags": "vip"}}),
            "/data/tags",
        ),
        (
            json!({"id": "x", "type": "signup", "occurred_at": "yesterday", "data": {"email": "a@example.com"}}),
            "/occurred_at",
        ),
        (
            json!({"id": "x", "type": "signup", "location_id": "nope", "data": {"email": "a@example.com"}}),
            "/location_id",
        ),
        (
            json!({"id": "x", "type": "signup", "data": {"email": "a@example.com"}, "extra": 1}),
            "/extra",
        ),
    ] {
        let (status, answer) = service.events("m-one", event.clone()).await;
        assert_eq!(status, 422, "{event}: {answer}");
        assert_eq!(answer["pointer"], pointer, "{event}: {answer}");
    }
    assert_eq!(service.stored().await, (0, 0), "nothing refused is stored");
    service.stop().await;
}
