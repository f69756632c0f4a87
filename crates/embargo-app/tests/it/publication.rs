//! Advisories from draft to publication: nothing public before its time, then every output at
//! once, signed (gpg verifies the CSAF `.asc`, minisign the manifest); revisions and withdrawal.

use crate::harness::{Client, TestApp, csrf_of, gpg, gpg_available, version_of};

const TITLE: &str = "Quokka overflow in the wombat parser";
const SECRET_WORD: &str = "zanzibarquokka";

/// Every public route, feed, index and export a visitor can reach.
fn public_paths(id: &str) -> Vec<String> {
    let mut v: Vec<String> = [
        "/",
        "/advisories",
        "/advisories/index.json",
        "/advisories/feed.atom",
        "/advisories/manifest.json",
        "/thanks",
        "/p/obserae/advisories",
        "/p/obserae/policy",
        "/p/obserae/security.txt",
        "/p/obserae/SECURITY.md",
        "/.well-known/security.txt",
        "/.well-known/csaf/provider-metadata.json",
        "/.well-known/csaf/white/index.txt",
        "/.well-known/csaf/white/changes.csv",
        "/.well-known/csaf/white/feed-tlp-white.json",
        "/osv/crates.io/all.zip",
        "/programs/obserae/dashboard",
    ]
    .map(String::from)
    .to_vec();
    for suffix in ["", ".json", ".csaf.json", ".cve.json"] {
        v.push(format!("/advisories/{id}{suffix}"));
    }
    let lower = id.to_lowercase();
    v.push(format!("/.well-known/csaf/white/2026/{lower}.json"));
    v.push(format!("/osv/crates.io/{id}.json"));
    v
}

