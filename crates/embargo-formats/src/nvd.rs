//! NVD CVE API 2.0 pages (`https://services.nvd.nist.gov/rest/json/cves/2.0`): wire structs
//! that mirror `cve_api_json_2.0.schema` (<https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema>,
//! "JSON Schema for NVD Vulnerability Data API version 2.x"), and conversion of each CVE into
//! an OSV [`Vulnerability`]. A page with a bad record yields the good ones and an error naming
//! the record's index, id and JSON path.
//!
//! # What becomes of CPE applicability statements
//!
//! NVD says *what* is affected with CPE match criteria (`configurations[].nodes[].cpeMatch[]`),
//! which name a vendor and a product, not a package of an ecosystem: `cpe:2.3:a:apache:log4j`
//! is `org.apache.logging.log4j:log4j-core` on Maven, but nothing in the record says so, and
//! guessing would produce false matches. So the OSV record has **no `affected[]`**; every
//! match is kept, parsed, in `database_specific.cpe_matches` (criteria, vendor, product,
//! version, the four range bounds, `vulnerable`, and whether it came from an `AND`
//! configuration, where a vulnerable application is affected only on a given platform). A
//! consumer that knows a CPE ↔ purl mapping can match on those; the feed merges NVD records
//! with OSV/GHSA records of the same CVE by alias, which gives the packages.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::osv::{Reference, Severity, Vulnerability};

/// A response page (`cve_api_json_2.0.schema`, root: all seven properties required).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageWire {
    results_per_page: u64,
    start_index: u64,
    total_results: u64,
    format: String,
    version: String,
    timestamp: String,
    /// Kept as JSON trees so one bad record does not lose the page (`#/definitions/def_cve_item`).
    vulnerabilities: Vec<Value>,
}

/// `#/definitions/def_cve_item`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CveItem {
    pub cve: Cve,
}

/// `#/definitions/cve_item` (required: `id`, `published`, `lastModified`, `references`,
/// `descriptions`). Unknown properties (newer minor schema versions) are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cve {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identifier: Option<String>,
    /// `Received`, `Awaiting Analysis`, `Analyzed`, `Modified`, `Deferred`, `Rejected`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vuln_status: Option<String>,
    /// ISO 8601 without a zone (`2021-12-10T10:15:09.143`); NVD times are UTC.
    pub published: String,
    pub last_modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cisa_exploit_add: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cisa_action_due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cisa_required_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cisa_vulnerability_name: Option<String>,
    pub descriptions: Vec<LangString>,
    pub references: Vec<NvdReference>,
    #[serde(default)]
    pub metrics: Metrics,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weaknesses: Vec<Weakness>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<Config>,
}

/// `#/definitions/lang_string`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LangString {
    pub lang: String,
    pub value: String,
}

/// `#/definitions/reference` (`url` required).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NvdReference {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// `cve_item.metrics`: one array per CVSS version.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(
        rename = "cvssMetricV40",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub v40: Vec<Metric>,
    #[serde(
        rename = "cvssMetricV31",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub v31: Vec<Metric>,
    #[serde(
        rename = "cvssMetricV30",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub v30: Vec<Metric>,
    #[serde(
        rename = "cvssMetricV2",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub v2: Vec<Metric>,
}

/// `#/definitions/cvss-v2`, `cvss-v30`, `cvss-v31`, `cvss-v40` (required: `source`, `type`,
/// `cvssData`). `baseSeverity` sits here for v2 and inside `cvssData` for v3 and v4.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub source: String,
    /// `Primary` (the NVD's own analysis) or `Secondary` (the CNA's).
    #[serde(rename = "type")]
    pub kind: MetricType,
    pub cvss_data: CvssData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_severity: Option<String>,
}

/// `type` of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricType {
    Primary,
    Secondary,
}

/// The parts of FIRST's CVSS JSON (`external/cvss-v*.json`) that are used here; the rest
/// is derivable from the vector.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CvssData {
    pub version: String,
    pub vector_string: String,
    pub base_score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_severity: Option<String>,
}

/// `#/definitions/weakness`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Weakness {
    pub source: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: Vec<LangString>,
}

