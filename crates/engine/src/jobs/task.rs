//! `ghl.task.upsert`: one GHL task per source task id. A known task is updated; an unknown one
//! is created, after looking for one an earlier, interrupted attempt may have created.

use ghl::tasks::{CreateTask, Task, UpdateTask};

use super::contact::resolve;
use super::{Failure, JobContext, TaskUpsert, same_instant, store_failure};

const KIND: &str = "task";

pub(super) async fn run(ctx: &mut JobContext<'_>, input: TaskUpsert) -> Result<(), Failure> {
    let contact_id = resolve(ctx, &input.contact).await?;
    let location = ctx.location().to_owned();
    let client = ctx.client;
    let known = ctx
        .store
        .identity(&location, KIND, &input.source_id)
        .await
        .map_err(store_failure)?;
    if let Some(task_id) = known {
        let update = UpdateTask {
            title: Some(input.title.clone()),
            body: input.body.clone(),
            due_date: Some(input.due_date.clone()),
            completed: input.completed,
            assigned_to: None,
        };
        match ctx
            .call(
                "PUT /contacts/{id}/tasks/{taskId}",
                client.update_task(&contact_id, &task_id, &update),
            )
            .await
        {
            Ok(_) => return Ok(()),
            // Deleted in GHL meanwhile: make it again below.
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
    let task = ctx
        .call(
            "POST /contacts/{id}/tasks",
            client.create_task(&contact_id, &create),
        )
        .await?
        .into_inner();
    // Recorded with the job's outcome, in the same commit. Should that commit never happen,
    // the next attempt finds what this one made through the intent noted before the create.
    ctx.learned(KIND, &input.source_id, &task.id);
    Ok(())
}

/// A task of the contact that matches this one exactly and belongs to no other source task.
async fn find_made_earlier(
    ctx: &mut JobContext<'_>,
    contact_id: &str,
    input: &TaskUpsert,
) -> Result<Option<Task>, Failure> {
    let client = ctx.client;
    let tasks = ctx
        .call("GET /contacts/{id}/tasks", client.list_tasks(contact_id))
        .await?
        .into_inner();
    let location = ctx.location().to_owned();
    for task in tasks {
        let same = task.title.as_deref() == Some(input.title.as_str())
            && task.body == input.body
            && task
                .due_date
                .as_deref()
                .is_some_and(|due| same_instant(due, &input.due_date));
        if same
            && ctx
                .store
                .identity_by_ghl_id(&location, KIND, &task.id)
                .await
                .map_err(store_failure)?
                .is_none()
        {
            return Ok(Some(task));
        }
    }
    Ok(None)
}

/// The body of the create call (also what a dry run shows).
pub(super) fn create_request(input: &TaskUpsert) -> CreateTask {
    CreateTask {
        title: input.title.clone(),
        body: input.body.clone(),
        due_date: input.due_date.clone(),
        completed: input.completed.unwrap_or(false),
        assigned_to: None,
    }
}
