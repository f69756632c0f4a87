//! SBOM scan: every component of an [`Sbom`] whose purl carries a version is looked up in the
//! feed ([`by_package`]), each affecting record becomes a [`Finding`], and the document's own
//! VEX statements are applied to the findings (kept, marked, never dropped).
//!
//! * Identical packages are asked once: components are grouped by package key and version (two
//!   purls differing only in qualifiers or subpath are one query).
//! * Severity is the highest CVSS base score among the record's vectors (top-level `severity`
//!   and the package's `affected[].severity`) and those of the records sharing an id or alias
//!   with it (a PYSEC record has no vector, its GHSA twin has one). Those records are fetched in
//!   one batched look-up for the whole scan, not one per finding. Non-CVSS severities (`Ubuntu`)
//!   give no score; a vector that does not validate is reported in [`ScanReport::notes`].
//! * Withdrawn records are never findings.
//! * A VEX statement applies when it names the vulnerability (its id or one of its aliases, or
//!   an alias of the statement is the record's id or alias) and the component: by `bom-ref`
//!   when it names one of the document's components (then that one only), else by purl — same
//!   package and version, or same package when the statement's purl has no version
//!   (qualifiers are ignored). The most specific statement wins (bom-ref, then purl
//!   with version, then without); among equally specific ones the last in the document, as a
//!   later statement updates an earlier one.
//!
//! A pure function over the store's query API: no writes, no clock, no network.

use std::collections::{BTreeMap, BTreeSet};

use embargo_domain::cvss::{self, Cvss};
use embargo_domain::policy::Severity;
use embargo_domain::purl::Purl;
use embargo_formats::osv::{Severity as OsvSeverity, Vulnerability};
use embargo_formats::sbom::{Component, Format, Sbom, VexStatement, VexStatus};
use embargo_store::feed;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::package::{key_of_package, key_of_purl};
use crate::query::{Match, MatchKind, PackageQuery, QueryError, by_package, parse_record};

/// The result of [`scan`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    pub document: Document,
    /// Sorted by severity (highest score first, unscored last), then vulnerability id, then
    /// component purl.
    pub findings: Vec<Finding>,
    /// Components that could not be looked up, with the reason, in document order.
    pub not_scanned: Vec<NotScanned>,
    /// What could not be evaluated: versions a record's scheme cannot parse, CVSS vectors that
    /// do not validate. Sorted, without duplicates.
    pub notes: Vec<String>,
    pub counts: Counts,
}

/// What the scanned document is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub format: Format,
    pub spec_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A component as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

impl From<&Component> for ComponentRef {
    fn from(c: &Component) -> Self {
        ComponentRef {
            bom_ref: c.bom_ref.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
        }
    }
}

/// A component that was not looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotScanned {
    pub component: ComponentRef,
    pub reason: String,
}

/// The score of a finding: its highest CVSS base score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingSeverity {
    /// Base score, 0.0–10.0 (v4.0: CVSS-B).
    pub score: f64,
    /// The qualitative rating; `None` for a score of 0.0.
    pub band: Option<Severity>,
    /// The vector, in canonical form.
    pub vector: String,
    pub cvss_version: cvss::Version,
    /// The record whose vector it is (the finding's own or one sharing an alias with it).
    pub from: String,
}

/// The VEX statement applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VexState {
    pub status: VexStatus,
    /// The vulnerability id the statement names.
    pub statement: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response: Vec<String>,
}

/// One record affecting one component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub component: ComponentRef,
    /// The record id (`RUSTSEC-…`, `GHSA-…`, `PYSEC-…`).
    pub id: String,
    /// The feed source of the record.
    pub source: String,
    pub aliases: Vec<String>,
    /// `affected`: the version is in a range or listed; `unknown`: the data cannot decide
    /// (GIT ranges only).
    pub kind: MatchKind,
    /// The lowest fixed version above the component's version, when known.
    pub fixed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<FindingSeverity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<VexState>,
    /// The VEX statement says `not_affected` or `fixed`.
    pub suppressed: bool,
}

