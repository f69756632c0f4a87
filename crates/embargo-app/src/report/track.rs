//! The reporter's tracking page, `/track/{secret}`: the case as the reporter sees it. The
//! secret is the only credential (256 bits; only its hash is stored); a wrong or truncated one
//! is a plain 404. The reporter never sees internal notes or anything of another case.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::case::{CaseState, TransitionInput};
use embargo_store::{case, sha256_hex};
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, visitor_token, with_cookie};
use crate::case::service::{self, ChangeBy, Post};
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::state::AppState;

pub struct ThreadItem {
    pub from_reporter: bool,
    pub at: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "report/track.html")]
struct TrackPage {
    chrome: Chrome,
    secret: String,
    reference: String,
    program: String,
    slug: String,
    title: String,
    status: &'static str,
    explanation: &'static str,
    next: Option<String>,
    thread: Vec<ThreadItem>,
    can_withdraw: bool,
    open: bool,
    version: i32,
    error: Option<String>,
    /// `name`, `handle`, `anonymous`, or empty when not chosen yet.
    credit_kind: String,
    credit_name: String,
    credit_link: String,
    credit_consented: bool,
    /// (date, proposed by) of every disclosure-date proposal, oldest first.
    proposals: Vec<(String, String)>,
    /// The embargo end the team proposed or agreed: (end in its time zone, time left,
    /// the reporter agreed, its version for the agree form).
    embargo: Option<(String, String, bool, i32)>,
}

async fn find(state: &AppState, secret: &str) -> AppResult<case::Case> {
    // Hashing first means the lookup time does not depend on how much of a secret matched.
    case::by_tracking_hash(state.store.conn(), &sha256_hex(secret.as_bytes()))
        .await?
        .ok_or(AppError::NotFound)
}

async fn page(
    state: &AppState,
    secret: &str,
    csrf: String,
    error: Option<String>,
) -> AppResult<TrackPage> {
    let row = find(state, secret).await?;
    let (view, prog, policy) = service::load(&state.store, &state.keys, row).await?;
    let now = state.now();
    let events = case::events(state.store.conn(), view.row.id).await?;
    let clocks = service::clocks(&policy, &events, now)?;
    let next = service::next_for_reporter(&policy, &clocks);
    let mut thread = Vec::new();
    for m in case::messages(state.store.conn(), view.row.id, false).await? {
        thread.push(ThreadItem {
            from_reporter: m.author == "reporter",
            at: m.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            body: service::open_message(&state.keys, &view.row.reference, &m)?,
        });
    }
    let embargo = crate::coordination::service::embargo_view(state, &policy, &view)
        .await?
        .map(|e| (e.local, e.time_left, e.reporter_agreed, e.row.version));
    let chrome = Chrome::new(format!("{} · {}", view.row.reference, prog.name), csrf);
    Ok(TrackPage {
        chrome,
        secret: secret.to_owned(),
        reference: view.row.reference.clone(),
        program: prog.name,
        slug: prog.slug,
        title: view.title.clone(),
        status: view.state.reporter_label(),
        explanation: view.state.reporter_explanation(),
        next: if view.state.is_open() { next } else { None },
        thread,
        can_withdraw: embargo_domain::case::allowed_targets(
            view.state,
            embargo_domain::case::Actor::Reporter,
            None,
        )
        .contains(&CaseState::Withdrawn),
        open: view.state.is_open(),
        version: view.row.version,
        error,
        credit_kind: view.reporter.credit_kind.clone().unwrap_or_default(),
        credit_name: view.reporter.credit.clone().unwrap_or_default(),
        credit_link: view.reporter.credit_link.clone().unwrap_or_default(),
        credit_consented: view.reporter.credit_consent_at.is_some(),
        proposals: events
            .iter()
            .filter(|e| e.kind == "disclosure_proposed")
            .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
            .map(|d| {
                (
                    d["date"].as_str().unwrap_or("").to_owned(),
                    if d["by"] == "reporter" {
                        "you".to_owned()
                    } else {
                        "the team".to_owned()
                    },
                )
            })
            .collect(),
        embargo,
    })
}

pub async fn get_track(
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

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    body: String,
}

/// The reporter's message: a multipart form with files (`files`), or a plain form.
pub struct MessageInput {
    csrf: String,
    body: String,
    files: Vec<crate::report::intake::Upload>,
}

