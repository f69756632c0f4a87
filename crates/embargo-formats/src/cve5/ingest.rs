//! CVE JSON 5.0/5.1 records (`CVE_RECORD`, `PUBLISHED` or `REJECTED`) read into OSV
//! [`Vulnerability`] records for the feed. Wire structs mirror the parts of the bundled schema
//! (`CVE_JSON_bundled_5.1.1.json`, `#/definitions/…`) that carry meaning for OSV; unknown
//! properties (`x_…`, `impacts`, `timeline`…) are ignored.
//!
//! # Mapping
//!
//! * `id` is `cveMetadata.cveId`. `modified` is `cveMetadata.dateUpdated`, else the latest
//!   container `providerMetadata.dateUpdated`, else `datePublished`; `published` is
//!   `datePublished`, else the CNA's `datePublic`. A `REJECTED` record is `withdrawn` at
//!   `dateRejected` (else `modified`), its details the rejection reason.
//! * `summary` is the CNA `title`; `details` the English description (else the first).
//! * `severity`: one entry per CVSS version (4.0, 3.1 else 3.0, 2.0) from the CNA container's
//!   `metrics`, then the ADP containers' (CISA-ADP scores records the CNA left unscored).
//! * `references` of the CNA and ADP containers, each URL once, typed from the CVE reference
//!   tags (the inverse of [`super::reference_tag`]).
//! * `aliases`: GitHub Security Advisory ids found in GitHub advisory reference URLs
//!   (`github.com/advisories/GHSA-…`, `…/security/advisories/GHSA-…`): a CNA that links its
//!   GHSA is stating the same vulnerability; no other identifier is guessed from text.
//! * `affected`: a product with `collectionURL` and `packageName` of a known package index
//!   becomes an OSV package ([`ecosystem_for`]); a product with `repo` and `git` versions a
//!   `GIT` range without a package. Versions become ranges (`versions::ranges`). Products that map to
//!   no ecosystem (vendor/product only, CPEs) are kept in `database_specific.products`.
//! * `credits` (English ones) with the CVE credit type spelled the OSV way.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::osv::{
    Affected, Credit, OsvRange, Package, RangeKind, Reference, Severity, Vulnerability,
};

pub use super::versions::ecosystem_for;
use super::versions::ranges;

/// `#/definitions/…` root: a CVE record.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Always `CVE_RECORD`.
    pub data_type: String,
    /// `5.0`, `5.1`, `5.1.1`…
    pub data_version: String,
    pub cve_metadata: CveMetadata,
    pub containers: Containers,
}

/// `cveMetadataPublished` / `cveMetadataRejected`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CveMetadata {
    pub cve_id: String,
    pub assigner_org_id: String,
    #[serde(default)]
    pub assigner_short_name: Option<String>,
    pub state: State,
    #[serde(default)]
    pub date_reserved: Option<String>,
    #[serde(default)]
    pub date_published: Option<String>,
    #[serde(default)]
    pub date_updated: Option<String>,
    #[serde(default)]
    pub date_rejected: Option<String>,
}

/// `cveMetadata.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Published,
    Rejected,
}

/// `containers`: the CNA's (required) and any ADP containers.
#[derive(Debug, Clone, Deserialize)]
pub struct Containers {
    pub cna: Container,
    #[serde(default)]
    pub adp: Vec<Container>,
}

/// The fields shared by `cnaPublishedContainer`, `cnaRejectedContainer` and
/// `adpContainer` that are read here.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub provider_metadata: ProviderMetadata,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub date_public: Option<String>,
    #[serde(default)]
    pub descriptions: Vec<Description>,
    #[serde(default)]
    pub rejected_reasons: Vec<Description>,
    #[serde(default)]
    pub affected: Vec<Product>,
    #[serde(default)]
    pub problem_types: Vec<ProblemType>,
    #[serde(default)]
    pub metrics: Vec<Metric>,
    #[serde(default)]
    pub references: Vec<CveReference>,
    #[serde(default)]
    pub credits: Vec<CveCredit>,
}

/// `#/definitions/providerMetadata`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderMetadata {
    pub org_id: String,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub date_updated: Option<String>,
}

/// `#/definitions/description`.
#[derive(Debug, Clone, Deserialize)]
pub struct Description {
    pub lang: String,
    pub value: String,
}

