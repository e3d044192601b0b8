//! `nifty-ghl recipes list|validate|dry-run`: the recipes in force, their mistakes with file,
//! line and column, and the exact GHL requests sample events would make, with nothing sent.

use std::path::Path;

use engine::events::parse_event;
use engine::jobs::preview::planned_requests;
use engine::recipes::Recipes;
use serde_json::{Value, json};

use crate::app::load_config_file;
use crate::cli::{RecipesCommand, RecipesDryRunArgs};
use crate::commands::events_send::{content_id, read_records};
use crate::output::{input_error, print_json, table};

pub async fn run(
    config_path: &Path,
    json_output: bool,
    command: RecipesCommand,
) -> anyhow::Result<()> {
    let config = load_config_file(config_path)?;
    let dir = config.recipes.dir.clone();
    let mut recipes = Recipes::load(Some(&dir)).map_err(|errors| {
        input_error(format!(
            "{} mistakes in the recipes (folder {}):\n  {}",
            errors.0.len(),
            dir.display(),
            errors.0.join("\n  ")
        ))
    })?;
    // As `serve` runs them: those naming a store or timer the settings lack are off.
    recipes.fit_to_niftyimages(&config.niftyimages);
    match command {
        RecipesCommand::List => list(&recipes, json_output),
        RecipesCommand::Validate => {
            let on = recipes.all().iter().filter(|r| r.enabled).count();
            if json_output {
                print_json(
                    &json!({"recipes": recipes.all().len(), "enabled": on, "mistakes": []}),
                )?;
            } else {
                println!(
                    "{} recipes ({on} on), no mistakes (built-in, and {} from {})",
                    recipes.all().len(),
                    recipes.all().iter().filter(|r| !r.builtin).count(),
                    dir.display()
                );
            }
            Ok(())
        }
        RecipesCommand::DryRun(args) => dry_run(&recipes, &config, args, json_output),
    }
}

fn list(recipes: &Recipes, json_output: bool) -> anyhow::Result<()> {
    if json_output {
        let all: Vec<Value> = recipes
            .all()
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "description": r.description,
                    "enabled": r.enabled,
                    "events": r.events,
                    "when": r.when,
                    "steps": r.steps.iter().map(|s| s.action.name).collect::<Vec<_>>(),
                    "file": if r.builtin { "built-in".to_owned() } else { r.path.display().to_string() },
                })
            })
            .collect();
        return print_json(&all);
    }
    let mut out = table(&["NAME", "ON", "TRIGGER", "STEPS", "FROM"]);
    for recipe in recipes.all() {
        let trigger = match &recipe.when {
            Some(when) => format!("{} when {when}", recipe.events.join(", ")),
            None => recipe.events.join(", "),
        };
        out.add_row(vec![
            recipe.name.clone(),
            if recipe.enabled { "yes" } else { "no" }.to_owned(),
            trigger,
            recipe
                .steps
                .iter()
                .map(|s| s.action.name)
                .collect::<Vec<_>>()
                .join(" → "),
            if recipe.builtin {
                "built-in".to_owned()
            } else {
                recipe.path.display().to_string()
            },
        ]);
    }
    println!("{out}");
    Ok(())
}

fn dry_run(
    recipes: &Recipes,
    config: &engine::Config,
    args: RecipesDryRunArgs,
    json_output: bool,
) -> anyhow::Result<()> {
    let records = read_records(&args.event, args.format)?;
    let mut report = Vec::new();
    for record in &records {
        let event = parse_event(&record.event, "", Some(content_id(&record.event)))
            .map_err(|problem| input_error(format!("{}: {problem}", record.place)))?;
        let location = event
            .location_id
            .clone()
            .or_else(|| args.location.clone())
            .or_else(|| config.pipeline.default_location_id.clone())
            .ok_or_else(|| {
                input_error(format!(
                    "{}: the event names no location_id: give --location or set pipeline.default_location_id",
                    record.place
                ))
            })?;
        let now = store::now_millis();
        let jobs = recipes
            .plan(&event, &location, now)
            .map_err(|error| input_error(format!("{}: {error}", record.place)))?;
        let mut steps = Vec::new();
        for job in jobs {
            // `{event id}#{recipe}/{step}`.
            let origin = job
                .idempotency_key
                .rsplit_once('#')
                .map_or(job.idempotency_key.as_str(), |(_, origin)| origin)
                .to_owned();
            let requests = planned_requests(&job.kind, &job.payload, &location)
                .map_err(|e| anyhow::anyhow!("{}: {origin}: {e}", record.place))?;
            steps.push(json!({"recipe_step": origin, "job": job.kind, "requests": requests}));
        }
        report.push(
            json!({"event": event.id, "type": event.kind, "place": record.place, "steps": steps}),
        );
    }
    if json_output {
        return print_json(&report);
    }
    println!("Dry run: nothing is sent, stored or queued.");
    for event in &report {
        println!();
        println!(
            "{} ({}) — {}",
            event["event"].as_str().unwrap_or("?"),
            event["type"].as_str().unwrap_or("?"),
            event["place"].as_str().unwrap_or("?")
        );
        let steps = event["steps"].as_array().cloned().unwrap_or_default();
        if steps.is_empty() {
            println!("  no recipe takes it");
        }
        for step in steps {
            println!("  recipe {}:", step["recipe_step"].as_str().unwrap_or("?"));
            for request in step["requests"].as_array().into_iter().flatten() {
                println!(
                    "    {} {}",
                    request["method"].as_str().unwrap_or("?"),
                    request["path"].as_str().unwrap_or("?")
                );
                if let Some(note) = request["note"].as_str() {
                    println!("      ({note})");
                }
                let body = serde_json::to_string_pretty(&request["body"])?;
                for line in body.lines() {
                    println!("      {line}");
                }
            }
        }
    }
    Ok(())
}
