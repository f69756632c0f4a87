//! Tests of the case state machine and references: every (from, to) pair for both actors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::*;
use crate::sla::EventKind as E;
use CaseState as S;

/// The table of `transition.rs`, written out independently: `from: target target…`; a `*`
/// marks a target that needs a reason.
const TEAM: &str = "
new: acknowledged needs-info* triaged duplicate out-of-scope* not-applicable* informative* spam*
acknowledged: needs-info* triaged duplicate out-of-scope* not-applicable* informative* spam*
needs-info: acknowledged triaged duplicate out-of-scope* not-applicable* informative* spam* closed*
triaged: fixing fix-ready needs-info* duplicate out-of-scope* not-applicable* informative* closed*
fixing: fix-ready triaged* duplicate closed*
fix-ready: disclosed fixing* closed*
disclosed: closed
closed: triaged* fixing*
duplicate: new* acknowledged* triaged*
out-of-scope: new* acknowledged* triaged*
not-applicable: new* acknowledged* triaged*
informative: new* acknowledged* triaged*
spam: new* acknowledged* triaged*
withdrawn:
";

fn team_table() -> Vec<(S, S, bool)> {
    let mut out = Vec::new();
    for line in TEAM.lines().filter(|l| !l.trim().is_empty()) {
        let (from, rest) = line.split_once(':').unwrap();
        let from: S = from.parse().unwrap();
        for t in rest.split_whitespace() {
            let (name, reasoned) = t.strip_suffix('*').map_or((t, false), |n| (n, true));
            out.push((from, name.parse().unwrap(), reasoned));
        }
    }
    out
}

fn orig() -> CaseRef {
    "OBS-2026-0001".parse().unwrap()
}

fn full_team() -> TransitionInput {
    TransitionInput::team()
        .reason("because")
        .duplicate_of(orig())
}

#[test]
fn every_team_pair_matches_the_table() {
    let table = team_table();
    let mut legal = 0;
    for from in S::ALL {
        for to in S::ALL {
            let listed = table.iter().find(|(f, t, _)| *f == from && *t == to);
            let got = transition(from, to, &full_team());
            match listed {
                Some(&(_, _, reasoned)) => {
                    legal += 1;
                    let eff = got.unwrap_or_else(|e| panic!("{from} → {to}: {e}"));
                    assert_eq!((eff.from, eff.to), (from, to));
                    assert_eq!(eff.reopened, from.is_terminal() && to.is_open());
                    // Without a reason: refused exactly when the table says one is needed.
                    let bare = TransitionInput::team().duplicate_of(orig());
                    let r = transition(from, to, &bare);
                    assert_eq!(
                        matches!(r, Err(TransitionError::ReasonRequired { .. })),
                        reasoned,
                        "{from} → {to} without a reason: {r:?}"
                    );
                    // A blank reason is no reason.
                    let blank = TransitionInput::team().duplicate_of(orig()).reason("  \n ");
                    assert_eq!(transition(from, to, &blank).is_err(), reasoned);
                }
                None => assert!(got.is_err(), "{from} → {to} should be refused"),
            }
        }
    }
    assert_eq!(legal, table.len());
    assert_eq!(legal, 56, "the table changed: update docs/TRIAGE.md");
}

#[test]
fn every_reporter_pair() {
    let withdrawable = [
        S::New,
        S::Acknowledged,
        S::NeedsInfo,
        S::Triaged,
        S::Fixing,
        S::FixReady,
    ];
    for from in S::ALL {
        for to in S::ALL {
            for previous in [S::New, S::Acknowledged, S::Triaged] {
                let input = TransitionInput::reporter().previous(previous);
                let r = transition(from, to, &input);
                let answer = from == S::NeedsInfo && Ok(to) == resume_state(previous);
                let withdraw = to == S::Withdrawn && withdrawable.contains(&from);
                assert_eq!(
                    r.is_ok(),
                    answer || withdraw,
                    "{from} → {to} ({previous}): {r:?}"
                );
                let allowed = allowed_targets(from, Actor::Reporter, Some(previous));
                assert_eq!(allowed.contains(&to), answer || withdraw);
            }
        }
    }
}

#[test]
fn illegal_moves_explain_what_is_legal() {
    let e = transition(S::FixReady, S::New, &full_team()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a case that is fix-ready can go to disclosed, fixing or closed, not to new"
    );
    let e = transition(S::Disclosed, S::Fixing, &full_team()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a case that is disclosed can go to closed, not to fixing"
    );
    let e = transition(S::Withdrawn, S::Triaged, &full_team()).unwrap_err();
    assert!(e.to_string().contains("final"), "{e}");
    let e = transition(S::Triaged, S::Withdrawn, &full_team()).unwrap_err();
    assert!(e.to_string().contains("only the reporter"), "{e}");
    let e = transition(S::Triaged, S::Triaged, &full_team()).unwrap_err();
    assert_eq!(e.to_string(), "the case is already triaged");
    let e = transition(S::New, S::NeedsInfo, &TransitionInput::team()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "moving a case from new to needs-info needs a reason: say what information is needed \
         from the reporter"
    );
    let e = transition(S::New, S::Duplicate, &TransitionInput::team()).unwrap_err();
    assert_eq!(e, TransitionError::OriginalRequired);
    let long = TransitionInput::team().reason("x".repeat(10_001));
    assert!(matches!(
        transition(S::New, S::Spam, &long),
        Err(TransitionError::ReasonTooLong { len: 10_001 })
    ));
}

