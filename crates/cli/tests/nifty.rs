//! `nifty-ghl nifty …` against the NiftyImages sandbox, with keys from a config file: store
//! fields, record upserts (then read back with the sandbox's dump), timer updates, image
//! lists, a wrong store name, and no key ever in the output. No mocks.

use std::process::{Command, Output};

use sandbox::nifty::{NiftySandbox, NiftySandboxConfig};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_nifty-ghl");

struct Nifty {
    sandbox: NiftySandbox,
    dir: tempfile::TempDir,
}

impl Nifty {
    /// A sandbox and a config naming its `contacts` store and its first timer `launch`.
    async fn start() -> Self {
        let sandbox = NiftySandbox::start(NiftySandboxConfig {
            seed: Some(11),
            ..NiftySandboxConfig::default()
        })
        .await
        .unwrap();
        let info = sandbox.info();
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[niftyimages]\nbase_url = {:?}\naccount_key = {:?}\n\
             [niftyimages.stores.contacts]\nkey = {:?}\n\
             [niftyimages.timers.launch]\nurl = {:?}\nkey = {:?}\n",
            info.api_url,
            info.account_key,
            sandbox.store_key("contacts").unwrap(),
            info.timers[0].image_url,
            info.timers[0].key,
        );
        std::fs::write(dir.path().join("nifty-ghl.toml"), config).unwrap();
        Self { sandbox, dir }
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(BINARY);
        command
            .arg("--config")
            .arg(self.dir.path().join("nifty-ghl.toml"))
            .args(args)
            .env_remove("NIFTY_GHL_LOG")
            .env_remove("NIFTY_GHL_NIFTYIMAGES_KEY")
            .env_remove("NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY")
            .env_remove("NIFTY_GHL_NIFTYIMAGES_BASE_URL");
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        self.assert_no_key(&output);
        output
    }

    async fn json(&self, args: &[&str]) -> Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let output = self.run(&with_json).await;
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// No key of the sandbox shows up in what the binary printed.
    fn assert_no_key(&self, output: &Output) {
        let info = self.sandbox.info();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let keys = std::iter::once(info.account_key.as_str())
            .chain(info.stores.iter().map(|s| s.key.as_str()))
            .chain(info.timers.iter().map(|t| t.key.as_str()));
        for key in keys {
            assert!(!text.contains(key), "a key was printed: {text}");
        }
    }
}

#[tokio::test]
async fn store_fields_and_record_upsert() {
    let nifty = Nifty::start().await;
    let fields = nifty
        .json(&["nifty", "stores", "fields", "--store", "contacts"])
        .await;
    let email = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "email")
        .unwrap();
    assert_eq!(email["unique"], true);
    let table = nifty
        .run(&["nifty", "stores", "fields", "--store", "contacts"])
        .await;
    assert!(table.status.success());
    assert!(String::from_utf8_lossy(&table.stdout).contains("first_name"));

    let upserted = nifty
        .run(&[
            "nifty",
            "records",
            "upsert",
            "--store",
            "contacts",
            "--record",
            r#"{"email":"ann@example.com","first_name":"Ann"}"#,
        ])
        .await;
    assert!(
        upserted.status.success(),
        "{}",
        String::from_utf8_lossy(&upserted.stderr)
    );
    let rows = nifty.sandbox.store_rows("contacts").unwrap();
    let ann = rows
        .iter()
        .find(|r| r.values["email"] == "ann@example.com")
        .expect("the record is in the store");
    assert_eq!(ann.values["first_name"], "Ann");

    let deleted = nifty
        .run(&[
            "nifty",
            "records",
            "delete",
            "--store",
            "contacts",
            "--key",
            r#"{"email":"ann@example.com"}"#,
        ])
        .await;
    assert!(deleted.status.success());
    let rows = nifty.sandbox.store_rows("contacts").unwrap();
    assert!(!rows.iter().any(|r| r.values["email"] == "ann@example.com"));
}

#[tokio::test]
async fn timer_update_moves_the_target() {
    let nifty = Nifty::start().await;
    let updated = nifty
        .json(&[
            "nifty",
            "timers",
            "update",
            "--timer",
            "launch",
            "--target",
            "2026-12-24T17:00:00Z",
            "--utc",
        ])
        .await;
    assert_eq!(updated["UpdatedTargetUtc"], "2026-12-24T17:00:00Z");
    let url = &nifty.sandbox.info().timers[0].image_url;
    let target = nifty.sandbox.timer_target(url).unwrap();
    assert_eq!(target.target_utc.to_rfc3339(), "2026-12-24T17:00:00+00:00");
}

#[tokio::test]
async fn images_list_as_json() {
    let nifty = Nifty::start().await;
    let page = nifty.json(&["nifty", "images", "list"]).await;
    assert_eq!(page.as_array().unwrap().len(), 10);
    let all = nifty.json(&["nifty", "images", "list", "--all"]).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        nifty.sandbox.info().images.len()
    );
    assert!(all[0]["Url"].as_str().unwrap().starts_with("http"));
}

#[tokio::test]
async fn an_unknown_store_is_refused_with_the_configured_names() {
    let nifty = Nifty::start().await;
    let output = nifty
        .run(&["nifty", "stores", "fields", "--store", "contcts"])
        .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no store \"contcts\"") && stderr.contains("configured stores: contacts"),
        "{stderr}"
    );
    assert!(
        nifty.sandbox.requests().is_empty(),
        "refused before any call"
    );
}
