//! Reads across contacts: the cursor list, advanced search, the duplicate lookup, business
//! contacts, and the location-wide task search.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::World;
use super::model::{Contact, DedupeField, Location, Task};
use crate::api_error::ApiError;
use crate::checker::Checker;
use crate::dto::normalize_phone;
use crate::views;

/// GHL's page-based search stops at this many results; `searchAfter` goes further.
const PAGE_PAGING_LIMIT: usize = 10_000;

/// A page of contacts with what the caller needs to go on.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactPage {
    pub contacts: Vec<Value>,
    pub total: usize,
    pub meta: Option<Value>,
}

/// Query of `GET /contacts/`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub query: Option<String>,
    pub limit: usize,
    pub start_after_id: Option<String>,
    pub start_after: Option<i64>,
}

impl World {
    /// `GET /contacts/`: oldest first, cursor `(startAfter, startAfterId)`.
    pub fn list_contacts(
        &self,
        location_id: &str,
        query: &ListQuery,
    ) -> Result<ContactPage, ApiError> {
        let location = self.location(location_id)?;
        let mut matching: Vec<&Contact> = location
            .contacts
            .values()
            .filter(|c| query.query.as_deref().is_none_or(|q| matches_text(c, q)))
            .collect();
        matching.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
        let total = matching.len();
        let position = |c: &Contact| (c.date_added.timestamp_millis(), c.id.clone());
        let start = match (&query.start_after_id, query.start_after) {
            (Some(id), at) => {
                let at = match (at, location.contacts.get(id)) {
                    (Some(at), _) => at,
                    (None, Some(contact)) => contact.date_added.timestamp_millis(),
                    (None, None) => {
                        return Err(ApiError::BadRequest(format!(
                            "startAfterId {id} is not a contact of this location"
                        )));
                    }
                };
                matching.partition_point(|c| position(c) <= (at, id.clone()))
            }
            (None, Some(at)) => matching.partition_point(|c| c.date_added.timestamp_millis() <= at),
            (None, None) => 0,
        };
        let page: Vec<&Contact> = matching
            .iter()
            .skip(start)
            .take(query.limit)
            .copied()
            .collect();
        let current_page = start / query.limit.max(1) + 1;
        let has_more = start + page.len() < total;
        let meta = match page.last() {
            Some(last) if has_more => json!({
                "total": total,
                "nextPageUrl": format!(
                    "/contacts/?locationId={location_id}&startAfter={}&startAfterId={}",
                    last.date_added.timestamp_millis(), last.id
                ),
                "startAfterId": last.id,
                "startAfter": last.date_added.timestamp_millis(),
                "currentPage": current_page,
                "nextPage": current_page + 1,
                "prevPage": if current_page > 1 { json!(current_page - 1) } else { Value::Null },
            }),
            _ => json!({
                "total": total,
                "currentPage": current_page,
                "nextPage": Value::Null,
                "prevPage": if current_page > 1 { json!(current_page - 1) } else { Value::Null },
            }),
        };
        Ok(ContactPage {
            contacts: page.into_iter().map(views::contact_listed).collect(),
            total,
            meta: Some(meta),
        })
    }

    /// `POST /contacts/search`.
    pub fn search_contacts(
        &self,
        caller_location: &str,
        body: &Value,
    ) -> Result<ContactPage, ApiError> {
        let search = SearchRequest::parse(body)?;
        if search.location_id != caller_location {
            return Err(ApiError::no_location_access());
        }
        let location = self.location(caller_location)?;
        let mut hits: Vec<(Vec<Value>, &Contact)> = Vec::new();
        for contact in location.contacts.values() {
            if let Some(q) = &search.query
                && !matches_text(contact, q)
            {
                continue;
            }
            if search.filters.iter().all(|f| f.matches(contact)) {
                hits.push((search.sort_key(contact), contact));
            }
        }
        hits.sort_by(|a, b| search.compare(&a.0, &b.0));
        let total = hits.len();
        let start = match &search.search_after {
            Some(cursor) => {
                hits.partition_point(|(key, _)| search.compare(key, cursor) != Ordering::Greater)
            }
            None => {
                // page ≤ 10,000 and pageLimit ≤ 500 were checked: no overflow.
                let start = (search.page - 1) * search.page_limit;
                if start + search.page_limit > PAGE_PAGING_LIMIT {
                    return Err(ApiError::BadRequest(format!(
                        "Page based pagination can only fetch the first {PAGE_PAGING_LIMIT} records; use searchAfter to go further"
                    )));
                }
                start
            }
        };
        let contacts = hits
            .iter()
            .skip(start)
            .take(search.page_limit)
            .map(|(key, contact)| views::contact_searched(contact, Value::Array(key.clone())))
            .collect();
        Ok(ContactPage {
            contacts,
            total,
            meta: None,
        })
    }

