//! Tests of CVSS validation and scoring: the bad inputs named by the issue, the examples of
//! the CVSS v4.0 specification §7, known scores, and property tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::tables::{MetricDef, V3, V4};
use super::*;

const V31_CRIT: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V40_CRIT: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

fn err(v: &str) -> CvssError {
    parse(v).unwrap_err()
}

#[test]
fn known_scores() {
    let c = parse(V31_CRIT).unwrap();
    assert_eq!(
        (c.version, c.base_score, c.severity),
        (Version::V3_1, 9.8, Some(Severity::Critical))
    );
    assert_eq!(c.vector, V31_CRIT);
    assert_eq!(c.metrics.len(), 8);
    assert_eq!(
        (c.metrics[0].code, c.metrics[0].value_name),
        ("AV", "Network")
    );
    let c = parse(V40_CRIT).unwrap();
    assert_eq!(
        (c.version, c.base_score, c.severity),
        (Version::V4_0, 9.3, Some(Severity::Critical))
    );
    assert!(c.other_scores.is_empty());
    // CVSS 3.0 differs from 3.1 only in rounding; this one is the same.
    let c = parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H").unwrap();
    assert_eq!((c.version, c.base_score), (Version::V3_0, 9.6));
    // Scope changed, low impacts: 6.1 Medium (the classic reflected XSS).
    let c = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N").unwrap();
    assert_eq!((c.base_score, c.severity), (6.1, Some(Severity::Medium)));
    // No impact at all: 0.0 is CVSS "None", which is no band.
    let c = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").unwrap();
    assert_eq!((c.base_score, c.severity), (0.0, None));
    let c = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N").unwrap();
    assert_eq!((c.base_score, c.severity), (0.0, None));
}

#[test]
fn v3_accepts_any_order_and_normalises_it() {
    // FIRST CVSS v3.1 §6: "Programs reading CVSS v3.1 vector strings must accept metrics in
    // any order".
    let c = parse("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N").unwrap();
    assert_eq!(c.vector, V31_CRIT);
    assert_eq!(c.base_score, 9.8);
    let c = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/MAV:L/CR:H").unwrap();
    assert_eq!(
        c.vector,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L"
    );
    let labels: Vec<&str> = c.other_scores.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["Temporal", "Environmental"]);
    assert_eq!(c.other_scores[0].score, 8.8);
}

#[test]
fn v4_specification_examples() {
    // CVSS v4.0 specification §7: the valid examples.
    for (v, nomenclature) in [
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
            None,
        ),
        (
            "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:P",
            Some("CVSS-BT"),
        ),
        (
            "CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:A/VC:N/VI:N/VA:L/SC:H/SI:H/SA:H/CR:H/IR:H/AR:M/MAV:N/MAC:L/MAT:P/MPR:L/MUI:A/MVC:N/MVI:H/MVA:L/MSC:L/MSI:S/MSA:H",
            Some("CVSS-BE"),
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:A/S:P/AU:Y/R:A/V:D/RE:L/U:Red",
            Some("CVSS-BT"),
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U/CR:L/IR:X/AR:L/MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/S:N/AU:N/R:I/V:C/RE:H/U:Green",
            Some("CVSS-BTE"),
        ),
    ] {
        let c = parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(c.vector, v, "already canonical");
        assert_eq!(
            c.other_scores.first().map(|s| s.label.as_str()),
            nomenclature
        );
    }
    // The invalid examples, each with its reason.
    let e = err("CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N");
    assert_eq!(
        e.to_string(),
        "metric 1: `AV:F` is not valid; Attack Vector (AV) takes N (Network), A (Adjacent), \
         L (Local) or P (Physical)"
    );
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X");
    assert_eq!(
        e.to_string(),
        "E appears twice (metrics 12 and 13); a vector must not include the same metric more \
         than once"
    );
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N");
    assert_eq!(
        e.to_string(),
        "metric 5: abbreviations are case-sensitive; write `UI`, not `ui`"
    );
    let e = err("AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N");
    assert_eq!(
        e,
        CvssError::MissingPrefix {
            looks_like_v2: false
        }
    );
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N");
    assert_eq!(
        e.to_string(),
        "the vector is incomplete: CVSS:4.0 needs every base metric; missing VA (Vulnerable \
         System Availability: H, L, N)"
    );
    let e = err(
        "CVSS:4.0/AC:L/AV:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/CR:L/IR:X/AR:L/RE:H/MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/AT:N/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/E:U/S:N/AU:N/R:I/V:C/U:Green",
    );
    assert!(
        e.to_string()
            .starts_with("metric 2: AV must come before AC; CVSS 4.0 requires the metrics in the order AV, AC, AT, PR,"),
        "{e}"
    );
    assert_eq!(e.position(), Some(2));
}

