//! `nifty-ghl nifty …`: NiftyImages calls from the command line, with the keys of the config's
//! `[niftyimages]` section. A key may also come from `--key-file` or `NIFTY_GHL_NIFTYIMAGES_KEY`
//! (never from a flag's value, which other users see in the process list), and is never
//! printed: errors name stores and timers, not keys.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use engine::config::NiftyImagesSettings;
use niftyimages::images::{Image, ImagePage};
use niftyimages::store::StoreWrite;
use niftyimages::timer::TimerUpdate;
use niftyimages::{ApiKey, DateRange, KeyKind, NiftyClient};
use serde_json::{Map, Value, json};

use crate::app::load_config;
use crate::cli::{
    NiftyArgs, NiftyCommand, NiftyImagesCommand, NiftyRecordsCommand, NiftyStoresCommand,
    NiftyTimersCommand,
};
use crate::output::{input_error, print_json, table};

/// A key given for this run only, instead of the configured one.
const KEY_VARIABLE: &str = "NIFTY_GHL_NIFTYIMAGES_KEY";

pub async fn run(config_path: &Path, json: bool, args: NiftyArgs) -> anyhow::Result<()> {
    let settings = load_config(config_path).await?.niftyimages;
    let keys = Keys {
        base_url: args.nifty_url.clone().unwrap_or(settings.base_url.clone()),
        given: given_key(args.key_file.as_deref())?,
        settings,
    };
    match args.command {
        NiftyCommand::Stores(NiftyStoresCommand::Fields { store }) => {
            let client = keys.store(store.as_deref())?;
            let fields = client.store_fields().await?;
            if json {
                return print_json(&fields);
            }
            let mut out = table(&["FIELD", "TYPE", "UNIQUE", "DATE FORMAT"]);
            for field in &fields {
                out.add_row(vec![
                    field.name.clone(),
                    field.field_type.clone(),
                    if field.unique { "yes" } else { "no" }.to_owned(),
                    field
                        .date_input_format
                        .clone()
                        .unwrap_or_else(|| "-".into()),
                ]);
            }
            println!("{out}");
            Ok(())
        }
        NiftyCommand::Records(NiftyRecordsCommand::Upsert {
            store,
            record,
            file,
        }) => {
            let client = keys.store(store.as_deref())?;
            let record = match (record, file) {
                (Some(text), _) => object(&text, "--record")?,
                (None, Some(path)) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?;
                    object(&text, &path.display().to_string())?
                }
                (None, None) => return Err(input_error("give the record with --record or --file")),
            };
            let written = client.upsert_record(&record).await?;
            write_result(json, "upserted", &written)
        }
        NiftyCommand::Records(NiftyRecordsCommand::Delete { store, id, key }) => {
            let client = keys.store(store.as_deref())?;
            let written = match (id, key) {
                (Some(id), _) => client.delete_record_by_id(&id).await?,
                (None, Some(key)) => client.delete_record(&object(&key, "--key")?).await?,
                (None, None) => return Err(input_error("give --id or --key")),
            };
            write_result(json, "deleted", &written)
        }
        NiftyCommand::Timers(NiftyTimersCommand::Update {
            timer,
            url,
            target,
            utc,
        }) => {
            let (client, url) = keys.timer(timer.as_deref(), url)?;
            let update = TimerUpdate {
                timer_image_url: url,
                target_date: target,
                is_utc: utc.then_some(true),
                ..TimerUpdate::default()
            };
            let updated = client.update_timer(&update).await?;
            if json {
                return print_json(&updated);
            }
            let mut out = table(&["FIELD", "VALUE"]);
            out.add_row(vec!["timer".into(), updated.timer_image_url.clone()]);
            out.add_row(vec!["time zone".into(), updated.timer_timezone.clone()]);
            out.add_row(vec![
                "target (timer's zone)".into(),
                updated.updated_target_timezone.clone(),
            ]);
            out.add_row(vec![
                "target (UTC)".into(),
                updated.updated_target_utc.to_rfc3339(),
            ]);
            println!("{out}");
            Ok(())
        }
        NiftyCommand::Images(command) => {
            let client = keys.account()?;
            match command {
                NiftyImagesCommand::List {
                    all,
                    page,
                    page_size,
                } => {
                    if page == 0 || page_size == 0 {
                        return Err(input_error("--page and --page-size start at 1"));
                    }
                    let images = if all {
                        client.list_all_images(page_size.max(50)).await?
                    } else {
                        client
                            .list_images(ImagePage {
                                page_size,
                                page_number: page,
                            })
                            .await?
                    };
                    images_out(json, &images)
                }
                NiftyImagesCommand::Get { url } => {
                    let image = client.get_image(&url).await?;
                    if json {
                        return print_json(&image);
                    }
                    images_out(false, std::slice::from_ref(&image))
                }
                NiftyImagesCommand::Stats { from, to } => {
                    let range = DateRange {
                        start: from.as_deref().map(|d| date(d, "--from")).transpose()?,
                        end: to.as_deref().map(|d| date(d, "--to")).transpose()?,
                    };
                    images_out(json, &client.image_stats(range).await?)
                }
            }
        }
    }
}

