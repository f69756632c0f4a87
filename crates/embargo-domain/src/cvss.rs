//! CVSS vectors: strict validation with errors that say exactly what is wrong and where,
//! then scoring by the `cvss` crate (never our own scorer).
//!
//! The `cvss` crate's own errors are terse and it is lenient (it upper-cases input and, for
//! 3.x, does not insist on every base metric), so every vector is first read here against
//! the specification's tables (`cvss/tables.rs`):
//!
//! - FIRST CVSS v3.1 specification §6 (and v3.0 §6, identical on this point): "All Base
//!   metrics must be included in a vector string", "A vector string should contain metrics
//!   in the order shown in Table 15, though other orderings are valid", "Programs reading
//!   CVSS v3.1 vector strings must accept metrics in any order", and "A vector string must
//!   not include the same metric more than once". So 3.x vectors in any order are accepted
//!   and normalised to the Table 15 order.
//! - CVSS v4.0 specification §7: abbreviations are "case sensitive"; "A vector string must
//!   contain metrics in the order shown in Table 23, every other ordering is invalid"; all
//!   Base metrics are mandatory; no metric more than once. So 4.0 vectors out of order are
//!   refused, naming the metric that is out of place.
//! - Case: v4.0 says the abbreviations are case sensitive; v3.x defines them in capitals.
//!   Embargo refuses other cases in both, with the exact spelling to use.
//! - CVSS v2 has no `CVSS:` prefix and no place in a new report: [`parse`] refuses it and
//!   says so; [`parse_v2`] reads it only when the caller explicitly asks (e.g. old data).

mod tables;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

pub use tables::MetricGroup;
use tables::{MetricDef, V2, V3, V4};

use crate::policy::{CvssVersion, Severity, SeverityPolicy};

/// The longest input accepted; a complete CVSS 4.0 vector with every optional metric is
/// under 200 characters.
pub const MAX_VECTOR_LEN: usize = 256;

/// A CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Version {
    /// CVSS v2.0 (only through [`parse_v2`]).
    #[serde(rename = "2.0")]
    V2_0,
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0.
    #[serde(rename = "4.0")]
    V4_0,
}

impl Version {
    /// "3.1".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2_0 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }

    /// The policy's name for it (v2 has none: policies cannot accept it).
    pub fn policy_version(self) -> Option<CvssVersion> {
        match self {
            Self::V2_0 => None,
            Self::V3_0 => Some(CvssVersion::V3_0),
            Self::V3_1 => Some(CvssVersion::V3_1),
            Self::V4_0 => Some(CvssVersion::V4_0),
        }
    }

    fn table(self) -> &'static [MetricDef] {
        match self {
            Self::V2_0 => V2,
            Self::V3_0 | Self::V3_1 => V3,
            Self::V4_0 => V4,
        }
    }

    /// How a vector of this version starts ("CVSS:3.1"; v2 has no prefix).
    fn label(self) -> String {
        match self {
            Self::V2_0 => String::from("CVSS v2"),
            v => format!("CVSS:{}", v.as_str()),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One metric of a parsed vector, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metric {
    /// Its group.
    pub group: MetricGroup,
    /// Abbreviation ("AV").
    pub code: &'static str,
    /// Name ("Attack Vector").
    pub name: &'static str,
    /// Value abbreviation ("N").
    pub value: &'static str,
    /// Value name ("Network").
    pub value_name: &'static str,
}

/// A score other than the base score, when the vector has the metrics for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtraScore {
    /// "Temporal", "Environmental" (v2/v3) or the v4.0 nomenclature ("CVSS-BT", "CVSS-BTE").
    pub label: String,
    /// The score, 0.0–10.0.
    pub score: f64,
    /// Its qualitative rating (None for 0.0).
    pub severity: Option<Severity>,
}

/// A valid, scored CVSS vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cvss {
    /// The version.
    pub version: Version,
    /// The vector in canonical form (specification order, canonical case).
    pub vector: String,
    /// The base score (v4.0: CVSS-B, computed from the base metrics alone).
    pub base_score: f64,
    /// The rating of the base score (FIRST CVSS v3.1 §5 / v4.0 §6; v2: NVD's bands); `None`
    /// for a score of 0.0 (CVSS "None").
    pub severity: Option<Severity>,
    /// Temporal/environmental (v2, v3) or threat/environmental (v4.0) scores when given.
    pub other_scores: Vec<ExtraScore>,
    /// Every metric given, in specification order.
    pub metrics: Vec<Metric>,
}

