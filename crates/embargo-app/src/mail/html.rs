//! The admin's mail page: the quarantine (messages that could not be filed, with the reason,
//! and a retry) and the outbox (every outbound mail and webhook call, its attempts, a retry
//! for those that failed).

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use embargo_store::{outbox, submission};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::CsrfForm;
use crate::auth::session::AdminUser;
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render};
use crate::state::AppState;

pub struct QuarantineRow {
    pub id: i64,
    pub received: String,
    pub size: i64,
    pub reason: String,
}

pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub event: String,
    pub to: String,
    pub subject: String,
    pub state: String,
    pub attempts: i32,
    pub created: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "mail/admin.html")]
struct Page {
    chrome: Chrome,
    smtp_configured: bool,
    receiver: String,
    quarantine: Vec<QuarantineRow>,
    outbox: Vec<OutboxRow>,
    notice: Option<String>,
}

fn when(t: embargo_store::Ts) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

async fn page(state: &AppState, a: &AdminUser, notice: Option<String>) -> AppResult<Page> {
    let db = state.store.conn();
    let quarantine = submission::in_state(db, submission::QUARANTINED, 200)
        .await?
        .into_iter()
        .map(|s| QuarantineRow {
            id: s.id,
            received: when(s.received_at),
            size: s.size,
            reason: s.error.unwrap_or_default(),
        })
        .collect();
    let outbox = outbox::list(db, None, None, None, 200)
        .await?
        .into_iter()
        .map(|d| {
            let summary = crate::outbox::open_summary(&state.keys, &d);
            OutboxRow {
                id: d.id,
                kind: d.kind,
                event: d.event,
                to: summary.to,
                subject: summary.subject,
                state: d.state,
                attempts: d.attempts,
                created: when(d.created_at),
                last_error: d.last_error.unwrap_or_default(),
            }
        })
        .collect();
    Ok(Page {
        chrome: a.0.chrome("Mail", "mail"),
        smtp_configured: !state.config.mail.smtp_url.is_empty(),
        receiver: state.config.mail.receiver_listen.clone(),
        quarantine,
        outbox,
        notice,
    })
}

pub async fn get_mail(State(state): State<AppState>, a: AdminUser) -> AppResult<Response> {
    Ok(render(&page(&state, &a, None).await?))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn post_quarantine_retry(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let sub = submission::get(state.store.conn(), id)
        .await?
        .filter(|s| s.channel == "email" && s.state == submission::QUARANTINED)
        .ok_or(AppError::NotFound)?;
    let outcome = super::ingest::process(&state, sub.id).await?;
    let txn = state.store.begin().await?;
    crate::audit::record(
        &txn,
        &a.0.actor(),
        &ctx.client_ip.to_string(),
        "mail.retried",
        &format!("submission:{id}"),
        json!({ "outcome": format!("{outcome:?}") }),
        state.now(),
    )
    .await?;
    txn.commit().await?;
    let notice = match outcome {
        super::ingest::Outcome::Case(r) => format!("Message {id} filed as the new case {r}."),
        super::ingest::Outcome::Reply(r) => format!("Message {id} added to {r}."),
        super::ingest::Outcome::Quarantined(why) => {
            format!("Message {id} is still in quarantine: {why}")
        }
    };
    Ok(render(&page(&state, &a, Some(notice)).await?))
}

pub async fn post_outbox_retry(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    if !outbox::retry(state.store.conn(), id, state.now()).await? {
        return Err(AppError::NotFound);
    }
    let txn = state.store.begin().await?;
    crate::audit::record(
        &txn,
        &a.0.actor(),
        &ctx.client_ip.to_string(),
        "outbox.retried",
        &format!("delivery:{id}"),
        json!({}),
        state.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/mail").into_response())
}
