//! How results and errors reach the terminal: tables for people, JSON for scripts.

use std::process::ExitCode;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use ghl::GhlError;
use ghl::appointments::Appointment;
use ghl::contacts::Contact;
use ghl::notes::Note;
use ghl::tasks::Task;
use serde::Serialize;

/// Bad input caught before any call: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

pub fn input_error(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(InputError(message.into()))
}

/// Prints the error with everything GHL said, and picks the exit code: 2 for bad input,
/// 1 for everything else.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    if let Some(ghl) = error.downcast_ref::<GhlError>() {
        if let GhlError::InvalidInput(message) = ghl {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
        match ghl.details() {
            Some(details) => {
                eprintln!("error: GHL answered HTTP {}", details.status.as_u16());
                for message in &details.messages {
                    eprintln!("  - {message}");
                }
                if let GhlError::Duplicate {
                    existing_contact_id,
                    ..
                } = ghl
                {
                    eprintln!("  existing contact: {existing_contact_id}");
                }
                if let GhlError::RateLimited { retry_after, .. } = ghl {
                    eprintln!("  retry in {:.1} s", retry_after.as_secs_f64());
                }
                if let Some(trace_id) = &details.trace_id {
                    eprintln!("  traceId: {trace_id}");
                }
            }
            None => eprintln!("error: {ghl}"),
        }
        return ExitCode::FAILURE;
    }
    if let Some(nifty) = error.downcast_ref::<niftyimages::NiftyError>() {
        // The client scrubs keys out of its messages; input it refused is the caller's to fix.
        eprintln!("error: {nifty}");
        return match nifty {
            niftyimages::NiftyError::InvalidInput(_) => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        };
    }
    if error.downcast_ref::<InputError>().is_some() {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    eprintln!("error: {error:#}");
    ExitCode::FAILURE
}

pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_owned()
}

fn contact_name(contact: &Contact) -> String {
    contact
        .name
        .clone()
        .or_else(|| {
            let parts: Vec<&str> = [contact.first_name.as_deref(), contact.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .unwrap_or_else(|| "-".into())
}

pub fn contacts_table(contacts: &[Contact]) {
    let mut table = table(&["ID", "NAME", "EMAIL", "PHONE", "TAGS", "UPDATED"]);
    for contact in contacts {
        table.add_row(vec![
            contact.id.clone(),
            contact_name(contact),
            or_dash(contact.email.as_deref()),
            or_dash(contact.phone.as_deref()),
            contact.tags.join(", "),
            or_dash(
                contact
                    .date_updated
                    .as_deref()
                    .or(contact.date_added.as_deref()),
            ),
        ]);
    }
    println!("{table}");
    println!("{} contact(s)", contacts.len());
}

pub fn contact_detail(contact: &Contact) {
    let mut table = table(&["FIELD", "VALUE"]);
    let rows: Vec<(&str, String)> = vec![
        ("id", contact.id.clone()),
        ("name", contact_name(contact)),
        ("email", or_dash(contact.email.as_deref())),
        ("phone", or_dash(contact.phone.as_deref())),
        ("company", or_dash(contact.company_name.as_deref())),
        ("source", or_dash(contact.source.as_deref())),
        ("city", or_dash(contact.city.as_deref())),
        ("country", or_dash(contact.country.as_deref())),
        ("tags", contact.tags.join(", ")),
        ("dnd", contact.dnd.map_or("-".into(), |d| d.to_string())),
        ("business", or_dash(contact.business_id.as_deref())),
        ("added", or_dash(contact.date_added.as_deref())),
        ("updated", or_dash(contact.date_updated.as_deref())),
    ];
    for (field, value) in rows {
        table.add_row(vec![field.to_owned(), value]);
    }
    for custom in &contact.custom_fields {
        let value = match &custom.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        table.add_row(vec![format!("custom {}", custom.id), value]);
    }
    println!("{table}");
}

pub fn tasks_table(tasks: &[Task]) {
    let mut table = table(&["ID", "TITLE", "DUE", "DONE", "ASSIGNED TO"]);
    for task in tasks {
        table.add_row(vec![
            task.id.clone(),
            or_dash(task.title.as_deref()),
            or_dash(task.due_date.as_deref()),
            if task.completed { "yes" } else { "no" }.to_owned(),
            or_dash(task.assigned_to.as_deref()),
        ]);
    }
    println!("{table}");
}

pub fn notes_table(notes: &[Note]) {
    let mut table = table(&["ID", "ADDED", "BODY"]);
    for note in notes {
        table.add_row(vec![
            note.id.clone(),
            or_dash(note.date_added.as_deref()),
            or_dash(note.body.as_deref()),
        ]);
    }
    println!("{table}");
}

pub fn appointments_table(appointments: &[Appointment]) {
    let mut table = table(&["ID", "TITLE", "START", "END", "STATUS"]);
    for appointment in appointments {
        table.add_row(vec![
            appointment.id.clone(),
            or_dash(appointment.title.as_deref()),
            or_dash(appointment.start_time.as_deref()),
            or_dash(appointment.end_time.as_deref()),
            or_dash(
                appointment
                    .appointment_status
                    .as_deref()
                    .or(appointment.status.as_deref()),
            ),
        ]);
    }
    println!("{table}");
}
