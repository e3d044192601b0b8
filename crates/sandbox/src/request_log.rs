//! Every request the sandbox answered: a bounded log with bodies, and counts per endpoint.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;

/// Bodies above this size are kept as a note of their size only.
pub const MAX_RECORDED_BODY: usize = 64 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The endpoint as the spec writes it, such as `/contacts/{contactId}`.
    pub route: String,
    pub user_agent: Option<String>,
    pub status: u16,
    pub duration_us: u64,
    /// What fault injection did to this request, if anything.
    pub fault: Option<&'static str>,
    pub request_content_type: Option<String>,
    pub request_body: Option<Value>,
    pub response_body: Option<Value>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<RequestRecord>>,
    counts: Mutex<BTreeMap<String, u64>>,
    /// Answers per HTTP status, over the whole run (the entries are bounded, these are not).
    statuses: Mutex<BTreeMap<u16, u64>>,
    seq: AtomicU64,
}

impl RequestLog {
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn record(&self, record: RequestRecord, capacity: usize) {
        *self
            .counts
            .lock()
            .entry(format!("{} {}", record.method, record.route))
            .or_default() += 1;
        *self.statuses.lock().entry(record.status).or_default() += 1;
        if capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock();
        while entries.len() >= capacity {
            entries.pop_front();
        }
        entries.push_back(record);
    }

    /// Entries after `since` (a `seq`), oldest first, at most `limit`.
    pub fn entries(&self, since: u64, limit: usize) -> Vec<RequestRecord> {
        self.entries
            .lock()
            .iter()
            .filter(|r| r.seq > since)
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.lock().clone()
    }

    pub fn statuses(&self) -> BTreeMap<u16, u64> {
        self.statuses.lock().clone()
    }

    pub fn clear(&self) {
        self.statuses.lock().clear();
        self.entries.lock().clear();
        self.counts.lock().clear();
    }
}

/// A body as the log keeps it: JSON when it is JSON, text otherwise, a size note when large.
pub fn body_for_log(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    if bytes.len() > MAX_RECORDED_BODY {
        return Some(Value::String(format!("<{} bytes, not kept>", bytes.len())));
    }
    Some(
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
    )
}
