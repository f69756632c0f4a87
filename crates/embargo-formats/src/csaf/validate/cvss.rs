//! The CVSS tests on `/vulnerabilities[]/scores[]/cvss_v2` and `cvss_v3`: §6.1.8 (valid
//! against FIRST's CVSS JSON schemas v2.0 / v3.0 / v3.1), §6.1.9 (scores computed right)
//! and §6.1.10 (properties agree with the vector). Vectors are read and scored by
//! `embargo_domain::cvss` (on the `cvss` crate); nothing here computes a score.

use embargo_domain::cvss::{self as dcvss, Cvss};
use embargo_domain::policy::Severity;
use serde_json::Value;

use super::{Out, arr, text};

/// A property of FIRST's CVSS JSON schema: its name, the vector metric it mirrors, and the
/// schema's enum value for each metric value abbreviation.
type Prop = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const ND: (&str, &str) = ("X", "NOT_DEFINED");
const V2_ND: (&str, &str) = ("ND", "NOT_DEFINED");
const CIA3: &[(&str, &str)] = &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")];
const MCIA3: &[(&str, &str)] = &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH"), ND];
const REQ3: &[(&str, &str)] = &[("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ND];
const AV3: &[(&str, &str)] = &[
    ("N", "NETWORK"),
    ("A", "ADJACENT_NETWORK"),
    ("L", "LOCAL"),
    ("P", "PHYSICAL"),
];
const MAV3: &[(&str, &str)] = &[
    ("N", "NETWORK"),
    ("A", "ADJACENT_NETWORK"),
    ("L", "LOCAL"),
    ("P", "PHYSICAL"),
    ND,
];

/// FIRST `cvss-v3.x.json` (identical property sets for 3.0 and 3.1).
const V3: &[Prop] = &[
    ("attackVector", "AV", AV3),
    ("attackComplexity", "AC", &[("H", "HIGH"), ("L", "LOW")]),
    (
        "privilegesRequired",
        "PR",
        &[("H", "HIGH"), ("L", "LOW"), ("N", "NONE")],
    ),
    ("userInteraction", "UI", &[("N", "NONE"), ("R", "REQUIRED")]),
    ("scope", "S", &[("U", "UNCHANGED"), ("C", "CHANGED")]),
    ("confidentialityImpact", "C", CIA3),
    ("integrityImpact", "I", CIA3),
    ("availabilityImpact", "A", CIA3),
    (
        "exploitCodeMaturity",
        "E",
        &[
            ("U", "UNPROVEN"),
            ("P", "PROOF_OF_CONCEPT"),
            ("F", "FUNCTIONAL"),
            ("H", "HIGH"),
            ND,
        ],
    ),
    (
        "remediationLevel",
        "RL",
        &[
            ("O", "OFFICIAL_FIX"),
            ("T", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
            ND,
        ],
    ),
    (
        "reportConfidence",
        "RC",
        &[
            ("U", "UNKNOWN"),
            ("R", "REASONABLE"),
            ("C", "CONFIRMED"),
            ND,
        ],
    ),
    ("confidentialityRequirement", "CR", REQ3),
    ("integrityRequirement", "IR", REQ3),
    ("availabilityRequirement", "AR", REQ3),
    ("modifiedAttackVector", "MAV", MAV3),
    (
        "modifiedAttackComplexity",
        "MAC",
        &[("H", "HIGH"), ("L", "LOW"), ND],
    ),
    (
        "modifiedPrivilegesRequired",
        "MPR",
        &[("H", "HIGH"), ("L", "LOW"), ("N", "NONE"), ND],
    ),
    (
        "modifiedUserInteraction",
        "MUI",
        &[("N", "NONE"), ("R", "REQUIRED"), ND],
    ),
    (
        "modifiedScope",
        "MS",
        &[("U", "UNCHANGED"), ("C", "CHANGED"), ND],
    ),
    ("modifiedConfidentialityImpact", "MC", MCIA3),
    ("modifiedIntegrityImpact", "MI", MCIA3),
    ("modifiedAvailabilityImpact", "MA", MCIA3),
];

const CIA2: &[(&str, &str)] = &[("N", "NONE"), ("P", "PARTIAL"), ("C", "COMPLETE")];
const REQ2: &[(&str, &str)] = &[("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), V2_ND];

/// FIRST `cvss-v2.0.json`.
const V2: &[Prop] = &[
    (
        "accessVector",
        "AV",
        &[("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL")],
    ),
    (
        "accessComplexity",
        "AC",
        &[("H", "HIGH"), ("M", "MEDIUM"), ("L", "LOW")],
    ),
    (
        "authentication",
        "Au",
        &[("M", "MULTIPLE"), ("S", "SINGLE"), ("N", "NONE")],
    ),
    ("confidentialityImpact", "C", CIA2),
    ("integrityImpact", "I", CIA2),
    ("availabilityImpact", "A", CIA2),
    (
        "exploitability",
        "E",
        &[
            ("U", "UNPROVEN"),
            ("POC", "PROOF_OF_CONCEPT"),
            ("F", "FUNCTIONAL"),
            ("H", "HIGH"),
            V2_ND,
        ],
    ),
    (
        "remediationLevel",
        "RL",
        &[
            ("OF", "OFFICIAL_FIX"),
            ("TF", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
            V2_ND,
        ],
    ),
    (
        "reportConfidence",
        "RC",
        &[
            ("UC", "UNCONFIRMED"),
            ("UR", "UNCORROBORATED"),
            ("C", "CONFIRMED"),
            V2_ND,
        ],
    ),
    (
        "collateralDamagePotential",
        "CDP",
        &[
            ("N", "NONE"),
            ("L", "LOW"),
            ("LM", "LOW_MEDIUM"),
            ("MH", "MEDIUM_HIGH"),
            ("H", "HIGH"),
            V2_ND,
        ],
    ),
    (
        "targetDistribution",
        "TD",
        &[
            ("N", "NONE"),
            ("L", "LOW"),
            ("M", "MEDIUM"),
            ("H", "HIGH"),
            V2_ND,
        ],
    ),
    ("confidentialityRequirement", "CR", REQ2),
    ("integrityRequirement", "IR", REQ2),
    ("availabilityRequirement", "AR", REQ2),
];

const SEVERITIES: &[&str] = &["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

pub(super) fn check(doc: &Value, out: &mut Out) {
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        for (i, score) in arr(vuln, "scores").iter().enumerate() {
            for key in ["cvss_v2", "cvss_v3"] {
                if let Some(obj) = score.get(key) {
                    let path = format!("/vulnerabilities/{v}/scores/{i}/{key}");
                    if let Some(parsed) = schema(obj, key == "cvss_v2", &path, out) {
                        computation(obj, &parsed, &path, out);
                        consistency(obj, &parsed, key == "cvss_v2", &path, out);
                    }
                }
            }
        }
    }
}

/// §6.1.8: what the FIRST schema requires: the required properties, `version` matching the
/// vector's, a well-formed vector, schema enum values, scores in 0–10. Returns the scored
/// vector when the object is valid, for §6.1.9 and §6.1.10.
fn schema(obj: &Value, v2: bool, path: &str, out: &mut Out) -> Option<Cvss> {
    let mut fail = |at: String, msg: String| out.fail("6.1.8", at, msg);
    let Some(o) = obj.as_object() else {
        fail(
            path.to_owned(),
            "the CVSS object is not a JSON object".to_owned(),
        );
        return None;
    };
    let mut ok = true;
    let required: &[&str] = if v2 {
        &["version", "vectorString", "baseScore"]
    } else {
        &["version", "vectorString", "baseScore", "baseSeverity"]
    };
    for r in required {
        if !o.contains_key(*r) {
            fail(
                path.to_owned(),
                format!("the required property `{r}` is missing"),
            );
            ok = false;
        }
    }
    let (props, allowed_versions): (&[Prop], &[&str]) = if v2 {
        (V2, &["2.0"])
    } else {
        (V3, &["3.0", "3.1"])
    };
    let version = text(obj, "version");
    if let Some(ver) = o.get("version")
        && !ver.as_str().is_some_and(|s| allowed_versions.contains(&s))
    {
        fail(
            format!("{path}/version"),
            format!("`version` must be one of {allowed_versions:?}, not {ver}"),
        );
        ok = false;
    }
    let mut parsed = None;
    if let Some(vs) = o.get("vectorString") {
        match vs.as_str() {
            None => {
                fail(
                    format!("{path}/vectorString"),
                    "`vectorString` is not a string".to_owned(),
                );
                ok = false;
            }
            Some(s) => {
                let r = if v2 {
                    if s.starts_with("CVSS:") {
                        Err(format!("`{s}` is not a CVSS v2 vector"))
                    } else {
                        dcvss::parse_v2(s).map_err(|e| e.to_string())
                    }
                } else {
                    dcvss::parse(s).map_err(|e| e.to_string())
                };
                match r {
                    Ok(c) if !v2 && version.is_some_and(|ver| ver != c.version.as_str()) => {
                        fail(
                            format!("{path}/vectorString"),
                            format!(
                                "the vector is CVSS {} but `version` is {}",
                                c.version,
                                version.unwrap_or_default()
                            ),
                        );
                        ok = false;
                    }
                    Ok(c) if !v2 && c.version == dcvss::Version::V4_0 => {
                        fail(
                            format!("{path}/vectorString"),
                            "a CVSS 4.0 vector has no place in cvss_v3".to_owned(),
                        );
                        ok = false;
                    }
                    Ok(c) => parsed = Some(c),
                    Err(e) => {
                        fail(
                            format!("{path}/vectorString"),
                            format!("invalid vector: {e}"),
                        );
                        ok = false;
                    }
                }
            }
        }
    }
    for (name, _, values) in props {
        if let Some(x) = o.get(*name)
            && !x
                .as_str()
                .is_some_and(|s| values.iter().any(|(_, j)| *j == s))
        {
            let allowed: Vec<&str> = values.iter().map(|(_, j)| *j).collect();
            fail(
                format!("{path}/{name}"),
                format!("{x} is not one of {allowed:?}"),
            );
            ok = false;
        }
    }
    for key in ["baseScore", "temporalScore", "environmentalScore"] {
        if let Some(x) = o.get(key)
            && !x.as_f64().is_some_and(|n| (0.0..=10.0).contains(&n))
        {
            fail(
                format!("{path}/{key}"),
                format!("{x} is not a score from 0 to 10"),
            );
            ok = false;
        }
    }
    if !v2 {
        for key in ["baseSeverity", "temporalSeverity", "environmentalSeverity"] {
            if let Some(x) = o.get(key)
                && !x.as_str().is_some_and(|s| SEVERITIES.contains(&s))
            {
                fail(
                    format!("{path}/{key}"),
                    format!("{x} is not one of {SEVERITIES:?}"),
                );
                ok = false;
            }
        }
    }
    if ok { parsed } else { None }
}

fn severity_name(s: Option<Severity>) -> &'static str {
    match s {
        None => "NONE",
        Some(Severity::Low) => "LOW",
        Some(Severity::Medium) => "MEDIUM",
        Some(Severity::High) => "HIGH",
        Some(Severity::Critical) => "CRITICAL",
    }
}

/// §6.1.9: the scores and severities given equal those computed from the vector. Without
/// temporal (environmental) metrics in the vector, those are all "not defined" and the
/// temporal (environmental) score equals the base score.
fn computation(obj: &Value, c: &Cvss, path: &str, out: &mut Out) {
    let other = |label: &str| {
        c.other_scores
            .iter()
            .find(|s| s.label == label)
            .map_or((c.base_score, c.severity), |s| (s.score, s.severity))
    };
    let expected = [
        ("baseScore", "baseSeverity", (c.base_score, c.severity)),
        ("temporalScore", "temporalSeverity", other("Temporal")),
        (
            "environmentalScore",
            "environmentalSeverity",
            other("Environmental"),
        ),
    ];
    for (score_key, sev_key, (score, sev)) in expected {
        if let Some(given) = obj.get(score_key).and_then(Value::as_f64)
            && (given - score).abs() > 0.001
        {
            out.fail(
                "6.1.9",
                format!("{path}/{score_key}"),
                format!(
                    "`{score_key}` is {given} but the vector `{}` scores {score:.1}",
                    c.vector
                ),
            );
        }
        if let Some(given) = text(obj, sev_key) {
            let want = severity_name(sev);
            if given != want {
                out.fail(
                    "6.1.9",
                    format!("{path}/{sev_key}"),
                    format!(
                        "`{sev_key}` is {given} but the vector `{}` rates {want}",
                        c.vector
                    ),
                );
            }
        }
    }
}

/// §6.1.10: every metric property agrees with the vector (a metric missing from the vector
/// is `NOT_DEFINED`).
fn consistency(obj: &Value, c: &Cvss, v2: bool, path: &str, out: &mut Out) {
    let vector = c
        .vector
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(&c.vector);
    let given: Vec<(&str, &str)> = vector
        .split('/')
        .filter(|p| !p.starts_with("CVSS:"))
        .filter_map(|p| p.split_once(':'))
        .collect();
    let props = if v2 { V2 } else { V3 };
    for (name, code, values) in props {
        let Some(actual) = text(obj, name) else {
            continue;
        };
        let abbr = given
            .iter()
            .find(|(k, _)| k == code)
            .map_or(if v2 { "ND" } else { "X" }, |(_, v)| *v);
        let want = values.iter().find(|(a, _)| *a == abbr).map(|(_, j)| *j);
        if want != Some(actual) {
            out.fail(
                "6.1.10",
                format!("{path}/{name}"),
                format!(
                    "`{name}` is {actual} but the vector says {code}:{abbr} ({})",
                    want.unwrap_or("no such value")
                ),
            );
        }
    }
}
