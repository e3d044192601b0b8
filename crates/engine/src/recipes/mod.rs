//! Recipes: the no-code mapping from NiftyImages events to GHL actions. A recipe is a TOML
//! file: a trigger (event types and an optional `when` filter) and steps, each an action from
//! the operations catalog with its inputs mapped by templates over the event.
//!
//! The built-in recipes (`builtin/*.toml`) implement the standard flows; a file in the recipes
//! folder with the same `name` replaces one (`enabled = false` turns it off), and other files
//! add recipes. Everything that can be known before an event arrives is checked when the
//! recipes load, with the file, line and column of the mistake.

pub mod actions;
mod file;
pub mod template;

use std::path::{Path, PathBuf};

use minijinja::Environment;
use minijinja::value::Value as TemplateValue;
use serde_json::{Map, Value, json};
use store::queue::NewJob;

use crate::events::Event;
pub use file::{Recipe, Step};

/// The built-in recipes, as shipped.
pub const BUILTIN: [(&str, &str); 7] = [
    (
        "builtin/contact-sync.toml",
        include_str!("builtin/contact-sync.toml"),
    ),
    (
        "builtin/signup-welcome.toml",
        include_str!("builtin/signup-welcome.toml"),
    ),
    (
        "builtin/campaign-follow-up.toml",
        include_str!("builtin/campaign-follow-up.toml"),
    ),
    (
        "builtin/timeline-notes.toml",
        include_str!("builtin/timeline-notes.toml"),
    ),
    (
        "builtin/ghl-contacts-to-data-store.toml",
        include_str!("builtin/ghl-contacts-to-data-store.toml"),
    ),
    (
        "builtin/ghl-contact-deleted-from-data-store.toml",
        include_str!("builtin/ghl-contact-deleted-from-data-store.toml"),
    ),
    (
        "builtin/appointment-timer.toml",
        include_str!("builtin/appointment-timer.toml"),
    ),
];

/// Mistakes in recipe files, each with its file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct RecipeErrors(pub Vec<String>);

/// Why an event could not be mapped: a recipe met data it cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("recipe {recipe}, step {step} ({action}): {message}")]
pub struct RunError {
    pub recipe: String,
    pub step: usize,
    pub action: String,
    pub message: String,
}

/// The recipes in force.
#[derive(Debug)]
pub struct Recipes {
    recipes: Vec<Recipe>,
    /// The configured Data Stores' unique fields (empty until [`Recipes::fit_to_niftyimages`]).
    stores: actions::StoreKeys,
}

impl Recipes {
    /// The built-in recipes alone.
    pub fn builtin() -> Self {
        Self::load(None).expect("the built-in recipes are valid")
    }

    /// The built-in recipes, replaced or added to by the `*.toml` files of `dir` (a folder
    /// that does not exist holds none). All mistakes are reported at once.
    pub fn load(dir: Option<&Path>) -> Result<Self, RecipeErrors> {
        // Recipes are compiled once and rendered for every event: their environment (and the
        // template sources) live as long as the process. A process loads its recipes once.
        let env: &'static Environment<'static> = Box::leak(Box::new(template::environment()));
        let mut sources: Vec<(PathBuf, String)> = BUILTIN
            .iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
            .collect();
        let mut errors = Vec::new();
        if let Some(dir) = dir.filter(|d| d.exists()) {
            match user_files(dir) {
                Ok(files) => sources.extend(files),
                Err(error) => errors.push(format!("{}: {error}", dir.display())),
            }
        }
        let mut recipes: Vec<Recipe> = Vec::new();
        for (path, text) in &sources {
            match file::parse(path, text, env) {
                Ok(recipe) => {
                    let builtin = path.starts_with("builtin");
                    match recipes.iter().position(|r| r.name == recipe.name) {
                        Some(index) if !builtin && recipes[index].builtin => {
                            recipes[index] = recipe;
                        }
                        Some(index) => errors.push(format!(
                            "{}: the name {:?} is already used by {}",
                            path.display(),
                            recipe.name,
                            recipes[index].path.display()
                        )),
                        None => recipes.push(recipe),
                    }
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
        if !errors.is_empty() {
            return Err(RecipeErrors(errors));
        }
        recipes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            recipes,
            stores: actions::StoreKeys::new(),
        })
    }

    /// Fits the recipes to the `[niftyimages]` settings: learns each Data Store's unique field
    /// (which orders a record's jobs), and turns off the recipes whose steps name a store or
    /// timer the settings lack (the built-in GHL → NiftyImages recipes, before `[niftyimages]`
    /// is set up), with a warning that says what to add.
    pub fn fit_to_niftyimages(&mut self, settings: &crate::config::NiftyImagesSettings) {
        self.stores = settings
            .stores
            .iter()
            .map(|(name, store)| (name.clone(), store.unique.clone()))
            .collect();
        for recipe in self.recipes.iter_mut().filter(|r| r.enabled) {
            let missing = recipe.steps.iter().find_map(|step| {
                let kind = actions::nifty_target(step.action.name)?;
                let name = step.literal_input(kind)?;
                let present = match kind {
                    "store" => settings.stores.contains_key(&name),
                    _ => settings.timers.contains_key(&name),
                };
                (!present).then(|| format!("[niftyimages.{kind}s.{name}]"))
            });
            if let Some(section) = missing {
                tracing::warn!(recipe = %recipe.name, "recipe {} is off: it needs {section} in the settings", recipe.name);
                recipe.enabled = false;
            }
        }
    }

    /// Whether an enabled recipe starts from events of `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.recipes
            .iter()
            .any(|r| r.enabled && r.events.iter().any(|k| k == kind))
    }

