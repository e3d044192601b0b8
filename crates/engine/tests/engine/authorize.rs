//! Connecting: OAuth for a location or an agency, PITs, and callbacks that must store nothing.

use engine::ConnectionError;
use engine::authorize::{AuthorizeError, Callback, LocationChoice, PitError};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use store::vault::{ConnectionKind, ConnectionState, UserType};

use crate::support::*;

#[tokio::test]
async fn a_location_connection_stores_its_grant_sealed() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        process.set_app(&sandbox).await;
        let saved = process
            .authorize(&sandbox, &["contacts.readonly", "contacts.write"], false)
            .await;
        assert_eq!(saved.len(), 1);
        let connection = &saved[0];
        assert_eq!(
            connection.location_id.as_deref(),
            Some(sandbox.location_id(0))
        );
        assert_eq!(
            connection.company_id.as_deref(),
            Some(sandbox.info().company_id.as_str())
        );
        assert_eq!(
            (connection.kind, connection.user_type),
            (ConnectionKind::OAuth, UserType::Location)
        );
        assert_eq!(
            connection.scopes,
            vec!["contacts.readonly", "contacts.write"]
        );
        assert!(connection.access_expires_at.unwrap() > store::now_millis() + 86_000_000);
        for value in process
            .connections
            .vault()
            .store()
            .sealed_values()
            .await
            .unwrap()
        {
            assert!(
                !value
                    .sealed
                    .contains(connection.access_token.expose_secret()),
                "{place:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_agency_connection_mints_a_token_for_each_chosen_location() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        process.set_app(&sandbox).await;
        let scopes = ["contacts.readonly", "contacts.write", "oauth.write"];
        let saved = process.authorize(&sandbox, &scopes, true).await;
        assert_eq!(
            saved.len(),
            3,
            "{place:?}: the agency and its two locations"
        );
        assert_eq!(saved[0].user_type, UserType::Company);
        for minted in &saved[1..] {
            assert_eq!(minted.kind, ConnectionKind::AgencyMinted);
            assert_eq!(minted.parent_id.as_deref(), Some(saved[0].id.as_str()));
            assert!(!minted.scopes.contains(&"oauth.write".to_string()));
        }
        // A minted token that expires is minted again from the agency token.
        expire_tokens(&sandbox).await;
        let location = saved[2].location_id.clone().unwrap();
        let client = process.connections.client(&saved[2].id).await.unwrap();
        let probe = engine::authorize::probe(&client, &location).await;
        assert!(probe.is_ok(), "{place:?}: {probe:?}");
        let counts = control(&sandbox, Method::GET, "/requests", None).await["counts"].clone();
        // Two at connect; then one refused (the agency token had expired too), and one more
        // after the agency token was refreshed.
        assert_eq!(
            counts["POST /oauth/locationToken"], 4,
            "{place:?}: {counts}"
        );
        assert_eq!(
            counts["POST /oauth/token"], 2,
            "{place:?}: the exchange, and the agency token's refresh"
        );

        let only = process
            .approve(
                &sandbox,
                &scopes,
                true,
                LocationChoice::Only(vec!["notApprovedLocation1".into()]),
            )
            .await;
        let error = process
            .connections
            .complete_authorization(&only)
            .await
            .unwrap_err();
        assert!(matches!(error, AuthorizeError::NotApproved(_)), "{error}");
    }
}

#[tokio::test]
async fn bad_callbacks_are_refused_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        process.set_app(&sandbox).await;
        let scopes = ["contacts.readonly"];
        let stored = || async {
            process
                .connections
                .vault()
                .connections()
                .await
                .unwrap()
                .len()
        };

        let good = process
            .approve(&sandbox, &scopes, false, LocationChoice::All)
            .await;
        let forged = Callback {
            state: Some("forged-state".into()),
            ..good.clone()
        };
        assert!(matches!(
            process.connections.complete_authorization(&forged).await,
            Err(AuthorizeError::UnknownState)
        ));
        let no_state = Callback {
            state: None,
            ..good.clone()
        };
        assert!(matches!(
            process.connections.complete_authorization(&no_state).await,
            Err(AuthorizeError::MissingState)
        ));
        let no_code = Callback {
            code: None,
            ..good.clone()
        };
        assert!(matches!(
            process.connections.complete_authorization(&no_code).await,
            Err(AuthorizeError::MissingCode)
        ));
        assert_eq!(stored().await, 0, "{place:?}");
        // The state was used up by the attempt above: the good callback is now a replay.
        assert!(matches!(
            process.connections.complete_authorization(&good).await,
            Err(AuthorizeError::UnknownState)
        ));

        let denied = process
            .approve(&sandbox, &scopes, false, LocationChoice::All)
            .await;
        let denied = Callback {
            code: None,
            error: Some("access_denied".into()),
            ..denied
        };
        let error = process
            .connections
            .complete_authorization(&denied)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("access_denied"));

        // GHL's token endpoint fails: nothing is stored and the message says so.
        let failing = process
            .approve(&sandbox, &scopes, false, LocationChoice::All)
            .await;
        control(
            &sandbox,
            Method::PATCH,
            "/settings",
            Some(json!({"faults": {"error_rate": 1.0}})),
        )
        .await;
        let error = process
            .connections
            .complete_authorization(&failing)
            .await
            .unwrap_err();
        assert!(
            matches!(error, AuthorizeError::Exchange(_)) && !error.is_bad_request(),
            "{error}"
        );
        control(
            &sandbox,
            Method::PATCH,
            "/settings",
            Some(json!({"faults": {"error_rate": 0.0}})),
        )
        .await;
        assert_eq!(stored().await, 0, "{place:?}");

        // A code used twice is refused by GHL (invalid_grant), and the first use stands.
        let once = process
            .approve(&sandbox, &scopes, false, LocationChoice::All)
            .await;
        let replay_state = process
            .approve(&sandbox, &scopes, false, LocationChoice::All)
            .await;
        process
            .connections
            .complete_authorization(&once)
            .await
            .unwrap();
        let reused = Callback {
            code: once.code.clone(),
            ..replay_state
        };
        let error = process
            .connections
            .complete_authorization(&reused)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("invalid_grant"), "{error}");
        assert_eq!(stored().await, 1);
    }
}

