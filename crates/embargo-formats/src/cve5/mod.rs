//! The canonical advisory as a CVE JSON 5.1 record (CVE Record Format 5.1.1, `CVE_RECORD`):
//! the CNA published container CVE Services accepts (descriptions, affected products and
//! versions, CWE problem types, CVSS metrics, tagged references, consented credits,
//! workarounds, solutions), and for a withdrawn advisory a REJECTED record.
//!
//! Section names below refer to the definitions of the bundled schema
//! (`CVE_JSON_bundled_5.1.1.json`, `#/definitions/…`). Reading CVE 5.0/5.1 records into OSV
//! lives in [`ingest`].

pub mod ingest;
mod versions;

use embargo_domain::advisory::{
    self as domain, Advisory, RangeEvent, RangeKind, ReferenceKind, Status,
};
use embargo_domain::cvss::{self, Cvss, MetricGroup, Version};
use embargo_domain::policy::Severity as Band;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::osv::export::{is_osv_ecosystem, withdrawal_reason};
use crate::publisher::Publisher;

/// `dataVersion` of the records written here.
pub const DATA_VERSION: &str = "5.1";

/// The organisation id used when the program has no CVE Services organisation configured (or
/// a value that is not a version-4 UUID, which `#/definitions/uuidType` requires): a fixed,
/// recognisably empty UUID of the required form. CVE Services sets the uploading CNA's own
/// `orgId` in `providerMetadata` when a container is submitted, so the placeholder never
/// reaches the CVE List; it only keeps the file valid.
pub const UNKNOWN_ORG: &str = "00000000-0000-4000-8000-000000000000";

/// `#/definitions/timestamp` (ISO 8601, UTC), to the millisecond as CVE Services writes it.
fn timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// At most `max` characters (JSON Schema `maxLength` counts characters, not bytes).
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => s[..at].to_owned(),
        None => s.to_owned(),
    }
}

/// `#/definitions/uuidType`: `^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-4[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`.
fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b' | b'A' | b'B'),
            _ => c.is_ascii_hexdigit(),
        })
}

/// The CNA's organisation id: the configured one, or [`UNKNOWN_ORG`].
pub fn org_id(p: &Publisher) -> String {
    p.cve_org_id
        .as_deref()
        .map(str::trim)
        .filter(|s| is_uuid_v4(s))
        .map_or_else(|| UNKNOWN_ORG.to_owned(), str::to_owned)
}

/// The CNA's short name (`#/definitions/shortName`, 2–32 characters): the configured one, or
/// the organisation name with spaces as `_` and anything but letters, digits, `_` and `-`
/// removed (CVE short names look like `GitHub_M`, `redhat`), or `embargo` when that leaves
/// fewer than two characters.
pub fn short_name(p: &Publisher) -> String {
    let source = p
        .cve_short_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&p.name);
    let s: String = source
        .trim()
        .chars()
        .map(|c| if c == ' ' { '_' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(32)
        .collect();
    if s.chars().count() < 2 {
        String::from("embargo")
    } else {
        s
    }
}

/// `#/definitions/providerMetadata`.
fn provider_metadata(a: &Advisory, p: &Publisher) -> Value {
    json!({
        "orgId": org_id(p),
        "shortName": short_name(p),
        "dateUpdated": timestamp(a.modified),
    })
}

/// The CVE reference tag (`#/definitions/reference`, tag list
/// `https://cve.mitre.org/cve/v5_00/tags/reference/`) for an OSV reference type, where one
/// fits. `INTRODUCED` (the commit that introduced the flaw) and `WEB` have no counterpart and
/// stay untagged rather than mis-tagged.
pub fn reference_tag(k: ReferenceKind) -> Option<&'static str> {
    Some(match k {
        ReferenceKind::Fix => "patch",
        ReferenceKind::Advisory => "vendor-advisory",
        ReferenceKind::Report => "issue-tracking",
        // OSV ARTICLE: "an article or blog post describing the vulnerability".
        ReferenceKind::Article => "technical-description",
        // OSV EVIDENCE: "a demonstration of the validity of a vulnerability claim".
        ReferenceKind::Evidence => "exploit",
        // OSV DETECTION: "a tool, script, scanner … that allows for detection".
        ReferenceKind::Detection => "signature",
        // OSV DISCUSSION: "a social media discussion … e.g. a Twitter, Mastodon, Hacker
        // News, or Reddit thread".
        ReferenceKind::Discussion => "media-coverage",
        // OSV PACKAGE: "home page for the package".
        ReferenceKind::Package => "product",
        ReferenceKind::Introduced | ReferenceKind::Web => return None,
    })
}

