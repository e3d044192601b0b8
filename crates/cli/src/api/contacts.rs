//! `nifty-ghl contacts …`

use std::io::Read;
use std::path::Path;

use futures::TryStreamExt;
use ghl::contacts::{ContactFields, CreateContact, CustomFieldInput, ListContacts, UpsertContact};
use ghl::search::{FilterOperator, SearchContacts, SearchFilter, SearchSort, SortDirection};
use serde_json::Value;

use super::Target;
use crate::cli::{ApiArgs, ContactFieldArgs, ContactsCommand};
use crate::output::{self, input_error};

pub async fn run(args: &ApiArgs, json: bool, command: ContactsCommand) -> anyhow::Result<()> {
    // Input is checked before the token, so a typo is reported even without credentials.
    let target = || Target::from_args(args);
    match command {
        ContactsCommand::Get { contact_id } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            let contact = target()?
                .client
                .get_contact(&contact_id)
                .await?
                .into_inner();
            show_one(json, &contact)
        }
        ContactsCommand::List { query, limit, all } => {
            if !(1..=100).contains(&limit) {
                return Err(input_error(format!(
                    "--limit {limit} is out of range: use 1 to 100"
                )));
            }
            let target = target()?;
            let request = ListContacts {
                location_id: target.location()?.to_owned(),
                query,
                limit: Some(limit),
                ..Default::default()
            };
            let contacts = if all {
                target
                    .client
                    .list_contacts_stream(request)
                    .try_collect()
                    .await?
            } else {
                target
                    .client
                    .list_contacts(&request)
                    .await?
                    .into_inner()
                    .contacts
            };
            show_many(json, &contacts)
        }
        ContactsCommand::Search {
            query,
            filters,
            sort,
            limit,
            page,
            all,
        } => {
            let filters = filters
                .iter()
                .map(|f| parse_filter(f))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let sort = sort
                .iter()
                .map(|s| parse_sort(s))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if sort.len() > 2 {
                return Err(input_error("GHL sorts by at most 2 fields"));
            }
            let target = target()?;
            let search = SearchContacts {
                location_id: target.location()?.to_owned(),
                page_limit: limit,
                page,
                query,
                filters,
                sort,
                ..Default::default()
            };
            if all {
                let contacts: Vec<_> = target
                    .client
                    .search_contacts_stream(search)
                    .try_collect()
                    .await?;
                show_many(json, &contacts)
            } else {
                let page = target.client.search_contacts(&search).await?.into_inner();
                if !json {
                    eprintln!(
                        "{} match(es) in all",
                        page.total.unwrap_or(page.contacts.len() as u64)
                    );
                }
                show_many(json, &page.contacts)
            }
        }
        ContactsCommand::Create(fields) => {
            let (fields, company) = contact_fields(&fields)?;
            require_identifier(&fields)?;
            let target = target()?;
            let request = CreateContact {
                location_id: target.location()?.to_owned(),
                fields,
                company_name: company,
                gender: None,
            };
            let contact = target.client.create_contact(&request).await?.into_inner();
            show_one(json, &contact)
        }
        ContactsCommand::Update { contact_id, fields } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            let (fields, company) = contact_fields(&fields)?;
            if company.is_some() {
                return Err(input_error(
                    "GHL's contact update does not take a company name; use upsert",
                ));
            }
            if fields == ContactFields::default() {
                return Err(input_error("nothing to update: give at least one field"));
            }
            let contact = target()?
                .client
                .update_contact(&contact_id, &fields)
                .await?
                .into_inner();
            show_one(json, &contact)
        }
        ContactsCommand::Upsert(fields) => {
            let (fields, company) = contact_fields(&fields)?;
            require_identifier(&fields)?;
            let target = target()?;
            let request = UpsertContact {
                location_id: target.location()?.to_owned(),
                fields,
                company_name: company,
                ..Default::default()
            };
            let outcome = target.client.upsert_contact(&request).await?.into_inner();
            if !json {
                eprintln!(
                    "{}",
                    if outcome.created {
                        "created"
                    } else {
                        "updated an existing contact"
                    }
                );
            }
            show_one(json, &outcome.contact)
        }
        ContactsCommand::Delete { contact_id } => {
            ghl::validate_record_id("contact id", &contact_id)?;
            let answer = target()?
                .client
                .delete_contact(&contact_id)
                .await?
                .into_inner();
            if json {
                output::print_json(&answer)
            } else {
                println!("deleted {contact_id}");
                Ok(())
            }
        }
    }
}

fn show_one(json: bool, contact: &ghl::contacts::Contact) -> anyhow::Result<()> {
    if json {
        output::print_json(contact)
    } else {
        output::contact_detail(contact);
        Ok(())
    }
}

fn show_many(json: bool, contacts: &[ghl::contacts::Contact]) -> anyhow::Result<()> {
    if json {
        output::print_json(&contacts)
    } else {
        output::contacts_table(contacts);
        Ok(())
    }
}

fn require_identifier(fields: &ContactFields) -> anyhow::Result<()> {
    let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if has(&fields.email) || has(&fields.phone) {
        Ok(())
    } else {
        Err(input_error(
            "give --email or --phone: GHL finds and de-duplicates contacts by them",
        ))
    }
}

