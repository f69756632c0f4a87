//! Health, readiness, metrics, the OpenAPI contract, error formats, the access log and its
//! retention job, and jobs shared by two instances.

use chrono::Duration;
use embargo_store::{ConnectionTrait, access_log, job, stmt};

use crate::harness::{ADMIN, TestApp};

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::start().await;
    let c = app.client();
    assert_eq!(c.get("/healthz").await.text, "ok\n");
    assert_eq!(c.get("/readyz").await.text, "ready\n");
    let _ = c.get("/login").await;
    let m = c.get("/metrics").await;
    assert_eq!(m.status, 200);
    assert!(
        m.text.contains("http_requests_total") && m.text.contains("route=\"/login\""),
        "{}",
        m.text
    );
    assert!(m.text.contains("http_request_duration_seconds_bucket"));
    assert!(m.text.contains("db_pool_connections"));
    // Readiness follows the database.
    app.store()
        .conn()
        .execute_unprepared("DELETE FROM schema_migrations")
        .await
        .unwrap();
    assert_eq!(c.get("/readyz").await.status, 503);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_committed_copy() {
    let app = TestApp::start().await;
    let served = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(served.status, 200);
    assert_eq!(
        served.json()["openapi"].as_str().unwrap().get(..3),
        Some("3.1")
    );
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(committed_path).unwrap_or_default();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(committed_path, &served.text).unwrap();
    } else {
        assert!(
            committed == served.text,
            "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p embargo-app --test it openapi` and commit it"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn api_errors_have_one_shape_and_the_right_status() {
    let app = TestApp::start().await;
    let _ = app.admin().await;
    let token = app.token(ADMIN, "write").await;
    let c = app.client();
    let r = c.get("/api/v1/me").await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    let r = c.get_bearer("/api/v1/nothing-here", &token).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let r = c
        .send(
            c.http
                .delete(format!("{}/api/v1/tokens/doesnotexist", app.url))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .send(
            c.http
                .post(format!("{}/api/v1/me", app.url))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    // Body validation: wrong media type, malformed JSON, wrong shape, bad value (with field).
    let url = format!("{}/api/v1/tokens", app.url);
    let r = c
        .send(c.http.post(&url).bearer_auth(&token).body("name=x"))
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let r = c
        .send(
            c.http
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{\"name\":"),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (400, Some("validation_failed"))
    );
    let r = c
        .send(
            c.http
                .post(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"name": "x", "scope": 7})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("unprocessable"))
    );
    let r = c
        .send(
            c.http
                .post(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"name": "x", "scope": "root"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["field"].as_str()),
        (400, Some("scope"))
    );
    let r = c
        .send(
            c.http
                .post(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"name": "x", "scope": "admin"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["field"].as_str()),
        (400, Some("scope")),
        "a write token cannot mint an admin token"
    );
    let r = c
        .send(
            c.http
                .post(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"name": "ci", "scope": "read", "expires_in_days": 7})),
        )
        .await;
    assert_eq!(r.status, 201);
    let minted = r.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        c.get_bearer("/api/v1/me", &minted).await.json()["token_scope"],
        "read"
    );
    // HTML routes answer with a page.
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(
        r.header("content-type").unwrap().starts_with("text/html") && r.text.contains("Not Found")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_server_error_is_generic_and_names_its_request_id() {
    let app = TestApp::start().await;
    let _ = app.admin().await;
    let token = app.token(ADMIN, "read").await;
    // Break the database under the server.
    app.store()
        .conn()
        .execute_unprepared("DROP TABLE api_tokens")
        .await
        .unwrap();
    let r = app.client().get_bearer("/api/v1/me", &token).await;
    assert_eq!(r.status, 500);
    let body = r.json();
    assert_eq!(body["error"]["code"], "internal");
    assert_eq!(body["error"]["message"], "internal error");
    assert!(
        !r.text.to_lowercase().contains("api_tokens"),
        "no internals leak: {}",
        r.text
    );
    assert_eq!(
        body["error"]["request_id"].as_str(),
        r.header("x-request-id")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_access_log_keeps_route_templates_and_hashes_old_ips() {
    let app = TestApp::start().await;
    let c = app.client();
    let link = app.setup_link.clone().unwrap();
    let path = link.strip_prefix(&app.url).unwrap().to_owned();
    let _ = c.get(&path).await;
    let _ = c.get("/login?next=%2Fsecret").await;
    // The writer flushes within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let rows = access_log::recent(app.store().conn(), 50).await.unwrap();
    assert!(
        rows.iter()
            .any(|r| r.route == "/setup/{token}" && r.status == 200),
        "{rows:?}"
    );
    let secret = path.rsplit('/').next().unwrap();
    assert!(
        rows.iter()
            .all(|r| !r.route.contains(secret) && !r.route.contains("secret")),
        "no concrete paths or queries"
    );
    assert!(rows.iter().all(|r| r.ip == "127.0.0.1" && !r.ip_hashed));

    let state = &app.running.as_ref().unwrap().state;
    embargo_app::jobs::ensure_periodic(state).await.unwrap();
    // Six days later nothing is hashed yet...
    app.clock.advance(Duration::days(6));
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    assert!(
        access_log::recent(app.store().conn(), 50)
            .await
            .unwrap()
            .iter()
            .all(|r| r.ip == "127.0.0.1")
    );
    // ...after the seven-day window the stored IPs are sha256(salt || ip).
    app.clock.advance(Duration::days(1) + Duration::hours(2));
    embargo_app::jobs::run_due(state, "test").await.unwrap();
    let rows = access_log::recent(app.store().conn(), 50).await.unwrap();
    let expected = app.keys.hash_ip("127.0.0.1");
    assert!(
        rows.iter().all(|r| r.ip_hashed && r.ip == expected),
        "{rows:?}"
    );
    assert_ne!(expected, embargo_store::sha256_hex(b"127.0.0.1"), "salted");
    app.stop().await;
}

#[tokio::test]
async fn two_instances_on_one_database_run_each_job_once() {
    for db in embargo_store::testing::all().await {
        let url = db.url.clone();
        let second_db = db.reopen().await;
        let a = TestApp::with(crate::harness::config(), db).await;
        let b_running = embargo_app::serve::start_with(
            crate::harness::config(),
            second_db,
            a.keys.clone(),
            std::sync::Arc::new(a.clock.clone()),
        )
        .await
        .unwrap();
        let sa = a.running.as_ref().unwrap().state.clone();
        let sb = b_running.state.clone();
        embargo_app::jobs::ensure_periodic(&sa).await.unwrap();
        embargo_app::jobs::ensure_periodic(&sb).await.unwrap();
        let (ra, rb) = tokio::join!(
            embargo_app::jobs::run_due(&sa, "instance-a"),
            embargo_app::jobs::run_due(&sb, "instance-b")
        );
        let total = ra.unwrap() + rb.unwrap();
        assert_eq!(
            total,
            embargo_app::jobs::PERIODIC.len(),
            "{url}: each periodic job ran exactly once"
        );
        let b = a.store().backend();
        let runs = a
            .store()
            .conn()
            .query_all_raw(stmt(b, "SELECT id FROM job_runs", []))
            .await
            .unwrap();
        assert_eq!(runs.len(), embargo_app::jobs::PERIODIC.len());
        for (kind, _) in embargo_app::jobs::PERIODIC {
            let j = &job::by_kind(a.store().conn(), kind).await.unwrap()[0];
            assert_eq!(j.state, job::PENDING, "rescheduled");
        }
        b_running.shutdown().await;
        a.stop().await;
    }
}
