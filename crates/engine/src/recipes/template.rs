//! Recipe templates: MiniJinja, strict (a missing field is an error, never an empty string),
//! with the filters mappings need: name splitting, E.164 phones, due dates.
//!
//! An input that is exactly one `{{ expression }}` keeps the expression's type (a list of
//! tags, a map of custom fields, true or false) and is left out when the expression names an
//! optional field the event does not have. Any other template renders to text.

use chrono::{DateTime, Datelike, Duration as Days, NaiveTime, Utc, Weekday};
use minijinja::value::Value as TemplateValue;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::Value;

/// The one environment every recipe renders in.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("first_name", first_name);
    env.add_filter("last_name", last_name);
    env.add_filter("e164", e164);
    env.add_filter("due_in", due_in);
    env.add_filter("past_tense", past_tense);
    env.add_filter("iso_datetime", iso_datetime);
    env
}

/// A compiled input: typed (one expression) or text.
#[derive(Debug, Clone)]
pub enum Input {
    Expression(String),
    Text(String),
    /// A list whose items are inputs (`tags = ["vip", "{{ event.data.campaignId }}"]`).
    List(Vec<Input>),
    /// A table whose values are inputs (`customFields = { nifty_id = "{{ … }}" }`).
    Table(Vec<(String, Input)>),
    /// A number, boolean or date written as it is in the TOML.
    Literal(Value),
}

impl Input {
    /// Sorts a TOML value into the kind of input it is.
    pub fn from_toml(value: &toml::Value) -> Input {
        match value {
            toml::Value::String(text) => match single_expression(text) {
                Some(expression) => Input::Expression(expression.to_owned()),
                None => Input::Text(text.clone()),
            },
            toml::Value::Array(items) => Input::List(items.iter().map(Input::from_toml).collect()),
            toml::Value::Table(table) => Input::Table(
                table
                    .iter()
                    .map(|(key, value)| (key.clone(), Input::from_toml(value)))
                    .collect(),
            ),
            other => Input::Literal(serde_json::to_value(other).unwrap_or(Value::Null)),
        }
    }

    /// Checks the syntax; the error's line is within the template.
    pub fn compile(&self, env: &Environment<'static>) -> Result<(), Error> {
        match self {
            Input::Expression(expression) => env.compile_expression(expression).map(|_| ()),
            Input::Text(text) => env.template_from_str(text).map(|_| ()),
            Input::List(items) => items.iter().try_for_each(|item| item.compile(env)),
            Input::Table(entries) => entries.iter().try_for_each(|(_, value)| value.compile(env)),
            Input::Literal(_) => Ok(()),
        }
    }

    /// The variables the input reads, as dotted paths (`event.data.email`).
    pub fn reads(&self, env: &Environment<'static>) -> Vec<String> {
        let found = match self {
            Input::Expression(expression) => env
                .compile_expression(expression)
                .map(|e| e.undeclared_variables(true)),
            Input::Text(text) => env
                .template_from_str(text)
                .map(|t| t.undeclared_variables(true)),
            Input::List(items) => return merged(items.iter().map(|item| item.reads(env))),
            Input::Table(entries) => {
                return merged(entries.iter().map(|(_, value)| value.reads(env)));
            }
            Input::Literal(_) => return Vec::new(),
        };
        let mut paths: Vec<String> = found.unwrap_or_default().into_iter().collect();
        paths.sort();
        paths
    }

    /// The input's value for `context`, `None` when a single expression reads a field the
    /// event does not have.
    pub fn render(
        &self,
        env: &Environment<'static>,
        context: &TemplateValue,
    ) -> Result<Option<Value>, Error> {
        match self {
            Input::Literal(value) => Ok(Some(value.clone())),
            // Items and entries that read a missing field are left out, as inputs are.
            Input::List(items) => {
                let mut values = Vec::new();
                for item in items {
                    values.extend(item.render(env, context)?);
                }
                Ok(Some(Value::Array(values)))
            }
            Input::Table(entries) => {
                let mut values = serde_json::Map::new();
                for (key, value) in entries {
                    if let Some(value) = value.render(env, context)? {
                        values.insert(key.clone(), value);
                    }
                }
                Ok(Some(Value::Object(values)))
            }
            Input::Text(text) => env
                .template_from_str(text)?
                .render(context)
                .map(|t| Some(Value::String(t))),
            Input::Expression(expression) => {
                let compiled = env.compile_expression(expression)?;
                typed(compiled.eval(context), &self.reads(env), context)
            }
        }
    }
}

