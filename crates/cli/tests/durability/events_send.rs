//! `nifty-ghl events send`: a file through the signed door of a running service, signed with
//! the hook secret the vault holds. Sending the same file twice applies nothing twice; a file
//! with one bad record sends nothing.

use std::time::Duration;

use serde_json::Value;

use crate::deployment::Deployment;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_sent_once_however_often_it_is_sent_and_a_bad_one_not_at_all() {
    let mut deployment = Deployment::new(1, None).await;
    let service = deployment.start().await;
    let url = format!("http://{}", service.address);
    let location = deployment.locations[0].clone();

    let csv = deployment.path("backfill.csv");
    std::fs::write(
        &csv,
        format!(
            "type,location_id,contactId,email,name,tags,noteId,content\n\
             contact.created,{location},ni-1,ann@example.com,Ann Lee,vip;newsletter,,\n\
             signup,{location},,bob@example.com,Bob Stone,,,\n\
             note.added,{location},ni-1,,,,note-1,Asked for the catalogue\n"
        ),
    )
    .unwrap();
    // (accepted, duplicates) of one `events send` of the CSV.
    let send = || async {
        let summary: Value = serde_json::from_str(
            &deployment
                .ok(&[
                    "--json",
                    "events",
                    "send",
                    csv.to_str().unwrap(),
                    "--url",
                    &url,
                ])
                .await,
        )
        .unwrap();
        (summary["accepted"].as_u64(), summary["duplicates"].as_u64())
    };
    assert_eq!(send().await, (Some(3), Some(0)));
    assert_eq!(
        send().await,
        (Some(0), Some(3)),
        "ids made from the content: the same rows are the same events"
    );

    let ndjson = deployment.path("broken.ndjson");
    std::fs::write(
        &ndjson,
        format!(
            "{{\"id\":\"x1\",\"type\":\"signup\",\"location_id\":\"{location}\",\"data\":{{\"email\":\"cy@example.com\"}}}}\n\
             {{\"id\":\"x2\",\"type\":\"contact.created\",\"location_id\":\"{location}\",\"data\":{{\"contactId\":\"ni-9\",\"name\":\"No Mail\"}}}}\n"
        ),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_nifty-ghl"))
        .args(["events", "send", ndjson.to_str().unwrap(), "--url", &url])
        .current_dir(deployment.dir.path())
        .env_remove("NIFTY_GHL_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("line 2: /data/email: is required"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was sent"), "{stderr}");

    deployment.drained(Duration::from_secs(30)).await;
    let ghl = deployment.ghl_state().await;
    assert_eq!(ghl.contacts.get("ann@example.com"), Some(&1));
    assert_eq!(ghl.contacts.get("bob@example.com"), Some(&1));
    assert_eq!(
        ghl.contacts.len(),
        2,
        "cy@example.com's line was in the refused file: {ghl:?}"
    );
    assert_eq!(ghl.notes.get("Asked for the catalogue"), Some(&1));

    // The hook secret is only in the vault: the service verified with it and `events send`
    // signed with it, and neither the config file, the service's log nor the refusal shows it.
    let config = std::fs::read_to_string(deployment.path("nifty-ghl.toml")).unwrap();
    assert!(!config.contains(&deployment.hook_secret), "{config}");
    assert!(!service.log().contains(&deployment.hook_secret));
    assert!(!stderr.contains(&deployment.hook_secret));
}
