//! `nifty-ghl business-contacts`

use futures::TryStreamExt;
use ghl::businesses::BusinessContacts;

use super::Target;
use crate::cli::{ApiArgs, BusinessContactsArgs};
use crate::output::{self, input_error};

pub async fn run(args: &ApiArgs, json: bool, command: BusinessContactsArgs) -> anyhow::Result<()> {
    ghl::validate_business_id(&command.business_id)?;
    if !(1..=100).contains(&command.limit) {
        return Err(input_error(format!(
            "--limit {} is out of range: use 1 to 100",
            command.limit
        )));
    }
    let target = Target::from_args(args)?;
    let query = BusinessContacts {
        business_id: command.business_id,
        location_id: target.location()?.to_owned(),
        limit: Some(command.limit),
        skip: Some(command.skip),
        query: command.query,
    };
    let contacts = if command.all {
        target
            .client
            .business_contacts_stream(query)
            .try_collect()
            .await?
    } else {
        target
            .client
            .business_contacts(&query)
            .await?
            .into_inner()
            .contacts
    };
    if json {
        output::print_json(&contacts)
    } else {
        output::contacts_table(&contacts);
        Ok(())
    }
}
