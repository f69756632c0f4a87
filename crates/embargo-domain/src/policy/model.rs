//! The intake half of the policy model: program, channels, report fields, business calendar
//! and clocks. Every struct is strict (`deny_unknown_fields`) so a typo is an error, not a
//! silently ignored promise.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::duration::PolicyDuration;
use super::values::{ClockTime, Day, Weekday, ZoneName};

/// The program: one product or project with one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Display name ("Stella Ops").
    pub name: String,
    /// URL-safe identifier ("stella-ops").
    pub slug: String,
    /// Who runs the program ("Spartan Conseil").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// One or two sentences opening SECURITY.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How a reporter finds their version ("GUI footer, or `obserae-cli status`").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_hint: Option<String>,
    /// BCP 47 language tags the team reads (RFC 9116 Preferred-Languages).
    #[serde(default)]
    pub languages: Vec<String>,
    /// The project's home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Package URLs the project publishes under, without version (`pkg:pypi/spook`): the
    /// vulnerability feed's "already known?" check on new reports looks them up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// How a channel is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// An e-mail address.
    Email,
    /// Embargo's own web form (or another form at `address`).
    WebForm,
    /// GitHub private vulnerability reporting (a repository's "Report a vulnerability").
    GithubAdvisory,
    /// A chat handle (Matrix, Signal…).
    Chat,
    /// A public issue tracker, for non-confidential flaws only.
    IssueTracker,
    /// An external bug-bounty platform.
    BugBounty,
}

impl ChannelKind {
    /// Plain-words name.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Email => "E-mail",
            Self::WebForm => "Web form",
            Self::GithubAdvisory => "GitHub private vulnerability report",
            Self::Chat => "Chat",
            Self::IssueTracker => "Public issue tracker",
            Self::BugBounty => "Bug-bounty platform",
        }
    }
}

/// Whether and how a channel is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encryption {
    /// No encryption offered (or the transport is already private, like a web form over TLS).
    #[default]
    None,
    /// Encrypt if you can.
    Optional,
    /// Reports must be encrypted.
    Required,
    /// Ask first and we arrange a key.
    OnRequest,
}

/// An OpenPGP key: fingerprint and where to get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenPgpKey {
    /// The full fingerprint; spaces allowed.
    pub fingerprint: String,
    /// Where to fetch it (RFC 9116 Encryption).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A key file shipped with the policy (ASCII-armoured), relative to the policy file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One way to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Stable identifier used by case events ("email", "matrix").
    pub id: String,
    /// How the channel is reached.
    pub kind: ChannelKind,
    /// E-mail address, URL or handle.
    pub address: String,
    /// Optional label shown instead of the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether reports here stay private. Defaults to true except for issue trackers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidential: Option<bool>,
    /// Encryption offered on this channel.
    #[serde(default)]
    pub encryption: Encryption,
    /// The key for encrypted reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openpgp: Option<OpenPgpKey>,
    /// Acknowledgement target for reports arriving here (overrides `clocks.acknowledgement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<PolicyDuration>,
    /// A sentence shown with the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Channel {
    /// Whether reports on this channel are confidential.
    pub fn is_confidential(&self) -> bool {
        self.confidential
            .unwrap_or(self.kind != ChannelKind::IssueTracker)
    }

    /// The label to show.
    pub fn display_label(&self) -> &str {
        self.label.as_deref().unwrap_or(self.kind.describe())
    }
}

/// A field the intake asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[expect(
    missing_docs,
    reason = "the names are the documentation; see `StandardField::describe`"
)]
pub enum StandardField {
    Description,
    Impact,
    AffectedVersion,
    Environment,
    Reproduction,
    ProofOfConcept,
    Logs,
    CvssVector,
    DisclosureTimeline,
    CveRequest,
    CreditName,
}

impl StandardField {
    /// Plain words for SECURITY.md and the web form.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Description => "a description of the issue",
            Self::Impact => "its impact (data exposure, code execution, denial of service…)",
            Self::AffectedVersion => "the affected version(s)",
            Self::Environment => "how it was deployed (environment, OS, CPU)",
            Self::Reproduction => "steps to reproduce",
            Self::ProofOfConcept => "a proof of concept",
            Self::Logs => "logs or configuration relevant to the finding",
            Self::CvssVector => "a CVSS vector string, if you can score it",
            Self::DisclosureTimeline => "your preferred disclosure timeline",
            Self::CveRequest => "whether you want a CVE, and any CVE request details",
            Self::CreditName => "the name or handle to credit, if you want credit",
        }
    }
}

