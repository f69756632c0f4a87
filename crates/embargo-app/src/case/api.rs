//! The team's case API: a program's cases and one case. Only admins and members of the
//! case's program see anything; everyone else gets 404.

use axum::extract::{Path, Query, State};
use embargo_domain::account::Role;
use embargo_store::{case, program};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::token::{ApiAuth, ApiCaller, ApiRead};
use crate::case::service;
use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;

/// The caller's role in a program, or None (then they see nothing of it).
pub async fn program_role(
    state: &AppState,
    user_id: i64,
    global: Role,
    program_id: i64,
) -> AppResult<Option<Role>> {
    if global == Role::Admin {
        return Ok(Some(Role::Admin));
    }
    Ok(program::role_of(state.store.conn(), program_id, user_id)
        .await?
        .and_then(|r| r.parse().ok()))
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub reference: String,
    pub program: String,
    pub title: String,
    pub state: String,
    pub severity: Option<String>,
    pub received_at: String,
    pub updated_at: String,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// The report's fields as submitted.
    pub fields: std::collections::BTreeMap<String, String>,
    pub reporter_email: Option<String>,
    pub messages: Vec<MessageOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    pub author: String,
    pub visibility: String,
    pub body: String,
    pub created_at: String,
}

fn ts(t: embargo_store::Ts) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn summary(v: &service::CaseView, slug: &str) -> CaseSummary {
    CaseSummary {
        reference: v.row.reference.clone(),
        program: slug.to_owned(),
        title: v.title.clone(),
        state: v.row.state.clone(),
        severity: v.row.severity.clone(),
        received_at: ts(v.row.received_at),
        updated_at: ts(v.row.updated_at),
        version: v.row.version,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only cases in this state (e.g. `new`, `spam`); default: everything but spam.
    pub state: Option<String>,
    /// At most this many (default 50, max 500).
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

async fn visible_program(
    state: &AppState,
    c: &ApiCaller,
    slug: &str,
) -> AppResult<program::Program> {
    let p = program::by_slug(state.store.conn(), slug)
        .await?
        .ok_or(AppError::NotFound)?;
    program_role(state, c.user.id, c.role, p.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(p)
}

/// A program's cases, newest first.
#[utoipa::path(get, path = "/api/v1/programs/{slug}/cases", tag = "cases", params(("slug" = String, Path), ListQuery),
    responses((status = 200, body = Vec<CaseSummary>), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["read"])))]
pub async fn list_cases(
    State(state): State<AppState>,
    ApiAuth(c): ApiRead,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<CaseSummary>>> {
    let p = visible_program(&state, &c, &slug).await?;
    let filter = case::QueueFilter {
        program_ids: vec![p.id],
        states: q.state.clone().into_iter().collect(),
        hidden_states: vec!["spam".into()],
        newest_first: true,
        limit: q.limit.unwrap_or(50).min(500),
        offset: q.offset.unwrap_or(0),
        ..Default::default()
    };
    let (rows, _) = case::queue(state.store.conn(), &filter).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(summary(&service::open(&state.keys, r)?, &p.slug));
    }
    Ok(Json(out))
}

/// One case with its report and the whole thread (internal notes included).
#[utoipa::path(get, path = "/api/v1/cases/{reference}", tag = "cases", params(("reference" = String, Path)),
    responses((status = 200, body = CaseDetail), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["read"])))]
pub async fn get_case(
    State(state): State<AppState>,
    ApiAuth(c): ApiRead,
    Path(reference): Path<String>,
) -> AppResult<Json<CaseDetail>> {
    let row = case::by_reference(state.store.conn(), &reference)
        .await?
        .ok_or(AppError::NotFound)?;
    program_role(&state, c.user.id, c.role, row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (view, p, _) = service::load(&state.store, &state.keys, row).await?;
    let mut messages = Vec::new();
    for m in case::messages(state.store.conn(), view.row.id, true).await? {
        messages.push(MessageOut {
            body: service::open_message(&state.keys, &view.row.reference, &m)?,
            author: m.author,
            visibility: m.visibility,
            created_at: ts(m.created_at),
        });
    }
    Ok(Json(CaseDetail {
        summary: summary(&view, &p.slug),
        fields: view.report.fields.clone(),
        reporter_email: view.reporter.email.clone(),
        messages,
    }))
}
