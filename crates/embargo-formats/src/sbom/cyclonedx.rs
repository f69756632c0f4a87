//! CycloneDX 1.4, 1.5 and 1.6 JSON BOMs (`bom-1.6.schema.json`, <https://cyclonedx.org/docs/1.6/json/>):
//! the components (nested `components` included), their `bom-ref`, version and purl, the
//! dependency graph's references, and `vulnerabilities[]` with an `analysis` (CycloneDX VEX)
//! read as [`VexStatement`]s. Only what a scan needs is modelled; the rest is ignored, as the
//! schema's `additionalProperties: false` is for producers, not for what a reader must keep.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use super::{Component, Format, Sbom, SbomError, VexStatement, VexStatus, check_purl, typed};

/// Spec versions read here. 1.3 and older lack `vulnerabilities` and differ in `tools` and
/// licences; 1.7 is newer than the code.
pub const SUPPORTED: &[&str] = &["1.4", "1.5", "1.6"];

/// Root (`#/properties`): `bomFormat` and `specVersion` are required.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<WireComponent>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
}

/// `#/definitions/metadata`.
#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    component: Option<WireComponent>,
}

/// `#/definitions/component` (`type` and `name` required).
#[derive(Debug, Deserialize)]
struct WireComponent {
    #[serde(rename = "type")]
    #[expect(dead_code, reason = "required by the schema; checked, not used")]
    kind: String,
    name: String,
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    components: Vec<WireComponent>,
}

/// `#/definitions/dependency` (`ref` required, `refLinkType` with `minLength: 1`).
#[derive(Debug, Deserialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn", default)]
    depends_on: Vec<String>,
}

/// `#/definitions/vulnerability`.
#[derive(Debug, Deserialize)]
struct Vulnerability {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    references: Vec<VulnerabilityReference>,
    #[serde(default)]
    analysis: Option<Analysis>,
    #[serde(default)]
    affects: Vec<Affects>,
}

/// `vulnerability.references[]`: the same vulnerability in another source.
#[derive(Debug, Deserialize)]
struct VulnerabilityReference {
    id: String,
}

/// `vulnerability.analysis` (`#/definitions/impactAnalysisState`, `…Justification`).
#[derive(Debug, Deserialize)]
struct Analysis {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    response: Vec<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// `vulnerability.affects[]` (`ref` required: a `bom-ref` or a BOM-Link).
#[derive(Debug, Deserialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
}

const STATES: &[&str] = &[
    "resolved",
    "resolved_with_pedigree",
    "exploitable",
    "in_triage",
    "false_positive",
    "not_affected",
];
const JUSTIFICATIONS: &[&str] = &[
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];
const RESPONSES: &[&str] = &[
    "can_not_fix",
    "will_not_fix",
    "update",
    "rollback",
    "workaround_available",
];

/// The VEX status of an analysis state (CycloneDX 1.6 `impactAnalysisState`): `resolved*`
/// → fixed, `exploitable` → affected, `in_triage` → under investigation, `false_positive`
/// and `not_affected` → not affected.
fn status(state: &str) -> VexStatus {
    match state {
        "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
        "exploitable" => VexStatus::Affected,
        "in_triage" => VexStatus::UnderInvestigation,
        _ => VexStatus::NotAffected,
    }
}

fn one_of(path: &str, value: &str, allowed: &[&str]) -> Result<(), SbomError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(SbomError::at(
            path,
            format!("`{value}` is not one of {}", allowed.join(", ")),
        ))
    }
}

/// Walks a component and its nested `components`, checking purls and `bom-ref` uniqueness
/// (CycloneDX: "Every bom-ref must be unique within the BOM").
fn collect(
    c: &WireComponent,
    path: &str,
    out: &mut Vec<Component>,
    refs: &mut BTreeSet<String>,
) -> Result<(), SbomError> {
    let purl = match &c.purl {
        Some(p) => Some(check_purl(&format!("{path}.purl"), p)?),
        None => None,
    };
    if let Some(r) = &c.bom_ref
        && !refs.insert(r.clone())
    {
        return Err(SbomError::at(
            format!("{path}.bom-ref"),
            format!("duplicate bom-ref `{r}`"),
        ));
    }
    let name = match &c.group {
        // The purl keeps the group; the name alone would be ambiguous in a report.
        Some(g) if !g.is_empty() => format!("{g}:{}", c.name),
        _ => c.name.clone(),
    };
    out.push(Component {
        bom_ref: c.bom_ref.clone(),
        name,
        version: c.version.clone(),
        purl,
    });
    for (i, sub) in c.components.iter().enumerate() {
        collect(sub, &format!("{path}.components[{i}]"), out, refs)?;
    }
    Ok(())
}

