//! Queries by id or alias (merged across sources) and the OSV API shapes.

use embargo_feed::query::{ApiBatch, ApiQuery};
use embargo_store::testing;

use crate::{GHSA, advisories, ingest};

#[tokio::test]
async fn pysec_and_a_hand_made_ghsa_merge_by_alias() {
    for db in testing::all().await {
        ingest(&db.store, &[advisories().join("pypa/accesscontrol")]).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("GHSA-qcx9-j53g-ccgf.json");
        std::fs::write(&path, GHSA).unwrap();
        let s = ingest(&db.store, &[path]).await;
        assert_eq!(s.new, 1);
        for id in ["PYSEC-2021-335", "GHSA-qcx9-j53g-ccgf", "CVE-2021-32807"] {
            let m = embargo_feed::by_id(db.store.conn(), id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(m.id, "CVE-2021-32807", "{}: {id}", db.name);
            let sources: Vec<&str> = m.records.iter().map(|r| r.source.as_str()).collect();
            assert_eq!(sources, vec!["pysec", "ghsa"], "{id}");
            assert_eq!(m.summary.as_ref().unwrap().source, "ghsa");
            assert_eq!(m.details.as_ref().unwrap().source, "pysec");
            assert_eq!(m.affected.len(), 1, "one package, two spellings");
            let conflict = m.conflicts.iter().find(|c| c.field == "fixed").unwrap();
            assert_eq!(conflict.package.as_deref(), Some("pkg:pypi/accesscontrol"));
            assert_eq!(conflict.values.len(), 2);
        }
        assert!(
            embargo_feed::by_id(db.store.conn(), "CVE-1999-0001")
                .await
                .unwrap()
                .is_none()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn osv_api_query_and_querybatch() {
    let db = testing::sqlite().await;
    ingest(&db.store, &[advisories()]).await;
    let q: ApiQuery =
        serde_json::from_str(r#"{"package":{"purl":"pkg:pypi/accesscontrol@4.1"}}"#).unwrap();
    let r = embargo_feed::api_query(db.store.conn(), &q).await.unwrap();
    assert!(r.vulns.iter().any(|v| v.id == "PYSEC-2021-335"), "{r:?}");
    let by_name: ApiQuery = serde_json::from_str(
        r#"{"package":{"name":"AccessControl","ecosystem":"PyPI"},"version":"4.1"}"#,
    )
    .unwrap();
    let r2 = embargo_feed::api_query(db.store.conn(), &by_name)
        .await
        .unwrap();
    assert_eq!(r, r2);
    let batch: ApiBatch = serde_json::from_str(
        r#"{"queries":[
            {"package":{"purl":"pkg:pypi/accesscontrol@4.1"}},
            {"package":{"purl":"pkg:pypi/accesscontrol@4.3"}},
            {"package":{"purl":"pkg:pypi/no-such-package@1.0"}}]}"#,
    )
    .unwrap();
    let out = embargo_feed::api_querybatch(db.store.conn(), &batch)
        .await
        .unwrap();
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["results"].as_array().unwrap().len(), 3);
    assert!(
        json["results"][0]["vulns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == "PYSEC-2021-335" && v["modified"].is_string())
    );
    assert!(
        !json["results"][1]["vulns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == "PYSEC-2021-335")
    );
    assert_eq!(json["results"][2]["vulns"], serde_json::json!([]));
    // Bad requests say what is wrong, and where in a batch.
    let both: ApiQuery = serde_json::from_str(
        r#"{"package":{"purl":"pkg:pypi/accesscontrol@4.1"},"version":"4.1"}"#,
    )
    .unwrap();
    let e = embargo_feed::api_query(db.store.conn(), &both)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("both in the purl"), "{e}");
    let bad: ApiBatch =
        serde_json::from_str(r#"{"queries":[{"package":{"purl":"pkg:pypi/a%zz"}}]}"#).unwrap();
    let e = embargo_feed::api_querybatch(db.store.conn(), &bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("queries[0]"), "{e}");
    db.cleanup().await;
}
