//! `init`, `connect`, `connections`, `keys rotate` and `serve` as a user runs them, against the
//! sandbox, with a real SQLite file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sandbox::{RunningSandbox, SandboxConfig};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_nifty-ghl");

struct Setup {
    dir: tempfile::TempDir,
    sandbox: RunningSandbox,
    redirect_port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Setup {
    async fn new() -> Self {
        let sandbox = sandbox::start(SandboxConfig::default()).await.unwrap();
        Self {
            dir: tempfile::tempdir().unwrap(),
            sandbox,
            redirect_port: free_port(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("NIFTY_GHL_MASTER_KEY")
            .env_remove("NIFTY_GHL_CONFIG")
            .env_remove("GHL_TOKEN");
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `init` against the sandbox, with the app's secret from a file.
    async fn init(&self) -> String {
        let info = self.sandbox.info();
        std::fs::write(self.path("secret.txt"), &info.client_secret).unwrap();
        let redirect = format!("http://127.0.0.1:{}/oauth/callback", self.redirect_port);
        self.ok(&[
            "init",
            "--client-id",
            &info.client_id,
            "--client-secret-file",
            "secret.txt",
            "--ghl-base-url",
            self.sandbox.url(),
            "--marketplace-url",
            self.sandbox.url(),
            "--redirect-uri",
            &redirect,
        ])
        .await
    }

    /// `connect` with its one-shot listener, approved by following the printed link.
    async fn connect(&self, extra: &[&str]) -> String {
        let mut args = vec!["connect"];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (url, rest) = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut url = String::new();
            reader.read_line(&mut url).unwrap();
            (url.trim().to_owned(), reader)
        })
        .await
        .unwrap();
        assert!(
            url.contains("/v2/oauth/chooselocation?") && url.contains("state="),
            "{url}"
        );
        // The sandbox approves at once and redirects to the listener, which stores the connection.
        let page = reqwest::get(&url).await.unwrap();
        assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
        let output = tokio::task::spawn_blocking(move || {
            let mut rest_text = String::new();
            let mut rest = rest;
            std::io::Read::read_to_string(&mut rest, &mut rest_text).unwrap();
            let status = child.wait().unwrap();
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            (status, rest_text, stderr)
        })
        .await
        .unwrap();
        assert!(output.0.success(), "connect failed: {}", output.2);
        format!("{url}\n{}{}", output.1, output.2)
    }

    fn database_bytes(&self) -> String {
        let mut bytes = std::fs::read(self.path("nifty-ghl.db")).unwrap();
        bytes.extend(std::fs::read(self.path("nifty-ghl.db-wal")).unwrap_or_default());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn init_makes_config_key_and_database_and_never_overwrites_the_key() {
    let setup = Setup::new().await;
    let first = setup.init().await;
    assert!(first.contains("master key: created"), "{first}");
    assert_eq!(mode(&setup.path("nifty-ghl.key")), 0o600);
    let key = std::fs::read_to_string(setup.path("nifty-ghl.key")).unwrap();
    let config = std::fs::read_to_string(setup.path("nifty-ghl.toml")).unwrap();
    assert!(config.contains(&setup.sandbox.info().client_id));
    assert!(
        !config.contains(&setup.sandbox.info().client_secret),
        "the secret never goes in the config"
    );
    assert!(
        !setup
            .database_bytes()
            .contains(&setup.sandbox.info().client_secret),
        "the secret is sealed"
    );

    let again = setup.ok(&["init"]).await;
    assert!(
        again.contains("exists, kept") && again.contains("exists, left as it is"),
        "{again}"
    );
    assert_eq!(
        std::fs::read_to_string(setup.path("nifty-ghl.key")).unwrap(),
        key
    );
    let refused = setup
        .run(&["init", "--database-url", "sqlite://other.db"])
        .await;
    assert_eq!(refused.status.code(), Some(2));
}

#[tokio::test]
async fn connect_with_oauth_then_list_test_and_rotate_keys() {
    let setup = Setup::new().await;
    setup.init().await;
    let transcript = setup.connect(&[]).await;
    assert!(transcript.contains("Connected."), "{transcript}");
    let location = setup.sandbox.location_id(0).to_owned();
    let listed: Value =
        serde_json::from_str(&setup.ok(&["--json", "connections", "list"]).await).unwrap();
    assert_eq!(listed[0]["location_id"], location.as_str());
    assert_eq!(listed[0]["scopes"], "contacts.readonly contacts.write");
    assert_eq!(listed[0]["state"], "ok");
    let masked = listed[0]["token"].as_str().unwrap();
    // At most a short kind prefix and the last four characters, like `pit-…abcd`.
    let (prefix, tail) = masked.split_once('…').unwrap();
    assert!(prefix.len() <= 4 && tail.chars().count() == 4, "{masked}");

    let tested = setup.ok(&["connections", "test", &location]).await;
    assert!(tested.contains("ok (GHL answered"), "{tested}");
    let refreshed = setup.ok(&["connections", "refresh", &location]).await;
    assert!(refreshed.contains("refreshed 1"), "{refreshed}");

    // Rotate the master key: one key afterwards, a new one, and everything still opens.
    let before = std::fs::read_to_string(setup.path("nifty-ghl.key")).unwrap();
    let rotated = setup.ok(&["keys", "rotate"]).await;
    assert!(rotated.contains("value(s) sealed again"), "{rotated}");
    let after = std::fs::read_to_string(setup.path("nifty-ghl.key")).unwrap();
    let keys: Vec<&str> = after
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(keys.len(), 1);
    assert!(!before.contains(keys[0]));
    assert_eq!(mode(&setup.path("nifty-ghl.key")), 0o600);
    setup.ok(&["connections", "test", &location]).await;

    // Nothing printed and nothing stored holds a token in plain text.
    let history: Value = reqwest::get(format!("{}/_sandbox/state", setup.sandbox.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(history["locations"].is_array());
    let everything = format!("{transcript}{tested}{rotated}{}", setup.database_bytes());
    assert!(
        !everything.contains("sbx-at-") && !everything.contains("sbx-rt-"),
        "a token leaked"
    );
}

#[tokio::test]
async fn connect_a_private_integration_token() {
    let setup = Setup::new().await;
    setup.init().await;
    std::fs::write(setup.path("pit.txt"), format!("{}\n", setup.sandbox.pit(1))).unwrap();
    let location = setup.sandbox.location_id(1).to_owned();
    let output = setup
        .ok(&[
            "connect",
            "--pit",
            "--location",
            &location,
            "--token-file",
            "pit.txt",
        ])
        .await;
    assert!(output.contains("private integration token"), "{output}");
    let tail = &setup.sandbox.pit(1)[setup.sandbox.pit(1).len() - 4..];
    assert!(output.contains(&format!("pit-…{tail}")), "{output}");
    assert!(!output.contains(setup.sandbox.pit(1)));
    assert!(!setup.database_bytes().contains(setup.sandbox.pit(1)));

    std::fs::write(setup.path("wrong.txt"), setup.sandbox.pit(0)).unwrap();
    let refused = setup
        .run(&[
            "connect",
            "--pit",
            "--location",
            &location,
            "--token-file",
            "wrong.txt",
        ])
        .await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("did not accept the token"));
}

#[tokio::test]
async fn a_wrong_or_corrupt_master_key_is_refused_and_changes_nothing() {
    let setup = Setup::new().await;
    setup.init().await;
    setup.connect(&[]).await;
    let key = setup.path("nifty-ghl.key");
    let original = std::fs::read_to_string(&key).unwrap();
    let other = store::keyring::generate_key().unwrap();
    std::fs::write(&key, format!("{other}\n")).unwrap();
    let wrong = setup.run(&["connections", "list"]).await;
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("does not open the vault"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    std::fs::write(&key, "this is not a key\n").unwrap();
    let corrupt = setup.run(&["connections", "list"]).await;
    assert_eq!(corrupt.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&corrupt.stderr).contains("not base64"));
    std::fs::write(&key, original).unwrap();
    assert!(
        setup
            .ok(&["connections", "list"])
            .await
            .contains("1 connection(s)")
    );
}

#[tokio::test]
async fn serve_takes_the_callback_and_refuses_forged_ones() {
    let setup = Setup::new().await;
    setup.init().await;
    let config = std::fs::read_to_string(setup.path("nifty-ghl.toml")).unwrap();
    let listen = format!("127.0.0.1:{}", setup.redirect_port);
    std::fs::write(
        setup.path("nifty-ghl.toml"),
        config.replace("127.0.0.1:8788", &listen),
    )
    .unwrap();
    let child = setup
        .command(&["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _serve = Kill(child);
    let base = format!("http://{listen}");
    let mut healthy = false;
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(healthy, "serve did not come up");
    assert_eq!(
        reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );

    let forged = reqwest::get(format!("{base}/oauth/callback?code=abc&state=forged"))
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("unknown or was already used")
    );

    let url = setup.ok(&["connect", "--no-listen"]).await;
    let page = reqwest::get(url.trim()).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Connected"));
    assert!(
        setup
            .ok(&["connections", "list"])
            .await
            .contains("1 connection(s)")
    );
}