/// `#/definitions/problemTypes` item.
#[derive(Debug, Clone, Deserialize)]
pub struct ProblemType {
    pub descriptions: Vec<ProblemTypeDescription>,
}

/// A problem type description; `cweId` when it is a CWE.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemTypeDescription {
    #[serde(default)]
    pub cwe_id: Option<String>,
    pub description: String,
}

/// `#/definitions/metrics` item: one or more scores under one scenario.
#[derive(Debug, Clone, Deserialize)]
pub struct Metric {
    #[serde(rename = "cvssV4_0", default)]
    pub v4_0: Option<Cvss>,
    #[serde(rename = "cvssV3_1", default)]
    pub v3_1: Option<Cvss>,
    #[serde(rename = "cvssV3_0", default)]
    pub v3_0: Option<Cvss>,
    #[serde(rename = "cvssV2_0", default)]
    pub v2_0: Option<Cvss>,
}

/// The part of a FIRST CVSS JSON object read here.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cvss {
    pub vector_string: String,
    #[serde(default)]
    pub base_severity: Option<String>,
}

/// `#/definitions/reference`.
#[derive(Debug, Clone, Deserialize)]
pub struct CveReference {
    pub url: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `#/definitions/credit`.
#[derive(Debug, Clone, Deserialize)]
pub struct CveCredit {
    pub lang: String,
    pub value: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// `#/definitions/product`: one product and its version statuses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(rename = "collectionURL", default)]
    pub collection_url: Option<String>,
    #[serde(default)]
    pub package_name: Option<String>,
    #[serde(default)]
    pub cpes: Vec<String>,
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default)]
    pub default_status: Option<VersionStatus>,
    #[serde(default)]
    pub versions: Vec<VersionEntry>,
}

/// `#/definitions/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionStatus {
    Affected,
    Unaffected,
    Unknown,
}

/// `#/definitions/versions` item: a single version, or a range from `version` up to
/// `lessThan`/`lessThanOrEqual` (`*` meaning no upper bound) with status `changes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionEntry {
    pub version: String,
    pub status: VersionStatus,
    #[serde(default)]
    pub version_type: Option<String>,
    #[serde(default)]
    pub less_than: Option<String>,
    #[serde(default)]
    pub less_than_or_equal: Option<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// `versions[].changes[]`: the status from `at` on.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub at: String,
    pub status: VersionStatus,
}

/// Why a CVE record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Cve5Error {
    #[error("not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("CVE record {id}: {message} at `{path}`")]
    Schema {
        /// `cveMetadata.cveId`, or `<unknown id>`.
        id: String,
        path: String,
        message: String,
    },
}

/// Parses a CVE JSON 5.x record and converts it to OSV. A record without any date (the
/// schema requires none) is an error here; see [`from_value_at`].
pub fn from_json(text: &str) -> Result<Vulnerability, Cve5Error> {
    from_value(serde_json::from_str(text).map_err(Cve5Error::Json)?)
}

/// Converts a CVE JSON 5.x record tree to OSV, naming the path of the first problem.
pub fn from_value(value: Value) -> Result<Vulnerability, Cve5Error> {
    convert(value, None)
}

/// Same as [`from_value`], with `seen` (typically when the record was fetched or ingested)
/// as OSV's required `modified` when the record carries no date at all, as the schema's own
/// examples do not.
pub fn from_value_at(value: Value, seen: jiff::Timestamp) -> Result<Vulnerability, Cve5Error> {
    convert(value, Some(seen))
}

fn convert(value: Value, seen: Option<jiff::Timestamp>) -> Result<Vulnerability, Cve5Error> {
    let id = value
        .pointer("/cveMetadata/cveId")
        .and_then(Value::as_str)
        .unwrap_or("<unknown id>")
        .to_owned();
    let err = |path: &str, message: String| Cve5Error::Schema {
        id: id.clone(),
        path: path.to_owned(),
        message,
    };
    let rec: Record = serde_path_to_error::deserialize(value)
        .map_err(|e| err(&e.path().to_string(), e.inner().to_string()))?;
    if rec.data_type != "CVE_RECORD" {
        return Err(err(
            "dataType",
            format!("`{}` is not `CVE_RECORD`", rec.data_type),
        ));
    }
    if !(rec.data_version == "5.0" || rec.data_version.starts_with("5.")) {
        return Err(err(
            "dataVersion",
            format!("version `{}` is not supported (5.0, 5.1)", rec.data_version),
        ));
    }
    to_osv(&rec, seen).map_err(|(path, message)| err(&path, message))
}