#[test]
fn reporter_messages() {
    let r = TransitionInput::reporter();
    let e = transition(S::Acknowledged, S::Triaged, &r).unwrap_err();
    assert!(e.to_string().contains("is for the security team"), "{e}");
    let e = transition(S::Disclosed, S::Withdrawn, &r).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the report can no longer be withdrawn: it is disclosed"
    );
    let e = transition(S::NeedsInfo, S::Acknowledged, &r).unwrap_err();
    assert_eq!(e, TransitionError::PreviousRequired);
    let e = transition(S::NeedsInfo, S::Fixing, &r.clone().previous(S::Triaged)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "answering the team's question returns the case to triaged, not to fixing"
    );
    let e = transition(S::NeedsInfo, S::Fixing, &r.previous(S::Fixing)).unwrap_err();
    assert_eq!(e, TransitionError::InvalidPrevious(S::Fixing));
}

fn events(from: S, to: S, t: &TransitionInput) -> Vec<E> {
    transition(from, to, t).unwrap().events
}

#[test]
fn sla_events() {
    let t = full_team();
    assert_eq!(events(S::New, S::Acknowledged, &t), [E::Acknowledged]);
    assert_eq!(
        events(S::New, S::Triaged, &t),
        [E::Acknowledged, E::Assessed]
    );
    assert_eq!(events(S::Acknowledged, S::Triaged, &t), [E::Assessed]);
    assert_eq!(
        events(S::New, S::NeedsInfo, &t),
        [E::Acknowledged, E::Paused]
    );
    assert_eq!(events(S::Triaged, S::NeedsInfo, &t), [E::Paused]);
    assert_eq!(
        events(S::New, S::OutOfScope, &t),
        [E::Acknowledged, E::Assessed]
    );
    assert_eq!(events(S::New, S::Spam, &t), []);
    assert_eq!(events(S::Triaged, S::FixReady, &t), []);
    assert_eq!(
        events(S::Fixing, S::FixReady, &t.clone().fix_released()),
        [E::FixReleased]
    );
    assert_eq!(events(S::FixReady, S::Disclosed, &t), [E::Published]);
    assert_eq!(events(S::NeedsInfo, S::Closed, &t), [E::Resumed]);
    assert_eq!(events(S::Spam, S::New, &t), []);
    // The reporter answers: the case returns where it was and the clocks resume.
    let answer = TransitionInput::reporter().previous(S::Acknowledged);
    assert_eq!(events(S::NeedsInfo, S::Acknowledged, &answer), [E::Resumed]);
    let answer = TransitionInput::reporter().previous(S::New);
    let eff = transition(S::NeedsInfo, S::Acknowledged, &answer).unwrap();
    assert_eq!((eff.events, eff.actor), (vec![E::Resumed], Actor::Reporter));
    let w = TransitionInput::reporter();
    assert_eq!(events(S::NeedsInfo, S::Withdrawn, &w), [E::Resumed]);
    // Every move into needs-info pauses; every move out of it resumes.
    for (from, to, _) in team_table() {
        let ev = events(from, to, &full_team());
        assert_eq!(to == S::NeedsInfo, ev.contains(&E::Paused), "{from} → {to}");
        assert_eq!(
            from == S::NeedsInfo,
            ev.contains(&E::Resumed),
            "{from} → {to}"
        );
    }
}

#[test]
fn effect_carries_reason_reference_and_notification() {
    let t = TransitionInput::team()
        .reason("  same as the earlier report  ")
        .duplicate_of(orig());
    let eff = transition(S::Acknowledged, S::Duplicate, &t).unwrap();
    assert_eq!(eff.reason.as_deref(), Some("same as the earlier report"));
    assert_eq!(eff.duplicate_of, Some(orig()));
    assert!(eff.notify_reporter);
    let eff = transition(S::New, S::Spam, &t).unwrap();
    assert!(!eff.notify_reporter);
    assert_eq!(eff.duplicate_of, None);
    let eff = transition(S::Spam, S::New, &t).unwrap();
    assert!(eff.reopened);
}

