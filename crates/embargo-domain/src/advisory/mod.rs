//! The canonical advisory record: one per case (a case may produce several, an advisory may
//! cover several cases), from which every export (OSV, CVE 5, CSAF) and every public page is
//! rendered. `check` says what is wrong with a draft, field by field; `publishable` adds what
//! publication needs on top.

mod id;
#[cfg(test)]
mod tests;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use id::{AdvisoryId, IdError, IdFormat, is_alias, is_cve_id};

use crate::cvss;
use crate::purl::Purl;
use crate::version::range::{Event, Range, RangeType, range_scheme};
use crate::version::{Scheme, scheme_for_osv_ecosystem};

/// Where an advisory is in its life. Drives CSAF `tracking.status` and OSV `withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written; visible only to the case team and invited participants.
    Draft,
    /// Scheduled or published: the text is final for this revision.
    Published,
    /// Published, then withdrawn (kept, and published as withdrawn).
    Withdrawn,
}

impl Status {
    /// "draft".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// The whole record. Field names follow OSV where OSV has the concept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// `OBS-2026-0001`.
    pub id: AdvisoryId,
    /// Other identifiers of the same flaw (`CVE-…`, `GHSA-…`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line.
    pub title: String,
    /// A short paragraph (OSV `summary` is the title; this is the CSAF/CVE description).
    #[serde(default)]
    pub summary: String,
    /// Markdown; rendered sanitised on pages.
    #[serde(default)]
    pub details: String,
    /// Affected packages or products.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// `CWE-79`…
    #[serde(default)]
    pub cwes: Vec<String>,
    /// CVSS vectors (3.1 and/or 4.0), canonical form.
    #[serde(default)]
    pub cvss: Vec<String>,
    /// Typed references.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Credits; only those with `consent` are ever exported or shown publicly.
    #[serde(default)]
    pub credits: Vec<Credit>,
    /// Markdown: what users can do before they can upgrade.
    #[serde(default)]
    pub workarounds: String,
    /// Draft, published or withdrawn.
    pub status: Status,
    /// First publication.
    #[serde(default)]
    pub published: Option<Timestamp>,
    /// Last change of the published text (OSV `modified`, CSAF `current_release_date`).
    pub modified: Timestamp,
    /// When it was withdrawn.
    #[serde(default)]
    pub withdrawn: Option<Timestamp>,
    /// One entry per published revision, oldest first (CSAF `revision_history`).
    #[serde(default)]
    pub revisions: Vec<Revision>,
}

/// One affected package or product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// OSV ecosystem (`crates.io`, `PyPI`…) or empty for a product outside any ecosystem.
    #[serde(default)]
    pub ecosystem: String,
    /// Package or product name.
    pub name: String,
    /// A purl without version, when there is one.
    #[serde(default)]
    pub purl: Option<String>,
    /// OSV-style ranges.
    #[serde(default)]
    pub ranges: Vec<AffectedRange>,
    /// Enumerated affected versions (in addition to the ranges).
    #[serde(default)]
    pub versions: Vec<String>,
    /// Versions that contain the fix (for tables and CSAF `fixed`).
    #[serde(default)]
    pub patched: Vec<String>,
}

/// `ranges[].type`, serialised as OSV spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// SemVer 2.0.0.
    Semver,
    /// The ecosystem's own ordering.
    Ecosystem,
    /// Commit hashes.
    Git,
}

/// One range of affected versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedRange {
    /// SEMVER, ECOSYSTEM or GIT.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// The repository, for GIT ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events in order.
    pub events: Vec<RangeEvent>,
}

/// An OSV event: exactly one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeEvent {
    /// The first affected version (`0` = every earlier version).
    Introduced(String),
    /// The first fixed version.
    Fixed(String),
    /// The last affected version when no fix exists.
    LastAffected(String),
    /// Versions at or above this are outside the range.
    Limit(String),
}

impl RangeEvent {
    /// The version the event names.
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }

    fn to_domain(&self) -> Event {
        match self {
            Self::Introduced(v) => Event::Introduced(v.clone()),
            Self::Fixed(v) => Event::Fixed(v.clone()),
            Self::LastAffected(v) => Event::LastAffected(v.clone()),
            Self::Limit(v) => Event::Limit(v.clone()),
        }
    }
}

