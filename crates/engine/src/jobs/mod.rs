//! What each kind of job does on GHL, made safe to run more than once: contacts go through
//! upsert; tasks and notes record their source id → GHL id in the identity map, and an
//! attempt that follows one that may have created something looks for it before creating.

pub mod complete_event;
mod contact;
mod custom_fields;
pub(crate) use custom_fields::full_key as custom_field_key;
pub mod nifty;
mod note;
pub mod preview;
mod task;
mod workflow;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ghl::{GhlClient, GhlError, GhlResponse, RateLimitScope, UnauthorizedReason};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::Store;
use store::queue::{Identity, Intent, JobRow};

use crate::governor::Governor;
use crate::job_writes::JobWrites;

pub const CONTACT_UPSERT: &str = "ghl.contact.upsert";
pub const TASK_UPSERT: &str = "ghl.task.upsert";
pub const NOTE_UPSERT: &str = "ghl.note.upsert";
pub const WORKFLOW_ADD: &str = "ghl.workflow.add";

/// The contact a task or note belongs to, as the source knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Input of `ghl.contact.upsert`. Coalesced jobs merge these key by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactUpsert {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// GHL contact fields in GHL's camelCase (`email`, `phone`, `firstName`, `customFields`…).
    #[serde(default)]
    pub fields: serde_json::Map<String, Value>,
    /// Tags to add (a set, so that merging keeps every tag).
    #[serde(default)]
    pub add_tags: BTreeMap<String, bool>,
    /// Skip the write when it is the one nifty-ghl last made for this contact: set for jobs a
    /// GHL webhook caused, so that a recipe writing back to GHL does not loop on the webhook
    /// its own write sends.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_if_changed: bool,
}

/// Input of `ghl.task.upsert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskUpsert {
    pub source_id: String,
    pub contact: ContactRef,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub due_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
}

/// Input of `ghl.note.upsert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteUpsert {
    pub source_id: String,
    pub contact: ContactRef,
    pub body: String,
}

/// Input of `ghl.workflow.add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowAdd {
    /// Once per this key: the contact, the workflow and the recipe's key.
    pub source_id: String,
    pub contact: ContactRef,
    pub workflow_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_start_time: Option<String>,
}

/// One GHL call, for the run log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    pub call: &'static str,
    pub status: Option<u16>,
    pub ms: u64,
}

/// Why an attempt did not succeed, and what should happen next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not a failure of the job: run again after `after` without spending an attempt.
    Wait { after: Duration, reason: String },
    /// May succeed later: spend an attempt and retry on the schedule.
    Transient { error: String },
    /// Will not succeed as it is: dead letter, with what GHL answered.
    Permanent {
        error: String,
        response: Option<String>,
    },
    /// GHL does not have the record (deleted there): the job may make it again, else it is
    /// permanent.
    Gone {
        error: String,
        response: Option<String>,
    },
    /// Another worker holds the job now: stop without recording an outcome.
    LeaseLost,
    /// The location's GHL connection waits for a user (re-auth, a new PIT).
    NeedsUser { reason: String },
    /// No token could be had for the call: the runner checks whether the connection waits
    /// for a user, or the failure is passing.
    Token { error: String },
}

/// What a job sees while it runs.
pub struct JobContext<'a> {
    pub store: &'a Arc<dyn Store>,
    /// The NiftyImages stores and timers jobs may write to.
    pub nifty: &'a crate::niftyimages_side::NiftySide,
    pub writes: &'a JobWrites,
    /// Where a job submits an event it completed from the API.
    pub ingestor: &'a crate::ingest::Ingestor,
    pub client: &'a GhlClient,
    pub governor: &'a Governor,
    pub job: &'a JobRow,
    pub owner: &'a str,
    pub calls: Vec<CallRecord>,
    /// Identity-map entries learned, stored with the outcome.
    pub identities: Vec<Identity>,
    /// Longest a call waits in the job for budget before the job is put back.
    pub max_budget_wait: Duration,
}

impl std::fmt::Debug for JobContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext")
            .field("job", &self.job.id)
            .field("kind", &self.job.kind)
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