/// One entry of `[[report.fields]]`: a standard field or a custom one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportField {
    /// A standard field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<StandardField>,
    /// Or a custom field's identifier (lowercase, dashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<String>,
    /// The label (required for custom fields; overrides the standard wording).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether intake refuses a report without it.
    #[serde(default)]
    pub required: bool,
    /// Help text shown next to the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl ReportField {
    /// The text to show for this field.
    pub fn display_label(&self) -> String {
        match (&self.label, self.field, &self.custom) {
            (Some(l), _, _) => l.clone(),
            (None, Some(f), _) => f.describe().to_owned(),
            (None, None, Some(c)) => c.replace('-', " "),
            (None, None, None) => String::new(),
        }
    }
}

/// `[report]`: what to include and how not to report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    /// A sentence introducing the reporting section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// Fields to ask for, in order.
    #[serde(default)]
    pub fields: Vec<ReportField>,
    /// Places not to report vulnerabilities ("a public GitHub issue").
    #[serde(default)]
    pub not_via: Vec<String>,
    /// Other requests to reporters ("do not exploit beyond what is needed to demonstrate it").
    #[serde(default)]
    pub please: Vec<String>,
}

/// `working_hours = { start = "09:00", end = "17:00" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// Opening time.
    pub start: ClockTime,
    /// Closing time (exclusive); "24:00" for midnight.
    pub end: ClockTime,
}

fn default_working_days() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
}

/// `[calendar]`: the business calendar that business-time clocks run on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone.
    pub time_zone: ZoneName,
    /// Working days (default Monday–Friday).
    #[serde(default = "default_working_days")]
    pub working_days: Vec<Weekday>,
    /// Optional working hours; without them a working day counts in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// Days off.
    #[serde(default)]
    pub holidays: Vec<Day>,
}

/// A resolution target: a duration, a "from–to" range, or "next release".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ResolutionTarget {
    /// Fixed within this time.
    Within(PolicyDuration),
    /// Aim for `aim`, promise `within` (the clock runs to `within`).
    Range {
        /// What the team aims for.
        aim: PolicyDuration,
        /// The promise the clock enforces.
        within: PolicyDuration,
    },
    /// No clock: fixed in the next scheduled release.
    #[serde(serialize_with = "ser_next_release")]
    NextRelease,
}

fn ser_next_release<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("next release")
}

impl ResolutionTarget {
    /// The duration the clock enforces, if any.
    pub fn deadline(&self) -> Option<PolicyDuration> {
        match self {
            Self::Within(d) | Self::Range { within: d, .. } => Some(*d),
            Self::NextRelease => None,
        }
    }
}

impl fmt::Display for ResolutionTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Within(d) => write!(f, "within {d}"),
            Self::Range { aim, within } if aim.unit == within.unit => {
                write!(f, "{}–{within}", aim.amount)
            }
            Self::Range { aim, within } => write!(f, "{aim} to {within}"),
            Self::NextRelease => f.write_str("in the next scheduled release"),
        }
    }
}

impl<'de> Deserialize<'de> for ResolutionTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RangeRepr {
            aim: PolicyDuration,
            within: PolicyDuration,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ResolutionTarget;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration (\"2 weeks\"), \"next release\", or { aim = \"…\", within = \"…\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().eq_ignore_ascii_case("next release") {
                    return Ok(ResolutionTarget::NextRelease);
                }
                v.parse().map(ResolutionTarget::Within).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let r = RangeRepr::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ResolutionTarget::Range {
                    aim: r.aim,
                    within: r.within,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `[clocks.resolution]`: resolution target per severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(missing_docs, reason = "one target per severity band")]
pub struct ResolutionTargets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<ResolutionTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<ResolutionTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<ResolutionTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<ResolutionTarget>,
}

impl ResolutionTargets {
    /// The target for a severity.
    pub fn for_severity(&self, s: super::Severity) -> Option<&ResolutionTarget> {
        use super::Severity as S;
        match s {
            S::Critical => self.critical.as_ref(),
            S::High => self.high.as_ref(),
            S::Medium => self.medium.as_ref(),
            S::Low => self.low.as_ref(),
        }
    }

    /// Whether no target is set.
    pub fn is_empty(&self) -> bool {
        self.critical.is_none()
            && self.high.is_none()
            && self.medium.is_none()
            && self.low.is_none()
    }
}

/// `[clocks]`: the promises about time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clocks {
    /// How binding the targets are ("good-faith targets, not a contractual SLA").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Default acknowledgement target for channels without their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<PolicyDuration>,
    /// Initial assessment (severity, affected versions, reproduction), from receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_assessment: Option<PolicyDuration>,
    /// Status-update cadence once acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_updates: Option<PolicyDuration>,
    /// Resolution target by severity, from receipt.
    #[serde(default, skip_serializing_if = "ResolutionTargets::is_empty")]
    pub resolution: ResolutionTargets,
    /// Show on the public policy page how well these targets were kept over the last 12
    /// months ("we acknowledged 96% of reports within 7 days (n = 31)"), computed from the
    /// program's cases. Off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publish_responsiveness: bool,
}