    /// `GET /contacts/search/duplicate`: the contact the location's duplicate rule matches.
    pub fn find_duplicate(
        &self,
        location_id: &str,
        email: Option<&str>,
        number: Option<&str>,
    ) -> Result<Option<Value>, ApiError> {
        let location = self.location(location_id)?;
        let order = if location.settings.allow_duplicates {
            vec![DedupeField::Email, DedupeField::Phone]
        } else {
            location.settings.dedupe_order.clone()
        };
        let found = order.iter().find_map(|field| {
            let (index, key) = match field {
                DedupeField::Email => (&location.by_email, email.map(str::to_lowercase)),
                DedupeField::Phone => (&location.by_phone, number.and_then(normalize_phone)),
            };
            index.get(&key?)?.first()
        });
        Ok(found
            .and_then(|id| location.contacts.get(id))
            .map(views::contact_full))
    }

    /// `GET /contacts/business/{businessId}`, paged by skip and limit.
    pub fn business_contacts(
        &self,
        location_id: &str,
        business_id: &str,
        query: Option<&str>,
        skip: usize,
        limit: usize,
    ) -> Result<ContactPage, ApiError> {
        let location = self.location(location_id)?;
        let mut matching: Vec<&Contact> = location
            .contacts
            .values()
            .filter(|c| c.business_id.as_deref() == Some(business_id))
            .filter(|c| query.is_none_or(|q| matches_text(c, q)))
            .collect();
        matching.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
        Ok(ContactPage {
            total: matching.len(),
            contacts: matching
                .into_iter()
                .skip(skip)
                .take(limit)
                .map(views::contact_listed)
                .collect(),
            meta: None,
        })
    }

    /// `POST /locations/{id}/tasks/search`.
    pub fn search_tasks(&self, location_id: &str, body: &Value) -> Result<Vec<Task>, ApiError> {
        let mut check = Checker::new(body)?;
        let contact_ids = check.string_array("contactId", false);
        let completed = check.boolean("completed");
        let assigned_to = check.string_array("assignedTo", false);
        let query = check.string("query", false).flatten();
        let limit = check.number("limit").unwrap_or(25.0).max(0.0) as usize;
        let skip = check.number("skip").unwrap_or(0.0).max(0.0) as usize;
        let business_id = check.string("businessId", false).flatten();
        check.finish()?;
        let location = self.location(location_id)?;
        let mut tasks: Vec<&Task> = location
            .tasks
            .values()
            .filter(|t| {
                contact_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&t.contact_id))
            })
            .filter(|t| completed.is_none_or(|c| t.completed == c))
            .filter(|t| {
                assigned_to
                    .as_ref()
                    .is_none_or(|users| t.assigned_to.as_ref().is_some_and(|u| users.contains(u)))
            })
            .filter(|t| {
                query.as_deref().is_none_or(|q| {
                    let q = q.to_lowercase();
                    t.title.to_lowercase().contains(&q)
                        || t.body
                            .as_deref()
                            .is_some_and(|b| b.to_lowercase().contains(&q))
                })
            })
            .filter(|t| {
                business_id.as_deref().is_none_or(|b| {
                    location
                        .contacts
                        .get(&t.contact_id)
                        .is_some_and(|c| c.business_id.as_deref() == Some(b))
                })
            })
            .collect();
        tasks.sort_by(|a, b| a.due_date.cmp(&b.due_date).then(a.id.cmp(&b.id)));
        Ok(tasks.into_iter().skip(skip).take(limit).cloned().collect())
    }
}

/// GHL's free-text `query`: name, email, phone or company contains the words.
fn matches_text(contact: &Contact, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return true;
    }
    let haystack = [
        contact.name(),
        contact.email.clone(),
        contact.phone.clone(),
        contact.company_name.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    query.split_whitespace().all(|word| haystack.contains(word))
}

