//! `nifty-ghl`: the command line of the NiftyImages ↔ GoHighLevel integration.

mod api;
mod app;
mod bench;
mod cli;
mod commands;
mod local;
mod nifty;
mod output;
mod sandbox_cmd;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Init(args) => commands::init::run(&cli.config, args).await,
            Command::Connect(args) => commands::connect::run(&cli.config, cli.json, args).await,
            Command::Connections(command) => {
                commands::connections::run(&cli.config, cli.json, command).await
            }
            Command::Keys(command) => commands::keys::run(&cli.config, command).await,
            Command::Secrets(command) => {
                commands::secrets::run(&cli.config, cli.json, command).await
            }
            Command::Config(cli::ConfigCommand::Check) => {
                commands::config_check::run(&cli.config, cli.json).await
            }
            Command::Serve => commands::serve::run(&cli.config).await,
            Command::Demo(args) => commands::demo::run(cli.json, args).await,
            Command::Recipes(command) => {
                commands::recipes::run(&cli.config, cli.json, command).await
            }
            Command::Events(cli::EventsCommand::Send(args)) => {
                commands::events_send::run(&cli.config, cli.json, args).await
            }
            Command::DeadLetters(command) => {
                commands::dead_letters::run(&cli.config, cli.json, command).await
            }
            Command::Runs(args) => commands::dead_letters::runs(&cli.config, cli.json, args).await,
            Command::Sync(args) => commands::sync::run(&cli.config, cli.json, args).await,
            Command::Queue => commands::dead_letters::queue(&cli.config, cli.json).await,
            Command::Ops(command) => commands::ops::run(cli.json, command),
            Command::Sandbox(args) => sandbox_cmd::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Contacts(command) => api::contacts::run(&cli.api, cli.json, command).await,
            Command::Tasks(command) => api::tasks::run(&cli.api, cli.json, command).await,
            Command::Notes(command) => api::notes::run(&cli.api, cli.json, command).await,
            Command::Tags(command) => api::tags::run(&cli.api, cli.json, command).await,
            Command::Appointments(command) => {
                api::appointments::run(&cli.api, cli.json, command).await
            }
            Command::BusinessContacts(args) => api::business::run(&cli.api, cli.json, args).await,
            Command::Nifty(args) => nifty::run(&cli.config, cli.json, args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => output::report_error(&error),
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,nifty_ghl=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("NIFTY_GHL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, plain text for log files and journals.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
