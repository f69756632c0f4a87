//! `embargo kit build|verify|import`: the Offline Update Kit (see `embargo_feed::kit`). Build
//! signs with the instance key; verify and import trust only the public key given with
//! `--key`, and change nothing unless every check passes.

use std::path::PathBuf;
use std::process::ExitCode;

use super::now;
use crate::{DataArgs, init_logging, load_config};

/// Kits older than this are refused unless `--max-age-days` says otherwise.
const DEFAULT_MAX_AGE_DAYS: i64 = 30;

#[derive(clap::Subcommand)]
pub enum KitCommand {
    /// Pack a snapshot directory (`embargo feed export`) into one signed tar.zst with an
    /// in-toto / SLSA provenance statement. The snapshot is verified with the instance key
    /// first.
    Build {
        #[command(flatten)]
        data: DataArgs,
        snapshot: PathBuf,
        /// The kit file to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Check a kit with a trusted minisign public key: signatures, every file's digest, no
    /// missing or extra file, age. Exit code 0 when it verifies, 1 otherwise. Needs no
    /// database.
    Verify {
        kit: PathBuf,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Refuse kits built longer ago than this.
        #[arg(long, default_value_t = DEFAULT_MAX_AGE_DAYS, value_parser = clap::value_parser!(i64).range(0..))]
        max_age_days: i64,
    },
    /// Verify a kit, then import its records into this instance's feed in one transaction.
    /// Refused (nothing changed) when verification fails, when a delta's base is not the
    /// installed snapshot, or when the kit is older than the installed one.
    Import {
        #[command(flatten)]
        data: DataArgs,
        kit: PathBuf,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Refuse kits built longer ago than this.
        #[arg(long, default_value_t = DEFAULT_MAX_AGE_DAYS, value_parser = clap::value_parser!(i64).range(0..))]
        max_age_days: i64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read_key(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub async fn run(command: KitCommand) -> anyhow::Result<ExitCode> {
    match command {
        KitCommand::Build {
            data,
            snapshot,
            out,
        } => {
            let (store, key, _log) = super::feed::open_with_key(&data).await?;
            store.close().await;
            embargo_feed::snapshot::verify(&snapshot, |m, s| {
                embargo_app::signing::verify(&key.public_text, m, s)
            })
            .map_err(|e| anyhow::anyhow!("snapshot {}: {e}", snapshot.display()))?;
            let built = embargo_feed::kit::build(
                &snapshot,
                &out,
                |pae| {
                    key.sign(pae, "embargo offline update kit")
                        .map_err(|e| e.to_string())
                },
                &key.key_id,
                now(),
            )?;
            println!(
                "Built {} ({:?} snapshot, {} files, {} bytes), sha256 {}, signed by key {}",
                out.display(),
                built.kind,
                built.files,
                built.size,
                built.kit_sha256,
                key.key_id
            );
            Ok(ExitCode::SUCCESS)
        }
        KitCommand::Verify {
            kit,
            key,
            max_age_days,
        } => {
            let public = read_key(&key)?;
            match embargo_feed::kit::verify(
                &kit,
                |m, s| embargo_app::signing::verify(&public, m, s),
                now(),
                chrono::Duration::days(max_age_days),
            ) {
                Ok(v) => {
                    println!(
                        "{} verifies: {:?} snapshot of {} vulnerabilities, built {}, manifest sha256 {}",
                        kit.display(),
                        v.manifest.kind,
                        v.manifest.counts.vulnerabilities,
                        v.built_at
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        v.manifest_sha256
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", kit.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        KitCommand::Import {
            data,
            kit,
            key,
            max_age_days,
            json,
        } => {
            let public = read_key(&key)?;
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "error", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            let result = embargo_feed::kit::import(
                &store,
                &kit,
                |m, s| embargo_app::signing::verify(&public, m, s),
                now(),
                chrono::Duration::days(max_age_days),
            )
            .await;
            store.close().await;
            let imported = match result {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("error: {}: {e} (nothing was changed)", kit.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&imported)?);
            } else if imported.already_installed {
                println!(
                    "{} is the installed snapshot already: nothing to do",
                    kit.display()
                );
            } else {
                let s = &imported.summary;
                println!(
                    "Imported {} ({:?}): {} records, {} new, {} modified, {} unchanged, {} stale",
                    kit.display(),
                    imported.kind,
                    s.read,
                    s.new,
                    s.modified,
                    s.unchanged,
                    s.stale
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
