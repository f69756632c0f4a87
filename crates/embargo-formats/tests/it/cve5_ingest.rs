//! CVE JSON 5.x ingest (`cve5::ingest`): the official examples and Embargo's own CVE export
//! read back into OSV records that validate against the OSV schema, with packages mapped from
//! `collectionURL`, versions as OSV ranges, scores from CNA and ADP containers, and problems
//! named by record id and JSON path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use embargo_formats::cve5::{self, ingest};
use embargo_formats::osv::{self, OsvEvent, RangeKind, Vulnerability};
use serde_json::{Value, json};

use crate::osv::export::{GIT_FIXED, GIT_INTRODUCED, V31, V40, publisher, sample, t};
use crate::schema::{assert_valid, json as fixture_json};

fn osv_valid(v: &Vulnerability) {
    assert_valid("osv/schema.json", &serde_json::to_value(v).unwrap());
}

#[test]
fn the_official_examples_convert() {
    let seen = t("2025-01-01T00:00:00Z");
    // The basic example has no date anywhere: `from_value` says so, `from_value_at` uses
    // the time the record was seen.
    let basic = fixture_json("cve/examples/CVEv5_basic-example.json");
    let e = ingest::from_value(basic.clone()).unwrap_err().to_string();
    assert!(
        e.contains("CVE-1337-1234") && e.contains("cveMetadata.dateUpdated"),
        "{e}"
    );
    let v = ingest::from_value_at(basic, seen).unwrap();
    osv_valid(&v);
    assert_eq!(v.modified, "2025-01-01T00:00:00Z");
    assert!(v.published.is_none());
    assert!(
        v.details
            .as_deref()
            .unwrap()
            .starts_with("OS Command Injection")
    );
    // Vendor/product without a package: kept, not turned into an OSV package.
    assert!(v.affected.is_empty());
    let ds = v.database_specific.as_ref().unwrap();
    assert_eq!(ds["products"][0]["vendor"], "Example.org");
    assert_eq!(ds["products"][0]["versions"][0]["lessThan"], "1.0.6");
    assert_eq!(v.references[0].kind, "WEB");

    let adv = ingest::from_value_at(
        fixture_json("cve/examples/CVEv5_advanced-example.json"),
        seen,
    )
    .unwrap();
    osv_valid(&adv);
    assert_eq!(adv.id, "CVE-1337-1234");
    assert_eq!(
        adv.summary.as_deref(),
        Some("Buffer overflow in Example Enterprise allows Privilege Escalation.")
    );
    // providerMetadata.dateUpdated is the only date; datePublic gives `published`.
    assert_eq!(adv.modified, "2021-09-08T16:24:00Z");
    assert_eq!(adv.published.as_deref(), Some("2021-09-08T16:24:00Z"));
    // English description, not the Esperanto one.
    assert!(
        adv.details
            .as_deref()
            .unwrap()
            .starts_with("OS Command Injection")
    );
    let sev: Vec<(&str, &str)> = adv
        .severity
        .iter()
        .map(|s| (s.kind.as_str(), s.score.as_str()))
        .collect();
    assert_eq!(
        sev,
        [
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:L"
            ),
            // The GENERAL scenario's score, listed first, not the second scenario's.
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ]
    );
    let refs: Vec<&str> = adv.references.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(refs, ["ADVISORY", "ARTICLE", "REPORT", "PACKAGE"]);
    let credits: Vec<(&str, &str)> = adv
        .credits
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_deref().unwrap()))
        .collect();
    assert_eq!(
        credits,
        [
            ("Alice", "FINDER"),
            ("Bob", "ANALYST"),
            ("Acme Autofuzz", "TOOL")
        ]
    );
    let ds = adv.database_specific.as_ref().unwrap();
    assert_eq!(ds["cwe_ids"], json!(["CWE-78"]));
    assert_eq!(ds["assigner"], "example");
    // example.org/packages is no package index: the product stays in database_specific,
    // with the wildcard range noted as not converted (it has changes, so it converts).
    assert_eq!(
        ds["products"][0]["collectionURL"],
        "https://example.org/packages"
    );

    // A container alone is not a record.
    let e = ingest::from_value(fixture_json("cve/examples/container-basic-example.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing field `dataType`"), "{e}");
}