impl axum::extract::FromRequest<AppState> for MessageInput {
    type Rejection = AppError;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::{Form, Multipart};
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let Form(f) = Form::<MessageForm>::from_request(req, state)
                .await
                .map_err(|e| AppError::validation("form", e.body_text()))?;
            return Ok(MessageInput {
                csrf: f.csrf_token,
                body: f.body,
                files: Vec::new(),
            });
        }
        let mut mp = Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::validation("form", e.body_text()))?;
        let mut input = MessageInput {
            csrf: String::new(),
            body: String::new(),
            files: Vec::new(),
        };
        let bad = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::validation("form", e.body_text())
            }
        };
        let mut total = 0usize;
        while let Some(field) = mp.next_field().await.map_err(bad)? {
            match field.name().unwrap_or("") {
                "files" => {
                    let filename = field.file_name().unwrap_or("").to_owned();
                    let data = field.bytes().await.map_err(bad)?;
                    if data.is_empty() {
                        continue;
                    }
                    total += data.len();
                    input.files.push(crate::report::intake::Upload {
                        filename,
                        data: data.to_vec(),
                    });
                }
                "csrf_token" => input.csrf = field.text().await.map_err(bad)?,
                "body" => input.body = field.text().await.map_err(bad)?,
                _ => {}
            }
        }
        use crate::report::intake::{DEFAULT_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
        if input.files.len() > MAX_ATTACHMENTS || total > DEFAULT_ATTACHMENT_BYTES {
            return Err(AppError::validation(
                "files",
                format!(
                    "at most {MAX_ATTACHMENTS} files and {} MB in all",
                    DEFAULT_ATTACHMENT_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(input)
    }
}

/// After a reporter's action: back to the page (at `anchor`), or the page again with the
/// problem (400 for bad input, 409 when the case changed or the move is not allowed); other
/// errors pass on.
async fn or_page(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    secret: &str,
    anchor: &str,
    result: AppResult<()>,
) -> AppResult<Response> {
    let (status, message) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/track/{secret}{anchor}")).into_response()),
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

fn reporter(ctx: &RequestCtx) -> ChangeBy {
    ChangeBy {
        actor: embargo_domain::case::Actor::Reporter,
        id: "reporter".into(),
        ip: ctx.client_ip.to_string(),
    }
}

/// The reporter adds information. A case waiting on the reporter goes back to where it was.
pub async fn post_track_message(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    f: MessageInput,
) -> AppResult<Response> {
    crate::auth::csrf::verify_token(&state, &headers, &f.csrf).await?;
    let row = find(&state, &secret).await?;
    let (view, _, _) = service::load(&state.store, &state.keys, row).await?;
    let by = reporter(&ctx);
    let post = Post {
        body: &f.body,
        visibility: "thread",
        via: "web",
        user_id: None,
        attachments: &f.files,
    };
    let result = async {
        service::post_message(&state, &view, post, &by).await?;
        if view.state == CaseState::NeedsInfo
            && let Some(prev) = view
                .row
                .previous_state
                .as_deref()
                .and_then(|p| p.parse::<CaseState>().ok())
        {
            let fresh = find(&state, &secret).await?;
            let to = embargo_domain::case::resume_state(prev)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            let input = TransitionInput::reporter().previous(prev);
            service::change_state(&state, &view, to, input, fresh.version, &by).await?;
        }
        Ok(())
    }
    .await;
    or_page(&state, &headers, &secret, "#thread", result).await
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

pub async fn post_track_withdraw(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<WithdrawForm>,
) -> AppResult<Response> {
    let row = find(&state, &secret).await?;
    let (view, _, _) = service::load(&state.store, &state.keys, row).await?;
    let version = f.version.parse().unwrap_or(view.row.version);
    let mut input = TransitionInput::reporter();
    if !f.reason.trim().is_empty() {
        input = input.reason(f.reason.trim());
    }
    let result = service::change_state(
        &state,
        &view,
        CaseState::Withdrawn,
        input,
        version,
        &reporter(&ctx),
    )
    .await
    .map(|_| ());
    or_page(&state, &headers, &secret, "", result).await
}

#[derive(Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    consent: Option<String>,
}

/// The reporter chooses how to be credited (name, handle, link, or anonymous) and consents.
pub async fn post_track_credit(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<CreditForm>,
) -> AppResult<Response> {
    let row = find(&state, &secret).await?;
    let (view, _, _) = service::load(&state.store, &state.keys, row).await?;
    let choice = service::CreditChoice {
        kind: f.kind,
        name: f.name,
        link: f.link,
        consent: f.consent.is_some(),
    };
    let result = service::set_credit(&state, &view, choice, &reporter(&ctx)).await;
    or_page(&state, &headers, &secret, "#credit", result).await
}

#[derive(Deserialize)]
pub struct DisclosureForm {
    #[serde(default)]
    date: String,
}

/// The reporter proposes a disclosure date.
pub async fn post_track_disclosure(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<DisclosureForm>,
) -> AppResult<Response> {
    let row = find(&state, &secret).await?;
    let (view, _, _) = service::load(&state.store, &state.keys, row).await?;
    let result = service::propose_disclosure(&state, &view, &f.date, &reporter(&ctx))
        .await
        .map(|_| ());
    or_page(&state, &headers, &secret, "#disclosure", result).await
}

#[derive(Deserialize)]
pub struct AgreeForm {
    #[serde(default)]
    version: String,
}

/// The reporter agrees to the embargo end the team proposed.
pub async fn post_track_embargo_agree(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: axum::http::HeaderMap,
    Path(secret): Path<String>,
    CsrfForm(f): CsrfForm<AgreeForm>,
) -> AppResult<Response> {
    let row = find(&state, &secret).await?;
    let (view, _, _) = service::load(&state.store, &state.keys, row).await?;
    let result =
        crate::coordination::service::agree(&state, &view, &reporter(&ctx), &f.version).await;
    or_page(&state, &headers, &secret, "#disclosure", result).await
}
