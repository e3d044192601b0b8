//! `nifty-ghl init`: the configuration file, the master key, the database, the app's secret.
//! It never overwrites a file or a key that exists.

use std::io::Read;
use std::path::Path;

use engine::Config;
use secrecy::SecretString;
use store::keyring::{self, MASTER_KEY_ENV};

use crate::app::{App, load_config_file};
use crate::cli::InitArgs;
use crate::output::input_error;

pub async fn run(config_path: &Path, args: InitArgs) -> anyhow::Result<()> {
    let secret = read_secret(&args)?;
    let wrote_config = !config_path.exists();
    if !wrote_config {
        let asked = [
            &args.database_url,
            &args.base_url,
            &args.marketplace_url,
            &args.redirect_uri,
        ];
        if asked.iter().any(|a| a.is_some()) {
            return Err(input_error(format!(
                "{} exists: change its settings there (init never overwrites it)",
                config_path.display()
            )));
        }
        println!("config: {} exists, left as it is", config_path.display());
    } else {
        let mut config = Config::default();
        if let Some(url) = args.database_url.clone() {
            config.database_url = url;
        }
        if let Some(url) = args.base_url.clone() {
            config.ghl.base_url = url;
        }
        if let Some(url) = args.marketplace_url.clone() {
            config.ghl.marketplace_url = url;
        }
        if let Some(uri) = args.redirect_uri.clone() {
            config.ghl.redirect_uri = uri;
        }
        config.ghl.client_id = args.client_id.clone();
        config.validate().map_err(|e| input_error(e.to_string()))?;
        write_private(config_path, &config.starter_file())
            .map_err(|e| input_error(format!("cannot write {}: {e}", config_path.display())))?;
        println!("config: wrote {} (mode 0600)", config_path.display());
    }
    let config = load_config_file(config_path)?;
    let mut made_key = false;
    if std::env::var(MASTER_KEY_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        println!("master key: from {MASTER_KEY_ENV} (no key file made)");
    } else if keyring::create_key_file(&config.master_key_file)
        .map_err(|e| input_error(e.to_string()))?
    {
        made_key = true;
        println!(
            "master key: created {} (mode 0600); back it up: without it the stored tokens cannot be read",
            config.master_key_file.display()
        );
    } else {
        println!(
            "master key: {} exists, kept",
            config.master_key_file.display()
        );
    }
    let app = match App::open_for_setup(config_path).await {
        Ok(app) => app,
        Err(error) => {
            // Nothing is sealed before the database opens, so what this run made can go: init
            // then runs again cleanly once the setting is fixed.
            let mut removed = Vec::new();
            if wrote_config && std::fs::remove_file(config_path).is_ok() {
                removed.push(config_path.display().to_string());
            }
            if made_key && std::fs::remove_file(&config.master_key_file).is_ok() {
                removed.push(config.master_key_file.display().to_string());
            }
            if removed.is_empty() {
                return Err(error);
            }
            return Err(input_error(format!(
                "{error}\nremoved what this run made ({}): fix the setting and run `nifty-ghl init` again",
                removed.join(", ")
            )));
        }
    };
    println!(
        "database: {} ready",
        store::redact_url(&config.database_url)
    );
    if let Some(secret) = secret {
        let client_id = args
            .client_id
            .or(config.ghl.client_id.clone())
            .ok_or_else(|| {
                input_error(
                    "give --client-id (or ghl.client_id in the config) with the client secret",
                )
            })?;
        app.connections
            .vault()
            .set_app_credentials(&client_id, &secret, store::now_millis())
            .await?;
        println!("app: client secret of {client_id} stored encrypted");
    }
    Ok(())
}

/// Writes a new file that only its owner can read: the configuration names the database (a
/// PostgreSQL URL may hold a password) and the key file. Never replaces an existing file.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if written.is_err() {
        // A half-written configuration would be read as a broken one: take it back.
        let _ = std::fs::remove_file(path);
    }
    written
}

fn read_secret(args: &InitArgs) -> anyhow::Result<Option<SecretString>> {
    let text = if let Some(path) = &args.client_secret_file {
        std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?
    } else if args.client_secret_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        return Ok(None);
    };
    let secret = text.trim();
    if secret.is_empty() {
        return Err(input_error("the client secret is empty"));
    }
    Ok(Some(SecretString::from(secret.to_owned())))
}
