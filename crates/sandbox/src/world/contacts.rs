//! Contact operations with GHL's duplicate rules, tags, followers, campaigns and workflows.

use serde_json::{Value, json};

use super::model::{
    Contact, CustomFieldDef, CustomValue, DedupeField, Location, WorkflowMembership,
};
use super::{Ctx, World};
use crate::api_error::ApiError;
use crate::dto::{BulkBusinessInput, BulkTagsInput, ContactInput, CustomFieldWrite};
use crate::views;

/// How an upsert ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Upserted {
    pub contact: Contact,
    pub created: bool,
}

impl World {
    /// `POST /contacts/`: refused with the duplicate 400 when the location does not allow
    /// duplicates and an identifier matches.
    pub fn create_contact(
        &mut self,
        location_id: &str,
        input: &ContactInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Contact, ApiError> {
        let location = self.location_mut(location_id)?;
        if !location.settings.allow_duplicates
            && let Some((field, existing)) = first_match(location, input)
        {
            return Err(duplicate_error(location, &existing, field));
        }
        let contact = insert_new(location, input, ctx);
        self.contact_home
            .insert(contact.id.clone(), location_id.to_owned());
        Ok(contact)
    }

    /// `PUT /contacts/{id}`
    pub fn update_contact(
        &mut self,
        location_id: &str,
        contact_id: &str,
        input: &ContactInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Contact, ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        let location = self.location_mut(location_id)?;
        if !location.settings.allow_duplicates {
            for field in location.settings.dedupe_order.clone() {
                if let Some(other) = index_match(location, field, input)
                    && other != contact_id
                {
                    return Err(duplicate_error(location, &other, field));
                }
            }
        }
        update_existing(location, contact_id, input, ctx)
    }

    /// `POST /contacts/upsert`: the location's duplicate rule, email and phone in its order.
    /// When email and phone match two different contacts, the first match in the order is
    /// updated and the other identifier is silently dropped, as live GHL does.
    pub fn upsert_contact(
        &mut self,
        location_id: &str,
        input: &ContactInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Upserted, ApiError> {
        let location = self.location_mut(location_id)?;
        let always_create =
            location.settings.allow_duplicates && input.create_new_if_duplicate_allowed;
        let matched = if always_create {
            None
        } else {
            first_match(location, input)
        };
        let Some((matched_field, target)) = matched else {
            let contact = insert_new(location, input, ctx);
            self.contact_home
                .insert(contact.id.clone(), location_id.to_owned());
            return Ok(Upserted {
                contact,
                created: true,
            });
        };
        let mut input = input.clone();
        for field in location.settings.dedupe_order.clone() {
            if field != matched_field
                && let Some(other) = index_match(location, field, &input)
                && other != target
            {
                match field {
                    DedupeField::Email => input.email = None,
                    DedupeField::Phone => input.phone = None,
                }
            }
        }
        let contact = update_existing(location, &target, &input, ctx)?;
        Ok(Upserted {
            contact,
            created: false,
        })
    }

    /// `DELETE /contacts/{id}`: the contact goes, with its tasks and notes.
    pub fn delete_contact(
        &mut self,
        location_id: &str,
        contact_id: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        let location = self.location_mut(location_id)?;
        let contact = location
            .contacts
            .remove(contact_id)
            .ok_or_else(|| ApiError::not_found("Contact"))?;
        unindex(location, &contact);
        location.tasks.retain(|_, t| t.contact_id != contact_id);
        location.notes.retain(|_, n| n.contact_id != contact_id);
        location.appointments.retain(|a| a.contact_id != contact_id);
        ctx.emit(
            location_id,
            "ContactDelete",
            views::contact_webhook(&contact, false),
        );
        self.contact_home.remove(contact_id);
        Ok(())
    }

    /// `POST /contacts/{id}/tags` or `DELETE` (when `adding` is false): all tags after.
    pub fn change_tags(
        &mut self,
        location_id: &str,
        contact_id: &str,
        tags: &[String],
        adding: bool,
        ctx: &mut Ctx<'_>,
    ) -> Result<Vec<String>, ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        let location = self.location_mut(location_id)?;
        let contact = contact_mut(location, contact_id)?;
        let changed = apply_tag_change(contact, tags, adding);
        if changed {
            contact.date_updated = ctx.now;
            let body = views::contact_webhook(contact, false);
            ctx.emit(location_id, "ContactTagUpdate", body);
        }
        Ok(contact.tags.clone())
    }

    /// Followers add or remove: (all followers after, the ones this call changed).
    pub fn change_followers(
        &mut self,
        location_id: &str,
        contact_id: &str,
        followers: &[String],
        adding: bool,
        ctx: &mut Ctx<'_>,
    ) -> Result<(Vec<String>, Vec<String>), ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        let location = self.location_mut(location_id)?;
        let contact = contact_mut(location, contact_id)?;
        let mut changed = Vec::new();
        for user in followers {
            let present = contact.followers.contains(user);
            if adding && !present {
                contact.followers.push(user.clone());
                changed.push(user.clone());
            } else if !adding && present {
                contact.followers.retain(|f| f != user);
                changed.push(user.clone());
            }
        }
        if !changed.is_empty() {
            contact.date_updated = ctx.now;
        }
        Ok((contact.followers.clone(), changed))
    }

