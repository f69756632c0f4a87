//! Queries: by id or alias (the merged vulnerability of the alias group), by purl or OSV
//! package with or without a version (affecting records, the matching range and the fixed
//! version), and the OSV-API-compatible `query` / `querybatch` shapes the server exposes.
//!
//! Package look-ups go through the `feed_packages` index by package key; version decisions
//! are `embargo_domain::version::range::evaluate` over the record's `affected[]` entries for
//! that package. A version the ecosystem's scheme cannot parse is reported, not guessed.

use std::collections::BTreeSet;

use embargo_domain::purl::{Purl, PurlError};
use embargo_domain::version::range::{RangeType, Verdict, range_includes, range_scheme};
use embargo_domain::version::{Scheme, scheme_for_osv_ecosystem};
use embargo_formats::osv::{Affected, OsvEvent, OsvRange, RangeKind, Vulnerability};
use embargo_store::StoreError;
use embargo_store::feed::{self, FeedRecord};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::merge::{self, AliasGraph, Input, Merged};
use crate::package::{key_of_package, key_of_purl};

/// Why a query could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("invalid purl `{purl}`: {source}")]
    Purl {
        purl: String,
        #[source]
        source: PurlError,
    },
    #[error("invalid query: {0}")]
    Invalid(String),
    #[error("feed store: {0}")]
    Store(#[from] StoreError),
    #[error("stored feed record {id} is not valid OSV: {message}")]
    Corrupt { id: String, message: String },
}

impl From<sea_orm::DbErr> for QueryError {
    fn from(e: sea_orm::DbErr) -> Self {
        QueryError::Store(StoreError::Db(e))
    }
}

/// How sure a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The version is inside a range or listed in `versions`.
    Affected,
    /// Only GIT ranges (or an ecosystem without a version scheme) and no enumerated versions:
    /// the data cannot decide.
    Unknown,
    /// No version was asked: the record names the package.
    Package,
}

/// One record that affects the queried package (and version).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: String,
    pub source: String,
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub ecosystem: String,
    pub name: String,
    pub kind: MatchKind,
    /// The ranges that include the version (all ranges of the entry when no version was asked
    /// or when the enumerated `versions` decided).
    pub ranges: Vec<OsvRange>,
    /// The lowest `fixed` event above the queried version (all fixed events when no version).
    pub fixed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
}

/// The answer to a package query.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PackageAnswer {
    pub package_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub matches: Vec<Match>,
    /// Records that could not be evaluated for this version (e.g. the version does not parse
    /// in the ecosystem's scheme), with the reason.
    pub errors: Vec<String>,
}

/// Which package, for [`by_package`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageQuery {
    pub key: String,
    pub version: Option<String>,
    pub include_withdrawn: bool,
}

impl PackageQuery {
    /// From a purl (`pkg:pypi/django@4.2.1`; the version is optional).
    pub fn from_purl(purl: &str) -> Result<Self, QueryError> {
        let p = Purl::parse_lenient(purl).map_err(|source| QueryError::Purl {
            purl: purl.to_owned(),
            source,
        })?;
        Ok(PackageQuery {
            key: key_of_purl(&p),
            version: p.version().map(str::to_owned),
            include_withdrawn: false,
        })
    }

    /// From an OSV ecosystem and package name.
    pub fn from_osv(ecosystem: &str, name: &str, version: Option<&str>) -> Self {
        PackageQuery {
            key: key_of_package(ecosystem, name, None),
            version: version.map(str::to_owned),
            include_withdrawn: false,
        }
    }
}

pub(crate) fn parse_record(r: &FeedRecord) -> Result<Vulnerability, QueryError> {
    serde_json::from_str(&r.body).map_err(|e| QueryError::Corrupt {
        id: r.record_id.clone(),
        message: e.to_string(),
    })
}

/// The lowest `fixed` event of `ranges` above `version` in `scheme` order.
fn fixed_after(scheme: Scheme, ranges: &[&OsvRange], version: &str) -> Option<String> {
    let v = scheme.parse(version).ok()?;
    ranges
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            OsvEvent::Fixed(f) => scheme.parse(f).ok().map(|p| (p, f)),
            _ => None,
        })
        .filter(|(p, _)| *p > v)
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, f)| f.clone())
}

fn domain_kind(k: RangeKind) -> RangeType {
    match k {
        RangeKind::Semver => RangeType::Semver,
        RangeKind::Ecosystem => RangeType::Ecosystem,
        RangeKind::Git => RangeType::Git,
    }
}

/// How an entry matched: the kind, the ranges shown, the fixed versions.
type Found = (MatchKind, Vec<OsvRange>, Vec<String>);

