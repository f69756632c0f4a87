//! The team's side: the triage queue and the case page (fields, thread and internal notes,
//! state changes with reasons, severity from a CVSS vector, assignment, SLA clocks).
//!
//! Who may do what, per program: every member reads; developers add internal notes;
//! triagers (and admins) answer the reporter, change state and severity, and assign.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::Role;
use embargo_domain::case::{
    Actor, CaseRef, CaseState, TransitionInput, allowed_targets, reason_hint,
};
use embargo_domain::sla::ClockState;
use embargo_store::{case, program, user};
use serde::Deserialize;

use crate::auth::csrf::CsrfForm;
use crate::auth::session::Authed;
use crate::case::api::program_role;
use crate::case::service::{self, ChangeBy, Post};
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::program::service as programs;
use crate::state::AppState;

pub struct QueueRow {
    pub reference: String,
    pub title: String,
    pub program: String,
    pub state: String,
    pub severity: String,
    pub age: String,
    pub due: String,
    /// `ok`, `warn` (within a day) or `bad` (breached).
    pub due_class: &'static str,
}

#[derive(Template)]
#[template(path = "case/queue.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    total: u64,
    programs: Vec<(String, String)>,
    states: Vec<&'static str>,
    q: QueueQuery,
    /// People cases can be assigned to in bulk: (user id, e-mail); empty when the user
    /// triages no program.
    assignees: Vec<(i64, String)>,
    notice: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub program: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub mine: String,
    #[serde(default)]
    pub sort: String,
    /// Set after a bulk assignment: how many cases were assigned.
    #[serde(default)]
    pub assigned: Option<u32>,
}

fn age(now: embargo_store::Ts, then: embargo_store::Ts) -> String {
    let d = now - then;
    if d.num_days() >= 1 {
        format!("{} d", d.num_days())
    } else if d.num_hours() >= 1 {
        format!("{} h", d.num_hours())
    } else {
        format!("{} min", d.num_minutes().max(0))
    }
}

pub async fn get_queue(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let visible = programs::visible_to(&state.store, a.user.id, a.role).await?;
    let chosen: Vec<&program::Program> = visible
        .iter()
        .map(|(p, _)| p)
        .filter(|p| q.program.is_empty() || p.slug == q.program)
        .collect();
    let tokens: Vec<String> = crate::report::intake::words(&q.q)
        .iter()
        .map(|w| state.keys.blind("word", w))
        .collect();
    let filter = case::QueueFilter {
        program_ids: chosen.iter().map(|p| p.id).collect(),
        states: if q.state.is_empty() || q.state == "open" {
            Vec::new()
        } else {
            vec![q.state.clone()]
        },
        hidden_states: if q.state.is_empty() || q.state == "open" {
            CaseState::ALL
                .iter()
                .filter(|s| !s.is_open())
                .map(|s| s.as_str().to_owned())
                .collect()
        } else {
            Vec::new()
        },
        assignee_id: (q.mine == "1").then_some(a.user.id),
        tokens,
        newest_first: q.sort != "oldest",
        limit: 100,
        offset: 0,
    };
    let (cases, total) = case::queue(state.store.conn(), &filter).await?;
    let now = state.now();
    let mut rows = Vec::with_capacity(cases.len());
    // Each program's policy is read once per page, not once per row.
    let mut policies = std::collections::HashMap::new();
    for p in &chosen {
        policies.insert(p.id, programs::policy_of(p)?);
    }
    for c in cases {
        let (Some(p), Some(policy)) = (
            chosen.iter().find(|p| p.id == c.program_id),
            policies.get(&c.program_id),
        ) else {
            continue;
        };
        let events = case::events(state.store.conn(), c.id).await?;
        let clocks = service::clocks(policy, &events, now)?;
        let nearest = clocks
            .clocks
            .iter()
            .filter(|k| {
                matches!(k.state, ClockState::Running | ClockState::Breached)
                    && k.completed.is_none()
            })
            .filter_map(|k| k.deadline.map(|d| (d, k)))
            .min_by_key(|(d, _)| *d);
        let (due, due_class) = match nearest {
            Some((d, k)) => {
                let left = d.as_microsecond() - service::to_jiff(now).as_microsecond();
                let class = if left < 0 {
                    "bad"
                } else if left < 86_400_000_000 {
                    "warn"
                } else {
                    "ok"
                };
                (
                    format!(
                        "{} by {}",
                        k.kind.describe(),
                        service::local_time(policy, d)
                    ),
                    class,
                )
            }
            None => ("—".into(), "muted"),
        };
        let view = service::open(&state.keys, c)?;
        rows.push(QueueRow {
            reference: view.row.reference.clone(),
            title: view.title.clone(),
            program: p.name.clone(),
            state: view.row.state.clone(),
            severity: view.row.severity.clone().unwrap_or_else(|| "—".into()),
            age: age(now, view.row.received_at),
            due,
            due_class,
        });
    }
    let mut assignees = Vec::new();
    for (p, role) in &visible {
        if !role.at_least(Role::Triager) {
            continue;
        }
        for m in program::members(state.store.conn(), p.id).await? {
            if let Some(u) = user::by_id(state.store.conn(), m.user_id).await?
                && u.disabled_at.is_none()
            {
                assignees.push((u.id, u.email));
            }
        }
        assignees.push((a.user.id, a.user.email.clone()));
    }
    assignees.sort_by(|x, y| x.1.cmp(&y.1));
    assignees.dedup();
    let notice = q.assigned.map(|n| format!("{n} case(s) assigned."));
    Ok(render(&QueuePage {
        chrome: a.chrome("Cases", "cases"),
        rows,
        total,
        assignees,
        notice,
        programs: visible
            .iter()
            .map(|(p, _)| (p.slug.clone(), p.name.clone()))
            .collect(),
        states: CaseState::ALL.iter().map(|s| s.as_str()).collect(),
        q,
    }))
}