impl AffectedRange {
    /// The range in the evaluator's types.
    pub fn to_range(&self) -> Range {
        Range {
            kind: match self.kind {
                RangeKind::Semver => RangeType::Semver,
                RangeKind::Ecosystem => RangeType::Ecosystem,
                RangeKind::Git => RangeType::Git,
            },
            events: self.events.iter().map(RangeEvent::to_domain).collect(),
        }
    }
}

impl Affected {
    /// The version scheme of the ecosystem, when Embargo knows one.
    pub fn scheme(&self) -> Option<Scheme> {
        scheme_for_osv_ecosystem(&self.ecosystem)
    }

    /// "< 1.4.2", ">= 2.0.0, < 2.1.3": the ranges in words, for tables and CSAF product names.
    pub fn describe_ranges(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.ranges {
            let mut lo: Option<&str> = None;
            for e in &r.events {
                match e {
                    RangeEvent::Introduced(v) => lo = Some(v),
                    RangeEvent::Fixed(v) | RangeEvent::Limit(v) => {
                        out.push(bounds(lo.take(), "<", v));
                    }
                    RangeEvent::LastAffected(v) => out.push(bounds(lo.take(), "<=", v)),
                }
            }
            if let Some(l) = lo {
                out.push(if l == "0" {
                    String::from("all versions")
                } else {
                    format!(">= {l}")
                });
            }
        }
        out.extend(self.versions.iter().map(|v| format!("= {v}")));
        out
    }

    /// The first fixed version of every range (what a table's "fixed in" column shows),
    /// plus the explicitly patched versions, deduplicated.
    pub fn fixed_versions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let fixed = self
            .ranges
            .iter()
            .flat_map(|r| &r.events)
            .filter_map(|e| match e {
                RangeEvent::Fixed(v) => Some(v.clone()),
                _ => None,
            });
        for v in fixed.chain(self.patched.iter().cloned()) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }
}

fn bounds(lo: Option<&str>, op: &str, hi: &str) -> String {
    match lo {
        None | Some("0") => format!("{op} {hi}"),
        Some(l) => format!(">= {l}, {op} {hi}"),
    }
}

/// OSV `references[].type` (also mapped to CSAF and CVE reference tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[expect(missing_docs, reason = "the OSV names are the documentation")]
pub enum ReferenceKind {
    Advisory,
    Article,
    Detection,
    Discussion,
    Report,
    Fix,
    Introduced,
    Package,
    Evidence,
    Web,
}

impl ReferenceKind {
    /// Every kind, for forms.
    pub const ALL: [ReferenceKind; 10] = [
        Self::Advisory,
        Self::Article,
        Self::Detection,
        Self::Discussion,
        Self::Report,
        Self::Fix,
        Self::Introduced,
        Self::Package,
        Self::Evidence,
        Self::Web,
    ];

    /// "FIX".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Advisory => "ADVISORY",
            Self::Article => "ARTICLE",
            Self::Detection => "DETECTION",
            Self::Discussion => "DISCUSSION",
            Self::Report => "REPORT",
            Self::Fix => "FIX",
            Self::Introduced => "INTRODUCED",
            Self::Package => "PACKAGE",
            Self::Evidence => "EVIDENCE",
            Self::Web => "WEB",
        }
    }

    /// Parses the OSV spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: ReferenceKind,
    /// `https://…`.
    pub url: String,
}

/// OSV `credits[].type` (the CVE 5 `credits[].type` values, upper-cased).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[expect(missing_docs, reason = "the OSV names are the documentation")]
pub enum CreditKind {
    Finder,
    Reporter,
    Analyst,
    Coordinator,
    RemediationDeveloper,
    RemediationReviewer,
    RemediationVerifier,
    Tool,
    Sponsor,
    Other,
}

impl CreditKind {
    /// Every kind, for forms.
    pub const ALL: [CreditKind; 10] = [
        Self::Finder,
        Self::Reporter,
        Self::Analyst,
        Self::Coordinator,
        Self::RemediationDeveloper,
        Self::RemediationReviewer,
        Self::RemediationVerifier,
        Self::Tool,
        Self::Sponsor,
        Self::Other,
    ];

