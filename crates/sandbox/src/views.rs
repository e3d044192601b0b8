//! How each endpoint shows a record. GHL returns different sets of contact fields from GET,
//! create, list and search; each view here is the set its endpoint returns (the spec's schema,
//! plus the live additions listed in `crates/ghl-spec/src/live_exceptions.rs`).

use serde_json::{Map, Value, json};

use crate::clock::iso_millis;
use crate::world::model::{
    Appointment, Contact, CustomFieldDef, LocationTag, LocationValue, Note, RecurringTask, Task,
};

struct Fields(Map<String, Value>);

impl Fields {
    fn new() -> Self {
        Self(Map::new())
    }

    fn text(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.0
                .insert(key.to_owned(), Value::String(value.to_owned()));
        }
        self
    }

    fn value(&mut self, key: &str, value: Value) -> &mut Self {
        self.0.insert(key.to_owned(), value);
        self
    }

    fn done(&mut self) -> Value {
        Value::Object(std::mem::take(&mut self.0))
    }
}

fn lower(value: Option<&str>) -> Option<String> {
    value.map(str::to_lowercase)
}

fn custom_fields(contact: &Contact) -> Value {
    Value::Array(
        contact
            .custom_fields
            .iter()
            .map(|f| json!({"id": f.id, "value": f.value}))
            .collect(),
    )
}

fn tags(contact: &Contact) -> Value {
    json!(contact.tags)
}

/// `GetContectByIdSchema`: GET, update and upsert answers.
pub fn contact_full(c: &Contact) -> Value {
    let name = c.name();
    Fields::new()
        .text("id", Some(&c.id))
        .text("name", name.as_deref())
        .text("locationId", Some(&c.location_id))
        .text("firstName", c.first_name.as_deref())
        .text("lastName", c.last_name.as_deref())
        .text("email", c.email.as_deref())
        .text("emailLowerCase", lower(c.email.as_deref()).as_deref())
        .text("timezone", c.timezone.as_deref())
        .text("companyName", c.company_name.as_deref())
        .text("phone", c.phone.as_deref())
        .value("dnd", Value::Bool(c.dnd))
        .value(
            "dndSettings",
            c.dnd_settings.clone().unwrap_or_else(|| json!({})),
        )
        .text("type", Some(&c.contact_type))
        .text("source", c.source.as_deref())
        .text("assignedTo", c.assigned_to.as_deref())
        .text("address1", c.address1.as_deref())
        .text("city", c.city.as_deref())
        .text("state", c.state.as_deref())
        .text("country", c.country.as_deref())
        .text("postalCode", c.postal_code.as_deref())
        .text("website", c.website.as_deref())
        .value("tags", tags(c))
        .text("dateOfBirth", c.date_of_birth.as_deref())
        .text("dateAdded", Some(&iso_millis(c.date_added)))
        .text("dateUpdated", Some(&iso_millis(c.date_updated)))
        .text(
            "firstNameLowerCase",
            lower(c.first_name.as_deref()).as_deref(),
        )
        .text(
            "lastNameLowerCase",
            lower(c.last_name.as_deref()).as_deref(),
        )
        .text("fullNameLowerCase", lower(name.as_deref()).as_deref())
        .value("customFields", custom_fields(c))
        .text("businessId", c.business_id.as_deref())
        .done()
}

/// `CreateContactSchema`: the create answer.
pub fn contact_created(c: &Contact) -> Value {
    let name = c.name();
    Fields::new()
        .text("id", Some(&c.id))
        .text("dateAdded", Some(&iso_millis(c.date_added)))
        .text("dateUpdated", Some(&iso_millis(c.date_updated)))
        .value("deleted", Value::Bool(false))
        .value("tags", tags(c))
        .text("type", Some(&c.contact_type))
        .value("customFields", custom_fields(c))
        .text("locationId", Some(&c.location_id))
        .text("firstName", c.first_name.as_deref())
        .text(
            "firstNameLowerCase",
            lower(c.first_name.as_deref()).as_deref(),
        )
        .text("fullNameLowerCase", lower(name.as_deref()).as_deref())
        .text("lastName", c.last_name.as_deref())
        .text(
            "lastNameLowerCase",
            lower(c.last_name.as_deref()).as_deref(),
        )
        .text("email", c.email.as_deref())
        .text("emailLowerCase", lower(c.email.as_deref()).as_deref())
        .value("bounceEmail", Value::Bool(false))
        .value("unsubscribeEmail", Value::Bool(false))
        .value("dnd", Value::Bool(c.dnd))
        .value(
            "dndSettings",
            c.dnd_settings.clone().unwrap_or_else(|| json!({})),
        )
        .text("phone", c.phone.as_deref())
        .text("address1", c.address1.as_deref())
        .text("city", c.city.as_deref())
        .text("state", c.state.as_deref())
        .text("country", c.country.as_deref())
        .text("postalCode", c.postal_code.as_deref())
        .text("website", c.website.as_deref())
        .text("source", c.source.as_deref())
        .text("companyName", c.company_name.as_deref())
        .text("dateOfBirth", c.date_of_birth.as_deref())
        .text("businessId", c.business_id.as_deref())
        .text("assignedTo", c.assigned_to.as_deref())
        .done()
}