/// Assigns the ticked cases of the queue to one person (or to nobody). Each case is checked
/// on its own: the caller must triage its program and the assignee must be on its team;
/// cases that fail are left as they were and named.
pub async fn post_bulk_assign(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let (mut csrf, mut assignee, mut refs) = (String::new(), String::new(), Vec::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf_token" => csrf = v.into_owned(),
            "assignee" => assignee = v.into_owned(),
            "case" => refs.push(v.into_owned()),
            _ => {}
        }
    }
    crate::auth::csrf::verify_token(&state, &headers, &csrf).await?;
    if refs.is_empty() {
        return Err(AppError::validation("case", "tick at least one case"));
    }
    let assignee = assignee.parse::<i64>().ok();
    let (mut done, mut refused) = (0u32, Vec::new());
    for reference in refs.iter().take(500) {
        let result = async {
            let (view, _, _, role) = case_for(&state, &a, reference).await?;
            if !role.at_least(Role::Triager) {
                return Err(AppError::NotFound);
            }
            service::assign(
                &state.store,
                &view,
                assignee,
                view.row.version,
                &by(&a, &ctx),
                state.now(),
            )
            .await
        }
        .await;
        match result {
            Ok(_) => done += 1,
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
            Err(_) => refused.push(reference.clone()),
        }
    }
    if !refused.is_empty() {
        return Err(AppError::Validation {
            field: Some("assignee".into()),
            message: format!(
                "{done} case(s) assigned; not assigned (not yours to triage, or the person is not on that program's team): {}",
                refused.join(", ")
            ),
        });
    }
    Ok(Redirect::to(&format!("/cases?assigned={done}")).into_response())
}

pub struct MessageRow {
    pub author: String,
    pub internal: bool,
    pub at: String,
    pub body: String,
}

pub struct ClockRow {
    pub what: &'static str,
    pub state: String,
    pub deadline: String,
    pub class: &'static str,
}

pub struct TargetRow {
    pub state: &'static str,
    pub hint: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "case/page.html")]