/// `collectionURL` (`#/definitions/product`) for a package of an OSV ecosystem: the schema's
/// own examples where it has one (the Go CNA's `https://pkg.go.dev` for Go), the repository
/// named in the ecosystem suffix for `Maven:`, `Packagist:` and `VSCode:`; `None` for
/// ecosystems without a package index URL (distributions, `SwiftURL` whose names are URLs…).
pub fn collection_url(ecosystem: &str) -> Option<String> {
    let (base, suffix) = ecosystem.split_once(':').unwrap_or((ecosystem, ""));
    if matches!(base, "Maven" | "Packagist" | "VSCode") && suffix.starts_with("https://") {
        return Some(suffix.to_owned());
    }
    let url = match base {
        "crates.io" => "https://crates.io",
        "npm" => "https://registry.npmjs.org",
        "PyPI" => "https://pypi.python.org",
        "Go" => "https://pkg.go.dev",
        "Maven" => "https://repo.maven.apache.org/maven2",
        "NuGet" => "https://nuget.org/packages",
        "RubyGems" => "https://rubygems.org",
        "Packagist" => "https://packagist.org",
        "Hex" => "https://repo.hex.pm",
        "Pub" => "https://pub.dev",
        "Hackage" => "https://hackage.haskell.org",
        "CRAN" => "https://cran.r-project.org",
        "ConanCenter" => "https://conan.io/center",
        "opam" => "https://opam.ocaml.org/packages",
        "Julia" => "https://juliahub.com",
        "VSCode" => "https://marketplace.visualstudio.com",
        "GitHub Actions" => "https://github.com",
        "Debian" => "https://packages.debian.org",
        _ => return None,
    };
    Some(url.to_owned())
}

/// `versions[].versionType` (`#/definitions/product`, examples `custom`, `git`, `maven`,
/// `python`, `rpm`, `semver`) for a range of `kind` in `ecosystem`.
fn version_type(kind: RangeKind, ecosystem: &str) -> &'static str {
    let base = ecosystem.split_once(':').map_or(ecosystem, |(b, _)| b);
    match kind {
        RangeKind::Semver => "semver",
        RangeKind::Git => "git",
        RangeKind::Ecosystem => match base {
            "PyPI" => "python",
            "Maven" => "maven",
            "npm" | "crates.io" | "Hex" | "Pub" | "Go" | "SwiftURL" => "semver",
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "SUSE" | "openSUSE" | "openEuler"
            | "Mageia" | "Photon OS" => "rpm",
            _ => "custom",
        },
    }
}

fn push_unique(out: &mut Vec<Value>, v: Value) {
    if !out.contains(&v) {
        out.push(v);
    }
}

/// The `versions[]` of one range: each `introduced` … `fixed`/`limit` span becomes
/// `{version, lessThan}`, each `introduced` … `last_affected` span `{version,
/// lessThanOrEqual}`, and a span left open `{version, lessThan: "*"}` (the schema's
/// "all later versions"); `introduced: "0"` stays `0`, which by the schema's convention
/// "denotes the earliest possible version".
fn range_versions(out: &mut Vec<Value>, r: &domain::AffectedRange, ecosystem: &str) {
    let vt = version_type(r.kind, ecosystem);
    let span = |lo: &str, key: &str, hi: &str| json!({ "version": lo, "status": "affected", key: hi, "versionType": vt });
    let mut lo: Option<&str> = None;
    for e in &r.events {
        match e {
            // A second `introduced` inside an open span does not move its start (OSV
            // §"Evaluation": the version stays affected).
            RangeEvent::Introduced(v) => {
                lo.get_or_insert(v.as_str());
            }
            RangeEvent::Fixed(v) | RangeEvent::Limit(v) => {
                if let Some(l) = lo.take() {
                    push_unique(out, span(l, "lessThan", v));
                }
            }
            RangeEvent::LastAffected(v) => {
                if let Some(l) = lo.take() {
                    push_unique(out, span(l, "lessThanOrEqual", v));
                }
            }
        }
    }
    if let Some(l) = lo {
        push_unique(out, span(l, "lessThan", "*"));
    }
}

