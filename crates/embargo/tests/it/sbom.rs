//! `embargo sbom scan` as a user runs it: ingest real advisories with `embargo feed ingest`,
//! then scan a CycloneDX SBOM in each output format, with `--fail-on`, and with broken input.

use crate::run;

const RUSTSEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/advisories/rustsec"
);

/// pgp 0.14.0 (RUSTSEC-2024-0447, CVSS 7.5) and its fix 0.14.1; flatbuffers 1.12.0
/// (RUSTSEC-2020-0009, 7.5) declared not_affected under its CVE; tokio 1.18.0 with two unscored
/// records, one in triage; time 0.3.10 (RUSTSEC-2026-0009, CVSS 4.0 6.8); a component without
/// purl and one whose purl has no version.
const BOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "components": [
    {"type": "library", "name": "pgp", "version": "0.14.0", "bom-ref": "pgp", "purl": "pkg:cargo/pgp@0.14.0"},
    {"type": "library", "name": "pgp", "version": "0.14.1", "bom-ref": "pgp-new", "purl": "pkg:cargo/pgp@0.14.1"},
    {"type": "library", "name": "flatbuffers", "version": "1.12.0", "bom-ref": "fb", "purl": "pkg:cargo/flatbuffers@1.12.0"},
    {"type": "library", "name": "tokio", "version": "1.18.0", "bom-ref": "tokio", "purl": "pkg:cargo/tokio@1.18.0"},
    {"type": "library", "name": "time", "version": "0.3.10", "bom-ref": "time", "purl": "pkg:cargo/time@0.3.10"},
    {"type": "library", "name": "vendored-zlib", "version": "1.3", "bom-ref": "zlib"},
    {"type": "library", "name": "serde", "bom-ref": "serde", "purl": "pkg:cargo/serde"}
  ],
  "vulnerabilities": [
    {"id": "CVE-2020-35864",
     "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
     "affects": [{"ref": "fb"}]},
    {"id": "RUSTSEC-2023-0001", "analysis": {"state": "in_triage"}, "affects": [{"ref": "tokio"}]}
  ]
}"#;

/// Only a VEX-suppressed finding and unscored ones: nothing for `--fail-on low` to fail on.
const QUIET_BOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "components": [
    {"type": "library", "name": "flatbuffers", "version": "1.12.0", "bom-ref": "fb", "purl": "pkg:cargo/flatbuffers@1.12.0"},
    {"type": "library", "name": "tokio", "version": "1.18.0", "bom-ref": "tokio", "purl": "pkg:cargo/tokio@1.18.0"}
  ],
  "vulnerabilities": [
    {"id": "GHSA-c9h5-hf8r-m97x", "analysis": {"state": "resolved"}, "affects": [{"ref": "fb"}]}
  ]
}"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&["feed", "ingest", RUSTSEC], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(dir.path().join("bom.json"), BOM).unwrap();
    std::fs::write(dir.path().join("quiet.json"), QUIET_BOM).unwrap();
    dir
}

