//! `nifty-ghl config check`: loads the configuration as every command does (file, environment,
//! then the vault), says whether it is valid, and where each secret setting comes from (file,
//! env, vault or missing) without showing any. Creates nothing: a database or key that is not
//! there yet is reported, not made.

use std::path::Path;

use engine::config::secrets::SecretSource;
use engine::config::{SecretOrigin, SecretSetting};
use serde_json::json;

use crate::app::{VaultState, VaultUse, load_settings};
use crate::output::{input_error, print_json, table};

pub async fn run(config_path: &Path, json: bool) -> anyhow::Result<()> {
    // A file that does not parse or a setting that is not valid ends here, with what to fix.
    let settings = load_settings(config_path, VaultUse::IfPresent).await?;
    let config = &settings.config;
    let mut problems = settings.unreadable.clone();
    let vault = match &settings.vault {
        VaultState::Open(vault) => {
            let count = vault.secret_names().await?.len();
            format!("open ({count} secret(s) stored)")
        }
        VaultState::Absent(reason) => format!("none: {reason}"),
        VaultState::Failed(error) => {
            problems.push(format!("the vault could not be read: {error}"));
            format!("not read: {error}")
        }
    };
    let sources = config.secret_sources();
    let mut rows = Vec::new();
    for source in &sources {
        let setting = SecretSetting::parse(&source.setting).expect("a setting's own name");
        let note = note(config, &setting, source);
        if let Some(problem) = note
            .as_ref()
            .filter(|n| n.starts_with("not valid") || n.starts_with("required"))
        {
            problems.push(format!("{}: {problem}", source.setting));
        }
        rows.push((source, note));
    }
    let file = if config_path.exists() {
        config_path.display().to_string()
    } else {
        format!(
            "{} (not found: built-in defaults and the environment)",
            config_path.display()
        )
    };
    if json {
        let secrets: Vec<_> = rows
            .iter()
            .map(|(source, note)| {
                json!({
                    "setting": source.setting,
                    "from": from(source),
                    "variable": source.variable,
                    "required": source.required,
                    "note": note,
                })
            })
            .collect();
        print_json(&json!({
            "config_file": file,
            "database": store::redact_url(&config.database_url),
            "vault": vault,
            "secrets": secrets,
            "warnings": settings.warnings,
            "problems": problems,
        }))?;
    } else {
        println!("config: {file}");
        println!("database: {}", store::redact_url(&config.database_url));
        println!("vault: {vault}");
        let mut out = table(&["SECRET SETTING", "FROM", "NOTE"]);
        for (source, note) in &rows {
            out.add_row(vec![
                source.setting.clone(),
                from(source),
                note.clone().unwrap_or_default(),
            ]);
        }
        println!("{out}");
        println!(
            "values are never shown; `nifty-ghl secrets set NAME` keeps one sealed in the vault"
        );
    }
    if problems.is_empty() {
        if !json {
            println!("ok: the configuration is valid");
        }
        Ok(())
    } else {
        Err(input_error(format!(
            "{} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        )))
    }
}

/// `file`, `env (VARIABLE)`, `vault` or `missing`.
fn from(source: &SecretSource) -> String {
    match (source.origin, source.variable) {
        (Some(SecretOrigin::Env), Some(variable)) => format!("env ({variable})"),
        (Some(origin), _) => origin.as_str().to_owned(),
        (None, _) => "missing".to_owned(),
    }
}

/// What to know about one setting: a value that will not work, a required one missing, or
/// what a missing optional one means. Never the value.
fn note(config: &engine::Config, setting: &SecretSetting, source: &SecretSource) -> Option<String> {
    if source.origin.is_none() {
        return Some(match setting {
            SecretSetting::StoreKey(_) | SecretSetting::TimerKey(_) => {
                format!("required: `nifty-ghl secrets set {setting}`")
            }
            SecretSetting::HookSecrets if !config.hooks.allow_unsigned => {
                "POST /hooks/niftyimages refuses every event until it is set".into()
            }
            SecretSetting::NiftyAccountKey => {
                "image open counters and `nifty images` need it".into()
            }
            SecretSetting::AlertWebhookSecret if config.notifications.webhook_url.is_some() => {
                "notifications.webhook_url gets no alerts until it is set".into()
            }
            _ => return None,
        });
    }
    let value = match setting {
        SecretSetting::NiftyAccountKey => config.niftyimages.account_key.clone(),
        SecretSetting::StoreKey(name) => config.niftyimages.stores.get(name).map(|s| s.key.clone()),
        SecretSetting::TimerKey(name) => config.niftyimages.timers.get(name).map(|t| t.key.clone()),
        SecretSetting::HookSecrets => Some(config.hooks.secrets.join("\n")),
        SecretSetting::AlertWebhookSecret => config.notifications.webhook_secret.clone(),
        SecretSetting::SlackWebhookUrl => config.notifications.slack_webhook_url.clone(),
        SecretSetting::AlertWebhookUrl => config.notifications.webhook_url.clone(),
    }?;
    setting
        .check(value.trim())
        .err()
        .map(|reason| format!("not valid: {reason}"))
}
