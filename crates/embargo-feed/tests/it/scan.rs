//! SBOM scan against real advisories: findings with their severity, fixed versions that are
//! not findings, components that cannot be scanned, withdrawn records, and VEX statements
//! (by alias and bom-ref, by version-less purl, most specific wins) that mark findings
//! without dropping them.

use embargo_domain::policy::Severity;
use embargo_feed::query::MatchKind;
use embargo_feed::scan::{BySeverity, Counts, ScanReport};
use embargo_formats::sbom::{self, VexStatus};
use embargo_store::testing;

use crate::{advisories, ingest};

/// pgp 0.14.0 (twice, to check one query serves both) is affected by RUSTSEC-2024-0447 (CVSS
/// 3.1 7.5), 0.14.1 is its fix; flatbuffers 1.12.0 is affected by RUSTSEC-2020-0009 but the
/// BOM says not_affected under its CVE alias; tokio 1.18.0 has two unscored records, one of
/// them in triage; time 0.3.10 has a CVSS 4.0 vector; selenium's only record is withdrawn;
/// zlib has no purl and serde's purl no version.
const BOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "metadata": {"component": {"type": "application", "name": "demo", "version": "1.0.0", "bom-ref": "demo"}},
  "components": [
    {"type": "library", "name": "pgp", "version": "0.14.0", "bom-ref": "pgp-a", "purl": "pkg:cargo/pgp@0.14.0"},
    {"type": "library", "name": "pgp", "version": "0.14.0", "bom-ref": "pgp-b", "purl": "pkg:cargo/pgp@0.14.0"},
    {"type": "library", "name": "pgp", "version": "0.14.1", "bom-ref": "pgp-new", "purl": "pkg:cargo/pgp@0.14.1"},
    {"type": "library", "name": "flatbuffers", "version": "1.12.0", "bom-ref": "fb", "purl": "pkg:cargo/flatbuffers@1.12.0"},
    {"type": "library", "name": "tokio", "version": "1.18.0", "bom-ref": "tokio", "purl": "pkg:cargo/tokio@1.18.0"},
    {"type": "library", "name": "time", "version": "0.3.10", "bom-ref": "time", "purl": "pkg:cargo/time@0.3.10"},
    {"type": "library", "name": "selenium", "version": "4.0.0", "bom-ref": "sel", "purl": "pkg:pypi/selenium@4.0.0"},
    {"type": "library", "name": "vendored-zlib", "version": "1.3", "bom-ref": "zlib"},
    {"type": "library", "name": "serde", "bom-ref": "serde", "purl": "pkg:cargo/serde"}
  ],
  "vulnerabilities": [
    {"id": "CVE-2020-35864",
     "analysis": {"state": "not_affected", "justification": "code_not_reachable", "detail": "read_scalar is never called"},
     "affects": [{"ref": "fb"}]},
    {"id": "RUSTSEC-2023-0001", "analysis": {"state": "in_triage"}, "affects": [{"ref": "tokio"}]}
  ]
}"#;

async fn scan_with_fixtures(text: &str) -> Vec<(&'static str, ScanReport)> {
    let mut out = Vec::new();
    for db in testing::all().await {
        ingest(
            &db.store,
            &[
                advisories().join("rustsec"),
                advisories().join("pypa/selenium"),
            ],
        )
        .await;
        let doc = sbom::parse(text).unwrap();
        let report = embargo_feed::scan(db.store.conn(), &doc).await.unwrap();
        out.push((db.name, report));
        db.cleanup().await;
    }
    out
}

/// (bom-ref, id, kind, fixed, score, band, VEX status, suppressed) of each finding.
type Row = (
    String,
    String,
    MatchKind,
    Vec<String>,
    Option<f64>,
    Option<Severity>,
    Option<VexStatus>,
    bool,
);

fn rows(r: &ScanReport) -> Vec<Row> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.component.bom_ref.clone().unwrap(),
                f.id.clone(),
                f.kind,
                f.fixed.clone(),
                f.severity.as_ref().map(|s| s.score),
                f.band(),
                f.vex.as_ref().map(|v| v.status),
                f.suppressed,
            )
        })
        .collect()
}

fn row(
    bom_ref: &str,
    id: &str,
    fixed: &str,
    score: Option<f64>,
    band: Option<Severity>,
    vex: Option<VexStatus>,
    suppressed: bool,
) -> Row {
    (
        bom_ref.into(),
        id.into(),
        MatchKind::Affected,
        vec![fixed.into()],
        score,
        band,
        vex,
        suppressed,
    )
}

