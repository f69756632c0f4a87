//! Admin pages: the user list with its actions, and the audit log.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::Role;
use embargo_store::{audit, user};
use serde::Deserialize;

use crate::admin::service::{self, Actor};
use crate::auth::csrf::CsrfForm;
use crate::auth::session::AdminUser;
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::state::AppState;

pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub totp: bool,
    pub disabled: bool,
    pub has_password: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct Users {
    chrome: Chrome,
    rows: Vec<UserRow>,
    roles: Vec<&'static str>,
    link: Option<(String, String)>,
    error: Option<String>,
}

fn actor(a: &AdminUser, ctx: &RequestCtx) -> Actor {
    Actor {
        id: a.0.actor(),
        ip: ctx.client_ip.to_string(),
    }
}

async fn users_page(
    state: &AppState,
    a: &AdminUser,
    link: Option<(String, String)>,
    error: Option<String>,
    flash: Option<String>,
) -> AppResult<Users> {
    let rows = user::list(state.store.conn())
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            name: u.display_name,
            role: u.role,
            totp: u.totp_enabled_at.is_some(),
            disabled: u.disabled_at.is_some(),
            has_password: u.password_hash.is_some(),
            created: u.created_at.format("%Y-%m-%d").to_string(),
            email: u.email,
        })
        .collect();
    let mut chrome = a.0.chrome("Users", "users");
    chrome.flash = flash;
    Ok(Users {
        chrome,
        rows,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        link,
        error,
    })
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

pub async fn get_users(
    State(state): State<AppState>,
    a: AdminUser,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let flash = match q.notice.as_deref() {
        Some("updated") => Some("User updated.".to_owned()),
        _ => None,
    };
    Ok(render(&users_page(&state, &a, None, None, flash).await?))
}

#[derive(Deserialize)]
pub struct NewUserForm {
    email: String,
    #[serde(default)]
    display_name: String,
    role: String,
}

pub async fn post_user(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    CsrfForm(f): CsrfForm<NewUserForm>,
) -> AppResult<Response> {
    let result = match f.role.parse::<Role>() {
        Ok(role) => {
            service::create_user(
                &state.store,
                &f.email,
                &f.display_name,
                role,
                &actor(&a, &ctx),
                &state.public_url,
                state.now(),
            )
            .await
        }
        Err(e) => Err(AppError::validation("role", e.to_string())),
    };
    match result {
        Ok((_, link)) => Ok(render(
            &users_page(
                &state,
                &a,
                Some((f.email.trim().to_lowercase(), link)),
                None,
                None,
            )
            .await?,
        )),
        Err(AppError::Validation { message, .. } | AppError::Conflict(message)) => {
            Ok(render_status(
                StatusCode::BAD_REQUEST,
                &users_page(&state, &a, None, Some(message), None).await?,
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn post_user_role(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> AppResult<Response> {
    let role = f
        .role
        .parse::<Role>()
        .map_err(|e| AppError::validation("role", e.to_string()))?;
    match service::set_role(&state.store, id, role, &actor(&a, &ctx), state.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/users?notice=updated").into_response()),
        Err(AppError::Conflict(m)) => Ok(render_status(
            StatusCode::CONFLICT,
            &users_page(&state, &a, None, Some(m), None).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn set_disabled(
    state: AppState,
    ctx: RequestCtx,
    a: AdminUser,
    id: i64,
    disabled: bool,
) -> AppResult<Response> {
    match service::set_disabled(&state.store, id, disabled, &actor(&a, &ctx), state.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/users?notice=updated").into_response()),
        Err(AppError::Conflict(m)) => Ok(render_status(
            StatusCode::CONFLICT,
            &users_page(&state, &a, None, Some(m), None).await?,
        )),
        Err(e) => Err(e),
    }
}

pub async fn post_user_disable(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    set_disabled(state, ctx, a, id, true).await
}

pub async fn post_user_enable(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    set_disabled(state, ctx, a, id, false).await
}

pub async fn post_user_reset(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let link = service::reset_link(
        &state.store,
        id,
        &actor(&a, &ctx),
        &state.public_url,
        state.now(),
    )
    .await?;
    let email = user::by_id(state.store.conn(), id)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    Ok(render(
        &users_page(&state, &a, Some((email, link)), None, None).await?,
    ))
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
    verdict: String,
    intact: bool,
}

pub async fn get_audit(State(state): State<AppState>, a: AdminUser) -> AppResult<Response> {
    let db = state.store.conn();
    let rows = audit::recent(db, 200)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: if e.detail == "{}" {
                String::new()
            } else {
                e.detail
            },
            ip: e.ip,
        })
        .collect();
    let (verdict, intact) = match audit::verify(db).await? {
        audit::Verdict::Intact { entries } => (
            format!("Hash chain intact: {entries} entries verified."),
            true,
        ),
        audit::Verdict::Broken { seq, reason } => (
            format!("Hash chain broken at entry {seq}: {reason}."),
            false,
        ),
    };
    Ok(render(&AuditPage {
        chrome: a.0.chrome("Audit log", "audit"),
        rows,
        verdict,
        intact,
    }))
}
