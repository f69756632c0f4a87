#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The exports of one realistic advisory validate against the official schemas (OSV 1.7,
//! CVE JSON 5.1.1 record and CNA container, CSAF 2.0 and its provider metadata), and carry
//! what they should (and never a credit given without consent).

use embargo_domain::advisory::*;
use embargo_formats::publisher::Publisher;
use embargo_formats::{csaf, cve5, osv};

use crate::schema::assert_valid;

pub(crate) fn t(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

pub(crate) fn publisher() -> Publisher {
    Publisher {
        name: "Spartan Conseil".into(),
        base_url: "https://security.example.org".into(),
        contact: Some("mailto:security@example.org".into()),
        product: "obserae".into(),
        cve_org_id: None,
        cve_short_name: None,
    }
}

pub(crate) fn sample() -> Advisory {
    let mut a = Advisory::draft(
        IdFormat::new("OBS-SA", 4).unwrap().make(2026, 3),
        "Path traversal in export".into(),
        t("2026-02-01T10:00:00Z"),
    );
    a.summary = "A crafted name escapes the export directory.".into();
    a.details = "Details with <b>html</b>.".into();
    a.workarounds = "Disable exports.".into();
    a.aliases = vec!["CVE-2026-12345".into(), "GHSA-4c7x-2m9v-8fqh".into()];
    a.cwes = vec!["CWE-22".into()];
    a.cvss = vec![
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N".into(),
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N".into(),
    ];
    a.references = vec![Reference {
        kind: ReferenceKind::Fix,
        url: "https://example.org/commit/1".into(),
    }];
    a.credits = vec![
        Credit {
            name: "Ana".into(),
            contact: Some("https://ana.example".into()),
            kind: CreditKind::Finder,
            consent: true,
        },
        Credit {
            name: "Hidden Helper".into(),
            contact: None,
            kind: CreditKind::Analyst,
            consent: false,
        },
    ];
    a.affected = vec![
        Affected {
            ecosystem: "crates.io".into(),
            name: "obserae".into(),
            purl: Some("pkg:cargo/obserae".into()),
            ranges: vec![AffectedRange {
                kind: RangeKind::Semver,
                repo: None,
                events: vec![
                    RangeEvent::Introduced("0".into()),
                    RangeEvent::Fixed("1.4.2".into()),
                    RangeEvent::Introduced("2.0.0".into()),
                    RangeEvent::Fixed("2.1.3".into()),
                ],
            }],
            versions: vec![],
            patched: vec![],
        },
        Affected {
            ecosystem: String::new(),
            name: "obserae appliance".into(),
            purl: None,
            ranges: vec![AffectedRange {
                kind: RangeKind::Semver,
                repo: None,
                events: vec![
                    RangeEvent::Introduced("7.0.0".into()),
                    RangeEvent::LastAffected("7.4.1".into()),
                ],
            }],
            versions: vec![],
            patched: vec![],
        },
    ];
    a.publish(t("2026-03-01T09:00:00Z"), "");
    a
}

#[test]
fn osv_export_validates_and_evaluates() {
    let a = sample();
    let v = serde_json::to_value(osv::from_advisory(&a, &publisher())).unwrap();
    assert_valid("osv/schema.json", &v);
    let text = v.to_string();
    assert!(!text.contains("Hidden Helper"));
    assert_eq!(v["aliases"][0], "CVE-2026-12345");
    assert_eq!(v["severity"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["affected"].as_array().unwrap().len(),
        1,
        "only ecosystem packages"
    );
    let back = embargo_formats::osv::from_json(&text).unwrap();
    assert_eq!(back.id, "x_OBS-SA-2026-0003");
    assert_eq!(back.affected[0].ranges[0].events.len(), 4);
}

#[test]
fn cve_record_and_container_validate() {
    let mut a = sample();
    let rec = cve5::record(
        &a,
        &publisher(),
        "CVE-2026-12345",
        t("2026-03-01T09:00:00Z"),
    );
    assert_valid("cve/schema/CVE_JSON_bundled_5.1.1.json", &rec);
    assert_valid(
        "cve/schema/CVE_JSON_cnaPublishedContainer_5.1.1.json",
        &rec["containers"]["cna"],
    );
    let cna = &rec["containers"]["cna"];
    assert_eq!(cna["affected"][0]["versions"][1]["lessThan"], "2.1.3");
    assert_eq!(
        cna["affected"][1]["versions"][0]["lessThanOrEqual"],
        "7.4.1"
    );
    assert_eq!(cna["metrics"][0]["cvssV3_1"]["baseScore"], 6.5);
    assert_eq!(cna["problemTypes"][0]["descriptions"][0]["cweId"], "CWE-22");
    assert!(!rec.to_string().contains("Hidden Helper"));
    a.withdraw(t("2026-03-05T00:00:00Z"), "duplicate");
    let rej = cve5::record(
        &a,
        &publisher(),
        "CVE-2026-12345",
        t("2026-03-01T09:00:00Z"),
    );
    assert_eq!(rej["cveMetadata"]["state"], "REJECTED");
    assert_valid("cve/schema/CVE_JSON_bundled_5.1.1.json", &rej);
}

#[test]
fn csaf_document_and_provider_metadata_validate() {
    let mut a = sample();
    let now = t("2026-03-01T09:00:00Z");
    let doc = csaf::render(&a, &publisher(), now);
    assert_valid("csaf/schema/csaf_json_schema.json", &doc);
    assert_eq!(doc["document"]["tracking"]["status"], "final");
    assert_eq!(doc["document"]["tracking"]["version"], "1");
    assert_eq!(doc["vulnerabilities"][0]["cve"], "CVE-2026-12345");
    assert_eq!(
        doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"],
        6.5
    );
    assert!(!doc.to_string().contains("Hidden Helper"));
    // Every product id used is defined in the product tree.
    let text = doc.to_string();
    let status = &doc["vulnerabilities"][0]["product_status"];
    for id in status["known_affected"]
        .as_array()
        .unwrap()
        .iter()
        .chain(status["fixed"].as_array().unwrap())
    {
        assert_eq!(
            text.matches(&format!("\"product_id\":{id}")).count(),
            1,
            "{id}"
        );
    }
    a.publish(t("2026-03-02T09:00:00Z"), "Clarified");
    let doc2 = csaf::render(&a, &publisher(), now);
    assert_valid("csaf/schema/csaf_json_schema.json", &doc2);
    assert_eq!(
        doc2["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    a.withdraw(t("2026-03-03T09:00:00Z"), "not a vulnerability");
    assert_valid(
        "csaf/schema/csaf_json_schema.json",
        &csaf::render(&a, &publisher(), now),
    );
    let draft = Advisory::draft(
        IdFormat::new("OBS-SA", 4).unwrap().make(2026, 4),
        "Draft".into(),
        now,
    );
    let d = csaf::render(&draft, &publisher(), now);
    assert_valid("csaf/schema/csaf_json_schema.json", &d);
    assert_eq!(d["document"]["tracking"]["status"], "draft");

    let pm = csaf::distribution::provider_metadata(
        &publisher(),
        now,
        &[(
            "A".repeat(40),
            "https://security.example.org/key.asc".into(),
        )],
    );
    assert_valid("csaf/schema/provider_json_schema.json", &pm);
    let e = csaf::distribution::DistEntry {
        id: a.id.clone(),
        title: a.title.clone(),
        path_in_white: "2026/obs-sa-2026-0003.json".into(),
        initial: now,
        current: now,
    };
    assert_eq!(
        csaf::distribution::index_txt(std::slice::from_ref(&e)),
        "2026/obs-sa-2026-0003.json\n"
    );
    assert!(
        csaf::distribution::changes_csv(std::slice::from_ref(&e))
            .starts_with("\"2026/obs-sa-2026-0003.json\",\"2026-03-01T09:00:00")
    );
    let feed = csaf::distribution::rolie_feed(&publisher(), &[e], now);
    assert_eq!(feed["feed"]["entry"][0]["format"]["version"], "2.0");
}