/// One `affected[]` product (`#/definitions/product`): `vendor` (the publisher) and `product`
/// always, plus `collectionURL` and `packageName` for a package of a known index, `repo` from
/// a GIT range, the ranges as `versions[]`, enumerated versions as single affected versions,
/// patched versions as unaffected, and `defaultStatus` `unaffected` when versions are listed
/// (`unknown` otherwise: no version information is not a claim that all are affected).
fn product(x: &domain::Affected, p: &Publisher) -> Value {
    let mut o = Map::new();
    let vendor = if p.name.trim().is_empty() {
        short_name(p)
    } else {
        clip(p.name.trim(), 512)
    };
    let name = if x.name.trim().is_empty() {
        &p.product
    } else {
        &x.name
    };
    o.insert("vendor".into(), json!(vendor));
    o.insert("product".into(), json!(clip(name, 2048)));
    if is_osv_ecosystem(&x.ecosystem)
        && let Some(url) = collection_url(&x.ecosystem)
    {
        o.insert("collectionURL".into(), json!(url));
        o.insert("packageName".into(), json!(clip(&x.name, 2048)));
    }
    if let Some(repo) = x
        .ranges
        .iter()
        .filter(|r| r.kind == RangeKind::Git)
        .find_map(|r| r.repo.as_deref())
    {
        o.insert("repo".into(), json!(repo));
    }
    let mut versions = Vec::new();
    for r in &x.ranges {
        range_versions(&mut versions, r, &x.ecosystem);
    }
    for v in &x.versions {
        push_unique(&mut versions, json!({ "version": v, "status": "affected" }));
    }
    for v in &x.patched {
        push_unique(
            &mut versions,
            json!({ "version": v, "status": "unaffected" }),
        );
    }
    let default = if versions.is_empty() {
        "unknown"
    } else {
        "unaffected"
    };
    if !versions.is_empty() {
        o.insert("versions".into(), Value::Array(versions));
    }
    o.insert("defaultStatus".into(), json!(default));
    Value::Object(o)
}

/// The schema's field names for the base metrics (FIRST's CVSS JSON schemas as bundled in
/// `#/definitions/metrics`).
const V3_FIELDS: &[(&str, &str)] = &[
    ("AV", "attackVector"),
    ("AC", "attackComplexity"),
    ("PR", "privilegesRequired"),
    ("UI", "userInteraction"),
    ("S", "scope"),
    ("C", "confidentialityImpact"),
    ("I", "integrityImpact"),
    ("A", "availabilityImpact"),
];
const V4_FIELDS: &[(&str, &str)] = &[
    ("AV", "attackVector"),
    ("AC", "attackComplexity"),
    ("AT", "attackRequirements"),
    ("PR", "privilegesRequired"),
    ("UI", "userInteraction"),
    ("VC", "vulnConfidentialityImpact"),
    ("VI", "vulnIntegrityImpact"),
    ("VA", "vulnAvailabilityImpact"),
    ("SC", "subConfidentialityImpact"),
    ("SI", "subIntegrityImpact"),
    ("SA", "subAvailabilityImpact"),
];

fn severity_name(b: Option<Band>) -> &'static str {
    match b {
        None => "NONE",
        Some(Band::Low) => "LOW",
        Some(Band::Medium) => "MEDIUM",
        Some(Band::High) => "HIGH",
        Some(Band::Critical) => "CRITICAL",
    }
}

/// One `metrics[]` entry (`#/definitions/metrics`): `cvssV3_1`, `cvssV3_0` or `cvssV4_0` with
/// `version`, `vectorString`, `baseScore`, `baseSeverity` and the base metrics spelled out
/// (`NETWORK`, `ADJACENT_NETWORK` in 3.x…), under `format: CVSS`, scenario `GENERAL`.
fn metric(c: &Cvss) -> Option<Value> {
    let (key, fields) = match c.version {
        Version::V3_1 => ("cvssV3_1", V3_FIELDS),
        Version::V3_0 => ("cvssV3_0", V3_FIELDS),
        Version::V4_0 => ("cvssV4_0", V4_FIELDS),
        Version::V2_0 => return None,
    };
    let mut o = Map::new();
    o.insert("version".into(), json!(c.version.as_str()));
    o.insert("vectorString".into(), json!(c.vector));
    o.insert(
        "baseScore".into(),
        json!((c.base_score * 10.0).round() / 10.0),
    );
    o.insert("baseSeverity".into(), json!(severity_name(c.severity)));
    for m in c.metrics.iter().filter(|m| m.group == MetricGroup::Base) {
        let Some((_, field)) = fields.iter().find(|(code, _)| *code == m.code) else {
            continue;
        };
        let value = if c.version != Version::V4_0 && m.code == "AV" && m.value == "A" {
            String::from("ADJACENT_NETWORK")
        } else {
            m.value_name.to_ascii_uppercase().replace(' ', "_")
        };
        o.insert((*field).into(), json!(value));
    }
    Some(json!({
        "format": "CVSS",
        "scenarios": [{ "lang": "en", "value": "GENERAL" }],
        key: o,
    }))
}

