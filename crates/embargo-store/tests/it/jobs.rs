use std::collections::HashSet;

use embargo_store::{job, testing};

use crate::t;

#[tokio::test]
async fn two_runners_never_claim_the_same_job() {
    for db in testing::all().await {
        for i in 0..40 {
            job::enqueue(
                db.store.conn(),
                "test",
                &format!("k{i}"),
                "{}",
                t(0),
                3,
                t(0),
            )
            .await
            .unwrap();
        }
        // A second enqueue of the same key is a no-op.
        assert!(
            !job::enqueue(db.store.conn(), "test", "k0", "{}", t(0), 3, t(0))
                .await
                .unwrap()
        );
        let a = db.reopen().await;
        let b = db.reopen().await;
        let lease = chrono::Duration::seconds(60);
        let (ra, rb) = tokio::join!(
            async {
                let mut v = Vec::new();
                for _ in 0..30 {
                    v.extend(job::claim_due(a.conn(), "A", t(1), lease, 3).await.unwrap());
                }
                v
            },
            async {
                let mut v = Vec::new();
                for _ in 0..30 {
                    v.extend(job::claim_due(b.conn(), "B", t(1), lease, 3).await.unwrap());
                }
                v
            },
        );
        let ids_a: HashSet<i64> = ra.iter().map(|j| j.id).collect();
        let ids_b: HashSet<i64> = rb.iter().map(|j| j.id).collect();
        assert!(
            ids_a.is_disjoint(&ids_b),
            "{}: a job was claimed twice",
            db.name
        );
        assert_eq!(
            ids_a.len() + ids_b.len(),
            40,
            "{}: every job claimed once",
            db.name
        );
        assert_eq!(ra.len() + rb.len(), 40);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_dead_owners_job_is_taken_over_after_its_lease() {
    for db in testing::all().await {
        let s = db.store.conn();
        job::enqueue(s, "test", "only", "{}", t(0), 3, t(0))
            .await
            .unwrap();
        let lease = chrono::Duration::seconds(30);
        let first = job::claim_due(s, "dead", t(1), lease, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        // While the lease holds nobody else gets it.
        assert!(
            job::claim_due(s, "alive", t(20), lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // After it expires the job is picked up again...
        let again = job::claim_due(s, "alive", t(32), lease, 10).await.unwrap();
        assert_eq!(again.len(), 1, "{}", db.name);
        assert_eq!(again[0].attempts, 2);
        // ...and the dead owner can no longer complete it.
        assert!(!job::complete(s, &first[0], "dead", t(33)).await.unwrap());
        assert!(job::complete(s, &again[0], "alive", t(33)).await.unwrap());
        assert_eq!(
            job::get(s, again[0].id).await.unwrap().unwrap().state,
            job::DONE
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn periodic_jobs_reschedule() {
    for db in testing::all().await {
        let s = db.store.conn();
        job::ensure_periodic(s, "tick", 60, t(0), t(0))
            .await
            .unwrap();
        job::ensure_periodic(s, "tick", 60, t(0), t(0))
            .await
            .unwrap();
        let c = job::claim_due(s, "A", t(1), chrono::Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(c.len(), 1, "{}: one row per periodic kind", db.name);
        assert!(job::complete(s, &c[0], "A", t(2)).await.unwrap());
        assert!(
            job::claim_due(s, "A", t(30), chrono::Duration::seconds(30), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            job::claim_due(s, "A", t(62), chrono::Duration::seconds(30), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        db.cleanup().await;
    }
}
