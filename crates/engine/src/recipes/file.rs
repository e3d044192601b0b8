//! One recipe file: read with the position of every value, then checked against the event
//! types, the actions and sample events, so that each mistake is reported with its file, line
//! and column before any real event meets it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::Environment;
use minijinja::value::Value as TemplateValue;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use toml::Spanned;

use super::actions::{self, Action};
use super::template::{Compiled, Input};
use super::{RunError, describe, gather};
use crate::events::{self, DataField, Event, FieldKind, all_event_types};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeFile {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "enabled")]
    enabled: bool,
    trigger: TriggerFile,
    steps: Spanned<Vec<StepFile>>,
}

fn enabled() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerFile {
    events: Spanned<Vec<Spanned<String>>>,
    when: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    action: Spanned<String>,
    #[serde(default)]
    input: BTreeMap<String, Spanned<toml::Value>>,
}

/// A recipe that passed its checks.
#[derive(Debug)]
pub struct Recipe {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// Shipped with nifty-ghl (not from the recipes folder).
    pub builtin: bool,
    pub path: PathBuf,
    pub events: Vec<String>,
    pub when: Option<String>,
    when_compiled: Option<minijinja::Expression<'static, 'static>>,
    pub steps: Vec<Step>,
    /// The file as written.
    pub source: String,
}

#[derive(Debug)]
pub struct Step {
    pub action: &'static Action,
    pub inputs: Vec<(String, Input)>,
    /// The same inputs, compiled once (empty while the recipe is being checked).
    compiled: Vec<(String, Compiled)>,
}

impl Step {
    /// The value of input `name` when it is plain text with no template in it.
    pub fn literal_input(&self, name: &str) -> Option<String> {
        self.inputs.iter().find_map(|(input, value)| match value {
            Input::Text(text) if input == name && !text.contains("{{") && !text.contains("{%") => {
                Some(text.clone())
            }
            _ => None,
        })
    }

    /// Renders the inputs for a sample while the recipe is checked (parsing each time).
    fn render(
        &self,
        env: &Environment<'static>,
        context: &TemplateValue,
    ) -> Result<Map<String, Value>, String> {
        gather(
            self.inputs
                .iter()
                .map(|(name, input)| (name, input.render(env, context))),
        )
    }

    /// Renders the inputs for an event from their compiled form.
    pub(super) fn render_compiled(
        &self,
        context: &TemplateValue,
    ) -> Result<Map<String, Value>, String> {
        gather(
            self.compiled
                .iter()
                .map(|(name, input)| (name, input.render(context))),
        )
    }
}

impl Recipe {
    /// Whether `event` meets the trigger.
    pub(super) fn matches(&self, event: &Event, context: &TemplateValue) -> Result<bool, RunError> {
        if !self.events.contains(&event.kind) {
            return Ok(false);
        }
        let Some(when) = &self.when_compiled else {
            return Ok(true);
        };
        when.eval(context)
            .map(|v| v.is_true())
            .map_err(|error| RunError {
                recipe: self.name.clone(),
                step: 0,
                action: "trigger.when".into(),
                message: describe(&error),
            })
    }
}

/// Where a byte offset of `text` is, as `line:column` (both from 1).
fn position(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{column}")
}