    /// "REMEDIATION_DEVELOPER".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finder => "FINDER",
            Self::Reporter => "REPORTER",
            Self::Analyst => "ANALYST",
            Self::Coordinator => "COORDINATOR",
            Self::RemediationDeveloper => "REMEDIATION_DEVELOPER",
            Self::RemediationReviewer => "REMEDIATION_REVIEWER",
            Self::RemediationVerifier => "REMEDIATION_VERIFIER",
            Self::Tool => "TOOL",
            Self::Sponsor => "SPONSOR",
            Self::Other => "OTHER",
        }
    }

    /// CVE 5 spelling: "remediation developer".
    pub fn cve_name(self) -> String {
        self.as_str().to_ascii_lowercase().replace('_', " ")
    }

    /// Parses the OSV spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// The name as the person wants it shown.
    pub name: String,
    /// A URL or address the person asked to be listed with.
    #[serde(default)]
    pub contact: Option<String>,
    /// What they did.
    #[serde(rename = "type")]
    pub kind: CreditKind,
    /// The person agreed to be named (seed policies credit "with permission"). Without it the
    /// credit stays internal.
    #[serde(default)]
    pub consent: bool,
}

/// One published revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// 1, 2, 3… (CSAF `number` as an integer version).
    pub number: u32,
    /// When it was published.
    pub date: Timestamp,
    /// What changed.
    pub summary: String,
}

/// A problem with a field of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A path such as `affected[0].ranges[1].events[0]`.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

fn problem(out: &mut Vec<Problem>, field: impl Into<String>, message: impl Into<String>) {
    out.push(Problem {
        field: field.into(),
        message: message.into(),
    });
}

impl Advisory {
    /// A new draft.
    pub fn draft(id: AdvisoryId, title: String, now: Timestamp) -> Self {
        Self {
            id,
            aliases: Vec::new(),
            title,
            summary: String::new(),
            details: String::new(),
            affected: Vec::new(),
            cwes: Vec::new(),
            cvss: Vec::new(),
            references: Vec::new(),
            credits: Vec::new(),
            workarounds: String::new(),
            status: Status::Draft,
            published: None,
            modified: now,
            withdrawn: None,
            revisions: Vec::new(),
        }
    }

    /// The credits that may be shown publicly.
    pub fn public_credits(&self) -> impl Iterator<Item = &Credit> {
        self.credits.iter().filter(|c| c.consent)
    }

    /// The CVE id among the aliases, if any.
    pub fn cve_id(&self) -> Option<&str> {
        self.aliases
            .iter()
            .map(String::as_str)
            .find(|a| a.starts_with("CVE-"))
    }

    /// The highest-scoring valid CVSS vector (4.0 preferred over 3.x at equal score).
    pub fn primary_cvss(&self) -> Option<cvss::Cvss> {
        let mut best: Option<cvss::Cvss> = None;
        for v in &self.cvss {
            if let Ok(c) = cvss::parse(v) {
                let better = best.as_ref().is_none_or(|b| {
                    c.base_score > b.base_score
                        || (c.base_score == b.base_score && c.version > b.version)
                });
                if better {
                    best = Some(c);
                }
            }
        }
        best
    }