fn pkg<'a>(v: &'a Vulnerability, eco: &str, name: &str) -> &'a osv::Affected {
    v.affected
        .iter()
        .find(|a| {
            a.package
                .as_ref()
                .is_some_and(|p| p.ecosystem == eco && p.name == name)
        })
        .unwrap_or_else(|| panic!("{eco}/{name} in {:#?}", v.affected))
}

/// Embargo's own CVE record read back: the packages, ranges, GIT product, scores,
/// references and credits are those of the OSV export of the same advisory.
#[test]
fn embargo_export_round_trips() {
    let a = sample();
    let rec = cve5::record(
        &a,
        &publisher(),
        "CVE-2026-12345",
        t("2026-03-01T09:00:00Z"),
    );
    let v = ingest::from_value(rec).unwrap();
    osv_valid(&v);
    let exported = osv::from_advisory(&a, &publisher());

    assert_eq!(v.id, "CVE-2026-12345");
    assert_eq!(v.published.as_deref(), Some("2026-03-01T09:00:00Z"));
    assert_eq!(v.modified, "2026-03-01T09:00:00Z");
    assert_eq!(v.summary, exported.summary);
    assert_eq!(
        v.details.as_deref(),
        Some("A crafted archive name escapes the export directory.")
    );
    assert_eq!(
        v.severity
            .iter()
            .map(|s| s.score.as_str())
            .collect::<Vec<_>>(),
        [V40, V31]
    );

    for (eco, name) in [("crates.io", "obserae"), ("PyPI", "obserae-client")] {
        let got = pkg(&v, eco, name);
        let want = pkg(&exported, eco, name);
        // Each `versions[]` span is an OSV range of its own; together they hold the export's
        // events in the same order.
        let events = |a: &osv::Affected| {
            a.ranges
                .iter()
                .flat_map(|r| r.events.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(events(got), events(want), "{eco}/{name}");
        assert!(got.ranges.iter().all(|r| r.kind == want.ranges[0].kind));
        assert_eq!(got.versions, want.versions, "{eco}/{name}");
    }
    // The crate's two spans are one SEMVER range each way; the verdicts agree.
    let c = pkg(&v, "crates.io", "obserae");
    for (ver, affected) in [
        ("1.4.1", true),
        ("1.4.2", false),
        ("2.1.2", true),
        ("2.1.3", false),
    ] {
        assert_eq!(
            v.affects("crates.io", "obserae", ver).unwrap()
                == embargo_domain::version::range::Verdict::Affected,
            affected,
            "{ver} in {:?}",
            c.ranges
        );
    }

    // The C library known by its repository: a GIT range without a package, plus its
    // enumerated versions.
    let git = v.affected.iter().find(|a| a.package.is_none()).unwrap();
    assert_eq!(git.ranges[0].kind, RangeKind::Git);
    assert_eq!(
        git.ranges[0].repo.as_deref(),
        Some("https://git.example.org/libobs.git")
    );
    assert_eq!(
        git.ranges[0].events,
        [
            OsvEvent::Introduced(GIT_INTRODUCED.into()),
            OsvEvent::Fixed(GIT_FIXED.into())
        ]
    );
    assert_eq!(git.versions, ["v1.0.0", "v1.0.1"]);

    // The appliance (no package index) is kept as a product.
    let ds = v.database_specific.as_ref().unwrap();
    assert_eq!(ds["products"].as_array().unwrap().len(), 1);
    assert_eq!(ds["products"][0]["product"], "obserae appliance");
    assert_eq!(ds["products"][0]["versions"][0]["lessThanOrEqual"], "7.4.1");
    assert_eq!(ds["cwe_ids"], json!(["CWE-22"]));

    // References: tags map back to the OSV types the export started from.
    let kind = |url: &str| {
        v.references
            .iter()
            .find(|r| r.url == url)
            .map(|r| r.kind.as_str())
    };
    assert_eq!(
        kind("https://git.example.org/obserae/commit/f3a9b8c"),
        Some("FIX")
    );
    assert_eq!(
        kind("https://issues.example.org/obserae/412"),
        Some("REPORT")
    );
    assert_eq!(
        kind("https://blog.example.org/path-traversal"),
        Some("ARTICLE")
    );
    assert_eq!(kind("https://example.org/notes"), Some("WEB"));
    // Consented credits only (the export dropped the other one).
    let names: Vec<&str> = v.credits.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Ana Lima", "Bo Chen"]);
    assert_eq!(v.credits[1].kind.as_deref(), Some("REMEDIATION_DEVELOPER"));
}

#[test]
fn rejected_records_are_withdrawn() {
    let mut a = sample();
    a.withdraw(t("2026-03-05T12:30:00Z"), "not a vulnerability");
    let rec = cve5::record(
        &a,
        &publisher(),
        "CVE-2026-12345",
        t("2026-03-01T09:00:00Z"),
    );
    let v = ingest::from_value(rec).unwrap();
    osv_valid(&v);
    assert_eq!(v.withdrawn.as_deref(), Some("2026-03-05T12:30:00Z"));
    assert_eq!(
        v.details.as_deref(),
        Some("Withdrawn by Spartan Conseil: not a vulnerability")
    );
    assert!(v.affected.is_empty());
    assert_eq!(v.database_specific.as_ref().unwrap()["state"], "REJECTED");
}

fn minimal(cna: Value) -> Value {
    json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.0",
        "cveMetadata": {
            "cveId": "CVE-2024-4321",
            "assignerOrgId": "b3476cb9-2e3d-41a6-98d0-0f47421a65b6",
            "state": "PUBLISHED",
            "datePublished": "2024-05-01T10:00:00",
            "dateUpdated": "2024-05-02T10:00:00.000Z"
        },
        "containers": { "cna": cna }
    })
}

