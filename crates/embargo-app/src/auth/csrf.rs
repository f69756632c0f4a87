//! CSRF defence in two layers (OWASP CSRF Prevention Cheat Sheet):
//! 1. `check_origin` (middleware, every state-changing request outside `/api/`): the browser's
//!    `Sec-Fetch-Site` must be `same-origin`/`none`, else `Origin` must be ours.
//! 2. `CsrfForm<T>` (extractor): the form's `csrf_token` must equal the session's token, or,
//!    before login, the double-submit cookie.
//!
//! `/api/` accepts only bearer tokens, never cookies, so it needs neither.

use axum::extract::{FromRequest, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::session::{csrf_cookie_name, current_session, read_cookie};
use crate::error::{AppError, Form};
use crate::state::AppState;

pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let h = req.headers();
    let fetch_site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = h.get("origin").and_then(|v| v.to_str().ok());
    let ok = match (fetch_site, origin) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(o)) => o == state.public_origin,
        // Neither header: not a modern browser's cross-site request. The form token still
        // has to match.
        (None, None) => true,
    };
    if !ok {
        return AppError::Forbidden("cross-site request refused".into()).into_response();
    }
    next.run(req).await
}

#[derive(Deserialize)]
struct WithToken<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    inner: T,
}

/// The token a form from this browser must carry: the session's, or before login the
/// double-submit cookie's.
pub async fn expected_token(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<String>, AppError> {
    Ok(match current_session(state, headers).await? {
        Some((s, _)) => Some(s.csrf_token),
        None => read_cookie(headers, csrf_cookie_name(state)).map(str::to_owned),
    })
}

/// Checks a form token against [`expected_token`].
pub async fn verify_token(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    given: &str,
) -> Result<(), AppError> {
    match expected_token(state, headers).await? {
        Some(e) if !given.is_empty() && crate::auth::same(&e, given) => Ok(()),
        _ => Err(AppError::Forbidden(
            "the form has expired or was not sent from this site; reload the page and try again"
                .into(),
        )),
    }
}

/// The form token of a visitor without a session: the double-submit cookie's value, or a new
/// one together with the `Set-Cookie` to send (see [`with_cookie`]).
pub fn visitor_token(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> (String, Option<axum::http::HeaderValue>) {
    match read_cookie(headers, csrf_cookie_name(state)) {
        Some(v) if v.len() >= 16 => (v.to_owned(), None),
        _ => {
            let v = crate::auth::random_token(24);
            let c = crate::auth::session::cookie(state, csrf_cookie_name(state), &v, "Strict");
            (v, Some(c))
        }
    }
}

/// Adds the cookie [`visitor_token`] asked for, if any.
pub fn with_cookie(
    mut res: axum::response::Response,
    c: Option<axum::http::HeaderValue>,
) -> axum::response::Response {
    if let Some(c) = c {
        res.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    res
}

/// A form whose `csrf_token` field has been checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let Form(form) = Form::<WithToken<T>>::from_request(req, state).await?;
        verify_token(state, &headers, &form.csrf_token).await?;
        Ok(CsrfForm(form.inner))
    }
}
