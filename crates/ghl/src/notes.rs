//! A contact's notes: list, get, create, update, delete.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::validate_record_id;
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub body: Option<String>,
    pub user_id: Option<String>,
    /// ISO-8601 UTC with milliseconds. GHL keeps no `dateUpdated` for notes.
    pub date_added: Option<String>,
    pub contact_id: Option<String>,
    pub title: Option<String>,
    /// Such as `#FFAA00`.
    pub color: Option<String>,
    pub pinned: Option<bool>,
}

/// Body of `POST /contacts/{id}/notes` (`body` is required).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateNote {
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// Body of `PUT /contacts/{id}/notes/{noteId}`; only fields that are set change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNote {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

#[derive(Deserialize)]
struct NoteEnvelope {
    note: Note,
}

#[derive(Deserialize)]
struct NotesEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    notes: Vec<Note>,
}

impl GhlClient {
    /// `GET /contacts/{contactId}/notes`: all of them; GHL does not page this list.
    pub async fn list_notes(&self, contact_id: &str) -> Result<GhlResponse<Vec<Note>>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        let response = self
            .call(Method::GET, &["contacts", contact_id, "notes"])
            .send::<NotesEnvelope>()
            .await?;
        Ok(response.map(|e| e.notes))
    }

    /// `GET /contacts/{contactId}/notes/{id}`
    pub async fn get_note(
        &self,
        contact_id: &str,
        note_id: &str,
    ) -> Result<GhlResponse<Note>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("note id", note_id)?;
        let response = self
            .call(Method::GET, &["contacts", contact_id, "notes", note_id])
            .send::<NoteEnvelope>()
            .await?;
        Ok(response.map(|e| e.note))
    }

    /// `POST /contacts/{contactId}/notes`
    pub async fn create_note(
        &self,
        contact_id: &str,
        note: &CreateNote,
    ) -> Result<GhlResponse<Note>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        if note.body.trim().is_empty() {
            return Err(GhlError::InvalidInput("a note needs a body".into()));
        }
        let response = self
            .call(Method::POST, &["contacts", contact_id, "notes"])
            .json(note)?
            .send::<NoteEnvelope>()
            .await?;
        Ok(response.map(|e| e.note))
    }

    /// `PUT /contacts/{contactId}/notes/{id}`
    pub async fn update_note(
        &self,
        contact_id: &str,
        note_id: &str,
        update: &UpdateNote,
    ) -> Result<GhlResponse<Note>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("note id", note_id)?;
        let response = self
            .call(Method::PUT, &["contacts", contact_id, "notes", note_id])
            .json(update)?
            .send::<NoteEnvelope>()
            .await?;
        Ok(response.map(|e| e.note))
    }

    /// `DELETE /contacts/{contactId}/notes/{id}`
    pub async fn delete_note(
        &self,
        contact_id: &str,
        note_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("note id", note_id)?;
        self.call(Method::DELETE, &["contacts", contact_id, "notes", note_id])
            .send()
            .await
    }
}
