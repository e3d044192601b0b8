//! Tokens like GHL's: scopes, locations, expiry, rotation, agency tokens.

use ghl::contacts::{ContactFields, CreateContact};
use ghl::{GhlError, UnauthorizedReason};
use reqwest::Method;
use serde_json::json;

use crate::support::{Harness, email};

fn contact(location_id: &str) -> CreateContact {
    CreateContact {
        location_id: location_id.to_owned(),
        fields: ContactFields {
            email: Some(email("scope")),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn read_only_token_cannot_write_and_says_which_scope_is_missing() {
    let h = Harness::start().await;
    let grant = h.oauth_grant("contacts.readonly", &[]).await;
    assert_eq!(grant.scopes(), vec!["contacts.readonly"]);
    let read_only = h.client_with_token(grant.access_token.expose());
    let error = read_only
        .create_contact(&contact(&h.location(0)))
        .await
        .unwrap_err();
    match &error {
        GhlError::Unauthorized { reason, details } => {
            assert_eq!(*reason, UnauthorizedReason::MissingScope);
            assert_eq!(details.status, 401);
            assert_eq!(
                details.messages,
                vec!["The token is not authorized for this scope."]
            );
        }
        other => panic!("expected a scope error, got {other:?}"),
    }
    assert!(
        h.state(0).await["contacts"].as_array().unwrap().is_empty(),
        "nothing was written"
    );
    let created = h
        .client(0)
        .create_contact(&contact(&h.location(0)))
        .await
        .unwrap();
    assert_eq!(
        read_only.get_contact(&created.id).await.unwrap().id,
        created.id,
        "reads still work"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn a_token_for_another_location_gets_403() {
    let h = Harness::start().await;
    let theirs = h
        .client(1)
        .create_contact(&contact(&h.location(1)))
        .await
        .unwrap();
    let mine = h.client(0);
    assert!(matches!(
        mine.get_contact(&theirs.id).await,
        Err(GhlError::Forbidden { .. })
    ));
    let error = mine
        .create_contact(&contact(&h.location(1)))
        .await
        .unwrap_err();
    let GhlError::Forbidden { details } = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        details.messages,
        vec!["The token does not have access to this location"]
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn expired_and_unknown_tokens_get_401_invalid_token() {
    let h = Harness::start().await;
    let grant = h.oauth_grant("contacts.readonly contacts.write", &[]).await;
    let client = h.client_with_token(grant.access_token.expose());
    let created = client
        .create_contact(&contact(&h.location(0)))
        .await
        .unwrap();
    h.control(Method::POST, "/tokens/expire", Some(json!({})))
        .await;
    let error = client
        .create_contact(&contact(&h.location(0)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GhlError::Unauthorized {
                reason: UnauthorizedReason::InvalidToken,
                ..
            }
        ),
        "{error:?}"
    );
    let stranger = h.client_with_token("pit-00000000-0000-0000-0000-000000000000");
    assert!(matches!(
        stranger.get_contact("ocQHyuzHvysMo5N5VsXc").await,
        Err(GhlError::Unauthorized {
            reason: UnauthorizedReason::InvalidToken,
            ..
        })
    ));
    // Private Integration Tokens do not expire with OAuth tokens.
    assert_eq!(
        h.client(0).get_contact(&created.id).await.unwrap().id,
        created.id
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn token_lifetime_follows_settings_and_the_virtual_clock() {
    let h = Harness::start().await;
    h.settings(json!({"access_token_lifetime_secs": 60})).await;
    let grant = h.oauth_grant("contacts.readonly", &[]).await;
    assert_eq!(grant.expires_in, Some(60));
    let client = h.client_with_token(grant.access_token.expose());
    let query = ghl::search::DuplicateQuery {
        location_id: h.location(0),
        email: Some(email("nobody")),
        phone: None,
    };
    assert!(client.find_duplicate_contact(&query).await.is_ok());
    h.control(Method::POST, "/clock/advance", Some(json!({"ms": 61_000})))
        .await;
    assert!(matches!(
        client.find_duplicate_contact(&query).await,
        Err(GhlError::Unauthorized { .. })
    ));
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_is_invalid_grant() {
    let h = Harness::start().await;
    let grant = h.oauth_grant("contacts.readonly", &[]).await;
    let first = grant.refresh_token.clone().unwrap();
    let client = h.client_with_token("unused");
    let second = client
        .refresh_access_token(&h.app(), &first, None)
        .await
        .unwrap();
    let next = second.refresh_token.clone().unwrap();
    assert_ne!(next, first);
    let reuse = client
        .refresh_access_token(&h.app(), &first, None)
        .await
        .unwrap_err();
    match &reuse {
        GhlError::OAuth { error, details, .. } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(details.status, 400);
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    assert!(
        client
            .refresh_access_token(&h.app(), &next, None)
            .await
            .is_ok()
    );
    let history = h.control(Method::GET, "/oauth/refresh-tokens", None).await;
    assert_eq!(history["invalidGrants"], 1);
    assert_eq!(history["refreshTokens"][0]["reuse_attempts"], 1);

    let wrong_secret = ghl::oauth::ClientCredentials::new(h.app().client_id, "not-the-secret");
    let error = client
        .refresh_access_token(&wrong_secret, &next, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, GhlError::OAuth { ref error, .. } if error == "invalid_client"),
        "{error:?}"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn agency_tokens_cannot_call_contacts_but_mint_location_tokens() {
    let h = Harness::start().await;
    let agency = h
        .oauth_grant("contacts.readonly oauth.write", &[("user_type", "Company")])
        .await;
    assert_eq!(agency.user_type, Some(ghl::oauth::UserType::Company));
    assert_eq!(agency.approved_locations.len(), 2);
    let agency_client = h.client_with_token(agency.access_token.expose());
    let error = agency_client
        .get_contact("ocQHyuzHvysMo5N5VsXc")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GhlError::Unauthorized {
                reason: UnauthorizedReason::MissingScope,
                ..
            }
        ),
        "{error:?}"
    );
    let minted = agency_client
        .location_access_token(agency.company_id.as_deref().unwrap(), &h.location(1))
        .await
        .unwrap();
    assert_eq!(minted.scopes(), vec!["contacts.readonly"]);
    let location_client = h.client_with_token(minted.access_token.expose());
    assert!(
        location_client
            .create_contact(&contact(&h.location(1)))
            .await
            .is_err_and(|e| matches!(
                e,
                GhlError::Unauthorized {
                    reason: UnauthorizedReason::MissingScope,
                    ..
                }
            ))
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn the_authorize_page_refuses_bad_requests_and_keeps_state() {
    let h = Harness::start().await;
    let info = h.sandbox.info();
    let base = info.authorize_url.clone();
    let get = |query: String| {
        let http = h.http.clone();
        let url = format!("{base}?{query}");
        async move { http.get(url).send().await.unwrap() }
    };
    let unknown_client = get(
        "response_type=code&client_id=nope&redirect_uri=http://x/cb&scope=contacts.readonly".into(),
    )
    .await;
    assert_eq!(unknown_client.status(), 400);
    let no_scope = get(format!(
        "response_type=code&client_id={}&redirect_uri=http://x/cb",
        info.client_id
    ))
    .await;
    assert_eq!(no_scope.status(), 400);
    let ok = get(format!(
        "response_type=code&client_id={}&redirect_uri=http%3A%2F%2Fx%2Fcb&scope=contacts.readonly&state=s%201&location_id={}",
        info.client_id,
        h.location(1)
    ))
    .await;
    assert_eq!(ok.status(), 302);
    let location = ok.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("http://x/cb?code="), "{location}");
    assert!(location.ends_with("&state=s+1"), "{location}");
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn the_client_sends_ghl_headers_and_never_logs_tokens() {
    let h = Harness::start().await;
    let client = h.client(0);
    let debug = format!("{client:?}");
    assert!(!debug.contains(h.sandbox.pit(0)), "{debug}");
    client.custom_fields(&h.location(0), None).await.unwrap();
    // A raw call without the Version header is refused the way GHL refuses it.
    let response = h
        .http
        .get(format!(
            "{}/locations/{}/customFields",
            h.sandbox.url(),
            h.location(0)
        ))
        .bearer_auth(h.sandbox.pit(0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let log = h.requests().await;
    let first = &log["requests"][0];
    assert!(
        first["user_agent"]
            .as_str()
            .unwrap()
            .starts_with("nifty-ghl/"),
        "{first}"
    );
    assert!(
        !log.to_string().contains(h.sandbox.pit(0)),
        "the request log never holds tokens"
    );
    h.assert_log_matches_spec().await;
}

/// A token source that knows its scopes: a write it was not granted is refused unsent.
#[derive(Debug)]
struct ReadOnlyToken(String);

#[async_trait::async_trait]
impl ghl::TokenSource for ReadOnlyToken {
    async fn access_token(&self) -> Result<ghl::AccessToken, GhlError> {
        Ok(ghl::AccessToken::new(self.0.clone()))
    }
    fn granted_scopes(&self) -> Option<Vec<String>> {
        Some(vec!["contacts.readonly".into()])
    }
}

#[tokio::test]
async fn a_scope_the_connection_lacks_is_refused_before_sending() {
    let h = Harness::start().await;
    let config = ghl::ClientConfig::with_base_url(h.sandbox.url()).unwrap();
    let client = ghl::GhlClient::new(
        config,
        std::sync::Arc::new(ReadOnlyToken(h.sandbox.pit(0).to_owned())),
    )
    .unwrap();
    let error = client
        .create_contact(&contact(&h.location(0)))
        .await
        .unwrap_err();
    assert!(
        matches!(error, GhlError::ScopeNotGranted { ref scope } if scope == "contacts.write"),
        "{error:?}"
    );
    assert!(error.to_string().contains("`contacts.write`"));
    assert!(!error.is_transient());
    assert!(
        h.requests().await["counts"].as_object().unwrap().is_empty(),
        "nothing was sent"
    );
    assert!(
        client
            .find_duplicate_contact(&ghl::search::DuplicateQuery {
                location_id: h.location(0),
                email: Some(email("x")),
                phone: None
            })
            .await
            .is_ok()
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn oauth_tokens_never_reach_the_request_log() {
    let h = Harness::start().await;
    let grant = h.oauth_grant("contacts.readonly", &[]).await;
    let refreshed = h
        .client_with_token("unused")
        .refresh_access_token(&h.app(), grant.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    let log = h.requests().await.to_string();
    for secret in [
        grant.access_token.expose(),
        grant.refresh_token.as_ref().unwrap().expose(),
        refreshed.access_token.expose(),
        h.sandbox.info().client_secret.as_str(),
    ] {
        assert!(
            !log.contains(secret),
            "a token or secret is in the request log"
        );
    }
    assert!(
        log.contains("[redacted]"),
        "the log still shows that tokens were there"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn a_pit_without_the_write_scope_gets_ghls_401() {
    let h = Harness::start().await;
    let created = h
        .control(
            Method::POST,
            "/pits",
            Some(json!({"location_id": h.location(0), "scopes": ["contacts.readonly"]})),
        )
        .await;
    let read_only = h.client_with_token(created["pit"].as_str().unwrap());
    let error = read_only
        .create_contact(&contact(&h.location(0)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GhlError::Unauthorized {
                reason: UnauthorizedReason::MissingScope,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        read_only
            .custom_fields(&h.location(0), None)
            .await
            .is_err_and(|e| matches!(
                e,
                GhlError::Unauthorized {
                    reason: UnauthorizedReason::MissingScope,
                    ..
                }
            ))
    );
    h.assert_log_matches_spec().await;
}
