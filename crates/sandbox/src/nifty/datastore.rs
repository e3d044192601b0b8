//! Data Stores: hosted tables NiftyImages reads at image-open time. Records are written
//! through the API (upsert on the unique field(s), typed validation) but never read through
//! it; the sandbox's `/_sandbox/stores/{name}/rows` dump exists for tests only.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use super::error::{ApiResult, NiftyApiError};

/// One field as `GET /Store` lists it (lower/snake case, unlike the rest of the API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FieldDef {
    pub name: String,
    /// `TEXT`, `NUMBER`, `BOOLEAN` or `DATE`.
    #[serde(rename = "type")]
    pub field_type: String,
    pub unique: bool,
    /// A chrono `strftime` pattern in the sandbox. The real token syntax is not public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_input_format: Option<String>,
}

impl FieldDef {
    pub fn new(name: &str, field_type: &str) -> Self {
        Self {
            name: name.to_owned(),
            field_type: field_type.to_owned(),
            unique: false,
            date_input_format: None,
        }
    }

    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    pub fn date_format(mut self, format: &str) -> Self {
        self.date_input_format = Some(format.to_owned());
        self
    }
}

/// One stored record as the test dump shows it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StoreRow {
    /// The id `DELETE /Store/DeleteID?id=` takes.
    pub id: u64,
    pub values: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct DataStore {
    pub name: String,
    pub key: String,
    /// Only a Custom Store accepts writes through the API (others come from CSV uploads).
    pub custom: bool,
    pub fields: Vec<FieldDef>,
    pub rows: Vec<StoreRow>,
    pub next_id: u64,
}

/// Whether an upsert made a record or changed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created(u64),
    Updated(u64),
}

impl DataStore {
    pub fn new(name: &str, key: String, custom: bool, fields: Vec<FieldDef>) -> Self {
        Self {
            name: name.to_owned(),
            key,
            custom,
            fields,
            rows: Vec::new(),
            next_id: 1,
        }
    }

    fn writable(&self) -> ApiResult<()> {
        if self.custom {
            Ok(())
        } else {
            Err(NiftyApiError::bad_request(format!(
                "Data Store '{}' is not a Custom Store: only Custom Stores accept records through the API",
                self.name
            )))
        }
    }

    /// Drops records whose TTL has passed.
    pub fn purge_expired(&mut self, now: DateTime<Utc>) {
        self.rows
            .retain(|row| row.expires_at.is_none_or(|expires| expires > now));
    }

    /// `POST /Store/AddRecord`: validates every field, then updates the record with the same
    /// unique value(s) (fields not sent keep their values) or adds a new one.
    pub fn upsert(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
        ttl: Option<Duration>,
    ) -> ApiResult<Upserted> {
        self.writable()?;
        self.purge_expired(now);
        if body.is_empty() {
            return Err(NiftyApiError::bad_request("The record has no fields"));
        }
        let values = self.validate(body)?;
        let key = self.unique_key(&values)?;
        let expires_at = ttl.map(|ttl| now + ttl);
        if let Some(row) = self.rows.iter_mut().find(|r| key_matches(&r.values, &key)) {
            for (name, value) in values {
                row.values.insert(name, value);
            }
            row.updated_at = now;
            row.expires_at = expires_at;
            return Ok(Upserted::Updated(row.id));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.rows.push(StoreRow {
            id,
            values,
            created_at: now,
            updated_at: now,
            expires_at,
        });
        Ok(Upserted::Created(id))
    }

    /// `DELETE /Store/DeleteID?id=`.
    pub fn delete_id(&mut self, id: &str, now: DateTime<Utc>) -> ApiResult<u64> {
        self.writable()?;
        self.purge_expired(now);
        let id: u64 = id.trim().parse().map_err(|_| {
            NiftyApiError::bad_request(format!("id '{id}' is not a record id (a whole number)"))
        })?;
        let before = self.rows.len();
        self.rows.retain(|r| r.id != id);
        if self.rows.len() == before {
            return Err(NiftyApiError::not_found(format!(
                "No record with id {id} in Data Store '{}'",
                self.name
            )));
        }
        Ok(id)
    }

    /// `DELETE /Store/DeleteRecord`: the body names the record by its unique field(s) only.
    pub fn delete_record(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<u64> {
        self.writable()?;
        self.purge_expired(now);
        let unique = self.unique_names();
        if let Some(extra) = body.keys().find(|k| !unique.contains(&k.as_str())) {
            return Err(NiftyApiError::bad_request(format!(
                "DeleteRecord takes only the unique field(s) ({}); '{extra}' is not one",
                unique.join(", ")
            )));
        }
        let values = self.validate(body)?;
        let key = self.unique_key(&values)?;
        let Some(index) = self.rows.iter().position(|r| key_matches(&r.values, &key)) else {
            return Err(NiftyApiError::not_found(format!(
                "No record in Data Store '{}' matches {}",
                self.name,
                Value::Object(values)
            )));
        };
        Ok(self.rows.remove(index).id)
    }

    fn unique_names(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| f.unique)
            .map(|f| f.name.as_str())
            .collect()
    }

    /// The unique field values of a validated record; all must be present and non-empty.
    fn unique_key(&self, values: &Map<String, Value>) -> ApiResult<Vec<(String, Value)>> {
        self.unique_names()
            .into_iter()
            .map(|name| match values.get(name) {
                Some(Value::Null) | None => Err(missing_unique(name)),
                Some(Value::String(s)) if s.trim().is_empty() => Err(missing_unique(name)),
                Some(value) => Ok((name.to_owned(), value.clone())),
            })
            .collect()
    }

    /// Checks every field of `body` against the schema and returns the values as stored.
    fn validate(&self, body: &Map<String, Value>) -> ApiResult<Map<String, Value>> {
        let mut out = Map::new();
        for (name, value) in body {
            let Some(field) = self.fields.iter().find(|f| &f.name == name) else {
                let known: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
                return Err(NiftyApiError::bad_request(format!(
                    "Unknown field '{name}': Data Store '{}' has the fields {}",
                    self.name,
                    known.join(", ")
                )));
            };
            out.insert(name.clone(), checked_value(field, value)?);
        }
        Ok(out)
    }
}

fn missing_unique(name: &str) -> NiftyApiError {
    NiftyApiError::bad_request(format!(
        "Field '{name}' is unique and needs a value: records are matched on it"
    ))
}

fn key_matches(values: &Map<String, Value>, key: &[(String, Value)]) -> bool {
    key.iter()
        .all(|(name, value)| values.get(name) == Some(value))
}

/// One value as the field's type stores it, or a 400 naming the field.
fn checked_value(field: &FieldDef, value: &Value) -> ApiResult<Value> {
    let name = &field.name;
    let text = match value {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(_) | Value::Object(_) => {
            return Err(NiftyApiError::bad_request(format!(
                "Field '{name}' must be a single value, not a list or object"
            )));
        }
    };
    if let Some(format) = &field.date_input_format {
        if text.is_empty() {
            return Ok(Value::Null);
        }
        return if follows_format(&text, format) {
            Ok(Value::String(text))
        } else {
            Err(NiftyApiError::bad_request(format!(
                "Field '{name}' must follow the date_input_format '{format}'; '{text}' does not"
            )))
        };
    }
    match field.field_type.to_ascii_uppercase().as_str() {
        "NUMBER" => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            let number = text
                .parse::<i64>()
                .map(Number::from)
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64));
            number.map(Value::Number).ok_or_else(|| {
                NiftyApiError::bad_request(format!(
                    "Field '{name}' is a NUMBER field; '{text}' is not a number"
                ))
            })
        }
        "BOOLEAN" => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            "" => Ok(Value::Null),
            _ => Err(NiftyApiError::bad_request(format!(
                "Field '{name}' is a BOOLEAN field; use true or false, not '{text}'"
            ))),
        },
        _ => Ok(Value::String(match value {
            Value::String(s) => s.clone(),
            _ => text,
        })),
    }
}

