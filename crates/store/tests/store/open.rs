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
