//! Login sessions: the cookie (random secret; the database holds only its SHA-256), expiry
//! (idle and absolute), and the `Authed` / `AdminUser` extractors for HTML routes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::Role;
use embargo_store::{session, sha256_hex, user};

use crate::error::AppError;
use crate::page::{Chrome, NavUser};
use crate::state::AppState;

pub fn session_cookie_name(state: &AppState) -> &'static str {
    // `__Host-` binds the cookie to this exact origin; browsers only accept it with Secure.
    if state.secure_cookies {
        "__Host-embargo_session"
    } else {
        "embargo_session"
    }
}

pub fn csrf_cookie_name(state: &AppState) -> &'static str {
    if state.secure_cookies {
        "__Host-embargo_csrf"
    } else {
        "embargo_csrf"
    }
}

/// `Set-Cookie` value: HttpOnly, SameSite=Lax (links from e-mail keep the session; state
/// changes are covered by the CSRF checks), Secure under HTTPS, no Max-Age (the server
/// decides expiry).
pub fn cookie(state: &AppState, name: &str, value: &str, same_site: &str) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

pub fn clear_cookie(state: &AppState, name: &str) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session row behind the request's cookie, if it is alive (not expired, not idle too
/// long). Does not require the second factor.
pub async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(session::Session, user::User)>, AppError> {
    let Some(secret) = read_cookie(headers, session_cookie_name(state)) else {
        return Ok(None);
    };
    let id = sha256_hex(secret.as_bytes());
    let db = state.store.conn();
    let Some(s) = session::get(db, &id).await? else {
        return Ok(None);
    };
    let now = state.now();
    let idle = chrono::Duration::minutes(i64::from(state.config.security.session_idle_minutes));
    if now >= s.expires_at || now - s.last_seen_at >= idle {
        session::delete(db, &id).await?;
        return Ok(None);
    }
    let Some(u) = user::by_id(db, s.user_id).await? else {
        return Ok(None);
    };
    if u.disabled_at.is_some() {
        session::delete(db, &id).await?;
        return Ok(None);
    }
    // Refresh the idle clock at most once a minute: no write on every request.
    if now - s.last_seen_at >= chrono::Duration::minutes(1) {
        session::touch(db, &id, now).await?;
    }
    Ok(Some((s, u)))
}

/// A signed-in team member who has passed the second factor (HTML routes). Anyone else is sent
/// to the login page.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: user::User,
    pub role: Role,
    pub session: session::Session,
}

impl Authed {
    pub fn chrome(&self, title: impl Into<String>, section: &'static str) -> Chrome {
        Chrome {
            title: title.into(),
            user: Some(NavUser {
                email: self.user.email.clone(),
                role: self.role.to_string(),
                is_admin: self.role == Role::Admin,
            }),
            csrf: self.session.csrf_token.clone(),
            flash: None,
            section,
        }
    }

    pub fn actor(&self) -> String {
        format!("user:{}", self.user.id)
    }
}

/// Where an unauthenticated or half-authenticated browser is sent.
pub struct LoginRedirect(Response);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        self.0
    }
}

impl From<AppError> for LoginRedirect {
    fn from(e: AppError) -> Self {
        LoginRedirect(e.into_response())
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = LoginRedirect;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some((session, user)) = current_session(state, &parts.headers).await? else {
            return Err(LoginRedirect(Redirect::to("/login").into_response()));
        };
        if !session.mfa_verified {
            return Err(LoginRedirect(Redirect::to("/login/totp").into_response()));
        }
        let role: Role = user.role.parse().map_err(|e| {
            AppError::internal(anyhow::anyhow!("user {} has a bad role: {e}", user.id))
        })?;
        // With `require_admin_totp`, an admin without a second factor may only enrol one.
        let path = parts.uri.path();
        if state.config.security.require_admin_totp
            && role == Role::Admin
            && user.totp_enabled_at.is_none()
            && !path.starts_with("/account/totp")
            && path != "/logout"
        {
            return Err(LoginRedirect(
                Redirect::to("/account/totp?required=1").into_response(),
            ));
        }
        Ok(Authed {
            user,
            role,
            session,
        })
    }
}

/// An `Authed` admin. Others get 404: the admin area is not theirs to see.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Authed);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = LoginRedirect;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let a = Authed::from_request_parts(parts, state).await?;
        if a.role != Role::Admin {
            return Err(LoginRedirect(AppError::NotFound.into_response()));
        }
        Ok(AdminUser(a))
    }
}