/// `#/definitions/problemTypes` item for a CWE id; `cweId` only when it has the schema's form
/// (`^CWE-[1-9][0-9]*$`, at most 9 characters).
fn problem_type(cwe: &str) -> Value {
    let valid = cwe.len() <= 9
        && cwe.strip_prefix("CWE-").is_some_and(|n| {
            n.starts_with(|c: char| ('1'..='9').contains(&c))
                && n.bytes().all(|b| b.is_ascii_digit())
        });
    let mut o = json!({ "lang": "en", "description": cwe, "type": "CWE" });
    if valid {
        o["cweId"] = json!(cwe);
    }
    o
}

fn description(value: &str) -> Value {
    json!({ "lang": "en", "value": clip(value, 4096) })
}

/// The CNA published container (`#/definitions/cnaPublishedContainer`, what CVE Services
/// accepts at `PUT /cve/{id}/cna`). `date_public` is when the flaw was made public (the
/// advisory's first publication). For a withdrawn advisory use [`rejected_container`].
pub fn cna_container(a: &Advisory, p: &Publisher, date_public: Timestamp) -> Value {
    let mut o = Map::new();
    o.insert("providerMetadata".into(), provider_metadata(a, p));
    if !a.title.trim().is_empty() {
        o.insert("title".into(), json!(clip(a.title.trim(), 256)));
    }
    o.insert("datePublic".into(), json!(timestamp(date_public)));

    // `descriptions`: the summary paragraph as plain text; the summary with the details as
    // `text/markdown` supporting media (`#/definitions/description`).
    let text = if a.summary.trim().is_empty() {
        a.title.trim()
    } else {
        a.summary.trim()
    };
    let mut d = description(if text.is_empty() {
        "No description."
    } else {
        text
    });
    if !a.details.trim().is_empty() {
        let md = format!("{text}\n\n{}", a.details.trim());
        d["supportingMedia"] = json!([{
            "type": "text/markdown",
            "base64": false,
            "value": clip(md.trim(), 16384),
        }]);
    }
    o.insert("descriptions".into(), json!([d]));

    // `affected` needs at least one product; a record without any names the program's.
    let mut affected: Vec<Value> = Vec::new();
    for x in &a.affected {
        push_unique(&mut affected, product(x, p));
    }
    if affected.is_empty() {
        affected.push(json!({
            "vendor": if p.name.trim().is_empty() { short_name(p) } else { clip(p.name.trim(), 512) },
            "product": if p.product.trim().is_empty() { p.name.clone() } else { p.product.clone() },
            "defaultStatus": "unknown",
        }));
    }
    o.insert("affected".into(), Value::Array(affected));

    let mut cwes: Vec<Value> = Vec::new();
    for c in &a.cwes {
        push_unique(&mut cwes, problem_type(c));
    }
    if !cwes.is_empty() {
        o.insert("problemTypes".into(), json!([{ "descriptions": cwes }]));
    }

    let mut metrics: Vec<Value> = Vec::new();
    for m in a
        .cvss
        .iter()
        .filter_map(|v| cvss::parse(v).ok())
        .filter_map(|c| metric(&c))
    {
        push_unique(&mut metrics, m);
    }
    if !metrics.is_empty() {
        o.insert("metrics".into(), Value::Array(metrics));
    }

    if !a.workarounds.trim().is_empty() {
        o.insert(
            "workarounds".into(),
            json!([description(a.workarounds.trim())]),
        );
    }
    let fixes: Vec<String> = a
        .affected
        .iter()
        .filter_map(|x| {
            let v = x.fixed_versions();
            (!v.is_empty()).then(|| format!("{} {}", x.name, v.join(", ")))
        })
        .collect();
    if !fixes.is_empty() {
        o.insert(
            "solutions".into(),
            json!([description(&format!(
                "Upgrade to a fixed version: {}.",
                fixes.join("; ")
            ))]),
        );
    }

    // `references` (1–512): the advisory's own page first, then the record's, each URL once.
    let mut urls: Vec<&str> = Vec::new();
    let mut references = vec![json!({ "url": p.advisory_url(&a.id), "tags": ["vendor-advisory"] })];
    let own = p.advisory_url(&a.id);
    urls.push(&own);
    for r in &a.references {
        if urls.contains(&r.url.as_str()) || references.len() >= 512 {
            continue;
        }
        urls.push(&r.url);
        let mut x = json!({ "url": r.url });
        if let Some(t) = reference_tag(r.kind) {
            x["tags"] = json!([t]);
        }
        references.push(x);
    }
    o.insert("references".into(), Value::Array(references));

    // `credits`: consented ones only, CVE spelling of the type (`remediation developer`).
    let mut credits: Vec<Value> = Vec::new();
    for c in a.public_credits().filter(|c| !c.name.trim().is_empty()) {
        push_unique(
            &mut credits,
            json!({ "lang": "en", "value": clip(c.name.trim(), 4096), "type": c.kind.cve_name() }),
        );
    }
    if !credits.is_empty() {
        o.insert("credits".into(), Value::Array(credits));
    }
    // `x_` properties are allowed in the container (`patternProperties` `^x_[^.]*$`).
    o.insert("x_generator".into(), json!({ "engine": "Embargo" }));
    Value::Object(o)
}

