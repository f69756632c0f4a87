//! OSV records (schema 1.7, <https://ossf.github.io/osv-schema/>): wire structs that mirror
//! `osv-schema/validation/schema.json`, parsing from JSON and YAML with errors that name the
//! record id and the JSON path of the problem, and conversion of `affected[]` into the domain's
//! range types to answer "is this version affected?". Export of the canonical advisory to OSV
//! lives in [`export`].

pub mod export;

pub use export::{from_advisory, osv_id, to_json};

use embargo_domain::version::range::{self, Event, Range, RangeError, RangeType, Verdict};
use embargo_domain::version::scheme_for_osv_ecosystem;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An OSV vulnerability record (schema §"Top-level fields"). Unknown fields are ignored, as the
/// spec asks of consumers so that newer minor versions still parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    pub id: String,
    /// RFC 3339 timestamp, kept as text (golang/vulndb's repository copy has `0001-01-01…`).
    pub modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the record was withdrawn; such records still parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// `severity[]`: a scoring system and its vector or score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`.
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// `affected[]`: one package and the versions of it that are affected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<OsvRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// `affected[].ranges[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// Required for `GIT` ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<OsvEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// `affected[].ranges[].events[]`: exactly one of the four keys (schema `oneOf`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OsvEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// `references[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

/// `credits[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Why an OSV document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    #[error("not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("not valid YAML: {0}")]
    Yaml(String),
    #[error("OSV record {id}: {message} at `{path}`")]
    Schema {
        /// The record's `id`, or `<unknown id>` when it has none.
        id: String,
        /// JSON path of the problem, e.g. `affected[0].ranges[1].type`.
        path: String,
        message: String,
    },
}

fn record_id(value: &Value) -> String {
    value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("<unknown id>")
        .to_owned()
}

/// Maps a generic document tree onto [`Vulnerability`], reporting the path of the first
/// mismatch (`serde_path_to_error`).
pub fn from_value(value: Value) -> Result<Vulnerability, OsvError> {
    let id = record_id(&value);
    serde_path_to_error::deserialize(value).map_err(|e| OsvError::Schema {
        id,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Parses one OSV record from JSON.
pub fn from_json(text: &str) -> Result<Vulnerability, OsvError> {
    let value: Value = serde_json::from_str(text).map_err(OsvError::Json)?;
    from_value(value)
}

/// Parses one OSV record from YAML (the PyPA advisory database's format).
///
/// The record is deserialised directly, so a plain scalar such as `fixed: 1.10` keeps its text
/// (a detour through a JSON tree would turn it into the number 1.1). On a schema error the
/// YAML is read again as a JSON tree to report the record id and the JSON path of the problem,
/// the same as for JSON input.
pub fn from_yaml(text: &str) -> Result<Vulnerability, OsvError> {
    match serde_saphyr::from_str::<Vulnerability>(text) {
        Ok(v) => Ok(v),
        Err(direct) => {
            let value: Value =
                serde_saphyr::from_str(text).map_err(|e| OsvError::Yaml(e.to_string()))?;
            let id = record_id(&value);
            match from_value(value) {
                Err(e) => Err(e),
                Ok(_) => Err(OsvError::Schema {
                    id,
                    path: ".".to_owned(),
                    message: direct.to_string(),
                }),
            }
        }
    }
}

impl OsvRange {
    /// The domain range for this wire range.
    pub fn to_domain(&self) -> Range {
        Range {
            kind: match self.kind {
                RangeKind::Semver => RangeType::Semver,
                RangeKind::Ecosystem => RangeType::Ecosystem,
                RangeKind::Git => RangeType::Git,
            },
            events: self
                .events
                .iter()
                .map(|e| match e {
                    OsvEvent::Introduced(v) => Event::Introduced(v.clone()),
                    OsvEvent::Fixed(v) => Event::Fixed(v.clone()),
                    OsvEvent::LastAffected(v) => Event::LastAffected(v.clone()),
                    OsvEvent::Limit(v) => Event::Limit(v.clone()),
                })
                .collect(),
        }
    }
}

impl Affected {
    /// The domain ranges of this entry.
    pub fn domain_ranges(&self) -> Vec<Range> {
        self.ranges.iter().map(OsvRange::to_domain).collect()
    }

    /// `IsVulnerable` restricted to this entry (schema "Evaluation"): is `version` of this
    /// entry's package affected? The version scheme comes from `package.ecosystem`.
    pub fn affects(&self, version: &str) -> Result<Verdict, RangeError> {
        let scheme = self
            .package
            .as_ref()
            .and_then(|p| scheme_for_osv_ecosystem(&p.ecosystem));
        range::evaluate(scheme, &self.domain_ranges(), &self.versions, version)
    }

    /// Same as [`Affected::affects`] but ignoring the enumerated `versions`, so the ranges
    /// alone decide (used to cross-check the two against each other).
    pub fn ranges_affect(&self, version: &str) -> Result<Verdict, RangeError> {
        let scheme = self
            .package
            .as_ref()
            .and_then(|p| scheme_for_osv_ecosystem(&p.ecosystem));
        range::evaluate(scheme, &self.domain_ranges(), &[], version)
    }
}

impl Vulnerability {
    /// Whether the record is withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Is `version` of the package (`ecosystem`, `name`) affected by this record? Entries for
    /// other packages are ignored; the verdicts of matching entries are combined (any
    /// affected → affected, else any unknown → unknown).
    pub fn affects(
        &self,
        ecosystem: &str,
        name: &str,
        version: &str,
    ) -> Result<Verdict, RangeError> {
        let mut verdict = Verdict::NotAffected;
        for a in &self.affected {
            let Some(p) = &a.package else { continue };
            if p.ecosystem != ecosystem || p.name != name {
                continue;
            }
            match a.affects(version)? {
                Verdict::Affected => return Ok(Verdict::Affected),
                Verdict::Unknown => verdict = Verdict::Unknown,
                Verdict::NotAffected => {}
            }
        }
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn schema_errors_name_id_and_path() {
        let err = from_json(
            r#"{"id":"TEST-1","modified":"2024-01-01T00:00:00Z",
                "affected":[{"ranges":[{"type":"SEMVER","events":[{"fixed":1}]}]}]}"#,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("OSV record TEST-1:"), "{msg}");
        assert!(msg.contains("affected[0].ranges[0].events[0]"), "{msg}");
        let err = from_json(r#"{"modified":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("<unknown id>"), "{err}");
    }

    #[test]
    fn yaml_and_json_agree() {
        let yaml = "id: X-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n- package: {ecosystem: PyPI, name: foo}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 1.0.1\n";
        let v = from_yaml(yaml).unwrap();
        assert_eq!(v.affects("PyPI", "foo", "1.0").unwrap(), Verdict::Affected);
        assert_eq!(
            v.affects("PyPI", "foo", "1.0.1").unwrap(),
            Verdict::NotAffected
        );
        assert_eq!(
            v.affects("PyPI", "bar", "1.0").unwrap(),
            Verdict::NotAffected
        );
    }
}
