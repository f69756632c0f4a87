//! Account pages: overview and password, two-factor enrolment, API tokens.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::TokenScope;
use embargo_store::{token, user};
use serde::Deserialize;

use crate::account::service;
use crate::auth::csrf::CsrfForm;
use crate::auth::session::Authed;
use crate::auth::totp;
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account/overview.html")]
struct Overview {
    chrome: Chrome,
    email: String,
    display_name: String,
    role: String,
    totp_enabled: bool,
    recovery_left: u64,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
    required: Option<String>,
}

fn notice_text(n: Option<&str>) -> Option<String> {
    match n? {
        "password-changed" => Some("Password changed. Your other sessions were signed out.".into()),
        "totp-disabled" => Some("Two-factor authentication is off.".into()),
        "token-revoked" => Some("Token revoked. It no longer works.".into()),
        _ => None,
    }
}

async fn overview(
    state: &AppState,
    a: &Authed,
    flash: Option<String>,
    error: Option<String>,
) -> AppResult<Overview> {
    let mut chrome = a.chrome("Account", "account");
    chrome.flash = flash;
    Ok(Overview {
        chrome,
        email: a.user.email.clone(),
        display_name: a.user.display_name.clone(),
        role: a.role.to_string(),
        totp_enabled: a.user.totp_enabled_at.is_some(),
        recovery_left: user::unused_recovery_codes(state.store.conn(), a.user.id).await?,
        error,
    })
}

pub async fn get_account(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    Ok(render(
        &overview(&state, &a, notice_text(q.notice.as_deref()), None).await?,
    ))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

pub async fn post_password(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    if f.new_password != f.new_password_confirm {
        let page = overview(
            &state,
            &a,
            None,
            Some("The two new passwords do not match.".into()),
        )
        .await?;
        return Ok(render_status(StatusCode::BAD_REQUEST, &page));
    }
    match service::change_password(
        &state,
        a.user.id,
        &a.session.id,
        &f.current_password,
        &f.new_password,
        &ctx.client_ip.to_string(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account?notice=password-changed").into_response()),
        Err(AppError::Validation { message, .. }) => {
            let page = overview(&state, &a, None, Some(message)).await?;
            Ok(render_status(StatusCode::BAD_REQUEST, &page))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "account/totp.html")]
struct TotpEnrol {
    chrome: Chrome,
    secret: String,
    uri: String,
    required: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/recovery.html")]
struct RecoveryCodes {
    chrome: Chrome,
    codes: Vec<String>,
}

pub async fn get_totp(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    if a.user.totp_enabled_at.is_some() {
        return Ok(Redirect::to("/account").into_response());
    }
    let secret = service::pending_totp_secret(&state, a.user.id).await?;
    let uri = totp::provisioning_uri(&secret, &a.user.email);
    let required = q.required.is_some();
    Ok(render(&TotpEnrol {
        chrome: a.chrome("Two-factor authentication", "account"),
        secret,
        uri,
        required,
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn post_totp(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    match service::enable_totp(&state, a.user.id, &f.code, &ctx.client_ip.to_string()).await {
        Ok(codes) => Ok(render(&RecoveryCodes {
            chrome: a.chrome("Recovery codes", "account"),
            codes,
        })),
        Err(AppError::Validation { message, .. }) => {
            let secret = service::pending_totp_secret(&state, a.user.id).await?;
            let uri = totp::provisioning_uri(&secret, &a.user.email);
            Ok(render_status(
                StatusCode::BAD_REQUEST,
                &TotpEnrol {
                    chrome: a.chrome("Two-factor authentication", "account"),
                    secret,
                    uri,
                    required: false,
                    error: Some(message),
                },
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    current_password: String,
}

pub async fn post_totp_disable(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    CsrfForm(f): CsrfForm<DisableForm>,
) -> AppResult<Response> {
    match service::disable_totp(
        &state,
        a.user.id,
        &f.current_password,
        &ctx.client_ip.to_string(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account?notice=totp-disabled").into_response()),
        Err(AppError::Validation { message, .. } | AppError::Conflict(message)) => {
            let page = overview(&state, &a, None, Some(message)).await?;
            Ok(render_status(StatusCode::BAD_REQUEST, &page))
        }
        Err(e) => Err(e),
    }
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct Tokens {
    chrome: Chrome,
    rows: Vec<TokenRow>,
    scopes: Vec<&'static str>,
    new_token: Option<String>,
    error: Option<String>,
}

fn day(t: Option<embargo_store::Ts>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".into())
}

async fn tokens_page(
    state: &AppState,
    a: &Authed,
    new_token: Option<String>,
    error: Option<String>,
    flash: Option<String>,
) -> AppResult<Tokens> {
    let now = state.now();
    let rows = token::list_for_user(state.store.conn(), a.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            status: if t.revoked_at.is_some() {
                "revoked"
            } else if t.expires_at.is_some_and(|e| e <= now) {
                "expired"
            } else {
                "active"
            },
            id: t.id,
            name: t.name,
            scope: t.scope,
            created: day(Some(t.created_at)),
            expires: t
                .expires_at
                .map(|e| day(Some(e)))
                .unwrap_or_else(|| "never".into()),
            last_used: t
                .last_used_at
                .map(|e| day(Some(e)))
                .unwrap_or_else(|| "never".into()),
        })
        .collect();
    let max = TokenScope::max_for(a.role);
    let scopes = [TokenScope::Read, TokenScope::Write, TokenScope::Admin]
        .into_iter()
        .filter(|s| max.allows(*s))
        .map(TokenScope::as_str)
        .collect();
    let mut chrome = a.chrome("API tokens", "account");
    chrome.flash = flash;
    Ok(Tokens {
        chrome,
        rows,
        scopes,
        new_token,
        error,
    })
}

pub async fn get_tokens(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    Ok(render(
        &tokens_page(&state, &a, None, None, notice_text(q.notice.as_deref())).await?,
    ))
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    scope: String,
    #[serde(default)]
    expires_in_days: String,
}

pub async fn post_token(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> AppResult<Response> {
    let parsed = f
        .scope
        .parse::<TokenScope>()
        .map_err(|e| AppError::validation("scope", e.to_string()))
        .and_then(|scope| {
            let days = match f.expires_in_days.trim() {
                "" | "never" => None,
                d => Some(d.parse::<u32>().map_err(|_| {
                    AppError::validation("expires_in_days", "expiry must be a number of days")
                })?),
            };
            Ok((scope, days))
        });
    let result = match parsed {
        Ok((scope, days)) => {
            let req = service::TokenRequest {
                name: &f.name,
                scope,
                expires_in_days: days,
            };
            let actor = crate::admin::service::Actor {
                id: a.actor(),
                ip: ctx.client_ip.to_string(),
            };
            service::create_token(&state.store, a.user.id, req, &actor, state.now()).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => Ok(render(
            &tokens_page(&state, &a, Some(t.token), None, None).await?,
        )),
        Err(AppError::Validation { message, .. }) => Ok(render_status(
            StatusCode::BAD_REQUEST,
            &tokens_page(&state, &a, None, Some(message), None).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn post_token_revoke(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    service::revoke_token(
        &state,
        a.user.id,
        &id,
        &a.actor(),
        &ctx.client_ip.to_string(),
    )
    .await?;
    Ok(Redirect::to("/account/tokens?notice=token-revoked").into_response())
}
