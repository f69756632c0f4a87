//! The handling half of the policy model: supported versions, scope, severity, embargo,
//! pre-notification, CVE criteria, credits, bounty, safe harbour, source access, disclosure
//! outlets, infrastructure contact, security.txt, keys and safeguards.

use serde::{Deserialize, Serialize};

use super::Severity;
use super::duration::PolicyDuration;
use super::values::Day;

/// `[supported].mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportMode {
    /// Only the latest release gets fixes (fixes ship as a new release).
    LatestOnly,
    /// Named release lines, each with its own status and fix window.
    #[default]
    Lines,
}

/// Lifecycle status of a release line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[expect(missing_docs, reason = "the names are the documentation")]
pub enum LineStatus {
    Upcoming,
    Planned,
    Supported,
    Lts,
    EndOfLife,
}

impl LineStatus {
    /// Plain words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Upcoming => "Upcoming",
            Self::Planned => "Planned",
            Self::Supported => "Supported",
            Self::Lts => "LTS",
            Self::EndOfLife => "End of life",
        }
    }
}

/// Maturity of a line: anything before `ga` is pre-GA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[expect(missing_docs, reason = "the names are the documentation")]
pub enum Stage {
    Alpha,
    Beta,
    Rc,
    #[default]
    Ga,
}

impl Stage {
    /// Short label (α, β, RC, GA) as release tables write it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Alpha => "α",
            Self::Beta => "β",
            Self::Rc => "RC",
            Self::Ga => "GA",
        }
    }
}

/// When a line's security fixes end, relative to other lines or to itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixWindow {
    /// "`plus` after GA of this line" (needs `plus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_ga_of: Option<String>,
    /// The offset for `after_ga_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plus: Option<PolicyDuration>,
    /// "Until GA of this line".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ga_of: Option<String>,
    /// "This long from this line's own release" ("24 months").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_release: Option<PolicyDuration>,
    /// A fixed end date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Day>,
}

impl FixWindow {
    /// The line this window refers to, if any.
    pub fn reference(&self) -> Option<&str> {
        self.after_ga_of.as_deref().or(self.until_ga_of.as_deref())
    }

    /// Plain words ("90 days after GA of v0.2").
    pub fn describe(&self) -> String {
        if let (Some(l), Some(p)) = (&self.after_ga_of, &self.plus) {
            return format!("{p} after GA of {l}");
        }
        if let Some(l) = &self.until_ga_of {
            return format!("Until {l} GA");
        }
        if let Some(p) = &self.from_release {
            return format!("{p} from release");
        }
        if let Some(d) = &self.until {
            return format!("Until {}", d.0);
        }
        String::from("While current")
    }
}

/// One `[[supported.lines]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseLine {
    /// The line's name: `v0.2`, `1.x`, `1.x.x`.
    pub name: String,
    /// Lifecycle status.
    pub status: LineStatus,
    /// Maturity (α/β/RC/GA).
    #[serde(default)]
    pub stage: Stage,
    /// Whether the line is (or will be) long-term supported.
    #[serde(default)]
    pub lts: bool,
    /// The date the line was (or is planned to be) first released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ga: Option<Day>,
    /// When the date is not known yet: "Q1 2026", "late 2025".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// When security fixes for this line end; absent means "while it is current".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_window: Option<FixWindow>,
}

impl ReleaseLine {
    /// Whether the line is before general availability.
    pub fn is_pre_ga(&self) -> bool {
        self.stage != Stage::Ga
    }
}

/// `[supported]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportedVersions {
    /// Latest only, or release lines.
    #[serde(default)]
    pub mode: SupportMode,
    /// Whether unreleased development versions beyond the latest are accepted too.
    #[serde(default)]
    pub include_development: bool,
    /// Where the latest release is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_url: Option<String>,
    /// A sentence shown with the table ("obserae is in alpha (pre-1.0)…").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What to answer about an unsupported version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsupported_answer: Option<String>,
    /// Severities that pre-GA lines receive fixes for (e.g. critical and high).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_ga_fixes: Option<Vec<Severity>>,
    /// Whether reports against forks are accepted (default: yes, no statement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forks_accepted: Option<bool>,
    /// The release lines.
    #[serde(default)]
    pub lines: Vec<ReleaseLine>,
}

/// One `[[scope.non_qualifying]]` category with its canned response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonQualifying {
    /// Category slug: `volumetric-dos`, `scanner-output`, `missing-hardening`, `physical-access`,
    /// `compromised-host`, `social-engineering`, `third-party`, `forks`, `self-only`,
    /// `theoretical`, `malicious-extension`, `operator-configuration`, or your own.
    pub category: String,
    /// How SECURITY.md states it.
    pub description: String,
    /// Whether demonstrated real impact brings it back into scope.
    #[serde(default)]
    pub unless_impact_shown: bool,
    /// The canned reply the team sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// The category slugs Embargo knows (others are allowed and rendered as written).
pub const KNOWN_CATEGORIES: &[&str] = &[
    "volumetric-dos",
    "scanner-output",
    "missing-hardening",
    "physical-access",
    "compromised-host",
    "social-engineering",
    "third-party",
    "forks",
    "self-only",
    "theoretical",
    "malicious-extension",
    "operator-configuration",
    "spam",
];

/// `[scope]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// In-scope assets.
    #[serde(default)]
    pub in_scope: Vec<String>,
    /// Out-of-scope assets.
    #[serde(default)]
    pub out_of_scope: Vec<String>,
    /// Categories accepted even though they are often excluded elsewhere.
    #[serde(default)]
    pub accepted_categories: Vec<String>,
    /// Non-qualifying categories and canned responses.
    #[serde(default)]
    pub non_qualifying: Vec<NonQualifying>,
}