struct CasePage {
    chrome: Chrome,
    reference: String,
    program: String,
    slug: String,
    title: String,
    state: String,
    severity: String,
    version: i32,
    fields: Vec<(String, String)>,
    reporter_email: String,
    messages: Vec<MessageRow>,
    clocks: Vec<ClockRow>,
    targets: Vec<TargetRow>,
    timeline: Vec<(String, String, String)>,
    /// (user id, e-mail, is the assignee).
    members: Vec<(i64, String, bool)>,
    can_triage: bool,
    can_note: bool,
    canned: Vec<(String, String)>,
    version_answer: Option<String>,
    /// The team's CVSS vectors with scores, oldest first.
    vectors: Vec<String>,
    /// (id, file name, type, size in KiB).
    attachments: Vec<(i64, String, String, i64)>,
    /// CVE eligibility from the policy: eligible, reasons, assigner.
    cve: embargo_domain::cve::CveEligibility,
    /// Possible duplicates: (reference, title, state, why).
    similar: Vec<(String, String, String, String)>,
    /// Feed records the report may duplicate: (id, summary, why).
    known: Vec<(String, String, String)>,
    /// The calculator: (metric, name, [(value, label, chosen)]).
    calculator: Vec<CalculatorRow>,
    /// Canned responses to preview: (id, name).
    responses: Vec<(String, String)>,
    /// The chosen response, rendered, in the reply box.
    draft: String,
    chosen: String,
    /// The case's advisories (id, status), shown to developers and up.
    advisories: Vec<(String, String)>,
    error: Option<String>,
}

