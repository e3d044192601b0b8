//! `nifty-ghl tasks …` (due dates are checked by the client before any call)

use ghl::tasks::{CreateTask, UpdateTask};

use super::Target;
use crate::cli::{ApiArgs, TasksCommand};
use crate::output::{self, input_error};

pub async fn run(args: &ApiArgs, json: bool, command: TasksCommand) -> anyhow::Result<()> {
    let target = || Target::from_args(args);
    let task = match command {
        TasksCommand::List { contact_id } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            let tasks = target()?.client.list_tasks(&contact_id).await?.into_inner();
            return if json {
                output::print_json(&tasks)
            } else {
                output::tasks_table(&tasks);
                Ok(())
            };
        }
        TasksCommand::Get {
            contact_id,
            task_id,
        } => {
            ghl::validate_record_id("task id", &task_id)?;
            target()?
                .client
                .get_task(&contact_id, &task_id)
                .await?
                .into_inner()
        }
        TasksCommand::Create {
            contact_id,
            title,
            due,
            body,
            assigned_to,
        } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            let request = CreateTask {
                title,
                body,
                due_date: due,
                completed: false,
                assigned_to,
            };
            target()?
                .client
                .create_task(&contact_id, &request)
                .await?
                .into_inner()
        }
        TasksCommand::Update {
            contact_id,
            task_id,
            title,
            due,
            body,
            assigned_to,
        } => {
            ghl::validate_record_id("task id", &task_id)?;
            let update = UpdateTask {
                title,
                body,
                due_date: due,
                completed: None,
                assigned_to,
            };
            if update == UpdateTask::default() {
                return Err(input_error(
                    "nothing to update: give --title, --due, --body or --assigned-to",
                ));
            }
            target()?
                .client
                .update_task(&contact_id, &task_id, &update)
                .await?
                .into_inner()
        }
        TasksCommand::Complete {
            contact_id,
            task_id,
            reopen,
        } => {
            ghl::validate_record_id("task id", &task_id)?;
            target()?
                .client
                .set_task_completed(&contact_id, &task_id, !reopen)
                .await?
                .into_inner()
        }
        TasksCommand::Delete {
            contact_id,
            task_id,
        } => {
            ghl::validate_record_id("task id", &task_id)?;
            let answer = target()?
                .client
                .delete_task(&contact_id, &task_id)
                .await?
                .into_inner();
            return if json {
                output::print_json(&answer)
            } else {
                println!("deleted task {task_id}");
                Ok(())
            };
        }
    };
    if json {
        output::print_json(&task)
    } else {
        output::tasks_table(std::slice::from_ref(&task));
        Ok(())
    }
}
