//! Recurring task rules. Unless told not to (`ignoreTaskCreation`), creating a rule makes its
//! first occurrence at once: one ordinary task per contact, due `dueAfterSeconds` after the
//! rule's start. Later occurrences are not generated (the sandbox's clock only moves when told).

use chrono::Duration;
use serde_json::Value;

use super::model::RecurringTask;
use super::{Ctx, World};
use crate::api_error::ApiError;
use crate::clock::iso_millis;
use crate::dto::TaskInput;

/// A create or update body, checked; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecurringInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub contact_ids: Option<Vec<String>>,
    pub owners: Option<Vec<String>>,
    pub rrule_options: Option<Value>,
    pub ignore_task_creation: Option<bool>,
}

impl World {
    pub fn recurring_task(&self, location_id: &str, id: &str) -> Result<RecurringTask, ApiError> {
        self.location(location_id)?
            .recurring_tasks
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Recurring task"))
    }

    pub fn create_recurring_task(
        &mut self,
        location_id: &str,
        input: RecurringInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<RecurringTask, ApiError> {
        let contact_ids = input.contact_ids.unwrap_or_default();
        for contact_id in &contact_ids {
            self.contact(location_id, contact_id)?;
        }
        let mut task = RecurringTask {
            id: ctx.ids.record_id(),
            title: input.title.unwrap_or_default(),
            description: input.description,
            contact_ids,
            owners: input.owners.unwrap_or_default(),
            rrule_options: input.rrule_options.unwrap_or(Value::Null),
            total_occurrence: 0,
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        if input.ignore_task_creation != Some(true) && !task.contact_ids.is_empty() {
            self.first_occurrence(location_id, &task, ctx)?;
            task.total_occurrence = 1;
        }
        self.location_mut(location_id)?
            .recurring_tasks
            .insert(task.id.clone(), task.clone());
        Ok(task)
    }

    /// One task per contact, each a TaskCreate like any other.
    fn first_occurrence(
        &mut self,
        location_id: &str,
        rule: &RecurringTask,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), ApiError> {
        let start = rule.rrule_options["startDate"]
            .as_str()
            .and_then(crate::checker::parse_iso8601)
            .unwrap_or(ctx.now);
        let due_after = rule.rrule_options["dueAfterSeconds"]
            .as_f64()
            .unwrap_or(0.0);
        let due = start + Duration::seconds(due_after as i64);
        for contact_id in &rule.contact_ids {
            let input = TaskInput {
                title: Some(rule.title.clone()),
                body: Some(rule.description.clone()),
                due_date: Some(iso_millis(due)),
                completed: Some(false),
                assigned_to: Some(rule.owners.first().cloned()),
            };
            self.create_task(location_id, contact_id, input, ctx)?;
        }
        Ok(())
    }

    /// Changes the rule; tasks already made stay as they are.
    pub fn update_recurring_task(
        &mut self,
        location_id: &str,
        id: &str,
        input: RecurringInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<RecurringTask, ApiError> {
        let mut task = self.recurring_task(location_id, id)?;
        if let Some(contact_ids) = &input.contact_ids {
            for contact_id in contact_ids {
                self.contact(location_id, contact_id)?;
            }
        }
        if let Some(title) = input.title {
            task.title = title;
        }
        if let Some(description) = input.description {
            task.description = Some(description);
        }
        if let Some(contact_ids) = input.contact_ids {
            task.contact_ids = contact_ids;
        }
        if let Some(owners) = input.owners {
            task.owners = owners;
        }
        if let Some(rule) = input.rrule_options {
            task.rrule_options = rule;
        }
        task.updated_at = ctx.now;
        self.location_mut(location_id)?
            .recurring_tasks
            .insert(task.id.clone(), task.clone());
        Ok(task)
    }

    pub fn delete_recurring_task(&mut self, location_id: &str, id: &str) -> Result<(), ApiError> {
        self.location_mut(location_id)?
            .recurring_tasks
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found("Recurring task"))
    }
}
