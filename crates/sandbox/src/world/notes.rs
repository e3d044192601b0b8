//! Note operations, with NoteCreate, NoteUpdate and NoteDelete webhooks.

use serde_json::{Value, json};

use super::model::Note;
use super::{Ctx, World};
use crate::api_error::ApiError;
use crate::clock::iso_millis;
use crate::dto::NoteInput;

impl World {
    pub fn list_notes(&self, location_id: &str, contact_id: &str) -> Result<Vec<Note>, ApiError> {
        self.contact(location_id, contact_id)?;
        let mut notes: Vec<Note> = self.locations[location_id]
            .notes
            .values()
            .filter(|n| n.contact_id == contact_id)
            .cloned()
            .collect();
        // GHL lists the newest note first.
        notes.sort_by(|a, b| b.date_added.cmp(&a.date_added).then(a.id.cmp(&b.id)));
        Ok(notes)
    }

    pub fn note(
        &self,
        location_id: &str,
        contact_id: &str,
        note_id: &str,
    ) -> Result<Note, ApiError> {
        self.contact(location_id, contact_id)?;
        self.locations[location_id]
            .notes
            .get(note_id)
            .filter(|n| n.contact_id == contact_id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Note"))
    }

    pub fn create_note(
        &mut self,
        location_id: &str,
        contact_id: &str,
        input: NoteInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Note, ApiError> {
        self.contact(location_id, contact_id)?;
        let note = Note {
            id: ctx.ids.record_id(),
            contact_id: contact_id.to_owned(),
            body: input.body.unwrap_or_default(),
            user_id: input.user_id.flatten(),
            title: input.title.flatten(),
            color: input.color.flatten(),
            pinned: input.pinned.unwrap_or(false),
            date_added: ctx.now,
        };
        self.location_mut(location_id)?
            .notes
            .insert(note.id.clone(), note.clone());
        ctx.emit(location_id, "NoteCreate", note_webhook(location_id, &note));
        Ok(note)
    }

    pub fn update_note(
        &mut self,
        location_id: &str,
        contact_id: &str,
        note_id: &str,
        input: NoteInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Note, ApiError> {
        let mut note = self.note(location_id, contact_id, note_id)?;
        if let Some(body) = input.body {
            note.body = body;
        }
        if let Some(user_id) = input.user_id {
            note.user_id = user_id;
        }
        if let Some(title) = input.title {
            note.title = title;
        }
        if let Some(color) = input.color {
            note.color = color;
        }
        if let Some(pinned) = input.pinned {
            note.pinned = pinned;
        }
        self.location_mut(location_id)?
            .notes
            .insert(note.id.clone(), note.clone());
        ctx.emit(location_id, "NoteUpdate", note_webhook(location_id, &note));
        Ok(note)
    }

    pub fn delete_note(
        &mut self,
        location_id: &str,
        contact_id: &str,
        note_id: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), ApiError> {
        let note = self.note(location_id, contact_id, note_id)?;
        self.location_mut(location_id)?.notes.remove(note_id);
        ctx.emit(location_id, "NoteDelete", note_webhook(location_id, &note));
        Ok(())
    }
}

fn note_webhook(location_id: &str, note: &Note) -> Value {
    json!({
        "locationId": location_id,
        "id": note.id,
        "body": note.body,
        "contactId": note.contact_id,
        "dateAdded": iso_millis(note.date_added),
    })
}
