//! `embargo program …`: add, update and list programs from policy files, through the same
//! service (lint first, audited) as the admin pages.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use embargo_app::admin::service::Actor;
use embargo_app::program::service::{self, SaveError};

use super::now;
use crate::{DataArgs, init_logging, load_config};

#[derive(clap::Subcommand)]
pub enum ProgramCommand {
    /// Add a program from its policy.toml (checked first; errors are printed with line numbers).
    Add {
        #[command(flatten)]
        data: DataArgs,
        file: PathBuf,
        /// Also make it the instance default (served at /.well-known/security.txt).
        #[arg(long)]
        default: bool,
    },
    /// Replace the policy of the program SLUG.
    Update {
        #[command(flatten)]
        data: DataArgs,
        slug: String,
        file: PathBuf,
    },
    /// List programs.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

fn report(
    result: Result<
        (
            embargo_store::program::Program,
            Vec<embargo_domain::policy::Diagnostic>,
        ),
        SaveError,
    >,
    verb: &str,
) -> anyhow::Result<ExitCode> {
    match result {
        Ok((p, warnings)) => {
            for w in &warnings {
                eprintln!("{w}");
            }
            println!(
                "{verb} program `{}` ({}), revision {}.",
                p.slug, p.name, p.revision
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(SaveError::Invalid(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{d}");
            }
            eprintln!(
                "error: the policy was not saved ({} problem(s))",
                diagnostics.iter().filter(|d| d.is_error()).count()
            );
            Ok(ExitCode::from(2))
        }
        Err(SaveError::Other(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

pub async fn run(command: ProgramCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProgramCommand::Add {
            data,
            file,
            default,
        } => {
            let config = load_config(&data, None, None)?;
            let _ = init_logging(&config, "warn", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            let src = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let result = service::add(
                &store,
                &src,
                &file.display().to_string(),
                &Actor::cli(),
                now(),
            )
            .await;
            if default && let Ok((p, _)) = &result {
                service::make_default(&store, &p.slug, &Actor::cli(), now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            report(result, "Added")
        }
        ProgramCommand::Update { data, slug, file } => {
            let config = load_config(&data, None, None)?;
            let _ = init_logging(&config, "warn", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            let src = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            report(
                service::update(
                    &store,
                    &slug,
                    &src,
                    &file.display().to_string(),
                    None,
                    &Actor::cli(),
                    now(),
                )
                .await,
                "Updated",
            )
        }
        ProgramCommand::List { data } => {
            let config = load_config(&data, None, None)?;
            let _ = init_logging(&config, "warn", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            println!("{:<24} {:<32} {:<9} DEFAULT", "SLUG", "NAME", "REVISION");
            for p in embargo_store::program::list(store.conn()).await? {
                println!(
                    "{:<24} {:<32} {:<9} {}",
                    p.slug,
                    p.name,
                    p.revision,
                    if p.is_default { "yes" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
