//! `nifty-ghl appointments list`

use super::Target;
use crate::cli::{ApiArgs, AppointmentsCommand};
use crate::output;

pub async fn run(args: &ApiArgs, json: bool, command: AppointmentsCommand) -> anyhow::Result<()> {
    let AppointmentsCommand::List { contact_id } = command;
    ghl::validate_record_id("contact id", &contact_id)?;
    let appointments = Target::from_args(args)?
        .client
        .contact_appointments(&contact_id)
        .await?
        .into_inner();
    if json {
        output::print_json(&appointments)
    } else {
        output::appointments_table(&appointments);
        Ok(())
    }
}
