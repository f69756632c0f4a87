use embargo_store::{program, testing, user};

use crate::t;

#[tokio::test]
async fn programs_revisions_defaults_and_members() {
    for db in testing::all().await {
        let s = db.store.conn();
        let a = program::create(s, "obserae", "obserae", "[program]\n", t(0))
            .await
            .unwrap();
        assert!(
            a.is_default,
            "{}: the first program is the default",
            db.name
        );
        let b = program::create(s, "spook", "Spook", "[program]\n", t(0))
            .await
            .unwrap();
        assert!(!b.is_default);
        assert!(
            program::create(s, "spook", "Again", "", t(0))
                .await
                .is_err()
        );

        let b2 = program::update_policy(s, b.id, "Spook", "[program] # v2\n", Some(1), t(1))
            .await
            .unwrap();
        assert_eq!(b2.revision, 2);
        // A stale editor (still at revision 1) is told, not silently overwritten.
        let stale =
            program::update_policy(s, b.id, "Spook", "[program] # v2-other\n", Some(1), t(2)).await;
        assert!(
            matches!(stale, Err(embargo_store::StoreError::Conflict(_))),
            "{}",
            db.name
        );

        program::set_default(s, b.id).await.unwrap();
        assert_eq!(program::default(s).await.unwrap().unwrap().slug, "spook");

        let u = user::create(s, "t@example.org", "", "viewer", t(0))
            .await
            .unwrap();
        program::set_member(s, a.id, u.id, "triager", t(0))
            .await
            .unwrap();
        program::set_member(s, a.id, u.id, "developer", t(1))
            .await
            .unwrap();
        assert_eq!(
            program::role_of(s, a.id, u.id).await.unwrap().as_deref(),
            Some("developer")
        );
        assert_eq!(program::role_of(s, b.id, u.id).await.unwrap(), None);
        assert_eq!(program::memberships(s, u.id).await.unwrap().len(), 1);
        assert!(program::remove_member(s, a.id, u.id).await.unwrap());
        assert!(program::members(s, a.id).await.unwrap().is_empty());
        db.cleanup().await;
    }
}
