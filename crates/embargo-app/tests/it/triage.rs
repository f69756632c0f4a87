//! The team's triage: queue, case page, state changes with reasons, the reporter's answer,
//! severity from a CVSS vector, notes vs replies, roles per program, stale forms.

use crate::harness::{Client, TestApp, csrf_of, version_of};

async fn change(c: &Client, reference: &str, to: &str, reason: &str) -> crate::harness::Resp {
    let page = c.get(&format!("/cases/{reference}")).await;
    let v = version_of(&page.text);
    c.post_raw(
        &format!("/cases/{reference}/state"),
        &csrf_of(&page.text).unwrap(),
        &[("to", to), ("reason", reason), ("version", &v)],
    )
    .await
}

#[tokio::test]
async fn a_triager_works_a_case_with_the_reporter() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let tri = app.user("tri@example.org", "viewer").await;
    let dev = app.user("dev@example.org", "viewer").await;
    let outsider = app.user("out@example.org", "triager").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    app.add_member("spook", "dev@example.org", "developer")
        .await;

    let reporter = app.client();
    let (reference, track) = app.file_report("spook", serde_json::json!({"title": "Token leak in logs", "description": "The integration logs the API token.", "affected-version": "2.1.0", "proof-of-concept": "grep token home-assistant.log"})).await;

    let q = tri.get("/cases").await;
    assert!(
        q.text.contains(&reference) && q.text.contains("acknowledge the report"),
        "queue shows the case and its next deadline"
    );
    assert!(
        !outsider.get("/cases").await.text.contains(&reference),
        "another program's triager does not see it"
    );
    assert_eq!(
        outsider.get(&format!("/cases/{reference}")).await.status,
        404
    );

    // Illegal transitions are refused with an explanation.
    let r = change(&tri, &reference, "disclosed", "").await;
    assert_eq!(r.status, 409, "{}", r.text);
    // needs-info requires saying what is needed.
    let r = change(&tri, &reference, "needs-info", "").await;
    assert_eq!(
        r.status, 400,
        "a missing reason is a validation error on the reason"
    );
    let r = change(
        &tri,
        &reference,
        "needs-info",
        "Which Home Assistant version?",
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let t = reporter.get(&track).await;
    assert!(
        t.text.contains("Which Home Assistant version?"),
        "the question reaches the reporter's thread"
    );
    // The reporter answers on the tracking page: the case goes back (to acknowledged).
    let r = reporter
        .submit(
            &track,
            &format!("{track}/messages"),
            &[("body", "Home Assistant 2026.10")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = tri.get(&format!("/cases/{reference}")).await;
    assert_eq!(
        page.element("case-state").as_deref(),
        Some("acknowledged"),
        "{}",
        page.text
    );

    // Severity from a vector; a vector in a version the policy does not accept is refused.
    let v = version_of(&page.text);
    let csrf = csrf_of(&page.text).unwrap();
    let r = tri
        .post_raw(
            &format!("/cases/{reference}/severity"),
            &csrf,
            &[
                (
                    "vector",
                    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                ),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = tri
        .post_raw(
            &format!("/cases/{reference}/severity"),
            &csrf,
            &[
                ("vector", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    // A second writer with the old version is told the case changed.
    let r = tri
        .post_raw(
            &format!("/cases/{reference}/state"),
            &csrf,
            &[("to", "triaged"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.text.contains("changed"));
    let r = change(&tri, &reference, "triaged", "").await;
    assert_eq!(r.status, 303);
    let page = tri.get(&format!("/cases/{reference}")).await;
    assert_eq!(page.element("case-severity").as_deref(), Some("medium"));

    // Notes stay internal; replies reach the tracking page.
    let csrf = csrf_of(&page.text).unwrap();
    assert_eq!(
        tri.post_raw(
            &format!("/cases/{reference}/messages"),
            &csrf,
            &[
                ("body", "internal: check the logger"),
                ("visibility", "internal")
            ]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        tri.post_raw(
            &format!("/cases/{reference}/messages"),
            &csrf,
            &[
                ("body", "Confirmed, fixing in 2.1.1"),
                ("visibility", "thread")
            ]
        )
        .await
        .status,
        303
    );
    let t = reporter.get(&track).await;
    assert!(t.text.contains("Confirmed, fixing in 2.1.1"));
    assert!(
        !t.text.contains("check the logger"),
        "internal notes never reach the reporter"
    );

    // A developer may add notes but not answer the reporter or change state.
    let dpage = dev.get(&format!("/cases/{reference}")).await;
    assert_eq!(dpage.status, 200);
    let dcsrf = csrf_of(&dpage.text).unwrap();
    assert_eq!(
        dev.post_raw(
            &format!("/cases/{reference}/messages"),
            &dcsrf,
            &[("body", "dev note"), ("visibility", "internal")]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        dev.post_raw(
            &format!("/cases/{reference}/messages"),
            &dcsrf,
            &[("body", "hi"), ("visibility", "thread")]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        dev.post_raw(
            &format!("/cases/{reference}/state"),
            &dcsrf,
            &[("to", "fixing"), ("version", "1")]
        )
        .await
        .status,
        404
    );

    // Every change is on the timeline and in the audit log.
    let events = embargo_store::case::events(
        app.store().conn(),
        embargo_store::case::by_reference(app.store().conn(), &reference)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "received",
        "state_changed",
        "clock:paused",
        "clock:resumed",
        "severity_set",
        "clock:severity:medium",
        "note",
        "message",
        "clock:status_update_sent",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let audit = embargo_store::audit::recent(app.store().conn(), 100)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .filter(|e| e.action == "case.state_changed")
            .count()
            >= 3
    );
    assert_eq!(
        embargo_store::audit::verify(app.store().conn())
            .await
            .unwrap(),
        embargo_store::audit::Verdict::Intact {
            entries: audit.len() as u64
        }
    );
    app.stop().await;
}

#[tokio::test]
async fn the_case_page_suggests_duplicates_and_states_cve_eligibility() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let (first, _) = app.file_report("spook", serde_json::json!({"title": "Backdoor in xz via liblzma", "description": "The liblzma build scripts inject a backdoor into sshd, see CVE-2024-3094.", "affected-version": "2.1.0", "proof-of-concept": "ldd sshd | grep lzma"})).await;
    let (unrelated, _) = app.file_report("spook", serde_json::json!({"title": "Open redirect", "description": "The login page redirects anywhere after sign-in.", "affected-version": "1.0.0", "proof-of-concept": "curl -I"})).await;
    let (second, _) = app.file_report("spook", serde_json::json!({"title": "sshd compromised through liblzma", "description": "Our sshd loads a backdoored liblzma (cve-2024-3094) from the build scripts.", "affected-version": "2.1.0", "proof-of-concept": "ldd sshd"})).await;
    let page = admin.get(&format!("/cases/{second}")).await.text;
    let similar = page
        .split("id=\"similar\"")
        .nth(1)
        .expect("a duplicate list")
        .split("</ul>")
        .next()
        .unwrap();
    assert!(similar.contains(&first), "{similar}");
    assert!(
        similar.contains("same identifier CVE-2024-3094"),
        "{similar}"
    );
    assert!(!similar.contains(&unrelated));
    assert!(page.contains("id=\"cve-eligibility\""));
    app.stop().await;
}

#[tokio::test]
async fn cases_are_assigned_in_bulk_from_the_queue() {
    let app = TestApp::start().await;
    let _admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    app.add_program("network-security-appliance").await;
    let tri = app.user("tri@example.org", "viewer").await;
    app.add_member("spook", "tri@example.org", "triager").await;
    let f = serde_json::json!({"title": "T", "description": "Something off.", "affected-version": "2.1.0", "proof-of-concept": "x"});
    let (a, _) = app.file_report("spook", f.clone()).await;
    let (b, _) = app.file_report("spook", f).await;
    let (other, _) = app
        .file_report("obserae", serde_json::json!({"title": "O", "description": "Elsewhere.", "affected-version": "7.4.1", "reproduction": "x"}))
        .await;
    let q = tri.get("/cases").await;
    assert!(q.text.contains("name=\"case\" value=\"") && q.text.contains("tri@example.org"));
    let at = q.text.find("\">tri@example.org</option>").unwrap();
    let me = q.text[..at].rsplit("value=\"").next().unwrap().to_owned();
    let csrf = csrf_of(&q.text).unwrap();
    let r = tri
        .post_raw(
            "/cases/assign",
            &csrf,
            &[("case", &a), ("case", &b), ("assignee", &me)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let row = embargo_store::case::by_reference(app.store().conn(), &a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.assignee_id.map(|i| i.to_string()),
        Some(me.clone()),
        "{}",
        r.location()
    );
    let mine = tri.get("/cases?mine=1").await.text;
    assert!(
        mine.contains(&a) && mine.contains(&b) && mine.contains("2 case(s)"),
        "{mine}"
    );
    // A case of a program the user does not triage is refused and named; nothing else changes.
    let r = tri
        .post_raw(
            "/cases/assign",
            &csrf,
            &[("case", &other), ("assignee", &me)],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains(&other));
    let row = embargo_store::case::by_reference(app.store().conn(), &other)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.assignee_id, None);
    app.stop().await;
}

#[tokio::test]
async fn canned_responses_are_previewed_in_the_reply_box() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let page = "/admin/programs/spook/templates";
    // A broken template is refused with its line.
    let r = admin
        .submit(
            page,
            page,
            &[("name", "Thanks"), ("body", "Hello\n{{ reporter }\n")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("line 2"), "{}", r.text);
    let r = admin
        .submit(
            page,
            page,
            &[
                ("name", "Thanks"),
                (
                    "body",
                    "Hello {{ reporter }}, about {{ reference }} ({{ title }}): <b>thanks</b>.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let (reference, _) = app.file_report("spook", serde_json::json!({"title": "Token <leak>", "description": "The token is logged.", "affected-version": "2.1.0", "proof-of-concept": "grep"})).await;
    let case = admin.get(&format!("/cases/{reference}")).await.text;
    let id = case
        .split("<option value=\"team:")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let preview = admin
        .get(&format!("/cases/{reference}?reply=team:{id}"))
        .await
        .text;
    let draft = preview
        .split("name=\"body\"")
        .nth(1)
        .unwrap()
        .split("</textarea>")
        .next()
        .unwrap();
    assert!(
        draft.contains(&format!("Hello there, about {reference}")),
        "{draft}"
    );
    assert!(
        draft.contains("Token &#60;leak&#62;") || draft.contains("Token &lt;leak&gt;"),
        "escaped in the page: {draft}"
    );
    assert!(!draft.contains("<b>"), "escaped in the page");
    // The policy's own answers are offered and render too.
    let builtin = admin
        .get(&format!(
            "/cases/{reference}?reply=builtin:reproduce-on-the-latest-version"
        ))
        .await
        .text;
    let draft = builtin
        .split("name=\"body\"")
        .nth(1)
        .unwrap()
        .split("</textarea>")
        .next()
        .unwrap();
    assert!(draft.contains("2.1.0"), "{draft}");
    // Nothing is sent until the triager sends it.
    let row = embargo_store::case::by_reference(app.store().conn(), &reference)
        .await
        .unwrap()
        .unwrap();
    assert!(
        embargo_store::case::messages(app.store().conn(), row.id, true)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn the_cvss_calculator_works_without_javascript() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    app.add_program("home-automation-integration").await;
    let (reference, _) = app.file_report("spook", serde_json::json!({"title": "T", "description": "Remote code execution.", "affected-version": "2.1.0", "proof-of-concept": "x", "cvss-vector": "CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N"})).await;
    let page = admin.get(&format!("/cases/{reference}")).await.text;
    assert!(page.contains("id=\"calculator\""));
    // It starts from the reporter's vector.
    assert!(
        page.contains("name=\"m_AV\" value=\"A\" checked"),
        "calculator preset"
    );
    let v = page
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let csrf = csrf_of(&page).unwrap();
    let mut fields = vec![("version", v.as_str())];
    fields.extend([
        ("m_AV", "N"),
        ("m_AC", "L"),
        ("m_PR", "N"),
        ("m_UI", "N"),
        ("m_S", "U"),
        ("m_C", "H"),
        ("m_I", "H"),
        ("m_A", "H"),
    ]);
    let r = admin
        .post_raw(&format!("/cases/{reference}/severity"), &csrf, &fields)
        .await;
    assert!(r.status < 400, "{} {}", r.status, r.text);
    let page = admin.get(&format!("/cases/{reference}")).await.text;
    assert!(
        page.contains("id=\"case-severity\">critical<"),
        "9.8 is critical"
    );
    assert!(page.contains("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    assert!(
        page.contains("name=\"m_AV\" value=\"N\" checked"),
        "now preset from the team's vector"
    );
    app.stop().await;
}
