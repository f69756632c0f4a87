//! Signed snapshots: deterministic full exports, deltas against a base, and verification that
//! refuses a wrong key, a tampered, missing or unlisted file.

use std::path::Path;

use embargo_feed::snapshot::{self, SnapshotError, SnapshotKind};
use embargo_store::testing;

use crate::{GHSA, Key, advisories, ingest};

async fn export(
    db: &testing::TestDb,
    dir: &Path,
    since: Option<&Path>,
    k: &Key,
) -> snapshot::Exported {
    snapshot::export(
        db.store.conn(),
        dir,
        since,
        |m, c| k.sign(m, c),
        &k.public(),
        |_, _| {},
    )
    .await
    .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[tokio::test]
async fn full_exports_are_deterministic_and_deltas_hold_only_changes() {
    for db in testing::all().await {
        let k = Key::generate();
        ingest(&db.store, &[advisories()]).await;
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let full = export(&db, &a, None, &k).await;
        let m = &full.manifest;
        assert_eq!(m.kind, SnapshotKind::Full);
        assert_eq!(m.counts.records, 300, "{}", db.name);
        assert_eq!(m.counts.written, m.counts.vulnerabilities);
        assert!(m.counts.vulnerabilities > 250 && m.counts.vulnerabilities <= 300);
        assert_eq!(
            m.sources.values().map(|s| s.records).sum::<i64>(),
            300,
            "counts per source"
        );
        assert!(m.high_water.modified.contains_key("pysec"));
        assert!(m.high_water.updated_at.is_some());
        let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
        for p in [
            "index.tsv",
            "vulns.jsonl",
            "osv/PyPI/all.zip",
            "osv/Go/all.zip",
        ] {
            assert!(paths.contains(&p), "{p} in {paths:?}");
        }
        let lines = std::fs::read_to_string(a.join("vulns.jsonl")).unwrap();
        assert_eq!(lines.lines().count() as u64, m.counts.written);
        let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
        assert!(
            first["records"][0]["digest"].is_string(),
            "merged, with provenance"
        );

        // The OSV layout: every record of the ecosystem as `{id}.json`.
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(a.join("osv/PyPI/all.zip")).unwrap()).unwrap();
        let mut entry = zip.by_name("PYSEC-2021-335.json").unwrap();
        let mut body = String::new();
        std::io::Read::read_to_string(&mut entry, &mut body).unwrap();
        assert!(embargo_formats::osv::from_json(&body).is_ok());
        drop(entry);

        // Same feed, same bytes.
        let again = export(&db, &b, None, &k).await;
        assert_eq!(again.manifest_sha256, full.manifest_sha256, "{}", db.name);
        for f in &m.files {
            assert_eq!(
                std::fs::read(a.join(&f.path)).unwrap(),
                std::fs::read(b.join(&f.path)).unwrap(),
                "{}",
                f.path
            );
        }
        snapshot::verify(&a, |m, s| k.check(m, s)).unwrap();

        // A new source record joins the AccessControl group: the delta holds that group only.
        let g = tmp.path().join("GHSA-qcx9-j53g-ccgf.json");
        std::fs::write(&g, GHSA).unwrap();
        ingest(&db.store, &[g]).await;
        let d = tmp.path().join("delta");
        let delta = export(&db, &d, Some(&a), &k).await;
        let dm = &delta.manifest;
        assert_eq!(dm.kind, SnapshotKind::Delta);
        assert_eq!(
            dm.base.as_ref().unwrap().manifest_sha256,
            full.manifest_sha256
        );
        assert_eq!(
            (dm.counts.written, dm.counts.removed),
            (1, 0),
            "{}",
            db.name
        );
        assert_eq!(dm.counts.vulnerabilities, m.counts.vulnerabilities);
        let line: serde_json::Value = serde_json::from_str(
            std::fs::read_to_string(d.join("vulns.jsonl"))
                .unwrap()
                .trim(),
        )
        .unwrap();
        assert_eq!(line["id"], "CVE-2021-32807");
        assert_eq!(line["records"].as_array().unwrap().len(), 2);
        snapshot::verify(&d, |m, s| k.check(m, s)).unwrap();
        // Nothing changed since the delta: the next delta is empty.
        let e = tmp.path().join("empty");
        let empty = export(&db, &e, Some(&d), &k).await;
        assert_eq!(empty.manifest.counts.written, 0);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn verification_refuses_wrong_keys_and_tampering() {
    let db = testing::sqlite().await;
    let k = Key::generate();
    ingest(&db.store, &[advisories().join("pypa")]).await;
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    export(&db, &good, None, &k).await;
    let fresh = |name: &str| {
        let p = tmp.path().join(name);
        copy_dir(&good, &p);
        p
    };

    let other = Key::generate();
    let e = snapshot::verify(&good, |m, s| other.check(m, s)).unwrap_err();
    assert!(matches!(e, SnapshotError::Signature(_)), "{e}");

    let t = fresh("tampered");
    let mut bytes = std::fs::read(t.join("vulns.jsonl")).unwrap();
    bytes[10] ^= 1;
    std::fs::write(t.join("vulns.jsonl"), bytes).unwrap();
    let e = snapshot::verify(&t, |m, s| k.check(m, s)).unwrap_err();
    assert!(
        matches!(&e, SnapshotError::Tampered { path, .. } if path == "vulns.jsonl"),
        "{e}"
    );

    let m = fresh("missing");
    std::fs::remove_file(m.join("osv/PyPI/all.zip")).unwrap();
    let e = snapshot::verify(&m, |m, s| k.check(m, s)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "osv/PyPI/all.zip is listed in the manifest but missing"
    );

    let x = fresh("extra");
    std::fs::write(x.join("osv/PyPI/evil.json"), "{}").unwrap();
    let e = snapshot::verify(&x, |m, s| k.check(m, s)).unwrap_err();
    assert!(
        matches!(&e, SnapshotError::Unlisted(p) if p == "osv/PyPI/evil.json"),
        "{e}"
    );

    // An edited manifest (e.g. a file's digest replaced to match a tampered file) is caught by
    // the signature.
    let em = fresh("edited-manifest");
    let text = std::fs::read_to_string(em.join("manifest.json")).unwrap();
    std::fs::write(
        em.join("manifest.json"),
        text.replace("\"records\": ", "\"records\":  "),
    )
    .unwrap();
    let e = snapshot::verify(&em, |m, s| k.check(m, s)).unwrap_err();
    assert!(matches!(e, SnapshotError::Signature(_)), "{e}");

    let ns = fresh("unsigned");
    std::fs::remove_file(ns.join("manifest.json.minisig")).unwrap();
    let e = snapshot::verify(&ns, |m, s| k.check(m, s)).unwrap_err();
    assert!(matches!(e, SnapshotError::Missing(_)), "{e}");

    // Exports never write into a directory that holds something.
    let e = snapshot::export(
        db.store.conn(),
        &good,
        None,
        |m, c| k.sign(m, c),
        "",
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, SnapshotError::NotEmpty(_)), "{e}");
    db.cleanup().await;
}
