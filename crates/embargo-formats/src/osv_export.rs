//! The canonical advisory as an OSV record (schema 1.7), GHSA-compatible where GHSA adds
//! fields (`database_specific.cwe_ids` and `severity`). Only consented credits are exported.

use embargo_domain::advisory::{Advisory, RangeEvent, RangeKind as DomainRange, Status};
use serde_json::json;

use crate::osv::{
    Affected, Credit, OsvEvent, OsvRange, Package, RangeKind, Reference, Severity, Vulnerability,
};
use crate::publisher::Publisher;

fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// OSV ids start with a database prefix registered with the OSV project (schema `id`
/// pattern); a program's own prefix is not registered, so the record uses the schema's
/// private form `x_{id}` and lists nothing else under that name.
pub fn osv_id(a: &Advisory) -> String {
    format!("x_{}", a.id)
}

/// The OSV record of an advisory.
pub fn from_advisory(a: &Advisory, p: &Publisher) -> Vulnerability {
    let mut details = a.summary.clone();
    if !a.details.is_empty() {
        details.push_str("\n\n");
        details.push_str(&a.details);
    }
    if !a.workarounds.is_empty() {
        details.push_str("\n\n## Workarounds\n\n");
        details.push_str(&a.workarounds);
    }
    let severity = a
        .cvss
        .iter()
        .filter_map(|v| embargo_domain::cvss::parse(v).ok())
        .filter_map(|c| {
            let kind = match c.version {
                embargo_domain::cvss::Version::V3_0 | embargo_domain::cvss::Version::V3_1 => {
                    "CVSS_V3"
                }
                embargo_domain::cvss::Version::V4_0 => "CVSS_V4",
                embargo_domain::cvss::Version::V2_0 => return None,
            };
            Some(Severity {
                kind: kind.into(),
                score: c.vector,
            })
        })
        .collect();
    let affected = a
        .affected
        .iter()
        .filter(|x| !x.ecosystem.is_empty() || x.ranges.iter().any(|r| r.kind == DomainRange::Git))
        .map(|x| Affected {
            package: (!x.ecosystem.is_empty()).then(|| Package {
                ecosystem: x.ecosystem.clone(),
                name: x.name.clone(),
                purl: x.purl.clone(),
            }),
            severity: Vec::new(),
            ranges: x
                .ranges
                .iter()
                .map(|r| OsvRange {
                    kind: match r.kind {
                        DomainRange::Semver => RangeKind::Semver,
                        DomainRange::Ecosystem => RangeKind::Ecosystem,
                        DomainRange::Git => RangeKind::Git,
                    },
                    repo: r.repo.clone(),
                    events: r
                        .events
                        .iter()
                        .map(|e| match e {
                            RangeEvent::Introduced(v) => OsvEvent::Introduced(v.clone()),
                            RangeEvent::Fixed(v) => OsvEvent::Fixed(v.clone()),
                            RangeEvent::LastAffected(v) => OsvEvent::LastAffected(v.clone()),
                            RangeEvent::Limit(v) => OsvEvent::Limit(v.clone()),
                        })
                        .collect(),
                    database_specific: None,
                })
                .collect(),
            versions: x.versions.clone(),
            ecosystem_specific: None,
            database_specific: None,
        })
        .collect();
    let mut references: Vec<Reference> = vec![Reference {
        kind: "ADVISORY".into(),
        url: p.advisory_url(&a.id),
    }];
    references.extend(a.references.iter().map(|r| Reference {
        kind: r.kind.as_str().into(),
        url: r.url.clone(),
    }));
    Vulnerability {
        schema_version: Some("1.7.0".into()),
        id: osv_id(a),
        modified: ts(a.modified),
        published: a.published.map(ts),
        withdrawn: if a.status == Status::Withdrawn {
            a.withdrawn.map(ts)
        } else {
            None
        },
        aliases: a.aliases.clone(),
        upstream: Vec::new(),
        related: Vec::new(),
        summary: Some(a.title.clone()),
        details: Some(details),
        severity,
        affected,
        references,
        credits: a
            .public_credits()
            .map(|c| Credit {
                name: c.name.clone(),
                contact: c.contact.iter().cloned().collect(),
                kind: Some(c.kind.as_str().into()),
            })
            .collect(),
        database_specific: Some(json!({
            "cwe_ids": a.cwes,
            "severity": a.primary_cvss().and_then(|c| c.severity).map(|s| s.label().to_uppercase()),
            "source": p.advisory_url(&a.id),
        })),
    }
}