/// A contact in the `GET /contacts/` list and the business contacts list.
pub fn contact_listed(c: &Contact) -> Value {
    Fields::new()
        .text("id", Some(&c.id))
        .text("locationId", Some(&c.location_id))
        .text("contactName", c.name().map(|n| n.to_lowercase()).as_deref())
        .text("firstName", c.first_name.as_deref())
        .text("lastName", c.last_name.as_deref())
        .text("companyName", c.company_name.as_deref())
        .text("email", c.email.as_deref())
        .text("phone", c.phone.as_deref())
        .value("dnd", Value::Bool(c.dnd))
        .text("type", Some(&c.contact_type))
        .text("source", c.source.as_deref())
        .text("assignedTo", c.assigned_to.as_deref())
        .text("city", c.city.as_deref())
        .text("state", c.state.as_deref())
        .text("postalCode", c.postal_code.as_deref())
        .text("address1", c.address1.as_deref())
        .text("dateAdded", Some(&iso_millis(c.date_added)))
        .text("dateUpdated", Some(&iso_millis(c.date_updated)))
        .text("dateOfBirth", c.date_of_birth.as_deref())
        .text("businessId", c.business_id.as_deref())
        .value("tags", tags(c))
        .value("followers", json!(c.followers))
        .text("country", c.country.as_deref())
        .text("website", c.website.as_deref())
        .text("timezone", c.timezone.as_deref())
        .value("customFields", custom_fields(c))
        .done()
}

/// A contact in `POST /contacts/search` results, as GHL's search documentation shows it (live
/// search has lower-cased names only), with the cursor of this result in `searchAfter`.
pub fn contact_searched(c: &Contact, search_after: Value) -> Value {
    Fields::new()
        .text("id", Some(&c.id))
        .text("locationId", Some(&c.location_id))
        .text("email", c.email.as_deref())
        .text("timezone", c.timezone.as_deref())
        .text("country", c.country.as_deref())
        .text("source", c.source.as_deref())
        .text("dateAdded", Some(&iso_millis(c.date_added)))
        .value("customFields", custom_fields(c))
        .value("tags", tags(c))
        .text("businessId", c.business_id.as_deref())
        .value("followers", json!(c.followers))
        .text("address", c.address1.as_deref())
        .text("assignedTo", c.assigned_to.as_deref())
        .text("city", c.city.as_deref())
        .text("companyName", c.company_name.as_deref())
        .text("dateOfBirth", c.date_of_birth.as_deref())
        .text("dateUpdated", Some(&iso_millis(c.date_updated)))
        .value("dnd", Value::Bool(c.dnd))
        .value(
            "dndSettings",
            c.dnd_settings.clone().unwrap_or_else(|| json!({})),
        )
        .text(
            "firstNameLowerCase",
            lower(c.first_name.as_deref()).as_deref(),
        )
        .text(
            "lastNameLowerCase",
            lower(c.last_name.as_deref()).as_deref(),
        )
        .text("phone", c.phone.as_deref())
        .text("postalCode", c.postal_code.as_deref())
        .text("state", c.state.as_deref())
        .text("type", Some(&c.contact_type))
        .text("website", c.website.as_deref())
        .value("searchAfter", search_after)
        .done()
}

/// The flat contact GHL's Contact* webhooks carry.
pub fn contact_webhook(c: &Contact, with_dnd_settings: bool) -> Value {
    let mut fields = Fields::new();
    fields
        .text("id", Some(&c.id))
        .text("locationId", Some(&c.location_id))
        .text("address1", c.address1.as_deref())
        .text("city", c.city.as_deref())
        .text("state", c.state.as_deref())
        .text("companyName", c.company_name.as_deref())
        .text("country", c.country.as_deref())
        .text("source", c.source.as_deref())
        .text("dateAdded", Some(&iso_millis(c.date_added)))
        .text("dateOfBirth", c.date_of_birth.as_deref())
        .value("dnd", Value::Bool(c.dnd))
        .text("email", c.email.as_deref())
        .text("name", c.name().as_deref())
        .text("firstName", c.first_name.as_deref())
        .text("lastName", c.last_name.as_deref())
        .text("phone", c.phone.as_deref())
        .text("postalCode", c.postal_code.as_deref())
        .value("tags", tags(c))
        .text("website", c.website.as_deref())
        .value("attachments", json!([]))
        .text("assignedTo", c.assigned_to.as_deref())
        .value("customFields", custom_fields(c));
    if with_dnd_settings {
        fields.value(
            "dndSettings",
            c.dnd_settings.clone().unwrap_or_else(|| json!({})),
        );
    }
    fields.done()
}

