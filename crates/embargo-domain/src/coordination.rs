//! Coordination of a case with people outside the team: participants and their per-case
//! roles, the status a downstream organisation states per product, whether an embargo counts
//! as agreed, and when the team is reminded that an embargo ends.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::policy::EmbargoPolicy;

/// The per-case role of an invited participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// Works on the fix: sees the report and the draft advisory, can post.
    Developer,
    /// A downstream vendor, service provider or packager: sees what the team shares (the
    /// draft advisory, the embargo) and states their own status per product.
    Vendor,
    /// A reviewer under NDA: sees what a developer sees, once the NDA is accepted.
    Reviewer,
}

impl ParticipantRole {
    pub const ALL: [ParticipantRole; 3] = [Self::Developer, Self::Vendor, Self::Reviewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Developer => "developer",
            Self::Vendor => "vendor",
            Self::Reviewer => "reviewer",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Developer => "developer (report and draft advisory, can post)",
            Self::Vendor => "downstream vendor / provider / packager (draft advisory, own status)",
            Self::Reviewer => "reviewer under NDA (must accept the NDA first)",
        }
    }

    /// Whether the NDA must be accepted before anything of the case is shown.
    pub fn needs_nda(self) -> bool {
        self == Self::Reviewer
    }

    /// Whether the reporter's own text is shown (vendors get only what the team shares).
    pub fn sees_report(self) -> bool {
        matches!(self, Self::Developer | Self::Reviewer)
    }
}

impl fmt::Display for ParticipantRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown participant role `{0}`: use developer, vendor or reviewer")]
pub struct UnknownRole(pub String);

impl FromStr for ParticipantRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// What an organisation says of one product. "Has not answered" (`Unknown`) is not "not
/// affected": the matrix shows the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorStatus {
    Unknown,
    Affected,
    NotAffected,
    Fixed,
    WillNotFix,
}

impl VendorStatus {
    pub const ALL: [VendorStatus; 5] = [
        Self::Unknown,
        Self::Affected,
        Self::NotAffected,
        Self::Fixed,
        Self::WillNotFix,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Affected => "affected",
            Self::NotAffected => "not_affected",
            Self::Fixed => "fixed",
            Self::WillNotFix => "will_not_fix",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "not yet checked",
            Self::Affected => "affected",
            Self::NotAffected => "not affected",
            Self::Fixed => "fixed",
            Self::WillNotFix => "will not fix",
        }
    }
}

/// An unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{0}`: use unknown, affected, not_affected, fixed or will_not_fix")]
pub struct UnknownStatus(pub String);

impl FromStr for VendorStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Whether an embargo end counts as agreed: by the team, and also by the reporter when the
/// policy says the date is agreed with the reporter.
pub fn agreed(policy: Option<&EmbargoPolicy>, team: bool, reporter: bool) -> bool {
    team && (reporter || !policy.is_some_and(|p| p.agreed_with_reporter))
}

/// The NDA a reviewer accepts when the policy states none.
pub const DEFAULT_NDA: &str = "I will keep everything I learn about this case confidential \
until it is published or the team releases me from this agreement. I will not use it for any \
purpose other than reviewing the issue and its fix, I will not share it with anyone who is not \
a participant of this case, and I will tell the team at once if it leaks.";

/// The NDA text of a program.
pub fn nda_text(policy: Option<&EmbargoPolicy>) -> &str {
    policy
        .and_then(|p| p.nda.as_deref())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(DEFAULT_NDA)
}

/// How long before an embargo ends the team is reminded (each once per end date).
pub const REMINDERS: [SignedDuration; 2] = [
    SignedDuration::from_hours(7 * 24),
    SignedDuration::from_hours(24),
];

/// The reminder due for an embargo ending at `end`: the nearest threshold already passed,
/// while the embargo still runs. The caller sends it once (keyed by end and threshold).
pub fn reminder_due(end: Timestamp, now: Timestamp) -> Option<SignedDuration> {
    if now >= end {
        return None;
    }
    let left = end.duration_since(now);
    REMINDERS.into_iter().filter(|r| left <= *r).min()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn names_round_trip() {
        for r in ParticipantRole::ALL {
            assert_eq!(r.as_str().parse::<ParticipantRole>().unwrap(), r);
        }
        for v in VendorStatus::ALL {
            assert_eq!(v.as_str().parse::<VendorStatus>().unwrap(), v);
        }
        assert!("owner".parse::<ParticipantRole>().is_err());
        assert!("maybe".parse::<VendorStatus>().is_err());
        assert!(ParticipantRole::Reviewer.needs_nda());
        assert!(!ParticipantRole::Vendor.sees_report());
    }

    #[test]
    fn agreement_needs_the_reporter_only_when_the_policy_says_so() {
        let with = EmbargoPolicy {
            agreed_with_reporter: true,
            ..Default::default()
        };
        assert!(!agreed(Some(&with), true, false));
        assert!(agreed(Some(&with), true, true));
        assert!(!agreed(Some(&with), false, true));
        assert!(agreed(Some(&EmbargoPolicy::default()), true, false));
        assert!(agreed(None, true, false));
    }

    #[test]
    fn nda_falls_back_to_the_default() {
        assert_eq!(nda_text(None), DEFAULT_NDA);
        let p = EmbargoPolicy {
            nda: Some("Our terms.".into()),
            ..Default::default()
        };
        assert_eq!(nda_text(Some(&p)), "Our terms.");
    }

    #[test]
    fn reminders_a_week_and_a_day_before() {
        let end = t("2026-03-10T12:00:00Z");
        assert_eq!(reminder_due(end, t("2026-03-01T00:00:00Z")), None);
        assert_eq!(
            reminder_due(end, t("2026-03-04T00:00:00Z")),
            Some(SignedDuration::from_hours(168))
        );
        assert_eq!(
            reminder_due(end, t("2026-03-10T00:00:00Z")),
            Some(SignedDuration::from_hours(24))
        );
        assert_eq!(reminder_due(end, end), None);
    }
}
