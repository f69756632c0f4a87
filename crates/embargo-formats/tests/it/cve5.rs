//! The CVE JSON 5.1 export (`cve5::record`, `cve5::cna_container`): the record validates
//! against the bundled CVE 5.1.1 schema and the container against the CNA published (or
//! rejected) container schema CVE Services uses, and they carry the products, versions, CWE,
//! scores, references and consented credits of the advisory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use embargo_domain::advisory::{Advisory, IdFormat};
use embargo_formats::cve5;
use serde_json::{Value, json};

use crate::osv::export::{GIT_FIXED, GIT_INTRODUCED, V31, V40, publisher, sample, t};
use crate::schema::assert_valid;

const RECORD: &str = "cve/schema/CVE_JSON_bundled_5.1.1.json";
const PUBLISHED: &str = "cve/schema/CVE_JSON_cnaPublishedContainer_5.1.1.json";
const REJECTED: &str = "cve/schema/CVE_JSON_cnaRejectedContainer_5.1.1.json";

fn record(a: &Advisory) -> Value {
    let rec = cve5::record(a, &publisher(), "CVE-2026-12345", t("2026-03-01T09:00:00Z"));
    assert_valid(RECORD, &rec);
    rec
}

#[test]
fn record_metadata() {
    let rec = record(&sample());
    assert_eq!(rec["dataType"], "CVE_RECORD");
    assert_eq!(rec["dataVersion"], "5.1");
    assert_eq!(
        rec["cveMetadata"],
        json!({
            "cveId": "CVE-2026-12345",
            "assignerOrgId": cve5::UNKNOWN_ORG,
            "assignerShortName": "Spartan_Conseil",
            "state": "PUBLISHED",
            "datePublished": "2026-03-01T09:00:00.000Z",
            "dateUpdated": "2026-03-01T09:00:00.000Z",
        })
    );
    let cna = &rec["containers"]["cna"];
    assert_valid(PUBLISHED, cna);
    assert_eq!(cna["providerMetadata"]["orgId"], cve5::UNKNOWN_ORG);
    assert_eq!(cna["datePublic"], "2026-03-01T09:00:00.000Z");
    assert_eq!(
        cna["title"],
        "Path traversal in export <archive> & \"restore\""
    );

    // A configured CNA identity is used as it is; a malformed org id falls back.
    let mut p = publisher();
    p.cve_org_id = Some("b3476cb9-2e3d-41a6-98d0-0f47421a65b6".into());
    p.cve_short_name = Some("spartan".into());
    let rec = cve5::record(&sample(), &p, "CVE-2026-12345", t("2026-03-01T09:00:00Z"));
    assert_valid(RECORD, &rec);
    assert_eq!(
        rec["cveMetadata"]["assignerOrgId"],
        "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"
    );
    assert_eq!(rec["cveMetadata"]["assignerShortName"], "spartan");
    assert_eq!(
        rec["containers"]["cna"]["providerMetadata"]["shortName"],
        "spartan"
    );
    p.cve_org_id = Some("12345".into());
    assert_eq!(cve5::org_id(&p), cve5::UNKNOWN_ORG);
}

#[test]
fn descriptions_workarounds_and_solutions() {
    let cna = cve5::cna_container(&sample(), &publisher(), t("2026-03-01T09:00:00Z"));
    assert_valid(PUBLISHED, &cna);
    let d = &cna["descriptions"][0];
    assert_eq!(d["lang"], "en");
    assert_eq!(
        d["value"],
        "A crafted archive name escapes the export directory."
    );
    assert_eq!(d["supportingMedia"][0]["type"], "text/markdown");
    assert!(
        d["supportingMedia"][0]["value"]
            .as_str()
            .unwrap()
            .contains("See <b>the fix</b>.")
    );
    assert_eq!(
        cna["workarounds"][0]["value"],
        "Disable exports (`export.enabled = false`)."
    );
    assert_eq!(
        cna["solutions"][0]["value"],
        format!(
            "Upgrade to a fixed version: obserae 1.4.2, 2.1.3; libobs {GIT_FIXED}; obserae-client 3.2.1."
        )
    );
}