pub fn task(t: &Task) -> Value {
    Fields::new()
        .text("id", Some(&t.id))
        .text("title", Some(&t.title))
        .text("body", t.body.as_deref())
        .text("assignedTo", t.assigned_to.as_deref())
        .text("dueDate", Some(&t.due_date))
        .value("completed", Value::Bool(t.completed))
        .text("contactId", Some(&t.contact_id))
        .done()
}

pub fn note(n: &Note) -> Value {
    Fields::new()
        .text("id", Some(&n.id))
        .text("body", Some(&n.body))
        .text("userId", n.user_id.as_deref())
        .text("dateAdded", Some(&iso_millis(n.date_added)))
        .text("contactId", Some(&n.contact_id))
        .text("title", n.title.as_deref())
        .text("color", n.color.as_deref())
        .value("pinned", Value::Bool(n.pinned))
        .done()
}

pub fn appointment(a: &Appointment, location_id: &str) -> Value {
    Fields::new()
        .text("id", Some(&a.id))
        .text("calendarId", a.calendar_id.as_deref())
        .text("status", a.status.as_deref())
        .text("title", a.title.as_deref())
        .text("assignedUserId", a.assigned_user_id.as_deref())
        .text("notes", a.notes.as_deref())
        .text("startTime", Some(&a.start_time))
        .text("endTime", Some(&a.end_time))
        .text("address", a.address.as_deref())
        .text("locationId", Some(location_id))
        .text("contactId", Some(&a.contact_id))
        .text("appointmentStatus", a.appointment_status.as_deref())
        .value(
            "users",
            json!(a.assigned_user_id.iter().collect::<Vec<_>>()),
        )
        .text("dateAdded", Some(&a.date_added))
        .text("dateUpdated", Some(&a.date_added))
        .value("assignedResources", json!([]))
        .done()
}

pub fn custom_field(f: &CustomFieldDef, location_id: &str) -> Value {
    Fields::new()
        .text("id", Some(&f.id))
        .text("name", Some(&f.name))
        .text("fieldKey", Some(&f.field_key))
        .text("placeholder", f.placeholder.as_deref())
        .text("dataType", Some(&f.data_type))
        .value("position", json!(f.position))
        .value("picklistOptions", json!(f.picklist_options))
        .value("picklistImageOptions", json!([]))
        .value("isAllowedCustomOption", Value::Bool(false))
        .value(
            "isMultiFileAllowed",
            Value::Bool(f.data_type == "FILE_UPLOAD"),
        )
        .value(
            "maxFileLimit",
            json!(if f.data_type == "FILE_UPLOAD" { 4 } else { 0 }),
        )
        .text("locationId", Some(location_id))
        .text("model", Some(&f.model))
        .done()
}

/// `RecurringTaskResponseDTO`: one contact and one assignee, the first of each list.
pub fn recurring_task(task: &RecurringTask, location_id: &str) -> Value {
    let mut view = json!({
        "id": task.id,
        "title": task.title,
        "description": task.description.clone().unwrap_or_default(),
        "locationId": location_id,
        "createdAt": iso_millis(task.created_at),
        "updatedAt": iso_millis(task.updated_at),
        "rruleOptions": task.rrule_options,
        "totalOccurrence": task.total_occurrence,
        "deleted": false,
    });
    if let Some(owner) = task.owners.first() {
        view["assignedTo"] = Value::String(owner.clone());
    }
    if let Some(contact) = task.contact_ids.first() {
        view["contactId"] = Value::String(contact.clone());
    }
    view
}

/// `LocationTagsSchema`.
pub fn location_tag(tag: &LocationTag, location_id: &str) -> Value {
    json!({"id": tag.id, "name": tag.name, "locationId": location_id})
}

/// `CustomValueSchema`.
pub fn custom_value(value: &LocationValue, location_id: &str) -> Value {
    json!({
        "id": value.id,
        "name": value.name,
        "fieldKey": value.field_key,
        "value": value.value,
        "locationId": location_id,
    })
}
