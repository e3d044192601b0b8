//! The command line: what each command takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

/// Keeps a token in a `SecretString` from the moment it is parsed, so no `Debug` shows it.
fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_owned()))
}

#[derive(Debug, Parser)]
#[command(
    name = "nifty-ghl",
    version,
    about = "Connects NiftyImages with GoHighLevel contacts, tasks and notes"
)]
pub struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// More log output on stderr (-v, -vv). NIFTY_GHL_LOG takes a tracing filter too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The configuration file.
    #[arg(long, global = true, env = "NIFTY_GHL_CONFIG", default_value = engine::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,

    #[command(flatten)]
    pub api: ApiArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Where the API commands send their calls.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// GHL API base URL: production, staging, or a sandbox.
    #[arg(
        long,
        global = true,
        env = "GHL_BASE_URL",
        default_value = ghl::PRODUCTION_BASE_URL
    )]
    pub base_url: String,

    /// A Private Integration Token or a sub-account access token. Prefer the environment
    /// variable: a flag is visible to other users in the process list.
    #[arg(long, global = true, env = "GHL_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub token: Option<SecretString>,

    /// The sub-account (location) the commands work in.
    #[arg(long, global = true, env = "GHL_LOCATION_ID")]
    pub location: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// See it all work with no account: the GHL sandbox, the service, and a morning of
    /// NiftyImages events, then what GHL holds, what was retried and what was refused.
    Demo(DemoArgs),
    /// Create the configuration file, the master key and the database; store the app's secret.
    Init(InitArgs),
    /// Connect a GHL location (or agency) with OAuth, or store a Private Integration Token.
    Connect(ConnectArgs),
    /// The stored GHL connections.
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// The master key that seals tokens at rest.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Secrets sealed in the vault (NiftyImages keys, webhook secrets, alert URLs): set, list,
    /// remove. They fill the settings the config file and environment leave empty.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// The configuration: check it, and see where each secret comes from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the service: events in, delivery to GHL, the OAuth callback, health, metrics.
    Serve,
    /// The no-code mapping from events to GHL actions: list, validate, dry-run.
    #[command(subcommand)]
    Recipes(RecipesCommand),
    /// NiftyImages-side events: send a file of them to the running service.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Backfill: read each location's GHL contacts changed since its checkpoint and store
    /// them as ContactUpdate events for the recipes (resumable; `serve` delivers the jobs).
    Sync(SyncArgs),
    /// Jobs that failed for good: list, show, replay, discard.
    #[command(subcommand, name = "dead-letters")]
    DeadLetters(DeadLettersCommand),
    /// The run log: every attempt of every job, newest last.
    Runs(RunsArgs),
    /// How many jobs wait, run, succeeded and failed.
    Queue,
    /// The operations catalog: every action and trigger a recipe can name.
    #[command(subcommand)]
    Ops(OpsCommand),
    /// Run the built-in GHL sandbox: a local, stateful GHL for tests and demos.
    Sandbox(SandboxArgs),
    /// Measure the sandbox, ingest, delivery and memory under load.
    Bench(BenchArgs),
    /// GHL contacts.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// A contact's tasks.
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// A contact's notes.
    #[command(subcommand)]
    Notes(NotesCommand),
    /// A contact's tags.
    #[command(subcommand)]
    Tags(TagsCommand),
    /// A contact's appointments.
    #[command(subcommand)]
    Appointments(AppointmentsCommand),
    /// The contacts of a business.
    BusinessContacts(BusinessContactsArgs),
    /// NiftyImages calls: Data Store fields and records, timers, images. Keys come from the
    /// config's [niftyimages] section, --key-file or NIFTY_GHL_NIFTYIMAGES_KEY.
    Nifty(NiftyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The marketplace app's client id (written to the configuration file).
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the app's client secret from this file (it is stored encrypted, never in the config).
    #[arg(long, conflicts_with = "client_secret_stdin")]
    pub client_secret_file: Option<PathBuf>,
    /// Read the app's client secret from standard input.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Database URL for a new configuration file (default: sqlite://nifty-ghl.db).
    #[arg(long)]
    pub database_url: Option<String>,
    /// GHL API base URL for a new configuration file.
    #[arg(long = "ghl-base-url", id = "init_ghl_base_url")]
    pub base_url: Option<String>,
    /// Marketplace (authorisation) URL for a new configuration file; a white-label host or a sandbox.
    #[arg(long)]
    pub marketplace_url: Option<String>,
    /// OAuth redirect URI for a new configuration file.
    #[arg(long)]
    pub redirect_uri: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Ask for read access only (contacts.readonly).
    #[arg(long, conflicts_with = "scope")]
    pub read_only: bool,
    /// A scope to ask for (repeatable); replaces the configured scopes.
    #[arg(long = "scope")]
    pub scope: Vec<String>,
    /// Connect the agency, then mint a token for its locations (see --locations).
    #[arg(long, conflicts_with = "pit")]
    pub agency: bool,
    /// With --agency: `all` approved locations, or a comma-separated list of location ids.
    #[arg(long, default_value = "all", requires = "agency")]
    pub locations: String,
    /// Only print the URL; the callback goes to `nifty-ghl serve`.
    #[arg(long)]
    pub no_listen: bool,
    /// Give up waiting for the approval after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// Store a Private Integration Token instead (read from stdin, or --token-file).
    #[arg(long)]
    pub pit: bool,
    /// With --pit: the location the token belongs to.
    #[arg(long, requires = "pit")]
    pub location: Option<String>,
    /// With --pit: read the token from this file instead of stdin.
    #[arg(long, requires = "pit")]
    pub token_file: Option<PathBuf>,
    /// With --pit: store it without the one read call that proves GHL takes it.
    #[arg(long, requires = "pit")]
    pub no_verify: bool,
    /// With --pit: replace the location's OAuth connection (its refresh token is dropped).
    #[arg(long, requires = "pit")]
    pub replace: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// Every connection: location, kind, scopes, token expiry, last refresh, state.
    List,
    /// One connection (by connection id or location id).
    Show { connection: String },
    /// Make one cheap read call with the connection.
    Test { connection: String },
    /// Forget a connection (its tokens are deleted).
    Remove { connection: String },
    /// Refresh one connection now, or (without an id) every one that is due.
    Refresh { connection: Option<String> },
}

