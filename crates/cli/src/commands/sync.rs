//! `nifty-ghl sync`: the initial backfill (and a manual reconciliation). Reads each location's
//! contacts changed since its checkpoint from GHL and stores them as `ContactUpdate` events,
//! with the jobs their recipes make; `nifty-ghl serve` delivers them. Resumable: the checkpoint
//! moves after each page, so an interrupted sync goes on where it stopped.

use std::path::Path;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use crate::app::App;
use crate::cli::SyncArgs;
use crate::output::input_error;

pub async fn run(config_path: &Path, json: bool, args: SyncArgs) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let store = Arc::clone(app.connections.vault().store());
    let mut recipes = engine::recipes::Recipes::load(Some(&app.config.recipes.dir))
        .map_err(|e| input_error(e.to_string()))?;
    recipes.fit_to_niftyimages(&app.config.niftyimages);
    if !engine::reconcile::wanted(&recipes) {
        return Err(input_error(
            "no enabled recipe starts from GHL contact events, so a sync would feed nothing: configure [niftyimages.stores.contacts] (or write such a recipe)",
        ));
    }
    let locations: Vec<String> = match &args.location {
        Some(location) => vec![location.clone()],
        None => app
            .connections
            .vault()
            .connections()
            .await?
            .into_iter()
            .filter_map(|c| c.location_id)
            .collect(),
    };
    if locations.is_empty() {
        return Err(input_error(
            "no location is connected: run `nifty-ghl connect` first",
        ));
    }
    let (ingestor, committer) = engine::ingest::Ingestor::start(
        Arc::clone(&store),
        Arc::new(recipes),
        None,
        app.config.pipeline.ingest_batch_max,
        Arc::new(tokio::sync::Notify::new()),
        Arc::default(),
    );
    // Paced within GHL's limits like the service's own reads. A `serve` running beside this
    // command spends the same GHL budget without knowing of these reads: sync at a quiet time,
    // or lower [pipeline] burst_max for it.
    let governor = engine::governor::Governor::new(engine::governor::Limits::from_settings(
        &app.config.pipeline,
    ));
    let mut summary = Vec::new();
    for location in &locations {
        if args.from_start {
            engine::reconcile::set_checkpoint(&store, location, "1970-01-01T00:00:00.000Z").await?;
        }
        let id =
            store::vault::connection_id(store::vault::UserType::Location, Some(location), None);
        let client = app.connections.client(&id).await?;
        let bar = if json {
            ProgressBar::hidden()
        } else {
            ProgressBar::new_spinner()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} contacts read")
                .expect("a valid template"),
        );
        bar.set_message(location.clone());
        let pass =
            engine::reconcile::run_pass(&client, &store, &ingestor, &governor, location, &|read| {
                bar.set_position(read as u64)
            })
            .await?;
        bar.finish_and_clear();
        if !json {
            println!(
                "{location}: {} contacts read, {} new events stored (checkpoint {})",
                pass.read,
                pass.accepted,
                pass.checkpoint.as_deref().unwrap_or("none")
            );
        }
        summary.push(serde_json::json!({
            "location": location, "read": pass.read, "accepted": pass.accepted,
            "checkpoint": pass.checkpoint,
        }));
    }
    drop(ingestor);
    let _ = committer.await;
    if json {
        println!("{}", serde_json::json!({"locations": summary}));
    } else {
        println!("`nifty-ghl serve` delivers the jobs these events made.");
    }
    Ok(())
}