/// An input compiled once for the life of the process: rendering it parses nothing.
pub enum Compiled {
    Expression {
        expression: minijinja::Expression<'static, 'static>,
        reads: Vec<String>,
    },
    Text(minijinja::Template<'static, 'static>),
    List(Vec<Compiled>),
    Table(Vec<(String, Compiled)>),
    Literal(Value),
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiled")
    }
}

impl Input {
    /// Compiles the input in `env`, which lives as long as the process (see
    /// [`super::Recipes::load`]); text sources are kept for as long.
    pub fn compiled(&self, env: &'static Environment<'static>) -> Result<Compiled, Error> {
        Ok(match self {
            Input::Expression(expression) => Compiled::Expression {
                expression: env.compile_expression_owned(expression.clone())?,
                reads: self.reads(env),
            },
            Input::Text(text) => {
                let source: &'static str = Box::leak(text.clone().into_boxed_str());
                Compiled::Text(env.template_from_str(source)?)
            }
            Input::List(items) => Compiled::List(
                items
                    .iter()
                    .map(|item| item.compiled(env))
                    .collect::<Result<_, _>>()?,
            ),
            Input::Table(entries) => Compiled::Table(
                entries
                    .iter()
                    .map(|(key, value)| Ok((key.clone(), value.compiled(env)?)))
                    .collect::<Result<_, Error>>()?,
            ),
            Input::Literal(value) => Compiled::Literal(value.clone()),
        })
    }
}

impl Compiled {
    /// As [`Input::render`], without parsing.
    pub fn render(&self, context: &TemplateValue) -> Result<Option<Value>, Error> {
        match self {
            Compiled::Literal(value) => Ok(Some(value.clone())),
            Compiled::Text(template) => template.render(context).map(|t| Some(Value::String(t))),
            Compiled::List(items) => {
                let mut values = Vec::new();
                for item in items {
                    values.extend(item.render(context)?);
                }
                Ok(Some(Value::Array(values)))
            }
            Compiled::Table(entries) => {
                let mut values = serde_json::Map::new();
                for (key, value) in entries {
                    if let Some(value) = value.render(context)? {
                        values.insert(key.clone(), value);
                    }
                }
                Ok(Some(Value::Object(values)))
            }
            Compiled::Expression { expression, reads } => {
                typed(expression.eval(context), reads, context)
            }
        }
    }
}

