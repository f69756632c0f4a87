//! The team's advisory pages: the list, the editor (record, CVE id, scheduling, admin-only
//! publish-now and withdrawal), opening a draft from a case, and a program's CVE pool.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::Role;
use embargo_domain::advisory::Advisory;
use embargo_domain::case::Actor;
use embargo_store::{advisory, program};
use serde::Deserialize;

use crate::advisory::service::{self, AdvisoryView, Edit};
use crate::auth::csrf::CsrfForm;
use crate::auth::session::{AdminUser, Authed};
use crate::case::service::ChangeBy;
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::publication;
use crate::state::AppState;

fn by(a: &Authed, ctx: &RequestCtx) -> ChangeBy {
    ChangeBy {
        actor: Actor::Team,
        id: a.actor(),
        ip: ctx.client_ip.to_string(),
    }
}

pub struct Row {
    pub id: String,
    pub title: String,
    pub program: String,
    pub status: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "advisory/list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

fn when(row: &advisory::Advisory) -> String {
    match (row.publish_at, row.published_at) {
        (Some(at), _) => format!("scheduled {}", at.format("%Y-%m-%d %H:%M UTC")),
        (None, Some(p)) => format!("published {}", p.format("%Y-%m-%d")),
        _ => String::new(),
    }
}

pub async fn get_advisories(State(state): State<AppState>, a: Authed) -> AppResult<Response> {
    let programs: std::collections::HashMap<i64, String> = program::list(state.store.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let rows = service::list(&state, &a)
        .await?
        .into_iter()
        .map(|(row, rec)| Row {
            id: row.advisory_id.clone(),
            title: rec.title,
            program: programs.get(&row.program_id).cloned().unwrap_or_default(),
            status: row.status.clone(),
            when: when(&row),
        })
        .collect();
    Ok(render(&ListPage {
        chrome: a.chrome("Advisories", "advisories"),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "advisory/edit.html")]
struct EditPage {
    chrome: Chrome,
    id: String,
    title: String,
    program: String,
    cases: Vec<(String, String)>,
    status: String,
    scheduled: Option<String>,
    published_revision: i32,
    public_url: Option<String>,
    version: i32,
    edit: Edit,
    problems: Vec<(String, String)>,
    error: Option<String>,
    cve: Option<(String, String)>,
    pool_left: usize,
    can_triage: bool,
    is_admin: bool,
    embargo_end: Option<String>,
    default_at: String,
}

fn edit_of(r: &Advisory) -> Edit {
    Edit {
        title: r.title.clone(),
        summary: r.summary.clone(),
        details: r.details.clone(),
        workarounds: r.workarounds.clone(),
        aliases: r.aliases.join("\n"),
        cwes: r.cwes.join("\n"),
        cvss: r.cvss.join("\n"),
        references: r
            .references
            .iter()
            .map(|x| format!("{} {}", x.kind.as_str(), x.url))
            .collect::<Vec<_>>()
            .join("\n"),
        credits: r
            .credits
            .iter()
            .map(|c| {
                format!(
                    "{} | {} | {} | {}",
                    c.kind.as_str(),
                    c.name,
                    c.contact.as_deref().unwrap_or(""),
                    if c.consent { "yes" } else { "no" }
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        affected: service::affected_toml(r),
        version: String::new(),
    }
}

async fn page(
    state: &AppState,
    a: &Authed,
    v: &AdvisoryView,
    edit: Option<Edit>,
    error: Option<String>,
) -> AppResult<EditPage> {
    let db = state.store.conn();
    let pool_left = advisory::cve_ids(db, v.program.id)
        .await?
        .iter()
        .filter(|c| c.state == advisory::CVE_AVAILABLE)
        .count();
    let mut embargo_end = None;
    for (reference, _) in &v.cases {
        if let Some(c) = embargo_store::case::by_reference(db, reference).await?
            && let Some(e) = advisory::embargo(db, c.id).await?
        {
            embargo_end = Some(e.ends_at);
        }
    }
    let default_at = v
        .row
        .publish_at
        .or(embargo_end)
        .unwrap_or_else(|| state.clock.now())
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    Ok(EditPage {
        chrome: a.chrome(
            format!("{} {}", v.row.advisory_id, v.record.title),
            "advisories",
        ),
        id: v.row.advisory_id.clone(),
        title: v.record.title.clone(),
        program: v.program.name.clone(),
        cases: v.cases.clone(),
        status: v.row.status.clone(),
        scheduled: v
            .row
            .publish_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        published_revision: v.row.published_revision,
        public_url: (v.row.published_revision > 0)
            .then(|| format!("/advisories/{}", v.row.advisory_id)),
        version: v.row.version,
        edit: edit.unwrap_or_else(|| edit_of(&v.record)),
        problems: v
            .record
            .publishable()
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect(),
        error,
        cve: v.cve.as_ref().map(|c| (c.cve_id.clone(), c.state.clone())),
        pool_left,
        can_triage: v.role.at_least(Role::Triager),
        is_admin: a.role == Role::Admin,
        embargo_end: embargo_end.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        default_at,
    })
}

pub async fn get_advisory(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let v = service::load(&state, &a, &id).await?;
    Ok(render(&page(&state, &a, &v, None, None).await?))
}

/// Back to the editor after a change, or the editor again with the error and what was typed.
async fn or_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    typed: Option<Edit>,
    r: AppResult<()>,
) -> AppResult<Response> {
    let status = match &r {
        Ok(()) => return Ok(Redirect::to(&format!("/team/advisories/{id}")).into_response()),
        Err(AppError::Validation { .. }) => StatusCode::BAD_REQUEST,
        Err(AppError::Conflict(_)) => StatusCode::CONFLICT,
        Err(AppError::Forbidden(_)) => StatusCode::FORBIDDEN,
        Err(_) => return r.map(|()| Response::default()),
    };
    let message = r.err().map(|e| e.to_string());
    let v = service::load(state, a, id).await?;
    Ok(render_status(
        status,
        &page(state, a, &v, typed, message).await?,
    ))
}

pub async fn post_advisory(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<Edit>,
) -> AppResult<Response> {
    let v = service::load(&state, &a, &id).await?;
    let r = service::save(&state, &by(&a, &ctx), &v, &f).await;
    or_page(&state, &a, &id, Some(f), r).await
}

#[derive(Deserialize)]
pub struct CveForm {
    #[serde(default)]
    external: String,
    #[serde(default)]
    version: String,
}

pub async fn post_advisory_cve(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CveForm>,
) -> AppResult<Response> {
    let v = service::load(&state, &a, &id).await?;
    if !v.role.at_least(Role::Triager) {
        return Err(AppError::NotFound);
    }
    let r = async {
        let version = service::version_of(&f.version)?;
        service::assign_cve(&state, &by(&a, &ctx), &v, Some(&f.external), version)
            .await
            .map(|_| ())
    }
    .await;
    or_page(&state, &a, &id, None, r).await
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    at: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
}

pub async fn post_advisory_schedule(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ScheduleForm>,
) -> AppResult<Response> {
    let v = service::load(&state, &a, &id).await?;
    if !v.role.at_least(Role::Triager) {
        return Err(AppError::NotFound);
    }
    let r = async {
        let version = service::version_of(&f.version)?;
        let at = chrono::DateTime::parse_from_rfc3339(f.at.trim())
            .map_err(|e| {
                AppError::validation(
                    "at",
                    format!("`{}` is not an RFC 3339 time: {e}", f.at.trim()),
                )
            })?
            .with_timezone(&chrono::Utc);
        service::schedule(
            &state,
            &by(&a, &ctx),
            &v,
            embargo_store::micros(at),
            &f.note,
            version,
        )
        .await
    }
    .await;
    or_page(&state, &a, &id, None, r).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub async fn post_advisory_publish(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    AdminUser(a): AdminUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    let v = service::load(&state, &a, &id).await?;
    let r = publication::service::publish_now(&state, &by(&a, &ctx), &v, &f.reason, &f.note).await;
    or_page(&state, &a, &id, None, r).await
}

pub async fn post_advisory_withdraw(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    AdminUser(a): AdminUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    let v = service::load(&state, &a, &id).await?;
    let r = publication::service::withdraw(&state, &by(&a, &ctx), &v, &f.reason).await;
    or_page(&state, &a, &id, None, r).await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn post_case_advisory(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: Authed,
    Path(reference): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let id = service::create_for_case(&state, &a, &by(&a, &ctx), &reference).await?;
    Ok(Redirect::to(&format!("/team/advisories/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "advisory/cve_pool.html")]
struct PoolPage {
    chrome: Chrome,
    slug: String,
    program: String,
    ids: Vec<(String, String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn pool_page(
    state: &AppState,
    a: &Authed,
    slug: &str,
    notice: Option<String>,
    error: Option<String>,
) -> AppResult<PoolPage> {
    let db = state.store.conn();
    let prog = program::by_slug(db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ids = Vec::new();
    for c in advisory::cve_ids(db, prog.id).await? {
        let adv = match c.advisory_id {
            Some(aid) => advisory::by_id(db, aid)
                .await?
                .map(|r| r.advisory_id)
                .unwrap_or_default(),
            None => String::new(),
        };
        ids.push((c.cve_id, c.state, adv));
    }
    Ok(PoolPage {
        chrome: a.chrome(format!("CVE ids · {}", prog.name), "programs"),
        slug: prog.slug,
        program: prog.name,
        ids,
        notice,
        error,
    })
}

pub async fn get_cve_pool(
    State(state): State<AppState>,
    AdminUser(a): AdminUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    Ok(render(&pool_page(&state, &a, &slug, None, None).await?))
}

#[derive(Deserialize)]
pub struct PoolForm {
    #[serde(default)]
    ids: String,
}

pub async fn post_cve_pool(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    AdminUser(a): AdminUser,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<PoolForm>,
) -> AppResult<Response> {
    let prog = program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    match service::import_pool(&state, &by(&a, &ctx), &prog, &f.ids).await {
        Ok((added, skipped)) => {
            let mut n = format!("{added} id(s) added to the pool.");
            if !skipped.is_empty() {
                n.push_str(&format!(" Already known, skipped: {}.", skipped.join(", ")));
            }
            Ok(render(&pool_page(&state, &a, &slug, Some(n), None).await?))
        }
        Err(AppError::Validation { message, .. }) => Ok(render_status(
            StatusCode::BAD_REQUEST,
            &pool_page(&state, &a, &slug, None, Some(message)).await?,
        )),
        Err(e) => Err(e),
    }
}
