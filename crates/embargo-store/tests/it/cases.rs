use std::collections::HashSet;

use embargo_store::case::{self, NewCase, NewMessage, QueueFilter};
use embargo_store::{program, submission, testing};

use crate::t;

fn new_case<'a>(program_id: i64, reference: &'a str, tracking: &'a str) -> NewCase<'a> {
    NewCase {
        program_id,
        reference,
        state: "new",
        title_sealed: "sealed-title",
        report_sealed: "sealed-report",
        reporter_sealed: "sealed-reporter",
        reporter_email_hash: None,
        tracking_hash: tracking,
        channel: "web",
        severity: None,
    }
}

#[tokio::test]
async fn case_numbers_are_unique_under_concurrency() {
    for db in testing::all().await {
        let p = program::create(db.store.conn(), "p", "P", "", t(0))
            .await
            .unwrap();
        let mut handles = Vec::new();
        for _ in 0..4 {
            let s = db.reopen().await;
            handles.push(tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..10 {
                    let txn = s.begin().await.unwrap();
                    got.push(case::next_number(&txn, p.id, 2026).await.unwrap());
                    txn.commit().await.unwrap();
                }
                got
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let set: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(set.len(), 40, "{}: no number twice", db.name);
        assert_eq!(
            (set.iter().min().copied(), set.iter().max().copied()),
            (Some(1), Some(40))
        );
        assert_eq!(
            case::next_number(db.store.conn(), p.id, 2027)
                .await
                .unwrap(),
            1,
            "per year"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_stale_writer_is_told_the_case_changed() {
    for db in testing::all().await {
        let s = db.store.conn();
        let p = program::create(s, "p", "P", "", t(0)).await.unwrap();
        let c = case::create(s, new_case(p.id, "P-2026-0001", "h1"), t(0))
            .await
            .unwrap();
        assert_eq!(c.version, 1);
        let c2 = case::update(s, c.id, 1, t(1), |m| {
            m.state = sea_orm::Set("acknowledged".into())
        })
        .await
        .unwrap();
        assert_eq!((c2.version, c2.state.as_str()), (2, "acknowledged"));
        let stale = case::update(s, c.id, 1, t(2), |m| m.state = sea_orm::Set("spam".into())).await;
        assert!(
            matches!(stale, Err(embargo_store::StoreError::Conflict(_))),
            "{}",
            db.name
        );
        assert_eq!(
            case::by_id(s, c.id).await.unwrap().unwrap().state,
            "acknowledged"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn queue_filters_hide_spam_and_search_the_blind_index() {
    for db in testing::all().await {
        let s = db.store.conn();
        let p = program::create(s, "p", "P", "", t(0)).await.unwrap();
        let other = program::create(s, "o", "O", "", t(0)).await.unwrap();
        let a = case::create(s, new_case(p.id, "P-1", "h1"), t(1))
            .await
            .unwrap();
        let b = case::create(s, new_case(p.id, "P-2", "h2"), t(2))
            .await
            .unwrap();
        let _o = case::create(s, new_case(other.id, "O-1", "h3"), t(3))
            .await
            .unwrap();
        case::update(s, b.id, 1, t(4), |m| m.state = sea_orm::Set("spam".into()))
            .await
            .unwrap();
        case::index_tokens(s, a.id, &["tok-sql".into(), "tok-injection".into()])
            .await
            .unwrap();
        case::index_tokens(s, a.id, &["tok-sql".into()])
            .await
            .unwrap();
        case::index_tokens(s, b.id, &["tok-sql".into()])
            .await
            .unwrap();

        let base = QueueFilter {
            program_ids: vec![p.id],
            hidden_states: vec!["spam".into()],
            limit: 50,
            ..Default::default()
        };
        let (rows, total) = case::queue(s, &base).await.unwrap();
        assert_eq!(
            (rows.len(), total),
            (1, 1),
            "{}: spam hidden, other program invisible",
            db.name
        );
        let spam = QueueFilter {
            states: vec!["spam".into()],
            ..base.clone()
        };
        assert_eq!(case::queue(s, &spam).await.unwrap().0[0].reference, "P-2");
        let search = QueueFilter {
            hidden_states: vec![],
            tokens: vec!["tok-sql".into(), "tok-injection".into()],
            ..base.clone()
        };
        let (rows, _) = case::queue(s, &search).await.unwrap();
        assert_eq!(
            rows.iter()
                .map(|c| c.reference.as_str())
                .collect::<Vec<_>>(),
            vec!["P-1"]
        );
        assert_eq!(case::count_by_state(s, &[p.id]).await.unwrap().len(), 2);

        case::add_message(
            s,
            NewMessage {
                case_id: a.id,
                author: "reporter",
                author_user_id: None,
                visibility: "thread",
                body_sealed: "m1",
                via: "web",
            },
            t(5),
        )
        .await
        .unwrap();
        case::add_message(
            s,
            NewMessage {
                case_id: a.id,
                author: "team",
                author_user_id: None,
                visibility: "internal",
                body_sealed: "m2",
                via: "web",
            },
            t(6),
        )
        .await
        .unwrap();
        assert_eq!(
            case::messages(s, a.id, false).await.unwrap().len(),
            1,
            "internal notes hidden from the reporter view"
        );
        assert_eq!(case::messages(s, a.id, true).await.unwrap().len(), 2);

        let sub = submission::insert(s, Some(p.id), "email", "sealed-raw", 10, t(7))
            .await
            .unwrap();
        submission::quarantine(s, sub.id, "not MIME", t(8))
            .await
            .unwrap();
        assert_eq!(
            submission::in_state(s, submission::QUARANTINED, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        db.cleanup().await;
    }
}