#[test]
fn issue_bad_inputs() {
    // Incomplete.
    let e = err("CVSS:3.1/AV:N");
    assert_eq!(
        e.to_string(),
        "the vector is incomplete: CVSS:3.1 needs every base metric; missing AC (Attack \
         Complexity: L, H), PR (Privileges Required: N, L, H), UI (User Interaction: N, R), \
         S (Scope: U, C), C (Confidentiality: H, L, N), I (Integrity: H, L, N), A \
         (Availability: H, L, N)"
    );
    assert!(matches!(err("CVSS:3.1"), CvssError::MissingMetrics { .. }));
    // Repeated, even with the same value.
    let e = err("CVSS:3.1/AV:N/AC:L/AV:N/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(
        e,
        CvssError::RepeatedMetric {
            metric: "AV",
            first: 1,
            second: 3
        }
    );
    // Wrong order where order matters (4.0).
    let e = err("CVSS:4.0/AV:N/AC:L/PR:N/AT:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert!(matches!(
        e,
        CvssError::WrongOrder {
            position: 4,
            metric: "AT",
            after: "PR",
            ..
        }
    ));
    // A v4 metric in a v3 vector.
    let e = err("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(
        e.to_string(),
        "AT is a CVSS 4.0 metric; in CVSS:3.1 the metrics are AV, AC, PR, UI, S, C, I, A, and \
         optionally E, RL, RC, CR, IR, AR, MAV, MAC, MPR, MUI, MS, MC, MI, MA"
    );
    assert_eq!(e.position(), Some(3));
    // A v3 metric in a v4 vector.
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/RL:O");
    assert!(
        e.to_string()
            .starts_with("RL is a CVSS 3.1 metric; in CVSS:4.0"),
        "{e}"
    );
    // A v2 metric in a v3 vector.
    let e = err("CVSS:3.1/AV:N/AC:L/Au:N/UI:N/S:U/C:H/I:H/A:H");
    assert!(e.to_string().starts_with("Au is a CVSS 2.0 metric"), "{e}");
}

#[test]
fn other_errors_say_what_and_where() {
    let cases: &[(&str, &str)] = &[
        ("", "the CVSS vector is empty"),
        ("   ", "the CVSS vector is empty"),
        (
            "CVSS:3.1/AV:N /AC:L",
            "the CVSS vector contains a blank at character 14; write it without spaces",
        ),
        (
            "cvss:3.1/AV:N",
            "write the prefix in capitals: `CVSS:3.1`, not `cvss:3.1`",
        ),
        (
            "CVSS3.1/AV:N",
            "a CVSS vector starts with `CVSS:3.1/` or `CVSS:4.0/`, not `CVSS3.1`",
        ),
        (
            "CVSS:5.0/AV:N",
            "CVSS version `5.0` is not supported; use CVSS:3.1 or CVSS:4.0 (CVSS:3.0 is also read)",
        ),
        (
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "the vector has no `CVSS:3.1/` or `CVSS:4.0/` prefix; it looks like a CVSS v2 \
             vector, which is not accepted: score it in CVSS 3.1 or 4.0",
        ),
        (
            "CVSS:3.1/AV:N//AC:L",
            "metric 2 is empty (a doubled or trailing `/`)",
        ),
        (
            "CVSS:3.1/AV:N/AC",
            "metric 2 `AC` is not of the form NAME:VALUE (like `AV:N`)",
        ),
        (
            "CVSS:3.1/AV:N:L",
            "metric 1 `AV:N:L` is not of the form NAME:VALUE (like `AV:N`)",
        ),
        (
            "CVSS:3.1/AV:n",
            "metric 1: values are case-sensitive; write `AV:N`, not `AV:n`",
        ),
        (
            "CVSS:3.1/UI:P",
            "metric 1: `UI:P` is not valid; User Interaction (UI) takes N (None) or R (Required)",
        ),
        (
            "CVSS:3.1/XX:N",
            "metric 1: `XX` is not a CVSS metric; in CVSS:3.1 the metrics are AV, AC, PR, UI, S, \
             C, I, A, and optionally E, RL, RC, CR, IR, AR, MAV, MAC, MPR, MUI, MS, MC, MI, MA",
        ),
    ];
    for (v, msg) in cases {
        assert_eq!(err(v).to_string(), *msg, "{v:?}");
    }
    let long = format!("{V31_CRIT}/{}", "E:X/".repeat(80));
    assert!(matches!(err(&long), CvssError::TooLong { .. }));
    // Surrounding blanks are forgiven.
    assert_eq!(parse(&format!("  {V31_CRIT}\n")).unwrap().base_score, 9.8);
    // v4 Provider Urgency values are capitalised words.
    let e = err(&format!("{V40_CRIT}/U:RED"));
    assert_eq!(
        e.to_string(),
        "metric 12: values are case-sensitive; write `U:Red`, not `U:RED`"
    );
}

