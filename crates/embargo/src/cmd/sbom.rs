//! `embargo sbom scan FILE`: look every component of a CycloneDX / SPDX SBOM up in the local
//! vulnerability feed, apply the SBOM's own VEX statements, print a table, the JSON report or
//! SARIF 2.1.0, and optionally fail a pipeline on severity (`--fail-on`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use embargo_domain::policy::Severity;
use embargo_feed::query::MatchKind;
use embargo_feed::scan::{Finding, ScanReport};
use embargo_formats::sbom::VexStatus;
use serde_json::{Value, json};

use crate::{DataArgs, init_logging, load_config};

/// Exit code for a document that is not a valid SBOM.
const INVALID_SBOM: u8 = 2;
/// Exit code when `--fail-on` trips.
const FAILED_ON_SEVERITY: u8 = 3;

#[derive(clap::Subcommand)]
pub enum SbomCommand {
    /// Look an SBOM's components up in the feed (ingest data first with `embargo feed
    /// ingest`). Reads CycloneDX 1.4–1.6 JSON and SPDX 2.3 JSON; every component whose purl
    /// has a version is checked, the others are listed as not scanned. VEX statements in the
    /// document (CycloneDX `vulnerabilities[].analysis`) mark findings not_affected, fixed or
    /// under_investigation; such findings are kept and shown with their VEX state.
    ///
    /// Exit codes: 0 done (whatever was found, unless --fail-on trips); 1 an error (file
    /// unreadable, database); 2 the file is not a valid SBOM (the message names the JSON
    /// path); 3 --fail-on tripped.
    Scan {
        #[command(flatten)]
        data: DataArgs,
        /// The SBOM (JSON); `-` reads standard input.
        file: PathBuf,
        /// table: one line per finding, most severe first, then a summary; json: the full
        /// report; sarif: SARIF 2.1.0 for code-scanning tools.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Exit with code 3 when a finding is affected, not suppressed by VEX (not_affected
        /// or fixed; under_investigation does not suppress) and its CVSS base score is in
        /// this band or above. Findings without a CVSS vector have an unknown severity and
        /// never trip it, nor do those the data cannot decide (GIT ranges only).
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<FailOn>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

pub async fn run(command: SbomCommand) -> anyhow::Result<ExitCode> {
    match command {
        SbomCommand::Scan {
            data,
            file,
            format,
            fail_on,
        } => scan(&data, &file, format, fail_on).await,
    }
}

fn read_input(file: &Path) -> anyhow::Result<String> {
    use std::io::Read as _;
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))
}

async fn scan(
    data: &DataArgs,
    file: &Path,
    format: OutputFormat,
    fail_on: Option<FailOn>,
) -> anyhow::Result<ExitCode> {
    // Parsed before the store is opened: a bad document is reported without touching data.
    let text = read_input(file)?;
    let sbom = match embargo_formats::sbom::parse(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return Ok(ExitCode::from(INVALID_SBOM));
        }
    };
    let config = load_config(data, None, None)?;
    let _log = init_logging(&config, "error", false);
    let (store, _) = embargo_app::serve::open(&config).await?;
    let report = embargo_feed::scan(store.conn(), &sbom).await;
    store.close().await;
    let report = report?;

    match format {
        OutputFormat::Table => {
            print!("{}", table(&report));
            for n in &report.not_scanned {
                eprintln!(
                    "not scanned: {}: {}",
                    component_label(&n.component),
                    n.reason
                );
            }
            for n in &report.notes {
                eprintln!("not evaluated: {n}");
            }
        }
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Sarif => println!("{}", serde_json::to_string_pretty(&sarif(&report, file))?),
    }

    if let Some(min) = fail_on {
        let min = min.severity();
        let failing: Vec<&Finding> = report.failing(min).collect();
        if !failing.is_empty() {
            // Several components with one purl make one entry, not a repeated one.
            let mut list: Vec<String> = failing
                .iter()
                .map(|f| format!("{} in {}", f.id, component_label(&f.component)))
                .collect();
            list.dedup();
            eprintln!(
                "--fail-on {}: {} affected finding{} at or above {}: {}",
                min.label().to_lowercase(),
                failing.len(),
                if failing.len() == 1 { "" } else { "s" },
                min.label().to_lowercase(),
                list.join(", ")
            );
            return Ok(ExitCode::from(FAILED_ON_SEVERITY));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn component_label(c: &embargo_feed::scan::ComponentRef) -> String {
    let id = c.purl.as_deref().or(c.bom_ref.as_deref());
    match (id, &c.version) {
        (Some(id), _) => format!("{} ({id})", c.name),
        (None, Some(v)) => format!("{}@{v}", c.name),
        (None, None) => c.name.clone(),
    }
}

fn vex_label(s: VexStatus) -> &'static str {
    match s {
        VexStatus::NotAffected => "not_affected",
        VexStatus::Affected => "affected",
        VexStatus::Fixed => "fixed",
        VexStatus::UnderInvestigation => "under_investigation",
    }
}

fn kind_label(k: MatchKind) -> &'static str {
    match k {
        MatchKind::Affected => "affected",
        MatchKind::Unknown => "unknown",
        MatchKind::Package => "package",
    }
}

