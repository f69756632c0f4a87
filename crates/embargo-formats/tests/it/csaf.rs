#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CSAF 2.0: the §6.1 mandatory tests (the official examples and Embargo's own export pass;
//! one minimal broken document per test fails with that number and path), the `csaf_vex`
//! export (schema-valid, passes §6.1 including the VEX profile tests), and ingest of
//! third-party CSAF into OSV records.

use embargo_formats::csaf::validate::{self, Failure, TESTS};
use embargo_formats::csaf::{self};
use serde_json::{Value, json};

use crate::exports::{publisher, sample, t};
use crate::schema::{assert_valid, json as fixture};

const SCHEMA: &str = "csaf/schema/csaf_json_schema.json";

fn show(f: &[Failure]) -> String {
    f.iter().map(|f| format!("\n  {f}")).collect()
}

#[test]
fn the_official_examples_pass_every_mandatory_test() {
    // The two other files in `examples/` are provider and aggregator metadata, not CSAF
    // documents.
    for ex in [
        "bsi-2022-0001.json",
        "rhsa-2021_5217.json",
        "2022-evd-uc-01-a-001.json",
    ] {
        let doc = fixture(&format!("csaf/examples/{ex}"));
        let f = validate::validate(&doc);
        assert!(f.is_empty(), "{ex}:{}", show(&f));
    }
}

#[test]
fn embargo_exports_pass_every_mandatory_test() {
    let now = t("2026-03-01T09:00:00Z");
    let mut a = sample();
    let doc = csaf::render(&a, &publisher(), now);
    assert!(
        validate::is_valid(&doc),
        "{}",
        show(&validate::validate(&doc))
    );
    a.publish(t("2026-03-02T09:00:00Z"), "Clarified");
    let doc = csaf::render(&a, &publisher(), now);
    assert!(
        validate::is_valid(&doc),
        "{}",
        show(&validate::validate(&doc))
    );
    a.withdraw(t("2026-03-03T09:00:00Z"), "not a vulnerability");
    let doc = csaf::render(&a, &publisher(), now);
    assert!(
        validate::is_valid(&doc),
        "{}",
        show(&validate::validate(&doc))
    );
}

/// A small security advisory that passes the schema and every mandatory test.
fn base() -> Value {
    json!({
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "lang": "en",
            "title": "Minimal advisory",
            "publisher": { "category": "vendor", "name": "Example", "namespace": "https://example.org" },
            "notes": [{ "category": "summary", "text": "Something." }],
            "references": [{ "category": "external", "summary": "More", "url": "https://example.org/a" }],
            "tracking": {
                "id": "EX-1",
                "status": "final",
                "version": "2",
                "initial_release_date": "2024-01-01T00:00:00.000Z",
                "current_release_date": "2024-01-02T00:00:00.000Z",
                "revision_history": [
                    { "number": "1", "date": "2024-01-01T00:00:00.000Z", "summary": "Initial." },
                    { "number": "2", "date": "2024-01-02T00:00:00.000Z", "summary": "Update." }
                ]
            }
        },
        "product_tree": {
            "full_product_names": [
                { "product_id": "A", "name": "Product A 1.0" },
                { "product_id": "B", "name": "Product A 1.1" }
            ],
            "product_groups": [{ "group_id": "G", "product_ids": ["A", "B"] }]
        },
        "vulnerabilities": [{
            "cve": "CVE-2024-0001",
            "notes": [{ "category": "description", "text": "A flaw." }],
            "product_status": { "known_affected": ["A"], "fixed": ["B"] },
            "remediations": [{ "category": "vendor_fix", "details": "Upgrade to 1.1.", "product_ids": ["A"] }]
        }]
    })
}

/// `base()` as a VEX document.
fn base_vex() -> Value {
    let mut d = base();
    d["document"]["category"] = json!("csaf_vex");
    d
}

fn score(vector: &str, base: f64, sev: &str) -> Value {
    json!({ "version": "3.1", "vectorString": vector, "baseScore": base, "baseSeverity": sev })
}

fn history(numbers: &[&str]) -> Value {
    json!(
        numbers
            .iter()
            .enumerate()
            .map(|(i, n)| json!({ "number": n, "date": format!("2024-01-0{}T00:00:00.000Z", i + 1), "summary": "x" }))
            .collect::<Vec<_>>()
    )
}