/// CVSS versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[expect(missing_docs, reason = "the names are the documentation")]
pub enum CvssVersion {
    #[serde(rename = "3.0")]
    V3_0,
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// "3.1".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

/// `[severity]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityPolicy {
    /// CVSS versions accepted from reporters.
    #[serde(default)]
    pub cvss_accepted: Vec<CvssVersion>,
    /// The version reporters are asked to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_requested: Option<CvssVersion>,
    /// Whether a vector is required with every report.
    #[serde(default)]
    pub cvss_required: bool,
    /// Reports that use CVSS incorrectly are refused.
    #[serde(default)]
    pub reject_misused_cvss: bool,
    /// The version the team scores in during triage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage_cvss: Option<CvssVersion>,
    /// A sentence about scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `[embargo]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbargoPolicy {
    /// The usual embargo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<PolicyDuration>,
    /// The longest embargo the team asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<PolicyDuration>,
    /// The date is agreed with the reporter.
    #[serde(default)]
    pub agreed_with_reporter: bool,
    /// Faster handling under active exploitation.
    #[serde(default)]
    pub accelerate_if_exploited: bool,
    /// The confidentiality terms a reviewer under NDA accepts before seeing a case (Embargo
    /// records who accepted which text, and when). Without it, `coordination::DEFAULT_NDA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nda: Option<String>,
    /// A sentence about embargo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `[prenotification]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreNotification {
    /// How long before publication recipients are told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time: Option<PolicyDuration>,
    /// Recipient groups ("downstream packagers", "large adopters", "service providers").
    #[serde(default)]
    pub groups: Vec<String>,
    /// A sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `[cve.criteria]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CveCriteria {
    /// Only flaws in the program's own code (not third-party libraries).
    #[serde(default)]
    pub first_party: bool,
    /// Only flaws not already known to the team.
    #[serde(default)]
    pub not_known_to_us: bool,
    /// Only flaws not already public.
    #[serde(default)]
    pub not_public: bool,
    /// Minimum severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_severity: Option<Severity>,
}

/// `[cve]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvePolicy {
    /// Whether the program requests CVEs at all.
    pub request: bool,
    /// The CNA ("GitHub", "MITRE", or the program's own CNA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cna: Option<String>,
    /// Reserved CVE IDs the program may assign.
    #[serde(default)]
    pub id_pool: Vec<String>,
    /// Eligibility criteria.
    #[serde(default)]
    pub criteria: CveCriteria,
}

/// `[credits]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credits {
    /// Whether reporters are credited.
    #[serde(default)]
    pub offered: bool,
    /// Only with the reporter's permission.
    #[serde(default)]
    pub opt_in: bool,
    /// Where credit appears ("release notes", "advisory", "hall of thanks").
    #[serde(default)]
    pub listed_in: Vec<String>,
    /// Where the hall of thanks is (RFC 9116 Acknowledgments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hall_of_thanks_url: Option<String>,
}

/// `[bounty].kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BountyKind {
    /// No paid bounty.
    #[default]
    None,
    /// A bounty on an external platform.
    External,
    /// Fixed amounts by severity.
    Amounts,
}

/// `[bounty]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounty {
    /// None, external or amounts.
    #[serde(default)]
    pub kind: BountyKind,
    /// External programme URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Amounts by severity, as text ("EUR 500").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<BountyAmount>,
    /// A sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One bounty amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BountyAmount {
    /// Severity band.
    pub severity: Severity,
    /// Amount as text.
    pub amount: String,
}

/// `[safe_harbour]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeHarbour {
    /// The authorisation statement.
    pub statement: String,
    /// What the team asks in return.
    #[serde(default)]
    pub conditions: Vec<String>,
}

/// `[source_access]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceAccess {
    /// Access requires an NDA.
    #[serde(default)]
    pub nda: bool,
    /// Who qualifies and how to ask.
    pub how: String,
    /// Where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One disclosure outlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outlet {
    /// "GitHub Security Advisories", "mailing list", "release notes".
    pub name: String,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `[disclosure]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Process steps, in order, as the team describes them.
    #[serde(default)]
    pub process: Vec<String>,
    /// Where advisories are published.
    #[serde(default)]
    pub outlets: Vec<Outlet>,
    /// A request to press and writers ("get in touch before writing about …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub press: Option<String>,
}

/// `[infrastructure]`: the program's own infrastructure, out of scope of this policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Infrastructure {
    /// Where to report issues in the vendor's own infrastructure instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// A sentence.
    pub note: String,
}

/// `[security_txt]`: RFC 9116 fields that do not follow from the rest of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityTxt {
    /// A fixed expiry date (RFC 9116 §2.5.5); lint warns within 30 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Day>,
    /// Or: expire this long after the render date (default 6 months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_after: Option<PolicyDuration>,
    /// Canonical URIs of the file (§2.5.2).
    #[serde(default)]
    pub canonical: Vec<String>,
    /// The policy page (§2.5.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// A CSAF provider-metadata.json URL (CSAF 2.0 §7.1.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csaf: Option<String>,
    /// Hiring page (§2.5.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hiring: Option<String>,
    /// Serve the file clear-signed with the program's OpenPGP key (§2.3), which Embargo
    /// creates on first use and publishes at `/p/{slug}/pgp-key.asc`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sign: bool,
}

/// One `[[keys]]` entry: keys other than a channel's (e.g. a release-signing key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    /// What it is for ("Cosign release key").
    pub purpose: String,
    /// The fingerprint (may be abbreviated as published).
    pub fingerprint: String,
    /// Where to fetch it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One `[[safeguards]]` entry: a control the program already has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Safeguard {
    /// "Release integrity".
    pub layer: String,
    /// "cosign signatures + SPDX SBOM on every artefact".
    pub control: String,
}
