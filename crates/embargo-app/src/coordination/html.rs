//! The team's coordination page of a case, `/cases/{reference}/coordination`: the embargo
//! (proposal, agreement, admin override, exploitation, countdown, pre-notification time), the
//! participants with their NDA state and view log, the vendor status matrix, who has not
//! acknowledged the pre-notification, and the thread with the participants.
//!
//! Who may do what, per program: developers and up read and write in the thread; triagers (and
//! admins) set the embargo and invite or revoke participants; only admins override the
//! policy's maximum. Viewers and other programs' members get 404.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::Role;
use embargo_domain::coordination::{ParticipantRole, VendorStatus};
use embargo_domain::embargo::Countdown;
use embargo_store::{case, coordination as store, user};
use serde::Deserialize;

use super::service::{self as coord, EmbargoView};
use crate::auth::csrf::CsrfForm;
use crate::auth::session::Authed;
use crate::case::api::program_role;
use crate::case::service::{self, CaseView, ChangeBy};
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::state::AppState;

pub struct ParticipantRow {
    pub id: i64,
    pub label: String,
    pub email: String,
    pub role: &'static str,
    pub group: String,
    pub nda: String,
    pub active: bool,
    pub views: String,
    pub encrypted: bool,
}

pub struct MatrixRow {
    pub organisation: String,
    /// Per product: (status class, label, statement and date).
    pub cells: Vec<(&'static str, &'static str, String)>,
}

pub struct ThreadRow {
    pub author: String,
    pub at: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "coordination/page.html")]
struct CoordinationPage {
    chrome: Chrome,
    reference: String,
    program: String,
    title: String,
    embargo: Option<EmbargoView>,
    countdown: &'static str,
    countdown_class: &'static str,
    /// What the policy says: maximum, agreement, acceleration.
    policy_terms: Vec<String>,
    /// Form defaults.
    default_date: String,
    default_time: String,
    time_zone: String,
    /// The reporter's proposals (date), newest first.
    reporter_proposals: Vec<String>,
    exploited: bool,
    participants: Vec<ParticipantRow>,
    roles: Vec<(&'static str, &'static str)>,
    groups: Vec<String>,
    products: Vec<String>,
    matrix: Vec<MatrixRow>,
    /// (participant, sent, acknowledged or None).
    prenotified: Vec<(String, String, Option<String>)>,
    thread: Vec<ThreadRow>,
    can_triage: bool,
    is_admin: bool,
    error: Option<String>,
}

type Loaded = (
    CaseView,
    embargo_store::program::Program,
    embargo_domain::policy::Policy,
    Role,
);

