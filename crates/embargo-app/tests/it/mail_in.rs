//! Mail in: messages sent with a real SMTP client (lettre) to the built-in receiver become
//! cases or threaded replies; PGP/MIME and inline messages made by GnuPG are decrypted with the
//! program key; signatures are checked against the reporter's key; what cannot be filed
//! (malformed, wrong key, forged reply token, automatic replies) is quarantined, listed for
//! admins and can be retried; oversized mail and relaying are refused in the SMTP dialogue.

use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::harness::{Gpg, TestApp, config, csrf_of, gpg, gpg_available};

const FROM: &str = "security@spook.example";

async fn start() -> TestApp {
    let mut cfg = config();
    cfg.mail.receiver_listen = "127.0.0.1:0".into();
    cfg.mail.from = FROM.into();
    cfg.mail.default_program = "spook".into();
    TestApp::with(cfg, embargo_store::testing::sqlite().await).await
}

/// Sends `raw` over SMTP; Err is the server's refusal.
async fn send(app: &TestApp, from: &str, to: &str, raw: &[u8]) -> Result<String, String> {
    let port = app.running.as_ref().unwrap().smtp_addr.unwrap().port();
    let t = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    let env = Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap();
    t.send_raw(&env, raw)
        .await
        .map(|r| r.message().collect::<Vec<_>>().join(" "))
        .map_err(|e| e.to_string())
}

fn message(from: &str, to: &str, subject: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{}@example.net>\r\n{extra_headers}MIME-Version: 1.0\r\n\r\n{body}",
        uuid::Uuid::new_v4()
    )
    .into_bytes()
}

/// Newest submission's state and error.
async fn last_submission(app: &TestApp) -> (String, Option<String>, Option<i64>) {
    let db = app.store().conn();
    let mut all = Vec::new();
    for s in ["received", "processed", "quarantined"] {
        all.extend(
            embargo_store::submission::in_state(db, s, 1000)
                .await
                .unwrap(),
        );
    }
    let s = all
        .into_iter()
        .filter(|s| s.channel == "email")
        .max_by_key(|s| s.id)
        .unwrap();
    (s.state, s.error, s.case_id)
}

async fn reference_of(app: &TestApp, case_id: i64) -> String {
    embargo_store::case::by_id(app.store().conn(), case_id)
        .await
        .unwrap()
        .unwrap()
        .reference
}

