//! The case state machine: which moves are legal, for whom, which need a reason, and which
//! SLA events (see [`crate::sla::EventKind`]) each move implies.
//!
//! # Transition table
//!
//! `T` = the team may make the move; `R` = the reporter may; `*` = a reason is required.
//! Each row lists where a case in that state may go. Anything not listed is refused with an
//! explanation naming the legal targets.
//!
//! | from \ to      | targets                                                                                     |
//! |----------------|---------------------------------------------------------------------------------------------|
//! | new            | acknowledged T, needs-info T*, triaged T, duplicate T†, out-of-scope T*, not-applicable T*, informative T*, spam T*, withdrawn R |
//! | acknowledged   | needs-info T*, triaged T, duplicate T†, out-of-scope T*, not-applicable T*, informative T*, spam T*, withdrawn R |
//! | needs-info     | (the state before needs-info) R‡, acknowledged T, triaged T, duplicate T†, out-of-scope T*, not-applicable T*, informative T*, spam T*, closed T*, withdrawn R |
//! | triaged        | fixing T, fix-ready T, needs-info T*, duplicate T†, out-of-scope T*, not-applicable T*, informative T*, closed T*, withdrawn R |
//! | fixing         | fix-ready T, triaged T*, duplicate T†, closed T*, withdrawn R                                |
//! | fix-ready      | disclosed T, fixing T*, closed T*, withdrawn R                                               |
//! | disclosed      | closed T                                                                                    |
//! | closed         | triaged T*, fixing T* (reopen)                                                               |
//! | duplicate, out-of-scope, not-applicable, informative, spam | new T*, acknowledged T*, triaged T* (reopen) |
//! | withdrawn      | — (final)                                                                                   |
//!
//! † duplicate needs the original case's reference; a reason is optional.
//! ‡ the reporter's answer returns the case to where it was before needs-info; a case asked
//! while still `new` returns to `acknowledged`, because asking was a human acknowledgement.
//!
//! Decisions:
//! - **needs-info** is only reachable before the fix phase (new, acknowledged, triaged): it
//!   pauses the clocks, and asking a reporter to test a patch must not pause the resolution
//!   clock — that is a message, not a state.
//! - **withdrawn** is final and only the reporter can choose it: the reporter took the report
//!   back, and reopening would re-engage them against their wish. A team that still wants to
//!   fix the issue opens its own case. A disclosed case can no longer be withdrawn.
//! - **closed** needs a reason except after disclosure (the normal end); from
//!   needs-info it covers "no answer from the reporter", from triaged/fixing "won't fix",
//!   from fix-ready "fixed without an advisory".
//! - **Reopening** (from closed or a resolution without a fix) always needs a reason. It does
//!   not restart clocks: they keep counting from receipt.
//! - Backward moves (fixing → triaged, fix-ready → fixing) need a reason.
//!
//! # SLA events
//!
//! Leaving needs-info emits `Resumed`. Entering acknowledged, needs-info, triaged, or a
//! reasoned rejection (duplicate, out-of-scope, not-applicable, informative) from `new`
//! emits `Acknowledged` (a person answered). Entering triaged or a reasoned rejection
//! before the fix phase emits `Assessed`. Entering needs-info emits `Paused`; fix-ready emits
//! `FixReleased` when the input says the fix is already released; disclosed emits
//! `Published`. Spam emits nothing: spam is not answered. `sla::evaluate` uses the first
//! event of each kind, so a repeated `Assessed` after a reopen is harmless.

use serde::Serialize;

use super::reference::CaseRef;
use super::state::CaseState;
use crate::sla::EventKind;

use CaseState as S;

/// The longest reason accepted (characters).
pub const MAX_REASON_CHARS: usize = 10_000;

/// Who makes the move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// A member of the program's team (triager, admin…). Roles are checked by the app.
    Team,
    /// The reporter, through the tracking link, their account or e-mail.
    Reporter,
}

