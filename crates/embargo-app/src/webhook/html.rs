//! Admin pages: a program's webhooks (add, pause, remove; the secret shown once) with their
//! recent deliveries.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use embargo_store::{outbox, program};
use serde::Deserialize;

use crate::admin::service::Actor;
use crate::auth::csrf::CsrfForm;
use crate::auth::session::AdminUser;
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render_status};
use crate::state::AppState;

use super::{EVENTS, service};

pub struct HookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub active: bool,
}

pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub state: String,
    pub attempts: i32,
    pub created: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "webhook/list.html")]
struct Page {
    chrome: Chrome,
    slug: String,
    name: String,
    hooks: Vec<HookRow>,
    deliveries: Vec<DeliveryRow>,
    events: &'static [&'static str],
    /// The secret of a webhook just added: shown once.
    new_secret: Option<String>,
    error: Option<String>,
}

async fn program_of(state: &AppState, slug: &str) -> AppResult<program::Program> {
    program::by_slug(state.store.conn(), slug)
        .await?
        .ok_or(AppError::NotFound)
}

async fn page(
    state: &AppState,
    a: &AdminUser,
    p: &program::Program,
    new_secret: Option<String>,
    error: Option<String>,
) -> AppResult<Page> {
    let db = state.store.conn();
    let hooks = outbox::webhooks(db, p.id).await?;
    let mut deliveries = Vec::new();
    for h in &hooks {
        for d in outbox::list(db, Some(outbox::WEBHOOK), None, Some(h.id), 20).await? {
            deliveries.push(DeliveryRow {
                id: d.id,
                webhook_id: h.id,
                event: d.event,
                state: d.state,
                attempts: d.attempts,
                created: d.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                last_error: d.last_error.unwrap_or_default(),
            });
        }
    }
    deliveries.sort_by_key(|d| std::cmp::Reverse(d.id));
    Ok(Page {
        chrome: a.0.chrome("Webhooks", "programs"),
        slug: p.slug.clone(),
        name: p.name.clone(),
        hooks: hooks
            .into_iter()
            .map(|h| HookRow {
                id: h.id,
                url: h.url,
                events: h.events,
                active: h.active,
            })
            .collect(),
        deliveries,
        events: EVENTS,
        new_secret,
        error,
    })
}

fn actor(a: &AdminUser, ctx: &RequestCtx) -> Actor {
    Actor {
        id: a.0.actor(),
        ip: ctx.client_ip.to_string(),
    }
}

pub async fn get_webhooks(
    State(state): State<AppState>,
    a: AdminUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = program_of(&state, &slug).await?;
    Ok(render_status(
        StatusCode::OK,
        &page(&state, &a, &p, None, None).await?,
    ))
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: String,
}

pub async fn post_webhook(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<AddForm>,
) -> AppResult<Response> {
    let p = program_of(&state, &slug).await?;
    match service::add(
        &state.store,
        &state.keys,
        &p,
        &f.url,
        &f.events,
        &actor(&a, &ctx),
        state.now(),
    )
    .await
    {
        Ok((_, secret)) => Ok(render_status(
            StatusCode::CREATED,
            &page(&state, &a, &p, Some(secret), None).await?,
        )),
        Err(AppError::Validation { message, .. }) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &a, &p, None, Some(message)).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn post_webhook_active(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(f): CsrfForm<ActiveForm>,
) -> AppResult<Response> {
    let p = program_of(&state, &slug).await?;
    service::set_active(
        &state.store,
        &p,
        id,
        f.active == "true",
        &actor(&a, &ctx),
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/programs/{slug}/webhooks")).into_response())
}

pub async fn post_webhook_remove(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<ActiveForm>,
) -> AppResult<Response> {
    let p = program_of(&state, &slug).await?;
    service::remove(&state.store, &p, id, &actor(&a, &ctx), state.now()).await?;
    Ok(Redirect::to(&format!("/admin/programs/{slug}/webhooks")).into_response())
}