    /// Campaign membership: add one, remove one, or (`campaign_id` `None` and not adding) all.
    pub fn change_campaign(
        &mut self,
        location_id: &str,
        contact_id: &str,
        campaign_id: Option<&str>,
        adding: bool,
    ) -> Result<(), ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        let contact = contact_mut(self.location_mut(location_id)?, contact_id)?;
        match (campaign_id, adding) {
            (Some(id), true) => {
                if !contact.campaigns.iter().any(|c| c == id) {
                    contact.campaigns.push(id.to_owned());
                }
            }
            (Some(id), false) => contact.campaigns.retain(|c| c != id),
            (None, _) => contact.campaigns.clear(),
        }
        Ok(())
    }

    pub fn change_workflow(
        &mut self,
        location_id: &str,
        contact_id: &str,
        workflow_id: &str,
        event_start_time: Option<String>,
        adding: bool,
    ) -> Result<(), ApiError> {
        self.check_contact_home(location_id, contact_id)?;
        let contact = contact_mut(self.location_mut(location_id)?, contact_id)?;
        contact.workflows.retain(|w| w.workflow_id != workflow_id);
        if adding {
            contact.workflows.push(WorkflowMembership {
                workflow_id: workflow_id.to_owned(),
                event_start_time,
            });
        }
        Ok(())
    }

    /// `POST /contacts/bulk/tags/update/{type}`: each contact answers for itself.
    pub fn bulk_tags(
        &mut self,
        caller_location: &str,
        input: &BulkTagsInput,
        adding: bool,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        if input.location_id != caller_location {
            return Err(ApiError::no_location_access());
        }
        let mut responses = Vec::with_capacity(input.contacts.len());
        let mut errors = 0;
        for contact_id in &input.contacts {
            let item = self.bulk_tag_one(caller_location, contact_id, input, adding, ctx);
            if item["type"] == "error" {
                errors += 1;
            }
            responses.push(item);
        }
        Ok(json!({"succeded": errors == 0, "errorCount": errors, "responses": responses}))
    }

    fn bulk_tag_one(
        &mut self,
        location_id: &str,
        contact_id: &str,
        input: &BulkTagsInput,
        adding: bool,
        ctx: &mut Ctx<'_>,
    ) -> Value {
        let error =
            |message: &str| json!({"contactId": contact_id, "message": message, "type": "error"});
        if contact_id.len() != 20 || !contact_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return error("contact id is not a valid firebase id");
        }
        match self.contact_home.get(contact_id) {
            None => return error("contact is deleted"),
            Some(home) if home != location_id => {
                return error("contact does not belong to location");
            }
            Some(_) => {}
        }
        let Ok(location) = self.location_mut(location_id) else {
            return error("contact does not belong to location");
        };
        let Some(contact) = location.contacts.get_mut(contact_id) else {
            return error("contact is deleted");
        };
        let old_tags = contact.tags.clone();
        let changed = if !adding && input.remove_all_tags {
            let had = !contact.tags.is_empty();
            contact.tags.clear();
            had
        } else {
            apply_tag_change(contact, &input.tags, adding)
        };
        if changed {
            contact.date_updated = ctx.now;
            let body = views::contact_webhook(contact, false);
            ctx.emit(location_id, "ContactTagUpdate", body);
        }
        let added: Vec<&String> = contact
            .tags
            .iter()
            .filter(|t| !old_tags.contains(t))
            .collect();
        let removed: Vec<&String> = old_tags
            .iter()
            .filter(|t| !contact.tags.contains(t))
            .collect();
        json!({
            "contactId": contact_id,
            "message": "Tags updated",
            "type": "success",
            "oldTags": old_tags,
            "tagsAdded": added,
            "tagsRemoved": removed,
        })
    }

    /// `POST /contacts/bulk/business`: set (or, with `None`, clear) the business of contacts.
    pub fn bulk_business(
        &mut self,
        caller_location: &str,
        input: &BulkBusinessInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Vec<String>, ApiError> {
        if input.location_id != caller_location {
            return Err(ApiError::no_location_access());
        }
        let location = self.location_mut(caller_location)?;
        if let Some(business_id) = &input.business_id
            && !location.businesses.contains_key(business_id)
        {
            return Err(ApiError::Unprocessable(vec![format!(
                "business {business_id} does not exist in this location"
            )]));
        }
        let unknown: Vec<String> = input
            .ids
            .iter()
            .filter(|id| !location.contacts.contains_key(*id))
            .map(|id| format!("contact {id} does not belong to location"))
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::Unprocessable(unknown));
        }
        for id in &input.ids {
            if let Some(contact) = location.contacts.get_mut(id) {
                contact.business_id = input.business_id.clone();
                contact.date_updated = ctx.now;
            }
        }
        Ok(input.ids.clone())
    }
}

