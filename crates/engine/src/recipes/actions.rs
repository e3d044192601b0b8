//! The actions a recipe step can take, their inputs, and the job each becomes. Every action
//! runs as one of the engine's exactly-once jobs: a contact through upsert (with the
//! NiftyImages id kept in the identity map), a task or note through its key (the same key
//! updates what the first one made instead of creating another).

use serde_json::{Map, Value, json};

use crate::jobs::nifty::{
    STORE_DELETE, STORE_UPSERT, StoreDelete, StoreUpsert, TIMER_UPDATE, TimerSet,
};
use crate::jobs::{
    CONTACT_UPSERT, ContactRef, ContactUpsert, NOTE_UPSERT, NoteUpsert, TASK_UPSERT, TaskUpsert,
    WORKFLOW_ADD, WorkflowAdd,
};

/// What an input must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    DateTime,
    Bool,
    /// A list of strings.
    List,
    /// An object of key → value.
    Map,
}

#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    pub name: &'static str,
    pub kind: InputKind,
    pub required: bool,
    pub about: &'static str,
}

const fn input(
    name: &'static str,
    kind: InputKind,
    required: bool,
    about: &'static str,
) -> InputSpec {
    InputSpec {
        name,
        kind,
        required,
        about,
    }
}

/// A recipe action: a name from the operations catalog and the inputs it takes.
#[derive(Debug)]
pub struct Action {
    pub name: &'static str,
    pub about: &'static str,
    pub inputs: &'static [InputSpec],
    /// Inputs of which at least one must be given.
    pub one_of: &'static [&'static str],
}

use InputKind::*;

pub const ACTIONS: &[Action] = &[
    Action {
        name: "ghl.contacts.upsert",
        about: "Create or update the GHL contact (by the location's duplicate rules), add tags, \
                and keep the NiftyImages contact id aligned with the GHL id",
        inputs: &[
            input("sourceId", Text, false, "the NiftyImages contact id"),
            input("email", Text, false, "email address"),
            input("phone", Text, false, "phone, E.164"),
            input("firstName", Text, false, "first name"),
            input("lastName", Text, false, "last name"),
            input(
                "name",
                Text,
                false,
                "full name, used when there is no first or last name",
            ),
            input("source", Text, false, "where the contact came from"),
            input("tags", List, false, "tags to add (existing tags stay)"),
            input("customFields", Map, false, "custom field key → value"),
        ],
        one_of: &["email", "phone"],
    },
    Action {
        name: "ghl.tasks.create",
        about: "A task on the contact; a later step with the same contact and key updates it \
                instead of creating another",
        inputs: &[
            input(
                "key",
                Text,
                true,
                "what makes two events the same task, per contact",
            ),
            input("contactId", Text, false, "the NiftyImages contact id"),
            input("email", Text, false, "the contact's email"),
            input("title", Text, true, "task title"),
            input("body", Text, false, "task description"),
            input("dueDate", DateTime, true, "ISO-8601 due date"),
            input("completed", Bool, false, "mark the task done (or not)"),
        ],
        one_of: &["contactId", "email"],
    },
    Action {
        name: "ghl.notes.create",
        about: "A note on the contact's timeline; a later step with the same key updates it",
        inputs: &[
            input("key", Text, true, "what makes two events the same note"),
            input("contactId", Text, false, "the NiftyImages contact id"),
            input("email", Text, false, "the contact's email"),
            input("body", Text, true, "the note"),
        ],
        one_of: &["contactId", "email"],
    },
    Action {
        name: "ghl.workflows.add",
        about: "Enrol the contact in a GHL workflow, once per contact, workflow and key",
        inputs: &[
            input("workflowId", Text, true, "the GHL workflow's id"),
            input("contactId", Text, false, "the NiftyImages contact id"),
            input("email", Text, false, "the contact's email"),
            input(
                "key",
                Text,
                false,
                "enrol again when this changes (default: once ever)",
            ),
            input(
                "eventStartTime",
                DateTime,
                false,
                "when the workflow's event starts",
            ),
        ],
        one_of: &["contactId", "email"],
    },
    Action {
        name: "niftyimages.stores.upsert",
        about: "Create or update a NiftyImages Data Store record by the store's unique field; \
                a record that would not change is not written",
        inputs: &[
            input(
                "store",
                Text,
                true,
                "the store's name in [niftyimages.stores]",
            ),
            input(
                "record",
                Map,
                true,
                "field → value, flat; holds the store's unique field",
            ),
        ],
        one_of: &[],
    },
    Action {
        name: "niftyimages.stores.delete",
        about: "Delete a NiftyImages Data Store record by its unique field's value",
        inputs: &[
            input(
                "store",
                Text,
                true,
                "the store's name in [niftyimages.stores]",
            ),
            input(
                "key",
                Text,
                true,
                "the record's value of the store's unique field",
            ),
        ],
        one_of: &[],
    },
    Action {
        name: "niftyimages.timers.update",
        about: "Set a NiftyImages countdown timer's target date",
        inputs: &[
            input(
                "timer",
                Text,
                true,
                "the timer's name in [niftyimages.timers]",
            ),
            input(
                "target",
                DateTime,
                true,
                "ISO-8601 instant to count down to",
            ),
        ],
        one_of: &[],
    },
];