/// The body of `POST /contacts/search`, checked.
#[derive(Debug)]
struct SearchRequest {
    location_id: String,
    page: usize,
    page_limit: usize,
    search_after: Option<Vec<Value>>,
    query: Option<String>,
    filters: Vec<Filter>,
    sort: Vec<(String, bool)>,
}

impl SearchRequest {
    fn parse(body: &Value) -> Result<Self, ApiError> {
        let mut check = Checker::new(body)?;
        let location_id = check.required_string("locationId");
        let page_limit = match check.number("pageLimit") {
            Some(n) if (1.0..=500.0).contains(&n) && n.fract() == 0.0 => Some(n as usize),
            Some(_) => {
                check.complain("pageLimit must be a whole number from 1 to 500");
                None
            }
            None => {
                if body.get("pageLimit").is_none() {
                    check.complain("pageLimit should not be empty");
                }
                None
            }
        };
        let page = match check.number("page") {
            Some(p) if (1.0..=PAGE_PAGING_LIMIT as f64).contains(&p) && p.fract() == 0.0 => {
                Some(p as usize)
            }
            Some(_) => {
                check.complain(format!(
                    "page must be a whole number from 1 to {PAGE_PAGING_LIMIT}"
                ));
                None
            }
            None => None,
        };
        let search_after = check.array("searchAfter").cloned();
        let query = check.string("query", false).flatten();
        let raw_filters = check.array("filters").cloned().unwrap_or_default();
        let raw_sort = check.array("sort").cloned().unwrap_or_default();
        if page.is_some() && search_after.is_some() {
            check.complain("page should not be sent with searchAfter");
        }
        let mut filters = Vec::new();
        for (index, raw) in raw_filters.iter().enumerate() {
            match Filter::parse(raw, &format!("filters.{index}")) {
                Ok(filter) => filters.push(filter),
                Err(message) => check.complain(message),
            }
        }
        let mut sort = Vec::new();
        if raw_sort.len() > 2 {
            check.complain("sort accepts at most 2 fields");
        }
        for (index, raw) in raw_sort.iter().enumerate() {
            let field = raw.get("field").and_then(Value::as_str);
            let direction = raw.get("direction").and_then(Value::as_str);
            match (field, direction) {
                (Some(field), Some(dir @ ("asc" | "desc"))) if SORT_FIELDS.contains(&field) => {
                    sort.push((field.to_owned(), dir == "asc"));
                }
                (Some(field), _) if !SORT_FIELDS.contains(&field) => {
                    check.complain(format!("sort.{index}.field {field} is not sortable"));
                }
                _ => check.complain(format!(
                    "sort.{index}.direction must be one of the following values: asc, desc"
                )),
            }
        }
        check.finish()?;
        if sort.is_empty() {
            sort.push(("dateAdded".into(), false));
        }
        Ok(Self {
            location_id: location_id.unwrap_or_default(),
            page: page.unwrap_or(1),
            page_limit: page_limit.unwrap_or(20),
            search_after,
            query,
            filters,
            sort,
        })
    }

    /// The values this contact sorts by, then its id as the tie-breaker: also its cursor.
    fn sort_key(&self, contact: &Contact) -> Vec<Value> {
        let mut key: Vec<Value> = self
            .sort
            .iter()
            .map(|(field, _)| field_value(contact, field).sort_value())
            .collect();
        key.push(Value::String(contact.id.clone()));
        key
    }

