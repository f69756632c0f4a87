//! Program pages: the admin list, create and edit (policy errors shown inline with their line
//! numbers), members; and the public policy page, SECURITY.md and security.txt.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use embargo_domain::account::Role;
use embargo_domain::policy::Diagnostic;
use embargo_store::{program, user};
use serde::Deserialize;

use crate::admin::service::Actor;
use crate::auth::csrf::CsrfForm;
use crate::auth::session::AdminUser;
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::program::service::{self, SaveError};
use crate::state::AppState;

fn actor(a: &AdminUser, ctx: &RequestCtx) -> Actor {
    Actor {
        id: a.0.actor(),
        ip: ctx.client_ip.to_string(),
    }
}

pub struct ProgramRow {
    pub slug: String,
    pub name: String,
    pub revision: i32,
    pub is_default: bool,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "program/list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ProgramRow>,
    source: String,
    diagnostics: Vec<Diagnostic>,
}

async fn list_page(
    state: &AppState,
    a: &AdminUser,
    source: String,
    diagnostics: Vec<Diagnostic>,
) -> AppResult<ListPage> {
    let rows = program::list(state.store.conn())
        .await?
        .into_iter()
        .map(|p| ProgramRow {
            slug: p.slug,
            name: p.name,
            revision: p.revision,
            is_default: p.is_default,
            updated: p.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    Ok(ListPage {
        chrome: a.0.chrome("Programs", "programs"),
        rows,
        source,
        diagnostics,
    })
}

pub async fn get_programs(State(state): State<AppState>, a: AdminUser) -> AppResult<Response> {
    Ok(render(
        &list_page(&state, &a, String::new(), Vec::new()).await?,
    ))
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    policy: String,
    #[serde(default)]
    revision: Option<String>,
}

pub async fn post_program(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    CsrfForm(f): CsrfForm<PolicyForm>,
) -> AppResult<Response> {
    match service::add(
        &state.store,
        &f.policy,
        "policy.toml",
        &actor(&a, &ctx),
        state.now(),
    )
    .await
    {
        Ok((p, _)) => Ok(Redirect::to(&format!("/admin/programs/{}", p.slug)).into_response()),
        Err(SaveError::Invalid(d)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &list_page(&state, &a, f.policy, d).await?,
        )),
        Err(SaveError::Other(e)) => Err(e),
    }
}

pub struct MemberRow {
    pub user_id: i64,
    pub email: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "program/edit.html")]
struct EditPage {
    chrome: Chrome,
    slug: String,
    name: String,
    revision: i32,
    is_default: bool,
    source: String,
    diagnostics: Vec<Diagnostic>,
    members: Vec<MemberRow>,
    roles: Vec<&'static str>,
    error: Option<String>,
}

async fn edit_page(
    state: &AppState,
    a: &AdminUser,
    p: &program::Program,
    source: Option<String>,
    diagnostics: Vec<Diagnostic>,
    error: Option<String>,
) -> AppResult<EditPage> {
    let mut members = Vec::new();
    for m in program::members(state.store.conn(), p.id).await? {
        let email = user::by_id(state.store.conn(), m.user_id)
            .await?
            .map(|u| u.email)
            .unwrap_or_default();
        members.push(MemberRow {
            user_id: m.user_id,
            email,
            role: m.role,
        });
    }
    members.sort_by(|x, y| x.email.cmp(&y.email));
    Ok(EditPage {
        chrome: a.0.chrome(p.name.clone(), "programs"),
        slug: p.slug.clone(),
        name: p.name.clone(),
        revision: p.revision,
        is_default: p.is_default,
        source: source.unwrap_or_else(|| p.policy_toml.clone()),
        diagnostics,
        members,
        roles: vec![
            Role::Triager.as_str(),
            Role::Developer.as_str(),
            Role::Viewer.as_str(),
        ],
        error,
    })
}

