//! CVE eligibility: given the facts of a case, whether the program's policy says a CVE is
//! requested for it, with every reason (met and unmet) in plain words.

use serde::Serialize;

use crate::policy::{CvePolicy, Severity};

/// The facts of a case that CVE criteria look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CveFacts {
    /// The flaw is in the program's own code (not a third-party library).
    pub first_party: bool,
    /// The team already knew about it before this report.
    pub known_to_us: bool,
    /// It is already public.
    pub already_public: bool,
    /// The assessed severity, if set.
    pub severity: Option<Severity>,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CveEligibility {
    /// Whether a CVE should be requested.
    pub eligible: bool,
    /// Why, one line per criterion (unmet criteria first).
    pub reasons: Vec<String>,
    /// Who assigns it ("GitHub", the program's CNA…), when eligible.
    pub assigner: Option<String>,
}

/// Applies the policy's CVE criteria to the facts. Without a `[cve]` section, or with
/// `request = false`, nothing is eligible.
pub fn eligibility(policy: Option<&CvePolicy>, facts: &CveFacts) -> CveEligibility {
    let Some(p) = policy.filter(|p| p.request) else {
        return CveEligibility {
            eligible: false,
            reasons: vec![String::from("this program does not request CVEs")],
            assigner: None,
        };
    };
    let c = &p.criteria;
    let mut unmet = Vec::new();
    let mut met = Vec::new();
    let mut judge = |applies: bool, ok: bool, yes: &str, no: String| {
        if applies {
            if ok {
                met.push(yes.to_owned())
            } else {
                unmet.push(no)
            }
        }
    };
    judge(
        c.first_party,
        facts.first_party,
        "the flaw is in the program's own code",
        String::from("the flaw is in a third-party component; report it to its maintainers"),
    );
    judge(
        c.not_known_to_us,
        !facts.known_to_us,
        "the flaw was not already known to the team",
        String::from("the flaw was already known to the team"),
    );
    judge(
        c.not_public,
        !facts.already_public,
        "the flaw was not already public",
        String::from("the flaw is already public"),
    );
    if let Some(min) = c.minimum_severity {
        match facts.severity {
            Some(s) => judge(
                true,
                s >= min,
                &format!("severity {s} is at least {min}"),
                format!("severity {s} is below {min}"),
            ),
            None => unmet.push(String::from("the severity has not been assessed yet")),
        }
    }
    let eligible = unmet.is_empty();
    let mut reasons = unmet;
    reasons.extend(met);
    CveEligibility {
        eligible,
        reasons,
        assigner: eligible.then(|| p.cna.clone()).flatten(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::policy::CveCriteria;

    fn spook() -> CvePolicy {
        CvePolicy {
            request: true,
            cna: Some(String::from("GitHub")),
            id_pool: vec![],
            criteria: CveCriteria {
                first_party: true,
                not_known_to_us: true,
                not_public: true,
                minimum_severity: Some(Severity::Medium),
            },
        }
    }

    const GOOD: CveFacts = CveFacts {
        first_party: true,
        known_to_us: false,
        already_public: false,
        severity: Some(Severity::High),
    };

    #[test]
    fn eligible_when_every_criterion_holds() {
        let e = eligibility(Some(&spook()), &GOOD);
        assert!(e.eligible);
        assert_eq!(e.assigner.as_deref(), Some("GitHub"));
        assert_eq!(e.reasons.len(), 4);
    }

    #[test]
    fn each_unmet_criterion_is_a_reason() {
        let facts = CveFacts {
            first_party: false,
            known_to_us: true,
            already_public: true,
            severity: Some(Severity::Low),
        };
        let e = eligibility(Some(&spook()), &facts);
        assert!(!e.eligible);
        assert_eq!(
            e.reasons,
            vec![
                "the flaw is in a third-party component; report it to its maintainers",
                "the flaw was already known to the team",
                "the flaw is already public",
                "severity Low is below Medium",
            ]
        );
        let e = eligibility(
            Some(&spook()),
            &CveFacts {
                severity: None,
                ..GOOD
            },
        );
        assert!(!e.eligible);
        assert_eq!(e.reasons[0], "the severity has not been assessed yet");
        assert!(
            eligibility(
                Some(&spook()),
                &CveFacts {
                    severity: Some(Severity::Medium),
                    ..GOOD
                }
            )
            .eligible
        );
    }

    #[test]
    fn no_cve_policy_means_not_eligible() {
        assert!(!eligibility(None, &GOOD).eligible);
        let off = CvePolicy {
            request: false,
            ..spook()
        };
        assert!(!eligibility(Some(&off), &GOOD).eligible);
    }
}