type Mutation = fn(&mut Value);

/// One broken document per test: (test, expected path, how `base()` is broken).
fn cases() -> Vec<(&'static str, &'static str, Mutation)> {
    vec![
        (
            "6.1.1",
            "/product_tree/product_groups/0/product_ids/1",
            |d| {
                d["product_tree"]["product_groups"][0]["product_ids"] = json!(["A", "Z"]);
            },
        ),
        ("6.1.1", "/vulnerabilities/0/product_status/fixed/0", |d| {
            d["vulnerabilities"][0]["product_status"]["fixed"] = json!(["Z"]);
        }),
        (
            "6.1.2",
            "/product_tree/full_product_names/2/product_id",
            |d| {
                d["product_tree"]["full_product_names"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({ "product_id": "A", "name": "Again" }));
            },
        ),
        (
            "6.1.3",
            "/product_tree/relationships/0/full_product_name/product_id",
            |d| {
                d["product_tree"]["relationships"] = json!([{ "category": "installed_on", "full_product_name": { "name": "C", "product_id": "C" }, "product_reference": "A", "relates_to_product_reference": "C" }]);
            },
        ),
        ("6.1.4", "/vulnerabilities/0/threats/0/group_ids/0", |d| {
            d["vulnerabilities"][0]["threats"] =
                json!([{ "category": "exploit_status", "details": "x", "group_ids": ["NOPE"] }]);
        }),
        ("6.1.5", "/product_tree/product_groups/1/group_id", |d| {
            d["product_tree"]["product_groups"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "group_id": "G", "product_ids": ["A", "B"] }));
        }),
        (
            "6.1.6",
            "/vulnerabilities/0/product_status/known_not_affected/0",
            |d| {
                d["vulnerabilities"][0]["product_status"]["known_not_affected"] = json!(["A"]);
            },
        ),
        ("6.1.7", "/vulnerabilities/0/scores/1/products/0", |d| {
            d["vulnerabilities"][0]["scores"] = json!([
                { "products": ["A"], "cvss_v3": score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "CRITICAL") },
                { "products": ["A"], "cvss_v3": score("CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", 6.5, "MEDIUM") },
            ]);
        }),
        ("6.1.8", "/vulnerabilities/0/scores/0/cvss_v3", |d| {
            d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v3": { "version": "3.1", "vectorString": "CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", "baseScore": 6.5 } }]);
        }),
        (
            "6.1.8",
            "/vulnerabilities/0/scores/0/cvss_v3/vectorString",
            |d| {
                d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v3": score("CVSS:3.0/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", 6.5, "MEDIUM") }]);
            },
        ),
        (
            "6.1.9",
            "/vulnerabilities/0/scores/0/cvss_v3/baseScore",
            |d| {
                d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v3": score("CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", 10.0, "LOW") }]);
            },
        ),
        (
            "6.1.9",
            "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity",
            |d| {
                d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v3": score("CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", 6.5, "LOW") }]);
            },
        ),
        (
            "6.1.10",
            "/vulnerabilities/0/scores/0/cvss_v3/attackVector",
            |d| {
                let mut s = score(
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    9.8,
                    "CRITICAL",
                );
                s["attackVector"] = json!("LOCAL");
                s["attackComplexity"] = json!("LOW");
                d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v3": s }]);
            },
        ),
        ("6.1.11", "/vulnerabilities/0/cwe/name", |d| {
            d["vulnerabilities"][0]["cwe"] =
                json!({ "id": "CWE-79", "name": "Improper Input Validation" });
        }),
        ("6.1.11", "/vulnerabilities/0/cwe/id", |d| {
            d["vulnerabilities"][0]["cwe"] = json!({ "id": "CWE-0079", "name": "x" });
        }),
        ("6.1.12", "/document/lang", |d| {
            d["document"]["lang"] = json!("EZ")
        }),
        (
            "6.1.13",
            "/product_tree/full_product_names/0/product_identification_helper/purl",
            |d| {
                d["product_tree"]["full_product_names"][0]["product_identification_helper"] =
                    json!({ "purl": "pkg:maven/@1.3.4" });
            },
        ),
        ("6.1.14", "/document/tracking/revision_history/1", |d| {
            d["document"]["tracking"]["revision_history"] = history(&["2", "1"]);
        }),
        ("6.1.15", "/document/source_lang", |d| {
            d["document"]["publisher"]["category"] = json!("translator");
        }),
        ("6.1.16", "/document/tracking/version", |d| {
            d["document"]["tracking"]["version"] = json!("1")
        }),
        ("6.1.17", "/document/tracking/status", |d| {
            d["document"]["tracking"]["version"] = json!("0.9.5");
            d["document"]["tracking"]["revision_history"] = history(&["0.9.5"]);
        }),
        (
            "6.1.18",
            "/document/tracking/revision_history/0/number",
            |d| {
                d["document"]["tracking"]["revision_history"] = history(&["0", "1", "2"]);
            },
        ),
        (
            "6.1.19",
            "/document/tracking/revision_history/0/number",
            |d| {
                d["document"]["tracking"]["version"] = json!("1.0.0");
                d["document"]["tracking"]["revision_history"] = history(&["1.0.0-rc", "1.0.0"]);
            },
        ),
        ("6.1.20", "/document/tracking/version", |d| {
            d["document"]["tracking"]["status"] = json!("interim");
            d["document"]["tracking"]["version"] = json!("1.0.0-alpha");
            d["document"]["tracking"]["revision_history"] = history(&["1.0.0"]);
        }),
        ("6.1.21", "/document/tracking/revision_history/1", |d| {
            d["document"]["tracking"]["version"] = json!("3");
            d["document"]["tracking"]["revision_history"] = history(&["1", "3"]);
        }),
        ("6.1.21", "/document/tracking/revision_history/0", |d| {
            d["document"]["tracking"]["revision_history"] = history(&["2"]);
        }),
        ("6.1.22", "/document/tracking/revision_history/1", |d| {
            d["document"]["tracking"]["version"] = json!("1");
            d["document"]["tracking"]["revision_history"] = history(&["1", "1"]);
        }),
        ("6.1.23", "/vulnerabilities/1/cve", |d| {
            let v = d["vulnerabilities"][0].clone();
            d["vulnerabilities"].as_array_mut().unwrap().push(v);
        }),
        ("6.1.24", "/vulnerabilities/0/involvements/1", |d| {
            d["vulnerabilities"][0]["involvements"] = json!([
                { "date": "2021-04-23T10:00:00.000Z", "party": "vendor", "status": "completed" },
                { "date": "2021-04-23T10:00:00+00:00", "party": "vendor", "status": "in_progress" },
            ]);
        }),
        (
            "6.1.25",
            "/product_tree/full_product_names/0/product_identification_helper/hashes/0/file_hashes/1/algorithm",
            |d| {
                d["product_tree"]["full_product_names"][0]["product_identification_helper"] = json!({ "hashes": [{ "filename": "a.so", "file_hashes": [
                { "algorithm": "sha256", "value": "026a37919b182ef7c63791e82c9645e2f897a3f0b73c7a6028c7febf62e93838" },
                { "algorithm": "sha256", "value": "0a853ce2337f0608489ac596a308dc5b7b19d35a52b10bf31261586ac368b175" },
            ] }] });
            },
        ),
        ("6.1.26", "/document/category", |d| {
            d["document"]["category"] = json!("Security_Incident_Response")
        }),
        ("6.1.26", "/document/category", |d| {
            d["document"]["category"] = json!("Csaf_a")
        }),
        ("6.1.26", "/document/category", |d| {
            d["document"]["category"] = json!("V_eX")
        }),
        ("6.1.27.1", "/document/notes", |d| {
            d["document"]["category"] = json!("csaf_security_incident_response");
            d["document"]["notes"] =
                json!([{ "category": "legal_disclaimer", "text": "AS IS", "title": "Terms" }]);
        }),
        ("6.1.27.2", "/document/references", |d| {
            d["document"]["category"] = json!("csaf_informational_advisory");
            d.as_object_mut().unwrap().remove("vulnerabilities");
            d["document"]["references"] = json!([{ "category": "self", "summary": "This", "url": "https://example.org/x.json" }]);
        }),
        ("6.1.27.3", "/vulnerabilities", |d| {
            d["document"]["category"] = json!("csaf_informational_advisory")
        }),
        ("6.1.27.4", "/product_tree", |d| {
            d.as_object_mut().unwrap().remove("product_tree");
        }),
        ("6.1.27.5", "/vulnerabilities/0/notes", |d| {
            d["vulnerabilities"][0]
                .as_object_mut()
                .unwrap()
                .remove("notes");
        }),
        ("6.1.27.6", "/vulnerabilities/0/product_status", |d| {
            d["vulnerabilities"][0]
                .as_object_mut()
                .unwrap()
                .remove("product_status");
        }),
        ("6.1.27.7", "/vulnerabilities/0/product_status", |d| {
            *d = base_vex();
            d["vulnerabilities"][0]["product_status"] = json!({ "recommended": ["B"] });
        }),
        ("6.1.27.8", "/vulnerabilities/0/cve", |d| {
            *d = base_vex();
            d["vulnerabilities"][0]
                .as_object_mut()
                .unwrap()
                .remove("cve");
        }),
        (
            "6.1.27.9",
            "/vulnerabilities/0/product_status/known_not_affected/1",
            |d| {
                *d = base_vex();
                d["product_tree"]["full_product_names"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({ "product_id": "C", "name": "Product C" }));
                d["vulnerabilities"][0]["product_status"]["known_not_affected"] = json!(["C", "B"]);
                d["vulnerabilities"][0]["product_status"]["fixed"] = json!([]);
                d["vulnerabilities"][0]["threats"] = json!([{ "category": "impact", "details": "Not present.", "product_ids": ["C"] }]);
            },
        ),
        (
            "6.1.27.10",
            "/vulnerabilities/0/product_status/known_affected/1",
            |d| {
                *d = base_vex();
                d["vulnerabilities"][0]["product_status"] = json!({ "known_affected": ["A", "B"] });
            },
        ),
        ("6.1.27.11", "/vulnerabilities", |d| {
            d.as_object_mut().unwrap().remove("vulnerabilities");
        }),
        ("6.1.28", "/document/source_lang", |d| {
            d["document"]["lang"] = json!("en-US");
            d["document"]["source_lang"] = json!("en-us");
        }),
        ("6.1.29", "/vulnerabilities/0/remediations/1", |d| {
            d["vulnerabilities"][0]["remediations"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "category": "no_fix_planned", "details": "EOL." }));
        }),
        (
            "6.1.30",
            "/document/tracking/revision_history/1/number",
            |d| {
                d["document"]["tracking"]["revision_history"] = history(&["1.0.0", "2"]);
            },
        ),
        (
            "6.1.31",
            "/product_tree/branches/0/branches/0/branches/0/name",
            |d| {
                d["product_tree"]["branches"] = json!([{ "category": "vendor", "name": "V", "branches": [{ "category": "product_name", "name": "P", "branches": [
                { "category": "product_version", "name": "prior to 4.2", "product": { "product_id": "P1", "name": "P prior to 4.2" } }
            ] }] }]);
            },
        ),
        ("6.1.32", "/vulnerabilities/0/flags/0", |d| {
            d["vulnerabilities"][0]["flags"] = json!([{ "label": "component_not_present" }]);
        }),
        ("6.1.33", "/vulnerabilities/0/flags/1", |d| {
            d["vulnerabilities"][0]["product_status"] = json!({ "known_not_affected": ["A", "B"] });
            d["vulnerabilities"][0]
                .as_object_mut()
                .unwrap()
                .remove("remediations");
            d["vulnerabilities"][0]["flags"] = json!([
                { "label": "component_not_present", "group_ids": ["G"] },
                { "label": "vulnerable_code_cannot_be_controlled_by_adversary", "product_ids": ["A"] },
            ]);
        }),
    ]
}