impl JobContext<'_> {
    pub fn location(&self) -> &str {
        &self.job.location_id
    }

    /// Notes that `source_id` (of `kind`) is `ghl_id` in GHL, for the identity map.
    pub fn learned(&mut self, kind: &str, source_id: &str, ghl_id: &str) {
        self.identities.push(Identity {
            location_id: self.job.location_id.clone(),
            kind: kind.to_owned(),
            source_id: source_id.to_owned(),
            ghl_id: ghl_id.to_owned(),
        });
    }

    /// Makes one GHL call within the location's budget, recording it.
    async fn call<T, F>(&mut self, name: &'static str, call: F) -> Result<GhlResponse<T>, Failure>
    where
        F: Future<Output = Result<GhlResponse<T>, GhlError>>,
    {
        self.take_budget().await?;
        self.send(name, call)
            .await
            .map_err(|error| self.classify(name, error))
    }

    /// Waits (briefly) for the location's GHL rate budget; a longer wait puts the job back.
    async fn take_budget(&mut self) -> Result<(), Failure> {
        loop {
            match self.governor.try_take(&self.job.location_id) {
                Ok(()) => return Ok(()),
                Err(wait) if wait <= self.max_budget_wait => tokio::time::sleep(wait).await,
                Err(wait) => {
                    return Err(Failure::Wait {
                        after: wait,
                        reason: "waiting for the location's GHL rate budget".into(),
                    });
                }
            }
        }
    }

    /// Sends one GHL call the budget was taken for, records it and tells the governor what
    /// GHL said of the budget. The error is GHL's, for callers that treat some errors
    /// themselves; [`Self::call`] classifies it.
    async fn send<T, F>(&mut self, name: &'static str, call: F) -> Result<GhlResponse<T>, GhlError>
    where
        F: Future<Output = Result<GhlResponse<T>, GhlError>>,
    {
        let started = Instant::now();
        let result = call.await;
        let status = match &result {
            Ok(response) => Some(response.status.as_u16()),
            Err(error) => error.status().map(|s| s.as_u16()),
        };
        self.calls.push(CallRecord {
            call: name,
            status,
            ms: started.elapsed().as_millis() as u64,
        });
        self.governor.answered(&self.job.location_id, &result);
        result
    }

    fn classify(&self, name: &str, error: GhlError) -> Failure {
        let response = error.details().map(|d| {
            json!({"status": d.status.as_u16(), "messages": d.messages, "traceId": d.trace_id})
                .to_string()
        });
        match &error {
            GhlError::RateLimited {
                scope, retry_after, ..
            } => {
                // The governor knows already (`send`): the job only waits.
                let reason = match scope {
                    RateLimitScope::Burst => "GHL's burst limit (429)",
                    RateLimitScope::Daily => "GHL's daily limit (429)",
                };
                Failure::Wait {
                    after: *retry_after,
                    reason: reason.into(),
                }
            }
            GhlError::Network { .. } | GhlError::Server { .. } | GhlError::Decode { .. } => {
                Failure::Transient {
                    error: format!("{name}: {error}"),
                }
            }
            GhlError::Unauthorized {
                reason: UnauthorizedReason::InvalidToken,
                ..
            } => Failure::Transient {
                error: format!("{name}: {error}"),
            },
            GhlError::Token(message) => Failure::Token {
                error: format!("{name}: {message}"),
            },
            GhlError::NotFound { .. } => Failure::Gone {
                error: format!("{name}: {error}"),
                response,
            },
            _ => Failure::Permanent {
                error: format!("{name}: {error}"),
                response,
            },
        }
    }

    /// Notes that this attempt is about to create something (fenced by the job's lease).
    async fn intend_to_create(&self) -> Result<(), Failure> {
        let marked = self
            .writes
            .intend(Intent {
                id: self.job.id,
                owner: self.owner.to_owned(),
                attempt: self.job.attempts,
            })
            .await
            .map_err(|error| Failure::Transient { error })?;
        if marked {
            Ok(())
        } else {
            Err(Failure::LeaseLost)
        }
    }

    /// Whether an earlier attempt may have created what this one is about to create.
    fn earlier_attempt_may_have_created(&self) -> bool {
        self.job.intent_at.is_some()
    }
}

/// Runs one job. `Ok` means its effect is in GHL.
pub async fn execute(ctx: &mut JobContext<'_>) -> Result<(), Failure> {
    let payload = ctx.job.payload.clone();
    let bad_input = |e: serde_json::Error| Failure::Permanent {
        error: format!("the job's input is not what {} takes: {e}", ctx.job.kind),
        response: None,
    };
    match ctx.job.kind.as_str() {
        CONTACT_UPSERT => contact::run(ctx, serde_json::from_str(&payload).map_err(bad_input)?)
            .await
            .map(|_| ()),
        TASK_UPSERT => task::run(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await,
        NOTE_UPSERT => note::run(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await,
        WORKFLOW_ADD => {
            workflow::run(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await
        }
        nifty::STORE_UPSERT => {
            nifty::upsert(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await
        }
        nifty::STORE_DELETE => {
            nifty::delete(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await
        }
        complete_event::COMPLETE_EVENT => {
            complete_event::run(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await
        }
        nifty::TIMER_UPDATE => {
            nifty::set_timer(ctx, serde_json::from_str(&payload).map_err(bad_input)?).await
        }
        other => Err(Failure::Permanent {
            error: format!("no worker knows the job kind {other:?}"),
            response: None,
        }),
    }
}

/// An email as the identity map and the job lanes key it: trimmed, lower case.
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// SHA-256 of `content` as JSON, in hex: the same content, the same fingerprint, whatever
/// order its keys came in (serde_json keeps object keys sorted).
fn fingerprint(content: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(content).expect("JSON content serialises");
    ring::digest::digest(&ring::digest::SHA256, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Logs `message` once per process for each `topic` and location: a connection that lacks a
/// scope would otherwise say so on every job.
fn warn_once(topic: &'static str, location: &str, message: &str) {
    static SAID: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<(&str, String)>>> =
        std::sync::OnceLock::new();
    let first = SAID
        .get_or_init(Default::default)
        .lock()
        .expect("warn_once")
        .insert((topic, location.to_owned()));
    if first {
        tracing::warn!(%location, "{message}");
    }
}

/// Whether two ISO-8601 instants are the same moment (GHL echoes dates in its own form).
fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn store_failure(error: store::StoreError) -> Failure {
    Failure::Transient {
        error: format!("database: {error}"),
    }
}
