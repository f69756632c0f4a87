//! Ingest: incremental re-ingest, replacement, withdrawal, zip archives, and bad input that
//! is rejected without losing anything else.

use std::io::Write;
use std::path::{Path, PathBuf};

use embargo_feed::query::PackageQuery;
use embargo_store::{feed, testing};

use crate::{advisories, files_under, ingest};

/// A zip of `files` in the osv.dev `all.zip` layout (flat `<ID>.json`, here also YAML).
fn zip_of(files: &[PathBuf], dest: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dest).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        zip.start_file(name, opts).unwrap();
        zip.write_all(&std::fs::read(f).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

const GO_RECORD: &str = "golang/GO-2022-0278.json";

#[tokio::test]
async fn re_ingest_is_unchanged_and_a_modified_record_replaces() {
    for db in testing::all().await {
        let first = ingest(&db.store, &[advisories()]).await;
        assert_eq!((first.new, first.unchanged), (300, 0), "{}", db.name);
        let again = ingest(&db.store, &[advisories()]).await;
        assert_eq!(again.read, 300);
        assert_eq!(
            (again.new, again.modified, again.unchanged),
            (0, 0, 300),
            "{}: {again:?}",
            db.name
        );

        // The same record, edited upstream: newer `modified`, new summary.
        let dir = tempfile::tempdir().unwrap();
        let src = std::fs::read_to_string(advisories().join(GO_RECORD)).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&src).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        v["modified"] = "2030-01-01T00:00:00Z".into();
        v["summary"] = "Edited upstream".into();
        let path = dir.path().join("edited.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        let s = ingest(&db.store, std::slice::from_ref(&path)).await;
        assert_eq!((s.new, s.modified, s.unchanged), (0, 1, 0), "{}", db.name);
        let merged = embargo_feed::by_id(db.store.conn(), &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(merged.summary.unwrap().value, "Edited upstream");
        assert_eq!(merged.records.len(), 1, "replaced, not added");
        assert!(merged.records[0].origin.ends_with("edited.json"));
        assert_eq!(feed::count(db.store.conn()).await.unwrap(), 300);

        // An older copy does not roll it back.
        let s = ingest(&db.store, &[advisories().join(GO_RECORD)]).await;
        assert_eq!((s.modified, s.stale), (0, 1), "{}", db.name);

        // Withdrawn upstream: kept, marked, and out of package answers unless asked.
        v["modified"] = "2030-02-01T00:00:00Z".into();
        v["withdrawn"] = "2030-02-01T00:00:00Z".into();
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let s = ingest(&db.store, &[path]).await;
        assert_eq!((s.modified, s.withdrawn), (1, 1));
        let merged = embargo_feed::by_id(db.store.conn(), &id)
            .await
            .unwrap()
            .unwrap();
        assert!(merged.withdrawn, "{}", db.name);
        assert_eq!(
            merged.records[0].withdrawn.as_deref(),
            Some("2030-02-01T00:00:00Z")
        );
        let pkg = v["affected"][0]["package"]["name"].as_str().unwrap();
        let mut q = PackageQuery::from_osv("Go", pkg, None);
        let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
        assert!(answer.matches.iter().all(|m| m.id != id));
        q.include_withdrawn = true;
        let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
        let m = answer.matches.iter().find(|m| m.id == id).unwrap();
        assert!(m.withdrawn.is_some());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_zip_of_the_fixtures_ingests_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.zip");
    zip_of(&files_under(&advisories()), &all);
    let from_zip = testing::sqlite().await;
    let s = ingest(&from_zip.store, std::slice::from_ref(&all)).await;
    assert_eq!((s.read, s.new), (300, 300), "{s:?}");
    assert!(s.is_clean());
    let from_dir = testing::sqlite().await;
    ingest(&from_dir.store, &[advisories()]).await;
    let digests = |rows: Vec<feed::FeedRecord>| {
        rows.into_iter()
            .map(|r| (r.source, r.record_id, r.digest))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        digests(feed::page(from_zip.store.conn(), 0, 1000).await.unwrap()),
        digests(feed::page(from_dir.store.conn(), 0, 1000).await.unwrap())
    );
    let origin = &feed::page(from_zip.store.conn(), 0, 1).await.unwrap()[0].origin;
    assert!(origin.contains("all.zip!"), "{origin}");
    // The same records from the other container are unchanged.
    let s = ingest(&from_dir.store, &[all]).await;
    assert_eq!(s.unchanged, 300);
    from_zip.cleanup().await;
    from_dir.cleanup().await;
}

#[tokio::test]
async fn a_truncated_zip_and_bad_records_lose_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let good = files_under(&advisories().join("rustsec"));
    let zip = dir.path().join("all.zip");
    zip_of(&good, &zip);
    let bytes = std::fs::read(&zip).unwrap();
    let truncated = dir.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(
        bad.join("schema.json"),
        r#"{"id":"GHSA-bad1-bad1-bad1","modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"npm","name":"x"},
              "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixd":"1.0.0"}]}]}]}"#,
    )
    .unwrap();
    std::fs::write(bad.join("syntax.json"), r#"{"id":"GHSA-bad2","modified":"#).unwrap();
    std::fs::write(
        bad.join("fine.json"),
        r#"{"id":"GHSA-good-good-good","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-1"]}"#,
    )
    .unwrap();

    let db = testing::sqlite().await;
    let s = ingest(
        &db.store,
        &[truncated.clone(), bad.clone(), advisories().join("golang")],
    )
    .await;
    assert_eq!(s.failed_inputs.len(), 1, "{s:?}");
    let failure = &s.failed_inputs[0];
    assert!(
        failure.contains("truncated.zip") && failure.contains("truncated or corrupt"),
        "{failure}"
    );
    assert_eq!(s.rejected, 2, "{:?}", s.rejections);
    let schema = s
        .rejections
        .iter()
        .find(|r| r.origin.ends_with("schema.json"))
        .unwrap();
    assert_eq!(schema.id.as_deref(), Some("GHSA-bad1-bad1-bad1"));
    assert_eq!(
        schema.path.as_deref(),
        Some("affected[0].ranges[0].events[1]")
    );
    let syntax = s
        .rejections
        .iter()
        .find(|r| r.origin.ends_with("syntax.json"))
        .unwrap();
    assert!(syntax.message.starts_with("not valid JSON"), "{syntax}");
    let golang = files_under(&advisories().join("golang")).len() as u64;
    assert_eq!(s.new, golang + 1, "every other record is in");
    assert!(!s.is_clean());
    // The intact archive still ingests afterwards.
    let s = ingest(&db.store, &[zip]).await;
    assert_eq!(s.new, good.len() as u64);
    db.cleanup().await;
}