/// A CVE time (`#/definitions/timestamp`, ISO 8601 with or without a zone; UTC when none) as
/// RFC 3339 UTC.
fn rfc3339(s: &str) -> Option<String> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t.to_string());
    }
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    Some(
        dt.to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp()
            .to_string(),
    )
}

fn english(d: &[Description]) -> Option<&str> {
    d.iter()
        .find(|d| d.lang == "en" || d.lang.starts_with("en-") || d.lang.starts_with("en_"))
        .or_else(|| d.first())
        .map(|d| d.value.trim())
        .filter(|s| !s.is_empty())
}

/// OSV reference type for CVE reference tags (`https://cve.mitre.org/cve/v5_00/tags/reference/`),
/// the inverse of the export's mapping, most specific tag first.
fn reference_type(tags: &[String]) -> &'static str {
    const ORDER: &[(&str, &str)] = &[
        ("patch", "FIX"),
        ("exploit", "EVIDENCE"),
        ("issue-tracking", "REPORT"),
        ("signature", "DETECTION"),
        ("vendor-advisory", "ADVISORY"),
        // A write-up that others also list as an advisory is still an article.
        ("technical-description", "ARTICLE"),
        ("third-party-advisory", "ADVISORY"),
        ("government-resource", "ADVISORY"),
        ("vdb-entry", "ADVISORY"),
        ("media-coverage", "DISCUSSION"),
        ("mailing-list", "DISCUSSION"),
        ("product", "PACKAGE"),
    ];
    ORDER
        .iter()
        .find(|(tag, _)| tags.iter().any(|t| t == tag))
        .map_or("WEB", |(_, kind)| kind)
}

/// A GHSA id at the end of a GitHub advisory URL.
fn ghsa_alias(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("http://github.com/"))?;
    let (path, id) = rest.trim_end_matches('/').rsplit_once('/')?;
    let shaped = id.len() == 19
        && id.starts_with("GHSA-")
        && id[5..]
            .split('-')
            .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    (shaped && (path == "advisories" || path.ends_with("/security/advisories"))).then_some(id)
}

/// OSV credit type (`credits[].type`) for a CVE credit type (`#/definitions/credit`).
fn credit_type(t: &str) -> &'static str {
    match t {
        "finder" => "FINDER",
        "reporter" => "REPORTER",
        "analyst" => "ANALYST",
        "coordinator" => "COORDINATOR",
        "remediation developer" => "REMEDIATION_DEVELOPER",
        "remediation reviewer" => "REMEDIATION_REVIEWER",
        "remediation verifier" => "REMEDIATION_VERIFIER",
        "tool" => "TOOL",
        "sponsor" => "SPONSOR",
        _ => "OTHER",
    }
}

/// The product as written, for `database_specific.products`.
fn product_json(p: &Product, notes: &[String]) -> Value {
    let mut o = Map::new();
    for (k, v) in [
        ("vendor", &p.vendor),
        ("product", &p.product),
        ("collectionURL", &p.collection_url),
        ("packageName", &p.package_name),
        ("repo", &p.repo),
    ] {
        if let Some(v) = v {
            o.insert(k.into(), json!(v));
        }
    }
    if !p.cpes.is_empty() {
        o.insert("cpes".into(), json!(p.cpes));
    }
    let versions: Vec<Value> = p
        .versions
        .iter()
        .map(|e| {
            let mut v = json!({ "version": e.version, "status": status_name(e.status) });
            for (k, x) in [
                ("lessThan", &e.less_than),
                ("lessThanOrEqual", &e.less_than_or_equal),
                ("versionType", &e.version_type),
            ] {
                if let Some(x) = x {
                    v[k] = json!(x);
                }
            }
            v
        })
        .collect();
    if !versions.is_empty() {
        o.insert("versions".into(), Value::Array(versions));
    }
    if let Some(d) = p.default_status {
        o.insert("defaultStatus".into(), json!(status_name(d)));
    }
    if !notes.is_empty() {
        o.insert("notes".into(), json!(notes));
    }
    Value::Object(o)
}

