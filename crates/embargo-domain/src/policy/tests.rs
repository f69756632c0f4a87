//! Reading policies: the five examples parse cleanly, and bad input gets one located message
//! per problem, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use jiff::civil::date;
use proptest::prelude::*;

pub(crate) const EXAMPLES: [(&str, &str); 5] = [
    (
        "network-security-appliance.toml",
        include_str!("../../../../examples/policies/network-security-appliance.toml"),
    ),
    (
        "home-automation-integration.toml",
        include_str!("../../../../examples/policies/home-automation-integration.toml"),
    ),
    (
        "public-sector-product-family.toml",
        include_str!("../../../../examples/policies/public-sector-product-family.toml"),
    ),
    (
        "container-scanning-platform.toml",
        include_str!("../../../../examples/policies/container-scanning-platform.toml"),
    ),
    (
        "exposure-management-api.toml",
        include_str!("../../../../examples/policies/exposure-management-api.toml"),
    ),
];

const MINIMAL: &str = r#"
[program]
name = "Demo"
slug = "demo"

[[channels]]
id = "email"
kind = "email"
address = "security@demo.example"
ack = "72 hours"

[calendar]
time_zone = "Europe/Paris"

[supported]
mode = "latest-only"

[safe_harbour]
statement = "Good-faith research is authorised."
"#;

fn errors(src: &str) -> Vec<Diagnostic> {
    Policy::from_toml(src, "p.toml").unwrap_err()
}

fn one_error(src: &str) -> Diagnostic {
    let e = errors(src);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.into_iter().next().unwrap()
}