/// What is wrong with a vector. Positions count metrics after the prefix, from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    /// Nothing given.
    #[error("the CVSS vector is empty")]
    Empty,
    /// Far too long to be a vector.
    #[error("the CVSS vector is {len} characters long; a valid one is under {MAX_VECTOR_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// Spaces or other blanks inside.
    #[error("the CVSS vector contains a blank at character {at}; write it without spaces")]
    Whitespace {
        /// 1-based character index.
        at: usize,
    },
    /// No `CVSS:x.y/` prefix.
    #[error(
        "the vector has no `CVSS:3.1/` or `CVSS:4.0/` prefix{}",
        if *looks_like_v2 {
            "; it looks like a CVSS v2 vector, which is not accepted: score it in CVSS 3.1 or 4.0"
        } else { "" }
    )]
    MissingPrefix {
        /// Whether it looks like a prefix-less CVSS v2 vector.
        looks_like_v2: bool,
    },
    /// A prefix in the wrong case.
    #[error("write the prefix in capitals: `{expected}`, not `{given}`")]
    PrefixCase {
        /// What was given.
        given: String,
        /// What to write.
        expected: String,
    },
    /// Something else where the prefix should be.
    #[error("a CVSS vector starts with `CVSS:3.1/` or `CVSS:4.0/`, not `{given}`")]
    UnknownPrefix {
        /// What was given.
        given: String,
    },
    /// A version we do not read.
    #[error(
        "CVSS version `{version}` is not supported; use CVSS:3.1 or CVSS:4.0 (CVSS:3.0 is also read)"
    )]
    UnsupportedVersion {
        /// What was given.
        version: String,
    },
    /// `//` or a trailing `/`.
    #[error("metric {position} is empty (a doubled or trailing `/`)")]
    EmptyComponent {
        /// Where.
        position: usize,
    },
    /// Not `NAME:VALUE`.
    #[error("metric {position} `{component}` is not of the form NAME:VALUE (like `AV:N`)")]
    Malformed {
        /// Where.
        position: usize,
        /// What was there.
        component: String,
    },
    /// A metric name in the wrong case.
    #[error(
        "metric {position}: abbreviations are case-sensitive; write `{expected}`, not `{given}`"
    )]
    MetricCase {
        /// Where.
        position: usize,
        /// What was given.
        given: String,
        /// What to write.
        expected: &'static str,
    },
    /// A metric of another CVSS version.
    #[error(
        "{metric} is a CVSS {other} metric; in {label} the metrics are {base}{optional}",
        label = version.label()
    )]
    OtherVersionMetric {
        /// Where.
        position: usize,
        /// The metric.
        metric: &'static str,
        /// The version it belongs to.
        other: Version,
        /// The vector's version.
        version: Version,
        /// The base metrics of `version`.
        base: String,
        /// ", and optionally …".
        optional: String,
    },
    /// A metric of no version.
    #[error(
        "metric {position}: `{metric}` is not a CVSS metric; in {label} the metrics are {base}{optional}",
        label = version.label()
    )]
    UnknownMetric {
        /// Where.
        position: usize,
        /// What was given.
        metric: String,
        /// The vector's version.
        version: Version,
        /// The base metrics of `version`.
        base: String,
        /// ", and optionally …".
        optional: String,
    },
    /// The same metric twice.
    #[error(
        "{metric} appears twice (metrics {first} and {second}); a vector must not include the \
         same metric more than once"
    )]
    RepeatedMetric {
        /// The metric.
        metric: &'static str,
        /// Its first position.
        first: usize,
        /// Its second position.
        second: usize,
    },
    /// A value in the wrong case.
    #[error(
        "metric {position}: values are case-sensitive; write `{metric}:{expected}`, not `{metric}:{given}`"
    )]
    ValueCase {
        /// Where.
        position: usize,
        /// The metric.
        metric: &'static str,
        /// What was given.
        given: String,
        /// What to write.
        expected: &'static str,
    },
    /// A value the metric does not take.
    #[error(
        "metric {position}: `{metric}:{value}` is not valid; {name} ({metric}) takes {allowed}"
    )]
    InvalidValue {
        /// Where.
        position: usize,
        /// The metric.
        metric: &'static str,
        /// Its name.
        name: &'static str,
        /// What was given.
        value: String,
        /// The allowed values with their names.
        allowed: String,
    },
    /// Out of the mandatory order (CVSS 4.0).
    #[error(
        "metric {position}: {metric} must come before {after}; CVSS 4.0 requires the metrics \
         in the order {order} (CVSS v4.0 specification §7)"
    )]
    WrongOrder {
        /// Where.
        position: usize,
        /// The metric out of place.
        metric: &'static str,
        /// The metric it should precede.
        after: &'static str,
        /// The full order.
        order: String,
    },
    /// Base metrics missing.
    #[error("the vector is incomplete: {label} needs every base metric; missing {missing}", label = version.label())]
    MissingMetrics {
        /// The version.
        version: Version,
        /// Each missing metric with its allowed values.
        missing: String,
    },
    /// The scorer refused what we accepted (a bug on one side; never expected).
    #[error("the vector could not be scored: {0}")]
    Scoring(String),
}