/// What comes with a state change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionInput {
    /// Who makes the move (default: the team).
    pub actor: Option<Actor>,
    /// Why (required for some moves; see the module table). Trimmed.
    pub reason: Option<String>,
    /// The state the case was in before it entered needs-info (from the timeline). Required
    /// when the reporter answers.
    pub previous: Option<CaseState>,
    /// The original case, for a duplicate.
    pub duplicate_of: Option<CaseRef>,
    /// Moving to fix-ready: the fixed release has already shipped.
    pub fix_released: bool,
}

impl TransitionInput {
    /// A team move.
    pub fn team() -> Self {
        Self {
            actor: Some(Actor::Team),
            ..Self::default()
        }
    }

    /// A reporter move.
    pub fn reporter() -> Self {
        Self {
            actor: Some(Actor::Reporter),
            ..Self::default()
        }
    }

    /// With a reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// With the state before needs-info.
    #[must_use]
    pub fn previous(mut self, previous: CaseState) -> Self {
        self.previous = Some(previous);
        self
    }

    /// With the original case of a duplicate.
    #[must_use]
    pub fn duplicate_of(mut self, original: CaseRef) -> Self {
        self.duplicate_of = Some(original);
        self
    }

    /// Marks the fix as already released.
    #[must_use]
    pub fn fix_released(mut self) -> Self {
        self.fix_released = true;
        self
    }

    fn actor(&self) -> Actor {
        self.actor.unwrap_or(Actor::Team)
    }
}

/// What an accepted move means: the app writes it to the timeline, the audit log and the
/// SLA event list in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionEffect {
    /// The state left.
    pub from: CaseState,
    /// The state entered.
    pub to: CaseState,
    /// Who moved it.
    pub actor: Actor,
    /// SLA events to record at the time of the move, in order.
    pub events: Vec<EventKind>,
    /// The reason, trimmed.
    pub reason: Option<String>,
    /// The original case, for a duplicate.
    pub duplicate_of: Option<CaseRef>,
    /// Whether the move reopens a finished case.
    pub reopened: bool,
    /// Whether the reporter is told (everything but spam: spammers get no feedback).
    pub notify_reporter: bool,
}

/// Why a move is refused. Every message names what would be legal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// From and to are the same.
    #[error("the case is already {0}")]
    Unchanged(CaseState),
    /// Not in the table.
    #[error("a case that is {from} can go to {}, not to {to}", or_list(allowed))]
    Illegal {
        /// Current state.
        from: CaseState,
        /// Requested state.
        to: CaseState,
        /// What the team could choose instead.
        allowed: Vec<CaseState>,
    },
    /// Withdrawn has no way out.
    #[error(
        "a withdrawn report is final: the reporter took it back; open a new case if the team \
         wants to pursue the issue"
    )]
    WithdrawnIsFinal,
    /// The team tried to withdraw.
    #[error(
        "only the reporter can withdraw a report; to stop work on it, close it or mark it \
         not-applicable with a reason"
    )]
    OnlyReporterWithdraws,
    /// The reporter tried something only the team does.
    #[error("{0}")]
    ReporterNotAllowed(String),
    /// A reason is required and missing or blank.
    #[error("moving a case from {from} to {to} needs a reason: {hint}")]
    ReasonRequired {
        /// Current state.
        from: CaseState,
        /// Requested state.
        to: CaseState,
        /// What the reason should say.
        hint: &'static str,
    },
    /// The reason is too long.
    #[error("the reason is too long ({len} characters; at most {MAX_REASON_CHARS})")]
    ReasonTooLong {
        /// Its length in characters.
        len: usize,
    },
    /// Duplicate without the original.
    #[error("marking a case as duplicate needs the reference of the original case")]
    OriginalRequired,
    /// The reporter answered but the app did not say where the case was before.
    #[error("the state before needs-info is needed to return the case there")]
    PreviousRequired,
    /// The state before needs-info cannot have led to needs-info.
    #[error(
        "a case cannot have been {0} before needs-info (only new, acknowledged or triaged \
         cases wait on the reporter)"
    )]
    InvalidPrevious(CaseState),
}

