//! `nifty-ghl keys rotate`: every sealed value moves to a new master key while the service
//! runs. Other processes pick the new key up from the key file when they meet a value sealed
//! with it.

use std::path::Path;

use store::KeySource;
use store::keyring::MASTER_KEY_ENV;

use crate::app::App;
use crate::cli::KeysCommand;
use crate::output::input_error;

pub async fn run(config_path: &Path, command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Rotate = command;
    let app = App::open(config_path).await?;
    let vault = app.connections.vault();
    match vault.key_source().clone() {
        KeySource::File(path) => {
            let report = vault.rotate_key_file().await?;
            println!(
                "rotated: {} value(s) sealed again under key {}; {} now holds only that key",
                report.resealed,
                report.active_key,
                path.display()
            );
            if report.skipped_changed > 0 {
                println!(
                    "{} value(s) changed while rotating and were sealed with the new key by their writer",
                    report.skipped_changed
                );
            }
            Ok(())
        }
        KeySource::Env(_) => {
            if vault.keys().ids().len() < 2 {
                return Err(input_error(format!(
                    "{MASTER_KEY_ENV} holds one key. To rotate, put a new key first and keep the old one after it \
                     ({MASTER_KEY_ENV}=<new>,<old>) in every running process, run `nifty-ghl keys rotate`, \
                     then remove the old key everywhere"
                )));
            }
            let report = vault.reseal_all().await?;
            println!(
                "rotated: {} value(s) sealed again under key {}; the other keys can now be removed from {MASTER_KEY_ENV}",
                report.resealed, report.active_key
            );
            Ok(())
        }
    }
}