#[tokio::test]
async fn a_pit_is_checked_with_one_read_and_a_bad_one_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        let scopes = vec![
            "contacts.readonly".to_string(),
            "contacts.write".to_string(),
        ];
        let wrong = process
            .connections
            .connect_pit(
                sandbox.location_id(0),
                SecretString::from(sandbox.pit(1).to_owned()),
                scopes.clone(),
                true,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(wrong, PitError::Refused(ghl::GhlError::Forbidden { .. })),
            "{wrong}"
        );
        assert!(
            process
                .connections
                .vault()
                .connections()
                .await
                .unwrap()
                .is_empty(),
            "{place:?}"
        );
        let saved = process
            .connections
            .connect_pit(
                sandbox.location_id(0),
                SecretString::from(sandbox.pit(0).to_owned()),
                scopes,
                true,
            )
            .await
            .unwrap();
        assert_eq!(
            (saved.kind, saved.access_expires_at),
            (ConnectionKind::Pit, None)
        );
        let client = process.connections.client(&saved.id).await.unwrap();
        engine::authorize::probe(&client, sandbox.location_id(0))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_expired_state_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        process.set_app(&sandbox).await;
        let callback = process
            .approve(&sandbox, &["contacts.readonly"], false, LocationChoice::All)
            .await;
        // The user took 16 minutes to approve: the stored state is put back as that old.
        let store = process.connections.vault().store();
        let hash = engine::authorize::state_hash(callback.state.as_deref().unwrap());
        let mut row = store.take_oauth_state(&hash).await.unwrap().unwrap();
        let now = store::now_millis();
        row.created_at = now - 16 * 60 * 1000;
        row.expires_at = now - 60 * 1000;
        store.put_oauth_state(&row).await.unwrap();

        let error = process
            .connections
            .complete_authorization(&callback)
            .await
            .unwrap_err();
        assert!(
            matches!(error, AuthorizeError::ExpiredState) && error.is_bad_request(),
            "{place:?}: {error}"
        );
        assert!(
            error.to_string().contains("expired") && error.to_string().contains("start again"),
            "{error}"
        );
        assert!(
            process
                .connections
                .vault()
                .connections()
                .await
                .unwrap()
                .is_empty(),
            "{place:?}: nothing stored"
        );
        let counts = control(&sandbox, Method::GET, "/requests", None).await["counts"].clone();
        assert!(
            counts.get("POST /oauth/token").is_none(),
            "{place:?}: the code was never exchanged: {counts}"
        );
        // The state is spent: the same callback again is unknown.
        assert!(matches!(
            process.connections.complete_authorization(&callback).await,
            Err(AuthorizeError::UnknownState)
        ));
    }
}

#[tokio::test]
async fn a_pit_ghl_stops_taking_needs_a_new_one_and_later_calls_fail_without_calling_ghl() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        let location = sandbox.location_id(0).to_owned();
        let saved = process
            .connections
            .connect_pit(
                &location,
                SecretString::from(sandbox.pit(0).to_owned()),
                vec!["contacts.readonly".into()],
                true,
            )
            .await
            .unwrap();
        let client = process.connections.client(&saved.id).await.unwrap();
        engine::authorize::probe(&client, &location).await.unwrap();

        // The user rotates the PIT in GHL: the stored one now gets 401.
        control(
            &sandbox,
            Method::POST,
            "/pits/revoke",
            Some(json!({"pit": sandbox.pit(0)})),
        )
        .await;
        let error = engine::authorize::probe(&client, &location)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("connect --pit"),
            "{place:?}: says how to fix it: {error}"
        );
        let stored = process
            .connections
            .vault()
            .connection(&saved.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, ConnectionState::NeedsReauth, "{place:?}");
        assert!(
            stored
                .state_reason
                .as_deref()
                .is_some_and(|r| r.contains("refused the Private Integration Token")),
            "{:?}",
            stored.state_reason
        );

        // From now on, nothing is sent to GHL until the user gives a new token.
        let before = requests_to(&sandbox, "/contacts/search/duplicate").await;
        let refused = process.connections.client(&saved.id).await.unwrap_err();
        assert!(
            matches!(refused, ConnectionError::PitRejected { .. }) && refused.needs_user(),
            "{refused}"
        );
        assert!(refused.to_string().contains("connect --pit"), "{refused}");
        let again = engine::authorize::probe(&client, &location)
            .await
            .unwrap_err();
        assert!(again.to_string().contains("connect --pit"), "{again}");
        let after = requests_to(&sandbox, "/contacts/search/duplicate").await;
        assert_eq!(before, after, "{place:?}: failed fast, without a call");

        // A new PIT resumes the connection.
        let fresh = control(
            &sandbox,
            Method::POST,
            "/pits",
            Some(json!({"location_id": location, "scopes": ["contacts.readonly"]})),
        )
        .await;
        process
            .connections
            .connect_pit(
                &location,
                SecretString::from(fresh["pit"].as_str().unwrap().to_owned()),
                vec!["contacts.readonly".into()],
                true,
            )
            .await
            .unwrap();
        engine::authorize::probe(&client, &location).await.unwrap();
    }
}