/// Which dead letters a command means: one by id, or all matching the filters.
#[derive(Debug, Clone, Args)]
pub struct DeadSelection {
    /// A job id; without it, every dead letter matching the filters.
    pub job: Option<i64>,
    #[arg(long)]
    pub location: Option<String>,
    /// A job kind, such as ghl.task.upsert.
    #[arg(long)]
    pub kind: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DeadLettersCommand {
    List {
        #[command(flatten)]
        selection: DeadSelection,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// A dead letter: its input, GHL's answer, and every attempt.
    Show { job: i64 },
    /// Queue dead letters again (their earlier attempts stay in the run log).
    Replay {
        #[command(flatten)]
        selection: DeadSelection,
        /// Needed to replay every dead letter when no id or filter is given.
        #[arg(long)]
        all: bool,
    },
    /// Give dead letters up for good.
    Discard {
        #[command(flatten)]
        selection: DeadSelection,
        /// Needed to discard every dead letter when no id or filter is given.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct RunsArgs {
    /// Only this job's attempts.
    #[arg(long)]
    pub job: Option<i64>,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Seal everything under a new master key, without stopping the service.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Store a secret, sealed, replacing any earlier value. The value is read from standard
    /// input (or a hidden prompt at a terminal), never from the command line.
    ///
    /// NAME is one of: niftyimages.account_key, niftyimages.stores.<name>.key,
    /// niftyimages.timers.<name>.key, hooks.secrets (one or more whsec_ values, one per line
    /// or comma-separated, newest first), notifications.webhook_secret,
    /// notifications.slack_webhook_url, notifications.webhook_url.
    Set { name: String },
    /// The stored secrets: name, when it was set, what uses it, whether it is in force. Never
    /// a value.
    List,
    /// Forget a stored secret.
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and say where each secret comes from (file, env, vault or
    /// missing), without showing any.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum OpsCommand {
    /// Every operation: name, kind, method, path, scope, description.
    List {
        /// Only actions (GHL calls) or only triggers (event types).
        #[arg(long, value_enum)]
        kind: Option<OpKind>,
    },
    /// One operation, with its input schema.
    Show {
        /// Such as ghl.tasks.complete or niftyimages.contact.updated.
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OpKind {
    Action,
    Trigger,
}

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Listen on an address other machines can reach. The control API has no authentication
    /// and serves the sandbox's credentials: only on a network you trust.
    #[arg(long)]
    pub allow_remote: bool,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Number of locations (sub-accounts).
    #[arg(long, default_value_t = 2)]
    pub locations: usize,
    /// Make every id, token and key repeatable.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Never answer 429 (requests are still counted and reported in the headers).
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Requests per burst interval per app and location.
    #[arg(long, default_value_t = 100)]
    pub burst_max: u64,
    /// Length of the burst interval in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub burst_interval_ms: u64,
    /// Requests per day per app and location.
    #[arg(long, default_value_t = 200_000)]
    pub daily_max: u64,
    /// Lifetime of OAuth access tokens in seconds.
    #[arg(long, default_value_t = 86_399)]
    pub token_lifetime: u64,
    /// Share of API requests answered 500/502/503 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of API requests carried out and then answered 500/502.
    #[arg(long, default_value_t = 0.0)]
    pub error_after_apply_rate: f64,
    /// Share of API requests whose connection is dropped without an answer.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Milliseconds added to every API request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Register a webhook receiver for every event (repeatable).
    #[arg(long = "webhook-url")]
    pub webhook_urls: Vec<String>,
    /// Do not keep request and response bodies in the request log.
    #[arg(long)]
    pub no_record_bodies: bool,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum, default_value = "sandbox")]
    pub target: BenchTarget,
    /// Requests in flight at once (one keep-alive connection each).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// sandbox: contacts to seed before measuring reads.
    #[arg(long, default_value_t = 10_000)]
    pub contacts: usize,
    /// ingest: events per request in the full-speed run.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// ingest, redirect: requests per second in the fixed-rate run (one event each).
    #[arg(long, default_value_t = 2_000)]
    pub rate: u64,
    /// delivery: GHL locations, each with GHL's default budget.
    #[arg(long, default_value_t = 100)]
    pub locations: usize,
    /// datastore: contacts to sync.
    #[arg(long, default_value_t = 10_000)]
    pub records: usize,
    /// memory: events in the backlog.
    #[arg(long, default_value_t = 1_000_000)]
    pub backlog: usize,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BenchTarget {
    /// The GHL sandbox serving GET /contacts/{id} and POST /contacts/upsert.
    Sandbox,
    /// Durable ingest through /hooks/niftyimages on SQLite: full speed, then a fixed rate.
    Ingest,
    /// The pipeline against many sandbox locations with GHL's limits: budget used, 429s,
    /// duplicates.
    Delivery,
    /// Resident memory of `nifty-ghl serve`: idle, then with a backlog of --backlog events.
    Memory,
    /// The image-open redirect GET /i/{image}: full speed, then --rate opens per second.
    Redirect,
    /// GHL contact changes into a NiftyImages Data Store (both sandboxes): rows per second
    /// for --records contacts, then the same contents again (none written twice).
    Datastore,
}

/// The contact fields the create, update and upsert commands take.
#[derive(Debug, Clone, Args)]
pub struct ContactFieldArgs {
    #[arg(long)]
    pub email: Option<String>,
    /// Phone, E.164 preferred (+15550001111).
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    /// Full name; split into first and last name when those are not given.
    #[arg(long)]
    pub name: Option<String>,
    /// Company name (create and upsert only; GHL's update does not take it).
    #[arg(long)]
    pub company: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    /// ISO-3166 alpha-2 country code, such as US.
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long)]
    pub timezone: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub date_of_birth: Option<String>,
    /// Tag (repeatable). On update and upsert, the tags given replace all of the contact's tags.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Custom field value as ID=VALUE or contact.key=VALUE (repeatable).
    #[arg(long = "custom-field", value_name = "FIELD=VALUE")]
    pub custom_fields: Vec<String>,
    /// Read the fields from a JSON file in GHL's camelCase (`-` reads stdin); flags override it.
    #[arg(long = "from-json", value_name = "FILE")]
    pub from_json: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Show one contact.
    Get { contact_id: String },
    /// List contacts (GHL's deprecated list, oldest first).
    List {
        /// Free-text filter on name, email, phone and company.
        #[arg(long)]
        query: Option<String>,
        /// Page size, 1 to 100.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Follow the cursor through every page.
        #[arg(long)]
        all: bool,
    },
    /// Search contacts with GHL's advanced search.
    Search {
        #[arg(long)]
        query: Option<String>,
        /// Filter as FIELD:OPERATOR[:VALUE], such as email:eq:ann@example.com or tags:exists (repeatable).
        #[arg(long = "filter", value_name = "FIELD:OP[:VALUE]")]
        filters: Vec<String>,
        /// Sort as FIELD:asc or FIELD:desc (at most 2).
        #[arg(long = "sort", value_name = "FIELD:DIR")]
        sort: Vec<String>,
        /// Results per page, 1 to 500.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        page: Option<u32>,
        /// Follow the searchAfter cursor through every result.
        #[arg(long)]
        all: bool,
    },
    /// Create a contact (needs an email or a phone).
    Create(ContactFieldArgs),
    /// Update a contact.
    Update {
        contact_id: String,
        #[command(flatten)]
        fields: ContactFieldArgs,
    },
    /// Create or update a contact by the location's duplicate rule (email, phone).
    Upsert(ContactFieldArgs),
    /// Delete a contact.
    Delete { contact_id: String },
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    List {
        contact_id: String,
    },
    Get {
        contact_id: String,
        task_id: String,
    },
    Create {
        contact_id: String,
        #[arg(long)]
        title: String,
        /// ISO-8601 date-time, such as 2026-12-01T15:00:00Z.
        #[arg(long)]
        due: String,
        #[arg(long)]
        body: Option<String>,
        /// GHL user id to assign the task to.
        #[arg(long)]
        assigned_to: Option<String>,
    },
    Update {
        contact_id: String,
        task_id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        due: Option<String>,
        #[arg(long)]
        body: Option<String>,
        #[arg(long)]
        assigned_to: Option<String>,
    },
    /// Mark a task completed (or open again with --reopen).
    Complete {
        contact_id: String,
        task_id: String,
        #[arg(long)]
        reopen: bool,
    },
    Delete {
        contact_id: String,
        task_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotesCommand {
    List {
        contact_id: String,
    },
    Get {
        contact_id: String,
        note_id: String,
    },
    Create {
        contact_id: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        user_id: Option<String>,
    },
    Update {
        contact_id: String,
        note_id: String,
        #[arg(long)]
        body: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    Delete {
        contact_id: String,
        note_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// Add tags to a contact.
    Add {
        contact_id: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Remove tags from a contact.
    Remove {
        contact_id: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppointmentsCommand {
    List { contact_id: String },
}

#[derive(Debug, Clone, Args)]
pub struct BusinessContactsArgs {
    pub business_id: String,
    #[arg(long)]
    pub query: Option<String>,
    #[arg(long, default_value_t = 25)]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub skip: u32,
    /// Every page.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the service and the sandbox running afterwards (until Ctrl-C) and print their URLs.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Send events from a file (JSON, NDJSON or CSV; `-` reads standard input) through the
    /// service's signed door, as any producer would. Every event is checked first; one bad
    /// event stops the command before anything is sent. Sending a file twice is safe.
    Send(EventsSendArgs),
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this location (default: every connected location).
    #[arg(long)]
    pub location: Option<String>,
    /// Start from the first contact instead of the checkpoint.
    #[arg(long)]
    pub from_start: bool,
}

#[derive(Debug, Args)]
pub struct EventsSendArgs {
    /// The file, or `-` for standard input.
    pub file: PathBuf,
    /// The file's format; by default from its extension (.json, .ndjson, .jsonl, .csv) or its
    /// content.
    #[arg(long, value_enum)]
    pub format: Option<EventFormat>,
    /// The service; by default http:// and server.listen from the config.
    #[arg(long)]
    pub url: Option<String>,
    /// Events per request at most.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub batch: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EventFormat {
    Json,
    Ndjson,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum RecipesCommand {
    /// The recipes in force: built-in ones and those of the recipes folder.
    List,
    /// Check every recipe; mistakes are shown with file, line and column (exit code 2).
    Validate,
    /// Show the exact GHL requests events would make, sending nothing.
    #[command(name = "dry-run")]
    DryRun(RecipesDryRunArgs),
}

#[derive(Debug, Args)]
pub struct RecipesDryRunArgs {
    /// Events to try (JSON, NDJSON or CSV, as `events send` takes them; `-` for standard input).
    #[arg(long)]
    pub event: PathBuf,
    #[arg(long, value_enum)]
    pub format: Option<EventFormat>,
    /// The GHL location for events that name none (else pipeline.default_location_id).
    #[arg(long = "for-location")]
    pub location: Option<String>,
}

/// `nifty-ghl nifty …`: where the NiftyImages calls go and with which key.
#[derive(Debug, Args)]
pub struct NiftyArgs {
    /// The NiftyImages API root (default: the config's niftyimages.base_url).
    #[arg(long, global = true, env = "NIFTY_GHL_NIFTYIMAGES_BASE_URL")]
    pub nifty_url: Option<String>,

    /// A file holding the key to use instead of the configured one (the store's, the timer's
    /// or the account's, as the command needs). Keys are never taken on the command line.
    #[arg(long, global = true)]
    pub key_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: NiftyCommand,
}

#[derive(Debug, Subcommand)]
pub enum NiftyCommand {
    /// A Data Store's schema.
    #[command(subcommand)]
    Stores(NiftyStoresCommand),
    /// Write or delete Data Store records.
    #[command(subcommand)]
    Records(NiftyRecordsCommand),
    /// Countdown timers.
    #[command(subcommand)]
    Timers(NiftyTimersCommand),
    /// The account's images and their opens.
    #[command(subcommand)]
    Images(NiftyImagesCommand),
}

#[derive(Debug, Subcommand)]
pub enum NiftyStoresCommand {
    /// The fields of a store: names, types, which are unique.
    Fields {
        /// The store's name in [niftyimages.stores].
        #[arg(long)]
        store: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum NiftyRecordsCommand {
    /// Create a record, or update the one with the same unique value.
    Upsert {
        #[arg(long)]
        store: Option<String>,
        /// The record as a flat JSON object, such as '{"email":"ann@example.com"}'. (Not
        /// `--json`: that is the global flag for JSON output.)
        #[arg(
            long,
            value_name = "OBJECT",
            conflicts_with = "file",
            required_unless_present = "file"
        )]
        record: Option<String>,
        /// A file holding the record as JSON.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Delete a record by its id, or by its unique field(s).
    Delete {
        #[arg(long)]
        store: Option<String>,
        /// The record's id.
        #[arg(long, conflicts_with = "key", required_unless_present = "key")]
        id: Option<String>,
        /// The unique field(s) as JSON, such as '{"email":"ann@example.com"}'.
        #[arg(long, value_name = "OBJECT")]
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum NiftyTimersCommand {
    /// Move a countdown timer's target date.
    Update {
        /// The timer's name in [niftyimages.timers].
        #[arg(long)]
        timer: Option<String>,
        /// The timer image's URL, when the key comes from --key-file or the environment.
        #[arg(long)]
        url: Option<String>,
        /// The new target, ISO 8601 (2026-12-24T17:00:00Z, or without zone for the timer's
        /// own time zone).
        #[arg(long)]
        target: String,
        /// The target is UTC: NiftyImages shifts it into the timer's time zone.
        #[arg(long)]
        utc: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NiftyImagesCommand {
    /// One page of images, or every image with --all.
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 10)]
        page_size: u32,
    },
    /// One image by its URL.
    Get {
        #[arg(long)]
        url: String,
    },
    /// Every image's opens in a window (default: the last 30 days).
    Stats {
        /// Start, ISO 8601 (2026-01-01 or 2026-01-01T00:00:00Z).
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
}
