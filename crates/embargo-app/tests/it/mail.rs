//! Mail and webhooks out: the receipt, team notices and replies go through the outbox to a real
//! SMTP server (aiosmtpd); mail to a reporter with a key is PGP/MIME that GnuPG decrypts;
//! webhook calls are signed and retried; failures are logged and retried.

use crate::harness::{Gpg, SmtpCapture, TestApp, config, csrf_of, gpg_available};

fn report_body(email: &str, key: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "fields": {"title": "Token leak in logs", "description": "The integration logs the API token in clear.", "affected-version": "2.1.0", "proof-of-concept": "grep token home-assistant.log"},
        "contact_email": email,
        "reporter_pgp_key": key,
    })
}

async fn deliver(app: &TestApp) -> (usize, usize) {
    let state = &app.running.as_ref().unwrap().state;
    embargo_app::outbox::deliver_due(state).await.unwrap()
}

/// The armoured OpenPGP block of a PGP/MIME message.
fn armored_part(raw: &str) -> String {
    let start = raw
        .find("-----BEGIN PGP MESSAGE-----")
        .expect("an OpenPGP message");
    let end = raw.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len();
    raw[start..end].replace("\r\n", "\n")
}

async fn start_with_smtp(smtp: &SmtpCapture) -> TestApp {
    let mut cfg = config();
    cfg.mail.smtp_url = smtp.url();
    cfg.mail.from = "security@spook.example".into();
    TestApp::with(cfg, embargo_store::testing::sqlite().await).await
}

#[tokio::test]
async fn the_reporter_gets_an_encrypted_receipt_and_replies_and_the_team_a_notice() {
    if !gpg_available() {
        return;
    }
    let Some(smtp) = SmtpCapture::start(0) else {
        eprintln!("note: aiosmtpd missing (run .ci/run); skipping");
        return;
    };
    let app = start_with_smtp(&smtp).await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let tri = app.user("tri@example.org", "viewer").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    let reporter_key = Gpg::new("Rita Reporter <rita@example.net>");

    let (reference, track) = app
        .file_report_with(
            "spook",
            report_body("rita@example.net", Some(&reporter_key.public)),
        )
        .await;
    assert_eq!(deliver(&app).await, (2, 0));
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 2, "receipt and team notice");
    let (to_reporter, receipt) = msgs
        .iter()
        .find(|(r, _)| r == &["rita@example.net"])
        .unwrap();
    assert_eq!(to_reporter, &["rita@example.net"]);
    assert!(receipt.contains("multipart/encrypted"), "{receipt}");
    assert!(receipt.contains("application/pgp-encrypted"));
    assert!(receipt.contains("Auto-Submitted: auto-generated"));
    assert!(receipt.contains(&format!("[{reference}] We received your report")));
    assert!(
        !receipt.contains("Token leak"),
        "nothing of the report in clear"
    );
    let tracking_path = track.as_str();
    assert!(
        !receipt.contains(tracking_path),
        "the tracking link only inside the encryption"
    );
    let inner = reporter_key.decrypt(armored_part(receipt).as_bytes());
    assert!(inner.contains(tracking_path), "{inner}");
    assert!(
        inner.contains("We will acknowledge your report by"),
        "{inner}"
    );
    // The reply address threads answers into the case.
    let reply_to = receipt
        .lines()
        .find(|l| l.starts_with("Reply-To:"))
        .unwrap()
        .to_owned();
    assert!(
        reply_to.contains(&format!("security+{}.", reference.to_lowercase())),
        "{reply_to}"
    );

    let (_, notice) = msgs
        .iter()
        .find(|(r, _)| r == &["tri@example.org"])
        .unwrap();
    assert!(notice.contains(&format!("/cases/{reference}")), "{notice}");
    assert!(
        !notice.contains("Token leak"),
        "team mail carries no report content"
    );

    // The team answers on the thread: the reporter gets it, encrypted; internal notes stay in.
    let page = tri.get(&format!("/cases/{reference}")).await;
    let csrf = csrf_of(&page.text).unwrap();
    let r = tri
        .post_raw(
            &format!("/cases/{reference}/messages"),
            &csrf,
            &[
                ("body", "Which firmware build do you run?"),
                ("visibility", "thread"),
            ],
        )
        .await;
    assert!(r.status < 400, "{}", r.text);
    let r = tri
        .post_raw(
            &format!("/cases/{reference}/messages"),
            &csrf,
            &[
                ("body", "Looks like CVE material."),
                ("visibility", "internal"),
            ],
        )
        .await;
    assert!(r.status < 400, "{}", r.text);
    assert_eq!(deliver(&app).await, (1, 0));
    let msgs = smtp.messages();
    let (_, reply) = msgs.last().unwrap();
    assert!(!reply.contains("firmware"));
    let inner = reporter_key.decrypt(armored_part(reply).as_bytes());
    assert!(
        inner.contains("Which firmware build do you run?"),
        "{inner}"
    );
    assert!(!inner.contains("CVE material"));

    // The reporter answers on the tracking page: the team is told.
    let rep = app.client();
    let page = rep.get(&track).await;
    let r = rep
        .post_raw(
            &format!("{track}/messages"),
            &csrf_of(&page.text).unwrap(),
            &[("body", "Build 2024.12.1")],
        )
        .await;
    assert!(r.status < 400, "{} {}", r.status, r.text);
    assert_eq!(deliver(&app).await, (1, 0));
    let msgs = smtp.messages();
    let (to, notice) = msgs.last().unwrap();
    assert_eq!(to, &["tri@example.org"]);
    assert!(notice.contains("The reporter wrote"));
    app.stop().await;
}

