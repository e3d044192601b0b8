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
            .env_remove("NIFTY_GHL_DATABASE_URL")
            .env_remove("NIFTY_GHL_LOG")
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

/// How many duplicate searches (the probe's call) the sandbox has answered.
async fn duplicate_searches(setup: &Setup) -> u64 {
    let log: Value = reqwest::get(format!("{}/_sandbox/requests", setup.sandbox.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == "/contacts/search/duplicate")
        .count() as u64
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
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
    assert_eq!(
        mode(&setup.path("nifty-ghl.toml")),
        0o600,
        "the config names the database and the key file: its owner's only"
    );
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
    assert_eq!(
        listed[0]["scopes"],
        "contacts.readonly contacts.write locations/customFields.readonly locations/customFields.write locations/tasks.readonly"
    );
    assert_eq!(listed[0]["state"], "ok");
    let masked = listed[0]["token"].as_str().unwrap();
    // At most a short kind prefix and the last four characters, like `pit-…abcd`.
    let (prefix, tail) = masked.split_once('…').unwrap();
    assert!(prefix.len() <= 4 && tail.chars().count() == 4, "{masked}");

    let probes_before = duplicate_searches(&setup).await;
    let tested = setup.ok(&["connections", "test", &location]).await;
    assert!(tested.contains("ok (GHL answered"), "{tested}");
    // The figures come from the headers of the probe's own answer: one request, not two.
    assert_eq!(duplicate_searches(&setup).await, probes_before + 1);
    assert!(
        tested.contains("of 100 requests left in this 10 s burst")
            && tested.contains("of 200000 today"),
        "{tested}"
    );
    let tested_json: Value = serde_json::from_str(
        &setup
            .ok(&["--json", "connections", "test", &location])
            .await,
    )
    .unwrap();
    assert_eq!(tested_json["rate_limit"]["max"], 100, "{tested_json}");
    assert!(
        tested_json["rate_limit"]["remaining"].as_u64().unwrap() < 100,
        "{tested_json}"
    );
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

/// A running `nifty-ghl serve`, stopped when dropped.
struct Serving {
    child: std::process::Child,
    base: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Setup {
    /// `serve` on the redirect port, with `edit` applied to the config `init` wrote; returns
    /// once it answers `/healthz`.
    async fn serve(&self, edit: impl FnOnce(String) -> String) -> Serving {
        let config = std::fs::read_to_string(self.path("nifty-ghl.toml")).unwrap();
        let listen = format!("127.0.0.1:{}", self.redirect_port);
        std::fs::write(
            self.path("nifty-ghl.toml"),
            edit(config.replace("127.0.0.1:8788", &listen)),
        )
        .unwrap();
        let child = self
            .command(&["serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let serving = Serving {
            child,
            base: format!("http://{listen}"),
        };
        let mut healthy = false;
        for _ in 0..100 {
            if reqwest::get(format!("{}/healthz", serving.base))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                healthy = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(healthy, "serve did not come up");
        serving
    }
}

#[tokio::test]
async fn serve_takes_the_callback_and_refuses_forged_ones() {
    let setup = Setup::new().await;
    setup.init().await;
    let serving = setup.serve(|config| config).await;
    let base = serving.base.clone();
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

/// With the client id only in the vault (`init --client-secret-file` put it there), `serve`
/// still knows its app: a webhook for another app is acknowledged and ignored, one for this
/// app is stored. Signatures are off here (`allow_unsigned`, for development) so that the
/// test can name any app.
#[tokio::test]
async fn serve_ignores_webhooks_for_another_app() {
    let setup = Setup::new().await;
    setup.init().await;
    let serving = setup
        .serve(|config| {
            let without_client_id: Vec<&str> = config
                .lines()
                .filter(|line| !line.starts_with("client_id"))
                .collect();
            format!(
                "{}\n\n[ghl_webhooks]\nallow_unsigned = true\n",
                without_client_id.join("\n")
            )
        })
        .await;
    let http = reqwest::Client::new();
    let post = |app_id: &str, webhook_id: &str| {
        let body = serde_json::json!({
            "type": "ContactCreate", "appId": app_id, "webhookId": webhook_id,
            "timestamp": chrono::Utc::now().to_rfc3339(),
            "locationId": setup.sandbox.location_id(0), "id": "contact00000000000001",
            "email": "ann@example.com",
        });
        http.post(format!("{}/hooks/ghl", serving.base))
            .json(&body)
            .send()
    };
    let other = post("5f0e1d2c3b4a596877665544", "w-1").await.unwrap();
    assert_eq!(other.status(), 200);
    let answer: Value = other.json().await.unwrap();
    assert_eq!(answer["accepted"], 0, "{answer}");
    assert!(
        answer["ignored"]
            .as_str()
            .is_some_and(|why| why.contains("5f0e1d2c3b4a596877665544")),
        "{answer}"
    );
    let ours = post(&setup.sandbox.info().app_id, "w-2").await.unwrap();
    assert_eq!(ours.status(), 200);
    let answer: Value = ours.json().await.unwrap();
    assert_eq!(answer["accepted"], 1, "{answer}");
}

#[tokio::test]
async fn a_database_password_never_shows_and_a_failed_init_keeps_nothing() {
    let setup = Setup::new().await;
    let password = "S3cretDbPassw0rd";
    // Nothing listens on port 1; the second URL is malformed (its port is not a number).
    for url in [
        format!("postgres://nifty:{password}@127.0.0.1:1/ghl"),
        format!("postgres://nifty:{password}@127.0.0.1:notaport/ghl"),
    ] {
        let failed = setup.run(&["-vv", "init", "--database-url", &url]).await;
        assert!(!failed.status.success());
        let shown = text(&failed);
        assert!(!shown.contains(password), "{shown}");
        assert!(shown.contains("nifty:***@127.0.0.1"), "{shown}");
        assert!(
            shown.contains("run `nifty-ghl init` again"),
            "says what to do: {shown}"
        );
        assert!(
            !setup.path("nifty-ghl.toml").exists() && !setup.path("nifty-ghl.key").exists(),
            "a failed init leaves nothing behind: {shown}"
        );

        // The same URL from the environment, for a command on a working setup.
        setup.init().await;
        let mut command = setup.command(&["-vv", "connections", "list"]);
        command.env("NIFTY_GHL_DATABASE_URL", &url);
        let listed = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert_eq!(listed.status.code(), Some(2));
        let shown = text(&listed);
        assert!(!shown.contains(password), "{shown}");
        assert!(shown.contains("nifty:***@127.0.0.1"), "{shown}");
        for made in [
            "nifty-ghl.toml",
            "nifty-ghl.key",
            "nifty-ghl.db",
            "nifty-ghl.db-wal",
            "nifty-ghl.db-shm",
        ] {
            let _ = std::fs::remove_file(setup.path(made));
        }
    }
}

#[tokio::test]
async fn a_pit_replaces_an_oauth_connection_only_when_asked() {
    let setup = Setup::new().await;
    setup.init().await;
    setup.connect(&[]).await;
    let location = setup.sandbox.location_id(0).to_owned();
    std::fs::write(setup.path("pit.txt"), setup.sandbox.pit(0)).unwrap();
    let pit_args = [
        "connect",
        "--pit",
        "--location",
        &location,
        "--token-file",
        "pit.txt",
    ];
    let refused = setup.run(&pit_args).await;
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("connected with OAuth") && message.contains("--replace"),
        "{message}"
    );
    let listed: Value =
        serde_json::from_str(&setup.ok(&["--json", "connections", "list"]).await).unwrap();
    assert_eq!(listed[0]["kind"], "OAuth", "the OAuth connection stays");
    assert!(listed[0]["refresh_token"].is_string());

    let mut replacing = pit_args.to_vec();
    replacing.push("--replace");
    let replaced = setup.ok(&replacing).await;
    assert!(replaced.contains("private integration token"), "{replaced}");
    let listed: Value =
        serde_json::from_str(&setup.ok(&["--json", "connections", "list"]).await).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["kind"], "private integration token");
    // A PIT over a PIT needs no --replace: nothing refreshable is lost.
    setup.ok(&pit_args).await;
}

#[tokio::test]
async fn a_name_that_fits_several_connections_is_refused_with_the_candidates() {
    let setup = Setup::new().await;
    setup.init().await;
    setup.connect(&["--agency"]).await;
    let company = setup.sandbox.info().company_id.clone();
    let listed: Value =
        serde_json::from_str(&setup.ok(&["--json", "connections", "list"]).await).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");

    for command in ["show", "remove", "test"] {
        let refused = setup.run(&["connections", command, &company]).await;
        assert_eq!(refused.status.code(), Some(2), "{command}");
        let message = String::from_utf8_lossy(&refused.stderr);
        for candidate in [
            format!("company_{company}"),
            format!("loc_{}", setup.sandbox.location_id(0)),
            format!("loc_{}", setup.sandbox.location_id(1)),
        ] {
            assert!(message.contains(&candidate), "{command}: {message}");
        }
        assert!(message.contains("give one of these"), "{message}");
    }
    assert!(
        setup
            .ok(&["connections", "list"])
            .await
            .contains("3 connection(s)"),
        "nothing was removed"
    );
    let agency = setup
        .ok(&["connections", "show", &format!("company_{company}")])
        .await;
    assert!(agency.contains("agency (OAuth)"), "{agency}");
    let one = setup
        .ok(&["connections", "show", setup.sandbox.location_id(1)])
        .await;
    assert!(one.contains("minted by agency"), "{one}");
}

#[tokio::test]
async fn debug_logging_never_shows_a_token_or_secret() {
    let setup = Setup::new().await;
    let info = setup.sandbox.info();
    std::fs::write(setup.path("secret.txt"), &info.client_secret).unwrap();
    let redirect = format!("http://127.0.0.1:{}/oauth/callback", setup.redirect_port);
    let mut everything = String::new();
    let init = setup
        .run(&[
            "-vv",
            "init",
            "--client-id",
            &info.client_id,
            "--client-secret-file",
            "secret.txt",
            "--ghl-base-url",
            setup.sandbox.url(),
            "--marketplace-url",
            setup.sandbox.url(),
            "--redirect-uri",
            &redirect,
        ])
        .await;
    assert!(init.status.success(), "{}", text(&init));
    everything.push_str(&text(&init));
    everything.push_str(&setup.connect(&["-vv"]).await);
    let location = setup.sandbox.location_id(0).to_owned();
    std::fs::write(setup.path("pit.txt"), setup.sandbox.pit(1)).unwrap();
    let pit_location = setup.sandbox.location_id(1).to_owned();
    for args in [
        vec!["-vv", "connections", "refresh", &location],
        vec!["-vv", "connections", "test", &location],
        vec!["-vv", "connections", "refresh"],
        vec!["-vv", "connections", "show", &location],
        vec![
            "-vv",
            "connect",
            "--pit",
            "--location",
            &pit_location,
            "--token-file",
            "pit.txt",
        ],
        vec!["-vv", "connections", "test", &pit_location],
    ] {
        let output = setup.run(&args).await;
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        everything.push_str(&text(&output));
    }
    assert!(
        everything.contains("DEBUG"),
        "debug logging was on: {everything}"
    );
    let history: Value = reqwest::get(format!(
        "{}/_sandbox/oauth/refresh-tokens",
        setup.sandbox.url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        history["refreshTokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| !t["used_at_ms"].is_null()),
        "a refresh happened: {history}"
    );
    for (what, secret) in [
        ("the client secret", info.client_secret.as_str()),
        ("the PIT", setup.sandbox.pit(1)),
        ("an access token", "sbx-at-"),
        ("a refresh token", "sbx-rt-"),
    ] {
        assert!(!everything.contains(secret), "{what} was printed");
    }
}
