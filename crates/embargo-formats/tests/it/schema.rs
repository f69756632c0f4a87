//! Validation against the official schemas in `fixtures/`, offline: the CSAF schema's
//! references to FIRST's CVSS schemas resolve to the copies in `fixtures/csaf/schema/`.

use std::path::PathBuf;

use serde_json::Value;

/// A path under the repository's `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// Reads a JSON fixture.
pub fn json(rel: &str) -> Value {
    let text = std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Resolves the CSAF schemas' external references to the copies in `fixtures/csaf/schema/`.
struct LocalFirst;

impl jsonschema::Retrieve for LocalFirst {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let local = if let Some(n) = s.strip_prefix("https://www.first.org/cvss/") {
            format!(
                "csaf/schema/referenced_schema/first/{}",
                n.split('?').next().unwrap_or(n)
            )
        } else if let Some(n) = s.strip_prefix("https://docs.oasis-open.org/csaf/csaf/v2.0/") {
            format!("csaf/schema/{n}")
        } else {
            return Err(format!("no offline copy of {s}").into());
        };
        let text = std::fs::read_to_string(fixture(&local))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Every error of `instance` against the schema at `schema_rel`, as "path: message" lines
/// (empty when valid). Formats (`date-time`, `uri`…) are checked too.
pub fn errors(schema_rel: &str, instance: &Value) -> Vec<String> {
    let schema = json(schema_rel);
    let v = jsonschema::options()
        .with_retriever(LocalFirst)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema_rel}: {e}"));
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Panics with every error when `instance` does not validate.
pub fn assert_valid(schema_rel: &str, instance: &Value) {
    let errs = errors(schema_rel, instance);
    assert!(
        errs.is_empty(),
        "not valid against {schema_rel}:\n{}",
        errs.join("\n")
    );
}

#[test]
fn the_official_examples_validate() {
    for ex in [
        "bsi-2022-0001.json",
        "rhsa-2021_5217.json",
        "2022-evd-uc-01-a-001.json",
    ] {
        assert_valid(
            "csaf/schema/csaf_json_schema.json",
            &json(&format!("csaf/examples/{ex}")),
        );
    }
    assert_valid(
        "csaf/schema/provider_json_schema.json",
        &json("csaf/examples/example-01-provider-metadata.json"),
    );
    for ex in ["CVEv5_advanced-example.json", "CVEv5_basic-example.json"] {
        assert_valid(
            "cve/schema/CVE_JSON_bundled_5.1.1.json",
            &json(&format!("cve/examples/{ex}")),
        );
    }
    assert_valid(
        "cve/schema/CVE_JSON_cnaPublishedContainer_5.1.1.json",
        &json("cve/examples/container-basic-example.json"),
    );
    // The validator is not vacuous.
    assert!(
        !errors(
            "csaf/schema/csaf_json_schema.json",
            &serde_json::json!({"document": {}})
        )
        .is_empty()
    );
}