#[test]
fn the_minimal_documents_are_schema_valid_and_pass() {
    for d in [base(), base_vex()] {
        assert_valid(SCHEMA, &d);
        assert!(validate::is_valid(&d), "{}", show(&validate::validate(&d)));
    }
}

#[test]
fn each_mandatory_test_fails_on_a_minimal_broken_document() {
    let cases = cases();
    let mut wrong = Vec::new();
    for (test, path, mutate) in &cases {
        let mut d = base();
        mutate(&mut d);
        let f = validate::validate(&d);
        if !f.iter().any(|f| f.test == *test && f.path == *path) {
            wrong.push(format!("§{test} expected at `{path}`, got:{}", show(&f)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every implemented test has a failing case.
    for t in TESTS {
        assert!(
            cases.iter().any(|(c, _, _)| c == t),
            "no failing case for §{t}"
        );
    }
}

#[test]
fn category_names_of_csaf_base_that_are_allowed() {
    for c in [
        "csaf_base",
        "Example Company Security Advisory",
        "Example Company security_advisory",
    ] {
        let mut d = base();
        d["document"]["category"] = json!(c);
        assert!(
            validate::is_valid(&d),
            "{c}: {}",
            show(&validate::validate(&d))
        );
    }
}

#[test]
fn impact_and_action_statements_count_through_groups() {
    // The spec's examples 84 and 85 with the missing product added: they pass.
    let mut d = base_vex();
    d["vulnerabilities"][0]["product_status"] = json!({ "known_not_affected": ["A", "B"] });
    d["vulnerabilities"][0]
        .as_object_mut()
        .unwrap()
        .remove("remediations");
    d["vulnerabilities"][0]["threats"] =
        json!([{ "category": "impact", "details": "Not present.", "group_ids": ["G"] }]);
    assert!(validate::is_valid(&d), "{}", show(&validate::validate(&d)));
    // A threat of another category is not an impact statement.
    d["vulnerabilities"][0]["threats"][0]["category"] = json!("exploit_status");
    let f = validate::validate(&d);
    assert_eq!(
        f.iter().filter(|f| f.test == "6.1.27.9").count(),
        2,
        "{}",
        show(&f)
    );
}

#[test]
fn cvss_scores_with_temporal_metrics_are_checked() {
    let mut d = base();
    let mut s = score(
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C",
        9.8,
        "CRITICAL",
    );
    s["temporalScore"] = json!(8.5);
    s["temporalSeverity"] = json!("HIGH");
    s["exploitCodeMaturity"] = json!("UNPROVEN");
    s["modifiedScope"] = json!("NOT_DEFINED");
    d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v3": s }]);
    assert!(validate::is_valid(&d), "{}", show(&validate::validate(&d)));
    d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["temporalScore"] = json!(9.8);
    let f = validate::validate(&d);
    assert_eq!(f.len(), 1, "{}", show(&f));
    assert_eq!(
        f[0].path,
        "/vulnerabilities/0/scores/0/cvss_v3/temporalScore"
    );
    // CVSS v2 objects too.
    let mut d = base();
    d["vulnerabilities"][0]["scores"] = json!([{ "products": ["A"], "cvss_v2": { "version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:C/I:C/A:C", "baseScore": 10.0, "accessVector": "NETWORK" } }]);
    assert!(validate::is_valid(&d), "{}", show(&validate::validate(&d)));
    d["vulnerabilities"][0]["scores"][0]["cvss_v2"]["accessVector"] = json!("LOCAL");
    assert_eq!(validate::validate(&d)[0].test, "6.1.10");
}

mod vex {
    use embargo_formats::csaf::validate;
    use embargo_formats::csaf::vex::{
        ActionCategory, Justification, VexError, VexProduct, VexStatement, VexStatus, render,
    };
    use serde_json::json;

    use super::{SCHEMA, show};
    use crate::exports::{publisher, sample, t};
    use crate::schema::assert_valid;

    fn statement(product: VexProduct, status: VexStatus) -> VexStatement {
        VexStatement {
            product,
            status,
            justification: None,
            statement: None,
            action: None,
            date: None,
        }
    }

    fn statements() -> Vec<VexStatement> {
        let purl = |s: &str| VexProduct::Purl(s.into());
        vec![
            VexStatement {
                action: Some(ActionCategory::VendorFix),
                statement: Some("Upgrade to 1.4.2.".into()),
                date: Some(t("2026-03-01T09:00:00Z")),
                ..statement(purl("pkg:cargo/obserae@1.4.1"), VexStatus::KnownAffected)
            },
            statement(purl("pkg:cargo/obserae@1.4.2"), VexStatus::Fixed),
            VexStatement {
                justification: Some(Justification::VulnerableCodeNotPresent),
                ..statement(purl("pkg:cargo/obserae@0.9.0"), VexStatus::KnownNotAffected)
            },
            VexStatement {
                statement: Some("The appliance never exposes the export endpoint.".into()),
                ..statement(
                    VexProduct::Named {
                        name: "obserae appliance".into(),
                        version: "7.4.1".into(),
                    },
                    VexStatus::KnownNotAffected,
                )
            },
            VexStatement {
                statement: Some("Being checked.".into()),
                ..statement(
                    purl("pkg:npm/%40obserae/client"),
                    VexStatus::UnderInvestigation,
                )
            },
        ]
    }

    #[test]
    fn vex_export_is_schema_valid_and_passes_every_mandatory_test() {
        let doc = render(
            &sample(),
            &publisher(),
            &statements(),
            t("2026-03-01T09:00:00Z"),
        )
        .unwrap();
        assert_valid(SCHEMA, &doc);
        let f = validate::validate(&doc);
        assert!(f.is_empty(), "{}", show(&f));
        assert_eq!(doc["document"]["category"], "csaf_vex");
        assert_eq!(doc["document"]["tracking"]["id"], "OBS-SA-2026-0003-VEX");
        let v = &doc["vulnerabilities"][0];
        assert_eq!(v["cve"], "CVE-2026-12345");
        assert_eq!(
            v["product_status"]["known_affected"],
            json!(["CSAFPID-0001"])
        );
        assert_eq!(v["product_status"]["fixed"], json!(["CSAFPID-0002"]));
        assert_eq!(
            v["product_status"]["known_not_affected"],
            json!(["CSAFPID-0003", "CSAFPID-0004"])
        );
        assert_eq!(
            v["product_status"]["under_investigation"],
            json!(["CSAFPID-0005"])
        );
        assert_eq!(v["flags"][0]["label"], "vulnerable_code_not_present");
        assert_eq!(v["threats"][0]["category"], "impact");
        assert_eq!(v["threats"][0]["product_ids"], json!(["CSAFPID-0004"]));
        assert_eq!(v["remediations"][0]["category"], "vendor_fix");
        assert_eq!(v["remediations"][0]["date"], "2026-03-01T09:00:00.000Z");
        assert_eq!(v["scores"][0]["products"], json!(["CSAFPID-0001"]));
        // The three obserae versions share one product_name branch.
        let products = &doc["product_tree"]["branches"][0]["branches"];
        assert_eq!(products[0]["name"], "obserae");
        assert_eq!(products[0]["branches"].as_array().unwrap().len(), 3);
        assert_eq!(
            products[0]["branches"][0]["product"]["product_identification_helper"]["purl"],
            "pkg:cargo/obserae@1.4.1"
        );
        // Breaking an impact statement makes the validator's VEX test fail: it is not vacuous.
        let mut broken = doc.clone();
        broken["vulnerabilities"][0]
            .as_object_mut()
            .unwrap()
            .remove("threats");
        let f = validate::validate(&broken);
        assert_eq!(f.len(), 1, "{}", show(&f));
        assert_eq!(f[0].test, "6.1.27.9");
        assert_eq!(
            f[0].path,
            "/vulnerabilities/0/product_status/known_not_affected/1"
        );
    }

    #[test]
    fn vex_statements_that_cannot_be_exported_are_refused_by_index() {
        let (a, p, now) = (sample(), publisher(), t("2026-03-01T09:00:00Z"));
        assert!(matches!(
            render(&a, &p, &[], now),
            Err(VexError::NoStatements)
        ));
        let mut s = statements();
        s[2].justification = None;
        assert!(matches!(
            render(&a, &p, &s, now),
            Err(VexError::MissingImpact { index: 2, .. })
        ));
        let mut s = statements();
        s[0].action = None;
        let e = render(&a, &p, &s, now).unwrap_err();
        assert!(matches!(e, VexError::MissingAction { index: 0, .. }));
        assert!(e.to_string().contains("obserae 1.4.1"), "{e}");
        let mut s = statements();
        s[1].product = VexProduct::Purl("pkg:cargo/obserae@1.4.1".into());
        assert!(matches!(
            render(&a, &p, &s, now),
            Err(VexError::Duplicate {
                first: 0,
                index: 1,
                ..
            })
        ));
        let mut s = statements();
        s[1].product = VexProduct::Purl("pkg:maven/@1.3.4".into());
        assert!(matches!(
            render(&a, &p, &s, now),
            Err(VexError::Purl { index: 1, .. })
        ));
        let mut s = statements();
        s[3].product = VexProduct::Named {
            name: "appliance".into(),
            version: "all versions".into(),
        };
        assert!(matches!(
            render(&a, &p, &s, now),
            Err(VexError::VersionRange { index: 3, .. })
        ));
    }
}

mod ingest {
    use embargo_formats::csaf::ingest::{CsafIngestError, from_json, to_osv};
    use embargo_formats::csaf::{self, vex};
    use embargo_formats::osv::{OsvEvent, RangeKind};
    use serde_json::json;

    use crate::exports::{publisher, sample, t};
    use crate::schema::{assert_valid, json as fixture};

    #[test]
    fn official_examples_become_osv_records() {
        let rhsa = to_osv(&fixture("csaf/examples/rhsa-2021_5217.json")).unwrap();
        assert!(!rhsa.is_empty());
        for v in &rhsa {
            assert!(v.id.starts_with("CVE-"), "{}", v.id);
            assert_valid("osv/schema.json", &serde_json::to_value(v).unwrap());
            // Red Hat's products have no purl: they are kept, with their status.
            let kept = &v.database_specific.as_ref().unwrap()["csaf"]["products"];
            assert!(!kept.as_array().unwrap().is_empty(), "{}", v.id);
            assert_eq!(
                v.database_specific.as_ref().unwrap()["csaf"]["document"],
                "RHSA-2021:5217"
            );
        }
        for ex in ["bsi-2022-0001.json", "2022-evd-uc-01-a-001.json"] {
            let text =
                std::fs::read_to_string(crate::schema::fixture(&format!("csaf/examples/{ex}")))
                    .unwrap();
            for v in from_json(&text).unwrap() {
                assert_valid("osv/schema.json", &serde_json::to_value(&v).unwrap());
                assert!(v.summary.is_some() || v.details.is_some(), "{ex}: {}", v.id);
            }
        }
        let bsi = to_osv(&fixture("csaf/examples/bsi-2022-0001.json")).unwrap();
        assert_eq!(bsi[0].severity[0].kind, "CVSS_V3");
    }

    #[test]
    fn embargo_csaf_export_reads_back_with_its_fixed_versions() {
        let doc = csaf::render(&sample(), &publisher(), t("2026-03-01T09:00:00Z"));
        let v = &to_osv(&doc).unwrap()[0];
        assert_valid("osv/schema.json", &serde_json::to_value(v).unwrap());
        assert_eq!(v.id, "CVE-2026-12345");
        assert_eq!(v.aliases, vec!["GHSA-4c7x-2m9v-8fqh"]);
        // The export's vulnerability note is a description: the title is the summary.
        assert_eq!(v.summary.as_deref(), Some("Path traversal in export"));
        assert_eq!(
            v.details.as_deref(),
            Some("A crafted name escapes the export directory.")
        );
        assert_eq!(
            v.severity[0].score,
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
        );
        assert_eq!(v.affected.len(), 1);
        let a = &v.affected[0];
        let p = a.package.as_ref().unwrap();
        assert_eq!(
            (p.ecosystem.as_str(), p.name.as_str()),
            ("crates.io", "obserae")
        );
        assert_eq!(p.purl.as_deref(), Some("pkg:cargo/obserae"));
        assert_eq!(
            a.ranges[0].events,
            vec![
                OsvEvent::Introduced("0".into()),
                OsvEvent::Fixed("1.4.2".into()),
                OsvEvent::Fixed("2.1.3".into())
            ]
        );
        // The affected ranges have no purl in Embargo's export: kept, with their names.
        let kept = v.database_specific.as_ref().unwrap()["csaf"]["products"].to_string();
        assert!(kept.contains("obserae appliance >=7.0.0|<=7.4.1"), "{kept}");
    }

    #[test]
    fn vex_statements_and_vers_ranges_become_packages() {
        use vex::{ActionCategory, VexProduct, VexStatement, VexStatus};
        let s = |p: &str, status, action: Option<ActionCategory>| VexStatement {
            product: VexProduct::Purl(p.into()),
            status,
            justification: None,
            statement: Some("x".into()),
            action,
            date: None,
        };
        let doc = vex::render(
            &sample(),
            &publisher(),
            &[
                s(
                    "pkg:pypi/obserae-client@1.2.0",
                    VexStatus::KnownAffected,
                    Some(ActionCategory::VendorFix),
                ),
                s("pkg:pypi/obserae-client@1.3.0", VexStatus::Fixed, None),
                s(
                    "pkg:pypi/obserae-client@0.9.0",
                    VexStatus::KnownNotAffected,
                    None,
                ),
            ],
            t("2026-03-01T09:00:00Z"),
        )
        .unwrap();
        let v = &to_osv(&doc).unwrap()[0];
        let a = &v.affected[0];
        assert_eq!(a.package.as_ref().unwrap().ecosystem, "PyPI");
        assert_eq!(a.versions, vec!["1.2.0"]);
        assert_eq!(a.ranges[0].events[1], OsvEvent::Fixed("1.3.0".into()));
        // Not affected is not affected: 0.9.0 appears nowhere in `affected`.
        assert!(
            !serde_json::to_string(&v.affected)
                .unwrap()
                .contains("0.9.0")
        );

        // A `vers:` range on a product_version_range branch.
        let mut doc = doc;
        doc["product_tree"]["branches"][0]["branches"].as_array_mut().unwrap().push(json!({
            "category": "product_name", "name": "lib", "branches": [{
                "category": "product_version_range", "name": "vers:semver/>=1.0.0|<1.4.2",
                "product": { "product_id": "R1", "name": "lib 1.x", "product_identification_helper": { "purl": "pkg:cargo/lib" } }
            }]
        }));
        doc["vulnerabilities"][0]["product_status"]["known_affected"]
            .as_array_mut()
            .unwrap()
            .push(json!("R1"));
        let v = &to_osv(&doc).unwrap()[0];
        assert_valid("osv/schema.json", &serde_json::to_value(v).unwrap());
        let lib = v
            .affected
            .iter()
            .find(|a| a.package.as_ref().unwrap().name == "lib")
            .unwrap();
        assert_eq!(lib.ranges[0].kind, RangeKind::Semver);
        assert_eq!(
            lib.ranges[0].events,
            vec![
                OsvEvent::Introduced("1.0.0".into()),
                OsvEvent::Fixed("1.4.2".into())
            ]
        );
    }

    #[test]
    fn errors_name_the_document_and_the_path() {
        let mut doc = csaf::render(&sample(), &publisher(), t("2026-03-01T09:00:00Z"));
        doc["vulnerabilities"][0]["product_status"]["fixed"][1] = json!("NOPE");
        let e = to_osv(&doc).unwrap_err();
        assert!(
            matches!(&e, CsafIngestError::Document { path, .. } if path == "/vulnerabilities/0/product_status/fixed/1"),
            "{e}"
        );
        assert!(e.to_string().contains("OBS-SA-2026-0003"), "{e}");
        let mut doc = csaf::render(&sample(), &publisher(), t("2026-03-01T09:00:00Z"));
        doc["document"]["tracking"]
            .as_object_mut()
            .unwrap()
            .remove("current_release_date");
        let e = to_osv(&doc).unwrap_err();
        assert!(
            e.to_string()
                .contains("/document/tracking/current_release_date"),
            "{e}"
        );
        let mut doc = csaf::render(&sample(), &publisher(), t("2026-03-01T09:00:00Z"));
        doc["product_tree"]["branches"][0]["branches"][0]["branches"][2]["product"]["product_identification_helper"]
            ["purl"] = json!("pkg:/x");
        let e = to_osv(&doc).unwrap_err();
        assert!(e.to_string().contains("/product_tree/branches/0/branches/0/branches/2/product/product_identification_helper/purl"), "{e}");
        assert!(matches!(from_json("{"), Err(CsafIngestError::Json(_))));
        // No vulnerability with an identifier: nothing to read, and no error.
        let mut doc = csaf::render(&sample(), &publisher(), t("2026-03-01T09:00:00Z"));
        doc["vulnerabilities"][0]
            .as_object_mut()
            .unwrap()
            .remove("cve");
        doc["vulnerabilities"][0]
            .as_object_mut()
            .unwrap()
            .remove("ids");
        assert!(to_osv(&doc).unwrap().is_empty());
    }
}
