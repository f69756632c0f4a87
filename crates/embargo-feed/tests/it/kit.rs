//! The Offline Update Kit: built from a snapshot, read by GNU tar and zstd, imported into a
//! fresh feed; every refusal (wrong key, tampered, missing or unlisted file, expired, wrong
//! base, rollback) changes nothing.

use std::path::Path;

use chrono::Duration;
use embargo_feed::kit::{self, KitError};
use embargo_feed::snapshot::{self, SnapshotError};
use embargo_store::{feed, testing};

use crate::{GHSA, Key, advisories, ingest, t};

async fn snapshot_of(db: &testing::TestDb, dir: &Path, since: Option<&Path>, k: &Key) {
    snapshot::export(
        db.store.conn(),
        dir,
        since,
        |m, _| k.sign(m, "embargo test"),
        &k.public(),
        |_, _| {},
    )
    .await
    .unwrap();
}

/// Packs a directory into a tar.zst as a forger would (no signing involved).
fn repack(dir: &Path, out: &Path) {
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_dir_all(".", dir).unwrap();
    let bytes = tar.into_inner().unwrap();
    let mut zst = Vec::new();
    ruzstd::encoding::compress(
        bytes.as_slice(),
        &mut zst,
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    std::fs::write(out, zst).unwrap();
}

const DAY: i64 = 86_400;
#[tokio::test]
async fn build_verify_import_and_every_refusal() {
    let k = Key::generate();
    let check = |m: &[u8], s: &str| k.check(m, s);
    let max_age = Duration::days(30);
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n);

    // The connected side: a feed, a full snapshot and kit, then a change and a delta kit.
    let upstream = testing::sqlite().await;
    ingest(&upstream.store, &[advisories().join("pypa")]).await;
    snapshot_of(&upstream, &p("s1"), None, &k).await;
    let k1 = kit::build(
        &p("s1"),
        &p("k1.tar.zst"),
        |d| k.sign(d, "embargo test"),
        "KEY1",
        t(0),
    )
    .unwrap();
    assert_eq!(k1.kind, snapshot::SnapshotKind::Full);
    std::fs::write(p("ghsa.json"), GHSA).unwrap();
    ingest(&upstream.store, &[p("ghsa.json")]).await;
    snapshot_of(&upstream, &p("s2"), Some(&p("s1")), &k).await;
    kit::build(
        &p("s2"),
        &p("k2.tar.zst"),
        |d| k.sign(d, "embargo test"),
        "KEY1",
        t(3600),
    )
    .unwrap();
    // Real tools read it: GNU tar with zstd lists the provenance and the snapshot.
    match std::process::Command::new("tar")
        .args(["--zstd", "-tf"])
        .arg(p("k1.tar.zst"))
        .output()
    {
        Ok(out) if out.status.success() => {
            let list = String::from_utf8_lossy(&out.stdout);
            assert!(list.starts_with("provenance.dsse.json\n"), "{list}");
            assert!(list.contains("snapshot/manifest.json\n"), "{list}");
            assert!(list.contains("snapshot/records.jsonl\n"), "{list}");
        }
        other => {
            assert!(std::env::var_os("CI").is_none(), "tar --zstd: {other:?}");
            eprintln!("note: tar --zstd unavailable (apt-get install zstd); skipped");
        }
    }

    for db in testing::all().await {
        let name = db.name;
        let count = || async { feed::count(db.store.conn()).await.unwrap() };
        let installed = || async { feed::installed(db.store.conn()).await.unwrap() };

        // A delta before its base: refused, nothing written.
        let e = kit::import(&db.store, &p("k2.tar.zst"), check, t(DAY), max_age)
            .await
            .unwrap_err();
        assert!(matches!(e, KitError::WrongBase { .. }), "{name}: {e}");
        assert_eq!(count().await, 0);

        let full = kit::import(&db.store, &p("k1.tar.zst"), check, t(DAY), max_age)
            .await
            .unwrap();
        let upstream_records = feed::count(upstream.store.conn()).await.unwrap();
        assert_eq!(
            full.summary.new as i64,
            upstream_records - 1,
            "{name}: all but the GHSA"
        );
        let m = embargo_feed::by_id(db.store.conn(), "PYSEC-2021-335")
            .await
            .unwrap()
            .unwrap();
        assert!(
            m.records[0].origin.starts_with("kit:"),
            "{}",
            m.records[0].origin
        );
        let again = kit::import(&db.store, &p("k1.tar.zst"), check, t(DAY), max_age)
            .await
            .unwrap();
        assert!(again.already_installed);

        let delta = kit::import(&db.store, &p("k2.tar.zst"), check, t(DAY), max_age)
            .await
            .unwrap();
        assert_eq!(
            (delta.summary.new, delta.summary.unchanged),
            (1, 1),
            "{name}"
        );
        let m = embargo_feed::by_id(db.store.conn(), "CVE-2021-32807")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.records.len(), 2);
        let after = (count().await, installed().await);

        // The older full kit now is a rollback.
        let e = kit::import(&db.store, &p("k1.tar.zst"), check, t(DAY), max_age)
            .await
            .unwrap_err();
        assert!(matches!(e, KitError::Rollback(_)), "{name}: {e}");
        assert_eq!((count().await, installed().await), after, "nothing changed");
        db.cleanup().await;
    }

    // Verification alone: wrong key, expired, from the future.
    let other = Key::generate();
    let e = kit::verify(&p("k1.tar.zst"), |m, s| other.check(m, s), t(DAY), max_age).unwrap_err();
    assert!(matches!(e, KitError::Signature(_)), "{e}");
    let e = kit::verify(&p("k1.tar.zst"), check, t(31 * DAY), max_age).unwrap_err();
    assert!(
        matches!(
            e,
            KitError::Expired {
                max_age_days: 30,
                ..
            }
        ),
        "{e}"
    );
    let e = kit::verify(&p("k1.tar.zst"), check, t(-DAY), max_age).unwrap_err();
    assert!(matches!(e, KitError::FromTheFuture(_)), "{e}");

    // Forgeries made from a real kit's contents.
    let v = kit::verify(&p("k1.tar.zst"), check, t(DAY), max_age).unwrap();
    let forge = |name: &str, edit: &dyn Fn(&Path)| {
        let d = p(name);
        std::process::Command::new("cp")
            .arg("-r")
            .arg(v.dir.path())
            .arg(&d)
            .status()
            .unwrap();
        edit(&d);
        let out = p(&format!("{name}.tar.zst"));
        repack(&d, &out);
        kit::verify(&out, check, t(DAY), max_age).unwrap_err()
    };
    let e = forge("tampered", &|d| {
        let f = d.join("snapshot/vulns.jsonl");
        let mut b = std::fs::read(&f).unwrap();
        b[5] ^= 1;
        std::fs::write(f, b).unwrap();
    });
    assert!(
        matches!(&e, KitError::Tampered { path, .. } if path == "snapshot/vulns.jsonl"),
        "{e}"
    );
    let e = forge("missing", &|d| {
        std::fs::remove_file(d.join("snapshot/index.tsv")).unwrap();
    });
    assert!(
        matches!(&e, KitError::Missing(f) if f == "snapshot/index.tsv"),
        "{e}"
    );
    let e = forge("unlisted", &|d| {
        std::fs::write(d.join("snapshot/extra.json"), "{}").unwrap();
    });
    assert!(
        matches!(&e, KitError::Unlisted(f) if f == "snapshot/extra.json"),
        "{e}"
    );
    let e = forge("unsigned", &|d| {
        std::fs::remove_file(d.join("provenance.dsse.json")).unwrap();
    });
    assert!(matches!(&e, KitError::Missing(_)), "{e}");
    // A snapshot file changed *and* re-listed in a forged provenance: the DSSE signature fails.
    let e = forge("restated", &|d| {
        let f = d.join("provenance.dsse.json");
        let mut env: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        env["payload"] = "e30=".into(); // `{}`
        std::fs::write(f, serde_json::to_vec(&env).unwrap()).unwrap();
    });
    assert!(matches!(e, KitError::Signature(_)), "{e}");
    // A kit whose snapshot manifest was re-signed by another key.
    let e = forge("resigned", &|d| {
        let m = std::fs::read(d.join("snapshot/manifest.json")).unwrap();
        std::fs::write(
            d.join("snapshot/manifest.json.minisig"),
            other.sign(&m, "embargo test").unwrap(),
        )
        .unwrap();
    });
    assert!(
        matches!(
            e,
            KitError::Tampered { .. } | KitError::Snapshot(SnapshotError::Signature(_))
        ),
        "{e}"
    );
    // Not a kit at all, or cut short.
    std::fs::write(p("junk.tar.zst"), b"not zstd").unwrap();
    let e = kit::verify(&p("junk.tar.zst"), check, t(DAY), max_age).unwrap_err();
    assert!(matches!(e, KitError::NotAKit(_)), "{e}");
    let whole = std::fs::read(p("k1.tar.zst")).unwrap();
    std::fs::write(p("cut.tar.zst"), &whole[..whole.len() / 2]).unwrap();
    assert!(kit::verify(&p("cut.tar.zst"), check, t(DAY), max_age).is_err());
    upstream.cleanup().await;
}
