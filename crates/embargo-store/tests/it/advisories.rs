use embargo_store::advisory::{self, Change, NewFile};
use embargo_store::{case, program, testing};

use crate::t;

async fn a_case(s: &impl sea_orm::ConnectionTrait, program_id: i64, reference: &str) -> i64 {
    case::create(
        s,
        case::NewCase {
            program_id,
            reference,
            state: "new",
            title_sealed: "t",
            report_sealed: "r",
            reporter_sealed: "p",
            reporter_email_hash: None,
            tracking_hash: reference,
            channel: "web",
            severity: None,
        },
        t(0),
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn advisories_numbers_cases_scheduling_and_publication() {
    for db in testing::all().await {
        let s = db.store.conn();
        let p = program::create(s, "obserae", "obserae", "[program]\n", t(0))
            .await
            .unwrap();
        let c1 = a_case(s, p.id, "OBS-2026-0001").await;
        let c2 = a_case(s, p.id, "OBS-2026-0002").await;
        assert_eq!(advisory::next_number(s, p.id, 2026).await.unwrap(), 1);
        assert_eq!(advisory::next_number(s, p.id, 2026).await.unwrap(), 2);
        assert_eq!(advisory::next_number(s, p.id, 2027).await.unwrap(), 1);
        // Advisory numbers do not consume case numbers.
        assert_eq!(case::next_number(s, p.id, 2026).await.unwrap(), 1);

        let a = advisory::create(s, p.id, "OBS-SA-2026-0001", "sealed", &[c1], t(1))
            .await
            .unwrap();
        let b = advisory::create(s, p.id, "OBS-SA-2026-0002", "sealed", &[c1, c2], t(1))
            .await
            .unwrap();
        advisory::link_case(s, a.id, c1).await.unwrap();
        assert_eq!(advisory::case_ids(s, b.id).await.unwrap(), vec![c1, c2]);
        let of_c1: Vec<String> = advisory::for_case(s, c1)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.advisory_id)
            .collect();
        assert_eq!(of_c1, vec!["OBS-SA-2026-0001", "OBS-SA-2026-0002"]);
        assert!(
            advisory::create(s, p.id, "OBS-SA-2026-0001", "x", &[], t(1))
                .await
                .is_err()
        );

        let sched = Change {
            status: advisory::SCHEDULED,
            record_sealed: "sealed2",
            publish_at: Some(t(100)),
            publish_note: Some("embargo end"),
        };
        assert!(
            advisory::update(s, a.id, 1, sched.clone(), t(2))
                .await
                .unwrap()
        );
        // A stale editor loses.
        assert!(!advisory::update(s, a.id, 1, sched, t(2)).await.unwrap());
        assert!(advisory::due(s, t(99), 10).await.unwrap().is_empty());
        let due = advisory::due(s, t(100), 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].publish_note.as_deref(), Some("embargo end"));
        assert!(advisory::public(s).await.unwrap().is_empty());

        // Two publishers race on the same version: one wins.
        let v = due[0].version;
        assert!(
            advisory::mark_published(s, a.id, v, advisory::PUBLISHED, "pub", 1, t(101))
                .await
                .unwrap()
        );
        assert!(
            !advisory::mark_published(s, a.id, v, advisory::PUBLISHED, "pub", 1, t(102))
                .await
                .unwrap()
        );
        let now = advisory::by_advisory_id(s, "OBS-SA-2026-0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (now.status.as_str(), now.published_revision),
            ("published", 1)
        );
        assert_eq!(now.published_at, Some(t(101)));
        assert_eq!(now.publish_at, None);
        assert_eq!(now.published_record.as_deref(), Some("pub"));
        // A second revision keeps the first publication date.
        assert!(
            advisory::mark_published(s, a.id, now.version, advisory::PUBLISHED, "pub2", 2, t(200))
                .await
                .unwrap()
        );
        let now = advisory::by_id(s, a.id).await.unwrap().unwrap();
        assert_eq!(
            (now.published_at, now.published_revision),
            (Some(t(101)), 2)
        );
        assert_eq!(advisory::public(s).await.unwrap().len(), 1);
        assert!(advisory::due(s, t(1000), 10).await.unwrap().is_empty());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn published_files_replace_by_path() {
    for db in testing::all().await {
        let s = db.store.conn();
        let f = |path: &str, body: &str| NewFile {
            path: path.to_owned(),
            advisory_id: None,
            content_type: "text/plain".to_owned(),
            body: body.as_bytes().to_vec(),
            sha256: format!("h-{body}"),
        };
        advisory::put_files(
            s,
            vec![
                f("advisories/index.json", "[]"),
                f("osv/crates.io/A.json", "{}"),
            ],
            t(0),
        )
        .await
        .unwrap();
        advisory::put_files(s, vec![f("advisories/index.json", "[1]")], t(1))
            .await
            .unwrap();
        let got = advisory::file(s, "advisories/index.json")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.body.as_slice(), got.updated_at),
            (b"[1]".as_slice(), t(1))
        );
        assert!(advisory::file(s, "nope").await.unwrap().is_none());
        let list = advisory::file_list(s).await.unwrap();
        assert_eq!(
            list[0],
            (
                "advisories/index.json".into(),
                "text/plain".into(),
                "h-[1]".into(),
                3
            )
        );
        assert_eq!(list.iter().filter(|f| f.0.starts_with("osv/")).count(), 1);
        assert_eq!(list.len(), 2);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn cve_pool_embargo_and_instance_keys() {
    for db in testing::all().await {
        let s = db.store.conn();
        let p = program::create(s, "obserae", "obserae", "[program]\n", t(0))
            .await
            .unwrap();
        let c = a_case(s, p.id, "OBS-2026-0001").await;
        let a = advisory::create(s, p.id, "OBS-SA-2026-0001", "x", &[c], t(0))
            .await
            .unwrap();
        let b = advisory::create(s, p.id, "OBS-SA-2026-0002", "x", &[c], t(0))
            .await
            .unwrap();
        let ids: Vec<String> = ["CVE-2026-1002", "CVE-2026-1001"]
            .map(String::from)
            .to_vec();
        assert!(
            advisory::add_cve_ids(s, p.id, &ids, advisory::CVE_AVAILABLE, None, t(0))
                .await
                .unwrap()
                .is_empty()
        );
        let again = advisory::add_cve_ids(s, p.id, &ids[..1], advisory::CVE_AVAILABLE, None, t(0))
            .await
            .unwrap();
        assert_eq!(again, vec!["CVE-2026-1002"]);
        assert_eq!(
            advisory::assign_from_pool(s, p.id, a.id, t(1))
                .await
                .unwrap()
                .as_deref(),
            Some("CVE-2026-1001")
        );
        assert_eq!(
            advisory::assign_from_pool(s, p.id, b.id, t(1))
                .await
                .unwrap()
                .as_deref(),
            Some("CVE-2026-1002")
        );
        assert_eq!(
            advisory::assign_from_pool(s, p.id, b.id, t(1))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            advisory::cve_of(s, a.id).await.unwrap().unwrap().cve_id,
            "CVE-2026-1001"
        );
        assert!(
            advisory::set_cve_state(s, p.id, "CVE-2026-1001", advisory::CVE_PUBLISHED, t(2))
                .await
                .unwrap()
        );
        let pool = advisory::cve_ids(s, p.id).await.unwrap();
        assert_eq!(
            pool.iter().map(|r| r.state.as_str()).collect::<Vec<_>>(),
            vec!["published", "assigned"]
        );

        assert!(advisory::embargo(s, c).await.unwrap().is_none());
        let e = advisory::Embargo {
            case_id: c,
            ends_at: t(1000),
            time_zone: "Europe/Paris".into(),
            proposed_by: "team".into(),
            proposed_at: t(1),
            team_agreed_at: Some(t(1)),
            reporter_agreed_at: None,
            override_reason: None,
            exploited_at: None,
            version: 0,
        };
        assert!(advisory::save_embargo(s, e.clone(), 0).await.unwrap());
        assert!(!advisory::save_embargo(s, e.clone(), 0).await.unwrap());
        let agreed = advisory::Embargo {
            reporter_agreed_at: Some(t(2)),
            ..e.clone()
        };
        assert!(advisory::save_embargo(s, agreed.clone(), 1).await.unwrap());
        assert!(!advisory::save_embargo(s, agreed, 1).await.unwrap());
        let got = advisory::embargo(s, c).await.unwrap().unwrap();
        assert_eq!((got.version, got.reporter_agreed_at), (2, Some(t(2))));

        assert!(
            advisory::current_instance_key(s, "minisign")
                .await
                .unwrap()
                .is_none()
        );
        advisory::add_instance_key(s, "minisign", "K1", "pub1", "sec1", true, t(0))
            .await
            .unwrap();
        advisory::add_instance_key(s, "minisign", "K2", "pub2", "sec2", true, t(5))
            .await
            .unwrap();
        assert_eq!(
            advisory::current_instance_key(s, "minisign")
                .await
                .unwrap()
                .unwrap()
                .key_id,
            "K2"
        );
        let all = advisory::instance_keys(s, "minisign").await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].retired_at, Some(t(5)));
        db.cleanup().await;
    }
}
