//! A contact's tasks: list, get, create, update, complete, delete.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::validate_record_id;
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    #[serde(alias = "_id")]
    pub id: String,
    pub title: Option<String>,
    pub body: Option<String>,
    /// The GHL user the task is assigned to.
    pub assigned_to: Option<String>,
    /// ISO-8601, such as `2021-07-08T02:30:00.000Z`.
    pub due_date: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub completed: bool,
    pub contact_id: Option<String>,
}

/// Body of `POST /contacts/{id}/tasks`: GHL requires title, due date and the completed flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTask {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub due_date: String,
    pub completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// Body of `PUT /contacts/{id}/tasks/{taskId}`; only fields that are set change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTask {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

#[derive(Deserialize)]
struct TaskEnvelope {
    task: Task,
}

#[derive(Deserialize)]
struct TasksEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    tasks: Vec<Task>,
}

#[derive(Serialize)]
struct CompletedBody {
    completed: bool,
}

fn check_due_date(due_date: &str) -> Result<(), GhlError> {
    chrono::DateTime::parse_from_rfc3339(due_date)
        .map(|_| ())
        .map_err(|_| {
            GhlError::InvalidInput(format!(
                "due date {due_date:?} is not an ISO-8601 date-time; use the form 2026-07-08T14:30:00.000Z"
            ))
        })
}

impl GhlClient {
    /// `GET /contacts/{contactId}/tasks`: all of them; GHL does not page this list.
    pub async fn list_tasks(&self, contact_id: &str) -> Result<GhlResponse<Vec<Task>>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        let response = self
            .call(Method::GET, &["contacts", contact_id, "tasks"])
            .send::<TasksEnvelope>()
            .await?;
        Ok(response.map(|e| e.tasks))
    }

    /// `GET /contacts/{contactId}/tasks/{taskId}`
    pub async fn get_task(
        &self,
        contact_id: &str,
        task_id: &str,
    ) -> Result<GhlResponse<Task>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("task id", task_id)?;
        let response = self
            .call(Method::GET, &["contacts", contact_id, "tasks", task_id])
            .send::<TaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.task))
    }

    /// `POST /contacts/{contactId}/tasks`
    pub async fn create_task(
        &self,
        contact_id: &str,
        task: &CreateTask,
    ) -> Result<GhlResponse<Task>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        if task.title.trim().is_empty() {
            return Err(GhlError::InvalidInput("a task needs a title".into()));
        }
        check_due_date(&task.due_date)?;
        let response = self
            .call(Method::POST, &["contacts", contact_id, "tasks"])
            .json(task)?
            .send::<TaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.task))
    }

    /// `PUT /contacts/{contactId}/tasks/{taskId}`
    pub async fn update_task(
        &self,
        contact_id: &str,
        task_id: &str,
        update: &UpdateTask,
    ) -> Result<GhlResponse<Task>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("task id", task_id)?;
        if let Some(due_date) = &update.due_date {
            check_due_date(due_date)?;
        }
        let response = self
            .call(Method::PUT, &["contacts", contact_id, "tasks", task_id])
            .json(update)?
            .send::<TaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.task))
    }

    /// `PUT /contacts/{contactId}/tasks/{taskId}/completed`: marks the task done or open again.
    pub async fn set_task_completed(
        &self,
        contact_id: &str,
        task_id: &str,
        completed: bool,
    ) -> Result<GhlResponse<Task>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("task id", task_id)?;
        let response = self
            .call(
                Method::PUT,
                &["contacts", contact_id, "tasks", task_id, "completed"],
            )
            .json(&CompletedBody { completed })?
            .send::<TaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.task))
    }

    /// `DELETE /contacts/{contactId}/tasks/{taskId}`
    pub async fn delete_task(
        &self,
        contact_id: &str,
        task_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_record_id("contact id", contact_id)?;
        validate_record_id("task id", task_id)?;
        self.call(Method::DELETE, &["contacts", contact_id, "tasks", task_id])
            .send()
            .await
    }
}
