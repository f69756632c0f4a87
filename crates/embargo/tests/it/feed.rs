//! `embargo feed ingest|query|show` as a user runs them: same data directory as the server,
//! a summary at the end, `--json` for scripts, exit codes that say what happened.

use std::path::{Path, PathBuf};

fn fixtures(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// Runs `embargo ARGS…`, with `--data-dir DIR/data` when `data` is given.
fn cli(args: &[&str], data: Option<&Path>) -> (i32, String, String) {
    let mut c = crate::embargo();
    c.args(args);
    if let Some(dir) = data {
        c.arg("--data-dir").arg(dir.join("data")).current_dir(dir);
    }
    crate::output(&mut c)
}

fn feed(args: &[&str], dir: &Path) -> (i32, String, String) {
    let all: Vec<&str> = std::iter::once("feed")
        .chain(args.iter().copied())
        .collect();
    cli(&all, Some(dir))
}

#[test]
fn ingest_query_show() {
    let dir = tempfile::tempdir().unwrap();
    let pypa = fixtures("advisories/pypa/accesscontrol");
    let (code, out, err) = feed(&["ingest", pypa.to_str().unwrap()], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Read 1 records in"), "{out}");
    assert!(out.contains("1 new, 0 modified, 0 unchanged"), "{out}");

    let (code, out, _) = feed(&["ingest", "--json", pypa.to_str().unwrap()], dir.path());
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (j["read"].as_u64(), j["unchanged"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(j["records_per_second"].is_number());

    let (code, out, err) = feed(&["query", "pkg:pypi/accesscontrol@4.1"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("PYSEC-2021-335 [pysec]: affected, fixed in 4.3"),
        "{out}"
    );
    let (_, out, _) = feed(
        &["query", "--json", "pkg:pypi/accesscontrol@4.3"],
        dir.path(),
    );
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["matches"], serde_json::json!([]), "fixed in 4.3");

    let (code, out, _) = feed(&["show", "CVE-2021-32807"], dir.path());
    assert_eq!(code, 0);
    assert!(out.contains("record PYSEC-2021-335 [pysec]"), "{out}");
    let (code, _, err) = feed(&["show", "CVE-1999-0001"], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("no record or alias `CVE-1999-0001`"), "{err}");

    // A bad purl names the problem; a rejected record gives exit code 2 and its reason.
    let (code, _, err) = feed(&["query", "pkg:pypi/a%zz"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("a%zz"), "{err}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"id": "X-1", "modified": 7}"#).unwrap();
    let (code, _, err) = feed(&["ingest", bad.to_str().unwrap()], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("rejected:") && err.contains("X-1"), "{err}");
    let (code, _, err) = feed(&["ingest", "/no/such/dir"], dir.path());
    assert_eq!(code, 1, "{err}");
}

#[test]
fn export_and_verify_a_signed_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let pypa = fixtures("advisories/pypa");
    assert_eq!(feed(&["ingest", pypa.to_str().unwrap()], dir.path()).0, 0);
    let snap = dir.path().join("snap");
    let (code, out, err) = feed(&["export", snap.to_str().unwrap()], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Full snapshot in"), "{out}");
    // The public key a user would publish, kept apart from the snapshot.
    let key = dir.path().join("embargo.pub");
    std::fs::copy(snap.join("minisign.pub"), &key).unwrap();
    let verify = |d: &Path| {
        cli(
            &[
                "feed",
                "verify",
                d.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
            ],
            None,
        )
    };
    let (code, out, err) = verify(&snap);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verifies: Full snapshot"), "{out}");

    // Nothing changed: the delta writes nothing and names its base.
    let delta = dir.path().join("delta");
    let (code, out, err) = feed(
        &[
            "export",
            "--json",
            "--since",
            snap.to_str().unwrap(),
            delta.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["manifest"]["kind"], "delta");
    assert_eq!(j["manifest"]["counts"]["written"], 0);
    assert!(j["manifest"]["base"]["manifest_sha256"].is_string());
    assert_eq!(verify(&delta).0, 0);

    // One byte changed: refused, naming the file.
    let lines = snap.join("vulns.jsonl");
    let mut bytes = std::fs::read(&lines).unwrap();
    bytes[3] ^= 1;
    std::fs::write(&lines, bytes).unwrap();
    let (code, _, err) = verify(&snap);
    assert_eq!(code, 1);
    assert!(
        err.contains("vulns.jsonl does not match the manifest"),
        "{err}"
    );
    // And a tampered base is refused before any delta is written.
    let (code, _, err) = feed(
        &[
            "export",
            "--since",
            snap.to_str().unwrap(),
            dir.path().join("d2").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("base snapshot"), "{err}");
}

#[test]
fn kit_build_verify_import_into_another_instance() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let pypa = fixtures("advisories/pypa");
    assert_eq!(feed(&["ingest", &s(&pypa)], dir.path()).0, 0);
    let snap = dir.path().join("snap");
    assert_eq!(feed(&["export", &s(&snap)], dir.path()).0, 0);
    let kit = dir.path().join("feed.tar.zst");
    let (code, out, err) = cli(
        &["kit", "build", &s(&snap), "--out", &s(&kit)],
        Some(dir.path()),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("Built ") && out.contains("Full snapshot"),
        "{out}"
    );
    let key = dir.path().join("embargo.pub");
    std::fs::copy(snap.join("minisign.pub"), &key).unwrap();

    let (code, out, err) = cli(&["kit", "verify", &s(&kit), "--key", &s(&key)], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verifies: Full snapshot"), "{out}");

    // The air-gapped instance: its own data directory, only the kit and the public key.
    let offline = tempfile::tempdir().unwrap();
    let import = || {
        cli(
            &["kit", "import", "--json", &s(&kit), "--key", &s(&key)],
            Some(offline.path()),
        )
    };
    let (code, out, err) = import();
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["kind"], "full");
    assert!(j["summary"]["new"].as_u64().unwrap() > 0);
    let (code, out, _) = feed(&["query", "pkg:pypi/accesscontrol@4.1"], offline.path());
    assert_eq!(code, 0);
    assert!(out.contains("PYSEC-2021-335"), "{out}");
    let (_, out, _) = import();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["already_installed"],
        true
    );

    // Another key: refused, nothing changed; an expired kit too.
    let other = tempfile::tempdir().unwrap();
    assert_eq!(feed(&["ingest", &s(&pypa)], other.path()).0, 0);
    let osnap = other.path().join("snap");
    assert_eq!(feed(&["export", &s(&osnap)], other.path()).0, 0);
    let okey = osnap.join("minisign.pub");
    let (code, _, err) = cli(&["kit", "verify", &s(&kit), "--key", &s(&okey)], None);
    assert_eq!(code, 1);
    assert!(err.contains("signature does not verify"), "{err}");
    let (code, _, err) = cli(
        &["kit", "import", &s(&kit), "--key", &s(&okey)],
        Some(offline.path()),
    );
    assert_eq!(code, 1);
    assert!(err.contains("nothing was changed"), "{err}");
    // Kits carry their build time to the second: one second later, a 0-day limit is past.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, _, err) = cli(
        &[
            "kit",
            "verify",
            &s(&kit),
            "--key",
            &s(&key),
            "--max-age-days",
            "0",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("older than the maximum age"), "{err}");
}
