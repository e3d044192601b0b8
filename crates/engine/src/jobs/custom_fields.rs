//! Custom field values written by key (`niftyimages_contact_id`) are sent by field id.
//!
//! GHL's spec lets a value name its field by key, but integrations report writes that do not
//! land unless they name the field by id (facts §8 #5: resolve ids through
//! `GET /locations/{id}/customFields`), and a key the location does not have cannot hold a
//! value at all: a mapping that names a field nobody made would lose its values. So a key is
//! looked up in the location's field list (its id then kept in the identity map, kind
//! `custom_field`), and a field that does not exist is created (as TEXT, which holds any value)
//! before the contact is written. A remembered id GHL no longer has (the field was deleted) is
//! looked up again, whether GHL ignored the value or refused the write. A token without the
//! custom field scopes still writes by key, as GHL documents, with a warning.

use ghl::contacts::{Contact, CustomFieldInput};
use ghl::custom_fields::{
    CreateCustomField, CustomFieldDefinition, CustomFieldModel, CustomFieldObject,
    CustomFieldSettings,
};
use ghl::{GhlError, UnauthorizedReason};

use super::{Failure, JobContext, store_failure, warn_once};

/// Identity-map kind: a custom field's key (`contact.favourite_store`) → its GHL id.
const KIND: &str = "custom_field";
const READ_SCOPE: &str = "locations/customFields.readonly";
const WRITE_SCOPE: &str = "locations/customFields.write";
const NO_READ_SCOPE: &str = "the GHL connection lacks scope locations/customFields.readonly: custom fields are written by key, and GHL drops values for keys the location does not have; reconnect with the scope";

/// `favourite_store` and `contact.favourite_store` name the same contact field.
pub(crate) fn full_key(key: &str) -> String {
    let key = key.trim();
    if key.starts_with("contact.") {
        key.to_owned()
    } else {
        format!("contact.{key}")
    }
}

/// The name a created field gets: `favourite_store` → `Favourite store`. GHL makes the key
/// from the name the same way back (`contact.favourite_store`).
fn name_for(key: &str) -> String {
    let words = key.trim_start_matches("contact.").replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// One lookup-and-create at a time per location: two contact jobs meeting the same new key at
/// once would otherwise both create the field (GHL may keep both). A location's jobs run in
/// one instance (its lease), so a lock in the process is enough.
fn fields_lock(location: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    > = std::sync::OnceLock::new();
    LOCKS
        .get_or_init(Default::default)
        .lock()
        .expect("custom field locks")
        .entry(location.to_owned())
        .or_default()
        .clone()
}

/// Rewrites `writes` given by key to writes by id, creating fields the location lacks.
/// Returns the key each write had (`None` for writes given by id), for [`rewrite_lost`].
pub(super) async fn resolve(
    ctx: &mut JobContext<'_>,
    writes: &mut [CustomFieldInput],
) -> Result<Vec<Option<String>>, Failure> {
    let location = ctx.location().to_owned();
    let keys: Vec<Option<String>> = writes
        .iter()
        .map(|w| w.key.as_deref().filter(|_| w.id.is_none()).map(full_key))
        .collect();
    // The keys no id is remembered for: looked up in GHL (and made) below.
    let mut unknown: Vec<Option<String>> = vec![None; writes.len()];
    for (index, write) in writes.iter_mut().enumerate() {
        let Some(key) = keys[index].clone() else {
            continue;
        };
        match ctx
            .store
            .identity(&location, KIND, &key)
            .await
            .map_err(store_failure)?
        {
            Some(id) => by_id(write, id),
            None => unknown[index] = Some(key),
        }
    }
    look_up(ctx, writes, &unknown).await?;
    Ok(keys)
}

/// After the write: a value sent by a remembered id that the contact does not hold means the
/// field was deleted in GHL since (GHL ignored the value). The field is looked up again (and
/// made again if it is gone), and those values are written once more.
pub(super) async fn rewrite_lost(
    ctx: &mut JobContext<'_>,
    contact: &Contact,
    written: &[CustomFieldInput],
    keys: &[Option<String>],
) -> Result<(), Failure> {
    let mut lost: Vec<(CustomFieldInput, Option<String>)> = written
        .iter()
        .zip(keys)
        .filter(|(write, key)| key.is_some() && write.id.is_some() && !is_empty(&write.field_value))
        .filter(|(write, _)| {
            !contact
                .custom_fields
                .iter()
                .any(|held| Some(&held.id) == write.id.as_ref())
        })
        .map(|(write, key)| (write.clone(), key.clone()))
        .collect();
    if lost.is_empty() {
        return Ok(());
    }
    let (mut again, lost_keys): (Vec<_>, Vec<_>) = lost.drain(..).unzip();
    if !look_up(ctx, &mut again, &lost_keys).await? {
        // Every field exists with the id sent: GHL's answer only left the values out.
        return Ok(());
    }
    let update = ghl::contacts::UpdateContact {
        custom_fields: Some(again),
        ..Default::default()
    };
    let client = ctx.client;
    ctx.call(
        "PUT /contacts/{id}",
        client.update_contact(&contact.id, &update),
    )
    .await?;
    Ok(())
}

/// Looks up in GHL the fields `keys` names (one key or `None` per write, as [`resolve`]
/// returns them), bypassing remembered ids, and makes those that do not exist; remembers their
/// ids and puts them on the writes. True if any write's id changed.
pub(super) async fn look_up(
    ctx: &mut JobContext<'_>,
    writes: &mut [CustomFieldInput],
    keys: &[Option<String>],
) -> Result<bool, Failure> {
    if keys.iter().all(Option::is_none) {
        return Ok(false);
    }
    let location = ctx.location().to_owned();
    let _one_at_a_time = fields_lock(&location).lock_owned().await;
    let Some(mut fields) = list(ctx).await? else {
        return Ok(false);
    };
    let mut changed = false;
    for (write, key) in writes.iter_mut().zip(keys) {
        let Some(key) = key else {
            continue;
        };
        let id = match find(&fields, key) {
            Some(field) => field.id.clone(),
            None => {
                let field = create(ctx, key).await?;
                fields.push(field.clone());
                field.id
            }
        };
        if write.id.as_ref() != Some(&id) {
            if write.id.is_some() {
                tracing::warn!(location = %ctx.location(), %key, "custom field id changed in GHL; the value is written with the new one");
            }
            ctx.learned(KIND, key, &id);
            by_id(write, id);
            changed = true;
        }
    }
    Ok(changed)
}

/// Whether the connection may not make the call: refused here (the scope was not granted) or
/// by GHL.
fn lacks_scope(error: &GhlError) -> bool {
    matches!(
        error,
        GhlError::ScopeNotGranted { .. }
            | GhlError::Unauthorized {
                reason: UnauthorizedReason::MissingScope,
                ..
            }
    )
}

/// The field `key` names: by its key, or by the name nifty-ghl gives a field it creates (GHL
/// makes the key from the name; should it make another key than `key`, the name still finds
/// the field made for it).
fn find<'a>(fields: &'a [CustomFieldDefinition], key: &str) -> Option<&'a CustomFieldDefinition> {
    fields
        .iter()
        .find(|f| f.field_key.as_deref() == Some(key))
        .or_else(|| {
            let name = name_for(key);
            fields
                .iter()
                .find(|f| f.name.as_deref() == Some(name.as_str()))
        })
}

