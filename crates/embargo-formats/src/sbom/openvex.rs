//! OpenVEX 0.2.0 documents (<https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md>):
//! statements of a vulnerability's status in products and their subcomponents, read as
//! [`VexStatement`]s — one per subcomponent when a product lists them (a statement about
//! `pkg:oci/app` with subcomponent `pkg:golang/x/net` speaks of x/net inside the app, which is
//! what an SBOM scan matches), else one for the product.

use serde::Deserialize;
use serde_json::Value;

use super::{Format, Sbom, SbomError, VexStatement, VexStatus, check_purl, typed};

/// The `@context` of the version read here.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// Spec §"Document".
#[derive(Debug, Deserialize)]
struct Document {
    #[serde(rename = "@id")]
    id: String,
    #[expect(dead_code, reason = "required by the spec; checked, not used")]
    author: String,
    #[expect(dead_code, reason = "required by the spec; checked, not used")]
    timestamp: String,
    #[expect(dead_code, reason = "required by the spec; checked, not used")]
    version: u64,
    #[serde(default)]
    statements: Vec<Statement>,
}

/// Spec §"Statement".
#[derive(Debug, Deserialize)]
struct Statement {
    vulnerability: Vulnerability,
    #[serde(default)]
    products: Vec<Product>,
    status: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    impact_statement: Option<String>,
    #[serde(default)]
    action_statement: Option<String>,
    #[serde(default)]
    status_notes: Option<String>,
}

/// Spec §"Vulnerability" (`name` required since 0.2.0).
#[derive(Debug, Deserialize)]
struct Vulnerability {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// Spec §"Product" / §"Subcomponent": an IRI `@id` (a purl for packages) and optional
/// `identifiers` (`purl`, `cpe22`, `cpe23`).
#[derive(Debug, Deserialize)]
struct Product {
    #[serde(rename = "@id", default)]
    id: Option<String>,
    #[serde(default)]
    identifiers: Option<Identifiers>,
    #[serde(default)]
    subcomponents: Vec<Product>,
}

#[derive(Debug, Deserialize)]
struct Identifiers {
    #[serde(default)]
    purl: Option<String>,
}

/// Spec §"Status Justifications".
const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// Reads an OpenVEX 0.2.0 document.
pub fn parse(text: &str) -> Result<Sbom, SbomError> {
    from_value(serde_json::from_str(text).map_err(|e| SbomError::Json(e.to_string()))?)
}

/// The component reference and purl of a product or subcomponent at `path`.
fn product_ids(p: &Product, path: &str) -> Result<(Option<String>, Option<String>), SbomError> {
    let from_identifiers = p.identifiers.as_ref().and_then(|i| i.purl.as_deref());
    let purl = match (p.id.as_deref(), from_identifiers) {
        (Some(id), _) if id.starts_with("pkg:") => Some(check_purl(&format!("{path}.@id"), id)?),
        (_, Some(purl)) => Some(check_purl(&format!("{path}.identifiers.purl"), purl)?),
        _ => None,
    };
    if p.id.is_none() && purl.is_none() {
        return Err(SbomError::at(
            path,
            "a product needs an `@id` or an `identifiers.purl`",
        ));
    }
    Ok((p.id.clone().filter(|id| !id.starts_with("pkg:")), purl))
}

/// Reads an OpenVEX document tree: `@context` must be [`CONTEXT`]; each statement is checked
/// against the spec's rules (a `not_affected` statement MUST have a `justification` or an
/// `impact_statement`; an `affected` one MUST have an `action_statement`).
pub fn from_value(value: Value) -> Result<Sbom, SbomError> {
    match value.get("@context").and_then(Value::as_str) {
        Some(CONTEXT) => {}
        Some(other) => {
            return Err(SbomError::Unsupported {
                format: "OpenVEX",
                version: other.to_owned(),
                supported: CONTEXT,
            });
        }
        None => return Err(SbomError::at("@context", "missing (required)")),
    }
    let doc: Document = typed(value)?;
    let mut vex = Vec::new();
    for (i, s) in doc.statements.iter().enumerate() {
        let at = |f: &str| format!("statements[{i}].{f}");
        let status = match s.status.as_str() {
            "not_affected" => VexStatus::NotAffected,
            "affected" => VexStatus::Affected,
            "fixed" => VexStatus::Fixed,
            "under_investigation" => VexStatus::UnderInvestigation,
            other => {
                return Err(SbomError::at(
                    at("status"),
                    format!(
                        "`{other}` is not one of not_affected, affected, fixed, under_investigation"
                    ),
                ));
            }
        };
        if let Some(j) = &s.justification
            && !JUSTIFICATIONS.contains(&j.as_str())
        {
            return Err(SbomError::at(
                at("justification"),
                format!("`{j}` is not one of {}", JUSTIFICATIONS.join(", ")),
            ));
        }
        if status == VexStatus::NotAffected
            && s.justification.is_none()
            && s.impact_statement.is_none()
        {
            return Err(SbomError::at(
                at("justification"),
                "a not_affected statement needs a justification or an impact_statement",
            ));
        }
        if status == VexStatus::Affected && s.action_statement.is_none() {
            return Err(SbomError::at(
                at("action_statement"),
                "an affected statement needs an action_statement",
            ));
        }
        if s.products.is_empty() {
            return Err(SbomError::at(at("products"), "a statement needs a product"));
        }
        let detail = match status {
            VexStatus::Affected => s.action_statement.clone(),
            _ => s.impact_statement.clone(),
        }
        .or_else(|| s.status_notes.clone());
        let mut push = |component_ref, purl| {
            vex.push(VexStatement {
                vulnerability: s.vulnerability.name.clone(),
                aliases: s.vulnerability.aliases.clone(),
                component_ref,
                purl,
                status,
                justification: s.justification.clone(),
                detail: detail.clone(),
                response: Vec::new(),
            });
        };
        for (k, p) in s.products.iter().enumerate() {
            let path = at(&format!("products[{k}]"));
            if p.subcomponents.is_empty() {
                let (r, purl) = product_ids(p, &path)?;
                push(r, purl);
            }
            for (m, sub) in p.subcomponents.iter().enumerate() {
                let (r, purl) = product_ids(sub, &format!("{path}.subcomponents[{m}]"))?;
                push(r, purl);
            }
        }
    }
    Ok(Sbom {
        format: Format::OpenVex,
        spec_version: "0.2.0".into(),
        name: Some(doc.id),
        components: Vec::new(),
        vex,
    })
}
