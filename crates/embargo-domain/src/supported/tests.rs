//! Fix windows of the Stella Ops example and version evaluation in both modes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::policy::Policy;
use jiff::civil::date;

fn example(name: &str) -> SupportedVersions {
    let (_, src) = crate::policy::tests::EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap();
    Policy::from_toml(src, name).unwrap().supported.unwrap()
}

#[test]
fn stella_ops_fix_windows() {
    let sv = example("container-scanning-platform.toml");
    let ends: Vec<Option<Date>> = fix_window_ends(&sv)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        ends,
        vec![
            Some(date(2026, 6, 29)),  // 90 days after GA of v0.2 (2026-03-31)
            Some(date(2026, 12, 30)), // 6 months after GA of v0.3 (2026-06-30)
            Some(date(2027, 3, 30)),  // 6 months after GA of v0.4 (2026-09-30)
            Some(date(2026, 12, 31)), // until v1.0 GA
            Some(date(2028, 12, 31)), // 24 months from release
        ]
    );
}

#[test]
fn line_matching() {
    assert!(line_matches("v0.2", "0.2.7"));
    assert!(line_matches("v0.2", "v0.2.0-rc.1"));
    assert!(!line_matches("v0.2", "0.3.0"));
    assert!(line_matches("1.x", "1.9.3"));
    assert!(line_matches("1.x.x", "v1.0.0"));
    assert!(!line_matches("1.x", "0.9.0"));
    assert!(!line_matches("1.x", "garbage"));
}

#[test]
fn pre_ga_lines_get_critical_and_high_only() {
    let sv = example("container-scanning-platform.toml");
    let a = evaluate(&sv, "0.2.3", date(2026, 8, 1), None);
    assert_eq!(a.verdict, Verdict::Supported);
    assert_eq!(a.line.as_deref(), Some("v0.2"));
    assert_eq!(a.until, Some(date(2026, 12, 30)));
    assert_eq!(a.fixes_for, Some(vec![Severity::Critical, Severity::High]));
    assert!(
        a.answer.contains("Critical and High severity fixes only"),
        "{}",
        a.answer
    );
    let a = evaluate(&sv, "0.1.4", date(2026, 7, 1), None);
    assert_eq!(a.verdict, Verdict::Unsupported);
    assert!(a.answer.contains("ended on 2026-06-29"), "{}", a.answer);
    assert!(
        a.answer
            .ends_with("Please reproduce on a supported release line."),
        "{}",
        a.answer
    );
    let a = evaluate(&sv, "1.0.2", date(2027, 1, 1), None);
    assert_eq!((a.verdict, a.fixes_for), (Verdict::Supported, None));
}

#[test]
fn openctem_one_x_only() {
    let sv = example("exposure-management-api.toml");
    assert_eq!(
        evaluate(&sv, "1.4.0", date(2026, 1, 1), None).verdict,
        Verdict::Supported
    );
    let a = evaluate(&sv, "0.9.1", date(2026, 1, 1), None);
    assert_eq!(a.verdict, Verdict::Unsupported);
    assert!(a.answer.contains("end of life"), "{}", a.answer);
    let a = evaluate(&sv, "2.0.0", date(2026, 1, 1), None);
    assert_eq!(a.verdict, Verdict::Unsupported);
    assert!(a.answer.contains("supported: 1.x"), "{}", a.answer);
}

#[test]
fn latest_only_policies() {
    let sv = example("network-security-appliance.toml");
    let a = evaluate(&sv, "0.8.1", date(2026, 1, 1), Some("0.9.0"));
    assert_eq!(a.verdict, Verdict::Unsupported);
    assert_eq!(
        a.answer,
        "Version 0.8.1 is not the latest release (0.9.0). Please reproduce on the most recent version before reporting."
    );
    assert_eq!(
        evaluate(&sv, "v0.9.0", date(2026, 1, 1), Some("0.9.0")).verdict,
        Verdict::Supported
    );
    assert_eq!(
        evaluate(&sv, "0.9.0", date(2026, 1, 1), None).verdict,
        Verdict::Unknown
    );
    // Spook also accepts versions beyond the latest that are in development.
    let sv = example("home-automation-integration.toml");
    assert_eq!(
        evaluate(&sv, "3.1.0.dev0", date(2026, 1, 1), Some("3.0.1")).verdict,
        Verdict::Unknown
    );
    assert_eq!(
        evaluate(&sv, "3.1.0-dev", date(2026, 1, 1), Some("3.0.1")).verdict,
        Verdict::Supported
    );
    assert_eq!(
        evaluate(&sv, "2.9.0", date(2026, 1, 1), Some("3.0.1")).verdict,
        Verdict::Unsupported
    );
}