fn by_id(write: &mut CustomFieldInput, id: String) {
    write.id = Some(id);
    write.key = None;
}

fn is_empty(value: &serde_json::Value) -> bool {
    value.is_null() || value.as_str().is_some_and(str::is_empty) || value == &serde_json::json!([])
}

/// The location's contact fields; `None` when the token may not read them (the writes then
/// go by key).
async fn list(ctx: &mut JobContext<'_>) -> Result<Option<Vec<CustomFieldDefinition>>, Failure> {
    let location = ctx.location().to_owned();
    let client = ctx.client;
    if !client.may_use(READ_SCOPE) {
        warn_once("custom-fields-scope", &location, NO_READ_SCOPE);
        return Ok(None);
    }
    ctx.take_budget().await?;
    match ctx
        .send(
            "GET /locations/{id}/customFields",
            client.custom_fields(&location, Some(CustomFieldModel::Contact)),
        )
        .await
    {
        Ok(response) => Ok(Some(response.into_inner())),
        Err(error) if lacks_scope(&error) => {
            warn_once("custom-fields-scope", &location, NO_READ_SCOPE);
            Ok(None)
        }
        Err(error) => Err(ctx.classify("GET /locations/{id}/customFields", error)),
    }
}

async fn create(ctx: &mut JobContext<'_>, key: &str) -> Result<CustomFieldDefinition, Failure> {
    let location = ctx.location().to_owned();
    let cannot_create = || Failure::Permanent {
        error: format!(
            "custom field {key} does not exist in GHL location {location}, and the connection lacks scope {WRITE_SCOPE} to create it: create the field in GHL (or grant the scope), then replay this dead letter"
        ),
        response: None,
    };
    if !ctx.client.may_use(WRITE_SCOPE) {
        return Err(cannot_create());
    }
    let field = CreateCustomField {
        name: name_for(key),
        data_type: "TEXT".into(),
        settings: CustomFieldSettings {
            model: Some(CustomFieldObject::Contact),
            ..CustomFieldSettings::default()
        },
    };
    let client = ctx.client;
    ctx.take_budget().await?;
    match ctx
        .send(
            "POST /locations/{id}/customFields",
            client.create_custom_field(&location, &field),
        )
        .await
    {
        Ok(response) => {
            let created = response.into_inner();
            tracing::info!(%location, %key, id = %created.id, "created the GHL custom field a recipe writes to");
            Ok(created)
        }
        Err(error) if lacks_scope(&error) => Err(cannot_create()),
        Err(error) => {
            // Another job may have made the same field a moment ago (GHL refuses a second
            // field of the same name): take that one.
            if error.status().is_some_and(|s| s.is_client_error())
                && let Some(fields) = list(ctx).await?
                && let Some(field) = find(&fields, key)
            {
                return Ok(field.clone());
            }
            Err(ctx.classify("POST /locations/{id}/customFields", error))
        }
    }
}