/// `AND` / `OR` of a configuration or node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    #[serde(rename = "AND")]
    And,
    #[serde(rename = "OR")]
    Or,
}

/// `#/definitions/config` (`nodes` required).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub negate: bool,
    pub nodes: Vec<Node>,
}

/// `#/definitions/node` (`operator`, `cpeMatch` required).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub operator: Operator,
    #[serde(default)]
    pub negate: bool,
    pub cpe_match: Vec<CpeMatch>,
}

/// `#/definitions/cpe_match` (`vulnerable`, `criteria`, `matchCriteriaId` required).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpeMatch {
    pub vulnerable: bool,
    pub criteria: String,
    pub match_criteria_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_excluding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_excluding: Option<String>,
}

/// A CPE 2.3 formatted string (NISTIR 7695 §6.2), split into its eleven attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe23 {
    /// `a` (application), `o` (operating system), `h` (hardware).
    pub part: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub update: String,
    pub edition: String,
    pub language: String,
    pub sw_edition: String,
    pub target_sw: String,
    pub target_hw: String,
    pub other: String,
}

impl Cpe23 {
    /// Parses `cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:
    /// target_sw:target_hw:other`. A `\` quotes the next character (NISTIR 7695 §6.2.2.3), so
    /// `\:` is a colon inside an attribute; values are kept quoted as written.
    pub fn parse(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("cpe:2.3:")
            .ok_or_else(|| format!("`{s}` is not a CPE 2.3 formatted string (`cpe:2.3:…`)"))?;
        let mut fields: Vec<String> = vec![String::new()];
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let next = chars
                        .next()
                        .ok_or_else(|| format!("`{s}` ends with a lone `\\`"))?;
                    if let Some(f) = fields.last_mut() {
                        f.push('\\');
                        f.push(next);
                    }
                }
                ':' => fields.push(String::new()),
                c => {
                    if let Some(f) = fields.last_mut() {
                        f.push(c);
                    }
                }
            }
        }
        let n = fields.len();
        let mut it = fields.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let cpe = Self {
            part: next(),
            vendor: next(),
            product: next(),
            version: next(),
            update: next(),
            edition: next(),
            language: next(),
            sw_edition: next(),
            target_sw: next(),
            target_hw: next(),
            other: next(),
        };
        if n != 11 {
            return Err(format!(
                "`{s}` has {n} attributes after `cpe:2.3:`, expected 11"
            ));
        }
        if !matches!(cpe.part.as_str(), "a" | "o" | "h" | "*" | "-") {
            return Err(format!("`{s}`: part `{}` is not `a`, `o` or `h`", cpe.part));
        }
        if cpe.vendor.is_empty() || cpe.product.is_empty() {
            return Err(format!("`{s}` has an empty vendor or product"));
        }
        Ok(cpe)
    }
}

/// Why a page or one of its records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NvdError {
    #[error("not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("not an NVD CVE API 2.0 page: {message} at `{path}`")]
    Page { path: String, message: String },
    #[error(
        "not an NVD CVE API 2.0 page: format `{format}` version `{version}` (expected `NVD_CVE` 2.x)"
    )]
    Unsupported { format: String, version: String },
    #[error("NVD record #{index} ({id}): {message} at `{path}`")]
    Record {
        /// Position in `vulnerabilities[]`.
        index: usize,
        /// The record's `cve.id`, or `<unknown id>`.
        id: String,
        /// JSON path from the page root, e.g. `vulnerabilities[2].cve.published`.
        path: String,
        message: String,
    },
}

/// A page converted to OSV: paging data, the records that converted, and one error per record
/// that did not.
#[derive(Debug)]
pub struct Page {
    pub results_per_page: u64,
    pub start_index: u64,
    pub total_results: u64,
    /// The page's `timestamp`, as RFC 3339 UTC when it parses, else as written.
    pub timestamp: String,
    pub records: Vec<Vulnerability>,
    pub errors: Vec<NvdError>,
}