async fn case_for(
    state: &AppState,
    a: &Authed,
    reference: &str,
) -> AppResult<(
    service::CaseView,
    program::Program,
    embargo_domain::policy::Policy,
    Role,
)> {
    let row = case::by_reference(state.store.conn(), reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = program_role(state, a.user.id, a.role, row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (view, prog, policy) = service::load(&state.store, &state.keys, row).await?;
    Ok((view, prog, policy, role))
}

/// Public feed records the report may describe ("already known?"): see
/// `embargo_feed::known`.
async fn known_in_feed(
    state: &AppState,
    view: &service::CaseView,
    policy: &embargo_domain::policy::Policy,
) -> AppResult<Vec<(String, String, String)>> {
    let mut text = view.title.clone();
    for f in view.report.fields.values() {
        text.push('\n');
        text.push_str(f);
    }
    let report = embargo_feed::known::Report {
        text: &text,
        version: view
            .report
            .fields
            .get("affected-version")
            .map(String::as_str),
        packages: &policy.program.packages,
    };
    let found = embargo_feed::known::candidates(state.store.conn(), &report)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(found
        .into_iter()
        .map(|c| {
            let id = if c.withdrawn {
                format!("{} (withdrawn)", c.id)
            } else {
                c.id
            };
            (id, c.summary.unwrap_or_default(), c.reasons.join("; "))
        })
        .collect())
}

/// Other cases of the program that may be the same issue: the same CVE/GHSA identifiers, the
/// same affected version with a similar title, or much of the same wording (blind-index tokens
/// shared). The reasons are shown with each.
async fn similar_cases(
    state: &AppState,
    view: &service::CaseView,
) -> AppResult<Vec<(String, String, String, String)>> {
    let text = |v: &service::CaseView| {
        let mut t = v.title.clone();
        for f in v.report.fields.values() {
            t.push(' ');
            t.push_str(f);
        }
        t
    };
    let ids = embargo_domain::cve::find_ids(&text(view));
    let version = view
        .report
        .fields
        .get("affected-version")
        .map(|v| v.trim().to_owned());
    let db = state.store.conn();
    let mut out = Vec::new();
    for (row, shared, total) in case::similar(db, view.row.program_id, view.row.id, 3, 20).await? {
        let other = service::open(&state.keys, row)?;
        let mut why = Vec::new();
        let same_ids: Vec<String> = embargo_domain::cve::find_ids(&text(&other))
            .into_iter()
            .filter(|i| ids.contains(i))
            .collect();
        if !same_ids.is_empty() {
            why.push(format!("same identifier {}", same_ids.join(", ")));
        }
        if version.is_some()
            && other
                .report
                .fields
                .get("affected-version")
                .map(|v| v.trim().to_owned())
                == version
        {
            why.push(format!(
                "same affected version {}",
                version.as_deref().unwrap_or_default()
            ));
        }
        let pct = shared * 100 / total.max(1);
        if pct >= 40 {
            why.push(format!("{pct}% of its words in common"));
        }
        // A shared version alone is common; it counts with similar wording or identifiers.
        let strong = !same_ids.is_empty() || pct >= 40;
        if strong {
            out.push((
                other.row.reference.clone(),
                other.title.clone(),
                other.row.state.clone(),
                why.join("; "),
            ));
        }
        if out.len() >= 5 {
            break;
        }
    }
    Ok(out)
}

async fn case_page(
    state: &AppState,
    a: &Authed,
    reference: &str,
    error: Option<String>,
) -> AppResult<CasePage> {
    case_page_with(state, a, reference, error, None).await
}

async fn case_page_with(
    state: &AppState,
    a: &Authed,
    reference: &str,
    mut error: Option<String>,
    reply: Option<&str>,
) -> AppResult<CasePage> {
    let (view, prog, policy, role) = case_for(state, a, reference).await?;
    let db = state.store.conn();
    let now = state.now();
    let mut messages = Vec::new();
    for m in case::messages(db, view.row.id, true).await? {
        let author = match (m.author.as_str(), m.author_user_id) {
            ("reporter", _) => "Reporter".to_owned(),
            (_, Some(uid)) => user::by_id(db, uid)
                .await?
                .map(|u| u.email)
                .unwrap_or_else(|| "team".into()),
            _ => "Security team".to_owned(),
        };
        messages.push(MessageRow {
            author,
            internal: m.visibility == "internal",
            at: m.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            body: service::open_message(&state.keys, &view.row.reference, &m)?,
        });
    }
    let events = case::events(db, view.row.id).await?;
    let report = service::clocks(&policy, &events, now)?;
    let clocks = report
        .clocks
        .iter()
        .map(|c| ClockRow {
            what: c.kind.describe(),
            state: format!("{:?}", c.state)
                .to_lowercase()
                .replace("notapplicable", "not applicable"),
            deadline: c
                .deadline
                .map(|d| service::local_time(&policy, d))
                .unwrap_or_else(|| "—".into()),
            class: match c.state {
                ClockState::Breached => "bad",
                ClockState::Met => "ok",
                ClockState::Running => "warn",
                _ => "muted",
            },
        })
        .collect();
    let previous = view
        .row
        .previous_state
        .as_deref()
        .and_then(|p| p.parse().ok());
    let targets = allowed_targets(view.state, Actor::Team, previous)
        .into_iter()
        .map(|t| TargetRow {
            state: t.as_str(),
            hint: reason_hint(view.state, t),
        })
        .collect();
    let timeline = events
        .iter()
        .rev()
        .take(50)
        .map(|e| {
            (
                e.at.format("%Y-%m-%d %H:%M").to_string(),
                e.kind.clone(),
                e.actor.clone(),
            )
        })
        .collect();
    let mut members = Vec::new();
    for m in program::members(db, prog.id).await? {
        if let Some(u) = user::by_id(db, m.user_id).await? {
            members.push((u.id, u.email, view.row.assignee_id == Some(u.id)));
        }
    }
    let mut attachments = Vec::new();
    for at in case::attachments(db, view.row.id).await? {
        let name = service::open_attachment_name(&state.keys, &view.row.reference, &at)?;
        attachments.push((
            at.id,
            name,
            at.content_type.clone(),
            (at.size + 1023) / 1024,
        ));
    }
    let version_answer = view
        .report
        .fields
        .get("affected-version")
        .zip(policy.supported.as_ref())
        .map(|(v, sv)| embargo_domain::supported::evaluate(sv, v, programs::today(now), None))
        .map(|a| format!("{:?}: {}", a.verdict, a.answer));
    // The facts this page can know; the others are the policy's defaults until the feed's
    // "already public?" check exists (issue 6), and the page says so.
    let cve = embargo_domain::cve::eligibility(
        policy.cve.as_ref(),
        &embargo_domain::cve::CveFacts {
            first_party: true,
            known_to_us: false,
            already_public: false,
            severity: view
                .row
                .severity
                .as_deref()
                .and_then(service::severity_band),
        },
    );
    let similar = similar_cases(state, &view).await?;
    let known = known_in_feed(state, &view, &policy).await?;
    let canned_responses = super::response::all(&policy, &program::templates(db, prog.id).await?);
    let mut draft = String::new();
    if let Some(id) = reply
        && let Some(c) = canned_responses.iter().find(|c| c.id == id)
    {
        let vars = super::response::variables(
            &view,
            &prog,
            &policy,
            &state.public_url,
            programs::today(now),
        );
        match super::response::render(&c.source, &vars) {
            Ok(text) => draft = text,
            Err(e) => {
                error = Some(format!(
                    "The response \"{}\" cannot be rendered: {e}",
                    c.name
                ))
            }
        }
    }
    let canned = policy
        .scope
        .non_qualifying
        .iter()
        .map(|c| {
            (
                c.category.clone(),
                c.response.clone().unwrap_or_else(|| c.description.clone()),
            )
        })
        .collect();
    Ok(CasePage {
        chrome: a.chrome(view.row.reference.clone(), "cases"),
        reference: view.row.reference.clone(),
        program: prog.name.clone(),
        slug: prog.slug.clone(),
        title: view.title.clone(),
        state: view.row.state.clone(),
        severity: view
            .row
            .severity
            .clone()
            .unwrap_or_else(|| "not set".into()),
        version: view.row.version,
        fields: {
            // Labels as the form showed them; fields the policy no longer asks for keep their id.
            let labels = crate::report::intake::form_fields(&policy);
            view.report
                .fields
                .iter()
                .filter(|(k, _)| k.as_str() != "title")
                .map(|(k, v)| {
                    (
                        labels
                            .iter()
                            .find(|f| &f.id == k)
                            .map(|f| f.label.clone())
                            .unwrap_or_else(|| k.clone()),
                        v.clone(),
                    )
                })
                .collect()
        },
        vectors: events
            .iter()
            .filter(|e| e.kind == "severity_set")
            .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
            .map(|d| {
                format!(
                    "{} — {} ({})",
                    d["vector"].as_str().unwrap_or(""),
                    d["score"],
                    d["severity"].as_str().unwrap_or("none")
                )
            })
            .collect(),
        attachments,
        cve,
        similar,
        known,
        responses: canned_responses
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
        draft,
        chosen: reply.unwrap_or_default().to_owned(),
        calculator: {
            // Start from the team's latest 3.1 vector, else the reporter's, else the first value.
            let team: Vec<String> = events
                .iter()
                .filter(|e| e.kind == "severity_set")
                .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
                .filter_map(|d| d["vector"].as_str().map(str::to_owned))
                .collect();
            let current = team
                .iter()
                .rev()
                .chain(view.report.fields.get("cvss-vector"))
                .find(|v| v.starts_with("CVSS:3.1/"))
                .cloned()
                .unwrap_or_default();
            CVSS31_METRICS
                .iter()
                .map(|(m, name, values)| {
                    let chosen = current
                        .split('/')
                        .find_map(|part| part.strip_prefix(&format!("{m}:")))
                        .unwrap_or(values[0].0);
                    (
                        *m,
                        *name,
                        values
                            .iter()
                            .map(|(v, label)| (*v, *label, *v == chosen))
                            .collect(),
                    )
                })
                .collect()
        },
        reporter_email: view
            .reporter
            .email
            .clone()
            .unwrap_or_else(|| "— (tracking link only)".into()),
        messages,
        clocks,
        targets,
        timeline,
        members,
        can_triage: role.at_least(Role::Triager),
        can_note: role.at_least(Role::Developer),
        canned,
        version_answer,
        advisories: if role.at_least(Role::Developer) {
            embargo_store::advisory::for_case(state.store.conn(), view.row.id)
                .await?
                .into_iter()
                .map(|a| (a.advisory_id, a.status))
                .collect()
        } else {
            Vec::new()
        },
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    /// A canned response to render into the reply box.
    #[serde(default)]
    reply: Option<String>,
}

pub async fn get_case(
    State(state): State<AppState>,
    a: Authed,
    Path(reference): Path<String>,
    Query(q): Query<CaseQuery>,
) -> AppResult<Response> {
    Ok(render(
        &case_page_with(&state, &a, &reference, None, q.reply.as_deref()).await?,
    ))
}

fn by(a: &Authed, ctx: &RequestCtx) -> ChangeBy {
    ChangeBy {
        actor: Actor::Team,
        id: a.actor(),
        ip: ctx.client_ip.to_string(),
    }
}

/// Re-renders the case page with the error, or passes other errors on.
async fn or_page(
    state: &AppState,
    a: &Authed,
    reference: &str,
    r: AppResult<()>,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{reference}")).into_response()),
        Err(AppError::Validation { message, .. }) => Ok(render_status(
            StatusCode::BAD_REQUEST,
            &case_page(state, a, reference, Some(message)).await?,
        )),
        Err(AppError::Conflict(message)) => Ok(render_status(
            StatusCode::CONFLICT,
            &case_page(state, a, reference, Some(message)).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
    #[serde(default)]
    version: String,
}

pub async fn post_state(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<StateForm>,
) -> AppResult<Response> {
    let (view, _, _, role) = case_for(&state, &a, &reference).await?;
    if !role.at_least(Role::Triager) {
        return Err(AppError::NotFound);
    }
    let result = async {
        let to: CaseState =
            f.to.parse()
                .map_err(|e: embargo_domain::case::UnknownState| {
                    AppError::validation("to", e.to_string())
                })?;
        let mut input = TransitionInput::team();
        if !f.reason.trim().is_empty() {
            input = input.reason(f.reason.trim());
        }
        if !f.duplicate_of.trim().is_empty() {
            let original: CaseRef = f.duplicate_of.trim().parse().map_err(
                |e: embargo_domain::case::CaseRefError| {
                    AppError::validation("duplicate_of", e.to_string())
                },
            )?;
            input = input.duplicate_of(original);
        }
        let version = f
            .version
            .parse()
            .map_err(|_| AppError::validation("version", "reload the page"))?;
        service::change_state(&state, &view, to, input, version, &by(&a, &ctx))
            .await
            .map(|_| ())
    }
    .await;
    or_page(&state, &a, &reference, result).await
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
    /// `thread` (to the reporter) or `internal`.
    #[serde(default)]
    visibility: String,
}

pub async fn post_message(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<MessageForm>,
) -> AppResult<Response> {
    let (view, _, _, role) = case_for(&state, &a, &reference).await?;
    let visibility = if f.visibility == "thread" {
        "thread"
    } else {
        "internal"
    };
    let needed = if visibility == "thread" {
        Role::Triager
    } else {
        Role::Developer
    };
    if !role.at_least(needed) {
        return Err(AppError::NotFound);
    }
    let post = Post {
        body: &f.body,
        visibility,
        via: "web",
        user_id: Some(a.user.id),
        attachments: &[],
    };
    let r = service::post_message(&state, &view, post, &by(&a, &ctx)).await;
    or_page(&state, &a, &reference, r).await
}

#[derive(Deserialize)]
pub struct SeverityForm {
    #[serde(default)]
    vector: String,
    #[serde(default)]
    version: String,
    /// The calculator's choices, one per CVSS 3.1 base metric (`m_AV` …).
    #[serde(flatten)]
    metrics: std::collections::BTreeMap<String, String>,
}

/// CVSS 3.1 base metrics for the calculator (FIRST CVSS v3.1 specification §2), in vector
/// order: (abbreviation, name, values).
/// (abbreviation, name, [(value, label)]).
pub type Metric = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);
/// A calculator row on the page: (metric, name, [(value, label, chosen)]).
pub type CalculatorRow = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str, bool)>,
);

pub const CVSS31_METRICS: &[Metric] = &[
    (
        "AV",
        "Attack vector",
        &[
            ("N", "Network"),
            ("A", "Adjacent"),
            ("L", "Local"),
            ("P", "Physical"),
        ],
    ),
    ("AC", "Attack complexity", &[("L", "Low"), ("H", "High")]),
    (
        "PR",
        "Privileges required",
        &[("N", "None"), ("L", "Low"), ("H", "High")],
    ),
    (
        "UI",
        "User interaction",
        &[("N", "None"), ("R", "Required")],
    ),
    ("S", "Scope", &[("U", "Unchanged"), ("C", "Changed")]),
    (
        "C",
        "Confidentiality",
        &[("H", "High"), ("L", "Low"), ("N", "None")],
    ),
    (
        "I",
        "Integrity",
        &[("H", "High"), ("L", "Low"), ("N", "None")],
    ),
    (
        "A",
        "Availability",
        &[("H", "High"), ("L", "Low"), ("N", "None")],
    ),
];

/// The vector the calculator's choices make, when every metric was chosen.
fn calculator_vector(metrics: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let mut v = String::from("CVSS:3.1");
    for (m, _, _) in CVSS31_METRICS {
        let value = metrics.get(&format!("m_{m}"))?;
        v.push_str(&format!("/{m}:{value}"));
    }
    Some(v)
}

pub async fn post_severity(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<SeverityForm>,
) -> AppResult<Response> {
    let (view, _, policy, role) = case_for(&state, &a, &reference).await?;
    if !role.at_least(Role::Triager) {
        return Err(AppError::NotFound);
    }
    // The calculator works without JavaScript: it posts its choices, we build the vector (and
    // the usual validation explains anything wrong with it).
    let vector = if f.vector.trim().is_empty() {
        calculator_vector(&f.metrics).unwrap_or_default()
    } else {
        f.vector.clone()
    };
    let r = match f.version.parse() {
        Ok(v) => service::set_severity(
            &state.store,
            &view,
            &vector,
            &policy,
            v,
            &by(&a, &ctx),
            state.now(),
        )
        .await
        .map(|_| ()),
        Err(_) => Err(AppError::validation("version", "reload the page")),
    };
    or_page(&state, &a, &reference, r).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    version: String,
}

pub async fn post_assign(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> AppResult<Response> {
    let (view, _, _, role) = case_for(&state, &a, &reference).await?;
    if !role.at_least(Role::Triager) {
        return Err(AppError::NotFound);
    }
    let assignee = f.assignee.parse::<i64>().ok();
    let r = match f.version.parse() {
        Ok(v) => service::assign(&state.store, &view, assignee, v, &by(&a, &ctx), state.now())
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::validation("version", "reload the page")),
    };
    or_page(&state, &a, &reference, r).await
}

/// Downloads an attachment: decrypted, always as a download with the sniffed type, never
/// rendered by the browser.
pub async fn get_attachment(
    State(state): State<AppState>,
    a: Authed,
    Path((reference, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (view, _, _, _) = case_for(&state, &a, &reference).await?;
    let at = case::attachment(state.store.conn(), view.row.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = service::open_attachment_name(&state.keys, &reference, &at)?;
    let data = state
        .keys
        .open_bytes(
            &at.data,
            &crate::report::intake::sealing_context(&reference, "attachment"),
        )
        .map_err(|e| AppError::internal(anyhow::anyhow!("attachment {id} of {reference}: {e}")))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\'], "_")
    );
    let mut res = data.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        at.content_type
            .parse()
            .unwrap_or(axum::http::HeaderValue::from_static(
                "application/octet-stream",
            )),
    );
    if let Ok(v) = disposition.parse() {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
