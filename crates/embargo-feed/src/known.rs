//! "Already known?" for a new report: feed records that may describe the same problem, each
//! with why it matched — a policy may request a CVE only when the issue is "not already known
//! to the public".
//!
//! Three kinds of evidence, strongest first:
//! * the report names one of the record's ids or aliases (CVE, GHSA, …);
//! * one of the program's packages is affected at the report's version;
//! * much of the record's summary is in the report's words (among the records naming one of
//!   the program's packages: the feed is not searched by text as a whole).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::query::{MatchKind, PackageQuery, QueryError, by_id, by_package};

/// What a report says.
#[derive(Debug, Clone, Default)]
pub struct Report<'a> {
    /// Title and every field, as one text.
    pub text: &'a str,
    /// The affected version the reporter gave.
    pub version: Option<&'a str>,
    /// The program's packages (`[program] packages`): purls without version.
    pub packages: &'a [String],
}

/// A record that may be the same problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The vulnerability id (a CVE when the record or an alias is one).
    pub id: String,
    pub summary: Option<String>,
    pub withdrawn: bool,
    /// Why it matched, strongest first.
    pub reasons: Vec<String>,
    #[serde(skip)]
    score: u32,
}

/// At most this many ids, packages and candidates are looked at / returned.
const MAX_IDS: usize = 20;
const MAX_PACKAGES: usize = 10;
const MAX_CANDIDATES: usize = 10;
/// The share of a summary's words that must be in the report, and the fewest words.
const MIN_SHARE_PCT: usize = 60;
const MIN_WORDS: usize = 3;

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "has", "have",
    "not", "can", "may", "via", "when", "which", "into", "its", "all", "any", "but", "had", "been",
    "being", "also", "than", "then", "there", "their", "they", "will", "would", "could", "should",
    "does", "did", "using", "use", "used", "allows", "allow", "version", "versions",
];

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// The id a group is shown under: the smallest CVE among the ids, else the record's id.
fn display_id(id: &str, aliases: &[String]) -> String {
    crate::merge::cve_of(std::iter::once(id).chain(aliases.iter().map(String::as_str)))
        .unwrap_or(id)
        .to_owned()
}

/// The feed's candidates for a report, best first.
pub async fn candidates(
    db: &impl ConnectionTrait,
    report: &Report<'_>,
) -> Result<Vec<Candidate>, QueryError> {
    let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut add = |id: String, summary: Option<String>, withdrawn: bool, why: String, score| {
        let c = found.entry(id.clone()).or_insert(Candidate {
            id,
            summary: None,
            withdrawn,
            reasons: Vec::new(),
            score: 0,
        });
        if c.summary.is_none() {
            c.summary = summary;
        }
        if !c.reasons.contains(&why) {
            c.reasons.push(why);
            c.score += score;
        }
    };

    for named in embargo_domain::cve::find_ids(report.text)
        .into_iter()
        .take(MAX_IDS)
    {
        if let Some(m) = by_id(db, &named).await? {
            add(
                m.id.clone(),
                m.summary.map(|s| s.value),
                m.withdrawn,
                format!("the report names {named}"),
                100,
            );
        }
    }

    let text_words = words(report.text);
    for purl in report.packages.iter().take(MAX_PACKAGES) {
        let Ok(mut q) = PackageQuery::from_purl(purl) else {
            continue; // the policy linter reports bad purls
        };
        q.version = None;
        let named = by_package(db, &q).await?;
        for m in &named.matches {
            if m.withdrawn.is_some() {
                continue;
            }
            let Some(summary) = &m.summary else { continue };
            let sw = words(summary);
            let common = sw.intersection(&text_words).count();
            let pct = common * 100 / sw.len().max(1);
            if common >= MIN_WORDS && pct >= MIN_SHARE_PCT {
                add(
                    display_id(&m.id, &m.aliases),
                    Some(summary.clone()),
                    false,
                    format!("{pct}% of its summary's words are in the report"),
                    u32::try_from(pct).unwrap_or(0) / 2,
                );
            }
        }
        let Some(version) = report.version.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        q.version = Some(version.to_owned());
        let at = by_package(db, &q).await?;
        for m in &at.matches {
            let (why, score) = match m.kind {
                MatchKind::Affected => (format!("affects {} {version}", at.package_key), 50),
                MatchKind::Unknown => (
                    format!(
                        "may affect {} {version} (commit ranges only)",
                        at.package_key
                    ),
                    10,
                ),
                MatchKind::Package => continue,
            };
            add(
                display_id(&m.id, &m.aliases),
                m.summary.clone(),
                m.withdrawn.is_some(),
                why,
                score,
            );
        }
    }

    let mut out: Vec<Candidate> = found.into_values().collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out.truncate(MAX_CANDIDATES);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_short_and_common_ones() {
        let w = words("The XSS in the Admin-Panel allows RCE via id=1");
        assert_eq!(
            w.into_iter().collect::<Vec<_>>(),
            ["admin", "panel", "rce", "xss"]
        );
    }

    #[test]
    fn cves_name_the_group() {
        assert_eq!(
            display_id("GHSA-x", &["CVE-2021-2".into(), "CVE-2021-1".into()]),
            "CVE-2021-1"
        );
        assert_eq!(display_id("PYSEC-1", &[]), "PYSEC-1");
    }
}
