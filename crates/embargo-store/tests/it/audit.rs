use embargo_store::audit::{self, NewEntry, Verdict};
use embargo_store::{ConnectionTrait, stmt, testing};

use crate::t;

#[tokio::test]
async fn the_chain_verifies_and_an_edit_breaks_it() {
    for db in testing::all().await {
        let s = &db.store;
        for i in 0..5 {
            let txn = s.begin().await.unwrap();
            audit::append(
                &txn,
                NewEntry {
                    actor: "user:1",
                    action: "login.success",
                    target: &format!("user:{i}"),
                    detail: "{}",
                    ip: "127.0.0.1",
                },
                t(i),
            )
            .await
            .unwrap();
            txn.commit().await.unwrap();
        }
        assert_eq!(
            audit::verify(s.conn()).await.unwrap(),
            Verdict::Intact { entries: 5 },
            "{}",
            db.name
        );

        // Someone with database access rewrites history.
        let b = s.backend();
        s.conn()
            .execute_raw(stmt(
                b,
                "UPDATE audit_log SET actor = $1 WHERE seq = 3",
                ["user:evil".into()],
            ))
            .await
            .unwrap();
        match audit::verify(s.conn()).await.unwrap() {
            Verdict::Broken { seq, .. } => assert_eq!(seq, 3, "{}", db.name),
            v => panic!("{}: expected a broken chain, got {v:?}", db.name),
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn truncating_the_tail_is_detected() {
    for db in testing::all().await {
        let s = &db.store;
        for i in 0..3 {
            audit::append(
                s.conn(),
                NewEntry {
                    actor: "a",
                    action: "x",
                    target: "y",
                    detail: "{}",
                    ip: "",
                },
                t(i),
            )
            .await
            .unwrap();
        }
        let b = s.backend();
        s.conn()
            .execute_raw(stmt(b, "DELETE FROM audit_log WHERE seq = 3", []))
            .await
            .unwrap();
        assert!(
            matches!(
                audit::verify(s.conn()).await.unwrap(),
                Verdict::Broken { seq: 3, .. }
            ),
            "{}",
            db.name
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_appenders_never_fork_the_chain() {
    for db in testing::all().await {
        let mut handles = Vec::new();
        for w in 0..4 {
            let s = db.reopen().await;
            handles.push(tokio::spawn(async move {
                for i in 0..10 {
                    let txn = s.begin().await.unwrap();
                    audit::append(
                        &txn,
                        NewEntry {
                            actor: &format!("w{w}"),
                            action: "x",
                            target: "y",
                            detail: "{}",
                            ip: "",
                        },
                        t(i),
                    )
                    .await
                    .unwrap();
                    txn.commit().await.unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(
            audit::verify(db.store.conn()).await.unwrap(),
            Verdict::Intact { entries: 40 },
            "{}",
            db.name
        );
        db.cleanup().await;
    }
}