fn status_name(s: VersionStatus) -> &'static str {
    match s {
        VersionStatus::Affected => "affected",
        VersionStatus::Unaffected => "unaffected",
        VersionStatus::Unknown => "unknown",
    }
}

/// Converts a parsed record into OSV (`seen`: see [`from_value_at`]); on a problem, the JSON
/// path and a message.
pub fn to_osv(
    rec: &Record,
    seen: Option<jiff::Timestamp>,
) -> Result<Vulnerability, (String, String)> {
    let meta = &rec.cve_metadata;
    if !crate::nvd::is_cve_id(&meta.cve_id) {
        return Err((
            "cveMetadata.cveId".into(),
            format!("`{}` is not a CVE id (CVE-YYYY-NNNN)", meta.cve_id),
        ));
    }
    let cna = &rec.containers.cna;
    let all: Vec<&Container> = std::iter::once(cna).chain(&rec.containers.adp).collect();
    let time = |path: &str, s: &str| {
        rfc3339(s).ok_or_else(|| (path.to_owned(), format!("`{s}` is not an ISO 8601 time")))
    };

    let published = match (&meta.date_published, &cna.date_public) {
        (Some(d), _) => Some(time("cveMetadata.datePublished", d)?),
        (None, Some(d)) => Some(time("containers.cna.datePublic", d)?),
        (None, None) => None,
    };
    let mut modified = match &meta.date_updated {
        Some(d) => Some(time("cveMetadata.dateUpdated", d)?),
        None => None,
    };
    if modified.is_none() {
        // RFC 3339 UTC strings of one shape sort as times.
        modified = all
            .iter()
            .filter_map(|c| c.provider_metadata.date_updated.as_deref())
            .filter_map(rfc3339)
            .max();
    }
    let modified = modified
        .or_else(|| published.clone())
        .or_else(|| meta.date_reserved.as_deref().and_then(rfc3339))
        .or_else(|| seen.map(|t| t.to_string()))
        .ok_or_else(|| {
            (
                "cveMetadata.dateUpdated".to_owned(),
                "the record has no date to use as `modified`".to_owned(),
            )
        })?;
    let rejected = meta.state == State::Rejected;
    let withdrawn = if rejected {
        Some(match &meta.date_rejected {
            Some(d) => time("cveMetadata.dateRejected", d)?,
            None => modified.clone(),
        })
    } else {
        None
    };

    let details = if rejected {
        english(&cna.rejected_reasons).or_else(|| english(&cna.descriptions))
    } else {
        english(&cna.descriptions)
    }
    .map(str::to_owned);

    let mut severity: Vec<Severity> = Vec::new();
    for c in &all {
        for m in &c.metrics {
            for (kind, x) in [
                ("CVSS_V4", &m.v4_0),
                ("CVSS_V3", &m.v3_1),
                ("CVSS_V3", &m.v3_0),
                ("CVSS_V2", &m.v2_0),
            ] {
                if let Some(x) = x
                    && !severity.iter().any(|s| s.kind == kind)
                {
                    severity.push(Severity {
                        kind: kind.into(),
                        score: x.vector_string.clone(),
                    });
                }
            }
        }
    }
    severity.sort_by_key(|s| match s.kind.as_str() {
        "CVSS_V4" => 0,
        "CVSS_V3" => 1,
        _ => 2,
    });

    let mut references: Vec<Reference> = Vec::new();
    let mut aliases: Vec<String> = Vec::new();
    for r in all.iter().flat_map(|c| &c.references) {
        if let Some(g) = ghsa_alias(&r.url)
            && !aliases.iter().any(|a| a == g)
        {
            aliases.push(g.to_owned());
        }
        if !references.iter().any(|x| x.url == r.url) {
            references.push(Reference {
                kind: reference_type(&r.tags).into(),
                url: r.url.clone(),
            });
        }
    }

    let mut affected: Vec<Affected> = Vec::new();
    let mut products: Vec<Value> = Vec::new();
    for p in &cna.affected {
        let eco = p
            .collection_url
            .as_deref()
            .filter(|_| p.package_name.is_some())
            .and_then(ecosystem_for);
        let name = p.package_name.as_deref().map(str::trim).unwrap_or("");
        let conv = ranges(p, eco.as_deref().unwrap_or(""));
        match eco {
            Some(eco) if !name.is_empty() => {
                let entry = Affected {
                    package: Some(Package {
                        ecosystem: eco,
                        name: name.to_owned(),
                        purl: None,
                    }),
                    severity: Vec::new(),
                    ranges: conv.ranges,
                    versions: conv.versions,
                    ecosystem_specific: None,
                    database_specific: (!conv.notes.is_empty())
                        .then(|| json!({ "notes": conv.notes })),
                };
                if !affected.contains(&entry) {
                    affected.push(entry);
                }
            }
            _ => {
                // A product known by its repository alone: OSV's GIT ranges need no package.
                let git: Vec<OsvRange> = conv
                    .ranges
                    .into_iter()
                    .filter(|r| r.kind == RangeKind::Git)
                    .collect();
                if git.is_empty() {
                    products.push(product_json(p, &conv.notes));
                } else {
                    affected.push(Affected {
                        package: None,
                        severity: Vec::new(),
                        ranges: git,
                        versions: conv.versions,
                        ecosystem_specific: None,
                        database_specific: None,
                    });
                }
            }
        }
    }

    let credits: Vec<Credit> = cna
        .credits
        .iter()
        .filter(|c| c.lang == "en" || c.lang.starts_with("en-"))
        .filter(|c| !c.value.trim().is_empty())
        .map(|c| Credit {
            name: c.value.trim().to_owned(),
            contact: Vec::new(),
            kind: Some(credit_type(c.kind.as_deref().unwrap_or("other")).into()),
        })
        .collect();

    let mut cwe_ids: Vec<&str> = Vec::new();
    for d in all
        .iter()
        .flat_map(|c| &c.problem_types)
        .flat_map(|p| &p.descriptions)
    {
        if let Some(id) = &d.cwe_id
            && !cwe_ids.contains(&id.as_str())
        {
            cwe_ids.push(id);
        }
    }

    let mut ds = Map::new();
    ds.insert("source".into(), json!("CVE"));
    ds.insert(
        "state".into(),
        json!(if rejected { "REJECTED" } else { "PUBLISHED" }),
    );
    ds.insert("dataVersion".into(), json!(rec.data_version));
    if let Some(s) = &meta.assigner_short_name {
        ds.insert("assigner".into(), json!(s));
    }
    let adp: Vec<&str> = rec
        .containers
        .adp
        .iter()
        .filter_map(|c| c.provider_metadata.short_name.as_deref())
        .collect();
    if !adp.is_empty() {
        ds.insert("adp".into(), json!(adp));
    }
    if !cwe_ids.is_empty() {
        ds.insert("cwe_ids".into(), json!(cwe_ids));
    }
    if let Some(s) = all.iter().flat_map(|c| &c.metrics).find_map(|m| {
        [&m.v4_0, &m.v3_1, &m.v3_0, &m.v2_0]
            .into_iter()
            .flatten()
            .find_map(|x| x.base_severity.clone())
    }) {
        ds.insert("severity".into(), json!(s));
    }
    if !products.is_empty() {
        ds.insert("products".into(), Value::Array(products));
    }

    Ok(Vulnerability {
        schema_version: Some("1.7.0".into()),
        id: meta.cve_id.clone(),
        modified,
        published,
        withdrawn,
        aliases,
        upstream: Vec::new(),
        related: Vec::new(),
        summary: cna
            .title
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        details,
        severity,
        affected,
        references,
        credits,
        database_specific: Some(Value::Object(ds)),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ghsa_aliases_only_from_advisory_urls() {
        assert_eq!(
            ghsa_alias("https://github.com/o/r/security/advisories/GHSA-jw9c-mfg7-9rx2"),
            Some("GHSA-jw9c-mfg7-9rx2")
        );
        assert_eq!(
            ghsa_alias("https://github.com/advisories/GHSA-jw9c-mfg7-9rx2"),
            Some("GHSA-jw9c-mfg7-9rx2")
        );
        assert_eq!(
            ghsa_alias("https://github.com/o/r/issues/GHSA-jw9c-mfg7-9rx2"),
            None
        );
        assert_eq!(ghsa_alias("https://example.org/GHSA-jw9c-mfg7-9rx2"), None);
    }
}
