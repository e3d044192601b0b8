//! `nifty-ghl init`: the configuration file, the master key, the database, the app's secret.
//! It never overwrites a file or a key that exists.

use std::io::Read;
use std::path::Path;

use engine::Config;
use secrecy::SecretString;
use store::keyring::{self, MASTER_KEY_ENV};

use crate::app::{App, load_config};
use crate::cli::InitArgs;
use crate::output::input_error;

pub async fn run(config_path: &Path, args: InitArgs) -> anyhow::Result<()> {
    let secret = read_secret(&args)?;
    if config_path.exists() {
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
        std::fs::write(config_path, config.starter_file())
            .map_err(|e| input_error(format!("cannot write {}: {e}", config_path.display())))?;
        println!("config: wrote {}", config_path.display());
    }
    let config = load_config(config_path)?;
    if std::env::var(MASTER_KEY_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        println!("master key: from {MASTER_KEY_ENV} (no key file made)");
    } else if keyring::create_key_file(&config.master_key_file)
        .map_err(|e| input_error(e.to_string()))?
    {
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
    let app = App::open(config_path).await?;
    println!("database: {} ready", config.database_url);
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
