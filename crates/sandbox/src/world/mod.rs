//! The sandbox's state: locations and everything in them, and the operations GHL performs on
//! them. Operations return GHL's errors and record the webhooks GHL would send.

pub mod contacts;
pub mod custom_fields;
pub mod custom_values;
pub mod location_tags;
pub mod model;
pub mod notes;
pub mod queries;
pub mod recurring_tasks;
pub mod tasks;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::ids::IdGenerator;
use model::{Contact, Location};

/// A webhook GHL would send after an operation: its type and body, before the envelope
/// (`type`, `timestamp`, `webhookId`) is added at delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub location_id: String,
    pub kind: &'static str,
    pub body: Value,
    /// When the change happened: the webhook's `timestamp`.
    pub at: DateTime<Utc>,
}

/// What an operation needs besides the world: the time, fresh ids, and where events go.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub ids: &'a IdGenerator,
    pub events: Vec<Event>,
    /// Live GHL leaves `contactId` and `body` out of TaskCreate webhooks (highlevel-api-docs#332).
    pub task_create_omits_contact: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(now: DateTime<Utc>, ids: &'a IdGenerator) -> Self {
        Self {
            now,
            ids,
            events: Vec::new(),
            task_create_omits_contact: true,
        }
    }

    pub fn emit(&mut self, location_id: &str, kind: &'static str, body: Value) {
        self.events.push(Event {
            location_id: location_id.to_owned(),
            kind,
            body,
            at: self.now,
        });
    }
}

#[derive(Debug, Default)]
pub struct World {
    pub company_id: String,
    pub locations: BTreeMap<String, Location>,
    /// Which location each contact lives in, so a token for another location gets a 403.
    pub contact_home: HashMap<String, String>,
}

impl World {
    pub fn location(&self, location_id: &str) -> Result<&Location, ApiError> {
        self.locations
            .get(location_id)
            .ok_or_else(ApiError::no_location_access)
    }

    pub fn location_mut(&mut self, location_id: &str) -> Result<&mut Location, ApiError> {
        self.locations
            .get_mut(location_id)
            .ok_or_else(ApiError::no_location_access)
    }

    /// The contact `contact_id` as seen by a caller of `location_id`.
    pub fn contact(&self, location_id: &str, contact_id: &str) -> Result<&Contact, ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        self.location(location_id)?
            .contacts
            .get(contact_id)
            .ok_or_else(|| ApiError::not_found("Contact"))
    }

    /// The location a contact lives in must be the caller's, else 403; unknown contacts are 400.
    pub fn check_contact_home(&self, location_id: &str, contact_id: &str) -> Result<(), ApiError> {
        match self.contact_home.get(contact_id) {
            Some(home) if home == location_id => Ok(()),
            Some(_) => Err(ApiError::no_location_access()),
            None => Err(ApiError::not_found("Contact")),
        }
    }

    /// Drops every record but keeps locations, their settings, users, custom fields, custom
    /// values and tag list.
    pub fn clear_records(&mut self) {
        self.contact_home.clear();
        for location in self.locations.values_mut() {
            location.contacts.clear();
            location.tasks.clear();
            location.notes.clear();
            location.recurring_tasks.clear();
            location.appointments.clear();
            location.businesses.clear();
            location.by_email.clear();
            location.by_phone.clear();
        }
    }
}
