//! Coordination on both backends: an embargo proposed by the team and agreed by the reporter,
//! participants invited by link (a reviewer sees nothing before the NDA; a revoked link is
//! dead), a vendor's status in the matrix, the pre-notification job at end − lead time with
//! its acknowledgement, and reminders before the end.

use crate::harness::{Client, PASSWORD, TestApp, config, csrf_of};

/// The mails queued for `event`, opened (the outbox seals them).
async fn mails(app: &TestApp, event: &str) -> Vec<serde_json::Value> {
    embargo_store::outbox::list(app.store().conn(), Some("mail"), None, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.event == event)
        .map(|d| serde_json::from_slice(&app.keys.open(&d.payload, "outbox").unwrap()).unwrap())
        .collect()
}

/// The path of the first link under `prefix` in a mail's text.
fn link(mail: &serde_json::Value, app: &TestApp, prefix: &str) -> String {
    let text = mail["text"].as_str().unwrap();
    let start = text.find(&format!("{}{prefix}", app.url)).unwrap();
    let url = text[start..].split_whitespace().next().unwrap();
    url.strip_prefix(&app.url).unwrap().to_owned()
}

async fn post(
    c: &Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> crate::harness::Resp {
    let p = c.get(page).await;
    assert_eq!(p.status, 200, "{page}: {}", p.text);
    c.post_raw(action, &csrf_of(&p.text).unwrap(), fields).await
}

#[tokio::test]
async fn embargo_participants_and_prenotification_on_both_backends() {
    for db in embargo_store::testing::all().await {
        scenario(TestApp::with(config(), db).await).await;
    }
}

async fn scenario(app: TestApp) {
    let admin = app.admin().await;
    app.add_program("container-scanning-platform").await;
    let tri = app.user("tri@example.org", "viewer").await;
    let viewer = app.user("view@example.org", "viewer").await;
    app.add_member("stella-ops", "tri@example.org", "triager")
        .await;
    app.add_member("stella-ops", "view@example.org", "viewer")
        .await;
    let (reference, track) = app
        .file_report_with(
            "stella-ops",
            serde_json::json!({
                "fields": {"title": "Feed signature bypass", "description": "The kit verifier accepts a wombatsecret signature.", "affected-version": "v1.0", "reproduction": "kit verify forged.tar.zst"},
                "contact_email": "rita@example.net",
            }),
        )
        .await;
    let coord = format!("/cases/{reference}/coordination");
    assert_eq!(
        viewer.get(&coord).await.status,
        404,
        "viewers do not coordinate"
    );
    let page = tri.get(&coord).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("No embargo date yet"));

    // The reporter proposes a day; the team proposes another: the reporter has to agree.
    let reporter = app.client();
    let r = post(
        &reporter,
        &track,
        &format!("{track}/disclosure"),
        &[("date", "2027-01-20")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = post(
        &tri,
        &coord,
        &format!("/cases/{reference}/embargo"),
        &[
            ("date", "2027-01-15"),
            ("time", "14:00"),
            ("time_zone", "Europe/Paris"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = tri.get(&coord).await.text;
    assert!(page.contains("2027-01-15 14:00 Europe/Paris"), "{page}");
    assert!(
        page.contains("not agreed yet"),
        "the reporter has not agreed"
    );
    assert_eq!(
        mails(&app, "embargo.proposed").await.len(),
        1,
        "the reporter is asked"
    );
    // The tracking page shows the date and agrees to it.
    let tp = reporter.get(&track).await;
    assert!(
        tp.text.contains("2027-01-15 14:00 Europe/Paris"),
        "{}",
        tp.text
    );
    let r = reporter
        .post_raw(
            &format!("{track}/embargo/agree"),
            &csrf_of(&tp.text).unwrap(),
            &[("version", "0")],
        )
        .await;
    assert_eq!(r.status, 409, "a stale agreement is refused");
    let v = tp
        .text
        .split("id=\"embargo-version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = reporter
        .post_raw(
            &format!("{track}/embargo/agree"),
            &csrf_of(&tp.text).unwrap(),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = tri.get(&coord).await.text;
    assert!(page.contains("id=\"embargo-agreed\">agreed"), "{page}");

    // Beyond 90 days? This policy states no maximum; obserae's is tested in the unit rules.
    // Invite a vendor and a reviewer.
    for (role, name, email, org) in [
        ("vendor", "Pat Packager", "pat@distro.example", "Distro"),
        ("reviewer", "Rae Reviewer", "rae@audit.example", "Audit Co"),
    ] {
        let r = post(
            &tri,
            &coord,
            &format!("/cases/{reference}/participants"),
            &[
                ("role", role),
                ("name", name),
                ("email", email),
                ("organisation", org),
                ("group", "downstream packagers"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text);
    }
    let bad = post(
        &tri,
        &coord,
        &format!("/cases/{reference}/participants"),
        &[("role", "owner"), ("name", "X"), ("email", "x@example.org")],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.text.contains("unknown participant role"),
        "{}",
        bad.text
    );
    let invites = mails(&app, "participant.invited").await;
    assert_eq!(invites.len(), 2);
    let to = |who: &str| invites.iter().find(|m| m["to"] == who).unwrap();
    let vendor_link = link(to("pat@distro.example"), &app, "/participate/");
    let reviewer_link = link(to("rae@audit.example"), &app, "/participate/");
    assert!(
        !invites[0]["text"]
            .as_str()
            .unwrap()
            .contains("wombatsecret"),
        "invitations carry no report content"
    );

    // The reviewer sees nothing before the NDA, and cannot post around it.
    let rae = app.client();
    let p = rae.get(&reviewer_link).await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains("Non-disclosure agreement"));
    assert!(!p.text.contains("wombatsecret") && !p.text.contains(&reference));
    let r = rae
        .post_raw(
            &format!("{reviewer_link}/messages"),
            &csrf_of(&p.text).unwrap(),
            &[("body", "hi")],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = rae
        .post_raw(
            &format!("{reviewer_link}/nda"),
            &csrf_of(&p.text).unwrap(),
            &[("accept", "yes")],
        )
        .await;
    assert_eq!(r.status, 303);
    let p = rae.get(&reviewer_link).await;
    assert!(
        p.text.contains("wombatsecret"),
        "reviewers see the report after the NDA"
    );

    // The vendor sees the embargo but not the report, and states a status.
    let pat = app.client();
    let p = pat.get(&vendor_link).await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains("2027-01-15 14:00 Europe/Paris"));
    assert!(
        !p.text.contains("wombatsecret"),
        "vendors see only what is shared"
    );
    let r = pat
        .post_raw(
            &format!("{vendor_link}/status"),
            &csrf_of(&p.text).unwrap(),
            &[
                ("product", "stella-ops 1.0"),
                ("status", "fixed"),
                ("statement", "Patched in our 1.0-2 package."),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = tri.get(&coord).await.text;
    assert!(page.contains("Patched in our 1.0-2 package."), "{page}");
    assert!(page.contains("accepted"), "the NDA acceptance is shown");
    assert!(page.contains("(last "), "views are logged");

    // The reviewer's link is revoked: it is dead.
    let rae_id = embargo_store::coordination::participants(
        app.store().conn(),
        embargo_store::case::by_reference(app.store().conn(), &reference)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()[1]
        .id;
    let r = post(
        &tri,
        &coord,
        &format!("/cases/{reference}/participants/{rae_id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(rae.get(&reviewer_link).await.status, 404);

    // Pre-notification: not before end − 72 h; then once, to the vendor, with an ack link.
    let state = &app.running.as_ref().unwrap().state;
    let run = || embargo_app::coordination::prenotify::run_due(state);
    assert_eq!(run().await.unwrap().0, 0);
    let end: chrono::DateTime<chrono::Utc> = "2027-01-15T13:00:00Z".parse().unwrap();
    app.clock.set(end - chrono::Duration::hours(73));
    assert_eq!(run().await.unwrap().0, 0, "not yet");
    app.clock.set(end - chrono::Duration::hours(71));
    let (sent, reminded) = run().await.unwrap();
    assert_eq!(sent, 1, "the vendor only (the reviewer is revoked)");
    assert!(reminded >= 1, "a week before the end, the team is reminded");
    assert_eq!(run().await.unwrap().0, 0, "once");
    let pre = mails(&app, "embargo.prenotified").await;
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["to"], "pat@distro.example");
    assert!(
        pre[0]["text"]
            .as_str()
            .unwrap()
            .contains("2027-01-15 14:00 Europe/Paris"),
        "the pre-notification names the end"
    );
    // Weeks have passed: the triager's session expired.
    tri.login("tri@example.org", PASSWORD).await;
    let page = tri.get(&coord).await.text;
    assert!(page.contains("not acknowledged"), "{page}");
    let ack = link(&pre[0], &app, "/ack/");
    let a = pat.get(&ack).await;
    assert_eq!(a.status, 200);
    assert!(
        a.text.contains("Acknowledge receipt"),
        "opening the link does not acknowledge"
    );
    let r = pat.post_raw(&ack, &csrf_of(&a.text).unwrap(), &[]).await;
    assert_eq!(r.status, 303);
    assert!(pat.get(&ack).await.text.contains("Receipt acknowledged"));
    let page = tri.get(&coord).await.text;
    assert!(page.contains("pill ok\">acknowledged"), "{page}");
    assert_eq!(app.client().get("/ack/not-a-secret").await.status, 404);
    let _ = admin;
    app.stop().await;
}

#[tokio::test]
async fn the_maximum_binds_unless_an_admin_overrides_and_exploitation_accelerates() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("network-security-appliance").await;
    let tri = app.user("tri@example.org", "viewer").await;
    app.add_member("obserae", "tri@example.org", "triager")
        .await;
    let (reference, _) = app
        .file_report(
            "obserae",
            serde_json::json!({"title": "T", "description": "D", "affected-version": "1.0", "reproduction": "R"}),
        )
        .await;
    let coord = format!("/cases/{reference}/coordination");
    let action = format!("/cases/{reference}/embargo");
    // 90 days from 2026-11-23 is 2027-02-21: a day later is refused for a triager.
    let r = post(
        &tri,
        &coord,
        &action,
        &[("date", "2027-02-23"), ("time_zone", "UTC")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("at most 90 days"), "{}", r.text);
    let r = post(
        &tri,
        &coord,
        &action,
        &[
            ("date", "2027-02-23"),
            ("time_zone", "UTC"),
            ("override_reason", "vendor asked"),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("only an admin"), "{}", r.text);
    let r = post(
        &tri,
        &coord,
        &action,
        &[("date", "2026-11-01"), ("time_zone", "UTC")],
    )
    .await;
    assert!(r.text.contains("in the future"), "{}", r.text);
    let r = post(
        &tri,
        &coord,
        &action,
        &[("date", "2027-01-10"), ("time_zone", "Mars/Olympus")],
    )
    .await;
    assert!(r.text.contains("not a time zone"), "{}", r.text);
    let r = post(
        &admin,
        &coord,
        &action,
        &[
            ("date", "2027-03-01"),
            ("time_zone", "UTC"),
            ("override_reason", "hardware vendors need the time"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = admin.get(&coord).await.text;
    assert!(page.contains("hardware vendors need the time"));
    // Actively exploited: the end comes forward to a week from now.
    let r = post(&tri, &coord, &format!("/cases/{reference}/exploited"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = tri.get(&coord).await.text;
    assert!(page.contains("actively exploited"));
    assert!(page.contains("2026-11-30 09:00 UTC"), "{page}");
    // Seven days before the end with the fix not ready: at risk.
    assert!(page.contains("at risk"), "{page}");
    app.stop().await;
}
