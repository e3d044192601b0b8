//! Request bodies, checked field by field the way GHL checks them, and turned into inputs the
//! world can apply.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::api_error::ApiError;
use crate::checker::{Checker, is_email, is_iso8601};

/// A custom field value being written: by id or by key, value from `field_value`, `fieldValue`
/// or `value` (all three are accepted live).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldWrite {
    pub id: Option<String>,
    pub key: Option<String>,
    pub value: Value,
}

/// The contact fields a create, update or upsert sets. `Some(None)` clears a field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactInput {
    pub location_id: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address1: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub postal_code: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub timezone: Option<Option<String>>,
    pub company_name: Option<Option<String>>,
    pub gender: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub assigned_to: Option<Option<String>>,
    pub dnd: Option<bool>,
    pub dnd_settings: Option<Value>,
    pub inbound_dnd_settings: Option<Value>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<Vec<CustomFieldWrite>>,
    pub date_of_birth: Option<Option<String>>,
    pub create_new_if_duplicate_allowed: bool,
}

/// Which of GHL's three contact DTOs a body is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactDto {
    Create,
    Update,
    Upsert,
}

pub fn contact_input(body: &Value, dto: ContactDto) -> Result<ContactInput, ApiError> {
    let mut check = Checker::new(body)?;
    let mut input = ContactInput::default();
    if dto != ContactDto::Update {
        input.location_id = check.required_string("locationId");
        input.gender = check.string("gender", false);
        input.company_name = check.string("companyName", true);
    }
    input.first_name = check.string("firstName", true);
    input.last_name = check.string("lastName", true);
    input.name = check.string("name", true);
    input.email = check.string("email", true);
    input.phone = check.string("phone", true);
    input.address1 = check.string("address1", true);
    input.city = check.string("city", true);
    input.state = check.string("state", true);
    input.postal_code = check.string("postalCode", false);
    input.website = check.string("website", true);
    input.timezone = check.string("timezone", true);
    input.country = check.string("country", false);
    let nullable_on_update = dto == ContactDto::Update;
    input.source = check.string("source", nullable_on_update);
    input.assigned_to = check.string("assignedTo", nullable_on_update);
    input.dnd = check.boolean("dnd");
    input.dnd_settings = check
        .object("dndSettings")
        .and_then(|o| dnd_settings(&mut check, o));
    input.inbound_dnd_settings = check
        .object("inboundDndSettings")
        .map(|o| Value::Object(o.clone()));
    input.tags = check.string_array("tags", false);
    input.custom_fields = check
        .array("customFields")
        .and_then(|items| custom_fields(&mut check, items));
    input.date_of_birth = match check.raw("dateOfBirth") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => match date_of_birth(s) {
            Some(iso) => Some(Some(iso)),
            None => {
                check.complain("dateOfBirth must be a valid date in one of the formats YYYY-MM-DD, MM/DD/YYYY, YYYY/MM/DD, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY");
                None
            }
        },
        Some(_) => {
            check.complain("dateOfBirth must be a string");
            None
        }
    };
    if dto == ContactDto::Upsert {
        input.create_new_if_duplicate_allowed = check
            .boolean("createNewIfDuplicateAllowed")
            .unwrap_or(false);
    }
    if let Some(Some(email)) = &input.email
        && !email.is_empty()
        && !is_email(email)
    {
        check.complain("email must be an email");
    }
    if let Some(Some(phone)) = &input.phone
        && !phone.is_empty()
    {
        match normalize_phone(phone) {
            Some(e164) => input.phone = Some(Some(e164)),
            None => check.complain("phone must be a valid phone number"),
        }
    }
    if let Some(tags) = &mut input.tags {
        *tags = normalize_tags(tags);
    }
    check.finish()?;
    Ok(input)
}

fn dnd_settings(check: &mut Checker<'_>, object: &Map<String, Value>) -> Option<Value> {
    const CHANNELS: [&str; 6] = ["Call", "Email", "SMS", "WhatsApp", "GMB", "FB"];
    let mut ok = true;
    for (channel, setting) in object {
        if !CHANNELS.contains(&channel.as_str()) {
            check.complain(format!("dndSettings.property {channel} should not exist"));
            ok = false;
            continue;
        }
        let status = setting.get("status").and_then(Value::as_str);
        if !matches!(status, Some("active" | "inactive" | "permanent")) {
            check.complain(format!(
                "dndSettings.{channel}.status must be one of the following values: active, inactive, permanent"
            ));
            ok = false;
        }
    }
    ok.then(|| Value::Object(object.clone()))
}

