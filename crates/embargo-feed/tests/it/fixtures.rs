//! The first test the issue names: after ingesting the 300 real advisories, every version in
//! their `versions` lists is reported affected by a purl query, and the `fixed` versions of
//! their ranges are not.

use embargo_feed::package::purl_of_package;
use embargo_feed::query::{MatchKind, PackageQuery};
use embargo_feed::record::decode;
use embargo_formats::osv::{OsvEvent, RangeKind};
use embargo_store::testing;

use crate::{advisories, files_under, ingest};

/// A purl query for `version` of an OSV package when the ecosystem has a purl type (so the
/// purl parser and the key normalisation are exercised), else an OSV (ecosystem, name) query.
fn query_for(ecosystem: &str, name: &str, version: &str) -> PackageQuery {
    let mut q = match purl_of_package(ecosystem, name) {
        Some(Ok(p)) => {
            let s = p.with_version(Some(version)).to_string();
            let q = PackageQuery::from_purl(&s).unwrap();
            // The purl spec may normalise the version (pypi lower-cases it); the scheme must
            // still see the same version.
            let back = q.version.as_deref().unwrap();
            if let Some(scheme) = embargo_domain::version::scheme_for_osv_ecosystem(ecosystem) {
                assert_eq!(
                    scheme.compare(back, version),
                    Ok(std::cmp::Ordering::Equal),
                    "{s}"
                );
            }
            q
        }
        _ => PackageQuery::from_osv(ecosystem, name, Some(version)),
    };
    q.include_withdrawn = true;
    q
}

#[tokio::test]
async fn listed_versions_are_affected_and_fixed_versions_are_not() {
    for db in testing::all().await {
        let summary = ingest(&db.store, &[advisories()]).await;
        assert_eq!(summary.read, 300, "{summary:?}");
        assert_eq!(summary.new, 300);
        assert!(summary.is_clean(), "{:?}", summary.rejections);
        let (mut listed, mut fixed_checked, mut purl_queries) = (0, 0, 0);
        for file in files_under(&advisories()) {
            let bytes = std::fs::read(&file).unwrap();
            let origin = file.to_string_lossy();
            let v = decode(&origin, &bytes, None).remove(0).unwrap().vuln;
            for a in &v.affected {
                let Some(p) = &a.package else { continue };
                if purl_of_package(&p.ecosystem, &p.name).is_some_and(|r| r.is_ok()) {
                    purl_queries += 1;
                }
                for version in &a.versions {
                    let q = query_for(&p.ecosystem, &p.name, version);
                    let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
                    let m = answer
                        .matches
                        .iter()
                        .find(|m| m.id == v.id)
                        .unwrap_or_else(|| {
                            panic!("{}: {} {} {version} not reported", db.name, v.id, p.name)
                        });
                    assert_eq!(m.kind, MatchKind::Affected, "{} {version}", v.id);
                    listed += 1;
                }
                // Neighbours: the fixed versions of orderable ranges, unless the record lists
                // them as affected itself (another entry of the same package).
                let listed_anywhere = |f: &str| {
                    v.affected.iter().any(|b| {
                        b.package.as_ref().is_some_and(|bp| bp.name == p.name)
                            && b.versions.iter().any(|x| x == f)
                    })
                };
                for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
                    for e in &r.events {
                        let OsvEvent::Fixed(f) = e else { continue };
                        if listed_anywhere(f) || v.affects(&p.ecosystem, &p.name, f).is_err() {
                            continue;
                        }
                        let q = query_for(&p.ecosystem, &p.name, f);
                        let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
                        let hit = answer.matches.iter().find(|m| m.id == v.id);
                        // Another range of the same record may still cover it (a fix that
                        // was later broken again): then the pure evaluation agrees.
                        let expected = v.affects(&p.ecosystem, &p.name, f).unwrap()
                            == embargo_domain::version::range::Verdict::Affected;
                        assert_eq!(hit.is_some(), expected, "{}: {} fixed {f}", db.name, v.id);
                        fixed_checked += 1;
                    }
                }
            }
        }
        println!(
            "{}: listed versions affected: {listed}, fixed versions checked: {fixed_checked}, entries queried by purl: {purl_queries}",
            db.name
        );
        assert!(listed > 1000, "{listed}");
        assert!(fixed_checked > 300, "{fixed_checked}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_matching_range_reports_its_fixed_version() {
    let db = testing::sqlite().await;
    ingest(&db.store, &[advisories().join("pypa/accesscontrol")]).await;
    let q = PackageQuery::from_purl("pkg:pypi/AccessControl@5.1").unwrap();
    let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
    let m = answer
        .matches
        .iter()
        .find(|m| m.id == "PYSEC-2021-335")
        .unwrap();
    assert_eq!(m.fixed, vec!["5.2".to_owned()]);
    assert_eq!(m.ranges.len(), 1);
    assert_eq!(m.ranges[0].kind, RangeKind::Ecosystem);
    let q = PackageQuery::from_purl("pkg:pypi/accesscontrol@4.3").unwrap();
    let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
    assert!(answer.matches.iter().all(|m| m.id != "PYSEC-2021-335"));
    // A version PEP 440 cannot parse is reported, not guessed.
    let q = PackageQuery::from_purl("pkg:pypi/accesscontrol@not..a..version").unwrap();
    let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
    assert!(answer.matches.is_empty());
    assert!(
        answer.errors.iter().any(|e| e.contains("PYSEC-2021-335")),
        "{:?}",
        answer.errors
    );
    // Without a version: every record naming the package, with all its fixed versions.
    let q = PackageQuery::from_purl("pkg:pypi/accesscontrol").unwrap();
    let answer = embargo_feed::by_package(db.store.conn(), &q).await.unwrap();
    let m = answer
        .matches
        .iter()
        .find(|m| m.id == "PYSEC-2021-335")
        .unwrap();
    assert_eq!(m.kind, MatchKind::Package);
    assert!(m.fixed.contains(&"4.3".to_owned()) && m.fixed.contains(&"5.2".to_owned()));
    db.cleanup().await;
}
