//! SBOMs and VEX documents read into one model for scanning: CycloneDX 1.4–1.6 JSON
//! ([`cyclonedx`], with its `vulnerabilities[].analysis` VEX), SPDX 2.3 JSON ([`spdx`]) and
//! OpenVEX 0.2.0 ([`openvex`]). [`parse`] detects the format; every rejection names the JSON
//! path of the problem (`components[3].purl: invalid purl: …`). Purls are checked and
//! normalised with [`embargo_domain::purl`].

pub mod cyclonedx;
pub mod openvex;
pub mod spdx;

use embargo_domain::purl::Purl;
use serde::Serialize;
use serde_json::Value;

/// The document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    CycloneDx,
    Spdx,
    OpenVex,
}

/// An SBOM (or a VEX-only document) in the common model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sbom {
    pub format: Format,
    /// `1.6` (CycloneDX `specVersion`), `2.3` (SPDX), `0.2.0` (OpenVEX).
    pub spec_version: String,
    /// What the document describes: CycloneDX `metadata.component` (`name@version`), the
    /// SPDX document `name`, the OpenVEX `@id`.
    pub name: Option<String>,
    pub components: Vec<Component>,
    pub vex: Vec<VexStatement>,
}

/// One component (CycloneDX component, SPDX package).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// CycloneDX `bom-ref`, SPDX `SPDXID`.
    pub bom_ref: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// The purl in canonical form (validated).
    pub purl: Option<String>,
}

/// A VEX status (CISA "Minimum Requirements for VEX" statuses, as OpenVEX spells them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

/// "Vulnerability V has status S in component C", with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VexStatement {
    /// The vulnerability id (`CVE-…`, `GHSA-…`, a vendor id).
    pub vulnerability: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// The component's `bom-ref` when the statement names one of this document's components.
    pub component_ref: Option<String>,
    /// The component's purl (canonical), when known.
    pub purl: Option<String>,
    pub status: VexStatus,
    /// The machine-readable justification as the format spells it (CycloneDX
    /// `code_not_reachable`, OpenVEX `vulnerable_code_not_in_execute_path`…).
    pub justification: Option<String>,
    /// Free text: CycloneDX `analysis.detail`, OpenVEX `impact_statement` /
    /// `action_statement`.
    pub detail: Option<String>,
    /// CycloneDX `analysis.response` (`update`, `will_not_fix`…).
    pub response: Vec<String>,
}

/// Why a document was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error(
        "not a CycloneDX, SPDX or OpenVEX JSON document (no `bomFormat`, `spdxVersion` or OpenVEX `@context`)"
    )]
    UnknownFormat,
    #[error("{format} {version} is not supported (supported: {supported})")]
    Unsupported {
        format: &'static str,
        version: String,
        supported: &'static str,
    },
    #[error("{path}: {message}")]
    Invalid {
        /// JSON path of the problem, e.g. `components[3].purl`.
        path: String,
        message: String,
    },
}

impl SbomError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Deserialises `value` as `T`, reporting the JSON path of the first mismatch.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, SbomError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        SbomError::at(
            if path == "." {
                String::from("(root)")
            } else {
                path
            },
            e.inner().to_string(),
        )
    })
}

/// Checks a purl found at `path` and returns it in canonical form. Qualifier keys are
/// lower-cased ([`Purl::parse_lenient`]): third-party SBOMs are not ours to reject for that.
pub(crate) fn check_purl(path: &str, purl: &str) -> Result<String, SbomError> {
    Purl::parse_lenient(purl)
        .map(|p| p.to_string())
        .map_err(|e| SbomError::at(path, format!("invalid purl `{purl}`: {e}")))
}

/// Parses a CycloneDX, SPDX or OpenVEX JSON document, telling them apart by their
/// identifying member (`bomFormat`, `spdxVersion`, an OpenVEX `@context`).
pub fn parse(text: &str) -> Result<Sbom, SbomError> {
    let value: Value = serde_json::from_str(text).map_err(|e| SbomError::Json(e.to_string()))?;
    let Some(o) = value.as_object() else {
        return Err(SbomError::UnknownFormat);
    };
    if o.contains_key("bomFormat") {
        cyclonedx::from_value(value)
    } else if o.contains_key("spdxVersion") {
        spdx::from_value(value)
    } else if o
        .get("@context")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with("https://openvex.dev/ns"))
    {
        openvex::from_value(value)
    } else {
        Err(SbomError::UnknownFormat)
    }
}
