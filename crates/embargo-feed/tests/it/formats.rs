//! Non-OSV inputs through the same ingest: NVD CVE API 2.0 pages, CVE JSON 5 records and
//! CSAF 2.0 documents become records with their own sources, merge with each other by id
//! and alias, and bad records are rejected with their place while the rest is kept.

use std::path::{Path, PathBuf};

use embargo_store::testing;

use crate::ingest;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

#[tokio::test]
async fn nvd_cve5_and_csaf_inputs_are_ingested_and_merge() {
    // The schema's example carries no date at all; a published record always has one.
    let dir = tempfile::tempdir().unwrap();
    let dated = dir.path().join("CVE-1337-1234.json");
    let mut rec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("cve/examples/CVEv5_basic-example.json")).unwrap(),
    )
    .unwrap();
    rec["cveMetadata"]["dateUpdated"] = "2024-01-02T03:04:05Z".into();
    std::fs::write(&dated, serde_json::to_vec(&rec).unwrap()).unwrap();
    for db in testing::all().await {
        let s = ingest(
            &db.store,
            &[
                fixture("nvd/cves-2.0-page-0.json"),
                dated.clone(),
                fixture("csaf/examples/2022-evd-uc-01-a-001.json"),
                fixture("csaf/examples/rhsa-2021_5217.json"),
            ],
        )
        .await;
        assert_eq!(s.rejected, 0, "{}: {:?}", db.name, s.rejections);
        assert_eq!(s.new, 4 + 1 + 1 + 1, "{}: {s:?}", db.name);

        // Log4Shell from NVD and from a vendor's CSAF: one vulnerability, two records.
        let m = embargo_feed::by_id(db.store.conn(), "CVE-2021-44228")
            .await
            .unwrap()
            .unwrap();
        let mut sources: Vec<&str> = m.records.iter().map(|r| r.source.as_str()).collect();
        sources.sort();
        assert_eq!(sources, ["csaf-psirt.example.com", "nvd"], "{}", db.name);
        assert!(m.records.iter().all(|r| r.origin.ends_with(".json")));

        let cve5 = embargo_feed::by_id(db.store.conn(), "CVE-1337-1234")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cve5.records[0].source, "cve5");
        let rh = embargo_feed::by_id(db.store.conn(), "CVE-2021-4133")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rh.records[0].source, "csaf-www.redhat.com");

        // Incremental for these formats too.
        let again = ingest(&db.store, &[fixture("nvd/cves-2.0-page-0.json")]).await;
        assert_eq!((again.new, again.unchanged), (0, 4), "{}", db.name);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_nvd_records_are_rejected_with_id_and_path_and_the_rest_kept() {
    let db = testing::sqlite().await;
    let s = ingest(&db.store, &[fixture("nvd/cves-2.0-page-bad-records.json")]).await;
    assert!(s.rejected >= 1, "{s:?}");
    assert_eq!(s.new + s.rejected, s.read, "{s:?}");
    for r in &s.rejections {
        assert!(r.path.is_some(), "the place of the problem: {r}");
        assert!(r.origin.ends_with("cves-2.0-page-bad-records.json"));
    }
    // A CVE record without any date has no `modified`: rejected, not given today's date.
    let s = ingest(
        &db.store,
        &[fixture("cve/examples/CVEv5_basic-example.json")],
    )
    .await;
    assert_eq!(s.rejected, 1);
    assert_eq!(s.rejections[0].id.as_deref(), Some("CVE-1337-1234"));
    assert_eq!(
        s.rejections[0].path.as_deref(),
        Some("cveMetadata.dateUpdated")
    );
    // A CSAF document that is not an advisory at all is rejected, not guessed at.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.json");
    std::fs::write(
        &p,
        r#"{"document":{"csaf_version":"2.0","tracking":{"id":"ACME-1"}}}"#,
    )
    .unwrap();
    let s = ingest(&db.store, &[p]).await;
    assert_eq!(s.rejected, 1);
    assert_eq!(s.rejections[0].id.as_deref(), Some("ACME-1"));
    assert_eq!(
        s.rejections[0].path.as_deref(),
        Some("/document/tracking/current_release_date")
    );
    db.cleanup().await;
}
