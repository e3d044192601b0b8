//! `/Store*`: a Data Store's schema, record upserts and deletes. Needs the store's own key.
//!
//! A Data Store is a hosted table NiftyImages reads at image-open time. The API can read its
//! schema and write records, never read them. Only a "Custom Store" accepts writes.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::NiftyClient;
use crate::de;
use crate::error::NiftyError;

/// One field of a Data Store. Unlike the rest of the API, these names are lower/snake case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreField {
    pub name: String,
    /// `NUMBER` and `BOOLEAN` are documented; anything else is text-like (dates carry a
    /// `date_input_format`).
    #[serde(rename = "type", default, deserialize_with = "de::text")]
    pub field_type: String,
    /// Records are upserted by the fields flagged unique.
    #[serde(default, deserialize_with = "de::flag")]
    pub unique: bool,
    /// The pattern a date value must follow when written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_input_format: Option<String>,
}

impl StoreField {
    pub fn kind(&self) -> FieldKind {
        match self.field_type.to_ascii_uppercase().as_str() {
            "NUMBER" => FieldKind::Number,
            "BOOLEAN" => FieldKind::Boolean,
            _ if self.date_input_format.is_some() => FieldKind::Date,
            t if t.contains("DATE") => FieldKind::Date,
            _ => FieldKind::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Date,
}

/// A record to write: a flat object of field name to value (string, number, bool or null).
pub type StoreRecord = Map<String, Value>;

/// What a write answered. NiftyImages does not document these bodies, so every part is
/// optional and the raw answer is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreWrite {
    /// The record's id, if the answer names one (usable with `DeleteID`).
    pub id: Option<String>,
    pub message: Option<String>,
    pub raw: Value,
}

impl StoreWrite {
    fn from_raw(raw: Value) -> Self {
        let field = |names: &[&str]| {
            names.iter().find_map(|n| match raw.get(*n) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        Self {
            id: field(&["Id", "ID", "id", "RecordId", "recordId"]),
            message: field(&["Message", "message"]),
            raw,
        }
    }
}

impl NiftyClient {
    /// `GET /Store`: the fields of the store the client's key belongs to.
    pub async fn store_fields(&self) -> Result<Vec<StoreField>, NiftyError> {
        self.call(Method::GET, &["Store"]).send().await
    }

    /// `POST /Store/AddRecord`: create the record, or update the one with the same unique
    /// value(s). `record` must serialise to a flat JSON object.
    pub async fn upsert_record(&self, record: &impl Serialize) -> Result<StoreWrite, NiftyError> {
        let body = flat_object(record)?;
        self.call(Method::POST, &["Store", "AddRecord"])
            .json(&body)?
            .send()
            .await
            .map(StoreWrite::from_raw)
    }

    /// `DELETE /Store/DeleteID?id=`: delete a record by its id.
    pub async fn delete_record_by_id(&self, id: &str) -> Result<StoreWrite, NiftyError> {
        self.call(Method::DELETE, &["Store", "DeleteID"])
            .query("id", id)
            .send()
            .await
            .map(StoreWrite::from_raw)
    }

    /// `DELETE /Store/DeleteRecord`: delete the record whose unique field(s) match `key`,
    /// such as `{"email": "ann@example.com"}`.
    pub async fn delete_record(&self, key: &impl Serialize) -> Result<StoreWrite, NiftyError> {
        let body = flat_object(key)?;
        self.call(Method::DELETE, &["Store", "DeleteRecord"])
            .json(&body)?
            .send()
            .await
            .map(StoreWrite::from_raw)
    }
}

/// Checks a record is a flat object before it is sent: nested values cannot be stored.
fn flat_object(record: &impl Serialize) -> Result<Map<String, Value>, NiftyError> {
    let value = serde_json::to_value(record)
        .map_err(|e| NiftyError::InvalidInput(format!("cannot encode the record: {e}")))?;
    let Value::Object(object) = value else {
        return Err(NiftyError::InvalidInput(
            "a Data Store record must be a JSON object".into(),
        ));
    };
    if let Some((name, _)) = object
        .iter()
        .find(|(_, v)| matches!(v, Value::Array(_) | Value::Object(_)))
    {
        return Err(NiftyError::InvalidInput(format!(
            "Data Store field {name:?} must be a single value, not a list or object"
        )));
    }
    Ok(object)
}