/// Reads and checks one recipe file; every problem found, each with its place.
pub(super) fn parse(
    path: &Path,
    text: &str,
    env: &'static Environment<'static>,
) -> Result<Recipe, Vec<String>> {
    let at = |offset: usize| format!("{}:{}", path.display(), position(text, offset));
    let file: RecipeFile = toml::from_str(text).map_err(|error| {
        let place = error
            .span()
            .map_or_else(|| path.display().to_string(), |span| at(span.start));
        vec![format!("{place}: {}", error.message().trim())]
    })?;
    let mut problems = Vec::new();
    let name = file.name.get_ref().trim().to_owned();
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !name_ok {
        problems.push(format!(
            "{}: name must be lower-case letters, digits, - and _, like \"campaign-follow-up\"",
            at(file.name.span().start)
        ));
    }
    let mut kinds = Vec::new();
    if file.trigger.events.get_ref().is_empty() {
        problems.push(format!(
            "{}: trigger.events names no event type; known: {}",
            at(file.trigger.events.span().start),
            all_event_types().join(", ")
        ));
    }
    for kind in file.trigger.events.get_ref() {
        if all_event_types().contains(&kind.get_ref().as_str()) {
            kinds.push(kind.get_ref().clone());
        } else {
            problems.push(format!(
                "{}: unknown event type {:?}; known: {}",
                at(kind.span().start),
                kind.get_ref(),
                all_event_types().join(", ")
            ));
        }
    }
    let mut samples: Vec<(String, String, TemplateValue)> =
        kinds.iter().flat_map(|kind| samples(kind)).collect();

    let when = file.trigger.when.as_ref().map(|w| w.get_ref().clone());
    if let Some(spanned) = &file.trigger.when {
        let place = at(spanned.span().start);
        match env.compile_expression(spanned.get_ref()) {
            Err(error) => problems.push(format!("{place}: trigger.when: {}", describe(&error))),
            Ok(expression) => {
                let mut reads: Vec<String> =
                    expression.undeclared_variables(true).into_iter().collect();
                reads.sort();
                if let Some(problem) = unknown_field(&reads, &kinds) {
                    problems.push(format!("{place}: trigger.when: {problem}"));
                }
                for (kind, variant, context) in &samples {
                    if let Err(error) = expression.eval(context) {
                        problems.push(format!(
                            "{place}: trigger.when, for a {kind} event {variant}: {} (test optional fields with `is defined`)",
                            describe(&error)
                        ));
                        break;
                    }
                }
            }
        }
    }

    // The steps only ever see events the trigger lets through. A filter on values the samples
    // cannot guess (`formId == 'bf-form'`) lets none through: then only what holds for every
    // event is checked here (syntax, fields, inputs), and the rest is a clear run error.
    if let Some(when) = &when
        && let Ok(expression) = env.compile_expression(when)
    {
        samples.retain(|(_, _, context)| expression.eval(context).is_ok_and(|v| v.is_true()));
    }
    if file.steps.get_ref().is_empty() {
        problems.push(format!(
            "{}: a recipe needs at least one step",
            at(file.steps.span().start)
        ));
    }
    let mut steps = Vec::new();
    for (index, step) in file.steps.get_ref().iter().enumerate() {
        let number = index + 1;
        let action_place = at(step.action.span().start);
        let Some(action) = actions::find(step.action.get_ref()) else {
            let known: Vec<&str> = actions::ACTIONS.iter().map(|a| a.name).collect();
            let catalog = if crate::catalog::find(step.action.get_ref()).is_some() {
                " (it is in the operations catalog, but recipes cannot run it yet)"
            } else {
                ""
            };
            problems.push(format!(
                "{action_place}: step {number}: unknown action {:?}{catalog}; recipes can use: {}",
                step.action.get_ref(),
                known.join(", ")
            ));
            continue;
        };
        let mut inputs = Vec::new();
        let mut step_ok = true;
        for (input_name, value) in &step.input {
            let place = at(value.span().start);
            let Some(spec) = action.inputs.iter().find(|s| s.name == input_name) else {
                let known: Vec<&str> = action.inputs.iter().map(|s| s.name).collect();
                problems.push(format!(
                    "{place}: step {number}: {} takes no input {input_name:?}; it takes: {}",
                    action.name,
                    known.join(", ")
                ));
                step_ok = false;
                continue;
            };
            let input = Input::from_toml(value.get_ref());
            if let Err(error) = input.compile(env) {
                let line = error.line().unwrap_or(1);
                problems.push(format!(
                    "{place}: step {number}, input {input_name}{}: {}",
                    if line > 1 {
                        format!(" (template line {line})")
                    } else {
                        String::new()
                    },
                    describe(&error)
                ));
                step_ok = false;
                continue;
            }
            if let Some(problem) = unknown_field(&input.reads(env), &kinds) {
                problems.push(format!(
                    "{place}: step {number}, input {input_name}: {problem}"
                ));
                step_ok = false;
                continue;
            }
            // In text, a field the event may lack is an error unless it has a default.
            for (kind, variant, context) in &samples {
                match input.render(env, context) {
                    Ok(None) if spec.required => {
                        problems.push(format!(
                            "{place}: step {number}, input {input_name} is required, but a {kind} event {variant} gives it no value"
                        ));
                        step_ok = false;
                        break;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        problems.push(format!(
                            "{place}: step {number}, input {input_name}, for a {kind} event {variant}: {}",
                            describe(&error)
                        ));
                        step_ok = false;
                        break;
                    }
                }
            }
            inputs.push((input_name.clone(), input));
        }
        let step_place = action_place.clone();
        for spec in action.inputs.iter().filter(|s| s.required) {
            if !step.input.contains_key(spec.name) {
                problems.push(format!(
                    "{step_place}: step {number}: {} needs input {} ({})",
                    action.name, spec.name, spec.about
                ));
                step_ok = false;
            }
        }
        let step = Step {
            action,
            inputs,
            compiled: Vec::new(),
        };
        if step_ok {
            // The whole step against every sample: the job it makes must be valid.
            for (kind, variant, context) in &samples {
                let built = step
                    .render(env, context)
                    .and_then(|inputs| actions::build(action, &inputs, &Default::default()));
                if let Err(message) = built {
                    problems.push(format!(
                        "{step_place}: step {number} ({}), for a {kind} event {variant}: {message}",
                        action.name
                    ));
                    break;
                }
            }
        }
        steps.push(step);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Checked: compiled once, for every event to come.
    let compile_failed =
        |error: minijinja::Error| vec![format!("{}: {}", path.display(), describe(&error))];
    for step in &mut steps {
        step.compiled = step
            .inputs
            .iter()
            .map(|(name, input)| Ok((name.clone(), input.compiled(env)?)))
            .collect::<Result<_, minijinja::Error>>()
            .map_err(compile_failed)?;
    }
    let when_compiled = when
        .clone()
        .map(|when| env.compile_expression_owned(when))
        .transpose()
        .map_err(compile_failed)?;
    Ok(Recipe {
        name,
        description: file.description,
        enabled: file.enabled,
        builtin: path.starts_with("builtin"),
        path: path.to_owned(),
        events: kinds,
        when,
        when_compiled,
        steps,
        source: text.to_owned(),
    })
}

/// The first of `paths` that no event of `kinds` can have, said so that it can be fixed.
fn unknown_field(paths: &[String], kinds: &[String]) -> Option<String> {
    const ENVELOPE: [&str; 5] = ["id", "type", "occurred_at", "location_id", "data"];
    for path in paths {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["event"] | ["event", "data"] => {}
            ["event", "data", field, ..] => {
                let known = kinds
                    .iter()
                    .all(|kind| events::data_fields(kind).iter().any(|f| f.name == *field));
                if !known {
                    let names: Vec<&str> = kinds
                        .iter()
                        .flat_map(|kind| events::data_fields(kind).iter().map(|f| f.name))
                        .fold(Vec::new(), |mut names, name| {
                            if !names.contains(&name) {
                                names.push(name);
                            }
                            names
                        });
                    return Some(format!(
                        "{path}: {} events have no field {field:?} (they have: {})",
                        kinds.join(" and "),
                        names.join(", ")
                    ));
                }
            }
            ["event", field, ..] if !ENVELOPE.contains(field) => {
                return Some(format!(
                    "{path}: an event has no {field:?} (it has: {})",
                    ENVELOPE.join(", ")
                ));
            }
            ["event", ..] => {}
            [name, ..] => {
                return Some(format!(
                    "{path}: templates read the event as `event` (`event.data.email`), not {name:?}"
                ));
            }
            [] => {}
        }
    }
    None
}