impl CvssError {
    /// A stable machine code for APIs (`{"error":{"code":…}}`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "cvss_empty",
            Self::TooLong { .. } => "cvss_too_long",
            Self::Whitespace { .. } => "cvss_whitespace",
            Self::MissingPrefix { .. } => "cvss_missing_prefix",
            Self::PrefixCase { .. } | Self::UnknownPrefix { .. } => "cvss_bad_prefix",
            Self::UnsupportedVersion { .. } => "cvss_unsupported_version",
            Self::EmptyComponent { .. } | Self::Malformed { .. } => "cvss_malformed",
            Self::MetricCase { .. } | Self::ValueCase { .. } => "cvss_case",
            Self::OtherVersionMetric { .. } => "cvss_metric_of_other_version",
            Self::UnknownMetric { .. } => "cvss_unknown_metric",
            Self::RepeatedMetric { .. } => "cvss_repeated_metric",
            Self::InvalidValue { .. } => "cvss_invalid_value",
            Self::WrongOrder { .. } => "cvss_wrong_order",
            Self::MissingMetrics { .. } => "cvss_missing_metrics",
            Self::Scoring(_) => "cvss_scoring",
        }
    }

    /// The 1-based position of the offending metric, for highlighting in a form.
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::EmptyComponent { position }
            | Self::Malformed { position, .. }
            | Self::MetricCase { position, .. }
            | Self::OtherVersionMetric { position, .. }
            | Self::UnknownMetric { position, .. }
            | Self::ValueCase { position, .. }
            | Self::InvalidValue { position, .. }
            | Self::WrongOrder { position, .. } => Some(*position),
            Self::RepeatedMetric { second, .. } => Some(*second),
            _ => None,
        }
    }
}

/// A vector whose version the program does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this program accepts CVSS {accepted} vectors; this one is CVSS {given}")]
pub struct VersionNotAccepted {
    /// The vector's version.
    pub given: Version,
    /// What the policy accepts ("3.1 or 4.0").
    pub accepted: String,
}