#[tokio::test]
async fn mail_opens_cases_threads_replies_and_quarantines_what_it_cannot_file() {
    let app = start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;

    // A new report with an attachment.
    let raw = message(
        "Rita <rita@example.net>",
        FROM,
        "XSS in the dashboard card",
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe card renders <script>alert(1)</script> from entity names.\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"poc.yaml\"\r\nContent-Transfer-Encoding: base64\r\n\r\nbmFtZTogIjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD4iCg==\r\n--b1--\r\n",
    );
    let reply = send(&app, "rita@example.net", FROM, &raw).await.unwrap();
    assert!(reply.contains("queued as"), "{reply}");
    let (state, err, case_id) = last_submission(&app).await;
    assert_eq!(state, "processed", "{err:?}");
    let reference = reference_of(&app, case_id.unwrap()).await;
    assert!(reference.starts_with("SPOOK-"), "{reference}");
    let page = admin.get(&format!("/cases/{reference}")).await.text;
    assert!(page.contains("XSS in the dashboard card"));
    assert!(
        page.contains("renders &#60;script&#62;alert(1)")
            || page.contains("renders &lt;script&gt;alert(1)"),
        "rendered inert: {page}"
    );
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("poc.yaml"), "the attachment is on the case");
    // Nothing of the report in clear in the database.
    let db = app.store().conn();
    let sub = embargo_store::submission::in_state(db, "processed", 10)
        .await
        .unwrap();
    assert!(sub.iter().all(|s| !s.raw.contains("dashboard")));

    // A reply to the reply address lands on the thread.
    let reply_to = embargo_app::mail::reply_address(&app.keys, FROM, &reference);
    let raw = message(
        "rita@example.net",
        &reply_to,
        &format!("Re: [{reference}]"),
        "Content-Type: text/plain\r\n",
        "It also works in the history panel.\r\n",
    );
    send(&app, "rita@example.net", &reply_to, &raw)
        .await
        .unwrap();
    let (state, err, _) = last_submission(&app).await;
    assert_eq!(state, "processed", "{err:?}");
    let page = admin.get(&format!("/cases/{reference}")).await.text;
    assert!(
        page.contains("It also works in the history panel."),
        "threaded"
    );
    // Threading by In-Reply-To alone works too.
    let id = embargo_app::mail::message_id(&app.keys, FROM, &reference, 7);
    let raw = message(
        "rita@example.net",
        FROM,
        "Re: your mail",
        &format!("In-Reply-To: {id}\r\nContent-Type: text/plain\r\n"),
        "And in the logbook.\r\n",
    );
    send(&app, "rita@example.net", FROM, &raw).await.unwrap();
    assert!(
        admin
            .get(&format!("/cases/{reference}"))
            .await
            .text
            .contains("And in the logbook.")
    );

    // A forged reply token is not threaded: quarantined.
    let forged = reply_to.replace(&reference.to_lowercase(), "spook-2026-0099");
    let raw = message(
        "mallory@example.org",
        &forged,
        "Re: hi",
        "Content-Type: text/plain\r\n",
        "let me in\r\n",
    );
    send(&app, "mallory@example.org", &forged, &raw)
        .await
        .unwrap();
    let (state, err, _) = last_submission(&app).await;
    assert_eq!(state, "quarantined");
    assert!(err.unwrap().contains("does not verify"));

    // Malformed MIME: kept, quarantined with the reason, retry keeps it there.
    let raw = message(
        "x@example.org",
        FROM,
        "broken",
        "Content-Type: multipart/mixed; boundary=\"zz\"\r\n",
        "--zz\r\nContent-Type: text/plain\r\n\r\nno end\r\n",
    );
    send(&app, "x@example.org", FROM, &raw).await.unwrap();
    let (state, err, _) = last_submission(&app).await;
    assert_eq!(state, "quarantined");
    assert!(
        err.as_deref().unwrap().contains("cannot read the message"),
        "{err:?}"
    );

    // An auto-reply is never filed as a report (and never answered).
    let raw = message(
        "vacation@example.org",
        FROM,
        "Out of office",
        "Auto-Submitted: auto-replied\r\nContent-Type: text/plain\r\n",
        "away\r\n",
    );
    send(&app, "vacation@example.org", FROM, &raw)
        .await
        .unwrap();
    assert_eq!(last_submission(&app).await.0, "quarantined");

    // The admin sees the quarantine, and can retry; others cannot.
    let mail_page = admin.get("/admin/mail").await;
    assert!(
        mail_page.text.contains("does not verify") && mail_page.text.contains("not closed"),
        "{}",
        mail_page.text
    );
    let quarantined = embargo_store::submission::in_state(db, "quarantined", 10)
        .await
        .unwrap();
    let q = quarantined.first().unwrap().id;
    let r = admin
        .post_raw(
            &format!("/admin/mail/quarantine/{q}/retry"),
            &csrf_of(&mail_page.text).unwrap(),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("still in quarantine"), "{}", r.text);
    let viewer = app.user("v@example.org", "viewer").await;
    let vp = viewer.get("/account").await;
    let r = viewer
        .post_raw(
            &format!("/admin/mail/quarantine/{q}/retry"),
            &csrf_of(&vp.text).unwrap(),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(viewer.get("/admin/mail").await.status, 404);

    // Relaying is refused in the dialogue; so is a message over the size limit.
    let e = send(
        &app,
        "x@example.org",
        "someone@elsewhere.example",
        b"Subject: x\r\n\r\nx\r\n",
    )
    .await
    .unwrap_err();
    assert!(e.contains("550") || e.contains("relay"), "{e}");
    let big = message(
        "x@example.org",
        FROM,
        "big",
        "Content-Type: text/plain\r\n",
        &"A".repeat(31 * 1024 * 1024),
    );
    let e = send(&app, "x@example.org", FROM, &big).await.unwrap_err();
    assert!(
        e.contains("552") || e.to_lowercase().contains("size"),
        "{e}"
    );
    app.stop().await;
}

