//! The states a case can be in, their stable names (stored in the database) and what a
//! reporter is told about each.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a case stands.
///
/// The main line is new → acknowledged → (needs-info) → triaged → fixing → fix-ready →
/// disclosed → closed. Duplicate, out-of-scope, not-applicable, informative, spam and
/// withdrawn end a case without a fix. See [`crate::case::transition`] for the moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseState {
    /// Received, not yet looked at by a person.
    New,
    /// A person has acknowledged receipt and is assessing it.
    Acknowledged,
    /// Waiting on the reporter for information (clocks paused).
    NeedsInfo,
    /// Confirmed as a vulnerability the program will fix (a.k.a. accepted).
    Triaged,
    /// A fix is being written.
    Fixing,
    /// The fix is ready (possibly released, possibly waiting for the embargo date).
    FixReady,
    /// The advisory is public.
    Disclosed,
    /// Handling is finished.
    Closed,
    /// The same issue as an earlier case.
    Duplicate,
    /// Outside the program's scope (policy `[scope]`).
    OutOfScope,
    /// Not a vulnerability in this product (not reproducible, works as intended).
    NotApplicable,
    /// Useful information, but no security fix is needed.
    Informative,
    /// Not a genuine report.
    Spam,
    /// The reporter took the report back.
    Withdrawn,
}

impl CaseState {
    /// Every state, main line first.
    pub const ALL: [CaseState; 14] = [
        Self::New,
        Self::Acknowledged,
        Self::NeedsInfo,
        Self::Triaged,
        Self::Fixing,
        Self::FixReady,
        Self::Disclosed,
        Self::Closed,
        Self::Duplicate,
        Self::OutOfScope,
        Self::NotApplicable,
        Self::Informative,
        Self::Spam,
        Self::Withdrawn,
    ];

    /// The stable kebab-case name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Acknowledged => "acknowledged",
            Self::NeedsInfo => "needs-info",
            Self::Triaged => "triaged",
            Self::Fixing => "fixing",
            Self::FixReady => "fix-ready",
            Self::Disclosed => "disclosed",
            Self::Closed => "closed",
            Self::Duplicate => "duplicate",
            Self::OutOfScope => "out-of-scope",
            Self::NotApplicable => "not-applicable",
            Self::Informative => "informative",
            Self::Spam => "spam",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Whether no further work is expected: `closed` and the six resolutions without a fix
    /// (duplicate, out-of-scope, not-applicable, informative, spam, withdrawn). `disclosed`
    /// is not terminal: the case still has to be closed (follow-ups, credits, CVE record).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Closed
                | Self::Duplicate
                | Self::OutOfScope
                | Self::NotApplicable
                | Self::Informative
                | Self::Spam
                | Self::Withdrawn
        )
    }

    /// Whether the case is still being handled (the default queue shows these).
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// The status in plain words, as the reporter sees it on the tracking page. Never leaks
    /// internal detail: a spam verdict reads as "closed", a duplicate does not name the
    /// original case.
    pub fn reporter_label(self) -> &'static str {
        match self {
            Self::New => "We have received your report",
            Self::Acknowledged => "We are looking at your report",
            Self::NeedsInfo => "We need more information from you",
            Self::Triaged => "We confirmed the issue",
            Self::Fixing => "We confirmed the issue and are working on a fix",
            Self::FixReady => "A fix is ready",
            Self::Disclosed => "The issue has been disclosed",
            Self::Closed | Self::Spam => "This report is closed",
            Self::Duplicate => "This issue had already been reported",
            Self::OutOfScope => "This report is outside the scope of the program",
            Self::NotApplicable => "We could not confirm a security issue",
            Self::Informative => "Thank you: no security fix is needed",
            Self::Withdrawn => "You withdrew this report",
        }
    }

    /// One or two sentences explaining the status and what happens next, for the reporter.
    pub fn reporter_explanation(self) -> &'static str {
        match self {
            Self::New => {
                "Your report is safely stored and waiting for the security team. You will \
                 hear from a person within the acknowledgement time stated in the policy."
            }
            Self::Acknowledged => {
                "A member of the security team has read your report and is assessing it: \
                 whether it is a vulnerability, which versions are affected and how severe it \
                 is."
            }
            Self::NeedsInfo => {
                "The team has asked you a question (see the messages below). Please answer \
                 it here or by replying to the e-mail; work continues as soon as you do."
            }
            Self::Triaged => {
                "The team reproduced the issue and accepted it as a vulnerability. A fix is \
                 being planned; you will receive status updates."
            }
            Self::Fixing => {
                "The team is developing and testing a fix. You will receive status updates \
                 until it is released."
            }
            Self::FixReady => {
                "A fix has been prepared. It will be released and the issue disclosed on the \
                 date agreed with you."
            }
            Self::Disclosed => {
                "The fix is released and the advisory is public. Thank you for reporting it \
                 privately."
            }
            Self::Closed | Self::Spam => {
                "The team has finished handling this report. See the messages for details."
            }
            Self::Duplicate => {
                "Someone reported the same issue before you, and the team is already \
                 handling it. Thank you for reporting it privately."
            }
            Self::OutOfScope => {
                "The report concerns something this program's policy does not cover. The \
                 team's message explains why."
            }
            Self::NotApplicable => {
                "The team could not confirm a security issue in this product. The team's \
                 message explains why; you may reply with more details."
            }
            Self::Informative => {
                "The report contains useful information but does not need a security fix or \
                 an advisory."
            }
            Self::Withdrawn => {
                "You withdrew the report, so the team will not act on it further. You can \
                 always submit a new report."
            }
        }
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown case state `{given}`; the states are new, acknowledged, needs-info, triaged \
     (or accepted), fixing, fix-ready, disclosed, closed, duplicate, out-of-scope, \
     not-applicable, informative, spam, withdrawn"
)]
pub struct UnknownState {
    /// What was given.
    pub given: String,
}

impl FromStr for CaseState {
    type Err = UnknownState;

    /// Reads the stable name; `accepted` is an alias of `triaged`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "accepted" {
            return Ok(Self::Triaged);
        }
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownState {
                given: s.chars().take(64).collect(),
            })
    }
}
