//! NVD CVE API 2.0 pages (`nvd::parse_page`): every record of the hand-written fixture page
//! converts into an OSV record that validates against the OSV schema, with severity, withdrawal,
//! references and CPE matches as documented; a page with bad records keeps the good ones and
//! names each bad one by index, id and JSON path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use embargo_formats::nvd::{self, Cpe23, NvdError};
use embargo_formats::osv::Vulnerability;
use serde_json::{Value, json};

use crate::schema::{assert_valid, fixture};

fn page(name: &str) -> nvd::Page {
    let text = std::fs::read_to_string(fixture(&format!("nvd/{name}"))).unwrap();
    nvd::parse_page(&text).unwrap()
}

fn by_id<'a>(records: &'a [Vulnerability], id: &str) -> &'a Vulnerability {
    records.iter().find(|v| v.id == id).unwrap()
}

#[test]
fn every_record_of_the_page_converts_and_validates_as_osv() {
    let p = page("cves-2.0-page-0.json");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        (p.results_per_page, p.start_index, p.total_results),
        (4, 0, 4)
    );
    assert_eq!(p.timestamp, "2025-03-01T08:30:12.345Z");
    let ids: Vec<&str> = p.records.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CVE-2021-44228",
            "CVE-2024-3094",
            "CVE-2024-45409",
            "CVE-2024-99990"
        ]
    );
    for v in &p.records {
        assert_valid("osv/schema.json", &serde_json::to_value(v).unwrap());
        // The OSV text round-trips through the OSV parser.
        let again = embargo_formats::osv::from_json(&serde_json::to_string(v).unwrap()).unwrap();
        assert_eq!(&again, v);
    }
}

#[test]
fn log4shell_fields() {
    let p = page("cves-2.0-page-0.json");
    let v = by_id(&p.records, "CVE-2021-44228");
    assert_eq!(v.published.as_deref(), Some("2021-12-10T10:15:09.143Z"));
    assert_eq!(v.modified, "2025-02-04T15:15:13.773Z");
    assert!(!v.is_withdrawn());
    assert!(v.summary.is_none());
    assert!(
        v.details
            .as_deref()
            .unwrap()
            .starts_with("Apache Log4j2 2.0-beta9")
    );
    let sev: Vec<(&str, &str)> = v
        .severity
        .iter()
        .map(|s| (s.kind.as_str(), s.score.as_str()))
        .collect();
    assert_eq!(
        sev,
        [
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            ("CVSS_V2", "AV:N/AC:M/Au:N/C:C/I:C/A:C"),
        ]
    );
    // The duplicated security.html reference is listed once; tags decide the type.
    let refs: Vec<(&str, &str)> = v
        .references
        .iter()
        .map(|r| (r.kind.as_str(), r.url.as_str()))
        .collect();
    assert_eq!(refs.len(), 4);
    assert_eq!(
        refs[0],
        (
            "ADVISORY",
            "https://logging.apache.org/log4j/2.x/security.html"
        )
    );
    assert_eq!(refs[1].0, "FIX");
    assert_eq!(refs[2].0, "EVIDENCE");
    assert_eq!(refs[3].0, "ADVISORY");

    // No `affected[]`: CPEs are not OSV packages; they are kept in database_specific.
    assert!(v.affected.is_empty());
    let ds = v.database_specific.as_ref().unwrap();
    assert_eq!(ds["source"], "NVD");
    assert_eq!(ds["vulnStatus"], "Analyzed");
    assert_eq!(ds["severity"], "CRITICAL");
    assert_eq!(
        ds["cwe_ids"],
        json!(["CWE-20", "CWE-400", "CWE-502", "CWE-917"])
    );
    assert_eq!(ds["cisa_kev"]["exploitAdd"], "2021-12-10");
    let m = ds["cpe_matches"].as_array().unwrap();
    assert_eq!(m.len(), 7);
    assert_eq!(
        m[1],
        json!({
            "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
            "matchCriteriaId": "AED3D5EC-DAD5-4E5F-8BBD-B4E3349D84FC",
            "part": "a", "vendor": "apache", "product": "log4j", "version": "*",
            "vulnerable": true,
            "versionStartIncluding": "2.4.0",
            "versionEndExcluding": "2.12.2",
        })
    );
    assert_eq!(m[3]["version"], "2.0");
    // The firmware-AND-hardware configuration is marked as such.
    assert_eq!(m[5]["product"], "siprotec_5_firmware");
    assert_eq!(m[5]["in_and_configuration"], true);
    assert_eq!(m[6]["vulnerable"], false);
    assert!(m[0].get("in_and_configuration").is_none());
}

