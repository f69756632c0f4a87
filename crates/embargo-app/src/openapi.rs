//! The OpenAPI 3.1 document, generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` and committed as `docs/openapi.json` (a test fails on drift).

use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every API error: `{"error": {"code", "message", "field"?, "request_id"?}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `validation_failed`, `unauthorized`, `not_found`.
    pub code: String,
    pub message: String,
    /// The offending field, for validation errors.
    pub field: Option<String>,
    /// For 5xx: the id to quote; the details are in the server log.
    pub request_id: Option<String>,
}

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("emb_<id>_<secret>")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Embargo API", description = "Coordinated vulnerability disclosure. Authenticate with `Authorization: Bearer emb_…` (create a token on the Account page or with `embargo admin create-token`). Cookies are never accepted on /api/."),
    paths(crate::account::api::get_me, crate::account::api::list_tokens, crate::account::api::create_token, crate::account::api::delete_token, crate::admin::api::list_users, crate::program::api::list_programs, crate::report::api::create_report, crate::case::api::list_cases, crate::case::api::get_case, crate::feed::post_query, crate::feed::post_querybatch, crate::feed::get_vuln),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Bearer),
    tags((name = "account", description = "The caller's own account and tokens"), (name = "admin", description = "Administration"), (name = "programs", description = "Programs and their policies"), (name = "reports", description = "Vulnerability report intake"), (name = "cases", description = "Cases, for the team"), (name = "feed", description = "The vulnerability feed, in OSV API shapes"))
)]
pub struct ApiDoc;

/// The document as pretty JSON with a trailing newline (the committed file's form).
pub fn json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// Public: the API's shape is not a secret.
pub async fn get_openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
}
