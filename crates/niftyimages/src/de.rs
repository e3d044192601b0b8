//! Lenient deserialisers for the places where NiftyImages is loose: counters sent as a number
//! or a numeric string, ISO-8601 dates down to minute precision (`2016-03-12T12:00Z`) or
//! without an offset, booleans as strings, ids as numbers or strings.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Parses the date forms NiftyImages uses into UTC.
///
/// Accepts RFC 3339 (`2016-03-12T12:00:00.5+02:00`), minute precision with or without an
/// offset (`2016-03-12T12:00Z`, `2016-03-12T12:00+01:00`), a space instead of the `T`, and a
/// bare date (midnight). A reading without an offset is taken as UTC: the API documents its
/// dates in UTC, and guessing a server timezone would be worse.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant.with_timezone(&Utc));
    }
    let normal = text.replacen(' ', "T", 1);
    if let Some(naive) = normal
        .strip_suffix('Z')
        .or_else(|| normal.strip_suffix('z'))
    {
        return parse_naive(naive).map(|n| n.and_utc());
    }
    for pattern in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(instant) = DateTime::parse_from_str(&normal, pattern) {
            return Some(instant.with_timezone(&Utc));
        }
    }
    parse_naive(&normal).map(|n| n.and_utc())
}

fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    text.parse::<NaiveDateTime>()
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// The ISO-8601 form the client sends in query strings and bodies (`2016-03-12T12:00:00Z`).
pub(crate) fn format_date(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A counter: a JSON number, a numeric string (`"42"`, `" 42 "`, `"42.0"`), or null/missing (0).
pub(crate) fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(opt_count(deserializer)?.unwrap_or(0))
}

/// Like [`count`], keeping "not sent" apart from 0.
pub(crate) fn opt_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("counter {n} is not a whole number"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| *f >= 0.0)
                        .map(|f| f as u64)
                })
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("counter {s:?} is not a number")))
        }
        Some(other) => Err(D::Error::custom(format!(
            "counter must be a number, got {other}"
        ))),
    }
}

/// An optional date in any form [`parse_date`] reads; null, missing or empty gives `None`.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse_date(&s)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{s:?} is not an ISO-8601 date"))),
    }
}

/// A required date in any form [`parse_date`] reads.
pub(crate) fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    opt_date(deserializer)?.ok_or_else(|| D::Error::custom("a date is required"))
}

/// A flag: `true`/`false`, `"true"`/`"false"` (any case), `1`/`0`, or null/missing (`None`).
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::Number(n)) => Ok(Some(n.as_f64().unwrap_or(0.0) != 0.0)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            "" => Ok(None),
            other => Err(D::Error::custom(format!("{other:?} is not a boolean"))),
        },
        Some(other) => Err(D::Error::custom(format!("{other} is not a boolean"))),
    }
}

/// A flag where missing means false.
pub(crate) fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(opt_bool(deserializer)?.unwrap_or(false))
}

/// An identifier NiftyImages may send as a number or a string; kept as text.
pub(crate) fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(opt_id_text(deserializer)?.unwrap_or_default())
}

pub(crate) fn opt_id_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(D::Error::custom(format!("{other} is not an id"))),
    }
}

/// A coordinate or other decimal sent as a number or a numeric string.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{s:?} is not a number"))),
        Some(other) => Err(D::Error::custom(format!("{other} is not a number"))),
    }
}

/// Text that may be null.
pub(crate) fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(Debug, Deserialize)]
    struct Counter {
        #[serde(default, deserialize_with = "count")]
        opens: u64,
    }

    fn opens(json: &str) -> Result<u64, serde_json::Error> {
        serde_json::from_str::<Counter>(json).map(|c| c.opens)
    }

    #[test]
    fn counters_accept_numbers_and_numeric_strings() {
        assert_eq!(opens(r#"{"opens": 42}"#).unwrap(), 42);
        assert_eq!(opens(r#"{"opens": "42"}"#).unwrap(), 42);
        assert_eq!(opens(r#"{"opens": " 7 "}"#).unwrap(), 7);
        assert_eq!(opens(r#"{"opens": "3.0"}"#).unwrap(), 3);
        assert_eq!(opens(r#"{"opens": 5.0}"#).unwrap(), 5);
        assert_eq!(opens(r#"{"opens": null}"#).unwrap(), 0);
        assert_eq!(opens(r#"{}"#).unwrap(), 0);
        assert!(opens(r#"{"opens": "many"}"#).is_err());
        assert!(opens(r#"{"opens": -1}"#).is_err());
    }

    #[test]
    fn dates_down_to_minute_precision() {
        let noon = Utc.with_ymd_and_hms(2016, 3, 12, 12, 0, 0).unwrap();
        assert_eq!(parse_date("2016-03-12T12:00Z"), Some(noon));
        assert_eq!(parse_date("2016-03-12T12:00:00Z"), Some(noon));
        assert_eq!(parse_date("2016-03-12T12:00:00.000Z"), Some(noon));
        assert_eq!(parse_date("2016-03-12T14:00+02:00"), Some(noon));
        assert_eq!(parse_date("2016-03-12T14:00:00+02:00"), Some(noon));
        assert_eq!(parse_date("2016-03-12T12:00:00"), Some(noon));
        assert_eq!(parse_date("2016-03-12T12:00"), Some(noon));
        assert_eq!(parse_date("2016-03-12 12:00:00"), Some(noon));
        assert_eq!(
            parse_date("2016-03-12T12:00:00.1234567"),
            Some(noon + chrono::Duration::nanoseconds(123_456_700))
        );
        assert_eq!(
            parse_date("2016-03-12"),
            Some(Utc.with_ymd_and_hms(2016, 3, 12, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_date("03/12/2016"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(format_date(noon), "2016-03-12T12:00:00Z");
    }

    #[derive(Debug, Deserialize)]
    struct Mixed {
        #[serde(default, deserialize_with = "opt_date")]
        at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "opt_bool")]
        active: Option<bool>,
        #[serde(default, deserialize_with = "id_text")]
        id: String,
        #[serde(default, deserialize_with = "opt_f64")]
        lat: Option<f64>,
    }

    #[test]
    fn flags_ids_and_coordinates() {
        let m: Mixed =
            serde_json::from_str(r#"{"at": null, "active": "True", "id": 17, "lat": "40.5"}"#)
                .unwrap();
        assert_eq!(m.at, None);
        assert_eq!(m.active, Some(true));
        assert_eq!(m.id, "17");
        assert_eq!(m.lat, Some(40.5));
        let m: Mixed = serde_json::from_str(r#"{"at": "", "active": 0, "id": "n-1"}"#).unwrap();
        assert_eq!(
            (m.at, m.active, m.id.as_str(), m.lat),
            (None, Some(false), "n-1", None)
        );
        assert!(serde_json::from_str::<Mixed>(r#"{"at": "yesterday"}"#).is_err());
    }
}