#[test]
fn examples_parse_without_errors() {
    for (name, src) in EXAMPLES {
        let p = Policy::from_toml(src, name);
        assert!(p.is_ok(), "{name}: {:#?}", p.err());
        let errors: Vec<_> = lint(src, name, date(2025, 11, 1))
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn minimal_policy_is_clean() {
    assert!(lint(MINIMAL, "p.toml", date(2025, 11, 1)).is_empty());
}

#[test]
fn typo_is_located_with_the_expected_keys() {
    let d = one_error(&MINIMAL.replace("slug = \"demo\"", "slgu = \"demo\""));
    assert_eq!((d.line, d.column), (4, 1));
    assert!(d.message.contains("unknown field `slgu`"), "{}", d.message);
    assert!(d.message.contains("`slug`"), "{}", d.message);
    assert_eq!(
        d.to_string().lines().next().unwrap(),
        format!("p.toml:4:1: error: {}", d.message)
    );
}

#[test]
fn wrong_type_is_located() {
    let d = one_error(&MINIMAL.replace("name = \"Demo\"", "name = 5"));
    assert_eq!(d.line, 3);
    assert!(d.message.contains("invalid type"), "{}", d.message);
}

#[test]
fn negative_and_garbled_durations() {
    let d = one_error(&MINIMAL.replace("ack = \"72 hours\"", "ack = \"-3 days\""));
    assert_eq!((d.line, d.column), (10, 7));
    assert!(d.message.contains("negative"), "{}", d.message);
    let d = one_error(&MINIMAL.replace("ack = \"72 hours\"", "ack = \"72 hourz\""));
    assert!(
        d.message.contains("unknown duration unit `hourz`"),
        "{}",
        d.message
    );
    let d = one_error(&MINIMAL.replace("ack = \"72 hours\"", "ack = 72"));
    assert!(d.message.contains("\"72 days\""), "{}", d.message);
}

#[test]
fn unknown_time_zone() {
    let d = one_error(&MINIMAL.replace("Europe/Paris", "Europe/Pariss"));
    assert_eq!((d.line, d.column), (13, 13));
    assert!(
        d.message.contains("unknown time zone `Europe/Pariss`"),
        "{}",
        d.message
    );
}

#[test]
fn nonexistent_dates() {
    let src = MINIMAL.replace(
        "time_zone = \"Europe/Paris\"",
        "time_zone = \"Europe/Paris\"\nholidays = [\"2026-02-30\"]",
    );
    let d = one_error(&src);
    assert_eq!(d.line, 14);
    assert!(
        d.message.contains("2026-02-30 does not exist"),
        "{}",
        d.message
    );
    // A native TOML date the TOML parser itself rejects is a syntax error, still located.
    let src = MINIMAL.replace(
        "time_zone = \"Europe/Paris\"",
        "time_zone = \"Europe/Paris\"\nholidays = [2026-13-01]",
    );
    let d = one_error(&src);
    assert_eq!(d.line, 14);
}

#[test]
fn syntax_errors_are_all_reported() {
    let e = errors("[program\nname = \"x\"\n[calendar]\ntime_zone = = 1\n");
    assert!(e.len() >= 2, "{e:#?}");
    assert!(e.iter().all(|d| d.message.starts_with("TOML syntax")));
    assert_eq!(e[0].line, 1);
}

const LINES: &str = r#"
[supported]
mode = "lines"
[[supported.lines]]
name = "v0.1"
status = "supported"
fix_window = { after_ga_of = "v0.2", plus = "90 days" }
[[supported.lines]]
name = "v0.2"
status = "planned"
fix_window = { until_ga_of = "v0.1" }
"#;

fn with_lines(lines: &str) -> String {
    MINIMAL.replace("[supported]\nmode = \"latest-only\"\n", lines)
}

#[test]
fn circular_fix_windows_are_one_error() {
    let d = one_error(&with_lines(LINES));
    assert!(
        d.message
            .contains("circular fix-window reference: v0.1 → v0.2 → v0.1"),
        "{}",
        d.message
    );
    assert_eq!(d.line, 21);
}

#[test]
fn unknown_line_reference() {
    let d = one_error(&with_lines(
        &LINES.replace("until_ga_of = \"v0.1\"", "until_ga_of = \"v9\""),
    ));
    assert!(
        d.message.contains("refers to unknown line `v9`"),
        "{}",
        d.message
    );
    assert_eq!(d.line, 25);
}

#[test]
fn email_promising_encryption_without_key() {
    let d = one_error(&MINIMAL.replace(
        "ack = \"72 hours\"",
        "ack = \"72 hours\"\nencryption = \"required\"",
    ));
    assert!(
        d.message
            .contains("promises encryption but has no OpenPGP key"),
        "{}",
        d.message
    );
    assert_eq!(d.line, 11);
}

#[test]
fn impossible_clocks() {
    let e = errors(&MINIMAL.replace("ack = \"72 hours\"", "ack = \"0 hours\"").replace("time_zone = \"Europe/Paris\"", "time_zone = \"Europe/Paris\"\nworking_days = []\nworking_hours = { start = \"17:00\", end = \"09:00\" }"));
    let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(e.len(), 3, "{msgs:#?}");
    assert!(
        msgs.iter().all(|m| m.contains("impossible clock")),
        "{msgs:#?}"
    );
}

#[test]
fn missing_parts() {
    let src = MINIMAL
        .replace("[supported]\nmode = \"latest-only\"\n", "")
        .replace("ack = \"72 hours\"\n", "");
    let e = errors(&src);
    let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("missing required part: [supported]")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("no acknowledgement target")),
        "{msgs:#?}"
    );
    let d = one_error("[program]\nname = \"x\"\nslug = \"x\"\n");
    assert!(
        d.message.contains("missing field `calendar`"),
        "{}",
        d.message
    );
}

#[test]
fn contradictory_scope() {
    let src = format!(
        "{MINIMAL}\n[scope]\nin_scope = [\"api.demo.example\"]\nout_of_scope = [\"API.demo.example\"]\naccepted_categories = [\"third-party\"]\n[[scope.non_qualifying]]\ncategory = \"third-party\"\ndescription = \"x\"\n"
    );
    let e = errors(&src);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e.iter()
            .all(|d| d.message.starts_with("contradictory scope"))
    );
}