/// Which NiftyImages target an action writes to (`store` or `timer`), which is also the name
/// of the input that names it: recipes that need a target the settings lack are turned off at
/// start, with a warning, instead of filling the dead letters.
pub fn nifty_target(action: &str) -> Option<&'static str> {
    match action {
        "niftyimages.stores.upsert" | "niftyimages.stores.delete" => Some("store"),
        "niftyimages.timers.update" => Some("timer"),
        _ => None,
    }
}

pub fn find(name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// A job an action makes, before the ingest gives it its ids.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedJob {
    pub kind: &'static str,
    /// Jobs of one lane and contact run one at a time, in order; every lane but `contact`
    /// also waits for the contact's upserts queued before it.
    pub lane: &'static str,
    /// Who the job is about: jobs with the same one run in order.
    pub who: String,
    /// Whether pending jobs of the same kind and `who` merge into one.
    pub coalesce: bool,
    pub payload: Value,
}

/// Each configured Data Store's unique field, by store name: what orders a record's jobs.
pub type StoreKeys = std::collections::BTreeMap<String, String>;

/// Checks rendered `inputs` against `action` and makes its job. `stores` names each Data
/// Store's unique field (a store it does not name is taken to be keyed by `email`).
pub fn build(
    action: &Action,
    inputs: &Map<String, Value>,
    stores: &StoreKeys,
) -> Result<PlannedJob, String> {
    for spec in action.inputs {
        match inputs.get(spec.name) {
            None if spec.required => return Err(format!("input {} is required", spec.name)),
            None => {}
            Some(value) => check_kind(spec, value)?,
        }
    }
    if !action.one_of.is_empty() && !action.one_of.iter().any(|name| inputs.contains_key(*name)) {
        return Err(format!("give at least one of {}", action.one_of.join(", ")));
    }
    let text = |name: &str| inputs.get(name).and_then(Value::as_str).map(str::to_owned);
    let contact = || ContactRef {
        source_id: text("contactId"),
        email: text("email"),
    };
    match action.name {
        "ghl.contacts.upsert" => {
            let mut fields = Map::new();
            for name in ["email", "phone", "firstName", "lastName", "source"] {
                if let Some(value) = text(name) {
                    fields.insert(name.to_owned(), json!(value));
                }
            }
            // GHL takes either a full name or its parts; the parts say more.
            if let Some(name) = text("name")
                && !fields.contains_key("firstName")
                && !fields.contains_key("lastName")
            {
                fields.insert("name".into(), json!(name));
            }
            if let Some(custom) = inputs.get("customFields").and_then(Value::as_object) {
                let values: Vec<Value> = custom
                    .iter()
                    .map(|(key, value)| {
                        json!({"key": crate::jobs::custom_field_key(key), "fieldValue": value})
                    })
                    .collect();
                fields.insert("customFields".into(), Value::Array(values));
            }
            let source_id = text("sourceId");
            let mut upsert = ContactUpsert {
                source_id: source_id.clone(),
                fields,
                ..ContactUpsert::default()
            };
            for tag in inputs
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                upsert.add_tags.insert(tag.to_owned(), true);
            }
            Ok(PlannedJob {
                kind: CONTACT_UPSERT,
                lane: "contact",
                who: who(source_id, text("email")),
                coalesce: true,
                payload: serde_json::to_value(upsert).expect("serialises"),
            })
        }
        "ghl.tasks.create" => {
            let contact = contact();
            let who = who(contact.source_id.clone(), contact.email.clone());
            let task = TaskUpsert {
                source_id: format!("{who}|{}", text("key").unwrap_or_default()),
                contact,
                title: text("title").unwrap_or_default(),
                body: text("body"),
                due_date: text("dueDate").unwrap_or_default(),
                completed: inputs.get("completed").and_then(Value::as_bool),
            };
            Ok(PlannedJob {
                kind: TASK_UPSERT,
                lane: "task",
                who,
                coalesce: false,
                payload: serde_json::to_value(task).expect("serialises"),
            })
        }
        "ghl.notes.create" => {
            let contact = contact();
            let who = who(contact.source_id.clone(), contact.email.clone());
            let note = NoteUpsert {
                source_id: text("key").unwrap_or_default(),
                contact,
                body: text("body").unwrap_or_default(),
            };
            Ok(PlannedJob {
                kind: NOTE_UPSERT,
                lane: "note",
                who,
                coalesce: false,
                payload: serde_json::to_value(note).expect("serialises"),
            })
        }
        "ghl.workflows.add" => {
            let contact = contact();
            let who = who(contact.source_id.clone(), contact.email.clone());
            let workflow_id = text("workflowId").unwrap_or_default();
            let add = WorkflowAdd {
                source_id: format!("{who}|{workflow_id}|{}", text("key").unwrap_or_default()),
                contact,
                workflow_id,
                event_start_time: text("eventStartTime"),
            };
            Ok(PlannedJob {
                kind: WORKFLOW_ADD,
                lane: "workflow",
                who,
                coalesce: false,
                payload: serde_json::to_value(add).expect("serialises"),
            })
        }
        "niftyimages.stores.upsert" => {
            let store = text("store").unwrap_or_default();
            let record = inputs
                .get("record")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some((field, _)) = record.iter().find(|(_, v)| v.is_object()) {
                return Err(format!(
                    "input record: field {field:?} holds an object; a Data Store record is flat"
                ));
            }
            let unique = stores.get(&store).map_or("email", String::as_str);
            let who = format!("{store}:{}", record_key(&record, unique));
            Ok(PlannedJob {
                kind: STORE_UPSERT,
                lane: "niftyimages.store",
                who,
                // A pending upsert is not merged into: a delete queued between the two
                // must stay between them.
                coalesce: false,
                payload: serde_json::to_value(StoreUpsert { store, record }).expect("serialises"),
            })
        }
        "niftyimages.stores.delete" => {
            let store = text("store").unwrap_or_default();
            let key = text("key").unwrap_or_default();
            Ok(PlannedJob {
                kind: STORE_DELETE,
                lane: "niftyimages.store",
                who: format!("{store}:{}", key.trim().to_lowercase()),
                coalesce: false,
                payload: serde_json::to_value(StoreDelete { store, key }).expect("serialises"),
            })
        }
        "niftyimages.timers.update" => {
            let timer = text("timer").unwrap_or_default();
            Ok(PlannedJob {
                kind: TIMER_UPDATE,
                lane: "niftyimages.timer",
                who: timer.clone(),
                coalesce: false,
                payload: serde_json::to_value(TimerSet {
                    timer,
                    target: text("target").unwrap_or_default(),
                })
                .expect("serialises"),
            })
        }
        other => Err(format!("{other} has no job")),
    }
}

