//! `nifty-ghl sandbox`: runs the GHL sandbox and the NiftyImages sandbox until Ctrl-C, after
//! printing two JSON lines: first the GHL sandbox's (URL, app credentials, locations and their
//! PITs, webhook key; unchanged, so scripts reading one line keep working), then
//! `{"niftyimages": {...}}` (API URL, account, store and timer keys, images).

use sandbox::nifty::{NiftySandbox, NiftySandboxConfig};
use sandbox::{Faults, RateLimitSettings, SandboxConfig, Settings, WebhookSettings};

use crate::cli::SandboxArgs;
use crate::output::input_error;

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    if args.locations == 0 || args.locations > 1_000 {
        return Err(input_error("--locations must be from 1 to 1000"));
    }
    if !args.host.is_loopback() && !args.allow_remote {
        return Err(input_error(format!(
            "--host {} is reachable from other machines, and the sandbox's control API has no \
             authentication; add --allow-remote if that is what you want",
            args.host
        )));
    }
    let config = SandboxConfig {
        host: args.host,
        port: args.port,
        locations: args.locations,
        seed: args.seed,
        webhook_urls: args.webhook_urls,
        settings: Settings {
            rate_limit: RateLimitSettings {
                enabled: !args.no_rate_limit,
                burst_max: args.burst_max,
                burst_interval_ms: args.burst_interval_ms,
                daily_max: args.daily_max,
            },
            access_token_lifetime_secs: args.token_lifetime,
            faults: Faults {
                error_rate: args.error_rate,
                error_after_apply_rate: args.error_after_apply_rate,
                drop_rate: args.drop_rate,
                latency_ms: args.latency_ms,
                ..Faults::default()
            },
            record_bodies: !args.no_record_bodies,
            webhooks: WebhookSettings::default(),
            ..Settings::default()
        },
    };
    let running = sandbox::start(config).await.map_err(|error| {
        if error.kind() == std::io::ErrorKind::InvalidInput {
            input_error(error.to_string())
        } else {
            anyhow::Error::new(error).context("cannot start the sandbox")
        }
    })?;
    let nifty = NiftySandbox::start(NiftySandboxConfig {
        host: args.host,
        seed: args.seed,
        ..NiftySandboxConfig::default()
    })
    .await
    .map_err(|error| anyhow::Error::new(error).context("cannot start the NiftyImages sandbox"))?;
    println!("{}", serde_json::to_string(running.info())?);
    println!(
        "{}",
        serde_json::to_string(&serde_json::json!({"niftyimages": nifty.info()}))?
    );
    eprintln!(
        "GHL sandbox listening on {} and NiftyImages sandbox on {} (control APIs under \
         /_sandbox/); Ctrl-C stops both",
        running.url(),
        nifty.api_url()
    );
    running.run_until(shutdown_signal()).await;
    nifty.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
