//! The canonical advisory as a CVE JSON 5.1 record (`CVE_RECORD`, CNA container ready for
//! CVE Services): descriptions, affected versions, CWE problem types, CVSS metrics, typed
//! references, consented credits; a withdrawn advisory is a REJECTED record.

use embargo_domain::advisory::{Advisory, RangeEvent, ReferenceKind, Status};
use serde_json::{Value, json};

use crate::publisher::Publisher;

/// Used when the program has no CVE Services organisation id configured: an all-zero UUID in
/// the version-4 form the schema requires; CVE Services sets the uploader's own on submission.
pub const UNKNOWN_ORG: &str = "00000000-0000-4000-8000-000000000000";

fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn short_name(p: &Publisher) -> String {
    let s: String = p
        .cve_short_name
        .clone()
        .unwrap_or_else(|| p.name.clone())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(32)
        .collect();
    if s.len() < 2 {
        String::from("embargo")
    } else {
        s
    }
}

fn tag(k: ReferenceKind) -> Option<&'static str> {
    Some(match k {
        ReferenceKind::Fix => "patch",
        ReferenceKind::Advisory => "vendor-advisory",
        ReferenceKind::Report => "issue-tracking",
        ReferenceKind::Article => "technical-description",
        ReferenceKind::Evidence | ReferenceKind::Detection => "exploit",
        ReferenceKind::Package => "product",
        ReferenceKind::Discussion => "mailing-list",
        ReferenceKind::Introduced | ReferenceKind::Web => return None,
    })
}

/// The CNA container.
pub fn cna_container(a: &Advisory, p: &Publisher, date_public: jiff::Timestamp) -> Value {
    let org = p
        .cve_org_id
        .clone()
        .unwrap_or_else(|| UNKNOWN_ORG.to_owned());
    let provider = json!({ "orgId": org, "shortName": short_name(p) });
    if a.status == Status::Withdrawn {
        return json!({
            "providerMetadata": provider,
            "rejectedReasons": [{ "lang": "en", "value": a.revisions.last().map_or("Withdrawn by the vendor.", |r| r.summary.as_str()) }],
        });
    }
    let affected: Vec<Value> = a
        .affected
        .iter()
        .map(|x| {
            let semver = x.ranges.iter().all(|r| r.kind == embargo_domain::advisory::RangeKind::Semver);
            let vt = if semver { "semver" } else { "custom" };
            let mut versions = Vec::new();
            for r in &x.ranges {
                let mut lo: Option<&str> = None;
                for e in &r.events {
                    match e {
                        RangeEvent::Introduced(v) => lo = Some(v),
                        RangeEvent::Fixed(v) | RangeEvent::Limit(v) => {
                            versions.push(json!({ "version": lo.take().unwrap_or("0"), "lessThan": v, "status": "affected", "versionType": vt }));
                        }
                        RangeEvent::LastAffected(v) => {
                            versions.push(json!({ "version": lo.take().unwrap_or("0"), "lessThanOrEqual": v, "status": "affected", "versionType": vt }));
                        }
                    }
                }
                if let Some(l) = lo {
                    versions.push(json!({ "version": l, "lessThan": "*", "status": "affected", "versionType": vt }));
                }
            }
            versions.extend(x.versions.iter().map(|v| json!({ "version": v, "status": "affected" })));
            versions.extend(x.patched.iter().map(|v| json!({ "version": v, "status": "unaffected" })));
            let mut o = json!({ "vendor": p.name, "product": x.name, "defaultStatus": "unaffected", "versions": versions });
            if let Some(purl) = &x.purl {
                o["packageURL"] = json!(purl);
            }
            o
        })
        .collect();
    let mut metrics = Vec::new();
    for c in a
        .cvss
        .iter()
        .filter_map(|v| embargo_domain::cvss::parse(v).ok())
    {
        let sev = c.severity.map_or("NONE", |s| match s {
            embargo_domain::policy::Severity::Low => "LOW",
            embargo_domain::policy::Severity::Medium => "MEDIUM",
            embargo_domain::policy::Severity::High => "HIGH",
            embargo_domain::policy::Severity::Critical => "CRITICAL",
        });
        let (key, version) = match c.version {
            embargo_domain::cvss::Version::V3_1 => ("cvssV3_1", "3.1"),
            embargo_domain::cvss::Version::V3_0 => ("cvssV3_0", "3.0"),
            embargo_domain::cvss::Version::V4_0 => ("cvssV4_0", "4.0"),
            embargo_domain::cvss::Version::V2_0 => continue,
        };
        metrics.push(json!({ key: { "version": version, "vectorString": c.vector, "baseScore": c.base_score, "baseSeverity": sev } }));
    }
    let mut references = vec![json!({ "url": p.advisory_url(&a.id), "tags": ["vendor-advisory"] })];
    for r in &a.references {
        let mut o = json!({ "url": r.url });
        if let Some(t) = tag(r.kind) {
            o["tags"] = json!([t]);
        }
        references.push(o);
    }
    let mut o = json!({
        "providerMetadata": provider,
        "title": a.title,
        "descriptions": [{ "lang": "en", "value": if a.summary.is_empty() { &a.title } else { &a.summary } }],
        "affected": affected,
        "references": references,
        "datePublic": ts(date_public),
    });
    if !a.cwes.is_empty() {
        o["problemTypes"] = json!([{ "descriptions": a.cwes.iter().map(|c| json!({ "lang": "en", "cweId": c, "description": c, "type": "CWE" })).collect::<Vec<_>>() }]);
    }
    if !metrics.is_empty() {
        o["metrics"] = json!(metrics);
    }
    let credits: Vec<Value> = a
        .public_credits()
        .map(|c| json!({ "lang": "en", "value": c.name, "type": c.kind.cve_name() }))
        .collect();
    if !credits.is_empty() {
        o["credits"] = json!(credits);
    }
    o
}

/// The whole record.
pub fn record(a: &Advisory, p: &Publisher, cve_id: &str, date_published: jiff::Timestamp) -> Value {
    let org = p
        .cve_org_id
        .clone()
        .unwrap_or_else(|| UNKNOWN_ORG.to_owned());
    let mut meta = json!({
        "cveId": cve_id,
        "assignerOrgId": org,
        "assignerShortName": short_name(p),
        "state": if a.status == Status::Withdrawn { "REJECTED" } else { "PUBLISHED" },
        "datePublished": ts(date_published),
        "dateUpdated": ts(a.modified),
    });
    if let (Status::Withdrawn, Some(w)) = (a.status, a.withdrawn) {
        meta["dateRejected"] = json!(ts(w));
    }
    json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": meta,
        "containers": { "cna": cna_container(a, p, date_published) },
    })
}