fn custom_fields(check: &mut Checker<'_>, items: &[Value]) -> Option<Vec<CustomFieldWrite>> {
    let mut writes = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(object) = item.as_object() else {
            check.complain(format!("customFields.{index} must be an object"));
            return None;
        };
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let (id, key) = (text("id"), text("key"));
        if id.is_none() && key.is_none() {
            check.complain(format!("customFields.{index}.id should not be empty"));
            return None;
        }
        let value = ["field_value", "fieldValue", "value"]
            .iter()
            .find_map(|name| object.get(*name))
            .cloned()
            .unwrap_or(Value::Null);
        writes.push(CustomFieldWrite { id, key, value });
    }
    Some(writes)
}

/// GHL stores phones in E.164. Ten digits without a country code are taken as US numbers.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let plausible_chars = raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !plausible_chars || !(7..=15).contains(&digits.len()) {
        return None;
    }
    Some(if raw.trim_start().starts_with('+') {
        format!("+{digits}")
    } else if digits.len() == 10 {
        format!("+1{digits}")
    } else {
        format!("+{digits}")
    })
}

/// GHL keeps tags lower-case, trimmed, without repeats.
pub fn normalize_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// Reads every date-of-birth format GHL accepts and gives GHL's output form.
pub fn date_of_birth(raw: &str) -> Option<String> {
    const FORMATS: [&str; 8] = [
        "%Y/%m/%d", "%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y", "%Y.%m.%d", "%m.%d.%Y", "%Y_%m_%d",
        "%m_%d_%Y",
    ];
    let raw = raw.trim();
    let date = FORMATS
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(raw, format).ok())
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|d| d.date_naive())
        })?;
    Some(format!("{}T00:00:00.000Z", date.format("%Y-%m-%d")))
}

/// Body of `POST /contacts/{id}/tasks` or `PUT …/tasks/{taskId}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskInput {
    pub title: Option<String>,
    pub body: Option<Option<String>>,
    pub due_date: Option<String>,
    pub completed: Option<bool>,
    pub assigned_to: Option<Option<String>>,
}

pub fn task_input(body: &Value, creating: bool) -> Result<TaskInput, ApiError> {
    let mut check = Checker::new(body)?;
    let title = if creating {
        check.required_string("title")
    } else {
        check.string("title", false).flatten()
    };
    let body_text = check.string("body", true);
    let due_date = if creating {
        check.required_string("dueDate")
    } else {
        check.string("dueDate", false).flatten()
    };
    let due_date = match due_date {
        Some(d) if is_iso8601(&d) => Some(iso_date_time(&d)),
        Some(_) => {
            check.complain("dueDate must be a valid ISO 8601 date string");
            None
        }
        None => None,
    };
    let completed = if creating {
        check.required_boolean("completed")
    } else {
        check.boolean("completed")
    };
    let assigned_to = check.string("assignedTo", true);
    check.finish()?;
    Ok(TaskInput {
        title,
        body: body_text,
        due_date,
        completed,
        assigned_to,
    })
}

/// A date or date-time as GHL echoes it: UTC with milliseconds.
fn iso_date_time(raw: &str) -> String {
    if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(raw) {
        return crate::clock::iso_millis(instant.with_timezone(&chrono::Utc));
    }
    if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f") {
        return crate::clock::iso_millis(naive.and_utc());
    }
    if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M") {
        return crate::clock::iso_millis(naive.and_utc());
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) => format!("{}T00:00:00.000Z", date.format("%Y-%m-%d")),
        Err(_) => raw.to_owned(),
    }
}

/// Body of `POST /contacts/{id}/notes` or `PUT …/notes/{id}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoteInput {
    pub body: Option<String>,
    pub user_id: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub color: Option<Option<String>>,
    pub pinned: Option<bool>,
}

pub fn note_input(body: &Value, creating: bool) -> Result<NoteInput, ApiError> {
    let mut check = Checker::new(body)?;
    let user_id = check.string("userId", false);
    let text = if creating {
        check.required_string("body")
    } else {
        check.string("body", false).flatten()
    };
    let title = check.string("title", false);
    let color = check.string("color", false);
    let pinned = check.boolean("pinned");
    check.finish()?;
    Ok(NoteInput {
        body: text,
        user_id,
        title,
        color,
        pinned,
    })
}

