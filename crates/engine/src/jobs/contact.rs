//! `ghl.contact.upsert`: GHL's upsert (idempotent by email and phone), then the identity map
//! kept aligned, then the tags to add.

use ghl::contacts::{ContactFields, UpsertContact};
use serde_json::Value;

use super::{
    ContactRef, ContactUpsert, Failure, JobContext, custom_fields, email_key, fingerprint,
    store_failure,
};

/// Identity-map kind: the fingerprint of the last write nifty-ghl made to a contact, by the
/// contact's NiftyImages id or lower-cased email.
const MARK_KIND: &str = "mark:contact";

/// Upserts the contact and returns its GHL id.
pub(super) async fn run(ctx: &mut JobContext<'_>, input: ContactUpsert) -> Result<String, Failure> {
    let mark = mark_key(&input).map(|key| (key, fingerprint(&(&input.fields, &input.add_tags))));
    if input.only_if_changed
        && let Some((key, print)) = &mark
        && let Some(id) = unchanged(ctx, &input, key, print).await?
    {
        return Ok(id);
    }
    let mut request =
        upsert_request(&input, ctx.location()).map_err(|error| Failure::Permanent {
            error,
            response: None,
        })?;
    let custom_keys = match request.fields.custom_fields.as_mut() {
        Some(writes) => custom_fields::resolve(ctx, writes).await?,
        None => Vec::new(),
    };
    let mut fields = request.fields.clone();
    let client = ctx.client;
    let outcome = match ctx
        .call("POST /contacts/upsert", client.upsert_contact(&request))
        .await
    {
        Err(refused @ Failure::Permanent { .. }) if custom_keys.iter().any(Option::is_some) => {
            // A remembered custom field id GHL no longer has may be what it refused: the
            // fields are looked up again, and the write is tried once more if an id changed.
            let writes = request
                .fields
                .custom_fields
                .as_mut()
                .expect("keys come from writes");
            if !custom_fields::look_up(ctx, writes, &custom_keys).await? {
                return Err(refused);
            }
            fields = request.fields.clone();
            ctx.call("POST /contacts/upsert", client.upsert_contact(&request))
                .await?
        }
        other => other?,
    }
    .into_inner();
    let contact = outcome.contact;
    if let Some(writes) = &fields.custom_fields {
        custom_fields::rewrite_lost(ctx, &contact, writes, &custom_keys).await?;
    }
    // Stored with the job's outcome, in the same commit.
    if let Some(source) = &input.source_id {
        ctx.learned("contact", source, &contact.id);
    }
    if let Some(email) = fields.email.as_deref().or(contact.email.as_deref()) {
        ctx.learned("email", &email_key(email), &contact.id);
    }
    if let Some((key, print)) = &mark {
        ctx.learned(MARK_KIND, key, print);
    }
    let wanted: Vec<String> = tags_to_add(&input)
        .into_iter()
        .filter(|tag| !contact.tags.contains(tag))
        .collect();
    if !wanted.is_empty() {
        ctx.call(
            "POST /contacts/{id}/tags",
            client.add_tags(&contact.id, &wanted),
        )
        .await?;
    }
    Ok(contact.id)
}

/// Who the write mark is kept for: whom the job is about (its lane's contact).
fn mark_key(input: &ContactUpsert) -> Option<String> {
    let email = input.fields.get("email").and_then(Value::as_str);
    let who = crate::recipes::actions::who(input.source_id.clone(), email.map(str::to_owned));
    (!who.is_empty()).then_some(who)
}

/// The contact's GHL id when `print` is what nifty-ghl last wrote to it (nothing to do), else
/// `None`.
async fn unchanged(
    ctx: &mut JobContext<'_>,
    input: &ContactUpsert,
    key: &str,
    print: &str,
) -> Result<Option<String>, Failure> {
    let location = ctx.location().to_owned();
    let last = ctx
        .store
        .identity(&location, MARK_KIND, key)
        .await
        .map_err(store_failure)?;
    if last.as_deref() != Some(print) {
        return Ok(None);
    }
    let by_source = match &input.source_id {
        Some(source) => ctx
            .store
            .identity(&location, "contact", source)
            .await
            .map_err(store_failure)?,
        None => None,
    };
    let by_email = match input.fields.get("email").and_then(Value::as_str) {
        Some(email) if by_source.is_none() => ctx
            .store
            .identity(&location, "email", &email_key(email))
            .await
            .map_err(store_failure)?,
        _ => None,
    };
    Ok(by_source.or(by_email))
}

/// The upsert call's body (also what a dry run shows).
pub(super) fn upsert_request(
    input: &ContactUpsert,
    location: &str,
) -> Result<UpsertContact, String> {
    let fields: ContactFields = serde_json::from_value(Value::Object(input.fields.clone()))
        .map_err(|e| format!("contact fields: {e}"))?;
    if fields.email.is_none() && fields.phone.is_none() {
        return Err("a contact needs an email or a phone for GHL to match it".into());
    }
    Ok(UpsertContact {
        location_id: location.to_owned(),
        fields,
        ..UpsertContact::default()
    })
}

/// The tags the job adds, as GHL stores them (lower case); those the contact has are skipped
/// at run time.
pub(super) fn tags_to_add(input: &ContactUpsert) -> Vec<String> {
    input
        .add_tags
        .iter()
        .filter(|(_, add)| **add)
        .map(|(tag, _)| tag.trim().to_lowercase())
        .filter(|tag| !tag.is_empty())
        .collect()
}

/// The GHL contact a task or note belongs to: from the identity map, or by upserting the
/// contact by email (which finds or makes it).
pub(super) async fn resolve(
    ctx: &mut JobContext<'_>,
    contact: &ContactRef,
) -> Result<String, Failure> {
    let location = ctx.location().to_owned();
    if let Some(source) = &contact.source_id
        && let Some(id) = ctx
            .store
            .identity(&location, "contact", source)
            .await
            .map_err(store_failure)?
    {
        return Ok(id);
    }
    if let Some(email) = &contact.email {
        if let Some(id) = ctx
            .store
            .identity(&location, "email", &email_key(email))
            .await
            .map_err(store_failure)?
        {
            return Ok(id);
        }
        let mut fields = serde_json::Map::new();
        fields.insert("email".into(), Value::String(email.clone()));
        return run(
            ctx,
            ContactUpsert {
                source_id: contact.source_id.clone(),
                fields,
                ..ContactUpsert::default()
            },
        )
        .await;
    }
    // Spends an attempt, so that a contact that never arrives ends as a dead letter that says so.
    Err(Failure::Transient {
        error: format!(
            "contact {} is not in GHL yet: no contact event for it has been applied, and this event has no email",
            contact.source_id.as_deref().unwrap_or("?")
        ),
    })
}
