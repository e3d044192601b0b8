//! Contacts: get, create, update, delete, upsert and the (deprecated) cursor list.

use futures::Stream;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::{lenient_u64, null_as_default};
use crate::ids::{validate_location_id, validate_record_id};
use crate::pagination::paginate;
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

/// A GHL contact as GET, update, upsert, list and search return it. Every field but `id` may be
/// missing depending on the endpoint; unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub location_id: Option<String>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub timezone: Option<String>,
    pub dnd: Option<bool>,
    pub dnd_settings: Option<DndSettings>,
    #[serde(rename = "type")]
    pub contact_type: Option<String>,
    pub source: Option<String>,
    pub assigned_to: Option<String>,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    /// ISO-3166 alpha-2 code, such as `US`.
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub website: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    pub date_of_birth: Option<String>,
    /// ISO-8601 UTC with milliseconds, such as `2021-07-02T05:18:26.704Z`.
    pub date_added: Option<String>,
    pub date_updated: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub custom_fields: Vec<CustomFieldValue>,
    pub business_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub followers: Vec<String>,
    /// The cursor of this contact in a search result; pass it back as `searchAfter`.
    pub search_after: Option<Vec<serde_json::Value>>,
}

/// A custom field value as GHL reads it back: `{id, value}`. The value is a string for text
/// fields, a number, an array of options, or an object for files.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CustomFieldValue {
    pub id: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// A custom field value to write. GHL takes the field by `id` (or by `key`, `contact.pincode`).
///
/// Serialised as `{id, key?, fieldValue}`: the camelCase `fieldValue` is the form verified
/// against live GHL (the spec's `field_value` is ignored by some endpoints; see
/// `crates/ghl-spec/src/live_exceptions.rs`). Read from any of the three spellings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "fieldValue", alias = "field_value", alias = "value")]
    pub field_value: serde_json::Value,
}

impl CustomFieldInput {
    pub fn by_id(id: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        Self {
            id: Some(id.into()),
            key: None,
            field_value: value.into(),
        }
    }

    pub fn by_key(key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        Self {
            id: None,
            key: Some(key.into()),
            field_value: value.into(),
        }
    }
}

/// Do-not-disturb per channel.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DndSettings {
    #[serde(rename = "Call", skip_serializing_if = "Option::is_none")]
    pub call: Option<DndChannel>,
    #[serde(rename = "Email", skip_serializing_if = "Option::is_none")]
    pub email: Option<DndChannel>,
    #[serde(rename = "SMS", skip_serializing_if = "Option::is_none")]
    pub sms: Option<DndChannel>,
    #[serde(rename = "WhatsApp", skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<DndChannel>,
    #[serde(rename = "GMB", skip_serializing_if = "Option::is_none")]
    pub gmb: Option<DndChannel>,
    #[serde(rename = "FB", skip_serializing_if = "Option::is_none")]
    pub fb: Option<DndChannel>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DndChannel {
    /// `active`, `inactive` or `permanent`. Required when writing; may be missing when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The fields create, update and upsert share. Only fields that are set are sent.
///
/// Note: `tags` here replaces all of the contact's tags on update and upsert; to add or remove
/// some, use [`GhlClient::add_tags`] and [`GhlClient::remove_tags`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnd_settings: Option<DndSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `YYYY-MM-DD` and the other formats GHL lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// Body of `POST /contacts/`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateContact {
    pub location_id: String,
    #[serde(flatten)]
    pub fields: ContactFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

/// Body of `POST /contacts/upsert`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertContact {
    pub location_id: String,
    #[serde(flatten)]
    pub fields: ContactFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Create a new contact even when one matches, if the location allows duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_new_if_duplicate_allowed: Option<bool>,
}

/// Body of `PUT /contacts/{id}`: GHL's update has no `locationId`, `gender` or `companyName`.
pub type UpdateContact = ContactFields;

/// The answer to an upsert: the contact, and whether GHL created it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpsertOutcome {
    #[serde(rename = "new", default)]
    pub created: bool,
    pub contact: Contact,
}

/// Query of the deprecated `GET /contacts/` list (GHL recommends search instead).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListContacts {
    pub location_id: String,
    pub query: Option<String>,
    /// Page size, at most 100 (GHL's default is 20).
    pub limit: Option<u32>,
    pub start_after_id: Option<String>,
    /// Epoch milliseconds of the last contact seen, with `start_after_id`.
    pub start_after: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ContactPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub contacts: Vec<Contact>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub count: Option<u64>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

/// The `meta` object live list responses carry (the spec's `ContactsMetaSchema`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total: Option<u64>,
    pub next_page_url: Option<String>,
    pub start_after_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub start_after: Option<u64>,
}

#[derive(Deserialize)]
struct ContactEnvelope {
    contact: Contact,
}