/// Evaluates one `affected[]` entry for `version`: the verdict, the ranges that include the
/// version, and the fixed version.
fn evaluate_entry(a: &Affected, version: &str) -> Result<Option<Found>, String> {
    let eco = a
        .package
        .as_ref()
        .map(|p| p.ecosystem.as_str())
        .unwrap_or("");
    let ecosystem = scheme_for_osv_ecosystem(eco);
    let verdict = a.affects(version).map_err(|e| e.to_string())?;
    // `versions` is matched by exact text in the OSV evaluation; a purl carries the version
    // normalised (pypi lower-cases it: `0.3.2.RC1` arrives as `0.3.2.rc1`), so a listed version
    // equal in the ecosystem's own order counts as listed too.
    let listed = || {
        ecosystem.is_some_and(|s| {
            a.versions
                .iter()
                .any(|l| s.compare(l, version) == Ok(std::cmp::Ordering::Equal))
        })
    };
    let kind = match verdict {
        Verdict::Affected => MatchKind::Affected,
        _ if listed() => MatchKind::Affected,
        Verdict::NotAffected => return Ok(None),
        Verdict::Unknown => MatchKind::Unknown,
    };
    let mut including: Vec<&OsvRange> = Vec::new();
    for r in &a.ranges {
        let Some(scheme) = range_scheme(domain_kind(r.kind), ecosystem) else {
            continue;
        };
        let Ok(v) = scheme.parse(version) else {
            continue;
        };
        if range_includes(scheme, &r.to_domain(), &v).unwrap_or(false) {
            including.push(r);
        }
    }
    // Decided by the enumerated versions (or unknown): every range is relevant context.
    let shown: Vec<&OsvRange> = if including.is_empty() {
        a.ranges.iter().collect()
    } else {
        including
    };
    let fixed = ecosystem
        .and_then(|s| fixed_after(s, &shown, version))
        .into_iter()
        .collect();
    Ok(Some((kind, shown.into_iter().cloned().collect(), fixed)))
}

/// The records affecting a package (and version), sorted by id.
pub async fn by_package(
    db: &impl ConnectionTrait,
    q: &PackageQuery,
) -> Result<PackageAnswer, QueryError> {
    Ok(by_package_with_records(db, q).await?.0)
}

/// [`by_package`] and the matching records themselves, in the order of their first match.
async fn by_package_with_records(
    db: &impl ConnectionTrait,
    q: &PackageQuery,
) -> Result<(PackageAnswer, Vec<Vulnerability>), QueryError> {
    let records = feed::by_package_key(db, &q.key).await?;
    let mut matched = Vec::new();
    let mut answer = PackageAnswer {
        package_key: q.key.clone(),
        version: q.version.clone(),
        ..Default::default()
    };
    for r in &records {
        if r.withdrawn.is_some() && !q.include_withdrawn {
            continue;
        }
        let v = parse_record(r)?;
        let before = answer.matches.len();
        for a in &v.affected {
            let Some(p) = &a.package else { continue };
            if key_of_package(&p.ecosystem, &p.name, p.purl.as_deref()) != q.key {
                continue;
            }
            let found = match &q.version {
                None => Some((MatchKind::Package, a.ranges.clone(), merge_fixed(&a.ranges))),
                Some(version) => match evaluate_entry(a, version) {
                    Ok(found) => found,
                    Err(e) => {
                        answer.errors.push(format!("{}: {e}", v.id));
                        None
                    }
                },
            };
            if let Some((kind, ranges, fixed)) = found {
                answer.matches.push(Match {
                    id: v.id.clone(),
                    source: r.source.clone(),
                    aliases: v.aliases.clone(),
                    summary: v.summary.clone(),
                    ecosystem: p.ecosystem.clone(),
                    name: p.name.clone(),
                    kind,
                    ranges,
                    fixed,
                    withdrawn: v.withdrawn.clone(),
                });
            }
        }
        if answer.matches.len() > before {
            matched.push(v);
        }
    }
    answer
        .matches
        .sort_by(|a, b| (&a.id, &a.source, &a.ecosystem).cmp(&(&b.id, &b.source, &b.ecosystem)));
    Ok((answer, matched))
}

fn merge_fixed(ranges: &[OsvRange]) -> Vec<String> {
    let set: BTreeSet<&String> = ranges
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            OsvEvent::Fixed(f) => Some(f),
            _ => None,
        })
        .collect();
    set.into_iter().cloned().collect()
}