#[test]
fn states_round_trip_and_describe_themselves() {
    for s in S::ALL {
        assert_eq!(s.as_str().parse::<S>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert_eq!(s.is_open(), !s.is_terminal());
        assert!(!s.reporter_label().is_empty());
        assert!(s.reporter_explanation().len() > 40);
        // Never leak internal words to the reporter.
        let shown = format!("{} {}", s.reporter_label(), s.reporter_explanation());
        assert!(!shown.to_lowercase().contains("spam"), "{s}: {shown}");
    }
    assert_eq!("accepted".parse::<S>().unwrap(), S::Triaged);
    let e = "resolved".parse::<S>().unwrap_err().to_string();
    assert!(e.contains("`resolved`") && e.contains("needs-info"), "{e}");
    assert_eq!(
        S::ALL.iter().filter(|s| s.is_terminal()).count(),
        7,
        "closed plus six resolutions"
    );
    assert!(S::Disclosed.is_open());
    assert_eq!(
        S::NeedsInfo.reporter_label(),
        "We need more information from you"
    );
}

#[test]
fn canned_reasons_come_from_the_policy() {
    let scope = crate::policy::Scope {
        non_qualifying: vec![
            crate::policy::NonQualifying {
                category: "volumetric-dos".into(),
                description: "Volumetric denial of service".into(),
                unless_impact_shown: false,
                response: Some("Volumetric DoS is out of scope.".into()),
            },
            crate::policy::NonQualifying {
                category: "forks".into(),
                description: "Issues only in forks".into(),
                unless_impact_shown: false,
                response: None,
            },
        ],
        ..Default::default()
    };
    assert_eq!(
        canned_reason(&scope, "volumetric-dos"),
        Some("Volumetric DoS is out of scope.")
    );
    assert_eq!(canned_reason(&scope, "forks"), Some("Issues only in forks"));
    assert_eq!(canned_reason(&scope, "theoretical"), None);
}

#[test]
fn case_refs() {
    let r: CaseRef = "OBS-2026-0042".parse().unwrap();
    assert_eq!((r.prefix(), r.year(), r.sequence()), ("OBS", 2026, 42));
    assert_eq!(r.to_string(), "OBS-2026-0042");
    assert_eq!(
        "obs-2026-0042".parse::<CaseRef>().unwrap().to_string(),
        "OBS-2026-0042"
    );
    assert_eq!(
        CaseRef::new("stellaop", 2026, 123_456).unwrap().to_string(),
        "STELLAOP-2026-123456"
    );
    for bad in [
        "",
        "OBS",
        "OBS-2026",
        "OBS-2026-42",
        "OBS-26-0042",
        "OBS-2026-0000",
        "OBS-2026-00042",
        "OBS-2026-0042-1",
        "-2026-0042",
        "1OBS-2026-0042",
        "TOOLONGPF-2026-0042",
        "OB_S-2026-0042",
        "OBS-2026-99999999999",
        "OBS-0999-0001",
        "OBS-2026-+042",
    ] {
        assert!(bad.parse::<CaseRef>().is_err(), "{bad}");
    }
    assert_eq!(CaseRef::prefix_from_slug("obserae").unwrap(), "OBSERAE");
    assert_eq!(CaseRef::prefix_from_slug("stella-ops").unwrap(), "STELLAOP");
    assert_eq!(CaseRef::prefix_from_slug("1password").unwrap(), "PASSWORD");
    assert!(CaseRef::prefix_from_slug("--").is_err());
    assert!(CaseRef::prefix_from_slug("2024").is_err());
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(json, "\"OBS-2026-0042\"");
    assert_eq!(serde_json::from_str::<CaseRef>(&json).unwrap(), r);
    assert!(serde_json::from_str::<CaseRef>("\"nope\"").is_err());
}

proptest! {
    #[test]
    fn case_ref_display_parse_round_trip(
        prefix in "[A-Z][A-Z0-9]{0,7}",
        year in 1000u16..=9999,
        seq in 1u32..,
    ) {
        let r = CaseRef::new(&prefix, year, seq).unwrap();
        let s = r.to_string();
        prop_assert_eq!(s.parse::<CaseRef>().unwrap(), r);
    }

    #[test]
    fn case_ref_parse_is_canonical(s in "[A-Za-z0-9]{1,9}-[0-9]{3,5}-[0-9]{1,11}") {
        if let Ok(r) = s.parse::<CaseRef>() {
            prop_assert!(r.to_string().eq_ignore_ascii_case(&s));
        }
    }

    #[test]
    fn case_ref_parse_never_panics(s in "\\PC{0,40}") {
        let _ = s.parse::<CaseRef>();
    }

    #[test]
    fn slug_prefixes_are_valid_references(slug in "[a-z0-9-]{1,30}") {
        if let Ok(p) = CaseRef::prefix_from_slug(&slug) {
            prop_assert!(CaseRef::new(&p, 2026, 1).is_ok());
        }
    }
}