/// True when `text` parses with the chrono pattern `format` (as a date-time or a date).
pub fn follows_format(text: &str, format: &str) -> bool {
    NaiveDateTime::parse_from_str(text, format).is_ok()
        || NaiveDate::parse_from_str(text, format).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> DataStore {
        DataStore::new(
            "contacts",
            "k".into(),
            true,
            vec![
                FieldDef::new("email", "TEXT").unique(),
                FieldDef::new("score", "NUMBER"),
                FieldDef::new("vip", "BOOLEAN"),
                FieldDef::new("appointment", "DATE").date_format("%m/%d/%Y %H:%M"),
            ],
        )
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn upsert_updates_the_record_with_the_same_unique_value() {
        let mut s = store();
        let now = Utc::now();
        let first = s.upsert(&obj(json!({"email": "a@x.io", "score": "5"})), now, None);
        assert_eq!(first, Ok(Upserted::Created(1)));
        let second = s.upsert(&obj(json!({"email": "a@x.io", "vip": "TRUE"})), now, None);
        assert_eq!(second, Ok(Upserted::Updated(1)));
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].values["score"], json!(5));
        assert_eq!(s.rows[0].values["vip"], json!(true));
    }

    #[test]
    fn validation_names_the_field() {
        let mut s = store();
        let now = Utc::now();
        let err = |s: &mut DataStore, v| s.upsert(&obj(v), now, None).unwrap_err().message;
        assert!(err(&mut s, json!({"score": 1})).contains("'email' is unique"));
        assert!(err(&mut s, json!({"email": "a", "score": "x"})).contains("NUMBER"));
        assert!(err(&mut s, json!({"email": "a", "vip": "maybe"})).contains("BOOLEAN"));
        let date = err(&mut s, json!({"email": "a", "appointment": "2026-01-02"}));
        assert!(date.contains("appointment") && date.contains("%m/%d/%Y %H:%M"));
        assert!(err(&mut s, json!({"email": "a", "nope": 1})).contains("Unknown field 'nope'"));
        assert!(
            s.upsert(
                &obj(json!({"email": "a", "appointment": "01/02/2026 09:30"})),
                now,
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn ttl_expires_records() {
        let mut s = store();
        let now = Utc::now();
        s.upsert(&obj(json!({"email": "a"})), now, Some(Duration::hours(1)))
            .unwrap();
        s.purge_expired(now + Duration::minutes(59));
        assert_eq!(s.rows.len(), 1);
        s.purge_expired(now + Duration::hours(2));
        assert!(s.rows.is_empty());
    }
}
