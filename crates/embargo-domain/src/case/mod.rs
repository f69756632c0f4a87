//! Cases: the triage state machine (states, legal moves with reasons, the SLA events each
//! move implies, what the reporter is told) and human-readable case references.
//!
//! The full transition table and its rationale are in [`transition`]; `docs/TRIAGE.md`
//! repeats it for operators.

pub mod reference;
pub mod state;
pub mod transition;

#[cfg(test)]
mod tests;

pub use reference::{CaseRef, CaseRefError};
pub use state::{CaseState, UnknownState};
pub use transition::{
    Actor, TransitionEffect, TransitionError, TransitionInput, allowed_targets, reason_hint,
    resume_state, transition,
};

use crate::policy::Scope;

/// The canned reason the policy gives for a non-qualifying category (its `response`, or its
/// description when it has no response), to prefill an out-of-scope or not-applicable reason.
pub fn canned_reason<'a>(scope: &'a Scope, category: &str) -> Option<&'a str> {
    scope
        .non_qualifying
        .iter()
        .find(|n| n.category == category)
        .map(|n| n.response.as_deref().unwrap_or(&n.description))
}
