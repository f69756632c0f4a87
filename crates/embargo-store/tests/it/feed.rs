//! The feed tables: batched upserts, re-indexing on replace, and the indexed look-ups.

use embargo_store::feed::{self, NewRecord, PackageRow};
use embargo_store::testing;

use crate::t;

fn rec(source: &str, id: &str, digest: &str, aliases: &[&str], pkgs: &[&str]) -> NewRecord {
    NewRecord {
        source: source.into(),
        record_id: id.into(),
        modified: "2024-01-01T00:00:00Z".into(),
        withdrawn: None,
        digest: digest.into(),
        body: format!(r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z"}}"#),
        origin: format!("fixtures/{id}.json"),
        aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
        packages: pkgs
            .iter()
            .map(|p| PackageRow {
                key: format!("pkg:pypi/{p}"),
                ecosystem: "PyPI".into(),
                name: (*p).into(),
            })
            .collect(),
    }
}

#[tokio::test]
async fn upsert_indexes_and_replaces() {
    for db in testing::all().await {
        let s = db.store.conn();
        let mut batch = vec![
            rec(
                "pysec",
                "PYSEC-1",
                "d1",
                &["CVE-1", "CVE-1"],
                &["foo", "bar"],
            ),
            rec("ghsa", "GHSA-1", "d2", &["CVE-1"], &["foo"]),
        ];
        // Enough rows to need several statements per table.
        for i in 0..3000 {
            batch.push(rec("go", &format!("GO-{i}"), "x", &["CVE-9"], &["many"]));
        }
        let pks = feed::upsert(s, &batch, t(0)).await.unwrap();
        assert_eq!(pks.len(), 3002, "{}", db.name);
        assert_eq!(feed::count(s).await.unwrap(), 3002);
        assert_eq!(
            feed::by_package_key(s, "pkg:pypi/many")
                .await
                .unwrap()
                .len(),
            3000
        );

        let foo = feed::by_package_key(s, "pkg:pypi/foo").await.unwrap();
        let ids: Vec<&str> = foo.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, vec!["GHSA-1", "PYSEC-1"], "{}", db.name);
        assert_eq!(foo[1].origin, "fixtures/PYSEC-1.json");
        assert_eq!(foo[1].ingested_at, t(0));
        let by_name = feed::by_ecosystem_name(s, "PyPI", "bar").await.unwrap();
        assert_eq!(by_name.len(), 1);

        let group = feed::by_ids_or_aliases(s, &["CVE-1".into()]).await.unwrap();
        assert_eq!(group.len(), 2, "{}", db.name);
        let one = feed::by_ids_or_aliases(s, &["GHSA-1".into()])
            .await
            .unwrap();
        assert_eq!(one.len(), 1);

        let existing = feed::existing(s, &[("pysec", "PYSEC-1"), ("pysec", "NOPE")])
            .await
            .unwrap();
        assert_eq!(existing[&("pysec".into(), "PYSEC-1".into())].digest, "d1");
        assert!(!existing.contains_key(&("pysec".into(), "NOPE".into())));

        // Replace: new digest, withdrawn, other aliases and packages; same row, first-seen
        // time kept.
        let mut changed = rec("pysec", "PYSEC-1", "d3", &["CVE-2"], &["baz"]);
        changed.withdrawn = Some("2024-02-01T00:00:00Z".into());
        let again = feed::upsert(s, &[changed], t(10)).await.unwrap();
        assert_eq!(again[0], pks[0], "{}", db.name);
        assert!(
            feed::by_package_key(s, "pkg:pypi/bar")
                .await
                .unwrap()
                .is_empty()
        );
        let baz = feed::by_package_key(s, "pkg:pypi/baz").await.unwrap();
        assert_eq!(baz[0].digest, "d3");
        assert_eq!(baz[0].withdrawn.as_deref(), Some("2024-02-01T00:00:00Z"));
        assert_eq!(baz[0].ingested_at, t(0));
        assert_eq!(baz[0].updated_at, t(10));
        let old_alias = feed::by_ids_or_aliases(s, &["CVE-1".into()]).await.unwrap();
        assert_eq!(old_alias.len(), 1, "{}", db.name);

        let stats = feed::source_stats(s).await.unwrap();
        let pysec = stats.iter().find(|x| x.0 == "pysec").unwrap();
        assert_eq!((pysec.1, pysec.2), (1, 1));
        assert_eq!(feed::page(s, 0, 10).await.unwrap().len(), 10);
        assert_eq!(feed::alias_edges(s).await.unwrap().len(), 3002);
        db.cleanup().await;
    }
}
