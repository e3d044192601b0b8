//! Shape checks for GHL ids, so that a malformed id is refused before any call is made.

use crate::GhlError;

/// What was given, as an error message may quote it: short values whole, long ones (a token
/// pasted by mistake) by their start and length only.
fn quoted(value: &str) -> String {
    if value.chars().count() <= 32 {
        format!("{value:?}")
    } else {
        let start: String = value.chars().take(6).collect();
        format!("\"{start}…\" ({} characters)", value.chars().count())
    }
}

/// Contact, task, note, location and user ids are 20-character alphanumeric (Firebase-style) ids.
pub fn validate_record_id(what: &str, id: &str) -> Result<(), GhlError> {
    if id.len() == 20 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(GhlError::InvalidInput(format!(
            "{what} {} is not a GHL id: expected 20 letters and digits, like \"ocQHyuzHvysMo5N5VsXc\"",
            quoted(id)
        )))
    }
}

/// Ids GHL documents no shape for (campaigns, workflows, users): non-empty, no spaces or slashes.
pub fn validate_opaque_id(what: &str, id: &str) -> Result<(), GhlError> {
    let well_formed = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if well_formed {
        Ok(())
    } else {
        Err(GhlError::InvalidInput(format!(
            "{what} {} is not a GHL id: expected letters, digits, '-' or '_'",
            quoted(id)
        )))
    }
}

/// Location ids have the same shape as other record ids.
pub fn validate_location_id(id: &str) -> Result<(), GhlError> {
    validate_record_id("location id", id)
}

/// Business ids are 24 hexadecimal characters (`641c094001436dbc2081e642`).
pub fn validate_business_id(id: &str) -> Result<(), GhlError> {
    if id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(GhlError::InvalidInput(format!(
            "business id {} is not a GHL business id: expected 24 hexadecimal characters",
            quoted(id)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes_and_refuses_others() {
        assert!(validate_record_id("contact id", "ocQHyuzHvysMo5N5VsXc").is_ok());
        assert!(validate_record_id("contact id", "ocQHyuzHvysMo5N5VsX").is_err());
        assert!(validate_record_id("contact id", "ocQHyuzHvysMo5N5VsX/").is_err());
        assert!(validate_business_id("641c094001436dbc2081e642").is_ok());
        assert!(validate_business_id("641c094001436dbc2081e64z").is_err());
        let message = validate_record_id("task id", "nope")
            .unwrap_err()
            .to_string();
        assert!(message.contains("task id \"nope\""), "{message}");
    }
}
