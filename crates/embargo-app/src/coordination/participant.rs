//! The participant's side: `/participate/{secret}` (the invitation link: a 256-bit secret of
//! which only the hash is stored; revoked or wrong links are a plain 404) and `/ack/{secret}`
//! (the pre-notification's acknowledgement link).
//!
//! A reviewer sees nothing of the case until they accept the NDA. A vendor sees what the team
//! shares (the embargo and the draft advisory) and states their status; developers and
//! reviewers also see the report. Every page a participant opens is logged. Nobody here sees
//! internal notes, the reporter's contact details or other participants' details.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::coordination::{self, ParticipantRole, VendorStatus};
use embargo_domain::embargo::Countdown;
use embargo_store::{advisory, coordination as store, sha256_hex};
use serde::Deserialize;

use super::html::ThreadRow;
use super::service::{self as coord, Participant};
use crate::auth::csrf::{CsrfForm, visitor_token, with_cookie};
use crate::case::service::{CaseView, ChangeBy};
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::state::AppState;

pub struct DraftView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub details_html: String,
    pub affected: Vec<String>,
    pub cvss: Vec<String>,
}

#[derive(Template)]
#[template(path = "coordination/participant.html")]
struct ParticipantPage {
    chrome: Chrome,
    secret: String,
    program: String,
    name: String,
    role: &'static str,
    /// The NDA must be accepted first: nothing else of the case is on the page.
    nda_required: bool,
    nda_text: String,
    reference: String,
    /// (end in its time zone, time left, countdown, class).
    embargo: Option<(String, String, &'static str, &'static str)>,
    drafts: Vec<DraftView>,
    report: Vec<(String, String)>,
    is_vendor: bool,
    products: Vec<String>,
    statuses: Vec<(&'static str, &'static str)>,
    /// This organisation's statements: (product, status, statement, date).
    mine: Vec<(String, &'static str, String, String)>,
    thread: Vec<ThreadRow>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    secret: &str,
    csrf: String,
    error: Option<String>,
) -> AppResult<ParticipantPage> {
    let (p, view, prog, policy) = coord::by_secret(state, secret).await?;
    coord::log_view(state, &p, if p.cleared() { "case" } else { "nda" }).await?;
    let chrome = Chrome::new(format!("Coordination · {}", prog.name), csrf);
    let mut out = ParticipantPage {
        chrome,
        secret: secret.to_owned(),
        program: prog.name.clone(),
        name: p.contact.name.clone(),
        role: p.role.describe(),
        nda_required: !p.cleared(),
        nda_text: coordination::nda_text(policy.embargo.as_ref()).to_owned(),
        reference: String::new(),
        embargo: None,
        drafts: Vec::new(),
        report: Vec::new(),
        is_vendor: p.role == ParticipantRole::Vendor,
        products: Vec::new(),
        statuses: VendorStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        mine: Vec::new(),
        thread: Vec::new(),
        error,
    };
    if out.nda_required {
        return Ok(out);
    }
    out.reference = view.row.reference.clone();
    out.embargo = coord::embargo_view(state, &policy, &view).await?.map(|e| {
        let (label, class) = match e.countdown {
            Countdown::OnTrack => ("on track", "ok"),
            Countdown::AtRisk => ("at risk", "bad"),
            Countdown::Ended => ("ended", "muted"),
        };
        (e.local, e.time_left, label, class)
    });
    for row in advisory::for_case(state.store.conn(), view.row.id).await? {
        let a = crate::advisory::service::open(&state.keys, &row)?;
        out.drafts.push(DraftView {
            id: a.id.to_string(),
            title: a.title.clone(),
            summary: a.summary.clone(),
            details_html: embargo_formats::markdown::to_html(&a.details),
            affected: a
                .affected
                .iter()
                .map(|x| {
                    let fixed = if x.patched.is_empty() {
                        String::new()
                    } else {
                        format!(" — fixed in {}", x.patched.join(", "))
                    };
                    format!("{}{fixed}", x.name)
                })
                .collect(),
            cvss: a.cvss.clone(),
        });
    }
    if p.role.sees_report() {
        out.report = view
            .report
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    let stated = super::status::statuses(state, view.row.id).await?;
    out.products = super::status::products(state, view.row.id, &stated).await?;
    out.mine = stated
        .into_iter()
        .filter(|s| s.participant_id == p.row.id)
        .map(|s| (s.product, s.status.label(), s.statement, s.stated_on))
        .collect();
    // The thread: the team's messages and this participant's own (not other participants').
    for m in store::messages(state.store.conn(), view.row.id).await? {
        if m.participant_id.is_some_and(|id| id != p.row.id) {
            continue;
        }
        out.thread.push(ThreadRow {
            author: if m.participant_id.is_some() {
                "You".into()
            } else {
                format!("{} security team", prog.name)
            },
            at: m.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            body: coord::open_text(&state.keys, view.row.id, &m.body)?,
        });
    }
    Ok(out)
}

pub async fn get_participate(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let (csrf, set) = visitor_token(&state, &headers);
    Ok(with_cookie(
        render(&page(&state, &secret, csrf, None).await?),
        set,
    ))
}

async fn or_page(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    secret: &str,
    result: AppResult<()>,
) -> AppResult<Response> {
    let (status, message) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/participate/{secret}")).into_response()),
        Err(AppError::Validation { message, .. }) => (StatusCode::BAD_REQUEST, message),
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, message),
        Err(e) => return Err(e),
    };
    let (csrf, _) = visitor_token(state, headers);
    Ok(render_status(
        status,
        &page(state, secret, csrf, Some(message)).await?,
    ))
}

