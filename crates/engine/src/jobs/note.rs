//! `ghl.note.upsert`: one GHL note per source note id, on the contact's timeline. A known
//! note is updated; an unknown one is created, after looking for one an earlier, interrupted
//! attempt may have created.

use ghl::notes::{CreateNote, Note, UpdateNote};

use super::contact::resolve;
use super::{Failure, JobContext, NoteUpsert, store_failure};

const KIND: &str = "note";

pub(super) async fn run(ctx: &mut JobContext<'_>, input: NoteUpsert) -> Result<(), Failure> {
    let contact_id = resolve(ctx, &input.contact).await?;
    let location = ctx.location().to_owned();
    let client = ctx.client;
    if let Some(note_id) = ctx
        .store
        .identity(&location, KIND, &input.source_id)
        .await
        .map_err(store_failure)?
    {
        let update = UpdateNote {
            body: Some(input.body.clone()),
            ..UpdateNote::default()
        };
        match ctx
            .call(
                "PUT /contacts/{id}/notes/{id}",
                client.update_note(&contact_id, &note_id, &update),
            )
            .await
        {
            Ok(_) => return Ok(()),
            Err(Failure::Gone { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    if ctx.earlier_attempt_may_have_created()
        && let Some(made) = find_made_earlier(ctx, &contact_id, &input).await?
    {
        ctx.learned(KIND, &input.source_id, &made.id);
        return Ok(());
    }
    ctx.intend_to_create().await?;
    let create = create_request(&input);
    let note = ctx
        .call(
            "POST /contacts/{id}/notes",
            client.create_note(&contact_id, &create),
        )
        .await?
        .into_inner();
    // Recorded with the job's outcome, in the same commit. Should that commit never happen,
    // the next attempt finds what this one made through the intent noted before the create.
    ctx.learned(KIND, &input.source_id, &note.id);
    Ok(())
}

async fn find_made_earlier(
    ctx: &mut JobContext<'_>,
    contact_id: &str,
    input: &NoteUpsert,
) -> Result<Option<Note>, Failure> {
    let client = ctx.client;
    let notes = ctx
        .call("GET /contacts/{id}/notes", client.list_notes(contact_id))
        .await?
        .into_inner();
    let location = ctx.location().to_owned();
    for note in notes {
        if note.body.as_deref() == Some(input.body.as_str())
            && ctx
                .store
                .identity_by_ghl_id(&location, KIND, &note.id)
                .await
                .map_err(store_failure)?
                .is_none()
        {
            return Ok(Some(note));
        }
    }
    Ok(None)
}

/// The body of the create call (also what a dry run shows).
pub(super) fn create_request(input: &NoteUpsert) -> CreateNote {
    CreateNote {
        body: input.body.clone(),
        ..CreateNote::default()
    }
}
