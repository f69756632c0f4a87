//! The public report form (`/p/{slug}/report`, works without JavaScript, multipart for
//! attachments) and its confirmation page.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::csrf::{verify_token, visitor_token, with_cookie};
use crate::error::{AppError, AppResult};
use crate::http::RequestCtx;
use crate::page::{Chrome, render, render_status};
use crate::program::service as programs;
use crate::report::intake::{self, FieldError, FormField, Origin, ReportInput, Upload};
use crate::state::AppState;

pub struct FieldView {
    pub f: FormField,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "report/form.html")]
struct FormPage {
    chrome: Chrome,
    slug: String,
    program: String,
    fields: Vec<FieldView>,
    contact_email: String,
    pgp_key: String,
    other_errors: Vec<FieldError>,
    notices: Vec<String>,
    checked: bool,
    max_mb: usize,
    version_hint: Option<String>,
}

fn page(
    state_csrf: String,
    p: &embargo_store::program::Program,
    policy: &embargo_domain::policy::Policy,
    input: &ReportInput,
    errors: Vec<FieldError>,
    notices: Vec<String>,
    checked: bool,
) -> FormPage {
    let fields: Vec<FieldView> = intake::form_fields(policy)
        .into_iter()
        .map(|f| FieldView {
            value: input.fields.get(&f.id).cloned().unwrap_or_default(),
            error: errors
                .iter()
                .find(|e| e.field == f.id)
                .map(|e| e.message.clone()),
            f,
        })
        .collect();
    let other_errors = errors
        .into_iter()
        .filter(|e| !fields.iter().any(|v| v.f.id == e.field))
        .collect();
    FormPage {
        chrome: Chrome::new(format!("Report a vulnerability — {}", p.name), state_csrf),
        slug: p.slug.clone(),
        program: p.name.clone(),
        fields,
        contact_email: input.contact_email.clone().unwrap_or_default(),
        pgp_key: input.reporter_pgp_key.clone().unwrap_or_default(),
        other_errors,
        notices,
        checked,
        max_mb: intake::DEFAULT_ATTACHMENT_BYTES / (1024 * 1024),
        version_hint: policy.program.version_hint.clone(),
    }
}

pub async fn get_report_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let p = embargo_store::program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = programs::policy_of(&p)?;
    let (csrf, set) = visitor_token(&state, &headers);
    let res = render(&page(
        csrf,
        &p,
        &policy,
        &ReportInput::default(),
        Vec::new(),
        Vec::new(),
        false,
    ));
    Ok(with_cookie(res, set))
}

#[derive(Template)]
#[template(path = "report/submitted.html")]
struct Submitted {
    chrome: Chrome,
    program: String,
    reference: String,
    tracking_url: String,
}

/// Reads the multipart form: `csrf_token`, `action`, `f:<field id>`, `contact_email`,
/// `reporter_pgp_key`, and files under `attachments`.
async fn read_form(mut mp: Multipart) -> AppResult<(String, String, ReportInput)> {
    let (mut csrf, mut action) = (String::new(), String::from("send"));
    let mut input = ReportInput {
        fields: BTreeMap::new(),
        ..Default::default()
    };
    while let Some(field) = mp.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "attachments" {
            let filename = field.file_name().unwrap_or("").to_owned();
            let data = field.bytes().await.map_err(|e| multipart_error(&e))?;
            if !data.is_empty() {
                input.attachments.push(Upload {
                    filename,
                    data: data.to_vec(),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(|e| multipart_error(&e))?;
        match name.as_str() {
            "csrf_token" => csrf = text,
            "action" => action = text,
            "contact_email" => input.contact_email = Some(text),
            "reporter_pgp_key" => input.reporter_pgp_key = Some(text),
            other => {
                if let Some(id) = other.strip_prefix("f:")
                    && !text.trim().is_empty()
                {
                    input.fields.insert(id.to_owned(), text);
                }
            }
        }
    }
    Ok((csrf, action, input))
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::validation("form", e.body_text())
    }
}

pub async fn post_report_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let p = embargo_store::program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = programs::policy_of(&p)?;
    let (csrf, action, input) = read_form(mp).await?;
    verify_token(&state, &headers, &csrf).await?;
    let errors = intake::validate(&policy, &input);
    let notices = intake::notices(&policy, &input, programs::today(state.now()));
    if action == "check" || !errors.is_empty() {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return Ok(render_status(
            status,
            &page(
                csrf,
                &p,
                &policy,
                &input,
                errors,
                notices,
                action == "check",
            ),
        ));
    }
    let origin = Origin {
        channel: "web",
        actor: "anonymous".into(),
        ip: ctx.client_ip.to_string(),
    };
    let done = intake::submit(&state, &p, &policy, input, &origin).await?;
    let tracking_url = format!("{}/track/{}", state.public_url, done.tracking_secret);
    let res = render_status(
        StatusCode::CREATED,
        &Submitted {
            chrome: Chrome::new("Report received", ""),
            program: p.name,
            reference: done.reference,
            tracking_url,
        },
    );
    Ok(res.into_response())
}