#[tokio::test]
async fn encrypted_and_signed_mail_from_gnupg() {
    if !gpg_available() {
        return;
    }
    let app = start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let program_key = admin.get("/p/spook/pgp-key.asc").await.text;
    let rita = Gpg::new("Rita Reporter <rita@example.net>");
    let f = rita.home.path().join("program.asc");
    std::fs::write(&f, &program_key).unwrap();
    let out = gpg(rita.home.path(), &["--import", f.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let encrypt = |plain: &str| -> String {
        let p = rita.home.path().join("plain.txt");
        std::fs::write(&p, plain).unwrap();
        let out = gpg(
            rita.home.path(),
            &[
                "--trust-model",
                "always",
                "--armor",
                "--encrypt",
                "-r",
                "security+spook@embargo.invalid",
                "--output",
                "-",
                p.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    // RFC 3156 PGP/MIME: the encrypted part is a MIME entity.
    let inner = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe pairing code is logged at debug level.\r\n";
    let body = format!(
        "--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--enc\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n{}\r\n--enc--\r\n",
        encrypt(inner)
    );
    let raw = message(
        "rita@example.net",
        FROM,
        "Encrypted report",
        "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n",
        &body,
    );
    send(&app, "rita@example.net", FROM, &raw).await.unwrap();
    let (state, err, case_id) = last_submission(&app).await;
    assert_eq!(state, "processed", "{err:?}");
    let reference = reference_of(&app, case_id.unwrap()).await;
    let page = admin.get(&format!("/cases/{reference}")).await.text;
    assert!(
        page.contains("The pairing code is logged at debug level."),
        "decrypted"
    );

    // Inline PGP in a plain-text body.
    let raw = message(
        "rita@example.net",
        FROM,
        "Inline",
        "Content-Type: text/plain\r\n",
        &encrypt("Second finding: the token is in the URL.\n"),
    );
    send(&app, "rita@example.net", FROM, &raw).await.unwrap();
    let (state, err, case_id) = last_submission(&app).await;
    assert_eq!(state, "processed", "{err:?}");
    let r2 = reference_of(&app, case_id.unwrap()).await;
    assert!(
        admin
            .get(&format!("/cases/{r2}"))
            .await
            .text
            .contains("the token is in the URL")
    );

    // Encrypted to someone else's key: quarantined, not lost.
    let other = Gpg::new("Other <other@example.org>");
    let p = other.home.path().join("plain.txt");
    std::fs::write(&p, "not for you").unwrap();
    let out = gpg(
        other.home.path(),
        &[
            "--armor",
            "--encrypt",
            "-r",
            "other@example.org",
            "--output",
            "-",
            p.to_str().unwrap(),
        ],
    );
    let raw = message(
        "other@example.org",
        FROM,
        "Wrong key",
        "Content-Type: text/plain\r\n",
        &String::from_utf8(out.stdout).unwrap(),
    );
    send(&app, "other@example.org", FROM, &raw).await.unwrap();
    let (state, err, _) = last_submission(&app).await;
    assert_eq!(state, "quarantined");
    assert!(err.unwrap().contains("cannot decrypt"));

    // A reporter who gave a key: their clearsigned reply is verified; a tampered one is not.
    let (reference, _) = app
        .file_report_with("spook", serde_json::json!({"fields": {"title": "T", "description": "Something off in the auth flow.", "affected-version": "2.1.0", "proof-of-concept": "curl"}, "contact_email": "rita@example.net", "reporter_pgp_key": rita.public}))
        .await;
    let p = rita.home.path().join("reply.txt");
    std::fs::write(&p, "Confirmed on 2.1.1 as well.\n").unwrap();
    let out = gpg(
        rita.home.path(),
        &["--clearsign", "--output", "-", p.to_str().unwrap()],
    );
    let signed = String::from_utf8(out.stdout).unwrap();
    let reply_to = embargo_app::mail::reply_address(&app.keys, FROM, &reference);
    for (text, expect) in [
        (signed.clone(), "verified:"),
        (signed.replace("2.1.1", "2.1.9"), "\"bad\""),
    ] {
        let raw = message(
            "rita@example.net",
            &reply_to,
            "Re",
            "Content-Type: text/plain\r\n",
            &text,
        );
        send(&app, "rita@example.net", &reply_to, &raw)
            .await
            .unwrap();
        let row = embargo_store::case::by_reference(app.store().conn(), &reference)
            .await
            .unwrap()
            .unwrap();
        let events = embargo_store::case::events(app.store().conn(), row.id)
            .await
            .unwrap();
        let last = events
            .iter()
            .rev()
            .find(|e| e.kind == "mail_received")
            .unwrap();
        assert!(last.detail.contains(expect), "{} for {expect}", last.detail);
    }
    app.stop().await;
}