impl GhlClient {
    /// `GET /contacts/{contactId}`
    pub async fn get_contact(&self, contact_id: &str) -> Result<GhlResponse<Contact>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        let response = self
            .call(Method::GET, &["contacts", contact_id])
            .send::<ContactEnvelope>()
            .await?;
        Ok(response.map(|e| e.contact))
    }

    /// `POST /contacts/`. On a location that does not allow duplicates, an existing match gives
    /// [`GhlError::Duplicate`] with the existing contact's id.
    pub async fn create_contact(
        &self,
        contact: &CreateContact,
    ) -> Result<GhlResponse<Contact>, GhlError> {
        validate_location_id(&contact.location_id)?;
        let response = self
            .call(Method::POST, &["contacts", ""])
            .json(contact)?
            .send::<ContactEnvelope>()
            .await?;
        Ok(response.map(|e| e.contact))
    }

    /// `PUT /contacts/{contactId}`
    pub async fn update_contact(
        &self,
        contact_id: &str,
        update: &UpdateContact,
    ) -> Result<GhlResponse<Contact>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        let response = self
            .call(Method::PUT, &["contacts", contact_id])
            .json(update)?
            .send::<ContactEnvelope>()
            .await?;
        Ok(response.map(|e| e.contact))
    }

    /// `DELETE /contacts/{contactId}`
    pub async fn delete_contact(
        &self,
        contact_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        self.call(Method::DELETE, &["contacts", contact_id])
            .send()
            .await
    }

    /// `POST /contacts/upsert`: updates the contact that matches by the location's duplicate
    /// rule (email and phone, in its configured order) or creates one.
    ///
    /// When the email and phone match two different contacts, GHL updates the first match and
    /// silently drops the other identifier; compare the returned contact with what you sent.
    pub async fn upsert_contact(
        &self,
        contact: &UpsertContact,
    ) -> Result<GhlResponse<UpsertOutcome>, GhlError> {
        validate_location_id(&contact.location_id)?;
        self.call(Method::POST, &["contacts", "upsert"])
            .json(contact)?
            .send()
            .await
    }

    /// One page of `GET /contacts/` (deprecated by GHL in favour of search).
    pub async fn list_contacts(
        &self,
        query: &ListContacts,
    ) -> Result<GhlResponse<ContactPage>, GhlError> {
        validate_location_id(&query.location_id)?;
        if let Some(limit) = query.limit
            && !(1..=100).contains(&limit)
        {
            return Err(GhlError::InvalidInput(format!(
                "limit {limit} is out of range: GHL lists 1 to 100 contacts per page"
            )));
        }
        self.call(Method::GET, &["contacts", ""])
            .query("locationId", &query.location_id)
            .query_opt("query", query.query.as_ref())
            .query_opt("limit", query.limit)
            .query_opt("startAfterId", query.start_after_id.as_ref())
            .query_opt("startAfter", query.start_after)
            .send()
            .await
    }

    /// Every contact `GET /contacts/` returns, page after page, following the
    /// `startAfterId`/`startAfter` cursor. `locationId` is sent on every page.
    pub fn list_contacts_stream(
        &self,
        query: ListContacts,
    ) -> impl Stream<Item = Result<Contact, GhlError>> + Send + 'static {
        let client = self.clone();
        paginate(Some(query), move |query: ListContacts| {
            let client = client.clone();
            async move {
                let page = client.list_contacts(&query).await?.into_inner();
                let page_size = query.limit.unwrap_or(20) as usize;
                let next = next_list_cursor(&query, &page, page_size);
                Ok((page.contacts, next))
            }
        })
    }
}

/// The query for the page after `page`, or `None` when `page` was the last.
fn next_list_cursor(
    query: &ListContacts,
    page: &ContactPage,
    page_size: usize,
) -> Option<ListContacts> {
    if page.contacts.len() < page_size || page.contacts.is_empty() {
        return None;
    }
    let last = page.contacts.last()?;
    let from_meta = page
        .meta
        .as_ref()
        .and_then(|meta| Some((meta.start_after_id.clone()?, meta.start_after?)));
    let (start_after_id, start_after) = match from_meta {
        Some(cursor) => cursor,
        None => (last.id.clone(), epoch_millis(last.date_added.as_deref()?)?),
    };
    if query.start_after_id.as_deref() == Some(start_after_id.as_str()) {
        return None; // the cursor did not move: stop rather than loop forever
    }
    Some(ListContacts {
        start_after_id: Some(start_after_id),
        start_after: Some(start_after),
        ..query.clone()
    })
}

/// Milliseconds since the epoch of an ISO-8601 timestamp like `2021-07-02T05:18:26.704Z`.
fn epoch_millis(timestamp: &str) -> Option<u64> {
    let instant = chrono::DateTime::parse_from_rfc3339(timestamp).ok()?;
    u64::try_from(instant.timestamp_millis()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_millis_matches_known_instants() {
        assert_eq!(epoch_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            epoch_millis("2021-07-02T05:18:26.704Z"),
            Some(1_625_203_106_704)
        );
        assert_eq!(
            epoch_millis("2024-02-29T23:59:59.5Z"),
            Some(1_709_251_199_500)
        );
        assert_eq!(epoch_millis("yesterday"), None);
    }

    #[test]
    fn contact_tolerates_nulls_and_unknown_fields() {
        let contact: Contact = serde_json::from_value(serde_json::json!({
            "id": "ocQHyuzHvysMo5N5VsXc", "tags": null, "customFields": [{"id": "f", "value": ["a", "b"]}],
            "somethingNew": {"x": 1}, "email": null
        }))
        .unwrap();
        assert!(contact.tags.is_empty());
        assert_eq!(
            contact.custom_fields[0].value,
            serde_json::json!(["a", "b"])
        );
        assert_eq!(contact.email, None);
    }

    #[test]
    fn update_body_has_no_create_only_fields() {
        let update = UpdateContact {
            email: Some("a@b.co".into()),
            custom_fields: Some(vec![CustomFieldInput::by_id("f1", "v")]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            serde_json::json!({"email": "a@b.co", "customFields": [{"id": "f1", "fieldValue": "v"}]})
        );
    }
}
