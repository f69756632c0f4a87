//! SBOM and VEX parsing (`sbom::parse`, `sbom::openvex::parse`): the official CycloneDX 1.6
//! and SPDX 2.3 examples and handwritten CycloneDX 1.4/1.5 and OpenVEX 0.2.0 documents read
//! into the common model; invalid documents are rejected with the JSON path of the problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use embargo_formats::sbom::{self, Format, Sbom, SbomError, VexStatus, openvex};
use serde_json::{Value, json};

use crate::schema::fixture;

fn text(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap()
}

fn parse(rel: &str) -> Sbom {
    sbom::parse(&text(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Components counted straight from the JSON tree (top level and nested, plus those nested
/// in `metadata.component`), to check the parser's walk independently.
fn count(v: &Value) -> usize {
    v.get("components")
        .and_then(Value::as_array)
        .map_or(0, |cs| cs.iter().map(|c| 1 + count(c)).sum())
}

#[test]
fn every_valid_cyclonedx_1_6_example_parses() {
    for name in [
        "valid-bom-1.6.json",
        "valid-component-types-1.6.json",
        "valid-dependency-1.6.json",
        "valid-minimal-viable-1.6.json",
        "valid-vulnerability-1.6.json",
    ] {
        let rel = format!("cyclonedx/examples/{name}");
        let s = parse(&rel);
        let tree: Value = serde_json::from_str(&text(&rel)).unwrap();
        let expected = count(&tree) + tree.pointer("/metadata/component").map_or(0, count);
        assert_eq!(s.format, Format::CycloneDx, "{name}");
        assert_eq!(s.spec_version, "1.6", "{name}");
        assert_eq!(s.components.len(), expected, "{name}");
    }
    let bom = parse("cyclonedx/examples/valid-bom-1.6.json");
    assert_eq!(bom.name.as_deref(), Some("Acme Application@9.1.1"));
    let tomcat = &bom.components[0];
    assert_eq!(tomcat.name, "com.acme:tomcat-catalina");
    assert_eq!(tomcat.version.as_deref(), Some("9.0.14"));
    assert_eq!(
        tomcat.purl.as_deref(),
        Some("pkg:maven/com.acme/tomcat-catalina@9.0.14?packaging=jar")
    );

    // CycloneDX VEX: the analysis of the jackson-databind vulnerability.
    let v = parse("cyclonedx/examples/valid-vulnerability-1.6.json");
    assert_eq!(v.vex.len(), 1);
    let s = &v.vex[0];
    assert_eq!(s.vulnerability, "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111");
    assert_eq!(s.aliases, ["CVE-2018-7489"]);
    assert_eq!(s.status, VexStatus::NotAffected);
    assert_eq!(s.justification.as_deref(), Some("code_not_reachable"));
    assert_eq!(s.response, ["will_not_fix", "update"]);
    assert_eq!(
        s.component_ref.as_deref(),
        Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4")
    );
    assert_eq!(
        s.purl.as_deref(),
        Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4")
    );
    assert!(
        s.detail
            .as_deref()
            .unwrap()
            .starts_with("An optional explanation")
    );
}

#[test]
fn the_invalid_cyclonedx_examples_are_rejected_with_a_path() {
    let e = sbom::parse(&text("cyclonedx/examples/invalid-bomformat-1.6.json")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bomFormat: expected `CycloneDX`, found \"AnotherFormat\""
    );
    // `dependencies[0]` has no `ref` (and `dependencies[1].ref` is empty).
    let e = sbom::parse(&text("cyclonedx/examples/invalid-dependency-1.6.json")).unwrap_err();
    assert_eq!(e.to_string(), "dependencies[0]: missing field `ref`");
    let mut fixed: Value =
        serde_json::from_str(&text("cyclonedx/examples/invalid-dependency-1.6.json")).unwrap();
    fixed["dependencies"][0]["ref"] = json!("library-a");
    let e = sbom::parse(&fixed.to_string()).unwrap_err();
    assert_eq!(e.to_string(), "dependencies[1].ref: must not be empty");
}

#[test]
fn handwritten_cyclonedx_1_4_and_1_5() {
    let s = parse("cyclonedx/handwritten/embargo-1.4.json");
    assert_eq!(s.spec_version, "1.4");
    assert_eq!(s.name.as_deref(), Some("obserae@2.1.2"));
    let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["serde", "tokio", "mio", "LICENSE"]);
    assert_eq!(s.components[3].purl, None);
    assert_eq!(s.vex.len(), 1);
    assert_eq!(s.vex[0].component_ref.as_deref(), Some("mio"));
    assert_eq!(s.vex[0].purl.as_deref(), Some("pkg:cargo/mio@0.8.10"));
    assert_eq!(
        s.vex[0].justification.as_deref(),
        Some("requires_environment")
    );

    let s = parse("cyclonedx/handwritten/embargo-1.5.json");
    assert_eq!(s.spec_version, "1.5");
    assert_eq!(s.components.len(), 3);
    let statuses: Vec<(&str, VexStatus)> = s
        .vex
        .iter()
        .map(|v| (v.vulnerability.as_str(), v.status))
        .collect();
    // The vulnerability without an analysis is no VEX statement; log4j affects two refs.
    assert_eq!(
        statuses,
        [
            ("CVE-2024-35195", VexStatus::Fixed),
            ("CVE-2024-22195", VexStatus::UnderInvestigation),
            ("CVE-2021-44228", VexStatus::Affected),
            ("CVE-2021-44228", VexStatus::Affected),
        ]
    );
    assert_eq!(s.vex[0].aliases, ["GHSA-9wx4-h78v-vm56"]);
    assert_eq!(
        s.vex[2].purl.as_deref(),
        Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar")
    );
    // A BOM-Link into another BOM: kept as a reference, no purl.
    assert!(
        s.vex[3]
            .component_ref
            .as_deref()
            .unwrap()
            .starts_with("urn:cdx:")
    );
    assert_eq!(s.vex[3].purl, None);
}

fn cdx(components: Value) -> String {
    json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components })
        .to_string()
}

#[test]
fn bad_cyclonedx_is_rejected_with_a_path() {
    // Bad percent-encoding in a nested component's purl.
    let e = sbom::parse(&cdx(json!([
        { "type": "library", "name": "a", "purl": "pkg:npm/a@1" },
        { "type": "library", "name": "b", "components": [
            { "type": "library", "name": "c", "purl": "pkg:npm/%zz@1.0.0" }
        ] }
    ])))
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("components[1].components[0].purl: invalid purl `pkg:npm/%zz@1.0.0`: bad percent-encoding"),
        "{e}"
    );
    let e = sbom::parse(&cdx(json!([{ "type": "library", "name": "a" }, { "type": "library", "name": "b" }, {"type": "library", "name": "c"}, { "type": "library", "name": "d", "purl": "npm/d" }])))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("components[3].purl: invalid purl"), "{e}");
    let e = sbom::parse(&cdx(json!([{ "type": "library" }]))).unwrap_err();
    assert_eq!(e.to_string(), "components[0]: missing field `name`");
    let e = sbom::parse(&cdx(json!([
        { "type": "library", "name": "a", "bom-ref": "x" },
        { "type": "library", "name": "b", "bom-ref": "x" }
    ])))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "components[1].bom-ref: duplicate bom-ref `x`"
    );
    let bad_state = json!({ "bomFormat": "CycloneDX", "specVersion": "1.5",
        "vulnerabilities": [{ "id": "CVE-2024-1", "analysis": { "state": "fine" }, "affects": [] }] });
    let e = sbom::parse(&bad_state.to_string()).unwrap_err().to_string();
    assert!(
        e.starts_with("vulnerabilities[0].analysis.state: `fine` is not one of"),
        "{e}"
    );
}

