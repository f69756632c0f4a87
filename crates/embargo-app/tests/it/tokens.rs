//! API tokens: shown once, stored hashed, scoped, expiring, revocable, last use recorded.

use chrono::Duration;
use embargo_store::{token, user};

use crate::harness::{ADMIN, TestApp, csrf_of};

#[tokio::test]
async fn a_token_is_shown_once_stored_hashed_and_works_until_revoked() {
    let app = TestApp::start().await;
    let c = app.admin().await;
    let r = c
        .submit(
            "/account/tokens",
            "/account/tokens",
            &[("name", "ci"), ("scope", "read"), ("expires_in_days", "30")],
        )
        .await;
    let full = r.element("new-token").unwrap();
    assert!(
        !c.get("/account/tokens").await.text.contains(&full),
        "shown only once"
    );
    let (id, secret) = embargo_app::auth::token::parse(&full).unwrap();
    let row = token::get(app.store().conn(), id).await.unwrap().unwrap();
    assert_ne!(row.secret_hash, secret);
    assert_eq!(
        row.secret_hash,
        embargo_store::sha256_hex(secret.as_bytes())
    );
    assert!(row.last_used_at.is_none());

    let me = c.get_bearer("/api/v1/me", &full).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["email"], ADMIN);
    assert_eq!(me.json()["token_scope"], "read");
    // Recorded off the request path: wait for it.
    let mut recorded = false;
    for _ in 0..100 {
        recorded = token::get(app.store().conn(), id)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
            .is_some();
        if recorded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(recorded, "last use recorded");

    // A cookie alone never authenticates the API.
    assert_eq!(c.get("/api/v1/me").await.status, 401);
    // A guessed or truncated secret does not work.
    assert_eq!(
        c.get_bearer("/api/v1/me", &full[..full.len() - 1])
            .await
            .status,
        401
    );
    let forged = format!("emb_{id}_{}", "A".repeat(43));
    assert_eq!(c.get_bearer("/api/v1/me", &forged).await.status, 401);

    let page = c.get("/account/tokens").await;
    let r = c
        .post_raw(
            &format!("/account/tokens/{id}/revoke"),
            &csrf_of(&page.text).unwrap(),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        c.get_bearer("/api/v1/me", &full).await.status,
        401,
        "revoked"
    );
    let log = embargo_store::audit::recent(app.store().conn(), 20)
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action == "token.created"));
    assert!(log.iter().any(|e| e.action == "token.revoked"));
    app.stop().await;
}

#[tokio::test]
async fn tokens_expire_and_follow_scope_and_role() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    let read = app.token(ADMIN, "read").await;
    let admin = app.token(ADMIN, "admin").await;
    let c = app.client();
    assert_eq!(
        c.get_bearer("/api/v1/users", &read).await.status,
        403,
        "read scope cannot call admin"
    );
    assert_eq!(c.get_bearer("/api/v1/users", &admin).await.status, 200);

    // A viewer cannot hold more than read, and a demoted admin's admin token stops working.
    let _v = app.user("vera@example.org", "viewer").await;
    let v = embargo_store::user::by_email(app.store().conn(), "vera@example.org")
        .await
        .unwrap()
        .unwrap();
    let req = embargo_app::account::service::TokenRequest {
        name: "x",
        scope: "write".parse().unwrap(),
        expires_in_days: None,
    };
    assert!(
        embargo_app::account::service::create_token(
            app.store(),
            v.id,
            req,
            &embargo_app::admin::service::Actor::cli(),
            app.clock_now()
        )
        .await
        .is_err()
    );
    let u = user::by_email(app.store().conn(), ADMIN)
        .await
        .unwrap()
        .unwrap();
    embargo_app::admin::service::set_role(
        app.store(),
        v.id,
        "admin".parse().unwrap(),
        &embargo_app::admin::service::Actor::cli(),
        app.clock_now(),
    )
    .await
    .unwrap();
    embargo_app::admin::service::set_role(
        app.store(),
        u.id,
        "triager".parse().unwrap(),
        &embargo_app::admin::service::Actor::cli(),
        app.clock_now(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.get_bearer("/api/v1/users", &admin).await.status,
        403,
        "role now below the token's scope"
    );

    app.clock.advance(Duration::days(31));
    assert_eq!(
        c.get_bearer("/api/v1/me", &read).await.status,
        401,
        "expired"
    );

    // A disabled owner's tokens stop working.
    let fresh = app.token(ADMIN, "read").await;
    assert_eq!(c.get_bearer("/api/v1/me", &fresh).await.status, 200);
    embargo_app::admin::service::set_disabled(
        app.store(),
        u.id,
        true,
        &embargo_app::admin::service::Actor::cli(),
        app.clock_now(),
    )
    .await
    .unwrap();
    assert_eq!(c.get_bearer("/api/v1/me", &fresh).await.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn no_secret_is_stored_in_clear() {
    let app = TestApp::start().await;
    let c = app.admin().await;
    let r = c
        .submit(
            "/account/tokens",
            "/account/tokens",
            &[("name", "ci"), ("scope", "admin"), ("expires_in_days", "")],
        )
        .await;
    let full = r.element("new-token").unwrap();
    let (_, secret) = embargo_app::auth::token::parse(&full).unwrap();
    // Copy the whole database (every table, every committed row) and search its bytes.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    app.store().backup_sqlite(&copy).await.unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("api_tokens"), "the copy is a real database");
    assert!(!contains(secret), "token secret stored in clear");
    assert!(
        !contains(crate::harness::PASSWORD),
        "password stored in clear"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_revocation_by_another_instance_applies_within_the_cache_ttl() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    let t = app.token(ADMIN, "read").await;
    let c = app.client();
    assert_eq!(c.get_bearer("/api/v1/me", &t).await.status, 200);
    // Another instance (or the CLI) revokes it straight in the shared database.
    let (id, _) = embargo_app::auth::token::parse(&t).unwrap();
    let u = user::by_email(app.store().conn(), ADMIN)
        .await
        .unwrap()
        .unwrap();
    assert!(
        token::revoke(app.store().conn(), u.id, id, app.clock_now())
            .await
            .unwrap()
    );
    app.clock
        .advance(embargo_app::auth::token::CACHE_TTL + chrono::Duration::seconds(1));
    assert_eq!(
        c.get_bearer("/api/v1/me", &t).await.status,
        401,
        "no later than the cache TTL"
    );
    app.stop().await;
}