#[tokio::test]
async fn failed_mail_is_retried_and_logged_and_waits_without_a_server() {
    let Some(smtp) = SmtpCapture::start(1) else {
        return;
    };
    let app = start_with_smtp(&smtp).await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    app.file_report_with("spook", report_body("rita@example.net", None))
        .await;
    // One for the reporter, one for the admin (no program members yet); the first is refused.
    let (sent, failed) = deliver(&app).await;
    assert_eq!((sent, failed), (1, 1));
    // Not due again until the back-off has passed.
    assert_eq!(deliver(&app).await, (0, 0));
    app.clock.advance(chrono::Duration::minutes(3));
    assert_eq!(deliver(&app).await, (1, 0));
    let db = app.store().conn();
    let all = embargo_store::outbox::list(db, None, None, None, 10)
        .await
        .unwrap();
    assert!(
        all.iter()
            .all(|d| d.state == "sent" && d.payload.is_empty()),
        "payload cleared once sent"
    );
    let retried = all.iter().find(|d| d.attempts == 2).unwrap();
    let attempts = embargo_store::outbox::attempts(db, retried.id)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(
        !attempts[0].ok && attempts[0].detail.contains("451"),
        "{:?}",
        attempts[0]
    );
    assert!(attempts[1].ok);
    // The plain receipt (no key) is readable and has the tracking link.
    let plain = smtp
        .messages()
        .into_iter()
        .find(|(r, _)| r == &["rita@example.net"])
        .unwrap()
        .1;
    assert!(plain.contains("/track/") && !plain.contains("multipart/encrypted"));
    app.stop().await;

    // No SMTP server configured: mail waits, nothing is lost or counted as an attempt.
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    app.file_report_with("spook", report_body("rita@example.net", None))
        .await;
    let (sent, _) = deliver(&app).await;
    assert_eq!(sent, 0);
    let pending =
        embargo_store::outbox::list(app.store().conn(), Some("mail"), Some("pending"), None, 10)
            .await
            .unwrap();
    assert_eq!(pending.len(), 2);
    app.stop().await;
}

/// A webhook receiver on loopback that records calls and fails the first `fail_first`.
async fn hook_server(
    fail_first: usize,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
) {
    use axum::routing::post;
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let mut v = seen.lock().unwrap();
                v.push((headers, body));
                if v.len() <= fail_first {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, calls)
}

fn secret_of(html: &str) -> String {
    html.split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_logged() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let (url, calls) = hook_server(1).await;

    // Only https, or http to loopback.
    let page = "/admin/programs/spook/webhooks";
    let r = admin
        .submit(
            page,
            page,
            &[("url", "http://hooks.example.org/x"), ("events", "*")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("https://"), "{}", r.text);
    let r = admin
        .submit(
            page,
            page,
            &[
                ("url", &url),
                ("events", "case.created, case.state_changed"),
            ],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = secret_of(&r.text);
    assert_eq!(secret.len(), 43, "{secret}");
    assert!(
        !admin.get(page).await.text.contains(&secret),
        "the secret is shown once"
    );
    // Viewers and anonymous visitors do not reach the page.
    let viewer = app.user("v@example.org", "viewer").await;
    assert_eq!(viewer.get(page).await.status, 404);

    let (reference, _) = app
        .file_report("spook", serde_json::json!({"title": "T", "description": "Something is off in the auth flow.", "affected-version": "2.1.0", "proof-of-concept": "curl"}))
        .await;
    // The first call fails (500) and is retried after the back-off.
    let state = &app.running.as_ref().unwrap().state;
    let (_, failed) = embargo_app::outbox::deliver_due(state).await.unwrap();
    assert_eq!(failed, 1);
    app.clock.advance(chrono::Duration::minutes(2));
    embargo_app::outbox::deliver_due(state).await.unwrap();
    let v = calls.lock().unwrap().clone();
    assert_eq!(v.len(), 2);
    let (headers, body) = &v[1];
    let ts: i64 = headers["x-embargo-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(headers["x-embargo-event"], "case.created");
    assert_eq!(
        headers["x-embargo-signature"].to_str().unwrap(),
        embargo_app::outbox::webhook_signature(secret.as_bytes(), ts, body.as_bytes())
    );
    // Not forgeable with another secret, and a changed body does not verify.
    assert_ne!(
        headers["x-embargo-signature"].to_str().unwrap(),
        embargo_app::outbox::webhook_signature(b"other", ts, body.as_bytes())
    );
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["case"]["reference"], reference.as_str());
    assert!(!body.contains("auth flow"), "no report content in webhooks");
    // The delivery log on the page shows the attempts.
    let log = admin.get(page).await.text;
    assert!(
        log.contains("case.created") && log.contains("sent"),
        "{log}"
    );
    app.stop().await;
}

#[tokio::test]
async fn clocks_about_to_breach_are_announced_once() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let _tri = app.user("tri@example.org", "viewer").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    app.file_report_with("spook", report_body("rita@example.net", None))
        .await;
    let state = &app.running.as_ref().unwrap().state;
    let reminders = || async {
        embargo_store::outbox::list(app.store().conn(), Some("mail"), None, None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.event == "clock.due_soon")
            .count()
    };
    // Just received: nothing is due within the reminder lead yet (Spook acknowledges in 7 days).
    embargo_app::notification::remind_due(state).await.unwrap();
    assert_eq!(reminders().await, 0);
    // Six and a half days later the acknowledgement is due within 24 hours: one reminder,
    // however often the job runs.
    app.clock.advance(chrono::Duration::hours(6 * 24 + 12));
    assert!(embargo_app::notification::remind_due(state).await.unwrap() >= 1);
    let n = reminders().await;
    assert!(n >= 1);
    embargo_app::notification::remind_due(state).await.unwrap();
    assert_eq!(
        reminders().await,
        n,
        "deduplicated per case, clock and deadline"
    );
    app.stop().await;
}