#[test]
fn packages_versions_adp_and_aliases() {
    let mut rec = minimal(json!({
        "providerMetadata": { "orgId": "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", "shortName": "GitHub_M" },
        "title": "  Signature wrapping in saml-lib  ",
        "descriptions": [{ "lang": "en-US", "value": "Forged assertions are accepted." }],
        "affected": [
            { "vendor": "acme", "product": "saml-lib", "collectionURL": "https://pypi.org",
              "packageName": "saml-lib", "defaultStatus": "unaffected",
              "versions": [
                  { "version": "0", "lessThan": "1.12.3", "status": "affected", "versionType": "python" },
                  { "version": "1.13.0", "lessThanOrEqual": "1.16.0", "status": "affected", "versionType": "python" },
                  { "version": "2.0.0rc1", "status": "affected" },
                  { "version": "1.17.0", "status": "unaffected" }
              ] },
            { "vendor": "golang", "product": "x/net", "collectionURL": "https://pkg.go.dev",
              "packageName": "golang.org/x/net", "defaultStatus": "affected",
              "versions": [{ "version": "v0.23.0", "lessThan": "*", "status": "unaffected", "versionType": "semver" }] },
            { "vendor": "acme", "product": "everything", "collectionURL": "https://www.npmjs.com",
              "packageName": "@acme/everything", "defaultStatus": "affected" },
            { "vendor": "acme", "product": "islands", "collectionURL": "https://crates.io",
              "packageName": "islands", "defaultStatus": "affected",
              "versions": [
                  { "version": "1.0.0", "lessThan": "1.1.0", "status": "unaffected", "versionType": "semver" },
                  { "version": "2.0.0", "lessThan": "*", "status": "unaffected", "versionType": "semver" }
              ] }
        ],
        "references": [
            { "url": "https://github.com/acme/saml-lib/security/advisories/GHSA-jw9c-mfg7-9rx2", "tags": ["vendor-advisory"] },
            { "url": "https://github.com/acme/saml-lib/commit/1ec5392", "tags": ["patch"] }
        ]
    }));
    rec["containers"]["adp"] = json!([{
        "providerMetadata": { "orgId": "134c704f-9b21-4f2e-91b3-4a467353bcc0", "shortName": "CISA-ADP",
                              "dateUpdated": "2024-06-01T00:00:00.000Z" },
        "metrics": [{ "cvssV3_1": { "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
                                    "baseScore": 9.1, "baseSeverity": "CRITICAL" } }],
        "problemTypes": [{ "descriptions": [{ "lang": "en", "type": "CWE", "cweId": "CWE-347",
                                              "description": "CWE-347 Improper Verification of Cryptographic Signature" }] }],
        "references": [{ "url": "https://github.com/acme/saml-lib/commit/1ec5392" }]
    }]);
    let v = ingest::from_value(rec).unwrap();
    osv_valid(&v);
    assert_eq!(v.summary.as_deref(), Some("Signature wrapping in saml-lib"));
    assert_eq!(
        v.details.as_deref(),
        Some("Forged assertions are accepted.")
    );
    assert_eq!(v.published.as_deref(), Some("2024-05-01T10:00:00Z"));
    assert_eq!(v.modified, "2024-05-02T10:00:00Z");
    assert_eq!(v.aliases, ["GHSA-jw9c-mfg7-9rx2"]);
    assert_eq!(
        v.references.len(),
        2,
        "the ADP's duplicate URL is listed once"
    );
    assert_eq!(v.severity.len(), 1);
    assert_eq!(v.severity[0].kind, "CVSS_V3");
    let ds = v.database_specific.as_ref().unwrap();
    assert_eq!(ds["adp"], json!(["CISA-ADP"]));
    assert_eq!(ds["cwe_ids"], json!(["CWE-347"]));
    assert_eq!(ds["severity"], "CRITICAL");

    use OsvEvent::{Fixed, Introduced, LastAffected};
    let py = pkg(&v, "PyPI", "saml-lib");
    assert_eq!(py.ranges.len(), 2);
    assert_eq!(py.ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(
        py.ranges[0].events,
        [Introduced("0".into()), Fixed("1.12.3".into())]
    );
    assert_eq!(
        py.ranges[1].events,
        [Introduced("1.13.0".into()), LastAffected("1.16.0".into())]
    );
    assert_eq!(py.versions, ["2.0.0rc1"]);
    for (ver, want) in [
        ("1.12.2", true),
        ("1.12.3", false),
        ("1.16.0", true),
        ("1.17.0", false),
    ] {
        let got = v.affects("PyPI", "saml-lib", ver).unwrap()
            == embargo_domain::version::range::Verdict::Affected;
        assert_eq!(got, want, "{ver}");
    }
    // Default affected, unaffected from v0.23.0 on: introduced 0, fixed 0.23.0 (no `v`).
    let go = pkg(&v, "Go", "golang.org/x/net");
    assert_eq!(go.ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        go.ranges[0].events,
        [Introduced("0".into()), Fixed("0.23.0".into())]
    );
    // Default affected with no versions: every version.
    let npm = pkg(&v, "npm", "@acme/everything");
    assert_eq!(npm.ranges[0].events, [Introduced("0".into())]);
    // Unaffected islands inside an affected default need an ordering: noted, not guessed.
    let islands = pkg(&v, "crates.io", "islands");
    assert!(islands.ranges.is_empty());
    let notes = islands.database_specific.as_ref().unwrap()["notes"][0]
        .as_str()
        .unwrap();
    assert!(notes.contains("defaultStatus `affected`"), "{notes}");
}

#[test]
fn problems_are_named_by_id_and_path() {
    let bad = minimal(json!({
        "providerMetadata": { "orgId": "b3476cb9-2e3d-41a6-98d0-0f47421a65b6" },
        "affected": [{ "vendor": "a", "product": "b",
                       "versions": [{ "version": "1", "status": "broken" }] }]
    }));
    let e = ingest::from_value(bad).unwrap_err().to_string();
    assert!(
        e.starts_with("CVE record CVE-2024-4321: unknown variant `broken`"),
        "{e}"
    );
    assert!(
        e.ends_with("at `containers.cna.affected[0].versions[0].status`"),
        "{e}"
    );

    let mut rec = minimal(json!({ "providerMetadata": { "orgId": "x" } }));
    rec["cveMetadata"]["datePublished"] = json!("soon");
    let e = ingest::from_value(rec).unwrap_err().to_string();
    assert!(e.contains("at `cveMetadata.datePublished`"), "{e}");

    let mut rec = minimal(json!({ "providerMetadata": { "orgId": "x" } }));
    rec["dataVersion"] = json!("4.0");
    let e = ingest::from_value(rec).unwrap_err().to_string();
    assert!(e.contains("version `4.0` is not supported"), "{e}");

    let mut rec = minimal(json!({ "providerMetadata": { "orgId": "x" } }));
    rec["cveMetadata"]["state"] = json!("RESERVED");
    let e = ingest::from_value(rec).unwrap_err().to_string();
    assert!(e.contains("at `cveMetadata.state`"), "{e}");

    assert!(matches!(
        ingest::from_json("{"),
        Err(ingest::Cve5Error::Json(_))
    ));
}