/// Parses one page of the CVE API 2.0 and converts every CVE. Only a page that is not JSON,
/// lacks the paging envelope or is not `NVD_CVE` 2.x is an error; bad records go to
/// [`Page::errors`].
pub fn parse_page(text: &str) -> Result<Page, NvdError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let wire: PageWire = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        if e.inner().is_syntax() || e.inner().is_eof() {
            NvdError::Json(e.into_inner())
        } else {
            NvdError::Page {
                path: e.path().to_string(),
                message: e.inner().to_string(),
            }
        }
    })?;
    de.end().map_err(NvdError::Json)?;
    if wire.format != "NVD_CVE" || !wire.version.starts_with("2.") {
        return Err(NvdError::Unsupported {
            format: wire.format,
            version: wire.version,
        });
    }
    let mut records = Vec::with_capacity(wire.vulnerabilities.len());
    let mut errors = Vec::new();
    for (index, item) in wire.vulnerabilities.into_iter().enumerate() {
        match record(index, item) {
            Ok(v) => records.push(v),
            Err(e) => errors.push(e),
        }
    }
    Ok(Page {
        results_per_page: wire.results_per_page,
        start_index: wire.start_index,
        total_results: wire.total_results,
        timestamp: rfc3339(&wire.timestamp).unwrap_or(wire.timestamp),
        records,
        errors,
    })
}

fn record(index: usize, item: Value) -> Result<Vulnerability, NvdError> {
    let id = item
        .pointer("/cve/id")
        .and_then(Value::as_str)
        .unwrap_or("<unknown id>")
        .to_owned();
    let err = |path: String, message: String| NvdError::Record {
        index,
        id: id.clone(),
        path: format!("vulnerabilities[{index}].{path}"),
        message,
    };
    let item: CveItem = serde_path_to_error::deserialize(item)
        .map_err(|e| err(e.path().to_string(), e.inner().to_string()))?;
    to_osv(&item.cve).map_err(|(path, message)| err(format!("cve.{path}"), message))
}

/// `^CVE-[0-9]{4}-[0-9]{4,}$` (`#/definitions/cve_id`).
pub(crate) fn is_cve_id(s: &str) -> bool {
    s.strip_prefix("CVE-")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(y, n)| {
            y.len() == 4 && n.len() >= 4 && y.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
        })
}

/// An NVD time (ISO 8601, usually without a zone, meaning UTC) as RFC 3339 UTC, which OSV's
/// `modified`/`published` require.
fn rfc3339(s: &str) -> Option<String> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t.to_string());
    }
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    let z = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?;
    Some(z.timestamp().to_string())
}

/// The metric of a version to report: the NVD's own (`Primary`) first, else the first one.
fn pick(metrics: &[Metric]) -> Option<&Metric> {
    metrics
        .iter()
        .find(|m| m.kind == MetricType::Primary)
        .or_else(|| metrics.first())
}

/// The OSV reference type for NVD's reference tags (NVD "Reference Tags" list), the most
/// specific one winning: a patch is a FIX even when it is also a vendor advisory, a bug
/// tracker entry a REPORT even when NVD also tags it "Third Party Advisory".
fn reference_type(tags: &[String]) -> &'static str {
    const ORDER: &[(&str, &str)] = &[
        ("Patch", "FIX"),
        ("Exploit", "EVIDENCE"),
        ("Issue Tracking", "REPORT"),
        ("Vendor Advisory", "ADVISORY"),
        ("Third Party Advisory", "ADVISORY"),
        ("US Government Resource", "ADVISORY"),
        ("VDB Entry", "ADVISORY"),
        ("Technical Description", "ARTICLE"),
        ("Press/Media Coverage", "ARTICLE"),
        ("Mailing List", "DISCUSSION"),
        ("Product", "PACKAGE"),
    ];
    ORDER
        .iter()
        .find(|(tag, _)| tags.iter().any(|t| t == tag))
        .map_or("WEB", |(_, kind)| kind)
}