    /// Everything wrong with the record as data (a draft may be incomplete, never invalid).
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            problem(&mut out, "title", "the title is empty");
        } else if self.title.chars().count() > 200 {
            problem(&mut out, "title", "the title is longer than 200 characters");
        }
        for (i, a) in self.aliases.iter().enumerate() {
            if !is_alias(a) {
                problem(
                    &mut out,
                    format!("aliases[{i}]"),
                    format!("`{a}` is not a CVE (CVE-YYYY-NNNN) or GHSA id"),
                );
            }
        }
        for (i, c) in self.cwes.iter().enumerate() {
            let ok = c.strip_prefix("CWE-").is_some_and(|n| {
                !n.is_empty() && n.len() <= 7 && n.bytes().all(|b| b.is_ascii_digit())
            });
            if !ok {
                problem(
                    &mut out,
                    format!("cwes[{i}]"),
                    format!("`{c}` is not a CWE id (CWE-79)"),
                );
            }
        }
        for (i, v) in self.cvss.iter().enumerate() {
            match cvss::parse(v) {
                Ok(c) if c.version < cvss::Version::V3_0 => problem(
                    &mut out,
                    format!("cvss[{i}]"),
                    "advisories carry CVSS 3.1 or 4.0 vectors, not 2.0",
                ),
                Ok(_) => {}
                Err(e) => problem(&mut out, format!("cvss[{i}]"), e.to_string()),
            }
        }
        for (i, r) in self.references.iter().enumerate() {
            if !is_web_url(&r.url) {
                problem(
                    &mut out,
                    format!("references[{i}].url"),
                    format!("`{}` is not an http(s) URL", r.url),
                );
            }
        }
        for (i, c) in self.credits.iter().enumerate() {
            if c.name.trim().is_empty() {
                problem(&mut out, format!("credits[{i}].name"), "the name is empty");
            }
        }
        for (i, a) in self.affected.iter().enumerate() {
            check_affected(&mut out, &format!("affected[{i}]"), a);
        }
        out
    }

    /// `check`, plus what a publication needs: a summary and at least one affected product
    /// with a range or version.
    pub fn publishable(&self) -> Vec<Problem> {
        let mut out = self.check();
        if self.summary.trim().is_empty() {
            problem(&mut out, "summary", "a published advisory needs a summary");
        }
        if self.affected.is_empty() {
            problem(
                &mut out,
                "affected",
                "a published advisory names at least one affected product",
            );
        }
        out
    }

    /// Marks the record published at `now` with a revision entry: revision 1 "Initial
    /// publication" the first time, the next number with `summary` afterwards.
    pub fn publish(&mut self, now: Timestamp, summary: &str) {
        let number = self.revisions.last().map_or(1, |r| r.number + 1);
        let summary = if number == 1 {
            "Initial publication"
        } else {
            summary
        };
        self.revisions.push(Revision {
            number,
            date: now,
            summary: summary.to_owned(),
        });
        self.published.get_or_insert(now);
        self.modified = now;
        self.status = Status::Published;
    }

    /// Marks the record withdrawn at `now`, as a new revision.
    pub fn withdraw(&mut self, now: Timestamp, reason: &str) {
        let number = self.revisions.last().map_or(1, |r| r.number + 1);
        self.revisions.push(Revision {
            number,
            date: now,
            summary: format!("Withdrawn: {reason}"),
        });
        self.withdrawn = Some(now);
        self.modified = now;
        self.status = Status::Withdrawn;
    }
}

fn check_affected(out: &mut Vec<Problem>, at: &str, a: &Affected) {
    if a.name.trim().is_empty() {
        problem(out, format!("{at}.name"), "the product name is empty");
    }
    if let Some(p) = &a.purl {
        match Purl::parse(p) {
            Ok(purl) if purl.version().is_some() => problem(
                out,
                format!("{at}.purl"),
                "give the purl without a version; versions go in the ranges",
            ),
            Ok(_) => {}
            Err(e) => problem(out, format!("{at}.purl"), e.to_string()),
        }
    }
    let scheme = a.scheme();
    for (j, r) in a.ranges.iter().enumerate() {
        let rat = format!("{at}.ranges[{j}]");
        if r.events.is_empty() {
            problem(
                out,
                format!("{rat}.events"),
                "a range needs at least one event",
            );
        }
        if !matches!(r.events.first(), Some(RangeEvent::Introduced(_))) && !r.events.is_empty() {
            problem(
                out,
                format!("{rat}.events[0]"),
                "a range starts with an `introduced` event",
            );
        }
        if r.kind == RangeKind::Git && r.repo.as_deref().is_none_or(|u| !is_web_url(u)) {
            problem(
                out,
                format!("{rat}.repo"),
                "a GIT range needs the repository URL",
            );
        }
        if r.kind == RangeKind::Ecosystem && scheme.is_none() {
            problem(
                out,
                format!("{at}.ecosystem"),
                format!(
                    "an ECOSYSTEM range needs a known ecosystem, not `{}`",
                    a.ecosystem
                ),
            );
        }
        let check_with = range_scheme(r.to_range().kind, scheme);
        for (k, e) in r.events.iter().enumerate() {
            let v = e.version();
            let special = matches!(e, RangeEvent::Introduced(x) if x == "0")
                || matches!(e, RangeEvent::Limit(x) if x == "*");
            if v.trim().is_empty() {
                problem(out, format!("{rat}.events[{k}]"), "the version is empty");
            } else if let (Some(s), false) = (check_with, special)
                && let Err(err) = s.parse(v)
            {
                problem(out, format!("{rat}.events[{k}]"), format!("`{v}`: {err}"));
            }
        }
    }
}

/// An absolute http(s) URL without spaces.
pub fn is_web_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.chars().any(char::is_whitespace)
}