#[test]
fn sbom_scan_formats_fail_on_and_invalid_input() {
    let dir = setup();
    let d = dir.path();

    // Table: one line per finding, most severe first then by id, then the summary.
    let (code, out, err) = run(&["sbom", "scan", "bom.json"], d);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    let expect = [
        (
            "HIGH",
            "7.5",
            "RUSTSEC-2020-0009",
            "pkg:cargo/flatbuffers@1.12.0",
        ),
        ("HIGH", "7.5", "RUSTSEC-2024-0447", "pkg:cargo/pgp@0.14.0"),
        (
            "MEDIUM",
            "6.8",
            "RUSTSEC-2026-0009",
            "pkg:cargo/time@0.3.10",
        ),
        (
            "UNSCORED",
            "-",
            "RUSTSEC-2023-0001",
            "pkg:cargo/tokio@1.18.0",
        ),
        (
            "UNSCORED",
            "-",
            "RUSTSEC-2025-0023",
            "pkg:cargo/tokio@1.18.0",
        ),
    ];
    for (line, (band, score, id, purl)) in lines.iter().zip(expect) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&cols[..4], &[band, score, id, purl], "{line}");
    }
    assert!(
        lines[0].contains("affected, VEX not_affected (code_not_reachable)"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("fixed in 0.14.1"), "{}", lines[1]);
    assert!(lines[3].contains("VEX under_investigation"), "{}", lines[3]);
    assert_eq!(
        lines[5],
        "5 findings in 5 scanned components (4 affected, 0 unknown, 1 suppressed by VEX, 1 under investigation); 2 not scanned; 5 package look-ups."
    );
    assert!(
        err.contains("not scanned: vendored-zlib (zlib): no purl"),
        "{err}"
    );
    assert!(
        err.contains("not scanned: serde (pkg:cargo/serde): the purl has no version"),
        "{err}"
    );

    // JSON: the report.
    let (code, out, err) = run(&["sbom", "scan", "bom.json", "--format", "json"], d);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "RUSTSEC-2020-0009",
            "RUSTSEC-2024-0447",
            "RUSTSEC-2026-0009",
            "RUSTSEC-2023-0001",
            "RUSTSEC-2025-0023"
        ]
    );
    assert_eq!(report["counts"]["findings"], 5);
    assert_eq!(report["counts"]["suppressed"], 1);
    assert_eq!(report["counts"]["not_scanned"], 2);
    assert_eq!(report["findings"][0]["vex"]["status"], "not_affected");
    assert_eq!(report["findings"][0]["suppressed"], true);
    assert_eq!(report["findings"][1]["severity"]["score"], 7.5);
    assert_eq!(
        report["findings"][1]["fixed"],
        serde_json::json!(["0.14.1"])
    );

    // SARIF 2.1.0: one rule per id, one result per finding, VEX as suppressions.
    let (code, out, err) = run(&["sbom", "scan", "bom.json", "--format", "sarif"], d);
    assert_eq!(code, 0, "{err}");
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "embargo");
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "RUSTSEC-2020-0009",
            "RUSTSEC-2023-0001",
            "RUSTSEC-2024-0447",
            "RUSTSEC-2025-0023",
            "RUSTSEC-2026-0009"
        ]
    );
    assert_eq!(
        run0["tool"]["driver"]["rules"][2]["properties"]["security-severity"],
        "7.5"
    );
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let by = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap();
    let pgp = by("RUSTSEC-2024-0447");
    assert_eq!(pgp["level"], "error");
    assert_eq!(
        rules[pgp["ruleIndex"].as_u64().unwrap() as usize],
        "RUSTSEC-2024-0447"
    );
    assert!(
        pgp["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("pkg:cargo/pgp@0.14.0 is affected by RUSTSEC-2024-0447"),
        "{}",
        pgp["message"]
    );
    let logical = &pgp["locations"][0]["logicalLocations"][0];
    assert_eq!(logical["fullyQualifiedName"], "pkg:cargo/pgp@0.14.0");
    assert_eq!(
        pgp["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bom.json"
    );
    assert!(pgp.get("suppressions").is_none());
    assert_eq!(by("RUSTSEC-2026-0009")["level"], "warning");
    let fb = by("RUSTSEC-2020-0009");
    assert_eq!(fb["suppressions"][0]["kind"], "external");
    assert_eq!(fb["suppressions"][0]["status"], "accepted");
    assert!(
        fb["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("code_not_reachable")
    );
    assert_eq!(
        by("RUSTSEC-2023-0001")["suppressions"][0]["status"],
        "underReview"
    );
    assert!(by("RUSTSEC-2025-0023").get("suppressions").is_none());

    // --fail-on: pgp is High and open; nothing is Critical.
    let (code, _, err) = run(&["sbom", "scan", "bom.json", "--fail-on", "high"], d);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "1 affected finding at or above high: RUSTSEC-2024-0447 in pgp (pkg:cargo/pgp@0.14.0)"
        ),
        "{err}"
    );
    let (code, _, err) = run(&["sbom", "scan", "bom.json", "--fail-on", "critical"], d);
    assert_eq!(code, 0, "{err}");
    // Suppressed by VEX, or without a score: never trips it.
    let (code, out, err) = run(
        &[
            "sbom",
            "scan",
            "quiet.json",
            "--fail-on",
            "low",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(code, 0, "{out}{err}");
    let quiet: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(quiet["counts"]["findings"], 3);
    assert_eq!(quiet["findings"][0]["vex"]["status"], "fixed");

    // An invalid SBOM: exit 2, the JSON path in the message.
    std::fs::write(
        d.join("bad.json"),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{"type": "library", "name": "ok", "purl": "pkg:cargo/ok@1.0.0"},
                           {"type": "library", "name": "x", "purl": "not-a-purl"}]}"#,
    )
    .unwrap();
    let (code, out, err) = run(&["sbom", "scan", "bad.json"], d);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("bad.json: components[1].purl: invalid purl `not-a-purl`"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
    std::fs::write(d.join("not-json.json"), "{\"bomFormat\": ").unwrap();
    let (code, _, err) = run(&["sbom", "scan", "not-json.json"], d);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not valid JSON"), "{err}");

    // Other errors: exit 1.
    let (code, _, err) = run(&["sbom", "scan", "missing.json"], d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read missing.json"), "{err}");
}

#[test]
fn sbom_scan_help_documents_exit_codes_and_unscored_findings() {
    let dir = tempfile::tempdir().unwrap();
    for args in [vec!["sbom", "--help"], vec!["sbom", "scan", "--help"]] {
        let (code, out, _) = run(&args, dir.path());
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
    let (_, out, _) = run(&["sbom", "scan", "--help"], dir.path());
    // Help is wrapped to the terminal width: compare with whitespace collapsed.
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(out.contains("3 --fail-on tripped"), "{out}");
    assert!(out.contains("never trip it"), "{out}");
    assert!(
        out.contains("[possible values: low, medium, high, critical]"),
        "{out}"
    );
}
