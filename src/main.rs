//! The `conduit` command: `serve` (the default), `migrate`, `seed`, `check`, `schema`,
//! `healthcheck`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use conduit::config::{Config, LogFormat};

#[derive(Parser)]
#[command(
    name = "conduit",
    version,
    about = "The RealWorld backend: REST at /api, GraphQL at /graphql"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Configured by environment variables; see README.md.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with demo data (every demo user's password: conduit-demo).
    Seed {
        /// How many users to create.
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// How many articles to create (with tags, favorites and comments).
        #[arg(long, default_value_t = 1000)]
        articles: usize,
        /// Seed of the random generator: the same seed makes the same data.
        #[arg(long, default_value_t = 42)]
        random_seed: u64,
    },
    /// Recount every counter (article, favorite and tag counts), compare the tag links' copy of
    /// each article's created_at, and report the rows that differ; exit 1 if any does. Run on a
    /// migrated database.
    Check {
        /// Set the differing counters to the recount (run while the site is not writing).
        #[arg(long)]
        repair: bool,
    },
    /// Exit 0 if the server on BIND_ADDRESS's port answers /health/ready with 200 (the Docker
    /// health check; the image has no curl).
    Healthcheck,
    /// Print the GraphQL schema (SDL), or write it to a file.
    Schema {
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let cli = Cli::parse();
    if let Some(Command::Schema { output }) = &cli.command {
        return write_schema(output.as_deref());
    }
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("conduit: {error}");
            return ExitCode::from(2);
        }
    };
    // Held to the end of main: dropping it flushes the log lines still buffered.
    let _log_writer = init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conduit: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Some(Command::Migrate) => {
                let applied =
                    conduit::db::migrate::run_pending_migrations(&config.database_url).await?;
                println!(
                    "applied {} migration(s) to {}",
                    applied.len(),
                    config.database_url.redacted()
                );
                Ok(())
            }
            Some(Command::Seed {
                users,
                articles,
                random_seed,
            }) => {
                lift_statement_time_limit(&mut config);
                let plan = conduit::seed::SeedPlan {
                    users,
                    articles,
                    random_seed,
                };
                let state = conduit::AppState::build(config).await?;
                // Display, unlike message(), keeps the cause of an internal error.
                let report = conduit::seed::seed(&state, &plan)
                    .await
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
                println!(
                    "seeded {} users, {} follows, {} articles, {} article tags, {} favorites, {} comments in {:.2?} (password of every user: {})",
                    report.users,
                    report.follows,
                    report.articles,
                    report.article_tags,
                    report.favorites,
                    report.comments,
                    report.elapsed,
                    conduit::seed::DEMO_PASSWORD
                );
                Ok(())
            }
            Some(Command::Check { repair }) => {
                lift_statement_time_limit(&mut config);
                check(&config, repair).await
            }
            Some(Command::Healthcheck) => conduit::healthcheck(config.bind_address).await,
            _ => conduit::serve(config).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("conduit: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How long one statement of `conduit seed` or `conduit check` may run: they insert, count and
/// update whole tables (a 1M-article recount runs for minutes on PostgreSQL), which the request
/// path's `DB_STATEMENT_TIMEOUT_SECS` (10 s by default, meant for requests) would cancel.
const MAINTENANCE_STATEMENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

fn lift_statement_time_limit(config: &mut Config) {
    config.pool.statement_timeout = config
        .pool
        .statement_timeout
        .max(MAINTENANCE_STATEMENT_TIMEOUT);
}

/// Makes glibc's malloc serve every block of 1 MiB or more with its own mapping, unmapped when
/// freed. By default the threshold rises to the size of the largest block freed so far (up to
/// 32 MiB), so after the first 19 MiB argon2 buffer every later one came from the heap, which
/// fragmented and never shrank: 64 concurrent logins left the server at 300–550 MiB for good
/// (issue 8). The password workers now keep their argon2 memory
/// (`auth::argon2_memory`); this still returns every other large block (upload bodies, big
/// answers) when freed. Setting it also turns off the automatic raising (mallopt(3),
/// M_MMAP_THRESHOLD). Called first in `main`, before any thread exists.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const LARGE_BLOCK_BYTES: libc::c_int = 1 << 20;
        // SAFETY: mallopt only changes a setting of the allocator; no thread allocates
        // concurrently yet.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) };
    }
}

/// `conduit check`: one line per counter; an error (exit 1) if any drifted and was not repaired.
async fn check(config: &Config, repair: bool) -> anyhow::Result<()> {
    let database = conduit::db::Database::connect(&config.database_url, &config.pool).await?;
    // A repair announces nothing: a hub of its own that nobody listens to.
    let session = database.session(conduit::events::Events::new(16));
    let report = conduit::check::check_counters(&session, repair)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let mut drifted = 0;
    for drift in &report {
        let state = match (drift.rows, repair) {
            (0, _) => "exact".to_owned(),
            (rows, false) => format!("{rows} row(s) drifted"),
            (rows, true) => format!("{rows} row(s) drifted, repaired"),
        };
        println!("{}: {state}", drift.counter);
        drifted += drift.rows;
    }
    anyhow::ensure!(
        repair || drifted == 0,
        "{drifted} counter row(s) drifted; `conduit check --repair` sets them to the recount"
    );
    Ok(())
}

fn write_schema(output: Option<&std::path::Path>) -> ExitCode {
    let sdl = conduit::graphql::sdl();
    match output {
        None => {
            print!("{sdl}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, sdl) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("conduit: cannot write {}: {error}", path.display());
                ExitCode::FAILURE
            }
        },
    }
}

/// Logs go to stdout through a background writer thread: a request never waits for the terminal
/// or a log collector to take its line (under load a blocking write per request held up a
/// worker thread each time). If the writer falls behind by more than its buffer (128,000 lines),
/// further lines are dropped rather than slowing requests down. Colour codes only when stdout
/// is a terminal: piped into a file or a collector they are noise. The returned guard flushes
/// the lines still buffered when it is dropped, at the end of `main`.
fn init_logging(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let ansi = std::io::stdout().is_terminal();
    // The writer thread drains every line queued so far, then flushes: under load one write
    // call carries many lines instead of one call per line.
    let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
    let (writer, guard) = tracing_appender::non_blocking(stdout);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    guard
}
