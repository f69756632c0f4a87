//! The metric tables of each CVSS version, in the order the specifications list them:
//! FIRST CVSS v3.1 specification §6 Table 15 (v3.0 §6 has the same metrics), CVSS v4.0
//! specification §7 Table 23, and the CVSS v2.0 guide §2.4 Table 13.

use serde::Serialize;

/// The group a metric belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricGroup {
    /// Base metrics: mandatory in every vector.
    Base,
    /// CVSS v2/v3 temporal metrics.
    Temporal,
    /// CVSS v4 threat metrics.
    Threat,
    /// Environmental metrics.
    Environmental,
    /// CVSS v4 supplemental metrics (do not change the score).
    Supplemental,
}

/// One metric: its abbreviation, name, group and allowed values (abbreviation, name).
#[derive(Debug)]
pub(super) struct MetricDef {
    pub code: &'static str,
    pub name: &'static str,
    pub group: MetricGroup,
    pub values: &'static [(&'static str, &'static str)],
}

use MetricGroup::{Base, Environmental, Supplemental, Temporal, Threat};

const fn m(
    code: &'static str,
    name: &'static str,
    group: MetricGroup,
    values: &'static [(&'static str, &'static str)],
) -> MetricDef {
    MetricDef {
        code,
        name,
        group,
        values,
    }
}

const AV: &[(&str, &str)] = &[
    ("N", "Network"),
    ("A", "Adjacent"),
    ("L", "Local"),
    ("P", "Physical"),
];
const LH: &[(&str, &str)] = &[("L", "Low"), ("H", "High")];
const NLH: &[(&str, &str)] = &[("N", "None"), ("L", "Low"), ("H", "High")];
const HLN: &[(&str, &str)] = &[("H", "High"), ("L", "Low"), ("N", "None")];
const REQ: &[(&str, &str)] = &[
    ("X", "Not Defined"),
    ("H", "High"),
    ("M", "Medium"),
    ("L", "Low"),
];
const M_AV: &[(&str, &str)] = &[
    ("X", "Not Defined"),
    ("N", "Network"),
    ("A", "Adjacent"),
    ("L", "Local"),
    ("P", "Physical"),
];
const M_LH: &[(&str, &str)] = &[("X", "Not Defined"), ("L", "Low"), ("H", "High")];
const M_NLH: &[(&str, &str)] = &[
    ("X", "Not Defined"),
    ("N", "None"),
    ("L", "Low"),
    ("H", "High"),
];

/// CVSS v3.0 and v3.1, §6 Table 15.
pub(super) const V3: &[MetricDef] = &[
    m("AV", "Attack Vector", Base, AV),
    m("AC", "Attack Complexity", Base, LH),
    m("PR", "Privileges Required", Base, NLH),
    m(
        "UI",
        "User Interaction",
        Base,
        &[("N", "None"), ("R", "Required")],
    ),
    m("S", "Scope", Base, &[("U", "Unchanged"), ("C", "Changed")]),
    m("C", "Confidentiality", Base, HLN),
    m("I", "Integrity", Base, HLN),
    m("A", "Availability", Base, HLN),
    m(
        "E",
        "Exploit Code Maturity",
        Temporal,
        &[
            ("X", "Not Defined"),
            ("H", "High"),
            ("F", "Functional"),
            ("P", "Proof-of-Concept"),
            ("U", "Unproven"),
        ],
    ),
    m(
        "RL",
        "Remediation Level",
        Temporal,
        &[
            ("X", "Not Defined"),
            ("U", "Unavailable"),
            ("W", "Workaround"),
            ("T", "Temporary Fix"),
            ("O", "Official Fix"),
        ],
    ),
    m(
        "RC",
        "Report Confidence",
        Temporal,
        &[
            ("X", "Not Defined"),
            ("C", "Confirmed"),
            ("R", "Reasonable"),
            ("U", "Unknown"),
        ],
    ),
    m("CR", "Confidentiality Requirement", Environmental, REQ),
    m("IR", "Integrity Requirement", Environmental, REQ),
    m("AR", "Availability Requirement", Environmental, REQ),
    m("MAV", "Modified Attack Vector", Environmental, M_AV),
    m("MAC", "Modified Attack Complexity", Environmental, M_LH),
    m("MPR", "Modified Privileges Required", Environmental, M_NLH),
    m(
        "MUI",
        "Modified User Interaction",
        Environmental,
        &[("X", "Not Defined"), ("N", "None"), ("R", "Required")],
    ),
    m(
        "MS",
        "Modified Scope",
        Environmental,
        &[("X", "Not Defined"), ("U", "Unchanged"), ("C", "Changed")],
    ),
    m("MC", "Modified Confidentiality", Environmental, M_NLH),
    m("MI", "Modified Integrity", Environmental, M_NLH),
    m("MA", "Modified Availability", Environmental, M_NLH),
];

