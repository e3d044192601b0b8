//! One trigger per GHL webhook a recipe can start from (`ghl_events::GHL_EVENT_TYPES`). The
//! input schema is the webhook body as GHL documents it, built from the same field list the
//! recipes check their templates against, so the two cannot disagree.

use super::schema::{Inputs, date_time, email, flag, non_empty, text};
use super::{Operation, Service};
use crate::events::{DataField, FieldKind};
use crate::ghl_events::{GHL_EVENT_TYPES, data_fields};

fn about(event_type: &str) -> &'static str {
    match event_type {
        "ContactCreate" => "A contact was created in GHL",
        "ContactUpdate" => "A contact changed in GHL",
        "ContactDelete" => "A contact was deleted in GHL (the body is the contact as it was)",
        "ContactTagUpdate" => "A contact's tags changed in GHL",
        "ContactDndUpdate" => "A contact's do-not-disturb settings changed in GHL",
        "NoteCreate" => "A note was added to a contact in GHL",
        "NoteUpdate" => "A contact's note changed in GHL",
        "NoteDelete" => "A contact's note was deleted in GHL",
        "TaskCreate" => {
            "A task was created in GHL (live GHL leaves contactId out: jobs re-read the task)"
        }
        "TaskComplete" => "A task was completed in GHL",
        "TaskDelete" => "A task was deleted in GHL",
        "AppointmentCreate" => "An appointment was booked in GHL",
        "AppointmentUpdate" => "An appointment changed in GHL",
        "AppointmentDelete" => "An appointment was deleted in GHL",
        "OpportunityCreate" => {
            "An opportunity (a deal in a pipeline) was created for a contact in GHL"
        }
        "OpportunityUpdate" => "An opportunity changed in GHL",
        "OpportunityDelete" => "An opportunity was deleted in GHL",
        "OpportunityStageUpdate" => "An opportunity moved to another pipeline stage in GHL",
        "OpportunityStatusUpdate" => {
            "An opportunity's status changed in GHL (open, won, lost, abandoned)"
        }
        "OpportunityMonetaryValueUpdate" => "An opportunity's monetary value changed in GHL",
        "OpportunityAssignedToUpdate" => "An opportunity was assigned to another user in GHL",
        "InboundMessage" => {
            "A contact sent the location a message in GHL (SMS, email, call, chat…)"
        }
        "OutboundMessage" => {
            "The location sent a contact a message in GHL (SMS, email, call, chat…)"
        }
        "ConversationUnreadUpdate" => {
            "The unread status of a contact's conversation changed in GHL"
        }
        "CampaignStatusUpdate" => "A contact's status in a GHL campaign changed",
        "OrderCreate" => "A contact placed an order in GHL",
        "OrderStatusUpdate" => "An order's status changed in GHL",
        "INSTALL" => "The app was installed on a location or agency (creates the connection)",
        "UNINSTALL" => "The app was uninstalled (removes the connection)",
        _ => "A GHL webhook",
    }
}

fn schema_of(field: &DataField) -> serde_json::Value {
    let description = "as GHL sends it";
    match field.kind {
        FieldKind::Text if field.required => non_empty(description),
        FieldKind::Text => text(description),
        FieldKind::Email => email(description),
        FieldKind::DateTime => date_time(description),
        FieldKind::Bool => flag(description),
        FieldKind::Tags => {
            serde_json::json!({"type": "array", "items": {"type": "string"}, "description": "tags"})
        }
        FieldKind::List => serde_json::json!({"type": "array", "description": description}),
        FieldKind::Map => serde_json::json!({"type": "object", "description": description}),
        FieldKind::Number => serde_json::json!({"type": "number", "description": description}),
    }
}

pub(super) fn operations() -> Vec<Operation> {
    GHL_EVENT_TYPES
        .iter()
        .map(|event_type| {
            let inputs =
                data_fields(event_type)
                    .iter()
                    .fold(Inputs::event_data(), |inputs, field| {
                        if field.required {
                            inputs.required(field.name, schema_of(field))
                        } else {
                            inputs.optional(field.name, schema_of(field))
                        }
                    });
            let name: &'static str = Box::leak(format!("ghl.{event_type}").into_boxed_str());
            Operation::trigger(Service::Ghl, name, event_type, about(event_type), inputs)
        })
        .collect()
}
