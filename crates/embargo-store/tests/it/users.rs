use embargo_store::{migrate, session, testing, throttle, token, user};

use crate::t;

#[tokio::test]
async fn users_tokens_sessions_round_trip() {
    for db in testing::all().await {
        let s = &db.store;
        let u = user::create(s.conn(), "a@example.org", "A", "admin", t(0))
            .await
            .unwrap();
        assert_eq!(
            u.created_at,
            t(0),
            "{}: microsecond timestamps round-trip",
            db.name
        );
        assert!(
            user::create(s.conn(), "a@example.org", "B", "viewer", t(1))
                .await
                .is_err()
        );
        assert_eq!(user::count(s.conn()).await.unwrap(), 1);

        // One-time link: usable once, not after expiry.
        user::create_setup_token(s.conn(), Some(u.id), "h1", "setup", t(3600), t(0))
            .await
            .unwrap();
        assert!(
            user::find_setup_token(s.conn(), "h1", t(3601))
                .await
                .unwrap()
                .is_none()
        );
        let tok = user::find_setup_token(s.conn(), "h1", t(10))
            .await
            .unwrap()
            .unwrap();
        assert!(
            user::consume_setup_token(s.conn(), tok.id, t(11))
                .await
                .unwrap()
        );
        assert!(
            !user::consume_setup_token(s.conn(), tok.id, t(12))
                .await
                .unwrap()
        );

        session::create(
            s.conn(),
            session::NewSession {
                id_hash: "sid",
                user_id: u.id,
                csrf_token: "c",
                mfa_verified: false,
                expires_at: t(100),
                ip: "127.0.0.1",
                user_agent: "ua",
            },
            t(0),
        )
        .await
        .unwrap();
        assert!(session::get(s.conn(), "sid").await.unwrap().is_some());
        assert_eq!(
            session::purge_expired(s.conn(), t(50), t(-10))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            session::purge_expired(s.conn(), t(100), t(-10))
                .await
                .unwrap(),
            1
        );

        token::create(
            s.conn(),
            token::NewToken {
                id: "emb_1",
                user_id: u.id,
                name: "ci",
                scope: "read",
                secret_hash: "x",
                expires_at: None,
            },
            t(0),
        )
        .await
        .unwrap();
        assert!(token::revoke(s.conn(), u.id, "emb_1", t(5)).await.unwrap());
        assert!(!token::revoke(s.conn(), u.id, "emb_1", t(6)).await.unwrap());

        let th = throttle::record_failure(s.conn(), "ip:1", t(0), |n| {
            chrono::Duration::seconds(n as i64)
        })
        .await
        .unwrap();
        let th2 = throttle::record_failure(s.conn(), "ip:1", t(1), |n| {
            chrono::Duration::seconds(n as i64)
        })
        .await
        .unwrap();
        assert_eq!((th.failures, th2.failures), (1, 2));
        assert_eq!(th2.blocked_until, t(3));

        // Migrations are idempotent.
        assert!(migrate::run(s).await.unwrap().is_empty());
        assert_eq!(
            migrate::current_version(s).await.unwrap(),
            migrate::latest_version()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_nothing() {
    for db in testing::all().await {
        let s = &db.store;
        let txn = s.begin().await.unwrap();
        user::create(&txn, "b@example.org", "B", "viewer", t(0))
            .await
            .unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(user::count(s.conn()).await.unwrap(), 0, "{}", db.name);
        db.cleanup().await;
    }
}
