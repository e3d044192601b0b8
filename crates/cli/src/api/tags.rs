//! `nifty-ghl tags add|remove`

use super::Target;
use crate::cli::{ApiArgs, TagsCommand};
use crate::output::{self, input_error};

pub async fn run(args: &ApiArgs, json: bool, command: TagsCommand) -> anyhow::Result<()> {
    let (contact_id, tags, adding) = match command {
        TagsCommand::Add { contact_id, tags } => (contact_id, tags, true),
        TagsCommand::Remove { contact_id, tags } => (contact_id, tags, false),
    };
    ghl::validate_record_id("contact id", &contact_id)?;
    if tags.iter().any(|t| t.trim().is_empty()) {
        return Err(input_error("a tag is empty"));
    }
    let client = Target::from_args(args)?.client;
    let all = if adding {
        client.add_tags(&contact_id, &tags).await?
    } else {
        client.remove_tags(&contact_id, &tags).await?
    }
    .into_inner();
    if json {
        output::print_json(&all)
    } else {
        println!(
            "tags of {contact_id}: {}",
            if all.is_empty() {
                "(none)".into()
            } else {
                all.join(", ")
            }
        );
        Ok(())
    }
}