/// A single expression's value: `None` when it is empty or reads a field the event lacks.
fn typed(
    result: Result<TemplateValue, Error>,
    reads: &[String],
    context: &TemplateValue,
) -> Result<Option<Value>, Error> {
    match result {
        Ok(value) if value.is_undefined() || value.is_none() => Ok(None),
        Ok(value) => {
            Ok(Some(serde_json::to_value(&value).map_err(|e| {
                Error::new(ErrorKind::InvalidOperation, e.to_string())
            })?))
        }
        // A field the event lacks, even behind a filter (`phone | e164`), leaves the input
        // out; a default would have kept the expression from failing.
        Err(_) if reads.iter().any(|path| !defined(context, path)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The paths of several inputs, sorted, once each.
fn merged(all: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    let mut paths: Vec<String> = all.flatten().collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Whether the dotted `path` (`event.data.phone`) names a value in `context`.
fn defined(context: &TemplateValue, path: &str) -> bool {
    let mut value = context.clone();
    for part in path.split('.') {
        match value.get_attr(part) {
            Ok(next) if !next.is_undefined() => value = next,
            _ => return false,
        }
    }
    true
}

/// `expr` when `text` is `{{ expr }}` and nothing else.
fn single_expression(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%")).then(|| inner.trim())
}

fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.split_once(char::is_whitespace) {
        Some((first, rest)) => (first.to_owned(), rest.trim().to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// "Ann Marie Lee" → "Ann".
fn first_name(name: &str) -> String {
    split_name(name).0
}

/// "Ann Marie Lee" → "Marie Lee"; "" for a single name.
fn last_name(name: &str) -> String {
    split_name(name).1
}

/// A phone in E.164: `+` and digits. Spaces, dots, dashes and brackets go; a number without
/// `+` gets `country` (default 1) in front, unless it already starts with it and is long
/// enough to hold it.
fn e164(phone: &str, country: Option<&str>) -> Result<String, Error> {
    let country = country.unwrap_or("1");
    let plus = phone.trim_start().starts_with('+');
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let allowed = |c: char| c.is_ascii_digit() || " .-()+/".contains(c);
    if digits.len() < 7 || !phone.chars().all(allowed) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{phone:?} is not a phone number"),
        ));
    }
    let has_country = plus || (digits.starts_with(country) && digits.len() > 10);
    let full = if has_country {
        digits
    } else {
        format!("{country}{}", digits.trim_start_matches('0'))
    };
    if full.len() > 15 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{phone:?} has more digits than E.164 allows"),
        ));
    }
    Ok(format!("+{full}"))
}