fn contact_mut<'l>(
    location: &'l mut Location,
    contact_id: &str,
) -> Result<&'l mut Contact, ApiError> {
    location
        .contacts
        .get_mut(contact_id)
        .ok_or_else(|| ApiError::not_found("Contact"))
}

fn apply_tag_change(contact: &mut Contact, tags: &[String], adding: bool) -> bool {
    let tags = crate::dto::normalize_tags(tags);
    let before = contact.tags.len();
    if adding {
        for tag in tags {
            if !contact.tags.contains(&tag) {
                contact.tags.push(tag);
            }
        }
    } else {
        contact.tags.retain(|t| !tags.contains(t));
    }
    contact.tags.len() != before
}

/// The identifier value `input` gives for `field`, in index form.
fn input_key(input: &ContactInput, field: DedupeField) -> Option<String> {
    match field {
        DedupeField::Email => input.email.clone().flatten().map(|e| e.to_lowercase()),
        DedupeField::Phone => input.phone.clone().flatten(),
    }
    .filter(|v| !v.is_empty())
}

/// The oldest contact whose `field` equals what `input` gives for it.
fn index_match(location: &Location, field: DedupeField, input: &ContactInput) -> Option<String> {
    let key = input_key(input, field)?;
    let index = match field {
        DedupeField::Email => &location.by_email,
        DedupeField::Phone => &location.by_phone,
    };
    index.get(&key).and_then(|ids| ids.first()).cloned()
}

/// The first identifier, in the location's order, that matches an existing contact.
fn first_match(location: &Location, input: &ContactInput) -> Option<(DedupeField, String)> {
    location
        .settings
        .dedupe_order
        .iter()
        .find_map(|&field| index_match(location, field, input).map(|id| (field, id)))
}

fn duplicate_error(location: &Location, existing: &str, field: DedupeField) -> ApiError {
    let name = location
        .contacts
        .get(existing)
        .and_then(Contact::name)
        .unwrap_or_default();
    ApiError::Duplicate {
        contact_id: existing.to_owned(),
        contact_name: name,
        matching_field: field.as_str(),
    }
}

fn insert_new(location: &mut Location, input: &ContactInput, ctx: &mut Ctx<'_>) -> Contact {
    let mut contact = Contact::new(ctx.ids.record_id(), location.id.clone(), ctx.now);
    apply_input(&mut contact, input, &location.custom_fields);
    index(location, &contact);
    location
        .contacts
        .insert(contact.id.clone(), contact.clone());
    ctx.emit(
        &location.id,
        "ContactCreate",
        views::contact_webhook(&contact, false),
    );
    contact
}

