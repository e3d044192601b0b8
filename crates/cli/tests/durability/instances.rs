//! Three `nifty-ghl serve` processes sharing one PostgreSQL database, one killed mid-run:
//! everything delivered once, its locations taken over at once, and not one 429 from GHL.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;

use crate::deployment::Deployment;
use crate::producer::{self, Share, Tally};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_the_work_and_survive_one_killed() {
    let url = match std::env::var("NIFTY_GHL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("skipped: NIFTY_GHL_TEST_POSTGRES_URL is not set");
            return;
        }
    };
    // A schema of its own on the shared server, made and migrated up front.
    let schema = format!("durability_{}", engine::connections::random_hex(6));
    store::open_postgres_schema(&url, &schema).await.unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let database_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");

    let count = 1_800;
    let mut deployment = Deployment::new(6, Some(&database_url)).await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(deployment.start().await);
    }
    let tally = Arc::new(Tally::default());
    let mut targets = Vec::new();
    let mut producers = Vec::new();
    for (first, instance) in instances.iter().enumerate() {
        let (target, watching) = watch::channel(instance.address.clone());
        targets.push(target);
        let share = Share {
            count,
            first,
            step: 3,
            pause: Duration::from_millis(10),
        };
        producers.push(tokio::spawn(producer::produce(
            share,
            deployment.locations.clone(),
            deployment.hook_secret.clone(),
            watching,
            Arc::clone(&tally),
        )));
    }
    // Mid-run, the first instance dies with its jobs and locations; its producer moves on.
    while tally.acknowledged.load(Ordering::Relaxed) < count / 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    instances.remove(0).kill();
    targets[0].send(instances[0].address.clone()).unwrap();
    for producer in producers {
        producer.await.unwrap();
    }
    let queue = deployment.drained(Duration::from_secs(120)).await;
    assert_eq!(queue["dead"], 0, "{queue}");

    let state = deployment.ghl_state().await;
    for i in 0..count {
        assert_eq!(
            state.contacts.get(&producer::email(i)),
            Some(&1),
            "contact {i}"
        );
        match i % 3 {
            1 => assert_eq!(
                state.tasks.get(&producer::task_title(i)),
                Some(&1),
                "task {i}"
            ),
            2 => assert_eq!(
                state.notes.get(&producer::note_body(i)),
                Some(&1),
                "note {i}"
            ),
            _ => {}
        }
    }
    assert_eq!(state.contacts.len(), count);
    assert_eq!(deployment.refusals_429().await, 0, "no 429 from GHL");
    let logs: Vec<String> = instances.iter().map(|i| i.log()).collect();
    assert!(
        logs.iter()
            .any(|log| log.contains("an instance stopped without finishing")),
        "a survivor buried the killed instance at once:\n{}",
        logs.join("\n---\n")
    );
}
