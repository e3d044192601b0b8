//! `nifty-ghl nifty …` against the NiftyImages sandbox, with keys from a config file: store
//! fields, record upserts (then read back with the sandbox's dump), timer updates, image
//! lists, a wrong store name, and no key ever in the output. Then the same keys kept only in
//! the vault (`secrets set|list|remove`, `config check`, `keys rotate`). No mocks.

use std::io::Write;
use std::process::{Command, Output, Stdio};

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

/// The keys only in the vault: the config file names the store and timer but holds no key.
struct Vaulted {
    nifty: Nifty,
    dir: tempfile::TempDir,
}

impl Vaulted {
    async fn start() -> Self {
        let nifty = Nifty::start().await;
        let dir = tempfile::tempdir().unwrap();
        let info = nifty.sandbox.info();
        let config = format!(
            "database_url = {:?}\nmaster_key_file = {:?}\n\
             [niftyimages]\nbase_url = {:?}\n\
             [niftyimages.stores.contacts]\nunique = \"email\"\n\
             [niftyimages.timers.launch]\nurl = {:?}\n",
            format!("sqlite://{}", dir.path().join("nifty-ghl.db").display()),
            dir.path().join("nifty-ghl.key").display().to_string(),
            info.api_url,
            info.timers[0].image_url,
        );
        std::fs::write(dir.path().join("nifty-ghl.toml"), config).unwrap();
        Self { nifty, dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with this config, `stdin` on its standard input, and `env` set; nothing of
    /// the caller's environment that could hold a setting.
    async fn run(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(BINARY);
        command
            .arg("--config")
            .arg(self.path("nifty-ghl.toml"))
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for variable in [
            "NIFTY_GHL_LOG",
            "NIFTY_GHL_CONFIG",
            "NIFTY_GHL_MASTER_KEY",
            "NIFTY_GHL_DATABASE_URL",
            "NIFTY_GHL_NIFTYIMAGES_KEY",
            "NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY",
            "NIFTY_GHL_NIFTYIMAGES_BASE_URL",
            "NIFTY_GHL_HOOK_SECRETS",
        ] {
            command.env_remove(variable);
        }
        command.envs(env.iter().copied());
        let stdin = stdin.map(str::to_owned);
        let output = tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            let mut pipe = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes()).unwrap();
            }
            drop(pipe);
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        self.nifty.assert_no_key(&output);
        output
    }

