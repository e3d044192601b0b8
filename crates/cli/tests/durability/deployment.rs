//! A deployment as a user makes one: `init`, a Private Integration Token per location with
//! `connect --pit`, a hook secret kept in the vault (`secrets set hooks.secrets`, read from
//! standard input; the config file holds none), then `serve` processes started and killed at
//! will.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sandbox::{RunningSandbox, SandboxConfig};
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_nifty-ghl");

pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub sandbox: RunningSandbox,
    pub hook_secret: String,
    pub locations: Vec<String>,
    started: usize,
}

impl Deployment {
    /// `locations` sub-accounts, each connected with its PIT; the database is SQLite in the
    /// deployment's directory unless `database_url` names another.
    pub async fn new(locations: usize, database_url: Option<&str>) -> Self {
        let sandbox = sandbox::start(SandboxConfig {
            locations,
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        // GHL's window is 10 s; 1 s here (in the sandbox and the pipeline alike) keeps the run
        // short while the governor still has a budget to respect.
        let settings: Value = reqwest::Client::new()
            .patch(format!("{}/_sandbox/settings", sandbox.url()))
            .json(&json!({"rate_limit": {"burst_interval_ms": 1_000}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(settings["rate_limit"]["burst_interval_ms"], 1_000);
        let mut deployment = Self {
            dir: tempfile::tempdir().unwrap(),
            locations: (0..locations)
                .map(|i| sandbox.location_id(i).to_owned())
                .collect(),
            sandbox,
            hook_secret: engine::signing::generate_secret(),
            started: 0,
        };
        let mut init = vec!["init", "--ghl-base-url", deployment.sandbox.url()];
        if let Some(url) = database_url {
            init.extend(["--database-url", url]);
        }
        deployment.ok(&init).await;
        let config = deployment.path("nifty-ghl.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(
            "\n[pipeline]\nburst_interval_ms = 1000\nretry_schedule_secs = [0, 0.2, 0.5, 1, 2, 3, 5]\n\
             location_lease_secs = 3\n",
        );
        std::fs::write(&config, text).unwrap();
        let stored = deployment
            .ok_with_stdin(
                &["secrets", "set", "hooks.secrets"],
                &format!("{}\n", deployment.hook_secret),
            )
            .await;
        assert!(
            stored.contains("hooks.secrets: stored in the vault"),
            "{stored}"
        );
        for i in 0..locations {
            let token_file = deployment.path(&format!("pit-{i}"));
            std::fs::write(&token_file, deployment.sandbox.pit(i)).unwrap();
            let location = deployment.locations[i].clone();
            deployment
                .ok(&[
                    "connect",
                    "--pit",
                    "--location",
                    &location,
                    "--token-file",
                    token_file.to_str().unwrap(),
                ])
                .await;
        }
        deployment.started = 0;
        deployment
    }

    pub fn path(&self, name: &str) -> PathBuf {
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

    pub async fn ok(&self, args: &[&str]) -> String {
        let mut command = self.command(args);
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// As [`Deployment::ok`], with `stdin` on the command's standard input.
    pub async fn ok_with_stdin(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut command = self.command(args);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let stdin = stdin.to_owned();
        let output = tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(stdin.as_bytes()).unwrap();
            drop(pipe);
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Starts `nifty-ghl serve` on a free port and waits until it listens.
    pub async fn start(&mut self) -> Instance {
        self.started += 1;
        let log = self.path(&format!("serve-{}.log", self.started));
        let child = self
            .command(&["serve"])
            .env("NIFTY_GHL_LISTEN", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut instance = Instance {
            child,
            address: String::new(),
            log,
        };
        for _ in 0..600 {
            let text = std::fs::read_to_string(&instance.log).unwrap_or_default();
            // The whole line: the log may be read while serve is still writing it.
            if let Some((line, _)) = text
                .split("listening on http://")
                .nth(1)
                .and_then(|rest| rest.split_once('\n'))
            {
                instance.address = line.split_whitespace().next().unwrap().to_owned();
                return instance;
            }
            if let Some(status) = instance.child.try_wait().unwrap() {
                panic!("serve exited ({status}) before listening:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("serve did not listen within 6 s");
    }

    /// Jobs the instances took back from killed ones, as their logs tell.
    pub fn jobs_taken_back(&self) -> u64 {
        (1..=self.started)
            .map(|n| {
                std::fs::read_to_string(self.path(&format!("serve-{n}.log"))).unwrap_or_default()
            })
            .flat_map(|log| {
                log.lines()
                    .filter(|line| line.contains("an instance stopped without finishing"))
                    .filter_map(|line| {
                        line.split("jobs=")
                            .nth(1)?
                            .split_whitespace()
                            .next()?
                            .parse::<u64>()
                            .ok()
                    })
                    .collect::<Vec<_>>()
            })
            .sum()
    }

    /// The queue as `nifty-ghl queue` reports it.
    pub async fn queue(&self) -> Value {
        serde_json::from_str(&self.ok(&["--json", "queue"]).await).unwrap()
    }

    /// Waits until no job is pending or running; the last report.
    pub async fn drained(&self, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let queue = self.queue().await;
            if queue["pending"] == 0 && queue["running"] == 0 {
                return queue;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "not drained in {within:?}: {queue}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every contact, task and note in the sandbox, across the locations.
    pub async fn ghl_state(&self) -> GhlState {
        let mut state = GhlState::default();
        let world: Value = reqwest::get(format!("{}/_sandbox/state", self.sandbox.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for value in world["locations"].as_array().unwrap() {
            let count = |list: &Value, field: &str, into: &mut HashMap<String, usize>| {
                for item in list.as_array().unwrap() {
                    let key = item[field].as_str().unwrap_or_default().to_owned();
                    *into.entry(key).or_default() += 1;
                }
            };
            count(&value["contacts"], "email", &mut state.contacts);
            count(&value["tasks"], "title", &mut state.tasks);
            count(&value["notes"], "body", &mut state.notes);
        }
        state
    }

    /// How many requests the sandbox answered with 429.
    pub async fn refusals_429(&self) -> usize {
        let log: Value = reqwest::get(format!("{}/_sandbox/requests", self.sandbox.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["statuses"]["429"].as_u64().unwrap_or(0) as usize
    }
}

/// What GHL holds, counted by the field each effect is known by.
#[derive(Debug, Default)]
pub struct GhlState {
    pub contacts: HashMap<String, usize>,
    pub tasks: HashMap<String, usize>,
    pub notes: HashMap<String, usize>,
}

/// A running `nifty-ghl serve`.
pub struct Instance {
    child: Child,
    pub address: String,
    log: PathBuf,
}

impl Instance {
    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
