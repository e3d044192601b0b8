//! Task operations. GHL has TaskCreate, TaskComplete and TaskDelete webhooks, no TaskUpdate.

use serde_json::{Value, json};

use super::model::Task;
use super::{Ctx, World};
use crate::api_error::ApiError;
use crate::clock::iso_millis;
use crate::dto::TaskInput;

impl World {
    pub fn list_tasks(&self, location_id: &str, contact_id: &str) -> Result<Vec<Task>, ApiError> {
        self.contact(location_id, contact_id)?;
        let mut tasks: Vec<Task> = self.locations[location_id]
            .tasks
            .values()
            .filter(|t| t.contact_id == contact_id)
            .cloned()
            .collect();
        tasks.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
        Ok(tasks)
    }

    pub fn task(
        &self,
        location_id: &str,
        contact_id: &str,
        task_id: &str,
    ) -> Result<Task, ApiError> {
        self.contact(location_id, contact_id)?;
        self.locations[location_id]
            .tasks
            .get(task_id)
            .filter(|t| t.contact_id == contact_id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Task"))
    }

    pub fn create_task(
        &mut self,
        location_id: &str,
        contact_id: &str,
        input: TaskInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Task, ApiError> {
        self.contact(location_id, contact_id)?;
        let task = Task {
            id: ctx.ids.record_id(),
            contact_id: contact_id.to_owned(),
            title: input.title.unwrap_or_default(),
            body: input.body.flatten(),
            due_date: input.due_date.unwrap_or_default(),
            completed: input.completed.unwrap_or(false),
            assigned_to: input.assigned_to.flatten(),
            date_added: ctx.now,
        };
        let location = self.location_mut(location_id)?;
        location.tasks.insert(task.id.clone(), task.clone());
        let mut body = task_webhook(location_id, &task);
        if ctx.task_create_omits_contact
            && let Some(fields) = body.as_object_mut()
        {
            fields.remove("contactId");
            fields.remove("body");
        }
        ctx.emit(location_id, "TaskCreate", body);
        if task.completed {
            ctx.emit(
                location_id,
                "TaskComplete",
                task_webhook(location_id, &task),
            );
        }
        Ok(task)
    }

    /// `PUT …/tasks/{id}` and `PUT …/tasks/{id}/completed`.
    pub fn update_task(
        &mut self,
        location_id: &str,
        contact_id: &str,
        task_id: &str,
        input: TaskInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<Task, ApiError> {
        let mut task = self.task(location_id, contact_id, task_id)?;
        let was_completed = task.completed;
        if let Some(title) = input.title {
            task.title = title;
        }
        if let Some(body) = input.body {
            task.body = body;
        }
        if let Some(due_date) = input.due_date {
            task.due_date = due_date;
        }
        if let Some(completed) = input.completed {
            task.completed = completed;
        }
        if let Some(assigned_to) = input.assigned_to {
            task.assigned_to = assigned_to;
        }
        self.location_mut(location_id)?
            .tasks
            .insert(task.id.clone(), task.clone());
        if task.completed && !was_completed {
            ctx.emit(
                location_id,
                "TaskComplete",
                task_webhook(location_id, &task),
            );
        }
        Ok(task)
    }

    pub fn delete_task(
        &mut self,
        location_id: &str,
        contact_id: &str,
        task_id: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), ApiError> {
        let task = self.task(location_id, contact_id, task_id)?;
        self.location_mut(location_id)?.tasks.remove(task_id);
        ctx.emit(location_id, "TaskDelete", task_webhook(location_id, &task));
        Ok(())
    }
}

fn task_webhook(location_id: &str, task: &Task) -> Value {
    let mut body = json!({
        "locationId": location_id,
        "id": task.id,
        "contactId": task.contact_id,
        "title": task.title,
        "dateAdded": iso_millis(task.date_added),
        "dueDate": task.due_date,
        "completed": task.completed,
    });
    if let Some(text) = &task.body {
        body["body"] = json!(text);
    }
    if let Some(user) = &task.assigned_to {
        body["assignedTo"] = json!(user);
    }
    body
}