/// The fields from `--from-json` (if any), with the flags laid over them; and the company name,
/// which only create and upsert take.
fn contact_fields(args: &ContactFieldArgs) -> anyhow::Result<(ContactFields, Option<String>)> {
    let mut company = args.company.clone();
    let mut fields = match &args.from_json {
        Some(path) => {
            let mut value = read_json(path)?;
            if let Some(object) = value.as_object_mut()
                && let Some(name) = object.remove("companyName")
            {
                company = company.or_else(|| name.as_str().map(str::to_owned));
            }
            serde_json::from_value::<ContactFields>(value).map_err(|e| {
                input_error(format!(
                    "{}: {e} (fields use GHL's camelCase names, such as firstName)",
                    path.display()
                ))
            })?
        }
        None => ContactFields::default(),
    };
    let set = |target: &mut Option<String>, flag: &Option<String>| {
        if flag.is_some() {
            target.clone_from(flag);
        }
    };
    set(&mut fields.email, &args.email);
    set(&mut fields.phone, &args.phone);
    set(&mut fields.first_name, &args.first_name);
    set(&mut fields.last_name, &args.last_name);
    set(&mut fields.name, &args.name);
    set(&mut fields.source, &args.source);
    set(&mut fields.city, &args.city);
    set(&mut fields.country, &args.country);
    set(&mut fields.timezone, &args.timezone);
    set(&mut fields.date_of_birth, &args.date_of_birth);
    if let Some(email) = &fields.email
        && !looks_like_email(email)
    {
        return Err(input_error(format!("{email:?} is not an email address")));
    }
    if !args.tags.is_empty() {
        fields.tags = Some(args.tags.clone());
    }
    if !args.custom_fields.is_empty() {
        let parsed = args
            .custom_fields
            .iter()
            .map(|raw| parse_custom_field(raw))
            .collect::<anyhow::Result<Vec<_>>>()?;
        fields
            .custom_fields
            .get_or_insert_with(Vec::new)
            .extend(parsed);
    }
    Ok((fields, company))
}

fn looks_like_email(email: &str) -> bool {
    matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !email.contains(' '))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| input_error(format!("{} is not valid JSON: {e}", path.display())))?;
    if !value.is_object() {
        return Err(input_error(format!(
            "{} must hold a JSON object of contact fields",
            path.display()
        )));
    }
    Ok(value)
}

/// `ID=VALUE` or `contact.key=VALUE`; the value is JSON when it reads as JSON, text otherwise.
fn parse_custom_field(raw: &str) -> anyhow::Result<CustomFieldInput> {
    let (field, value) = raw.split_once('=').ok_or_else(|| {
        input_error(format!(
            "--custom-field {raw:?} must look like FIELD_ID=VALUE or contact.key=VALUE"
        ))
    })?;
    let field = field.trim();
    if field.is_empty() {
        return Err(input_error(format!(
            "--custom-field {raw:?} names no field"
        )));
    }
    let value = serde_json::from_str::<Value>(value)
        .ok()
        .filter(|v| v.is_number() || v.is_array() || v.is_boolean())
        .unwrap_or_else(|| Value::String(value.to_owned()));
    Ok(if field.starts_with("contact.") {
        CustomFieldInput::by_key(field, value)
    } else {
        CustomFieldInput::by_id(field, value)
    })
}

/// `FIELD:OPERATOR[:VALUE]`; the value may itself hold colons (dates).
fn parse_filter(raw: &str) -> anyhow::Result<SearchFilter> {
    let mut parts = raw.splitn(3, ':');
    let (Some(field), Some(operator)) = (parts.next(), parts.next()) else {
        return Err(input_error(format!(
            "--filter {raw:?} must look like FIELD:OPERATOR[:VALUE], such as email:eq:ann@example.com"
        )));
    };
    let operator: FilterOperator = operator.parse()?;
    let value = parts.next();
    match (operator, value) {
        (FilterOperator::Exists, None) => Ok(SearchFilter::presence(field, true)),
        (FilterOperator::NotExists, None) => Ok(SearchFilter::presence(field, false)),
        (FilterOperator::Exists | FilterOperator::NotExists, Some(_)) => Err(input_error(format!(
            "--filter {raw:?}: exists and not_exists take no value"
        ))),
        (_, None) => Err(input_error(format!(
            "--filter {raw:?} needs a value after the operator"
        ))),
        (operator, Some(value)) => {
            let value = serde_json::from_str::<Value>(value)
                .unwrap_or_else(|_| Value::String(value.to_owned()));
            Ok(SearchFilter::condition(field, operator, value))
        }
    }
}

fn parse_sort(raw: &str) -> anyhow::Result<SearchSort> {
    let (field, direction) = raw.split_once(':').unwrap_or((raw, "asc"));
    let direction = match direction {
        "asc" => SortDirection::Asc,
        "desc" => SortDirection::Desc,
        other => {
            return Err(input_error(format!(
                "--sort {raw:?}: direction {other:?} must be asc or desc"
            )));
        }
    };
    Ok(SearchSort {
        field: field.to_owned(),
        direction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_colons_in_values_and_refuse_nonsense() {
        let filter = parse_filter("dateUpdated:range:{\"gte\":\"2026-01-01T00:00:00Z\"}").unwrap();
        assert_eq!(
            serde_json::to_value(filter).unwrap(),
            serde_json::json!({"field": "dateUpdated", "operator": "range", "value": {"gte": "2026-01-01T00:00:00Z"}})
        );
        assert!(parse_filter("email").is_err());
        assert!(parse_filter("email:like:x").is_err());
        assert!(parse_filter("email:exists:x").is_err());
        assert!(parse_sort("email:sideways").is_err());
    }

    #[test]
    fn custom_fields_by_id_or_key() {
        assert_eq!(
            parse_custom_field("contact.score=7").unwrap(),
            CustomFieldInput::by_key("contact.score", 7)
        );
        assert_eq!(
            parse_custom_field("abc=hello").unwrap(),
            CustomFieldInput::by_id("abc", "hello")
        );
        assert!(parse_custom_field("novalue").is_err());
    }
}