    async fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let output = self.run(args, stdin, &[]).await;
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn database_bytes(&self) -> String {
        let mut bytes = std::fs::read(self.path("nifty-ghl.db")).unwrap();
        bytes.extend(std::fs::read(self.path("nifty-ghl.db-wal")).unwrap_or_default());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn master_key(&self) -> String {
        std::fs::read_to_string(self.path("nifty-ghl.key"))
            .unwrap()
            .lines()
            .find(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap()
            .trim()
            .to_owned()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn keys_kept_only_in_the_vault_serve_the_nifty_commands() {
    let setup = Vaulted::start().await;
    let info = setup.nifty.sandbox.info();
    let store_key = setup
        .nifty
        .sandbox
        .store_key("contacts")
        .unwrap()
        .to_owned();
    let timer_key = info.timers[0].key.clone();
    setup.ok(&["init"], None).await;

    // No key anywhere yet: refused, naming the setting and the command that sets it.
    let refused = setup
        .run(
            &["nifty", "stores", "fields", "--store", "contacts"],
            None,
            &[],
        )
        .await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("nifty-ghl secrets set niftyimages.stores.contacts.key"),
        "{}",
        stderr(&refused)
    );

    // What `secrets set` refuses: an unknown name (with the accepted ones), an empty value,
    // a value that cannot work. Nothing is stored for them.
    let unknown = setup
        .run(&["secrets", "set", "ghl.client_secret"], Some("x"), &[])
        .await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("niftyimages.stores.<name>.key")
            && stderr(&unknown).contains("hooks.secrets")
            && stderr(&unknown).contains("notifications.slack_webhook_url"),
        "{}",
        stderr(&unknown)
    );
    let empty = setup
        .run(
            &["secrets", "set", "niftyimages.account_key"],
            Some("\n"),
            &[],
        )
        .await;
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("empty"), "{}", stderr(&empty));
    let not_whsec = setup
        .run(
            &["secrets", "set", "hooks.secrets"],
            Some("not-a-secret\n"),
            &[],
        )
        .await;
    assert_eq!(not_whsec.status.code(), Some(2));
    assert!(!stderr(&not_whsec).contains("not-a-secret"));

    // The keys, on standard input only.
    let mut printed = String::new();
    for (name, value) in [
        ("niftyimages.stores.contacts.key", store_key.as_str()),
        ("niftyimages.timers.launch.key", timer_key.as_str()),
        ("niftyimages.account_key", info.account_key.as_str()),
    ] {
        let out = setup
            .ok(&["secrets", "set", name], Some(&format!("{value}\n")))
            .await;
        assert!(
            out.contains(&format!("{name}: stored in the vault")),
            "{out}"
        );
        printed.push_str(&out);
    }
    let config = std::fs::read_to_string(setup.path("nifty-ghl.toml")).unwrap();
    let database = setup.database_bytes();
    assert!(
        database.contains("niftyimages.stores.contacts.key"),
        "the real file"
    );
    for key in [&store_key, &timer_key, &info.account_key] {
        assert!(!config.contains(key.as_str()), "no key in the config file");
        assert!(!database.contains(key.as_str()), "sealed at rest");
    }

    // Listed by name, time and use; never a value.
    let listed = setup.ok(&["secrets", "list"], None).await;
    assert!(
        listed.contains("niftyimages.stores.contacts.key") && listed.contains("in use"),
        "{listed}"
    );
    let listed: Value =
        serde_json::from_str(&setup.ok(&["--json", "secrets", "list"], None).await).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "niftyimages.account_key",
            "niftyimages.stores.contacts.key",
            "niftyimages.timers.launch.key"
        ]
    );
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "in use")
    );
    let checked: Value =
        serde_json::from_str(&setup.ok(&["--json", "config", "check"], None).await).unwrap();
    let from = |setting: &str| {
        checked["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["setting"] == setting)
            .unwrap()["from"]
            .clone()
    };
    assert_eq!(from("niftyimages.stores.contacts.key"), "vault");
    assert_eq!(from("niftyimages.timers.launch.key"), "vault");
    assert_eq!(from("niftyimages.account_key"), "vault");
    assert_eq!(from("hooks.secrets"), "missing");

    // The nifty commands work against the sandbox with the vault's keys.
    let fields: Value = serde_json::from_str(
        &setup
            .ok(
                &["--json", "nifty", "stores", "fields", "--store", "contacts"],
                None,
            )
            .await,
    )
    .unwrap();
    assert!(
        fields
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "email")
    );
    setup
        .ok(
            &[
                "nifty",
                "records",
                "upsert",
                "--store",
                "contacts",
                "--record",
                r#"{"email":"vault@example.com","first_name":"Val"}"#,
            ],
            None,
        )
        .await;
    let rows = setup.nifty.sandbox.store_rows("contacts").unwrap();
    assert!(
        rows.iter()
            .any(|r| r.values["email"] == "vault@example.com")
    );
    setup
        .ok(
            &[
                "nifty",
                "timers",
                "update",
                "--timer",
                "launch",
                "--target",
                "2026-12-24T17:00:00Z",
                "--utc",
            ],
            None,
        )
        .await;
    let target = setup
        .nifty
        .sandbox
        .timer_target(&info.timers[0].image_url)
        .unwrap();
    assert_eq!(target.target_utc.to_rfc3339(), "2026-12-24T17:00:00+00:00");
    setup.ok(&["nifty", "images", "list"], None).await;

    // The environment wins over the vault, with a warning that names the setting only.
    let overridden = setup
        .run(
            &["nifty", "images", "list"],
            None,
            &[(
                "NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY",
                "wrong-account-key-0000",
            )],
        )
        .await;
    assert!(
        !overridden.status.success(),
        "the wrong key from the environment was used"
    );
    assert!(
        stderr(&overridden).contains(
            "warning: niftyimages.account_key is set by NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY and in the vault: the vault's copy is ignored"
        ),
        "{}",
        stderr(&overridden)
    );

    // A key rotation re-seals the named secrets: the old key alone no longer opens the vault,
    // the new one does, and the commands go on working.
    let old_key = setup.master_key();
    let rotated = setup.ok(&["keys", "rotate"], None).await;
    assert!(
        rotated.contains("rotated: 3 value(s) sealed again"),
        "{rotated}"
    );
    let new_key = setup.master_key();
    assert_ne!(old_key, new_key);
    let with_old = setup
        .run(
            &["secrets", "list"],
            None,
            &[("NIFTY_GHL_MASTER_KEY", &old_key)],
        )
        .await;
    assert_eq!(with_old.status.code(), Some(2));
    assert!(
        stderr(&with_old).contains("does not open the vault"),
        "{}",
        stderr(&with_old)
    );
    let with_new = setup
        .run(
            &["nifty", "stores", "fields", "--store", "contacts"],
            None,
            &[("NIFTY_GHL_MASTER_KEY", &new_key)],
        )
        .await;
    assert!(with_new.status.success(), "{}", stderr(&with_new));
    setup
        .ok(&["nifty", "stores", "fields", "--store", "contacts"], None)
        .await;

    // A value moved to another name in the database does not open there: the commands that
    // would use it stop and say which; `secrets list` still works and warns; setting it again
    // repairs it.
    {
        let database = store::open(&format!(
            "sqlite://{}",
            setup.path("nifty-ghl.db").display()
        ))
        .await
        .unwrap();
        let account = database
            .secret("niftyimages.account_key")
            .await
            .unwrap()
            .unwrap();
        database
            .put_secret(&store::SecretRow {
                name: "niftyimages.stores.contacts.key".into(),
                ..account
            })
            .await
            .unwrap();
    }
    let moved = setup
        .run(
            &["nifty", "stores", "fields", "--store", "contacts"],
            None,
            &[],
        )
        .await;
    assert_eq!(moved.status.code(), Some(2));
    assert!(
        stderr(&moved).contains("the vault's niftyimages.stores.contacts.key cannot be opened"),
        "{}",
        stderr(&moved)
    );
    let listed = setup.run(&["secrets", "list"], None, &[]).await;
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(
        stderr(&listed).contains("cannot be opened"),
        "{}",
        stderr(&listed)
    );
    setup
        .ok(
            &["secrets", "set", "niftyimages.stores.contacts.key"],
            Some(&store_key),
        )
        .await;
    setup
        .ok(&["nifty", "stores", "fields", "--store", "contacts"], None)
        .await;

    // Removed: the store has no key again.
    let removed = setup
        .ok(
            &["secrets", "remove", "niftyimages.stores.contacts.key"],
            None,
        )
        .await;
    assert!(removed.contains("removed from the vault"), "{removed}");
    let gone = setup
        .run(
            &["nifty", "stores", "fields", "--store", "contacts"],
            None,
            &[],
        )
        .await;
    assert_eq!(gone.status.code(), Some(2));
    let absent = setup
        .run(
            &["secrets", "remove", "niftyimages.stores.contacts.key"],
            None,
            &[],
        )
        .await;
    assert_eq!(absent.status.code(), Some(2));
    for key in [&store_key, &timer_key, &info.account_key] {
        assert!(
            !printed.contains(key.as_str()),
            "secrets set printed a key: {printed}"
        );
    }
}