fn update_existing(
    location: &mut Location,
    contact_id: &str,
    input: &ContactInput,
    ctx: &mut Ctx<'_>,
) -> Result<Contact, ApiError> {
    let before = location
        .contacts
        .get(contact_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("Contact"))?;
    let mut contact = before.clone();
    apply_input(&mut contact, input, &location.custom_fields);
    contact.date_updated = ctx.now;
    unindex(location, &before);
    index(location, &contact);
    location
        .contacts
        .insert(contact.id.clone(), contact.clone());
    ctx.emit(
        &location.id,
        "ContactUpdate",
        views::contact_webhook(&contact, false),
    );
    if before.tags != contact.tags {
        ctx.emit(
            &location.id,
            "ContactTagUpdate",
            views::contact_webhook(&contact, false),
        );
    }
    if before.dnd != contact.dnd || before.dnd_settings != contact.dnd_settings {
        ctx.emit(
            &location.id,
            "ContactDndUpdate",
            views::contact_webhook(&contact, true),
        );
    }
    Ok(contact)
}

fn index(location: &mut Location, contact: &Contact) {
    if let Some(email) = contact.email_key().filter(|e| !e.is_empty()) {
        location
            .by_email
            .entry(email)
            .or_default()
            .push(contact.id.clone());
    }
    if let Some(phone) = contact.phone.clone().filter(|p| !p.is_empty()) {
        location
            .by_phone
            .entry(phone)
            .or_default()
            .push(contact.id.clone());
    }
}

fn unindex(location: &mut Location, contact: &Contact) {
    let remove = |index: &mut std::collections::HashMap<String, Vec<String>>, key: String| {
        if let Some(ids) = index.get_mut(&key) {
            ids.retain(|id| id != &contact.id);
            if ids.is_empty() {
                index.remove(&key);
            }
        }
    };
    if let Some(email) = contact.email_key() {
        remove(&mut location.by_email, email);
    }
    if let Some(phone) = contact.phone.clone() {
        remove(&mut location.by_phone, phone);
    }
}

/// Applies the fields `input` sets. A bare `name` is split into first and last name; custom
/// fields are matched by id or key, and values for unknown fields are ignored, as GHL does.
fn apply_input(contact: &mut Contact, input: &ContactInput, defs: &[CustomFieldDef]) {
    fn set(target: &mut Option<String>, value: &Option<Option<String>>) {
        if let Some(value) = value {
            *target = value.clone().filter(|v| !v.is_empty());
        }
    }
    set(&mut contact.first_name, &input.first_name);
    set(&mut contact.last_name, &input.last_name);
    if let Some(Some(name)) = &input.name
        && input.first_name.is_none()
        && input.last_name.is_none()
    {
        let mut parts = name.trim().splitn(2, ' ');
        contact.first_name = parts.next().map(str::to_owned).filter(|s| !s.is_empty());
        contact.last_name = parts
            .next()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
    }
    set(&mut contact.email, &input.email);
    set(&mut contact.phone, &input.phone);
    set(&mut contact.address1, &input.address1);
    set(&mut contact.city, &input.city);
    set(&mut contact.state, &input.state);
    set(&mut contact.postal_code, &input.postal_code);
    set(&mut contact.website, &input.website);
    set(&mut contact.timezone, &input.timezone);
    set(&mut contact.company_name, &input.company_name);
    set(&mut contact.gender, &input.gender);
    set(&mut contact.source, &input.source);
    set(&mut contact.country, &input.country);
    set(&mut contact.assigned_to, &input.assigned_to);
    set(&mut contact.date_of_birth, &input.date_of_birth);
    if let Some(dnd) = input.dnd {
        contact.dnd = dnd;
    }
    if let Some(settings) = &input.dnd_settings {
        let mut merged = contact.dnd_settings.clone().unwrap_or_else(|| json!({}));
        if let (Some(target), Some(source)) = (merged.as_object_mut(), settings.as_object()) {
            for (channel, value) in source {
                target.insert(channel.clone(), value.clone());
            }
        }
        contact.dnd_settings = Some(merged);
    }
    if let Some(settings) = &input.inbound_dnd_settings {
        contact.inbound_dnd_settings = Some(settings.clone());
    }
    if let Some(tags) = &input.tags {
        contact.tags = tags.clone();
    }
    if let Some(writes) = &input.custom_fields {
        for write in writes {
            apply_custom_field(contact, write, defs);
        }
    }
}

