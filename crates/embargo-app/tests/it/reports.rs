//! Report intake (web form and API), the tracking page, the case API, and bad input.

use base64::Engine;
use reqwest::multipart;

use crate::harness::{ADMIN, Client, TestApp, csrf_of};

async fn with_program(app: &TestApp) {
    app.add_program("network-security-appliance").await;
}

async fn submit_form(
    c: &Client,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
    action: &str,
) -> crate::harness::Resp {
    let page = c.get("/p/obserae/report").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let mut form = multipart::Form::new()
        .text("csrf_token", csrf_of(&page.text).unwrap())
        .text("action", action.to_owned());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, data) in files {
        form = form.part(
            "attachments",
            multipart::Part::bytes(data).file_name(name.to_owned()),
        );
    }
    c.send(
        c.http
            .post(format!("{}/p/obserae/report", c.base))
            .header("origin", &c.base)
            .multipart(form),
    )
    .await
}

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

#[tokio::test]
async fn a_report_through_the_form_is_stored_sealed_and_tracked() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    with_program(&app).await;
    let reporter = app.client();
    let form = reporter.get("/p/obserae/report").await;
    assert!(
        form.text.contains("name=\"f:affected-version\""),
        "the policy's fields are asked for"
    );
    assert!(
        form.text.contains("enctype=\"multipart/form-data\"") && !form.text.contains("<script"),
        "works without JavaScript"
    );

    // Missing required fields: refused with the field named, input kept.
    let r = submit_form(&reporter, &[("f:title", "Only a title")], vec![], "send").await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("is required") && r.text.contains("Only a title"));

    // A wrong CVSS vector is explained before anything is stored.
    let fields = [
        ("f:title", "Auth bypass in the admin API"),
        (
            "f:description",
            "The /admin endpoint skips the session check. unique-word-zebra",
        ),
        ("f:affected-version", "0.9.1"),
        ("f:reproduction", "curl -X POST /admin/users"),
        ("contact_email", "researcher@example.net"),
    ];

    // "Check" shows notices and stores nothing.
    let r = submit_form(&reporter, &fields, vec![], "check").await;
    assert_eq!(r.status, 200);
    let mut all = fields.to_vec();
    all.push(("f:logs", XSS));
    let r = submit_form(
        &reporter,
        &all,
        vec![("poc.py", b"print('poc')\n".to_vec())],
        "send",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let reference = r.element("case-reference").unwrap();
    assert!(
        reference.starts_with("OBSERAE-") || reference.contains("-2026-"),
        "{reference}"
    );
    let tracking = r.element("tracking-link").unwrap();
    let track_path = tracking.strip_prefix(&app.url).unwrap().to_owned();

    // The tracking page: status in plain words, what is due next, and no internals.
    let t = reporter.get(&track_path).await;
    assert_eq!(t.status, 200);
    assert!(t.text.contains("Auth bypass in the admin API"));
    assert!(t.element("case-status").is_some());
    assert!(
        t.element("due-next")
            .unwrap_or_default()
            .contains("acknowledge"),
        "{}",
        t.text
    );
    // A guessed or truncated secret is a plain 404.
    assert_eq!(
        reporter
            .get(&track_path[..track_path.len() - 1])
            .await
            .status,
        404
    );
    assert_eq!(
        reporter
            .get("/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .status,
        404
    );

    // The reporter adds information.
    let r = reporter
        .submit(
            &track_path,
            &format!("{track_path}/messages"),
            &[("body", &format!("More detail {XSS}"))],
        )
        .await;
    assert_eq!(r.status, 303);
    let t = reporter.get(&track_path).await;
    assert!(
        t.text.contains("More detail &lt;script&gt;")
            || t.text.contains("More detail &#60;script&#62;"),
        "rendered inert: {}",
        t.text.split("thread").nth(2).unwrap_or("")
    );
    assert!(!t.text.contains("<script>alert"));

    // The team reads it through the API; the report text is sealed in the database.
    let token = app.token(ADMIN, "read").await;
    let api = app.client();
    let list = api
        .get_bearer("/api/v1/programs/obserae/cases", &token)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()[0]["reference"], reference.as_str());
    let detail = api
        .get_bearer(&format!("/api/v1/cases/{reference}"), &token)
        .await
        .json();
    assert_eq!(detail["fields"]["logs"], XSS);
    assert_eq!(detail["reporter_email"], "researcher@example.net");
    assert_eq!(detail["messages"].as_array().unwrap().len(), 1);

    // The team downloads the attachment: decrypted, as a download, with the sniffed type.
    let admin_page = _admin.get(&format!("/cases/{reference}")).await;
    let href = admin_page
        .text
        .split("/attachments/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let file = _admin
        .get(&format!("/cases/{reference}/attachments/{href}"))
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.text, "print('poc')\n");
    assert!(
        file.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"poc.py\"")
    );
    assert_eq!(file.header("content-type"), Some("text/plain"));
    assert_eq!(
        reporter
            .get(&format!("/cases/{reference}/attachments/{href}"))
            .await
            .location(),
        "/login",
        "not for anonymous"
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    app.store().backup_sqlite(&copy).await.unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    for secret in [
        "skips the session check",
        "unique-word-zebra",
        "researcher@example.net",
        "print('poc')",
        "More detail",
        "Auth bypass",
    ] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "`{secret}` is in the database in clear"
        );
    }
    // ...yet the team's search finds it through the blind index.
    let found = embargo_store::case::queue(
        app.store().conn(),
        &embargo_store::case::QueueFilter {
            program_ids: vec![
                embargo_store::program::by_slug(app.store().conn(), "obserae")
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            ],
            tokens: vec![app.keys.blind("word", "zebra")],
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(found.0.len(), 1);

    // Withdrawing from a stale form is told the case changed; a fresh one works.
    let t = reporter.get(&track_path).await;
    let csrf = csrf_of(&t.text).unwrap();
    let r = reporter
        .post_raw(
            &format!("{track_path}/withdraw"),
            &csrf,
            &[("reason", "duplicate of mine"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    let version = t
        .text
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = reporter
        .post_raw(
            &format!("{track_path}/withdraw"),
            &csrf,
            &[("reason", "no longer needed"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, 303);
    let t = reporter.get(&track_path).await;
    assert!(
        !t.text.contains("/withdraw"),
        "a withdrawn report cannot be withdrawn again"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_json_api_validates_and_answers_201() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    with_program(&app).await;
    let c = app.client();
    let url = format!("{}/api/v1/programs/obserae/reports", app.url);
    let r = c
        .send(
            c.http
                .post(&url)
                .json(&serde_json::json!({"fields": {"title": "x"}})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]["field"].is_string());
    let r = c
        .send(c.http.post(&url).json(
            &serde_json::json!({"fields": {"title": "x", "description": "y", "nonsense": "z"}}),
        ))
        .await;
    assert_eq!(r.json()["error"]["field"], "nonsense");
    let r = c.send(c.http.post(&url).json(&serde_json::json!({"fields": {"title": "x", "description": "y", "affected-version": "1.0", "reproduction": "z"}, "surprise": 1}))).await;
    assert_eq!(
        r.status, 422,
        "unknown top-level keys are refused: {}",
        r.text
    );
    let body = serde_json::json!({
        "fields": {"title": "Heap overflow", "description": "In the parser", "affected-version": "1.0", "reproduction": "run it"},
        "attachments": [{"filename": "crash.bin", "content_base64": base64::engine::general_purpose::STANDARD.encode([0u8, 1, 2, 3])}]
    });
    let r = c.send(c.http.post(&url).json(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.json()["tracking_url"]
            .as_str()
            .unwrap()
            .contains("/track/")
    );
    let r = c
        .send(
            c.http
                .post(format!("{}/api/v1/programs/nope/reports", app.url))
                .json(&body),
        )
        .await;
    assert_eq!(r.status, 404);
    // Over the size limit: 413, before anything is stored.
    let huge = "A".repeat(41 * 1024 * 1024);
    let r = c
        .send(
            c.http
                .post(&url)
                .header("content-type", "application/json")
                .body(format!("{{\"fields\":{{\"title\":\"{huge}\"}}}}")),
        )
        .await;
    assert_eq!(r.status, 413);
    app.stop().await;
}

#[tokio::test]
async fn cvss_vectors_are_checked_and_explained() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let c = app.client();
    let url = format!("{}/api/v1/programs/spook/reports", app.url);
    let send = |v: &str| {
        let body = serde_json::json!({"fields": {"title": "T", "description": "D", "affected-version": "1.2.0", "proof-of-concept": "P", "cvss-vector": v}});
        c.http.post(&url).json(&body)
    };
    for (vector, must_mention) in [
        ("CVSS:3.1/AV:N", "AC"),
        ("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV"),
        ("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H", "AT"),
        ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV"),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "3.1",
        ),
    ] {
        let r = c.send(send(vector)).await;
        assert_eq!(r.status, 400, "{vector}: {}", r.text);
        assert_eq!(r.json()["error"]["field"], "cvss-vector");
        let msg = r.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(must_mention), "{vector}: {msg}");
    }
    let r = c
        .send(send("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.stop().await;
}

#[tokio::test]
async fn cases_are_visible_only_to_their_program() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    with_program(&app).await;
    app.add_program("home-automation-integration").await;
    let c = app.client();
    let (reference, _) = app.file_report("obserae", serde_json::json!({"title": "T", "description": "D", "affected-version": "1.0", "reproduction": "R"})).await;
    let _t = app.user("tri@example.org", "triager").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    let other = app.token("tri@example.org", "read").await;
    assert_eq!(
        c.get_bearer(&format!("/api/v1/cases/{reference}"), &other)
            .await
            .status,
        404,
        "a triager of another program sees nothing"
    );
    assert_eq!(
        c.get_bearer("/api/v1/programs/obserae/cases", &other)
            .await
            .status,
        404
    );
    app.add_member("obserae", "tri@example.org", "triager")
        .await;
    assert_eq!(
        c.get_bearer(&format!("/api/v1/cases/{reference}"), &other)
            .await
            .status,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn the_reporter_chooses_credit_and_proposes_a_disclosure_date() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    with_program(&app).await;
    let (reference, track) = app.file_report("obserae", serde_json::json!({"title": "T", "description": "D", "affected-version": "1.0", "reproduction": "R"})).await;
    let reporter = app.client();
    // Credit needs consent.
    let r = reporter
        .submit(
            &track,
            &format!("{track}/credit"),
            &[
                ("kind", "handle"),
                ("name", "@zerocool"),
                ("link", "https://example.net/zc"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("consent"));
    let r = reporter
        .submit(
            &track,
            &format!("{track}/credit"),
            &[
                ("kind", "handle"),
                ("name", "@zerocool"),
                ("link", "javascript:alert(1)"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "only http(s) links");
    let r = reporter
        .submit(
            &track,
            &format!("{track}/credit"),
            &[
                ("kind", "handle"),
                ("name", "@zerocool"),
                ("link", "https://example.net/zc"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let t = reporter.get(&track).await;
    assert!(
        t.text
            .contains("You will be credited as <strong>@zerocool</strong>"),
        "{}",
        t.text
    );
    // A disclosure date in the past is refused; a future one is recorded for the team.
    let r = reporter
        .submit(
            &track,
            &format!("{track}/disclosure"),
            &[("date", "2020-01-01")],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = reporter
        .submit(
            &track,
            &format!("{track}/disclosure"),
            &[("date", "2027-02-01")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        reporter
            .get(&track)
            .await
            .text
            .contains("2027-02-01 — proposed by you")
    );
    let page = admin.get(&format!("/cases/{reference}")).await;
    assert!(
        page.text.contains("disclosure_proposed") && page.text.contains("credit_set"),
        "on the team's timeline"
    );
    // Choosing anonymity withdraws the consent.
    let r = reporter
        .submit(&track, &format!("{track}/credit"), &[("kind", "anonymous")])
        .await;
    assert_eq!(r.status, 303);
    assert!(
        reporter
            .get(&track)
            .await
            .text
            .contains("You chose not to be credited.")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_reporter_adds_files_on_the_tracking_page() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    with_program(&app).await;
    let (reference, track) = app
        .file_report(
            "obserae",
            serde_json::json!({"title": "T", "description": "Crash in the VPN daemon.", "affected-version": "7.4.1", "reproduction": "x"}),
        )
        .await;
    let rep = app.client();
    let page = rep.get(&track).await;
    assert!(page.text.contains("enctype=\"multipart/form-data\""));
    let form = multipart::Form::new()
        .text("csrf_token", csrf_of(&page.text).unwrap())
        .text("body", "The crash dump is attached.")
        .part(
            "files",
            multipart::Part::bytes(b"\x7fELF core".to_vec()).file_name("../../core.dump"),
        );
    let r = rep
        .send(
            rep.http
                .post(format!("{}{track}/messages", rep.base))
                .header("origin", &rep.base)
                .multipart(form),
        )
        .await;
    assert!(r.status < 400, "{} {}", r.status, r.text);
    let case = admin.get(&format!("/cases/{reference}")).await.text;
    assert!(case.contains("The crash dump is attached."));
    assert!(
        case.contains("core.dump") && !case.contains("../"),
        "stored under a clean name"
    );
    // Without the form token the post is refused.
    let form = multipart::Form::new()
        .text("csrf_token", "wrong")
        .text("body", "forged");
    let r = rep
        .send(
            rep.http
                .post(format!("{}{track}/messages", rep.base))
                .header("origin", &rep.base)
                .multipart(form),
        )
        .await;
    assert!(r.status >= 400, "{}", r.status);
    assert!(
        !admin
            .get(&format!("/cases/{reference}"))
            .await
            .text
            .contains("forged")
    );
    // Eleven files are too many.
    let page = rep.get(&track).await;
    let mut form = multipart::Form::new()
        .text("csrf_token", csrf_of(&page.text).unwrap())
        .text("body", "many");
    for i in 0..11 {
        form = form.part(
            "files",
            multipart::Part::bytes(vec![b'x'; 10]).file_name(format!("f{i}.txt")),
        );
    }
    let r = rep
        .send(
            rep.http
                .post(format!("{}{track}/messages", rep.base))
                .header("origin", &rep.base)
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    app.stop().await;
}
