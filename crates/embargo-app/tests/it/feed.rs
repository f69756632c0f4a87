//! The feed over HTTP: OSV API shapes at `/api/v1/feed/…`, behind a read token, on both
//! backends, with the real fixture advisories ingested by the feed crate.

use std::path::Path;

use crate::harness::{TestApp, config};

fn advisories(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/advisories")
        .join(rel)
}

#[tokio::test]
async fn osv_queries_over_http() {
    for db in embargo_store::testing::all().await {
        let name = db.name;
        let app = TestApp::with(config(), db).await;
        let _admin = app.admin().await;
        app.user("viewer@example.org", "viewer").await;
        let token = app.token("viewer@example.org", "read").await;
        let s = embargo_feed::ingest(
            app.store(),
            &[advisories("pypa/accesscontrol"), advisories("golang")],
            &embargo_feed::IngestOptions::default(),
            app.clock_now(),
            |_| {},
        )
        .await
        .unwrap();
        assert!(s.new > 1 && s.rejected == 0, "{name}: {s:?}");
        let c = app.client();
        let post = |path: &str, body: serde_json::Value| {
            c.http
                .post(format!("{}{path}", app.url))
                .bearer_auth(&token)
                .json(&body)
        };

        let r = c
            .send(post(
                "/api/v1/feed/query",
                serde_json::json!({"package": {"purl": "pkg:pypi/accesscontrol"}, "version": "4.1"}),
            ))
            .await;
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        let ids: Vec<String> = r.json()["vulns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["PYSEC-2021-335"], "{name}");
        // The full record, as OSV clients expect it.
        assert_eq!(r.json()["vulns"][0]["aliases"][0], "CVE-2021-32807");

        let r = c
            .send(post(
                "/api/v1/feed/querybatch",
                serde_json::json!({"queries": [
                    {"package": {"ecosystem": "PyPI", "name": "AccessControl"}, "version": "4.1"},
                    {"package": {"ecosystem": "PyPI", "name": "AccessControl"}, "version": "5.2.1"},
                ]}),
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let res = &r.json()["results"];
        assert_eq!(res[0]["vulns"][0]["id"], "PYSEC-2021-335");
        assert!(res[0]["vulns"][0]["modified"].is_string());
        assert_eq!(res[1]["vulns"], serde_json::json!([]), "fixed in 4.3");

        // By id or alias: the merged view with its records.
        let r = c
            .get_bearer("/api/v1/feed/vulns/CVE-2021-32807", &token)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["id"], "CVE-2021-32807");
        assert_eq!(r.json()["records"][0]["id"], "PYSEC-2021-335");
        let r = c
            .get_bearer("/api/v1/feed/vulns/CVE-1999-0001", &token)
            .await;
        assert_eq!(r.status, 404);

        // Bad requests say what is wrong and where.
        let r = c
            .send(post(
                "/api/v1/feed/query",
                serde_json::json!({"package": {"purl": "pkg:pypi/a%zz"}}),
            ))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.json()["error"]["field"], "package.purl");
        let r = c
            .send(post(
                "/api/v1/feed/querybatch",
                serde_json::json!({"queries": [{"package": {"purl": "pkg:pypi/x@1"}}, {"package": {"name": "x"}}]}),
            ))
            .await;
        assert_eq!(r.status, 400);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("queries[1]"),
            "{}",
            r.text
        );
        let many: Vec<_> = (0..1001)
            .map(|_| serde_json::json!({"package": {"purl": "pkg:pypi/x@1"}}))
            .collect();
        let r = c
            .send(post(
                "/api/v1/feed/querybatch",
                serde_json::json!({ "queries": many }),
            ))
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["field"], "queries");

        // No token, no answer; cookies do not count on /api/.
        let anon = c
            .send(
                c.http
                    .post(format!("{}/api/v1/feed/query", app.url))
                    .json(&serde_json::json!({"package": {"purl": "pkg:pypi/accesscontrol@4.1"}})),
            )
            .await;
        assert_eq!(anon.status, 401);
        app.stop().await;
    }
}

/// The GHSA twin of the PYSEC fixture, with a summary to compare wording against.
const GHSA: &str = r#"{"id": "GHSA-qcx9-j53g-ccgf", "modified": "2021-10-01T00:00:00Z",
  "aliases": ["CVE-2021-32807"],
  "summary": "Remote Code Execution via unsafe classes in otherwise permitted modules",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "AccessControl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "5.0"}, {"fixed": "5.2.1"}]}]}]}"#;

