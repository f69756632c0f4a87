//! Setup link, login, sessions, back-off, second factor, CSRF.

use chrono::Duration;
use embargo_app::auth::totp;
use embargo_store::{audit, user};

use crate::harness::{ADMIN, PASSWORD, TestApp, csrf_of};

#[tokio::test]
async fn the_setup_link_is_single_use_and_expires() {
    let app = TestApp::start().await;
    let link = app.setup_link.clone().unwrap();
    let path = link.strip_prefix(&app.url).unwrap().to_owned();
    assert!(path.len() > 40, "high-entropy token");
    let c = app.client();
    assert_eq!(c.get(&path).await.status, 200);
    // A weak password is refused with the reason, and the link stays usable.
    let r = c
        .submit(
            &path,
            &path,
            &[
                ("email", ADMIN),
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("commonly used"), "{}", r.text);
    let r = c
        .submit(
            &path,
            &path,
            &[
                ("email", ADMIN),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, "/login?notice=password-set")
    );
    assert_eq!(c.get(&path).await.status, 404, "used once");
    let u = user::by_email(app.store().conn(), ADMIN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.role, "admin");
    assert!(u.password_hash.unwrap().starts_with("$argon2id$"));
    app.stop().await;

    let app = TestApp::start().await;
    let path = app
        .setup_link
        .clone()
        .unwrap()
        .strip_prefix(&app.url)
        .unwrap()
        .to_owned();
    app.clock.advance(Duration::minutes(61));
    assert_eq!(
        app.client().get(&path).await.status,
        404,
        "expired after an hour"
    );
    app.stop().await;
}

#[tokio::test]
async fn login_sets_a_fresh_httponly_session_and_logout_ends_it() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    assert_eq!(admin.get("/").await.status, 200);

    let c = app.client();
    assert_eq!(
        c.get("/").await.location(),
        "/login",
        "anonymous is sent to login"
    );
    let r = c.login(ADMIN, PASSWORD).await;
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("embargo_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    let first = cookie.split(';').next().unwrap().to_owned();
    // Logging in again over an existing session yields a different session id (no fixation).
    let home = c.get("/").await;
    let r = c
        .post_raw(
            "/login",
            &csrf_of(&home.text).unwrap(),
            &[("email", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303);
    let second = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    // The database holds only hashes of session ids.
    let raw = first.split('=').nth(1).unwrap();
    assert!(
        embargo_store::session::get(app.store().conn(), raw)
            .await
            .unwrap()
            .is_none()
    );

    let home = c.get("/").await;
    assert_eq!(home.status, 200);
    let csrf = csrf_of(&home.text).unwrap();
    let r = c.post_raw("/logout", &csrf, &[]).await;
    assert_eq!(r.location(), "/login?notice=logged-out");
    assert_eq!(c.get("/").await.location(), "/login");

    let log = audit::recent(app.store().conn(), 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "login.success"));
    assert!(log.iter().any(|e| e.action == "logout"));
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_when_idle_and_absolutely() {
    let app = TestApp::start().await;
    let c = app.admin().await;
    app.clock.advance(Duration::minutes(59));
    assert_eq!(
        c.get("/").await.status,
        200,
        "activity within the idle window"
    );
    app.clock.advance(Duration::minutes(59));
    assert_eq!(
        c.get("/").await.status,
        200,
        "activity refreshed the idle clock"
    );
    app.clock.advance(Duration::minutes(61));
    assert_eq!(c.get("/").await.location(), "/login", "idle expiry");

    c.login(ADMIN, PASSWORD).await;
    for _ in 0..14 {
        app.clock.advance(Duration::minutes(55));
        let _ = c.get("/").await;
    }
    assert_eq!(
        c.get("/").await.location(),
        "/login",
        "absolute expiry after 12 hours"
    );
    app.stop().await;
}

#[tokio::test]
async fn failed_logins_back_off_per_account_and_are_audited() {
    let app = TestApp::start().await;
    drop(app.admin().await);
    let c = app.client();
    for i in 0..3 {
        let r = c
            .submit(
                "/login",
                "/login",
                &[("email", ADMIN), ("password", "wrong password!")],
            )
            .await;
        assert_eq!(r.status, 401, "attempt {i}");
        assert!(r.text.contains("incorrect"));
    }
    // The fourth failure starts the back-off; now even the right password waits.
    let r = c
        .submit(
            "/login",
            "/login",
            &[("email", ADMIN), ("password", "wrong password!")],
        )
        .await;
    assert_eq!(r.status, 401);
    let r = c
        .submit(
            "/login",
            "/login",
            &[("email", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    app.clock.advance(Duration::seconds(2));
    let r = c
        .submit(
            "/login",
            "/login",
            &[("email", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303, "after the back-off the right password works");
    let failures = audit::recent(app.store().conn(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failure")
        .count();
    assert_eq!(failures, 4);
    // The IP's counter is not reset by one success: spraying other (even unknown) accounts
    // from it stays throttled, and the answer does not reveal whether an account exists.
    let c = app.client();
    let r = c
        .submit(
            "/login",
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "whatever12345"),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    let r = c
        .submit(
            "/login",
            "/login",
            &[
                ("email", "other@example.org"),
                ("password", "whatever12345"),
            ],
        )
        .await;
    assert_eq!(r.status, 429, "the IP is throttled after repeated failures");
    app.stop().await;
}

#[tokio::test]
async fn totp_enrolment_login_replay_and_recovery_codes() {
    let app = TestApp::start().await;
    let c = app.admin().await;
    let page = c.get("/account/totp").await;
    let secret = page.element("totp-secret").unwrap();
    let now = app.clock_now().timestamp() as u64;
    let bad = c
        .submit("/account/totp", "/account/totp", &[("code", "000000")])
        .await;
    assert_eq!(bad.status, 400);
    let r = c
        .submit(
            "/account/totp",
            "/account/totp",
            &[("code", &totp::code_at(&secret, now))],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"recovery-codes\""));
    let first_code = r
        .text
        .split("<li><code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let u = user::by_email(app.store().conn(), ADMIN)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !u.totp_secret.clone().unwrap().contains(&secret),
        "the secret is sealed at rest"
    );

    // Login now asks for the second factor before anything else.
    let c2 = app.client();
    let r = c2.login(ADMIN, PASSWORD).await;
    assert_eq!(r.location(), "/login/totp");
    assert_eq!(c2.get("/").await.location(), "/login/totp");
    // The code used for enrolment cannot be replayed...
    let r = c2
        .submit(
            "/login/totp",
            "/login/totp",
            &[("code", &totp::code_at(&secret, now))],
        )
        .await;
    assert_eq!(r.status, 401);
    // ...the next one works.
    app.clock.advance(Duration::seconds(30));
    let r = c2
        .submit(
            "/login/totp",
            "/login/totp",
            &[("code", &totp::code_at(&secret, now + 30))],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/"));
    assert_eq!(c2.get("/").await.status, 200);

    // A recovery code works once.
    let c3 = app.client();
    c3.login(ADMIN, PASSWORD).await;
    let r = c3
        .submit(
            "/login/totp",
            "/login/totp",
            &[("code", &first_code.to_uppercase())],
        )
        .await;
    assert_eq!(r.status, 303);
    let c4 = app.client();
    c4.login(ADMIN, PASSWORD).await;
    let r = c4
        .submit("/login/totp", "/login/totp", &[("code", &first_code)])
        .await;
    assert_eq!(r.status, 401, "a recovery code is single-use");
    app.stop().await;
}

#[tokio::test]
async fn admins_must_enrol_totp_when_required() {
    let mut cfg = crate::harness::config();
    cfg.security.require_admin_totp = true;
    let app = TestApp::with(cfg, embargo_store::testing::sqlite().await).await;
    let c = app.admin().await;
    assert_eq!(c.get("/").await.location(), "/account/totp?required=1");
    assert_eq!(
        c.get("/admin/users").await.location(),
        "/account/totp?required=1"
    );
    assert_eq!(c.get("/account/totp?required=1").await.status, 200);
    // Other roles are not forced.
    let v = app.user("vera@example.org", "viewer").await;
    assert_eq!(v.get("/").await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn state_changes_need_the_form_token_and_a_same_origin_request() {
    let app = TestApp::start().await;
    let c = app.admin().await;
    let page = c.get("/account/tokens").await;
    let csrf = csrf_of(&page.text).unwrap();
    // Wrong token.
    let r = c
        .post_raw(
            "/account/tokens",
            "forged",
            &[("name", "x"), ("scope", "read")],
        )
        .await;
    assert_eq!(r.status, 403);
    // Right token, but a cross-site request.
    let r = c
        .send(
            c.http
                .post(format!("{}/account/tokens", c.base))
                .header("sec-fetch-site", "cross-site")
                .form(&[("name", "x"), ("scope", "read"), ("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = c
        .send(
            c.http
                .post(format!("{}/account/tokens", c.base))
                .header("origin", "https://evil.example")
                .form(&[("name", "x"), ("scope", "read"), ("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 403);
    // The login form is protected too (double-submit cookie), even before there is a session.
    let anon = app.client();
    let r = anon
        .post_raw(
            "/login",
            "made-up",
            &[("email", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 403);
    // And the real thing works.
    let r = c
        .post_raw(
            "/account/tokens",
            &csrf,
            &[("name", "x"), ("scope", "read"), ("expires_in_days", "7")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.element("new-token").unwrap().starts_with("emb_"));
    app.stop().await;
}

#[tokio::test]
async fn password_change_ends_other_sessions() {
    let app = TestApp::start().await;
    let a = app.admin().await;
    let b = app.client();
    b.login(ADMIN, PASSWORD).await;
    let new = "a different long passphrase";
    let r = a
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    assert_eq!(r.location(), "/account?notice=password-changed");
    assert_eq!(a.get("/").await.status, 200, "the changing session stays");
    assert_eq!(b.get("/").await.location(), "/login", "other sessions end");
    let r = a
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    app.stop().await;
}
