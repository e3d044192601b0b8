//! The vault on both engines: sealed at rest, wrong keys refused, rotation, leases.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use store::keyring::{KeySource, generate_key};
use store::vault::{
    ConnectionKind, ConnectionState, NewConnection, NewTokens, UserType, VaultError,
};
use store::{OAuthStateRow, Vault};

use crate::support::engines;

fn keys() -> KeySource {
    KeySource::env(generate_key().unwrap())
}

fn location_connection(location: &str, token: &str, refresh: &str) -> NewConnection {
    NewConnection {
        kind: ConnectionKind::OAuth,
        user_type: UserType::Location,
        location_id: Some(location.to_owned()),
        company_id: Some("company1234567890abc".into()),
        parent_id: None,
        scopes: vec!["contacts.readonly".into(), "contacts.write".into()],
        access_token: SecretString::from(token.to_owned()),
        refresh_token: Some(SecretString::from(refresh.to_owned())),
        access_expires_at: Some(1_000_000),
        user_id: Some("user".into()),
    }
}

#[tokio::test]
async fn the_vault_keeps_tokens_sealed_at_rest_and_opens_them() {
    for engine in engines().await {
        let source = keys();
        let vault = Vault::open(engine.store.clone(), source.clone())
            .await
            .unwrap();
        let access = "sbx-at-PLAINTEXT-ACCESS-TOKEN-0001";
        let refresh = "sbx-rt-PLAINTEXT-REFRESH-TOKEN-0001";
        let secret = "APP-CLIENT-SECRET-PLAINTEXT-0001";
        vault
            .set_app_credentials("app-1", &SecretString::from(secret.to_owned()), 1)
            .await
            .unwrap();
        let saved = vault
            .save_connection(
                location_connection("LOCATIONaaaaaaaaaaa1", access, refresh),
                5,
            )
            .await
            .unwrap();
        assert_eq!(saved.id, "loc_LOCATIONaaaaaaaaaaa1");
        assert_eq!(
            saved.access_token.expose_secret(),
            access,
            "{}",
            engine.name
        );
        assert_eq!(
            saved.refresh_token.as_ref().unwrap().expose_secret(),
            refresh
        );
        assert_eq!(
            vault
                .app_credentials()
                .await
                .unwrap()
                .unwrap()
                .1
                .expose_secret(),
            secret
        );
        let debug = format!("{saved:?} {vault:?}");
        assert!(
            !debug.contains(access) && !debug.contains(refresh),
            "{debug}"
        );

        for value in engine.store.sealed_values().await.unwrap() {
            assert!(value.sealed.starts_with("v1."), "{}", engine.name);
            assert!(!value.sealed.contains("PLAINTEXT"));
        }
        if let Some((_, path)) = &engine.file {
            // The database file and its write-ahead log, as bytes: no secret in plain text.
            let mut bytes = std::fs::read(path).unwrap();
            bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
            let haystack = String::from_utf8_lossy(&bytes);
            assert!(
                haystack.contains("LOCATIONaaaaaaaaaaa1"),
                "the test reads the real file"
            );
            for needle in [access, refresh, secret, "PLAINTEXT"] {
                assert!(
                    !haystack.contains(needle),
                    "{needle} found in the database file"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_or_corrupt_master_key_is_refused_with_a_clear_message() {
    for engine in engines().await {
        let vault = Vault::open(engine.store.clone(), keys()).await.unwrap();
        vault
            .save_connection(
                location_connection(
                    "LOCATIONbbbbbbbbbbb1",
                    "token-aaaaaaaaaaaa",
                    "refresh-bbbbbbbbbbbb",
                ),
                1,
            )
            .await
            .unwrap();
        let error = Vault::open(engine.store.clone(), keys()).await.unwrap_err();
        assert!(
            matches!(error, VaultError::WrongKey { .. }),
            "{}: {error}",
            engine.name
        );
        assert!(error.to_string().contains("does not open the vault"));
        let corrupt = Vault::open(engine.store.clone(), KeySource::env("not-a-key"))
            .await
            .unwrap_err();
        assert!(corrupt.to_string().contains("not base64"), "{corrupt}");
    }
}

#[tokio::test]
async fn values_cannot_be_moved_between_rows() {
    for engine in engines().await {
        let vault = Vault::open(engine.store.clone(), keys()).await.unwrap();
        vault
            .save_connection(
                location_connection(
                    "LOCATIONccccccccccc1",
                    "token-one-aaaaaaaaa",
                    "refresh-one-aaaaaaa",
                ),
                1,
            )
            .await
            .unwrap();
        vault
            .save_connection(
                location_connection(
                    "LOCATIONccccccccccc2",
                    "token-two-aaaaaaaaa",
                    "refresh-two-aaaaaaa",
                ),
                1,
            )
            .await
            .unwrap();
        let values = engine.store.sealed_values().await.unwrap();
        let first = values
            .iter()
            .find(|v| v.row_id.ends_with('1') && v.column == "access_token")
            .unwrap();
        let second = values
            .iter()
            .find(|v| v.row_id.ends_with('2') && v.column == "access_token")
            .unwrap();
        assert!(
            engine
                .store
                .replace_sealed(second, &first.sealed)
                .await
                .unwrap()
        );
        let error = vault.connection(&second.row_id).await.unwrap_err();
        assert!(
            error.to_string().contains("cannot be opened"),
            "{}: {error}",
            engine.name
        );
    }
}

#[tokio::test]
async fn oauth_states_work_once() {
    for engine in engines().await {
        let row = OAuthStateRow {
            state_hash: "h1".into(),
            request: "{}".into(),
            created_at: 1,
            expires_at: 100,
        };
        engine.store.put_oauth_state(&row).await.unwrap();
        assert_eq!(
            engine.store.take_oauth_state("h1").await.unwrap(),
            Some(row)
        );
        assert_eq!(
            engine.store.take_oauth_state("h1").await.unwrap(),
            None,
            "{}",
            engine.name
        );
        engine
            .store
            .put_oauth_state(&OAuthStateRow {
                state_hash: "old".into(),
                request: "{}".into(),
                created_at: 1,
                expires_at: 5,
            })
            .await
            .unwrap();
        assert_eq!(engine.store.purge_oauth_states(10).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn one_refresh_lease_at_a_time_and_commits_fenced_by_version() {
    for engine in engines().await {
        let vault = Arc::new(Vault::open(engine.store.clone(), keys()).await.unwrap());
        let saved = vault
            .save_connection(
                location_connection(
                    "LOCATIONddddddddddd1",
                    "token-0-aaaaaaaaaaa",
                    "refresh-0-aaaaaaaaa",
                ),
                1,
            )
            .await
            .unwrap();
        let mut attempts = tokio::task::JoinSet::new();
        for worker in 0..16 {
            let store = engine.store.clone();
            let id = saved.id.clone();
            attempts.spawn(async move {
                store
                    .try_lease_refresh(&id, &format!("worker-{worker}"), 100, 60_100)
                    .await
                    .unwrap()
            });
        }
        let mut winners = 0;
        while let Some(won) = attempts.join_next().await {
            winners += usize::from(won.unwrap());
        }
        assert_eq!(winners, 1, "{}: exactly one lease", engine.name);
        assert!(
            !engine
                .store
                .try_lease_refresh(&saved.id, "late", 200, 60_200)
                .await
                .unwrap()
        );
        assert!(
            engine
                .store
                .try_lease_refresh(&saved.id, "after-expiry", 60_101, 120_000)
                .await
                .unwrap(),
            "an expired lease can be taken"
        );

        let tokens = NewTokens {
            access_token: SecretString::from("token-1-aaaaaaaaaaa".to_owned()),
            refresh_token: Some(SecretString::from("refresh-1-aaaaaaaaa".to_owned())),
            access_expires_at: Some(2_000_000),
            scopes: saved.scopes.clone(),
        };
        let committed = vault.commit_refresh(&saved.id, saved.token_version, &tokens, 300);
        assert!(committed.await.unwrap());
        let stale = vault.commit_refresh(&saved.id, saved.token_version, &tokens, 301);
        assert!(!stale.await.unwrap(), "a stale version loses");
        let now = vault.connection(&saved.id).await.unwrap().unwrap();
        assert_eq!(now.token_version, saved.token_version + 1);
        assert_eq!(
            now.refresh_token.unwrap().expose_secret(),
            "refresh-1-aaaaaaaaa"
        );
        assert_eq!(
            (now.refresh_count, now.refresh_owner, now.last_refresh_at),
            (1, None, Some(300))
        );

        engine
            .store
            .set_connection_state(&saved.id, "needs_reauth", Some("invalid_grant"), 400, None)
            .await
            .unwrap();
        let paused = vault.connection(&saved.id).await.unwrap().unwrap();
        assert_eq!(paused.state, ConnectionState::NeedsReauth);
        let reconnected = vault
            .save_connection(
                location_connection(
                    "LOCATIONddddddddddd1",
                    "token-2-aaaaaaaaaaa",
                    "refresh-2-aaaaaaaaa",
                ),
                500,
            )
            .await
            .unwrap();
        assert_eq!(
            reconnected.state,
            ConnectionState::Ok,
            "a reconnect resumes the connection"
        );
        assert_eq!(reconnected.token_version, now.token_version + 1);
        assert_eq!(
            reconnected.created_at, 1,
            "the connection keeps its history"
        );
        assert!(engine.store.delete_connection(&saved.id).await.unwrap());
        assert!(vault.connection(&saved.id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn key_rotation_reseals_everything_under_the_new_key() {
    for engine in engines().await {
        let old = generate_key().unwrap();
        let vault = Vault::open(engine.store.clone(), KeySource::env(old.clone()))
            .await
            .unwrap();
        vault
            .set_app_credentials(
                "app",
                &SecretString::from("client-secret-aaaa".to_owned()),
                1,
            )
            .await
            .unwrap();
        vault
            .put_secret(
                "hooks.secrets",
                &SecretString::from("whsec_aG9vay1zZWNyZXQ=".to_owned()),
                1,
            )
            .await
            .unwrap();
        for i in 0..3 {
            vault
                .save_connection(
                    location_connection(
                        &format!("LOCATIONeeeeeeeeeee{i}"),
                        "token-x-aaaaaaaaaaa",
                        "refresh-x-aaaaaaaaa",
                    ),
                    1,
                )
                .await
                .unwrap();
        }
        let new = generate_key().unwrap();
        let rotating = Vault::open(engine.store.clone(), KeySource::env(format!("{new},{old}")))
            .await
            .unwrap();
        let report = rotating.reseal_all().await.unwrap();
        assert_eq!(
            report.resealed, 8,
            "{}: 1 client secret + 1 named secret + 3 × (access + refresh)",
            engine.name
        );
        let new_only = Vault::open(engine.store.clone(), KeySource::env(new))
            .await
            .unwrap();
        assert_eq!(new_only.connections().await.unwrap().len(), 3);
        assert_eq!(
            new_only
                .app_credentials()
                .await
                .unwrap()
                .unwrap()
                .1
                .expose_secret(),
            "client-secret-aaaa"
        );
        assert_eq!(
            new_only
                .secret("hooks.secrets")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "whsec_aG9vay1zZWNyZXQ="
        );
        assert!(matches!(
            Vault::open(engine.store.clone(), KeySource::env(old)).await,
            Err(VaultError::WrongKey { .. })
        ));
        assert_eq!(
            new_only.reseal_all().await.unwrap().resealed,
            0,
            "nothing left to move"
        );
    }
}

/// A running process keeps working while another rotates the key file under it: it reads the
/// key file again when it meets a value sealed with a key it does not know yet.
#[tokio::test]
async fn a_running_vault_follows_a_rotation_made_by_another_process() {
    for engine in engines().await {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        assert!(store::keyring::create_key_file(&path).unwrap());
        let running = Vault::open(engine.store.clone(), KeySource::File(path.clone()))
            .await
            .unwrap();
        running
            .save_connection(
                location_connection(
                    "LOCATIONfffffffffff1",
                    "token-before-rotation",
                    "refresh-before-rotation",
                ),
                1,
            )
            .await
            .unwrap();

        let rotating = Vault::open(engine.store.clone(), KeySource::File(path.clone()))
            .await
            .unwrap();
        let old_ids = running.keys().ids();
        let report = rotating.rotate_key_file().await.unwrap();
        assert_eq!(report.resealed, 2, "{}: access + refresh", engine.name);
        assert!(!old_ids.contains(&report.active_key));
        assert_eq!(
            store::keyring::read_key_file(&path).unwrap().len(),
            1,
            "the old key left the file"
        );

        let read = running
            .connection("loc_LOCATIONfffffffffff1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            read.access_token.expose_secret(),
            "token-before-rotation",
            "{}",
            engine.name
        );
        assert_eq!(
            running.keys().ids(),
            vec![rotating.keys().active().id().to_owned()]
        );

        // What the running process seals after the rotation uses the new key: a process
        // holding only the new key reads everything.
        running
            .save_connection(
                location_connection(
                    "LOCATIONfffffffffff2",
                    "token-after-rotation",
                    "refresh-after-rotation",
                ),
                1,
            )
            .await
            .unwrap();
        let fresh = Vault::open(engine.store.clone(), KeySource::File(path.clone()))
            .await
            .unwrap();
        assert_eq!(
            fresh.connections().await.unwrap().len(),
            2,
            "{}",
            engine.name
        );
        assert_eq!(
            fresh.reseal_all().await.unwrap().resealed,
            0,
            "nothing sealed with an old key"
        );
    }
}

#[tokio::test]
async fn named_secrets_round_trip_sealed_and_listed_without_values() {
    for engine in engines().await {
        let vault = Vault::open(engine.store.clone(), keys()).await.unwrap();
        let key = "NAMED-SECRET-PLAINTEXT-store-key-0001";
        let hooks = "whsec_TkFNRUQtU0VDUkVULVBMQUlOVEVYVA==\nwhsec_b2xkZXItc2VjcmV0";
        vault
            .put_secret(
                "niftyimages.stores.contacts.key",
                &SecretString::from(key.to_owned()),
                10,
            )
            .await
            .unwrap();
        vault
            .put_secret("hooks.secrets", &SecretString::from(hooks.to_owned()), 11)
            .await
            .unwrap();
        assert_eq!(
            vault
                .secret("niftyimages.stores.contacts.key")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            key,
            "{}",
            engine.name
        );
        assert_eq!(
            vault
                .secret("hooks.secrets")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            hooks,
            "newlines survive"
        );
        assert!(
            vault
                .secret("niftyimages.account_key")
                .await
                .unwrap()
                .is_none()
        );

        // put replaces: one row, the new value, the new time.
        vault
            .put_secret(
                "niftyimages.stores.contacts.key",
                &SecretString::from("NAMED-SECRET-PLAINTEXT-replaced".to_owned()),
                20,
            )
            .await
            .unwrap();
        let listed = vault.secret_names().await.unwrap();
        let active = vault.keys().active().id().to_owned();
        assert_eq!(
            listed
                .iter()
                .map(|s| (s.name.as_str(), s.key_id.as_str(), s.updated_at))
                .collect::<Vec<_>>(),
            vec![
                ("hooks.secrets", active.as_str(), 11),
                ("niftyimages.stores.contacts.key", active.as_str(), 20),
            ],
            "{}: sorted by name, with the key and time, no value",
            engine.name
        );
        assert!(!format!("{listed:?}").contains("PLAINTEXT"));
        assert_eq!(
            vault
                .secret("niftyimages.stores.contacts.key")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "NAMED-SECRET-PLAINTEXT-replaced"
        );

        // At rest: sealed, the key id beside it.
        let row = engine.store.secret("hooks.secrets").await.unwrap().unwrap();
        assert!(
            row.value.starts_with(&format!("v1.{active}.")),
            "{}",
            row.value
        );
        assert!(!row.value.contains("whsec_"));
        if let Some((_, path)) = &engine.file {
            let mut bytes = std::fs::read(path).unwrap();
            bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
            let haystack = String::from_utf8_lossy(&bytes);
            assert!(
                haystack.contains("niftyimages.stores.contacts.key"),
                "the test reads the real file"
            );
            for needle in ["PLAINTEXT", "whsec_", "TkFNRUQtU0VDUkVU"] {
                assert!(!haystack.contains(needle), "{needle} in the database file");
            }
        }

        // Empty values and bad names are refused; nothing is stored for them.
        assert!(matches!(
            vault
                .put_secret("hooks.secrets", &SecretString::from(String::new()), 30)
                .await,
            Err(VaultError::EmptySecret { .. })
        ));
        assert!(matches!(
            vault
                .put_secret("two words", &SecretString::from("x".to_owned()), 30)
                .await,
            Err(VaultError::BadSecretName { .. })
        ));

        assert!(vault.delete_secret("hooks.secrets").await.unwrap());
        assert!(!vault.delete_secret("hooks.secrets").await.unwrap());
        assert!(vault.secret("hooks.secrets").await.unwrap().is_none());
        assert_eq!(vault.secret_names().await.unwrap().len(), 1);

        // A vault opened with another key refuses at once: it cannot open what is there.
        assert!(matches!(
            Vault::open(engine.store.clone(), keys()).await,
            Err(VaultError::WrongKey { .. })
        ));
    }
}

#[tokio::test]
async fn a_named_secret_moved_to_another_name_does_not_open() {
    for engine in engines().await {
        let vault = Vault::open(engine.store.clone(), keys()).await.unwrap();
        vault
            .put_secret(
                "niftyimages.account_key",
                &SecretString::from("account-key-aaaaaaaaaaaa".to_owned()),
                1,
            )
            .await
            .unwrap();
        vault
            .put_secret(
                "niftyimages.stores.contacts.key",
                &SecretString::from("store-key-bbbbbbbbbbbbbb".to_owned()),
                1,
            )
            .await
            .unwrap();
        let a = engine
            .store
            .secret("niftyimages.account_key")
            .await
            .unwrap()
            .unwrap();
        // Copied in the database under the other name, with the same key id and time.
        engine
            .store
            .put_secret(&store::SecretRow {
                name: "niftyimages.stores.contacts.key".into(),
                ..a.clone()
            })
            .await
            .unwrap();
        let error = vault
            .secret("niftyimages.stores.contacts.key")
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("cannot be opened")
                && error
                    .to_string()
                    .contains("named_secrets/niftyimages.stores.contacts.key"),
            "{}: {error}",
            engine.name
        );
        assert!(!error.to_string().contains("account-key"));
        // A name that did not exist before takes it no better.
        engine
            .store
            .put_secret(&store::SecretRow {
                name: "niftyimages.timers.offer.key".into(),
                ..a
            })
            .await
            .unwrap();
        assert!(vault.secret("niftyimages.timers.offer.key").await.is_err());
        assert_eq!(
            vault
                .secret("niftyimages.account_key")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "account-key-aaaaaaaaaaaa",
            "the original still opens in its own place"
        );
    }
}

#[tokio::test]
async fn key_rotation_reseals_named_secrets() {
    for engine in engines().await {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        assert!(store::keyring::create_key_file(&path).unwrap());
        let old_keys = store::keyring::read_key_file(&path).unwrap();
        let vault = Vault::open(engine.store.clone(), KeySource::File(path.clone()))
            .await
            .unwrap();
        for (name, value) in [
            ("niftyimages.account_key", "account-key-rotate-aaaa"),
            (
                "notifications.webhook_secret",
                "whsec_cm90YXRlLW1lLXBsZWFzZQ==",
            ),
        ] {
            vault
                .put_secret(name, &SecretString::from(value.to_owned()), 1)
                .await
                .unwrap();
        }
        let old_id = vault.keys().active().id().to_owned();
        let report = vault.rotate_key_file().await.unwrap();
        assert_eq!(report.resealed, 2, "{}: both named secrets", engine.name);
        assert_ne!(report.active_key, old_id);
        for info in vault.secret_names().await.unwrap() {
            assert_eq!(info.key_id, report.active_key, "the key id column follows");
        }
        for row in engine.store.secrets().await.unwrap() {
            assert!(row.value.starts_with(&format!("v1.{}.", report.active_key)));
        }

        // The old key alone no longer opens them; the new key alone does.
        assert!(matches!(
            Vault::open(engine.store.clone(), KeySource::env(old_keys[0].clone())).await,
            Err(VaultError::WrongKey { .. })
        ));
        let new_only = Vault::open(engine.store.clone(), KeySource::File(path.clone()))
            .await
            .unwrap();
        assert_eq!(new_only.keys().ids(), vec![report.active_key.clone()]);
        assert_eq!(
            new_only
                .secret("notifications.webhook_secret")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "whsec_cm90YXRlLW1lLXBsZWFzZQ=="
        );
        assert_eq!(
            new_only
                .secret("niftyimages.account_key")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "account-key-rotate-aaaa"
        );
    }
}