#[tokio::test]
async fn the_case_page_shows_what_the_feed_already_knows() {
    for db in embargo_store::testing::all().await {
        let app = TestApp::with(config(), db).await;
        let admin = app.admin().await;
        // Spook's policy, publishing under the fixture's package for the test.
        let policy = crate::harness::example("home-automation-integration").replacen(
            "website = \"https://spook.boo\"",
            "website = \"https://spook.boo\"\npackages = [\"pkg:pypi/accesscontrol\"]",
            1,
        );
        embargo_app::program::service::add(
            app.store(),
            &policy,
            "p.toml",
            &embargo_app::admin::service::Actor::cli(),
            app.clock_now(),
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ghsa = dir.path().join("ghsa.json");
        std::fs::write(&ghsa, GHSA).unwrap();
        embargo_feed::ingest(
            app.store(),
            &[advisories("pypa/accesscontrol"), ghsa],
            &embargo_feed::IngestOptions::default(),
            app.clock_now(),
            |_| {},
        )
        .await
        .unwrap();

        let known = |fields: serde_json::Value| {
            let (app, admin) = (&app, &admin);
            async move {
                let (reference, _) = app.file_report("spook", fields).await;
                let page = admin.get(&format!("/cases/{reference}")).await;
                assert_eq!(page.status, 200);
                // The candidate list, or nothing when there is none.
                page.text
                    .split_once("id=\"known\"")
                    .and_then(|(_, rest)| rest.split_once("</ul>"))
                    .map(|(list, _)| list.to_owned())
                    .unwrap_or_default()
            }
        };
        let named = known(serde_json::json!({"title": "Sandbox escape", "description": "Looks like CVE-2021-32807 again.", "affected-version": "9.9", "proof-of-concept": "x"})).await;
        assert!(named.contains("CVE-2021-32807"), "{named}");
        assert!(named.contains("the report names CVE-2021-32807"), "{named}");

        let at_version = known(serde_json::json!({"title": "Scripts reach the os module", "description": "A Script object imports os.", "affected-version": "4.1", "proof-of-concept": "x"})).await;
        assert!(
            at_version.contains("affects pkg:pypi/accesscontrol 4.1"),
            "{at_version}"
        );

        let worded = known(serde_json::json!({"title": "Remote code execution", "description": "Unsafe classes in permitted modules give remote code execution.", "affected-version": "9.9", "proof-of-concept": "x"})).await;
        assert!(
            worded.contains("of its summary&#39;s words are in the report"),
            "{worded}"
        );
        assert!(!worded.contains("affects"), "9.9 is not affected: {worded}");

        let nothing = known(serde_json::json!({"title": "Logout is slow", "description": "It takes a while.", "affected-version": "9.9", "proof-of-concept": "x"})).await;
        assert_eq!(nothing, "", "no candidate list for an unrelated report");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_refresh_job_ingests_the_configured_sources() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("mirror");
    let mut c = config();
    c.feed.sources = vec![
        advisories("pypa/accesscontrol").display().to_string(),
        mirror.display().to_string(),
    ];
    let app = TestApp::with(c, embargo_store::testing::sqlite().await).await;
    let state = &app.running.as_ref().unwrap().state;
    embargo_app::jobs::ensure_periodic(state).await.unwrap();
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    // What could be read is in; the unreadable source fails the run, to be retried.
    let count = || async {
        embargo_store::feed::count(app.store().conn())
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1);
    let job = || async {
        embargo_store::job::by_kind(app.store().conn(), embargo_app::jobs::FEED_REFRESH)
            .await
            .unwrap()
            .remove(0)
    };
    let err = job().await.last_error.unwrap_or_default();
    assert!(err.contains("1 new") && err.contains("mirror"), "{err}");

    // The mirror appears: the retry ingests it, the known record is unchanged.
    std::fs::create_dir(&mirror).unwrap();
    std::fs::copy(
        advisories("golang/GO-2022-0278.json"),
        mirror.join("GO-2022-0278.json"),
    )
    .unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    assert_eq!(count().await, 2);
    assert_eq!(
        job().await.state,
        embargo_store::job::PENDING,
        "rescheduled"
    );
    app.stop().await;
}