/// What orders a store record's jobs: its value of the store's unique field, as a delete
/// names it (trimmed, lower case), so an upsert and a delete of one record, or two upserts,
/// run in the order their events came. A record without it (refused when it runs) is
/// ordered by its whole content.
fn record_key(record: &Map<String, Value>, unique: &str) -> String {
    match record.get(unique) {
        Some(Value::String(value)) => value.trim().to_lowercase(),
        Some(Value::Number(value)) => value.to_string(),
        _ => Value::Object(record.clone()).to_string(),
    }
}

/// The contact a job is about: the NiftyImages id, else the email (as [`crate::jobs::email_key`]).
pub(crate) fn who(source_id: Option<String>, email: Option<String>) -> String {
    source_id
        .or_else(|| email.map(|e| format!("email:{}", crate::jobs::email_key(&e))))
        .unwrap_or_default()
}

fn check_kind(spec: &InputSpec, value: &Value) -> Result<(), String> {
    let ok = match spec.kind {
        Text => value.as_str().is_some_and(|s| !s.trim().is_empty()),
        DateTime => value
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        Bool => value.is_boolean(),
        List => value.as_array().is_some_and(|items| {
            items
                .iter()
                .all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
        }),
        Map => value.is_object(),
    };
    if ok {
        return Ok(());
    }
    let wanted = match spec.kind {
        Text => "non-empty text",
        DateTime => "an ISO-8601 date-time like 2026-11-30T09:00:00Z",
        Bool => "true or false",
        List => "a list of non-empty strings",
        Map => "an object of key → value",
    };
    Err(format!("input {} must be {wanted}, not {value}", spec.name))
}
