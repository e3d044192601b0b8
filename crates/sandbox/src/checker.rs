//! Body validation the way GHL's NestJS services do it (class-validator with a whitelist):
//! every problem becomes one message, unknown properties are refused, and all messages come
//! back together in one 422.

use serde_json::{Map, Value};

use crate::api_error::ApiError;

/// Parses a request body as JSON the way GHL's body parser does: not JSON gives a 400.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "Unexpected token in JSON at line {} column {}",
            e.line(),
            e.column()
        ))
    })
}

/// Walks one JSON object, collecting a message for every field that breaks a rule.
#[derive(Debug)]
pub struct Checker<'a> {
    object: &'a Map<String, Value>,
    allowed: Vec<&'static str>,
    messages: Vec<String>,
}

impl<'a> Checker<'a> {
    pub fn new(body: &'a Value) -> Result<Self, ApiError> {
        match body {
            Value::Object(object) => Ok(Self {
                object,
                allowed: Vec::new(),
                messages: Vec::new(),
            }),
            _ => Err(ApiError::BadRequest(
                "Request body must be a JSON object".into(),
            )),
        }
    }

    fn take(&mut self, name: &'static str) -> Option<&'a Value> {
        self.allowed.push(name);
        self.object.get(name)
    }

    pub fn complain(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
    }

    /// A string that must be present and not empty.
    pub fn required_string(&mut self, name: &'static str) -> Option<String> {
        match self.take(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::String(_)) => {
                self.complain(format!("{name} should not be empty"));
                None
            }
            _ => {
                self.complain(format!("{name} should not be empty"));
                self.complain(format!("{name} must be a string"));
                None
            }
        }
    }

    /// An optional string. `Some(None)` is an explicit `null`, allowed only if `nullable`.
    pub fn string(&mut self, name: &'static str, nullable: bool) -> Option<Option<String>> {
        match self.take(name)? {
            Value::String(s) => Some(Some(s.clone())),
            Value::Null if nullable => Some(None),
            _ => {
                self.complain(format!("{name} must be a string"));
                None
            }
        }
    }

    pub fn boolean(&mut self, name: &'static str) -> Option<bool> {
        match self.take(name)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.complain(format!("{name} must be a boolean value"));
                None
            }
        }
    }

    pub fn required_boolean(&mut self, name: &'static str) -> Option<bool> {
        if !self.object.contains_key(name) {
            self.allowed.push(name);
            self.complain(format!("{name} must be a boolean value"));
            return None;
        }
        self.boolean(name)
    }

    pub fn number(&mut self, name: &'static str) -> Option<f64> {
        match self.take(name)? {
            Value::Number(n) => n.as_f64(),
            _ => {
                self.complain(format!(
                    "{name} must be a number conforming to the specified constraints"
                ));
                None
            }
        }
    }

    /// An array of strings; `required` adds the messages GHL gives when it is missing.
    pub fn string_array(&mut self, name: &'static str, required: bool) -> Option<Vec<String>> {
        match self.take(name) {
            None | Some(Value::Null) if !required => None,
            Some(Value::Array(items)) => {
                let strings: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                if strings.len() == items.len() {
                    Some(strings)
                } else {
                    self.complain(format!("each value in {name} must be a string"));
                    None
                }
            }
            _ => {
                self.complain(format!("{name} must be an array"));
                None
            }
        }
    }

    /// An array of any values (the search cursor, filters).
    pub fn array(&mut self, name: &'static str) -> Option<&'a Vec<Value>> {
        match self.take(name)? {
            Value::Array(items) => Some(items),
            _ => {
                self.complain(format!("{name} must be an array"));
                None
            }
        }
    }

    /// A nested object, handed back raw for the caller to check.
    pub fn object(&mut self, name: &'static str) -> Option<&'a Map<String, Value>> {
        match self.take(name)? {
            Value::Object(object) => Some(object),
            _ => {
                self.complain(format!("{name} must be an object"));
                None
            }
        }
    }

    /// Any value at all: the field is allowed and handed back untouched.
    pub fn raw(&mut self, name: &'static str) -> Option<&'a Value> {
        self.take(name)
    }

    /// Ends the check: unknown properties are refused, and any message makes a 422.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| !self.allowed.contains(&key.as_str()))
            .map(|key| format!("property {key} should not exist"))
            .collect();
        self.messages.extend(unknown);
        if self.messages.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Unprocessable(self.messages))
        }
    }
}

/// class-validator's `IsEmail`, near enough: one `@`, a local part, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// class-validator's `IsISO8601`: a date or date-time in ISO-8601 form.
pub fn is_iso8601(s: &str) -> bool {
    parse_iso8601(s).is_some()
}

/// The instant an ISO-8601 text names, in every form [`is_iso8601`] takes: one without an
/// offset is read as UTC, a bare date as its midnight.
pub fn parse_iso8601(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, Utc};
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_iso8601_form_taken_names_its_instant() {
        for (text, instant) in [
            ("2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00+00:00"),
            ("2026-12-01T09:00:00.5", "2026-12-01T09:00:00.500+00:00"),
            ("2026-12-01T09:00", "2026-12-01T09:00:00+00:00"),
            ("2026-12-01", "2026-12-01T00:00:00+00:00"),
        ] {
            assert!(is_iso8601(text), "{text}");
            assert_eq!(parse_iso8601(text).unwrap().to_rfc3339(), instant, "{text}");
        }
        assert!(!is_iso8601("tomorrow"));
    }

    #[test]
    fn collects_every_problem_and_refuses_unknown_properties() {
        let body = json!({"title": 5, "completed": "yes", "color": "red"});
        let mut check = Checker::new(&body).unwrap();
        check.required_string("title");
        check.required_string("dueDate");
        check.required_boolean("completed");
        let Err(ApiError::Unprocessable(messages)) = check.finish() else {
            panic!("expected a 422")
        };
        assert_eq!(
            messages,
            vec![
                "title should not be empty",
                "title must be a string",
                "dueDate should not be empty",
                "dueDate must be a string",
                "completed must be a boolean value",
                "property color should not exist",
            ]
        );
    }

    #[test]
    fn email_and_date_shapes() {
        assert!(is_email("ann.lee+1@example.co.uk"));
        assert!(!is_email("ann@"));
        assert!(!is_email("ann lee@example.com"));
        assert!(is_iso8601("2026-07-08T14:30:00.000Z"));
        assert!(is_iso8601("2026-07-08"));
        assert!(!is_iso8601("next tuesday"));
        assert!(parse_json(b"{nope").is_err());
    }
}
