//! Both engines for every test: a real SQLite file, and a real PostgreSQL server
//! (`NIFTY_GHL_TEST_POSTGRES_URL`; skipped, with a note, when it is unset).

use std::sync::Arc;

use store::Store;
use store::keyring::generate_key;

pub struct Engine {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    /// The SQLite file, whose bytes a test reads; the directory lives as long as the test.
    pub file: Option<(tempfile::TempDir, std::path::PathBuf)>,
}

pub async fn engines() -> Vec<Engine> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nifty-ghl.db");
    let sqlite = store::open(path.to_str().unwrap()).await.unwrap();
    let mut engines = vec![Engine {
        name: "sqlite",
        store: sqlite,
        file: Some((dir, path)),
    }];
    match std::env::var("NIFTY_GHL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!(
                "t_{}",
                generate_key()
                    .unwrap()
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")[..16]
                    .to_owned()
            );
            let postgres = store::open_postgres_schema(&url, &schema).await.unwrap();
            engines.push(Engine {
                name: "postgres",
                store: postgres,
                file: None,
            });
        }
        _ => eprintln!("skipped PostgreSQL: NIFTY_GHL_TEST_POSTGRES_URL is not set"),
    }
    engines
}