/// The case with its program and policy, for a developer or more of its program (else 404).
async fn case_for(state: &AppState, a: &Authed, reference: &str) -> AppResult<Loaded> {
    let row = case::by_reference(state.store.conn(), reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = program_role(state, a.user.id, a.role, row.program_id)
        .await?
        .filter(|r| r.at_least(Role::Developer))
        .ok_or(AppError::NotFound)?;
    let (view, prog, policy) = service::load(&state.store, &state.keys, row).await?;
    Ok((view, prog, policy, role))
}

fn fmt(t: embargo_store::Ts) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

async fn page(
    state: &AppState,
    a: &Authed,
    reference: &str,
    error: Option<String>,
) -> AppResult<CoordinationPage> {
    let (view, prog, policy, role) = case_for(state, a, reference).await?;
    let db = state.store.conn();
    let embargo = coord::embargo_view(state, &policy, &view).await?;
    let (countdown, countdown_class) = match embargo.as_ref().map(|e| e.countdown) {
        Some(Countdown::OnTrack) => ("on track", "ok"),
        Some(Countdown::AtRisk) => ("at risk: the fix is not ready", "bad"),
        Some(Countdown::Ended) => ("ended", "muted"),
        None => ("no embargo yet", "muted"),
    };
    let mut policy_terms = Vec::new();
    if let Some(e) = &policy.embargo {
        if let Some(m) = e.maximum {
            policy_terms.push(format!(
                "at most {m} from the report (admins can override with a reason)"
            ));
        }
        if e.agreed_with_reporter {
            policy_terms.push("the date is agreed with the reporter".into());
        }
        if e.accelerate_if_exploited {
            policy_terms.push("active exploitation brings the date forward".into());
        }
    }
    if let Some(lead) = policy.prenotification.as_ref().and_then(|p| p.lead_time) {
        policy_terms.push(format!("pre-notification {lead} before the end"));
    }
    let events = case::events(db, view.row.id).await?;
    let reporter_proposals: Vec<String> = events
        .iter()
        .rev()
        .filter(|e| e.kind == "disclosure_proposed")
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
        .filter(|d| d["by"] == "reporter")
        .filter_map(|d| d["date"].as_str().map(str::to_owned))
        .collect();
    let tz = embargo
        .as_ref()
        .map(|e| e.row.time_zone.clone())
        .unwrap_or_else(|| policy.calendar.time_zone.name.clone());
    let (default_date, default_time) = match (&embargo, reporter_proposals.first()) {
        (Some(e), _) => {
            let z = jiff::tz::TimeZone::get(&tz).map_err(AppError::internal)?;
            let local = e.ends_at.to_zoned(z);
            (
                local.date().to_string(),
                local.strftime("%H:%M").to_string(),
            )
        }
        (None, Some(d)) => (d.clone(), "14:00".into()),
        (None, None) => {
            let calendar = embargo_domain::calendar::BusinessCalendar::from_spec(&policy.calendar)
                .map_err(AppError::internal)?;
            let end = embargo_domain::embargo::default_end(
                policy.embargo.as_ref(),
                &calendar,
                service::to_jiff(view.row.received_at),
            );
            (
                end.and_then(|t| {
                    jiff::tz::TimeZone::get(&tz)
                        .ok()
                        .map(|z| t.to_zoned(z).date().to_string())
                })
                .unwrap_or_default(),
                "14:00".into(),
            )
        }
    };
    let people = coord::participants(state, view.row.id).await?;
    let views = store::view_summary(db, view.row.id).await?;
    let participants = people
        .iter()
        .map(|p| ParticipantRow {
            id: p.row.id,
            label: p.label(),
            email: p.contact.email.clone(),
            role: p.role.as_str(),
            group: p.contact.group.clone(),
            nda: match (p.role.needs_nda(), p.row.nda_accepted_at) {
                (false, _) => "not needed".into(),
                (true, Some(t)) => format!("accepted {}", fmt(t)),
                (true, None) => "not accepted yet".into(),
            },
            active: p.active(),
            views: views
                .iter()
                .find(|v| v.0 == p.row.id)
                .map(|(_, n, last)| format!("{n} (last {})", fmt(*last)))
                .unwrap_or_else(|| "never opened".into()),
            encrypted: p.contact.pgp_key.is_some(),
        })
        .collect();
    let stated = super::status::statuses(state, view.row.id).await?;
    let products = super::status::products(state, view.row.id, &stated).await?;
    let matrix = people
        .iter()
        .filter(|p| p.role == ParticipantRole::Vendor)
        .map(|p| MatrixRow {
            organisation: p.label(),
            cells: products
                .iter()
                .map(|prod| {
                    match stated.iter().find(|s| {
                        s.participant_id == p.row.id && s.product.eq_ignore_ascii_case(prod)
                    }) {
                        Some(s) => (
                            status_class(s.status),
                            s.status.label(),
                            format!("{} ({})", s.statement, s.stated_on),
                        ),
                        None => ("muted", "has not answered", String::new()),
                    }
                })
                .collect(),
        })
        .collect();
    let prenotified = store::prenotifications(db, view.row.id)
        .await?
        .into_iter()
        .map(|n| {
            (
                people
                    .iter()
                    .find(|p| p.row.id == n.participant_id)
                    .map(|p| p.label())
                    .unwrap_or_default(),
                fmt(n.sent_at),
                n.acknowledged_at.map(fmt),
            )
        })
        .collect();
    let mut thread = Vec::new();
    for m in store::messages(db, view.row.id).await? {
        let author = match m.participant_id {
            Some(id) => people
                .iter()
                .find(|p| p.row.id == id)
                .map(|p| p.label())
                .unwrap_or_else(|| "participant".into()),
            None => match m.author.strip_prefix("user:").and_then(|i| i.parse().ok()) {
                Some(uid) => user::by_id(db, uid)
                    .await?
                    .map(|u| u.email)
                    .unwrap_or_else(|| "team".into()),
                None => "team".into(),
            },
        };
        thread.push(ThreadRow {
            author,
            at: fmt(m.created_at),
            body: coord::open_text(&state.keys, view.row.id, &m.body)?,
        });
    }
    Ok(CoordinationPage {
        chrome: a.chrome(format!("{} · coordination", view.row.reference), "cases"),
        reference: view.row.reference.clone(),
        program: prog.name.clone(),
        title: view.title.clone(),
        exploited: embargo
            .as_ref()
            .is_some_and(|e| e.row.exploited_at.is_some()),
        embargo,
        countdown,
        countdown_class,
        policy_terms,
        default_date,
        default_time,
        time_zone: tz,
        reporter_proposals,
        participants,
        roles: ParticipantRole::ALL
            .iter()
            .map(|r| (r.as_str(), r.describe()))
            .collect(),
        groups: policy
            .prenotification
            .as_ref()
            .map(|p| p.groups.clone())
            .unwrap_or_default(),
        products,
        matrix,
        prenotified,
        thread,
        can_triage: role.at_least(Role::Triager),
        is_admin: role == Role::Admin,
        error,
    })
}

fn status_class(s: VendorStatus) -> &'static str {
    match s {
        VendorStatus::Unknown => "muted",
        VendorStatus::Affected | VendorStatus::WillNotFix => "bad",
        VendorStatus::NotAffected | VendorStatus::Fixed => "ok",
    }
}

