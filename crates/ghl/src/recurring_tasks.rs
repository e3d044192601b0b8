//! Recurring tasks of a location (`/locations/{locationId}/recurring-tasks`): a rule from which
//! GHL creates a task for each of its contacts on every occurrence. GHL has no list call.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::{lenient_u64, null_as_default};
use crate::ids::{validate_location_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntervalType {
    Yearly,
    Monthly,
    Weekly,
    Daily,
    Hourly,
}

/// A day of the week as GHL's rule spells it (iCalendar's two letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Weekday {
    Mo,
    Tu,
    We,
    Th,
    Fr,
    Sa,
    Su,
}

/// When tasks are made (`CustomRRulesOptions`): every `interval` `interval_type`s from
/// `start_date`, each due `due_after_seconds` after it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceRule {
    pub interval_type: IntervalType,
    pub interval: u32,
    /// ISO-8601, such as `2026-12-01T09:00:00.000Z`.
    pub start_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// 1 to 31, for monthly and yearly rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<Weekday>,
    /// 1 to 12, for yearly rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month_of_year: Option<u32>,
    /// At most this many tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_task_if_over_due: Option<bool>,
    pub due_after_seconds: u64,
}

impl RecurrenceRule {
    pub fn new(
        interval_type: IntervalType,
        interval: u32,
        start_date: impl Into<String>,
        due_after_seconds: u64,
    ) -> Self {
        Self {
            interval_type,
            interval,
            start_date: start_date.into(),
            end_date: None,
            day_of_month: None,
            day_of_week: None,
            month_of_year: None,
            count: None,
            create_task_if_over_due: None,
            due_after_seconds,
        }
    }
}

/// Body of `POST …/recurring-tasks`: GHL requires the title and the rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRecurringTask {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The contacts a task is made for on each occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_ids: Option<Vec<String>>,
    /// The GHL users the tasks are assigned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<String>>,
    pub rrule_options: RecurrenceRule,
    /// True: make no task now, only from the next occurrence on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_task_creation: Option<bool>,
}

/// Body of `PUT …/recurring-tasks/{id}`; only fields that are set change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRecurringTask {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rrule_options: Option<RecurrenceRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_task_creation: Option<bool>,
}

/// A recurring task as GHL answers it (`RecurringTaskResponseDTO`). GHL answers with one
/// contact and one assignee even though the request takes lists.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurringTask {
    #[serde(alias = "_id")]
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub location_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub rrule_options: Option<RecurrenceRule>,
    /// How many tasks the rule has made so far.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_occurrence: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub deleted: bool,
    pub assigned_to: Option<String>,
    pub contact_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecurringTaskEnvelope {
    recurring_task: RecurringTask,
}

/// The answer to a delete: `{id, success}` (not the `succeded` of other deletes).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct RecurringTaskDeleted {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub success: bool,
}

fn check_rule(rule: &RecurrenceRule) -> Result<(), GhlError> {
    if rule.interval == 0 {
        return Err(GhlError::InvalidInput(
            "the rule's interval must be at least 1".into(),
        ));
    }
    if rule.start_date.trim().is_empty() {
        return Err(GhlError::InvalidInput(
            "the rule's start date is empty".into(),
        ));
    }
    Ok(())
}

fn check_ids(what: &str, ids: Option<&Vec<String>>) -> Result<(), GhlError> {
    ids.into_iter()
        .flatten()
        .try_for_each(|id| validate_record_id(what, id))
}

impl GhlClient {
    /// `GET /locations/{locationId}/recurring-tasks/{id}` (scope `locations/tasks.readonly`).
    pub async fn get_recurring_task(
        &self,
        location_id: &str,
        task_id: &str,
    ) -> Result<GhlResponse<RecurringTask>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("recurring task id", task_id)?;
        let response = self
            .call(
                Method::GET,
                &["locations", location_id, "recurring-tasks", task_id],
            )
            .send::<RecurringTaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.recurring_task))
    }

    /// `POST /locations/{locationId}/recurring-tasks` (scope `locations/tasks.write`).
    pub async fn create_recurring_task(
        &self,
        location_id: &str,
        task: &CreateRecurringTask,
    ) -> Result<GhlResponse<RecurringTask>, GhlError> {
        validate_location_id(location_id)?;
        if task.title.trim().is_empty() {
            return Err(GhlError::InvalidInput(
                "the recurring task's title is empty".into(),
            ));
        }
        check_rule(&task.rrule_options)?;
        check_ids("contact id", task.contact_ids.as_ref())?;
        check_ids("user id", task.owners.as_ref())?;
        let response = self
            .call(Method::POST, &["locations", location_id, "recurring-tasks"])
            .json(task)?
            .send::<RecurringTaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.recurring_task))
    }

    /// `PUT /locations/{locationId}/recurring-tasks/{id}` (scope `locations/tasks.write`).
    pub async fn update_recurring_task(
        &self,
        location_id: &str,
        task_id: &str,
        task: &UpdateRecurringTask,
    ) -> Result<GhlResponse<RecurringTask>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("recurring task id", task_id)?;
        if let Some(rule) = &task.rrule_options {
            check_rule(rule)?;
        }
        check_ids("contact id", task.contact_ids.as_ref())?;
        check_ids("user id", task.owners.as_ref())?;
        let response = self
            .call(
                Method::PUT,
                &["locations", location_id, "recurring-tasks", task_id],
            )
            .json(task)?
            .send::<RecurringTaskEnvelope>()
            .await?;
        Ok(response.map(|e| e.recurring_task))
    }

    /// `DELETE /locations/{locationId}/recurring-tasks/{id}` (scope `locations/tasks.write`).
    pub async fn delete_recurring_task(
        &self,
        location_id: &str,
        task_id: &str,
    ) -> Result<GhlResponse<RecurringTaskDeleted>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("recurring task id", task_id)?;
        self.call(
            Method::DELETE,
            &["locations", location_id, "recurring-tasks", task_id],
        )
        .send()
        .await
    }
}