/// The CNA rejected container (`#/definitions/cnaRejectedContainer`) of a withdrawn advisory,
/// with the withdrawal reason in `rejectedReasons`.
pub fn rejected_container(a: &Advisory, p: &Publisher) -> Value {
    let who = if p.name.trim().is_empty() {
        short_name(p)
    } else {
        p.name.trim().to_owned()
    };
    let reason = match withdrawal_reason(a) {
        Some(r) => format!("Withdrawn by {who}: {r}"),
        None => format!("Withdrawn by {who}."),
    };
    json!({
        "providerMetadata": provider_metadata(a, p),
        "rejectedReasons": [description(&reason)],
    })
}

/// The whole CVE record (`dataType` `CVE_RECORD`, `dataVersion` 5.1): `cveMetadata` and the CNA
/// container; `PUBLISHED` with [`cna_container`], or `REJECTED` with [`rejected_container`] and
/// `dateRejected` when the advisory is withdrawn. `date_published` is the record's
/// `datePublished`; the container's `datePublic` is the advisory's first publication.
pub fn record(a: &Advisory, p: &Publisher, cve_id: &str, date_published: Timestamp) -> Value {
    let withdrawn = a.status == Status::Withdrawn;
    let mut meta = Map::new();
    meta.insert("cveId".into(), json!(cve_id));
    meta.insert("assignerOrgId".into(), json!(org_id(p)));
    meta.insert("assignerShortName".into(), json!(short_name(p)));
    meta.insert(
        "state".into(),
        json!(if withdrawn { "REJECTED" } else { "PUBLISHED" }),
    );
    meta.insert("datePublished".into(), json!(timestamp(date_published)));
    meta.insert(
        "dateUpdated".into(),
        json!(timestamp(a.modified.max(date_published))),
    );
    let cna = if withdrawn {
        meta.insert(
            "dateRejected".into(),
            json!(timestamp(a.withdrawn.unwrap_or(a.modified))),
        );
        rejected_container(a, p)
    } else {
        cna_container(a, p, a.published.unwrap_or(date_published))
    };
    json!({
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": meta,
        "containers": { "cna": cna },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uuid_check_follows_the_schema_pattern() {
        assert!(is_uuid_v4(UNKNOWN_ORG));
        assert!(is_uuid_v4("b3476cb9-2e3d-41a6-98d0-0f47421a65b6"));
        assert!(
            !is_uuid_v4("b3476cb9-2e3d-11a6-98d0-0f47421a65b6"),
            "version 1"
        );
        assert!(
            !is_uuid_v4("b3476cb9-2e3d-41a6-c8d0-0f47421a65b6"),
            "variant"
        );
        assert!(!is_uuid_v4("not-a-uuid"));
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("ééé", 2), "éé");
        assert_eq!(clip("ab", 5), "ab");
    }

    #[test]
    fn open_and_repeated_introduced_spans() {
        let r = domain::AffectedRange {
            kind: RangeKind::Ecosystem,
            repo: None,
            events: vec![
                RangeEvent::Introduced("1.0".into()),
                RangeEvent::Introduced("1.5".into()),
                RangeEvent::Fixed("2.0".into()),
                RangeEvent::Limit("9".into()),
                RangeEvent::Introduced("3.0".into()),
            ],
        };
        let mut out = Vec::new();
        range_versions(&mut out, &r, "PyPI");
        assert_eq!(
            out,
            vec![
                json!({"version": "1.0", "status": "affected", "lessThan": "2.0", "versionType": "python"}),
                json!({"version": "3.0", "status": "affected", "lessThan": "*", "versionType": "python"}),
            ]
        );
    }
}