/// Converts one CVE into OSV. On a problem, returns the path below `cve` and a message.
///
/// * `id` is the CVE id; `modified`/`published` are `lastModified`/`published` in RFC 3339;
///   `vulnStatus: Rejected` sets `withdrawn` to `lastModified`.
/// * `details` is the English description (the first one when none is English); NVD has no
///   title, so there is no `summary`.
/// * `severity`: one entry per CVSS version present, v4.0 → `CVSS_V4`, v3.1 (else v3.0) →
///   `CVSS_V3`, v2 → `CVSS_V2`, each the `Primary` metric when there is one.
/// * `references`: each URL once, typed from its tags ([`reference_type`]).
/// * `database_specific`: `source`, `sourceIdentifier`, `vulnStatus`, `cwe_ids`, the
///   `baseSeverity` of the highest CVSS version, CISA KEV fields, and `cpe_matches` (see the
///   module documentation for why CPEs do not become `affected[]`).
pub fn to_osv(cve: &Cve) -> Result<Vulnerability, (String, String)> {
    if !is_cve_id(&cve.id) {
        return Err((
            "id".into(),
            format!("`{}` is not a CVE id (CVE-YYYY-NNNN)", cve.id),
        ));
    }
    let time = |field: &str, s: &str| {
        rfc3339(s).ok_or_else(|| (field.to_owned(), format!("`{s}` is not an ISO 8601 time")))
    };
    let modified = time("lastModified", &cve.last_modified)?;
    let published = time("published", &cve.published)?;
    let rejected = cve.vuln_status.as_deref() == Some("Rejected");

    let details = cve
        .descriptions
        .iter()
        .find(|d| d.lang == "en")
        .or_else(|| cve.descriptions.first())
        .map(|d| d.value.trim().to_owned())
        .filter(|d| !d.is_empty());

    let m = &cve.metrics;
    let v3 = pick(&m.v31).or_else(|| pick(&m.v30));
    let mut severity = Vec::new();
    for (kind, metric) in [
        ("CVSS_V4", pick(&m.v40)),
        ("CVSS_V3", v3),
        ("CVSS_V2", pick(&m.v2)),
    ] {
        if let Some(x) = metric {
            severity.push(Severity {
                kind: kind.to_owned(),
                score: x.cvss_data.vector_string.clone(),
            });
        }
    }
    let base_severity = [pick(&m.v40), v3, pick(&m.v2)]
        .into_iter()
        .flatten()
        .find_map(|x| {
            x.cvss_data
                .base_severity
                .clone()
                .or(x.base_severity.clone())
        });

    let mut references: Vec<Reference> = Vec::new();
    for r in &cve.references {
        if references.iter().any(|x| x.url == r.url) {
            continue;
        }
        references.push(Reference {
            kind: reference_type(&r.tags).to_owned(),
            url: r.url.clone(),
        });
    }

    let mut cwe_ids: Vec<&str> = Vec::new();
    for w in &cve.weaknesses {
        for d in &w.description {
            // `NVD-CWE-Other` / `NVD-CWE-noinfo` are NVD placeholders, not CWE ids.
            if d.value.starts_with("CWE-") && !cwe_ids.contains(&d.value.as_str()) {
                cwe_ids.push(&d.value);
            }
        }
    }

    let mut ds = Map::new();
    ds.insert("source".into(), json!("NVD"));
    if let Some(s) = &cve.source_identifier {
        ds.insert("sourceIdentifier".into(), json!(s));
    }
    if let Some(s) = &cve.vuln_status {
        ds.insert("vulnStatus".into(), json!(s));
    }
    if !cwe_ids.is_empty() {
        ds.insert("cwe_ids".into(), json!(cwe_ids));
    }
    if let Some(s) = base_severity {
        ds.insert("severity".into(), json!(s));
    }
    if let Some(add) = &cve.cisa_exploit_add {
        ds.insert(
            "cisa_kev".into(),
            json!({
                "exploitAdd": add,
                "actionDue": cve.cisa_action_due,
                "requiredAction": cve.cisa_required_action,
                "vulnerabilityName": cve.cisa_vulnerability_name,
            }),
        );
    }
    let matches = cpe_matches(&cve.configurations)?;
    if !matches.is_empty() {
        ds.insert("cpe_matches".into(), Value::Array(matches));
    }

    Ok(Vulnerability {
        schema_version: Some("1.7.0".into()),
        id: cve.id.clone(),
        withdrawn: rejected.then(|| modified.clone()),
        modified,
        published: Some(published),
        aliases: Vec::new(),
        upstream: Vec::new(),
        related: Vec::new(),
        summary: None,
        details,
        severity,
        affected: Vec::new(),
        references,
        credits: Vec::new(),
        database_specific: Some(Value::Object(ds)),
    })
}