impl Finding {
    /// The band, if scored.
    pub fn band(&self) -> Option<Severity> {
        self.severity.as_ref().and_then(|s| s.band)
    }

    /// Affected (not merely unknown), not suppressed by VEX, and scored at least `min`. An
    /// unscored finding never qualifies: its severity is unknown, not low.
    pub fn is_at_least(&self, min: Severity) -> bool {
        self.kind == MatchKind::Affected
            && !self.suppressed
            && self.band().is_some_and(|b| b >= min)
    }
}

/// Open findings (not suppressed by VEX) per band.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BySeverity {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    /// Scored 0.0.
    pub none: usize,
    /// No CVSS vector.
    pub unscored: usize,
}

/// Totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub components: usize,
    pub scanned: usize,
    pub not_scanned: usize,
    /// Distinct package-and-version look-ups made.
    pub queries: usize,
    pub findings: usize,
    /// Kind `affected`, not suppressed by VEX.
    pub affected: usize,
    /// Kind `unknown`, not suppressed by VEX.
    pub unknown: usize,
    /// VEX `not_affected` or `fixed`.
    pub suppressed: usize,
    /// VEX `under_investigation` (still open).
    pub under_investigation: usize,
    pub open_by_severity: BySeverity,
}

impl ScanReport {
    /// The findings that make `--fail-on min` fail (see [`Finding::is_at_least`]).
    pub fn failing(&self, min: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.is_at_least(min))
    }
}

/// One record's match for a package, its `affected[]` entries folded together.
struct Hit {
    m: Match,
    package_key: String,
}

