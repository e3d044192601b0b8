//! ISO-8601 as NiftyImages takes it, down to minute precision (`2016-03-12T12:00Z`).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// A date as written: the wall-clock reading and the offset, if the text carried one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub naive: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

impl Reading {
    /// The instant, taking a reading without an offset as UTC.
    pub fn as_utc(&self) -> DateTime<Utc> {
        match self.offset {
            Some(offset) => (self.naive - offset).and_utc(),
            None => self.naive.and_utc(),
        }
    }
}

/// Parses ISO 8601: full RFC 3339, minute precision, `Z` or `±hh:mm` or no offset, a space for
/// the `T`, or a bare date.
pub fn parse_iso(text: &str) -> Option<Reading> {
    let text = text.trim().replacen(' ', "T", 1);
    if let Ok(instant) = DateTime::parse_from_rfc3339(&text) {
        return Some(Reading {
            naive: instant.naive_local(),
            offset: Some(*instant.offset()),
        });
    }
    if let Some(bare) = text.strip_suffix(['Z', 'z']) {
        return parse_naive(bare).map(|naive| Reading {
            naive,
            offset: FixedOffset::east_opt(0),
        });
    }
    for pattern in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(instant) = DateTime::parse_from_str(&text, pattern) {
            return Some(Reading {
                naive: instant.naive_local(),
                offset: Some(*instant.offset()),
            });
        }
    }
    parse_naive(&text).map(|naive| Reading {
        naive,
        offset: None,
    })
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

/// The form the sandbox writes dates in: `2016-03-12T12:00:00Z`.
pub fn iso(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_precision_and_offsets() {
        let r = parse_iso("2016-03-12T12:00Z").unwrap();
        assert_eq!(iso(r.as_utc()), "2016-03-12T12:00:00Z");
        let r = parse_iso("2016-03-12T14:00+02:00").unwrap();
        assert_eq!(iso(r.as_utc()), "2016-03-12T12:00:00Z");
        let r = parse_iso("2016-03-12T12:00").unwrap();
        assert_eq!(r.offset, None);
        assert!(parse_iso("12/03/2016").is_none());
    }
}