fn apply_custom_field(contact: &mut Contact, write: &CustomFieldWrite, defs: &[CustomFieldDef]) {
    let def = defs.iter().find(|d| {
        write.id.as_deref() == Some(d.id.as_str())
            || write.key.as_deref().is_some_and(|k| {
                k == d.field_key || Some(k) == d.field_key.strip_prefix("contact.")
            })
    });
    let Some(def) = def else {
        return;
    };
    let value = coerce_custom_value(&def.data_type, &write.value);
    contact.custom_fields.retain(|f| f.id != def.id);
    let empty = value.is_null() || value == json!("") || value == json!([]);
    if !empty {
        contact.custom_fields.push(CustomValue {
            id: def.id.clone(),
            value,
        });
    }
}

/// Values are stored as their field type reads back: numbers for NUMERICAL and MONETORY,
/// arrays for CHECKBOX and MULTIPLE_OPTIONS, text otherwise.
fn coerce_custom_value(data_type: &str, value: &Value) -> Value {
    match (data_type, value) {
        ("NUMERICAL" | "MONETORY", Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(|n| json!(n))
            .unwrap_or_else(|_| value.clone()),
        ("CHECKBOX" | "MULTIPLE_OPTIONS", Value::String(s)) => json!(
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        ),
        ("NUMERICAL" | "MONETORY" | "CHECKBOX" | "MULTIPLE_OPTIONS" | "FILE_UPLOAD", v) => {
            v.clone()
        }
        (_, Value::String(_) | Value::Null) => value.clone(),
        (_, Value::Number(n)) => json!(n.to_string()),
        (_, Value::Bool(b)) => json!(b.to_string()),
        (_, other) => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{ContactDto, contact_input};
    use crate::ids::IdGenerator;
    use crate::world::model::Location;

    fn world() -> World {
        let mut world = World::default();
        world
            .locations
            .insert("L".into(), Location::new("L".into(), "Shop".into()));
        world
    }

    fn input(body: Value) -> ContactInput {
        contact_input(&body, ContactDto::Upsert).unwrap()
    }

    #[test]
    fn upsert_with_email_and_phone_of_two_contacts_updates_the_first_and_drops_the_other() {
        let ids = IdGenerator::new(Some(1));
        let mut ctx = Ctx::new(chrono::Utc::now(), &ids);
        let mut world = world();
        let ann = world
            .create_contact(
                "L",
                &input(json!({"locationId": "L", "email": "ann@x.io"})),
                &mut ctx,
            )
            .unwrap();
        let bob = world
            .create_contact(
                "L",
                &input(json!({"locationId": "L", "phone": "+15550001111"})),
                &mut ctx,
            )
            .unwrap();
        let result = world
            .upsert_contact(
                "L",
                &input(json!({"locationId": "L", "email": "ANN@x.io", "phone": "+15550001111", "firstName": "Ann"})),
                &mut ctx,
            )
            .unwrap();
        assert!(!result.created);
        assert_eq!(result.contact.id, ann.id);
        assert_eq!(
            result.contact.phone, None,
            "the phone of another contact is dropped"
        );
        assert_eq!(
            world.locations["L"].contacts[&bob.id].phone.as_deref(),
            Some("+15550001111")
        );
    }

    #[test]
    fn create_on_a_no_duplicates_location_names_the_existing_contact() {
        let ids = IdGenerator::new(Some(2));
        let mut ctx = Ctx::new(chrono::Utc::now(), &ids);
        let mut world = world();
        let first = world
            .create_contact(
                "L",
                &input(json!({"locationId": "L", "email": "a@b.co", "firstName": "Al"})),
                &mut ctx,
            )
            .unwrap();
        let err = world
            .create_contact(
                "L",
                &input(json!({"locationId": "L", "email": "A@B.CO"})),
                &mut ctx,
            )
            .unwrap_err();
        assert_eq!(
            err,
            ApiError::Duplicate {
                contact_id: first.id,
                contact_name: "Al".into(),
                matching_field: "email"
            }
        );
        world
            .locations
            .get_mut("L")
            .unwrap()
            .settings
            .allow_duplicates = true;
        assert!(
            world
                .create_contact(
                    "L",
                    &input(json!({"locationId": "L", "email": "a@b.co"})),
                    &mut ctx
                )
                .is_ok()
        );
    }
}
