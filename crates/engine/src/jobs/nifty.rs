//! What the NiftyImages jobs do: upsert or delete a Data Store record, set a timer's target.
//!
//! A Data Store write that would change nothing is not made: each store record's last written
//! content is remembered (as a fingerprint in the identity map, kind `mark:store:<name>`), so
//! a GHL webhook that only echoes a change nifty-ghl itself caused, or a redelivered event,
//! costs no NiftyImages call. NiftyImages sends no webhooks, so nothing comes back from a
//! write made here.

use std::time::{Duration, Instant};

use niftyimages::NiftyError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CallRecord, Failure, JobContext, fingerprint, store_failure};

pub const STORE_UPSERT: &str = "niftyimages.store.upsert";
pub const STORE_DELETE: &str = "niftyimages.store.delete";
pub const TIMER_UPDATE: &str = "niftyimages.timer.update";

/// Input of `niftyimages.store.upsert`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreUpsert {
    /// The store's name in `[niftyimages.stores]`.
    pub store: String,
    /// The record, flat: field name → value; it holds the store's unique field.
    pub record: Map<String, Value>,
}

/// Input of `niftyimages.store.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreDelete {
    pub store: String,
    /// The record's value of the store's unique field.
    pub key: String,
}

/// Input of `niftyimages.timer.update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerSet {
    /// The timer's name in `[niftyimages.timers]`.
    pub timer: String,
    /// ISO-8601 instant the timer counts down to.
    pub target: String,
}

fn mark_kind(store: &str) -> String {
    format!("mark:store:{store}")
}

/// The unique value as stored in the mark: emails are matched without regard to case.
fn mark_key(value: &str) -> String {
    value.trim().to_lowercase()
}

fn unique_value(record: &Map<String, Value>, unique: &str) -> Option<String> {
    match record.get(unique)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl JobContext<'_> {
    /// Makes one NiftyImages call, recording it in the run log.
    async fn nifty_call<T>(
        &mut self,
        name: &'static str,
        call: impl std::future::Future<Output = Result<T, NiftyError>>,
    ) -> Result<T, NiftyError> {
        let started = Instant::now();
        let result = call.await;
        self.calls.push(CallRecord {
            call: name,
            status: match &result {
                Ok(_) => Some(200),
                Err(error) => error.status(),
            },
            ms: started.elapsed().as_millis() as u64,
        });
        result
    }
}

/// What a NiftyImages error means for the job.
fn classify(name: &str, target: &str, error: NiftyError) -> Failure {
    match error {
        NiftyError::RateLimited { retry_after, .. } => Failure::Wait {
            after: retry_after.unwrap_or(Duration::from_secs(30)),
            reason: "NiftyImages is rate limiting (429)".into(),
        },
        NiftyError::Unauthorized { .. } => Failure::Permanent {
            error: format!(
                "{name}: NiftyImages refused the key of {target}: put the right key in the [niftyimages] settings, then replay this dead letter"
            ),
            response: None,
        },
        error if error.is_retryable() => Failure::Transient {
            error: format!("{name}: {error}"),
        },
        error => Failure::Permanent {
            response: error.status().map(|status| {
                serde_json::json!({"status": status, "message": error.message()}).to_string()
            }),
            error: format!("{name}: {error}"),
        },
    }
}

fn not_configured(error: String) -> Failure {
    Failure::Permanent {
        error,
        response: None,
    }
}

pub(super) async fn upsert(ctx: &mut JobContext<'_>, input: StoreUpsert) -> Result<(), Failure> {
    let store = ctx
        .nifty
        .store(&input.store)
        .map_err(not_configured)?
        .clone();
    let key = unique_value(&input.record, &store.unique).ok_or_else(|| Failure::Permanent {
        error: format!(
            "the record for store {:?} has no value for its unique field {:?}",
            input.store, store.unique
        ),
        response: None,
    })?;
    let location = ctx.location().to_owned();
    let kind = mark_kind(&input.store);
    let print = fingerprint(&input.record);
    let last = ctx
        .store
        .identity(&location, &kind, &mark_key(&key))
        .await
        .map_err(store_failure)?;
    if last.as_deref() == Some(print.as_str()) {
        tracing::debug!(store = %input.store, "the record is unchanged since nifty-ghl last wrote it; no write");
        return Ok(());
    }
    const CALL: &str = "POST /Store/AddRecord";
    ctx.nifty_call(CALL, store.client.upsert_record(&input.record))
        .await
        .map_err(|error| classify(CALL, &format!("store {}", input.store), error))?;
    // Stored with the job's outcome, in the same commit (the record's next job waits for it).
    ctx.learned(&kind, &mark_key(&key), &print);
    Ok(())
}

pub(super) async fn delete(ctx: &mut JobContext<'_>, input: StoreDelete) -> Result<(), Failure> {
    let store = ctx
        .nifty
        .store(&input.store)
        .map_err(not_configured)?
        .clone();
    let mut key = Map::new();
    key.insert(store.unique.clone(), Value::String(input.key.clone()));
    const CALL: &str = "DELETE /Store/DeleteRecord";
    match ctx.nifty_call(CALL, store.client.delete_record(&key)).await {
        // Already gone: the effect is there.
        Ok(_) | Err(NiftyError::NotFound { .. }) => {}
        Err(error) => return Err(classify(CALL, &format!("store {}", input.store), error)),
    }
    ctx.learned(&mark_kind(&input.store), &mark_key(&input.key), "deleted");
    Ok(())
}

pub(super) async fn set_timer(ctx: &mut JobContext<'_>, input: TimerSet) -> Result<(), Failure> {
    let timer = ctx
        .nifty
        .timer(&input.timer)
        .map_err(not_configured)?
        .clone();
    let target = chrono::DateTime::parse_from_rfc3339(&input.target)
        .map_err(|_| Failure::Permanent {
            error: format!(
                "timer target {:?} is not an ISO-8601 date-time",
                input.target
            ),
            response: None,
        })?
        .with_timezone(&chrono::Utc);
    let update = niftyimages::timer::TimerUpdate::at_utc(timer.url.clone(), target);
    const CALL: &str = "PUT /Timer/Update";
    ctx.nifty_call(CALL, timer.client.update_timer(&update))
        .await
        .map(|_| ())
        .map_err(|error| classify(CALL, &format!("timer {}", input.timer), error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_content_has_the_same_fingerprint_whatever_its_key_order() {
        let a: Map<String, Value> =
            serde_json::from_value(json!({"email": "a@b.co", "first_name": "Ann"})).unwrap();
        let b: Map<String, Value> =
            serde_json::from_value(json!({"first_name": "Ann", "email": "a@b.co"})).unwrap();
        let c: Map<String, Value> =
            serde_json::from_value(json!({"first_name": "Anne", "email": "a@b.co"})).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }
}
