//! The canonical advisory as an OSV record (schema 1.7.0), with the fields GitHub's advisory
//! database (GHSA) adds in `database_specific` (`cwe_ids`, `severity`) so that GHSA-aware tools
//! read it as they read GHSA's own records. Only consented credits are ever exported.

use embargo_domain::advisory::{self as domain, Advisory, RangeEvent, Status};
use embargo_domain::cvss::{self, Version};
use embargo_domain::policy::Severity as Band;
use serde_json::{Value, json};

use super::{
    Affected, Credit, OsvEvent, OsvRange, Package, RangeKind, Reference, Severity, Vulnerability,
};
use crate::publisher::Publisher;

/// The schema version the export follows (`schema_version`, required above 1.0.0).
pub const SCHEMA_VERSION: &str = "1.7.0";

/// The ecosystems the OSV schema defines (`$defs/ecosystemWithSuffix` of schema 1.7.x; the
/// ecosystem may carry a `:suffix`). `GIT` is left out: the schema accepts it but the
/// ecosystem table (`ecosystems.json`) does not define it yet.
pub const ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// Whether `ecosystem` is one of [`ECOSYSTEMS`], with or without a `:suffix`.
pub fn is_osv_ecosystem(ecosystem: &str) -> bool {
    let base = ecosystem.split_once(':').map_or(ecosystem, |(b, _)| b);
    ECOSYSTEMS.contains(&base)
}

/// The OSV id of an advisory. OSV ids start with a database prefix registered with the OSV
/// project (schema §"id, modified fields", `$defs/prefix`); a program's own prefix is not
/// registered, and one that happens to spell a registered prefix (`GO-`, `CURL-`…) belongs to
/// someone else, so the record always uses the schema's unregistered form `x_{id}`.
pub fn osv_id(a: &Advisory) -> String {
    format!("x_{}", a.id)
}

/// RFC 3339 in UTC ending in `Z` (schema §"id, modified fields" and `$defs/timestamp`), to the
/// second.
fn timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// GHSA's `database_specific.severity` spelling: GitHub calls the middle band `MODERATE`.
fn ghsa_severity(b: Band) -> &'static str {
    match b {
        Band::Low => "LOW",
        Band::Medium => "MODERATE",
        Band::High => "HIGH",
        Band::Critical => "CRITICAL",
    }
}

/// The reason given when the advisory was withdrawn (`Advisory::withdraw` records it as the
/// summary of the last revision, `Withdrawn: {reason}`).
pub(crate) fn withdrawal_reason(a: &Advisory) -> Option<&str> {
    if a.status != Status::Withdrawn {
        return None;
    }
    a.revisions
        .last()
        .map(|r| {
            r.summary
                .strip_prefix("Withdrawn:")
                .unwrap_or(&r.summary)
                .trim()
        })
        .filter(|r| !r.is_empty())
}

