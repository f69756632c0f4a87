//! The signed-in start page: a shell with the instance's state at a glance.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use embargo_store::{audit, user};

use crate::auth::session::Authed;
use crate::error::AppResult;
use crate::page::{Chrome, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "dashboard/index.html")]
struct Dashboard {
    chrome: Chrome,
    name: String,
    users: u64,
    totp_enabled: bool,
    recent: Vec<(String, String, String)>,
    is_admin: bool,
}

pub async fn get_dashboard(State(state): State<AppState>, a: Authed) -> AppResult<Response> {
    let db = state.store.conn();
    let is_admin = a.role == embargo_domain::account::Role::Admin;
    let recent = if is_admin {
        audit::recent(db, 8)
            .await?
            .into_iter()
            .map(|e| (e.at.format("%Y-%m-%d %H:%M").to_string(), e.action, e.actor))
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&Dashboard {
        chrome: a.chrome("Dashboard", "dashboard"),
        name: if a.user.display_name.is_empty() {
            a.user.email.clone()
        } else {
            a.user.display_name.clone()
        },
        users: user::count(db).await?,
        totp_enabled: a.user.totp_enabled_at.is_some(),
        recent,
        is_admin,
    }))
}