#[test]
fn security_txt_expiry_warnings() {
    let src = format!("{MINIMAL}\n[security_txt]\nexpires = 2026-01-10\n");
    let today = date(2025, 12, 20);
    let d = lint(&src, "p.toml", today);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].level, Level::Warning);
    assert!(d[0].message.contains("expires within 30 days"));
    assert_eq!(d[0].line, 22);
    let d = lint(&src, "p.toml", date(2026, 1, 10));
    assert_eq!(d[0].level, Level::Error);
    assert!(lint(&src, "p.toml", date(2025, 11, 1)).is_empty());
    let d = lint(&src, "p.toml", date(2024, 11, 1));
    assert!(d[0].message.contains("more than a year ahead"));
}

#[test]
fn warnings_do_not_fail_parsing() {
    let src = MINIMAL.replace(
        "[safe_harbour]\nstatement = \"Good-faith research is authorised.\"\n",
        "",
    );
    assert!(Policy::from_toml(&src, "p.toml").is_ok());
    let d = lint(&src, "p.toml", date(2025, 1, 1));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].level, Level::Warning);
}

#[test]
fn publish_responsiveness_is_an_optional_strict_boolean() {
    assert!(
        !Policy::from_toml(MINIMAL, "p.toml")
            .unwrap()
            .clocks
            .publish_responsiveness,
        "off by default"
    );
    let on = format!("{MINIMAL}\n[clocks]\npublish_responsiveness = true\n");
    assert!(
        Policy::from_toml(&on, "p.toml")
            .unwrap()
            .clocks
            .publish_responsiveness
    );
    assert!(lint(&on, "p.toml", date(2025, 11, 1)).is_empty());
    // Off is not serialised, so existing JSON renders do not change.
    let json = serde_json::to_string(&Policy::from_toml(MINIMAL, "p.toml").unwrap()).unwrap();
    assert!(!json.contains("publish_responsiveness"));
    let d = one_error(&format!(
        "{MINIMAL}\n[clocks]\npublish_responsiveness = \"yes\"\n"
    ));
    assert_eq!(d.line, 22);
    assert!(d.message.contains("invalid type"), "{}", d.message);
    let d = one_error(&format!(
        "{MINIMAL}\n[clocks]\npublish_responsivness = true\n"
    ));
    assert!(d.message.contains("unknown field"), "{}", d.message);
}

#[test]
fn json_round_trip_keeps_the_policy() {
    let (name, src) = EXAMPLES[3];
    let p = Policy::from_toml(src, name).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"ack\":\"72 hours\""));
    assert!(json.contains("\"critical\":\"30 days\""));
}

proptest! {
    #[test]
    fn parser_never_panics(s in "\\PC{0,200}") {
        let _ = lint(&s, "fuzz.toml", date(2025, 1, 1));
    }

    #[test]
    fn mutated_examples_never_panic(i in 0usize..5, at in 0usize..4000, junk in "[\\[\\]=\"a-z0-9 \\n.-]{0,12}") {
        let src = EXAMPLES[i].1;
        let mut at = at.min(src.len());
        while !src.is_char_boundary(at) { at -= 1; }
        let mutated = format!("{}{}{}", &src[..at], junk, &src[at..]);
        for d in lint(&mutated, "m.toml", date(2025, 1, 1)) {
            prop_assert!(d.line >= 1 && d.column >= 1);
        }
    }
}

#[test]
fn program_packages_must_be_package_urls() {
    let src = MINIMAL.replace(
        "slug = \"demo\"\n",
        "slug = \"demo\"\npackages = [\"pkg:pypi/demo\", \"pypi:demo\"]\n",
    );
    let d = one_error(&src);
    assert!(
        d.message.contains("`pypi:demo` is not a package URL"),
        "{}",
        d.message
    );
    assert_eq!(d.line, 5, "the packages line");
    let ok = MINIMAL.replace(
        "slug = \"demo\"\n",
        "slug = \"demo\"\npackages = [\"pkg:pypi/demo\"]\n",
    );
    let p = Policy::from_toml(&ok, "p.toml").unwrap();
    assert_eq!(p.program.packages, ["pkg:pypi/demo"]);
}
