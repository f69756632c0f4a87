//! `embargo policy`: check a policy file (every diagnostic as `file:line:column: level:
//! message` plus a hint; non-zero exit on errors only) and render it as SECURITY.md,
//! security.txt, an HTML page or JSON.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow};
use embargo_domain::policy::{Policy, lint, utc_date_from_unix_seconds};
use embargo_formats::{policy_html, policy_json, security_md, security_txt};

/// `embargo policy …`
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PolicyCommand {
    /// Report every problem in a policy file; exits non-zero on errors, zero on warnings only.
    Check {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// Render a policy file to standard output.
    Render {
        /// The policy file (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "security-md")]
        format: RenderFormat,
    },
}

/// What `policy render` produces.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RenderFormat {
    /// SECURITY.md.
    SecurityMd,
    /// security.txt (RFC 9116), unsigned.
    SecurityTxt,
    /// A self-contained HTML page.
    Html,
    /// The policy as JSON.
    Json,
}

fn read(file: &PathBuf) -> anyhow::Result<(String, String)> {
    let src =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    Ok((src, file.display().to_string()))
}

/// Seconds since the Unix epoch from the system clock (the binary reads the clock; the
/// domain only receives the resulting date).
fn now_unix_seconds() -> anyhow::Result<i64> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_secs();
    i64::try_from(secs).context("system clock out of range")
}

/// Runs `embargo policy …`.
pub fn run(args: PolicyArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PolicyCommand::Check { file } => {
            let (src, name) = read(&file)?;
            let today = utc_date_from_unix_seconds(now_unix_seconds()?)
                .ok_or_else(|| anyhow!("system clock out of range"))?;
            let diagnostics = lint(&src, &name, today);
            for d in &diagnostics {
                println!("{d}");
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = diagnostics.len() - errors;
            eprintln!("{name}: {errors} error(s), {warnings} warning(s)");
            Ok(if errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        PolicyCommand::Render { file, format } => {
            let (src, name) = read(&file)?;
            let policy = match Policy::from_toml(&src, &name) {
                Ok(p) => p,
                Err(diagnostics) => {
                    for d in &diagnostics {
                        eprintln!("{d}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
            };
            let today = utc_date_from_unix_seconds(now_unix_seconds()?)
                .ok_or_else(|| anyhow!("system clock out of range"))?;
            let out = match format {
                RenderFormat::SecurityMd => security_md::render(&policy, today),
                RenderFormat::SecurityTxt => security_txt::render(&policy, today),
                RenderFormat::Html => policy_html::render(&policy, today),
                RenderFormat::Json => policy_json::render(&policy)?,
            };
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