/// Every stored record of the alias group of `id` (an id or an alias), found by following
/// aliases in both directions until nothing new turns up.
pub async fn group_records(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Vec<FeedRecord>, QueryError> {
    let mut known: BTreeSet<String> = BTreeSet::from([id.to_owned()]);
    let mut frontier = vec![id.to_owned()];
    let mut records: Vec<FeedRecord> = Vec::new();
    let mut graph = AliasGraph::new();
    // Bounded: each round adds at least one id, and ids are finite; the cap guards against a
    // pathological feed that chains thousands of records.
    for _ in 0..64 {
        if frontier.is_empty() {
            break;
        }
        let found = feed::by_ids_or_aliases(db, &frontier).await?;
        frontier.clear();
        for r in found {
            if records.iter().any(|x| x.pk == r.pk) {
                continue;
            }
            let v = parse_record(&r)?;
            graph.add(&v.id, &v.aliases);
            for next in std::iter::once(&v.id).chain(&v.aliases) {
                if known.insert(next.clone()) {
                    frontier.push(next.clone());
                }
            }
            records.push(r);
        }
    }
    Ok(records)
}

/// The merged vulnerability for an id or alias, or `None` when the feed has no such record.
pub async fn by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<Merged>, QueryError> {
    let records = group_records(db, id).await?;
    Ok(merge::merge(merge_inputs(&records)?))
}

/// Stored records as inputs of [`merge::merge`], with their provenance.
pub(crate) fn merge_inputs(records: &[FeedRecord]) -> Result<Vec<Input>, QueryError> {
    records
        .iter()
        .map(|r| {
            Ok(Input {
                source: r.source.clone(),
                origin: r.origin.clone(),
                digest: r.digest.clone(),
                ingested_at: r.ingested_at.to_rfc3339(),
                vuln: parse_record(r)?,
            })
        })
        .collect()
}

// ---- OSV API shapes (https://google.github.io/osv.dev/api/) ----

/// `package` of an OSV API query: a purl, or an ecosystem and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiPackage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
}

/// `POST /v1/query` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<ApiPackage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Commit queries need the repositories; refused with a clear error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// `POST /v1/query` response: full records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiVulns {
    pub vulns: Vec<Vulnerability>,
}

/// `POST /v1/querybatch` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiBatch {
    pub queries: Vec<ApiQuery>,
}

/// An id and its `modified`, as `querybatch` returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiVulnRef {
    pub id: String,
    pub modified: String,
}

/// One result of `querybatch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiBatchResult {
    pub vulns: Vec<ApiVulnRef>,
}

/// `POST /v1/querybatch` response, one result per query in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiBatchResponse {
    pub results: Vec<ApiBatchResult>,
}

impl ApiQuery {
    /// The package query this asks for, validated as osv.dev does: a version both in the purl
    /// and in `version` is an error; name without ecosystem is an error.
    pub fn to_package_query(&self) -> Result<PackageQuery, QueryError> {
        if self.commit.is_some() {
            return Err(QueryError::Invalid(
                "commit queries are not supported: query by package and version".into(),
            ));
        }
        let Some(pkg) = &self.package else {
            return Err(QueryError::Invalid("`package` is required".into()));
        };
        let mut q = match (&pkg.purl, &pkg.name, &pkg.ecosystem) {
            (Some(purl), None, None) => PackageQuery::from_purl(purl)?,
            (None, Some(name), Some(eco)) => PackageQuery::from_osv(eco, name, None),
            (Some(_), _, _) => {
                return Err(QueryError::Invalid(
                    "`package.purl` cannot be combined with `name` or `ecosystem`".into(),
                ));
            }
            _ => {
                return Err(QueryError::Invalid(
                    "`package` needs `purl`, or `name` and `ecosystem`".into(),
                ));
            }
        };
        match (&q.version, &self.version) {
            (Some(_), Some(_)) => {
                return Err(QueryError::Invalid(
                    "the version is given both in the purl and in `version`".into(),
                ));
            }
            (None, Some(v)) => q.version = Some(v.clone()),
            _ => {}
        }
        Ok(q)
    }
}

async fn matching_records(
    db: &impl ConnectionTrait,
    q: &ApiQuery,
) -> Result<Vec<Vulnerability>, QueryError> {
    Ok(by_package_with_records(db, &q.to_package_query()?).await?.1)
}

/// `query`: the records affecting the package and version.
pub async fn api_query(db: &impl ConnectionTrait, q: &ApiQuery) -> Result<ApiVulns, QueryError> {
    Ok(ApiVulns {
        vulns: matching_records(db, q).await?,
    })
}

/// `querybatch`: per query, the ids and `modified` of the affecting records. A query that is
/// invalid fails the batch, naming its index.
pub async fn api_querybatch(
    db: &impl ConnectionTrait,
    batch: &ApiBatch,
) -> Result<ApiBatchResponse, QueryError> {
    let mut results = Vec::with_capacity(batch.queries.len());
    for (i, q) in batch.queries.iter().enumerate() {
        let vulns = matching_records(db, q).await.map_err(|e| match e {
            QueryError::Invalid(m) => QueryError::Invalid(format!("queries[{i}]: {m}")),
            QueryError::Purl { purl, source } => {
                QueryError::Invalid(format!("queries[{i}]: invalid purl `{purl}`: {source}"))
            }
            other => other,
        })?;
        results.push(ApiBatchResult {
            vulns: vulns
                .into_iter()
                .map(|v| ApiVulnRef {
                    id: v.id,
                    modified: v.modified,
                })
                .collect(),
        });
    }
    Ok(ApiBatchResponse { results })
}
