//! Countdown-timer target dates: how `PUT /Timer/Update` turns `TargetDate`, `Format`, `IsUtc`
//! and the `Add*` offsets into a new target.
//!
//! The sandbox's reading of NiftyImages' docs ("IsUtc makes NiftyImages shift the target date
//! into the timezone configured on the timer"): without `IsUtc`, the date's wall-clock digits
//! are the timer's local time (an offset in the text is not applied); with `IsUtc`, the date is
//! a UTC instant (a numeric offset in the text is applied first). The `Add*` offsets are added
//! to the wall-clock reading, so "add 1 day" keeps the time of day across a DST change.
//! `Format` is a chrono `strftime` pattern in the sandbox (the live syntax is not public).

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::dates::parse_iso;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetChange {
    pub target_date: String,
    pub format: Option<String>,
    pub is_utc: bool,
    pub add_hours: i64,
    pub add_days: i64,
    pub add_months: i64,
}

/// The new target instant for a timer in `timezone`, or the message of a 400.
pub fn new_target(timezone: Tz, change: &TargetChange) -> Result<DateTime<Utc>, String> {
    let text = change.target_date.trim();
    let mut naive = match change.format.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(format) => NaiveDateTime::parse_from_str(text, format)
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, format)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .ok_or_else(|| format!("TargetDate '{text}' does not match Format '{format}'"))?,
        None => {
            let reading = parse_iso(text).ok_or_else(|| {
                format!(
                    "TargetDate '{text}' is not an ISO 8601 date; pass Format for other layouts"
                )
            })?;
            if change.is_utc {
                reading.as_utc().naive_utc()
            } else {
                reading.naive
            }
        }
    };
    let months = u32::try_from(change.add_months.unsigned_abs())
        .map_err(|_| "AddMonths is out of range".to_owned())?;
    naive = if change.add_months >= 0 {
        naive.checked_add_months(Months::new(months))
    } else {
        naive.checked_sub_months(Months::new(months))
    }
    .ok_or("AddMonths takes the date out of range")?;
    naive = Duration::try_days(change.add_days)
        .zip(Duration::try_hours(change.add_hours))
        .and_then(|(days, hours)| naive.checked_add_signed(days)?.checked_add_signed(hours))
        .ok_or("AddDays or AddHours takes the date out of range")?;
    if change.is_utc {
        return Ok(naive.and_utc());
    }
    Ok(local_to_utc(timezone, naive))
}

/// A wall-clock time in `timezone` as an instant: the earlier of two in an autumn fold, and
/// an hour later for a time the spring gap skips (the clock jumps over it).
pub fn local_to_utc(timezone: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    timezone
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            timezone
                .from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| naive.and_utc())
}

/// The target as wall-clock time in the timer's timezone, with its offset.
pub fn local_text(timezone: Tz, target: DateTime<Utc>) -> String {
    target
        .with_timezone(&timezone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nifty::dates::iso;

    fn change(target: &str, is_utc: bool) -> TargetChange {
        TargetChange {
            target_date: target.into(),
            is_utc,
            ..TargetChange::default()
        }
    }

    #[test]
    fn local_and_utc_readings_across_dst() {
        let ny = chrono_tz::America::New_York;
        // 2026-03-08 is the US spring-forward day: EST (-5) before, EDT (-4) after.
        let before = new_target(ny, &change("2026-03-07T12:00", false)).unwrap();
        assert_eq!(iso(before), "2026-03-07T17:00:00Z");
        let after = new_target(ny, &change("2026-03-09T12:00", false)).unwrap();
        assert_eq!(iso(after), "2026-03-09T16:00:00Z");
        let utc = new_target(ny, &change("2026-03-09T12:00Z", true)).unwrap();
        assert_eq!(local_text(ny, utc), "2026-03-09T08:00:00-04:00");
        let gap = new_target(ny, &change("2026-03-08T02:30", false)).unwrap();
        assert_eq!(iso(gap), "2026-03-08T07:30:00Z");
        let mut plus_day = change("2026-03-07T12:00", false);
        plus_day.add_days = 2;
        assert_eq!(
            iso(new_target(ny, &plus_day).unwrap()),
            "2026-03-09T16:00:00Z"
        );
    }

    #[test]
    fn format_and_errors() {
        let ny = chrono_tz::America::New_York;
        let mut c = change("03/20/2026 09:15", false);
        c.format = Some("%m/%d/%Y %H:%M".into());
        assert_eq!(iso(new_target(ny, &c).unwrap()), "2026-03-20T13:15:00Z");
        c.format = Some("%Y-%m-%d".into());
        assert!(
            new_target(ny, &c)
                .unwrap_err()
                .contains("does not match Format")
        );
        assert!(new_target(ny, &change("soon", false)).is_err());
    }
}