#[tokio::test]
async fn findings_severity_vex_and_components_not_scanned() {
    for (name, r) in scan_with_fixtures(BOM).await {
        use Severity::{High, Medium};
        assert_eq!(
            rows(&r),
            vec![
                row(
                    "fb",
                    "RUSTSEC-2020-0009",
                    "2.0.0",
                    Some(7.5),
                    Some(High),
                    Some(VexStatus::NotAffected),
                    true
                ),
                row(
                    "pgp-a",
                    "RUSTSEC-2024-0447",
                    "0.14.1",
                    Some(7.5),
                    Some(High),
                    None,
                    false
                ),
                row(
                    "pgp-b",
                    "RUSTSEC-2024-0447",
                    "0.14.1",
                    Some(7.5),
                    Some(High),
                    None,
                    false
                ),
                row(
                    "time",
                    "RUSTSEC-2026-0009",
                    "0.3.47",
                    Some(6.8),
                    Some(Medium),
                    None,
                    false
                ),
                row(
                    "tokio",
                    "RUSTSEC-2023-0001",
                    "1.18.4",
                    None,
                    None,
                    Some(VexStatus::UnderInvestigation),
                    false
                ),
                row(
                    "tokio",
                    "RUSTSEC-2025-0023",
                    "1.38.2",
                    None,
                    None,
                    None,
                    false
                ),
            ],
            "{name}"
        );

        let pgp = &r.findings[1];
        assert_eq!(pgp.component.purl.as_deref(), Some("pkg:cargo/pgp@0.14.0"));
        assert_eq!(pgp.component.name, "pgp");
        assert_eq!(pgp.source, "rustsec");
        assert_eq!(pgp.aliases, vec!["CVE-2024-53856", "GHSA-9rmp-2568-59rv"]);
        assert_eq!(
            pgp.summary.as_deref(),
            Some("Panics on Malformed Untrusted Input")
        );
        let sev = pgp.severity.as_ref().unwrap();
        assert_eq!(sev.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
        assert_eq!(sev.from, "RUSTSEC-2024-0447");
        assert_eq!(
            r.findings[3].severity.as_ref().unwrap().cvss_version,
            embargo_domain::cvss::Version::V4_0
        );

        // The VEX statement named the CVE alias; the finding keeps its own id.
        let vex = r.findings[0].vex.as_ref().unwrap();
        assert_eq!(vex.statement, "CVE-2020-35864");
        assert_eq!(vex.justification.as_deref(), Some("code_not_reachable"));
        assert_eq!(vex.detail.as_deref(), Some("read_scalar is never called"));

        let not_scanned: Vec<(&str, &str)> = r
            .not_scanned
            .iter()
            .map(|n| (n.component.name.as_str(), n.reason.as_str()))
            .collect();
        assert_eq!(
            not_scanned,
            vec![
                ("vendored-zlib", "no purl"),
                ("serde", "the purl has no version")
            ],
            "{name}"
        );
        assert!(r.notes.is_empty(), "{name}: {:?}", r.notes);
        assert_eq!(
            r.counts,
            Counts {
                components: 9,
                scanned: 7,
                not_scanned: 2,
                // pgp@0.14.0 twice is one query; selenium is asked, its record is withdrawn.
                queries: 6,
                findings: 6,
                affected: 5,
                unknown: 0,
                suppressed: 1,
                under_investigation: 1,
                open_by_severity: BySeverity {
                    critical: 0,
                    high: 2,
                    medium: 1,
                    low: 0,
                    none: 0,
                    unscored: 2,
                },
            },
            "{name}"
        );

        // --fail-on: suppressed and unscored findings never count.
        let ids = |min| {
            r.failing(min)
                .map(|f| f.component.bom_ref.clone().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(Severity::Critical), Vec::<String>::new());
        assert_eq!(ids(Severity::High), vec!["pgp-a", "pgp-b"]);
        assert_eq!(ids(Severity::Low), vec!["pgp-a", "pgp-b", "time"]);

        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["findings"][0]["vex"]["status"], "not_affected");
        assert_eq!(json["findings"][0]["severity"]["band"], "high");
        assert_eq!(json["counts"]["findings"], 6);
    }
}

/// A version-less purl statement covers every version of the package; a bom-ref statement
/// is more specific and wins for its component.
#[tokio::test]
async fn the_most_specific_vex_statement_applies() {
    let bom = r#"{
      "bomFormat": "CycloneDX",
      "specVersion": "1.5",
      "components": [
        {"type": "library", "name": "pgp", "version": "0.14.0", "bom-ref": "pgp-a", "purl": "pkg:cargo/pgp@0.14.0"},
        {"type": "library", "name": "pgp", "version": "0.14.0", "bom-ref": "pgp-b", "purl": "pkg:cargo/pgp@0.14.0"}
      ],
      "vulnerabilities": [
        {"id": "GHSA-9rmp-2568-59rv", "analysis": {"state": "exploitable", "response": ["update"]}, "affects": [{"ref": "pgp-b"}]},
        {"id": "CVE-2024-53856", "analysis": {"state": "resolved"}, "affects": [{"ref": "pkg:cargo/pgp"}]}
      ]
    }"#;
    for (name, r) in scan_with_fixtures(bom).await {
        let got: Vec<(String, Option<VexStatus>, bool)> = r
            .findings
            .iter()
            .map(|f| {
                (
                    f.component.bom_ref.clone().unwrap(),
                    f.vex.as_ref().map(|v| v.status),
                    f.suppressed,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("pgp-a".into(), Some(VexStatus::Fixed), true),
                ("pgp-b".into(), Some(VexStatus::Affected), false),
            ],
            "{name}"
        );
        assert_eq!(r.findings[1].vex.as_ref().unwrap().response, vec!["update"]);
        assert_eq!(r.counts.queries, 1);
        assert_eq!(r.counts.suppressed, 1);
        assert_eq!(
            r.failing(Severity::High)
                .map(|f| f.component.bom_ref.clone().unwrap())
                .collect::<Vec<_>>(),
            vec!["pgp-b"]
        );
    }
}
