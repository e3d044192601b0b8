//! `nifty-ghl notes …`

use ghl::notes::{CreateNote, UpdateNote};

use super::Target;
use crate::cli::{ApiArgs, NotesCommand};
use crate::output::{self, input_error};

pub async fn run(args: &ApiArgs, json: bool, command: NotesCommand) -> anyhow::Result<()> {
    let target = || Target::from_args(args);
    let note = match command {
        NotesCommand::List { contact_id } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            let notes = target()?.client.list_notes(&contact_id).await?.into_inner();
            return if json {
                output::print_json(&notes)
            } else {
                output::notes_table(&notes);
                Ok(())
            };
        }
        NotesCommand::Get {
            contact_id,
            note_id,
        } => {
            ghl::validate_record_id("note id", &note_id)?;
            target()?
                .client
                .get_note(&contact_id, &note_id)
                .await?
                .into_inner()
        }
        NotesCommand::Create {
            contact_id,
            body,
            title,
            user_id,
        } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            if body.trim().is_empty() {
                return Err(input_error("--body is empty: a note needs text"));
            }
            let request = CreateNote {
                body,
                title,
                user_id,
                ..Default::default()
            };
            target()?
                .client
                .create_note(&contact_id, &request)
                .await?
                .into_inner()
        }
        NotesCommand::Update {
            contact_id,
            note_id,
            body,
            title,
        } => {
            ghl::validate_record_id("note id", &note_id)?;
            if body.is_none() && title.is_none() {
                return Err(input_error("nothing to update: give --body or --title"));
            }
            let update = UpdateNote {
                body,
                title,
                ..Default::default()
            };
            target()?
                .client
                .update_note(&contact_id, &note_id, &update)
                .await?
                .into_inner()
        }
        NotesCommand::Delete {
            contact_id,
            note_id,
        } => {
            ghl::validate_record_id("note id", &note_id)?;
            let answer = target()?
                .client
                .delete_note(&contact_id, &note_id)
                .await?
                .into_inner();
            return if json {
                output::print_json(&answer)
            } else {
                println!("deleted note {note_id}");
                Ok(())
            };
        }
    };
    if json {
        output::print_json(&note)
    } else {
        output::notes_table(std::slice::from_ref(&note));
        Ok(())
    }
}