fn band_label(f: &Finding) -> &'static str {
    match (&f.severity, f.band()) {
        (None, _) => "UNSCORED",
        (Some(_), None) => "NONE",
        (Some(_), Some(Severity::Low)) => "LOW",
        (Some(_), Some(Severity::Medium)) => "MEDIUM",
        (Some(_), Some(Severity::High)) => "HIGH",
        (Some(_), Some(Severity::Critical)) => "CRITICAL",
    }
}

fn status_label(f: &Finding) -> String {
    let mut s = kind_label(f.kind).to_owned();
    if let Some(v) = &f.vex {
        let _ = write!(s, ", VEX {}", vex_label(v.status));
        if let Some(j) = &v.justification {
            let _ = write!(s, " ({j})");
        }
    }
    s
}

fn fixed_label(f: &Finding) -> String {
    if f.fixed.is_empty() {
        "no fix known".to_owned()
    } else {
        format!("fixed in {}", f.fixed.join(", "))
    }
}

/// The human table: aligned columns, the report's order (most severe first, then id).
fn table(r: &ScanReport) -> String {
    let rows: Vec<[String; 6]> = r
        .findings
        .iter()
        .map(|f| {
            [
                band_label(f).to_owned(),
                f.severity
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |s| format!("{:.1}", s.score)),
                f.id.clone(),
                f.component.purl.clone().unwrap_or_default(),
                status_label(f),
                fixed_label(f),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (row, f) in rows.iter().zip(&r.findings) {
        let _ = write!(
            out,
            "{:<w0$}  {:>w1$}  {:<w2$}  {:<w3$}  {:<w4$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        );
        if !f.aliases.is_empty() {
            let _ = write!(out, "  [{}]", f.aliases.join(", "));
        }
        if let Some(s) = &f.summary {
            let _ = write!(out, "  {s}");
        }
        out.push('\n');
    }
    let c = &r.counts;
    let _ = writeln!(
        out,
        "{} finding{} in {} scanned component{} ({} affected, {} unknown, {} suppressed by VEX, {} under investigation); {} not scanned; {} package look-up{}.",
        c.findings,
        plural(c.findings),
        c.scanned,
        plural(c.scanned),
        c.affected,
        c.unknown,
        c.suppressed,
        c.under_investigation,
        c.not_scanned,
        c.queries,
        plural(c.queries),
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// SARIF `level` for a finding: what a reviewer must look at first. Unscored affected findings
/// are warnings: the severity is unknown, not low.
fn level(f: &Finding) -> &'static str {
    if f.kind != MatchKind::Affected {
        return "note";
    }
    match f.band() {
        Some(Severity::Critical | Severity::High) => "error",
        Some(Severity::Medium) => "warning",
        Some(Severity::Low) => "note",
        None if f.severity.is_some() => "none",
        None => "warning",
    }
}

/// A SARIF `artifactLocation.uri` for the SBOM path: relative paths stay relative (resolved
/// against the scan's working directory), absolute ones become `file://` URIs; the characters
/// that would end or break a URI reference are percent-encoded.
fn artifact_uri(file: &Path) -> String {
    let raw = file.to_string_lossy();
    let mut out = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    if file.is_absolute() {
        format!("file://{out}")
    } else {
        out
    }
}

fn message(f: &Finding) -> String {
    let target = f
        .component
        .purl
        .clone()
        .unwrap_or_else(|| f.component.name.clone());
    let verb = if f.kind == MatchKind::Affected {
        "is affected by"
    } else {
        "may be affected by"
    };
    let mut m = format!("{target} {verb} {}", f.id);
    if !f.aliases.is_empty() {
        let _ = write!(m, " ({})", f.aliases.join(", "));
    }
    if let Some(s) = &f.summary {
        let _ = write!(m, ": {s}");
    }
    if f.fixed.is_empty() {
        m.push_str(". No fix known.");
    } else {
        let _ = write!(m, ". Fixed in {}.", f.fixed.join(", "));
    }
    if let Some(s) = &f.severity {
        let _ = write!(m, " CVSS {} {:.1} ({}).", s.cvss_version, s.score, s.vector);
    }
    m
}

/// SARIF 2.1.0 (OASIS, <https://docs.oasis-open.org/sarif/sarif/v2.1.0/>): one rule per
/// vulnerability id, one result per finding. VEX not_affected / fixed become an accepted
/// external suppression (§3.35), under_investigation one under review (which, per §3.27.23,
/// leaves the result unsuppressed).
fn sarif(r: &ScanReport, file: &Path) -> Value {
    let mut rule_ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let of_rule: Vec<&Finding> = r.findings.iter().filter(|f| f.id == *id).collect();
            let worst = of_rule
                .iter()
                .filter_map(|f| f.severity.as_ref())
                .max_by(|a, b| a.score.total_cmp(&b.score));
            let first = of_rule.first();
            let summary = first.and_then(|f| f.summary.clone());
            let mut properties = json!({ "tags": ["security", "vulnerability"] });
            if let Some(s) = worst {
                // GitHub code scanning reads this to rank alerts.
                properties["security-severity"] = json!(format!("{:.1}", s.score));
            }
            if let Some(f) = first
                && !f.aliases.is_empty()
            {
                properties["aliases"] = json!(f.aliases);
            }
            let default_level = of_rule
                .iter()
                .map(|f| level(f))
                .min_by_key(|l| match *l {
                    "error" => 0,
                    "warning" => 1,
                    "note" => 2,
                    _ => 3,
                })
                .unwrap_or("warning");
            json!({
                "id": id,
                "shortDescription": { "text": summary.clone().unwrap_or_else(|| (*id).to_owned()) },
                "fullDescription": { "text": summary.unwrap_or_else(|| format!("Vulnerability {id}")) },
                "defaultConfiguration": { "level": default_level },
                "properties": properties,
            })
        })
        .collect();
    let uri = artifact_uri(file);
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let rule_index = rule_ids.iter().position(|id| *id == f.id).unwrap_or(0);
            let purl = f.component.purl.clone().unwrap_or_default();
            let mut properties = json!({
                "purl": purl,
                "kind": kind_label(f.kind),
                "fixed": f.fixed,
                "source": f.source,
            });
            if let Some(b) = &f.component.bom_ref {
                properties["bomRef"] = json!(b);
            }
            if let Some(s) = &f.severity {
                properties["cvssScore"] = json!(s.score);
                properties["cvssVector"] = json!(s.vector);
            }
            let mut result = json!({
                "ruleId": f.id,
                "ruleIndex": rule_index,
                "level": level(f),
                "message": { "text": message(f) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": uri } },
                    "logicalLocations": [{
                        "name": f.component.name,
                        "fullyQualifiedName": purl,
                        "kind": "module",
                    }],
                }],
                "partialFingerprints": { "embargoFinding/v1": format!("{}|{purl}", f.id) },
                "properties": properties,
            });
            if let Some(v) = &f.vex {
                result["properties"]["vexStatus"] = json!(vex_label(v.status));
                let status = match v.status {
                    VexStatus::NotAffected | VexStatus::Fixed => Some("accepted"),
                    VexStatus::UnderInvestigation => Some("underReview"),
                    // A VEX "affected" confirms the finding: nothing to suppress.
                    VexStatus::Affected => None,
                };
                if let Some(status) = status {
                    let mut why = format!("VEX {} ({})", vex_label(v.status), v.statement);
                    if let Some(j) = &v.justification {
                        let _ = write!(why, ": {j}");
                    }
                    if let Some(d) = &v.detail {
                        let _ = write!(why, ". {d}");
                    }
                    result["suppressions"] = json!([{
                        "kind": "external",
                        "status": status,
                        "justification": why,
                    }]);
                }
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "embargo",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "artifacts": [{ "location": { "uri": uri }, "roles": ["analysisTarget"] }],
            "results": results,
        }],
    })
}
