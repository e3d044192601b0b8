//! `nifty-ghl secrets set|list|remove`: the secrets the configuration reads (NiftyImages keys,
//! webhook signing secrets, alert URLs that carry a token), sealed in the vault instead of
//! written in the config file. A value is read from standard input or a hidden prompt, never
//! from the command line, and never printed: listings show names, times and what uses each.

use std::io::{IsTerminal, Read};
use std::path::Path;

use engine::config::secrets::UnknownSecretName;
use engine::config::{SecretOrigin, SecretSetting};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::app::App;
use crate::cli::SecretsCommand;
use crate::output::{input_error, print_json, table};

pub async fn run(config_path: &Path, json: bool, command: SecretsCommand) -> anyhow::Result<()> {
    match command {
        SecretsCommand::Set { name } => set(config_path, &name).await,
        SecretsCommand::List => list(config_path, json).await,
        SecretsCommand::Remove { name } => remove(config_path, &name).await,
    }
}

fn parse(name: &str) -> anyhow::Result<SecretSetting> {
    SecretSetting::parse(name).map_err(|e: UnknownSecretName| input_error(e.to_string()))
}

async fn set(config_path: &Path, name: &str) -> anyhow::Result<()> {
    // An unknown name is refused before anything is read or opened.
    let setting = parse(name)?;
    let app = App::open_for_setup(config_path).await?;
    let value = read_value(&setting)?;
    let value = setting.normalise(value.expose_secret());
    if value.is_empty() {
        return Err(input_error(format!(
            "the value for {setting} is empty: nothing was stored"
        )));
    }
    setting
        .check(&value)
        .map_err(|reason| input_error(format!("{setting}: {reason}; nothing was stored")))?;
    let vault = app.connections.vault();
    vault
        .put_secret(
            &setting.to_string(),
            &SecretString::from(value),
            store::now_millis(),
        )
        .await?;
    println!(
        "{setting}: stored in the vault, sealed with key {}",
        vault.keys().active().id()
    );
    match app.config.secret_origin(&setting) {
        Some(SecretOrigin::File) => eprintln!(
            "note: the config file also sets {setting}, and its value wins: remove it from {} for the vault's to be used",
            config_path.display()
        ),
        Some(SecretOrigin::Env) => eprintln!(
            "note: {} also sets {setting}, and its value wins: unset it for the vault's to be used",
            setting.env_variable().unwrap_or("the environment")
        ),
        _ => {}
    }
    if !app.config.has_place_for(&setting) {
        eprintln!("note: {}", no_section(&setting));
    }
    Ok(())
}

async fn list(config_path: &Path, json: bool) -> anyhow::Result<()> {
    let app = App::open_for_setup(config_path).await?;
    let stored = app.connections.vault().secret_names().await?;
    let rows: Vec<_> = stored
        .iter()
        .map(|info| {
            let (used_for, status) = match SecretSetting::parse(&info.name) {
                Ok(setting) => (setting.used_for(), status(&app.config, &setting)),
                Err(_) => ("-".to_owned(), "not read by nifty-ghl".to_owned()),
            };
            (info, used_for, status)
        })
        .collect();
    if json {
        let out: Vec<_> = rows
            .iter()
            .map(|(info, used_for, status)| {
                json!({
                    "name": info.name,
                    "updated_at": when(info.updated_at),
                    "key_id": info.key_id,
                    "used_for": used_for,
                    "status": status,
                })
            })
            .collect();
        return print_json(&out);
    }
    if rows.is_empty() {
        println!("no secrets in the vault: `nifty-ghl secrets set NAME` stores one");
        return Ok(());
    }
    let mut out = table(&["NAME", "UPDATED", "USED FOR", "STATUS"]);
    for (info, used_for, status) in &rows {
        out.add_row(vec![
            info.name.clone(),
            when(info.updated_at),
            used_for.clone(),
            status.clone(),
        ]);
    }
    println!("{out}");
    println!("{} secret(s); values are never shown", rows.len());
    Ok(())
}

async fn remove(config_path: &Path, name: &str) -> anyhow::Result<()> {
    let app = App::open_for_setup(config_path).await?;
    let vault = app.connections.vault();
    // Checked first: a name that is not accepted gets the list of accepted names, and a value
    // pasted where the name goes is not echoed back.
    parse(name)?;
    if !vault.delete_secret(name).await? {
        return Err(input_error(format!(
            "the vault holds no secret {name}: `nifty-ghl secrets list` shows those it holds"
        )));
    }
    println!("{name}: removed from the vault");
    if let Ok(setting) = SecretSetting::parse(name)
        && app.config.secret_origin(&setting) == Some(SecretOrigin::Vault)
        && matches!(
            setting,
            SecretSetting::StoreKey(_) | SecretSetting::TimerKey(_)
        )
    {
        eprintln!(
            "note: {setting} now has no value: set it again (or in the config file) before the service or `nifty` use it"
        );
    }
    Ok(())
}

/// Whether the vault's value of `setting` is the one in force, and why not.
fn status(config: &engine::Config, setting: &SecretSetting) -> String {
    if !config.has_place_for(setting) {
        return format!("unused: {}", no_section(setting));
    }
    match config.secret_origin(setting) {
        Some(SecretOrigin::Vault) => "in use".into(),
        Some(SecretOrigin::File) => "ignored: the config file sets it".into(),
        Some(SecretOrigin::Env) => format!(
            "ignored: {} sets it",
            setting.env_variable().unwrap_or("the environment")
        ),
        None => "unused".into(),
    }
}

fn no_section(setting: &SecretSetting) -> String {
    match setting {
        SecretSetting::StoreKey(name) => format!(
            "the config has no [niftyimages.stores.{name}] yet; add it (unique = \"email\") for the key to be used"
        ),
        SecretSetting::TimerKey(name) => format!(
            "the config has no [niftyimages.timers.{name}] yet; add it (url = \"<the timer image's URL>\") for the key to be used"
        ),
        _ => String::new(),
    }
}

fn when(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis).map_or_else(
        || "-".into(),
        |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// The value: all of standard input when it is a pipe or a file, else one line typed at a
/// hidden prompt.
fn read_value(setting: &SecretSetting) -> anyhow::Result<SecretString> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        let hint = match setting {
            SecretSetting::HookSecrets => " (several: comma-separated, newest first)",
            _ => "",
        };
        prompt_hidden(&format!("{setting}{hint}, input hidden: "))?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| input_error(format!("cannot read the value from standard input: {e}")))?;
        text
    };
    Ok(SecretString::from(text))
}

/// One line from the terminal with echo off; the terminal is put back as it was.
#[cfg(unix)]
fn prompt_hidden(prompt: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, Write};

    use rustix::termios::{self, LocalModes, OptionalActions};

    let stdin = std::io::stdin();
    let original = termios::tcgetattr(&stdin)
        .map_err(|e| input_error(format!("cannot switch the terminal's echo off: {e}")))?;
    let mut silent = original.clone();
    silent.local_modes.remove(LocalModes::ECHO);
    silent.local_modes.insert(LocalModes::ECHONL);
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    termios::tcsetattr(&stdin, OptionalActions::Flush, &silent)
        .map_err(|e| input_error(format!("cannot switch the terminal's echo off: {e}")))?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let restored = termios::tcsetattr(&stdin, OptionalActions::Flush, &original);
    read?;
    restored?;
    Ok(line)
}

#[cfg(not(unix))]
fn prompt_hidden(_prompt: &str) -> anyhow::Result<String> {
    Err(input_error(
        "no hidden prompt on this system: pipe the value on standard input",
    ))
}
