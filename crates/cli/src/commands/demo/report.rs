//! What the demo shows at the end: GHL's contacts, tasks and notes as the sandbox now holds
//! them, the jobs that were retried and why, and every request that was refused or was a
//! repeat, with the service's own answer.

use std::collections::HashMap;

use engine::pipeline::Pipeline;
use serde::Serialize;
use serde_json::{Value, json};
use store::queue::DeadFilter;

use super::samples::Delivery;
use crate::output::table;

/// A request the service did not take, and what it said.
#[derive(Debug, Serialize)]
pub struct Refusal {
    pub request: String,
    pub status: u16,
    pub reason: String,
}

/// A job that failed at least once before it finished.
#[derive(Debug, Serialize)]
pub struct Retried {
    pub job: i64,
    pub kind: String,
    pub failures: Vec<String>,
    pub attempts: i64,
    pub status: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub requests: usize,
    pub accepted: usize,
    /// Requests answered 200: every event in them was seen before.
    pub repeats: Vec<Refusal>,
    pub refused: Vec<Refusal>,
    pub contacts: Vec<Value>,
    pub tasks: Vec<Value>,
    pub notes: Vec<Value>,
    pub retried: Vec<Retried>,
    pub dead_letters: Vec<Retried>,
    pub seconds: f64,
}

impl Report {
    /// Records one request's answer.
    pub fn delivery(&mut self, delivery: &Delivery, status: u16, answer: &Value) {
        self.requests += 1;
        let count = |key: &str| answer[key].as_u64().unwrap_or(0) as usize;
        match status {
            202 => self.accepted += count("accepted"),
            200 => self.repeats.push(Refusal {
                request: delivery.label.clone(),
                status,
                reason: format!(
                    "{} events already taken (same webhook-id and event ids): acknowledged, not applied again",
                    count("duplicates")
                ),
            }),
            _ => self.refused.push(Refusal {
                request: delivery.label.clone(),
                status,
                reason: answer["error"]
                    .as_str()
                    .unwrap_or("no reason given")
                    .to_owned(),
            }),
        }
    }

    /// Reads back what GHL holds (the sandbox's own state, so no GHL budget is spent) and what
    /// the run log says about retries and dead letters.
    pub async fn read_back(
        &mut self,
        pipeline: &Pipeline,
        http: &reqwest::Client,
        ghl_url: &str,
        location: &str,
    ) -> anyhow::Result<()> {
        let state: Value = http
            .get(format!("{ghl_url}/_sandbox/state?location_id={location}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let location = &state["locations"][0];
        let list = |key: &str| location[key].as_array().cloned().unwrap_or_default();
        self.contacts = list("contacts");
        self.tasks = list("tasks");
        self.notes = list("notes");

        let store = &pipeline.store;
        let mut failures: HashMap<i64, Vec<String>> = HashMap::new();
        for attempt in store.attempts(None, 10_000).await? {
            if attempt.outcome != "succeeded" {
                failures.entry(attempt.job_id).or_default().push(format!(
                    "attempt {}: {} ({})",
                    attempt.attempt,
                    attempt.outcome,
                    attempt.error.unwrap_or_default()
                ));
            }
        }
        let mut ids: Vec<i64> = failures.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(job) = store.job(id).await? else {
                continue;
            };
            let retried = Retried {
                job: id,
                kind: job.kind,
                failures: failures.remove(&id).unwrap_or_default(),
                attempts: job.attempts,
                status: job.status,
            };
            if retried.status == "dead" {
                self.dead_letters.push(retried);
            } else {
                self.retried.push(retried);
            }
        }
        // A job dead at its first attempt has no earlier failure, but is in the dead letters.
        for job in store.dead_jobs(&DeadFilter::default(), 1_000).await? {
            if !self.dead_letters.iter().any(|d| d.job == job.id) {
                self.dead_letters.push(Retried {
                    job: job.id,
                    kind: job.kind,
                    failures: job.last_error.into_iter().collect(),
                    attempts: job.attempts,
                    status: job.status,
                });
            }
        }
        Ok(())
    }

    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "events_accepted": self.accepted,
            "repeats": self.repeats,
            "refused": self.refused,
            "ghl": {"contacts": self.contacts, "tasks": self.tasks, "notes": self.notes},
            "retried": self.retried,
            "dead_letters": self.dead_letters,
            "seconds": self.seconds,
        })
    }

    pub fn print(&self) {
        let names: HashMap<&str, String> = self
            .contacts
            .iter()
            .map(|c| (text(c, "id"), full_name(c)))
            .collect();
        let name_of = |record: &Value| {
            names
                .get(text(record, "contactId"))
                .cloned()
                .unwrap_or_else(|| "-".into())
        };

        println!();
        println!("GHL contacts ({})", self.contacts.len());
        let mut contacts = table(&["NAME", "EMAIL", "PHONE", "TAGS"]);
        for contact in &self.contacts {
            let tags: Vec<&str> = contact["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            contacts.add_row(vec![
                full_name(contact),
                text(contact, "email").to_owned(),
                text(contact, "phone").to_owned(),
                tags.join(", "),
            ]);
        }
        println!("{contacts}");

        println!();
        println!("GHL tasks ({})", self.tasks.len());
        let mut tasks = table(&["CONTACT", "TITLE", "DUE", "DONE"]);
        for task in &self.tasks {
            tasks.add_row(vec![
                name_of(task),
                text(task, "title").to_owned(),
                text(task, "dueDate").to_owned(),
                if task["completed"].as_bool() == Some(true) {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
            ]);
        }
        println!("{tasks}");

        println!();
        println!("GHL notes ({})", self.notes.len());
        let mut notes = table(&["CONTACT", "NOTE"]);
        for note in &self.notes {
            notes.add_row(vec![name_of(note), text(note, "body").to_owned()]);
        }
        println!("{notes}");

        println!();
        println!(
            "Retried ({}): GHL failed, the job tried again",
            self.retried.len()
        );
        for job in &self.retried {
            println!(
                "  job {} {}: {}; {} after {} attempts",
                job.job,
                job.kind,
                job.failures.join("; "),
                job.status,
                job.attempts
            );
        }
        println!();
        println!(
            "Refused ({}): nothing of these was stored",
            self.refused.len()
        );
        for refusal in &self.refused {
            println!(
                "  {} → {}: {}",
                refusal.request, refusal.status, refusal.reason
            );
        }
        println!();
        println!("Repeats ({})", self.repeats.len());
        for repeat in &self.repeats {
            println!(
                "  {} → {}: {}",
                repeat.request, repeat.status, repeat.reason
            );
        }
        if !self.dead_letters.is_empty() {
            println!();
            println!(
                "Dead letters ({}): `nifty-ghl dead-letters` shows them",
                self.dead_letters.len()
            );
            for job in &self.dead_letters {
                println!(
                    "  job {} {}: {}",
                    job.job,
                    job.kind,
                    job.failures.join("; ")
                );
            }
        }
        println!();
        println!(
            "{} requests, {} events accepted, each applied to GHL once, in {:.1} s.",
            self.requests, self.accepted, self.seconds
        );
    }
}

fn text<'a>(record: &'a Value, key: &str) -> &'a str {
    record[key].as_str().unwrap_or("-")
}

fn full_name(contact: &Value) -> String {
    let parts: Vec<&str> = ["firstName", "lastName"]
        .iter()
        .filter_map(|key| contact[*key].as_str())
        .collect();
    if parts.is_empty() {
        text(contact, "email").to_owned()
    } else {
        parts.join(" ")
    }
}