/// Which key to use for a command: one given for this run, or the configured one by name.
struct Keys {
    base_url: String,
    given: Option<String>,
    settings: NiftyImagesSettings,
}

impl Keys {
    fn client(&self, key: ApiKey) -> anyhow::Result<NiftyClient> {
        NiftyClient::connect(&self.base_url, key).map_err(|e| input_error(e.to_string()))
    }

    fn account(&self) -> anyhow::Result<NiftyClient> {
        let key = self
            .given
            .clone()
            .or_else(|| self.settings.account_key.clone())
            .ok_or_else(|| {
                input_error(format!(
                    "no NiftyImages account key: run `nifty-ghl secrets set niftyimages.account_key` \
                     (or set it in the config or NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY), or give \
                     --key-file or {KEY_VARIABLE}"
                ))
            })?;
        self.client(ApiKey::new(KeyKind::Account, key))
    }

    fn store(&self, name: Option<&str>) -> anyhow::Result<NiftyClient> {
        if let Some(key) = &self.given {
            return self.client(ApiKey::store(key.clone()));
        }
        let configured = names(self.settings.stores.keys());
        let Some(name) = name else {
            return Err(input_error(format!(
                "give --store NAME (configured stores: {configured}), or the store's key with \
                 --key-file or {KEY_VARIABLE}"
            )));
        };
        let store = self.settings.stores.get(name).ok_or_else(|| {
            input_error(format!(
                "no store {name:?} in [niftyimages.stores]; configured stores: {configured}"
            ))
        })?;
        self.client(ApiKey::store(store.key.clone()))
    }

    fn timer(
        &self,
        name: Option<&str>,
        url: Option<String>,
    ) -> anyhow::Result<(NiftyClient, String)> {
        let configured = names(self.settings.timers.keys());
        let timer = match name {
            Some(name) => Some(self.settings.timers.get(name).ok_or_else(|| {
                input_error(format!(
                    "no timer {name:?} in [niftyimages.timers]; configured timers: {configured}"
                ))
            })?),
            None => None,
        };
        let url = url.or_else(|| timer.map(|t| t.url.clone())).ok_or_else(|| {
            input_error(format!(
                "give --timer NAME (configured timers: {configured}), or --url with the timer's \
                 key in --key-file or {KEY_VARIABLE}"
            ))
        })?;
        let key = match (&self.given, timer) {
            (Some(key), _) => key.clone(),
            (None, Some(timer)) => timer.key.clone(),
            (None, None) => {
                return Err(input_error(format!(
                    "--url needs the timer's key in --key-file or {KEY_VARIABLE}, or use \
                     --timer NAME (configured timers: {configured})"
                )));
            }
        };
        Ok((self.client(ApiKey::timer(key))?, url))
    }
}

fn names<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The key from `--key-file`, else from the environment.
fn given_key(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    let key = match file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            input_error(format!("cannot read the key file {}: {e}", path.display()))
        })?),
        None => std::env::var(KEY_VARIABLE).ok(),
    };
    let key = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty());
    if file.is_some() && key.is_none() {
        return Err(input_error("the key file is empty"));
    }
    Ok(key)
}

/// A JSON object given on the command line or in a file; the client checks it is flat.
fn object(text: &str, source: &str) -> anyhow::Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(input_error(format!(
            "{source}: give a JSON object, such as {{\"email\":\"ann@example.com\"}}"
        ))),
        Err(e) => Err(input_error(format!("{source}: not JSON ({e})"))),
    }
}

/// `2026-01-01` (midnight UTC) or a full ISO 8601 instant.
fn date(text: &str, flag: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    niftyimages::parse_date(text).ok_or_else(|| {
        input_error(format!(
            "{flag} {text:?} is not a date: use 2026-01-01 or 2026-01-01T00:00:00Z"
        ))
    })
}

fn write_result(json: bool, done: &str, written: &StoreWrite) -> anyhow::Result<()> {
    if json {
        return print_json(
            &json!({"id": written.id, "message": written.message, "raw": written.raw}),
        );
    }
    match (&written.id, &written.message) {
        (Some(id), _) => println!("{done} record {id}"),
        (None, Some(message)) => println!("{done}: {message}"),
        (None, None) => println!("{done}"),
    }
    Ok(())
}

fn images_out(json: bool, images: &[Image]) -> anyhow::Result<()> {
    if json {
        return print_json(&images);
    }
    let mut out = table(&["NAME", "TYPE", "OPENS", "URL"]);
    for image in images {
        out.add_row(vec![
            image.name.clone(),
            image.image_type.clone(),
            image.opens.to_string(),
            image.url.clone(),
        ]);
    }
    println!("{out}");
    println!("{} image(s)", images.len());
    Ok(())
}