async fn edit(c: &Client, id: &str, fields: &[(&str, &str)]) -> crate::harness::Resp {
    let page = c.get(&format!("/team/advisories/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let v = version_of(&page.text);
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("version", &v));
    c.post_raw(
        &format!("/team/advisories/{id}"),
        &csrf_of(&page.text).unwrap(),
        &all,
    )
    .await
}

async fn post_form(
    c: &Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> crate::harness::Resp {
    let p = c.get(page).await;
    let v = version_of(&p.text);
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("version", &v));
    c.post_raw(action, &csrf_of(&p.text).unwrap(), &all).await
}

const AFFECTED: &str = r#"
[[affected]]
ecosystem = "crates.io"
name = "wombat-parser"
purl = "pkg:cargo/wombat-parser"
patched = ["1.4.2"]

[[affected.ranges]]
type = "SEMVER"
events = [{ introduced = "0" }, { fixed = "1.4.2" }]
"#;

#[tokio::test]
async fn nothing_is_public_before_its_time_then_everything_is() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("network-security-appliance").await;
    let tri = app.user("tri@example.org", "viewer").await;
    let dev = app.user("dev@example.org", "viewer").await;
    let viewer = app.user("view@example.org", "viewer").await;
    app.add_member("obserae", "tri@example.org", "triager")
        .await;
    app.add_member("obserae", "dev@example.org", "developer")
        .await;
    app.add_member("obserae", "view@example.org", "viewer")
        .await;
    let visitor = app.client();

    let (reference, _) = app
        .file_report(
            "obserae",
            serde_json::json!({"title": TITLE, "description": format!("The {SECRET_WORD} field overflows."), "affected-version": "1.4.1", "reproduction": "cat poc | wombat"}),
        )
        .await;

    // The triager opens the draft from the case.
    let case_page = tri.get(&format!("/cases/{reference}")).await;
    let r = tri
        .post_raw(
            &format!("/cases/{reference}/advisories"),
            &csrf_of(&case_page.text).unwrap(),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let id = r
        .location()
        .strip_prefix("/team/advisories/")
        .unwrap()
        .to_owned();
    assert!(id.starts_with("OBSERAE-SA-2026-"), "{id}");
    // Viewers and other programs' people do not see drafts.
    assert_eq!(
        viewer.get(&format!("/team/advisories/{id}")).await.status,
        404
    );
    assert!(!viewer.get("/team/advisories").await.text.contains(&id));
    assert_eq!(
        visitor.get(&format!("/team/advisories/{id}")).await.status,
        303,
        "anonymous: to the login"
    );

    // The developer writes it; errors name the field.
    let bad = edit(
        &dev,
        &id,
        &[("title", TITLE), ("cwes", "79"), ("affected", AFFECTED)],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("cwes[0]"), "{}", bad.text);
    let bad = edit(
        &dev,
        &id,
        &[("title", TITLE), ("affected", "[[affected]]\nname = 3\n")],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("line 2"), "{}", bad.text);
    let ok = edit(
        &dev,
        &id,
        &[
            ("title", TITLE),
            ("summary", &format!("A long {SECRET_WORD} value overflows a buffer.")),
            ("details", "Crafted input <script>alert(1)</script> overflows.\n\n[link](javascript:alert(1))"),
            ("workarounds", "Disable the wombat import."),
            ("cwes", "CWE-787"),
            ("cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("references", "FIX https://example.org/commit/abc"),
            ("credits", "FINDER | Ana Researcher | https://ana.example | yes\nANALYST | Secret Helper | | no"),
            ("affected", AFFECTED),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.text);

    // CVE id recorded from another CNA.
    let r = post_form(
        &tri,
        &format!("/team/advisories/{id}"),
        &format!("/team/advisories/{id}/cve"),
        &[("external", "CVE-2026-49001")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);

    // Scheduled two days ahead (the embargo end).
    let at = (app.clock_now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let r = post_form(
        &tri,
        &format!("/team/advisories/{id}"),
        &format!("/team/advisories/{id}/schedule"),
        &[("at", &at)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(
        tri.get(&format!("/team/advisories/{id}"))
            .await
            .text
            .contains("scheduled")
    );

    let state = &app.running.as_ref().unwrap().state;
    embargo_app::jobs::ensure_periodic(state).await.unwrap();
    let secrets = [
        id.as_str(),
        TITLE,
        SECRET_WORD,
        "CVE-2026-49001",
        "Ana Researcher",
        "wombat",
    ];
    let walk = |label: &'static str| {
        let visitor = &visitor;
        let id = id.clone();
        async move {
            for p in public_paths(&id) {
                let r = visitor.get(&p).await;
                for s in secrets {
                    assert!(
                        !r.text.contains(s),
                        "{label}: {p} shows `{s}` before publication"
                    );
                }
                if p.contains(&id) || p.contains(&id.to_lowercase()) {
                    assert_eq!(r.status, 404, "{label}: {p}");
                }
            }
            let idx = visitor.get("/advisories/index.json").await;
            assert_eq!(
                idx.json()["advisories"].as_array().unwrap().len(),
                0,
                "{label}: no count leaks"
            );
        }
    };
    walk("scheduled").await;
    // The job runs before the time: nothing.
    app.clock.advance(chrono::Duration::days(1));
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    walk("a day before").await;

    // The embargo ends: the job publishes everything at once.
    app.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    let page = visitor.get(&format!("/advisories/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains(TITLE)
            && page.text.contains("Ana Researcher")
            && page.text.contains("Critical 9.8")
    );
    assert!(
        !page.text.contains("Secret Helper"),
        "a credit without consent is never published"
    );
    assert!(
        !page.text.contains("<script>alert(1)"),
        "details are sanitised"
    );
    assert!(
        !page.text.contains("javascript:alert"),
        "unsafe links are dropped"
    );
    assert!(
        page.text.contains("wombat-parser (crates.io)")
            && (page.text.contains("&lt; 1.4.2") || page.text.contains("&#60; 1.4.2")),
        "affected table: {}",
        page.text
    );
    for p in public_paths(&id) {
        let r = visitor.get(&p).await;
        if [
            "/advisories",
            "/.well-known/csaf",
            "/osv/",
            "/thanks",
            "/p/obserae/advisories",
        ]
        .iter()
        .any(|x| p.starts_with(x))
        {
            assert_eq!(r.status, 200, "{p}");
        }
        assert!(!r.text.contains("Secret Helper"), "{p}");
    }
    for (p, needle) in [
        ("/advisories", id.as_str()),
        ("/advisories/index.json", id.as_str()),
        ("/advisories/feed.atom", TITLE),
        ("/thanks", "Ana Researcher"),
        ("/p/obserae/advisories", id.as_str()),
        ("/.well-known/csaf/white/index.txt", &id.to_lowercase()),
        ("/.well-known/csaf/white/changes.csv", &id.to_lowercase()),
        (
            "/.well-known/csaf/white/feed-tlp-white.json",
            &id.to_lowercase(),
        ),
        ("/advisories/manifest.json", "osv/crates.io/all.zip"),
        ("/.well-known/security.txt", "CSAF: "),
    ] {
        assert!(
            visitor.get(p).await.text.contains(needle),
            "{p} lacks {needle}"
        );
    }
    let osv = visitor.get(&format!("/advisories/{id}.json")).await.json();
    assert_eq!(osv["id"], format!("x_{id}"));
    assert_eq!(osv["aliases"][0], "CVE-2026-49001");
    let cve = visitor
        .get(&format!("/advisories/{id}.cve.json"))
        .await
        .json();
    assert_eq!(cve["cveMetadata"]["cveId"], "CVE-2026-49001");
    let csaf_path = format!("/.well-known/csaf/white/2026/{}.json", id.to_lowercase());
    let csaf = visitor.get(&csaf_path).await;
    assert_eq!(csaf.json()["document"]["tracking"]["id"], id.as_str());
    assert_eq!(csaf.json()["document"]["tracking"]["status"], "final");
    let sha = visitor.get(&format!("{csaf_path}.sha256")).await.text;
    assert!(
        sha.starts_with(&hex::encode(sha2::Sha256::digest(csaf.text.as_bytes())) as &str),
        "{sha}"
    );
    let zip = visitor.get("/osv/crates.io/all.zip").await;
    assert_eq!(&zip.bytes[..2], b"PK");

    // The minisign manifest verifies, and lists the CSAF file with its digest.
    let manifest = visitor.get("/advisories/manifest.json").await;
    let sig = visitor.get("/advisories/manifest.json.minisig").await.text;
    let public = visitor.get("/advisories/minisign.pub").await.text;
    embargo_app::signing::verify(&public, manifest.text.as_bytes(), &sig).unwrap();
    assert!(embargo_app::signing::verify(&public, b"tampered", &sig).is_err());
    let listed = manifest.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == csaf_path.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        listed["sha256"],
        hex::encode(sha2::Sha256::digest(csaf.text.as_bytes()))
    );

    // GnuPG verifies the CSAF signature with the program's published key.
    if gpg_available() {
        let home = tempfile::tempdir().unwrap();
        let key = visitor.get("/p/obserae/pgp-key.asc").await;
        std::fs::write(home.path().join("key.asc"), &key.bytes).unwrap();
        std::fs::write(home.path().join("doc.json"), &csaf.bytes).unwrap();
        std::fs::write(
            home.path().join("doc.json.asc"),
            visitor.get(&format!("{csaf_path}.asc")).await.bytes,
        )
        .unwrap();
        let imp = gpg(
            home.path(),
            &["--import", home.path().join("key.asc").to_str().unwrap()],
        );
        assert!(
            imp.status.success(),
            "{}",
            String::from_utf8_lossy(&imp.stderr)
        );
        let v = gpg(
            home.path(),
            &[
                "--verify",
                home.path().join("doc.json.asc").to_str().unwrap(),
                home.path().join("doc.json").to_str().unwrap(),
            ],
        );
        assert!(
            v.status.success(),
            "gpg --verify: {}",
            String::from_utf8_lossy(&v.stderr)
        );
        std::fs::write(
            home.path().join("doc.json"),
            csaf.text.replace("final", "draft"),
        )
        .unwrap();
        let v = gpg(
            home.path(),
            &[
                "--verify",
                home.path().join("doc.json.asc").to_str().unwrap(),
                home.path().join("doc.json").to_str().unwrap(),
            ],
        );
        assert!(!v.status.success(), "a tampered file fails");
    }

    // Publishing twice does nothing more: the job finds nothing due.
    let before = embargo_store::advisory::file_list(app.store().conn())
        .await
        .unwrap();
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    assert_eq!(
        embargo_store::advisory::file_list(app.store().conn())
            .await
            .unwrap(),
        before
    );

    // Two days passed: the sessions expired; sign in again.
    for (c, email) in [
        (&dev, "dev@example.org"),
        (&tri, "tri@example.org"),
        (&admin, crate::harness::ADMIN),
    ] {
        c.login(email, crate::harness::PASSWORD).await;
    }
    // A revision: edited, then published now by an admin with a reason.
    let r = edit(
        &dev,
        &id,
        &[
            ("title", TITLE),
            ("summary", "Updated summary."),
            ("cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("aliases", "CVE-2026-49001"),
            (
                "credits",
                "FINDER | Ana Researcher | https://ana.example | yes",
            ),
            ("affected", AFFECTED),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(
        !visitor
            .get(&format!("/advisories/{id}"))
            .await
            .text
            .contains("Updated summary."),
        "edits wait for the revision"
    );
    // Another advisory published meanwhile rebuilds the indexes: from what was published,
    // not from the pending edit.
    let (other_case, _) = app
        .file_report("obserae", serde_json::json!({"title": "Second issue", "description": "Other.", "affected-version": "1.0", "reproduction": "x"}))
        .await;
    let cp = tri.get(&format!("/cases/{other_case}")).await;
    let r = tri
        .post_raw(
            &format!("/cases/{other_case}/advisories"),
            &csrf_of(&cp.text).unwrap(),
            &[],
        )
        .await;
    let other = r
        .location()
        .strip_prefix("/team/advisories/")
        .unwrap()
        .to_owned();
    let r = edit(
        &dev,
        &other,
        &[
            ("title", "Second issue"),
            ("summary", "Another one."),
            ("affected", AFFECTED),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let p = admin.get(&format!("/team/advisories/{other}")).await;
    let r = admin
        .post_raw(
            &format!("/team/advisories/{other}/publish"),
            &csrf_of(&p.text).unwrap(),
            &[("reason", "coordinated with the first")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(visitor.get("/advisories").await.text.contains(&other));
    for p in public_paths(&id) {
        assert!(
            !visitor.get(&p).await.text.contains("Updated summary."),
            "{p} shows an unpublished edit"
        );
    }
    let p = admin.get(&format!("/team/advisories/{id}")).await;
    let r = admin
        .post_raw(
            &format!("/team/advisories/{id}/publish"),
            &csrf_of(&p.text).unwrap(),
            &[
                ("reason", "fix released early"),
                ("note", "Summary clarified"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(
        visitor
            .get(&format!("/advisories/{id}"))
            .await
            .text
            .contains("Updated summary.")
    );
    let csaf = visitor.get(&csaf_path).await.json();
    assert_eq!(csaf["document"]["tracking"]["version"], "2");
    assert_eq!(
        csaf["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Only admins publish now.
    let p = tri.get(&format!("/team/advisories/{id}")).await;
    let r = tri
        .post_raw(
            &format!("/team/advisories/{id}/publish"),
            &csrf_of(&p.text).unwrap(),
            &[("reason", "x")],
        )
        .await;
    assert_ne!(r.status, 303);

    // Withdrawal publishes the withdrawn state everywhere, with the text as last published.
    let r = edit(
        &dev,
        &id,
        &[
            ("title", TITLE),
            ("summary", "Never published wording."),
            ("affected", AFFECTED),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let p = admin.get(&format!("/team/advisories/{id}")).await;
    let r = admin
        .post_raw(
            &format!("/team/advisories/{id}/withdraw"),
            &csrf_of(&p.text).unwrap(),
            &[("reason", "not a vulnerability")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(
        visitor
            .get(&format!("/advisories/{id}"))
            .await
            .text
            .contains("withdrawn")
    );
    assert!(visitor.get(&format!("/advisories/{id}.json")).await.json()["withdrawn"].is_string());
    assert!(visitor.get("/advisories").await.text.contains("withdrawn"));
    assert!(
        !visitor
            .get(&format!("/advisories/{id}"))
            .await
            .text
            .contains("Never published wording.")
    );
    app.stop().await;
}

use sha2::Digest;
