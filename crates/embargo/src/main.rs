//! `embargo`: the one binary. Subcommands: serve, migrate, admin, config, audit, backup,
//! policy, program, cvss, feed, kit, sbom.

mod cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use embargo_app::config::{Config, LogFormat, Overrides};

#[derive(Parser)]
#[command(name = "embargo", version, about = "Self-hosted coordinated vulnerability disclosure: intake, triage, coordination, advisories, signed publication.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data is: shared by every command that touches it.
#[derive(Args, Clone, Debug)]
struct DataArgs {
    /// Configuration file [default: ./embargo.toml when present].
    #[arg(long, env = "EMBARGO_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the SQLite database and keys [default: ./embargo-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data directory].
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (and, unless disabled, the background jobs).
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Log format: text or json.
        #[arg(long, value_name = "FORMAT")]
        log_format: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage team accounts from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Make a consistent online copy of the SQLite database (prints the pg_dump command for
    /// PostgreSQL).
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// Destination file (must not exist).
        path: PathBuf,
    },
    /// Check and render policy files.
    Policy(cmd::policy::PolicyArgs),
    /// Print the version, scores and severity of a CVSS vector, or exactly what is wrong with it
    /// (exit code 2).
    Cvss(cmd::cvss::CvssArgs),
    /// File one e-mail message from standard input (for an MTA's pipe); see `--help`.
    IngestMail(cmd::mail::IngestArgs),
    /// Add, update and list programs (each described by its policy.toml).
    Program {
        #[command(subcommand)]
        command: cmd::program::ProgramCommand,
    },
    /// The vulnerability feed: ingest, query by purl, show merged vulnerabilities, export and
    /// verify signed snapshots.
    Feed {
        #[command(subcommand)]
        command: cmd::feed::FeedCommand,
    },
    /// The Offline Update Kit: build a signed kit from a feed snapshot, verify it, import it.
    Kit {
        #[command(subcommand)]
        command: cmd::kit::KitCommand,
    },
    /// SBOMs: scan a CycloneDX or SPDX document against the feed, applying its VEX.
    Sbom {
        #[command(subcommand)]
        command: cmd::sbom::SbomCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user and print a one-time setup link (valid 1 hour).
    CreateUser {
        #[command(flatten)]
        data: DataArgs,
        email: String,
        /// admin, triager, developer or viewer.
        #[arg(long)]
        role: String,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Print a one-time password reset link (valid 1 hour) for a user.
    ResetPassword {
        #[command(flatten)]
        data: DataArgs,
        email: String,
    },
    /// Disable a user (ends their sessions; their tokens stop working). --enable reverses it.
    DisableUser {
        #[command(flatten)]
        data: DataArgs,
        email: String,
        #[arg(long)]
        enable: bool,
    },
    /// List team accounts.
    ListUsers {
        #[command(flatten)]
        data: DataArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Turn off a user's two-factor authentication (lost device) and end their sessions.
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[command(flatten)]
        data: DataArgs,
        email: String,
    },
    /// Create an API token for a user and print it once.
    CreateToken {
        #[command(flatten)]
        data: DataArgs,
        email: String,
        /// read, write or admin (at most what the user's role allows).
        #[arg(long)]
        scope: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires; 0 for never.
        #[arg(long, default_value_t = 90)]
        expires_days: u32,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print an annotated embargo.toml with every key at its default.
    Example,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every link of the hash chain; exit 1 and name the first broken entry if any.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
}

fn load_config(
    data: &DataArgs,
    listen: Option<String>,
    log_format: Option<String>,
) -> anyhow::Result<Config> {
    let overrides = Overrides {
        listen,
        data_dir: data.data_dir.clone(),
        database_url: data.database_url.clone(),
        log_format,
    };
    Ok(Config::load(
        data.config.as_deref(),
        std::env::vars(),
        &overrides,
    )?)
}

/// Logs go to stderr. The server writes through a background thread (`background`), so a slow
/// terminal or pipe never stalls a request; keep the returned guard alive, dropping it flushes
/// what is queued. One-shot commands write directly.
fn init_logging(
    config: &Config,
    default: &str,
    background: bool,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("EMBARGO_LOG")
        .or_else(|_| {
            EnvFilter::try_new(if default.is_empty() {
                &config.log_level
            } else {
                default
            })
        })
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    let (writer, guard) = if background {
        let (w, g) = tracing_appender::non_blocking(std::io::stderr());
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(w),
            Some(g),
        )
    } else {
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr),
            None,
        )
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
    guard
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            data,
            listen,
            log_format,
        } => {
            let config = load_config(&data, listen, log_format)?;
            let _log = init_logging(&config, "", true);
            let running =
                embargo_app::serve::start(config, Arc::new(embargo_app::clock::SystemClock))
                    .await?;
            println!("Embargo listening on {}", running.public_url);
            if let Some(link) = &running.setup_link {
                println!(
                    "No administrator yet. Create the first one with this one-time link (valid 1 hour):"
                );
                println!("  {link}");
            }
            running.until_signal().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { data } => {
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "warn", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            println!(
                "Database at schema version {}.",
                embargo_store::migrate::current_version(&store).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command } => cmd::admin::run(command).await,
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", embargo_app::config::example());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { data },
        } => {
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "warn", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            match embargo_store::audit::verify(store.conn()).await? {
                embargo_store::audit::Verdict::Intact { entries } => {
                    println!("Audit log intact: {entries} entries verified.");
                    Ok(ExitCode::SUCCESS)
                }
                embargo_store::audit::Verdict::Broken { seq, reason } => {
                    println!("Audit log BROKEN at entry {seq}: {reason}.");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Backup { data, path } => {
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "warn", false);
            let url = config.effective_database_url();
            if url.starts_with("postgres") {
                println!("PostgreSQL is backed up with its own tool, for example:");
                println!(
                    "  pg_dump --format=custom --file={} '{}'",
                    path.display(),
                    embargo_store::redact_url(&url)
                );
                println!(
                    "Also keep a copy of the master key file ({}).",
                    embargo_app::serve::master_key_path(&config).display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            anyhow::ensure!(
                !path.exists(),
                "{} already exists; choose a new file",
                path.display()
            );
            let (store, _) = embargo_app::serve::open(&config).await?;
            store.backup_sqlite(&path).await.context("VACUUM INTO")?;
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
            println!(
                "Backed up the database to {} (a consistent copy).",
                path.display()
            );
            println!(
                "Keep the master key ({}) with it: sealed secrets cannot be read without it.",
                embargo_app::serve::master_key_path(&config).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(args) => cmd::policy::run(args),
        Command::Cvss(args) => cmd::cvss::run(args),
        Command::Program { command } => cmd::program::run(command).await,
        Command::IngestMail(args) => cmd::mail::run(args).await,
        Command::Feed { command } => cmd::feed::run(command).await,
        Command::Sbom { command } => cmd::sbom::run(command).await,
        Command::Kit { command } => cmd::kit::run(command).await,
    }
}
