//! Opening databases: several processes starting at once on a new SQLite file.

/// Two processes (here: two pools, each with its own connections, as SQLite's locks do not
/// care which process holds them) open the same new file at the same moment: both must come up
/// with a migrated database, though only one of them applies the migrations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_opens_of_a_new_sqlite_file_at_once_both_succeed() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fresh.db");
        let path = path.to_str().unwrap();
        let open = || {
            let path = path.to_owned();
            tokio::spawn(async move { store::open(&path).await })
        };
        let (first, second) = tokio::join!(open(), open());
        for opened in [first.unwrap(), second.unwrap()] {
            let store = opened.unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert!(store.connections().await.unwrap().is_empty());
            assert_eq!(store.queue_stats().await.unwrap().pending, 0);
        }
    }
}

/// Commands that only read the vault when there is one open an existing database and never
/// create one.
#[tokio::test]
async fn open_existing_never_creates_an_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    for url in [
        path.to_str().unwrap().to_owned(),
        format!("sqlite://{}", path.display()),
        "sqlite::memory:".to_owned(),
    ] {
        assert!(store::open_existing(&url).await.unwrap().is_none(), "{url}");
    }
    assert!(!path.exists(), "nothing was created");
    store::open(path.to_str().unwrap()).await.unwrap();
    let existing = store::open_existing(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
        .expect("the file is there now");
    assert!(existing.secrets().await.unwrap().is_empty());
}
