//! `embargo feed …`: ingest vulnerability data into the feed, query it by purl, show a merged
//! vulnerability by id or alias, export and verify signed snapshots. Same `--data-dir` / `--database-url` as the server.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use embargo_feed::query::{MatchKind, PackageQuery};
use embargo_feed::{IngestOptions, Summary};
use serde::Serialize;

use super::now;
use crate::{DataArgs, init_logging, load_config};

#[derive(clap::Subcommand)]
pub enum FeedCommand {
    /// Ingest vulnerability records: OSV (JSON or YAML files, directories, osv.dev `all.zip`
    /// archives; GHSA is OSV), NVD CVE API 2.0 pages, CVE JSON 5 records, CSAF 2.0 documents.
    /// Unchanged records are skipped, modified ones replaced, withdrawn ones kept as withdrawn.
    /// Exit code 0: all read; 2: some records were rejected (listed); 1: an input could not
    /// be read at all.
    Ingest {
        #[command(flatten)]
        data: DataArgs,
        /// Files, directories or zip archives.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// File every record under this source instead of its id prefix (pysec, ghsa, go…).
        #[arg(long)]
        source: Option<String>,
        /// Records per transaction.
        #[arg(long, default_value_t = 2000)]
        batch_size: usize,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Which records affect a package: `pkg:pypi/django@4.2.1` (with a version: the matching
    /// range and the fixed version) or `pkg:pypi/django` (every record naming it).
    Query {
        #[command(flatten)]
        data: DataArgs,
        purl: String,
        /// Include withdrawn records.
        #[arg(long)]
        include_withdrawn: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a signed snapshot of the feed into DIR (new or empty): merged vulnerabilities as
    /// sorted JSON Lines, the OSV per-ecosystem `all.zip` layout, a manifest with the sha256
    /// and size of every file, signed with the instance's minisign key. Same feed, same bytes.
    Export {
        #[command(flatten)]
        data: DataArgs,
        dir: PathBuf,
        /// Write only what changed since this earlier snapshot (its digest goes in the
        /// manifest); it is verified with the instance key first.
        #[arg(long, value_name = "SNAPSHOT")]
        since: Option<PathBuf>,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a snapshot: the manifest's signature with KEY (a minisign public key file),
    /// every file's size and sha256, and that no unlisted file is present. Exit code 0 when
    /// it verifies, 1 otherwise (the reason on stderr). Needs no database.
    Verify {
        dir: PathBuf,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// The merged vulnerability for an id or alias (CVE, GHSA, PYSEC, GO…), with every
    /// source's record, the source of each field, and conflicts between sources.
    Show {
        #[command(flatten)]
        data: DataArgs,
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct IngestReport<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    seconds: f64,
    records_per_second: f64,
}

fn progress_bar(template: &str) -> Option<indicatif::ProgressBar> {
    // Only for a person watching: logs and pipes get the summary alone.
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template(template).ok()?;
    bar.set_style(style);
    Some(bar)
}

fn print_summary(s: &Summary, seconds: f64, json: bool) -> anyhow::Result<()> {
    let rate = if seconds > 0.0 {
        s.read as f64 / seconds
    } else {
        0.0
    };
    if json {
        let report = IngestReport {
            summary: s,
            seconds,
            records_per_second: rate,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for r in &s.rejections {
        eprintln!("rejected: {r}");
    }
    if s.rejected as usize > s.rejections.len() {
        eprintln!(
            "… and {} more rejected records",
            s.rejected as usize - s.rejections.len()
        );
    }
    for f in &s.failed_inputs {
        eprintln!("error: {f}");
    }
    println!(
        "Read {} records in {seconds:.1} s ({rate:.0} records/s): {} new, {} modified, {} unchanged, {} stale, {} rejected; {} withdrawn.",
        s.read, s.new, s.modified, s.unchanged, s.stale, s.rejected, s.withdrawn
    );
    Ok(())
}

fn print_answer(purl: &str, a: &embargo_feed::PackageAnswer) {
    let n = a.matches.len();
    println!(
        "{purl} ({}): {n} record{}",
        a.package_key,
        if n == 1 { "" } else { "s" }
    );
    for m in &a.matches {
        let kind = match m.kind {
            MatchKind::Affected => "affected",
            MatchKind::Unknown => "unknown (GIT ranges only)",
            MatchKind::Package => "names the package",
        };
        let fixed = if m.fixed.is_empty() {
            "no fix known".to_owned()
        } else {
            format!("fixed in {}", m.fixed.join(", "))
        };
        let withdrawn = if m.withdrawn.is_some() {
            " [withdrawn]"
        } else {
            ""
        };
        println!("{} [{}]{withdrawn}: {kind}, {fixed}", m.id, m.source);
        if !m.aliases.is_empty() {
            println!("  aliases: {}", m.aliases.join(", "));
        }
        if let Some(s) = &m.summary {
            println!("  {s}");
        }
        for r in &m.ranges {
            let events: Vec<String> = r
                .events
                .iter()
                .map(|e| match e {
                    embargo_formats::osv::OsvEvent::Introduced(v) => format!("introduced {v}"),
                    embargo_formats::osv::OsvEvent::Fixed(v) => format!("fixed {v}"),
                    embargo_formats::osv::OsvEvent::LastAffected(v) => {
                        format!("last affected {v}")
                    }
                    embargo_formats::osv::OsvEvent::Limit(v) => format!("limit {v}"),
                })
                .collect();
            println!("  range {:?}: {}", r.kind, events.join(", "));
        }
    }
    for e in &a.errors {
        eprintln!("not evaluated: {e}");
    }
}

fn print_merged(m: &embargo_feed::Merged) {
    println!("{}{}", m.id, if m.withdrawn { " [withdrawn]" } else { "" });
    if !m.aliases.is_empty() {
        println!("aliases: {}", m.aliases.join(", "));
    }
    if let Some(s) = &m.summary {
        println!("summary ({} {}): {}", s.source, s.id, s.value);
    }
    println!("modified: {}", m.modified);
    for s in &m.severity {
        println!(
            "severity ({} {}): {} {}",
            s.source, s.id, s.value.kind, s.value.score
        );
    }
    for a in &m.affected {
        println!("package {} ({} {})", a.package_key, a.ecosystem, a.name);
        for f in &a.fixed {
            println!("  fixed per {} {}: {}", f.source, f.id, f.value.join(", "));
        }
    }
    for r in &m.records {
        println!(
            "record {} [{}] modified {}{} from {} (sha256 {}, ingested {})",
            r.id,
            r.source,
            r.modified,
            if r.withdrawn.is_some() {
                ", withdrawn"
            } else {
                ""
            },
            r.origin,
            r.digest,
            r.ingested_at
        );
    }
    for c in &m.conflicts {
        let values: Vec<String> = c
            .values
            .iter()
            .map(|v| format!("{} says {}", v.id, v.value))
            .collect();
        println!(
            "CONFLICT {}{}: {}",
            c.field,
            c.package
                .as_deref()
                .map(|p| format!(" of {p}"))
                .unwrap_or_default(),
            values.join("; ")
        );
    }
}

pub async fn run(command: FeedCommand) -> anyhow::Result<ExitCode> {
    match command {
        FeedCommand::Ingest {
            data,
            paths,
            source,
            batch_size,
            json,
        } => {
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "error", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            let opts = IngestOptions {
                source,
                batch_size: batch_size.max(1),
            };
            let bar =
                progress_bar("{bar:40} {pos}/{len} documents · {msg} · {per_sec} · ETA {eta}");
            let started = Instant::now();
            let summary = embargo_feed::ingest(&store, &paths, &opts, now(), |p| {
                if let Some(b) = &bar {
                    b.set_length(p.total_documents);
                    b.set_position(p.documents);
                    b.set_message(format!("{} records", p.records));
                }
            })
            .await?;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            print_summary(&summary, started.elapsed().as_secs_f64(), json)?;
            store.close().await;
            Ok(if !summary.failed_inputs.is_empty() {
                ExitCode::FAILURE
            } else if summary.rejected > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        FeedCommand::Query {
            data,
            purl,
            include_withdrawn,
            json,
        } => {
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "error", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            let mut q = PackageQuery::from_purl(&purl)?;
            q.include_withdrawn = include_withdrawn;
            let answer = embargo_feed::by_package(store.conn(), &q).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                print_answer(&purl, &answer);
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        FeedCommand::Export {
            data,
            dir,
            since,
            json,
        } => {
            let (store, key, _log) = open_with_key(&data).await?;
            if let Some(base) = &since {
                embargo_feed::snapshot::verify(base, |m, s| {
                    embargo_app::signing::verify(&key.public_text, m, s)
                })
                .map_err(|e| anyhow::anyhow!("base snapshot {}: {e}", base.display()))?;
            }
            let bar = progress_bar("{bar:40} {pos}/{len} vulnerabilities · {per_sec} · ETA {eta}");
            let started = Instant::now();
            let out = embargo_feed::snapshot::export(
                store.conn(),
                &dir,
                since.as_deref(),
                |m, c| key.sign(m, c).map_err(|e| e.to_string()),
                &key.public_text,
                |done, total| {
                    if let Some(b) = &bar {
                        b.set_length(total);
                        b.set_position(done);
                    }
                },
            )
            .await;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            store.close().await;
            let out = out?;
            if json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                let m = &out.manifest;
                let bytes: u64 = m.files.iter().map(|f| f.size).sum();
                println!(
                    "{:?} snapshot in {}: {} vulnerabilities ({} written, {} removed) from {} records, {} files, {bytes} bytes, in {:.1} s; manifest sha256 {}, signed by key {}",
                    m.kind,
                    dir.display(),
                    m.counts.vulnerabilities,
                    m.counts.written,
                    m.counts.removed,
                    m.counts.records,
                    m.files.len(),
                    started.elapsed().as_secs_f64(),
                    out.manifest_sha256,
                    key.key_id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedCommand::Verify { dir, key } => {
            let public = std::fs::read_to_string(&key)
                .map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
            match embargo_feed::snapshot::verify(&dir, |m, s| {
                embargo_app::signing::verify(&public, m, s)
            }) {
                Ok(m) => {
                    println!(
                        "{} verifies: {:?} snapshot, {} files, {} vulnerabilities",
                        dir.display(),
                        m.kind,
                        m.files.len(),
                        m.counts.vulnerabilities
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", dir.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        FeedCommand::Show { data, id, json } => {
            let config = load_config(&data, None, None)?;
            let _log = init_logging(&config, "error", false);
            let (store, _) = embargo_app::serve::open(&config).await?;
            let merged = embargo_feed::by_id(store.conn(), &id).await?;
            store.close().await;
            let Some(m) = merged else {
                eprintln!("error: no record or alias `{id}` in the feed");
                return Ok(ExitCode::FAILURE);
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                print_merged(&m);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The store and the instance's minisign key (created on first use), for the commands that
/// sign; the returned guard keeps logging alive.
pub(crate) async fn open_with_key(
    data: &DataArgs,
) -> anyhow::Result<(
    embargo_store::Store,
    embargo_app::signing::MinisignKey,
    impl Sized,
)> {
    let config = load_config(data, None, None)?;
    let log = init_logging(&config, "error", false);
    let (store, keys) = embargo_app::serve::open(&config).await?;
    let key = embargo_app::signing::current(&store, &keys, now())
        .await
        .map_err(|e| anyhow::anyhow!("the instance signing key: {e}"))?;
    Ok((store, key, log))
}