/// Reads a CycloneDX JSON BOM.
pub fn parse(text: &str) -> Result<Sbom, SbomError> {
    from_value(serde_json::from_str(text).map_err(|e| SbomError::Json(e.to_string()))?)
}

/// Reads a CycloneDX BOM tree. `bomFormat` must be `CycloneDX` and `specVersion` one of
/// [`SUPPORTED`]; the first problem is reported with its path.
pub fn from_value(value: Value) -> Result<Sbom, SbomError> {
    match value.get("bomFormat") {
        Some(Value::String(s)) if s == "CycloneDX" => {}
        Some(other) => {
            return Err(SbomError::at(
                "bomFormat",
                format!("expected `CycloneDX`, found {other}"),
            ));
        }
        None => return Err(SbomError::at("bomFormat", "missing (required)")),
    }
    let spec_version = match value.get("specVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(SbomError::at(
                "specVersion",
                format!("expected a string, found {other}"),
            ));
        }
        None => return Err(SbomError::at("specVersion", "missing (required)")),
    };
    if !SUPPORTED.contains(&spec_version.as_str()) {
        return Err(SbomError::Unsupported {
            format: "CycloneDX",
            version: spec_version,
            supported: "1.4, 1.5, 1.6",
        });
    }
    let bom: Bom = typed(value)?;

    let mut refs = BTreeSet::new();
    let mut components = Vec::new();
    let mut name = None;
    if let Some(m) = bom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        // The described product itself is not a component of itself; its nested ones are.
        if let Some(p) = &m.purl {
            check_purl("metadata.component.purl", p)?;
        }
        if let Some(r) = &m.bom_ref {
            refs.insert(r.clone());
        }
        name = Some(match &m.version {
            Some(v) => format!("{}@{v}", m.name),
            None => m.name.clone(),
        });
        for (i, sub) in m.components.iter().enumerate() {
            collect(
                sub,
                &format!("metadata.component.components[{i}]"),
                &mut components,
                &mut refs,
            )?;
        }
    }
    for (i, c) in bom.components.iter().enumerate() {
        collect(c, &format!("components[{i}]"), &mut components, &mut refs)?;
    }
    for (i, d) in bom.dependencies.iter().enumerate() {
        if d.reference.is_empty() {
            return Err(SbomError::at(
                format!("dependencies[{i}].ref"),
                "must not be empty",
            ));
        }
        if let Some(j) = d.depends_on.iter().position(String::is_empty) {
            return Err(SbomError::at(
                format!("dependencies[{i}].dependsOn[{j}]"),
                "must not be empty",
            ));
        }
    }

    let by_ref: BTreeMap<&str, &Component> = components
        .iter()
        .filter_map(|c| c.bom_ref.as_deref().map(|r| (r, c)))
        .collect();
    let mut vex = Vec::new();
    for (i, v) in bom.vulnerabilities.iter().enumerate() {
        let Some(a) = &v.analysis else { continue };
        let Some(state) = &a.state else { continue };
        let at = |field: &str| format!("vulnerabilities[{i}].analysis.{field}");
        one_of(&at("state"), state, STATES)?;
        if let Some(j) = &a.justification {
            one_of(&at("justification"), j, JUSTIFICATIONS)?;
        }
        for (k, r) in a.response.iter().enumerate() {
            one_of(&at(&format!("response[{k}]")), r, RESPONSES)?;
        }
        let id = v.id.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
            SbomError::at(
                format!("vulnerabilities[{i}].id"),
                "an analysed vulnerability needs its id",
            )
        })?;
        let aliases: Vec<String> = v
            .references
            .iter()
            .map(|r| r.id.clone())
            .filter(|r| *r != id)
            .collect();
        for (k, x) in v.affects.iter().enumerate() {
            let (component_ref, purl) = match by_ref.get(x.reference.as_str()) {
                Some(c) => (Some(x.reference.clone()), c.purl.clone()),
                // A purl used directly as the reference, or a BOM-Link to another BOM.
                None if x.reference.starts_with("pkg:") => (
                    None,
                    Some(check_purl(
                        &format!("vulnerabilities[{i}].affects[{k}].ref"),
                        &x.reference,
                    )?),
                ),
                None => (Some(x.reference.clone()), None),
            };
            vex.push(VexStatement {
                vulnerability: id.clone(),
                aliases: aliases.clone(),
                component_ref,
                purl,
                status: status(state),
                justification: a.justification.clone(),
                detail: a.detail.clone().filter(|d| !d.trim().is_empty()),
                response: a.response.clone(),
            });
        }
    }

    Ok(Sbom {
        format: Format::CycloneDx,
        spec_version,
        name,
        components,
        vex,
    })
}
