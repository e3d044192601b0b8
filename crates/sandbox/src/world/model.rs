//! The records the sandbox keeps, in the shape GHL keeps them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A location's "Allow Duplicate Contact" setting and the order its duplicate check follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocationSettings {
    /// Off (the GHL default): a create that matches an existing contact is refused, and upsert
    /// updates the match.
    pub allow_duplicates: bool,
    /// The identifiers checked, in priority order (`email`, `phone`).
    pub dedupe_order: Vec<DedupeField>,
}

impl Default for LocationSettings {
    fn default() -> Self {
        Self {
            allow_duplicates: false,
            dedupe_order: vec![DedupeField::Email, DedupeField::Phone],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DedupeField {
    Email,
    Phone,
}

impl DedupeField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomValue {
    pub id: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowMembership {
    pub workflow_id: String,
    pub event_start_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub location_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub timezone: Option<String>,
    pub dnd: bool,
    pub dnd_settings: Option<Value>,
    pub inbound_dnd_settings: Option<Value>,
    pub contact_type: String,
    pub source: Option<String>,
    pub assigned_to: Option<String>,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub website: Option<String>,
    pub gender: Option<String>,
    pub tags: Vec<String>,
    /// Stored as GHL returns it: `YYYY-MM-DDT00:00:00.000Z`.
    pub date_of_birth: Option<String>,
    pub date_added: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    pub custom_fields: Vec<CustomValue>,
    pub business_id: Option<String>,
    pub followers: Vec<String>,
    pub campaigns: Vec<String>,
    pub workflows: Vec<WorkflowMembership>,
}

impl Contact {
    pub fn new(id: String, location_id: String, now: DateTime<Utc>) -> Self {
        Self {
            id,
            location_id,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            company_name: None,
            timezone: None,
            dnd: false,
            dnd_settings: None,
            inbound_dnd_settings: None,
            contact_type: "lead".into(),
            source: None,
            assigned_to: None,
            address1: None,
            city: None,
            state: None,
            country: None,
            postal_code: None,
            website: None,
            gender: None,
            tags: Vec::new(),
            date_of_birth: None,
            date_added: now,
            date_updated: now,
            custom_fields: Vec::new(),
            business_id: None,
            followers: Vec::new(),
            campaigns: Vec::new(),
            workflows: Vec::new(),
        }
    }

    /// The full name GHL shows: first and last name joined.
    pub fn name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    pub fn email_key(&self) -> Option<String> {
        self.email.as_deref().map(str::to_lowercase)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub contact_id: String,
    pub title: String,
    pub body: Option<String>,
    pub due_date: String,
    pub completed: bool,
    pub assigned_to: Option<String>,
    pub date_added: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub contact_id: String,
    pub body: String,
    pub user_id: Option<String>,
    pub title: Option<String>,
    pub color: Option<String>,
    pub pinned: bool,
    pub date_added: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Business {
    #[serde(default)]
    pub id: String,
    pub name: String,
}

/// An appointment, seeded through the control API (the contacts API only reads them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Appointment {
    #[serde(default)]
    pub id: String,
    pub contact_id: String,
    #[serde(default)]
    pub calendar_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub appointment_status: Option<String>,
    #[serde(default)]
    pub assigned_user_id: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// GHL's `"2021-07-16 11:00:00"` form.
    pub start_time: String,
    pub end_time: String,
    #[serde(default)]
    pub address: Option<String>,
    /// Set by the sandbox when the appointment is seeded.
    #[serde(default)]
    pub date_added: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomFieldDef {
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// `contact.<snake_case_name>`.
    #[serde(default)]
    pub field_key: String,
    #[serde(default)]
    pub placeholder: Option<String>,
    /// `TEXT`, `LARGE_TEXT`, `NUMERICAL`, `MONETORY`, `CHECKBOX`, `MULTIPLE_OPTIONS`,
    /// `SINGLE_OPTIONS`, `RADIO`, `DATE`, `PHONE`, `FILE_UPLOAD`…
    #[serde(default = "text_type")]
    pub data_type: String,
    #[serde(default)]
    pub position: u32,
    #[serde(default)]
    pub picklist_options: Vec<String>,
    #[serde(default = "contact_model")]
    pub model: String,
}

fn text_type() -> String {
    "TEXT".into()
}

fn contact_model() -> String {
    "contact".into()
}

/// A tag of the location's tag list (`/locations/{id}/tags`). Names are kept lower-cased, as
/// the sandbox keeps contacts' tags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationTag {
    pub id: String,
    pub name: String,
}

/// A location-wide named value (`/locations/{id}/customValues`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationValue {
    pub id: String,
    pub name: String,
    /// `{{ custom_values.<snake_case_name> }}`.
    pub field_key: String,
    pub value: String,
}

/// A recurring task rule (`/locations/{id}/recurring-tasks`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurringTask {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub contact_ids: Vec<String>,
    pub owners: Vec<String>,
    /// The `rruleOptions` object as accepted (already checked).
    pub rrule_options: Value,
    /// How many tasks the rule has made.
    pub total_occurrence: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Everything one location (sub-account) holds.
#[derive(Debug, Clone)]
pub struct Location {
    pub id: String,
    pub name: String,
    /// IANA time zone of the sub-account.
    pub timezone: String,
    pub settings: LocationSettings,
    pub contacts: HashMap<String, Contact>,
    pub tasks: HashMap<String, Task>,
    pub notes: HashMap<String, Note>,
    pub businesses: HashMap<String, Business>,
    pub appointments: Vec<Appointment>,
    pub custom_fields: Vec<CustomFieldDef>,
    /// The tag list, in creation order.
    pub tags: Vec<LocationTag>,
    pub custom_values: Vec<LocationValue>,
    pub recurring_tasks: HashMap<String, RecurringTask>,
    /// GHL users of the location (task assignees, note authors, followers).
    pub users: Vec<String>,
    /// Lower-cased email → contacts with it, oldest first.
    pub by_email: HashMap<String, Vec<String>>,
    /// Normalised phone → contacts with it, oldest first.
    pub by_phone: HashMap<String, Vec<String>>,
}

impl Location {
    pub fn new(id: String, name: String) -> Self {
        Self {
            id,
            name,
            timezone: "America/Chicago".into(),
            settings: LocationSettings::default(),
            contacts: HashMap::new(),
            tasks: HashMap::new(),
            notes: HashMap::new(),
            businesses: HashMap::new(),
            appointments: Vec::new(),
            custom_fields: Vec::new(),
            tags: Vec::new(),
            custom_values: Vec::new(),
            recurring_tasks: HashMap::new(),
            users: Vec::new(),
            by_email: HashMap::new(),
            by_phone: HashMap::new(),
        }
    }
}
