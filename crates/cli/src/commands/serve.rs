//! `nifty-ghl serve`: the HTTP service (events in, OAuth callback, health, metrics), the
//! workers that deliver events to GHL, and the token keep-alive, until Ctrl-C or SIGTERM.
//! Stopping lets requests and jobs in flight finish first.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::output::input_error;
use crate::sandbox_cmd::shutdown_signal;

pub async fn run(config_path: &Path) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let address: SocketAddr = app.config.server.listen.parse().map_err(|_| {
        input_error(format!(
            "server.listen {:?} is not an address",
            app.config.server.listen
        ))
    })?;
    let keys = app
        .config
        .hooks
        .secrets
        .iter()
        .map(|secret| engine::signing::secret_key(&secrecy::SecretString::from(secret.clone())))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| input_error(format!("hooks.secrets: {e}")))?;
    if keys.is_empty() && !app.config.hooks.allow_unsigned {
        eprintln!(
            "note: no hooks.secrets are set (`nifty-ghl secrets set hooks.secrets`), so /hooks/niftyimages refuses every event"
        );
    }
    // The app's client id, from the config or else from the credentials `init` stored: with
    // it, webhooks for another marketplace app are ignored.
    let client_id = match app.config.ghl.client_id.clone() {
        Some(id) => Some(id),
        None => match app.connections.vault().store().app_credentials().await {
            Ok(row) => row.map(|row| row.client_id),
            Err(error) => {
                tracing::warn!(%error, "the app's client id could not be read; GHL webhooks are taken whatever their appId");
                None
            }
        },
    };
    let ghl = server::GhlHooks::from_settings(&app.config.ghl_webhooks)
        .map_err(|e| input_error(format!("ghl_webhooks: {e}")))?
        .for_client_id(client_id.as_deref());
    // The pipeline first: on SQLite it refuses to run beside another service on the database.
    let pipeline = engine::pipeline::Pipeline::start(&app.config, app.connections.clone())
        .await
        .map_err(|error| match error {
            // The user's files to fix: exit code 2, as for other bad input.
            engine::pipeline::PipelineError::Recipes(_) => input_error(error.to_string()),
            other => other.into(),
        })?;
    let listener = server::bind(address).await?;
    let stop = CancellationToken::new();
    let router = server::router(server::AppState {
        connections: app.connections.clone(),
        connected: None,
        events: Some(std::sync::Arc::new(server::EventDoor {
            ingestor: pipeline.ingestor.clone(),
            metrics: pipeline.metrics.clone(),
            store: pipeline.store.clone(),
            keys,
            allow_unsigned: app.config.hooks.allow_unsigned,
            ghl,
            nifty: std::sync::Arc::new(
                server::NiftyRoutes::new(
                    &app.config.niftyimages,
                    app.config.pipeline.default_location_id.clone(),
                )
                .with_governor(std::sync::Arc::clone(pipeline.governor())),
            ),
        })),
    });
    // The address bound, not the one asked for: with port 0 the system picks one.
    let address = listener.local_addr()?;
    eprintln!(
        "nifty-ghl listening on http://{address} (events at /hooks/niftyimages, GHL webhooks at /hooks/ghl, image opens at /i/<image>, NiftyImages data sources at /nifty/data/<source>, OAuth callback at /oauth/callback)"
    );
    let serving = tokio::spawn(server::serve(listener, router, stop.clone()));
    let keep_alive = {
        let connections = app.connections.clone();
        let every = Duration::from_secs(app.config.refresh.check_every_secs);
        let stop = stop.clone();
        tokio::spawn(async move {
            loop {
                match connections.keep_alive().await {
                    Ok((refreshed, problems)) => {
                        if refreshed > 0 {
                            tracing::info!(refreshed, "connections refreshed");
                        }
                        for problem in problems {
                            tracing::warn!(%problem, "a connection could not be refreshed");
                        }
                    }
                    Err(error) => tracing::warn!(%error, "keep-alive pass failed"),
                }
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = stop.cancelled() => return,
                }
            }
        })
    };
    shutdown_signal().await;
    eprintln!("stopping: letting requests and jobs in flight finish");
    stop.cancel();
    let _ = keep_alive.await;
    serving.await??;
    pipeline.shutdown().await;
    Ok(())
}