/// Scans `sbom` against the feed in `db`.
pub async fn scan(db: &impl ConnectionTrait, sbom: &Sbom) -> Result<ScanReport, QueryError> {
    let mut not_scanned = Vec::new();
    let mut notes = BTreeSet::new();
    // (package key, version) → the query and the components asking it, in first-seen order.
    let mut groups: BTreeMap<(String, String), (PackageQuery, Vec<&Component>)> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for c in &sbom.components {
        let Some(purl) = &c.purl else {
            not_scanned.push(NotScanned {
                component: c.into(),
                reason: "no purl".into(),
            });
            continue;
        };
        let q = match PackageQuery::from_purl(purl) {
            Ok(q) => q,
            // The parser validated it; a purl the feed's stricter reading refuses is reported
            // for that component rather than failing the whole scan.
            Err(e) => {
                not_scanned.push(NotScanned {
                    component: c.into(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let Some(version) = q.version.clone() else {
            not_scanned.push(NotScanned {
                component: c.into(),
                reason: "the purl has no version".into(),
            });
            continue;
        };
        let key = (q.key.clone(), version);
        match groups.get_mut(&key) {
            Some((_, cs)) => cs.push(c),
            None => {
                order.push(key.clone());
                groups.insert(key, (q, vec![c]));
            }
        }
    }

    // One look-up per distinct package and version.
    let mut answers: Vec<(Vec<&Component>, Vec<Hit>)> = Vec::with_capacity(order.len());
    for key in &order {
        let Some((q, components)) = groups.remove(key) else {
            continue;
        };
        let answer = by_package(db, &q).await?;
        for e in &answer.errors {
            notes.insert(format!("{}@{}: {e}", q.key, key.1));
        }
        answers.push((components, fold(answer.matches, &answer.package_key)));
    }

    // Severity: the matched records and their alias neighbours, fetched at once.
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for (_, hits) in &answers {
        for h in hits {
            wanted.insert(h.m.id.clone());
            wanted.extend(h.m.aliases.iter().cloned());
        }
    }
    let mut records: Vec<Vulnerability> = Vec::new();
    if !wanted.is_empty() {
        let ids: Vec<String> = wanted.into_iter().collect();
        for r in feed::by_ids_or_aliases(db, &ids).await? {
            if r.withdrawn.is_some() {
                continue;
            }
            records.push(parse_record(&r)?);
        }
    }

    let refs: BTreeSet<&str> = sbom
        .components
        .iter()
        .filter_map(|c| c.bom_ref.as_deref())
        .collect();
    let mut findings = Vec::new();
    for (components, hits) in &answers {
        for h in hits {
            let severity = severity_of(h, &records, &mut notes);
            for c in components {
                let vex = vex_for(sbom, &refs, c, &h.m).map(|s| VexState {
                    status: s.status,
                    statement: s.vulnerability.clone(),
                    justification: s.justification.clone(),
                    detail: s.detail.clone(),
                    response: s.response.clone(),
                });
                let suppressed = vex
                    .as_ref()
                    .is_some_and(|v| matches!(v.status, VexStatus::NotAffected | VexStatus::Fixed));
                findings.push(Finding {
                    component: (*c).into(),
                    id: h.m.id.clone(),
                    source: h.m.source.clone(),
                    aliases: h.m.aliases.clone(),
                    kind: h.m.kind,
                    fixed: h.m.fixed.clone(),
                    severity: severity.clone(),
                    summary: h.m.summary.clone(),
                    vex,
                    suppressed,
                });
            }
        }
    }
    findings.sort_by(|a, b| {
        let score = |f: &Finding| f.severity.as_ref().map(|s| s.score);
        // Descending score, `None` (unscored) last.
        match (score(a), score(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.component.purl.cmp(&b.component.purl))
        .then_with(|| a.component.bom_ref.cmp(&b.component.bom_ref))
    });

    let counts = count(sbom, &findings, not_scanned.len(), answers.len());
    Ok(ScanReport {
        document: Document {
            format: sbom.format,
            spec_version: sbom.spec_version.clone(),
            name: sbom.name.clone(),
        },
        findings,
        not_scanned,
        notes: notes.into_iter().collect(),
        counts,
    })
}

/// One hit per record: a record listing the package in several `affected[]` entries matches
/// once, affected if any entry says so, with every fixed version found.
fn fold(matches: Vec<Match>, package_key: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for m in matches {
        // `by_package` leaves withdrawn records out already; this keeps it true whatever the
        // query flags become.
        if m.withdrawn.is_some() {
            continue;
        }
        match hits
            .iter_mut()
            .find(|h| h.m.id == m.id && h.m.source == m.source)
        {
            Some(h) => {
                if m.kind == MatchKind::Affected {
                    h.m.kind = MatchKind::Affected;
                }
                for f in m.fixed {
                    if !h.m.fixed.contains(&f) {
                        h.m.fixed.push(f);
                    }
                }
            }
            None => hits.push(Hit {
                m,
                package_key: package_key.to_owned(),
            }),
        }
    }
    hits
}

/// The highest-scoring valid CVSS vector of the hit's record and its alias neighbours.
fn severity_of(
    h: &Hit,
    records: &[Vulnerability],
    notes: &mut BTreeSet<String>,
) -> Option<FindingSeverity> {
    let names: BTreeSet<&str> = std::iter::once(h.m.id.as_str())
        .chain(h.m.aliases.iter().map(String::as_str))
        .collect();
    let mut best: Option<FindingSeverity> = None;
    for v in records {
        // The record itself is among them: its id is one of `names`.
        let related =
            names.contains(v.id.as_str()) || v.aliases.iter().any(|a| names.contains(a.as_str()));
        if !related {
            continue;
        }
        let per_package = v
            .affected
            .iter()
            .filter(|a| {
                a.package.as_ref().is_some_and(|p| {
                    key_of_package(&p.ecosystem, &p.name, p.purl.as_deref()) == h.package_key
                })
            })
            .flat_map(|a| &a.severity);
        for s in v.severity.iter().chain(per_package) {
            let Some(c) = score(s, &v.id, notes) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| c.base_score > b.score) {
                best = Some(FindingSeverity {
                    score: c.base_score,
                    band: c.severity,
                    vector: c.vector,
                    cvss_version: c.version,
                    from: v.id.clone(),
                });
            }
        }
    }
    best
}

/// Scores one OSV `severity` entry when it is a CVSS vector.
fn score(s: &OsvSeverity, record: &str, notes: &mut BTreeSet<String>) -> Option<Cvss> {
    let parsed = match s.kind.as_str() {
        // OSV data still carries v2 vectors; read them as old data.
        "CVSS_V2" => cvss::parse_v2(&s.score),
        "CVSS_V3" | "CVSS_V4" => cvss::parse(&s.score),
        _ => return None,
    };
    match parsed {
        Ok(c) => Some(c),
        Err(e) => {
            notes.insert(format!(
                "{record}: severity {} `{}` is not a valid CVSS vector: {e}",
                s.kind, s.score
            ));
            None
        }
    }
}

/// How specifically a statement names a component; higher wins. A statement naming one of
/// the document's own components by `bom-ref` is about that component only: the purl it
/// carries is that component's, not a claim about others with the same purl.
fn specificity(s: &VexStatement, c: &Component, refs: &BTreeSet<&str>) -> Option<u8> {
    if let Some(r) = &s.component_ref
        && refs.contains(r.as_str())
    {
        return (c.bom_ref.as_ref() == Some(r)).then_some(3);
    }
    let (Some(sp), Some(cp)) = (&s.purl, &c.purl) else {
        return None;
    };
    let (Ok(sp), Ok(cp)) = (Purl::parse_lenient(sp), Purl::parse_lenient(cp)) else {
        return None;
    };
    if key_of_purl(&sp) != key_of_purl(&cp) {
        return None;
    }
    match sp.version() {
        None => Some(1),
        Some(v) if Some(v) == cp.version() => Some(2),
        Some(_) => None,
    }
}

/// The statement of the document that applies to `m` in component `c`, if any.
fn vex_for<'a>(
    sbom: &'a Sbom,
    refs: &BTreeSet<&str>,
    c: &Component,
    m: &Match,
) -> Option<&'a VexStatement> {
    let names: Vec<&str> = std::iter::once(m.id.as_str())
        .chain(m.aliases.iter().map(String::as_str))
        .collect();
    // Ids are compared without case: GHSA ids appear both as `GHSA-abcd-…` and in capitals.
    let names_it = |id: &str| names.iter().any(|n| n.eq_ignore_ascii_case(id));
    let mut best: Option<(u8, &VexStatement)> = None;
    for s in &sbom.vex {
        let about = names_it(&s.vulnerability) || s.aliases.iter().any(|a| names_it(a));
        if !about {
            continue;
        }
        let Some(rank) = specificity(s, c, refs) else {
            continue;
        };
        // `>=`: the later of equally specific statements wins.
        if best.is_none_or(|(r, _)| rank >= r) {
            best = Some((rank, s));
        }
    }
    best.map(|(_, s)| s)
}

fn count(sbom: &Sbom, findings: &[Finding], not_scanned: usize, queries: usize) -> Counts {
    let mut c = Counts {
        components: sbom.components.len(),
        scanned: sbom.components.len() - not_scanned,
        not_scanned,
        queries,
        findings: findings.len(),
        ..Counts::default()
    };
    for f in findings {
        if f.suppressed {
            c.suppressed += 1;
            continue;
        }
        if f.vex.as_ref().map(|v| v.status) == Some(VexStatus::UnderInvestigation) {
            c.under_investigation += 1;
        }
        match f.kind {
            MatchKind::Affected => c.affected += 1,
            _ => c.unknown += 1,
        }
        let s = &mut c.open_by_severity;
        match (&f.severity, f.band()) {
            (None, _) => s.unscored += 1,
            (Some(_), None) => s.none += 1,
            (Some(_), Some(Severity::Low)) => s.low += 1,
            (Some(_), Some(Severity::Medium)) => s.medium += 1,
            (Some(_), Some(Severity::High)) => s.high += 1,
            (Some(_), Some(Severity::Critical)) => s.critical += 1,
        }
    }
    c
}