/// `{tags: [...]}` or `{followers: [...]}`: one required array of strings.
pub fn string_list(body: &Value, field: &'static str) -> Result<Vec<String>, ApiError> {
    let mut check = Checker::new(body)?;
    let list = check.string_array(field, true);
    check.finish()?;
    Ok(list.unwrap_or_default())
}

/// Body of the workflow calls: `{eventStartTime?}`.
pub fn workflow_input(body: &Value) -> Result<Option<String>, ApiError> {
    let mut check = Checker::new(body)?;
    let start = check.string("eventStartTime", false).flatten();
    if let Some(start) = &start
        && !is_iso8601(start)
    {
        check.complain("eventStartTime must be a valid ISO 8601 date string");
    }
    check.finish()?;
    Ok(start)
}

/// The campaign call takes an empty object.
pub fn empty_object(body: &Value) -> Result<(), ApiError> {
    Checker::new(body)?.finish()
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkTagsInput {
    pub location_id: String,
    pub contacts: Vec<String>,
    pub tags: Vec<String>,
    pub remove_all_tags: bool,
}

pub fn bulk_tags_input(body: &Value) -> Result<BulkTagsInput, ApiError> {
    let mut check = Checker::new(body)?;
    let contacts = check.string_array("contacts", true);
    let tags = check.string_array("tags", true);
    let location_id = check.required_string("locationId");
    let remove_all_tags = check.boolean("removeAllTags").unwrap_or(false);
    check.finish()?;
    Ok(BulkTagsInput {
        location_id: location_id.unwrap_or_default(),
        contacts: contacts.unwrap_or_default(),
        tags: normalize_tags(&tags.unwrap_or_default()),
        remove_all_tags,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkBusinessInput {
    pub location_id: String,
    pub ids: Vec<String>,
    pub business_id: Option<String>,
}

pub fn bulk_business_input(body: &Value) -> Result<BulkBusinessInput, ApiError> {
    let mut check = Checker::new(body)?;
    let location_id = check.required_string("locationId");
    let ids = check.string_array("ids", true);
    let business_id = match check.raw("businessId") {
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        _ => {
            check.complain("businessId must be a string or null");
            None
        }
    };
    check.finish()?;
    Ok(BulkBusinessInput {
        location_id: location_id.unwrap_or_default(),
        ids: ids.unwrap_or_default(),
        business_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contact_input_normalises_and_refuses_like_ghl() {
        let input = contact_input(
            &json!({"locationId": "l", "phone": "(888) 555-0101", "tags": [" VIP ", "vip", "New"], "dateOfBirth": "07/04/1990", "customFields": [{"id": "f", "field_value": "x"}]}),
            ContactDto::Create,
        )
        .unwrap();
        assert_eq!(input.phone, Some(Some("+18885550101".into())));
        assert_eq!(input.tags, Some(vec!["vip".into(), "new".into()]));
        assert_eq!(
            input.date_of_birth,
            Some(Some("1990-07-04T00:00:00.000Z".into()))
        );
        assert_eq!(input.custom_fields.unwrap()[0].value, json!("x"));

        let Err(ApiError::Unprocessable(messages)) = contact_input(
            &json!({"locationId": "l", "email": "nope", "companyName": "x"}),
            ContactDto::Update,
        ) else {
            panic!("expected 422")
        };
        assert!(messages.contains(&"email must be an email".to_string()));
        assert!(messages.contains(&"property locationId should not exist".to_string()));
        assert!(messages.contains(&"property companyName should not exist".to_string()));
    }

    #[test]
    fn task_input_requires_what_ghl_requires() {
        let Err(ApiError::Unprocessable(messages)) = task_input(&json!({"title": "Call"}), true)
        else {
            panic!("expected 422")
        };
        assert!(messages.contains(&"dueDate should not be empty".to_string()));
        assert!(messages.contains(&"completed must be a boolean value".to_string()));
        let task = task_input(
            &json!({"title": "Call", "dueDate": "2026-07-08T14:30:00+02:00", "completed": false}),
            true,
        )
        .unwrap();
        assert_eq!(task.due_date.as_deref(), Some("2026-07-08T12:30:00.000Z"));
    }
}
