//! `nifty-ghl serve`: the HTTP service (OAuth callback, health) and the token keep-alive,
//! until Ctrl-C or SIGTERM.

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
    let listener = server::bind(address).await?;
    let stop = CancellationToken::new();
    let router = server::router(server::AppState {
        connections: app.connections.clone(),
        connected: None,
    });
    eprintln!("nifty-ghl listening on http://{address} (OAuth callback at /oauth/callback)");
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
    eprintln!("stopping: letting requests in flight finish");
    stop.cancel();
    let _ = keep_alive.await;
    serving.await??;
    Ok(())
}
