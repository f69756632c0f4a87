//! Page chrome shared by every HTML page (navigation, CSRF token, flash message) and the error
//! page. Pages are askama templates under `templates/<feature>/<page>.html` extending
//! `templates/base.html`; there is no JavaScript.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;

/// The signed-in user as the navigation shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub email: String,
    pub role: String,
    pub is_admin: bool,
}

/// What every page's layout needs.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub title: String,
    pub user: Option<NavUser>,
    /// The token forms must echo back (session token, or the pre-login double-submit value).
    pub csrf: String,
    pub flash: Option<String>,
    /// Which navigation entry is current.
    pub section: &'static str,
}

impl Chrome {
    pub fn new(title: impl Into<String>, csrf: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            csrf: csrf.into(),
            ..Default::default()
        }
    }
}

/// Renders a template to a response, or a 500 if the template fails.
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    reason: &'a str,
    message: &'a str,
    request_id: Option<&'a str>,
}

pub fn error_page(status: StatusCode, message: &str, request_id: Option<&str>) -> String {
    let page = ErrorPage {
        chrome: Chrome::new(status.canonical_reason().unwrap_or("Error"), ""),
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("Error"),
        message,
        request_id,
    };
    page.render()
        .unwrap_or_else(|_| format!("{} {}", status.as_u16(), message))
}