/// CVSS v4.0, §7 Table 23 (this order is mandatory).
pub(super) const V4: &[MetricDef] = &[
    m("AV", "Attack Vector", Base, AV),
    m("AC", "Attack Complexity", Base, LH),
    m(
        "AT",
        "Attack Requirements",
        Base,
        &[("N", "None"), ("P", "Present")],
    ),
    m("PR", "Privileges Required", Base, NLH),
    m(
        "UI",
        "User Interaction",
        Base,
        &[("N", "None"), ("P", "Passive"), ("A", "Active")],
    ),
    m("VC", "Vulnerable System Confidentiality", Base, HLN),
    m("VI", "Vulnerable System Integrity", Base, HLN),
    m("VA", "Vulnerable System Availability", Base, HLN),
    m("SC", "Subsequent System Confidentiality", Base, HLN),
    m("SI", "Subsequent System Integrity", Base, HLN),
    m("SA", "Subsequent System Availability", Base, HLN),
    m(
        "E",
        "Exploit Maturity",
        Threat,
        &[
            ("X", "Not Defined"),
            ("A", "Attacked"),
            ("P", "POC"),
            ("U", "Unreported"),
        ],
    ),
    m("CR", "Confidentiality Requirement", Environmental, REQ),
    m("IR", "Integrity Requirement", Environmental, REQ),
    m("AR", "Availability Requirement", Environmental, REQ),
    m("MAV", "Modified Attack Vector", Environmental, M_AV),
    m("MAC", "Modified Attack Complexity", Environmental, M_LH),
    m(
        "MAT",
        "Modified Attack Requirements",
        Environmental,
        &[("X", "Not Defined"), ("N", "None"), ("P", "Present")],
    ),
    m("MPR", "Modified Privileges Required", Environmental, M_NLH),
    m(
        "MUI",
        "Modified User Interaction",
        Environmental,
        &[
            ("X", "Not Defined"),
            ("N", "None"),
            ("P", "Passive"),
            ("A", "Active"),
        ],
    ),
    m(
        "MVC",
        "Modified Vulnerable System Confidentiality",
        Environmental,
        M_NLH,
    ),
    m(
        "MVI",
        "Modified Vulnerable System Integrity",
        Environmental,
        M_NLH,
    ),
    m(
        "MVA",
        "Modified Vulnerable System Availability",
        Environmental,
        M_NLH,
    ),
    m(
        "MSC",
        "Modified Subsequent System Confidentiality",
        Environmental,
        M_NLH,
    ),
    m(
        "MSI",
        "Modified Subsequent System Integrity",
        Environmental,
        &[
            ("X", "Not Defined"),
            ("N", "None"),
            ("L", "Low"),
            ("H", "High"),
            ("S", "Safety"),
        ],
    ),
    m(
        "MSA",
        "Modified Subsequent System Availability",
        Environmental,
        &[
            ("X", "Not Defined"),
            ("N", "None"),
            ("L", "Low"),
            ("H", "High"),
            ("S", "Safety"),
        ],
    ),
    m(
        "S",
        "Safety",
        Supplemental,
        &[("X", "Not Defined"), ("N", "Negligible"), ("P", "Present")],
    ),
    m(
        "AU",
        "Automatable",
        Supplemental,
        &[("X", "Not Defined"), ("N", "No"), ("Y", "Yes")],
    ),
    m(
        "R",
        "Recovery",
        Supplemental,
        &[
            ("X", "Not Defined"),
            ("A", "Automatic"),
            ("U", "User"),
            ("I", "Irrecoverable"),
        ],
    ),
    m(
        "V",
        "Value Density",
        Supplemental,
        &[
            ("X", "Not Defined"),
            ("D", "Diffuse"),
            ("C", "Concentrated"),
        ],
    ),
    m(
        "RE",
        "Vulnerability Response Effort",
        Supplemental,
        &[
            ("X", "Not Defined"),
            ("L", "Low"),
            ("M", "Moderate"),
            ("H", "High"),
        ],
    ),
    m(
        "U",
        "Provider Urgency",
        Supplemental,
        &[
            ("X", "Not Defined"),
            ("Clear", "Clear"),
            ("Green", "Green"),
            ("Amber", "Amber"),
            ("Red", "Red"),
        ],
    ),
];