/// The participant, cleared past the NDA (else 404: nothing of the case before it).
async fn cleared(
    state: &AppState,
    secret: &str,
) -> AppResult<(Participant, CaseView, embargo_store::program::Program)> {
    let (p, view, prog, _) = coord::by_secret(state, secret).await?;
    if !p.cleared() {
        return Err(AppError::NotFound);
    }
    Ok((p, view, prog))
}

#[derive(Deserialize)]
pub struct NdaForm {
    #[serde(default)]
    accept: Option<String>,
}

pub async fn post_participate_nda(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<NdaForm>,
) -> AppResult<Response> {
    let (p, view, _, policy) = coord::by_secret(&state, &secret).await?;
    let r = if f.accept.is_some() {
        coord::accept_nda(&state, &p, &view, &policy, &ctx.client_ip.to_string()).await
    } else {
        Err(AppError::validation(
            "accept",
            "tick the box to accept the agreement",
        ))
    };
    or_page(&state, &headers, &secret, r).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    statement: String,
}

pub async fn post_participate_status(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> AppResult<Response> {
    let (p, view, _) = cleared(&state, &secret).await?;
    let r = super::status::set_status(
        &state,
        &view,
        &p,
        &f.product,
        &f.status,
        &f.statement,
        &ctx.client_ip.to_string(),
    )
    .await;
    or_page(&state, &headers, &secret, r).await
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

pub async fn post_participate_message(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<MessageForm>,
) -> AppResult<Response> {
    let (p, view, prog) = cleared(&state, &secret).await?;
    let by = ChangeBy {
        actor: embargo_domain::case::Actor::Team,
        id: format!("participant:{}", p.row.id),
        ip: ctx.client_ip.to_string(),
    };
    let r = coord::post_message(&state, &view, &prog, Some(&p), &by, &f.body).await;
    or_page(&state, &headers, &secret, r).await
}

// ---- acknowledgement of a pre-notification ----

#[derive(Template)]
#[template(path = "coordination/ack.html")]
struct AckPage {
    chrome: Chrome,
    secret: String,
    reference: String,
    program: String,
    acknowledged: Option<String>,
}

async fn ack_page(state: &AppState, secret: &str, csrf: String) -> AppResult<AckPage> {
    let n = store::prenotification_by_ack(state.store.conn(), &sha256_hex(secret.as_bytes()))
        .await?
        .ok_or(AppError::NotFound)?;
    // A revoked participant's link stops working too.
    let p = store::participant(state.store.conn(), n.participant_id)
        .await?
        .filter(|p| p.revoked_at.is_none())
        .ok_or(AppError::NotFound)?;
    let row = embargo_store::case::by_id(state.store.conn(), p.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let prog = embargo_store::program::by_id(state.store.conn(), row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(AckPage {
        chrome: Chrome::new(format!("Pre-notification · {}", prog.name), csrf),
        secret: secret.to_owned(),
        reference: row.reference,
        program: prog.name,
        acknowledged: n
            .acknowledged_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
    })
}

/// The acknowledgement page. Opening the link does not acknowledge (mail scanners open
/// links); the button does.
pub async fn get_ack(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let (csrf, set) = visitor_token(&state, &headers);
    Ok(with_cookie(
        render(&ack_page(&state, &secret, csrf).await?),
        set,
    ))
}

pub async fn post_ack(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(secret): Path<String>,
    CsrfForm(_): CsrfForm<super::html::Empty>,
) -> AppResult<Response> {
    let n = store::prenotification_by_ack(state.store.conn(), &sha256_hex(secret.as_bytes()))
        .await?
        .ok_or(AppError::NotFound)?;
    let p = store::participant(state.store.conn(), n.participant_id)
        .await?
        .filter(|p| p.revoked_at.is_none())
        .ok_or(AppError::NotFound)?;
    coord::acknowledge(&state, &n, &p, &ctx.client_ip.to_string()).await?;
    Ok(Redirect::to(&format!("/ack/{secret}")).into_response())
}
