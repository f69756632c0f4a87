//! The policy model: one `policy.toml` per program that is both the published policy
//! (SECURITY.md, security.txt, the policy page) and the enforced rules (clocks, scope, CVE).
//!
//! Reading is strict: unknown keys, wrong types, bad durations, unknown time zones and
//! nonexistent dates are errors with file:line:column. [`Policy::from_toml`] returns the
//! policy or every error it found; [`lint`] adds the warnings that depend on the date.

mod check;
pub mod diagnostic;
pub mod duration;
mod lint;
pub mod model;
pub mod rules;
pub mod values;

use std::fmt;

use serde::{Deserialize, Serialize};
use toml::de::DeTable;

pub use diagnostic::{Diagnostic, Level};
pub use duration::{DurationError, DurationUnit, PolicyDuration};
pub use lint::lint;
pub use model::*;
pub use rules::*;
pub use values::{ClockTime, Day, Weekday, ZoneName};

use diagnostic::Sink;

/// Severity bands (CVSS qualitative ratings, FIRST CVSS v3.1 §5 / v4.0 §6), highest first in
/// importance but ordered low → critical so `>=` means "at least as severe".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[expect(missing_docs, reason = "the names are the documentation")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All bands, most severe first (the order SECURITY.md lists them in).
    pub const ALL_DESC: [Severity; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    /// "Critical".
    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A whole program policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `[program]`.
    pub program: Program,
    /// `[[channels]]`.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// `[report]`.
    #[serde(default)]
    pub report: ReportSpec,
    /// `[calendar]`.
    pub calendar: CalendarSpec,
    /// `[clocks]`.
    #[serde(default)]
    pub clocks: Clocks,
    /// `[supported]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported: Option<SupportedVersions>,
    /// `[scope]`.
    #[serde(default)]
    pub scope: Scope,
    /// `[severity]`.
    #[serde(default)]
    pub severity: SeverityPolicy,
    /// `[embargo]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargo: Option<EmbargoPolicy>,
    /// `[prenotification]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prenotification: Option<PreNotification>,
    /// `[cve]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cve: Option<CvePolicy>,
    /// `[credits]`.
    #[serde(default)]
    pub credits: Credits,
    /// `[bounty]`.
    #[serde(default)]
    pub bounty: Bounty,
    /// `[safe_harbour]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_harbour: Option<SafeHarbour>,
    /// `[source_access]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_access: Option<SourceAccess>,
    /// `[disclosure]`.
    #[serde(default)]
    pub disclosure: Disclosure,
    /// `[infrastructure]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<Infrastructure>,
    /// `[security_txt]`.
    #[serde(default)]
    pub security_txt: SecurityTxt,
    /// `[[keys]]`.
    #[serde(default)]
    pub keys: Vec<KeyInfo>,
    /// `[[safeguards]]`.
    #[serde(default)]
    pub safeguards: Vec<Safeguard>,
}

impl Policy {
    /// Reads a policy from TOML. Returns every error found (syntax errors, then the first
    /// structural error serde meets, then all semantic errors); warnings are left to [`lint`].
    pub fn from_toml(src: &str, file: &str) -> Result<Policy, Vec<Diagnostic>> {
        let (policy, mut sink) = parse(src, file);
        let Some(policy) = policy else {
            return Err(sink.diagnostics);
        };
        check::check(&policy, &mut sink);
        let errors: Vec<Diagnostic> = sink
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(errors)
        }
    }

    /// The channel with this id.
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The acknowledgement target of a channel (its own, else the default).
    pub fn ack_target(&self, channel: Option<&str>) -> Option<PolicyDuration> {
        channel
            .and_then(|id| self.channel(id))
            .and_then(|c| c.ack)
            .or(self.clocks.acknowledgement)
            .or_else(|| self.channels.iter().filter_map(|c| c.ack).next())
    }

    /// The business calendar, built from `[calendar]`.
    pub fn business_calendar(
        &self,
    ) -> Result<crate::calendar::BusinessCalendar, crate::calendar::CalendarError> {
        crate::calendar::BusinessCalendar::from_spec(&self.calendar)
    }
}

/// The UTC calendar date of a Unix time in seconds: lets a caller that reads the system clock
/// (the CLI) obtain the `today` argument of [`lint`] without the domain reading the clock.
pub fn utc_date_from_unix_seconds(secs: i64) -> Option<jiff::civil::Date> {
    jiff::Timestamp::from_second(secs)
        .ok()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
}

/// Parses into a policy (or not) and a sink holding the syntax/structure diagnostics.
fn parse<'s>(src: &'s str, file: &'s str) -> (Option<Policy>, Sink<'s>) {
    let (root, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        let mut sink = Sink::new(src, file, None);
        for e in errors {
            sink.at_span(
                Level::Error,
                e.span(),
                format!("TOML syntax: {}", first_line(e.message())),
                Some("fix the TOML syntax; see https://toml.io/en/v1.0.0"),
            );
        }
        return (None, sink);
    }
    let mut sink = Sink::new(src, file, Some(root.clone()));
    match Policy::deserialize(toml::de::Deserializer::from(root)) {
        Ok(p) => (Some(p), sink),
        Err(e) => {
            let msg = first_line(e.message()).to_owned();
            let hint = if msg.starts_with("unknown field") {
                "check the spelling; docs/POLICY.md lists every key"
            } else if msg.starts_with("missing field") {
                "add the key; docs/POLICY.md shows an example"
            } else if msg.starts_with("invalid type") {
                "check the value's type; docs/POLICY.md shows an example"
            } else {
                "see docs/POLICY.md for the expected value"
            };
            sink.at_span(Level::Error, e.span(), msg, Some(hint));
            (None, sink)
        }
    }
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("")
}

#[cfg(test)]
pub(crate) mod tests;
