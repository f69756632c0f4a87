//! SPDX 2.3 JSON documents (`spdx-schema.json` at tag v2.3; SPDX 2.3 §7 "Package
//! information"): each package becomes a component, its purl taken from `externalRefs` of
//! `referenceType` `purl` in category `PACKAGE-MANAGER` (SPDX 2.3 Annex F.3.3; the 2.3.1
//! schema also accepts `PACKAGE_MANAGER`), its version from `versionInfo`.

use serde::Deserialize;
use serde_json::Value;

use super::{Component, Format, Sbom, SbomError, check_purl, typed};

/// Root: the fields of SPDX 2.3 §6 "Document creation information" that are required.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[expect(dead_code, reason = "required members: checked, not used")]
struct Document {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    data_license: String,
    document_namespace: String,
    creation_info: Value,
    #[serde(default)]
    packages: Vec<Package>,
}

/// §7 package (`SPDXID` and `name` required).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(default)]
    version_info: Option<String>,
    #[serde(default)]
    external_refs: Vec<ExternalRef>,
}

/// §7.21 external reference.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: String,
    reference_type: String,
    reference_locator: String,
}

/// Reads an SPDX 2.3 JSON document.
pub fn parse(text: &str) -> Result<Sbom, SbomError> {
    from_value(serde_json::from_str(text).map_err(|e| SbomError::Json(e.to_string()))?)
}

/// Reads an SPDX document tree; `spdxVersion` must be `SPDX-2.3`.
pub fn from_value(value: Value) -> Result<Sbom, SbomError> {
    let version = match value.get("spdxVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(SbomError::at(
                "spdxVersion",
                format!("expected a string, found {other}"),
            ));
        }
        None => return Err(SbomError::at("spdxVersion", "missing (required)")),
    };
    let Some(spec_version) = version.strip_prefix("SPDX-").filter(|v| *v == "2.3") else {
        return Err(SbomError::Unsupported {
            format: "SPDX",
            version,
            supported: "SPDX-2.3",
        });
    };
    let spec_version = spec_version.to_owned();
    let doc: Document = typed(value)?;
    let mut components = Vec::with_capacity(doc.packages.len());
    for (i, p) in doc.packages.iter().enumerate() {
        let mut purl = None;
        for (k, r) in p.external_refs.iter().enumerate() {
            let manager = matches!(
                r.reference_category.as_str(),
                "PACKAGE-MANAGER" | "PACKAGE_MANAGER"
            );
            if manager && r.reference_type == "purl" {
                let at = format!("packages[{i}].externalRefs[{k}].referenceLocator");
                let p = check_purl(&at, &r.reference_locator)?;
                purl.get_or_insert(p);
            }
        }
        components.push(Component {
            bom_ref: Some(p.spdx_id.clone()),
            name: p.name.clone(),
            version: p.version_info.clone(),
            purl,
        });
    }
    Ok(Sbom {
        format: Format::Spdx,
        spec_version,
        name: Some(doc.name),
        components,
        vex: Vec::new(),
    })
}