pub async fn get_coordination(
    State(state): State<AppState>,
    a: Authed,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    Ok(render(&page(&state, &a, &reference, None).await?))
}

fn by(a: &Authed, ctx: &RequestCtx) -> ChangeBy {
    ChangeBy {
        actor: embargo_domain::case::Actor::Team,
        id: a.actor(),
        ip: ctx.client_ip.to_string(),
    }
}

async fn or_page(
    state: &AppState,
    a: &Authed,
    reference: &str,
    r: AppResult<()>,
) -> AppResult<Response> {
    let (status, message) = match r {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/cases/{reference}/coordination")).into_response());
        }
        Err(AppError::Validation { message, .. }) => (StatusCode::BAD_REQUEST, message),
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, message),
        Err(e) => return Err(e),
    };
    Ok(render_status(
        status,
        &page(state, a, reference, Some(message)).await?,
    ))
}

/// Loads the case for a triager's change (others: 404).
async fn for_triager(state: &AppState, a: &Authed, reference: &str) -> AppResult<Loaded> {
    let loaded = case_for(state, a, reference).await?;
    if !loaded.3.at_least(Role::Triager) {
        return Err(AppError::NotFound);
    }
    Ok(loaded)
}

pub async fn post_embargo(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<coord::Proposal>,
) -> AppResult<Response> {
    let (view, _, policy, role) = for_triager(&state, &a, &reference).await?;
    let r = coord::propose(
        &state,
        &view,
        &policy,
        &f,
        &by(&a, &ctx),
        role == Role::Admin,
    )
    .await;
    or_page(&state, &a, &reference, r).await
}

pub async fn post_exploited(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let (view, _, policy, _) = for_triager(&state, &a, &reference).await?;
    let r = coord::mark_exploited(&state, &view, &policy, &by(&a, &ctx)).await;
    or_page(&state, &a, &reference, r).await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn post_participant(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<coord::Invite>,
) -> AppResult<Response> {
    let (view, prog, _, _) = for_triager(&state, &a, &reference).await?;
    let r = coord::invite(&state, &view, &prog, &f, &by(&a, &ctx))
        .await
        .map(|_| ());
    or_page(&state, &a, &reference, r).await
}

pub async fn post_revoke_participant(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path((reference, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let (view, _, _, _) = for_triager(&state, &a, &reference).await?;
    let r = coord::revoke(&state, &view, id, &by(&a, &ctx)).await;
    or_page(&state, &a, &reference, r).await
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

pub async fn post_coordination_message(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<MessageForm>,
) -> AppResult<Response> {
    let (view, prog, _, _) = case_for(&state, &a, &reference).await?;
    let r = coord::post_message(&state, &view, &prog, None, &by(&a, &ctx), &f.body).await;
    or_page(&state, &a, &reference, r).await
}