/// Sample events of `kind` to try a recipe on: one with every field, and the least each
/// form of the event may carry.
fn samples(kind: &str) -> Vec<(String, String, TemplateValue)> {
    let fields = events::data_fields(kind);
    let value = |field: &DataField| match (field.name, field.kind) {
        ("kind", _) => json!("open"),
        ("phone", _) => json!("+14155550100"),
        (_, FieldKind::Text) => json!(format!("sample-{}", field.name)),
        (_, FieldKind::Email) => json!("ann@example.com"),
        (_, FieldKind::DateTime) => json!("2026-11-30T09:00:00Z"),
        (_, FieldKind::Bool) => json!(true),
        (_, FieldKind::Tags) => json!(["sample-tag"]),
        (_, FieldKind::Map) => json!({"sample_field": "sample value"}),
        ("customFields", FieldKind::List) => {
            json!([{"id": "sample-field", "value": "sample value"}])
        }
        (_, FieldKind::List) => json!([]),
        (_, FieldKind::Number) => json!(3),
    };
    let data = |take: &dyn Fn(&DataField) -> bool| -> Value {
        Value::Object(
            fields
                .iter()
                .filter(|f| take(f))
                .map(|f| (f.name.to_owned(), value(f)))
                .collect(),
        )
    };
    let mut variants = vec![
        ("with every field", data(&|_| true)),
        ("with only its required fields", data(&|f| f.required)),
    ];
    // Events that name their contact by contactId or email: each alone.
    let one_of = ["contactId", "email"];
    if fields
        .iter()
        .any(|f| one_of.contains(&f.name) && !f.required)
    {
        variants = vec![
            ("with every field", data(&|_| true)),
            (
                "with only contactId",
                data(&|f| f.required || f.name == "contactId"),
            ),
            (
                "with only email",
                data(&|f| f.required || f.name == "email"),
            ),
        ];
    }
    // Each kind of engagement, for `when` filters that pick some.
    let variants: Vec<(String, Value)> = variants
        .into_iter()
        .flat_map(|(variant, data)| {
            if data.get("kind").is_none() {
                return vec![(variant.to_owned(), data)];
            }
            ["open", "click", "submit", "preview"]
                .into_iter()
                .map(|engagement| {
                    let mut data = data.clone();
                    data["kind"] = json!(engagement);
                    (format!("({engagement}) {variant}"), data)
                })
                .collect()
        })
        .collect();
    variants
        .into_iter()
        .map(|(variant, data)| {
            let event = Event {
                id: "sample".into(),
                kind: kind.to_owned(),
                occurred_at: None,
                location_id: None,
                data,
            };
            (
                kind.to_owned(),
                variant,
                super::context(&event, "SampleLocation000001", 1_796_000_000_000),
            )
        })
        .collect()
}