/// Reads, validates and scores a CVSS 3.0, 3.1 or 4.0 vector. Surrounding blanks are
/// ignored; everything else must follow the specification (see the module documentation).
pub fn parse(vector: &str) -> Result<Cvss, CvssError> {
    let s = precheck(vector)?;
    let (first, rest) = match s.split_once('/') {
        Some((f, r)) => (f, Some(r)),
        None => (s, None),
    };
    let version = match first.strip_prefix("CVSS:") {
        Some(v) => match v {
            "3.0" => Version::V3_0,
            "3.1" => Version::V3_1,
            "4.0" => Version::V4_0,
            other => {
                return Err(CvssError::UnsupportedVersion {
                    version: short(other),
                });
            }
        },
        None => return Err(prefix_error(first, s)),
    };
    let given = read_metrics(version, rest)?;
    score(version, &given)
}

/// Like [`parse`], but also reads a prefix-less CVSS v2 vector (optionally in parentheses,
/// as NVD prints them). For old data only: reports and triage use [`parse`].
pub fn parse_v2(vector: &str) -> Result<Cvss, CvssError> {
    let s = precheck(vector)?;
    if s.starts_with("CVSS:") {
        return parse(s);
    }
    let s = s
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(s);
    let given = read_metrics(Version::V2_0, Some(s))?;
    score(Version::V2_0, &given)
}

