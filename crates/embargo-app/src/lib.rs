//! Embargo's server: the axum router (one place registers every route), start-up (data
//! directory, keys, database, migrations, first-admin link), the HTTP/HTTPS listener with
//! graceful shutdown, and the background tasks. Features live in modules with `service`
//! (logic), `api` (JSON) and `html` (pages) parts.

pub mod account;
pub mod admin;
pub mod advisory;
pub mod audit;
pub mod auth;
pub mod case;
pub mod clock;
pub mod config;
pub mod coordination;
pub mod dashboard;
pub mod error;
pub mod feed;
pub mod http;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod notification;
pub mod openapi;
pub mod openpgp;
pub mod ops;
pub mod outbox;
pub mod page;
pub mod program;
pub mod publication;
pub mod report;
pub mod serve;
pub mod signing;
pub mod state;
pub mod webhook;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{delete, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::state::AppState;

const STYLE: &str = include_str!("../static/style.css");

async fn get_style() -> impl axum::response::IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        STYLE,
    )
}

/// Every route of the server. The extractor in each handler's signature is its authorisation
/// decision: none (public), `CsrfForm` (anonymous form), `Authed`, `AdminUser`, or
/// `ApiRead`/`ApiWrite`/`ApiAdmin`. The access-matrix test walks this list.
pub fn router(state: AppState) -> Router {
    // Anonymous POSTs share a per-IP budget.
    let public_posts = Router::new()
        .route("/login", post(auth::html::post_login))
        .route("/login/totp", post(auth::html::post_login_totp))
        .route("/setup/{token}", post(auth::html::post_setup))
        .route(
            "/track/{secret}/withdraw",
            post(report::track::post_track_withdraw),
        )
        .route(
            "/track/{secret}/credit",
            post(report::track::post_track_credit),
        )
        .route(
            "/track/{secret}/disclosure",
            post(report::track::post_track_disclosure),
        )
        .route(
            "/track/{secret}/embargo/agree",
            post(report::track::post_track_embargo_agree),
        )
        .route(
            "/participate/{psecret}/nda",
            post(coordination::participant::post_participate_nda),
        )
        .route(
            "/participate/{psecret}/status",
            post(coordination::participant::post_participate_status),
        )
        .route(
            "/participate/{psecret}/messages",
            post(coordination::participant::post_participate_message),
        )
        .route(
            "/ack/{asecret}",
            get(coordination::participant::get_ack).post(coordination::participant::post_ack),
        )
        .route_layer(from_fn_with_state(
            state.clone(),
            http::limit_unauthenticated_posts,
        ));

    let pages = Router::new()
        .route("/", get(dashboard::get_dashboard))
        .route(
            "/programs/{slug}/dashboard",
            get(dashboard::html::get_program_dashboard),
        )
        .route("/login", get(auth::html::get_login))
        .route("/login/totp", get(auth::html::get_login_totp))
        .route("/logout", post(auth::html::post_logout))
        .route("/setup/{token}", get(auth::html::get_setup))
        .route("/account", get(account::html::get_account))
        .route("/account/password", post(account::html::post_password))
        .route(
            "/account/totp",
            get(account::html::get_totp).post(account::html::post_totp),
        )
        .route(
            "/account/totp/disable",
            post(account::html::post_totp_disable),
        )
        .route(
            "/account/tokens",
            get(account::html::get_tokens).post(account::html::post_token),
        )
        .route(
            "/account/tokens/{id}/revoke",
            post(account::html::post_token_revoke),
        )
        .route(
            "/admin/users",
            get(admin::html::get_users).post(admin::html::post_user),
        )
        .route("/admin/users/{id}/role", post(admin::html::post_user_role))
        .route(
            "/admin/users/{id}/disable",
            post(admin::html::post_user_disable),
        )
        .route(
            "/admin/users/{id}/enable",
            post(admin::html::post_user_enable),
        )
        .route(
            "/admin/users/{id}/reset",
            post(admin::html::post_user_reset),
        )
        .route("/admin/audit", get(admin::html::get_audit))
        .route("/admin/mail", get(mail::html::get_mail))
        .route(
            "/admin/mail/quarantine/{id}/retry",
            post(mail::html::post_quarantine_retry),
        )
        .route(
            "/admin/mail/outbox/{id}/retry",
            post(mail::html::post_outbox_retry),
        )
        .route(
            "/admin/programs",
            get(program::html::get_programs).post(program::html::post_program),
        )
        .route(
            "/admin/programs/{slug}",
            get(program::html::get_program).post(program::html::post_program_update),
        )
        .route(
            "/admin/programs/{slug}/default",
            post(program::html::post_program_default),
        )
        .route(
            "/admin/programs/{slug}/members",
            post(program::html::post_member),
        )
        .route(
            "/admin/programs/{slug}/members/{user_id}/remove",
            post(program::html::post_member_remove),
        )
        .route(
            "/admin/programs/{slug}/templates",
            get(program::html::get_templates).post(program::html::post_template),
        )
        .route(
            "/admin/programs/{slug}/templates/{id}/remove",
            post(program::html::post_template_remove),
        )
        .route(
            "/admin/programs/{slug}/webhooks",
            get(webhook::html::get_webhooks).post(webhook::html::post_webhook),
        )
        .route(
            "/admin/programs/{slug}/webhooks/{id}/active",
            post(webhook::html::post_webhook_active),
        )
        .route(
            "/admin/programs/{slug}/webhooks/{id}/remove",
            post(webhook::html::post_webhook_remove),
        )
        .route("/p/{slug}/policy", get(program::html::get_policy_page))
        .route("/p/{slug}/report", get(report::html::get_report_form))
        .route("/p/{slug}/pgp-key.asc", get(program::html::get_pgp_key))
        .route("/cases", get(case::html::get_queue))
        .route("/cases/assign", post(case::html::post_bulk_assign))
        .route("/cases/{reference}", get(case::html::get_case))
        .route("/cases/{reference}/state", post(case::html::post_state))
        .route(
            "/cases/{reference}/messages",
            post(case::html::post_message),
        )
        .route(
            "/cases/{reference}/severity",
            post(case::html::post_severity),
        )
        .route("/cases/{reference}/assign", post(case::html::post_assign))
        .route(
            "/cases/{reference}/attachments/{id}",
            get(case::html::get_attachment),
        )
        .route(
            "/cases/{reference}/advisories",
            post(advisory::html::post_case_advisory),
        )
        .route("/team/advisories", get(advisory::html::get_advisories))
        .route(
            "/team/advisories/{id}",
            get(advisory::html::get_advisory).post(advisory::html::post_advisory),
        )
        .route(
            "/team/advisories/{id}/cve",
            post(advisory::html::post_advisory_cve),
        )
        .route(
            "/team/advisories/{id}/schedule",
            post(advisory::html::post_advisory_schedule),
        )
        .route(
            "/team/advisories/{id}/publish",
            post(advisory::html::post_advisory_publish),
        )
        .route(
            "/team/advisories/{id}/withdraw",
            post(advisory::html::post_advisory_withdraw),
        )
        .route(
            "/admin/programs/{slug}/cve-pool",
            get(advisory::html::get_cve_pool).post(advisory::html::post_cve_pool),
        )
        .route("/advisories", get(publication::html::get_advisories))
        .route(
            "/advisories/{file}",
            get(publication::html::get_advisory_file),
        )
        .route(
            "/.well-known/csaf/{*rest}",
            get(publication::html::get_csaf),
        )
        .route("/osv/{*rest}", get(publication::html::get_osv))
        .route("/thanks", get(publication::html::get_thanks))
        .route(
            "/p/{slug}/advisories",
            get(publication::html::get_program_advisories),
        )
        .route("/track/{secret}", get(report::track::get_track))
        .route(
            "/participate/{psecret}",
            get(coordination::participant::get_participate),
        )
        .route(
            "/cases/{reference}/coordination",
            get(coordination::html::get_coordination),
        )
        .route(
            "/cases/{reference}/embargo",
            post(coordination::html::post_embargo),
        )
        .route(
            "/cases/{reference}/exploited",
            post(coordination::html::post_exploited),
        )
        .route(
            "/cases/{reference}/participants",
            post(coordination::html::post_participant),
        )
        .route(
            "/cases/{reference}/participants/{id}/revoke",
            post(coordination::html::post_revoke_participant),
        )
        .route(
            "/cases/{reference}/coordination/messages",
            post(coordination::html::post_coordination_message),
        )
        .route("/p/{slug}/SECURITY.md", get(program::html::get_security_md))
        .route(
            "/p/{slug}/security.txt",
            get(program::html::get_security_txt),
        )
        .route(
            "/.well-known/security.txt",
            get(program::html::get_well_known_security_txt),
        );

    // Report submissions carry attachments: their own, larger body limit; the per-IP budget
    // for anonymous POSTs applies too.
    let intake = Router::new()
        .route("/p/{slug}/report", post(report::html::post_report_form))
        .route(
            "/api/v1/programs/{slug}/reports",
            post(report::api::create_report),
        )
        .route(
            "/track/{secret}/messages",
            post(report::track::post_track_message),
        )
        .route_layer(from_fn_with_state(
            state.clone(),
            http::limit_unauthenticated_posts,
        ));

    let api = Router::new()
        .route("/api/v1/openapi.json", get(openapi::get_openapi))
        .route("/api/v1/programs/{slug}/cases", get(case::api::list_cases))
        .route("/api/v1/cases/{reference}", get(case::api::get_case))
        .route("/api/v1/me", get(account::api::get_me))
        .route(
            "/api/v1/tokens",
            get(account::api::list_tokens).post(account::api::create_token),
        )
        .route("/api/v1/tokens/{id}", delete(account::api::delete_token))
        .route("/api/v1/users", get(admin::api::list_users))
        .route("/api/v1/programs", get(program::api::list_programs))
        .route("/api/v1/feed/query", post(feed::post_query))
        .route("/api/v1/feed/querybatch", post(feed::post_querybatch))
        .route("/api/v1/feed/vulns/{id}", get(feed::get_vuln));

    let ops = Router::new()
        .route("/healthz", get(ops::get_healthz))
        .route("/readyz", get(ops::get_readyz))
        .route("/metrics", get(ops::get_metrics))
        .route("/static/style.css", get(get_style));

    let timeout = std::time::Duration::from_secs(state.config.security.request_timeout_secs.max(1));
    let body_limit = state.config.security.max_body_bytes;
    let report_limit = state.config.security.max_report_bytes;
    let limited = |r: Router<AppState>, n: usize| {
        r.layer(DefaultBodyLimit::max(n))
            .layer(RequestBodyLimitLayer::new(n))
    };
    Router::new()
        .merge(limited(public_posts, body_limit))
        .merge(limited(pages, body_limit))
        .merge(limited(api, body_limit))
        .merge(limited(intake, report_limit))
        .merge(ops)
        .fallback(http::fallback)
        .route_layer(from_fn(http::capture_route))
        .layer(from_fn_with_state(state.clone(), auth::csrf::check_origin))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(from_fn_with_state(state.clone(), http::envelope))
        .with_state(state)
}
