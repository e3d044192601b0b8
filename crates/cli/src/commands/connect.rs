//! `nifty-ghl connect`: OAuth (with a one-shot listener for the callback, or `serve`'s), or a
//! Private Integration Token.

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use engine::authorize::{AuthorizeRequest, LocationChoice, PitRequest};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::cli::ConnectArgs;
use crate::commands::connections::print_connections;
use crate::output::input_error;

pub async fn run(config_path: &Path, json: bool, args: ConnectArgs) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    if args.pit {
        return connect_pit(&app, json, &args).await;
    }
    let mut scopes = chosen_scopes(&app, &args);
    if args.agency {
        for scope in ["oauth.readonly", "oauth.write"] {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
    }
    let locations = match args.locations.trim() {
        "all" => LocationChoice::All,
        list => {
            let ids: Vec<String> = list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            for id in &ids {
                ghl::validate_location_id(id)?;
            }
            LocationChoice::Only(ids)
        }
    };
    let redirect_uri = app.config.ghl.redirect_uri.clone();
    let listen = if args.no_listen {
        None
    } else {
        Some(listen_address(&redirect_uri)?)
    };
    // Bind before printing the URL, so that the callback cannot arrive before we listen.
    let listener = match listen {
        Some(address) => Some(server::bind(address).await?),
        None => None,
    };
    let request = AuthorizeRequest {
        scopes,
        agency: args.agency,
        locations,
        redirect_uri,
    };
    let url = app
        .connections
        .begin_authorization(&request, &app.config.ghl.marketplace_url)
        .await?;
    eprintln!("Open this link to approve nifty-ghl in GHL (it works once, for 15 minutes):");
    println!("{url}");
    let Some(listener) = listener else {
        eprintln!(
            "The callback goes to `nifty-ghl serve` at {}.",
            app.config.ghl.redirect_uri
        );
        return Ok(());
    };
    eprintln!(
        "Waiting for the approval on {} …",
        app.config.ghl.redirect_uri
    );
    let connected = CancellationToken::new();
    let stop = CancellationToken::new();
    let router = server::router(server::AppState {
        connections: app.connections.clone(),
        connected: Some(connected.clone()),
        events: None,
    });
    let serving = tokio::spawn(server::serve(listener, router, stop.clone()));
    let outcome = tokio::time::timeout(
        Duration::from_secs(args.timeout_secs),
        connected.cancelled(),
    )
    .await;
    // Let the browser get its page before the listener goes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.cancel();
    let _ = serving.await;
    if outcome.is_err() {
        return Err(input_error(format!(
            "no approval came back within {} s; run `nifty-ghl connect` again",
            args.timeout_secs
        )));
    }
    eprintln!("Connected.");
    print_connections(&app, json).await
}

/// The scopes asked for (OAuth) or given in GHL (a PIT): `--read-only`, the `--scope`s, or
/// the configured ones.
fn chosen_scopes(app: &App, args: &ConnectArgs) -> Vec<String> {
    if args.read_only {
        vec!["contacts.readonly".to_owned()]
    } else if !args.scope.is_empty() {
        args.scope.clone()
    } else {
        app.config.ghl.scopes.clone()
    }
}

/// The local address GHL's redirect comes back to; it must be this machine.
fn listen_address(redirect_uri: &str) -> anyhow::Result<SocketAddr> {
    let url = url::Url::parse(redirect_uri)
        .map_err(|e| input_error(format!("redirect URI {redirect_uri:?}: {e}")))?;
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    let ip = match host {
        "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
        other => other.trim_matches(['[', ']']).parse().map_err(|_| {
            input_error(format!(
                "the redirect URI {redirect_uri} is not on this machine: use --no-listen and let `nifty-ghl serve` take the callback"
            ))
        })?,
    };
    if !ip.is_loopback() {
        return Err(input_error(format!(
            "the redirect URI {redirect_uri} is not a loopback address: use --no-listen and let `nifty-ghl serve` take the callback"
        )));
    }
    Ok(SocketAddr::new(ip, port))
}

async fn connect_pit(app: &App, json: bool, args: &ConnectArgs) -> anyhow::Result<()> {
    let location = args
        .location
        .as_deref()
        .ok_or_else(|| input_error("--pit needs --location: the location the token belongs to"))?;
    ghl::validate_location_id(location)?;
    let text = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?,
        None => {
            eprintln!("Paste the Private Integration Token, then press Ctrl-D:");
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text
        }
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(input_error("no token was given"));
    }
    app.connections
        .connect_pit_with(PitRequest {
            location_id: location.to_owned(),
            pit: SecretString::from(token.to_owned()),
            scopes: chosen_scopes(app, args),
            verify: !args.no_verify,
            replace_oauth: args.replace,
        })
        .await
        .map_err(|e| input_error(e.to_string()))?;
    eprintln!("Stored the Private Integration Token of {location}.");
    print_connections(app, json).await
}