#[test]
fn affected_products_and_versions() {
    let rec = record(&sample());
    let affected = rec["containers"]["cna"]["affected"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(affected.len(), 4);
    // The crate: package coordinates, both SEMVER ranges, the patched versions.
    assert_eq!(
        affected[0],
        json!({
            "vendor": "Spartan Conseil",
            "product": "obserae",
            "collectionURL": "https://crates.io",
            "packageName": "obserae",
            "versions": [
                {"version": "0", "lessThan": "1.4.2", "status": "affected", "versionType": "semver"},
                {"version": "2.0.0", "lessThan": "2.1.3", "status": "affected", "versionType": "semver"},
                {"version": "1.4.2", "status": "unaffected"},
                {"version": "2.1.3", "status": "unaffected"},
            ],
            "defaultStatus": "unaffected",
        })
    );
    // The appliance: vendor and product only, `last_affected` as `lessThanOrEqual`.
    assert_eq!(
        affected[1],
        json!({
            "vendor": "Spartan Conseil",
            "product": "obserae appliance",
            "versions": [
                {"version": "7.0.0", "lessThanOrEqual": "7.4.1", "status": "affected", "versionType": "semver"},
            ],
            "defaultStatus": "unaffected",
        })
    );
    // The C library: its repository and commit range, and the tagged versions.
    assert_eq!(affected[2]["repo"], "https://git.example.org/libobs.git");
    assert_eq!(
        affected[2]["versions"][0],
        json!({"version": GIT_INTRODUCED, "lessThan": GIT_FIXED, "status": "affected", "versionType": "git"})
    );
    assert_eq!(
        affected[2]["versions"][1],
        json!({"version": "v1.0.0", "status": "affected"})
    );
    // PyPI: the schema's collection URL, Python version ordering.
    assert_eq!(affected[3]["collectionURL"], "https://pypi.python.org");
    assert_eq!(affected[3]["versions"][0]["versionType"], "python");
}

#[test]
fn problem_types_and_metrics() {
    let cna = &record(&sample())["containers"]["cna"];
    assert_eq!(
        cna["problemTypes"],
        json!([{"descriptions": [{"lang": "en", "description": "CWE-22", "cweId": "CWE-22", "type": "CWE"}]}])
    );
    let metrics = cna["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2);
    assert_eq!(
        metrics[0]["cvssV3_1"],
        json!({
            "version": "3.1",
            "vectorString": V31,
            "baseScore": 6.5,
            "baseSeverity": "MEDIUM",
            "attackVector": "NETWORK",
            "attackComplexity": "LOW",
            "privilegesRequired": "LOW",
            "userInteraction": "NONE",
            "scope": "UNCHANGED",
            "confidentialityImpact": "HIGH",
            "integrityImpact": "NONE",
            "availabilityImpact": "NONE",
        })
    );
    let v4 = &metrics[1]["cvssV4_0"];
    let expected = embargo_domain::cvss::parse(V40).unwrap();
    assert_eq!(v4["version"], "4.0");
    assert_eq!(v4["vectorString"], V40);
    assert_eq!(v4["baseScore"], json!(expected.base_score));
    assert_eq!(v4["baseSeverity"], "HIGH");
    assert_eq!(v4["attackRequirements"], "NONE");
    assert_eq!(v4["vulnConfidentialityImpact"], "HIGH");
    assert_eq!(metrics[1]["format"], "CVSS");
    // An adjacent-network 3.1 vector uses the schema's `ADJACENT_NETWORK`, and a v4 one `ADJACENT`.
    let mut a = sample();
    a.cvss = vec![
        "CVSS:3.1/AV:A/AC:H/PR:N/UI:R/S:C/C:L/I:L/A:N".into(),
        "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N".into(),
    ];
    let cna = &record(&a)["containers"]["cna"];
    assert_eq!(
        cna["metrics"][0]["cvssV3_1"]["attackVector"],
        "ADJACENT_NETWORK"
    );
    assert_eq!(cna["metrics"][0]["cvssV3_1"]["scope"], "CHANGED");
    assert_eq!(cna["metrics"][1]["cvssV4_0"]["attackVector"], "ADJACENT");
    assert_eq!(cna["metrics"][1]["cvssV4_0"]["userInteraction"], "ACTIVE");
}

#[test]
fn references_and_consented_credits_only() {
    let rec = record(&sample());
    let cna = &rec["containers"]["cna"];
    assert_eq!(
        cna["references"],
        json!([
            {"url": "https://security.example.org/advisories/OBS-SA-2026-0003", "tags": ["vendor-advisory"]},
            {"url": "https://git.example.org/obserae/commit/f3a9b8c", "tags": ["patch"]},
            {"url": "https://issues.example.org/obserae/412", "tags": ["issue-tracking"]},
            {"url": "https://blog.example.org/path-traversal", "tags": ["technical-description"]},
            {"url": "https://example.org/notes"},
        ])
    );
    assert_eq!(
        cna["credits"],
        json!([
            {"lang": "en", "value": "Ana Lima", "type": "finder"},
            {"lang": "en", "value": "Bo Chen", "type": "remediation developer"},
        ])
    );
    let text = rec.to_string();
    assert!(!text.contains("Hidden Helper") && !text.contains("hidden@example.net"));
}

#[test]
fn withdrawn_advisory_is_a_rejected_record() {
    let mut a = sample();
    a.withdraw(t("2026-03-05T12:30:00Z"), "not a vulnerability");
    let rec = record(&a);
    assert_eq!(rec["cveMetadata"]["state"], "REJECTED");
    assert_eq!(
        rec["cveMetadata"]["dateRejected"],
        "2026-03-05T12:30:00.000Z"
    );
    assert_eq!(
        rec["cveMetadata"]["dateUpdated"],
        "2026-03-05T12:30:00.000Z"
    );
    let cna = &rec["containers"]["cna"];
    assert_valid(REJECTED, cna);
    assert_eq!(
        cna["rejectedReasons"],
        json!([{"lang": "en", "value": "Withdrawn by Spartan Conseil: not a vulnerability"}])
    );
    assert!(cna.get("affected").is_none());
    assert_eq!(cve5::rejected_container(&a, &publisher()), *cna);
}

#[test]
fn minimal_advisory_still_validates() {
    let a = Advisory::draft(
        IdFormat::new("OBS-SA", 4).unwrap().make(2026, 9),
        "Minimal".into(),
        t("2026-03-01T09:00:00Z"),
    );
    let rec = record(&a);
    let cna = &rec["containers"]["cna"];
    assert_valid(PUBLISHED, cna);
    assert_eq!(cna["descriptions"][0]["value"], "Minimal");
    assert_eq!(
        cna["affected"],
        json!([{"vendor": "Spartan Conseil", "product": "obserae", "defaultStatus": "unknown"}])
    );
    assert!(cna.get("metrics").is_none() && cna.get("credits").is_none());
    // The validator is not vacuous: without `affected` the container is refused.
    let mut broken = cna.clone();
    broken.as_object_mut().unwrap().remove("affected");
    assert!(!crate::schema::errors(PUBLISHED, &broken).is_empty());
    // A CWE id outside the schema's form keeps its description without `cweId`.
    let mut a = sample();
    a.cwes = vec!["CWE-0079".into(), "CWE-1234567".into()];
    let cna = &record(&a)["containers"]["cna"];
    assert!(
        cna["problemTypes"][0]["descriptions"][0]
            .get("cweId")
            .is_none()
    );
    assert!(
        cna["problemTypes"][0]["descriptions"][1]
            .get("cweId")
            .is_none()
    );
}
