use embargo_store::case::{self, NewCase};
use embargo_store::stats::{self, Tally};
use embargo_store::{program, testing};

use crate::t;

fn new_case<'a>(program_id: i64, reference: &'a str, severity: Option<&'a str>) -> NewCase<'a> {
    NewCase {
        program_id,
        reference,
        state: "new",
        title_sealed: "sealed-title",
        report_sealed: "sealed-report",
        reporter_sealed: "sealed-reporter",
        reporter_email_hash: None,
        tracking_hash: reference,
        channel: "web",
        severity,
    }
}

#[tokio::test]
async fn tally_groups_state_and_severity_per_program() {
    for db in testing::all().await {
        let s = db.store.conn();
        let p = program::create(s, "p", "P", "", t(0)).await.unwrap();
        let other = program::create(s, "o", "O", "", t(0)).await.unwrap();
        for (r, sev) in [
            ("P-1", None),
            ("P-2", Some("high")),
            ("P-3", Some("high")),
            ("P-4", Some("low")),
        ] {
            case::create(s, new_case(p.id, r, sev), t(0)).await.unwrap();
        }
        let c = case::by_reference(s, "P-4").await.unwrap().unwrap();
        case::update(s, c.id, 1, t(1), |m| {
            m.state = sea_orm::Set("triaged".into())
        })
        .await
        .unwrap();
        case::create(s, new_case(other.id, "O-1", Some("high")), t(0))
            .await
            .unwrap();

        let mut got = stats::tally(s, p.id).await.unwrap();
        got.sort_by(|a, b| (&a.state, &a.severity).cmp(&(&b.state, &b.severity)));
        let tally = |state: &str, severity: Option<&str>, n| Tally {
            state: state.into(),
            severity: severity.map(Into::into),
            n,
        };
        assert_eq!(
            got,
            vec![
                tally("new", None, 1),
                tally("new", Some("high"), 2),
                tally("triaged", Some("low"), 1),
            ],
            "{}",
            db.name
        );
        assert!(stats::tally(s, 999).await.unwrap().is_empty());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn received_since_loads_each_case_with_its_own_timeline() {
    for db in testing::all().await {
        let s = db.store.conn();
        let p = program::create(s, "p", "P", "", t(0)).await.unwrap();
        let other = program::create(s, "o", "O", "", t(0)).await.unwrap();
        // Received before, exactly at, and after the window's start; one in another program.
        let old = case::create(s, new_case(p.id, "P-old", None), t(-10))
            .await
            .unwrap();
        let edge = case::create(s, new_case(p.id, "P-edge", None), t(0))
            .await
            .unwrap();
        let late = case::create(s, new_case(p.id, "P-late", Some("high")), t(50))
            .await
            .unwrap();
        let foreign = case::create(s, new_case(other.id, "O-1", None), t(5))
            .await
            .unwrap();
        // Events interleaved across cases, as a busy team writes them.
        let events = [
            (old.id, "received", -10),
            (edge.id, "received", 0),
            (late.id, "received", 50),
            (foreign.id, "received", 5),
            (edge.id, "clock:acknowledged", 60),
            (late.id, "clock:acknowledged", 70),
            (old.id, "clock:acknowledged", 80),
            (edge.id, "clock:assessed", 90),
        ];
        for (id, kind, at) in events {
            case::add_event(s, id, "user:1", kind, "{}", t(at))
                .await
                .unwrap();
        }
        let got = stats::received_since(s, p.id, t(0)).await.unwrap();
        let summary: Vec<(&str, Vec<&str>)> = got
            .iter()
            .map(|c| {
                (
                    c.reference.as_str(),
                    c.events.iter().map(|e| e.kind.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "P-edge",
                    vec!["received", "clock:acknowledged", "clock:assessed"]
                ),
                ("P-late", vec!["received", "clock:acknowledged"]),
            ],
            "{}",
            db.name
        );
        assert!(
            got.iter()
                .all(|c| c.events.iter().all(|e| e.case_id == c.id))
        );
        assert_eq!(got[1].severity.as_deref(), Some("high"));
        assert_eq!((got[0].received_at, got[0].state.as_str()), (t(0), "new"));
        assert!(
            stats::received_since(s, p.id, t(51))
                .await
                .unwrap()
                .is_empty()
        );
        db.cleanup().await;
    }
}