/// Checks the vector's version against the policy's `[severity].cvss_accepted` (an empty
/// list accepts every version Embargo reads, except v2).
pub fn check_against_policy(c: &Cvss, policy: &SeverityPolicy) -> Result<(), VersionNotAccepted> {
    let accepted = match c.version.policy_version() {
        Some(v) => policy.cvss_accepted.is_empty() || policy.cvss_accepted.contains(&v),
        None => false,
    };
    if accepted {
        return Ok(());
    }
    let mut list: Vec<&str> = policy.cvss_accepted.iter().map(|v| v.as_str()).collect();
    if list.is_empty() {
        list = vec!["3.0", "3.1", "4.0"];
    }
    Err(VersionNotAccepted {
        given: c.version,
        accepted: or_join(&list),
    })
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

fn or_join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn precheck(vector: &str) -> Result<&str, CvssError> {
    let s = vector.trim();
    if s.is_empty() {
        return Err(CvssError::Empty);
    }
    let len = s.chars().count();
    if len > MAX_VECTOR_LEN {
        return Err(CvssError::TooLong { len });
    }
    if let Some(i) = s.chars().position(char::is_whitespace) {
        return Err(CvssError::Whitespace { at: i + 1 });
    }
    Ok(s)
}

fn prefix_error(first: &str, whole: &str) -> CvssError {
    if let Some((p, v)) = first.split_once(':')
        && p.eq_ignore_ascii_case("CVSS")
    {
        return CvssError::PrefixCase {
            given: short(first),
            expected: format!("CVSS:{}", v.to_ascii_uppercase()),
        };
    }
    if first.contains(':') {
        let looks_like_v2 = whole
            .split('/')
            .any(|c| c.starts_with("Au:") || c.starts_with("CDP:") || c.starts_with("TD:"));
        return CvssError::MissingPrefix { looks_like_v2 };
    }
    CvssError::UnknownPrefix {
        given: short(first),
    }
}

/// The metrics given: (index in the version's table, index of the value).
type Given = Vec<(usize, usize)>;

fn find(table: &[MetricDef], code: &str, exact: bool) -> Option<usize> {
    table.iter().position(|d| {
        if exact {
            d.code == code
        } else {
            d.code.eq_ignore_ascii_case(code)
        }
    })
}

fn codes(table: &[MetricDef], base: bool) -> String {
    let v: Vec<&str> = table
        .iter()
        .filter(|d| (d.group == MetricGroup::Base) == base)
        .map(|d| d.code)
        .collect();
    v.join(", ")
}

fn metric_lists(version: Version) -> (String, String) {
    let t = version.table();
    (
        codes(t, true),
        format!(", and optionally {}", codes(t, false)),
    )
}

fn allowed_values(d: &MetricDef) -> String {
    let v: Vec<String> = d
        .values
        .iter()
        .map(|(code, name)| format!("{code} ({name})"))
        .collect();
    let v: Vec<&str> = v.iter().map(String::as_str).collect();
    or_join(&v)
}

fn resolve_metric(version: Version, name: &str, position: usize) -> Result<usize, CvssError> {
    let table = version.table();
    if let Some(i) = find(table, name, true) {
        return Ok(i);
    }
    if let Some(i) = find(table, name, false) {
        return Err(CvssError::MetricCase {
            position,
            given: short(name),
            expected: table[i].code,
        });
    }
    let others: &[Version] = match version {
        Version::V2_0 => &[Version::V3_1, Version::V4_0],
        Version::V3_0 | Version::V3_1 => &[Version::V4_0, Version::V2_0],
        Version::V4_0 => &[Version::V3_1, Version::V2_0],
    };
    let (base, optional) = metric_lists(version);
    for exact in [true, false] {
        for &other in others {
            if let Some(i) = find(other.table(), name, exact) {
                return Err(CvssError::OtherVersionMetric {
                    position,
                    metric: other.table()[i].code,
                    other,
                    version,
                    base,
                    optional,
                });
            }
        }
    }
    Err(CvssError::UnknownMetric {
        position,
        metric: short(name),
        version,
        base,
        optional,
    })
}

fn read_metrics(version: Version, rest: Option<&str>) -> Result<Given, CvssError> {
    let table = version.table();
    let mut seen: Vec<Option<usize>> = vec![None; table.len()];
    let mut given: Given = Vec::new();
    let mut last: Option<usize> = None;
    for (i, component) in rest.into_iter().flat_map(|r| r.split('/')).enumerate() {
        let position = i + 1;
        if component.is_empty() {
            return Err(CvssError::EmptyComponent { position });
        }
        let malformed = || CvssError::Malformed {
            position,
            component: short(component),
        };
        let (name, value) = component.split_once(':').ok_or_else(malformed)?;
        if name.is_empty() || value.is_empty() || value.contains(':') {
            return Err(malformed());
        }
        let m = resolve_metric(version, name, position)?;
        let def = &table[m];
        if let Some(first) = seen[m] {
            return Err(CvssError::RepeatedMetric {
                metric: def.code,
                first,
                second: position,
            });
        }
        seen[m] = Some(position);
        let v = match def.values.iter().position(|(c, _)| *c == value) {
            Some(v) => v,
            None => {
                return Err(
                    match def
                        .values
                        .iter()
                        .find(|(c, _)| c.eq_ignore_ascii_case(value))
                    {
                        Some((c, _)) => CvssError::ValueCase {
                            position,
                            metric: def.code,
                            given: short(value),
                            expected: c,
                        },
                        None => CvssError::InvalidValue {
                            position,
                            metric: def.code,
                            name: def.name,
                            value: short(value),
                            allowed: allowed_values(def),
                        },
                    },
                );
            }
        };
        // CVSS v4.0 §7: "every other ordering is invalid". v3.x §6 and v2: any order.
        if version == Version::V4_0
            && let Some(l) = last
            && m < l
        {
            let order: Vec<&str> = table.iter().map(|d| d.code).collect();
            return Err(CvssError::WrongOrder {
                position,
                metric: def.code,
                after: table[l].code,
                order: order.join(", "),
            });
        }
        last = Some(last.map_or(m, |l| l.max(m)));
        given.push((m, v));
    }
    let missing: Vec<String> = table
        .iter()
        .enumerate()
        .filter(|(i, d)| d.group == MetricGroup::Base && seen[*i].is_none())
        .map(|(_, d)| {
            let codes: Vec<&str> = d.values.iter().map(|(c, _)| *c).collect();
            format!("{} ({}: {})", d.code, d.name, codes.join(", "))
        })
        .collect();
    if !missing.is_empty() {
        return Err(CvssError::MissingMetrics {
            version,
            missing: missing.join(", "),
        });
    }
    given.sort_unstable();
    Ok(given)
}

/// The canonical vector of the given metrics, optionally only one group.
fn render(version: Version, given: &Given, only_base: bool) -> String {
    let table = version.table();
    let mut out = match version {
        Version::V2_0 => String::new(),
        v => format!("CVSS:{}", v.as_str()),
    };
    for &(m, v) in given {
        let d = &table[m];
        if only_base && d.group != MetricGroup::Base {
            continue;
        }
        if !out.is_empty() {
            out.push('/');
        }
        let _ = write!(out, "{}:{}", d.code, d.values[v].0);
    }
    out
}

fn band(s: ::cvss::Severity) -> Option<Severity> {
    match s {
        ::cvss::Severity::None => None,
        ::cvss::Severity::Low => Some(Severity::Low),
        ::cvss::Severity::Medium => Some(Severity::Medium),
        ::cvss::Severity::High => Some(Severity::High),
        ::cvss::Severity::Critical => Some(Severity::Critical),
    }
}

fn has(version: Version, given: &Given, group: MetricGroup) -> bool {
    given
        .iter()
        .any(|&(m, _)| version.table()[m].group == group)
}

fn score(version: Version, given: &Given) -> Result<Cvss, CvssError> {
    let vector = render(version, given, false);
    let scoring = |e: ::cvss::Error| CvssError::Scoring(e.to_string());
    let extra = |label: &str, score: f64, severity| ExtraScore {
        label: label.to_owned(),
        score,
        severity,
    };
    let mut other_scores = Vec::new();
    let (base_score, severity) = match version {
        Version::V2_0 => {
            let v = ::cvss::v2::Vector::from_str(&vector).map_err(scoring)?;
            if has(version, given, MetricGroup::Temporal) {
                let s = v.temporal_score();
                other_scores.push(extra("Temporal", s.value(), band(s.severity())));
            }
            if has(version, given, MetricGroup::Environmental) {
                let s = v.environmental_score();
                other_scores.push(extra("Environmental", s.value(), band(s.severity())));
            }
            let s = v.score();
            (s.value(), band(s.severity()))
        }
        Version::V3_0 | Version::V3_1 => {
            let v = ::cvss::v3::Vector::from_str(&vector).map_err(scoring)?;
            if has(version, given, MetricGroup::Temporal) {
                let s = v.temporal_score();
                other_scores.push(extra("Temporal", s.value(), band(s.severity())));
            }
            if has(version, given, MetricGroup::Environmental) {
                let s = v.environmental_score();
                other_scores.push(extra("Environmental", s.value(), band(s.severity())));
            }
            let s = v.base_score();
            (s.value(), band(s.severity()))
        }
        Version::V4_0 => {
            let full = ::cvss::v4::Vector::from_str(&vector).map_err(scoring)?;
            let base =
                ::cvss::v4::Vector::from_str(&render(version, given, true)).map_err(scoring)?;
            let nomenclature = full.nomenclature().to_string();
            if nomenclature != "CVSS-B" {
                let s = full.score();
                let sev = band(s.clone().severity());
                other_scores.push(extra(&nomenclature, s.value(), sev));
            }
            let s = base.score();
            let sev = band(s.clone().severity());
            (s.value(), sev)
        }
    };
    let table = version.table();
    let metrics = given
        .iter()
        .map(|&(m, v)| {
            let d = &table[m];
            Metric {
                group: d.group,
                code: d.code,
                name: d.name,
                value: d.values[v].0,
                value_name: d.values[v].1,
            }
        })
        .collect();
    Ok(Cvss {
        version,
        vector,
        base_score,
        severity,
        other_scores,
        metrics,
    })
}
