//! `akutt`: the command line of the registry. A thin layer: parse arguments, call the
//! library crates, print results. No domain logic lives here.

mod analyse;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use akutt_ingest::{ingest, load_mappings};
use akutt_model::{Month, MonthRange};
use akutt_store::{Catalog, DataDir};
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

/// Writes a line to standard output, returning the error (a closed pipe: `akutt … | head`)
/// instead of panicking as `println!` does.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// [`outln!`] without the line end.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// mimalloc: per-thread heaps; the ingest's threads allocate what another thread frees.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "akutt",
    version,
    about = "National registry of emergency medical dispatch activity (AMK)"
)]
struct Cli {
    /// The data directory (catalog, Parquet files).
    #[arg(long, global = true, env = "AKUTT_DATA", default_value = "./akutt-data")]
    data: PathBuf,
    /// The pseudonymisation key file, kept outside the data directory; created on first use.
    /// Default: $XDG_CONFIG_HOME/akutt/pseudonym.key (or ~/.config/akutt/pseudonym.key).
    #[arg(long, global = true, env = "AKUTT_KEY_FILE")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate and store centre extracts (import format v1) or NEMSIS files. One file: prints
    /// its data-quality report. Several files or a directory (its files, by name): one
    /// progress bar and one summary; each report is stored (`akutt report ID`).
    /// Exit 0: every file accepted (some incidents may be rejected); exit 2: a file rejected;
    /// exit 1: a file could not be read or stored (the others are still ingested).
    Ingest {
        #[arg(required = true, num_args = 1.., value_name = "FILE|DIR")]
        files: Vec<PathBuf>,
        /// Print the report (one file) or the summary (several) as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Per-centre mapping tables (local code → national code).
    Mappings {
        #[command(subcommand)]
        command: MappingsCommand,
    },
    /// List submissions with centre, period, version, status and SHA-256.
    Submissions {
        #[arg(long)]
        json: bool,
    },
    /// Bring a data directory of an older release up to date: every submission's compact
    /// indicator facts (`facts.bin`) rebuilt from its Parquet tables where missing or old, and
    /// its months recorded in the catalog, so questions read only what they need.
    /// Idempotent; a question also rebuilds a missing file on first use.
    Upgrade,
    /// Show the stored data-quality report of a submission.
    Report {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// National indicators (DOMAIN.md §8) for a period, optionally by centre, month, year,
    /// kommune, urgency, hendelsestype, sambandsvei, area, caller type, hour, weekday,
    /// incident place or delivery place.
    Indicators {
        /// First month, YYYY-MM.
        #[arg(long)]
        from: String,
        /// Last month, YYYY-MM (inclusive).
        #[arg(long)]
        to: String,
        /// Only this centre.
        #[arg(long)]
        centre: Option<String>,
        /// Group by these keys (comma-separated): centre, month, year, kommune, urgency,
        /// hendelsestype, sambandsvei, area, innringer, hour, weekday, hentested,
        /// leveringssted, kriteriekapittel.
        #[arg(long, value_delimiter = ',')]
        by: Vec<String>,
        /// Compute from the data as it was at this data version.
        #[arg(long)]
        as_of: Option<i64>,
        /// Filter on any grouping key, e.g. `--where urgency:R,area:rural` (docs/INDICATORS.md).
        #[arg(long = "where", value_name = "KEY:VALUE")]
        filter: Vec<String>,
        /// Only these indicators (comma-separated ids; default all).
        #[arg(long, value_delimiter = ',')]
        indicator: Vec<String>,
        /// Group, filter and rate by municipality in this structure (its year: 2020, 2024;
        /// default the newest). Numbers of other structures are translated (DOMAIN.md §8).
        #[arg(long, value_name = "YEAR")]
        structure: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Read the audit log of the restricted area (every request: time, user, role, client,
    /// method, path, status, detail), oldest first.
    Audit {
        /// Only this user's requests.
        #[arg(long)]
        user: Option<String>,
        /// Only requests at or after this time (UTC, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`).
        #[arg(long)]
        since: Option<String>,
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// The Nordic-American benchmark: the common figures for Norway (the stored extracts) and
    /// NEMSIS (the stored EMSDataSet files) side by side, with definitions and caveats.
    Benchmark {
        /// First month, YYYY-MM (default: all data).
        #[arg(long)]
        from: Option<String>,
        /// Last month, YYYY-MM (inclusive).
        #[arg(long)]
        to: Option<String>,
        /// Compute from the data as it was at this data version.
        #[arg(long)]
        as_of: Option<i64>,
        /// The condition table to use instead of DATA/benchmark-conditions.csv or the default.
        #[arg(long)]
        conditions: Option<PathBuf>,
        /// Print the condition table in use (CSV, editable) and exit.
        #[arg(long)]
        print_conditions: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The municipality register: structures with their validity dates and the changes
    /// between them (shipped: 2020 and 2024), by which numbers are judged on the incident's
    /// date and answers are translated into one structure.
    Municipalities {
        #[command(subcommand)]
        command: MunicipalitiesCommand,
    },
    /// The national programme's analyses (DOMAIN.md §13): growth by year, resources,
    /// before and after a change. Exact figures, for the registry's staff and analysts.
    Analyse {
        #[command(subcommand)]
        command: analyse::AnalyseCommand,
    },
    /// The centres' areas: which centre served which municipality, with validity dates
    /// (DOMAIN.md §8), for analyses of the same area before and after a change.
    Centres {
        #[command(subcommand)]
        command: CentresCommand,
    },
    /// Population per municipality and year (for rates per 1000 inhabitants).
    Population {
        #[command(subcommand)]
        command: PopulationCommand,
    },
    /// Serve the dashboard, the public API and the restricted area over HTTP.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Published counts under this (after the cell-key noise) are withheld (DOMAIN.md §9).
        #[arg(long, default_value_t = 5)]
        suppression_threshold: u64,
        /// Show the synthetic-data banner on every page.
        #[arg(long)]
        synthetic: bool,
        /// The largest upload `/last-opp` takes, in MiB (larger ones get 413).
        #[arg(long, default_value_t = 256)]
        upload_limit_mib: u64,
        /// Uploads received at once (one more gets 503 until one ends).
        #[arg(long, default_value_t = 2)]
        concurrent_uploads: usize,
        /// The completeness calendar's deadline: this day of the month after.
        #[arg(long, default_value_t = akutt_server::completeness::DEFAULT_DEADLINE_DAY)]
        deadline_day: u32,
        #[command(flatten)]
        log: LogArgs,
    },
    /// The demo: builds a synthetic two-year national world (SYNTHETIC DATA), ingests it, and
    /// serves the dashboard. A second run reuses what the first built.
    Demo {
        /// Where the demo keeps its world, data directory and key.
        #[arg(long, default_value = "./akutt-demo")]
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Volume of the world (1.0 ≈ 900,000 incidents a year).
        #[arg(long, default_value_t = 0.25)]
        scale: f64,
        /// Build and ingest, then exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        log: LogArgs,
    },
    /// The completeness calendar: per centre and month, received or not, when, status, late
    /// against the deadline, share of the expected data (DOMAIN.md §12).
    Completeness {
        /// First month (default: eleven months before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last month (default: the last month with data, or last month).
        #[arg(long)]
        to: Option<String>,
        /// One centre only.
        #[arg(long)]
        centre: Option<String>,
        /// The deadline: this day of the following month.
        #[arg(long, default_value_t = akutt_server::completeness::DEFAULT_DEADLINE_DAY)]
        deadline_day: u32,
        #[arg(long)]
        json: bool,
    },
    /// Releases: what the public sees (DOMAIN.md §12).
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
    /// Users of the restricted area.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Write a synthetic national world: extracts per centre and month (import format v1),
    /// mapping tables, population, a manifest and, with --error-rate, a ground truth of the
    /// injected faults. SYNTHETIC DATA: no real persons or incidents.
    Synth {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// First month, YYYY-MM.
        #[arg(long)]
        from: String,
        /// Last month, YYYY-MM (inclusive).
        #[arg(long)]
        to: String,
        /// `all` or a comma-separated list of centre codes (OSL,BGO,…).
        #[arg(long, default_value = "all")]
        centres: String,
        /// Volume: 1.0 ≈ 900,000 incidents a year nationally.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Same seed, same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Share of incidents given one injected fault (listed in ground-truth.csv).
        #[arg(long, default_value_t = 0.0)]
        error_rate: f64,
        /// A known step for the analyses to find: `CENTRE:YYYY-MM-DD:FACTOR` scales that
        /// centre's red response times from that day (ground truth in
        /// `ground-truth/response-step.json`).
        #[arg(long)]
        response_step: Option<String>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read-only SQL over the stored tables (current versions). Needs the `sql` feature.
    Sql {
        query: String,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
        /// Query the data as it was at this data version.
        #[arg(long)]
        as_of: Option<i64>,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a user; prints its bearer token (shown once, stored only as a hash).
    Add {
        name: String,
        /// admin, analyst or centre:CODE
        #[arg(long)]
        role: String,
    },
    /// List the users: name, role, created, disabled (never a token).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user at once: its token and every session stop working.
    Disable { name: String },
    /// Give a user a new token (printed once); the old token and its sessions end.
    Rotate { name: String },
}

#[derive(Subcommand)]
enum ReleaseCommand {
    /// Freeze the current data version for publication through a month: the dashboard, API,
    /// open data and maps show it (and only it) from now on. Audited; a release never changes.
    Create {
        /// The last month published (YYYY-MM).
        #[arg(long)]
        through: String,
        /// The last month whose figures are final (`endelig`); later months are provisional.
        #[arg(long)]
        final_through: Option<String>,
        /// A note for the public, printed with the figures (what is new, what was revised).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The releases, oldest first: data version, months and their status, and the public
    /// figures each changed against the one before.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A tertial or annual report of a release (default the latest), as PDF or HTML: the
    /// same bytes whenever it is made from the same release.
    Report {
        /// A tertial: YYYY-T1 (January–April), YYYY-T2 (May–August), YYYY-T3.
        #[arg(long, conflicts_with = "year", required_unless_present = "year")]
        tertial: Option<String>,
        #[arg(long)]
        year: Option<String>,
        #[arg(long)]
        release: Option<i64>,
        /// Where to write it: `FILE.pdf` or `FILE.html`.
        #[arg(long)]
        out: PathBuf,
        /// `en` for English.
        #[arg(long)]
        lang: Option<String>,
        /// Print the synthetic-data banner on every page (as `serve --synthetic`).
        #[arg(long)]
        synthetic: bool,
    },
}

#[derive(Subcommand)]
enum MunicipalitiesCommand {
    /// The structures of the register: year, in force from and to, number of municipalities.
    List {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Load a structure (`kommunenummer;navn[;areal_km2;lat;lon]`, or Statistics Norway's
    /// classification 131 export of codes) with --structure YEAR, or a change list
    /// (`kommunenummer_ALT;…;kommunenummer_NY;…;andel_areal`, or SSB's export of changes)
    /// with --changes; both take effect on --valid-from. Load the structure first.
    Load {
        file: PathBuf,
        /// The structure's name (its year), e.g. 2028.
        #[arg(
            long,
            value_name = "YEAR",
            conflicts_with = "changes",
            required_unless_present = "changes"
        )]
        structure: Option<i32>,
        /// The file is a change list.
        #[arg(long)]
        changes: bool,
        /// First day in force (structure) or effective (changes), YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        valid_from: String,
    },
    /// Load a structure's boundaries for the map: a GeoJSON FeatureCollection in WGS 84
    /// (EPSG:4326) with `kommunenummer` in each feature's properties, covering every
    /// municipality of the structure (Kartverket's files, converted). Replaces the shipped
    /// boundaries of 2020 and 2024 when given for them.
    LoadBoundaries {
        file: PathBuf,
        /// The structure (its year), already in the register.
        #[arg(long, value_name = "YEAR")]
        structure: i32,
    },
}

#[derive(Subcommand)]
enum CentresCommand {
    /// Load the areas (`sentral;kommunenummer;gyldig_fra;gyldig_til`, dates YYYY-MM-DD,
    /// empty = open; numbers of any structure) as a new data version, replacing the last.
    LoadAreas { file: PathBuf },
    /// The municipalities each centre served on a date, in one municipality structure.
    Areas {
        /// The date, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        /// Only this centre.
        #[arg(long)]
        centre: Option<String>,
        /// The structure the municipalities are given in (default the newest).
        #[arg(long, value_name = "YEAR")]
        structure: Option<i32>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PopulationCommand {
    /// Load a CSV `kommunenummer;år;folkemengde` (SSB table 07459) as a new data version.
    Load { file: PathBuf },
}

#[derive(Subcommand)]
enum MappingsCommand {
    /// Load mapping table files (`kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til`):
    /// one file with --centre CODE, or files (or a directory of them) named
    /// `mapping-CODE.csv`, each for the centre its name gives.
    Load {
        #[arg(required = true, num_args = 1.., value_name = "FILE|DIR")]
        files: Vec<PathBuf>,
        /// The centre of a single file.
        #[arg(long)]
        centre: Option<String>,
    },
    /// List loaded mapping-table versions.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // The reader went away (`akutt indicators … | head`): what it wanted it has; stop
        // quietly, as other Unix tools do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Each error says only its own part; `:#` joins the chain once.
            eprintln!("akutt: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn default_key_file() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("akutt/pseudonym.key"));
    }
    match std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".config/akutt/pseudonym.key")),
        None => {
            bail!("no HOME: give the pseudonymisation key file with --key-file or AKUTT_KEY_FILE")
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Indicators { from, to, centre, by, as_of, filter, indicator, structure, json } => {
            indicators(
                &cli.data,
                &from,
                &to,
                centre.as_deref(),
                &by,
                &filter,
                as_of,
                &indicator,
                structure.as_deref(),
                json,
            )
        }
        Command::Audit { user, since, json } => {
            let entries: Vec<_> = open_catalog(&cli.data)?
                .audit_log()?
                .into_iter()
                .filter(|e| user.as_ref().is_none_or(|u| e.user.as_deref() == Some(u.as_str())))
                // Times are ISO 8601 UTC, so text order is time order.
                .filter(|e| since.as_ref().is_none_or(|s| e.at.as_str() >= s.as_str()))
                .collect();
            if json {
                let rows: Vec<serde_json::Value> = entries
                    .iter()
                    .map(|e| {
                        serde_json::json!({ "at": e.at, "user": e.user, "role": e.role,
                            "client": e.client, "method": e.method, "path": e.path,
                            "status": e.status, "detail": e.detail })
                    })
                    .collect();
                outln!("{}", serde_json::Value::Array(rows));
            } else {
                for e in entries {
                    outln!(
                        "{} {:<16} {:<14} {:<15} {:<5} {} {}{}",
                        e.at,
                        e.user.as_deref().unwrap_or("-"),
                        e.role.as_deref().unwrap_or("-"),
                        e.client.as_deref().unwrap_or("-"),
                        e.method,
                        e.status,
                        e.path,
                        e.detail.map(|d| format!("  [{d}]")).unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Benchmark { from, to, as_of, conditions, print_conditions, json } => {
            benchmark(&cli.data, from, to, as_of, conditions, print_conditions, json)
        }
        Command::Serve {
            addr,
            suppression_threshold,
            synthetic,
            upload_limit_mib,
            concurrent_uploads,
            deadline_day,
            log,
        } => {
            log.init()?;
            let data = DataDir::open(&cli.data)?;
            let wide = akutt_store::private::wider_than_private(data.root());
            if !wide.is_empty() {
                eprintln!(
                    "akutt: warning: {} entries of {} are open to other users (first: {}); \
                     the data directory should be 0700 and its files 0600: \
                     chmod -R go-rwx {}",
                    wide.len(),
                    data.root().display(),
                    wide[0].display(),
                    data.root().display()
                );
            }
            let config = akutt_server::Config {
                suppression_threshold,
                synthetic,
                upload_limit: upload_limit_mib.saturating_mul(1 << 20),
                concurrent_uploads,
                deadline_day,
                ..akutt_server::Config::default()
            };
            let key_file = match cli.key_file {
                Some(k) => k,
                None => default_key_file()?,
            };
            let key = akutt_store::key::load_or_create(&key_file, data.root())?;
            let state =
                std::sync::Arc::new(akutt_server::AppState::new(data, config)?.with_key(key));
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            eprintln!("Akutt: http://{addr}/");
            rt.block_on(akutt_server::serve(state, &addr))
                .with_context(|| format!("serving on {addr}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { dir, addr, scale, no_serve, log } => {
            if !no_serve {
                log.init()?;
            }
            demo(&dir, &addr, scale, no_serve)
        }
        Command::Release { command } => release(&cli.data, cli.key_file, command),
        Command::Analyse { command } => {
            let json = match &command {
                analyse::AnalyseCommand::Growth { json, .. }
                | analyse::AnalyseCommand::Resources { json, .. }
                | analyse::AnalyseCommand::BeforeAfter { json, .. } => *json,
            };
            let state = registry_state(&cli.data, cli.key_file.clone(), false)?;
            let v = analyse::run(&state, command)?;
            if json {
                outln!("{v}");
            } else {
                out!("{}", analyse::text(&v));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Completeness { from, to, centre, deadline_day, json } => {
            completeness(&cli.data, cli.key_file, from, to, centre, deadline_day, json)
        }
        Command::Users { command: UsersCommand::Add { name, role } } => {
            let data = DataDir::open(&cli.data)?;
            let token = akutt_server::auth::add_user(&data, &name, &role)?;
            outln!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { command: UsersCommand::List { json } } => {
            let users = open_catalog(&cli.data)?.users()?;
            if json {
                let rows: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({ "name": u.name, "role": u.role,
                            "created_at": u.created_at, "disabled_at": u.disabled_at })
                    })
                    .collect();
                outln!("{}", serde_json::Value::Array(rows));
            } else {
                outln!("{:<24} {:<16} {:<20} disabled", "name", "role", "created");
                for u in users {
                    let disabled = u.disabled_at.as_deref().unwrap_or("-");
                    outln!("{:<24} {:<16} {:<20} {disabled}", u.name, u.role, u.created_at);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { command: UsersCommand::Disable { name } } => {
            akutt_server::auth::disable_user(&DataDir::open(&cli.data)?, &name)?;
            eprintln!("Bruker {name} er deaktivert / user {name} is disabled");
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { command: UsersCommand::Rotate { name } } => {
            let token = akutt_server::auth::rotate_token(&DataDir::open(&cli.data)?, &name)?;
            outln!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Municipalities { command: MunicipalitiesCommand::List { json } } => {
            let (register, loaded) =
                match Catalog::open_read_only(&DataDir::open(&cli.data)?.catalog_path()) {
                    Ok(c) => (c.register()?, c.boundary_structures()?),
                    Err(_) => (akutt_model::municipality::Register::standard().clone(), Vec::new()),
                };
            let boundaries = |year: i32| {
                if loaded.contains(&year) {
                    "loaded"
                } else if matches!(year, 2020 | 2024) {
                    "shipped"
                } else {
                    "none"
                }
            };
            let rows: Vec<serde_json::Value> = register
                .structures()
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "structure": s.year,
                        "valid_from": s.valid_from.to_string(),
                        "valid_to": s.valid_to.map(|d| d.to_string()),
                        "municipalities": s.municipalities.len(),
                        "boundaries": boundaries(s.year),
                    })
                })
                .collect();
            if json {
                outln!("{}", serde_json::Value::Array(rows));
            } else {
                outln!("struktur / structure  gyldig fra / valid from  til / to      kommuner / municipalities  kartgrenser / boundaries");
                for r in &rows {
                    outln!(
                        "{:<21} {:<24} {:<11} {:<26} {}",
                        r["structure"].as_i64().unwrap_or_default(),
                        r["valid_from"].as_str().unwrap_or(""),
                        r["valid_to"].as_str().unwrap_or("–"),
                        r["municipalities"].as_u64().unwrap_or_default(),
                        r["boundaries"].as_str().unwrap_or("")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Municipalities {
            command: MunicipalitiesCommand::Load { file, structure, changes: _, valid_from },
        } => {
            let date = valid_from.parse().map_err(|_| {
                anyhow::anyhow!("--valid-from must be YYYY-MM-DD, got «{valid_from}»")
            })?;
            let data = DataDir::open(&cli.data)?;
            let (dv, register) =
                akutt_ingest::load_municipality_file(&data, &file, structure, date)
                    .with_context(|| format!("municipality register load of {}", file.display()))?;
            let years: Vec<String> =
                register.structures().iter().map(|s| s.year.to_string()).collect();
            outln!(
                "Kommuneregister lastet, dataversjon {dv}; strukturer {} / municipality register loaded, data version {dv}; structures {}",
                years.join(", "),
                years.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Municipalities {
            command: MunicipalitiesCommand::LoadBoundaries { file, structure },
        } => {
            let data = DataDir::open(&cli.data)?;
            let (dv, b) = akutt_ingest::load_boundaries(&data, &file, structure)
                .with_context(|| format!("boundary load of {}", file.display()))?;
            outln!(
                "Kartgrenser for struktur {structure} lastet: {} kommuner, dataversjon {dv} / boundaries of structure {structure} loaded: {} municipalities, data version {dv}",
                b.municipalities,
                b.municipalities
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Centres { command: CentresCommand::LoadAreas { file } } => {
            let data = DataDir::open(&cli.data)?;
            let (dv, areas) = akutt_ingest::load_centre_areas(&data, &file)
                .with_context(|| format!("centre areas load of {}", file.display()))?;
            let n = areas.periods.len();
            outln!("Sentralområder lastet: {n} perioder, dataversjon {dv} / centre areas loaded: {n} periods, data version {dv}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Centres { command: CentresCommand::Areas { date, centre, structure, json } } => {
            let day = date
                .parse()
                .map_err(|_| anyhow::anyhow!("--date must be YYYY-MM-DD, got «{date}»"))?;
            let catalog = open_catalog(&cli.data)?;
            let register = catalog.register()?;
            let version = catalog.latest_data_version()?;
            let areas = catalog
                .centre_areas_at(version)?
                .context("no centre areas loaded: akutt centres load-areas FILE")?;
            let target = match structure {
                Some(y) => register.structure(y),
                None => register.newest(),
            }
            .with_context(|| {
                format!(
                    "--structure {structure:?}: not in the register (akutt municipalities list)"
                )
            })?;
            let mut codes: Vec<String> = areas.periods.iter().map(|p| p.centre.clone()).collect();
            codes.sort();
            codes.dedup();
            if let Some(c) = &centre {
                codes.retain(|x| x.eq_ignore_ascii_case(c));
            }
            let served: serde_json::Map<String, serde_json::Value> = codes
                .iter()
                .map(|c| (c.clone(), serde_json::json!(areas.served_by(c, day, &register, target))))
                .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
                .collect();
            if json {
                outln!(
                    "{}",
                    serde_json::json!({ "date": day.to_string(), "structure": target.year, "data_version": version, "centres": served })
                );
            } else {
                outln!("Sentralenes områder / centre areas {day}, kommunestruktur / municipality structure {}", target.year);
                for (c, ks) in &served {
                    let ks: Vec<&str> =
                        ks.as_array().into_iter().flatten().filter_map(|k| k.as_str()).collect();
                    outln!("{c:<4} {:>3}  {}", ks.len(), ks.join(" "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Population { command: PopulationCommand::Load { file } } => {
            let data = DataDir::open(&cli.data)?;
            let (dv, n) = akutt_ingest::load_population(&data, &file)
                .with_context(|| format!("population load of {}", file.display()))?;
            outln!("Folketall lastet: {n} rader, dataversjon {dv} / population loaded: {n} rows, data version {dv}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Synth { out, from, to, centres, scale, seed, error_rate, response_step, json } => {
            let step =
                response_step.as_deref().map(akutt_synth::ResponseStep::parse).transpose()?;
            synth(out, &from, &to, &centres, scale, seed, error_rate, step, json)
        }
        Command::Ingest { files, json } => {
            let data = DataDir::open(&cli.data)?;
            let key_file = match cli.key_file {
                Some(k) => k,
                None => default_key_file()?,
            };
            let key = akutt_store::key::load_or_create(&key_file, data.root())?;
            let files = expand_inputs(&files)?;
            let [file] = &files[..] else { return ingest_many(&data, &key, &files, json) };
            let file = file.clone();
            let bar = progress_bar();
            let outcome = ingest(&data, &key, &file, |done, total| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            });
            // The same bytes as the current version: refused, nothing stored (exit 2).
            if let Err(e @ akutt_ingest::IngestError::Identical { .. }) = &outcome {
                eprintln!("akutt: {e}");
                return Ok(ExitCode::from(2));
            }
            let outcome = outcome.with_context(|| format!("ingest of {}", file.display()))?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            if json {
                outln!("{}", outcome.report.to_json());
            } else {
                out!("{}", outcome.report.to_text());
            }
            Ok(if outcome.accepted { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Command::Mappings { command: MappingsCommand::Load { files, centre } } => {
            let data = DataDir::open(&cli.data)?;
            let files = expand_inputs(&files)?;
            let named: Vec<(PathBuf, String)> = match (centre, &files[..]) {
                (Some(c), [file]) => vec![(file.clone(), c)],
                (Some(_), _) => bail!(
                    "--centre names the centre of one file; name several files mapping-CODE.csv instead"
                ),
                (None, _) => files
                    .iter()
                    .map(|f| {
                        let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
                        name.as_deref()
                            .and_then(|n| n.strip_prefix("mapping-"))
                            .and_then(|n| n.strip_suffix(".csv"))
                            .map(|c| (f.clone(), c.to_string()))
                            .with_context(|| {
                                format!(
                                    "{}: give --centre CODE, or name the file mapping-CODE.csv",
                                    f.display()
                                )
                            })
                    })
                    .collect::<Result<_>>()?,
            };
            for (file, centre) in &named {
                if akutt_model::centre::centre(centre).is_none() {
                    let known: Vec<&str> =
                        akutt_model::centre::centres().iter().map(|c| c.code.as_str()).collect();
                    bail!(
                        "{}: unknown centre code «{centre}» (known: {})",
                        file.display(),
                        known.join(",")
                    );
                }
            }
            for (file, centre) in &named {
                let (version, n) = load_mappings(&data, file, centre)
                    .with_context(|| format!("mapping load of {}", file.display()))?;
                outln!("Kodetabell for {centre} lastet som versjon {version} ({n} koder) / mapping table for {centre} loaded as version {version} ({n} codes)");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mappings { command: MappingsCommand::List } => {
            let catalog = open_catalog(&cli.data)?;
            outln!(
                "{:<8} {:>7} {:>7}  {:<20}  {:<24} sha256",
                "centre",
                "version",
                "codes",
                "loaded",
                "source"
            );
            for m in catalog.mapping_versions()? {
                outln!(
                    "{:<8} {:>7} {:>7}  {:<20}  {:<24} {}",
                    m.centre,
                    m.version,
                    m.entries,
                    m.loaded_at,
                    m.source,
                    m.sha256
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Submissions { json } => {
            let catalog = open_catalog(&cli.data)?;
            let subs = catalog.submissions()?;
            if json {
                let list: Vec<serde_json::Value> = subs
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "id": s.id, "centre": s.centre,
                            "period": {"from": s.period_from, "to": s.period_to},
                            "version": s.version, "status": s.status.as_str(), "current": s.is_current(), "kind": s.kind,
                            "sha256": s.sha256, "file": s.file_name, "bytes": s.bytes,
                            "received_at": s.received_at, "data_version": s.data_version,
                            "superseded_at": s.superseded_at, "rows": s.rows,
                            "incidents_accepted": s.incidents_accepted, "incidents_rejected": s.incidents_rejected,
                            "mapping_version": s.mapping_version,
                        })
                    })
                    .collect();
                outln!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"data_version": catalog.latest_data_version()?, "submissions": list})
                    )?
                );
            } else {
                outln!(
                    "{:>4}  {:<6} {:<23} {:>3}  {:<9} {:<7} {:>9} {:>9}  sha256",
                    "id",
                    "centre",
                    "period",
                    "ver",
                    "status",
                    "current",
                    "accepted",
                    "rejected"
                );
                for s in &subs {
                    outln!(
                        "{:>4}  {:<6} {:<23} {:>3}  {:<9} {:<7} {:>9} {:>9}  {}",
                        s.id,
                        s.centre.as_deref().unwrap_or("-"),
                        format!(
                            "{}..{}",
                            s.period_from.as_deref().unwrap_or("?"),
                            s.period_to.as_deref().unwrap_or("?")
                        ),
                        s.version.map_or("-".into(), |v| v.to_string()),
                        s.status.as_str(),
                        if s.is_current() { "yes" } else { "" },
                        s.incidents_accepted.map_or("-".into(), |v| v.to_string()),
                        s.incidents_rejected.map_or("-".into(), |v| v.to_string()),
                        s.sha256
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Upgrade => {
            let data = DataDir::open(&cli.data)?;
            let _lock = data.lock()?;
            let mut catalog = Catalog::open(&data.catalog_path())?;
            let bar = progress_bar();
            if let Some(b) = &bar {
                b.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} ({eta})")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
            }
            let done = akutt_store::compact::upgrade(&data, &mut catalog, |i, n| {
                if let Some(b) = &bar {
                    b.set_length(n as u64);
                    b.set_position(i as u64);
                }
            })?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            outln!(
                "{} innsendinger: {} faktafiler bygd på nytt, {} månedsspenn registrert / {} submissions: {} facts files rebuilt, {} month ranges recorded",
                done.submissions, done.rebuilt, done.recorded, done.submissions, done.rebuilt, done.recorded
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { id, json } => {
            let catalog = open_catalog(&cli.data)?;
            let Some(text) = catalog.report(id)? else { bail!("no report for submission {id}") };
            if json {
                outln!("{text}");
            } else {
                let report: akutt_ingest::Report = serde_json::from_str(&text)?;
                out!("{}", report.to_text());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Sql { query, csv, as_of } => sql(&cli.data, &query, csv, as_of),
    }
}

fn open_catalog(data: &Path) -> Result<Catalog> {
    let d = DataDir::open(data)?;
    Ok(Catalog::open(&d.catalog_path())?)
}

#[cfg(feature = "sql")]
fn sql(data: &Path, query: &str, csv: bool, as_of: Option<i64>) -> Result<ExitCode> {
    let d = DataDir::open(data)?;
    let catalog = Catalog::open(&d.catalog_path())?;
    let out = akutt_sql::run(
        &d,
        &catalog,
        query,
        as_of,
        if csv { akutt_sql::Format::Csv } else { akutt_sql::Format::Table },
    )?;
    out!("{out}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "sql"))]
fn sql(_data: &Path, _query: &str, _csv: bool, _as_of: Option<i64>) -> Result<ExitCode> {
    bail!(
        "this build has no SQL engine: rebuild with `cargo build --release --features sql` \
         (Apache DataFusion; a long build), or open the Parquet files in DuckDB or pandas as docs/DATA.md shows"
    )
}

/// The files named, a directory standing for its files (not hidden ones), sorted by name.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading the directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && !f.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            inside.sort();
            if inside.is_empty() {
                bail!("{}: the directory has no files to ingest", p.display());
            }
            out.extend(inside);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// `akutt ingest` of several files in one process: one progress bar (files), one summary.
fn ingest_many(data: &DataDir, key: &[u8], files: &[PathBuf], json: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let bar = progress_bar().inspect(|b| {
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files ({eta}) {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_length(files.len() as u64);
    });
    let mut rows = Vec::new();
    let (mut accepted, mut rejected, mut failed, mut unchanged) = (0u64, 0u64, 0u64, 0u64);
    let mut totals = akutt_ingest::Counts::default();
    for (i, f) in files.iter().enumerate() {
        if let Some(b) = &bar {
            b.set_position(i as u64);
            b.set_message(f.display().to_string());
        }
        match ingest(data, key, f, |_, _| {}) {
            Ok(o) => {
                let c = &o.report.counts;
                totals += c;
                if o.accepted {
                    accepted += 1
                } else {
                    rejected += 1
                }
                let first_error = (!o.accepted)
                    .then(|| o.report.findings.iter().find(|f| f.severity == "error"))
                    .flatten()
                    .map(|f| format!("{} {}", f.code, f.message));
                rows.push(serde_json::json!({
                    "file": f.display().to_string(),
                    "submission": o.report.submission.id,
                    "status": o.report.submission.status,
                    "centre": o.report.submission.centre,
                    "incidents_accepted": c.incidents_accepted,
                    "incidents_rejected": c.incidents_rejected,
                    "findings": o.report.findings_per_rule.values().sum::<u64>(),
                    "first_error": first_error,
                }));
            }
            // Already the current version: nothing stored, not a failure (a directory
            // ingested again gives only its new files).
            Err(akutt_ingest::IngestError::Identical { submission, .. }) => {
                unchanged += 1;
                rows.push(serde_json::json!({
                    "file": f.display().to_string(),
                    "submission": submission,
                    "status": "unchanged",
                }));
            }
            Err(e) => {
                failed += 1;
                rows.push(serde_json::json!({
                    "file": f.display().to_string(),
                    "status": "failed",
                    "error": format!("{:#}", anyhow::Error::from(e)),
                }));
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "files": rows,
                "accepted": accepted,
                "rejected": rejected,
                "failed": failed,
                "unchanged": unchanged,
                "counts": totals,
                "seconds": (seconds * 10.0).round() / 10.0,
            })
        );
    } else {
        for r in rows.iter().filter(|r| r["status"] != "accepted" && r["status"] != "unchanged") {
            let why = r["first_error"].as_str().or(r["error"].as_str()).unwrap_or("");
            outln!(
                "{:<9} {}  {}{}",
                r["status"].as_str().unwrap_or(""),
                r["file"].as_str().unwrap_or(""),
                why,
                r["submission"]
                    .as_i64()
                    .map_or(String::new(), |id| format!("  (akutt report {id})"))
            );
        }
        outln!(
            "{} filer: {accepted} godtatt, {rejected} avvist, {failed} feilet, {unchanged} uendret; {} hendelser godtatt, {} avvist; {seconds:.1} s / {} files: {accepted} accepted, {rejected} rejected, {failed} failed, {unchanged} unchanged (identical to their current version, not stored again); {} incidents accepted, {} rejected",
            files.len(),
            totals.incidents_accepted,
            totals.incidents_rejected,
            files.len(),
            totals.incidents_accepted,
            totals.incidents_rejected
        );
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else if rejected > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

#[allow(clippy::too_many_arguments)]
fn synth(
    out: PathBuf,
    from: &str,
    to: &str,
    centres: &str,
    scale: f64,
    seed: u64,
    error_rate: f64,
    response_step: Option<akutt_synth::ResponseStep>,
    json: bool,
) -> Result<ExitCode> {
    let centres = if centres.trim().eq_ignore_ascii_case("all") {
        None
    } else {
        Some(
            centres.split(',').map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty()).collect(),
        )
    };
    let cfg = akutt_synth::Config {
        out: out.clone(),
        months: MonthRange::new(month_flag(from, "--from")?, month_flag(to, "--to")?)
            .map_err(|e| anyhow::anyhow!("--from {} is after --to {}", e.from, e.to))?,
        centres,
        scale,
        seed,
        error_rate,
        response_step,
    };
    if !json {
        eprintln!("{}", akutt_synth::BANNER);
    }
    let started = std::time::Instant::now();
    let quiet = json || !std::io::stderr().is_terminal();
    let summary = akutt_synth::generate(&cfg, &|f| {
        if !quiet {
            eprintln!("  {} ({} rows, {} incidents)", f.path, f.rows, f.incidents);
        }
    })?;
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "synthetic": true,
                "notice": akutt_synth::BANNER,
                "out": out.display().to_string(),
                "files": summary.files.len(),
                "rows": summary.total(|f| f.rows),
                "incidents": summary.total(|f| f.incidents),
                "missions": summary.total(|f| f.missions),
                "faults": summary.total(|f| f.faults),
                "expected_findings": summary.expected_findings,
                "seconds": started.elapsed().as_secs_f64(),
            })
        );
    } else {
        outln!("{}", akutt_synth::BANNER);
        outln!(
            "{} extracts, {} rows, {} incidents, {} missions in {:.1} s → {}",
            summary.files.len(),
            summary.total(|f| f.rows),
            summary.total(|f| f.incidents),
            summary.total(|f| f.missions),
            started.elapsed().as_secs_f64(),
            out.display()
        );
        if error_rate > 0.0 {
            outln!(
                "{} injected faults; {} expected findings in {}",
                summary.total(|f| f.faults) + summary.fault_files.len() as u64,
                summary.expected_findings,
                out.join("ground-truth.csv").display()
            );
        }
        outln!("Load: akutt mappings load {}/mappings/mapping-CODE.csv --centre CODE; akutt ingest {}/extracts/CODE-YYYY-MM.csv", out.display(), out.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn indicators(
    data_dir: &Path,
    from: &str,
    to: &str,
    centre: Option<&str>,
    by: &[String],
    filter: &[String],
    as_of: Option<i64>,
    only: &[String],
    structure: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let raw = akutt_indicators::RawRequest {
        structure,
        from: Some(from),
        to: Some(to),
        centre,
        by: by.iter().map(String::as_str).collect(),
        filters: filter.iter().map(String::as_str).collect(),
        indicators: only.iter().map(String::as_str).collect(),
        as_of,
    };
    let request =
        akutt_indicators::Request::parse(&raw).map_err(|e| anyhow::anyhow!("{}", e.for_cli()))?;
    let data = DataDir::open(data_dir)?;
    let catalog = Catalog::open_read_only(&data.catalog_path())
        .with_context(|| format!("no registry at {}", data_dir.display()))?;
    let latest = catalog.latest_data_version()?;
    if let Some(v) = as_of {
        if v < 1 || v > latest {
            bail!("--as-of {v}: data versions run from 1 to {latest}");
        }
    }
    // Only the submissions of the months the answer reads, accumulated as they are read.
    let months = request.query.months_read(&request.indicators);
    let version = as_of.unwrap_or(latest);
    let query = &request.query;
    // The 113 answer times come from the call logs (DOMAIN.md §11), the rest from incidents.
    let (call_ids, incident_ids): (Vec<_>, Vec<_>) =
        request.indicators.iter().partition(|i| i.is_call());
    let mut figures = Vec::new();
    let (mut structure, mut notes) = (None, Vec::new());
    if !incident_ids.is_empty() {
        let needed =
            akutt_store::facts::needed_submissions(&data, &catalog, version, Some(months))?;
        let population = catalog.population_at(version)?.map(|rows| akutt_indicators::Population {
            by_kommune_year: rows.into_iter().map(|(k, y, n)| ((k, y), n)).collect(),
        });
        let computed = akutt_store::facts::stream_answer(
            &catalog,
            version,
            None,
            &needed,
            query,
            population.as_ref(),
            &incident_ids,
        )?
        .map_err(|e| anyhow::anyhow!("--structure: {e}"))?;
        structure = Some(computed.structure);
        notes = computed.splits.iter().map(ToString::to_string).collect();
        figures = computed.figures;
    }
    if !call_ids.is_empty() {
        akutt_indicators::calls::check_query(query).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (facts, _) = akutt_store::calls::load_call_facts(&data, &catalog, Some(version), None)?;
        figures.extend(
            akutt_indicators::calls::answer_time(&facts, query)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    let figures = &figures;
    // No incident indicator, no municipality structure: `null` in JSON, `-` in text.
    let structure_text = structure.map_or_else(|| "-".to_string(), |s| s.to_string());
    let (from, to) = (query.months.from(), query.months.to());
    if json {
        outln!(
            "{}",
            serde_json::json!({ "data_version": version, "from": from.to_string(), "to": to.to_string(), "structure": structure, "notes": notes, "indicators": figures })
        );
    } else {
        outln!("Indikatorer / indicators {from} – {to}, dataversjon / data version {version}, kommunestruktur / municipality structure {structure_text}");
        for n in &notes {
            outln!("Merk / note: {n}");
        }
        for f in figures {
            let group: Vec<String> = f
                .group
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        serde_json::to_string(v).unwrap_or_default().trim_matches('"')
                    )
                })
                .collect();
            let values = serde_json::to_value(&f.values).unwrap_or_default();
            let values: Vec<String> = values
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            outln!("{:<24} {:<40} {}", f.id, group.join(" "), values.join(" "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `akutt demo`: a synthetic two-year world, ingested and served.
fn demo(dir: &Path, addr: &str, scale: f64, no_serve: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let data = DataDir::open(dir.join("data"))?;
    eprintln!("{}", akutt_synth::BANNER);
    let built = Catalog::open(&data.catalog_path())?.latest_data_version()? > 0;
    if built {
        eprintln!(
            "Demo: bruker verdenen i {} / using the world in {}",
            dir.display(),
            dir.display()
        );
    } else {
        let world = dir.join("world");
        let this_year = 2025;
        let cfg = akutt_synth::Config {
            out: world.clone(),
            months: MonthRange::new(
                Month::new(this_year - 1, 1).context("the demo's years")?,
                Month::new(this_year, 12).context("the demo's years")?,
            )?,
            centres: None,
            scale,
            seed: 2025,
            error_rate: 0.002,
            response_step: None,
        };
        eprintln!("Demo: lager en syntetisk verden 2024–2025 / generating a synthetic world 2024–2025 (scale {scale}) …");
        let summary = akutt_synth::generate(&cfg, &|_| {})?;
        let key = akutt_store::key::load_or_create(&dir.join("pseudonym.key"), data.root())?;
        for m in &summary.mappings {
            let centre = m.trim_start_matches("mappings/mapping-").trim_end_matches(".csv");
            load_mappings(&data, &world.join(m), centre)?;
        }
        let bar = progress_bar();
        if let Some(b) = &bar {
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.set_length(summary.files.len() as u64);
        }
        for (i, f) in summary.files.iter().enumerate() {
            if let Some(b) = &bar {
                b.set_position(i as u64);
                b.set_message(f.path.clone());
            } else if i % 48 == 0 {
                eprintln!("  ingest {}/{} …", i, summary.files.len());
            }
            ingest(&data, &key, &world.join(&f.path), |_, _| {})
                .with_context(|| format!("ingest of {}", f.path))?;
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        akutt_ingest::load_population(&data, &world.join("population.csv"))?;
        akutt_ingest::load_centre_areas(&data, &world.join("centre-areas.csv"))?;
        // The US side of the benchmark page: the public NEMSIS v3.5 compliance samples of the
        // repository (real test files of the NEMSIS TAC, not synthetic), when run from a clone.
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nemsis/samples");
        if let Ok(entries) = std::fs::read_dir(&samples) {
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "xml")
                        && !p.to_string_lossy().contains("Fail")
                })
                .collect();
            files.sort();
            for f in &files {
                ingest(&data, &key, f, |_, _| {})
                    .with_context(|| format!("ingest of {}", f.display()))?;
            }
            eprintln!("Demo: {} NEMSIS v3.5-eksempelfiler lest inn / NEMSIS v3.5 sample files ingested (the benchmark page)", files.len());
        }
        // Demo users of the restricted area; their tokens go to a file in the demo folder.
        let mut tokens = String::new();
        for (name, role) in
            [("demo-admin", "admin"), ("demo-osl", "centre:OSL"), ("demo-kkn", "centre:KKN")]
        {
            let t = akutt_server::auth::add_user(&data, name, role)?;
            tokens.push_str(&format!("{name} {role} {t}\n"));
        }
        // The tokens sign in: readable by this user only.
        let tokens_file = dir.join("tokens.txt");
        std::io::Write::write_all(
            &mut akutt_store::private::create_file(&tokens_file)?,
            tokens.as_bytes(),
        )?;
        eprintln!(
            "Demo: {} uttrekk, {} hendelser lest inn på {:.0} s / {} extracts, {} incidents ingested in {:.0} s",
            summary.files.len(),
            summary.total(|f| f.incidents),
            started.elapsed().as_secs_f64(),
            summary.files.len(),
            summary.total(|f| f.incidents),
            started.elapsed().as_secs_f64()
        );
    }
    let key = akutt_store::key::load_or_create(&dir.join("pseudonym.key"), data.root())?;
    // The demo publishes what it ingested: one release through December 2025, final through
    // the second tertial (a demo directory from before releases gets it on its next run).
    if Catalog::open(&data.catalog_path())?.latest_release()?.is_none() {
        let state = akutt_server::AppState::new(data.clone(), akutt_server::Config::default())?
            .with_key(key.clone());
        let r = akutt_server::release::create(
            &state,
            "2025-12",
            Some("2025-08"),
            "Demo: syntetiske data / synthetic data",
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        eprintln!("Demo: publisering {} / release {} through {}", r.id, r.id, r.through);
    }
    if no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let state = std::sync::Arc::new(
        akutt_server::AppState::new(
            data,
            akutt_server::Config { synthetic: true, ..akutt_server::Config::default() },
        )?
        .with_key(key),
    );
    // Load the facts before the first visitor comes.
    state.warm()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    outln!(
        "Akutt demo (SYNTETISKE DATA / SYNTHETIC DATA): http://{addr}/   (Ctrl-C stopper / stops)"
    );
    outln!("Innlogging / sign-in tokens: {}", dir.join("tokens.txt").display());
    rt.block_on(akutt_server::serve(state, addr)).with_context(|| format!("serving on {addr}"))?;
    Ok(ExitCode::SUCCESS)
}

/// The registry's data directory with its key, as the commands that compute public or
/// restricted figures outside a server need it (releases, reports, the calendar).
fn registry_state(
    data: &Path,
    key_file: Option<PathBuf>,
    synthetic: bool,
) -> Result<akutt_server::AppState> {
    let data = DataDir::open(data)?;
    let key_file = match key_file {
        Some(k) => k,
        None => default_key_file()?,
    };
    let key = akutt_store::key::load_or_create(&key_file, data.root())?;
    let config = akutt_server::Config { synthetic, ..akutt_server::Config::default() };
    Ok(akutt_server::AppState::new(data, config)?.with_key(key))
}

/// `akutt completeness`.
fn completeness(
    data: &Path,
    key_file: Option<PathBuf>,
    from: Option<String>,
    to: Option<String>,
    centre: Option<String>,
    deadline_day: u32,
    json: bool,
) -> Result<ExitCode> {
    let state = registry_state(data, key_file, false)?;
    let today = akutt_server::completeness::today();
    let centre = centre.map(|c| c.to_uppercase());
    if let Some(c) = &centre {
        if akutt_model::centre::centre(c).is_none() {
            bail!("--centre: unknown centre code «{c}»");
        }
    }
    let months = akutt_server::completeness::months(&state, from.as_deref(), to.as_deref(), today)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = akutt_server::completeness::of_registry(
        &state,
        months,
        centre.as_deref(),
        deadline_day,
        today,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "from": months.from().to_string(),
                "to": months.to().to_string(),
                "deadline_day": deadline_day,
                "today": today.to_string(),
                "rows": rows,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut head = format!("{:<8}", "sentral");
    for m in months.iter() {
        head.push_str(&format!(" {m:>8}"));
    }
    outln!("{head}");
    for r in &rows {
        let mut line = format!("{:<8}", r.centre);
        for c in &r.months {
            let mark = match (c.status, c.late) {
                ("received", false) => "ok".to_string(),
                ("received", true) => "sen".to_string(),
                ("rejected", _) => "avvist".to_string(),
                (_, true) => "MANGLER".to_string(),
                _ => "-".to_string(),
            };
            let share =
                c.share_of_expected.map_or(String::new(), |s| format!(" {:.0}%", s * 100.0));
            line.push_str(&format!(" {:>8}", format!("{mark}{share}")));
        }
        outln!("{line}");
    }
    outln!("ok = mottatt i tide / received on time; sen = etter fristen / late; avvist = bare avviste filer / only rejected files; MANGLER = ikke mottatt, fristen er passert / not received, deadline passed; - = ikke mottatt, ikke forfalt / not yet due; % = andel av forventet / share of expected (frist / deadline: den {deadline_day}. i måneden etter / day {deadline_day} of the month after)");
    Ok(ExitCode::SUCCESS)
}

/// `akutt release create|list`.
fn release(data: &Path, key_file: Option<PathBuf>, command: ReleaseCommand) -> Result<ExitCode> {
    let synthetic = matches!(command, ReleaseCommand::Report { synthetic: true, .. });
    let state = registry_state(data, key_file, synthetic)?;
    match command {
        ReleaseCommand::Create { through, final_through, note } => {
            let made =
                akutt_server::release::create(&state, &through, final_through.as_deref(), &note);
            // Audited whatever the outcome (the command line acts as an admin).
            let status = if made.is_ok() { 200 } else { 400 };
            let path = format!(
                "release create --through {through}{}",
                final_through.as_deref().map_or(String::new(), |f| format!(" --final-through {f}"))
            );
            Catalog::open(&state.data.catalog_path())?.audit(
                Some(("command line", "admin")),
                "CLI",
                &path,
                status,
            )?;
            let r = made.map_err(|e| anyhow::anyhow!("{e}"))?;
            let changes: Vec<serde_json::Value> = serde_json::from_str(&r.changes)?;
            outln!(
                "Publisering {} / release {}: dataversjon {}, til og med {} ({}); {} endrede tall / changed figures",
                r.id,
                r.id,
                r.data_version,
                r.through,
                r.final_through.as_deref().map_or("alle foreløpige / all provisional".to_string(), |f| format!("endelig til og med {f} / final through {f}")),
                changes.len()
            );
        }
        ReleaseCommand::Report { tertial, year, release, out, lang, synthetic: _ } => {
            let period = tertial.or(year).unwrap_or_default();
            let period =
                akutt_server::report::Period::parse(&period).map_err(|e| anyhow::anyhow!("{e}"))?;
            let as_pdf = match out.extension().and_then(|e| e.to_str()) {
                Some("pdf") => true,
                Some("html") => false,
                _ => bail!("{}: a report is written as FILE.pdf or FILE.html", out.display()),
            };
            let catalog = state.catalog().map_err(|e| anyhow::anyhow!("{e}"))?;
            let r = match release {
                Some(id) => catalog.release(id)?.with_context(|| format!("no release {id}"))?,
                None => catalog
                    .latest_release()?
                    .context("nothing is released yet (akutt release create)")?,
            };
            let lang = akutt_server::html::Lang::of(lang.as_deref());
            let bytes = if as_pdf {
                akutt_server::report::pdf(&state, &r, period, lang)
            } else {
                akutt_server::report::html(&state, &r, period, lang).map(String::into_bytes)
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            outln!("{} ({}, publisering / release {})", out.display(), period.name(lang), r.id);
        }
        ReleaseCommand::List { json } => {
            let catalog = state.catalog().map_err(|e| anyhow::anyhow!("{e}"))?;
            let all = catalog.releases()?;
            let listed = all
                .iter()
                .map(|r| akutt_server::release::listed(&state, r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                outln!("{}", serde_json::Value::Array(listed));
            } else if all.is_empty() {
                outln!("Ingen publiseringer / no releases");
            } else {
                for (r, v) in all.iter().zip(&listed) {
                    outln!(
                        "{}\t{}\tdataversjon {}\ttil og med {}\tendelig til og med {}\t{} endringer\t{}",
                        r.id,
                        r.created_at,
                        r.data_version,
                        r.through,
                        r.final_through.as_deref().unwrap_or("-"),
                        v["changes"].as_array().map_or(0, Vec::len),
                        r.note
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How the server logs: one line per request and every internal error with its cause, to
/// stderr.
#[derive(clap::Args, Debug)]
struct LogArgs {
    /// `text` (one readable line per event) or `json` (one JSON object per line, for a log
    /// collector).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Which events: a level (`error`, `warn`, `info`, `debug`) or per-module directives
    /// (`warn,akutt_server=info`). Defaults to the `AKUTT_LOG` variable, else `info`.
    #[arg(long)]
    log: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LogFormat {
    Text,
    Json,
}

impl LogArgs {
    fn init(&self) -> Result<()> {
        let directives = match &self.log {
            Some(d) => d.clone(),
            None => std::env::var("AKUTT_LOG").unwrap_or_else(|_| "info".into()),
        };
        let filter = tracing_subscriber::EnvFilter::try_new(&directives)
            .with_context(|| format!("--log / AKUTT_LOG: «{directives}» is no log filter"))?;
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false);
        let done = match self.log_format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().flatten_event(true).try_init(),
        };
        done.map_err(|e| anyhow::anyhow!("logging: {e}"))
    }
}

/// A `YYYY-MM` flag's value.
fn month_flag(s: &str, flag: &str) -> Result<Month> {
    Month::parse(s).with_context(|| format!("{flag} must be YYYY-MM, got «{s}»"))
}

fn month_arg(s: Option<String>, what: &str) -> Result<Option<Month>> {
    s.map(|s| month_flag(&s, &format!("--{what}"))).transpose()
}

fn benchmark(
    data: &Path,
    from: Option<String>,
    to: Option<String>,
    as_of: Option<i64>,
    conditions: Option<PathBuf>,
    print_conditions: bool,
    json: bool,
) -> Result<ExitCode> {
    let data = DataDir::open(data)?;
    let table = match &conditions {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            akutt_benchmark::ConditionTable::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => akutt_store::facts::condition_table(&data)?,
    };
    if print_conditions {
        outln!("condition;urgency;chapter;criterion;comment");
        for r in &table.rules {
            outln!(
                "{};{};{};{};{}",
                r.condition.id(),
                r.urgency.map(String::from).unwrap_or_default(),
                r.chapter,
                r.criterion.clone().unwrap_or_default(),
                r.comment
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let period =
        akutt_benchmark::Period { from: month_arg(from, "from")?, to: month_arg(to, "to")? };
    let catalog = Catalog::open(&data.catalog_path())?;
    let (no, version) = akutt_store::facts::load_benchmark_incidents(&data, &catalog, as_of, None)?;
    let (us, _) = akutt_store::nemsis::load_nemsis(&data, &catalog, Some(version))?;
    let b = akutt_benchmark::compute(&no, &us, period, &table, None);
    if json {
        let mut v = serde_json::to_value(&b)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("data_version".into(), version.into());
            let ym = |m: Option<Month>| m.map(|m| m.to_string());
            o.insert("from".into(), serde_json::to_value(ym(period.from))?);
            o.insert("to".into(), serde_json::to_value(ym(period.to))?);
        }
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    out!("{}", benchmark_text(&b, version));
    Ok(ExitCode::SUCCESS)
}

fn benchmark_text(b: &akutt_benchmark::Benchmark, version: i64) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let t =
        |v: Option<i64>| v.map_or_else(|| "–".to_string(), |v| format!("{}:{:02}", v / 60, v % 60));
    let _ = writeln!(s, "Nordisk-amerikansk sammenligning / Nordic-American benchmark (dataversjon / data version {version})");
    let _ = writeln!(s, "{:<46} {:>18} {:>18}", "", "Norge / Norway", "NEMSIS (US)");
    let _ =
        writeln!(s, "{:<46} {:>18} {:>18}", "poster / records", b.norway.records, b.nemsis.records);
    let _ = writeln!(
        s,
        "{:<46} {:>18} {:>18}",
        "hastehendelser / emergency incidents",
        b.norway.emergency_incidents,
        b.nemsis.emergency_incidents
    );
    for (name, no, us) in [
        ("call_to_scene", &b.norway.call_to_scene, &b.nemsis.call_to_scene),
        ("notified_to_scene", &b.norway.notified_to_scene, &b.nemsis.notified_to_scene),
    ] {
        let _ = writeln!(
            s,
            "{:<46} {:>18} {:>18}",
            format!("{name} median (m:ss)"),
            t(no.median_s),
            t(us.median_s)
        );
        let _ = writeln!(
            s,
            "{:<46} {:>18} {:>18}",
            format!("{name} p90 (m:ss)"),
            t(no.p90_s),
            t(us.p90_s)
        );
        let _ = writeln!(
            s,
            "{:<46} {:>18} {:>18}",
            format!("{name} n / n_missing"),
            format!("{} / {}", no.n, no.n_missing),
            format!("{} / {}", us.n, us.n_missing)
        );
    }
    for (no, us) in b.norway.conditions.iter().zip(&b.nemsis.conditions) {
        let r = |x: Option<f64>| x.map_or_else(|| "–".into(), |x| format!("{x:.1}"));
        let _ = writeln!(
            s,
            "{:<46} {:>18} {:>18}",
            format!("{} (per 1000)", no.condition.id()),
            format!("{} ({})", no.incidents, r(no.per_1000)),
            format!("{} ({})", us.incidents, r(us.per_1000))
        );
    }
    let _ = writeln!(s, "\nDefinisjoner / definitions:");
    for d in &b.definitions {
        let _ = writeln!(s, "- {}\n  Norge: {}\n  NEMSIS: {}", d.id, d.norway, d.nemsis);
    }
    let _ = writeln!(s, "\nForbehold / caveats:");
    for c in &b.caveats {
        let _ = writeln!(s, "- {c}");
    }
    s
}