const V2_CIA: &[(&str, &str)] = &[("N", "None"), ("P", "Partial"), ("C", "Complete")];
const V2_REQ: &[(&str, &str)] = &[
    ("L", "Low"),
    ("M", "Medium"),
    ("H", "High"),
    ("ND", "Not Defined"),
];

/// CVSS v2.0, guide §2.4 Table 13 (prefix-less; only through `parse_v2`).
pub(super) const V2: &[MetricDef] = &[
    m(
        "AV",
        "Access Vector",
        Base,
        &[("L", "Local"), ("A", "Adjacent Network"), ("N", "Network")],
    ),
    m(
        "AC",
        "Access Complexity",
        Base,
        &[("H", "High"), ("M", "Medium"), ("L", "Low")],
    ),
    m(
        "Au",
        "Authentication",
        Base,
        &[("M", "Multiple"), ("S", "Single"), ("N", "None")],
    ),
    m("C", "Confidentiality Impact", Base, V2_CIA),
    m("I", "Integrity Impact", Base, V2_CIA),
    m("A", "Availability Impact", Base, V2_CIA),
    m(
        "E",
        "Exploitability",
        Temporal,
        &[
            ("U", "Unproven"),
            ("POC", "Proof-of-Concept"),
            ("F", "Functional"),
            ("H", "High"),
            ("ND", "Not Defined"),
        ],
    ),
    m(
        "RL",
        "Remediation Level",
        Temporal,
        &[
            ("OF", "Official Fix"),
            ("TF", "Temporary Fix"),
            ("W", "Workaround"),
            ("U", "Unavailable"),
            ("ND", "Not Defined"),
        ],
    ),
    m(
        "RC",
        "Report Confidence",
        Temporal,
        &[
            ("UC", "Unconfirmed"),
            ("UR", "Uncorroborated"),
            ("C", "Confirmed"),
            ("ND", "Not Defined"),
        ],
    ),
    m(
        "CDP",
        "Collateral Damage Potential",
        Environmental,
        &[
            ("N", "None"),
            ("L", "Low"),
            ("LM", "Low-Medium"),
            ("MH", "Medium-High"),
            ("H", "High"),
            ("ND", "Not Defined"),
        ],
    ),
    m(
        "TD",
        "Target Distribution",
        Environmental,
        &[
            ("N", "None"),
            ("L", "Low"),
            ("M", "Medium"),
            ("H", "High"),
            ("ND", "Not Defined"),
        ],
    ),
    m("CR", "Confidentiality Requirement", Environmental, V2_REQ),
    m("IR", "Integrity Requirement", Environmental, V2_REQ),
    m("AR", "Availability Requirement", Environmental, V2_REQ),
];
