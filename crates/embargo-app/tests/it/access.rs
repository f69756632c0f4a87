//! The access-control matrix: every route of the router, with every role, is allowed or
//! denied as listed here. A route missing from the list fails the test, so a new route cannot
//! ship without an authorisation decision that is checked.
//!
//! The roles: anonymous; the reporter holding the matrix case's tracking link; the reporter of
//! another case (holding only their own link); viewer, developer and triager *of the case's
//! program*; an admin; and a triager of another program.

use std::collections::BTreeSet;

use crate::harness::{ADMIN, Client, TestApp, csrf_of};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Anonymous,
    ReporterWithLink,
    OtherReporter,
    Viewer,
    Developer,
    Triager,
    Admin,
    OtherTriager,
}

const EVERYONE: &[Who] = &[
    Who::Anonymous,
    Who::ReporterWithLink,
    Who::OtherReporter,
    Who::Viewer,
    Who::Developer,
    Who::Triager,
    Who::Admin,
    Who::OtherTriager,
];
const VISITORS: &[Who] = &[Who::Anonymous, Who::ReporterWithLink, Who::OtherReporter];
/// Every signed-in account, whatever its programs.
const TEAM: &[Who] = &[
    Who::Viewer,
    Who::Developer,
    Who::Triager,
    Who::Admin,
    Who::OtherTriager,
];
/// The case's program team (and admins, who see every program).
const CASE_TEAM: &[Who] = &[Who::Viewer, Who::Developer, Who::Triager, Who::Admin];
const CASE_TRIAGERS: &[Who] = &[Who::Triager, Who::Admin];
const ADMINS: &[Who] = &[Who::Admin];
const LINK_HOLDER: &[Who] = &[Who::ReporterWithLink];
/// Drafts: admins, the program's developers and triagers (not viewers).
const ADVISORY_EDITORS: &[Who] = &[Who::Developer, Who::Triager, Who::Admin];
/// The matrix case's draft advisory.
const MATRIX_ADVISORY: &str = "OBSERAE-SA-2026-0001";