/// "open" → "opened", as the task titles say it.
/// An ISO-8601 instant from ISO-8601 or GHL's appointment form `2021-07-16 11:00:00` (taken
/// as UTC: the webhook says no zone).
fn iso_datetime(value: &str) -> Result<String, Error> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(value.trim()) {
        return Ok(at
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    chrono::NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M:%S")
        .map(|at| {
            at.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .map_err(|_| {
            Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("{value:?} is not a date-time (ISO-8601 or 2021-07-16 11:00:00)"),
            )
        })
}

fn past_tense(kind: &str) -> String {
    match kind {
        "open" => "opened".into(),
        "click" => "clicked".into(),
        "submit" => "submitted".into(),
        "preview" => "previewed".into(),
        other => format!("{other}ed"),
    }
}

/// A due date `spec` after the ISO-8601 `from`: "1 business day" (09:00 UTC on the N-th
/// weekday after), "3 days", "2 hours", "30 minutes". ISO-8601 in UTC with milliseconds, as
/// GHL writes dates.
fn due_in(from: &str, spec: &str) -> Result<String, Error> {
    let bad = |message: String| Error::new(ErrorKind::InvalidOperation, message);
    let from = DateTime::parse_from_rfc3339(from)
        .map_err(|_| bad(format!("due_in: {from:?} is not an ISO-8601 date-time")))?
        .with_timezone(&Utc);
    let mut words = spec.split_whitespace();
    let count: i64 = words
        .next()
        .and_then(|n| n.parse().ok())
        .filter(|n| (0..=3650).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "due_in: {spec:?} must start with a number of days, hours or minutes"
            ))
        })?;
    let unit: Vec<&str> = words.collect();
    let due = match unit.as_slice() {
        ["business", "day" | "days"] => {
            let mut day = from.date_naive();
            let mut left = count;
            while left > 0 {
                day += Days::days(1);
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    left -= 1;
                }
            }
            day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time"))
                .and_utc()
        }
        ["day" | "days"] => from + Days::days(count),
        ["hour" | "hours"] => from + Days::hours(count),
        ["minute" | "minutes"] => from + Days::minutes(count),
        _ => {
            return Err(bad(format!(
                "due_in: {spec:?}: say \"N business days\", \"N days\", \"N hours\" or \"N minutes\""
            )));
        }
    };
    Ok(due.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(template: &str, context: Value) -> Result<Option<Value>, Error> {
        let env = environment();
        let input = Input::from_toml(&toml::Value::String(template.into()));
        input.compile(&env)?;
        input.render(&env, &TemplateValue::from_serialize(&context))
    }

    #[test]
    fn a_single_expression_keeps_its_type_and_a_missing_optional_field_leaves_the_input_out() {
        let event = json!({"event": {"data": {"tags": ["a", "b"], "done": true}}});
        assert_eq!(
            render("{{ event.data.tags }}", event.clone()).unwrap(),
            Some(json!(["a", "b"]))
        );
        assert_eq!(
            render("{{ event.data.done }}", event.clone()).unwrap(),
            Some(json!(true))
        );
        assert_eq!(
            render("{{ event.data.phone }}", event.clone()).unwrap(),
            None
        );
        // In text, a missing field is an error, not an empty string.
        let error = render("Hi {{ event.data.phone }}", event.clone()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UndefinedError);
        assert_eq!(
            render("Hi {{ event.data.phone | default('there') }}", event).unwrap(),
            Some(json!("Hi there"))
        );
    }

    #[test]
    fn lists_and_tables_render_each_item_and_drop_the_missing() {
        let env = environment();
        let value: toml::Value = toml::from_str(
            "x = { tags = [\"vip\", \"{{ event.data.campaignId }}\", \"{{ event.data.nope }}\"], fields = { nifty_id = \"{{ event.data.contactId }}\", phone = \"{{ event.data.phone }}\", score = 3 } }",
        )
        .unwrap();
        let input = Input::from_toml(&value["x"]);
        input.compile(&env).unwrap();
        let context = json!({"event": {"data": {"campaignId": "bf", "contactId": "ni-1"}}});
        assert_eq!(
            input
                .render(&env, &TemplateValue::from_serialize(&context))
                .unwrap(),
            Some(json!({"tags": ["vip", "bf"], "fields": {"nifty_id": "ni-1", "score": 3}}))
        );
        assert_eq!(
            input.reads(&env),
            [
                "event.data.campaignId",
                "event.data.contactId",
                "event.data.nope",
                "event.data.phone"
            ]
        );
    }

    #[test]
    fn names_split_and_phones_become_e164() {
        let context = json!({"n": "Ann Marie Lee", "p": "(415) 555-0100", "q": "+44 20 7946 0958"});
        assert_eq!(
            render("{{ n | first_name }}", context.clone()).unwrap(),
            Some(json!("Ann"))
        );
        assert_eq!(
            render("{{ n | last_name }}", context.clone()).unwrap(),
            Some(json!("Marie Lee"))
        );
        assert_eq!(
            render("{{ p | e164 }}", context.clone()).unwrap(),
            Some(json!("+14155550100"))
        );
        assert_eq!(
            render("{{ q | e164 }}", context.clone()).unwrap(),
            Some(json!("+442079460958"))
        );
        assert_eq!(
            render("{{ '030 1234567' | e164('49') }}", context.clone()).unwrap(),
            Some(json!("+49301234567"))
        );
        assert!(render("{{ 'call me' | e164 }}", context).is_err());
    }

    #[test]
    fn due_dates_count_business_days_from_the_event() {
        // 2026-11-27 is a Friday.
        let context = json!({"at": "2026-11-27T15:30:00Z"});
        assert_eq!(
            render("{{ at | due_in('1 business day') }}", context.clone()).unwrap(),
            Some(json!("2026-11-30T09:00:00.000Z"))
        );
        assert_eq!(
            render("{{ at | due_in('2 days') }}", context.clone()).unwrap(),
            Some(json!("2026-11-29T15:30:00.000Z"))
        );
        let error = render("{{ at | due_in('2 weeks') }}", context).unwrap_err();
        assert!(error.to_string().contains("N business days"), "{error}");
    }

    #[test]
    fn syntax_errors_are_found_before_any_event() {
        let env = environment();
        let input = Input::from_toml(&toml::Value::String("Hi {{ event.data.name ".into()));
        assert!(input.compile(&env).is_err());
    }
}