    fn compare(&self, a: &[Value], b: &[Value]) -> Ordering {
        for (index, (x, y)) in a.iter().zip(b).enumerate() {
            let ascending = self.sort.get(index).is_none_or(|(_, asc)| *asc);
            let ordering = compare_values(x, y);
            let ordering = if ascending {
                ordering
            } else {
                ordering.reverse()
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }
}

const SORT_FIELDS: [&str; 8] = [
    "firstNameLowerCase",
    "lastNameLowerCase",
    "businessName",
    "dateAdded",
    "dateUpdated",
    "email",
    "dnd",
    "source",
];

fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

#[derive(Debug)]
enum Filter {
    Condition {
        field: String,
        operator: String,
        value: Option<Value>,
    },
    Group {
        any: bool,
        filters: Vec<Filter>,
    },
}

const FILTER_FIELDS: [&str; 19] = [
    "id",
    "address",
    "assignedTo",
    "businessId",
    "city",
    "country",
    "companyName",
    "dateAdded",
    "dateUpdated",
    "dnd",
    "email",
    "followers",
    "firstNameLowerCase",
    "lastNameLowerCase",
    "phone",
    "postalCode",
    "source",
    "state",
    "tags",
];

impl Filter {
    fn parse(raw: &Value, at: &str) -> Result<Self, String> {
        let object: &Map<String, Value> =
            raw.as_object().ok_or(format!("{at} must be an object"))?;
        if let Some(group) = object.get("group") {
            let any = match group.as_str() {
                Some("AND") => false,
                Some("OR") => true,
                _ => {
                    return Err(format!(
                        "{at}.group must be one of the following values: AND, OR"
                    ));
                }
            };
            let items = object
                .get("filters")
                .and_then(Value::as_array)
                .ok_or(format!("{at}.filters must be an array"))?;
            let filters = items
                .iter()
                .enumerate()
                .map(|(i, f)| Filter::parse(f, &format!("{at}.filters.{i}")))
                .collect::<Result<_, _>>()?;
            return Ok(Self::Group { any, filters });
        }
        let field = object
            .get("field")
            .and_then(Value::as_str)
            .ok_or(format!("{at}.field should not be empty"))?;
        let known = FILTER_FIELDS.contains(&field)
            || ["timezone", "type", "website"].contains(&field)
            || field.starts_with("customFields.");
        if !known {
            return Err(format!(
                "{at}.field {field} is not a supported filter field"
            ));
        }
        let operator = object
            .get("operator")
            .and_then(Value::as_str)
            .ok_or(format!("{at}.operator should not be empty"))?;
        let value = object.get("value").cloned();
        match operator {
            "eq" | "not_eq" | "contains" | "not_contains" | "range" if value.is_none() => Err(
                format!("{at}.value should not be empty for operator {operator}"),
            ),
            "exists" | "not_exists" if value.is_some() => Err(format!(
                "{at}.value should not be sent with operator {operator}"
            )),
            "eq" | "not_eq" | "contains" | "not_contains" | "range" | "exists" | "not_exists" => {
                Ok(Self::Condition {
                    field: field.to_owned(),
                    operator: operator.to_owned(),
                    value,
                })
            }
            other => Err(format!(
                "{at}.operator {other} must be one of eq, not_eq, contains, not_contains, exists, not_exists, range"
            )),
        }
    }

    fn matches(&self, contact: &Contact) -> bool {
        match self {
            Self::Group { any: true, filters } => filters.iter().any(|f| f.matches(contact)),
            Self::Group {
                any: false,
                filters,
            } => filters.iter().all(|f| f.matches(contact)),
            Self::Condition {
                field,
                operator,
                value,
            } => field_value(contact, field).satisfies(operator, value.as_ref()),
        }
    }
}

/// A contact field as search sees it.
enum FieldValue {
    Missing,
    Text(String),
    Texts(Vec<String>),
    Flag(bool),
    Instant(i64),
    Any(Value),
}

impl FieldValue {
    fn sort_value(&self) -> Value {
        match self {
            Self::Missing => Value::Null,
            Self::Text(s) => json!(s.to_lowercase()),
            Self::Texts(v) => json!(v.first().map(|s| s.to_lowercase())),
            Self::Flag(b) => json!(b),
            Self::Instant(ms) => json!(ms),
            Self::Any(v) => v.clone(),
        }
    }

    fn satisfies(&self, operator: &str, value: Option<&Value>) -> bool {
        let text = |v: &Value| match v {
            Value::String(s) => s.to_lowercase(),
            other => other.to_string().to_lowercase(),
        };
        let present: Vec<String> = match self {
            Self::Missing => Vec::new(),
            Self::Text(s) => vec![s.to_lowercase()],
            Self::Texts(v) => v.iter().map(|s| s.to_lowercase()).collect(),
            Self::Flag(b) => vec![b.to_string()],
            Self::Instant(ms) => vec![ms.to_string()],
            Self::Any(Value::Array(items)) => items.iter().map(text).collect(),
            Self::Any(v) => vec![text(v)],
        };
        let wanted: Vec<String> = match value {
            Some(Value::Array(items)) => items.iter().map(text).collect(),
            Some(v) => vec![text(v)],
            None => Vec::new(),
        };
        match operator {
            "exists" => !present.is_empty(),
            "not_exists" => present.is_empty(),
            "eq" => wanted.iter().any(|w| present.contains(w)),
            "not_eq" => !wanted.iter().any(|w| present.contains(w)),
            "contains" => wanted
                .iter()
                .any(|w| present.iter().any(|p| p.contains(w.as_str()))),
            "not_contains" => !wanted
                .iter()
                .any(|w| present.iter().any(|p| p.contains(w.as_str()))),
            "range" => self.in_range(value),
            _ => false,
        }
    }

    fn in_range(&self, range: Option<&Value>) -> bool {
        let actual = match self {
            Self::Instant(ms) => *ms as f64,
            Self::Any(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Self::Text(s) => s.parse().unwrap_or(f64::NAN),
            _ => return false,
        };
        let Some(bounds) = range.and_then(Value::as_object) else {
            return false;
        };
        let bound = |v: &Value| -> Option<f64> {
            match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                    .map(|d| d.timestamp_millis() as f64)
                    .ok()
                    .or_else(|| s.parse().ok()),
                _ => None,
            }
        };
        bounds.iter().all(|(op, v)| match (op.as_str(), bound(v)) {
            ("gt", Some(b)) => actual > b,
            ("gte", Some(b)) => actual >= b,
            ("lt", Some(b)) => actual < b,
            ("lte", Some(b)) => actual <= b,
            _ => false,
        })
    }
}

fn field_value(contact: &Contact, field: &str) -> FieldValue {
    let text = |v: &Option<String>| v.clone().map_or(FieldValue::Missing, FieldValue::Text);
    match field {
        "id" => FieldValue::Text(contact.id.clone()),
        "address" => text(&contact.address1),
        "assignedTo" => text(&contact.assigned_to),
        "businessId" => text(&contact.business_id),
        "city" => text(&contact.city),
        "country" => text(&contact.country),
        "companyName" | "businessName" => text(&contact.company_name),
        "dateAdded" => FieldValue::Instant(contact.date_added.timestamp_millis()),
        "dateUpdated" => FieldValue::Instant(contact.date_updated.timestamp_millis()),
        "dnd" => FieldValue::Flag(contact.dnd),
        "email" => text(&contact.email),
        "followers" if contact.followers.is_empty() => FieldValue::Missing,
        "followers" => FieldValue::Texts(contact.followers.clone()),
        "firstNameLowerCase" => text(&contact.first_name.as_ref().map(|s| s.to_lowercase())),
        "lastNameLowerCase" => text(&contact.last_name.as_ref().map(|s| s.to_lowercase())),
        "phone" => text(&contact.phone),
        "postalCode" => text(&contact.postal_code),
        "source" => text(&contact.source),
        "state" => text(&contact.state),
        "tags" if contact.tags.is_empty() => FieldValue::Missing,
        "tags" => FieldValue::Texts(contact.tags.clone()),
        "timezone" => text(&contact.timezone),
        "type" => FieldValue::Text(contact.contact_type.clone()),
        "website" => text(&contact.website),
        other => match other.strip_prefix("customFields.") {
            Some(id) => contact
                .custom_fields
                .iter()
                .find(|f| f.id == id)
                .map_or(FieldValue::Missing, |f| FieldValue::Any(f.value.clone())),
            None => FieldValue::Missing,
        },
    }
}

/// The location's own records, for the `_sandbox` state dump.
pub fn location_dump(location: &Location) -> Value {
    let mut contacts: Vec<&Contact> = location.contacts.values().collect();
    contacts.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
    let mut tasks: Vec<&Task> = location.tasks.values().collect();
    tasks.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
    let mut notes: Vec<_> = location.notes.values().collect();
    notes.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
    json!({
        "id": location.id,
        "name": location.name,
        "settings": location.settings,
        "users": location.users,
        "contacts": contacts,
        "tasks": tasks,
        "notes": notes,
        "businesses": location.businesses.values().collect::<Vec<_>>(),
        "appointments": location.appointments,
        "customFields": location.custom_fields,
        "tags": location.tags,
        "customValues": location.custom_values,
        "recurringTasks": location.recurring_tasks.values().collect::<Vec<_>>(),
    })
}