fn or_list(states: &[CaseState]) -> String {
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    match names.as_slice() {
        [] => String::from("nowhere"),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Where the team may move a case from `from` (withdrawn is the reporter's alone).
pub fn team_targets(from: CaseState) -> &'static [CaseState] {
    match from {
        S::New => &[
            S::Acknowledged,
            S::NeedsInfo,
            S::Triaged,
            S::Duplicate,
            S::OutOfScope,
            S::NotApplicable,
            S::Informative,
            S::Spam,
        ],
        S::Acknowledged => &[
            S::NeedsInfo,
            S::Triaged,
            S::Duplicate,
            S::OutOfScope,
            S::NotApplicable,
            S::Informative,
            S::Spam,
        ],
        S::NeedsInfo => &[
            S::Acknowledged,
            S::Triaged,
            S::Duplicate,
            S::OutOfScope,
            S::NotApplicable,
            S::Informative,
            S::Spam,
            S::Closed,
        ],
        S::Triaged => &[
            S::Fixing,
            S::FixReady,
            S::NeedsInfo,
            S::Duplicate,
            S::OutOfScope,
            S::NotApplicable,
            S::Informative,
            S::Closed,
        ],
        S::Fixing => &[S::FixReady, S::Triaged, S::Duplicate, S::Closed],
        S::FixReady => &[S::Disclosed, S::Fixing, S::Closed],
        S::Disclosed => &[S::Closed],
        S::Closed => &[S::Triaged, S::Fixing],
        S::Duplicate | S::OutOfScope | S::NotApplicable | S::Informative | S::Spam => {
            &[S::New, S::Acknowledged, S::Triaged]
        }
        S::Withdrawn => &[],
    }
}

/// Whether the reporter may withdraw a case in this state (any open state before disclosure).
pub fn reporter_can_withdraw(from: CaseState) -> bool {
    from.is_open() && from != S::Disclosed
}

/// Where the reporter's answer returns a case that was `previous` before needs-info.
pub fn resume_state(previous: CaseState) -> Result<CaseState, TransitionError> {
    match previous {
        // Asking the reporter was the acknowledgement.
        S::New => Ok(S::Acknowledged),
        S::Acknowledged | S::Triaged => Ok(previous),
        other => Err(TransitionError::InvalidPrevious(other)),
    }
}

/// Every state `actor` may move the case to, for buttons and the API's `allowed` list.
pub fn allowed_targets(
    from: CaseState,
    actor: Actor,
    previous: Option<CaseState>,
) -> Vec<CaseState> {
    match actor {
        Actor::Team => team_targets(from).to_vec(),
        Actor::Reporter => {
            let mut out = Vec::new();
            if from == S::NeedsInfo
                && let Some(to) = previous.and_then(|p| resume_state(p).ok())
            {
                out.push(to);
            }
            if reporter_can_withdraw(from) {
                out.push(S::Withdrawn);
            }
            out
        }
    }
}

/// What the reason for a team move must say, if one is required.
pub fn reason_hint(from: CaseState, to: CaseState) -> Option<&'static str> {
    if from.is_terminal() {
        return Some("say why the case is reopened");
    }
    match (from, to) {
        (_, S::NeedsInfo) => Some("say what information is needed from the reporter"),
        (_, S::OutOfScope) => Some("give the policy's canned reason for the category, or your own"),
        (_, S::NotApplicable) => Some(
            "give the policy's canned answer (not reproducible, works as intended…) or your own",
        ),
        (_, S::Informative) => Some("say why no security fix is needed"),
        (_, S::Spam) => Some("say why this is spam (internal: the reporter only sees \"closed\")"),
        (S::Disclosed, S::Closed) => None,
        (_, S::Closed) => Some(
            "say why the case closes without disclosure (won't fix, no answer from the \
             reporter, fixed without an advisory…)",
        ),
        (S::Fixing, S::Triaged) => Some("say why the fix is set aside"),
        (S::FixReady, S::Fixing) => Some("say what is wrong with the fix"),
        _ => None,
    }
}

/// Checks a move and says what it implies. Pure: the caller supplies the current state
/// (with optimistic concurrency in the store) and records the effect.
pub fn transition(
    from: CaseState,
    to: CaseState,
    t: &TransitionInput,
) -> Result<TransitionEffect, TransitionError> {
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    let actor = t.actor();
    let reason = t
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if let Some(r) = &reason {
        let len = r.chars().count();
        if len > MAX_REASON_CHARS {
            return Err(TransitionError::ReasonTooLong { len });
        }
    }
    match actor {
        Actor::Reporter => check_reporter(from, to, t.previous)?,
        Actor::Team => check_team(from, to, reason.is_some(), t.duplicate_of.is_some())?,
    }
    let duplicate_of = if to == S::Duplicate {
        t.duplicate_of.clone()
    } else {
        None
    };
    Ok(TransitionEffect {
        from,
        to,
        actor,
        events: events(from, to, t.fix_released),
        reason,
        duplicate_of,
        reopened: from.is_terminal() && to.is_open(),
        notify_reporter: to != S::Spam,
    })
}

fn check_reporter(
    from: CaseState,
    to: CaseState,
    previous: Option<CaseState>,
) -> Result<(), TransitionError> {
    if to == S::Withdrawn {
        return if reporter_can_withdraw(from) {
            Ok(())
        } else {
            Err(TransitionError::ReporterNotAllowed(format!(
                "the report can no longer be withdrawn: it is {from}"
            )))
        };
    }
    if from == S::NeedsInfo {
        let target = resume_state(previous.ok_or(TransitionError::PreviousRequired)?)?;
        return if to == target {
            Ok(())
        } else {
            Err(TransitionError::ReporterNotAllowed(format!(
                "answering the team's question returns the case to {target}, not to {to}"
            )))
        };
    }
    Err(TransitionError::ReporterNotAllowed(format!(
        "a reporter can withdraw the report or answer a request for information; moving a \
         case from {from} to {to} is for the security team"
    )))
}

fn check_team(
    from: CaseState,
    to: CaseState,
    has_reason: bool,
    has_original: bool,
) -> Result<(), TransitionError> {
    if from == S::Withdrawn {
        return Err(TransitionError::WithdrawnIsFinal);
    }
    if to == S::Withdrawn {
        return Err(TransitionError::OnlyReporterWithdraws);
    }
    let allowed = team_targets(from);
    if !allowed.contains(&to) {
        return Err(TransitionError::Illegal {
            from,
            to,
            allowed: allowed.to_vec(),
        });
    }
    if to == S::Duplicate && !has_original {
        return Err(TransitionError::OriginalRequired);
    }
    if let Some(hint) = reason_hint(from, to)
        && !has_reason
    {
        return Err(TransitionError::ReasonRequired { from, to, hint });
    }
    Ok(())
}

/// The SLA events a legal move implies (see the module documentation).
fn events(from: CaseState, to: CaseState, fix_released: bool) -> Vec<EventKind> {
    let mut ev = Vec::new();
    if from == S::NeedsInfo {
        ev.push(EventKind::Resumed);
    }
    let before_fix = matches!(from, S::New | S::Acknowledged | S::NeedsInfo);
    let answered = matches!(
        to,
        S::Acknowledged
            | S::NeedsInfo
            | S::Triaged
            | S::Duplicate
            | S::OutOfScope
            | S::NotApplicable
            | S::Informative
    );
    if from == S::New && answered {
        ev.push(EventKind::Acknowledged);
    }
    match to {
        S::NeedsInfo => ev.push(EventKind::Paused),
        S::Triaged | S::Duplicate | S::OutOfScope | S::NotApplicable | S::Informative
            if before_fix =>
        {
            ev.push(EventKind::Assessed);
        }
        S::FixReady if fix_released => ev.push(EventKind::FixReleased),
        S::Disclosed => ev.push(EventKind::Published),
        _ => {}
    }
    ev
}