/// Every CPE match of every configuration, parsed, with its place and context.
fn cpe_matches(configs: &[Config]) -> Result<Vec<Value>, (String, String)> {
    let mut out = Vec::new();
    for (ci, c) in configs.iter().enumerate() {
        // A configuration joining nodes with AND (e.g. an application AND the OS it runs
        // on) affects its vulnerable CPEs only in that combination.
        let combined = c.operator == Some(Operator::And) && c.nodes.len() > 1;
        for (ni, n) in c.nodes.iter().enumerate() {
            for (mi, x) in n.cpe_match.iter().enumerate() {
                let cpe = Cpe23::parse(&x.criteria).map_err(|m| {
                    (
                        format!("configurations[{ci}].nodes[{ni}].cpeMatch[{mi}].criteria"),
                        m,
                    )
                })?;
                let mut o = Map::new();
                o.insert("criteria".into(), json!(x.criteria));
                o.insert("matchCriteriaId".into(), json!(x.match_criteria_id));
                o.insert("part".into(), json!(cpe.part));
                o.insert("vendor".into(), json!(cpe.vendor));
                o.insert("product".into(), json!(cpe.product));
                o.insert("version".into(), json!(cpe.version));
                o.insert("vulnerable".into(), json!(x.vulnerable));
                for (k, v) in [
                    ("versionStartIncluding", &x.version_start_including),
                    ("versionStartExcluding", &x.version_start_excluding),
                    ("versionEndIncluding", &x.version_end_including),
                    ("versionEndExcluding", &x.version_end_excluding),
                ] {
                    if let Some(v) = v {
                        o.insert(k.into(), json!(v));
                    }
                }
                if combined || n.negate || c.negate {
                    o.insert("configuration".into(), json!(ci));
                    o.insert("in_and_configuration".into(), json!(combined));
                    if n.negate || c.negate {
                        o.insert("negated".into(), json!(true));
                    }
                }
                out.push(Value::Object(o));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cpe_escapes_and_arity() {
        let c = Cpe23::parse(r"cpe:2.3:a:acme:big\:app:1.0:*:*:*:*:node.js:*:*").unwrap();
        assert_eq!(c.product, r"big\:app");
        assert_eq!(c.target_sw, "node.js");
        assert!(Cpe23::parse("cpe:2.3:a:acme:app:1.0").is_err());
        assert!(Cpe23::parse("cpe:/a:acme:app:1.0").is_err());
        assert!(Cpe23::parse("cpe:2.3:x:acme:app:*:*:*:*:*:*:*:*").is_err());
    }

    #[test]
    fn times_become_rfc3339_utc() {
        assert_eq!(
            rfc3339("2021-12-10T10:15:09.143").as_deref(),
            Some("2021-12-10T10:15:09.143Z")
        );
        assert_eq!(
            rfc3339("2021-12-10T12:15:09+02:00").as_deref(),
            Some("2021-12-10T10:15:09Z")
        );
        assert_eq!(rfc3339("yesterday"), None);
    }

    #[test]
    fn cve_ids_follow_the_schema_pattern() {
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(is_cve_id("CVE-2024-1234"));
        assert!(!is_cve_id("CVE-2024-123"));
        assert!(!is_cve_id("GHSA-jfh8-c2jp-5v3q"));
    }

    #[test]
    fn most_specific_reference_type_wins() {
        let t = |v: &[&str]| reference_type(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(t(&["Vendor Advisory", "Patch"]), "FIX");
        assert_eq!(t(&["Mailing List", "Third Party Advisory"]), "ADVISORY");
        assert_eq!(t(&["Broken Link"]), "WEB");
        assert_eq!(t(&[]), "WEB");
    }
}
