//! Programs: policy upload with inline errors, revisions, public renders, per-program roles.

use crate::harness::{TestApp, csrf_of, example, gpg, gpg_available};

#[tokio::test]
async fn an_admin_adds_a_program_and_its_policy_is_published() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    // Nothing published before there is a program.
    assert_eq!(admin.get("/.well-known/security.txt").await.status, 404);

    // A broken policy is refused with its line numbers, and the text is kept in the form.
    let broken = example("home-automation-integration").replacen(
        "[program]",
        "[program]\nnmae = \"typo\"",
        1,
    );
    let r = admin
        .submit("/admin/programs", "/admin/programs", &[("policy", &broken)])
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text.contains("line 4, column 1") && r.text.contains("nmae"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("nmae = &quot;typo&quot;") || r.text.contains("nmae = &#34;typo&#34;"),
        "the source is kept, escaped"
    );

    let r = admin
        .submit(
            "/admin/programs",
            "/admin/programs",
            &[("policy", &example("home-automation-integration"))],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/admin/programs/spook"));
    let page = admin.get("/admin/programs/spook").await;
    assert_eq!(page.status, 200);

    let anon = app.client();
    let txt = anon.get("/.well-known/security.txt").await;
    assert_eq!(txt.status, 200);
    assert!(
        txt.text.contains("Contact:") && txt.text.contains("Expires:"),
        "{}",
        txt.text
    );
    let md = anon.get("/p/spook/SECURITY.md").await;
    assert!(
        md.header("content-type")
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(md.text.contains("90 days"), "{}", md.text);
    let html = anon.get("/p/spook/policy").await;
    assert_eq!(html.status, 200);
    assert!(
        html.text.contains("<h1>") && !html.text.contains("<style>"),
        "embedded in the site layout, no inline style"
    );
    assert_eq!(anon.get("/p/nothing/policy").await.status, 404);

    // Updating: the slug cannot change, a stale revision is refused, a good edit bumps it.
    let csrf = csrf_of(&page.text).unwrap();
    let renamed =
        example("home-automation-integration").replace("slug = \"spook\"", "slug = \"spooky\"");
    let r = admin
        .post_raw(
            "/admin/programs/spook",
            &csrf,
            &[("policy", &renamed), ("revision", "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    let edited = example("home-automation-integration").replace("Spook", "Spook (edited)");
    let r = admin
        .post_raw(
            "/admin/programs/spook",
            &csrf,
            &[("policy", &edited), ("revision", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = admin
        .post_raw(
            "/admin/programs/spook",
            &csrf,
            &[
                ("policy", &example("home-automation-integration")),
                ("revision", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "stale revision: {}", r.text);
    assert!(r.text.contains("changed by someone else"));
    let log = embargo_store::audit::recent(app.store().conn(), 20)
        .await
        .unwrap();
    assert!(
        log.iter().any(|e| e.action == "program.created")
            && log.iter().any(|e| e.action == "program.policy_updated")
    );
    app.stop().await;
}

#[tokio::test]
async fn members_see_only_their_programs() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    let cli = embargo_app::admin::service::Actor::cli();
    for name in ["network-security-appliance", "home-automation-integration"] {
        embargo_app::program::service::add(
            app.store(),
            &example(name),
            "p.toml",
            &cli,
            app.clock_now(),
        )
        .await
        .ok()
        .unwrap();
    }
    let _t = app.user("tri@example.org", "triager").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    let token = app.token("tri@example.org", "read").await;
    let r = app.client().get_bearer("/api/v1/programs", &token).await;
    let list = r.json();
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        vec!["spook"],
        "a triager of one program sees nothing of another"
    );
    assert_eq!(list[0]["role"], "triager");
    let admin_token = app.token(crate::harness::ADMIN, "read").await;
    assert_eq!(
        app.client()
            .get_bearer("/api/v1/programs", &admin_token)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.stop().await;
}

#[tokio::test]
async fn a_signed_security_txt_verifies_with_gnupg() {
    if !gpg_available() {
        eprintln!("note: gpg not installed; skipping the OpenPGP interoperability test");
        return;
    }
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    let policy = example("network-security-appliance");
    let policy = if policy.contains("[security_txt]") {
        policy.replacen("[security_txt]", "[security_txt]\nsign = true", 1)
    } else {
        format!("{policy}\n[security_txt]\nsign = true\n")
    };
    let cli = embargo_app::admin::service::Actor::cli();
    embargo_app::program::service::add(app.store(), &policy, "p.toml", &cli, app.clock_now())
        .await
        .ok()
        .unwrap();
    let c = app.client();
    let key = c.get("/p/obserae/pgp-key.asc").await;
    assert_eq!(key.status, 200);
    assert!(
        key.text.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{}",
        key.text
    );
    let txt = c.get("/p/obserae/security.txt").await.text;
    assert!(
        txt.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") && txt.contains("Contact:"),
        "{txt}"
    );
    assert_eq!(
        c.get("/.well-known/security.txt").await.text.lines().next(),
        Some("-----BEGIN PGP SIGNED MESSAGE-----")
    );
    // The same key signs every time (created once, kept sealed).
    assert_eq!(c.get("/p/obserae/pgp-key.asc").await.text, key.text);

    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("key.asc"), &key.text).unwrap();
    std::fs::write(home.path().join("security.txt"), &txt).unwrap();
    let import = gpg(
        home.path(),
        &["--import", home.path().join("key.asc").to_str().unwrap()],
    );
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let verify = gpg(
        home.path(),
        &[
            "--verify",
            home.path().join("security.txt").to_str().unwrap(),
        ],
    );
    assert!(
        verify.status.success(),
        "gpg could not verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(String::from_utf8_lossy(&verify.stderr).contains("Good signature"));
    // A tampered file does not verify.
    std::fs::write(
        home.path().join("bad.txt"),
        txt.replacen(
            "Contact: ",
            "Contact: mailto:attacker@example.net\nContact: ",
            1,
        ),
    )
    .unwrap();
    let bad = gpg(
        home.path(),
        &["--verify", home.path().join("bad.txt").to_str().unwrap()],
    );
    assert!(
        !bad.status.success(),
        "a tampered security.txt must not verify"
    );
    app.stop().await;
}
