//! The program dashboard (open cases, time to acknowledge / assess / fix, SLA compliance, the
//! window selector, who may see it) and the public responsiveness summary on the policy page,
//! with numbers worked out by hand.

use crate::harness::{ADMIN, Client, PASSWORD, Resp, TestApp, csrf_of, example, version_of};

/// Moves a case through the case page's form, as a triager does.
async fn change(c: &Client, reference: &str, to: &str, reason: &str) {
    let page = c.get(&format!("/cases/{reference}")).await;
    let r = c
        .post_raw(
            &format!("/cases/{reference}/state"),
            &csrf_of(&page.text).unwrap(),
            &[
                ("to", to),
                ("reason", reason),
                ("version", &version_of(&page.text)),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{reference} → {to}: {}", r.text);
}

async fn file(app: &TestApp, title: &str) -> (String, String) {
    app.file_report(
        "spook",
        serde_json::json!({"title": title, "description": "The integration logs the API token.", "affected-version": "2.1.0", "proof-of-concept": "grep token home-assistant.log"}),
    )
    .await
}

fn hours(n: i64) -> chrono::Duration {
    chrono::Duration::hours(n)
}

/// Moves the clock on, then signs the clients in again (sessions idle out after an hour).
async fn later(app: &TestApp, by: chrono::Duration, who: &[(&Client, &str)]) {
    app.clock.advance(by);
    for (c, email) in who {
        c.login(email, PASSWORD).await;
    }
}

/// The `<desc>` of the chart inside the element with this id.
fn chart_desc(page: &Resp, id: &str) -> String {
    let from = page.text.find(&format!("id=\"{id}\"")).unwrap();
    let rest = &page.text[from..];
    let start = rest.find("<desc>").unwrap() + "<desc>".len();
    let end = rest.find("</desc>").unwrap();
    rest[start..end].to_owned()
}

#[tokio::test]
async fn the_dashboard_shows_hand_checked_numbers_to_the_team_only() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let tri = app.user("tri@example.org", "viewer").await;
    let viewer = app.user("view@example.org", "viewer").await;
    let outsider = app.user("out@example.org", "triager").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    app.add_member("spook", "view@example.org", "viewer").await;

    // Six reports at T0: A, B, C are acknowledged after 1 h, 3 h and 5 h; D is never
    // acknowledged; W is withdrawn at once by its reporter; S is spam.
    let (a, _) = file(&app, "A").await;
    let (b, _) = file(&app, "B").await;
    let (c, _) = file(&app, "C").await;
    let _d = file(&app, "D").await;
    let (_w, w_track) = file(&app, "W").await;
    let (s, _) = file(&app, "S").await;
    let reporter = app.client();
    let t = reporter.get(&w_track).await;
    let r = reporter
        .post_raw(
            &format!("{w_track}/withdraw"),
            &csrf_of(&t.text).unwrap(),
            &[("reason", "my mistake"), ("version", &version_of(&t.text))],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    change(&tri, &s, "spam", "Scanner noise").await;
    let triager = [(&tri, "tri@example.org")];
    later(&app, hours(1), &triager).await;
    change(&tri, &a, "acknowledged", "").await;
    later(&app, hours(2), &triager).await;
    change(&tri, &b, "acknowledged", "").await;
    later(&app, hours(2), &triager).await;
    change(&tri, &c, "acknowledged", "").await;
    // A is assessed 6 h after receipt and scored medium (CVSS 3.1 base 6.5).
    later(&app, hours(1), &triager).await;
    change(&tri, &a, "triaged", "").await;
    let page = tri.get(&format!("/cases/{a}")).await;
    let r = tri
        .post_raw(
            &format!("/cases/{a}/severity"),
            &csrf_of(&page.text).unwrap(),
            &[
                ("vector", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"),
                ("version", &version_of(&page.text)),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);

    let page = tri.get("/programs/spook/dashboard?days=30").await;
    assert_eq!(page.status, 200, "{}", page.text);
    // Open now: A triaged, B and C acknowledged, D new; W (withdrawn) and S (spam) are not.
    assert_eq!(page.element("open-total").as_deref(), Some("4"));
    assert_eq!(
        chart_desc(&page, "chart-state"),
        "new: 1; acknowledged: 2; needs-info: 0; triaged: 1; fixing: 0; fix-ready: 0; disclosed: 0."
    );
    assert_eq!(
        chart_desc(&page, "chart-severity"),
        "Critical: 0; High: 0; Medium: 1; Low: 0; Not scored: 3."
    );
    // Received in the window: A, B, C, D and W (spam left out).
    assert_eq!(page.element("received").as_deref(), Some("5"));
    // Time to acknowledge 1 h, 3 h, 5 h: median (rank ⌈1.5⌉ = 2) 3 h, p90 (rank ⌈2.7⌉ = 3) 5 h.
    assert_eq!(page.element("ack-median").as_deref(), Some("3 h"));
    assert_eq!(page.element("ack-p90").as_deref(), Some("5 h"));
    assert_eq!(page.element("ack-n").as_deref(), Some("3"));
    assert_eq!(page.element("assess-median").as_deref(), Some("6 h"));
    assert_eq!(page.element("assess-n").as_deref(), Some("1"));
    assert_eq!(page.element("fix-median").as_deref(), Some("—"));
    assert_eq!(page.element("fix-n").as_deref(), Some("0"));
    // D's clock is still running (7 days) and W ended before a deadline: 3 met of 3.
    assert_eq!(
        chart_desc(&page, "ack-compliance"),
        "Acknowledgement: met within target, last 30 days: 100% (3 of 3)."
    );
    assert!(page.text.contains("target 7 days"), "{}", page.text);
    assert!(
        !page.text.contains("id=\"fix-compliance\""),
        "spook promises no resolution target and nothing was decided"
    );
    assert!(
        !page.text.contains("style="),
        "the CSP forbids inline styles"
    );
    assert!(page.text.contains("<svg") && page.text.contains("role=\"img\""));

    // Eight days on, D is overdue: breached. W still does not count.
    later(
        &app,
        chrono::Duration::days(8),
        &[(&tri, "tri@example.org"), (&viewer, "view@example.org")],
    )
    .await;
    let page = viewer.get("/programs/spook/dashboard?days=30").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        chart_desc(&page, "ack-compliance"),
        "Acknowledgement: met within target, last 30 days: 75% (3 of 4)."
    );
    assert_eq!(page.element("ack-median").as_deref(), Some("3 h"));

    // A month later the reports fall out of the 30-day window but not the 90-day one (the
    // default, also for an unknown value).
    let everyone = [
        (&tri, "tri@example.org"),
        (&viewer, "view@example.org"),
        (&outsider, "out@example.org"),
        (&admin, ADMIN),
    ];
    later(&app, chrono::Duration::days(30), &everyone).await;
    let page = tri.get("/programs/spook/dashboard?days=30").await;
    assert_eq!(page.element("received").as_deref(), Some("0"));
    assert_eq!(page.element("ack-median").as_deref(), Some("—"));
    assert_eq!(page.element("ack-n").as_deref(), Some("0"));
    assert_eq!(
        chart_desc(&page, "ack-compliance"),
        "Acknowledgement: met within target, last 30 days: no data."
    );
    assert_eq!(
        page.element("open-total").as_deref(),
        Some("4"),
        "open cases are counted now, whatever the window"
    );
    for q in ["?days=90", "", "?days=7", "?days=abc"] {
        let page = tri.get(&format!("/programs/spook/dashboard{q}")).await;
        assert_eq!(page.status, 200, "{q}");
        assert_eq!(page.element("received").as_deref(), Some("5"), "{q}");
        assert_eq!(page.element("ack-median").as_deref(), Some("3 h"), "{q}");
        assert!(
            page.text
                .contains("href=\"/programs/spook/dashboard?days=90\" aria-current=\"page\""),
            "{q}: the 90-day link is current"
        );
    }

    // Who sees it: the team and admins; everyone else gets 404 (or is sent to log in).
    assert_eq!(admin.get("/programs/spook/dashboard").await.status, 200);
    assert_eq!(outsider.get("/programs/spook/dashboard").await.status, 404);
    assert_eq!(admin.get("/programs/nope/dashboard").await.status, 404);
    let anon = app.client().get("/programs/spook/dashboard").await;
    assert_ne!(anon.status, 200);
    assert!(!anon.text.contains("ack-median"));
    // The start page links the user's programs, and only theirs.
    let home = viewer.get("/").await;
    assert!(home.text.contains("href=\"/programs/spook/dashboard\""));
    let home = outsider.get("/").await;
    assert!(!home.text.contains("/programs/spook/dashboard"));
    app.stop().await;
}

#[tokio::test]
async fn the_policy_page_publishes_responsiveness_only_when_the_policy_says_so() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let page = app.client().get("/p/spook/policy").await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("Our track record"), "off by default");

    let src = example("home-automation-integration").replacen(
        "[clocks]\n",
        "[clocks]\npublish_responsiveness = true\n",
        1,
    );
    embargo_app::program::service::update(
        app.store(),
        "spook",
        &src,
        "p.toml",
        None,
        &embargo_app::admin::service::Actor::cli(),
        app.clock_now(),
    )
    .await
    .ok()
    .unwrap();
    let page = app.client().get("/p/spook/policy").await;
    assert!(page.text.contains("Our track record"), "{}", page.text);
    assert!(page.text.contains(
        "We have had too few reports in the last 12 months (fewer than 5) to publish response figures yet."
    ));
    assert!(!page.text.contains("n = "), "no figures below 5 reports");

    // Six reports: five acknowledged after an hour, one never (overdue after 7 days).
    let mut refs = Vec::new();
    for i in 0..6 {
        refs.push(file(&app, &format!("R{i}")).await.0);
    }
    later(&app, hours(1), &[(&admin, ADMIN)]).await;
    for r in &refs[..5] {
        change(&admin, r, "acknowledged", "").await;
    }
    app.clock.advance(chrono::Duration::days(8));
    let page = app.client().get("/p/spook/policy").await;
    // 5 of 6 is 83.3 %: published as 83 %, never rounded up.
    assert!(
        page.text.contains(
            "In the last 12 months we acknowledged 83% of reports within 7 days (n = 6)."
        ),
        "{}",
        page.text
    );
    assert!(!page.text.contains("too few"));
    // The track record sits at the end of "What to expect".
    let expect = page.text.find("<h2>What to expect</h2>").unwrap();
    let record = page.text.find("Our track record").unwrap();
    let next = page.text.find("<h2>Supported versions</h2>").unwrap();
    assert!(expect < record && record < next);
    // SECURITY.md stays the policy alone.
    let md = app.client().get("/p/spook/SECURITY.md").await;
    assert!(!md.text.contains("83%"));

    // A year on, the reports are out of the 12-month window.
    app.clock.advance(chrono::Duration::days(400));
    let page = app.client().get("/p/spook/policy").await;
    assert!(page.text.contains("too few reports in the last 12 months"));
    app.stop().await;
}
