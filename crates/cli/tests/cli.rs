//! The `nifty-ghl` binary against a sandbox: the API commands, bad input refused before any
//! call, API errors reported with status, messages and exit code, and the sandbox command.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use sandbox::{RunningSandbox, SandboxConfig};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_nifty-ghl");

struct Cli<'a> {
    sandbox: &'a RunningSandbox,
}

impl Cli<'_> {
    async fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[]).await
    }

    /// Runs the binary with the sandbox's credentials, some replaced (`None` removes one).
    /// The test's runtime keeps serving the sandbox while the binary runs.
    async fn run_with(&self, args: &[&str], overrides: &[(&str, Option<&str>)]) -> Output {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .env("GHL_BASE_URL", self.sandbox.url())
            .env("GHL_TOKEN", self.sandbox.pit(0))
            .env("GHL_LOCATION_ID", self.sandbox.location_id(0))
            .env_remove("NIFTY_GHL_LOG");
        for (name, value) in overrides {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
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
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn requests_to_contacts(sandbox: &RunningSandbox) -> u64 {
    let log: Value = reqwest::get(format!("{}/_sandbox/requests", sandbox.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["counts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.contains("/contacts"))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn contacts_tasks_notes_and_tags_from_the_command_line() {
    let sandbox = sandbox::start(SandboxConfig::default()).await.unwrap();
    let cli = Cli { sandbox: &sandbox };
    let created = cli
        .json(&[
            "contacts",
            "create",
            "--email",
            "cli@example.com",
            "--first-name",
            "Cleo",
            "--tag",
            "VIP",
            "--custom-field",
            "contact.engagement_score=9",
        ])
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["tags"], serde_json::json!(["vip"]));

    let table = cli.run(&["contacts", "get", &id]).await;
    assert!(table.status.success());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("cli@example.com") && text.contains("Cleo"),
        "{text}"
    );

    let upserted = cli
        .json(&[
            "contacts",
            "upsert",
            "--email",
            "CLI@example.com",
            "--last-name",
            "Ode",
        ])
        .await;
    assert_eq!(upserted["id"], serde_json::json!(id));
    assert_eq!(upserted["lastName"], "Ode");
    let updated = cli
        .json(&["contacts", "update", &id, "--city", "Lisbon"])
        .await;
    assert_eq!(updated["city"], "Lisbon");
    let found = cli
        .json(&["contacts", "search", "--filter", "email:eq:cli@example.com"])
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let listed = cli
        .json(&["contacts", "list", "--all", "--limit", "1"])
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let task = cli
        .json(&[
            "tasks",
            "create",
            &id,
            "--title",
            "Call Cleo",
            "--due",
            "2026-12-01T15:00:00Z",
        ])
        .await;
    let task_id = task["id"].as_str().unwrap().to_owned();
    let done = cli.json(&["tasks", "complete", &id, &task_id]).await;
    assert_eq!(done["completed"], true);
    assert_eq!(
        cli.json(&["tasks", "list", &id])
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    cli.json(&["tasks", "delete", &id, &task_id]).await;

    let note = cli
        .json(&["notes", "create", &id, "--body", "Opened the image"])
        .await;
    assert_eq!(note["body"], "Opened the image");
    assert_eq!(cli.json(&["notes", "list", &id]).await[0]["id"], note["id"]);

    assert_eq!(
        cli.json(&["tags", "add", &id, "hot", "spring"]).await,
        serde_json::json!(["vip", "hot", "spring"])
    );
    assert_eq!(
        cli.json(&["tags", "remove", &id, "vip"]).await,
        serde_json::json!(["hot", "spring"])
    );
    assert_eq!(
        cli.json(&["appointments", "list", &id]).await,
        serde_json::json!([])
    );

    cli.json(&["contacts", "delete", &id]).await;
    let gone = cli.run(&["contacts", "get", &id]).await;
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        stderr(&gone).contains("GHL answered HTTP 400")
            && stderr(&gone).contains("Contact not found"),
        "{}",
        stderr(&gone)
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_any_call_with_what_to_fix() {
    let sandbox = sandbox::start(SandboxConfig::default()).await.unwrap();
    let cli = Cli { sandbox: &sandbox };
    let dir = std::env::temp_dir().join(format!("nifty-ghl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"email\": ").unwrap();
    let typo = dir.join("typo.json");
    std::fs::write(&typo, "{\"emial\": \"a@b.co\"}").unwrap();

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["contacts", "create", "--first-name", "NoIds"],
            "give --email or --phone",
        ),
        (vec!["contacts", "get", "not-an-id"], "is not a GHL id"),
        (
            vec!["contacts", "create", "--email", "nope"],
            "is not an email address",
        ),
        (
            vec![
                "contacts",
                "create",
                "--from-json",
                broken.to_str().unwrap(),
            ],
            "is not valid JSON",
        ),
        (
            vec!["contacts", "create", "--from-json", typo.to_str().unwrap()],
            "unknown field `emial`",
        ),
        (
            vec!["contacts", "search", "--filter", "email:like:x"],
            "unknown filter operator",
        ),
        (
            vec![
                "tasks",
                "create",
                "ocQHyuzHvysMo5N5VsXc",
                "--title",
                "t",
                "--due",
                "tomorrow",
            ],
            "not an ISO-8601 date-time",
        ),
        (vec!["contacts", "list", "--limit", "500"], "out of range"),
    ];
    for (args, expected) in cases {
        let output = cli.run(&args).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(
        requests_to_contacts(&sandbox).await,
        0,
        "nothing reached the API"
    );

    let no_token = cli
        .run_with(&["contacts", "list"], &[("GHL_TOKEN", None)])
        .await;
    assert_eq!(no_token.status.code(), Some(2));
    assert!(stderr(&no_token).contains("set GHL_TOKEN"));
}

#[tokio::test]
async fn api_errors_print_status_messages_and_trace_and_never_the_token() {
    let sandbox = sandbox::start(SandboxConfig::default()).await.unwrap();
    let cli = Cli { sandbox: &sandbox };
    cli.json(&["contacts", "create", "--email", "dup@example.com"])
        .await;
    let duplicate = cli
        .run(&["contacts", "create", "--email", "dup@example.com"])
        .await;
    assert_eq!(duplicate.status.code(), Some(1));
    let text = stderr(&duplicate);
    assert!(
        text.contains("HTTP 400")
            && text.contains("does not allow duplicated contacts")
            && text.contains("existing contact:"),
        "{text}"
    );
    assert!(text.contains("traceId: "), "{text}");

    let wrong_location = cli
        .run_with(
            &["contacts", "list"],
            &[("GHL_LOCATION_ID", Some(sandbox.location_id(1)))],
        )
        .await;
    assert_eq!(wrong_location.status.code(), Some(1));
    assert!(stderr(&wrong_location).contains("HTTP 403"));

    let bad_token = cli
        .run_with(
            &["contacts", "get", "ocQHyuzHvysMo5N5VsXc"],
            &[(
                "GHL_TOKEN",
                Some("pit-11111111-2222-3333-4444-555555555555"),
            )],
        )
        .await;
    assert_eq!(bad_token.status.code(), Some(1));
    assert!(stderr(&bad_token).contains("HTTP 401"));
    assert!(
        !stderr(&bad_token).contains("555555555555"),
        "the token never prints"
    );
}

/// Kills the child process however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_sandbox_command_prints_one_json_line_and_serves() {
    let mut child = KillOnDrop(
        Command::new(BINARY)
            .args(["sandbox", "--port", "0", "--locations", "3", "--seed", "42"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (line, nifty_line) = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let (mut line, mut nifty) = (String::new(), String::new());
        reader.read_line(&mut line).unwrap();
        reader.read_line(&mut nifty).unwrap();
        (line, nifty)
    })
    .await
    .unwrap();
    // The NiftyImages sandbox runs beside it, on a second line.
    let nifty: Value = serde_json::from_str(&nifty_line).unwrap();
    assert!(
        nifty["niftyimages"]["api_url"]
            .as_str()
            .unwrap()
            .ends_with("/v1")
    );
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["locations"].as_array().unwrap().len(), 3);
    assert!(
        info["locations"][0]["pit"]
            .as_str()
            .unwrap()
            .starts_with("pit-")
    );
    assert!(
        info["webhook_public_key"]
            .as_str()
            .unwrap()
            .starts_with("MCowBQYDK2VwAyEA")
    );
    assert!(info["client_id"].as_str().unwrap().contains('-'));
    niftyimages::install_crypto_provider();
    let served: Value = reqwest::get(format!("{}/_sandbox/info", info["url"].as_str().unwrap()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["client_id"], info["client_id"]);
}

#[tokio::test]
async fn the_sandbox_refuses_to_serve_other_machines_unless_asked() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new(BINARY)
            .args(["sandbox", "--host", "0.0.0.0", "--port", "0"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--allow-remote"),
        "{}",
        stderr(&output)
    );
}

/// `nifty-ghl demo` on its own: no config, no account, no network beyond loopback. Its report
/// must show every flow's effect in GHL once, the retried 500, both refusals and the repeat.
#[test]
fn the_demo_runs_every_flow_on_a_fresh_machine_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["demo", "--json"])
        .current_dir(dir.path())
        .env_remove("NIFTY_GHL_CONFIG")
        .env_remove("NIFTY_GHL_DATABASE_URL")
        .env_remove("NIFTY_GHL_MASTER_KEY")
        .env_remove("GHL_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ghl = &report["ghl"];
    let count = |key: &str| ghl[key].as_array().unwrap().len();
    assert_eq!(
        (count("contacts"), count("tasks"), count("notes")),
        (14, 12, 5)
    );
    let emails: std::collections::HashSet<&str> = ghl["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 14, "one contact per person");
    let completed: Vec<&Value> = ghl["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["completed"] == true)
        .collect();
    assert_eq!(completed.len(), 1, "the submitted form completed its task");
    assert!(
        ghl["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["body"].as_str().unwrap().ends_with("Sent the link.")),
        "the edited note holds the edit"
    );
    assert_eq!(report["events_accepted"], 41);
    let retried = report["retried"].as_array().unwrap();
    assert_eq!(retried.len(), 1, "{retried:?}");
    assert!(retried[0]["failures"][0].as_str().unwrap().contains("500"));
    assert_eq!(retried[0]["status"], "succeeded");
    let refused: Vec<u64> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(refused, [422, 401]);
    assert_eq!(report["repeats"].as_array().unwrap().len(), 1);
    assert!(report["dead_letters"].as_array().unwrap().is_empty());
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "the demo writes nothing where it runs"
    );
}

/// The operations catalog needs no configuration and no GHL: it is built into the binary.
#[test]
fn the_operations_catalog_lists_shows_and_names_the_closest_for_a_typo() {
    let run = |args: &[&str]| -> Output {
        Command::new(BINARY)
            .args(args)
            .env_remove("NIFTY_GHL_LOG")
            .output()
            .unwrap()
    };
    let stdout = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();

    let listed = run(&["--json", "ops", "list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let operations: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let named = |name: &str| operations.iter().find(|op| op["name"] == name).cloned();
    let upsert = named("ghl.contacts.upsert").expect("ghl.contacts.upsert is listed");
    assert_eq!(
        (
            &upsert["kind"],
            &upsert["method"],
            &upsert["path"],
            &upsert["scope"]
        ),
        (
            &Value::from("action"),
            &Value::from("POST"),
            &Value::from("/contacts/upsert"),
            &Value::from("contacts.write")
        )
    );
    let trigger = named("niftyimages.contact.updated").expect("the trigger is listed");
    assert_eq!(trigger["kind"], "trigger");
    assert_eq!(trigger["event_type"], "contact.updated");
    assert!(operations.len() >= 41, "{} operations", operations.len());

    let triggers = run(&["ops", "list", "--kind", "trigger", "--json"]);
    let triggers: Vec<Value> = serde_json::from_slice(&triggers.stdout).unwrap();
    // Six NiftyImages-side event types and twenty-nine GHL webhooks.
    assert_eq!(triggers.len(), 35);
    assert!(triggers.iter().all(|op| op["kind"] == "trigger"));

    let table = run(&["ops", "list", "--kind", "action"]);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(stdout(&table).contains("/contacts/{contactId}/campaigns/removeAll"));
    assert!(!stdout(&table).contains("niftyimages.signup"));

    let shown = run(&["ops", "show", "ghl.tasks.complete"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let text = stdout(&shown);
    for expected in [
        "PUT",
        "/contacts/{contactId}/tasks/{taskId}/completed",
        "contacts.write",
        "input schema:",
        "\"taskId\"",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    let shown = run(&["--json", "ops", "show", "ghl.tasks.complete"]);
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let mut required: Vec<&str> = shown["input_schema"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["completed", "contactId", "taskId"]);

    let unknown = run(&["ops", "show", "ghl.task.complete"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).contains("did you mean ghl.tasks.complete"),
        "{}",
        stderr(&unknown)
    );
    assert!(unknown.stdout.is_empty());
}

/// Recipes from a folder: listed with the built-in ones, validated with file, line and
/// column, and a dry run that prints the GHL requests while sending nothing.
#[test]
fn recipes_list_validate_and_dry_run_without_sending() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Output {
        Command::new(BINARY)
            .args(args)
            .current_dir(dir.path())
            .env_remove("NIFTY_GHL_CONFIG")
            .env_remove("NIFTY_GHL_RECIPES_DIR")
            .env_remove("NIFTY_GHL_LOG")
            .output()
            .unwrap()
    };
    std::fs::create_dir(dir.path().join("recipes")).unwrap();
    std::fs::write(
        dir.path().join("recipes/hot.toml"),
        r#"name = "hot-leads"
[trigger]
events = ["campaign.event"]
when = "event.data.kind == 'click' and event.data.email is defined"
[[steps]]
action = "ghl.contacts.upsert"
[steps.input]
sourceId = "{{ event.data.contactId }}"
email = "{{ event.data.email }}"
tags = ["hot-lead"]
"#,
    )
    .unwrap();
    let list = run(&["--json", "recipes", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let names: Vec<String> = serde_json::from_slice::<Vec<Value>>(&list.stdout)
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "appointment-timer",
            "campaign-follow-up",
            "contact-sync",
            "ghl-contact-deleted-from-data-store",
            "ghl-contacts-to-data-store",
            "hot-leads",
            "signup-welcome",
            "timeline-notes"
        ]
    );

    std::fs::write(
        dir.path().join("events.ndjson"),
        "{\"id\":\"e1\",\"type\":\"campaign.event\",\"occurred_at\":\"2026-11-27T10:00:00Z\",\"data\":{\"contactId\":\"ni-1\",\"email\":\"ann@example.com\",\"kind\":\"click\",\"campaignId\":\"bf\"}}\n",
    )
    .unwrap();
    let dry = run(&[
        "--json",
        "recipes",
        "dry-run",
        "--event",
        "events.ndjson",
        "--for-location",
        "AbCdEfGhIjKlMnOpQrSt",
    ]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let report: Vec<Value> = serde_json::from_slice(&dry.stdout).unwrap();
    let steps = report[0]["steps"].as_array().unwrap();
    let origins: Vec<&str> = steps
        .iter()
        .map(|s| s["recipe_step"].as_str().unwrap())
        .collect();
    assert_eq!(origins, ["campaign-follow-up/1", "hot-leads/1"]);
    let task = steps[0]["requests"].as_array().unwrap().last().unwrap();
    assert_eq!(task["method"], "POST");
    assert_eq!(task["path"], "/contacts/{contactId}/tasks");
    assert_eq!(task["body"]["title"], "Follow up: clicked on bf");
    assert_eq!(task["body"]["dueDate"], "2026-11-30T09:00:00.000Z");
    let lead = &steps[1]["requests"].as_array().unwrap()[1];
    assert_eq!(lead["body"], serde_json::json!({"tags": ["hot-lead"]}));

    std::fs::write(
        dir.path().join("recipes/broken.toml"),
        "name = \"broken\"\n[trigger]\nevents = [\"signup\"]\n[[steps]]\naction = \"ghl.contacts.upsert\"\n[steps.input]\nemail = \"{{ event.data.emial }}\"\n",
    )
    .unwrap();
    let invalid = run(&["recipes", "validate"]);
    assert_eq!(invalid.status.code(), Some(2));
    assert!(
        stderr(&invalid).contains("recipes/broken.toml:7:9: step 1, input email: event.data.emial: signup events have no field \"emial\""),
        "{}",
        stderr(&invalid)
    );
}