/// `summary` + `details` (+ a workarounds section), CommonMark as the schema's `details` is.
fn details(a: &Advisory) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in [a.summary.trim(), a.details.trim()] {
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
    }
    if !a.workarounds.trim().is_empty() {
        parts.push(format!("## Workarounds\n\n{}", a.workarounds.trim()));
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// `severity[]`: one entry per valid CVSS 3.x / 4.0 vector (schema §"severity field":
/// `CVSS_V3` covers 3.0 and 3.1). CVSS 2 is never in an advisory (domain `check`).
fn severities(a: &Advisory) -> Vec<Severity> {
    let mut out: Vec<Severity> = Vec::new();
    for c in a.cvss.iter().filter_map(|v| cvss::parse(v).ok()) {
        let kind = match c.version {
            Version::V3_0 | Version::V3_1 => "CVSS_V3",
            Version::V4_0 => "CVSS_V4",
            Version::V2_0 => continue,
        };
        let s = Severity {
            kind: kind.to_owned(),
            score: c.vector,
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn event(e: &RangeEvent) -> OsvEvent {
    match e {
        RangeEvent::Introduced(v) => OsvEvent::Introduced(v.clone()),
        RangeEvent::Fixed(v) => OsvEvent::Fixed(v.clone()),
        RangeEvent::LastAffected(v) => OsvEvent::LastAffected(v.clone()),
        RangeEvent::Limit(v) => OsvEvent::Limit(v.clone()),
    }
}

/// One domain range as OSV ranges. The schema forbids `fixed` and `last_affected` in the same
/// range (§"affected[].ranges[].events": "either `last_affected` or `fixed` events, but not
/// both"); such a range is split at each `introduced` into ranges that each have one kind of
/// end, which describes the same set of versions (a version is affected when it lies in any
/// range, §"Evaluation"). `limit` events apply to every part.
fn ranges(r: &domain::AffectedRange) -> Vec<OsvRange> {
    let kind = match r.kind {
        domain::RangeKind::Semver => RangeKind::Semver,
        domain::RangeKind::Ecosystem => RangeKind::Ecosystem,
        domain::RangeKind::Git => RangeKind::Git,
    };
    let make = |events: Vec<OsvEvent>| OsvRange {
        kind,
        repo: r.repo.clone(),
        events,
        database_specific: None,
    };
    let has_fixed = r.events.iter().any(|e| matches!(e, RangeEvent::Fixed(_)));
    let has_last = r
        .events
        .iter()
        .any(|e| matches!(e, RangeEvent::LastAffected(_)));
    if !(has_fixed && has_last) {
        return vec![make(r.events.iter().map(event).collect())];
    }
    let limits: Vec<OsvEvent> = r
        .events
        .iter()
        .filter(|e| matches!(e, RangeEvent::Limit(_)))
        .map(event)
        .collect();
    let mut out = Vec::new();
    let mut current: Vec<OsvEvent> = Vec::new();
    for e in &r.events {
        match e {
            RangeEvent::Limit(_) => {}
            RangeEvent::Introduced(_) => {
                if !current.is_empty() {
                    current.extend(limits.iter().cloned());
                    out.push(make(std::mem::take(&mut current)));
                }
                current.push(event(e));
            }
            _ => current.push(event(e)),
        }
    }
    if !current.is_empty() {
        current.extend(limits.iter().cloned());
        out.push(make(current));
    }
    out
}

/// One `affected[]` entry. A package of an OSV ecosystem keeps every range; a product outside
/// any ecosystem cannot have a `package` (the schema requires `ecosystem` in it, from a fixed
/// list), so it is exported only when it has `GIT` ranges, which identify the code by
/// repository and commit (§"affected[].versions": "When there is no well-defined packaging
/// ecosystem … GIT commit ranges are typically the best way"); its other ranges cannot be
/// matched to anything and are left out, and the product name goes to `database_specific`.
fn affected(x: &domain::Affected) -> Option<Affected> {
    let in_ecosystem = is_osv_ecosystem(&x.ecosystem);
    let ranges: Vec<OsvRange> = x
        .ranges
        .iter()
        .filter(|r| in_ecosystem || r.kind == domain::RangeKind::Git)
        .flat_map(ranges)
        .collect();
    if !in_ecosystem && ranges.is_empty() {
        return None;
    }
    Some(Affected {
        package: in_ecosystem.then(|| Package {
            ecosystem: x.ecosystem.clone(),
            name: x.name.clone(),
            purl: x.purl.clone(),
        }),
        severity: Vec::new(),
        ranges,
        versions: x.versions.clone(),
        ecosystem_specific: None,
        database_specific: (!in_ecosystem).then(|| json!({ "product": x.name })),
    })
}

/// The OSV record of an advisory.
///
/// - `id` is [`osv_id`]; `aliases` are the advisory's CVE and GHSA ids.
/// - `summary` is the title; a withdrawn record says so there with the reason (§"withdrawn
///   field": "Any rationale for why the vulnerability has been withdrawn should go into the
///   summary text").
/// - `details` is the summary paragraph, the details and a "Workarounds" section.
/// - `severity` has the CVSS vectors; `database_specific` has GHSA's `cwe_ids` and `severity`
///   (the band of the highest score, `LOW`/`MODERATE`/`HIGH`/`CRITICAL`).
/// - `references` start with the advisory's public page (`ADVISORY`); types are OSV's own.
/// - `credits` are the consented ones only.
pub fn from_advisory(a: &Advisory, p: &Publisher) -> Vulnerability {
    let summary = match (a.status, withdrawal_reason(a)) {
        (Status::Withdrawn, Some(reason)) => format!("{} (withdrawn: {reason})", a.title),
        (Status::Withdrawn, None) => format!("{} (withdrawn)", a.title),
        _ => a.title.clone(),
    };
    let mut references = vec![Reference {
        kind: "ADVISORY".to_owned(),
        url: p.advisory_url(&a.id),
    }];
    for r in &a.references {
        if !references.iter().any(|x| x.url == r.url) {
            references.push(Reference {
                kind: r.kind.as_str().to_owned(),
                url: r.url.clone(),
            });
        }
    }
    let mut database_specific = serde_json::Map::new();
    database_specific.insert("cwe_ids".to_owned(), json!(a.cwes));
    if let Some(band) = a.primary_cvss().and_then(|c| c.severity) {
        database_specific.insert("severity".to_owned(), json!(ghsa_severity(band)));
    }
    Vulnerability {
        schema_version: Some(SCHEMA_VERSION.to_owned()),
        id: osv_id(a),
        modified: timestamp(a.modified),
        published: a.published.map(timestamp),
        withdrawn: (a.status == Status::Withdrawn)
            .then(|| timestamp(a.withdrawn.unwrap_or(a.modified))),
        aliases: a.aliases.clone(),
        upstream: Vec::new(),
        related: Vec::new(),
        summary: Some(summary),
        details: details(a),
        severity: severities(a),
        affected: a.affected.iter().filter_map(affected).collect(),
        references,
        credits: a
            .public_credits()
            .map(|c| Credit {
                name: c.name.clone(),
                contact: c.contact.iter().cloned().collect(),
                kind: Some(c.kind.as_str().to_owned()),
            })
            .collect(),
        database_specific: Some(Value::Object(database_specific)),
    }
}

/// The record as pretty-printed JSON (the file Embargo publishes). Serialising these structs
/// cannot fail in practice (string keys, no non-finite numbers); the error is passed on rather
/// than hidden.
pub fn to_json(v: &Vulnerability) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn range(events: Vec<RangeEvent>) -> domain::AffectedRange {
        domain::AffectedRange {
            kind: domain::RangeKind::Semver,
            repo: None,
            events,
        }
    }

    #[test]
    fn fixed_and_last_affected_are_split_into_separate_ranges() {
        let r = range(vec![
            RangeEvent::Introduced("0".into()),
            RangeEvent::Fixed("1.4.2".into()),
            RangeEvent::Introduced("2.0.0".into()),
            RangeEvent::LastAffected("2.3.0".into()),
            RangeEvent::Limit("3.0.0".into()),
        ]);
        let out = ranges(&r);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].events,
            vec![
                OsvEvent::Introduced("0".into()),
                OsvEvent::Fixed("1.4.2".into()),
                OsvEvent::Limit("3.0.0".into())
            ]
        );
        assert_eq!(
            out[1].events,
            vec![
                OsvEvent::Introduced("2.0.0".into()),
                OsvEvent::LastAffected("2.3.0".into()),
                OsvEvent::Limit("3.0.0".into())
            ]
        );
        // A range with one kind of end is kept as it is.
        let plain = range(vec![
            RangeEvent::Introduced("0".into()),
            RangeEvent::Fixed("1.0.0".into()),
        ]);
        assert_eq!(ranges(&plain).len(), 1);
    }

    #[test]
    fn ecosystems_accept_suffixes_and_refuse_unknown_names() {
        assert!(is_osv_ecosystem("crates.io"));
        assert!(is_osv_ecosystem("Debian:12"));
        assert!(is_osv_ecosystem("Maven:https://maven.google.com"));
        assert!(!is_osv_ecosystem(""));
        assert!(!is_osv_ecosystem("cargo"));
        assert!(!is_osv_ecosystem("GIT"));
    }
}
