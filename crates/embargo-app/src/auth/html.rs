//! Login, second factor, logout and setup-link pages.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, visitor_token, with_cookie};
use crate::auth::service::{self, LinkKind, LoginOutcome};
use crate::auth::session::{
    clear_cookie, cookie, current_session, read_cookie, session_cookie_name,
};
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::state::AppState;

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

fn notice_text(n: Option<&str>) -> Option<String> {
    match n? {
        "password-set" => Some("Your password is set. Log in to continue.".into()),
        "logged-out" => Some("You have been logged out.".into()),
        _ => None,
    }
}

pub async fn get_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    if let Some((s, _)) = current_session(&state, &headers).await? {
        return Ok(Redirect::to(if s.mfa_verified { "/" } else { "/login/totp" }).into_response());
    }
    let (csrf, set) = visitor_token(&state, &headers);
    let mut chrome = Chrome::new("Log in", csrf);
    chrome.flash = notice_text(q.notice.as_deref());
    Ok(with_cookie(
        render(&LoginPage {
            chrome,
            email: String::new(),
            error: None,
        }),
        set,
    ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

pub async fn post_login(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let ip = ctx.client_ip.to_string();
    let old = read_cookie(&headers, session_cookie_name(&state)).map(str::to_owned);
    let outcome = service::login(
        &state,
        &form.email,
        &form.password,
        &ip,
        &user_agent(&headers),
        old.as_deref(),
    )
    .await?;
    let (csrf, _) = visitor_token(&state, &headers);
    let again = |status: StatusCode, error: String| {
        render_status(
            status,
            &LoginPage {
                chrome: Chrome::new("Log in", csrf.clone()),
                email: form.email.clone(),
                error: Some(error),
            },
        )
    };
    Ok(match outcome {
        LoginOutcome::Session { secret, needs_totp } => {
            let mut res =
                Redirect::to(if needs_totp { "/login/totp" } else { "/" }).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, session_cookie_name(&state), &secret, "Lax"),
            );
            res
        }
        LoginOutcome::Failed => again(
            StatusCode::UNAUTHORIZED,
            "E-mail or password is incorrect.".into(),
        ),
        LoginOutcome::Throttled { retry_after_secs } => {
            let mut res = again(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many failed attempts. Try again in {retry_after_secs} seconds."),
            );
            if let Ok(v) = retry_after_secs.to_string().parse() {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    })
}

#[derive(Template)]
#[template(path = "auth/totp.html")]
struct TotpPage {
    chrome: Chrome,
    error: Option<String>,
}

pub async fn get_login_totp(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Response> {
    match current_session(&state, &headers).await? {
        Some((s, _)) if !s.mfa_verified => Ok(render(&TotpPage {
            chrome: Chrome::new("Two-factor authentication", s.csrf_token),
            error: None,
        })),
        Some(_) => Ok(Redirect::to("/").into_response()),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn post_login_totp(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let Some((s, _)) = current_session(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Some(secret) = read_cookie(&headers, session_cookie_name(&state)) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let ip = ctx.client_ip.to_string();
    match service::second_factor(&state, secret, &form.code, &ip, &user_agent(&headers)).await? {
        Ok(new_secret) => {
            let mut res = Redirect::to("/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, session_cookie_name(&state), &new_secret, "Lax"),
            );
            Ok(res)
        }
        Err(wait) => {
            let (status, msg) = match wait {
                Some(secs) => (StatusCode::TOO_MANY_REQUESTS, format!("Too many failed attempts. Try again in {secs} seconds.")),
                None => (StatusCode::UNAUTHORIZED, "That code is not valid. Check your authenticator app's clock, or use a recovery code.".into()),
            };
            Ok(render_status(
                status,
                &TotpPage {
                    chrome: Chrome::new("Two-factor authentication", s.csrf_token),
                    error: Some(msg),
                },
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn post_logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    if let Some(secret) = read_cookie(&headers, session_cookie_name(&state)) {
        service::logout(&state, secret, &ctx.client_ip.to_string()).await?;
    }
    let mut res = Redirect::to("/login?notice=logged-out").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(&state, session_cookie_name(&state)),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    chrome: Chrome,
    first_admin: bool,
    email: String,
    display_name: String,
    error: Option<String>,
}

pub async fn get_setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let kind = service::inspect_link(&state, &token).await?;
    let (csrf, set) = visitor_token(&state, &headers);
    let page = match kind {
        LinkKind::FirstAdmin => SetupPage {
            chrome: Chrome::new("Create the first administrator", csrf),
            first_admin: true,
            email: String::new(),
            display_name: String::new(),
            error: None,
        },
        LinkKind::SetPassword { email, .. } => SetupPage {
            chrome: Chrome::new("Set your password", csrf),
            first_admin: false,
            email,
            display_name: String::new(),
            error: None,
        },
    };
    Ok(with_cookie(render(&page), set))
}

/// Every field defaults, so an unknown link answers 404 whatever the body holds.
#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn post_setup(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> AppResult<Response> {
    let kind = service::inspect_link(&state, &token).await?;
    let first_admin = matches!(kind, LinkKind::FirstAdmin);
    let shown_email = match &kind {
        LinkKind::SetPassword { email, .. } => email.clone(),
        LinkKind::FirstAdmin => form.email.clone().unwrap_or_default(),
    };
    let (csrf, _) = visitor_token(&state, &headers);
    let again = |error: String| {
        render_status(
            StatusCode::BAD_REQUEST,
            &SetupPage {
                chrome: Chrome::new(
                    if first_admin {
                        "Create the first administrator"
                    } else {
                        "Set your password"
                    },
                    csrf.clone(),
                ),
                first_admin,
                email: shown_email.clone(),
                display_name: form.display_name.clone(),
                error: Some(error),
            },
        )
    };
    if form.password != form.password_confirm {
        return Ok(again("The two passwords do not match.".into()));
    }
    match service::use_link(
        &state,
        &token,
        form.email.as_deref(),
        &form.display_name,
        &form.password,
        &ctx.client_ip.to_string(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/login?notice=password-set").into_response()),
        Err(AppError::Validation { message, .. }) => Ok(again(message)),
        Err(AppError::Conflict(message)) => Ok(again(message)),
        Err(e) => Err(e),
    }
}