async fn find(state: &AppState, slug: &str) -> AppResult<program::Program> {
    program::by_slug(state.store.conn(), slug)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get_program(
    State(state): State<AppState>,
    a: AdminUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = find(&state, &slug).await?;
    let warnings =
        embargo_domain::policy::lint(&p.policy_toml, "policy.toml", service::today(state.now()));
    Ok(render(
        &edit_page(&state, &a, &p, None, warnings, None).await?,
    ))
}

pub async fn post_program_update(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<PolicyForm>,
) -> AppResult<Response> {
    let expected = f.revision.as_deref().and_then(|r| r.parse().ok());
    match service::update(
        &state.store,
        &slug,
        &f.policy,
        "policy.toml",
        expected,
        &actor(&a, &ctx),
        state.now(),
    )
    .await
    {
        Ok((p, _)) => Ok(Redirect::to(&format!("/admin/programs/{}", p.slug)).into_response()),
        Err(SaveError::Invalid(d)) => {
            let p = find(&state, &slug).await?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &edit_page(&state, &a, &p, Some(f.policy), d, None).await?,
            ))
        }
        Err(SaveError::Other(AppError::Conflict(m))) => {
            let p = find(&state, &slug).await?;
            Ok(render_status(
                StatusCode::CONFLICT,
                &edit_page(&state, &a, &p, Some(f.policy), Vec::new(), Some(m)).await?,
            ))
        }
        Err(SaveError::Other(e)) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn post_program_default(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    service::make_default(&state.store, &slug, &actor(&a, &ctx), state.now()).await?;
    Ok(Redirect::to(&format!("/admin/programs/{slug}")).into_response())
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn post_member(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> AppResult<Response> {
    let result = match f.role.parse::<Role>() {
        Ok(Role::Admin) => Err(AppError::validation(
            "role",
            "program roles are triager, developer and viewer; admins see every program",
        )),
        Ok(role) => {
            service::add_member(
                &state.store,
                &slug,
                &f.email,
                role,
                &actor(&a, &ctx),
                state.now(),
            )
            .await
        }
        Err(e) => Err(AppError::validation("role", e.to_string())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/programs/{slug}")).into_response()),
        Err(AppError::Validation { message, .. }) => {
            let p = find(&state, &slug).await?;
            Ok(render_status(
                StatusCode::BAD_REQUEST,
                &edit_page(&state, &a, &p, None, Vec::new(), Some(message)).await?,
            ))
        }
        Err(e) => Err(e),
    }
}

pub async fn post_member_remove(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path((slug, user_id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    service::remove_member(&state.store, &slug, user_id, &actor(&a, &ctx), state.now()).await?;
    Ok(Redirect::to(&format!("/admin/programs/{slug}")).into_response())
}

#[derive(Template)]
#[template(path = "program/policy.html")]
struct PolicyPage {
    chrome: Chrome,
    slug: String,
    body: String,
}

/// Public: the policy page of a program.
pub async fn get_policy_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = find(&state, &slug).await?;
    let policy = service::policy_of(&p)?;
    // Empty unless the policy publishes its responsiveness ([clocks] publish_responsiveness).
    let record =
        crate::dashboard::service::responsiveness(&state.store, &p, &policy, state.now()).await?;
    let body =
        embargo_formats::policy_html::body_with(&policy, service::today(state.now()), &record);
    Ok(render(&PolicyPage {
        chrome: Chrome::new(format!("Security policy — {}", p.name), ""),
        slug: p.slug,
        body,
    }))
}

fn text(content_type: &'static str, body: String, filename: Option<&str>) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response();
    if let Some(f) = filename
        && let Ok(v) = format!("inline; filename=\"{f}\"").parse()
    {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Public: SECURITY.md as rendered from the policy.
pub async fn get_security_md(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = find(&state, &slug).await?;
    let policy = service::policy_of(&p)?;
    Ok(text(
        "text/markdown; charset=utf-8",
        embargo_formats::security_md::render(&policy, service::today(state.now())),
        Some("SECURITY.md"),
    ))
}

/// security.txt for a program, clear-signed when its policy asks for it.
async fn security_txt(state: &AppState, p: &program::Program) -> AppResult<Response> {
    let mut policy = service::policy_of(p)?;
    // Once something is published, the instance is a CSAF provider (CSAF 2.0 §7.1.8) and has a
    // hall of thanks (RFC 9116 §2.5.1), unless the policy names its own.
    if embargo_store::advisory::file(
        state.store.conn(),
        ".well-known/csaf/provider-metadata.json",
    )
    .await?
    .is_some()
    {
        let base = state.public_url.trim_end_matches('/');
        policy
            .security_txt
            .csaf
            .get_or_insert_with(|| format!("{base}/.well-known/csaf/provider-metadata.json"));
        policy
            .credits
            .hall_of_thanks_url
            .get_or_insert_with(|| format!("{base}/thanks"));
    }
    let mut body = embargo_formats::security_txt::render(&policy, service::today(state.now()));
    if policy.security_txt.sign {
        let (key, _) =
            crate::openpgp::program_key(&state.store, &state.keys, p, state.now()).await?;
        body = crate::openpgp::clear_sign(&key, &body)?;
    }
    Ok(text("text/plain; charset=utf-8", body, None))
}

/// Public: a program's OpenPGP key (created on first use), every key it has had.
pub async fn get_pgp_key(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = find(&state, &slug).await?;
    crate::openpgp::program_key(&state.store, &state.keys, &p, state.now()).await?;
    let keys = program::keys(state.store.conn(), p.id).await?;
    let body: String = keys
        .iter()
        .map(|k| k.public_armored.clone())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(text(
        "application/pgp-keys",
        body,
        Some(&format!("{slug}.asc")),
    ))
}

/// Public: a program's security.txt (RFC 9116).
pub async fn get_security_txt(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = find(&state, &slug).await?;
    security_txt(&state, &p).await
}

/// Public: `/.well-known/security.txt` is the default program's (RFC 9116 §3).
pub async fn get_well_known_security_txt(State(state): State<AppState>) -> AppResult<Response> {
    let p = program::default(state.store.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    security_txt(&state, &p).await
}

pub struct TemplateRow {
    pub id: i64,
    pub name: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "program/templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    slug: String,
    name: String,
    rows: Vec<TemplateRow>,
    variables: &'static [(&'static str, &'static str)],
    form_name: String,
    form_body: String,
    error: Option<String>,
}

async fn templates_page(
    state: &AppState,
    a: &AdminUser,
    slug: &str,
    form: (String, String),
    error: Option<String>,
) -> AppResult<TemplatesPage> {
    let p = program::by_slug(state.store.conn(), slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = program::templates(state.store.conn(), p.id)
        .await?
        .into_iter()
        .map(|t| TemplateRow {
            id: t.id,
            name: t.name,
            body: t.body,
        })
        .collect();
    Ok(TemplatesPage {
        chrome: a.0.chrome("Response templates", "programs"),
        slug: p.slug,
        name: p.name,
        rows,
        variables: crate::case::response::VARIABLES,
        form_name: form.0,
        form_body: form.1,
        error,
    })
}

/// The team's canned responses of a program (minijinja), with the variables they may use.
pub async fn get_templates(
    State(state): State<AppState>,
    a: AdminUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    Ok(render(
        &templates_page(&state, &a, &slug, Default::default(), None).await?,
    ))
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    body: String,
}

/// Saves a template after checking that it renders (the error names the line).
pub async fn post_template(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> AppResult<Response> {
    let p = program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = f.name.trim().to_owned();
    let problem = if name.is_empty() || name.chars().count() > 100 {
        Some("give the template a name (up to 100 characters)".to_owned())
    } else if f.body.trim().is_empty() || f.body.len() > 20_000 {
        Some("write the template (up to 20,000 characters)".to_owned())
    } else {
        crate::case::response::check(&f.body).err()
    };
    if let Some(e) = problem {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &templates_page(&state, &a, &slug, (f.name, f.body), Some(e)).await?,
        ));
    }
    let now = state.now();
    let txn = state.store.begin().await?;
    let t = program::save_template(&txn, p.id, &name, &f.body, now).await?;
    crate::audit::record(
        &txn,
        &actor(&a, &ctx).id,
        &ctx.client_ip.to_string(),
        "program.template_saved",
        &format!("program:{slug}"),
        serde_json::json!({ "template": t.id, "name": name }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/admin/programs/{slug}/templates")).into_response())
}

pub async fn post_template_remove(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    a: AdminUser,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<TemplateForm>,
) -> AppResult<Response> {
    let p = program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.now();
    let txn = state.store.begin().await?;
    if !program::delete_template(&txn, p.id, id).await? {
        return Err(AppError::NotFound);
    }
    crate::audit::record(
        &txn,
        &actor(&a, &ctx).id,
        &ctx.client_ip.to_string(),
        "program.template_removed",
        &format!("program:{slug}"),
        serde_json::json!({ "template": id }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/admin/programs/{slug}/templates")).into_response())
}