#[test]
fn severity_prefers_primary_and_keeps_each_version() {
    let p = page("cves-2.0-page-0.json");
    let v = by_id(&p.records, "CVE-2024-45409");
    let sev: Vec<(&str, &str)> = v
        .severity
        .iter()
        .map(|s| (s.kind.as_str(), s.score.as_str()))
        .collect();
    assert_eq!(
        sev,
        [
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N"
            ),
            // NVD's Primary 3.1 vector, not the CNA's Secondary one.
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"),
        ]
    );
    // A Secondary metric is used when it is the only one; NVD-CWE-Other is not a CWE id.
    let xz = by_id(&p.records, "CVE-2024-3094");
    assert_eq!(xz.severity.len(), 1);
    assert_eq!(xz.severity[0].kind, "CVSS_V3");
    let ds = xz.database_specific.as_ref().unwrap();
    assert_eq!(ds["cwe_ids"], json!(["CWE-506"]));
    assert_eq!(xz.references[1].kind, "REPORT");
    assert_eq!(xz.references[2].kind, "DISCUSSION");
}

#[test]
fn rejected_records_are_withdrawn() {
    let p = page("cves-2.0-page-0.json");
    let v = by_id(&p.records, "CVE-2024-99990");
    assert_eq!(v.withdrawn.as_deref(), Some("2024-11-21T08:39:45.383Z"));
    assert!(v.is_withdrawn());
    assert!(v.severity.is_empty() && v.references.is_empty());
    let ds = v.database_specific.as_ref().unwrap();
    assert!(ds.get("cpe_matches").is_none());
}

#[test]
fn bad_records_are_named_and_the_rest_of_the_page_survives() {
    let p = page("cves-2.0-page-bad-records.json");
    assert_eq!(p.start_index, 4);
    let ids: Vec<&str> = p.records.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2021-44228"]);
    let msgs: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    match &p.errors[0] {
        NvdError::Record {
            index, id, path, ..
        } => {
            assert_eq!(*index, 0);
            assert_eq!(id, "CVE-2024-3094");
            assert_eq!(
                path,
                "vulnerabilities[0].cve.configurations[0].nodes[0].cpeMatch[1].vulnerable"
            );
        }
        e => panic!("{e}"),
    }
    assert!(
        msgs[0].starts_with("NVD record #0 (CVE-2024-3094): invalid type"),
        "{}",
        msgs[0]
    );
    match &p.errors[1] {
        NvdError::Record {
            index,
            id,
            path,
            message,
        } => {
            assert_eq!((*index, id.as_str()), (2, "CVE-2024-45409"));
            assert_eq!(
                path,
                "vulnerabilities[2].cve.configurations[0].nodes[0].cpeMatch[0].criteria"
            );
            assert!(
                message.contains("not a CPE 2.3 formatted string"),
                "{message}"
            );
        }
        e => panic!("{e}"),
    }
}

fn one(cve: Value) -> nvd::Page {
    let page = json!({
        "resultsPerPage": 1, "startIndex": 0, "totalResults": 1,
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2025-03-01T08:30:12.345",
        "vulnerabilities": [{ "cve": cve }],
    });
    nvd::parse_page(&page.to_string()).unwrap()
}

#[test]
fn record_level_checks() {
    let base = json!({
        "id": "CVE-2024-1234", "published": "2024-01-02T03:04:05.000",
        "lastModified": "2024-01-02T03:04:05.000",
        "descriptions": [{"lang": "fr", "value": "Seulement en français."}],
        "references": [],
    });
    // Without an English description, the first one is used.
    let p = one(base.clone());
    assert_eq!(
        p.records[0].details.as_deref(),
        Some("Seulement en français.")
    );

    let mut bad = base.clone();
    bad["id"] = json!("CVE-24-1");
    let p = one(bad);
    assert!(p.records.is_empty());
    assert!(
        p.errors[0]
            .to_string()
            .contains("at `vulnerabilities[0].cve.id`"),
        "{}",
        p.errors[0]
    );

    let mut bad = base.clone();
    bad["lastModified"] = json!("last tuesday");
    let p = one(bad);
    assert!(
        p.errors[0]
            .to_string()
            .contains("vulnerabilities[0].cve.lastModified")
    );

    let mut bad = base;
    bad.as_object_mut().unwrap().remove("descriptions");
    let p = one(bad);
    let e = p.errors[0].to_string();
    assert!(
        e.contains("missing field `descriptions`") && e.contains("CVE-2024-1234"),
        "{e}"
    );
}

#[test]
fn pages_that_are_not_nvd_2_are_refused() {
    assert!(matches!(nvd::parse_page("{"), Err(NvdError::Json(_))));
    let e = nvd::parse_page(r#"{"resultsPerPage": 1}"#).unwrap_err();
    assert!(matches!(e, NvdError::Page { .. }), "{e}");
    // The 1.1 data feeds are a different format.
    let e = nvd::parse_page(
        r#"{"resultsPerPage":0,"startIndex":0,"totalResults":0,"format":"NVD_CVE","version":"1.1",
            "timestamp":"2025-01-01T00:00:00","vulnerabilities":[]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("version `1.1`"), "{e}");
}

#[test]
fn cpe_attributes() {
    let c = Cpe23::parse("cpe:2.3:a:onelogin:ruby-saml:*:*:*:*:*:ruby:*:*").unwrap();
    assert_eq!(
        (c.vendor.as_str(), c.product.as_str()),
        ("onelogin", "ruby-saml")
    );
    assert_eq!(c.target_sw, "ruby");
}