/// (method, route template as registered, concrete path, who is allowed).
fn matrix(
    dummy: i64,
    hook: i64,
    case: &str,
) -> Vec<(&'static str, &'static str, String, &'static [Who])> {
    let d = |p: &str| p.replace("{id}", &dummy.to_string());
    let h = |p: &str| p.replace("{id}", &hook.to_string());
    vec![
        ("GET", "/healthz", "/healthz".into(), EVERYONE),
        ("GET", "/readyz", "/readyz".into(), EVERYONE),
        ("GET", "/metrics", "/metrics".into(), EVERYONE), // loopback only; tested in ops
        (
            "GET",
            "/static/style.css",
            "/static/style.css".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json".into(),
            EVERYONE,
        ),
        ("GET", "/login", "/login".into(), VISITORS), // the signed-in are sent home
        ("POST", "/login", "/login".into(), EVERYONE),
        ("GET", "/login/totp", "/login/totp".into(), &[]), // only a half-signed-in session
        ("POST", "/login/totp", "/login/totp".into(), &[]),
        (
            "GET",
            "/setup/{token}",
            "/setup/not-a-real-token".into(),
            &[],
        ), // only with a valid link
        (
            "POST",
            "/setup/{token}",
            "/setup/not-a-real-token".into(),
            &[],
        ),
        ("POST", "/logout", "/logout".into(), EVERYONE),
        ("GET", "/", "/".into(), TEAM),
        // Per program: its team and admins; the other program's triager gets 404.
        (
            "GET",
            "/programs/{slug}/dashboard",
            "/programs/obserae/dashboard".into(),
            CASE_TEAM,
        ),
        ("GET", "/account", "/account".into(), TEAM),
        (
            "POST",
            "/account/password",
            "/account/password".into(),
            TEAM,
        ),
        ("GET", "/account/totp", "/account/totp".into(), TEAM),
        ("POST", "/account/totp", "/account/totp".into(), TEAM),
        (
            "POST",
            "/account/totp/disable",
            "/account/totp/disable".into(),
            TEAM,
        ),
        ("GET", "/account/tokens", "/account/tokens".into(), TEAM),
        ("POST", "/account/tokens", "/account/tokens".into(), TEAM),
        (
            "POST",
            "/account/tokens/{id}/revoke",
            "/account/tokens/nosuchtoken/revoke".into(),
            &[],
        ), // only one's own token
        ("GET", "/admin/users", "/admin/users".into(), ADMINS),
        ("POST", "/admin/users", "/admin/users".into(), ADMINS),
        (
            "POST",
            "/admin/users/{id}/role",
            d("/admin/users/{id}/role"),
            ADMINS,
        ),
        (
            "POST",
            "/admin/users/{id}/disable",
            d("/admin/users/{id}/disable"),
            ADMINS,
        ),
        (
            "POST",
            "/admin/users/{id}/enable",
            d("/admin/users/{id}/enable"),
            ADMINS,
        ),
        (
            "POST",
            "/admin/users/{id}/reset",
            d("/admin/users/{id}/reset"),
            ADMINS,
        ),
        ("GET", "/admin/audit", "/admin/audit".into(), ADMINS),
        ("GET", "/admin/programs", "/admin/programs".into(), ADMINS),
        ("POST", "/admin/programs", "/admin/programs".into(), ADMINS),
        (
            "GET",
            "/admin/programs/{slug}",
            "/admin/programs/obserae".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}",
            "/admin/programs/obserae".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/default",
            "/admin/programs/obserae/default".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/members",
            "/admin/programs/obserae/members".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/members/{user_id}/remove",
            d("/admin/programs/obserae/members/{id}/remove"),
            ADMINS,
        ),
        ("GET", "/admin/mail", "/admin/mail".into(), ADMINS),
        // Nothing in quarantine or the outbox here: admins get 404 too, so nobody is allowed;
        // the pages themselves are tested in mail.rs.
        (
            "POST",
            "/admin/mail/quarantine/{id}/retry",
            "/admin/mail/quarantine/999999/retry".into(),
            &[],
        ),
        (
            "POST",
            "/admin/mail/outbox/{id}/retry",
            "/admin/mail/outbox/999999/retry".into(),
            &[],
        ),
        (
            "GET",
            "/admin/programs/{slug}/templates",
            "/admin/programs/obserae/templates".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/templates",
            "/admin/programs/obserae/templates".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/templates/{id}/remove",
            "/admin/programs/obserae/templates/999999/remove".into(),
            &[], // no such template: 404 for all; removal is tested in triage.rs
        ),
        (
            "GET",
            "/admin/programs/{slug}/webhooks",
            "/admin/programs/obserae/webhooks".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/webhooks",
            "/admin/programs/obserae/webhooks".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/webhooks/{id}/active",
            h("/admin/programs/obserae/webhooks/{id}/active"),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/webhooks/{id}/remove",
            h("/admin/programs/obserae/webhooks/{id}/remove"),
            ADMINS,
        ),
        (
            "GET",
            "/p/{slug}/policy",
            "/p/obserae/policy".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/p/{slug}/SECURITY.md",
            "/p/obserae/SECURITY.md".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/p/{slug}/security.txt",
            "/p/obserae/security.txt".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/.well-known/security.txt",
            "/.well-known/security.txt".into(),
            EVERYONE,
        ),
        ("GET", "/api/v1/programs", "/api/v1/programs".into(), TEAM),
        (
            "GET",
            "/p/{slug}/pgp-key.asc",
            "/p/obserae/pgp-key.asc".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/p/{slug}/report",
            "/p/obserae/report".into(),
            EVERYONE,
        ),
        (
            "POST",
            "/p/{slug}/report",
            "/p/obserae/report".into(),
            EVERYONE,
        ),
        (
            "POST",
            "/api/v1/programs/{slug}/reports",
            "/api/v1/programs/obserae/reports".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/track/{secret}",
            "/track/{secret}".into(),
            LINK_HOLDER,
        ), // only with the case's secret
        (
            "POST",
            "/track/{secret}/messages",
            "/track/{secret}/messages".into(),
            LINK_HOLDER,
        ),
        (
            "POST",
            "/track/{secret}/withdraw",
            "/track/{secret}/withdraw".into(),
            LINK_HOLDER,
        ),
        (
            "POST",
            "/track/{secret}/credit",
            "/track/{secret}/credit".into(),
            LINK_HOLDER,
        ),
        (
            "POST",
            "/track/{secret}/disclosure",
            "/track/{secret}/disclosure".into(),
            LINK_HOLDER,
        ),
        (
            "POST",
            "/track/{secret}/embargo/agree",
            "/track/{secret}/embargo/agree".into(),
            LINK_HOLDER,
        ),
        // Participants' and acknowledgement links: only with a real secret (404 for all here;
        // the real ones, NDA gate and revocation are walked in coordination.rs).
        (
            "GET",
            "/participate/{psecret}",
            "/participate/not-a-real-secret".into(),
            &[],
        ),
        (
            "POST",
            "/participate/{psecret}/nda",
            "/participate/not-a-real-secret/nda".into(),
            &[],
        ),
        (
            "POST",
            "/participate/{psecret}/status",
            "/participate/not-a-real-secret/status".into(),
            &[],
        ),
        (
            "POST",
            "/participate/{psecret}/messages",
            "/participate/not-a-real-secret/messages".into(),
            &[],
        ),
        (
            "GET",
            "/ack/{asecret}",
            "/ack/not-a-real-secret".into(),
            &[],
        ),
        (
            "POST",
            "/ack/{asecret}",
            "/ack/not-a-real-secret".into(),
            &[],
        ),
        (
            "GET",
            "/api/v1/programs/{slug}/cases",
            "/api/v1/programs/obserae/cases".into(),
            CASE_TEAM,
        ),
        (
            "GET",
            "/api/v1/cases/{reference}",
            format!("/api/v1/cases/{case}"),
            CASE_TEAM,
        ), // exists only for its program's team
        ("GET", "/cases", "/cases".into(), TEAM),
        // Any signed-in user may post; each ticked case is then checked (tested in triage.rs):
        // the made-up form here is refused with a 400, which the matrix counts as let through.
        ("POST", "/cases/assign", "/cases/assign".into(), TEAM),
        // Per program: members only.
        (
            "GET",
            "/cases/{reference}",
            format!("/cases/{case}"),
            CASE_TEAM,
        ),
        (
            "POST",
            "/cases/{reference}/state",
            format!("/cases/{case}/state"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/cases/{reference}/messages",
            format!("/cases/{case}/messages"),
            &[Who::Developer, Who::Triager, Who::Admin], // developers post notes
        ),
        (
            "POST",
            "/cases/{reference}/severity",
            format!("/cases/{case}/severity"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/cases/{reference}/assign",
            format!("/cases/{case}/assign"),
            CASE_TRIAGERS,
        ),
        (
            "GET",
            "/cases/{reference}/attachments/{id}",
            format!("/cases/{case}/attachments/1"),
            &[],
        ), // the matrix case has none: 404 for all
        (
            "POST",
            "/cases/{reference}/advisories",
            format!("/cases/{case}/advisories"),
            CASE_TRIAGERS,
        ),
        // Coordination: the program's developers and up read and write to participants;
        // triagers set the embargo and invite or revoke.
        (
            "GET",
            "/cases/{reference}/coordination",
            format!("/cases/{case}/coordination"),
            ADVISORY_EDITORS,
        ),
        (
            "POST",
            "/cases/{reference}/coordination/messages",
            format!("/cases/{case}/coordination/messages"),
            ADVISORY_EDITORS,
        ),
        (
            "POST",
            "/cases/{reference}/embargo",
            format!("/cases/{case}/embargo"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/cases/{reference}/exploited",
            format!("/cases/{case}/exploited"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/cases/{reference}/participants",
            format!("/cases/{case}/participants"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/cases/{reference}/participants/{id}/revoke",
            format!("/cases/{case}/participants/999999/revoke"),
            &[],
        ), // no such participant: 404 for all (revocation is tested in coordination.rs)
        ("GET", "/team/advisories", "/team/advisories".into(), TEAM),
        (
            "GET",
            "/team/advisories/{id}",
            format!("/team/advisories/{MATRIX_ADVISORY}"),
            ADVISORY_EDITORS,
        ),
        (
            "POST",
            "/team/advisories/{id}",
            format!("/team/advisories/{MATRIX_ADVISORY}"),
            ADVISORY_EDITORS,
        ),
        (
            "POST",
            "/team/advisories/{id}/cve",
            format!("/team/advisories/{MATRIX_ADVISORY}/cve"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/team/advisories/{id}/schedule",
            format!("/team/advisories/{MATRIX_ADVISORY}/schedule"),
            CASE_TRIAGERS,
        ),
        (
            "POST",
            "/team/advisories/{id}/publish",
            format!("/team/advisories/{MATRIX_ADVISORY}/publish"),
            ADMINS,
        ),
        (
            "POST",
            "/team/advisories/{id}/withdraw",
            format!("/team/advisories/{MATRIX_ADVISORY}/withdraw"),
            ADMINS,
        ),
        (
            "GET",
            "/admin/programs/{slug}/cve-pool",
            "/admin/programs/obserae/cve-pool".into(),
            ADMINS,
        ),
        (
            "POST",
            "/admin/programs/{slug}/cve-pool",
            "/admin/programs/obserae/cve-pool".into(),
            ADMINS,
        ),
        // Public pages of publication: nothing is published in the matrix, so the
        // advisory's own files are 404 for everyone and the indexes answer empty.
        ("GET", "/advisories", "/advisories".into(), EVERYONE),
        (
            "GET",
            "/advisories/{file}",
            "/advisories/index.json".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/.well-known/csaf/{*rest}",
            "/.well-known/csaf/provider-metadata.json".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/osv/{*rest}",
            format!("/osv/crates.io/{MATRIX_ADVISORY}.json"),
            &[],
        ),
        ("GET", "/thanks", "/thanks".into(), EVERYONE),
        (
            "GET",
            "/p/{slug}/advisories",
            "/p/obserae/advisories".into(),
            EVERYONE,
        ),
        ("GET", "/api/v1/me", "/api/v1/me".into(), TEAM),
        ("GET", "/api/v1/tokens", "/api/v1/tokens".into(), TEAM),
        (
            "POST",
            "/api/v1/tokens",
            "/api/v1/tokens".into(),
            &[Who::Developer, Who::Triager, Who::Admin, Who::OtherTriager],
        ),
        (
            "DELETE",
            "/api/v1/tokens/{id}",
            "/api/v1/tokens/{own}".into(),
            &[Who::Developer, Who::Triager, Who::Admin, Who::OtherTriager],
        ),
        ("GET", "/api/v1/users", "/api/v1/users".into(), ADMINS),
        // The feed answers any token holder (public records, private questions).
        (
            "POST",
            "/api/v1/feed/query",
            "/api/v1/feed/query".into(),
            TEAM,
        ),
        (
            "POST",
            "/api/v1/feed/querybatch",
            "/api/v1/feed/querybatch".into(),
            TEAM,
        ),
        // The feed is empty here: 404 for all; records are served in feed.rs.
        (
            "GET",
            "/api/v1/feed/vulns/{id}",
            "/api/v1/feed/vulns/CVE-2026-0001".into(),
            &[],
        ),
    ]
}

/// The routes registered in the router (read from its source, the one place routes live).
fn registered_routes() -> BTreeSet<(String, String)> {
    let src = include_str!("../../src/lib.rs");
    let mut out = BTreeSet::new();
    for chunk in src.split(".route(").skip(1) {
        let chunk = chunk.trim_start().trim_start_matches('"');
        let path = chunk.split('"').next().unwrap().to_owned();
        // This route's handlers: up to the next builder call or the end of the statement.
        let end = [";", ".route_layer", ".merge", ".fallback"]
            .iter()
            .filter_map(|m| chunk.find(m))
            .min()
            .unwrap_or(chunk.len());
        let handlers = &chunk[..end];
        for (verb, method) in [
            ("get(", "GET"),
            ("post(", "POST"),
            ("delete(", "DELETE"),
            ("put(", "PUT"),
            ("patch(", "PATCH"),
        ] {
            if handlers.contains(verb) {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

struct Actor {
    who: Who,
    client: Client,
    token: Option<String>,
    spare_token: Option<String>,
}

/// A tracking secret that differs from the real one in its last character: what a guesser,
/// or a reporter of another case changing the URL, would try.
fn guessed(secret: &str) -> String {
    let mut s = secret.to_owned();
    let last = s.pop().unwrap_or('a');
    s.push(if last == 'a' { 'b' } else { 'a' });
    s
}

/// Denied: 401, 403, 404, 429 (the login back-off refusing), or bounced to the login steps or
/// the start page. Anything else (including a 400 for a made-up form) means the authorisation
/// decision let the call through.
fn allowed(status: u16, location: &str) -> bool {
    let bounced = ["/login", "/login/totp", "/"].contains(&location)
        || location.starts_with("/account/totp?required");
    !(matches!(status, 401 | 403 | 404 | 429) || bounced)
}

#[tokio::test]
async fn every_route_with_every_role() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let mut actors = vec![Actor {
        who: Who::Anonymous,
        client: app.client(),
        token: None,
        spare_token: None,
    }];
    for who in [Who::ReporterWithLink, Who::OtherReporter] {
        actors.push(Actor {
            who,
            client: app.client(),
            token: None,
            spare_token: None,
        });
    }
    for (who, email, role) in [
        (Who::Viewer, "v@example.org", "viewer"),
        (Who::Developer, "d@example.org", "developer"),
        (Who::Triager, "t@example.org", "triager"),
        (Who::OtherTriager, "t2@example.org", "triager"),
    ] {
        let client = app.user(email, role).await;
        let scope = if role == "viewer" { "read" } else { "write" };
        actors.push(Actor {
            who,
            client,
            token: Some(app.token(email, scope).await),
            spare_token: Some(app.token(email, scope).await),
        });
    }
    actors.push(Actor {
        who: Who::Admin,
        client: admin,
        token: Some(app.token(ADMIN, "admin").await),
        spare_token: Some(app.token(ADMIN, "admin").await),
    });
    let (dummy, _) = embargo_app::admin::service::create_user(
        app.store(),
        "dummy@example.org",
        "",
        "viewer".parse().unwrap(),
        &embargo_app::admin::service::Actor::cli(),
        &app.url,
        app.clock_now(),
    )
    .await
    .unwrap();

    let policy = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/policies/network-security-appliance.toml"
    ))
    .unwrap();
    let cli = embargo_app::admin::service::Actor::cli();
    embargo_app::program::service::add(app.store(), &policy, "p.toml", &cli, app.clock_now())
        .await
        .ok()
        .unwrap();
    app.add_member("obserae", "dummy@example.org", "viewer")
        .await;
    // The team roles are roles in the case's program; the other triager works on another one.
    for (email, role) in [
        ("v@example.org", "viewer"),
        ("d@example.org", "developer"),
        ("t@example.org", "triager"),
    ] {
        app.add_member("obserae", email, role).await;
    }
    app.add_program("home-automation-integration").await;
    app.add_member("spook", "t2@example.org", "triager").await;

    // A real case of obserae, whose team here is only the admin (members are tested in
    // triage.rs).
    let prog = embargo_store::program::by_slug(app.store().conn(), "obserae")
        .await
        .unwrap()
        .unwrap();
    let mut fields = std::collections::BTreeMap::new();
    for (k, v) in [
        ("title", "T"),
        ("description", "D"),
        ("affected-version", "1.0"),
        ("reproduction", "R"),
    ] {
        fields.insert(k.to_owned(), v.to_owned());
    }
    let input = embargo_app::report::intake::ReportInput {
        fields,
        ..Default::default()
    };
    let origin = embargo_app::report::intake::Origin {
        channel: "api",
        actor: "anonymous".into(),
        ip: String::new(),
    };
    let policy = embargo_app::program::service::policy_of(&prog).unwrap();
    let case = embargo_app::report::intake::submit(
        &app.running.as_ref().unwrap().state,
        &prog,
        &policy,
        input,
        &origin,
    )
    .await
    .unwrap();
    let (case, secret) = (case.reference, case.tracking_secret);
    // A draft advisory of the matrix case.
    {
        let state = &app.running.as_ref().unwrap().state;
        let row = embargo_store::case::by_reference(app.store().conn(), &case)
            .await
            .unwrap()
            .unwrap();
        let id = embargo_domain::advisory::AdvisoryId::parse(MATRIX_ADVISORY).unwrap();
        let rec = embargo_domain::advisory::Advisory::draft(
            id,
            "T".into(),
            embargo_app::case::service::to_jiff(app.clock_now()),
        );
        let sealed = embargo_app::advisory::service::seal(&state.keys, &rec).unwrap();
        embargo_store::advisory::create(
            app.store().conn(),
            prog.id,
            MATRIX_ADVISORY,
            &sealed,
            &[row.id],
            app.clock_now(),
        )
        .await
        .unwrap();
        embargo_store::advisory::next_number(app.store().conn(), prog.id, 2026)
            .await
            .unwrap();
    }
    // The other reporter's own case, in the same program.
    let (other_case, other_track) = app
        .file_report(
            "obserae",
            serde_json::json!({"title": "Other", "description": "Another finding entirely.", "affected-version": "7.4.1", "reproduction": "x"}),
        )
        .await;
    let other = actors.iter().find(|a| a.who == Who::OtherReporter).unwrap();
    let own = other.client.get(&other_track).await;
    assert_eq!(own.status, 200);
    assert!(
        own.text.contains(&other_case) && !own.text.contains(&case),
        "a reporter's link shows their case and nothing of another"
    );

    let (hook, _) = embargo_app::webhook::service::add(
        app.store(),
        &app.keys,
        &prog,
        "https://hooks.example.org/embargo",
        "*",
        &cli,
        app.clock_now(),
    )
    .await
    .unwrap();
    let m = matrix(dummy, hook.id, &case);
    let listed: BTreeSet<(String, String)> = m
        .iter()
        .map(|(v, r, _, _)| (v.to_string(), r.to_string()))
        .collect();
    let registered = registered_routes();
    assert!(registered.len() >= 25, "parsed the router: {registered:?}");
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without an access decision in the matrix: {missing:?}"
    );

    let mut failures = Vec::new();
    for (method, template, path, allowed_for) in &m {
        if *template == "/logout" || *template == "/metrics" {
            continue; // logout would end the session under test; metrics is covered in ops
        }
        for a in &actors {
            let c = &a.client;
            let path = &path.replace(
                "{secret}",
                &if a.who == Who::ReporterWithLink {
                    secret.clone()
                } else {
                    guessed(&secret)
                },
            );
            let url = format!(
                "{}{}",
                app.url,
                path.replace(
                    "{own}",
                    &a.spare_token
                        .as_deref()
                        .and_then(|t| embargo_app::auth::token::parse(t))
                        .map(|(id, _)| id.to_owned())
                        .unwrap_or_default()
                )
            );
            let resp = if template.starts_with("/api/") {
                let mut req = match *method {
                    "GET" => c.http.get(&url),
                    "DELETE" => c.http.delete(&url),
                    _ => c.http.post(&url),
                };
                if let Some(t) = &a.token {
                    req = req.bearer_auth(t);
                }
                if *method == "POST" {
                    req = req.json(&serde_json::json!({ "name": "matrix", "scope": "read", "expires_in_days": 1 }));
                }
                c.send(req).await
            } else if *method == "GET" {
                c.get(path).await
            } else {
                // A real form token (the user's own page) so the decision tested is authorisation.
                let page = c
                    .get(if VISITORS.contains(&a.who) {
                        "/login"
                    } else {
                        "/account"
                    })
                    .await;
                let csrf = csrf_of(&page.text).unwrap_or_default();
                c.post_raw(
                    path,
                    &csrf,
                    &[
                        ("role", "viewer"),
                        ("name", "m"),
                        ("scope", "read"),
                        ("email", "new-{}@example.org"),
                        ("current_password", "x"),
                        ("new_password", "x"),
                        ("new_password_confirm", "x"),
                        ("code", "000000"),
                    ],
                )
                .await
            };
            let ok = allowed(resp.status, resp.location());
            let expected = allowed_for.contains(&a.who);
            if ok != expected {
                failures.push(format!(
                    "{method} {path} as {:?}: got {} {} but expected {}",
                    a.who,
                    resp.status,
                    resp.location(),
                    if expected { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix violations:\n{}",
        failures.join("\n")
    );
    app.stop().await;
}