    /// Every recipe, on or off, by name.
    pub fn all(&self) -> &[Recipe] {
        &self.recipes
    }

    /// The jobs `event` makes for `location_id`, due at `now`: every step of every enabled
    /// recipe whose trigger it meets, in recipe-name and step order.
    pub fn plan(
        &self,
        event: &Event,
        location_id: &str,
        now: i64,
    ) -> Result<Vec<NewJob>, RunError> {
        // Most GHL webhooks start nothing: no context is built for them.
        if !self.wants(&event.kind) {
            return Ok(Vec::new());
        }
        let context = context(event, location_id, now);
        let from_ghl = crate::ghl_events::is_ghl_type(&event.kind);
        let mut jobs = Vec::new();
        for recipe in self.recipes.iter().filter(|r| r.enabled) {
            if !recipe.matches(event, &context)? {
                continue;
            }
            for (index, step) in recipe.steps.iter().enumerate() {
                let failed = |message: String| RunError {
                    recipe: recipe.name.clone(),
                    step: index + 1,
                    action: step.action.name.to_owned(),
                    message,
                };
                let inputs = step.render_compiled(&context).map_err(failed)?;
                let mut planned =
                    actions::build(step.action, &inputs, &self.stores).map_err(failed)?;
                if planned.kind == crate::jobs::CONTACT_UPSERT && from_ghl {
                    // GHL's webhook of this very write will come back here: only a change
                    // is written (see `ContactUpsert::only_if_changed`).
                    planned.payload["only_if_changed"] = Value::Bool(true);
                }
                jobs.push(NewJob {
                    kind: planned.kind.to_owned(),
                    location_id: location_id.to_owned(),
                    payload: planned.payload.to_string(),
                    idempotency_key: format!("{}#{}/{}", event.id, recipe.name, index + 1),
                    coalesce_key: planned
                        .coalesce
                        .then(|| format!("{}:{location_id}:{}", planned.kind, planned.who)),
                    // A contact's jobs of one lane run in the order their events came, and a
                    // task or note never runs before an upsert of its contact queued earlier
                    // (while an upsert never waits for a task or note that cannot find it).
                    entity_key: format!("{}:{location_id}:{}", planned.lane, planned.who),
                    after_key: (planned.lane != "contact")
                        .then(|| format!("contact:{location_id}:{}", planned.who)),
                    event_id: event.id.clone(),
                    run_at: now,
                });
            }
        }
        Ok(jobs)
    }
}

/// What templates see: `event` with `occurred_at` always set (the time it was received when
/// the producer gave none) and `location_id` the location it goes to.
pub(crate) fn context(event: &Event, location_id: &str, now: i64) -> TemplateValue {
    let occurred_at = event.occurred_at.clone().unwrap_or_else(|| {
        chrono::DateTime::from_timestamp_millis(now)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    TemplateValue::from_serialize(json!({"event": {
        "id": event.id,
        "type": event.kind,
        "occurred_at": occurred_at,
        "location_id": location_id,
        "data": event.data,
    }}))
}

fn user_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| std::fs::read_to_string(&path).map(|text| (path, text)))
        .collect()
}

/// Gathers a step's rendered inputs, leaving out those with no value (a single expression
/// reading a field the event lacks); the first error names its input.
fn gather<'a>(
    rendered: impl Iterator<Item = (&'a String, Result<Option<Value>, minijinja::Error>)>,
) -> Result<Map<String, Value>, String> {
    let mut inputs = Map::new();
    for (name, value) in rendered {
        match value {
            Ok(Some(value)) => {
                inputs.insert(name.clone(), value);
            }
            Ok(None) => {}
            Err(error) => return Err(format!("input {name}: {}", describe(&error))),
        }
    }
    Ok(inputs)
}

/// A template error in one line, without MiniJinja's source dump.
pub(crate) fn describe(error: &minijinja::Error) -> String {
    let mut text = match error.kind() {
        minijinja::ErrorKind::UndefinedError => {
            "reads a field the event does not have (give a default: `| default(…)`)".to_owned()
        }
        _ => error
            .detail()
            .map_or_else(|| error.kind().to_string(), str::to_owned),
    };
    if let Some(source) = std::error::Error::source(error) {
        text.push_str(&format!(": {source}"));
    }
    text
}

#[cfg(test)]
mod tests;
