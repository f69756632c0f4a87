//! The signed-in start page (the instance at a glance, the user's programs) and the per-program
//! dashboard: open cases by state and severity, time to acknowledge / assess / fix (median and
//! 90th percentile) and SLA compliance per clock over 30, 90 or 365 days, as server-drawn SVG.
//! A program's dashboard is for its team (any role) and admins; everyone else gets 404.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use embargo_domain::account::Role;
use embargo_domain::sla::ClockKind;
use embargo_domain::stats::ClockStats;
use embargo_formats::chart::{self, Bar};
use embargo_store::{audit, program, user};
use serde::Deserialize;

use crate::auth::session::Authed;
use crate::case::api::program_role;
use crate::dashboard::service::{self, DEFAULT_WINDOW, WINDOWS, human};
use crate::error::{AppError, AppResult};
use crate::page::{Chrome, render};
use crate::program::service as programs;
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
    /// (slug, name, the user's role in it).
    programs: Vec<(String, String, String)>,
}

pub async fn get_dashboard(State(state): State<AppState>, a: Authed) -> AppResult<Response> {
    let db = state.store.conn();
    let is_admin = a.role == Role::Admin;
    let recent = if is_admin {
        audit::recent(db, 8)
            .await?
            .into_iter()
            .map(|e| (e.at.format("%Y-%m-%d %H:%M").to_string(), e.action, e.actor))
            .collect()
    } else {
        Vec::new()
    };
    let programs = programs::visible_to(&state.store, a.user.id, a.role)
        .await?
        .into_iter()
        .map(|(p, r)| (p.slug, p.name, r.to_string()))
        .collect();
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
        programs,
    }))
}

/// `?days=30|90|365`; anything else shows the default window.
#[derive(Debug, Default, Deserialize)]
pub struct WindowQuery {
    #[serde(default)]
    pub days: String,
}

/// One row of the response-times table.
pub struct TimeRow {
    pub id: &'static str,
    pub label: &'static str,
    pub median: String,
    pub p90: String,
    pub n: usize,
}

/// One clock's compliance.
pub struct ComplianceRow {
    pub id: &'static str,
    pub label: &'static str,
    pub svg: String,
    /// "target 7 days", "target per channel", or why there is no figure.
    pub target: String,
}

#[derive(Template)]
#[template(path = "dashboard/program.html")]
struct ProgramDashboard {
    chrome: Chrome,
    name: String,
    slug: String,
    days: u32,
    /// (days, label, current).
    windows: Vec<(u32, &'static str, bool)>,
    open_total: i64,
    received: usize,
    state_chart: String,
    severity_chart: String,
    times: Vec<TimeRow>,
    compliance: Vec<ComplianceRow>,
    publishes: bool,
}

fn clock_id(k: ClockKind) -> &'static str {
    match k {
        ClockKind::Acknowledgement => "ack",
        ClockKind::InitialAssessment => "assess",
        ClockKind::StatusUpdate => "update",
        ClockKind::Resolution => "fix",
    }
}

fn time_rows(clocks: &[ClockStats]) -> Vec<TimeRow> {
    [
        (ClockKind::Acknowledgement, "Acknowledge"),
        (ClockKind::InitialAssessment, "Assess"),
        (ClockKind::Resolution, "Fix"),
    ]
    .into_iter()
    .map(|(kind, label)| {
        let d = clocks
            .iter()
            .find(|c| c.kind == kind)
            .and_then(|c| c.durations);
        TimeRow {
            id: clock_id(kind),
            label,
            median: d.map_or_else(|| "—".into(), |d| human(d.median)),
            p90: d.map_or_else(|| "—".into(), |d| human(d.p90)),
            n: d.map_or(0, |d| d.n),
        }
    })
    .collect()
}

fn compliance_rows(clocks: &[ClockStats], promised: &[ClockKind], days: u32) -> Vec<ComplianceRow> {
    clocks
        .iter()
        .filter(|c| promised.contains(&c.kind) || c.compliance.total() > 0)
        .map(|c| {
            let label = match c.kind {
                ClockKind::Acknowledgement => "Acknowledgement",
                ClockKind::InitialAssessment => "Initial assessment",
                ClockKind::StatusUpdate => "Status updates",
                ClockKind::Resolution => "Resolution (fix)",
            };
            let met = u64::try_from(c.compliance.met).unwrap_or(u64::MAX);
            let total = u64::try_from(c.compliance.total()).unwrap_or(u64::MAX);
            let target = match c.targets.as_slice() {
                [] if promised.contains(&c.kind) => "no deadline reached yet".to_owned(),
                [] => "no target in the policy".to_owned(),
                [t] => format!("target {t}"),
                _ => match c.kind {
                    ClockKind::Acknowledgement => "target per channel".to_owned(),
                    ClockKind::Resolution => "target per severity".to_owned(),
                    _ => "several targets".to_owned(),
                },
            };
            ComplianceRow {
                id: clock_id(c.kind),
                label,
                svg: chart::percent_bar(
                    &format!("{label}: met within target, last {days} days"),
                    met,
                    total,
                ),
                target,
            }
        })
        .collect()
}

/// `GET /programs/{slug}/dashboard`: the program's team and admins.
pub async fn get_program_dashboard(
    State(state): State<AppState>,
    a: Authed,
    Path(slug): Path<String>,
    Query(q): Query<WindowQuery>,
) -> AppResult<Response> {
    let p = program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if program_role(&state, a.user.id, a.role, p.id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let days = q
        .days
        .parse::<u32>()
        .ok()
        .filter(|d| WINDOWS.contains(d))
        .unwrap_or(DEFAULT_WINDOW);
    let policy = programs::policy_of(&p)?;
    let s = service::program_stats(&state.store, &p, &policy, state.now(), days).await?;
    let state_bars: Vec<Bar> = s
        .open_by_state
        .iter()
        .map(|(st, n)| Bar::new(st.as_str(), u64::try_from(*n).unwrap_or(0)))
        .collect();
    let severity_bars: Vec<Bar> = s
        .open_by_severity
        .iter()
        .map(|c| Bar {
            label: c.severity.map_or("Not scored", |s| s.label()).to_owned(),
            value: u64::try_from(c.n).unwrap_or(0),
            tone: c.severity.map_or("none", |s| match s {
                embargo_domain::policy::Severity::Critical => "critical",
                embargo_domain::policy::Severity::High => "high",
                embargo_domain::policy::Severity::Medium => "medium",
                embargo_domain::policy::Severity::Low => "low",
            }),
        })
        .collect();
    let promised = embargo_domain::stats::promised(&policy);
    Ok(render(&ProgramDashboard {
        chrome: a.chrome(format!("{} — dashboard", p.name), "dashboard"),
        state_chart: chart::bar_chart("Open cases by state", &state_bars),
        severity_chart: chart::bar_chart("Open cases by severity", &severity_bars),
        times: time_rows(&s.clocks),
        compliance: compliance_rows(&s.clocks, &promised, days),
        windows: WINDOWS
            .iter()
            .map(|d| {
                let label = match d {
                    30 => "30 days",
                    90 => "90 days",
                    _ => "365 days",
                };
                (*d, label, *d == days)
            })
            .collect(),
        days,
        open_total: s.open_total,
        received: s.received,
        publishes: policy.clocks.publish_responsiveness,
        name: p.name,
        slug: p.slug,
    }))
}
