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

/// Vulnerability identifiers mentioned in a text — `CVE-YYYY-NNNN…` and
/// `GHSA-xxxx-xxxx-xxxx` — upper-cased, sorted, without duplicates. Used to point out reports
/// about the same, possibly already public, issue.
pub fn find_ids(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let b = upper.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // An identifier starts at a word boundary.
        if i > 0 && b[i - 1].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let len = if rest.starts_with(b"CVE-") {
            cve_len(&rest[4..]).map(|n| n + 4)
        } else if rest.starts_with(b"GHSA-") {
            ghsa_len(&rest[5..]).map(|n| n + 5)
        } else {
            None
        };
        match len {
            Some(n) => {
                out.push(String::from_utf8_lossy(&rest[..n]).into_owned());
                i += n;
            }
            None => i += 1,
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `YYYY-N{4,}` at the start of `s`, not followed by another alphanumeric.
fn cve_len(s: &[u8]) -> Option<usize> {
    if s.len() < 9 || !s[..4].iter().all(u8::is_ascii_digit) || s[4] != b'-' {
        return None;
    }
    let digits = s[5..].iter().take_while(|c| c.is_ascii_digit()).count();
    let end = 5 + digits;
    (digits >= 4 && s.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())).then_some(end)
}

/// `xxxx-xxxx-xxxx` (lower-case letters and digits in GitHub's alphabet) at the start of `s`.
fn ghsa_len(s: &[u8]) -> Option<usize> {
    if s.len() < 14 {
        return None;
    }
    for (g, chunk) in s[..14].chunks(5).enumerate() {
        let (body, sep) = chunk.split_at(4.min(chunk.len()));
        if !body.iter().all(u8::is_ascii_alphanumeric) || (g < 2 && sep != b"-") {
            return None;
        }
    }
    s.get(14)
        .is_none_or(|c| !c.is_ascii_alphanumeric())
        .then_some(14)
}

#[cfg(test)]
mod find_ids_tests {
    use super::find_ids;

    #[test]
    fn identifiers_are_found_at_word_boundaries() {
        assert_eq!(
            find_ids("see cve-2024-3094 and GHSA-jfh8-c2jp-5v3q, not XCVE-2024-1111 or CVE-24-1"),
            vec!["CVE-2024-3094", "GHSA-JFH8-C2JP-5V3Q"]
        );
        assert_eq!(find_ids("CVE-2021-44228."), vec!["CVE-2021-44228"]);
        assert!(find_ids("CVE-2021-4422x").is_empty());
        assert!(find_ids("").is_empty());
        assert!(find_ids("GHSA-abcd-efgh").is_empty());
    }
}
