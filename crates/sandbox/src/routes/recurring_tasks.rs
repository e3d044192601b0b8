//! `/locations/{locationId}/recurring-tasks…`. The spec gives none of these calls a scope;
//! reads ask for `locations/tasks.readonly` (the task search's) and writes for its write twin
//! `locations/tasks.write`.

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, reply};
use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::checker::{Checker, is_iso8601, parse_json};
use crate::views;
use crate::world::model::RecurringTask;
use crate::world::recurring_tasks::RecurringInput;

const READ: &str = "locations/tasks.readonly";
const WRITE: &str = "locations/tasks.write";

const INTERVAL_TYPES: &[&str] = &["yearly", "monthly", "weekly", "daily", "hourly"];
const WEEKDAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// A whole number from `min` to `max`, or the class-validator messages for it.
fn whole(check: &mut Checker<'_>, name: &'static str, required: bool, (min, max): (f64, f64)) {
    match check.raw(name) {
        None if !required => {}
        Some(Value::Number(n)) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if n.fract() != 0.0 {
                check.complain(format!("{name} must be an integer number"));
            } else if n < min {
                check.complain(format!("{name} must not be less than {min}"));
            } else if n > max {
                check.complain(format!("{name} must not be greater than {max}"));
            }
        }
        _ => check.complain(format!(
            "{name} must be a number conforming to the specified constraints"
        )),
    }
}

fn one_of(check: &mut Checker<'_>, name: &'static str, required: bool, allowed: &[&str]) {
    match check.raw(name) {
        None if !required => {}
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
        _ => check.complain(format!(
            "{name} must be one of the following values: {}",
            allowed.join(", ")
        )),
    }
}

fn date(check: &mut Checker<'_>, name: &'static str, required: bool) {
    match check.raw(name) {
        None if !required => {}
        Some(Value::String(s)) if is_iso8601(s) => {}
        _ => check.complain(format!("{name} must be a valid ISO 8601 date string")),
    }
}

/// The messages `CustomRRulesOptions` gives, each prefixed with `rruleOptions.` as
/// class-validator prefixes a nested object's.
fn rule_messages(rule: &Value) -> Vec<String> {
    let mut check = match Checker::new(rule) {
        Ok(check) => check,
        Err(_) => {
            return vec!["nested property rruleOptions must be either object or array".into()];
        }
    };
    one_of(&mut check, "intervalType", true, INTERVAL_TYPES);
    whole(&mut check, "interval", true, (1.0, 1000.0));
    date(&mut check, "startDate", true);
    date(&mut check, "endDate", false);
    whole(&mut check, "dayOfMonth", false, (1.0, 31.0));
    one_of(&mut check, "dayOfWeek", false, WEEKDAYS);
    whole(&mut check, "monthOfYear", false, (1.0, 12.0));
    whole(&mut check, "count", false, (1.0, f64::MAX));
    check.boolean("createTaskIfOverDue");
    whole(&mut check, "dueAfterSeconds", true, (0.0, f64::MAX));
    match check.finish() {
        Ok(()) => Vec::new(),
        Err(ApiError::Unprocessable(messages)) => messages
            .into_iter()
            .map(|m| format!("rruleOptions.{m}"))
            .collect(),
        Err(other) => vec![other.body()["message"].to_string()],
    }
}

/// `RecurringTaskCreateDTO` when `creating` (title and rruleOptions required), else
/// `RecurringTaskUpdateDTO` (all optional).
fn recurring_input(body: &[u8], creating: bool) -> Result<RecurringInput, ApiError> {
    let body = parse_json(body)?;
    let mut check = Checker::new(&body)?;
    let title = if creating {
        check.required_string("title")
    } else {
        check.string("title", false).flatten()
    };
    let description = check.string("description", false).flatten();
    let contact_ids = check.string_array("contactIds", false);
    let owners = check.string_array("owners", false);
    let rule = check.raw("rruleOptions").cloned();
    match &rule {
        Some(rule) => {
            for message in rule_messages(rule) {
                check.complain(message);
            }
        }
        None if creating => {
            check.complain("nested property rruleOptions must be either object or array")
        }
        None => {}
    }
    let ignore_task_creation = check.boolean("ignoreTaskCreation");
    check.finish()?;
    Ok(RecurringInput {
        title,
        description,
        contact_ids,
        owners,
        rrule_options: rule,
        ignore_task_creation,
    })
}

fn answer(status: StatusCode, task: &RecurringTask, location: &str) -> Result<Response, ApiError> {
    reply(
        status,
        json!({"recurringTask": views::recurring_task(task, location)}),
    )
}

pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(&location_id)?;
    let task = state.world.lock().recurring_task(location, &id)?;
    answer(StatusCode::OK, &task, location)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let input = recurring_input(&body, true)?;
    let task = state.mutate(|world, ctx| world.create_recurring_task(location, input, ctx))?;
    answer(StatusCode::CREATED, &task, location)
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let input = recurring_input(&body, false)?;
    let task = state.mutate(|world, ctx| world.update_recurring_task(location, &id, input, ctx))?;
    answer(StatusCode::OK, &task, location)
}

/// Answers `{id, success}` (`DeleteRecurringTaskResponseDTO`), not `succeded`.
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    state.mutate(|world, _| world.delete_recurring_task(location, &id))?;
    reply(StatusCode::OK, json!({"id": id, "success": true}))
}