#[test]
fn unsupported_versions_and_unknown_documents_say_so() {
    let old = json!({ "bomFormat": "CycloneDX", "specVersion": "1.3", "version": 1 });
    let e = sbom::parse(&old.to_string()).unwrap_err();
    assert!(matches!(e, SbomError::Unsupported { .. }));
    assert_eq!(
        e.to_string(),
        "CycloneDX 1.3 is not supported (supported: 1.4, 1.5, 1.6)"
    );
    let mut spdx: Value =
        serde_json::from_str(&text("spdx/examples/SPDXJSONExample-v2.3.spdx.json")).unwrap();
    spdx["spdxVersion"] = json!("SPDX-2.2");
    let e = sbom::parse(&spdx.to_string()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "SPDX SPDX-2.2 is not supported (supported: SPDX-2.3)"
    );
    let e = sbom::parse(r#"{"@context": "https://openvex.dev/ns/v0.0.1", "statements": []}"#)
        .unwrap_err();
    assert!(
        matches!(
            e,
            SbomError::Unsupported {
                format: "OpenVEX",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        sbom::parse(r#"{"hello": 1}"#).unwrap_err(),
        SbomError::UnknownFormat
    );
    assert_eq!(sbom::parse("[1, 2]").unwrap_err(), SbomError::UnknownFormat);
    assert!(matches!(sbom::parse("{").unwrap_err(), SbomError::Json(_)));
}

#[test]
fn the_spdx_2_3_example_parses() {
    let s = parse("spdx/examples/SPDXJSONExample-v2.3.spdx.json");
    assert_eq!((s.format, s.spec_version.as_str()), (Format::Spdx, "2.3"));
    assert_eq!(s.name.as_deref(), Some("SPDX-Tools-v2.0"));
    let rows: Vec<(&str, Option<&str>, Option<&str>)> = s
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_deref(), c.purl.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("glibc", Some("2.11.1"), None),
            ("Apache Commons Lang", None, None),
            (
                "Jena",
                Some("3.12.0"),
                Some("pkg:maven/org.apache.jena/apache-jena@3.12.0")
            ),
            ("Saxon", Some("8.8"), None),
        ]
    );
    assert_eq!(
        s.components[2].bom_ref.as_deref(),
        Some("SPDXRef-fromDoap-0")
    );
    assert!(s.vex.is_empty());

    // PACKAGE_MANAGER (the 2.3.1 spelling) counts too; a bad locator names its path.
    let mut doc: Value =
        serde_json::from_str(&text("spdx/examples/SPDXJSONExample-v2.3.spdx.json")).unwrap();
    doc["packages"][0]["externalRefs"] = json!([{
        "referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
        "referenceLocator": "pkg:deb/debian/libc6@2.11.1?arch=amd64"
    }]);
    let s = sbom::parse(&doc.to_string()).unwrap();
    assert_eq!(
        s.components[0].purl.as_deref(),
        Some("pkg:deb/debian/libc6@2.11.1?arch=amd64")
    );
    doc["packages"][0]["externalRefs"][0]["referenceLocator"] = json!("pkg:deb/debian/libc%6@2");
    let e = sbom::parse(&doc.to_string()).unwrap_err().to_string();
    assert!(
        e.starts_with("packages[0].externalRefs[0].referenceLocator: invalid purl"),
        "{e}"
    );
    doc["packages"][1].as_object_mut().unwrap().remove("SPDXID");
    doc["packages"][0]["externalRefs"] = json!([]);
    let e = sbom::parse(&doc.to_string()).unwrap_err();
    assert_eq!(e.to_string(), "packages[1]: missing field `SPDXID`");
}

#[test]
fn openvex_statements() {
    let s = openvex::parse(&text("openvex/embargo-0.2.0.json")).unwrap();
    assert_eq!(
        s,
        parse("openvex/embargo-0.2.0.json"),
        "detected the same way"
    );
    assert_eq!(s.format, Format::OpenVex);
    assert_eq!(
        s.name.as_deref(),
        Some("https://security.example.org/vex/obserae-2025-001")
    );
    assert!(s.components.is_empty());
    assert_eq!(s.vex.len(), 4);
    let x = &s.vex[0];
    assert_eq!(x.vulnerability, "CVE-2023-44487");
    assert_eq!(x.aliases, ["GHSA-qppj-fm5r-hxr3"]);
    // The subcomponent, not the image, is what the statement is about.
    assert_eq!(
        x.purl.as_deref(),
        Some("pkg:golang/golang.org/x/net@v0.15.0")
    );
    assert_eq!(x.status, VexStatus::NotAffected);
    assert_eq!(
        x.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    assert!(x.detail.as_deref().unwrap().contains("HTTP/1.1 only"));
    assert_eq!(s.vex[1].status, VexStatus::Affected);
    assert_eq!(
        s.vex[1].detail.as_deref(),
        Some("Upgrade golang.org/x/crypto to v0.31.0.")
    );
    // A product known by an IRI and an identifiers.purl.
    assert_eq!(s.vex[2].status, VexStatus::Fixed);
    assert_eq!(
        s.vex[2].component_ref.as_deref(),
        Some("https://example.org/products/obserae-appliance")
    );
    assert_eq!(
        s.vex[2].purl.as_deref(),
        Some("pkg:generic/obserae-appliance@7.4.1")
    );
    assert_eq!(s.vex[3].status, VexStatus::UnderInvestigation);
    assert_eq!(
        s.vex[3].detail.as_deref(),
        Some("Reported on 2025-01-30; triage in progress.")
    );
}

#[test]
fn openvex_rules_are_enforced_with_paths() {
    let doc: Value = serde_json::from_str(&text("openvex/embargo-0.2.0.json")).unwrap();
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        edit(&mut d);
        openvex::parse(&d.to_string()).unwrap_err().to_string()
    };
    assert_eq!(
        broken(&|d| {
            d["statements"][0]
                .as_object_mut()
                .unwrap()
                .remove("justification");
            d["statements"][0]
                .as_object_mut()
                .unwrap()
                .remove("impact_statement");
        }),
        "statements[0].justification: a not_affected statement needs a justification or an impact_statement"
    );
    assert_eq!(
        broken(&|d| {
            d["statements"][1]
                .as_object_mut()
                .unwrap()
                .remove("action_statement");
        }),
        "statements[1].action_statement: an affected statement needs an action_statement"
    );
    assert!(
        broken(&|d| d["statements"][2]["status"] = json!("patched"))
            .starts_with("statements[2].status: `patched` is not one of")
    );
    assert!(
        broken(&|d| d["statements"][0]["justification"] = json!("trust_me"))
            .starts_with("statements[0].justification: `trust_me` is not one of")
    );
    assert_eq!(
        broken(&|d| d["statements"][3]["vulnerability"] = json!({ "@id": "x" })),
        "statements[3].vulnerability: missing field `name`"
    );
    let e = broken(&|d| {
        d["statements"][0]["products"][0]["subcomponents"][0]["@id"] = json!("pkg:golang/x%2/net")
    });
    assert!(
        e.starts_with("statements[0].products[0].subcomponents[0].@id: invalid purl"),
        "{e}"
    );
}
