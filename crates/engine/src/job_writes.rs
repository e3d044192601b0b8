//! The writes workers make while jobs run, each through a group commit: the intent noted
//! before a create is sent, and the end of every attempt (outcome, run-log row, identities).

use std::sync::Arc;

use store::Store;
use store::queue::{Finish, Intent};

use crate::group_commit::GroupCommit;

/// The most writes one commit carries.
const BATCH_MAX: usize = 512;

#[derive(Debug, Clone)]
pub struct JobWrites {
    intents: GroupCommit<Intent, bool>,
    finishes: GroupCommit<Finish, bool>,
}

impl JobWrites {
    pub fn start(store: &Arc<dyn Store>) -> Self {
        let for_intents = Arc::clone(store);
        let for_finishes = Arc::clone(store);
        Self {
            intents: GroupCommit::start(BATCH_MAX, move |batch: Vec<Intent>| {
                let store = Arc::clone(&for_intents);
                async move {
                    store
                        .mark_intents(&batch, store::now_millis())
                        .await
                        .map_err(|e| e.to_string())
                }
            }),
            finishes: GroupCommit::start(BATCH_MAX, move |batch: Vec<Finish>| {
                let store = Arc::clone(&for_finishes);
                async move {
                    store
                        .finish_jobs(&batch, store::now_millis())
                        .await
                        .map_err(|e| e.to_string())
                }
            }),
        }
    }

    /// Durably notes that the attempt is about to create something; false if its lease is
    /// gone (then it must not send).
    pub async fn intend(&self, intent: Intent) -> Result<bool, String> {
        self.intents.submit(intent).await
    }

    /// Stores the end of an attempt; true if its worker still held the job (the outcome
    /// counts), false if the lease had been lost (only the run log keeps it).
    pub async fn finish(&self, finish: Finish) -> Result<bool, String> {
        self.finishes.submit(finish).await
    }
}