#[test]
fn v2_only_when_asked() {
    let v2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P";
    assert!(matches!(
        parse(v2),
        Err(CvssError::MissingPrefix {
            looks_like_v2: true
        })
    ));
    let c = parse_v2(v2).unwrap();
    assert_eq!(
        (c.version, c.base_score, c.severity),
        (Version::V2_0, 7.5, Some(Severity::High))
    );
    assert_eq!(parse_v2(&format!("({v2})")).unwrap().vector, v2);
    assert_eq!(parse_v2(V31_CRIT).unwrap().version, Version::V3_1);
    let e = parse_v2("AV:N/AC:L/Au:N/C:P/I:P").unwrap_err();
    assert!(
        e.to_string()
            .contains("missing A (Availability Impact: N, P, C)"),
        "{e}"
    );
    assert!(parse_v2("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C").is_ok());
}

#[test]
fn policy_accepted_versions() {
    let policy = SeverityPolicy {
        cvss_accepted: vec![CvssVersion::V3_1, CvssVersion::V4_0],
        ..SeverityPolicy::default()
    };
    assert!(check_against_policy(&parse(V31_CRIT).unwrap(), &policy).is_ok());
    assert!(check_against_policy(&parse(V40_CRIT).unwrap(), &policy).is_ok());
    let v30 = parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
    let e = check_against_policy(&v30, &policy).unwrap_err();
    assert_eq!(
        e.to_string(),
        "this program accepts CVSS 3.1 or 4.0 vectors; this one is CVSS 3.0"
    );
    assert!(check_against_policy(&v30, &SeverityPolicy::default()).is_ok());
    let v2 = parse_v2("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
    assert!(check_against_policy(&v2, &SeverityPolicy::default()).is_err());
}

#[test]
fn json_shape() {
    let j = serde_json::to_value(parse(V31_CRIT).unwrap()).unwrap();
    assert_eq!(j["version"], "3.1");
    assert_eq!(j["base_score"], 9.8);
    assert_eq!(j["severity"], "critical");
    assert_eq!(j["metrics"][0]["group"], "base");
}

/// A strategy for well-formed vectors of a version: every base metric, some optional ones,
/// each with a legal value, in table order.
fn valid_vector(prefix: &'static str, table: &'static [MetricDef]) -> BoxedStrategy<String> {
    let parts: Vec<BoxedStrategy<Option<String>>> = table
        .iter()
        .map(|d| {
            let values: Vec<String> = d
                .values
                .iter()
                .map(|(c, _)| format!("{}:{c}", d.code))
                .collect();
            let pick = proptest::sample::select(values);
            if d.group == MetricGroup::Base {
                pick.prop_map(Some).boxed()
            } else {
                proptest::option::of(pick).boxed()
            }
        })
        .collect();
    parts
        .prop_map(move |ps| {
            let mut s = String::from(prefix);
            for p in ps.into_iter().flatten() {
                s.push('/');
                s.push_str(&p);
            }
            s
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(s in "\\PC{0,300}") {
        let _ = parse(&s);
        let _ = parse_v2(&s);
    }

    #[test]
    fn parse_never_panics_on_vector_like_input(
        s in "(CVSS:(3\\.[01]|4\\.0)/)?([A-Za-z]{1,3}:[A-Za-z]{1,5}/){0,14}[A-Z]{1,3}:[A-Z]{1,2}"
    ) {
        let _ = parse(&s);
        let _ = parse_v2(&s);
    }

    #[test]
    fn valid_v31_vectors_score_and_round_trip(v in valid_vector("CVSS:3.1", V3)) {
        let c = parse(&v).unwrap();
        prop_assert_eq!(&c.vector, &v);
        prop_assert!((0.0..=10.0).contains(&c.base_score));
        prop_assert_eq!(c.severity.is_none(), c.base_score == 0.0);
        prop_assert_eq!(parse(&c.vector).unwrap(), c);
    }

    #[test]
    fn valid_v40_vectors_score_and_round_trip(v in valid_vector("CVSS:4.0", V4)) {
        let c = parse(&v).unwrap();
        prop_assert_eq!(&c.vector, &v);
        prop_assert!((0.0..=10.0).contains(&c.base_score));
        for s in &c.other_scores {
            prop_assert!((0.0..=10.0).contains(&s.score));
        }
    }

    #[test]
    fn v31_order_does_not_matter(v in valid_vector("CVSS:3.1", V3), seed in any::<u64>()) {
        let mut parts: Vec<&str> = v.split('/').skip(1).collect();
        // A deterministic shuffle from the seed.
        let n = parts.len();
        for i in (1..n).rev() {
            let j = usize::try_from(seed.rotate_left(u32::try_from(i).unwrap()) % (i as u64 + 1)).unwrap();
            parts.swap(i, j);
        }
        let shuffled = format!("CVSS:3.1/{}", parts.join("/"));
        prop_assert_eq!(parse(&shuffled).unwrap().vector, v);
    }
}
