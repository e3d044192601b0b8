//! `nifty-ghl serve` killed with SIGKILL at random moments while events flow: every event
//! acknowledged has exactly its effect in GHL, none missing, none twice.
//!
//! The suite runs 20 kills; `scripts/crash-test.sh` runs 200 (`NIFTY_GHL_CRASH_KILLS`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use crate::deployment::Deployment;
use crate::producer::{self, Share, Tally};

const EVENTS_PER_KILL: usize = 60;
const PRODUCERS: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_event_has_its_effect_once_through_sigkills() {
    let kills: usize = std::env::var("NIFTY_GHL_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let count = kills * EVENTS_PER_KILL;
    let mut deployment = Deployment::new(4, None).await;
    let mut instance = deployment.start().await;
    let (target, watching) = watch::channel(instance.address.clone());
    let tally = Arc::new(Tally::default());
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|first| {
            let share = Share {
                count,
                first,
                step: PRODUCERS,
                pause: Duration::from_millis(25),
            };
            tokio::spawn(producer::produce(
                share,
                deployment.locations.clone(),
                deployment.hook_secret.clone(),
                watching.clone(),
                Arc::clone(&tally),
            ))
        })
        .collect();

    let mut acknowledged_at_kill = Vec::new();
    for _ in 0..kills {
        let alive = rand::rng().random_range(50..600);
        tokio::time::sleep(Duration::from_millis(alive)).await;
        acknowledged_at_kill.push(tally.acknowledged.load(Ordering::Relaxed));
        instance.kill();
        instance = deployment.start().await;
        target.send(instance.address.clone()).unwrap();
    }
    for producer in producers {
        producer.await.unwrap();
    }
    let queue = deployment.drained(Duration::from_secs(120)).await;
    let log = instance.log();
    drop(instance);

    assert_eq!(tally.acknowledged.load(Ordering::Relaxed), count);
    assert_eq!(queue["dead"], 0, "{queue}\n{log}");
    let state = deployment.ghl_state().await;
    let mut missing = Vec::new();
    let mut twice = Vec::new();
    for i in 0..count {
        // Every event makes (or finds) its contact; tasks and notes come from their events.
        let found = [
            state.contacts.get(&producer::email(i)).copied(),
            match i % 3 {
                1 => state.tasks.get(&producer::task_title(i)).copied(),
                2 => state.notes.get(&producer::note_body(i)).copied(),
                _ => Some(1),
            },
        ];
        for n in found {
            match n.unwrap_or(0) {
                0 => missing.push(i),
                1 => {}
                _ => twice.push(i),
            }
        }
    }
    assert!(
        missing.is_empty() && twice.is_empty(),
        "after {kills} kills: missing {missing:?}, twice {twice:?}"
    );
    assert_eq!(state.contacts.len(), count, "no stray contact");
    assert_eq!(state.tasks.len(), (count + 1) / 3, "no stray task");
    assert_eq!(state.notes.len(), count / 3, "no stray note");
    let taken_back = deployment.jobs_taken_back();
    eprintln!(
        "{kills} kills, {count} events, {} requests sent again after a kill, {taken_back} jobs \
         interrupted and taken back, acknowledged at each kill: {acknowledged_at_kill:?}",
        tally.resent.load(Ordering::Relaxed)
    );
    assert!(
        taken_back > 0,
        "some kill landed while jobs ran (else the test proves less than it says)"
    );
}
